//! The connection state machine.

pub(crate) mod opening;
mod recv;
mod send;
mod timers;

use alloc::vec::Vec;
use core::time::Duration;

pub use send::{BoxRng, Sender};

use crate::close::CloseCode;
use crate::config::Config;
#[cfg(feature = "std")]
use crate::error::HandshakeError;
use crate::error::{Error, SendError};
pub use crate::frame::Role;
#[cfg(feature = "std")]
use crate::handshake::{ClientOptions, WsUrl};
use crate::handshake::{Request, Response};
use opening::Handshake;
use recv::Receiver;
use timers::{Phase, Timers};

/// The connection's state, following the browser's `readyState`.
///
/// It only moves forward: `Connecting → Open → Closing → Closed`, where `Open` or `Closing`
/// may be skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum State {
    /// The opening handshake is under way.
    Connecting,
    /// Messages flow both ways.
    Open,
    /// This end sent a Close and waits for the peer's.
    Closing,
    /// The closing handshake is over, or the connection failed: write what is pending, then
    /// close the transport.
    Closed,
}

/// Something the peer did, borrowed from the connection's buffers.
///
/// An event borrows the connection: drop it before feeding more input. To answer while the
/// event is alive, use the [`Sender`] that [`Connection::next_event`] returns with it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// (Server) A valid upgrade request: answer it with [`Connection::accept`] or
    /// [`Connection::reject`]. (Boxed, to keep the frequent events small.)
    Request(alloc::boxed::Box<Request<'a>>),
    /// (Client) The server accepted the upgrade; the connection is open.
    Open(alloc::boxed::Box<Response<'a>>),
    /// A whole text message (UTF-8 validated).
    Text(&'a str),
    /// A whole binary message.
    Binary(&'a [u8]),
    /// (Streaming mode) A piece of a text message, ending on a character boundary; `fin` marks
    /// the message's last piece. A piece may be empty (an empty message, an empty last frame,
    /// or the end of a compressed message found after its last full piece).
    TextChunk {
        /// The text of this piece.
        text: &'a str,
        /// Whether the message ends with this piece.
        fin: bool,
    },
    /// (Streaming mode) A piece of a binary message; `fin` marks the message's last piece. A
    /// piece may be empty, like a [`TextChunk`](Self::TextChunk).
    BinaryChunk {
        /// The bytes of this piece.
        data: &'a [u8],
        /// Whether the message ends with this piece.
        fin: bool,
    },
    /// A Ping; it has been answered already if [`Config::auto_pong`] is set.
    Ping(&'a [u8]),
    /// A Pong.
    Pong(&'a [u8]),
    /// The connection closed. After a Close frame from the peer (`was_clean`), the reply has
    /// been queued. `code` is 1005 if the peer's Close had no code, and 1006 (not clean) if the
    /// transport ended, or a timer gave up, without a closing handshake.
    Close {
        /// The peer's close code, or 1005 / 1006.
        code: CloseCode,
        /// The peer's reason.
        reason: &'a str,
        /// Whether the closing handshake completed.
        was_clean: bool,
    },
}

/// What an opening handshake done elsewhere agreed on, for
/// [`Connection::open_negotiated`]: the subprotocol and the permessage-deflate parameters.
///
/// ```
/// use rfc6455::{Config, Connection, Negotiated, Role};
/// let conn = Connection::open_negotiated(Role::Server, Config::default(),
///                                        Negotiated::new().protocol("chat"));
/// assert_eq!(conn.protocol(), Some("chat"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Negotiated {
    /// The subprotocol both ends agreed on (`Sec-WebSocket-Protocol`), if any.
    pub protocol: Option<alloc::string::String>,
    /// The permessage-deflate parameters both ends agreed on, if the extension was
    /// negotiated.
    #[cfg(feature = "deflate")]
    pub deflate: Option<crate::extensions::deflate::DeflateParams>,
}

impl Negotiated {
    /// No subprotocol, no extension.
    pub fn new() -> Self {
        Self::default()
    }

    /// With this subprotocol.
    pub fn protocol(mut self, protocol: impl Into<alloc::string::String>) -> Self {
        self.protocol = Some(protocol.into());
        self
    }

    /// With permessage-deflate on these parameters.
    #[cfg(feature = "deflate")]
    pub fn deflate(mut self, params: crate::extensions::deflate::DeflateParams) -> Self {
        self.deflate = Some(params);
        self
    }
}

/// One WebSocket connection, as a state machine without I/O.
///
/// The driver feeds received bytes with [`receive`](Self::receive), takes events from
/// [`next_event`](Self::next_event) until it returns `None`, writes
/// [`pending_output`](Self::pending_output) to the transport and acknowledges it with
/// [`advance_output`](Self::advance_output). When [`state`](Self::state) is
/// [`State::Closed`] and nothing is pending, it closes the transport.
///
/// ```
/// use rfc6455::{Connection, Config, Event, Role};
///
/// // Two connections already past the handshake, wired back to back.
/// let mut client = Connection::open(Role::Client, Config::default());
/// let mut server = Connection::open(Role::Server, Config::default());
/// client.send_text("hello").unwrap();
/// server.receive(client.pending_output());
/// client.advance_output(usize::MAX);
///
/// while let Some((event, sender)) = server.next_event().unwrap() {
///     if let Event::Text(text) = event {
///         sender.send_text(text).unwrap(); // echo, without copying the message
///     }
/// }
/// client.receive(server.pending_output());
/// let Some((Event::Text(echo), _)) = client.next_event().unwrap() else { panic!() };
/// assert_eq!(echo, "hello");
/// ```
pub struct Connection {
    config: Config,
    rx: Receiver,
    tx: Sender,
    timers: Timers,
}

impl core::fmt::Debug for Connection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Connection")
            .field("role", &self.tx.role)
            .field("state", &self.tx.state)
            .field("buffered_input", &self.rx.buffered())
            .field("buffered_output", &self.tx.buffered_amount())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "std")]
pub(crate) fn default_rng() -> BoxRng {
    use rand::SeedableRng as _;
    alloc::boxed::Box::new(rand::rngs::StdRng::from_rng(&mut rand::rng()))
}

impl Connection {
    fn build(role: Role, state: State, hs: Handshake, config: Config, rng: Option<BoxRng>) -> Self {
        Self {
            tx: Sender::new(role, state, rng, config.retain_buffer),
            config,
            rx: Receiver::new(hs),
            timers: Timers::default(),
        }
    }

    /// A server connection waiting for the client's upgrade request.
    ///
    /// Feed it the bytes the client sends; [`next_event`](Self::next_event) yields
    /// [`Event::Request`] once the request is complete and valid. An invalid request fails with
    /// [`Error::Handshake`] and queues the error response (400, 426, 431…).
    pub fn server(config: Config) -> Self {
        Self::build(
            Role::Server,
            State::Connecting,
            Handshake::AwaitRequest,
            config,
            None,
        )
    }

    /// A client connection to `url`, with its upgrade request queued as output.
    ///
    /// Masks and the handshake key come from the operating system's randomness.
    #[cfg(feature = "std")]
    pub fn client(
        url: &WsUrl,
        options: ClientOptions,
        config: Config,
    ) -> Result<Self, HandshakeError> {
        Self::client_with_rng(url, options, config, default_rng())
    }

    /// A connection whose opening handshake was done elsewhere: it starts [`State::Open`].
    ///
    /// A client draws masks from the operating system's randomness.
    #[cfg(feature = "std")]
    pub fn open(role: Role, config: Config) -> Self {
        let rng = (role == Role::Client).then(default_rng);
        Self::build(role, State::Open, Handshake::Done, config, rng)
    }

    /// A connection whose opening handshake was done elsewhere (an HTTP/1.1 upgrade or an
    /// HTTP/2 extended CONNECT handled by another HTTP stack, see `rfc6455::http`), open with
    /// what it agreed on: [`protocol`](Self::protocol) reports the subprotocol, and
    /// permessage-deflate compresses and inflates with the given parameters (at the level
    /// and threshold of [`Config::deflate`], or their defaults if it is unset).
    ///
    /// A client draws masks from the operating system's randomness.
    #[cfg(feature = "std")]
    pub fn open_negotiated(role: Role, config: Config, negotiated: Negotiated) -> Self {
        let rng = (role == Role::Client).then(default_rng);
        Self::open_negotiated_inner(role, config, negotiated, rng)
    }

    /// Like [`open_negotiated`](Self::open_negotiated), with the client's masks drawn from
    /// `rng`.
    pub fn open_negotiated_with_rng(
        role: Role,
        config: Config,
        negotiated: Negotiated,
        rng: BoxRng,
    ) -> Self {
        Self::open_negotiated_inner(role, config, negotiated, Some(rng))
    }

    fn open_negotiated_inner(
        role: Role,
        config: Config,
        negotiated: Negotiated,
        rng: Option<BoxRng>,
    ) -> Self {
        let mut conn = Self::build(role, State::Open, Handshake::Done, config, rng);
        conn.tx.protocol = negotiated.protocol;
        #[cfg(feature = "deflate")]
        if let Some(params) = &negotiated.deflate {
            conn.enable_deflate(params);
        }
        conn
    }

    /// Like [`open`](Self::open), with the client's masks drawn from `rng`.
    pub fn open_with_rng(role: Role, config: Config, rng: BoxRng) -> Self {
        Self::build(role, State::Open, Handshake::Done, config, Some(rng))
    }

    /// This end's role.
    pub fn role(&self) -> Role {
        self.tx.role
    }

    /// The connection's state.
    pub fn state(&self) -> State {
        self.tx.state
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The negotiated subprotocol, once open.
    pub fn protocol(&self) -> Option<&str> {
        self.tx.protocol.as_deref()
    }

    /// Hands in bytes received from the transport, in chunks of any size.
    ///
    /// They are copied into the connection's buffer; take the events they produce with
    /// [`next_event`](Self::next_event). Bytes after the connection closed are ignored.
    pub fn receive(&mut self, data: &[u8]) {
        self.rx.receive(data);
    }

    /// Lets the transport append received bytes straight to the connection's buffer, saving
    /// the copy [`receive`](Self::receive) makes: `fill` gets the buffer with at least `room`
    /// bytes of spare capacity (`room` is capped at 1 MiB; more is made for a frame whose
    /// header has arrived, up to 64 KiB ahead of its bytes) and must only append to it (a read
    /// into spare capacity, such as tokio's `try_read_buf` or `Read::read_to_end`'s). Returns
    /// what `fill` returns.
    ///
    /// Bytes appended after the connection closed (or after end of file) are dropped, and no
    /// room is made for them. A read that appends nothing to an empty buffer (a stream that
    /// had nothing to give) leaves no room behind: the buffer keeps at most
    /// [`Config::retain_buffer`] bytes of capacity, as between messages, so a connection that
    /// waits for input holds no receive buffer.
    ///
    /// ```
    /// # use rfc6455::{Config, Connection, Role};
    /// let mut conn = Connection::open(Role::Server, Config::default());
    /// let wire = [0x82, 0x82, 1, 2, 3, 4, 0x0b, 0x0f]; // a masked binary frame [10, 13]
    /// let n = conn.receive_into(4096, |buf| {
    ///     buf.extend_from_slice(&wire); // e.g. stream.try_read_buf(buf)
    ///     wire.len()
    /// });
    /// assert_eq!(n, 8);
    /// assert!(matches!(conn.next_event(), Ok(Some((rfc6455::Event::Binary(&[10, 13]), _)))));
    /// ```
    ///
    /// # Panics
    ///
    /// If `fill` removes bytes from the buffer instead of appending.
    pub fn receive_into<R>(&mut self, room: usize, fill: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        self.rx.receive_into(room, self.config.retain_buffer, fill)
    }

    /// Tells the connection that the transport reached end of file (the peer closed it).
    ///
    /// Once buffered bytes are processed, a connection that had no closing handshake yields
    /// [`Event::Close`] with code 1006 and `was_clean: false`.
    pub fn receive_eof(&mut self) {
        self.rx.receive_eof();
    }

    /// The next event from the received bytes, with the [`Sender`] to answer it; `None` when
    /// more input is needed (or nothing more will come).
    ///
    /// A protocol violation fails the connection: the Close frame with the code RFC 6455
    /// prescribes is queued, the state becomes [`State::Closed`], and the error is returned
    /// (once; later calls return `None`).
    #[inline]
    pub fn next_event(&mut self) -> Result<Option<(Event<'_>, &mut Sender)>, Error> {
        // The common case first: a small complete text or binary frame.
        if let Some((kind, start, end)) = self.rx.small_frame(self.tx.role, &self.config) {
            let payload = &self.rx.buf[start..end];
            let event = match kind {
                recv::Kind::Binary => Event::Binary(payload),
                recv::Kind::Text => {
                    Event::Text(recv::text(payload, &mut self.rx.done, &mut self.tx)?)
                }
            };
            return Ok(Some((event, &mut self.tx)));
        }
        let ev = self.rx.poll(&mut self.tx, &self.config)?;
        Ok(ev.map(|e| (e, &mut self.tx)))
    }

    /// Turns on permessage-deflate with parameters agreed in a handshake done elsewhere (for a
    /// connection made with [`open`](Self::open)). [`accept`](Self::accept) and the client
    /// handshake do this themselves.
    #[cfg(feature = "deflate")]
    pub fn enable_deflate(&mut self, params: &crate::extensions::deflate::DeflateParams) {
        self.rx.enable_deflate(params, &mut self.tx, &self.config);
    }

    /// The sending half, for sending outside of [`next_event`](Self::next_event).
    pub fn sender(&mut self) -> &mut Sender {
        &mut self.tx
    }

    /// Sends a whole text message. See [`Sender::send_text`].
    pub fn send_text(&mut self, text: &str) -> Result<(), SendError> {
        self.tx.send_text(text)
    }

    /// Sends a whole binary message. See [`Sender::send_binary`].
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.tx.send_binary(data)
    }

    /// Sends a piece of a fragmented text message. See [`Sender::send_text_fragment`].
    pub fn send_text_fragment(&mut self, text: &str, fin: bool) -> Result<(), SendError> {
        self.tx.send_text_fragment(text, fin)
    }

    /// Sends a piece of a fragmented binary message. See [`Sender::send_binary_fragment`].
    pub fn send_binary_fragment(&mut self, data: &[u8], fin: bool) -> Result<(), SendError> {
        self.tx.send_binary_fragment(data, fin)
    }

    /// Sends a Ping. See [`Sender::send_ping`].
    pub fn send_ping(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.tx.send_ping(data)
    }

    /// Sends a Pong. See [`Sender::send_pong`].
    pub fn send_pong(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.tx.send_pong(data)
    }

    /// Starts the closing handshake. See [`Sender::close`].
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), SendError> {
        self.tx.close(code, reason)
    }

    /// The bytes to write to the transport next.
    pub fn pending_output(&self) -> &[u8] {
        self.tx.pending_output()
    }

    /// Acknowledges `n` written bytes of [`pending_output`](Self::pending_output).
    pub fn advance_output(&mut self, n: usize) {
        self.tx.advance_output(n);
    }

    /// Moves all pending output into `dst`, as if written.
    pub fn take_output(&mut self, dst: &mut Vec<u8>) {
        self.tx.take_output(dst);
    }

    /// Bytes queued and not yet written — the browser's `bufferedAmount`. A driver should
    /// stop reading from a peer whose output backs up past a bound of its choice.
    pub fn buffered_amount(&self) -> usize {
        self.tx.buffered_amount()
    }

    /// Bytes received and not yet turned into events, plus the parts of a fragmented message
    /// reassembled so far. With events taken after every `receive`, this stays within
    /// what one read delivers plus `max(max_frame_size, 125) + 14 + max_message_size`
    /// (saturating; control frames may carry 125 bytes whatever the frame limit); during the
    /// opening handshake, within one read plus `max_handshake_size + max_frame_size + 14`
    /// (the head, and what a client may send behind it). A driver can also use it to stop
    /// reading. A closed connection holds no input: 0.
    pub fn buffered_input(&self) -> usize {
        self.rx.buffered() + self.rx.reassembled()
    }

    /// Whether this end queued its Close frame (by [`close`](Self::close), in reply to the
    /// peer's, or on a protocol error). A driver protects that frame with a lingering close;
    /// a connection that gave up on a silent peer sent none and can close at once.
    pub fn close_sent(&self) -> bool {
        self.tx.close_sent
    }

    /// Whether the peer's Close frame arrived: the closing handshake completed (if this end
    /// sent its Close too) or is being completed by the reply already queued.
    pub fn close_received(&self) -> bool {
        self.rx.close_received
    }

    /// Whether the driver should close the transport now: the connection is closed and all
    /// output was written.
    pub fn should_close_transport(&self) -> bool {
        self.tx.state == State::Closed && self.tx.buffered_amount() == 0
    }

    /// Releases empty buffers, for a connection about to sit idle.
    pub fn shrink_buffers(&mut self) {
        self.rx.shrink();
        self.tx.shrink();
    }

    /// The timer that runs in the connection's current phase, with its limit.
    fn phase(&self) -> Option<(Phase, Duration)> {
        let c = &self.config;
        match self.tx.state {
            State::Connecting => c.handshake_timeout.map(|t| (Phase::Handshake, t)),
            State::Open if self.timers.awaiting_pong => {
                c.idle_ping.map(|_| (Phase::AwaitPong, c.pong_timeout))
            }
            State::Open => c.idle_ping.map(|t| (Phase::Idle, t)),
            State::Closing => Some((Phase::Closing, c.close_timeout)),
            State::Closed => {
                (self.tx.buffered_amount() > 0).then_some((Phase::Linger, c.close_timeout))
            }
        }
    }

    /// Whether the peer showed a sign of life that restarts the timer of `phase` since the
    /// timers last looked: received bytes for keep-alive, output it read for the closing and
    /// linger timers.
    fn sign_of_life(&self, phase: Phase) -> bool {
        match phase {
            Phase::Idle | Phase::AwaitPong => self.rx.activity,
            Phase::Closing | Phase::Linger => self.tx.progress,
            Phase::Handshake => false,
        }
    }

    /// When the connection next wants [`handle_timeout`](Self::handle_timeout) to be called,
    /// on the driver's clock (the one whose time `handle_timeout` is given).
    ///
    /// - `None`: no timer runs; nothing happens until input arrives or the application acts.
    /// - `Some(Duration::ZERO)`: call `handle_timeout` at once. A timer was started (by a state
    ///   change — open, close, failure — or, with keep-alive, by received bytes) and needs the
    ///   time it started at: the connection has no clock, and never dates a timer from a time
    ///   it merely remembers.
    /// - `Some(deadline)`: call `handle_timeout` when the clock reaches `deadline`.
    ///
    /// A deadline beyond what [`Duration`] can hold (a timeout of [`Duration::MAX`], say)
    /// means never: `None`. Ask again after every call into the connection; the answer only
    /// changes then.
    ///
    /// ```
    /// # use rfc6455::{Config, Connection, Role, CloseCode};
    /// # use core::time::Duration;
    /// let mut conn = Connection::open(Role::Server, Config::default());
    /// assert_eq!(conn.poll_timeout(), None); // keep-alive is off by default
    /// conn.close(CloseCode::NORMAL, "").unwrap();
    /// assert_eq!(conn.poll_timeout(), Some(Duration::ZERO)); // "what time is it?"
    /// conn.handle_timeout(Duration::from_secs(3600));
    /// // The close timer (5 s by default) starts now, not at some earlier time.
    /// assert_eq!(conn.poll_timeout(), Some(Duration::from_secs(3605)));
    /// ```
    pub fn poll_timeout(&self) -> Option<Duration> {
        let (phase, limit) = self.phase()?;
        if self.sign_of_life(phase) {
            // Learn the time of it, to restart the timer from there.
            return Some(Duration::ZERO);
        }
        if phase.gives_up() && self.rx.event_ready(&self.config) {
            // What was received may be the awaited frame: next_event first.
            return None;
        }
        self.timers.deadline(phase, limit)
    }

    /// Tells the connection the time on the driver's monotonic clock, and runs the timer that
    /// is due:
    ///
    /// - keep-alive ([`Config::idle_ping`]): after that long without receiving anything, a Ping
    ///   is sent; if nothing arrives within [`Config::pong_timeout`] after it, the connection
    ///   gives up;
    /// - the closing handshake: [`Config::close_timeout`] after this end sent its Close
    ///   without the peer's arriving, the connection gives up;
    /// - the opening handshake: after [`Config::handshake_timeout`] it gives up (a pending
    ///   request can then no longer be accepted);
    /// - a closed connection whose output is never written (a peer that stops reading) drops
    ///   that output [`Config::close_timeout`] after closing, so that
    ///   [`should_close_transport`](Self::should_close_transport) becomes true.
    ///
    /// A connection that gives up becomes [`State::Closed`], and the next
    /// [`next_event`](Self::next_event) yields [`Event::Close`] with code 1006 and
    /// `was_clean: false`. It does not give up while a whole frame (or handshake head) that
    /// was handed in waits to be taken with `next_event` — it may be the awaited Close — and
    /// [`poll_timeout`](Self::poll_timeout) is `None` meanwhile: call `next_event` until it
    /// returns `None` after every read, as the call order says. A partial frame does not hold
    /// the timer off.
    ///
    /// Time only moves forward: a `now` earlier than one given before counts as the latest
    /// given. Every timer starts at the `now` of the first call after it was armed (see
    /// [`poll_timeout`](Self::poll_timeout)). Extra calls are harmless.
    pub fn handle_timeout(&mut self, now: Duration) {
        let now = self.timers.advance(now);
        let Some((phase, limit)) = self.phase() else {
            self.timers.stop();
            return;
        };
        if self.sign_of_life(phase) {
            if phase == Phase::AwaitPong || phase == Phase::Idle {
                // Received bytes: the idle interval starts again from now.
                self.rx.activity = false;
                self.timers.awaiting_pong = false;
                self.timers.restart(Phase::Idle, now);
            } else {
                // The peer reads what we write: give it the whole timeout again.
                self.tx.progress = false;
                self.timers.restart(phase, now);
            }
            return;
        }
        if phase.gives_up() && self.rx.event_ready(&self.config) {
            return;
        }
        if !self.timers.expired(phase, limit, now) {
            return;
        }
        match phase {
            Phase::Idle => {
                if self.tx.send_ping(b"").is_ok() {
                    self.timers.awaiting_pong = true;
                    self.timers.restart(Phase::AwaitPong, now);
                }
            }
            Phase::Linger => self.tx.discard_output(),
            Phase::Handshake | Phase::AwaitPong | Phase::Closing => self.abort(),
        }
    }

    /// Gives up on the peer: no more frames are sent or accepted.
    fn abort(&mut self) {
        self.tx.state = State::Closed;
        // A request that was not answered in time can no longer be accepted.
        self.rx.hs = Handshake::Done;
        if !self.rx.done {
            self.rx.aborted = true;
            self.rx.release();
        }
    }
}

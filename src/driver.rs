//! A small tokio driver: the transport half of a connection, for any async byte stream.
//!
//! The connection stays a pure state machine; this module only moves bytes between it and a
//! stream, sleeps until its timers, and closes the stream gracefully. It is the loop every
//! tokio driver writes, once: wait for input, writable output or a timer, apply what
//! happened, handle events, repeat. Enable it with the `tokio` feature.
//!
//! [`TokioDriver`] works over any `AsyncRead + AsyncWrite + Unpin` stream: a
//! [`TcpStream`] ([`TokioDriver::new`]), a TLS stream of `tokio-rustls`, hyper's upgraded
//! connection through `hyper_util::rt::TokioIo`, an HTTP/2 stream
//! ([`TokioDriver::with_stream`]).
//!
//! ```no_run
//! # async fn serve(stream: tokio::net::TcpStream) -> std::io::Result<()> {
//! use rfc6455::{driver::TokioDriver, Config, Connection, Event};
//! use rfc6455::handshake::AcceptOptions;
//!
//! let mut conn = Connection::server(Config::default());
//! let mut io = TokioDriver::new(stream)?;
//! while !conn.should_close_transport() {
//!     let happened = io.wait(&mut conn).await?;
//!     io.apply(happened, &mut conn)?;
//!     let mut accept = false;
//!     while let Some((event, tx)) = conn.next_event().unwrap_or(None) {
//!         match event {
//!             Event::Request(_) => accept = true,
//!             Event::Text(t) => tx.send_text(t).unwrap_or(()),
//!             _ => {}
//!         }
//!     }
//!     if accept {
//!         conn.accept(&AcceptOptions::new()).unwrap();
//!     }
//! }
//! io.close().await;
//! # Ok(()) }
//! ```

use alloc::boxed::Box;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io::ErrorKind;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use crate::connection::{Connection, Role, State};

/// Size of the per-thread read buffer, used between frames.
const READ_SIZE: usize = 64 * 1024;
/// Least and most room made for a read straight into the connection's buffer (the
/// connection also makes room for the whole frame when its header has arrived).
const MIN_READ: usize = 4 * 1024;
const MAX_READ: usize = 256 * 1024;

std::thread_local! {
    /// Every connection on a thread reads into this one buffer between frames, so a driver
    /// holds no read buffer of its own.
    static SCRATCH: core::cell::RefCell<alloc::vec::Vec<u8>> =
        core::cell::RefCell::new(alloc::vec![0; READ_SIZE]);
}

/// What [`TokioDriver::wait`] saw; hand it to [`TokioDriver::apply`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Io {
    /// `n` bytes were read and already given to the connection; `Read(0)` is the end of the
    /// stream (the connection was told, with [`Connection::receive_eof`]).
    Read(usize),
    /// `n` bytes of pending output were written: [`apply`](TokioDriver::apply) acknowledges
    /// them.
    Wrote(usize),
    /// A timer of the connection is due: [`apply`](TokioDriver::apply) runs it.
    Timer,
    /// Nothing can happen any more (closed, nothing to write, no timer).
    Idle,
}

/// Moves bytes between a [`Connection`] and a byte stream `S`: a [`TcpStream`] by default,
/// or any `AsyncRead + AsyncWrite + Unpin` (TLS, hyper's upgraded connections, HTTP/2
/// streams).
///
/// It keeps no buffers: between frames, reads go through one buffer per thread and the
/// connection copies only what arrived; inside a large frame, they go straight into the
/// connection's buffer ([`Connection::receive_into`]). Writes come straight from
/// [`Connection::pending_output`], all of it in one write, and are flushed (a TLS stream
/// holds written records until then).
#[derive(Debug)]
pub struct TokioDriver<S = TcpStream> {
    stream: S,
    start: Instant,
    eof: bool,
    /// Bytes the last read returned: bulk traffic reads straight into the connection.
    last_read: usize,
    /// Output was written and not flushed yet.
    unflushed: bool,
    /// The connection's next timer, while it has one.
    sleep: Option<Pin<Box<Sleep>>>,
    /// How a read is done: [`poll_read_into`] for any stream, [`poll_read_tcp`] for a
    /// [`TcpStream`].
    read_into: ReadInto<S>,
    /// How pending output is written: `poll_write` for any stream, [`poll_write_tcp`] for a
    /// [`TcpStream`].
    write_from: WriteFrom<S>,
    /// Stop reading while this much output waits (backpressure). Default 1 MiB.
    pub high_water: usize,
    /// A client after a closing handshake: the server closes TCP first (RFC 6455 §7.1.1).
    wait_for_server: bool,
    /// This end sent a Close frame, which a reset could lose: close gracefully.
    linger: bool,
}

/// One read from a stream into the connection (see [`poll_read_into`]).
type ReadInto<S> =
    fn(&mut S, &mut Context<'_>, &mut Connection, bool, usize) -> Poll<std::io::Result<usize>>;

/// One write of pending output to a stream.
type WriteFrom<S> = fn(&mut S, &mut Context<'_>, &[u8]) -> Poll<std::io::Result<usize>>;

fn poll_write_any<S: AsyncWrite + Unpin>(
    stream: &mut S,
    cx: &mut Context<'_>,
    data: &[u8],
) -> Poll<std::io::Result<usize>> {
    Pin::new(stream).poll_write(cx, data)
}

/// `poll_write` for a [`TcpStream`] that keeps the socket's write readiness after a short
/// write (tokio's `poll_write` clears it), like [`poll_read_tcp`] for reads.
fn poll_write_tcp(
    stream: &mut TcpStream,
    cx: &mut Context<'_>,
    data: &[u8],
) -> Poll<std::io::Result<usize>> {
    loop {
        if let Err(e) = core::task::ready!(stream.poll_write_ready(cx)) {
            return Poll::Ready(Err(e));
        }
        match stream.try_write(data) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            r => return Poll::Ready(r),
        }
    }
}

impl TokioDriver<TcpStream> {
    /// Wraps a TCP stream, and turns Nagle's algorithm off: frames go out as they are queued.
    ///
    /// A driver made here (rather than with [`with_stream`](TokioDriver::with_stream)) reads
    /// bulk traffic with `try_read_buf`, which keeps the socket's readiness after a short
    /// read: under pipelined load the next read usually finds more data without a trip
    /// through the event loop.
    pub fn new(stream: TcpStream) -> std::io::Result<Self> {
        stream.set_nodelay(true)?;
        let mut driver = Self::with_stream(stream);
        driver.read_into = poll_read_tcp;
        driver.write_from = poll_write_tcp;
        Ok(driver)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TokioDriver<S> {
    /// Wraps any byte stream: a `tokio_rustls` client or server stream, hyper's
    /// `Upgraded` through `hyper_util::rt::TokioIo`, an HTTP/2 stream adapter. Socket options
    /// (`TCP_NODELAY`) are the caller's to set on the underlying socket.
    ///
    /// ```no_run
    /// # async fn run(tls: tokio::io::DuplexStream) -> std::io::Result<()> {
    /// use rfc6455::{driver::TokioDriver, Config, Connection};
    /// // `tls` could be a `tokio_rustls::server::TlsStream<TcpStream>`.
    /// let mut conn = Connection::server(Config::default());
    /// let mut io = TokioDriver::with_stream(tls);
    /// let happened = io.wait(&mut conn).await?;
    /// io.apply(happened, &mut conn)?;
    /// # Ok(()) }
    /// ```
    pub fn with_stream(stream: S) -> Self {
        Self {
            stream,
            start: Instant::now(),
            eof: false,
            last_read: 0,
            unflushed: false,
            sleep: None,
            read_into: poll_read_into,
            write_from: poll_write_any,
            high_water: 1 << 20,
            wait_for_server: false,
            linger: false,
        }
    }

    /// The stream (a TLS stream's negotiated ALPN protocol, the peer's address).
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The stream, mutably. Reading or writing it directly bypasses the connection.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// Waits until input arrives (and gives it to the connection), some pending output is
    /// written, or the connection's next timer is due. Pending output goes first, all of it
    /// in one write, then a flush. Reading pauses while [`Connection::buffered_amount`] is at
    /// least `high_water`, so a peer that does not read cannot grow this end's memory.
    ///
    /// Cancel-safe: input is handed to the connection in the same poll that reads it, so
    /// the future can be raced in `tokio::select!` against other sources (a queue of
    /// messages to send, say) and dropped without losing bytes.
    pub async fn wait(&mut self, conn: &mut Connection) -> std::io::Result<Io> {
        // A deadline that tokio cannot represent (a timeout of `Duration::MAX`, say) is never:
        // tokio rounds deadlines up, so leave a second of headroom before `Instant`'s end.
        let deadline = conn.poll_timeout().and_then(|d| {
            let at = self.start.checked_add(d)?;
            at.checked_add(Duration::from_secs(1)).map(|_| at)
        });
        // RFC 6455 §7.1.1: after the closing handshake, the server closes TCP first.
        self.wait_for_server = conn.role() == Role::Client && conn.close_received();
        self.linger = conn.close_sent();
        // The timer only ever moves earlier, or is re-armed once it fired: a later deadline
        // (the idle interval restarting with every message) leaves it alone, and if it fires
        // early, `handle_timeout` finds nothing due. No timer-wheel work per message.
        match (deadline, self.sleep.as_mut()) {
            (Some(d), Some(sleep)) if d < sleep.deadline() || sleep.is_elapsed() => {
                sleep.as_mut().reset(d)
            }
            (Some(d), None) => self.sleep = Some(Box::pin(tokio::time::sleep_until(d))),
            (None, Some(_)) => self.sleep = None,
            _ => {}
        }
        let read =
            !self.eof && conn.state() != State::Closed && conn.buffered_amount() < self.high_water;
        let bulk = conn.buffered_input() != 0 || self.last_read >= READ_SIZE / 2;
        let room = (self.last_read * 2).clamp(MIN_READ, MAX_READ);
        let Self {
            stream,
            sleep,
            unflushed,
            read_into,
            write_from,
            ..
        } = self;
        // Polls the stream directly instead of racing futures: nothing but the connection
        // and the stream is kept across the await.
        let happened = core::future::poll_fn(|cx| {
            let pending = conn.pending_output();
            if !pending.is_empty() {
                match write_from(&mut *stream, cx, pending) {
                    Poll::Ready(Ok(0)) => return Poll::Ready(Err(ErrorKind::WriteZero.into())),
                    Poll::Ready(Ok(n)) => {
                        *unflushed = true;
                        return Poll::Ready(Ok(Io::Wrote(n)));
                    }
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {}
                }
            } else if *unflushed {
                match Pin::new(&mut *stream).poll_flush(cx) {
                    Poll::Ready(Ok(())) => *unflushed = false,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => {}
                }
            }
            // The timer before the stream: a peer that keeps the stream readable (a flood
            // after our Close) must not keep the close timeout from firing.
            if let Some(sleep) = sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Ok(Io::Timer));
                }
            }
            if read {
                if let Poll::Ready(r) = read_into(&mut *stream, cx, conn, bulk, room) {
                    return Poll::Ready(r.map(Io::Read));
                }
            }
            if sleep.is_none() && !read && conn.pending_output().is_empty() && !*unflushed {
                return Poll::Ready(Ok(Io::Idle));
            }
            Poll::Pending
        })
        .await;
        if let Ok(Io::Read(n)) = happened {
            self.last_read = n;
            if n == 0 {
                self.eof = true;
                conn.receive_eof();
            }
        }
        happened
    }

    /// Applies what [`wait`](Self::wait) saw: acknowledges written output, or runs due
    /// timers (input was already given to the connection). Then runs any timer that came
    /// due meanwhile.
    pub fn apply(&mut self, io: Io, conn: &mut Connection) -> std::io::Result<()> {
        match io {
            Io::Wrote(n) => conn.advance_output(n),
            Io::Timer => conn.handle_timeout(self.start.elapsed()),
            Io::Read(_) | Io::Idle => {}
        }
        if conn
            .poll_timeout()
            .is_some_and(|t| t <= self.start.elapsed())
        {
            conn.handle_timeout(self.start.elapsed());
        }
        Ok(())
    }

    /// Writes and flushes everything pending.
    pub async fn flush(&mut self, conn: &mut Connection) -> std::io::Result<()> {
        self.stream.write_all(conn.pending_output()).await?;
        conn.advance_output(usize::MAX);
        self.stream.flush().await?;
        self.unflushed = false;
        Ok(())
    }

    /// Closes the stream, gracefully if this end sent a Close frame, so that unread input
    /// does not turn the close into a reset that could lose that frame: a server shuts down
    /// writing (its Close is followed by FIN, or a TLS `close_notify`) and then reads until
    /// the peer closes or two seconds pass; a client whose closing handshake completed first
    /// waits (at most two seconds) for the server to close the connection, as RFC 6455
    /// §7.1.1 asks, and then shuts down its own side. A connection that gave up on a silent
    /// peer (no Close sent) shuts down at once.
    pub async fn close(mut self) {
        if self.wait_for_server {
            self.drain_until_eof().await;
        }
        let stream = &mut self.stream;
        let shutdown = core::future::poll_fn(|cx| Pin::new(&mut *stream).poll_shutdown(cx));
        // A peer that stopped reading cannot hold a flush of the shutdown forever.
        let _ = tokio::time::timeout(Duration::from_secs(2), shutdown).await;
        if self.linger && !self.wait_for_server {
            self.drain_until_eof().await;
        }
    }

    /// Reads and drops input until end of file, an error, or two seconds.
    async fn drain_until_eof(&mut self) {
        if self.eof {
            return;
        }
        let stream = &mut self.stream;
        let drain = async {
            let mut buf = [0; 512];
            while let Ok(1..) = stream.read(&mut buf).await {}
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
    }
}

/// One read from `stream` into the connection, with the task's context: between frames
/// into the thread's buffer, of which the connection copies only what arrived (an exact,
/// usually small allocation); inside a frame or under bulk traffic straight into the
/// connection's buffer, which makes room for the rest of the frame once its header has
/// arrived. `Ready(Ok(0))` is the end of the stream.
fn poll_read_into<S: AsyncRead + Unpin>(
    stream: &mut S,
    cx: &mut Context<'_>,
    conn: &mut Connection,
    bulk: bool,
    room: usize,
) -> Poll<std::io::Result<usize>> {
    if !bulk {
        return SCRATCH.with_borrow_mut(|buf| {
            let mut read_buf = ReadBuf::new(buf);
            match Pin::new(stream).poll_read(cx, &mut read_buf) {
                Poll::Ready(Ok(())) => {
                    conn.receive(read_buf.filled());
                    Poll::Ready(Ok(read_buf.filled().len()))
                }
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            }
        });
    }
    // `read_buf` fills the vector's spare capacity without initialising it first; one poll
    // of it is one read, and dropping it when pending loses nothing.
    conn.receive_into(room, |buf| {
        let read = stream.read_buf(buf);
        core::pin::pin!(read).poll(cx)
    })
}

/// [`poll_read_into`] for a [`TcpStream`]: bulk reads use `try_read_buf` once the socket is
/// ready, which (unlike `poll_read`) does not clear the readiness after a short read.
fn poll_read_tcp(
    stream: &mut TcpStream,
    cx: &mut Context<'_>,
    conn: &mut Connection,
    bulk: bool,
    room: usize,
) -> Poll<std::io::Result<usize>> {
    if !bulk {
        return poll_read_into(stream, cx, conn, bulk, room);
    }
    loop {
        if let Err(e) = core::task::ready!(stream.poll_read_ready(cx)) {
            return Poll::Ready(Err(e));
        }
        // A `WouldBlock` clears the readiness, so the next poll registers the waker.
        match conn.receive_into(room, |buf| stream.try_read_buf(buf)) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            r => return Poll::Ready(r),
        }
    }
}

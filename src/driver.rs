//! A small tokio driver: the socket half of a connection, shared by the examples.
//!
//! The connection stays a pure state machine; this module only moves bytes between it and a
//! tokio [`TcpStream`], sleeps until its timers, and closes the socket gracefully. It is the
//! loop every tokio driver writes, once: wait for input, writable output or a timer, apply
//! what happened, handle events, repeat. Enable it with the `tokio` feature.
//!
//! ```no_run
//! # async fn serve(stream: tokio::net::TcpStream) -> std::io::Result<()> {
//! use rfc6455::{driver::TokioDriver, Config, Connection, Event};
//! use rfc6455::handshake::AcceptOptions;
//!
//! let mut conn = Connection::server(Config::default());
//! let mut io = TokioDriver::new(stream)?;
//! while !conn.should_close_transport() {
//!     let happened = io.wait(&conn).await?;
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
use core::task::{Context, Poll, Waker};
use std::io::ErrorKind;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
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
    /// The socket is readable: [`apply`](TokioDriver::apply) reads it.
    Readable,
    /// `n` bytes of pending output were written.
    Wrote(usize),
    /// A timer of the connection is due.
    Timer,
    /// Nothing can happen any more (closed, nothing to write, no timer).
    Idle,
}

/// Moves bytes between a [`Connection`] and a [`TcpStream`].
///
/// It keeps no buffers: between frames, reads go through one buffer per thread and the
/// connection copies only what arrived; inside a large frame, they go straight into the
/// connection's buffer ([`Connection::receive_into`]). Writes come straight from
/// [`Connection::pending_output`], all of it in one write.
#[derive(Debug)]
pub struct TokioDriver {
    stream: TcpStream,
    start: Instant,
    eof: bool,
    /// Bytes the last read returned: bulk traffic reads straight into the connection.
    last_read: usize,
    /// The connection's next timer, while it has one.
    sleep: Option<Pin<Box<Sleep>>>,
    /// Stop reading while this much output waits (backpressure). Default 1 MiB.
    pub high_water: usize,
    /// A client after a closing handshake: the server closes TCP first (RFC 6455 §7.1.1).
    wait_for_server: bool,
    /// This end sent a Close frame, which a reset could lose: close gracefully.
    linger: bool,
}

impl TokioDriver {
    /// Wraps `stream` (and turns Nagle's algorithm off: frames go out as they are queued).
    pub fn new(stream: TcpStream) -> std::io::Result<Self> {
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            start: Instant::now(),
            eof: false,
            last_read: 0,
            sleep: None,
            high_water: 1 << 20,
            wait_for_server: false,
            linger: false,
        })
    }

    /// Waits until input arrives, some pending output is written, or the connection's next
    /// timer is due. Pending output goes first, all of it in one write. Reading pauses while
    /// [`Connection::buffered_amount`] is at least `high_water`, so a peer that does not read
    /// cannot grow this end's memory.
    ///
    /// Borrows the connection only to look at it, so it can be raced in `tokio::select!`
    /// against other sources (a queue of messages to send, say).
    pub async fn wait(&mut self, conn: &Connection) -> std::io::Result<Io> {
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
        let pending = conn.pending_output();
        let read =
            !self.eof && conn.state() != State::Closed && conn.buffered_amount() < self.high_water;
        let (stream, sleep) = (&self.stream, &mut self.sleep);
        // Polls readiness directly instead of racing futures: nothing but the connection
        // and the socket is kept across the await.
        core::future::poll_fn(|cx| {
            while !pending.is_empty() {
                match stream.poll_write_ready(cx) {
                    Poll::Ready(Ok(())) => match stream.try_write(pending) {
                        Ok(n) => return Poll::Ready(Ok(Io::Wrote(n))),
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                        Err(e) => return Poll::Ready(Err(e)),
                    },
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                    Poll::Pending => break,
                }
            }
            // The timer before the socket: a peer that keeps the socket readable (a flood
            // after our Close) must not keep the close timeout from firing.
            if let Some(sleep) = sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Ok(Io::Timer));
                }
            }
            if read {
                if let Poll::Ready(r) = stream.poll_read_ready(cx) {
                    return Poll::Ready(r.map(|()| Io::Readable));
                }
            }
            if sleep.is_none() && !read && pending.is_empty() {
                return Poll::Ready(Ok(Io::Idle));
            }
            Poll::Pending
        })
        .await
    }

    /// Feeds what [`wait`](Self::wait) saw to the connection: reads the socket (on
    /// [`Io::Readable`]), acknowledges written output, or runs due timers.
    pub fn apply(&mut self, io: Io, conn: &mut Connection) -> std::io::Result<()> {
        match io {
            Io::Readable => {
                let read = if conn.buffered_input() == 0 && self.last_read < READ_SIZE / 2 {
                    // Small reads between frames: read into the thread's buffer and let the
                    // connection copy only what arrived (an exact, usually small allocation).
                    //
                    // `poll_read` rather than `try_read`: a read that does not fill the buffer
                    // shows the socket drained and clears its readiness, which saves the
                    // extra read that would only return `WouldBlock`. The no-op waker is
                    // harmless: `wait` registers the task's own before it sleeps.
                    let mut cx = Context::from_waker(Waker::noop());
                    SCRATCH.with_borrow_mut(|buf| {
                        let mut read_buf = ReadBuf::new(buf);
                        match Pin::new(&mut self.stream).poll_read(&mut cx, &mut read_buf) {
                            Poll::Ready(Ok(())) => {
                                conn.receive(read_buf.filled());
                                Ok(read_buf.filled().len())
                            }
                            Poll::Ready(Err(e)) => Err(e),
                            Poll::Pending => Err(ErrorKind::WouldBlock.into()),
                        }
                    })
                } else {
                    // Inside a frame, or bulk traffic: read straight into the connection's
                    // buffer, which makes room for the rest of the frame once its header
                    // has arrived.
                    let room = (self.last_read * 2).clamp(MIN_READ, MAX_READ);
                    let stream = &self.stream;
                    conn.receive_into(room, |buf| stream.try_read_buf(buf))
                };
                if let Ok(n) = read {
                    self.last_read = n;
                }
                match read {
                    Ok(0) => {
                        self.eof = true;
                        conn.receive_eof();
                    }
                    Ok(_) => {}
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e),
                }
            }
            Io::Wrote(n) => conn.advance_output(n),
            Io::Timer => conn.handle_timeout(self.start.elapsed()),
            Io::Idle => {}
        }
        if conn
            .poll_timeout()
            .is_some_and(|t| t <= self.start.elapsed())
        {
            conn.handle_timeout(self.start.elapsed());
        }
        Ok(())
    }

    /// Writes everything pending.
    pub async fn flush(&mut self, conn: &mut Connection) -> std::io::Result<()> {
        self.stream.write_all(conn.pending_output()).await?;
        conn.advance_output(usize::MAX);
        Ok(())
    }

    /// Closes the socket, gracefully if this end sent a Close frame, so that unread input
    /// does not turn the close into a reset that could lose that frame: a server shuts down
    /// writing (its Close is followed by FIN) and then reads until the peer closes or two
    /// seconds pass; a client whose closing handshake completed first waits (at most two
    /// seconds) for the server to close the TCP connection, as RFC 6455 §7.1.1 asks, and then
    /// shuts down its own side. A connection that gave up on a silent peer (no Close sent)
    /// shuts down at once.
    pub async fn close(mut self) {
        if self.wait_for_server {
            self.drain_until_eof().await;
        }
        let stream = &mut self.stream;
        let _ = core::future::poll_fn(|cx| Pin::new(&mut *stream).poll_shutdown(cx)).await;
        if self.linger && !self.wait_for_server {
            self.drain_until_eof().await;
        }
    }

    /// Reads and drops input until end of file, an error, or two seconds.
    async fn drain_until_eof(&mut self) {
        if self.eof {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        sleep.as_mut().reset(deadline);
        let stream = &self.stream;
        core::future::poll_fn(|cx| loop {
            if sleep.as_mut().poll(cx).is_ready() {
                return Poll::Ready(());
            }
            match stream.poll_read_ready(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(_)) => return Poll::Ready(()),
                Poll::Ready(Ok(())) => match stream.try_read(&mut [0; 512]) {
                    Ok(0) => return Poll::Ready(()),
                    Err(e) if e.kind() != ErrorKind::WouldBlock => return Poll::Ready(()),
                    _ => {}
                },
            }
        })
        .await;
    }
}

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
//!     io.apply(happened, &mut conn);
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

use alloc::vec;
use alloc::vec::Vec;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

use crate::connection::{Connection, State};

/// What [`TokioDriver::wait`] saw; hand it to [`TokioDriver::apply`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Io {
    /// `n` bytes were read into the driver's buffer.
    Read(usize),
    /// The peer closed its side.
    Eof,
    /// `n` bytes of pending output were written.
    Wrote(usize),
    /// A timer of the connection is due.
    Timer,
    /// Nothing can happen any more (closed, nothing to write, no timer).
    Idle,
}

/// Moves bytes between a [`Connection`] and a [`TcpStream`].
#[derive(Debug)]
pub struct TokioDriver {
    stream: TcpStream,
    buf: Vec<u8>,
    start: Instant,
    eof: bool,
    /// Stop reading while this much output waits (backpressure). Default 1 MiB.
    pub high_water: usize,
}

impl TokioDriver {
    /// Wraps `stream` (and turns Nagle's algorithm off: frames go out as they are queued).
    pub fn new(stream: TcpStream) -> std::io::Result<Self> {
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            buf: vec![0; 16 * 1024],
            start: Instant::now(),
            eof: false,
            high_water: 1 << 20,
        })
    }

    /// Waits until input arrives, some pending output is written, or the connection's next
    /// timer is due. Reading pauses while [`Connection::buffered_amount`] is at least
    /// `high_water`, so a peer that does not read cannot grow this end's memory.
    ///
    /// Borrows the connection only to look at it, so it can be raced in `tokio::select!`
    /// against other sources (a queue of messages to send, say).
    pub async fn wait(&mut self, conn: &Connection) -> std::io::Result<Io> {
        let deadline = conn.poll_timeout().map(|d| self.start + d);
        let pending = conn.pending_output();
        let read =
            !self.eof && conn.state() != State::Closed && conn.buffered_amount() < self.high_water;
        let (mut rd, mut wr) = self.stream.split();
        tokio::select! {
            r = rd.read(&mut self.buf), if read => Ok(match r? {
                0 => Io::Eof,
                n => Io::Read(n),
            }),
            w = wr.write(pending), if !pending.is_empty() => Ok(Io::Wrote(w?)),
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => Ok(Io::Timer),
            else => Ok(Io::Idle),
        }
    }

    /// Feeds what [`wait`](Self::wait) saw to the connection.
    pub fn apply(&mut self, io: Io, conn: &mut Connection) {
        match io {
            Io::Read(n) => conn.receive(&self.buf[..n]),
            Io::Eof => {
                self.eof = true;
                conn.receive_eof();
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
    }

    /// Writes everything pending.
    pub async fn flush(&mut self, conn: &mut Connection) -> std::io::Result<()> {
        self.stream.write_all(conn.pending_output()).await?;
        conn.advance_output(usize::MAX);
        Ok(())
    }

    /// Closes gracefully: shuts down writing (the final Close frame is followed by FIN),
    /// then reads until the peer closes or two seconds pass, so that unread input does not
    /// turn the close into a reset that could lose that frame.
    pub async fn close(mut self) {
        let _ = self.stream.shutdown().await;
        let buf = &mut self.buf;
        let stream = &mut self.stream;
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while stream.read(buf).await.is_ok_and(|n| n > 0) {}
        })
        .await;
    }
}

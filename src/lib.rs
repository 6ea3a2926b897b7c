//! # rfc6455 — the WebSocket protocol as a sans-IO state machine
//!
//! This crate implements RFC 6455 without doing any I/O: no sockets, no threads, no clock, no
//! runtime. It parses and writes the opening handshake, encodes and decodes (masked) frames,
//! reassembles messages, validates UTF-8 and close codes, answers pings and the closing
//! handshake, and tracks `Connecting → Open → Closing → Closed`. Any runtime drives it:
//!
//! ```text
//!            bytes from the socket                       bytes to the socket
//!   driver ─────────────────────────▶ receive()   pending_output() ─────────▶ driver
//!                                       │                ▲   advance_output(n)
//!                                       ▼                │
//!                                  next_event() ──▶ Event + Sender ── send_text() …
//!   driver's clock ─▶ handle_timeout(now)      poll_timeout() ─▶ when to wake up
//! ```
//!
//! ## Call order for a driver
//! 1. Create a [`Connection`]: [`Connection::server`], [`Connection::client`] (its request is
//!    already in the output), or [`Connection::open`] / [`Connection::open_negotiated`] if the
//!    handshake happened elsewhere (e.g. in hyper, with `rfc6455::http`).
//! 2. Whenever bytes arrive, [`receive`](Connection::receive) them, then call
//!    [`next_event`](Connection::next_event) until it returns `None`. On end of file call
//!    [`receive_eof`](Connection::receive_eof) and drain events once more.
//! 3. After handling events (and after any send), write
//!    [`pending_output`](Connection::pending_output) and acknowledge it with
//!    [`advance_output`](Connection::advance_output). Stop reading from a peer while
//!    [`buffered_amount`](Connection::buffered_amount) is above your bound.
//! 4. After every call into the connection, ask [`poll_timeout`](Connection::poll_timeout)
//!    and call [`handle_timeout`](Connection::handle_timeout) with your monotonic clock's
//!    time when that deadline comes — at once if it is `Some(Duration::ZERO)`, which is how a
//!    newly armed timer asks for the time it starts at.
//! 5. When [`should_close_transport`](Connection::should_close_transport) is true, close the
//!    transport (gracefully: shut down writing, then read until end of file or a short
//!    timeout, so that the peer gets the final Close frame).
//!
//! ## A complete server exchange, without any I/O
//!
//! ```
//! use rfc6455::{Config, Connection, Event, State, handshake::AcceptOptions};
//!
//! let mut server = Connection::server(Config::default());
//! server.receive(b"GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
//!                  Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
//!                  Sec-WebSocket-Version: 13\r\n\r\n");
//! let Some((Event::Request(req), _)) = server.next_event().unwrap() else { panic!() };
//! assert_eq!(req.path(), "/chat");
//! server.accept(&AcceptOptions::new()).unwrap();
//! assert!(server.pending_output().starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
//! server.advance_output(usize::MAX);
//!
//! // A masked "Hello" from the client (RFC 6455 §5.7), then its Close.
//! server.receive(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
//! server.receive(&[0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]);
//! let Some((Event::Text(t), _)) = server.next_event().unwrap() else { panic!() };
//! assert_eq!(t, "Hello");
//! let Some((Event::Close { code, was_clean, .. }, _)) = server.next_event().unwrap() else { panic!() };
//! assert_eq!((code.0, was_clean), (1000, true));
//! assert_eq!(server.pending_output(), [0x88, 0x02, 0x03, 0xe8]); // the echoed Close
//! assert_eq!(server.state(), State::Closed);
//! ```
//!
//! ## Features
//! - `tokio` (off by default): `driver::TokioDriver`, the socket loop of a tokio driver.
//! - `deflate` (default): permessage-deflate (RFC 7692), see [`extensions::deflate`].
//! - `http` (off by default): the opening handshake on the `http` crate's types, HTTP/1.1
//!   Upgrade and HTTP/2 extended CONNECT (RFC 8441), for hyper, axum and other HTTP stacks:
//!   see `rfc6455::http`. `hyper` adds helpers for `hyper::ext::Protocol`.
//! - `std` (default): OS randomness for client masks and keys ([`Connection::client`],
//!   [`Connection::open`]) and runtime SIMD detection for UTF-8 validation. Without it the
//!   crate is `#![no_std]` + `alloc`; inject randomness with
//!   [`Connection::client_with_rng`].
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod close;
pub mod config;
mod connection;
#[cfg(feature = "tokio")]
pub mod driver;
pub mod error;
pub mod extensions;
pub mod frame;
pub mod handshake;
#[cfg(feature = "http")]
pub mod http;
pub mod mask;
pub mod utf8;

pub use close::CloseCode;
pub use config::{Config, Delivery};
pub use connection::{BoxRng, Connection, Event, Negotiated, Role, Sender, State};
pub use error::{Error, HandshakeError, ProtocolError, SendError};
pub use frame::{FrameHeader, OpCode};
pub use mask::apply_mask;

/// The outcome of an incremental parse: done, or more bytes needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status<T> {
    /// Parsed; the value.
    Complete(T),
    /// The input ends before the item does: call again with more bytes.
    Partial,
}

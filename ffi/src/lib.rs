//! # rfc6455-ffi — the C ABI of the `rfc6455` sans-IO WebSocket state machine
//!
//! The header `ffi/include/rfc6455.h` is generated from this file by cbindgen (a test checks
//! that the committed header matches). Every function is an entry point for C; none of them
//! lets a Rust panic cross the boundary: each runs inside `catch_unwind`, and a panic (a bug
//! in this crate) becomes [`RFC6455_ERR_PANIC`] and poisons the connection, which then only
//! accepts [`rfc6455_free`].
//!
//! ## Call order for a driver
//! 1. Create a connection: [`rfc6455_server_new`], [`rfc6455_client_new`] (its request is
//!    already in the output), or [`rfc6455_open_new`] if the handshake happened elsewhere.
//! 2. Whenever bytes arrive, hand them in with [`rfc6455_receive`] (or the zero-copy pair
//!    [`rfc6455_recv_buffer`] / [`rfc6455_recv_commit`]), then call [`rfc6455_next_event`]
//!    until its event kind is [`RFC6455_EVENT_NONE`]. On end of file call
//!    [`rfc6455_receive_eof`] and drain events once more.
//! 3. After handling events (and after any send), write [`rfc6455_pending_output`] to the
//!    transport and acknowledge what was written with [`rfc6455_advance_output`]. Stop
//!    reading from a peer while [`rfc6455_buffered_amount`] is above your bound.
//! 4. After every call into the connection, ask [`rfc6455_poll_timeout`] and call
//!    [`rfc6455_handle_timeout`] with your monotonic clock's time (nanoseconds) when that
//!    deadline comes — at once if it is 0, which is how a newly armed timer asks for the time
//!    it starts at.
//! 5. When [`rfc6455_should_close_transport`] returns 1, close the transport (gracefully:
//!    shut down writing, then read until end of file or a short timeout, so that the peer
//!    gets the final Close frame), and free the connection with [`rfc6455_free`].
//!
//! ## Ownership and threading
//! A connection is owned by the caller from its creation to [`rfc6455_free`]. It may move
//! between threads, but must not be used by two threads at once: calls on one connection
//! need external synchronisation. Different connections are independent.
//!
//! Pointers the library hands out (event fields, pending output, the receive buffer, the
//! last-error message, the negotiated protocol and extensions) point into the connection
//! and stay valid until the next call on that connection (any `rfc6455_*` function given
//! that connection), or until it is freed. Pointers the caller passes in are read during the
//! call only; nothing keeps them.
//!
//! ## Arguments
//! Every (pointer, length) pair is checked: a null pointer with a non-zero length, or a
//! length above `SIZE_MAX / 2`, is [`RFC6455_ERR_INVALID_ARG`]; a null connection or a null
//! output pointer is [`RFC6455_ERR_NULL`]. Strings are UTF-8, passed as pointer and length
//! (no NUL terminator needed); invalid UTF-8 is [`RFC6455_ERR_INVALID_ARG`]. A pointer that
//! is non-null but does not point to that many readable bytes cannot be detected and is the
//! caller's bug, as in any C API.
#![deny(unsafe_op_in_unsafe_fn)]
#![allow(non_camel_case_types)]
#![warn(missing_docs)]

use std::cell::RefCell;
use std::ffi::{c_char, c_int, CStr, CString};
use std::fmt::Display;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use rfc6455::extensions::deflate::{DeflateConfig, DeflateParams};
use rfc6455::handshake::{AcceptOptions, ClientOptions, WsUrl};
use rfc6455::{
    CloseCode, Config, Connection, Delivery, Error, Event, HandshakeError, Role, SendError, State,
};

// ---------------------------------------------------------------------------------------------
// Return codes
// ---------------------------------------------------------------------------------------------

/// Success. Functions that answer a yes/no question return 1 or 0 instead.
pub const RFC6455_OK: c_int = 0;
/// A required pointer (the connection, an output pointer) is null.
pub const RFC6455_ERR_NULL: c_int = -1;
/// An invalid argument: a null pointer with a non-zero length, a length above
/// `SIZE_MAX / 2`, a misaligned pointer, a string that is not UTF-8, an unknown role, an
/// output acknowledgement past what is pending, a commit past the receive buffer.
pub const RFC6455_ERR_INVALID_ARG: c_int = -2;
/// The peer violated RFC 6455 (from [`rfc6455_next_event`]): the connection failed, the
/// Close frame with the code RFC 6455 prescribes is queued (read it with
/// [`rfc6455_error_close_code`]); write the output, then close the transport.
pub const RFC6455_ERR_PROTOCOL: c_int = -3;
/// The opening handshake failed: an invalid request (the error response is queued, its
/// status in [`rfc6455_error_http_status`]) or response (from [`rfc6455_next_event`]), an
/// invalid URL or client option (from [`rfc6455_client_new`]), or an invalid answer given to
/// [`rfc6455_accept`] / [`rfc6455_reject`] (nothing queued; the request still waits).
pub const RFC6455_ERR_HANDSHAKE: c_int = -4;
/// Sending before the opening handshake completed.
pub const RFC6455_ERR_NOT_OPEN: c_int = -5;
/// Sending after a Close was sent or the connection closed.
pub const RFC6455_ERR_CLOSED: c_int = -6;
/// A Ping, Pong or Close payload above 125 bytes (a close reason above 123).
pub const RFC6455_ERR_CONTROL_TOO_LONG: c_int = -7;
/// A close code that may not be sent (e.g. 1005, 1006, 0, 5000).
pub const RFC6455_ERR_INVALID_CLOSE_CODE: c_int = -8;
/// A whole message while a fragmented message is unfinished, or a fragment of the other kind.
pub const RFC6455_ERR_FRAGMENT_IN_PROGRESS: c_int = -9;
/// A call at the wrong time: accept/reject with no request waiting, a commit without a
/// receive buffer handed out by the call just before.
pub const RFC6455_ERR_STATE: c_int = -10;
/// A bug in the library panicked; the panic was caught. The connection is poisoned: every
/// later call on it returns this code, except [`rfc6455_free`].
pub const RFC6455_ERR_PANIC: c_int = -11;

// ---------------------------------------------------------------------------------------------
// Enumerations (plain ints: a C caller can pass any value, and an unknown one is an error)
// ---------------------------------------------------------------------------------------------

/// Client role (masks what it sends).
pub const RFC6455_ROLE_CLIENT: c_int = 0;
/// Server role.
pub const RFC6455_ROLE_SERVER: c_int = 1;

/// The opening handshake is under way.
pub const RFC6455_STATE_CONNECTING: c_int = 0;
/// Messages flow both ways.
pub const RFC6455_STATE_OPEN: c_int = 1;
/// This end sent a Close and waits for the peer's.
pub const RFC6455_STATE_CLOSING: c_int = 2;
/// The closing handshake is over, or the connection failed: write what is pending, then
/// close the transport.
pub const RFC6455_STATE_CLOSED: c_int = 3;

/// No event: more input is needed (or nothing more will come).
pub const RFC6455_EVENT_NONE: c_int = 0;
/// (Server) A valid upgrade request: `target`, `path`, `query`, `host`, `origin`,
/// `protocols`, `headers` are set. Answer it with [`rfc6455_accept`] or [`rfc6455_reject`].
pub const RFC6455_EVENT_REQUEST: c_int = 1;
/// (Client) The server accepted the upgrade; the connection is open. `protocol` (the chosen
/// subprotocol, if any) and `headers` are set.
pub const RFC6455_EVENT_OPEN: c_int = 2;
/// A whole text message (UTF-8 validated) in `data`/`len`.
pub const RFC6455_EVENT_TEXT: c_int = 3;
/// A whole binary message in `data`/`len`.
pub const RFC6455_EVENT_BINARY: c_int = 4;
/// (Streaming delivery) A piece of a text message, ending on a character boundary; `fin`
/// marks the message's last piece. A piece may be empty.
pub const RFC6455_EVENT_TEXT_CHUNK: c_int = 5;
/// (Streaming delivery) A piece of a binary message; `fin` marks the last piece. A piece
/// may be empty.
pub const RFC6455_EVENT_BINARY_CHUNK: c_int = 6;
/// A Ping with its payload in `data`/`len`; already answered if `auto_pong` is set.
pub const RFC6455_EVENT_PING: c_int = 7;
/// A Pong with its payload in `data`/`len`.
pub const RFC6455_EVENT_PONG: c_int = 8;
/// The connection closed: `close_code`, the reason in `data`/`len`, `was_clean`. After a
/// Close frame from the peer (`was_clean`), the reply has been queued. `close_code` is 1005
/// if the peer's Close had no code, and 1006 (not clean) if the transport ended, or a timer
/// gave up, without a closing handshake.
pub const RFC6455_EVENT_CLOSE: c_int = 9;

/// [`rfc6455_poll_timeout`]'s deadline when no timer runs.
pub const RFC6455_NO_TIMEOUT: u64 = u64::MAX;

// ---------------------------------------------------------------------------------------------
// Plain data structs
// ---------------------------------------------------------------------------------------------

/// A string or byte string: pointer and length, no NUL terminator. An absent value has a
/// null `ptr` (and `len` 0); an empty present value has a non-null `ptr`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rfc6455_str {
    /// The first byte, or null when absent.
    pub ptr: *const c_char,
    /// Number of bytes.
    pub len: usize,
}

/// One header line: name and raw value.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rfc6455_header {
    /// The header name as sent (or to send).
    pub name: rfc6455_str,
    /// The raw value bytes (surrounding whitespace removed by the HTTP parser).
    pub value: rfc6455_str,
}

/// Limits and behaviour of a connection: every field of the Rust `Config`. Fill it with
/// [`rfc6455_config_default`], then change what you need. Every value of every field is
/// valid: a `size_t` limit of `SIZE_MAX` means no limit, a timeout of `UINT64_MAX`
/// nanoseconds means never (for `idle_ping_ns` and `handshake_timeout_ns`: off), a timeout
/// of 0 fires at the first [`rfc6455_handle_timeout`] after it starts. Flags are `uint8_t`:
/// 0 is off, anything else on.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rfc6455_config {
    /// Largest accepted data frame payload; a larger frame fails the connection with 1009.
    /// Control frames are exempt. Default 16 MiB.
    pub max_frame_size: usize,
    /// Largest accepted message (for a compressed message, its inflated size); a larger one
    /// fails with 1009. Default 64 MiB.
    pub max_message_size: usize,
    /// Largest accepted handshake head; a larger request is answered with 431, a larger
    /// response fails the client. Default 16 KiB.
    pub max_handshake_size: usize,
    /// Most header lines in a handshake head; larger values are capped at 256. Default 64.
    pub max_headers: usize,
    /// Answer every Ping with a Pong automatically. Default 1.
    pub auto_pong: u8,
    /// 0: whole messages ([`RFC6455_EVENT_TEXT`], [`RFC6455_EVENT_BINARY`]); otherwise
    /// pieces as they arrive ([`RFC6455_EVENT_TEXT_CHUNK`], [`RFC6455_EVENT_BINARY_CHUNK`]),
    /// memory bounded by what one read delivers. Default 0.
    pub streaming: u8,
    /// Keep-alive: send a Ping after this long without receiving anything; `UINT64_MAX`:
    /// off. Default off.
    pub idle_ping_ns: u64,
    /// After a keep-alive Ping, give up on the peer (1006) if nothing arrives for this long.
    /// Default 20 s.
    pub pong_timeout_ns: u64,
    /// After this end's Close, wait this long for the peer's Close before giving up (1006);
    /// also how long a closed connection keeps output its peer does not read. Both count
    /// from the later of the close and the last [`rfc6455_advance_output`]. Default 5 s.
    pub close_timeout_ns: u64,
    /// Give up (1006) on an opening handshake that takes longer than this, counted from the
    /// first [`rfc6455_handle_timeout`]; `UINT64_MAX`: wait forever. Default 10 s.
    pub handshake_timeout_ns: u64,
    /// Capacity an emptied receive or send buffer may keep. Default 0 (idle connections hold
    /// no buffers).
    pub retain_buffer: usize,
    /// permessage-deflate (RFC 7692): what a server accepts and a client offers. Default 1.
    pub deflate: u8,
    /// zlib compression level, 0–9 (larger values mean 9). Default 1.
    pub deflate_level: u32,
    /// Messages shorter than this are sent uncompressed (`SIZE_MAX`: never compress).
    /// Default 64.
    pub deflate_threshold: usize,
    /// The server resets its compressor after every message (server: always agree; client:
    /// ask for it). Default 0.
    pub deflate_server_no_context_takeover: u8,
    /// The client resets its compressor after every message (server: ask for it; client:
    /// promise it). Default 0.
    pub deflate_client_no_context_takeover: u8,
    /// Largest window (9–15 bits; clamped) the server compresses with. Default 15.
    pub deflate_server_max_window_bits: u8,
    /// Largest window (9–15 bits; clamped) the client compresses with. Default 15.
    pub deflate_client_max_window_bits: u8,
}

/// What a client asks for in its upgrade request. Zero-initialise it for none of these.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rfc6455_client_options {
    /// The `Origin` header (visible ASCII), or null `ptr` for none.
    pub origin: rfc6455_str,
    /// Subprotocols offered, in order of preference (tokens).
    pub protocols: *const rfc6455_str,
    /// Number of `protocols`.
    pub protocol_count: usize,
    /// Extension offers, each a full `Sec-WebSocket-Extensions` element. permessage-deflate
    /// is offered from the config unless one of these names it.
    pub extensions: *const rfc6455_str,
    /// Number of `extensions`.
    pub extension_count: usize,
    /// Extra request headers (not `Host`, `Upgrade`, `Connection`, `Origin`,
    /// `Sec-WebSocket-*`, `Content-Length`, `Transfer-Encoding`).
    pub headers: *const rfc6455_header,
    /// Number of `headers`.
    pub header_count: usize,
}

/// How a server accepts an upgrade request. Zero-initialise it for no subprotocol, no
/// extra headers, and permessage-deflate as the config allows.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rfc6455_accept_options {
    /// The chosen subprotocol (one the client offered), or null `ptr` for none.
    pub protocol: rfc6455_str,
    /// A `Sec-WebSocket-Extensions` response value written by hand, or null `ptr` to let
    /// the config negotiate permessage-deflate.
    pub extensions: rfc6455_str,
    /// Extra headers for the 101 response.
    pub headers: *const rfc6455_header,
    /// Number of `headers`.
    pub header_count: usize,
}

/// permessage-deflate parameters agreed in a handshake done elsewhere
/// ([`rfc6455_enable_deflate`]). Window bits above 15 are used as 15.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rfc6455_deflate_params {
    /// The server resets its compressor after each message (0 or not).
    pub server_no_context_takeover: u8,
    /// The client resets its compressor after each message (0 or not).
    pub client_no_context_takeover: u8,
    /// The server's compression window, in bits.
    pub server_max_window_bits: u8,
    /// The client's compression window, in bits.
    pub client_max_window_bits: u8,
}

/// Something the peer did, filled by [`rfc6455_next_event`]. Fields that do not belong to
/// `kind` are null / 0.
///
/// Every pointer in it points into the connection (its receive buffer, or arrays it owns)
/// and is valid until the next call on that connection, or until it is freed: copy what you
/// keep. Strings are not NUL-terminated.
///
/// One exception makes echoing and answering cheap: `data` and the strings (an
/// `rfc6455_str` copied by value, such as `protocols[0]`) may be passed as arguments to the
/// next call if that call is a send (`rfc6455_send_*`, [`rfc6455_close`]),
/// [`rfc6455_accept`] or [`rfc6455_reject`]: those read their arguments before the receive
/// buffer changes. Never pass them to [`rfc6455_receive`].
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct rfc6455_event {
    /// One of the `RFC6455_EVENT_*` kinds.
    pub kind: c_int,
    /// Payload of a message, chunk, Ping or Pong; reason of a Close.
    pub data: *const u8,
    /// Bytes at `data`.
    pub len: usize,
    /// Chunks: whether the message ends with this piece. Whole messages: true.
    pub fin: bool,
    /// Close: the peer's code, or 1005 / 1006.
    pub close_code: u16,
    /// Close: whether the closing handshake completed.
    pub was_clean: bool,
    /// Request: the request target as sent (`/chat?room=1`).
    pub target: rfc6455_str,
    /// Request: the path part of the target.
    pub path: rfc6455_str,
    /// Request: the query after `?`, or null `ptr` when the target has none.
    pub query: rfc6455_str,
    /// Request: the `Host` header.
    pub host: rfc6455_str,
    /// Request: the `Origin` header, or null `ptr`.
    pub origin: rfc6455_str,
    /// Request: the subprotocols offered, in order.
    pub protocols: *const rfc6455_str,
    /// Number of `protocols`.
    pub protocol_count: usize,
    /// Open: the subprotocol the server chose, or null `ptr`.
    pub protocol: rfc6455_str,
    /// Request / Open: every header line of the head, in order.
    pub headers: *const rfc6455_header,
    /// Number of `headers`.
    pub header_count: usize,
}

// ---------------------------------------------------------------------------------------------
// The connection handle
// ---------------------------------------------------------------------------------------------

/// A receive buffer handed out by `rfc6455_recv_buffer`.
#[derive(Clone, Copy)]
struct Armed {
    /// Size of the room given out (the staging buffer's spare capacity, at least).
    len: usize,
}

/// One WebSocket connection (opaque): the Rust `Connection` plus what its C view needs.
pub struct rfc6455_conn {
    conn: Connection,
    last_error: CString,
    error_close_code: u16,
    error_http_status: u16,
    poisoned: bool,
    /// The negotiated `Sec-WebSocket-Extensions` value.
    extensions: Option<String>,
    /// Arrays an event points into.
    strs: Vec<rfc6455_str>,
    headers: Vec<rfc6455_header>,
    /// The receive buffer handed out by the previous call, if that call was
    /// `rfc6455_recv_buffer` (taken by every entry).
    armed: Option<Armed>,
    /// `armed` as the current call found it.
    armed_before: Option<Armed>,
    /// The room `rfc6455_recv_buffer` hands out: an empty buffer whose spare capacity the
    /// caller reads into. On commit it becomes the connection's receive buffer when that is
    /// empty (no copy), or is appended to it.
    staging: Vec<u8>,
}

// SAFETY: the raw pointers in `strs` and `headers` point into this handle's own buffers
// (the connection's receive buffer, arrays it owns) and are only read through the handle, so
// moving the handle to another thread moves what they point to with it; `Connection` itself
// is `Send` (asserted below). The handle is not `Sync`: the header says a connection must not
// be used by two threads at once.
unsafe impl Send for rfc6455_conn {}

const _: () = {
    const fn assert_send<T: Send>() {}
    assert_send::<Connection>();
};

impl rfc6455_conn {
    fn new(conn: Connection) -> Self {
        Self {
            conn,
            last_error: CString::default(),
            error_close_code: 0,
            error_http_status: 0,
            poisoned: false,
            extensions: None,
            strs: Vec::new(),
            headers: Vec::new(),
            armed: None,
            armed_before: None,
            staging: Vec::new(),
        }
    }
}

/// An error to report: its code and the message for `rfc6455_last_error`.
struct Fail {
    code: c_int,
    msg: String,
}

fn fail(code: c_int, msg: impl Display) -> Fail {
    Fail {
        code,
        msg: msg.to_string(),
    }
}

type Res = Result<c_int, Fail>;

fn c_string(msg: &str) -> CString {
    CString::new(msg.replace('\0', "\\0")).unwrap_or_default()
}

thread_local! {
    /// The last error of a call made without a connection (creation), per thread.
    static THREAD_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `msg` as the thread's last error. During thread exit (a `pthread_key_create`
/// destructor calling in) the thread-local may already be gone: the message is then dropped,
/// never a panic outside `catch_unwind`.
fn set_thread_error(msg: &str) {
    let _ = THREAD_ERROR.try_with(|e| {
        if let Ok(mut e) = e.try_borrow_mut() {
            *e = c_string(msg);
        }
    });
}

#[cfg(test)]
thread_local! {
    /// Test hook: the next guarded call on this thread panics inside its guard.
    static PANIC_NEXT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Panics if a test armed the hook (a no-op outside this crate's unit tests).
#[inline]
fn test_panic_hook() {
    #[cfg(test)]
    if PANIC_NEXT.with(|p| p.replace(false)) {
        panic!("test hook: deliberate panic");
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// Runs `f` on the connection behind `conn`, catching any panic: the entry of every call
/// that takes a connection.
///
/// # Safety
/// `conn` is null or a live pointer from a `rfc6455_*_new` function, used by no other thread
/// during the call.
unsafe fn with_conn(conn: *mut rfc6455_conn, f: impl FnOnce(&mut rfc6455_conn) -> Res) -> c_int {
    if conn.is_null() {
        set_thread_error("null connection");
        return RFC6455_ERR_NULL;
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `conn` is non-null and, by this function's contract, points to a live
        // handle that no one else uses during the call, so a unique reference is sound.
        let h = unsafe { &mut *conn };
        if h.poisoned {
            return Err(fail(
                RFC6455_ERR_PANIC,
                "the connection is poisoned by an earlier internal panic; free it",
            ));
        }
        // Whatever the previous call handed out is now dead.
        h.armed_before = h.armed.take();
        h.strs.clear();
        h.headers.clear();
        test_panic_hook();
        f(h)
    }));
    // SAFETY: as above; the reference made inside the closure is gone.
    let h = unsafe { &mut *conn };
    match result {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            h.last_error = c_string(&e.msg);
            e.code
        }
        Err(panic) => {
            h.poisoned = true;
            h.armed = None;
            h.last_error = c_string(&format!("internal panic: {}", panic_message(&*panic)));
            RFC6455_ERR_PANIC
        }
    }
}

/// Runs a call that takes no connection, catching any panic; errors go to the thread's
/// last error.
fn guarded<T>(
    on_panic: T,
    f: impl FnOnce() -> Result<T, Fail>,
    on_err: impl FnOnce(c_int) -> T,
) -> T {
    match catch_unwind(AssertUnwindSafe(|| {
        test_panic_hook();
        f()
    })) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            set_thread_error(&e.msg);
            on_err(e.code)
        }
        Err(panic) => {
            set_thread_error(&format!("internal panic: {}", panic_message(&*panic)));
            on_panic
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Argument checks
// ---------------------------------------------------------------------------------------------

/// The largest length accepted for any (pointer, length) pair: `SIZE_MAX / 2`.
const MAX_LEN: usize = isize::MAX as usize;

/// The most room `rfc6455_recv_buffer` makes for one read, as the core's `receive_into`.
const MAX_ROOM: usize = 1 << 20;

/// The slice `(ptr, len)` of `T`, checked as the crate docs say.
///
/// # Safety
/// A non-null `ptr` points to `len` readable, initialised `T`s that stay unchanged during
/// the call (the C caller's side of the contract).
unsafe fn slice<'a, T>(ptr: *const T, len: usize, what: &str) -> Result<&'a [T], Fail> {
    if len == 0 {
        return Ok(&[]);
    }
    if len.checked_mul(size_of::<T>()).is_none_or(|b| b > MAX_LEN) {
        return Err(fail(
            RFC6455_ERR_INVALID_ARG,
            format_args!("{what}: length {len} is past SIZE_MAX / 2"),
        ));
    }
    if ptr.is_null() {
        return Err(fail(
            RFC6455_ERR_INVALID_ARG,
            format_args!("{what}: null pointer with length {len}"),
        ));
    }
    if (ptr as usize) % align_of::<T>() != 0 {
        return Err(fail(
            RFC6455_ERR_INVALID_ARG,
            format_args!("{what}: misaligned pointer"),
        ));
    }
    // SAFETY: non-null, aligned, `len` elements of at most `isize::MAX` bytes in total, and
    // readable for the call by this function's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A UTF-8 string `(ptr, len)`.
///
/// # Safety
/// As [`slice`].
unsafe fn string<'a>(ptr: *const c_char, len: usize, what: &str) -> Result<&'a str, Fail> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { slice(ptr.cast::<u8>(), len, what) }?;
    std::str::from_utf8(bytes)
        .map_err(|_| fail(RFC6455_ERR_INVALID_ARG, format_args!("{what}: not UTF-8")))
}

/// An optional UTF-8 string: a null `ptr` with length 0 is absent.
///
/// # Safety
/// As [`slice`].
unsafe fn opt_string<'a>(s: rfc6455_str, what: &str) -> Result<Option<&'a str>, Fail> {
    if s.ptr.is_null() && s.len == 0 {
        return Ok(None);
    }
    // SAFETY: forwarded contract.
    unsafe { string(s.ptr, s.len, what) }.map(Some)
}

/// Header pairs as owned strings.
///
/// # Safety
/// As [`slice`], for the array and every string in it.
unsafe fn header_list(
    ptr: *const rfc6455_header,
    count: usize,
) -> Result<Vec<(String, String)>, Fail> {
    // SAFETY: forwarded contract.
    let headers = unsafe { slice(ptr, count, "headers") }?;
    headers
        .iter()
        .map(|h| {
            // SAFETY: forwarded contract.
            let name = unsafe { string(h.name.ptr, h.name.len, "header name") }?;
            // SAFETY: forwarded contract.
            let value = unsafe { string(h.value.ptr, h.value.len, "header value") }?;
            Ok((name.to_owned(), value.to_owned()))
        })
        .collect()
}

/// A list of strings as owned strings.
///
/// # Safety
/// As [`slice`], for the array and every string in it.
unsafe fn string_list(
    ptr: *const rfc6455_str,
    count: usize,
    what: &str,
) -> Result<Vec<String>, Fail> {
    // SAFETY: forwarded contract.
    let items = unsafe { slice(ptr, count, what) }?;
    items
        .iter()
        // SAFETY: forwarded contract.
        .map(|s| unsafe { string(s.ptr, s.len, what) }.map(str::to_owned))
        .collect()
}

/// Writes through an output pointer.
///
/// # Safety
/// A non-null `out` is valid for writing a `T` (it need not be initialised).
unsafe fn put<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: the function's contract; `write` does not read the old value.
        unsafe { out.write(value) };
    }
}

fn need<T>(p: *const T, what: &str) -> Result<(), Fail> {
    if p.is_null() {
        Err(fail(RFC6455_ERR_NULL, format_args!("{what} is null")))
    } else {
        aligned(p, what)
    }
}

/// A misaligned pointer to a struct or integer is an argument error, not a misaligned read.
fn aligned<T>(p: *const T, what: &str) -> Result<(), Fail> {
    if (p as usize) % align_of::<T>() == 0 {
        Ok(())
    } else {
        Err(fail(
            RFC6455_ERR_INVALID_ARG,
            format_args!("{what}: misaligned pointer"),
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// Conversions
// ---------------------------------------------------------------------------------------------

fn ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

fn from_ns_opt(n: u64) -> Option<Duration> {
    (n != u64::MAX).then(|| Duration::from_nanos(n))
}

fn from_ns(n: u64) -> Duration {
    from_ns_opt(n).unwrap_or(Duration::MAX)
}

fn default_c_config() -> rfc6455_config {
    let c = Config::default();
    let d = DeflateConfig::default();
    rfc6455_config {
        max_frame_size: c.max_frame_size,
        max_message_size: c.max_message_size,
        max_handshake_size: c.max_handshake_size,
        max_headers: c.max_headers,
        auto_pong: c.auto_pong.into(),
        streaming: (c.delivery == Delivery::Streaming).into(),
        idle_ping_ns: c.idle_ping.map_or(u64::MAX, ns),
        pong_timeout_ns: ns(c.pong_timeout),
        close_timeout_ns: ns(c.close_timeout),
        handshake_timeout_ns: c.handshake_timeout.map_or(u64::MAX, ns),
        retain_buffer: c.retain_buffer,
        deflate: c.deflate.is_some().into(),
        deflate_level: d.level,
        deflate_threshold: d.threshold,
        deflate_server_no_context_takeover: d.server_no_context_takeover.into(),
        deflate_client_no_context_takeover: d.client_no_context_takeover.into(),
        deflate_server_max_window_bits: d.server_max_window_bits,
        deflate_client_max_window_bits: d.client_max_window_bits,
    }
}

fn to_config(c: &rfc6455_config) -> Config {
    let mut config = Config::default();
    config.max_frame_size = c.max_frame_size;
    config.max_message_size = c.max_message_size;
    config.max_handshake_size = c.max_handshake_size;
    config.max_headers = c.max_headers;
    config.auto_pong = c.auto_pong != 0;
    config.delivery = if c.streaming != 0 {
        Delivery::Streaming
    } else {
        Delivery::Messages
    };
    config.idle_ping = from_ns_opt(c.idle_ping_ns);
    config.pong_timeout = from_ns(c.pong_timeout_ns);
    config.close_timeout = from_ns(c.close_timeout_ns);
    config.handshake_timeout = from_ns_opt(c.handshake_timeout_ns);
    config.retain_buffer = c.retain_buffer;
    config.deflate = (c.deflate != 0).then(|| {
        let mut d = DeflateConfig::default();
        d.level = c.deflate_level;
        d.threshold = c.deflate_threshold;
        d.server_no_context_takeover = c.deflate_server_no_context_takeover != 0;
        d.client_no_context_takeover = c.deflate_client_no_context_takeover != 0;
        d.server_max_window_bits = c.deflate_server_max_window_bits;
        d.client_max_window_bits = c.deflate_client_max_window_bits;
        d
    });
    config
}

/// The config behind a nullable pointer.
///
/// # Safety
/// A non-null `config` points to a readable `rfc6455_config`.
unsafe fn config_arg(config: *const rfc6455_config) -> Result<Config, Fail> {
    if config.is_null() {
        return Ok(Config::default());
    }
    aligned(config, "config")?;
    // SAFETY: non-null and aligned (checked), readable by the function's contract. Every bit
    // pattern of the struct's fields (integers only) is a valid value, so reading it is sound
    // whatever C put there.
    Ok(to_config(unsafe { &*config }))
}

fn send_fail(e: SendError) -> Fail {
    let code = match e {
        SendError::NotOpen => RFC6455_ERR_NOT_OPEN,
        SendError::Closed => RFC6455_ERR_CLOSED,
        SendError::ControlFrameTooLong => RFC6455_ERR_CONTROL_TOO_LONG,
        SendError::InvalidCloseCode(_) => RFC6455_ERR_INVALID_CLOSE_CODE,
        SendError::FragmentInProgress => RFC6455_ERR_FRAGMENT_IN_PROGRESS,
        _ => RFC6455_ERR_STATE,
    };
    fail(code, e)
}

fn handshake_fail(e: HandshakeError) -> Fail {
    let code = match e {
        HandshakeError::NotAwaitingAnswer => RFC6455_ERR_STATE,
        _ => RFC6455_ERR_HANDSHAKE,
    };
    fail(code, e)
}

const fn none_str() -> rfc6455_str {
    rfc6455_str {
        ptr: std::ptr::null(),
        len: 0,
    }
}

fn str_of(s: &str) -> rfc6455_str {
    rfc6455_str {
        ptr: s.as_ptr().cast(),
        len: s.len(),
    }
}

fn bytes_of(s: &[u8]) -> rfc6455_str {
    rfc6455_str {
        ptr: s.as_ptr().cast(),
        len: s.len(),
    }
}

fn opt_str_of(s: Option<&str>) -> rfc6455_str {
    s.map_or(none_str(), str_of)
}

const fn empty_event() -> rfc6455_event {
    rfc6455_event {
        kind: RFC6455_EVENT_NONE,
        data: std::ptr::null(),
        len: 0,
        fin: false,
        close_code: 0,
        was_clean: false,
        target: none_str(),
        path: none_str(),
        query: none_str(),
        host: none_str(),
        origin: none_str(),
        protocols: std::ptr::null(),
        protocol_count: 0,
        protocol: none_str(),
        headers: std::ptr::null(),
        header_count: 0,
    }
}

/// The `Sec-WebSocket-Extensions` value of an HTTP head this crate wrote.
fn extensions_header(head: &[u8]) -> Option<String> {
    const NAME: &[u8] = b"sec-websocket-extensions:";
    head.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .take_while(|l| !l.is_empty())
        .find(|l| l.len() >= NAME.len() && l[..NAME.len()].eq_ignore_ascii_case(NAME))
        .and_then(|l| std::str::from_utf8(l[NAME.len()..].trim_ascii()).ok())
        .map(str::to_owned)
}

// ---------------------------------------------------------------------------------------------
// Creation and destruction
// ---------------------------------------------------------------------------------------------

/// The library version, a static NUL-terminated string such as `"0.1.0"`.
#[no_mangle]
pub extern "C" fn rfc6455_version() -> *const c_char {
    const V: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("version"),
        };
    V.as_ptr()
}

/// Fills `*config` with the defaults (those of the Rust `Config::default()`). Returns
/// `RFC6455_OK`, or `RFC6455_ERR_NULL` if `config` is null.
///
/// # Safety
/// A non-null `config` is valid for writing an `rfc6455_config`.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_config_default(config: *mut rfc6455_config) -> c_int {
    guarded(
        RFC6455_ERR_PANIC,
        || {
            need(config, "config")?;
            // SAFETY: non-null, and writable by the contract.
            unsafe { put(config, default_c_config()) };
            Ok(RFC6455_OK)
        },
        |c| c,
    )
}

/// A server connection waiting for the client's upgrade request, configured by `*config`
/// (null: the defaults). Feed it the bytes the client sends; [`rfc6455_next_event`] yields
/// [`RFC6455_EVENT_REQUEST`] once the request is complete and valid. An invalid request fails
/// with [`RFC6455_ERR_HANDSHAKE`] and queues the error response (400, 426, 431…).
///
/// Returns the new connection, owned by the caller until [`rfc6455_free`]; null only if
/// `config` is misaligned or an internal error occurred (see `rfc6455_last_error(NULL)`).
///
/// # Safety
/// A non-null `config` points to a readable `rfc6455_config`.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_server_new(config: *const rfc6455_config) -> *mut rfc6455_conn {
    guarded(
        std::ptr::null_mut(),
        || {
            // SAFETY: forwarded contract.
            let config = unsafe { config_arg(config) }?;
            Ok(Box::into_raw(Box::new(rfc6455_conn::new(
                Connection::server(config),
            ))))
        },
        |_| std::ptr::null_mut(),
    )
}

/// A client connection to `url` (`ws://` or `wss://`, `url_len` bytes of UTF-8), with its
/// upgrade request already queued as output. `options` may be null (no origin, no
/// subprotocols, no extra headers), `config` may be null (the defaults); permessage-deflate
/// is offered as the config says. Masks and the handshake key come from the operating
/// system's randomness.
///
/// On success stores the connection in `*out` (owned by the caller until [`rfc6455_free`])
/// and returns `RFC6455_OK`. Otherwise stores null and returns `RFC6455_ERR_NULL` (`out`
/// null), `RFC6455_ERR_INVALID_ARG` (a bad pointer/length or non-UTF-8 string) or
/// `RFC6455_ERR_HANDSHAKE` (an invalid URL, origin, subprotocol, extension offer or header);
/// `rfc6455_last_error(NULL)` says why.
///
/// # Safety
/// Every non-null pointer points to what its length says (for `options`: a readable
/// `rfc6455_client_options` whose arrays and strings do too); `out` is valid for writing a
/// pointer.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_client_new(
    url: *const c_char,
    url_len: usize,
    options: *const rfc6455_client_options,
    config: *const rfc6455_config,
    out: *mut *mut rfc6455_conn,
) -> c_int {
    guarded(
        RFC6455_ERR_PANIC,
        || {
            need(out, "out")?;
            // SAFETY: `out` is non-null and writable by the contract.
            unsafe { put(out, std::ptr::null_mut()) };
            // SAFETY: forwarded contract.
            let url = unsafe { string(url, url_len, "url") }?;
            let url = WsUrl::parse(url).map_err(handshake_fail)?;
            let mut opts = ClientOptions::new();
            if !options.is_null() {
                // SAFETY: non-null and readable by the contract; the struct holds only
                // integers and pointers, valid for any bit pattern.
                aligned(options, "options")?;
                let o = unsafe { &*options };
                // SAFETY: forwarded contract, for each array and string.
                unsafe {
                    opts.origin = opt_string(o.origin, "origin")?.map(str::to_owned);
                    opts.protocols = string_list(o.protocols, o.protocol_count, "protocols")?;
                    opts.extensions = string_list(o.extensions, o.extension_count, "extensions")?;
                    opts.headers = header_list(o.headers, o.header_count)?;
                }
            }
            // SAFETY: forwarded contract.
            let config = unsafe { config_arg(config) }?;
            let conn = Connection::client(&url, opts, config).map_err(handshake_fail)?;
            let handle = Box::into_raw(Box::new(rfc6455_conn::new(conn)));
            // SAFETY: as above.
            unsafe { put(out, handle) };
            Ok(RFC6455_OK)
        },
        |c| c,
    )
}

/// A connection whose opening handshake was done elsewhere: it starts
/// [`RFC6455_STATE_OPEN`]. `role` is [`RFC6455_ROLE_CLIENT`] (masks drawn from the operating
/// system's randomness) or [`RFC6455_ROLE_SERVER`]; `config` may be null. Returns null for
/// an unknown role or a misaligned `config` (see `rfc6455_last_error(NULL)`).
///
/// # Safety
/// A non-null `config` points to a readable `rfc6455_config`.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_open_new(
    role: c_int,
    config: *const rfc6455_config,
) -> *mut rfc6455_conn {
    guarded(
        std::ptr::null_mut(),
        || {
            let role = match role {
                RFC6455_ROLE_CLIENT => Role::Client,
                RFC6455_ROLE_SERVER => Role::Server,
                _ => {
                    return Err(fail(
                        RFC6455_ERR_INVALID_ARG,
                        format_args!("unknown role {role}"),
                    ))
                }
            };
            // SAFETY: forwarded contract.
            let config = unsafe { config_arg(config) }?;
            Ok(Box::into_raw(Box::new(rfc6455_conn::new(
                Connection::open(role, config),
            ))))
        },
        |_| std::ptr::null_mut(),
    )
}

/// Frees a connection and everything it owns; every pointer it handed out dies. Null is
/// ignored. The transport is the caller's to close.
///
/// # Safety
/// `conn` is null or a live pointer from a `rfc6455_*_new` function, not used afterwards and
/// by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_free(conn: *mut rfc6455_conn) {
    if conn.is_null() {
        return;
    }
    // SAFETY: by the contract `conn` came from `Box::into_raw` in a `_new` function and is
    // freed once.
    let handle = unsafe { Box::from_raw(conn) };
    if catch_unwind(AssertUnwindSafe(move || drop(handle))).is_err() {
        set_thread_error("internal panic while freeing a connection");
    }
}

/// The message of the last failed call: on `conn`, or, with `conn` null, of the last
/// failed creation (or null-connection call) on this thread. A NUL-terminated string, empty
/// if nothing failed; valid until the next call on `conn` (with `conn` null: until the next
/// call on this thread that fails without a connection — a creation, or any call given a
/// null connection). Never null.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_last_error(conn: *const rfc6455_conn) -> *const c_char {
    static EMPTY: &CStr = c"";
    catch_unwind(AssertUnwindSafe(|| {
        if conn.is_null() {
            THREAD_ERROR
                .try_with(|e| e.try_borrow().map_or(EMPTY.as_ptr(), |e| e.as_ptr()))
                .unwrap_or(EMPTY.as_ptr())
        } else {
            // SAFETY: live and unshared by the contract.
            unsafe { &*conn }.last_error.as_ptr()
        }
    }))
    .unwrap_or(EMPTY.as_ptr())
}

/// The RFC 6455 close code of the last protocol error on `conn` (the code of the Close
/// frame queued when [`rfc6455_next_event`] returned [`RFC6455_ERR_PROTOCOL`]: 1002, 1007 or
/// 1009), or 0 if the connection did not fail that way. Negative on a null connection.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_error_close_code(conn: *mut rfc6455_conn) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { with_conn(conn, |h| Ok(c_int::from(h.error_close_code))) }
}

/// The HTTP status of the error response a server queued when [`rfc6455_next_event`]
/// returned [`RFC6455_ERR_HANDSHAKE`] for an invalid request (400, 405, 426, 431), or 0.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_error_http_status(conn: *mut rfc6455_conn) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { with_conn(conn, |h| Ok(c_int::from(h.error_http_status))) }
}

/// A static NUL-terminated name for a return code, e.g. `"RFC6455_ERR_PROTOCOL"`.
#[no_mangle]
pub extern "C" fn rfc6455_error_name(code: c_int) -> *const c_char {
    let s: &'static CStr = match code {
        RFC6455_OK => c"RFC6455_OK",
        RFC6455_ERR_NULL => c"RFC6455_ERR_NULL",
        RFC6455_ERR_INVALID_ARG => c"RFC6455_ERR_INVALID_ARG",
        RFC6455_ERR_PROTOCOL => c"RFC6455_ERR_PROTOCOL",
        RFC6455_ERR_HANDSHAKE => c"RFC6455_ERR_HANDSHAKE",
        RFC6455_ERR_NOT_OPEN => c"RFC6455_ERR_NOT_OPEN",
        RFC6455_ERR_CLOSED => c"RFC6455_ERR_CLOSED",
        RFC6455_ERR_CONTROL_TOO_LONG => c"RFC6455_ERR_CONTROL_TOO_LONG",
        RFC6455_ERR_INVALID_CLOSE_CODE => c"RFC6455_ERR_INVALID_CLOSE_CODE",
        RFC6455_ERR_FRAGMENT_IN_PROGRESS => c"RFC6455_ERR_FRAGMENT_IN_PROGRESS",
        RFC6455_ERR_STATE => c"RFC6455_ERR_STATE",
        RFC6455_ERR_PANIC => c"RFC6455_ERR_PANIC",
        _ => c"unknown",
    };
    s.as_ptr()
}

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/// Hands in `len` bytes received from the transport, in chunks of any size; they are copied.
/// Take the events they produce with [`rfc6455_next_event`]. Bytes after the connection
/// closed are ignored. Returns `RFC6455_OK` or an argument error. `data` must not point into
/// this connection's own buffers (an event of it, its output); another connection's output
/// is fine.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call; a non-null
/// `data` points to `len` readable bytes outside this connection's buffers.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_receive(
    conn: *mut rfc6455_conn,
    data: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            let data = slice(data, len, "data")?;
            h.conn.receive(data);
            Ok(RFC6455_OK)
        })
    }
}

/// Zero-copy receive, step 1: hands out room for the next read, at least `room` bytes
/// (`room` is capped at 1 MiB). Stores its start in `*ptr` and its size in `*len`. Read from
/// the transport straight into it (at most `*len` bytes), then call [`rfc6455_recv_commit`]
/// with the number of bytes read **as the very next call on this connection**: any other
/// call takes the room back and what was written there is lost (the room itself is kept for
/// the next `rfc6455_recv_buffer`; [`rfc6455_shrink_buffers`] releases it).
///
/// The bytes are not copied when the connection holds no partial frame (the common case:
/// the room becomes its receive buffer); otherwise they are appended to it once, as
/// [`rfc6455_receive`] does. After the connection closed (or after end of file) committed
/// bytes are dropped, as `rfc6455_receive` drops them.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call; `ptr` and
/// `len` are null or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_recv_buffer(
    conn: *mut rfc6455_conn,
    room: usize,
    ptr: *mut *mut u8,
    len: *mut usize,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            need(ptr, "ptr")?;
            need(len, "len")?;
            let want = room.min(MAX_ROOM);
            h.staging.clear();
            if h.staging.capacity() < want {
                h.staging = Vec::with_capacity(want);
            }
            let spare = h.staging.spare_capacity_mut();
            let armed = Armed { len: spare.len() };
            h.armed = Some(armed);
            put(ptr, spare.as_mut_ptr().cast::<u8>());
            put(len, armed.len);
            Ok(RFC6455_OK)
        })
    }
}

/// Zero-copy receive, step 2: the caller wrote `n` bytes at the start of the room the
/// previous call, [`rfc6455_recv_buffer`], handed out; they become received input, as if
/// given to [`rfc6455_receive`]. `n` may be 0. Returns `RFC6455_ERR_STATE` if the previous
/// call on this connection was not `rfc6455_recv_buffer`, `RFC6455_ERR_INVALID_ARG` if `n`
/// is larger than the room.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call; the first
/// `n` bytes of the room were written by the caller.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_recv_commit(conn: *mut rfc6455_conn, n: usize) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            let Some(armed) = h.armed_before else {
                return Err(fail(
                    RFC6455_ERR_STATE,
                    "rfc6455_recv_commit: the previous call on this connection was not rfc6455_recv_buffer",
                ));
            };
            if n > armed.len || n > h.staging.capacity() {
                return Err(fail(
                    RFC6455_ERR_INVALID_ARG,
                    format_args!(
                        "rfc6455_recv_commit: {n} bytes, but the room holds {}",
                        armed.len
                    ),
                ));
            }
            let mut staged = std::mem::take(&mut h.staging);
            // SAFETY: nothing touched `staging` since `rfc6455_recv_buffer` handed out its
            // spare capacity (any call in between would have cleared `armed_before`), the
            // caller wrote its first `n` bytes (contract), and `n <= capacity` (checked), so
            // the new length covers initialised bytes within the allocation.
            staged.set_len(n);
            let mut staged = Some(staged);
            // Room 0: nothing needs to be reserved for bytes that are already here.
            h.conn.receive_into(0, |buf| {
                if buf.is_empty() {
                    // Appending to an empty buffer: hand over the one the bytes are in.
                    if let Some(s) = staged.take() {
                        *buf = s;
                    }
                } else if let Some(s) = &staged {
                    buf.extend_from_slice(s);
                }
            });
            Ok(RFC6455_OK)
        })
    }
}

/// Tells the connection that the transport reached end of file (the peer closed it). Once
/// buffered bytes are processed, a connection that had no closing handshake yields
/// [`RFC6455_EVENT_CLOSE`] with code 1006 and `was_clean` false.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_receive_eof(conn: *mut rfc6455_conn) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            h.conn.receive_eof();
            Ok(RFC6455_OK)
        })
    }
}

/// Takes the next event from the received bytes into `*event`: `RFC6455_OK` with
/// `event->kind` set (`RFC6455_EVENT_NONE` when more input is needed or nothing more will
/// come). The event's pointers are valid until the next call on this connection.
///
/// A protocol violation fails the connection: the Close frame with the code RFC 6455
/// prescribes is queued, the state becomes closed, and `RFC6455_ERR_PROTOCOL` is returned
/// (once; later calls give no event) with the code in [`rfc6455_error_close_code`]. An
/// invalid handshake returns `RFC6455_ERR_HANDSHAKE` (a server queued its error response).
/// On error `event->kind` is `RFC6455_EVENT_NONE`.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call; `event` is
/// null or valid for writing an `rfc6455_event`.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_next_event(
    conn: *mut rfc6455_conn,
    event: *mut rfc6455_event,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            need(event, "event")?;
            put(event, empty_event());
            let mut ev = empty_event();
            let mut open_extensions = None;
            match h.conn.next_event() {
                Ok(None) => {}
                Ok(Some((e, _))) => match e {
                    Event::Request(req) => {
                        ev.kind = RFC6455_EVENT_REQUEST;
                        ev.target = str_of(req.target());
                        ev.path = str_of(req.path());
                        ev.query = opt_str_of(req.query());
                        ev.host = str_of(req.host());
                        ev.origin = opt_str_of(req.origin());
                        h.strs.extend(req.protocols().map(str_of));
                        h.headers
                            .extend(req.headers().iter().map(|x| rfc6455_header {
                                name: str_of(x.name),
                                value: bytes_of(x.value),
                            }));
                    }
                    Event::Open(resp) => {
                        ev.kind = RFC6455_EVENT_OPEN;
                        ev.protocol = opt_str_of(resp.protocol());
                        h.headers
                            .extend(resp.headers().iter().map(|x| rfc6455_header {
                                name: str_of(x.name),
                                value: bytes_of(x.value),
                            }));
                        open_extensions = resp
                            .header("Sec-WebSocket-Extensions")
                            .and_then(|v| std::str::from_utf8(v).ok())
                            .map(str::to_owned);
                    }
                    Event::Text(t) => {
                        (ev.kind, ev.data, ev.len, ev.fin) =
                            (RFC6455_EVENT_TEXT, t.as_ptr(), t.len(), true);
                    }
                    Event::Binary(d) => {
                        (ev.kind, ev.data, ev.len, ev.fin) =
                            (RFC6455_EVENT_BINARY, d.as_ptr(), d.len(), true);
                    }
                    Event::TextChunk { text, fin } => {
                        (ev.kind, ev.data, ev.len, ev.fin) =
                            (RFC6455_EVENT_TEXT_CHUNK, text.as_ptr(), text.len(), fin);
                    }
                    Event::BinaryChunk { data, fin } => {
                        (ev.kind, ev.data, ev.len, ev.fin) =
                            (RFC6455_EVENT_BINARY_CHUNK, data.as_ptr(), data.len(), fin);
                    }
                    Event::Ping(d) => {
                        (ev.kind, ev.data, ev.len, ev.fin) =
                            (RFC6455_EVENT_PING, d.as_ptr(), d.len(), true);
                    }
                    Event::Pong(d) => {
                        (ev.kind, ev.data, ev.len, ev.fin) =
                            (RFC6455_EVENT_PONG, d.as_ptr(), d.len(), true);
                    }
                    Event::Close {
                        code,
                        reason,
                        was_clean,
                    } => {
                        (ev.kind, ev.data, ev.len, ev.fin) =
                            (RFC6455_EVENT_CLOSE, reason.as_ptr(), reason.len(), true);
                        ev.close_code = code.0;
                        ev.was_clean = was_clean;
                    }
                    // A future event kind this ABI does not know yet: reported as none.
                    _ => {}
                },
                Err(e) => {
                    let code = match &e {
                        Error::Protocol(p) => {
                            h.error_close_code = p.close_code().0;
                            RFC6455_ERR_PROTOCOL
                        }
                        Error::Handshake(hs) => {
                            h.error_http_status = hs.status_code().unwrap_or(0);
                            RFC6455_ERR_HANDSHAKE
                        }
                        _ => RFC6455_ERR_PROTOCOL,
                    };
                    return Err(fail(code, e));
                }
            }
            if open_extensions.is_some() {
                h.extensions = open_extensions;
            }
            if !h.strs.is_empty() {
                (ev.protocols, ev.protocol_count) = (h.strs.as_ptr(), h.strs.len());
            }
            if !h.headers.is_empty() {
                (ev.headers, ev.header_count) = (h.headers.as_ptr(), h.headers.len());
            }
            put(event, ev);
            Ok(RFC6455_OK)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Answering the opening handshake
// ---------------------------------------------------------------------------------------------

/// (Server) Accepts the pending [`RFC6455_EVENT_REQUEST`]: queues the 101 response and opens
/// the connection. `options` may be null (no subprotocol, no extra headers). Unless
/// `options->extensions` is set, permessage-deflate is negotiated as the config allows.
/// Fails with `RFC6455_ERR_HANDSHAKE` (a subprotocol that was not offered, an invalid or
/// reserved header, an extensions answer that fits no offer; nothing is sent and the request
/// still waits) or `RFC6455_ERR_STATE` (no request waits for an answer).
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call; a non-null
/// `options` points to a readable `rfc6455_accept_options` whose strings and array are valid
/// for their lengths.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_accept(
    conn: *mut rfc6455_conn,
    options: *const rfc6455_accept_options,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            let mut opts = AcceptOptions::new();
            if !options.is_null() {
                aligned(options, "options")?;
                let o = &*options;
                opts.protocol = opt_string(o.protocol, "protocol")?.map(str::to_owned);
                opts.extensions = opt_string(o.extensions, "extensions")?.map(str::to_owned);
                opts.headers = header_list(o.headers, o.header_count)?;
            }
            let before = h.conn.pending_output().len();
            h.conn.accept(&opts).map_err(handshake_fail)?;
            h.extensions = extensions_header(&h.conn.pending_output()[before..]);
            Ok(RFC6455_OK)
        })
    }
}

/// (Server) Refuses the pending [`RFC6455_EVENT_REQUEST`] with an HTTP `status` (e.g. 403),
/// extra `headers` and a `body`; the connection becomes closed once the response is queued.
/// Only 300–303, 307, 308 and 400–599 can refuse an upgrade; a 401 needs one
/// `WWW-Authenticate`, a redirect one `Location`. An invalid answer returns
/// `RFC6455_ERR_HANDSHAKE`, queues nothing and leaves the request waiting.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call; non-null
/// `headers` and `body` are valid for their counts.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_reject(
    conn: *mut rfc6455_conn,
    status: u16,
    headers: *const rfc6455_header,
    header_count: usize,
    body: *const u8,
    body_len: usize,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            let headers = header_list(headers, header_count)?;
            let body = slice(body, body_len, "body")?;
            h.conn
                .reject(status, &headers, body)
                .map_err(handshake_fail)?;
            Ok(RFC6455_OK)
        })
    }
}

/// Turns on permessage-deflate with parameters agreed in a handshake done elsewhere (for a
/// connection made with [`rfc6455_open_new`]).
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call; `params` is
/// null or readable.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_enable_deflate(
    conn: *mut rfc6455_conn,
    params: *const rfc6455_deflate_params,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            need(params, "params")?;
            let p = &*params;
            let params = DeflateParams {
                server_no_context_takeover: p.server_no_context_takeover != 0,
                client_no_context_takeover: p.client_no_context_takeover != 0,
                server_max_window_bits: p.server_max_window_bits,
                client_max_window_bits: p.client_max_window_bits,
            };
            h.conn.enable_deflate(&params);
            let mut text = String::from("permessage-deflate");
            if params.server_no_context_takeover {
                text.push_str("; server_no_context_takeover");
            }
            if params.client_no_context_takeover {
                text.push_str("; client_no_context_takeover");
            }
            text.push_str(&format!(
                "; server_max_window_bits={}; client_max_window_bits={}",
                params.server_max_window_bits.min(15),
                params.client_max_window_bits.min(15)
            ));
            h.extensions = Some(text);
            Ok(RFC6455_OK)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

/// Sends a whole text message of `len` bytes of UTF-8 in one frame (compressed if
/// permessage-deflate was negotiated and it reaches the threshold). Errors:
/// `RFC6455_ERR_NOT_OPEN`, `RFC6455_ERR_CLOSED`, `RFC6455_ERR_FRAGMENT_IN_PROGRESS`,
/// `RFC6455_ERR_INVALID_ARG`; nothing is queued on error.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call; a non-null
/// `text` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_send_text(
    conn: *mut rfc6455_conn,
    text: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            let text = string(text, len, "text")?;
            h.conn.send_text(text).map_err(send_fail)?;
            Ok(RFC6455_OK)
        })
    }
}

/// Sends a whole binary message in one frame. Errors as [`rfc6455_send_text`].
///
/// # Safety
/// As [`rfc6455_send_text`].
#[no_mangle]
pub unsafe extern "C" fn rfc6455_send_binary(
    conn: *mut rfc6455_conn,
    data: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            let data = slice(data, len, "data")?;
            h.conn.send_binary(data).map_err(send_fail)?;
            Ok(RFC6455_OK)
        })
    }
}

/// Sends a piece of a fragmented text message; `fin` non-zero ends the message. Each piece
/// must be valid UTF-8 on its own. No other data message may be sent until the last piece.
///
/// # Safety
/// As [`rfc6455_send_text`].
#[no_mangle]
pub unsafe extern "C" fn rfc6455_send_text_fragment(
    conn: *mut rfc6455_conn,
    text: *const c_char,
    len: usize,
    fin: c_int,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            let text = string(text, len, "text")?;
            h.conn
                .send_text_fragment(text, fin != 0)
                .map_err(send_fail)?;
            Ok(RFC6455_OK)
        })
    }
}

/// Sends a piece of a fragmented binary message; `fin` non-zero ends the message.
///
/// # Safety
/// As [`rfc6455_send_text`].
#[no_mangle]
pub unsafe extern "C" fn rfc6455_send_binary_fragment(
    conn: *mut rfc6455_conn,
    data: *const u8,
    len: usize,
    fin: c_int,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            let data = slice(data, len, "data")?;
            h.conn
                .send_binary_fragment(data, fin != 0)
                .map_err(send_fail)?;
            Ok(RFC6455_OK)
        })
    }
}

/// Sends a Ping with at most 125 bytes of payload (`RFC6455_ERR_CONTROL_TOO_LONG` past it).
///
/// # Safety
/// As [`rfc6455_send_text`].
#[no_mangle]
pub unsafe extern "C" fn rfc6455_send_ping(
    conn: *mut rfc6455_conn,
    data: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            let data = slice(data, len, "data")?;
            h.conn.send_ping(data).map_err(send_fail)?;
            Ok(RFC6455_OK)
        })
    }
}

/// Sends a Pong with at most 125 bytes of payload (an unsolicited one is a heartbeat).
///
/// # Safety
/// As [`rfc6455_send_text`].
#[no_mangle]
pub unsafe extern "C" fn rfc6455_send_pong(
    conn: *mut rfc6455_conn,
    data: *const u8,
    len: usize,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            let data = slice(data, len, "data")?;
            h.conn.send_pong(data).map_err(send_fail)?;
            Ok(RFC6455_OK)
        })
    }
}

/// Starts the closing handshake with `code` and a UTF-8 `reason` of at most 123 bytes. No
/// data can be sent afterwards; the state becomes closing until the peer's Close arrives (or
/// closed if it already did). Errors: `RFC6455_ERR_INVALID_CLOSE_CODE`,
/// `RFC6455_ERR_CONTROL_TOO_LONG`, `RFC6455_ERR_CLOSED`, `RFC6455_ERR_INVALID_ARG`.
///
/// # Safety
/// As [`rfc6455_send_text`].
#[no_mangle]
pub unsafe extern "C" fn rfc6455_close(
    conn: *mut rfc6455_conn,
    code: u16,
    reason: *const c_char,
    len: usize,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            let reason = string(reason, len, "reason")?;
            h.conn.close(CloseCode(code), reason).map_err(send_fail)?;
            Ok(RFC6455_OK)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

/// The bytes to write to the transport next: stores their start in `*data` and their count
/// in `*len` (0 when nothing is pending). Valid until the next call on this connection.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call; `data` and
/// `len` are null or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_pending_output(
    conn: *mut rfc6455_conn,
    data: *mut *const u8,
    len: *mut usize,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            need(data, "data")?;
            need(len, "len")?;
            let out = h.conn.pending_output();
            put(data, out.as_ptr());
            put(len, out.len());
            Ok(RFC6455_OK)
        })
    }
}

/// Acknowledges `n` written bytes of the pending output. `n` past what is pending is
/// `RFC6455_ERR_INVALID_ARG` (nothing acknowledged) — except `SIZE_MAX`, which acknowledges
/// everything.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_advance_output(conn: *mut rfc6455_conn, n: usize) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            let pending = h.conn.pending_output().len();
            if n > pending && n != usize::MAX {
                return Err(fail(
                    RFC6455_ERR_INVALID_ARG,
                    format_args!("rfc6455_advance_output: {n} bytes, but {pending} are pending"),
                ));
            }
            h.conn.advance_output(n);
            Ok(RFC6455_OK)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------

/// When the connection next wants [`rfc6455_handle_timeout`] to be called, on the caller's
/// monotonic clock in nanoseconds (the clock whose time `rfc6455_handle_timeout` is given).
/// Returns 1 and stores the deadline in `*deadline_ns` if a timer runs — 0 means call
/// `rfc6455_handle_timeout` at once: a timer was started and needs the time it started at;
/// returns 0 and stores [`RFC6455_NO_TIMEOUT`] if no timer runs (or its deadline is past
/// what 64 bits of nanoseconds hold). Ask again after every call into the connection.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call;
/// `deadline_ns` is null or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_poll_timeout(
    conn: *mut rfc6455_conn,
    deadline_ns: *mut u64,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            need(deadline_ns, "deadline_ns")?;
            match h.conn.poll_timeout().map(ns).filter(|&d| d != u64::MAX) {
                Some(d) => {
                    put(deadline_ns, d);
                    Ok(1)
                }
                None => {
                    put(deadline_ns, RFC6455_NO_TIMEOUT);
                    Ok(0)
                }
            }
        })
    }
}

/// Tells the connection the time on the caller's monotonic clock (nanoseconds since any
/// fixed origin) and runs the timer that is due: keep-alive Pings and giving up on a silent
/// peer, the closing-handshake timeout, the opening-handshake timeout, and dropping output a
/// closed connection's peer never reads. A connection that gives up becomes closed and the
/// next [`rfc6455_next_event`] yields [`RFC6455_EVENT_CLOSE`] with code 1006. Time only moves
/// forward: an earlier `now_ns` than one given before counts as the latest given; any value,
/// `UINT64_MAX` included, is safe. Extra calls are harmless.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_handle_timeout(conn: *mut rfc6455_conn, now_ns: u64) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            h.conn.handle_timeout(Duration::from_nanos(now_ns));
            Ok(RFC6455_OK)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------------------------

/// The connection's state: one of `RFC6455_STATE_*` (it only moves forward), or a negative
/// error code.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_state(conn: *mut rfc6455_conn) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            Ok(match h.conn.state() {
                State::Connecting => RFC6455_STATE_CONNECTING,
                State::Open => RFC6455_STATE_OPEN,
                State::Closing => RFC6455_STATE_CLOSING,
                State::Closed => RFC6455_STATE_CLOSED,
            })
        })
    }
}

/// This end's role: `RFC6455_ROLE_CLIENT` or `RFC6455_ROLE_SERVER`.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_role(conn: *mut rfc6455_conn) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            Ok(match h.conn.role() {
                Role::Client => RFC6455_ROLE_CLIENT,
                Role::Server => RFC6455_ROLE_SERVER,
            })
        })
    }
}

/// Bytes queued and not yet written (the browser's `bufferedAmount`), in `*amount`. Stop
/// reading from a peer whose output backs up past a bound of your choice.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call; `amount` is
/// null or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_buffered_amount(
    conn: *mut rfc6455_conn,
    amount: *mut usize,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            need(amount, "amount")?;
            put(amount, h.conn.buffered_amount());
            Ok(RFC6455_OK)
        })
    }
}

/// Bytes received and not yet turned into events, plus the parts of a fragmented message
/// reassembled so far, in `*amount` (0 for a closed connection).
///
/// # Safety
/// As [`rfc6455_buffered_amount`].
#[no_mangle]
pub unsafe extern "C" fn rfc6455_buffered_input(
    conn: *mut rfc6455_conn,
    amount: *mut usize,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            need(amount, "amount")?;
            put(amount, h.conn.buffered_input());
            Ok(RFC6455_OK)
        })
    }
}

/// 1 if the transport should be closed now (the connection is closed and all output was
/// written), else 0.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_should_close_transport(conn: *mut rfc6455_conn) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { with_conn(conn, |h| Ok(h.conn.should_close_transport().into())) }
}

/// 1 if this end queued its Close frame (by [`rfc6455_close`], in reply to the peer's, or on
/// a protocol error), else 0. A driver protects that frame with a lingering close.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_close_sent(conn: *mut rfc6455_conn) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { with_conn(conn, |h| Ok(h.conn.close_sent().into())) }
}

/// 1 if the peer's Close frame arrived, else 0.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_close_received(conn: *mut rfc6455_conn) -> c_int {
    // SAFETY: forwarded contract.
    unsafe { with_conn(conn, |h| Ok(h.conn.close_received().into())) }
}

/// The negotiated subprotocol: returns 1 and stores it in `*protocol`, or returns 0 (and a
/// null `ptr`) if none was negotiated (yet). Valid until the next call on the connection.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call; `protocol`
/// is null or valid for writing.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_protocol(
    conn: *mut rfc6455_conn,
    protocol: *mut rfc6455_str,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            need(protocol, "protocol")?;
            let p = h.conn.protocol();
            put(protocol, opt_str_of(p));
            Ok(p.is_some().into())
        })
    }
}

/// The negotiated extensions, as the `Sec-WebSocket-Extensions` value of the handshake
/// (e.g. `permessage-deflate; server_max_window_bits=15`): returns 1 and stores it in
/// `*extensions`, or returns 0 (and a null `ptr`) if none was negotiated. Valid until the
/// next call on the connection.
///
/// # Safety
/// As [`rfc6455_protocol`].
#[no_mangle]
pub unsafe extern "C" fn rfc6455_extensions(
    conn: *mut rfc6455_conn,
    extensions: *mut rfc6455_str,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            need(extensions, "extensions")?;
            let e = h.extensions.as_deref();
            put(extensions, opt_str_of(e));
            Ok(e.is_some().into())
        })
    }
}

/// Releases empty buffers, for a connection about to sit idle.
///
/// # Safety
/// `conn` is null or a live connection used by no other thread during the call.
#[no_mangle]
pub unsafe extern "C" fn rfc6455_shrink_buffers(conn: *mut rfc6455_conn) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_conn(conn, |h| {
            h.conn.shrink_buffers();
            h.staging = Vec::new();
            Ok(RFC6455_OK)
        })
    }
}

#[cfg(test)]
mod tests;

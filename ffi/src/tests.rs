//! Unit tests of the boundary itself: no panic crosses it, and the C view of the config is
//! the Rust one.

use super::*;
use std::ptr::{null, null_mut};

/// Arms the test hook: the next guarded call on this thread panics inside its guard.
fn panic_next() {
    PANIC_NEXT.with(|p| p.set(true));
}

fn last_error(conn: *const rfc6455_conn) -> String {
    // SAFETY: the pointer is null or live; the message is a NUL-terminated string.
    unsafe { CStr::from_ptr(rfc6455_last_error(conn)) }
        .to_string_lossy()
        .into_owned()
}

type Entry = (&'static str, fn(*mut rfc6455_conn) -> c_int);

/// Every entry point that takes a connection, called with harmless arguments.
fn entries() -> Vec<Entry> {
    // SAFETY (every closure): the connection is live and the pointers point to locals.
    vec![
        ("receive", |c| unsafe { rfc6455_receive(c, null(), 0) }),
        ("recv_buffer", |c| {
            let (mut p, mut n) = (null_mut(), 0);
            unsafe { rfc6455_recv_buffer(c, 16, &mut p, &mut n) }
        }),
        ("recv_commit", |c| unsafe { rfc6455_recv_commit(c, 0) }),
        ("receive_eof", |c| unsafe { rfc6455_receive_eof(c) }),
        ("next_event", |c| {
            let mut ev = empty_event();
            unsafe { rfc6455_next_event(c, &mut ev) }
        }),
        ("accept", |c| unsafe { rfc6455_accept(c, null()) }),
        ("reject", |c| unsafe {
            rfc6455_reject(c, 403, null(), 0, null(), 0)
        }),
        ("enable_deflate", |c| {
            let p = rfc6455_deflate_params {
                server_no_context_takeover: 0,
                client_no_context_takeover: 0,
                server_max_window_bits: 15,
                client_max_window_bits: 15,
            };
            unsafe { rfc6455_enable_deflate(c, &p) }
        }),
        ("send_text", |c| unsafe { rfc6455_send_text(c, null(), 0) }),
        ("send_binary", |c| unsafe {
            rfc6455_send_binary(c, null(), 0)
        }),
        ("send_text_fragment", |c| unsafe {
            rfc6455_send_text_fragment(c, null(), 0, 1)
        }),
        ("send_binary_fragment", |c| unsafe {
            rfc6455_send_binary_fragment(c, null(), 0, 1)
        }),
        ("send_ping", |c| unsafe { rfc6455_send_ping(c, null(), 0) }),
        ("send_pong", |c| unsafe { rfc6455_send_pong(c, null(), 0) }),
        ("close", |c| unsafe { rfc6455_close(c, 1000, null(), 0) }),
        ("pending_output", |c| {
            let (mut p, mut n) = (null(), 0);
            unsafe { rfc6455_pending_output(c, &mut p, &mut n) }
        }),
        ("advance_output", |c| unsafe {
            rfc6455_advance_output(c, 0)
        }),
        ("poll_timeout", |c| {
            let mut d = 0u64;
            unsafe { rfc6455_poll_timeout(c, &mut d) }
        }),
        ("handle_timeout", |c| unsafe {
            rfc6455_handle_timeout(c, 0)
        }),
        ("state", |c| unsafe { rfc6455_state(c) }),
        ("role", |c| unsafe { rfc6455_role(c) }),
        ("buffered_amount", |c| {
            let mut n = 0;
            unsafe { rfc6455_buffered_amount(c, &mut n) }
        }),
        ("buffered_input", |c| {
            let mut n = 0;
            unsafe { rfc6455_buffered_input(c, &mut n) }
        }),
        ("should_close_transport", |c| unsafe {
            rfc6455_should_close_transport(c)
        }),
        ("close_sent", |c| unsafe { rfc6455_close_sent(c) }),
        ("close_received", |c| unsafe { rfc6455_close_received(c) }),
        ("protocol", |c| {
            let mut s = none_str();
            unsafe { rfc6455_protocol(c, &mut s) }
        }),
        ("extensions", |c| {
            let mut s = none_str();
            unsafe { rfc6455_extensions(c, &mut s) }
        }),
        ("shrink_buffers", |c| unsafe { rfc6455_shrink_buffers(c) }),
        ("error_close_code", |c| unsafe {
            rfc6455_error_close_code(c)
        }),
        ("error_http_status", |c| unsafe {
            rfc6455_error_http_status(c)
        }),
    ]
}

#[test]
fn a_panic_in_any_connection_entry_point_is_caught_and_poisons_the_connection() {
    for (name, call) in entries() {
        // SAFETY: null config means the defaults.
        let conn = unsafe { rfc6455_open_new(RFC6455_ROLE_SERVER, null()) };
        assert!(!conn.is_null());
        assert!(call(conn) >= 0 || name == "accept" || name == "reject" || name == "recv_commit");
        panic_next();
        assert_eq!(call(conn), RFC6455_ERR_PANIC, "{name}");
        assert!(
            last_error(conn).contains("deliberate panic"),
            "{name}: {}",
            last_error(conn)
        );
        // Poisoned: every later call fails the same way, without running.
        assert_eq!(call(conn), RFC6455_ERR_PANIC, "{name}");
        // SAFETY: the connection is live.
        assert_eq!(unsafe { rfc6455_state(conn) }, RFC6455_ERR_PANIC, "{name}");
        assert!(last_error(conn).contains("poisoned"), "{name}");
        // SAFETY: freed once.
        unsafe { rfc6455_free(conn) };
    }
}

#[test]
fn a_panic_in_a_constructor_is_caught() {
    panic_next();
    // SAFETY: null config means the defaults.
    assert!(unsafe { rfc6455_server_new(null()) }.is_null());
    assert!(last_error(null()).contains("internal panic"));
    panic_next();
    // SAFETY: as above.
    assert!(unsafe { rfc6455_open_new(RFC6455_ROLE_CLIENT, null()) }.is_null());
    let mut out = null_mut();
    panic_next();
    let url = "ws://127.0.0.1/";
    // SAFETY: the URL is a live string of that length; `out` a local.
    let rc =
        unsafe { rfc6455_client_new(url.as_ptr().cast(), url.len(), null(), null(), &mut out) };
    assert_eq!(rc, RFC6455_ERR_PANIC);
    assert!(out.is_null());
    let mut config = default_c_config();
    panic_next();
    // SAFETY: a local.
    assert_eq!(
        unsafe { rfc6455_config_default(&mut config) },
        RFC6455_ERR_PANIC
    );
    // Without the hook, the same calls succeed.
    // SAFETY: as above.
    let rc =
        unsafe { rfc6455_client_new(url.as_ptr().cast(), url.len(), null(), null(), &mut out) };
    assert_eq!(rc, RFC6455_OK);
    // SAFETY: live, freed once.
    unsafe { rfc6455_free(out) };
}

#[test]
fn the_default_c_config_is_the_rust_default_and_every_value_converts() {
    assert_eq!(to_config(&default_c_config()), Config::default());
    let mut c = default_c_config();
    c.idle_ping_ns = 7;
    c.pong_timeout_ns = u64::MAX;
    c.close_timeout_ns = 0;
    c.handshake_timeout_ns = u64::MAX;
    c.streaming = 200;
    c.deflate = 0;
    let config = to_config(&c);
    assert_eq!(config.idle_ping, Some(Duration::from_nanos(7)));
    assert_eq!(config.pong_timeout, Duration::MAX);
    assert_eq!(config.close_timeout, Duration::ZERO);
    assert_eq!(config.handshake_timeout, None);
    assert_eq!(config.delivery, Delivery::Streaming);
    assert_eq!(config.deflate, None);
    assert_eq!(ns(Duration::MAX), u64::MAX);
}

#[test]
fn extensions_are_read_from_the_head_only() {
    let head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                 sec-websocket-extensions:  permessage-deflate; x=1 \r\n\r\n";
    assert_eq!(
        extensions_header(head).as_deref(),
        Some("permessage-deflate; x=1")
    );
    let body_only = b"HTTP/1.1 101 OK\r\n\r\nSec-WebSocket-Extensions: no\r\n";
    assert_eq!(extensions_header(body_only), None);
}

#[test]
fn a_connection_handle_may_move_between_threads() {
    struct SendPtr(*mut rfc6455_conn);
    // SAFETY: the handle is `Send` (asserted at compile time for `Connection`), and only one
    // thread uses it at a time here.
    unsafe impl Send for SendPtr {}
    // SAFETY: null config means the defaults.
    let p = SendPtr(unsafe { rfc6455_open_new(RFC6455_ROLE_CLIENT, null()) });
    let p = std::thread::spawn(move || {
        let p = p;
        // SAFETY: live; this thread is its only user now.
        assert_eq!(
            unsafe { rfc6455_send_text(p.0, "hi".as_ptr().cast(), 2) },
            RFC6455_OK
        );
        p
    })
    .join()
    .unwrap();
    let mut n = 0;
    // SAFETY: live, back on this thread.
    assert_eq!(unsafe { rfc6455_buffered_amount(p.0, &mut n) }, RFC6455_OK);
    assert_eq!(n, 2 + 4 + 2); // header, mask, payload
                              // SAFETY: freed once.
    unsafe { rfc6455_free(p.0) };
    const fn assert_send<T: Send>() {}
    assert_send::<rfc6455_conn>();
}

#[test]
fn misaligned_pointers_are_argument_errors() {
    let mut words = [0u64; 64];
    let base = words.as_mut_ptr().cast::<u8>();
    // SAFETY: one byte into a live local array: in bounds, deliberately misaligned.
    let odd = unsafe { base.add(1) };
    // SAFETY: the pointer is never read (the alignment check comes first).
    assert!(unsafe { rfc6455_server_new(odd.cast()) }.is_null());
    assert!(last_error(null()).contains("misaligned"));
    // SAFETY: as above.
    assert!(unsafe { rfc6455_open_new(RFC6455_ROLE_SERVER, odd.cast()) }.is_null());
    // SAFETY: as above.
    assert_eq!(
        unsafe { rfc6455_config_default(odd.cast()) },
        RFC6455_ERR_INVALID_ARG
    );
    // SAFETY: null config means the defaults.
    let conn = unsafe { rfc6455_open_new(RFC6455_ROLE_SERVER, null()) };
    // SAFETY: live connection; the misaligned pointers are checked before any access.
    unsafe {
        assert_eq!(
            rfc6455_next_event(conn, odd.cast()),
            RFC6455_ERR_INVALID_ARG
        );
        assert_eq!(
            rfc6455_poll_timeout(conn, odd.cast()),
            RFC6455_ERR_INVALID_ARG
        );
        assert_eq!(
            rfc6455_buffered_amount(conn, odd.cast()),
            RFC6455_ERR_INVALID_ARG
        );
        assert_eq!(rfc6455_accept(conn, odd.cast()), RFC6455_ERR_INVALID_ARG);
        let headers: *const rfc6455_header = odd.cast();
        assert_eq!(
            rfc6455_reject(conn, 403, headers, 1, null(), 0),
            RFC6455_ERR_INVALID_ARG
        );
        assert!(last_error(conn).contains("misaligned"));
        rfc6455_free(conn);
    }
}

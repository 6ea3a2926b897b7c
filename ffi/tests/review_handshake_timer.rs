//! review3 DEFECT (core, `src/connection/recv.rs` `event_ready`): a server that received only
//! blank lines (`\r\n\r\n`) never gives up on the opening handshake. The request parser skips
//! leading empty lines and answers Partial, but `event_ready` sees `\r\n\r\n` and reports a
//! whole head waiting, so `poll_timeout` is none and `handle_timeout` holds the timer off.
//! The same for a client whose server answers with blank lines only.

use rfc6455_ffi::*;
use std::ffi::c_int;

fn gives_up_after(input: &[u8]) -> (c_int, c_int) {
    // SAFETY: a live connection from rfc6455_server_new, used by this thread only, freed once;
    // every pointer passed points to what its length says.
    unsafe {
        let mut config = std::mem::zeroed();
        assert_eq!(rfc6455_config_default(&mut config), RFC6455_OK);
        let s = rfc6455_server_new(&config);
        assert!(!s.is_null());
        let mut deadline = 0u64;
        assert_eq!(rfc6455_handle_timeout(s, 1_000), RFC6455_OK);
        assert_eq!(rfc6455_receive(s, input.as_ptr(), input.len()), RFC6455_OK);
        let mut ev = std::mem::zeroed::<rfc6455_event>();
        assert_eq!(rfc6455_next_event(s, &mut ev), RFC6455_OK);
        assert_eq!(ev.kind, RFC6455_EVENT_NONE, "no request yet");
        let armed = rfc6455_poll_timeout(s, &mut deadline);
        // Long after the 10 s handshake timeout.
        assert_eq!(rfc6455_handle_timeout(s, 60_000_000_000), RFC6455_OK);
        assert_eq!(rfc6455_next_event(s, &mut ev), RFC6455_OK);
        let state = rfc6455_state(s);
        rfc6455_free(s);
        (armed, state)
    }
}

#[test]
fn a_request_that_never_completes_times_out() {
    assert_eq!(
        gives_up_after(b"GET / HTTP/1.1\r\n"),
        (1, RFC6455_STATE_CLOSED)
    );
}

#[test]
fn blank_lines_do_not_hold_the_handshake_timer_off() {
    // Fails today: (0, RFC6455_STATE_CONNECTING), forever.
    assert_eq!(gives_up_after(b"\r\n\r\n"), (1, RFC6455_STATE_CLOSED));
    assert_eq!(
        gives_up_after(b"\r\n\r\n\r\n\r\n"),
        (1, RFC6455_STATE_CLOSED)
    );
}

#[test]
fn a_client_answered_with_blank_lines_times_out() {
    // Fails today: the client stays connecting with no timer.
    // SAFETY: as above.
    unsafe {
        let url = "ws://a/";
        let mut c = std::ptr::null_mut();
        assert_eq!(
            rfc6455_client_new(
                url.as_ptr().cast(),
                url.len(),
                std::ptr::null(),
                std::ptr::null(),
                &mut c
            ),
            RFC6455_OK
        );
        assert_eq!(rfc6455_advance_output(c, usize::MAX), RFC6455_OK);
        assert_eq!(rfc6455_handle_timeout(c, 1_000), RFC6455_OK);
        assert_eq!(rfc6455_receive(c, b"\r\n\r\n".as_ptr(), 4), RFC6455_OK);
        let mut ev = std::mem::zeroed::<rfc6455_event>();
        assert_eq!(rfc6455_next_event(c, &mut ev), RFC6455_OK);
        assert_eq!(rfc6455_handle_timeout(c, 60_000_000_000), RFC6455_OK);
        let _ = rfc6455_next_event(c, &mut ev);
        let state = rfc6455_state(c);
        rfc6455_free(c);
        assert_eq!(state, RFC6455_STATE_CLOSED);
    }
}

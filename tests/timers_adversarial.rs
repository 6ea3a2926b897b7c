//! Timers under adversarial drivers (from review 1): Closes already received, drivers that
//! run timers before draining, slow readers, zero timeouts, EOF in every state.

mod common;

use common::*;
use core::time::Duration;
use rfc6455::handshake::AcceptOptions;
use rfc6455::{CloseCode, Config, Connection, Event, State};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Calls handle_timeout as long as poll_timeout says it is due at `now` (at most 100 times);
/// returns how many calls it took.
fn run_timers(conn: &mut Connection, now: Duration) -> usize {
    for i in 0..100 {
        match conn.poll_timeout() {
            Some(t) if t <= now => conn.handle_timeout(now),
            _ => return i,
        }
    }
    100
}

/// A server that stops draining events after one (application back-pressure, or a loop that
/// handles one event per wake-up) must not turn the peer's Close, already received and
/// sitting in its buffer, into an abnormal 1006 close.
#[test]
fn close_already_received_is_not_reported_as_1006() {
    let mut s = server();
    s.close(CloseCode::NORMAL, "bye").unwrap();
    s.handle_timeout(secs(0)); // dates the close timer
    output(&mut s);
    // The peer sends a message and its Close in one segment.
    let mut wire = client_frame(true, 1, b"last words");
    wire.extend(client_frame(true, 8, &[0x03, 0xe8]));
    s.receive(&wire);
    let Some((Event::Text(t), _)) = s.next_event().unwrap() else {
        panic!()
    };
    assert_eq!(t, "last words");
    // The driver runs its timers before coming back for the next event.
    run_timers(&mut s, secs(6));
    let evs = drain(&mut s);
    assert_eq!(
        evs,
        vec![Ev::Close(1000, String::new(), true)],
        "the peer's Close was in hand before the close timer expired"
    );
}

/// A driver that calls handle_timeout whenever poll_timeout says so must not spin forever.
/// After each call, poll_timeout must move (a later deadline, None, or a state change).
#[test]
fn handle_timeout_makes_progress_or_changes_deadline() {
    // Closing, close timer expired, bytes received and not yet read: the connection refuses to
    // give up, and poll_timeout keeps returning the same past deadline.
    let mut s = server();
    s.close(CloseCode::NORMAL, "").unwrap();
    s.handle_timeout(secs(0));
    s.receive(&client_frame(true, 9, b"ping"));
    let calls = run_timers(&mut s, secs(10));
    assert!(
        calls < 100,
        "poll_timeout stayed due after {calls} handle_timeout calls (state {:?}, poll {:?})",
        s.state(),
        s.poll_timeout()
    );
}

/// close_timeout counts from `close()`, not from when the Close frame was written: a peer
/// that reads steadily but slowly (a large message queued before the Close) is given up on
/// while our Close has not even reached it. The doc says "After sending Close, wait this long
/// for the peer's Close".
#[test]
fn close_timeout_runs_while_our_close_is_still_unwritten() {
    let mut s = server();
    s.send_binary(&vec![7u8; 1 << 20]).unwrap();
    s.close(CloseCode::NORMAL, "").unwrap();
    s.handle_timeout(secs(0));
    // The driver writes 64 KiB a second: the peer reads steadily.
    for t in 1..=6 {
        s.advance_output(64 * 1024);
        run_timers(&mut s, secs(t));
    }
    assert!(s.buffered_amount() > 0, "our Close is not written yet");
    assert_eq!(
        s.state(),
        State::Closing,
        "gave up on the peer's Close before our own Close was sent"
    );
}

/// With close_timeout = 0, a driver that runs timers as soon as poll_timeout says ZERO
/// (the call order's step 4, "after every call into the connection") drops our own Close
/// frame before it is ever written.
#[test]
fn zero_close_timeout_still_sends_our_close_frame() {
    // A zero close_timeout gives up at the first handle_timeout, and a closed connection then
    // drops unwritten output at the next: a driver that writes before it runs timers (the
    // documented call order) still sends the Close; one that runs timers first does not.
    let mut cfg = Config::default();
    cfg.close_timeout = Duration::ZERO;
    let mut s = server_with(cfg.clone());
    s.close(CloseCode::NORMAL, "").unwrap();
    let out = output(&mut s);
    run_timers(&mut s, secs(1));
    assert_eq!(sent_close_code(&out), Some(1000), "output: {out:?}");
    assert!(s.should_close_transport());
    let mut s = server_with(cfg);
    s.close(CloseCode::NORMAL, "").unwrap();
    run_timers(&mut s, secs(1));
    assert!(s.should_close_transport());
    assert!(
        output(&mut s).is_empty(),
        "as documented on Config::close_timeout"
    );
}

/// EOF in every state: exactly one Close 1006 (not clean), then nothing, state Closed.
#[test]
fn eof_in_every_state() {
    let req = CHROMIUM_REQUEST;
    let mut cases: Vec<(&str, Connection, Vec<u8>)> = vec![(
        "server, nothing",
        Connection::server(Config::default()),
        vec![],
    )];
    cases.push((
        "server, half a request",
        Connection::server(Config::default()),
        req[..40].to_vec(),
    ));
    cases.push(("open, nothing", server(), vec![]));
    cases.push((
        "open, half a header",
        server(),
        client_frame(true, 2, &[1; 300])[..1].to_vec(),
    ));
    cases.push((
        "open, half a payload",
        server(),
        client_frame(true, 2, &[1; 300])[..100].to_vec(),
    ));
    cases.push(("open, fragment", server(), client_frame(false, 1, b"abc")));
    let mut cfg = Config::default();
    cfg.delivery = rfc6455::Delivery::Streaming;
    cases.push((
        "streaming, half a payload, cut character",
        server_with(cfg.clone()),
        client_frame(true, 1, "aé".as_bytes())[..8].to_vec(),
    ));
    let mut closing = server();
    closing.close(CloseCode::NORMAL, "").unwrap();
    cases.push(("closing", closing, client_frame(true, 9, b"p")));
    for (name, mut c, bytes) in cases {
        let mut evs = feed(&mut c, &bytes);
        c.receive_eof();
        evs.extend(drain(&mut c));
        let closes: Vec<_> = evs.iter().filter(|e| matches!(e, Ev::Close(..))).collect();
        assert_eq!(
            closes,
            vec![&Ev::Close(1006, String::new(), false)],
            "{name}: {evs:?}"
        );
        assert_eq!(
            evs.last(),
            Some(&Ev::Close(1006, String::new(), false)),
            "{name}"
        );
        assert_eq!(c.state(), State::Closed, "{name}");
        assert!(c.next_event().unwrap().is_none(), "{name}");
        assert_eq!(c.buffered_input(), 0, "{name}");
    }
    // The server that got a whole request and then EOF (a client that sends and
    // half-closes) can still answer it, or sees 1006; never both.
    let mut s = Connection::server(Config::default());
    s.receive(req);
    s.receive_eof();
    let evs = drain(&mut s);
    assert!(matches!(evs[0], Ev::Request(_)), "{evs:?}");
    assert_eq!(evs.last(), Some(&Ev::Close(1006, String::new(), false)));
    assert!(s.accept(&AcceptOptions::new()).is_err());
    assert_eq!(s.state(), State::Closed);
}

/// Keep-alive with a Ping in flight when close() is called, the peer answering both: clean.
#[test]
fn keepalive_ping_in_flight_then_close_is_clean() {
    let mut cfg = Config::default();
    cfg.idle_ping = Some(secs(1));
    cfg.pong_timeout = secs(1);
    cfg.close_timeout = secs(1);
    let mut s = server_with(cfg);
    run_timers(&mut s, secs(0));
    run_timers(&mut s, secs(1)); // Ping sent
    let out = output(&mut s);
    assert_eq!(frames(&out)[0].0, rfc6455::OpCode::Ping);
    s.close(CloseCode::NORMAL, "").unwrap();
    run_timers(&mut s, secs(1));
    output(&mut s);
    // Nearly a pong timeout later, the Pong and the Close arrive together.
    let mut wire = client_frame(true, 10, b"");
    wire.extend(client_frame(true, 8, &[0x03, 0xe8]));
    s.receive(&wire);
    run_timers(&mut s, Duration::from_millis(1900));
    let evs = drain(&mut s);
    assert_eq!(
        evs.last(),
        Some(&Ev::Close(1000, String::new(), true)),
        "{evs:?}"
    );
}

/// "A closed connection holds no input: 0" (buffered_input's doc) — also right after a timer
/// gave up, before the next next_event.
#[test]
fn buffered_input_is_zero_once_closed_by_a_timer() {
    let mut s = server();
    s.close(CloseCode::NORMAL, "").unwrap();
    run_timers(&mut s, secs(0));
    // Half a frame arrives, is looked at, and then nothing more.
    s.receive(&client_frame(true, 2, &[0; 1000])[..500]);
    assert!(s.next_event().unwrap().is_none());
    run_timers(&mut s, secs(10));
    assert_eq!(s.state(), State::Closed);
    assert_eq!(s.buffered_input(), 0, "closed, yet holds input");
}

/// The linger timer drops output "never written (a peer that stops reading)"; a peer that
/// reads steadily is not one, yet its output is dropped close_timeout after the close.
#[test]
fn linger_drops_output_a_peer_is_steadily_reading() {
    let mut s = server();
    s.send_binary(&vec![7u8; 1 << 20]).unwrap();
    // The peer's Close arrives: we echo it, and are Closed with 1 MiB + the echo unwritten.
    let evs = feed(&mut s, &client_frame(true, 8, &[0x03, 0xe8]));
    assert_eq!(evs, vec![Ev::Close(1000, String::new(), true)]);
    assert_eq!(s.state(), State::Closed);
    run_timers(&mut s, secs(0));
    let mut written = 0;
    for t in 1..=6 {
        let n = s.buffered_amount().min(64 * 1024);
        written += n;
        s.advance_output(n);
        run_timers(&mut s, secs(t));
    }
    assert!(written < (1 << 20));
    assert!(
        s.buffered_amount() > 0,
        "the peer read {written} bytes steadily, and the rest was dropped"
    );
}

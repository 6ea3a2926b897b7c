//! Adversarial review (round 3): promises of the public API docs (`Connection`, `Config`,
//! README "Timers" and "Limits") checked as a careful user would rely on them.

mod common;

use common::*;
use rfc6455::{CloseCode, Config, Connection, Role, State};
use std::time::Duration;

fn spare(c: &mut Connection, room: usize) -> usize {
    c.receive_into(room, |b| b.capacity() - b.len())
}

/// `receive_into`: "`fill` gets the buffer with at least `room` bytes of spare capacity
/// (`room` is capped at 1 MiB; more is made for a frame whose header has arrived, up to
/// 64 KiB ahead of its bytes)"; after end of file "no room is made".
#[test]
fn receive_into_room() {
    let mut c = server();
    let n = spare(&mut c, usize::MAX);
    assert!(n >= 1 << 20, "{n}");
    assert!(n < 2 << 20, "room not capped: {n}");
    let mut c = server();
    assert!(spare(&mut c, 4096) >= 4096);
    // The header of a 10 MiB frame: room ahead of its bytes, at most 64 KiB more than sent.
    let mut c = server();
    let mut h = vec![0x82, 0x80 | 127];
    h.extend_from_slice(&(10u64 << 20).to_be_bytes());
    h.extend_from_slice(&[1, 2, 3, 4]);
    c.receive(&h);
    assert!(c.next_event().unwrap().is_none());
    let n = spare(&mut c, 0);
    assert!(n >= 60 * 1024, "{n}");
    assert!(n <= 64 * 1024 + 64, "{n}");
    // After end of file: bytes appended are dropped.
    let mut c = server();
    c.receive_eof();
    c.receive_into(100, |b| b.extend_from_slice(&client_frame(true, 2, b"x")));
    assert_eq!(c.buffered_input(), 0);
}

/// `handle_timeout`: "It does not give up while a whole frame (or handshake head) that was
/// handed in waits to be taken with next_event". Half of the peer's Close is not one: the
/// timer gives up; the whole Close is: it waits, and the close is clean.
#[test]
fn close_timer_waits_for_a_whole_received_frame_only() {
    let close = client_frame(true, 8, &[0x03, 0xe8]);
    let mut c = server();
    c.close(CloseCode::NORMAL, "").unwrap();
    let _ = output(&mut c);
    c.handle_timeout(Duration::from_secs(0));
    c.receive(&close[..3]);
    c.handle_timeout(Duration::from_secs(100));
    assert_eq!(
        c.state(),
        State::Closed,
        "a partial frame does not hold the timer"
    );
    assert_eq!(drain(&mut c), vec![Ev::Close(1006, String::new(), false)]);

    let mut c = server();
    c.close(CloseCode::NORMAL, "").unwrap();
    let _ = output(&mut c);
    c.handle_timeout(Duration::from_secs(0));
    c.receive(&close);
    assert_eq!(
        c.poll_timeout(),
        None,
        "nothing to wait for until next_event"
    );
    c.handle_timeout(Duration::from_secs(100));
    assert_eq!(drain(&mut c), vec![Ev::Close(1000, String::new(), true)]);
}

/// `close_sent`: "Whether this end queued its Close frame (by close, in reply to the peer's,
/// or on a protocol error) ... a connection that gave up on a silent peer sent none".
/// `close_received`: whether the peer's Close arrived.
#[test]
fn close_sent_and_received() {
    // Protocol error: Close queued.
    let mut c = server();
    c.receive(&[0x82, 0x00]); // unmasked frame to a server
    assert!(c.next_event().is_err());
    assert!(c.close_sent() && !c.close_received());
    assert_eq!(sent_close_code(&output(&mut c)), Some(1002));
    // Gave up on the handshake: none sent.
    let mut c = Connection::server(Config::default());
    c.handle_timeout(Duration::ZERO);
    c.handle_timeout(Duration::from_secs(11));
    assert_eq!(c.state(), State::Closed);
    assert!(!c.close_sent() && !c.close_received());
    assert!(c.should_close_transport());
    // Peer's close first: reply queued; 1005 for an empty Close, answered with an empty one.
    let mut c = server();
    assert_eq!(
        feed(&mut c, &client_frame(true, 8, b"")),
        vec![Ev::Close(1005, String::new(), true)]
    );
    assert!(c.close_sent() && c.close_received());
    assert_eq!(output(&mut c), vec![0x88, 0x00]);
    assert_eq!(c.buffered_input(), 0);
}

/// `Duration::MAX` timeouts mean never (`poll_timeout` is `None` once dated), in every
/// phase; a zero close timeout fires at the first call after the close.
#[test]
fn duration_max_everywhere() {
    let mut cfg = Config::default();
    cfg.close_timeout = Duration::MAX;
    cfg.idle_ping = Some(Duration::MAX);
    cfg.pong_timeout = Duration::MAX;
    cfg.handshake_timeout = Some(Duration::MAX);
    let mut c = Connection::server(cfg.clone());
    c.handle_timeout(Duration::from_secs(5));
    assert_eq!(c.poll_timeout(), None);
    let mut c = Connection::open(Role::Server, cfg.clone());
    c.handle_timeout(Duration::from_secs(5));
    assert_eq!(c.poll_timeout(), None);
    c.close(CloseCode::NORMAL, "").unwrap();
    assert_eq!(c.poll_timeout(), Some(Duration::ZERO));
    c.handle_timeout(Duration::MAX);
    assert_eq!(c.poll_timeout(), None);
    assert_eq!(c.state(), State::Closing);
    // Linger with MAX: the output is kept.
    c.receive(&client_frame(true, 8, &[0x03, 0xe8]));
    let _ = drain(&mut c);
    assert_eq!(c.state(), State::Closed);
    c.handle_timeout(Duration::MAX);
    assert_eq!(c.poll_timeout(), None);
    assert!(c.buffered_amount() > 0);
}

/// Linger: a closed connection whose output is never written drops it `close_timeout` after
/// closing, so that `should_close_transport` becomes true; written output restarts it.
#[test]
fn linger_drops_unwritten_output() {
    let mut c = server();
    assert_eq!(
        feed(&mut c, &client_frame(true, 8, &[0x03, 0xe8])),
        vec![Ev::Close(1000, String::new(), true)]
    );
    assert!(c.buffered_amount() > 0 && !c.should_close_transport());
    assert_eq!(c.poll_timeout(), Some(Duration::ZERO));
    c.handle_timeout(Duration::from_secs(10));
    assert_eq!(c.poll_timeout(), Some(Duration::from_secs(15)));
    c.advance_output(1);
    assert_eq!(c.poll_timeout(), Some(Duration::ZERO));
    c.handle_timeout(Duration::from_secs(14));
    assert_eq!(c.poll_timeout(), Some(Duration::from_secs(19)));
    c.handle_timeout(Duration::from_secs(19));
    assert!(c.should_close_transport());
    assert_eq!(c.poll_timeout(), None);
}

/// State only moves forward, through every public call sequence tried here.
#[test]
fn state_is_monotonic() {
    let mut c = server();
    let mut last = c.state();
    let mut check = |c: &Connection| {
        assert!(c.state() >= last, "{:?} after {last:?}", c.state());
        last = c.state();
    };
    c.send_text("a").unwrap();
    check(&c);
    c.close(CloseCode::NORMAL, "").unwrap();
    check(&c);
    assert!(c.close(CloseCode::NORMAL, "").is_err());
    check(&c);
    c.receive(&client_frame(true, 1, b"late data"));
    let _ = drain(&mut c);
    check(&c);
    c.receive(&client_frame(true, 8, &[0x03, 0xe8]));
    let _ = drain(&mut c);
    check(&c);
    assert_eq!(c.state(), State::Closed);
    c.handle_timeout(Duration::from_secs(100));
    check(&c);
    assert!(c.send_text("x").is_err());
    check(&c);
}

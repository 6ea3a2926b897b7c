//! Timers on the driver's clock: every timer starts at the time of the call after it was
//! armed, never at a remembered one; time only moves forward; huge and tiny timeouts; no timer
//! gives up while received bytes wait to be read; a connection that gave up stays closed.

mod common;

use common::*;
use core::time::Duration;
use rfc6455::handshake::{AcceptOptions, ClientOptions, WsUrl};
use rfc6455::{CloseCode, Config, Connection, Role, State};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Moves every pending byte from `a` to `b` and back until both are quiet; returns the events
/// each side saw.
fn exchange(a: &mut Connection, b: &mut Connection) -> (Vec<Ev>, Vec<Ev>) {
    let (mut ea, mut eb) = (vec![], vec![]);
    for _ in 0..16 {
        let ab = output(a);
        let ba = output(b);
        if ab.is_empty() && ba.is_empty() {
            break;
        }
        eb.extend(feed(b, &ab));
        ea.extend(feed(a, &ba));
    }
    (ea, eb)
}

/// A client and a server past a real opening handshake, with these configs.
fn pair(client_cfg: Config, server_cfg: Config) -> (Connection, Connection) {
    let url = WsUrl::parse("ws://127.0.0.1:9001/").unwrap();
    let mut c = Connection::client(&url, ClientOptions::new(), client_cfg).unwrap();
    let mut s = Connection::server(server_cfg);
    // A driver runs the handshake timer: both ends learn the time 0.
    tick(&mut c, Duration::ZERO);
    tick(&mut s, Duration::ZERO);
    let evs = feed(&mut s, &output(&mut c));
    assert!(matches!(evs.as_slice(), [Ev::Request(_)]), "{evs:?}");
    s.accept(&AcceptOptions::new()).unwrap();
    assert_eq!(feed(&mut c, &output(&mut s)), vec![Ev::Open(None)]);
    (c, s)
}

/// A driver that follows `poll_timeout`: calls `handle_timeout(now)` if the timer is due.
fn tick(conn: &mut Connection, now: Duration) {
    if conn.poll_timeout().is_some_and(|t| t <= now) {
        conn.handle_timeout(now);
    }
}

// ------------------------------------------------------------------ defect 1: stale clock

#[test]
fn close_long_after_the_last_call_gets_its_whole_close_timeout() {
    // Keep-alive off (the default): the driver has no reason to call handle_timeout while open.
    let (mut c, mut s) = pair(Config::default(), Config::default());
    tick(&mut s, secs(0));
    tick(&mut c, secs(0));
    assert_eq!(
        s.poll_timeout(),
        None,
        "no timer runs while open without keep-alive"
    );
    // Six seconds later (more than close_timeout) the server closes.
    s.close(CloseCode::NORMAL, "bye").unwrap();
    assert_eq!(
        s.poll_timeout(),
        Some(Duration::ZERO),
        "the close timer asks for the time"
    );
    tick(&mut s, secs(6));
    assert_eq!(
        s.state(),
        State::Closing,
        "the close timer starts now, not at 0"
    );
    assert_eq!(s.poll_timeout(), Some(secs(11)));
    let (ec, es) = exchange(&mut c, &mut s);
    assert_eq!(ec, vec![Ev::Close(1000, "bye".into(), true)]);
    assert_eq!(es, vec![Ev::Close(1000, String::new(), true)]);
}

#[test]
fn close_between_keepalive_pings_is_clean() {
    let mut cfg = Config::default();
    cfg.idle_ping = Some(secs(15));
    cfg.pong_timeout = secs(10);
    cfg.close_timeout = secs(1);
    let (mut c, mut s) = pair(cfg.clone(), cfg);
    for t in [0, 15, 16] {
        tick(&mut s, secs(t));
        tick(&mut c, secs(t));
        exchange(&mut c, &mut s);
        tick(&mut s, secs(t));
        tick(&mut c, secs(t));
    }
    // At t = 29 (13 s after the last call, more than close_timeout) the chat's "too slow" path.
    s.close(CloseCode(1013), "too slow").unwrap();
    tick(&mut s, secs(29));
    assert_eq!(s.state(), State::Closing);
    let (ec, es) = exchange(&mut c, &mut s);
    assert_eq!(ec, vec![Ev::Close(1013, "too slow".into(), true)]);
    assert_eq!(es, vec![Ev::Close(1013, String::new(), true)]);
}

#[test]
fn close_handshake_times_out_after_close_timeout_from_the_next_call() {
    let mut s = server();
    assert_eq!(s.poll_timeout(), None, "no timers without keep-alive");
    s.handle_timeout(secs(1));
    s.close(CloseCode::NORMAL, "").unwrap();
    assert_eq!(s.poll_timeout(), Some(Duration::ZERO));
    s.handle_timeout(secs(100));
    assert_eq!(s.poll_timeout(), Some(secs(105)));
    s.handle_timeout(secs(104));
    assert_eq!(s.state(), State::Closing);
    s.handle_timeout(secs(105));
    assert_eq!(s.state(), State::Closed);
    assert_eq!(drain(&mut s), vec![Ev::Close(1006, String::new(), false)]);
}

#[test]
fn keepalive_pings_when_idle_and_gives_up_on_silence() {
    let mut cfg = Config::default();
    cfg.idle_ping = Some(secs(30));
    cfg.pong_timeout = secs(10);
    let mut s = server_with(cfg);
    // An open connection's idle timer asks for the time at once.
    assert_eq!(s.poll_timeout(), Some(Duration::ZERO));
    s.handle_timeout(secs(100));
    assert_eq!(s.poll_timeout(), Some(secs(130)));
    // Input at t=120 restarts the idle interval.
    s.receive(&client_frame(true, 10, b""));
    assert_eq!(drain(&mut s), vec![Ev::Pong(vec![])]);
    assert_eq!(s.poll_timeout(), Some(Duration::ZERO));
    s.handle_timeout(secs(120));
    assert_eq!(s.poll_timeout(), Some(secs(150)));
    s.handle_timeout(secs(149));
    assert!(s.pending_output().is_empty());
    s.handle_timeout(secs(150));
    assert_eq!(output(&mut s), server_frame(true, 9, b""));
    assert_eq!(s.poll_timeout(), Some(secs(160)));
    // The pong comes back: the peer is alive.
    s.receive(&client_frame(true, 10, b""));
    assert_eq!(drain(&mut s), vec![Ev::Pong(vec![])]);
    s.handle_timeout(secs(155));
    assert_eq!(s.poll_timeout(), Some(secs(185)));
    // Next time nothing answers.
    s.handle_timeout(secs(185));
    assert_eq!(output(&mut s), server_frame(true, 9, b""));
    s.handle_timeout(secs(195));
    assert_eq!(s.state(), State::Closed);
    assert_eq!(drain(&mut s), vec![Ev::Close(1006, String::new(), false)]);
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn keepalive_starts_when_the_connection_opens() {
    let mut cfg = Config::default();
    cfg.idle_ping = Some(secs(10));
    cfg.handshake_timeout = None;
    let url = WsUrl::parse("ws://127.0.0.1:9001/").unwrap();
    let mut c = Connection::client(&url, ClientOptions::new(), cfg.clone()).unwrap();
    let mut s = Connection::server(cfg);
    c.handle_timeout(secs(0));
    assert_eq!(c.poll_timeout(), None, "no handshake timeout: nothing runs");
    feed(&mut s, &output(&mut c));
    s.accept(&AcceptOptions::new()).unwrap();
    // The answer arrives 100 s later; the idle interval starts then, not at 0.
    assert_eq!(feed(&mut c, &output(&mut s)), vec![Ev::Open(None)]);
    assert_eq!(c.poll_timeout(), Some(Duration::ZERO));
    c.handle_timeout(secs(100));
    assert!(c.pending_output().is_empty(), "no ping at once");
    assert_eq!(c.poll_timeout(), Some(secs(110)));
}

#[test]
fn opening_handshake_times_out_and_the_request_can_no_longer_be_accepted() {
    // Defect 5: after the handshake timeout the state went back to Open on accept().
    let mut s = Connection::server(Config::default());
    s.receive(
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    assert!(matches!(drain(&mut s).as_slice(), [Ev::Request(_)]));
    assert_eq!(s.poll_timeout(), Some(Duration::ZERO));
    s.handle_timeout(secs(50));
    assert_eq!(s.poll_timeout(), Some(secs(60)));
    s.handle_timeout(secs(60));
    assert_eq!(s.state(), State::Closed);
    assert!(s.accept(&AcceptOptions::new()).is_err());
    assert!(s.reject(403, &[], b"").is_err());
    assert_eq!(s.state(), State::Closed, "state never moves back");
    assert!(s.pending_output().is_empty(), "no 101 queued");
    assert_eq!(drain(&mut s), vec![Ev::Close(1006, String::new(), false)]);
    assert!(s.should_close_transport());
}

/// Review 3 (found through the C ABI): blank lines before a head are skipped by the parser,
/// so they are no head: a peer that sends only `\r\n\r\n` must not hold the opening
/// handshake's timer off (it did: the timer was off for good). The same for a client answered
/// with blank lines, or with an interim 1xx head and then nothing. Heads with bare `\n` line
/// ends are whole heads (the parser accepts them).
#[test]
fn blank_lines_do_not_hold_the_opening_handshake_timer_off() {
    for junk in [
        &b"\r\n\r\n"[..],
        b"\r\n\r\n\r\n\r\n",
        b"\n\n\n",
        b"\r\n\r\nGET / HTTP/1.1\r\n",
    ] {
        let mut s = Connection::server(Config::default());
        s.handle_timeout(secs(0));
        assert_eq!(feed(&mut s, junk), vec![], "{junk:?}");
        assert!(
            s.poll_timeout().is_some(),
            "{junk:?}: the handshake timer runs"
        );
        s.handle_timeout(secs(60));
        assert_eq!(s.state(), State::Closed, "{junk:?}: gave up");
        assert_eq!(drain(&mut s), vec![Ev::Close(1006, String::new(), false)]);
    }
    // A whole head after blank lines, or with bare LF line ends, is an event waiting: the
    // timer waits for next_event.
    for head in [
        &b"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"[..],
        b"GET / HTTP/1.1\nHost: a\n\n",
    ] {
        let mut s = Connection::server(Config::default());
        s.handle_timeout(secs(0));
        s.receive(head);
        assert_eq!(
            s.poll_timeout(),
            None,
            "{head:?}: a head waits for next_event"
        );
        s.handle_timeout(secs(60));
        assert_eq!(s.state(), State::Connecting);
        assert!(!drain(&mut s).is_empty());
    }
    // A client answered with blank lines, or with `100 Continue` and nothing more.
    for answer in [&b"\r\n\r\n"[..], b"HTTP/1.1 100 Continue\r\n\r\n"] {
        let url = rfc6455::handshake::WsUrl::parse("ws://127.0.0.1/").unwrap();
        let mut c = Connection::client(
            &url,
            rfc6455::handshake::ClientOptions::new(),
            Config::default(),
        )
        .unwrap();
        c.advance_output(usize::MAX);
        c.handle_timeout(secs(0));
        assert_eq!(feed(&mut c, answer), vec![], "{answer:?}");
        assert!(
            c.poll_timeout().is_some(),
            "{answer:?}: the handshake timer runs"
        );
        c.handle_timeout(secs(60));
        assert_eq!(c.state(), State::Closed, "{answer:?}: gave up");
    }
}

// ------------------------------------------------------------------ defect 4: Duration::MAX

#[test]
fn duration_max_timeouts_mean_never() {
    let mut cfg = Config::default();
    cfg.idle_ping = Some(Duration::MAX);
    cfg.pong_timeout = Duration::MAX;
    cfg.close_timeout = Duration::MAX;
    cfg.handshake_timeout = Some(Duration::MAX);
    for now in [Duration::ZERO, secs(1), Duration::MAX / 2, Duration::MAX] {
        // Opening handshake.
        let mut s = Connection::server(cfg.clone());
        assert_eq!(s.poll_timeout(), Some(Duration::ZERO));
        s.handle_timeout(now);
        // The deadline is `now + MAX`: past what Duration holds (None, never), or MAX itself.
        assert!(
            s.poll_timeout().is_none_or(|d| d == Duration::MAX),
            "{now:?}"
        );
        s.handle_timeout(Duration::MAX - Duration::from_nanos(1));
        assert_eq!(s.state(), State::Connecting);
        // Keep-alive.
        let mut o = Connection::open(Role::Server, cfg.clone());
        o.handle_timeout(now);
        o.handle_timeout(Duration::MAX - Duration::from_nanos(1));
        assert!(o.pending_output().is_empty(), "no ping");
        assert_eq!(o.state(), State::Open);
        // Closing.
        o.close(CloseCode::NORMAL, "").unwrap();
        o.handle_timeout(now);
        assert!(
            o.poll_timeout().is_none_or(|d| d == Duration::MAX),
            "{now:?}"
        );
        o.handle_timeout(Duration::MAX - Duration::from_nanos(1));
        assert_eq!(o.state(), State::Closing);
    }
    // Pong timeout of Duration::MAX after a ping sent at a huge time.
    let mut cfg = Config::default();
    cfg.idle_ping = Some(secs(1));
    cfg.pong_timeout = Duration::MAX;
    let mut o = Connection::open(Role::Server, cfg);
    o.handle_timeout(Duration::MAX - secs(5));
    o.handle_timeout(Duration::MAX - secs(4));
    assert_eq!(output(&mut o), server_frame(true, 9, b""));
    assert_eq!(o.poll_timeout(), None);
    o.handle_timeout(Duration::MAX);
    assert_eq!(o.state(), State::Open);
}

#[test]
fn zero_and_tiny_timeouts_fire_on_the_next_call() {
    for limit in [Duration::ZERO, Duration::from_nanos(1)] {
        let mut cfg = Config::default();
        cfg.close_timeout = limit;
        let mut o = Connection::open(Role::Server, cfg);
        o.close(CloseCode::NORMAL, "").unwrap();
        o.handle_timeout(secs(7));
        o.handle_timeout(secs(7) + Duration::from_nanos(1));
        assert_eq!(o.state(), State::Closed, "{limit:?}");
        assert_eq!(drain(&mut o), vec![Ev::Close(1006, String::new(), false)]);
    }
    let mut cfg = Config::default();
    cfg.handshake_timeout = Some(Duration::ZERO);
    let mut s = Connection::server(cfg);
    s.handle_timeout(Duration::ZERO);
    assert_eq!(s.state(), State::Closed);
}

// ------------------------------------------------------------------ the clock

#[test]
fn time_only_moves_forward() {
    let mut o = Connection::open(Role::Server, Config::default());
    o.handle_timeout(secs(1000));
    o.close(CloseCode::NORMAL, "").unwrap();
    // A clock that goes back (another epoch, a bug) counts as the latest time given.
    o.handle_timeout(secs(3));
    assert_eq!(o.poll_timeout(), Some(secs(1005)));
    o.handle_timeout(secs(1004));
    o.handle_timeout(secs(8));
    assert_eq!(o.state(), State::Closing);
    o.handle_timeout(secs(1005));
    assert_eq!(o.state(), State::Closed);
}

#[test]
fn no_timer_gives_up_while_received_bytes_wait_to_be_read() {
    let (mut c, mut s) = pair(Config::default(), Config::default());
    s.close(CloseCode::NORMAL, "").unwrap();
    s.handle_timeout(secs(0));
    feed(&mut c, &output(&mut s));
    // The client's Close arrives, then the driver runs the timer before next_event (the order
    // TokioDriver::apply uses): the Close must not be lost to a timeout.
    s.receive(&output(&mut c));
    s.handle_timeout(secs(60));
    assert_eq!(s.state(), State::Closing);
    assert_eq!(drain(&mut s), vec![Ev::Close(1000, String::new(), true)]);
    // A partial frame that was already looked at does not hold the timer off.
    let (_c, mut s) = pair(Config::default(), Config::default());
    s.close(CloseCode::NORMAL, "").unwrap();
    s.handle_timeout(secs(0));
    assert_eq!(feed(&mut s, &[0x88]), vec![]);
    s.handle_timeout(secs(5));
    assert_eq!(drain(&mut s), vec![Ev::Close(1006, String::new(), false)]);
}

#[test]
fn a_closed_connection_gives_up_on_output_the_peer_never_reads() {
    let mut o = Connection::open(Role::Server, Config::default());
    o.send_binary(&[7; 1000]).unwrap();
    o.close(CloseCode::NORMAL, "").unwrap();
    // The peer's Close arrives, but it never reads what we wrote.
    assert_eq!(
        feed(&mut o, &client_frame(true, 8, &1000u16.to_be_bytes())),
        vec![Ev::Close(1000, String::new(), true)]
    );
    assert_eq!(o.state(), State::Closed);
    assert!(!o.should_close_transport(), "output is still pending");
    assert_eq!(o.poll_timeout(), Some(Duration::ZERO));
    o.handle_timeout(secs(10));
    assert_eq!(o.poll_timeout(), Some(secs(15)));
    o.handle_timeout(secs(15));
    assert_eq!(o.buffered_amount(), 0);
    assert!(o.should_close_transport());
    assert_eq!(o.poll_timeout(), None);
}

// ------------------------------------------------------------------ defect 2: advance_output

#[test]
fn advance_output_is_clamped_after_a_partial_write() {
    for n in [usize::MAX, usize::MAX - 1, usize::MAX / 2 + 1, 1 << 20] {
        let mut o = Connection::open(Role::Server, Config::default());
        o.send_binary(&[1, 2, 3, 4, 5]).unwrap();
        let frame = o.pending_output().to_vec();
        let mut written = vec![];
        written.extend_from_slice(&o.pending_output()[..3]);
        o.advance_output(3);
        // The rest is written, and the driver acknowledges with a huge count.
        written.extend_from_slice(o.pending_output());
        o.advance_output(n);
        assert_eq!(o.buffered_amount(), 0, "n = {n}");
        assert!(o.pending_output().is_empty());
        assert_eq!(written, frame, "nothing repeated, nothing skipped");
        // Later output starts clean.
        o.send_binary(&[9]).unwrap();
        assert_eq!(o.pending_output(), [0x82, 1, 9]);
    }
}

// ------------------------------------------------------------------ the tokio driver

/// The review's reproduction over TokioDriver: the server closes some time after the handshake,
/// longer than its close timeout; both ends must see a clean close with the code sent.
#[tokio::test]
async fn tokio_driver_close_after_idle_is_clean_on_both_ends() {
    use rfc6455::driver::TokioDriver;
    use rfc6455::Event;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut cfg = Config::default();
    cfg.close_timeout = Duration::from_millis(200);
    let server_cfg = cfg.clone();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut conn = Connection::server(server_cfg);
        let mut io = TokioDriver::new(stream).unwrap();
        let mut closed_at = None;
        let opened = tokio::time::Instant::now();
        let mut seen = vec![];
        while !conn.should_close_transport() {
            let waited = tokio::time::timeout(Duration::from_millis(50), io.wait(&mut conn)).await;
            if let Ok(happened) = waited {
                io.apply(happened.unwrap(), &mut conn).unwrap();
            }
            let mut accept = false;
            while let Some((ev, _)) = conn.next_event().unwrap() {
                if matches!(ev, Event::Request(_)) {
                    accept = true;
                }
                seen.push(own(&ev));
            }
            if accept {
                conn.accept(&AcceptOptions::new()).unwrap();
            }
            if closed_at.is_none() && opened.elapsed() > Duration::from_millis(600) {
                conn.close(CloseCode(4000), "done").unwrap();
                closed_at = Some(());
            }
        }
        io.close().await;
        seen
    });
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let url = WsUrl::parse(&format!("ws://{addr}/")).unwrap();
    let mut conn = Connection::client(&url, ClientOptions::new(), cfg).unwrap();
    let mut io = TokioDriver::new(stream).unwrap();
    let mut seen = vec![];
    while !conn.should_close_transport() {
        let happened = io.wait(&mut conn).await.unwrap();
        io.apply(happened, &mut conn).unwrap();
        while let Some((ev, _)) = conn.next_event().unwrap() {
            seen.push(own(&ev));
        }
    }
    io.close().await;
    assert_eq!(
        seen,
        vec![Ev::Open(None), Ev::Close(4000, "done".into(), true)]
    );
    let server_seen = server.await.unwrap();
    assert_eq!(
        server_seen.last(),
        Some(&Ev::Close(4000, String::new(), true))
    );
}

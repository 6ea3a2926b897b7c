//! Adversarial review of the tokio driver (reviewer 1). 127.0.0.1 only; every test bounded.

mod common;

use common::*;
use rfc6455::driver::TokioDriver;
use rfc6455::{CloseCode, Config, Connection, Role, State};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Runs the documented driver loop on `conn` until it should close the transport or
/// `limit` passes; returns the events and whether it finished.
/// A raw peer socket and the tokio socket accepted for it, over 127.0.0.1.
fn loopback_pair() -> (std::net::TcpStream, tokio::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (stream, _) = listener.accept().unwrap();
    stream.set_nonblocking(true).unwrap();
    (peer, tokio::net::TcpStream::from_std(stream).unwrap())
}

async fn run(io: &mut TokioDriver, conn: &mut Connection, limit: Duration) -> (Vec<Ev>, bool) {
    let start = Instant::now();
    let mut seen = vec![];
    while !conn.should_close_transport() {
        if start.elapsed() > limit {
            return (seen, false);
        }
        let left = limit.saturating_sub(start.elapsed());
        match tokio::time::timeout(left, io.wait(conn)).await {
            Ok(happened) => io.apply(happened.unwrap(), conn).unwrap(),
            Err(_) => return (seen, false),
        }
        while let Some((ev, _)) = conn.next_event().unwrap_or(None) {
            seen.push(own(&ev));
        }
    }
    (seen, true)
}

/// A raw peer (std socket, own threads) that reads everything and, until told to stop, writes
/// masked Binary frames as fast as it can and never sends a Close.
fn flooding_peer(stream: std::net::TcpStream, stop: Arc<AtomicBool>) {
    let mut r = stream.try_clone().unwrap();
    std::thread::spawn(move || {
        let mut buf = vec![0; 1 << 16];
        while matches!(r.read(&mut buf), Ok(n) if n > 0) {}
    });
    let mut w = stream;
    std::thread::spawn(move || {
        let frame = client_frame(true, 2, &vec![0u8; 16 * 1024]);
        let mut batch = vec![];
        for _ in 0..16 {
            batch.extend_from_slice(&frame);
        }
        while !stop.load(Ordering::Relaxed) {
            if w.write_all(&batch).is_err() {
                break;
            }
        }
    });
}

/// After our Close, a peer that keeps sending data and never answers must still be given up
/// on after close_timeout (the closing handshake is bounded). With the TokioDriver, a
/// continuously readable socket starves the timer: `apply` runs `handle_timeout` right after
/// `receive`, when unread bytes forbid giving up, and `wait` prefers reading to the timer.
#[tokio::test]
async fn driver_close_timeout_with_a_peer_that_floods() {
    let stop = Arc::new(AtomicBool::new(false));
    let (peer, stream) = loopback_pair();
    flooding_peer(peer, stop.clone());
    let mut cfg = Config::default();
    cfg.close_timeout = Duration::from_millis(200);
    let mut conn = Connection::open(Role::Server, cfg);
    let mut io = TokioDriver::new(stream).unwrap();
    conn.close(CloseCode::NORMAL, "").unwrap();
    let (seen, finished) = run(&mut io, &mut conn, Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    let n = seen.len();
    assert!(
        finished,
        "still {:?} 2 s after close() with close_timeout 200 ms ({n} events)",
        conn.state()
    );
    assert_eq!(seen.last(), Some(&Ev::Close(1006, String::new(), false)));
}

/// A peer that never reads: the server queues a large message and closes; it must give up
/// within about 2 × close_timeout and `close()` must return within its 2 s.
#[tokio::test]
async fn driver_peer_that_never_reads() {
    let (peer, stream) = loopback_pair();
    let mut cfg = Config::default();
    cfg.close_timeout = Duration::from_millis(200);
    let mut conn = Connection::open(Role::Server, cfg);
    let mut io = TokioDriver::new(stream).unwrap();
    conn.send_binary(&vec![1u8; 16 << 20]).unwrap();
    conn.close(CloseCode::NORMAL, "").unwrap();
    let t = Instant::now();
    let (seen, finished) = run(&mut io, &mut conn, Duration::from_secs(2)).await;
    assert!(finished, "{:?}", conn.state());
    assert_eq!(seen.last(), Some(&Ev::Close(1006, String::new(), false)));
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    io.close().await;
    assert!(
        t.elapsed() < Duration::from_millis(2500),
        "{:?}",
        t.elapsed()
    );
    drop(peer);
}

/// Duration::MAX (and near-MAX) for every timeout: no panic in the driver; a normal close
/// from the peer still ends the connection.
#[tokio::test]
async fn driver_duration_max_timeouts() {
    for d in [
        Duration::MAX,
        Duration::from_secs(u64::MAX / 2),
        Duration::from_secs(100 * 365 * 86400),
        Duration::from_secs(1 << 40),
    ] {
        let (mut peer, stream) = loopback_pair();
        let mut cfg = Config::default();
        cfg.close_timeout = d;
        cfg.idle_ping = Some(d);
        cfg.pong_timeout = d;
        cfg.handshake_timeout = Some(d);
        let mut conn = Connection::open(Role::Server, cfg);
        let mut io = TokioDriver::new(stream).unwrap();
        conn.close(CloseCode::NORMAL, "").unwrap();
        peer.write_all(&client_frame(true, 8, &[0x03, 0xe8]))
            .unwrap();
        let (seen, finished) = run(&mut io, &mut conn, Duration::from_secs(2)).await;
        assert!(finished, "{d:?}: {:?}", conn.state());
        assert_eq!(seen, vec![Ev::Close(1000, String::new(), true)], "{d:?}");
        drop(peer);
        io.close().await;
    }
}

/// A client that gave up on its peer (a timer, no Close frame sent) should not wait 2 s for
/// the server to close TCP first: the server was never told to.
#[tokio::test]
async fn driver_client_close_after_giving_up_is_prompt() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (peer, _) = listener.accept().unwrap(); // a silent server that never closes
    let mut cfg = Config::default();
    cfg.idle_ping = Some(Duration::from_millis(50));
    cfg.pong_timeout = Duration::from_millis(50);
    let mut conn = Connection::open(Role::Client, cfg);
    let mut io = TokioDriver::new(stream).unwrap();
    let (seen, finished) = run(&mut io, &mut conn, Duration::from_secs(2)).await;
    assert!(finished);
    assert_eq!(seen, vec![Ev::Close(1006, String::new(), false)]);
    assert_eq!(conn.state(), State::Closed);
    let t = Instant::now();
    io.close().await;
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "close() took {:?} after the client gave up",
        t.elapsed()
    );
    drop(peer);
}

/// A peer that sends its Close and half-closes (shuts down writing) still gets our echo.
#[tokio::test]
async fn driver_peer_half_closes_after_its_close() {
    let (mut peer, stream) = loopback_pair();
    let mut conn = Connection::open(Role::Server, Config::default());
    let mut io = TokioDriver::new(stream).unwrap();
    peer.write_all(&client_frame(true, 8, &[0x0f, 0xa0]))
        .unwrap();
    peer.shutdown(std::net::Shutdown::Write).unwrap();
    let (seen, finished) = run(&mut io, &mut conn, Duration::from_secs(2)).await;
    assert!(finished);
    assert_eq!(seen, vec![Ev::Close(4000, String::new(), true)]);
    io.close().await;
    let mut got = vec![];
    peer.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    peer.read_to_end(&mut got).unwrap();
    assert_eq!(got, [0x88, 0x02, 0x0f, 0xa0]);
}

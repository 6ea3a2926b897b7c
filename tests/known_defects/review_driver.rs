//! Review 1 of the generic tokio driver and the TLS examples (issue #12, items 1 and 3).
//!
//! Each test states one defect found by attacking the public API or the examples; each FAILS
//! on the reviewed commit (a336bf8) and should pass once the defect is fixed. The example
//! tests run the example binaries, which must be built first:
//! `cargo build --example chat --example echo_server`.

mod common;

#[path = "../examples/common/tls.rs"]
mod tls;

use std::path::PathBuf;
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use common::{own, Ev};
use rfc6455::driver::{Io, TokioDriver};
use rfc6455::handshake::{ClientOptions, WsUrl};
use rfc6455::{CloseCode, Config, Connection, Role};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A connected loopback pair: (accepted, connected).
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (connected, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
    (accepted.unwrap().0, connected.unwrap())
}

// ---------------------------------------------------------------------------------------
// DEFECT 1 (medium): `TokioDriver::flush` is not cancel-safe. It acknowledges output only
// after `write_all` finished; a flush cancelled part-way (a `timeout`, a `select!`) has
// written a prefix that is still pending, and the next flush or `wait` writes it again: the
// peer sees a corrupt stream. `wait` is documented cancel-safe; `flush` is the call a user
// puts in `timeout(…)` before closing.
// ---------------------------------------------------------------------------------------
#[tokio::test]
async fn flush_cancelled_part_way_does_not_write_bytes_twice() {
    let (a, mut b) = tokio::io::duplex(16);
    let mut conn = Connection::open(Role::Server, Config::default());
    let mut io = TokioDriver::with_stream(a);
    conn.send_binary(&[7u8; 1000]).unwrap();
    let wire = conn.pending_output().to_vec();
    // Nobody reads yet: the write stalls after 16 bytes and the timeout cancels the flush.
    let cancelled = tokio::time::timeout(Duration::from_millis(50), io.flush(&mut conn)).await;
    assert!(cancelled.is_err(), "the flush stalled and was cancelled");
    let reader = tokio::spawn(async move {
        let mut got = vec![];
        b.read_to_end(&mut got).await.unwrap();
        got
    });
    io.flush(&mut conn).await.unwrap();
    io.close().await;
    let got = reader.await.unwrap();
    assert_eq!(
        got.len(),
        wire.len(),
        "the peer got {} bytes for a {}-byte frame: the cancelled flush's prefix was written twice",
        got.len(),
        wire.len()
    );
    assert_eq!(got, wire);
}

// ---------------------------------------------------------------------------------------
// DEFECT 2 (medium): `close()` decides whether to wait for the server from flags `wait()`
// computed at its START (`wait_for_server`, `linger`). In a client-initiated close, the
// server's Close arrives during the last `wait`, so `close_received()` was still false
// when the flag was taken: the client shuts down (FIN) at once instead of letting the
// server close first, as `close`'s doc and RFC 6455 §7.1.1 say.
// ---------------------------------------------------------------------------------------
#[tokio::test]
async fn client_initiated_close_lets_the_server_close_first() {
    let (server_side, client_side) = tcp_pair().await;
    let peer = tokio::spawn(async move {
        let mut s = server_side;
        // The client's masked Close: 2 + 4 (mask) + 2 (code) + 3 ("bye").
        let mut close = [0u8; 11];
        s.read_exact(&mut close).await.unwrap();
        assert_eq!(close[0], 0x88);
        s.write_all(&[0x88, 0x02, 0x03, 0xe8]).await.unwrap();
        // A server closes the TCP connection first: give it a second. An EOF now means the
        // client closed first.
        let mut b = [0u8; 16];
        let early = tokio::time::timeout(Duration::from_secs(1), s.read(&mut b)).await;
        matches!(early, Ok(Ok(0)))
    });
    let mut conn = Connection::open(Role::Client, Config::default());
    let mut io = TokioDriver::new(client_side).unwrap();
    conn.close(CloseCode::NORMAL, "bye").unwrap();
    let mut seen = vec![];
    loop {
        while let Some((e, _)) = conn.next_event().unwrap() {
            seen.push(own(&e));
        }
        if conn.should_close_transport() {
            break;
        }
        match io.wait(&mut conn).await.unwrap() {
            Io::Idle => break,
            h => io.apply(h, &mut conn).unwrap(),
        }
    }
    assert_eq!(seen, vec![Ev::Close(1000, String::new(), true)]);
    io.close().await;
    let client_closed_first = peer.await.unwrap();
    assert!(
        !client_closed_first,
        "the client shut down before the server closed the connection"
    );
}

// ---------------------------------------------------------------------------------------
// DEFECT 3 (medium): the same stale flag on the server side. An application that closes
// with `conn.close(..)`, `io.flush(&mut conn)`, `io.close()` (the obvious sequence; no
// `wait` after `conn.close`) gets no lingering close: `close()` shuts down and drops the
// stream at once instead of reading until the peer closes (or 2 s), so the peer's unread
// input turns the close into a reset. `close`'s doc promises the linger to "a server [that]
// sent a Close frame".
// ---------------------------------------------------------------------------------------
#[tokio::test]
async fn close_after_flush_lingers_until_the_peer_closes() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    let mut conn = Connection::open(Role::Server, Config::default());
    let mut io = TokioDriver::with_stream(a);
    // One round trip so the driver has seen the connection open.
    conn.send_text("hi").unwrap();
    let h = io.wait(&mut conn).await.unwrap();
    io.apply(h, &mut conn).unwrap();
    conn.close(CloseCode::NORMAL, "bye").unwrap();
    io.flush(&mut conn).await.unwrap();
    let peer = tokio::spawn(async move {
        let mut b = b;
        let mut got = vec![0u8; 64];
        let _ = b.read(&mut got).await;
        // The peer takes 500 ms to answer and close.
        tokio::time::sleep(Duration::from_millis(500)).await;
        drop(b);
    });
    let t = Instant::now();
    io.close().await;
    let took = t.elapsed();
    peer.await.unwrap();
    assert!(
        took >= Duration::from_millis(400),
        "close() returned after {took:?}, before the peer closed: no linger"
    );
}

// ---------------------------------------------------------------------------------------
// DEFECT 4 (low/medium): reads and timers starve while output is always writable. `wait`
// returns as soon as a write succeeds, before polling the timer or the stream, so an
// application that queues a message on every turn (a broadcaster, the chat's `select!`
// loop under load) over a fast stream never reads the peer's input (its Close, its Pongs)
// nor runs its timers until it stops sending.
// ---------------------------------------------------------------------------------------

/// Reads come from `input`; writes are all accepted at once (a fast, always-writable peer).
struct Sink {
    input: std::io::Cursor<Vec<u8>>,
}

impl AsyncRead for Sink {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let pos = self.input.position() as usize;
        let rest = &self.input.get_ref()[pos..];
        if rest.is_empty() {
            return Poll::Pending; // nothing more; never EOF
        }
        let n = rest.len().min(buf.remaining());
        buf.put_slice(&rest[..n]);
        self.input.set_position((pos + n) as u64);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        d: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(Ok(d.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn input_is_read_while_output_keeps_flowing() {
    // The peer's masked Close (1000) is readable from the start.
    let close = vec![0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8];
    let mut io = TokioDriver::with_stream(Sink {
        input: std::io::Cursor::new(close),
    });
    let mut conn = Connection::open(Role::Server, Config::default());
    let mut sent = 0u32;
    let mut close_seen_after = None;
    for _ in 0..20_000 {
        while let Some((e, _)) = conn.next_event().unwrap() {
            if matches!(own(&e), Ev::Close(..)) {
                close_seen_after = Some(sent);
            }
        }
        if close_seen_after.is_some() || conn.should_close_transport() {
            break;
        }
        if conn.send_binary(&[0u8; 100]).is_ok() {
            sent += 1;
        }
        let h = io.wait(&mut conn).await.unwrap();
        io.apply(h, &mut conn).unwrap();
    }
    let after = close_seen_after.expect("the peer's Close was never read while sending");
    assert!(
        after < 100,
        "the peer's Close, readable from the start, was read only after {after} messages"
    );
}

// ---------------------------------------------------------------------------------------
// Example tests: the chat and echo_server binaries over loopback.
// ---------------------------------------------------------------------------------------

fn example(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/debug/examples")
        .join(name);
    assert!(
        p.exists(),
        "{} missing: cargo build --example {name}",
        p.display()
    );
    p
}

/// Starts an example with `args` (under `sh -c` with `prefix`); returns it and its port
/// (from the "… on ws://127.0.0.1:PORT" line on stderr).
fn start(prefix: &str, name: &str, args: &[&str]) -> (Running, u16) {
    use std::io::BufRead;
    let cmd = format!(
        "{prefix} exec {} 127.0.0.1:0 {}",
        example(name).display(),
        args.join(" ")
    );
    let mut child = Command::new("sh")
        .args(["-c", &cmd])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let port = line
        .split("127.0.0.1:")
        .nth(1)
        .map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    // Keep draining stderr so the child never blocks on it.
    std::thread::spawn(move || {
        let mut sink = String::new();
        while err.read_line(&mut sink).map(|n| n > 0).unwrap_or(false) {
            sink.clear();
        }
    });
    (Running(child), port)
}

/// A running example, killed when dropped (also when a test panics).
struct Running(Child);

impl Running {
    fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.0.try_wait().unwrap()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn make_cert() -> (PathBuf, PathBuf, PathBuf) {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "review1-{}-{}",
        std::process::id(),
        N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&c, key.cert.pem()).unwrap();
    std::fs::write(&k, key.signing_key.serialize_pem()).unwrap();
    (dir, c, k)
}

/// A chat client: the connection and its driver, opened and joined as `nick`.
struct ChatClient<S> {
    conn: Connection,
    io: TokioDriver<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> ChatClient<S> {
    async fn join(stream: S, port: u16, scheme: &str, nick: &str) -> Self {
        let url = WsUrl::parse(&format!("ws://127.0.0.1:{port}/ws")).unwrap();
        let options = ClientOptions::new().origin(format!("{scheme}://127.0.0.1:{port}"));
        let conn = Connection::client(&url, options, Config::default()).unwrap();
        let mut c = Self {
            conn,
            io: TokioDriver::with_stream(stream),
        };
        c.until(|e| matches!(e, Ev::Open(_)), Duration::from_secs(5))
            .await
            .expect("opened");
        let join = format!(r#"{{"type":"join","nick":"{nick}"}}"#);
        c.conn.send_text(&join).unwrap();
        c.until(
            |e| matches!(e, Ev::Text(t) if t.contains("users") && t.contains(nick)),
            Duration::from_secs(5),
        )
        .await
        .expect("joined");
        c
    }

    /// Runs until an event matches, or `limit` passes (None).
    async fn until(&mut self, want: impl Fn(&Ev) -> bool, limit: Duration) -> Option<Ev> {
        let end = tokio::time::Instant::now() + limit;
        loop {
            while let Some((e, _)) = self.conn.next_event().ok()? {
                let e = own(&e);
                if want(&e) {
                    return Some(e);
                }
            }
            let h = tokio::time::timeout_at(end, self.io.wait(&mut self.conn))
                .await
                .ok()?
                .ok()?;
            if h == Io::Idle {
                return None;
            }
            self.io.apply(h, &mut self.conn).ok()?;
        }
    }
}

// ---------------------------------------------------------------------------------------
// DEFECT 5 (high, for the chat example over TLS): a member whose connection ends in an I/O
// error stays in the room for ever. `chat()` returns early on `happened?`, skipping
// `leave()`: no "leave" notice, its nick stays in the user list, and its full queue keeps
// the last 256 broadcasts (up to 8 MiB files each) alive. Over TLS the common way to leave
// is an error: most clients (and every tab that is closed) drop TCP without close_notify,
// which tokio-rustls reports as UnexpectedEof. (Over plain TCP a reset does the same; that
// part is older than this change.)
// ---------------------------------------------------------------------------------------
#[tokio::test]
async fn chat_tls_member_gone_without_close_notify_leaves_the_room() {
    let (dir, cert, key) = make_cert();
    let (child, port) = start(
        "",
        "chat",
        &["--tls", cert.to_str().unwrap(), key.to_str().unwrap()],
    );
    let config = tls::client_config(Some(&cert), &[b"http/1.1"]).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let a = tls::connect(config.clone(), "127.0.0.1", tcp)
        .await
        .unwrap();
    let mut ghost = ChatClient::join(a, port, "https", "ghost").await;
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let b = tls::connect(config, "127.0.0.1", tcp).await.unwrap();
    let mut bob = ChatClient::join(b, port, "https", "bob").await;
    // The ghost reads bob's join, then its TCP connection ends without close_notify.
    ghost
        .until(
            |e| matches!(e, Ev::Text(t) if t.contains("bob")),
            Duration::from_secs(5),
        )
        .await
        .expect("the ghost saw bob join");
    ghost.io.get_mut().get_mut().0.shutdown().await.unwrap();
    let left = bob
        .until(
            |e| matches!(e, Ev::Text(t) if t.contains("\"leave\"")),
            Duration::from_secs(3),
        )
        .await;
    drop(child);
    std::fs::remove_dir_all(dir).unwrap();
    assert!(
        left.is_some(),
        "a member whose TLS connection ended without close_notify never left the room"
    );
}

/// Control for the test above (passes): a member that closes with a Close frame leaves, and
/// the others are told; the harness does see a "leave".
#[tokio::test]
async fn chat_tls_member_that_closes_cleanly_leaves_the_room() {
    let (dir, cert, key) = make_cert();
    let (child, port) = start(
        "",
        "chat",
        &["--tls", cert.to_str().unwrap(), key.to_str().unwrap()],
    );
    let config = tls::client_config(Some(&cert), &[b"http/1.1"]).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let a = tls::connect(config.clone(), "127.0.0.1", tcp)
        .await
        .unwrap();
    let mut alice = ChatClient::join(a, port, "https", "alice").await;
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let b = tls::connect(config, "127.0.0.1", tcp).await.unwrap();
    let mut bob = ChatClient::join(b, port, "https", "bob").await;
    alice.conn.close(CloseCode::NORMAL, "bye").unwrap();
    alice
        .until(|e| matches!(e, Ev::Close(..)), Duration::from_secs(3))
        .await;
    let left = bob
        .until(
            |e| matches!(e, Ev::Text(t) if t.contains("\"leave\"")),
            Duration::from_secs(3),
        )
        .await;
    drop(child);
    std::fs::remove_dir_all(dir).unwrap();
    assert!(left.is_some(), "a member that closed cleanly left the room");
}

// ---------------------------------------------------------------------------------------
// DEFECT 6 (medium): the chat reads the request head with no time limit, before the
// connection (and its 10 s `handshake_timeout`) exists: a client that sends half a request
// line (or, with --tls, completes TLS and sends nothing) holds a task and a socket for
// ever (slowloris). echo_server gives up after 10 s.
// ---------------------------------------------------------------------------------------
#[tokio::test]
async fn chat_gives_up_on_a_request_head_that_never_ends() {
    let (child, port) = start("", "chat", &[]);
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    s.write_all(b"GET /ws HTTP/1.1\r\n").await.unwrap();
    let mut b = [0u8; 256];
    // The connection's own handshake timeout is 10 s; allow 15.
    let r = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            match s.read(&mut b).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    drop(child);
    assert!(
        r.is_ok(),
        "the chat held a half-sent request head open for 15 s"
    );
}

// ---------------------------------------------------------------------------------------
// DEFECT 7 (medium; older than this change, but #12 asks that nothing a peer does can make
// a server task leak or spin): `listener.accept().await?` ends the whole server on the
// first accept error. Running out of file descriptors (EMFILE) is one: enough open
// connections (the TLS handshake timeout lets each sit 10 s) kill echo_server and chat.
// ---------------------------------------------------------------------------------------
#[tokio::test]
async fn echo_server_survives_running_out_of_file_descriptors() {
    let (dir, cert, key) = make_cert();
    let (mut child, port) = start(
        "ulimit -n 24;",
        "echo_server",
        &["--tls", cert.to_str().unwrap(), key.to_str().unwrap()],
    );
    let mut held = vec![];
    for _ in 0..40 {
        match TcpStream::connect(("127.0.0.1", port)).await {
            Ok(s) => held.push(s),
            Err(_) => break,
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let exited = child.try_wait();
    drop(child);
    std::fs::remove_dir_all(dir).unwrap();
    assert!(
        exited.is_none(),
        "echo_server exited ({exited:?}) when accept() failed with EMFILE"
    );
}

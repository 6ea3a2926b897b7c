//! Over real loopback TCP with tokio: this crate against itself, and against tungstenite (an
//! independent implementation) in both roles.

mod common;

use common::driver::{echo_server, Driven};
use common::Ev;
use rfc6455::handshake::ClientOptions;
use rfc6455::{CloseCode, Config};
use tokio::net::TcpListener;

/// The messages every pairing exchanges: boundaries of the length encoding, empty, large.
fn payloads() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [0usize, 1, 125, 126, 127, 65535, 65536, 1 << 20]
        .iter()
        .map(|&n| (0..n).map(|i| (i * 7 + 3) as u8).collect())
        .collect();
    v.push(vec![0xA5; 16 << 20]);
    v
}

/// Runs the client side with this crate against `port` (an echo server): text, binary of
/// every size, a fragmented message with a ping inside it, then a close.
async fn run_client(port: u16) {
    let url = format!("ws://127.0.0.1:{port}/echo");
    let mut c = Driven::connect(&url, ClientOptions::new(), Config::default()).await;
    assert!(matches!(c.next().await, Some(Ev::Open(None))));
    c.conn.send_text("héllo wörld").unwrap();
    c.flush().await.unwrap();
    assert_eq!(c.next().await, Some(Ev::Text("héllo wörld".into())));
    for p in payloads() {
        c.conn.send_binary(&p).unwrap();
        c.flush().await.unwrap();
        assert_eq!(c.next().await, Some(Ev::Binary(p)));
    }
    let text: String = "fragmented ✓ ".repeat(10_000);
    let (a, b) = text.as_bytes().split_at(text.len() / 2);
    let (a, b) = (
        std::str::from_utf8(a).unwrap(),
        std::str::from_utf8(b).unwrap(),
    );
    c.conn.send_text_fragment(a, false).unwrap();
    c.conn.send_ping(b"are you there").unwrap();
    c.conn.send_text_fragment(b, true).unwrap();
    c.flush().await.unwrap();
    assert_eq!(c.next().await, Some(Ev::Pong(b"are you there".to_vec())));
    assert_eq!(c.next().await, Some(Ev::Text(text)));
    c.conn.close(CloseCode(4000), "bye").unwrap();
    c.flush().await.unwrap();
    let Some(Ev::Close(code, _, true)) = c.next().await else {
        panic!("no clean close")
    };
    assert_eq!(code, 4000);
    c.finish().await;
}

#[tokio::test]
async fn ours_against_ours() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        echo_server(stream, Config::default()).await
    });
    run_client(port).await;
    let seen = server.await.unwrap();
    assert!(matches!(seen.first(), Some(Ev::Request(p)) if p == "/echo"));
    assert_eq!(seen.last(), Some(&Ev::Close(4000, "bye".into(), true)));
}

#[tokio::test]
async fn ours_client_against_tungstenite_server() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut ws = tungstenite::accept(stream).unwrap();
        loop {
            match ws.read() {
                Ok(m @ (tungstenite::Message::Text(_) | tungstenite::Message::Binary(_))) => {
                    ws.send(m).unwrap()
                }
                Ok(tungstenite::Message::Close(frame)) => {
                    let _ = ws.flush();
                    return frame.map(|f| u16::from(f.code));
                }
                Ok(_) => {}
                Err(e) => panic!("tungstenite server: {e}"),
            }
        }
    });
    run_client(port).await;
    assert_eq!(
        tokio::task::spawn_blocking(move || server.join().unwrap())
            .await
            .unwrap(),
        Some(4000)
    );
}

#[tokio::test]
async fn tungstenite_client_against_ours_server() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        echo_server(stream, Config::default()).await
    });
    let client = tokio::task::spawn_blocking(move || {
        use tungstenite::Message;
        let (mut ws, resp) = tungstenite::connect(format!("ws://127.0.0.1:{port}/t")).unwrap();
        assert_eq!(resp.status(), 101);
        ws.send(Message::text("héllo")).unwrap();
        assert_eq!(ws.read().unwrap(), Message::text("héllo"));
        for p in payloads() {
            ws.send(Message::binary(p.clone())).unwrap();
            assert_eq!(ws.read().unwrap(), Message::binary(p));
        }
        ws.send(Message::Ping(b"ping!".to_vec().into())).unwrap();
        assert_eq!(ws.read().unwrap(), Message::Pong(b"ping!".to_vec().into()));
        ws.close(Some(tungstenite::protocol::CloseFrame {
            code: tungstenite::protocol::frame::coding::CloseCode::from(4001),
            reason: "done".into(),
        }))
        .unwrap();
        // Read until tungstenite reports the closing handshake complete.
        loop {
            match ws.read() {
                Ok(Message::Close(f)) => assert_eq!(f.map(|f| u16::from(f.code)), Some(4001)),
                Ok(_) => {}
                Err(tungstenite::Error::ConnectionClosed) => break,
                Err(e) => panic!("{e}"),
            }
        }
    });
    client.await.unwrap();
    let seen = server.await.unwrap();
    assert_eq!(seen.last(), Some(&Ev::Close(4001, "done".into(), true)));
}

/// Fifty clients at once against one server task each, all interleaved on one runtime.
#[tokio::test]
async fn many_concurrent_connections() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(echo_server(stream, Config::default()));
        }
    });
    let clients: Vec<_> = (0..50)
        .map(|i| {
            tokio::spawn(async move {
                let url = format!("ws://127.0.0.1:{port}/");
                let mut c = Driven::connect(&url, ClientOptions::new(), Config::default()).await;
                assert!(matches!(c.next().await, Some(Ev::Open(_))));
                for j in 0..20 {
                    let msg = format!("client {i} message {j}");
                    c.conn.send_text(&msg).unwrap();
                    c.flush().await.unwrap();
                    assert_eq!(c.next().await, Some(Ev::Text(msg)));
                }
                c.conn.close(CloseCode::NORMAL, "").unwrap();
                c.flush().await.unwrap();
                assert!(matches!(c.next().await, Some(Ev::Close(1000, _, true))));
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
}

//! WebSocket over HTTP/2 (RFC 8441) and inside hyper, with peers written elsewhere, over
//! loopback:
//! - hyper's own HTTP/2 client sends the extended CONNECT and tungstenite frames the
//!   WebSocket (`WebSocketStream::from_raw_socket`), against the `hyper_server` example's
//!   service; tungstenite's HTTP/1.1 client against the same service;
//! - this crate's client over hyper's HTTP/2 client (the `h2_client` example's module)
//!   against axum's own `WebSocketUpgrade` (tungstenite) over h2c;
//! - malformed or forbidden CONNECTs get their status, and the server keeps serving.

#[path = "../examples/axum_server/ws.rs"]
mod axum_ws;
mod common;
#[path = "../examples/h2_client/connect.rs"]
mod connect;
#[path = "../examples/hyper_server/service.rs"]
mod service;
#[path = "../examples/common/tls.rs"]
mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{own, Ev};
use futures_util::{SinkExt, StreamExt};
use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rfc6455::driver::{Io, TokioDriver};
use rfc6455::handshake::{ClientOptions, WsUrl};
use rfc6455::{CloseCode, Config, Connection};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::{
    frame::coding::CloseCode as TCode, CloseFrame, Role,
};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

#[path = "common/h2.rs"]
mod h2;
use h2::hyper_h2;

const LIMIT: Duration = Duration::from_secs(20);

/// The `hyper_server` example's service on a free port, its log lines kept.
struct HyperServer {
    addr: SocketAddr,
    app: Arc<service::App>,
    log: Arc<Mutex<Vec<String>>>,
}

impl HyperServer {
    async fn start() -> Self {
        Self::start_with(None).await
    }

    async fn start_with(tls: Option<tokio_rustls::TlsAcceptor>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(vec![]));
        let lines = log.clone();
        let app = Arc::new(service::App::new(move |l| lines.lock().unwrap().push(l)));
        let serving = app.clone();
        tokio::spawn(async move {
            loop {
                let (stream, peer) = listener.accept().await.unwrap();
                let (app, tls) = (serving.clone(), tls.clone());
                tokio::spawn(async move {
                    let _ = match tls {
                        None => app.serve_connection(stream, peer).await,
                        Some(tls) => {
                            app.serve_connection(tls.accept(stream).await.unwrap(), peer)
                                .await
                        }
                    };
                });
            }
        });
        Self { addr, app, log }
    }

    fn log_has(&self, needle: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l.contains(needle))
    }
}

fn connect_request(uri: String, protocol: Option<&'static str>) -> hyper::http::request::Builder {
    let mut request = Request::builder().method(Method::CONNECT).uri(uri);
    if let Some(p) = protocol {
        request = request.extension(hyper::ext::Protocol::from_static(p));
    }
    request
}

/// Sends `out` on an open client connection, reads until as many messages came back, closes
/// with 1000 "bye" and reads until the transport closes. Returns every event seen.
async fn talk<S: AsyncRead + AsyncWrite + Unpin>(
    mut conn: Connection,
    mut io: TokioDriver<S>,
    out: &[Ev],
) -> Vec<Ev> {
    for m in out {
        match m {
            Ev::Text(t) => conn.send_text(t).unwrap(),
            Ev::Binary(b) => conn.send_binary(b).unwrap(),
            _ => unreachable!(),
        }
    }
    let mut seen = vec![];
    let run = async {
        loop {
            while let Some((event, _)) = conn.next_event().unwrap() {
                seen.push(own(&event));
            }
            let echoes = seen
                .iter()
                .filter(|e| matches!(e, Ev::Text(_) | Ev::Binary(_)))
                .count();
            if echoes == out.len() && !conn.close_sent() {
                conn.close(CloseCode::NORMAL, "bye").unwrap();
            }
            if conn.should_close_transport() {
                break;
            }
            match io.wait(&mut conn).await.unwrap() {
                Io::Idle => break,
                happened => io.apply(happened, &mut conn).unwrap(),
            }
        }
        io.close().await;
    };
    tokio::time::timeout(LIMIT, run)
        .await
        .expect("the conversation ends");
    seen
}

/// Events in short: binary payloads as their length and a checksum, so that a failed
/// comparison prints lines, not 300,000 numbers.
fn brief(events: &[Ev]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Ev::Binary(b) => {
                let sum = b
                    .iter()
                    .fold(0u64, |h, &x| (h ^ x as u64).wrapping_mul(0x100000001b3));
                format!("Binary(len {}, fnv {sum:x})", b.len())
            }
            e => format!("{e:?}"),
        })
        .collect()
}

/// What `talk` sees from an echo server: the messages, then the server's answer to its
/// Close (1000, with `reason`).
fn echoed(out: &[Ev], reason: &str) -> Vec<String> {
    let mut want = out.to_vec();
    want.push(Ev::Close(1000, reason.into(), true));
    brief(&want)
}

/// Opens a WebSocket on `h2` with the crate's client, offering `protocols`.
async fn open(
    h2: &mut connect::Http2,
    url: &str,
    protocols: &[&str],
) -> Result<connect::WebSocket, connect::BoxError> {
    let url = WsUrl::parse(url).unwrap();
    let options = protocols
        .iter()
        .fold(ClientOptions::new(), |o, p| o.protocol(*p));
    h2.websocket(&url, options, Config::default()).await
}

/// A text, a binary, and a message larger than HTTP/2's initial flow-control window (65,535).
fn messages() -> Vec<Ev> {
    vec![
        Ev::Text("hello κόσμε".into()),
        Ev::Binary(vec![0, 1, 2, 254, 255]),
        Ev::Binary((0..300_000u32).map(|i| (i * 7 % 251) as u8).collect()),
    ]
}

#[tokio::test]
async fn hyper_h2_client_with_tungstenite_framing_against_hyper_server() {
    let server = HyperServer::start().await;
    let mut send = hyper_h2(server.addr).await;
    let request = connect_request(format!("http://{}/ws", server.addr), Some("websocket"))
        .header("sec-websocket-version", "13")
        .header("sec-websocket-protocol", "chat, echo")
        .body(Empty::new())
        .unwrap();
    let mut response = send.send_request(request).await.unwrap();
    // RFC 8441 §5: 200, and no Sec-WebSocket-Accept.
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["sec-websocket-protocol"], "chat");
    assert!(response.headers().get("sec-websocket-accept").is_none());
    let upgraded = hyper::upgrade::on(&mut response).await.unwrap();
    let mut ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Client, None).await;

    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let sent = [
        Message::text("hello over HTTP/2"),
        Message::binary(vec![0u8, 1, 2, 255]),
        Message::binary(big),
    ];
    for m in &sent {
        ws.send(m.clone()).await.unwrap();
    }
    for m in &sent {
        let got = tokio::time::timeout(LIMIT, ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(&got, m);
    }
    ws.close(Some(CloseFrame {
        code: TCode::Normal,
        reason: "bye".into(),
    }))
    .await
    .unwrap();
    let mut closed = None;
    while let Some(m) = tokio::time::timeout(LIMIT, ws.next()).await.unwrap() {
        if let Ok(Message::Close(frame)) = m {
            closed = frame;
        }
    }
    let closed = closed.expect("the server answers the Close");
    assert_eq!(closed.code, TCode::Normal);

    assert_eq!(server.app.h2_upgrades.load(Ordering::Relaxed), 1);
    assert_eq!(server.app.h1_upgrades.load(Ordering::Relaxed), 0);
    assert_eq!(server.app.echoed.load(Ordering::Relaxed), 3);
    assert!(server.log_has("upgrade via HTTP/2 extended CONNECT /ws"));
}

#[tokio::test]
async fn tungstenite_http1_client_against_hyper_server() {
    let server = HyperServer::start().await;
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let request = tokio_tungstenite::tungstenite::ClientRequestBuilder::new(
        format!("ws://{}/ws", server.addr).parse().unwrap(),
    )
    .with_sub_protocol("echo");
    let (mut ws, response) = tokio_tungstenite::client_async(request, tcp).await.unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(response.headers()["sec-websocket-protocol"], "echo");
    ws.send(Message::text("over HTTP/1.1")).await.unwrap();
    let got = tokio::time::timeout(LIMIT, ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(got, Message::text("over HTTP/1.1"));
    ws.close(None).await.unwrap();
    while let Some(m) = tokio::time::timeout(LIMIT, ws.next()).await.unwrap() {
        m.unwrap();
    }
    assert_eq!(server.app.h1_upgrades.load(Ordering::Relaxed), 1);
    assert_eq!(server.app.h2_upgrades.load(Ordering::Relaxed), 0);
    assert!(server.log_has("upgrade via HTTP/1.1 GET /ws"));
}

/// Two WebSockets and a plain request at once on one HTTP/2 connection, with this crate's
/// client (the `h2_client` example's module).
#[tokio::test]
async fn crate_client_multiplexes_websockets_on_one_h2_connection() {
    let server = HyperServer::start().await;
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let mut h2 = connect::Http2::handshake(tcp).await.unwrap();
    let (c1, io1) = open(
        &mut h2,
        &format!("ws://{}{}", server.addr, "/ws"),
        &["echo"],
    )
    .await
    .unwrap();
    let (c2, io2) = open(&mut h2, &format!("ws://{}{}", server.addr, "/ws"), &[])
        .await
        .unwrap();
    assert_eq!(c1.protocol(), Some("echo"));
    assert_eq!(c2.protocol(), None);
    let stats = Request::get(format!("http://{}/stats", server.addr))
        .body(Empty::new())
        .unwrap();
    assert_eq!(h2.send_raw(stats).await.unwrap(), StatusCode::OK);
    let out = messages();
    let (seen1, seen2) = tokio::join!(talk(c1, io1, &out), talk(c2, io2, &out));
    for seen in [seen1, seen2] {
        assert_eq!(brief(&seen), echoed(&out, ""));
    }
    assert_eq!(server.app.h2_upgrades.load(Ordering::Relaxed), 2);
    assert_eq!(server.app.echoed.load(Ordering::Relaxed), 6);
    // The crate's client offers permessage-deflate and the server took it (on both streams).
    let deflated = server
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| {
            l.contains("HTTP/2 extended CONNECT /ws (protocol")
                && l.contains("extensions \"permessage-deflate")
        })
        .count();
    assert_eq!(deflated, 2);
}

/// A request to refuse: what it is, the request, its status and a header the refusal carries.
type Refusal = (
    &'static str,
    Request<Empty<Bytes>>,
    u16,
    Option<(&'static str, &'static str)>,
);

/// RFC 8441 §4–5 and RFC 6455 §4.2: refusals get their status, and the connection (and the
/// server) serves a WebSocket afterwards.
#[tokio::test]
async fn bad_connects_get_their_status_and_the_server_keeps_serving() {
    let server = HyperServer::start().await;
    let mut send = hyper_h2(server.addr).await;
    let base = format!("http://{}/ws", server.addr);
    let extended = |version: Option<&str>| {
        let request = connect_request(base.clone(), Some("websocket"));
        match version {
            Some(v) => request.header("sec-websocket-version", v),
            None => request,
        }
    };
    let cases: Vec<Refusal> = vec![
        (
            "a plain CONNECT (no :protocol): not implemented (RFC 9110 §15.6.2)",
            connect_request(server.addr.to_string(), None)
                .header("sec-websocket-version", "13")
                .body(Empty::new())
                .unwrap(),
            501,
            None,
        ),
        (
            "a :protocol other than websocket",
            connect_request(base.clone(), Some("not-websocket"))
                .header("sec-websocket-version", "13")
                .body(Empty::new())
                .unwrap(),
            400,
            None,
        ),
        (
            "no Sec-WebSocket-Version",
            extended(None).body(Empty::new()).unwrap(),
            400,
            Some(("sec-websocket-version", "13")),
        ),
        (
            "Sec-WebSocket-Version 8 (a 426 needs Upgrade, which HTTP/2 forbids)",
            extended(Some("8")).body(Empty::new()).unwrap(),
            400,
            Some(("sec-websocket-version", "13")),
        ),
        (
            "a GET on HTTP/2",
            Request::get(base.clone()).body(Empty::new()).unwrap(),
            405,
            Some(("allow", "CONNECT")),
        ),
    ];
    for (what, request, status, header) in cases {
        let response = send.send_request(request).await.unwrap();
        assert_eq!(response.status(), status, "{what}");
        if let Some((name, value)) = header {
            assert_eq!(response.headers()[name], value, "{what}");
        }
    }
    assert_eq!(server.app.h2_upgrades.load(Ordering::Relaxed), 0);
    let good = connect_request(base, Some("websocket"))
        .header("sec-websocket-version", "13")
        .body(Empty::new())
        .unwrap();
    assert_eq!(
        send.send_request(good).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(server.app.h2_upgrades.load(Ordering::Relaxed), 1);
}

/// The same over HTTP/1.1, in raw bytes: statuses and headers of RFC 6455 §4.2.1–4.4.
#[tokio::test]
async fn bad_http1_upgrades_get_their_status() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = HyperServer::start().await;
    let upgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let cases = [
        ("a body", format!("GET /ws HTTP/1.1\r\nHost: a\r\n{upgrade}Sec-WebSocket-Version: 13\r\nContent-Length: 5\r\n\r\nhello"), "400", None),
        ("version 8", format!("GET /ws HTTP/1.1\r\nHost: a\r\n{upgrade}Sec-WebSocket-Version: 8\r\n\r\n"), "426", Some("sec-websocket-version: 13")),
        ("a POST", format!("POST /ws HTTP/1.1\r\nHost: a\r\n{upgrade}Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n"), "405", Some("allow: get")),
        ("no Upgrade", "GET /ws HTTP/1.1\r\nHost: a\r\n\r\n".to_string(), "400", None),
    ];
    for (what, request, status, header) in cases {
        let mut tcp = TcpStream::connect(server.addr).await.unwrap();
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut head = vec![0; 4096];
        let n = tokio::time::timeout(LIMIT, tcp.read(&mut head))
            .await
            .unwrap()
            .unwrap();
        let head = String::from_utf8_lossy(&head[..n]).to_ascii_lowercase();
        assert!(
            head.starts_with(&format!("http/1.1 {status} ")),
            "{what}: {head}"
        );
        if let Some(h) = header {
            assert!(head.contains(h), "{what}: {head}");
        }
    }
    assert_eq!(server.app.h1_upgrades.load(Ordering::Relaxed), 0);
}

/// This crate's client over hyper's HTTP/2 client against axum's own `WebSocketUpgrade`
/// (tungstenite) over h2c (`axum::serve` enables extended CONNECT; the route is `any`).
#[tokio::test]
async fn crate_client_over_h2_against_axum_websocket_upgrade() {
    use axum::extract::ws::{Message as AxMessage, WebSocket, WebSocketUpgrade};
    use axum::routing::any;

    async fn echo(mut socket: WebSocket) {
        while let Some(Ok(msg)) = socket.recv().await {
            if matches!(msg, AxMessage::Text(_) | AxMessage::Binary(_))
                && socket.send(msg).await.is_err()
            {
                break;
            }
        }
    }
    let app = axum::Router::new().route(
        "/ws",
        any(|ws: WebSocketUpgrade| async move { ws.protocols(["echo"]).on_upgrade(echo) }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut h2 = connect::Http2::handshake(tcp).await.unwrap();
    let (conn, io) = open(&mut h2, &format!("ws://{addr}/ws"), &["chat", "echo"])
        .await
        .unwrap();
    assert_eq!(conn.protocol(), Some("echo"));
    let seen = talk(conn, io, &messages()).await;
    // tungstenite answers a Close with its code and reason.
    assert_eq!(brief(&seen), echoed(&messages(), "bye"));

    // A path axum does not route: the client reports the status, nothing opens.
    let Err(refused) = open(&mut h2, &format!("ws://{addr}/nowhere"), &[]).await else {
        panic!("a path axum does not route opened a WebSocket")
    };
    assert!(refused.to_string().contains("404"), "{refused}");
    // The connection still carries WebSockets.
    let (conn, io) = open(&mut h2, &format!("ws://{addr}/ws"), &[])
        .await
        .unwrap();
    let seen = talk(conn, io, &[Ev::Text("again".into())]).await;
    assert_eq!(seen[0], Ev::Text("again".into()));
}

/// A server that does not enable extended CONNECT: the client says so, and sends nothing.
#[tokio::test]
async fn crate_client_refuses_a_server_without_extended_connect() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let service = hyper::service::service_fn(|_req| async {
            Ok::<_, std::convert::Infallible>(hyper::Response::new(Empty::<Bytes>::new()))
        });
        let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .serve_connection(TokioIo::new(stream), service)
            .await;
    });
    let tcp = TcpStream::connect(addr).await.unwrap();
    let error = connect::Http2::handshake(tcp)
        .await
        .err()
        .expect("no extended CONNECT");
    assert!(
        error
            .to_string()
            .contains("SETTINGS_ENABLE_CONNECT_PROTOCOL"),
        "{error}"
    );
}

/// A self-signed certificate for 127.0.0.1 made now: (directory, cert.pem, key.pem).
fn make_cert() -> (PathBuf, PathBuf, PathBuf) {
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("rfc8441-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let key =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, key.cert.pem()).unwrap();
    std::fs::write(&key_path, key.signing_key.serialize_pem()).unwrap();
    (dir, cert, key_path)
}

/// `wss://` over HTTP/2: TLS with ALPN h2 (the examples' TLS module), then extended CONNECT.
#[tokio::test]
async fn crate_client_over_tls_h2_against_hyper_server() {
    let (dir, cert, key) = make_cert();
    let acceptor = tokio_rustls::TlsAcceptor::from(
        tls::server_config(&cert, &key, &[b"h2", b"http/1.1"]).unwrap(),
    );
    let server = HyperServer::start_with(Some(acceptor)).await;
    let config = tls::client_config(Some(&cert), &[b"h2"]).unwrap();
    let tcp = TcpStream::connect(server.addr).await.unwrap();
    let stream = tls::connect(config, "127.0.0.1", tcp).await.unwrap();
    assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let mut h2 = connect::Http2::handshake(stream).await.unwrap();
    let (conn, io) = open(&mut h2, &format!("wss://{}{}", server.addr, "/ws"), &[])
        .await
        .unwrap();
    let seen = talk(conn, io, &messages()).await;
    assert_eq!(brief(&seen), echoed(&messages(), ""));
    assert_eq!(server.app.h2_upgrades.load(Ordering::Relaxed), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The axum example's extractor (`examples/axum_server/ws.rs`) in an axum app: tungstenite's
/// HTTP/1.1 client and this crate's HTTP/2 client both reach the handler, which sees which
/// one it was; a plain GET is refused before the handler runs.
#[tokio::test]
async fn axum_extractor_upgrades_http1_and_http2() {
    use axum::routing::any;
    use rfc6455::handshake::AcceptOptions;

    let seen_h2 = Arc::new(Mutex::new(vec![]));
    let seen = seen_h2.clone();
    let app = axum::Router::new().route(
        "/ws",
        any(move |ws: axum_ws::WebSocketUpgrade| async move {
            seen.lock().unwrap().push(ws.is_http2());
            let protocol = ws.protocols().into_iter().next();
            let options = AcceptOptions {
                protocol,
                ..AcceptOptions::default()
            };
            ws.on_upgrade(options, |mut conn, mut io| async move {
                loop {
                    while let Some((event, tx)) = conn.next_event().unwrap_or(None) {
                        match event {
                            rfc6455::Event::Text(t) => tx.send_text(t).unwrap(),
                            rfc6455::Event::Binary(b) => tx.send_binary(b).unwrap(),
                            _ => {}
                        }
                    }
                    if conn.should_close_transport() {
                        break;
                    }
                    match io.wait(&mut conn).await {
                        Ok(Io::Idle) | Err(_) => break,
                        Ok(happened) => io.apply(happened, &mut conn).unwrap(),
                    }
                }
                io.close().await;
            })
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // HTTP/2: this crate's client.
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut h2 = connect::Http2::handshake(tcp).await.unwrap();
    let (conn, io) = open(&mut h2, &format!("ws://{addr}/ws"), &["echo"])
        .await
        .unwrap();
    assert_eq!(conn.protocol(), Some("echo"));
    let seen = talk(conn, io, &messages()).await;
    assert_eq!(brief(&seen), echoed(&messages(), ""));

    // HTTP/1.1: tungstenite's client.
    let tcp = TcpStream::connect(addr).await.unwrap();
    let request = tokio_tungstenite::tungstenite::ClientRequestBuilder::new(
        format!("ws://{addr}/ws").parse().unwrap(),
    )
    .with_sub_protocol("chat");
    let (mut ws, response) = tokio_tungstenite::client_async(request, tcp).await.unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert_eq!(response.headers()["sec-websocket-protocol"], "chat");
    ws.send(Message::text("over HTTP/1.1")).await.unwrap();
    let got = tokio::time::timeout(LIMIT, ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(got, Message::text("over HTTP/1.1"));
    ws.close(None).await.unwrap();
    assert_eq!(*seen_h2.lock().unwrap(), [true, false]);

    // Not an upgrade: refused by the extractor, the handler never runs.
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn);
    let plain = Request::get(format!("http://{addr}/ws"))
        .header("host", addr.to_string())
        .body(Empty::<Bytes>::new())
        .unwrap();
    assert_eq!(
        send.send_request(plain).await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(seen_h2.lock().unwrap().len(), 2);
}

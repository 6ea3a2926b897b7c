//! Adversarial review of the `http` feature (issue #12, items 2, 4, 5 and "Bad input").
//!
//! Each `defect_*` test failed on the reviewed tree (ab0667a) and passes with its fix: each
//! shows one defect, stated in its doc comment, with the RFC or doc promise it broke. The
//! last test pins what hyper does with a CONNECT that announces a body (a doc defect).
#![cfg(feature = "hyper")]

#[path = "../examples/axum_server/ws.rs"]
mod axum_ws;
#[path = "../examples/hyper_server/service.rs"]
mod service;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Empty;
use hyper::{Method, Request};
use rfc6455::handshake::AcceptOptions;
use rfc6455::http::{error_response, parse_request};
use rfc6455::{Config, HandshakeError};
use tokio::net::{TcpListener, TcpStream};

#[path = "common/h2.rs"]
mod h2;
use h2::hyper_h2;

const LIMIT: Duration = Duration::from_secs(20);

/// An HTTP/2 extended CONNECT for `wss://example.com/chat`, plus `headers`.
fn h2(headers: &[(&str, &str)]) -> http::request::Parts {
    let mut b = http::Request::builder()
        .method("CONNECT")
        .version(http::Version::HTTP_2)
        .uri("https://example.com/chat")
        .header("sec-websocket-version", "13");
    for (n, v) in headers {
        b = b.header(*n, *v);
    }
    b.body(()).unwrap().into_parts().0
}

/// DEFECT (low): RFC 9113 §8.2.2 — "The only exception to this is the TE header field,
/// which MAY be present in an HTTP/2 request; when it is, it MUST NOT contain any value
/// other than 'trailers'"; a request with another TE is malformed. The module docs' status
/// table promises 400 for "HTTP/2 connection-specific header (RFC 9113 §8.2.2)", and
/// `http::accept`/`client_request` already reserve `TE` over HTTP/2, but `parse_request`
/// accepts `te: gzip` on an extended CONNECT (the `h2` crate refuses it on the wire, other
/// stacks that hand over `http::request::Parts` may not).
#[test]
fn defect_h2_te_other_than_trailers_is_accepted() {
    let (trailers, gzip) = (h2(&[("te", "trailers")]), h2(&[("te", "gzip")]));
    let ok = parse_request(&trailers, Some("websocket"), &Config::default()).map(|_| ());
    assert!(ok.is_ok(), "TE: trailers is allowed: {ok:?}");
    let bad = parse_request(&gzip, Some("websocket"), &Config::default());
    assert!(
        matches!(bad, Err(HandshakeError::Malformed(_))),
        "TE: gzip over HTTP/2 must be malformed (400), got {:?}",
        bad.map(|_| ())
    );
}

/// DEFECT (low): `parse_request`'s docs say "HTTP/1.0 and HTTP/3 fail with
/// [`HandshakeError::HttpVersion`]", but the method is checked first, as if the request were
/// HTTP/1.1: an HTTP/3 extended CONNECT (RFC 9220, the same shape as RFC 8441's) gets
/// `MethodNotGet`, and `error_response` then answers 405 with `Allow: GET` — telling an
/// HTTP/3 client to send a GET, which it cannot do for a WebSocket.
#[test]
fn defect_http3_extended_connect_gets_405_allow_get() {
    let mut p = h2(&[]);
    p.version = http::Version::HTTP_3;
    let e = parse_request(&p, Some("websocket"), &Config::default()).map(|_| ());
    let response = e
        .as_ref()
        .err()
        .map(|e| error_response(e, http::Version::HTTP_3));
    assert_eq!(
        e,
        Err(HandshakeError::HttpVersion),
        "answered {:?} {:?}",
        response.as_ref().map(|r| r.status()),
        response.as_ref().map(|r| r.headers().clone())
    );
}

/// The `hyper_server` example's service on a free port.
async fn hyper_server() -> (SocketAddr, Arc<service::App>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Arc::new(service::App::new(|_| {}));
    let serving = app.clone();
    tokio::spawn(async move {
        loop {
            let (stream, peer) = listener.accept().await.unwrap();
            let app = serving.clone();
            tokio::spawn(async move {
                let _ = app.serve_connection(stream, peer).await;
            });
        }
    });
    (addr, app)
}

fn extended_connect(uri: String) -> hyper::http::request::Builder {
    Request::builder()
        .method(Method::CONNECT)
        .uri(uri)
        .extension(hyper::ext::Protocol::from_static("websocket"))
        .header("sec-websocket-version", "13")
}

/// DEFECT (low, example): the hyper_server docs (main.rs, service.rs, README-hyper.md) say
/// the echo WebSocket is at `/ws` and `/` is a page; an HTTP/1.1 `GET /` with
/// `Upgrade: websocket` gets the page. But `App::handle` sends *every* CONNECT to the
/// WebSocket handshake whatever its `:path` (meant for plain CONNECT, which has none), so
/// an extended CONNECT to `/`, `/stats` or `/anything` is upgraded to the echo WebSocket.
#[tokio::test]
async fn defect_hyper_server_upgrades_extended_connect_on_any_path() {
    let (addr, app) = hyper_server().await;
    let mut send = hyper_h2(addr).await;
    for path in ["/", "/stats", "/no-such-page"] {
        let request = extended_connect(format!("http://{addr}{path}"))
            .body(Empty::new())
            .unwrap();
        let response = tokio::time::timeout(LIMIT, send.send_request(request))
            .await
            .unwrap()
            .unwrap();
        assert_ne!(
            response.status(),
            200,
            "extended CONNECT to {path} was upgraded ({} h2 upgrades so far)",
            app.h2_upgrades.load(Ordering::Relaxed)
        );
    }
    assert_eq!(app.h2_upgrades.load(Ordering::Relaxed), 0);
}

/// Reads one HTTP/2 frame: (type, flags, stream, payload).
async fn read_frame(tcp: &mut TcpStream) -> (u8, u8, u32, Vec<u8>) {
    use tokio::io::AsyncReadExt;
    let mut head = [0u8; 9];
    tcp.read_exact(&mut head).await.unwrap();
    let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
    let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
    let mut payload = vec![0; len];
    tcp.read_exact(&mut payload).await.unwrap();
    (head[3], head[4], stream, payload)
}

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut f = (payload.len() as u32).to_be_bytes()[1..].to_vec();
    f.extend_from_slice(&[kind, flags]);
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// A raw HTTP/2 client (hyper's client refuses to send a CONNECT with a body): sends
/// `fields` (HPACK literals without indexing) on stream 1, then `data` if any, and returns
/// the first answer on stream 1: `Ok(first HPACK byte of the response HEADERS)` (0x8c is
/// `:status 400`) or `Err(RST_STREAM error code)`.
async fn raw_h2(addr: SocketAddr, fields: &[(&str, &str)], data: &[u8]) -> Result<u8, u32> {
    use tokio::io::AsyncWriteExt;
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let mut out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    out.extend(frame(4, 0, 0, &[]));
    tcp.write_all(&out).await.unwrap();
    // The server's SETTINGS (with ENABLE_CONNECT_PROTOCOL): acknowledge, then send.
    loop {
        let (kind, flags, _, _) = read_frame(&mut tcp).await;
        if kind == 4 && flags & 1 == 0 {
            break;
        }
    }
    let mut block = vec![];
    for (n, v) in fields {
        block.push(0);
        block.push(n.len() as u8);
        block.extend_from_slice(n.as_bytes());
        block.push(v.len() as u8);
        block.extend_from_slice(v.as_bytes());
    }
    let mut out = frame(4, 1, 0, &[]);
    out.extend(frame(1, 4, 1, &block)); // HEADERS, END_HEADERS
    if !data.is_empty() {
        out.extend(frame(0, 0, 1, data));
    }
    tcp.write_all(&out).await.unwrap();
    loop {
        match read_frame(&mut tcp).await {
            (1, _, 1, block) => return Ok(block[0]),
            (3, _, 1, code) => {
                return Err(u32::from_be_bytes([code[0], code[1], code[2], code[3]]))
            }
            _ => {}
        }
    }
}

/// Found by review as a doc defect (the README promised 400): over hyper, an extended
/// CONNECT announcing a body (`content-length: 5`) never reaches
/// `rfc6455::http::parse_request`: hyper's HTTP/2 server resets the stream itself with
/// `RST_STREAM(INTERNAL_ERROR)` ("h2 connect request with non-zero body not supported"). The
/// README now says so; this test pins hyper's behaviour, with a control without a body.
#[tokio::test]
async fn h2_connect_with_body_is_reset_by_hyper_before_the_service() {
    let (addr, app) = hyper_server().await;
    let authority = addr.to_string();
    let base = [
        (":method", "CONNECT"),
        (":protocol", "websocket"),
        (":scheme", "http"),
        (":path", "/ws"),
        (":authority", authority.as_str()),
        ("sec-websocket-version", "13"),
    ];
    // Control: without a body, 200 (static table index 8).
    let ok = tokio::time::timeout(LIMIT, raw_h2(addr, &base, &[]))
        .await
        .unwrap();
    assert_eq!(ok, Ok(0x88), "the raw client works");
    let mut with_body = base.to_vec();
    with_body.push(("content-length", "5"));
    let answer = tokio::time::timeout(LIMIT, raw_h2(addr, &with_body, b"hello"))
        .await
        .unwrap();
    // hyper's HTTP/2 server resets such a stream itself (RST_STREAM INTERNAL_ERROR, 2) and
    // never calls the service: documented in the README ("HTTP/2 (RFC 8441)"). The crate's
    // own answer, for stacks that do hand such a request over, is 400
    // (`tests/http_handshake.rs`).
    assert_eq!(answer, Err(2), "hyper resets a CONNECT with a body");
    assert_eq!(app.h2_upgrades.load(Ordering::Relaxed), 1);
}

/// DEFECT (low, example extractor): `WebSocketUpgrade::config` documents "The connection's
/// limits and timeouts", but `from_request_parts` validates with `Config::default()` before
/// the handler can set one: an app that raises `max_headers` (or `max_handshake_size`)
/// still gets its requests refused with 431 by the extractor's default limits.
#[tokio::test]
async fn defect_axum_extractor_ignores_the_configured_limits() {
    use axum::routing::any;
    async fn handler(ws: axum_ws::WebSocketUpgrade) -> axum::response::Response {
        let mut config = Config::default();
        config.max_headers = 200;
        ws.config(config)
            .on_upgrade(AcceptOptions::default(), |_conn, _io| async {})
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, axum::Router::new().route("/ws", any(handler)))
            .await
            .unwrap()
    });
    let mut send = hyper_h2(addr).await;
    let mut request = extended_connect(format!("http://{addr}/ws"));
    for i in 0..100 {
        request = request.header(format!("x-extra-{i}"), "1");
    }
    let response = tokio::time::timeout(
        LIMIT,
        send.send_request(request.body(Empty::new()).unwrap()),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(
        response.status(),
        200,
        "the handler allows 200 headers, but the extractor refused with its defaults"
    );
}

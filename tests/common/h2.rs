//! hyper's HTTP/2 client for the RFC 8441 tests (tests/rfc8441.rs, tests/review_http.rs).

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

/// How long the server has to enable extended CONNECT.
const LIMIT: Duration = Duration::from_secs(20);

/// hyper's HTTP/2 client over h2c, once the server's SETTINGS enabled extended CONNECT.
pub async fn hyper_h2(addr: SocketAddr) -> SendRequest<Empty<Bytes>> {
    let io = TokioIo::new(TcpStream::connect(addr).await.unwrap());
    let (send, conn) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
        .handshake(io)
        .await
        .unwrap();
    tokio::time::timeout(LIMIT, async {
        while !conn.is_extended_connect_protocol_enabled() {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    })
    .await
    .expect("the server enables SETTINGS_ENABLE_CONNECT_PROTOCOL");
    tokio::spawn(conn);
    send
}

//! The client side of RFC 8441 on hyper's HTTP/2 client, apart from the `h2_client` example's
//! `main` so that the tests use it too (`#[path = "../examples/h2_client/connect.rs"]`).
//!
//! One HTTP/2 connection ([`Http2::handshake`]) carries any number of WebSockets, each an
//! extended CONNECT stream ([`Http2::websocket`]) run by the crate's [`TokioDriver`].
#![allow(dead_code)]

use std::time::Duration;

use http_body_util::Empty;
use hyper::body::Bytes;
use hyper::client::conn::http2;
use hyper::upgrade::Upgraded;
use hyper::{Method, Request, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rfc6455::driver::TokioDriver;
use rfc6455::{Config, Connection};
use tokio::io::{AsyncRead, AsyncWrite};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A WebSocket over an HTTP/2 stream: the connection (open) and its driver.
pub type WebSocket = (Connection, TokioDriver<TokioIo<Upgraded>>);

/// How long to wait for the server's SETTINGS to enable extended CONNECT.
const SETTINGS_WAIT: Duration = Duration::from_secs(5);

/// An HTTP/2 client connection whose server enabled extended CONNECT.
pub struct Http2 {
    send: http2::SendRequest<Empty<Bytes>>,
    /// `http` over h2c, `https` over TLS: the `:scheme` of the requests.
    scheme: &'static str,
    authority: String,
}

impl Http2 {
    /// HTTP/2 over `io` (h2c with prior knowledge if `scheme` is `http`, a TLS stream that
    /// negotiated `h2` if it is `https`) to `authority` (`host:port`). Waits for the server's
    /// SETTINGS: RFC 8441 §3 allows an extended CONNECT only once the server sent
    /// `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1`.
    pub async fn handshake<S>(
        io: S,
        scheme: &'static str,
        authority: &str,
    ) -> Result<Self, BoxError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (send, conn) = http2::Builder::new(TokioExecutor::new())
            .handshake(TokioIo::new(io))
            .await?;
        // hyper runs the HTTP/2 connection in a task of its own, which reads the server's
        // SETTINGS; `conn` only dispatches requests. Poll the setting until it shows.
        let deadline = tokio::time::Instant::now() + SETTINGS_WAIT;
        let mut pause = Duration::from_micros(100);
        while !conn.is_extended_connect_protocol_enabled() {
            if send.is_closed() {
                return Err("the server closed the HTTP/2 connection".into());
            }
            if tokio::time::Instant::now() >= deadline {
                return Err("the server did not enable HTTP/2 extended CONNECT \
                            (SETTINGS_ENABLE_CONNECT_PROTOCOL, RFC 8441 §3)"
                    .into());
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(20));
        }
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Self {
            send,
            scheme,
            authority: authority.to_string(),
        })
    }

    /// Opens a WebSocket to `path` on a new stream, offering `protocols`.
    pub async fn websocket(
        &mut self,
        path: &str,
        protocols: &[&str],
    ) -> Result<WebSocket, BoxError> {
        let uri = format!("{}://{}{}", self.scheme, self.authority, path);
        let request = client_request(&uri, protocols)?;
        self.send.ready().await?;
        let mut response = self.send.send_request(request).await?;
        let conn = check_response(&response)?;
        let upgraded = hyper::upgrade::on(&mut response).await?;
        Ok((conn, TokioDriver::with_stream(TokioIo::new(upgraded))))
    }

    /// Sends `request` as it is, and returns the response status (for tests of refusals).
    pub async fn send_raw(
        &mut self,
        request: Request<Empty<Bytes>>,
    ) -> Result<StatusCode, BoxError> {
        self.send.ready().await?;
        Ok(self.send.send_request(request).await?.status())
    }
}

// TEMPORARY until the `http` feature lands.
fn client_request(uri: &str, protocols: &[&str]) -> Result<Request<Empty<Bytes>>, BoxError> {
    let mut builder = Request::builder()
        .method(Method::CONNECT)
        .version(Version::HTTP_2)
        .uri(uri)
        .extension(hyper::ext::Protocol::from_static("websocket"))
        .header("sec-websocket-version", "13");
    if !protocols.is_empty() {
        builder = builder.header("sec-websocket-protocol", protocols.join(", "));
    }
    Ok(builder.body(Empty::new())?)
}

fn check_response(
    response: &hyper::Response<hyper::body::Incoming>,
) -> Result<Connection, BoxError> {
    if response.status() != StatusCode::OK {
        return Err(format!("the server refused the WebSocket: {}", response.status()).into());
    }
    Ok(Connection::open(rfc6455::Role::Client, Config::default()))
}

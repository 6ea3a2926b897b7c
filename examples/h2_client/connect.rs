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
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rfc6455::driver::TokioDriver;
use rfc6455::handshake::{ClientOptions, HttpVersion, WsUrl};
use rfc6455::http::hyper::client_request;
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
}

impl Http2 {
    /// HTTP/2 over `io`: a TCP stream (h2c with prior knowledge) or a TLS stream that
    /// negotiated `h2`. Waits for the server's SETTINGS: RFC 8441 §3 allows an extended
    /// CONNECT only once the server sent `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1`.
    pub async fn handshake<S>(io: S) -> Result<Self, BoxError>
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
        Ok(Self { send })
    }

    /// Opens a WebSocket to `url` (`ws://` on h2c, `wss://` over TLS; the host and port
    /// become `:authority`) on a new stream of this connection: the crate builds the
    /// extended CONNECT (`:protocol` `websocket`, `Sec-WebSocket-Version`, the subprotocols
    /// and the permessage-deflate offer of `options` and `config`) and checks the answer.
    pub async fn websocket(
        &mut self,
        url: &WsUrl,
        options: ClientOptions,
        config: Config,
    ) -> Result<WebSocket, BoxError> {
        let (request, handshake) = client_request(url, HttpVersion::Http2, options, config)?;
        self.send.ready().await?;
        let response = self
            .send
            .send_request(request.map(|()| Empty::new()))
            .await?;
        let (parts, body) = response.into_parts();
        let conn = handshake.finish(&parts)?;
        let upgraded = hyper::upgrade::on(hyper::Response::from_parts(parts, body)).await?;
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

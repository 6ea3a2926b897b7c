//! The service of the `hyper_server` example, apart from its `main` so that the tests serve
//! it too (`#[path = "../examples/hyper_server/service.rs"] mod service;`).
//!
//! `/` is a small page, `/stats` the upgrade counts as JSON, `/ws` an echo WebSocket: an
//! HTTP/1.1 `GET` with `Upgrade: websocket` or an HTTP/2 extended `CONNECT` with `:protocol:
//! websocket` goes through [`rfc6455::http`], which answers with the response to send (101,
//! or 200 on HTTP/2) and a connection that starts open; hyper hands over the stream once
//! the response is out, and the crate's [`TokioDriver`] runs it.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use rfc6455::driver::{Io, TokioDriver};
use rfc6455::handshake::{AcceptOptions, HttpVersion};
use rfc6455::http::hyper::parse_request;
use rfc6455::http::{accept, error_response};
use rfc6455::{Config, Connection, Event};
use tokio::io::{AsyncRead, AsyncWrite};

const PAGE: &str = include_str!("index.html");

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The server's state: where log lines go, and upgrades counted by HTTP version.
pub struct App {
    log: Box<dyn Fn(String) + Send + Sync>,
    /// Upgrades from an HTTP/1.1 `GET`.
    pub h1_upgrades: AtomicU64,
    /// Upgrades from an HTTP/2 extended `CONNECT`.
    pub h2_upgrades: AtomicU64,
    /// Messages echoed, on all connections.
    pub echoed: AtomicU64,
}

impl App {
    pub fn new(log: impl Fn(String) + Send + Sync + 'static) -> Self {
        Self {
            log: Box::new(log),
            h1_upgrades: AtomicU64::new(0),
            h2_upgrades: AtomicU64::new(0),
            echoed: AtomicU64::new(0),
        }
    }

    /// The HTTP server this example runs: HTTP/1.1 and HTTP/2 (h2c with prior knowledge, or
    /// whatever ALPN chose), with HTTP/2's extended CONNECT enabled (RFC 8441 §3). A client
    /// gets 10 s for a request head; an HTTP/2 connection is pinged after 30 s of silence.
    pub fn builder() -> auto::Builder<TokioExecutor> {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(10));
        builder
            .http2()
            .enable_connect_protocol()
            .timer(TokioTimer::new())
            .keep_alive_interval(Duration::from_secs(30));
        builder
    }

    /// Serves one client connection (plain TCP or TLS) until it ends.
    pub async fn serve_connection<S>(
        self: &Arc<Self>,
        io: S,
        peer: SocketAddr,
    ) -> Result<(), BoxError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let app = self.clone();
        let service = service_fn(move |req| {
            let app = app.clone();
            async move { Ok::<_, Infallible>(app.handle(req, peer)) }
        });
        Self::builder()
            .serve_connection_with_upgrades(TokioIo::new(io), service)
            .await
    }

    fn log(&self, line: std::fmt::Arguments<'_>) {
        (self.log)(line.to_string())
    }

    fn handle(self: &Arc<Self>, req: Request<Incoming>, peer: SocketAddr) -> Response<Full<Bytes>> {
        // A plain CONNECT (no `:protocol`) has no path: it goes to the WebSocket handshake
        // too, which refuses it with the RFC's status (501). An extended CONNECT is a
        // WebSocket only at /ws: elsewhere it is 404, like a GET upgrade of another path.
        let plain_connect = req.method() == Method::CONNECT
            && req.extensions().get::<hyper::ext::Protocol>().is_none();
        if req.uri().path() == "/ws" || plain_connect {
            return self.upgrade(req, peer);
        }
        match (req.method(), req.uri().path()) {
            (&Method::GET, "/") => text(StatusCode::OK, "text/html; charset=utf-8", PAGE.into()),
            (&Method::GET, "/stats") => {
                let stats = format!(
                    r#"{{"h1":{},"h2":{},"echoed":{}}}"#,
                    self.h1_upgrades.load(Ordering::Relaxed),
                    self.h2_upgrades.load(Ordering::Relaxed),
                    self.echoed.load(Ordering::Relaxed)
                );
                text(StatusCode::OK, "application/json", stats)
            }
            _ => text(StatusCode::NOT_FOUND, "text/plain", "not found\n".into()),
        }
    }

    /// The WebSocket handshake on hyper's request, then the echo on the upgraded stream.
    fn upgrade(
        self: &Arc<Self>,
        req: Request<Incoming>,
        peer: SocketAddr,
    ) -> Response<Full<Bytes>> {
        let (mut parts, _body) = req.into_parts();
        // The crate's rules on hyper's parsed request: HTTP/1.1 GET + Upgrade, or HTTP/2
        // CONNECT with `:protocol` (hyper's `ext::Protocol`) `websocket`.
        let accepted = parse_request(&parts, &config()).and_then(|request| {
            let options = AcceptOptions {
                protocol: request.protocols().next().map(String::from),
                ..AcceptOptions::default()
            };
            let (response, conn) = accept(&request, &options, config())?;
            Ok((response, conn, request.http_version()))
        });
        let (response, conn, version) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                self.log(format_args!(
                    "{peer}: refused {} {} ({:?}): {e}",
                    parts.method, parts.uri, parts.version
                ));
                // The RFC's status (400, 405, 426, 501, ...) and its headers.
                return error_response(&e, parts.version).map(|()| Full::from(format!("{e}\n")));
            }
        };
        let Some(on_upgrade) = parts.extensions.remove::<hyper::upgrade::OnUpgrade>() else {
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain",
                "not upgradable\n".into(),
            );
        };
        let via = match version {
            HttpVersion::Http2 => {
                self.h2_upgrades.fetch_add(1, Ordering::Relaxed);
                "HTTP/2 extended CONNECT"
            }
            _ => {
                self.h1_upgrades.fetch_add(1, Ordering::Relaxed);
                "HTTP/1.1 GET"
            }
        };
        self.log(format_args!(
            "{peer}: upgrade via {via} {} (protocol {:?}, extensions {:?})",
            parts.uri.path(),
            conn.protocol(),
            response
                .headers()
                .get("sec-websocket-extensions")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        ));
        let app = self.clone();
        tokio::spawn(async move {
            // hyper hands over the stream once the response is out.
            match on_upgrade.await {
                Ok(upgraded) => {
                    if let Err(e) = app.echo(conn, TokioIo::new(upgraded), peer).await {
                        app.log(format_args!("{peer}: I/O error: {e}"));
                    }
                }
                Err(e) => app.log(format_args!("{peer}: upgrade failed: {e}")),
            }
        });
        response.map(|()| Full::default())
    }

    /// Echoes text as text and binary as binary until the connection closes.
    async fn echo<S: AsyncRead + AsyncWrite + Unpin>(
        &self,
        mut conn: Connection,
        stream: S,
        peer: SocketAddr,
    ) -> std::io::Result<()> {
        let mut io = TokioDriver::with_stream(stream);
        loop {
            loop {
                match conn.next_event() {
                    Ok(Some((event, tx))) => match event {
                        Event::Text(text) => {
                            tx.send_text(text).unwrap_or(());
                            self.echoed.fetch_add(1, Ordering::Relaxed);
                        }
                        Event::Binary(data) => {
                            tx.send_binary(data).unwrap_or(());
                            self.echoed.fetch_add(1, Ordering::Relaxed);
                        }
                        Event::Close {
                            code,
                            reason,
                            was_clean,
                        } => self.log(format_args!(
                            "{peer}: closed {code} {reason:?} clean={was_clean}"
                        )),
                        _ => {}
                    },
                    Ok(None) => break,
                    Err(e) => {
                        self.log(format_args!("{peer}: failed: {e}"));
                        break;
                    }
                }
            }
            if conn.should_close_transport() {
                break;
            }
            match io.wait(&mut conn).await? {
                Io::Idle => break,
                happened => io.apply(happened, &mut conn)?,
            }
        }
        io.close().await;
        Ok(())
    }
}

/// The server's WebSocket configuration: the defaults, and a ping to clients idle for 30 s.
pub fn config() -> Config {
    let mut config = Config::default();
    config.idle_ping = Some(Duration::from_secs(30));
    config
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

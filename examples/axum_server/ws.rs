//! A WebSocket extractor for axum 0.8 on this crate: copy this file into an axum app, or
//! include it (`#[path = ".../ws.rs"] mod ws;`). Route it with `any(...)`, so that both an
//! HTTP/1.1 `GET` and an HTTP/2 extended `CONNECT` (RFC 8441) reach the handler:
//!
//! ```ignore
//! async fn handler(ws: ws::WebSocketUpgrade) -> axum::response::Response {
//!     let protocol = ws.protocols().first().cloned();
//!     ws.on_upgrade(AcceptOptions { protocol, ..Default::default() }, |mut conn, mut io| async move {
//!         // the crate's loop: io.wait(&mut conn), io.apply(..), conn.next_event(), io.close()
//!     })
//! }
//! let app = Router::new().route("/ws", any(handler));
//! ```
//!
//! The handshake is the crate's own (`rfc6455::http`, on axum's `http` types): a request that
//! is not a WebSocket upgrade is refused with the status the RFCs give (400, 426, …) before
//! the handler runs; the handler's answer is 101 on HTTP/1.1 and 200 on HTTP/2. The limits
//! on the request head (`Config::max_headers`, `max_handshake_size`) are the handler's:
//! those of [`WebSocketUpgrade::config`], checked when it accepts — or, to refuse before the
//! handler runs, those of a `Config` the app puts in the request's extensions
//! (`.layer(axum::Extension(config))`). Once axum
//! has sent it, hyper hands the stream over and the callback runs in a task of its own with
//! an open [`Connection`] and a [`TokioDriver`] over the upgraded stream.
#![allow(dead_code)]

use std::future::Future;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Uri, Version};
use axum::response::{IntoResponse, Response};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use rfc6455::driver::TokioDriver;
use rfc6455::handshake::AcceptOptions;
use rfc6455::http::accept;
use rfc6455::http::hyper::parse_request;
use rfc6455::{Config, Connection, HandshakeError};

/// The driver a WebSocket from this extractor runs on.
pub type Driver = TokioDriver<TokioIo<Upgraded>>;

/// A WebSocket upgrade request (HTTP/1.1 or HTTP/2), checked and ready to be accepted.
pub struct WebSocketUpgrade {
    /// What the handshake needs of the request, kept until the handler accepts.
    method: Method,
    uri: Uri,
    version: Version,
    headers: HeaderMap,
    protocol: Option<hyper::ext::Protocol>,
    on_upgrade: OnUpgrade,
    config: Config,
}

/// Why a WebSocket upgrade was refused.
#[derive(Debug)]
pub enum Rejection {
    /// Not a WebSocket upgrade, or not one that can be accepted as asked, over this HTTP
    /// version: answered with the RFCs' status and headers
    /// ([`rfc6455::http::error_response`]), the error as the body.
    Handshake(HandshakeError, Version),
    /// The server cannot hand this connection over (no `hyper::upgrade::OnUpgrade`): 500.
    NotUpgradable,
}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        match self {
            Rejection::Handshake(e, version) => {
                let body = axum::body::Body::from(format!("{e}\n"));
                rfc6455::http::error_response(&e, version).map(|()| body)
            }
            Rejection::NotUpgradable => (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "this connection cannot be upgraded\n",
            )
                .into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for WebSocketUpgrade {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Rejection> {
        // Refused here, before the handler runs, with the status the RFCs give. The head's
        // limits are the app's `Config` extension's, if it set one; else they wait for the
        // handler's `config` (checked in `on_upgrade`), so none is lifted here.
        let config = parts.extensions.get::<Config>().cloned();
        let check = config.clone().unwrap_or_else(|| {
            let mut lifted = Config::default();
            lifted.max_headers = usize::MAX;
            lifted.max_handshake_size = usize::MAX;
            lifted
        });
        parse_request(parts, &check).map_err(|e| Rejection::Handshake(e, parts.version))?;
        let on_upgrade = parts
            .extensions
            .remove::<OnUpgrade>()
            .ok_or(Rejection::NotUpgradable)?;
        Ok(Self {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            version: parts.version,
            headers: parts.headers.clone(),
            protocol: parts.extensions.get::<hyper::ext::Protocol>().cloned(),
            on_upgrade,
            config: config.unwrap_or_default(),
        })
    }
}

impl WebSocketUpgrade {
    /// The subprotocols the client offered, in its order of preference.
    pub fn protocols(&self) -> Vec<String> {
        self.headers
            .get_all("sec-websocket-protocol")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    }

    /// Whether the request came as an HTTP/2 extended CONNECT (RFC 8441).
    pub fn is_http2(&self) -> bool {
        self.version == Version::HTTP_2
    }

    /// The connection's limits and timeouts, the request head's limits among them (checked
    /// when [`on_upgrade`](Self::on_upgrade) accepts). Default: the `Config` in the request's
    /// extensions, else `Config::default()`.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Accepts with `options` (the subprotocol, extra headers): returns the response for axum
    /// to send, and runs `callback` with the open connection once hyper hands the stream over.
    pub fn on_upgrade<F, Fut>(self, options: AcceptOptions, callback: F) -> Response
    where
        F: FnOnce(Connection, Driver) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut request = axum::http::Request::new(());
        *request.method_mut() = self.method;
        *request.uri_mut() = self.uri;
        *request.version_mut() = self.version;
        *request.headers_mut() = self.headers;
        if let Some(p) = self.protocol {
            request.extensions_mut().insert(p);
        }
        let (parts, ()) = request.into_parts();
        let accepted = parse_request(&parts, &self.config)
            .and_then(|request| accept(&request, &options, self.config.clone()));
        let (response, conn) = match accepted {
            Ok(accepted) => accepted,
            // A subprotocol that was not offered, a bad extra header, a limit of `config`.
            Err(e) => return Rejection::Handshake(e, parts.version).into_response(),
        };
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            if let Ok(upgraded) = on_upgrade.await {
                callback(conn, TokioDriver::with_stream(TokioIo::new(upgraded))).await;
            }
        });
        response.map(|()| axum::body::Body::empty())
    }
}

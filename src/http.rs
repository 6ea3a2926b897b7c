//! The opening handshake on the `http` crate's types, for HTTP stacks that parse
//! HTTP themselves (hyper, axum, h2): HTTP/1.1 `GET` + `Upgrade` (RFC 6455 §4) and HTTP/2
//! extended `CONNECT` (RFC 8441), server and client, each ending in a [`Connection`] that
//! starts [`State::Open`](crate::State::Open) with the negotiated subprotocol and
//! permessage-deflate parameters. Feature `http`.
//!
//! The rules are those of the byte-level handshake in [`crate::handshake`], run by the same
//! code: Host (or `:authority`), the target, `Origin`, `Sec-WebSocket-Version: 13`, the
//! subprotocol token lists, the extension offers and answers, the permessage-deflate
//! negotiation, the typed [`HandshakeError`]s and the status each one answers.
//!
//! # API
//!
//! Server:
//! - [`parse_request`]`(&parts, protocol, &config)` → [`Request`] (the type
//!   [`Event::Request`](crate::Event::Request) carries), whose
//!   [`http_version`](Request::http_version) says how it came. `protocol` is HTTP/2's
//!   `:protocol`, which the `http` crate has no type for: hyper gives it as
//!   `hyper::ext::Protocol` in the request extensions, h2 as `h2::ext::Protocol`. With the
//!   `hyper` feature, `http::hyper::parse_request` reads it for you.
//! - [`accept`]`(&request, &options, config)` → the `http::Response<()>` to send (101 with
//!   `Sec-WebSocket-Accept` for HTTP/1.1, 200 without key or accept for HTTP/2) and the open
//!   server [`Connection`] to run over the upgraded stream (hyper: `hyper::upgrade::on`).
//! - [`error_response`]`(&error, version)` → the `http::Response<()>` for a request that
//!   failed, with the status [`HandshakeError::status_code_for`] gives.
//!
//! Client:
//! - [`client_request`]`(&url, version, options, config)` → the `http::Request<()>` to send
//!   (HTTP/1.1: `GET` with `Upgrade`, a fresh key; HTTP/2: `CONNECT` to
//!   `http(s)://authority/path`, to which the caller adds `:protocol` `websocket`, which
//!   `http::hyper::client_request` does) and a [`ClientHandshake`];
//! - [`ClientHandshake::finish`]`(&response_parts)` checks the answer and gives the open
//!   client [`Connection`].
//!
//! Over HTTP/2 the stream carries RFC 6455 frames unchanged, masking included
//! (RFC 8441 §5); the [`Connection`] is the same as over HTTP/1.1. Extended CONNECT needs
//! the server's HTTP/2 stack to send `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1` (RFC 8441 §3;
//! hyper: `http2().enable_connect_protocol()`), and a client to wait for that setting before
//! it sends one; both are the HTTP stack's part, not this module's.
//!
//! # Statuses for refused requests
//!
//! | error | HTTP/1.1 | HTTP/2 |
//! |---|---|---|
//! | malformed request, missing/invalid Host or `:authority`, bad key, a body (`Content-Length` > 0, `Transfer-Encoding`), HTTP/2 connection-specific header (RFC 9113 §8.2.2), `:protocol` other than `websocket` | 400 | 400 |
//! | `Sec-WebSocket-Version` not 13 | 426 + `Upgrade: websocket`, `Sec-WebSocket-Version: 13` (RFC 6455 §4.4) | 400 + `Sec-WebSocket-Version: 13` (a 426 needs `Upgrade`, RFC 9110 §15.5.22, which HTTP/2 forbids, RFC 9113 §8.2.2) |
//! | wrong method | 405 + `Allow: GET` | 405 + `Allow: CONNECT` |
//! | `CONNECT` without `:protocol` | — | 501 (RFC 9110 §15.6.2: plain CONNECT, RFC 9113 §8.5, is not implemented) |
//! | too many or too large headers | 431 | 431 |
//!
//! A request body that only shows later (HTTP/2 DATA on a request the server refused) is the
//! HTTP stack's to discard; one announced by `Content-Length` fails [`parse_request`] with
//! [`HandshakeError::RequestBody`]. A server that learns of a body another way answers
//! `error_response(&HandshakeError::RequestBody, version)`.
//!
//! # Server, over HTTP/2
//!
//! ```
//! use rfc6455::http::{accept, parse_request};
//! use rfc6455::handshake::{AcceptOptions, HttpVersion};
//! use rfc6455::{Config, Event};
//!
//! // What an HTTP/2 stack hands over for `new WebSocket("wss://example.com/chat", ["chat"])`.
//! let (parts, ()) = http::Request::builder()
//!     .method(http::Method::CONNECT)
//!     .version(http::Version::HTTP_2)
//!     .uri("https://example.com/chat")
//!     .header("sec-websocket-version", "13")
//!     .header("sec-websocket-protocol", "chat")
//!     .header("origin", "https://example.com")
//!     .body(())
//!     .unwrap()
//!     .into_parts();
//! let protocol = Some("websocket"); // hyper: parts.extensions.get::<hyper::ext::Protocol>()
//! let req = parse_request(&parts, protocol, &Config::default()).unwrap();
//! assert_eq!((req.http_version(), req.path(), req.host()), (HttpVersion::Http2, "/chat", "example.com"));
//! assert_eq!(req.origin(), Some("https://example.com"));
//!
//! let (response, mut conn) = accept(&req, &AcceptOptions::new().protocol("chat"), Config::default()).unwrap();
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.headers()["sec-websocket-protocol"], "chat");
//! assert!(response.headers().get("sec-websocket-accept").is_none());
//! assert_eq!(conn.protocol(), Some("chat"));
//!
//! // The stream's DATA then carries masked RFC 6455 frames: "Hello" (RFC 6455 §5.7).
//! conn.receive(&[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
//! let Some((Event::Text(text), _)) = conn.next_event().unwrap() else { panic!() };
//! assert_eq!(text, "Hello");
//! ```
//!
//! # Client, over HTTP/1.1
//!
//! ```
//! use rfc6455::http::client_request;
//! use rfc6455::handshake::{accept_key, ClientOptions, HttpVersion, WsUrl};
//! use rfc6455::{Config, State};
//!
//! let url = WsUrl::parse("ws://127.0.0.1:9001/chat").unwrap();
//! let options = ClientOptions::new().protocol("chat");
//! let (request, handshake) =
//!     client_request(&url, HttpVersion::Http11, options, Config::default()).unwrap();
//! assert_eq!(request.method(), http::Method::GET);
//! assert_eq!(request.uri(), "/chat");
//! assert_eq!(request.headers()["host"], "127.0.0.1:9001");
//! assert_eq!(request.headers()["upgrade"], "websocket");
//!
//! // The server's answer, as the HTTP stack parsed it.
//! let key = request.headers()["sec-websocket-key"].as_bytes();
//! let (parts, ()) = http::Response::builder()
//!     .status(101)
//!     .header("upgrade", "websocket")
//!     .header("connection", "Upgrade")
//!     .header("sec-websocket-accept", &accept_key(key)[..])
//!     .header("sec-websocket-protocol", "chat")
//!     .body(())
//!     .unwrap()
//!     .into_parts();
//! let mut conn = handshake.finish(&parts).unwrap();
//! assert_eq!((conn.state(), conn.protocol()), (State::Open, Some("chat")));
//! conn.send_text("hi").unwrap();
//! assert_eq!(conn.pending_output()[1], 0x82); // masked, 2 bytes
//! ```

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use ::http::header::{HeaderName, HeaderValue};
use ::http::{request, response, Method, StatusCode, Version};

use crate::config::Config;
use crate::connection::default_rng;
use crate::connection::opening::with_deflate_offer;
use crate::error::HandshakeError;
use crate::handshake::client::{check_answer, check_status};
use crate::handshake::server::{
    check_accept_options, check_method, check_protocol_offered, validate, Head, Target,
};
use crate::handshake::{accept_key, check_headers, Header, HEADER_CAP};
use crate::{BoxRng, Connection, Negotiated, Role};

pub use crate::handshake::{
    AcceptOptions, ClientOptions, HttpVersion, Request, UnexpectedResponse, WsUrl,
};

/// The `:protocol` value of a WebSocket extended CONNECT (RFC 8441 §5).
pub const PROTOCOL: &str = "websocket";

/// Header fields HTTP/2 forbids (RFC 9113 §8.2.2) beyond those every handshake reserves
/// (`Connection`, `Upgrade`, `Transfer-Encoding`): refused as extra headers over HTTP/2.
const H2_FORBIDDEN: [&str; 3] = ["Keep-Alive", "Proxy-Connection", "TE"];

/// The crate's name for an `http` version, `None` for HTTP/1.0 and older and HTTP/3.
fn version_of(v: Version) -> Option<HttpVersion> {
    match v {
        Version::HTTP_11 => Some(HttpVersion::Http11),
        Version::HTTP_2 => Some(HttpVersion::Http2),
        _ => None,
    }
}

/// The headers of a head, borrowed, with the limits of [`Config::max_headers`] and
/// [`Config::max_handshake_size`] applied as the byte parser applies them (the size counts
/// `name: value\r\n` per header plus `extra`, the request line's share).
fn borrow_headers<'a>(
    map: &'a ::http::HeaderMap,
    extra: usize,
    config: &Config,
) -> Result<Vec<Header<'a>>, HandshakeError> {
    let max_headers = config.max_headers.min(HEADER_CAP);
    if map.len() > max_headers {
        return Err(HandshakeError::TooManyHeaders(max_headers));
    }
    let mut size = extra;
    let mut headers = Vec::with_capacity(map.len());
    for (name, value) in map {
        size = size
            .saturating_add(name.as_str().len())
            .saturating_add(value.len())
            .saturating_add(4);
        headers.push(Header {
            name: name.as_str(),
            value: value.as_bytes(),
        });
    }
    if size > config.max_handshake_size {
        return Err(HandshakeError::HeadTooLarge(config.max_handshake_size));
    }
    Ok(headers)
}

/// Validates a WebSocket handshake request that an HTTP stack parsed: an HTTP/1.1 `GET` with
/// `Upgrade: websocket` (RFC 6455 §4.1), or an HTTP/2 extended `CONNECT` with `:protocol`
/// `websocket` (RFC 8441 §4–5), by the same rules as [`Request::parse`].
///
/// `protocol` is the request's `:protocol` pseudo-header, which the `http` crate has no type
/// for: pass `parts.extensions.get::<hyper::ext::Protocol>().map(|p| p.as_str())` with hyper
/// (or use `http::hyper::parse_request`, feature `hyper`), the same with
/// `h2::ext::Protocol` with h2. It is ignored over HTTP/1.1.
///
/// Over HTTP/2, the host is `:authority` (the URI's authority; a `Host` header beside it must
/// be the same, RFC 9113 §8.3.1), the scheme must be `http` or `https` (RFC 8441 §5), and
/// there is no key; `Connection`, `Upgrade`, `Keep-Alive`, `Proxy-Connection` and
/// `Transfer-Encoding` make the request malformed (RFC 9113 §8.2.2). A request with a body
/// (`Content-Length` above 0) fails with [`HandshakeError::RequestBody`]. The request's
/// [`target`](Request::target) is the URI's path and query, and its
/// [`head_len`](Request::head_len) is 0. HTTP/3 fails with [`HandshakeError::HttpVersion`];
/// so does HTTP/1.0 once its method is right (a `POST` gets
/// [`HandshakeError::MethodNotGet`] first, as from the byte parser).
///
/// Answer an error with [`error_response`].
pub fn parse_request<'a>(
    parts: &'a request::Parts,
    protocol: Option<&str>,
    config: &Config,
) -> Result<Request<'a>, HandshakeError> {
    // HTTP/3 (RFC 9220) has the extended CONNECT of HTTP/2, but not here: say so before a
    // method check that would answer as HTTP/1.1 does (405, Allow: GET).
    if parts.version == Version::HTTP_3 {
        return Err(HandshakeError::HttpVersion);
    }
    let version = version_of(parts.version);
    check_method(
        version.unwrap_or(HttpVersion::Http11),
        parts.method.as_str(),
        protocol,
    )?;
    let version = version.ok_or(HandshakeError::HttpVersion)?;
    let resource = parts.uri.path_and_query().map_or("", |p| p.as_str());
    let parsed_target = match (parts.uri.scheme_str(), parts.uri.authority()) {
        (Some(scheme), Some(authority)) => Target::Absolute {
            scheme,
            authority: authority.as_str(),
            resource,
        },
        _ => Target::Origin(resource),
    };
    let line = parts.method.as_str().len() + resource.len() + 12;
    let headers = borrow_headers(&parts.headers, line, config)?;
    validate(Head {
        version,
        target: resource,
        parsed_target,
        headers,
        head_len: 0,
    })
}

fn header_value(v: &[u8]) -> Result<HeaderValue, HandshakeError> {
    HeaderValue::from_bytes(v).map_err(|_| HandshakeError::InvalidHeader)
}

fn header_name(n: &str) -> Result<HeaderName, HandshakeError> {
    HeaderName::from_bytes(n.as_bytes()).map_err(|_| HandshakeError::InvalidHeader)
}

/// Accepts a request from [`parse_request`] (or [`Request::parse`]): the response to send,
/// and the server [`Connection`], open, to run over the upgraded stream once the response is
/// sent.
///
/// HTTP/1.1: `101 Switching Protocols` with `Upgrade: websocket`, `Connection: Upgrade` and
/// `Sec-WebSocket-Accept` (RFC 6455 §4.2.2). HTTP/2: `200` with neither key nor accept
/// (RFC 8441 §5). Both carry the chosen subprotocol and the extension answer, as
/// [`Connection::accept`] writes them: unless `options.extensions` is set,
/// permessage-deflate is negotiated as [`Config::deflate`] allows; an answer written by hand
/// that names permessage-deflate must fit an offer
/// ([`HandshakeError::InvalidExtensionResponse`]). A subprotocol that was not offered fails
/// with [`HandshakeError::ProtocolNotOffered`], an invalid or reserved header as
/// [`AcceptOptions`] says; over HTTP/2, `Keep-Alive`, `Proxy-Connection` and `TE` are
/// reserved too (RFC 9113 §8.2.2).
pub fn accept(
    request: &Request<'_>,
    options: &AcceptOptions,
    config: Config,
) -> Result<(::http::Response<()>, Connection), HandshakeError> {
    check_protocol_offered(options, request.protocols())?;
    #[cfg(feature = "deflate")]
    let (extensions, deflate) =
        crate::connection::opening::extension_answer(options, request.extensions(), &config)?;
    #[cfg(not(feature = "deflate"))]
    let extensions = options.extensions.clone();
    check_accept_options(options)?;
    if request.http_version() == HttpVersion::Http2 {
        check_headers(&options.headers, &H2_FORBIDDEN)?;
    }
    let mut response = ::http::Response::new(());
    match request.http_version() {
        HttpVersion::Http11 => {
            *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
            *response.version_mut() = Version::HTTP_11;
            let headers = response.headers_mut();
            insert_upgrade(headers);
            headers.insert(
                ::http::header::SEC_WEBSOCKET_ACCEPT,
                header_value(&accept_key(request.key().as_bytes()))?,
            );
        }
        HttpVersion::Http2 => {
            *response.version_mut() = Version::HTTP_2;
        }
    }
    let headers = response.headers_mut();
    if let Some(p) = &options.protocol {
        headers.insert(
            ::http::header::SEC_WEBSOCKET_PROTOCOL,
            header_value(p.as_bytes())?,
        );
    }
    if let Some(e) = &extensions {
        headers.insert(
            ::http::header::SEC_WEBSOCKET_EXTENSIONS,
            header_value(e.as_bytes())?,
        );
    }
    for (n, v) in &options.headers {
        headers.append(header_name(n)?, header_value(v.as_bytes())?);
    }
    let mut negotiated = Negotiated::new();
    negotiated.protocol = options.protocol.clone();
    #[cfg(feature = "deflate")]
    {
        negotiated.deflate = deflate;
    }
    let conn = Connection::open_negotiated(Role::Server, config, negotiated);
    Ok((response, conn))
}

/// The response refusing a request that failed with `error`, over the request's `version`
/// (`parts.version`): the status of
/// [`HandshakeError::status_code_for`] (400 for an error that has none), with
/// - `Allow: GET` for [`HandshakeError::MethodNotGet`], `Allow: CONNECT` for
///   [`HandshakeError::MethodNotConnect`] (405, RFC 9110 §15.5.6);
/// - for [`HandshakeError::UnsupportedVersion`], `Sec-WebSocket-Version: 13` (RFC 6455 §4.4),
///   and over HTTP/1.1 the 426's `Upgrade: websocket` and `Connection: Upgrade`
///   (RFC 9110 §15.5.22, RFC 9110 §7.6.1); over HTTP/2 the status is 400 without them.
///
/// The body is empty: map it to `error.to_string()` or anything else.
///
/// ```
/// use rfc6455::{http::error_response, HandshakeError};
/// let r = error_response(&HandshakeError::UnsupportedVersion, http::Version::HTTP_11);
/// assert_eq!(r.status(), 426);
/// assert_eq!(r.headers()["sec-websocket-version"], "13");
/// let r = error_response(&HandshakeError::ConnectWithoutProtocol, http::Version::HTTP_2);
/// assert_eq!(r.status(), 501);
/// ```
pub fn error_response(error: &HandshakeError, version: Version) -> ::http::Response<()> {
    let ours = version_of(version).unwrap_or(match version {
        Version::HTTP_3 => HttpVersion::Http2,
        _ => HttpVersion::Http11,
    });
    let status = error.status_code_for(ours).unwrap_or(400);
    let mut response = ::http::Response::new(());
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    *response.version_mut() = version;
    let headers = response.headers_mut();
    match error {
        HandshakeError::MethodNotGet => {
            headers.insert(::http::header::ALLOW, HeaderValue::from_static("GET"));
        }
        HandshakeError::MethodNotConnect => {
            headers.insert(::http::header::ALLOW, HeaderValue::from_static("CONNECT"));
        }
        HandshakeError::UnsupportedVersion => {
            if ours == HttpVersion::Http11 {
                insert_upgrade(headers);
            }
            headers.insert(
                ::http::header::SEC_WEBSOCKET_VERSION,
                HeaderValue::from_static("13"),
            );
        }
        _ => {}
    }
    response
}

/// A client handshake under way: what [`finish`](Self::finish) checks the server's answer
/// against. Made by [`client_request`].
pub struct ClientHandshake {
    version: HttpVersion,
    accept: [u8; 28],
    options: ClientOptions,
    config: Config,
    rng: BoxRng,
}

impl core::fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientHandshake")
            .field("version", &self.version)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Builds a client's handshake request for `url` over `version`, and the [`ClientHandshake`]
/// that checks the answer.
///
/// - HTTP/1.1: `GET` with the URL's path and query as target, `Host`, `Upgrade: websocket`,
///   `Connection: Upgrade`, a fresh `Sec-WebSocket-Key` (from the operating system's
///   randomness) and `Sec-WebSocket-Version: 13` (RFC 6455 §4.1).
/// - HTTP/2: `CONNECT` to `https://authority/path` for `wss://` and `http://…` for `ws://`
///   (RFC 8441 §5: the scheme, authority and path become `:scheme`, `:authority` and
///   `:path`), with `Sec-WebSocket-Version: 13` and no key. **The caller adds the
///   `:protocol` pseudo-header** [`PROTOCOL`] in the HTTP/2 stack's own type (hyper:
///   `request.extensions_mut().insert(hyper::ext::Protocol::from_static("websocket"))`, which
///   `http::hyper::client_request`, feature `hyper`, does).
///
/// Both carry `Origin`, the subprotocols and the extension offers of `options` (plus the
/// permessage-deflate offer of [`Config::deflate`] unless `options` offers it), and its extra
/// headers, checked as [`ClientOptions::write_request`] checks them (over HTTP/2,
/// `Keep-Alive`, `Proxy-Connection` and `TE` are reserved too, RFC 9113 §8.2.2).
pub fn client_request(
    url: &WsUrl,
    version: HttpVersion,
    options: ClientOptions,
    config: Config,
) -> Result<(::http::Request<()>, ClientHandshake), HandshakeError> {
    client_request_with_rng(url, version, options, config, default_rng())
}

/// Like [`client_request`], with the key and the connection's masks drawn from `rng`.
pub fn client_request_with_rng(
    url: &WsUrl,
    version: HttpVersion,
    options: ClientOptions,
    config: Config,
    mut rng: BoxRng,
) -> Result<(::http::Request<()>, ClientHandshake), HandshakeError> {
    let options = with_deflate_offer(options, &config);
    options.check()?;
    if version == HttpVersion::Http2 {
        check_headers(&options.headers, &H2_FORBIDDEN)?;
    }
    let mut request = ::http::Request::new(());
    let mut accept = [0u8; 28];
    let headers = request.headers_mut();
    match version {
        HttpVersion::Http11 => {
            let key;
            (key, accept) = crate::handshake::new_client_key(|b| rng.fill_bytes(b));
            headers.insert(
                ::http::header::HOST,
                header_value(url.host_header().as_bytes())?,
            );
            insert_upgrade(headers);
            headers.insert(
                ::http::header::SEC_WEBSOCKET_KEY,
                header_value(key.as_bytes())?,
            );
            *request.method_mut() = Method::GET;
            *request.version_mut() = Version::HTTP_11;
            *request.uri_mut() = url
                .resource()
                .parse()
                .map_err(|_| HandshakeError::InvalidUrl("resource is not a valid URI"))?;
        }
        HttpVersion::Http2 => {
            *request.method_mut() = Method::CONNECT;
            *request.version_mut() = Version::HTTP_2;
            let scheme = if url.is_secure() { "https" } else { "http" };
            *request.uri_mut() = format!("{scheme}://{}{}", url.host_header(), url.resource())
                .parse()
                .map_err(|_| HandshakeError::InvalidUrl("not a valid URI"))?;
        }
    }
    let headers = request.headers_mut();
    headers.insert(
        ::http::header::SEC_WEBSOCKET_VERSION,
        HeaderValue::from_static("13"),
    );
    if let Some(o) = &options.origin {
        headers.insert(::http::header::ORIGIN, header_value(o.as_bytes())?);
    }
    if !options.protocols.is_empty() {
        headers.insert(
            ::http::header::SEC_WEBSOCKET_PROTOCOL,
            header_value(options.protocols.join(", ").as_bytes())?,
        );
    }
    if !options.extensions.is_empty() {
        headers.insert(
            ::http::header::SEC_WEBSOCKET_EXTENSIONS,
            header_value(options.extensions.join(", ").as_bytes())?,
        );
    }
    for (n, v) in &options.headers {
        headers.append(header_name(n)?, header_value(v.as_bytes())?);
    }
    Ok((
        request,
        ClientHandshake {
            version,
            accept,
            options,
            config,
            rng,
        },
    ))
}

impl ClientHandshake {
    /// The HTTP version the request was made for.
    pub fn http_version(&self) -> HttpVersion {
        self.version
    }

    /// The options the request was made with, the automatic permessage-deflate offer
    /// included.
    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Checks the server's answer, as the HTTP stack parsed it, by the rules of
    /// [`parse_response`](crate::handshake::parse_response), and gives the open client
    /// [`Connection`] to run over the upgraded stream (hyper: `hyper::upgrade::on`).
    ///
    /// - The answer's version must be the request's ([`HandshakeError::HttpVersion`]).
    /// - HTTP/1.1: `101` with exactly one `Upgrade: websocket`, `Connection: upgrade`, and the
    ///   right `Sec-WebSocket-Accept` (RFC 6455 §4.1). HTTP/2: any `2xx` (RFC 8441 §5,
    ///   RFC 9113 §8.5), no key or accept looked at; a `101` is malformed (RFC 9113 §8.6).
    ///   Another status fails with [`HandshakeError::UnexpectedStatus`], carrying status,
    ///   reason and headers.
    /// - The subprotocol must be one offered, the extensions ones offered, and a
    ///   permessage-deflate answer must fit an offer (RFC 7692 §7.1,
    ///   [`check_response`](crate::extensions::deflate::check_response)).
    pub fn finish(self, response: &response::Parts) -> Result<Connection, HandshakeError> {
        if version_of(response.version) != Some(self.version) {
            return Err(HandshakeError::HttpVersion);
        }
        let status = response.status;
        check_status(
            self.version,
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            || {
                response
                    .headers
                    .iter()
                    .map(|(n, v)| (n.as_str().to_string(), v.as_bytes().to_vec()))
            },
        )?;
        let headers = borrow_headers(&response.headers, 0, &self.config)?;
        let (protocol, extensions) =
            check_answer(&headers, self.version, &self.accept, &self.options)?;
        let mut negotiated = Negotiated::new();
        negotiated.protocol = protocol.map(String::from);
        #[cfg(feature = "deflate")]
        {
            negotiated.deflate = crate::connection::opening::client_deflate(
                &extensions,
                &self.options.extensions,
                &self.config,
            )?;
        }
        #[cfg(not(feature = "deflate"))]
        let _ = extensions;
        Ok(Connection::open_negotiated_with_rng(
            Role::Client,
            self.config,
            negotiated,
            self.rng,
        ))
    }
}

/// The `http` handshakes with HTTP/2's `:protocol` read from and written to
/// `hyper::ext::Protocol`, as hyper's HTTP/2 server and client carry it in the request
/// extensions. Feature `hyper`.
///
/// ```
/// use rfc6455::handshake::{ClientOptions, HttpVersion, WsUrl};
/// use rfc6455::{http::hyper, Config};
/// let url = WsUrl::parse("wss://example.com/chat").unwrap();
/// let (request, _handshake) =
///     hyper::client_request(&url, HttpVersion::Http2, ClientOptions::new(), Config::default())
///         .unwrap();
/// assert_eq!(request.method(), http::Method::CONNECT);
/// assert_eq!(request.uri(), "https://example.com/chat");
/// let (parts, ()) = request.into_parts();
/// assert_eq!(hyper::protocol(&parts), Some("websocket"));
/// let req = hyper::parse_request(&parts, &Config::default()).unwrap();
/// assert_eq!((req.http_version(), req.path()), (HttpVersion::Http2, "/chat"));
/// ```
#[cfg(feature = "hyper")]
pub mod hyper {
    use super::{ClientHandshake, ClientOptions, HttpVersion, Request, WsUrl};
    use crate::{Config, HandshakeError};

    /// The request's `:protocol`, from the `hyper::ext::Protocol` in its extensions.
    pub fn protocol(parts: &::http::request::Parts) -> Option<&str> {
        parts
            .extensions
            .get::<::hyper::ext::Protocol>()
            .map(::hyper::ext::Protocol::as_str)
    }

    /// [`parse_request`](super::parse_request) with the `:protocol` hyper delivered.
    pub fn parse_request<'a>(
        parts: &'a ::http::request::Parts,
        config: &Config,
    ) -> Result<Request<'a>, HandshakeError> {
        super::parse_request(parts, protocol(parts), config)
    }

    /// [`client_request`](super::client_request), with `:protocol` `websocket` added as
    /// `hyper::ext::Protocol` over HTTP/2.
    pub fn client_request(
        url: &WsUrl,
        version: HttpVersion,
        options: ClientOptions,
        config: Config,
    ) -> Result<(::http::Request<()>, ClientHandshake), HandshakeError> {
        let (mut request, handshake) = super::client_request(url, version, options, config)?;
        if version == HttpVersion::Http2 {
            request
                .extensions_mut()
                .insert(::hyper::ext::Protocol::from_static(super::PROTOCOL));
        }
        Ok((request, handshake))
    }
}

/// `Upgrade: websocket` and `Connection: Upgrade`, as an HTTP/1.1 upgrade request, its 101
/// and a 426 carry them (RFC 6455 §4.1, §4.2.2; RFC 9110 §15.5.22).
fn insert_upgrade(headers: &mut ::http::HeaderMap) {
    headers.insert(
        ::http::header::UPGRADE,
        HeaderValue::from_static("websocket"),
    );
    headers.insert(
        ::http::header::CONNECTION,
        HeaderValue::from_static("Upgrade"),
    );
}

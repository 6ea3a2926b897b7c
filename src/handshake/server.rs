//! Server side: parse the client's upgrade request, write the 101 or an error response.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::mem::MaybeUninit;

use super::{
    accept_key, check_headers, convert_headers, extension_list_len, find_header, has_token,
    head_end, header_list, is_host_port, is_token, is_token_list, is_valid_key, is_visible_ascii,
    write_header, write_headers, Header, HttpVersion, HEADER_CAP,
};
use crate::config::Config;
use crate::error::HandshakeError;
use crate::extensions::{parse_extensions, ExtensionOffer};
use crate::Status;

/// A validated WebSocket upgrade request, borrowed from the received bytes (or, with the
/// `http` feature, from the `http::request::Parts` it came in).
#[derive(Clone, Debug)]
pub struct Request<'a> {
    version: HttpVersion,
    target: &'a str,
    /// Path and query: the whole target in origin form, what follows the authority in
    /// absolute form (may be empty, or start with `?`).
    resource: &'a str,
    headers: Vec<Header<'a>>,
    /// Empty over HTTP/2, which has no key (RFC 8441 §5).
    key: &'a str,
    host: &'a str,
    origin: Option<&'a str>,
    extensions: Vec<ExtensionOffer<'a>>,
    head_len: usize,
}

/// The request target as the HTTP layer delivered it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Target<'a> {
    /// Origin form (RFC 7230 §5.3.1): path and query; anything else is refused.
    Origin(&'a str),
    /// Absolute form (RFC 7230 §5.3.2), or HTTP/2's `:scheme`, `:authority` and `:path`.
    Absolute {
        scheme: &'a str,
        authority: &'a str,
        resource: &'a str,
    },
}

/// A request head as either HTTP layer delivered it, before the WebSocket rules ran.
pub(crate) struct Head<'a> {
    pub(crate) version: HttpVersion,
    /// What [`Request::target`] reports.
    pub(crate) target: &'a str,
    pub(crate) parsed_target: Target<'a>,
    pub(crate) headers: Vec<Header<'a>>,
    pub(crate) head_len: usize,
}

/// The method rule, the same whichever layer parsed the request: `GET` over HTTP/1.1
/// (RFC 6455 §4.1); over HTTP/2 `CONNECT` with `:protocol` `websocket` (RFC 8441 §4, §5).
pub(crate) fn check_method(
    version: HttpVersion,
    method: &str,
    protocol: Option<&str>,
) -> Result<(), HandshakeError> {
    match version {
        HttpVersion::Http11 if method == "GET" => Ok(()),
        HttpVersion::Http11 => Err(HandshakeError::MethodNotGet),
        HttpVersion::Http2 if method != "CONNECT" => Err(HandshakeError::MethodNotConnect),
        HttpVersion::Http2 => match protocol {
            None => Err(HandshakeError::ConnectWithoutProtocol),
            Some(p) if p.eq_ignore_ascii_case("websocket") => Ok(()),
            Some(_) => Err(HandshakeError::ConnectProtocolNotWebsocket),
        },
    }
}

/// The WebSocket rules for a request head, shared by the byte parser and the `http` path:
/// Host or `:authority`, the target, `Origin`, `Upgrade` and `Connection` (HTTP/1.1),
/// `Sec-WebSocket-Version` 13, `Sec-WebSocket-Key` (HTTP/1.1), the subprotocol token lists,
/// the extension offers, and no body. The method was checked by [`check_method`].
pub(crate) fn validate(head: Head<'_>) -> Result<Request<'_>, HandshakeError> {
    let Head {
        version,
        target,
        parsed_target,
        headers,
        head_len,
    } = head;
    let h2 = version == HttpVersion::Http2;
    // RFC 8441 §4: an extended CONNECT has :scheme and :path, and (RFC 9113 §8.5) :authority.
    if h2 && matches!(parsed_target, Target::Origin(_)) {
        return Err(HandshakeError::Malformed(
            "extended CONNECT without :scheme or :authority",
        ));
    }
    // One pass over the headers, telling names apart by length first.
    let (mut host, mut hosts, mut origin, mut origins) = (None, 0, None, 0);
    let (mut upgrade, mut connection) = (false, false);
    let (mut version_value, mut versions, mut key, mut keys) = (None, 0, None, 0);
    let mut ext_headers = 0;
    for h in &headers {
        let name = h.name.as_bytes();
        let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
        match name.len() {
            4 if is("host") => {
                host = Some(h.value);
                hosts += 1;
            }
            6 if is("origin") => {
                origin = Some(h.value);
                origins += 1;
            }
            // RFC 9113 §8.2.2: TE may only say "trailers" in an HTTP/2 request.
            2 if h2 && is("te") && !h.value.eq_ignore_ascii_case(b"trailers") => {
                return Err(HandshakeError::Malformed(
                    "TE other than trailers in an HTTP/2 request",
                ));
            }
            // RFC 9113 §8.2.2: connection-specific fields make an HTTP/2 request malformed.
            7 | 10 | 16 | 17 if h2 && is_connection_specific(h.name) => {
                return Err(HandshakeError::Malformed(
                    "connection-specific header in an HTTP/2 request",
                ));
            }
            7 if is("upgrade") => upgrade |= has_token(h.value, "websocket"),
            10 if is("connection") => connection |= has_token(h.value, "upgrade"),
            14 if is("content-length") => {
                // RFC 7230 §3.3.2: 1*DIGIT; an upgrade request carries no body.
                if h.value.is_empty() || !h.value.iter().all(u8::is_ascii_digit) {
                    return Err(HandshakeError::InvalidHeaderValue("Content-Length"));
                }
                if h.value.iter().any(|&b| b != b'0') {
                    return Err(HandshakeError::RequestBody);
                }
            }
            17 if is("sec-websocket-key") => {
                key = Some(h.value);
                keys += 1;
            }
            17 if is("transfer-encoding") => return Err(HandshakeError::RequestBody),
            21 if is("sec-websocket-version") => {
                version_value = Some(h.value);
                versions += 1;
            }
            // RFC 6455 §4.1: 1#token.
            22 if is("sec-websocket-protocol") && !is_token_list(h.value) => {
                return Err(HandshakeError::InvalidHeaderValue("Sec-WebSocket-Protocol"));
            }
            24 if is("sec-websocket-extensions") => ext_headers += 1,
            _ => {}
        }
    }
    // RFC 7230 §5.4: exactly one Host, a valid `host[:port]`. Over HTTP/2 `:authority`
    // takes its place; a Host beside it must name the same (RFC 9113 §8.3.1).
    let host_header = match (host, hosts) {
        (None, _) => None,
        (Some(b""), 1) => return Err(HandshakeError::MissingHost),
        (Some(h), 1) if is_host_port(h) => Some(h),
        (Some(_), 1) => return Err(HandshakeError::InvalidHost),
        _ => return Err(HandshakeError::DuplicateHeader("Host")),
    };
    let host = match (version, parsed_target, host_header) {
        (HttpVersion::Http2, Target::Absolute { authority, .. }, _) if !authority.is_empty() => {
            if !is_host_port(authority.as_bytes()) {
                return Err(HandshakeError::InvalidHost);
            }
            authority.as_bytes()
        }
        (_, _, Some(h)) => h,
        (_, _, None) => return Err(HandshakeError::MissingHost),
    };
    // Host is ASCII once checked.
    let host = core::str::from_utf8(host).map_err(|_| HandshakeError::InvalidHost)?;
    let resource = resolve_target(version, parsed_target, host)?;
    if let (HttpVersion::Http2, Some(h)) = (version, host_header) {
        if !h.eq_ignore_ascii_case(host.as_bytes()) {
            return Err(HandshakeError::InvalidTarget("authority differs from Host"));
        }
    }
    // An Origin accessor must not mistake a garbled header for an absent one.
    let origin = match (origin, origins) {
        (None, _) => None,
        (Some(o), 1) if is_visible_ascii(o) => Some(
            core::str::from_utf8(o).map_err(|_| HandshakeError::InvalidHeaderValue("Origin"))?,
        ),
        (Some(_), 1) => return Err(HandshakeError::InvalidHeaderValue("Origin")),
        _ => return Err(HandshakeError::DuplicateHeader("Origin")),
    };
    if !h2 && !upgrade {
        return Err(HandshakeError::NoUpgradeWebsocket);
    }
    if !h2 && !connection {
        return Err(HandshakeError::NoConnectionUpgrade);
    }
    if versions > 1 {
        return Err(HandshakeError::DuplicateHeader("Sec-WebSocket-Version"));
    }
    // RFC 8441 §5 keeps Sec-WebSocket-Version over HTTP/2.
    if version_value != Some(b"13".as_slice()) {
        return Err(HandshakeError::UnsupportedVersion);
    }
    // RFC 8441 §5: no key over HTTP/2 (one sent anyway is not processed).
    let key = if h2 {
        ""
    } else {
        let key = match key {
            Some(k) if keys == 1 && is_valid_key(k) => k,
            _ => return Err(HandshakeError::InvalidKey),
        };
        // Base64 is ASCII, so this cannot fail once decoding succeeded.
        core::str::from_utf8(key).map_err(|_| HandshakeError::InvalidKey)?
    };
    let mut extensions = Vec::new();
    for h in headers
        .iter()
        .filter(|h| ext_headers > 0 && h.name.eq_ignore_ascii_case("sec-websocket-extensions"))
    {
        let v = core::str::from_utf8(h.value).map_err(|_| HandshakeError::MalformedExtensions)?;
        parse_extensions(v, &mut extensions)?;
    }
    Ok(Request {
        version,
        target,
        resource,
        headers,
        key,
        host,
        origin,
        extensions,
        head_len,
    })
}

/// RFC 9113 §8.2.2: header fields that HTTP/2 forbids (`TE` aside, which may say
/// `trailers`).
fn is_connection_specific(name: &str) -> bool {
    [
        "connection",
        "upgrade",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
    ]
    .iter()
    .any(|n| name.eq_ignore_ascii_case(n))
}

impl<'a> Request<'a> {
    /// Parses and validates an upgrade request from the start of `buf`.
    ///
    /// Returns [`Status::Partial`] while the head is incomplete (and within
    /// [`Config::max_handshake_size`]); on success, the request and the head's length: bytes
    /// after it are the client's first frames.
    ///
    /// ```
    /// use rfc6455::{handshake::Request, Config, Status};
    /// let raw = b"GET /chat?room=1 HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\n\
    ///             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    ///             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n";
    /// let Status::Complete(req) = Request::parse(raw, &Config::default()).unwrap() else { panic!() };
    /// assert_eq!((req.path(), req.query(), req.host()), ("/chat", Some("room=1"), "127.0.0.1:9001"));
    /// assert_eq!(req.protocols().collect::<Vec<_>>(), ["chat", "superchat"]);
    /// assert_eq!(req.head_len(), raw.len());
    /// assert!(matches!(Request::parse(&raw[..40], &Config::default()), Ok(Status::Partial)));
    /// ```
    pub fn parse(buf: &'a [u8], config: &Config) -> Result<Status<Self>, HandshakeError> {
        let max_headers = config.max_headers.min(HEADER_CAP);
        // Uninitialized header slots: httparse fills only what it parses (no 8 KiB memset).
        let mut storage = [const { MaybeUninit::<httparse::Header<'a>>::uninit() }; HEADER_CAP];
        let mut req = httparse::Request::new(&mut []);
        let parsed = req.parse_with_uninit_headers(buf, &mut storage[..max_headers]);
        let Some(head_len) = head_end(parsed, buf.len(), config, max_headers)? else {
            return Ok(Status::Partial);
        };
        if head_len > config.max_handshake_size {
            return Err(HandshakeError::HeadTooLarge(config.max_handshake_size));
        }
        check_method(HttpVersion::Http11, req.method.unwrap_or(""), None)?;
        if req.version != Some(1) {
            return Err(HandshakeError::HttpVersion);
        }
        let target = req.path.unwrap_or("");
        validate(Head {
            version: HttpVersion::Http11,
            target,
            parsed_target: parse_target(target)?,
            headers: convert_headers(req.headers),
            head_len,
        })
        .map(Status::Complete)
    }

    /// How the request came: HTTP/1.1 `GET` with `Upgrade` (answered with 101) or HTTP/2
    /// extended `CONNECT` (answered with 200). Only the `http` feature makes HTTP/2 ones.
    pub fn http_version(&self) -> HttpVersion {
        self.version
    }

    /// The request target as sent: `/chat?room=1` (origin form), or
    /// `ws://example.com/chat?room=1` (absolute form, RFC 7230 §5.3.2).
    pub fn target(&self) -> &'a str {
        self.target
    }

    /// The path part of the target, e.g. `/chat`, whichever form the target had; `/` for an
    /// absolute-form target without a path.
    ///
    /// ```
    /// use rfc6455::{handshake::Request, Config, Status};
    /// let raw = b"GET wss://example.com:8443/chat?x=1 HTTP/1.1\r\nHost: example.com:8443\r\n\
    ///             Upgrade: websocket\r\nConnection: Upgrade\r\n\
    ///             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    /// let Status::Complete(req) = Request::parse(raw, &Config::default()).unwrap() else { panic!() };
    /// assert_eq!((req.path(), req.query()), ("/chat", Some("x=1")));
    /// assert_eq!(req.target(), "wss://example.com:8443/chat?x=1");
    /// ```
    pub fn path(&self) -> &'a str {
        match self
            .resource
            .split_once('?')
            .map_or(self.resource, |(p, _)| p)
        {
            "" => "/",
            p => p,
        }
    }

    /// The query part of the target without the `?`, if any.
    pub fn query(&self) -> Option<&'a str> {
        self.resource.split_once('?').map(|(_, q)| q)
    }

    /// The `Host` header: exactly one was sent, a valid `host[:port]` (RFC 7230 §5.4).
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The `Origin` header, sent by browsers: check it against an allow-list before accepting.
    ///
    /// `None` means that the request had no `Origin` header: an empty, repeated or non-visible-
    /// ASCII `Origin` fails the parse with a 400 instead, so that an access check cannot take a
    /// garbled header for a missing one.
    pub fn origin(&self) -> Option<&'a str> {
        self.origin
    }

    /// The `Sec-WebSocket-Key` header; empty for an HTTP/2 request, which has none
    /// (RFC 8441 §5).
    pub fn key(&self) -> &'a str {
        self.key
    }

    /// The subprotocols offered, in the client's order of preference. Every
    /// `Sec-WebSocket-Protocol` header was checked to be a list of tokens (else 400).
    pub fn protocols(&self) -> impl Iterator<Item = &'a str> + '_ {
        header_list(&self.headers, "sec-websocket-protocol")
    }

    /// The extensions offered, parsed into name and parameters, in order.
    pub fn extensions(&self) -> &[ExtensionOffer<'a>] {
        &self.extensions
    }

    /// Every header line, in order.
    pub fn headers(&self) -> &[Header<'a>] {
        &self.headers
    }

    /// The raw value of the first header called `name` (ASCII case-insensitive), unchecked:
    /// it may be any bytes HTTP allows (obs-text too). For a header that must appear once,
    /// look at [`headers`](Self::headers) to refuse a repeated one.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        find_header(&self.headers, name)
    }

    /// The length of the request head in bytes.
    pub fn head_len(&self) -> usize {
        self.head_len
    }

    /// Appends the `101 Switching Protocols` response accepting this request to `out`.
    ///
    /// Fails if `options` chooses a subprotocol the client did not offer, or carries an invalid
    /// or reserved header or extension value (see [`AcceptOptions`]), or if the request came
    /// over HTTP/2 ([`HandshakeError::HttpVersion`]: answer those with
    /// `rfc6455::http::accept`); nothing is written then.
    pub fn write_accept(
        &self,
        options: &AcceptOptions,
        out: &mut Vec<u8>,
    ) -> Result<(), HandshakeError> {
        if self.version != HttpVersion::Http11 {
            return Err(HandshakeError::HttpVersion);
        }
        check_protocol_offered(options, self.protocols())?;
        write_accept_response(self.key.as_bytes(), options, out)
    }

    /// The subprotocol options as one comma-separated string (empty if none).
    pub(crate) fn protocol_list(&self) -> String {
        let mut protocols = String::new();
        for (i, p) in self.protocols().enumerate() {
            if i > 0 {
                protocols.push(',');
            }
            protocols.push_str(p);
        }
        protocols
    }
}

/// Checks that `accept` chooses an offered subprotocol, if any (RFC 6455 §4.2.2).
pub(crate) fn check_protocol_offered<'o>(
    options: &AcceptOptions,
    mut offered: impl Iterator<Item = &'o str>,
) -> Result<(), HandshakeError> {
    match &options.protocol {
        Some(p) if !offered.any(|o| !o.is_empty() && o == p) => {
            Err(HandshakeError::ProtocolNotOffered)
        }
        _ => Ok(()),
    }
}

/// Splits a raw request target (RFC 7230 §5.3): origin form `/path?query`, or absolute form
/// `scheme://authority/path?query`. Authority form, asterisk form, fragments and bytes
/// outside visible ASCII are refused by [`resolve_target`].
fn parse_target(target: &str) -> Result<Target<'_>, HandshakeError> {
    if target.as_bytes().first() == Some(&b'/') {
        return Ok(Target::Origin(target));
    }
    let Some((scheme, rest)) = target.split_once("://") else {
        return Err(HandshakeError::InvalidTarget(
            "neither origin form nor absolute form",
        ));
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, resource) = rest.split_at(end);
    Ok(Target::Absolute {
        scheme,
        authority,
        resource,
    })
}

/// A target is visible ASCII without `#`.
pub(crate) fn check_target_bytes(target: &str) -> Result<(), HandshakeError> {
    // Branch-free over the bytes, so that it vectorizes.
    let bad = target.as_bytes().iter().fold(0u8, |bad, &b| {
        bad | u8::from(!b.is_ascii_graphic() | (b == b'#'))
    });
    if bad != 0 {
        return Err(HandshakeError::InvalidTarget(
            "fragment or byte outside visible ASCII",
        ));
    }
    Ok(())
}

/// The resource (path and query) of a target, checked against `host`: an origin-form target
/// starts with `/`; an absolute one has a `ws`, `wss`, `http` or `https` scheme
/// (case-insensitive; over HTTP/2 only `http` or `https`, RFC 8441 §5) and an authority equal
/// to `host`; over HTTP/2 the path is not empty (RFC 9113 §8.3.1).
fn resolve_target<'a>(
    version: HttpVersion,
    target: Target<'a>,
    host: &str,
) -> Result<&'a str, HandshakeError> {
    let (scheme, authority, resource) = match target {
        Target::Origin(t) => {
            check_target_bytes(t)?;
            if !t.starts_with('/') {
                return Err(HandshakeError::InvalidTarget(
                    "neither origin form nor absolute form",
                ));
            }
            return Ok(t);
        }
        Target::Absolute {
            scheme,
            authority,
            resource,
        } => (scheme, authority, resource),
    };
    check_target_bytes(scheme)?;
    check_target_bytes(authority)?;
    check_target_bytes(resource)?;
    let schemes: &[&str] = match version {
        HttpVersion::Http11 => &["ws", "wss", "http", "https"],
        HttpVersion::Http2 => &["http", "https"],
    };
    if !schemes.iter().any(|s| scheme.eq_ignore_ascii_case(s)) {
        return Err(HandshakeError::InvalidTarget(match version {
            HttpVersion::Http11 => "scheme is not ws, wss, http or https",
            HttpVersion::Http2 => "scheme is not http or https",
        }));
    }
    if version == HttpVersion::Http2 && !resource.starts_with('/') {
        return Err(HandshakeError::InvalidTarget("empty :path"));
    }
    if !authority.eq_ignore_ascii_case(host) {
        return Err(HandshakeError::InvalidTarget("authority differs from Host"));
    }
    Ok(resource)
}

/// Appends the 101 response for a request with Sec-WebSocket-Key `key`; the caller has
/// checked that the chosen subprotocol was offered. Nothing is written on error.
pub(crate) fn write_accept_response(
    key: &[u8],
    options: &AcceptOptions,
    out: &mut Vec<u8>,
) -> Result<(), HandshakeError> {
    check_accept_options(options)?;
    // The usual response fits; reserving once avoids regrowing the buffer header by header.
    out.reserve(160 + options.protocol.as_ref().map_or(0, |p| p.len() + 26));
    out.extend_from_slice(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ",
    );
    out.extend_from_slice(&accept_key(key));
    out.extend_from_slice(b"\r\n");
    if let Some(p) = &options.protocol {
        write_header(out, "Sec-WebSocket-Protocol", p.as_bytes());
    }
    if let Some(e) = &options.extensions {
        write_header(out, "Sec-WebSocket-Extensions", e.as_bytes());
    }
    write_headers(out, &options.headers);
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// The values of `options` that go into any accepting response, HTTP/1.1 or HTTP/2: a token
/// subprotocol, an extension answer of one or more elements, valid and unreserved headers.
pub(crate) fn check_accept_options(options: &AcceptOptions) -> Result<(), HandshakeError> {
    if let Some(p) = &options.protocol {
        if !is_token(p.as_bytes()) {
            return Err(HandshakeError::InvalidProtocolName);
        }
    }
    if let Some(e) = &options.extensions {
        if extension_list_len(e.as_bytes()) == 0 {
            return Err(HandshakeError::InvalidHeader);
        }
    }
    check_headers(&options.headers, &[])
}

/// How to accept a request: the chosen subprotocol and extra response headers.
///
/// ```
/// use rfc6455::handshake::AcceptOptions;
/// let opts = AcceptOptions::new().protocol("chat").header("X-Served-By", "rfc6455");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AcceptOptions {
    /// The chosen subprotocol; it must be one the client offered (and so a token).
    pub protocol: Option<String>,
    /// The `Sec-WebSocket-Extensions` response value, for negotiated extensions: one or more
    /// elements `name; param=value` separated by commas (checked when written).
    pub extensions: Option<String>,
    /// Extra headers for the 101 response: token names, field values without control
    /// characters or surrounding whitespace, none of the headers the 101 carries anyway
    /// (`Upgrade`, `Connection`, `Sec-WebSocket-*`), no `Host`, `Content-Length` or
    /// `Transfer-Encoding` (checked when written).
    pub headers: Vec<(String, String)>,
}

impl AcceptOptions {
    /// Accept with no subprotocol and no extra headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Choose a subprotocol (one the client offered).
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocol = Some(protocol.into());
        self
    }

    /// Add a response header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The RFC 7231 (and RFC 6585, RFC 7538) reason phrase for the statuses that can refuse
/// an upgrade.
fn reason_phrase(status: u16) -> &'static str {
    match status {
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        511 => "Network Authentication Required",
        _ if status < 400 => "Redirection",
        _ if status < 500 => "Client Error",
        _ => "Server Error",
    }
}

/// Appends a response refusing the upgrade: `status` with `body`, the extra `headers`, and
/// `Connection: close`.
///
/// The crate writes the status line, `Content-Length` (always `body.len()`),
/// `Connection: close`, `Content-Type: text/plain; charset=utf-8` unless `headers` has a
/// `Content-Type`, `Allow: GET` for 405, and for 426 `Upgrade: websocket` with
/// `Sec-WebSocket-Version: 13` (RFC 6455 §4.4). Fails, writing nothing, when:
/// - `status` cannot refuse an upgrade: only 300–303, 307, 308 and 400–599 can
///   ([`HandshakeError::InvalidRejectStatus`]);
/// - the status needs a header that `headers` lacks: `WWW-Authenticate` for 401,
///   `Proxy-Authenticate` for 407 (RFC 7235), `Location` for 301, 302, 303, 307 and 308
///   ([`HandshakeError::MissingResponseHeader`]);
/// - a header is invalid ([`HandshakeError::InvalidHeader`]) or one the crate writes
///   ([`HandshakeError::ReservedHeader`]).
///
/// ```
/// use rfc6455::handshake::write_reject_response;
/// let mut out = Vec::new();
/// let challenge = [("WWW-Authenticate".to_string(), "Bearer".to_string())];
/// write_reject_response(401, &challenge, b"log in first", &mut out).unwrap();
/// assert!(out.starts_with(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n"));
/// assert!(write_reject_response(401, &[], b"", &mut out).is_err());
/// assert!(write_reject_response(200, &[], b"", &mut out).is_err());
/// ```
pub fn write_reject_response(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), HandshakeError> {
    if !matches!(status, 300..=303 | 307 | 308 | 400..=599) {
        return Err(HandshakeError::InvalidRejectStatus(status));
    }
    let reserved: &[&'static str] = match status {
        405 => &["Allow"],
        _ => &[],
    };
    check_headers(headers, reserved)?;
    let needed = match status {
        401 => Some("WWW-Authenticate"),
        407 => Some("Proxy-Authenticate"),
        301..=303 | 307 | 308 => Some("Location"),
        _ => None,
    };
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    if let Some(name) = needed {
        // Exactly one, and not empty: a challenge (RFC 7235 §4.1) or a URI reference
        // (RFC 7231 §7.1.2, visible ASCII) is never empty, and two Locations leave a client
        // nowhere to go.
        let mut values = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name));
        let ok = match (values.next(), values.next()) {
            (Some((_, v)), None) => {
                !v.is_empty() && (name != "Location" || is_visible_ascii(v.as_bytes()))
            }
            _ => false,
        };
        if !ok {
            return Err(HandshakeError::MissingResponseHeader(status, name));
        }
    }
    write_refusal(status, headers, !has("content-type"), body, out);
    Ok(())
}

/// Writes a refusal whose status and headers were checked.
fn write_refusal(
    status: u16,
    headers: &[(String, String)],
    content_type: bool,
    body: &[u8],
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(reason_phrase(status).as_bytes());
    out.extend_from_slice(b"\r\n");
    write_headers(out, headers);
    match status {
        405 => write_header(out, "Allow", b"GET"),
        426 => {
            write_header(out, "Upgrade", b"websocket");
            write_header(out, "Sec-WebSocket-Version", b"13");
        }
        _ => {}
    }
    if content_type {
        write_header(out, "Content-Type", b"text/plain; charset=utf-8");
    }
    write_header(out, "Content-Length", body.len().to_string().as_bytes());
    // RFC 7230 §6.7: a sender of Upgrade also lists it in Connection.
    let connection: &[u8] = if status == 426 {
        b"Upgrade, close"
    } else {
        b"close"
    };
    write_header(out, "Connection", connection);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}

/// Appends the response a server sends for a request that failed with `error`: its
/// [`status_code`](HandshakeError::status_code) (400 for client-side errors), the error text as
/// body, `Allow: GET` for 405, and for 426 `Upgrade: websocket` with the supported
/// `Sec-WebSocket-Version: 13`.
pub fn write_error_response(error: &HandshakeError, out: &mut Vec<u8>) {
    let status = error.status_code().unwrap_or(400);
    let mut body = error.to_string();
    body.push('\n');
    write_refusal(status, &[], true, body.as_bytes(), out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    const BASE: &str = "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n";

    fn parse(s: &str) -> Result<Status<Request<'_>>, HandshakeError> {
        Request::parse(s.as_bytes(), &Config::default())
    }

    fn err(s: &str) -> HandshakeError {
        parse(s).map(|_| ()).unwrap_err()
    }

    #[test]
    fn rfc_1_2_request_and_response() {
        let Ok(Status::Complete(req)) = parse(BASE) else {
            panic!()
        };
        assert_eq!(req.origin(), Some("http://example.com"));
        assert_eq!(req.key(), "dGhlIHNhbXBsZSBub25jZQ==");
        let mut out = Vec::new();
        req.write_accept(&AcceptOptions::new().protocol("chat"), &mut out)
            .unwrap();
        assert_eq!(
            core::str::from_utf8(&out).unwrap(),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
        );
        let mut out = Vec::new();
        assert_eq!(
            req.write_accept(&AcceptOptions::new().protocol("other"), &mut out),
            Err(HandshakeError::ProtocolNotOffered)
        );
        assert_eq!(
            req.write_accept(&AcceptOptions::new().header("Bad\r\nName", "x"), &mut out),
            Err(HandshakeError::InvalidHeader)
        );
        assert!(out.is_empty());
    }

    #[test]
    fn partial_at_every_cut() {
        for cut in 0..BASE.len() {
            assert!(
                matches!(parse(&BASE[..cut]), Ok(Status::Partial)),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn validation_errors() {
        let replace = |from: &str, to: &str| BASE.replacen(from, to, 1);
        assert_eq!(err(&replace("GET", "POST")), HandshakeError::MethodNotGet);
        assert_eq!(
            err(&replace("HTTP/1.1", "HTTP/1.0")),
            HandshakeError::HttpVersion
        );
        assert_eq!(
            err(&replace("Host: server.example.com\r\n", "")),
            HandshakeError::MissingHost
        );
        assert_eq!(
            err(&replace("Upgrade: websocket", "Upgrade: h2c")),
            HandshakeError::NoUpgradeWebsocket
        );
        assert_eq!(
            err(&replace("Connection: Upgrade", "Connection: keep-alive")),
            HandshakeError::NoConnectionUpgrade
        );
        assert_eq!(
            err(&replace("Version: 13", "Version: 8")),
            HandshakeError::UnsupportedVersion
        );
        assert_eq!(
            err(&replace("Sec-WebSocket-Version: 13\r\n", "")),
            HandshakeError::UnsupportedVersion
        );
        assert_eq!(
            err(&replace("dGhlIHNhbXBsZSBub25jZQ==", "dGhlIHNhbXBsZQ==")),
            HandshakeError::InvalidKey
        );
        assert_eq!(
            err(&replace(
                "dGhlIHNhbXBsZSBub25jZQ==",
                "!!!!!!!!!!!!!!!!!!!!!!!!"
            )),
            HandshakeError::InvalidKey
        );
        assert_eq!(
            err(&replace(
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
                ""
            )),
            HandshakeError::InvalidKey
        );
        let twice = replace(
            "Origin",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin",
        );
        assert_eq!(err(&twice), HandshakeError::InvalidKey);
        assert_eq!(
            err("GET / HTTP/1.1\r\nHo st: x\r\n\r\n"),
            HandshakeError::Malformed("invalid header name")
        );
        // Case-insensitive, comma-separated lists are fine.
        let ok = replace("Connection: Upgrade", "connection: keep-alive, UPGRADE")
            .replace("Upgrade: websocket", "upgrade: WebSocket");
        assert!(matches!(parse(&ok), Ok(Status::Complete(_))));
        assert_eq!(HandshakeError::UnsupportedVersion.status_code(), Some(426));
    }

    #[test]
    fn limits() {
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n", "a".repeat(20_000));
        assert_eq!(
            err(&big),
            HandshakeError::HeadTooLarge(Config::default().max_handshake_size)
        );
        let mut many = String::from("GET / HTTP/1.1\r\n");
        for i in 0..100 {
            many.push_str(&format!("X-{i}: y\r\n"));
        }
        many.push_str("\r\n");
        assert_eq!(
            err(&many),
            HandshakeError::TooManyHeaders(Config::default().max_headers)
        );
    }

    #[test]
    fn error_responses() {
        let mut out = Vec::new();
        write_error_response(&HandshakeError::UnsupportedVersion, &mut out);
        let s = core::str::from_utf8(&out).unwrap();
        assert!(s.starts_with("HTTP/1.1 426 Upgrade Required\r\n"), "{s}");
        assert!(s.contains("\r\nSec-WebSocket-Version: 13\r\n"));
        out.clear();
        write_reject_response(403, &[], b"forbidden origin", &mut out).unwrap();
        let s = core::str::from_utf8(&out).unwrap();
        assert!(s.starts_with("HTTP/1.1 403 Forbidden\r\n"));
        assert!(s.ends_with("Content-Length: 16\r\nConnection: close\r\n\r\nforbidden origin"));
        out.clear();
        assert_eq!(
            write_reject_response(101, &[], b"", &mut out),
            Err(HandshakeError::InvalidRejectStatus(101))
        );
        assert!(out.is_empty());
    }
}

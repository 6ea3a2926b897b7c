//! Client side: build the upgrade request, validate the server's response.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{
    check_headers, convert_headers, extension_list_len, find_header, head_end, headers_have_token,
    is_ipv6_literal, is_reg_name, is_token, is_valid_key, is_visible_ascii, write_header,
    write_headers, Header, HttpVersion, HEADER_CAP,
};
use crate::config::Config;
use crate::error::HandshakeError;
use crate::error::UnexpectedResponse;
use crate::extensions::{parse_extensions, ExtensionOffer};
use crate::Status;

/// A parsed `ws://` or `wss://` URL (RFC 6455 §3), checked so that the request it goes into
/// is well-formed: the fields are private and every constructor validates them.
///
/// ```
/// use rfc6455::handshake::WsUrl;
/// let u = WsUrl::new(false, "127.0.0.1", 9001, "/chat?room=1").unwrap();
/// assert_eq!(u, WsUrl::parse("ws://127.0.0.1:9001/chat?room=1").unwrap());
/// // CR/LF cannot smuggle headers into the request.
/// assert!(WsUrl::new(false, "h\r\nX-Evil: 1", 80, "/").is_err());
/// assert!(WsUrl::new(false, "h", 80, "/ HTTP/1.1\r\nX-Evil: 1").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WsUrl {
    secure: bool,
    host: String,
    port: u16,
    resource: String,
}

impl WsUrl {
    /// Builds a URL from its parts, checking them:
    /// - `host`: a registered name or IPv4 address (RFC 3986 `reg-name`: letters, digits,
    ///   `-._~!$&'()*+,;=` and `%XX`), or an IPv6 address without brackets; non-ASCII names
    ///   must be given in their punycode form;
    /// - `resource`: path and optional query, starting with `/`, visible ASCII only, without
    ///   a fragment (`#`).
    pub fn new(
        secure: bool,
        host: &str,
        port: u16,
        resource: &str,
    ) -> Result<Self, HandshakeError> {
        let h = host.as_bytes();
        if !(is_reg_name(h) || is_ipv6_literal(h)) {
            return Err(HandshakeError::InvalidUrl("invalid host"));
        }
        check_resource(resource)?;
        Ok(Self {
            secure,
            host: host.into(),
            port,
            resource: resource.into(),
        })
    }

    /// Parses a WebSocket URL. Fragments (`#…`) and user info are refused; bytes outside
    /// ASCII in the path or query are percent-encoded (as UTF-8), ones in the host refused.
    ///
    /// ```
    /// use rfc6455::handshake::WsUrl;
    /// let u = WsUrl::parse("ws://127.0.0.1:9001/chat?room=1").unwrap();
    /// assert_eq!((u.host(), u.port(), u.resource(), u.host_header()),
    ///            ("127.0.0.1", 9001, "/chat?room=1", "127.0.0.1:9001".to_string()));
    /// let u = WsUrl::parse("wss://[::1]").unwrap();
    /// assert_eq!((u.is_secure(), u.host(), u.port(), u.resource(), u.host_header()),
    ///            (true, "::1", 443, "/", "[::1]".to_string()));
    /// assert_eq!(WsUrl::parse("ws://h/café").unwrap().resource(), "/caf%C3%A9");
    /// ```
    pub fn parse(url: &str) -> Result<Self, HandshakeError> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or(HandshakeError::InvalidUrl("missing scheme"))?;
        let secure = if scheme.eq_ignore_ascii_case("ws") {
            false
        } else if scheme.eq_ignore_ascii_case("wss") {
            true
        } else {
            return Err(HandshakeError::InvalidUrl("scheme is not ws or wss"));
        };
        if rest.contains('#') {
            return Err(HandshakeError::InvalidUrl("fragment not allowed"));
        }
        if rest.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(HandshakeError::InvalidUrl(
                "whitespace or control character",
            ));
        }
        let split = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, resource) = rest.split_at(split);
        if authority.contains('@') {
            return Err(HandshakeError::InvalidUrl("user info not supported"));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6
                .split_once(']')
                .ok_or(HandshakeError::InvalidUrl("unclosed IPv6 literal"))?;
            if !is_ipv6_literal(host.as_bytes()) {
                return Err(HandshakeError::InvalidUrl("invalid IPv6 literal"));
            }
            match after {
                "" => (host, None),
                p => (
                    host,
                    Some(
                        p.strip_prefix(':')
                            .ok_or(HandshakeError::InvalidUrl("invalid port"))?,
                    ),
                ),
            }
        } else {
            match authority.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(HandshakeError::InvalidUrl("empty host"));
        }
        let port = match port {
            None => {
                if secure {
                    443
                } else {
                    80
                }
            }
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p
                .parse()
                .map_err(|_| HandshakeError::InvalidUrl("invalid port"))?,
            Some(_) => return Err(HandshakeError::InvalidUrl("invalid port")),
        };
        let mut encoded = String::with_capacity(resource.len() + 1);
        if !resource.starts_with('/') {
            encoded.push('/');
        }
        for b in resource.bytes() {
            if b.is_ascii() {
                encoded.push(char::from(b));
            } else {
                encoded.push_str(&format!("%{b:02X}"));
            }
        }
        Self::new(secure, host, port, &encoded)
    }

    /// `wss://`: the driver must run TLS under the connection.
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The host to connect to, without brackets for IPv6 literals.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port: explicit, or 80 for `ws` and 443 for `wss`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Path and query, starting with `/`: the request target.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The `Host` header value: the host, with the port when it is not the scheme's default.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.secure { 443 } else { 80 };
        if self.port == default {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// A request target in origin form as this crate writes it: `/`, then visible ASCII without
/// `#`.
fn check_resource(resource: &str) -> Result<(), HandshakeError> {
    if !resource.starts_with('/') {
        return Err(HandshakeError::InvalidUrl("resource does not start with /"));
    }
    if !resource.bytes().all(|b| b.is_ascii_graphic() && b != b'#') {
        return Err(HandshakeError::InvalidUrl(
            "resource has a fragment or a byte outside visible ASCII",
        ));
    }
    Ok(())
}

/// What a client asks for in its upgrade request.
///
/// ```
/// use rfc6455::handshake::ClientOptions;
/// let opts = ClientOptions::new()
///     .origin("http://127.0.0.1:8080")
///     .protocol("chat")
///     .header("User-Agent", "demo");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientOptions {
    /// The `Origin` header, if any.
    pub origin: Option<String>,
    /// Subprotocols offered, in order of preference.
    pub protocols: Vec<String>,
    /// Extension offers, each a full `Sec-WebSocket-Extensions` element, e.g.
    /// `permessage-deflate; client_max_window_bits`.
    pub extensions: Vec<String>,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
}

impl ClientOptions {
    /// No origin, no subprotocols, no extensions, no extra headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Send an `Origin` header.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Offer a subprotocol (call again for more, in order of preference).
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocols.push(protocol.into());
        self
    }

    /// Offer an extension.
    pub fn extension(mut self, offer: impl Into<String>) -> Self {
        self.extensions.push(offer.into());
        self
    }

    /// Add a request header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Appends the upgrade request for `url` with the base64 `key` to `out`.
    ///
    /// Every value is checked first and nothing is written on error: the origin must be
    /// visible ASCII ([`HandshakeError::InvalidHeader`]), subprotocols tokens
    /// ([`HandshakeError::InvalidProtocolName`]), each extension offer one
    /// `Sec-WebSocket-Extensions` element ([`HandshakeError::InvalidHeader`]), extra headers
    /// token names with field values (no control characters, no surrounding whitespace) that
    /// are not written by the handshake itself (`Host`, `Upgrade`, `Connection`, `Origin`,
    /// `Sec-WebSocket-*`, `Content-Length`, `Transfer-Encoding`:
    /// [`HandshakeError::ReservedHeader`]), and `key` 24 base64 characters
    /// ([`HandshakeError::InvalidKey`]).
    ///
    /// ```
    /// use rfc6455::handshake::{ClientOptions, WsUrl};
    /// use rfc6455::HandshakeError;
    /// let url = WsUrl::parse("ws://127.0.0.1:9001/").unwrap();
    /// let key = "dGhlIHNhbXBsZSBub25jZQ==";
    /// let mut out = Vec::new();
    /// let bad = ClientOptions::new().protocol("chat, v2");
    /// assert_eq!(bad.write_request(&url, key, &mut out), Err(HandshakeError::InvalidProtocolName));
    /// let bad = ClientOptions::new().header("Host", "evil.example");
    /// assert!(matches!(bad.write_request(&url, key, &mut out), Err(HandshakeError::ReservedHeader(_))));
    /// assert!(out.is_empty());
    /// ```
    pub fn write_request(
        &self,
        url: &WsUrl,
        key: &str,
        out: &mut Vec<u8>,
    ) -> Result<(), HandshakeError> {
        let start = out.len();
        let r = self.write_request_inner(url, key, out);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }

    /// Checks every value that goes into the request (see [`ClientOptions::write_request`]).
    pub(crate) fn check(&self) -> Result<(), HandshakeError> {
        if let Some(o) = &self.origin {
            if !is_visible_ascii(o.as_bytes()) {
                return Err(HandshakeError::InvalidHeader);
            }
        }
        if !self.protocols.iter().all(|p| is_token(p.as_bytes())) {
            return Err(HandshakeError::InvalidProtocolName);
        }
        if !self
            .extensions
            .iter()
            .all(|e| extension_list_len(e.as_bytes()) == 1)
        {
            return Err(HandshakeError::InvalidHeader);
        }
        check_headers(&self.headers, &["Origin"])
    }

    fn write_request_inner(
        &self,
        url: &WsUrl,
        key: &str,
        out: &mut Vec<u8>,
    ) -> Result<(), HandshakeError> {
        self.check()?;
        // A key is base64 of exactly 16 bytes, as the server checks it.
        if !is_valid_key(key.as_bytes()) {
            return Err(HandshakeError::InvalidKey);
        }
        out.extend_from_slice(b"GET ");
        out.extend_from_slice(url.resource.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        write_header(out, "Host", url.host_header().as_bytes());
        out.extend_from_slice(b"Upgrade: websocket\r\nConnection: Upgrade\r\n");
        write_header(out, "Sec-WebSocket-Key", key.as_bytes());
        out.extend_from_slice(b"Sec-WebSocket-Version: 13\r\n");
        if let Some(o) = &self.origin {
            write_header(out, "Origin", o.as_bytes());
        }
        if !self.protocols.is_empty() {
            write_header(
                out,
                "Sec-WebSocket-Protocol",
                self.protocols.join(", ").as_bytes(),
            );
        }
        if !self.extensions.is_empty() {
            write_header(
                out,
                "Sec-WebSocket-Extensions",
                self.extensions.join(", ").as_bytes(),
            );
        }
        write_headers(out, &self.headers);
        out.extend_from_slice(b"\r\n");
        Ok(())
    }

    /// The names of the offered extensions.
    pub(crate) fn offered_extension_names(&self) -> impl Iterator<Item = &str> {
        self.extensions
            .iter()
            .map(|e| e.split(';').next().unwrap_or("").trim())
    }
}

/// A validated `101 Switching Protocols` response, borrowed from the received bytes.
#[derive(Clone, Debug)]
pub struct Response<'a> {
    headers: Vec<Header<'a>>,
    protocol: Option<&'a str>,
    extensions: Vec<ExtensionOffer<'a>>,
    head_len: usize,
}

impl<'a> Response<'a> {
    /// The subprotocol the server chose, if any: `None` only when the response had no
    /// `Sec-WebSocket-Protocol` header (anything but exactly one offered subprotocol fails).
    pub fn protocol(&self) -> Option<&'a str> {
        self.protocol
    }
    /// The extensions the server accepted, with their parameters.
    pub fn extensions(&self) -> &[ExtensionOffer<'a>] {
        &self.extensions
    }
    /// Every header line, in order.
    pub fn headers(&self) -> &[Header<'a>] {
        &self.headers
    }
    /// The raw value of the first header called `name` (ASCII case-insensitive), unchecked;
    /// [`headers`](Self::headers) shows repeated ones.
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        find_header(&self.headers, name)
    }
    /// The length of the response head; bytes after it are the server's first frames.
    pub fn head_len(&self) -> usize {
        self.head_len
    }
}

/// Parses and validates the server's response to a request made with `options` and the
/// `Sec-WebSocket-Accept` value `expected_accept` (see [`accept_key`](super::accept_key)).
///
/// Interim responses (100–199 but 101) before the final one are skipped; the head length
/// then counts them too. A final status other than 101 fails with
/// [`HandshakeError::UnexpectedStatus`], which carries the status, reason and headers (for a
/// redirect's `Location` or a 401's challenge). A 101 must have exactly one `Upgrade:
/// websocket`, a `Connection` listing `upgrade`, exactly one correct `Sec-WebSocket-Accept`,
/// and at most one `Sec-WebSocket-Protocol` naming exactly one offered subprotocol (RFC 6455
/// §4.1).
pub fn parse_response<'a>(
    buf: &'a [u8],
    expected_accept: &[u8],
    options: &ClientOptions,
    config: &Config,
) -> Result<Status<Response<'a>>, HandshakeError> {
    let max_headers = config.max_headers.min(HEADER_CAP);
    let mut storage = [httparse::EMPTY_HEADER; HEADER_CAP];
    // Interim 1xx responses (other than 101) come before the final one and are skipped.
    let mut skipped = 0;
    let (head_len, code, headers) = loop {
        let mut resp = httparse::Response::new(&mut storage[..max_headers]);
        let rest = &buf[skipped..];
        let Some(n) = head_end(resp.parse(rest), buf.len(), config, max_headers)? else {
            return Ok(Status::Partial);
        };
        let head_len = skipped + n;
        if head_len > config.max_handshake_size {
            return Err(HandshakeError::HeadTooLarge(config.max_handshake_size));
        }
        if resp.version != Some(1) {
            return Err(HandshakeError::HttpVersion);
        }
        match resp.code {
            Some(101) => break (head_len, 101, convert_headers(resp.headers)),
            Some(100..=199) => skipped = head_len,
            Some(code) => {
                let all = &*resp.headers;
                check_status(HttpVersion::Http11, code, resp.reason.unwrap_or(""), || {
                    all.iter().map(|h| (String::from(h.name), h.value.to_vec()))
                })?;
                // check_status accepts only 101 over HTTP/1.1, matched above.
                return Err(HandshakeError::Malformed("invalid status code"));
            }
            None => return Err(HandshakeError::Malformed("missing status")),
        }
    };
    debug_assert_eq!(code, 101);
    let (protocol, extensions) =
        check_answer(&headers, HttpVersion::Http11, expected_accept, options)?;
    Ok(Status::Complete(Response {
        headers,
        protocol,
        extensions,
        head_len,
    }))
}

/// The status rule for a final answer, shared by the byte parser and the `http` path:
/// HTTP/1.1 accepts with 101 only; HTTP/2 with any 2xx (RFC 8441 §5, RFC 9113 §8.5) and
/// never 101 (RFC 9113 §8.6). Another status from 200 to 599 is
/// [`HandshakeError::UnexpectedStatus`] (`headers` builds its copy), one outside HTTP's
/// classes is malformed. The byte parser skips interim 1xx responses before calling this.
pub(crate) fn check_status<I>(
    version: HttpVersion,
    status: u16,
    reason: &str,
    headers: impl FnOnce() -> I,
) -> Result<(), HandshakeError>
where
    I: Iterator<Item = (String, Vec<u8>)>,
{
    match (version, status) {
        (HttpVersion::Http11, 101) | (HttpVersion::Http2, 200..=299) => Ok(()),
        // A three-digit code outside the classes HTTP defines (RFC 7231 §6) is no answer,
        // nor is an interim one where a final one belongs.
        (_, 200..=599) => Err(HandshakeError::UnexpectedStatus(alloc::boxed::Box::new(
            UnexpectedResponse::new(status, reason, headers().collect()),
        ))),
        _ => Err(HandshakeError::Malformed("invalid status code")),
    }
}

/// The header rules for an accepting answer, shared by the byte parser and the `http` path.
/// Over HTTP/1.1, exactly one `Upgrade: websocket`, a `Connection` listing `upgrade` and
/// exactly one correct `Sec-WebSocket-Accept` (RFC 6455 §4.1); over HTTP/2 none of these
/// (RFC 8441 §5). On both: at most one `Sec-WebSocket-Protocol`, naming one offered
/// subprotocol, and only offered extensions. Returns the subprotocol and the extensions.
#[allow(clippy::type_complexity)]
pub(crate) fn check_answer<'a>(
    headers: &[Header<'a>],
    version: HttpVersion,
    expected_accept: &[u8],
    options: &ClientOptions,
) -> Result<(Option<&'a str>, Vec<ExtensionOffer<'a>>), HandshakeError> {
    if version == HttpVersion::Http11 {
        // RFC 6455 §4.1: Upgrade is exactly `websocket` (case-insensitive), once.
        let mut upgrades = headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("upgrade"));
        match (upgrades.next(), upgrades.next()) {
            (Some(u), None) if u.value.trim_ascii().eq_ignore_ascii_case(b"websocket") => {}
            _ => return Err(HandshakeError::NoUpgradeWebsocket),
        }
        if !headers_have_token(headers, "connection", "upgrade") {
            return Err(HandshakeError::NoConnectionUpgrade);
        }
        let mut accepts = headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("sec-websocket-accept"));
        match (accepts.next(), accepts.next()) {
            (Some(a), None) if a.value == expected_accept => {}
            _ => return Err(HandshakeError::BadAccept),
        }
    }
    // At most one Sec-WebSocket-Protocol, holding one of the offered subprotocols.
    let protocol = {
        let mut chosen = headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case("sec-websocket-protocol"));
        match (chosen.next(), chosen.next()) {
            (None, _) => None,
            // A subprotocol is a token (RFC 6455 §11.3.4), whatever the options hold.
            (Some(h), None) if !is_token(h.value) => {
                return Err(HandshakeError::ProtocolNotOffered)
            }
            (Some(h), None) => match options.protocols.iter().find(|o| o.as_bytes() == h.value) {
                // The offered protocols are tokens: ASCII.
                Some(_) => Some(
                    core::str::from_utf8(h.value)
                        .map_err(|_| HandshakeError::ProtocolNotOffered)?,
                ),
                None => return Err(HandshakeError::ProtocolNotOffered),
            },
            _ => return Err(HandshakeError::ProtocolNotOffered),
        }
    };
    let mut extensions = Vec::new();
    for h in headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("sec-websocket-extensions"))
    {
        let v = core::str::from_utf8(h.value).map_err(|_| HandshakeError::MalformedExtensions)?;
        parse_extensions(v, &mut extensions)?;
    }
    for e in &extensions {
        if !options
            .offered_extension_names()
            .any(|n| n.eq_ignore_ascii_case(e.name))
        {
            return Err(HandshakeError::ExtensionNotOffered);
        }
    }
    Ok((protocol, extensions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::accept_key;
    use alloc::string::ToString;

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
    const OK: &str = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n\r\n";

    fn check<'a>(
        resp: &'a str,
        opts: &ClientOptions,
    ) -> Result<Status<Response<'a>>, HandshakeError> {
        parse_response(
            resp.as_bytes(),
            &accept_key(KEY.as_bytes()),
            opts,
            &Config::default(),
        )
    }

    #[test]
    fn urls() {
        let u = WsUrl::parse("ws://example.com").unwrap();
        assert_eq!(
            (u.port, u.resource.as_str(), u.host_header()),
            (80, "/", "example.com".to_string())
        );
        let u = WsUrl::parse("WS://h:80?x=1").unwrap();
        assert_eq!(
            (u.resource.as_str(), u.host_header()),
            ("/?x=1", "h".to_string())
        );
        let u = WsUrl::parse("wss://h:8443/p").unwrap();
        assert_eq!(u.host_header(), "h:8443");
        let u = WsUrl::parse("ws://[::1]:9001/").unwrap();
        assert_eq!(
            (u.host.as_str(), u.host_header()),
            ("::1", "[::1]:9001".to_string())
        );
        for bad in [
            "http://h/",
            "ws:/h",
            "ws://",
            "ws://h:99999/",
            "ws://h:/",
            "ws://h/#f",
            "ws://u@h/",
            "ws://[::1/",
            "ws://h /",
            "ws://[zz]/",
        ] {
            assert!(WsUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn request_bytes() {
        let url = WsUrl::parse("ws://127.0.0.1:9001/chat").unwrap();
        let mut out = Vec::new();
        ClientOptions::new()
            .origin("http://127.0.0.1")
            .protocol("chat")
            .protocol("superchat")
            .write_request(&url, KEY, &mut out)
            .unwrap();
        assert_eq!(
            core::str::from_utf8(&out).unwrap(),
            "GET /chat HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n"
        );
        let mut out = Vec::new();
        let bad = ClientOptions::new().header("X", "a\r\nInjected: 1");
        assert_eq!(
            bad.write_request(&url, KEY, &mut out),
            Err(HandshakeError::InvalidHeader)
        );
        assert!(out.is_empty());
    }

    #[test]
    fn responses() {
        let chat = ClientOptions::new().protocol("chat");
        let Ok(Status::Complete(r)) = check(OK, &chat) else {
            panic!()
        };
        assert_eq!((r.protocol(), r.head_len()), (Some("chat"), OK.len()));
        for cut in 0..OK.len() {
            assert!(matches!(check(&OK[..cut], &chat), Ok(Status::Partial)));
        }
        assert_eq!(
            check(OK, &ClientOptions::new()).unwrap_err(),
            HandshakeError::ProtocolNotOffered
        );
        let bad_accept = OK.replace("s3pP", "AAAA");
        assert_eq!(
            check(&bad_accept, &chat).unwrap_err(),
            HandshakeError::BadAccept
        );
        let forbidden = "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n";
        assert!(matches!(
            check(forbidden, &chat).unwrap_err(),
            HandshakeError::UnexpectedStatus(r) if r.status() == 403
        ));
        let no_upgrade = OK.replace("Upgrade: websocket\r\n", "");
        assert_eq!(
            check(&no_upgrade, &chat).unwrap_err(),
            HandshakeError::NoUpgradeWebsocket
        );
        let ext = OK.replace(
            "\r\n\r\n",
            "\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
        );
        assert_eq!(
            check(&ext, &chat).unwrap_err(),
            HandshakeError::ExtensionNotOffered
        );
        let offered = chat
            .clone()
            .extension("permessage-deflate; client_max_window_bits");
        let Ok(Status::Complete(r)) = check(&ext, &offered) else {
            panic!()
        };
        assert_eq!(r.extensions()[0].name, "permessage-deflate");
    }
}

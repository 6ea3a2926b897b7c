//! Server side: parse the client's upgrade request, write the 101 or an error response.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use base64::Engine as _;
use core::mem::MaybeUninit;

use super::{
    accept_key, check_header, convert_headers, find_header, has_token, header_list, map_httparse,
    write_header, write_headers, Header, HEADER_CAP,
};
use crate::config::Config;
use crate::error::HandshakeError;
use crate::extensions::{parse_extensions, ExtensionOffer};
use crate::Status;

/// A validated WebSocket upgrade request, borrowed from the received bytes.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    target: &'a str,
    headers: Vec<Header<'a>>,
    key: &'a str,
    host: &'a str,
    origin: Option<&'a str>,
    extensions: Vec<ExtensionOffer<'a>>,
    head_len: usize,
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
        let head_len = match req.parse_with_uninit_headers(buf, &mut storage[..max_headers]) {
            Ok(httparse::Status::Complete(n)) => n,
            Ok(httparse::Status::Partial) => {
                return if buf.len() > config.max_handshake_size {
                    Err(HandshakeError::HeadTooLarge(config.max_handshake_size))
                } else {
                    Ok(Status::Partial)
                };
            }
            Err(e) => return Err(map_httparse(e, max_headers)),
        };
        if head_len > config.max_handshake_size {
            return Err(HandshakeError::HeadTooLarge(config.max_handshake_size));
        }
        if req.method != Some("GET") {
            return Err(HandshakeError::MethodNotGet);
        }
        if req.version != Some(1) {
            return Err(HandshakeError::HttpVersion);
        }
        let target = req.path.unwrap_or("/");
        let headers = convert_headers(req.headers);
        // One pass over the headers, telling names apart by length first.
        let (mut host, mut origin) = (None, None);
        let (mut upgrade, mut connection) = (false, false);
        let (mut version, mut versions, mut key, mut keys) = (None, 0, None, 0);
        let mut ext_headers = 0;
        for h in &headers {
            let name = h.name.as_bytes();
            let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
            match name.len() {
                4 if host.is_none() && is("host") => host = Some(h.value),
                6 if origin.is_none() && is("origin") => origin = Some(h.value),
                7 if is("upgrade") => upgrade |= has_token(h.value, "websocket"),
                10 if is("connection") => connection |= has_token(h.value, "upgrade"),
                17 if is("sec-websocket-key") => {
                    key = Some(h.value);
                    keys += 1;
                }
                21 if is("sec-websocket-version") => {
                    version = Some(h.value);
                    versions += 1;
                }
                24 if is("sec-websocket-extensions") => ext_headers += 1,
                _ => {}
            }
        }
        let host = host
            .and_then(|v| core::str::from_utf8(v).ok())
            .filter(|h| !h.is_empty())
            .ok_or(HandshakeError::MissingHost)?;
        if !upgrade {
            return Err(HandshakeError::NoUpgradeWebsocket);
        }
        if !connection {
            return Err(HandshakeError::NoConnectionUpgrade);
        }
        if versions != 1 || version != Some(b"13".as_slice()) {
            return Err(HandshakeError::UnsupportedVersion);
        }
        let key = match key {
            Some(k) if keys == 1 && k.len() == 24 => k,
            _ => return Err(HandshakeError::InvalidKey),
        };
        let mut decoded = [0u8; 18];
        match base64::engine::general_purpose::STANDARD.decode_slice(key, &mut decoded) {
            Ok(16) => {}
            _ => return Err(HandshakeError::InvalidKey),
        }
        // Base64 is ASCII, so this cannot fail once decoding succeeded.
        let key = core::str::from_utf8(key).map_err(|_| HandshakeError::InvalidKey)?;
        let origin = origin.and_then(|v| core::str::from_utf8(v).ok());
        let mut extensions = Vec::new();
        for h in headers
            .iter()
            .filter(|h| ext_headers > 0 && h.name.eq_ignore_ascii_case("sec-websocket-extensions"))
        {
            let v =
                core::str::from_utf8(h.value).map_err(|_| HandshakeError::MalformedExtensions)?;
            parse_extensions(v, &mut extensions)?;
        }
        Ok(Status::Complete(Self {
            target,
            headers,
            key,
            host,
            origin,
            extensions,
            head_len,
        }))
    }

    /// The request target as sent: path and query, e.g. `/chat?room=1`.
    pub fn target(&self) -> &'a str {
        self.target
    }

    /// The path part of the target, e.g. `/chat`.
    pub fn path(&self) -> &'a str {
        self.target.split_once('?').map_or(self.target, |(p, _)| p)
    }

    /// The query part of the target without the `?`, if any.
    pub fn query(&self) -> Option<&'a str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// The `Host` header.
    pub fn host(&self) -> &'a str {
        self.host
    }

    /// The `Origin` header, sent by browsers: check it against an allow-list before accepting.
    pub fn origin(&self) -> Option<&'a str> {
        self.origin
    }

    /// The `Sec-WebSocket-Key` header.
    pub fn key(&self) -> &'a str {
        self.key
    }

    /// The subprotocols offered, in the client's order of preference.
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

    /// The value of the first header called `name` (ASCII case-insensitive).
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
    /// header; nothing is written then.
    pub fn write_accept(
        &self,
        options: &AcceptOptions,
        out: &mut Vec<u8>,
    ) -> Result<(), HandshakeError> {
        if let Some(p) = &options.protocol {
            if !self.protocols().any(|o| o == p) {
                return Err(HandshakeError::ProtocolNotOffered);
            }
        }
        write_accept_response(self.key.as_bytes(), options, out)
    }
}

/// Appends the 101 response for a request with Sec-WebSocket-Key `key`; the caller has
/// checked that the chosen subprotocol was offered. Nothing is written on error.
pub(crate) fn write_accept_response(
    key: &[u8],
    options: &AcceptOptions,
    out: &mut Vec<u8>,
) -> Result<(), HandshakeError> {
    let start = out.len();
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
        if let Err(err) = check_header("Sec-WebSocket-Extensions", e) {
            out.truncate(start);
            return Err(err);
        }
        write_header(out, "Sec-WebSocket-Extensions", e.as_bytes());
    }
    if let Err(err) = write_headers(out, &options.headers) {
        out.truncate(start);
        return Err(err);
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// How to accept a request: the chosen subprotocol and extra response headers.
///
/// ```
/// use rfc6455::handshake::AcceptOptions;
/// let opts = AcceptOptions::new().protocol("chat").header("X-Served-By", "rfc6455");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AcceptOptions {
    /// The chosen subprotocol; it must be one the client offered.
    pub protocol: Option<String>,
    /// The `Sec-WebSocket-Extensions` response value, for negotiated extensions.
    pub extensions: Option<String>,
    /// Extra headers for the 101 response.
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

fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Appends a response refusing the upgrade: `status` with `body` (sent as `text/plain`), the
/// extra `headers`, and `Connection: close`.
///
/// A status outside 100–999 or a 101 is replaced by 500: a refusal must not look like an
/// acceptance. An invalid extra header is skipped.
pub fn write_reject_response(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    out: &mut Vec<u8>,
) {
    let status = if (100..=999).contains(&status) && status != 101 {
        status
    } else {
        500
    };
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(reason_phrase(status).as_bytes());
    out.extend_from_slice(b"\r\n");
    for (n, v) in headers {
        if check_header(n, v).is_ok() {
            write_header(out, n, v.as_bytes());
        }
    }
    if status == 426 {
        write_header(out, "Sec-WebSocket-Version", b"13");
    }
    write_header(out, "Content-Type", b"text/plain; charset=utf-8");
    write_header(out, "Content-Length", body.len().to_string().as_bytes());
    write_header(out, "Connection", b"close");
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
}

/// Appends the response a server sends for a request that failed with `error`: its
/// [`status_code`](HandshakeError::status_code) (400 for client-side errors), the error text as
/// body, and for 426 the supported `Sec-WebSocket-Version: 13`.
pub fn write_error_response(error: &HandshakeError, out: &mut Vec<u8>) {
    let status = error.status_code().unwrap_or(400);
    let mut body = error.to_string();
    body.push('\n');
    write_reject_response(status, &[], body.as_bytes(), out);
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
        write_reject_response(403, &[], b"forbidden origin", &mut out);
        let s = core::str::from_utf8(&out).unwrap();
        assert!(s.starts_with("HTTP/1.1 403 Forbidden\r\n"));
        assert!(s.ends_with("Content-Length: 16\r\nConnection: close\r\n\r\nforbidden origin"));
        out.clear();
        write_reject_response(101, &[], b"", &mut out);
        assert!(out.starts_with(b"HTTP/1.1 500 "));
    }
}

//! Typed errors. Each error that ends a live connection says which close code it sends.

use crate::close::CloseCode;

/// The peer violated RFC 6455; the connection fails with [`close_code`](Self::close_code).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A frame used a reserved opcode (3–7, 0xB–0xF).
    #[error("reserved opcode {0:#x}")]
    ReservedOpCode(u8),
    /// RSV bits were set that no negotiated extension defines (bits as in the header: RSV1 = 4).
    #[error("reserved bits {0:#05b} set without a negotiated extension")]
    ReservedBits(u8),
    /// A control frame had FIN clear.
    #[error("fragmented control frame")]
    FragmentedControlFrame,
    /// A control frame carried more than 125 bytes.
    #[error("control frame payload longer than 125 bytes")]
    ControlFrameTooLong,
    /// A 64-bit payload length had its most significant bit set.
    #[error("payload length has its most significant bit set")]
    InvalidLength,
    /// A client sent an unmasked frame (RFC 6455 §5.1).
    #[error("client frame is not masked")]
    UnmaskedFrame,
    /// A server sent a masked frame (RFC 6455 §5.1).
    #[error("server frame is masked")]
    MaskedFrame,
    /// A continuation frame arrived with no fragmented message in progress.
    #[error("continuation frame without a message to continue")]
    UnexpectedContinuation,
    /// A new text or binary frame arrived while a fragmented message was unfinished.
    #[error("new data frame while a fragmented message is unfinished")]
    ExpectedContinuation,
    /// A text message (or part of one) is not valid UTF-8.
    #[error("text message is not valid UTF-8")]
    InvalidUtf8,
    /// A Close frame had a one-byte payload.
    #[error("close frame payload of one byte")]
    CloseTooShort,
    /// A Close frame carried a code that may not be sent.
    #[error("invalid close code {0}")]
    InvalidCloseCode(u16),
    /// A Close frame's reason is not valid UTF-8.
    #[error("close reason is not valid UTF-8")]
    InvalidCloseReason,
    /// A compressed message (permessage-deflate) could not be inflated.
    #[error("invalid compressed data")]
    InvalidCompressedData,
    /// A frame's payload exceeds the configured maximum frame size.
    #[error("frame of {size} bytes exceeds the limit of {max}")]
    FrameTooLarge {
        /// Announced payload length.
        size: u64,
        /// Configured limit.
        max: usize,
    },
    /// A message exceeds the configured maximum message size.
    #[error("message of at least {size} bytes exceeds the limit of {max}")]
    MessageTooLarge {
        /// Bytes the message would have reached.
        size: u64,
        /// Configured limit.
        max: usize,
    },
}

impl ProtocolError {
    /// The close code RFC 6455 §7.4.1 prescribes for this error.
    pub const fn close_code(&self) -> CloseCode {
        match self {
            Self::InvalidUtf8 | Self::InvalidCloseReason => CloseCode::INVALID_PAYLOAD,
            Self::FrameTooLarge { .. } | Self::MessageTooLarge { .. } => CloseCode::MESSAGE_TOO_BIG,
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

/// The opening handshake failed.
///
/// On the server side, [`status_code`](Self::status_code) is the HTTP status of the error
/// response that the connection has already queued for the driver to write.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The request or response head exceeds the configured maximum size.
    #[error("handshake head larger than {0} bytes")]
    HeadTooLarge(usize),
    /// More header lines than the configured maximum.
    #[error("more than {0} header lines")]
    TooManyHeaders(usize),
    /// The head is not valid HTTP/1.1.
    #[error("malformed HTTP head: {0}")]
    Malformed(&'static str),
    /// The request method is not GET.
    #[error("method is not GET")]
    MethodNotGet,
    /// The HTTP version does not fit the handshake: a request or response older than
    /// HTTP/1.1 (or HTTP/3 and later on the `http` path), or an HTTP/2 request handed to a
    /// writer of HTTP/1.1 bytes.
    #[error("HTTP version not supported for this handshake")]
    HttpVersion,
    /// The request has no Host header.
    #[error("missing Host header")]
    MissingHost,
    /// `Upgrade` does not contain the token `websocket`.
    #[error("Upgrade header does not name websocket")]
    NoUpgradeWebsocket,
    /// `Connection` does not contain the token `upgrade`.
    #[error("Connection header does not contain upgrade")]
    NoConnectionUpgrade,
    /// `Sec-WebSocket-Key` is missing, repeated, or not base64 of 16 bytes.
    #[error("missing or invalid Sec-WebSocket-Key")]
    InvalidKey,
    /// `Sec-WebSocket-Version` is missing or not 13 (answered with 426).
    #[error("unsupported Sec-WebSocket-Version (only 13)")]
    UnsupportedVersion,
    /// A `Sec-WebSocket-Extensions` header could not be parsed.
    #[error("malformed Sec-WebSocket-Extensions header")]
    MalformedExtensions,
    /// The server answered with a final status other than the one that accepts a WebSocket
    /// (101 over HTTP/1.1, 2xx over HTTP/2): a redirect, an authentication challenge, a
    /// refusal. Its status, reason and headers are kept for the caller, e.g. to follow
    /// [`UnexpectedResponse::location`].
    #[error("server refused the WebSocket: status {} {}", .0.status(), .0.reason())]
    UnexpectedStatus(alloc::boxed::Box<UnexpectedResponse>),
    /// The server's `Sec-WebSocket-Accept` is missing or wrong.
    #[error("missing or wrong Sec-WebSocket-Accept")]
    BadAccept,
    /// A subprotocol was chosen that was not offered (by the server, or by `accept`).
    #[error("subprotocol was not offered")]
    ProtocolNotOffered,
    /// The server selected an extension the client did not offer.
    #[error("server selected an extension that was not offered")]
    ExtensionNotOffered,
    /// The URL is not a valid `ws://` or `wss://` URL.
    #[error("invalid WebSocket URL: {0}")]
    InvalidUrl(&'static str),
    /// `accept` or `reject` was called when no request is waiting for an answer.
    #[error("no handshake request is waiting for an answer")]
    NotAwaitingAnswer,
    /// The client sent more than a frame's worth of data after its request while the request
    /// waited for an answer (RFC 6455 §4.1: a client waits for the response before sending).
    #[error("too much data after the request before it was answered")]
    EarlyData,
    /// The server's permessage-deflate parameters do not answer the client's offer
    /// (RFC 7692 §7.1).
    #[error("invalid permessage-deflate response parameters")]
    InvalidExtensionResponse,
    /// A header name or value given to the builder contains forbidden characters: a name
    /// that is not an RFC 7230 token, a value with CR, LF, NUL or another control character
    /// (HTAB aside) or with leading or trailing whitespace, an `Origin` that is not visible
    /// ASCII, or an extension offer that is not one `Sec-WebSocket-Extensions` element.
    #[error("invalid header name or value")]
    InvalidHeader,
    /// A subprotocol given to the builder is not an RFC 7230 token (RFC 6455 §11.3.4).
    #[error("subprotocol name is not a token")]
    InvalidProtocolName,
    /// An extra header names one that the crate writes itself (`Host`, `Upgrade`,
    /// `Connection`, `Sec-WebSocket-*`, `Origin` in a request, `Allow` in a 405, ...) or
    /// frames a body (`Content-Length`, `Transfer-Encoding`). Carries the reserved name,
    /// `Sec-WebSocket-*` for any of those.
    #[error("header {0} is written by the handshake itself")]
    ReservedHeader(&'static str),
    /// `reject` was given a status that cannot refuse an upgrade: only 300–303, 307, 308
    /// and 400–599 can.
    #[error("status {0} cannot refuse an upgrade")]
    InvalidRejectStatus(u16),
    /// A refusal lacks the header its status needs: `WWW-Authenticate` for 401,
    /// `Proxy-Authenticate` for 407, `Location` for 301, 302, 303, 307 and 308: exactly one,
    /// not empty (a `Location` of visible ASCII).
    #[error("a {0} response needs one non-empty {1} header")]
    MissingResponseHeader(u16, &'static str),
    /// The request target is not in origin form (`/path?query`) or absolute form
    /// (`ws://host/path`), contains a fragment or bytes outside visible ASCII, or its
    /// authority differs from `Host` (RFC 7230 §5.3, §5.4).
    #[error("invalid request target: {0}")]
    InvalidTarget(&'static str),
    /// The `Host` header is not a valid `host[:port]` (RFC 7230 §5.4).
    #[error("invalid Host header")]
    InvalidHost,
    /// A header that may appear only once was repeated (`Host`, `Origin`,
    /// `Sec-WebSocket-Version`).
    #[error("repeated {0} header")]
    DuplicateHeader(&'static str),
    /// A request header has an invalid value: an `Origin` that is empty or not visible
    /// ASCII, a `Sec-WebSocket-Protocol` that is not a list of tokens, a `Content-Length`
    /// that is not a number.
    #[error("invalid {0} header")]
    InvalidHeaderValue(&'static str),
    /// The upgrade request announces a body (`Content-Length` above 0 or any
    /// `Transfer-Encoding`, RFC 7230 §3.3): the bytes after the head would be ambiguous.
    #[error("upgrade request with a message body")]
    RequestBody,
    /// An HTTP/2 request to a WebSocket handshake that is not a `CONNECT` (RFC 8441 §4):
    /// answered with 405 and `Allow: CONNECT`.
    #[error("HTTP/2 WebSocket request whose method is not CONNECT")]
    MethodNotConnect,
    /// An HTTP/2 `CONNECT` without `:protocol`: a plain CONNECT (RFC 9113 §8.5), a proxy's
    /// job, which this crate does not do: answered with 501 (RFC 9110 §15.6.2).
    #[error("CONNECT without :protocol (plain CONNECT is not supported)")]
    ConnectWithoutProtocol,
    /// An HTTP/2 extended CONNECT whose `:protocol` is not `websocket` (RFC 8441 §5):
    /// answered with 400, like an HTTP/1.1 `Upgrade` that does not name `websocket`.
    #[error(":protocol is not websocket")]
    ConnectProtocolNotWebsocket,
}

/// A final non-101 response to a client's upgrade request: status, reason and headers,
/// copied out of the received head.
///
/// ```
/// use rfc6455::handshake::{accept_key, parse_response, ClientOptions};
/// use rfc6455::{Config, HandshakeError};
/// let raw = b"HTTP/1.1 301 Moved Permanently\r\nLocation: wss://example.com/chat\r\n\r\n";
/// let err = parse_response(raw, &accept_key(b"k"), &ClientOptions::new(), &Config::default())
///     .unwrap_err();
/// let HandshakeError::UnexpectedStatus(resp) = err else { panic!() };
/// assert_eq!((resp.status(), resp.reason()), (301, "Moved Permanently"));
/// assert!(resp.is_redirect());
/// assert_eq!(resp.location(), Some("wss://example.com/chat"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnexpectedResponse {
    status: u16,
    reason: alloc::string::String,
    headers: alloc::vec::Vec<(alloc::string::String, alloc::vec::Vec<u8>)>,
}

impl UnexpectedResponse {
    pub(crate) fn new(
        status: u16,
        reason: &str,
        headers: alloc::vec::Vec<(alloc::string::String, alloc::vec::Vec<u8>)>,
    ) -> Self {
        Self {
            status,
            reason: reason.into(),
            headers,
        }
    }

    /// The status code, e.g. 302.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase as sent (empty if it was not ASCII).
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Every header line in order: name as sent, raw value.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.headers.iter().map(|(n, v)| (n.as_str(), v.as_slice()))
    }

    /// The value of the first header called `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// Whether the status is a redirect to follow: 301, 302, 303, 307 or 308.
    pub fn is_redirect(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308)
    }

    /// The `Location` header, if there is exactly one and it is visible ASCII (RFC 7231
    /// §7.1.2: a URI reference, possibly relative to the request's URL). `None` otherwise, so
    /// that a redirect target is never half-read.
    pub fn location(&self) -> Option<&str> {
        let mut all = self
            .headers()
            .filter(|(n, _)| n.eq_ignore_ascii_case("location"));
        match (all.next(), all.next()) {
            (Some((_, v)), None) if !v.is_empty() && v.iter().all(|b| b.is_ascii_graphic()) => {
                core::str::from_utf8(v).ok()
            }
            _ => None,
        }
    }
}

impl HandshakeError {
    /// The HTTP status a server answers this request error with over HTTP/1.1; `None` for
    /// client-side errors. See [`status_code_for`](Self::status_code_for) for HTTP/2.
    pub const fn status_code(&self) -> Option<u16> {
        self.status_code_for(crate::handshake::HttpVersion::Http11)
    }

    /// The HTTP status a server answers this request error with over `version`; `None` for
    /// client-side errors. The statuses are the same on both versions but one: an unsupported
    /// `Sec-WebSocket-Version` gets 426 over HTTP/1.1 (RFC 6455 §4.4), and 400 over HTTP/2,
    /// where a 426 cannot carry the `Upgrade` header that RFC 9110 §15.5.22 requires of it
    /// (RFC 9113 §8.2.2 forbids that header); both carry `Sec-WebSocket-Version: 13`.
    ///
    /// ```
    /// use rfc6455::{handshake::HttpVersion, HandshakeError};
    /// let e = HandshakeError::UnsupportedVersion;
    /// assert_eq!(e.status_code_for(HttpVersion::Http11), Some(426));
    /// assert_eq!(e.status_code_for(HttpVersion::Http2), Some(400));
    /// assert_eq!(HandshakeError::ConnectWithoutProtocol.status_code_for(HttpVersion::Http2), Some(501));
    /// ```
    pub const fn status_code_for(&self, version: crate::handshake::HttpVersion) -> Option<u16> {
        match self {
            Self::HeadTooLarge(_) | Self::TooManyHeaders(_) => Some(431),
            Self::UnsupportedVersion => match version {
                crate::handshake::HttpVersion::Http11 => Some(426),
                crate::handshake::HttpVersion::Http2 => Some(400),
            },
            Self::MethodNotGet | Self::MethodNotConnect => Some(405),
            Self::ConnectWithoutProtocol => Some(501),
            Self::Malformed(_)
            | Self::HttpVersion
            | Self::MissingHost
            | Self::NoUpgradeWebsocket
            | Self::NoConnectionUpgrade
            | Self::InvalidKey
            | Self::MalformedExtensions
            | Self::InvalidTarget(_)
            | Self::InvalidHost
            | Self::DuplicateHeader(_)
            | Self::InvalidHeaderValue(_)
            | Self::RequestBody
            | Self::ConnectProtocolNotWebsocket => Some(400),
            _ => None,
        }
    }
}

/// A call to send something could not be carried out; nothing was queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The opening handshake has not completed.
    #[error("the connection is not open yet")]
    NotOpen,
    /// A Close frame was already sent or the connection is closed; only the closing handshake
    /// may follow.
    #[error("the connection is closing or closed")]
    Closed,
    /// Ping, Pong and Close payloads are limited to 125 bytes (close reasons to 123).
    #[error("control frame payload longer than 125 bytes")]
    ControlFrameTooLong,
    /// The close code may not be sent (see [`CloseCode::is_valid_on_wire`]).
    #[error("close code {0} may not be sent")]
    InvalidCloseCode(u16),
    /// A whole message was sent while a fragmented message is unfinished, or a fragment of the
    /// other kind (text vs binary) was sent to continue it.
    #[error("a fragmented message of another kind is unfinished")]
    FragmentInProgress,
}

/// Any error that ends a connection, as returned by
/// [`Connection::next_event`](crate::Connection::next_event).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The peer broke the framing or message rules.
    #[error("protocol error: {0}")]
    Protocol(#[from] ProtocolError),
    /// The opening handshake failed.
    #[error("handshake failed: {0}")]
    Handshake(#[from] HandshakeError),
}

impl Error {
    /// The close code that was sent for this error, if it happened on an open connection.
    pub const fn close_code(&self) -> Option<CloseCode> {
        match self {
            Self::Protocol(e) => Some(e.close_code()),
            Self::Handshake(_) => None,
        }
    }
}

//! The opening handshake (RFC 6455 §4): request and response parsing and writing.
//!
//! The parsers are incremental in the httparse sense: hand them everything received so far and
//! they answer [`Status::Partial`](crate::Status::Partial) until the head is complete. They
//! borrow from the caller's buffer and copy nothing they do not need. The [`Connection`]
//! drives them for you; they are public for drivers that want to handle the HTTP part
//! themselves, and for fuzzing.
//!
//! [`Connection`]: crate::Connection

pub(crate) mod client;
pub(crate) mod server;

use alloc::string::String;
use alloc::vec::Vec;
use base64::Engine as _;
use sha1::Digest as _;

pub use client::{parse_response, ClientOptions, Response, WsUrl};
pub use server::{write_error_response, write_reject_response, AcceptOptions, Request};

pub use crate::error::UnexpectedResponse;

use crate::error::HandshakeError;

/// The HTTP version an opening handshake runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HttpVersion {
    /// HTTP/1.1: `GET` with `Upgrade: websocket`, answered with `101 Switching Protocols`
    /// and `Sec-WebSocket-Accept` (RFC 6455 §4).
    Http11,
    /// HTTP/2: extended `CONNECT` with `:protocol` `websocket` on one stream, answered with
    /// `200` and neither key nor accept (RFC 8441 §4–5). The stream then carries RFC 6455
    /// frames, masking included.
    Http2,
}

/// The GUID that RFC 6455 §1.3 appends to the key.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// A fresh client key (16 bytes from `random`, base64, RFC 6455 §4.1) and the
/// `Sec-WebSocket-Accept` the server must answer it with.
pub(crate) fn new_client_key(random: impl FnOnce(&mut [u8])) -> (alloc::string::String, [u8; 28]) {
    use base64::Engine as _;
    let mut nonce = [0u8; 16];
    random(&mut nonce);
    let key = base64::engine::general_purpose::STANDARD.encode(nonce);
    let accept = accept_key(key.as_bytes());
    (key, accept)
}

/// Computes `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`: base64(SHA-1(key + GUID)).
///
/// ```
/// // RFC 6455 §1.3
/// let accept = rfc6455::handshake::accept_key(b"dGhlIHNhbXBsZSBub25jZQ==");
/// assert_eq!(&accept, b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &[u8]) -> [u8; 28] {
    let mut sha = sha1::Sha1::new();
    sha.update(key);
    sha.update(GUID.as_bytes());
    let digest = sha.finalize();
    let mut out = [0u8; 28];
    let n = base64::engine::general_purpose::STANDARD
        .encode_slice(digest, &mut out)
        .unwrap_or(0);
    debug_assert_eq!(n, 28);
    out
}

/// One header line, borrowed from the received head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    /// The header name as sent.
    pub name: &'a str,
    /// The raw value bytes (surrounding whitespace removed by the HTTP parser).
    pub value: &'a [u8],
}

/// Whether a comma-separated header value contains `token` (ASCII case-insensitive).
pub(crate) fn has_token(value: &[u8], token: &str) -> bool {
    value
        .split(|&b| b == b',')
        .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// Whether any header called `name` contains `token` in its comma-separated value.
pub(crate) fn headers_have_token(headers: &[Header<'_>], name: &str, token: &str) -> bool {
    headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case(name) && has_token(h.value, token))
}

/// The value of the first header called `name` (ASCII case-insensitive).
pub(crate) fn find_header<'a>(headers: &[Header<'a>], name: &str) -> Option<&'a [u8]> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value)
}

/// Comma-separated tokens of every header called `name`, trimmed, empty ones skipped.
pub(crate) fn header_list<'h, 'a: 'h>(
    headers: &'h [Header<'a>],
    name: &'h str,
) -> impl Iterator<Item = &'a str> + 'h {
    headers
        .iter()
        .filter(move |h| h.name.eq_ignore_ascii_case(name))
        .filter_map(|h| core::str::from_utf8(h.value).ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The maximum number of header lines any head may carry, whatever the configuration says.
pub(crate) const HEADER_CAP: usize = 256;

fn convert_headers<'a>(parsed: &[httparse::Header<'a>]) -> Vec<Header<'a>> {
    parsed
        .iter()
        .map(|h| Header {
            name: h.name,
            value: h.value,
        })
        .collect()
}

/// httparse's verdict on a head, with the size limit applied: the head's length once it is
/// complete; `Ok(None)` while more bytes may complete it; an error for a malformed head, or
/// one (complete or not) over `max_handshake_size`. `buf_len` counts the bytes looked at
/// (including skipped interim responses).
fn head_end(
    parsed: Result<httparse::Status<usize>, httparse::Error>,
    buf_len: usize,
    config: &crate::Config,
    max_headers: usize,
) -> Result<Option<usize>, HandshakeError> {
    let too_large = HandshakeError::HeadTooLarge(config.max_handshake_size);
    match parsed {
        Ok(httparse::Status::Complete(n)) => Ok(Some(n)),
        Ok(httparse::Status::Partial) if buf_len > config.max_handshake_size => Err(too_large),
        Ok(httparse::Status::Partial) => Ok(None),
        Err(e) => Err(map_httparse(e, max_headers)),
    }
}

fn map_httparse(e: httparse::Error, max_headers: usize) -> HandshakeError {
    match e {
        httparse::Error::TooManyHeaders => HandshakeError::TooManyHeaders(max_headers),
        httparse::Error::HeaderName => HandshakeError::Malformed("invalid header name"),
        httparse::Error::HeaderValue => HandshakeError::Malformed("invalid header value"),
        httparse::Error::NewLine => HandshakeError::Malformed("invalid line ending"),
        httparse::Error::Status => HandshakeError::Malformed("invalid status"),
        httparse::Error::Token => HandshakeError::Malformed("invalid token"),
        httparse::Error::Version => HandshakeError::Malformed("invalid HTTP version"),
    }
}

/// A 256-entry membership table: ASCII letters and digits plus `extra`.
const fn byte_table(extra: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
}

/// RFC 7230 `tchar`.
static TCHAR: [bool; 256] = byte_table(b"!#$%&'*+-.^_`|~");
/// RFC 3986 `unreserved` and `sub-delims`: a `reg-name` without its `%XX`.
static REG_NAME: [bool; 256] = byte_table(b"-._~!$&'()*+,;=");

/// RFC 7230 `tchar`: the bytes of a token.
#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// A non-empty RFC 7230 token.
pub(crate) fn is_token(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_tchar(b))
}

/// RFC 7230 `1#token`: tokens separated by commas with optional whitespace; empty elements
/// are allowed (RFC 7230 §7) as long as one token is there.
pub(crate) fn is_token_list(s: &[u8]) -> bool {
    let mut any = false;
    // 0: before a token (whitespace or commas allowed), 1: in a token, 2: after a token.
    let mut state = 0u8;
    for &b in s {
        state = match (state, b) {
            (_, b',') => 0,
            (0, b' ' | b'\t') => 0,
            (_, b' ' | b'\t') => 2,
            (0 | 1, b) if is_tchar(b) => {
                any = true;
                1
            }
            _ => return false,
        };
    }
    any
}

/// Non-empty and all visible ASCII (`VCHAR`, 0x21–0x7E).
pub(crate) fn is_visible_ascii(s: &[u8]) -> bool {
    // Branch-free over the bytes, so that it vectorizes.
    !s.is_empty()
        && s.iter()
            .fold(0u8, |bad, &b| bad | u8::from(!b.is_ascii_graphic()))
            == 0
}

/// An RFC 7230 `field-value` as this crate writes one: no control characters but HTAB (so
/// no CR, LF, NUL or DEL), no leading or trailing whitespace; may be empty.
fn is_field_value(s: &[u8]) -> bool {
    let ws = |b: &u8| *b == b' ' || *b == b'\t';
    s.iter().all(|&b| b == b'\t' || (b >= b' ' && b != 0x7f))
        && !s.first().is_some_and(ws)
        && !s.last().is_some_and(ws)
}

/// RFC 3986 `reg-name` or `IPv4address`, non-empty; `%` only as `%XX`.
pub(crate) fn is_reg_name(s: &[u8]) -> bool {
    if s.is_empty() {
        return false;
    }
    // The usual case, a name or IPv4 address without `%`, in one branch-free pass.
    if s.iter()
        .fold(0u8, |bad, &b| bad | u8::from(!REG_NAME[usize::from(b)]))
        == 0
    {
        return true;
    }
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            if !(i + 2 < s.len() && s[i + 1].is_ascii_hexdigit() && s[i + 2].is_ascii_hexdigit()) {
                return false;
            }
            i += 3;
        } else if REG_NAME[usize::from(s[i])] {
            i += 1;
        } else {
            return false;
        }
    }
    true
}

/// The inside of an RFC 3986 `IP-literal` as this crate accepts it: an IPv6 address (hex
/// digits, `:` and `.` for an embedded IPv4 address).
pub(crate) fn is_ipv6_literal(s: &[u8]) -> bool {
    core::str::from_utf8(s).is_ok_and(|s| s.parse::<core::net::Ipv6Addr>().is_ok())
}

/// Whether `key` is a valid `Sec-WebSocket-Key`: base64 (canonical, padded) of exactly 16
/// bytes (RFC 6455 §4.1, item 7).
pub(crate) fn is_valid_key(key: &[u8]) -> bool {
    let mut decoded = [0u8; 18];
    key.len() == 24
        && matches!(
            base64::engine::general_purpose::STANDARD.decode_slice(key, &mut decoded),
            Ok(16)
        )
}

/// RFC 7230 §5.4 `Host = uri-host [ ":" port ]`, with a non-empty host.
pub(crate) fn is_host_port(v: &[u8]) -> bool {
    let (host_ok, port) = if let Some(rest) = v.strip_prefix(b"[") {
        match rest.iter().position(|&b| b == b']') {
            Some(end) => (is_ipv6_literal(&rest[..end]), &rest[end + 1..]),
            None => return false,
        }
    } else {
        let end = v.iter().position(|&b| b == b':').unwrap_or(v.len());
        (is_reg_name(&v[..end]), &v[end..])
    };
    let port_ok = match port {
        [] => true,
        [b':', digits @ ..] => digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    host_ok && port_ok
}

/// A `Sec-WebSocket-Extensions` value (RFC 6455 §9.1): one or more elements
/// `token *( ";" token [ "=" ( token / quoted-string ) ] )` separated by commas, with optional
/// whitespace around the separators; a quoted value must be a token once unescaped. Returns
/// the number of elements, 0 if invalid.
pub(crate) fn extension_list_len(s: &[u8]) -> usize {
    let ws = |b: u8| b == b' ' || b == b'\t';
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < s.len() && ws(s[*i]) {
            *i += 1;
        }
    };
    let token = |i: &mut usize| {
        let start = *i;
        while *i < s.len() && is_tchar(s[*i]) {
            *i += 1;
        }
        *i > start
    };
    let mut elements = 0;
    loop {
        skip_ws(&mut i);
        if !token(&mut i) {
            return 0;
        }
        elements += 1;
        loop {
            skip_ws(&mut i);
            match s.get(i) {
                Some(b';') => {
                    i += 1;
                    skip_ws(&mut i);
                    if !token(&mut i) {
                        return 0;
                    }
                    skip_ws(&mut i);
                    if s.get(i) == Some(&b'=') {
                        i += 1;
                        skip_ws(&mut i);
                        if s.get(i) == Some(&b'"') {
                            // RFC 6455 §9.1: unescaped, a quoted value is a token too.
                            i += 1;
                            let start = i;
                            loop {
                                match s.get(i) {
                                    Some(b'"') if i > start => break,
                                    Some(b'\\') if s.get(i + 1).is_some_and(|&b| is_tchar(b)) => {
                                        i += 2
                                    }
                                    Some(&b) if is_tchar(b) => i += 1,
                                    _ => return 0,
                                }
                            }
                            i += 1;
                        } else if !token(&mut i) {
                            return 0;
                        }
                    }
                }
                Some(b',') => {
                    i += 1;
                    break;
                }
                None => return elements,
                Some(_) => return 0,
            }
        }
    }
}

/// The reserved header that `name` is, if users may not add it: `reserved` lists names the
/// crate writes itself in this head (as they are reported); `Host`, `Upgrade`, `Connection`,
/// `Sec-WebSocket-*`, `Content-Length` and `Transfer-Encoding` are always refused.
fn reserved_name(name: &str, reserved: &[&'static str]) -> Option<&'static str> {
    const ALWAYS: [&str; 5] = [
        "Host",
        "Upgrade",
        "Connection",
        "Content-Length",
        "Transfer-Encoding",
    ];
    if name
        .get(..14)
        .is_some_and(|p| p.eq_ignore_ascii_case("sec-websocket-"))
    {
        return Some("Sec-WebSocket-*");
    }
    ALWAYS
        .iter()
        .chain(reserved)
        .find(|r| name.eq_ignore_ascii_case(r))
        .copied()
}

/// Checks a user-supplied header before it is written: a token name that is not reserved, a
/// field-value.
fn check_header(name: &str, value: &str, reserved: &[&'static str]) -> Result<(), HandshakeError> {
    if !is_token(name.as_bytes()) || !is_field_value(value.as_bytes()) {
        return Err(HandshakeError::InvalidHeader);
    }
    match reserved_name(name, reserved) {
        Some(r) => Err(HandshakeError::ReservedHeader(r)),
        None => Ok(()),
    }
}

fn write_header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Checks every user header (see [`check_header`]); writes nothing.
pub(crate) fn check_headers(
    headers: &[(String, String)],
    reserved: &[&'static str],
) -> Result<(), HandshakeError> {
    headers
        .iter()
        .try_for_each(|(n, v)| check_header(n, v, reserved))
}

/// Writes headers that [`check_headers`] accepted.
fn write_headers(out: &mut Vec<u8>, headers: &[(String, String)]) {
    for (n, v) in headers {
        write_header(out, n, v.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_accept_vector() {
        assert_eq!(
            &accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn tokens() {
        assert!(has_token(b"keep-alive, Upgrade", "upgrade"));
        assert!(has_token(b"WebSocket", "websocket"));
        assert!(!has_token(b"websockets", "websocket"));
        assert!(!has_token(b"", "upgrade"));
    }
}

//! The opening handshake (RFC 6455 §4): request and response parsing and writing.
//!
//! The parsers are incremental in the httparse sense: hand them everything received so far and
//! they answer [`Status::Partial`](crate::Status::Partial) until the head is complete. They
//! borrow from the caller's buffer and copy nothing they do not need. The [`Connection`]
//! drives them for you; they are public for drivers that want to handle the HTTP part
//! themselves, and for fuzzing.
//!
//! [`Connection`]: crate::Connection

mod client;
pub(crate) mod server;

use alloc::string::String;
use alloc::vec::Vec;
use base64::Engine as _;
use sha1::Digest as _;

pub use client::{parse_response, ClientOptions, Response, WsUrl};
pub use server::{write_error_response, write_reject_response, AcceptOptions, Request};

use crate::error::HandshakeError;

/// The GUID that RFC 6455 §1.3 appends to the key.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

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

/// Checks a user-supplied header before it is written: a token name, a value without CR/LF.
fn check_header(name: &str, value: &str) -> Result<(), HandshakeError> {
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    let value_ok = value.bytes().all(|b| b != b'\r' && b != b'\n' && b != 0);
    if name_ok && value_ok {
        Ok(())
    } else {
        Err(HandshakeError::InvalidHeader)
    }
}

fn write_header(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

fn write_headers(out: &mut Vec<u8>, headers: &[(String, String)]) -> Result<(), HandshakeError> {
    for (n, v) in headers {
        check_header(n, v)?;
        write_header(out, n, v.as_bytes());
    }
    Ok(())
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

//! Extension negotiation headers (RFC 6455 §9.1).
//!
//! `Sec-WebSocket-Extensions` carries a comma-separated list of extensions, each a name with
//! `;`-separated parameters that may have a value (a token or a quoted string). This module
//! parses that list into [`ExtensionOffer`]s; deciding what to accept is the job of the
//! extension itself (permessage-deflate, RFC 7692) or of the user.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::HandshakeError;

/// One extension from a `Sec-WebSocket-Extensions` header: a name and its parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionOffer<'a> {
    /// The extension's name, e.g. `permessage-deflate`.
    pub name: &'a str,
    /// The parameters in order: name and optional value. A quoted value is given without its
    /// quotes and with its quoted-pairs (`\x`) unescaped (RFC 6455 §9.1); it is borrowed
    /// unless it had to be unescaped.
    pub params: Vec<(&'a str, Option<Cow<'a, str>>)>,
}

impl<'a> ExtensionOffer<'a> {
    /// The value of the first parameter called `name` (ASCII case-insensitive): `None` if absent,
    /// `Some(None)` if present without a value.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }
}

/// RFC 7230 `tchar`s as a bit set over the ASCII range.
const TCHAR: u128 = {
    let mut set = 0u128;
    let mut b = 0u8;
    while b < 128 {
        let special = matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        );
        if b.is_ascii_alphanumeric() || special {
            set |= 1 << b;
        }
        b += 1;
    }
    set
};

#[inline]
fn is_tchar(b: u8) -> bool {
    b < 128 && TCHAR >> b & 1 == 1
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }
    fn skip_ws(&mut self) {
        while self.peek().is_some_and(is_ws) {
            self.i += 1;
        }
    }
    fn token(&mut self) -> Result<&'a str, HandshakeError> {
        let start = self.i;
        while self.peek().is_some_and(is_tchar) {
            self.i += 1;
        }
        if start == self.i {
            return Err(HandshakeError::MalformedExtensions);
        }
        Ok(&self.s[start..self.i])
    }
    /// A token, or a quoted-string whose value after unescaping is a token (RFC 6455 §9.1).
    fn value(&mut self) -> Result<Cow<'a, str>, HandshakeError> {
        if self.peek() != Some(b'"') {
            return self.token().map(Cow::Borrowed);
        }
        self.i += 1;
        let start = self.i;
        let mut unescaped: Option<String> = None;
        while let Some(b) = self.peek() {
            match b {
                b'"' => {
                    let raw = &self.s[start..self.i];
                    self.i += 1;
                    let v = match unescaped {
                        Some(u) => Cow::Owned(u),
                        None => Cow::Borrowed(raw),
                    };
                    if v.is_empty() || !v.bytes().all(is_tchar) {
                        return Err(HandshakeError::MalformedExtensions);
                    }
                    return Ok(v);
                }
                b'\\' => {
                    // quoted-pair: the next character stands for itself.
                    let u = unescaped.get_or_insert_with(|| String::from(&self.s[start..self.i]));
                    self.i += 1;
                    match self.peek() {
                        // Only a token character can survive the token check below.
                        Some(c) if is_tchar(c) => u.push(char::from(c)),
                        _ => return Err(HandshakeError::MalformedExtensions),
                    }
                    self.i += 1;
                }
                _ => {
                    if let Some(u) = unescaped.as_mut() {
                        // Anything else is checked as a token character at the end; a
                        // non-ASCII byte cannot be one, so it is refused here.
                        if !b.is_ascii() {
                            return Err(HandshakeError::MalformedExtensions);
                        }
                        u.push(char::from(b));
                    }
                    self.i += 1;
                }
            }
        }
        Err(HandshakeError::MalformedExtensions)
    }
}

/// Parses one `Sec-WebSocket-Extensions` header value, appending its extensions to `out`.
///
/// ```
/// use rfc6455::extensions::parse_extensions;
/// let mut offers = Vec::new();
/// parse_extensions("permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits=\"10\"", &mut offers).unwrap();
/// assert_eq!(offers.len(), 2);
/// assert_eq!(offers[0].param("client_max_window_bits"), Some(None));
/// assert_eq!(offers[1].param("server_max_window_bits"), Some(Some("10")));
/// ```
pub fn parse_extensions<'a>(
    value: &'a str,
    out: &mut Vec<ExtensionOffer<'a>>,
) -> Result<(), HandshakeError> {
    let mut c = Cursor { s: value, i: 0 };
    loop {
        c.skip_ws();
        // Empty list elements are allowed by the #rule (e.g. "a, , b").
        if c.peek() == Some(b',') {
            c.i += 1;
            continue;
        }
        if c.peek().is_none() {
            return Ok(());
        }
        let name = c.token()?;
        let mut params = Vec::new();
        loop {
            c.skip_ws();
            match c.peek() {
                Some(b';') => {
                    c.i += 1;
                    c.skip_ws();
                    let pname = c.token()?;
                    c.skip_ws();
                    let pvalue = if c.peek() == Some(b'=') {
                        c.i += 1;
                        c.skip_ws();
                        Some(c.value()?)
                    } else {
                        None
                    };
                    params.push((pname, pvalue));
                }
                Some(b',') | None => break,
                Some(_) => return Err(HandshakeError::MalformedExtensions),
            }
        }
        out.push(ExtensionOffer { name, params });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn parse(s: &str) -> Result<Vec<ExtensionOffer<'_>>, HandshakeError> {
        let mut v = Vec::new();
        parse_extensions(s, &mut v).map(|()| v)
    }

    #[test]
    fn valid() {
        assert_eq!(parse("").unwrap(), vec![]);
        let v = parse("permessage-deflate; client_max_window_bits").unwrap();
        assert_eq!(v[0].name, "permessage-deflate");
        assert_eq!(v[0].params, vec![("client_max_window_bits", None)]);
        let v = parse("foo;a=1;b=\"x\" , bar ,, baz;c").unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(
            v[0].params,
            vec![("a", Some("1".into())), ("b", Some("x".into()))]
        );
        assert_eq!(v[1].params, vec![]);
        assert_eq!(v[2].param("C"), Some(None));
    }

    /// RFC 6455 §9.1: a quoted value is unescaped, then must be a token.
    #[test]
    fn quoted_values_are_unescaped() {
        let v = parse("foo; a=\"\\1\\0\"; b=\"1\\5\"; c=\"15\"").unwrap();
        assert_eq!(v[0].param("a"), Some(Some("10")));
        assert_eq!(v[0].param("b"), Some(Some("15")));
        assert_eq!(v[0].param("c"), Some(Some("15")));
        assert!(matches!(v[0].params[2].1, Some(Cow::Borrowed("15"))));
    }

    #[test]
    fn invalid() {
        for s in [
            "foo;",
            "foo;=1",
            "foo;a=",
            "foo;a=\"x",
            "foo;a=\"x y\"",
            "fo o",
            "foo bar",
            "; a",
            "foo;a=1 2",
            // Quoted values must be tokens once unescaped (RFC 6455 §9.1).
            "foo;a=\"\"",
            "foo;a=\"a\\\"b\"",
            "foo;a=\"a\\ b\"",
            "foo;a=\"1\\",
            "foo;a=\"é\"",
            "foo;a=\"\\1é\"",
        ] {
            assert_eq!(parse(s), Err(HandshakeError::MalformedExtensions), "{s:?}");
        }
    }
}

#[cfg(feature = "deflate")]
pub mod deflate;

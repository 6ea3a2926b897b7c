//! Adversarial review (round 2) of the opening handshake: builders, request and response
//! parsing, and the server's accept/reject state machine.

mod common;

use common::*;
use rfc6455::handshake::{
    accept_key, parse_response, write_reject_response, AcceptOptions, ClientOptions, Request, WsUrl,
};
use rfc6455::{Config, Connection, Error, HandshakeError, State, Status};

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

fn req(extra: &str) -> String {
    format!(
        "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
}

fn parse(raw: &[u8]) -> Result<Status<Request<'_>>, HandshakeError> {
    Request::parse(raw, &Config::default())
}

fn resp<'a>(
    raw: &'a str,
    opts: &ClientOptions,
) -> Result<Status<rfc6455::handshake::Response<'a>>, HandshakeError> {
    parse_response(
        raw.as_bytes(),
        &accept_key(KEY.as_bytes()),
        opts,
        &Config::default(),
    )
}

/// `WsUrl::new` documents `host` as "a registered name or IPv4 address, or an IPv6 address
/// without brackets". `10.0.0.1:8080` is neither (host and port pasted together), but it is
/// taken for an IPv6 literal: the Host header becomes `[10.0.0.1:8080]:80` and `host()` is
/// not something one can connect to.
#[test]
fn ws_url_new_refuses_host_with_port_as_ipv6() {
    for host in ["10.0.0.1:8080", "beef:80", ":", "1.2.3.4:5"] {
        assert!(
            WsUrl::new(false, host, 80, "/").is_err(),
            "{host:?} accepted as {:?}",
            WsUrl::new(false, host, 80, "/").map(|u| u.host_header())
        );
    }
    for url in ["ws://[1.2.3.4:5]/", "ws://[:]/", "ws://[beef:80]/x"] {
        assert!(WsUrl::parse(url).is_err(), "{url} accepted");
    }
}

/// RFC 3986 IP-literal: `[:]` or `[1.2.3.4:5]` is not an IPv6 address, so it is not a valid
/// `Host` (the doc of `Request::host` promises "a valid host[:port]").
#[test]
fn request_host_ipv6_literal_is_checked() {
    for host in ["[:]", "[1.2.3.4:5]:80", "[::::::::::]"] {
        let raw = req("").replace("Host: example.com", &format!("Host: {host}"));
        assert_eq!(
            parse(raw.as_bytes()).map(|_| ()),
            Err(HandshakeError::InvalidHost),
            "{host}"
        );
    }
}

/// A 401 needs a challenge (RFC 7235 §4.1: `WWW-Authenticate = 1#challenge`); the doc says a
/// 401 without `WWW-Authenticate` fails. An empty one is no challenge either.
#[test]
fn reject_401_with_empty_challenge_is_refused() {
    let mut out = Vec::new();
    let r = write_reject_response(
        401,
        &[("WWW-Authenticate".into(), String::new())],
        b"",
        &mut out,
    );
    assert!(r.is_err(), "{}", String::from_utf8_lossy(&out));
    assert!(out.is_empty());
    let r = write_reject_response(302, &[("Location".into(), String::new())], b"", &mut out);
    assert!(r.is_err(), "{}", String::from_utf8_lossy(&out));
}

/// Two `Location` headers make the client's `UnexpectedResponse::location()` answer `None`:
/// the crate's own server side should not be able to write a redirect its client side cannot
/// follow.
#[test]
fn reject_redirect_with_two_locations_is_refused() {
    let mut out = Vec::new();
    let h = [
        ("Location".to_string(), "/a".to_string()),
        ("location".to_string(), "/b".to_string()),
    ];
    let r = write_reject_response(307, &h, b"", &mut out);
    assert!(r.is_err(), "{}", String::from_utf8_lossy(&out));
}

/// `write_request` promises "`key` 24 base64 characters ([`HandshakeError::InvalidKey`])";
/// padding only at the end, and the server side decodes it to 16 bytes.
#[test]
fn write_request_key_must_be_base64_of_16_bytes() {
    let url = WsUrl::parse("ws://h/").unwrap();
    let mut out = Vec::new();
    for key in [
        "========================",
        "AAAAAAAAAAAAAAAAAAAAAA=A",
        "AAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let r = ClientOptions::new().write_request(&url, key, &mut out);
        assert_eq!(r, Err(HandshakeError::InvalidKey), "{key}");
        assert!(out.is_empty());
    }
}

/// A response's `Sec-WebSocket-Protocol` must name an offered subprotocol; an empty value
/// is not one, even when the options passed to `parse_response` carry an empty string.
#[test]
fn response_empty_protocol_is_not_a_choice() {
    let ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: \r\n\r\n";
    let opts = ClientOptions::new().protocol("");
    assert!(
        resp(ok, &opts).is_err(),
        "{:?}",
        resp(ok, &opts).map(|s| match s {
            Status::Complete(r) => format!("{:?}", r.protocol()),
            Status::Partial => "partial".into(),
        })
    );
}

// ---- Things that held up (kept as regression evidence) ----

#[test]
fn injection_through_every_builder_value_is_refused() {
    let url = WsUrl::parse("ws://h/").unwrap();
    let bad_values = [
        "a\r\nX: 1",
        "a\nX: 1",
        "a\rX",
        "a\0b",
        "a\x7fb",
        " a",
        "a ",
        "a\x0bb",
    ];
    for v in bad_values {
        let mut out = Vec::new();
        assert!(ClientOptions::new()
            .origin(v)
            .write_request(&url, KEY, &mut out)
            .is_err());
        assert!(ClientOptions::new()
            .protocol(v)
            .write_request(&url, KEY, &mut out)
            .is_err());
        // (Surrounding whitespace is OWS in an extension list: only controls must fail.)
        if v.trim() == v || v.contains(|c: char| c.is_ascii_control()) {
            assert!(
                ClientOptions::new()
                    .extension(v)
                    .write_request(&url, KEY, &mut out)
                    .is_err(),
                "{v:?}"
            );
        }
        assert!(ClientOptions::new()
            .header("X-A", v)
            .write_request(&url, KEY, &mut out)
            .is_err());
        assert!(ClientOptions::new()
            .header(v, "x")
            .write_request(&url, KEY, &mut out)
            .is_err());
        assert!(out.is_empty());
        assert!(WsUrl::new(false, v, 80, "/").is_err());
        assert!(WsUrl::new(false, "h", 80, &format!("/{v}")).is_err());
        assert!(WsUrl::parse(&format!("ws://h/{v}")).is_err() || !v.contains(['\r', '\n', '\0']));
        assert!(write_reject_response(400, &[("X-A".into(), v.into())], b"", &mut out).is_err());
        assert!(out.is_empty());
        // Server accept with a hand-written value.
        let mut s = Connection::server(Config::default());
        feed(&mut s, req("Sec-WebSocket-Protocol: chat\r\n").as_bytes());
        for opts in [
            AcceptOptions::new().protocol(v),
            AcceptOptions::new().header("X-A", v),
            AcceptOptions {
                extensions: Some(v.into()),
                ..AcceptOptions::new()
            },
        ] {
            if opts.extensions.is_some()
                && v.trim() != v
                && !v.contains(|c: char| c.is_ascii_control())
            {
                continue;
            }
            assert!(s.accept(&opts).is_err(), "{v:?}");
            assert!(output(&mut s).is_empty());
        }
        assert!(s.accept(&AcceptOptions::new().protocol("chat")).is_ok());
    }
}

#[test]
fn non_utf8_access_headers_fail_closed() {
    for h in [
        "Origin: http://\u{ff}example.com",
        "Origin: ",
        "Origin: http://a.com\r\nOrigin: http://b.com",
        "Origin: http://a.com http://b.com",
        "Sec-WebSocket-Protocol: ch\u{e9}t",
        "Sec-WebSocket-Protocol: ",
        "Sec-WebSocket-Extensions: permessage-deflate; x=\"\u{e9}\"",
    ] {
        let raw = req(&format!("{h}\r\n"));
        let mut raw = raw.into_bytes();
        // Turn U+00C0..U+00FF (C3 xx) into a lone obs-text byte.
        if let Some(p) = raw.windows(2).position(|w| w[0] == 0xc3) {
            raw[p + 1] += 0x40;
            raw.remove(p);
        }
        let r = parse(&raw);
        assert!(r.is_err(), "{h:?} accepted");
    }
    let raw = req("origin: null\r\n");
    let Ok(Status::Complete(r)) = parse(raw.as_bytes()) else {
        panic!()
    };
    assert_eq!(r.origin(), Some("null"));
}

#[test]
fn body_framing_variants() {
    for (h, ok) in [
        ("Content-Length: 0", true),
        ("Content-Length: 00", true),
        ("Content-Length: +0", false),
        ("Content-Length: -0", false),
        ("Content-Length: 0\r\nContent-Length: 1", false),
        ("Content-Length: 0, 0", false),
        ("Transfer-Encoding: identity", false),
        ("Transfer-Encoding: chunked", false),
    ] {
        let raw = req(&format!("{h}\r\n"));
        assert_eq!(parse(raw.as_bytes()).is_ok(), ok, "{h}");
    }
}

#[test]
fn target_forms() {
    for (target, host, ok) in [
        ("ws://example.com/chat", "example.com", true),
        ("WS://EXAMPLE.com?x", "example.com", true),
        ("ws://user@example.com/", "example.com", false),
        ("ws://example.com:80/", "example.com", false),
        ("ws://[::1]:9/", "[::1]:9", true),
        ("ws://[::1]/", "[::1]:9", false),
        ("/chat#frag", "example.com", false),
        ("*", "example.com", false),
        ("example.com:80", "example.com", false),
        ("ftp://example.com/", "example.com", false),
        ("/%00%0d%0a", "example.com", true),
    ] {
        let raw = req("")
            .replace("/chat", target)
            .replace("Host: example.com", &format!("Host: {host}"));
        assert_eq!(parse(raw.as_bytes()).is_ok(), ok, "{target} / {host}");
    }
    let raw = req("").replace("GET /chat", "CONNECT example.com:80");
    assert_eq!(
        parse(raw.as_bytes()).map(|_| ()),
        Err(HandshakeError::MethodNotGet)
    );
    let long = format!("/{}", "a".repeat(20_000));
    let raw = req("").replace("/chat", &long);
    assert!(matches!(
        parse(raw.as_bytes()),
        Err(HandshakeError::HeadTooLarge(_))
    ));
}

#[test]
fn key_variants() {
    for key in [
        "dGhlIHNhbXBsZSBub25jZQ",
        "dGhlIHNhbXBsZSBub25jZR==",
        "dGhlIHNhbXBsZSBub25jZQ=A",
        "dGhlIHNhbXBsZSBub25jZ===",
        "dGhlIHNhbXBsZSBub25jZQ-_",
        "dGhlIHNhbXBsZSBub25jZQ==dGhl",
    ] {
        let raw = req("").replace(KEY, key);
        assert_eq!(
            parse(raw.as_bytes()).map(|_| ()),
            Err(HandshakeError::InvalidKey),
            "{key}"
        );
    }
}

#[test]
fn header_limits_at_extremes() {
    let raw = req("");
    for (max, ok) in [(0, false), (1, false), (5, true), (usize::MAX, true)] {
        let mut cfg = Config::default();
        cfg.max_headers = max;
        assert_eq!(Request::parse(raw.as_bytes(), &cfg).is_ok(), ok, "{max}");
    }
    let mut cfg = Config::default();
    cfg.max_handshake_size = 0;
    assert!(Request::parse(raw.as_bytes(), &cfg).is_err());
    cfg.max_handshake_size = usize::MAX;
    assert!(Request::parse(raw.as_bytes(), &cfg).is_ok());
}

#[test]
fn interim_flood_and_statuses() {
    let flood = "HTTP/1.1 100 Continue\r\n\r\n".repeat(2000);
    assert!(matches!(
        resp(&flood, &ClientOptions::new()),
        Err(HandshakeError::HeadTooLarge(_))
    ));
    let r = resp(
        "HTTP/1.1 101 Switching Protocols\r\n\r\n",
        &ClientOptions::new(),
    );
    assert_eq!(r.map(|_| ()), Err(HandshakeError::NoUpgradeWebsocket));
    let Err(HandshakeError::UnexpectedStatus(u)) = resp(
        "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n",
        &ClientOptions::new(),
    ) else {
        panic!()
    };
    assert!(u.is_redirect() && u.location().is_none());
    let Err(HandshakeError::UnexpectedStatus(u)) = resp(
        "HTTP/1.1 302 Found\r\nLocation: /a\r\nLocation: /b\r\n\r\n",
        &ClientOptions::new(),
    ) else {
        panic!()
    };
    assert!(u.location().is_none());
}

#[test]
fn server_answer_state_machine() {
    let mut s = Connection::server(Config::default());
    assert!(matches!(
        feed(&mut s, req("").as_bytes()).as_slice(),
        [Ev::Request(_)]
    ));
    // Failed rejects leave the request waiting and write nothing.
    assert!(s.reject(200, &[], b"").is_err());
    assert!(s.reject(401, &[], b"").is_err());
    assert!(s.reject(301, &[], b"").is_err());
    assert!(s
        .reject(405, &[("Allow".into(), "POST".into())], b"")
        .is_err());
    assert!(output(&mut s).is_empty());
    assert_eq!(s.state(), State::Connecting);
    s.accept(&AcceptOptions::new()).unwrap();
    assert_eq!(s.state(), State::Open);
    let first = output(&mut s);
    assert!(first.starts_with(b"HTTP/1.1 101"));
    assert_eq!(
        s.accept(&AcceptOptions::new()),
        Err(HandshakeError::NotAwaitingAnswer)
    );
    assert_eq!(
        s.reject(403, &[], b""),
        Err(HandshakeError::NotAwaitingAnswer)
    );
    assert!(output(&mut s).is_empty());
    assert_eq!(s.state(), State::Open);

    // A failed request: Closed, response queued, no more events.
    let mut s = Connection::server(Config::default());
    let evs = feed(&mut s, req("").replace("13", "8").as_bytes());
    assert!(matches!(
        evs.as_slice(),
        [Ev::Err(Error::Handshake(
            HandshakeError::UnsupportedVersion
        ))]
    ));
    assert_eq!(s.state(), State::Closed);
    assert!(output(&mut s).starts_with(b"HTTP/1.1 426"));
    assert!(s.should_close_transport());
    assert_eq!(
        s.accept(&AcceptOptions::new()),
        Err(HandshakeError::NotAwaitingAnswer)
    );
}

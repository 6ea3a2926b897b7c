//! The opening handshake on `http` types (feature `http`): HTTP/1.1 Upgrade and HTTP/2
//! extended CONNECT (RFC 8441), server and client.
//!
//! The rules are shared with the byte parser, and these tests hold the two paths to that:
//! the same logical request goes through `Request::parse` (bytes) and `http::parse_request`
//! (`http::request::Parts`, over HTTP/1.1 and HTTP/2) and must come out the same, accepted
//! with the same fields or refused with the same typed error and status.
#![cfg(feature = "http")]

use proptest::prelude::*;
use rfc6455::handshake::{
    accept_key, write_error_response, AcceptOptions, ClientOptions, HttpVersion, Request, WsUrl,
};
use rfc6455::http::{accept, client_request, error_response, parse_request, ClientHandshake};
use rfc6455::{Config, Connection, Event, HandshakeError, Role, State, Status};

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// The fields of an accepted request that both paths must agree on.
#[derive(Clone, Debug, PartialEq)]
struct Fields {
    path: String,
    query: Option<String>,
    host: String,
    origin: Option<String>,
    protocols: Vec<String>,
    extensions: Vec<String>,
}

fn fields(r: &Request<'_>) -> Fields {
    Fields {
        path: r.path().into(),
        query: r.query().map(Into::into),
        host: r.host().into(),
        origin: r.origin().map(Into::into),
        protocols: r.protocols().map(Into::into).collect(),
        extensions: r.extensions().iter().map(|e| format!("{e:?}")).collect(),
    }
}

/// An HTTP/1.1 request as bytes: `GET target`, then the headers in order.
fn h1_bytes(method: &str, target: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut s = format!("{method} {target} HTTP/1.1\r\n");
    for (n, v) in headers {
        s.push_str(&format!("{n}: {v}\r\n"));
    }
    s.push_str("\r\n");
    s.into_bytes()
}

fn parts(
    method: &str,
    version: http::Version,
    target: &str,
    headers: &[(&str, &str)],
) -> http::request::Parts {
    let mut b = http::Request::builder()
        .method(method)
        .version(version)
        .uri(target);
    for (n, v) in headers {
        b = b.header(*n, *v);
    }
    b.body(()).unwrap().into_parts().0
}

fn by_bytes(raw: &[u8]) -> Result<Fields, HandshakeError> {
    match Request::parse(raw, &Config::default())? {
        Status::Complete(r) => {
            assert_eq!(r.http_version(), HttpVersion::Http11);
            Ok(fields(&r))
        }
        Status::Partial => panic!("partial"),
    }
}

fn by_http(p: &http::request::Parts, protocol: Option<&str>) -> Result<Fields, HandshakeError> {
    parse_request(p, protocol, &Config::default()).map(|r| fields(&r))
}

/// The status a byte-level server answers `raw` with (0 if it accepts it).
fn byte_status(raw: &[u8]) -> u16 {
    let mut s = Connection::server(Config::default());
    s.receive(raw);
    match s.next_event() {
        Ok(Some((Event::Request(_), _))) => 0,
        Err(_) => {
            let out = s.pending_output();
            std::str::from_utf8(&out[9..12]).unwrap().parse().unwrap()
        }
        other => panic!("unexpected {other:?}"),
    }
}

/// The headers every WebSocket request has over HTTP/1.1 and not over HTTP/2.
const H1_ONLY: [(&str, &str); 4] = [
    ("Host", "example.com"),
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", KEY),
];

/// The headers both versions share in the base request.
const COMMON: [(&str, &str); 4] = [
    ("Sec-WebSocket-Version", "13"),
    ("Origin", "https://example.com"),
    ("Sec-WebSocket-Protocol", "chat, superchat"),
    (
        "Sec-WebSocket-Extensions",
        "permessage-deflate; client_max_window_bits",
    ),
];

/// One logical request: the base with the headers in `remove` taken out (on both versions)
/// and `add` appended; what each version must answer (`Ok(())` for accepted).
struct Case {
    name: &'static str,
    remove: &'static [&'static str],
    add: &'static [(&'static str, &'static str)],
    h1: Result<(), HandshakeError>,
    h2: Result<(), HandshakeError>,
}

fn cases() -> Vec<Case> {
    use HandshakeError as E;
    let both = |name, remove, add, e: Result<(), HandshakeError>| Case {
        name,
        remove,
        add,
        h1: e.clone(),
        h2: e,
    };
    vec![
        both("base", &[], &[], Ok(())),
        both(
            "Origin repeated",
            &[],
            &[("Origin", "https://evil.example")],
            Err(E::DuplicateHeader("Origin")),
        ),
        both(
            "Origin empty",
            &["Origin"],
            &[("Origin", "")],
            Err(E::InvalidHeaderValue("Origin")),
        ),
        both(
            "Origin not visible ASCII",
            &["Origin"],
            &[("Origin", "https://a b")],
            Err(E::InvalidHeaderValue("Origin")),
        ),
        both("no Origin", &["Origin"], &[], Ok(())),
        both(
            "version 8",
            &["Sec-WebSocket-Version"],
            &[("Sec-WebSocket-Version", "8")],
            Err(E::UnsupportedVersion),
        ),
        both(
            "no version",
            &["Sec-WebSocket-Version"],
            &[],
            Err(E::UnsupportedVersion),
        ),
        both(
            "version repeated",
            &[],
            &[("Sec-WebSocket-Version", "13")],
            Err(E::DuplicateHeader("Sec-WebSocket-Version")),
        ),
        both(
            "protocol list not tokens",
            &["Sec-WebSocket-Protocol"],
            &[("Sec-WebSocket-Protocol", "chat, sup er")],
            Err(E::InvalidHeaderValue("Sec-WebSocket-Protocol")),
        ),
        both(
            "protocol list with empty elements",
            &["Sec-WebSocket-Protocol"],
            &[("Sec-WebSocket-Protocol", ", chat,,v2 ,")],
            Ok(()),
        ),
        both(
            "protocols over two headers",
            &[],
            &[("Sec-WebSocket-Protocol", "v3")],
            Ok(()),
        ),
        both(
            "extensions malformed",
            &["Sec-WebSocket-Extensions"],
            &[("Sec-WebSocket-Extensions", "permessage-deflate; =1")],
            Err(E::MalformedExtensions),
        ),
        both(
            "extensions quoted",
            &["Sec-WebSocket-Extensions"],
            &[(
                "Sec-WebSocket-Extensions",
                "permessage-deflate; server_max_window_bits=\"10\", x-foo",
            )],
            Ok(()),
        ),
        both("Content-Length 0", &[], &[("Content-Length", "0")], Ok(())),
        both(
            "a body",
            &[],
            &[("Content-Length", "5")],
            Err(E::RequestBody),
        ),
        both(
            "Content-Length not a number",
            &[],
            &[("Content-Length", "five")],
            Err(E::InvalidHeaderValue("Content-Length")),
        ),
        Case {
            name: "Transfer-Encoding",
            remove: &[],
            add: &[("Transfer-Encoding", "chunked")],
            h1: Err(E::RequestBody),
            // RFC 9113 §8.2.2: a connection-specific header.
            h2: Err(E::Malformed(
                "connection-specific header in an HTTP/2 request",
            )),
        },
        Case {
            name: "no Host",
            remove: &["Host"],
            add: &[],
            h1: Err(E::MissingHost),
            // :authority is the host.
            h2: Ok(()),
        },
        Case {
            name: "Host repeated",
            remove: &[],
            add: &[("Host", "example.com")],
            h1: Err(E::DuplicateHeader("Host")),
            // The HTTP/2 base has none: one Host, equal to :authority (RFC 9113 §8.3.1).
            h2: Ok(()),
        },
        both(
            "Host twice",
            &["Host"],
            &[("Host", "example.com"), ("Host", "example.com")],
            Err(E::DuplicateHeader("Host")),
        ),
        both(
            "Host invalid",
            &["Host"],
            &[("Host", "exa mple.com")],
            Err(E::InvalidHost),
        ),
        both(
            "Host empty",
            &["Host"],
            &[("Host", "")],
            Err(E::MissingHost),
        ),
        Case {
            name: "Host other than the authority",
            remove: &["Host"],
            add: &[("Host", "other.example")],
            // HTTP/1.1 with an origin-form target: the Host is the authority.
            h1: Ok(()),
            // RFC 9113 §8.3.1.
            h2: Err(E::InvalidTarget("authority differs from Host")),
        },
        Case {
            name: "Upgrade h2c",
            remove: &["Upgrade"],
            add: &[("Upgrade", "h2c")],
            h1: Err(E::NoUpgradeWebsocket),
            h2: Err(E::Malformed(
                "connection-specific header in an HTTP/2 request",
            )),
        },
        Case {
            name: "no Connection: upgrade",
            remove: &["Connection"],
            add: &[],
            h1: Err(E::NoConnectionUpgrade),
            h2: Ok(()),
        },
        Case {
            name: "bad key",
            remove: &["Sec-WebSocket-Key"],
            add: &[("Sec-WebSocket-Key", "dGhlIHNhbXBsZQ==")],
            h1: Err(E::InvalidKey),
            // RFC 8441 §5: no key processing over HTTP/2.
            h2: Ok(()),
        },
    ]
}

/// The headers of a case for one version.
fn case_headers(c: &Case, h2: bool) -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<_> = if h2 {
        COMMON.to_vec()
    } else {
        H1_ONLY.iter().chain(&COMMON).copied().collect()
    };
    v.retain(|(n, _)| !c.remove.contains(n));
    v.extend_from_slice(c.add);
    if h2 {
        // Headers HTTP/2 requests never carry, unless the case adds them.
        v.retain(|(n, _)| {
            c.add.iter().any(|(a, _)| a == n)
                || !matches!(*n, "Upgrade" | "Connection" | "Sec-WebSocket-Key")
        });
    }
    v
}

/// The same logical request through the byte parser, `http` over HTTP/1.1 and `http` over
/// HTTP/2: the same verdict, the same fields, the same status (but the version error, 426
/// over HTTP/1.1 and 400 over HTTP/2).
#[test]
fn byte_and_http_paths_agree_on_every_rule() {
    for c in cases() {
        let h1 = case_headers(&c, false);
        let raw = h1_bytes("GET", "/chat?room=1", &h1);
        let bytes = by_bytes(&raw);
        let http1 = by_http(
            &parts("GET", http::Version::HTTP_11, "/chat?room=1", &h1),
            None,
        );
        assert_eq!(bytes, http1, "{}: bytes vs http/1.1", c.name);
        assert_eq!(bytes.clone().map(|_| ()), c.h1, "{}: HTTP/1.1", c.name);

        let h2 = case_headers(&c, true);
        let p2 = parts(
            "CONNECT",
            http::Version::HTTP_2,
            "https://example.com/chat?room=1",
            &h2,
        );
        let http2 = by_http(&p2, Some("websocket"));
        assert_eq!(http2.clone().map(|_| ()), c.h2, "{}: HTTP/2", c.name);
        if let (Ok(a), Ok(b)) = (&bytes, &http2) {
            assert_eq!(a, b, "{}: same fields over both versions", c.name);
        }

        // The status of each refusal: the byte-level server's response, error_response.
        if let Err(e) = &bytes {
            let status = byte_status(&raw);
            assert_eq!(
                error_response(e, http::Version::HTTP_11).status(),
                status,
                "{}",
                c.name
            );
            assert_eq!(Some(status), e.status_code(), "{}", c.name);
        } else {
            assert_eq!(byte_status(&raw), 0, "{}", c.name);
        }
        if let Err(e) = &http2 {
            let want = match e {
                HandshakeError::UnsupportedVersion => 400,
                e => e.status_code().unwrap(),
            };
            assert_eq!(
                error_response(e, http::Version::HTTP_2).status(),
                want,
                "{}",
                c.name
            );
        }
    }
}

#[test]
fn method_version_and_protocol_rules() {
    use HandshakeError as E;
    let h1: Vec<_> = H1_ONLY.iter().chain(&COMMON).copied().collect();
    let h2 = COMMON.to_vec();
    let v11 = http::Version::HTTP_11;
    let v2 = http::Version::HTTP_2;
    let url2 = "https://example.com/chat";
    // (method, version, target, :protocol, expected error, status)
    type Row = (
        &'static str,
        http::Version,
        &'static str,
        Option<&'static str>,
        E,
        u16,
    );
    let table: Vec<Row> = vec![
        ("POST", v11, "/chat", None, E::MethodNotGet, 405),
        (
            "CONNECT",
            v11,
            "/chat",
            Some("websocket"),
            E::MethodNotGet,
            405,
        ),
        (
            "GET",
            http::Version::HTTP_10,
            "/chat",
            None,
            E::HttpVersion,
            400,
        ),
        (
            "GET",
            http::Version::HTTP_3,
            "/chat",
            None,
            E::HttpVersion,
            400,
        ),
        // RFC 9110 §15.6.2: plain CONNECT (RFC 9113 §8.5) is not implemented.
        ("CONNECT", v2, url2, None, E::ConnectWithoutProtocol, 501),
        (
            "CONNECT",
            v2,
            url2,
            Some("connect-udp"),
            E::ConnectProtocolNotWebsocket,
            400,
        ),
        ("GET", v2, url2, Some("websocket"), E::MethodNotConnect, 405),
        ("GET", v2, url2, None, E::MethodNotConnect, 405),
        // RFC 8441 §5: :scheme is http or https.
        (
            "CONNECT",
            v2,
            "wss://example.com/chat",
            Some("websocket"),
            E::InvalidTarget("scheme is not http or https"),
            400,
        ),
        // RFC 8441 §4: :scheme and :path are required; RFC 9113 §8.5: so is :authority.
        (
            "CONNECT",
            v2,
            "/chat",
            Some("websocket"),
            E::Malformed("extended CONNECT without :scheme or :authority"),
            400,
        ),
        (
            "CONNECT",
            v2,
            "example.com:443",
            Some("websocket"),
            E::Malformed("extended CONNECT without :scheme or :authority"),
            400,
        ),
        // HTTP/1.1 targets, as the byte parser refuses them.
        (
            "GET",
            v11,
            "ftp://example.com/chat",
            None,
            E::InvalidTarget("scheme is not ws, wss, http or https"),
            400,
        ),
        (
            "GET",
            v11,
            "http://other.example/chat",
            None,
            E::InvalidTarget("authority differs from Host"),
            400,
        ),
        (
            "GET",
            v11,
            "*",
            None,
            E::InvalidTarget("neither origin form nor absolute form"),
            400,
        ),
    ];
    for (method, version, target, protocol, want, status) in table {
        let headers = if version == v2 { &h2 } else { &h1 };
        let p = parts(method, version, target, headers);
        let got = parse_request(&p, protocol, &Config::default()).map(|r| fields(&r));
        assert_eq!(
            got,
            Err(want.clone()),
            "{method} {version:?} {target} {protocol:?}"
        );
        let r = error_response(&want, version);
        assert_eq!(r.status(), status, "{want:?}");
        assert_eq!(r.version(), version);
        if version == v11 {
            // The same request as bytes: the byte parser's error and status.
            let raw = h1_bytes(method, target, &h1);
            assert_eq!(
                by_bytes(&raw),
                Err(want.clone()),
                "bytes: {method} {target}"
            );
            assert_eq!(byte_status(&raw), status);
        }
    }
    // The extra headers of the refusals.
    let r = error_response(&E::MethodNotGet, v11);
    assert_eq!(r.headers()["allow"], "GET");
    let r = error_response(&E::MethodNotConnect, v2);
    assert_eq!(r.headers()["allow"], "CONNECT");
    let r = error_response(&E::UnsupportedVersion, v11);
    assert_eq!(r.status(), 426);
    assert_eq!(r.headers()["upgrade"], "websocket");
    assert_eq!(r.headers()["sec-websocket-version"], "13");
    let r = error_response(&E::UnsupportedVersion, v2);
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("upgrade").is_none());
    assert!(r.headers().get("connection").is_none());
    assert_eq!(r.headers()["sec-websocket-version"], "13");
    let r = error_response(&E::TooManyHeaders(64), v2);
    assert_eq!(r.status(), 431);
    // The byte-level refusal of a version mismatch says the same.
    let mut out = Vec::new();
    write_error_response(&E::UnsupportedVersion, &mut out);
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("\r\nSec-WebSocket-Version: 13\r\n"));
}

#[test]
fn http2_connection_specific_headers_are_malformed() {
    for name in [
        "connection",
        "upgrade",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
    ] {
        let mut h = COMMON.to_vec();
        h.push((name, "x"));
        let p = parts("CONNECT", http::Version::HTTP_2, "https://example.com/", &h);
        let e = parse_request(&p, Some("websocket"), &Config::default()).unwrap_err();
        assert_eq!(
            e,
            HandshakeError::Malformed("connection-specific header in an HTTP/2 request"),
            "{name}"
        );
        assert_eq!(error_response(&e, http::Version::HTTP_2).status(), 400);
    }
    // A key is not processed over HTTP/2 (RFC 8441 §5): any value, and key() is empty.
    let mut h = COMMON.to_vec();
    h.push(("sec-websocket-key", "not base64"));
    let p = parts("CONNECT", http::Version::HTTP_2, "https://example.com/", &h);
    let r = parse_request(&p, Some("WebSocket"), &Config::default()).unwrap();
    assert_eq!((r.key(), r.head_len(), r.target()), ("", 0, "/"));
}

#[test]
fn http_path_applies_the_head_limits() {
    let mut h: Vec<(String, String)> = H1_ONLY
        .iter()
        .chain(&COMMON)
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let max = Config::default().max_headers;
    for i in 0..max {
        h.push((format!("x-{i}"), "y".into()));
    }
    let refs: Vec<(&str, &str)> = h.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let p = parts("GET", http::Version::HTTP_11, "/", &refs);
    let e = parse_request(&p, None, &Config::default()).unwrap_err();
    assert_eq!(e, HandshakeError::TooManyHeaders(max));
    assert_eq!(by_bytes(&h1_bytes("GET", "/", &refs)), Err(e));

    let big = "a".repeat(Config::default().max_handshake_size);
    let mut refs: Vec<(&str, &str)> = H1_ONLY.iter().chain(&COMMON).copied().collect();
    refs.push(("x-big", &big));
    let p = parts("GET", http::Version::HTTP_11, "/", &refs);
    let e = parse_request(&p, None, &Config::default()).unwrap_err();
    assert_eq!(
        e,
        HandshakeError::HeadTooLarge(Config::default().max_handshake_size)
    );
    assert_eq!(error_response(&e, http::Version::HTTP_2).status(), 431);
}

fn h2_request(extra: &[(&str, &str)]) -> http::request::Parts {
    let mut h = COMMON.to_vec();
    h.extend_from_slice(extra);
    parts(
        "CONNECT",
        http::Version::HTTP_2,
        "https://example.com/chat",
        &h,
    )
}

fn h1_request(extra: &[(&str, &str)]) -> http::request::Parts {
    let mut h: Vec<_> = H1_ONLY.iter().chain(&COMMON).copied().collect();
    h.extend_from_slice(extra);
    parts("GET", http::Version::HTTP_11, "/chat", &h)
}

#[test]
fn accept_answers_101_over_http11_and_200_over_http2() {
    let p = h1_request(&[]);
    let req = parse_request(&p, None, &Config::default()).unwrap();
    let opts = AcceptOptions::new()
        .protocol("chat")
        .header("X-Served-By", "t");
    let (resp, conn) = accept(&req, &opts, Config::default()).unwrap();
    assert_eq!(resp.status(), 101);
    assert_eq!(resp.version(), http::Version::HTTP_11);
    let h = resp.headers();
    assert_eq!(h["upgrade"], "websocket");
    assert_eq!(h["connection"], "Upgrade");
    // RFC 6455 §1.3's sample key and accept.
    assert_eq!(h["sec-websocket-accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_eq!(h["sec-websocket-protocol"], "chat");
    assert_eq!(h["x-served-by"], "t");
    assert!(h["sec-websocket-extensions"]
        .to_str()
        .unwrap()
        .starts_with("permessage-deflate"));
    assert_eq!(
        (conn.state(), conn.role(), conn.protocol()),
        (State::Open, Role::Server, Some("chat"))
    );

    let p = h2_request(&[]);
    let req = parse_request(&p, Some("websocket"), &Config::default()).unwrap();
    assert_eq!(req.http_version(), HttpVersion::Http2);
    let (resp, conn) = accept(&req, &AcceptOptions::new(), Config::default()).unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.version(), http::Version::HTTP_2);
    for absent in [
        "upgrade",
        "connection",
        "sec-websocket-accept",
        "sec-websocket-protocol",
    ] {
        assert!(resp.headers().get(absent).is_none(), "{absent}");
    }
    assert_eq!(conn.protocol(), None);
    // A byte-level HTTP/1.1 writer refuses an HTTP/2 request.
    assert_eq!(
        req.write_accept(&AcceptOptions::new(), &mut Vec::new()),
        Err(HandshakeError::HttpVersion)
    );
}

#[test]
fn accept_refuses_what_the_byte_path_refuses() {
    let p = h2_request(&[]);
    let req = parse_request(&p, Some("websocket"), &Config::default()).unwrap();
    let cfg = Config::default;
    let err = |o: AcceptOptions| accept(&req, &o, cfg()).map(|_| ()).unwrap_err();
    assert_eq!(
        err(AcceptOptions::new().protocol("other")),
        HandshakeError::ProtocolNotOffered
    );
    assert_eq!(
        err(AcceptOptions::new().header("Sec-WebSocket-Accept", "x")),
        HandshakeError::ReservedHeader("Sec-WebSocket-*")
    );
    assert_eq!(
        err(AcceptOptions::new().header("X", "a\r\nb")),
        HandshakeError::InvalidHeader
    );
    // A hand-written permessage-deflate answer that fits no offer (RFC 7692 §7.1): the
    // offer allowed client_max_window_bits, not server_max_window_bits=16.
    let mut o = AcceptOptions::new();
    o.extensions = Some("permessage-deflate; server_max_window_bits=16".into());
    assert_eq!(err(o.clone()), HandshakeError::InvalidExtensionResponse);

    // The byte-level server refuses the same options with the same errors.
    let raw = h1_bytes(
        "GET",
        "/chat",
        &H1_ONLY.iter().chain(&COMMON).copied().collect::<Vec<_>>(),
    );
    let mut s = Connection::server(Config::default());
    s.receive(&raw);
    assert!(matches!(s.next_event(), Ok(Some((Event::Request(_), _)))));
    assert_eq!(s.accept(&o), Err(HandshakeError::InvalidExtensionResponse));
    assert_eq!(
        s.accept(&AcceptOptions::new().protocol("other")),
        Err(HandshakeError::ProtocolNotOffered)
    );
}

/// The extension answer is the same whether the byte-level server or `http::accept` writes
/// it, for the same offers and configuration.
#[test]
fn deflate_answer_is_the_same_on_both_paths() {
    let offers = [
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate; server_max_window_bits=10; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=8, permessage-deflate",
        "x-unknown, permessage-deflate; client_max_window_bits=12",
        "permessage-deflate; unknown_param",
    ];
    let mut config = Config::default();
    config.deflate.as_mut().unwrap().server_max_window_bits = 12;
    for offer in offers {
        let mut h: Vec<_> = H1_ONLY.to_vec();
        h.push(("Sec-WebSocket-Version", "13"));
        h.push(("Sec-WebSocket-Extensions", offer));
        let raw = h1_bytes("GET", "/", &h);
        let mut s = Connection::server(config.clone());
        s.receive(&raw);
        assert!(matches!(s.next_event(), Ok(Some((Event::Request(_), _)))));
        s.accept(&AcceptOptions::new()).unwrap();
        let text = String::from_utf8(s.pending_output().to_vec()).unwrap();
        let by_bytes = text
            .lines()
            .find_map(|l| l.strip_prefix("Sec-WebSocket-Extensions: "))
            .map(String::from);

        for version in [http::Version::HTTP_11, http::Version::HTTP_2] {
            let (p, proto) = if version == http::Version::HTTP_2 {
                let h = [
                    ("Sec-WebSocket-Version", "13"),
                    ("Sec-WebSocket-Extensions", offer),
                ];
                (
                    parts("CONNECT", version, "https://example.com/", &h),
                    Some("websocket"),
                )
            } else {
                (parts("GET", version, "/", &h), None)
            };
            let req = parse_request(&p, proto, &config).unwrap();
            let (resp, _) = accept(&req, &AcceptOptions::new(), config.clone()).unwrap();
            let by_http = resp
                .headers()
                .get("sec-websocket-extensions")
                .map(|v| v.to_str().unwrap().to_string());
            assert_eq!(by_http, by_bytes, "{offer} over {version:?}");
        }
    }
}

fn response_parts(
    status: u16,
    version: http::Version,
    h: &[(&str, &str)],
) -> http::response::Parts {
    let mut b = http::Response::builder().status(status).version(version);
    for (n, v) in h {
        b = b.header(*n, *v);
    }
    b.body(()).unwrap().into_parts().0
}

#[test]
fn client_requests_for_both_versions() {
    let url = WsUrl::parse("wss://example.com:8443/chat?room=1").unwrap();
    let opts = ClientOptions::new()
        .origin("https://example.com")
        .protocol("chat")
        .protocol("superchat")
        .header("User-Agent", "t");
    let (req, hs) =
        client_request(&url, HttpVersion::Http2, opts.clone(), Config::default()).unwrap();
    assert_eq!(hs.http_version(), HttpVersion::Http2);
    assert_eq!(req.method(), http::Method::CONNECT);
    assert_eq!(req.version(), http::Version::HTTP_2);
    // RFC 8441 §5: https for wss, the URL's authority and path.
    assert_eq!(req.uri(), "https://example.com:8443/chat?room=1");
    let h = req.headers();
    assert_eq!(h["sec-websocket-version"], "13");
    assert_eq!(h["sec-websocket-protocol"], "chat, superchat");
    assert_eq!(h["origin"], "https://example.com");
    assert_eq!(h["user-agent"], "t");
    assert!(h["sec-websocket-extensions"]
        .to_str()
        .unwrap()
        .starts_with("permessage-deflate"));
    for absent in ["host", "upgrade", "connection", "sec-websocket-key"] {
        assert!(h.get(absent).is_none(), "{absent}");
    }
    let url = WsUrl::parse("ws://example.com/").unwrap();
    let (req, _) =
        client_request(&url, HttpVersion::Http2, opts.clone(), Config::default()).unwrap();
    assert_eq!(req.uri(), "http://example.com/");

    let (req, hs) = client_request(&url, HttpVersion::Http11, opts, Config::default()).unwrap();
    assert_eq!(hs.http_version(), HttpVersion::Http11);
    assert_eq!(
        (req.method(), req.uri()),
        (&http::Method::GET, &"/".parse::<http::Uri>().unwrap())
    );
    assert_eq!(req.version(), http::Version::HTTP_11);
    let h = req.headers();
    assert_eq!(h["host"], "example.com");
    assert_eq!(h["upgrade"], "websocket");
    assert_eq!(h["connection"], "Upgrade");
    let key = h["sec-websocket-key"].to_str().unwrap();
    assert_eq!(base64_len(key), 16);

    // The options are checked as write_request checks them.
    let bad = |o: ClientOptions| {
        client_request(&url, HttpVersion::Http2, o, Config::default()).unwrap_err()
    };
    assert_eq!(
        bad(ClientOptions::new().protocol("a b")),
        HandshakeError::InvalidProtocolName
    );
    assert_eq!(
        bad(ClientOptions::new().header("Host", "x")),
        HandshakeError::ReservedHeader("Host")
    );
    assert_eq!(
        bad(ClientOptions::new().origin("a\nb")),
        HandshakeError::InvalidHeader
    );
}

fn base64_len(s: &str) -> usize {
    // 24 characters of padded base64 of 16 bytes.
    assert_eq!(s.len(), 24);
    assert!(s.ends_with("=="));
    16
}

fn handshake(version: HttpVersion, opts: ClientOptions) -> (http::Request<()>, ClientHandshake) {
    let url = WsUrl::parse("ws://example.com/chat").unwrap();
    client_request(&url, version, opts, Config::default()).unwrap()
}

#[test]
fn client_checks_the_answer() {
    use HandshakeError as E;
    let v11 = http::Version::HTTP_11;
    let v2 = http::Version::HTTP_2;
    let chat = || ClientOptions::new().protocol("chat");
    let h1 = |extra: &[(&str, &str)], status: u16| {
        let (req, hs) = handshake(HttpVersion::Http11, chat());
        let accept = accept_key(req.headers()["sec-websocket-key"].as_bytes());
        let accept = std::str::from_utf8(&accept).unwrap().to_string();
        let mut h = vec![
            ("upgrade".to_string(), "websocket".to_string()),
            ("connection".into(), "Upgrade".into()),
            ("sec-websocket-accept".into(), accept),
        ];
        h.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        let refs: Vec<(&str, &str)> = h.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        hs.finish(&response_parts(status, v11, &refs))
    };
    let h2 = |extra: &[(&str, &str)], status: u16, version| {
        let (_, hs) = handshake(HttpVersion::Http2, chat());
        hs.finish(&response_parts(status, version, extra))
    };
    let conn = h1(&[("sec-websocket-protocol", "chat")], 101).unwrap();
    assert_eq!(
        (conn.state(), conn.role(), conn.protocol()),
        (State::Open, Role::Client, Some("chat"))
    );
    assert_eq!(
        h1(&[("sec-websocket-protocol", "other")], 101).unwrap_err(),
        E::ProtocolNotOffered
    );
    assert_eq!(
        h1(&[("sec-websocket-accept", "x")], 101).unwrap_err(),
        E::BadAccept
    );
    assert_eq!(
        h1(&[("upgrade", "websocket")], 101).unwrap_err(),
        E::NoUpgradeWebsocket
    );
    assert!(matches!(h1(&[], 200).unwrap_err(), E::UnexpectedStatus(r) if r.status() == 200));
    assert_eq!(
        h1(&[("sec-websocket-extensions", "x-foo")], 101).unwrap_err(),
        E::ExtensionNotOffered
    );

    let conn = h2(&[], 200, v2).unwrap();
    assert_eq!((conn.state(), conn.protocol()), (State::Open, None));
    // Any 2xx (RFC 9113 §8.5).
    assert!(h2(&[("sec-websocket-protocol", "chat")], 204, v2).is_ok());
    // RFC 9113 §8.6: no 101 over HTTP/2.
    assert_eq!(
        h2(&[], 101, v2).unwrap_err(),
        E::Malformed("invalid status code")
    );
    let e = h2(&[("www-authenticate", "Bearer")], 401, v2).unwrap_err();
    let E::UnexpectedStatus(r) = e else {
        panic!("{e:?}")
    };
    assert_eq!((r.status(), r.reason()), (401, "Unauthorized"));
    assert_eq!(r.header("www-authenticate"), Some(&b"Bearer"[..]));
    assert_eq!(h2(&[], 200, v11).unwrap_err(), E::HttpVersion);
    assert_eq!(
        h2(&[("sec-websocket-protocol", "other")], 200, v2).unwrap_err(),
        E::ProtocolNotOffered
    );
    assert_eq!(
        h2(
            &[
                ("sec-websocket-protocol", "chat"),
                ("sec-websocket-protocol", "chat")
            ],
            200,
            v2
        )
        .unwrap_err(),
        E::ProtocolNotOffered
    );
    // permessage-deflate answers are checked against the offer (RFC 7692 §7.1).
    assert!(h2(
        &[("sec-websocket-extensions", "permessage-deflate")],
        200,
        v2
    )
    .is_ok());
    assert_eq!(
        h2(
            &[(
                "sec-websocket-extensions",
                "permessage-deflate; server_max_window_bits=16"
            )],
            200,
            v2
        )
        .unwrap_err(),
        E::InvalidExtensionResponse
    );
    assert_eq!(
        h2(
            &[(
                "sec-websocket-extensions",
                "permessage-deflate; client_max_window_bits"
            )],
            200,
            v2
        )
        .unwrap_err(),
        E::InvalidExtensionResponse
    );
    assert_eq!(
        h2(
            &[("sec-websocket-extensions", "permessage-deflate;")],
            200,
            v2
        )
        .unwrap_err(),
        E::MalformedExtensions
    );
}

/// Moves what `from` wrote into `to` and returns the events `to` makes of it.
fn pass(from: &mut Connection, to: &mut Connection) -> Vec<String> {
    let mut wire = Vec::new();
    from.take_output(&mut wire);
    to.receive(&wire);
    let mut got = Vec::new();
    while let Some((ev, _)) = to.next_event().unwrap() {
        got.push(match ev {
            Event::Text(t) => t.to_string(),
            Event::Binary(b) => format!("{} bytes", b.len()),
            other => format!("{other:?}"),
        });
    }
    got
}

/// A client and a server made by the `http` functions talk, over both versions, with
/// permessage-deflate: masked client frames, RSV1 on compressed messages.
#[test]
fn http_client_and_http_server_talk_over_both_versions() {
    for version in [HttpVersion::Http11, HttpVersion::Http2] {
        let (req, hs) = handshake(version, ClientOptions::new().protocol("chat"));
        let (p, ()) = req.into_parts();
        let proto = (version == HttpVersion::Http2).then_some("websocket");
        let request = parse_request(&p, proto, &Config::default()).unwrap();
        assert_eq!(request.http_version(), version);
        assert_eq!(request.path(), "/chat");
        let (resp, mut server) = accept(
            &request,
            &AcceptOptions::new().protocol("chat"),
            Config::default(),
        )
        .unwrap();
        let (rp, ()) = resp.into_parts();
        let mut client = hs.finish(&rp).unwrap();
        assert_eq!(client.protocol(), Some("chat"));

        let long = "compressible ".repeat(100);
        client.send_text(&long).unwrap();
        let wire = client.pending_output().to_vec();
        assert_eq!(wire[0], 0xc1, "FIN + RSV1 + text: compressed");
        assert_ne!(wire[1] & 0x80, 0, "masked");
        assert!(wire.len() < long.len() / 4);
        assert_eq!(pass(&mut client, &mut server), [long.as_str()]);
        server.send_text(&long).unwrap();
        let wire = server.pending_output().to_vec();
        assert_eq!(wire[0], 0xc1);
        assert_eq!(wire[1] & 0x80, 0, "server frames are not masked");
        assert_eq!(pass(&mut server, &mut client), [long]);
    }
}

/// The `http` client against the byte-level server, and the byte-level client against the
/// `http` server, over HTTP/1.1.
#[test]
fn http_and_byte_paths_interoperate() {
    // http client → bytes server.
    let (req, hs) = handshake(HttpVersion::Http11, ClientOptions::new().protocol("chat"));
    let mut raw = format!("GET {} HTTP/1.1\r\n", req.uri()).into_bytes();
    for (n, v) in req.headers() {
        raw.extend_from_slice(format!("{n}: {}\r\n", v.to_str().unwrap()).as_bytes());
    }
    raw.extend_from_slice(b"\r\n");
    let mut server = Connection::server(Config::default());
    server.receive(&raw);
    assert!(matches!(
        server.next_event(),
        Ok(Some((Event::Request(_), _)))
    ));
    server
        .accept(&AcceptOptions::new().protocol("chat"))
        .unwrap();
    let mut out = Vec::new();
    server.take_output(&mut out);
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut resp = httparse::Response::new(&mut headers);
    assert!(resp.parse(&out).unwrap().is_complete());
    let mut b = http::Response::builder().status(resp.code.unwrap());
    for h in resp.headers.iter() {
        b = b.header(h.name, h.value);
    }
    let (rp, ()) = b.body(()).unwrap().into_parts();
    let mut client = hs.finish(&rp).unwrap();
    client.send_text(&"x".repeat(200)).unwrap();
    assert_eq!(client.pending_output()[0], 0xc1, "deflate negotiated");
    assert_eq!(pass(&mut client, &mut server), ["x".repeat(200)]);

    // bytes client → http server.
    let url = WsUrl::parse("ws://example.com/chat").unwrap();
    let mut client = Connection::client(
        &url,
        ClientOptions::new().protocol("chat"),
        Config::default(),
    )
    .unwrap();
    let mut wire = Vec::new();
    client.take_output(&mut wire);
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut r = httparse::Request::new(&mut headers);
    assert!(r.parse(&wire).unwrap().is_complete());
    let mut b = http::Request::builder()
        .method(r.method.unwrap())
        .uri(r.path.unwrap());
    for h in r.headers.iter() {
        b = b.header(h.name, h.value);
    }
    let (p, ()) = b.body(()).unwrap().into_parts();
    let request = parse_request(&p, None, &Config::default()).unwrap();
    let (resp, mut server) = accept(
        &request,
        &AcceptOptions::new().protocol("chat"),
        Config::default(),
    )
    .unwrap();
    let mut head = format!("HTTP/1.1 {}\r\n", resp.status()).into_bytes();
    for (n, v) in resp.headers() {
        head.extend_from_slice(format!("{n}: {}\r\n", v.to_str().unwrap()).as_bytes());
    }
    head.extend_from_slice(b"\r\n");
    client.receive(&head);
    assert!(matches!(client.next_event(), Ok(Some((Event::Open(_), _)))));
    assert_eq!(client.protocol(), Some("chat"));
    client.send_text(&"y".repeat(200)).unwrap();
    assert_eq!(client.pending_output()[0], 0xc1, "deflate negotiated");
    assert_eq!(pass(&mut client, &mut server), ["y".repeat(200)]);
}

/// Header names and values the generator draws from: the handshake's own headers, with
/// good and bad values, and others.
fn header_strategy() -> impl Strategy<Value = (&'static str, &'static str)> {
    let names = prop::sample::select(vec![
        "host",
        "origin",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-protocol",
        "sec-websocket-extensions",
        "content-length",
        "transfer-encoding",
        "x-other",
    ]);
    let values = prop::sample::select(vec![
        "example.com",
        "example.com:8080",
        "[::1]:9",
        "exa mple",
        "",
        "websocket",
        "Upgrade",
        "keep-alive, upgrade",
        KEY,
        "dGhlIHNhbXBsZQ==",
        "13",
        "8",
        "chat, superchat",
        "chat, sup er",
        "permessage-deflate; client_max_window_bits",
        "permessage-deflate; =",
        "x; a=\"b\"",
        "0",
        "12",
        "chunked",
        "https://example.com",
        "\u{e9}",
    ]);
    (names, values)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any request of those headers: the byte parser and the `http` path give the same
    /// verdict (the same fields, or the same error); over HTTP/2 `parse_request` never
    /// panics and every refusal has a status the RFCs allow.
    #[test]
    fn paths_agree_on_random_requests(
        headers in prop::collection::vec(header_strategy(), 0..12),
        target in prop::sample::select(vec![
            "/chat", "/chat?x=1", "ws://example.com/chat", "http://example.com:8080/",
            "https://other.example/x", "ftp://example.com/",
        ]),
        base in any::<bool>(),
    ) {
        let mut all: Vec<(&str, &str)> = Vec::new();
        if base {
            all.extend_from_slice(&H1_ONLY);
            all.push(("Sec-WebSocket-Version", "13"));
        }
        all.extend(headers.iter().copied());
        let mut b = http::Request::builder().uri(target);
        for (n, v) in &all {
            b = b.header(*n, *v);
        }
        let (p, ()) = b.body(()).unwrap().into_parts();
        // The bytes in the order the HeaderMap holds them (it groups repeated names).
        let ordered: Vec<(&str, &str)> = p
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), std::str::from_utf8(v.as_bytes()).unwrap()))
            .collect();
        let raw = h1_bytes("GET", target, &ordered);
        let bytes = by_bytes(&raw);
        let http1 = by_http(&p, None);
        prop_assert_eq!(&bytes, &http1);

        let mut p2 = p;
        p2.method = http::Method::CONNECT;
        p2.version = http::Version::HTTP_2;
        p2.uri = "https://example.com/chat".parse().unwrap();
        if let Err(e) = by_http(&p2, Some("websocket")) {
            let s = error_response(&e, http::Version::HTTP_2).status().as_u16();
            prop_assert!(matches!(s, 400 | 405 | 431 | 501), "{:?} -> {}", e, s);
        }
    }
}

#[test]
fn documented_details_of_parse_and_error_response() {
    // `protocol` is ignored over HTTP/1.1.
    let p = h1_request(&[]);
    assert!(parse_request(&p, Some("connect-udp"), &Config::default()).is_ok());
    // The 426 over HTTP/1.1 lists Upgrade in Connection (RFC 9110 §7.6.1).
    let r = error_response(&HandshakeError::UnsupportedVersion, http::Version::HTTP_11);
    assert_eq!(r.headers()["connection"], "Upgrade");
    // An error with no status of its own (a client-side one) answers 400.
    assert_eq!(HandshakeError::BadAccept.status_code(), None);
    assert_eq!(
        error_response(&HandshakeError::BadAccept, http::Version::HTTP_11).status(),
        400
    );
    // HTTP/3 (RFC 9220 uses the same extended CONNECT) gets HTTP/2's answers.
    let r = error_response(&HandshakeError::UnsupportedVersion, http::Version::HTTP_3);
    assert_eq!(
        (r.status().as_u16(), r.version()),
        (400, http::Version::HTTP_3)
    );
    assert!(r.headers().get("upgrade").is_none());
}

#[test]
fn http2_refuses_headers_http2_forbids_in_extra_headers() {
    let p = h2_request(&[]);
    let req = parse_request(&p, Some("websocket"), &Config::default()).unwrap();
    for name in ["Keep-Alive", "proxy-connection", "TE"] {
        let o = AcceptOptions::new().header(name, "x");
        assert!(
            matches!(
                accept(&req, &o, Config::default()),
                Err(HandshakeError::ReservedHeader(_))
            ),
            "{name}"
        );
        let url = WsUrl::parse("ws://example.com/").unwrap();
        let o = ClientOptions::new().header(name, "x");
        assert!(matches!(
            client_request(&url, HttpVersion::Http2, o.clone(), Config::default()),
            Err(HandshakeError::ReservedHeader(_))
        ));
        // HTTP/1.1 allows them.
        assert!(client_request(&url, HttpVersion::Http11, o, Config::default()).is_ok());
        let p1 = h1_request(&[]);
        let req1 = parse_request(&p1, None, &Config::default()).unwrap();
        let o = AcceptOptions::new().header(name, "x");
        assert!(accept(&req1, &o, Config::default()).is_ok());
    }
}

#[test]
fn client_key_is_fresh_and_deflate_is_offered_once() {
    let url = WsUrl::parse("ws://example.com/").unwrap();
    let key = || {
        let (req, _) = client_request(
            &url,
            HttpVersion::Http11,
            ClientOptions::new(),
            Config::default(),
        )
        .unwrap();
        req.headers()["sec-websocket-key"].clone()
    };
    assert_ne!(key(), key());
    // The automatic offer, unless the options make their own.
    let (req, hs) = client_request(
        &url,
        HttpVersion::Http2,
        ClientOptions::new(),
        Config::default(),
    )
    .unwrap();
    assert_eq!(hs.options().extensions.len(), 1);
    assert_eq!(
        req.headers()["sec-websocket-extensions"],
        hs.options().extensions[0].as_str()
    );
    let own = ClientOptions::new().extension("permessage-deflate; server_no_context_takeover");
    let (req, hs) = client_request(&url, HttpVersion::Http2, own, Config::default()).unwrap();
    assert_eq!(
        req.headers()["sec-websocket-extensions"],
        "permessage-deflate; server_no_context_takeover"
    );
    assert_eq!(hs.options().extensions.len(), 1);
    // No Config::deflate: no offer.
    let mut config = Config::default();
    config.deflate = None;
    let (req, _) = client_request(&url, HttpVersion::Http2, ClientOptions::new(), config).unwrap();
    assert!(req.headers().get("sec-websocket-extensions").is_none());
}

#[test]
fn open_negotiated_uses_the_parameters_given() {
    use rfc6455::extensions::deflate::DeflateParams;
    use rfc6455::Negotiated;
    let params = DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    };
    // Without Config::deflate, the default level and threshold compress a long message.
    let mut config = Config::default();
    config.deflate = None;
    let mut server = Connection::open_negotiated(
        Role::Server,
        config.clone(),
        Negotiated::new().protocol("p").deflate(params),
    );
    assert_eq!(
        (server.state(), server.protocol()),
        (State::Open, Some("p"))
    );
    server.send_text(&"z".repeat(500)).unwrap();
    assert_eq!(server.pending_output()[0], 0xc1);
    // Without deflate parameters, no RSV1 and a compressed frame is refused.
    let mut plain = Connection::open_negotiated(Role::Server, config.clone(), Negotiated::new());
    plain.send_text(&"z".repeat(500)).unwrap();
    assert_eq!(plain.pending_output()[0], 0x81);
    assert_eq!(plain.protocol(), None);
    plain.receive(&[0xc1, 0x80, 0, 0, 0, 0]); // masked, RSV1, empty
    assert_eq!(
        plain.next_event().map(|_| ()).unwrap_err(),
        rfc6455::Error::Protocol(rfc6455::ProtocolError::ReservedBits(4))
    );
    let mut with = Connection::open_negotiated(
        Role::Server,
        config.clone(),
        Negotiated::new().deflate(params),
    );
    with.receive(&[0xc1, 0x80, 0, 0, 0, 0]);
    assert!(matches!(with.next_event(), Ok(Some((Event::Text(""), _)))));

    // A client draws its masks from the rng it is given.
    use rand::SeedableRng as _;
    let masked = |seed| {
        let rng = Box::new(rand::rngs::StdRng::seed_from_u64(seed));
        let mut c = Connection::open_negotiated_with_rng(
            Role::Client,
            config.clone(),
            Negotiated::new(),
            rng,
        );
        c.send_text("hello").unwrap();
        c.pending_output()[2..6].to_vec()
    };
    assert_eq!(masked(1), masked(1));
    assert_ne!(masked(1), masked(2));
}

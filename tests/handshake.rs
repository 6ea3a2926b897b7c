//! The opening handshake against RFC 7230 (request line, header fields, message body, target
//! forms, Host), RFC 7231 (the refusals this crate writes) and RFC 6455 §4 (both sides).
//!
//! Server-side cases go through a real `Connection` and check the HTTP status it queues; the
//! accessors are checked on `Request::parse`.

use rfc6455::handshake::{
    accept_key, parse_response, write_error_response, write_reject_response, AcceptOptions,
    ClientOptions, Request, WsUrl,
};
use rfc6455::{Config, Connection, Error, Event, HandshakeError, State, Status};

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// A valid upgrade request for `target` with `Host: host` and `extra` header lines.
fn request(target: &str, host: &str, extra: &str) -> Vec<u8> {
    format!(
        "GET {target} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
    .into_bytes()
}

fn with_headers(extra: &str) -> Vec<u8> {
    request("/chat", "example.com", extra)
}

/// Feeds `raw` to a server connection: 0 if it became a pending request, else the status of
/// the error response it queued.
fn status(raw: &[u8]) -> u16 {
    response(raw).0
}

/// Like [`status`], with the queued response text.
fn response(raw: &[u8]) -> (u16, String) {
    let mut s = Connection::server(Config::default());
    s.receive(raw);
    match s.next_event() {
        Ok(Some((Event::Request(_), _))) => (0, String::new()),
        Ok(other) => panic!("unexpected {other:?}"),
        Err(Error::Handshake(e)) => {
            assert_eq!(s.state(), State::Closed);
            let mut out = Vec::new();
            s.take_output(&mut out);
            let text = String::from_utf8(out).unwrap();
            let code = text["HTTP/1.1 ".len()..][..3].parse().unwrap();
            assert_eq!(e.status_code(), Some(code), "{e}");
            (code, text)
        }
        Err(e) => panic!("{e}"),
    }
}

fn parsed(raw: &[u8]) -> Request<'_> {
    match Request::parse(raw, &Config::default()) {
        Ok(Status::Complete(r)) => r,
        other => panic!("{other:?}\n{}", String::from_utf8_lossy(raw)),
    }
}

/// The head's header value `name`, and checks that Content-Length matches the body.
fn check_framing(resp: &str) -> (&str, &str) {
    let (head, body) = resp.split_once("\r\n\r\n").unwrap();
    let lengths: Vec<_> = head
        .split("\r\n")
        .filter_map(|l| l.strip_prefix("Content-Length: "))
        .collect();
    assert_eq!(lengths, [body.len().to_string()], "{resp}");
    (head, body)
}

// ------------------------------------------------------------ RFC 7230 §5.3 request target

#[test]
fn absolute_form_target_gives_path_and_query() {
    for (target, path, query) in [
        ("ws://example.com/chat?x=1", "/chat", Some("x=1")),
        ("WSS://example.com/chat", "/chat", None),
        ("http://example.com/a/b?", "/a/b", Some("")),
        ("HTTPS://example.com", "/", None),
        ("ws://example.com?x=1", "/", Some("x=1")),
    ] {
        let raw = request(target, "example.com", "");
        let r = parsed(&raw);
        assert_eq!((r.path(), r.query(), r.target()), (path, query, target));
    }
    let raw = request("ws://EXAMPLE.com:9001/chat", "example.COM:9001", "");
    assert_eq!(parsed(&raw).path(), "/chat");
}

#[test]
fn absolute_form_authority_must_match_host() {
    for (target, host) in [
        ("ws://other.example/chat", "example.com"),
        ("ws://example.com:8080/chat", "example.com"),
        ("ws://example.com/chat", "example.com:80"),
        ("ws://user@example.com/chat", "example.com"),
    ] {
        assert_eq!(status(&request(target, host, "")), 400, "{target}");
    }
}

#[test]
fn other_target_forms_are_refused() {
    for target in [
        "*",
        "example.com:443",
        "chat",
        "ftp://example.com/chat",
        "ws:/example.com/chat",
        "/chat#fragment",
        "/caf\u{e9}",
    ] {
        assert_eq!(status(&request(target, "example.com", "")), 400, "{target}");
    }
    // Origin form stays as it was.
    let raw = request("/chat?room=1", "example.com", "");
    let r = parsed(&raw);
    assert_eq!(
        (r.path(), r.query(), r.target()),
        ("/chat", Some("room=1"), "/chat?room=1")
    );
}

// --------------------------------------------------------------------- RFC 7230 §5.4 Host

#[test]
fn host_must_be_exactly_one_valid_value() {
    let twice = request("/", "example.com", "Host: example.com\r\n");
    assert_eq!(status(&twice), 400);
    let other = request("/", "example.com", "Host: evil.example\r\n");
    assert_eq!(status(&other), 400);
    for host in [
        "",
        "exa mple.com",
        "example.com:80x",
        "example.com/path",
        "user@example.com",
        "[::1",
        "[zz::1]",
        "example.com:80:81",
        "%zz.example",
        "caf\u{e9}.example",
    ] {
        assert_eq!(status(&request("/", host, "")), 400, "{host:?}");
    }
    for host in [
        "example.com",
        "127.0.0.1:9001",
        "[::1]:9001",
        "[::1]",
        "xn--caf-dma.example",
        "a%41b.example",
    ] {
        let raw = request("/", host, "");
        assert_eq!(parsed(&raw).host(), host);
    }
    let missing = b"GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                    Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    assert_eq!(status(missing), 400);
}

// ------------------------------------------------------------ RFC 7230 §3.3 message body

#[test]
fn upgrade_request_with_a_body_is_refused() {
    for extra in [
        "Content-Length: 5\r\n",
        "Content-Length: 0\r\nContent-Length: 1\r\n",
        "Content-Length: abc\r\n",
        "Content-Length: -1\r\n",
        "Transfer-Encoding: chunked\r\n",
        "Transfer-Encoding: identity\r\n",
    ] {
        assert_eq!(status(&with_headers(extra)), 400, "{extra}");
    }
    assert_eq!(status(&with_headers("Content-Length: 0\r\n")), 0);
}

// ---------------------------------------- RFC 7230 §3.1.1 request line, §3.2 header fields

#[test]
fn request_line_and_header_syntax() {
    let good = String::from_utf8(with_headers("")).unwrap();
    let bad = [
        good.replacen("GET /chat", "GET  /chat", 1),
        good.replacen("GET /chat HTTP/1.1", "GET /chat  HTTP/1.1", 1),
        good.replacen("HTTP/1.1", "HTTP/1.0", 1),
        good.replacen("HTTP/1.1", "HTTP/2.0", 1),
        good.replacen("HTTP/1.1", "http/1.1", 1),
        good.replacen("Host:", "Host :", 1),
        good.replacen("Host:", " Host:", 1),
        good.replacen("Upgrade: websocket\r\n", "Upgrade:\r\n websocket\r\n", 1),
        good.replacen("Host: example.com", "Host: exa\u{1}mple.com", 1),
        good.replacen("Host: example.com", "Host: example.com\u{7f}", 1),
        good.replacen("Host: example.com", "Host: example.com\0", 1),
        good.replacen("Host: example.com\r\n", "Host: example.com\rX: y\r\n", 1),
        good.replacen("\r\n\r\n", "\r\nNo-Colon\r\n\r\n", 1),
    ];
    for raw in &bad {
        assert_eq!(status(raw.as_bytes()), 400, "{raw:?}");
    }
    // The method is case-sensitive (RFC 7230 §3.1.1): `get` is another method.
    let (code, resp) = response(good.replacen("GET", "get", 1).as_bytes());
    assert_eq!(code, 405);
    assert!(resp.contains("\r\nAllow: GET\r\n"), "{resp}");
    // RFC 7230 §3.5: a leading empty line may be ignored, bare LF recognised as a line end.
    assert_eq!(status(format!("\r\n{good}").as_bytes()), 0);
    assert_eq!(status(good.replace("\r\n", "\n").as_bytes()), 0);
    // Optional whitespace around values, case-insensitive names and tokens.
    let loose = good
        .replacen("Upgrade: websocket", "upgrade:\t WebSocket \t", 1)
        .replacen("Connection: Upgrade", "CONNECTION: keep-alive,upgrade", 1);
    assert_eq!(status(loose.as_bytes()), 0);
}

// --------------------------------------------------- RFC 6455 §4.2.1 / §4.2.2 the server

#[test]
fn repeated_key_or_version_is_a_400() {
    let key = with_headers("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
    assert_eq!(status(&key), 400);
    let version = with_headers("Sec-WebSocket-Version: 13\r\n");
    assert_eq!(status(&version), 400);
    let version = with_headers("Sec-WebSocket-Version: 8\r\n");
    assert_eq!(status(&version), 400);
}

#[test]
fn version_mismatch_is_a_426_with_version_and_upgrade() {
    let raw = String::from_utf8(with_headers(""))
        .unwrap()
        .replace("Version: 13", "Version: 8");
    let (code, resp) = response(raw.as_bytes());
    assert_eq!(code, 426);
    let (head, _) = check_framing(&resp);
    assert!(
        head.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nSec-WebSocket-Version: 13"), "{head}");
    assert!(head.contains("\r\nUpgrade: websocket"), "{head}");
    assert!(head.contains("\r\nConnection: Upgrade, close"), "{head}");
}

#[test]
fn protocol_offers_must_be_token_lists() {
    let raw = with_headers("Sec-WebSocket-Protocol: chat,, superchat\r\n");
    assert_eq!(
        parsed(&raw).protocols().collect::<Vec<_>>(),
        ["chat", "superchat"]
    );
    for extra in [
        "Sec-WebSocket-Protocol: chat, super chat\r\n",
        "Sec-WebSocket-Protocol: chat/1\r\n",
        "Sec-WebSocket-Protocol: \r\n",
        "Sec-WebSocket-Protocol: ,\r\n",
    ] {
        assert_eq!(status(&with_headers(extra)), 400, "{extra}");
    }
    let mut raw = with_headers("Sec-WebSocket-Protocol: chat, \u{ff}\r\n");
    let at = raw.iter().position(|&b| b == 0xc3).unwrap();
    raw.remove(at); // a lone 0xBF: not UTF-8
    assert_eq!(status(&raw), 400);
}

// ------------------------------------------- header bytes that are not visible ASCII

#[test]
fn origin_none_means_absent() {
    assert_eq!(parsed(&with_headers("")).origin(), None);
    let raw = with_headers("Origin: null\r\n");
    assert_eq!(parsed(&raw).origin(), Some("null"));
    let raw = with_headers("Origin: https://example.com\r\n");
    assert_eq!(parsed(&raw).origin(), Some("https://example.com"));
    for extra in [
        "Origin: \r\n",
        "Origin: https://caf\u{e9}.example\r\n",
        "Origin: https://a.example https://b.example\r\n",
        "Origin: https://a.example\r\nOrigin: https://a.example\r\n",
        "Origin: https://a.example\r\norigin: https://b.example\r\n",
    ] {
        assert_eq!(status(&with_headers(extra)), 400, "{extra}");
    }
    let mut raw = with_headers("Origin: https://a.example\u{e9}\r\n");
    let at = raw.iter().position(|&b| b == 0xc3).unwrap();
    raw.remove(at); // a lone 0xA9: not UTF-8
    assert_eq!(status(&raw), 400);
}

#[test]
fn real_handshakes_still_parse() {
    for raw in [
        &include_bytes!("data/request-chromium.bin")[..],
        include_bytes!("data/request-curl.bin"),
        include_bytes!("data/request-node-ws.bin"),
        include_bytes!("data/request-python-websockets.bin"),
    ] {
        assert_eq!(status(raw), 0);
    }
    let r = parsed(include_bytes!("data/request-chromium.bin"));
    assert!(r.origin().unwrap().starts_with("http://127.0.0.1:"));
    assert_eq!((r.path(), r.query()), ("/chat", Some("room=1")));
}

// ------------------------------------------------------ RFC 7231: the refusals we write

/// A server connection with a request waiting for an answer.
fn pending() -> Connection {
    let mut s = Connection::server(Config::default());
    s.receive(&with_headers(""));
    assert!(matches!(s.next_event(), Ok(Some((Event::Request(_), _)))));
    s
}

fn reject(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Result<String, Box<Connection>> {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let mut s = pending();
    if s.reject(status, &headers, body).is_err() {
        // Nothing was queued and the request still waits for an answer.
        assert_eq!(s.buffered_amount(), 0);
        assert_eq!(s.state(), State::Connecting);
        let mut direct = b"kept".to_vec();
        assert!(write_reject_response(status, &headers, body, &mut direct).is_err());
        assert_eq!(direct, b"kept");
        return Err(Box::new(s));
    }
    assert_eq!(s.state(), State::Closed);
    let mut out = Vec::new();
    s.take_output(&mut out);
    Ok(String::from_utf8(out).unwrap())
}

#[test]
fn reject_accepts_only_refusing_statuses() {
    for bad in [
        0, 99, 100, 101, 103, 199, 200, 204, 299, 304, 305, 306, 309, 399, 600, 999,
    ] {
        let s = reject(bad, &[], b"").expect_err("status accepted");
        // The request can still be answered.
        let mut s = s;
        s.accept(&AcceptOptions::new()).unwrap();
        assert_eq!(s.state(), State::Open, "{bad}");
    }
    for (ok, phrase) in [
        (300, "Multiple Choices"),
        (400, "Bad Request"),
        (403, "Forbidden"),
        (404, "Not Found"),
        (413, "Payload Too Large"),
        (414, "URI Too Long"),
        (429, "Too Many Requests"),
        (499, "Client Error"),
        (500, "Internal Server Error"),
        (502, "Bad Gateway"),
        (503, "Service Unavailable"),
        (504, "Gateway Timeout"),
        (505, "HTTP Version Not Supported"),
        (599, "Server Error"),
    ] {
        let resp = reject(ok, &[], b"no").ok().unwrap();
        assert!(
            resp.starts_with(&format!("HTTP/1.1 {ok} {phrase}\r\n")),
            "{resp}"
        );
        check_framing(&resp);
    }
}

#[test]
fn reject_needs_challenge_and_location_headers() {
    for (status, header, phrase) in [
        (401, "WWW-Authenticate", "Unauthorized"),
        (407, "Proxy-Authenticate", "Proxy Authentication Required"),
        (301, "Location", "Moved Permanently"),
        (302, "Location", "Found"),
        (303, "Location", "See Other"),
        (307, "Location", "Temporary Redirect"),
        (308, "Location", "Permanent Redirect"),
    ] {
        assert!(reject(status, &[], b"").is_err(), "{status}");
        let value = if header == "Location" {
            "/elsewhere"
        } else {
            "Basic realm=\"ws\""
        };
        let resp = reject(status, &[(header, value)], b"").ok().unwrap();
        assert!(
            resp.starts_with(&format!("HTTP/1.1 {status} {phrase}\r\n")),
            "{resp}"
        );
        assert!(
            resp.contains(&format!("\r\n{header}: {value}\r\n")),
            "{resp}"
        );
    }
}

#[test]
fn reject_checks_headers_and_frames_the_body() {
    for header in [
        ("X-Evil", "a\r\nSet-Cookie: x=1"),
        ("X-Evil", "a\nb"),
        ("X-Evil", "a\0"),
        ("X-Evil", "a\u{1}"),
        ("X Evil", "a"),
        ("", "a"),
        ("Content-Length", "0"),
        ("transfer-encoding", "chunked"),
        ("Connection", "keep-alive"),
        ("Upgrade", "websocket"),
        ("Sec-WebSocket-Version", "13"),
    ] {
        assert!(reject(403, &[header], b"").is_err(), "{header:?}");
    }
    assert!(reject(405, &[("Allow", "GET")], b"").is_err());
    let mut out = Vec::new();
    let headers = [("sec-websocket-accept".to_string(), "x".to_string())];
    assert_eq!(
        write_reject_response(403, &headers, b"", &mut out),
        Err(HandshakeError::ReservedHeader("Sec-WebSocket-*"))
    );
    let headers = [("content-length".to_string(), "0".to_string())];
    assert_eq!(
        write_reject_response(403, &headers, b"", &mut out),
        Err(HandshakeError::ReservedHeader("Content-Length"))
    );
    assert!(out.is_empty());
    let resp = reject(403, &[("Content-Type", "text/html")], b"<p>no</p>")
        .ok()
        .unwrap();
    let (head, body) = check_framing(&resp);
    assert_eq!(body, "<p>no</p>");
    assert!(head.contains("\r\nContent-Type: text/html\r\n"));
    assert!(!head.contains("text/plain"));
    let resp = reject(405, &[], "é".as_bytes()).ok().unwrap();
    let (head, _) = check_framing(&resp);
    assert!(head.contains("\r\nAllow: GET"));
}

#[test]
fn error_responses_are_well_framed() {
    for e in [
        HandshakeError::MethodNotGet,
        HandshakeError::UnsupportedVersion,
        HandshakeError::HeadTooLarge(1),
        HandshakeError::InvalidKey,
        HandshakeError::BadAccept,
    ] {
        let mut out = Vec::new();
        write_error_response(&e, &mut out);
        let resp = String::from_utf8(out).unwrap();
        let (head, _) = check_framing(&resp);
        let code = e.status_code().unwrap_or(400);
        assert!(head.starts_with(&format!("HTTP/1.1 {code} ")), "{head}");
        assert_eq!(head.contains("\r\nAllow: GET"), code == 405, "{head}");
        assert!(!head.ends_with(" Error"), "{head}");
    }
}

// -------------------------------------------------- values the crate writes into a head

#[test]
fn client_builder_values_are_checked() {
    let url = WsUrl::parse("ws://127.0.0.1:9001/chat").unwrap();
    let bad = [
        ClientOptions::new().origin("http://a.example\r\nX-Evil: 1"),
        ClientOptions::new().origin("http://a.example\u{1}"),
        ClientOptions::new().origin(""),
        ClientOptions::new().origin("http://caf\u{e9}.example"),
        ClientOptions::new().protocol("chat v2"),
        ClientOptions::new().protocol("chat/2"),
        ClientOptions::new().protocol("chat, superchat"),
        ClientOptions::new().protocol(""),
        ClientOptions::new().extension("permessage-deflate\r\nX-Evil: 1"),
        ClientOptions::new().extension("x-one, x-two"),
        ClientOptions::new().extension("x-one; a=\"unterminated"),
        ClientOptions::new().extension(""),
        ClientOptions::new().extension("x-one; b=\"a b\""),
        ClientOptions::new().extension("x-one; b=\"\""),
        ClientOptions::new().extension("x-one; b=\"a,\""),
        ClientOptions::new().header("X-Evil", "1\r\n\r\nGET / HTTP/1.1"),
        ClientOptions::new().header("X-Evil", "a\u{7f}"),
        ClientOptions::new().header("X-Evil", " padded"),
        ClientOptions::new().header("X:Evil", "1"),
        ClientOptions::new().header("Host", "evil.example"),
        ClientOptions::new().header("upgrade", "h2c"),
        ClientOptions::new().header("Connection", "close"),
        ClientOptions::new().header("Sec-WebSocket-Key", KEY),
        ClientOptions::new().header("Sec-WebSocket-Version", "8"),
        ClientOptions::new().header("Sec-WebSocket-Protocol", "chat"),
        ClientOptions::new().header("Origin", "http://a.example"),
        ClientOptions::new().header("Content-Length", "10"),
        ClientOptions::new().header("Transfer-Encoding", "chunked"),
    ];
    for opts in bad {
        let mut out = b"kept".to_vec();
        assert!(opts.write_request(&url, KEY, &mut out).is_err(), "{opts:?}");
        assert_eq!(out, b"kept", "{opts:?}");
        assert!(
            Connection::client(&url, opts.clone(), Config::default()).is_err(),
            "{opts:?}"
        );
    }
    let good = ClientOptions::new()
        .origin("https://a.example")
        .protocol("chat.v2")
        .extension("x-one; a=1; b=\"15\"")
        .header("User-Agent", "test agent/1.0 (\u{e9})")
        .header("X-Empty", "");
    let mut out = Vec::new();
    good.write_request(&url, KEY, &mut out).unwrap();
    let r = parsed(&out);
    assert_eq!(r.protocols().collect::<Vec<_>>(), ["chat.v2"]);
    assert_eq!(r.extensions()[0].param("b"), Some(Some("15")));
    assert_eq!(r.header("x-empty"), Some(&b""[..]));
    let mut out = Vec::new();
    assert!(ClientOptions::new()
        .write_request(&url, "not a key\r\nX: 1", &mut out)
        .is_err());
    assert!(out.is_empty());
}

#[test]
fn accept_options_are_checked() {
    let bad = [
        AcceptOptions::new().header("Sec-WebSocket-Accept", "x"),
        AcceptOptions::new().header("Sec-WebSocket-Protocol", "chat"),
        AcceptOptions::new().header("Upgrade", "websocket"),
        AcceptOptions::new().header("Connection", "Upgrade"),
        AcceptOptions::new().header("Content-Length", "0"),
        AcceptOptions::new().header("Transfer-Encoding", "chunked"),
        AcceptOptions::new().header("X-Evil", "1\r\nX-More: 2"),
        AcceptOptions::new().header("X-Evil", "\u{1}"),
        AcceptOptions {
            extensions: Some("x-one\r\nX-Evil: 1".into()),
            ..AcceptOptions::default()
        },
        AcceptOptions {
            extensions: Some("x-one;".into()),
            ..AcceptOptions::default()
        },
        AcceptOptions::new().protocol("chat\r\nX-Evil: 1"),
    ];
    for opts in bad {
        let mut s = pending();
        assert!(s.accept(&opts).is_err(), "{opts:?}");
        assert_eq!((s.buffered_amount(), s.state()), (0, State::Connecting));
        let raw = with_headers("Sec-WebSocket-Protocol: chat\r\n");
        let mut out = Vec::new();
        assert!(parsed(&raw).write_accept(&opts, &mut out).is_err());
        assert!(out.is_empty());
    }
    let mut s = pending();
    s.accept(&AcceptOptions::new().header("X-Served-By", "rfc6455"))
        .unwrap();
    let mut out = Vec::new();
    s.take_output(&mut out);
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("\r\nX-Served-By: rfc6455\r\n"));
}

#[test]
fn ws_url_is_checked() {
    for (host, resource) in [
        ("h\r\nX-Evil: 1", "/"),
        ("h", "/ HTTP/1.1\r\nX-Evil: 1\r\n\r\nGET /"),
        ("h", "/a b"),
        ("h", "/#frag"),
        ("h", "chat"),
        ("h", ""),
        ("", "/"),
        ("h h", "/"),
        ("h:80", "/"),
        ("[::1]", "/"),
        ("caf\u{e9}.example", "/"),
        ("h", "/caf\u{e9}"),
        ("u@h", "/"),
    ] {
        assert!(
            WsUrl::new(false, host, 80, resource).is_err(),
            "{host:?} {resource:?}"
        );
    }
    let u = WsUrl::new(true, "::1", 9443, "/chat?x=1").unwrap();
    assert_eq!(
        (
            u.is_secure(),
            u.host(),
            u.port(),
            u.resource(),
            u.host_header()
        ),
        (true, "::1", 9443, "/chat?x=1", "[::1]:9443".to_string())
    );
    let u = WsUrl::parse("ws://h/caf\u{e9}?q=\u{e9}").unwrap();
    assert_eq!(u.resource(), "/caf%C3%A9?q=%C3%A9");
    assert!(WsUrl::parse("ws://caf\u{e9}.example/").is_err());
    // What a checked URL writes parses back with the same path and Host.
    let u = WsUrl::parse("ws://[::1]:9001/a/b?c=d").unwrap();
    let mut out = Vec::new();
    ClientOptions::new()
        .write_request(&u, KEY, &mut out)
        .unwrap();
    let r = parsed(&out);
    assert_eq!(
        (r.path(), r.query(), r.host()),
        ("/a/b", Some("c=d"), "[::1]:9001")
    );
}

// ------------------------------------------------------- RFC 6455 §4.1 the client's checks

const OK_101: &str = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

fn check_response(raw: &[u8], opts: &ClientOptions) -> Result<Option<usize>, HandshakeError> {
    parse_response(raw, &accept_key(KEY.as_bytes()), opts, &Config::default()).map(|s| match s {
        Status::Complete(r) => Some(r.head_len()),
        Status::Partial => None,
    })
}

#[test]
fn non_101_response_carries_status_reason_and_headers() {
    let raw = b"HTTP/1.1 302 Found\r\nLocation: wss://example.com/chat\r\nX-Why: moved\r\nContent-Length: 0\r\n\r\n";
    let Err(HandshakeError::UnexpectedStatus(resp)) = check_response(raw, &ClientOptions::new())
    else {
        panic!()
    };
    assert_eq!((resp.status(), resp.reason()), (302, "Found"));
    assert!(resp.is_redirect());
    assert_eq!(resp.location(), Some("wss://example.com/chat"));
    assert_eq!(resp.header("x-why"), Some(&b"moved"[..]));
    assert_eq!(resp.headers().count(), 3);
    let e = HandshakeError::UnexpectedStatus(resp);
    assert!(e.to_string().contains("302 Found"), "{e}");
    // Boxed: the error stays as small as before (24 bytes on 64-bit targets).
    assert!(std::mem::size_of::<HandshakeError>() <= 3 * std::mem::size_of::<usize>());

    let raw = b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n\r\n";
    let Err(HandshakeError::UnexpectedStatus(resp)) = check_response(raw, &ClientOptions::new())
    else {
        panic!()
    };
    assert!(!resp.is_redirect());
    assert_eq!(resp.location(), None);
    assert_eq!(resp.header("www-authenticate"), Some(&b"Bearer"[..]));
    // A Location that is repeated or not visible ASCII is not half-read.
    for raw in [
        &b"HTTP/1.1 301 Moved\r\nLocation: /a\r\nLocation: /b\r\n\r\n"[..],
        b"HTTP/1.1 301 Moved\r\nLocation: /a b\r\n\r\n",
        b"HTTP/1.1 301 Moved\r\nLocation: /caf\xc3\xa9\r\n\r\n",
        b"HTTP/1.1 301 Moved\r\n\r\n",
    ] {
        let Err(HandshakeError::UnexpectedStatus(resp)) =
            check_response(raw, &ClientOptions::new())
        else {
            panic!()
        };
        assert_eq!(resp.location(), None);
    }
}

#[test]
fn interim_responses_are_skipped() {
    let interim = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n";
    let raw = format!("{interim}{OK_101}\u{81}\u{0}");
    let n = check_response(raw.as_bytes(), &ClientOptions::new()).unwrap();
    assert_eq!(n, Some(interim.len() + OK_101.len()));
    for cut in 0..interim.len() + OK_101.len() {
        assert_eq!(
            check_response(&raw.as_bytes()[..cut], &ClientOptions::new()),
            Ok(None)
        );
    }
    // Through a connection: the frame after the 101 arrives.
    let url = WsUrl::parse("ws://127.0.0.1:9001/chat").unwrap();
    let mut c = Connection::client(&url, ClientOptions::new(), Config::default()).unwrap();
    let mut req = Vec::new();
    c.take_output(&mut req);
    let mut s = Connection::server(Config::default());
    s.receive(&req);
    assert!(matches!(s.next_event(), Ok(Some((Event::Request(_), _)))));
    s.accept(&AcceptOptions::new()).unwrap();
    s.send_text("after").unwrap();
    let mut resp = interim.as_bytes().to_vec();
    s.take_output(&mut resp);
    c.receive(&resp);
    assert!(matches!(c.next_event(), Ok(Some((Event::Open(_), _)))));
    assert!(matches!(
        c.next_event(),
        Ok(Some((Event::Text("after"), _)))
    ));
    // Endless interim responses stop at the head size limit.
    let endless = "HTTP/1.1 100 Continue\r\n\r\n".repeat(2000);
    assert_eq!(
        check_response(endless.as_bytes(), &ClientOptions::new()),
        Err(HandshakeError::HeadTooLarge(
            Config::default().max_handshake_size
        ))
    );
}

#[test]
fn upgrade_must_be_exactly_websocket() {
    let ok = OK_101.replace("Upgrade: websocket", "Upgrade: WebSocket");
    assert!(check_response(ok.as_bytes(), &ClientOptions::new()).is_ok());
    for bad in [
        OK_101.replace("Upgrade: websocket", "Upgrade: websocket, h2c"),
        OK_101.replace(
            "Upgrade: websocket",
            "Upgrade: websocket\r\nUpgrade: websocket",
        ),
        OK_101.replace("Upgrade: websocket", "Upgrade: websockets"),
        OK_101.replace("Upgrade: websocket\r\n", ""),
        OK_101.replace("Connection: Upgrade", "Connection: keep-alive"),
        OK_101.replace("HTTP/1.1 101", "HTTP/1.0 101"),
        OK_101.replace("Upgrade: websocket", "Upgrade:\r\n websocket"),
        OK_101.replace("s3pP", "AAAA"),
        OK_101.replace(
            "\r\n\r\n",
            "\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
        ),
    ] {
        assert!(
            check_response(bad.as_bytes(), &ClientOptions::new()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn chosen_protocol_is_one_offered_and_only_one() {
    let offered = ClientOptions::new().protocol("chat").protocol("superchat");
    let with = |p: &[u8]| {
        let mut raw = OK_101.as_bytes()[..OK_101.len() - 2].to_vec();
        raw.extend_from_slice(p);
        raw.extend_from_slice(b"\r\n");
        raw
    };
    let raw = with(b"Sec-WebSocket-Protocol: superchat\r\n");
    let Ok(Status::Complete(r)) = parse_response(
        &raw,
        &accept_key(KEY.as_bytes()),
        &offered,
        &Config::default(),
    ) else {
        panic!()
    };
    assert_eq!(r.protocol(), Some("superchat"));
    for bad in [
        &b"Sec-WebSocket-Protocol: chat, superchat\r\n"[..],
        b"Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: chat\r\n",
        b"Sec-WebSocket-Protocol: \r\n",
        b"Sec-WebSocket-Protocol: mqtt\r\n",
        b"Sec-WebSocket-Protocol: CHAT\r\n",
        b"Sec-WebSocket-Protocol: ch\xffat\r\n",
        b"Sec-WebSocket-Protocol: \xff\r\n",
    ] {
        assert_eq!(
            check_response(&with(bad), &offered),
            Err(HandshakeError::ProtocolNotOffered),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn status_codes_outside_the_http_classes_are_malformed() {
    // Found by the handshake_response fuzzer: "022" parsed as an UnexpectedStatus(22).
    for code in ["000", "022", "099", "600", "999"] {
        let raw = format!("HTTP/1.1 {code} X\r\n\r\n");
        assert_eq!(
            check_response(raw.as_bytes(), &ClientOptions::new()),
            Err(HandshakeError::Malformed("invalid status code")),
            "{code}"
        );
    }
    for code in ["200", "599"] {
        let raw = format!("HTTP/1.1 {code} X\r\n\r\n");
        assert!(matches!(
            check_response(raw.as_bytes(), &ClientOptions::new()),
            Err(HandshakeError::UnexpectedStatus(_))
        ));
    }
}

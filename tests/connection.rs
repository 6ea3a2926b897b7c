//! Connection behaviour: RFC 6455 vectors, every failure and its close code, closing
//! handshake, timers, streaming.

mod common;

use common::*;
use rfc6455::handshake::{AcceptOptions, ClientOptions, WsUrl};
use rfc6455::{
    CloseCode, Config, Connection, Delivery, Error, Event, HandshakeError, ProtocolError, Role,
    SendError, State,
};

const CHROMIUM_FRAMES: &[u8] = include_bytes!("data/frames-chromium.bin");

// ---------------------------------------------------------------- RFC 6455 §5.7 vectors

#[test]
fn rfc_5_7_client_receives_unmasked_examples() {
    let mut c = client();
    // Single-frame unmasked text, fragmented text, unmasked ping.
    let mut bytes = vec![0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    bytes.extend_from_slice(&[0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]);
    bytes.extend_from_slice(&[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    let mut bin256 = vec![0x82, 0x7E, 0x01, 0x00];
    bin256.extend(std::iter::repeat_n(0xAB, 256));
    bytes.extend_from_slice(&bin256);
    let mut bin64k = vec![0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0];
    bin64k.extend(std::iter::repeat_n(0xCD, 65536));
    bytes.extend_from_slice(&bin64k);
    assert_eq!(
        feed(&mut c, &bytes),
        vec![
            Ev::Text("Hello".into()),
            Ev::Text("Hello".into()),
            Ev::Ping(b"Hello".to_vec()),
            Ev::Binary(vec![0xAB; 256]),
            Ev::Binary(vec![0xCD; 65536]),
        ]
    );
    // The automatic pong is masked (client) and carries the ping's payload.
    let out = output(&mut c);
    assert_eq!(&out[..2], &[0x8a, 0x85]);
    let key = [out[2], out[3], out[4], out[5]];
    let mut payload = out[6..].to_vec();
    rfc6455::apply_mask(&mut payload, key, 0);
    assert_eq!(payload, b"Hello");
}

#[test]
fn rfc_5_7_server_receives_masked_examples() {
    let mut s = server();
    let text = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let pong = [
        0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    assert_eq!(feed(&mut s, &text), vec![Ev::Text("Hello".into())]);
    assert_eq!(feed(&mut s, &pong), vec![Ev::Pong(b"Hello".to_vec())]);
}

#[test]
fn rfc_5_7_server_sends_examples() {
    let mut s = server();
    s.send_text("Hello").unwrap();
    s.send_text_fragment("Hel", false).unwrap();
    s.send_text_fragment("lo", true).unwrap();
    s.send_ping(b"Hello").unwrap();
    s.send_binary(&[0; 256]).unwrap();
    let mut expected = vec![0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    expected.extend_from_slice(&[0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]);
    expected.extend_from_slice(&[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
    expected.extend_from_slice(&[0x82, 0x7E, 0x01, 0x00]);
    expected.extend_from_slice(&[0; 256]);
    assert_eq!(output(&mut s), expected);
}

#[test]
fn client_masks_every_frame_with_fresh_keys() {
    let mut c = client();
    for _ in 0..4 {
        c.send_text("Hello").unwrap();
    }
    let out = output(&mut c);
    let mut keys = std::collections::HashSet::new();
    for f in out.chunks(11) {
        assert_eq!(&f[..2], &[0x81, 0x85]);
        let key = [f[2], f[3], f[4], f[5]];
        let mut p = f[6..].to_vec();
        rfc6455::apply_mask(&mut p, key, 0);
        assert_eq!(p, b"Hello");
        keys.insert(key);
    }
    assert!(keys.len() >= 3, "masking keys repeat: {keys:?}");
}

#[test]
fn chromium_frames_decode() {
    let mut s = server();
    assert_eq!(
        feed(&mut s, CHROMIUM_FRAMES),
        vec![
            Ev::Text("hello".into()),
            Ev::Binary(vec![1, 2, 3]),
            Ev::Close(1000, "bye".into(), true)
        ]
    );
    // The close is echoed with the same code, and the server is done.
    assert_eq!(output(&mut s), [0x88, 0x02, 0x03, 0xe8]);
    assert_eq!(s.state(), State::Closed);
    assert!(s.should_close_transport());
}

// ---------------------------------------------------------------- failures and their codes

/// Feeds `bytes` to a fresh server and returns the error and the close code it sent.
fn server_fails(config: Config, bytes: &[u8]) -> (Error, u16) {
    let mut s = server_with(config);
    let evs = feed(&mut s, bytes);
    let Some(Ev::Err(e)) = evs.last().cloned() else {
        panic!("no error: {evs:?}")
    };
    assert_eq!(s.state(), State::Closed);
    let out = output(&mut s);
    let code = sent_close_code(&out).expect("a close frame");
    assert_eq!(Some(CloseCode(code)), e.close_code());
    (e, code)
}

#[test]
fn protocol_errors_map_to_close_codes() {
    use ProtocolError as P;
    let d = Config::default;
    let cases: Vec<(Vec<u8>, ProtocolError, u16)> = vec![
        (raw_frame(true, 0, 1, None, b"hi"), P::UnmaskedFrame, 1002),
        (
            raw_frame(true, 0b100, 1, Some([1, 2, 3, 4]), b"hi"),
            P::ReservedBits(4),
            1002,
        ),
        (
            raw_frame(true, 0b010, 2, Some([1, 2, 3, 4]), b"hi"),
            P::ReservedBits(2),
            1002,
        ),
        (
            raw_frame(true, 0b001, 9, Some([1, 2, 3, 4]), b""),
            P::ReservedBits(1),
            1002,
        ),
        (client_frame(true, 3, b""), P::ReservedOpCode(3), 1002),
        (client_frame(true, 0xB, b""), P::ReservedOpCode(0xB), 1002),
        (client_frame(false, 9, b""), P::FragmentedControlFrame, 1002),
        (
            client_frame(true, 9, &[0; 126]),
            P::ControlFrameTooLong,
            1002,
        ),
        (client_frame(true, 0, b"x"), P::UnexpectedContinuation, 1002),
        (
            [client_frame(false, 1, b"a"), client_frame(true, 1, b"b")].concat(),
            P::ExpectedContinuation,
            1002,
        ),
        (
            client_frame(true, 1, &[0xce, 0xba, 0xed, 0xa0, 0x80]),
            P::InvalidUtf8,
            1007,
        ),
        (client_frame(true, 8, &[0x03]), P::CloseTooShort, 1002),
        (
            client_frame(true, 8, &[0x03, 0xed]),
            P::InvalidCloseCode(1005),
            1002,
        ),
        (
            client_frame(true, 8, &[0x03, 0xe8, 0xff, 0xfe]),
            P::InvalidCloseReason,
            1007,
        ),
        (
            vec![0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4],
            P::InvalidLength,
            1002,
        ),
    ];
    for (bytes, err, code) in cases {
        let (e, sent) = server_fails(d(), &bytes);
        assert_eq!(e, Error::Protocol(err), "{bytes:02x?}");
        assert_eq!(sent, code, "{err:?}");
    }
}

#[test]
fn client_refuses_masked_frames() {
    let mut c = client();
    let evs = feed(&mut c, &client_frame(true, 1, b"hi"));
    assert_eq!(
        evs,
        vec![Ev::Err(Error::Protocol(ProtocolError::MaskedFrame))]
    );
    // The client's own close frame is masked: unmask to read the code.
    let out = output(&mut c);
    assert_eq!(&out[..2], &[0x88, 0x80 | out[1] & 0x7f]);
    let mut p = out[6..].to_vec();
    rfc6455::apply_mask(&mut p, [out[2], out[3], out[4], out[5]], 0);
    assert_eq!(&p[..2], &1002u16.to_be_bytes());
}

#[test]
fn too_big_is_1009_before_the_payload_arrives() {
    let mut cfg = Config::default();
    cfg.max_frame_size = 1000;
    cfg.max_message_size = 1500;
    // Only the header of an oversized frame: fails at once.
    let frame = client_frame(true, 2, &[0; 1001]);
    let (e, code) = server_fails(cfg.clone(), &frame[..8]);
    assert!(matches!(
        e,
        Error::Protocol(ProtocolError::FrameTooLarge {
            size: 1001,
            max: 1000
        })
    ));
    assert_eq!(code, 1009);
    // A message over the limit in fragments that are each fine.
    let bytes = [
        client_frame(false, 2, &[0; 800]),
        client_frame(true, 0, &[0; 800]),
    ]
    .concat();
    let (e, code) = server_fails(cfg, &bytes);
    assert!(matches!(
        e,
        Error::Protocol(ProtocolError::MessageTooLarge {
            size: 1600,
            max: 1500
        })
    ));
    assert_eq!(code, 1009);
}

#[test]
fn invalid_utf8_fails_fast_across_fragments_and_reads() {
    // Autobahn 6.4.1-style: the first fragment is valid, the second makes it invalid; the
    // third never needs to arrive.
    let mut s = server();
    assert_eq!(
        feed(&mut s, &client_frame(false, 1, "κόσμε".as_bytes())),
        vec![]
    );
    let evs = feed(&mut s, &client_frame(false, 0, &[0xf4, 0x90, 0x80, 0x80]));
    assert_eq!(
        evs,
        vec![Ev::Err(Error::Protocol(ProtocolError::InvalidUtf8))]
    );
    assert_eq!(sent_close_code(&output(&mut s)), Some(1007));

    // Autobahn 6.4.3-style: one frame whose payload arrives in pieces; the error is found
    // while the frame is still incomplete.
    let mut s = server();
    let mut payload = "κόσμε".as_bytes().to_vec();
    payload.extend_from_slice(&[0xf4, 0x90, 0x80, 0x80]);
    payload.extend_from_slice(b"edited");
    let frame = client_frame(true, 1, &payload);
    let header = frame.len() - payload.len();
    assert_eq!(feed(&mut s, &frame[..header + 10]), vec![]);
    let evs = feed(&mut s, &frame[header + 10..header + 12]);
    assert_eq!(
        evs,
        vec![Ev::Err(Error::Protocol(ProtocolError::InvalidUtf8))]
    );

    // A message that ends inside a character.
    let mut s = server();
    let evs = feed(
        &mut s,
        &[
            client_frame(false, 1, b"a\xe2\x82"),
            client_frame(true, 0, b""),
        ]
        .concat(),
    );
    assert_eq!(
        evs,
        vec![Ev::Err(Error::Protocol(ProtocolError::InvalidUtf8))]
    );
}

#[test]
fn valid_text_split_inside_characters() {
    let mut s = server();
    let text = "€uro κόσμε 😀";
    let b = text.as_bytes();
    let bytes = [
        client_frame(false, 1, &b[..1]),
        client_frame(false, 0, &b[1..2]),
        client_frame(false, 0, &b[2..14]),
        client_frame(true, 0, &b[14..]),
    ]
    .concat();
    // Fed one byte at a time, so every frame also arrives in pieces.
    let mut evs = vec![];
    for byte in &bytes {
        evs.extend(feed(&mut s, std::slice::from_ref(byte)));
    }
    assert_eq!(evs, vec![Ev::Text(text.into())]);
}

#[test]
fn control_frames_between_fragments() {
    let mut s = server();
    let bytes = [
        client_frame(false, 2, b"ab"),
        client_frame(true, 9, b"p"),
        client_frame(false, 0, b"cd"),
        client_frame(true, 10, b"q"),
        client_frame(true, 0, b"ef"),
    ]
    .concat();
    assert_eq!(
        feed(&mut s, &bytes),
        vec![
            Ev::Ping(b"p".to_vec()),
            Ev::Pong(b"q".to_vec()),
            Ev::Binary(b"abcdef".to_vec())
        ]
    );
    assert_eq!(output(&mut s), server_frame(true, 10, b"p"));
}

#[test]
fn auto_pong_can_be_turned_off() {
    let mut cfg = Config::default();
    cfg.auto_pong = false;
    let mut s = server_with(cfg);
    assert_eq!(
        feed(&mut s, &client_frame(true, 9, b"x")),
        vec![Ev::Ping(b"x".to_vec())]
    );
    assert!(s.pending_output().is_empty());
}

#[test]
fn empty_messages_and_boundaries() {
    let mut s = server();
    for len in [0usize, 1, 125, 126, 127, 65535, 65536, 70000] {
        let payload: Vec<u8> = (0..len).map(|i| i as u8).collect();
        assert_eq!(
            feed(&mut s, &client_frame(true, 2, &payload)),
            vec![Ev::Binary(payload)]
        );
    }
    assert_eq!(
        feed(&mut s, &client_frame(true, 1, b"")),
        vec![Ev::Text(String::new())]
    );
    assert_eq!(
        feed(
            &mut s,
            &[client_frame(false, 1, b""), client_frame(true, 0, b"")].concat()
        ),
        vec![Ev::Text(String::new())]
    );
}

// ---------------------------------------------------------------- closing handshake

#[test]
fn close_initiated_locally() {
    let mut s = server();
    s.close(CloseCode::GOING_AWAY, "bye").unwrap();
    assert_eq!(s.state(), State::Closing);
    assert_eq!(output(&mut s), server_frame(true, 8, b"\x03\xe9bye"));
    // No data after close; a second close is refused too.
    assert_eq!(s.send_text("x"), Err(SendError::Closed));
    assert_eq!(s.send_ping(b""), Err(SendError::Closed));
    assert_eq!(s.close(CloseCode::NORMAL, ""), Err(SendError::Closed));
    // Data from the peer may still arrive before its Close.
    assert_eq!(
        feed(&mut s, &client_frame(true, 1, b"late")),
        vec![Ev::Text("late".into())]
    );
    let evs = feed(&mut s, &client_frame(true, 8, b"\x03\xe9"));
    assert_eq!(evs, vec![Ev::Close(1001, String::new(), true)]);
    assert_eq!(s.state(), State::Closed);
    assert!(output(&mut s).is_empty(), "no second close frame");
    assert!(s.should_close_transport());
}

#[test]
fn close_without_code_is_echoed_empty_and_reported_as_1005() {
    let mut s = server();
    assert_eq!(
        feed(&mut s, &client_frame(true, 8, b"")),
        vec![Ev::Close(1005, String::new(), true)]
    );
    assert_eq!(output(&mut s), [0x88, 0x00]);
    // Frames after the close are ignored.
    assert_eq!(feed(&mut s, &client_frame(true, 1, b"x")), vec![]);
}

#[test]
fn close_codes_sendable() {
    let mut s = server();
    assert_eq!(
        s.close(CloseCode(1005), ""),
        Err(SendError::InvalidCloseCode(1005))
    );
    assert_eq!(
        s.close(CloseCode(999), ""),
        Err(SendError::InvalidCloseCode(999))
    );
    assert_eq!(
        s.close(CloseCode(4000), &"x".repeat(124)),
        Err(SendError::ControlFrameTooLong)
    );
    assert!(s.pending_output().is_empty());
    s.close(CloseCode(4001), "custom").unwrap();
}

#[test]
fn eof_without_close_is_abnormal() {
    let mut s = server();
    let frame = client_frame(true, 1, b"hello");
    s.receive(&frame[..4]);
    s.receive_eof();
    assert_eq!(drain(&mut s), vec![Ev::Close(1006, String::new(), false)]);
    assert_eq!(s.state(), State::Closed);
    assert!(
        s.pending_output().is_empty(),
        "nothing can be sent after EOF handling"
    );
}

#[test]
fn send_errors() {
    let mut s = server();
    assert_eq!(s.send_ping(&[0; 126]), Err(SendError::ControlFrameTooLong));
    s.send_text_fragment("a", false).unwrap();
    assert_eq!(s.send_text("b"), Err(SendError::FragmentInProgress));
    assert_eq!(
        s.send_binary_fragment(b"b", true),
        Err(SendError::FragmentInProgress)
    );
    s.send_ping(b"between").unwrap();
    s.send_text_fragment("c", true).unwrap();
    s.send_binary(b"ok").unwrap();
    let mut waiting = Connection::server(Config::default());
    assert_eq!(waiting.send_text("x"), Err(SendError::NotOpen));
}

// ---------------------------------------------------------------- output buffer

#[test]
fn output_is_acknowledged_piecewise() {
    let mut s = server();
    s.send_binary(&[7; 1000]).unwrap();
    assert_eq!(s.buffered_amount(), 1004);
    s.advance_output(4);
    assert_eq!(s.pending_output(), &[7; 1000][..]);
    s.advance_output(10_000);
    assert_eq!(s.buffered_amount(), 0);
}

// ---------------------------------------------------------------- handshake through the connection

#[test]
fn server_handshake_with_chromium_request_and_early_frames() {
    #[allow(unused_mut)]
    let mut cfg = Config::default();
    // These frames were captured after a 101 without permessage-deflate.
    #[cfg(feature = "deflate")]
    {
        cfg.deflate = None;
    }
    let mut s = Connection::server(cfg);
    assert_eq!(s.state(), State::Connecting);
    let raw = include_bytes!("data/request-chromium.bin");
    // The request arrives together with the first frames.
    let mut bytes = raw.to_vec();
    bytes.extend_from_slice(CHROMIUM_FRAMES);
    s.receive(&bytes[..100]);
    assert!(s.next_event().unwrap().is_none());
    s.receive(&bytes[100..]);
    let (ev, _) = s.next_event().unwrap().unwrap();
    let Event::Request(req) = ev else { panic!() };
    assert_eq!((req.path(), req.query()), ("/chat", Some("room=1")));
    assert!(req.origin().unwrap().starts_with("http://127.0.0.1:"));
    assert_eq!(req.protocols().collect::<Vec<_>>(), ["chat", "superchat"]);
    assert_eq!(req.extensions()[0].name, "permessage-deflate");
    let first = req.protocols().next().unwrap().to_string();
    // Nothing more until the request is answered.
    assert!(s.next_event().unwrap().is_none());
    s.accept(&AcceptOptions::new().protocol(first)).unwrap();
    assert_eq!(s.state(), State::Open);
    assert_eq!(s.protocol(), Some("chat"));
    let out = output(&mut s);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
    assert!(text.contains("\r\nSec-WebSocket-Protocol: chat\r\n"));
    assert!(
        !text.contains("Sec-WebSocket-Extensions"),
        "no extension accepted"
    );
    assert_eq!(
        drain(&mut s),
        vec![
            Ev::Text("hello".into()),
            Ev::Binary(vec![1, 2, 3]),
            Ev::Close(1000, "bye".into(), true)
        ]
    );
    assert_eq!(
        s.accept(&AcceptOptions::new()),
        Err(HandshakeError::NotAwaitingAnswer)
    );
}

#[test]
fn every_captured_request_is_accepted() {
    for raw in [
        &include_bytes!("data/request-chromium.bin")[..],
        include_bytes!("data/request-python-websockets.bin"),
        include_bytes!("data/request-node-ws.bin"),
        include_bytes!("data/request-curl.bin"),
    ] {
        let mut s = Connection::server(Config::default());
        let evs = feed(&mut s, raw);
        assert!(matches!(evs.as_slice(), [Ev::Request(_)]), "{evs:?}");
        s.accept(&AcceptOptions::new()).unwrap();
        assert_eq!(s.state(), State::Open);
    }
}

#[test]
fn server_rejects_bad_requests_with_a_response() {
    let good = String::from_utf8(include_bytes!("data/request-curl.bin").to_vec()).unwrap();
    let cases = [
        (
            good.replace("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8"),
            "426",
            HandshakeError::UnsupportedVersion,
        ),
        (
            good.replace("dGhlIHNhbXBsZSBub25jZQ==", "c2hvcnQ="),
            "400",
            HandshakeError::InvalidKey,
        ),
        (
            good.replacen("GET", "PUT", 1),
            "405",
            HandshakeError::MethodNotGet,
        ),
        (
            "GARBAGE\0\r\n\r\n".to_string(),
            "400",
            HandshakeError::Malformed("invalid token"),
        ),
    ];
    for (req, status, err) in cases {
        let mut s = Connection::server(Config::default());
        let evs = feed(&mut s, req.as_bytes());
        assert_eq!(evs, vec![Ev::Err(Error::Handshake(err.clone()))], "{req}");
        let resp = String::from_utf8(output(&mut s)).unwrap();
        assert!(resp.starts_with(&format!("HTTP/1.1 {status} ")), "{resp}");
        if status == "426" {
            assert!(resp.contains("Sec-WebSocket-Version: 13\r\n"));
        }
        assert_eq!(s.state(), State::Closed);
        assert!(s.should_close_transport() || !s.pending_output().is_empty());
    }
    // An endless head hits the size limit.
    let mut cfg = Config::default();
    cfg.max_handshake_size = 1024;
    let mut s = Connection::server(cfg);
    let evs = feed(
        &mut s,
        format!("GET / HTTP/1.1\r\nX: {}", "y".repeat(2000)).as_bytes(),
    );
    assert_eq!(
        evs,
        vec![Ev::Err(Error::Handshake(HandshakeError::HeadTooLarge(
            1024
        )))]
    );
    assert!(output(&mut s).starts_with(b"HTTP/1.1 431 "));
}

#[test]
fn server_rejects_foreign_origin_with_403() {
    let mut s = Connection::server(Config::default());
    let evs = feed(&mut s, include_bytes!("data/request-chromium.bin"));
    assert!(matches!(evs.as_slice(), [Ev::Request(_)]));
    s.reject(403, &[], b"origin not allowed").unwrap();
    assert_eq!(s.state(), State::Closed);
    let resp = String::from_utf8(output(&mut s)).unwrap();
    assert!(resp.starts_with("HTTP/1.1 403 Forbidden\r\n"));
    assert!(resp.ends_with("\r\n\r\norigin not allowed"));
}

fn connect(options: ClientOptions) -> (Connection, Connection) {
    let url = WsUrl::parse("ws://127.0.0.1:9001/chat").unwrap();
    let mut c = Connection::client(&url, options, Config::default()).unwrap();
    assert_eq!(c.state(), State::Connecting);
    let mut s = Connection::server(Config::default());
    let evs = feed(&mut s, &output(&mut c));
    assert_eq!(evs, vec![Ev::Request("/chat".into())]);
    (c, s)
}

#[test]
fn client_handshake_and_frames_in_the_same_read() {
    let (mut c, mut s) = connect(ClientOptions::new().protocol("chat").protocol("superchat"));
    s.accept(&AcceptOptions::new().protocol("superchat"))
        .unwrap();
    s.send_text("first").unwrap();
    let bytes = output(&mut s);
    assert_eq!(
        feed(&mut c, &bytes),
        vec![Ev::Open(Some("superchat".into())), Ev::Text("first".into())]
    );
    assert_eq!((c.state(), c.protocol()), (State::Open, Some("superchat")));
}

#[test]
fn client_refuses_bad_responses() {
    let (mut c, _) = connect(ClientOptions::new());
    let evs = feed(
        &mut c,
        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
    );
    assert!(
        matches!(evs.as_slice(), [Ev::Err(Error::Handshake(HandshakeError::UnexpectedStatus(r)))] if r.status() == 403),
        "{evs:?}"
    );
    assert_eq!(c.state(), State::Closed);

    let (mut c, mut s) = connect(ClientOptions::new());
    s.accept(&AcceptOptions::new()).unwrap();
    let resp = String::from_utf8(output(&mut s)).unwrap();
    let tampered = resp.replace("Sec-WebSocket-Accept: ", "Sec-WebSocket-Accept: x");
    let evs = feed(&mut c, tampered.as_bytes());
    assert_eq!(
        evs,
        vec![Ev::Err(Error::Handshake(HandshakeError::BadAccept))]
    );

    let (mut c, mut s) = connect(ClientOptions::new());
    s.accept(&AcceptOptions::new()).unwrap();
    let resp = String::from_utf8(output(&mut s)).unwrap();
    let chosen = resp.replace("\r\n\r\n", "\r\nSec-WebSocket-Protocol: chat\r\n\r\n");
    let evs = feed(&mut c, chosen.as_bytes());
    assert_eq!(
        evs,
        vec![Ev::Err(Error::Handshake(
            HandshakeError::ProtocolNotOffered
        ))]
    );
}

#[test]
fn accept_checks_the_protocol_was_offered() {
    let (_, mut s) = connect(ClientOptions::new().protocol("chat"));
    assert_eq!(
        s.accept(&AcceptOptions::new().protocol("mqtt")),
        Err(HandshakeError::ProtocolNotOffered)
    );
    assert_eq!(s.state(), State::Connecting);
    s.accept(&AcceptOptions::new().protocol("chat")).unwrap();
}

// ---------------------------------------------------------------- streaming

fn streaming_server() -> Connection {
    let mut cfg = Config::default();
    cfg.delivery = Delivery::Streaming;
    cfg.max_message_size = usize::MAX;
    server_with(cfg)
}

#[test]
fn streaming_delivers_pieces_as_they_arrive() {
    let mut s = streaming_server();
    let payload = vec![9u8; 100_000];
    let frame = client_frame(true, 2, &payload);
    let mut total = 0;
    let mut fins = 0;
    for piece in frame.chunks(4096) {
        for ev in feed(&mut s, piece) {
            let Ev::BinaryChunk(data, fin) = ev else {
                panic!()
            };
            assert!(data.len() <= 4096);
            assert!(data.iter().all(|&b| b == 9));
            total += data.len();
            fins += usize::from(fin);
        }
    }
    assert_eq!((total, fins), (100_000, 1));
}

#[test]
fn streaming_text_chunks_end_on_char_boundaries() {
    let mut s = streaming_server();
    let text = "aé€😀".repeat(50);
    let b = text.as_bytes();
    let bytes = [
        client_frame(false, 1, &b[..101]),
        client_frame(true, 0, &b[101..]),
    ]
    .concat();
    let mut got = String::new();
    let mut last_fin = false;
    for piece in bytes.chunks(7) {
        for ev in feed(&mut s, piece) {
            let Ev::TextChunk(t, fin) = ev else {
                panic!("{ev:?}")
            };
            assert!(!last_fin);
            got.push_str(&t);
            last_fin = fin;
        }
    }
    assert!(last_fin);
    assert_eq!(got, text);
}

#[test]
fn streaming_fails_fast_on_bad_utf8() {
    let mut s = streaming_server();
    let frame = client_frame(true, 1, b"abc\xed\xa0\x80def");
    let header = frame.len() - 9;
    let evs = feed(&mut s, &frame[..header + 4]);
    assert_eq!(evs, vec![Ev::TextChunk("abc".into(), false)]);
    let evs = feed(&mut s, &frame[header + 4..header + 5]);
    assert_eq!(
        evs,
        vec![Ev::Err(Error::Protocol(ProtocolError::InvalidUtf8))]
    );
}

// ---------------------------------------------------------------- two connections back to back

#[test]
fn client_server_pair_round_trip() {
    let (mut c, mut s) = connect(ClientOptions::new());
    s.accept(&AcceptOptions::new()).unwrap();
    feed(&mut c, &output(&mut s));
    let big = "x".repeat(1 << 20);
    c.send_text(&big).unwrap();
    c.send_binary(&[]).unwrap();
    c.send_binary_fragment(b"ab", false).unwrap();
    c.send_ping(b"mid").unwrap();
    c.send_binary_fragment(b"cd", true).unwrap();
    c.close(CloseCode(4001), "done").unwrap();
    assert_eq!(c.state(), State::Closing);
    let evs = feed(&mut s, &output(&mut c));
    assert_eq!(
        evs,
        vec![
            Ev::Text(big),
            Ev::Binary(vec![]),
            Ev::Ping(b"mid".to_vec()),
            Ev::Binary(b"abcd".to_vec()),
            Ev::Close(4001, "done".into(), true),
        ]
    );
    let evs = feed(&mut c, &output(&mut s));
    assert_eq!(
        evs,
        vec![
            Ev::Pong(b"mid".to_vec()),
            Ev::Close(4001, String::new(), true)
        ]
    );
    assert_eq!((c.state(), s.state()), (State::Closed, State::Closed));
}

#[test]
fn role_is_reported() {
    assert_eq!(server().role(), Role::Server);
    assert_eq!(client().role(), Role::Client);
}

#[test]
fn data_after_an_unanswered_request_is_bounded() {
    let mut cfg = Config::default();
    cfg.max_frame_size = 100;
    let mut s = Connection::server(cfg);
    let evs = feed(&mut s, include_bytes!("data/request-curl.bin"));
    assert!(matches!(evs.as_slice(), [Ev::Request(_)]));
    // Early frames within one frame's worth wait for the answer...
    assert_eq!(feed(&mut s, &client_frame(true, 2, &[1; 50])), vec![]);
    // ...more is refused.
    let evs = feed(&mut s, &client_frame(true, 2, &[1; 60]));
    assert_eq!(
        evs,
        vec![Ev::Err(Error::Handshake(HandshakeError::EarlyData))]
    );
    assert_eq!(s.state(), State::Closed);
    assert_eq!(
        s.accept(&AcceptOptions::new()),
        Err(HandshakeError::NotAwaitingAnswer)
    );
}

#[test]
fn accept_refuses_an_empty_or_unoffered_protocol() {
    let mut s = Connection::server(Config::default());
    assert!(matches!(
        feed(&mut s, include_bytes!("data/request-curl.bin")).as_slice(),
        [Ev::Request(_)]
    ));
    assert_eq!(
        s.accept(&AcceptOptions::new().protocol("")),
        Err(HandshakeError::ProtocolNotOffered)
    );
    assert_eq!(
        s.accept(&AcceptOptions::new().protocol("chat")),
        Err(HandshakeError::ProtocolNotOffered)
    );
    assert!(s.pending_output().is_empty());
    s.accept(&AcceptOptions::new()).unwrap();
    assert!(s.pending_output().starts_with(b"HTTP/1.1 101 "));
}

#[test]
#[should_panic(expected = "bytes may only be appended")]
fn receive_into_refuses_a_closure_that_removes_bytes() {
    let mut conn = Connection::open(Role::Server, Config::default());
    let frame = client_frame(true, 2, b"partial frame");
    conn.receive(&frame[..5]);
    conn.receive_into(16, |buf| buf.clear());
}

#[test]
fn receive_into_after_close_drops_the_bytes() {
    let mut conn = Connection::open(Role::Server, Config::default());
    feed(&mut conn, &client_frame(true, 8, &1000u16.to_be_bytes()));
    assert_eq!(conn.state(), State::Closed);
    conn.receive_into(16, |buf| {
        buf.extend_from_slice(&client_frame(true, 1, b"late"))
    });
    assert_eq!(conn.buffered_input(), 0);
    assert!(conn.next_event().unwrap().is_none());
}

#[test]
fn receive_into_large_frames_in_pieces() {
    let mut wire = Vec::new();
    for i in 0..3u8 {
        wire.extend(client_frame(true, 2, &vec![i; 64 * 1024]));
    }
    for piece in [1usize, 7, 1000, 4096, 10_000, 65_536, 100_000] {
        let mut conn = Connection::open(Role::Server, Config::default());
        let mut got = vec![];
        for chunk in wire.chunks(piece) {
            conn.receive_into(4096, |buf| buf.extend_from_slice(chunk));
            while let Some((ev, _)) = conn.next_event().unwrap() {
                match ev {
                    Event::Binary(b) => got.push((b.len(), b[0])),
                    _ => panic!("unexpected event"),
                }
            }
        }
        assert_eq!(
            got,
            vec![(65536, 0), (65536, 1), (65536, 2)],
            "pieces of {piece}"
        );
    }
}

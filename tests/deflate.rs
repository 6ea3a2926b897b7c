//! permessage-deflate (RFC 7692) through the connection: negotiation, compressed frames,
//! every parameter combination, limits and errors.
#![cfg(feature = "deflate")]

mod common;

use common::*;
use proptest::prelude::*;
use rfc6455::extensions::deflate::{DeflateConfig, DeflateParams};
use rfc6455::handshake::{AcceptOptions, ClientOptions, WsUrl};
use rfc6455::{Config, Connection, Delivery, Error, Event, OpCode, ProtocolError, Role, State};

fn pair(client_cfg: Config, server_cfg: Config) -> (Connection, Connection, String) {
    let url = WsUrl::parse("ws://127.0.0.1:9001/").unwrap();
    let mut c = Connection::client(&url, ClientOptions::new(), client_cfg).unwrap();
    let mut s = Connection::server(server_cfg);
    assert!(matches!(
        feed(&mut s, &output(&mut c)).as_slice(),
        [Ev::Request(_)]
    ));
    s.accept(&AcceptOptions::new()).unwrap();
    let response = String::from_utf8(output(&mut s)).unwrap();
    assert_eq!(feed(&mut c, response.as_bytes()), vec![Ev::Open(None)]);
    (c, s, response)
}

#[test]
fn chromium_compressed_frames() {
    let mut s = Connection::server(Config::default());
    assert!(matches!(
        feed(&mut s, include_bytes!("data/request-chromium.bin")).as_slice(),
        [Ev::Request(_)]
    ));
    s.accept(&AcceptOptions::new()).unwrap();
    let resp = String::from_utf8(output(&mut s)).unwrap();
    assert!(
        resp.contains("\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"),
        "{resp}"
    );
    assert_eq!(
        feed(&mut s, include_bytes!("data/frames-chromium-deflate.bin")),
        vec![
            Ev::Text("hello".into()),
            Ev::Binary(vec![1, 2, 3]),
            Ev::Close(1000, "bye".into(), true)
        ]
    );
}

#[test]
fn client_accepts_captured_server_responses() {
    // Real servers' answers to a Chromium-like offer; the accept key differs from ours, so
    // only the extension parameters are checked here, through the public negotiation API.
    use rfc6455::extensions::{deflate, parse_extensions};
    let mut offers = vec![];
    parse_extensions(
        "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
        &mut offers,
    )
    .unwrap();
    let p = deflate::accept_response(&offers[0], &DeflateConfig::default()).unwrap();
    assert_eq!(
        (p.server_max_window_bits, p.client_max_window_bits),
        (12, 12)
    );
}

#[test]
fn compressed_round_trip_and_wire_format() {
    let (mut c, mut s, response) = pair(Config::default(), Config::default());
    assert!(response.contains("Sec-WebSocket-Extensions: permessage-deflate\r\n"));
    let text = "the same words again and again; ".repeat(200);
    c.send_text(&text).unwrap();
    let wire = output(&mut c);
    let fr = frames(&wire);
    assert_eq!(fr.len(), 1);
    assert!(wire[0] & 0x40 != 0, "RSV1 set on a compressed message");
    assert!(
        wire.len() < text.len() / 10,
        "{} bytes for {}",
        wire.len(),
        text.len()
    );
    assert_eq!(feed(&mut s, &wire), vec![Ev::Text(text.clone())]);
    // Small messages stay uncompressed (threshold), RSV1 clear.
    c.send_text("hi").unwrap();
    let wire = output(&mut c);
    assert_eq!(wire[0], 0x81);
    assert_eq!(feed(&mut s, &wire), vec![Ev::Text("hi".into())]);
    // Server to client, fragmented, with a ping in between: RSV1 on the first frame only.
    s.send_binary_fragment(&[7; 500], false).unwrap();
    s.send_ping(b"p").unwrap();
    s.send_binary_fragment(&[7; 500], true).unwrap();
    let wire = output(&mut s);
    let hdrs = split_headers(&wire);
    assert_eq!(
        hdrs,
        vec![
            (0x40, OpCode::Binary),
            (0x0, OpCode::Ping),
            (0x80, OpCode::Continuation)
        ]
    );
    assert_eq!(
        feed(&mut c, &wire),
        vec![Ev::Ping(b"p".to_vec()), Ev::Binary(vec![7; 1000])]
    );
}

/// (first byte's FIN+RSV bits, opcode) of every frame.
fn split_headers(mut bytes: &[u8]) -> Vec<(u8, OpCode)> {
    let mut out = vec![];
    while let rfc6455::Status::Complete((h, n)) = rfc6455::FrameHeader::parse(bytes).unwrap() {
        let bits = (u8::from(h.fin) << 7) | (h.rsv << 4);
        out.push((if h.opcode.is_control() { 0 } else { bits }, h.opcode));
        bytes = &bytes[n + h.payload_len as usize..];
        if bytes.is_empty() {
            break;
        }
    }
    out
}

fn deflate_server() -> Connection {
    let mut s = Connection::open(Role::Server, Config::default());
    s.enable_deflate(&DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    });
    s
}

#[test]
fn rsv1_rules() {
    // On a continuation frame or a control frame RSV1 is a protocol error even when
    // negotiated; without negotiation it always is (tests/connection.rs).
    let cases = [
        [
            raw_frame(false, 0, 1, Some([1, 2, 3, 4]), b"a"),
            raw_frame(true, 4, 0, Some([1, 2, 3, 4]), b"b"),
        ]
        .concat(),
        raw_frame(true, 4, 9, Some([1, 2, 3, 4]), b""),
    ];
    for bytes in cases {
        let mut s = deflate_server();
        let evs = feed(&mut s, &bytes);
        assert_eq!(
            evs,
            vec![Ev::Err(Error::Protocol(ProtocolError::ReservedBits(4)))]
        );
        assert_eq!(sent_close_code(&output(&mut s)), Some(1002));
    }
}

#[test]
fn rfc_7692_hello_frames() {
    let mut s = deflate_server();
    // §7.2.3.1 as one frame, then §7.2.3.2 (uses the previous context), then fragmented
    // (§7.2.3.4 style: split compressed data over two frames).
    let bytes = [
        raw_frame(
            true,
            4,
            1,
            Some([9, 8, 7, 6]),
            &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
        ),
        raw_frame(
            true,
            4,
            1,
            Some([9, 8, 7, 6]),
            &[0xf2, 0x00, 0x11, 0x00, 0x00],
        ),
    ]
    .concat();
    assert_eq!(
        feed(&mut s, &bytes),
        vec![Ev::Text("Hello".into()), Ev::Text("Hello".into())]
    );
    let mut s = deflate_server();
    let bytes = [
        raw_frame(false, 4, 1, Some([9, 8, 7, 6]), &[0xf2, 0x48, 0xcd]),
        raw_frame(true, 0, 0, Some([9, 8, 7, 6]), &[0xc9, 0xc9, 0x07, 0x00]),
    ]
    .concat();
    assert_eq!(feed(&mut s, &bytes), vec![Ev::Text("Hello".into())]);
}

#[test]
fn decompression_bomb_is_1009_with_bounded_memory() {
    let mut cfg = Config::default();
    cfg.max_message_size = 1 << 20;
    let mut s = Connection::open(Role::Server, cfg);
    s.enable_deflate(&DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    });
    // 64 MiB of zeros, compressed hard by a peer.
    let mut peer = Config::default();
    peer.deflate.as_mut().unwrap().level = 9;
    let mut c = Connection::open(Role::Client, peer);
    c.enable_deflate(&DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    });
    c.send_binary(&vec![0u8; 64 << 20]).unwrap();
    let bomb = output(&mut c);
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    let evs = feed(&mut s, &bomb);
    let [Ev::Err(Error::Protocol(ProtocolError::MessageTooLarge { max, .. }))] = evs.as_slice()
    else {
        panic!("{evs:?}")
    };
    assert_eq!(*max, 1 << 20);
    assert_eq!(sent_close_code(&output(&mut s)), Some(1009));
    assert!(s.buffered_input() <= bomb.len() + (2 << 20));
}

#[test]
fn invalid_compressed_data_fails_the_connection() {
    let mut s = deflate_server();
    let evs = feed(
        &mut s,
        &raw_frame(true, 4, 2, Some([1, 2, 3, 4]), &[0xff; 20]),
    );
    assert_eq!(
        evs,
        vec![Ev::Err(Error::Protocol(
            ProtocolError::InvalidCompressedData
        ))]
    );
    assert_eq!(sent_close_code(&output(&mut s)), Some(1002));
    // Invalid UTF-8 inside compressed text is still 1007.
    let mut c = Connection::open(Role::Client, Config::default());
    c.enable_deflate(&DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    });
    c.send_binary(&[0xce, 0xba, 0xed, 0xa0, 0x80].repeat(30))
        .unwrap();
    let mut wire = output(&mut c);
    wire[0] = (wire[0] & 0xF0) | 1; // relabel as text
    let mut s = deflate_server();
    assert_eq!(
        feed(&mut s, &wire),
        vec![Ev::Err(Error::Protocol(ProtocolError::InvalidUtf8))]
    );
    assert_eq!(sent_close_code(&output(&mut s)), Some(1007));
}

#[test]
fn declined_or_disabled() {
    let mut off = Config::default();
    off.deflate = None;
    // Server with deflate off: the offer is ignored; the client sees no extension.
    let (mut c, mut s, response) = pair(Config::default(), off.clone());
    assert!(!response.contains("Sec-WebSocket-Extensions"));
    c.send_text(&"x".repeat(1000)).unwrap();
    let wire = output(&mut c);
    assert_eq!(wire[0], 0x81, "no compression without negotiation");
    assert_eq!(feed(&mut s, &wire), vec![Ev::Text("x".repeat(1000))]);
    // Client with deflate off sends no offer.
    let url = WsUrl::parse("ws://127.0.0.1:9001/").unwrap();
    let mut c = Connection::client(&url, ClientOptions::new(), off).unwrap();
    assert!(!String::from_utf8(output(&mut c))
        .unwrap()
        .contains("permessage-deflate"));
}

#[test]
fn client_fails_on_a_bad_extension_response() {
    let url = WsUrl::parse("ws://127.0.0.1:9001/").unwrap();
    let mut c = Connection::client(&url, ClientOptions::new(), Config::default()).unwrap();
    let req = output(&mut c);
    let rfc6455::Status::Complete(r) =
        rfc6455::handshake::Request::parse(&req, &Config::default()).unwrap()
    else {
        panic!()
    };
    let mut resp = vec![];
    let opts = AcceptOptions {
        extensions: Some("permessage-deflate; bogus".into()),
        ..AcceptOptions::default()
    };
    r.write_accept(&opts, &mut resp).unwrap();
    let evs = feed(&mut c, &resp);
    assert_eq!(
        evs,
        vec![Ev::Err(Error::Handshake(
            rfc6455::HandshakeError::InvalidExtensionResponse
        ))]
    );
    assert_eq!(c.state(), State::Closed);
}

#[test]
fn streaming_with_compression() {
    let mut cfg = Config::default();
    cfg.delivery = Delivery::Streaming;
    let (mut c, mut s, _) = pair(Config::default(), cfg);
    let text = "κόσμε ".repeat(3000);
    let (a, b) = text.split_at(text.char_indices().nth(5001).unwrap().0);
    c.send_text_fragment(a, false).unwrap();
    c.send_text_fragment(b, true).unwrap();
    let mut got = String::new();
    let mut fins = 0;
    for ev in feed(&mut s, &output(&mut c)) {
        let Ev::TextChunk(t, fin) = ev else {
            panic!("{ev:?}")
        };
        got.push_str(&t);
        fins += usize::from(fin);
    }
    assert_eq!((got, fins), (text, 1));
}

fn config_with(
    nct_server: bool,
    nct_client: bool,
    sbits: u8,
    cbits: u8,
    threshold: usize,
) -> Config {
    let mut cfg = Config::default();
    let d = cfg.deflate.as_mut().unwrap();
    d.server_no_context_takeover = nct_server;
    d.client_no_context_takeover = nct_client;
    d.server_max_window_bits = sbits;
    d.client_max_window_bits = cbits;
    d.threshold = threshold;
    cfg
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every combination of parameters and window sizes, asked by the client or imposed by
    /// the server: messages in both directions, whole and fragmented, come out unchanged.
    #[test]
    fn every_parameter_combination_round_trips(
        client_side: (bool, bool, u8, u8), server_side: (bool, bool, u8, u8),
        msgs in proptest::collection::vec((any::<bool>(), "[a-c ]{0,400}", 0usize..3), 1..6),
        threshold in 0usize..50,
    ) {
        let bits = |b: u8| 9 + b % 7;
        let ccfg = config_with(client_side.0, client_side.1, bits(client_side.2), bits(client_side.3), threshold);
        let scfg = config_with(server_side.0, server_side.1, bits(server_side.2), bits(server_side.3), threshold);
        let (mut c, mut s, response) = pair(ccfg, scfg);
        prop_assert!(response.contains("permessage-deflate"));
        for (client_sends, text, pieces) in &msgs {
            let (tx, rx) = if *client_sends { (&mut c, &mut s) } else { (&mut s, &mut c) };
            if *pieces == 0 {
                tx.send_text(text).unwrap();
            } else {
                let cut = text.len() / 2;
                tx.send_text_fragment(&text[..cut], false).unwrap();
                tx.send_text_fragment(&text[cut..], true).unwrap();
            }
            let wire = output(tx);
            prop_assert_eq!(feed(rx, &wire), vec![Ev::Text(text.clone())]);
        }
    }
}

#[test]
fn events_borrow_inflated_data() {
    // The echo pattern works for compressed messages too: reply from the event.
    let (mut c, mut s, _) = pair(Config::default(), Config::default());
    c.send_binary(&[42; 4096]).unwrap();
    s.receive(&output(&mut c));
    while let Some((ev, tx)) = s.next_event().unwrap() {
        if let Event::Binary(b) = ev {
            tx.send_binary(b).unwrap();
        }
    }
    assert_eq!(
        feed(&mut c, &output(&mut s)),
        vec![Ev::Binary(vec![42; 4096])]
    );
}

/// Found by `fuzz/inflate_untrusted`: a message that is a final (BFINAL) empty stored block
/// ended the peer's deflate stream; resetting the inflater made a byte counter underflow
/// (panic). Such a message is valid and empty, and the next one starts a fresh stream.
#[test]
fn fuzz_regression_final_block_in_a_message() {
    let mut s = deflate_server();
    let evs = feed(&mut s, &raw_frame(true, 4, 1, Some([0, 0, 0, 0]), &[0x21]));
    assert_eq!(evs, vec![Ev::Text(String::new())]);
    let evs = feed(
        &mut s,
        &raw_frame(
            true,
            4,
            1,
            Some([0, 0, 0, 0]),
            &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
        ),
    );
    assert_eq!(evs, vec![Ev::Text("Hello".into())]);
}

/// Found by `fuzz/deflate_roundtrip`: an empty last fragment after a flushed one compressed
/// to nothing, so the message did not end on a block boundary once the receiver appended the
/// tail, and the next message inflated to garbage (`[0, 255, 255]` instead of empty).
#[test]
fn fuzz_regression_empty_last_fragment() {
    let mut cfg = Config::default();
    cfg.deflate.as_mut().unwrap().threshold = 0;
    let params = DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: true,
        server_max_window_bits: 12,
        client_max_window_bits: 9,
    };
    let mut tx = Connection::open(Role::Server, cfg.clone());
    let mut rx = Connection::open(Role::Client, cfg);
    tx.enable_deflate(&params);
    rx.enable_deflate(&params);
    tx.send_text_fragment("", false).unwrap();
    tx.send_text_fragment("", true).unwrap();
    tx.send_binary(&[]).unwrap();
    tx.send_text_fragment("abc", false).unwrap();
    tx.send_text_fragment("", true).unwrap();
    tx.send_text("abc").unwrap();
    assert_eq!(
        feed(&mut rx, &output(&mut tx)),
        vec![
            Ev::Text(String::new()),
            Ev::Binary(vec![]),
            Ev::Text("abc".into()),
            Ev::Text("abc".into())
        ]
    );
}

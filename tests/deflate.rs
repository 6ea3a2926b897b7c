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

/// A compressed message in the frames a peer with default limits sends: whole, or in
/// `pieces` fragments.
fn compressed_wire(role: Role, text: &str, pieces: usize) -> Vec<u8> {
    let mut cfg = Config::default();
    cfg.deflate.as_mut().unwrap().threshold = 0;
    let mut tx = Connection::open(role, cfg);
    tx.enable_deflate(&DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    });
    if pieces <= 1 {
        tx.send_text(text).unwrap();
    } else {
        let step = text.len().div_ceil(pieces).max(1);
        let mut at = 0;
        while at + step < text.len() {
            tx.send_text_fragment(&text[at..at + step], false).unwrap();
            at += step;
        }
        tx.send_text_fragment(&text[at..], true).unwrap();
    }
    output(&mut tx)
}

/// Issue #11: every limit accepts its whole range. `max_message_size` or `max_frame_size` at
/// `usize::MAX` made `limit + 1` overflow while inflating (a panic in debug builds, an endless
/// loop in release). Compressed messages, whole and fragmented, in both delivery modes: the
/// right events, or the right 1009.
#[test]
fn compressed_messages_under_every_limit() {
    let values = [0, 1, 125, 65536, usize::MAX];
    let texts = [
        String::new(),
        "hello".to_string(),
        "abc".repeat(100),
        "the same words again and again; ".repeat(3000),
    ];
    for delivery in [Delivery::Messages, Delivery::Streaming] {
        for max_message in values {
            for max_frame in values {
                for text in &texts {
                    for pieces in [1, 3] {
                        let wire = compressed_wire(Role::Client, text, pieces);
                        let largest_frame = frame_lengths(&wire).into_iter().max().unwrap();
                        let mut cfg = Config::default();
                        cfg.delivery = delivery;
                        cfg.max_message_size = max_message;
                        cfg.max_frame_size = max_frame;
                        let mut s = Connection::open(Role::Server, cfg);
                        s.enable_deflate(&DeflateParams {
                            server_no_context_takeover: false,
                            client_no_context_takeover: false,
                            server_max_window_bits: 15,
                            client_max_window_bits: 15,
                        });
                        let evs = feed(&mut s, &wire);
                        let case = format!(
                            "{delivery:?} msg {max_message} frame {max_frame} len {} pieces {pieces}",
                            text.len()
                        );
                        if largest_frame > max_frame || text.len() > max_message {
                            let Some(Ev::Err(Error::Protocol(e))) = evs.last() else {
                                panic!("{case}: {evs:?}")
                            };
                            match e {
                                ProtocolError::FrameTooLarge { max, .. } => {
                                    assert!(largest_frame > max_frame, "{case}");
                                    assert_eq!(*max, max_frame, "{case}");
                                }
                                ProtocolError::MessageTooLarge { max, .. } => {
                                    assert!(text.len() > max_message, "{case}");
                                    assert_eq!(*max, max_message, "{case}");
                                }
                                e => panic!("{case}: {e:?}"),
                            }
                            assert_eq!(sent_close_code(&output(&mut s)), Some(1009), "{case}");
                            continue;
                        }
                        let got = match delivery {
                            Delivery::Messages => {
                                assert_eq!(evs.len(), 1, "{case}: {evs:?}");
                                evs
                            }
                            _ => {
                                let mut all = String::new();
                                for (i, ev) in evs.iter().enumerate() {
                                    let Ev::TextChunk(t, fin) = ev else {
                                        panic!("{case}: {evs:?}")
                                    };
                                    assert_eq!(*fin, i + 1 == evs.len(), "{case}");
                                    all.push_str(t);
                                }
                                vec![Ev::Text(all)]
                            }
                        };
                        assert_eq!(got, vec![Ev::Text(text.clone())], "{case}");
                    }
                }
            }
        }
    }
}

/// The payload length of every frame in `bytes`.
fn frame_lengths(mut bytes: &[u8]) -> Vec<usize> {
    let mut out = vec![];
    while let rfc6455::Status::Complete((h, n)) = rfc6455::FrameHeader::parse(bytes).unwrap() {
        out.push(h.payload_len as usize);
        bytes = &bytes[n + h.payload_len as usize..];
        if bytes.is_empty() {
            break;
        }
    }
    out
}

/// A client that offers `offers` by hand, and what it makes of a 101 answering with the
/// extension header `answer`.
fn client_sees(offers: &[&str], answer: &str, cfg: Config) -> (Connection, Vec<Ev>) {
    let url = WsUrl::parse("ws://127.0.0.1:9001/").unwrap();
    let mut opts = ClientOptions::new();
    for o in offers {
        opts = opts.extension(*o);
    }
    let mut c = Connection::client(&url, opts, cfg).unwrap();
    let req = output(&mut c);
    let rfc6455::Status::Complete(r) =
        rfc6455::handshake::Request::parse(&req, &Config::default()).unwrap()
    else {
        panic!()
    };
    let mut resp = vec![];
    let accept = AcceptOptions {
        extensions: Some(answer.into()),
        ..AcceptOptions::default()
    };
    r.write_accept(&accept, &mut resp).unwrap();
    let evs = feed(&mut c, &resp);
    (c, evs)
}

/// Issue #11: the client checks the permessage-deflate answer against the offers it sent
/// (RFC 7692 §7.1.1–7.1.2), not against `Config::deflate`: an answer must fit one offer.
#[test]
fn client_checks_the_answer_against_its_offers() {
    const A: &[&str] = &["permessage-deflate"];
    const B: &[&str] = &["permessage-deflate; server_max_window_bits=10"];
    const C: &[&str] = &["permessage-deflate; server_no_context_takeover"];
    const D: &[&str] = &["permessage-deflate; client_max_window_bits=11"];
    const E: &[&str] = &["permessage-deflate; client_max_window_bits"];
    // Two offers: the answer may fit either.
    const F: &[&str] = &[
        "permessage-deflate; server_max_window_bits=10; server_no_context_takeover",
        "permessage-deflate",
    ];
    let offers = [A, B, C, D, E, F];
    // For each answer: whether it fits offers A..F.
    let table: &[(&str, [bool; 6])] = &[
        ("permessage-deflate", [true, false, false, true, true, true]),
        (
            "permessage-deflate; client_max_window_bits=10",
            [false, false, false, true, true, false],
        ),
        (
            "permessage-deflate; client_max_window_bits=12",
            [false, false, false, false, true, false],
        ),
        (
            "permessage-deflate; server_max_window_bits=12",
            [true, false, false, true, true, true],
        ),
        (
            "permessage-deflate; server_max_window_bits=10",
            [true, true, false, true, true, true],
        ),
        (
            "permessage-deflate; server_max_window_bits=\"10\"",
            [true, true, false, true, true, true],
        ),
        (
            "permessage-deflate; server_no_context_takeover",
            [true, false, true, true, true, true],
        ),
        (
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9",
            [true; 6],
        ),
        (
            "permessage-deflate; client_no_context_takeover",
            [true, false, false, true, true, true],
        ),
        // Never valid in an answer:
        ("permessage-deflate; client_max_window_bits", [false; 6]),
        ("permessage-deflate; server_max_window_bits=010", [false; 6]),
        ("permessage-deflate; server_max_window_bits=16", [false; 6]),
        ("permessage-deflate; x=1", [false; 6]),
        (
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            [false; 6],
        ),
        ("permessage-deflate, permessage-deflate", [false; 6]),
    ];
    let mut off = Config::default();
    off.deflate = None;
    for cfg in [Config::default(), off] {
        for (answer, fits) in table {
            for (offer, fit) in offers.iter().zip(fits) {
                let (mut c, evs) = client_sees(offer, answer, cfg.clone());
                let case = format!("offer {offer:?}, answer {answer:?}");
                if *fit {
                    assert_eq!(evs, vec![Ev::Open(None)], "{case}");
                    assert_eq!(c.state(), State::Open, "{case}");
                    // Compression is on: a long message goes out with RSV1.
                    c.send_text(&"a".repeat(1000)).unwrap();
                    assert_eq!(output(&mut c)[0], 0xc1, "{case}");
                } else {
                    assert_eq!(
                        evs,
                        vec![Ev::Err(Error::Handshake(
                            rfc6455::HandshakeError::InvalidExtensionResponse
                        ))],
                        "{case}"
                    );
                    assert_eq!(c.state(), State::Closed, "{case}");
                }
            }
        }
    }
}

/// The parameters come from the first offer the answer fits: a server that keeps its context
/// (no `server_no_context_takeover` in the answer) fits only the second offer here, and the
/// client's window is the one its offer hinted.
#[test]
fn client_takes_parameters_from_the_offer_that_fits() {
    let offers = [
        "permessage-deflate; server_no_context_takeover; client_max_window_bits=9",
        "permessage-deflate; client_max_window_bits=10; client_no_context_takeover",
    ];
    let (mut c, evs) = client_sees(&offers, "permessage-deflate", Config::default());
    assert_eq!(evs, vec![Ev::Open(None)]);
    // The client resets its context (its offer promised it): the same message twice
    // compresses to the same bytes. The message repeats a 1500-byte block, which a 15-bit
    // window would reference and a 10-bit one cannot.
    let mut seed = 7u32;
    let block: String = (0..1500)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            char::from(b'a' + (seed >> 16) as u8 % 26)
        })
        .collect();
    let text = block.repeat(2);
    c.send_text(&text).unwrap();
    let a = output(&mut c);
    c.send_text(&text).unwrap();
    let b = output(&mut c);
    let payload = |w: &[u8]| -> Vec<u8> {
        let (key, body) = match w[1] & 0x7f {
            126 => (&w[4..8], &w[8..]),
            n if n < 126 => (&w[2..6], &w[6..]),
            _ => unreachable!(),
        };
        body.iter()
            .enumerate()
            .map(|(i, x)| x ^ key[i % 4])
            .collect()
    };
    assert_eq!(payload(&a), payload(&b));
    // And it fits a server inflating with a 10-bit window, resetting each message.
    let mut s = Connection::open(Role::Server, Config::default());
    s.enable_deflate(&DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: true,
        server_max_window_bits: 15,
        client_max_window_bits: 10,
    });
    assert_eq!(
        feed(&mut s, &[a, b].concat()),
        vec![Ev::Text(text.clone()), Ev::Text(text)]
    );
}

/// A server that has received the client's request (default client, default offer).
fn server_with_request(client_cfg: Config) -> (Connection, Connection) {
    let url = WsUrl::parse("ws://127.0.0.1:9001/").unwrap();
    let mut c = Connection::client(&url, ClientOptions::new(), client_cfg).unwrap();
    let mut s = Connection::server(Config::default());
    assert!(matches!(
        feed(&mut s, &output(&mut c)).as_slice(),
        [Ev::Request(_)]
    ));
    (c, s)
}

/// Issue #11: `accept` with permessage-deflate named by hand in `AcceptOptions::extensions`
/// opened a connection that announced compression but did not inflate. Now a hand answer that
/// fits the client's offer turns compression on with its parameters; one that does not is
/// refused before anything is sent.
#[test]
fn accept_with_a_hand_written_deflate_answer() {
    let (mut c, mut s) = server_with_request(Config::default());
    let opts = AcceptOptions {
        extensions: Some(
            "permessage-deflate; server_no_context_takeover; client_max_window_bits=10".into(),
        ),
        ..AcceptOptions::default()
    };
    s.accept(&opts).unwrap();
    assert_eq!(feed(&mut c, &output(&mut s)), vec![Ev::Open(None)]);
    let text = "compress me ".repeat(200);
    for _ in 0..2 {
        c.send_text(&text).unwrap();
        let wire = output(&mut c);
        assert_eq!(wire[0], 0xc1);
        assert_eq!(feed(&mut s, &wire), vec![Ev::Text(text.clone())]);
        s.send_text(&text).unwrap();
        let wire = output(&mut s);
        assert_eq!(wire[0], 0xc1);
        assert_eq!(feed(&mut c, &wire), vec![Ev::Text(text.clone())]);
    }
    // Answers that do not fit the default offer ("permessage-deflate; client_max_window_bits"),
    // with a server that has compression off too.
    for cfg in [Config::default(), {
        let mut off = Config::default();
        off.deflate = None;
        off
    }] {
        for bad in [
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; bogus",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate, permessage-deflate",
        ] {
            let (_, mut s) = server_with_request(cfg.clone());
            let opts = AcceptOptions {
                extensions: Some(bad.into()),
                ..AcceptOptions::default()
            };
            assert_eq!(
                s.accept(&opts),
                Err(rfc6455::HandshakeError::InvalidExtensionResponse),
                "{bad}"
            );
            assert!(output(&mut s).is_empty(), "{bad}: nothing sent");
            // The request still waits for an answer.
            s.reject(400, &[], b"").unwrap();
        }
    }
    // To a client that offered nothing, permessage-deflate cannot be answered.
    let mut off = Config::default();
    off.deflate = None;
    let (_, mut s) = server_with_request(off);
    let opts = AcceptOptions {
        extensions: Some("permessage-deflate".into()),
        ..AcceptOptions::default()
    };
    assert_eq!(
        s.accept(&opts),
        Err(rfc6455::HandshakeError::InvalidExtensionResponse)
    );
    // Other extensions by hand are sent as written, deflate off.
    let (mut c, mut s) = server_with_request(Config::default());
    let opts = AcceptOptions {
        extensions: Some("x-custom".into()),
        ..AcceptOptions::default()
    };
    s.accept(&opts).unwrap();
    assert!(String::from_utf8(output(&mut s))
        .unwrap()
        .contains("Sec-WebSocket-Extensions: x-custom\r\n"));
    let _ = output(&mut c);
}

/// RFC 7692 §7.1.2.1: a server accepting an offer with `server_max_window_bits` names it in
/// its answer, 15 included; §7.1.2: values without leading zeros. Through the connection.
#[test]
fn server_answers_server_max_window_bits_15() {
    let mut c_cfg = Config::default();
    c_cfg.deflate = None;
    let url = WsUrl::parse("ws://127.0.0.1:9001/").unwrap();
    for (offer, answer) in [
        (
            "permessage-deflate; server_max_window_bits=15",
            Some("permessage-deflate; server_max_window_bits=15"),
        ),
        (
            "permessage-deflate; server_max_window_bits=\"12\"",
            Some("permessage-deflate; server_max_window_bits=12"),
        ),
        ("permessage-deflate; server_max_window_bits=015", None),
        ("permessage-deflate; client_max_window_bits=09", None),
        (
            "permessage-deflate; client_max_window_bits=9",
            Some("permessage-deflate; client_max_window_bits=9"),
        ),
    ] {
        let mut c =
            Connection::client(&url, ClientOptions::new().extension(offer), c_cfg.clone()).unwrap();
        let mut s = Connection::server(Config::default());
        feed(&mut s, &output(&mut c));
        s.accept(&AcceptOptions::new()).unwrap();
        let resp = String::from_utf8(output(&mut s)).unwrap();
        match answer {
            Some(a) => {
                assert!(
                    resp.contains(&format!("\r\nSec-WebSocket-Extensions: {a}\r\n")),
                    "{offer}: {resp}"
                );
                assert_eq!(feed(&mut c, resp.as_bytes()), vec![Ev::Open(None)]);
            }
            None => assert!(
                !resp.contains("Sec-WebSocket-Extensions"),
                "{offer}: {resp}"
            ),
        }
    }
}

/// RFC 7692 §6.2 / §7.2.2: a compressed message with no payload bytes at all (RSV1, empty) is
/// an empty message and leaves the context as it was. Appending 00 00 ff ff to nothing left
/// the inflater inside a stored block (LEN 0xff00), so the next message inflated to garbage
/// (`[0, 255, 255]`) or failed as invalid UTF-8. The next message here refers to the one
/// before the empty ones (§7.2.3.2).
#[test]
fn empty_compressed_payload_keeps_the_context() {
    let mut s = deflate_server();
    let key = Some([1, 2, 3, 4]);
    let bytes = [
        raw_frame(true, 4, 1, key, &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]),
        raw_frame(true, 4, 2, key, &[]),
        raw_frame(false, 4, 1, key, &[]),
        raw_frame(true, 0, 0, key, &[]),
        raw_frame(true, 4, 1, key, &[0xf2, 0x00, 0x11, 0x00, 0x00]),
    ]
    .concat();
    assert_eq!(
        feed(&mut s, &bytes),
        vec![
            Ev::Text("Hello".into()),
            Ev::Binary(vec![]),
            Ev::Text(String::new()),
            Ev::Text("Hello".into())
        ]
    );
    // Our sender's empty compressed messages do the same.
    let (mut c, mut s, _) = pair(Config::default(), Config::default());
    for t in [
        "",
        "Hello Hello Hello Hello Hello Hello Hello Hello Hello Hello Hello Hello",
        "",
    ] {
        c.send_text(t).unwrap();
        assert_eq!(feed(&mut s, &output(&mut c)), vec![Ev::Text(t.into())]);
    }
}

/// `DeflateParams` and `DeflateConfig` at their whole range do not panic: window bits are used
/// as 9..=15 (with fewer than 9 this end sends uncompressed), levels above 9 as 9.
#[test]
fn deflate_settings_at_their_whole_range() {
    for bits in [0u8, 1, 8, 9, 15, 16, 200, u8::MAX] {
        for level in [0u32, 9, 10, u32::MAX] {
            for threshold in [0usize, 64, usize::MAX] {
                let params = DeflateParams {
                    server_no_context_takeover: bits % 2 == 0,
                    client_no_context_takeover: false,
                    server_max_window_bits: bits,
                    client_max_window_bits: bits,
                };
                let mut cfg = Config::default();
                let d = cfg.deflate.as_mut().unwrap();
                d.level = level;
                d.threshold = threshold;
                d.server_max_window_bits = bits;
                d.client_max_window_bits = bits;
                let mut tx = Connection::open(Role::Server, cfg.clone());
                let mut rx = Connection::open(Role::Client, cfg.clone());
                tx.enable_deflate(&params);
                rx.enable_deflate(&params);
                let text = "window ".repeat(300);
                tx.send_text(&text).unwrap();
                let wire = output(&mut tx);
                let compressed = wire[0] & 0x40 != 0;
                assert_eq!(
                    compressed,
                    bits >= 9 && threshold <= text.len(),
                    "bits {bits} threshold {threshold}"
                );
                assert_eq!(feed(&mut rx, &wire), vec![Ev::Text(text)]);
                // And the same settings negotiated end to end.
                let (mut c, mut s, response) = pair(cfg.clone(), cfg);
                assert!(
                    response.contains("permessage-deflate"),
                    "{bits}: {response}"
                );
                c.send_text(&"a".repeat(100)).unwrap();
                assert_eq!(
                    feed(&mut s, &output(&mut c)),
                    vec![Ev::Text("a".repeat(100))]
                );
            }
        }
    }
}

/// The most inflated bytes one chunk of a compressed message holds (`Delivery::Streaming`).
const PIECE: usize = 64 * 1024;

fn deflate_params(bits: u8, nct: bool) -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: nct,
        client_no_context_takeover: nct,
        server_max_window_bits: bits,
        client_max_window_bits: bits,
    }
}

/// A client that compresses every message, and a streaming server with `max_message_size`.
fn streaming_pair(bits: u8, nct: bool, max_message_size: usize) -> (Connection, Connection) {
    let mut ccfg = Config::default();
    let d = ccfg.deflate.as_mut().unwrap();
    d.threshold = 0;
    d.level = 6;
    let mut scfg = Config::default();
    scfg.delivery = Delivery::Streaming;
    scfg.max_message_size = max_message_size;
    let mut c = Connection::open(Role::Client, ccfg);
    let mut s = Connection::open(Role::Server, scfg);
    c.enable_deflate(&deflate_params(bits, nct));
    s.enable_deflate(&deflate_params(bits, nct));
    (c, s)
}

/// Pseudo-random data that compresses somewhat: runs of one byte, repeats of earlier data,
/// and random bytes.
fn mixed_data(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut out = Vec::with_capacity(n + 300);
    while out.len() < n {
        let r = next();
        let len = (r >> 8) as usize % 300 + 1;
        match r % 3 {
            0 => out.extend(std::iter::repeat_n(r as u8, len)),
            1 if out.len() > 1000 => {
                let from = (r >> 20) as usize % (out.len() - len.min(out.len()));
                out.extend_from_within(from..from + len.min(out.len() - from));
            }
            _ => out.extend((0..len).map(|_| next() as u8)),
        }
    }
    out.truncate(n);
    out
}

/// Chunks of the messages `s` delivers from `wire` (all of them, or up to an error), each
/// checked to hold at most [`PIECE`] bytes.
fn streamed(s: &mut Connection, wire: &[u8]) -> (Vec<Ev>, Option<Error>) {
    s.receive(wire);
    let mut evs = Vec::new();
    loop {
        match s.next_event() {
            Ok(Some((e, _))) => {
                let ev = own(&e);
                match &ev {
                    Ev::TextChunk(t, _) => assert!(t.len() <= PIECE, "{}", t.len()),
                    Ev::BinaryChunk(b, _) => assert!(b.len() <= PIECE, "{}", b.len()),
                    e => panic!("{e:?}"),
                }
                evs.push(ev);
            }
            Ok(None) => return (evs, None),
            Err(e) => return (evs, Some(e)),
        }
    }
}

/// Joins streamed chunks into messages (fin ends one).
fn join(evs: &[Ev]) -> Vec<Vec<u8>> {
    let mut msgs = Vec::new();
    let mut cur = Vec::new();
    for ev in evs {
        let (data, fin) = match ev {
            Ev::TextChunk(t, fin) => (t.as_bytes(), *fin),
            Ev::BinaryChunk(b, fin) => (b.as_slice(), *fin),
            e => panic!("{e:?}"),
        };
        cur.extend_from_slice(data);
        if fin {
            msgs.push(std::mem::take(&mut cur));
        }
    }
    assert!(cur.is_empty(), "a message without its fin chunk");
    msgs
}

/// `Delivery::Streaming` with permessage-deflate: a compressed frame is inflated a piece at a
/// time, so no chunk holds more than 64 KiB however much the frame inflates to; the chunks of
/// each message join into the message, at every window size, with context takeover across
/// messages and without, whole and fragmented.
#[test]
fn streaming_compressed_pieces_are_bounded_and_join_into_the_message() {
    for bits in 9..=15u8 {
        for nct in [false, true] {
            let (mut c, mut s) = streaming_pair(bits, nct, usize::MAX);
            let mut sent = Vec::new();
            for m in 0..4u64 {
                let data = if m == 1 {
                    // Compresses ~1000:1: one small frame inflates to many pieces.
                    vec![7u8; 1 << 20]
                } else {
                    mixed_data(100_000 + m as usize * 20_000, m + u64::from(bits))
                };
                if m == 2 {
                    let (a, b) = data.split_at(70_001);
                    c.send_binary_fragment(a, false).unwrap();
                    c.send_binary_fragment(b, true).unwrap();
                } else {
                    c.send_binary(&data).unwrap();
                }
                sent.push(data);
            }
            let (evs, err) = streamed(&mut s, &output(&mut c));
            assert!(err.is_none(), "bits {bits} nct {nct}: {err:?}");
            let largest = evs
                .iter()
                .map(|e| match e {
                    Ev::BinaryChunk(b, _) => b.len(),
                    _ => 0,
                })
                .max();
            assert_eq!(largest, Some(PIECE), "bits {bits} nct {nct}");
            assert!(join(&evs) == sent, "bits {bits} nct {nct}");
        }
    }
}

/// Compressed text streamed in pieces: each piece is valid UTF-8 that ends on a character
/// boundary (a character cut by the 64 KiB bound is delivered whole in the next piece), and
/// the pieces join into the text.
#[test]
fn streaming_compressed_text_pieces_end_on_char_boundaries() {
    for nct in [false, true] {
        let (mut c, mut s) = streaming_pair(15, nct, usize::MAX);
        // 1-, 2-, 3- and 4-byte characters, so that the 64 KiB bound falls inside characters.
        let text: String = (0..60_000)
            .map(|i| ['a', 'κ', '€', '🎉', 'ό'][(i * 7 + i / 13) % 5])
            .collect();
        c.send_text(&text).unwrap();
        let cut = text.char_indices().nth(40_001).unwrap().0;
        c.send_text_fragment(&text[..cut], false).unwrap();
        c.send_text_fragment(&text[cut..], true).unwrap();
        let (evs, err) = streamed(&mut s, &output(&mut c));
        assert!(err.is_none(), "{err:?}");
        let pieces: Vec<&String> = evs
            .iter()
            .map(|e| match e {
                Ev::TextChunk(t, _) => t,
                e => panic!("{e:?}"),
            })
            .collect();
        assert!(pieces.len() >= 2 * text.len() / PIECE, "{}", pieces.len());
        // Some pieces were cut short of the bound to end on a character boundary.
        assert!(pieces
            .iter()
            .any(|t| t.len() < PIECE && t.len() > PIECE - 4));
        let msgs = join(&evs);
        assert_eq!(msgs.len(), 2);
        assert!(msgs.iter().all(|m| m == text.as_bytes()));
    }
}

/// Invalid UTF-8 in a compressed text frame fails the connection with 1007 as soon as the
/// piece holding it is inflated, not after the whole frame; a character cut at the end of
/// the message is invalid too.
#[test]
fn streaming_compressed_invalid_text_is_1007_at_once() {
    let (mut c, mut s) = streaming_pair(15, false, usize::MAX);
    let mut data = "κόσμε ".repeat(30_000).into_bytes(); // ~330 KB
    data.insert(100_000, 0xff);
    data.extend(std::iter::repeat_n(b'x', 8 << 20));
    c.send_binary(&data).unwrap();
    let mut wire = output(&mut c);
    wire[0] = (wire[0] & 0xF0) | 1; // relabel as text
    let (evs, err) = streamed(&mut s, &wire);
    assert!(
        matches!(err, Some(Error::Protocol(ProtocolError::InvalidUtf8))),
        "{err:?}"
    );
    let delivered: usize = join_partial(&evs);
    assert!(delivered <= 100_000, "{delivered}");
    assert!(delivered > 100_000 - PIECE, "{delivered}");
    assert_eq!(sent_close_code(&output(&mut s)), Some(1007));

    let (mut c, mut s) = streaming_pair(15, false, usize::MAX);
    let mut data = "κόσμε ".repeat(30_000).into_bytes();
    data.push(0xce); // the first byte of 'κ', at the end of the message
    c.send_binary(&data).unwrap();
    let mut wire = output(&mut c);
    wire[0] = (wire[0] & 0xF0) | 1;
    let (evs, err) = streamed(&mut s, &wire);
    assert!(
        matches!(err, Some(Error::Protocol(ProtocolError::InvalidUtf8))),
        "{err:?}"
    );
    assert!(evs.iter().all(|e| matches!(e, Ev::TextChunk(_, false))));
    let delivered = join_partial(&evs);
    assert!(delivered < data.len() - 1, "{delivered}");
    assert!(delivered >= data.len() - 1 - PIECE, "{delivered}");
    assert_eq!(sent_close_code(&output(&mut s)), Some(1007));
}

/// Bytes in the chunks delivered so far.
fn join_partial(evs: &[Ev]) -> usize {
    evs.iter()
        .map(|e| match e {
            Ev::TextChunk(t, _) => t.len(),
            Ev::BinaryChunk(b, _) => b.len(),
            e => panic!("{e:?}"),
        })
        .sum()
}

/// Streaming a compressed message, `max_message_size` is enforced while inflating: the
/// pieces up to the limit are delivered, then the piece that passes it fails the connection
/// with 1009 (`MessageTooLarge` reports the configured max) in the middle of the frame, and
/// in a later frame of a fragmented message.
#[test]
fn streaming_compressed_limit_is_1009_mid_frame() {
    for fragmented in [false, true] {
        let max = 200_000;
        let (mut c, mut s) = streaming_pair(15, false, max);
        let data = vec![0u8; 4 << 20];
        if fragmented {
            c.send_binary_fragment(&data[..150_000], false).unwrap();
            c.send_binary_fragment(&data[150_000..], true).unwrap();
        } else {
            c.send_binary(&data).unwrap();
        }
        let wire = output(&mut c);
        let (evs, err) = streamed(&mut s, &wire);
        let Some(Error::Protocol(ProtocolError::MessageTooLarge { size, max: m })) = err else {
            panic!("{err:?}")
        };
        assert_eq!(m, max);
        assert_eq!(size, max as u64 + 1);
        let delivered = join_partial(&evs);
        assert!(delivered <= max && delivered > max - PIECE, "{delivered}");
        assert!(evs.iter().all(|e| matches!(e, Ev::BinaryChunk(_, false))));
        assert_eq!(sent_close_code(&output(&mut s)), Some(1009));
    }
    // A message of exactly the limit passes.
    let (mut c, mut s) = streaming_pair(15, false, 200_000);
    c.send_binary(&[1u8; 200_000]).unwrap();
    let (evs, err) = streamed(&mut s, &output(&mut c));
    assert!(err.is_none(), "{err:?}");
    assert_eq!(join(&evs), vec![vec![1u8; 200_000]]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// However the compressed messages' bytes arrive (any chunking, `shrink_buffers` after
    /// every event or not), streaming delivers bounded pieces that join into the messages.
    #[test]
    fn streaming_compressed_any_chunking(
        seed in any::<u64>(),
        cuts in proptest::collection::vec(1usize..20_000, 1..40),
        nct in any::<bool>(),
        bits in 9u8..=15,
        shrink in any::<bool>(),
    ) {
        let (mut c, mut s) = streaming_pair(bits, nct, usize::MAX);
        let mut sent = Vec::new();
        for m in 0..3u64 {
            let data = if m == 1 { vec![b'z'; 300_000] } else { mixed_data(90_000, seed ^ m) };
            if m == 2 {
                c.send_binary_fragment(&data[..1000], false).unwrap();
                c.send_binary_fragment(&data[1000..], true).unwrap();
            } else {
                c.send_binary(&data).unwrap();
            }
            sent.push(data);
        }
        c.send_ping(b"p").unwrap();
        let wire = output(&mut c);
        let mut evs = Vec::new();
        let mut rest = wire.as_slice();
        let mut i = 0;
        while !rest.is_empty() {
            let (now, later) = rest.split_at(cuts[i % cuts.len()].min(rest.len()));
            i += 1;
            rest = later;
            s.receive(now);
            loop {
                let ev = match s.next_event() {
                    Ok(Some((e, _))) => own(&e),
                    Ok(None) => break,
                    Err(e) => panic!("{e}"),
                };
                match &ev {
                    Ev::BinaryChunk(b, _) => prop_assert!(b.len() <= PIECE),
                    Ev::Ping(_) => {}
                    e => panic!("{e:?}"),
                }
                evs.push(ev);
                if shrink {
                    s.shrink_buffers();
                }
            }
        }
        prop_assert_eq!(evs.pop(), Some(Ev::Ping(b"p".to_vec())));
        prop_assert!(join(&evs) == sent);
    }
}

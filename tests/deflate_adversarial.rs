//! Adversarial review (round 2) of permessage-deflate: real zlib streams at every window size,
//! fragmented compressed messages with control frames and `shrink_buffers` in between, and
//! the memory a streamed compressed frame takes.
#![cfg(feature = "deflate")]

mod common;

use common::*;
use flate2::{Compress, Compression, FlushCompress};
use rfc6455::extensions::deflate::DeflateParams;
use rfc6455::handshake::{AcceptOptions, ClientOptions, WsUrl};
use rfc6455::{Config, Connection, Delivery, Event, Role};

const MASK: Option<[u8; 4]> = Some([0x12, 0x34, 0x56, 0x78]);

fn params(bits: u8, nct: bool) -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: nct,
        client_no_context_takeover: nct,
        server_max_window_bits: bits,
        client_max_window_bits: bits,
    }
}

/// Raw deflate of `pieces` with a sync flush after each, the final 00 00 ff ff removed, as
/// another RFC 7692 implementation on zlib would send it.
fn zlib_message(c: &mut Compress, pieces: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in pieces {
        let mut input: &[u8] = p;
        loop {
            out.reserve(input.len() + 1024);
            let before = c.total_in();
            c.compress_vec(input, &mut out, FlushCompress::Sync)
                .unwrap();
            input = &input[(c.total_in() - before) as usize..];
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
    }
    assert_eq!(&out[out.len() - 4..], &[0, 0, 0xff, 0xff]);
    out.truncate(out.len() - 4);
    out
}

fn sample(n: usize, seed: u32) -> Vec<u8> {
    // Compressible but not trivial: words from a small vocabulary, picked by an LCG.
    let words: [&[u8]; 8] = [
        b"alpha ", b"beta ", b"gamma ", b"delta ", b"eps ", b"zeta ", b"eta ", b"theta ",
    ];
    let mut x = seed;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        out.extend_from_slice(words[(x >> 16) as usize % 8]);
        if x % 7 == 0 {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    out.truncate(n);
    out
}

/// Data compressed by zlib (flate2) with every window size a peer may agree to, with and
/// without context takeover, inflates to the same bytes (RFC 7692 §7.1.2: the receiver must
/// inflate what a compressor with that window produces).
#[test]
fn real_zlib_streams_at_every_window() {
    for bits in 9..=15u8 {
        for nct in [false, true] {
            for delivery in [Delivery::Messages, Delivery::Streaming] {
                let mut cfg = Config::default();
                cfg.delivery = delivery;
                let mut s = Connection::open(Role::Server, cfg);
                s.enable_deflate(&params(bits, nct));
                let mut z = Compress::new_with_window_bits(Compression::new(6), false, bits);
                for m in 0..4u32 {
                    let data = sample(20_000 + m as usize * 777, m / 2);
                    let wire_payload = zlib_message(&mut z, &[&data]);
                    if nct {
                        z.reset();
                    }
                    let frame = raw_frame(true, 0b100, 2, MASK, &wire_payload);
                    let mut got = Vec::new();
                    for ev in feed(&mut s, &frame) {
                        match ev {
                            Ev::Binary(b) => got.extend(b),
                            Ev::BinaryChunk(b, _) => got.extend(b),
                            e => panic!("bits {bits} nct {nct} {delivery:?} msg {m}: {e:?}"),
                        }
                    }
                    assert!(got == data, "bits {bits} nct {nct} {delivery:?} msg {m}");
                }
            }
        }
    }
}

/// A compressed message in fragments cut at arbitrary bytes of the deflate stream, with a Ping
/// and `shrink_buffers` (on both ends) between the fragments, followed by a message that
/// refers back to the first (context takeover).
#[test]
fn fragmented_compressed_with_pings_and_shrink_between() {
    for delivery in [Delivery::Messages, Delivery::Streaming] {
        for nct in [false, true] {
            let mut cfg = Config::default();
            cfg.delivery = delivery;
            cfg.deflate.as_mut().unwrap().threshold = 0;
            let mut c = Connection::open(Role::Client, cfg.clone());
            let mut s = Connection::open(Role::Server, cfg);
            c.enable_deflate(&params(15, nct));
            s.enable_deflate(&params(15, nct));
            let data = sample(50_000, 7);
            let pieces: Vec<&[u8]> = data.chunks(9_999).collect();
            let mut got = Vec::new();
            let mut pongs = 0;
            for round in 0..2 {
                for (i, p) in pieces.iter().enumerate() {
                    c.send_binary_fragment(p, i + 1 == pieces.len()).unwrap();
                    c.shrink_buffers();
                    c.send_ping(b"between").unwrap();
                    c.shrink_buffers();
                    let wire = output(&mut c);
                    for ev in feed(&mut s, &wire) {
                        match ev {
                            Ev::Binary(b) => got.extend(b),
                            Ev::BinaryChunk(b, _) => got.extend(b),
                            Ev::Ping(_) => pongs += 1,
                            e => panic!("{delivery:?} nct {nct} round {round}: {e:?}"),
                        }
                    }
                    s.shrink_buffers();
                }
                assert!(got == data, "{delivery:?} nct {nct} round {round}");
                got.clear();
            }
            assert_eq!(pongs, 2 * pieces.len());
        }
    }
}

/// A compressed message whose first fragment carries no bytes (RSV1, empty payload, FIN clear)
/// and whose data comes in the continuation is a valid message.
#[test]
fn empty_first_compressed_fragment() {
    let mut s = Connection::open(Role::Server, Config::default());
    s.enable_deflate(&params(15, false));
    let mut z = Compress::new_with_window_bits(Compression::new(6), false, 15);
    let payload = zlib_message(&mut z, &[b"hello hello hello"]);
    let mut wire = raw_frame(false, 0b100, 1, MASK, &[]);
    wire.extend(raw_frame(false, 0, 0, MASK, &payload[..3]));
    wire.extend(raw_frame(true, 0, 0, MASK, &payload[3..]));
    assert_eq!(
        feed(&mut s, &wire),
        vec![Ev::Text("hello hello hello".into())]
    );
    // And the context goes on.
    let payload = zlib_message(&mut z, &[b"hello hello hello"]);
    let wire = raw_frame(true, 0b100, 1, MASK, &payload);
    assert_eq!(
        feed(&mut s, &wire),
        vec![Ev::Text("hello hello hello".into())]
    );
}

/// `Delivery::Streaming` promises: "Memory stays bounded by what one read delivers, whatever
/// the message size". With permessage-deflate a frame is inflated whole before anything is
/// delivered, so one small frame (here 64 KiB of wire bytes in one read) becomes one chunk of
/// the whole inflated size (64 MiB here; ~1000x the read, up to max_frame_size x 1032 in
/// general) when `max_message_size` is unlimited, which is the configuration streaming is
/// for. Expected: inflated output delivered in pieces of bounded size.
#[test]
fn streaming_compressed_frame_is_delivered_in_bounded_pieces() {
    let mut cfg = Config::default();
    cfg.delivery = Delivery::Streaming;
    cfg.max_message_size = usize::MAX;
    let mut s = Connection::open(Role::Server, cfg);
    s.enable_deflate(&params(15, false));
    let mut z = Compress::new_with_window_bits(Compression::new(9), false, 15);
    let zeros = vec![0u8; 1 << 20];
    let pieces: Vec<&[u8]> = (0..64).map(|_| zeros.as_slice()).collect();
    let payload = zlib_message(&mut z, &pieces);
    let wire = raw_frame(true, 0b100, 2, MASK, &payload);
    assert!(wire.len() < 1 << 17, "{}", wire.len());
    s.receive(&wire);
    let (mut total, mut largest) = (0usize, 0usize);
    loop {
        match s.next_event() {
            Ok(Some((Event::BinaryChunk { data, fin }, _))) => {
                assert!(data.iter().all(|&b| b == 0));
                total += data.len();
                largest = largest.max(data.len());
                if fin {
                    break;
                }
            }
            Ok(Some((e, _))) => panic!("{e:?}"),
            Ok(None) => break,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(total, 64 << 20);
    assert!(
        largest <= 4 << 20,
        "one {}-byte read became a {largest}-byte chunk",
        wire.len()
    );
}

/// Hand-written offers through `ClientOptions::extension`, answered by this crate's server:
/// the parameters both sides use agree, so messages in both directions round-trip.
#[test]
fn hand_written_offers_round_trip() {
    for offer in [
        "permessage-deflate",
        "permessage-deflate; client_no_context_takeover",
        "permessage-deflate; server_no_context_takeover",
        "permessage-deflate; server_max_window_bits=9",
        "permessage-deflate; server_max_window_bits=\"10\"; client_max_window_bits",
        "permessage-deflate; client_max_window_bits=9",
        "PERMESSAGE-DEFLATE; Client_Max_Window_Bits=\"1\\2\"",
        "permessage-deflate; client_max_window_bits=8",
    ] {
        for client_deflate in [true, false] {
            let mut ccfg = Config::default();
            if !client_deflate {
                ccfg.deflate = None;
            }
            let url = WsUrl::parse("ws://127.0.0.1/").unwrap();
            let mut c =
                Connection::client(&url, ClientOptions::new().extension(offer), ccfg).unwrap();
            let mut s = Connection::server(Config::default());
            assert!(matches!(
                feed(&mut s, &output(&mut c)).as_slice(),
                [Ev::Request(_)]
            ));
            s.accept(&AcceptOptions::new()).unwrap();
            let resp = output(&mut s);
            assert_eq!(feed(&mut c, &resp), vec![Ev::Open(None)], "{offer}");
            for i in 0..3 {
                let text = format!("{i} {}", "abcabcabc ".repeat(200));
                c.send_text(&text).unwrap();
                assert_eq!(
                    feed(&mut s, &output(&mut c)),
                    vec![Ev::Text(text.clone())],
                    "{offer}"
                );
                s.send_text(&text).unwrap();
                assert_eq!(
                    feed(&mut c, &output(&mut s)),
                    vec![Ev::Text(text)],
                    "{offer}"
                );
            }
        }
    }
}

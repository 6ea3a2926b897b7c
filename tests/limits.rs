//! Every limit accepts its type's whole range: `usize` limits at 0, 1, 125, 2^16 and
//! `usize::MAX`, in both delivery modes; handshake limits at their extremes; the documented
//! bound of `buffered_input` for any chunking.

mod common;

use common::*;
use proptest::prelude::*;
use rfc6455::handshake::{AcceptOptions, ClientOptions, WsUrl};
use rfc6455::{CloseCode, Config, Connection, Delivery, Role, State};

const LIMITS: [usize; 6] = [0, 1, 125, 126, 1 << 16, usize::MAX];

fn config(max_frame: usize, max_message: usize, delivery: Delivery) -> Config {
    let mut cfg = Config::default();
    cfg.max_frame_size = max_frame;
    cfg.max_message_size = max_message;
    cfg.delivery = delivery;
    #[cfg(feature = "deflate")]
    {
        cfg.deflate = None;
    }
    cfg
}

/// The payload bytes delivered, concatenated, and the events other than data.
fn data_and_rest(evs: Vec<Ev>) -> (Vec<u8>, Vec<Ev>) {
    let mut data = vec![];
    let mut rest = vec![];
    for e in evs {
        match e {
            Ev::Binary(b) | Ev::BinaryChunk(b, _) => data.extend(b),
            Ev::Text(t) | Ev::TextChunk(t, _) => data.extend(t.into_bytes()),
            e => rest.push(e),
        }
    }
    (data, rest)
}

#[test]
fn frame_and_message_limits_over_the_whole_range() {
    let sizes = [0usize, 1, 125, 126, 65536, 70000];
    for delivery in [Delivery::Messages, Delivery::Streaming] {
        for max_frame in LIMITS {
            for max_message in LIMITS {
                for size in sizes {
                    // One message in two frames of `size` bytes each.
                    let payload: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
                    let wire = [
                        client_frame(false, 2, &payload),
                        client_frame(true, 0, &payload),
                        client_frame(true, 8, &1000u16.to_be_bytes()),
                    ]
                    .concat();
                    let mut s = server_with(config(max_frame, max_message, delivery));
                    let (data, rest) = data_and_rest(feed(&mut s, &wire));
                    let ctx =
                        format!("{delivery:?} frame {max_frame} msg {max_message} size {size}");
                    if size <= max_frame && 2 * size <= max_message {
                        assert_eq!(data, [&payload[..], &payload[..]].concat(), "{ctx}");
                        assert_eq!(rest, vec![Ev::Close(1000, String::new(), true)], "{ctx}");
                    } else {
                        assert!(matches!(rest.as_slice(), [Ev::Err(_)]), "{ctx}: {rest:?}");
                        assert_eq!(sent_close_code(&output(&mut s)), Some(1009), "{ctx}");
                        assert_eq!(s.state(), State::Closed);
                    }
                }
            }
        }
    }
}

#[test]
fn control_frames_pass_any_frame_limit() {
    for max_frame in [0, 1] {
        let mut s = server_with(config(max_frame, 0, Delivery::Messages));
        assert_eq!(
            feed(&mut s, &client_frame(true, 9, b"ping")),
            vec![Ev::Ping(b"ping".to_vec())]
        );
        assert_eq!(
            feed(&mut s, &client_frame(true, 8, &1000u16.to_be_bytes())),
            vec![Ev::Close(1000, String::new(), true)]
        );
    }
}

#[test]
fn max_frame_size_usize_max_keeps_the_server_handshake_working() {
    // Defect 3: `head_len + max_frame_size + 14` overflowed and refused any early frame.
    for max_frame in LIMITS {
        let mut cfg = Config::default();
        cfg.max_frame_size = max_frame;
        let url = WsUrl::parse("ws://127.0.0.1:9001/").unwrap();
        let mut c = Connection::client(&url, ClientOptions::new(), cfg.clone()).unwrap();
        let mut s = Connection::server(cfg);
        let mut request = output(&mut c);
        // A client that sends a frame right behind its request.
        request.extend(client_frame(true, 2, b""));
        let evs = feed(&mut s, &request);
        assert!(
            matches!(evs.as_slice(), [Ev::Request(_)]),
            "{max_frame}: {evs:?}"
        );
        s.accept(&AcceptOptions::new()).unwrap();
        assert_eq!(drain(&mut s), vec![Ev::Binary(vec![])], "{max_frame}");
    }
}

#[test]
fn handshake_limits_at_their_extremes() {
    let url = WsUrl::parse("ws://127.0.0.1:9001/").unwrap();
    for (size, headers, ok) in [
        (usize::MAX, usize::MAX, true),
        (usize::MAX, 64, true),
        (16 << 10, usize::MAX, true),
        (0, 64, false),
        (1, 64, false),
        (usize::MAX, 0, false),
        (usize::MAX, 1, false),
    ] {
        let mut cfg = Config::default();
        cfg.max_handshake_size = size;
        cfg.max_headers = headers;
        let mut c = Connection::client(&url, ClientOptions::new(), Config::default()).unwrap();
        let mut s = Connection::server(cfg.clone());
        let evs = feed(&mut s, &output(&mut c));
        let ctx = format!("size {size} headers {headers}");
        if ok {
            assert!(matches!(evs.as_slice(), [Ev::Request(_)]), "{ctx}: {evs:?}");
            s.accept(&AcceptOptions::new()).unwrap();
        } else {
            assert!(matches!(evs.as_slice(), [Ev::Err(_)]), "{ctx}: {evs:?}");
            let out = output(&mut s);
            assert!(
                out.starts_with(b"HTTP/1.1 431 ") || out.starts_with(b"HTTP/1.1 400 "),
                "{ctx}"
            );
            assert_eq!(s.state(), State::Closed);
            continue;
        }
        // The same limits on the client's side of the handshake.
        let mut c = Connection::client(&url, ClientOptions::new(), cfg).unwrap();
        let mut s = Connection::server(Config::default());
        feed(&mut s, &output(&mut c));
        s.accept(&AcceptOptions::new()).unwrap();
        assert_eq!(feed(&mut c, &output(&mut s)), vec![Ev::Open(None)], "{ctx}");
    }
}

#[test]
fn retain_buffer_over_the_whole_range() {
    for retain in LIMITS {
        let mut cfg = config(usize::MAX, usize::MAX, Delivery::Messages);
        cfg.retain_buffer = retain;
        let mut s = server_with(cfg);
        for size in [0usize, 10, 100_000] {
            let payload = vec![3u8; size];
            assert_eq!(
                feed(&mut s, &client_frame(true, 2, &payload)),
                vec![Ev::Binary(payload)]
            );
            s.send_binary(&[1; 1000]).unwrap();
            s.advance_output(usize::MAX);
        }
        s.shrink_buffers();
        s.close(CloseCode::NORMAL, "").unwrap();
    }
}

fn arb_limit() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0usize),
        Just(1),
        Just(125),
        Just(1 << 16),
        Just(usize::MAX),
        0usize..300
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// `buffered_input` stays within what one read delivered plus
    /// `max(max_frame_size, 125) + 14 + max_message_size`, whatever the chunking; a closed connection
    /// holds nothing.
    #[test]
    fn buffered_input_stays_within_its_documented_bound(
        max_frame in arb_limit(),
        max_message in arb_limit(),
        streaming in any::<bool>(),
        frames in prop::collection::vec((any::<bool>(), 0usize..400, 0u8..3), 1..12),
        cuts in prop::collection::vec(1usize..300, 1..40),
    ) {
        let delivery = if streaming { Delivery::Streaming } else { Delivery::Messages };
        let mut s = server_with(config(max_frame, max_message, delivery));
        let mut wire = vec![];
        let mut in_message = false;
        for (fin, len, kind) in frames {
            let opcode = match (kind, in_message) {
                (0, _) => 9, // a Ping, allowed anywhere
                (_, true) => 0,
                (1, false) => 2,
                _ => 1,
            };
            let payload = if opcode == 9 { vec![b'p'; len.min(125)] } else { vec![b'a'; len] };
            let fin = fin || opcode == 9;
            wire.extend(client_frame(fin, opcode, &payload));
            if opcode != 9 {
                in_message = !fin;
            }
        }
        let bound = max_frame.max(125).saturating_add(14).saturating_add(max_message);
        let mut rest = &wire[..];
        let mut cut = cuts.iter().cycle();
        while !rest.is_empty() {
            let n = (*cut.next().unwrap()).min(rest.len());
            s.receive(&rest[..n]);
            rest = &rest[n..];
            drain(&mut s);
            prop_assert!(s.buffered_input() <= bound.saturating_add(n),
                "{} > {} + {}", s.buffered_input(), bound, n);
            if s.state() == State::Closed {
                prop_assert_eq!(s.buffered_input(), 0);
            }
        }
    }
}

#[test]
fn open_with_extreme_limits_in_the_client_role_too() {
    for max in LIMITS {
        let mut c = Connection::open(Role::Client, config(max, max, Delivery::Messages));
        let evs = feed(&mut c, &server_frame(true, 1, b"hi"));
        if max >= 2 {
            assert_eq!(evs, vec![Ev::Text("hi".into())]);
        } else {
            assert!(matches!(evs.as_slice(), [Ev::Err(_)]));
        }
    }
}

/// buffered_input's doc: during the opening handshake the bound is the head
/// (`max_handshake_size`) plus what may follow it (`max_frame_size + 14`), plus one read;
/// afterwards `max(max_frame_size, 125) + 14 + max_message_size` plus one read.
#[test]
fn buffered_input_bound_during_the_handshake() {
    for delivery in [Delivery::Messages, Delivery::Streaming] {
        let mut cfg = Config::default();
        cfg.max_frame_size = 0;
        cfg.max_message_size = 0;
        cfg.delivery = delivery;
        let bound = 1 + cfg.max_handshake_size + 14;
        let mut s = Connection::server(cfg.clone());
        let mut worst = 0;
        for b in CHROMIUM_REQUEST.chunks(1) {
            s.receive(b);
            let _ = drain(&mut s);
            worst = worst.max(s.buffered_input());
        }
        assert!(
            worst <= bound,
            "{delivery:?}: buffered_input reached {worst}, bound {bound}"
        );
    }
}

#[test]
fn max_headers_is_capped_at_256() {
    let mut head = String::from(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
    );
    // 5 headers above; with 251 more the head has 256 and passes, with 252 it has 257.
    for (extra, ok) in [(251, true), (252, false)] {
        let mut h = head.clone();
        for i in 0..extra {
            h.push_str(&format!("X-{i}: y\r\n"));
        }
        h.push_str("\r\n");
        let mut cfg = Config::default();
        cfg.max_headers = usize::MAX;
        cfg.max_handshake_size = usize::MAX;
        let mut s = Connection::server(cfg);
        let evs = feed(&mut s, h.as_bytes());
        assert_eq!(
            matches!(evs.as_slice(), [Ev::Request(_)]),
            ok,
            "{extra}: {evs:?}"
        );
        if !ok {
            assert!(output(&mut s).starts_with(b"HTTP/1.1 431 "));
        }
    }
    head.clear();
}

#[test]
fn receive_into_room_is_capped_at_1_mib_and_none_once_closed() {
    let mut s = server_with(config(usize::MAX, usize::MAX, Delivery::Messages));
    for room in [usize::MAX, usize::MAX / 2, 1 << 40] {
        s.receive_into(room, |buf| {
            let spare = buf.capacity() - buf.len();
            assert!((1 << 20..=2 << 20).contains(&spare), "{room}: {spare}");
        });
    }
    s.receive_into(10, |buf| assert!(buf.capacity() - buf.len() >= 10));
    feed(&mut s, &client_frame(true, 8, &1000u16.to_be_bytes()));
    assert_eq!(s.state(), State::Closed);
    s.receive_into(usize::MAX, |buf| {
        assert_eq!(
            buf.capacity() - buf.len(),
            0,
            "no room for bytes that are dropped"
        );
        buf.extend_from_slice(b"ignored");
    });
    assert_eq!(s.buffered_input(), 0);
}

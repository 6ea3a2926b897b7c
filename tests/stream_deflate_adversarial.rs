//! Adversarial review (round 3) of `Delivery::Streaming` with permessage-deflate: a
//! compressed frame is buffered whole and inflated in pieces of at most 64 KiB per
//! `next_event`. The main evidence is a differential proptest: for any deflate stream (sync,
//! full and no flushes, final blocks in the middle, stored blocks), any split into frames,
//! control frames in between, any chunking of the input, `shrink_buffers` or not and any
//! `max_message_size`, the streamed pieces must join into exactly what `Delivery::Messages`
//! delivers, with the same error (and close code) where it fails.
#![cfg(feature = "deflate")]

mod common;

use common::*;
use flate2::{Compress, Compression, FlushCompress};
use proptest::prelude::*;
use rfc6455::extensions::deflate::DeflateParams;
use rfc6455::{CloseCode, Config, Connection, Delivery, Error, ProtocolError, Role, State};
use std::time::Duration;

const PIECE: usize = 64 * 1024;

fn params(bits: u8, nct: bool) -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: nct,
        client_no_context_takeover: nct,
        server_max_window_bits: bits,
        client_max_window_bits: bits,
    }
}

/// The receiving end (`role`), with permessage-deflate on.
fn receiver(
    role: Role,
    delivery: Delivery,
    max_message_size: usize,
    bits: u8,
    nct: bool,
) -> Connection {
    let mut cfg = Config::default();
    cfg.delivery = delivery;
    cfg.max_message_size = max_message_size;
    let mut c = Connection::open(role, cfg);
    c.enable_deflate(&params(bits, nct));
    c
}

/// A frame as the peer of `role` sends it (masked towards a server).
fn frame_to(role: Role, fin: bool, rsv1: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = (role == Role::Server).then_some([0xa1, 0x02, 0xf3, 0x44]);
    raw_frame(fin, if rsv1 { 4 } else { 0 }, opcode, mask, payload)
}

/// How a piece of a message is flushed.
#[derive(Clone, Copy, Debug)]
enum Flush {
    None,
    Sync,
    Full,
    /// A final (BFINAL) block, then a fresh deflate stream.
    Finish,
}

/// Raw deflate of `pieces`, each followed by its flush, and a sync flush at the end whose
/// `00 00 ff ff` is removed (RFC 7692 §7.2.1).
fn deflate(c: &mut Compress, pieces: &[(Vec<u8>, Flush)]) -> Vec<u8> {
    let mut out = Vec::new();
    let run = |c: &mut Compress, mut input: &[u8], flush: FlushCompress, out: &mut Vec<u8>| loop {
        out.reserve(input.len() + 4096);
        let before = c.total_in();
        let status = c.compress_vec(input, out, flush).unwrap();
        input = &input[(c.total_in() - before) as usize..];
        let finished = matches!(status, flate2::Status::StreamEnd);
        if input.is_empty()
            && out.len() < out.capacity()
            && (finished || !matches!(flush, FlushCompress::Finish))
        {
            break;
        }
    };
    for (data, flush) in pieces {
        match flush {
            Flush::None => run(c, data, FlushCompress::None, &mut out),
            Flush::Sync => run(c, data, FlushCompress::Sync, &mut out),
            Flush::Full => run(c, data, FlushCompress::Full, &mut out),
            Flush::Finish => {
                run(c, data, FlushCompress::Finish, &mut out);
                c.reset();
            }
        }
    }
    run(c, &[], FlushCompress::Sync, &mut out);
    if out.ends_with(&[0, 0, 0xff, 0xff]) {
        out.truncate(out.len() - 4);
    } else {
        // Nothing since a final block (zlib skips a flush with nothing to do): the start of
        // an empty stored block, which the receiver's appended tail completes.
        out.push(0x00);
    }
    out
}

/// One message's plan.
#[derive(Clone)]
struct Msg {
    text: bool,
    compressed: bool,
    pieces: Vec<(Vec<u8>, Flush)>,
    /// Where the compressed (or plain) bytes are cut into frames, as fractions of 1000.
    cuts: Vec<u16>,
    /// A Ping after this many frames of the message (if within).
    ping_after: Option<usize>,
    /// Flip one byte of the compressed data (at this fraction of 1000).
    corrupt: Option<u16>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pieces: Vec<String> = self
            .pieces
            .iter()
            .map(|(d, fl)| format!("{}B[{:?}..] {fl:?}", d.len(), &d[..d.len().min(4)]))
            .collect();
        write!(
            f,
            "Msg {{ text: {}, compressed: {}, pieces: {pieces:?}, cuts: {:?}, ping_after: {:?}, corrupt: {:?} }}",
            self.text, self.compressed, self.cuts, self.ping_after, self.corrupt
        )
    }
}

/// At least `n` bytes of runs of 1- to 4-byte characters, from `seed`.
fn mixed_text(seed: u64, n: usize) -> Vec<u8> {
    let chars = ['a', 'κ', '€', '🎉', 'ό', ' '];
    let mut x = seed | 1;
    let mut s = String::new();
    while s.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let c = chars[(x % 6) as usize];
        for _ in 0..(x >> 8) % 40 {
            s.push(c);
        }
    }
    s.into_bytes()
}

fn data_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Long runs: a small frame inflates to many pieces.
        (any::<u8>(), 0usize..200_000).prop_map(|(b, n)| vec![b; n]),
        // Text with 1- to 4-byte characters (may straddle pieces and frames).
        (any::<u64>(), 0usize..40_000).prop_map(|(seed, n)| mixed_text(seed, n)),
        proptest::collection::vec(any::<u8>(), 0..3000),
    ]
}

fn flush_strategy() -> impl Strategy<Value = Flush> {
    prop_oneof![
        Just(Flush::None),
        Just(Flush::Sync),
        Just(Flush::Full),
        Just(Flush::Finish)
    ]
}

fn msg_strategy() -> impl Strategy<Value = Msg> {
    (
        any::<bool>(),
        prop::bool::weighted(0.85),
        proptest::collection::vec((data_strategy(), flush_strategy()), 0..4),
        proptest::collection::vec(0u16..=1000, 0..4),
        proptest::option::of(0usize..4),
        proptest::option::weighted(0.1, 0u16..1000),
    )
        .prop_map(
            |(text, compressed, pieces, cuts, ping_after, corrupt)| Msg {
                text,
                compressed,
                pieces,
                cuts,
                ping_after,
                corrupt,
            },
        )
}

/// The wire bytes of `msgs` towards `role`, and what each message holds.
fn wire(role: Role, msgs: &[Msg], bits: u8, nct: bool, level: u32) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut c = Compress::new_with_window_bits(Compression::new(level), false, bits.max(9));
    let mut out = Vec::new();
    let mut plain = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        let data: Vec<u8> = m
            .pieces
            .iter()
            .flat_map(|(d, _)| d.iter().copied())
            .collect();
        let mut payload = if m.compressed {
            let z = deflate(&mut c, &m.pieces);
            if nct {
                c.reset();
            }
            z
        } else {
            data.clone()
        };
        if let Some(at) = m.corrupt {
            if !payload.is_empty() {
                let k = payload.len() * at as usize / 1000;
                payload[k] ^= 0x5a;
            }
        }
        let mut cuts: Vec<usize> = m
            .cuts
            .iter()
            .map(|&f| payload.len() * f as usize / 1000)
            .collect();
        cuts.sort();
        cuts.push(payload.len());
        let mut from = 0;
        for (k, &to) in cuts.iter().enumerate() {
            let first = k == 0;
            let fin = k == cuts.len() - 1;
            let op = match (first, m.text) {
                (false, _) => 0,
                (true, true) => 1,
                (true, false) => 2,
            };
            out.extend(frame_to(
                role,
                fin,
                first && m.compressed,
                op,
                &payload[from..to],
            ));
            from = to;
            if m.ping_after == Some(k) && !fin {
                out.extend(frame_to(role, true, false, 9, format!("p{i}").as_bytes()));
            }
        }
        plain.push(data);
    }
    out.extend(frame_to(
        role,
        true,
        false,
        8,
        &[0x03, 0xe8, b'b', b'y', b'e'],
    ));
    (out, plain)
}

/// What a receiver delivered, normalized: whole messages (streamed chunks joined), control
/// frames, the error, the close code it sent, and the largest chunk.
#[derive(Debug, PartialEq)]
enum N {
    Text(Vec<u8>),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Close(u16, bool),
    Err(Error),
}

fn run(
    mut conn: Connection,
    wire: &[u8],
    cuts: &[usize],
    shrink: bool,
) -> (Vec<N>, usize, Vec<u8>) {
    let mut out = Vec::new();
    let mut cur: Option<(bool, Vec<u8>)> = None;
    let mut largest = 0;
    let mut rest = wire;
    let mut i = 0;
    let mut done = false;
    while !done {
        if rest.is_empty() {
            conn.receive_eof();
            done = true;
        } else {
            let n = cuts[i % cuts.len()].clamp(1, rest.len());
            i += 1;
            conn.receive(&rest[..n]);
            rest = &rest[n..];
        }
        loop {
            match conn.next_event() {
                Ok(Some((e, _))) => match own(&e) {
                    Ev::Text(t) => out.push(N::Text(t.into_bytes())),
                    Ev::Binary(b) => out.push(N::Binary(b)),
                    Ev::TextChunk(t, fin) => {
                        largest = largest.max(t.len());
                        let c = cur.get_or_insert((true, Vec::new()));
                        assert!(c.0, "a text chunk inside a binary message");
                        c.1.extend_from_slice(t.as_bytes());
                        if fin {
                            out.push(N::Text(cur.take().unwrap().1));
                        }
                    }
                    Ev::BinaryChunk(b, fin) => {
                        largest = largest.max(b.len());
                        let c = cur.get_or_insert((false, Vec::new()));
                        assert!(!c.0, "a binary chunk inside a text message");
                        c.1.extend_from_slice(&b);
                        if fin {
                            out.push(N::Binary(cur.take().unwrap().1));
                        }
                    }
                    Ev::Ping(p) => out.push(N::Ping(p)),
                    Ev::Close(code, _, clean) => out.push(N::Close(code, clean)),
                    e => panic!("{e:?}"),
                },
                Ok(None) => break,
                Err(e) => {
                    out.push(N::Err(e));
                    break;
                }
            }
            if shrink {
                conn.shrink_buffers();
            }
        }
    }
    let mut o = Vec::new();
    conn.take_output(&mut o);
    (out, largest, o)
}

fn normalize_err(v: &mut [N]) {
    // MessageTooLarge's `size` is where each mode noticed; compare the variant and `max`.
    for n in v {
        if let N::Err(Error::Protocol(ProtocolError::MessageTooLarge { size, .. })) = n {
            *size = 0;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, cases: std::env::var("R3_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300), ..ProptestConfig::default() })]

    /// Streaming pieces join into what message mode delivers, for any deflate stream, frame
    /// split, chunking, limit and role; every piece holds at most 64 KiB; both modes queue
    /// the same output (Pongs, Close).
    #[test]
    fn streaming_equals_messages(
        msgs in proptest::collection::vec(msg_strategy(), 1..5),
        bits in 9u8..=15,
        nct in any::<bool>(),
        level in 0u32..=9,
        client in any::<bool>(),
        shrink in any::<bool>(),
        cuts in proptest::collection::vec(1usize..70_000, 1..8),
        limit in prop_oneof![Just(0usize), Just(1), Just(65_535), Just(65_536), Just(65_537), Just(100_000), Just(usize::MAX)],
    ) {
        let role = if client { Role::Client } else { Role::Server };
        let (w, plain) = wire(role, &msgs, bits, nct, level);
        let m = receiver(role, Delivery::Messages, limit, bits, nct);
        let s = receiver(role, Delivery::Streaming, limit, bits, nct);
        let (mut want, _, mout) = run(m, &w, &[usize::MAX], false);
        let (mut got, largest, sout) = run(s, &w, &cuts, shrink);
        // A compressed frame's pieces hold at most 64 KiB; a plain frame's, what one read holds.
        let read = if msgs.iter().all(|m| m.compressed) { 0 } else { *cuts.iter().max().unwrap() };
        prop_assert!(largest <= PIECE.max(read), "{largest}");
        normalize_err(&mut want);
        normalize_err(&mut got);
        // Message mode checks a compressed frame's UTF-8 after inflating the whole frame,
        // streaming at every piece: where the text is invalid, streaming may see that before a
        // later limit or deflate error in the same frame. Any other difference is a bug.
        let utf8_first = matches!(
            (want.last(), got.last()),
            (
                Some(N::Err(Error::Protocol(ProtocolError::MessageTooLarge { .. } | ProtocolError::InvalidCompressedData))),
                Some(N::Err(Error::Protocol(ProtocolError::InvalidUtf8)))
            )
        );
        if utf8_first {
            prop_assert!(want[..want.len() - 1] == got[..got.len() - 1], "messages {:?}\nstreaming {:?}", summary(&want), summary(&got));
        } else {
            prop_assert!(want == got, "messages {:?}\nstreaming {:?}", summary(&want), summary(&got));
            prop_assert!(frames(&mout) == frames(&sout), "output differs");
        }
        // Without corruption or limits, message mode delivers the plain data.
        if limit == usize::MAX && msgs.iter().all(|m| m.corrupt.is_none()) {
            let data: Vec<&Vec<u8>> = want.iter().filter_map(|n| match n {
                N::Binary(b) | N::Text(b) => Some(b),
                _ => None,
            }).collect();
            let text_ok = msgs.iter().all(|m| !m.text || std::str::from_utf8(&m.pieces.iter().flat_map(|(d, _)| d.iter().copied()).collect::<Vec<u8>>()).is_ok());
            if text_ok {
                prop_assert!(data == plain.iter().collect::<Vec<_>>(), "{:?}", summary(&want));
            }
        }
    }
}

fn summary(v: &[N]) -> Vec<String> {
    v.iter()
        .map(|n| match n {
            N::Text(b) => format!("Text({})", b.len()),
            N::Binary(b) => format!("Binary({})", b.len()),
            N::Ping(p) => format!("Ping({})", String::from_utf8_lossy(p)),
            N::Close(c, clean) => format!("Close({c}, {clean})"),
            N::Err(e) => format!("Err({e:?})"),
        })
        .collect()
}

/// A peer (of the receiving `role`) that compresses every message, with the same params.
fn peer(role: Role, bits: u8, nct: bool) -> Connection {
    let mut cfg = Config::default();
    let d = cfg.deflate.as_mut().unwrap();
    d.threshold = 0;
    let other = if role == Role::Server {
        Role::Client
    } else {
        Role::Server
    };
    let mut c = Connection::open(other, cfg);
    c.enable_deflate(&params(bits, nct));
    c
}

fn streaming(role: Role, limit: usize) -> Connection {
    receiver(role, Delivery::Streaming, limit, 15, false)
}

/// Takes one event, owned.
fn next(c: &mut Connection) -> Option<Ev> {
    match c.next_event() {
        Ok(Some((e, _))) => Some(own(&e)),
        Ok(None) => None,
        Err(e) => Some(Ev::Err(e)),
    }
}

fn chunk_len(e: &Ev) -> Option<(usize, bool)> {
    match e {
        Ev::BinaryChunk(b, fin) => Some((b.len(), *fin)),
        Ev::TextChunk(t, fin) => Some((t.len(), *fin)),
        _ => None,
    }
}

/// A Ping and a Close behind a compressed frame that inflates to many pieces are processed
/// only after the frame: no Pong is queued, `close_received` stays false and the state Open
/// until every piece was delivered, in order, in both roles.
#[test]
fn control_frames_behind_an_inflating_frame_wait_for_it() {
    for role in [Role::Server, Role::Client] {
        let mut p = peer(role, 15, false);
        let data = vec![3u8; 1 << 20];
        p.send_binary(&data).unwrap();
        p.send_ping(b"behind").unwrap();
        p.close(CloseCode::NORMAL, "bye").unwrap();
        let mut s = streaming(role, usize::MAX);
        s.receive(&output(&mut p));
        let mut got = 0;
        let mut pieces = 0;
        loop {
            let e = next(&mut s).unwrap();
            if let Some((n, fin)) = chunk_len(&e) {
                assert!(n <= PIECE);
                assert_eq!(
                    s.pending_output(),
                    b"",
                    "a Pong before the frame was delivered"
                );
                assert!(!s.close_received());
                assert_eq!(s.state(), State::Open);
                got += n;
                pieces += 1;
                if fin {
                    break;
                }
            } else {
                panic!("{role:?}: {e:?} before the frame's last piece ({got} bytes)");
            }
        }
        assert_eq!(got, data.len());
        assert!(pieces >= 16);
        assert_eq!(next(&mut s), Some(Ev::Ping(b"behind".to_vec())));
        assert_eq!(
            frames(s.pending_output()),
            vec![(rfc6455::OpCode::Pong, b"behind".to_vec())]
        );
        assert_eq!(next(&mut s), Some(Ev::Close(1000, "bye".into(), true)));
        assert!(s.close_received() && s.close_sent());
        assert_eq!(next(&mut s), None);
    }
}

/// End of file behind a compressed frame: every piece is still delivered, then the abnormal
/// close (1006); end of file in the middle of a fragmented compressed message also ends in
/// 1006 after the pieces of the frames that arrived.
#[test]
fn eof_while_inflating_delivers_the_frame_then_1006() {
    for fin in [true, false] {
        let mut p = peer(Role::Server, 15, false);
        let data = vec![9u8; 300_000];
        p.send_binary_fragment(&data, fin).unwrap();
        let mut s = streaming(Role::Server, usize::MAX);
        s.receive(&output(&mut p));
        let first = next(&mut s).unwrap();
        assert_eq!(chunk_len(&first), Some((PIECE, false)));
        s.receive_eof();
        let mut got = PIECE;
        let mut last = None;
        while let Some(e) = next(&mut s) {
            match chunk_len(&e) {
                Some((n, _)) => got += n,
                None => {
                    last = Some(e);
                    break;
                }
            }
        }
        assert_eq!(got, data.len(), "fin {fin}");
        assert_eq!(
            last,
            Some(Ev::Close(1006, String::new(), false)),
            "fin {fin}"
        );
        assert_eq!(s.state(), State::Closed);
        assert_eq!(s.buffered_input(), 0);
    }
}

/// The closing timer neither gives up nor spins while a compressed frame is being inflated:
/// with this end's Close sent and `close_timeout` zero, `poll_timeout` is `None` between
/// pieces (a piece is ready) and `handle_timeout` far past the deadline loses nothing; after
/// the last piece the timer runs again.
#[test]
fn close_timer_waits_for_the_inflating_frame() {
    let mut cfg = Config::default();
    cfg.delivery = Delivery::Streaming;
    cfg.close_timeout = Duration::ZERO;
    let mut s = Connection::open(Role::Server, cfg);
    s.enable_deflate(&params(15, false));
    let mut p = peer(Role::Server, 15, false);
    s.close(CloseCode::NORMAL, "").unwrap();
    let _ = output(&mut s);
    s.handle_timeout(Duration::from_secs(1)); // dates the timer
    let data = vec![5u8; 1 << 20];
    p.send_binary(&data).unwrap();
    s.receive(&output(&mut p));
    let mut got = 0;
    let mut t = 1;
    loop {
        assert_eq!(s.poll_timeout(), None, "a piece is ready");
        t += 100;
        s.handle_timeout(Duration::from_secs(t));
        assert_eq!(
            s.state(),
            State::Closing,
            "gave up with {got} bytes delivered"
        );
        let e = next(&mut s).unwrap();
        let (n, fin) = chunk_len(&e).unwrap_or_else(|| panic!("{e:?}"));
        got += n;
        if fin {
            break;
        }
    }
    assert_eq!(got, data.len());
    // Nothing more to read: the timer gives up now.
    assert!(matches!(s.poll_timeout(), Some(d) if d <= Duration::from_secs(t)));
    s.handle_timeout(Duration::from_secs(t + 1));
    assert_eq!(next(&mut s), Some(Ev::Close(1006, String::new(), false)));
}

/// Keep-alive while inflating: received bytes restart the idle interval once (`Some(ZERO)`
/// once, not at every call), and the pieces keep coming.
#[test]
fn keepalive_poll_timeout_does_not_spin_while_inflating() {
    let mut cfg = Config::default();
    cfg.delivery = Delivery::Streaming;
    cfg.idle_ping = Some(Duration::from_secs(10));
    let mut s = Connection::open(Role::Server, cfg);
    s.enable_deflate(&params(15, false));
    s.handle_timeout(Duration::from_secs(0));
    let mut p = peer(Role::Server, 15, false);
    p.send_binary(&vec![1u8; 1 << 20]).unwrap();
    s.receive(&output(&mut p));
    assert_eq!(s.poll_timeout(), Some(Duration::ZERO));
    s.handle_timeout(Duration::from_secs(1));
    let mut zeros = 0;
    let mut n = 0;
    while let Some(e) = next(&mut s) {
        assert!(chunk_len(&e).is_some(), "{e:?}");
        n += 1;
        if s.poll_timeout() == Some(Duration::ZERO) {
            zeros += 1;
            s.handle_timeout(Duration::from_secs(1));
        }
    }
    // 16 full pieces, then an empty last one (the message ends on the 64 KiB bound).
    assert_eq!(n, 17);
    assert_eq!(zeros, 0);
    assert_eq!(s.poll_timeout(), Some(Duration::from_secs(11)));
}

/// A compressed message of exactly 2 x 64 KiB: two full pieces, then (at most) an empty last
/// piece with `fin`; `max_message_size` at every edge: 0, 1, size - 1 fail with 1009 (having
/// delivered at most `max` bytes), size and `usize::MAX` pass, and message mode agrees.
#[test]
fn limits_at_the_edges_and_a_64k_boundary() {
    let size = 2 * PIECE;
    let data: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
    for limit in [
        0,
        1,
        PIECE - 1,
        PIECE,
        PIECE + 1,
        size - 1,
        size,
        size + 1,
        usize::MAX,
    ] {
        for delivery in [Delivery::Streaming, Delivery::Messages] {
            let mut p = peer(Role::Server, 15, false);
            p.send_binary(&data).unwrap();
            let mut s = receiver(Role::Server, delivery, limit, 15, false);
            s.receive(&output(&mut p));
            let mut got = Vec::new();
            let mut end = None;
            while let Some(e) = next(&mut s) {
                match e {
                    Ev::BinaryChunk(b, fin) => {
                        assert!(end.is_none(), "a chunk after fin");
                        assert!(b.len() <= PIECE);
                        got.extend_from_slice(&b);
                        if fin {
                            end = Some(Ok(()));
                        }
                    }
                    Ev::Binary(b) => {
                        got = b;
                        end = Some(Ok(()));
                    }
                    Ev::Err(e) => end = Some(Err(e)),
                    e => panic!("{e:?}"),
                }
            }
            if limit >= size {
                assert_eq!(end, Some(Ok(())), "limit {limit} {delivery:?}");
                assert!(got == data, "limit {limit} {delivery:?}");
            } else {
                let Some(Err(Error::Protocol(ProtocolError::MessageTooLarge { max, .. }))) = end
                else {
                    panic!("limit {limit} {delivery:?}: {end:?}")
                };
                assert_eq!(max, limit);
                assert!(
                    got.len() <= limit && data.starts_with(&got),
                    "limit {limit}"
                );
                assert_eq!(sent_close_code(&output(&mut s)), Some(1009));
            }
        }
    }
}

/// Invalid deflate data in the middle of a frame, after pieces were delivered: the pieces
/// before it are the message's true prefix, then the connection fails with
/// `InvalidCompressedData` and one Close frame, as in message mode.
#[test]
fn invalid_deflate_after_delivered_pieces() {
    // 1 MiB of zeros, sync-flushed, then a block with the reserved type 3 (invalid).
    let mut c = Compress::new_with_window_bits(Compression::new(6), false, 15);
    let mut z = deflate(&mut c, &[(vec![0u8; 1 << 20], Flush::Sync)]);
    z.extend_from_slice(&[0, 0, 0xff, 0xff, 0x07, 0xff, 0xff]);
    let mut codes = vec![];
    for delivery in [Delivery::Streaming, Delivery::Messages] {
        let mut s = receiver(Role::Server, delivery, usize::MAX, 15, false);
        s.receive(&frame_to(Role::Server, true, true, 2, &z));
        let mut got = 0;
        let err = loop {
            match next(&mut s).unwrap() {
                Ev::BinaryChunk(b, fin) => {
                    assert!(!fin && b.iter().all(|&x| x == 0));
                    got += b.len();
                }
                Ev::Err(e) => break e,
                e => panic!("{e:?}"),
            }
        };
        assert_eq!(err, Error::Protocol(ProtocolError::InvalidCompressedData));
        if delivery == Delivery::Streaming {
            assert!(got >= (1 << 20) - PIECE, "{got}");
        }
        assert_eq!(next(&mut s), None);
        assert_eq!(s.state(), State::Closed);
        codes.push(sent_close_code(&output(&mut s)));
    }
    assert_eq!(codes[0], codes[1]);
    assert!(matches!(codes[0], Some(1007 | 1002)), "{codes:?}");
}

/// A text message whose characters straddle pieces and frames: every piece is valid text,
/// and the pieces join into the text (4-byte characters, frames cut inside characters of
/// the inflated text, pieces cut by the 64 KiB bound).
#[test]
fn text_straddling_pieces_and_frames() {
    let text: String = "🎉€κa".repeat(40_000);
    let bytes = text.as_bytes();
    // Level 0 (stored blocks): a cut in the compressed bytes is a cut at about the same
    // place in the text, so frames end inside characters.
    let mut c = Compress::new_with_window_bits(Compression::new(0), false, 15);
    let z = deflate(&mut c, &[(bytes.to_vec(), Flush::Sync)]);
    let cuts = [0, 65_531, 65_538, 131_077, 200_003, z.len()];
    let mut wire = Vec::new();
    for k in 0..cuts.len() - 1 {
        let last = k == cuts.len() - 2;
        wire.extend(frame_to(
            Role::Server,
            last,
            k == 0,
            if k == 0 { 1 } else { 0 },
            &z[cuts[k]..cuts[k + 1]],
        ));
    }
    let mut s = streaming(Role::Server, usize::MAX);
    s.receive(&wire);
    let mut got = String::new();
    while let Some(e) = next(&mut s) {
        let Ev::TextChunk(t, _) = e else {
            panic!("{e:?}")
        };
        assert!(t.len() <= PIECE);
        got.push_str(&t);
    }
    assert!(got == text);
}

/// `buffered_input` while inflating stays within the documented bound, and counts only what
/// is held: the compressed bytes not yet used, and the reassembled part of a fragmented
/// message.
#[test]
fn buffered_input_while_inflating() {
    let mut cfg = Config::default();
    cfg.delivery = Delivery::Streaming;
    cfg.max_frame_size = 100_000;
    cfg.max_message_size = 4 << 20;
    let mut s = Connection::open(Role::Server, cfg.clone());
    s.enable_deflate(&params(15, false));
    let mut p = peer(Role::Server, 15, false);
    p.send_binary_fragment(&vec![1u8; 2 << 20], false).unwrap();
    p.send_binary_fragment(&vec![2u8; 1 << 20], true).unwrap();
    let w = output(&mut p);
    let bound = w.len() + cfg.max_frame_size.max(125) + 14 + cfg.max_message_size;
    s.receive(&w);
    while let Some(e) = next(&mut s) {
        assert!(chunk_len(&e).is_some(), "{e:?}");
        assert!(s.buffered_input() <= bound);
        assert!(
            s.buffered_input() <= w.len() + PIECE,
            "{}",
            s.buffered_input()
        );
    }
    assert_eq!(s.buffered_input(), 0);
}

/// Found by `streaming_equals_messages` (release, 3,000 cases): a message whose final
/// (BFINAL) block ended exactly as the output buffer filled made zlib report the stream's end
/// on the next call, without using input; message mode took that for "no progress" and failed
/// a valid message with InvalidCompressedData (a defect older than streaming inflate).
#[test]
fn stream_end_reported_after_a_full_output_buffer_is_progress() {
    let m = Msg {
        text: false,
        compressed: true,
        pieces: vec![
            (mixed_text(13097043239381192235, 35703), Flush::Sync),
            (vec![0; 35], Flush::Sync),
            (vec![2; 21579], Flush::Finish),
        ],
        cuts: vec![855],
        ping_after: None,
        corrupt: None,
    };
    let (w, plain) = wire(Role::Server, std::slice::from_ref(&m), 11, false, 2);
    for delivery in [Delivery::Messages, Delivery::Streaming] {
        for limit in [65_535usize, usize::MAX] {
            let r = receiver(Role::Server, delivery, limit, 11, false);
            let (got, _, _) = run(r, &w, &[usize::MAX], false);
            assert_eq!(
                got,
                vec![N::Binary(plain[0].clone()), N::Close(1000, true)],
                "{delivery:?} {limit}"
            );
        }
    }
}

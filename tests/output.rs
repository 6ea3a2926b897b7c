//! Adversarial review of output and input buffers (reviewer 1).

mod common;

use common::*;
use proptest::prelude::*;
use rfc6455::{CloseCode, Config, Connection, Role};

/// `receive_into` with a huge `room`: the connection must not panic (capacity overflow) or
/// try to allocate absurd amounts; the doc puts no bound on `room`.
#[test]
fn receive_into_usize_max_room_does_not_panic() {
    for room in [usize::MAX, usize::MAX / 2, isize::MAX as usize] {
        let mut conn = server();
        let wire = client_frame(true, 2, &[1, 2, 3]);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            conn.receive_into(room, |buf| {
                buf.extend_from_slice(&wire);
                wire.len()
            })
        }));
        assert_eq!(r.ok(), Some(wire.len()), "room = {room}");
        assert_eq!(drain(&mut conn), vec![Ev::Binary(vec![1, 2, 3])]);
    }
}

/// The same on a closed connection, whose bytes are dropped anyway.
#[test]
fn receive_into_huge_room_after_close() {
    let mut conn = server();
    feed(&mut conn, &client_frame(true, 8, &[0x03, 0xe8]));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        conn.receive_into(usize::MAX, |_| 0usize)
    }));
    assert!(r.is_ok());
}

#[derive(Clone, Debug)]
enum Op {
    Text(usize),
    Binary(usize),
    Ping(usize),
    Advance(usize),
    AdvanceMax,
    Take,
    Shrink,
    Fragment(usize, bool),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..300).prop_map(Op::Text),
        prop_oneof![0usize..200, 60_000usize..70_000, 100_000usize..140_000].prop_map(Op::Binary),
        (0usize..126).prop_map(Op::Ping),
        prop_oneof![Just(0usize), 0usize..100, 0usize..200_000].prop_map(Op::Advance),
        Just(Op::AdvanceMax),
        Just(Op::Take),
        Just(Op::Shrink),
        (0usize..70_000, any::<bool>()).prop_map(|(n, f)| Op::Fragment(n, f)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// The bytes acknowledged (written, then advanced; or taken), concatenated, are exactly
    /// the frames queued, in order — whatever the advance counts, interleaved with sends.
    #[test]
    fn review_output_is_exactly_the_frames_queued(ops in proptest::collection::vec(op(), 1..40),
                                                  retain in prop_oneof![Just(0usize), Just(usize::MAX), 0usize..100_000]) {
        let mut cfg = Config::default();
        cfg.retain_buffer = retain;
        let mut conn = Connection::open(Role::Server, cfg);
        let mut expected = vec![];
        let mut written = vec![];
        let mut fragmenting = false;
        for (i, op) in ops.iter().enumerate() {
            let b = (i % 251) as u8;
            match *op {
                Op::Text(n) => {
                    let s = "x".repeat(n);
                    if conn.send_text(&s).is_ok() {
                        expected.extend(raw_frame(true, 0, 1, None, s.as_bytes()));
                    } else { prop_assert!(fragmenting); }
                }
                Op::Binary(n) => {
                    let d = vec![b; n];
                    if conn.send_binary(&d).is_ok() {
                        expected.extend(raw_frame(true, 0, 2, None, &d));
                    } else { prop_assert!(fragmenting); }
                }
                Op::Ping(n) => {
                    let d = vec![b; n];
                    conn.send_ping(&d).unwrap();
                    expected.extend(raw_frame(true, 0, 9, None, &d));
                }
                Op::Fragment(n, fin) => {
                    let d = vec![b; n];
                    conn.send_binary_fragment(&d, fin).unwrap();
                    expected.extend(raw_frame(fin, 0, if fragmenting { 0 } else { 2 }, None, &d));
                    fragmenting = !fin;
                }
                Op::Advance(n) => {
                    let p = conn.pending_output();
                    let k = n.min(p.len());
                    written.extend_from_slice(&p[..k]);
                    conn.advance_output(n);
                }
                Op::AdvanceMax => {
                    written.extend_from_slice(conn.pending_output());
                    conn.advance_output(usize::MAX);
                }
                Op::Take => conn.take_output(&mut written),
                Op::Shrink => conn.shrink_buffers(),
            }
            prop_assert_eq!(written.len() + conn.buffered_amount(), expected.len());
            prop_assert_eq!(conn.pending_output().len(), conn.buffered_amount());
            prop_assert!(!conn.should_close_transport());
        }
        // A Close may come between the fragments of a message (a control frame).
        conn.close(CloseCode::NORMAL, "").unwrap();
        conn.take_output(&mut written);
        expected.extend(raw_frame(true, 0, 8, None, &[0x03, 0xe8]));
        prop_assert!(written == expected, "output differs");
        prop_assert_eq!(conn.buffered_amount(), 0);
    }
}

//! Property tests on two peers wired back to back (the model in `common/pair.rs`, shared with
//! the `pair` fuzz target): real handshakes and `open_with_rng` pairs, every `Config` field
//! at its extremes, partial writes of any size up to `usize::MAX`, `take_output`, clocks that
//! jump by hours or to `Duration::MAX` while both peers are quiescent, drivers that follow
//! `poll_timeout` or look at their timers late, and closes from either side. The invariants
//! are listed at the top of `common/pair.rs`; the main one: a protocol-following exchange that
//! no limit or zero timeout cuts short ends with a clean close on BOTH sides, with the code
//! that was sent.

#[path = "common/pair.rs"]
mod pair;

use pair::{Cfg, Op, Plan};
use proptest::prelude::*;

/// A config: all defaults, or every field drawn from its table of extremes.
fn cfg() -> impl Strategy<Value = Cfg> {
    let any_cfg = (
        (
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
            any::<u8>(),
        ),
        (any::<bool>(), any::<bool>()),
        (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()),
        (any::<u8>(), any::<u8>(), any::<u8>()),
        (any::<bool>(), any::<bool>(), any::<u8>(), any::<u8>()),
    )
        .prop_map(|(l, b, t, d, w)| Cfg {
            max_frame: l.0,
            max_message: l.1,
            max_handshake: l.2,
            max_headers: l.3,
            retain: l.4,
            no_auto_pong: b.0,
            streaming: b.1,
            idle_ping: t.0,
            pong_timeout: t.1,
            close_timeout: t.2,
            handshake_timeout: t.3,
            deflate: d.0,
            level: d.1,
            threshold: d.2,
            snct: w.0,
            cnct: w.1,
            sbits: w.2,
            cbits: w.3,
        });
    prop_oneof![1 => Just(Cfg::default()), 3 => any_cfg]
}

/// Timeouts and keep-alive from their extremes; limits large enough for what is sent, so the
/// run stays strict unless a timeout is zero.
fn timer_cfg() -> impl Strategy<Value = Cfg> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<u8>(),
        any::<bool>(),
        any::<bool>(),
        any::<u8>(),
    )
        .prop_map(
            |(idle, pong, close, hs, no_auto_pong, streaming, deflate)| Cfg {
                idle_ping: idle,
                pong_timeout: pong,
                close_timeout: close,
                handshake_timeout: hs,
                no_auto_pong,
                streaming,
                deflate: deflate % 2,
                ..Cfg::default()
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    let side = any::<bool>;
    prop_oneof![
        4 => (side(), any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(side, kind, size, fill)| Op::Send { side, kind: kind % 8, size, fill }),
        3 => (side(), any::<u8>()).prop_map(|(side, amount)| Op::Write { side, amount }),
        3 => (side(), any::<u8>(), any::<bool>())
            .prop_map(|(side, amount, into)| Op::Deliver { side, amount, into }),
        1 => (side(), any::<u8>(), any::<u8>())
            .prop_map(|(side, code, reason)| Op::Close { side, code, reason }),
        2 => (0u8..3, any::<u8>(), any::<bool>())
            .prop_map(|(who, amount, lazy)| Op::Jump { who, amount, lazy }),
        1 => side().prop_map(|side| Op::Sleep { side }),
        1 => side().prop_map(|side| Op::Tick { side }),
        1 => side().prop_map(|side| Op::Shrink { side }),
        1 => Just(Op::Settle),
        1 => Just(Op::Accept),
    ]
}

fn plan<S: Strategy<Value = Cfg>>(cfg: fn() -> S, ops: usize) -> impl Strategy<Value = Plan> {
    (
        cfg(),
        cfg(),
        any::<u8>(),
        any::<u8>(),
        proptest::collection::vec(op(), 0..ops),
    )
        .prop_map(|(client, server, mode, seed, ops)| Plan {
            client,
            server,
            mode,
            seed,
            ops,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Any config, any interleaving: every invariant of the model holds.
    #[test]
    fn pair_any_config(plan in plan(cfg, 24)) {
        pair::run(&plan);
    }

    /// Configs whose limits leave room for everything sent, timeouts at their extremes, and
    /// clocks that jump: a strict run must end with a clean close on both sides.
    #[test]
    fn pair_clean_close_under_any_clock(plan in plan(timer_cfg, 16)) {
        pair::run(&plan);
    }
}

/// Plans decode from and encode to bytes without loss (the fuzz target's input format), so a
/// failing case can become a fuzz seed.
#[test]
fn plan_bytes_roundtrip() {
    let plan = Plan {
        client: Cfg {
            max_frame: 8,
            idle_ping: 7,
            snct: true,
            ..Cfg::default()
        },
        server: Cfg {
            streaming: true,
            deflate: 2,
            cbits: 5,
            ..Cfg::default()
        },
        mode: 0x41,
        seed: 9,
        ops: vec![
            Op::Send {
                side: true,
                kind: 3,
                size: 9,
                fill: 200,
            },
            Op::Jump {
                who: 2,
                amount: 6,
                lazy: true,
            },
            Op::Deliver {
                side: false,
                amount: 3,
                into: true,
            },
            Op::Accept,
        ],
    };
    assert_eq!(Plan::from_bytes(&plan.to_bytes()), plan);
    // Any bytes are a plan, and the empty plan runs (handshake, close, clean on both sides).
    let out = pair::run(&Plan::from_bytes(&[]));
    assert!(out.strict);
    assert_eq!(out.client_close, Some((1000, true)));
    assert_eq!(out.server_close, Some((1000, true)));
}

/// The smallest plans that hit the defects of issue #11 on 9f0141a, one per defect; each must
/// run clean once fixed. (Also kept as fuzz seeds in `fuzz/seeds/pair/`.)
fn issue_11_plan(defect: u8) -> Plan {
    let d = Cfg::default;
    let (client, server, mode, ops) = match defect {
        // (1) A close long after the last handle_timeout: the close timer is dated from
        // that stale time and the next handle_timeout aborts (1006 on the closer).
        1 => (
            d(),
            d(),
            0,
            vec![
                Op::Settle,
                Op::Jump {
                    who: 2,
                    amount: 3,
                    lazy: false,
                },
            ],
        ),
        // (2) advance_output(usize::MAX) after a partial write overflows out_pos + n.
        2 => (
            d(),
            d(),
            0,
            vec![
                Op::Write {
                    side: false,
                    amount: 2,
                },
                Op::Write {
                    side: false,
                    amount: 6,
                },
            ],
        ),
        // (3a) max_message_size = usize::MAX overflows in inflate.
        3 => (
            d(),
            Cfg {
                max_message: 8,
                ..d()
            },
            2,
            vec![Op::Send {
                side: false,
                kind: 0,
                size: 4,
                fill: 0,
            }],
        ),
        // (3b) max_frame_size = usize::MAX breaks the server handshake (the early-data bound,
        // checked while the request waits for accept).
        30 => (
            d(),
            Cfg {
                max_frame: 8,
                ..d()
            },
            1,
            vec![],
        ),
        // (4) Duration::MAX timeouts overflow in poll_timeout / handle_timeout (on a clock
        // whose epoch is not zero: mode bits 4-5 = 1 s).
        4 => (
            Cfg {
                idle_ping: 7,
                ..d()
            },
            d(),
            0x10,
            vec![],
        ),
        // (5) After the handshake timeout fired (Closed), accept() returned Ok and reopened.
        5 => (
            d(),
            Cfg {
                handshake_timeout: 3,
                ..d()
            },
            1,
            vec![
                Op::Write {
                    side: false,
                    amount: 6,
                },
                Op::Deliver {
                    side: false,
                    amount: 5,
                    into: false,
                },
                Op::Jump {
                    who: 1,
                    amount: 0,
                    lazy: false,
                },
            ],
        ),
        _ => unreachable!(),
    };
    Plan {
        client,
        server,
        mode,
        seed: 0,
        ops,
    }
}

#[test]
fn issue_11_stale_close_timer() {
    let out = pair::run(&issue_11_plan(1));
    assert!(out.strict);
}

#[test]
fn issue_11_advance_output_huge_after_partial_write() {
    pair::run(&issue_11_plan(2));
}

#[test]
fn issue_11_max_message_size_usize_max_with_deflate() {
    pair::run(&issue_11_plan(3));
}

#[test]
fn issue_11_max_frame_size_usize_max_handshake() {
    let out = pair::run(&issue_11_plan(30));
    assert!(out.strict);
}

#[test]
fn issue_11_duration_max_keepalive() {
    pair::run(&issue_11_plan(4));
}

#[test]
fn issue_11_accept_after_handshake_timeout() {
    pair::run(&issue_11_plan(5));
}

//! Adversarial review (reviewer 1): a random driver against a server, checking that the state
//! only moves forward, that at most one Close event is delivered, that nothing is delivered
//! after it, that a request cannot be answered once the connection gave up, and that a driver
//! following the call order never spins on handle_timeout.

mod common;

use common::*;
use core::time::Duration;
use proptest::prelude::*;
use rfc6455::handshake::AcceptOptions;
use rfc6455::{CloseCode, Config, Connection, State};

#[derive(Clone, Debug)]
enum Op {
    Request,
    Accept,
    Reject,
    Close,
    Send,
    Frame(u8, usize, bool),
    Eof,
    /// Advance the clock by this many ms and run timers as the call order says.
    Tick(u64),
    /// A stale time (earlier than the latest).
    Stale,
    OneEvent,
    Drain,
    Write(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Request),
        Just(Op::Accept),
        Just(Op::Reject),
        Just(Op::Close),
        Just(Op::Send),
        (
            prop::sample::select(vec![1u8, 2, 0, 8, 9, 10]),
            0usize..130,
            any::<bool>()
        )
            .prop_map(|(o, n, f)| Op::Frame(o, n, f)),
        Just(Op::Eof),
        prop_oneof![Just(0u64), 0u64..3000, Just(u64::MAX / 4)].prop_map(Op::Tick),
        Just(Op::Stale),
        Just(Op::OneEvent),
        Just(Op::Drain),
        prop_oneof![Just(0usize), 0usize..50, Just(usize::MAX)].prop_map(Op::Write),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]
    #[test]
    fn review_state_only_moves_forward(
        ops in proptest::collection::vec(op(), 1..60),
        keepalive in any::<bool>(),
        close_ms in prop_oneof![Just(0u64), 1u64..2000],
    ) {
        let mut cfg = Config::default();
        cfg.close_timeout = Duration::from_millis(close_ms);
        cfg.handshake_timeout = Some(Duration::from_millis(1500));
        if keepalive {
            cfg.idle_ping = Some(Duration::from_millis(700));
            cfg.pong_timeout = Duration::from_millis(500);
        }
        let mut s = Connection::server(cfg);
        let mut now = Duration::ZERO;
        let mut state = s.state();
        let mut closes = 0;
        let mut gave_up_or_closed = false;
        for op in ops {
            match op {
                Op::Request => s.receive(CHROMIUM_REQUEST),
                Op::Accept => {
                    let r = s.accept(&AcceptOptions::new());
                    if gave_up_or_closed { prop_assert!(r.is_err(), "accepted after close"); }
                }
                Op::Reject => {
                    let r = s.reject(403, &[], b"");
                    if gave_up_or_closed { prop_assert!(r.is_err(), "rejected after close"); }
                }
                Op::Close => { let _ = s.close(CloseCode::NORMAL, ""); }
                Op::Send => { let _ = s.send_text("hi"); }
                Op::Frame(o, n, fin) => s.receive(&client_frame(fin, o, &vec![b'a'; n])),
                Op::Eof => s.receive_eof(),
                Op::Tick(ms) => {
                    now = now.saturating_add(Duration::from_millis(ms));
                    // The call order: events first, then timers until none is due.
                    let evs = drain(&mut s);
                    closes += evs.iter().filter(|e| matches!(e, Ev::Close(..))).count();
                    let mut calls = 0;
                    while s.poll_timeout().is_some_and(|t| t <= now) {
                        s.handle_timeout(now);
                        calls += 1;
                        prop_assert!(calls < 10, "spins: state {:?}, poll {:?}, now {:?}",
                            s.state(), s.poll_timeout(), now);
                    }
                }
                Op::Stale => s.handle_timeout(now.saturating_sub(Duration::from_secs(1))),
                Op::OneEvent => {
                    if let Ok(Some((e, _))) = s.next_event() {
                        if matches!(e, rfc6455::Event::Close { .. }) { closes += 1; }
                    }
                }
                Op::Drain => {
                    let evs = drain(&mut s);
                    closes += evs.iter().filter(|e| matches!(e, Ev::Close(..))).count();
                }
                Op::Write(n) => s.advance_output(n),
            }
            prop_assert!(s.state() >= state, "{:?} -> {:?}", state, s.state());
            state = s.state();
            if state == State::Closed { gave_up_or_closed = true; }
            prop_assert!(closes <= 1);
        }
    }
}

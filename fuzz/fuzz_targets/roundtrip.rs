#![no_main]
//! Arbitrary messages and fragmentation plans, encoded by one role and decoded by the other
//! in arbitrary chunks, in both delivery modes, come out identical — with the limits and
//! buffer settings at their extremes, and the sender's output written in arbitrary partial
//! amounts (`advance_output(n)` with any n, or `take_output`): the acknowledged bytes are
//! exactly the frames, nothing repeated or skipped.
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rfc6455::{Config, Connection, Delivery, Event, Role};

#[derive(Arbitrary, Debug)]
enum Msg {
    Text(String, Vec<u8>),
    Binary(Vec<u8>, Vec<u8>),
    Ping(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Plan {
    client_sends: bool,
    streaming: bool,
    seed: u64,
    msgs: Vec<Msg>,
    chunk_sizes: Vec<u8>,
    /// Indices into the harness's table of write amounts.
    writes: Vec<u8>,
    /// The receiver's frame and message limits: default or `usize::MAX` (no limit).
    unlimited: bool,
    /// `retain_buffer` of both ends: 0, 1, 4096 or `usize::MAX`.
    retain: u8,
}

#[derive(Debug, PartialEq)]
enum Got {
    Text(String),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
}

/// Cut points for fragmenting `len` bytes (each cut keeps `ok(point)`).
fn cuts(len: usize, plan: &[u8], ok: impl Fn(usize) -> bool) -> Vec<(usize, usize)> {
    let mut pts: Vec<usize> = plan
        .iter()
        .map(|&c| usize::from(c) * 7 % (len + 1))
        .filter(|&p| ok(p))
        .collect();
    pts.sort_unstable();
    pts.dedup();
    let mut out = vec![];
    let mut s = 0;
    for p in pts {
        if p > s {
            out.push((s, p));
            s = p;
        }
    }
    out.push((s, len));
    out
}

fuzz_target!(|plan: Plan| {
    let (from, to) = if plan.client_sends {
        (Role::Client, Role::Server)
    } else {
        (Role::Server, Role::Client)
    };
    let retain = [0, 1, 4096, usize::MAX][usize::from(plan.retain % 4)];
    let mut tx_cfg = Config::default();
    tx_cfg.retain_buffer = retain;
    let mut tx = Connection::open_with_rng(from, tx_cfg, rfc6455_fuzz::rng(plan.seed));
    let mut cfg = Config::default();
    cfg.retain_buffer = retain;
    if plan.unlimited {
        cfg.max_frame_size = usize::MAX;
        cfg.max_message_size = usize::MAX;
    }
    if plan.streaming {
        cfg.delivery = Delivery::Streaming;
    }
    let mut rx = Connection::open_with_rng(to, cfg, rfc6455_fuzz::rng(plan.seed ^ 1));
    let mut want = vec![];
    for m in &plan.msgs {
        match m {
            Msg::Text(t, plan) => {
                let ps = cuts(t.len(), plan, |p| t.is_char_boundary(p));
                for (i, (a, b)) in ps.iter().enumerate() {
                    tx.send_text_fragment(&t[*a..*b], i + 1 == ps.len())
                        .unwrap();
                }
                want.push(Got::Text(t.clone()));
            }
            Msg::Binary(d, plan) => {
                let ps = cuts(d.len(), plan, |_| true);
                for (i, (a, b)) in ps.iter().enumerate() {
                    tx.send_binary_fragment(&d[*a..*b], i + 1 == ps.len())
                        .unwrap();
                }
                want.push(Got::Binary(d.clone()));
            }
            Msg::Ping(p) => {
                let p = &p[..p.len().min(125)];
                tx.send_ping(p).unwrap();
                want.push(Got::Ping(p.to_vec()));
            }
        }
    }
    // Write the output in partial amounts, as a transport that accepts any part would.
    let mut wire = Vec::new();
    let mut writes = plan.writes.iter().cycle();
    let mut rounds = 0;
    while tx.buffered_amount() > 0 {
        let before = tx.pending_output().to_vec();
        let amount = if rounds > 64 {
            None // enough partial writes: take the rest
        } else {
            let i = writes.next().map_or(0, |&w| usize::from(w));
            rfc6455_fuzz::pair::WRITES[i % rfc6455_fuzz::pair::WRITES.len()]
        };
        rounds += 1;
        match amount {
            None => tx.take_output(&mut wire),
            Some(n) => {
                // Acknowledge `n` as given (huge values are clamped by the connection).
                wire.extend_from_slice(&before[..n.min(before.len())]);
                tx.advance_output(n);
                if n == 0 {
                    // The driver wrote nothing; a later write must make progress.
                    rounds += 8;
                }
            }
        }
        let after = tx.pending_output();
        assert!(
            before.ends_with(after),
            "output after a write is not the rest of what was pending"
        );
    }
    let mut got = vec![];
    let (mut text, mut bin) = (String::new(), Vec::new());
    for chunk in rfc6455_fuzz::chunks(&wire, &plan.chunk_sizes) {
        rx.receive(chunk);
        while let Some((ev, _)) = rx.next_event().expect("valid input refused") {
            match ev {
                Event::Text(t) => got.push(Got::Text(t.to_string())),
                Event::Binary(b) => got.push(Got::Binary(b.to_vec())),
                Event::TextChunk { text: t, fin } => {
                    text.push_str(t);
                    if fin {
                        got.push(Got::Text(std::mem::take(&mut text)));
                    }
                }
                Event::BinaryChunk { data, fin } => {
                    bin.extend_from_slice(data);
                    if fin {
                        got.push(Got::Binary(std::mem::take(&mut bin)));
                    }
                }
                Event::Ping(p) => got.push(Got::Ping(p.to_vec())),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert_eq!(got, want);
});

#![no_main]
//! Arbitrary messages and fragmentation plans, encoded by one role and decoded by the other
//! in arbitrary chunks, in both delivery modes, come out identical.
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
    let mut tx = Connection::open_with_rng(from, Config::default(), rfc6455_fuzz::rng(plan.seed));
    let mut cfg = Config::default();
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
    let mut wire = Vec::new();
    tx.take_output(&mut wire);
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

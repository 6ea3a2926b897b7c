#![no_main]
//! permessage-deflate round trips: arbitrary messages (whole or fragmented), any agreed
//! parameters and window sizes, any threshold, encoded by one role and decoded by the other
//! in arbitrary chunks, come out identical; the wire carries RSV1 on first frames only.
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rfc6455::extensions::deflate::DeflateParams;
use rfc6455::{Config, Connection, Event, Role};

#[derive(Arbitrary, Debug)]
struct Plan {
    client_sends: bool,
    params: (bool, bool, u8, u8),
    level: u32,
    threshold: u8,
    seed: u64,
    msgs: Vec<(bool, Vec<u8>, u8)>,
    chunk_sizes: Vec<u8>,
}

fuzz_target!(|plan: Plan| {
    let params = DeflateParams {
        server_no_context_takeover: plan.params.0,
        client_no_context_takeover: plan.params.1,
        // Any value: window bits are clamped (below 9 the sender does not compress).
        server_max_window_bits: plan.params.2,
        client_max_window_bits: plan.params.3,
    };
    let mut cfg = Config::default();
    let d = cfg.deflate.as_mut().unwrap();
    d.level = plan.level; // above 9 means 9
    d.threshold = usize::from(plan.threshold);
    let (from, to) = if plan.client_sends {
        (Role::Client, Role::Server)
    } else {
        (Role::Server, Role::Client)
    };
    let mut tx = Connection::open_with_rng(from, cfg.clone(), rfc6455_fuzz::rng(plan.seed));
    let mut rx = Connection::open_with_rng(to, cfg, rfc6455_fuzz::rng(!plan.seed));
    tx.enable_deflate(&params);
    rx.enable_deflate(&params);
    let mut want = vec![];
    for (text, data, split) in &plan.msgs {
        let payload: Vec<u8> = if *text {
            String::from_utf8_lossy(data).into_owned().into_bytes()
        } else {
            data.clone()
        };
        let mut cut = usize::from(*split) % (payload.len() + 1);
        if *text {
            let s = std::str::from_utf8(&payload).unwrap();
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            tx.send_text_fragment(&s[..cut], false).unwrap();
            tx.send_text_fragment(&s[cut..], true).unwrap();
        } else if *split == 0 {
            tx.send_binary(&payload).unwrap();
        } else {
            tx.send_binary_fragment(&payload[..cut], false).unwrap();
            tx.send_binary_fragment(&payload[cut..], true).unwrap();
        }
        want.push((*text, payload));
    }
    let mut wire = Vec::new();
    tx.take_output(&mut wire);
    let mut got = vec![];
    for chunk in rfc6455_fuzz::chunks(&wire, &plan.chunk_sizes) {
        rx.receive(chunk);
        while let Some((ev, _)) = rx.next_event().expect("our own compressed output refused") {
            match ev {
                Event::Text(t) => got.push((true, t.as_bytes().to_vec())),
                Event::Binary(b) => got.push((false, b.to_vec())),
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert_eq!(got, want);
});

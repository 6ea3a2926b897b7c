//! permessage-deflate: compressed echo throughput (client → server → client, both ways
//! compressed, context takeover) against the same echo uncompressed, and the memory a
//! connection holds once its compressor and decompressor exist (window buffers).
//!
//! `cargo bench --bench deflate`; the memory figures are printed first.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rfc6455::extensions::deflate::DeflateParams;
use rfc6455::{Config, Connection, Event, Role};

/// A chat/telemetry-like JSON message of about `size` bytes.
fn json(size: usize) -> String {
    let mut s = String::from("[");
    let mut i = 0;
    while s.len() < size {
        s.push_str(&format!(
            r#"{{"id":{i},"user":"user{}","room":"lobby","text":"message number {i} with some words","ts":{}}},"#,
            i % 17,
            1_700_000_000 + i * 37
        ));
        i += 1;
    }
    s.truncate(size - 1);
    s.push(']');
    s
}

fn params(takeover: bool) -> DeflateParams {
    DeflateParams {
        server_no_context_takeover: !takeover,
        client_no_context_takeover: !takeover,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    }
}

fn pair(deflate: Option<DeflateParams>) -> (Connection, Connection) {
    let mut c = Connection::open(Role::Client, Config::default());
    let mut s = Connection::open(Role::Server, Config::default());
    if let Some(p) = deflate {
        c.enable_deflate(&p);
        s.enable_deflate(&p);
    }
    (c, s)
}

/// One echo: the client sends, the server echoes from the event, the client receives.
fn echo(c: &mut Connection, s: &mut Connection, msg: &str, wire: &mut Vec<u8>) -> usize {
    c.send_text(msg).unwrap();
    wire.clear();
    c.take_output(wire);
    let on_wire = wire.len();
    s.receive(wire);
    while let Some((ev, tx)) = s.next_event().unwrap() {
        if let Event::Text(t) = ev {
            tx.send_text(t).unwrap();
        }
    }
    wire.clear();
    s.take_output(wire);
    c.receive(wire);
    let mut n = 0;
    while let Some((ev, _)) = c.next_event().unwrap() {
        if let Event::Text(t) = ev {
            n += t.len();
        }
    }
    assert_eq!(n, msg.len());
    on_wire
}

fn rss_bytes() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Resident memory per connection pair after one compressed echo each, divided by two.
fn memory_report() {
    const N: usize = 500;
    let msg = json(2048);
    for (name, deflate) in [
        ("no deflate", None),
        ("deflate, context takeover", Some(params(true))),
        ("deflate, no context takeover", Some(params(false))),
    ] {
        let before = rss_bytes();
        let mut conns = Vec::with_capacity(N);
        let mut wire = Vec::new();
        for _ in 0..N {
            let (mut c, mut s) = pair(deflate);
            echo(&mut c, &mut s, &msg, &mut wire);
            c.shrink_buffers();
            s.shrink_buffers();
            conns.push((c, s));
        }
        let after = rss_bytes();
        println!(
            "memory per connection after a 2 KiB echo and shrink_buffers ({name}): {:.1} KiB (size_of::<Connection>() = {} B)",
            (after.saturating_sub(before)) as f64 / (2 * N) as f64 / 1024.0,
            std::mem::size_of::<Connection>()
        );
        black_box(&conns);
    }
    let msg = json(2048);
    let (mut c, mut s) = pair(Some(params(true)));
    let mut wire = Vec::new();
    let first = echo(&mut c, &mut s, &msg, &mut wire);
    let later: usize = (0..10)
        .map(|_| echo(&mut c, &mut s, &msg, &mut wire))
        .sum::<usize>()
        / 10;
    println!("2 KiB JSON on the wire: {first} B first, {later} B later with context takeover");
}

fn throughput(c: &mut Criterion) {
    memory_report();
    let mut g = c.benchmark_group("deflate_echo");
    for size in [128usize, 2048, 65536] {
        let msg = json(size);
        g.throughput(Throughput::Bytes(size as u64));
        for (name, deflate) in [
            ("plain", None),
            ("deflate_takeover", Some(params(true))),
            ("deflate_no_takeover", Some(params(false))),
        ] {
            g.bench_with_input(BenchmarkId::new(name, size), &msg, |b, msg| {
                let (mut cl, mut sv) = pair(deflate);
                let mut wire = Vec::new();
                b.iter(|| black_box(echo(&mut cl, &mut sv, msg, &mut wire)))
            });
        }
    }
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! { name = benches; config = config(); targets = throughput }
criterion_main!(benches);

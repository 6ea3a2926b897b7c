//! Sends a permessage-deflate bomb to a running server and reports the server's memory.
//!
//! ```text
//! cargo run --release --example echo_server &                      # note its PID
//! cargo run --release --example deflate_bomb -- PID [ADDR] [CONNECTIONS]
//! ```
//!
//! Each of `CONNECTIONS` (default 1, opened at once) sends one binary message of 1 GiB of
//! zeros, compressed at level 9 into 17 fragments of about 64 KiB (16 × 64 MiB, then an empty
//! last one), and waits for the server's Close (1009 with the default 64 MiB
//! `max_message_size`). The server's resident memory is read from `/proc/PID/status`: `VmRSS`
//! before, the largest `VmRSS` seen while the bombs go off (sampled every millisecond, and
//! `VmHWM` after resetting it through `/proc/PID/clear_refs` when that is allowed), and
//! `VmRSS` one second after every connection closed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rfc6455::handshake::{ClientOptions, WsUrl};
use rfc6455::{Config, Connection, Event};

/// A `kB` field of `/proc/PID/status`, in KiB.
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// The client's frames for the bomb, compressed once and sent on every connection (masks
/// are the client's to choose; one fixed masked copy is valid for any number of sends).
fn bomb_frames() -> Vec<u8> {
    let mut cfg = Config::default();
    cfg.deflate.as_mut().unwrap().level = 9;
    let mut c = Connection::open(rfc6455::Role::Client, cfg);
    c.enable_deflate(&rfc6455::extensions::deflate::DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: false,
        server_max_window_bits: 15,
        client_max_window_bits: 15,
    });
    let zeros = vec![0u8; 64 << 20];
    let mut wire = Vec::new();
    for _ in 0..16 {
        c.send_binary_fragment(&zeros, false).unwrap();
        c.take_output(&mut wire);
    }
    c.send_binary_fragment(&[], true).unwrap();
    c.take_output(&mut wire);
    wire
}

/// One connection: handshake (permessage-deflate must be agreed), the bomb, then read until
/// the server closes. Returns the close code the server sent.
fn run(addr: &str, url: &WsUrl, bomb: &[u8]) -> std::io::Result<Option<u16>> {
    let mut tcp = TcpStream::connect(addr)?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut conn = Connection::client(url, ClientOptions::new(), Config::default()).unwrap();
    let mut out = Vec::new();
    conn.take_output(&mut out);
    tcp.write_all(&out)?;
    let mut buf = vec![0u8; 64 << 10];
    let mut code = None;
    let mut opened = false;
    loop {
        let n = tcp.read(&mut buf)?;
        if n == 0 {
            return Ok(code);
        }
        conn.receive(&buf[..n]);
        loop {
            match conn.next_event() {
                Ok(Some((Event::Open(resp), _))) => {
                    let deflate = resp
                        .extensions()
                        .iter()
                        .any(|e| e.name == "permessage-deflate");
                    assert!(deflate, "the server did not agree to permessage-deflate");
                    opened = true;
                }
                Ok(Some((Event::Close { code: c, .. }, _))) => code = Some(c.0),
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    eprintln!("client: {e}");
                    return Ok(code);
                }
            }
        }
        if opened {
            opened = false;
            // The server fails the connection part-way; it may reset the rest of the send.
            let _ = tcp.write_all(bomb);
        }
        out.clear();
        conn.take_output(&mut out);
        if !out.is_empty() {
            let _ = tcp.write_all(&out);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let pid: u32 = args
        .next()
        .and_then(|p| p.parse().ok())
        .expect("usage: deflate_bomb PID [ADDR] [CONNECTIONS]");
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9001".into());
    let conns: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let url = WsUrl::parse(&format!("ws://{addr}/")).unwrap();
    let bomb = Arc::new(bomb_frames());
    eprintln!(
        "bomb: 1 GiB of zeros in {} bytes of frames, {conns} connection(s)",
        bomb.len()
    );

    let before = status_kib(pid, "VmRSS:").expect("cannot read /proc/PID/status");
    // Resetting VmHWM needs the right to write the server's clear_refs (same user).
    let hwm_reset = std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok();
    let peak = Arc::new(AtomicU64::new(before));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Some(rss) = status_kib(pid, "VmRSS:") {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let started = Instant::now();
    let handles: Vec<_> = (0..conns)
        .map(|_| {
            let (bomb, url, addr) = (bomb.clone(), url.clone(), addr.clone());
            std::thread::spawn(move || run(&addr, &url, &bomb))
        })
        .collect();
    for h in handles {
        match h.join().unwrap() {
            Ok(code) => eprintln!("server closed with {code:?}"),
            Err(e) => eprintln!("connection error: {e}"),
        }
    }
    let elapsed = started.elapsed();
    std::thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let after = status_kib(pid, "VmRSS:").unwrap_or(0);
    let hwm = status_kib(pid, "VmHWM:").unwrap_or(0);
    let peak = if hwm_reset {
        peak.load(Ordering::Relaxed).max(hwm)
    } else {
        peak.load(Ordering::Relaxed)
    };
    println!("server RSS before: {}", mib(before));
    println!(
        "server RSS peak:   {} (+{}; {} connection(s), {:.2?}; VmHWM {})",
        mib(peak),
        mib(peak.saturating_sub(before)),
        conns,
        elapsed,
        if hwm_reset {
            "reset and included"
        } else {
            "not resettable, sampled only"
        }
    );
    println!(
        "server RSS after:  {} (+{}) one second after every connection closed",
        mib(after),
        mib(after.saturating_sub(before))
    );
}

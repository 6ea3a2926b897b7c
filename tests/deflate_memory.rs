//! Heap use under a decompression bomb (RFC 7692 §8.1 leaves the limit to the receiver),
//! counted by a global allocator that tracks the peak. Its `realloc` is the default one
//! (allocate, copy, free), as in allocators that cannot grow a large block in place
//! (mimalloc), so a reallocation's copy shows in the peak.
//!
//! One test function only: the counters are process-wide.
#![cfg(feature = "deflate")]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use rfc6455::extensions::deflate::DeflateParams;
use rfc6455::{Config, Connection, Delivery, Error, Event, ProtocolError, Role};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now =
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed) + layout.size() as isize;
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let now =
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed) + layout.size() as isize;
        PEAK.fetch_max(now, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// Starts a new peak measurement at the current heap use.
fn reset_peak() -> isize {
    let now = live();
    PEAK.store(now, Ordering::Relaxed);
    now
}

const PARAMS: DeflateParams = DeflateParams {
    server_no_context_takeover: false,
    client_no_context_takeover: false,
    server_max_window_bits: 15,
    client_max_window_bits: 15,
};

/// A masked client frame (mask key 0, which leaves the payload as it is).
fn frame(fin: bool, rsv1: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![
        (u8::from(fin) << 7) | (u8::from(rsv1) << 6) | opcode,
        0x80 | 127,
    ];
    out.extend_from_slice(&(payload.len() as u64).to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(payload);
    out
}

/// The client's frames for one binary message of `mib` MiB of zeros, compressed at level 9
/// and sent as fragments of `per_frame` MiB each, then an empty last fragment. Compressing a
/// GiB takes a minute without optimizations, so one MiB is compressed (sync-flushed) and its
/// steady-state output repeated: once the window is all zeros, each further MiB of zeros
/// compresses to the same bytes (checked here; and the receiver inflating up to its limit
/// shows the stream is valid).
fn bomb(mib: usize, per_frame: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    let mut z = Compress::new_with_window_bits(Compression::new(9), false, 15);
    let zeros = vec![0u8; 1 << 20];
    let mut chunk = || {
        let mut out = Vec::with_capacity(64 << 10);
        z.compress_vec(&zeros, &mut out, FlushCompress::Sync)
            .unwrap();
        assert!(out.len() < out.capacity() && out.ends_with(&[0, 0, 0xff, 0xff]));
        out
    };
    let (first, second, third) = (chunk(), chunk(), chunk());
    assert_eq!(second, third, "steady state");
    let mut wire = Vec::new();
    let mut payload = Vec::new();
    for i in 0..mib {
        payload.extend_from_slice(if i == 0 { &first } else { &second });
        if (i + 1) % per_frame == 0 {
            wire.extend(frame(
                false,
                i + 1 == per_frame,
                if i + 1 == per_frame { 2 } else { 0 },
                &payload,
            ));
            payload.clear();
        }
    }
    // The last fragment: the start of an empty stored block, completed by the appended tail.
    wire.extend(frame(true, false, 0, &[0x00]));
    wire
}

/// Feeds the bomb in 64 KiB reads, as from a socket; returns the error it ends with.
fn feed_bomb(s: &mut Connection, wire: &[u8]) -> Error {
    for read in wire.chunks(64 << 10) {
        s.receive(read);
        loop {
            match s.next_event() {
                Ok(Some((Event::BinaryChunk { .. }, _))) => {}
                Ok(Some((ev, _))) => panic!("unexpected event {ev:?}"),
                Ok(None) => break,
                Err(e) => return e,
            }
        }
    }
    panic!("the bomb was accepted");
}

#[test]
fn bomb_peak_heap_is_the_limit_plus_1_mib() {
    // 1 GiB of zeros as 17 fragments of about 64 KiB (16 x 64 MiB, then an empty last one).
    let wire = bomb(1024, 64);
    assert!(wire.len() < (17 << 16) + 4096, "{} bytes", wire.len());
    for delivery in [Delivery::Messages, Delivery::Streaming] {
        for limit in [64usize << 20, 8 << 20] {
            let mut cfg = Config::default();
            cfg.max_message_size = limit;
            cfg.delivery = delivery;
            let base = reset_peak();
            let mut s = Connection::open(Role::Server, cfg);
            s.enable_deflate(&PARAMS);
            let err = feed_bomb(&mut s, &wire);
            assert!(
                matches!(err, Error::Protocol(ProtocolError::MessageTooLarge { max, .. }) if max == limit),
                "{err:?}"
            );
            let peak = PEAK.load(Ordering::Relaxed) - base;
            eprintln!("{delivery:?}, limit {limit}: peak heap growth {peak} bytes");
            assert!(
                peak <= limit as isize + (1 << 20),
                "{delivery:?}: peak {peak} > limit {limit} + 1 MiB"
            );
            // The failed connection, still alive (its Close to send), holds no message.
            let held = live() - base;
            assert!(
                held < 1 << 20,
                "{delivery:?}: {held} bytes held after the 1009"
            );
            drop(s);
            // (A few bytes may be the test harness's output capture growing.)
            let after = live() - base;
            assert!(after <= 1024, "{delivery:?}: {after} bytes after drop");
        }
    }
}

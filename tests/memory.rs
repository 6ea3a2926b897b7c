//! Heap use of a connection, counted by a global allocator: no allocation per received
//! single-frame message, and no buffers held by an idle connection.
//!
//! One test function only: the counters are process-wide.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

use rfc6455::{Config, Connection, Event, Role};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

fn allocs() -> usize {
    ALLOCS.load(Ordering::Relaxed)
}

/// Takes every event, checking each is a binary message of `len` bytes, without allocating.
fn drain_binary(conn: &mut Connection, len: usize) -> usize {
    let mut n = 0;
    while let Some((ev, _)) = conn.next_event().unwrap() {
        match ev {
            Event::Binary(b) => assert_eq!(b.len(), len),
            _ => panic!("expected binary messages"),
        }
        n += 1;
    }
    n
}

#[test]
fn heap_use_of_a_connection() {
    // Receiving: one allocation per read (the receive buffer), none per message.
    let mut server = Connection::open(Role::Server, Config::default());
    let mut wire = Vec::new();
    for i in 0..1000u32 {
        wire.extend(common::client_frame(true, 2, &i.to_be_bytes().repeat(4)));
    }
    let before = allocs();
    server.receive(&wire);
    assert_eq!(drain_binary(&mut server, 16), 1000);
    let per_read = allocs() - before;
    assert!(
        per_read <= 1,
        "{per_read} allocations for 1000 messages in one read"
    );

    // Idle after traffic: no receive, reassembly or send buffer left.
    let base = live();
    let mut fragmented = common::client_frame(false, 2, &[7; 3000]);
    fragmented.extend(common::client_frame(true, 0, &[8; 3000]));
    server.receive(&fragmented);
    drop(fragmented);
    server.receive(&common::client_frame(true, 2, &[9; 5000]));
    let mut got = 0;
    while let Some((ev, tx)) = server.next_event().unwrap() {
        if let Event::Binary(b) = ev {
            got += 1;
            tx.send_binary(b).unwrap();
        }
    }
    assert_eq!(got, 2);
    assert!(live() > base, "the buffers were allocated");
    let written = server.pending_output().len();
    assert_eq!(written, 6004 + 5004);
    server.advance_output(written);
    assert!(server.next_event().unwrap().is_none());
    assert_eq!(live(), base, "an idle connection holds no buffers");

    // A partial frame holds a buffer no larger than that frame (room for the rest of it is
    // made at once, so it is not regrown read by read), released once the frame is complete.
    let frame = common::client_frame(true, 2, &[1; 4000]);
    let base = live();
    server.receive(&frame[..100]);
    assert!(server.next_event().unwrap().is_none());
    let held = live() - base;
    assert!(held <= frame.len() as isize, "holds {held} bytes");
    // A frame that claims 1 GiB gets no more than 64 KiB of room ahead of its bytes.
    let mut huge = Connection::open(Role::Server, Config::default());
    let before = live();
    huge.receive(&[0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4, 9]);
    let held = live() - before;
    assert!(held <= (64 << 10) + 64, "holds {held} bytes");
    drop(huge);
    server.receive(&frame[100..]);
    assert_eq!(drain_binary(&mut server, 4000), 1);
    assert!(server.next_event().unwrap().is_none());
    assert_eq!(live(), base);

    // A read into the connection's buffer that brings nothing (a stream with nothing to give)
    // leaves no room behind: a connection waiting for input holds no receive buffer. (A
    // driver that polls with `receive_into` used to keep 256 KiB per waiting connection.)
    let base = live();
    let n = server.receive_into(256 << 10, |buf| {
        assert!(buf.capacity() >= 256 << 10, "room was made for the read");
        0
    });
    assert_eq!(n, 0);
    assert_eq!(live(), base, "no room is kept after an empty read");
    // Room made while part of a frame is buffered stays, for the rest of that frame.
    server.receive(&frame[..100]);
    server.receive_into(4096, |_| ());
    assert!(live() > base);
    server.receive(&frame[100..]);
    assert_eq!(drain_binary(&mut server, 4000), 1);
    assert!(server.next_event().unwrap().is_none());
    assert_eq!(live(), base);

    // retain_buffer keeps buffers for the next batch instead.
    let mut config = Config::default();
    config.retain_buffer = 64 * 1024;
    let mut busy = Connection::open(Role::Server, config);
    let msg = common::client_frame(true, 2, &[5; 16]);
    busy.receive(&msg);
    assert_eq!(drain_binary(&mut busy, 16), 1);
    let before = allocs();
    for _ in 0..100 {
        busy.receive(&msg);
        assert_eq!(drain_binary(&mut busy, 16), 1);
    }
    assert_eq!(allocs(), before, "retained buffer reused");

    // The connection itself stays small.
    let size = std::mem::size_of::<Connection>();
    assert!(size <= 512, "size_of::<Connection>() = {size}");
}

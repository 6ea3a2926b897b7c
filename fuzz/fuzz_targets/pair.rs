#![no_main]
//! Two peers (client and server) wired back to back, each driven like a real driver: real or
//! skipped handshake, every `Config` field at its extremes, partial writes up to
//! `usize::MAX`, `take_output`, clocks that jump while both are quiescent, late timer checks,
//! closes from either side. The input bytes are a `Plan` (`Plan::from_bytes`); the invariants
//! are listed in `tests/common/pair.rs`, the model shared with `tests/pair.rs`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    rfc6455_fuzz::pair::run(&rfc6455_fuzz::pair::Plan::from_bytes(data));
});

#![no_main]
//! A server connection driven by arbitrary interleavings of received bytes, sends, writes,
//! clock ticks and end of file. Invariants: no panic, the state only moves forward, nothing
//! is sent after Close, frames are unmasked, bounded input buffers, and every protocol error
//! queues a Close with the code RFC 6455 prescribes.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|session: rfc6455_fuzz::Session| {
    rfc6455_fuzz::run_session(rfc6455::Role::Server, session);
});

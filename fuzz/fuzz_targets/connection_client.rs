#![no_main]
//! The client-role twin of `connection_server`: frames must be masked, masked input is an
//! error, and the opening handshake is either completed first or fuzzed.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|session: rfc6455_fuzz::Session| {
    rfc6455_fuzz::run_session(rfc6455::Role::Client, session);
});

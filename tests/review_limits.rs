//! Adversarial review of limits (reviewer 1).

mod common;

use common::*;
use rfc6455::{Config, Connection, Delivery};

/// buffered_input's doc: during the opening handshake the bound is the head
/// (`max_handshake_size`) plus what may follow it (`max_frame_size + 14`), plus one read;
/// afterwards `max(max_frame_size, 125) + 14 + max_message_size` plus one read.
#[test]
fn review_buffered_input_bound_during_the_handshake() {
    for delivery in [Delivery::Messages, Delivery::Streaming] {
        let mut cfg = Config::default();
        cfg.max_frame_size = 0;
        cfg.max_message_size = 0;
        cfg.delivery = delivery;
        let bound = 1 + cfg.max_handshake_size + 14;
        let mut s = Connection::server(cfg.clone());
        let mut worst = 0;
        for b in CHROMIUM_REQUEST.chunks(1) {
            s.receive(b);
            let _ = drain(&mut s);
            worst = worst.max(s.buffered_input());
        }
        assert!(
            worst <= bound,
            "{delivery:?}: buffered_input reached {worst}, bound {bound}"
        );
    }
}

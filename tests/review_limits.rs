//! Adversarial review of limits (reviewer 1).

mod common;

use common::*;
use rfc6455::{Config, Connection, Delivery};

/// buffered_input's doc: "With events taken after every receive, this stays within what one
/// read delivers plus max(max_frame_size, 125) + 14 + max_message_size". During the opening
/// handshake the buffer holds the request head (up to max_handshake_size), which the bound
/// does not count: with small frame/message limits the promise breaks.
#[test]
fn review_buffered_input_bound_during_the_handshake() {
    for delivery in [Delivery::Messages, Delivery::Streaming] {
        let mut cfg = Config::default();
        cfg.max_frame_size = 0;
        cfg.max_message_size = 0;
        cfg.delivery = delivery;
        let bound = 1 + 125 + 14;
        let mut s = Connection::server(cfg);
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

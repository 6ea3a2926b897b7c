//! The echo logic the echo examples share; each example only adds its runtime's I/O.

use rfc6455::handshake::AcceptOptions;
use rfc6455::{Connection, Event};

/// Handles every event available now as an echo server does: accept the upgrade with the
/// first offered subprotocol (browsers fail a connection whose protocols are all refused),
/// send text back as text and binary as binary. `log` sees connects, closes and failures.
pub fn echo_events(conn: &mut Connection, log: &dyn Fn(std::fmt::Arguments<'_>)) {
    loop {
        let mut accept = None;
        match conn.next_event() {
            Ok(Some((event, tx))) => match event {
                Event::Request(req) => {
                    log(format_args!(
                        "connect {} (origin {:?})",
                        req.target(),
                        req.origin()
                    ));
                    accept = Some(req.protocols().next().map(String::from));
                }
                Event::Text(text) => tx.send_text(text).unwrap_or(()),
                Event::Binary(data) => tx.send_binary(data).unwrap_or(()),
                Event::Close {
                    code,
                    reason,
                    was_clean,
                } => log(format_args!("closed {code} {reason:?} clean={was_clean}")),
                _ => {}
            },
            Ok(None) => return,
            Err(e) => {
                log(format_args!("failed: {e}"));
                return;
            }
        }
        if let Some(protocol) = accept {
            conn.accept(&AcceptOptions {
                protocol,
                ..AcceptOptions::default()
            })
            .expect("the protocol was offered");
        }
    }
}

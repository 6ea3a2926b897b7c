//! The Autobahn testee client: runs every case of `wstest -m fuzzingserver` against this
//! crate in the client role, echoing every message, then asks for the reports.
//!
//! ```text
//! cargo run --release --example autobahn_client -- ws://127.0.0.1:9011 rfc6455
//! ```

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use rfc6455::handshake::{ClientOptions, WsUrl};
use rfc6455::{Config, Connection, Event};

/// Runs one connection to `url`, echoing data messages; returns the first text received.
fn run(url: &str) -> std::io::Result<Option<String>> {
    let url = WsUrl::parse(url).map_err(std::io::Error::other)?;
    let mut stream = TcpStream::connect((url.host(), url.port()))?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut conn = Connection::client(&url, ClientOptions::new(), Config::default())
        .map_err(std::io::Error::other)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut first_text = None;
    loop {
        stream.write_all(conn.pending_output())?;
        conn.advance_output(usize::MAX);
        if conn.should_close_transport() {
            break;
        }
        match stream.read(&mut buf) {
            Ok(0) => conn.receive_eof(),
            Ok(n) => conn.receive(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => conn.receive_eof(),
            Err(e) => return Err(e),
        }
        loop {
            match conn.next_event() {
                Ok(Some((Event::Text(t), tx))) => {
                    first_text.get_or_insert_with(|| t.to_string());
                    let _ = tx.send_text(t);
                }
                Ok(Some((Event::Binary(b), tx))) => {
                    let _ = tx.send_binary(b);
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                // The close frame for the error is queued; send it and close.
                Err(_) => break,
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Write);
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
    Ok(first_text)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let base = args.next().unwrap_or_else(|| "ws://127.0.0.1:9011".into());
    let agent = args.next().unwrap_or_else(|| "rfc6455".into());
    let count: u32 = run(&format!("{base}/getCaseCount"))?
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| std::io::Error::other("no case count"))?;
    eprintln!("running {count} cases as agent {agent}");
    for case in 1..=count {
        if let Err(e) = run(&format!("{base}/runCase?case={case}&agent={agent}")) {
            eprintln!("case {case}: {e}");
        }
    }
    run(&format!("{base}/updateReports?agent={agent}"))?;
    eprintln!("reports updated");
    Ok(())
}

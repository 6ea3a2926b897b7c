//! An echo server on tokio: every text message comes back as text, every binary as binary.
//!
//! ```text
//! cargo run --release --example echo_server                  # 127.0.0.1:9001
//! cargo run --release --example echo_server -- 127.0.0.1:9100
//! ```
//!
//! It selects the first subprotocol a client offers, answers pings and the closing handshake,
//! and logs connects and closes. A client that sends without reading cannot grow the
//! server's memory: past `HIGH_WATER` bytes of unsent output, the server stops reading from
//! it until the output drains.

use std::net::SocketAddr;
use std::time::Duration;

use rfc6455::handshake::AcceptOptions;
use rfc6455::{Config, Connection, Event};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// Stop reading from a client while this much output waits for it.
const HIGH_WATER: usize = 1 << 20;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9001".into());
    let listener = TcpListener::bind(&addr).await?;
    eprintln!("echo server listening on ws://{}", listener.local_addr()?);
    loop {
        let (stream, peer) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(e) = serve(stream, peer).await {
                eprintln!("{peer}: I/O error: {e}");
            }
        });
    }
}

async fn serve(mut stream: TcpStream, peer: SocketAddr) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut config = Config::default();
    config.idle_ping = Some(Duration::from_secs(30));
    let mut conn = Connection::server(config);
    let start = Instant::now();
    let mut buf = vec![0u8; 16 * 1024];
    let (mut rd, mut wr) = stream.split();
    let mut eof = false;
    loop {
        // Handle every event the input so far produced.
        loop {
            let mut protocol = None;
            match conn.next_event() {
                Ok(Some((event, tx))) => match event {
                    Event::Request(req) => {
                        eprintln!(
                            "{peer}: connect {} (origin {:?})",
                            req.target(),
                            req.origin()
                        );
                        protocol = Some(req.protocols().next().map(String::from));
                    }
                    Event::Text(text) => tx.send_text(text).unwrap_or(()),
                    Event::Binary(data) => tx.send_binary(data).unwrap_or(()),
                    Event::Close {
                        code,
                        reason,
                        was_clean,
                    } => {
                        eprintln!("{peer}: closed {code} {reason:?} clean={was_clean}");
                    }
                    _ => {}
                },
                Ok(None) => break,
                Err(e) => {
                    eprintln!("{peer}: failed: {e}");
                    break;
                }
            }
            if let Some(protocol) = protocol {
                conn.accept(&AcceptOptions {
                    protocol,
                    ..AcceptOptions::default()
                })
                .expect("an offered protocol");
            }
        }
        if conn.should_close_transport() {
            break;
        }
        let deadline = conn.poll_timeout().map(|d| start + d);
        let pending = conn.buffered_amount() > 0;
        tokio::select! {
            r = rd.read(&mut buf), if !eof && conn.buffered_amount() < HIGH_WATER => {
                let n = r?;
                if n == 0 {
                    eof = true;
                    conn.receive_eof();
                } else {
                    conn.receive(&buf[..n]);
                }
            }
            w = wr.write(conn.pending_output()), if pending => {
                let n = w?;
                conn.advance_output(n);
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                conn.handle_timeout(start.elapsed());
            }
            else => break,
        }
    }
    // Lingering close: send FIN after the last frame, then let the peer close its side, so
    // that unread input does not turn our close into a reset that loses the final frame.
    wr.shutdown().await.ok();
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while rd.read(&mut buf).await.is_ok_and(|n| n > 0) {}
    })
    .await;
    Ok(())
}

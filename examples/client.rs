//! A client on tokio: connect to a `ws://` URL, send a line of text, print what comes back.
//!
//! ```text
//! cargo run --example client -- ws://127.0.0.1:9001/ "hello"
//! echo hello | cargo run --example client -- ws://127.0.0.1:9001/
//! ```
//!
//! A redirect (301, 302, 303, 307, 308) is not followed: the example prints its target.

use std::time::Duration;

use rfc6455::handshake::{ClientOptions, WsUrl};
use rfc6455::{CloseCode, Config, Connection, Error, Event, HandshakeError};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().unwrap_or_else(|| "ws://127.0.0.1:9001/".into());
    let text = match args.next() {
        Some(t) => t,
        None => {
            let mut line = String::new();
            tokio::io::BufReader::new(tokio::io::stdin())
                .read_line(&mut line)
                .await?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let url = WsUrl::parse(&url)?;
    if url.is_secure() {
        return Err("wss:// needs a TLS driver; this example speaks plain ws://".into());
    }
    let mut stream = TcpStream::connect((url.host(), url.port())).await?;
    stream.set_nodelay(true)?;
    let mut conn = Connection::client(&url, ClientOptions::new(), Config::default())?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = false;
    let result = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            stream.write_all(conn.pending_output()).await?;
            conn.advance_output(usize::MAX);
            if conn.should_close_transport() {
                return Ok::<_, Box<dyn std::error::Error>>(());
            }
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                conn.receive_eof();
            } else {
                conn.receive(&buf[..n]);
            }
            loop {
                let (event, tx) = match conn.next_event() {
                    Ok(Some(next)) => next,
                    Ok(None) => break,
                    Err(Error::Handshake(HandshakeError::UnexpectedStatus(resp))) => {
                        // A redirect or a refusal: say where to go instead, or why not.
                        return Err(match (resp.is_redirect(), resp.location()) {
                            (true, Some(to)) => format!("{} redirect to {to}", resp.status()),
                            _ => format!("refused: {} {}", resp.status(), resp.reason()),
                        }
                        .into());
                    }
                    Err(e) => return Err(e.into()),
                };
                match event {
                    Event::Open(resp) => {
                        eprintln!("connected (protocol {:?})", resp.protocol());
                        tx.send_text(&text)?;
                        sent = true;
                    }
                    Event::Text(reply) => {
                        println!("{reply}");
                        tx.close(CloseCode::NORMAL, "done")?;
                    }
                    Event::Binary(reply) => {
                        println!("{reply:02x?}");
                        tx.close(CloseCode::NORMAL, "done")?;
                    }
                    Event::Close { code, reason, .. } => eprintln!("closed: {code} {reason:?}"),
                    _ => {}
                }
            }
        }
    })
    .await;
    match result {
        Ok(r) => r?,
        Err(_) => return Err("timed out".into()),
    }
    if !sent {
        return Err("the connection closed before it opened".into());
    }
    stream.shutdown().await.ok();
    Ok(())
}

//! A client on tokio: connect to a `ws://` or `wss://` URL, send a line of text, print what
//! comes back.
//!
//! ```text
//! cargo run --example client -- ws://127.0.0.1:9001/ "hello"
//! echo hello | cargo run --example client -- ws://127.0.0.1:9001/
//! cargo run --example client -- wss://127.0.0.1:9443/ "hello" --ca cert.pem
//! ```
//!
//! `wss://` trusts webpki's roots (Mozilla's); `--ca FILE` adds the certificates of a PEM file
//! (a private CA, or a self-signed server certificate).
//!
//! A redirect (301, 302, 303, 307, 308) is not followed: the example prints its target.

use std::path::PathBuf;
use std::time::Duration;

#[path = "common/tls.rs"]
mod tls;

use rfc6455::handshake::{ClientOptions, WsUrl};
use rfc6455::{CloseCode, Config, Connection, Error, Event, HandshakeError};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (mut positional, mut ca) = (vec![], None);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--ca" => ca = Some(PathBuf::from(args.next().ok_or("--ca needs a PEM file")?)),
            _ => positional.push(a),
        }
    }
    let mut positional = positional.into_iter();
    let url = positional
        .next()
        .unwrap_or_else(|| "ws://127.0.0.1:9001/".into());
    let text = match positional.next() {
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
    let stream = TcpStream::connect((url.host(), url.port())).await?;
    stream.set_nodelay(true)?;
    if url.is_secure() {
        let config = tls::client_config(ca.as_deref(), &[b"http/1.1"])?;
        let stream = tls::connect(config, url.host(), stream).await?;
        talk(stream, &url, &text).await
    } else {
        talk(stream, &url, &text).await
    }
}

/// The WebSocket conversation, over a TCP or a TLS stream.
async fn talk<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    url: &WsUrl,
    text: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut conn = Connection::client(url, ClientOptions::new(), Config::default())?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = false;
    let result = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            stream.write_all(conn.pending_output()).await?;
            stream.flush().await?;
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
                        tx.send_text(text)?;
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

//! A WebSocket client over HTTP/2 (RFC 8441): hyper's HTTP/2 client opens an extended
//! CONNECT stream, and this crate runs the WebSocket on it. Sends each MESSAGE as text,
//! prints the echoes, and closes.
//!
//! ```text
//! cargo run --example hyper_server &                                  # h2c on 127.0.0.1:9004
//! cargo run --example h2_client -- ws://127.0.0.1:9004/ws hello world
//! cargo run --example h2_client -- wss://localhost:9443/ws hello --ca cert.pem   # TLS, ALPN h2
//! ```
//!
//! `ws://` is HTTP/2 over cleartext with prior knowledge (h2c); `wss://` is TLS offering only
//! `h2` in ALPN. The server must enable extended CONNECT (RFC 8441 §3).

mod connect;
#[path = "../common/tls.rs"]
mod tls;

use std::path::PathBuf;

use rfc6455::driver::Io;
use rfc6455::handshake::{ClientOptions, WsUrl};
use rfc6455::{CloseCode, Config, Event};
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

async fn run() -> Result<(), connect::BoxError> {
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
        .unwrap_or_else(|| "ws://127.0.0.1:9004/ws".into());
    let mut messages: Vec<String> = positional.collect();
    if messages.is_empty() {
        messages.push("hello over HTTP/2".into());
    }
    let url = WsUrl::parse(&url)?;
    let tcp = TcpStream::connect((url.host(), url.port())).await?;
    tcp.set_nodelay(true)?;
    let mut h2 = if url.is_secure() {
        let config = tls::client_config(ca.as_deref(), &[b"h2"])?;
        let tls = tls::connect(config, url.host(), tcp).await?;
        if tls.get_ref().1.alpn_protocol() != Some(b"h2") {
            return Err("the server did not choose h2 in ALPN".into());
        }
        connect::Http2::handshake(tls).await?
    } else {
        connect::Http2::handshake(tcp).await?
    };
    let (mut conn, mut io) = h2
        .websocket(&url, ClientOptions::new(), Config::default())
        .await?;
    eprintln!("open over HTTP/2 extended CONNECT: {}", url.resource());
    for m in &messages {
        conn.send_text(m)?;
    }
    let mut echoes = 0;
    while !conn.should_close_transport() {
        match io.wait(&mut conn).await? {
            Io::Idle => break,
            happened => io.apply(happened, &mut conn)?,
        }
        while let Some((event, _)) = conn.next_event()? {
            match event {
                Event::Text(text) => {
                    println!("{text}");
                    echoes += 1;
                }
                Event::Binary(data) => println!("<{} bytes>", data.len()),
                Event::Close { code, reason, .. } => eprintln!("closed {code} {reason:?}"),
                _ => {}
            }
        }
        if echoes == messages.len() && !conn.close_sent() {
            conn.close(CloseCode::NORMAL, "done")?;
        }
    }
    io.close().await;
    Ok(())
}

//! An echo WebSocket inside a hyper 1 server, over HTTP/1.1 and HTTP/2 (RFC 8441).
//!
//! ```text
//! cargo run --release --example hyper_server                    # http://127.0.0.1:9004
//! cargo run --release --example hyper_server -- 127.0.0.1:9100
//! cargo run --release --example hyper_server -- 127.0.0.1:9443 --tls cert.pem key.pem  # https
//! ```
//!
//! hyper_util's auto builder serves HTTP/1.1 and HTTP/2 on the same port: in plain mode
//! HTTP/2 is h2c with prior knowledge, with `--tls` ALPN offers `h2` and `http/1.1`. HTTP/2's
//! extended CONNECT is enabled (`SETTINGS_ENABLE_CONNECT_PROTOCOL`), so `/ws` upgrades from
//! an HTTP/1.1 `GET` (101) or from an HTTP/2 `CONNECT` with `:protocol: websocket` (200).
//! `/` serves a small page that opens `/ws`; `/stats` counts upgrades per HTTP version.
//! Each upgrade is logged (stderr) with the HTTP version it came over.

mod service;
#[path = "../common/tls.rs"]
mod tls;

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = tls::ServerArgs::parse("127.0.0.1:9004")
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let acceptor = args.acceptor(&[b"h2", b"http/1.1"])?;
    let listener = TcpListener::bind(&args.addr).await?;
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    eprintln!(
        "hyper server listening on {scheme}://{} (HTTP/1.1 and HTTP/2, WebSocket at /ws)",
        listener.local_addr()?
    );
    let app = Arc::new(service::App::new(|line| eprintln!("{line}")));
    loop {
        let (stream, peer) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let (acceptor, app) = (acceptor.clone(), app.clone());
        tokio::spawn(async move {
            let served = match acceptor {
                // hyper_util's protocol detection waits for the first bytes with no timeout
                // of its own: a client that sends nothing is dropped after 10 s.
                None => {
                    let mut first = [0u8; 1];
                    let peek = stream.peek(&mut first);
                    match tokio::time::timeout(Duration::from_secs(10), peek).await {
                        Ok(Ok(1..)) => app.serve_connection(stream, peer).await,
                        Ok(_) => Ok(()),
                        Err(_) => Err("no request within 10 s".into()),
                    }
                }
                // A client that never finishes the TLS handshake is dropped after 10 s.
                Some(acceptor) => {
                    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(tls)) => app.serve_connection(tls, peer).await,
                        Ok(Err(e)) => Err(format!("TLS handshake failed: {e}").into()),
                        Err(_) => Err("TLS handshake timed out".into()),
                    }
                }
            };
            if let Err(e) = served {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

//! An echo server on tokio: every text message comes back as text, every binary as binary.
//!
//! ```text
//! cargo run --release --example echo_server                  # 127.0.0.1:9001
//! cargo run --release --example echo_server -- 127.0.0.1:9100
//! cargo run --release --example echo_server -- 127.0.0.1:9443 --tls cert.pem key.pem   # wss://
//! ```
//!
//! It selects the first subprotocol a client offers, negotiates permessage-deflate when
//! offered, answers pings and the closing handshake, pings idle clients, and logs connects
//! and closes. A client that sends without reading cannot grow the server's memory: past
//! 1 MiB of unsent output, the driver stops reading from it until the output drains.

mod common;
#[path = "common/tls.rs"]
mod tls;

// mimalloc rather than glibc's malloc: with many connections, large transient buffers (a
// batch of 16 KiB echoes is 256 KiB of output, freed once written) make glibc trim and regrow
// its heap, and page faults then cost more than the WebSocket work (measured in
// benches/e2e: up to 2x the CPU per message, 200 ms stalls). The crate works with any allocator.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::time::Duration;

use rfc6455::driver::{Io, TokioDriver};
use rfc6455::{Config, Connection};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let args = tls::ServerArgs::parse("127.0.0.1:9001")
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let acceptor = args.acceptor(&[b"http/1.1"])?;
    let listener = TcpListener::bind(&args.addr).await?;
    let scheme = if acceptor.is_some() { "wss" } else { "ws" };
    eprintln!(
        "echo server listening on {scheme}://{}",
        listener.local_addr()?
    );
    loop {
        let (stream, peer) = listener.accept().await?;
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let served = match acceptor {
                None => match TokioDriver::new(stream) {
                    Ok(io) => serve(io, peer).await,
                    Err(e) => Err(e),
                },
                // A client that never finishes the TLS handshake is dropped after 10 s.
                Some(acceptor) => {
                    let _ = stream.set_nodelay(true);
                    match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                        .await
                    {
                        Ok(Ok(tls)) => serve(TokioDriver::with_stream(tls), peer).await,
                        Ok(Err(e)) => Err(e),
                        Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
                    }
                }
            };
            if let Err(e) = served {
                eprintln!("{peer}: I/O error: {e}");
            }
        });
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut io: TokioDriver<S>,
    peer: SocketAddr,
) -> std::io::Result<()> {
    let mut config = Config::default();
    config.idle_ping = Some(Duration::from_secs(30));
    let mut conn = Connection::server(config);
    loop {
        common::echo_events(&mut conn, &|m| eprintln!("{peer}: {m}"));
        if conn.should_close_transport() {
            break;
        }
        match io.wait(&mut conn).await? {
            Io::Idle => break,
            happened => io.apply(happened, &mut conn)?,
        }
    }
    io.close().await;
    Ok(())
}

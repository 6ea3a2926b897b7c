//! The echo server on smol instead of tokio, to show the state machine does not care which
//! runtime drives it: the same calls, another executor.
//!
//! ```text
//! cargo run --release --example echo_smol                  # 127.0.0.1:9003
//! cargo run --release --example echo_smol -- 127.0.0.1:9103
//! ```

mod common;

use std::time::{Duration, Instant};

use rfc6455::{Config, Connection};
use smol::io::{AsyncReadExt, AsyncWriteExt};
use smol::net::{TcpListener, TcpStream};

fn main() -> std::io::Result<()> {
    smol::block_on(async {
        let addr = std::env::args()
            .nth(1)
            .unwrap_or_else(|| "127.0.0.1:9003".into());
        let listener = TcpListener::bind(&addr).await?;
        eprintln!(
            "smol echo server listening on ws://{}",
            listener.local_addr()?
        );
        loop {
            let (stream, peer) = listener.accept().await?;
            smol::spawn(async move {
                if let Err(e) = serve(stream).await {
                    eprintln!("{peer}: I/O error: {e}");
                }
            })
            .detach();
        }
    })
}

/// What woke the loop up.
enum Wake {
    Read(std::io::Result<usize>),
    Timer,
}

async fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let start = Instant::now();
    let mut conn = Connection::server(Config::default());
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        // Read, or wake up for the connection's next timer, whichever comes first.
        let wait = conn
            .poll_timeout()
            .map(|t| t.saturating_sub(start.elapsed()));
        let read = async { Wake::Read(stream.read(&mut buf).await) };
        let wake = match wait {
            Some(d) => {
                smol::future::or(read, async {
                    smol::Timer::after(d).await;
                    Wake::Timer
                })
                .await
            }
            None => read.await,
        };
        match wake {
            Wake::Read(Ok(0)) => conn.receive_eof(),
            Wake::Read(Ok(n)) => conn.receive(&buf[..n]),
            Wake::Read(Err(e)) => return Err(e),
            Wake::Timer => {}
        }
        conn.handle_timeout(start.elapsed());
        common::echo_events(&mut conn, &|m| eprintln!("{m}"));
        // Writing everything before reading again is this driver's backpressure.
        stream.write_all(conn.pending_output()).await?;
        conn.advance_output(usize::MAX);
        if conn.should_close_transport() {
            stream.shutdown(std::net::Shutdown::Write)?;
            let linger = async { while stream.read(&mut buf).await.is_ok_and(|n| n > 0) {} };
            let timeout = async {
                smol::Timer::after(Duration::from_secs(2)).await;
            };
            smol::future::or(linger, timeout).await;
            return Ok(());
        }
    }
}

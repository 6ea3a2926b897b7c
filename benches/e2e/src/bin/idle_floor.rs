//! The floor of a tokio server's memory per idle connection: a task that upgrades, echoes the
//! load generator's one message, then only waits on its socket (no WebSocket state at all).
//! `loadgen idle` against it measures what tokio and the allocator cost by themselves.
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9106".into());
    let listener = TcpListener::bind(&addr).await?;
    eprintln!("idle floor on {addr}");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let Ok(mut stream) = rfc6455_e2e::upgrade(stream).await else {
                return;
            };
            // The generator's message: a masked 1 KiB binary frame (8-byte header).
            let mut frame = vec![0u8; 8 + 1024];
            if stream.read_exact(&mut frame).await.is_err() {
                return;
            }
            let key = [frame[4], frame[5], frame[6], frame[7]];
            let mut reply = vec![0x82, 126, 4, 0];
            reply.extend(frame[8..].iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
            drop(frame);
            if stream.write_all(&reply).await.is_err() {
                return;
            }
            drop(reply);
            // Wait until the peer closes (readiness can be stale: loop until a read says so).
            loop {
                if stream.readable().await.is_err() {
                    return;
                }
                match stream.try_read(&mut [0; 64]) {
                    Ok(0) => return,
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => return,
                }
            }
        });
    }
}

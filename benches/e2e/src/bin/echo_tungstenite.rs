//! tokio-tungstenite echo server, as in its own echo-server example (`forward` batches writes:
//! it flushes only when no further message is ready). Single-threaded tokio.
use futures_util::{StreamExt, TryStreamExt};
use tokio::net::TcpListener;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9102".into());
    let listener = TcpListener::bind(&addr).await?;
    eprintln!("tokio-tungstenite echo on {addr}");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            let (write, read) = ws.split();
            let _ = read
                .try_filter(|m| std::future::ready(m.is_text() || m.is_binary()))
                .forward(write)
                .await;
        });
    }
}

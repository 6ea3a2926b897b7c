//! tokio-websockets echo server, as in its own echo-server example. Single-threaded tokio.
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_websockets::ServerBuilder;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9104".into());
    let listener = TcpListener::bind(&addr).await?;
    eprintln!("tokio-websockets echo on {addr}");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(tokio::task::unconstrained(async move {
            let _ = stream.set_nodelay(true);
            let Ok((_req, mut ws)) = ServerBuilder::new().accept(stream).await else {
                return;
            };
            while let Some(Ok(msg)) = ws.next().await {
                if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
                    break;
                }
            }
        }));
    }
}

//! tokio-websockets echo server, as in its own echo-server example. Single-threaded tokio.
use futures_util::{SinkExt, StreamExt};
use tokio_websockets::ServerBuilder;

fn main() -> std::io::Result<()> {
    rfc6455_e2e::run("tokio-websockets echo", "127.0.0.1:9104", |stream| {
        tokio::task::unconstrained(async move {
            let _ = stream.set_nodelay(true);
            let Ok((_req, mut ws)) = ServerBuilder::new().accept(stream).await else {
                return;
            };
            while let Some(Ok(msg)) = ws.next().await {
                if (msg.is_text() || msg.is_binary()) && ws.send(msg).await.is_err() {
                    break;
                }
            }
        })
    })
}

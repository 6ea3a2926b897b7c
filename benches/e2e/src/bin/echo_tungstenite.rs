//! tokio-tungstenite echo server, as in its own echo-server example (`forward` batches writes:
//! it flushes only when no further message is ready). Single-threaded tokio.
use futures_util::{StreamExt, TryStreamExt};

fn main() -> std::io::Result<()> {
    rfc6455_e2e::run(
        "tokio-tungstenite echo",
        "127.0.0.1:9102",
        |stream| async move {
            let _ = stream.set_nodelay(true);
            let Ok(ws) = tokio_tungstenite::accept_async(stream).await else {
                return;
            };
            let (write, read) = ws.split();
            let _ = read
                .try_filter(|m| std::future::ready(m.is_text() || m.is_binary()))
                .forward(write)
                .await;
        },
    )
}

//! An axum 0.8 app whose WebSocket handler upgrades with this crate (not axum's
//! tungstenite-based extractor), over HTTP/1.1 and HTTP/2 (h2c, extended CONNECT).
//!
//! ```text
//! cargo run --example axum_server                    # http://127.0.0.1:9006, WebSocket at /ws
//! cargo run --example axum_server -- 127.0.0.1:9100
//! cargo run --example h2_client -- ws://127.0.0.1:9006/ws hello   # over HTTP/2
//! cargo run --example client -- ws://127.0.0.1:9006/ws hello      # over HTTP/1.1
//! ```
//!
//! The extractor is `ws.rs` beside this file: copy it into an axum app. `axum::serve` serves
//! HTTP/1.1 and h2c, and enables HTTP/2's extended CONNECT; routing `/ws` with `any` lets
//! both the `GET` and the `CONNECT` reach the handler.

mod ws;

use axum::response::{Html, Response};
use axum::routing::{any, get};
use axum::Router;
use rfc6455::driver::Io;
use rfc6455::handshake::AcceptOptions;
use rfc6455::{Connection, Event};

/// The app: a page at `/`, an echo WebSocket at `/ws`.
fn app() -> Router {
    Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/ws", any(upgrade))
}

/// Accepts the WebSocket with the first subprotocol offered, and echoes.
async fn upgrade(ws: ws::WebSocketUpgrade) -> Response {
    let via = if ws.is_http2() {
        "HTTP/2 CONNECT"
    } else {
        "HTTP/1.1 GET"
    };
    let options = AcceptOptions {
        protocol: ws.protocols().into_iter().next(),
        ..AcceptOptions::default()
    };
    eprintln!("upgrade via {via} (protocol {:?})", options.protocol);
    ws.on_upgrade(options, |conn, io| async move {
        if let Err(e) = echo(conn, io).await {
            eprintln!("I/O error: {e}");
        }
    })
}

/// The crate's driver loop: text back as text, binary as binary, until the close.
async fn echo(mut conn: Connection, mut io: ws::Driver) -> std::io::Result<()> {
    loop {
        while let Some((event, tx)) = conn.next_event().unwrap_or(None) {
            match event {
                Event::Text(text) => tx.send_text(text).unwrap_or(()),
                Event::Binary(data) => tx.send_binary(data).unwrap_or(()),
                Event::Close { code, reason, .. } => eprintln!("closed {code} {reason:?}"),
                _ => {}
            }
        }
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

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9006".into());
    if addr.starts_with('-') {
        eprintln!("usage: axum_server [ADDR (default 127.0.0.1:9006)]");
        std::process::exit(if addr == "--help" || addr == "-h" {
            0
        } else {
            2
        });
    }
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("axum server on http://{}", listener.local_addr()?);
    axum::serve(listener, app()).await
}

const PAGE: &str = r#"<!doctype html>
<meta charset="utf-8"><title>rfc6455 on axum</title>
<p>State: <b id="state">CONNECTING</b></p><pre id="log"></pre>
<script>
const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws");
const log = (t) => { document.getElementById("log").textContent += t + "\n"; };
ws.onopen = () => { document.getElementById("state").textContent = "OPEN"; ws.send("hello from the page"); };
ws.onmessage = (e) => log("< " + e.data);
ws.onclose = (e) => { document.getElementById("state").textContent = "CLOSED"; log("closed " + e.code); };
</script>
"#;

//! fastwebsockets echo server, as in its own echo-server example (FragmentCollector,
//! read_frame / write_frame), on a raw TcpStream: the upgrade is answered by hand here
//! instead of through hyper, which only makes fastwebsockets leaner. Single-threaded tokio.
use fastwebsockets::{FragmentCollector, OpCode, Role, WebSocket};
use rfc6455_e2e::upgrade;
use tokio::net::TcpListener;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9103".into());
    let listener = TcpListener::bind(&addr).await?;
    eprintln!("fastwebsockets echo on {addr}");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(tokio::task::unconstrained(async move {
            let Ok(stream) = upgrade(stream).await else {
                return;
            };
            let mut ws = FragmentCollector::new(WebSocket::after_handshake(stream, Role::Server));
            while let Ok(frame) = ws.read_frame().await {
                let echo = match frame.opcode {
                    OpCode::Close => break,
                    OpCode::Text | OpCode::Binary => ws.write_frame(frame).await,
                    _ => Ok(()),
                };
                if echo.is_err() {
                    break;
                }
            }
        }));
    }
}

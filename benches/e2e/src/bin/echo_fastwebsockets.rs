//! fastwebsockets echo server, as in its own echo-server example (FragmentCollector,
//! read_frame / write_frame), on a raw TcpStream: the upgrade is answered by hand here
//! instead of through hyper, which only makes fastwebsockets leaner. Single-threaded tokio.
use fastwebsockets::{FragmentCollector, OpCode, Role, WebSocket};

fn main() -> std::io::Result<()> {
    rfc6455_e2e::run("fastwebsockets echo", "127.0.0.1:9103", |stream| {
        tokio::task::unconstrained(async move {
            let Ok(stream) = rfc6455_e2e::upgrade(stream).await else {
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
        })
    })
}

//! fastwebsockets echo server, as in its own echo-server example (FragmentCollector,
//! read_frame / write_frame), on a raw TcpStream: the upgrade is answered by hand here
//! instead of through hyper, which only makes fastwebsockets leaner. Single-threaded tokio.
use fastwebsockets::{FragmentCollector, OpCode, Role, WebSocket};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9103".into());
    let listener = TcpListener::bind(&addr).await?;
    eprintln!("fastwebsockets echo on {addr}");
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(tokio::task::unconstrained(async move {
            let Ok(stream) = upgrade(stream).await else { return };
            let mut ws = FragmentCollector::new(WebSocket::after_handshake(stream, Role::Server));
            while let Ok(frame) = ws.read_frame().await {
                match frame.opcode {
                    OpCode::Close => break,
                    OpCode::Text | OpCode::Binary => {
                        if ws.write_frame(frame).await.is_err() {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        }));
    }
}

/// Reads the upgrade request and answers 101 (the load generator sends nothing before it).
async fn upgrade(mut stream: TcpStream) -> std::io::Result<TcpStream> {
    stream.set_nodelay(true)?;
    let mut buf = Vec::with_capacity(1024);
    let key = loop {
        if stream.read_buf(&mut buf).await? == 0 || buf.len() > 16 * 1024 {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(_)) = req.parse(&buf) {
            let key = req
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("sec-websocket-key"))
                .ok_or(std::io::ErrorKind::InvalidData)?;
            break rfc6455::handshake::accept_key(key.value);
        }
    };
    let key = std::str::from_utf8(&key).expect("base64 is ASCII");
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {key}\r\n\r\n"
    );
    stream.write_all(response.as_bytes()).await?;
    Ok(stream)
}

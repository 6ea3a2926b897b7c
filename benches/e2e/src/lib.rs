//! What the e2e binaries share: a minimal hand-written upgrade for the servers that get a raw
//! stream (fastwebsockets, and the tokio floor measurement).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads the upgrade request and answers 101 (the load generator sends nothing before it).
pub async fn upgrade(mut stream: TcpStream) -> std::io::Result<TcpStream> {
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

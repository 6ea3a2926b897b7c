//! What the e2e binaries share: the accept loop of a single-threaded tokio server, and a
//! minimal upgrade for the servers that get a raw stream (fastwebsockets, the tokio floor).

use std::future::Future;

use rfc6455::handshake::{accept_key, Request};
use rfc6455::{Config, Status};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Runs `serve` on every connection accepted on the address given as the first argument (or
/// `default_addr`), each in its own task, on a single-threaded tokio runtime.
pub fn run<F, Fut>(name: &str, default_addr: &str, serve: F) -> std::io::Result<()>
where
    F: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| default_addr.into());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let listener = TcpListener::bind(&addr).await?;
        eprintln!("{name} on {addr}");
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(serve(stream));
        }
    })
}

/// Reads the upgrade request (checked by this crate's parser) and answers 101; the load
/// generator sends nothing before the answer.
pub async fn upgrade(mut stream: TcpStream) -> std::io::Result<TcpStream> {
    stream.set_nodelay(true)?;
    let config = Config::default();
    let mut buf = Vec::with_capacity(1024);
    let key = loop {
        if stream.read_buf(&mut buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        match Request::parse(&buf, &config) {
            Ok(Status::Complete(req)) => break accept_key(req.key().as_bytes()),
            Ok(Status::Partial) => {}
            Err(_) => return Err(std::io::ErrorKind::InvalidData.into()),
        }
    };
    let key = std::str::from_utf8(&key).expect("base64 is ASCII");
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {key}\r\n\r\n"
    );
    stream.write_all(response.as_bytes()).await?;
    Ok(stream)
}

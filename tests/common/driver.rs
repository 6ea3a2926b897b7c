//! A minimal tokio driver for tests: owns a socket and a connection, hands out owned events.

use rfc6455::handshake::{AcceptOptions, ClientOptions, WsUrl};
use rfc6455::{Config, Connection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{own, Ev};

pub struct Driven {
    pub conn: Connection,
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Driven {
    pub fn new(conn: Connection, stream: TcpStream) -> Self {
        stream.set_nodelay(true).unwrap();
        Self {
            conn,
            stream,
            buf: vec![0; 64 * 1024],
        }
    }

    pub async fn connect(url: &str, options: ClientOptions, config: Config) -> Self {
        let url = WsUrl::parse(url).unwrap();
        let stream = TcpStream::connect((url.host(), url.port())).await.unwrap();
        Self::new(Connection::client(&url, options, config).unwrap(), stream)
    }

    pub async fn flush(&mut self) -> std::io::Result<()> {
        self.stream.write_all(self.conn.pending_output()).await?;
        self.conn.advance_output(usize::MAX);
        Ok(())
    }

    /// The next event, reading as needed; `None` once the connection has nothing more.
    pub async fn next(&mut self) -> Option<Ev> {
        loop {
            match self.conn.next_event() {
                Ok(Some((e, _))) => return Some(own(&e)),
                Ok(None) => {}
                Err(e) => return Some(Ev::Err(e)),
            }
            self.flush().await.ok()?;
            if self.conn.state() == rfc6455::State::Closed {
                return None;
            }
            match self.stream.read(&mut self.buf).await {
                Ok(0) | Err(_) => self.conn.receive_eof(),
                Ok(n) => self.conn.receive(&self.buf[..n]),
            }
        }
    }

    /// Closes the transport gracefully once everything was written.
    pub async fn finish(mut self) {
        let _ = self.flush().await;
        let _ = self.stream.shutdown().await;
        let mut sink = [0u8; 1024];
        while matches!(self.stream.read(&mut sink).await, Ok(n) if n > 0) {}
    }
}

/// Serves one connection as an echo server with this crate; returns the events it saw.
pub async fn echo_server(stream: TcpStream, config: Config) -> Vec<Ev> {
    let mut d = Driven::new(Connection::server(config), stream);
    let mut seen = vec![];
    while let Some(ev) = d.next().await {
        match &ev {
            Ev::Request(_) => d.conn.accept(&AcceptOptions::new()).unwrap(),
            Ev::Text(t) => d.conn.send_text(t).unwrap(),
            Ev::Binary(b) => d.conn.send_binary(b).unwrap(),
            _ => {}
        }
        let end = matches!(ev, Ev::Close(..) | Ev::Err(_));
        seen.push(ev);
        if end {
            break;
        }
    }
    d.finish().await;
    seen
}

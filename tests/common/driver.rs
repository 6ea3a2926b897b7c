//! A minimal tokio driver for tests: owns a socket and a connection, hands out owned events.

use rfc6455::driver::{Io, TokioDriver};
use rfc6455::handshake::{AcceptOptions, ClientOptions, WsUrl};
use rfc6455::{CloseCode, Config, Connection, Event};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
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

/// The echo server loop of the crate's [`TokioDriver`] over any stream; returns the events
/// it saw.
pub async fn echo_driven<S: AsyncRead + AsyncWrite + Unpin>(stream: S) -> Vec<Ev> {
    let mut conn = Connection::server(Config::default());
    let mut io = TokioDriver::with_stream(stream);
    let mut seen = vec![];
    loop {
        let mut accept = false;
        while let Some((event, tx)) = conn.next_event().unwrap_or(None) {
            seen.push(own(&event));
            match event {
                Event::Request(_) => accept = true,
                Event::Text(t) => tx.send_text(t).unwrap(),
                Event::Binary(b) => tx.send_binary(b).unwrap(),
                _ => {}
            }
        }
        if accept {
            conn.accept(&AcceptOptions::new()).unwrap();
        }
        if conn.should_close_transport() {
            break;
        }
        match io.wait(&mut conn).await.unwrap() {
            Io::Idle => break,
            happened => io.apply(happened, &mut conn).unwrap(),
        }
    }
    io.close().await;
    seen
}

/// A client on the [`TokioDriver`] over any stream: sends `messages` (text if UTF-8), waits for every echo, then closes with 1000.
pub async fn client_driven<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    url: &str,
    messages: &[Vec<u8>],
) -> Vec<Ev> {
    let url = WsUrl::parse(url).unwrap();
    let mut conn = Connection::client(&url, ClientOptions::new(), Config::default()).unwrap();
    let mut io = TokioDriver::with_stream(stream);
    let mut seen = vec![];
    let mut echoed = 0;
    loop {
        while let Some((event, _)) = conn.next_event().unwrap_or(None) {
            let ev = own(&event);
            match ev {
                Ev::Open(_) => {
                    for m in messages {
                        match std::str::from_utf8(m) {
                            Ok(t) => conn.send_text(t).unwrap(),
                            Err(_) => conn.send_binary(m).unwrap(),
                        }
                    }
                    if messages.is_empty() {
                        conn.close(CloseCode(1000), "done").unwrap();
                    }
                }
                Ev::Text(_) | Ev::Binary(_) => {
                    echoed += 1;
                    if echoed == messages.len() {
                        conn.close(CloseCode(1000), "done").unwrap();
                    }
                }
                _ => {}
            }
            seen.push(ev);
        }
        if conn.should_close_transport() {
            break;
        }
        match io.wait(&mut conn).await.unwrap() {
            Io::Idle => break,
            happened => io.apply(happened, &mut conn).unwrap(),
        }
    }
    io.close().await;
    seen
}

//! The tokio driver over streams other than `TcpStream`: a stream that holds written bytes
//! until it is flushed (as a TLS stream holds records), and a stream that reads and writes a
//! few bytes at a time. Both ends use the driver; every test is bounded.

mod common;

use common::{own, Ev};
use rfc6455::driver::{Io, TokioDriver};
use rfc6455::handshake::{AcceptOptions, ClientOptions, WsUrl};
use rfc6455::{CloseCode, Config, Connection, Event};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, BufStream, DuplexStream, ReadBuf};

/// Reads at most `read` and writes at most `write` bytes per call.
struct Trickle {
    inner: DuplexStream,
    read: usize,
    write: usize,
}

impl AsyncRead for Trickle {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let n = self.read.min(buf.remaining());
        let mut small = vec![0; n];
        let mut small_buf = ReadBuf::new(&mut small);
        match Pin::new(&mut self.inner).poll_read(cx, &mut small_buf) {
            Poll::Ready(Ok(())) => {
                buf.put_slice(small_buf.filled());
                Poll::Ready(Ok(()))
            }
            other => other,
        }
    }
}

impl AsyncWrite for Trickle {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let n = self.write.min(data.len());
        Pin::new(&mut self.inner).poll_write(cx, &data[..n])
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The echo server loop over any stream; returns the events it saw.
async fn echo_server<S: AsyncRead + AsyncWrite + Unpin>(stream: S) -> Vec<Ev> {
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

/// A client that sends `messages`, waits for every echo, then closes with 1000.
async fn client<S: AsyncRead + AsyncWrite + Unpin>(stream: S, messages: &[Vec<u8>]) -> Vec<Ev> {
    let url = WsUrl::parse("ws://127.0.0.1/").unwrap();
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

fn messages() -> Vec<Vec<u8>> {
    vec![
        b"hello".to_vec(),
        vec![],
        vec![0xff; 125],
        "é".repeat(35_000).into_bytes(),
        (0..1 << 20).map(|i| (i % 251) as u8).collect(),
        b"last".to_vec(),
    ]
}

fn expected_echoes(messages: &[Vec<u8>]) -> Vec<Ev> {
    messages
        .iter()
        .map(|m| match String::from_utf8(m.clone()) {
            Ok(t) => Ev::Text(t),
            Err(_) => Ev::Binary(m.clone()),
        })
        .collect()
}

async fn check<A, B>(server_stream: A, client_stream: B)
where
    A: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    B: AsyncRead + AsyncWrite + Unpin,
{
    let msgs = messages();
    let server = tokio::spawn(echo_server(server_stream));
    let seen = tokio::time::timeout(Duration::from_secs(20), client(client_stream, &msgs))
        .await
        .expect("the client finished");
    let server_seen = tokio::time::timeout(Duration::from_secs(20), server)
        .await
        .expect("the server finished")
        .unwrap();
    let echoes: Vec<Ev> = seen
        .iter()
        .filter(|e| matches!(e, Ev::Text(_) | Ev::Binary(_)))
        .cloned()
        .collect();
    assert_eq!(echoes, expected_echoes(&msgs));
    // The server's reply echoes the code, without a reason.
    assert_eq!(seen.last(), Some(&Ev::Close(1000, String::new(), true)));
    assert_eq!(
        server_seen.last(),
        Some(&Ev::Close(1000, "done".into(), true))
    );
}

/// A stream that holds what is written until it is flushed (tokio's `BufStream`, as a TLS
/// stream holds records): the driver flushes, so echoes and the closing handshake arrive.
#[tokio::test]
async fn a_stream_that_buffers_writes_until_flushed() {
    let (a, b) = tokio::io::duplex(64 * 1024);
    check(BufStream::new(a), BufStream::new(b)).await;
}

/// Reads of 1 byte and writes of 7 bytes at a time, on both ends: every partial read and
/// partial write is carried through.
#[tokio::test]
async fn a_stream_that_reads_and_writes_a_few_bytes_at_a_time() {
    let (a, b) = tokio::io::duplex(1024);
    let server = Trickle {
        inner: a,
        read: 1,
        write: 7,
    };
    let client = Trickle {
        inner: b,
        read: 3,
        write: 1000,
    };
    check(server, client).await;
}

/// The end of the stream before any handshake: the server gives up (1006) and finishes.
#[tokio::test]
async fn end_of_stream_before_the_handshake_finishes_the_server() {
    let (a, b) = tokio::io::duplex(1024);
    drop(b);
    let seen = tokio::time::timeout(Duration::from_secs(5), echo_server(a))
        .await
        .expect("the server finished");
    assert!(seen.iter().all(|e| !matches!(e, Ev::Text(_))));
}

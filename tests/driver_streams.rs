//! The tokio driver over streams other than `TcpStream`: a stream that holds written bytes
//! until it is flushed (as a TLS stream holds records), and a stream that reads and writes a
//! few bytes at a time. Both ends use the driver; every test is bounded.

mod common;

use common::driver::{client_driven, echo_driven};
use common::Ev;
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
    let server = tokio::spawn(echo_driven(server_stream));
    let seen = tokio::time::timeout(
        Duration::from_secs(20),
        client_driven(client_stream, "ws://127.0.0.1/", &msgs),
    )
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
    let seen = tokio::time::timeout(Duration::from_secs(5), echo_driven(a))
        .await
        .expect("the server finished");
    assert!(seen.iter().all(|e| !matches!(e, Ev::Text(_))));
}

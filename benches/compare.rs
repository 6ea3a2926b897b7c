//! Side-by-side benchmarks: this crate, tungstenite and fastwebsockets on the same bytes, plus
//! `memcpy` of those bytes as the physical reference. Every implementation really delivers
//! every payload (each is checksummed), and receiving includes one copy of the wire bytes
//! into the receiver's buffer, as a socket read would do.
//!
//! `cargo bench --bench compare`; `python3 benches/report.py` prints the table.

use std::hint::black_box;
use std::io::{Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rfc6455::{Config, Connection, Event, Role};

const SIZES: [usize; 5] = [16, 125, 1024, 16 * 1024, 1 << 20];
/// About this many payload bytes per iteration (at least one message).
const BATCH: usize = 1 << 20;

fn count(size: usize) -> usize {
    (BATCH / size).max(1)
}

/// A cheap checksum that still touches every payload: its length and three of its bytes.
#[inline]
fn sum(p: &[u8]) -> u64 {
    match p {
        [] => 0,
        [a, .., b] => p.len() as u64 + u64::from(*a) + u64::from(*b) + u64::from(p[p.len() / 2]),
        [a] => 1 + u64::from(*a),
    }
}

fn payload(size: usize, text: bool) -> Vec<u8> {
    if text {
        // Mostly ASCII with some multi-byte characters.
        let unit = "The quick brown fox jumps over the lazy dog — κόσμε, 😀. ";
        let mut s = unit.repeat(size / unit.len() + 2);
        let mut cut = size;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        while s.len() < size {
            s.push('.');
        }
        s.into_bytes()
    } else {
        (0..size).map(|i| (i * 31 + 7) as u8).collect()
    }
}

/// `n` masked client frames carrying `p`, as a server receives them.
fn client_wire(p: &[u8], text: bool, n: usize, frame_size: usize) -> Vec<u8> {
    let mut c = Connection::open(Role::Client, no_deflate());
    for _ in 0..n {
        if frame_size >= p.len() {
            if text {
                c.send_text(std::str::from_utf8(p).unwrap()).unwrap();
            } else {
                c.send_binary(p).unwrap();
            }
        } else {
            let s = std::str::from_utf8(p).unwrap();
            let mut start = 0;
            while start < p.len() {
                let mut end = (start + frame_size).min(p.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                c.send_text_fragment(&s[start..end], end == p.len())
                    .unwrap();
                start = end;
            }
        }
    }
    let mut out = Vec::new();
    c.take_output(&mut out);
    out
}

fn no_deflate() -> Config {
    #[allow(unused_mut)]
    let mut c = Config::default();
    #[cfg(feature = "deflate")]
    {
        c.deflate = None;
    }
    // RETAIN=1: buffers keep their capacity between batches, as a busy server may configure.
    if std::env::var("RETAIN").is_ok_and(|v| v == "1") {
        c.retain_buffer = 4 << 20;
    }
    c.max_message_size = 64 << 20;
    c
}

/// An in-memory transport: reads hand out the prepared bytes (the one copy into the
/// receiver's buffer), writes are counted and dropped.
struct Mem {
    input: Vec<u8>,
    pos: usize,
    written: usize,
}

impl Mem {
    fn new(input: Vec<u8>) -> Self {
        Self {
            input,
            pos: 0,
            written: 0,
        }
    }
}

impl Read for Mem {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = &self.input[self.pos..];
        if rest.is_empty() {
            return Err(std::io::ErrorKind::WouldBlock.into());
        }
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for Mem {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.written += buf.len();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for Mem {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        let rest = &this.input[this.pos..];
        let n = rest.len().min(buf.remaining());
        buf.put_slice(&rest[..n]);
        this.pos += n;
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for Mem {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.written += buf.len();
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

fn tungstenite_config() -> tungstenite::protocol::WebSocketConfig {
    tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(64 << 20))
}

/// Receives `n` messages with this crate; returns the checksum.
fn ours_receive(conn: &mut Connection, wire: &[u8], n: usize) -> u64 {
    conn.receive(wire);
    let mut total = 0;
    let mut got = 0;
    while let Some((ev, _)) = conn.next_event().unwrap() {
        total += match ev {
            Event::Text(t) => sum(t.as_bytes()),
            Event::Binary(b) => sum(b),
            _ => 0,
        };
        got += 1;
    }
    assert_eq!(got, n);
    total
}

fn tungstenite_receive(ws: &mut tungstenite::WebSocket<Mem>, wire: &[u8], n: usize) -> u64 {
    let mem = ws.get_mut();
    mem.input.clear();
    mem.input.extend_from_slice(wire);
    mem.pos = 0;
    let mut total = 0;
    for _ in 0..n {
        total += match ws.read().unwrap() {
            tungstenite::Message::Text(t) => sum(t.as_bytes()),
            tungstenite::Message::Binary(b) => sum(&b),
            _ => 0,
        };
    }
    total
}

fn fastwebsockets_receive(rt: &tokio::runtime::Runtime, wire: &[u8], n: usize, text: bool) -> u64 {
    use fastwebsockets::{FragmentCollector, OpCode, Role as FRole, WebSocket};
    rt.block_on(async {
        let mut ws = WebSocket::after_handshake(Mem::new(wire.to_vec()), FRole::Server);
        ws.set_max_message_size(64 << 20);
        let mut total = 0;
        if text {
            // The collector validates UTF-8 and reassembles, as text requires.
            let mut ws = FragmentCollector::new(ws);
            for _ in 0..n {
                let f = ws.read_frame().await.unwrap();
                assert_eq!(f.opcode, OpCode::Text);
                total += sum(&f.payload);
            }
        } else {
            for _ in 0..n {
                let f = ws.read_frame().await.unwrap();
                total += sum(&f.payload);
            }
        }
        total
    })
}

fn receive(c: &mut Criterion) {
    let rt = runtime();
    for text in [false, true] {
        let kind = if text { "text" } else { "binary" };
        let mut g = c.benchmark_group(format!("receive_{kind}"));
        for size in SIZES {
            let n = count(size);
            let p = payload(size, text);
            let wire = client_wire(&p, text, n, usize::MAX);
            let expect = n as u64 * sum(&p);
            g.throughput(Throughput::Bytes((n * size) as u64));
            g.bench_with_input(BenchmarkId::new("memcpy", size), &wire, |b, wire| {
                let mut dst = vec![0u8; wire.len()];
                b.iter(|| {
                    dst.copy_from_slice(black_box(wire));
                    black_box(&dst);
                })
            });
            g.bench_with_input(BenchmarkId::new("rfc6455", size), &wire, |b, wire| {
                let mut conn = Connection::open(Role::Server, no_deflate());
                b.iter(|| assert_eq!(ours_receive(&mut conn, black_box(wire), n), expect))
            });
            g.bench_with_input(BenchmarkId::new("tungstenite", size), &wire, |b, wire| {
                let mut ws = tungstenite::WebSocket::from_raw_socket(
                    Mem::new(vec![]),
                    tungstenite::protocol::Role::Server,
                    Some(tungstenite_config()),
                );
                b.iter(|| assert_eq!(tungstenite_receive(&mut ws, black_box(wire), n), expect))
            });
            g.bench_with_input(
                BenchmarkId::new("fastwebsockets", size),
                &wire,
                |b, wire| {
                    b.iter(|| {
                        assert_eq!(
                            fastwebsockets_receive(&rt, black_box(wire), n, text),
                            expect
                        )
                    })
                },
            );
        }
        g.finish();
    }

    // 1 MiB text messages in 64 KiB fragments.
    let mut g = c.benchmark_group("receive_fragmented");
    let size = 1 << 20;
    let p = payload(size, true);
    let wire = client_wire(&p, true, 1, 64 << 10);
    let expect = sum(&p);
    g.throughput(Throughput::Bytes(size as u64));
    g.bench_function("memcpy", |b| {
        let mut dst = vec![0u8; wire.len()];
        b.iter(|| {
            dst.copy_from_slice(black_box(&wire));
            black_box(&dst);
        })
    });
    g.bench_function("rfc6455", |b| {
        let mut conn = Connection::open(Role::Server, no_deflate());
        b.iter(|| assert_eq!(ours_receive(&mut conn, black_box(&wire), 1), expect))
    });
    g.bench_function("tungstenite", |b| {
        let mut ws = tungstenite::WebSocket::from_raw_socket(
            Mem::new(vec![]),
            tungstenite::protocol::Role::Server,
            Some(tungstenite_config()),
        );
        b.iter(|| assert_eq!(tungstenite_receive(&mut ws, black_box(&wire), 1), expect))
    });
    g.bench_function("fastwebsockets", |b| {
        b.iter(|| {
            assert_eq!(
                fastwebsockets_receive(&rt, black_box(&wire), 1, true),
                expect
            )
        })
    });
    g.finish();
}

fn send(c: &mut Criterion) {
    let rt = runtime();
    for role in [Role::Client, Role::Server] {
        let name = if role == Role::Client {
            "client"
        } else {
            "server"
        };
        let mut g = c.benchmark_group(format!("send_{name}"));
        for size in SIZES {
            let n = count(size);
            let p = payload(size, false);
            g.throughput(Throughput::Bytes((n * size) as u64));
            g.bench_function(BenchmarkId::new("memcpy", size), |b| {
                let mut dst = vec![0u8; size];
                b.iter(|| {
                    for _ in 0..n {
                        dst.copy_from_slice(black_box(&p));
                        black_box(&dst);
                    }
                })
            });
            g.bench_function(BenchmarkId::new("rfc6455", size), |b| {
                let mut conn = Connection::open(role, no_deflate());
                b.iter(|| {
                    for _ in 0..n {
                        conn.send_binary(black_box(&p)).unwrap();
                    }
                    let written = conn.pending_output().len();
                    conn.advance_output(written);
                    black_box(written)
                })
            });
            g.bench_function(BenchmarkId::new("tungstenite", size), |b| {
                let trole = if role == Role::Client {
                    tungstenite::protocol::Role::Client
                } else {
                    tungstenite::protocol::Role::Server
                };
                let mut ws = tungstenite::WebSocket::from_raw_socket(
                    Mem::new(vec![]),
                    trole,
                    Some(tungstenite_config()),
                );
                let msg = tungstenite::Message::binary(p.clone());
                b.iter(|| {
                    for _ in 0..n {
                        ws.write(msg.clone()).unwrap();
                    }
                    ws.flush().unwrap();
                    black_box(ws.get_ref().written)
                })
            });
            g.bench_function(BenchmarkId::new("fastwebsockets", size), |b| {
                use fastwebsockets::{Frame, Payload, Role as FRole, WebSocket};
                let frole = if role == Role::Client {
                    FRole::Client
                } else {
                    FRole::Server
                };
                let mut ws = WebSocket::after_handshake(Mem::new(vec![]), frole);
                b.iter(|| {
                    rt.block_on(async {
                        for _ in 0..n {
                            ws.write_frame(Frame::binary(Payload::Borrowed(black_box(&p))))
                                .await
                                .unwrap();
                        }
                        ws.flush().await.unwrap();
                    })
                })
            });
        }
        g.finish();
    }
}

const CHROMIUM: &[u8] = include_bytes!("../tests/data/request-chromium.bin");

fn handshake(c: &mut Criterion) {
    let mut g = c.benchmark_group("handshake");
    g.bench_function("rfc6455", |b| {
        b.iter(|| {
            let mut conn = Connection::server(no_deflate());
            conn.receive(black_box(CHROMIUM));
            let proto = match conn.next_event().unwrap() {
                Some((Event::Request(req), _)) => req.protocols().next().map(String::from),
                _ => unreachable!(),
            };
            conn.accept(&rfc6455::handshake::AcceptOptions {
                protocol: proto,
                ..Default::default()
            })
            .unwrap();
            black_box(conn.pending_output().len())
        })
    });
    g.bench_function("rfc6455+deflate", |b| {
        b.iter(|| {
            let mut conn = Connection::server(Config::default());
            conn.receive(black_box(CHROMIUM));
            assert!(conn.next_event().unwrap().is_some());
            conn.accept(&rfc6455::handshake::AcceptOptions::new())
                .unwrap();
            black_box(conn.pending_output().len())
        })
    });
    g.bench_function("tungstenite", |b| {
        b.iter(|| {
            let ws = tungstenite::accept(Mem::new(CHROMIUM.to_vec())).unwrap();
            black_box(ws.get_ref().written)
        })
    });
    g.finish();
}

fn primitives(c: &mut Criterion) {
    let mut g = c.benchmark_group("primitives");
    for size in [16usize, 4096, 1 << 20] {
        let data = payload(size, false);
        g.throughput(Throughput::Bytes(size as u64));
        g.bench_function(BenchmarkId::new("memcpy", size), |b| {
            let mut dst = vec![0u8; size];
            b.iter(|| {
                dst.copy_from_slice(black_box(&data));
                black_box(&dst);
            })
        });
        g.bench_function(BenchmarkId::new("unmask_in_place", size), |b| {
            let mut buf = data.clone();
            b.iter(|| {
                rfc6455::apply_mask(black_box(&mut buf), [1, 2, 3, 4], 0);
                black_box(&buf);
            })
        });
        let text = payload(size, true);
        g.bench_function(BenchmarkId::new("utf8_validate", size), |b| {
            b.iter(|| black_box(rfc6455::utf8::validate_prefix(black_box(&text)).unwrap()))
        });
        g.bench_function(BenchmarkId::new("utf8_std", size), |b| {
            b.iter(|| black_box(std::str::from_utf8(black_box(&text)).unwrap().len()))
        });
    }
    let header = [0x81u8, 0xFE, 0x01, 0x00, 1, 2, 3, 4];
    g.throughput(Throughput::Elements(1));
    g.bench_function("frame_header_parse", |b| {
        b.iter(|| black_box(rfc6455::FrameHeader::parse(black_box(&header)).unwrap()))
    });
    g.bench_function("request_parse", |b| {
        b.iter(|| {
            let r = rfc6455::handshake::Request::parse(black_box(CHROMIUM), &Config::default())
                .unwrap();
            black_box(matches!(r, rfc6455::Status::Complete(_)))
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! { name = benches; config = config(); targets = receive, send, handshake, primitives }
criterion_main!(benches);

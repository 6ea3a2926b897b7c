//! Load generator for WebSocket echo servers (any implementation, on loopback).
//!
//! ```text
//! loadgen load --addr 127.0.0.1:9101 --conns 100 --size 20 [--depth 16] [--secs 4]
//!              [--warmup 1] [--pid SERVER_PID] [--label NAME]
//! loadgen idle --addr 127.0.0.1:9101 --conns 1000 --pid SERVER_PID [--label NAME]
//! ```
//!
//! `load`: every connection sends `depth` masked binary messages of `size` bytes in one write,
//! then reads the `depth` echoes and checks each byte for byte, and repeats (pipelining). The
//! round trip of a message is the time from the start of its batch's write to the end of its
//! echo. Counted only in the measurement window, after the warm-up. With `--pid`, the server's
//! CPU time (sum of its threads' /proc schedstat) over the window gives CPU per message.
//!
//! `idle`: opens `conns` connections, echoes one 1 KiB message on each, leaves them idle, and
//! reports how much the server's resident memory grew per connection.
//!
//! Prints one JSON object per run on stdout. Runs on a single-threaded tokio runtime, so
//! pinning it to one core (`taskset -c 1`) pins the whole generator.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rfc6455::frame::write_frame;
use rfc6455::{FrameHeader, OpCode, Status};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const WARMUP: u8 = 0;
const MEASURE: u8 = 1;
const STOP: u8 = 2;

#[derive(Clone, Debug)]
struct Args {
    mode: String,
    addr: String,
    conns: usize,
    size: usize,
    depth: usize,
    secs: f64,
    warmup: f64,
    pid: Option<u32>,
    label: String,
}

fn parse_args() -> Args {
    let mut it = std::env::args().skip(1);
    let mode = it.next().unwrap_or_else(|| usage("missing mode"));
    let mut a = Args {
        mode,
        addr: "127.0.0.1:9001".into(),
        conns: 100,
        size: 20,
        depth: 16,
        secs: 4.0,
        warmup: 1.0,
        pid: None,
        label: String::new(),
    };
    while let Some(flag) = it.next() {
        let v = it
            .next()
            .unwrap_or_else(|| usage(&format!("{flag} needs a value")));
        let num = |v: &str| {
            v.parse::<f64>()
                .unwrap_or_else(|_| usage(&format!("bad {flag}")))
        };
        match flag.as_str() {
            "--addr" => a.addr = v,
            "--conns" => a.conns = num(&v) as usize,
            "--size" => a.size = num(&v) as usize,
            "--depth" => a.depth = (num(&v) as usize).max(1),
            "--secs" => a.secs = num(&v),
            "--warmup" => a.warmup = num(&v),
            "--pid" => a.pid = Some(num(&v) as u32),
            "--label" => a.label = v,
            _ => usage(&format!("unknown flag {flag}")),
        }
    }
    a
}

fn usage(why: &str) -> ! {
    eprintln!("loadgen: {why}\nusage: loadgen load|idle --addr A --conns N [--size S --depth K --secs T --warmup W --pid P --label L]");
    std::process::exit(2)
}

fn main() {
    let args = parse_args();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let result = match args.mode.as_str() {
        "load" => rt.block_on(load(args)),
        "idle" => rt.block_on(idle(args)),
        m => usage(&format!("unknown mode {m}")),
    };
    if let Err(e) = result {
        eprintln!("loadgen: {e}");
        std::process::exit(1);
    }
}

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A connection that has completed the opening handshake, with bytes read past it.
struct Conn {
    stream: TcpStream,
    rbuf: Vec<u8>,
    pos: usize,
}

async fn connect(addr: &str) -> Res<Conn> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    stream
        .write_all(
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        .await?;
    let mut rbuf = Vec::with_capacity(64 * 1024);
    loop {
        if stream.read_buf(&mut rbuf).await? == 0 {
            return Err("server closed during the handshake".into());
        }
        if let Some(end) = rbuf.windows(4).position(|w| w == b"\r\n\r\n") {
            if !rbuf.starts_with(b"HTTP/1.1 101") {
                return Err(format!(
                    "handshake refused: {}",
                    String::from_utf8_lossy(&rbuf[..end])
                )
                .into());
            }
            let accept = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
            if !rbuf[..end].windows(accept.len()).any(|w| w == accept) {
                return Err("wrong Sec-WebSocket-Accept".into());
            }
            return Ok(Conn {
                stream,
                rbuf,
                pos: end + 4,
            });
        }
    }
}

/// `depth` masked binary frames carrying `payload`, back to back.
fn batch(payload: &[u8], depth: usize, key: [u8; 4]) -> Vec<u8> {
    let mut frame = Vec::new();
    write_frame(&mut frame, true, 0, OpCode::Binary, Some(key), payload);
    frame.repeat(depth)
}

impl Conn {
    async fn expect_echo(&mut self, expect: &[u8]) -> Res<()> {
        expect_echo(&mut self.stream, &mut self.rbuf, &mut self.pos, expect).await
    }
}

/// Reads the next data frame from the server (skipping pings and pongs) and checks that its
/// payload equals `expect`. `rbuf[*pos..]` holds bytes read but not parsed yet.
async fn expect_echo<R: AsyncRead + Unpin>(
    rd: &mut R,
    rbuf: &mut Vec<u8>,
    pos: &mut usize,
    expect: &[u8],
) -> Res<()> {
    loop {
        if let Some((consumed, outcome)) = parse(&rbuf[*pos..], expect) {
            *pos += consumed;
            match outcome? {
                true => return Ok(()),
                false => continue,
            }
        }
        if *pos > 0 {
            rbuf.drain(..*pos);
            *pos = 0;
        }
        rbuf.reserve(64 * 1024);
        if rd.read_buf(rbuf).await? == 0 {
            return Err("server closed the connection".into());
        }
    }
}

#[derive(Default)]
struct Stats {
    messages: u64,
    rtts: Vec<u32>,
}

async fn run_conn(id: usize, args: Arc<Args>, phase: Arc<AtomicU8>) -> Res<Stats> {
    let mut conn = connect(&args.addr).await?;
    let payload: Vec<u8> = (0..args.size)
        .map(|i| (i.wrapping_mul(7) ^ id.wrapping_mul(31)) as u8)
        .collect();
    let key = (id as u32).wrapping_mul(0x9e37_79b9).to_be_bytes();
    let wire = batch(&payload, args.depth, key);
    let mut stats = Stats::default();
    loop {
        let p = phase.load(Ordering::Relaxed);
        if p == STOP {
            return Ok(stats);
        }
        let t0 = Instant::now();
        let Conn { stream, rbuf, pos } = &mut conn;
        let (mut rd, mut wr) = stream.split();
        let write = wr.write_all(&wire);
        let read = async {
            for _ in 0..args.depth {
                expect_echo(&mut rd, rbuf, pos, &payload).await?;
                if phase.load(Ordering::Relaxed) == MEASURE {
                    stats.messages += 1;
                    stats
                        .rtts
                        .push(t0.elapsed().as_nanos().min(u32::MAX as u128) as u32);
                }
            }
            Res::Ok(())
        };
        let (w, r) = tokio::join!(write, read);
        w?;
        r?;
    }
}

/// Parses one server frame at the start of `avail`: `None` if incomplete, else the bytes it
/// takes and `Ok(true)` for a data frame equal to `expect`, `Ok(false)` for a ping or pong.
fn parse(avail: &[u8], expect: &[u8]) -> Option<(usize, Res<bool>)> {
    let (h, hlen) = match FrameHeader::parse(avail) {
        Ok(Status::Complete(x)) => x,
        Ok(Status::Partial) => return None,
        Err(e) => return Some((0, Err(format!("bad frame from the server: {e}").into()))),
    };
    if h.mask.is_some() {
        return Some((0, Err("server sent a masked frame".into())));
    }
    let len = hlen + usize::try_from(h.payload_len).ok()?;
    let payload = avail.get(hlen..len)?;
    let outcome = match (h.fin, h.rsv, h.opcode) {
        (true, 0, OpCode::Binary | OpCode::Text) if payload == expect => Ok(true),
        (true, 0, OpCode::Binary | OpCode::Text) => Err(format!(
            "echo differs: {} bytes back for {} sent",
            payload.len(),
            expect.len()
        )
        .into()),
        (true, 0, OpCode::Ping | OpCode::Pong) => Ok(false),
        (true, 0, OpCode::Close) => Err("server closed the connection".into()),
        (fin, rsv, op) => Err(format!("unexpected frame {op:?} fin={fin} rsv={rsv}").into()),
    };
    Some((len, outcome))
}

/// CPU time of every thread of `pid`, in nanoseconds.
fn cpu_ns(pid: u32) -> u64 {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    dir.filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// Resident memory of `pid` in KiB, from smaps_rollup (exact: it walks the page tables),
/// falling back to status's VmRSS (which recent kernels only approximate).
fn rss_kib(pid: u32) -> u64 {
    let field = |file: &str, name: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/{file}"))
            .ok()?
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    field("smaps_rollup", "Rss:")
        .or_else(|| field("status", "VmRSS:"))
        .unwrap_or(0)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

async fn load(args: Args) -> Res<()> {
    let args = Arc::new(args);
    let phase = Arc::new(AtomicU8::new(WARMUP));
    let mut tasks = Vec::with_capacity(args.conns);
    for id in 0..args.conns {
        tasks.push(tokio::spawn(run_conn(id, args.clone(), phase.clone())));
    }
    tokio::time::sleep(Duration::from_secs_f64(args.warmup)).await;
    let (cpu0, me0) = (args.pid.map(cpu_ns), cpu_ns(std::process::id()));
    let t0 = Instant::now();
    phase.store(MEASURE, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs_f64(args.secs)).await;
    phase.store(STOP, Ordering::Relaxed);
    let elapsed = t0.elapsed().as_secs_f64();
    let (cpu1, me1) = (args.pid.map(cpu_ns), cpu_ns(std::process::id()));
    let mut messages = 0u64;
    let mut rtts = Vec::new();
    for t in tasks {
        let s = t.await??;
        messages += s.messages;
        rtts.extend(s.rtts);
    }
    if messages == 0 {
        return Err("no echo came back in the measurement window".into());
    }
    rtts.sort_unstable();
    let server_cpu = cpu0.zip(cpu1).map(|(a, b)| (b - a) as f64);
    println!(
        "{{\"mode\":\"load\",\"label\":\"{}\",\"conns\":{},\"size\":{},\"depth\":{},\"secs\":{:.3},\
         \"messages\":{},\"msgs_per_s\":{:.0},\"p50_us\":{:.1},\"p99_us\":{:.1},\
         \"server_cpu_pct\":{},\"server_cpu_ns_per_msg\":{},\"loadgen_cpu_pct\":{:.1}}}",
        args.label,
        args.conns,
        args.size,
        args.depth,
        elapsed,
        messages,
        messages as f64 / elapsed,
        percentile(&rtts, 0.50),
        percentile(&rtts, 0.99),
        server_cpu.map_or("null".into(), |c| format!("{:.1}", c / elapsed / 1e7)),
        server_cpu.map_or("null".into(), |c| format!("{:.0}", c / messages.max(1) as f64)),
        (me1 - me0) as f64 / elapsed / 1e7,
    );
    Ok(())
}

async fn idle(args: Args) -> Res<()> {
    let pid = args.pid.ok_or("idle needs --pid")?;
    let payload: Vec<u8> = (0..1024).map(|i| (i * 7) as u8).collect();
    let wire = batch(&payload, 1, [1, 2, 3, 4]);
    // One connection first, so that whatever the server sets up once is not counted.
    let mut warm = connect(&args.addr).await?;
    warm.stream.write_all(&wire).await?;
    warm.expect_echo(&payload).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(pid);
    let mut conns = Vec::with_capacity(args.conns);
    for _ in 0..args.conns {
        let mut c = connect(&args.addr).await?;
        c.stream.write_all(&wire).await?;
        c.expect_echo(&payload).await?;
        conns.push(c);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = rss_kib(pid);
    println!(
        "{{\"mode\":\"idle\",\"label\":\"{}\",\"conns\":{},\"rss_before_kib\":{},\"rss_after_kib\":{},\
         \"bytes_per_conn\":{:.0}}}",
        args.label,
        args.conns,
        before,
        after,
        (after.saturating_sub(before) * 1024) as f64 / args.conns as f64
    );
    drop(warm);
    drop(conns);
    Ok(())
}

//! A two-peer model: a client and a server [`Connection`] wired back to back by an in-memory
//! lossless transport, each driven like a real driver, with every `Config` field drawn from
//! its extremes, partial writes of any size (up to `usize::MAX`), and clocks that jump.
//!
//! Shared by the proptests (`tests/pair.rs`) and the `pair` fuzz target, which includes this
//! very file with `#[path]` (the fuzz crate lives outside the workspace and tests cannot
//! depend on it; one file keeps one model). It depends only on `rfc6455` and `rand`.
//!
//! A [`Plan`] is plain data (every field a byte, taken modulo its table), so any byte string
//! is a plan ([`Plan::from_bytes`]) and any plan is a byte string ([`Plan::to_bytes`]): a
//! proptest failure becomes a fuzz seed.
//!
//! Invariants checked (a violation panics with a message naming it):
//! - no panic inside the crate, no endless loop (the settle loop is bounded);
//! - output is append-only: after `advance_output(n)` the pending bytes are exactly the
//!   previous ones minus `min(n, len)`, after any other call they start with the previous
//!   ones; so the acknowledged bytes, concatenated, are the stream the sender queued;
//! - the acknowledged stream parses as frames (after the HTTP head), masked by role, one data
//!   frame per successful data send, uncompressed payloads equal to what was sent;
//! - each side's events are the peer's sent messages in order (chunks joined), user Pings and
//!   Pongs in order among keep-alive Pings and automatic Pongs;
//! - `state()` only moves forward; `accept()` fails and changes nothing once not Connecting;
//! - a send on an Open connection that sent no Close succeeds;
//! - an error on a side is only a limit error (1009) that the frames it received predict, or a
//!   handshake error its limits allow; `buffered_input` stays within the documented bound;
//! - at the end, every side that is Closed with its output written says
//!   `should_close_transport`; and in a strict run (no limit exceeded, no zero timeout, no
//!   clock moved while bytes were in flight) BOTH sides report `Close { was_clean: true }`
//!   with the code and reason of the peer's Close frame, and the initiator's frame carries the
//!   code its user chose.
#![allow(dead_code)]

use core::time::Duration;
use std::collections::VecDeque;

use rand::SeedableRng;
use rfc6455::extensions::deflate::{DeflateConfig, DeflateParams};
use rfc6455::handshake::{AcceptOptions, ClientOptions, WsUrl};
use rfc6455::{
    CloseCode, Config, Connection, Delivery, Error, Event, FrameHeader, OpCode, ProtocolError,
    Role, State, Status,
};

// ---------------------------------------------------------------------------------------
// Plans

/// usize limits; index 0 is the field's default.
pub const LIMITS: [Option<usize>; 9] = [
    None,
    Some(0),
    Some(1),
    Some(125),
    Some(126),
    Some(65535),
    Some(65536),
    Some(1 << 20),
    Some(usize::MAX),
];
/// Durations; index 0 is the field's default, index 1 is `None` for `Option` fields (and the
/// default for the others).
pub const DURATIONS: [Option<Option<Duration>>; 8] = [
    None,
    Some(None),
    Some(Some(Duration::ZERO)),
    Some(Some(Duration::from_nanos(1))),
    Some(Some(Duration::from_millis(1))),
    Some(Some(Duration::from_secs(1))),
    Some(Some(Duration::from_secs(20))),
    Some(Some(Duration::MAX)),
];
/// How far a clock jumps.
pub const JUMPS: [Duration; 8] = [
    Duration::from_millis(1),
    Duration::from_secs(1),
    Duration::from_secs(10),
    Duration::from_secs(3600),
    Duration::from_secs(3600 * 1000),
    Duration::from_secs(u64::MAX / 2),
    Duration::MAX,
    Duration::from_nanos(1),
];
/// Where each side's clock starts (separate epochs).
pub const EPOCHS: [Duration; 4] = [
    Duration::ZERO,
    Duration::from_secs(1),
    Duration::from_secs(3600 * 1000),
    Duration::from_secs(u64::MAX / 2),
];
/// Sizes of sent payloads (control frames are cut to 125).
pub const SIZES: [usize; 10] = [0, 1, 2, 3, 125, 126, 127, 1000, 65535, 65536];
/// Amounts acknowledged by a write; `None` is `take_output`, `usize::MAX` means "all".
pub const WRITES: [Option<usize>; 10] = [
    Some(0),
    Some(1),
    Some(2),
    Some(7),
    Some(100),
    Some(4096),
    Some(usize::MAX),
    Some(usize::MAX - 1),
    None,
    Some(usize::MAX / 2 + 1),
];
/// Amounts delivered from the transport to the peer in one read.
pub const READS: [usize; 6] = [1, 2, 13, 1000, 65536, usize::MAX];
pub const CODES: [u16; 8] = [1000, 1001, 1011, 3000, 4999, 1005, 1006, 999];
pub const REASONS: [usize; 4] = [0, 5, 123, 124];

/// A `Config`, as table indices.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cfg {
    pub max_frame: u8,
    pub max_message: u8,
    pub max_handshake: u8,
    pub max_headers: u8,
    pub retain: u8,
    pub no_auto_pong: bool,
    pub streaming: bool,
    pub idle_ping: u8,
    pub pong_timeout: u8,
    pub close_timeout: u8,
    pub handshake_timeout: u8,
    /// 0: default deflate; 1: off; otherwise custom, from the fields below.
    pub deflate: u8,
    pub level: u8,
    pub threshold: u8,
    pub snct: bool,
    pub cnct: bool,
    pub sbits: u8,
    pub cbits: u8,
}

const CFG_BYTES: usize = Cfg::BYTES;

fn lim(i: u8, default: usize) -> usize {
    LIMITS[usize::from(i) % LIMITS.len()].unwrap_or(default)
}

fn dur(i: u8, default: Option<Duration>) -> Option<Duration> {
    DURATIONS[usize::from(i) % DURATIONS.len()].unwrap_or(default)
}

impl Cfg {
    /// The length of a config in a plan's bytes.
    pub const BYTES: usize = 18;

    pub fn config(&self) -> Config {
        let d = Config::default();
        let mut c = Config::default();
        c.max_frame_size = lim(self.max_frame, d.max_frame_size);
        c.max_message_size = lim(self.max_message, d.max_message_size);
        c.max_handshake_size = lim(self.max_handshake, d.max_handshake_size);
        c.max_headers = lim(self.max_headers, d.max_headers);
        c.retain_buffer = lim(self.retain, d.retain_buffer);
        c.auto_pong = !self.no_auto_pong;
        c.delivery = if self.streaming {
            Delivery::Streaming
        } else {
            Delivery::Messages
        };
        c.idle_ping = dur(self.idle_ping, d.idle_ping);
        c.pong_timeout = dur(self.pong_timeout, Some(d.pong_timeout)).unwrap_or(d.pong_timeout);
        c.close_timeout = dur(self.close_timeout, Some(d.close_timeout)).unwrap_or(d.close_timeout);
        c.handshake_timeout = dur(self.handshake_timeout, d.handshake_timeout);
        c.deflate = match self.deflate % 4 {
            0 => Some(DeflateConfig::default()),
            1 => None,
            _ => {
                let mut dc = DeflateConfig::default();
                dc.level = [1, 0, 9, u32::MAX][usize::from(self.level) % 4];
                dc.threshold = lim(self.threshold, 64);
                dc.server_no_context_takeover = self.snct;
                dc.client_no_context_takeover = self.cnct;
                dc.server_max_window_bits = [15, 0, 8, 9, 12, 255][usize::from(self.sbits) % 6];
                dc.client_max_window_bits = [15, 0, 8, 9, 12, 255][usize::from(self.cbits) % 6];
                Some(dc)
            }
        };
        c
    }

    fn to_bytes(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[
            self.max_frame,
            self.max_message,
            self.max_handshake,
            self.max_headers,
            self.retain,
            u8::from(self.no_auto_pong),
            u8::from(self.streaming),
            self.idle_ping,
            self.pong_timeout,
            self.close_timeout,
            self.handshake_timeout,
            self.deflate,
            self.level,
            self.threshold,
            u8::from(self.snct),
            u8::from(self.cnct),
            self.sbits,
            self.cbits,
        ]);
    }

    /// A config from (up to) [`Cfg::BYTES`] bytes; missing bytes are 0 (the defaults).
    pub fn from_bytes(b: &[u8]) -> Self {
        let g = |i: usize| b.get(i).copied().unwrap_or(0);
        Self {
            max_frame: g(0),
            max_message: g(1),
            max_handshake: g(2),
            max_headers: g(3),
            retain: g(4),
            no_auto_pong: g(5) & 1 != 0,
            streaming: g(6) & 1 != 0,
            idle_ping: g(7),
            pong_timeout: g(8),
            close_timeout: g(9),
            handshake_timeout: g(10),
            deflate: g(11),
            level: g(12),
            threshold: g(13),
            snct: g(14) & 1 != 0,
            cnct: g(15) & 1 != 0,
            sbits: g(16),
            cbits: g(17),
        }
    }
}

/// One step. `side`: false = client, true = server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// kind % 8: text, binary, text fragment, last text fragment, binary fragment, last binary
    /// fragment, ping, pong; size indexes [`SIZES`]; `fill` varies the content.
    Send {
        side: bool,
        kind: u8,
        size: u8,
        fill: u8,
    },
    Close {
        side: bool,
        code: u8,
        reason: u8,
    },
    /// Acknowledge [`WRITES`]`[amount]` bytes: they enter the transport to the peer.
    Write {
        side: bool,
        amount: u8,
    },
    /// The peer reads [`READS`]`[amount]` bytes from the transport (`receive`, or
    /// `receive_into` if `into`).
    Deliver {
        side: bool,
        amount: u8,
        into: bool,
    },
    /// Clocks jump by [`JUMPS`]`[amount]` (who % 3: client, server, both), only while both
    /// peers are quiescent. `lazy`: the driver does not look at its timers until its next step.
    Jump {
        who: u8,
        amount: u8,
        lazy: bool,
    },
    /// Sleep until `poll_timeout()`'s deadline (while quiescent), then `handle_timeout`.
    Sleep {
        side: bool,
    },
    /// An extra `handle_timeout` at the current time.
    Tick {
        side: bool,
    },
    Shrink {
        side: bool,
    },
    /// Write and deliver everything until quiescent.
    Settle,
    /// (Deferred-accept plans) the server application answers the pending request now.
    Accept,
}

const OP_BYTES: usize = 4;

impl Op {
    fn to_bytes(&self, out: &mut Vec<u8>) {
        let s = |b: bool| u8::from(b);
        let b: [u8; 4] = match *self {
            Op::Send {
                side,
                kind,
                size,
                fill,
            } => [0, s(side) | (kind << 1), size, fill],
            Op::Close { side, code, reason } => [1, s(side), code, reason],
            Op::Write { side, amount } => [2, s(side), amount, 0],
            Op::Deliver { side, amount, into } => [3, s(side) | (s(into) << 1), amount, 0],
            Op::Jump { who, amount, lazy } => [4, who, amount, s(lazy)],
            Op::Sleep { side } => [5, s(side), 0, 0],
            Op::Tick { side } => [6, s(side), 0, 0],
            Op::Shrink { side } => [7, s(side), 0, 0],
            Op::Settle => [8, 0, 0, 0],
            Op::Accept => [9, 0, 0, 0],
        };
        out.extend_from_slice(&b);
    }

    fn from_bytes(b: [u8; 4]) -> Self {
        let side = b[1] & 1 != 0;
        match b[0] % 10 {
            0 => Op::Send {
                side,
                kind: (b[1] >> 1) % 8,
                size: b[2],
                fill: b[3],
            },
            1 => Op::Close {
                side,
                code: b[2],
                reason: b[3],
            },
            2 => Op::Write { side, amount: b[2] },
            3 => Op::Deliver {
                side,
                amount: b[2],
                into: b[1] & 2 != 0,
            },
            4 => Op::Jump {
                who: b[1] % 3,
                amount: b[2],
                lazy: b[3] & 1 != 0,
            },
            5 => Op::Sleep { side },
            6 => Op::Tick { side },
            7 => Op::Shrink { side },
            8 => Op::Settle,
            _ => Op::Accept,
        }
    }
}

/// A whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub client: Cfg,
    pub server: Cfg,
    /// mode % 4: 0/3 real handshake (accepted at once), 1 real handshake with the accept
    /// deferred to an [`Op::Accept`], 2 `open_with_rng` pair. Bits 2–3: server epoch; bits
    /// 4–5: client epoch; bit 6: the server (not the client) closes at the end.
    pub mode: u8,
    pub seed: u8,
    pub ops: Vec<Op>,
}

impl Plan {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![];
        self.client.to_bytes(&mut out);
        self.server.to_bytes(&mut out);
        out.push(self.mode);
        out.push(self.seed);
        for op in &self.ops {
            op.to_bytes(&mut out);
        }
        out
    }

    pub fn from_bytes(b: &[u8]) -> Self {
        let head = 2 * CFG_BYTES + 2;
        let g = |i: usize| b.get(i).copied().unwrap_or(0);
        let ops = b
            .get(head..)
            .unwrap_or(&[])
            .chunks(OP_BYTES)
            .take(256)
            .map(|c| {
                let mut a = [0u8; 4];
                a[..c.len()].copy_from_slice(c);
                Op::from_bytes(a)
            })
            .collect();
        Self {
            client: Cfg::from_bytes(b.get(..CFG_BYTES.min(b.len())).unwrap_or(&[])),
            server: Cfg::from_bytes(b.get(CFG_BYTES.min(b.len())..).unwrap_or(&[])),
            mode: g(2 * CFG_BYTES),
            seed: g(2 * CFG_BYTES + 1),
            ops,
        }
    }
}

// ---------------------------------------------------------------------------------------
// The model

/// What a user sent, as the peer should see it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Sent {
    /// One data send call (one frame): kind, payload, first piece, last piece.
    Data(bool, Vec<u8>, bool, bool),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
}

/// An event with owned data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Got {
    Request,
    Open,
    /// A whole message (or joined chunks): text?, bytes, complete?
    Data(bool, Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String, bool),
}

/// A frame as parsed from acknowledged output.
#[derive(Clone, Debug)]
struct WireFrame {
    opcode: OpCode,
    fin: bool,
    rsv: u8,
    payload: Vec<u8>,
}

struct Peer {
    name: &'static str,
    role: Role,
    conn: Connection,
    cfg: Config,
    now: Duration,
    /// The driver skips its timers until its next step.
    lazy: bool,
    /// `pending_output()` as last seen, for the append-only check.
    shadow: Vec<u8>,
    /// Acknowledged bytes not yet read by the peer.
    pipe: VecDeque<u8>,
    /// All acknowledged bytes not yet parsed into frames (after the HTTP head).
    wire: Vec<u8>,
    head_done: bool,
    /// The HTTP head was a refusal / error response.
    refused: bool,
    frames: Vec<WireFrame>,
    sent: Vec<Sent>,
    /// Fragmented message being sent: its kind.
    fragmenting: Option<bool>,
    /// Joined streaming chunks of the message being received.
    partial: Option<(bool, Vec<u8>)>,
    got: Vec<Got>,
    error: Option<Error>,
    close_called: Option<(u16, String)>,
    last_state: State,
    /// A request waits for the application's answer.
    request_pending: bool,
    defer_accept: bool,
    /// Deflate agreed, for the open-pair mode or after the handshake (from the wire).
    steps: usize,
    /// The linger timer dropped output that was never written.
    dropped_output: bool,
    /// A Close frame was acknowledged.
    close_on_wire: bool,
}

fn state_rank(s: State) -> u8 {
    match s {
        State::Connecting => 0,
        State::Open => 1,
        State::Closing => 2,
        State::Closed => 3,
    }
}

fn content(size: usize, fill: u8, text: bool) -> Vec<u8> {
    if !text {
        return (0..size)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(fill))
            .collect();
    }
    let chars = ['a', 'é', '€', '😀', 'z'];
    let mut s = String::new();
    let mut i = usize::from(fill);
    loop {
        let c = chars[i % chars.len()];
        if s.len() + c.len_utf8() > size {
            break;
        }
        s.push(c);
        i += 1;
    }
    while s.len() < size {
        s.push('a');
    }
    s.into_bytes()
}

impl Peer {
    fn new(name: &'static str, role: Role, conn: Connection, cfg: Config, now: Duration) -> Self {
        let shadow = conn.pending_output().to_vec();
        let last_state = conn.state();
        Self {
            name,
            role,
            conn,
            cfg,
            now,
            lazy: false,
            shadow,
            pipe: VecDeque::new(),
            wire: vec![],
            head_done: false,
            refused: false,
            frames: vec![],
            sent: vec![],
            fragmenting: None,
            partial: None,
            got: vec![],
            error: None,
            close_called: None,
            last_state,
            request_pending: false,
            defer_accept: false,
            steps: 0,
            dropped_output: false,
            close_on_wire: false,
        }
    }

    /// The frame whose header was acknowledged but not yet all of its payload (its payload as
    /// zeros of the announced length, for the limit checks).
    fn partial_frame(&self) -> Option<WireFrame> {
        if !self.head_done || self.refused {
            return None;
        }
        match FrameHeader::parse(&self.wire) {
            Ok(Status::Complete((h, n))) if (self.wire.len() - n) as u64 <= h.payload_len => {
                Some(WireFrame {
                    opcode: h.opcode,
                    fin: h.fin,
                    rsv: h.rsv,
                    payload: vec![0; usize::try_from(h.payload_len).ok()?],
                })
            }
            _ => None,
        }
    }

    /// After a call other than a write: the pending output only grew at its end.
    fn check_append(&mut self, what: &str) {
        let now = self.conn.pending_output();
        if what == "handle_timeout"
            && now.is_empty()
            && !self.shadow.is_empty()
            && self.conn.state() == State::Closed
        {
            // The linger timer: a closed connection drops output its peer did not read within
            // close_timeout. Those bytes never reach the wire.
            self.dropped_output = true;
            self.shadow.clear();
            return;
        }
        assert!(
            now.starts_with(&self.shadow),
            "{}: output not append-only after {what}: had {} pending bytes, now {} that do not start with them",
            self.name,
            self.shadow.len(),
            now.len()
        );
        assert_eq!(
            now.len(),
            self.conn.buffered_amount(),
            "{}: buffered_amount",
            self.name
        );
        self.shadow = now.to_vec();
    }

    fn check_state(&mut self, what: &str) {
        let s = self.conn.state();
        assert!(
            state_rank(s) >= state_rank(self.last_state),
            "{}: state went back from {:?} to {s:?} after {what}",
            self.name,
            self.last_state
        );
        self.last_state = s;
    }

    /// Writes `amount` bytes (a [`WRITES`] entry); returns the acknowledged bytes.
    fn write(&mut self, amount: Option<usize>) {
        let before = self.conn.pending_output().to_vec();
        assert_eq!(before, self.shadow, "{}: output changed unseen", self.name);
        let written = match amount {
            None => {
                let mut v = b"junk".to_vec();
                self.conn.take_output(&mut v);
                assert_eq!(&v[..4], b"junk", "take_output must append");
                v.drain(..4);
                assert_eq!(v, before, "{}: take_output moved other bytes", self.name);
                v
            }
            Some(n) => {
                // A driver writes some prefix of pending_output, then acknowledges what it
                // wrote; `n` past the end acknowledges everything (clamped).
                self.conn.advance_output(n);
                let k = n.min(before.len());
                before[..k].to_vec()
            }
        };
        let k = written.len();
        let after = self.conn.pending_output();
        assert!(
            after == &before[k..],
            "{}: after acknowledging {amount:?} of {} bytes, {} bytes pending, expected the last {} (written bytes sent again or skipped)",
            self.name,
            before.len(),
            after.len(),
            before.len() - k
        );
        self.shadow = after.to_vec();
        if self.conn.state() == State::Closed && self.shadow.is_empty() {
            assert!(
                self.conn.should_close_transport(),
                "{}: should_close_transport",
                self.name
            );
        }
        self.pipe.extend(written.iter().copied());
        self.wire.extend_from_slice(&written);
        self.parse_wire();
    }

    fn parse_wire(&mut self) {
        if !self.head_done {
            let Some(p) = self.wire.windows(4).position(|w| w == b"\r\n\r\n") else {
                return;
            };
            let head = &self.wire[..p + 4];
            let ok = match self.role {
                Role::Client => head.starts_with(b"GET "),
                Role::Server => head.starts_with(b"HTTP/1.1 101 "),
            };
            self.refused = !ok;
            self.head_done = true;
            self.wire.drain(..p + 4);
        }
        if self.refused {
            self.wire.clear();
            return;
        }
        loop {
            match FrameHeader::parse(&self.wire) {
                Ok(Status::Complete((h, n))) => {
                    let len = usize::try_from(h.payload_len).unwrap();
                    if self.wire.len() - n < len {
                        return;
                    }
                    assert_eq!(
                        h.mask.is_some(),
                        self.role == Role::Client,
                        "{}: masking by role",
                        self.name
                    );
                    let mut p = self.wire[n..n + len].to_vec();
                    if let Some(k) = h.mask {
                        rfc6455::apply_mask(&mut p, k, 0);
                    }
                    // After a Close, only Pongs (answers until the peer's Close, RFC 6455
                    // §5.5.2); never a second Close or data.
                    if self.close_on_wire {
                        assert!(
                            h.opcode == OpCode::Pong,
                            "{}: a frame after Close: {h:?}",
                            self.name
                        );
                    }
                    self.close_on_wire |= h.opcode == OpCode::Close;
                    self.frames.push(WireFrame {
                        opcode: h.opcode,
                        fin: h.fin,
                        rsv: h.rsv,
                        payload: p,
                    });
                    self.wire.drain(..n + len);
                }
                Ok(Status::Partial) => return,
                Err(e) => panic!("{}: acknowledged output is not a frame: {e}", self.name),
            }
        }
    }

    fn chunk(&mut self, text: bool, data: &[u8], fin: bool) {
        assert!(
            self.cfg.delivery == Delivery::Streaming,
            "{}: a chunk in message mode",
            self.name
        );
        let p = self.partial.get_or_insert_with(|| (text, vec![]));
        assert_eq!(
            p.0, text,
            "{}: chunk kind changed inside a message",
            self.name
        );
        p.1.extend_from_slice(data);
        if fin {
            let (t, d) = self.partial.take().unwrap();
            self.got.push(Got::Data(t, d));
        }
    }

    /// Drains events, answering as a driver does; returns whether any came.
    fn drain(&mut self) -> bool {
        let mut any = false;
        for _ in 0..100_000 {
            let r = self.conn.next_event();
            match r {
                Ok(Some((ev, sender))) => {
                    any = true;
                    let ping = match &ev {
                        Event::Ping(p) => Some(p.to_vec()),
                        _ => None,
                    };
                    let is_request = matches!(ev, Event::Request(_));
                    let ev_owned = {
                        // Record needs &mut self; the event borrows conn only.
                        let mut tmp = Peer::recorder(self.name, self.cfg.delivery);
                        tmp.record_into(&ev);
                        tmp
                    };
                    if let Some(p) = ping {
                        // Without auto_pong a protocol-following driver answers itself.
                        if !self.cfg.auto_pong && sender.state() == State::Open {
                            let _ = sender.send_pong(&p);
                        }
                    }
                    self.absorb(ev_owned);
                    if is_request {
                        self.request_pending = true;
                        if !self.defer_accept {
                            self.accept();
                        }
                    }
                }
                Ok(None) => {
                    self.check_append("next_event");
                    self.check_state("next_event");
                    return any;
                }
                Err(e) => {
                    assert!(self.error.is_none(), "{}: two errors: {e:?}", self.name);
                    assert_eq!(
                        self.conn.state(),
                        State::Closed,
                        "{}: state after {e:?}",
                        self.name
                    );
                    self.error = Some(e);
                    any = true;
                }
            }
            self.check_append("next_event");
            self.check_state("next_event");
        }
        panic!("{}: next_event never returned None", self.name);
    }

    fn recorder(name: &'static str, delivery: Delivery) -> Recorder {
        Recorder {
            name,
            delivery,
            evs: vec![],
        }
    }

    fn absorb(&mut self, r: Recorder) {
        for e in r.evs {
            match e {
                RecEv::Got(g) => {
                    assert!(
                        !self.got.iter().any(|g| matches!(g, Got::Close(..))),
                        "{}: an event after Close: {g:?}",
                        self.name
                    );
                    self.got.push(g)
                }
                RecEv::Chunk(t, d, fin) => self.chunk(t, &d, fin),
            }
        }
    }

    fn accept(&mut self) {
        let before = self.conn.state();
        let r = self.conn.accept(&AcceptOptions::new());
        if before == State::Connecting && self.request_pending {
            r.unwrap_or_else(|e| panic!("{}: accept of a pending request failed: {e}", self.name));
            assert_eq!(
                self.conn.state(),
                State::Open,
                "{}: state after accept",
                self.name
            );
        } else {
            assert!(
                r.is_err(),
                "{}: accept() in state {before:?} returned Ok (now {:?})",
                self.name,
                self.conn.state()
            );
        }
        self.request_pending = false;
        self.check_append("accept");
        self.check_state("accept");
    }

    /// A driver following its timers: drain events, then `handle_timeout` while
    /// `poll_timeout` says it is due.
    fn follow_timers(&mut self) {
        if self.lazy {
            return;
        }
        for _ in 0..64 {
            self.drain();
            match self.conn.poll_timeout() {
                Some(d) if d <= self.now => {
                    self.conn.handle_timeout(self.now);
                    self.check_append("handle_timeout");
                    self.check_state("handle_timeout");
                }
                _ => {
                    self.drain();
                    return;
                }
            }
        }
        panic!(
            "{}: poll_timeout keeps asking for handle_timeout at {:?}: {:?}",
            self.name,
            self.now,
            self.conn.poll_timeout()
        );
    }

    /// One driver step after an application or transport action.
    fn step(&mut self, what: &str) {
        self.steps += 1;
        self.check_append(what);
        self.check_state(what);
        self.drain();
        self.follow_timers();
        self.lazy = false;
    }

    fn send(&mut self, kind: u8, size: usize, fill: u8) {
        // A Pong may still be sent after this end's Close (RFC 6455 §5.5.2); nothing else.
        let open = if kind >= 7 {
            matches!(self.conn.state(), State::Open | State::Closing)
        } else {
            self.conn.state() == State::Open && self.close_called.is_none()
        };
        let text = matches!(kind, 0 | 2 | 3);
        let data = content(size, fill, text);
        let ctrl = &data[..data.len().min(125)];
        let (r, rec) = match kind {
            0 | 1 if self.fragmenting.is_some() => {
                let r = if text {
                    self.conn.send_text(std::str::from_utf8(&data).unwrap())
                } else {
                    self.conn.send_binary(&data)
                };
                assert!(
                    r.is_err(),
                    "{}: a whole message inside a fragmented one was accepted",
                    self.name
                );
                (r, None)
            }
            0 => (
                self.conn.send_text(std::str::from_utf8(&data).unwrap()),
                Some(Sent::Data(true, data.clone(), true, true)),
            ),
            1 => (
                self.conn.send_binary(&data),
                Some(Sent::Data(false, data.clone(), true, true)),
            ),
            2..=5 => {
                let fin = kind % 2 == 1;
                let first = self.fragmenting.is_none();
                if self.fragmenting.is_some_and(|k| k != text) {
                    let r = if text {
                        self.conn
                            .send_text_fragment(std::str::from_utf8(&data).unwrap(), fin)
                    } else {
                        self.conn.send_binary_fragment(&data, fin)
                    };
                    assert!(
                        r.is_err(),
                        "{}: a fragment of another kind was accepted",
                        self.name
                    );
                    (r, None)
                } else {
                    let r = if text {
                        self.conn
                            .send_text_fragment(std::str::from_utf8(&data).unwrap(), fin)
                    } else {
                        self.conn.send_binary_fragment(&data, fin)
                    };
                    if r.is_ok() {
                        self.fragmenting = if fin { None } else { Some(text) };
                    }
                    (r, Some(Sent::Data(text, data.clone(), first, fin)))
                }
            }
            6 => (self.conn.send_ping(ctrl), Some(Sent::Ping(ctrl.to_vec()))),
            _ => (self.conn.send_pong(ctrl), Some(Sent::Pong(ctrl.to_vec()))),
        };
        match (r, rec) {
            (Ok(()), Some(s)) => {
                assert!(
                    open,
                    "{}: a send succeeded in state {:?} after close",
                    self.name,
                    self.conn.state()
                );
                // A Pong behind this end's Close reaches a peer that stops reading at that
                // Close: it is not expected to arrive.
                if self.conn.state() == State::Open {
                    self.sent.push(s);
                }
            }
            (Ok(()), None) => unreachable!(),
            (Err(e), Some(_)) => assert!(
                !open,
                "{}: a send on an Open connection failed: {e}",
                self.name
            ),
            (Err(_), None) => {}
        }
        self.step("send");
    }

    fn close(&mut self, code: u16, reason_len: usize) {
        let open = self.conn.state() == State::Open && self.close_called.is_none();
        let reason = "r".repeat(reason_len);
        let valid = CloseCode(code).is_valid_on_wire() && reason_len <= 123;
        let r = self.conn.close(CloseCode(code), &reason);
        match r {
            Ok(()) => {
                assert!(
                    open && valid,
                    "{}: close({code}, {reason_len}) accepted",
                    self.name
                );
                self.close_called = Some((code, reason));
                self.fragmenting = None;
            }
            Err(e) => assert!(
                !(open && valid),
                "{}: close({code}) on an Open connection failed: {e}",
                self.name
            ),
        }
        self.step("close");
    }

    fn quiet(&self) -> bool {
        self.conn.buffered_amount() == 0 && self.pipe.is_empty() && !self.request_pending
    }
}

/// Events recorded while the connection is borrowed.
struct Recorder {
    name: &'static str,
    delivery: Delivery,
    evs: Vec<RecEv>,
}

enum RecEv {
    Got(Got),
    Chunk(bool, Vec<u8>, bool),
}

impl Recorder {
    fn record_into(&mut self, ev: &Event<'_>) {
        let g = match ev {
            Event::Request(_) => Got::Request,
            Event::Open(_) => Got::Open,
            Event::Text(t) => Got::Data(true, t.as_bytes().to_vec()),
            Event::Binary(b) => Got::Data(false, b.to_vec()),
            Event::TextChunk { text, fin } => {
                self.evs
                    .push(RecEv::Chunk(true, text.as_bytes().to_vec(), *fin));
                return;
            }
            Event::BinaryChunk { data, fin } => {
                self.evs.push(RecEv::Chunk(false, data.to_vec(), *fin));
                return;
            }
            Event::Ping(p) => Got::Ping(p.to_vec()),
            Event::Pong(p) => Got::Pong(p.to_vec()),
            Event::Close {
                code,
                reason,
                was_clean,
            } => Got::Close(code.0, reason.to_string(), *was_clean),
            _ => panic!("{}: unknown event ({:?})", self.name, self.delivery),
        };
        self.evs.push(RecEv::Got(g));
    }
}

/// Why a run is not strict (it may legitimately end without a clean close on both sides).
#[derive(Debug, Default)]
pub struct Lax {
    pub limits: bool,
    pub handshake_limits: bool,
    pub zero_timeout: bool,
    pub stalled: bool,
}

impl Lax {
    pub fn strict(&self) -> bool {
        !(self.limits || self.handshake_limits || self.zero_timeout || self.stalled)
    }
}

/// What a run ended with, for statistics.
#[derive(Debug)]
pub struct Outcome {
    pub strict: bool,
    pub client_close: Option<(u16, bool)>,
    pub server_close: Option<(u16, bool)>,
    pub frames: usize,
}

pub struct Pair {
    peers: [Peer; 2],
    lax: Lax,
}

fn idx(side: bool) -> usize {
    usize::from(side)
}

/// Frames that peer `to` must refuse under its limits: (the first such frame index).
fn limit_violation(frames: &[WireFrame], sent: &[Sent], cfg: &Config) -> Option<usize> {
    let mut data_i = 0;
    let mut msg_wire = 0usize;
    let mut msg_plain = 0usize;
    let mut compressed = false;
    for (i, f) in frames.iter().enumerate() {
        // Control frames (at most 125 bytes) are exempt from max_frame_size.
        if !f.opcode.is_control() && f.payload.len() > cfg.max_frame_size {
            return Some(i);
        }
        match f.opcode {
            OpCode::Text | OpCode::Binary | OpCode::Continuation => {
                let plain = sent
                    .iter()
                    .filter(|s| matches!(s, Sent::Data(..)))
                    .nth(data_i)
                    .map(|s| match s {
                        Sent::Data(_, d, _, _) => d.len(),
                        _ => 0,
                    })
                    .unwrap_or(0);
                data_i += 1;
                if f.opcode != OpCode::Continuation {
                    msg_wire = 0;
                    msg_plain = 0;
                    compressed = f.rsv & 4 != 0;
                }
                msg_wire += f.payload.len();
                msg_plain += plain;
                let size = if compressed { msg_plain } else { msg_wire };
                if size > cfg.max_message_size {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

impl Pair {
    pub fn new(plan: &Plan) -> Self {
        let ccfg = plan.client.config();
        let scfg = plan.server.config();
        let seed = u64::from(plan.seed);
        let rng = |s: u64| -> rfc6455::BoxRng { Box::new(rand::rngs::StdRng::seed_from_u64(s)) };
        let cnow = EPOCHS[usize::from(plan.mode >> 4) % 4];
        let snow = EPOCHS[usize::from(plan.mode >> 2) % 4];
        let mode = plan.mode % 4;
        let (client, server) = if mode == 2 {
            let mut c = Connection::open_with_rng(Role::Client, ccfg.clone(), rng(seed));
            let mut s = Connection::open_with_rng(Role::Server, scfg.clone(), rng(seed ^ 7));
            if let (Some(cd), Some(_)) = (&ccfg.deflate, &scfg.deflate) {
                let p = DeflateParams {
                    server_no_context_takeover: cd.server_no_context_takeover,
                    client_no_context_takeover: cd.client_no_context_takeover,
                    server_max_window_bits: cd.server_max_window_bits.clamp(8, 15),
                    client_max_window_bits: cd.client_max_window_bits.clamp(8, 15),
                };
                c.enable_deflate(&p);
                s.enable_deflate(&p);
            }
            (c, s)
        } else {
            let url = WsUrl::parse("ws://127.0.0.1:9001/pair?x=1").unwrap();
            let c =
                Connection::client_with_rng(&url, ClientOptions::new(), ccfg.clone(), rng(seed))
                    .expect("client request");
            (c, Connection::server(scfg.clone()))
        };
        let mut c = Peer::new("client", Role::Client, client, ccfg.clone(), cnow);
        let mut s = Peer::new("server", Role::Server, server, scfg.clone(), snow);
        if mode == 2 {
            c.head_done = true;
            s.head_done = true;
        }
        s.defer_accept = mode == 1;
        let mut lax = Lax::default();
        for cfg in [&ccfg, &scfg] {
            let zero = Some(Duration::ZERO);
            if cfg.close_timeout.is_zero()
                || cfg.idle_ping == zero
                || (cfg.idle_ping.is_some() && cfg.pong_timeout.is_zero())
                || (mode != 2 && cfg.handshake_timeout == zero)
            {
                lax.zero_timeout = true;
            }
            if mode != 2 && (cfg.max_handshake_size < 1024 || cfg.max_headers < 16) {
                lax.handshake_limits = true;
            }
        }
        let mut pair = Self { peers: [c, s], lax };
        for p in &mut pair.peers {
            p.step("creation");
        }
        pair
    }

    fn quiescent(&self) -> bool {
        self.peers.iter().all(Peer::quiet)
    }

    /// Bytes read by `to` from the transport.
    fn deliver(&mut self, from: usize, n: usize, into: bool) {
        let to = 1 - from;
        let n = n.min(self.peers[from].pipe.len());
        let bytes: Vec<u8> = self.peers[from].pipe.drain(..n).collect();
        let p = &mut self.peers[to];
        let before = p.conn.buffered_input();
        if std::env::var("PAIR_TRACE").is_ok() {
            eprintln!(
                "{} reads {n} (into: {into}), state {:?}, buffered_input {}",
                p.name,
                p.conn.state(),
                p.conn.buffered_input()
            );
        }
        if into {
            let got = p.conn.receive_into(n.min(1 << 16), |buf| {
                buf.extend_from_slice(&bytes);
                bytes.len()
            });
            assert_eq!(got, n);
        } else {
            p.conn.receive(&bytes);
        }
        p.step("receive");
        if std::env::var("PAIR_TRACE").is_ok() {
            eprintln!(
                "  after: state {:?}, buffered_input {}, error {:?}",
                self.peers[to].conn.state(),
                self.peers[to].conn.buffered_input(),
                self.peers[to].error
            );
        }
        self.check_input_bound(to, n, before);
    }

    /// The documented bound (`max_frame_size + 14 + max_message_size`, with events taken
    /// after every receive), plus the handshake head and the bytes of the last read, which
    /// a connection holds whole even when the first bytes fail it.
    /// Once closed, the input held does not grow.
    fn check_input_bound(&self, i: usize, last_read: usize, before: usize) {
        let p = &self.peers[i];
        let bound = p
            .cfg
            .max_frame_size
            .saturating_add(14)
            .saturating_add(p.cfg.max_message_size)
            .saturating_add(4096)
            .saturating_add(last_read)
            .max(if p.conn.state() == State::Closed {
                before
            } else {
                0
            });
        assert!(
            p.conn.buffered_input() <= bound,
            "{}: buffered_input {} over {bound}",
            p.name,
            p.conn.buffered_input()
        );
    }

    /// Writes and delivers everything, both ways, until nothing moves.
    pub fn settle(&mut self) {
        let mut k = 0usize;
        for _round in 0..256 {
            if self.quiescent() {
                return;
            }
            for i in 0..2 {
                if self.peers[i].request_pending {
                    // A deferring application answers in the end.
                    self.peers[i].accept();
                    self.peers[i].step("accept");
                }
                while self.peers[i].conn.buffered_amount() > 0 {
                    k += 1;
                    let w = [
                        Some(usize::MAX),
                        None,
                        Some(3),
                        Some(usize::MAX - 1),
                        Some(1000),
                    ][k % 5];
                    self.peers[i].write(w);
                }
                while !self.peers[i].pipe.is_empty() {
                    k += 1;
                    let n = [usize::MAX, 5, 70000][k % 3];
                    self.deliver(i, n, k & 1 == 0);
                }
            }
        }
        if self
            .peers
            .iter()
            .any(|p| p.cfg.idle_ping == Some(Duration::ZERO))
        {
            // idle_ping = 0 pings again as soon as the Pong arrives: a keep-alive exchange
            // per round trip, forever (reported; the run is not strict).
            return;
        }
        panic!(
            "no quiescence after 256 rounds (endless exchange): client {:?} / server {:?}",
            self.peers[0].conn, self.peers[1].conn
        );
    }

    pub fn apply(&mut self, op: &Op) {
        match *op {
            Op::Send {
                side,
                kind,
                size,
                fill,
            } => {
                let size = SIZES[usize::from(size) % SIZES.len()];
                self.peers[idx(side)].send(kind % 8, size, fill);
            }
            Op::Close { side, code, reason } => {
                let code = CODES[usize::from(code) % CODES.len()];
                let reason = REASONS[usize::from(reason) % REASONS.len()];
                self.peers[idx(side)].close(code, reason);
            }
            Op::Write { side, amount } => {
                let p = &mut self.peers[idx(side)];
                p.write(WRITES[usize::from(amount) % WRITES.len()]);
                p.step("write");
            }
            Op::Deliver { side, amount, into } => {
                if !self.peers[idx(side)].pipe.is_empty() {
                    self.deliver(idx(side), READS[usize::from(amount) % READS.len()], into);
                }
            }
            Op::Jump { who, amount, lazy } => {
                let stall = self.peers[1].request_pending
                    && self
                        .peers
                        .iter()
                        .all(|p| p.pipe.is_empty() && p.conn.buffered_amount() == 0);
                if !self.quiescent() && !stall {
                    return;
                }
                if stall {
                    // The server application sits on the request: timers may fire.
                    self.lax.stalled = true;
                }
                let j = JUMPS[usize::from(amount) % JUMPS.len()];
                for i in 0..2 {
                    if usize::from(who % 3) == i || who % 3 == 2 {
                        let p = &mut self.peers[i];
                        p.now = p.now.saturating_add(j);
                        p.lazy = lazy;
                        p.follow_timers();
                    }
                }
            }
            Op::Sleep { side } => {
                if !self.quiescent() {
                    return;
                }
                let p = &mut self.peers[idx(side)];
                if let Some(d) = p.conn.poll_timeout() {
                    p.now = p.now.max(d);
                    p.conn.handle_timeout(p.now);
                    p.step("sleep");
                }
            }
            Op::Tick { side } => {
                let p = &mut self.peers[idx(side)];
                p.drain();
                p.conn.handle_timeout(p.now);
                p.step("handle_timeout");
            }
            Op::Shrink { side } => {
                let p = &mut self.peers[idx(side)];
                p.conn.shrink_buffers();
                p.step("shrink_buffers");
            }
            Op::Settle => self.settle(),
            Op::Accept => {
                let p = &mut self.peers[1];
                if p.request_pending || p.conn.state() != State::Connecting {
                    p.accept();
                    p.step("accept");
                }
            }
        }
    }

    /// Ends the run: settle, close if nobody did, settle, and check the end invariants.
    pub fn finish(mut self, closer_is_server: bool) -> Outcome {
        self.settle();
        let closer = idx(closer_is_server);
        if self.peers.iter().all(|p| p.conn.state() == State::Open) {
            let p = &mut self.peers[closer];
            // A fragmented message in progress is finished first, as a careful app does.
            if let Some(text) = p.fragmenting {
                p.send(if text { 3 } else { 5 }, 1, 0);
            }
            p.close(1000, 3);
            self.settle();
        }
        self.check_end()
    }

    #[allow(clippy::needless_range_loop)] // `to` indexes peers and violations alike
    fn check_end(&mut self) -> Outcome {
        // Limits: what each side received against its limits.
        let mut violation = [None, None];
        for to in 0..2 {
            let from = 1 - to;
            // A frame whose header arrived is refused on its header: count it too.
            let mut frames = self.peers[from].frames.clone();
            frames.extend(self.peers[from].partial_frame());
            violation[to] = limit_violation(&frames, &self.peers[from].sent, &self.peers[to].cfg);
            if violation[to].is_some() {
                self.lax.limits = true;
            }
        }
        for to in 0..2 {
            let p = &self.peers[to];
            if let Some(e) = &p.error {
                let legit = match e {
                    Error::Protocol(
                        ProtocolError::FrameTooLarge { .. } | ProtocolError::MessageTooLarge { .. },
                    ) => violation[to].is_some(),
                    Error::Handshake(_) => self.lax.handshake_limits,
                    _ => false,
                };
                assert!(
                    legit,
                    "{}: error {e:?} ({e}) without a limit that explains it (lax: {:?})",
                    p.name, self.lax
                );
            }
            if p.conn.state() == State::Closed && p.conn.buffered_amount() == 0 {
                assert!(
                    p.conn.should_close_transport(),
                    "{}: should_close_transport",
                    p.name
                );
            }
        }
        self.check_messages();
        for q in &self.peers {
            if let Some((c, r)) = &q.close_called {
                // close() succeeded, so no Close was sent or received before: the first Close
                // frame on the wire is this one.
                if let Some(f) = q.frames.iter().find(|f| f.opcode == OpCode::Close) {
                    let mut want = c.to_be_bytes().to_vec();
                    want.extend_from_slice(r.as_bytes());
                    assert_eq!(
                        f.payload, want,
                        "{}: the Close frame carries the code and reason of close()",
                        q.name
                    );
                }
            }
        }
        let strict = self.lax.strict() && !self.peers.iter().any(|p| p.dropped_output);
        let close_of = |p: &Peer| {
            p.got.iter().find_map(|g| match g {
                Got::Close(c, _, clean) => Some((*c, *clean)),
                _ => None,
            })
        };
        if strict {
            for to in 0..2 {
                let from = 1 - to;
                let p = &self.peers[to];
                let q = &self.peers[from];
                assert!(p.error.is_none(), "{}: error in a strict run", p.name);
                assert_eq!(
                    p.conn.state(),
                    State::Closed,
                    "{}: not Closed at the end",
                    p.name
                );
                assert!(
                    p.conn.should_close_transport(),
                    "{}: should_close_transport",
                    p.name
                );
                let peer_close = q
                    .frames
                    .iter()
                    .find(|f| f.opcode == OpCode::Close)
                    .unwrap_or_else(|| panic!("{} sent no Close frame", q.name));
                let (code, reason) = match peer_close.payload.len() {
                    0 => (1005, String::new()),
                    _ => (
                        u16::from_be_bytes([peer_close.payload[0], peer_close.payload[1]]),
                        String::from_utf8(peer_close.payload[2..].to_vec()).unwrap(),
                    ),
                };
                let want = Got::Close(code, reason, true);
                let got = p.got.iter().find(|g| matches!(g, Got::Close(..)));
                assert_eq!(
                    got,
                    Some(&want),
                    "{}: close event in a strict run (peer {} sent {code}); events: {:?}",
                    p.name,
                    q.name,
                    p.got
                        .iter()
                        .filter(|g| !matches!(g, Got::Data(..)))
                        .collect::<Vec<_>>()
                );
            }
        }
        Outcome {
            strict,
            client_close: close_of(&self.peers[0]),
            server_close: close_of(&self.peers[1]),
            frames: self.peers[0].frames.len() + self.peers[1].frames.len(),
        }
    }

    /// Each side's events against what the peer's user sent.
    fn check_messages(&self) {
        for to in 0..2 {
            let from = 1 - to;
            let p = &self.peers[to];
            let q = &self.peers[from];
            // Whole messages the peer sent.
            let mut msgs: Vec<(bool, Vec<u8>)> = vec![];
            let mut cur: Option<(bool, Vec<u8>)> = None;
            let mut pings = vec![];
            let mut pongs = vec![];
            for s in &q.sent {
                match s {
                    Sent::Data(t, d, first, fin) => {
                        if *first {
                            cur = Some((*t, vec![]));
                        }
                        let c = cur.as_mut().expect("a continuation without a message");
                        c.1.extend_from_slice(d);
                        if *fin {
                            msgs.push(cur.take().unwrap());
                        }
                    }
                    Sent::Ping(x) => pings.push(x.clone()),
                    Sent::Pong(x) => pongs.push(x.clone()),
                }
            }
            let got: Vec<(bool, Vec<u8>)> = p
                .got
                .iter()
                .filter_map(|g| match g {
                    Got::Data(t, d) => Some((*t, d.clone())),
                    _ => None,
                })
                .collect();
            let complete = p.error.is_none()
                && !self.lax.limits
                && p.got.iter().any(|g| matches!(g, Got::Close(_, _, true)));
            let desc =
                |m: &[(bool, Vec<u8>)]| m.iter().map(|(t, d)| (*t, d.len())).collect::<Vec<_>>();
            assert!(
                got.len() <= msgs.len() && got[..] == msgs[..got.len()],
                "{}: received messages {:?} are not a prefix of the messages {} sent {:?}",
                p.name,
                desc(&got),
                q.name,
                desc(&msgs)
            );
            if complete {
                assert_eq!(
                    got.len(),
                    msgs.len(),
                    "{}: after a clean close, messages are missing: got {:?}, {} sent {:?}",
                    p.name,
                    desc(&got),
                    q.name,
                    desc(&msgs)
                );
            }
            if let Some((t, d)) = &p.partial {
                let next = msgs.get(got.len()).or(cur.as_ref());
                assert!(
                    next.is_some_and(|(nt, nd)| nt == t && nd.starts_with(d)),
                    "{}: a partial message that the peer did not send",
                    p.name
                );
            }
            // User Pings in order among empty keep-alive Pings.
            let mut it = pings.iter().peekable();
            for g in &p.got {
                if let Got::Ping(x) = g {
                    if it.peek() == Some(&x) {
                        it.next();
                    } else {
                        assert!(x.is_empty(), "{}: a Ping {x:?} nobody sent", p.name);
                    }
                }
            }
            if complete {
                assert!(
                    it.peek().is_none(),
                    "{}: Pings lost: {:?}",
                    p.name,
                    it.collect::<Vec<_>>()
                );
            }
            // User Pongs in order among the answers to our own Pings.
            let own_pings: Vec<Vec<u8>> = p
                .sent
                .iter()
                .filter_map(|s| match s {
                    Sent::Ping(x) => Some(x.clone()),
                    _ => None,
                })
                .collect();
            let mut it = pongs.iter().peekable();
            for g in &p.got {
                if let Got::Pong(x) = g {
                    if it.peek() == Some(&x) {
                        it.next();
                    } else {
                        assert!(
                            x.is_empty() || own_pings.contains(x),
                            "{}: a Pong {x:?} that answers nothing",
                            p.name
                        );
                    }
                }
            }
            if complete {
                assert!(it.peek().is_none(), "{}: Pongs lost", p.name);
            }
            // The frames on the wire: one data frame per data send, payloads as sent.
            let data_frames: Vec<&WireFrame> = q
                .frames
                .iter()
                .filter(|f| {
                    matches!(
                        f.opcode,
                        OpCode::Text | OpCode::Binary | OpCode::Continuation
                    )
                })
                .collect();
            let data_sent: Vec<&Sent> = q
                .sent
                .iter()
                .filter(|s| matches!(s, Sent::Data(..)))
                .collect();
            assert!(
                data_frames.len() <= data_sent.len(),
                "{}: {} data frames on the wire for {} sends (bytes repeated?)",
                q.name,
                data_frames.len(),
                data_sent.len()
            );
            let mut compressed = false;
            for (f, s) in data_frames.iter().zip(&data_sent) {
                let Sent::Data(t, d, first, fin) = s else {
                    unreachable!()
                };
                let want_op = match (first, t) {
                    (false, _) => OpCode::Continuation,
                    (true, true) => OpCode::Text,
                    (true, false) => OpCode::Binary,
                };
                assert_eq!((f.opcode, f.fin), (want_op, *fin), "{}: frame kind", q.name);
                if *first {
                    compressed = f.rsv & 4 != 0;
                }
                if !compressed {
                    assert!(
                        f.payload == *d,
                        "{}: a data frame's payload differs from what was sent",
                        q.name
                    );
                }
            }
        }
    }
}

/// Runs a whole plan; panics on a broken invariant.
pub fn run(plan: &Plan) -> Outcome {
    let mut pair = Pair::new(plan);
    for op in &plan.ops {
        pair.apply(op);
    }
    let closer_is_server = plan.mode & 0x40 != 0;
    pair.finish(closer_is_server)
}

//! Shared harness code for the fuzz targets: chunking, frame splitting, and the structured
//! connection driver with its invariants.

/// The two-peer model, shared with the proptests in `tests/pair.rs` (one file, included
/// here: the tests cannot depend on this crate).
#[path = "../../tests/common/pair.rs"]
pub mod pair;

use arbitrary::Arbitrary;
use rand::SeedableRng;
use rfc6455::handshake::{AcceptOptions, ClientOptions, Request, WsUrl};
use rfc6455::{
    BoxRng, CloseCode, Config, Connection, Delivery, Error, Event, FrameHeader, OpCode, Role,
    State, Status,
};

/// Splits `data` into pieces whose sizes cycle through `sizes` (each size + 1).
pub fn chunks<'a>(data: &'a [u8], sizes: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = data;
    let mut i = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = match sizes {
            [] => rest.len(),
            s => usize::from(s[i % s.len()]) + 1,
        };
        i += 1;
        let (a, b) = rest.split_at(n.min(rest.len()));
        rest = b;
        Some(a)
    })
}

/// A deterministic generator, so that crashes reproduce.
pub fn rng(seed: u64) -> BoxRng {
    Box::new(rand::rngs::StdRng::seed_from_u64(seed))
}

/// Splits a byte stream into frames (header, unmasked payload); the rest is returned too.
pub fn split_frames(mut bytes: &[u8]) -> (Vec<(FrameHeader, Vec<u8>)>, &[u8]) {
    let mut out = vec![];
    loop {
        match FrameHeader::parse(bytes) {
            Ok(Status::Complete((h, n))) => {
                let len = h.payload_len as usize;
                if bytes.len() - n < len {
                    return (out, bytes);
                }
                let mut p = bytes[n..n + len].to_vec();
                if let Some(k) = h.mask {
                    rfc6455::apply_mask(&mut p, k, 0);
                }
                out.push((h, p));
                bytes = &bytes[n + len..];
            }
            Ok(Status::Partial) => return (out, bytes),
            Err(e) => panic!("the connection wrote an invalid frame: {e}"),
        }
    }
}

/// The length of an HTTP head at the start of `bytes`, if complete.
pub fn head_len(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
}

/// A valid upgrade request, as curl sends it.
pub const REQUEST: &[u8] = b"GET /fuzz HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n";

#[derive(Arbitrary, Debug)]
pub enum Op {
    /// Raw bytes from the peer.
    Receive(Vec<u8>),
    /// Raw bytes from the peer, appended in place with `receive_into` and this much room.
    ReceiveInto(Vec<u8>, u16),
    /// A frame from the peer, built from fields (masked as the peer's role requires unless
    /// `wrong_mask`), so that the fuzzer gets past the framing layer easily.
    ReceiveFrame {
        fin: bool,
        rsv: u8,
        opcode: u8,
        wrong_mask: bool,
        key: [u8; 4],
        payload: Vec<u8>,
    },
    SendText(String),
    SendBinary(Vec<u8>),
    SendFragment {
        text: bool,
        data: String,
        fin: bool,
    },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String),
    /// Acknowledge up to this many output bytes.
    Write(u16),
    /// Acknowledge `pair::WRITES[i]` bytes: 0, a few, `usize::MAX`, `usize::MAX - 1`, or
    /// `take_output`.
    WriteAny(u8),
    /// Advance the clock by this many milliseconds and run timers.
    Tick(u16),
    /// Jump the clock by `pair::JUMPS[i]` (up to `Duration::MAX`); run timers unless `lazy`
    /// (a driver busy elsewhere, that looks at its timers late).
    Jump(u8, bool),
    /// Sleep until `poll_timeout()`'s deadline, then run timers.
    Sleep,
    Eof,
    Shrink,
    /// (Server) Accept a pending request, choosing its first offered subprotocol.
    Accept,
    /// (Server) Reject a pending request with this status.
    Reject(u16),
}

#[derive(Arbitrary, Debug)]
pub struct Session {
    /// 0: start open; 1: a valid handshake first; 2: start connecting, handshake bytes fuzzed.
    pub start: u8,
    pub max_frame: u16,
    pub max_message: u16,
    pub streaming: bool,
    pub auto_pong: bool,
    pub idle_ping_ms: Option<u16>,
    /// Every `Config` field from its extremes (`pair::Cfg`), replacing the fields above.
    pub extremes: Option<[u8; pair::Cfg::BYTES]>,
    /// Where the clock starts, in `pair::EPOCHS`.
    pub epoch: u8,
    /// permessage-deflate parameters for a connection that starts open.
    pub deflate: Option<(bool, bool, u8, u8)>,
    pub seed: u64,
    pub ops: Vec<Op>,
}

fn peer_frame(
    role: Role,
    fin: bool,
    rsv: u8,
    opcode: u8,
    wrong_mask: bool,
    key: [u8; 4],
    payload: &[u8],
) -> Vec<u8> {
    // The peer masks if it is a client, i.e. if we are the server.
    let masked = (role == Role::Server) != wrong_mask;
    let mut out = vec![(u8::from(fin) << 7) | ((rsv & 7) << 4) | (opcode & 0xF)];
    let m = if masked { 0x80 } else { 0 };
    let len = payload.len();
    if len < 126 {
        out.push(m | len as u8);
    } else if len <= 0xFFFF {
        out.push(m | 126);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(m | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    let start = out.len() + if masked { 4 } else { 0 };
    if masked {
        out.extend_from_slice(&key);
    }
    out.extend_from_slice(payload);
    if masked {
        rfc6455::apply_mask(&mut out[start..], key, 0);
    }
    out
}

/// What the driver knows about the connection's output so far.
struct Wire {
    role: Role,
    bytes: Vec<u8>,
    /// The handshake head at the start of the output is skipped once.
    head_skipped: bool,
    close_seen: bool,
    frames: usize,
    deflate: bool,
    /// The server refused the upgrade: an HTTP response with a body of `body_left` bytes.
    refused: bool,
    body_left: usize,
}

impl Wire {
    /// Checks the frames written so far: masking by role, nothing after Close.
    fn check(&mut self) {
        if self.refused {
            // After a refusal, only the response body may follow, never a frame.
            assert!(self.bytes.len() <= self.body_left, "output after a refusal");
            return;
        }
        if !self.head_skipped {
            match head_len(&self.bytes) {
                Some(n)
                    if self.role == Role::Client || self.bytes.starts_with(b"HTTP/1.1 101 ") =>
                {
                    self.bytes.drain(..n);
                    self.head_skipped = true;
                }
                Some(n) => {
                    let head = String::from_utf8_lossy(&self.bytes[..n]).to_string();
                    let length = head
                        .lines()
                        .find_map(|l| l.strip_prefix("Content-Length: "))
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .expect("a refusal has a Content-Length");
                    assert!(head.contains("\r\nConnection: close\r\n"));
                    self.refused = true;
                    self.body_left = length;
                    self.bytes.drain(..n);
                    assert!(self.bytes.len() <= self.body_left, "output after a refusal");
                    return;
                }
                None => return,
            }
        }
        let (frames, rest) = split_frames(&self.bytes);
        let consumed = self.bytes.len() - rest.len();
        for (h, payload) in frames {
            // After a Close only Pongs (Pings are answered until the peer's Close arrives,
            // RFC 6455 §5.5.2); never data or a second Close.
            assert!(
                !self.close_seen || h.opcode == OpCode::Pong,
                "a frame was sent after Close: {h:?}"
            );
            assert_eq!(
                h.mask.is_some(),
                self.role == Role::Client,
                "masking by role"
            );
            assert!(
                h.rsv == 0
                    || (self.deflate
                        && h.rsv == 4
                        && matches!(h.opcode, OpCode::Text | OpCode::Binary))
            );
            if h.opcode == OpCode::Close {
                self.close_seen = true;
                if payload.len() >= 2 {
                    let code = CloseCode(u16::from_be_bytes([payload[0], payload[1]]));
                    assert!(code.is_valid_on_wire(), "sent close code {code}");
                }
            }
            self.frames += 1;
        }
        self.bytes.drain(..consumed);
    }
}

/// Drives one connection through `session` and checks the invariants after every step.
pub fn run_session(role: Role, session: Session) {
    let mut config = Config::default();
    config.max_frame_size = usize::from(session.max_frame) + 1;
    config.max_message_size = usize::from(session.max_message) + 1;
    config.auto_pong = session.auto_pong;
    if session.streaming {
        config.delivery = Delivery::Streaming;
    }
    config.idle_ping = session
        .idle_ping_ms
        .map(|ms| std::time::Duration::from_millis(u64::from(ms) + 1));
    if let Some(b) = session.extremes {
        config = pair::Cfg::from_bytes(&b).config();
    }
    let limit = config
        .max_frame_size
        .saturating_add(14)
        .saturating_add(config.max_message_size);

    let mut start = session.start % 3;
    if start == 1 && (config.max_handshake_size < 1024 || config.max_headers < 16) {
        // Limits this small refuse even a valid handshake: fuzz the handshake bytes instead.
        start = 2;
    }
    let mut conn = match (role, start) {
        (_, 0) => Connection::open_with_rng(role, config.clone(), rng(session.seed)),
        (Role::Server, _) => Connection::server(config.clone()),
        (Role::Client, _) => {
            let url = WsUrl::parse("ws://127.0.0.1:9001/fuzz").unwrap();
            let opts = ClientOptions::new().protocol("chat");
            Connection::client_with_rng(&url, opts, config.clone(), rng(session.seed)).unwrap()
        }
    };
    if let (0, Some((snct, cnct, sb, cb))) = (start, session.deflate) {
        conn.enable_deflate(&rfc6455::extensions::deflate::DeflateParams {
            server_no_context_takeover: snct,
            client_no_context_takeover: cnct,
            server_max_window_bits: 8 + sb % 8,
            client_max_window_bits: 8 + cb % 8,
        });
    }
    let mut wire = Wire {
        role,
        bytes: vec![],
        head_skipped: start == 0,
        close_seen: false,
        frames: 0,
        deflate: start == 0 && session.deflate.is_some(),
        refused: false,
        body_left: 0,
    };
    if start == 1 {
        // A valid opening handshake, so the ops exercise an open connection.
        match role {
            Role::Server => {
                conn.receive(REQUEST);
                match conn.next_event() {
                    Ok(Some((Event::Request(_), _))) => {}
                    other => panic!("valid request refused: {other:?}"),
                }
                conn.accept(&AcceptOptions::new().protocol("chat")).unwrap();
            }
            Role::Client => {
                let mut request = vec![];
                conn.take_output(&mut request);
                let Ok(Status::Complete(req)) = Request::parse(&request, &Config::default()) else {
                    panic!("our own request does not parse")
                };
                let mut response = vec![];
                req.write_accept(&AcceptOptions::new().protocol("chat"), &mut response)
                    .unwrap();
                conn.receive(&response);
                match conn.next_event() {
                    Ok(Some((Event::Open(r), _))) => assert_eq!(r.protocol(), Some("chat")),
                    other => panic!("valid response refused: {other:?}"),
                }
                wire.head_skipped = true;
            }
        }
        assert_eq!(conn.state(), State::Open);
    }

    let mut now = pair::EPOCHS[usize::from(session.epoch) % pair::EPOCHS.len()];
    let mut lazy = false;
    let mut last_read;
    let mut held = 0usize;
    let mut last_state = conn.state();
    let mut closed_by_error = false;
    for op in session.ops {
        let before = conn.pending_output().to_vec();
        let mut acked: Option<usize> = None;
        let state_before = conn.state();
        last_read = 0;
        match op {
            Op::Receive(bytes) => {
                last_read = bytes.len();
                conn.receive(&bytes)
            }
            Op::ReceiveInto(bytes, room) => {
                let n = conn.receive_into(usize::from(room), |buf| {
                    buf.extend_from_slice(&bytes);
                    bytes.len()
                });
                assert_eq!(n, bytes.len());
                last_read = bytes.len();
            }
            Op::ReceiveFrame {
                fin,
                rsv,
                opcode,
                wrong_mask,
                key,
                payload,
            } => conn.receive(&peer_frame(
                role, fin, rsv, opcode, wrong_mask, key, &payload,
            )),
            Op::SendText(t) => drop(conn.send_text(&t)),
            Op::SendBinary(b) => drop(conn.send_binary(&b)),
            Op::SendFragment {
                text: true,
                data,
                fin,
            } => drop(conn.send_text_fragment(&data, fin)),
            Op::SendFragment {
                text: false,
                data,
                fin,
            } => drop(conn.send_binary_fragment(data.as_bytes(), fin)),
            Op::Ping(p) => drop(conn.send_ping(&p)),
            Op::Pong(p) => drop(conn.send_pong(&p)),
            Op::Close(code, reason) => drop(conn.close(CloseCode(code), &reason)),
            Op::Write(n) => {
                let n = usize::from(n).min(conn.buffered_amount());
                wire.bytes.extend_from_slice(&conn.pending_output()[..n]);
                conn.advance_output(n);
                acked = Some(n);
            }
            Op::WriteAny(i) => match pair::WRITES[usize::from(i) % pair::WRITES.len()] {
                Some(n) => {
                    let k = n.min(before.len());
                    wire.bytes.extend_from_slice(&before[..k]);
                    conn.advance_output(n);
                    acked = Some(k);
                }
                None => {
                    let mut v = vec![];
                    conn.take_output(&mut v);
                    assert_eq!(v, before, "take_output moved other bytes");
                    wire.bytes.extend_from_slice(&v);
                    acked = Some(v.len());
                }
            },
            Op::Tick(ms) => {
                now = now.saturating_add(std::time::Duration::from_millis(u64::from(ms)));
                conn.handle_timeout(now);
            }
            Op::Jump(i, l) => {
                now = now.saturating_add(pair::JUMPS[usize::from(i) % pair::JUMPS.len()]);
                lazy = l;
            }
            Op::Sleep => {
                if let Some(d) = conn.poll_timeout() {
                    now = now.max(d);
                    conn.handle_timeout(now);
                }
            }
            Op::Eof => conn.receive_eof(),
            Op::Shrink => conn.shrink_buffers(),
            Op::Accept => {
                if conn.accept(&AcceptOptions::new()).is_ok() {
                    assert_eq!(
                        state_before,
                        State::Connecting,
                        "accept() succeeded when not Connecting"
                    );
                    assert_eq!(conn.state(), State::Open);
                }
            }
            Op::Reject(status) => {
                if conn.reject(status, &[], b"no").is_ok() {
                    assert_eq!(conn.state(), State::Closed);
                }
            }
        }
        // Take every event, checking what errors promise.
        loop {
            let close_already_sent = wire.close_seen || conn.state() >= State::Closing;
            match conn.next_event() {
                Ok(Some((ev, _))) => {
                    if let Event::Text(t) = ev {
                        assert!(std::str::from_utf8(t.as_bytes()).is_ok());
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    assert_eq!(conn.state(), State::Closed);
                    assert!(!closed_by_error, "two errors");
                    closed_by_error = true;
                    if let (Error::Protocol(p), false, false) =
                        (&e, close_already_sent, wire.refused)
                    {
                        // The queued output ends with a Close carrying the prescribed code.
                        let mut all = wire.bytes.clone();
                        all.extend_from_slice(conn.pending_output());
                        let skip = if wire.head_skipped {
                            0
                        } else {
                            head_len(&all).unwrap_or(0)
                        };
                        let (frames, _) = split_frames(&all[skip..]);
                        let (h, payload) = frames.last().expect("a close frame");
                        assert_eq!(h.opcode, OpCode::Close);
                        assert_eq!(
                            u16::from_be_bytes([payload[0], payload[1]]),
                            p.close_code().0
                        );
                    }
                    assert!(conn.next_event().unwrap().is_none());
                    break;
                }
            }
        }
        // Output only grows at its end, and shrinks only by what was acknowledged.
        let after = conn.pending_output();
        match acked {
            Some(k) => assert!(
                after == &before[k..],
                "after acknowledging {k} of {} bytes, {} pending: written bytes sent again or skipped",
                before.len(),
                after.len()
            ),
            // The linger timer may drop the output of a closed connection whose peer does
            // not read it (handle_timeout); otherwise output only grows at its end.
            None => assert!(
                after.starts_with(&before) || (after.is_empty() && conn.state() == State::Closed),
                "output not append-only"
            ),
        }
        // A driver following poll_timeout (unless busy): handle_timeout when due.
        if !lazy {
            for _ in 0..64 {
                match conn.poll_timeout() {
                    Some(d) if d <= now => conn.handle_timeout(now),
                    _ => break,
                }
            }
        }
        lazy = false;
        let state = conn.state();
        assert!(
            state >= last_state,
            "state went back from {last_state:?} to {state:?}"
        );
        last_state = state;
        assert!(
            conn.buffered_input()
                <= limit
                    .saturating_add(REQUEST.len() * 64)
                    .saturating_add(last_read)
                    // A closed connection keeps what it held, without growing.
                    .max(if state == State::Closed { held } else { 0 }),
            "input buffer {} over {}",
            conn.buffered_input(),
            limit
        );
        held = conn.buffered_input();
        wire.check();
    }
    wire.bytes.extend_from_slice(conn.pending_output());
    wire.check();
}

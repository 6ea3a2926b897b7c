//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod driver;
pub mod python;

use rfc6455::{Config, Connection, Error, Event, Role};

/// An event with owned data, so that tests can collect and compare them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Request(String),
    Open(Option<String>),
    Text(String),
    Binary(Vec<u8>),
    TextChunk(String, bool),
    BinaryChunk(Vec<u8>, bool),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16, String, bool),
    Err(Error),
}

pub fn own(e: &Event<'_>) -> Ev {
    match e {
        Event::Request(r) => Ev::Request(r.target().to_string()),
        Event::Open(r) => Ev::Open(r.protocol().map(String::from)),
        Event::Text(t) => Ev::Text(t.to_string()),
        Event::Binary(b) => Ev::Binary(b.to_vec()),
        Event::TextChunk { text, fin } => Ev::TextChunk(text.to_string(), *fin),
        Event::BinaryChunk { data, fin } => Ev::BinaryChunk(data.to_vec(), *fin),
        Event::Ping(p) => Ev::Ping(p.to_vec()),
        Event::Pong(p) => Ev::Pong(p.to_vec()),
        Event::Close {
            code,
            reason,
            was_clean,
        } => Ev::Close(code.0, reason.to_string(), *was_clean),
        _ => panic!("unknown event"),
    }
}

/// Takes every event available now; an error ends the list.
pub fn drain(conn: &mut Connection) -> Vec<Ev> {
    let mut out = Vec::new();
    loop {
        match conn.next_event() {
            Ok(Some((e, _))) => out.push(own(&e)),
            Ok(None) => return out,
            Err(e) => {
                out.push(Ev::Err(e));
                // After an error, nothing more is delivered.
                assert!(conn.next_event().unwrap().is_none());
                return out;
            }
        }
    }
}

/// Feeds `bytes` and drains the events.
pub fn feed(conn: &mut Connection, bytes: &[u8]) -> Vec<Ev> {
    conn.receive(bytes);
    drain(conn)
}

/// Takes all pending output.
pub fn output(conn: &mut Connection) -> Vec<u8> {
    let mut v = Vec::new();
    conn.take_output(&mut v);
    v
}

/// A raw frame, with any opcode and RSV bits (for building invalid input).
pub fn raw_frame(fin: bool, rsv: u8, opcode: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![(u8::from(fin) << 7) | (rsv << 4) | opcode];
    let m = if mask.is_some() { 0x80 } else { 0 };
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
    let start = out.len();
    if let Some(k) = mask {
        out.extend_from_slice(&k);
    }
    let pstart = out.len();
    out.extend_from_slice(payload);
    if let Some(k) = mask {
        for (i, b) in out[pstart..].iter_mut().enumerate() {
            *b ^= k[i % 4];
        }
    }
    let _ = start;
    out
}

/// A masked frame as a client sends it.
pub fn client_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    raw_frame(fin, 0, opcode, Some([0x12, 0x34, 0x56, 0x78]), payload)
}

/// An unmasked frame as a server sends it.
pub fn server_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    raw_frame(fin, 0, opcode, None, payload)
}

pub fn server() -> Connection {
    Connection::open(Role::Server, Config::default())
}

pub fn server_with(config: Config) -> Connection {
    Connection::open(Role::Server, config)
}

pub fn client() -> Connection {
    Connection::open(Role::Client, Config::default())
}

/// The close code in a Close frame the connection queued, if its output is exactly one
/// unmasked Close frame.
pub fn sent_close_code(bytes: &[u8]) -> Option<u16> {
    if bytes.len() >= 4 && bytes[0] == 0x88 && bytes[1] & 0x80 == 0 {
        Some(u16::from_be_bytes([bytes[2], bytes[3]]))
    } else {
        None
    }
}

pub const CHROMIUM_REQUEST: &[u8] = b"GET /chat?room=1 HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nConnection: Upgrade\r\nPragma: no-cache\r\nCache-Control: no-cache\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36\r\nUpgrade: websocket\r\nOrigin: http://127.0.0.1:8080\r\nSec-WebSocket-Version: 13\r\nAccept-Encoding: gzip, deflate, br, zstd\r\nAccept-Language: en-US,en;q=0.9\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\nSec-WebSocket-Protocol: chat, superchat\r\n\r\n";

/// Splits output bytes into frames: (opcode, unmasked payload).
pub fn frames(mut bytes: &[u8]) -> Vec<(rfc6455::OpCode, Vec<u8>)> {
    let mut out = vec![];
    while !bytes.is_empty() {
        let rfc6455::Status::Complete((h, n)) = rfc6455::FrameHeader::parse(bytes).unwrap() else {
            panic!("truncated frame")
        };
        let len = h.payload_len as usize;
        let mut p = bytes[n..n + len].to_vec();
        if let Some(k) = h.mask {
            rfc6455::apply_mask(&mut p, k, 0);
        }
        out.push((h.opcode, p));
        bytes = &bytes[n + len..];
    }
    out
}

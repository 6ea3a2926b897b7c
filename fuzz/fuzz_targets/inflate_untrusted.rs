#![no_main]
//! Arbitrary compressed payloads from an untrusted peer: no inflated message ever exceeds the
//! configured size limit (a decompression bomb is stopped with 1009 while inflating, with
//! bounded memory), invalid data fails with a typed error, and nothing panics, with limits
//! anywhere in their range (0 and usize::MAX included) and any window bits.
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rfc6455::extensions::deflate::DeflateParams;
use rfc6455::{Config, Connection, Delivery, Event, Role};

#[derive(Arbitrary, Debug)]
struct Input {
    limit: u16,
    /// 0: `limit`, 1: 0, 2: usize::MAX, else `limit` + 1.
    limit_kind: u8,
    /// Also limit frames: 0: no (16 MiB), 1: usize::MAX, 2: `limit`, else 125.
    frame_kind: u8,
    streaming: bool,
    window: u8,
    no_context_takeover: bool,
    /// (fin, text, payload) frames, RSV1 on the first frame of each message.
    frames: Vec<(bool, bool, Vec<u8>)>,
}

fuzz_target!(|input: Input| {
    let mut cfg = Config::default();
    cfg.max_message_size = match input.limit_kind % 4 {
        0 => usize::from(input.limit),
        1 => 0,
        2 => usize::MAX,
        _ => usize::from(input.limit) + 1,
    };
    match input.frame_kind % 4 {
        0 => {}
        1 => cfg.max_frame_size = usize::MAX,
        2 => cfg.max_frame_size = usize::from(input.limit),
        _ => cfg.max_frame_size = 125,
    }
    if input.streaming {
        cfg.delivery = Delivery::Streaming;
    }
    let limit = cfg.max_message_size;
    let mut s = Connection::open(Role::Server, cfg);
    s.enable_deflate(&DeflateParams {
        server_no_context_takeover: false,
        client_no_context_takeover: input.no_context_takeover,
        server_max_window_bits: 15,
        // Any value: out-of-range window bits are clamped.
        client_max_window_bits: input.window,
    });
    let mut first = true;
    let mut total = 0usize;
    for (fin, text, payload) in &input.frames {
        let mut frame = vec![
            (u8::from(*fin) << 7)
                | if first {
                    0x40 | if *text { 1 } else { 2 }
                } else {
                    0
                },
        ];
        let len = payload.len();
        if len < 126 {
            frame.push(0x80 | len as u8);
        } else {
            frame.push(0x80 | 126);
            frame.extend_from_slice(&(len.min(0xFFFF) as u16).to_be_bytes());
        }
        frame.extend_from_slice(&[0, 0, 0, 0]); // zero mask
        frame.extend_from_slice(&payload[..len.min(0xFFFF)]);
        s.receive(&frame);
        first = *fin;
        loop {
            match s.next_event() {
                Ok(Some((ev, _))) => match ev {
                    Event::Text(t) => assert!(t.len() <= limit),
                    Event::Binary(b) => assert!(b.len() <= limit),
                    Event::TextChunk { text, fin } => {
                        total += text.len();
                        assert!(total <= limit, "{total} > {limit}");
                        if fin {
                            total = 0;
                        }
                    }
                    Event::BinaryChunk { data, fin } => {
                        total += data.len();
                        assert!(total <= limit, "{total} > {limit}");
                        if fin {
                            total = 0;
                        }
                    }
                    _ => {}
                },
                Ok(None) => break,
                Err(e) => {
                    let code = e.close_code().expect("a protocol error").0;
                    assert!(matches!(code, 1002 | 1007 | 1009), "{e}");
                    return;
                }
            }
            // The reassembly buffer never holds more than the limit plus one inflate step.
            assert!(
                s.buffered_input() <= limit.saturating_add(70_000 + 0x1_0000),
                "{}",
                s.buffered_input()
            );
        }
    }
});

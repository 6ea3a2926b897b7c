#![no_main]
//! Arbitrary bytes into the frame header parser: every accepted header re-encodes (with the
//! minimal length) to bytes that decode to the same header; every shorter prefix is Partial;
//! errors are protocol errors (1002). Whole frames re-encode to the same header and payload.
use libfuzzer_sys::fuzz_target;
use rfc6455::frame::{write_frame, MAX_HEADER_LEN};
use rfc6455::{CloseCode, FrameHeader, Status};

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    for _ in 0..64 {
        match FrameHeader::parse(rest) {
            Ok(Status::Complete((h, n))) => {
                assert!((2..=MAX_HEADER_LEN).contains(&n) && n <= rest.len());
                // Input may use a longer length encoding than needed, never a shorter one.
                assert!(n >= h.encoded_len());
                for cut in 0..n {
                    assert_eq!(FrameHeader::parse(&rest[..cut]), Ok(Status::Partial));
                }
                let mut buf = [0u8; MAX_HEADER_LEN];
                let m = h.encode(&mut buf);
                assert!(m <= n, "re-encoding is not minimal");
                assert_eq!(FrameHeader::parse(&buf[..m]), Ok(Status::Complete((h, m))));
                if h.opcode.is_control() {
                    assert!(h.fin && h.payload_len <= 125);
                }
                let len = h.payload_len as usize;
                if rest.len() - n < len {
                    return;
                }
                // The whole frame, re-encoded, decodes to the same header and payload.
                let mut payload = rest[n..n + len].to_vec();
                if let Some(k) = h.mask {
                    rfc6455::apply_mask(&mut payload, k, 0);
                }
                let mut again = Vec::new();
                write_frame(&mut again, h.fin, h.rsv, h.opcode, h.mask, &payload);
                let Ok(Status::Complete((h2, m2))) = FrameHeader::parse(&again) else {
                    panic!()
                };
                assert_eq!(h2, h);
                let mut p2 = again[m2..].to_vec();
                if let Some(k) = h2.mask {
                    rfc6455::apply_mask(&mut p2, k, 0);
                }
                assert_eq!(p2, payload);
                rest = &rest[n + len..];
            }
            Ok(Status::Partial) => {
                assert!(rest.len() < MAX_HEADER_LEN);
                return;
            }
            Err(e) => {
                assert_eq!(e.close_code(), CloseCode::PROTOCOL_ERROR);
                return;
            }
        }
    }
});

//! Frame headers (RFC 6455 §5.2): parsing and encoding.
//!
//! This layer checks only what the header itself can tell: reserved opcodes, control frame
//! rules and the 64-bit length's top bit. Rules that depend on the role (masking), on
//! negotiated extensions (RSV bits) or on limits are checked by the
//! [`Connection`](crate::Connection).

use alloc::vec::Vec;

use crate::error::ProtocolError;
use crate::Status;

/// Which end of the connection this is. The role decides masking (RFC 6455 §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The connecting end: masks what it sends, refuses masked frames.
    Client,
    /// The accepting end: sends unmasked, refuses unmasked frames.
    Server,
}

/// The longest possible frame header: 2 bytes, 8 of extended length, 4 of masking key.
pub const MAX_HEADER_LEN: usize = 14;

/// A frame opcode (RFC 6455 §5.2). Reserved values are not representable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OpCode {
    /// 0x0: continues a fragmented message.
    Continuation = 0x0,
    /// 0x1: the first frame of a text message.
    Text = 0x1,
    /// 0x2: the first frame of a binary message.
    Binary = 0x2,
    /// 0x8: starts or answers the closing handshake.
    Close = 0x8,
    /// 0x9: a ping, to be answered by a pong.
    Ping = 0x9,
    /// 0xA: a pong.
    Pong = 0xA,
}

impl OpCode {
    /// The opcode for a 4-bit value, or `None` if it is reserved.
    #[inline]
    pub const fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            0x0 => Self::Continuation,
            0x1 => Self::Text,
            0x2 => Self::Binary,
            0x8 => Self::Close,
            0x9 => Self::Ping,
            0xA => Self::Pong,
            _ => return None,
        })
    }

    /// Whether this is a control opcode (Close, Ping, Pong).
    #[inline]
    pub const fn is_control(self) -> bool {
        (self as u8) & 0x8 != 0
    }
}

/// RSV1, as it appears in [`FrameHeader::rsv`]; permessage-deflate uses it (RFC 7692).
pub const RSV1: u8 = 0b100;
/// RSV2, as it appears in [`FrameHeader::rsv`].
pub const RSV2: u8 = 0b010;
/// RSV3, as it appears in [`FrameHeader::rsv`].
pub const RSV3: u8 = 0b001;

/// A parsed frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader {
    /// FIN: this is the last frame of its message.
    pub fin: bool,
    /// The three RSV bits: [`RSV1`] | [`RSV2`] | [`RSV3`].
    pub rsv: u8,
    /// The opcode.
    pub opcode: OpCode,
    /// The masking key, if the MASK bit is set.
    pub mask: Option<[u8; 4]>,
    /// The payload length.
    pub payload_len: u64,
}

impl FrameHeader {
    /// Parses a frame header from the start of `buf`.
    ///
    /// Returns the header and its length in bytes, [`Status::Partial`] if `buf` ends inside
    /// the header, or an error for a reserved opcode, a fragmented or over-long control frame,
    /// or a 64-bit length with its top bit set.
    ///
    /// ```
    /// use rfc6455::{FrameHeader, OpCode, Status};
    /// // RFC 6455 §5.7: a single-frame unmasked text message "Hello".
    /// let bytes = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    /// let Status::Complete((h, len)) = FrameHeader::parse(&bytes).unwrap() else { panic!() };
    /// assert_eq!((h.fin, h.opcode, h.payload_len, h.mask, len), (true, OpCode::Text, 5, None, 2));
    /// assert_eq!(FrameHeader::parse(&bytes[..1]), Ok(Status::Partial));
    /// ```
    #[inline]
    pub fn parse(buf: &[u8]) -> Result<Status<(Self, usize)>, ProtocolError> {
        let [b0, b1, rest @ ..] = buf else {
            return Ok(Status::Partial);
        };
        let (b0, b1) = (*b0, *b1);
        let opcode = OpCode::from_u8(b0 & 0x0F).ok_or(ProtocolError::ReservedOpCode(b0 & 0x0F))?;
        let fin = b0 & 0x80 != 0;
        let len7 = b1 & 0x7F;
        if opcode.is_control() {
            if !fin {
                return Err(ProtocolError::FragmentedControlFrame);
            }
            if len7 > 125 {
                return Err(ProtocolError::ControlFrameTooLong);
            }
        }
        let (payload_len, rest, mut used) = match len7 {
            126 => match rest {
                [a, b, rest @ ..] => (u64::from(u16::from_be_bytes([*a, *b])), rest, 4),
                _ => return Ok(Status::Partial),
            },
            127 => match rest.split_first_chunk::<8>() {
                Some((n, rest)) => {
                    let n = u64::from_be_bytes(*n);
                    if n >> 63 != 0 {
                        return Err(ProtocolError::InvalidLength);
                    }
                    (n, rest, 10)
                }
                None => return Ok(Status::Partial),
            },
            n => (u64::from(n), rest, 2),
        };
        let mask = if b1 & 0x80 != 0 {
            match rest.first_chunk::<4>() {
                Some(key) => {
                    used += 4;
                    Some(*key)
                }
                None => return Ok(Status::Partial),
            }
        } else {
            None
        };
        Ok(Status::Complete((
            Self {
                fin,
                rsv: (b0 >> 4) & 0x7,
                opcode,
                mask,
                payload_len,
            },
            used,
        )))
    }

    /// Encodes the header with the shortest length encoding into `dst`; returns its length.
    #[inline]
    pub fn encode(&self, dst: &mut [u8; MAX_HEADER_LEN]) -> usize {
        dst[0] = (u8::from(self.fin) << 7) | ((self.rsv & 0x7) << 4) | self.opcode as u8;
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut n = if self.payload_len < 126 {
            dst[1] = mask_bit | self.payload_len as u8;
            2
        } else if let Ok(len) = u16::try_from(self.payload_len) {
            dst[1] = mask_bit | 126;
            dst[2..4].copy_from_slice(&len.to_be_bytes());
            4
        } else {
            dst[1] = mask_bit | 127;
            dst[2..10].copy_from_slice(&self.payload_len.to_be_bytes());
            10
        };
        if let Some(key) = self.mask {
            dst[n..n + 4].copy_from_slice(&key);
            n += 4;
        }
        n
    }

    /// Appends the encoded header to `out`.
    #[inline]
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut buf = [0u8; MAX_HEADER_LEN];
        let n = self.encode(&mut buf);
        out.extend_from_slice(&buf[..n]);
    }

    /// The encoded header's length.
    #[inline]
    pub const fn encoded_len(&self) -> usize {
        let len = match self.payload_len {
            0..=125 => 2,
            126..=0xFFFF => 4,
            _ => 10,
        };
        if self.mask.is_some() {
            len + 4
        } else {
            len
        }
    }
}

/// Appends a whole frame to `out`: header, then the payload, masked if `mask` is set.
///
/// ```
/// use rfc6455::{frame::write_frame, OpCode};
/// let mut out = Vec::new();
/// write_frame(&mut out, true, 0, OpCode::Text, Some([0x37, 0xfa, 0x21, 0x3d]), b"Hello");
/// // RFC 6455 §5.7: a single-frame masked text message.
/// assert_eq!(out, [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
/// ```
#[inline]
pub fn write_frame(
    out: &mut Vec<u8>,
    fin: bool,
    rsv: u8,
    opcode: OpCode,
    mask: Option<[u8; 4]>,
    payload: &[u8],
) {
    let header = FrameHeader {
        fin,
        rsv,
        opcode,
        mask,
        payload_len: payload.len() as u64,
    };
    out.reserve(header.encoded_len() + payload.len());
    header.write(out);
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(key) = mask {
        crate::mask::apply_mask(&mut out[start..], key, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    fn parse_ok(b: &[u8]) -> (FrameHeader, usize) {
        match FrameHeader::parse(b) {
            Ok(Status::Complete(x)) => x,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rfc_5_7_examples() {
        // Unmasked "Hello".
        let (h, n) = parse_ok(&[0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        assert_eq!(
            (h.fin, h.opcode, h.payload_len, n),
            (true, OpCode::Text, 5, 2)
        );
        // Fragmented unmasked "Hel" + "lo".
        let (h, _) = parse_ok(&[0x01, 0x03, 0x48, 0x65, 0x6c]);
        assert_eq!((h.fin, h.opcode), (false, OpCode::Text));
        let (h, _) = parse_ok(&[0x80, 0x02, 0x6c, 0x6f]);
        assert_eq!((h.fin, h.opcode), (true, OpCode::Continuation));
        // Unmasked ping "Hello" and masked pong "Hello".
        let (h, _) = parse_ok(&[0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        assert_eq!(h.opcode, OpCode::Ping);
        let (h, n) = parse_ok(&[
            0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ]);
        assert_eq!(
            (h.opcode, h.mask, n),
            (OpCode::Pong, Some([0x37, 0xfa, 0x21, 0x3d]), 6)
        );
        // 256 bytes binary in a single unmasked frame; 64 KiB likewise.
        let (h, n) = parse_ok(&[0x82, 0x7E, 0x01, 0x00]);
        assert_eq!((h.opcode, h.payload_len, n), (OpCode::Binary, 256, 4));
        let (h, n) = parse_ok(&[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]);
        assert_eq!((h.payload_len, n), (65536, 10));
    }

    #[test]
    fn encode_rfc_examples() {
        let mut out = vec![];
        write_frame(&mut out, true, 0, OpCode::Text, None, b"Hello");
        assert_eq!(out, [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]);
        out.clear();
        write_frame(&mut out, false, 0, OpCode::Text, None, b"Hel");
        write_frame(&mut out, true, 0, OpCode::Continuation, None, b"lo");
        assert_eq!(out, [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]);
        out.clear();
        write_frame(
            &mut out,
            true,
            0,
            OpCode::Pong,
            Some([0x37, 0xfa, 0x21, 0x3d]),
            b"Hello",
        );
        assert_eq!(
            out,
            [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        );
        out.clear();
        write_frame(&mut out, true, 0, OpCode::Binary, None, &[0u8; 256]);
        assert_eq!(&out[..4], &[0x82, 0x7E, 0x01, 0x00]);
        out.clear();
        write_frame(&mut out, true, 0, OpCode::Binary, None, &[0u8; 65536]);
        assert_eq!(&out[..10], &[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]);
    }

    #[test]
    fn errors() {
        for op in [3u8, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            assert_eq!(
                FrameHeader::parse(&[0x80 | op, 0]),
                Err(ProtocolError::ReservedOpCode(op))
            );
        }
        assert_eq!(
            FrameHeader::parse(&[0x09, 0]),
            Err(ProtocolError::FragmentedControlFrame)
        );
        assert_eq!(
            FrameHeader::parse(&[0x89, 126]),
            Err(ProtocolError::ControlFrameTooLong)
        );
        assert_eq!(
            FrameHeader::parse(&[0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0]),
            Err(ProtocolError::InvalidLength)
        );
    }

    #[test]
    fn partial_at_every_cut() {
        let full = [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4];
        for cut in 0..full.len() {
            assert_eq!(
                FrameHeader::parse(&full[..cut]),
                Ok(Status::Partial),
                "cut {cut}"
            );
        }
        assert_eq!(parse_ok(&full).1, 14);
    }

    fn opcode() -> impl Strategy<Value = OpCode> {
        prop_oneof![
            Just(OpCode::Continuation),
            Just(OpCode::Text),
            Just(OpCode::Binary),
            Just(OpCode::Close),
            Just(OpCode::Ping),
            Just(OpCode::Pong),
        ]
    }

    proptest! {
        #[test]
        fn header_roundtrip(op in opcode(), fin: bool, rsv in 0u8..8, mask: Option<[u8; 4]>,
                            len in prop_oneof![0u64..=125, 126u64..=0xFFFF, 0x1_0000u64..=(u64::MAX >> 1)]) {
            let control = op.is_control();
            let h = FrameHeader { fin: fin || control, rsv, opcode: op, mask, payload_len: if control { len % 126 } else { len } };
            let mut buf = [0u8; MAX_HEADER_LEN];
            let n = h.encode(&mut buf);
            prop_assert_eq!(n, h.encoded_len());
            prop_assert_eq!(FrameHeader::parse(&buf[..n]), Ok(Status::Complete((h, n))));
            // Minimal length encoding.
            let expected = 2 + if h.payload_len < 126 { 0 } else if h.payload_len <= 0xFFFF { 2 } else { 8 } + if mask.is_some() { 4 } else { 0 };
            prop_assert_eq!(n, expected);
        }

        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            let _ = FrameHeader::parse(&bytes);
        }
    }
}

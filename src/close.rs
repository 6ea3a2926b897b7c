//! Close codes and Close frame payloads (RFC 6455 §5.5.1, §7.4).

use crate::error::ProtocolError;
use crate::utf8;

/// A close status code (RFC 6455 §7.4).
///
/// A newtype rather than an enum, because the ranges 3000–3999 (registered) and 4000–4999
/// (private use) are open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CloseCode(pub u16);

impl CloseCode {
    /// 1000: the purpose of the connection has been fulfilled.
    pub const NORMAL: Self = Self(1000);
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    pub const GOING_AWAY: Self = Self(1001);
    /// 1002: protocol error.
    pub const PROTOCOL_ERROR: Self = Self(1002);
    /// 1003: a data type the endpoint cannot accept.
    pub const UNSUPPORTED_DATA: Self = Self(1003);
    /// 1005: no status code was present (never sent on the wire).
    pub const NO_STATUS: Self = Self(1005);
    /// 1006: the connection closed without a Close frame (never sent on the wire).
    pub const ABNORMAL: Self = Self(1006);
    /// 1007: message data inconsistent with its type (e.g. invalid UTF-8 in a text message).
    pub const INVALID_PAYLOAD: Self = Self(1007);
    /// 1008: a message violates the endpoint's policy.
    pub const POLICY_VIOLATION: Self = Self(1008);
    /// 1009: a message too big to process.
    pub const MESSAGE_TOO_BIG: Self = Self(1009);
    /// 1010: (client) the server did not negotiate a required extension.
    pub const MANDATORY_EXTENSION: Self = Self(1010);
    /// 1011: (server) an unexpected condition prevented fulfilling the request.
    pub const INTERNAL_ERROR: Self = Self(1011);
    /// 1012: the service is restarting (IANA registry).
    pub const SERVICE_RESTART: Self = Self(1012);
    /// 1013: try again later (IANA registry).
    pub const TRY_AGAIN_LATER: Self = Self(1013);

    /// Whether this code may appear in a Close frame: 1000–1003, 1007–1014 and 3000–4999.
    ///
    /// 1004, 1005, 1006 and 1015 are reserved and never sent; 0–999, the unassigned rest of
    /// 1000–2999 and 5000 and above are invalid (RFC 6455 §7.4.1, §7.4.2 and the IANA
    /// registry).
    pub const fn is_valid_on_wire(self) -> bool {
        matches!(self.0, 1000..=1003 | 1007..=1014 | 3000..=4999)
    }
}

impl From<u16> for CloseCode {
    fn from(v: u16) -> Self {
        Self(v)
    }
}

impl From<CloseCode> for u16 {
    fn from(c: CloseCode) -> Self {
        c.0
    }
}

impl core::fmt::Display for CloseCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Parses and validates the payload of a received Close frame.
///
/// An empty payload means "no status" (`None`). A one-byte payload, a code that may not appear
/// on the wire (→ 1002) or a reason that is not UTF-8 (→ 1007) is an error.
pub fn parse_close_payload(payload: &[u8]) -> Result<Option<(CloseCode, &str)>, ProtocolError> {
    match payload {
        [] => Ok(None),
        [_] => Err(ProtocolError::CloseTooShort),
        [hi, lo, reason @ ..] => {
            let code = CloseCode(u16::from_be_bytes([*hi, *lo]));
            if !code.is_valid_on_wire() {
                return Err(ProtocolError::InvalidCloseCode(code.0));
            }
            let reason = utf8::to_str(reason).map_err(|_| ProtocolError::InvalidCloseReason)?;
            Ok(Some((code, reason)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_codes() {
        for c in [
            1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
            4000, 4999,
        ] {
            assert!(CloseCode(c).is_valid_on_wire(), "{c}");
        }
        for c in [
            0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
        ] {
            assert!(!CloseCode(c).is_valid_on_wire(), "{c}");
        }
    }

    #[test]
    fn payloads() {
        assert_eq!(parse_close_payload(&[]), Ok(None));
        assert_eq!(parse_close_payload(&[3]), Err(ProtocolError::CloseTooShort));
        assert_eq!(
            parse_close_payload(&[0x03, 0xe8]),
            Ok(Some((CloseCode::NORMAL, "")))
        );
        assert_eq!(
            parse_close_payload(b"\x03\xe8bye"),
            Ok(Some((CloseCode::NORMAL, "bye")))
        );
        assert_eq!(
            parse_close_payload(&[0x03, 0xed]),
            Err(ProtocolError::InvalidCloseCode(1005))
        );
        assert_eq!(
            parse_close_payload(&[0x03, 0xe8, 0xff]),
            Err(ProtocolError::InvalidCloseReason)
        );
        assert_eq!(
            ProtocolError::InvalidCloseReason.close_code(),
            CloseCode::INVALID_PAYLOAD
        );
        assert_eq!(
            ProtocolError::CloseTooShort.close_code(),
            CloseCode::PROTOCOL_ERROR
        );
    }
}

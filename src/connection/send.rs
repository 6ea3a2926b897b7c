//! The sending half: frames written into the output buffer, and the state shared with the
//! receiving half.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use super::{Role, State};
use crate::close::CloseCode;
use crate::error::SendError;
use crate::frame::{FrameHeader, OpCode};
use crate::mask::apply_mask;

/// A source of randomness for client masking keys and handshake keys.
pub type BoxRng = Box<dyn rand::Rng + Send + Sync>;

/// The sending half of a [`Connection`](super::Connection), and the owner of its state.
///
/// Every send call appends whole frames to the output buffer, which the driver writes to the
/// transport ([`pending_output`](Self::pending_output), then
/// [`advance_output`](Self::advance_output)). A call that fails queues nothing.
pub struct Sender {
    pub(super) role: Role,
    pub(super) state: State,
    out: Vec<u8>,
    out_pos: usize,
    /// Capacity an emptied `out` keeps ([`Config::retain_buffer`](crate::Config)).
    retain: usize,
    pub(super) close_sent: bool,
    /// Output was acknowledged since the timers last looked.
    pub(super) progress: bool,
    /// The kind of the fragmented message being sent, if any.
    fragmenting: Option<OpCode>,
    rng: Option<BoxRng>,
    pub(super) protocol: Option<String>,
    /// permessage-deflate, once negotiated.
    #[cfg(feature = "deflate")]
    pub(super) compressor: Option<alloc::boxed::Box<crate::extensions::deflate::Compressor>>,
    /// Whether the fragmented message being sent is compressed.
    #[cfg(feature = "deflate")]
    fragment_compressed: bool,
    #[cfg(feature = "deflate")]
    scratch: Vec<u8>,
}

impl core::fmt::Debug for Sender {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sender")
            .field("role", &self.role)
            .field("state", &self.state)
            .field("buffered", &self.buffered_amount())
            .field("close_sent", &self.close_sent)
            .finish_non_exhaustive()
    }
}

impl Sender {
    pub(super) fn new(role: Role, state: State, rng: Option<BoxRng>, retain: usize) -> Self {
        Self {
            role,
            state,
            out: Vec::new(),
            out_pos: 0,
            retain,
            close_sent: false,
            progress: false,
            fragmenting: None,
            rng,
            protocol: None,
            #[cfg(feature = "deflate")]
            compressor: None,
            #[cfg(feature = "deflate")]
            fragment_compressed: false,
            #[cfg(feature = "deflate")]
            scratch: Vec::new(),
        }
    }

    /// The connection's state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Sends a whole text message in one frame.
    pub fn send_text(&mut self, text: &str) -> Result<(), SendError> {
        self.check_data(None)?;
        self.data(true, true, OpCode::Text, text.as_bytes());
        Ok(())
    }

    /// Sends a whole binary message in one frame.
    pub fn send_binary(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.check_data(None)?;
        self.data(true, true, OpCode::Binary, data);
        Ok(())
    }

    /// Sends the next piece of a fragmented text message; `fin` ends the message.
    ///
    /// The first call starts the message; control frames may be sent between pieces, another
    /// message may not.
    pub fn send_text_fragment(&mut self, text: &str, fin: bool) -> Result<(), SendError> {
        self.fragment(OpCode::Text, text.as_bytes(), fin)
    }

    /// Sends the next piece of a fragmented binary message; `fin` ends the message.
    pub fn send_binary_fragment(&mut self, data: &[u8], fin: bool) -> Result<(), SendError> {
        self.fragment(OpCode::Binary, data, fin)
    }

    fn fragment(&mut self, kind: OpCode, data: &[u8], fin: bool) -> Result<(), SendError> {
        self.check_data(Some(kind))?;
        self.data(fin, self.fragmenting.is_none(), kind, data);
        self.fragmenting = if fin { None } else { Some(kind) };
        Ok(())
    }

    /// Writes a data frame: the first of a message carries `kind`, later ones continue it.
    /// With permessage-deflate, a message whose first piece reaches the threshold is
    /// compressed, RSV1 set on its first frame (RFC 7692 §6).
    fn data(&mut self, fin: bool, first: bool, kind: OpCode, payload: &[u8]) {
        let opcode = if first { kind } else { OpCode::Continuation };
        #[cfg(feature = "deflate")]
        if let Some(c) = self.compressor.as_mut() {
            let compress = if first {
                payload.len() >= c.threshold
            } else {
                self.fragment_compressed
            };
            self.fragment_compressed = compress && !fin;
            if compress {
                let mut scratch = core::mem::take(&mut self.scratch);
                scratch.clear();
                c.compress(payload, fin, &mut scratch);
                let rsv = if first { crate::frame::RSV1 } else { 0 };
                self.frame_rsv(fin, rsv, opcode, &scratch);
                self.scratch = scratch;
                return;
            }
        }
        self.frame(fin, opcode, payload);
    }

    /// Sends a Ping (payload at most 125 bytes).
    pub fn send_ping(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.check_control(data)?;
        self.frame(true, OpCode::Ping, data);
        Ok(())
    }

    /// Sends a Pong (payload at most 125 bytes); an unsolicited Pong is a heartbeat.
    ///
    /// Unlike every other send, a Pong may still be sent after this end's Close
    /// ([`State::Closing`]): RFC 6455 §5.5.2 asks for Pings to be answered until the peer's
    /// Close arrives.
    pub fn send_pong(&mut self, data: &[u8]) -> Result<(), SendError> {
        match self.state {
            State::Connecting => return Err(SendError::NotOpen),
            State::Closed => return Err(SendError::Closed),
            State::Open | State::Closing => {}
        }
        if data.len() > 125 {
            return Err(SendError::ControlFrameTooLong);
        }
        self.frame(true, OpCode::Pong, data);
        Ok(())
    }

    /// Starts the closing handshake (RFC 6455 §7.1.2) with `code` and a UTF-8 `reason` of at
    /// most 123 bytes. No data can be sent afterwards; the state becomes
    /// [`State::Closing`] until the peer's Close arrives (or [`State::Closed`] if it already
    /// did).
    pub fn close(&mut self, code: CloseCode, reason: &str) -> Result<(), SendError> {
        self.check_open()?;
        if !code.is_valid_on_wire() {
            return Err(SendError::InvalidCloseCode(code.0));
        }
        if reason.len() > 123 {
            return Err(SendError::ControlFrameTooLong);
        }
        self.write_close(Some(code), reason.as_bytes());
        self.state = State::Closing;
        Ok(())
    }

    /// Frames may be sent: the handshake is done and no Close was sent.
    fn check_open(&self) -> Result<(), SendError> {
        match self.state {
            State::Connecting => Err(SendError::NotOpen),
            State::Closed => Err(SendError::Closed),
            _ if self.close_sent => Err(SendError::Closed),
            _ => Ok(()),
        }
    }

    fn check_data(&self, kind: Option<OpCode>) -> Result<(), SendError> {
        self.check_open()?;
        match (self.fragmenting, kind) {
            (None, _) => Ok(()),
            (Some(a), Some(b)) if a == b => Ok(()),
            _ => Err(SendError::FragmentInProgress),
        }
    }

    fn check_control(&self, data: &[u8]) -> Result<(), SendError> {
        self.check_open()?;
        if data.len() > 125 {
            return Err(SendError::ControlFrameTooLong);
        }
        Ok(())
    }

    /// Writes a Close frame and records that it was sent.
    pub(super) fn write_close(&mut self, code: Option<CloseCode>, reason: &[u8]) {
        let mut payload = [0u8; 125];
        let len = match code {
            Some(c) => {
                let reason = &reason[..reason.len().min(123)];
                payload[..2].copy_from_slice(&c.0.to_be_bytes());
                payload[2..2 + reason.len()].copy_from_slice(reason);
                2 + reason.len()
            }
            None => 0,
        };
        self.frame(true, OpCode::Close, &payload[..len]);
        self.close_sent = true;
    }

    /// Writes one frame without RSV bits, masked with a fresh key in the client role.
    pub(super) fn frame(&mut self, fin: bool, opcode: OpCode, payload: &[u8]) {
        self.frame_rsv(fin, 0, opcode, payload);
    }

    /// Writes one frame, masked with a fresh key in the client role.
    fn frame_rsv(&mut self, fin: bool, rsv: u8, opcode: OpCode, payload: &[u8]) {
        let mask = match (self.role, self.rng.as_mut()) {
            (Role::Client, Some(rng)) => Some(rng.next_u32().to_ne_bytes()),
            _ => None,
        };
        let header = FrameHeader {
            fin,
            rsv,
            opcode,
            mask,
            payload_len: payload.len() as u64,
        };
        self.out.reserve(header.encoded_len() + payload.len());
        header.write(&mut self.out);
        let start = self.out.len();
        self.out.extend_from_slice(payload);
        if let Some(key) = mask {
            apply_mask(&mut self.out[start..], key, 0);
        }
    }

    /// Appends raw bytes (a handshake head) to the output.
    pub(super) fn out_mut(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }

    pub(super) fn random_bytes(&mut self, buf: &mut [u8]) {
        if let Some(rng) = self.rng.as_mut() {
            rng.fill_bytes(buf);
        }
    }

    /// Bytes queued for the transport and not yet acknowledged with
    /// [`advance_output`](Self::advance_output) — the browser's `bufferedAmount`.
    pub fn buffered_amount(&self) -> usize {
        self.out.len() - self.out_pos
    }

    /// The bytes to write to the transport next.
    pub fn pending_output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    /// Acknowledges that the first `n` bytes of [`pending_output`](Self::pending_output)
    /// were written. `n` larger than what is pending is clamped.
    pub fn advance_output(&mut self, n: usize) {
        if n > 0 && self.buffered_amount() > 0 {
            self.progress = true;
        }
        self.out_pos = self.out_pos.saturating_add(n).min(self.out.len());
        if self.out_pos == self.out.len() {
            self.reset_out();
        } else if self.out_pos > 64 * 1024 && self.out_pos * 2 > self.out.len() {
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
        }
    }

    /// Moves all pending output into `dst` (appending), as if it was written.
    pub fn take_output(&mut self, dst: &mut Vec<u8>) {
        if self.buffered_amount() > 0 {
            self.progress = true;
        }
        dst.extend_from_slice(&self.out[self.out_pos..]);
        self.reset_out();
    }

    /// Drops the output that was not written: the peer stopped reading.
    pub(super) fn discard_output(&mut self) {
        self.reset_out();
    }

    /// Empties `out`, keeping at most `retain` bytes of capacity.
    fn reset_out(&mut self) {
        if self.out.capacity() > self.retain {
            self.out = Vec::new();
        } else {
            self.out.clear();
        }
        self.out_pos = 0;
    }

    pub(super) fn shrink(&mut self) {
        if self.buffered_amount() == 0 {
            self.out = Vec::new();
            self.out_pos = 0;
        }
        #[cfg(feature = "deflate")]
        {
            self.scratch = Vec::new();
            if self.fragmenting.is_none() {
                if let Some(c) = self.compressor.as_mut() {
                    c.release();
                }
            }
        }
    }
}

//! The receiving half: handshake parsing, frame decoding, reassembly, validation.

#[cfg(feature = "deflate")]
use alloc::boxed::Box;
use alloc::string::ToString;
use alloc::vec::Vec;

use super::opening::Handshake;
use super::send::Sender;
use super::{Event, Role, State};
use crate::close::{parse_close_payload, CloseCode};
use crate::config::{Config, Delivery};
use crate::error::{Error, ProtocolError};
use crate::frame::{FrameHeader, OpCode};
use crate::mask::apply_mask;
use crate::utf8::{self, Utf8Validator};
use crate::Status;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Text,
    Binary,
}

/// A data frame whose payload is being delivered piece by piece (streaming mode).
#[derive(Clone, Copy, Debug)]
struct StreamFrame {
    kind: Kind,
    fin: bool,
    mask: Option<[u8; 4]>,
    remaining: usize,
    offset: usize,
}

/// A compressed data frame whose inflated output is being delivered piece by piece
/// (streaming mode). The frame arrived whole and was unmasked; its compressed bytes not yet
/// inflated start at the receive buffer's `pos`.
#[cfg(feature = "deflate")]
#[derive(Clone, Copy, Debug)]
struct InflateFrame {
    kind: Kind,
    fin: bool,
    /// Compressed bytes not yet used.
    remaining: usize,
}

/// (Streaming) The most inflated bytes one event delivers: a compressed frame is inflated
/// this much at a time, so memory stays bounded whatever the frame inflates to.
#[cfg(feature = "deflate")]
pub(crate) const INFLATE_PIECE: usize = 64 * 1024;

/// What the next event is, by position, so that it can be borrowed after all mutation.
enum Ready {
    Data {
        kind: Kind,
        start: usize,
        end: usize,
    },
    /// (Streaming) inflated data at the start of the reassembly buffer.
    #[cfg(feature = "deflate")]
    Inflated {
        kind: Kind,
        len: usize,
        fin: bool,
    },
    Message(Kind),
    Chunk {
        kind: Kind,
        start: usize,
        end: usize,
        fin: bool,
    },
    CarryChar {
        len: usize,
        fin: bool,
    },
    Ping(usize, usize),
    Pong(usize, usize),
    Close {
        code: Option<CloseCode>,
        start: usize,
        end: usize,
    },
    Abnormal,
}

enum Step {
    Ready(Ready),
    NeedMore,
    Continue,
}

pub(super) struct Receiver {
    pub(super) buf: Vec<u8>,
    pub(super) pos: usize,
    pub(super) hs: Handshake,
    pub(super) eof: bool,
    /// No more events: the close was delivered, or the connection failed.
    pub(super) done: bool,
    /// A timer gave up on the peer: deliver an abnormal close next.
    pub(super) aborted: bool,
    /// Bytes arrived since the timers last looked.
    pub(super) activity: bool,
    /// The peer's Close frame arrived.
    pub(super) close_received: bool,
    /// RSV bits that negotiated extensions define.
    pub(super) allowed_rsv: u8,
    // Message-mode progress on the frame at `pos`: payload bytes already unmasked, and
    // already fed to the UTF-8 validator.
    unmasked: usize,
    fed: usize,
    utf8: Utf8Validator,
    /// The kind of the fragmented message in progress, if any.
    msg: Option<Kind>,
    /// Reassembly buffer (message mode).
    msg_buf: Vec<u8>,
    /// Bytes of the message in progress in earlier frames.
    msg_len: usize,
    stream: Option<StreamFrame>,
    /// (Streaming) The compressed frame being inflated piece by piece.
    #[cfg(feature = "deflate")]
    inflating: Option<InflateFrame>,
    carry: [u8; 4],
    carry_len: usize,
    /// permessage-deflate, once negotiated.
    #[cfg(feature = "deflate")]
    pub(super) decompressor: Option<Box<crate::extensions::deflate::Decompressor>>,
    /// Whether the fragmented message in progress is compressed.
    #[cfg(feature = "deflate")]
    msg_compressed: bool,
}

impl Receiver {
    pub(super) fn new(hs: Handshake) -> Self {
        Self {
            buf: Vec::new(),
            pos: 0,
            hs,
            eof: false,
            done: false,
            aborted: false,
            activity: false,
            close_received: false,
            allowed_rsv: 0,
            unmasked: 0,
            fed: 0,
            utf8: Utf8Validator::new(),
            msg: None,
            msg_buf: Vec::new(),
            msg_len: 0,
            stream: None,
            #[cfg(feature = "deflate")]
            inflating: None,
            carry: [0; 4],
            carry_len: 0,
            #[cfg(feature = "deflate")]
            decompressor: None,
            #[cfg(feature = "deflate")]
            msg_compressed: false,
        }
    }

    pub(super) fn receive(&mut self, data: &[u8]) {
        if data.is_empty() || self.closed() || self.eof {
            return;
        }
        self.activity = true;
        self.make_room(data.len(), data);
        self.buf.extend_from_slice(data);
    }

    /// Moves unconsumed bytes to the front, then makes room for `room` more bytes, or for the
    /// rest of the frame that begins the buffer (or `incoming`, when the buffer is empty), up
    /// to [`AHEAD`] bytes beyond what is in hand, allocated exactly: a large frame's buffer
    /// does not double past what it needs (which also keeps it below the allocator's mmap
    /// threshold for common sizes).
    fn make_room(&mut self, room: usize, incoming: &[u8]) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let mut want = room;
        if matches!(self.hs, Handshake::Done) && self.stream.is_none() && !self.inflating() {
            let have = self.buf.len();
            let start = if have == 0 { incoming } else { &self.buf[..] };
            if let Some(total) = frame_total(start) {
                let cap = (start.len() - have) as u64 + AHEAD;
                want = want.max(total.saturating_sub(have as u64).min(cap) as usize);
            }
        }
        if self.buf.capacity() - self.buf.len() < want {
            self.buf.reserve_exact(want);
        }
    }

    pub(super) fn receive_into<R>(
        &mut self,
        room: usize,
        retain: usize,
        fill: impl FnOnce(&mut Vec<u8>) -> R,
    ) -> R {
        // Room is made only for bytes that will be kept, and at most MAX_ROOM ahead.
        let room = if self.closed() || self.eof {
            0
        } else {
            room.min(MAX_ROOM)
        };
        self.make_room(room, &[]);
        let before = self.buf.len();
        let r = fill(&mut self.buf);
        assert!(
            self.buf.len() >= before,
            "Connection::receive_into: bytes may only be appended"
        );
        if self.closed() || self.eof {
            self.buf.truncate(before);
        } else if self.buf.len() > before {
            self.activity = true;
        }
        // Nothing arrived into an empty buffer: give the room back, so that a connection
        // waiting for input (a driver that polls with the buffer ready) holds none.
        if self.buf.is_empty() && self.buf.capacity() > retain {
            self.buf = Vec::new();
        }
        r
    }

    pub(super) fn receive_eof(&mut self) {
        self.eof = true;
    }

    /// Bytes received and not yet consumed.
    /// Nothing more will be read: hold no input.
    pub(super) fn release(&mut self) {
        self.buf = Vec::new();
        self.pos = 0;
        self.msg_buf = Vec::new();
        self.msg = None;
        #[cfg(feature = "deflate")]
        {
            self.inflating = None;
        }
    }

    /// Whether a compressed frame is being inflated piece by piece (streaming mode).
    #[inline]
    fn inflating(&self) -> bool {
        #[cfg(feature = "deflate")]
        {
            self.inflating.is_some()
        }
        #[cfg(not(feature = "deflate"))]
        {
            false
        }
    }

    /// No more input is read: the connection closed, failed, or a timer gave up.
    pub(super) fn closed(&self) -> bool {
        self.done || self.aborted
    }

    /// Whether `next_event` has an event to deliver from the bytes already received (a whole
    /// frame, a whole handshake head, streamed payload, or the end of input), as opposed to
    /// waiting for more input. Timers do not give up on the peer while this is true.
    pub(super) fn event_ready(&self, cfg: &Config) -> bool {
        if self.closed() {
            return false;
        }
        let avail = &self.buf[self.pos..];
        if self.eof {
            return true;
        }
        match self.hs {
            // Exactly what `next_event` will find: the parser's own verdict (blank lines
            // before a head, and interim 1xx responses, are skipped; they are no event).
            Handshake::AwaitRequest => {
                return !matches!(
                    crate::handshake::Request::parse(avail, cfg),
                    Ok(crate::Status::Partial)
                );
            }
            Handshake::AwaitResponse(ref awaiting) => {
                return !matches!(
                    crate::handshake::parse_response(
                        avail,
                        &awaiting.accept,
                        &awaiting.options,
                        cfg
                    ),
                    Ok(crate::Status::Partial)
                );
            }
            Handshake::AwaitAnswer(_) => return false,
            Handshake::Done => {}
        }
        if self.stream.is_some() {
            return !avail.is_empty();
        }
        if self.inflating() {
            // The frame is in hand: the next piece needs no input.
            return true;
        }
        frame_total(avail).is_some_and(|total| total <= avail.len() as u64)
    }

    pub(super) fn buffered(&self) -> usize {
        if self.closed() {
            0
        } else {
            self.buf.len() - self.pos
        }
    }

    /// Bytes of the fragmented message reassembled so far.
    pub(super) fn reassembled(&self) -> usize {
        if self.msg.is_some() && !self.closed() {
            self.msg_buf.len()
        } else {
            0
        }
    }

    pub(super) fn shrink(&mut self) {
        if self.pos == self.buf.len() {
            self.buf = Vec::new();
            self.pos = 0;
        }
        if self.msg.is_none() {
            self.msg_buf = Vec::new();
            // (Not in the middle of a frame: its context is needed for the next piece.)
            #[cfg(feature = "deflate")]
            if let (Some(d), None) = (self.decompressor.as_mut(), self.inflating) {
                d.release();
            }
        }
    }

    /// Consumes a server-side request head once it has been answered.
    pub(super) fn take_head(&mut self, head_len: usize) {
        self.pos += head_len;
    }

    pub(super) fn poll<'a>(
        &'a mut self,
        tx: &mut Sender,
        cfg: &Config,
    ) -> Result<Option<Event<'a>>, Error> {
        if self.done {
            self.release();
            return Ok(None);
        }
        // Release consumed bytes. Only an empty buffer is reset here (O(1)); partial data is
        // moved to the front in `receive`, once per read. An empty buffer keeps at most
        // `retain_buffer` bytes of capacity, so an idle connection holds no receive buffer.
        if self.pos == self.buf.len() {
            self.pos = 0;
            if self.buf.capacity() > cfg.retain_buffer {
                self.buf = Vec::new();
            } else {
                self.buf.clear();
            }
        }
        if self.msg.is_none() && !self.inflating() && self.msg_buf.capacity() > cfg.retain_buffer {
            self.msg_buf = Vec::new();
        }
        if self.aborted {
            return Ok(Some(abnormal(&mut self.done, tx)));
        }
        match self.hs {
            Handshake::Done => {}
            Handshake::AwaitRequest => return self.poll_request(tx, cfg),
            Handshake::AwaitAnswer(_) => return self.poll_early_data(tx, cfg),
            Handshake::AwaitResponse(_) => return self.poll_response(tx, cfg),
        }
        let ready = match self.advance(tx, cfg) {
            Ok(Some(r)) => r,
            Ok(None) => return Ok(None),
            Err(e) => return Err(fail(&mut self.done, tx, e)),
        };
        self.materialize(ready, tx).map(Some)
    }

    /// The fast path for the common case: a complete, unfragmented, uncompressed text or
    /// binary frame of up to 64 KiB, outside any fragmented message, in message mode. It checks
    /// what the general path checks (RSV bits, masking by role, size limits; UTF-8 when the
    /// event is materialized) and leaves anything else to it.
    /// Inlined into [`Connection::next_event`](super::Connection::next_event), so that the
    /// common case returns its event in registers rather than through a large `Result`.
    #[inline(always)]
    pub(super) fn small_frame(&mut self, role: Role, cfg: &Config) -> Option<(Kind, usize, usize)> {
        // (Streaming state exists only with Delivery::Streaming, which the config fixes.)
        if self.done
            || !matches!(self.hs, Handshake::Done)
            || self.msg.is_some()
            || self.aborted
            || self.unmasked != 0
            || cfg.delivery != Delivery::Messages
        {
            return None;
        }
        let avail = self.buf.get(self.pos..)?;
        let [b0, b1, ..] = *avail else {
            return None;
        };
        let kind = match b0 {
            0x81 => Kind::Text,
            0x82 => Kind::Binary,
            _ => return None,
        };
        let masked = b1 & 0x80 != 0;
        if masked != (role == Role::Server) {
            return None;
        }
        let (plen, mut hlen) = match b1 & 0x7f {
            126 => (
                u16::from_be_bytes([*avail.get(2)?, *avail.get(3)?]) as usize,
                4,
            ),
            127 => return None,
            n => (n as usize, 2),
        };
        if plen > cfg.max_frame_size || plen > cfg.max_message_size {
            return None;
        }
        let key = if masked {
            let key: [u8; 4] = avail.get(hlen..hlen + 4)?.try_into().ok()?;
            hlen += 4;
            Some(key)
        } else {
            None
        };
        if avail.len() < hlen + plen {
            return None;
        }
        let start = self.pos + hlen;
        let end = start + plen;
        if let Some(key) = key {
            crate::mask::apply_mask_inline(&mut self.buf[start..end], key);
        }
        self.pos = end;
        Some((kind, start, end))
    }

    /// Turns permessage-deflate on with agreed `params`.
    #[cfg(feature = "deflate")]
    pub(super) fn enable_deflate(
        &mut self,
        params: &crate::extensions::deflate::DeflateParams,
        tx: &mut Sender,
        cfg: &Config,
    ) {
        enable_deflate(
            &mut self.decompressor,
            &mut self.allowed_rsv,
            params,
            tx,
            cfg,
        );
    }

    /// The end of the available input: with EOF, the connection closes abnormally.
    fn need_more(&self) -> Option<Ready> {
        self.eof.then_some(Ready::Abnormal)
    }

    fn check_header(&self, h: &FrameHeader, role: Role, cfg: &Config) -> Result<(), ProtocolError> {
        if h.rsv & !self.allowed_rsv != 0 {
            return Err(ProtocolError::ReservedBits(h.rsv));
        }
        // RSV1 (permessage-deflate) marks the first frame of a compressed message only.
        if h.rsv & crate::frame::RSV1 != 0 && !matches!(h.opcode, OpCode::Text | OpCode::Binary) {
            return Err(ProtocolError::ReservedBits(h.rsv));
        }
        match (role, h.mask.is_some()) {
            (Role::Server, false) => return Err(ProtocolError::UnmaskedFrame),
            (Role::Client, true) => return Err(ProtocolError::MaskedFrame),
            _ => {}
        }
        // Control frames (at most 125 bytes, checked by the frame parser) are exempt, so that a
        // tiny limit still lets the closing handshake and keep-alive through.
        if !h.opcode.is_control() && h.payload_len > cfg.max_frame_size as u64 {
            return Err(ProtocolError::FrameTooLarge {
                size: h.payload_len,
                max: cfg.max_frame_size,
            });
        }
        let before = match (h.opcode, self.msg) {
            (OpCode::Continuation, None) => return Err(ProtocolError::UnexpectedContinuation),
            (OpCode::Text | OpCode::Binary, Some(_)) => {
                return Err(ProtocolError::ExpectedContinuation)
            }
            (OpCode::Continuation, Some(_)) => self.msg_len as u64,
            _ => 0,
        };
        // A compressed message is limited by its inflated size, checked while inflating.
        if !h.opcode.is_control()
            && !self.compressed(h)
            && before.saturating_add(h.payload_len) > cfg.max_message_size as u64
        {
            return Err(ProtocolError::MessageTooLarge {
                size: before.saturating_add(h.payload_len),
                max: cfg.max_message_size,
            });
        }
        Ok(())
    }

    /// Whether the data frame `h` belongs to a compressed message.
    fn compressed(&self, h: &FrameHeader) -> bool {
        #[cfg(feature = "deflate")]
        {
            if h.opcode == OpCode::Continuation {
                self.msg_compressed
            } else {
                h.rsv & crate::frame::RSV1 != 0
            }
        }
        #[cfg(not(feature = "deflate"))]
        {
            let _ = h;
            false
        }
    }

    /// Handles a complete frame of a compressed message (permessage-deflate): in message
    /// mode, inflate it with the message size limit enforced while inflating and check text;
    /// in streaming mode, start delivering its inflated output in pieces
    /// ([`inflate_step`](Self::inflate_step)). On an error (the connection fails) the
    /// reassembly buffer and the inflater are released at once: a bomb's output does not
    /// outlive its 1009.
    #[cfg(feature = "deflate")]
    fn inflate_frame(
        &mut self,
        h: &FrameHeader,
        kind: Kind,
        start: usize,
        end: usize,
        cfg: &Config,
    ) -> Result<Option<Ready>, ProtocolError> {
        let r = if cfg.delivery == Delivery::Streaming {
            self.begin_inflate(h, kind, start, end);
            self.inflate_step(cfg)
        } else {
            self.inflate_frame_inner(h, kind, start, end, cfg)
        };
        self.free_on_error(r)
    }

    /// Releases the inflated output and the inflater when `r` is an error.
    #[cfg(feature = "deflate")]
    fn free_on_error(
        &mut self,
        r: Result<Option<Ready>, ProtocolError>,
    ) -> Result<Option<Ready>, ProtocolError> {
        if r.is_err() {
            self.msg_buf = Vec::new();
            self.inflating = None;
            if let Some(d) = self.decompressor.as_mut() {
                d.free();
            }
        }
        r
    }

    /// Message mode: inflates a whole frame into the reassembly buffer.
    #[cfg(feature = "deflate")]
    fn inflate_frame_inner(
        &mut self,
        h: &FrameHeader,
        kind: Kind,
        start: usize,
        end: usize,
        cfg: &Config,
    ) -> Result<Option<Ready>, ProtocolError> {
        let first = h.opcode != OpCode::Continuation;
        let is_text = kind == Kind::Text;
        if first {
            self.msg_len = 0;
            self.utf8.reset();
            self.msg_buf.clear();
        }
        self.msg_compressed = !h.fin;
        self.msg = if h.fin { None } else { Some(kind) };
        let before = self.msg_buf.len();
        let dec = self
            .decompressor
            .as_mut()
            .ok_or(ProtocolError::ReservedBits(crate::frame::RSV1))?;
        dec.inflate(
            &self.buf[start..end],
            h.fin,
            &mut self.msg_buf,
            cfg.max_message_size,
        )?;
        if is_text {
            self.utf8
                .feed(&self.msg_buf[before..])
                .map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        if !h.fin {
            return Ok(None);
        }
        if is_text {
            self.utf8.finish().map_err(|_| ProtocolError::InvalidUtf8)?;
        }
        self.msg_len = 0;
        Ok(Some(Ready::Message(kind)))
    }

    /// Streaming mode: takes a whole, unmasked compressed frame at `start..end` for inflating
    /// piece by piece; its bytes stay in the receive buffer until they are used.
    #[cfg(feature = "deflate")]
    fn begin_inflate(&mut self, h: &FrameHeader, kind: Kind, start: usize, end: usize) {
        if h.opcode != OpCode::Continuation {
            self.msg_len = 0;
        }
        self.msg_compressed = !h.fin;
        self.msg = if h.fin { None } else { Some(kind) };
        self.pos = start;
        self.inflating = Some(InflateFrame {
            kind,
            fin: h.fin,
            remaining: end - start,
        });
    }

    /// Streaming mode: inflates the next piece (at most [`INFLATE_PIECE`] bytes, with the
    /// message size limit enforced) of the frame being inflated, and delivers it; text is
    /// checked and ends on a character boundary, a cut character carried to the next piece.
    /// `None`: nothing to deliver yet (the frame ended and the message goes on, or the piece
    /// is all of a cut character).
    #[cfg(feature = "deflate")]
    fn inflate_step(&mut self, cfg: &Config) -> Result<Option<Ready>, ProtocolError> {
        let Some(f) = self.inflating else {
            return Ok(None);
        };
        let carry = core::mem::take(&mut self.carry_len);
        // (Saturating: usize::MAX means no limit.) One byte more than allowed detects an
        // excess.
        let allowed = cfg.max_message_size.saturating_sub(self.msg_len);
        let room = (INFLATE_PIECE - carry).min(allowed.saturating_add(1));
        self.msg_buf.clear();
        self.msg_buf.extend_from_slice(&self.carry[..carry]);
        self.msg_buf.resize(carry + room, 0);
        let dec = self
            .decompressor
            .as_mut()
            .ok_or(ProtocolError::ReservedBits(crate::frame::RSV1))?;
        let input = &self.buf[self.pos..self.pos + f.remaining];
        let piece = dec.inflate_piece(input, f.fin, &mut self.msg_buf[carry..])?;
        self.msg_buf.truncate(carry + piece.written);
        if piece.written > allowed {
            return Err(ProtocolError::MessageTooLarge {
                size: (self.msg_len as u64).saturating_add(piece.written as u64),
                max: cfg.max_message_size,
            });
        }
        self.msg_len += piece.written;
        self.pos += piece.used;
        self.inflating = (!piece.done).then_some(InflateFrame {
            remaining: f.remaining - piece.used,
            ..f
        });
        let fin = piece.done && f.fin;
        if fin {
            self.msg_len = 0;
        }
        let mut len = self.msg_buf.len();
        if f.kind == Kind::Text {
            len = utf8::validate_prefix(&self.msg_buf).map_err(|_| ProtocolError::InvalidUtf8)?;
            let tail = self.msg_buf.len() - len;
            if tail > 0 {
                if fin {
                    return Err(ProtocolError::InvalidUtf8);
                }
                self.carry[..tail].copy_from_slice(&self.msg_buf[len..]);
                self.carry_len = tail;
            }
        }
        if len == 0 && !fin {
            return Ok(None);
        }
        Ok(Some(Ready::Inflated {
            kind: f.kind,
            len,
            fin,
        }))
    }

    fn advance(&mut self, tx: &mut Sender, cfg: &Config) -> Result<Option<Ready>, ProtocolError> {
        loop {
            if let Some(sf) = self.stream {
                match self.stream_step(sf)? {
                    Step::Ready(r) => return Ok(Some(r)),
                    Step::NeedMore => return Ok(self.need_more()),
                    Step::Continue => continue,
                }
            }
            #[cfg(feature = "deflate")]
            if self.inflating.is_some() {
                let r = self.inflate_step(cfg);
                match self.free_on_error(r)? {
                    Some(r) => return Ok(Some(r)),
                    None => continue,
                }
            }
            let (h, hlen) = match FrameHeader::parse(&self.buf[self.pos..])? {
                Status::Complete(x) => x,
                Status::Partial => return Ok(self.need_more()),
            };
            self.check_header(&h, tx.role, cfg)?;
            // Fits in usize: checked against max_frame_size above.
            let plen = h.payload_len as usize;
            let pstart = self.pos + hlen;
            let have = self.buf.len() - pstart;
            if h.opcode.is_control() {
                return match self.take_whole_frame(h.mask, pstart, plen) {
                    Some(end) => self.control(h.opcode, pstart, end, tx, cfg).map(Some),
                    None => Ok(self.need_more()),
                };
            }
            let kind = match (h.opcode, self.msg) {
                (OpCode::Text, _) => Kind::Text,
                (OpCode::Binary, _) => Kind::Binary,
                (_, Some(k)) => k,
                // check_header refused a continuation without a message.
                (_, None) => return Err(ProtocolError::UnexpectedContinuation),
            };
            #[cfg(feature = "deflate")]
            if self.compressed(&h) {
                // Compressed frames arrive whole; in streaming mode, they are inflated piece
                // by piece.
                let Some(end) = self.take_whole_frame(h.mask, pstart, plen) else {
                    return Ok(self.need_more());
                };
                match self.inflate_frame(&h, kind, pstart, end, cfg)? {
                    Some(r) => return Ok(Some(r)),
                    None => continue,
                }
            }
            if h.opcode != OpCode::Continuation {
                self.msg_len = 0;
            }
            if cfg.delivery == Delivery::Streaming {
                self.pos = pstart;
                self.msg = if h.fin { None } else { Some(kind) };
                self.msg_len = if h.fin { 0 } else { self.msg_len + plen };
                if plen == 0 {
                    if !h.fin {
                        continue;
                    }
                    if self.carry_len > 0 {
                        return Err(ProtocolError::InvalidUtf8);
                    }
                    return Ok(Some(Ready::Chunk {
                        kind,
                        start: pstart,
                        end: pstart,
                        fin: true,
                    }));
                }
                self.stream = Some(StreamFrame {
                    kind,
                    fin: h.fin,
                    mask: h.mask,
                    remaining: plen,
                    offset: 0,
                });
                continue;
            }
            let is_text = kind == Kind::Text;
            if is_text && h.opcode == OpCode::Text && self.fed == 0 {
                self.utf8.reset();
            }
            if have < plen {
                // Unmask what is here, and check text at once: fail fast on invalid UTF-8.
                let end = pstart + have;
                if let Some(key) = h.mask {
                    apply_mask(
                        &mut self.buf[pstart + self.unmasked..end],
                        key,
                        self.unmasked,
                    );
                }
                self.unmasked = have;
                if is_text {
                    self.utf8
                        .feed(&self.buf[pstart + self.fed..end])
                        .map_err(|_| ProtocolError::InvalidUtf8)?;
                    self.fed = have;
                }
                return Ok(self.need_more());
            }
            let end = pstart + plen;
            if let Some(key) = h.mask {
                apply_mask(
                    &mut self.buf[pstart + self.unmasked..end],
                    key,
                    self.unmasked,
                );
            }
            let fed = self.fed;
            self.unmasked = 0;
            self.fed = 0;
            self.pos = end;
            if h.fin && h.opcode != OpCode::Continuation {
                if is_text && fed > 0 {
                    self.utf8
                        .feed(&self.buf[pstart + fed..end])
                        .and_then(|()| self.utf8.finish())
                        .map_err(|_| ProtocolError::InvalidUtf8)?;
                }
                return Ok(Some(Ready::Data {
                    kind,
                    start: pstart,
                    end,
                }));
            }
            if h.opcode != OpCode::Continuation {
                self.msg = Some(kind);
                self.msg_buf.clear();
            }
            self.msg_buf.extend_from_slice(&self.buf[pstart..end]);
            self.msg_len += plen;
            if is_text {
                self.utf8
                    .feed(&self.buf[pstart + fed..end])
                    .map_err(|_| ProtocolError::InvalidUtf8)?;
            }
            if h.fin {
                if is_text {
                    self.utf8.finish().map_err(|_| ProtocolError::InvalidUtf8)?;
                }
                self.msg = None;
                self.msg_len = 0;
                return Ok(Some(Ready::Message(kind)));
            }
        }
    }

    /// If the whole payload of the frame starting at `pstart` has arrived: unmask it, consume
    /// the frame, and return the payload's end.
    fn take_whole_frame(
        &mut self,
        mask: Option<[u8; 4]>,
        pstart: usize,
        plen: usize,
    ) -> Option<usize> {
        if self.buf.len() - pstart < plen {
            return None;
        }
        let end = pstart + plen;
        if let Some(key) = mask {
            apply_mask(&mut self.buf[pstart..end], key, 0);
        }
        self.pos = end;
        Some(end)
    }

    /// Delivers the next piece of a data frame in streaming mode.
    fn stream_step(&mut self, mut sf: StreamFrame) -> Result<Step, ProtocolError> {
        let avail = (self.buf.len() - self.pos).min(sf.remaining);
        if avail == 0 {
            return Ok(Step::NeedMore);
        }
        let start = self.pos;
        if sf.kind == Kind::Text && self.carry_len > 0 {
            // Complete the character cut at the end of the previous piece first.
            let width = utf8_width(self.carry[0]);
            let take = width.saturating_sub(self.carry_len).clamp(1, avail);
            let end = start + take;
            if let Some(key) = sf.mask {
                apply_mask(&mut self.buf[start..end], key, sf.offset);
            }
            self.carry[self.carry_len..self.carry_len + take]
                .copy_from_slice(&self.buf[start..end]);
            self.carry_len += take;
            let msg_done = self.advance_stream(&mut sf, take);
            let complete = utf8::validate_prefix(&self.carry[..self.carry_len])
                .map_err(|_| ProtocolError::InvalidUtf8)?;
            if complete == 0 {
                return if msg_done {
                    Err(ProtocolError::InvalidUtf8)
                } else {
                    Ok(Step::Continue)
                };
            }
            let len = self.carry_len;
            self.carry_len = 0;
            return Ok(Step::Ready(Ready::CarryChar { len, fin: msg_done }));
        }
        let end = start + avail;
        if let Some(key) = sf.mask {
            apply_mask(&mut self.buf[start..end], key, sf.offset);
        }
        let msg_done = self.advance_stream(&mut sf, avail);
        let mut chunk_end = end;
        if sf.kind == Kind::Text {
            let n = utf8::validate_prefix(&self.buf[start..end])
                .map_err(|_| ProtocolError::InvalidUtf8)?;
            chunk_end = start + n;
            let tail = end - chunk_end;
            if tail > 0 {
                if msg_done {
                    return Err(ProtocolError::InvalidUtf8);
                }
                self.carry[..tail].copy_from_slice(&self.buf[chunk_end..end]);
                self.carry_len = tail;
            }
        }
        if chunk_end == start && !msg_done {
            return Ok(Step::Continue);
        }
        Ok(Step::Ready(Ready::Chunk {
            kind: sf.kind,
            start,
            end: chunk_end,
            fin: msg_done,
        }))
    }

    /// Consumes `n` payload bytes of the streaming frame; returns whether the message ended.
    fn advance_stream(&mut self, sf: &mut StreamFrame, n: usize) -> bool {
        self.pos += n;
        sf.offset += n;
        sf.remaining -= n;
        if sf.remaining == 0 {
            self.stream = None;
            sf.fin
        } else {
            self.stream = Some(*sf);
            false
        }
    }

    fn control(
        &mut self,
        opcode: OpCode,
        start: usize,
        end: usize,
        tx: &mut Sender,
        cfg: &Config,
    ) -> Result<Ready, ProtocolError> {
        let payload = &self.buf[start..end];
        Ok(match opcode {
            OpCode::Ping => {
                // RFC 6455 §5.5.2: a Ping is answered until the peer's Close arrives, also
                // after this end sent its own (Closing).
                if cfg.auto_pong && tx.state != State::Closed {
                    tx.frame(true, OpCode::Pong, payload);
                }
                Ready::Ping(start, end)
            }
            OpCode::Pong => Ready::Pong(start, end),
            _ => {
                let parsed = parse_close_payload(payload)?;
                self.close_received = true;
                let code = parsed.map(|(c, _)| c);
                if !tx.close_sent {
                    // Echo the status code (RFC 6455 §5.5.1); an empty Close gets an empty Close.
                    tx.write_close(code, b"");
                }
                tx.state = State::Closed;
                self.done = true;
                let reason_start = if code.is_some() { start + 2 } else { end };
                Ready::Close {
                    code,
                    start: reason_start,
                    end,
                }
            }
        })
    }

    fn materialize<'a>(&'a mut self, ready: Ready, tx: &mut Sender) -> Result<Event<'a>, Error> {
        Ok(match ready {
            Ready::Data {
                kind: Kind::Binary,
                start,
                end,
            } => Event::Binary(&self.buf[start..end]),
            Ready::Data {
                kind: Kind::Text,
                start,
                end,
            } => Event::Text(text(&self.buf[start..end], &mut self.done, tx)?),
            #[cfg(feature = "deflate")]
            Ready::Inflated {
                kind: Kind::Binary,
                len,
                fin,
            } => Event::BinaryChunk {
                data: &self.msg_buf[..len],
                fin,
            },
            #[cfg(feature = "deflate")]
            Ready::Inflated {
                kind: Kind::Text,
                len,
                fin,
            } => Event::TextChunk {
                text: text(&self.msg_buf[..len], &mut self.done, tx)?,
                fin,
            },
            Ready::Message(Kind::Binary) => Event::Binary(&self.msg_buf),
            Ready::Message(Kind::Text) => Event::Text(text(&self.msg_buf, &mut self.done, tx)?),
            Ready::Chunk {
                kind: Kind::Binary,
                start,
                end,
                fin,
            } => Event::BinaryChunk {
                data: &self.buf[start..end],
                fin,
            },
            Ready::Chunk {
                kind: Kind::Text,
                start,
                end,
                fin,
            } => Event::TextChunk {
                text: text(&self.buf[start..end], &mut self.done, tx)?,
                fin,
            },
            Ready::CarryChar { len, fin } => Event::TextChunk {
                text: text(&self.carry[..len], &mut self.done, tx)?,
                fin,
            },
            Ready::Ping(s, e) => Event::Ping(&self.buf[s..e]),
            Ready::Pong(s, e) => Event::Pong(&self.buf[s..e]),
            Ready::Close { code, start, end } => Event::Close {
                code: code.unwrap_or(CloseCode::NO_STATUS),
                reason: text(&self.buf[start..end], &mut self.done, tx)?,
                was_clean: true,
            },
            Ready::Abnormal => abnormal(&mut self.done, tx),
        })
    }
}

/// Most room [`Receiver::receive_into`] makes for one read.
pub(super) const MAX_ROOM: usize = 1 << 20;

/// Most room made ahead of a frame's bytes on the word of its header: a peer that announces
/// a large frame and stalls holds at most this much more than it sent.
const AHEAD: u64 = 64 * 1024;

/// The whole length (header and payload) of the frame that `bytes` starts with, once its
/// header has arrived.
fn frame_total(bytes: &[u8]) -> Option<u64> {
    match FrameHeader::parse(bytes) {
        Ok(Status::Complete((h, hlen))) => Some(hlen as u64 + h.payload_len),
        _ => None,
    }
}

/// Sets up both halves of permessage-deflate and allows RSV1.
#[cfg(feature = "deflate")]
pub(super) fn enable_deflate(
    decompressor: &mut Option<Box<crate::extensions::deflate::Decompressor>>,
    allowed_rsv: &mut u8,
    params: &crate::extensions::deflate::DeflateParams,
    tx: &mut Sender,
    cfg: &Config,
) {
    use crate::extensions::deflate::{Compressor, Decompressor, DeflateConfig};
    let default = DeflateConfig::default();
    let config = cfg.deflate.as_ref().unwrap_or(&default);
    tx.compressor = Compressor::new(params, tx.role, config).map(Box::new);
    *decompressor = Some(Box::new(Decompressor::new(params, tx.role)));
    *allowed_rsv |= crate::frame::RSV1;
}

/// `bytes` as text, or the connection failed with 1007 (invalid UTF-8).
#[inline]
pub(super) fn text<'a>(
    bytes: &'a [u8],
    done: &mut bool,
    tx: &mut Sender,
) -> Result<&'a str, Error> {
    utf8::to_str(bytes).map_err(|_| fail(done, tx, ProtocolError::InvalidUtf8))
}

/// Fails the connection (RFC 6455 §7.1.7): queue a Close with the prescribed code, stop
/// delivering events, and report the error.
fn fail(done: &mut bool, tx: &mut Sender, e: ProtocolError) -> Error {
    if !tx.close_sent && tx.state != State::Closed {
        let reason = e.to_string();
        tx.write_close(Some(e.close_code()), reason.as_bytes());
    }
    tx.state = State::Closed;
    *done = true;
    Error::Protocol(e)
}

/// Ends the connection without a closing handshake (end of file, or a timer gave up).
pub(super) fn abnormal(done: &mut bool, tx: &mut Sender) -> Event<'static> {
    *done = true;
    tx.state = State::Closed;
    Event::Close {
        code: CloseCode::ABNORMAL,
        reason: "",
        was_clean: false,
    }
}

/// The length of the UTF-8 sequence that `lead` starts (1 for anything not a lead byte).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

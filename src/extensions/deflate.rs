//! permessage-deflate (RFC 7692): negotiation and per-message (de)compression.
//!
//! The backend is [flate2] on zlib-rs, a pure-Rust port of zlib-ng: it is fast, and unlike
//! miniz_oxide it supports window sizes below 2^15, which the `*_max_window_bits` parameters
//! require. zlib cannot compress raw deflate with a 256-byte window (8 bits); when a peer
//! limits this end to 8 bits, this end sends its messages uncompressed, which RFC 7692
//! allows.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::{parse_extensions, ExtensionOffer};
use crate::error::{HandshakeError, ProtocolError};
use crate::frame::Role;

/// The extension's name.
pub const NAME: &str = "permessage-deflate";
/// The bytes a sync flush ends with, removed from each compressed message (RFC 7692 §7.2.1).
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
/// The inflate output grows geometrically up to this capacity; past it, the whole message
/// limit (plus one byte, to detect an excess) is reserved at once, so that a large message is
/// never copied by a reallocation and the peak is at most the limit plus this much.
const SMALL: usize = 256 * 1024;

/// What this end offers or accepts for permessage-deflate.
///
/// The defaults accept any offer with context takeover and 15-bit windows, compress messages
/// of 64 bytes or more at level 1 (fast), and offer the same as a client.
///
/// Every value of every field is accepted: a `level` above 9 is used as 9, and window bits
/// outside 9–15 are used as the nearest of 9 and 15 (zlib cannot compress raw deflate with
/// a 256-byte window, so 8 is not offered, asked for, or accepted from an offer).
///
/// ```
/// let mut config = rfc6455::Config::default();
/// let deflate = config.deflate.as_mut().unwrap();
/// deflate.server_max_window_bits = 12; // 4 KiB window for what the server sends
/// deflate.server_no_context_takeover = true; // and no state kept between messages
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeflateConfig {
    /// zlib compression level, 0–9 (larger values mean 9). Default 1.
    pub level: u32,
    /// Messages shorter than this are sent uncompressed (`usize::MAX`: never compress).
    /// Default 64.
    pub threshold: usize,
    /// The server resets its compressor after every message. As a server: always agree to
    /// it; as a client: ask for it.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after every message. As a server: ask for it; as a
    /// client: promise it in the offer.
    pub client_no_context_takeover: bool,
    /// Largest window (9–15 bits; clamped into that range) the server compresses with. As a server: the most this end
    /// uses; as a client: asked of the server when below 15.
    pub server_max_window_bits: u8,
    /// Largest window (9–15 bits; clamped into that range) the client compresses with. As a client: the most this end
    /// uses; as a server: asked of the client when below 15 (if the client allows it).
    pub client_max_window_bits: u8,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        Self {
            level: 1,
            threshold: 64,
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        }
    }
}

/// The parameters both ends agreed on.
///
/// Any value is accepted by [`Connection::enable_deflate`](crate::Connection::enable_deflate):
/// window bits above 15 are used as 15; this end compresses only with 9 bits or more (with
/// less it sends its messages uncompressed) and always inflates with a window of at least 9
/// bits (which covers 8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeflateParams {
    /// The server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after each message.
    pub client_no_context_takeover: bool,
    /// The server's compression window, in bits.
    pub server_max_window_bits: u8,
    /// The client's compression window, in bits.
    pub client_max_window_bits: u8,
}

impl DeflateParams {
    /// The `Sec-WebSocket-Extensions` response value for these parameters, as a server sends
    /// it (`server_window_offered`: whether the offer named `server_max_window_bits`, which
    /// the response must then name too, RFC 7692 §7.1.2.1; `client_window_requested`:
    /// whether to name `client_max_window_bits`).
    fn response(&self, server_window_offered: bool, client_window_requested: bool) -> String {
        let server_bits = (server_window_offered || self.server_max_window_bits < 15)
            .then_some(self.server_max_window_bits);
        let client_bits = client_window_requested.then_some(Some(self.client_max_window_bits));
        header_value(
            self.server_no_context_takeover,
            self.client_no_context_takeover,
            server_bits,
            client_bits,
        )
    }
}

/// A `permessage-deflate` element with these parameters; `client_bits` is `Some(None)` for
/// `client_max_window_bits` without a value.
fn header_value(
    server_nct: bool,
    client_nct: bool,
    server_bits: Option<u8>,
    client_bits: Option<Option<u8>>,
) -> String {
    let mut s = String::from(NAME);
    if server_nct {
        s.push_str("; server_no_context_takeover");
    }
    if client_nct {
        s.push_str("; client_no_context_takeover");
    }
    if let Some(b) = server_bits {
        s.push_str(&format!("; server_max_window_bits={b}"));
    }
    match client_bits {
        Some(Some(b)) => s.push_str(&format!("; client_max_window_bits={b}")),
        Some(None) => s.push_str("; client_max_window_bits"),
        None => {}
    }
    s
}

/// The parameters of one offer or response, checked for duplicates and range.
#[derive(Default)]
struct Parsed {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: Option<u8>,
    /// `Some(None)`: present without a value (allowed in offers only).
    client_max_window_bits: Option<Option<u8>>,
}

/// A window size: a decimal 8–15 without leading zeros (RFC 7692 §7.1.2).
fn parse_bits(v: Option<&str>) -> Option<u8> {
    match v?.as_bytes() {
        [b @ b'8'..=b'9'] => Some(b - b'0'),
        [b'1', b @ b'0'..=b'5'] => Some(10 + b - b'0'),
        _ => None,
    }
}

/// Parses the parameters; `None` for an unknown, repeated or invalid one (RFC 7692 §5, §7).
fn parse_params(ext: &ExtensionOffer<'_>) -> Option<Parsed> {
    let mut p = Parsed::default();
    let mut seen = [false; 4];
    for (name, value) in &ext.params {
        let idx = match name.to_ascii_lowercase().as_str() {
            "server_no_context_takeover" => {
                if value.is_some() {
                    return None;
                }
                p.server_no_context_takeover = true;
                0
            }
            "client_no_context_takeover" => {
                if value.is_some() {
                    return None;
                }
                p.client_no_context_takeover = true;
                1
            }
            "server_max_window_bits" => {
                p.server_max_window_bits = Some(parse_bits(value.as_deref())?);
                2
            }
            "client_max_window_bits" => {
                p.client_max_window_bits = Some(match value {
                    None => None,
                    v => Some(parse_bits(v.as_deref())?),
                });
                3
            }
            _ => return None,
        };
        if core::mem::replace(&mut seen[idx], true) {
            return None;
        }
    }
    Some(p)
}

/// Server side: picks the first acceptable permessage-deflate offer, in the client's order.
/// Offers with unknown, repeated or invalid parameters are declined (RFC 7692 §5). Returns the
/// agreed parameters and the response header value, or `None` to decline them all.
pub fn negotiate_server(
    offers: &[ExtensionOffer<'_>],
    config: &DeflateConfig,
) -> Option<(DeflateParams, String)> {
    let ours_server = config.server_max_window_bits.clamp(9, 15);
    let ours_client = config.client_max_window_bits.clamp(9, 15);
    offers
        .iter()
        .filter(|o| o.name.eq_ignore_ascii_case(NAME))
        .find_map(|offer| {
            let p = parse_params(offer)?;
            let server_bits = match p.server_max_window_bits {
                // zlib cannot compress raw deflate with an 8-bit window: decline this offer.
                Some(8) => return None,
                Some(b) => b.min(ours_server),
                None => ours_server,
            };
            let (client_bits, name_client_bits) = match p.client_max_window_bits {
                None => (15, false),
                Some(None) => (ours_client, ours_client < 15),
                Some(Some(b)) => (b.min(ours_client), true),
            };
            let params = DeflateParams {
                server_no_context_takeover: p.server_no_context_takeover
                    || config.server_no_context_takeover,
                client_no_context_takeover: p.client_no_context_takeover
                    || config.client_no_context_takeover,
                server_max_window_bits: server_bits,
                client_max_window_bits: client_bits,
            };
            let response = params.response(p.server_max_window_bits.is_some(), name_client_bits);
            Some((params, response))
        })
}

/// Client side: the offer to send.
pub fn client_offer(config: &DeflateConfig) -> String {
    let server = config.server_max_window_bits.clamp(9, 15);
    let client = config.client_max_window_bits.clamp(9, 15);
    let server_bits = (server < 15).then_some(server);
    // Without a value, client_max_window_bits tells the server it may limit our window.
    let client_bits = Some((client < 15).then_some(client));
    header_value(
        config.server_no_context_takeover,
        config.client_no_context_takeover,
        server_bits,
        client_bits,
    )
}

/// Client side: validates the server's answer to [`client_offer`]`(config)` (RFC 7692 §7.1),
/// as [`check_response`] does, then applies this end's own limits: the client compresses
/// with at most `config.client_max_window_bits` and resets its context if
/// `config.client_no_context_takeover`.
pub fn accept_response(
    ext: &ExtensionOffer<'_>,
    config: &DeflateConfig,
) -> Result<DeflateParams, HandshakeError> {
    let offer = client_offer(config);
    let mut offers = Vec::new();
    // Our own offer always parses.
    parse_extensions(&offer, &mut offers).map_err(|_| HandshakeError::InvalidExtensionResponse)?;
    check_response(ext, &offers).map(|p| p.with_client_limits(config))
}

impl DeflateParams {
    /// The client's own limits on top of what was agreed: a smaller window or no context
    /// takeover for what it sends (either is always safe for the receiver).
    pub(crate) fn with_client_limits(mut self, config: &DeflateConfig) -> Self {
        self.client_max_window_bits = self
            .client_max_window_bits
            .min(config.client_max_window_bits.clamp(9, 15));
        self.client_no_context_takeover |= config.client_no_context_takeover;
        self
    }
}

/// Checks a `permessage-deflate` response element against the offers that were sent
/// (`offers`: every element of the request's `Sec-WebSocket-Extensions`; other extensions are
/// skipped), RFC 7692 §7.1. The answer must have known, unrepeated, valid parameters and fit
/// one offer: `server_no_context_takeover` if that offer asked for it, `server_max_window_bits`
/// at most the offered value (15 if the answer omits it), `client_max_window_bits` only if
/// the offer named it, with a value, at most the offered one. The parameters come from the
/// first offer the answer fits: the client resets its context if the answer or that offer says
/// `client_no_context_takeover`, and compresses with the answer's `client_max_window_bits`,
/// else the offer's, else 15.
///
/// ```
/// use rfc6455::extensions::{deflate::check_response, parse_extensions};
/// let (mut offers, mut answer) = (Vec::new(), Vec::new());
/// parse_extensions("permessage-deflate; server_max_window_bits=10", &mut offers).unwrap();
/// parse_extensions("permessage-deflate; server_max_window_bits=12", &mut answer).unwrap();
/// assert!(check_response(&answer[0], &offers).is_err()); // 12 > 10
/// ```
pub fn check_response(
    answer: &ExtensionOffer<'_>,
    offers: &[ExtensionOffer<'_>],
) -> Result<DeflateParams, HandshakeError> {
    let bad = HandshakeError::InvalidExtensionResponse;
    if !answer.name.eq_ignore_ascii_case(NAME) {
        return Err(bad);
    }
    let a = parse_params(answer).ok_or(bad.clone())?;
    // A response's client_max_window_bits must have a value (§7.1.2.2).
    let answer_client_bits = match a.client_max_window_bits {
        Some(None) => return Err(bad),
        Some(Some(b)) => Some(b),
        None => None,
    };
    let server_bits = a.server_max_window_bits.unwrap_or(15);
    let mut any_offer = false;
    for offer in offers.iter().filter(|o| o.name.eq_ignore_ascii_case(NAME)) {
        any_offer = true;
        let Some(o) = parse_params(offer) else {
            continue;
        };
        if o.server_no_context_takeover && !a.server_no_context_takeover {
            continue;
        }
        if server_bits > o.server_max_window_bits.unwrap_or(15) {
            continue;
        }
        let client_bits = match (answer_client_bits, o.client_max_window_bits) {
            (Some(_), None) => continue,
            (Some(b), Some(Some(max))) if b > max => continue,
            (Some(b), _) => b,
            (None, Some(Some(hint))) => hint,
            (None, _) => 15,
        };
        return Ok(DeflateParams {
            server_no_context_takeover: a.server_no_context_takeover,
            client_no_context_takeover: a.client_no_context_takeover
                || o.client_no_context_takeover,
            server_max_window_bits: server_bits,
            client_max_window_bits: client_bits,
        });
    }
    Err(if any_offer {
        bad
    } else {
        HandshakeError::ExtensionNotOffered
    })
}

/// The compressing half, owned by the sender. Its zlib state is allocated on first use.
pub(crate) struct Compressor {
    state: Option<Compress>,
    level: u32,
    window_bits: u8,
    no_context_takeover: bool,
    pub(crate) threshold: usize,
}

impl Compressor {
    /// The compressor for `role`; `None` if the agreed window is too small for zlib.
    pub(crate) fn new(params: &DeflateParams, role: Role, config: &DeflateConfig) -> Option<Self> {
        let (bits, reset) = match role {
            Role::Server => (
                params.server_max_window_bits,
                params.server_no_context_takeover,
            ),
            Role::Client => (
                params.client_max_window_bits,
                params.client_no_context_takeover,
            ),
        };
        (bits >= 9).then(|| Self {
            state: None,
            level: config.level.min(9),
            window_bits: bits.min(15),
            no_context_takeover: reset,
            threshold: config.threshold,
        })
    }

    /// Compresses one message (or one fragment of it) and appends the result to `out`; the
    /// final piece has its sync-flush tail removed, and resets the context if agreed.
    pub(crate) fn compress(&mut self, mut input: &[u8], fin: bool, out: &mut Vec<u8>) {
        let (level, bits) = (self.level, self.window_bits);
        let state = self.state.get_or_insert_with(|| {
            Compress::new_with_window_bits(Compression::new(level), false, bits)
        });
        let start = out.len();
        loop {
            out.reserve(input.len() / 2 + 128);
            let before = state.total_in();
            // A sync flush never fails on a valid state with room in `out`.
            if state.compress_vec(input, out, FlushCompress::Sync).is_err() {
                break;
            }
            let used = (state.total_in() - before) as usize;
            input = &input[used..];
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
        if fin {
            if out.len() >= start + 4 && out[out.len() - 4..] == TAIL {
                out.truncate(out.len() - 4);
            } else if out.len() == start {
                // Nothing new since the last flush (an empty last piece): send the start of
                // an empty stored block, which the receiver's appended tail completes.
                out.push(0x00);
            }
            if self.no_context_takeover {
                state.reset();
            }
        }
    }

    /// Drops the zlib state when no context is kept between messages (saves memory).
    pub(crate) fn release(&mut self) {
        if self.no_context_takeover {
            self.state = None;
        }
    }
}

/// The decompressing half, owned by the receiver. Its zlib state is allocated on first use.
pub(crate) struct Decompressor {
    state: Option<Decompress>,
    window_bits: u8,
    no_context_takeover: bool,
    /// Compressed bytes arrived for the message in progress.
    fed: bool,
    /// ([`inflate_piece`](Self::inflate_piece)) Bytes of the tail fed for the message in
    /// progress, and whether the last piece filled its output (more may be pending).
    tail_fed: u8,
    pending: bool,
}

/// The progress of one [`Decompressor::inflate_piece`] call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Piece {
    /// Compressed input bytes used.
    pub(crate) used: usize,
    /// Bytes written to the output.
    pub(crate) written: usize,
    /// The frame is finished: all its input used, with `fin` the tail too, and no output
    /// pending.
    pub(crate) done: bool,
}

impl Decompressor {
    pub(crate) fn new(params: &DeflateParams, role: Role) -> Self {
        let (bits, reset) = match role {
            Role::Server => (
                params.client_max_window_bits,
                params.client_no_context_takeover,
            ),
            Role::Client => (
                params.server_max_window_bits,
                params.server_no_context_takeover,
            ),
        };
        Self {
            state: None,
            // zlib compresses "8 bits" with a 9-bit window; inflating with 9 covers both.
            window_bits: bits.clamp(9, 15),
            no_context_takeover: reset,
            fed: false,
            tail_fed: 0,
            pending: false,
        }
    }

    /// Inflates `input` (part of a compressed message), appending to `out`, which may not grow
    /// past `limit` bytes: the check runs while inflating, so a bomb is stopped early. With
    /// `fin`, the message's removed tail is fed too and the context reset if agreed.
    ///
    /// A message with no compressed bytes at all is empty, and leaves the inflater as it
    /// was: its sender emitted nothing, so the tail is not appended either (appending it would
    /// leave the inflater inside a stored block, and the next message would inflate to
    /// garbage).
    pub(crate) fn inflate(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), ProtocolError> {
        self.fed |= !input.is_empty();
        if !input.is_empty() {
            self.inflate_part(input, out, limit)?;
        }
        if fin {
            if !core::mem::take(&mut self.fed) {
                return Ok(());
            }
            self.inflate_part(&TAIL, out, limit)?;
            if self.no_context_takeover {
                if let Some(s) = self.state.as_mut() {
                    s.reset(false);
                }
            }
        }
        Ok(())
    }

    fn inflate_part(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), ProtocolError> {
        let bits = self.window_bits;
        let state = self
            .state
            .get_or_insert_with(|| Decompress::new_with_window_bits(false, bits));
        loop {
            if out.len() > limit {
                return Err(too_big(out.len(), limit));
            }
            if out.len() == out.capacity() {
                grow(out, limit, input.len());
            }
            let (used, full, ended) = decompress_into(state, input, out)?;
            input = &input[used..];
            // (A stream that ends without using input is progress too: zlib may report the
            // end of a final block only on the call after the one that filled `out`.)
            if used == 0 && !full && !ended && !input.is_empty() {
                // No progress with input and room left: the stream ended and what follows
                // cannot be decoded.
                return Err(ProtocolError::InvalidCompressedData);
            }
            if out.len() > limit {
                return Err(too_big(out.len(), limit));
            }
            if input.is_empty() && !full {
                return Ok(());
            }
        }
    }

    /// Inflates the next piece of a frame of a compressed message, for delivery in bounded
    /// pieces: from `input` (the frame's compressed bytes not used yet) into `out`, until `out`
    /// is full or nothing is left. With `fin` (the frame ends the message), the removed tail
    /// is fed after the input, and the context reset if agreed, as [`inflate`](Self::inflate)
    /// does. Call again with the unused input until the piece says `done`: a full `out` may
    /// leave output pending even when all input is used.
    pub(crate) fn inflate_piece(
        &mut self,
        input: &[u8],
        fin: bool,
        out: &mut [u8],
    ) -> Result<Piece, ProtocolError> {
        self.fed |= !input.is_empty();
        let mut piece = Piece {
            used: 0,
            written: 0,
            done: false,
        };
        loop {
            let tail = piece.used == input.len();
            let seg = if !tail {
                &input[piece.used..]
            } else if fin && self.fed {
                &TAIL[self.tail_fed as usize..]
            } else {
                &[]
            };
            if seg.is_empty() && !self.pending {
                // All input used and no output pending: the frame is finished.
                if fin && core::mem::take(&mut self.fed) {
                    self.tail_fed = 0;
                    if self.no_context_takeover {
                        if let Some(s) = self.state.as_mut() {
                            s.reset(false);
                        }
                    }
                }
                piece.done = true;
                return Ok(piece);
            }
            let bits = self.window_bits;
            let state = self
                .state
                .get_or_insert_with(|| Decompress::new_with_window_bits(false, bits));
            let (used, written, ended) = decompress_slice(state, seg, &mut out[piece.written..])?;
            if tail {
                // (At most 4.)
                self.tail_fed += used as u8;
            } else {
                piece.used += used;
            }
            piece.written += written;
            self.pending = piece.written == out.len();
            if self.pending {
                return Ok(piece);
            }
            if used == 0 && written == 0 && !ended && !seg.is_empty() {
                // No progress with input and room left: the stream ended and what follows
                // cannot be decoded.
                return Err(ProtocolError::InvalidCompressedData);
            }
        }
    }

    /// Drops the zlib state whatever was agreed (the connection failed or closed).
    pub(crate) fn free(&mut self) {
        self.state = None;
        self.fed = false;
        self.tail_fed = 0;
        self.pending = false;
    }

    /// Drops the zlib state when no context is kept between messages (saves memory).
    pub(crate) fn release(&mut self) {
        if self.no_context_takeover {
            self.state = None;
        }
    }
}

fn too_big(size: usize, max: usize) -> ProtocolError {
    ProtocolError::MessageTooLarge {
        size: size as u64,
        max,
    }
}

/// Makes room in the full `out` for a message limited to `limit` bytes (one more byte
/// detects an excess): doubling up to [`SMALL`], then the whole `limit + 1` at once, so that
/// a large message is never copied by a reallocation and the capacity never passes
/// `limit + 1`. Where that cannot be reserved (an effectively unlimited `limit`), growth stays
/// geometric, like any `Vec`'s.
fn grow(out: &mut Vec<u8>, limit: usize, input_len: usize) {
    let cap = out.capacity();
    let most = limit.saturating_add(1);
    let want = if cap < SMALL {
        cap.saturating_mul(2)
            .max(input_len.saturating_mul(4))
            .clamp(256, SMALL)
    } else {
        most
    }
    .min(most);
    let len = out.len();
    if out.try_reserve_exact(want.saturating_sub(len)).is_err() {
        // At least one byte of room: out.len() <= limit < most here.
        out.reserve(cap.min(most - len).max(1));
    }
}

/// Runs inflate into the spare capacity of `out` (never reallocating it); returns the input
/// bytes used, whether the output filled that capacity (more output may be pending), and
/// whether a deflate stream ended (and a fresh one started).
fn decompress_into(
    state: &mut Decompress,
    input: &[u8],
    out: &mut Vec<u8>,
) -> Result<(usize, bool, bool), ProtocolError> {
    let before = state.total_in();
    let status = state.decompress_vec(input, out, FlushDecompress::Sync);
    let used = (state.total_in() - before) as usize;
    let full = out.len() == out.capacity();
    let ended = after_decompress(state, status)?;
    Ok((used, full, ended))
}

/// zlib's verdict on one inflate call: a final block (BFINAL) ends the peer's deflate stream,
/// so a fresh one starts (returns whether that happened); corrupt data fails the connection.
fn after_decompress(
    state: &mut Decompress,
    status: Result<Status, flate2::DecompressError>,
) -> Result<bool, ProtocolError> {
    match status {
        Ok(Status::StreamEnd) => {
            state.reset(false);
            Ok(true)
        }
        Ok(_) => Ok(false),
        Err(_) => Err(ProtocolError::InvalidCompressedData),
    }
}

/// Runs inflate from `input` into `out`; returns the input bytes used, the output bytes
/// written, and whether a deflate stream ended (and a fresh one started).
fn decompress_slice(
    state: &mut Decompress,
    input: &[u8],
    out: &mut [u8],
) -> Result<(usize, usize, bool), ProtocolError> {
    let (in_before, out_before) = (state.total_in(), state.total_out());
    let status = state.decompress(input, out, FlushDecompress::Sync);
    let used = (state.total_in() - in_before) as usize;
    let written = (state.total_out() - out_before) as usize;
    let ended = after_decompress(state, status)?;
    Ok((used, written, ended))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extensions::parse_extensions;
    use alloc::vec;

    fn offers(s: &str) -> Vec<ExtensionOffer<'_>> {
        let mut v = Vec::new();
        parse_extensions(s, &mut v).unwrap();
        v
    }

    fn params(server_nct: bool, client_nct: bool, sb: u8, cb: u8) -> DeflateParams {
        DeflateParams {
            server_no_context_takeover: server_nct,
            client_no_context_takeover: client_nct,
            server_max_window_bits: sb,
            client_max_window_bits: cb,
        }
    }

    #[test]
    fn server_negotiation() {
        let d = DeflateConfig::default();
        let (p, r) =
            negotiate_server(&offers("permessage-deflate; client_max_window_bits"), &d).unwrap();
        assert_eq!(
            (p, r.as_str()),
            (params(false, false, 15, 15), "permessage-deflate")
        );
        let (p, r) = negotiate_server(
            &offers("permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10"),
            &d,
        )
        .unwrap();
        assert_eq!(p, params(true, false, 9, 10));
        assert_eq!(r, "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10");
        // Invalid offers are declined; the next acceptable one wins.
        let list = "permessage-deflate; server_max_window_bits=16, permessage-deflate; foo, \
                    permessage-deflate; server_no_context_takeover; server_no_context_takeover, \
                    permessage-deflate; server_max_window_bits, permessage-deflate; client_max_window_bits=07a, \
                    x-other, permessage-deflate; client_no_context_takeover";
        let (p, r) = negotiate_server(&offers(list), &d).unwrap();
        assert_eq!(p, params(false, true, 15, 15));
        assert_eq!(r, "permessage-deflate; client_no_context_takeover");
        assert!(
            negotiate_server(&offers("permessage-deflate; server_max_window_bits=8"), &d).is_none()
        );
        assert!(negotiate_server(&offers("x-webkit-deflate-frame"), &d).is_none());
        // Our own limits go into the response.
        let small = DeflateConfig {
            server_max_window_bits: 10,
            client_max_window_bits: 11,
            server_no_context_takeover: true,
            ..DeflateConfig::default()
        };
        let (p, r) = negotiate_server(
            &offers("permessage-deflate; client_max_window_bits"),
            &small,
        )
        .unwrap();
        assert_eq!(p, params(true, false, 10, 11));
        assert_eq!(r, "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11");
    }

    #[test]
    fn client_offer_and_response() {
        let d = DeflateConfig::default();
        assert_eq!(
            client_offer(&d),
            "permessage-deflate; client_max_window_bits"
        );
        let ok = |s: &str, c: &DeflateConfig| accept_response(&offers(s)[0], c);
        assert_eq!(
            ok("permessage-deflate", &d),
            Ok(params(false, false, 15, 15))
        );
        assert_eq!(
            ok("permessage-deflate; server_max_window_bits=10; client_max_window_bits=9; client_no_context_takeover", &d),
            Ok(params(false, true, 10, 9))
        );
        for bad in [
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; unknown=1",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        ] {
            assert_eq!(
                ok(bad, &d),
                Err(HandshakeError::InvalidExtensionResponse),
                "{bad}"
            );
        }
        let want = DeflateConfig {
            server_max_window_bits: 10,
            server_no_context_takeover: true,
            ..DeflateConfig::default()
        };
        assert_eq!(client_offer(&want), "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits");
        assert!(ok(
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=12",
            &want
        )
        .is_err());
        assert!(ok("permessage-deflate; server_max_window_bits=9", &want).is_err());
        assert!(ok(
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9",
            &want
        )
        .is_ok());
    }

    /// RFC 7692 §7.2.3.1 and §7.2.3.2: "Hello" compressed, twice with context takeover.
    #[test]
    fn rfc_7692_examples() {
        let p = params(false, false, 15, 15);
        let mut dec = Decompressor::new(&p, Role::Client);
        let mut out = vec![];
        dec.inflate(
            &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
            true,
            &mut out,
            100,
        )
        .unwrap();
        assert_eq!(out, b"Hello");
        // The same message again, using the previous message's context (§7.2.3.2).
        let mut out = vec![];
        dec.inflate(&[0xf2, 0x00, 0x11, 0x00, 0x00], true, &mut out, 100)
            .unwrap();
        assert_eq!(out, b"Hello");
        // Each on a fresh decompressor, all inflating to "Hello":
        let vectors: [(&str, &[u8]); 3] = [
            // §7.2.3.3: an uncompressed ("stored") block.
            (
                "7.2.3.3",
                &[
                    0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
                ],
            ),
            // §7.2.3.4: a block with BFINAL set, then an empty header byte.
            ("7.2.3.4", &[0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00]),
            // §7.2.3.5: two blocks ("He", an empty stored block, "llo") in one message.
            (
                "7.2.3.5",
                &[
                    0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00,
                ],
            ),
        ];
        for (section, bytes) in vectors {
            let mut dec = Decompressor::new(&p, Role::Client);
            let mut out = vec![];
            dec.inflate(bytes, true, &mut out, 100).unwrap();
            assert_eq!(out, b"Hello", "RFC 7692 §{section}");
        }
        // Our compressor produces §7.2.3.1's bytes for "Hello", then a shorter second message.
        let mut comp = Compressor::new(&p, Role::Server, &DeflateConfig::default()).unwrap();
        let mut a = vec![];
        comp.compress(b"Hello", true, &mut a);
        assert_eq!(a, [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]);
        let mut b = vec![];
        comp.compress(b"Hello", true, &mut b);
        assert!(
            b.len() < a.len(),
            "context takeover makes the second one smaller: {b:02x?}"
        );
        let mut dec = Decompressor::new(&p, Role::Client);
        for m in [a, b] {
            let mut out = vec![];
            dec.inflate(&m, true, &mut out, 100).unwrap();
            assert_eq!(out, b"Hello");
        }
    }

    #[test]
    fn bomb_is_stopped_while_inflating() {
        let p = params(false, false, 15, 15);
        let best = DeflateConfig {
            level: 9,
            ..DeflateConfig::default()
        };
        let mut comp = Compressor::new(&p, Role::Server, &best).unwrap();
        let mut bomb = vec![];
        comp.compress(&vec![0u8; 50 << 20], true, &mut bomb);
        assert!(bomb.len() < 100_000, "a small frame: {} bytes", bomb.len());
        let mut dec = Decompressor::new(&p, Role::Client);
        let mut out = vec![];
        let err = dec.inflate(&bomb, true, &mut out, 1 << 20).unwrap_err();
        assert!(matches!(
            err,
            ProtocolError::MessageTooLarge { max: 1048576, .. }
        ));
        assert!(
            out.capacity() <= (1 << 20) + 1,
            "grew to {}",
            out.capacity()
        );
        // Garbage is an error, not a panic.
        let mut dec = Decompressor::new(&p, Role::Client);
        assert_eq!(
            dec.inflate(&[0xff; 16], true, &mut vec![], 100),
            Err(ProtocolError::InvalidCompressedData)
        );
    }

    /// RFC 7692 §7.1.2: window bits are a decimal 8–15 without leading zeros (quoted values
    /// allowed, RFC 6455 §9.1); anything else declines the offer.
    #[test]
    fn window_bits_grammar() {
        for (v, want) in [
            ("8", Some(8)),
            ("9", Some(9)),
            ("10", Some(10)),
            ("15", Some(15)),
            ("7", None),
            ("16", None),
            ("09", None),
            ("010", None),
            ("00", None),
            ("0", None),
            ("", None),
            ("+9", None),
            ("1O", None),
        ] {
            assert_eq!(parse_bits(Some(v)), want, "{v:?}");
        }
        let d = DeflateConfig::default();
        assert!(
            negotiate_server(&offers("permessage-deflate; server_max_window_bits=09"), &d)
                .is_none()
        );
        assert!(negotiate_server(
            &offers("permessage-deflate; client_max_window_bits=010"),
            &d
        )
        .is_none());
        let (p, _) = negotiate_server(
            &offers("permessage-deflate; server_max_window_bits=\"\\1\\1\""),
            &d,
        )
        .unwrap();
        assert_eq!(p.server_max_window_bits, 11);
    }

    /// RFC 7692 §7.1.2.1: the answer names server_max_window_bits whenever the offer did (with
    /// 15 too); §7.1.2.2: client_max_window_bits without a value is answered with a value only
    /// when this end wants a smaller window, and never without a value.
    #[test]
    fn server_answers_each_parameter() {
        let d = DeflateConfig::default();
        let answer =
            |offer: &str, c: &DeflateConfig| negotiate_server(&offers(offer), c).unwrap().1;
        assert_eq!(
            answer("permessage-deflate; server_max_window_bits=15", &d),
            "permessage-deflate; server_max_window_bits=15"
        );
        assert_eq!(
            answer("permessage-deflate; client_max_window_bits", &d),
            "permessage-deflate"
        );
        let small = DeflateConfig {
            client_max_window_bits: 10,
            server_max_window_bits: 12,
            ..DeflateConfig::default()
        };
        assert_eq!(
            answer("permessage-deflate; client_max_window_bits", &small),
            "permessage-deflate; server_max_window_bits=12; client_max_window_bits=10"
        );
        // Without client_max_window_bits in the offer the server cannot ask for a window.
        assert_eq!(
            answer("permessage-deflate", &small),
            "permessage-deflate; server_max_window_bits=12"
        );
        assert_eq!(
            answer(
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                &d
            ),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
        );
        // Every answer is one the client accepts for that offer.
        for offer in [
            "permessage-deflate; server_max_window_bits=15",
            "permessage-deflate; server_max_window_bits=9; client_max_window_bits=12",
            "permessage-deflate; client_max_window_bits",
            "permessage-deflate; server_no_context_takeover",
            "permessage-deflate",
        ] {
            for cfg in [&d, &small] {
                let (p, a) = negotiate_server(&offers(offer), cfg).unwrap();
                assert_eq!(
                    check_response(&offers(&a)[0], &offers(offer)),
                    Ok(p),
                    "{offer} -> {a}"
                );
            }
        }
    }

    /// The offer a client builds from any DeflateConfig is one the server side accepts: window
    /// bits are clamped to 9..=15 (8 would be declined), levels above 9 mean 9.
    #[test]
    fn config_at_its_whole_range() {
        for bits in [0u8, 8, 9, 12, 15, 16, u8::MAX] {
            let c = DeflateConfig {
                server_max_window_bits: bits,
                client_max_window_bits: bits,
                level: u32::MAX,
                ..DeflateConfig::default()
            };
            let offer = client_offer(&c);
            let (p, a) = negotiate_server(&offers(&offer), &c).unwrap();
            let want = bits.clamp(9, 15);
            assert_eq!(
                (p.server_max_window_bits, p.client_max_window_bits),
                (want, want),
                "{offer}"
            );
            assert_eq!(accept_response(&offers(&a)[0], &c), Ok(p), "{a}");
            let mut comp = Compressor::new(&p, Role::Client, &c).unwrap();
            assert_eq!(comp.level, 9);
            let mut out = vec![];
            comp.compress(&[1; 1000], true, &mut out);
            let mut dec = Decompressor::new(&p, Role::Server);
            let mut back = vec![];
            dec.inflate(&out, true, &mut back, 1000).unwrap();
            assert_eq!(back, [1; 1000]);
        }
    }

    /// Issue #11: a limit of usize::MAX ("no limit") overflowed `limit + 1`.
    #[test]
    fn inflate_limit_at_usize_max() {
        // No context takeover: each message inflates on a fresh decompressor too.
        let p = params(true, false, 15, 15);
        let mut comp = Compressor::new(&p, Role::Server, &DeflateConfig::default()).unwrap();
        let mut dec = Decompressor::new(&p, Role::Client);
        for size in [0usize, 1, 300_000] {
            let mut wire = vec![];
            comp.compress(&vec![7u8; size], true, &mut wire);
            for limit in [usize::MAX, usize::MAX - 1, size] {
                let mut out = vec![];
                let mut d = Decompressor::new(&p, Role::Client);
                d.inflate(&wire, true, &mut out, limit).unwrap();
                assert_eq!(out.len(), size);
            }
            let mut out = vec![];
            dec.inflate(&wire, true, &mut out, usize::MAX).unwrap();
            assert_eq!(out.len(), size);
        }
    }

    /// Inflating piece by piece, into outputs as small as one byte, gives what inflating
    /// whole gives, for messages in several frames (empty ones too), with context takeover
    /// across messages and without, at several windows; the context is reset when agreed.
    #[test]
    fn inflate_piece_matches_inflate() {
        let data: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 27) as u8 + b'a')
            .collect();
        for bits in [9, 12, 15] {
            for nct in [false, true] {
                let p = params(nct, nct, bits, bits);
                let config = DeflateConfig::default();
                let mut comp = Compressor::new(&p, Role::Server, &config).unwrap();
                // Messages as frames: whole, in three frames, with an empty last frame.
                let mut msgs: Vec<Vec<Vec<u8>>> = Vec::new();
                for m in 0..4 {
                    let cuts: &[usize] = match m {
                        0 => &[20_000],
                        1 => &[7, 9_000, 20_000],
                        2 => &[20_000, 20_000],
                        _ => &[0, 0],
                    };
                    let mut frames = Vec::new();
                    let mut at = 0;
                    for (i, &cut) in cuts.iter().enumerate() {
                        let mut out = Vec::new();
                        comp.compress(&data[at..cut], i + 1 == cuts.len(), &mut out);
                        at = cut;
                        frames.push(out);
                    }
                    msgs.push(frames);
                }
                let mut whole = Decompressor::new(&p, Role::Client);
                for size in [1, 2, 7, 4096, 100_000] {
                    let mut dec = Decompressor::new(&p, Role::Client);
                    for (m, frames) in msgs.iter().enumerate() {
                        let (mut want, mut got) = (Vec::new(), Vec::new());
                        for (i, frame) in frames.iter().enumerate() {
                            let fin = i + 1 == frames.len();
                            if size == 1 {
                                whole.inflate(frame, fin, &mut want, usize::MAX).unwrap();
                            }
                            let mut input = &frame[..];
                            let mut out = vec![0; size];
                            loop {
                                let piece = dec.inflate_piece(input, fin, &mut out).unwrap();
                                assert!(piece.written <= size);
                                got.extend_from_slice(&out[..piece.written]);
                                input = &input[piece.used..];
                                if piece.done {
                                    assert!(input.is_empty());
                                    break;
                                }
                                assert_eq!(piece.written, size, "not done: the output is full");
                            }
                        }
                        let n = if m == 3 { 0 } else { 20_000 };
                        assert!(
                            got == data[..n],
                            "bits {bits} nct {nct} size {size} msg {m}"
                        );
                        if size == 1 {
                            assert!(want == got);
                        }
                        assert_eq!((dec.fed, dec.tail_fed, dec.pending), (false, 0, false));
                    }
                }
            }
        }
    }
}

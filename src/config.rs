//! Connection settings and limits.

use core::time::Duration;

/// How received data messages are delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Delivery {
    /// Whole messages: [`Event::Text`](crate::Event::Text) and
    /// [`Event::Binary`](crate::Event::Binary). Fragmented messages are reassembled, up to
    /// [`Config::max_message_size`].
    #[default]
    Messages,
    /// Pieces as they arrive: [`Event::TextChunk`](crate::Event::TextChunk) and
    /// [`Event::BinaryChunk`](crate::Event::BinaryChunk), with `fin` on the last piece of each
    /// message. Memory stays bounded by what one read delivers, whatever the message size;
    /// text chunks are still UTF-8-checked and end on character boundaries.
    ///
    /// With permessage-deflate, a compressed frame is buffered whole (up to
    /// [`Config::max_frame_size`]) and then inflated a piece at a time: each chunk of a
    /// compressed message holds at most 64 KiB of inflated data, whatever the frame inflates
    /// to, and [`Config::max_message_size`] is enforced while inflating.
    Streaming,
}

/// Limits and behaviour of a [`Connection`](crate::Connection).
///
/// Every buffer that grows from peer input is bounded by one of these limits. Every field
/// accepts its type's whole range: a `usize` limit of `usize::MAX` means no limit, a timeout of
/// [`Duration::MAX`] (or any timeout whose deadline would pass what `Duration` holds) means
/// never, and a timeout of zero fires at the first
/// [`handle_timeout`](crate::Connection::handle_timeout) call after it starts. Timers run on
/// the driver's clock: see [`Connection::poll_timeout`](crate::Connection::poll_timeout).
///
/// ```
/// let mut config = rfc6455::Config::default();
/// config.max_message_size = 1 << 20;
/// config.idle_ping = Some(core::time::Duration::from_secs(30));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Largest accepted data frame payload; a larger frame fails the connection with 1009.
    /// Control frames (at most 125 bytes by RFC 6455 §5.5) are exempt, so that even a limit
    /// of 0 lets Pings and the closing handshake through. Any value is valid; `usize::MAX`
    /// means no limit. Default 16 MiB.
    pub max_frame_size: usize,
    /// Largest accepted message (sum of its frames; for a compressed message, its inflated
    /// size, checked while inflating); a larger one fails with 1009. Any value is valid;
    /// `usize::MAX` means no limit. Default 64 MiB.
    pub max_message_size: usize,
    /// Largest accepted handshake head (request or response); a larger request is answered
    /// with 431, a larger response fails the client. Any value is valid. Default 16 KiB.
    pub max_handshake_size: usize,
    /// Most header lines in a handshake head; larger values are capped at 256. Default 64.
    pub max_headers: usize,
    /// Answer every Ping with a Pong automatically. Default `true`.
    pub auto_pong: bool,
    /// Whole messages or streaming pieces. Default [`Delivery::Messages`].
    pub delivery: Delivery,
    /// Keep-alive: send a Ping after this much time without receiving anything (counted from
    /// the time the connection opened or last received bytes). `None` turns it off: then no
    /// timer runs while the connection is open. Default `None`.
    pub idle_ping: Option<Duration>,
    /// After a keep-alive Ping, give up on the peer (1006) if nothing arrives for this long.
    /// Default 20 s.
    pub pong_timeout: Duration,
    /// After this end's Close, wait this long for the peer's Close before giving up (1006);
    /// also how long a closed connection keeps output its peer does not read before dropping
    /// it. Both count from the later of the close and the last time the driver acknowledged
    /// written output ([`advance_output`](crate::Connection::advance_output)), so a peer that
    /// keeps reading a large backlog is not cut off. A zero timeout gives up at the first
    /// [`handle_timeout`](crate::Connection::handle_timeout) after the close and drops what
    /// is unwritten at the next one: write the output first, as the call order says.
    /// Default 5 s.
    pub close_timeout: Duration,
    /// Give up (1006) on an opening handshake that takes longer than this, counted from the
    /// first [`handle_timeout`](crate::Connection::handle_timeout) call; `None` waits forever.
    /// Default 10 s.
    pub handshake_timeout: Option<Duration>,
    /// Capacity an emptied receive or send buffer may keep for the next read or write.
    /// Default 0: a connection with nothing buffered holds no buffers at all, so idle
    /// connections cost no buffer memory, at one allocation per read (and per write) batch.
    /// A server with few, busy connections may keep, say, 64 KiB.
    pub retain_buffer: usize,
    /// permessage-deflate (RFC 7692): what a server accepts and a client offers; `None`
    /// turns it off. Default: on, with [`DeflateConfig::default`].
    ///
    /// [`DeflateConfig::default`]: crate::extensions::deflate::DeflateConfig
    #[cfg(feature = "deflate")]
    pub deflate: Option<crate::extensions::deflate::DeflateConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_frame_size: 16 << 20,
            max_message_size: 64 << 20,
            max_handshake_size: 16 << 10,
            max_headers: 64,
            auto_pong: true,
            delivery: Delivery::Messages,
            idle_ping: None,
            pong_timeout: Duration::from_secs(20),
            close_timeout: Duration::from_secs(5),
            handshake_timeout: Some(Duration::from_secs(10)),
            retain_buffer: 0,
            #[cfg(feature = "deflate")]
            deflate: Some(crate::extensions::deflate::DeflateConfig::default()),
        }
    }
}

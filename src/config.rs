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
    Streaming,
}

/// Limits and behaviour of a [`Connection`](crate::Connection).
///
/// Every buffer that grows from peer input is bounded by one of these limits.
///
/// ```
/// let mut config = rfc6455::Config::default();
/// config.max_message_size = 1 << 20;
/// config.idle_ping = Some(core::time::Duration::from_secs(30));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Largest accepted frame payload; a larger frame fails the connection with 1009.
    /// Default 16 MiB.
    pub max_frame_size: usize,
    /// Largest accepted message (sum of its frames); a larger one fails with 1009.
    /// Default 64 MiB.
    pub max_message_size: usize,
    /// Largest accepted handshake head (request or response); larger fails with 431.
    /// Default 16 KiB.
    pub max_handshake_size: usize,
    /// Most header lines in a handshake head (capped at 256). Default 64.
    pub max_headers: usize,
    /// Answer every Ping with a Pong automatically. Default `true`.
    pub auto_pong: bool,
    /// Whole messages or streaming pieces. Default [`Delivery::Messages`].
    pub delivery: Delivery,
    /// Send a Ping after this much time without receiving anything. Default `None`.
    pub idle_ping: Option<Duration>,
    /// After a keep-alive Ping, give up on the peer if nothing arrives for this long.
    /// Default 20 s.
    pub pong_timeout: Duration,
    /// After sending Close, wait this long for the peer's Close. Default 5 s.
    pub close_timeout: Duration,
    /// Give up on an opening handshake that takes longer than this. Default 10 s.
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

//! The opening handshake of a connection (RFC 6455 §4): the server's wait for the request and
//! its answer (`accept`, `reject`), the client's request and its check of the response. The
//! HTTP parsing and writing itself lives in [`crate::handshake`].

use alloc::boxed::Box;
use alloc::string::String;

#[cfg(feature = "deflate")]
use super::recv::enable_deflate;
use super::recv::{abnormal, Receiver};
use super::send::Sender;
use super::{BoxRng, Connection, Event, Role, State};
use crate::config::Config;
use crate::error::{Error, HandshakeError};
use crate::handshake::server::{check_protocol_offered, write_accept_response};
use crate::handshake::{
    parse_response, write_error_response, write_reject_response, AcceptOptions, ClientOptions,
    Request, WsUrl,
};
use crate::Status;

/// Where the opening handshake stands.
pub(super) enum Handshake {
    /// Done (or never needed): frames follow.
    Done,
    /// Server: waiting for the client's request.
    AwaitRequest,
    /// Server: a request waits for `accept` or `reject`.
    AwaitAnswer(Box<PendingRequest>),
    /// Client: waiting for the server's response (boxed, like the request: an open
    /// connection does not carry handshake state).
    AwaitResponse(Box<AwaitingResponse>),
}

/// What a client checks the server's response against.
pub(super) struct AwaitingResponse {
    pub(super) accept: [u8; 28],
    pub(super) options: ClientOptions,
}

/// What `accept` needs of a parsed request, kept so that it is not parsed twice.
pub(super) struct PendingRequest {
    pub(super) head_len: usize,
    pub(super) key: [u8; 24],
    /// The offered subprotocols, comma-separated (empty if none).
    pub(super) protocols: String,
    /// permessage-deflate as it would be accepted, with its response header value.
    #[cfg(feature = "deflate")]
    pub(super) deflate: Option<(crate::extensions::deflate::DeflateParams, String)>,
}

impl Receiver {
    pub(super) fn poll_request<'a>(
        &'a mut self,
        tx: &mut Sender,
        cfg: &Config,
    ) -> Result<Option<Event<'a>>, Error> {
        match Request::parse(&self.buf[self.pos..], cfg) {
            Ok(Status::Complete(req)) => {
                let mut key = [0u8; 24];
                // The parser checked that the key is 24 base64 characters.
                key.copy_from_slice(&req.key().as_bytes()[..24]);
                let protocols = req.protocol_list();
                self.hs = Handshake::AwaitAnswer(Box::new(PendingRequest {
                    head_len: req.head_len(),
                    key,
                    protocols,
                    #[cfg(feature = "deflate")]
                    deflate: cfg.deflate.as_ref().and_then(|d| {
                        crate::extensions::deflate::negotiate_server(req.extensions(), d)
                    }),
                }));
                Ok(Some(Event::Request(alloc::boxed::Box::new(req))))
            }
            Ok(Status::Partial) if self.eof => Ok(Some(abnormal(&mut self.done, tx))),
            Ok(Status::Partial) => Ok(None),
            Err(e) => {
                write_error_response(&e, tx.out_mut());
                tx.state = State::Closed;
                self.done = true;
                Err(e.into())
            }
        }
    }

    /// Server, while a request awaits `accept` or `reject`: frames may follow the request,
    /// but a compliant client waits for the answer, so what it sends early is bounded.
    pub(super) fn poll_early_data<'a>(
        &'a mut self,
        tx: &mut Sender,
        cfg: &Config,
    ) -> Result<Option<Event<'a>>, Error> {
        let Handshake::AwaitAnswer(pending) = &self.hs else {
            return Ok(None);
        };
        if self.eof {
            // The client left before the answer: nothing can be accepted any more.
            self.hs = Handshake::Done;
            return Ok(Some(abnormal(&mut self.done, tx)));
        }
        let bound = pending
            .head_len
            .saturating_add(cfg.max_frame_size)
            .saturating_add(crate::frame::MAX_HEADER_LEN);
        if self.buffered() > bound {
            tx.state = State::Closed;
            self.done = true;
            self.hs = Handshake::Done;
            return Err(HandshakeError::EarlyData.into());
        }
        Ok(None)
    }

    pub(super) fn poll_response<'a>(
        &'a mut self,
        tx: &mut Sender,
        cfg: &Config,
    ) -> Result<Option<Event<'a>>, Error> {
        let Handshake::AwaitResponse(awaiting) = &self.hs else {
            return Ok(None);
        };
        let AwaitingResponse { accept, options } = &**awaiting;
        match parse_response(&self.buf[self.pos..], accept, options, cfg) {
            Ok(Status::Complete(resp)) => {
                #[cfg(feature = "deflate")]
                match client_deflate(resp.extensions(), &options.extensions, cfg) {
                    Ok(None) => {}
                    Ok(Some(params)) => {
                        enable_deflate(
                            &mut self.decompressor,
                            &mut self.allowed_rsv,
                            &params,
                            tx,
                            cfg,
                        );
                    }
                    Err(e) => {
                        tx.state = State::Closed;
                        self.done = true;
                        return Err(e.into());
                    }
                }
                self.pos += resp.head_len();
                tx.state = State::Open;
                tx.protocol = resp.protocol().map(String::from);
                self.hs = Handshake::Done;
                Ok(Some(Event::Open(alloc::boxed::Box::new(resp))))
            }
            Ok(Status::Partial) if self.eof => Ok(Some(abnormal(&mut self.done, tx))),
            Ok(Status::Partial) => Ok(None),
            Err(e) => {
                tx.state = State::Closed;
                self.done = true;
                Err(e.into())
            }
        }
    }
}

impl Connection {
    /// A client connection to `url` that draws masks and the key from `rng`.
    ///
    /// RFC 6455 §10.3 asks for unpredictable masks: give it a cryptographically strong
    /// generator outside of tests.
    pub fn client_with_rng(
        url: &WsUrl,
        options: ClientOptions,
        config: Config,
        rng: BoxRng,
    ) -> Result<Self, HandshakeError> {
        let mut conn = Self::build(
            Role::Client,
            State::Connecting,
            Handshake::Done,
            config,
            Some(rng),
        );
        let (key, accept) = crate::handshake::new_client_key(|b| conn.tx.random_bytes(b));
        let options = with_deflate_offer(options, &conn.config);
        options.write_request(url, &key, conn.tx.out_mut())?;
        conn.rx.hs =
            Handshake::AwaitResponse(alloc::boxed::Box::new(AwaitingResponse { accept, options }));
        Ok(conn)
    }

    fn awaiting_answer(&self) -> Result<usize, HandshakeError> {
        match &self.rx.hs {
            Handshake::AwaitAnswer(pending) => Ok(pending.head_len),
            _ => Err(HandshakeError::NotAwaitingAnswer),
        }
    }

    /// (Server) Accepts the pending [`Event::Request`]: queues the 101 response and opens the
    /// connection. Bytes the client sent after its request are kept as frames.
    ///
    /// Unless `options.extensions` is set, permessage-deflate is negotiated as
    /// [`Config::deflate`] allows. If `options.extensions` names permessage-deflate itself, that
    /// answer must fit one of the client's offers as a client checks it
    /// ([`check_response`](crate::extensions::deflate::check_response)); then this end
    /// compresses and inflates with those parameters (even with `Config::deflate` unset, at
    /// its default level and threshold), else `accept` fails with
    /// [`HandshakeError::InvalidExtensionResponse`] and sends nothing.
    pub fn accept(&mut self, options: &AcceptOptions) -> Result<(), HandshakeError> {
        let Handshake::AwaitAnswer(pending) = &self.rx.hs else {
            return Err(HandshakeError::NotAwaitingAnswer);
        };
        check_protocol_offered(options, pending.protocols.split(','))?;
        #[cfg(feature = "deflate")]
        let (negotiated, by_hand) = match &options.extensions {
            None => (pending.deflate.clone(), None),
            // The pending request is still in the buffer; it parsed before.
            Some(h) => match Request::parse(&self.rx.buf[self.rx.pos..], &self.config) {
                Ok(Status::Complete(req)) => (None, hand_deflate(h, req.extensions())?),
                _ => return Err(HandshakeError::InvalidExtensionResponse),
            },
        };
        #[cfg(feature = "deflate")]
        if let Some((_, header)) = &negotiated {
            let mut with = options.clone();
            with.extensions = Some(header.clone());
            write_accept_response(&pending.key, &with, self.tx.out_mut())?;
        } else {
            write_accept_response(&pending.key, options, self.tx.out_mut())?;
        }
        #[cfg(not(feature = "deflate"))]
        write_accept_response(&pending.key, options, self.tx.out_mut())?;
        let head_len = pending.head_len;
        #[cfg(feature = "deflate")]
        if let Some(params) = negotiated.map(|(p, _)| p).or(by_hand) {
            self.rx.enable_deflate(&params, &mut self.tx, &self.config);
        }
        self.rx.take_head(head_len);
        self.rx.hs = Handshake::Done;
        self.tx.state = State::Open;
        self.tx.protocol = options.protocol.clone();
        Ok(())
    }

    /// (Server) Refuses the pending [`Event::Request`] with an HTTP `status` (e.g. 403 for a
    /// foreign Origin), extra `headers` and a `body`; the connection becomes
    /// [`State::Closed`] once the response is queued.
    ///
    /// The response is checked as [`write_reject_response`] describes: a status that cannot
    /// refuse an upgrade (1xx, 2xx, 304–306, 600+), a 401 without `WWW-Authenticate`, a
    /// redirect without `Location`, an invalid or reserved header fail, queue nothing, and
    /// leave the request waiting for another answer.
    pub fn reject(
        &mut self,
        status: u16,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<(), HandshakeError> {
        let head_len = self.awaiting_answer()?;
        write_reject_response(status, headers, body, self.tx.out_mut())?;
        self.rx.take_head(head_len);
        self.rx.hs = Handshake::Done;
        self.rx.done = true;
        self.tx.state = State::Closed;
        Ok(())
    }
}

/// The client's extension offers with permessage-deflate added as [`Config::deflate`] asks,
/// unless the options offer it themselves. The same for a byte-level and an `http` client.
pub(crate) fn with_deflate_offer(options: ClientOptions, config: &Config) -> ClientOptions {
    #[cfg(feature = "deflate")]
    {
        use crate::extensions::deflate;
        let mut options = options;
        let offered = options
            .offered_extension_names()
            .any(|n| n.eq_ignore_ascii_case(deflate::NAME));
        if let (Some(d), false) = (config.deflate.as_ref(), offered) {
            options.extensions.push(deflate::client_offer(d));
        }
        options
    }
    #[cfg(not(feature = "deflate"))]
    {
        let _ = config;
        options
    }
}

/// Server: the extension answer `options` gives a request with the extension `offers`, and
/// the permessage-deflate parameters it agrees to. Without `options.extensions`,
/// permessage-deflate is negotiated as [`Config::deflate`] allows; an answer written by hand
/// is checked as [`hand_deflate`] does. The same for a byte-level and an `http` server.
#[cfg(all(feature = "deflate", feature = "http"))]
pub(crate) fn extension_answer(
    options: &AcceptOptions,
    offers: &[crate::extensions::ExtensionOffer<'_>],
    config: &Config,
) -> Result<
    (
        Option<String>,
        Option<crate::extensions::deflate::DeflateParams>,
    ),
    HandshakeError,
> {
    match &options.extensions {
        None => Ok(config
            .deflate
            .as_ref()
            .and_then(|d| crate::extensions::deflate::negotiate_server(offers, d))
            .map_or((None, None), |(params, header)| {
                (Some(header), Some(params))
            })),
        Some(h) => Ok((Some(h.clone()), hand_deflate(h, offers)?)),
    }
}

/// Server: the permessage-deflate parameters of a response header value written by hand
/// (`AcceptOptions::extensions`), checked against the request's extension `offers` as a
/// client checks them ([`check_response`](crate::extensions::deflate::check_response)).
#[cfg(feature = "deflate")]
fn hand_deflate(
    answer: &str,
    offers: &[crate::extensions::ExtensionOffer<'_>],
) -> Result<Option<crate::extensions::deflate::DeflateParams>, HandshakeError> {
    use crate::extensions::{deflate, parse_extensions};
    let mut elements = alloc::vec::Vec::new();
    if parse_extensions(answer, &mut elements).is_err() {
        // Not a permessage-deflate answer this end could act on; sent as written.
        return Ok(None);
    }
    let Some(ext) = the_deflate_answer(&elements)? else {
        return Ok(None);
    };
    deflate::check_response(ext, offers)
        .map(Some)
        .map_err(|_| HandshakeError::InvalidExtensionResponse)
}

/// The permessage-deflate element of an answer, if any: one element per negotiation
/// (RFC 7692 §5), so a second one is an error.
#[cfg(feature = "deflate")]
fn the_deflate_answer<'e, 'a>(
    elements: &'e [crate::extensions::ExtensionOffer<'a>],
) -> Result<Option<&'e crate::extensions::ExtensionOffer<'a>>, HandshakeError> {
    let mut chosen = elements.iter().filter(|e| {
        e.name
            .eq_ignore_ascii_case(crate::extensions::deflate::NAME)
    });
    let first = chosen.next();
    if chosen.next().is_some() {
        return Err(HandshakeError::InvalidExtensionResponse);
    }
    Ok(first)
}

/// Client: the permessage-deflate parameters the server's response agrees to, if any. The
/// answer is checked against the offers actually sent (`offered`: the request's extension
/// elements, the automatic offer included), not against [`Config::deflate`], which only adds
/// this end's own limits when set (RFC 7692 §7.1).
#[cfg(feature = "deflate")]
pub(crate) fn client_deflate(
    extensions: &[crate::extensions::ExtensionOffer<'_>],
    offered: &[String],
    cfg: &Config,
) -> Result<Option<crate::extensions::deflate::DeflateParams>, HandshakeError> {
    use crate::extensions::{deflate, parse_extensions};
    let Some(ext) = the_deflate_answer(extensions)? else {
        return Ok(None);
    };
    let mut offers = alloc::vec::Vec::new();
    for element in offered {
        // An element that does not parse was not a usable offer (nothing to match).
        let mut one = alloc::vec::Vec::new();
        if parse_extensions(element, &mut one).is_ok() {
            offers.extend(one);
        }
    }
    let params = deflate::check_response(ext, &offers)?;
    Ok(Some(match cfg.deflate.as_ref() {
        Some(d) => params.with_client_limits(d),
        None => params,
    }))
}

#![no_main]
//! Arbitrary bytes into the client side of the handshake, whole and in chunks. Our own
//! request must parse with our server parser; with `valid_head`, a correct 101 precedes the
//! fuzzed bytes so that the frames after it are exercised too. A non-101 final answer is never
//! an interim (1xx) one.
use libfuzzer_sys::fuzz_target;
use rfc6455::handshake::{
    accept_key, parse_response, AcceptOptions, ClientOptions, Request, WsUrl,
};
use rfc6455::{Config, Connection, Error, Event, State, Status};

fuzz_target!(|input: (bool, u64, Vec<u8>, &[u8])| {
    let (valid_head, seed, sizes, data) = input;
    let url = WsUrl::parse("ws://127.0.0.1:9001/chat?x=1").unwrap();
    let opts = ClientOptions::new()
        .protocol("chat")
        .extension("permessage-deflate");
    let cfg = Config::default();
    let mut conn =
        Connection::client_with_rng(&url, opts.clone(), cfg.clone(), rfc6455_fuzz::rng(seed))
            .unwrap();
    let mut request = Vec::new();
    conn.take_output(&mut request);
    let Ok(Status::Complete(req)) = Request::parse(&request, &cfg) else {
        panic!("our request does not parse")
    };
    assert_eq!(req.head_len(), request.len());
    let key = req.key().to_string();

    let mut bytes = Vec::new();
    if valid_head {
        req.write_accept(&AcceptOptions::new().protocol("chat"), &mut bytes)
            .unwrap();
    }
    bytes.extend_from_slice(data);
    let whole = parse_response(&bytes, &accept_key(key.as_bytes()), &opts, &cfg).map(|s| match s {
        Status::Complete(r) => Some(r.head_len()),
        Status::Partial => None,
    });
    if valid_head {
        assert!(matches!(whole, Ok(Some(_))));
    }
    let mut opened = None;
    for chunk in rfc6455_fuzz::chunks(&bytes, &sizes) {
        conn.receive(chunk);
        loop {
            match conn.next_event() {
                Ok(None) => break,
                Ok(Some((Event::Open(r), _))) => {
                    assert!(opened.is_none());
                    opened = Some(Ok(r.protocol().map(String::from)));
                }
                Ok(Some(_)) => assert!(opened.is_some(), "an event before Open"),
                Err(Error::Handshake(e)) => {
                    assert!(opened.is_none());
                    assert_eq!(conn.state(), State::Closed);
                    opened = Some(Err(e));
                    break;
                }
                Err(Error::Protocol(_)) => {
                    assert_eq!(conn.state(), State::Closed);
                    break;
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
    match (&whole, &opened) {
        (Ok(None), None) => assert_eq!(conn.state(), State::Connecting),
        (Ok(Some(_)), Some(Ok(p))) => assert!(p.is_none() || p.as_deref() == Some("chat")),
        (Err(_), Some(Err(e))) => {
            if let rfc6455::HandshakeError::UnexpectedStatus(r) = e {
                // Interim responses are skipped, a 101 is not unexpected.
                assert!(r.status() >= 200, "{}", r.status());
                assert!(r
                    .location()
                    .is_none_or(|l| l.bytes().all(|b| b.is_ascii_graphic())));
            }
        }
        other => panic!("whole and chunked disagree: {other:?}"),
    }
});

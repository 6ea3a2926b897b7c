#![no_main]
//! Arbitrary bytes, in arbitrary chunks, into the server-side handshake. Every outcome is
//! Partial, Complete or a typed error with a queued HTTP response; fed whole or in pieces the
//! verdict is the same; an accepted request yields a response our own client parser accepts,
//! and its accessors hold checked values (one Host, Origin `None` only when absent, visible
//! ASCII); an error response is framed right (Content-Length, Allow for 405, version for 426).
use libfuzzer_sys::fuzz_target;
use rfc6455::handshake::{accept_key, parse_response, AcceptOptions, ClientOptions, Request};
use rfc6455::{Config, Connection, Error, Event, State, Status};

fuzz_target!(|input: (Vec<u8>, &[u8])| {
    let (sizes, data) = input;
    let mut cfg = Config::default();
    cfg.max_handshake_size = 4096;
    let whole = Request::parse(data, &cfg);

    let mut conn = Connection::server(cfg.clone());
    let mut chunked = None;
    for chunk in rfc6455_fuzz::chunks(data, &sizes) {
        conn.receive(chunk);
        match conn.next_event() {
            Ok(None) => {}
            Ok(Some((Event::Request(r), _))) => {
                chunked = Some(Ok(r.head_len()));
                break;
            }
            Ok(Some((other, _))) => panic!("unexpected event {other:?}"),
            Err(e) => {
                chunked = Some(Err(e));
                break;
            }
        }
    }
    match (&whole, &chunked) {
        (Ok(Status::Partial), None) => assert_eq!(conn.state(), State::Connecting),
        (Ok(Status::Complete(r)), Some(Ok(n))) => {
            assert_eq!(r.head_len(), *n);
            // What the accessors return was checked: no garbled header reads as absent.
            let count = |name: &str| {
                r.headers()
                    .iter()
                    .filter(|h| h.name.eq_ignore_ascii_case(name))
                    .count()
            };
            assert_eq!(count("host"), 1);
            assert_eq!(count("origin"), usize::from(r.origin().is_some()));
            let visible = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
            assert!(visible(r.host()) && visible(r.target()));
            assert!(r.origin().is_none_or(visible));
            assert!(r.path().starts_with('/') && !r.target().contains('#'));
            assert!(r
                .protocols()
                .all(|p| visible(p) && !p.contains([',', ';', '"'])));
        }
        (Err(_), Some(Err(Error::Handshake(e)))) => {
            // The connection queued the error response and closed.
            assert_eq!(conn.state(), State::Closed);
            let status = e.status_code().expect("a server-side error has a status");
            let out = String::from_utf8(conn.pending_output().to_vec()).expect("ASCII response");
            assert!(out.starts_with(&format!("HTTP/1.1 {status} ")));
            let (head, body) = out.split_once("\r\n\r\n").expect("a complete head");
            assert!(head.contains(&format!("\r\nContent-Length: {}\r\n", body.len())));
            assert_eq!(head.contains("\r\nAllow: GET\r\n"), status == 405);
            assert_eq!(
                head.contains("\r\nSec-WebSocket-Version: 13\r\n"),
                status == 426
            );
        }
        other => panic!("whole and chunked disagree: {other:?}"),
    }

    if let Ok(Status::Complete(req)) = whole {
        let protocols: Vec<String> = req.protocols().map(String::from).collect();
        let chosen = protocols.first().cloned();
        let mut response = Vec::new();
        let opts = AcceptOptions {
            protocol: chosen.clone(),
            ..AcceptOptions::default()
        };
        req.write_accept(&opts, &mut response)
            .expect("accepting an offered protocol");
        let client = ClientOptions {
            protocols,
            ..ClientOptions::default()
        };
        let accept = accept_key(req.key().as_bytes());
        match parse_response(&response, &accept, &client, &Config::default()) {
            Ok(Status::Complete(r)) => {
                assert_eq!(r.head_len(), response.len());
                assert_eq!(r.protocol().map(String::from), chosen);
            }
            other => panic!(
                "our own 101 is refused: {other:?}\n{}",
                String::from_utf8_lossy(&response)
            ),
        }
        assert!(conn.accept(&opts).is_ok());
        assert_eq!(conn.state(), State::Open);
    }
});

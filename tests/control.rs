//! RFC 6455 §5.5: control frames in every state — Open, Closing after this end's Close, and
//! Closed after the peer's.

mod common;

use common::*;
use rfc6455::{CloseCode, Config, Connection, Error, ProtocolError, Role, SendError, State};

/// A server that sent its Close and waits for the peer's.
fn closing_server() -> Connection {
    let mut s = server();
    s.close(CloseCode::NORMAL, "").unwrap();
    assert_eq!(
        output(&mut s),
        server_frame(true, 8, &1000u16.to_be_bytes())
    );
    assert_eq!(s.state(), State::Closing);
    s
}

// ------------------------------------------------------------------ Open

#[test]
fn open_ping_is_answered_with_identical_data_masked_by_a_client() {
    let mut s = server();
    let data: Vec<u8> = (0..125).collect();
    assert_eq!(
        feed(&mut s, &client_frame(true, 9, &data)),
        vec![Ev::Ping(data.clone())]
    );
    assert_eq!(output(&mut s), server_frame(true, 10, &data));

    let mut c = client();
    assert_eq!(
        feed(&mut c, &server_frame(true, 9, b"abc")),
        vec![Ev::Ping(b"abc".to_vec())]
    );
    let out = output(&mut c);
    assert_eq!(out[0], 0x8a);
    assert_ne!(out[1] & 0x80, 0, "a client masks its Pong");
    assert_eq!(frames(&out), vec![(rfc6455::OpCode::Pong, b"abc".to_vec())]);
}

#[test]
fn open_oversized_or_fragmented_control_frames_fail_with_1002() {
    for bad in [
        client_frame(true, 9, &[0; 126]),
        client_frame(false, 9, b"x"),
        client_frame(true, 10, &[0; 126]),
        client_frame(false, 8, b""),
    ] {
        let mut s = server();
        let evs = feed(&mut s, &bad);
        assert!(
            matches!(evs.as_slice(), [Ev::Err(Error::Protocol(_))]),
            "{evs:?}"
        );
        assert_eq!(sent_close_code(&output(&mut s)), Some(1002));
        assert_eq!(s.state(), State::Closed);
    }
}

#[test]
fn open_unsolicited_pong_is_delivered_and_not_answered() {
    let mut s = server();
    assert_eq!(
        feed(&mut s, &client_frame(true, 10, b"hb")),
        vec![Ev::Pong(b"hb".to_vec())]
    );
    assert!(s.pending_output().is_empty());
}

#[test]
fn open_ping_inside_a_fragmented_message_is_answered_at_once() {
    let mut s = server();
    let evs = feed(
        &mut s,
        &[client_frame(false, 1, b"he"), client_frame(true, 9, b"p")].concat(),
    );
    assert_eq!(evs, vec![Ev::Ping(b"p".to_vec())]);
    assert_eq!(output(&mut s), server_frame(true, 10, b"p"));
    assert_eq!(
        feed(&mut s, &client_frame(true, 0, b"llo")),
        vec![Ev::Text("hello".into())]
    );
}

#[test]
fn invalid_close_payloads_fail_with_1002_or_1007_in_open_and_closing() {
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (vec![0x03], 1002),                     // one byte: no room for a code
        (999u16.to_be_bytes().to_vec(), 1002),  // below the range
        (1004u16.to_be_bytes().to_vec(), 1002), // reserved
        (1005u16.to_be_bytes().to_vec(), 1002), // never on the wire
        (1006u16.to_be_bytes().to_vec(), 1002),
        (1015u16.to_be_bytes().to_vec(), 1002),
        (2999u16.to_be_bytes().to_vec(), 1002),
        (5000u16.to_be_bytes().to_vec(), 1002),
        ([&1000u16.to_be_bytes()[..], b"\xff"].concat(), 1007), // reason not UTF-8
    ];
    for (payload, code) in cases {
        for closing in [false, true] {
            let mut s = if closing { closing_server() } else { server() };
            let evs = feed(&mut s, &client_frame(true, 8, &payload));
            assert!(
                matches!(evs.as_slice(), [Ev::Err(_)]),
                "{payload:?}: {evs:?}"
            );
            let out = output(&mut s);
            if closing {
                assert!(out.is_empty(), "our Close was sent already: no second one");
            } else {
                assert_eq!(sent_close_code(&out), Some(code), "{payload:?}");
            }
            assert_eq!(s.state(), State::Closed);
        }
    }
}

// ------------------------------------------------------------------ Closing (our Close sent)

#[test]
fn closing_pings_are_still_answered() {
    // §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame in response,
    // unless it already received a Close frame."
    let mut s = closing_server();
    assert_eq!(
        feed(&mut s, &client_frame(true, 9, b"late")),
        vec![Ev::Ping(b"late".to_vec())]
    );
    assert_eq!(output(&mut s), server_frame(true, 10, b"late"));
    // By hand, with auto_pong off.
    let mut cfg = Config::default();
    cfg.auto_pong = false;
    let mut s = Connection::open(Role::Server, cfg);
    s.close(CloseCode::NORMAL, "").unwrap();
    output(&mut s);
    assert_eq!(
        feed(&mut s, &client_frame(true, 9, b"p")),
        vec![Ev::Ping(b"p".to_vec())]
    );
    assert!(s.pending_output().is_empty());
    s.send_pong(b"p").unwrap();
    assert_eq!(output(&mut s), server_frame(true, 10, b"p"));
}

#[test]
fn closing_refuses_every_send_but_pong() {
    let mut s = closing_server();
    assert_eq!(s.send_text("x"), Err(SendError::Closed));
    assert_eq!(s.send_binary(b"x"), Err(SendError::Closed));
    assert_eq!(s.send_binary_fragment(b"x", false), Err(SendError::Closed));
    assert_eq!(s.send_ping(b""), Err(SendError::Closed));
    assert_eq!(s.close(CloseCode::NORMAL, ""), Err(SendError::Closed));
    assert_eq!(s.send_pong(&[0; 126]), Err(SendError::ControlFrameTooLong));
    assert!(s.pending_output().is_empty());
    s.send_pong(b"").unwrap();
}

#[test]
fn closing_data_and_pongs_still_arrive_until_the_peers_close() {
    let mut s = closing_server();
    let evs = feed(
        &mut s,
        &[
            client_frame(true, 2, b"data"),
            client_frame(true, 10, b"pong"),
            client_frame(true, 8, &1001u16.to_be_bytes()),
        ]
        .concat(),
    );
    assert_eq!(
        evs,
        vec![
            Ev::Binary(b"data".to_vec()),
            Ev::Pong(b"pong".to_vec()),
            Ev::Close(1001, String::new(), true)
        ]
    );
    assert!(
        s.pending_output().is_empty(),
        "the Close is not answered twice"
    );
    assert!(s.should_close_transport());
}

#[test]
fn closing_protocol_errors_still_fail_the_connection() {
    let mut s = closing_server();
    let evs = feed(&mut s, &server_frame(true, 2, b"unmasked"));
    assert_eq!(
        evs,
        vec![Ev::Err(Error::Protocol(ProtocolError::UnmaskedFrame))]
    );
    assert!(s.pending_output().is_empty(), "our Close went out already");
    assert_eq!(s.state(), State::Closed);
}

// ------------------------------------------------------------------ Closed (peer's Close received)

#[test]
fn after_the_peers_close_nothing_is_processed_or_answered() {
    let mut s = server();
    let evs = feed(
        &mut s,
        &[
            client_frame(true, 8, &1000u16.to_be_bytes()),
            client_frame(true, 9, b"ping"),
            client_frame(true, 1, b"text"),
        ]
        .concat(),
    );
    assert_eq!(evs, vec![Ev::Close(1000, String::new(), true)]);
    assert_eq!(
        output(&mut s),
        server_frame(true, 8, &1000u16.to_be_bytes())
    );
    assert_eq!(feed(&mut s, &client_frame(true, 9, b"again")), vec![]);
    assert!(s.pending_output().is_empty());
    assert_eq!(s.send_pong(b""), Err(SendError::Closed));
    assert_eq!(s.buffered_input(), 0, "a closed connection holds no input");
}

#[test]
fn a_close_between_our_fragments_ends_the_message() {
    let mut s = server();
    s.send_text_fragment("part", false).unwrap();
    output(&mut s);
    assert_eq!(
        feed(&mut s, &client_frame(true, 8, &1000u16.to_be_bytes())),
        vec![Ev::Close(1000, String::new(), true)]
    );
    // The Close is echoed at once (RFC 6455 §5.5.1 allows it before the message ends).
    assert_eq!(
        output(&mut s),
        server_frame(true, 8, &1000u16.to_be_bytes())
    );
    assert_eq!(s.send_text_fragment("rest", true), Err(SendError::Closed));
}

#[test]
fn close_sent_and_close_received_tell_the_closing_handshake_apart() {
    // Peer closes first: we echo.
    let mut s = server();
    assert!(!s.close_sent() && !s.close_received());
    feed(&mut s, &client_frame(true, 8, &1000u16.to_be_bytes()));
    assert!(s.close_sent() && s.close_received());
    // We close first, the peer never answers: our Close only.
    let s = closing_server();
    assert!(s.close_sent() && !s.close_received());
    // A protocol error queues a Close; nothing was received.
    let mut s = server();
    feed(&mut s, &server_frame(true, 2, b"unmasked"));
    assert!(s.close_sent() && !s.close_received());
    // A silent peer given up on by keep-alive: no Close either way.
    let mut cfg = Config::default();
    cfg.idle_ping = Some(core::time::Duration::from_secs(1));
    cfg.pong_timeout = core::time::Duration::from_secs(1);
    let mut s = Connection::open(Role::Server, cfg);
    for t in [0, 1, 2] {
        s.handle_timeout(core::time::Duration::from_secs(t));
    }
    assert_eq!(s.state(), State::Closed);
    assert!(!s.close_sent() && !s.close_received());
}

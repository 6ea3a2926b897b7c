//! permessage-deflate interop with an independent implementation that compresses: Python's
//! `websockets` (its default is permessage-deflate with context takeover), in both roles,
//! over loopback. The test installs `websockets` into a private virtualenv under the target
//! directory on first run (python3 and PyPI are needed).
#![cfg(feature = "deflate")]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::driver::{echo_server, Driven};
use common::python::{python, script};
use common::Ev;
use rfc6455::handshake::ClientOptions;
use rfc6455::{CloseCode, Config};
use tokio::net::TcpListener;

#[tokio::test]
async fn python_websockets_client_against_ours_server() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        echo_server(stream, Config::default()).await
    });
    let py = python().clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(py)
            .arg(script())
            .arg("client")
            .arg(format!("ws://127.0.0.1:{port}/"))
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "python client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = stdout.lines();
    let ext = lines.next().unwrap();
    assert!(ext.starts_with("permessage-deflate"), "negotiated: {ext:?}");
    assert_eq!(lines.next(), Some("ok"));
    let seen = server.await.unwrap();
    assert_eq!(seen.last(), Some(&Ev::Close(4000, "done".into(), true)));
    assert_eq!(
        seen.iter()
            .filter(|e| matches!(e, Ev::Text(_) | Ev::Binary(_)))
            .count(),
        6
    );
}

#[tokio::test]
async fn ours_client_against_python_websockets_server() {
    let mut child = Command::new(python())
        .arg(script())
        .arg("server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let port: u16 = line.trim().parse().expect("the python server's port");

    let mut c = Driven::connect(
        &format!("ws://127.0.0.1:{port}/"),
        ClientOptions::new(),
        Config::default(),
    )
    .await;
    assert!(matches!(c.next().await, Some(Ev::Open(None))));
    c.conn.send_text("ext?").unwrap();
    c.flush().await.unwrap();
    let Some(Ev::Text(ext)) = c.next().await else {
        panic!()
    };
    assert!(ext.starts_with("permessage-deflate"), "negotiated: {ext:?}");
    for text in [
        "short".to_string(),
        "compress me ".repeat(500),
        "κόσμε ".repeat(2000),
        String::new(),
    ] {
        c.conn.send_text(&text).unwrap();
        c.flush().await.unwrap();
        assert_eq!(c.next().await, Some(Ev::Text(text)));
    }
    for data in [
        (0..=255u8).cycle().take(102_400).collect::<Vec<u8>>(),
        vec![0u8; 100_000],
    ] {
        c.conn.send_binary(&data).unwrap();
        c.flush().await.unwrap();
        assert_eq!(c.next().await, Some(Ev::Binary(data)));
    }
    // Fragmented and compressed, with context takeover across messages.
    c.conn
        .send_text_fragment(&"ab".repeat(3000), false)
        .unwrap();
    c.conn.send_text_fragment(&"cd".repeat(3000), true).unwrap();
    c.flush().await.unwrap();
    assert_eq!(
        c.next().await,
        Some(Ev::Text("ab".repeat(3000) + &"cd".repeat(3000)))
    );
    c.conn.close(CloseCode::NORMAL, "bye").unwrap();
    c.flush().await.unwrap();
    assert_eq!(c.next().await, Some(Ev::Close(1000, "bye".into(), true)));
    c.finish().await;
    child.stdin.take().unwrap().write_all(b"").unwrap();
    let _ = child.kill();
    let _ = child.wait();
}

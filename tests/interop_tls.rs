//! `wss://` in both roles against an independent implementation: Python's `websockets` with
//! its `ssl` module, over loopback. The certificates are made at run time (rcgen) for
//! 127.0.0.1 and written to a fresh directory under the target directory; nothing secret is
//! committed. The TLS side is the examples' own (`examples/common/tls.rs`: rustls through
//! tokio-rustls); the WebSocket side is the crate's `TokioDriver` over the TLS stream.
#![cfg(feature = "deflate")]

mod common;

#[path = "../examples/common/tls.rs"]
mod tls;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::driver::{client_driven, echo_driven};
use common::python::{python, script};
use common::Ev;
use tokio::net::{TcpListener, TcpStream};

/// A self-signed certificate for 127.0.0.1 and localhost: (directory, cert.pem, key.pem).
fn make_cert() -> (PathBuf, PathBuf, PathBuf) {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "tls-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let key =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, key.cert.pem()).unwrap();
    std::fs::write(&key_path, key.signing_key.serialize_pem()).unwrap();
    (dir, cert_path, key_path)
}

/// A Python `websockets` echo server over TLS; returns the child and its port.
fn python_tls_server(cert: &PathBuf, key: &PathBuf) -> (std::process::Child, u16) {
    let mut child = Command::new(python())
        .arg(script())
        .args(["server", "--tls"])
        .arg(cert)
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    (
        child,
        line.trim().parse().expect("the python server's port"),
    )
}

fn stop(mut child: std::process::Child) {
    child.stdin.take().unwrap().write_all(b"").unwrap();
    let _ = child.kill();
    let _ = child.wait();
}

/// Python's client (trusting only our certificate) against this crate's server behind
/// rustls: every message of the peer's set (text, binary, 100 KB, compressed) comes back and
/// the closing handshake is clean on both ends.
#[tokio::test]
async fn python_websockets_client_over_tls_against_ours_server() {
    let (dir, cert, key) = make_cert();
    let acceptor =
        tokio_rustls::TlsAcceptor::from(tls::server_config(&cert, &key, &[b"http/1.1"]).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let stream = acceptor.accept(tcp).await.unwrap();
        echo_driven(stream).await
    });
    let py = python().clone();
    let ca = cert.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(py)
            .arg(script())
            .arg("client")
            .arg(format!("wss://127.0.0.1:{port}/"))
            .arg("--ca")
            .arg(ca)
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
    let seen = tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.last(), Some(&Ev::Close(4000, "done".into(), true)));
    let echoed = seen
        .iter()
        .filter(|e| matches!(e, Ev::Text(_) | Ev::Binary(_)))
        .count();
    assert_eq!(echoed, 6);
    std::fs::remove_dir_all(dir).unwrap();
}

/// This crate's client through rustls (trusting the server's certificate with `--ca`'s
/// code path) against Python's TLS server: text, binary, 1 MiB and an empty message come
/// back, and the close is clean.
#[tokio::test]
async fn ours_client_over_tls_against_python_websockets_server() {
    let (dir, cert, key) = make_cert();
    let (child, port) = python_tls_server(&cert, &key);
    let config = tls::client_config(Some(&cert), &[b"http/1.1"]).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let stream = tls::connect(config, "127.0.0.1", tcp).await.unwrap();
    let messages = vec![
        b"hello over tls".to_vec(),
        vec![],
        "κόσμε ".repeat(3000).into_bytes(),
        (0..1 << 20).map(|i| (i % 253) as u8).collect(),
    ];
    let url = format!("wss://127.0.0.1:{port}/");
    let seen = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        client_driven(stream, &url, &messages),
    )
    .await
    .expect("the client finished");
    let echoes: Vec<&Ev> = seen
        .iter()
        .filter(|e| matches!(e, Ev::Text(_) | Ev::Binary(_)))
        .collect();
    assert_eq!(echoes.len(), messages.len());
    for (echo, sent) in echoes.iter().zip(&messages) {
        match echo {
            Ev::Text(t) => assert_eq!(t.as_bytes(), &sent[..]),
            Ev::Binary(b) => assert_eq!(b, sent),
            _ => unreachable!(),
        }
    }
    assert!(
        matches!(seen.last(), Some(Ev::Close(1000, _, true))),
        "{seen:?}"
    );
    stop(child);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A TLS failure is a clear error that names its cause: a client that does not trust the
/// server's certificate (only webpki's roots) says so, and so does one that asks for a name
/// the certificate does not cover.
#[tokio::test]
async fn tls_failures_name_their_cause() {
    let (dir, cert, key) = make_cert();
    let (child, port) = python_tls_server(&cert, &key);

    let untrusted = tls::client_config(None, &[]).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let err = tls::connect(untrusted, "127.0.0.1", tcp).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("UnknownIssuer"), "{msg}");
    assert!(msg.contains("127.0.0.1"), "{msg}");

    let trusted = tls::client_config(Some(&cert), &[]).unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let err = tls::connect(trusted, "example.test", tcp)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("not valid for name \"example.test\""), "{msg}");

    let missing = dir.join("missing.pem");
    let err = tls::client_config(Some(&missing), &[]).unwrap_err();
    assert!(err.to_string().contains("missing.pem"), "{err}");
    let err = tls::server_config(&cert, &cert, &[]).unwrap_err();
    assert!(err.to_string().contains("private key"), "{err}");

    stop(child);
    std::fs::remove_dir_all(dir).unwrap();
}

//! A multi-user chat room: one tokio listener serves the page over plain HTTP and upgrades
//! `/ws` to a WebSocket. Nicknames, broadcast, join/leave notices, who is online, files as
//! binary messages, an Origin allow-list, heartbeats, and slow clients cut off.
//!
//! ```text
//! cargo run --release --example chat                  # http://127.0.0.1:8080
//! cargo run --release --example chat -- 127.0.0.1:9000
//! CHAT_ORIGINS=http://example.test cargo run --example chat   # extra allowed origins
//! cargo run --release --example chat -- 127.0.0.1:8443 --tls cert.pem key.pem  # https + wss
//! ```

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

#[path = "../common/tls.rs"]
mod tls;

use rfc6455::driver::{Io, TokioDriver};
use rfc6455::handshake::{AcceptOptions, Request};
use rfc6455::{CloseCode, Config, Connection, Event, HandshakeError, Status};
use serde_json::{json, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, Notify};

const PAGE: &str = include_str!("index.html");
/// Messages queued for one client before it counts as too slow.
const QUEUE: usize = 256;

#[derive(Clone)]
enum Out {
    Text(Rc<str>),
    Binary(Rc<[u8]>),
}

struct Member {
    nick: String,
    queue: mpsc::Sender<Out>,
    kicked: Rc<Cell<bool>>,
    wake: Rc<Notify>,
}

#[derive(Default)]
struct Room {
    members: BTreeMap<u64, Member>,
    next_id: u64,
}

impl Room {
    /// Queues `msg` for every member; one whose queue is full is cut off (1013).
    fn broadcast(&self, msgs: &[Out]) {
        for m in self.members.values() {
            for msg in msgs {
                if m.queue.try_send(msg.clone()).is_err() {
                    m.kicked.set(true);
                    m.wake.notify_one();
                }
            }
        }
    }

    fn notice(&self, v: Value) {
        self.broadcast(&[Out::Text(v.to_string().into())]);
    }

    fn users(&self) -> Value {
        json!({"type": "users", "users": self.members.values().map(|m| m.nick.as_str()).collect::<Vec<_>>()})
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let args = tls::ServerArgs::parse("127.0.0.1:8080")
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let acceptor = args.acceptor(&[b"http/1.1"])?;
    let listener = TcpListener::bind(&args.addr).await?;
    let local = listener.local_addr()?;
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    let mut origins = vec![
        format!("{scheme}://{local}"),
        format!("{scheme}://localhost:{}", local.port()),
    ];
    origins.extend(
        std::env::var("CHAT_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from),
    );
    let origins: Rc<[String]> = origins.into();
    eprintln!("chat on {scheme}://{local} (allowed origins: {origins:?})");
    let room = Rc::new(RefCell::new(Room::default()));
    tokio::task::LocalSet::new()
        .run_until(async move {
            loop {
                let (stream, peer) = listener.accept().await?;
                stream.set_nodelay(true)?;
                let (room, origins, acceptor) = (room.clone(), origins.clone(), acceptor.clone());
                tokio::task::spawn_local(async move {
                    let served = match acceptor {
                        None => serve(stream, room, origins).await,
                        // A client that never finishes the TLS handshake is dropped after 10 s.
                        Some(acceptor) => {
                            let tls = acceptor.accept(stream);
                            match tokio::time::timeout(Duration::from_secs(10), tls).await {
                                Ok(Ok(tls)) => serve(tls, room, origins).await,
                                Ok(Err(e)) => Err(e),
                                Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
                            }
                        }
                    };
                    if let Err(e) = served {
                        eprintln!("{peer}: {e}");
                    }
                });
            }
        })
        .await
}

/// Reads the request head; serves the page, or hands the connection to the chat.
async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    room: Rc<RefCell<Room>>,
    origins: Rc<[String]>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let config = chat_config();
    let request = loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
        match Request::parse(&head, &config) {
            Ok(Status::Partial) => continue,
            Ok(Status::Complete(_)) => break None,
            Err(HandshakeError::NoUpgradeWebsocket | HandshakeError::NoConnectionUpgrade) => {
                let target = head.split(|&b| b == b' ').nth(1).unwrap_or(b"");
                break Some(target.split(|&b| b == b'?').next().unwrap_or(b"").to_vec());
            }
            Err(_) => break None, // the connection answers with the right error
        }
    };
    if let Some(path) = request {
        let (status, body) = match path.as_slice() {
            b"/" | b"/index.html" => ("200 OK", PAGE),
            _ => ("404 Not Found", "not found\n"),
        };
        let resp = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(resp.as_bytes()).await?;
        stream.flush().await?;
        return stream.shutdown().await;
    }
    let mut conn = Connection::server(config);
    conn.receive(&head);
    chat(stream, conn, room, origins).await
}

fn chat_config() -> Config {
    let mut config = Config::default();
    config.idle_ping = Some(Duration::from_secs(15));
    config.pong_timeout = Duration::from_secs(10);
    config.max_message_size = 8 << 20;
    config
}

async fn chat<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    mut conn: Connection,
    room: Rc<RefCell<Room>>,
    origins: Rc<[String]>,
) -> std::io::Result<()> {
    let (queue, mut inbox) = mpsc::channel::<Out>(QUEUE);
    let (kicked, wake) = (Rc::new(Cell::new(false)), Rc::new(Notify::new()));
    let mut me: Option<u64> = None;
    let mut file_name = String::from("file");
    let mut io = TokioDriver::with_stream(stream);
    loop {
        loop {
            let mut answer = None;
            match conn.next_event() {
                Ok(Some((Event::Request(req), _))) => {
                    let allowed = req.origin().is_some_and(|o| origins.iter().any(|a| a == o));
                    answer = Some(match (req.path(), allowed) {
                        ("/ws", true) => None,
                        ("/ws", false) => Some(403),
                        _ => Some(404),
                    });
                }
                Ok(Some((Event::Text(text), tx))) => {
                    let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                    let mut room = room.borrow_mut();
                    match (v["type"].as_str(), &me) {
                        (Some("join"), None) => {
                            let nick: String = v["nick"]
                                .as_str()
                                .unwrap_or("anon")
                                .chars()
                                .take(24)
                                .collect();
                            let id = room.next_id;
                            room.next_id += 1;
                            let member = Member {
                                nick: nick.clone(),
                                queue: queue.clone(),
                                kicked: kicked.clone(),
                                wake: wake.clone(),
                            };
                            room.members.insert(id, member);
                            me = Some(id);
                            room.notice(json!({"type": "join", "nick": nick}));
                            room.notice(room.users());
                        }
                        (Some("text"), Some(id)) => {
                            let from = &room.members[id].nick;
                            room.notice(json!({"type": "text", "from": from, "text": v["text"]}));
                        }
                        (Some("file"), Some(_)) => {
                            file_name = v["name"].as_str().unwrap_or("file").to_string()
                        }
                        _ => tx
                            .close(CloseCode::POLICY_VIOLATION, "join first, with valid JSON")
                            .unwrap_or(()),
                    }
                }
                Ok(Some((Event::Binary(data), _))) => {
                    if let Some(id) = me {
                        let room = room.borrow();
                        let meta = json!({"type": "file", "from": room.members[&id].nick, "name": file_name, "size": data.len()});
                        room.broadcast(&[
                            Out::Text(meta.to_string().into()),
                            Out::Binary(data.into()),
                        ]);
                    }
                }
                Ok(Some((Event::Close { code, reason, .. }, _))) => {
                    leave(&room, &mut me, code.0, reason)
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => {
                    eprintln!("connection failed: {e}");
                    break;
                }
            }
            match answer {
                Some(None) => conn
                    .accept(&AcceptOptions::new())
                    .expect("no subprotocol chosen"),
                Some(Some(status)) => conn
                    .reject(status, &[], b"refused\n")
                    .expect("a pending request"),
                None => {}
            }
        }
        if kicked.replace(false)
            && conn
                .close(CloseCode::TRY_AGAIN_LATER, "too slow: fell behind")
                .is_ok()
        {
            inbox.close();
        }
        if conn.should_close_transport() {
            break;
        }
        // Take queued broadcasts only while this client's socket keeps up: all that fit now,
        // before reading more of this client's input (whose broadcasts come back to this
        // very inbox; reading faster than draining would overflow it).
        while conn.buffered_amount() < io.high_water {
            match inbox.try_recv() {
                Ok(Out::Text(t)) => conn.send_text(&t).unwrap_or(()),
                Ok(Out::Binary(b)) => conn.send_binary(&b).unwrap_or(()),
                Err(_) => break,
            }
        }
        let room_for_more = conn.buffered_amount() < io.high_water;
        tokio::select! {
            happened = io.wait(&mut conn) => match happened? {
                Io::Idle => break,
                happened => io.apply(happened, &mut conn)?,
            },
            Some(out) = inbox.recv(), if room_for_more => match out {
                Out::Text(t) => conn.send_text(&t).unwrap_or(()),
                Out::Binary(b) => conn.send_binary(&b).unwrap_or(()),
            },
            _ = wake.notified() => {}
        }
    }
    leave(&room, &mut me, 1006, "connection lost");
    io.close().await;
    Ok(())
}

/// Removes this client from the room and tells the others.
fn leave(room: &RefCell<Room>, me: &mut Option<u64>, code: u16, reason: &str) {
    if let Some(m) = me
        .take()
        .and_then(|id| room.borrow_mut().members.remove(&id))
    {
        let room = room.borrow();
        room.notice(json!({"type": "leave", "nick": m.nick, "code": code, "reason": reason}));
        room.notice(room.users());
    }
}

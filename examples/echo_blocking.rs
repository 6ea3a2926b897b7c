//! An echo server with the standard library only: one thread per connection, blocking
//! sockets, no async runtime. The protocol is all in the crate; this is just the plumbing.
//!
//! ```text
//! cargo run --release --example echo_blocking                  # 127.0.0.1:9002
//! cargo run --release --example echo_blocking -- 127.0.0.1:9102
//! ```

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use rfc6455::{Config, Connection};

fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9002".into());
    let listener = TcpListener::bind(&addr)?;
    eprintln!(
        "blocking echo server listening on ws://{}",
        listener.local_addr()?
    );
    for stream in listener.incoming() {
        let stream = stream?;
        std::thread::spawn(move || {
            let peer = stream.peer_addr().ok();
            if let Err(e) = serve(stream) {
                eprintln!("{peer:?}: I/O error: {e}");
            }
        });
    }
    Ok(())
}

fn serve(mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let start = Instant::now();
    let mut conn = Connection::server(Config::default());
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        // Wait for input, but not past the connection's next timer.
        let wait = conn.poll_timeout().map(|t| {
            t.saturating_sub(start.elapsed())
                .max(Duration::from_millis(1))
        });
        stream.set_read_timeout(wait)?;
        match stream.read(&mut buf) {
            Ok(0) => conn.receive_eof(),
            Ok(n) => conn.receive(&buf[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e),
        }
        conn.handle_timeout(start.elapsed());
        common::echo_events(&mut conn, &|m| eprintln!("{m}"));
        // Blocking write: a client that does not read stops this thread, not the others.
        stream.write_all(conn.pending_output())?;
        conn.advance_output(usize::MAX);
        if conn.should_close_transport() {
            stream.shutdown(Shutdown::Write)?;
            stream.set_read_timeout(Some(Duration::from_secs(2)))?;
            while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
            return Ok(());
        }
    }
}

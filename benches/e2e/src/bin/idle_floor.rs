//! The floor of a tokio server's memory per idle connection: a task that upgrades, echoes the
//! load generator's one message, then only waits on its socket (no WebSocket state at all).
//! `loadgen idle` against it measures what tokio and the allocator cost by themselves.
use rfc6455::frame::write_frame;
use rfc6455::{apply_mask, OpCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn main() -> std::io::Result<()> {
    rfc6455_e2e::run("idle floor", "127.0.0.1:9106", |stream| async move {
        let Ok(mut stream) = rfc6455_e2e::upgrade(stream).await else {
            return;
        };
        // The generator's message: a masked 1 KiB binary frame (8-byte header).
        let mut frame = vec![0u8; 8 + 1024];
        if stream.read_exact(&mut frame).await.is_err() {
            return;
        }
        let key = [frame[4], frame[5], frame[6], frame[7]];
        apply_mask(&mut frame[8..], key, 0);
        let mut reply = Vec::new();
        write_frame(&mut reply, true, 0, OpCode::Binary, None, &frame[8..]);
        drop(frame);
        if stream.write_all(&reply).await.is_err() {
            return;
        }
        drop(reply);
        // Wait until the peer closes (readiness can be stale: loop until a read says so).
        loop {
            if stream.readable().await.is_err() {
                return;
            }
            match stream.try_read(&mut [0; 64]) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(_) => return,
            }
        }
    })
}

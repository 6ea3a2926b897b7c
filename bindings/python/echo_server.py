"""An asyncio WebSocket echo server over the rfc6455 C ABI (ctypes, standard library only).

    python3 bindings/python/echo_server.py [HOST:PORT]      # default 127.0.0.1:9007

It accepts the first offered subprotocol, negotiates permessage-deflate when offered, echoes
text as text and binary as binary, pings clients silent for 30 s, and closes gracefully.
"""

import asyncio
import sys
import time

import rfc6455


def until(deadline):
    """Seconds from now to a deadline on the monotonic clock in ns (None: no deadline)."""
    if deadline is None:
        return None
    return max(0.0, (deadline - time.monotonic_ns()) / 1e9)


async def serve(reader, writer, config=None):
    """Drives one connection with the five-step call order of the C API."""
    if config is None:
        config = rfc6455.default_config()
        config.idle_ping_ns = 30 * 10**9
    conn = rfc6455.Connection.server(config)                            # 1. create
    try:
        while True:
            while True:                                                 # 2. events
                try:
                    ev = conn.next_event()
                except rfc6455.Error:
                    break  # the error response / Close frame is queued
                if ev is None:
                    break
                if ev.kind == rfc6455.EVENT_REQUEST:
                    conn.accept(ev.protocols[0] if ev.protocols else None)
                elif ev.kind == rfc6455.EVENT_TEXT:
                    conn.send_text(ev.data)
                elif ev.kind == rfc6455.EVENT_BINARY:
                    conn.send_binary(ev.data)
            deadline = conn.poll_timeout()                              # 4. timers
            if deadline is not None and deadline <= time.monotonic_ns():
                conn.handle_timeout(time.monotonic_ns())
                continue
            out = conn.pending_output()                                 # 3. output
            if out:
                writer.write(out)
                conn.advance_output(len(out))
                # A peer that does not read must not park us here past the next timer
                # (keep-alive, pong and close timeouts still run).
                try:
                    await asyncio.wait_for(writer.drain(), until(deadline))
                except asyncio.TimeoutError:
                    pass
                continue  # acknowledged output may restart a timer: look again
            if conn.should_close_transport():                           # 5. close
                break
            try:
                data = await asyncio.wait_for(reader.read(65536), until(deadline))
            except asyncio.TimeoutError:
                continue
            except ConnectionError:
                data = b""
            if data:
                conn.receive(data)
            else:
                conn.receive_eof()
    finally:
        conn.free()
        try:
            if writer.can_write_eof():
                writer.write_eof()  # graceful: the peer reads our Close, then EOF
        except (OSError, RuntimeError):
            pass
        if writer.transport.get_write_buffer_size() > 0:
            writer.transport.abort()  # a peer that stopped reading: do not wait for it
        writer.close()
        try:
            await writer.wait_closed()
        except ConnectionError:
            pass


async def start(host="127.0.0.1", port=9007):
    """Starts the server; returns the asyncio Server (port 0 picks a free port)."""
    return await asyncio.start_server(serve, host, port)


async def main(addr):
    host, _, port = addr.rpartition(":")
    server = await start(host.strip("[]"), int(port))
    print("echo server (rfc6455 %s, Python ctypes) on ws://%s" % (rfc6455.version(), addr),
          file=sys.stderr)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:9007"))

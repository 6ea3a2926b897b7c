"""review3: hostile peers against the Python ctypes echo server (bindings/python/echo_server.py).

    RFC6455_LIB=target/release/librfc6455_ffi.so python3 ffi/tests/review/attack_python_server.py
"""
import asyncio
import os
import socket
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import echo_server  # noqa: E402
import rfc6455  # noqa: E402
from attack_c_server import frame, handshake  # noqa: E402


class PythonServerAttack(unittest.IsolatedAsyncioTestCase):
    async def start(self):
        cfg = rfc6455.default_config()
        cfg.idle_ping_ns = 10**9        # ping after 1 s of silence
        cfg.pong_timeout_ns = 10**9     # give up 1 s later
        cfg.close_timeout_ns = 10**9    # drop unread output 1 s after closing
        self.done = asyncio.Event()

        async def handler(r, w):
            try:
                await echo_server.serve(r, w, cfg)
            finally:
                self.done.set()
        self.server = await asyncio.start_server(handler, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def asyncTearDown(self):
        self.server.close()

    async def test_peer_that_never_reads_is_dropped_by_the_timers(self):
        """DEFECT (echo_server.py): serve() awaits writer.drain() with no timeout. A peer that
        sends and never reads parks the coroutine in drain() for good: keep-alive, the pong
        timeout and the close timeout never run, and the connection (its socket, its
        rfc6455_conn, its buffers) is held until the peer goes away."""
        port = await self.start()
        loop = asyncio.get_running_loop()
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.settimeout(5)
        await loop.run_in_executor(None, s.connect, ("127.0.0.1", port))
        await loop.run_in_executor(None, handshake, s)
        s.settimeout(0.5)

        def flood():
            try:
                for _ in range(400):
                    s.sendall(frame(0x2, b"z" * 50000))
            except (socket.timeout, OSError):
                pass
        await loop.run_in_executor(None, flood)
        try:
            # Silent now: idle ping at 1 s, give up at 2 s, linger 1 s; allow 10 s.
            await asyncio.wait_for(self.done.wait(), 10)
        finally:
            s.close()

    async def test_silent_peer_is_dropped_by_the_timers(self):
        """Control: the same timers drop a peer that is silent but reads (this passes)."""
        port = await self.start()
        loop = asyncio.get_running_loop()
        s = socket.socket()
        s.settimeout(5)
        await loop.run_in_executor(None, s.connect, ("127.0.0.1", port))
        await loop.run_in_executor(None, handshake, s)
        try:
            await asyncio.wait_for(self.done.wait(), 10)
        finally:
            s.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

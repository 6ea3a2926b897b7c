"""Python's `websockets` client (an independent implementation) against the ctypes echo
server: text, binary, a 1 MiB message, ping and close, with permessage-deflate; and peers
that break the protocol.

    python3 bindings/python/test_echo.py    # needs `pip install websockets` and the library

With RFC6455_ECHO_URL=ws://HOST:PORT set, the same client tests run against that server
instead (ffi/ci.sh points them at the C example built with AddressSanitizer).
"""

import asyncio
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import echo_server  # noqa: E402
import rfc6455  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402


EXTERNAL = os.environ.get("RFC6455_ECHO_URL")


class EchoTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        if EXTERNAL:
            self.base = EXTERNAL.rstrip("/")
            self.server = None
        else:
            self.server = await echo_server.start("127.0.0.1", 0)
            self.base = "ws://127.0.0.1:%d" % self.server.sockets[0].getsockname()[1]
        host, _, port = self.base[len("ws://"):].rpartition(":")
        self.addr = (host.strip("[]"), int(port))

    async def asyncTearDown(self):
        if self.server:
            self.server.close()
            await self.server.wait_closed()

    async def raw(self, data, read_until_eof=True):
        """Sends raw bytes on a fresh TCP connection; returns what comes back until EOF."""
        reader, writer = await asyncio.open_connection(*self.addr)
        writer.write(data)
        await writer.drain()
        got = await asyncio.wait_for(reader.read(), 10) if read_until_eof else b""
        writer.close()
        return got

    async def test_text_binary_large_ping_close(self):
        url = self.base + "/echo"
        async with connect(url, subprotocols=["chat", "v2"], max_size=2**21) as ws:
            self.assertEqual(ws.subprotocol, "chat")
            self.assertIn("permessage-deflate",
                          ws.response.headers.get("Sec-WebSocket-Extensions", ""))
            await ws.send("héllo wörld")
            self.assertEqual(await ws.recv(), "héllo wörld")
            await ws.send(b"\x00\x01\xfe\xff")
            self.assertEqual(await ws.recv(), b"\x00\x01\xfe\xff")
            big = os.urandom(1 << 20)
            await ws.send(big)
            self.assertEqual(await ws.recv(), big)
            big_text = "abcdefgh" * (1 << 17)  # 1 MiB, compressible
            await ws.send(big_text)
            self.assertEqual(await ws.recv(), big_text)
            latency = await asyncio.wait_for(await ws.ping(b"are you there"), 5)
            self.assertGreaterEqual(latency, 0)
            await ws.close(1000, "bye")
            self.assertEqual(ws.close_code, 1000)
            self.assertIsNotNone(ws.protocol.close_rcvd)  # the server answered with a Close frame
            self.assertEqual(ws.protocol.close_rcvd.code, 1000)

    async def test_many_clients_at_once(self):
        async def one(i):
            async with connect(self.base + "/n%d" % i) as ws:
                for j in range(20):
                    await ws.send("message %d.%d" % (i, j))
                    self.assertEqual(await ws.recv(), "message %d.%d" % (i, j))
        await asyncio.gather(*(one(i) for i in range(20)))

    async def test_peers_that_break_the_protocol(self):
        # Not an upgrade request: 400, then the server closes.
        got = await self.raw(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertTrue(got.startswith(b"HTTP/1.1 400"), got[:40])
        # A valid upgrade, then an unmasked frame: Close 1002, then the server closes.
        upgrade = (b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        got = await self.raw(upgrade + b"\x81\x02hi")
        head, _, frames = got.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 101"))
        self.assertEqual(frames[0], 0x88)
        self.assertEqual(frames[2:4], b"\x03\xea")
        # Invalid UTF-8 in a masked text frame: Close 1007.
        got = await self.raw(upgrade + b"\x81\x81\x00\x00\x00\x00\xff")
        frames = got.partition(b"\r\n\r\n")[2]
        self.assertEqual(frames[2:4], b"\x03\xef")
        # A peer that vanishes mid-frame and one that sends half a request.
        await self.raw(upgrade + b"\x82\xfe\x10\x00\x00\x00", read_until_eof=False)
        await self.raw(b"GET / HTTP/1.1\r\nHo", read_until_eof=False)
        # The server still serves.
        async with connect(self.base) as ws:
            await ws.send("still here")
            self.assertEqual(await ws.recv(), "still here")

    async def test_without_compression_or_protocol(self):
        url = self.base + "/"
        async with connect(url, compression=None) as ws:
            self.assertIsNone(ws.subprotocol)
            self.assertNotIn("Sec-WebSocket-Extensions", ws.response.headers)
            await ws.send("plain")
            self.assertEqual(await ws.recv(), "plain")

    @unittest.skipIf(EXTERNAL, "in-process test")
    def test_sans_io_errors_carry_the_close_code(self):
        conn = rfc6455.Connection(rfc6455.lib.rfc6455_open_new(rfc6455.ROLE_SERVER, None))
        conn.receive(b"\x81\x02hi")  # unmasked from a client
        with self.assertRaises(rfc6455.Error) as e:
            conn.next_event()
        self.assertEqual(e.exception.code, rfc6455.ERR_PROTOCOL)
        self.assertEqual(e.exception.close_code, 1002)
        self.assertEqual(conn.state, rfc6455.STATE_CLOSED)
        with self.assertRaises(rfc6455.Error) as e:
            conn.send_text("late")
        self.assertEqual(e.exception.code, rfc6455.ERR_CLOSED)
        conn.free()


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""An independent WebSocket peer for interop tests: Python `websockets`, with its default
permessage-deflate. Modes:

  ws_peer.py server          echo server on 127.0.0.1:<free port>; prints the port, then serves
                             until stdin closes. "ext?" is answered with the negotiated
                             Sec-WebSocket-Extensions response header.
  ws_peer.py client URL      sends a fixed set of messages, checks every echo, prints the
                             negotiated extensions, closes with 4000; exit status 0 on success.

TLS: `server --tls CERT KEY` serves wss:// (prints the port as before); `client URL --ca CA`
trusts the PEM certificate(s) in CA for a wss:// URL (and nothing else).
"""
import asyncio
import ssl
import sys

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

MESSAGES = [
    "short",
    "compress me " * 500,
    "κόσμε " * 2000,
    "",
    bytes(range(256)) * 400,
    b"\x00" * 100000,
]


async def handler(ws):
    async for msg in ws:
        if msg == "ext?":
            await ws.send(ws.response.headers.get("Sec-WebSocket-Extensions", ""))
        else:
            await ws.send(msg)


async def run_server(tls):
    context = None
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls[0], tls[1])
    async with serve(handler, "127.0.0.1", 0, max_size=None, ssl=context) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


async def run_client(url, ca):
    context = None
    if ca:
        context = ssl.create_default_context(cafile=ca)
    async with connect(url, max_size=None, ssl=context) as ws:
        print(ws.response.headers.get("Sec-WebSocket-Extensions", ""), flush=True)
        for msg in MESSAGES:
            await ws.send(msg)
            echo = await ws.recv()
            assert echo == msg, "echo differs for a message of %d" % len(msg)
        await ws.close(code=4000, reason="done")
    print("ok", flush=True)


def option(name, count):
    if name in sys.argv:
        i = sys.argv.index(name)
        return sys.argv[i + 1 : i + 1 + count]
    return None


if __name__ == "__main__":
    if sys.argv[1] == "server":
        asyncio.run(run_server(option("--tls", 2)))
    else:
        ca = option("--ca", 1)
        asyncio.run(run_client(sys.argv[2], ca[0] if ca else None))

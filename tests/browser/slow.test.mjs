// The chat's slow-client rule, with raw WebSocket clients over TCP: a member that stops
// reading does not hold back the others, and once its bounded queue overflows it is closed
// with 1013 and a reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = process.env.CHAT_BIN || path.join(ROOT, "target/release/examples/chat");

/// A client frame (masked with a zero key, which leaves the payload as it is).
function frame(opcode, payload) {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len])
    : len < 65536 ? Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 255])
    : Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | 127, 0, 0, 0, 0]), (() => { const b = Buffer.alloc(4); b.writeUInt32BE(len); return b; })()]);
  return Buffer.concat([head, Buffer.alloc(4), payload]);
}

/// Server frames in `buf`: [{opcode, payload}], and the unparsed rest.
function parse(buf) {
  const out = [];
  for (;;) {
    if (buf.length < 2) return [out, buf];
    let len = buf[1] & 127, off = 2;
    if (len === 126) { if (buf.length < 4) return [out, buf]; len = buf.readUInt16BE(2); off = 4; }
    else if (len === 127) { if (buf.length < 10) return [out, buf]; len = Number(buf.readBigUInt64BE(2)); off = 10; }
    if (buf.length < off + len) return [out, buf];
    out.push({ opcode: buf[0] & 15, payload: buf.subarray(off, off + len) });
    buf = buf.subarray(off + len);
  }
}

/// Connects, upgrades and joins; counts binary messages and keeps the last Close.
function client(port, nick) {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1");
    const c = { sock, binaries: 0, close: null };
    let buf = Buffer.alloc(0), open = false;
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (!open) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        assert.match(buf.subarray(0, end).toString(), /^HTTP\/1.1 101 /);
        buf = buf.subarray(end + 4);
        open = true;
        sock.write(frame(1, Buffer.from(JSON.stringify({ type: "join", nick }))));
        resolve(c);
      }
      let frames;
      [frames, buf] = parse(buf);
      for (const f of frames) {
        if (f.opcode === 2) c.binaries += 1;
        if (f.opcode === 8) c.close = { code: f.payload.readUInt16BE(0), reason: f.payload.subarray(2).toString() };
      }
    });
    sock.on("error", () => {});
    sock.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:${port}\r\n\r\n`);
  });
}

const until = async (cond, ms, what) => {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

test("a client that stops reading is cut off with 1013 and does not slow the others", { timeout: 60_000 }, async () => {
  const port = await new Promise((resolve) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); }); });
  const server = spawn(BIN, [`127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  await new Promise((resolve) => server.stderr.on("data", (d) => { if (String(d).includes("chat on")) resolve(); }));
  try {
    const slow = await client(port, "slow");
    const fast = await client(port, "fast");
    slow.sock.pause(); // stops reading: the kernel buffers fill, then the server's queue
    const N = 400;
    const blob = Buffer.alloc(64 * 1024, 7);
    for (let i = 0; i < N; i++) fast.sock.write(frame(2, blob));
    // The fast client gets every broadcast of its own files, undisturbed.
    await until(() => fast.binaries === N, 30_000, `fast to receive ${N} messages (got ${fast.binaries})`);
    // The slow one, once it reads again, finds its connection closed with 1013.
    slow.sock.resume();
    await until(() => slow.close !== null, 30_000, "the slow client's Close frame");
    assert.equal(slow.close.code, 1013);
    assert.equal(slow.close.reason, "too slow: fell behind");
    assert.ok(slow.binaries < N, `the slow client was cut off early (${slow.binaries} of ${N})`);
    fast.sock.destroy();
    slow.sock.destroy();
  } finally {
    server.kill("SIGTERM");
  }
});

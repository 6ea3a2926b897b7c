// WebSocket over HTTP/2 (RFC 8441) from a real browser: headless Chromium (Debian's package,
// driven by playwright-core) loads the hyper_server example's page over https with ALPN h2,
// and the page's `new WebSocket("wss://…/ws")` goes out as an HTTP/2 extended CONNECT on the
// same connection (the server enables SETTINGS_ENABLE_CONNECT_PROTOCOL). The server's log
// and its /stats say which HTTP version each upgrade came over; messages go both ways and
// the close is clean. The certificate is made now (openssl) in a temporary directory.
//
//   cargo build --release --example hyper_server && (cd tests/browser && npm install && node --test h2.test.mjs)
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = process.env.HYPER_BIN || path.join(ROOT, "target/release/examples/hyper_server");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/// A self-signed P-256 certificate for 127.0.0.1, valid for a day: [dir, cert, key].
function makeCert() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rfc6455-h2-"));
  const [cert, key] = [path.join(dir, "cert.pem"), path.join(dir, "key.pem")];
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
  ], { stdio: "ignore" });
  return [dir, cert, key];
}

/// Starts hyper_server with --tls; `log()` is its stderr so far.
async function startServer(port, cert, key) {
  const proc = spawn(BIN, [`127.0.0.1:${port}`, "--tls", cert, key], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  await new Promise((resolve, reject) => {
    proc.stderr.on("data", (d) => {
      log += d;
      if (log.includes("listening on")) resolve();
    });
    proc.on("exit", (code) => reject(new Error(`hyper_server exited ${code}: ${log}`)));
  });
  return { proc, log: () => log };
}

test("Chromium: wss:// over HTTP/2 extended CONNECT to hyper_server", { timeout: 120_000 }, async () => {
  const [dir, cert, key] = makeCert();
  const port = await freePort();
  const server = await startServer(port, cert, key);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--ignore-certificate-errors"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`https://127.0.0.1:${port}/`);
    // The page came over HTTP/2 (ALPN h2).
    assert.equal(await page.evaluate(() => performance.getEntriesByType("navigation")[0].nextHopProtocol), "h2");
    await page.waitForFunction(() => document.querySelector("#state").textContent === "OPEN");
    // Chromium offered permessage-deflate and the server accepted it.
    assert.match(await page.textContent(".note"), /extensions "permessage-deflate/);

    // Browser → server → browser: text, then binary.
    await page.fill("#text", "hello over HTTP/2, κόσμε");
    await page.click("#send");
    await page.waitForFunction(() => [...document.querySelectorAll(".in")].some((e) => e.textContent === "< hello over HTTP/2, κόσμε"));
    await page.click("#binary");
    await page.waitForFunction(() => [...document.querySelectorAll(".in")].some((e) => e.textContent === "< binary 1,2,254,255"));

    // The server saw the upgrade as an HTTP/2 CONNECT, and echoed both messages.
    const stats = await page.evaluate(async () => (await fetch("/stats")).json());
    assert.deepEqual(stats, { h1: 0, h2: 1, echoed: 2 });
    assert.match(server.log(), /upgrade via HTTP\/2 extended CONNECT \/ws/);
    assert.doesNotMatch(server.log(), /upgrade via HTTP\/1\.1/);

    // The page closes with 1000 "bye": clean on both sides.
    await page.click("#close");
    await page.waitForFunction(() => document.querySelector("#state").textContent === "CLOSED");
    assert.equal(await page.evaluate(() => document.body.dataset.closeCode), "1000");
    for (let i = 0; i < 50 && !server.log().includes('closed 1000 "bye" clean=true'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(server.log(), /closed 1000 "bye" clean=true/);
  } finally {
    await browser.close();
    server.proc.kill("SIGTERM");
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

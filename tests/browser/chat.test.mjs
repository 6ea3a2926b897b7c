// The chat example in real headless Chromium (Debian's package, driven by playwright-core):
// two pages join, exchange text and a binary file, one leaves with 4001 and a reason and the
// other sees the notice, the server restarts and the pages reconnect by themselves, and a
// page from a foreign Origin is refused. Assertions are on the DOM; a screenshot is kept in
// target/chat-browser.png.
//
//   cargo build --release --example chat && (cd tests/browser && npm install && npm test)
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BIN = process.env.CHAT_BIN || path.join(ROOT, "target/release/examples/chat");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startChat(port) {
  const proc = spawn(BIN, [`127.0.0.1:${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  await new Promise((resolve, reject) => {
    proc.stderr.on("data", (d) => {
      log += d;
      if (log.includes("chat on")) resolve();
    });
    proc.on("exit", (code) => reject(new Error(`chat exited ${code}: ${log}`)));
  });
  return proc;
}

test("chat: two pages, text, file, close 4001, restart and reconnect, foreign origin", { timeout: 120_000 }, async () => {
  const port = await freePort();
  let server = await startChat(port);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  try {
    const alice = await browser.newPage();
    const bob = await browser.newPage();
    await alice.goto(`http://127.0.0.1:${port}/?nick=alice`);
    await bob.goto(`http://127.0.0.1:${port}/?nick=bob`);
    const online = (page, nick) => page.waitForFunction((n) => [...document.querySelectorAll("#users li")].some((li) => li.textContent === n), nick);
    await online(alice, "bob");
    await online(bob, "alice");
    assert.equal(await alice.textContent("#state"), "OPEN");

    // Text, both ways.
    await alice.fill("#text", "hello from alice");
    await alice.click("#send");
    await bob.waitForFunction(() => [...document.querySelectorAll(".msg .text")].some((e) => e.textContent === "hello from alice"));
    await bob.fill("#text", "hi alice, κόσμε");
    await bob.press("#text", "Enter");
    await alice.waitForFunction(() => [...document.querySelectorAll(".msg .text")].some((e) => e.textContent === "hi alice, κόσμε"));

    // A binary file from bob, downloadable by alice, byte for byte.
    const bytes = Array.from({ length: 300_000 }, (_, i) => (i * 7 + 3) % 256);
    await bob.setInputFiles("#file", { name: "data.bin", mimeType: "application/octet-stream", buffer: Buffer.from(bytes) });
    await alice.waitForSelector("a.download");
    assert.equal(await alice.getAttribute("a.download", "download"), "data.bin");
    const got = await alice.evaluate(async () => {
      const r = await fetch(document.querySelector("a.download").href);
      return Array.from(new Uint8Array(await r.arrayBuffer()));
    });
    assert.equal(got.length, bytes.length);
    assert.deepEqual(got, bytes);

    // Bob leaves with 4001 and a reason; alice sees the notice; bob's close is clean.
    await bob.click("#leave");
    await alice.waitForFunction(() => [...document.querySelectorAll(".leave")].some((e) => e.textContent === "bob left (4001 bye bob)"));
    await bob.waitForFunction(() => document.querySelector("#closeinfo").dataset.code === "4001");
    assert.equal(await bob.evaluate(() => document.querySelector("#closeinfo").dataset.wasClean), "true");
    assert.equal(await bob.textContent("#state"), "CLOSED");
    await online(alice, "alice");

    // The server restarts; the open pages (alice, and carol who joins now) reconnect by
    // themselves and chat again.
    const carol = await browser.newPage();
    await carol.goto(`http://127.0.0.1:${port}/?nick=carol`);
    await online(alice, "carol");
    server.kill("SIGTERM");
    await once(server, "exit");
    for (const page of [alice, carol]) {
      await page.waitForFunction(() => document.querySelector("#state").textContent !== "OPEN");
      assert.equal(await page.evaluate(() => document.querySelector("#closeinfo").dataset.code), "1006");
    }
    server = await startChat(port);
    for (const page of [alice, carol]) {
      await page.waitForFunction(() => Number(document.body.dataset.reconnects) >= 1 && document.querySelector("#state").textContent === "OPEN", null, { timeout: 30_000 });
    }
    await online(alice, "carol");
    await online(carol, "alice");
    await alice.fill("#text", "back again");
    await alice.click("#send");
    await carol.waitForFunction(() => [...document.querySelectorAll(".msg .text")].some((e) => e.textContent === "back again"));
    await alice.screenshot({ path: path.join(ROOT, "target/chat-browser.png") });

    // A page from another origin is refused at the upgrade (403): the browser reports 1006.
    const foreign = http.createServer((req, res) => {
      res.setHeader("Content-Type", "text/html");
      res.end(`<title>start</title><script>
        const ws = new WebSocket("ws://127.0.0.1:${port}/ws");
        ws.onopen = () => { document.title = "open"; };
        ws.onclose = (e) => { document.title = "closed " + e.code; };
      </script>`);
    });
    foreign.listen(0, "127.0.0.1");
    await once(foreign, "listening");
    const mallory = await browser.newPage();
    await mallory.goto(`http://127.0.0.1:${foreign.address().port}/`);
    await mallory.waitForFunction(() => document.title.startsWith("closed"));
    assert.equal(await mallory.title(), "closed 1006");
    foreign.close();
  } finally {
    await browser.close();
    server.kill("SIGTERM");
  }
});

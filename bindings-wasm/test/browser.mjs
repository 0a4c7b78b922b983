// Shared by the browser tests: a tiny static server on the loopback address for pkg-web and
// the pages, and headless Debian Chromium driven by playwright-core.
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";

import { chromium } from "playwright-core";

import { crateDir, repoRoot } from "./helpers.mjs";

export const CHROMIUM = "/usr/bin/chromium";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".ts": "text/plain; charset=utf-8",
};

/** Files served: pkg-web/ and the parity runner (whose `runCase` the page imports). */
const MOUNTS = {
  "/pkg-web/": join(crateDir, "pkg-web"),
  "/parity/": join(repoRoot, "tests", "parity"),
};

/**
 * Serves `pages` (path -> HTML or module text) and the mounted files on 127.0.0.1. Returns
 * `{base, close}`.
 */
export async function serve(pages) {
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://localhost").pathname;
    let body = pages[path];
    if (body === undefined) {
      for (const [prefix, dir] of Object.entries(MOUNTS)) {
        if (!path.startsWith(prefix)) continue;
        const file = normalize(join(dir, path.slice(prefix.length)));
        if (file.startsWith(dir + sep) && existsSync(file)) body = readFileSync(file);
      }
    }
    if (body === undefined) {
      res.writeHead(404).end("not found");
      return;
    }
    const type = TYPES[extname(path)] ?? TYPES[".html"];
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Headless Chromium; `f(browser)` runs with it, and it is closed afterwards. */
export async function withChromium(f) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (make.sh test does)`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  try {
    return await f(browser);
  } finally {
    await browser.close();
  }
}

/**
 * Opens `url` in a new page, collecting its console messages and uncaught errors, and waits
 * until the page sets `window.done` (to "ok" or an error text). Returns `{page, logs, errors}`.
 */
export async function openPage(browser, url) {
  const page = await browser.newPage();
  const logs = [];
  const errors = [];
  page.on("console", (m) => logs.push({ type: m.type(), text: m.text() }));
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => window.done !== undefined, null, { timeout: 30000 });
  const done = await page.evaluate(() => window.done);
  if (done !== "ok") throw new Error(`the page failed: ${done}; errors: ${errors.join("; ")}`);
  return { page, logs, errors };
}

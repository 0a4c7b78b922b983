// The browser snippet of the README runs as written in Chromium, and logs what its `// →`
// comments say. The snippet is the fenced js block after the line `<!-- snippet:browser -->`
// of the repository's README when it has one, else of this directory's README.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

import { openPage, serve, withChromium } from "./browser.mjs";
import { crateDir, repoRoot } from "./helpers.mjs";

const MARKER = "<!-- snippet:browser -->";

/** `{source, code}`: the snippet and the README it comes from. */
function snippet() {
  for (const readme of [join(repoRoot, "README.md"), join(crateDir, "README.md")]) {
    if (!existsSync(readme)) continue;
    const lines = readFileSync(readme, "utf8").split("\n");
    const at = lines.findIndex((l) => l.trim() === MARKER);
    if (at < 0) continue;
    const open = lines.findIndex((l, i) => i > at && /^```(js|javascript|mjs)\s*$/.test(l.trim()));
    assert.ok(open > at, `${readme}: no \`\`\`js block after ${MARKER}`);
    const close = lines.findIndex((l, i) => i > open && l.trim() === "```");
    assert.ok(close > open, `${readme}: the snippet's block is not closed`);
    return { source: readme, code: lines.slice(open + 1, close).join("\n") };
  }
  assert.fail(`no README has ${MARKER}`);
}

/** What the snippet says it logs: the text after `// →` on each console.log line. */
function expectedLogs(code) {
  return code
    .split("\n")
    .map((l) => l.match(/console\.log\(.*\/\/\s*→\s*(.*)$/))
    .filter(Boolean)
    .map((m) => m[1].trim());
}

const PAGE = `<!doctype html>
<meta charset="utf-8">
<script type="importmap">{"imports": {"agent-policy-wasm": "/pkg-web/agent_policy_wasm.js"}}</script>
<script type="module">
  import("/snippet.mjs").then(() => { window.done = "ok"; }, (e) => { window.done = "error: " + e; });
</script>`;

describe("the README's browser snippet", () => {
  it("runs in Chromium and logs what its comments say", async () => {
    const { source, code } = snippet();
    const expected = expectedLogs(code);
    assert.ok(expected.length > 0, `${source}: the snippet shows no output (// → ...)`);
    const server = await serve({ "/": PAGE, "/snippet.mjs": code });
    try {
      const { logs, errors } = await withChromium((browser) =>
        openPage(browser, `${server.base}/`),
      );
      assert.deepEqual(errors, [], source);
      assert.deepEqual(
        logs.filter((l) => l.type === "log").map((l) => l.text),
        expected,
        source,
      );
    } finally {
      await server.close();
    }
  });
});

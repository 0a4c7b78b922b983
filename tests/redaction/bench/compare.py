#!/usr/bin/env python3
"""Scores agent-policy, detect-secrets and secretlint on the redaction corpus and a 10 MiB text.

Driven by run.sh, which installs the tools, builds agent-policy and exports the corpus
(`corpus.json`, written by tests/tests/redaction_corpus.rs). This script:

1. writes every corpus snippet to its own file (the extension follows the snippet's context,
   so that scanners that look at file names see a realistic one);
2. runs each tool on those files and scores recall (positives whose secret the tool flags) and
   the false-positive rate (counted negatives with any finding);
3. generates a deterministic, mostly clean text (source code, logs, prose, with a few dozen
   secrets planted in it) and times each tool on it as a whole process, median of 3 runs;
4. prints a Markdown table, and per-kind recall.

Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MIB = 1024 * 1024

# ---------------------------------------------------------------------------------------------
# The corpus.

# File name extension per snippet context: scanners that pick rules by file type see the
# type the snippet is written in.
EXTENSIONS = {
    "shell": ".sh",
    "curl": ".sh",
    "wget": ".sh",
    "heredoc": ".sh",
    "dotenv": ".env",
    "yaml": ".yaml",
    "json": ".json",
    "http": ".http",
    "log": ".log",
    "diff": ".diff",
    "python": ".py",
    "js": ".js",
    "dockerfile": ".dockerfile",
    "ini": ".ini",
    "toml": ".toml",
    "terraform": ".tf",
    "csharp": ".cs",
    "file": ".pem",
}


def line_of(text: str, byte_offset: int) -> int:
    """1-based line number of a byte offset of `text` (encoded as UTF-8)."""
    return text.encode("utf-8")[:byte_offset].count(b"\n") + 1


class Snippet:
    """One corpus snippet written to a file."""

    def __init__(self, name: str, text: str, positive: bool, meta: dict):
        self.name = name
        self.text = text
        self.positive = positive
        self.meta = meta
        if positive:
            self.start = meta["start"]
            self.end = meta["end"]
            self.first_line = line_of(text, self.start)
            # The last line that holds a byte of the secret.
            self.last_line = line_of(text, max(self.start, self.end - 1))

    def flagged_by_lines(self, lines: list[int]) -> bool:
        """Whether findings on these lines count for this snippet."""
        if not self.positive:
            return bool(lines)
        return any(self.first_line <= n <= self.last_line for n in lines)


def write_corpus(corpus: dict, out: Path) -> list[Snippet]:
    out.mkdir(parents=True, exist_ok=True)
    snippets = []
    for i, p in enumerate(corpus["positives"]):
        name = f"p{i:04d}{EXTENSIONS.get(p['context'], '.txt')}"
        snippets.append(Snippet(name, p["text"], True, p))
    for i, n in enumerate(corpus["negatives"]):
        snippets.append(Snippet(f"n{i:04d}.txt", n["text"], False, n))
    for s in snippets:
        # newline="" keeps CRLF snippets as they are.
        with open(out / s.name, "w", encoding="utf-8", newline="") as f:
            f.write(s.text)
    return snippets


# ---------------------------------------------------------------------------------------------
# The mostly clean text.

WORDS = (
    "the a policy engine agent request response cache worker queue build deploy service "
    "config value user account session retry timeout handler module parser token stream "
    "buffer index record batch shard region cluster node pod container image layer release "
    "version upgrade migrate schema table column query result error warning debug trace "
    "metric counter gauge latency throughput budget limit quota window bucket channel event "
    "message payload header body field struct enum trait impl function method closure "
    "iterator vector string slice option future task thread lock mutex atomic signal file "
    "path directory mount volume network socket address port host domain route gateway proxy "
    "secret password key credential rotate vault audit review merge branch commit tag"
).split()

# Words that name secrets: a variant of the text without them shows what the detectors'
# keyword prefilter saves when a text never mentions secrets.
SECRET_WORDS = {"secret", "password", "key", "credential", "token", "session", "vault"}

MODULES = ["api", "worker", "scheduler", "ingest", "billing", "auth", "search", "gateway"]
LEVELS = ["INFO", "INFO", "INFO", "DEBUG", "DEBUG", "WARN", "ERROR"]
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
HEXCHARS = "0123456789abcdef"
B64 = ALNUM + "+/"


def cat(*parts: str) -> str:
    """Token prefixes are written in pieces so that this file holds none whole."""
    return "".join(parts)


def rand(r: random.Random, alphabet: str, n: int) -> str:
    return "".join(r.choice(alphabet) for _ in range(n))


def ident(r: random.Random, words: list[str]) -> str:
    return "_".join(r.choice(words) for _ in range(r.randint(1, 3)))



def code_block(r: random.Random, words: list[str]) -> list[str]:
    kind = r.randrange(3)
    name = ident(r, words)
    if kind == 0:
        out = [f"pub fn {name}(input: &[u8], limit: usize) -> Result<Vec<u8>, Error> {{"]
        for _ in range(r.randint(3, 12)):
            n = r.randint(1, 4096)
            out.append(f"    let {ident(r, words)} = {ident(r, words)}(&input[..limit.min({n})])?;")
        out += ["    Ok(out)", "}", ""]
    elif kind == 1:
        out = [f"def {name}(self, {ident(r, words)}, timeout={r.randint(1, 120)}):"]
        out.append(f'    """{" ".join(r.choice(words) for _ in range(8)).capitalize()}."""')
        for _ in range(r.randint(3, 10)):
            name, attr, key = ident(r, words), ident(r, words), ident(r, words)
            out.append(f"    {name} = self.{attr}.get({key!r}, {r.randint(0, 99)})")
        out += [f"    return {ident(r, words)}", ""]
    else:
        out = [f"export async function {name.replace('_', '')}(req, res) {{"]
        for _ in range(r.randint(3, 10)):
            name, method = ident(r, words), ident(r, words)
            out.append(f"  const {name} = await db.{method}({{ id: req.params.id }});")
        out += ["  res.json({ ok: true });", "}", ""]
    return out


def log_block(r: random.Random, t: float, words: list[str]) -> list[str]:
    out = []
    for _ in range(r.randint(5, 30)):
        t += r.random()
        ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1_735_689_600 + t))
        rid = rand(r, HEXCHARS, 16)
        out.append(
            f"{ts}.{r.randint(0, 999):03d}Z {r.choice(LEVELS):<5} {r.choice(MODULES)}: "
            f"{' '.join(r.choice(words) for _ in range(r.randint(3, 9)))} "
            f"request_id={rid} status={r.choice([200, 200, 201, 204, 404, 500])} "
            f"duration_ms={r.randint(1, 900)} path=/v1/{r.choice(words)}/{r.randint(1, 99999)}"
        )
    return out


def prose_block(r: random.Random, words: list[str]) -> list[str]:
    out = []
    for _ in range(r.randint(2, 6)):
        sentence = " ".join(r.choice(words) for _ in range(r.randint(8, 20)))
        out.append(sentence.capitalize() + ".")
    out.append("")
    return out


def planted_secret(r: random.Random, i: int) -> tuple[str, str]:
    """(line, secret): a secret in a one-line context, rotating over common formats."""
    k = i % 10
    if k == 0:
        v = cat("gh", "p_") + rand(r, ALNUM, 36)
        return f"export GITHUB_TOKEN={v}", v
    if k == 1:
        v = cat("AK", "IA") + rand(r, UPPER_DIGITS, 16)
        return f"aws_access_key_id = {v}", v
    if k == 2:
        v = cat("xo", "xb-") + f"{r.randint(10**10, 10**11)}-{r.randint(10**12, 10**13)}-" + rand(
            r, ALNUM, 24
        )
        return f'SLACK_BOT_TOKEN="{v}"', v
    if k == 3:
        v = cat("sk", "_live_") + rand(r, ALNUM, 24)
        return f"stripe.api_key = '{v}'", v
    if k == 4:
        v = cat("np", "m_") + rand(r, ALNUM, 36)
        return f"//registry.npmjs.org/:_authToken={v}", v
    if k == 5:
        v = cat("AI", "za") + rand(r, ALNUM + "-_", 35)
        return f"GOOGLE_API_KEY={v}", v
    if k == 6:
        v = rand(r, ALNUM, 20)
        return f"DATABASE_URL=postgres://app:{v}@db.internal:5432/app", v
    if k == 7:
        v = cat("gl", "pat-") + rand(r, ALNUM + "-_", 20)
        return f'curl -H "PRIVATE-TOKEN: {v}" https://gitlab.example.com/api/v4/projects', v
    if k == 8:
        v = cat("SG", ".") + rand(r, ALNUM + "-_", 22) + "." + rand(r, ALNUM + "-_", 43)
        return f"SENDGRID_API_KEY={v}", v
    head = '{"alg":"HS256","typ":"JWT"}'

    def b64url(b: bytes) -> str:
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

    body = json.dumps({"sub": str(r.randint(1, 10**6)), "iat": 1735689600 + i})
    v = f"{b64url(head.encode())}.{b64url(body.encode())}.{rand(r, ALNUM + '-_', 43)}"
    return f"Authorization: Bearer {v}", v


def generate_text(
    path: Path, size: int, planted: int, seed: int = 7, secret_words: bool = True
) -> list[dict]:
    """Writes a deterministic mostly clean text of about `size` bytes (cut at a line end) with
    `planted` secrets spread evenly; returns where they are. Without `secret_words`, the code,
    logs and prose use no word of SECRET_WORDS."""
    words = WORDS if secret_words else [w for w in WORDS if w not in SECRET_WORDS]
    r = random.Random(seed)
    lines: list[str] = []
    total = 0
    secrets: list[dict] = []
    next_secret = size // (planted + 1)
    t = 0.0
    while total < size:
        if len(secrets) < planted and total >= next_secret:
            line, v = planted_secret(r, len(secrets))
            secrets.append({"line": len(lines) + 1, "secret": v, "byte": total + line.find(v)})
            lines.append(line)
            total += len(line) + 1
            next_secret += size // (planted + 1)
            continue
        pick = r.random()
        if pick < 0.45:
            block = log_block(r, t, words)
            t += 30
        elif pick < 0.8:
            block = code_block(r, words)
        else:
            block = prose_block(r, words)
        for line in block:
            lines.append(line)
            total += len(line) + 1
    data = "\n".join(lines) + "\n"
    path.write_text(data, encoding="ascii")
    return secrets


# ---------------------------------------------------------------------------------------------
# Running tools.


def timed(cmd: list[str], stdin_path: Path | None = None, cwd: Path | None = None) -> dict:
    """Runs `cmd` under /usr/bin/time; returns wall seconds, CPU seconds (user + system of the
    process and the children it waited for), peak RSS (KiB, from /usr/bin/time) and stdout."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        full = ["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.run(full, stdin=stdin, capture_output=True, cwd=cwd)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        finally:
            if stdin_path:
                stdin.close()
        measured = tf.read().strip().splitlines()
    # Microsecond resolution, unlike /usr/bin/time's %U and %S.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    try:
        rss_kib = int(measured[-1])
    except (IndexError, ValueError):
        rss_kib = None
    return {"wall": wall, "cpu": cpu, "rss_kib": rss_kib, "stdout": proc.stdout,
            "stderr": proc.stderr, "rc": proc.returncode}


def parse_records(stdout: bytes) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def strings_of(value) -> list[str]:
    """Every string of a JSON value, keys included."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in strings_of(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *strings_of(v)]]
    return []


def covered(records: list[dict], start: int, end: int, secret: str) -> bool:
    """Whether agent-policy's records redact the secret at bytes `start..end` of the input.
    A text record: a redaction whose byte span covers it. A JSON record (JSON input stays JSON,
    its findings located by JSON path): some redaction, and the secret, raw or JSON-unescaped,
    left in none of the redacted value's strings."""
    forms = {secret}
    try:
        forms.add(json.loads(f'"{secret}"'))
    except ValueError:
        pass
    for r in records:
        if isinstance(r["redacted"], str):
            if any(f["start"] <= start and f["end"] >= end for f in r["redactions"]):
                return True
        elif r["redactions"] and not any(
            form in s for s in strings_of(r["redacted"]) for form in forms
        ):
            return True
    return False


class Tool:
    name = ""

    def version(self) -> str:
        raise NotImplementedError

    def scan_corpus(self, snippets: list[Snippet], directory: Path) -> dict[str, bool]:
        """Snippet name -> flagged (for a positive: its secret; for a negative: anything)."""
        raise NotImplementedError

    def scan_command(self, path: Path) -> tuple[list[str], Path | None, Path | None]:
        """The command timed on the big text, the file to feed on stdin (if any) and the
        directory to run it in (if any)."""
        raise NotImplementedError

    def planted_found(self, stdout: bytes, planted: list[dict], path: Path) -> int:
        raise NotImplementedError


class AgentPolicy(Tool):
    name = "agent-policy"

    def __init__(self, binary: str, fmt: str = "text", source: str = ""):
        self.binary = binary
        self.fmt = fmt
        self.source = source

    def version(self) -> str:
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
        version = out.stdout.strip().split()[-1] if out.stdout.strip() else "?"
        return f"{version} ({self.source})" if self.source else version

    def records(self, path: Path) -> list[dict]:
        """The `--format json` records of one file: one for text input, one per value for
        JSON input (which `redact` keeps JSON)."""
        with open(path, "rb") as f:
            out = subprocess.run(
                [self.binary, "redact", "--format", "json"], stdin=f, capture_output=True
            )
        if out.returncode != 0:
            raise RuntimeError(f"agent-policy redact failed on {path}: {out.stderr[-500:]!r}")
        return parse_records(out.stdout)

    def scan_corpus(self, snippets, directory):
        def one(s: Snippet) -> tuple[str, bool]:
            records = self.records(directory / s.name)
            if not s.positive:
                return s.name, any(r["redactions"] for r in records)
            secret = s.text.encode("utf-8")[s.start:s.end].decode("utf-8")
            return s.name, covered(records, s.start, s.end, secret)

        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            return dict(pool.map(one, snippets))

    def scan_command(self, path):
        return [self.binary, "redact", "--format", self.fmt], path, None

    def planted_found(self, stdout, planted, path):
        records = parse_records(stdout) if self.fmt == "json" else self.records(path)
        return sum(
            covered(records, p["byte"], p["byte"] + len(p["secret"]), p["secret"])
            for p in planted
        )


class DetectSecrets(Tool):
    name = "detect-secrets"

    def __init__(self, binary: str):
        self.binary = binary

    def version(self) -> str:
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
        return out.stdout.strip()

    def cmd(self, *paths: str) -> list[str]:
        # --all-files: the directory is not a git checkout. -n: no verification (no network).
        return [self.binary, "scan", "--all-files", "-n", *paths]

    @staticmethod
    def lines_by_file(stdout: bytes) -> dict[str, list[int]]:
        results = json.loads(stdout)["results"]
        return {
            Path(f).name: [s["line_number"] for s in found] for f, found in results.items()
        }

    def scan_corpus(self, snippets, directory):
        out = subprocess.run(self.cmd("."), cwd=directory, capture_output=True)
        if out.returncode != 0:
            raise RuntimeError(f"detect-secrets failed: {out.stderr[-1000:]!r}")
        lines = self.lines_by_file(out.stdout)
        return {s.name: s.flagged_by_lines(lines.get(s.name, [])) for s in snippets}

    def scan_command(self, path):
        # Run in the text's own directory with a relative name: detect-secrets given a path
        # outside its working directory walks that directory too.
        return self.cmd(path.name), None, path.parent

    def planted_found(self, stdout, planted, path):
        lines = set(self.lines_by_file(stdout).get(path.name, []))
        return sum(p["line"] in lines for p in planted)


class Secretlint(Tool):
    name = "secretlint"

    def __init__(self, binary: str, rc: Path, preset_version: str, out: Path):
        self.binary = binary
        self.rc = rc
        self.preset_version = preset_version
        # Its report goes to a file: node cuts a piped stdout at 64 KiB when secretlint exits.
        self.out = out

    def version(self) -> str:
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
        return f"{out.stdout.strip()} (preset-recommend {self.preset_version})"

    def cmd(self, *paths: str) -> list[str]:
        return [
            self.binary, "--format", "json", "--no-color", "--no-terminalLink",
            "--secretlintrc", str(self.rc), "--output", str(self.out), *paths,
        ]

    @staticmethod
    def lines_by_file(stdout: bytes) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for result in json.loads(stdout):
            lines = out.setdefault(Path(result["filePath"]).name, [])
            for m in result.get("messages", []):
                loc = m.get("loc") or {}
                first = loc.get("start", {}).get("line")
                last = loc.get("end", {}).get("line", first)
                if first is not None:
                    lines.extend(range(first, (last or first) + 1))
        return out

    def scan_corpus(self, snippets, directory):
        out = subprocess.run(self.cmd("**/*"), cwd=directory, capture_output=True)
        # With --output, 0 whether or not it found anything; otherwise a failure.
        if out.returncode != 0:
            raise RuntimeError(f"secretlint failed: {out.stderr[-1000:]!r}")
        lines = self.lines_by_file(self.out.read_bytes())
        return {s.name: s.flagged_by_lines(lines.get(s.name, [])) for s in snippets}

    def scan_command(self, path):
        return self.cmd(path.name), None, path.parent

    def planted_found(self, stdout, planted, path):
        lines = set(self.lines_by_file(self.out.read_bytes()).get(path.name, []))
        return sum(p["line"] in lines for p in planted)


# ---------------------------------------------------------------------------------------------
# Throughput.


def throughput(tool: Tool, texts: dict[int, tuple[Path, list[dict]]], runs: int,
               budget: float) -> dict:
    """Median of `runs` whole-process runs on the largest text whose projected total time
    fits `budget` seconds (a probe run on the smallest text projects it)."""
    sizes = sorted(texts)
    small = sizes[0]
    cmd, stdin, cwd = tool.scan_command(texts[small][0])
    probe = timed(cmd, stdin, cwd)
    chosen = small
    for size in sizes[1:]:
        if probe["wall"] * (size / small) * runs <= budget:
            chosen = size
    path, planted = texts[chosen]
    cmd, stdin, cwd = tool.scan_command(path)
    results = [timed(cmd, stdin, cwd) for _ in range(runs)]
    for r in [probe, *results]:
        if r["rc"] != 0:
            raise RuntimeError(f"{tool.name} failed ({r['rc']}): {r['stderr'][-1000:]!r}")
    walls = sorted(r["wall"] for r in results)
    cpus = [r["cpu"] for r in results if r["cpu"] is not None]
    rss = [r["rss_kib"] for r in results if r["rss_kib"] is not None]
    size_bytes = path.stat().st_size
    median = statistics.median(walls)
    cpu = statistics.median(cpus) if cpus else None
    return {
        "text_mib": size_bytes / MIB,
        "walls": walls,
        "median_s": median,
        "mib_s": size_bytes / MIB / median,
        "cpu_s": cpu,
        "mib_per_cpu_s": size_bytes / MIB / cpu if cpu else None,
        "peak_rss_mib": max(rss) / 1024 if rss else None,
        "planted": len(planted),
        "planted_found": tool.planted_found(results[-1]["stdout"], planted, path),
    }


# ---------------------------------------------------------------------------------------------
# Main.


def pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:.1f} %" if d else "-"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True, type=Path, help="corpus.json from the export")
    ap.add_argument("--work", required=True, type=Path, help="scratch directory")
    ap.add_argument("--agent-policy", required=True)
    ap.add_argument("--agent-policy-source", default="",
                    help="the commit the binary was built from, shown beside its version")
    ap.add_argument("--detect-secrets", required=True)
    ap.add_argument("--secretlint", required=True)
    ap.add_argument("--secretlint-preset-version", default="?")
    ap.add_argument("--size-mib", type=int, default=10, help="size of the big text")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--budget", type=float, default=240.0,
                    help="seconds one tool may spend on the timed runs; a slower tool is "
                    "timed on the 1 MiB text instead")
    ap.add_argument("--tools", default="agent-policy,detect-secrets,secretlint",
                    help="comma-separated subset of the tools to run")
    ap.add_argument("--json-out", type=Path, help="also write the figures here")
    args = ap.parse_args()

    corpus = json.loads(args.corpus.read_text())
    snippets = write_corpus(corpus, args.work / "snippets")
    positives = [s for s in snippets if s.positive]
    negatives = [s for s in snippets if not s.positive]
    counted = [s for s in negatives if s.meta["counted"]]
    print(
        f"corpus: seed {corpus['seed']}, {len(positives)} positives, {len(negatives)} negatives "
        f"({len(counted)} counted)",
        file=sys.stderr,
    )

    texts_dir = args.work / "texts"
    texts_dir.mkdir(parents=True, exist_ok=True)
    texts = {}
    for mib in sorted({1, args.size_mib}):
        # Each text in its own directory: the scanners run there and see nothing else.
        (texts_dir / f"{mib}MiB").mkdir(exist_ok=True)
        path = texts_dir / f"{mib}MiB" / f"mixed-{mib}MiB.txt"
        texts[mib] = (path, generate_text(path, mib * MIB, planted=max(4, 4 * mib)))

    rc = args.work / "secretlintrc.json"
    rc.write_text(json.dumps({"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]}))
    tools: list[Tool] = [
        AgentPolicy(args.agent_policy, source=args.agent_policy_source),
        DetectSecrets(args.detect_secrets),
        Secretlint(args.secretlint, rc, args.secretlint_preset_version,
                   args.work / "secretlint-report.json"),
    ]
    tools = [t for t in tools if t.name in args.tools.split(",")]

    report = {"corpus_seed": corpus["seed"], "tools": {}}
    load_before = os.getloadavg()[0]
    flagged: dict[str, dict[str, bool]] = {}
    for tool in tools:
        print(f"{tool.name}: scanning the corpus …", file=sys.stderr)
        t0 = time.perf_counter()
        flagged[tool.name] = tool.scan_corpus(snippets, args.work / "snippets")
        corpus_s = time.perf_counter() - t0
        print(f"{tool.name}: timing on the text …", file=sys.stderr)
        speed = throughput(tool, texts, args.runs, args.budget)
        f = flagged[tool.name]
        report["tools"][tool.name] = {
            "version": tool.version(),
            "recall": [sum(f[s.name] for s in positives), len(positives)],
            "recall_engine_kinds": [
                sum(f[s.name] for s in positives if s.meta["engine_has_kind"]),
                sum(1 for s in positives if s.meta["engine_has_kind"]),
            ],
            "false_positives": [sum(f[s.name] for s in counted), len(counted)],
            "vendor_examples_flagged": [
                sum(f[s.name] for s in negatives if not s.meta["counted"]),
                sum(1 for s in negatives if not s.meta["counted"]),
            ],
            "corpus_seconds": corpus_s,
            **speed,
        }
        print(f"{tool.name}: {json.dumps(report['tools'][tool.name])}", file=sys.stderr)

    # agent-policy's other output format, and a text that never names a secret (no word of
    # SECRET_WORDS: its keyword prefilter then rules out nearly every detector), timed the same
    # way.
    if "agent-policy" in report["tools"]:
        ap_json = AgentPolicy(args.agent_policy, "json")
        report["agent_policy_json"] = throughput(ap_json, texts, args.runs, args.budget)
        (texts_dir / "quiet").mkdir(exist_ok=True)
        quiet = texts_dir / "quiet" / f"quiet-{args.size_mib}MiB.txt"
        planted = generate_text(quiet, args.size_mib * MIB, len(texts[max(texts)][1]),
                                secret_words=False)
        report["agent_policy_quiet"] = throughput(
            AgentPolicy(args.agent_policy), {args.size_mib: (quiet, planted)}, args.runs,
            args.budget)

    load_after = os.getloadavg()[0]

    # Per kind, per context, per negative family: snippets flagged by each tool.
    def breakdown(items: list[Snippet], key: str) -> dict[str, dict[str, int]]:
        groups: dict[str, list[Snippet]] = {}
        for s in items:
            groups.setdefault(s.meta[key] or "-", []).append(s)
        return {
            k: {t.name: sum(flagged[t.name][s.name] for s in ss) for t in tools} | {"n": len(ss)}
            for k, ss in sorted(groups.items())
        }

    report["per_kind"] = breakdown(positives, "kind")
    report["per_context"] = breakdown(positives, "context")
    report["per_family"] = breakdown(negatives, "family")
    report["load_average"] = [load_before, load_after]

    # The tables.
    big = texts[max(texts)][0].stat().st_size / MIB
    print()
    print(
        f"Corpus: {len(positives)} positives ({len(report['per_kind'])} kinds), "
        f"{len(counted)} counted negatives (seed {corpus['seed']}). Text: {big:.0f} MiB, "
        f"deterministic, mostly clean (code, logs, prose) with {len(texts[max(texts)][1])} "
        f"planted secrets; whole process, median of {args.runs} runs. "
        f"{os.cpu_count()} CPUs, 1-minute load average {load_before:.2f} before, "
        f"{load_after:.2f} after."
    )
    print()
    print("| tool | version | recall | false positives | MiB/s (wall) | MiB per CPU-s "
          "| peak RSS | text timed | planted found |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for tool in tools:
        r = report["tools"][tool.name]
        rss = f"{r['peak_rss_mib']:.0f} MiB" if r["peak_rss_mib"] is not None else "-"
        per_cpu = f"{r['mib_per_cpu_s']:.2f}" if r["mib_per_cpu_s"] else "-"
        print(
            f"| {tool.name} | {r['version']} | {pct(*r['recall'])} | "
            f"{pct(*r['false_positives'])} | {r['mib_s']:.2f} | {per_cpu} | {rss} | "
            f"{r['text_mib']:.0f} MiB | {r['planted_found']}/{r['planted']} |"
        )
    print()
    if "agent-policy" in report["tools"]:
        j = report["agent_policy_json"]
        ap_r = report["tools"]["agent-policy"]
        print(
            f"- agent-policy: recall over the kinds it has {pct(*ap_r['recall_engine_kinds'])} "
            f"({ap_r['recall_engine_kinds'][0]}/{ap_r['recall_engine_kinds'][1]}); "
            f"`redact --format json` on the same text: {j['mib_s']:.1f} MiB/s wall, "
            f"{j['mib_per_cpu_s']:.1f} MiB per CPU-s, peak RSS {j['peak_rss_mib']:.0f} MiB."
        )
        q = report["agent_policy_quiet"]
        print(
            f"- agent-policy on a text of the same kind without the words "
            f"{', '.join(sorted(SECRET_WORDS))}: {q['mib_s']:.1f} MiB/s wall, "
            f"{q['mib_per_cpu_s']:.1f} MiB per CPU-s ({q['planted_found']}/{q['planted']} "
            f"planted found)."
        )
        empty = [timed([args.agent_policy, "redact"], Path(os.devnull)) for _ in range(5)]
        print(
            f"- agent-policy start-up (`redact` on empty input, median of 5): "
            f"{statistics.median(e['wall'] for e in empty) * 1000:.1f} ms wall, "
            f"{statistics.median(e['cpu'] for e in empty) * 1000:.1f} ms CPU."
        )
    for tool in tools:
        r = report["tools"][tool.name]
        walls = ", ".join(f"{w:.3f}" for w in r["walls"])
        print(
            f"- {tool.name}: recall {r['recall'][0]}/{r['recall'][1]}, false positives "
            f"{r['false_positives'][0]}/{r['false_positives'][1]}, vendor examples flagged "
            f"{r['vendor_examples_flagged'][0]}/{r['vendor_examples_flagged'][1]} (not counted); "
            f"runs on {r['text_mib']:.0f} MiB: {walls} s; corpus scan {r['corpus_seconds']:.1f} s"
        )
    for title, key, label in (
        ("kind", "per_kind", "positives"),
        ("context", "per_context", "positives"),
        ("negative family", "per_family", "snippets"),
    ):
        print()
        print(f"| {title} | {label} | " + " | ".join(t.name for t in tools) + " |")
        print("|---|---:|" + "---:|" * len(tools))
        for k, row in report[key].items():
            cells = " | ".join(f"{row[t.name]}" for t in tools)
            print(f"| {k} | {row['n']} | {cells} |")

    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

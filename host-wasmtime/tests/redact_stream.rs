//! `agent-policy redact` on large and awkward input, run as the built binary: secrets at every
//! position around window edges come out exactly as when the input is redacted in one piece,
//! private keys are never split, memory stays bounded on input far larger than it, JSON input
//! stays JSON, and offsets count from the start of the whole input.
//!
//! Secrets are assembled at run time from two pieces and a seeded generator, so that no whole
//! secret-looking literal sits in this file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use serde_json::Value;
use support::{Run, TempDir};

mod support;

fn command(args: &[&str]) -> Command {
    let mut command = support::command(args, &[]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    command
}

/// Runs the binary with `stdin` as its input.
fn agent_policy(args: &[&str], stdin: &[u8]) -> Run {
    let mut child = command(args).stdin(Stdio::piped()).spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    // Write from a thread: the binary writes output while it reads.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    let run = Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!run.stderr.contains("internal error"), "{}", run.stderr);
    run
}

/// `redact` with `args`, expected to succeed: its standard output.
fn redact(args: &[&str], stdin: &[u8]) -> String {
    let mut all = vec!["redact"];
    all.extend_from_slice(args);
    let run = agent_policy(&all, stdin);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

/// Every window at least as large as any test input: the whole input in one piece.
const ONE_WINDOW: &str = "1073741824";

/// `len` pseudo-random characters of `alphabet`, the same for the same `seed`.
fn r(alphabet: &str, len: usize, seed: u64) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chars[usize::try_from((state >> 11) % chars.len() as u64).unwrap()]
        })
        .collect()
}

const ALNUM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const UPPER_ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const B64: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";

/// One planted secret: the line text around it and the secret itself.
struct Planted {
    before: String,
    secret: String,
    after: &'static str,
}

/// Secrets of several kinds in realistic lines; `seed` varies their random parts.
fn secrets(seed: u64) -> Vec<Planted> {
    let plant = |before: &str, secret: String, after: &'static str| Planted {
        before: before.to_owned(),
        secret,
        after,
    };
    vec![
        plant(
            "git push https://x@github.com # ",
            format!("{}{}", "gh", "p_") + &r(ALNUM, 36, seed),
            "",
        ),
        plant(
            "const stripe = new Stripe(\"",
            format!("{}{}", "sk_", "live_") + &r(ALNUM, 24, seed + 1),
            "\");",
        ),
        plant(
            "export AWS_ACCESS_KEY_ID=",
            format!("{}{}", "AK", "IA") + &r(UPPER_ALNUM, 16, seed + 2),
            "",
        ),
        plant("aws_secret_access_key = ", r(B64, 40, seed + 3), ""),
        plant(
            "DATABASE_URL=postgres://shop:",
            format!("{}9", r(ALNUM, 15, seed + 4)),
            "@db.internal:5432/shop",
        ),
        plant(
            "curl -H 'Authorization: Bearer ",
            format!("{}7", r(ALNUM, 31, seed + 5)),
            "' https://api.example.com",
        ),
        plant("DB_PASSWORD=", format!("{}4", r(ALNUM, 13, seed + 6)), ""),
        plant(
            "SLACK=",
            format!("{}{}", "xo", "xb-") + &r(ALNUM, 30, seed + 7),
            " # bot",
        ),
    ]
}

/// Text where each planted secret starts at every position modulo `window` once: filler lines
/// move the next secret to the wanted position relative to the window edges.
fn every_offset(window: usize) -> (String, Vec<String>) {
    let mut text = String::new();
    let mut planted = Vec::new();
    for k in 0..window {
        for p in secrets(k as u64 * 31) {
            // Choose a filler line so that the secret starts at `k` modulo `window`.
            let here = text.len() + p.before.len();
            let fill = (k + 2 * window - here % window - 1) % window;
            text.push_str(&"#".repeat(fill));
            text.push('\n');
            assert_eq!((text.len() + p.before.len()) % window, k);
            text.push_str(&format!("{}{}{}\n", p.before, p.secret, p.after));
            planted.push(p.secret);
        }
    }
    (text, planted)
}

/// The PEM private key with `seed`'s body, lines of 64 characters.
fn private_key(seed: u64) -> (String, Vec<String>) {
    let body: Vec<String> = (0..6).map(|i| r(B64, 64, seed * 10 + i)).collect();
    let label = format!("RSA {} KEY", "PRIVATE");
    (
        format!(
            "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
            body.join("\n")
        ),
        body,
    )
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn secrets_at_every_offset_around_window_edges_come_out_as_in_one_window() {
    for window in ["64", "100", "256"] {
        let (input, planted) = every_offset(window.parse().unwrap());
        let streamed = redact(&["--window-bytes", window], input.as_bytes());
        let whole = redact(&["--window-bytes", ONE_WINDOW], input.as_bytes());
        assert!(
            streamed == whole,
            "window {window}: the streamed output differs from the one-window output"
        );
        for secret in &planted {
            assert!(
                !streamed.contains(secret.as_str()),
                "window {window}: {secret}"
            );
        }
        assert_eq!(
            count(&streamed, "[REDACTED:"),
            planted.len(),
            "window {window}"
        );
        assert_eq!(streamed.lines().count(), input.lines().count());

        let streamed = redact(
            &["--window-bytes", window, "--format", "json"],
            input.as_bytes(),
        );
        let whole = redact(
            &["--window-bytes", ONE_WINDOW, "--format", "json"],
            input.as_bytes(),
        );
        let streamed: Value = serde_json::from_str(&streamed).unwrap();
        let whole: Value = serde_json::from_str(&whole).unwrap();
        assert!(
            streamed == whole,
            "window {window}: the JSON reports differ"
        );
        let found = streamed["redactions"].as_array().unwrap();
        assert_eq!(found.len(), planted.len());
        for (f, secret) in found.iter().zip(&planted) {
            let (start, end) = (f["start"].as_u64().unwrap(), f["end"].as_u64().unwrap());
            let span = &input[usize::try_from(start).unwrap()..usize::try_from(end).unwrap()];
            assert_eq!(span, secret, "window {window}: {f}");
        }
    }
}

#[test]
fn a_line_longer_than_the_longest_kept_whole_is_cut_inside_without_losing_secrets() {
    // Lines up to 4 KiB are kept whole; the overlap inside longer lines is then 1 KiB.
    let mut line = String::new();
    let mut planted = Vec::new();
    let mut seed = 0;
    while line.len() < 40_000 {
        for p in secrets(seed) {
            line.push_str(&" ".repeat(usize::try_from(seed % 97).unwrap()));
            line.push_str(&format!("{}{}{} ;", p.before, p.secret, p.after));
            planted.push(p.secret);
            seed += 1;
        }
    }
    line.push('\n');
    let streamed = redact(
        &["--window-bytes", "256", "--max-line-bytes", "4096"],
        line.as_bytes(),
    );
    let whole = redact(&["--window-bytes", ONE_WINDOW], line.as_bytes());
    assert!(streamed == whole, "the streamed output differs");
    for secret in &planted {
        assert!(!streamed.contains(secret.as_str()), "{secret}");
    }
}

#[test]
fn a_private_key_straddling_a_window_edge_is_redacted_whole() {
    let window = 128;
    let mut input = String::new();
    let mut bodies = Vec::new();
    for k in 0..window {
        // The key starts at `k` modulo the window, so an edge falls in every part of it.
        let fill = (k + 2 * window - input.len() % window - 1) % window;
        input.push_str(&"-".repeat(fill));
        input.push('\n');
        let (key, body) = private_key(k as u64);
        input.push_str(&key);
        bodies.extend(body);
    }
    let streamed = redact(&["--window-bytes", "128"], input.as_bytes());
    let whole = redact(&["--window-bytes", ONE_WINDOW], input.as_bytes());
    assert!(streamed == whole, "the streamed output differs");
    assert_eq!(count(&streamed, "[REDACTED:private-key]"), window);
    assert!(!streamed.contains("PRIVATE KEY"));
    for line in &bodies {
        assert!(!streamed.contains(line.as_str()), "a key line survived");
    }
}

#[test]
fn a_key_whose_body_is_still_to_come_is_not_split_from_its_armor_line() {
    // With windows of 40 bytes and 7 bytes of padding, the first window ends right after
    // the BEGIN line: the body must not leak out on its own.
    let (key, body) = private_key(7);
    for pad in 4..11 {
        let input = format!("{}\n{key}done\n", "x".repeat(pad));
        let streamed = redact(&["--window-bytes", "40"], input.as_bytes());
        assert_eq!(
            streamed,
            format!("{}\n[REDACTED:private-key]\ndone\n", "x".repeat(pad))
        );
        assert!(!body.iter().any(|l| streamed.contains(l.as_str())));
    }
}

#[test]
fn offsets_of_a_secret_in_the_third_window_count_from_the_start_of_the_input() {
    let secret = format!("{}{}", "sk_", "live_") + &r(ALNUM, 24, 99);
    let mut input = String::new();
    while input.len() < 150 {
        input.push_str("nothing to see here\n");
    }
    input.push_str(&format!("key = \"{secret}\"\ntail\n"));
    let report = redact(
        &["--window-bytes", "64", "--format", "json"],
        input.as_bytes(),
    );
    let report: Value = serde_json::from_str(&report).unwrap();
    let found = &report["redactions"][0];
    let start = usize::try_from(found["start"].as_u64().unwrap()).unwrap();
    let end = usize::try_from(found["end"].as_u64().unwrap()).unwrap();
    assert!(start >= 128, "{found}");
    assert_eq!(&input[start..end], secret);
    assert_eq!(found["location"], "$");
    let redacted = report["redacted"].as_str().unwrap();
    assert_eq!(redacted, input.replace(&secret, "[REDACTED:stripe-key]"));
}

#[test]
fn json_input_stays_json_in_both_formats() {
    let secret = format!("{}{}", "sk_", "live_") + &r(ALNUM, 24, 5);
    let input = format!(r#"{{"cmd": "export TOKEN={secret}", "k": "a\nb"}}"#);

    let text = redact(&[], input.as_bytes());
    assert!(text.ends_with('\n') && text.lines().count() == 1, "{text}");
    let value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["cmd"], "export TOKEN=[REDACTED:stripe-key]");
    assert_eq!(value["k"], "a\nb");
    assert!(!text.contains(&secret));

    let report = redact(&["--format", "json"], input.as_bytes());
    let report: Value = serde_json::from_str(&report).unwrap();
    assert_eq!(
        report["redacted"]["cmd"],
        "export TOKEN=[REDACTED:stripe-key]"
    );
    assert_eq!(report["redacted"]["k"], "a\nb");
    let found = report["redactions"].as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["location"], "$.cmd");
    assert_eq!(found[0]["kind"], "stripe-key");
}

#[test]
fn json_is_redacted_as_values_so_escapes_do_not_hide_secrets() {
    // `\u005f` is `_`: the text of the input never holds the secret's prefix as written.
    let tail = r(ALNUM, 24, 8);
    let input = format!("{{\n  \"note\": \"sk\\u005flive\\u005f{tail}\"\n}}\n");
    let text = redact(&[], input.as_bytes());
    assert_eq!(text, "{\"note\":\"[REDACTED:stripe-key]\"}\n");
}

#[test]
fn json_lines_are_redacted_line_by_line() {
    let secret = format!("{}{}", "gh", "p_") + &r(ALNUM, 36, 11);
    let input = format!(
        "{{\"tool\":\"Bash\",\"args\":{{\"command\":\"git push https://{secret}@github.com/a/b\"}}}}\n\
         \n\
         [1, \"two\"]\n\
         {{\"tool\":\"Read\",\"args\":{{\"path\":\"README.md\"}}}}\n"
    );
    let text = redact(&["--window-bytes", "64"], input.as_bytes());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    let first: Value = serde_json::from_str(lines[0]).unwrap();
    assert!(
        first["args"]["command"]
            .as_str()
            .unwrap()
            .contains("[REDACTED:")
    );
    assert_eq!(
        serde_json::from_str::<Value>(lines[1]).unwrap(),
        serde_json::json!([1, "two"])
    );
    assert!(!text.contains(&secret));

    let report = redact(&["--format", "json"], input.as_bytes());
    let records: Vec<Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3, "{report}");
    assert_eq!(records[0]["redactions"][0]["location"], "$.args.command");
    assert_eq!(records[1]["redactions"], serde_json::json!([]));
    assert_eq!(records[2]["redacted"]["args"]["path"], "README.md");
}

#[test]
fn json_lines_followed_by_text_leave_the_text_to_the_text_redactor() {
    // A key spans lines: the text after the JSON lines is redacted as a whole, not line by line.
    let (key, body) = private_key(3);
    let input = format!("{{\"a\": 1}}\n[2]\nkeys follow\n{key}end\n");
    let text = redact(&["--window-bytes", "64"], input.as_bytes());
    assert_eq!(
        text,
        "{\"a\":1}\n[2]\nkeys follow\n[REDACTED:private-key]\nend\n"
    );
    let report = redact(&["--format", "json"], input.as_bytes());
    let records: Vec<Value> = report
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 3, "{report}");
    assert_eq!(
        records[2]["redacted"],
        "keys follow\n[REDACTED:private-key]\nend\n"
    );
    assert_eq!(records[2]["redactions"][0]["start"], 12);
    assert!(!body.iter().any(|l| report.contains(l.as_str())));
}

#[test]
fn text_that_merely_starts_like_json_is_redacted_as_text() {
    let secret = format!("{}{}", "sk_", "live_") + &r(ALNUM, 24, 12);
    for input in [
        format!("{{ export TOKEN={secret}; }}\n  second line\n"),
        format!("{{\"a\": 1}} and then {secret}\n"),
        format!("[1, 2, 3\nkey {secret}\n"),
    ] {
        let text = redact(&[], input.as_bytes());
        assert_eq!(text, input.replace(&secret, "[REDACTED:stripe-key]"));
        let report: Value =
            serde_json::from_str(&redact(&["--format", "json"], input.as_bytes())).unwrap();
        assert_eq!(report["redacted"].as_str(), Some(text.as_str()));
    }
}

#[test]
fn invalid_utf8_becomes_the_replacement_character() {
    let secret = format!("{}{}", "sk_", "live_") + &r(ALNUM, 24, 13);
    let mut input = b"caf\xE9 \xFF\xFE\n".to_vec();
    input.extend_from_slice(format!("key {secret}\n").as_bytes());
    let text = redact(&["--window-bytes", "16"], &input);
    assert_eq!(
        text,
        "caf\u{FFFD} \u{FFFD}\u{FFFD}\nkey [REDACTED:stripe-key]\n"
    );
}

#[test]
fn a_bad_policy_is_reported_with_its_position_and_nothing_is_printed() {
    let dir = TempDir::new("redact-test");
    let policy = dir.put(
        "policy.yml",
        "version: \"1\"\nredaction:\n  rules:\n    - id: acme\n      pattern: \"acme_[a-z\"\n      keywords: [acme_]\n",
    );
    let run = agent_policy(&["redact", "--policy", &policy], b"acme_token here\n");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains(&format!("{policy}:5:")),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn unreadable_input_is_a_read_error() {
    let dir = TempDir::new("redact-test");
    let stdin = std::fs::File::open(&dir.0).unwrap();
    let output = command(&["redact"]).stdin(stdin).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("error: cannot read <stdin>"), "{stderr}");
    assert!(stderr.contains("[io.read]"), "{stderr}");
}

/// Redacts `megabytes` MiB of mostly clean log text written into the child's standard input
/// while it runs; returns the child's peak resident set in KiB and checks the output.
#[cfg(target_os = "linux")]
fn peak_rss_redacting(megabytes: usize) -> u64 {
    const BLOCK: usize = 64 * 1024;
    let secret = format!("{}{}", "sk_", "live_") + &r(ALNUM, 24, 21);
    // One block of log lines with one secret in it, written again and again.
    let mut block = String::new();
    let mut i = 0;
    while block.len() < BLOCK - 200 {
        i += 1;
        block.push_str(&format!(
            "2026-11-22T10:00:{:02}Z INFO request completed path=/api/v1/items/{i} status=200\n",
            i % 60
        ));
        if i == 300 {
            block.push_str(&format!("stripe key {secret} in a log line\n"));
        }
    }
    let blocks = (megabytes << 20) / block.len();

    let mut child = command(&["redact"]).stdin(Stdio::piped()).spawn().unwrap();
    let pid = child.id();
    let mut input = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for _ in 0..blocks {
            input.write_all(block.as_bytes()).unwrap();
        }
    });
    let mut stdout = child.stdout.take().unwrap();
    let raw = secret.clone();
    let reader = std::thread::spawn(move || {
        let mut chunk = vec![0u8; 1 << 20];
        let mut tail = String::new();
        let (mut markers, mut leaked) = (0, false);
        loop {
            let n = stdout.read(&mut chunk).unwrap();
            // The output is ASCII here: a chunk never ends inside a character. Whole lines
            // are checked; a secret never spans lines.
            tail.push_str(std::str::from_utf8(&chunk[..n]).unwrap());
            let keep = if n == 0 {
                tail.len()
            } else {
                tail.rfind('\n').map_or(0, |i| i + 1)
            };
            markers += tail[..keep].matches("[REDACTED:stripe-key]").count();
            leaked |= tail[..keep].contains(&raw);
            tail.drain(..keep);
            if n == 0 {
                break;
            }
        }
        (markers, leaked)
    });
    let mut peak = 0;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kib);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    writer.join().unwrap();
    let (markers, leaked) = reader.join().unwrap();
    assert!(!leaked, "a secret survived");
    assert_eq!(markers, blocks);
    assert!(peak > 0, "the peak resident set was never read");
    peak
}

#[cfg(target_os = "linux")]
#[test]
fn input_larger_than_memory_allows_is_streamed() {
    // What the process needs whatever its input (the binary, the compiled detectors), then
    // what 32 MiB of input adds to it: streaming keeps that far below the input's size.
    let baseline = peak_rss_redacting(1);
    let peak = peak_rss_redacting(32);
    assert!(
        peak.saturating_sub(baseline) < 8 * 1024,
        "peak resident set {peak} KiB for 32 MiB, {baseline} KiB for 1 MiB"
    );
}

#[cfg(target_os = "linux")]
#[test]
#[ignore = "200 MiB through a debug build takes a while; run with --ignored"]
fn two_hundred_mebibytes_are_streamed_in_bounded_memory() {
    let peak = peak_rss_redacting(200);
    assert!(peak < 64 * 1024, "peak resident set {peak} KiB for 200 MiB");
}

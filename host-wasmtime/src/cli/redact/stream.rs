//! Text redaction in bounded memory: standard input is read in windows, each window is
//! redacted, the part up to a cut point is written out and the rest is carried into the next
//! window.
//!
//! Where the cut goes, so that the output is the same as redacting the whole input at once:
//! - at the last line boundary of the window (a window is read on until it holds one, up to
//!   `max_line` bytes): every single-line secret and its context (`password=…`,
//!   `aws_secret_access_key … <value>`) is then seen whole, with the same neighbours, in
//!   exactly one window;
//! - never inside a finding: a finding that starts before the cut and may continue after it
//!   (it crosses the cut, or runs to the end of the window) moves the cut back to the start of
//!   its line, so it is redone with more input; past [`MAX_BLOCK`] bytes it is taken as found;
//! - multi-line keys (PEM `-----BEGIN … PRIVATE KEY-----`, SSH.com and PuTTY key files) are
//!   not split: a window whose last non-blank line opens one is carried from that line, within
//!   the same [`MAX_BLOCK`] bound;
//! - a line longer than `max_line` is cut inside, `overlap` bytes before the end of the window
//!   (a quarter of `max_line`, at most [`MAX_OVERLAP`]), and the next window starts with up
//!   to `overlap` bytes of already written text as left context (findings that end there are
//!   not reported again). Only a secret longer than the overlap, with its context, can be
//!   split.
//!
//! Memory is a few times `max_line` (plus [`MAX_BLOCK`]), whatever the input size. Offsets of
//! findings are byte offsets in the whole text. Invalid UTF-8 is replaced by U+FFFD (as
//! [`String::from_utf8_lossy`] does on the whole input); offsets count the replacement
//! character's three bytes. A window never ends inside a UTF-8 character.

use std::io::Read;

use agent_policy_core::Redaction;
use agent_policy_core::redact::Redactor;

use super::source::{Source, utf8_safe_len};
use crate::cli::Failure;

/// Longest multi-line block (a private key) carried whole across windows, in bytes. The
/// largest PEM private keys (16384-bit RSA) are about 13 KiB.
pub(super) const MAX_BLOCK: usize = 64 * 1024;

/// Longest overlap between windows when a line is cut inside, in bytes: the longest secret,
/// with its context, that a cut inside a line cannot split.
pub(super) const MAX_OVERLAP: usize = 8 * 1024;

/// How the input is cut into windows.
#[derive(Debug, Clone, Copy)]
pub(super) struct Windows {
    /// Bytes read per window: the unit of redaction (detectors run only on the windows, and
    /// mostly only on the lines, that hold one of their keywords).
    pub(super) bytes: usize,
    /// Longest line kept whole: a window is extended until it holds a line boundary or
    /// reaches this many bytes, and is then cut inside the line.
    pub(super) max_line: usize,
}

impl Windows {
    /// The overlap of windows cut inside a line: a quarter of the longest line kept whole, at
    /// most [`MAX_OVERLAP`].
    fn overlap(self) -> usize {
        (self.max_line / 4).clamp(1, MAX_OVERLAP)
    }
}

/// A finding in the current window: its byte span there and its report.
#[derive(Debug)]
struct Span {
    start: usize,
    end: usize,
    redaction: Redaction,
}

/// Redacts everything `source` still holds as text. `out` receives the redacted text in
/// pieces (their concatenation is the redacted input); `found` receives the findings, with
/// offsets counted from the first byte the source still held.
pub(super) fn redact_text<R: Read>(
    redactor: &Redactor,
    source: &mut Source<R>,
    windows: Windows,
    out: &mut dyn FnMut(&str) -> Result<(), Failure>,
    found: &mut Vec<Redaction>,
) -> Result<(), Failure> {
    let overlap = windows.overlap();
    // `text[..ctx]` was already written: left context for the findings after it.
    let mut text = String::new();
    let mut ctx = 0;
    // Offset in the whole text of `text[0]`.
    let mut base = 0;
    // The last window was only read: `text[ctx..]` holds no newline.
    let mut reading_on = false;
    loop {
        source.fill(windows.bytes)?;
        let available = source.available();
        let mut take = available.len().min(windows.bytes);
        let last = source.at_eof() && take == available.len();
        if !last {
            take = match utf8_safe_len(available.get(..take).unwrap_or_default()) {
                // The window ends in the first bytes of a character: read more (never happens
                // with windows of four bytes or more).
                0 => take.min(available.len()),
                n => n,
            };
        }
        let search_from = if reading_on { text.len() } else { ctx };
        push_lossy(&mut text, available.get(..take).unwrap_or_default());
        source.consume(take);
        let newline = text
            .as_bytes()
            .get(search_from..)
            .is_some_and(|t| t.contains(&b'\n'));
        reading_on = !last && !newline && text.len() - ctx < windows.max_line;
        if reading_on {
            // No line boundary yet: read on before scanning, so that a long line is scanned
            // once rather than once per window.
            continue;
        }

        let spans = find(redactor, &text, ctx);
        let cut = cut_point(&text, ctx, &spans, last, overlap);
        if cut > ctx {
            write(&text, ctx, cut, &spans, base, out, found)?;
        }
        if last {
            return Ok(());
        }
        if cut <= ctx {
            // Nothing could be written: the window holds one unfinished block from its first
            // line. Read on (bounded by `MAX_BLOCK`, see `cut_point`).
            continue;
        }
        let mid_line = text.as_bytes().get(cut.wrapping_sub(1)) != Some(&b'\n');
        let keep_from = if mid_line {
            floor_char_boundary(&text, cut.saturating_sub(overlap))
        } else {
            cut
        };
        text.drain(..keep_from);
        base += keep_from;
        ctx = cut - keep_from;
    }
}

/// Appends `bytes` to `text`, invalid UTF-8 replaced by U+FFFD.
fn push_lossy(text: &mut String, bytes: &[u8]) {
    // `from_utf8` checks ASCII several times faster than the lossy decoder walks it.
    match std::str::from_utf8(bytes) {
        Ok(valid) => text.push_str(valid),
        Err(_) => text.push_str(&String::from_utf8_lossy(bytes)),
    }
}

/// The findings of `text` that end after `ctx`, starting at `ctx` at the earliest.
fn find(redactor: &Redactor, text: &str, ctx: usize) -> Vec<Span> {
    // The findings only: the stream writes the text itself, around the secrets' spans.
    redactor
        .find_in_text(text, "$")
        .into_iter()
        .filter(|r| r.end > ctx)
        .map(|r| Span {
            start: r.start.max(ctx),
            end: r.end,
            redaction: r,
        })
        .collect()
}

/// Where to cut `text` (see the module documentation). `text[..ctx]` is context already
/// written; a result of `ctx` or less means that nothing can be written yet.
fn cut_point(text: &str, ctx: usize, spans: &[Span], last: bool, overlap: usize) -> usize {
    let n = text.len();
    if last {
        return n;
    }
    let bytes = text.as_bytes();
    let after_last_newline = bytes
        .get(ctx..)
        .and_then(|t| t.iter().rposition(|&b| b == b'\n'))
        .map(|i| ctx + i + 1);
    let Some(mut cut) = after_last_newline else {
        // One line longer than the longest kept whole: cut inside it, `overlap` bytes before the end, or
        // after a finding that starts before that point.
        let mut cut = floor_char_boundary(text, n.saturating_sub(overlap)).max(ctx + 1);
        cut = ceil_char_boundary(text, cut);
        if let Some(f) = spans.iter().rev().find(|f| f.start < cut)
            && f.end > cut
        {
            cut = f.end;
        }
        return cut;
    };
    let line_start = |i: usize| {
        bytes
            .get(..i)
            .and_then(|b| b.iter().rposition(|&c| c == b'\n'))
            .map_or(0, |p| p + 1)
            .max(ctx)
    };
    if let Some(start) = open_block(text, ctx, cut)
        && n - start <= MAX_BLOCK
    {
        cut = start;
    }
    for f in spans.iter().rev() {
        if f.start >= cut {
            // Found again, with its whole line, in the next window.
            continue;
        }
        if f.end <= cut && f.end < n {
            // Finished before the cut: so are all the earlier ones.
            break;
        }
        // It may continue after the cut (an unterminated key runs to the end of the window).
        let start = line_start(f.start);
        if n - start > MAX_BLOCK {
            // Too long for a key: take it as found.
            cut = cut.max(f.end);
            break;
        }
        cut = start;
    }
    cut
}

/// The start of the last non-blank line of `text[ctx..]` when that line opens a multi-line
/// key and ends before `cut`, so that the key's body has not been read yet.
fn open_block(text: &str, ctx: usize, cut: usize) -> Option<usize> {
    let tail = text.get(ctx..)?;
    let last = tail.trim_end();
    let start = ctx + last.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..ctx + last.len())?;
    let opens = (line.contains("BEGIN") && line.contains("PRIVATE KEY"))
        || line.trim_start().starts_with("Private-Lines:");
    (opens && start < cut && ctx + last.len() < cut).then_some(start)
}

/// Writes `text[from..to]` with the findings in it replaced by their markers, and records
/// those findings with offsets in the whole text (`base` is the offset of `text[0]`).
fn write(
    text: &str,
    from: usize,
    to: usize,
    spans: &[Span],
    base: usize,
    out: &mut dyn FnMut(&str) -> Result<(), Failure>,
    found: &mut Vec<Redaction>,
) -> Result<(), Failure> {
    let mut pos = from;
    for f in spans.iter().filter(|f| f.start >= from && f.start < to) {
        out(text.get(pos..f.start).unwrap_or_default())?;
        out(&f.redaction.marker)?;
        pos = f.end;
        let mut redaction = f.redaction.clone();
        redaction.start = base + f.start;
        redaction.end = base + f.end;
        found.push(redaction);
    }
    if pos < to {
        out(text.get(pos..to).unwrap_or_default())?;
    }
    Ok(())
}

/// The largest character boundary of `text` at or before `i`.
fn floor_char_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest character boundary of `text` at or after `i`.
fn ceil_char_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    /// Redacts `input` in windows of `window` bytes: the text and the findings.
    fn stream(input: &[u8], window: usize, max_line: usize) -> (String, Vec<Redaction>) {
        let redactor = Redactor::default();
        let mut source = Source::new(input, "<test>");
        let mut text = String::new();
        let mut found = Vec::new();
        redact_text(
            &redactor,
            &mut source,
            Windows {
                bytes: window,
                max_line,
            },
            &mut |s| {
                text.push_str(s);
                Ok(())
            },
            &mut found,
        )
        .unwrap();
        (text, found)
    }

    fn whole(input: &[u8]) -> (String, Vec<Redaction>) {
        Redactor::default().redact_text(&String::from_utf8_lossy(input), "$")
    }

    fn token(seed: u64) -> String {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let tail: String = (0..36)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize] as char
            })
            .collect();
        format!("{}{tail}", concat!("gh", "p_"))
    }

    #[test]
    fn a_token_at_every_offset_is_found_once_with_whole_input_offsets() {
        // Lines shorter than the window: cuts fall on line boundaries.
        for window in [64, 100, 128] {
            for pad in 0..150 {
                let secret = token(pad as u64);
                let input = format!("{}\nkey {secret} end\nmore\n", "x".repeat(pad % 60));
                let input = format!("{}{input}", "line\n".repeat(pad / 5));
                let (text, found) = stream(input.as_bytes(), window, window);
                assert_eq!((text.clone(), found.clone()), whole(input.as_bytes()));
                assert!(!text.contains(&secret), "window {window} pad {pad}: {text}");
                assert_eq!(found.len(), 1);
                assert_eq!(&input[found[0].start..found[0].end], secret);
            }
        }
    }

    #[test]
    fn a_line_longer_than_the_window_is_cut_with_an_overlap() {
        // Lines kept whole up to 1024 bytes: overlap 256 bytes, cuts near 768, 1536, ...
        for pad in (600..1700).step_by(7) {
            let secret = token(pad as u64);
            let input = format!(
                "{} password={secret} {}\n",
                "a b".repeat(pad / 3),
                "c".repeat(3000)
            );
            let (text, found) = stream(input.as_bytes(), 64, 1024);
            assert_eq!(
                (text.clone(), found.clone()),
                whole(input.as_bytes()),
                "pad {pad}"
            );
            assert!(!text.contains(&secret), "pad {pad}");
        }
    }

    #[test]
    fn the_next_window_after_a_cut_inside_a_line_sees_the_left_context() {
        // Assignments whose key and value may fall on either side of a cut, and tokens glued
        // to a word (not secrets: `^` at a window start must not make them one).
        for pad in 0..40 {
            let mut line = "x".repeat(pad);
            for i in 0..120 {
                let value = format!("Q{}x{i}", "w9".repeat(6));
                line.push_str(&format!(" DB_PASSWORD={value} word{} ;", token(i)));
            }
            line.push('\n');
            let (text, found) = stream(line.as_bytes(), 64, 1024);
            let (expected, expected_found) = whole(line.as_bytes());
            assert!(text == expected, "pad {pad}");
            assert_eq!(found, expected_found, "pad {pad}");
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_and_characters_are_never_split() {
        let mut input = Vec::new();
        for i in 0..50 {
            input.extend_from_slice("é😀€".as_bytes());
            if i % 7 == 0 {
                input.extend_from_slice(b"\xFF\xE2\x82");
            }
            if i % 5 == 0 {
                input.push(b'\n');
            }
        }
        for window in [4, 5, 7, 16, 33] {
            assert_eq!(
                stream(&input, window, window).0,
                whole(&input).0,
                "window {window}"
            );
        }
    }

    #[test]
    fn the_cut_inside_a_long_line_never_splits_a_finding() {
        let spans = vec![Span {
            start: 90,
            end: 120,
            redaction: whole(format!("x {}", token(1)).as_bytes()).1.remove(0),
        }];
        let text = "a".repeat(200);
        assert_eq!(cut_point(&text, 0, &spans, false, 100), 120);
        assert_eq!(cut_point(&text, 0, &[], false, 100), 100);
    }
}

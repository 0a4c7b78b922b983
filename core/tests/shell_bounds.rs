//! Pathological shell commands through the whole engine under the built-in defaults: megabyte
//! lines, deep nesting, unbalanced quotes and substitutions, unterminated here-docs, brace
//! explosions and thousands of chained commands. Each must come back with a decision (never a
//! panic or a hang), what cannot be known must show as an opaque command, and a destructive
//! command hidden in or behind the noise must still be refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::LazyLock;

use agent_policy_core::effects::command::{MAX_DEPTH, MAX_LINE_EFFECTS};
use agent_policy_core::{Decision, EffectKind, Engine, Outcome, Request};
use serde_json::json;

const NOW: &str = "2026-11-22T10:00:00Z";
const WORKSPACE: &str = "/home/dev/shop";
const MB: usize = 1 << 20;
const RM_ROOT: &str = "rm -rf /";

static ENGINE: LazyLock<Engine> = LazyLock::new(Engine::defaults);

/// The decision on `command` as a coding agent's `Bash` call in the workspace; an error fails
/// the test with its code, so every input here must be decided.
fn decide(command: &str) -> Decision {
    let action = json!({
        "tool": "Bash",
        "args": {"command": command},
        "agent": {"type": "coding-agent"},
        "context": {"workspace": WORKSPACE, "cwd": WORKSPACE},
    });
    ENGINE
        .evaluate(&Request::new(&action, NOW))
        .unwrap_or_else(|e| {
            panic!(
                "a {}-byte command was not decided: {} ({e})",
                command.len(),
                e.code.as_str()
            )
        })
}

fn has_opaque_command(d: &Decision) -> bool {
    d.effects
        .iter()
        .any(|e| e.kind == EffectKind::CommandExec && e.opaque)
}

fn assert_refused(command: &str, what: &str) {
    let d = decide(command);
    assert!(
        d.decision >= Outcome::Deny,
        "{what}: expected deny, got {} ({})",
        d.decision,
        d.reason
    );
}

/// What must not pass silently: anything but `allow` (an approval, a denial) will do.
fn assert_not_allowed(command: &str, what: &str) {
    let d = decide(command);
    assert_ne!(
        d.decision,
        Outcome::Allow,
        "{what} ({} bytes) was allowed: {}",
        command.len(),
        d.reason
    );
}

#[test]
fn a_megabyte_of_unclosed_substitutions_is_opaque_and_keeps_what_came_before() {
    let noise = "$(".repeat(MB / 2);
    let d = decide(&noise);
    assert!(has_opaque_command(&d), "unclosed `$(` must be opaque");
    assert_refused(
        &format!("{RM_ROOT}; {noise}"),
        "rm -rf / before 1 MB of `$(`",
    );
}

#[test]
fn a_hundred_thousand_open_parentheses_are_decided_as_opaque() {
    let d = decide(&"(".repeat(100_000));
    assert!(has_opaque_command(&d), "100k unclosed `(` must be opaque");
    let d = decide(&format!("{}{RM_ROOT}", "( ".repeat(100_000)));
    assert!(has_opaque_command(&d), "100k unclosed `( ` must be opaque");
}

#[test]
fn a_megabyte_of_single_quotes_is_decided() {
    // An even count closes every quote: one empty word, whose program cannot be known.
    let even = "'".repeat(MB);
    assert!(has_opaque_command(&decide(&even)));
    // An odd count leaves a quote open: the rest of the line cannot be known.
    let odd = "'".repeat(MB + 1);
    assert!(has_opaque_command(&decide(&odd)));
    assert_refused(
        &format!("{RM_ROOT}; {odd}"),
        "rm -rf / before an unclosed megabyte quote",
    );
}

#[test]
fn a_megabyte_word_is_one_command() {
    let word = "a".repeat(MB);
    let d = decide(&word);
    assert_eq!(d.decision, Outcome::Allow, "{}", d.reason);
    let execs: Vec<_> = d
        .effects
        .iter()
        .filter(|e| e.kind == EffectKind::CommandExec)
        .collect();
    assert_eq!(execs.len(), 1);
    assert_eq!(execs[0].program.as_deref().map(str::len), Some(MB));
    // The same word as a path under `/` is still a recursive delete outside the workspace.
    assert_refused(&format!("{RM_ROOT}{word}"), "rm -rf /aaaa… (1 MB)");
}

#[test]
fn ten_thousand_chained_root_deletes_are_denied() {
    let line = vec![RM_ROOT; 10_000].join(" && ");
    let d = decide(&line);
    assert_eq!(d.decision, Outcome::Deny, "{}", d.reason);
    // The effects of one line are capped; the decision document stays bounded.
    assert!(
        d.effects.len() <= MAX_LINE_EFFECTS + 2,
        "{}",
        d.effects.len()
    );
}

#[test]
fn a_root_delete_past_the_effect_cap_is_not_allowed() {
    let line = format!("{}{RM_ROOT}", "echo ok && ".repeat(MAX_LINE_EFFECTS));
    assert_not_allowed(&line, "rm -rf / after 10,000 harmless commands");
}

#[test]
fn a_here_doc_without_its_end_is_decided() {
    // The body of an unterminated here-doc is data for `cat`, as bash reads it: not run.
    let d = decide(&format!("cat <<EOF\n{RM_ROOT}\nmore text\n"));
    assert_eq!(d.decision, Outcome::Allow, "{}", d.reason);
    // Fed to a shell, the same body runs.
    assert_refused(
        &format!("sh <<EOF\n{RM_ROOT}\nmore text\n"),
        "unterminated here-doc fed to sh",
    );
    let long = format!(
        "cat > notes.txt <<'EOF'\n{}",
        "line of text\n".repeat(MB / 13)
    );
    assert_eq!(decide(&long).decision, Outcome::Allow);
}

#[test]
fn brace_explosion_is_bounded() {
    // 2^64 words if expanded: the word is kept whole and the command is opaque.
    let braces = "{a,b}".repeat(64);
    let d = decide(&format!("echo {braces}"));
    assert!(has_opaque_command(&d));
    assert!(d.effects.len() < 10, "{} effects", d.effects.len());
    assert_refused(&format!("{RM_ROOT}{braces}"), "rm -rf /{a,b}{a,b}…");
    // Within the bound, alternatives are expanded and each one is judged.
    assert_refused("rm -rf {node_modules,src}", "rm -rf {node_modules,src}");
    // Past it, a recursive delete of the unexpanded word is still refused.
    assert_refused(
        &format!("rm -rf {{node_modules,src}}{}", "{,}".repeat(7)),
        "rm -rf {node_modules,src}{,}{,}… (128 words)",
    );
}

/// `rm -rf /` wrapped `depth` times by `wrap`.
fn nested(depth: usize, wrap: Wrap) -> String {
    (0..depth).fold(RM_ROOT.to_owned(), |inner, _| wrap(&inner))
}

/// `bash -c "…"`, escaping what double quotes interpret: the text doubles in length per level.
fn bash_c(inner: &str) -> String {
    let mut out = String::from("bash -c \"");
    for c in inner.chars() {
        if matches!(c, '\\' | '"' | '$' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Wraps a command in one more level of nesting.
type Wrap = fn(&str) -> String;

const WRAPPERS: &[(&str, Wrap)] = &[
    ("bash -c", bash_c),
    ("eval", |s| format!("eval {s}")),
    ("sudo", |s| format!("sudo {s}")),
    ("$( )", |s| format!("echo $({s})")),
    ("( )", |s| format!("( {s} )")),
];

#[test]
fn nesting_within_the_depth_limit_is_understood() {
    for (name, wrap) in WRAPPERS {
        for depth in [1, MAX_DEPTH / 2, MAX_DEPTH - 2] {
            assert_refused(
                &nested(depth, *wrap),
                &format!("rm -rf / inside {depth} × {name}"),
            );
        }
    }
}

#[test]
fn nesting_past_the_depth_limit_is_not_allowed() {
    for (name, wrap) in WRAPPERS {
        for depth in [MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 4] {
            assert_not_allowed(
                &nested(depth, *wrap),
                &format!("rm -rf / inside {depth} × {name}"),
            );
        }
    }
}

#[test]
fn a_hundred_thousand_nested_subshells_around_a_root_delete_are_not_allowed() {
    let line = format!("{}{RM_ROOT}{}", "( ".repeat(100_000), " )".repeat(100_000));
    assert_not_allowed(&line, "rm -rf / inside 100k subshells");
}

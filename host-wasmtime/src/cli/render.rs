//! Renderings for people: a decision as text, replay rows as an aligned table with a summary,
//! outcomes in colour on a terminal. The JSON output never goes through here: it is the
//! decision document as the engine serialised it.

use agent_policy_core::{Decision, EffectKind, Engine, Outcome};

/// The ANSI colour of an outcome: red blocks, yellow waits, magenta alerts, cyan redacts,
/// green allows.
fn color_code(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Allow => "32",
        Outcome::Redact => "36",
        Outcome::Alert => "35",
        Outcome::RequireApproval => "33",
        Outcome::Deny | Outcome::Terminate => "1;31",
    }
}

/// The outcome's name, padded to `width` characters, coloured when `color` is set.
pub(super) fn outcome_label(outcome: Outcome, width: usize, color: bool) -> String {
    let padded = format!("{:<width$}", outcome.as_str());
    if color {
        format!("\x1b[{}m{padded}\x1b[0m", color_code(outcome))
    } else {
        padded
    }
}

/// A decision for people: the outcome, the reason, the rules, and every effect on its own
/// line with the outcome of the rules that matched it.
pub(super) fn decision_text(decision: &Decision, color: bool) -> String {
    let mut out = String::new();
    let outcome = outcome_label(decision.decision, 0, color);
    out.push_str(&format!("{outcome}  risk {}\n", decision.risk_score));
    out.push_str(&format!("reason:  {}\n", decision.reason));
    if !decision.policy_ids.is_empty() {
        out.push_str(&format!("rules:   {}\n", decision.policy_ids.join(", ")));
    }
    if let Some(role) = &decision.approver_role {
        out.push_str(&format!("approver: {role}\n"));
    }
    if !decision.effects.is_empty() {
        out.push_str("effects:\n");
    }
    for (index, effect) in decision.effects.iter().enumerate() {
        let matched: Vec<_> = decision
            .matched
            .iter()
            .filter(|m| m.effect == index)
            .collect();
        let strongest = matched.iter().map(|m| m.outcome).max();
        let mut line = format!("  - {}", effect.describe());
        if let Some(outcome) = strongest {
            let rules: Vec<&str> = matched
                .iter()
                .filter(|m| m.outcome == outcome)
                .map(|m| m.rule_id.as_str())
                .collect();
            let label = outcome_label(outcome, 0, color);
            line.push_str(&format!("  [{label}: {}]", rules.join(", ")));
        }
        out.push_str(&line);
        out.push('\n');
    }
    for alert in &decision.alerts {
        out.push_str(&format!("alert:   {} ({})\n", alert.reason, alert.rule_id));
    }
    for r in &decision.redactions {
        out.push_str(&format!(
            "redacted: {} at {} [{}..{}] -> {}\n",
            r.kind, r.location, r.start, r.end, r.marker
        ));
    }
    out.push_str(&format!(
        "decision {}  action {}  policy {}\n",
        decision.decision_id, decision.action_id, decision.policy_hash
    ));
    out
}

/// Runs text meant for people through the policy's secret detectors once more, so that no
/// rendering can show a secret even if a field it prints was not redacted upstream.
pub(super) fn scrub(engine: &Engine, text: &str) -> String {
    engine.redactor().redact_text(text, "$").0
}

/// Column widths of the replay table.
const LINE_WIDTH: usize = 5;
const OUTCOME_WIDTH: usize = 16;
const TOOL_WIDTH: usize = 22;
const REASON_WIDTH: usize = 90;

/// The header of the replay table.
pub(super) fn table_header() -> String {
    format!(
        "{:>LINE_WIDTH$}  {:<OUTCOME_WIDTH$}  {:<TOOL_WIDTH$}  REASON",
        "LINE", "DECISION", "TOOL"
    )
}

/// One row of the replay table: line number, outcome, tool (or kind), short reason.
pub(super) fn table_row(line: usize, decision: &Decision, color: bool) -> String {
    let action = decision.redacted_action.to_value();
    let tool = action
        .get("tool")
        .or_else(|| action.get("kind"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("-");
    format!(
        "{line:>LINE_WIDTH$}  {}  {:<TOOL_WIDTH$}  {}",
        outcome_label(decision.decision, OUTCOME_WIDTH, color),
        shorten(tool, TOOL_WIDTH),
        short_reason(decision, REASON_WIDTH)
    )
}

/// The rule id the engine gives the policy's `default` outcome.
const DEFAULT_RULE_ID: &str = "default";

/// A reason short enough for a table row (at most `width` characters), built from the
/// structured decision: what the deciding rule matched, its reason and its id (kept whole when
/// the reason is cut); or, when only the policy default decided, what the action does (its
/// first effect other than the tool call itself).
fn short_reason(decision: &Decision, width: usize) -> String {
    let deciding: Vec<_> = decision
        .matched
        .iter()
        .filter(|m| m.outcome == decision.decision)
        .collect();
    let chosen = deciding
        .iter()
        .find(|m| m.rule_id != DEFAULT_RULE_ID)
        .or_else(|| deciding.first());
    match chosen {
        Some(m) if m.rule_id != DEFAULT_RULE_ID => {
            let head = match decision.effects.get(m.effect) {
                Some(effect) => format!("{}: {}", effect.describe(), m.reason),
                None => m.reason.clone(),
            };
            let tail = format!(" [{}]", m.rule_id);
            let room = width.saturating_sub(tail.chars().count()).max(width / 2);
            shorten(&format!("{}{tail}", shorten(&head, room)), width)
        }
        Some(_) => {
            let effect = decision
                .effects
                .iter()
                .find(|e| e.kind != EffectKind::ToolCall)
                .or_else(|| decision.effects.first());
            let what = effect.map_or_else(|| "the action".to_owned(), |e| e.describe());
            shorten(&format!("{what}: policy default (no rule matched)"), width)
        }
        None => shorten(&decision.reason, width),
    }
}

/// The summary line after the table: a count for every outcome, and the errors.
pub(super) fn table_summary(counts: &[usize; 6], errors: usize) -> String {
    let total: usize = counts.iter().sum();
    let parts: Vec<String> = Outcome::ALL
        .iter()
        .zip(counts)
        .map(|(outcome, n)| format!("{n} {outcome}"))
        .collect();
    let mut line = format!(
        "{total} {}: {}",
        if total == 1 { "action" } else { "actions" },
        parts.join(", ")
    );
    match errors {
        0 => {}
        1 => line.push_str("; 1 line could not be evaluated"),
        n => line.push_str(&format!("; {n} lines could not be evaluated")),
    }
    line
}

/// `text` cut to at most `width` characters, with `…` marking the cut.
fn shorten(text: &str, width: usize) -> String {
    let one_line = text.replace(['\n', '\r', '\t'], " ");
    if one_line.chars().count() <= width {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn long_text_is_cut_on_character_boundaries_and_marked() {
        assert_eq!(shorten("short", 10), "short");
        let cut = shorten("ééééééééééé", 5);
        assert_eq!(cut, "éééé…");
        assert_eq!(shorten("a\nb", 10), "a b");
    }

    #[test]
    fn colour_only_when_asked() {
        assert_eq!(outcome_label(Outcome::Deny, 6, false), "deny  ");
        let coloured = outcome_label(Outcome::Deny, 0, true);
        assert!(coloured.starts_with("\x1b[") && coloured.contains("deny"));
    }

    fn decide(action: &str) -> Decision {
        let action: serde_json::Value = serde_json::from_str(action).unwrap();
        Engine::defaults()
            .evaluate(&agent_policy_core::Request::new(
                &action,
                "2026-11-22T10:00:00Z",
            ))
            .unwrap()
    }

    #[test]
    fn a_table_row_names_what_was_matched_and_keeps_the_rule_id_when_cut() {
        let d = decide(r#"{"tool":"Read","args":{"file_path":".env"}}"#);
        let reason = short_reason(&d, 60);
        assert!(reason.chars().count() <= 60, "{reason}");
        assert!(reason.starts_with("reading .env"), "{reason}");
        assert!(reason.contains('…'), "{reason}");
        assert!(
            reason.ends_with(&format!("[{}]", d.policy_ids[0])),
            "{reason}"
        );
        assert!(short_reason(&d, 20).chars().count() <= 20);
    }

    #[test]
    fn a_table_row_decided_by_the_default_says_what_the_action_does() {
        let d = decide(r#"{"tool":"Bash","args":{"command":"git status"}}"#);
        assert_eq!(
            short_reason(&d, 90),
            "running `git status`: policy default (no rule matched)"
        );
        let row = table_row(7, &d, false);
        assert!(row.starts_with("    7  allow "), "{row}");
        assert!(row.contains(" Bash "), "{row}");
    }

    #[test]
    fn the_summary_counts_every_outcome_and_the_errors() {
        let line = table_summary(&[3, 0, 1, 1, 2, 0], 1);
        assert_eq!(
            line,
            "7 actions: 3 allow, 0 redact, 1 alert, 1 require_approval, 2 deny, 0 terminate; \
             1 line could not be evaluated"
        );
    }
}

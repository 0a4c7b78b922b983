//! `agent-policy bypass --reason TEXT --allow PATTERN --duration 30m --approver NAME`: store a
//! time-limited, reasoned, approver-named bypass record in the state directory. Checks with
//! that state directory let the denies it covers through (never a `bypassable: false` rule)
//! and name the record in `bypass_id`.

use std::path::PathBuf;

use agent_policy_core::session::Bypass;
use agent_policy_host::audit::{AuditLog, AuditOptions};
use agent_policy_host::{clock, exit_code, state};
use clap::Args;

use super::approve::{duration, expires, non_empty};
use super::session::state_dir;
use super::{Failure, Ui};

/// Arguments of `bypass`.
#[derive(Debug, Args)]
pub(super) struct BypassArgs {
    /// Why (an incident, a ticket): recorded, and quoted in every decision it changes.
    #[arg(long, value_name = "TEXT")]
    reason: String,
    /// A path glob (`config/auth/**`) or a command pattern (`git push --force`) it covers;
    /// repeat for more.
    #[arg(long, value_name = "PATTERN", required = true)]
    allow: Vec<String>,
    /// How long it lasts: 30s, 15m, 1h, 2d, 1h30m (at most 30d).
    #[arg(long, value_name = "DURATION")]
    duration: String,
    /// Who approves it (a name or an email address).
    #[arg(long, value_name = "NAME")]
    approver: String,
    /// The state directory (default: $AGENT_POLICY_STATE_DIR).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// The time it starts, RFC 3339 (default: the system clock, UTC).
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Also append a `bypass` line to this hash-chained audit log (its directory must exist).
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
}

/// Validates and stores the record; prints `Bypass granted: byp_… (expires …)`.
pub(super) fn run(args: &BypassArgs, ui: &mut Ui) -> Result<i32, Failure> {
    non_empty(
        &args.reason,
        "--reason",
        "say why, e.g. --reason \"P0 incident INC-123: fix the auth crash\"",
    )?;
    non_empty(
        &args.approver,
        "--approver",
        "who approves, e.g. alice@example.com",
    )?;
    if let Some(empty) = args.allow.iter().find(|p| p.trim().is_empty()) {
        return Err(Failure::usage(
            format!("--allow '{empty}' is empty"),
            "name a path glob such as `config/auth/**` or a command such as `git push --force`",
        ));
    }
    let seconds = duration(&args.duration, "--duration")?;
    if let Some(now) = &args.now {
        clock::check_timestamp(now, "--now")?;
    }
    let now = clock::resolve(None, args.now.as_deref());
    let expires_at = expires(&now, seconds)?;
    let id = state::bypass_id(&args.reason, &args.approver, &args.allow, &expires_at, &now);
    let record = Bypass::new(
        id,
        &args.reason,
        &args.approver,
        args.allow.clone(),
        expires_at,
    );
    state::validate_bypass(&record).map_err(|e| {
        Failure::usage(
            format!("--allow: {}", e.message),
            e.help
                .unwrap_or_else(|| "see `agent-policy bypass --help`".to_owned()),
        )
    })?;
    let dir = state_dir(args.state_dir.as_ref(), "bypass")?;
    dir.add_bypass(&record)?;
    if let Some(path) = &args.audit_log {
        // The record is written as the built-in detectors redact it: a reason may quote a
        // secret by mistake.
        let body = serde_json::to_value(&record).unwrap_or(serde_json::Value::Null);
        let redacted = agent_policy_core::Engine::defaults().redact(&body).value;
        AuditLog::open(path, AuditOptions::default())?.append_record("bypass", None, &redacted)?;
    }
    ui.line(&format!(
        "Bypass granted: {} (expires {})",
        record.id, record.expires_at
    ))?;
    Ok(exit_code::OK)
}

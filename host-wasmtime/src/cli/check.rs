//! `agent-policy check`: decide one action and print the decision document.
//!
//! With `--state-dir DIR`, the unexpired approval grants and bypass records stored there
//! apply. With `--session ID` (and `--state-dir DIR`, else `$AGENT_POLICY_STATE_DIR`), the
//! action is decided in that session: its stored state is read, the decision made and the
//! state written back under the session's lock, so budgets, rate limits and escalation count
//! across calls, also concurrent ones. With `--audit-log FILE`, the decision is appended to
//! the hash-chained audit log before it is printed.
//!
//! The policy's plugins (`plugins:`) run on the action once its rules have decided: their
//! findings merge deny-wins before bypass records, grants and the session's accounting
//! (a plugin's deny counts toward escalation; its approval can be granted), and before the
//! audit line.

use std::io::IsTerminal;
use std::path::PathBuf;

use agent_policy_core::{Engine, Request};
use agent_policy_host::audit::{AuditContext, AuditLog, AuditOptions};
use agent_policy_host::input::{self, InputSource};
use agent_policy_host::plugins::PluginSet;
use agent_policy_host::state::StateDir;
use agent_policy_host::{clock, exit_code, host_config, load_policy};
use clap::{Args, ValueEnum};

use super::session::{check_session_id, state_dir};
use super::{Failure, Ui, engine_for, render};

/// Arguments of `check`.
#[derive(Debug, Args)]
pub(super) struct CheckArgs {
    /// The policy file (its directory's overrides are merged in). Without it, the built-in
    /// defaults decide.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The action's JSON, or `-` for standard input (the default). An envelope
    /// {"now": …, "action": …} is accepted too.
    #[arg(long, value_name = "FILE|-")]
    action: Option<String>,
    /// The time of the decision, RFC 3339 (default: the system clock, UTC).
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// `json`: the decision document, byte for byte; `text`: a summary for people.
    #[arg(long, value_enum, default_value_t = CheckFormat::Json)]
    format: CheckFormat,
    /// Exit 3 on deny or terminate and 2 on require_approval (0 otherwise).
    #[arg(long)]
    exit_code: bool,
    /// The agent session the action belongs to: its budgets, rate limits and escalation
    /// count across calls (needs a state directory).
    #[arg(long, value_name = "ID")]
    session: Option<String>,
    /// The state directory: sessions, approval grants, bypass records (created if missing).
    /// With --session, the default is $AGENT_POLICY_STATE_DIR.
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// Append the decision (blocked ones too) to this hash-chained audit log (JSON Lines,
    /// created if missing; its directory must exist). Verify it with `audit verify FILE`.
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    /// With --audit-log: flush each line to disk before answering.
    #[arg(long, requires = "audit_log")]
    audit_fsync: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Json,
    Text,
}

pub(super) fn run(args: &CheckArgs, ui: &mut Ui) -> Result<i32, Failure> {
    if let Some(now) = &args.now {
        clock::check_timestamp(now, "--now")?;
    }
    if args.action.is_none() && std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "no action given",
            "pass --action FILE, or pipe the action's JSON to standard input",
        ));
    }
    if let Some(id) = &args.session {
        check_session_id(id)?;
    }
    let state: Option<StateDir> = match (&args.session, &args.state_dir) {
        (None, None) => None,
        (_, dir) => Some(state_dir(dir.as_ref(), "--session")?),
    };
    let (engine, plugins) = engine_and_plugins(args.policy.as_ref())?;
    let source = InputSource::from_arg(args.action.as_deref());
    let origin = source.name();
    let text = source.read_to_string()?;
    let value = input::parse_json_strict(&text, &origin, 1)?;
    let timed = input::unwrap_envelope(value, &origin, 1)?;
    let now = clock::resolve(timed.now.as_deref(), args.now.as_deref());
    let (grants, bypasses) = match &state {
        Some(dir) => {
            clock::check_timestamp(&now, "now")?;
            (dir.active_grants(&now)?, dir.active_bypasses(&now)?)
        }
        None => (Vec::new(), Vec::new()),
    };
    let mut request = Request::new(&timed.action, &now);
    request.grants = &grants;
    request.bypasses = &bypasses;
    // The plugins see the rules' decision; their findings merge before bypasses, grants and
    // the session's accounting, so those treat them like the policy's own rules.
    let external = |d: &agent_policy_core::Decision| plugins.findings_for(d);
    let decision = match (&state, &args.session) {
        (Some(dir), Some(id)) => dir.update_session(id, |session| {
            Ok(engine.evaluate_with_findings(&request, Some(session), &external)?)
        })?,
        _ => engine.evaluate_with_findings(&request, None, &external)?,
    };
    // The decision is logged before it is printed: when the log cannot be written, the
    // command fails rather than answer without a trace.
    if let Some(path) = &args.audit_log {
        let mut log = AuditLog::open(
            path,
            AuditOptions {
                fsync: args.audit_fsync,
            },
        )?;
        let context = match &args.session {
            Some(id) => AuditContext::session(id.clone()),
            None => AuditContext::default(),
        };
        log.append(&decision, &context)?;
    }
    match args.format {
        CheckFormat::Json => ui.line(&decision.to_json())?,
        CheckFormat::Text => {
            let text = render::decision_text(&decision, ui.color);
            ui.raw(&render::scrub(&engine, &text))?;
        }
    }
    Ok(if args.exit_code {
        exit_code::for_outcome(decision.decision)
    } else {
        exit_code::OK
    })
}

/// The engine of `--policy` (or the defaults) and the plugins the policy declares.
fn engine_and_plugins(policy: Option<&PathBuf>) -> Result<(Engine, PluginSet), Failure> {
    let Some(path) = policy else {
        return Ok((engine_for(None)?, PluginSet::empty()));
    };
    let loaded = load_policy(path)?;
    let plugins = PluginSet::load(&loaded).map_err(|e| {
        Failure::usage(
            e.to_string(),
            "the policy declares plugins, which this platform cannot run: remove 'plugins:'",
        )
    })?;
    Ok((host_config::configure(loaded.engine)?, plugins))
}

//! `agent-policy check`: decide one action and print the decision document.

use std::io::IsTerminal;
use std::path::PathBuf;

use agent_policy_core::Request;
use agent_policy_host::input::{self, InputSource};
use agent_policy_host::{clock, exit_code};
use clap::{Args, ValueEnum};

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
    let engine = engine_for(args.policy.as_ref())?;
    let source = InputSource::from_arg(args.action.as_deref());
    let origin = source.name();
    let text = source.read_to_string()?;
    let value = input::parse_json_strict(&text, &origin, 1)?;
    let timed = input::unwrap_envelope(value, &origin, 1)?;
    let now = clock::resolve(timed.now.as_deref(), args.now.as_deref());
    let decision = engine.evaluate(&Request::new(&timed.action, &now))?;
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

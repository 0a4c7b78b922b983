//! `agent-policy redact`: replace every secret in standard input by its marker, with the
//! policy's detectors (the built-in ones and its own `redaction.rules`).

use std::path::PathBuf;

use agent_policy_core::Redaction;
use agent_policy_host::exit_code;
use agent_policy_host::input::InputSource;
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{Failure, Ui, engine_for};

/// Arguments of `redact`.
#[derive(Debug, Args)]
pub(super) struct RedactArgs {
    /// The policy whose detectors apply. Without it, the built-in defaults.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// `text`: only the redacted input; `json`: {"redacted": …, "redactions": […]}.
    #[arg(long, value_enum, default_value_t = RedactFormat::Text)]
    format: RedactFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RedactFormat {
    Text,
    Json,
}

/// The `--format json` document.
#[derive(Serialize)]
struct Redacted<'a> {
    redacted: &'a str,
    redactions: &'a [Redaction],
}

pub(super) fn run(args: &RedactArgs, ui: &mut Ui) -> Result<i32, Failure> {
    let engine = engine_for(args.policy.as_ref())?;
    let text = InputSource::Stdin.read_to_string()?;
    let (redacted, redactions) = engine.redactor().redact_text(&text, "$");
    match args.format {
        RedactFormat::Text => ui.raw(&redacted)?,
        RedactFormat::Json => {
            let document = Redacted {
                redacted: &redacted,
                redactions: &redactions,
            };
            // Serialising strings and plain structs cannot fail; an empty line would be
            // visible rather than silent if it ever did.
            ui.line(&serde_json::to_string(&document).unwrap_or_default())?;
        }
    }
    Ok(exit_code::OK)
}

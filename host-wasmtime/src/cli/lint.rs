//! `agent-policy lint`: load a policy and its overrides, report every error (each with file,
//! line, column, code and help) and every warning, or confirm it loads.

use std::path::PathBuf;

use agent_policy_host::policy_files::{self, DEFAULT_POLICY_FILE, MAX_OVERRIDE_DEPTH};
use agent_policy_host::{HostError, exit_code};
use clap::Args;

use super::{Failure, Ui};

/// Arguments of `lint`.
#[derive(Debug, Args)]
pub(super) struct LintArgs {
    /// The policy file; overrides under its directory are loaded with it.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_POLICY_FILE)]
    policy: PathBuf,
}

pub(super) fn run(args: &LintArgs, ui: &mut Ui) -> Result<i32, Failure> {
    let loaded = match policy_files::load_policy(&args.policy) {
        Ok(loaded) => loaded,
        Err(HostError::Core(e)) => {
            let all: Vec<String> = e.all().map(ToString::to_string).collect();
            let count = all.len();
            let mut text = all.join("\n");
            text.push_str(&format!(
                "\nerror: {} does not load: {count} {}",
                args.policy.display(),
                if count == 1 { "error" } else { "errors" }
            ));
            ui.error_lines(&text);
            return Ok(exit_code::FAILURE);
        }
        Err(other) => return Err(other.into()),
    };
    let mut warnings: Vec<String> = loaded
        .too_deep
        .iter()
        .map(|dir| {
            format!(
                "{dir}: more than {MAX_OVERRIDE_DEPTH} levels below the policy's directory; \
                 overrides in it are not loaded"
            )
        })
        .collect();
    warnings.extend(loaded.engine.lint().warnings);
    // The packs' examples under this policy (its known hosts and adapters apply): a failure
    // means the policy changes what a built-in rule covers.
    if let Err(e) = loaded.engine.check_pack_examples() {
        warnings.extend(e.all().map(ToString::to_string));
    }
    if !warnings.is_empty() {
        let text: Vec<String> = warnings.iter().map(|w| format!("warning: {w}")).collect();
        ui.error_lines(&text.join("\n"));
    }
    for origin in &loaded.overrides {
        ui.line(&format!("override: {origin}"))?;
    }
    ui.line(&format!(
        "ok: {} rules, hash {}",
        loaded.engine.rule_count(),
        loaded.engine.policy_hash()
    ))?;
    Ok(exit_code::OK)
}

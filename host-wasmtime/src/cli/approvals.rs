//! `agent-policy approvals list`: the approval grants of a state directory, expired ones
//! included, as JSON Lines sorted by expiry, each with `"active"`: whether it still counts.

use std::path::PathBuf;

use agent_policy_host::{clock, exit_code, state};
use clap::{Args, Subcommand};

use super::session::state_dir;
use super::{Failure, Ui};

/// Arguments of `approvals`.
#[derive(Debug, Args)]
pub(super) struct ApprovalsArgs {
    #[command(subcommand)]
    command: ApprovalsCommand,
}

#[derive(Debug, Subcommand)]
enum ApprovalsCommand {
    /// Print every grant (JSON Lines, sorted by expiry) with `"active": true|false`.
    List(ListArgs),
}

#[derive(Debug, Args)]
struct ListArgs {
    /// The state directory (default: $AGENT_POLICY_STATE_DIR).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// The time `active` is judged at, RFC 3339 (default: the system clock, UTC).
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
}

pub(super) fn run(args: &ApprovalsArgs, ui: &mut Ui) -> Result<i32, Failure> {
    match &args.command {
        ApprovalsCommand::List(list) => {
            if let Some(now) = &list.now {
                clock::check_timestamp(now, "--now")?;
            }
            let now = clock::resolve(None, list.now.as_deref());
            let dir = state_dir(list.state_dir.as_ref(), "approvals list")?;
            for grant in dir.grants()? {
                let mut value = serde_json::to_value(&grant).unwrap_or_default();
                if let Some(map) = value.as_object_mut() {
                    map.insert(
                        "active".to_owned(),
                        state::is_active(&grant.expires_at, &now).into(),
                    );
                }
                ui.line(&value.to_string())?;
            }
            Ok(exit_code::OK)
        }
    }
}

//! `agent-policy session turn|show`: record a model turn of a session (its turn and token
//! budgets count them) and print a session's state; plus the state directory every stateful
//! command shares (`--state-dir`, else `$AGENT_POLICY_STATE_DIR`).

use std::path::PathBuf;

use agent_policy_core::{Error, ErrorCode};
use agent_policy_host::exit_code;
use agent_policy_host::state::{self, STATE_DIR_VAR, StateDir};
use clap::{Args, Subcommand};

use super::{Failure, Ui};

/// Opens the state directory of `--state-dir`, else of `$AGENT_POLICY_STATE_DIR`; a usage
/// error naming both when neither is given. `needed_by` names what needs it (`--session`).
pub(super) fn state_dir(arg: Option<&PathBuf>, needed_by: &str) -> Result<StateDir, Failure> {
    let path = match arg {
        Some(path) => path.clone(),
        None => state::dir_from_env().ok_or_else(|| {
            Failure::usage(
                format!("{needed_by} needs a state directory"),
                format!("pass --state-dir DIR, or set {STATE_DIR_VAR}"),
            )
        })?,
    };
    Ok(StateDir::open(path)?)
}

/// Refuses an empty session id: it would be one session shared by every caller that forgot
/// to name theirs.
pub(super) fn check_session_id(id: &str) -> Result<(), Failure> {
    if id.is_empty() {
        return Err(Failure::usage(
            "the session id is empty",
            "pass the agent's session id, e.g. --session \"$SESSION_ID\"",
        ));
    }
    Ok(())
}

/// Arguments of `session`.
#[derive(Debug, Args)]
pub(super) struct SessionArgs {
    #[command(subcommand)]
    command: SessionCommand,
}

#[derive(Debug, Subcommand)]
enum SessionCommand {
    /// Record one model turn and the tokens it used; prints the session's state.
    Turn(TurnArgs),
    /// Print a session's state (JSON).
    Show(ShowArgs),
}

#[derive(Debug, Args)]
struct Target {
    /// The session id.
    #[arg(long, value_name = "ID")]
    session: String,
    /// The state directory (default: $AGENT_POLICY_STATE_DIR).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct TurnArgs {
    #[command(flatten)]
    target: Target,
    /// The tokens the turn used (input and output).
    #[arg(long, value_name = "N")]
    tokens: u64,
}

#[derive(Debug, Args)]
struct ShowArgs {
    #[command(flatten)]
    target: Target,
}

pub(super) fn run(args: &SessionArgs, ui: &mut Ui) -> Result<i32, Failure> {
    match &args.command {
        SessionCommand::Turn(turn) => {
            let dir = open(&turn.target)?;
            let state = dir.update_session(&turn.target.session, |s| {
                s.record_turn(turn.tokens);
                Ok(s.clone())
            })?;
            ui.line(&to_json(&state)?)?;
        }
        SessionCommand::Show(show) => {
            let dir = open(&show.target)?;
            let Some(state) = dir.read_session(&show.target.session)? else {
                return Err(Failure::Host(
                    Error::new(
                        ErrorCode::ConfigBadValue,
                        format!(
                            "session '{}' has no state in {}",
                            show.target.session,
                            dir.root().display()
                        ),
                    )
                    .with_help(
                        "check the session id and the state directory; a session's state \
                         starts with its first `check --session` or `session turn`",
                    )
                    .into(),
                ));
            };
            ui.line(&to_json(&state)?)?;
        }
    }
    Ok(exit_code::OK)
}

fn open(target: &Target) -> Result<StateDir, Failure> {
    check_session_id(&target.session)?;
    state_dir(target.state_dir.as_ref(), "--session")
}

fn to_json(state: &agent_policy_core::session::SessionState) -> Result<String, Failure> {
    serde_json::to_string(state).map_err(|e| {
        Failure::from(Error::new(
            ErrorCode::Internal,
            format!("the session state does not serialise: {e}"),
        ))
    })
}

//! `agent-policy audit verify FILE`: checks the audit log's hash chain and names the first
//! line that breaks it.

use std::path::PathBuf;

use agent_policy_host::audit;
use agent_policy_host::exit_code;
use clap::{Args, Subcommand};

use super::{Failure, Ui};

/// Arguments of `audit`.
#[derive(Debug, Args)]
pub(super) struct AuditArgs {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain: exit 0 when intact, 1 with the first bad line otherwise.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// The audit log (JSON Lines).
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub(super) fn run(args: &AuditArgs, ui: &mut Ui) -> Result<i32, Failure> {
    match &args.command {
        AuditCommand::Verify(verify) => run_verify(verify, ui),
    }
}

/// Prints `intact: N lines, last hash …` on standard output, or the problem on standard error
/// and a one-line summary on standard output. Recovery notices go to standard error.
fn run_verify(args: &VerifyArgs, ui: &mut Ui) -> Result<i32, Failure> {
    let report = audit::verify(&args.file)?;
    for notice in &report.notices {
        ui.error_lines(&format!("notice: {notice}"));
    }
    let lines = |n: u64| if n == 1 { "line" } else { "lines" };
    match &report.problem {
        None => {
            ui.line(&format!(
                "intact: {} {}, last hash {}",
                report.verified,
                lines(report.verified),
                report.last_hash
            ))?;
            Ok(exit_code::OK)
        }
        Some(problem) => {
            ui.error_lines(&format!("error: {}: {problem}", args.file.display()));
            let before = if report.verified == 0 {
                "no line before it".to_owned()
            } else {
                format!(
                    "{} {} before it intact, last good hash {}",
                    report.verified,
                    lines(report.verified),
                    report.last_hash
                )
            };
            ui.line(&format!(
                "not intact: first bad line {} ({}); {before}",
                problem.line,
                problem.kind.as_str()
            ))?;
            Ok(exit_code::FAILURE)
        }
    }
}

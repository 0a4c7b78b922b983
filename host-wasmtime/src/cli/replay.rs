//! `agent-policy replay`: decide every action of a JSON Lines log. One decision document per
//! line on standard output (or an aligned table for people); a line that cannot be evaluated
//! is reported on standard error with its line number and the rest go on.

use std::io::BufRead;
use std::path::PathBuf;

use agent_policy_core::{Error, Location, Request};
use agent_policy_host::input::{self, InputSource};
use agent_policy_host::{HostError, clock, exit_code};
use clap::{Args, ValueEnum};

use super::{Failure, Ui, engine_for, render};

/// Arguments of `replay`.
#[derive(Debug, Args)]
pub(super) struct ReplayArgs {
    /// The log: one action (or {"now": …, "action": …} envelope) per line; `-` is standard
    /// input. Blank lines and lines starting with `#` are skipped.
    #[arg(value_name = "FILE.jsonl")]
    file: Option<String>,
    /// The log, as an option (same as the argument).
    #[arg(long, value_name = "FILE.jsonl", conflicts_with = "file")]
    log: Option<String>,
    /// The policy file (its directory's overrides are merged in). Without it, the built-in
    /// defaults decide.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The time of lines that carry none, RFC 3339 (default: the system clock, UTC).
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// `json`: one decision document per line; `table`: an aligned table and a summary.
    /// Default: `table` on a terminal, `json` otherwise.
    #[arg(long, value_enum)]
    format: Option<ReplayFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReplayFormat {
    Json,
    Table,
}

pub(super) fn run(args: &ReplayArgs, ui: &mut Ui) -> Result<i32, Failure> {
    let Some(log) = args.file.as_deref().or(args.log.as_deref()) else {
        return Err(Failure::usage(
            "no log given",
            "name the log: agent-policy replay FILE.jsonl (or - for standard input)",
        ));
    };
    if let Some(now) = &args.now {
        clock::check_timestamp(now, "--now")?;
    }
    let engine = engine_for(args.policy.as_ref())?;
    let format = args.format.unwrap_or(if ui.stdout_tty {
        ReplayFormat::Table
    } else {
        ReplayFormat::Json
    });
    let source = InputSource::from_arg(Some(log));
    let origin = source.name();
    let mut reader = source.open()?;

    if format == ReplayFormat::Table {
        ui.line(&render::table_header())?;
    }
    // INVARIANT: indexed by the outcome's position in `Outcome::ALL`.
    let mut counts = [0_usize; 6];
    let mut errors = 0_usize;
    let mut internal = false;
    let mut line_number = 0_usize;
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        let read = reader
            .read_until(b'\n', &mut buffer)
            .map_err(|e| HostError::read(origin.clone(), e))?;
        if read == 0 {
            break;
        }
        line_number += 1;
        let line = u32::try_from(line_number).unwrap_or(u32::MAX);
        let evaluated = std::str::from_utf8(&buffer)
            .map_err(|_| {
                Error::new(
                    agent_policy_core::ErrorCode::ActionSyntax,
                    "the line is not valid utf-8",
                )
                .with_help("a log holds UTF-8 JSON, one action per line")
            })
            .and_then(|text| input::parse_log_line(text, &origin, line))
            .and_then(|entry| match entry {
                None => Ok(None),
                Some(timed) => {
                    let now = clock::resolve(timed.now.as_deref(), args.now.as_deref());
                    engine
                        .evaluate(&Request::new(&timed.action, &now))
                        .map(Some)
                }
            });
        match evaluated {
            Ok(None) => {}
            Ok(Some(decision)) => {
                if let Some(slot) = agent_policy_core::Outcome::ALL
                    .iter()
                    .position(|o| *o == decision.decision)
                    .and_then(|i| counts.get_mut(i))
                {
                    *slot += 1;
                }
                match format {
                    ReplayFormat::Json => ui.line(&decision.to_json())?,
                    ReplayFormat::Table => {
                        let row = render::table_row(line_number, &decision, ui.color);
                        ui.line(&render::scrub(&engine, &row))?;
                    }
                }
            }
            Err(e) => {
                errors += 1;
                internal |= e.code == agent_policy_core::ErrorCode::Internal;
                ui.report(&HostError::Core(locate(e, &origin, line)));
            }
        }
    }
    if format == ReplayFormat::Table {
        ui.line(&render::table_summary(&counts, errors))?;
    }
    Ok(if internal {
        exit_code::INTERNAL
    } else if errors > 0 {
        exit_code::FAILURE
    } else {
        exit_code::OK
    })
}

/// Makes sure a line's error names the log and the line: an error the engine raised about
/// the action itself has no location in the log, so it gets the line's.
fn locate(mut e: Error, origin: &str, line: u32) -> Error {
    let ours = e
        .location
        .as_ref()
        .is_some_and(|l| l.file == origin && l.line == line);
    if !ours {
        e.location = Some(Location {
            file: origin.to_owned(),
            line,
            column: 1,
        });
    }
    e
}

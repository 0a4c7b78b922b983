//! The `agent-policy` command line (SPEC §10): argument parsing, the terminal (colour, TTY
//! detection) and the mapping of failures to messages and exit codes. Each subcommand lives
//! in its own module.

mod approvals;
mod approve;
mod audit;
mod bypass;
mod check;
mod lint;
mod redact;
mod render;
mod replay;
mod session;

use std::io::{BufWriter, IsTerminal, Stderr, Stdout, Write};
use std::path::PathBuf;

use agent_policy_core::Engine;
use agent_policy_host::{HostError, exit_code, load_policy};
use clap::{Parser, Subcommand};

/// A deterministic policy engine for the actions of AI agents.
#[derive(Debug, Parser)]
#[command(name = "agent-policy", version, arg_required_else_help = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide one action: prints the decision document.
    Check(check::CheckArgs),
    /// Load a policy and its overrides and report every problem.
    Lint(lint::LintArgs),
    /// Decide every action of a JSON Lines log, one decision per line.
    Replay(replay::ReplayArgs),
    /// Replace the secrets in standard input by markers.
    Redact(redact::RedactArgs),
    /// Work with the tamper-evident audit log (`audit verify FILE`).
    Audit(audit::AuditArgs),
    /// Grant approval for one require_approval decision (by its fingerprint), for a while.
    Approve(approve::ApproveArgs),
    /// List the approval grants of a state directory (`approvals list`).
    Approvals(approvals::ApprovalsArgs),
    /// Record a time-limited, reasoned bypass of denies for named paths or commands.
    Bypass(bypass::BypassArgs),
    /// Record a model turn of a session, or show a session's state.
    Session(session::SessionArgs),
}

/// Parses the command line, runs the command and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout and succeed; real usage errors get their own code
            // so they never read as a decision of `--exit-code`.
            let _ = e.print();
            return if e.use_stderr() {
                exit_code::USAGE
            } else {
                exit_code::OK
            };
        }
    };
    let mut ui = Ui::new();
    let result = match cli.command {
        Command::Check(args) => check::run(&args, &mut ui),
        Command::Lint(args) => lint::run(&args, &mut ui),
        Command::Replay(args) => replay::run(&args, &mut ui),
        Command::Redact(args) => redact::run(&args, &mut ui),
        Command::Audit(args) => audit::run(&args, &mut ui),
        Command::Approve(args) => approve::run(&args, &mut ui),
        Command::Approvals(args) => approvals::run(&args, &mut ui),
        Command::Bypass(args) => bypass::run(&args, &mut ui),
        Command::Session(args) => session::run(&args, &mut ui),
    };
    let result = result.and_then(|code| ui.flush().map(|()| code));
    match result {
        Ok(code) => code,
        Err(Failure::BrokenPipe) => exit_code::OK,
        Err(Failure::Host(e)) => {
            ui.report(&e);
            if e.is_internal() {
                exit_code::INTERNAL
            } else {
                exit_code::FAILURE
            }
        }
        Err(Failure::Usage { message, help }) => {
            ui.error_lines(&format!("error: {message}\n  help: {help}"));
            exit_code::USAGE
        }
    }
}

/// Why a command stopped early.
#[derive(Debug)]
enum Failure {
    /// Bad input, an unloadable policy, an IO error, or an engine bug.
    Host(HostError),
    /// The command line cannot be acted on.
    Usage { message: String, help: String },
    /// Whoever reads standard output stopped reading (`| head`): stop quietly.
    BrokenPipe,
}

impl Failure {
    fn usage(message: impl Into<String>, help: impl Into<String>) -> Failure {
        Failure::Usage {
            message: message.into(),
            help: help.into(),
        }
    }
}

impl From<HostError> for Failure {
    fn from(e: HostError) -> Failure {
        Failure::Host(e)
    }
}

impl From<agent_policy_core::Error> for Failure {
    fn from(e: agent_policy_core::Error) -> Failure {
        Failure::Host(HostError::Core(e))
    }
}

/// The terminal: buffered standard output, standard error, and whether to draw for people.
struct Ui {
    out: BufWriter<Stdout>,
    err: Stderr,
    /// Standard output is a terminal (a person reads it).
    stdout_tty: bool,
    /// Colour is wanted: standard output is a terminal, `NO_COLOR` is unset or empty, and
    /// `TERM` is not `dumb`.
    color: bool,
}

/// Bytes of standard output buffered before a write: a pipe's capacity.
const STDOUT_BUFFER: usize = 64 << 10;

impl Ui {
    fn new() -> Ui {
        let stdout_tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        Ui {
            // Large writes: `redact` streams its whole input to standard output, and a write
            // call per 8 KiB (the default) costs it about a tenth of its time into a pipe.
            out: BufWriter::with_capacity(STDOUT_BUFFER, std::io::stdout()),
            err: std::io::stderr(),
            stdout_tty,
            color: stdout_tty && !no_color && !dumb,
        }
    }

    /// Writes `text` and a newline to standard output.
    fn line(&mut self, text: &str) -> Result<(), Failure> {
        self.raw(text)?;
        self.raw("\n")
    }

    /// Writes `text` as it is to standard output.
    fn raw(&mut self, text: &str) -> Result<(), Failure> {
        self.out.write_all(text.as_bytes()).map_err(write_failure)
    }

    fn flush(&mut self) -> Result<(), Failure> {
        self.out.flush().map_err(write_failure)
    }

    /// Writes lines to standard error, after what standard output holds so far so that the
    /// two streams interleave in order on a terminal. Failures to write there are ignored:
    /// there is nowhere left to report them.
    fn error_lines(&mut self, text: &str) {
        let _ = self.out.flush();
        let _ = writeln!(self.err, "{text}");
    }

    /// Reports an error: `error: <headline>`, its help line, and how many more errors the
    /// same load found.
    fn report(&mut self, e: &HostError) {
        let mut text = format!("error: {}", e.headline());
        if let Some(help) = e.help() {
            text.push_str(&format!("\n  help: {help}"));
        }
        match e.related_count() {
            0 => {}
            1 => text.push_str("\n  note: 1 more error; `agent-policy lint` lists them all"),
            n => text.push_str(&format!(
                "\n  note: {n} more errors; `agent-policy lint` lists them all"
            )),
        }
        self.error_lines(&text);
    }
}

fn write_failure(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Failure::BrokenPipe
    } else {
        Failure::Host(HostError::write("<stdout>", e))
    }
}

/// The engine of `--policy FILE` (with its overrides), or the built-in defaults without it.
/// The engine of `--policy FILE` or the built-in defaults, with the host's configuration
/// (the fingerprint key) applied.
fn engine_for(policy: Option<&PathBuf>) -> Result<Engine, Failure> {
    let engine = match policy {
        Some(path) => load_policy(path)?.engine,
        None => Engine::defaults(),
    };
    Ok(agent_policy_host::host_config::configure(engine)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn replay_takes_the_log_as_an_argument_or_an_option() {
        let cli = Cli::try_parse_from(["agent-policy", "replay", "s.jsonl"]).unwrap();
        assert!(matches!(cli.command, Command::Replay(_)));
        let cli = Cli::try_parse_from(["agent-policy", "replay", "--log", "-"]).unwrap();
        assert!(matches!(cli.command, Command::Replay(_)));
    }

    #[test]
    fn unknown_formats_are_usage_errors() {
        let e = Cli::try_parse_from(["agent-policy", "check", "--format", "yaml"]).unwrap_err();
        assert!(e.use_stderr());
    }
}

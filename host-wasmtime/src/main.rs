//! The `agent-policy` command line: check, lint, replay and redact (SPEC §10).

mod cli;

fn main() {
    // A last resort: a bug must never show a stack of internals (a panic message may quote a
    // value, and values may be secrets). Say so in one line and exit with the bug code.
    std::panic::set_hook(Box::new(|_| {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "error: internal error [internal]\n  help: this is a bug in agent-policy; please \
             report it with the command that triggered it"
        );
        std::process::exit(agent_policy_host::exit_code::INTERNAL);
    }));
    std::process::exit(cli::run());
}

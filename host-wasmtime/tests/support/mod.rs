//! What the host's integration tests share: running the `agent-policy` binary with the host's
//! configuration variables cleared, and temporary directories that clean up after themselves.
//! Each test file includes it with `mod support;` and uses what it needs.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The host configuration variables: unset for every run unless a test sets them, so the
/// environment of the test run cannot change an outcome.
pub const HOST_VARIABLES: &[&str] = &[
    "AGENT_POLICY_STATE_DIR",
    "AGENT_POLICY_GRANT_KEY",
    "AGENT_POLICY_GRANT_KEY_FILE",
    "AGENT_POLICY_FINGERPRINT_KEY",
    "AGENT_POLICY_FINGERPRINT_KEY_FILE",
];

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// The binary as tests start it: no colour, host variables cleared, then `env` set.
pub fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_agent-policy"));
    command.args(args).env("NO_COLOR", "1");
    for var in HOST_VARIABLES {
        command.env_remove(var);
    }
    command.envs(env.iter().copied());
    command
}

/// Runs the binary with `stdin` (none: `/dev/null`) and `env`; fails the test on a panic.
pub fn run_env(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
    let mut command = command(args, env);
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the binary runs");
    if let Some(text) = stdin {
        // The binary may exit before reading its input (a bad option): ignore a closed pipe.
        let _ = child.stdin.take().unwrap().write_all(text.as_bytes());
    }
    let output = child.wait_with_output().unwrap();
    let run = Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "panic in {args:?}: {}",
        run.stderr
    );
    run
}

/// [`run_env`] with no extra variables.
pub fn run(args: &[&str], stdin: Option<&str>) -> Run {
    run_env(args, stdin, &[])
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A new empty directory whose name starts with `agent-policy-<what>-`.
    pub fn new(what: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "agent-policy-{what}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// Writes `text` to `relative` (parents created) and returns its path.
    pub fn put(&self, relative: &str, text: &str) -> String {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    /// The path of `relative` inside the directory.
    pub fn path(&self, relative: &str) -> String {
        self.0.join(relative).display().to_string()
    }

    /// The path of `relative` inside the directory, as a path.
    pub fn file(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }

    /// Writes `bytes` to `relative` (parents created) and returns its path.
    pub fn put_bytes(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

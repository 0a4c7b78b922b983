//! The agent-policy CLI.
fn main() {}

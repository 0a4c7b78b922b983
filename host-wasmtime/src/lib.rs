//! The native host of agent-policy: everything around the no-IO engine that needs the
//! operating system. It reads policy files and their directory overrides, reads actions from
//! files or standard input, supplies the clock, and wraps IO failures in [`HostError`] next to
//! the engine's own errors. The `agent-policy` CLI (`src/main.rs`) is built on it.
//!
//! ```no_run
//! use agent_policy_host::{clock, input, policy_files};
//! # fn main() -> Result<(), agent_policy_host::HostError> {
//! let policy = policy_files::load_policy(std::path::Path::new(".agent-policy.yml"))?;
//! let text = input::InputSource::from_arg(Some("action.json")).read_to_string()?;
//! let action = input::parse_json_strict(&text, "action.json", 1)?;
//! let now = clock::system_now();
//! let decision = policy
//!     .engine
//!     .evaluate(&agent_policy_core::Request::new(&action, &now))?;
//! println!("{}", decision.to_json());
//! # Ok(())
//! # }
//! ```

pub mod audit;
pub mod clock;
pub mod error;
pub mod exit_code;
pub mod ffi;
pub mod host_config;
pub mod input;
#[cfg(feature = "plugins")]
pub mod plugins;
pub mod policy_files;
pub mod state;

pub use error::{HostError, IoCode};
pub use policy_files::{LoadedPolicy, load_policy};

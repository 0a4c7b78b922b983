//! Policy documents → the compiled, indexed policy evaluation uses.

use super::model::PolicyDoc;
use crate::error::Error;

/// A compiled policy.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    docs: Vec<PolicyDoc>,
}

impl CompiledPolicy {
    /// Compiles a root document and its overrides.
    pub fn compile(root: PolicyDoc, overrides: Vec<PolicyDoc>) -> Result<CompiledPolicy, Error> {
        let mut docs = vec![root];
        docs.extend(overrides);
        Ok(CompiledPolicy { docs })
    }
}

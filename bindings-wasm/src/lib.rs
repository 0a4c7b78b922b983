//! agent-policy for the browser and Node: a wasm-bindgen ES module over the core engine.
//!
//! A binding converts types and errors and nothing else: every decision comes from
//! [`agent_policy_core::Engine`], the decision document is core's `Decision::to_json` and an
//! error carries core's `Error::to_json`, so this surface returns the same bytes as every
//! other. [`convert`] holds the conversions that need no JavaScript (built natively too, for
//! the workspace's tests); the JavaScript classes and functions are in `wasm`, built only for
//! `wasm32`.

pub mod convert;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

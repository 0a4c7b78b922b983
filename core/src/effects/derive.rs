//! Action → effects: the tool adapters and the action's own fields.

use super::adapters::CustomAdapter;
use super::{Effect, EffectKind};
use crate::action::Action;
use crate::error::Error;

/// Derives the effects of an action.
pub fn derive_effects(action: &Action, custom: &[CustomAdapter]) -> Result<Vec<Effect>, Error> {
    let _ = custom;
    let kind = action.kind.unwrap_or(EffectKind::ToolCall);
    let mut e = Effect::new(kind, "$");
    e.path = action.path.clone();
    e.command = action.command.clone();
    e.tool = action.tool.clone();
    Ok(vec![e])
}

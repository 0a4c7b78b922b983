//! Command lines → simple commands, and command patterns.

use super::Effect;

/// A command pattern from a policy (`rm -rf`, `git push --force`, `curl *`).
#[derive(Debug, Clone, PartialEq)]
pub struct CommandPattern {
    text: String,
}

impl CommandPattern {
    /// Parses a pattern.
    pub fn parse(text: &str) -> Result<CommandPattern, String> {
        Ok(CommandPattern {
            text: text.to_owned(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Deny semantics: matches on the program's base name.
    pub fn matches_deny(&self, effect: &Effect) -> bool {
        effect.command.as_deref() == Some(self.text.as_str())
    }

    /// Allow semantics: never matches a program run from an unexpected path.
    pub fn matches_allow(&self, effect: &Effect) -> bool {
        effect.command.as_deref() == Some(self.text.as_str())
    }
}

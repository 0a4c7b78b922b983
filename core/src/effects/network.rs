//! URLs, hosts, IP literals and CIDRs; cloud metadata endpoints.

/// A host pattern from a policy: a glob (`*.github.com`), an IP literal or a CIDR.
#[derive(Debug, Clone, PartialEq)]
pub struct HostPattern {
    text: String,
}

impl HostPattern {
    /// Parses a pattern.
    pub fn parse(text: &str) -> Result<HostPattern, String> {
        Ok(HostPattern {
            text: text.to_ascii_lowercase(),
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a normalised host matches.
    pub fn matches(&self, host: &str) -> bool {
        self.text == host
    }
}

//! Just enough of HCL (Terraform's syntax) to check the files an agent writes: the top-level
//! items of a body (attributes and blocks), found by counting brackets outside strings and
//! comments. Expressions are kept as text; [`string_value`] and [`string_list`] read the
//! literal ones.

/// One item of a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<'a> {
    /// `key = value`: the value's text, trimmed.
    Attribute {
        /// The key.
        key: &'a str,
        /// The expression, as written.
        value: &'a str,
    },
    /// `kind "label" ... { body }`.
    Block {
        /// The block type (`resource`, `ingress`, ...).
        kind: &'a str,
        /// The labels, unquoted (`["aws_s3_bucket", "logs"]`).
        labels: Vec<&'a str>,
        /// The text between the braces.
        body: &'a str,
    },
}

/// The top-level items of `text` (a file, or a block's body). What cannot be read is
/// skipped.
pub fn items(text: &str) -> Vec<Item<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        i = skip_blank(bytes, i);
        if i >= bytes.len() {
            break;
        }
        let head_start = i;
        // The head runs to `=`, `{` or the end of the line.
        while i < bytes.len() && !matches!(bytes[i], b'=' | b'{' | b'\n') {
            if bytes[i] == b'"' {
                i = skip_string(bytes, i);
            } else {
                i += 1;
            }
        }
        let head = text[head_start..i.min(text.len())].trim();
        match bytes.get(i) {
            Some(b'=') if !head.is_empty() && !head.contains(' ') => {
                let start = i + 1;
                let end = expression_end(bytes, start);
                out.push(Item::Attribute {
                    key: head,
                    value: text[start..end].trim(),
                });
                i = end;
            }
            Some(b'{') => {
                let start = i + 1;
                let end = closing(bytes, i);
                let mut words = head.split_whitespace();
                if let Some(kind) = words.next() {
                    out.push(Item::Block {
                        kind,
                        labels: words.map(|w| w.trim_matches('"')).collect(),
                        body: &text[start..end.saturating_sub(1).max(start)],
                    });
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

/// The attribute `key` of a body, when it is there.
pub fn attribute<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    items(body).into_iter().find_map(|item| match item {
        Item::Attribute { key: k, value } if k == key => Some(value),
        _ => None,
    })
}

/// The blocks of a body of one kind.
pub fn blocks<'a>(body: &'a str, kind: &str) -> Vec<(Vec<&'a str>, &'a str)> {
    items(body)
        .into_iter()
        .filter_map(|item| match item {
            Item::Block {
                kind: k,
                labels,
                body,
            } if k == kind => Some((labels, body)),
            _ => None,
        })
        .collect()
}

/// The `resource "<type>" "<name>" { … }` blocks of a Terraform file: `(type, name, body)`.
pub fn resources(text: &str) -> Vec<(&str, &str, &str)> {
    blocks(text, "resource")
        .into_iter()
        .filter_map(|(labels, body)| match labels[..] {
            [kind, name, ..] => Some((kind, name, body)),
            _ => None,
        })
        .collect()
}

/// A string literal's text (`"prod-api-rds"` → `prod-api-rds`); `None` for anything else.
pub fn string_value(expr: &str) -> Option<&str> {
    let inner = expr.trim().strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('"') && !inner.contains("${")).then_some(inner)
}

/// The string literals of a list (`["0.0.0.0/0", var.x]` → `["0.0.0.0/0"]`).
pub fn string_list(expr: &str) -> Vec<&str> {
    let inner = expr.trim().trim_start_matches('[').trim_end_matches(']');
    inner.split(',').filter_map(string_value).collect()
}

/// The keys of a map literal (`{ Owner = "x", "Cost" = "y" }` → `[("Owner", "\"x\""), ...]`).
pub fn map_entries(expr: &str) -> Vec<(&str, &str)> {
    let expr = expr.trim();
    let Some(inner) = expr.strip_prefix('{').and_then(|e| e.strip_suffix('}')) else {
        return Vec::new();
    };
    inner
        .split([',', '\n'])
        .filter_map(|entry| {
            let (k, v) = entry.split_once(['=', ':'])?;
            Some((k.trim().trim_matches('"'), v.trim()))
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

fn skip_blank(bytes: &[u8], mut i: usize) -> usize {
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes.get(i) == Some(&b'#') || bytes[i..].starts_with(b"//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if bytes[i..].starts_with(b"/*") {
            i += 2;
            while i < bytes.len() && !bytes[i..].starts_with(b"*/") {
                i += 1;
            }
            i = (i + 2).min(bytes.len());
        } else {
            return i;
        }
    }
}

fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    (i + 1).min(bytes.len())
}

/// Where the expression starting at `i` ends: the end of the line with every bracket closed.
fn expression_end(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'{' | b'[' | b'(' => depth += 1,
            b'}' | b']' | b')' => {
                if depth == 0 {
                    return i;
                }
                depth -= 1;
            }
            b'\n' if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// The index just past the brace that closes the one at `open`.
fn closing(bytes: &[u8], open: usize) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = skip_string(bytes, i);
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_attributes_and_nested_blocks_are_found() {
        let tf = r#"
# a comment { not a block
resource "aws_security_group" "db" {
  name = "prod-api-sg"
  ingress {
    cidr_blocks = ["0.0.0.0/0", var.office]
  }
  tags = {
    Owner = "team-a"
    ManagedBy = "terraform"
  }
}
variable "x" {}
"#;
        let res = blocks(tf, "resource");
        assert_eq!(res.len(), 1);
        let (labels, body) = &res[0];
        assert_eq!(labels, &["aws_security_group", "db"]);
        assert_eq!(
            attribute(body, "name").and_then(string_value),
            Some("prod-api-sg")
        );
        let ingress = blocks(body, "ingress");
        assert_eq!(ingress.len(), 1);
        let cidrs = string_list(attribute(ingress[0].1, "cidr_blocks").unwrap());
        assert_eq!(cidrs, ["0.0.0.0/0"]);
        let tags = map_entries(attribute(body, "tags").unwrap());
        assert_eq!(
            tags,
            [("Owner", "\"team-a\""), ("ManagedBy", "\"terraform\"")]
        );
        assert_eq!(blocks(tf, "variable").len(), 1);
    }
}

//! A YAML/JSON document tree that keeps the source position of every node, so that every
//! policy error can name file, line and column.

/// A 1-based position in a policy source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Span {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

/// A value together with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it starts in the source.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Pairs a value with its span.
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// One node of a parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The node's value.
    pub value: NodeValue,
    /// Where the node starts.
    pub span: Span,
}

/// The value of a [`Node`]. Scalars keep YAML 1.2 core-schema typing: `yes` is a string,
/// `true` a bool, `"1"` a string, `1` an integer.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// `null`, `~` or an empty value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in i64.
    Int(i64),
    /// A floating point number.
    Float(f64),
    /// A string (quoted, or a plain scalar that is not another type).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, keys in source order. Keys are nodes so that their spans are kept.
    // INVARIANT: the source parser rejects duplicate keys, so keys are unique.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// A short name of the node's type for error messages ("a string", "a list").
    pub fn type_name(&self) -> &'static str {
        match &self.value {
            NodeValue::Null => "null",
            NodeValue::Bool(_) => "a boolean",
            NodeValue::Int(_) => "an integer",
            NodeValue::Float(_) => "a number",
            NodeValue::Str(_) => "a string",
            NodeValue::Seq(_) => "a list",
            NodeValue::Map(_) => "a mapping",
        }
    }

    /// The node as plain JSON (used for rule `examples`, which are actions).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.value {
            NodeValue::Null => Value::Null,
            NodeValue::Bool(b) => Value::Bool(*b),
            NodeValue::Int(i) => Value::from(*i),
            NodeValue::Float(f) => serde_json::Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            NodeValue::Str(s) => Value::String(s.clone()),
            NodeValue::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeValue::Map(entries) => {
                // Inserted one by one rather than collected: the same map (a later duplicate
                // key wins either way), without `BTreeMap::from_iter`'s own sort in the build.
                let mut map = serde_json::Map::new();
                for (k, v) in entries {
                    map.insert(k.scalar_text(), v.to_json());
                }
                Value::Object(map)
            }
        }
    }

    /// A scalar's text (for keys): strings as-is, other scalars as written in JSON.
    pub fn scalar_text(&self) -> String {
        match &self.value {
            NodeValue::Str(s) => s.clone(),
            NodeValue::Null => "null".to_owned(),
            NodeValue::Bool(b) => b.to_string(),
            NodeValue::Int(i) => i.to_string(),
            // serde_json's float text (shortest round trip, `1.0`, `1e20`), as the JSON form of
            // the policy writes it; `f64`'s own `Display` would add its own formatter (and
            // 14 KB to the browser build) for the same purpose.
            NodeValue::Float(f) => serde_json::Number::from_f64(*f).map_or_else(
                || {
                    let text = if f.is_nan() {
                        "NaN"
                    } else if f.is_sign_negative() {
                        "-inf"
                    } else {
                        "inf"
                    };
                    text.to_owned()
                },
                |n| n.to_string(),
            ),
            NodeValue::Seq(_) | NodeValue::Map(_) => String::new(),
        }
    }
}

//! YAML and JSON policy text → [`Node`] tree with spans.
//!
//! The tree is built from the event stream of `saphyr-parser` so that this module controls what
//! a policy author sees:
//! - every node and every mapping key keeps its 1-based line and column;
//! - plain scalars follow the YAML 1.2 core schema (`yes`/`no`/`on`/`off` are strings), quoted
//!   and block scalars are always strings;
//! - a key written twice in one mapping is an error, never a silent "last one wins";
//! - anchors and aliases are expanded under a total node budget and a nesting limit, so a
//!   "billion laughs" document is an error instead of an exhausted memory;
//! - `<<` merge keys (a mapping or a list of mappings) are expanded, explicit keys winning;
//! - one document per source.
//!
//! JSON is YAML 1.2 flow syntax, so JSON policies go through the same parser.

use std::borrow::Cow;
use std::collections::BTreeMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Tag};

use super::node::{Node, NodeValue, Span};
use crate::error::{Error, ErrorCode};

/// The deepest nesting of mappings and sequences a policy may have, aliases expanded.
pub const MAX_DEPTH: usize = 64;

/// The most nodes (keys, values, items) a policy may expand to, aliases included. The copy of
/// an anchored node kept for its aliases counts as well.
pub const MAX_NODES: usize = 2_000_000;

/// The handle `saphyr-parser` gives `!!` tags.
const CORE_TAG_HANDLE: &str = "tag:yaml.org,2002:";

/// The merge key of YAML 1.1, kept because policy authors use it with anchors.
const MERGE_KEY: &str = "<<";

/// Parses policy text (YAML 1.2; JSON is accepted as YAML) into a node tree.
///
/// Errors are [`ErrorCode::PolicySyntax`] (malformed text, an empty source, several documents,
/// too deep or too large after alias expansion, unsupported tags),
/// [`ErrorCode::PolicyDuplicateKey`], [`ErrorCode::PolicyBadType`] (a non-scalar mapping key,
/// a value that does not fit its `!!` tag, a bad merge) and [`ErrorCode::PolicyBadValue`] (an
/// integer outside the signed 64-bit range). Each carries `origin`, line, column and a help.
pub fn parse(text: &str, origin: &str) -> Result<Node, Error> {
    let mut builder = Builder::new(origin);
    let mut documents = 0_usize;
    for next in Parser::new_from_str(text) {
        let (event, marks) = next.map_err(|e| scan_error(&e, origin))?;
        let span = to_span(marks.start);
        match event {
            Event::Nothing | Event::StreamStart | Event::DocumentEnd | Event::StreamEnd => {}
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    return Err(builder
                        .error(
                            ErrorCode::PolicySyntax,
                            span,
                            "the policy holds more than one yaml document",
                        )
                        .with_help(
                            "a policy source is one document: remove the extra '---' or split \
                             it into several files",
                        ));
                }
            }
            Event::Alias(id) => builder.alias(id, span)?,
            Event::Scalar(value, style, anchor, tag) => {
                builder.scalar(value, style, anchor, tag.as_deref(), span)?;
            }
            Event::SequenceStart(anchor, tag) => {
                builder.open(anchor, tag.as_deref(), span, false)?;
            }
            Event::MappingStart(anchor, tag) => {
                builder.open(anchor, tag.as_deref(), span, true)?;
            }
            Event::SequenceEnd | Event::MappingEnd => builder.close()?,
        }
    }
    builder.finish()
}

/// Converts a scanner position (1-based line, 0-based column) to a 1-based [`Span`].
fn to_span(mark: Marker) -> Span {
    Span {
        line: u32::try_from(mark.line()).unwrap_or(u32::MAX),
        column: u32::try_from(mark.col().saturating_add(1)).unwrap_or(u32::MAX),
    }
}

/// A scanner error as a policy error at the scanner's position, its message lowercased.
fn scan_error(e: &ScanError, origin: &str) -> Error {
    let span = to_span(*e.marker());
    let message = e.info().trim().trim_end_matches('.').to_lowercase();
    let message = if message.is_empty() {
        "the policy is not well-formed yaml or json".to_owned()
    } else {
        message
    };
    Error::new(ErrorCode::PolicySyntax, message)
        .with_help("check the indentation, quotes and brackets at and just before this position")
        .at(origin, span.line, span.column)
}

/// A finished node with what the limits need to know about it.
#[derive(Debug, Clone)]
struct Built {
    /// The node.
    node: Node,
    /// How many nodes it holds, itself included (what an alias of it costs).
    size: usize,
    /// How many levels of collections it nests (0 for a scalar).
    height: usize,
}

/// A mapping key waiting for its value.
#[derive(Debug)]
struct PendingKey {
    /// The key as a string node.
    node: Node,
    /// Whether it is the `<<` merge key.
    merge: bool,
}

/// What an open collection has gathered so far.
#[derive(Debug)]
enum Content {
    /// A sequence's items.
    Seq(Vec<Node>),
    /// A mapping's entries.
    Map {
        /// Explicit entries, in source order.
        entries: Vec<(Node, Node)>,
        /// The key whose value comes next, if any.
        key: Option<PendingKey>,
        /// Keys already set, with the line each was first written on (a `u64`, so that the
        /// map shares its code with the session's counters).
        seen: BTreeMap<String, u64>,
        /// Mappings named by `<<`, in order; their entries fill in keys not set explicitly.
        merges: Vec<Node>,
    },
}

/// A collection being built.
#[derive(Debug)]
struct Frame {
    /// Where it starts.
    span: Span,
    /// Its anchor id (0 when it has none).
    anchor: usize,
    /// Nodes so far, itself included.
    size: usize,
    /// Levels so far, itself included.
    height: usize,
    /// Its items or entries.
    content: Content,
}

/// Turns the event stream into a tree, enforcing the limits.
#[derive(Debug)]
struct Builder<'o> {
    /// The source's name for error locations.
    origin: &'o str,
    /// Completed anchored nodes, indexed by anchor id (the parser numbers anchors 1, 2, ...).
    anchors: Vec<Option<Built>>,
    /// Nodes created so far, aliases expanded.
    nodes: usize,
    /// Open collections, outermost first.
    stack: Vec<Frame>,
    /// The document's root once complete.
    root: Option<Built>,
}

impl<'o> Builder<'o> {
    fn new(origin: &'o str) -> Builder<'o> {
        Builder {
            origin,
            anchors: Vec::new(),
            nodes: 0,
            stack: Vec::new(),
            root: None,
        }
    }

    fn error(&self, code: ErrorCode, span: Span, message: &str) -> Error {
        Error::new(code, message).at(self.origin, span.line, span.column)
    }

    /// Whether the next complete node is a mapping key.
    fn expects_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                content: Content::Map { key: None, .. },
                ..
            })
        )
    }

    /// Counts `count` more nodes against the budget.
    fn spend(&mut self, count: usize, span: Span) -> Result<(), Error> {
        self.nodes = self.nodes.saturating_add(count);
        if self.nodes > MAX_NODES {
            return Err(self
                .error(
                    ErrorCode::PolicySyntax,
                    span,
                    &format!("the policy expands to more than {MAX_NODES} values"),
                )
                .with_help(
                    "a policy holds at most this many values, each alias (*name) counting as a \
                     full copy of its anchor: use fewer (nested) aliases",
                ));
        }
        Ok(())
    }

    /// Checks that a node of `height` levels fits under the open collections.
    fn check_depth(&self, height: usize, span: Span) -> Result<(), Error> {
        if self.stack.len().saturating_add(height) > MAX_DEPTH {
            return Err(self
                .error(
                    ErrorCode::PolicySyntax,
                    span,
                    &format!("the policy nests deeper than {MAX_DEPTH} levels"),
                )
                .with_help("flatten the structure: no policy section needs this depth"));
        }
        Ok(())
    }

    /// A scalar event: a key (always a string) or a typed value.
    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<(), Error> {
        self.spend(1, span)?;
        if self.expects_key() {
            if let Some(tag) = tag
                && !is_non_specific(tag)
                && !is_core(tag, "str")
            {
                return Err(self
                    .error(
                        ErrorCode::PolicyBadType,
                        span,
                        "mapping keys must be strings",
                    )
                    .with_help(format!("remove the tag '{}' from the key", tag_name(tag))));
            }
            let merge = style == ScalarStyle::Plain && tag.is_none() && text == MERGE_KEY;
            let node = Node {
                value: NodeValue::Str(text.into_owned()),
                span,
            };
            return self.key(node, merge, anchor);
        }
        let value = self.resolve(&text, style, tag, span)?;
        let built = Built {
            node: Node { value, span },
            size: 1,
            height: 0,
        };
        self.complete(built, anchor)
    }

    /// The typed value of a scalar: its tag, else the core schema for plain scalars, else a
    /// string.
    fn resolve(
        &self,
        text: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<NodeValue, Error> {
        let Some(tag) = tag else {
            return if style == ScalarStyle::Plain {
                self.plain(text, span)
            } else {
                Ok(NodeValue::Str(text.to_owned()))
            };
        };
        if is_non_specific(tag) || is_core(tag, "str") {
            return Ok(NodeValue::Str(text.to_owned()));
        }
        let wanted = if tag.handle == CORE_TAG_HANDLE {
            match tag.suffix.as_str() {
                "null" => Some("null"),
                "bool" => Some("a boolean"),
                "int" => Some("an integer"),
                "float" => Some("a number"),
                _ => None,
            }
        } else {
            None
        };
        let Some(wanted) = wanted else {
            return Err(self.unsupported_tag(tag, span));
        };
        let value = self.plain(text.trim(), span)?;
        let value = match (tag.suffix.as_str(), value) {
            // A `!!float` tag on digits asks for a float, whatever precision that keeps.
            ("float", NodeValue::Int(i)) => NodeValue::Float(i as f64),
            (_, value) => value,
        };
        let found = Node { value, span };
        if found.type_name() == wanted {
            Ok(found.value)
        } else {
            Err(self
                .error(
                    ErrorCode::PolicyBadType,
                    span,
                    &format!(
                        "a value tagged '{}' must be {wanted}, found {}",
                        tag_name(tag),
                        found.type_name()
                    ),
                )
                .with_help("remove the tag, or write a value of the tagged type"))
        }
    }

    /// YAML 1.2 core schema resolution of a plain scalar.
    fn plain(&self, text: &str, span: Span) -> Result<NodeValue, Error> {
        match core_schema(text) {
            Some(value) => Ok(value),
            None => Err(self
                .error(
                    ErrorCode::PolicyBadValue,
                    span,
                    "integer does not fit in a signed 64-bit number",
                )
                .with_help("write a smaller number, or quote it if it is meant as text")),
        }
    }

    fn unsupported_tag(&self, tag: &Tag, span: Span) -> Error {
        self.error(
            ErrorCode::PolicySyntax,
            span,
            &format!("unsupported tag '{}'", tag_name(tag)),
        )
        .with_help("policies use plain yaml values: remove the tag")
    }

    /// An alias: a copy of its anchor's node, within the budget and the depth limit.
    fn alias(&mut self, id: usize, span: Span) -> Result<(), Error> {
        let Some(Some(anchored)) = self.anchors.get(id) else {
            return Err(self
                .error(
                    ErrorCode::PolicySyntax,
                    span,
                    "alias refers to an anchor that is not complete here",
                )
                .with_help(
                    "an alias may only name an anchor defined before it, not one it is inside",
                ));
        };
        let (size, height) = (anchored.size, anchored.height);
        self.spend(size, span)?;
        self.check_depth(height, span)?;
        let Some(Some(anchored)) = self.anchors.get(id) else {
            return Err(self.error(ErrorCode::Internal, span, "anchor vanished"));
        };
        let mut copy = anchored.clone();
        copy.node.span = span;
        if self.expects_key() {
            if !matches!(copy.node.value, NodeValue::Seq(_) | NodeValue::Map(_)) {
                let node = Node {
                    value: NodeValue::Str(copy.node.scalar_text()),
                    span,
                };
                return self.key(node, false, 0);
            }
            return Err(self
                .error(
                    ErrorCode::PolicyBadType,
                    span,
                    "mapping keys must be strings",
                )
                .with_help(format!(
                    "this alias names {}; use a string as the key",
                    copy.node.type_name()
                )));
        }
        self.complete(copy, 0)
    }

    /// A sequence or mapping starts.
    fn open(
        &mut self,
        anchor: usize,
        tag: Option<&Tag>,
        span: Span,
        map: bool,
    ) -> Result<(), Error> {
        if self.expects_key() {
            let what = if map { "a mapping" } else { "a list" };
            return Err(self
                .error(
                    ErrorCode::PolicyBadType,
                    span,
                    &format!("mapping keys must be strings, found {what}"),
                )
                .with_help("use a string as the key"));
        }
        if let Some(tag) = tag {
            let fits = is_non_specific(tag) || is_core(tag, if map { "map" } else { "seq" });
            if !fits {
                return Err(self.unsupported_tag(tag, span));
            }
        }
        self.spend(1, span)?;
        self.check_depth(1, span)?;
        let content = if map {
            Content::Map {
                entries: Vec::new(),
                key: None,
                seen: BTreeMap::new(),
                merges: Vec::new(),
            }
        } else {
            Content::Seq(Vec::new())
        };
        self.stack.push(Frame {
            span,
            anchor,
            size: 1,
            height: 1,
            content,
        });
        Ok(())
    }

    /// The innermost open collection ends.
    fn close(&mut self) -> Result<(), Error> {
        let Some(frame) = self.stack.pop() else {
            return Err(Error::new(
                ErrorCode::Internal,
                "the yaml parser closed a collection that was not open",
            ));
        };
        let value = match frame.content {
            Content::Seq(items) => NodeValue::Seq(items),
            Content::Map {
                mut entries,
                key,
                mut seen,
                merges,
            } => {
                if let Some(key) = key {
                    // The parser always emits a value (maybe an empty scalar) after a key.
                    return Err(self
                        .error(ErrorCode::PolicySyntax, key.node.span, "a key has no value")
                        .with_help("write a value after the ':'"));
                }
                for source in merges {
                    let NodeValue::Map(merged) = source.value else {
                        continue;
                    };
                    for (k, v) in merged {
                        if let std::collections::btree_map::Entry::Vacant(slot) =
                            seen.entry(k.scalar_text())
                        {
                            slot.insert(u64::from(k.span.line));
                            entries.push((k, v));
                        }
                    }
                }
                NodeValue::Map(entries)
            }
        };
        let built = Built {
            node: Node {
                value,
                span: frame.span,
            },
            size: frame.size,
            height: frame.height,
        };
        self.complete(built, frame.anchor)
    }

    /// Stores the node of anchor `id`, replacing an earlier one.
    fn set_anchor(&mut self, id: usize, built: Built) {
        if self.anchors.len() <= id {
            self.anchors.resize_with(id.saturating_add(1), || None);
        }
        if let Some(slot) = self.anchors.get_mut(id) {
            *slot = Some(built);
        }
    }

    /// A mapping key is complete: check it is not a duplicate and wait for its value.
    fn key(&mut self, node: Node, merge: bool, anchor: usize) -> Result<(), Error> {
        if anchor != 0 {
            self.spend(1, node.span)?;
            self.set_anchor(
                anchor,
                Built {
                    node: node.clone(),
                    size: 1,
                    height: 0,
                },
            );
        }
        let origin = self.origin;
        let Some(Frame {
            content: Content::Map { key, seen, .. },
            ..
        }) = self.stack.last_mut()
        else {
            return Err(Error::new(ErrorCode::Internal, "a key outside a mapping"));
        };
        let name = node.scalar_text();
        if let Some(first) = seen.get(&name) {
            let shown = if name.is_empty() {
                "(empty)"
            } else {
                name.as_str()
            };
            return Err(Error::new(
                ErrorCode::PolicyDuplicateKey,
                format!("duplicate key '{}'", shorten(shown)),
            )
            .with_help(format!(
                "'{}' is first set on line {}: keep one of them",
                shorten(shown),
                first
            ))
            .at(origin, node.span.line, node.span.column));
        }
        seen.insert(name, u64::from(node.span.line));
        *key = Some(PendingKey { node, merge });
        Ok(())
    }

    /// A value node is complete: register its anchor and put it in its parent.
    fn complete(&mut self, built: Built, anchor: usize) -> Result<(), Error> {
        if anchor != 0 {
            // The stored copy counts too, so that anchors nested in anchors cannot multiply
            // memory past the budget.
            self.spend(built.size, built.node.span)?;
            self.set_anchor(anchor, built.clone());
        }
        let origin = self.origin;
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(built);
            return Ok(());
        };
        parent.size = parent.size.saturating_add(built.size);
        parent.height = parent.height.max(built.height.saturating_add(1));
        match &mut parent.content {
            Content::Seq(items) => items.push(built.node),
            Content::Map {
                entries,
                key,
                merges,
                ..
            } => {
                let Some(pending) = key.take() else {
                    return Err(Error::new(ErrorCode::Internal, "a value without a key"));
                };
                if pending.merge {
                    merge_sources(built.node, merges).map_err(|span| {
                        Error::new(
                            ErrorCode::PolicyBadType,
                            "a merge key '<<' takes a mapping or a list of mappings",
                        )
                        .with_help("write '<<: *anchor' where the anchor names a mapping")
                        .at(origin, span.line, span.column)
                    })?;
                } else {
                    entries.push((pending.node, built.node));
                }
            }
        }
        Ok(())
    }

    /// The document's root, or why there is none.
    fn finish(self) -> Result<Node, Error> {
        match self.root {
            Some(root) if !is_empty_scalar(&root.node) => Ok(root.node),
            _ => Err(Error::new(ErrorCode::PolicySyntax, "the policy is empty")
                .with_help("start the policy with 'version: \"1\"' and add its sections")
                .at(self.origin, 1, 1)),
        }
    }
}

/// Appends the mappings a `<<` value names to `merges`; on a bad value, its span.
fn merge_sources(value: Node, merges: &mut Vec<Node>) -> Result<(), Span> {
    match value.value {
        NodeValue::Map(_) => {
            merges.push(value);
            Ok(())
        }
        NodeValue::Seq(items) => {
            for item in items {
                if !matches!(item.value, NodeValue::Map(_)) {
                    return Err(item.span);
                }
                merges.push(item);
            }
            Ok(())
        }
        _ => Err(value.span),
    }
}

/// Whether a root is what an empty document or a lone `---` yields.
fn is_empty_scalar(node: &Node) -> bool {
    matches!(node.value, NodeValue::Null)
}

/// The non-specific tag `!` (forces a string).
fn is_non_specific(tag: &Tag) -> bool {
    (tag.handle.is_empty() && tag.suffix == "!") || (tag.handle == "!" && tag.suffix.is_empty())
}

/// Whether `tag` is `!!suffix`.
fn is_core(tag: &Tag, suffix: &str) -> bool {
    tag.handle == CORE_TAG_HANDLE && tag.suffix == suffix
}

/// How a tag is written in a policy.
fn tag_name(tag: &Tag) -> String {
    if tag.handle == CORE_TAG_HANDLE {
        format!("!!{}", shorten(&tag.suffix))
    } else {
        shorten(&format!("{}{}", tag.handle, tag.suffix))
    }
}

/// A name or value cut to a readable length for messages.
pub(super) fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(MAX).collect();
        cut.push('…');
        cut
    }
}

/// The YAML 1.2 core schema type of a plain scalar; `None` for an integer that does not fit
/// in `i64`.
fn core_schema(text: &str) -> Option<NodeValue> {
    Some(match text {
        "" | "~" | "null" | "Null" | "NULL" => NodeValue::Null,
        "true" | "True" | "TRUE" => NodeValue::Bool(true),
        "false" | "False" | "FALSE" => NodeValue::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => NodeValue::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => NodeValue::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => NodeValue::Float(f64::NAN),
        _ => {
            if let Some(hex) = text.strip_prefix("0x") {
                return radix_int(hex, 16, text);
            }
            if let Some(oct) = text.strip_prefix("0o") {
                return radix_int(oct, 8, text);
            }
            if is_decimal_int(text) {
                return text.parse::<i64>().ok().map(NodeValue::Int);
            }
            if is_float(text) {
                return Some(match text.parse::<f64>() {
                    Ok(f) => NodeValue::Float(f),
                    Err(_) => NodeValue::Str(text.to_owned()),
                });
            }
            NodeValue::Str(text.to_owned())
        }
    })
}

/// `0x…` / `0o…` digits: an integer, a string when the digits are not of the radix, `None`
/// when too large.
fn radix_int(digits: &str, radix: u32, text: &str) -> Option<NodeValue> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Some(NodeValue::Str(text.to_owned()));
    }
    i64::from_str_radix(digits, radix).ok().map(NodeValue::Int)
}

/// `[-+]?[0-9]+`
fn is_decimal_int(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (body.get(..at).unwrap_or(""), body.get(at + 1..)),
        None => (body, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
            all_digits(int) && all_digits(frac) && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let digits = e.strip_prefix(['-', '+']).unwrap_or(e);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;

    fn ok(text: &str) -> Node {
        parse(text, "p.yml").unwrap_or_else(|e| panic!("{e}"))
    }

    fn err(text: &str) -> Error {
        parse(text, "p.yml").expect_err("parse must fail")
    }

    fn at(e: &Error) -> (u32, u32) {
        let l = e.location.as_ref().expect("location");
        (l.line, l.column)
    }

    fn map(node: &Node) -> &[(Node, Node)] {
        match &node.value {
            NodeValue::Map(entries) => entries,
            other => panic!("not a mapping: {other:?}"),
        }
    }

    fn get<'n>(node: &'n Node, key: &str) -> &'n Node {
        map(node)
            .iter()
            .find(|(k, _)| k.value == NodeValue::Str(key.to_owned()))
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no key {key}"))
    }

    fn str_node(s: &str) -> NodeValue {
        NodeValue::Str(s.to_owned())
    }

    #[test]
    fn spans_are_one_based_for_values_and_keys() {
        let root = ok("version: \"1\"\npermissions:\n  filesystem:\n    deny: [.env, \"x\"]\n");
        assert_eq!(root.span, Span { line: 1, column: 1 });
        let (k, v) = &map(&root)[0];
        assert_eq!(k.span, Span { line: 1, column: 1 });
        assert_eq!(
            v.span,
            Span {
                line: 1,
                column: 10
            }
        );
        assert_eq!(v.value, str_node("1"));
        let fs = get(get(&root, "permissions"), "filesystem");
        let (deny_key, deny) = &map(fs)[0];
        assert_eq!(deny_key.span, Span { line: 4, column: 5 });
        let NodeValue::Seq(items) = &deny.value else {
            panic!()
        };
        assert_eq!(
            items[0].span,
            Span {
                line: 4,
                column: 12
            }
        );
        assert_eq!(
            items[1].span,
            Span {
                line: 4,
                column: 18
            }
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let root = ok("é: ü\nx: y\n");
        assert_eq!(map(&root)[0].1.span, Span { line: 1, column: 4 });
    }

    #[test]
    fn plain_scalars_follow_the_yaml_1_2_core_schema() {
        let root = ok(concat!(
            "a: true\nb: False\nc: yes\nd: no\ne: on\nf: off\ng: null\nh: ~\ni:\n",
            "j: 42\nk: -7\nl: 0x1F\nm: 0o17\nn: 1.5\no: 1e3\np: .inf\nq: 0.5.1\n",
            "r: 1.0\ns: +12\nt: 0xZZ\nu: 08\nv: -.5\n"
        ));
        let expect = [
            ("a", NodeValue::Bool(true)),
            ("b", NodeValue::Bool(false)),
            ("c", str_node("yes")),
            ("d", str_node("no")),
            ("e", str_node("on")),
            ("f", str_node("off")),
            ("g", NodeValue::Null),
            ("h", NodeValue::Null),
            ("i", NodeValue::Null),
            ("j", NodeValue::Int(42)),
            ("k", NodeValue::Int(-7)),
            ("l", NodeValue::Int(31)),
            ("m", NodeValue::Int(15)),
            ("n", NodeValue::Float(1.5)),
            ("o", NodeValue::Float(1000.0)),
            ("p", NodeValue::Float(f64::INFINITY)),
            ("q", str_node("0.5.1")),
            ("r", NodeValue::Float(1.0)),
            ("s", NodeValue::Int(12)),
            ("t", str_node("0xZZ")),
            ("u", NodeValue::Int(8)),
            ("v", NodeValue::Float(-0.5)),
        ];
        for (key, want) in expect {
            assert_eq!(get(&root, key).value, want, "key {key}");
        }
    }

    #[test]
    fn quoted_and_block_scalars_are_always_strings() {
        let root = ok("a: \"true\"\nb: '1'\nc: \"null\"\nd: |\n  42\ne: !!str 7\nf: ! 8\n");
        assert_eq!(get(&root, "a").value, str_node("true"));
        assert_eq!(get(&root, "b").value, str_node("1"));
        assert_eq!(get(&root, "c").value, str_node("null"));
        assert_eq!(get(&root, "d").value, str_node("42\n"));
        assert_eq!(get(&root, "e").value, str_node("7"));
        assert_eq!(get(&root, "f").value, str_node("8"));
    }

    #[test]
    fn core_tags_are_honoured_and_checked() {
        let root = ok("a: !!int \"3\"\nb: !!float 2\nc: !!bool 'true'\n");
        assert_eq!(get(&root, "a").value, NodeValue::Int(3));
        assert_eq!(get(&root, "b").value, NodeValue::Float(2.0));
        assert_eq!(get(&root, "c").value, NodeValue::Bool(true));
        let e = err("a: !!int abc\n");
        assert_eq!(e.code, ErrorCode::PolicyBadType);
        assert_eq!(at(&e), (1, 4));
        let e = err("a: !custom x\n");
        assert_eq!(e.code, ErrorCode::PolicySyntax);
        assert!(e.message.contains("'!custom'"), "{e}");
    }

    #[test]
    fn keys_are_strings_whatever_they_look_like() {
        let root = ok("1: a\ntrue: b\nnull: c\n0x10: d\n");
        let keys: Vec<_> = map(&root).iter().map(|(k, _)| k.value.clone()).collect();
        assert_eq!(
            keys,
            vec![
                str_node("1"),
                str_node("true"),
                str_node("null"),
                str_node("0x10")
            ]
        );
    }

    #[test]
    fn duplicate_keys_are_rejected_at_the_second_key() {
        let e = err("rules: []\nversion: \"1\"\nrules: []\n");
        assert_eq!(e.code, ErrorCode::PolicyDuplicateKey);
        assert_eq!(at(&e), (3, 1));
        assert!(e.message.contains("'rules'"));
        assert!(e.help.as_deref().unwrap().contains("line 1"), "{e}");
        // Quoted and plain spellings of a key are the same key.
        let e = err("a:\n  x: 1\n  \"x\": 2\n");
        assert_eq!(e.code, ErrorCode::PolicyDuplicateKey);
        assert_eq!(at(&e), (3, 3));
        let e = err("{\"a\": 1, \"a\": 2}");
        assert_eq!(e.code, ErrorCode::PolicyDuplicateKey);
        assert_eq!(at(&e), (1, 10));
    }

    #[test]
    fn non_scalar_keys_are_bad_types() {
        let e = err("? [a, b]\n: c\n");
        assert_eq!(e.code, ErrorCode::PolicyBadType);
        assert_eq!(at(&e), (1, 3));
        let e = err("{? {a: 1} : 2}");
        assert_eq!(e.code, ErrorCode::PolicyBadType);
    }

    #[test]
    fn anchors_and_aliases_expand() {
        let root = ok("base: &b [x, y]\nother: *b\nk: &name z\nv: *name\n");
        assert_eq!(get(&root, "other").value, get(&root, "base").value);
        assert_eq!(get(&root, "other").span, Span { line: 2, column: 8 });
        assert_eq!(get(&root, "v").value, str_node("z"));
    }

    #[test]
    fn merge_keys_fill_in_missing_keys_only() {
        let root = ok("d: &d {outcome: deny, reason: r}\nrule:\n  <<: *d\n  reason: mine\n");
        let rule = get(&root, "rule");
        assert_eq!(get(rule, "outcome").value, str_node("deny"));
        assert_eq!(get(rule, "reason").value, str_node("mine"));
        assert_eq!(map(rule).len(), 2);
        let e = err("a: &a x\nb:\n  <<: *a\n");
        assert_eq!(e.code, ErrorCode::PolicyBadType);
        assert_eq!(at(&e), (3, 7));
        // A quoted "<<" is an ordinary key.
        let root = ok("\"<<\": 1\n");
        assert_eq!(map(&root)[0].0.value, str_node("<<"));
    }

    #[test]
    fn billion_laughs_is_an_error_not_an_exhausted_memory() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = err(&text);
        assert_eq!(e.code, ErrorCode::PolicySyntax);
        assert!(e.message.contains(&format!("more than {MAX_NODES}")), "{e}");
        assert!(e.location.is_some());
    }

    #[test]
    fn anchors_nested_in_anchors_count_their_copies() {
        let items = vec!["x"; 110_000].join(", ");
        let open = "[".repeat(20);
        let close = "]".repeat(20);
        ok(&format!("{open}{items}{close}"));
        let anchored_open = (0..20).map(|i| format!("&a{i} [")).collect::<String>();
        let e = err(&format!("{anchored_open}{items}{close}"));
        assert_eq!(e.code, ErrorCode::PolicySyntax);
        assert!(e.message.contains(&format!("more than {MAX_NODES}")), "{e}");
    }

    #[test]
    fn nesting_is_limited_also_through_aliases() {
        let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
        let e = err(&deep);
        assert_eq!(e.code, ErrorCode::PolicySyntax);
        assert!(e.message.contains("deeper than 64"), "{e}");
        assert_eq!(at(&e), (1, 65));
        let fits = format!("{}{}", "[".repeat(64), "]".repeat(64));
        ok(&fits);
        let half = format!("{}{}", "[".repeat(40), "]".repeat(40));
        let e = err(&format!(
            "a: &a {half}\nb: [[[[[[[[[[[[[[[[[[[[[[[[[*a]]]]]]]]]]]]]]]]]]]]]]]]]\n"
        ));
        assert_eq!(e.code, ErrorCode::PolicySyntax);
        assert!(e.message.contains("deeper than 64"), "{e}");
    }

    #[test]
    fn empty_and_multi_document_sources_are_errors() {
        for text in ["", "\n\n", "# only a comment\n", "---\n", "~\n"] {
            let e = err(text);
            assert_eq!(e.code, ErrorCode::PolicySyntax, "{text:?}");
            assert_eq!(e.message, "the policy is empty");
        }
        let e = err("a: 1\n---\nb: 2\n");
        assert_eq!(e.code, ErrorCode::PolicySyntax);
        assert_eq!(at(&e), (2, 1));
        assert!(e.message.contains("more than one"));
    }

    #[test]
    fn scanner_errors_keep_position_and_lowercase_message() {
        let e = err("a: b\n  c: d\n");
        assert_eq!(e.code, ErrorCode::PolicySyntax);
        assert_eq!(at(&e), (2, 4));
        assert_eq!(e.message, "mapping values are not allowed in this context");
        assert!(e.help.is_some());
        let e = err("deny: [x\n");
        assert_eq!(e.code, ErrorCode::PolicySyntax);
        assert_eq!(e.location.as_ref().unwrap().file, "p.yml");
        assert_eq!(e.message, e.message.to_lowercase());
    }

    #[test]
    fn integers_beyond_i64_are_bad_values() {
        let e = err("a: 99999999999999999999\n");
        assert_eq!(e.code, ErrorCode::PolicyBadValue);
        assert_eq!(at(&e), (1, 4));
        let root = ok("a: -9223372036854775808\nb: 0x7FFFFFFFFFFFFFFF\n");
        assert_eq!(get(&root, "a").value, NodeValue::Int(i64::MIN));
        assert_eq!(get(&root, "b").value, NodeValue::Int(i64::MAX));
    }

    #[test]
    fn ordinary_json_parses() {
        let text = r#"{
  "version": "1",
  "rules": [
    {"id": "r1", "match": {"kind": ["file.read"], "path": "a \"quoted\" \\ path \u00e9"},
     "outcome": "deny", "risk": 90, "ratio": -2.5e-1, "on": true, "none": null,
     "empty": {}, "list": []}
  ]
}"#;
        let root = ok(text);
        let rules = get(&root, "rules");
        let NodeValue::Seq(items) = &rules.value else {
            panic!()
        };
        let rule = &items[0];
        assert_eq!(rule.span, Span { line: 4, column: 5 });
        assert_eq!(
            get(get(rule, "match"), "path").value,
            str_node("a \"quoted\" \\ path é")
        );
        assert_eq!(get(rule, "risk").value, NodeValue::Int(90));
        assert_eq!(get(rule, "ratio").value, NodeValue::Float(-0.25));
        assert_eq!(get(rule, "on").value, NodeValue::Bool(true));
        assert_eq!(get(rule, "none").value, NodeValue::Null);
        assert_eq!(get(rule, "empty").value, NodeValue::Map(Vec::new()));
        assert_eq!(get(rule, "list").value, NodeValue::Seq(Vec::new()));
        assert_eq!(get(&root, "version").value, str_node("1"));
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(root.to_json(), json);
    }
}

//! Action → effects: the tool adapters and the action's own fields.
//!
//! Order: the `tool.call` effect of a named tool first, then the effects of its adapter (a
//! policy's adapter for the tool wins over the built-in one), then the effects of the action's
//! own fields (`path`/`paths`, `command`, `url`/`host`, and the kinds that are effects by
//! themselves). Duplicates are removed, keeping the first.

use std::collections::HashSet;

use super::adapters::{self, CustomAdapter};
use super::command::command_effects;
use super::network;
use super::path::PathBase;
use super::{Effect, EffectKind};
use crate::action::Action;
use crate::error::{Error, ErrorCode};

fn missing(message: impl Into<String>, help: impl Into<String>) -> Error {
    Error::new(ErrorCode::ActionMissingField, message).with_help(help)
}

/// Derives the effects of an action.
pub fn derive_effects(action: &Action, custom: &[CustomAdapter]) -> Result<Vec<Effect>, Error> {
    let base = PathBase::new(
        action.context.cwd.as_deref(),
        action.context.workspace.as_deref(),
    );
    let mut effects = Vec::new();
    // The kind the tool performs, for an action's `path` given without `kind`.
    let mut tool_kind: Option<EffectKind> = None;

    if let Some(tool) = &action.tool {
        let mut call = Effect::new(EffectKind::ToolCall, "$.tool");
        call.tool = Some(tool.as_str().into());
        let args = action.args;
        let mine: Vec<&CustomAdapter> = custom.iter().filter(|c| c.matches_tool(tool)).collect();
        if mine.is_empty() {
            // The call goes first, the adapter's effects after it.
            effects.push(call);
            adapters::builtin_effects(tool, args, &base, &mut effects)?;
            tool_kind = adapters::builtin_kind(tool);
        } else {
            effects.push(call);
            for adapter in &mine {
                effects.extend(adapter.effects(tool, args, &base)?);
            }
            tool_kind = mine.first().map(|a| a.decl().kind.value);
        }
    }

    let explicit = action.kind;
    if explicit == Some(EffectKind::ToolCall) && action.tool.is_none() {
        return Err(missing(
            "the action has kind tool.call but no 'tool'",
            "add 'tool' with the tool's name",
        ));
    }

    // Paths.
    let has_paths = action.path.is_some() || !action.paths.is_empty();
    if has_paths {
        let kind = explicit
            .filter(|k| k.is_file())
            .or_else(|| tool_kind.filter(|k| k.is_file()))
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::ActionBadValue,
                    "the action has 'path' or 'paths' but no file kind",
                )
                .with_help("set 'kind' to file.read, file.write or file.delete")
            })?;
        let lines = match (&action.payload, kind) {
            (Some(serde_json::Value::String(s)), EffectKind::FileWrite) => {
                Some(adapters::count_lines(s))
            }
            _ => None,
        };
        let listed = action
            .path
            .iter()
            .map(|p| (p.as_str(), "$.path".to_owned()))
            .chain(
                action
                    .paths
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.as_str(), format!("$.paths[{i}]"))),
            );
        for (raw, via) in listed {
            let p = base.normalize(raw);
            let mut e = Effect::new(kind, via);
            e.path = Some(p.path);
            e.outside_workspace = p.outside_workspace;
            e.lines_changed = lines;
            effects.push(e);
        }
    }

    // Command.
    if let Some(line) = &action.command {
        effects.extend(command_effects(line, base.cwd, base.workspace));
    }

    // Network.
    let has_body = action.payload.as_ref().is_some_and(|p| !p.is_null());
    if action.url.is_some() || action.host.is_some() {
        let method = match &action.method {
            Some(m) => network::normalize_method(m).map_err(|why| {
                Error::new(
                    ErrorCode::ActionBadValue,
                    format!("field 'method' cannot be used: {why}"),
                )
                .with_help("use an http method such as GET or POST")
            })?,
            None if has_body => "POST".to_owned(),
            None => "GET".to_owned(),
        };
        let e = if let Some(url) = &action.url {
            network::url_effect(url, &method, has_body, "$.url", &base).map_err(|why| {
                Error::new(
                    ErrorCode::ActionBadValue,
                    format!("field 'url' is not a usable url: {why}"),
                )
                .with_help("pass an absolute url such as https://example.com/path")
            })?
        } else if let Some(host) = &action.host {
            network::host_effect(host, &method, has_body, "$.host").map_err(|why| {
                Error::new(
                    ErrorCode::ActionBadValue,
                    format!("field 'host' cannot be used: {why}"),
                )
                .with_help("pass a host name, host:port, or an IP address")
            })?
        } else {
            return Err(Error::new(ErrorCode::Internal, "a url or host vanished"));
        };
        effects.push(e);
    }

    // Kinds that are effects by themselves.
    if let Some(
        k @ (EffectKind::CredentialRequest | EffectKind::PipelineRun | EffectKind::MessageSend),
    ) = explicit
        && !effects.iter().any(|e| e.kind == k)
    {
        effects.push(Effect::new(k, "$.kind"));
    }

    // What the kind needs must be somewhere.
    let wanted = explicit.or(tool_kind);
    match wanted {
        Some(k) if k.is_file() && !effects.iter().any(|e| e.kind.is_file()) => {
            return Err(missing(
                format!("the action is a {k} but names no path"),
                "add 'path' (or 'paths'), or pass the tool's path argument in 'args'",
            ));
        }
        Some(EffectKind::CommandExec)
            if !effects.iter().any(|e| e.kind == EffectKind::CommandExec) =>
        {
            return Err(missing(
                "the action is a command.exec but has no command",
                "add 'command' with the command line, or pass it in 'args'",
            ));
        }
        Some(EffectKind::NetworkRequest)
            if !effects.iter().any(|e| e.kind == EffectKind::NetworkRequest) =>
        {
            return Err(missing(
                "the action is a network.request but names no url or host",
                "add 'url' or 'host', or pass the url in 'args'",
            ));
        }
        _ => {}
    }
    if explicit.is_none() && action.tool.is_none() && effects.is_empty() {
        return Err(missing(
            "the action has neither 'kind' nor 'tool'",
            "add 'kind' (e.g. command.exec) or 'tool' (the tool's name)",
        ));
    }

    Ok(dedup(effects))
}

/// Removes effects equal to an earlier one except for `via`, keeping the first.
fn dedup(mut effects: Vec<Effect>) -> Vec<Effect> {
    // Actions have a handful of effects: a quadratic scan in place beats hashing them. Long
    // command lines can have more; past a threshold fall back to a hash set.
    const LINEAR: usize = 32;
    if effects.len() <= LINEAR {
        let mut kept = 0;
        for i in 0..effects.len() {
            let (head, tail) = effects.split_at(i);
            let duplicate = tail.first().is_some_and(|e| {
                head.get(..kept)
                    .is_some_and(|k| k.iter().any(|k| k.same_except_via(e)))
            });
            if !duplicate {
                if kept != i {
                    // INVARIANT: kept < i < len: both indices are in bounds.
                    effects.swap(kept, i);
                }
                kept += 1;
            }
        }
        effects.truncate(kept);
        return effects;
    }
    let mut seen = HashSet::new();
    effects.retain(|e| seen.insert(e.key_except_via()));
    effects
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use serde_json::json;

    use super::*;
    use crate::policy::model::AdapterDecl;
    use crate::policy::node::{Span, Spanned};

    /// Test actions live as long as the test process (an action borrows its JSON).
    fn action(v: serde_json::Value) -> Action<'static> {
        Action::from_value(Box::leak(Box::new(v))).unwrap()
    }

    fn fx(v: serde_json::Value) -> Vec<Effect> {
        derive_effects(&action(v), &[]).unwrap()
    }

    fn summary(effects: &[Effect]) -> Vec<(EffectKind, String)> {
        effects
            .iter()
            .map(|e| {
                let what = e
                    .path
                    .clone()
                    .or_else(|| e.command.clone())
                    .or_else(|| e.host.clone())
                    .or_else(|| e.tool.as_ref().map(|t| t.to_string()))
                    .unwrap_or_default();
                (e.kind, what)
            })
            .collect()
    }

    #[test]
    fn tool_call_comes_first_then_adapter_effects() {
        let v = fx(json!({"tool": "Read", "args": {"file_path": ".env"}}));
        assert_eq!(
            summary(&v),
            vec![
                (EffectKind::ToolCall, "Read".into()),
                (EffectKind::FileRead, ".env".into())
            ]
        );
        assert_eq!(v[0].via, "$.tool");
        assert_eq!(v[1].via, "$.args.file_path");
    }

    #[test]
    fn unknown_tools_are_tool_calls_only() {
        let v = fx(json!({"tool": "frobnicate", "args": {"path": ".env"}}));
        assert_eq!(
            summary(&v),
            vec![(EffectKind::ToolCall, "frobnicate".into())]
        );
    }

    #[test]
    fn own_fields() {
        let v =
            fx(json!({"kind": "file.read", "path": "src/../.env", "context": {"workspace": "/w"}}));
        assert_eq!(summary(&v), vec![(EffectKind::FileRead, ".env".into())]);
        assert_eq!(v[0].via, "$.path");

        let v = fx(
            json!({"kind": "file.delete", "paths": ["a", "/etc/x"], "context": {"workspace": "/w"}}),
        );
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].via, "$.paths[1]");
        assert!(v[1].outside_workspace);

        let v = fx(json!({"kind": "command.exec", "command": "cat .env"}));
        assert_eq!(
            summary(&v),
            vec![
                (EffectKind::CommandExec, "cat .env".into()),
                (EffectKind::FileRead, ".env".into())
            ]
        );

        let v = fx(
            json!({"kind": "network.request", "url": "https://x.io/a", "method": "put", "payload": {"k": 1}}),
        );
        assert_eq!(v[0].method.as_deref(), Some("PUT"));
        assert!(v[0].upload);
        let v = fx(json!({"kind": "network.request", "host": "169.254.169.254:80"}));
        assert!(v[0].metadata_endpoint);
        assert_eq!(v[0].method.as_deref(), Some("GET"));

        for k in ["credential.request", "pipeline.run", "message.send"] {
            let v = fx(json!({"kind": k}));
            assert_eq!(v.len(), 1);
            assert_eq!(v[0].kind.as_str(), k);
            assert_eq!(v[0].via, "$.kind");
        }
    }

    #[test]
    fn cwd_and_workspace_apply_to_every_path() {
        let v = fx(
            json!({"tool": "Bash", "args": {"command": "cat ../.env"}, "context": {"cwd": "src", "workspace": "/w"}}),
        );
        assert!(
            v.iter()
                .any(|e| e.kind == EffectKind::FileRead && e.path.as_deref() == Some(".env"))
        );
        let v = fx(
            json!({"kind": "file.read", "path": "../x", "context": {"cwd": "/w", "workspace": "/w"}}),
        );
        assert_eq!(v[0].path.as_deref(), Some("/x"));
        assert!(v[0].outside_workspace);
    }

    #[test]
    fn path_with_tool_kind() {
        let v = fx(json!({"tool": "read-file", "path": ".env"}));
        assert_eq!(
            summary(&v),
            vec![
                (EffectKind::ToolCall, "read-file".into()),
                (EffectKind::FileRead, ".env".into())
            ]
        );
        let e = derive_effects(&action(json!({"tool": "frobnicate", "path": ".env"})), &[])
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::ActionBadValue);
    }

    #[test]
    fn file_kind_without_a_path_is_missing() {
        for v in [
            json!({"kind": "file.read"}),
            json!({"kind": "file.write", "tool": "frobnicate"}),
            json!({"tool": "read-file", "args": {}}),
        ] {
            let e = derive_effects(&action(v.clone()), &[]).unwrap_err();
            assert_eq!(e.code, ErrorCode::ActionMissingField, "{v}");
        }
        let e = derive_effects(&action(json!({"kind": "command.exec"})), &[]).unwrap_err();
        assert_eq!(e.code, ErrorCode::ActionMissingField);
        let e = derive_effects(&action(json!({"kind": "network.request"})), &[]).unwrap_err();
        assert_eq!(e.code, ErrorCode::ActionMissingField);
    }

    #[test]
    fn bad_url_is_a_bad_value_without_the_url() {
        let e = derive_effects(
            &action(json!({"kind": "network.request", "url": "http://[x/sk-SECRET"})),
            &[],
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::ActionBadValue);
        assert!(!e.message.contains("SECRET"));
    }

    #[test]
    fn duplicates_are_removed_keeping_the_first() {
        let v = fx(
            json!({"tool": "Read", "args": {"file_path": ".env"}, "kind": "file.read", "path": ".env"}),
        );
        assert_eq!(v.len(), 2);
        assert_eq!(v[1].via, "$.args.file_path");
        let v = fx(json!({"kind": "command.exec", "command": "cat a a"}));
        assert_eq!(
            summary(&v),
            vec![
                (EffectKind::CommandExec, "cat a a".into()),
                (EffectKind::FileRead, "a".into())
            ]
        );
    }

    #[test]
    fn policy_adapter_takes_precedence() {
        let decl = AdapterDecl {
            span: Span::default(),
            tool: Spanned::new("Read".to_owned(), Span::default()),
            kind: Spanned::new(EffectKind::FileDelete, Span::default()),
            path: Some(Spanned::new("target".to_owned(), Span::default())),
            paths: None,
            command: None,
            url: None,
            host: None,
            method: None,
            content: None,
        };
        let a = CustomAdapter::compile(&decl, "p.yml").unwrap();
        let act = action(json!({"tool": "Read", "args": {"target": "x", "file_path": "y"}}));
        let v = derive_effects(&act, &[a]).unwrap();
        assert_eq!(
            summary(&v),
            vec![
                (EffectKind::ToolCall, "Read".into()),
                (EffectKind::FileDelete, "x".into())
            ]
        );
    }
}

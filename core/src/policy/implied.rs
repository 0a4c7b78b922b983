//! The rules that policy sections imply: `permissions.*`, `agents.*.tools`, the autonomy
//! tiers, `constraints.require_human_approval`, and the override conflict check. Each becomes
//! an ordinary compiled rule, so deny-wins holds across sections by construction.

use super::compile::{
    CompiledRule, Sink, at, command_patterns, concat_hosts, host_patterns, implied, role_for,
};
use super::cond::{Cond, FILE_KINDS, HostList, KindSet, ListCond};
use super::model::{ApprovalRequirement, ListPermission, PolicyDoc};
use super::node::{Span, Spanned};
use super::pattern::{NameSet, PathSet};
use crate::effects::EffectKind;
use crate::error::{Error, ErrorCode};
use crate::outcome::Outcome;
use crate::tier::Tier;

/// The merged list sections of all documents, each entry kept with its origin.
#[derive(Default)]
pub(super) struct Merged {
    fs_allow: Vec<(String, Spanned<String>)>,
    fs_deny: Vec<(String, Spanned<String>)>,
    fs_exceptions: Vec<Spanned<String>>,
    /// The root's origin, when the root has a filesystem deny list.
    fs_root_deny_origin: Option<String>,
    fs_unlisted: Option<Outcome>,
    cmd_allow: Vec<(String, Spanned<String>)>,
    cmd_deny: Vec<(String, Spanned<String>)>,
    cmd_unlisted: Option<Outcome>,
    cmd_opaque: Option<Outcome>,
    net_outbound: Option<bool>,
    net_exceptions: Vec<(String, Spanned<String>)>,
    net_deny: Vec<(String, Spanned<String>)>,
    tool_allow: Vec<(String, Spanned<String>)>,
    tool_deny: Vec<(String, Spanned<String>)>,
    tool_unlisted: Option<Outcome>,
}

/// The stricter of two optional outcomes: merging never loosens.
fn stricter(a: Option<Outcome>, b: Option<Outcome>) -> Option<Outcome> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn tagged(origin: &str, list: &[Spanned<String>]) -> Vec<(String, Spanned<String>)> {
    list.iter()
        .map(|s| (origin.to_owned(), s.clone()))
        .collect()
}

impl Merged {
    pub(super) fn add(&mut self, doc: &PolicyDoc, is_root: bool) {
        let o = doc.origin.as_str();
        if let Some(fs) = &doc.permissions.filesystem {
            self.fs_allow.extend(tagged(o, &fs.allow));
            self.fs_deny.extend(tagged(o, &fs.deny));
            if is_root {
                self.fs_exceptions.extend(fs.exceptions.iter().cloned());
                if !fs.deny.is_empty() {
                    self.fs_root_deny_origin = Some(o.to_owned());
                }
            }
            self.fs_unlisted = stricter(self.fs_unlisted, fs.unlisted.as_ref().map(|s| s.value));
        }
        if let Some(c) = &doc.permissions.commands {
            self.cmd_allow.extend(tagged(o, &c.allow));
            self.cmd_deny.extend(tagged(o, &c.deny));
            self.cmd_unlisted = stricter(self.cmd_unlisted, c.unlisted.as_ref().map(|s| s.value));
            self.cmd_opaque = stricter(self.cmd_opaque, c.opaque.as_ref().map(|s| s.value));
        }
        if let Some(n) = &doc.permissions.network {
            // Outbound stays closed once any document closes it.
            if let Some(v) = &n.allow_outbound {
                self.net_outbound = Some(self.net_outbound.unwrap_or(true) && v.value);
            }
            self.net_exceptions.extend(tagged(o, &n.exceptions));
            self.net_deny.extend(tagged(o, &n.deny));
        }
        if let Some(t) = &doc.permissions.tools {
            self.tool_allow.extend(tagged(o, &t.allow));
            self.tool_deny.extend(tagged(o, &t.deny));
            self.tool_unlisted = stricter(self.tool_unlisted, t.unlisted.as_ref().map(|s| s.value));
        }
    }
}

/// Compiles one list of (origin, pattern) entries with a per-entry compiler, reporting every
/// error. Patterns of several files are compiled per file so errors keep their origin.
fn per_origin<T>(
    sink: &mut Sink,
    entries: &[(String, Spanned<String>)],
    compile: impl Fn(&str, &[Spanned<String>]) -> Result<T, Error>,
) -> Vec<T> {
    // Origins in sorted order, each with its entries in their order.
    let mut origins: Vec<&str> = entries.iter().map(|(o, _)| o.as_str()).collect();
    origins.sort_unstable();
    origins.dedup();
    origins
        .into_iter()
        .filter_map(|o| {
            let list: Vec<Spanned<String>> = entries
                .iter()
                .filter(|(e, _)| e == o)
                .map(|(_, s)| s.clone())
                .collect();
            sink.take(compile(o, &list))
        })
        .collect()
}

/// Gives each origin its own group, in first-seen order: `!` entries of one file only
/// exclude within that file's list.
fn grouped(entries: &[(String, Spanned<String>)]) -> Vec<(u32, &str, &Spanned<String>)> {
    let mut origins: Vec<&str> = Vec::new();
    entries
        .iter()
        .map(|(o, s)| {
            let group = match origins.iter().position(|x| *x == o.as_str()) {
                Some(i) => i,
                None => {
                    origins.push(o.as_str());
                    origins.len() - 1
                }
            };
            (u32::try_from(group).unwrap_or(u32::MAX), o.as_str(), s)
        })
        .collect()
}

/// A permission list whose file gives only `!` entries would match everything else: refused,
/// since it almost never means what it says and adding an entry to it would narrow it.
fn refuse_exclusion_only(sink: &mut Sink, section: &str, entries: &[(String, Spanned<String>)]) {
    let groups = grouped(entries);
    let mut seen: Vec<u32> = Vec::new();
    for (group, origin, first) in &groups {
        if seen.contains(group) {
            continue;
        }
        seen.push(*group);
        let only_exclusions = groups
            .iter()
            .filter(|(g, _, _)| g == group)
            .all(|(_, _, e)| e.value.starts_with('!'));
        if only_exclusions {
            sink.errors.push(at(
                origin,
                first.span,
                Error::new(
                    ErrorCode::PolicyBadValue,
                    format!("'{section}' has only '!' entries in this file"),
                )
                .with_help("a '!' entry excludes from the entries beside it; list what the section covers, then the exceptions"),
            ));
        }
    }
}

fn path_set(sink: &mut Sink, entries: &[(String, Spanned<String>)]) -> Option<PathSet> {
    sink.take(PathSet::compile_grouped(&grouped(entries)))
}

fn name_set(sink: &mut Sink, entries: &[(String, Spanned<String>)]) -> Option<NameSet> {
    sink.take(NameSet::compile_grouped(&grouped(entries)))
}

/// Adds the rules of the merged `permissions`; returns the network exceptions (the known hosts).
pub(super) fn permission_rules(
    sink: &mut Sink,
    m: &Merged,
    rules: &mut Vec<CompiledRule>,
) -> HostList {
    let file_kinds = KindSet::of(&FILE_KINDS);
    // Filesystem.
    refuse_exclusion_only(sink, "permissions.filesystem.deny", &m.fs_deny);
    refuse_exclusion_only(sink, "permissions.filesystem.allow", &m.fs_allow);
    refuse_exclusion_only(sink, "permissions.tools.deny", &m.tool_deny);
    refuse_exclusion_only(sink, "permissions.tools.allow", &m.tool_allow);
    refuse_exclusion_only(sink, "permissions.network.deny", &m.net_deny);
    refuse_exclusion_only(sink, "permissions.network.exceptions", &m.net_exceptions);
    if !m.fs_deny.is_empty() {
        let mut entries = m.fs_deny.clone();
        // Root exceptions exempt paths from the root's own deny list only, and only when the
        // root has one (an exceptions-only group would otherwise match everything).
        if let Some(root) = &m.fs_root_deny_origin {
            entries.extend(
                m.fs_exceptions
                    .iter()
                    .map(|e| (root.clone(), Spanned::new(format!("!{}", e.value), e.span))),
            );
        }
        if let Some(set) = path_set(sink, &entries) {
            rules.push(implied(
                "permissions.filesystem.deny",
                Outcome::Deny,
                "the path is in the filesystem deny list",
                Cond {
                    kinds: file_kinds,
                    path: Some(ListCond::In(set)),
                    ..Cond::default()
                },
            ));
        }
    }
    if !m.fs_allow.is_empty()
        && let Some(set) = path_set(sink, &m.fs_allow)
    {
        rules.push(implied(
            "permissions.filesystem.allow",
            Outcome::Allow,
            "the path is in the filesystem allow list",
            Cond {
                kinds: file_kinds,
                path: Some(ListCond::In(set.clone())),
                ..Cond::default()
            },
        ));
        rules.push(implied(
            "permissions.filesystem.unlisted",
            m.fs_unlisted.unwrap_or(Outcome::Deny),
            "the path is not in the filesystem allow list",
            Cond {
                kinds: file_kinds,
                path: Some(ListCond::NotIn(set)),
                ..Cond::default()
            },
        ));
    }
    // Commands.
    let cmd = KindSet::of(&[EffectKind::CommandExec]);
    if !m.cmd_deny.is_empty() {
        let lists = per_origin(sink, &m.cmd_deny, command_patterns);
        rules.push(implied(
            "permissions.commands.deny",
            Outcome::Deny,
            "the command is in the command deny list",
            Cond {
                kinds: cmd,
                command: Some((ListCond::In(lists.concat().into()), false)),
                ..Cond::default()
            },
        ));
    }
    if !m.cmd_allow.is_empty() {
        let list = per_origin(sink, &m.cmd_allow, command_patterns).concat();
        rules.push(implied(
            "permissions.commands.allow",
            Outcome::Allow,
            "the command is in the command allow list",
            Cond {
                kinds: cmd,
                command: Some((ListCond::In(list.clone().into()), true)),
                opaque: Some(false),
                ..Cond::default()
            },
        ));
        let unlisted = m.cmd_unlisted.unwrap_or(Outcome::Deny);
        rules.push(implied(
            "permissions.commands.unlisted",
            unlisted,
            "the command is not in the command allow list",
            Cond {
                kinds: cmd,
                command: Some((ListCond::NotIn(list.into()), true)),
                ..Cond::default()
            },
        ));
        // An allow pattern never vouches for what cannot be known statically.
        rules.push(implied(
            "permissions.commands.unlisted-opaque",
            unlisted,
            "the command allow list cannot vouch for a command whose program is not known statically",
            Cond {
                kinds: cmd,
                opaque: Some(true),
                ..Cond::default()
            },
        ));
    }
    if let Some(outcome) = m.cmd_opaque {
        rules.push(implied(
            "permissions.commands.opaque",
            outcome,
            "what the command runs cannot be known before it runs",
            Cond {
                kinds: cmd,
                opaque: Some(true),
                ..Cond::default()
            },
        ));
    }
    // Network.
    let net = KindSet::of(&[EffectKind::NetworkRequest]);
    if !m.net_deny.is_empty() {
        let list = concat_hosts(per_origin(sink, &m.net_deny, host_patterns));
        rules.push(implied(
            "permissions.network.deny",
            Outcome::Deny,
            "the host is in the network deny list",
            Cond {
                kinds: net,
                host: Some(ListCond::In(list)),
                ..Cond::default()
            },
        ));
    }
    let exceptions = concat_hosts(per_origin(sink, &m.net_exceptions, host_patterns));
    if !exceptions.is_empty() {
        rules.push(implied(
            "permissions.network.exceptions",
            Outcome::Allow,
            "the host is a network exception",
            Cond {
                kinds: net,
                host: Some(ListCond::In(exceptions.clone())),
                ..Cond::default()
            },
        ));
    }
    let known = exceptions.clone();
    match m.net_outbound {
        Some(false) => rules.push(implied(
            "permissions.network.outbound",
            Outcome::Deny,
            "outbound network access is off and the host is not an exception",
            Cond {
                kinds: net,
                host: Some(ListCond::NotIn(exceptions.clone())),
                ..Cond::default()
            },
        )),
        Some(true) => rules.push(implied(
            "permissions.network.outbound",
            Outcome::Allow,
            "outbound network access is on",
            Cond {
                kinds: net,
                ..Cond::default()
            },
        )),
        None => {}
    }
    // Tools.
    tool_rules(
        sink,
        "permissions.tools",
        &m.tool_allow,
        &m.tool_deny,
        m.tool_unlisted,
        None,
        rules,
    );
    known
}

fn tool_rules(
    sink: &mut Sink,
    prefix: &str,
    allow: &[(String, Spanned<String>)],
    deny: &[(String, Spanned<String>)],
    unlisted: Option<Outcome>,
    agent_type: Option<&str>,
    rules: &mut Vec<CompiledRule>,
) {
    let tool = KindSet::of(&[EffectKind::ToolCall]);
    let agent: Vec<String> = agent_type.map(str::to_owned).into_iter().collect();
    let who = agent_type.map_or_else(String::new, |t| format!(" of agent type {t}"));
    if !deny.is_empty()
        && let Some(set) = name_set(sink, deny)
    {
        rules.push(implied(
            format!("{prefix}.deny"),
            Outcome::Deny,
            format!("the tool is in the tool deny list{who}"),
            Cond {
                kinds: tool,
                tool: Some(ListCond::In(set)),
                agent_type: agent.clone(),
                ..Cond::default()
            },
        ));
    }
    if !allow.is_empty()
        && let Some(set) = name_set(sink, allow)
    {
        rules.push(implied(
            format!("{prefix}.allow"),
            Outcome::Allow,
            format!("the tool is in the tool allow list{who}"),
            Cond {
                kinds: tool,
                tool: Some(ListCond::In(set.clone())),
                agent_type: agent.clone(),
                ..Cond::default()
            },
        ));
        rules.push(implied(
            format!("{prefix}.unlisted"),
            unlisted.unwrap_or(Outcome::Deny),
            format!("the tool is not in the tool allow list{who}"),
            Cond {
                kinds: tool,
                tool: Some(ListCond::NotIn(set)),
                agent_type: agent,
                ..Cond::default()
            },
        ));
    }
}

/// An agent type's tool lists merged over every document that names the type.
#[derive(Default)]
struct AgentTools {
    allow: Vec<(String, Spanned<String>)>,
    deny: Vec<(String, Spanned<String>)>,
    unlisted: Option<Outcome>,
}

pub(super) fn agent_rules(sink: &mut Sink, docs: &[&PolicyDoc], rules: &mut Vec<CompiledRule>) {
    // Sorted by type name, so the rules come out in name order.
    let mut by_type: Vec<(&str, AgentTools)> = Vec::new();
    for doc in docs {
        for agent in &doc.agents {
            if let Some(tools) = &agent.tools {
                let ListPermission {
                    allow,
                    deny,
                    unlisted,
                    ..
                } = tools;
                let name = agent.name.value.as_str();
                let slot = match by_type.binary_search_by(|(n, _)| (*n).cmp(name)) {
                    Ok(slot) => slot,
                    Err(slot) => {
                        by_type.insert(slot, (name, AgentTools::default()));
                        slot
                    }
                };
                let Some((_, e)) = by_type.get_mut(slot) else {
                    continue;
                };
                e.allow.extend(tagged(&doc.origin, allow));
                e.deny.extend(tagged(&doc.origin, deny));
                e.unlisted = stricter(e.unlisted, unlisted.as_ref().map(|s| s.value));
            }
        }
    }
    for (name, t) in by_type {
        tool_rules(
            sink,
            &format!("agents.{name}.tools"),
            &t.allow,
            &t.deny,
            t.unlisted,
            Some(name),
            rules,
        );
    }
}

/// Commands a read-only tier may run: they read and report. What they write (redirections,
/// `--output`) or run (`find -exec`) becomes effects of its own, which the tiers cap.
const READ_ONLY_COMMANDS: &[&str] = &[
    "git status",
    "git diff",
    "git log",
    "git show",
    "git blame",
    "git ls-files",
    "git rev-parse",
    "git grep",
    "ls",
    "cat",
    "head",
    "tail",
    "less",
    "grep",
    "rg",
    "wc",
    "pwd",
    "tree",
    "stat",
    "file",
    "diff",
    "find",
    "jq",
    "echo",
    "terraform plan",
    "terraform show",
    "terraform validate",
    "kubectl get",
    "kubectl describe",
    "kubectl logs",
];

/// The capability caps of the autonomy tiers. A tier caps what allow lists can grant, so
/// these are deny (or approval) rules: deny wins over any allow.
pub(super) fn tier_rules(sink: &mut Sink, rules: &mut Vec<CompiledRule>) {
    use EffectKind as K;
    let read_only = [Tier::Observe, Tier::Recommend];
    let mut push = |id: &str, outcome: Outcome, reason: &str, cond: Cond| {
        rules.push(implied(format!("tiers.{id}"), outcome, reason, cond));
    };
    push(
        "read-only.changes",
        Outcome::Deny,
        "the agent's tier is read-only: no file changes, credentials or pipelines",
        Cond {
            kinds: KindSet::of(&[
                K::FileWrite,
                K::FileDelete,
                K::CredentialRequest,
                K::PipelineRun,
            ]),
            tier: read_only.to_vec(),
            ..Cond::default()
        },
    );
    // Read-only tiers may run the commands that only read (their writes, redirections and
    // the commands they wrap are effects of their own, capped by the rule above).
    let readers: Vec<Spanned<String>> = READ_ONLY_COMMANDS
        .iter()
        .map(|s| Spanned::new((*s).to_owned(), Span::default()))
        .collect();
    if let Some(list) = sink.take(command_patterns("<tiers>", &readers)) {
        push(
            "read-only.commands",
            Outcome::Deny,
            "the agent's tier is read-only: only commands that read",
            Cond {
                kinds: KindSet::of(&[K::CommandExec]),
                command: Some((ListCond::NotIn(list.into()), true)),
                tier: read_only.to_vec(),
                ..Cond::default()
            },
        );
    }
    push(
        "read-only.opaque",
        Outcome::Deny,
        "the agent's tier is read-only: a command whose program is not known statically may write",
        Cond {
            kinds: KindSet::of(&[K::CommandExec]),
            opaque: Some(true),
            tier: read_only.to_vec(),
            ..Cond::default()
        },
    );
    push(
        "read-only.network-writes",
        Outcome::Deny,
        "the agent's tier is read-only: only GET and HEAD requests",
        Cond {
            kinds: KindSet::of(&[K::NetworkRequest]),
            method: ["POST", "PUT", "PATCH", "DELETE"]
                .map(str::to_owned)
                .to_vec(),
            tier: read_only.to_vec(),
            ..Cond::default()
        },
    );
    push(
        "observe.messages",
        Outcome::Deny,
        "the observe tier does not send messages",
        Cond {
            kinds: KindSet::of(&[K::MessageSend]),
            tier: vec![Tier::Observe],
            ..Cond::default()
        },
    );
    let draft = vec![Tier::Draft];
    push(
        "draft.credentials-and-pipelines",
        Outcome::Deny,
        "the draft tier opens pull requests; it does not request credentials or run pipelines",
        Cond {
            kinds: KindSet::of(&[K::CredentialRequest, K::PipelineRun]),
            tier: draft.clone(),
            ..Cond::default()
        },
    );
    let deploy_tools: Vec<Spanned<String>> = [
        "terraform-apply",
        "terraform-destroy",
        "kubectl-apply",
        "kubectl-delete",
        "helm-install",
        "helm-upgrade",
        "deploy*",
    ]
    .iter()
    .map(|s| Spanned::new((*s).to_owned(), Span::default()))
    .collect();
    if let Some(set) = sink.take(NameSet::compile("<tiers>", &deploy_tools)) {
        push(
            "draft.deploy-tools",
            Outcome::Deny,
            "the draft tier does not deploy",
            Cond {
                kinds: KindSet::of(&[K::ToolCall]),
                tool: Some(ListCond::In(set)),
                tier: draft.clone(),
                ..Cond::default()
            },
        );
    }
    let deploy_cmds: Vec<Spanned<String>> = [
        "terraform apply",
        "terraform destroy",
        "tofu apply",
        "tofu destroy",
        "kubectl apply",
        "kubectl delete",
        "helm install",
        "helm upgrade",
    ]
    .iter()
    .map(|s| Spanned::new((*s).to_owned(), Span::default()))
    .collect();
    if let Some(list) = sink.take(command_patterns("<tiers>", &deploy_cmds)) {
        push(
            "draft.deploy-commands",
            Outcome::Deny,
            "the draft tier does not deploy",
            Cond {
                kinds: KindSet::of(&[K::CommandExec]),
                command: Some((ListCond::In(list.into()), false)),
                tier: draft.clone(),
                ..Cond::default()
            },
        );
    }
    push(
        "draft.production",
        Outcome::Deny,
        "the draft tier does not act in production",
        Cond {
            environment: vec!["production".to_owned()],
            tier: draft,
            ..Cond::default()
        },
    );
    push(
        "sandbox.production",
        Outcome::Deny,
        "the sandbox tier does not act in production",
        Cond {
            environment: vec!["production".to_owned()],
            tier: vec![Tier::Sandbox],
            ..Cond::default()
        },
    );
    push(
        "gated.credentials",
        Outcome::RequireApproval,
        "credential requests need a human approval at this tier",
        Cond {
            kinds: KindSet::of(&[K::CredentialRequest]),
            tier: vec![Tier::Sandbox, Tier::ProdGated],
            ..Cond::default()
        },
    );
    push(
        "prod_gated.production",
        Outcome::RequireApproval,
        "production actions need a human approval",
        Cond {
            kinds: KindSet::of(&[
                K::FileWrite,
                K::FileDelete,
                K::CommandExec,
                K::NetworkRequest,
                K::ToolCall,
                K::PipelineRun,
                K::MessageSend,
            ]),
            environment: vec!["production".to_owned()],
            tier: vec![Tier::ProdGated],
            ..Cond::default()
        },
    );
}

pub(super) fn approval_rules(
    sink: &mut Sink,
    doc: &PolicyDoc,
    is_root: bool,
    reqs: &[ApprovalRequirement],
    rules: &mut Vec<CompiledRule>,
) {
    let o = doc.origin.as_str();
    // Root entries are named by position alone, so the ids (and the policy hash) do not
    // depend on how the root file was named when loaded; override entries name their file.
    let scope = if is_root {
        String::new()
    } else {
        format!("[{o}]")
    };
    for (i, req) in reqs.iter().enumerate() {
        let id = format!("constraints.require_human_approval{scope}[{i}]");
        let (cond, what) = if let Some(p) = &req.file_pattern {
            let Some(set) = sink.take(PathSet::compile(o, std::slice::from_ref(p))) else {
                continue;
            };
            (
                Cond {
                    kinds: KindSet::of(&[EffectKind::FileWrite, EffectKind::FileDelete]),
                    path: Some(ListCond::In(set)),
                    ..Cond::default()
                },
                format!("changes to {} need a human approval", p.value),
            )
        } else if let Some(p) = &req.command_pattern {
            let Some(list) = sink.take(command_patterns(o, std::slice::from_ref(p))) else {
                continue;
            };
            (
                Cond {
                    kinds: KindSet::of(&[EffectKind::CommandExec]),
                    command: Some((ListCond::In(list.into()), false)),
                    ..Cond::default()
                },
                format!("`{}` needs a human approval", p.value),
            )
        } else if let Some(p) = &req.tool {
            let Some(set) = sink.take(NameSet::compile(o, std::slice::from_ref(p))) else {
                continue;
            };
            (
                Cond {
                    kinds: KindSet::of(&[EffectKind::ToolCall]),
                    tool: Some(ListCond::In(set)),
                    ..Cond::default()
                },
                format!("tool {} needs a human approval", p.value),
            )
        } else {
            continue;
        };
        let mut rule = implied(
            id,
            Outcome::RequireApproval,
            req.reason.as_ref().map_or(what, |r| r.value.clone()),
            cond,
        );
        rule.approver_role = role_for(Outcome::RequireApproval, req.approver_role.as_ref());
        rules.push(rule);
    }
}

/// Override conflicts: an override allow entry that grants inside what the root denies,
/// unless a root exception covers it.
pub(super) fn conflicts(sink: &mut Sink, root: &PolicyDoc, overrides: &[PolicyDoc]) {
    let Some(root_fs) = &root.permissions.filesystem else {
        return;
    };
    let denies: Vec<(String, PathSet)> = root_fs
        .deny
        .iter()
        .filter_map(|d| {
            PathSet::compile(&root.origin, std::slice::from_ref(d))
                .ok()
                .map(|s| (d.value.clone(), s))
        })
        .collect();
    let exceptions = PathSet::compile(&root.origin, &root_fs.exceptions).ok();
    for doc in overrides {
        let Some(fs) = &doc.permissions.filesystem else {
            continue;
        };
        for allow in &fs.allow {
            let text = allow.value.trim_start_matches("./");
            // The literal part of the allow pattern stands for the paths it grants.
            let literal = text.split(['*', '?', '[', '{']).next().unwrap_or(text);
            let probe = literal.trim_end_matches('/');
            let allow_set = PathSet::compile(&doc.origin, std::slice::from_ref(allow)).ok();
            for (deny_text, deny) in &denies {
                let hit = deny.find(text, false).is_some()
                    || (!probe.is_empty() && deny.find(probe, true).is_some())
                    || allow_set.as_ref().is_some_and(|a| {
                        a.find(deny_text.trim_end_matches("/**"), false).is_some()
                    });
                let excepted = exceptions.as_ref().is_some_and(|e| {
                    e.find(text, false).is_some() || e.find(probe, false).is_some()
                });
                if hit && !excepted {
                    sink.errors.push(at(
                        &doc.origin,
                        allow.span,
                        Error::new(
                            ErrorCode::PolicyConflict,
                            format!(
                                "override allows '{}' but the root policy denies '{}'",
                                allow.value, deny_text
                            ),
                        )
                        .with_help(format!(
                            "remove the override entry, or add it to the root policy's permissions.filesystem.exceptions: [\"{}\"]",
                            allow.value
                        )),
                    ));
                }
            }
        }
    }
}

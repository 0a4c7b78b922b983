//! Properties of the engine over random policies and actions, generated as YAML text from a
//! small vocabulary of paths, commands, tools, hosts and outcomes:
//!
//! 1. adding a deny (a rule or a deny-list entry) never makes a decision less restrictive;
//! 2. the order of rules and of list entries, and which file (root or override) holds a rule
//!    or an entry, never changes a byte of the decision document (policy hash included);
//! 3. evaluation is deterministic: the same policy text and action give the same bytes.
//!
//! Cases are bounded so that the suite runs in seconds.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stdout
)]

use agent_policy_core::{Engine, PolicySource, Request, SourceFormat};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::RngSeed;
use serde_json::{Value, json};

const NOW: &str = "2026-11-22T10:00:00Z";
const OVERRIDE_ORIGIN: &str = "sub/.agent-policy.override.yml";

const OUTCOMES: &[&str] = &[
    "allow",
    "redact",
    "alert",
    "require_approval",
    "deny",
    "terminate",
];
const PATHS: &[&str] = &[
    "src/**",
    "*.ts",
    ".env*",
    "secrets/**",
    "docs/*.md",
    "build/",
    "package.json",
    "!src/generated/**",
];
const COMMANDS: &[&str] = &[
    "npm test",
    "rm -rf",
    "git push",
    "git push --force",
    "curl *",
    "cargo build",
    "git status",
    "cat *",
];
const TOOLS: &[&str] = &[
    "Bash",
    "Read",
    "Write",
    "Edit",
    "WebFetch",
    "mcp__github__*",
    "terraform-apply",
];
const HOSTS: &[&str] = &[
    "example.com",
    "*.github.com",
    "api.github.com",
    "10.0.0.0/8",
];
const KINDS: &[&str] = &[
    "file.read",
    "file.write",
    "file.delete",
    "command.exec",
    "tool.call",
    "network.request",
];

/// A list entry and whether it sits in the override file (false: the root policy).
type Placed = (&'static str, bool);

#[derive(Debug, Clone)]
struct RuleSpec {
    id: usize,
    kind: Option<&'static str>,
    path: Vec<&'static str>,
    command: Vec<&'static str>,
    tool: Vec<&'static str>,
    host: Vec<&'static str>,
    outcome: &'static str,
}

/// A generated policy. `fs_allow`, `default` and the `unlisted` settings stay in the root: an
/// override allow inside a root deny is a conflict, and an override cannot set `default`.
#[derive(Debug, Clone)]
struct Spec {
    extends: bool,
    default: Option<&'static str>,
    fs_allow: Vec<&'static str>,
    fs_unlisted: Option<&'static str>,
    fs_deny: Vec<Placed>,
    cmd_allow: Vec<Placed>,
    cmd_deny: Vec<Placed>,
    tool_allow: Vec<Placed>,
    tool_deny: Vec<Placed>,
    outbound: Option<bool>,
    net_exceptions: Vec<Placed>,
    net_deny: Vec<Placed>,
    rules: Vec<(RuleSpec, bool)>,
}

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn flow(items: &[&str]) -> String {
    format!(
        "[{}]",
        items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
    )
}

/// The entries of `list` placed in the file `in_override` selects.
fn pick(list: &[Placed], in_override: bool) -> Vec<&'static str> {
    list.iter()
        .filter(|(_, o)| *o == in_override)
        .map(|(s, _)| *s)
        .collect()
}

fn rule_yaml(r: &RuleSpec) -> String {
    let mut m = Vec::new();
    if let Some(k) = r.kind {
        m.push(format!("kind: {k}"));
    }
    for (key, list) in [
        ("path", &r.path),
        ("command", &r.command),
        ("tool", &r.tool),
        ("host", &r.host),
    ] {
        if !list.is_empty() {
            m.push(format!("{key}: {}", flow(list)));
        }
    }
    format!(
        "  - id: r{}\n    match: {{{}}}\n    outcome: {}\n",
        r.id,
        m.join(", "),
        r.outcome
    )
}

/// One file of the policy: the root (`in_override == false`) or the override.
fn file_yaml(s: &Spec, in_override: bool) -> String {
    let mut out = String::new();
    let root = !in_override;
    if root {
        out.push_str("version: \"1\"\n");
        if s.extends {
            out.push_str("extends: [defaults/coding-agent]\n");
        }
        if let Some(d) = s.default {
            out.push_str(&format!("default: {d}\n"));
        }
    }
    let mut sections = Vec::new();
    let mut fs = Vec::new();
    if root && !s.fs_allow.is_empty() {
        fs.push(format!("allow: {}", flow(&s.fs_allow)));
    }
    if let (true, Some(u)) = (root, s.fs_unlisted) {
        fs.push(format!("unlisted: {u}"));
    }
    let deny = pick(&s.fs_deny, in_override);
    if !deny.is_empty() {
        fs.push(format!("deny: {}", flow(&deny)));
    }
    if !fs.is_empty() {
        sections.push(format!("  filesystem: {{{}}}\n", fs.join(", ")));
    }
    for (name, allow, deny) in [
        ("commands", &s.cmd_allow, &s.cmd_deny),
        ("tools", &s.tool_allow, &s.tool_deny),
    ] {
        let mut parts = Vec::new();
        let a = pick(allow, in_override);
        let d = pick(deny, in_override);
        if !a.is_empty() {
            parts.push(format!("allow: {}", flow(&a)));
        }
        if !d.is_empty() {
            parts.push(format!("deny: {}", flow(&d)));
        }
        if !parts.is_empty() {
            sections.push(format!("  {name}: {{{}}}\n", parts.join(", ")));
        }
    }
    let mut net = Vec::new();
    if let (true, Some(o)) = (root, s.outbound) {
        net.push(format!("allow_outbound: {o}"));
    }
    let e = pick(&s.net_exceptions, in_override);
    if !e.is_empty() {
        net.push(format!("exceptions: {}", flow(&e)));
    }
    let d = pick(&s.net_deny, in_override);
    if !d.is_empty() {
        net.push(format!("deny: {}", flow(&d)));
    }
    if !net.is_empty() {
        sections.push(format!("  network: {{{}}}\n", net.join(", ")));
    }
    if !sections.is_empty() {
        out.push_str("permissions:\n");
        for sec in sections {
            out.push_str(&sec);
        }
    }
    let rules: Vec<&RuleSpec> = s
        .rules
        .iter()
        .filter(|(_, o)| *o == in_override)
        .map(|(r, _)| r)
        .collect();
    if !rules.is_empty() {
        out.push_str("rules:\n");
        for r in rules {
            out.push_str(&rule_yaml(r));
        }
    }
    out
}

/// The root text and, when anything is placed there, the override text.
fn render(s: &Spec) -> (String, Option<String>) {
    let any_override = [
        &s.fs_deny,
        &s.cmd_allow,
        &s.cmd_deny,
        &s.tool_allow,
        &s.tool_deny,
        &s.net_exceptions,
        &s.net_deny,
    ]
    .iter()
    .any(|l| l.iter().any(|(_, o)| *o))
        || s.rules.iter().any(|(_, o)| *o);
    (
        file_yaml(s, false),
        any_override.then(|| file_yaml(s, true)),
    )
}

fn engine(s: &Spec) -> Result<Engine, String> {
    let (root, over) = render(s);
    let root_src = PolicySource::new(&root, "<inline>", SourceFormat::Yaml);
    let overrides: Vec<PolicySource<'_>> = over
        .iter()
        .map(|t| PolicySource::new(t, OVERRIDE_ORIGIN, SourceFormat::Yaml))
        .collect();
    Engine::from_sources(root_src, &overrides).map_err(|e| {
        format!(
            "{e}\n--- root\n{root}--- override\n{}",
            over.unwrap_or_default()
        )
    })
}

/// The decision document, or the error code when evaluation fails.
fn decide(e: &Engine, action: &Value) -> String {
    match e.evaluate(&Request::new(action, NOW)) {
        Ok(d) => d.to_json(),
        Err(err) => format!("error {}", err.code),
    }
}

fn restriction(doc: &str) -> usize {
    let v: Value = match serde_json::from_str(doc) {
        Ok(v) => v,
        Err(_) => return usize::MAX,
    };
    let d = v.get("decision").and_then(Value::as_str).unwrap_or("");
    OUTCOMES.iter().position(|o| *o == d).unwrap_or(usize::MAX)
}

// ---------------------------------------------------------------- strategies

fn placed_list(vocab: &'static [&'static str], max: usize) -> impl Strategy<Value = Vec<Placed>> {
    prop::collection::vec(select(vocab).prop_map(|s| (s, false)), 0..=max)
}

fn rule_strategy() -> impl Strategy<Value = RuleSpec> {
    (
        prop::option::of(select(KINDS)),
        prop::collection::vec(select(PATHS), 0..=2),
        prop::collection::vec(select(COMMANDS), 0..=1),
        prop::collection::vec(select(TOOLS), 0..=1),
        prop::collection::vec(select(HOSTS), 0..=1),
        select(OUTCOMES),
    )
        .prop_map(|(kind, path, command, tool, host, outcome)| RuleSpec {
            id: 0,
            kind,
            path,
            command,
            tool,
            host,
            outcome,
        })
}

fn spec_strategy() -> impl Strategy<Value = Spec> {
    (
        (
            any::<bool>(),
            // `default: terminate` is refused: deny is the strictest default.
            prop::option::of(select(&OUTCOMES[..5])),
            prop::collection::vec(select(PATHS), 0..=2),
            prop::option::of(select(&["deny", "alert", "require_approval"][..])),
            placed_list(PATHS, 2),
        ),
        (
            placed_list(COMMANDS, 2),
            placed_list(COMMANDS, 2),
            placed_list(TOOLS, 2),
            placed_list(TOOLS, 2),
        ),
        (
            prop::option::of(any::<bool>()),
            placed_list(HOSTS, 2),
            placed_list(HOSTS, 1),
            prop::collection::vec(rule_strategy(), 0..=4),
        ),
    )
        .prop_map(
            |(
                (extends, default, fs_allow, fs_unlisted, fs_deny),
                (cmd_allow, cmd_deny, tool_allow, tool_deny),
                (outbound, net_exceptions, net_deny, rules),
            )| Spec {
                extends,
                default,
                fs_allow: allow_with_positives(fs_allow),
                fs_unlisted,
                fs_deny: exclusions_with_their_list(fs_deny),
                cmd_allow,
                cmd_deny,
                tool_allow,
                tool_deny,
                outbound,
                net_exceptions,
                net_deny,
                rules: rules
                    .into_iter()
                    .enumerate()
                    .map(|(i, mut r)| {
                        r.id = i;
                        (r, false)
                    })
                    .collect(),
            },
        )
}

fn action_strategy() -> impl Strategy<Value = Value> {
    let paths = select(
        &[
            "src/a.ts",
            "src/generated/api.ts",
            ".env",
            "config/.env.local",
            "secrets/key.txt",
            "docs/readme.md",
            "docs/api/x.md",
            "build/out.js",
            "package.json",
            "README.md",
        ][..],
    );
    let commands = select(
        &[
            "npm test",
            "rm -rf build",
            "git push --force origin main",
            "git push origin main",
            "curl https://example.com/x",
            "cargo build && npm test",
            "git status",
            "cat .env",
            "echo hi > docs/readme.md",
            "sudo rm -rf src",
        ][..],
    );
    let urls = select(
        &[
            "https://api.github.com/repos",
            "https://example.com/",
            "http://10.1.2.3/",
            "https://registry.npmjs.org/x",
        ][..],
    );
    prop_oneof![
        paths.clone().prop_map(|p| json!({"tool": "Read", "args": {"file_path": p}})),
        paths.clone().prop_map(|p| json!({"tool": "Write", "args": {"file_path": p, "content": "x\n"}})),
        paths.clone().prop_map(|p| json!({"tool": "Edit", "args": {"file_path": p, "old_string": "a", "new_string": "b"}})),
        paths.prop_map(|p| json!({"kind": "file.delete", "path": p})),
        commands.clone().prop_map(|c| json!({"tool": "Bash", "args": {"command": c}})),
        commands.prop_map(|c| json!({"kind": "command.exec", "command": c})),
        urls.prop_map(|u| json!({"tool": "WebFetch", "args": {"url": u, "prompt": "read"}})),
        select(&["mcp__github__create_pr", "terraform-apply", "create-pr"][..])
            .prop_map(|t| json!({"tool": t, "args": {}})),
    ]
}

/// A shuffled copy of a list, each entry placed in the root or the override at random.
fn reshuffle(list: Vec<Placed>) -> impl Strategy<Value = Vec<Placed>> {
    let n = list.len();
    (
        Just(list).prop_shuffle(),
        prop::collection::vec(any::<bool>(), n),
    )
        .prop_map(|(l, o)| {
            // A list with `!` entries keeps its file: a `!` narrows only its own file's list.
            let pinned = l.iter().any(|(s, _)| s.starts_with('!'));
            l.into_iter()
                .zip(o)
                .map(|((s, placed), o)| (s, if pinned { placed } else { o }))
                .collect()
        })
}

/// A `!` entry excludes only within its own file's list, and a file's list of `!` entries
/// alone is refused: keep `!` entries in the root, and only beside a root entry they narrow.
fn exclusions_with_their_list(list: Vec<Placed>) -> Vec<Placed> {
    let root_has_positive = list.iter().any(|(p, o)| !o && !p.starts_with('!'));
    list.into_iter()
        .filter(|(p, _)| root_has_positive || !p.starts_with('!'))
        .map(|(p, o)| {
            if p.starts_with('!') {
                (p, false)
            } else {
                (p, o)
            }
        })
        .collect()
}

/// An allow list of `!` entries alone is refused: drop them when nothing else is listed.
fn allow_with_positives(list: Vec<&'static str>) -> Vec<&'static str> {
    if list.iter().all(|p| p.starts_with('!')) {
        Vec::new()
    } else {
        list
    }
}

fn shuffled_strings(list: Vec<&'static str>) -> impl Strategy<Value = Vec<&'static str>> {
    Just(list).prop_shuffle()
}

/// The same policy with every order shuffled and entries moved between the two files.
fn rearranged(s: Spec) -> impl Strategy<Value = Spec> {
    let n = s.rules.len();
    let rules = (
        Just(s.rules.clone()).prop_shuffle(),
        prop::collection::vec(any::<bool>(), n),
    )
        .prop_flat_map(|(rules, places)| {
            let inner: Vec<_> = rules
                .into_iter()
                .zip(places)
                .map(|((r, _), o)| {
                    (Just(r.clone()), shuffled_strings(r.path.clone()), Just(o)).prop_map(
                        |(mut r, path, o)| {
                            r.path = path;
                            (r, o)
                        },
                    )
                })
                .collect();
            inner
        });
    (
        (
            Just(s.clone()),
            shuffled_strings(s.fs_allow.clone()),
            reshuffle(s.fs_deny.clone()),
            reshuffle(s.cmd_allow.clone()),
            reshuffle(s.cmd_deny.clone()),
        ),
        (
            reshuffle(s.tool_allow.clone()),
            reshuffle(s.tool_deny.clone()),
            reshuffle(s.net_exceptions.clone()),
            reshuffle(s.net_deny.clone()),
            rules,
        ),
    )
        .prop_map(
            |(
                (base, fs_allow, fs_deny, cmd_allow, cmd_deny),
                (tool_allow, tool_deny, net_exceptions, net_deny, rules),
            )| Spec {
                fs_allow,
                fs_deny,
                cmd_allow,
                cmd_deny,
                tool_allow,
                tool_deny,
                net_exceptions,
                net_deny,
                rules,
                ..base
            },
        )
}

/// Where the added deny goes.
#[derive(Debug, Clone)]
enum AddedDeny {
    Rule(RuleSpec),
    Path(&'static str),
    Command(&'static str),
    Tool(&'static str),
    Host(&'static str),
}

fn added_deny() -> impl Strategy<Value = AddedDeny> {
    prop_oneof![
        rule_strategy().prop_map(|mut r| {
            r.id = 99;
            r.outcome = "deny";
            AddedDeny::Rule(r)
        }),
        // A `!` entry is an exception, not a deny.
        select(PATHS)
            .prop_filter("a deny entry", |p| !p.starts_with('!'))
            .prop_map(AddedDeny::Path),
        select(COMMANDS).prop_map(AddedDeny::Command),
        select(TOOLS).prop_map(AddedDeny::Tool),
        select(HOSTS).prop_map(AddedDeny::Host),
    ]
}

fn with_deny(s: &Spec, add: &AddedDeny) -> Spec {
    let mut s = s.clone();
    match add {
        AddedDeny::Rule(r) => s.rules.push((r.clone(), false)),
        AddedDeny::Path(p) => s.fs_deny.push((p, false)),
        AddedDeny::Command(c) => s.cmd_deny.push((c, false)),
        AddedDeny::Tool(t) => s.tool_deny.push((t, false)),
        AddedDeny::Host(h) => s.net_deny.push((h, false)),
    }
    s
}

/// 64 cases per property from a fixed seed, so that a run is reproducible;
/// `PROPTEST_CASES` asks for more and `PROPTEST_RNG_SEED` for another seed.
fn config() -> ProptestConfig {
    let defaults = ProptestConfig::default();
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64);
    let rng_seed = match defaults.rng_seed {
        RngSeed::Random => RngSeed::Fixed(0x0a9e_7f01_1c7e_5eed),
        seed => seed,
    };
    ProptestConfig {
        cases,
        rng_seed,
        max_shrink_iters: 400,
        failure_persistence: None,
        ..defaults
    }
}

proptest! {
    #![proptest_config(config())]

    /// (1) Adding a deny never makes a decision less restrictive.
    #[test]
    fn adding_a_deny_never_loosens(
        spec in spec_strategy(),
        add in added_deny(),
        actions in prop::collection::vec(action_strategy(), 1..6),
    ) {
        let base = engine(&spec);
        prop_assume!(base.is_ok());
        let base = base.unwrap();
        let stricter = engine(&with_deny(&spec, &add)).map_err(TestCaseError::fail)?;
        for action in &actions {
            let before = decide(&base, action);
            let after = decide(&stricter, action);
            prop_assert!(
                restriction(&after) >= restriction(&before),
                "adding {:?} loosened the decision for {}\n--- policy\n{}\nbefore: {}\nafter:  {}",
                add, action, render(&with_deny(&spec, &add)).0, before, after
            );
        }
    }

    /// (2) Order of rules and entries, and which file holds them, change nothing.
    #[test]
    fn order_and_file_placement_change_no_byte(
        (spec, moved) in spec_strategy().prop_flat_map(|s| (Just(s.clone()), rearranged(s))),
        actions in prop::collection::vec(action_strategy(), 1..6),
    ) {
        let a = engine(&spec);
        prop_assume!(a.is_ok());
        let a = a.unwrap();
        let b = engine(&moved).map_err(TestCaseError::fail)?;
        let (root, over) = render(&moved);
        prop_assert_eq!(
            a.policy_hash(), b.policy_hash(),
            "the policy hash changed\n--- original\n{}--- rearranged root\n{}--- override\n{}",
            render(&spec).0, root, over.clone().unwrap_or_default()
        );
        for action in &actions {
            let (x, y) = (decide(&a, action), decide(&b, action));
            prop_assert_eq!(
                &x, &y,
                "the decision changed for {}\n--- original\n{}--- rearranged root\n{}--- override\n{}",
                action, render(&spec).0, root, over.clone().unwrap_or_default()
            );
        }
    }

    /// (3) The same policy text and action always give the same bytes.
    #[test]
    fn evaluation_is_deterministic(
        spec in spec_strategy(),
        actions in prop::collection::vec(action_strategy(), 1..6),
    ) {
        let a = engine(&spec);
        prop_assume!(a.is_ok());
        let a = a.unwrap();
        let b = engine(&spec).map_err(TestCaseError::fail)?;
        prop_assert_eq!(a.policy_hash(), b.policy_hash());
        for action in &actions {
            let first = decide(&a, action);
            prop_assert_eq!(&first, &decide(&a, action));
            prop_assert_eq!(&first, &decide(&b, action));
        }
    }
}

/// Every generated policy loads: the generator stays inside the valid vocabulary, so the
/// properties above are not vacuous.
#[test]
fn generated_policies_load() {
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let mut loaded = 0;
    for _ in 0..64 {
        let spec = spec_strategy()
            .new_tree(&mut runner)
            .expect("a policy")
            .current();
        match engine(&spec) {
            Ok(_) => loaded += 1,
            Err(e) => panic!("a generated policy does not load: {e}"),
        }
    }
    assert_eq!(loaded, 64);
}

fn decide_text(policy: &str, action: &Value) -> String {
    let e = Engine::from_source(PolicySource::new(policy, "<inline>", SourceFormat::Yaml))
        .expect("the policy loads");
    decide(&e, action)
}

/// Property 2, minimal: two allow patterns match the same path; the one reported in
/// `matched[].pattern` and in the reason depends on the order of the list.
#[test]
fn list_order_does_not_change_the_reported_pattern() {
    let action = json!({"kind": "file.write", "path": "src/a.ts"});
    let one = decide_text(
        "version: \"1\"\npermissions:\n  filesystem: {allow: [\"src/**\", \"*.ts\"]}\n",
        &action,
    );
    let two = decide_text(
        "version: \"1\"\npermissions:\n  filesystem: {allow: [\"*.ts\", \"src/**\"]}\n",
        &action,
    );
    assert_eq!(one, two, "list order changed the decision document");
}

/// Property 1, minimal: a deny list of `!` entries alone would deny everything it does not
/// exclude, and adding an entry to it would narrow it; such a list is refused at load.
#[test]
fn an_exclusion_only_deny_list_is_refused() {
    let err = Engine::from_source(PolicySource::new(
        "version: \"1\"\npermissions:\n  filesystem: {deny: [\"!src/generated/**\"]}\n",
        "<inline>",
        SourceFormat::Yaml,
    ))
    .expect_err("refused");
    assert_eq!(err.code.as_str(), "policy.bad_value");
    let action = json!({"kind": "file.read", "path": ".env"});
    let d = decide_text(
        "version: \"1\"\npermissions:\n  filesystem: {deny: [\"src/**\", \"!src/generated/**\"]}\n",
        &action,
    );
    assert!(d.contains("\"decision\":\"allow\""), "{d}");
}

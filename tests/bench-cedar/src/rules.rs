//! The benchmark rule table, the one place both benchmarks read it from.
//!
//! One Rust table of rows (id, permit/forbid, agent type, tool, path globs) is turned into the
//! agent-policy YAML here and into Cedar policy text by the Cedar side-by-side crate, so both
//! engines are measured on the same rules and no rule is written twice: each row is one
//! agent-policy rule and one Cedar policy. The engine's own benchmark includes this file by
//! path, so it depends on `std` and the engine only.
//!
//! Semantics shared by both renderings: an action is allowed when it is permitted and nothing
//! forbids it (deny wins, default deny). Every present condition of a row must hold. Path
//! globs follow the policy file's rules (a glob without `/` matches the file name at any
//! depth; `**` crosses directories; `!glob` entries exclude, and a list of exclusions only
//! matches every path they do not exclude); a path condition never matches an action that
//! touches no file. The table only uses globs with an exact Cedar `like` counterpart on
//! ordinary relative paths.
//!
//! agent-policy decides per effect: a `Write` call is a `tool.call` effect and a `file.write`
//! effect, and each needs an allow. So a grant confined to some paths is written as a permit
//! of the tool and a forbid of the paths outside (`!docs/**`), which reads the same in both
//! engines; a permit carrying a path condition would grant the file effect but not the call.

use std::fmt::Write as _;

/// Whether a row grants or forbids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Grants the action (agent-policy `allow`, Cedar `permit`).
    Permit,
    /// Forbids the action whatever grants it (agent-policy `deny`, Cedar `forbid`).
    Forbid,
}

/// One rule of the table. Absent conditions match everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The rule id, unique in the table.
    pub id: String,
    /// Permit or forbid.
    pub effect: Effect,
    /// The agent type (`agent.type` of the action).
    pub agent_type: Option<String>,
    /// The tool name (`tool` of the action).
    pub tool: Option<String>,
    /// Path globs over the file the action touches, `!` for exclusions; empty for none.
    pub paths: Vec<String>,
}

/// The number of rules written in the small policy.
pub const SMALL_RULES: usize = 54;

/// The number of rules written in the generated large policy.
pub const LARGE_RULES: usize = 10_000;

/// The `now` every benchmarked request passes.
pub const NOW: &str = "2026-11-22T10:00:00Z";

/// The benchmarked file action: a coding agent reading a source file.
pub const FILE_ACTION: &str =
    r#"{"tool":"Read","args":{"file_path":"src/app/main.ts"},"agent":{"type":"coding-agent"}}"#;

/// The benchmarked tool action: a coding agent opening a pull request.
pub const TOOL_ACTION: &str = r#"{"tool":"create-pr","args":{"title":"Fix the login redirect","branch":"fix/login-redirect","base":"main","body":"Redirects to the page the user came from after login."},"agent":{"type":"coding-agent"}}"#;

type BaseRow = (
    &'static str,
    Effect,
    Option<&'static str>,
    Option<&'static str>,
    &'static [&'static str],
);

use Effect::{Forbid, Permit};

/// The small policy: what a team running several kinds of agents on one repository writes.
#[rustfmt::skip]
const BASE: [BaseRow; SMALL_RULES] = [
    // The coding agent: its everyday tools.
    ("coding.read",              Permit, Some("coding-agent"),       Some("Read"),              &[]),
    ("coding.write",             Permit, Some("coding-agent"),       Some("Write"),             &[]),
    ("coding.edit",              Permit, Some("coding-agent"),       Some("Edit"),              &[]),
    ("coding.multi-edit",        Permit, Some("coding-agent"),       Some("MultiEdit"),         &[]),
    ("coding.glob",              Permit, Some("coding-agent"),       Some("Glob"),              &[]),
    ("coding.grep",              Permit, Some("coding-agent"),       Some("Grep"),              &[]),
    ("coding.create-pr",         Permit, Some("coding-agent"),       Some("create-pr"),         &[]),
    ("coding.git-diff",          Permit, Some("coding-agent"),       Some("git-diff"),          &[]),
    ("coding.run-tests",         Permit, Some("coding-agent"),       Some("run-tests"),         &[]),
    ("coding.web-search",        Permit, Some("coding-agent"),       Some("WebSearch"),         &[]),
    // The review bot reads and comments.
    ("review.read",              Permit, Some("review-bot"),         Some("Read"),              &[]),
    ("review.grep",              Permit, Some("review-bot"),         Some("Grep"),              &[]),
    ("review.git-diff",          Permit, Some("review-bot"),         Some("git-diff"),          &[]),
    ("review.comment",           Permit, Some("review-bot"),         Some("comment-pr"),        &[]),
    // The docs writer changes documentation only.
    ("docs.read",                Permit, Some("docs-writer"),        Some("Read"),              &[]),
    ("docs.write",               Permit, Some("docs-writer"),        Some("Write"),             &[]),
    ("docs.edit",                Permit, Some("docs-writer"),        Some("Edit"),              &[]),
    ("docs.write-scope",         Forbid, Some("docs-writer"),        Some("Write"),             &["!docs/**", "!*.md"]),
    ("docs.edit-scope",          Forbid, Some("docs-writer"),        Some("Edit"),              &["!docs/**", "!*.md"]),
    // The release bot edits the changelog only.
    ("release.read",             Permit, Some("release-bot"),        Some("Read"),              &[]),
    ("release.create-pr",        Permit, Some("release-bot"),        Some("create-pr"),         &[]),
    ("release.publish",          Permit, Some("release-bot"),        Some("publish-package"),   &[]),
    ("release.tag",              Permit, Some("release-bot"),        Some("git-tag"),           &[]),
    ("release.edit",             Permit, Some("release-bot"),        Some("Edit"),              &[]),
    ("release.edit-scope",       Forbid, Some("release-bot"),        Some("Edit"),              &["!CHANGELOG.md"]),
    // The compliance scanner only looks.
    ("scanner.read",             Permit, Some("compliance-scanner"), Some("Read"),              &[]),
    ("scanner.grep",             Permit, Some("compliance-scanner"), Some("Grep"),              &[]),
    ("scanner.git-diff",         Permit, Some("compliance-scanner"), Some("git-diff"),          &[]),
    // The drift agent reads infrastructure and plans.
    ("drift.read",               Permit, Some("drift-agent"),        Some("Read"),              &[]),
    ("drift.read-scope",         Forbid, Some("drift-agent"),        Some("Read"),              &["!infra/**"]),
    ("drift.plan",               Permit, Some("drift-agent"),        Some("terraform-plan"),    &[]),
    // The test runner runs tests and writes under tests/.
    ("tests.run",                Permit, Some("test-runner"),        Some("run-tests"),         &[]),
    ("tests.read",               Permit, Some("test-runner"),        Some("Read"),              &[]),
    ("tests.write",              Permit, Some("test-runner"),        Some("Write"),             &[]),
    ("tests.write-scope",        Forbid, Some("test-runner"),        Some("Write"),             &["!tests/**"]),
    // Secrets: nobody, whatever the tool.
    ("secrets.env",              Forbid, None,                       None,                      &[".env", ".env.*", "!.env.example"]),
    ("secrets.private-keys",     Forbid, None,                       None,                      &["*.pem", "*.key"]),
    ("secrets.ssh-keys",         Forbid, None,                       None,                      &["id_rsa", "id_ed25519"]),
    ("secrets.aws",              Forbid, None,                       None,                      &["**/.aws/**"]),
    ("secrets.ssh-dir",          Forbid, None,                       None,                      &["**/.ssh/**"]),
    ("secrets.tree",             Forbid, None,                       None,                      &["secrets/**"]),
    ("secrets.tfstate",          Forbid, None,                       None,                      &["*.tfstate"]),
    ("secrets.credentials-json", Forbid, None,                       None,                      &["credentials.json"]),
    // Files no agent changes.
    ("protect.git-internals",    Forbid, None,                       Some("Write"),             &[".git/**"]),
    ("protect.workflows-write",  Forbid, None,                       Some("Write"),             &[".github/workflows/**"]),
    ("protect.workflows-edit",   Forbid, None,                       Some("Edit"),              &[".github/workflows/**"]),
    ("protect.migrations",       Forbid, Some("coding-agent"),       Some("Write"),             &["**/migrations/**"]),
    // Destructive tools: nobody.
    ("tools.terraform-apply",    Forbid, None,                       Some("terraform-apply"),   &[]),
    ("tools.terraform-destroy",  Forbid, None,                       Some("terraform-destroy"), &[]),
    ("tools.kubectl-delete",     Forbid, None,                       Some("kubectl-delete"),    &[]),
    ("tools.drop-database",      Forbid, None,                       Some("drop-database"),     &[]),
    // Read-only agents stay read-only.
    ("review.no-write",          Forbid, Some("review-bot"),         Some("Write"),             &[]),
    ("scanner.no-edit",          Forbid, Some("compliance-scanner"), Some("Edit"),              &[]),
    // A quarantined agent type may do nothing at all.
    ("quarantine.all",           Forbid, Some("quarantined-agent"),  None,                      &[]),
];

fn row(id: String, effect: Effect, agent_type: Option<String>, tool: Option<String>) -> Row {
    Row {
        id,
        effect,
        agent_type,
        tool,
        paths: Vec::new(),
    }
}

fn with_paths(mut r: Row, paths: &[String]) -> Row {
    r.paths = paths.to_vec();
    r
}

/// The 54 rules of the small policy.
pub fn small_table() -> Vec<Row> {
    BASE.iter()
        .map(|&(id, effect, agent_type, tool, paths)| Row {
            id: id.to_owned(),
            effect,
            agent_type: agent_type.map(str::to_owned),
            tool: tool.map(str::to_owned),
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        })
        .collect()
}

/// The rules of one generated service `i`: its secrets, its deploy config, its bot, its
/// tools and the team that deploys it. Every tenth service locks its SQL files; every
/// fiftieth confines its bot to the service tree and has a retired bot type.
fn service_rows(i: usize, out: &mut Vec<Row>) {
    let svc = format!("svc{i:04}");
    let bot = Some(format!("{svc}-bot"));
    let s = |x: &str| Some(x.to_owned());
    out.push(with_paths(
        row(format!("{svc}.secrets"), Forbid, None, None),
        &[format!("services/{svc}/secrets/**")],
    ));
    out.push(with_paths(
        row(
            format!("{svc}.deploy-config"),
            Forbid,
            s("coding-agent"),
            s("Write"),
        ),
        &[format!("services/{svc}/deploy/**")],
    ));
    out.push(row(
        format!("{svc}.bot-read"),
        Permit,
        bot.clone(),
        s("Read"),
    ));
    out.push(row(
        format!("{svc}.bot-logs"),
        Permit,
        bot.clone(),
        Some(format!("{svc}-logs")),
    ));
    out.push(row(
        format!("{svc}.bot-restart"),
        Permit,
        bot.clone(),
        Some(format!("{svc}-restart")),
    ));
    out.push(row(
        format!("{svc}.coding-logs"),
        Permit,
        s("coding-agent"),
        Some(format!("{svc}-logs")),
    ));
    out.push(row(
        format!("{svc}.admin"),
        Forbid,
        None,
        Some(format!("{svc}-admin")),
    ));
    out.push(row(
        format!("{svc}.team-deploy"),
        Permit,
        Some(format!("team-{:02}", i % 40)),
        Some(format!("{svc}-deploy")),
    ));
    if i.is_multiple_of(10) {
        out.push(with_paths(
            row(
                format!("{svc}.no-sql-writes"),
                Forbid,
                s("coding-agent"),
                s("Write"),
            ),
            &[format!("services/{svc}/**/*.sql")],
        ));
    }
    if i.is_multiple_of(50) {
        out.push(with_paths(
            row(format!("{svc}.bot-scope"), Forbid, bot.clone(), None),
            &[format!("!services/{svc}/**")],
        ));
        out.push(row(
            format!("{svc}.retired-bot"),
            Forbid,
            Some(format!("retired-bot-{i:04}")),
            None,
        ));
    }
}

/// The 10,000 rules of the large policy: the small table, then generated per-service rules
/// (secrets and deploy trees, bots and their tools, team deploy rights, SQL locks, a few
/// confined bots and retired agent types) until the count is reached.
pub fn large_table() -> Vec<Row> {
    let mut rows = small_table();
    let mut i = 0;
    while rows.len() < LARGE_RULES {
        service_rows(i, &mut rows);
        i += 1;
    }
    rows.truncate(LARGE_RULES);
    rows
}

/// `text` between double quotes with `"` and `\\` escaped: a double-quoted YAML scalar, and
/// a Cedar string literal alike.
pub(crate) fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Appends one `rules` entry per row.
fn push_rules(y: &mut String, rows: &[Row]) {
    for r in rows {
        let mut conds = Vec::new();
        if let Some(a) = &r.agent_type {
            conds.push(format!("agent_type: [{}]", quoted(a)));
        }
        if let Some(t) = &r.tool {
            conds.push(format!("tool: [{}]", quoted(t)));
        }
        if !r.paths.is_empty() {
            let globs: Vec<String> = r.paths.iter().map(|p| quoted(p)).collect();
            conds.push(format!("path: [{}]", globs.join(", ")));
        }
        let (outcome, verb) = match r.effect {
            Permit => ("allow", "permits"),
            Forbid => ("deny", "forbids"),
        };
        // Writing to a String cannot fail.
        let _ = write!(
            y,
            "  - id: {}\n    match: {{{}}}\n    outcome: {outcome}\n    reason: {}\n",
            quoted(&r.id),
            conds.join(", "),
            quoted(&format!("table row {} {verb} this", r.id)),
        );
    }
}

/// The agent-policy YAML of a table: one `rules` entry per row, `default: deny`.
pub fn to_yaml(rows: &[Row]) -> String {
    let mut y = String::with_capacity(rows.len() * 160);
    y.push_str("version: \"1\"\nagent_id: bench\ndefault: deny\nrules:\n");
    push_rules(&mut y, rows);
    y
}

/// The rules per file when a table is split into a root policy and override files.
pub const RULES_PER_FILE: usize = 2_500;

/// A table as a root policy holding its first [`RULES_PER_FILE`] rows and override files
/// holding the rest: the same compiled policy, for when one file of that size is refused.
pub fn to_yaml_files(rows: &[Row]) -> (String, Vec<String>) {
    let mut chunks = rows.chunks(RULES_PER_FILE);
    let root = to_yaml(chunks.next().unwrap_or_default());
    let overrides = chunks
        .map(|chunk| {
            let mut y = String::with_capacity(chunk.len() * 160);
            y.push_str("version: \"1\"\nrules:\n");
            push_rules(&mut y, chunk);
            y
        })
        .collect();
    (root, overrides)
}

/// The agent-policy engine of a table, and why the single policy file was refused when it
/// had to be split ([`to_yaml_files`]) to load.
pub fn agent_policy_engine(
    rows: &[Row],
) -> Result<(agent_policy_core::Engine, Option<agent_policy_core::Error>), agent_policy_core::Error>
{
    use agent_policy_core::{Engine, PolicySource, SourceFormat};
    fn source(text: &str) -> PolicySource<'_> {
        PolicySource::new(text, "<bench>", SourceFormat::Yaml)
    }
    let refused = match Engine::from_source(source(&to_yaml(rows))) {
        Ok(engine) => return Ok((engine, None)),
        Err(e) => e,
    };
    let (root, overrides) = to_yaml_files(rows);
    let overrides: Vec<PolicySource<'_>> = overrides.iter().map(|o| source(o)).collect();
    let engine = Engine::from_sources(source(&root), &overrides)?;
    Ok((engine, Some(refused)))
}

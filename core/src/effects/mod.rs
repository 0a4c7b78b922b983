//! Effects: what an action really does, whichever tool performs it. A `Bash` call running
//! `cat .env` is a `file.read` of `.env`; a `Write` call is a `file.write`. Rules apply to
//! effects, so a path rule holds for every tool.

pub mod adapters;
pub mod command;
pub mod derive;
pub mod glob;
pub mod network;
pub mod path;
pub mod sql;

use std::borrow::Cow;

use compact_str::CompactString;

use serde::{Deserialize, Serialize};

/// The kind of an action and of an effect (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EffectKind {
    /// Running a shell command.
    #[serde(rename = "command.exec")]
    CommandExec,
    /// Reading a file or a tree.
    #[serde(rename = "file.read")]
    FileRead,
    /// Creating or changing a file.
    #[serde(rename = "file.write")]
    FileWrite,
    /// Deleting a file or a tree.
    #[serde(rename = "file.delete")]
    FileDelete,
    /// Reaching a host over the network.
    #[serde(rename = "network.request")]
    NetworkRequest,
    /// Calling a tool (every action that names a tool has one).
    #[serde(rename = "tool.call")]
    ToolCall,
    /// Asking for credentials.
    #[serde(rename = "credential.request")]
    CredentialRequest,
    /// Triggering a CI/CD pipeline.
    #[serde(rename = "pipeline.run")]
    PipelineRun,
    /// Sending a message to a person or channel.
    #[serde(rename = "message.send")]
    MessageSend,
}

impl EffectKind {
    /// Every kind, in declaration order.
    pub const ALL: [EffectKind; 9] = [
        EffectKind::CommandExec,
        EffectKind::FileRead,
        EffectKind::FileWrite,
        EffectKind::FileDelete,
        EffectKind::NetworkRequest,
        EffectKind::ToolCall,
        EffectKind::CredentialRequest,
        EffectKind::PipelineRun,
        EffectKind::MessageSend,
    ];

    /// The dotted spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            EffectKind::CommandExec => "command.exec",
            EffectKind::FileRead => "file.read",
            EffectKind::FileWrite => "file.write",
            EffectKind::FileDelete => "file.delete",
            EffectKind::NetworkRequest => "network.request",
            EffectKind::ToolCall => "tool.call",
            EffectKind::CredentialRequest => "credential.request",
            EffectKind::PipelineRun => "pipeline.run",
            EffectKind::MessageSend => "message.send",
        }
    }

    /// Parses the dotted spelling.
    pub fn parse(text: &str) -> Option<EffectKind> {
        EffectKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// A dense index for per-kind buckets.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether this is one of the `file.*` kinds.
    pub fn is_file(self) -> bool {
        matches!(
            self,
            EffectKind::FileRead | EffectKind::FileWrite | EffectKind::FileDelete
        )
    }
}

impl std::fmt::Display for EffectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_false(b: &bool) -> bool {
    !*b
}

/// One normalised effect of an action. Fields that do not apply to the kind are absent in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Effect {
    /// What the effect does.
    pub kind: EffectKind,
    /// For `file.*`: the normalised path, relative to the workspace when inside it, absolute
    /// (or `~/…`) when outside.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// For `file.*`: the path lies outside `context.workspace`.
    #[serde(skip_serializing_if = "is_false")]
    pub outside_workspace: bool,
    /// For `file.*`: the effect covers the whole tree under `path`.
    #[serde(skip_serializing_if = "is_false")]
    pub recursive: bool,
    /// For `file.*`: `path` is a shell glob (`.en*`) the shell expands; the engine adds an
    /// effect for each protected path it may expand to (see [`glob`]).
    #[serde(skip_serializing_if = "is_false")]
    pub glob: bool,
    /// For `command.exec`: the simple command as normalised text (`rm -r -f build`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// For `command.exec`: the program's base name (`rm` for `/bin/rm`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// For `command.exec`: the words, argv[0] as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub argv: Vec<String>,
    /// For `command.exec`: what runs cannot be known statically.
    #[serde(skip_serializing_if = "is_false")]
    pub opaque: bool,
    /// For `network.request`: the URL when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// For `network.request`: the host, lowercased, IPv6 without brackets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// For `network.request`: the port when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// For `network.request`: the HTTP method, uppercased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// For `network.request`: local data is sent out (POST body, `curl -d @f`, `scp` to).
    #[serde(skip_serializing_if = "is_false")]
    pub upload: bool,
    /// For `network.request`: the host is a cloud metadata endpoint.
    #[serde(skip_serializing_if = "is_false")]
    pub metadata_endpoint: bool,
    /// For `tool.call`: the tool name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<CompactString>,
    /// For `file.write` / `file.delete`: lines added plus removed, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lines_changed: Option<u64>,
    /// Where the effect came from: the simple command or the argument (`$.args.file_path`).
    /// Borrowed for the fixed places (`$.tool`), so most effects allocate nothing for it.
    pub via: Cow<'static, str>,
}

impl Effect {
    /// An effect of `kind` with every optional field empty.
    pub fn new(kind: EffectKind, via: impl Into<Cow<'static, str>>) -> Effect {
        Effect {
            kind,
            path: None,
            outside_workspace: false,
            recursive: false,
            glob: false,
            command: None,
            program: None,
            argv: Vec::new(),
            opaque: false,
            url: None,
            host: None,
            port: None,
            method: None,
            upload: false,
            metadata_endpoint: false,
            tool: None,
            lines_changed: None,
            via: via.into(),
        }
    }

    /// Whether two effects are the same but for where they came from.
    pub fn same_except_via(&self, other: &Effect) -> bool {
        self.kind == other.kind
            && self.path == other.path
            && self.outside_workspace == other.outside_workspace
            && self.recursive == other.recursive
            && self.glob == other.glob
            && self.command == other.command
            && self.program == other.program
            && self.argv == other.argv
            && self.opaque == other.opaque
            && self.url == other.url
            && self.host == other.host
            && self.port == other.port
            && self.method == other.method
            && self.upload == other.upload
            && self.metadata_endpoint == other.metadata_endpoint
            && self.tool == other.tool
            && self.lines_changed == other.lines_changed
    }

    /// A hashable key of everything but `via` (see [`Effect::same_except_via`]).
    pub fn key_except_via(&self) -> impl std::hash::Hash + Eq + use<> {
        let mut key = self.clone();
        key.via = Cow::Borrowed("");
        key
    }

    /// A short phrase naming what the effect does, for reasons: "reading .env",
    /// "running `rm -rf /`", "a request to evil.example".
    pub fn describe(&self) -> String {
        let mut out = String::with_capacity(64);
        self.describe_into(&mut out);
        out
    }

    /// Appends [`Effect::describe`] to `out`.
    pub fn describe_into(&self, out: &mut String) {
        let path = self.path.as_deref().unwrap_or("?");
        let [head, tail]: [&str; 2] = match self.kind {
            EffectKind::FileRead if self.recursive => ["reading the tree ", path],
            EffectKind::FileRead => ["reading ", path],
            EffectKind::FileWrite => ["writing ", path],
            EffectKind::FileDelete if self.recursive => ["deleting the tree ", path],
            EffectKind::FileDelete => ["deleting ", path],
            EffectKind::CommandExec => {
                out.push_str("running `");
                out.push_str(self.command.as_deref().unwrap_or("?"));
                out.push('`');
                return;
            }
            EffectKind::NetworkRequest if self.upload => {
                ["an upload to ", self.host.as_deref().unwrap_or("?")]
            }
            EffectKind::NetworkRequest => ["a request to ", self.host.as_deref().unwrap_or("?")],
            EffectKind::ToolCall => ["calling tool ", self.tool.as_deref().unwrap_or("?")],
            EffectKind::CredentialRequest => ["a credential request", ""],
            EffectKind::PipelineRun => ["a pipeline run", ""],
            EffectKind::MessageSend => ["sending a message", ""],
        };
        out.push_str(head);
        out.push_str(tail);
    }
}

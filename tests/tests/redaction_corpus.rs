//! The secret-redaction corpus: recall of the default policy's redactor on generated secrets
//! and its false positives on tricky non-secrets.
//!
//! Positives are generated at test time by a fixed-seed xorshift generator from per-kind format
//! specs and placed in rotating realistic contexts (shell, `.env`, YAML, JSON, HTTP headers,
//! logs, unified diffs, Python and JS source, Dockerfiles, URLs), so that the repository never
//! holds a literal token. Negatives are data: `tests/redaction/negatives.txt`. The test prints a
//! per-kind table to stderr and asserts, over the kinds the engine has, recall >= 97 %, a
//! false-positive rate <= 2 %, and that no secret the engine found survives in the redacted
//! text. See `tests/redaction/README.md`.
//!
//! With `AGENT_POLICY_CORPUS_OUT=<dir>` set, the test also writes the snippets it scores to
//! `<dir>/corpus.json` (see [`export_if_asked`]), so that the benchmark under
//! `tests/redaction/bench/` scores other secret scanners on exactly the same corpus.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use agent_policy_conformance::repo_root;
use agent_policy_core::{Engine, Redaction};

/// The seed of the corpus: the same seed gives the same snippets on every run.
const SEED: u64 = 0x5EC2_E7C0_2B05_1A7D;

/// Snippets generated per kind.
const PER_KIND: usize = 10;

/// Required recall over the kinds the engine detects.
const MIN_RECALL: f64 = 0.97;

/// Highest accepted false-positive rate over the counted negatives.
const MAX_FP_RATE: f64 = 0.02;

/// Negative families reported but not counted in the asserted rate, with the reason.
const UNCOUNTED_FAMILIES: &[(&str, &str)] = &[(
    "vendor-example",
    "documentation keys in a real format: the README's examples rely on them being redacted",
)];

// ---------------------------------------------------------------------------------------------
// Deterministic generation.

/// xorshift64* with a fixed seed.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// Between `lo` and `hi` characters drawn from `alphabet`, as [`Rng::string`].
    fn string_in(&mut self, alphabet: &str, lo: usize, hi: usize) -> String {
        let len = self.range(lo, hi);
        self.string(alphabet, len)
    }

    /// `len` characters drawn from `alphabet`, with at least one digit and one letter when
    /// the alphabet has both (real tokens mix them; a letters-only draw reads as a word).
    fn string(&mut self, alphabet: &str, len: usize) -> String {
        let chars: Vec<char> = alphabet.chars().collect();
        loop {
            let s: String = (0..len).map(|_| chars[self.below(chars.len())]).collect();
            let mixed =
                s.chars().any(|c| c.is_ascii_digit()) && s.chars().any(|c| c.is_ascii_alphabetic());
            let can_mix = chars.iter().any(char::is_ascii_digit)
                && chars.iter().any(char::is_ascii_alphabetic);
            if mixed || !can_mix || len < 4 {
                return s;
            }
        }
    }
}

const DIGITS: &str = "0123456789";
const UPPER_DIGITS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const BASE32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const LOWER_DIGITS: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &str = "0123456789abcdef";
const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// Characters of generated passwords: safe unquoted in `.env`, YAML and URLs.
const PASSWORD: &str = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_+%";

/// Joins pieces: token prefixes are written in two halves so that no file holds one whole.
fn cat(parts: &[&str]) -> String {
    parts.concat()
}

/// Standard base64 with padding (`url`: the URL-safe alphabet without padding).
fn base64(bytes: &[u8], url: bool) -> String {
    let alphabet: &[u8] = if url {
        B64URL.as_bytes()
    } else {
        B64.as_bytes()
    };
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
            } else if !url {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Format specs.

/// How a secret can be placed in text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// A self-identifying token: any context, under the spec's variable name.
    Token,
    /// Only recognisable by the name it is assigned to; the spec's names rotate.
    Assigned(&'static [&'static str]),
    /// An opaque bearer token in an `Authorization` header.
    Bearer,
    /// HTTP basic credentials (`Authorization: Basic`, `curl -u`).
    Basic,
    /// The password of a URL with a non-database scheme.
    UrlPassword,
    /// The password of a database connection URL.
    DbUrl,
    /// A secret URL (webhooks): the whole URL is the secret.
    SecretUrl,
    /// A PEM or PGP armored private key.
    Pem,
    /// Fixed snippets with `{v}` where the secret goes: formats found only in one syntax
    /// (connection strings, DSNs, command lines, key files). `(context, template)`.
    Template(&'static [(&'static str, &'static str)]),
}

/// One format of one kind.
#[derive(Debug, Clone, Copy)]
struct Spec {
    /// The kind the engine should report.
    kind: &'static str,
    /// The variable the secret is usually stored in.
    var: &'static str,
    /// How it can be placed.
    ctx: Ctx,
    /// Generates one secret.
    make: fn(&mut Rng) -> String,
}

const fn spec(
    kind: &'static str,
    var: &'static str,
    ctx: Ctx,
    make: fn(&mut Rng) -> String,
) -> Spec {
    Spec {
        kind,
        var,
        ctx,
        make,
    }
}

/// Names that announce a generic secret.
const GENERIC_NAMES: &[&str] = &[
    "DB_PASSWORD",
    "password",
    "client_secret",
    "api_key",
    "SECRET_KEY",
    "auth_token",
    "passphrase",
    "JWT_SECRET",
    "apiKey",
    "accessToken",
    "PrivateKey",
    "_authToken",
    "SMTP_PASSWORD",
    "webhook_secret",
];

/// Names that announce an AWS secret access key.
const AWS_SECRET_NAMES: &[&str] = &[
    "AWS_SECRET_ACCESS_KEY",
    "aws_secret_access_key",
    "SecretAccessKey",
    "secret_access_key",
    "awsSecretAccessKey",
];

fn jwt(r: &mut Rng) -> String {
    let header = base64(br#"{"alg":"HS256","typ":"JWT"}"#, true);
    let payload = format!(
        r#"{{"sub":"{}","name":"{}","iat":{},"exp":{}}}"#,
        r.string(DIGITS, 10),
        r.pick(&["alice", "bob", "carol", "deploy-bot"]),
        1_700_000_000 + r.below(50_000_000),
        1_760_000_000 + r.below(50_000_000)
    );
    format!(
        "{}.{}.{}",
        header,
        base64(payload.as_bytes(), true),
        r.string(B64URL, 43)
    )
}

/// The format specs, several per kind where the kind has several shapes.
fn specs() -> Vec<Spec> {
    use Ctx::*;
    vec![
        // ---- kinds the engine had when the corpus was written
        spec("aws-access-key-id", "AWS_ACCESS_KEY_ID", Token, |r| {
            cat(&["AK", "IA", &r.string(BASE32, 16)])
        }),
        spec("aws-access-key-id", "AWS_ACCESS_KEY_ID", Token, |r| {
            cat(&["AS", "IA", &r.string(UPPER_DIGITS, 16)])
        }),
        spec(
            "aws-secret-access-key",
            "",
            Assigned(AWS_SECRET_NAMES),
            |r| r.string(B64, 40),
        ),
        spec("github-token", "GITHUB_TOKEN", Token, |r| {
            let p = r.pick(&["p_", "o_", "u_", "s_", "r_"]);
            cat(&["gh", p, &r.string(ALNUM, 36)])
        }),
        spec("github-token", "GH_TOKEN", Token, |r| {
            cat(&[
                "github",
                "_pat_",
                &r.string(ALNUM, 22),
                "_",
                &r.string(ALNUM, 59),
            ])
        }),
        spec("gitlab-token", "GITLAB_TOKEN", Token, |r| {
            cat(&["glp", "at-", &r.string(B64URL, 20)])
        }),
        spec("slack-token", "SLACK_BOT_TOKEN", Token, |r| {
            let t = r.pick(&["b-", "p-", "a-", "r-", "s-"]);
            cat(&[
                "xox",
                t,
                &r.string(DIGITS, 12),
                "-",
                &r.string(DIGITS, 13),
                "-",
                &r.string(ALNUM, 24),
            ])
        }),
        spec("slack-token", "SLACK_TOKEN", Token, |r| {
            cat(&[
                "xoxe.",
                "xo",
                "xp-1-",
                &r.string(ALNUM, 40),
                "-",
                &r.string(HEX, 32),
            ])
        }),
        spec("slack-webhook", "SLACK_WEBHOOK_URL", SecretUrl, |r| {
            cat(&[
                "https://hooks.",
                "slack.com/services/T",
                &r.string(UPPER_DIGITS, 8),
                "/B",
                &r.string(UPPER_DIGITS, 10),
                "/",
                &r.string(ALNUM, 24),
            ])
        }),
        spec("stripe-key", "STRIPE_SECRET_KEY", Token, |r| {
            let (a, b) = [("sk_", "live_"), ("rk_", "live_"), ("sk_", "test_")][r.below(3)];
            let len = if r.below(2) == 0 { 24 } else { 99 };
            cat(&[a, b, &r.string(ALNUM, len)])
        }),
        spec("anthropic-api-key", "ANTHROPIC_API_KEY", Token, |r| {
            let p = r.pick(&["api03-", "admin01-"]);
            cat(&["sk-", "ant-", p, &r.string(B64URL, 93), "AA"])
        }),
        spec("openai-api-key", "OPENAI_API_KEY", Token, |r| {
            let p = r.pick(&["proj-", "svcacct-", "admin-"]);
            cat(&[
                "sk-",
                p,
                &r.string(B64URL, 74),
                "T3Blbk",
                "FJ",
                &r.string(B64URL, 74),
            ])
        }),
        spec("openai-api-key", "OPENAI_API_KEY", Token, |r| {
            cat(&[
                "sk-",
                &r.string(ALNUM, 20),
                "T3Blbk",
                "FJ",
                &r.string(ALNUM, 20),
            ])
        }),
        spec("google-api-key", "GOOGLE_API_KEY", Token, |r| {
            cat(&["AI", "za", &r.string(B64URL, 35)])
        }),
        spec("npm-token", "NPM_TOKEN", Token, |r| {
            cat(&["np", "m_", &r.string(ALNUM, 36)])
        }),
        spec("jwt", "ID_TOKEN", Token, jwt),
        spec("private-key", "", Pem, |_| String::new()),
        spec("database-url-password", "DATABASE_URL", DbUrl, |r| {
            r.string_in(PASSWORD, 10, 24)
        }),
        spec("url-password", "", UrlPassword, |r| {
            r.string_in(PASSWORD, 10, 20)
        }),
        spec("basic-auth", "", Basic, |r| r.string_in(PASSWORD, 10, 20)),
        spec("bearer-token", "", Bearer, |r| r.string_in(B64URL, 32, 64)),
        spec("generic-secret", "", Assigned(GENERIC_NAMES), |r| {
            r.string_in(PASSWORD, 12, 32)
        }),
        // ---- cloud providers
        spec(
            "aws-session-token",
            "",
            Assigned(&["AWS_SESSION_TOKEN", "aws_session_token", "SessionToken"]),
            |r| {
                let n = r.range(200, 320);
                cat(&["IQoJb3JpZ2luX2Vj", &r.string(B64, n), "=="])
            },
        ),
        spec(
            "gcp-service-account-key-id",
            "",
            Assigned(&["private_key_id"]),
            |r| r.string(HEX, 40),
        ),
        spec(
            "azure-storage-account-key",
            "",
            Template(&[
                (
                    "dotenv",
                    "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=acmestore01;AccountKey={v};EndpointSuffix=core.windows.net\n",
                ),
                (
                    "json",
                    "{\"Values\": {\"AzureWebJobsStorage\": \"DefaultEndpointsProtocol=https;AccountName=acmefn;AccountKey={v};EndpointSuffix=core.windows.net\"}}",
                ),
                (
                    "shell",
                    "az storage blob upload --account-name acmestore01 --account-key {v} -f db.bak -c backups",
                ),
                ("shell", "export AZURE_STORAGE_KEY={v}"),
                ("yaml", "storage:\n  azure_storage_account_key: \"{v}\"\n"),
                (
                    "csharp",
                    "var client = new BlobServiceClient(\"DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={v}\");",
                ),
            ]),
            |r| cat(&[&r.string(B64, 86), "=="]),
        ),
        spec(
            "azure-shared-access-key",
            "",
            Template(&[
                (
                    "dotenv",
                    "SERVICEBUS_CONNECTION=Endpoint=sb://acme-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={v}\n",
                ),
                (
                    "json",
                    "{\"EventHub\": \"Endpoint=sb://acme-eh.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={v};EntityPath=events\"}",
                ),
                (
                    "python",
                    "conn = \"HostName=acme-iot.azure-devices.net;DeviceId=dev1;SharedAccessKey={v}\"",
                ),
                (
                    "log",
                    "INFO connecting with Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey={v}",
                ),
            ]),
            |r| cat(&[&r.string(B64, 43), "="]),
        ),
        spec(
            "azure-sas-token",
            "",
            Template(&[
                (
                    "url",
                    "https://acmestore.blob.core.windows.net/backups/db.bak?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2026-12-31T00:00:00Z&st=2025-01-01T00:00:00Z&spr=https&sig={v}",
                ),
                (
                    "shell",
                    "azcopy copy ./build 'https://acmestore.blob.core.windows.net/site?sv=2023-01-03&se=2026-01-01&sr=c&sp=rwl&sig={v}' --recursive",
                ),
                (
                    "dotenv",
                    "BLOB_SAS_URL=https://acme.blob.core.windows.net/c?sv=2021-08-06&sp=r&sig={v}\n",
                ),
                (
                    "json",
                    "{\"sasUrl\": \"https://acme.queue.core.windows.net/jobs?sv=2022-11-02&sp=a&se=2026-01-01&sig={v}\"}",
                ),
            ]),
            |r| cat(&[&r.string(ALNUM, 43), "%3D"]),
        ),
        spec(
            "azure-ad-client-secret",
            "AZURE_CLIENT_SECRET",
            Token,
            |r| {
                cat(&[
                    &r.string(ALNUM, 3),
                    &r.string(DIGITS, 1),
                    "Q",
                    "~",
                    &r.string(
                        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~.",
                        34,
                    ),
                ])
            },
        ),
        spec(
            "alibaba-access-key-id",
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            Token,
            |r| cat(&["LT", "AI", &r.string(ALNUM, 20)]),
        ),
        spec("digitalocean-token", "DIGITALOCEAN_TOKEN", Token, |r| {
            let p = r.pick(&["dop_", "doo_", "dor_"]);
            cat(&[p, "v1_", &r.string(HEX, 64)])
        }),
        // ---- code hosting and CI
        spec(
            "gitlab-pipeline-trigger-token",
            "CI_TRIGGER_TOKEN",
            Token,
            |r| cat(&["glp", "tt-", &r.string(HEX, 40)]),
        ),
        spec("gitlab-deploy-token", "DEPLOY_TOKEN", Token, |r| {
            cat(&["gld", "t-", &r.string(B64URL, 20)])
        }),
        spec("gitlab-runner-token", "RUNNER_TOKEN", Token, |r| {
            if r.below(2) == 0 {
                cat(&["glr", "t-", &r.string(B64URL, 20)])
            } else {
                cat(&["GR1348", "941", &r.string(B64URL, 20)])
            }
        }),
        spec("gitlab-ci-job-token", "CI_JOB_TOKEN", Token, |r| {
            cat(&[
                "glc",
                "bt-",
                &r.string(ALNUM, 2),
                "_",
                &r.string(B64URL, 20),
            ])
        }),
        spec("gitlab-feed-token", "FEED_TOKEN", Token, |r| {
            cat(&["glf", "t-", &r.string(B64URL, 20)])
        }),
        spec("gitlab-oauth-app-secret", "GITLAB_APP_SECRET", Token, |r| {
            cat(&["glo", "as-", &r.string(B64URL, 64)])
        }),
        spec("gitlab-agent-token", "AGENT_TOKEN", Token, |r| {
            cat(&["glag", "ent-", &r.string(B64URL, 50)])
        }),
        spec(
            "bitbucket-app-password",
            "BITBUCKET_APP_PASSWORD",
            Token,
            |r| cat(&["AT", "BB", &r.string(ALNUM, 32)]),
        ),
        spec("circleci-token", "CIRCLECI_TOKEN", Token, |r| {
            cat(&["CCI", "PAT_", &r.string(ALNUM, 22), "_", &r.string(HEX, 40)])
        }),
        spec(
            "circleci-token",
            "",
            Assigned(&["CIRCLECI_TOKEN", "circle_token", "CIRCLE_API_KEY"]),
            |r| r.string(HEX, 40),
        ),
        spec(
            "travis-token",
            "",
            Assigned(&["TRAVIS_API_TOKEN", "travis_token", "TRAVIS_KEY"]),
            |r| r.string(B64URL, 22),
        ),
        spec("buildkite-token", "BUILDKITE_API_TOKEN", Token, |r| {
            cat(&["bk", "ua_", &r.string(HEX, 40)])
        }),
        spec(
            "azure-devops-pat",
            "",
            Assigned(&[
                "AZURE_DEVOPS_EXT_PAT",
                "AZURE_DEVOPS_TOKEN",
                "azdo_pat",
                "VSTS_TOKEN",
            ]),
            |r| {
                if r.below(2) == 0 {
                    r.string("abcdefghijklmnopqrstuvwxyz234567", 52)
                } else {
                    r.string(ALNUM, 84)
                }
            },
        ),
        // ---- package registries
        spec("pypi-token", "PYPI_TOKEN", Token, |r| {
            cat(&["py", "pi-AgEIcHlwaS5vcmc", &r.string(B64URL, 70)])
        }),
        spec("docker-hub-token", "DOCKERHUB_TOKEN", Token, |r| {
            let p = r.pick(&["pat_", "oat_"]);
            cat(&["dckr", "_", p, &r.string(B64URL, 27)])
        }),
        spec("nuget-api-key", "NUGET_API_KEY", Token, |r| {
            cat(&["oy", "2", &r.string(LOWER_DIGITS, 43)])
        }),
        spec("rubygems-api-key", "GEM_HOST_API_KEY", Token, |r| {
            cat(&["rubygems", "_", &r.string(HEX, 48)])
        }),
        spec("clojars-token", "CLOJARS_DEPLOY_TOKEN", Token, |r| {
            cat(&["CLOJ", "ARS_", &r.string(HEX, 60)])
        }),
        spec(
            "crates-io-token",
            "",
            Template(&[
                ("shell", "cargo login {v}"),
                ("dotenv", "CARGO_REGISTRY_TOKEN={v}\n"),
                ("toml", "[registry]\ntoken = \"{v}\"\n"),
                ("yaml", "env:\n  CARGO_REGISTRY_TOKEN: {v}\n"),
                (
                    "http",
                    "PUT /api/v1/crates/new HTTP/1.1\nHost: crates.io\nAuthorization: {v}\n",
                ),
            ]),
            |r| cat(&["ci", "o", &r.string(ALNUM, 32)]),
        ),
        // ---- AI providers
        spec("huggingface-token", "HF_TOKEN", Token, |r| {
            let p = r.pick(&["hf_", "api_org_"]);
            cat(&[p, &r.string(LETTERS, 34)])
        }),
        spec(
            "cohere-api-key",
            "",
            Assigned(&["COHERE_API_KEY", "CO_API_KEY", "cohere_key"]),
            |r| r.string(ALNUM, 40),
        ),
        spec("replicate-api-token", "REPLICATE_API_TOKEN", Token, |r| {
            cat(&["r", "8_", &r.string(ALNUM, 37)])
        }),
        spec("groq-api-key", "GROQ_API_KEY", Token, |r| {
            cat(&["gs", "k_", &r.string(ALNUM, 52)])
        }),
        spec("perplexity-api-key", "PERPLEXITY_API_KEY", Token, |r| {
            cat(&["pp", "lx-", &r.string(ALNUM, 48)])
        }),
        spec(
            "mistral-api-key",
            "",
            Assigned(&["MISTRAL_API_KEY", "mistral_token", "MistralApiKey"]),
            |r| r.string(ALNUM, 32),
        ),
        spec("xai-api-key", "XAI_API_KEY", Token, |r| {
            cat(&["xa", "i-", &r.string(ALNUM, 80)])
        }),
        spec("openrouter-api-key", "OPENROUTER_API_KEY", Token, |r| {
            cat(&["sk-", "or-v1-", &r.string(HEX, 64)])
        }),
        spec("fireworks-api-key", "FIREWORKS_API_KEY", Token, |r| {
            cat(&["f", "w_", &r.string(ALNUM, 24)])
        }),
        spec(
            "deepseek-api-key",
            "",
            Assigned(&["DEEPSEEK_API_KEY", "deepseek_key"]),
            |r| cat(&["sk", "-", &r.string(HEX, 32)]),
        ),
        spec("langsmith-api-key", "LANGSMITH_API_KEY", Token, |r| {
            let p = r.pick(&["pt_", "sk_"]);
            cat(&["lsv2", "_", p, &r.string(HEX, 32), "_", &r.string(HEX, 10)])
        }),
        // ---- messaging, payments and other services
        spec("slack-app-token", "SLACK_APP_TOKEN", Token, |r| {
            cat(&[
                "xa",
                "pp-1-A",
                &r.string(UPPER_DIGITS, 10),
                "-",
                &r.string(DIGITS, 13),
                "-",
                &r.string(HEX, 64),
            ])
        }),
        spec(
            "stripe-webhook-secret",
            "STRIPE_WEBHOOK_SECRET",
            Token,
            |r| cat(&["wh", "sec_", &r.string(ALNUM, 32)]),
        ),
        spec(
            "twilio-api-key",
            "",
            Assigned(&["TWILIO_API_KEY", "twilioApiKey", "TWILIO_API_KEY_SID"]),
            |r| cat(&["S", "K", &r.string(HEX, 32)]),
        ),
        spec(
            "twilio-auth-token",
            "",
            Assigned(&["TWILIO_AUTH_TOKEN", "twilio_token", "TwilioAuthToken"]),
            |r| r.string(HEX, 32),
        ),
        spec("sendgrid-api-key", "SENDGRID_API_KEY", Token, |r| {
            cat(&["S", "G.", &r.string(B64URL, 22), ".", &r.string(B64URL, 43)])
        }),
        spec(
            "mailgun-api-key",
            "",
            Assigned(&["MAILGUN_API_KEY", "mailgun_key", "MAILGUN_SECRET"]),
            |r| cat(&["ke", "y-", &r.string(HEX, 32)]),
        ),
        spec("mailchimp-api-key", "MAILCHIMP_API_KEY", Token, |r| {
            let dc = r.range(1, 21).to_string();
            cat(&[&r.string(HEX, 32), "-us", &dc])
        }),
        spec("shopify-access-token", "SHOPIFY_ACCESS_TOKEN", Token, |r| {
            let p = r.pick(&["at_", "ca_", "pa_"]);
            cat(&["shp", p, &r.string(HEX, 32)])
        }),
        spec("shopify-shared-secret", "SHOPIFY_API_SECRET", Token, |r| {
            cat(&["shp", "ss_", &r.string(HEX, 32)])
        }),
        spec(
            "datadog-api-key",
            "",
            Assigned(&["DD_API_KEY", "DATADOG_API_KEY", "datadog_api_key"]),
            |r| r.string(HEX, 32),
        ),
        spec(
            "datadog-app-key",
            "",
            Assigned(&["DD_APP_KEY", "DATADOG_APPLICATION_KEY", "datadog_app_key"]),
            |r| r.string(HEX, 40),
        ),
        spec(
            "sentry-dsn",
            "",
            Template(&[
                (
                    "dotenv",
                    "SENTRY_DSN=https://{v}@o450123.ingest.sentry.io/5501234\n",
                ),
                (
                    "js",
                    "Sentry.init({ dsn: \"https://{v}@o11.ingest.us.sentry.io/4505\" });",
                ),
                (
                    "python",
                    "sentry_sdk.init(dsn=\"https://{v}@sentry.example.com/3\", traces_sample_rate=0.1)",
                ),
                (
                    "yaml",
                    "sentry:\n  dsn: https://{v}@o77.ingest.sentry.io/12\n",
                ),
                (
                    "shell",
                    "export SENTRY_DSN='https://{v}@errors.example.com/7'",
                ),
            ]),
            |r| r.string(HEX, 32),
        ),
        spec("sentry-auth-token", "SENTRY_AUTH_TOKEN", Token, |r| {
            if r.below(2) == 0 {
                cat(&["sntry", "u_", &r.string(HEX, 64)])
            } else {
                cat(&["sntry", "s_eyJ", &r.string(ALNUM, 90)])
            }
        }),
        spec("vault-token", "VAULT_TOKEN", Token, |r| {
            let p = r.pick(&["s.", "b."]);
            cat(&["hv", p, &r.string(B64URL, 90)])
        }),
        spec(
            "vault-token",
            "",
            Assigned(&["VAULT_TOKEN", "vault_token"]),
            |r| cat(&["s", ".", &r.string(ALNUM, 24)]),
        ),
        spec("terraform-cloud-token", "TFE_TOKEN", Token, |r| {
            cat(&[&r.string(ALNUM, 14), ".atlas", "v1.", &r.string(ALNUM, 67)])
        }),
        spec("doppler-token", "DOPPLER_TOKEN", Token, |r| {
            let p = r.pick(&["pt.", "st.", "sa."]);
            cat(&["dp.", p, &r.string(ALNUM, 43)])
        }),
        spec("databricks-token", "DATABRICKS_TOKEN", Token, |r| {
            cat(&["da", "pi", &r.string(HEX, 32)])
        }),
        spec(
            "discord-bot-token",
            "",
            Assigned(&["DISCORD_BOT_TOKEN", "discord_token", "DiscordToken"]),
            |r| {
                let first = r.pick(&["M", "N", "O"]);
                cat(&[
                    first,
                    &r.string(B64URL, 25),
                    ".",
                    &r.string(B64URL, 6),
                    ".",
                    &r.string(B64URL, 38),
                ])
            },
        ),
        spec("discord-webhook", "DISCORD_WEBHOOK_URL", SecretUrl, |r| {
            cat(&[
                "https://discord.",
                "com/api/webhooks/",
                &r.string(DIGITS, 18),
                "/",
                &r.string(B64URL, 68),
            ])
        }),
        spec("telegram-bot-token", "TELEGRAM_BOT_TOKEN", Token, |r| {
            cat(&[&r.string(DIGITS, 10), ":A", "A", &r.string(B64URL, 33)])
        }),
        spec("atlassian-api-token", "JIRA_API_TOKEN", Token, |r| {
            cat(&[
                "ATATT",
                "3x",
                &r.string(B64URL, 176),
                "=",
                &r.string(HEX, 8),
            ])
        }),
        spec(
            "atlassian-api-token",
            "",
            Assigned(&["JIRA_API_TOKEN", "confluence_token", "ATLASSIAN_API_KEY"]),
            |r| r.string(ALNUM, 24),
        ),
        spec("linear-api-key", "LINEAR_API_KEY", Token, |r| {
            cat(&["lin_", "api_", &r.string(ALNUM, 40)])
        }),
        spec("notion-token", "NOTION_TOKEN", Token, |r| {
            if r.below(2) == 0 {
                cat(&["nt", "n_", &r.string(DIGITS, 11), &r.string(ALNUM, 35)])
            } else {
                cat(&["sec", "ret_", &r.string(ALNUM, 43)])
            }
        }),
        spec("figma-token", "FIGMA_TOKEN", Token, |r| {
            cat(&["fi", "gd_", &r.string(B64URL, 40)])
        }),
        spec("heroku-api-key", "HEROKU_API_KEY", Token, |r| {
            cat(&["HR", "KU-AA", &r.string(B64URL, 58)])
        }),
        spec(
            "heroku-api-key",
            "",
            Assigned(&["HEROKU_API_KEY", "heroku_token"]),
            |r| {
                format!(
                    "{}-{}-4{}-a{}-{}",
                    r.string(HEX, 8),
                    r.string(HEX, 4),
                    r.string(HEX, 3),
                    r.string(HEX, 3),
                    r.string(HEX, 12)
                )
            },
        ),
        spec("netlify-token", "NETLIFY_AUTH_TOKEN", Token, |r| {
            cat(&["nf", "p_", &r.string(ALNUM, 36)])
        }),
        spec(
            "netlify-token",
            "",
            Assigned(&["NETLIFY_AUTH_TOKEN", "netlify_token"]),
            |r| r.string(B64URL, 43),
        ),
        spec(
            "vercel-token",
            "",
            Assigned(&["VERCEL_TOKEN", "vercel_api_token"]),
            |r| r.string(ALNUM, 24),
        ),
        spec(
            "vercel-token",
            "",
            Template(&[
                ("shell", "vercel deploy --prod --token {v}"),
                ("shell", "npx vercel --token={v} --yes"),
                (
                    "yaml",
                    "- run: vercel pull --yes --environment=production -t {v}\n",
                ),
            ]),
            |r| r.string(ALNUM, 24),
        ),
        spec(
            "cloudflare-api-token",
            "",
            Assigned(&["CLOUDFLARE_API_TOKEN", "CF_API_TOKEN", "cloudflare_token"]),
            |r| r.string(B64URL, 40),
        ),
        spec(
            "cloudflare-api-token",
            "",
            Assigned(&["CF_API_KEY", "CLOUDFLARE_API_KEY"]),
            |r| r.string(HEX, 37),
        ),
        spec(
            "new-relic-api-key",
            "NEW_RELIC_API_KEY",
            Token,
            |r| match r.below(4) {
                0 => cat(&["NR", "AK-", &r.string(UPPER_DIGITS, 27)]),
                1 => cat(&["NR", "JS-", &r.string(HEX, 19)]),
                2 => cat(&["NR", "II-", &r.string(B64URL, 32)]),
                _ => cat(&[&r.string(HEX, 36), "NR", "AL"]),
            },
        ),
        spec(
            "pagerduty-api-key",
            "",
            Assigned(&["PAGERDUTY_API_KEY", "pagerduty_token", "PAGER_DUTY_KEY"]),
            |r| {
                r.string(
                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-",
                    20,
                )
            },
        ),
        spec(
            "pagerduty-api-key",
            "",
            Template(&[
                (
                    "curl",
                    "curl -H 'Authorization: Token token={v}' https://api.pagerduty.com/incidents",
                ),
                (
                    "http",
                    "GET /services HTTP/1.1\nAuthorization: Token token={v}\nAccept: application/json\n",
                ),
            ]),
            |r| r.string(ALNUM, 20),
        ),
        spec("postman-api-key", "POSTMAN_API_KEY", Token, |r| {
            cat(&["PM", "AK-", &r.string(HEX, 24), "-", &r.string(HEX, 34)])
        }),
        spec("grafana-cloud-token", "GRAFANA_CLOUD_TOKEN", Token, |r| {
            cat(&["gl", "c_eyJ", &r.string(ALNUM, 120), "=="])
        }),
        spec(
            "grafana-service-account-token",
            "GRAFANA_TOKEN",
            Token,
            |r| cat(&["gl", "sa_", &r.string(ALNUM, 32), "_", &r.string(HEX, 8)]),
        ),
        spec(
            "okta-api-token",
            "",
            Assigned(&["OKTA_API_TOKEN", "okta_token", "OKTA_CLIENT_TOKEN"]),
            |r| cat(&["0", "0", &r.string(B64URL, 40)]),
        ),
        spec(
            "okta-api-token",
            "",
            Template(&[
                (
                    "curl",
                    "curl -H \"Authorization: SSWS {v}\" https://acme.okta.com/api/v1/users",
                ),
                (
                    "http",
                    "GET /api/v1/groups HTTP/1.1\nHost: acme.okta.com\nAuthorization: SSWS {v}\n",
                ),
            ]),
            |r| cat(&["0", "0", &r.string(B64URL, 40)]),
        ),
        spec("age-secret-key", "AGE_SECRET_KEY", Token, |r| {
            cat(&[
                "AGE-SECRET-",
                "KEY-1",
                &r.string("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
            ])
        }),
        spec("pulumi-access-token", "PULUMI_ACCESS_TOKEN", Token, |r| {
            cat(&["pu", "l-", &r.string(HEX, 40)])
        }),
        spec("supabase-token", "SUPABASE_ACCESS_TOKEN", Token, |r| {
            if r.below(2) == 0 {
                cat(&["sb", "p_", &r.string(HEX, 40)])
            } else {
                cat(&["sb_", "secret_", &r.string(B64URL, 32)])
            }
        }),
        spec(
            "planetscale-token",
            "PLANETSCALE_SERVICE_TOKEN",
            Token,
            |r| {
                let p = r.pick(&["tkn_", "oauth_"]);
                cat(&["pscale_", p, &r.string(B64URL, 43)])
            },
        ),
        spec(
            "planetscale-password",
            "PLANETSCALE_DB_PASSWORD",
            Token,
            |r| cat(&["pscale_", "pw_", &r.string(B64URL, 43)]),
        ),
        spec("square-access-token", "SQUARE_ACCESS_TOKEN", Token, |r| {
            cat(&["sq0", "atp-", &r.string(B64URL, 22)])
        }),
        spec(
            "square-access-token",
            "",
            Assigned(&["SQUARE_ACCESS_TOKEN", "square_token"]),
            |r| cat(&["EA", "AA", &r.string(B64URL, 60)]),
        ),
        spec(
            "square-oauth-secret",
            "SQUARE_APPLICATION_SECRET",
            Token,
            |r| cat(&["sq0", "csp-", &r.string(B64URL, 43)]),
        ),
        spec("shippo-api-token", "SHIPPO_API_TOKEN", Token, |r| {
            cat(&["shippo", "_live_", &r.string(HEX, 40)])
        }),
        spec("mapbox-secret-token", "MAPBOX_SECRET_TOKEN", Token, |r| {
            cat(&[
                "s",
                "k.eyJ1",
                &r.string(B64URL, 56),
                ".",
                &r.string(B64URL, 22),
            ])
        }),
        spec("dropbox-access-token", "DROPBOX_ACCESS_TOKEN", Token, |r| {
            cat(&["s", "l.", &r.string(B64URL, 140)])
        }),
        spec(
            "asana-token",
            "",
            Assigned(&["ASANA_TOKEN", "asana_pat", "ASANA_ACCESS_TOKEN"]),
            |r| {
                if r.below(2) == 0 {
                    cat(&["1/", &r.string(DIGITS, 16), ":", &r.string(HEX, 32)])
                } else {
                    cat(&[
                        "2/",
                        &r.string(DIGITS, 16),
                        "/",
                        &r.string(DIGITS, 16),
                        ":",
                        &r.string(HEX, 32),
                    ])
                }
            },
        ),
        spec(
            "airtable-token",
            "",
            Assigned(&["AIRTABLE_TOKEN", "AIRTABLE_PAT", "airtable_api_key"]),
            |r| cat(&["pa", "t", &r.string(ALNUM, 14), ".", &r.string(HEX, 64)]),
        ),
        spec(
            "contentful-token",
            "CONTENTFUL_MANAGEMENT_TOKEN",
            Token,
            |r| cat(&["CF", "PAT-", &r.string(B64URL, 43)]),
        ),
        spec("frameio-token", "FRAMEIO_TOKEN", Token, |r| {
            cat(&["fio", "-u-", &r.string(B64URL, 64)])
        }),
        spec("dynatrace-token", "DT_API_TOKEN", Token, |r| {
            cat(&[
                "dt0",
                "c01.",
                &r.string(UPPER_DIGITS, 24),
                ".",
                &r.string(UPPER_DIGITS, 64),
            ])
        }),
        spec(
            "algolia-api-key",
            "",
            Assigned(&["ALGOLIA_API_KEY", "ALGOLIA_ADMIN_KEY", "algoliaApiKey"]),
            |r| r.string(HEX, 32),
        ),
        spec("typeform-token", "TYPEFORM_TOKEN", Token, |r| {
            cat(&["tf", "p_", &r.string(B64URL, 44), "_", &r.string(ALNUM, 14)])
        }),
        spec(
            "twitch-api-token",
            "",
            Assigned(&["TWITCH_OAUTH_TOKEN", "TWITCH_CLIENT_SECRET", "twitch_token"]),
            |r| r.string(LOWER_DIGITS, 30),
        ),
        spec(
            "zendesk-api-token",
            "",
            Assigned(&["ZENDESK_API_TOKEN", "zendesk_token"]),
            |r| r.string(ALNUM, 40),
        ),
        spec(
            "intercom-access-token",
            "",
            Assigned(&["INTERCOM_ACCESS_TOKEN", "intercom_token"]),
            |r| cat(&["dG9rOj", &r.string(ALNUM, 53), "="]),
        ),
        spec("fcm-server-key", "FCM_SERVER_KEY", Token, |r| {
            cat(&[
                "AA",
                "AA",
                &r.string(B64URL, 7),
                ":APA",
                "91b",
                &r.string(B64URL, 134),
            ])
        }),
        spec(
            "onepassword-service-account-token",
            "OP_SERVICE_ACCOUNT_TOKEN",
            Token,
            |r| cat(&["op", "s_eyJ", &r.string(ALNUM, 300)]),
        ),
        spec("openshift-token", "OPENSHIFT_TOKEN", Token, |r| {
            cat(&["sha256", "~", &r.string(B64URL, 43)])
        }),
        spec("brevo-api-key", "BREVO_API_KEY", Token, |r| {
            cat(&[
                "xkey",
                "sib-",
                &r.string(HEX, 64),
                "-",
                &r.string(ALNUM, 16),
            ])
        }),
        spec(
            "putty-private-key",
            "",
            Template(&[
                (
                    "file",
                    "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy@ci\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAIDq5dPz0yqq1Cz1w\nnD6vG0k1vGx2w3\nPrivate-Lines: 1\n{v}\nPrivate-MAC: 5f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8\n",
                ),
                (
                    "heredoc",
                    "cat > deploy.ppk <<'EOF'\nPuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: ci\nPublic-Lines: 1\nAAAAB3NzaC1yc2EAAAADAQABAAAAgQ\nPrivate-Lines: 1\n{v}\nPrivate-MAC: 0a1b2c3d4e5f60718293a4b5c6d7e8f901a2b3c4\nEOF",
                ),
                (
                    "json",
                    "{\"ppk\": \"PuTTY-User-Key-File-3: ssh-ed25519\\nEncryption: none\\nPublic-Lines: 1\\nAAAAC3NzaC1lZDI1NTE5\\nPrivate-Lines: 1\\n{v}\\nPrivate-MAC: 9e8d7c6b5a49382716a5b4c3d2e1f0a9\\n\"}",
                ),
            ]),
            |r| r.string(B64, 44),
        ),
        // ---- formats the engine does not detect yet
        spec("easypost-api-key", "EASYPOST_API_KEY", Token, |r| {
            cat(&["EZ", "AK", &r.string(ALNUM, 54)])
        }),
        spec(
            "google-oauth-client-secret",
            "GOOGLE_CLIENT_SECRET",
            Token,
            |r| cat(&["GOC", "SPX-", &r.string(B64URL, 28)]),
        ),
        spec("prefect-api-key", "PREFECT_API_KEY", Token, |r| {
            cat(&["pn", "u_", &r.string(ALNUM, 36)])
        }),
        spec("fly-token", "FLY_API_TOKEN", Token, |r| {
            cat(&["Fly", "V1 fm2_", &r.string(B64, 120)])
        }),
    ]
}

// ---------------------------------------------------------------------------------------------
// Contexts.

/// One generated positive.
#[derive(Debug)]
struct Positive {
    kind: &'static str,
    context: &'static str,
    text: String,
    /// The exact text a redaction must cover.
    secret: String,
    /// Text that must not appear in the redacted output (the secret and, for multi-line keys,
    /// each line of key material).
    leaks: Vec<String>,
}

fn camel(var: &str) -> String {
    let mut out = String::new();
    for (i, part) in var.split('_').filter(|p| !p.is_empty()).enumerate() {
        let lower = part.to_ascii_lowercase();
        if i == 0 {
            out.push_str(&lower);
        } else {
            let mut c = lower.chars();
            if let Some(f) = c.next() {
                out.push(f.to_ascii_uppercase());
                out.extend(c);
            }
        }
    }
    out
}

/// A self-identifying token in one of twelve contexts.
fn token_context(i: usize, var: &str, v: &str) -> (&'static str, String) {
    let lower = var.to_ascii_lowercase();
    let cml = camel(var);
    match i % 12 {
        0 => ("shell", format!("export {var}={v}")),
        1 => (
            "dotenv",
            format!("NODE_ENV=production\n{var}={v}\nPORT=8080\n"),
        ),
        2 => (
            "yaml",
            format!(
                "services:\n  api:\n    image: api:1.4\n    environment:\n      {var}: \"{v}\"\n"
            ),
        ),
        3 => (
            "json",
            format!("{{\"{lower}\": \"{v}\", \"region\": \"eu-west-1\", \"retries\": 3}}"),
        ),
        4 => (
            "http",
            format!(
                "GET /v1/account HTTP/1.1\r\nHost: api.example.com\r\nAuthorization: Bearer {v}\r\nAccept: application/json\r\n\r\n"
            ),
        ),
        5 => (
            "log",
            format!(
                "2025-03-14T09:12:44.201Z WARN  uploader: request failed status=401 using {v} (attempt 2/5)"
            ),
        ),
        6 => (
            "diff",
            format!(
                "diff --git a/deploy/app.env b/deploy/app.env\n--- a/deploy/app.env\n+++ b/deploy/app.env\n@@ -3,2 +3,3 @@\n LOG_LEVEL=info\n+{var}={v}\n REGION=eu-west-1\n"
            ),
        ),
        7 => (
            "python",
            format!("client = Client(base_url=BASE_URL, {lower}=\"{v}\", timeout=30)"),
        ),
        8 => (
            "js",
            format!("const {cml} = '{v}';\nexport const client = createClient({{ {cml} }});\n"),
        ),
        9 => (
            "dockerfile",
            format!("FROM node:20-slim\nWORKDIR /app\nENV {var}={v}\nRUN npm ci --omit=dev\n"),
        ),
        10 => (
            "curl",
            format!("curl -sS -H 'Authorization: Bearer {v}' https://api.example.com/v1/me"),
        ),
        _ => (
            "url",
            format!("https://api.example.com/v1/items?key={v}&page=2"),
        ),
    }
}

/// A secret recognisable only by the name it is assigned to.
fn assigned_context(i: usize, names: &[&str], v: &str) -> (&'static str, String) {
    let name = names[(i + i / 11) % names.len()];
    match i % 11 {
        0 => ("shell", format!("export {name}={v}")),
        1 => ("dotenv", format!("APP_ENV=staging\n{name}={v}\n")),
        2 => (
            "yaml",
            format!("database:\n  host: db.internal\n  {name}: {v}\n"),
        ),
        3 => (
            "json",
            format!("{{\"user\": \"svc-api\", \"{name}\": \"{v}\"}}"),
        ),
        4 => (
            "ini",
            format!("[default]\nregion = eu-west-1\n{name} = {v}\n"),
        ),
        5 => (
            "python",
            format!("settings = dict(debug=False)\n{name} = \"{v}\"\n"),
        ),
        6 => (
            "js",
            format!("const config = {{ host: 'db', {name}: \"{v}\" }};"),
        ),
        7 => (
            "diff",
            format!("--- a/.env\n+++ b/.env\n@@ -1 +1,2 @@\n APP_ENV=dev\n+{name}={v}\n"),
        ),
        8 => ("dockerfile", format!("FROM python:3.12\nENV {name}={v}\n")),
        9 => (
            "log",
            format!("Jan 12 10:02:11 web1 app[812]: loaded settings {name}={v} from env"),
        ),
        _ => (
            "toml",
            format!("[service]\nport = 8080\n{name} = \"{v}\"\n"),
        ),
    }
}

/// An opaque bearer token in a header.
fn bearer_context(i: usize, v: &str) -> (&'static str, String) {
    match i % 10 {
        0 => (
            "curl",
            format!("curl -H \"Authorization: Bearer {v}\" https://api.example.com/v2/orders"),
        ),
        1 => (
            "http",
            format!(
                "POST /graphql HTTP/1.1\nHost: api.example.com\nAuthorization: Bearer {v}\nContent-Type: application/json\n"
            ),
        ),
        2 => (
            "python",
            format!("resp = requests.get(url, headers={{\"Authorization\": \"Bearer {v}\"}})"),
        ),
        3 => (
            "js",
            format!("await fetch(url, {{ headers: {{ Authorization: `Bearer {v}` }} }});"),
        ),
        4 => (
            "log",
            format!("> GET /v1/me HTTP/2\n> authorization: bearer {v}\n> accept: */*\n"),
        ),
        5 => (
            "shell",
            format!("http GET api.example.com/v1/me \"Authorization:Bearer {v}\""),
        ),
        6 => (
            "yaml",
            format!(
                "request:\n  url: https://api.example.com\n  headers:\n    Authorization: Bearer {v}\n"
            ),
        ),
        7 => (
            "wget",
            format!("wget --header=\"Authorization: Bearer {v}\" https://files.example.com/a.tgz"),
        ),
        8 => (
            "json",
            format!("{{\"headers\": {{\"Authorization\": \"Bearer {v}\"}}, \"method\": \"GET\"}}"),
        ),
        _ => (
            "diff",
            format!("@@ -10,3 +10,3 @@\n-    auth = None\n+    auth = \"Bearer {v}\"\n"),
        ),
    }
}

/// HTTP basic credentials; returns the context, the text and the secret part.
fn basic_context(i: usize, r: &mut Rng, pw: &str) -> (&'static str, String, String) {
    let user = r.pick(&["admin", "deploy", "ci-bot", "jenkins", "svc_backup"]);
    let encoded = base64(format!("{user}:{pw}").as_bytes(), false);
    match i % 8 {
        0 => (
            "curl",
            format!("curl -u {user}:{pw} https://ci.example.com/api/json"),
            pw.to_owned(),
        ),
        1 => (
            "curl",
            format!("curl -sf --user \"{user}:{pw}\" -X POST https://nexus.example.com/upload"),
            pw.to_owned(),
        ),
        2 => (
            "curl",
            format!("curl --user={user}:{pw} https://registry.example.com/v2/_catalog"),
            pw.to_owned(),
        ),
        3 => (
            "http",
            format!(
                "GET /api HTTP/1.1\r\nHost: ci.example.com\r\nAuthorization: Basic {encoded}\r\n"
            ),
            encoded,
        ),
        4 => (
            "curl",
            format!("curl -H 'Authorization: Basic {encoded}' https://ci.example.com/job/build"),
            encoded,
        ),
        5 => (
            "python",
            format!("headers = {{\"Authorization\": \"Basic {encoded}\"}}"),
            encoded,
        ),
        6 => (
            "log",
            format!("DEBUG request headers: authorization=Basic {encoded} user-agent=ci/1.2"),
            encoded,
        ),
        _ => (
            "yaml",
            format!("proxy:\n  headers:\n    Authorization: Basic {encoded}\n"),
            encoded,
        ),
    }
}

/// A password inside a URL with a non-database scheme.
fn url_password_context(i: usize, r: &mut Rng, pw: &str) -> (&'static str, String) {
    let user = r.pick(&["deploy", "oauth2", "ci", "build-bot", "mirror"]);
    match i % 10 {
        0 => (
            "shell",
            format!("git clone https://{user}:{pw}@git.example.com/team/app.git"),
        ),
        1 => (
            "shell",
            format!("pip install --index-url https://{user}:{pw}@pypi.example.com/simple/ app"),
        ),
        2 => (
            "dotenv",
            format!("HTTPS_PROXY=http://{user}:{pw}@proxy.example.com:3128\n"),
        ),
        3 => (
            "yaml",
            format!("repositories:\n  - url: https://{user}:{pw}@maven.example.com/releases\n"),
        ),
        4 => (
            "json",
            format!("{{\"remote\": \"https://{user}:{pw}@git.example.com/team/app.git\"}}"),
        ),
        5 => (
            "log",
            format!("fatal: unable to access 'https://{user}:{pw}@git.example.com/app.git/': 403"),
        ),
        6 => (
            "shell",
            format!("lftp ftp://{user}:{pw}@ftp.example.com/pub"),
        ),
        7 => (
            "python",
            format!("SMTP_URL = \"smtp://{user}:{pw}@mail.example.com:587\""),
        ),
        8 => (
            "diff",
            format!(
                "-registry=https://npm.example.com/\n+registry=https://{user}:{pw}@npm.example.com/\n"
            ),
        ),
        _ => (
            "shell",
            format!("git remote set-url origin https://{user}:{pw}@git.example.com/app.git"),
        ),
    }
}

/// A password inside a database URL.
fn db_url_context(i: usize, r: &mut Rng, pw: &str) -> (&'static str, String) {
    let scheme = r.pick(&[
        "postgres",
        "postgresql",
        "mysql",
        "mariadb",
        "mongodb",
        "mongodb+srv",
        "redis",
        "rediss",
        "amqp",
        "amqps",
        "postgresql+psycopg2",
        "mysql+pymysql",
    ]);
    let user = r.pick(&["app", "shop", "admin", "readonly", "default"]);
    let url = format!("{scheme}://{user}:{pw}@db.internal:5432/app");
    match i % 10 {
        0 => ("dotenv", format!("DATABASE_URL={url}\n")),
        1 => ("shell", format!("export DATABASE_URL='{url}'")),
        2 => ("shell", format!("psql \"{url}\" -c 'select 1'")),
        3 => ("yaml", format!("spring:\n  datasource:\n    url: {url}\n")),
        4 => (
            "json",
            format!("{{\"connectionString\": \"{url}\", \"pool\": 10}}"),
        ),
        5 => (
            "python",
            format!("engine = create_engine(\"{url}\", pool_pre_ping=True)"),
        ),
        6 => (
            "js",
            format!("const pool = new Pool({{ connectionString: '{url}' }});"),
        ),
        7 => (
            "log",
            format!("2025-01-02 03:04:05 ERROR connect {url} failed: timeout after 5s"),
        ),
        8 => ("diff", format!("+  DATABASE_URL: {url}\n")),
        _ => ("dockerfile", format!("ENV DATABASE_URL={url}")),
    }
}

/// A secret URL (webhook).
fn secret_url_context(i: usize, var: &str, url: &str) -> (&'static str, String) {
    match i % 8 {
        0 => (
            "curl",
            format!(
                "curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deployed\"}}' {url}"
            ),
        ),
        1 => ("dotenv", format!("{var}={url}\n")),
        2 => ("yaml", format!("notify:\n  webhook: {url}\n")),
        3 => (
            "json",
            format!("{{\"webhook_url\": \"{url}\", \"channel\": \"#deploys\"}}"),
        ),
        4 => (
            "python",
            format!("requests.post(\"{url}\", json={{\"text\": msg}})"),
        ),
        5 => ("log", format!("INFO notifier: posting to {url} (200 OK)")),
        6 => ("shell", format!("export {var}=\"{url}\"")),
        _ => ("diff", format!("+      url: {url}\n")),
    }
}

/// A PEM or PGP private key in one of ten contexts. Returns the context, the text, the exact
/// armored block as it appears in the text, and the key material lines.
fn pem_context(i: usize, r: &mut Rng) -> (&'static str, String, String, Vec<String>) {
    let (label, lead) = match i % 7 {
        0 => ("RSA PRIVATE KEY", "MIIEpAIBAAKCAQEA"),
        1 => ("EC PRIVATE KEY", "MHcCAQEEI"),
        2 => ("OPENSSH PRIVATE KEY", "b3BlbnNzaC1rZXktdjEAAAAA"),
        3 => ("PRIVATE KEY", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"),
        4 => ("ENCRYPTED PRIVATE KEY", "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkq"),
        5 => ("DSA PRIVATE KEY", "MIIBuwIBAAKBgQ"),
        _ => ("PGP PRIVATE KEY BLOCK", "lQOYBGX"),
    };
    let n = r.range(3, 8);
    let mut lines: Vec<String> = Vec::new();
    for k in 0..n {
        let body = r.string(B64, 64);
        if k == 0 {
            lines.push(format!("{lead}{}", &body[lead.len()..]));
        } else {
            lines.push(body);
        }
    }
    lines.push(cat(&[&r.string_in(B64, 8, 40), "="]));
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut body_lines = lines.clone();
    if label.starts_with("PGP") {
        body_lines.insert(0, String::new());
        body_lines.push(format!("={}", r.string(B64, 4)));
    }
    let join = |sep: &str, indent: &str| -> String {
        let mut s = format!("{indent}{begin}");
        for l in &body_lines {
            s.push_str(sep);
            if !l.is_empty() {
                s.push_str(indent);
            }
            s.push_str(l);
        }
        s.push_str(sep);
        s.push_str(indent);
        s.push_str(&end);
        s
    };
    let (ctx, text, block) = match i % 10 {
        0 => {
            let b = join("\n", "");
            ("file", format!("{b}\n"), b)
        }
        1 => {
            let b = join("\\n", "");
            (
                "json",
                format!(
                    "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"acme-prod\",\n  \"private_key\": \"{b}\\n\",\n  \"client_email\": \"ci@acme-prod.iam.gserviceaccount.com\"\n}}\n"
                ),
                b,
            )
        }
        2 => {
            let b = join("\n", "    ");
            let b = b.trim_start().to_owned();
            (
                "yaml",
                format!("apiVersion: v1\nkind: Secret\nstringData:\n  tls.key: |\n    {b}\n"),
                b,
            )
        }
        3 => {
            let b = join("\n", "");
            (
                "heredoc",
                format!(
                    "mkdir -p ~/.ssh && cat > ~/.ssh/id_deploy <<'EOF'\n{b}\nEOF\nchmod 600 ~/.ssh/id_deploy"
                ),
                b,
            )
        }
        4 => {
            let b = join("\n+", "");
            (
                "diff",
                format!(
                    "diff --git a/certs/server.key b/certs/server.key\nnew file mode 100644\n--- /dev/null\n+++ b/certs/server.key\n@@ -0,0 +1,{} @@\n+{b}\n",
                    body_lines.len() + 2
                ),
                b,
            )
        }
        5 => {
            let b = join("\\n", "");
            ("shell", format!("echo -e \"{b}\" > key.pem"), b)
        }
        6 => {
            let b = join("\n", "");
            ("dotenv", format!("APP_ENV=prod\nSIGNING_KEY=\"{b}\"\n"), b)
        }
        7 => {
            let b = join("\n", "");
            (
                "terraform",
                format!("resource \"tls_cert\" \"x\" {{\n  private_key = <<EOT\n{b}\nEOT\n}}\n"),
                b,
            )
        }
        8 => {
            let b = join("\r\n", "");
            ("crlf", format!("{b}\r\n"), b)
        }
        _ => {
            let b = join("\n", "");
            (
                "log",
                format!("2025-02-01T10:00:00Z DEBUG loaded key material:\n{b}\n"),
                b,
            )
        }
    };
    let material = body_lines.into_iter().filter(|l| l.len() >= 12).collect();
    (ctx, text, block, material)
}

/// Generates the positives: [`PER_KIND`] per kind, rotating over the kind's formats and over
/// contexts.
fn positives() -> Vec<Positive> {
    let mut r = Rng(SEED);
    let specs = specs();
    let mut kinds: Vec<&'static str> = Vec::new();
    for s in &specs {
        if !kinds.contains(&s.kind) {
            kinds.push(s.kind);
        }
    }
    let mut out = Vec::new();
    for kind in kinds {
        let formats: Vec<&Spec> = specs.iter().filter(|s| s.kind == kind).collect();
        // Context-bound kinds get more snippets: they have more shapes to cover.
        let count = match formats[0].ctx {
            Ctx::Token | Ctx::Template(_) => PER_KIND,
            Ctx::SecretUrl => PER_KIND + 6,
            _ => PER_KIND * 2,
        };
        // Start each kind at a different context so that small kinds still see all of them.
        let offset = r.below(12);
        for i in 0..count {
            let s = formats[i % formats.len()];
            let c = i + offset;
            let v = (s.make)(&mut r);
            let (context, text, secret, leaks) = match s.ctx {
                Ctx::Token => {
                    let (ctx, text) = token_context(c, s.var, &v);
                    (ctx, text, v.clone(), vec![v])
                }
                Ctx::Assigned(names) => {
                    let (ctx, text) = assigned_context(c, names, &v);
                    (ctx, text, v.clone(), vec![v])
                }
                Ctx::Bearer => {
                    let (ctx, text) = bearer_context(c, &v);
                    (ctx, text, v.clone(), vec![v])
                }
                Ctx::Basic => {
                    let (ctx, text, secret) = basic_context(c, &mut r, &v);
                    (ctx, text, secret.clone(), vec![secret])
                }
                Ctx::UrlPassword => {
                    let (ctx, text) = url_password_context(c, &mut r, &v);
                    (ctx, text, v.clone(), vec![v])
                }
                Ctx::DbUrl => {
                    let (ctx, text) = db_url_context(c, &mut r, &v);
                    (ctx, text, v.clone(), vec![v])
                }
                Ctx::SecretUrl => {
                    let (ctx, text) = secret_url_context(c, s.var, &v);
                    (ctx, text, v.clone(), vec![v])
                }
                Ctx::Template(templates) => {
                    let (ctx, template) = templates[c % templates.len()];
                    (ctx, template.replace("{v}", &v), v.clone(), vec![v])
                }
                Ctx::Pem => {
                    let (ctx, text, block, mut material) = pem_context(i, &mut r);
                    material.insert(0, block.clone());
                    (ctx, text, block, material)
                }
            };
            assert!(
                text.contains(&secret),
                "corpus bug: the {kind} secret is not in its {context} snippet"
            );
            out.push(Positive {
                kind,
                context,
                text,
                secret,
                leaks,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Negatives.

/// One negative snippet and the family it belongs to.
#[derive(Debug)]
struct Negative {
    family: String,
    /// The kind the snippet imitates, if the family names one (`#@ family / kind`).
    kind: Option<String>,
    line: usize,
    text: String,
}

/// Reads `tests/redaction/negatives.txt`: one snippet per line; `#@ family` (or `#@ family /
/// kind`, for snippets that imitate a kind) starts a family,
/// other lines starting with `#` are comments, blank lines are skipped. In a snippet, `⏎`
/// stands for a newline, `⁞` is removed (it splits token prefixes so that the file holds none
/// whole), `⟨c*N⟩` stands for N copies of c, and a leading `\` is dropped (to start a snippet
/// with `#`).
fn negatives() -> Vec<Negative> {
    let path = repo_root().join("tests/redaction/negatives.txt");
    let data = std::fs::read_to_string(&path).expect("tests/redaction/negatives.txt");
    let mut family = String::from("unsorted");
    let mut kind: Option<String> = None;
    let mut out = Vec::new();
    for (n, raw) in data.lines().enumerate() {
        if let Some(f) = raw.strip_prefix("#@") {
            let (f, k) = f.split_once(" / ").unwrap_or((f, ""));
            family = f.trim().to_owned();
            kind = Some(k.trim().to_owned()).filter(|k| !k.is_empty());
            continue;
        }
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let raw = raw.strip_prefix('\\').unwrap_or(raw);
        out.push(Negative {
            family: family.clone(),
            kind: kind.clone(),
            line: n + 1,
            text: expand(raw),
        });
    }
    out
}

/// Expands the escapes of a negative snippet.
fn expand(raw: &str) -> String {
    let mut out = String::new();
    let mut rest = raw;
    while let Some(open) = rest.find('⟨') {
        out.push_str(&rest[..open]);
        let after = &rest[open + '⟨'.len_utf8()..];
        let close = after.find('⟩').expect("an unclosed ⟨ in negatives.txt");
        let (what, count) = after[..close]
            .rsplit_once('*')
            .expect("⟨c*N⟩ in negatives.txt");
        out.push_str(&what.repeat(count.parse().expect("a count in ⟨c*N⟩")));
        rest = &after[close + '⟩'.len_utf8()..];
    }
    out.push_str(rest);
    out.replace('⏎', "\n").replace('⁞', "")
}

// ---------------------------------------------------------------------------------------------
// The engine's kinds.

/// The kinds the built-in detectors report.
fn engine_kinds() -> BTreeSet<String> {
    agent_policy_core::redact::builtin_kinds()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// Reported kinds accepted for an expected kind, beyond the kind itself.
fn accepted(expected: &str, reported: &str) -> bool {
    expected == reported || ALIASES.contains(&(expected, reported))
}

/// `(expected, reported)`: a detector that reports a more general kind for this format.
const ALIASES: &[(&str, &str)] = &[];

// ---------------------------------------------------------------------------------------------
// Export for the benchmark.

/// The variable naming the directory the corpus is exported to.
const EXPORT_VAR: &str = "AGENT_POLICY_CORPUS_OUT";

/// When [`EXPORT_VAR`] is set, writes `corpus.json` into the directory it names: every
/// positive with its expected kind, context and the byte span of its secret in the snippet,
/// and every negative with its family and whether it is counted. Only the benchmark sets the
/// variable; the repository never holds the written file.
fn export_if_asked(
    positives: &[Positive],
    negatives: &[Negative],
    engine_kinds: &BTreeSet<String>,
) {
    let Some(dir) = std::env::var_os(EXPORT_VAR) else {
        return;
    };
    let dir = Path::new(&dir);
    let positives: Vec<serde_json::Value> = positives
        .iter()
        .map(|p| {
            let start = p
                .text
                .find(&p.secret)
                .expect("the secret is in its snippet");
            serde_json::json!({
                "kind": p.kind,
                "context": p.context,
                "engine_has_kind": engine_kinds.contains(p.kind),
                "start": start,
                "end": start + p.secret.len(),
                "text": p.text,
            })
        })
        .collect();
    let negatives: Vec<serde_json::Value> = negatives
        .iter()
        .map(|n| {
            serde_json::json!({
                "family": n.family,
                "kind": n.kind,
                "counted": !UNCOUNTED_FAMILIES.iter().any(|(f, _)| *f == n.family),
                "source_line": n.line,
                "text": n.text,
            })
        })
        .collect();
    let document = serde_json::json!({
        "seed": format!("{SEED:#x}"),
        "positives": positives,
        "negatives": negatives,
    });
    std::fs::create_dir_all(dir).expect("create the export directory");
    let path = dir.join("corpus.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&document).expect("serialise corpus"),
    )
    .expect("write corpus.json");
    eprintln!("redaction corpus exported to {}", path.display());
}

// ---------------------------------------------------------------------------------------------
// The test.

#[derive(Debug, Default)]
struct Row {
    positives: usize,
    found: usize,
    /// Redacted, but under another kind (kind -> count).
    other: BTreeMap<String, usize>,
    negatives: usize,
    false_positives: usize,
}

#[test]
fn redaction_corpus_recall_and_false_positives() {
    let engine = Engine::defaults();
    let redactor = engine.redactor();
    let engine_kinds = engine_kinds();
    let positives = positives();
    let negatives = negatives();
    export_if_asked(&positives, &negatives, &engine_kinds);
    let mut spec_kinds: Vec<&str> = positives.iter().map(|p| p.kind).collect();
    spec_kinds.dedup();

    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut missed: Vec<String> = Vec::new();
    let mut survivors: Vec<String> = Vec::new();
    let mut by_context: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut reported_kinds: BTreeSet<String> = BTreeSet::new();

    for p in &positives {
        let (redacted, found) = redactor.redact_text(&p.text, "$");
        reported_kinds.extend(found.iter().map(|f| f.kind.clone()));
        let at = p
            .text
            .find(&p.secret)
            .expect("the secret is in its snippet");
        let span = at..at + p.secret.len();
        let covering: Vec<&Redaction> = found
            .iter()
            .filter(|f| f.start <= span.start && f.end >= span.end)
            .collect();
        let ok = covering.iter().any(|f| accepted(p.kind, &f.kind));
        let row = rows.entry(p.kind.to_owned()).or_default();
        row.positives += 1;
        let counted = engine_kinds.contains(p.kind);
        if counted {
            let c = by_context.entry(p.context).or_default();
            c.0 += 1;
            c.1 += usize::from(ok);
        }
        if ok {
            row.found += 1;
            if let Some(l) = p.leaks.iter().find(|l| redacted.contains(l.as_str())) {
                survivors.push(format!(
                    "{} in {}: found, yet {:?} survives in {:?}",
                    p.kind, p.context, l, redacted
                ));
            }
        } else {
            if let Some(f) = covering.first() {
                *row.other.entry(f.kind.clone()).or_default() += 1;
            }
            if counted {
                let got: Vec<String> = found
                    .iter()
                    .map(|f| format!("{}@{}..{}", f.kind, f.start, f.end))
                    .collect();
                missed.push(format!(
                    "{} in {} (secret at {}..{}): engine reported [{}]\n      {:?}",
                    p.kind,
                    p.context,
                    span.start,
                    span.end,
                    got.join(", "),
                    p.text
                ));
            }
        }
    }

    let mut families: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut false_positives: Vec<String> = Vec::new();
    let mut counted_negatives = 0;
    let mut counted_fps = 0;
    for n in &negatives {
        let (_, found) = redactor.redact_text(&n.text, "$");
        let uncounted = UNCOUNTED_FAMILIES.iter().any(|(f, _)| *f == n.family);
        let fam = families.entry(n.family.as_str()).or_default();
        fam.0 += 1;
        if !uncounted {
            counted_negatives += 1;
        }
        if !found.is_empty() {
            fam.1 += 1;
            if !uncounted {
                counted_fps += 1;
            }
            for f in &found {
                rows.entry(f.kind.clone()).or_default().false_positives += 1;
            }
            let got: Vec<String> = found
                .iter()
                .map(|f| format!("{}:{:?}", f.kind, n.text.get(f.start..f.end).unwrap_or("")))
                .collect();
            false_positives.push(format!(
                "line {} [{}]{}: {}\n      {:?}",
                n.line,
                n.family,
                if uncounted { " (not counted)" } else { "" },
                got.join(", "),
                n.text
            ));
        }
        // Negatives that imitate a kind count in that kind's row.
        if let Some(kind) = &n.kind {
            rows.entry(kind.clone()).or_default().negatives += 1;
        }
    }

    // The report.
    let mut t = String::new();
    let _ = writeln!(
        t,
        "\nredaction corpus: seed {SEED:#x}, {} positives ({} kinds), {} negatives",
        positives.len(),
        spec_kinds.len(),
        negatives.len()
    );
    let _ = writeln!(
        t,
        "\n| kind | positives | found | recall | negatives | false positives | note |"
    );
    let _ = writeln!(t, "|---|---:|---:|---:|---:|---:|---|");
    let (mut total_pos, mut total_found) = (0, 0);
    let mut absent: Vec<&str> = Vec::new();
    for (kind, row) in &rows {
        let counted = engine_kinds.contains(kind.as_str());
        let mut note = String::new();
        if row.positives > 0 && !counted {
            note.push_str("not detected by the engine yet");
            absent.push(kind);
        } else if row.positives == 0 && !counted {
            note.push_str("reported kind without a spec");
        }
        if !row.other.is_empty() {
            let other: Vec<String> = row.other.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
            if !note.is_empty() {
                note.push_str("; ");
            }
            let _ = write!(note, "redacted as {}", other.join(", "));
        }
        if counted {
            total_pos += row.positives;
            total_found += row.found;
        }
        let recall = if row.positives == 0 {
            "-".to_owned()
        } else {
            format!("{:.1} %", 100.0 * row.found as f64 / row.positives as f64)
        };
        let _ = writeln!(
            t,
            "| {kind} | {} | {} | {recall} | {} | {} | {note} |",
            row.positives, row.found, row.negatives, row.false_positives
        );
    }
    let recall = total_found as f64 / total_pos.max(1) as f64;
    let fp_rate = counted_fps as f64 / counted_negatives.max(1) as f64;
    let _ = writeln!(t, "\n| context | positives | found | recall |");
    let _ = writeln!(t, "|---|---:|---:|---:|");
    for (ctx, (n, ok)) in &by_context {
        let _ = writeln!(
            t,
            "| {ctx} | {n} | {ok} | {:.1} % |",
            100.0 * *ok as f64 / (*n).max(1) as f64
        );
    }
    let _ = writeln!(t, "\n| negative family | snippets | false positives |");
    let _ = writeln!(t, "|---|---:|---:|");
    for (fam, (n, fp)) in &families {
        let _ = writeln!(t, "| {fam} | {n} | {fp} |");
    }
    let _ = writeln!(
        t,
        "\noverall, over the {} kinds the engine has: recall {total_found}/{total_pos} = {:.2} % \
         (bar {:.0} %); false positives {counted_fps}/{counted_negatives} = {:.2} % (bar {:.0} %)",
        spec_kinds.len() - absent.len(),
        100.0 * recall,
        100.0 * MIN_RECALL,
        100.0 * fp_rate,
        100.0 * MAX_FP_RATE
    );
    for (f, why) in UNCOUNTED_FAMILIES {
        let _ = writeln!(t, "family '{f}' is reported, not counted: {why}");
    }
    if !absent.is_empty() {
        let _ = writeln!(
            t,
            "not detected by the engine yet ({}): {}",
            absent.len(),
            absent.join(", ")
        );
    }
    let unspecified: Vec<&String> = engine_kinds
        .iter()
        .filter(|k| !spec_kinds.contains(&k.as_str()))
        .collect();
    if !unspecified.is_empty() {
        let _ = writeln!(
            t,
            "engine kinds without a spec in the corpus: {unspecified:?}"
        );
    }
    if !missed.is_empty() {
        let _ = writeln!(t, "\nmissed positives ({}):", missed.len());
        for m in &missed {
            let _ = writeln!(t, "  - {m}");
        }
    }
    if !false_positives.is_empty() {
        let _ = writeln!(t, "\nfalse positives ({}):", false_positives.len());
        for f in &false_positives {
            let _ = writeln!(t, "  - {f}");
        }
    }
    if !survivors.is_empty() {
        let _ = writeln!(
            t,
            "\nraw secrets surviving redaction ({}):",
            survivors.len()
        );
        for s in &survivors {
            let _ = writeln!(t, "  - {s}");
        }
    }
    eprintln!("{t}");

    assert!(
        positives.len() >= 400 && counted_negatives >= 300,
        "the corpus shrank: {} positives, {counted_negatives} counted negatives",
        positives.len()
    );
    assert!(
        !engine_kinds.is_empty(),
        "no detector kind found in the engine's redaction sources"
    );
    assert!(
        survivors.is_empty(),
        "{} raw secrets survive redaction (see the list above)",
        survivors.len()
    );
    assert!(
        recall >= MIN_RECALL,
        "recall {:.2} % is below {:.0} % (see the missed positives above)",
        100.0 * recall,
        100.0 * MIN_RECALL
    );
    assert!(
        fp_rate <= MAX_FP_RATE,
        "false-positive rate {:.2} % is above {:.0} % (see the false positives above)",
        100.0 * fp_rate,
        100.0 * MAX_FP_RATE
    );
}

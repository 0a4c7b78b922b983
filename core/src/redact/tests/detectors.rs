//! Tests of the built-in detector table, kind by kind: every kind finds a realistic secret in
//! a realistic setting (`.env` line, JSON, YAML, header, command line) and leaves its near
//! misses (wrong length, placeholders, variables, other vendors' settings) alone; every
//! pattern's matches hold one of its prefilter keywords.
//!
//! Token-shaped values are generated at test time from a seeded generator and a vendor
//! prefix, so that no whole secret-looking literal sits in the source.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use regex::Regex;
use serde_json::json;

use super::super::Redactor;
use super::super::detectors::{BUILTINS, is_line_local};

const DIGITS: &str = "0123456789";
const HEX: &str = "0123456789abcdef";
const LOWER_ALNUM: &str = "abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const B64: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/";
const B64URL: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
const BASE32: &str = "abcdefghijklmnopqrstuvwxyz234567";
const BECH32: &str = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

/// `len` pseudo-random characters of `alphabet`, the same for the same `seed`.
fn r(alphabet: &str, len: usize, seed: u64) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let i = usize::try_from((state >> 11) % chars.len() as u64).unwrap();
            chars[i]
        })
        .collect()
}

/// A vendor prefix followed by `len` random characters of `alphabet`.
fn t(prefix: &str, alphabet: &str, len: usize, seed: u64) -> String {
    format!("{prefix}{}", r(alphabet, len, seed))
}

/// A UUID-shaped value.
fn uuid(seed: u64) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        r(HEX, 8, seed),
        r(HEX, 4, seed + 1),
        r(HEX, 4, seed + 2),
        r(HEX, 4, seed + 3),
        r(HEX, 12, seed + 4)
    )
}

/// A PEM block with `label`, its body lines joined by `newline` (which may carry indentation
/// or be an escaped `\n`).
fn pem(label: &str, newline: &str) -> String {
    let body: Vec<String> = (0..4).map(|i| r(B64, 64, 900 + i)).collect();
    format!(
        "-----BEGIN {label}-----{newline}{}{newline}-----END {label}-----",
        body.join(newline)
    )
}

/// One realistic occurrence: the text is `before` + `secret` + `after`.
struct Positive {
    kind: &'static str,
    before: String,
    secret: String,
    after: String,
}

impl Positive {
    fn text(&self) -> String {
        format!("{}{}{}", self.before, self.secret, self.after)
    }
}

fn pos(kind: &'static str, before: &str, secret: String, after: &str) -> Positive {
    Positive {
        kind,
        before: before.to_owned(),
        secret,
        after: after.to_owned(),
    }
}

/// Every kind in realistic settings.
fn positives() -> Vec<Positive> {
    let jwt = format!(
        "eyJ{}.eyJ{}.{}",
        r(B64URL, 30, 1),
        r(B64URL, 40, 2),
        r(B64URL, 43, 3)
    );
    vec![
        // Private keys: PEM of every family, PGP, escaped and indented forms, SSH.com, PuTTY.
        pos(
            "private-key",
            "id_rsa:\n",
            pem("RSA PRIVATE KEY", "\n"),
            "\n",
        ),
        pos("private-key", "", pem("EC PRIVATE KEY", "\n"), ""),
        pos("private-key", "", pem("DSA PRIVATE KEY", "\n"), ""),
        pos("private-key", "", pem("OPENSSH PRIVATE KEY", "\n"), "\n"),
        pos("private-key", "", pem("ENCRYPTED PRIVATE KEY", "\r\n"), ""),
        pos(
            "private-key",
            "gpg --import <<'EOF'\n",
            pem("PGP PRIVATE KEY BLOCK", "\n"),
            "\nEOF",
        ),
        pos(
            "private-key",
            r#"{"type": "service_account", "private_key": ""#,
            pem("PRIVATE KEY", "\\n"),
            r#"\n", "client_email": "ci@p.iam.gserviceaccount.com"}"#,
        ),
        pos(
            "private-key",
            "tls:\n  key: |\n    ",
            pem("PRIVATE KEY", "\n    "),
            "\n  cert: cert.pem\n",
        ),
        pos(
            "private-key",
            "",
            format!(
                "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\nComment: \"rsa-key\"\n{}\n---- END SSH2 ENCRYPTED PRIVATE KEY ----",
                r(B64, 64, 5)
            ),
            "\n",
        ),
        pos(
            "putty-private-key",
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy\nPublic-Lines: 2\nAAAAC3NzaC1lZDI1NTE5\n",
            format!(
                "Private-Lines: 1\n{}\nPrivate-MAC: {}",
                r(B64, 44, 6),
                r(HEX, 64, 7)
            ),
            "\n",
        ),
        pos(
            "putty-private-key",
            r#"{"ppk": "PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nPublic-Lines: 1\nAAAAB3NzaC1yc2E\n"#,
            format!(
                "Private-Lines: 1\\n{}\\nPrivate-MAC: {}",
                r(B64, 44, 200),
                r(HEX, 64, 201)
            ),
            r#"\n"}"#,
        ),
        // Cloud providers.
        pos(
            "aws-access-key-id",
            "AWS_ACCESS_KEY_ID=",
            t("AKIA", UPPER_ALNUM, 16, 8),
            "\n",
        ),
        pos(
            "aws-secret-access-key",
            "[default]\naws_secret_access_key = ",
            r(B64, 40, 9),
            "\n",
        ),
        pos(
            "aws-session-token",
            "[default]\naws_session_token = ",
            t("IQoJb3JpZ2luX2Vj", B64, 300, 10),
            "\n",
        ),
        pos(
            "aws-session-token",
            r#"{"Credentials": {"SessionToken": ""#,
            t("FwoGZXIvYXdzE", B64, 200, 11),
            r#"", "Expiration": "2026-01-01T00:00:00Z"}}"#,
        ),
        pos(
            "gcp-service-account-key-id",
            r#"{"type": "service_account", "project_id": "acme", "private_key_id": ""#,
            r(HEX, 40, 12),
            r#"", "client_id": "1"}"#,
        ),
        pos(
            "azure-storage-account-key",
            "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=",
            format!("{}==", r(B64, 86, 13)),
            ";EndpointSuffix=core.windows.net\n",
        ),
        pos(
            "azure-storage-account-key",
            "export AZURE_STORAGE_KEY=",
            format!("{}==", r(B64, 86, 14)),
            "\n",
        ),
        pos(
            "azure-storage-account-key",
            "az storage blob upload --account-name acme --account-key ",
            format!("{}==", r(B64, 86, 202)),
            " -f db.bak -c backups",
        ),
        pos(
            "azure-shared-access-key",
            "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=",
            format!("{}=", r(B64, 43, 15)),
            "",
        ),
        pos(
            "azure-sas-token",
            "az storage blob download --blob-url 'https://acme.blob.core.windows.net/c/b.txt?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-01-01T00:00:00Z&spr=https&sig=",
            format!("{}%3D", r(ALNUM, 43, 16)),
            "'",
        ),
        pos(
            "azure-ad-client-secret",
            "AZURE_CLIENT_SECRET=",
            format!("{}8Q~{}", r(ALNUM, 3, 17), r(B64URL, 34, 18)),
            "\n",
        ),
        pos(
            "alibaba-access-key-id",
            "ALIBABA_CLOUD_ACCESS_KEY_ID: ",
            t("LTAI", ALNUM, 20, 19),
            "\n",
        ),
        pos(
            "digitalocean-token",
            "doctl auth init --access-token ",
            t("dop_v1_", HEX, 64, 20),
            "",
        ),
        // Code hosting and CI.
        pos(
            "github-token",
            r#"{"token": ""#,
            t("ghs_", ALNUM, 36, 21),
            r#"", "expires_at": "2026-01-01T00:00:00Z"}"#,
        ),
        pos(
            "github-token",
            "gh auth login --with-token <<< ",
            t("github_pat_", ALNUM, 82, 22),
            "",
        ),
        pos(
            "gitlab-token",
            "PRIVATE-TOKEN: ",
            t("glpat-", B64URL, 20, 23),
            "\n",
        ),
        pos(
            "gitlab-pipeline-trigger-token",
            "curl -X POST -F token=",
            t("glptt-", HEX, 40, 24),
            " -F ref=main https://gitlab.example.com/api/v4/projects/9/trigger/pipeline",
        ),
        pos(
            "gitlab-deploy-token",
            "CI_DEPLOY_PASSWORD=",
            t("gldt-", B64URL, 20, 25),
            "\n",
        ),
        pos(
            "gitlab-runner-token",
            "[[runners]]\n  url = \"https://gitlab.com\"\n  token = \"",
            t("glrt-", B64URL, 20, 26),
            "\"\n",
        ),
        pos(
            "gitlab-runner-token",
            "gitlab-runner register --registration-token ",
            t("GR1348941", B64URL, 20, 27),
            " --url https://gitlab.com",
        ),
        pos(
            "gitlab-ci-job-token",
            "curl --header \"JOB-TOKEN: ",
            format!("glcbt-{}_{}", r(ALNUM, 2, 28), r(B64URL, 20, 29)),
            "\" https://gitlab.com/api/v4/job",
        ),
        pos(
            "gitlab-feed-token",
            "https://gitlab.com/dashboard/projects.atom?feed_token=",
            t("glft-", B64URL, 20, 30),
            "",
        ),
        pos(
            "gitlab-oauth-app-secret",
            "GITLAB_OAUTH_SECRET=",
            t("gloas-", B64URL, 64, 31),
            "\n",
        ),
        pos(
            "gitlab-agent-token",
            "helm upgrade --install agent gitlab/gitlab-agent --set config.token=",
            t("glagent-", B64URL, 50, 32),
            "",
        ),
        pos(
            "bitbucket-app-password",
            "git clone https://dev:",
            t("ATBB", ALNUM, 32, 33),
            "@bitbucket.org/acme/app.git",
        ),
        pos(
            "circleci-token",
            "export CIRCLECI_TOKEN=",
            format!("CCIPAT_{}_{}", r(ALNUM, 22, 34), r(HEX, 40, 35)),
            "\n",
        ),
        pos("circleci-token", "CIRCLE_TOKEN: ", r(HEX, 40, 36), "\n"),
        pos(
            "travis-token",
            "travis_api_token = \"",
            r(B64URL, 22, 37),
            "\"\n",
        ),
        pos(
            "buildkite-token",
            "Authorization: Bearer ",
            t("bkua_", HEX, 40, 38),
            "\n",
        ),
        pos(
            "azure-devops-pat",
            "AZURE_DEVOPS_EXT_PAT=",
            r(BASE32, 52, 39),
            "\n",
        ),
        pos("azure-devops-pat", "  azdo_token: ", r(ALNUM, 84, 40), "\n"),
        // Package registries.
        pos(
            "npm-token",
            "//registry.npmjs.org/:_authToken=",
            t("npm_", ALNUM, 36, 41),
            "\n",
        ),
        pos(
            "pypi-token",
            "[pypi]\nusername = __token__\npassword = ",
            t("pypi-AgEIcHlwaS5vcmc", B64URL, 120, 42),
            "\n",
        ),
        pos(
            "pypi-token",
            "twine upload -r testpypi -p ",
            t("pypi-AgENdGVzdC5weXBpLm9yZw", B64URL, 100, 43),
            " dist/*",
        ),
        pos(
            "docker-hub-token",
            "echo ",
            t("dckr_pat_", B64URL, 27, 44),
            " | docker login -u acme --password-stdin",
        ),
        pos(
            "nuget-api-key",
            "dotnet nuget push pkg.nupkg --api-key ",
            t("oy2", LOWER_ALNUM, 43, 45),
            " --source https://api.nuget.org/v3/index.json",
        ),
        pos(
            "rubygems-api-key",
            "---\n:rubygems_api_key: ",
            t("rubygems_", HEX, 48, 46),
            "\n",
        ),
        pos(
            "clojars-token",
            "CLOJARS_PASSWORD=",
            t("CLOJARS_", LOWER_ALNUM, 60, 47),
            "\n",
        ),
        pos(
            "crates-io-token",
            "[registry]\ntoken = \"",
            t("cio", ALNUM, 32, 48),
            "\"\n",
        ),
        pos(
            "crates-io-token",
            "cargo login ",
            t("cio", ALNUM, 32, 49),
            "",
        ),
        // AI providers.
        pos(
            "anthropic-api-key",
            "ANTHROPIC_ADMIN_KEY=",
            t("sk-ant-admin01-", B64URL, 93, 50),
            "\n",
        ),
        pos(
            "openai-api-key",
            "OPENAI_API_KEY=",
            t("sk-svcacct-", B64URL, 120, 51),
            "\n",
        ),
        pos(
            "google-api-key",
            "GEMINI_API_KEY=",
            t("AIza", B64URL, 35, 52),
            "\n",
        ),
        pos(
            "huggingface-token",
            "huggingface-cli login --token ",
            t("hf_", LETTERS, 34, 53),
            "",
        ),
        pos(
            "huggingface-token",
            "HF_TOKEN=",
            t("api_org_", LETTERS, 34, 54),
            "\n",
        ),
        pos("cohere-api-key", "CO_API_KEY=", r(ALNUM, 40, 55), "\n"),
        pos(
            "cohere-api-key",
            r#"{"cohere_api_key": ""#,
            r(ALNUM, 40, 56),
            r#""}"#,
        ),
        pos(
            "replicate-api-token",
            "export REPLICATE_API_TOKEN=",
            t("r8_", ALNUM, 37, 57),
            "\n",
        ),
        pos(
            "groq-api-key",
            "client = Groq(api_key=\"",
            t("gsk_", ALNUM, 52, 58),
            "\")",
        ),
        pos(
            "perplexity-api-key",
            "-H 'Authorization: Bearer ",
            t("pplx-", ALNUM, 48, 59),
            "'",
        ),
        pos(
            "mistral-api-key",
            "MISTRAL_API_KEY=",
            r(ALNUM, 32, 60),
            "\n",
        ),
        pos(
            "xai-api-key",
            "XAI_API_KEY=",
            t("xai-", ALNUM, 80, 61),
            "\n",
        ),
        pos(
            "openrouter-api-key",
            r#"{"apiKey": ""#,
            t("sk-or-v1-", HEX, 64, 62),
            r#""}"#,
        ),
        pos(
            "fireworks-api-key",
            "FIREWORKS_API_KEY=",
            t("fw_", ALNUM, 24, 63),
            "\n",
        ),
        pos(
            "deepseek-api-key",
            "DEEPSEEK_API_KEY: ",
            t("sk-", HEX, 32, 64),
            "\n",
        ),
        pos(
            "langsmith-api-key",
            "LANGSMITH_API_KEY=",
            format!("lsv2_pt_{}_{}", r(HEX, 32, 203), r(HEX, 10, 204)),
            "\n",
        ),
        // Messaging, payments and other services.
        pos(
            "slack-token",
            "SLACK_CONFIG_TOKEN=",
            t("xoxe.xoxp-1-", UPPER_ALNUM, 163, 65),
            "\n",
        ),
        pos(
            "slack-app-token",
            "SLACK_APP_TOKEN=",
            format!(
                "xapp-1-{}-{}-{}",
                r(UPPER_ALNUM, 11, 66),
                r(DIGITS, 13, 67),
                r(HEX, 64, 68)
            ),
            "\n",
        ),
        pos(
            "slack-webhook",
            "SLACK_WEBHOOK_URL=",
            format!(
                "https://hooks.slack.com/services/T{}/B{}/{}",
                r(UPPER_ALNUM, 8, 69),
                r(UPPER_ALNUM, 10, 70),
                r(ALNUM, 24, 71)
            ),
            "\n",
        ),
        pos(
            "stripe-key",
            "STRIPE_SECRET_KEY=",
            t("rk_live_", ALNUM, 99, 72),
            "\n",
        ),
        pos(
            "stripe-webhook-secret",
            "STRIPE_WEBHOOK_SECRET=",
            t("whsec_", ALNUM, 32, 73),
            "\n",
        ),
        pos(
            "twilio-api-key",
            "TWILIO_API_KEY=",
            t("SK", HEX, 32, 74),
            "\n",
        ),
        pos(
            "twilio-auth-token",
            "TWILIO_AUTH_TOKEN=",
            r(HEX, 32, 75),
            "\n",
        ),
        pos(
            "sendgrid-api-key",
            "sg = SendGridAPIClient(\"",
            format!("SG.{}.{}", r(B64URL, 22, 76), r(B64URL, 43, 77)),
            "\")",
        ),
        pos(
            "mailgun-api-key",
            "MAILGUN_API_KEY=",
            t("key-", HEX, 32, 78),
            "\n",
        ),
        pos(
            "mailgun-api-key",
            "MAILGUN_WEBHOOK_SIGNING_KEY=",
            format!("{}-{}-{}", r(HEX, 32, 79), r(HEX, 8, 80), r(HEX, 8, 81)),
            "\n",
        ),
        pos(
            "mailchimp-api-key",
            "client.setConfig({ apiKey: \"",
            format!("{}-us21", r(HEX, 32, 82)),
            "\", server: \"us21\" });",
        ),
        pos(
            "shopify-access-token",
            "X-Shopify-Access-Token: ",
            t("shpat_", HEX, 32, 83),
            "\n",
        ),
        pos(
            "shopify-shared-secret",
            "SHOPIFY_API_SECRET=",
            t("shpss_", HEX, 32, 84),
            "\n",
        ),
        pos("datadog-api-key", "DD_API_KEY=", r(HEX, 32, 85), "\n"),
        pos(
            "datadog-api-key",
            "curl -H \"DD-API-KEY: ",
            r(HEX, 32, 86),
            "\" https://api.datadoghq.com/api/v1/validate",
        ),
        pos(
            "datadog-app-key",
            "datadog_application_key = \"",
            r(HEX, 40, 87),
            "\"\n",
        ),
        pos(
            "sentry-dsn",
            "Sentry.init({ dsn: \"https://",
            r(HEX, 32, 88),
            "@o450000.ingest.sentry.io/5500000\" });",
        ),
        pos(
            "sentry-dsn",
            "SENTRY_DSN=https://",
            format!("{}:{}", r(HEX, 32, 89), r(HEX, 32, 90)),
            "@errors.internal.example/12\n",
        ),
        pos(
            "sentry-auth-token",
            "SENTRY_AUTH_TOKEN=",
            t("sntrys_eyJ", B64, 120, 91),
            "\n",
        ),
        pos(
            "sentry-auth-token",
            "sentry-cli --auth-token ",
            t("sntryu_", HEX, 64, 92),
            " releases list",
        ),
        pos(
            "vault-token",
            "export VAULT_TOKEN=",
            t("hvs.", B64URL, 91, 93),
            "\n",
        ),
        pos("vault-token", "vault_token: ", t("s.", ALNUM, 24, 94), "\n"),
        pos(
            "terraform-cloud-token",
            "credentials \"app.terraform.io\" {\n  token = \"",
            format!("{}.atlasv1.{}", r(ALNUM, 14, 95), r(B64URL, 67, 96)),
            "\"\n}",
        ),
        pos(
            "doppler-token",
            "DOPPLER_TOKEN=",
            t("dp.st.prd.", ALNUM, 43, 97),
            "\n",
        ),
        pos(
            "databricks-token",
            "[DEFAULT]\nhost = https://adb-1.azuredatabricks.net\ntoken = ",
            t("dapi", HEX, 32, 98),
            "\n",
        ),
        pos(
            "discord-bot-token",
            "DISCORD_BOT_TOKEN=",
            format!(
                "M{}.{}.{}",
                r(B64URL, 25, 99),
                r(B64URL, 6, 100),
                r(B64URL, 38, 101)
            ),
            "\n",
        ),
        pos(
            "discord-bot-token",
            "headers = {\"Authorization\": \"Bot ",
            format!(
                "O{}.{}.{}",
                r(B64URL, 23, 102),
                r(B64URL, 6, 103),
                r(B64URL, 27, 104)
            ),
            "\"}",
        ),
        pos(
            "discord-webhook",
            "curl -H 'Content-Type: application/json' -d '{\"content\":\"done\"}' ",
            format!(
                "https://discord.com/api/webhooks/{}/{}",
                r(DIGITS, 19, 105),
                r(B64URL, 68, 106)
            ),
            "",
        ),
        pos(
            "telegram-bot-token",
            "curl https://api.telegram.org/bot",
            format!("{}:AA{}", r(DIGITS, 10, 107), r(B64URL, 33, 108)),
            "/getMe",
        ),
        pos(
            "atlassian-api-token",
            "JIRA_API_TOKEN=",
            t("ATATT3", B64URL, 186, 109),
            "\n",
        ),
        pos(
            "atlassian-api-token",
            "confluence_token: ",
            r(ALNUM, 24, 110),
            "\n",
        ),
        pos(
            "linear-api-key",
            "LINEAR_API_KEY=",
            t("lin_api_", ALNUM, 40, 111),
            "\n",
        ),
        pos(
            "notion-token",
            "const notion = new Client({ auth: \"",
            t("secret_", ALNUM, 43, 112),
            "\" });",
        ),
        pos(
            "notion-token",
            "NOTION_TOKEN=",
            format!("ntn_{}{}", r(DIGITS, 11, 113), r(ALNUM, 35, 114)),
            "\n",
        ),
        pos(
            "figma-token",
            "-H \"X-Figma-Token: ",
            t("figd_", B64URL, 40, 115),
            "\"",
        ),
        pos("heroku-api-key", "HEROKU_API_KEY=", uuid(116), "\n"),
        pos(
            "heroku-api-key",
            "machine api.heroku.com\n  password ",
            t("HRKU-AA", B64URL, 58, 117),
            "\n",
        ),
        pos(
            "netlify-token",
            "netlify deploy --auth ",
            t("nfp_", ALNUM, 36, 118),
            " --prod",
        ),
        pos(
            "netlify-token",
            "NETLIFY_AUTH_TOKEN: ",
            r(B64URL, 43, 119),
            "\n",
        ),
        pos("vercel-token", "VERCEL_TOKEN=", r(ALNUM, 24, 120), "\n"),
        pos(
            "vercel-token",
            "npx vercel deploy --prod --token ",
            r(ALNUM, 24, 121),
            "",
        ),
        pos(
            "cloudflare-api-token",
            "CLOUDFLARE_API_TOKEN=",
            r(B64URL, 40, 122),
            "\n",
        ),
        pos("cloudflare-api-token", "CF_API_KEY=", r(HEX, 37, 123), "\n"),
        pos(
            "new-relic-api-key",
            "NEW_RELIC_API_KEY=",
            t("NRAK-", UPPER_ALNUM, 27, 124),
            "\n",
        ),
        pos(
            "new-relic-api-key",
            "license_key: ",
            format!("{}NRAL", r(HEX, 36, 125)),
            "\n",
        ),
        pos(
            "pagerduty-api-key",
            "PAGERDUTY_TOKEN=",
            r(B64URL, 20, 126),
            "\n",
        ),
        pos(
            "pagerduty-api-key",
            "curl -H 'Authorization: Token token=",
            r(B64URL, 20, 127),
            "' https://api.pagerduty.com/incidents",
        ),
        pos(
            "postman-api-key",
            "X-Api-Key: ",
            format!("PMAK-{}-{}", r(HEX, 24, 128), r(HEX, 34, 129)),
            "\n",
        ),
        pos(
            "grafana-cloud-token",
            "GRAFANA_CLOUD_TOKEN=",
            t("glc_", B64, 100, 130),
            "\n",
        ),
        pos(
            "grafana-service-account-token",
            "Authorization: Bearer ",
            format!("glsa_{}_{}", r(ALNUM, 32, 131), r(HEX, 8, 132)),
            "\n",
        ),
        pos(
            "okta-api-token",
            "OKTA_API_TOKEN=",
            t("00", B64URL, 40, 133),
            "\n",
        ),
        pos(
            "okta-api-token",
            "-H \"Authorization: SSWS ",
            t("00", B64URL, 40, 134),
            "\"",
        ),
        pos(
            "age-secret-key",
            "# public key: age1…\n",
            t("AGE-SECRET-KEY-1", BECH32, 58, 135),
            "\n",
        ),
        pos(
            "pulumi-access-token",
            "PULUMI_ACCESS_TOKEN=",
            t("pul-", HEX, 40, 136),
            "\n",
        ),
        pos(
            "supabase-token",
            "supabase login --token ",
            t("sbp_", HEX, 40, 137),
            "",
        ),
        pos(
            "supabase-token",
            "SUPABASE_SECRET_KEY=",
            t("sb_secret_", B64URL, 31, 138),
            "\n",
        ),
        pos(
            "planetscale-token",
            "PLANETSCALE_SERVICE_TOKEN=",
            t("pscale_tkn_", B64URL, 43, 139),
            "\n",
        ),
        pos(
            "planetscale-password",
            "DATABASE_URL=mysql://app:",
            t("pscale_pw_", B64URL, 43, 140),
            "@aws.connect.psdb.cloud/app?sslaccept=strict\n",
        ),
        pos(
            "square-access-token",
            "SQUARE_ACCESS_TOKEN=",
            t("EAAA", B64URL, 60, 141),
            "\n",
        ),
        pos(
            "square-access-token",
            "square.access_token = '",
            t("sq0atp-", B64URL, 22, 142),
            "'",
        ),
        pos(
            "square-oauth-secret",
            "SQUARE_APPLICATION_SECRET=",
            t("sq0csp-", B64URL, 43, 143),
            "\n",
        ),
        pos(
            "shippo-api-token",
            "shippo.config.api_key = \"",
            t("shippo_live_", HEX, 40, 144),
            "\"",
        ),
        pos(
            "mapbox-secret-token",
            "MAPBOX_DOWNLOADS_TOKEN=",
            format!("sk.eyJ{}.{}", r(B64URL, 60, 145), r(B64URL, 22, 146)),
            "\n",
        ),
        pos(
            "dropbox-access-token",
            "dbx = dropbox.Dropbox(\"",
            t("sl.", B64URL, 140, 147),
            "\")",
        ),
        pos(
            "asana-token",
            "ASANA_ACCESS_TOKEN=",
            format!(
                "2/{}/{}:{}",
                r(DIGITS, 16, 148),
                r(DIGITS, 16, 149),
                r(HEX, 32, 150)
            ),
            "\n",
        ),
        pos(
            "airtable-token",
            "AIRTABLE_API_KEY=",
            format!("pat{}.{}", r(ALNUM, 14, 151), r(HEX, 64, 152)),
            "\n",
        ),
        pos(
            "contentful-token",
            "contentful space list --management-token ",
            t("CFPAT-", B64URL, 43, 153),
            "",
        ),
        pos(
            "frameio-token",
            "FRAMEIO_TOKEN=",
            t("fio-u-", B64URL, 64, 154),
            "\n",
        ),
        pos(
            "dynatrace-token",
            "Authorization: Api-Token ",
            format!(
                "dt0c01.{}.{}",
                r(UPPER_ALNUM, 24, 155),
                r(UPPER_ALNUM, 64, 156)
            ),
            "\n",
        ),
        pos(
            "algolia-api-key",
            "ALGOLIA_ADMIN_KEY=",
            r(HEX, 32, 157),
            "\n",
        ),
        pos(
            "typeform-token",
            "TYPEFORM_TOKEN=",
            t("tfp_", B64URL, 59, 158),
            "\n",
        ),
        pos(
            "twitch-api-token",
            "twitch_oauth_token: ",
            t("oauth:", LOWER_ALNUM, 30, 159),
            "\n",
        ),
        pos(
            "zendesk-api-token",
            "ZENDESK_API_TOKEN=",
            r(ALNUM, 40, 160),
            "\n",
        ),
        pos(
            "intercom-access-token",
            "INTERCOM_ACCESS_TOKEN=",
            t("dG9rOj", B64URL, 54, 161),
            "\n",
        ),
        pos(
            "fcm-server-key",
            "-H 'Authorization: key=",
            format!("AAAA{}:APA91b{}", r(B64URL, 7, 162), r(B64URL, 134, 163)),
            "' https://fcm.googleapis.com/fcm/send",
        ),
        pos(
            "onepassword-service-account-token",
            "OP_SERVICE_ACCOUNT_TOKEN=",
            t("ops_eyJ", B64, 300, 164),
            "\n",
        ),
        pos(
            "openshift-token",
            "oc login --token=",
            t("sha256~", B64URL, 43, 165),
            " --server=https://api.example.com:6443",
        ),
        pos(
            "brevo-api-key",
            "BREVO_API_KEY=",
            format!("xkeysib-{}-{}", r(HEX, 64, 166), r(ALNUM, 16, 167)),
            "\n",
        ),
        pos(
            "easypost-api-key",
            "client = easypost.EasyPostClient(\"",
            t("EZAK", ALNUM, 54, 205),
            "\")",
        ),
        pos(
            "google-oauth-client-secret",
            r#"{"web": {"client_id": "1-a.apps.googleusercontent.com", "client_secret": ""#,
            t("GOCSPX-", B64URL, 28, 206),
            r#""}}"#,
        ),
        pos(
            "prefect-api-key",
            "prefect cloud login --key ",
            t("pnu_", ALNUM, 36, 207),
            "",
        ),
        pos(
            "fly-token",
            "FLY_API_TOKEN=",
            format!("FlyV1 fm2_{},fm2_{}", r(B64, 120, 208), r(B64, 80, 209)),
            "\n",
        ),
        // Database and broker URLs, passwords in URLs and headers, generic assignments.
        pos(
            "database-url-password",
            "DATABASE_URL=postgresql://app:",
            r(ALNUM, 16, 168),
            "@db:5432/app\n",
        ),
        pos(
            "database-url-password",
            "engine = create_engine(\"mssql+pyodbc://sa:",
            r(ALNUM, 14, 169),
            "@sql01/app?driver=ODBC+Driver+18\")",
        ),
        pos(
            "database-url-password",
            "sqlserver://sa:",
            r(ALNUM, 14, 170),
            "@localhost:1433?database=app",
        ),
        pos(
            "database-url-password",
            "CLICKHOUSE_URL=clickhouse://default:",
            r(ALNUM, 14, 171),
            "@ch:9000/default\n",
        ),
        pos(
            "database-url-password",
            "cockroachdb://root:",
            r(ALNUM, 14, 172),
            "@crdb:26257/defaultdb?sslmode=verify-full",
        ),
        pos(
            "database-url-password",
            "nats-server --routes nats://ruser:",
            r(ALNUM, 14, 173),
            "@nats-1:6222",
        ),
        pos(
            "database-url-password",
            "KAFKA_URL=kafka+ssl://svc:",
            r(ALNUM, 14, 174),
            "@broker:9093\n",
        ),
        pos(
            "database-url-password",
            "MONGO_URL=mongodb+srv://admin:",
            r(ALNUM, 14, 175),
            "@cluster0.abcde.mongodb.net/app\n",
        ),
        pos(
            "url-password",
            "pip install --index-url https://ci:",
            r(ALNUM, 14, 176),
            "@pypi.internal.example/simple app",
        ),
        pos("basic-auth", "Authorization: Basic ", r(B64, 28, 177), "\n"),
        pos(
            "bearer-token",
            "Authorization: Bearer ",
            r(ALNUM, 40, 178),
            "\n",
        ),
        pos(
            "bearer-token",
            "-H 'Authorization: Bearer ",
            format!("{}:{}", r(ALNUM, 8, 179), r(ALNUM, 24, 180)),
            "'",
        ),
        pos("jwt", "Cookie: session=", jwt, "; Path=/"),
        pos(
            "generic-secret",
            "SECRET_KEY = \"",
            format!("django-insecure-{}", r(ALNUM, 40, 210)),
            "\"\n",
        ),
        pos(
            "generic-secret",
            "DB_PASSWORD=",
            r(ALNUM, 16, 179),
            "\nDB_HOST=db\n",
        ),
    ]
}

/// A text in which a kind must not be reported.
struct Negative {
    kind: &'static str,
    text: String,
}

fn neg(kind: &'static str, text: impl Into<String>) -> Negative {
    Negative {
        kind,
        text: text.into(),
    }
}

/// Near misses of every kind: wrong length, placeholders, variables, documentation, the
/// right value shape without the vendor's setting.
fn negatives() -> Vec<Negative> {
    vec![
        neg(
            "private-key",
            "if pem.startswith('-----BEGIN RSA PRIVATE KEY-----'):",
        ),
        neg(
            "private-key",
            "---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ---- is the header of an SSH.com key",
        ),
        neg("putty-private-key", "f.write('Private-Lines: %d\\n' % n)"),
        neg(
            "putty-private-key",
            "Private-Lines: 14 (count of base64 lines)",
        ),
        neg(
            "aws-access-key-id",
            format!("AWS_ACCESS_KEY_ID={}", t("AKIA", UPPER_ALNUM, 12, 8)),
        ),
        neg(
            "aws-secret-access-key",
            "aws_secret_access_key = ${AWS_SECRET}",
        ),
        neg(
            "aws-session-token",
            "aws_session_token = <your-session-token>",
        ),
        neg(
            "aws-session-token",
            format!("aws_session_token = {}", r(B64, 60, 10)),
        ),
        neg(
            "gcp-service-account-key-id",
            r#"{"private_key_id": "your-private-key-id"}"#,
        ),
        neg(
            "gcp-service-account-key-id",
            format!(r#"{{"private_key_id": "{}"}}"#, r(HEX, 39, 12)),
        ),
        neg(
            "azure-storage-account-key",
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=<account-key>;",
        ),
        neg(
            "azure-storage-account-key",
            format!("AccountKey={}==", r(B64, 40, 13)),
        ),
        neg(
            "azure-shared-access-key",
            "SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={key}",
        ),
        neg(
            "azure-sas-token",
            "https://acme.blob.core.windows.net/c/b.txt?sv=2022-11-02&sig=<signature>",
        ),
        neg(
            "azure-sas-token",
            format!("https://example.com/render?sig={}", r(ALNUM, 43, 16)),
        ),
        neg(
            "azure-ad-client-secret",
            "AZURE_CLIENT_SECRET=${{ secrets.AZURE_CLIENT_SECRET }}",
        ),
        neg(
            "azure-ad-client-secret",
            "use the 8Q~ prefix to recognise them",
        ),
        neg(
            "alibaba-access-key-id",
            "LTAI is the prefix of Alibaba key ids",
        ),
        neg("alibaba-access-key-id", t("LTAI", ALNUM, 30, 19)),
        neg("digitalocean-token", "DIGITALOCEAN_TOKEN=dop_v1_xxxxxxxx"),
        neg("digitalocean-token", t("dop_v1_", HEX, 63, 20)),
        neg("github-token", "GITHUB_TOKEN=ghp_xxxxxxxxxxxx"),
        neg("gitlab-token", "PRIVATE-TOKEN: glpat-<token>"),
        neg(
            "gitlab-pipeline-trigger-token",
            format!("token={}", t("glptt-", HEX, 39, 24)),
        ),
        neg("gitlab-deploy-token", "gldt-short"),
        neg("gitlab-runner-token", "token = \"glrt-REDACTED\""),
        neg("gitlab-ci-job-token", "JOB-TOKEN: $CI_JOB_TOKEN (glcbt-…)"),
        neg("gitlab-feed-token", "feed_token=glft-xxxx"),
        neg("gitlab-oauth-app-secret", t("gloas-", B64URL, 40, 31)),
        neg("gitlab-agent-token", "glagent-<token>"),
        neg("bitbucket-app-password", t("ATBB", ALNUM, 20, 33)),
        neg("bitbucket-app-password", t("ATBB", ALNUM, 40, 33)),
        neg("circleci-token", "CIRCLECI_TOKEN=${CIRCLECI_TOKEN}"),
        neg("circleci-token", format!("CIRCLE_SHA1={}", r(HEX, 40, 36))),
        neg("travis-token", "TRAVIS_TOKEN=<your-travis-token>"),
        neg(
            "travis-token",
            format!("TRAVIS_BUILD_ID={}", r(B64URL, 22, 37)),
        ),
        neg("buildkite-token", "bkua_ tokens are user access tokens"),
        neg(
            "azure-devops-pat",
            "AZURE_DEVOPS_EXT_PAT=$(System.AccessToken)",
        ),
        neg(
            "azure-devops-pat",
            format!("AZURE_DEVOPS_ORG={}", r(BASE32, 52, 39)),
        ),
        neg("npm-token", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}"),
        neg("pypi-token", "password = pypi-AgEIcHlwaS5vcmc..."),
        neg("pypi-token", "password = pypi-<token>"),
        neg("docker-hub-token", "docker login -p dckr_pat_xxx"),
        neg("nuget-api-key", t("oy2", LOWER_ALNUM, 20, 45)),
        neg("nuget-api-key", t("oy2", LOWER_ALNUM, 50, 45)),
        neg("rubygems-api-key", ":rubygems_api_key: rubygems_<token>"),
        neg("clojars-token", "CLOJARS_USERNAME=acme"),
        neg(
            "crates-io-token",
            format!("cio{} is not after a token setting", r(ALNUM, 32, 48)),
        ),
        neg("crates-io-token", "token = \"cio-short\""),
        neg("anthropic-api-key", "ANTHROPIC_API_KEY=sk-ant-..."),
        neg("openai-api-key", "OPENAI_API_KEY=sk-xxxx"),
        neg(
            "openai-api-key",
            "This is a risk-free change; desk-proj-plan",
        ),
        neg("google-api-key", "key=AIza..."),
        neg("huggingface-token", "HF_TOKEN=hf_xxxx"),
        neg(
            "huggingface-token",
            "from huggingface_hub import hf_hub_download",
        ),
        neg("huggingface-token", t("hf_", ALNUM, 34, 53) + "x"),
        neg("cohere-api-key", "CO_API_KEY=<your-cohere-key>"),
        neg(
            "cohere-api-key",
            format!("ECO_API_KEY={}", r(ALNUM, 40, 55)),
        ),
        neg("replicate-api-token", "REPLICATE_API_TOKEN=r8_****"),
        neg("groq-api-key", "GROQ_API_KEY=gsk_your_key_here"),
        neg("perplexity-api-key", "pplx-7b-online is a model name"),
        neg("mistral-api-key", "MISTRAL_API_KEY=${MISTRAL_API_KEY}"),
        neg(
            "mistral-api-key",
            format!("MISTRAL_MODEL_ID={}", r(ALNUM, 32, 60)),
        ),
        neg("xai-api-key", "model: xai-grok-beta"),
        neg("openrouter-api-key", "OPENROUTER_API_KEY=sk-or-v1-..."),
        neg("fireworks-api-key", "from fw_utils import load"),
        neg("fireworks-api-key", "fw_version_string = read()"),
        neg("deepseek-api-key", "DEEPSEEK_API_KEY=sk-xxxxxxxx"),
        neg(
            "deepseek-api-key",
            format!("OPENAI_API_KEY={}", t("sk-", HEX, 32, 64)),
        ),
        neg("slack-token", "SLACK_TOKEN=xoxb-..."),
        neg("slack-app-token", "SLACK_APP_TOKEN=xapp-1-..."),
        neg("slack-webhook", "https://hooks.slack.com/services/..."),
        neg("stripe-key", "STRIPE_KEY=sk_test_..."),
        neg("stripe-webhook-secret", "STRIPE_WEBHOOK_SECRET=whsec_..."),
        neg(
            "twilio-api-key",
            format!("SENDGRID_KEY={}", t("SK", HEX, 32, 74)),
        ),
        neg("twilio-api-key", "TWILIO_API_KEY=SKxxxxxxxx"),
        neg(
            "twilio-auth-token",
            format!("TWILIO_ACCOUNT_SID=AC{}", r(HEX, 32, 75)),
        ),
        neg("sendgrid-api-key", "msg.reply(SG.format(x))"),
        neg("sendgrid-api-key", "SENDGRID_API_KEY=SG.xxxxx.yyyyy"),
        neg("mailgun-api-key", "MAILGUN_API_KEY=key-<your-key>"),
        neg(
            "mailgun-api-key",
            format!("api_key = key-{}", r(HEX, 32, 78)),
        ),
        neg("mailchimp-api-key", "Accept-Language: en-us,en;q=0.5"),
        neg("mailchimp-api-key", format!("{}-us21x", r(HEX, 32, 82))),
        neg("shopify-access-token", "shpat_ tokens are admin API tokens"),
        neg("shopify-shared-secret", "shpss_0123"),
        neg("datadog-api-key", "DD_API_KEY=${DD_API_KEY}"),
        neg("datadog-api-key", format!("ADD_API_KEY={}", r(HEX, 32, 85))),
        neg("datadog-api-key", format!("DD_API_KEY={}", r(HEX, 33, 85))),
        neg("datadog-app-key", "DD_APP_KEY=<app-key>"),
        neg(
            "sentry-dsn",
            "https://docs.sentry.io/platforms/javascript/ and https://sentry.io/welcome/",
        ),
        neg(
            "sentry-dsn",
            format!("https://{}@example.com/1", r(HEX, 32, 88)),
        ),
        neg("sentry-auth-token", "SENTRY_AUTH_TOKEN=sntrys_..."),
        neg("vault-token", "VAULT_TOKEN=hvs.xxxx"),
        neg("vault-token", "vault_token: s.short"),
        neg("terraform-cloud-token", "token = \"xxxxxxxx.atlasv1.yyyy\""),
        neg(
            "doppler-token",
            "doppler setup # prints dp.st.<env>.<token>",
        ),
        neg("databricks-token", "DATABRICKS_TOKEN=dapi<token>"),
        neg("databricks-token", t("dapi", HEX, 40, 98)),
        neg("discord-bot-token", "DISCORD_BOT_TOKEN=<bot-token>"),
        neg("discord-bot-token", "pip install discord.py"),
        neg(
            "discord-webhook",
            "https://discord.com/api/webhooks/<id>/<token>",
        ),
        neg(
            "telegram-bot-token",
            format!("{}:AA{}", r(DIGITS, 10, 107), r(B64URL, 20, 108)),
        ),
        neg("telegram-bot-token", "10:AAA battery"),
        neg("atlassian-api-token", "JIRA_API_TOKEN=ATATT3xFfGF0..."),
        neg(
            "atlassian-api-token",
            format!("JIRA_PROJECT_KEY={}", r(ALNUM, 20, 110)),
        ),
        neg("linear-api-key", "LINEAR_API_KEY=lin_api_..."),
        neg("notion-token", "client_secret_basic is an auth method"),
        neg("notion-token", "NOTION_TOKEN=secret_xxxxxxxx"),
        neg("figma-token", "figd_ is the prefix of Figma tokens"),
        neg("heroku-api-key", format!("HEROKU_APP_ID={}", uuid(116))),
        neg("heroku-api-key", "HEROKU_API_KEY=$(heroku auth:token)"),
        neg("netlify-token", "NETLIFY_AUTH_TOKEN=nfp_xxxx"),
        neg("vercel-token", "vercel --prod"),
        neg(
            "vercel-token",
            format!("VERCEL_PROJECT_ID={}", r(ALNUM, 24, 120)),
        ),
        neg("cloudflare-api-token", "CLOUDFLARE_API_TOKEN=<token>"),
        neg(
            "cloudflare-api-token",
            format!("CLOUDFLARE_ACCOUNT_ID={}", r(HEX, 32, 122)),
        ),
        neg("new-relic-api-key", "NEW_RELIC_API_KEY=NRAK-XXXX"),
        neg("pagerduty-api-key", "PAGERDUTY_TOKEN=${PD_TOKEN}"),
        neg("postman-api-key", "X-Api-Key: PMAK-<key>"),
        neg("grafana-cloud-token", "GRAFANA_CLOUD_TOKEN=glc_..."),
        neg("grafana-service-account-token", "glsa_<token>"),
        neg("okta-api-token", "Authorization: SSWS ${OKTA_TOKEN}"),
        neg(
            "okta-api-token",
            format!("OKTA_CLIENT_ID={}", t("00", B64URL, 40, 133)),
        ),
        neg("age-secret-key", "AGE-SECRET-KEY-1... (keep it offline)"),
        neg("pulumi-access-token", "PULUMI_ACCESS_TOKEN=pul-xxxx"),
        neg("pulumi-access-token", "pull-request pul-ling"),
        neg("supabase-token", "SUPABASE_ACCESS_TOKEN=sbp_..."),
        neg("planetscale-token", "pscale_tkn_<token>"),
        neg(
            "planetscale-password",
            "mysql://app:pscale_pw_short@host/db",
        ),
        neg(
            "square-access-token",
            format!("FACEBOOK_TOKEN={}", t("EAAA", B64URL, 60, 141)),
        ),
        neg("square-oauth-secret", "sq0csp-<secret>"),
        neg("shippo-api-token", "shippo_test_<token>"),
        neg("mapbox-secret-token", "MAPBOX_TOKEN=sk.eyJ..."),
        neg("dropbox-access-token", "ssl.create_default_context()"),
        neg("dropbox-access-token", t("sl.", B64URL, 60, 147)),
        neg("asana-token", "ASANA_ACCESS_TOKEN=<your-pat>"),
        neg("airtable-token", "AIRTABLE_API_KEY=patXXXXXXXX"),
        neg(
            "airtable-token",
            format!("api_key = pat{}.{}", r(ALNUM, 14, 151), r(HEX, 64, 152)),
        ),
        neg("contentful-token", "CFPAT-<token>"),
        neg("frameio-token", "fio-u-<token>"),
        neg("dynatrace-token", "dt0c01.<id>.<secret>"),
        neg("algolia-api-key", "ALGOLIA_APP_ID=ABCDEFGHIJ"),
        neg(
            "algolia-api-key",
            format!("SEARCH_API_KEY={}", r(HEX, 32, 157)),
        ),
        neg("typeform-token", "tfp_<token>"),
        neg("twitch-api-token", "TWITCH_CLIENT_ID=<client-id>"),
        neg("zendesk-api-token", "ZENDESK_SUBDOMAIN=acme"),
        neg("intercom-access-token", "INTERCOM_ACCESS_TOKEN=<token>"),
        neg("fcm-server-key", "Authorization: key=AAAA...:APA91b..."),
        neg(
            "onepassword-service-account-token",
            "OP_SERVICE_ACCOUNT_TOKEN=ops_eyJ...",
        ),
        neg("openshift-token", "oc login --token=sha256~<token>"),
        neg("brevo-api-key", "BREVO_API_KEY=xkeysib-..."),
        neg("langsmith-api-key", "LANGSMITH_API_KEY=lsv2_pt_..."),
        neg("easypost-api-key", "EASYPOST_API_KEY=EZAK<key>"),
        neg(
            "google-oauth-client-secret",
            "GOOGLE_CLIENT_SECRET=GOCSPX-xxxx",
        ),
        neg("prefect-api-key", "PREFECT_API_KEY=pnu_..."),
        neg("fly-token", "FLY_API_TOKEN=FlyV1 fm2_..."),
        neg(
            "database-url-password",
            "postgres://user:${DB_PASSWORD}@db/app and mssql://localhost:1433",
        ),
        neg(
            "database-url-password",
            "kafka://broker:9092 nats://nats:4222 clickhouse://ch:9000",
        ),
        neg("url-password", "git@github.com:org/repo.git"),
        neg("basic-auth", "Authorization: Basic <credentials>"),
        neg("bearer-token", "Authorization: Bearer ${TOKEN}"),
        neg("bearer-token", "bearer tokens: see the docs for details"),
        neg("jwt", "eyJhbGciOiJIUzI1NiJ9 is only a header"),
        neg("generic-secret", "password = input()"),
        neg("generic-secret", "SECRET_KEY = os.environ[\"SECRET_KEY\"]"),
    ]
}

fn builtin() -> Redactor {
    Redactor::new(true, &[], "policy.yml").unwrap()
}

fn kinds() -> BTreeSet<&'static str> {
    BUILTINS.iter().map(|b| b.kind).collect()
}

#[test]
fn there_are_at_least_seventy_kinds_all_kebab_case() {
    let kinds = kinds();
    assert!(kinds.len() >= 70, "{} kinds", kinds.len());
    let kebab = Regex::new("^[a-z0-9]+(?:-[a-z0-9]+)*$").unwrap();
    for kind in &kinds {
        assert!(kebab.is_match(kind), "{kind}");
    }
}

#[test]
fn every_kind_has_positives_and_negatives() {
    let with_pos: BTreeSet<&str> = positives().iter().map(|p| p.kind).collect();
    let with_neg: BTreeSet<&str> = negatives().iter().map(|n| n.kind).collect();
    for kind in kinds() {
        assert!(with_pos.contains(kind), "no positive for {kind}");
        assert!(with_neg.contains(kind), "no negative for {kind}");
    }
    // And no test names a kind that does not exist.
    let all = kinds();
    for kind in with_pos.union(&with_neg) {
        assert!(all.contains(kind), "unknown kind {kind}");
    }
}

#[test]
fn every_positive_is_found_whole_with_its_kind() {
    let r = builtin();
    for p in positives() {
        let text = p.text();
        let (out, found) = r.redact_text(&text, "$");
        assert_eq!(found.len(), 1, "{}: {text:?} gave {found:?}", p.kind);
        let f = &found[0];
        assert_eq!(f.kind, p.kind, "{text:?}");
        assert_eq!(f.rule_id, format!("builtin.{}", p.kind));
        assert_eq!(
            (f.start, f.end),
            (p.before.len(), p.before.len() + p.secret.len()),
            "{}: {text:?}",
            p.kind
        );
        assert_eq!(out, format!("{}[REDACTED:{}]{}", p.before, p.kind, p.after));
    }
}

#[test]
fn every_positive_is_found_through_the_action_fast_path() {
    let r = builtin();
    for p in positives() {
        let action = json!({"tool": "Write", "args": {"file_path": "x", "content": p.text()}});
        let canonical = serde_json::to_string(&action).unwrap();
        let (redacted, found, _) = r.redact_action(&action, &canonical);
        let (full, full_found) = r.redact_value(&action);
        assert_eq!(redacted.as_ref(), Some(&full), "{}", p.kind);
        assert_eq!(found, full_found, "{}", p.kind);
        assert_eq!(found.len(), 1, "{}", p.kind);
        assert_eq!(found[0].location, "$.args.content");
    }
}

#[test]
fn no_negative_is_reported_with_its_kind() {
    let r = builtin();
    for n in negatives() {
        let (_, found) = r.redact_text(&n.text, "$");
        assert!(
            found.iter().all(|f| f.kind != n.kind),
            "{}: {:?} gave {found:?}",
            n.kind,
            n.text
        );
    }
}

#[test]
fn ordinary_developer_text_near_the_new_keywords_is_left_alone() {
    let r = builtin();
    let benign = [
        "session = requests.Session()\nsession.headers.update(h)",
        "The x-amz-security-token header is optional for long-term keys.",
        "msg.send(); msg.reply(\"ok\")",
        "Accept-Language: en-US,en;q=0.9",
        "date +%Y-%m-%d-dd-mm",
        "sig=abc&sv=1",
        "cargo login # paste the token from https://crates.io/me",
        "hf_hub_download(repo_id=\"gpt2\", filename=\"config.json\")",
        "fw_update --device /dev/ttyUSB0",
        "export DD_SITE=datadoghq.eu",
        "heroku apps:create acme && heroku config:set NODE_ENV=production",
        "vercel --prod --yes",
        "https://sentry.io/organizations/acme/issues/?project=1",
        "vault kv get secret/app",
        "discord.py, python-telegram-bot and slack_sdk are installed",
        "The meeting is at 10:AA? no, 10:30.",
        "ssl.wrap_socket(sock); tls.connect()",
        "pip install pulumi pul-ling",
        "Private-Lines: %d",
        "CLOJARS_USERNAME=acme",
        "kafka-topics --bootstrap-server kafka:9092 --list",
        "nats sub 'orders.>' --server nats://localhost:4222",
        "sqlserver://localhost:1433;databaseName=app;integratedSecurity=true",
        "secret_key_base = Rails.application.credentials.secret_key_base",
        "dapi is short for data API",
        "The co_api_key setting is read from the environment.",
    ];
    for text in benign {
        let (out, found) = r.redact_text(text, "$");
        assert!(found.is_empty(), "{text:?} gave {found:?}");
        assert_eq!(out, text);
    }
}

#[test]
fn a_token_one_character_too_long_is_not_taken_for_a_fixed_length_kind() {
    let r = builtin();
    for (kind, token) in [
        ("nuget-api-key", t("oy2", LOWER_ALNUM, 44, 45)),
        ("rubygems-api-key", t("rubygems_", HEX, 49, 46)),
        ("groq-api-key", t("gsk_", ALNUM, 53, 58)),
        ("openrouter-api-key", t("sk-or-v1-", HEX, 65, 62)),
        ("linear-api-key", t("lin_api_", ALNUM, 41, 111)),
        ("pulumi-access-token", t("pul-", HEX, 41, 136)),
        ("age-secret-key", t("AGE-SECRET-KEY-1", BECH32, 59, 135)),
    ] {
        let (_, found) = r.redact_text(&format!("value: {token}\n"), "$");
        assert!(found.iter().all(|f| f.kind != kind), "{kind}: {found:?}");
    }
}

#[test]
fn keywords_are_lowercase_json_safe_and_in_every_match() {
    // The prefilter runs a detector only where one of its keywords occurs: a match without
    // one would be a secret silently missed.
    let compiled: Vec<(&str, &[&str], Regex)> = BUILTINS
        .iter()
        .map(|b| (b.kind, b.keywords, Regex::new(b.pattern).unwrap()))
        .collect();
    for (kind, keywords, _) in &compiled {
        assert!(!keywords.is_empty(), "{kind} has no keyword");
        for k in keywords.iter() {
            assert!(!k.is_empty(), "{kind}");
            assert_eq!(*k, k.to_ascii_lowercase(), "{kind}: {k}");
            assert!(!k.contains(['"', '\\']), "{kind}: {k}");
        }
    }
    let texts: Vec<String> = positives()
        .iter()
        .map(Positive::text)
        .chain(negatives().into_iter().map(|n| n.text))
        .collect();
    let mut matched = BTreeSet::new();
    for text in &texts {
        for (kind, keywords, regex) in &compiled {
            for m in regex.find_iter(text) {
                let lower = m.as_str().to_ascii_lowercase();
                assert!(
                    keywords.iter().any(|k| lower.contains(k)),
                    "{kind}: match {:?} holds none of {keywords:?}",
                    m.as_str()
                );
                matched.insert(*kind);
            }
        }
    }
    // The check saw every kind match at least once.
    assert_eq!(matched, kinds());
}

#[test]
fn documentation_placeholders_are_not_secrets() {
    use super::super::detectors::{is_placeholder, password_is_literal};
    for p in [
        "sk-proj-...",
        "sk_live_\u{2026}",
        "replace-me-before-deploy",
        "***REMOVED***",
        "test-token",
        "dummy_password",
    ] {
        assert!(is_placeholder(p), "{p}");
    }
    for s in ["Tr0ub4dor-3", "testing-9f8e7d6c", "sample9-Qw3rty"] {
        assert!(!is_placeholder(s), "{s}");
    }
    for p in ["password", "{password}", "secret", "${DB_PASSWORD}"] {
        assert!(!password_is_literal(p), "{p}");
    }
    assert!(password_is_literal("Xy7-pQ2_zR9w"));
    let r = builtin();
    for text in [
        "DATABASE_URL=postgresql://user:password@localhost:5432/mydb",
        "url = f\"postgresql://{user}:{password}@{host}:5432/{name}\"",
        "export OPENAI_API_KEY=\"sk-proj-...\"",
        "passphrase: replace-me-before-deploy",
        "client_secret: \"***REMOVED***\"",
    ] {
        let (_, found) = r.redact_text(text, "$");
        assert!(found.is_empty(), "{text:?} gave {found:?}");
    }
}

#[test]
fn only_multi_line_patterns_search_the_whole_text() {
    // Every other detector runs only on the lines that hold one of its keywords.
    let whole: Vec<&str> = BUILTINS
        .iter()
        .filter(|b| !is_line_local(b.pattern))
        .map(|b| b.kind)
        .collect();
    assert_eq!(whole, ["private-key", "private-key", "putty-private-key"]);
    for b in BUILTINS {
        for k in b.keywords {
            assert!(!k.contains(['\n', '\r']), "{}: {k:?}", b.kind);
        }
    }
}

#[test]
fn patterns_that_may_match_a_line_feed_are_not_line_local() {
    for pattern in [
        r"(?:^|[^a])x",
        r"(?:(?i-u:ab)c|(?:^|[^A-Za-z0-9])d)e",
        r"(?P<s>x[^\s]+)[ \t]*[a-z.-]\.",
        r"a|^b",
        r"(?i-u:token)[^\r\n|;&]*?x{2,4}",
        r"[\x00-\x09]x",
        r"(?i)key.+",
    ] {
        assert!(is_line_local(pattern), "{pattern}");
    }
    for pattern in [
        r"a\sb",
        r"a\nb",
        r"x[^a]",
        r"(?:^|[^a])+x",
        r"(?:[^a])*x",
        r"a$",
        r"a\z",
        r"a^",
        r"(?s:.)x",
        r"(?m)^x",
        r"[\x00-\x7f]x",
        r"[\x0a]x",
        r"\Wx",
        r"\bx",
        r"\p{L}x",
        r"[[:space:]]x",
        r"[a-z&&[^b]]",
        "a\nb",
        r"(a",
    ] {
        assert!(!is_line_local(pattern), "{pattern}");
    }
}

#[test]
fn searching_keyword_lines_finds_what_searching_whole_texts_finds() {
    // Corpus snippets glued into multi-line texts in several orders, line ends and spacings:
    // every finding (kind, span, fingerprint) is the same as when each detector searches
    // the whole text.
    let r = builtin();
    let reference = r.searching_whole_texts();
    let snippets: Vec<String> = positives()
        .iter()
        .map(Positive::text)
        .chain(negatives().into_iter().map(|n| n.text))
        .collect();
    let mut compared = 0;
    for (i, separator) in ["\n", "\r\n", "\n\n", " ", "\n  ", "\n\t# "]
        .iter()
        .enumerate()
    {
        for step in [1, 3, 7] {
            let mut order: Vec<usize> = (0..snippets.len()).collect();
            order.sort_by_key(|&k| (k * step + i) % snippets.len());
            for group in order.chunks(9) {
                let text = group
                    .iter()
                    .map(|&k| snippets[k].as_str())
                    .collect::<Vec<_>>()
                    .join(separator);
                let (out, found) = r.redact_text(&text, "$");
                let (expected_out, expected) = reference.redact_text(&text, "$");
                assert_eq!(found, expected, "{text:?}");
                assert_eq!(out, expected_out);
                compared += found.len();
            }
        }
    }
    assert!(compared > 1000, "{compared}");
}

//! Tests of secret detection and redaction: every built-in detector on a planted secret, benign
//! text that must pass untouched, JSON paths, policy rules and their errors.
//!
//! The fake secrets are assembled from pieces so that no complete token-shaped literal sits in
//! the source.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "detectors.rs"]
mod builtin_kinds;

use serde_json::{Value, json};

use super::{FingerprintKey, Redactor, builtin_detectors, detectors};
use crate::decision::Redaction;
use crate::error::ErrorCode;
use crate::policy::model::RedactionRule;
use crate::policy::node::{Span, Spanned};

fn span(line: u32, column: u32) -> Span {
    Span { line, column }
}

fn rule(id: &str, pattern: &str, keywords: &[&str]) -> RedactionRule {
    RedactionRule {
        span: span(3, 5),
        id: Spanned::new(id.to_owned(), span(3, 9)),
        pattern: Spanned::new(pattern.to_owned(), span(4, 14)),
        keywords: keywords
            .iter()
            .map(|k| Spanned::new((*k).to_owned(), span(5, 16)))
            .collect(),
        entropy: None,
        allowlist: Vec::new(),
    }
}

fn builtin() -> Redactor {
    Redactor::new(true, &[], "policy.yml").unwrap()
}

/// Asserts that neither `secret` nor any 8-character window of it occurs in `out`.
fn assert_no_leak(out: &str, secret: &str) {
    assert_no_leak_beside(out, secret, "");
}

/// Like [`assert_no_leak`], ignoring windows that also occur in `context` (the text around
/// the secrets, such as `https://`).
fn assert_no_leak_beside(out: &str, secret: &str, context: &str) {
    assert!(!out.contains(secret), "secret leaked whole in {out}");
    let chars: Vec<char> = secret.chars().collect();
    for w in chars.windows(8) {
        let window: String = w.iter().collect();
        if !context.contains(&window) {
            assert!(!out.contains(&window), "window {window:?} leaked in {out}");
        }
    }
}

fn fake(parts: &[&str]) -> String {
    parts.concat()
}

fn github_token() -> String {
    fake(&["gh", "p_", "sMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8"])
}

fn aws_key_id() -> String {
    fake(&["AK", "IA", "UJZDE8GXD6NCF10E"])
}

fn aws_secret() -> String {
    fake(&["El2hpChYgCfrL1spNxny", "VmihA+2O76UMFxFkM+R5"])
}

fn jwt() -> String {
    fake(&[
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        ".",
        "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
        ".",
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ])
}

fn private_key(label: &str) -> String {
    let (begin, end) = if label == "PGP" {
        (
            "PGP PRIVATE KEY BLOCK".to_owned(),
            "PGP PRIVATE KEY BLOCK".to_owned(),
        )
    } else if label.is_empty() {
        ("PRIVATE KEY".to_owned(), "PRIVATE KEY".to_owned())
    } else {
        (
            format!("{label} PRIVATE KEY"),
            format!("{label} PRIVATE KEY"),
        )
    };
    format!(
        "-----BEGIN {begin}-----\n{}\n{}\n{}\n-----END {end}-----",
        fake(&["MIIEowIBAAKCAQEA7Yx2kQ9", "vR3mZ8pL1sT6wN4bH0cJ5fG"]),
        fake(&["a2Kq9LmN3pR7sT1vW5xY8zB", "4cD6eF0gH2iJ4kL6mN8oP0q"]),
        fake(&["Qs9Uv1Wx3Yz5Ab7Cd9Ef1Gh", "3Ij5Kl7Mn9Op1Qr3St5Uv=="]),
    )
}

/// One planted secret: kind, text before, the secret, text after.
struct Plant {
    kind: &'static str,
    before: &'static str,
    secret: String,
    after: &'static str,
}

fn plants() -> Vec<Plant> {
    let p = |kind, before, secret: String, after| Plant {
        kind,
        before,
        secret,
        after,
    };
    vec![
        p(
            "aws-access-key-id",
            "aws_access_key_id = ",
            aws_key_id(),
            "\nregion = eu-west-1",
        ),
        p(
            "aws-access-key-id",
            "{\"AccessKeyId\": \"",
            fake(&["AS", "IA", "Q7RT2YU8IO4PLZ3W"]),
            "\"}",
        ),
        p(
            "aws-secret-access-key",
            "aws_secret_access_key = ",
            aws_secret(),
            "\n",
        ),
        p(
            "aws-secret-access-key",
            "export AWS_SECRET_ACCESS_KEY=",
            aws_secret(),
            " && aws s3 ls",
        ),
        p(
            "aws-secret-access-key",
            "{\"SecretAccessKey\": \"",
            aws_secret(),
            "\", \"Expiration\": 1}",
        ),
        p(
            "github-token",
            "git clone https://x-access-token:",
            github_token(),
            "@github.com/o/r.git",
        ),
        p("github-token", "GITHUB_TOKEN=", github_token(), "\n"),
        p(
            "github-token",
            "token ",
            fake(&[
                "github_pat_",
                "rESQedUStPKR0CsTy4Qwb8_DwkNhFdnXsiVpzz63FfkCzJr4i0B3JrTAwR4y9ojfljoQoaF1LlqsajAIxN",
            ]),
            " expires soon",
        ),
        p(
            "gitlab-token",
            "PRIVATE-TOKEN: ",
            fake(&["gl", "pat-", "Ku8iS2G8NPRVdD53X83R"]),
            "\n",
        ),
        p(
            "slack-token",
            "client = WebClient(token=\"",
            fake(&[
                "xo",
                "xb-",
                "2048163264128-4096819216384-",
                "m1CiAhzCueQpBenQtYh5Xj8T",
            ]),
            "\")",
        ),
        p(
            "slack-webhook",
            "curl -X POST -d @msg.json ",
            fake(&[
                "https://hooks.slack",
                ".com/services/",
                "T0A1B2C3D/B4E5F6G7H/",
                "m1CiAhzCueQpBenQtYh5Xj8T",
            ]),
            " -H 'Content-type: application/json'",
        ),
        p(
            "stripe-key",
            "stripe.api_key = \"",
            fake(&["sk_", "live_", "ZJzzzzgEOzdmenCkhvMdgaKj"]),
            "\"",
        ),
        p(
            "stripe-key",
            "Stripe::Key(",
            fake(&["rk_", "test_", "ZJzzzzgEOzdmenCkhvMdgaKj9q"]),
            ")",
        ),
        p(
            "openai-api-key",
            "OpenAI(api_key=\"",
            fake(&[
                "sk-",
                "proj-",
                "Ig8xNbe3nNyjOq9wMxEhh2FDEEtfjgVvVqE1SkHb_n88HxjSI6bWHtP3fS2qH",
            ]),
            "\")",
        ),
        p(
            "openai-api-key",
            "OPENAI_API_KEY: ",
            fake(&[
                "sk-",
                "x6kwXoIIXGvOoNZYW2mZ",
                "T3Blbk",
                "FJ",
                "p0zVZomHFwUbbYrEqmSM",
            ]),
            "\n",
        ),
        p(
            "anthropic-api-key",
            "x-api-key: ",
            fake(&[
                "sk-",
                "ant-api03-",
                "9wCZ7Uw9xfogoEmvnEN5N1aE6PwZPf1Qh6yYTWmE4lBYOvfZ8UzDzV8fUkkibjL5DZPjN0MEQ7wjJJibaZUPgH-V7iB3m",
            ]),
            "\r\n",
        ),
        p(
            "google-api-key",
            "https://maps.googleapis.com/maps/api/geocode/json?key=",
            fake(&["AI", "za", "BdGBLEPH1qhT61qtc4xatws8phP9nhFyJfm"]),
            "&address=x",
        ),
        p(
            "npm-token",
            "//registry.npmjs.org/:_authToken=",
            fake(&["np", "m_", "GCJbW56eCuNGMGmSrCGIZEG8pSH4487q7J58"]),
            "\n",
        ),
        p("jwt", "Cookie: session=", jwt(), "; Path=/"),
        p("private-key", "key.pem:\n", private_key("RSA"), "\n"),
        p("private-key", "", private_key("OPENSSH"), ""),
        p("private-key", "ec: ", private_key("EC"), " (end)"),
        p(
            "private-key",
            "gpg --import <<EOF\n",
            private_key("PGP"),
            "\nEOF",
        ),
        p("private-key", "pkcs8 ", private_key(""), "\n"),
        p(
            "private-key",
            "{\"private_key\": \"",
            private_key("").replace('\n', "\\n"),
            "\\n\"}",
        ),
        p(
            "database-url-password",
            "DATABASE_URL=postgres://app:",
            "Xy7-pQ2_zR9w".to_owned(),
            "@db.internal:5432/app",
        ),
        p(
            "database-url-password",
            "mongodb+srv://admin:",
            "mOng0Pa55".to_owned(),
            "@cluster0.abcde.mongodb.net/test",
        ),
        p(
            "database-url-password",
            "REDIS_URL=rediss://:",
            "r3d1sS3cret".to_owned(),
            "@cache:6380/0",
        ),
        p(
            "database-url-password",
            "engine = create_engine(\"postgresql+psycopg2://svc:",
            "p@ss-W0rd".to_owned(),
            "@localhost/db\")",
        ),
        p(
            "database-url-password",
            "amqp://guest:",
            "Rabb1tMQpw".to_owned(),
            "@broker:5672/",
        ),
        p(
            "url-password",
            "git remote add origin https://deploy:",
            "Tr0ub4dor-3".to_owned(),
            "@git.example.com/r.git",
        ),
        p(
            "basic-auth",
            "curl -sS -u admin:",
            "Sup3rPassw0rd".to_owned(),
            " https://api.example.com/v1",
        ),
        p(
            "basic-auth",
            "-H \"Authorization: Basic ",
            "YWRtaW46U3VwM3JQYXNzdzByZA==".to_owned(),
            "\"",
        ),
        p(
            "bearer-token",
            "Authorization: Bearer ",
            "8f14e45fceea167a5a36dedd4bea2543".to_owned(),
            "\n",
        ),
        p(
            "generic-secret",
            "DB_PASSWORD=",
            "Sup3rS3cretValue".to_owned(),
            "\nDB_HOST=db",
        ),
        p(
            "generic-secret",
            "{\"api_key\": \"",
            "a8f3k2m9q7w1x5z0".to_owned(),
            "\"}",
        ),
        p(
            "generic-secret",
            "auth:\n  token: ",
            "9a8b7c6d5e4f3a2b1c0d".to_owned(),
            "\n",
        ),
        p(
            "generic-secret",
            "password = \"",
            "correct-horse-battery".to_owned(),
            "\"",
        ),
        p(
            "generic-secret",
            "PASSWORD=",
            "SuperSecretPassword".to_owned(),
            "\n",
        ),
        p(
            "generic-secret",
            "mysqldump --password=",
            "Pa55w0rd!2024".to_owned(),
            " app > dump.sql",
        ),
        p(
            "generic-secret",
            "{\\\"password\\\": \\\"",
            "hunter22hunter".to_owned(),
            "\\\"}",
        ),
        p(
            "generic-secret",
            "client_secret='",
            "Zx9-Yw8_Vu7".to_owned(),
            "'",
        ),
        p(
            "generic-secret",
            "$conf['db_passwd'] => '",
            "Qw3rty!Uiop".to_owned(),
            "';",
        ),
    ]
}

#[test]
fn every_builtin_detector_compiles() {
    let d = builtin_detectors().unwrap();
    assert_eq!(d.len(), detectors::BUILTINS.len());
    for detector in d {
        assert!(
            detector.pattern.get().is_some(),
            "{} does not compile",
            detector.kind
        );
    }
}

#[test]
fn every_planted_secret_is_found_and_redacted() {
    let r = builtin();
    for plant in plants() {
        let content = format!("{}{}{}", plant.before, plant.secret, plant.after);
        let action =
            json!({"tool": "Write", "args": {"file_path": "notes.txt", "content": content}});
        let (redacted, found) = r.redact_value(&action);
        assert_eq!(found.len(), 1, "{}: {found:?}", plant.kind);
        let f = &found[0];
        assert_eq!(f.kind, plant.kind, "{content}");
        assert_eq!(f.rule_id, format!("builtin.{}", plant.kind));
        assert_eq!(f.location, "$.args.content");
        assert_eq!(f.start, plant.before.len(), "{}", plant.kind);
        assert_eq!(&content[f.start..f.end], plant.secret, "{}", plant.kind);
        assert_eq!(f.marker, format!("[REDACTED:{}]", plant.kind));
        assert_eq!(
            f.fingerprint,
            FingerprintKey::default().fingerprint(&plant.secret)
        );
        let expected = format!("{}{}{}", plant.before, f.marker, plant.after);
        assert_eq!(redacted["args"]["content"], Value::String(expected));
        assert_eq!(redacted["args"]["file_path"], "notes.txt");
        assert_no_leak(&serde_json::to_string(&redacted).unwrap(), &plant.secret);
        assert_no_leak(&serde_json::to_string(&found).unwrap(), &plant.secret);
    }
}

#[test]
fn every_planted_secret_contains_a_keyword_of_its_detector() {
    // The prefilter may only skip a detector when none of its keywords occurs.
    for plant in plants() {
        let text = format!("{}{}{}", plant.before, plant.secret, plant.after).to_lowercase();
        let any = detectors::BUILTINS
            .iter()
            .filter(|b| b.kind == plant.kind)
            .any(|b| b.keywords.iter().any(|k| text.contains(k)));
        assert!(any, "{}", plant.kind);
    }
}

#[test]
fn fingerprint_is_a_keyed_hmac_and_stable() {
    // HMAC-SHA256 under the documented default key, as `openssl dgst -sha256 -hmac
    // agent-policy/fingerprint/v1` prints it.
    assert_eq!(
        FingerprintKey::default().fingerprint("abc"),
        "hmac-sha256:b23b8d1b7776c0b9"
    );
    let r = builtin();
    let token = github_token();
    let a = json!({"args": {"a": format!("x {token} y"), "b": [format!("GH={token}")]}});
    let (_, found) = r.redact_value(&a);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].fingerprint, found[1].fingerprint);
    let (_, again) = r.redact_value(&a);
    assert_eq!(found, again);
    let other = fake(&["gh", "p_", "tMehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8"]);
    let (_, third) = r.redact_text(&other, "$");
    assert_ne!(third[0].fingerprint, found[0].fingerprint);
}

#[test]
fn a_host_key_changes_fingerprints_and_nothing_else() {
    let token = github_token();
    let action = json!({"tool": "Bash", "args": {"command": format!("echo {token}")}});
    let now = "2026-11-24T10:00:00Z";
    let plain = crate::Engine::defaults();
    let keyed = crate::Engine::defaults().with_fingerprint_key(b"host key: 0123456789abcdef");
    let a = plain.evaluate(&crate::Request::new(&action, now)).unwrap();
    let b = keyed.evaluate(&crate::Request::new(&action, now)).unwrap();
    assert_eq!(a.decision, b.decision);
    assert_eq!(a.policy_hash, b.policy_hash);
    assert_eq!(a.redactions.len(), 1);
    assert_eq!(a.redactions[0].kind, b.redactions[0].kind);
    assert_ne!(a.redactions[0].fingerprint, b.redactions[0].fingerprint);
    assert!(b.redactions[0].fingerprint.starts_with("hmac-sha256:"));
    // The key appears in no output.
    assert!(!b.to_json().contains("0123456789abcdef"));
    assert!(!format!("{keyed:?}").contains("0123456789abcdef"));
}

#[test]
fn benign_text_is_not_redacted() {
    let r = builtin();
    let benign = [
        "password = input()",
        "token = get_token()",
        "password = getpass.getpass('Password: ')",
        "let password: String = String::new();",
        "pub api_key: Option<String>,",
        "token?: string;",
        "self.password = password",
        "password: hashedPassword,",
        "if password == confirm_password:",
        "const token = req.headers.authorization;",
        "api_key = os.environ[\"OPENAI_API_KEY\"]",
        "token := os.Getenv(\"GITHUB_TOKEN\")",
        "token = \"GITHUB_TOKEN\"",
        "password = self.hash(raw)",
        "export API_KEY=$OPENAI_API_KEY",
        "password: ${DB_PASSWORD}",
        "token: ${{ secrets.GITHUB_TOKEN }}",
        "api_key: <your-api-key>",
        "secret: changeme",
        "password = \"********\"",
        "SECRET_KEY = 'your-secret-key-here'",
        "\"password\": \"Enter your password\"",
        "WHERE token = :token AND password_hash = $1",
        "max_tokens: 4096\ntokens = tokenizer.encode(text)",
        "secretName: db-credentials\ntoken_type: bearer",
        "the session token expired, please sign in again",
        "Authorization: Bearer ${TOKEN}",
        "Authorization: Bearer <token>",
        "bearer tokens are described in rfc 6750",
        "commit 3f786850e387550fdab836ed7e6dc881de23001b (HEAD -> main)",
        "request 550e8400-e29b-41d4-a716-446655440000 failed",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "<img src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\">",
        "This is a risk-free change; ask-me-anything; desk-proj-plan; task-runner",
        "https://github.com/org/repo/blob/main/src/token.rs",
        "git@github.com:org/repo.git and ssh://git@example.com:22/repo",
        "postgres://localhost:5432/app and postgres://app@db/app",
        "postgres://user:${DB_PASSWORD}@db/app",
        "curl -u $USER:$PASS https://api.example.com",
        "docker run -u 1000:1000 image",
        "npm_config_registry=https://registry.npmjs.org/",
        "if line.startswith(\"-----BEGIN RSA PRIVATE KEY-----\"):",
        "const footer = '-----END PRIVATE KEY-----';",
        "eyJhbGciOiJIUzI1NiJ9 is only a header",
        "AKIA is a prefix; AKIAshort",
        "Set `API_KEY` to your key.",
        "password=[REDACTED:generic-secret] token: [REDACTED:jwt]",
    ];
    for text in benign {
        let (out, found) = r.redact_text(text, "$");
        assert!(found.is_empty(), "{text:?} gave {found:?}");
        assert_eq!(out, text);
    }
}

#[test]
fn short_or_code_assignments_are_left_but_long_literals_are_not() {
    let r = builtin();
    // Under 8 characters: not a secret by the generic rule.
    assert!(r.redact_text("password=hunter2", "$").1.is_empty());
    // An identifier with a digit is taken for a literal.
    let (out, found) = r.redact_text("password: hunter2hunter2", "$");
    assert_eq!(found.len(), 1);
    assert_eq!(out, "password: [REDACTED:generic-secret]");
    // A key inside a rejected value is still examined.
    let (out, found) = r.redact_text("token = get_token(password=\"Wq8-zT4!kP\")", "$");
    assert_eq!(found.len(), 1);
    assert_eq!(
        out,
        "token = get_token(password=\"[REDACTED:generic-secret]\")"
    );
}

#[test]
fn several_secrets_in_one_string_are_reported_in_order() {
    let r = builtin();
    let a = aws_key_id();
    let s = aws_secret();
    let text = format!("[default]\naws_access_key_id={a}\naws_secret_access_key={s}\n");
    let (out, found) = r.redact_text(&text, "$.payload");
    let kinds: Vec<&str> = found.iter().map(|f| f.kind.as_str()).collect();
    assert_eq!(kinds, ["aws-access-key-id", "aws-secret-access-key"]);
    assert!(found[0].end <= found[1].start);
    assert!(found.iter().all(|f| f.location == "$.payload"));
    assert_eq!(
        out,
        "[default]\naws_access_key_id=[REDACTED:aws-access-key-id]\naws_secret_access_key=[REDACTED:aws-secret-access-key]\n"
    );
}

#[test]
fn offsets_are_bytes_in_the_original_string() {
    let r = builtin();
    let token = github_token();
    let text = format!("héllo ✓ — {token} fin");
    let (_, found) = r.redact_text(&text, "$");
    let f = &found[0];
    assert_eq!(f.start, "héllo ✓ — ".len());
    assert_eq!(&text[f.start..f.end], token);
}

#[test]
fn nested_values_report_json_paths() {
    let r = builtin();
    let token = github_token();
    let action = json!({
        "tool": "MultiEdit",
        "args": {
            "edits": [
                {"old_string": "x", "new_string": format!("t = '{token}'")},
                {"new_string": ["deep", {"list": [format!("{token}")]}]}
            ],
            "my key": token,
            "a'b": token,
            "_ok9": token,
            "9lives": token,
        },
        "payload": [[token]],
    });
    let (redacted, found) = r.redact_value(&action);
    let locations: Vec<&str> = found.iter().map(|f| f.location.as_str()).collect();
    assert_eq!(
        locations,
        [
            "$.args['9lives']",
            "$.args._ok9",
            "$.args['a\\'b']",
            "$.args.edits[0].new_string",
            "$.args.edits[1].new_string[1].list[0]",
            "$.args['my key']",
            "$.payload[0][0]",
        ]
    );
    assert_eq!(found[3].start, 5);
    assert_eq!(redacted["args"]["edits"][0]["old_string"], "x");
    assert_eq!(redacted["args"]["edits"][1]["new_string"][0], "deep");
    assert_no_leak(&serde_json::to_string(&redacted).unwrap(), &token);
}

#[test]
fn secrets_in_object_keys_are_replaced_and_reported() {
    let r = builtin();
    let t1 = github_token();
    let t2 = fake(&["gh", "s_", "AAehGAkWvj7FAc9QeWJKY40uvSwMFLZDe1f8"]);
    let action = json!({"args": {t1.clone(): {"note": format!("same {t1}")}, t2.clone(): 2}});
    let (redacted, found) = r.redact_value(&action);
    let text = serde_json::to_string(&redacted).unwrap();
    assert_no_leak(&text, &t1);
    assert_no_leak(&text, &t2);
    let args = redacted["args"].as_object().unwrap();
    assert_eq!(
        args.len(),
        2,
        "colliding redacted keys keep both members: {text}"
    );
    assert!(args.contains_key("[REDACTED:github-token]"));
    assert!(args.contains_key("[REDACTED:github-token]#2"));
    assert_eq!(found.len(), 3);
    // The key itself, then the value under it, located with the redacted key.
    let key_path = "$.args['[REDACTED:github-token]']";
    assert!(
        found
            .iter()
            .any(|f| f.location == key_path && f.start == 0 && f.end == t1.len())
    );
    assert!(
        found
            .iter()
            .any(|f| f.location == format!("{key_path}.note") && f.start == 5)
    );
    for f in &found {
        assert!(!f.location.contains(&t1[..12]) && !f.location.contains(&t2[..12]));
    }
}

#[test]
fn values_of_secret_named_keys_are_secrets() {
    let r = builtin();
    let action = json!({
        "tool": "Bash",
        "args": {"command": "psql", "env": {"PGPASSWORD": "s3cr3t!", "HOME": "/root"}},
        "context": {"env": {"AWS_SECRET_ACCESS_KEY": aws_secret(), "X_API_KEY": "my pass phrase"}},
        "payload": {
            "headers": {"Authorization": "Bearer abc", "Accept": "*/*"},
            "password": "none",
            "token": 123456,
            "max_tokens": "2048",
            "env": [{"name": "API_TOKEN", "value": "tok-7f3a9c"}, {"name": "LOG_LEVEL", "value": "debug"}],
        },
    });
    let (redacted, found) = r.redact_value(&action);
    let got: Vec<(&str, &str)> = found
        .iter()
        .map(|f| (f.location.as_str(), f.kind.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("$.args.env.PGPASSWORD", "generic-secret"),
            (
                "$.context.env.AWS_SECRET_ACCESS_KEY",
                "aws-secret-access-key"
            ),
            ("$.context.env.X_API_KEY", "generic-secret"),
            ("$.payload.env[0].value", "generic-secret"),
            ("$.payload.headers.Authorization", "generic-secret"),
        ]
    );
    assert_eq!(
        redacted["args"]["env"]["PGPASSWORD"],
        "[REDACTED:generic-secret]"
    );
    assert_eq!(redacted["args"]["env"]["HOME"], "/root");
    assert_eq!(redacted["payload"]["password"], "none");
    assert_eq!(redacted["payload"]["token"], 123456);
    assert_eq!(redacted["payload"]["max_tokens"], "2048");
    assert_eq!(redacted["payload"]["env"][1]["value"], "debug");
    assert_eq!((found[0].start, found[0].end), (0, 7));
}

#[test]
fn the_most_specific_kind_wins_a_tie() {
    let r = builtin();
    let token = github_token();
    let (out, found) = r.redact_text(&format!("token = \"{token}\""), "$");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, "github-token");
    assert_eq!(out, "token = \"[REDACTED:github-token]\"");
    let (_, found) = r.redact_text(&format!("Authorization: Bearer {}", jwt()), "$");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, "jwt");
    let (redacted, found) = r.redact_value(&json!({"api_key": token}));
    assert_eq!(found.len(), 1);
    assert_eq!(redacted["api_key"], "[REDACTED:github-token]");
}

#[test]
fn overlapping_findings_merge_into_the_earliest_longest() {
    let rules = [
        rule("left", "foo-[0-9]{4}", &[]),
        rule("right", "[0-9]{4}-bar", &[]),
    ];
    let r = Redactor::new(false, &rules, "policy.yml").unwrap();
    let (out, found) = r.redact_text("x foo-1234-bar y", "$");
    assert_eq!(out, "x [REDACTED:left] y");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].start, found[0].end), (2, 14));
    assert_eq!(found[0].kind, "left");
}

#[test]
fn redacting_twice_finds_nothing_new() {
    let r = builtin();
    for plant in plants() {
        let text = format!("{}{}{}", plant.before, plant.secret, plant.after);
        let (once, _) = r.redact_text(&text, "$");
        let (twice, found) = r.redact_text(&once, "$");
        assert!(found.is_empty(), "{}: {once:?} gave {found:?}", plant.kind);
        assert_eq!(once, twice);
    }
    let action = json!({"env": {"DB_PASSWORD": "s3cr3t-v4lue"}});
    let (once, _) = r.redact_value(&action);
    assert!(r.redact_value(&once).1.is_empty());
}

#[test]
fn policy_rules_find_their_pattern_with_their_id_as_kind() {
    let secret = "acme_0123456789abcdefghijklmnopqrstuv";
    let r = Redactor::new(
        true,
        &[rule("acme-token", "acme_[a-z0-9]{32}", &["acme_"])],
        "p.yml",
    )
    .unwrap();
    let (redacted, found) = r.redact_value(&json!({"args": {"content": format!("k={secret};")}}));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, "acme-token");
    assert_eq!(found[0].rule_id, "acme-token");
    assert_eq!(found[0].marker, "[REDACTED:acme-token]");
    assert_eq!((found[0].start, found[0].end), (2, 2 + secret.len()));
    assert_eq!(redacted["args"]["content"], "k=[REDACTED:acme-token];");
}

#[test]
fn policy_rules_run_only_where_a_keyword_occurs() {
    let r = Redactor::new(
        false,
        &[rule("otp", "[0-9]{6}", &["otp", "code:"])],
        "p.yml",
    )
    .unwrap();
    assert!(r.redact_text("order 123456 shipped", "$").1.is_empty());
    assert_eq!(r.redact_text("OTP 123456", "$").0, "OTP [REDACTED:otp]");
    assert_eq!(r.redact_text("Code: 654321", "$").0, "Code: [REDACTED:otp]");
    // No keywords: the rule runs everywhere.
    let r = Redactor::new(false, &[rule("digits", "[0-9]{6}", &[])], "p.yml").unwrap();
    assert_eq!(
        r.redact_text("order 123456", "$").0,
        "order [REDACTED:digits]"
    );
}

/// Loads a policy from YAML text as a user would.
fn load(yaml: &str) -> Result<crate::Engine, crate::Error> {
    crate::Engine::from_source(crate::PolicySource::new(
        yaml,
        "policy.yml",
        crate::SourceFormat::Yaml,
    ))
}

#[test]
fn an_entropy_floor_keeps_words_and_redacts_keys() {
    let engine = load(
        "version: '1'\nredaction:\n  builtin: false\n  rules:\n    - id: ticket-key\n      \
         pattern: 'tk-[A-Za-z0-9]{16}'\n      keywords: [tk-]\n      entropy: 3.5\n",
    )
    .unwrap();
    let r = engine.redactor();
    // A word-like match: 'tk-' + 16 characters from few symbols, entropy under 3.5 bits.
    assert!(r.redact_text("tk-aaaabbbbaaaabbbb", "$").1.is_empty());
    let (out, found) = r.redact_text("key tk-Q7f9Zk2LmP4xR8vW done", "$");
    assert_eq!(out, "key [REDACTED:ticket-key] done");
    assert_eq!(found.len(), 1);
}

#[test]
fn an_allowlist_entry_spares_known_examples() {
    let engine = load(
        "version: '1'\nredaction:\n  builtin: false\n  rules:\n    - id: acme-token\n      \
         pattern: 'acme_[A-Za-z0-9]{12}'\n      allowlist: ['(?i)example', '^acme_0{12}$']\n",
    )
    .unwrap();
    let r = engine.redactor();
    assert!(
        r.redact_text("use acme_EXAMPLEkey12 here", "$")
            .1
            .is_empty()
    );
    assert!(r.redact_text("acme_000000000000", "$").1.is_empty());
    assert_eq!(
        r.redact_text("acme_k3Y9qLm2Wx7Z", "$").0,
        "[REDACTED:acme-token]"
    );
}

#[test]
fn entropy_and_allowlist_are_validated_at_load() {
    let base = "version: '1'\nredaction:\n  rules:\n    - id: t\n      pattern: 't_[a-z]{8}'\n";
    let cases = [
        ("      entropy: 9\n", "policy.bad_value", 6, "at most 8"),
        ("      entropy: 0\n", "policy.bad_value", 6, "above 0"),
        ("      entropy: high\n", "policy.bad_type", 6, "entropy"),
        (
            "      allowlist: ['(']\n",
            "policy.bad_regex",
            6,
            "allowlist entry 0",
        ),
        (
            "      allowlist: ['x', 'a*']\n",
            "policy.bad_regex",
            6,
            "every secret",
        ),
        ("      alowlist: [x]\n", "policy.unknown_key", 6, "alowlist"),
    ];
    for (extra, code, line, needle) in cases {
        let err = load(&format!("{base}{extra}")).unwrap_err();
        assert_eq!(err.code.as_str(), code, "{extra}: {err}");
        let location = err.location.as_ref().expect("a location");
        assert_eq!(location.line, line, "{extra}: {err}");
        assert!(err.to_string().contains(needle), "{extra}: {err}");
    }
    let err = load(&format!("{base}      alowlist: [x]\n")).unwrap_err();
    assert_eq!(err.help.as_deref(), Some("did you mean 'allowlist'?"));
}

#[test]
fn the_policy_hash_covers_the_redaction_section() {
    let base = "version: '1'\nredaction:\n  rules:\n    - id: t\n      pattern: 't_[a-z]{8}'\n";
    let hashes: Vec<String> = [
        "version: '1'\n".to_owned(),
        "version: '1'\nredaction: {builtin: false}\n".to_owned(),
        base.to_owned(),
        format!("{base}      entropy: 2.5\n"),
        format!("{base}      allowlist: [example]\n"),
        format!("{base}      keywords: [t_]\n"),
    ]
    .iter()
    .map(|yaml| load(yaml).unwrap().policy_hash().to_owned())
    .collect();
    let distinct: std::collections::BTreeSet<&String> = hashes.iter().collect();
    assert_eq!(distinct.len(), hashes.len(), "{hashes:?}");
    // The host's fingerprint key is not policy.
    let keyed = load(base)
        .unwrap()
        .with_fingerprint_key(b"0123456789abcdef0123");
    assert_eq!(keyed.policy_hash(), hashes[2]);
}

#[test]
fn shannon_entropy_is_in_bits_per_byte() {
    assert!(super::shannon_entropy("").abs() < 1e-9);
    assert!(super::shannon_entropy("aaaa").abs() < 1e-9);
    assert!((super::shannon_entropy("abab") - 1.0).abs() < 1e-9);
    assert!((super::shannon_entropy("0123456789abcdef") - 4.0).abs() < 1e-9);
}

#[test]
fn a_group_named_secret_limits_what_is_redacted() {
    let r = Redactor::new(
        false,
        &[rule("pin", "pin=(?P<secret>[0-9]{4})", &["pin="])],
        "p.yml",
    )
    .unwrap();
    let (out, found) = r.redact_text("card pin=4711 ok", "$");
    assert_eq!(out, "card pin=[REDACTED:pin] ok");
    assert_eq!((found[0].start, found[0].end), (9, 13));
}

#[test]
fn builtin_false_disables_builtin_detectors_only() {
    let token = github_token();
    let r = Redactor::new(false, &[rule("acme", "acme_[a-z]{8}", &["acme_"])], "p.yml").unwrap();
    let action = json!({"args": {"a": token, "password": "s3cr3t-v4lue", "b": "acme_abcdefgh"}});
    let (redacted, found) = r.redact_value(&action);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, "acme");
    assert_eq!(redacted["args"]["a"], Value::String(token));
    let off = Redactor::new(false, &[], "p.yml").unwrap();
    assert!(off.redact_value(&action).1.is_empty());
}

#[test]
fn default_is_the_builtin_detectors() {
    let (_, found) = Redactor::default().redact_text(&github_token(), "$");
    assert_eq!(found.len(), 1);
}

#[test]
fn a_bad_pattern_is_a_located_policy_error() {
    let err =
        Redactor::new(true, &[rule("acme", "acme_[a-z", &["acme_"])], "policy.yml").unwrap_err();
    assert_eq!(err.code, ErrorCode::PolicyBadRegex);
    let loc = err.location.clone().unwrap();
    assert_eq!(
        (loc.file.as_str(), loc.line, loc.column),
        ("policy.yml", 4, 14)
    );
    assert!(err.message.contains("'acme'"), "{}", err.message);
    let help = err.help.clone().unwrap();
    assert!(help.contains("unclosed"), "{help}");
    assert_eq!(help, help.to_lowercase());
    assert!(!help.ends_with('.'));
    assert!(!err.message.contains('\n') && !help.contains('\n'));
}

#[test]
fn every_bad_pattern_is_reported() {
    let rules = [
        rule("a", "(unclosed", &[]),
        rule("ok", "fine_[0-9]+", &[]),
        rule("b", "x{2,1}", &[]),
    ];
    let err = Redactor::new(true, &rules, "p.yml").unwrap_err();
    let ids: Vec<bool> = err
        .all()
        .map(|e| e.code == ErrorCode::PolicyBadRegex)
        .collect();
    assert_eq!(ids, [true, true]);
    assert!(err.related[0].message.contains("'b'"));
}

#[test]
fn a_pattern_matching_nothing_or_too_big_is_refused() {
    let err = Redactor::new(true, &[rule("empty", "(acme_)?[0-9]*", &[])], "p.yml").unwrap_err();
    assert_eq!(err.code, ErrorCode::PolicyBadRegex);
    assert!(err.message.contains("empty string"));
    let err = Redactor::new(true, &[rule("big", r"(?:\w{100}){50}", &[])], "p.yml").unwrap_err();
    assert_eq!(err.code, ErrorCode::PolicyBadRegex);
    assert!(err.help.unwrap().contains("more than"));
}

#[test]
fn found_secrets_scrub_copies_in_derived_strings() {
    let r = builtin();
    let action = json!({"tool": "Bash", "args": {"command": "curl -u admin:Sup3rPassw0rd https://api.example.com"}});
    let (_, found, secrets) = r.redact_value_with_secrets(&action);
    assert_eq!(found.len(), 1);
    assert!(!secrets.is_empty());
    // The argv word on its own no longer has the `curl -u` context.
    assert!(r.redact_text("admin:Sup3rPassw0rd", "$").1.is_empty());
    assert_eq!(
        secrets.scrub("admin:Sup3rPassw0rd").unwrap(),
        "admin:[REDACTED:basic-auth]"
    );
    assert_eq!(secrets.scrub("nothing here"), None);
    assert!(!format!("{secrets:?}").contains("Sup3r"));
}

#[test]
fn placeholder_rules() {
    for p in [
        "${VAR}",
        "$VAR",
        "{{ token }}",
        "<redacted>",
        "[REDACTED]",
        "changeme",
        "********",
        "xxxxxxxxxx",
        "your_api_key_here",
        "%DB_PASSWORD%",
        "none",
    ] {
        assert!(detectors::is_placeholder(p), "{p}");
    }
    for s in ["hunter2hunter2", "Xy7-pQ2_zR9w", "Tr0ub4dor-3"] {
        assert!(!detectors::is_placeholder(s), "{s}");
    }
}

#[test]
fn a_findings_list_never_holds_the_secret() {
    let r = builtin();
    let text: String = plants()
        .iter()
        .map(|p| format!("{}{}{}\n", p.before, p.secret, p.after))
        .collect();
    let (out, found): (String, Vec<Redaction>) = r.redact_text(&text, "$");
    let report = serde_json::to_string(&found).unwrap();
    let context: String = plants()
        .iter()
        .map(|p| format!("{} {}", p.before, p.after))
        .collect();
    for p in plants() {
        assert_no_leak_beside(&out, &p.secret, &context);
        assert_no_leak(&report, &p.secret);
    }
    assert_eq!(found.len(), plants().len());
}

#[test]
fn keywords_match_whatever_the_case_so_case_insensitive_patterns_work() {
    let r = Redactor::new(
        false,
        &[rule("ci", "(?i)acme_[a-z]{4}", &["acme_"])],
        "p.yml",
    )
    .unwrap();
    let (out, found) = r.redact_text("id ACME_abcd", "$");
    assert_eq!(out, "id [REDACTED:ci]");
    assert_eq!((found[0].start, found[0].end), (3, 12));
}

#[test]
fn adversarial_assignment_chains_still_find_the_secret_after_them() {
    let r = builtin();
    for noise in ["token=(", "token=", "exampletoken=", "password: ${"] {
        let text = format!("{} password=\"Wq8-zT4!kPx\"", noise.repeat(5_000));
        let (out, found) = r.redact_text(&text, "$");
        let last = found.last().expect(noise);
        assert_eq!(&text[last.start..last.end], "Wq8-zT4!kPx", "{noise}");
        assert!(!out.contains("Wq8-zT4!kPx"));
    }
}

#[test]
fn the_action_fast_path_finds_what_the_full_walk_finds() {
    let r = Redactor::default();
    let values = [
        json!({"tool": "Read", "args": {"file_path": "src/app/main.ts"}}),
        json!({"tool": "Write", "args": {"file_path": "a.ts", "content": "const k = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';"}}),
        json!({"tool": "x", "args": {"password": "correct horse battery"}}),
        json!({"tool": "x", "args": {"env": [{"name": "API_TOKEN", "value": "abcd1234efgh"}]}}),
        json!({"tool": "x", "args": {"sk_live_4eC39HqLyjWDarjtT1zdp7dc": 1}}),
        json!({"tool": "x", "args": {"q": "quote \" and \\ backslash, no secret"}}),
    ];
    for v in &values {
        let text = crate::canonical::to_canonical_string(v);
        let (fast_value, fast_found, _) = r.redact_action(v, &text);
        let fast_value = fast_value.unwrap_or_else(|| v.clone());
        let (full_value, full_found, _) = r.redact_value_with_secrets(v);
        assert_eq!(fast_value, full_value, "{v}");
        assert_eq!(fast_found, full_found, "{v}");
    }
}

#[test]
fn key_names_announce_secrets_whatever_their_case_and_punctuation() {
    use detectors::{AWS_SECRET_KIND, GENERIC_KIND, secret_key_kind};
    for key in [
        "password",
        "DB_PASSWORD",
        "pass_word",
        "passwd",
        "Passphrase",
        "client_secret",
        "GITHUB_TOKEN",
        "apiKey",
        "X-Api-Key",
        "access_key",
        "privateKey",
        "credential",
        "Credentials",
        "Authorization",
        "cookie",
    ] {
        assert_eq!(secret_key_kind(key), Some(GENERIC_KIND), "{key}");
    }
    for key in [
        "AWS_SECRET_ACCESS_KEY",
        "aws_secret_access_key_id",
        "awsSecretKey",
    ] {
        assert_eq!(secret_key_kind(key), Some(AWS_SECRET_KIND), "{key}");
    }
    for key in [
        "",
        "a",
        "agent",
        "type",
        "args",
        "file_path",
        "tool",
        "tokenizer",
        "secrets_dir",
        "password_hint_url",
        "keys",
        "monkey_see",
    ] {
        assert_eq!(secret_key_kind(key), None, "{key}");
    }
    for suffix in detectors::SECRET_KEY_SUFFIXES
        .iter()
        .chain(&[detectors::AWS_SECRET_KEY_SUFFIX])
    {
        let ending = &suffix.as_bytes()[suffix.len() - 2..];
        assert!(
            detectors::SECRET_KEY_ENDINGS.iter().any(|e| e == ending),
            "SECRET_KEY_ENDINGS lacks the ending of '{suffix}'"
        );
    }
}

#[test]
fn secrets_named_by_their_member_are_found_in_json_as_in_env_text() {
    let r = builtin();
    let cases = [
        (
            "DD_APP_KEY",
            ["b94cd18be54a8455", "7084f6a0a5c7bc161ed73cbe"].concat(),
            "datadog-app-key",
        ),
        (
            "deepseek_key",
            ["sk-81f4f333bd3e", "8ec4ad529025bb503bdb"].concat(),
            "deepseek-api-key",
        ),
        (
            "private_key_id",
            ["cb6dec814b843c99", "ecb4c2f2de45ac7b5b88608a"].concat(),
            "gcp-service-account-key-id",
        ),
    ];
    for (name, secret, kind) in cases {
        // As a line of text: the reference.
        let (_, in_text) = r.redact_text(&format!("{name}={secret}"), "$");
        assert_eq!(in_text.len(), 1, "{name} in text");
        assert_eq!(in_text[0].kind, kind);
        // As a JSON member: the same kind, the span of the value.
        let (redacted, found) = r.redact_value(&json!({ name: secret.clone() }));
        assert_eq!(found.len(), 1, "{name} in json: {found:?}");
        assert_eq!(found[0].kind, kind);
        assert_eq!((found[0].start, found[0].end), (0, secret.len()));
        assert_eq!(found[0].location, format!("$.{name}"));
        assert!(!redacted.to_string().contains(&secret));
    }
    // The member's name alone does not make an ordinary value a secret.
    let (_, found) = r.redact_value(&json!({"DD_APP_KEY_HELP": "see the docs"}));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn the_keyword_scan_reports_every_occurrence_once_in_order() {
    // The scan reads windows four positions at a time, then the last few positions:
    // keywords anywhere, in the middle, at both ends of the text and in any case are each
    // reported once, in order of their start, exactly as the automaton's overlapping search
    // finds them.
    let detectors = builtin_detectors().unwrap();
    let prefilter = super::Prefilter::new(detectors);
    // The distinct keywords in the prefilter's order: its keyword indexes are theirs.
    let mut distinct: Vec<&str> = Vec::new();
    for k in detectors.iter().flat_map(|d| d.keywords.iter()) {
        if !distinct.contains(&k.as_str()) {
            distinct.push(k);
        }
    }
    let ac = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(&distinct)
        .unwrap();
    let mut keywords: Vec<&str> = detectors::BUILTINS
        .iter()
        .flat_map(|b| b.keywords.iter().copied())
        .collect();
    keywords.sort_by_key(|k| std::cmp::Reverse(k.len()));
    let chosen: Vec<&str> = keywords
        .iter()
        .take(4)
        .chain(keywords.iter().rev().take(4))
        .chain(["token", "secret_", "Private Key"].iter())
        .copied()
        .collect();
    let filler = "lorem ipsum dolor, sit amet = ";
    let mut scanned = 0;
    for len in [0, 7, 90, 160, 401] {
        let base: String = filler.chars().cycle().take(len).collect();
        for keyword in &chosen {
            let mid = len / 2;
            for at in (mid.saturating_sub(keyword.len() + 2)..=(mid + 2).min(len))
                .chain([0, len.saturating_sub(keyword.len())])
            {
                let mut text = base.clone();
                text.insert_str(at.min(text.len()), &keyword.to_ascii_uppercase());
                text.insert_str(0, keyword);
                text.push_str(keyword);
                let expected: Vec<(usize, usize)> = ac
                    .find_overlapping_iter(&text)
                    .map(|m| (m.start(), m.pattern().as_usize()))
                    .collect();
                let mut found = Vec::new();
                prefilter
                    .filter
                    .for_each(text.as_bytes(), &mut |p, start| found.push((start, p)));
                assert!(found.windows(2).all(|w| w[0].0 <= w[1].0), "{text}");
                let mut sorted_found = found.clone();
                sorted_found.sort_unstable();
                let mut sorted_expected = expected.clone();
                sorted_expected.sort_unstable();
                assert_eq!(sorted_found, sorted_expected, "{text}");
                assert_eq!(prefilter.any_keyword(&text), !expected.is_empty());
                scanned += 1;
            }
        }
    }
    assert!(scanned > 300, "{scanned}");
    assert!(!prefilter.any_keyword(&filler.repeat(40)));
}

#[test]
fn finding_secrets_in_text_reports_what_redacting_it_does() {
    let r = builtin();
    let text = format!(
        "export AWS_ACCESS_KEY_ID={}\nnothing here\npassword = \"{}\"\n",
        aws_key_id(),
        "hunter2-Correct-9"
    );
    let found = r.find_in_text(&text, "$");
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found, r.redact_text(&text, "$").1);
    assert_eq!(found, r.redact_value(&Value::String(text.clone())).1);
    assert!(r.find_in_text("nothing to see", "$").is_empty());
}

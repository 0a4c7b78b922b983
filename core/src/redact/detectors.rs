//! The built-in secret detectors: one table of patterns with their prefilter keywords, and the
//! checks that tell a literal secret from a variable, a placeholder or ordinary prose.
//!
//! Every pattern holds the secret in the capture group named `s` (or, for assignments, in the
//! value that follows the key the pattern finds). The keywords of a detector must occur in
//! every text the pattern can match (compared ASCII case-insensitively): the prefilter runs a
//! detector only where one of its keywords occurs, so a keyword that the pattern does not
//! imply would silently hide secrets.

/// How the match of a built-in pattern is confirmed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Check {
    /// Taken as found.
    Plain,
    /// Rejected when the character right after the secret satisfies the function: the token
    /// continues, so this is some longer identifier and not the fixed-length secret.
    Tail(fn(char) -> bool),
    /// A bearer token: must mix letters and digits and not be a placeholder.
    Bearer,
    /// A password in a URL or a `user:password` pair: must not be a variable or a placeholder.
    Password,
    /// A `key = value` assignment to a secret-looking name; see [`Assignments`].
    Assignment,
}

/// One built-in detector.
#[derive(Debug, Clone, Copy)]
pub(super) struct Builtin {
    /// The kind reported in findings and markers; part of the output contract.
    pub kind: &'static str,
    /// The regular expression; the secret is the group named `s`, except for assignments
    /// where the match ends where the value starts.
    pub pattern: &'static str,
    /// Literal prefilter keywords (lowercase); at least one occurs in every match.
    pub keywords: &'static [&'static str],
    /// How a match is confirmed.
    pub check: Check,
}

/// ASCII letters and digits.
fn alnum(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// The characters of a base64 (standard alphabet) value.
fn base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '/' | '+' | '=')
}

/// The characters of a base64url value.
fn base64url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-')
}

/// The characters of a Microsoft Entra ID (Azure AD) client secret.
fn azure_secret_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '~' | '.' | '-')
}

/// The separator between a setting's name and its value, as a pattern: an optional closing
/// quote (`\"` too, inside JSON text) and `]`, then `=`, `:`, `:=` or `=>` between blanks, or
/// blanks alone (`--flag value`, a header written without its colon), then an optional opening
/// quote.
macro_rules! assign {
    () => {
        r#"(?:\\?["'])?\]?(?:[ \t]*(?:=>|:=|=|:)[ \t]*|[ \t]+)(?:\\?["'])?"#
    };
}

/// A pattern for the name of a vendor's setting and its separator: a name that contains one
/// of the `vendor` alternatives and ends with one of the `ends` alternatives (both compared
/// ASCII case-insensitively: `DATADOG_API_KEY`, `heroku.apiToken`, `X-Okta-Token`), then
/// [`assign!`]. The vendor words are the detector's keywords.
macro_rules! named {
    ($vendor:literal, $ends:literal) => {
        concat!(
            "(?i-u:",
            $vendor,
            ")[A-Za-z0-9_.-]*(?i-u:",
            $ends,
            ")",
            assign!()
        )
    };
}

/// The kind of the generic `key = value` assignment detector and of secret-named JSON keys.
pub(super) const GENERIC_KIND: &str = "generic-secret";

/// The kind reported for an AWS secret access key.
pub(super) const AWS_SECRET_KIND: &str = "aws-secret-access-key";

/// The built-in detectors, in tie-break order: when two findings start at the same byte and
/// have the same length, the earlier detector names the kind. Specific formats come first,
/// context-based detectors (URLs, headers, assignments) last.
pub(super) const BUILTINS: &[Builtin] = &[
    Builtin {
        kind: "private-key",
        // The body must start like key material (base64 or a `Proc-Type:` header) so that code
        // that merely names the armor line is not swallowed; an unterminated key is redacted to
        // the end of the string.
        pattern: r"(?P<s>-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[rn])+[A-Za-z0-9+/=:-](?s:.*?)(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|\z))",
        keywords: &["private key"],
        check: Check::Plain,
    },
    Builtin {
        kind: "private-key",
        // The SSH.com (SECSH) format: four dashes and spaces around the armor lines.
        pattern: r"(?P<s>---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----[ \t]*(?:\r?\n|(?:\\r)?\\n)\s*[A-Za-z0-9+/=:-](?s:.*?)(?:---- END SSH2 ENCRYPTED PRIVATE KEY ----|\z))",
        keywords: &["private key"],
        check: Check::Plain,
    },
    Builtin {
        kind: "aws-access-key-id",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16})",
        keywords: &[
            "akia", "asia", "agpa", "aida", "aroa", "anpa", "anva", "aipa",
        ],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: AWS_SECRET_KIND,
        pattern: r#"(?:^|[^A-Za-z0-9])(?i-u:aws[_-]?secret[_-]?access[_-]?key|secret[_-]?access[_-]?key|aws[_-]?secret[_-]?key)(?:\\?["'])?(?:[ \t]*(?:=>|:=|=|:)[ \t]*|[ \t]+)(?:\\?["'])?(?P<s>[A-Za-z0-9/+]{40})"#,
        keywords: &["secret"],
        check: Check::Tail(base64_char),
    },
    Builtin {
        kind: "github-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{82,})",
        keywords: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        check: Check::Plain,
    },
    Builtin {
        kind: "gitlab-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>glpat-[A-Za-z0-9_-]{20,})",
        keywords: &["glpat-"],
        check: Check::Plain,
    },
    Builtin {
        kind: "slack-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>xox[abprs]-[A-Za-z0-9-]{10,}|xoxe(?:\.xox[bp])?-[A-Za-z0-9-]{10,})",
        keywords: &["xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-", "xoxe"],
        check: Check::Plain,
    },
    Builtin {
        kind: "slack-webhook",
        pattern: r"(?P<s>(?:https?://)?hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/-]{20,})",
        keywords: &["hooks.slack.com"],
        check: Check::Plain,
    },
    Builtin {
        kind: "stripe-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,})",
        keywords: &["sk_live_", "rk_live_", "sk_test_", "rk_test_"],
        check: Check::Plain,
    },
    Builtin {
        kind: "anthropic-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>sk-ant-[A-Za-z0-9_-]{20,})",
        keywords: &["sk-ant-"],
        check: Check::Plain,
    },
    Builtin {
        kind: "openai-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|sk-[A-Za-z0-9_-]*T3BlbkFJ[A-Za-z0-9_-]{8,})",
        keywords: &["sk-proj-", "sk-svcacct-", "sk-admin-", "t3blbkfj"],
        check: Check::Plain,
    },
    Builtin {
        kind: "google-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>AIza[0-9A-Za-z_-]{35})",
        keywords: &["aiza"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "npm-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>npm_[A-Za-z0-9]{36})",
        keywords: &["npm_"],
        check: Check::Tail(alnum),
    },
    // Cloud providers.
    Builtin {
        kind: "aws-session-token",
        pattern: concat!(
            "(?:^|[^A-Za-z0-9])(?i-u:aws[_-]?session[_-]?token|sessiontoken|x-amz-security-token)",
            assign!(),
            "(?P<s>[A-Za-z0-9/+=]{100,})"
        ),
        keywords: &["session", "security-token"],
        check: Check::Plain,
    },
    Builtin {
        kind: "gcp-service-account-key-id",
        pattern: concat!("(?i-u:private_key_id)", assign!(), "(?P<s>[a-f0-9]{40})"),
        keywords: &["private_key_id"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "azure-storage-account-key",
        pattern: concat!(
            "(?i-u:account[_-]?key|azure[_-]?storage[_-]?(?:account[_-]?)?(?:access[_-]?)?key)",
            assign!(),
            "(?P<s>[A-Za-z0-9+/]{86}==)"
        ),
        keywords: &["accountkey", "account_key", "account-key", "azure"],
        check: Check::Tail(base64_char),
    },
    Builtin {
        kind: "azure-shared-access-key",
        // Service Bus, Event Hubs, IoT Hub and Relay connection strings.
        pattern: r"(?i-u:sharedaccesskey)[ \t]*=[ \t]*(?P<s>[A-Za-z0-9+/]{43}=)",
        keywords: &["sharedaccesskey"],
        check: Check::Tail(base64_char),
    },
    Builtin {
        kind: "azure-sas-token",
        // The signature of a shared access signature URL or connection string; `sv=` (the
        // service version, a date) comes first in the query Azure writes.
        pattern: r#"(?:^|[^A-Za-z0-9_])sv=[0-9]{4}-[0-9]{2}-[0-9]{2}&(?:[^\s"'<>#&]*&)*?sig=(?P<s>[A-Za-z0-9%+/=]{30,})"#,
        keywords: &["sig="],
        check: Check::Plain,
    },
    Builtin {
        kind: "azure-ad-client-secret",
        pattern: r"(?:^|[^A-Za-z0-9_~.-])(?P<s>[A-Za-z0-9_~.]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})",
        keywords: &["q~"],
        check: Check::Tail(azure_secret_char),
    },
    Builtin {
        kind: "alibaba-access-key-id",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>LTAI[A-Za-z0-9]{12,20})",
        keywords: &["ltai"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "digitalocean-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>do[opr]_v1_[a-f0-9]{64})",
        keywords: &["dop_v1_", "doo_v1_", "dor_v1_"],
        check: Check::Tail(alnum),
    },
    // Code hosting and CI.
    Builtin {
        kind: "gitlab-pipeline-trigger-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>glptt-[0-9a-f]{40})",
        keywords: &["glptt-"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "gitlab-deploy-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>gldt-[A-Za-z0-9_-]{20,})",
        keywords: &["gldt-"],
        check: Check::Plain,
    },
    Builtin {
        kind: "gitlab-runner-token",
        // Authentication tokens (`glrt-`) and the older registration tokens.
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>glrt-[A-Za-z0-9_-]{20,}|GR1348941[A-Za-z0-9_-]{20,})",
        keywords: &["glrt-", "gr1348941"],
        check: Check::Plain,
    },
    Builtin {
        kind: "gitlab-ci-job-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>glcbt-[A-Za-z0-9]{1,5}_[A-Za-z0-9_-]{20,})",
        keywords: &["glcbt-"],
        check: Check::Plain,
    },
    Builtin {
        kind: "gitlab-feed-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>glft-[A-Za-z0-9_-]{20,})",
        keywords: &["glft-"],
        check: Check::Plain,
    },
    Builtin {
        kind: "gitlab-oauth-app-secret",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>gloas-[A-Za-z0-9_-]{64})",
        keywords: &["gloas-"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "gitlab-agent-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>glagent-[A-Za-z0-9_-]{50,})",
        keywords: &["glagent-"],
        check: Check::Plain,
    },
    Builtin {
        kind: "bitbucket-app-password",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>ATBB[A-Za-z0-9]{32})",
        keywords: &["atbb"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "circleci-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40})",
        keywords: &["ccipat_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "circleci-token",
        pattern: concat!(named!("circle", "key|token"), "(?P<s>[a-f0-9]{40})"),
        keywords: &["circle"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "travis-token",
        pattern: concat!(named!("travis", "key|token"), "(?P<s>[A-Za-z0-9_-]{22})"),
        keywords: &["travis"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "buildkite-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>bkua_[a-f0-9]{40})",
        keywords: &["bkua_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "azure-devops-pat",
        // 52 base32 characters, or the 84-character format of 2024.
        pattern: concat!(
            named!("azure[_-]?devops|vsts|azdo", "pat|token"),
            "(?P<s>[A-Za-z0-9]{84}|[a-z2-7]{52})"
        ),
        keywords: &[
            "azure_devops",
            "azure-devops",
            "azuredevops",
            "vsts",
            "azdo",
        ],
        check: Check::Tail(alnum),
    },
    // Package registries.
    Builtin {
        kind: "pypi-token",
        // Macaroons whose location is pypi.org or test.pypi.org (base64 in the prefix).
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>pypi-(?:AgEIcHlwaS5vcmc|AgENdGVzdC5weXBpLm9yZw)[A-Za-z0-9_-]{50,})",
        keywords: &["pypi-ag"],
        check: Check::Plain,
    },
    Builtin {
        kind: "docker-hub-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>dckr_(?:pat|oat)_[A-Za-z0-9_-]{27,})",
        keywords: &["dckr_"],
        check: Check::Plain,
    },
    Builtin {
        kind: "nuget-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>oy2[a-z0-9]{43})",
        keywords: &["oy2"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "rubygems-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>rubygems_[a-f0-9]{48})",
        keywords: &["rubygems_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "clojars-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>CLOJARS_[a-z0-9]{60})",
        keywords: &["clojars_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "crates-io-token",
        // `cio` tokens after a token setting, `cargo login` or an `Authorization` header.
        pattern: concat!(
            "(?:(?i-u:token|authorization)",
            assign!(),
            "|(?i-u:cargo)[ \t]+login[ \t]+)(?P<s>cio[A-Za-z0-9]{32})"
        ),
        // Every token starts with `cio`: rarer in text than the settings it follows.
        keywords: &["cio"],
        check: Check::Tail(alnum),
    },
    // AI providers.
    Builtin {
        kind: "huggingface-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>(?:hf|api_org)_[A-Za-z]{34})",
        keywords: &["hf_", "api_org_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "cohere-api-key",
        pattern: concat!(
            "(?:(?i-u:cohere)[A-Za-z0-9_.-]*(?i-u:key|token)|(?:^|[^A-Za-z0-9])(?i-u:co[_-]api[_-]key))",
            assign!(),
            "(?P<s>[A-Za-z0-9]{40})"
        ),
        keywords: &["cohere", "co_api", "co-api"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "replicate-api-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>r8_[A-Za-z0-9]{37})",
        keywords: &["r8_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "groq-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>gsk_[A-Za-z0-9]{52})",
        keywords: &["gsk_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "perplexity-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>pplx-[A-Za-z0-9]{48})",
        keywords: &["pplx-"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "mistral-api-key",
        pattern: concat!(named!("mistral", "key|token"), "(?P<s>[A-Za-z0-9]{32})"),
        keywords: &["mistral"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "xai-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>xai-[A-Za-z0-9]{80})",
        keywords: &["xai-"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "openrouter-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>sk-or-v1-[a-f0-9]{64})",
        keywords: &["sk-or-v1-"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "fireworks-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>fw_[A-Za-z0-9]{20,})",
        keywords: &["fw_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "deepseek-api-key",
        pattern: concat!(named!("deepseek", "key|token"), "(?P<s>sk-[a-f0-9]{32})"),
        keywords: &["deepseek"],
        check: Check::Tail(alnum),
    },
    // Messaging, payments and other services.
    Builtin {
        kind: "slack-app-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>xapp-[0-9]-[A-Z0-9]{8,}-[0-9]{8,}-[a-f0-9]{32,})",
        keywords: &["xapp-"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "stripe-webhook-secret",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>whsec_[A-Za-z0-9+/]{32,}={0,2})",
        keywords: &["whsec_"],
        check: Check::Plain,
    },
    Builtin {
        kind: "twilio-api-key",
        pattern: concat!(
            named!("twilio", "key|sid|secret|token"),
            "(?P<s>SK[0-9a-fA-F]{32})"
        ),
        keywords: &["twilio"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "twilio-auth-token",
        pattern: concat!(named!("twilio", "token|secret"), "(?P<s>[0-9a-f]{32})"),
        keywords: &["twilio"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "sendgrid-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})",
        keywords: &["sg."],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "mailgun-api-key",
        pattern: concat!(
            named!("mailgun", "key|token|secret"),
            "(?P<s>key-[0-9a-f]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8})"
        ),
        keywords: &["mailgun"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "mailchimp-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>[0-9a-f]{32}-us[0-9]{1,2})",
        keywords: &["-us"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "shopify-access-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>shp(?:at|ca|pa)_[a-fA-F0-9]{32})",
        keywords: &["shpat_", "shpca_", "shppa_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "shopify-shared-secret",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>shpss_[a-fA-F0-9]{32})",
        keywords: &["shpss_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "datadog-api-key",
        pattern: concat!(
            "(?:(?i-u:datadog)[A-Za-z0-9_.-]*|(?:^|[^A-Za-z0-9])(?i-u:dd)[_-])(?i-u:api[_-]?key)",
            assign!(),
            "(?P<s>[a-f0-9]{32})"
        ),
        keywords: &["datadog", "dd_", "dd-"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "datadog-app-key",
        pattern: concat!(
            "(?:(?i-u:datadog)[A-Za-z0-9_.-]*|(?:^|[^A-Za-z0-9])(?i-u:dd)[_-])(?i-u:app(?:lication)?[_-]?key)",
            assign!(),
            "(?P<s>[a-f0-9]{40})"
        ),
        keywords: &["datadog", "dd_", "dd-"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "sentry-dsn",
        // The key (and the secret of legacy DSNs) of a DSN whose host or setting names Sentry.
        pattern: r"(?:^|[^A-Za-z0-9+.-])https?://(?P<s>[0-9a-f]{32}(?::[0-9a-f]{32})?)@[A-Za-z0-9.-]*(?i-u:sentry)",
        keywords: &["sentry"],
        check: Check::Plain,
    },
    Builtin {
        kind: "sentry-dsn",
        pattern: concat!(
            named!("sentry", "dsn"),
            "https?://(?P<s>[0-9a-f]{32}(?::[0-9a-f]{32})?)@"
        ),
        keywords: &["sentry"],
        check: Check::Plain,
    },
    Builtin {
        kind: "sentry-auth-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>sntrys_eyJ[A-Za-z0-9+/=_]{60,}|sntryu_[a-f0-9]{64})",
        keywords: &["sntrys_", "sntryu_"],
        check: Check::Plain,
    },
    Builtin {
        kind: "vault-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>hv[sbr]\.[A-Za-z0-9_-]{24,})",
        keywords: &["hvs.", "hvb.", "hvr."],
        check: Check::Plain,
    },
    Builtin {
        kind: "vault-token",
        // Tokens of Vault before 1.10 (`s.` and 24 characters), after a Vault setting.
        pattern: concat!(named!("vault", "token"), r"(?P<s>s\.[A-Za-z0-9]{24})"),
        keywords: &["vault"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "terraform-cloud-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})",
        keywords: &[".atlasv1."],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "doppler-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>dp\.(?:pt|st|ct|sa|scim|audit)\.(?:[A-Za-z0-9_-]{2,35}\.)?[A-Za-z0-9]{40,44})",
        keywords: &[
            "dp.pt.",
            "dp.st.",
            "dp.ct.",
            "dp.sa.",
            "dp.scim.",
            "dp.audit.",
        ],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "databricks-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>dapi[a-f0-9]{32}(?:-[0-9])?)",
        keywords: &["dapi"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "discord-bot-token",
        pattern: concat!(
            "(?:",
            named!("discord", "key|token|secret"),
            "|(?i-u:authorization)",
            assign!(),
            "(?i-u:bot)[ \t]+)",
            r"(?P<s>[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38})"
        ),
        keywords: &["discord", "authorization"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "discord-webhook",
        pattern: r"(?P<s>(?:https?://)?(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/(?:v[0-9]+/)?webhooks/[0-9]{17,20}/[A-Za-z0-9_-]{60,70})",
        keywords: &["discord"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "telegram-bot-token",
        pattern: r"(?:^|[^0-9])(?P<s>[0-9]{8,10}:AA[A-Za-z0-9_-]{33})",
        keywords: &[":aa"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "atlassian-api-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>ATATT3[A-Za-z0-9_=-]{150,})",
        keywords: &["atatt3"],
        check: Check::Plain,
    },
    Builtin {
        kind: "atlassian-api-token",
        // Tokens issued before 2023: 24 characters after a Jira, Confluence or Atlassian
        // setting.
        pattern: concat!(
            named!("atlassian|jira|confluence", "key|token"),
            "(?P<s>[A-Za-z0-9]{24})"
        ),
        keywords: &["atlassian", "jira", "confluence"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "linear-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>lin_api_[A-Za-z0-9]{40})",
        keywords: &["lin_api_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "notion-token",
        pattern: r"(?:^|[^A-Za-z0-9_])(?P<s>secret_[A-Za-z0-9]{43}|ntn_[0-9]{11}[A-Za-z0-9]{35})",
        keywords: &["secret_", "ntn_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "figma-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>figd_[A-Za-z0-9_-]{40,})",
        keywords: &["figd_"],
        check: Check::Plain,
    },
    Builtin {
        kind: "heroku-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>HRKU-AA[A-Za-z0-9_-]{58})",
        keywords: &["hrku-"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "heroku-api-key",
        pattern: concat!(
            named!("heroku", "key|token"),
            "(?P<s>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
        ),
        keywords: &["heroku"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "netlify-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>nfp_[A-Za-z0-9]{36})",
        keywords: &["nfp_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "netlify-token",
        pattern: concat!(
            named!("netlify", "key|token"),
            "(?P<s>[A-Za-z0-9_-]{40,46})"
        ),
        keywords: &["netlify"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "vercel-token",
        // After a Vercel setting, or `vercel … --token` on a command line.
        pattern: concat!(
            "(?:",
            named!("vercel", "key|token"),
            r"|(?:^|[^A-Za-z0-9_-])vercel(?:[ \t][^\r\n|;&]*?)?[ \t](?:-t|--token)(?:[ \t]+|=)[\x22']?)",
            "(?P<s>[A-Za-z0-9]{24})"
        ),
        keywords: &["vercel"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "cloudflare-api-token",
        // API tokens (40 characters) and global API keys (37 hex digits).
        pattern: concat!(
            "(?:(?i-u:cloudflare)[A-Za-z0-9_.-]*(?i-u:key|token)|(?:^|[^A-Za-z0-9])(?i-u:cf[_-]api[_-]?(?:key|token)))",
            assign!(),
            "(?P<s>[A-Za-z0-9_-]{40}|[a-f0-9]{37})"
        ),
        keywords: &["cloudflare", "cf_api", "cf-api"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "new-relic-api-key",
        // User keys, browser keys, insert keys and license keys (36 hex digits then `NRAL`).
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>NRAK-[A-Z0-9]{27}|NRJS-[a-f0-9]{19}|NRII-[A-Za-z0-9_-]{32}|[a-f0-9]{36}NRAL)",
        keywords: &["nrak-", "nrjs-", "nrii-", "nral"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "pagerduty-api-key",
        pattern: concat!(
            "(?:",
            named!("pager[_-]?duty", "key|token"),
            "|(?i-u:token token)=)",
            "(?P<s>[A-Za-z0-9_+-]{20})"
        ),
        keywords: &["pagerduty", "pager_duty", "pager-duty", "token token="],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "postman-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>PMAK-[a-f0-9]{24}-[a-f0-9]{34})",
        keywords: &["pmak-"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "grafana-cloud-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>glc_[A-Za-z0-9+/]{32,}={0,2})",
        keywords: &["glc_"],
        check: Check::Plain,
    },
    Builtin {
        kind: "grafana-service-account-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})",
        keywords: &["glsa_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "okta-api-token",
        pattern: concat!(
            "(?:",
            named!("okta", "key|token"),
            r"|(?i-u:ssws)[ \t]+)",
            "(?P<s>00[A-Za-z0-9_-]{40})"
        ),
        keywords: &["okta", "ssws"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "age-secret-key",
        pattern: r"(?P<s>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})",
        keywords: &["age-secret-key-1"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "pulumi-access-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>pul-[a-f0-9]{40})",
        keywords: &["pul-"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "supabase-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>sbp_[a-f0-9]{40})",
        keywords: &["sbp_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "supabase-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>sb_secret_[A-Za-z0-9_-]{31,})",
        keywords: &["sb_secret_"],
        check: Check::Plain,
    },
    Builtin {
        kind: "planetscale-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>pscale_(?:tkn|oauth)_[A-Za-z0-9_=.-]{32,64})",
        keywords: &["pscale_tkn_", "pscale_oauth_"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "planetscale-password",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>pscale_pw_[A-Za-z0-9_=.-]{32,64})",
        keywords: &["pscale_pw_"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "square-access-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>sq0atp-[A-Za-z0-9_-]{22})",
        keywords: &["sq0atp-"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "square-access-token",
        // `EAAA` tokens only after a Square setting: Facebook tokens share the prefix.
        pattern: concat!(
            named!("square", "key|token"),
            "(?P<s>EAAA[A-Za-z0-9_-]{60})"
        ),
        keywords: &["square"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "square-oauth-secret",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>sq0csp-[A-Za-z0-9_-]{43})",
        keywords: &["sq0csp-"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "shippo-api-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>shippo_(?:live|test)_[a-fA-F0-9]{40})",
        keywords: &["shippo_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "mapbox-secret-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>sk\.eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,})",
        keywords: &["sk.eyj"],
        check: Check::Plain,
    },
    Builtin {
        kind: "dropbox-access-token",
        pattern: r"(?:^|[^A-Za-z0-9.])(?P<s>sl\.(?:u\.)?[A-Za-z0-9_-]{130,})",
        keywords: &["sl."],
        check: Check::Plain,
    },
    Builtin {
        kind: "asana-token",
        pattern: concat!(
            named!("asana", "key|token|pat"),
            "(?P<s>[0-9]/[0-9]{12,}(?:/[0-9]{12,})?:[a-f0-9]{32}|0/[a-f0-9]{32})"
        ),
        keywords: &["asana"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "airtable-token",
        // Personal access tokens (`pat…`, too common a prefix to stand alone) and legacy
        // API keys, after an Airtable setting.
        pattern: concat!(
            named!("airtable", "key|token|pat"),
            r"(?P<s>pat[A-Za-z0-9]{14}\.[a-f0-9]{64}|key[A-Za-z0-9]{14})"
        ),
        keywords: &["airtable"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "contentful-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>CFPAT-[A-Za-z0-9_-]{43})",
        keywords: &["cfpat-"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "frameio-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>fio-u-[A-Za-z0-9_=-]{64})",
        keywords: &["fio-u-"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "dynatrace-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64})",
        keywords: &["dt0c01."],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "algolia-api-key",
        pattern: concat!(named!("algolia", "key|token"), "(?P<s>[a-f0-9]{32})"),
        keywords: &["algolia"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "typeform-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>tfp_[A-Za-z0-9_=-]{40,}(?:\.[A-Za-z0-9_=-]+)*)",
        keywords: &["tfp_"],
        check: Check::Plain,
    },
    Builtin {
        kind: "twitch-api-token",
        pattern: concat!(
            named!("twitch", "key|token|secret"),
            "(?P<s>(?:oauth:)?[a-z0-9]{30})"
        ),
        keywords: &["twitch"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "zendesk-api-token",
        pattern: concat!(named!("zendesk", "key|token"), "(?P<s>[A-Za-z0-9]{40})"),
        keywords: &["zendesk"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "intercom-access-token",
        pattern: concat!(named!("intercom", "key|token"), "(?P<s>[A-Za-z0-9=_-]{60})"),
        keywords: &["intercom"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "fcm-server-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134})",
        keywords: &[":apa91b"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "onepassword-service-account-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>ops_eyJ[A-Za-z0-9+/]{250,}={0,3})",
        keywords: &["ops_eyj"],
        check: Check::Plain,
    },
    Builtin {
        kind: "openshift-token",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>sha256~[A-Za-z0-9_-]{43})",
        keywords: &["sha256~"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "brevo-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16})",
        keywords: &["xkeysib-"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "langsmith-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>lsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10})",
        keywords: &["lsv2_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "easypost-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>EZ[AT]K[A-Za-z0-9]{54})",
        keywords: &["ezak", "eztk"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "google-oauth-client-secret",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>GOCSPX-[A-Za-z0-9_-]{28})",
        keywords: &["gocspx-"],
        check: Check::Tail(base64url_char),
    },
    Builtin {
        kind: "prefect-api-key",
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>pnu_[A-Za-z0-9]{36})",
        keywords: &["pnu_"],
        check: Check::Tail(alnum),
    },
    Builtin {
        kind: "fly-token",
        // Macaroon tokens (`FlyV1 fm2_…`, several joined by commas) and OAuth tokens.
        pattern: r"(?:^|[^A-Za-z0-9])(?P<s>(?:FlyV1 )?(?:fm1[ar]|fm2)_[A-Za-z0-9+/]{100,}={0,3}(?:,(?:fm1[ar]|fm2)_[A-Za-z0-9+/]+={0,3})*|fo1_[A-Za-z0-9_-]{43})",
        keywords: &["fm1a_", "fm1r_", "fm2_", "fo1_"],
        check: Check::Plain,
    },
    Builtin {
        kind: "putty-private-key",
        // The private lines of a PuTTY key file, up to its MAC (or the end of the text).
        pattern: r"(?P<s>Private-Lines:[ \t]*[0-9]+(?:\r?\n|(?:\\r)?\\n)[ \t]*[A-Za-z0-9+/=](?s:.*?)(?:Private-MAC:[ \t]*[0-9a-fA-F]+|\z))",
        keywords: &["private-lines"],
        check: Check::Plain,
    },
    Builtin {
        kind: "jwt",
        pattern: r"(?:^|[^A-Za-z0-9_-])(?P<s>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)",
        keywords: &["eyj"],
        check: Check::Plain,
    },
    Builtin {
        kind: "database-url-password",
        pattern: r#"(?:^|[^A-Za-z0-9+.-])(?i-u:postgres|postgresql|mysql|mariadb|mongodb|mongodb\+srv|redis|rediss|amqp|amqps|mssql|sqlserver|clickhouse|cockroachdb|nats|kafka)(?:\+[A-Za-z0-9]+)?://[^\s:/?#@"'<>]*:(?P<s>[^\s/?#"'<>]+)@"#,
        keywords: &[
            "postgres",
            "mysql",
            "mariadb",
            "mongodb",
            "redis",
            "amqp",
            "mssql",
            "sqlserver",
            "clickhouse",
            "cockroachdb",
            "nats",
            "kafka",
        ],
        check: Check::Password,
    },
    Builtin {
        kind: "url-password",
        pattern: r#"(?:^|[^A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@"'<>]*:(?P<s>[^\s/?#"'<>]+)@"#,
        keywords: &["://"],
        check: Check::Password,
    },
    Builtin {
        kind: "basic-auth",
        pattern: r#"(?i-u:authorization)(?:\\?["'])?[ \t]*[:=][ \t]*(?:\\?["'])?(?i-u:basic)[ \t]+(?P<s>[A-Za-z0-9+/]{4,}={0,2})"#,
        keywords: &["authorization"],
        check: Check::Plain,
    },
    Builtin {
        kind: "basic-auth",
        pattern: r#"(?:^|[^A-Za-z0-9_-])curl(?:[ \t][^\r\n|;&]*?)?[ \t](?:-u|--user)(?:[ \t]+|=)["']?[^\s:"']*:(?P<s>[^\s"']+)"#,
        keywords: &["curl"],
        check: Check::Password,
    },
    Builtin {
        kind: "bearer-token",
        pattern: r"(?:^|[^A-Za-z0-9_-])(?i-u:bearer)[ \t]+(?P<s>[A-Za-z0-9._~+/:-]{16,}=*)",
        keywords: &["bearer"],
        check: Check::Bearer,
    },
    Builtin {
        kind: GENERIC_KIND,
        // The key, an optional closing quote, the separator; the value is read by
        // `Assignments::value` from where the match ends.
        pattern: ASSIGNMENT_PATTERN,
        keywords: &[
            "passw",
            "passphrase",
            "secret",
            "token",
            "api_key",
            "api-key",
            "apikey",
            "access_key",
            "access-key",
            "accesskey",
            "private_key",
            "private-key",
            "privatekey",
        ],
        check: Check::Assignment,
    },
];

/// The assignment detector's pattern: a key ending in a secret-looking name (`password`,
/// `passwd`, `passphrase`, `secret`, `token`, `api_key`, `access_key`, `secret_key`,
/// `private_key`, any case, `_` or `-` or nothing inside), an optional closing quote and `]`
/// (`conf['password'] = …`), and `=`, `:`, `:=`, `=>` or `==`.
/// The match ends where the value starts. Keep the key list in step with the keywords above.
const ASSIGNMENT_PATTERN: &str = r#"(?:^|[^A-Za-z0-9_.-])(?P<key>[A-Za-z0-9_.-]*(?i-u:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key))(?:\\?["'])?\]?[ \t]*(?:=>|:=|==?|:)[ \t]*"#;

/// Longest value, in bytes, the assignment detector reads after a key. Bounds the work per key
/// so that adversarial text (`token=token=token=…`) stays linear; longer secrets are left to
/// the format detectors and to secret-named JSON keys.
const MAX_ASSIGNED_VALUE: usize = 512;

/// Minimum length, in characters, of an assigned value taken for a secret.
const MIN_ASSIGNED_VALUE: usize = 8;

/// Minimum length, in characters, of the value of a secret-named JSON key taken for a secret.
const MIN_KEYED_VALUE: usize = 4;

/// Reads the values assigned after secret-named keys in one text, in increasing order of
/// position, in time linear in the text (plus at most [`MAX_ASSIGNED_VALUE`] per key for the
/// checks).
///
/// The rule (documented for users):
/// - quoted values (`"…"`, `'…'`, `` `…` ``, and `\"…\"` inside JSON text) are secrets when they
///   have 8+ characters, no whitespace, no `{…}` template, and are neither a placeholder nor an
///   environment variable name (`GITHUB_TOKEN`);
/// - bare values run to whitespace, a quote, `,` `;` `&` `)` `]` `}` `>` or `\`; they are code
///   when they contain `(` `[` `{` `<`, start with `:` `@` `?` `!` `*` `&` (bind parameters,
///   YAML tags and aliases), or are a dotted path (`os.environ`, `config.token`); a plain
///   identifier is a variable unless it contains a digit or the key is written in capitals
///   (`DB_PASSWORD=hunter22x`, the `.env` style);
/// - values longer than [`MAX_ASSIGNED_VALUE`] bytes are not taken (long tokens are left to
///   the format detectors and to secret-named JSON keys);
/// - a key that is the user name of a URL (`https://x-access-token:…@`) is left to the URL
///   detectors, and a key inside a value already taken is not read again.
#[derive(Debug)]
pub(super) struct Assignments<'t> {
    /// The text.
    text: &'t str,
    /// `text[clear_from..clear_to]` holds no character that ends or spoils a bare value.
    clear_from: usize,
    /// See `clear_from`.
    clear_to: usize,
    /// End of the last value taken: keys before it are inside a secret.
    covered: usize,
}

/// What ends a bare value at a character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// The value ends here (whitespace, quote, `,` `;` `&` `)` `]` `}` `>` `\`, end of text).
    End,
    /// The value contains code or a template (`(` `[` `{` `<`): it is not a literal.
    Code,
}

/// Classifies one character of a bare value.
fn stop_at(c: char) -> Option<Stop> {
    if c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '`' | ',' | ';' | '&' | ')' | ']' | '}' | '>' | '\\'
        )
    {
        Some(Stop::End)
    } else if matches!(c, '(' | '[' | '{' | '<') {
        Some(Stop::Code)
    } else {
        None
    }
}

impl<'t> Assignments<'t> {
    /// A reader over `text`.
    pub(super) fn new(text: &'t str) -> Assignments<'t> {
        Assignments {
            text,
            clear_from: 0,
            clear_to: 0,
            covered: 0,
        }
    }

    /// The byte range of the secret assigned to the key `text[key_start..key_end]`, whose
    /// separator ends at `at`; `None` when the value is not a literal secret. Calls must come
    /// in increasing order of `at`.
    pub(super) fn value(
        &mut self,
        key_start: usize,
        key: &str,
        at: usize,
    ) -> Option<(usize, usize)> {
        let text = self.text;
        if key_start < self.covered
            || text
                .get(..key_start)
                .is_some_and(|before| before.ends_with("://"))
        {
            return None;
        }
        let rest = text.get(at..)?;
        let (start, end, quoted) = if let Some(body) = rest.strip_prefix("\\\"") {
            let close = find_on_line(body, "\\\"")?;
            (at + 2, at + 2 + close, true)
        } else if let Some(quote) = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\'' | '`'))
        {
            let close = closing_quote(rest.get(1..)?, quote)?;
            (at + 1, at + 1 + close, true)
        } else {
            (at, self.bare_end(at)?, false)
        };
        let value = text.get(start..end)?;
        if value.chars().count() < MIN_ASSIGNED_VALUE || is_placeholder(value) {
            return None;
        }
        let literal = if quoted {
            quoted_value_is_secret(value)
        } else {
            bare_value_is_secret(key, value)
        };
        if literal {
            self.covered = end;
        }
        literal.then_some((start, end))
    }

    /// End of the bare value starting at `at`: `None` when it is empty, longer than the value
    /// bound, or contains code. Reuses the previous scan when `at` falls inside it, so that
    /// `token=token=token=…` is read once.
    fn bare_end(&mut self, at: usize) -> Option<usize> {
        if !(self.clear_from..=self.clear_to).contains(&at) {
            self.clear_from = at;
            self.clear_to = at;
        }
        let rest = self.text.get(self.clear_to..)?;
        let mut stop = (self.text.len(), Stop::End);
        for (i, c) in rest.char_indices() {
            let pos = self.clear_to + i;
            if pos - at > MAX_ASSIGNED_VALUE {
                self.clear_to = pos;
                return None;
            }
            if let Some(kind) = stop_at(c) {
                stop = (pos, kind);
                break;
            }
        }
        // INVARIANT: no stop character lies in `text[clear_from..stop.0]`.
        self.clear_to = stop.0;
        match stop {
            (end, Stop::End) if end > at && end - at <= MAX_ASSIGNED_VALUE => Some(end),
            _ => None,
        }
    }
}

/// Byte offset of `needle` in `body` if it occurs on the first line within the value bound.
fn find_on_line(body: &str, needle: &str) -> Option<usize> {
    let mut limit = MAX_ASSIGNED_VALUE.min(body.len());
    while !body.is_char_boundary(limit) {
        limit -= 1;
    }
    let window = body.get(..limit)?;
    let line_end = window.find(['\n', '\r']).unwrap_or(window.len());
    window.get(..line_end)?.find(needle)
}

/// Byte offset of the quote closing a quoted value that started just before `body`; a
/// backslash escapes the next character. `None` when the quote does not close on this line
/// within the value bound.
fn closing_quote(body: &str, quote: char) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in body.char_indices() {
        if i >= MAX_ASSIGNED_VALUE || c == '\n' || c == '\r' {
            return None;
        }
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return Some(i);
        }
    }
    None
}

/// Whether a quoted assigned value is a literal secret rather than prose (`"Enter your
/// password"`), a format template (`f"{user}_token"`) or the name of a variable.
fn quoted_value_is_secret(value: &str) -> bool {
    let prose = value.chars().any(char::is_whitespace);
    let template = value.contains('{') && value.contains('}');
    !(prose || template || is_env_var_name(value))
}

/// Whether a bare (unquoted) assigned value is a literal secret rather than code.
fn bare_value_is_secret(key: &str, value: &str) -> bool {
    if value.starts_with([':', '@', '?', '!', '*', '&'])
        || value.contains(['(', '[', '{', '<'])
        || value.contains("$(")
        || value.contains("${")
    {
        return false;
    }
    // `user.password!` (TypeScript), `confirm_password:` (Python): trailing punctuation of code.
    let core = value.trim_end_matches(['!', '?', ':']);
    if is_dotted_path(core) {
        return false;
    }
    if is_identifier(core) {
        if is_env_var_name(core) {
            return false;
        }
        let capital_key = key.chars().any(|c| c.is_ascii_alphabetic())
            && !key.chars().any(|c| c.is_ascii_lowercase());
        return capital_key || core.chars().any(|c| c.is_ascii_digit());
    }
    true
}

/// `[A-Za-z_][A-Za-z0-9_]*`.
fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Two or more identifiers joined by `.` (or `::`, `->`): a field or module path in code.
fn is_dotted_path(s: &str) -> bool {
    let normalised = s.replace("::", ".").replace("->", ".");
    let mut parts = normalised.split('.');
    let first_ok = parts.next().is_some_and(is_identifier);
    let mut rest = parts.peekable();
    first_ok && rest.peek().is_some() && rest.all(is_identifier)
}

/// `GITHUB_TOKEN`, `DB_PASSWORD`: the name of an environment variable, not its value.
fn is_env_var_name(s: &str) -> bool {
    s.contains('_')
        && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Words that stand for a secret without being one (compared after lowercasing and dropping
/// `_`, `-`, `.` and spaces).
const PLACEHOLDER_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "secret",
    "token",
    "apikey",
    "secretkey",
    "accesstoken",
    "mypassword",
    "mysecret",
    "mytoken",
    "none",
    "null",
    "nil",
    "undefined",
    "true",
    "false",
    "empty",
    "string",
    "required",
    "optional",
    "hidden",
    "masked",
    "test",
    "dummy",
    "default",
    "todo",
    "fixme",
    "notset",
    "unset",
];

/// Fragments that mark a value as a placeholder wherever they occur (looked for in the
/// lowercased value and in its letters and digits alone, so `replace-me` counts).
const PLACEHOLDER_FRAGMENTS: &[&str] = &[
    "redacted",
    "changeme",
    "placeholder",
    "example",
    "replaceme",
    "xxxx",
    "***",
    "...",
    "\u{2026}",
];

/// Words that, put before a word of [`PLACEHOLDER_WORDS`], make a placeholder too
/// (`test-token`, `dummy_password`, `fake-secret`).
const PLACEHOLDER_QUALIFIERS: &[&str] = &["test", "dummy", "fake", "sample"];

/// Whether `value` is a placeholder, a template or a variable reference rather than a secret:
/// `${VAR}`, `$VAR`, `{{ var }}`, `%(name)s`, `%VAR%`, `<your-token>`, `[REDACTED]`, `changeme`,
/// `********`, `your_api_key_here`, a run of one repeated character, or a bare word such as
/// `password`, `none` or `required`.
pub(super) fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    if v.starts_with('$')
        || ["${", "{{", "$(", "%(", "#{", "<%"]
            .iter()
            .any(|t| v.contains(t))
        || (v.starts_with('%') && v.ends_with('%'))
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('[') && v.ends_with(']'))
    {
        return true;
    }
    let mut chars = v.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    let words: String = lower
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' '))
        .collect();
    PLACEHOLDER_FRAGMENTS
        .iter()
        .any(|f| lower.contains(f) || words.contains(f))
        || words.starts_with("your")
        || PLACEHOLDER_WORDS.contains(&words.as_str())
        || PLACEHOLDER_QUALIFIERS.iter().any(|q| {
            words
                .strip_prefix(q)
                .is_some_and(|rest| PLACEHOLDER_WORDS.contains(&rest))
        })
}

/// Whether a URL password or `user:password` pair is a real value (not `$VAR`, `${VAR}`,
/// `{password}` (a format template), `<password>`, `****`, `[REDACTED:…]`, or a bare word such
/// as `password` or `secret`).
pub(super) fn password_is_literal(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    !(v.is_empty()
        || v.starts_with('$')
        || ["${", "{{", "$(", "%("].iter().any(|t| v.contains(t))
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('{') && v.ends_with('}'))
        || v.chars().all(|c| c == '*')
        || lower.contains("redacted")
        || PLACEHOLDER_WORDS.contains(&lower.as_str()))
}

/// Whether a bearer token candidate mixes letters and digits (prose after "bearer" does not)
/// and is not a placeholder.
pub(super) fn bearer_is_literal(value: &str) -> bool {
    value.chars().any(|c| c.is_ascii_digit())
        && value.chars().any(|c| c.is_ascii_alphabetic())
        && !is_placeholder(value)
}

/// A normalised key containing this names an AWS secret access key.
const AWS_SECRET_KEY_MARK: &str = "secretaccesskey";

/// A normalised key ending with this names an AWS secret access key.
pub(super) const AWS_SECRET_KEY_SUFFIX: &str = "awssecretkey";

/// The last two characters of every entry of [`SECRET_KEY_SUFFIXES`] and of
/// [`AWS_SECRET_KEY_SUFFIX`] (a unit test keeps them in step).
pub(super) const SECRET_KEY_ENDINGS: [[u8; 2]; 10] = [
    *b"rd", *b"wd", *b"se", *b"et", *b"en", *b"ey", *b"al", *b"ls", *b"on", *b"ie",
];

/// Key names (lowercased, letters and digits only) whose string value is a secret: the key
/// ends with one of these.
pub(super) const SECRET_KEY_SUFFIXES: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "credential",
    "credentials",
    "authorization",
    "cookie",
];

/// The kind of secret a JSON object key announces for its string value, if any:
/// `AWS_SECRET_ACCESS_KEY` announces an AWS secret key, `password`, `apiKey`, `X-Api-Key`,
/// `client_secret`, `Authorization`, `GITHUB_TOKEN` (any key ending in one of
/// [`SECRET_KEY_SUFFIXES`], ignoring case and punctuation) a generic secret.
pub(super) fn secret_key_kind(key: &str) -> Option<&'static str> {
    // Most keys are not secret names: reject them on their last two letters and digits
    // unless long enough to hold `secretaccesskey`.
    let mut tail = key
        .bytes()
        .rev()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_lowercase());
    let (Some(last), Some(before)) = (tail.next(), tail.next()) else {
        return None;
    };
    if key.len() < AWS_SECRET_KEY_MARK.len() && !SECRET_KEY_ENDINGS.contains(&[before, last]) {
        return None;
    }
    // Keys are short: normalise into a stack buffer, falling back to the heap for long ones.
    let mut buf = [0u8; 64];
    let mut len = 0;
    let mut heap: Option<String> = None;
    for c in key.bytes().filter(u8::is_ascii_alphanumeric) {
        let c = c.to_ascii_lowercase();
        match buf.get_mut(len) {
            Some(slot) if heap.is_none() => {
                *slot = c;
                len += 1;
            }
            _ => heap
                .get_or_insert_with(|| {
                    String::from_utf8_lossy(buf.get(..len).unwrap_or_default()).into_owned()
                })
                .push(char::from(c)),
        }
    }
    let norm: &str = match &heap {
        Some(h) => h,
        None => std::str::from_utf8(buf.get(..len).unwrap_or_default()).unwrap_or_default(),
    };
    // A short key cannot hold the mark: skip the substring search (its setup dominates).
    if (norm.len() >= AWS_SECRET_KEY_MARK.len() && norm.contains(AWS_SECRET_KEY_MARK))
        || norm.ends_with(AWS_SECRET_KEY_SUFFIX)
    {
        return Some(AWS_SECRET_KIND);
    }
    SECRET_KEY_SUFFIXES
        .iter()
        .any(|s| norm.ends_with(s))
        .then_some(GENERIC_KIND)
}

/// Whether the string value of a secret-named key is a secret: 4+ characters and not a
/// placeholder or an environment variable name. Whitespace is allowed (passphrases,
/// `Bearer …` header values).
pub(super) fn keyed_value_is_secret(value: &str) -> bool {
    let v = value.trim();
    v.chars().count() >= MIN_KEYED_VALUE && !is_placeholder(v) && !is_env_var_name(v)
}

/// Whether a value under an AWS-secret-named key has the shape of an AWS secret access key.
pub(super) fn is_aws_secret_shape(value: &str) -> bool {
    value.len() == 40
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '+')
}

/// Whether `pattern` can only match text that holds no line feed, save as its first
/// character: then every match lies on one line (with, at most, the line feed before it), and
/// the detector need only run on the lines that hold one of its keywords.
///
/// A conservative reading of the pattern's syntax: a construct that could match a line feed
/// (`\s`, `\n`, `(?s)`, a negated class that does not exclude `\n`, `$`, `\z`, …) or that this
/// reading does not know makes the answer `false`, and the detector then runs on the whole
/// text. A negated class and `^` are allowed where the match starts, each at most once (the
/// `(?:^|[^A-Za-z0-9])` boundary that most patterns open with).
pub(super) fn is_line_local(pattern: &str) -> bool {
    let mut chars = pattern.chars().peekable();
    // Per open group: whether it opened where the match starts, and whether it holds a part
    // allowed only there.
    let mut groups: Vec<(bool, bool)> = Vec::new();
    // Whether the next part is where the match starts.
    let mut at_start = true;
    // Whether the last part (atom or group) holds a part allowed only at the start: it must
    // not be repeated.
    let mut last_start_only = false;
    while let Some(c) = chars.next() {
        match c {
            '(' => {
                if chars.peek() == Some(&'?') {
                    chars.next();
                    match chars.peek() {
                        Some('P' | '<') => {
                            // A named group: skip the name.
                            if chars.by_ref().find(|&n| n == '>').is_none() {
                                return false;
                            }
                        }
                        Some(':') => {
                            chars.next();
                        }
                        _ => {
                            // Flags, as a group `(?i-u:…)` or for the rest `(?i)`.
                            let mut closes_group = false;
                            for f in chars.by_ref() {
                                match f {
                                    ':' => {
                                        closes_group = true;
                                        break;
                                    }
                                    ')' => break,
                                    'i' | 'u' | '-' => {}
                                    _ => return false,
                                }
                            }
                            if !closes_group {
                                last_start_only = false;
                                continue;
                            }
                        }
                    }
                }
                groups.push((at_start, false));
                last_start_only = false;
            }
            '|' => {
                at_start = groups.last().is_none_or(|g| g.0);
                last_start_only = false;
            }
            ')' => {
                let Some((_, start_only)) = groups.pop() else {
                    return false;
                };
                at_start = false;
                last_start_only = start_only;
            }
            '*' | '+' | '{' => {
                if last_start_only {
                    return false;
                }
                if c == '{' && chars.by_ref().find(|&n| n == '}').is_none() {
                    return false;
                }
            }
            '?' => {}
            '^' => {
                if !at_start {
                    return false;
                }
                mark_start_only(&mut groups, &mut last_start_only);
            }
            '$' | '\n' => return false,
            '[' => {
                let Some((negated, excludes_lf)) = read_class(&mut chars) else {
                    return false;
                };
                if negated && !excludes_lf {
                    if !at_start {
                        return false;
                    }
                    mark_start_only(&mut groups, &mut last_start_only);
                } else {
                    last_start_only = false;
                }
                at_start = false;
            }
            '\\' => {
                if !read_escape(&mut chars).is_some_and(|e| e != Escape::LineFeed) {
                    return false;
                }
                at_start = false;
                last_start_only = false;
            }
            // `.` matches anything but `\n` without the `s` flag, which is refused above.
            _ => {
                at_start = false;
                last_start_only = false;
            }
        }
    }
    groups.is_empty()
}

/// Records a part allowed only where the match starts.
fn mark_start_only(groups: &mut [(bool, bool)], last_start_only: &mut bool) {
    if let Some(g) = groups.last_mut() {
        g.1 = true;
    }
    *last_start_only = true;
}

/// An escape sequence, as [`is_line_local`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    /// `\n`, `\x0a`: a line feed.
    LineFeed,
    /// One character other than a line feed.
    Char(char),
}

/// Reads the escape after a `\`: `None` for one that could match a line feed or that is not
/// known (`\s`, `\W`, `\z`, `\b`, `\p{…}`, `\x{…}`, …).
fn read_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<Escape> {
    match chars.next()? {
        'n' => Some(Escape::LineFeed),
        't' => Some(Escape::Char('\t')),
        'r' => Some(Escape::Char('\r')),
        'x' => {
            let hex: String = [chars.next()?, chars.next()?].iter().collect();
            let code = u32::from_str_radix(&hex, 16).ok()?;
            let c = char::from_u32(code)?;
            Some(if c == '\n' {
                Escape::LineFeed
            } else {
                Escape::Char(c)
            })
        }
        c if c.is_ascii_punctuation() => Some(Escape::Char(c)),
        _ => None,
    }
}

/// Reads a bracketed class after its `[`: whether it is negated, and whether it excludes the
/// line feed (a negated class that names `\n` or `\s`, or a positive one that holds no line
/// feed); `None` for a class this reading does not know (nested classes, set operations,
/// `\s` or a range over `\n` in a positive class, …).
fn read_class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<(bool, bool)> {
    let negated = chars.next_if_eq(&'^').is_some();
    let mut names_lf = false;
    let mut first = true;
    let mut previous: Option<char> = None;
    loop {
        let c = chars.next()?;
        let item = match c {
            ']' if !first => break,
            '[' => return None,
            '&' | '-' | '~' if chars.peek() == Some(&c) => return None,
            '-' if !first && chars.peek().is_some_and(|&n| n != ']') => {
                // A range from the previous character.
                let low = previous.take()?;
                let high = match chars.next()? {
                    '\\' => match read_escape(chars)? {
                        Escape::LineFeed => '\n',
                        Escape::Char(e) => e,
                    },
                    '[' => return None,
                    h => h,
                };
                if (low..=high).contains(&'\n') {
                    names_lf = true;
                }
                continue;
            }
            '\\' => {
                if negated && chars.peek() == Some(&'s') {
                    chars.next();
                    names_lf = true;
                    previous = None;
                    first = false;
                    continue;
                }
                match read_escape(chars)? {
                    Escape::LineFeed => {
                        names_lf = true;
                        '\n'
                    }
                    Escape::Char(e) => e,
                }
            }
            other => other,
        };
        first = false;
        previous = Some(item);
    }
    if negated {
        Some((true, names_lf))
    } else if names_lf {
        None
    } else {
        Some((false, true))
    }
}

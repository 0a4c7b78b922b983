//! An org policy plugin: Terraform resources the agent writes follow the naming convention
//! `{env}-{service}-{resource_type}` (`prod-api-rds`, `staging-web-s3`, `dev-auth-lambda`) and
//! carry the required tags: `Environment`, `Service`, `Owner`, `CostCenter` and
//! `ManagedBy = "terraform"`.
//!
//! Rules (shown as `plugin.<id>.<rule>`): `resource-name` (deny), `required-tags` (deny),
//! `computed-tags` (alert: the tags are an expression this plugin cannot read).

use agent_policy_plugin::hcl;
use agent_policy_plugin::{Finding, Input, Plugin};

/// The environments a name may start with.
const ENVIRONMENTS: [&str; 3] = ["prod", "staging", "dev"];
/// The tags every taggable resource carries.
const REQUIRED_TAGS: [&str; 5] = ["Environment", "Service", "Owner", "CostCenter", "ManagedBy"];
/// The attributes that hold a resource's name, by the resource types that use them.
const NAME_ATTRIBUTES: [&str; 5] = [
    "name",
    "bucket",
    "identifier",
    "function_name",
    "cluster_identifier",
];
/// AWS resource types that take no tags.
const UNTAGGABLE: [&str; 8] = [
    "aws_security_group_rule",
    "aws_iam_role_policy_attachment",
    "aws_iam_role_policy",
    "aws_route",
    "aws_route_table_association",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_versioning",
];

struct Naming;

impl Plugin for Naming {
    fn evaluate(input: &Input) -> Result<Vec<Finding>, String> {
        let mut findings = Vec::new();
        let Some(text) = input.written_text() else {
            return Ok(findings);
        };
        for (index, effect) in input.effects_of("file.write") {
            let path = effect["path"].as_str().unwrap_or_default();
            if !path.ends_with(".tf") {
                continue;
            }
            for (kind, label, body) in hcl::resources(text) {
                check_resource(kind, label, body, path, index, &mut findings);
            }
        }
        Ok(findings)
    }
}

fn check_resource(
    kind: &str,
    label: &str,
    body: &str,
    path: &str,
    effect: u32,
    findings: &mut Vec<Finding>,
) {
    let name = NAME_ATTRIBUTES
        .iter()
        .find_map(|key| hcl::attribute(body, key).and_then(hcl::string_value));
    if let Some(name) = name
        && !follows_convention(name)
    {
        findings.push(
            Finding::deny(
                "resource-name",
                format!(
                    "{kind}.{label} in {path} is named '{name}': names follow \
                     {{env}}-{{service}}-{{resource_type}} with env prod, staging or dev \
                     (e.g. prod-api-rds)"
                ),
            )
            .at(effect)
            .risk(40),
        );
    }
    if !kind.starts_with("aws_") || UNTAGGABLE.contains(&kind) {
        return;
    }
    let Some(tags) = hcl::attribute(body, "tags") else {
        findings.push(
            Finding::deny(
                "required-tags",
                format!(
                    "{kind}.{label} in {path} has no tags: add {}",
                    REQUIRED_TAGS.join(", ")
                ),
            )
            .at(effect)
            .risk(40),
        );
        return;
    };
    if !tags.trim_start().starts_with('{') {
        findings.push(
            Finding::alert(
                "computed-tags",
                format!(
                    "{kind}.{label} in {path} computes its tags ({tags}): check them in the plan"
                ),
            )
            .at(effect),
        );
        return;
    }
    let entries = hcl::map_entries(tags);
    let mut missing: Vec<&str> = REQUIRED_TAGS
        .iter()
        .copied()
        .filter(|tag| !entries.iter().any(|(k, _)| k == tag))
        .collect();
    let managed = entries
        .iter()
        .find(|(k, _)| *k == "ManagedBy")
        .and_then(|(_, v)| hcl::string_value(v));
    let wrong_manager = managed.is_some_and(|m| m != "terraform");
    if missing.is_empty() && !wrong_manager {
        return;
    }
    let mut problems = Vec::new();
    if !missing.is_empty() {
        missing.sort_unstable();
        problems.push(format!("misses the tags {}", missing.join(", ")));
    }
    if wrong_manager {
        problems.push("must have ManagedBy = \"terraform\"".to_owned());
    }
    findings.push(
        Finding::deny(
            "required-tags",
            format!("{kind}.{label} in {path} {}", problems.join(" and ")),
        )
        .at(effect)
        .risk(40),
    );
}

/// `{env}-{service}-{resource_type}`: a known environment, then two or more lower-case
/// words of letters and digits.
fn follows_convention(name: &str) -> bool {
    let mut parts = name.split('-');
    let env_ok = parts.next().is_some_and(|env| ENVIRONMENTS.contains(&env));
    let rest: Vec<&str> = parts.collect();
    env_ok
        && rest.len() >= 2
        && rest.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

agent_policy_plugin::export_plugin!(Naming);

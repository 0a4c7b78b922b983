//! An org policy plugin: no public ingress and no public database in the Terraform or
//! Kubernetes files the agent writes.
//!
//! Rules (shown as `plugin.<id>.<rule>`):
//! - `public-ingress` (deny): a security group ingress from `0.0.0.0/0` or `::/0`
//!   (`aws_security_group` ingress blocks, `aws_security_group_rule` of type ingress,
//!   `aws_vpc_security_group_ingress_rule`), or a Kubernetes NetworkPolicy or
//!   `loadBalancerSourceRanges` that admits them;
//! - `public-database` (deny): `publicly_accessible = true` on an RDS instance or cluster
//!   instance;
//! - `public-load-balancer` (require approval by `platform`): a Kubernetes Service of type
//!   LoadBalancer with no `loadBalancerSourceRanges`.

use agent_policy_plugin::hcl;
use agent_policy_plugin::{Finding, Input, Plugin};

/// The CIDRs that mean "anyone".
const ANYWHERE: [&str; 2] = ["0.0.0.0/0", "::/0"];
/// Resource types that can be made reachable from the internet.
const DATABASES: [&str; 2] = ["aws_db_instance", "aws_rds_cluster_instance"];

struct PublicIngress;

impl Plugin for PublicIngress {
    fn evaluate(input: &Input) -> Result<Vec<Finding>, String> {
        let mut findings = Vec::new();
        let Some(text) = input.written_text() else {
            return Ok(findings);
        };
        for (index, effect) in input.effects_of("file.write") {
            let path = effect["path"].as_str().unwrap_or_default();
            let mut found = Vec::new();
            if path.ends_with(".tf") {
                terraform(text, path, &mut found);
            } else if path.ends_with(".yaml") || path.ends_with(".yml") {
                kubernetes(text, path, &mut found);
            }
            findings.extend(found.into_iter().map(|f| f.at(index)));
        }
        Ok(findings)
    }
}

fn public(cidrs: &[&str]) -> Option<&'static str> {
    ANYWHERE.into_iter().find(|any| cidrs.contains(any))
}

fn deny_ingress(what: String, cidr: &str) -> Finding {
    Finding::deny(
        "public-ingress",
        format!("{what} allows ingress from {cidr}: use a specific CIDR range"),
    )
    .risk(90)
}

fn terraform(text: &str, path: &str, out: &mut Vec<Finding>) {
    for (kind, label, body) in hcl::resources(text) {
        let at = format!("{kind}.{label} in {path}");
        let cidrs = |body: &str, keys: &[&str]| -> Vec<String> {
            keys.iter()
                .filter_map(|k| hcl::attribute(body, k))
                .flat_map(|v| {
                    let list = hcl::string_list(v);
                    if list.is_empty() {
                        hcl::string_value(v).into_iter().collect()
                    } else {
                        list
                    }
                })
                .map(str::to_owned)
                .collect()
        };
        let keys = ["cidr_blocks", "ipv6_cidr_blocks", "cidr_ipv4", "cidr_ipv6"];
        match kind {
            "aws_security_group" => {
                for (_, ingress) in hcl::blocks(body, "ingress") {
                    let found = cidrs(ingress, &keys);
                    let found: Vec<&str> = found.iter().map(String::as_str).collect();
                    if let Some(cidr) = public(&found) {
                        out.push(deny_ingress(at.clone(), cidr));
                    }
                }
            }
            "aws_security_group_rule" => {
                let ingress =
                    hcl::attribute(body, "type").and_then(hcl::string_value) == Some("ingress");
                let found = cidrs(body, &keys);
                let found: Vec<&str> = found.iter().map(String::as_str).collect();
                if ingress && let Some(cidr) = public(&found) {
                    out.push(deny_ingress(at.clone(), cidr));
                }
            }
            "aws_vpc_security_group_ingress_rule" => {
                let found = cidrs(body, &keys);
                let found: Vec<&str> = found.iter().map(String::as_str).collect();
                if let Some(cidr) = public(&found) {
                    out.push(deny_ingress(at.clone(), cidr));
                }
            }
            _ => {}
        }
        if DATABASES.contains(&kind)
            && hcl::attribute(body, "publicly_accessible").map(str::trim) == Some("true")
        {
            out.push(
                Finding::deny(
                    "public-database",
                    format!("{at} is publicly accessible: set publicly_accessible = false"),
                )
                .risk(95),
            );
        }
    }
}

/// Kubernetes manifests, read line by line: enough for the two shapes that open a workload
/// to the internet.
fn kubernetes(text: &str, path: &str, out: &mut Vec<Finding>) {
    for doc in text.split("\n---") {
        let lines: Vec<&str> = doc.lines().map(str::trim).collect();
        let value = |key: &str| {
            lines.iter().find_map(|l| {
                l.strip_prefix(key)
                    .map(|v| v.trim().trim_matches(['"', '\'']))
            })
        };
        let name = value("name:").unwrap_or("(unnamed)");
        let listed = |l: &&str| {
            let v = l
                .trim_start_matches("- ")
                .trim_start_matches("cidr:")
                .trim();
            let v = v.trim_matches(['"', '\'']);
            ANYWHERE.into_iter().find(|any| *any == v)
        };
        match value("kind:") {
            Some("NetworkPolicy") => {
                if let Some(cidr) = lines
                    .iter()
                    .filter(|l| l.contains("cidr:"))
                    .find_map(listed)
                {
                    out.push(deny_ingress(
                        format!("NetworkPolicy {name} in {path}"),
                        cidr,
                    ));
                }
            }
            Some("Service") if value("type:") == Some("LoadBalancer") => {
                let Some(start) = lines
                    .iter()
                    .position(|l| l.starts_with("loadBalancerSourceRanges:"))
                else {
                    out.push(Finding::require_approval(
                        "public-load-balancer",
                        "platform",
                        format!(
                            "Service {name} in {path} is a LoadBalancer open to anyone: \
                             set loadBalancerSourceRanges"
                        ),
                    ));
                    continue;
                };
                if let Some(cidr) = lines[start + 1..]
                    .iter()
                    .take_while(|l| l.starts_with("- "))
                    .find_map(listed)
                {
                    out.push(deny_ingress(format!("Service {name} in {path}"), cidr));
                }
            }
            _ => {}
        }
    }
}

agent_policy_plugin::export_plugin!(PublicIngress);

//! URLs, hosts, IP literals and CIDRs; cloud metadata endpoints.
//!
//! URLs are parsed with the WHATWG parser of the `url` crate, which normalises hosts the way
//! browsers and most HTTP clients do: lowercase, percent-escapes decoded, and IPv4 addresses
//! written in decimal, hex or octal (`http://0xA9FEA9FE/` is `169.254.169.254`). Host patterns
//! compare against these normalised hosts, so spelling an address differently does not dodge a
//! rule.
//!
//! Host names are ASCII. A host with other characters (`bücher.example`, fullwidth
//! `ｅｘａｍｐｌｅ.com`, or their percent-escapes) is refused, never mapped: an international name
//! is written in its punycode form (`xn--bcher-kva.example`), which is what DNS sees. Refusing
//! closes the homograph and mapping tricks outright (a look-alike host cannot pass for another,
//! a fullwidth spelling cannot slip past a rule on the ASCII name), and it keeps the Unicode
//! tables of IDNA out of the engine, the browser build among them. The `idna_adapter` crate is
//! pinned to its no-tables release for this; its limits never apply, because no non-ASCII host
//! reaches it (see [`host_is_ascii`]).

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use super::path::PathBase;
use super::{Effect, EffectKind};

/// Host names of cloud metadata services.
const METADATA_NAMES: &[&str] = &[
    "metadata.google.internal",
    "metadata.goog",
    "metadata",
    "instance-data",
    "instance-data.ec2.internal",
];

/// IPv4 addresses of cloud metadata services (AWS/GCP/Azure/OCI, AWS ECS, Alibaba).
const METADATA_V4: &[Ipv4Addr] = &[
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(169, 254, 170, 2),
    Ipv4Addr::new(100, 100, 100, 200),
];

/// IPv6 addresses of cloud metadata services (AWS IMDS over IPv6).
const METADATA_V6: &[Ipv6Addr] = &[Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254)];

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`),
/// IPv4-compatible (`::a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`).
fn embedded_v4(addr: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = addr.to_ipv4_mapped() {
        return Some(v4);
    }
    let seg = addr.segments();
    let [a, b, c, d, e, f, g, h] = seg;
    if [a, b, c, d, e, f] == [0, 0, 0, 0, 0, 0] && (g, h) != (0, 0) && (g, h) != (0, 1) {
        return Some(Ipv4Addr::from((u32::from(g) << 16) | u32::from(h)));
    }
    if [a, b, c, d, e, f] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(Ipv4Addr::from((u32::from(g) << 16) | u32::from(h)));
    }
    None
}

/// An IP address with IPv4 embedded in IPv6 reduced to the IPv4 address.
fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// Strips the brackets of an IPv6 literal and one trailing dot, and lowercases.
fn light_host(host: &str) -> String {
    let h = host.trim();
    let h = h
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(h);
    let h = h.strip_suffix('.').unwrap_or(h);
    h.to_ascii_lowercase()
}

/// Normalises a host: lowercase, no trailing dot, IPv6 without brackets, IDNA to punycode,
/// IPv4 in any WHATWG spelling (`0xA9FEA9FE`, `2852039166`, `0251.0376.0251.0376`) as
/// dotted decimal. `None` when the text is not a valid host.
pub fn normalize_host(raw: &str) -> Option<String> {
    let h = light_host(raw);
    if h.is_empty() || !ascii_host(&h) {
        return None;
    }
    if let Ok(v6) = h.parse::<Ipv6Addr>() {
        return Some(v6.to_string());
    }
    match Host::parse(&h).ok()? {
        Host::Domain(d) => {
            let d = d.strip_suffix('.').unwrap_or(&d).to_owned();
            (!d.is_empty()).then_some(d)
        }
        Host::Ipv4(v4) => Some(v4.to_string()),
        Host::Ipv6(v6) => Some(v6.to_string()),
    }
}

/// Whether a host is a cloud metadata endpoint (`169.254.169.254`, `fd00:ec2::254`,
/// `metadata.google.internal`, ... and IPv4-mapped IPv6 forms of the addresses).
/// The host is normalised first, so `0xA9FEA9FE` and `[::ffff:169.254.169.254]` count.
pub fn is_metadata_host(host: &str) -> bool {
    let Some(h) = normalize_host(host) else {
        return false;
    };
    if METADATA_NAMES.contains(&h.as_str()) {
        return true;
    }
    // Wildcard DNS services answer `169.254.169.254.nip.io` (and `169-254-169-254.sslip.io`)
    // with the address in the name: that name is the metadata endpoint too.
    if let Some(embedded) = WILDCARD_DNS
        .iter()
        .find_map(|suffix| h.strip_suffix(suffix))
        .and_then(embedded_ipv4)
    {
        return METADATA_V4.contains(&embedded);
    }
    match h.parse::<IpAddr>().map(canonical_ip) {
        Ok(IpAddr::V4(v4)) => METADATA_V4.contains(&v4),
        Ok(IpAddr::V6(v6)) => METADATA_V6.contains(&v6),
        Err(_) => false,
    }
}

/// Public wildcard DNS services that resolve a name to the IPv4 address written in it.
const WILDCARD_DNS: &[&str] = &[".nip.io", ".sslip.io", ".xip.io"];

/// The IPv4 address at the end of a wildcard-DNS label list: `a.b.169.254.169.254`,
/// `169-254-169-254`, `x-169-254-169-254`.
fn embedded_ipv4(labels: &str) -> Option<Ipv4Addr> {
    let dotted: Vec<&str> = labels.rsplit('.').take(4).collect();
    if let [d, c, b, a] = dotted.as_slice()
        && let Ok(ip) = format!("{a}.{b}.{c}.{d}").parse()
    {
        return Some(ip);
    }
    let last = labels.rsplit('.').next()?;
    let dashed: Vec<&str> = last.rsplit('-').take(4).collect();
    match dashed.as_slice() {
        [d, c, b, a] => format!("{a}.{b}.{c}.{d}").parse().ok(),
        _ => None,
    }
}

/// A URL taken apart for effects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedUrl {
    /// The URL as the WHATWG parser serialises it.
    pub url: String,
    /// The scheme, lowercase.
    pub scheme: String,
    /// The normalised host, when the URL has one.
    pub host: Option<String>,
    /// The port: explicit, or the scheme's default.
    pub port: Option<u16>,
    /// For `file:` URLs: the local path, percent-decoded.
    pub file_path: Option<String>,
}

/// Schemes accepted without `//` after the colon.
const OPAQUE_SCHEMES: &[&str] = &["file", "data", "mailto", "javascript", "about", "blob"];

/// Whether `text` starts with `scheme://` (or one of [`OPAQUE_SCHEMES`] and a colon).
fn has_scheme(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid
        && (rest.starts_with("//")
            || OPAQUE_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()))
}

/// The error for a host name that is not ASCII.
const NON_ASCII_HOST: &str =
    "the host is not ASCII: write an international name in its punycode form (xn--...)";

/// Whether the host of a URL with a scheme is ASCII, percent-escapes decoded. The host is
/// found the way the WHATWG parser finds it: after `scheme:` and, for the special schemes
/// (`http`, `https`, `ws`, `wss`, `ftp`), any run of `/` and `\`; for `file`, exactly two of
/// them; for other schemes, `//`. It ends at the first `/`, `\`, `?` or `#` and starts after
/// the last `@`. Any port goes with it, which only refuses URLs the parser refuses too.
// INVARIANT: every URL handed to `Url::parse` passed this test, so no non-ASCII host reaches
// IDNA (whose pinned no-tables back end would turn it into an error anyway).
fn host_is_ascii(url: &str) -> bool {
    let Some((scheme, rest)) = url.split_once(':') else {
        return true;
    };
    let scheme = scheme.to_ascii_lowercase();
    let after_slashes = match scheme.as_str() {
        "http" | "https" | "ws" | "wss" | "ftp" => Some(rest.trim_start_matches(['/', '\\'])),
        "file" => match rest.as_bytes() {
            [b'/' | b'\\', b'/' | b'\\', ..] => rest.get(2..),
            _ => None,
        },
        _ => rest.strip_prefix("//"),
    };
    let Some(rest) = after_slashes else {
        return true;
    };
    let authority = rest.split(['/', '\\', '?', '#']).next().unwrap_or(rest);
    ascii_host(authority.rsplit('@').next().unwrap_or(authority))
}

/// Whether a host's text is ASCII once its percent-escapes are decoded: no other characters,
/// and no escape of a byte from 0x80 up.
// INVARIANT: `Host::parse` and `Url::parse` only ever see hosts that pass this test.
fn ascii_host(host: &str) -> bool {
    let bytes = host.as_bytes();
    host.is_ascii()
        && !bytes.iter().enumerate().any(|(i, &b)| {
            b == b'%'
                && bytes
                    .get(i + 1)
                    .is_some_and(|&d| matches!(d, b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F'))
        })
}

/// A URL as the WHATWG parser reads it: leading and trailing C0 controls and spaces trimmed,
/// and every tab and newline removed, so the host test looks at the same host. Borrowed when
/// nothing inside is removed, as for nearly every URL.
fn url_text(raw: &str) -> Cow<'_, str> {
    let trimmed = raw.trim_matches(|c: char| c <= ' ');
    if trimmed.contains(['\t', '\n', '\r']) {
        Cow::Owned(
            trimmed
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect(),
        )
    } else {
        Cow::Borrowed(trimmed)
    }
}

/// Parses a URL. A URL without a scheme (`example.com/x`, `localhost:8080`) is taken as
/// `http://` the way curl does. The error is a fixed description, never the URL itself.
pub fn parse_url(raw: &str) -> Result<ParsedUrl, String> {
    let cleaned = url_text(raw);
    let text = cleaned.as_ref();
    if text.is_empty() {
        return Err("the url is empty".to_owned());
    }
    let with_scheme;
    let text = if has_scheme(text) {
        text
    } else {
        with_scheme = format!("http://{}", text.strip_prefix("//").unwrap_or(text));
        &with_scheme
    };
    if !host_is_ascii(text) {
        return Err(NON_ASCII_HOST.to_owned());
    }
    let parsed = Url::parse(text).map_err(|e| e.to_string())?;
    let host = match parsed.host() {
        Some(Host::Domain(d)) => Some(normalize_host(d).ok_or("the url has an invalid host")?),
        Some(Host::Ipv4(v4)) => Some(v4.to_string()),
        Some(Host::Ipv6(v6)) => Some(v6.to_string()),
        None => None,
    };
    let file_path = (parsed.scheme() == "file").then(|| {
        let p = parsed.path();
        percent_decode(p)
    });
    Ok(ParsedUrl {
        url: parsed.as_str().to_owned(),
        scheme: parsed.scheme().to_owned(),
        host,
        port: parsed.port_or_known_default(),
        file_path,
    })
}

/// Decodes `%XX` escapes (invalid escapes are kept as written).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a `host` field: `example.com`, `example.com:8443`, `10.0.0.1:22`, `::1`,
/// `[::1]:8080`. Returns the normalised host and the port when one is given.
pub fn parse_host_port(raw: &str) -> Result<(String, Option<u16>), String> {
    let text = raw.trim();
    if text.contains("://") {
        let u = parse_url(text)?;
        let host = u.host.ok_or("the url has no host")?;
        return Ok((host, u.port));
    }
    let bad_port = || "the port is not a number from 0 to 65535".to_owned();
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or("an IPv6 literal lacks its ']'")?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse::<u16>().map_err(|_| bad_port())?),
            None if after.is_empty() => None,
            None => return Err("unexpected text after ']'".to_owned()),
        };
        (inside, port)
    } else if text.matches(':').count() >= 2 {
        (text, None)
    } else if let Some((h, p)) = text.split_once(':') {
        (h, Some(p.parse::<u16>().map_err(|_| bad_port())?))
    } else {
        (text, None)
    };
    if !ascii_host(host) {
        return Err(NON_ASCII_HOST.to_owned());
    }
    let host = normalize_host(host).ok_or("the host is not a valid host name or address")?;
    Ok((host, port))
}

/// Uppercases an HTTP method, refusing anything that is not a method token.
pub fn normalize_method(raw: &str) -> Result<String, String> {
    let m = raw.trim();
    if m.is_empty()
        || m.len() > 32
        || !m
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err("the method is not an http method name".to_owned());
    }
    Ok(m.to_ascii_uppercase())
}

/// A `network.request` effect for a normalised host.
fn request(
    host: Option<String>,
    port: Option<u16>,
    method: &str,
    upload: bool,
    via: &str,
) -> Effect {
    let mut e = Effect::new(EffectKind::NetworkRequest, via.to_owned());
    e.metadata_endpoint = host.as_deref().is_some_and(is_metadata_host);
    e.host = host;
    e.port = port;
    e.method = Some(method.to_owned());
    e.upload = upload;
    e
}

/// The effect of fetching `raw_url`: a `network.request`, or a `file.read` for `file:` URLs.
/// `method` must already be normalised (see [`normalize_method`]).
pub fn url_effect(
    raw_url: &str,
    method: &str,
    upload: bool,
    via: &str,
    base: &PathBase<'_>,
) -> Result<Effect, String> {
    let u = parse_url(raw_url)?;
    if let Some(path) = &u.file_path {
        let p = base.normalize(path);
        let mut e = Effect::new(EffectKind::FileRead, via.to_owned());
        e.path = Some(p.path);
        e.outside_workspace = p.outside_workspace;
        return Ok(e);
    }
    let mut e = request(u.host, u.port, method, upload, via);
    e.url = Some(u.url);
    Ok(e)
}

/// The effect of reaching a `host` field (`host`, `host:port`, IP literal).
pub fn host_effect(
    raw_host: &str,
    method: &str,
    upload: bool,
    via: &str,
) -> Result<Effect, String> {
    let (host, port) = parse_host_port(raw_host)?;
    Ok(request(Some(host), port, method, upload, via))
}

/// How a host pattern matches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostMatcher {
    /// `*`: every host.
    Any,
    /// One host name.
    Exact(String),
    /// `*.example.com`: any subdomain, at any depth, never the apex. Holds `.example.com`.
    Subdomains(String),
    /// Labels with `*` inside (`api-*.example.com`): `*` stays within one label.
    Labels(Vec<String>),
    /// An IP literal.
    Ip(IpAddr),
    /// A CIDR block: network address (host bits cleared) and prefix length.
    Cidr(IpAddr, u8),
}

/// A host pattern from a policy: a glob (`*.github.com`), an IP literal or a CIDR.
#[derive(Debug, Clone, PartialEq)]
pub struct HostPattern {
    text: String,
    matcher: HostMatcher,
}

/// Whether `text` matches a one-label glob where `*` is any run of characters.
fn label_glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = parts.collect();
    let Some((last, middle)) = pieces.split_last() else {
        return rest.is_empty();
    };
    for piece in middle {
        match rest.find(piece) {
            Some(at) => rest = rest.get(at + piece.len()..).unwrap_or(""),
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

fn mask_v4(addr: Ipv4Addr, len: u8) -> u32 {
    let bits = u32::from(addr);
    if len == 0 {
        0
    } else {
        bits & (u32::MAX << (32 - u32::from(len.min(32))))
    }
}

fn mask_v6(addr: Ipv6Addr, len: u8) -> u128 {
    let bits = u128::from(addr);
    if len == 0 {
        0
    } else {
        bits & (u128::MAX << (128 - u32::from(len.min(128))))
    }
}

impl HostPattern {
    /// Parses a pattern: `*`, `example.com`, `*.example.com`, `api-*.example.com`, an IPv4 or
    /// IPv6 literal (brackets optional), or a CIDR (`10.0.0.0/8`, `fd00::/8`).
    pub fn parse(text: &str) -> Result<HostPattern, String> {
        let t = text.trim().to_ascii_lowercase();
        let matcher = Self::matcher(&t)?;
        Ok(HostPattern {
            text: text.trim().to_owned(),
            matcher,
        })
    }

    fn matcher(t: &str) -> Result<HostMatcher, String> {
        if t.is_empty() {
            return Err("the host pattern is empty".to_owned());
        }
        if t == "*" {
            return Ok(HostMatcher::Any);
        }
        if t.contains("://") {
            return Err(format!(
                "'{t}' is a url; a host pattern names a host, like 'example.com' or '*.example.com'"
            ));
        }
        if let Some((addr, len)) = t.split_once('/') {
            let addr = addr
                .strip_prefix('[')
                .and_then(|a| a.strip_suffix(']'))
                .unwrap_or(addr);
            let ip: IpAddr = addr
                .parse()
                .map_err(|_| format!("'{t}' is not a CIDR: '{addr}' is not an IP address"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let len: u8 = len.parse().ok().filter(|l| *l <= max).ok_or_else(|| {
                format!("'{t}' is not a CIDR: the prefix length must be 0 to {max}")
            })?;
            let net = match ip {
                IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(mask_v4(v4, len))),
                IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(mask_v6(v6, len))),
            };
            return Ok(HostMatcher::Cidr(net, len));
        }
        let bare = light_host(t);
        if !ascii_host(&bare) {
            return Err(format!("'{t}': {NON_ASCII_HOST}"));
        }
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(HostMatcher::Ip(canonical_ip(ip)));
        }
        if bare.contains(':') {
            return Err(format!(
                "'{t}' has a port; a host pattern names a host only, like 'example.com'"
            ));
        }
        if let Some(rest) = bare.strip_prefix("*.")
            && !rest.contains('*')
        {
            let host =
                normalize_host(rest).ok_or_else(|| format!("'{t}' is not a valid host pattern"))?;
            return Ok(HostMatcher::Subdomains(format!(".{host}")));
        }
        if bare.contains('*') {
            let labels: Vec<String> = bare.split('.').map(str::to_owned).collect();
            let valid = labels.iter().all(|l| {
                !l.is_empty()
                    && l.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*'))
            });
            if !valid {
                return Err(format!("'{t}' is not a valid host pattern"));
            }
            return Ok(HostMatcher::Labels(labels));
        }
        let host =
            normalize_host(&bare).ok_or_else(|| format!("'{t}' is not a valid host name"))?;
        // An IPv4 written another way (`0xA9FEA9FE`) normalises to an address.
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(HostMatcher::Ip(canonical_ip(ip)));
        }
        Ok(HostMatcher::Exact(host))
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a normalised host matches (brackets, case and a trailing dot are ignored).
    pub fn matches(&self, host: &str) -> bool {
        let h = light_host(host);
        if h.is_empty() {
            return false;
        }
        match &self.matcher {
            HostMatcher::Any => true,
            HostMatcher::Exact(e) => h == *e,
            HostMatcher::Subdomains(suffix) => {
                h.len() > suffix.len() && h.ends_with(suffix.as_str())
            }
            HostMatcher::Labels(labels) => {
                let parts: Vec<&str> = h.split('.').collect();
                parts.len() == labels.len()
                    && labels.iter().zip(&parts).all(|(p, l)| label_glob(p, l))
            }
            HostMatcher::Ip(ip) => h.parse::<IpAddr>().is_ok_and(|a| canonical_ip(a) == *ip),
            HostMatcher::Cidr(net, len) => match (h.parse::<IpAddr>().map(canonical_ip), net) {
                (Ok(IpAddr::V4(a)), IpAddr::V4(n)) => mask_v4(a, *len) == u32::from(*n),
                (Ok(IpAddr::V6(a)), IpAddr::V6(n)) => mask_v6(a, *len) == u128::from(*n),
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;

    fn fx(url: &str) -> Effect {
        url_effect(url, "GET", false, "$.url", &PathBase::default()).unwrap()
    }

    #[test]
    fn hex_decimal_and_octal_ipv4_are_the_metadata_address() {
        for url in [
            "http://0xA9FEA9FE/latest/meta-data/",
            "http://2852039166/",
            "http://0251.0376.0251.0376/",
            "http://169.254.169.254/",
            "http://0xa9.0xfe.0xa9.0xfe/",
        ] {
            let e = fx(url);
            assert_eq!(e.host.as_deref(), Some("169.254.169.254"), "{url}");
            assert!(e.metadata_endpoint, "{url}");
        }
    }

    #[test]
    fn ipv6_metadata_forms() {
        let e = fx("http://[fd00:ec2::254]/latest");
        assert_eq!(e.host.as_deref(), Some("fd00:ec2::254"));
        assert!(e.metadata_endpoint);
        let e = fx("http://[::ffff:169.254.169.254]/");
        assert!(e.metadata_endpoint);
        let e = fx("http://[::ffff:a9fe:a9fe]/");
        assert!(e.metadata_endpoint);
        assert!(is_metadata_host("64:ff9b::a9fe:a9fe"));
        assert!(!is_metadata_host("::1"));
    }

    #[test]
    fn metadata_names() {
        assert!(is_metadata_host("metadata.google.internal"));
        assert!(is_metadata_host("METADATA.google.internal."));
        assert!(is_metadata_host("metadata.goog"));
        assert!(is_metadata_host("metadata"));
        assert!(is_metadata_host("100.100.100.200"));
        assert!(is_metadata_host("169.254.170.2"));
        assert!(!is_metadata_host("metadata.example.com"));
        assert!(!is_metadata_host("169.254.169.253"));
        // Wildcard DNS names that resolve to the metadata address.
        assert!(is_metadata_host("169.254.169.254.nip.io"));
        assert!(is_metadata_host("x.169.254.169.254.nip.io"));
        assert!(is_metadata_host("169-254-169-254.sslip.io"));
        assert!(is_metadata_host("app-169-254-169-254.sslip.io"));
        assert!(!is_metadata_host("10.0.0.1.nip.io"));
        assert!(!is_metadata_host("nip.io"));
        assert!(fx("http://metadata.google.internal/computeMetadata/v1/").metadata_endpoint);
    }

    #[test]
    fn url_fields() {
        let e = fx("HTTPS://API.GitHub.com./repos");
        assert_eq!(e.host.as_deref(), Some("api.github.com"));
        assert_eq!(e.port, Some(443));
        assert_eq!(e.method.as_deref(), Some("GET"));
        let e = fx("http://example.com:8080/x");
        assert_eq!(e.port, Some(8080));
        let e = fx("example.com/path");
        assert_eq!(e.host.as_deref(), Some("example.com"));
        assert_eq!(e.port, Some(80));
        let e = fx("localhost:3000/api");
        assert_eq!(e.host.as_deref(), Some("localhost"));
        assert_eq!(e.port, Some(3000));
        let e = fx("http://[2001:DB8::1]:8443/");
        assert_eq!(e.host.as_deref(), Some("2001:db8::1"));
        assert_eq!(e.port, Some(8443));
        let e = fx("https://XN--BCHER-KVA.example/");
        assert_eq!(e.host.as_deref(), Some("xn--bcher-kva.example"));
        let e = fx("http://%65xample.com/");
        assert_eq!(e.host.as_deref(), Some("example.com"));
    }

    #[test]
    fn non_ascii_hosts_are_refused_with_the_punycode_hint() {
        for raw in [
            "https://bücher.example/",
            "https://Bücher.example/",
            "https://ｅｘａｍｐｌｅ.com/",
            "http://b%C3%BCcher.example/",
            "http://B%c3%bccher.example/",
            "http:////Bü.example/x",
            "http:///\\Bü.example/x",
            "https://user@Bü.example:8443/",
            "bücher.example/path",
            "//bücher.example/path",
            "FILE://Bü/x",
            // The parser drops tabs and newlines and trims controls: so does the host test.
            "http:\t//Bü.example/",
            "\u{1}HTTP://Bü.example/",
            "ht\ntp://Bü.example/",
        ] {
            assert_eq!(
                parse_url(raw).map(|u| u.host),
                Err(NON_ASCII_HOST.to_owned()),
                "{raw:?}"
            );
        }
        // Only the host must be ASCII: paths, queries, fragments and user info may be anything.
        assert_eq!(
            parse_url("file:///home/ü/x").map(|u| u.file_path),
            Ok(Some("/home/ü/x".to_owned()))
        );
        assert_eq!(parse_url("file:///ü").map(|u| u.host), Ok(None));
        assert_eq!(parse_url("mailto:ü@example.com").map(|u| u.host), Ok(None));
        for (raw, host) in [
            ("https://de.wikipedia.org/wiki/Bücher", "de.wikipedia.org"),
            ("https://example.com/?q=ü#ü", "example.com"),
            ("https://ü:p@example.com/", "example.com"),
            ("https://example.com\\Bü", "example.com"),
        ] {
            assert_eq!(
                parse_url(raw).map(|u| u.host),
                Ok(Some(host.to_owned())),
                "{raw}"
            );
        }
        assert_eq!(
            parse_host_port("bücher.example"),
            Err(NON_ASCII_HOST.to_owned())
        );
        assert_eq!(
            parse_host_port("%42%C3%BC.example"),
            Err(NON_ASCII_HOST.to_owned())
        );
        assert!(!is_metadata_host("%42%C3%BC.example"));
        assert!(HostPattern::parse("%42%C3%BC.example").is_err());
        assert_eq!(
            parse_host_port("BÜCHER.example:443"),
            Err(NON_ASCII_HOST.to_owned())
        );
    }

    #[test]
    fn file_urls_are_file_reads() {
        let base = PathBase::new(None, Some("/w"));
        let e = url_effect("file:///etc/passwd", "GET", false, "v", &base).unwrap();
        assert_eq!(e.kind, EffectKind::FileRead);
        assert_eq!(e.path.as_deref(), Some("/etc/passwd"));
        assert!(e.outside_workspace);
        let e = url_effect("file:///w/.e%6Ev", "GET", false, "v", &base).unwrap();
        assert_eq!(e.path.as_deref(), Some(".env"));
    }

    #[test]
    fn bad_urls_do_not_echo_the_url() {
        let err = parse_url("http://exa mple.com:99999999/secret-token").unwrap_err();
        assert!(!err.contains("secret"));
        assert!(parse_url("").is_err());
    }

    #[test]
    fn host_fields() {
        assert_eq!(
            parse_host_port("Example.COM").unwrap(),
            ("example.com".into(), None)
        );
        assert_eq!(
            parse_host_port("example.com:8443").unwrap(),
            ("example.com".into(), Some(8443))
        );
        assert_eq!(
            parse_host_port("10.0.0.1:22").unwrap(),
            ("10.0.0.1".into(), Some(22))
        );
        assert_eq!(parse_host_port("::1").unwrap(), ("::1".into(), None));
        assert_eq!(
            parse_host_port("[::1]:8080").unwrap(),
            ("::1".into(), Some(8080))
        );
        assert_eq!(
            parse_host_port("0xA9FEA9FE").unwrap(),
            ("169.254.169.254".into(), None)
        );
        assert!(parse_host_port("example.com:http").is_err());
        assert!(parse_host_port("[::1").is_err());
        let e = host_effect("169.254.169.254:80", "GET", false, "$.host").unwrap();
        assert!(e.metadata_endpoint);
        assert_eq!(e.port, Some(80));
    }

    #[test]
    fn methods() {
        assert_eq!(normalize_method("post").unwrap(), "POST");
        assert!(normalize_method("GET /x").is_err());
        assert!(normalize_method("").is_err());
    }

    fn p(t: &str) -> HostPattern {
        HostPattern::parse(t).unwrap()
    }

    #[test]
    fn exact_and_subdomain_patterns() {
        assert!(p("registry.npmjs.org").matches("registry.npmjs.org"));
        assert!(p("Registry.NPMJS.org").matches("registry.npmjs.org."));
        assert!(!p("registry.npmjs.org").matches("evil-registry.npmjs.org"));
        assert!(!p("npmjs.org").matches("registry.npmjs.org"));
        let sub = p("*.github.com");
        assert!(sub.matches("api.github.com"));
        assert!(sub.matches("a.b.github.com"));
        assert!(!sub.matches("github.com"));
        assert!(!sub.matches("evilgithub.com"));
        assert!(!sub.matches("github.com.evil.io"));
        assert!(p("*").matches("anything.example"));
        assert!(!p("*").matches(""));
    }

    #[test]
    fn label_wildcards() {
        let pat = p("api-*.example.com");
        assert!(pat.matches("api-eu.example.com"));
        assert!(pat.matches("api-.example.com"));
        assert!(!pat.matches("api-eu.x.example.com"));
        assert!(!pat.matches("web.example.com"));
    }

    #[test]
    fn ip_and_cidr_patterns() {
        assert!(p("169.254.169.254").matches("169.254.169.254"));
        assert!(p("169.254.169.254").matches("::ffff:169.254.169.254"));
        assert!(p("0xA9FEA9FE").matches("169.254.169.254"));
        assert!(p("[::1]").matches("::1"));
        assert!(p("::1").matches("[::1]"));
        let net = p("10.0.0.0/8");
        assert!(net.matches("10.1.2.3"));
        assert!(!net.matches("11.0.0.1"));
        assert!(!net.matches("example.com"));
        assert!(net.matches("::ffff:10.9.9.9"));
        let v6 = p("fd00::/8");
        assert!(v6.matches("fd00:ec2::254"));
        assert!(!v6.matches("fe80::1"));
        assert!(!v6.matches("10.0.0.1"));
        assert!(p("0.0.0.0/0").matches("8.8.8.8"));
        assert!(p("10.1.2.3/8").matches("10.200.0.1"));
    }

    #[test]
    fn bad_patterns_say_why() {
        assert!(
            HostPattern::parse("10.0.0.0/33")
                .unwrap_err()
                .contains("prefix")
        );
        assert!(
            HostPattern::parse("10.0.0.x/8")
                .unwrap_err()
                .contains("not an IP")
        );
        assert!(
            HostPattern::parse("https://x.com")
                .unwrap_err()
                .contains("url")
        );
        assert!(
            HostPattern::parse("x.com:443")
                .unwrap_err()
                .contains("port")
        );
        assert!(HostPattern::parse("").is_err());
        assert!(HostPattern::parse("a b.com").is_err());
        assert!(
            HostPattern::parse("*.bücher.example")
                .unwrap_err()
                .contains("punycode")
        );
        assert!(HostPattern::parse("*.xn--bcher-kva.example").is_ok());
    }

    proptest::proptest! {
        #[test]
        fn url_and_host_parsing_never_panics(text in "[a-zA-Z0-9:/\\\\\\[\\]@%.*?#üÜｅ\t-]{0,40}") {
            let _ = parse_url(&text);
            let _ = parse_host_port(&text);
            let _ = is_metadata_host(&text);
            if let Ok(p) = HostPattern::parse(&text) {
                let _ = p.matches(&text);
            }
        }
    }
}

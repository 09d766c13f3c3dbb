//! What a CUR usage type says about efficiency: instance families (Graviton, previous
//! generation, AMD), Spot, EBS volume types, S3 storage classes, idle addresses.

use std::sync::OnceLock;

use regex::Regex;

use super::prices;

/// The usage type without its region prefix (`USW2-BoxUsage:m5.large` → `BoxUsage:m5.large`).
pub fn base_usage_type(usage_type: &str) -> &str {
    static PREFIX: OnceLock<Option<Regex>> = OnceLock::new();
    let prefix = PREFIX.get_or_init(|| Regex::new(r"^(?:[A-Z]{2,4}[0-9]{0,2}-)+").ok());
    match prefix.as_ref().and_then(|re| re.find(usage_type)) {
        Some(found) => &usage_type[found.end()..],
        None => usage_type,
    }
}

/// The compute a usage line buys, as far as the efficiency KPIs care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Compute {
    /// An EC2 instance hour of `instance_type` (Spot when `spot`).
    Ec2 { instance_type: String, spot: bool },
    /// An RDS, ElastiCache or OpenSearch instance of `class` (`db.r6g.large` …).
    Managed { class: String },
    /// Lambda duration (GB-seconds), on arm64 when `arm`.
    Lambda { arm: bool },
    /// Fargate vCPU or memory hours, on ARM when `arm`.
    Fargate { arm: bool },
}

/// The compute behind a usage type, if any.
pub fn compute(usage_type: &str) -> Option<Compute> {
    let base = base_usage_type(usage_type);
    for (prefix, spot) in [
        ("BoxUsage:", false),
        ("SpotUsage:", true),
        ("DedicatedUsage:", false),
        ("HostBoxUsage:", false),
    ] {
        if let Some(instance_type) = base.strip_prefix(prefix) {
            return Some(Compute::Ec2 {
                instance_type: instance_type.to_string(),
                spot,
            });
        }
    }
    for marker in [
        "InstanceUsage:db.",
        "Multi-AZUsage:db.",
        "NodeUsage:cache.",
        "ESInstance:",
    ] {
        if let Some(at) = base.find(marker) {
            let class = base[at..].split_once(':').map_or("", |(_, class)| class);
            return Some(Compute::Managed {
                class: class.to_string(),
            });
        }
    }
    if base.starts_with("Lambda-GB-Second") || base.starts_with("Lambda-Provisioned-GB-Second") {
        return Some(Compute::Lambda {
            arm: base.ends_with("-ARM"),
        });
    }
    if base.starts_with("Fargate-") {
        return Some(Compute::Fargate {
            arm: base.contains("ARM"),
        });
    }
    None
}

/// An instance family split into its parts: `m6gd.large` → (`m`, `6`, `gd`).
fn family_parts(instance_type: &str) -> Option<(String, String, String)> {
    static FAMILY: OnceLock<Option<Regex>> = OnceLock::new();
    let family =
        FAMILY.get_or_init(|| Regex::new(r"^(?:db\.|cache\.)?([a-z]+)([0-9]+)([a-z-]*)\.").ok());
    let caps = family.as_ref()?.captures(instance_type)?;
    Some((
        caps[1].to_string(),
        caps[2].to_string(),
        caps[3].to_string(),
    ))
}

/// The family of an instance type or class: `db.r6g.large` → `r6g`.
pub fn family(instance_type: &str) -> Option<String> {
    family_parts(instance_type)
        .map(|(letters, generation, suffix)| format!("{letters}{generation}{suffix}"))
}

/// True for Graviton (arm64) instance types: a `g` right after the generation digits
/// (`m7g`, `c6gn`, `r6gd`, `t4g`, `x2gd`, `im4gn`, `db.r6g`).
pub fn is_graviton(instance_type: &str) -> bool {
    family_parts(instance_type).is_some_and(|(_, _, suffix)| suffix.starts_with('g'))
}

/// True for AMD instance types (`m5a`, `c6a`, `r5ad`).
pub fn is_amd(instance_type: &str) -> bool {
    family_parts(instance_type).is_some_and(|(_, _, suffix)| suffix.starts_with('a'))
}

/// True when an EC2 family has a Graviton equivalent: general purpose (m, t), compute
/// (c), memory (r, x) and storage (i, im, is) families, and Graviton types themselves.
pub fn has_graviton_equivalent(instance_type: &str) -> bool {
    is_graviton(instance_type)
        || family_parts(instance_type).is_some_and(|(letters, _, _)| {
            matches!(
                letters.as_str(),
                "m" | "t" | "c" | "r" | "x" | "i" | "im" | "is"
            )
        })
}

/// Previous-generation families as AWS lists them (EC2, and the RDS / ElastiCache classes
/// built on them).
const PREVIOUS_GENERATION: [&str; 24] = [
    "a1", "c1", "c3", "c4", "cc2", "cg1", "cr1", "d2", "f1", "g2", "g3", "g3s", "hi1", "hs1", "i2",
    "i3", "m1", "m2", "m3", "m4", "p2", "r3", "r4", "t1",
];

/// True for a previous-generation instance type or class (`m4.large`, `t2.micro`,
/// `db.r4.large`); `t2` counts as previous generation (t3/t4g replace it).
pub fn is_previous_generation(instance_type: &str) -> bool {
    family(instance_type).is_some_and(|f| {
        PREVIOUS_GENERATION.contains(&f.as_str()) || f == "t2" || f == "x1" || f == "x1e"
    })
}

/// The saving factor of moving this compute to Graviton (0 when it already is).
pub fn graviton_factor(compute: &Compute) -> f64 {
    match compute {
        Compute::Ec2 { instance_type, .. } if is_graviton(instance_type) => 0.0,
        Compute::Ec2 { instance_type, .. } if is_amd(instance_type) => prices::GRAVITON_VS_AMD,
        Compute::Ec2 { .. } => prices::GRAVITON_VS_INTEL,
        Compute::Managed { class } if is_graviton(class) => 0.0,
        Compute::Managed { .. } => prices::GRAVITON_MANAGED,
        Compute::Lambda { arm } | Compute::Fargate { arm } => {
            if *arm {
                0.0
            } else {
                prices::GRAVITON_SERVERLESS
            }
        }
    }
}

/// True when this compute counts toward the Graviton KPI.
pub fn graviton_eligible(compute: &Compute) -> bool {
    match compute {
        Compute::Ec2 { instance_type, .. } => has_graviton_equivalent(instance_type),
        Compute::Managed { .. } | Compute::Lambda { .. } | Compute::Fargate { .. } => true,
    }
}

/// True when this compute already runs on Graviton.
pub fn runs_on_graviton(compute: &Compute) -> bool {
    match compute {
        Compute::Ec2 { instance_type, .. } => is_graviton(instance_type),
        Compute::Managed { class } => is_graviton(class),
        Compute::Lambda { arm } | Compute::Fargate { arm } => *arm,
    }
}

/// EBS volume storage: `gp2`, `gp3`, `io1` … (`EBS:VolumeUsage` alone is magnetic).
pub fn ebs_volume_type(usage_type: &str) -> Option<&str> {
    let base = base_usage_type(usage_type);
    let rest = base.strip_prefix("EBS:VolumeUsage")?;
    Some(rest.strip_prefix('.').unwrap_or("standard"))
}

/// True for EBS snapshot storage.
pub fn is_snapshot(usage_type: &str) -> bool {
    base_usage_type(usage_type).starts_with("EBS:Snapshot")
}

/// The S3 storage class of a storage usage type: `STANDARD` for `TimedStorage-ByteHrs`,
/// else the class code (`SIA`, `INT-FA`, `GlacierByteHrs` → `GLACIER` …).
pub fn s3_storage_class(usage_type: &str) -> Option<String> {
    let base = base_usage_type(usage_type);
    let rest = base.strip_prefix("TimedStorage-")?;
    if rest == "ByteHrs" {
        return Some("STANDARD".into());
    }
    let class = rest
        .strip_suffix("-ByteHrs")
        .or_else(|| rest.strip_suffix("ByteHrs"))?;
    Some(class.to_ascii_uppercase())
}

/// Public IPv4 address hours: `Some(true)` when idle.
pub fn public_ipv4_idle(usage_type: &str) -> Option<bool> {
    match base_usage_type(usage_type) {
        "PublicIPv4:IdleAddress" => Some(true),
        "PublicIPv4:InUseAddress" => Some(false),
        _ => None,
    }
}

/// True for NAT gateway hours or bytes.
pub fn is_nat_gateway(usage_type: &str) -> bool {
    base_usage_type(usage_type).starts_with("NatGateway-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_types_are_classified() {
        assert_eq!(
            base_usage_type("USW2-BoxUsage:m5.large"),
            "BoxUsage:m5.large"
        );
        assert_eq!(
            base_usage_type("Lambda-GB-Second-ARM"),
            "Lambda-GB-Second-ARM"
        );
        assert_eq!(
            compute("SpotUsage:c5.large"),
            Some(Compute::Ec2 {
                instance_type: "c5.large".into(),
                spot: true
            })
        );
        assert_eq!(
            compute("InstanceUsage:db.r6g.large"),
            Some(Compute::Managed {
                class: "db.r6g.large".into()
            })
        );
        assert_eq!(
            compute("USE1-NodeUsage:cache.m5.large"),
            Some(Compute::Managed {
                class: "cache.m5.large".into()
            })
        );
        assert_eq!(
            compute("Lambda-GB-Second-ARM"),
            Some(Compute::Lambda { arm: true })
        );
        assert_eq!(compute("Request"), None);
        for graviton in [
            "m7g.large",
            "c6gn.xlarge",
            "t4g.micro",
            "x2gd.large",
            "db.r6g.large",
        ] {
            assert!(is_graviton(graviton), "{graviton}");
        }
        for x86 in [
            "m5.large",
            "m6i.large",
            "m5zn.large",
            "c5n.large",
            "m5a.large",
        ] {
            assert!(!is_graviton(x86), "{x86}");
        }
        assert!(is_amd("m5a.large"));
        assert!(is_previous_generation("m4.xlarge"));
        assert!(is_previous_generation("t2.micro"));
        assert!(!is_previous_generation("m5.large"));
        assert!(!has_graviton_equivalent("p4d.24xlarge"));
        assert_eq!(ebs_volume_type("EBS:VolumeUsage.gp2"), Some("gp2"));
        assert_eq!(ebs_volume_type("USW2-EBS:VolumeUsage.gp3"), Some("gp3"));
        assert_eq!(
            s3_storage_class("TimedStorage-ByteHrs").as_deref(),
            Some("STANDARD")
        );
        assert_eq!(
            s3_storage_class("TimedStorage-GlacierByteHrs").as_deref(),
            Some("GLACIER")
        );
        assert_eq!(
            s3_storage_class("TimedStorage-INT-FA-ByteHrs").as_deref(),
            Some("INT-FA")
        );
        assert_eq!(public_ipv4_idle("USE1-PublicIPv4:IdleAddress"), Some(true));
    }
}

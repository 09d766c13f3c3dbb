//! Storage, networking, serverless, database and GenAI lines.

use costscope_core::cur::line_item_type as lit;

use super::template::{Region, Template, Usage, sku, trim};

/// EBS volume storage (`gp2` or `gp3`).
pub(crate) fn ebs_volume(region: Region, volume_type: &str) -> Template {
    let (rate, name) = match volume_type {
        "gp2" => (0.10, "General Purpose SSD (gp2)"),
        _ => (0.08, "General Purpose SSD (gp3)"),
    };
    let mut t = Usage {
        product_code: "AmazonEC2",
        servicecode: "AmazonEC2",
        product_name: "Amazon Elastic Compute Cloud",
        family: "Storage",
        region,
        usage_type: region.usage_type(&format!("EBS:VolumeUsage.{volume_type}"), false),
        operation: if volume_type == "gp2" {
            "CreateVolume-Gp2"
        } else {
            "CreateVolume-Gp3"
        },
        unit: "GB-Mo",
        rate,
        description: format!(
            "${} per GB-month of {name} provisioned storage - {}",
            trim(rate),
            region.description_name
        ),
    }
    .template();
    t.product_attr("volume_api_name", volume_type)
        .product_attr("volume_type", "General Purpose")
        .product_attr("storage_media", "SSD-backed");
    t
}

/// EBS snapshot storage.
pub(crate) fn ebs_snapshot(region: Region) -> Template {
    let mut t = Usage {
        product_code: "AmazonEC2",
        servicecode: "AmazonEC2",
        product_name: "Amazon Elastic Compute Cloud",
        family: "Storage Snapshot",
        region,
        usage_type: region.usage_type("EBS:SnapshotUsage", false),
        operation: "CreateSnapshot",
        unit: "GB-Mo",
        rate: 0.05,
        description: format!(
            "$0.05 per GB-Month of snapshot data stored - {}",
            region.description_name
        ),
    }
    .template();
    t.product_attr("storage_media", "Amazon S3");
    t
}

/// NAT Gateway hours (`hours = true`) or data processed.
pub(crate) fn nat_gateway(region: Region, hours: bool) -> Template {
    let (base, unit, description) = if hours {
        ("NatGateway-Hours", "Hrs", "$0.045 per NAT Gateway Hour")
    } else {
        (
            "NatGateway-Bytes",
            "GB",
            "$0.045 per GB Data Processed by NAT Gateways",
        )
    };
    let mut t = Usage {
        product_code: "AmazonEC2",
        servicecode: "AmazonEC2",
        product_name: "Amazon Elastic Compute Cloud",
        family: "NAT Gateway",
        region,
        usage_type: region.usage_type(base, false),
        operation: "NatGateway",
        unit,
        rate: 0.045,
        description: description.to_string(),
    }
    .template();
    t.product_attr(
        "group",
        if hours {
            "NGW:NatGateway"
        } else {
            "NGW:NatGateway-Bytes"
        },
    );
    t
}

/// Inter-AZ data transfer in one direction (`outbound` = `InterZone-Out`).
pub(crate) fn inter_az_transfer(region: Region, outbound: bool) -> Template {
    let mut t = Usage {
        product_code: "AmazonEC2",
        servicecode: "AWSDataTransfer",
        product_name: "AWS Data Transfer",
        family: "Data Transfer",
        region,
        usage_type: region.usage_type("DataTransfer-Regional-Bytes", false),
        operation: if outbound { "InterZone-Out" } else { "InterZone-In" },
        unit: "GB",
        rate: 0.01,
        description: "$0.010 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB"
            .to_string(),
    }
    .template();
    t.set("product_from_location", region.location)
        .set("product_from_location_type", "AWS Region")
        .set("product_from_region_code", region.code)
        .set("product_to_location", region.location)
        .set("product_to_location_type", "AWS Region")
        .set("product_to_region_code", region.code);
    t.product_attr("transfer_type", "IntraRegion");
    t
}

/// A public IPv4 address hour, in use or idle.
pub(crate) fn public_ipv4(region: Region, in_use: bool) -> Template {
    let (base, operation, what) = if in_use {
        ("PublicIPv4:InUseAddress", "AssociateAddressVPC", "In-use")
    } else {
        ("PublicIPv4:IdleAddress", "IdleAddress", "Idle")
    };
    let mut t = Usage {
        product_code: "AmazonVPC",
        servicecode: "AmazonVPC",
        product_name: "Amazon Virtual Private Cloud",
        family: "VPC Public IPv4 Address",
        region,
        usage_type: region.usage_type(base, true),
        operation,
        unit: "Hrs",
        rate: 0.005,
        description: format!("$0.005 per {what} public IPv4 address per hour"),
    }
    .template();
    t.product_attr("group", "VPCPublicIPv4Address");
    t
}

/// Application Load Balancer hours (`hours = true`) or LCU-hours.
pub(crate) fn load_balancer(region: Region, hours: bool) -> Template {
    let (base, unit, rate, description) = if hours {
        (
            "LoadBalancerUsage",
            "Hrs",
            0.0225,
            "$0.0225 per Application LoadBalancer-hour (or partial hour)",
        )
    } else {
        (
            "LCUUsage",
            "LCU-Hrs",
            0.008,
            "$0.008 per used Application load balancer capacity unit-hour (or partial hour)",
        )
    };
    Usage {
        product_code: "AWSELB",
        servicecode: "AWSELB",
        product_name: "Elastic Load Balancing",
        family: "Load Balancer-Application",
        region,
        usage_type: region.usage_type(base, false),
        operation: "LoadBalancing:Application",
        unit,
        rate,
        description: description.to_string(),
    }
    .template()
}

/// Lambda requests (`requests = true`) or duration, on x86 or Graviton (`arm`).
pub(crate) fn lambda(region: Region, requests: bool, arm: bool) -> Template {
    let suffix = if arm { "-ARM" } else { "" };
    let (base, unit, rate, group, what) = if requests {
        (
            "Request",
            "Requests",
            0.000_000_2,
            "AWS-Lambda-Requests",
            "Total Requests",
        )
    } else if arm {
        (
            "Lambda-GB-Second",
            "Lambda-GB-Second",
            0.000_013_333_4,
            "AWS-Lambda-Duration",
            "Total Compute",
        )
    } else {
        (
            "Lambda-GB-Second",
            "Lambda-GB-Second",
            0.000_016_666_7,
            "AWS-Lambda-Duration",
            "Total Compute",
        )
    };
    let mut t = Usage {
        product_code: "AWSLambda",
        servicecode: "AWSLambda",
        product_name: "AWS Lambda",
        family: "Serverless",
        region,
        usage_type: region.usage_type(&format!("{base}{suffix}"), false),
        operation: "Invoke",
        unit,
        rate,
        description: format!("AWS Lambda - {what}{suffix} - {}", region.description_name),
    }
    .template();
    t.product_attr("group", format!("{group}{suffix}"));
    t
}

/// S3 storage classes the organisation uses: (usage-type part, operation, rate, class name).
pub(crate) const S3_STORAGE_CLASSES: &[(&str, &str, f64, &str)] = &[
    ("TimedStorage-ByteHrs", "StandardStorage", 0.023, "Standard"),
    (
        "TimedStorage-SIA-ByteHrs",
        "StandardIAStorage",
        0.0125,
        "Standard - Infrequent Access",
    ),
    (
        "TimedStorage-INT-FA-ByteHrs",
        "IntelligentTieringFAStorage",
        0.023,
        "Intelligent-Tiering Frequent Access",
    ),
    (
        "TimedStorage-GlacierByteHrs",
        "GlacierStorage",
        0.0036,
        "Amazon Glacier",
    ),
    (
        "TimedStorage-GDA-ByteHrs",
        "DeepArchiveStorage",
        0.00099,
        "Glacier Deep Archive",
    ),
];

/// S3 storage in one class (an entry of [`S3_STORAGE_CLASSES`]).
pub(crate) fn s3_storage(region: Region, class: usize) -> Template {
    let (base, operation, rate, name) = S3_STORAGE_CLASSES[class % S3_STORAGE_CLASSES.len()];
    let mut t = Usage {
        product_code: "AmazonS3",
        servicecode: "AmazonS3",
        product_name: "Amazon Simple Storage Service",
        family: "Storage",
        region,
        usage_type: region.usage_type(base, false),
        operation,
        unit: "GB-Mo",
        rate,
        description: format!("${} per GB-Mo of {name} storage", trim(rate)),
    }
    .template();
    t.product_attr("storage_class", name)
        .product_attr("volume_type", name);
    t
}

/// S3 requests: tier 1 (PUT, COPY, POST, LIST) or tier 2 (GET and others).
pub(crate) fn s3_requests(region: Region, tier1: bool) -> Template {
    let (base, operation, rate, what) = if tier1 {
        (
            "Requests-Tier1",
            "PutObject",
            0.000_005,
            "$0.005 per 1,000 PUT, COPY, POST, or LIST requests",
        )
    } else {
        (
            "Requests-Tier2",
            "GetObject",
            0.000_000_4,
            "$0.0004 per 1,000 GET and all other requests",
        )
    };
    Usage {
        product_code: "AmazonS3",
        servicecode: "AmazonS3",
        product_name: "Amazon Simple Storage Service",
        family: "API Request",
        region,
        usage_type: region.usage_type(base, false),
        operation,
        unit: "Requests",
        rate,
        description: what.to_string(),
    }
    .template()
}

/// Aurora PostgreSQL: an instance hour (`db.r6g.large`), storage or I/O.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuroraLine {
    Instance,
    Storage,
    Io,
}

/// An Aurora PostgreSQL line.
pub(crate) fn aurora(region: Region, line: AuroraLine) -> Template {
    let (base, family, unit, rate, description) = match line {
        AuroraLine::Instance => (
            "InstanceUsage:db.r6g.large",
            "Database Instance",
            "Hrs",
            0.26,
            "$0.26 per RDS db.r6g.large instance hour (or partial hour) running Aurora PostgreSQL"
                .to_string(),
        ),
        AuroraLine::Storage => (
            "Aurora:StorageUsage",
            "Database Storage",
            "GB-Mo",
            0.10,
            "$0.10 per GB-month of Aurora storage".to_string(),
        ),
        AuroraLine::Io => (
            "Aurora:StorageIOUsage",
            "System Operation",
            "IOs",
            0.000_000_2,
            "$0.20 per 1 million I/O requests".to_string(),
        ),
    };
    let mut t = Usage {
        product_code: "AmazonRDS",
        servicecode: "AmazonRDS",
        product_name: "Amazon Relational Database Service",
        family,
        region,
        usage_type: region.usage_type(base, false),
        operation: "CreateDBInstance:0021",
        unit,
        rate,
        description,
    }
    .template();
    t.product_attr("database_engine", "Aurora PostgreSQL");
    if line == AuroraLine::Instance {
        t.set("product_instance_type", "db.r6g.large")
            .set("product_instance_family", "Memory optimized");
        t.doubles.push(("line_item_normalization_factor", 4.0));
        t.product_attr("instance_type", "db.r6g.large")
            .product_attr("deployment_option", "Single-AZ")
            .product_attr("physical_processor", "AWS Graviton2");
    }
    t
}

/// A Bedrock model billed by AWS, priced per 1M tokens on the regional endpoint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BedrockModel {
    /// Name inside the usage type, e.g. `Claude4.6Sonnet`.
    pub usage_name: &'static str,
    pub display_name: &'static str,
    pub provider: &'static str,
    pub input_per_million: f64,
    pub output_per_million: f64,
}

pub(crate) const CLAUDE_SONNET: BedrockModel = BedrockModel {
    usage_name: "Claude4.6Sonnet",
    display_name: "Claude Sonnet 4.6",
    provider: "Anthropic",
    input_per_million: 3.30,
    output_per_million: 16.50,
};

pub(crate) const CLAUDE_HAIKU: BedrockModel = BedrockModel {
    usage_name: "Claude4.5Haiku",
    display_name: "Claude Haiku 4.5",
    provider: "Anthropic",
    input_per_million: 1.10,
    output_per_million: 5.50,
};

pub(crate) const NOVA_LITE: BedrockModel = BedrockModel {
    usage_name: "NovaLite",
    display_name: "Amazon Nova Lite",
    provider: "Amazon",
    input_per_million: 0.06,
    output_per_million: 0.24,
};

pub(crate) const NOVA_PRO: BedrockModel = BedrockModel {
    usage_name: "NovaPro",
    display_name: "Amazon Nova Pro",
    provider: "Amazon",
    input_per_million: 0.80,
    output_per_million: 3.20,
};

/// Which tokens a Bedrock line counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Input,
    Output,
    CacheRead,
}

/// A first/second-party Bedrock token line (usage in 1K tokens).
pub(crate) fn bedrock(region: Region, model: BedrockModel, kind: TokenKind) -> Template {
    let (suffix, per_million, what) = match kind {
        TokenKind::Input => ("input-tokens", model.input_per_million, "input tokens"),
        TokenKind::Output => ("output-tokens", model.output_per_million, "output tokens"),
        TokenKind::CacheRead => (
            "cache-read-input-token-count",
            model.input_per_million * 0.1,
            "cache read input tokens",
        ),
    };
    let rate = per_million / 1000.0;
    let mut t = Usage {
        product_code: "AmazonBedrock",
        servicecode: "AmazonBedrock",
        product_name: "Amazon Bedrock",
        family: "Amazon Bedrock",
        region,
        usage_type: region.usage_type(&format!("{}-{suffix}", model.usage_name), true),
        operation: "InvokeModelInference",
        unit: "1K tokens",
        rate,
        description: format!(
            "${} per 1K {what} for {} in {}",
            trim(rate),
            model.display_name,
            region.location
        ),
    }
    .template();
    t.product_attr("model", model.display_name)
        .product_attr("provider", model.provider)
        .product_attr("inference_type", what);
    t
}

/// Product code of the Marketplace listing of the third-party Bedrock model.
pub(crate) const NEMOTRON_PRODUCT_CODE: &str = "c4n7f2xq8m1nemotr0nsup3rb";
/// Product name of the Marketplace listing.
pub(crate) const NEMOTRON_PRODUCT_NAME: &str = "Llama Nemotron Super (Amazon Bedrock Edition)";

/// A Marketplace-billed third-party Bedrock model line (usage in millions of tokens).
pub(crate) fn marketplace_model(region: Region, output: bool) -> Template {
    let (token, rate, what) = if output {
        ("OutputTokenCount", 0.40, "Million Output Tokens")
    } else {
        ("InputTokenCount", 0.10, "Million Input Tokens")
    };
    let mut t = Template::new(lit::USAGE, NEMOTRON_PRODUCT_CODE);
    let usage_type = format!("{p}-MP:{p}_{token}-Units", p = region.prefix);
    t.set("bill_billing_entity", "AWS Marketplace")
        .set("line_item_legal_entity", "NVIDIA Corporation")
        .set("line_item_usage_type", &usage_type)
        .set("line_item_operation", "Usage")
        .set(
            "line_item_line_item_description",
            format!("AWS Marketplace software usage|{}|{what}", region.code),
        )
        .set("pricing_currency", "USD")
        .set("pricing_unit", "Units")
        .set("pricing_term", "OnDemand")
        .set("product_region_code", region.code)
        .set("product_location", region.location)
        .set("product_location_type", "AWS Region")
        .set("product_usagetype", &usage_type)
        .set("product_operation", "Usage")
        .set("product_sku", sku(&[NEMOTRON_PRODUCT_CODE, &usage_type]));
    t.product_attr("product_name", NEMOTRON_PRODUCT_NAME)
        .product_attr("region", region.code);
    t.rate(rate).public_rate(rate);
    t
}

//! The price list of the synthetic organisation: one [`Template`] per kind of CUR line
//! (service, usage type, line-item type, rate), with every column AWS fills for it.
//!
//! Prices are the public us-east-1 list prices of FORMATS §4; usage types follow FORMATS §3
//! (no region prefix in us-east-1 for the older services, `USE1-` for Public IPv4, Bedrock and
//! Marketplace, and a prefix everywhere else).

use costscope_core::cur::line_item_type as lit;

use super::traffic::mix64;

/// The payer (management) account.
pub(crate) const PAYER_ACCOUNT_ID: &str = "111111111111";
/// Name of the payer account.
pub(crate) const PAYER_ACCOUNT_NAME: &str = "Costscope Payer";
/// Legal entity and invoicing entity for AWS-billed lines.
const AWS_ENTITY: &str = "Amazon Web Services, Inc.";

/// A region with the names CUR uses for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region {
    pub code: &'static str,
    /// Billing prefix of usage types, e.g. `USE1`.
    pub prefix: &'static str,
    /// `product_location`.
    pub location: &'static str,
    /// The long form used in line-item descriptions.
    pub description_name: &'static str,
}

pub(crate) const US_EAST_1: Region = Region {
    code: "us-east-1",
    prefix: "USE1",
    location: "US East (N. Virginia)",
    description_name: "US East (Northern Virginia)",
};

pub(crate) const US_WEST_2: Region = Region {
    code: "us-west-2",
    prefix: "USW2",
    location: "US West (Oregon)",
    description_name: "US West (Oregon)",
};

impl Region {
    /// The usage type as AWS writes it here. Older services omit the prefix in us-east-1.
    pub fn usage_type(&self, base: &str, always_prefixed: bool) -> String {
        if *self == US_EAST_1 && !always_prefixed {
            base.to_string()
        } else {
            format!("{}-{base}", self.prefix)
        }
    }
}

/// Everything constant about one kind of CUR line. Columns are named as in
/// [`costscope_core::cur::COLUMNS`]; any column a template does not set is NULL.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    pub line_item_type: &'static str,
    pub product_code: String,
    /// Unblended cost per unit of usage.
    pub rate: f64,
    /// Public on-demand cost per unit of usage.
    pub public_rate: f64,
    /// Flat string columns.
    pub strings: Vec<(&'static str, String)>,
    /// Constant double columns.
    pub doubles: Vec<(&'static str, f64)>,
    /// The `product` map (snake_case keys).
    pub product: Vec<(&'static str, String)>,
}

impl Template {
    fn new(line_item_type: &'static str, product_code: &str) -> Self {
        let mut t = Template {
            line_item_type,
            product_code: product_code.to_string(),
            rate: 0.0,
            public_rate: 0.0,
            strings: Vec::new(),
            doubles: Vec::new(),
            product: Vec::new(),
        };
        t.set("bill_bill_type", "Anniversary");
        t.set("bill_billing_entity", "AWS");
        t.set("bill_invoicing_entity", AWS_ENTITY);
        t.set("bill_payer_account_id", PAYER_ACCOUNT_ID);
        t.set("bill_payer_account_name", PAYER_ACCOUNT_NAME);
        t.set("line_item_currency_code", "USD");
        t.set("line_item_legal_entity", AWS_ENTITY);
        t.set("line_item_line_item_type", line_item_type);
        t.set("line_item_product_code", product_code);
        t
    }

    /// Sets (or replaces) a string column.
    pub fn set(&mut self, column: &'static str, value: impl Into<String>) -> &mut Self {
        let value = value.into();
        match self.strings.iter_mut().find(|(c, _)| *c == column) {
            Some(slot) => slot.1 = value,
            None => self.strings.push((column, value)),
        }
        self
    }

    /// The value of a string column, if set.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.strings
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, v)| v.as_str())
    }

    /// Whether the line carries a reservation ARN (an RI upfront `Fee` has one).
    pub fn has_reservation_arn(&self) -> bool {
        self.get("reservation_reservation_a_r_n")
            .is_some_and(|a| !a.is_empty())
    }

    fn product_attr(&mut self, key: &'static str, value: impl Into<String>) -> &mut Self {
        self.product.push((key, value.into()));
        self
    }

    /// Sets the unblended rate (and the blended one, equal in a single-payer organisation).
    fn rate(&mut self, rate: f64) -> &mut Self {
        self.rate = rate;
        self.set("line_item_unblended_rate", rate_text(rate));
        self.set("line_item_blended_rate", rate_text(rate));
        self
    }

    /// Sets the public on-demand rate.
    fn public_rate(&mut self, rate: f64) -> &mut Self {
        self.public_rate = rate;
        self.set("pricing_public_on_demand_rate", rate_text(rate));
        self
    }
}

/// A rate as CUR writes it: a decimal string with ten fractional digits.
pub(crate) fn rate_text(rate: f64) -> String {
    format!("{rate:.10}")
}

/// A priced usage line: the fields every service template fills the same way.
struct Usage<'a> {
    product_code: &'a str,
    servicecode: &'a str,
    product_name: &'a str,
    family: &'a str,
    region: Region,
    usage_type: String,
    operation: &'a str,
    unit: &'a str,
    rate: f64,
    description: String,
}

impl Usage<'_> {
    fn template(self) -> Template {
        let mut t = Template::new(lit::USAGE, self.product_code);
        let sku = sku(&[self.product_code, &self.usage_type, self.operation]);
        t.set("line_item_usage_type", &self.usage_type)
            .set("line_item_line_item_description", self.description)
            .set("pricing_currency", "USD")
            .set("pricing_unit", self.unit)
            .set("pricing_term", "OnDemand")
            .set("pricing_rate_code", format!("{sku}.JRTCKXETXF.6YS6EN2CT7"))
            .set(
                "pricing_rate_id",
                format!(
                    "{}",
                    mix64(sku_hash(&sku)) % 90_000_000_000 + 10_000_000_000
                ),
            )
            .set("product_location", self.region.location)
            .set("product_location_type", "AWS Region")
            .set("product_pricing_unit", self.unit)
            .set("product_product_family", self.family)
            .set("product_region_code", self.region.code)
            .set("product_servicecode", self.servicecode)
            .set("product_sku", &sku)
            .set("product_usagetype", &self.usage_type);
        if !self.operation.is_empty() {
            t.set("line_item_operation", self.operation)
                .set("product_operation", self.operation);
        }
        t.product_attr("product_name", self.product_name)
            .product_attr("region", self.region.code);
        t.rate(self.rate).public_rate(self.rate);
        t
    }
}

fn sku_hash(text: &str) -> u64 {
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    })
}

/// A stable 14-character product SKU for a usage line.
fn sku(parts: &[&str]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut h = mix64(sku_hash(&parts.join("|")));
    (0..14)
        .map(|_| {
            let c = ALPHABET[(h & 31) as usize] as char;
            h = mix64(h);
            c
        })
        .collect()
}

/// Public facts about an EC2 instance type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InstanceType {
    pub name: &'static str,
    pub hourly: f64,
    pub vcpu: u32,
    pub memory_gib: u32,
    pub family: &'static str,
    pub processor: &'static str,
    pub current_generation: bool,
}

impl InstanceType {
    /// Size-based normalization factor (large = 4).
    pub fn normalization_factor(&self) -> f64 {
        match self.name.rsplit('.').next().unwrap_or_default() {
            "nano" => 0.25,
            "micro" => 0.5,
            "small" => 1.0,
            "medium" => 2.0,
            "large" => 4.0,
            "xlarge" => 8.0,
            "2xlarge" => 16.0,
            _ => 32.0,
        }
    }
}

const fn instance(
    name: &'static str,
    hourly: f64,
    vcpu: u32,
    memory_gib: u32,
    family: &'static str,
    processor: &'static str,
    current_generation: bool,
) -> InstanceType {
    InstanceType {
        name,
        hourly,
        vcpu,
        memory_gib,
        family,
        processor,
        current_generation,
    }
}

const GENERAL: &str = "General purpose";
const COMPUTE: &str = "Compute optimized";

/// The EC2 instance types the organisation runs, with us-east-1 Linux on-demand prices.
pub(crate) const INSTANCE_TYPES: &[InstanceType] = &[
    instance(
        "t2.micro",
        0.0116,
        1,
        1,
        GENERAL,
        "Intel Xeon Family",
        false,
    ),
    instance(
        "t2.medium",
        0.0464,
        2,
        4,
        GENERAL,
        "Intel Xeon Family",
        false,
    ),
    instance(
        "m4.large",
        0.10,
        2,
        8,
        GENERAL,
        "Intel Xeon E5-2676 v3 (Haswell)",
        false,
    ),
    instance(
        "m4.xlarge",
        0.20,
        4,
        16,
        GENERAL,
        "Intel Xeon E5-2676 v3 (Haswell)",
        false,
    ),
    instance(
        "t3.medium",
        0.0416,
        2,
        4,
        GENERAL,
        "Intel Skylake E5 2686 v5",
        true,
    ),
    instance(
        "m5.large",
        0.096,
        2,
        8,
        GENERAL,
        "Intel Xeon Platinum 8175",
        true,
    ),
    instance(
        "m5.xlarge",
        0.192,
        4,
        16,
        GENERAL,
        "Intel Xeon Platinum 8175",
        true,
    ),
    instance(
        "m6i.large",
        0.096,
        2,
        8,
        GENERAL,
        "Intel Xeon 8375C (Ice Lake)",
        true,
    ),
    instance(
        "m6i.xlarge",
        0.192,
        4,
        16,
        GENERAL,
        "Intel Xeon 8375C (Ice Lake)",
        true,
    ),
    instance(
        "c5.large",
        0.085,
        2,
        4,
        COMPUTE,
        "Intel Xeon Platinum 8124M",
        true,
    ),
    instance(
        "c5.xlarge",
        0.17,
        4,
        8,
        COMPUTE,
        "Intel Xeon Platinum 8124M",
        true,
    ),
    instance(
        "m6g.large",
        0.077,
        2,
        8,
        GENERAL,
        "AWS Graviton2 Processor",
        true,
    ),
    instance(
        "m6g.xlarge",
        0.154,
        4,
        16,
        GENERAL,
        "AWS Graviton2 Processor",
        true,
    ),
    instance(
        "m7g.large",
        0.0816,
        2,
        8,
        GENERAL,
        "AWS Graviton3 Processor",
        true,
    ),
    instance(
        "m7g.xlarge",
        0.1632,
        4,
        16,
        GENERAL,
        "AWS Graviton3 Processor",
        true,
    ),
];

/// Looks an instance type up by name.
pub(crate) fn instance_type(name: &str) -> InstanceType {
    INSTANCE_TYPES
        .iter()
        .copied()
        .find(|i| i.name == name)
        .unwrap_or(INSTANCE_TYPES[5])
}

/// How an EC2 instance hour is bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purchase {
    OnDemand,
    Spot,
}

/// Spot price as a fraction of on-demand.
const SPOT_DISCOUNT: f64 = 0.35;

/// An EC2 Linux instance hour, on-demand or Spot.
pub(crate) fn ec2_instance(region: Region, it: InstanceType, purchase: Purchase) -> Template {
    let (prefix, operation, rate, description) = match purchase {
        Purchase::OnDemand => (
            "BoxUsage",
            "RunInstances",
            it.hourly,
            format!(
                "${} per On Demand Linux {} Instance Hour",
                trim(it.hourly),
                it.name
            ),
        ),
        Purchase::Spot => {
            let rate = (it.hourly * SPOT_DISCOUNT * 10_000.0).round() / 10_000.0;
            (
                "SpotUsage",
                "RunInstances:SV001",
                rate,
                format!(
                    "${} per Linux/UNIX (Amazon VPC), {} spot instance-hour",
                    trim(rate),
                    it.name
                ),
            )
        }
    };
    let mut t = Usage {
        product_code: "AmazonEC2",
        servicecode: "AmazonEC2",
        product_name: "Amazon Elastic Compute Cloud",
        family: "Compute Instance",
        region,
        usage_type: region.usage_type(&format!("{prefix}:{}", it.name), false),
        operation,
        unit: "Hrs",
        rate,
        description,
    }
    .template();
    t.public_rate(it.hourly);
    if purchase == Purchase::Spot {
        t.set("pricing_term", "Spot");
    }
    t.set("product_instance_type", it.name)
        .set("product_instance_family", it.family);
    t.doubles
        .push(("line_item_normalization_factor", it.normalization_factor()));
    t.product_attr("instance_type", it.name)
        .product_attr(
            "instance_type_family",
            it.name.split('.').next().unwrap_or_default(),
        )
        .product_attr("operating_system", "Linux")
        .product_attr("tenancy", "Shared")
        .product_attr("vcpu", it.vcpu.to_string())
        .product_attr("memory", format!("{} GiB", it.memory_gib))
        .product_attr("physical_processor", it.processor)
        .product_attr(
            "current_generation",
            if it.current_generation { "Yes" } else { "No" },
        );
    t
}

/// A Savings Plan as CUR names it.
#[derive(Debug, Clone)]
pub(crate) struct SavingsPlan {
    pub arn: String,
    pub start_time: String,
    pub end_time: String,
    /// Hourly commitment in USD.
    pub hourly_commitment: f64,
    /// Savings Plan rate as a fraction of the on-demand rate.
    pub rate_factor: f64,
}

/// Usage covered by a Compute Savings Plan: billed at on-demand, amortized at the SP rate.
pub(crate) fn savings_plan_covered(on_demand: &Template, plan: &SavingsPlan) -> Template {
    let mut t = on_demand.clone();
    t.line_item_type = lit::SAVINGS_PLAN_COVERED_USAGE;
    t.set("line_item_line_item_type", lit::SAVINGS_PLAN_COVERED_USAGE);
    savings_plan_columns(&mut t, plan);
    t
}

/// The line that negates the on-demand cost of covered usage.
pub(crate) fn savings_plan_negation(
    on_demand: &Template,
    plan: &SavingsPlan,
    account_id: &str,
) -> Template {
    let mut t = on_demand.clone();
    t.line_item_type = lit::SAVINGS_PLAN_NEGATION;
    t.set("line_item_line_item_type", lit::SAVINGS_PLAN_NEGATION);
    let sku = t.get("product_sku").unwrap_or_default().to_string();
    t.set(
        "line_item_line_item_description",
        format!("SavingsPlanNegation used by AccountId : {account_id} and UsageSku : {sku}"),
    );
    let rate = -on_demand.rate;
    t.rate(rate).public_rate(on_demand.public_rate);
    t.public_rate = 0.0;
    savings_plan_columns(&mut t, plan);
    t
}

fn savings_plan_columns(t: &mut Template, plan: &SavingsPlan) {
    t.set("savings_plan_savings_plan_a_r_n", &plan.arn)
        .set("savings_plan_start_time", &plan.start_time)
        .set("savings_plan_end_time", &plan.end_time)
        .set("savings_plan_offering_type", "ComputeSavingsPlans")
        .set("savings_plan_payment_option", "No Upfront")
        .set("savings_plan_purchase_term", "1yr");
}

/// The hourly recurring fee of a No Upfront Compute Savings Plan.
pub(crate) fn savings_plan_fee(plan: &SavingsPlan) -> Template {
    let mut t = Template::new(lit::SAVINGS_PLAN_RECURRING_FEE, "ComputeSavingsPlans");
    t.set("line_item_usage_type", "ComputeSP:1yrNoUpfront")
        .set(
            "line_item_line_item_description",
            format!(
                "1 year No Upfront Compute Savings Plan with ${} hourly commitment",
                trim(plan.hourly_commitment)
            ),
        )
        .set("pricing_unit", "Hrs")
        .set("pricing_term", "Savings Plan")
        .set("pricing_purchase_option", "No Upfront")
        .set("pricing_lease_contract_length", "1yr")
        .set("product_product_family", "Savings Plans")
        .set("product_servicecode", "ComputeSavingsPlans")
        .set("product_usagetype", "ComputeSP:1yrNoUpfront");
    t.product_attr("product_name", "Savings Plans for AWS Compute usage")
        .product_attr("purchase_term", "1yr")
        .product_attr("purchase_option", "No Upfront");
    savings_plan_columns(&mut t, plan);
    t.rate(plan.hourly_commitment);
    t
}

/// A Partial Upfront EC2 Reserved Instance as CUR names it.
#[derive(Debug, Clone)]
pub(crate) struct Reservation {
    pub arn: String,
    pub subscription_id: String,
    pub start_time: String,
    pub end_time: String,
    pub instance: InstanceType,
    pub units: u32,
    /// Upfront payment for all units.
    pub upfront: f64,
    /// Recurring fee per unit-hour.
    pub recurring_hourly: f64,
}

impl Reservation {
    /// Upfront fee amortized over one unit-hour of the one-year term.
    pub fn amortized_upfront_hourly(&self) -> f64 {
        self.upfront / f64::from(self.units) / 8760.0
    }
}

fn reservation_columns(t: &mut Template, ri: &Reservation) {
    t.set("pricing_term", "Reserved")
        .set("pricing_purchase_option", "Partial Upfront")
        .set("pricing_lease_contract_length", "1yr")
        .set("pricing_offering_class", "standard")
        .set("reservation_reservation_a_r_n", &ri.arn)
        .set("reservation_subscription_id", &ri.subscription_id)
        .set("reservation_start_time", &ri.start_time)
        .set("reservation_end_time", &ri.end_time)
        .set("reservation_number_of_reservations", "1")
        .set("reservation_units_per_reservation", ri.units.to_string())
        .set(
            "reservation_normalized_units_per_reservation",
            trim(ri.instance.normalization_factor() * f64::from(ri.units)),
        );
}

/// An instance hour covered by a Reserved Instance.
pub(crate) fn reserved_usage(on_demand: &Template, ri: &Reservation) -> Template {
    let mut t = on_demand.clone();
    t.line_item_type = lit::DISCOUNTED_USAGE;
    t.set("line_item_line_item_type", lit::DISCOUNTED_USAGE)
        .set(
            "line_item_line_item_description",
            format!(
                "Linux/UNIX (Amazon VPC), {} reserved instance applied",
                ri.instance.name
            ),
        );
    t.rate(0.0).public_rate(on_demand.public_rate);
    reservation_columns(&mut t, ri);
    t
}

/// The monthly recurring fee of a Reserved Instance.
pub(crate) fn reservation_fee(region: Region, ri: &Reservation) -> Template {
    let mut t = Template::new(lit::RI_FEE, "AmazonEC2");
    let usage_type = region.usage_type(&format!("HeavyUsage:{}", ri.instance.name), false);
    t.set("line_item_usage_type", &usage_type)
        .set("line_item_operation", "RunInstances")
        .set(
            "line_item_line_item_description",
            format!(
                "USD {} hourly fee per Linux/UNIX (Amazon VPC), {} instance",
                trim(ri.recurring_hourly),
                ri.instance.name
            ),
        )
        .set("pricing_unit", "Hrs")
        .set("product_instance_type", ri.instance.name)
        .set("product_product_family", "Compute Instance")
        .set("product_region_code", region.code)
        .set("product_location", region.location)
        .set("product_location_type", "AWS Region")
        .set("product_servicecode", "AmazonEC2")
        .set("product_usagetype", &usage_type);
    t.product_attr("product_name", "Amazon Elastic Compute Cloud")
        .product_attr("region", region.code)
        .product_attr("instance_type", ri.instance.name);
    reservation_columns(&mut t, ri);
    t.rate(ri.recurring_hourly);
    t
}

/// The one-time upfront payment of a Reserved Instance (a `Fee` with a reservation ARN).
pub(crate) fn reservation_upfront(region: Region, ri: &Reservation) -> Template {
    let mut t = reservation_fee(region, ri);
    t.line_item_type = lit::FEE;
    t.set("line_item_line_item_type", lit::FEE)
        .set("bill_bill_type", "Purchase")
        .set(
            "line_item_line_item_description",
            format!(
                "Sign up charge for subscription: {}, planId: 2491{}",
                ri.subscription_id,
                &ri.subscription_id[..3]
            ),
        );
    t.rate(ri.upfront);
    t
}

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

/// A monthly tax line for one product code.
pub(crate) fn tax(product_code: &str, marketplace: bool) -> Template {
    let mut t = Template::new(lit::TAX, product_code);
    t.set("line_item_usage_type", "Tax")
        .set("line_item_tax_type", "SalesTax")
        .set(
            "line_item_line_item_description",
            format!("Tax for product code {product_code}"),
        );
    if marketplace {
        t.set("bill_billing_entity", "AWS Marketplace")
            .set("line_item_legal_entity", "NVIDIA Corporation");
    }
    t
}

/// The monthly Business Support fee of an account.
pub(crate) fn support_business() -> Template {
    let mut t = Template::new(lit::FEE, "AWSSupportBusiness");
    t.set("line_item_usage_type", "Dollar")
        .set("line_item_line_item_description", "AWS Support (Business)")
        .set("product_servicecode", "AWSSupportBusiness")
        .set("product_product_family", "Support")
        .set("product_usagetype", "Dollar");
    t.product_attr("product_name", "AWS Support (Business)");
    t
}

/// A promotional credit applied to EC2.
pub(crate) fn credit() -> Template {
    let mut t = Template::new(lit::CREDIT, "AmazonEC2");
    t.set("line_item_usage_type", "").set(
        "line_item_line_item_description",
        "AWS Promotional Credit - Innovation Sandbox",
    );
    t
}

/// A refund for an EC2 service event.
pub(crate) fn refund() -> Template {
    let mut t = Template::new(lit::REFUND, "AmazonEC2");
    t.set("line_item_usage_type", "").set(
        "line_item_line_item_description",
        "Refund for service event in US East (N. Virginia)",
    );
    t
}

/// A price without trailing zeros, as AWS writes it in descriptions.
fn trim(value: f64) -> String {
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0');
    text.strip_suffix('.').unwrap_or(text).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use costscope_core::cur::{Kind, kind_of};

    #[test]
    fn templates_only_set_existing_string_columns() {
        let sp = SavingsPlan {
            arn: "arn:aws:savingsplans::444444444444:savingsplan/x".into(),
            start_time: "2026-01-01T00:00:00.000Z".into(),
            end_time: "2027-01-01T00:00:00.000Z".into(),
            hourly_commitment: 0.3,
            rate_factor: 0.72,
        };
        let ri = Reservation {
            arn: "arn:aws:ec2:us-east-1:666666666666:reserved-instances/r".into(),
            subscription_id: "1234567890".into(),
            start_time: sp.start_time.clone(),
            end_time: sp.end_time.clone(),
            instance: instance_type("c5.xlarge"),
            units: 3,
            upfront: 1341.0,
            recurring_hourly: 0.051,
        };
        let box_usage = ec2_instance(US_EAST_1, instance_type("m5.large"), Purchase::OnDemand);
        let all = [
            savings_plan_covered(&box_usage, &sp),
            savings_plan_negation(&box_usage, &sp, "555555555555"),
            savings_plan_fee(&sp),
            reserved_usage(&box_usage, &ri),
            reservation_fee(US_EAST_1, &ri),
            reservation_upfront(US_EAST_1, &ri),
            ec2_instance(US_WEST_2, instance_type("m7g.large"), Purchase::Spot),
            ebs_volume(US_EAST_1, "gp3"),
            ebs_snapshot(US_EAST_1),
            nat_gateway(US_EAST_1, false),
            inter_az_transfer(US_EAST_1, true),
            public_ipv4(US_EAST_1, false),
            load_balancer(US_EAST_1, false),
            lambda(US_EAST_1, false, true),
            s3_storage(US_EAST_1, 4),
            s3_requests(US_EAST_1, true),
            aurora(US_EAST_1, AuroraLine::Instance),
            bedrock(US_EAST_1, CLAUDE_SONNET, TokenKind::CacheRead),
            marketplace_model(US_EAST_1, true),
            tax("AmazonEC2", false),
            support_business(),
            credit(),
            refund(),
            box_usage,
        ];
        for t in &all {
            for (column, _) in &t.strings {
                assert_eq!(kind_of(column), Some(Kind::Str), "{column}");
            }
            for (column, _) in &t.doubles {
                assert_eq!(kind_of(column), Some(Kind::F64), "{column}");
            }
            assert_eq!(t.get("line_item_line_item_type"), Some(t.line_item_type));
        }
        assert!(all[5].has_reservation_arn());
        assert_eq!(
            all[0].get("line_item_usage_type"),
            Some("BoxUsage:m5.large")
        );
        assert_eq!(
            all[6].get("line_item_usage_type"),
            Some("USW2-SpotUsage:m7g.large")
        );
        assert_eq!(
            all[11].get("line_item_usage_type"),
            Some("USE1-PublicIPv4:IdleAddress")
        );
        assert_eq!(
            all[17].get("line_item_usage_type"),
            Some("USE1-Claude4.6Sonnet-cache-read-input-token-count")
        );
        assert_eq!(
            all[18].get("line_item_usage_type"),
            Some("USE1-MP:USE1_OutputTokenCount-Units")
        );
        assert_eq!(all[1].rate, -0.096);
        assert_eq!(trim(0.0960), "0.096");
        assert_eq!(rate_text(0.045), "0.0450000000");
    }
}

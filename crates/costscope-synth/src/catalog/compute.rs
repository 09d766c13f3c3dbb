//! EC2 instance hours and the commitments that discount them: Spot, Compute Savings Plans
//! and Reserved Instances.

use costscope_core::cur::line_item_type as lit;

use super::template::{Region, Template, Usage, trim};

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

/// The EC2 instance types the organisation runs, with us-east-1 Linux on-demand prices
/// (FORMATS §4; m4, t2, t3 and c5 from the public price list).
#[rustfmt::skip]
pub(crate) const INSTANCE_TYPES: &[InstanceType] = &[
    instance("t2.micro",   0.0116, 1,  1, GENERAL, "Intel Xeon Family", false),
    instance("t2.medium",  0.0464, 2,  4, GENERAL, "Intel Xeon Family", false),
    instance("m4.large",   0.10,   2,  8, GENERAL, "Intel Xeon E5-2676 v3 (Haswell)", false),
    instance("m4.xlarge",  0.20,   4, 16, GENERAL, "Intel Xeon E5-2676 v3 (Haswell)", false),
    instance("t3.medium",  0.0416, 2,  4, GENERAL, "Intel Skylake E5 2686 v5", true),
    instance("m5.large",   0.096,  2,  8, GENERAL, "Intel Xeon Platinum 8175", true),
    instance("m5.xlarge",  0.192,  4, 16, GENERAL, "Intel Xeon Platinum 8175", true),
    instance("m6i.large",  0.096,  2,  8, GENERAL, "Intel Xeon 8375C (Ice Lake)", true),
    instance("m6i.xlarge", 0.192,  4, 16, GENERAL, "Intel Xeon 8375C (Ice Lake)", true),
    instance("c5.large",   0.085,  2,  4, COMPUTE, "Intel Xeon Platinum 8124M", true),
    instance("c5.xlarge",  0.17,   4,  8, COMPUTE, "Intel Xeon Platinum 8124M", true),
    instance("m6g.large",  0.077,  2,  8, GENERAL, "AWS Graviton2 Processor", true),
    instance("m6g.xlarge", 0.154,  4, 16, GENERAL, "AWS Graviton2 Processor", true),
    instance("m7g.large",  0.0816, 2,  8, GENERAL, "AWS Graviton3 Processor", true),
    instance("m7g.xlarge", 0.1632, 4, 16, GENERAL, "AWS Graviton3 Processor", true),
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

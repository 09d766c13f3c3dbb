//! The price list of the synthetic organisation: one [`Template`] per kind of CUR line
//! (service, usage type, line-item type, rate), with every column AWS fills for it.
//!
//! Prices are the public us-east-1 list prices of FORMATS §4; usage types follow FORMATS §3
//! (no region prefix in us-east-1 for the older services, `USE1-` for Public IPv4, Bedrock and
//! Marketplace, and a prefix everywhere else).

mod compute;
mod services;

use costscope_core::cur::line_item_type as lit;

pub(crate) use compute::*;
pub(crate) use services::*;

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

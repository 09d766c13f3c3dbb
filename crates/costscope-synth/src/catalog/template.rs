//! The building blocks of the price list: the payer, regions, the [`Template`] of a CUR
//! line and the priced [`Usage`] line most service templates start from.

use costscope_core::cur::line_item_type as lit;

use crate::traffic::mix64;

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
    pub(super) fn new(line_item_type: &'static str, product_code: &str) -> Self {
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

    pub(super) fn product_attr(
        &mut self,
        key: &'static str,
        value: impl Into<String>,
    ) -> &mut Self {
        self.product.push((key, value.into()));
        self
    }

    /// Sets the unblended rate (and the blended one, equal in a single-payer organisation).
    pub(super) fn rate(&mut self, rate: f64) -> &mut Self {
        self.rate = rate;
        self.set("line_item_unblended_rate", rate_text(rate));
        self.set("line_item_blended_rate", rate_text(rate));
        self
    }

    /// Sets the public on-demand rate.
    pub(super) fn public_rate(&mut self, rate: f64) -> &mut Self {
        self.public_rate = rate;
        self.set("pricing_public_on_demand_rate", rate_text(rate));
        self
    }
}

/// A rate as CUR writes it: a decimal string with ten fractional digits.
pub(super) fn rate_text(rate: f64) -> String {
    format!("{rate:.10}")
}

/// A priced usage line: the fields every service template fills the same way.
pub(super) struct Usage<'a> {
    pub(super) product_code: &'a str,
    pub(super) servicecode: &'a str,
    pub(super) product_name: &'a str,
    pub(super) family: &'a str,
    pub(super) region: Region,
    pub(super) usage_type: String,
    pub(super) operation: &'a str,
    pub(super) unit: &'a str,
    pub(super) rate: f64,
    pub(super) description: String,
}

impl Usage<'_> {
    pub(super) fn template(self) -> Template {
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
pub(super) fn sku(parts: &[&str]) -> String {
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

/// A price without trailing zeros, as AWS writes it in descriptions.
pub(super) fn trim(value: f64) -> String {
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0');
    text.strip_suffix('.').unwrap_or(text).to_string()
}

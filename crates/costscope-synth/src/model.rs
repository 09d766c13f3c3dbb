//! The synthetic organisation as data: accounts, the owners of CUR lines (a resource or an
//! account), the meters that turn hours into usage, the periodic charges, and the network
//! interfaces that flow logs and the inventory describe.

use std::ops::Range;

use crate::catalog::{Region, Reservation, SavingsPlan, Template};
use crate::traffic::Curve;

/// A linked (member) account.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Account {
    pub id: &'static str,
    pub name: &'static str,
    /// Value of the `business_unit` cost category.
    pub business_unit: &'static str,
}

/// Resource tags in CUR 2.0 key form (`user_department`, ...), sorted by key.
pub(crate) type Tags = Vec<(&'static str, String)>;

/// Who a CUR line belongs to: a resource in an account, or the account itself.
#[derive(Debug, Clone)]
pub(crate) struct Owner {
    /// Index into [`Org::accounts`].
    pub account: usize,
    pub resource_id: Option<String>,
    pub availability_zone: Option<&'static str>,
    pub tags: Tags,
}

/// How often a meter reports usage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cadence {
    /// One line per hour.
    Hourly,
    /// One line per day, stamped with the day's first hour.
    Daily,
}

/// Which hours a meter is busy in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Schedule {
    Always,
    /// Weekdays, US office hours.
    BusinessHours,
}

/// How much a meter uses per line.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Quantity {
    /// Instance-hours, address-hours and the like.
    Fixed(f64),
    /// Provisioned storage of this many GB, billed in GB-months.
    StorageGb(f64),
    /// `factor ×` a curve of [`Org::curves`].
    Curve { curve: usize, factor: f64 },
    /// `factor ×` the sum of the curves `first..first + count`.
    CurveSum {
        first: usize,
        count: usize,
        factor: f64,
    },
}

/// How a meter's usage is paid for.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Billing {
    /// A `Usage` line at the template's rate.
    OnDemand,
    /// A `SavingsPlanCoveredUsage` line plus its `SavingsPlanNegation` (template index).
    SavingsPlan { plan: usize, negation: usize },
    /// The hourly `SavingsPlanRecurringFee` of a plan; must follow the plan's covered meters.
    SavingsPlanFee { plan: usize },
    /// A `DiscountedUsage` line applying a Reserved Instance.
    Reserved { reservation: usize },
}

/// A source of CUR lines: one resource's use of one priced item.
#[derive(Debug, Clone)]
pub(crate) struct Meter {
    /// Index into [`Org::templates`].
    pub template: usize,
    /// Index into [`Org::owners`].
    pub owner: usize,
    pub cadence: Cadence,
    pub schedule: Schedule,
    /// Hours (from the calendar start) in which the resource exists.
    pub active: Range<u32>,
    pub quantity: Quantity,
    pub billing: Billing,
}

impl Meter {
    /// Lines written per tick (covered usage also writes its negation).
    pub fn lines_per_tick(&self) -> u64 {
        match self.billing {
            Billing::SavingsPlan { .. } => 2,
            _ => 1,
        }
    }
}

/// A charge computed once per billing period from the period's totals.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PeriodCharge {
    /// Sales tax on one account's use of one product code.
    Tax {
        account: usize,
        product_code: usize,
        template: usize,
    },
    /// Business Support for one account.
    Support { account: usize, template: usize },
    /// The monthly recurring fee of a Reserved Instance bought by `account`.
    ReservationFee {
        account: usize,
        reservation: usize,
        template: usize,
    },
    /// The upfront payment of a Reserved Instance, in its first period.
    ReservationUpfront {
        account: usize,
        reservation: usize,
        template: usize,
        period: usize,
    },
    /// A promotional credit on one account's EC2 use.
    Credit {
        account: usize,
        template: usize,
        cap: f64,
    },
    /// A one-off refund in one period.
    Refund {
        account: usize,
        template: usize,
        period: usize,
        amount: f64,
    },
}

/// What kind of resource holds a network interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InterfaceKind {
    Instance,
    NatGateway,
    LoadBalancer,
}

impl InterfaceKind {
    /// The inventory's `resource_type`.
    pub fn resource_type(self) -> &'static str {
        match self {
            InterfaceKind::Instance => "instance",
            InterfaceKind::NatGateway => "nat_gateway",
            InterfaceKind::LoadBalancer => "load_balancer",
        }
    }
}

/// An elastic network interface and the resource behind it.
#[derive(Debug, Clone)]
pub(crate) struct Interface {
    pub eni_id: String,
    pub private_ip: String,
    pub kind: InterfaceKind,
    /// Instance id, NAT gateway id or load balancer ARN.
    pub resource_id: String,
    pub account: usize,
    pub region: Region,
    pub availability_zone: &'static str,
    pub az_id: &'static str,
    pub subnet_id: String,
    pub vpc_id: String,
    /// The NAT gateway's id when the interface belongs to one.
    pub nat_gateway_id: Option<String>,
    pub tags: Tags,
    /// Hours in which the interface exists.
    pub active: Range<u32>,
}

/// Traffic between two interfaces, logged by VPC Flow Logs.
#[derive(Debug, Clone)]
pub(crate) enum Flow {
    /// An instance sending to the internet through a NAT gateway; bytes per hour are
    /// `curve` GB out and `response_ratio ×` that back.
    ThroughNat {
        source: usize,
        nat: usize,
        curve: usize,
        response_ratio: f64,
        destination_ip: String,
    },
    /// Steady traffic between two interfaces of one VPC (`gb_per_hour` each hour).
    Internal {
        source: usize,
        destination: usize,
        port: u16,
        gb_per_hour: f64,
    },
    /// An interface that is up but idle: one NODATA record per hour.
    Idle { interface: usize },
}

/// An application whose daily business metrics are reported.
#[derive(Debug, Clone)]
pub(crate) struct App {
    pub name: &'static str,
    pub team: &'static str,
    /// Curve of Lambda requests per hour (index into [`Org::curves`]).
    pub invocations_curve: usize,
    /// Clicks per invocation.
    pub clicks_per_invocation: f64,
    /// Orders per click.
    pub orders_per_click: f64,
    /// Mean revenue per order in USD.
    pub revenue_per_order: f64,
}

/// The whole organisation: what the CUR, flow-log, inventory and metrics writers read.
#[derive(Debug)]
pub(crate) struct Org {
    pub accounts: Vec<Account>,
    pub templates: Vec<Template>,
    pub owners: Vec<Owner>,
    pub meters: Vec<Meter>,
    pub curves: Vec<Curve>,
    pub savings_plans: Vec<SavingsPlan>,
    pub reservations: Vec<Reservation>,
    /// Distinct product codes (the ledger and tax lines index them).
    pub product_codes: Vec<String>,
    pub period_charges: Vec<PeriodCharge>,
    pub interfaces: Vec<Interface>,
    pub flows: Vec<Flow>,
    pub apps: Vec<App>,
    /// The labelled incidents (anomalies a detector should find).
    pub labels: Vec<crate::ledger::IncidentLabel>,
}

impl Org {
    /// Index into [`Org::product_codes`] of a template's product code.
    pub fn template_product(&self, template: usize) -> usize {
        let code = &self.templates[template].product_code;
        self.product_codes
            .iter()
            .position(|c| c == code)
            .unwrap_or(0)
    }

    /// `(account, product code)` pairs with at least one meter active in `hours`.
    pub fn active_products(&self, hours: Range<u32>) -> std::collections::BTreeSet<(usize, usize)> {
        let mut seen = std::collections::BTreeSet::new();
        let mut products_by_template: Vec<Option<usize>> = vec![None; self.templates.len()];
        for meter in &self.meters {
            if meter.active.start < hours.end && hours.start < meter.active.end {
                let product = *products_by_template[meter.template]
                    .get_or_insert_with(|| self.template_product(meter.template));
                seen.insert((self.owners[meter.owner].account, product));
            }
        }
        seen
    }

    /// Accounts with at least one meter active in `hours`.
    pub fn active_accounts(&self, hours: Range<u32>) -> std::collections::BTreeSet<usize> {
        self.active_products(hours)
            .into_iter()
            .map(|(account, _)| account)
            .collect()
    }
}

//! Builds the synthetic organisation: a payer and eight linked accounts, their resources and
//! tags, the Savings Plan and Reserved Instance they bought, and the periodic charges. The
//! workloads themselves, including the three running examples, are in [`workloads`].
//!
//! Extra "replica" workloads (an instance and its volume each) scale the CUR to a requested
//! row count without touching the stories.

mod incidents;
mod planted;
mod workloads;

pub(crate) use planted::check as check_planted;

use std::collections::BTreeMap;
use std::ops::Range;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::calendar::{Calendar, HOUR_MS};
use crate::catalog::{self as cat, Purchase, Region, TokenKind, US_EAST_1, US_WEST_2};
use crate::model::*;
use crate::traffic::Curve;

/// The linked accounts, in the order the generator indexes them.
pub(crate) const ACCOUNTS: [Account; 8] = [
    account("222222222222", "App-Team-Prod", "Digital Products"),
    account("333333333333", "App-Team-Dev", "Digital Products"),
    account("444444444444", "Shared-Services", "Platform"),
    account("555555555555", "Sales-Prod", "Sales"),
    account("666666666666", "Data-Platform", "Data & Analytics"),
    account("777777777777", "Security", "Platform"),
    account("888888888888", "Sandbox", "Innovation"),
    account("999999999999", "Marketing-Web", "Marketing"),
];

const fn account(id: &'static str, name: &'static str, business_unit: &'static str) -> Account {
    Account {
        id,
        name,
        business_unit,
    }
}

const APP_PROD: usize = 0;
const APP_DEV: usize = 1;
const SHARED: usize = 2;
const SALES: usize = 3;
const DATA: usize = 4;
const SECURITY: usize = 5;
const SANDBOX: usize = 6;
const MARKETING: usize = 7;

/// Share of NAT-processed bytes that come back as responses.
pub(crate) const NAT_RESPONSE_RATIO: f64 = 0.2;

/// What changes the last period holds besides the running examples.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Changes<'a> {
    /// The labelled incidents of `incidents` (drift, spike, level shift, weekly pattern,
    /// new service).
    pub incidents: bool,
    /// Changes planted on request.
    pub planted: &'a [crate::PlantedChange],
}

/// Builds the organisation with `replicas` extra background workloads.
pub(crate) fn build(cal: &Calendar, seed: u64, replicas: u64, changes: Changes<'_>) -> Org {
    let mut b = Builder::new(cal, seed);
    b.app_team_prod();
    b.app_team_dev();
    b.sales_prod();
    b.shared_services();
    b.data_platform();
    b.security();
    b.sandbox();
    b.marketing_web();
    for r in 0..replicas {
        b.replica(r);
    }
    // Last, so that the stories' and replicas' random ids stay as they were.
    b.incidents(changes.incidents);
    b.planted(changes.planted);
    // The Savings Plan fee must follow the covered usage of the same hour.
    b.savings_plan_fee();
    b.period_charges();
    b.org
}

/// Resource tags in CUR 2.0 key form.
fn tags(app: &str, department: &str, env: &str, team: &str) -> Tags {
    vec![
        ("user_app", app.to_string()),
        ("user_department", department.to_string()),
        ("user_env", env.to_string()),
        ("user_team", team.to_string()),
    ]
}

/// `digits` (at most 16) random lower-case hex digits.
fn random_hex(rng: &mut ChaCha8Rng, digits: usize) -> String {
    let value: u64 = rng.random();
    format!("{value:016x}")[..digits.min(16)].to_string()
}

/// An AWS resource id such as `i-0123456789abcdef0`.
fn random_resource_id(rng: &mut ChaCha8Rng, prefix: &str) -> String {
    format!("{prefix}-0{}", random_hex(rng, 16))
}

/// Where a resource lives: account, region and availability zone (0..3 for a, b, c).
#[derive(Debug, Clone, Copy)]
struct Place {
    account: usize,
    region: Region,
    zone: usize,
}

impl Place {
    /// A place in us-east-1.
    fn east(account: usize, zone: usize) -> Self {
        Place {
            account,
            region: US_EAST_1,
            zone,
        }
    }

    /// Availability-zone name and id.
    fn az(&self) -> (&'static str, &'static str) {
        let zones = if self.region == US_WEST_2 {
            [
                ("us-west-2a", "usw2-az2"),
                ("us-west-2b", "usw2-az1"),
                ("us-west-2c", "usw2-az3"),
            ]
        } else {
            [
                ("us-east-1a", "use1-az4"),
                ("us-east-1b", "use1-az6"),
                ("us-east-1c", "use1-az1"),
            ]
        };
        zones[self.zone % 3]
    }
}

/// What an instance's hours are paid with.
#[derive(Debug, Clone, Copy)]
enum InstanceBilling {
    OnDemand,
    Spot,
    SavingsPlan(usize),
    Reserved(usize),
}

/// An instance's root volume: EBS type and size in GB.
type RootVolume = (&'static str, f64);

/// A VPC and its subnets, one per availability zone.
#[derive(Debug, Clone)]
struct Network {
    vpc_id: String,
    subnets: [String; 3],
    second_octet: u8,
    next_host: [u32; 3],
}

struct Builder<'a> {
    cal: &'a Calendar,
    rng: ChaCha8Rng,
    org: Org,
    template_keys: BTreeMap<String, usize>,
    networks: BTreeMap<(usize, &'static str), Network>,
    /// Hour at which clickstream switches to its cheaper setup (start of the last period).
    switch_hour: u32,
}

impl<'a> Builder<'a> {
    fn new(cal: &'a Calendar, seed: u64) -> Self {
        let last = cal.periods.last().map(|p| p.first_hour).unwrap_or_default();
        let switch_hour = if cal.periods.len() > 1 {
            last
        } else {
            cal.total_hours()
        };
        let mut b = Builder {
            cal,
            rng: ChaCha8Rng::seed_from_u64(seed),
            org: Org {
                accounts: ACCOUNTS.to_vec(),
                templates: Vec::new(),
                owners: Vec::new(),
                meters: Vec::new(),
                curves: Vec::new(),
                savings_plans: Vec::new(),
                reservations: Vec::new(),
                product_codes: Vec::new(),
                period_charges: Vec::new(),
                interfaces: Vec::new(),
                flows: Vec::new(),
                apps: Vec::new(),
                labels: Vec::new(),
            },
            template_keys: BTreeMap::new(),
            networks: BTreeMap::new(),
            switch_hour,
        };
        // Owners 0..8 are the accounts themselves (account-level lines).
        for account in 0..ACCOUNTS.len() {
            b.owner(account, None, None, Vec::new());
        }
        b.commitments();
        b
    }

    fn all_hours(&self) -> Range<u32> {
        0..self.cal.total_hours()
    }

    fn hex(&mut self, digits: usize) -> String {
        random_hex(&mut self.rng, digits)
    }

    /// An AWS resource id such as `i-0123456789abcdef0`.
    fn resource_id(&mut self, prefix: &str) -> String {
        random_resource_id(&mut self.rng, prefix)
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (self.hex(16), self.hex(16));
        format!(
            "{}-{}-{}-{}-{}",
            &a[..8],
            &a[8..12],
            &a[12..16],
            &b[..4],
            &b[4..16]
        )
    }

    /// The index of the template named `key`, made on first use.
    fn template(&mut self, key: String, make: impl FnOnce() -> cat::Template) -> usize {
        if let Some(index) = self.template_keys.get(&key) {
            return *index;
        }
        let template = make();
        if !self.org.product_codes.contains(&template.product_code) {
            self.org.product_codes.push(template.product_code.clone());
        }
        self.org.templates.push(template);
        let index = self.org.templates.len() - 1;
        self.template_keys.insert(key, index);
        index
    }

    fn owner(
        &mut self,
        account: usize,
        resource_id: Option<String>,
        az: Option<&'static str>,
        tags: Tags,
    ) -> usize {
        self.org.owners.push(Owner {
            account,
            resource_id,
            availability_zone: az,
            tags,
        });
        self.org.owners.len() - 1
    }

    fn curve(&mut self, mut curve: Curve) -> usize {
        curve.stream = self.org.curves.len() as u64 + 1;
        self.org.curves.push(curve);
        self.org.curves.len() - 1
    }

    fn meter(&mut self, meter: Meter) {
        self.org.meters.push(meter);
    }

    /// An hourly on-demand meter.
    fn hourly(&mut self, template: usize, owner: usize, active: Range<u32>, quantity: Quantity) {
        self.meter(Meter {
            template,
            owner,
            cadence: Cadence::Hourly,
            schedule: Schedule::Always,
            active,
            quantity,
            billing: Billing::OnDemand,
        });
    }

    /// A daily on-demand meter over the whole calendar.
    fn daily(&mut self, template: usize, owner: usize, quantity: Quantity) {
        let active = self.all_hours();
        self.meter(Meter {
            template,
            owner,
            cadence: Cadence::Daily,
            schedule: Schedule::Always,
            active,
            quantity,
            billing: Billing::OnDemand,
        });
    }

    /// The VPC of an account in a region, created on first use.
    fn network(&mut self, account: usize, region: Region) -> &mut Network {
        let rng = &mut self.rng;
        self.networks
            .entry((account, region.code))
            .or_insert_with(|| Network {
                vpc_id: random_resource_id(rng, "vpc"),
                subnets: [(); 3].map(|_| random_resource_id(rng, "subnet")),
                second_octet: 20 + account as u8 * 4 + u8::from(region == US_WEST_2),
                next_host: [10; 3],
            })
    }

    /// Adds an ENI at `place` for the resource `resource_id`; returns its index.
    fn interface(
        &mut self,
        place: Place,
        kind: InterfaceKind,
        resource_id: String,
        nat_gateway_id: Option<String>,
        tags: &Tags,
    ) -> usize {
        let eni_id = self.resource_id("eni");
        let active = self.all_hours();
        let network = self.network(place.account, place.region);
        let z = place.zone % 3;
        let host = network.next_host[z];
        network.next_host[z] += 1;
        let third_octet = z as u32 * 16 + 1 + host / 250;
        let private_ip = format!(
            "10.{}.{third_octet}.{}",
            network.second_octet,
            host % 250 + 4
        );
        let (subnet_id, vpc_id) = (network.subnets[z].clone(), network.vpc_id.clone());
        let (availability_zone, az_id) = place.az();
        self.org.interfaces.push(Interface {
            eni_id,
            private_ip,
            kind,
            resource_id,
            account: place.account,
            region: place.region,
            availability_zone,
            az_id,
            subnet_id,
            vpc_id,
            nat_gateway_id,
            tags: tags.clone(),
            active,
        });
        self.org.interfaces.len() - 1
    }

    /// An EC2 Linux instance with its root volume; returns its id and owner index.
    fn instance(
        &mut self,
        place: Place,
        type_name: &str,
        billing: InstanceBilling,
        tags: &Tags,
        active: Range<u32>,
        root: RootVolume,
    ) -> (String, usize) {
        let id = self.resource_id("i");
        let region = place.region;
        let instance = cat::instance_type(type_name);
        let owner = self.owner(
            place.account,
            Some(id.clone()),
            Some(place.az().0),
            tags.clone(),
        );
        let purchase = match billing {
            InstanceBilling::Spot => Purchase::Spot,
            _ => Purchase::OnDemand,
        };
        let on_demand = self.template(
            format!("ec2|{}|{type_name}|{purchase:?}", region.code),
            || cat::ec2_instance(region, instance, purchase),
        );
        let (template, billing) = match billing {
            InstanceBilling::OnDemand | InstanceBilling::Spot => (on_demand, Billing::OnDemand),
            InstanceBilling::SavingsPlan(plan) => {
                let base = self.org.templates[on_demand].clone();
                let sp = self.org.savings_plans[plan].clone();
                let account_id = ACCOUNTS[place.account].id;
                let negation_key =
                    format!("sp-neg|{plan}|{account_id}|{}|{type_name}", region.code);
                let negation = self.template(negation_key, || {
                    cat::savings_plan_negation(&base, &sp, account_id)
                });
                let covered = self
                    .template(format!("sp|{plan}|{}|{type_name}", region.code), || {
                        cat::savings_plan_covered(&base, &sp)
                    });
                (covered, Billing::SavingsPlan { plan, negation })
            }
            InstanceBilling::Reserved(reservation) => {
                let base = self.org.templates[on_demand].clone();
                let ri = self.org.reservations[reservation].clone();
                let discounted = self.template(format!("ri|{reservation}"), || {
                    cat::reserved_usage(&base, &ri)
                });
                (discounted, Billing::Reserved { reservation })
            }
        };
        self.meter(Meter {
            template,
            owner,
            cadence: Cadence::Hourly,
            schedule: Schedule::Always,
            active: active.clone(),
            quantity: Quantity::Fixed(1.0),
            billing,
        });
        self.volume(place, root, tags.clone(), active);
        (id, owner)
    }

    /// An EBS volume of `(type, GB)`.
    fn volume(
        &mut self,
        place: Place,
        (volume_type, gb): RootVolume,
        tags: Tags,
        active: Range<u32>,
    ) {
        let id = self.resource_id("vol");
        let owner = self.owner(place.account, Some(id), Some(place.az().0), tags);
        let region = place.region;
        let template = self.template(format!("ebs|{}|{volume_type}", region.code), || {
            cat::ebs_volume(region, volume_type)
        });
        self.hourly(template, owner, active, Quantity::StorageGb(gb));
    }

    /// An EBS snapshot created on `created` (recorded in the `user_created` tag).
    fn snapshot(&mut self, account: usize, gb: f64, created: &str, mut tags: Tags) {
        let id = self.resource_id("snap");
        let arn = format!(
            "arn:aws:ec2:us-east-1:{}:snapshot/{id}",
            ACCOUNTS[account].id
        );
        tags.insert(0, ("user_created", created.to_string()));
        let owner = self.owner(account, Some(arn), None, tags);
        let template = self.template("snapshot|us-east-1".into(), || cat::ebs_snapshot(US_EAST_1));
        self.daily(template, owner, Quantity::StorageGb(gb));
    }

    /// An S3 bucket with GB per storage class and optional daily (tier 1, tier 2) requests.
    fn bucket(
        &mut self,
        place: Place,
        name: &str,
        classes: &[(usize, f64)],
        requests_per_day: Option<(f64, f64)>,
        tags: &Tags,
    ) {
        let region = place.region;
        let owner = self.owner(place.account, Some(name.to_string()), None, tags.clone());
        for &(class, gb) in classes {
            let template = self.template(format!("s3|{}|{class}", region.code), || {
                cat::s3_storage(region, class)
            });
            self.daily(template, owner, Quantity::StorageGb(gb));
        }
        if let Some((tier1, tier2)) = requests_per_day {
            for (is_tier1, count) in [(true, tier1), (false, tier2)] {
                let template = self.template(format!("s3req|{}|{is_tier1}", region.code), || {
                    cat::s3_requests(region, is_tier1)
                });
                let curve = self.curve(Curve::flat(count).growing(1.03).jittered(0.15).counts());
                self.daily(template, owner, Quantity::Curve { curve, factor: 1.0 });
            }
        }
    }

    /// A Lambda function billed per request and GB-second, on Graviton from `arm_from` on.
    fn lambda(
        &mut self,
        account: usize,
        name: &str,
        invocations: usize,
        gb_seconds_per_call: f64,
        arm_from: u32,
        tags: &Tags,
    ) {
        let arn = format!(
            "arn:aws:lambda:us-east-1:{}:function:{name}",
            ACCOUNTS[account].id
        );
        let owner = self.owner(account, Some(arn), None, tags.clone());
        let total = self.cal.total_hours();
        let arm_from = arm_from.min(total);
        for (arm, active) in [(false, 0..arm_from), (true, arm_from..total)] {
            if active.is_empty() {
                continue;
            }
            let requests = self.template(format!("lambda|req|{arm}"), || {
                cat::lambda(US_EAST_1, true, arm)
            });
            let duration = self.template(format!("lambda|gbs|{arm}"), || {
                cat::lambda(US_EAST_1, false, arm)
            });
            let per_call = |factor| Quantity::Curve {
                curve: invocations,
                factor,
            };
            self.hourly(requests, owner, active.clone(), per_call(1.0));
            self.hourly(duration, owner, active, per_call(gb_seconds_per_call));
        }
    }

    /// A Bedrock application inference profile for `model`; each line is a token kind and
    /// `factor ×` the curve `tokens` (1K tokens per hour).
    fn bedrock_profile(
        &mut self,
        account: usize,
        model: cat::BedrockModel,
        schedule: Schedule,
        tokens: usize,
        lines: &[(TokenKind, f64)],
        tags: &Tags,
    ) {
        let id = self.hex(12);
        let arn = format!(
            "arn:aws:bedrock:us-east-1:{}:application-inference-profile/{id}",
            ACCOUNTS[account].id
        );
        let owner = self.owner(account, Some(arn), None, tags.clone());
        let active = self.all_hours();
        for &(kind, factor) in lines {
            let template = self.template(format!("bedrock|{}|{kind:?}", model.usage_name), || {
                cat::bedrock(US_EAST_1, model, kind)
            });
            self.meter(Meter {
                template,
                owner,
                cadence: Cadence::Hourly,
                schedule,
                active: active.clone(),
                quantity: Quantity::Curve {
                    curve: tokens,
                    factor,
                },
                billing: Billing::OnDemand,
            });
        }
    }

    /// Tokens sent during office hours, about `input_k_per_hour` thousand per hour.
    fn office_hours_tokens(&mut self, input_k_per_hour: f64) -> usize {
        self.curve(Curve::flat(input_k_per_hour).jittered(0.2))
    }

    /// The Compute Savings Plan and the EC2 Reserved Instance the organisation bought.
    fn commitments(&mut self) {
        let first = self
            .cal
            .periods
            .first()
            .map(|p| p.start_ms)
            .unwrap_or_default();
        let year_ms = 365 * 24 * HOUR_MS;
        let iso = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string())
                .unwrap_or_default()
        };
        let sp_start = first - 120 * 24 * HOUR_MS;
        let sp_id = self.uuid();
        self.org.savings_plans.push(cat::SavingsPlan {
            arn: format!(
                "arn:aws:savingsplans::{}:savingsplan/{sp_id}",
                ACCOUNTS[SHARED].id
            ),
            start_time: iso(sp_start),
            end_time: iso(sp_start + year_ms),
            hourly_commitment: 0.30,
            rate_factor: 0.72,
        });
        let ri_id = self.uuid();
        let subscription_id =
            (1_000_000_000 + self.rng.random_range(0..8_999_999_999u64)).to_string();
        self.org.reservations.push(cat::Reservation {
            arn: format!(
                "arn:aws:ec2:us-east-1:{}:reserved-instances/{ri_id}",
                ACCOUNTS[DATA].id
            ),
            subscription_id,
            start_time: iso(first),
            end_time: iso(first + year_ms),
            instance: cat::instance_type("c5.xlarge"),
            units: 3,
            upfront: 1341.0,
            recurring_hourly: 0.051,
        });
    }

    /// The hourly recurring fee of the Savings Plan, owned by Shared-Services.
    fn savings_plan_fee(&mut self) {
        let plan = self.org.savings_plans[0].clone();
        let owner = self.owner(SHARED, Some(plan.arn.clone()), None, Vec::new());
        let template = self.template("sp|fee".into(), || cat::savings_plan_fee(&plan));
        let active = self.all_hours();
        self.meter(Meter {
            template,
            owner,
            cadence: Cadence::Hourly,
            schedule: Schedule::Always,
            active,
            quantity: Quantity::Fixed(1.0),
            billing: Billing::SavingsPlanFee { plan: 0 },
        });
    }

    /// RI fees, a credit, a refund, Business Support and tax.
    fn period_charges(&mut self) {
        let mut charges = Vec::new();
        let ri = self.org.reservations[0].clone();
        let fee = self.template("ri|fee".into(), || cat::reservation_fee(US_EAST_1, &ri));
        charges.push(PeriodCharge::ReservationFee {
            account: DATA,
            reservation: 0,
            template: fee,
        });
        let upfront = self.template("ri|upfront".into(), || {
            cat::reservation_upfront(US_EAST_1, &ri)
        });
        charges.push(PeriodCharge::ReservationUpfront {
            account: DATA,
            reservation: 0,
            template: upfront,
            period: 0,
        });
        let credit = self.template("credit".into(), cat::credit);
        charges.push(PeriodCharge::Credit {
            account: SANDBOX,
            template: credit,
            cap: 150.0,
        });
        let refund = self.template("refund".into(), cat::refund);
        charges.push(PeriodCharge::Refund {
            account: SALES,
            template: refund,
            period: self.cal.periods.len().saturating_sub(2),
            amount: 42.5,
        });
        let support = self.template("support".into(), cat::support_business);
        for account in 0..ACCOUNTS.len() {
            charges.push(PeriodCharge::Support {
                account,
                template: support,
            });
        }
        let all = self.all_hours();
        for (account, product) in self.org.active_products(all) {
            let code = self.org.product_codes[product].clone();
            let marketplace = code == cat::NEMOTRON_PRODUCT_CODE;
            let template = self.template(format!("tax|{code}"), || cat::tax(&code, marketplace));
            charges.push(PeriodCharge::Tax {
                account,
                product_code: product,
                template,
            });
        }
        self.org.period_charges = charges;
    }
}

//! Builds the synthetic organisation: a payer and eight linked accounts, their resources and
//! tags, the Savings Plan and Reserved Instance they bought, and the three running examples
//! of DESIGN §1:
//!
//! 1. `catalog-sync` instances in us-east-1b of App-Team-Prod send a growing volume through
//!    a NAT gateway in us-east-1a, so `NatGateway-Bytes` and `DataTransfer-Regional-Bytes`
//!    rise month over month (a second NAT gateway also raises `NatGateway-Hours`).
//! 2. Bedrock application inference profiles tagged `user_department`: Sales uses Claude
//!    Sonnet, Dev uses Claude Haiku and Nova Lite for a similar number of tokens.
//! 3. `clickstream` (Lambda, EC2, Aurora, Bedrock) moves to Graviton and fewer instances in
//!    the last month while its Lambda invocations keep growing.
//!
//! Extra "replica" workloads (an instance and its volume each) scale the CUR to a requested
//! row count without touching the stories.

use std::collections::BTreeMap;
use std::ops::Range;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::calendar::Calendar;
use super::catalog::{
    self as cat, AuroraLine, InstanceType, Purchase, Region, TokenKind, US_EAST_1, US_WEST_2,
};
use super::model::*;
use super::traffic::Curve;

/// The linked accounts, in the order the generator indexes them.
pub(crate) const ACCOUNTS: [Account; 8] = [
    Account {
        id: "222222222222",
        name: "App-Team-Prod",
        business_unit: "Digital Products",
    },
    Account {
        id: "333333333333",
        name: "App-Team-Dev",
        business_unit: "Digital Products",
    },
    Account {
        id: "444444444444",
        name: "Shared-Services",
        business_unit: "Platform",
    },
    Account {
        id: "555555555555",
        name: "Sales-Prod",
        business_unit: "Sales",
    },
    Account {
        id: "666666666666",
        name: "Data-Platform",
        business_unit: "Data & Analytics",
    },
    Account {
        id: "777777777777",
        name: "Security",
        business_unit: "Platform",
    },
    Account {
        id: "888888888888",
        name: "Sandbox",
        business_unit: "Innovation",
    },
    Account {
        id: "999999999999",
        name: "Marketing-Web",
        business_unit: "Marketing",
    },
];

const APP_PROD: usize = 0;
const APP_DEV: usize = 1;
const SHARED: usize = 2;
const SALES: usize = 3;
const DATA: usize = 4;
const SECURITY: usize = 5;
const SANDBOX: usize = 6;
const MARKETING: usize = 7;

/// Department, team and app that each account's background workloads are tagged with.
const ACCOUNT_TAGS: [(&str, &str, &str); 8] = [
    ("Dev", "app-team", "batch-jobs"),
    ("Dev", "app-team", "dev-tools"),
    ("Platform", "platform-team", "internal-tools"),
    ("Sales", "sales-eng", "crm"),
    ("Data", "data-team", "etl"),
    ("Security", "secops", "siem"),
    ("Data", "data-team", "experiments"),
    ("Marketing", "web-team", "website"),
];

/// Share of NAT-processed bytes that come back as responses.
pub(crate) const NAT_RESPONSE_RATIO: f64 = 0.2;

/// Replica workloads whose instances also appear in flow logs and the inventory.
const MAX_REPLICAS_WITH_FLOWS: u64 = 200;

/// Builds the organisation with `replicas` extra background workloads.
pub(crate) fn build(cal: &Calendar, seed: u64, replicas: u64) -> Org {
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
    // The Savings Plan fee must follow the covered usage of the same hour.
    b.savings_plan_fee();
    b.period_charges();
    b.org
}

/// A network and its subnets, one per availability zone.
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

fn tags(app: &str, department: &str, env: &str, team: &str) -> Tags {
    vec![
        ("user_app", app.to_string()),
        ("user_department", department.to_string()),
        ("user_env", env.to_string()),
        ("user_team", team.to_string()),
    ]
}

/// Availability-zone name and id for index 0..3 (a, b, c).
fn zone(region: Region, index: usize) -> (&'static str, &'static str) {
    let index = index % 3;
    if region == US_WEST_2 {
        [
            ("us-west-2a", "usw2-az2"),
            ("us-west-2b", "usw2-az1"),
            ("us-west-2c", "usw2-az3"),
        ][index]
    } else {
        [
            ("us-east-1a", "use1-az4"),
            ("us-east-1b", "use1-az6"),
            ("us-east-1c", "use1-az1"),
        ][index]
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
        let value: u64 = self.rng.random();
        format!("{value:016x}")[..digits].to_string()
    }

    /// An AWS resource id such as `i-0123456789abcdef0`.
    fn resource_id(&mut self, prefix: &str) -> String {
        format!("{prefix}-0{}", self.hex(16))
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

    #[allow(clippy::too_many_arguments)]
    fn meter(
        &mut self,
        template: usize,
        owner: usize,
        cadence: Cadence,
        schedule: Schedule,
        active: Range<u32>,
        quantity: Quantity,
        billing: Billing,
    ) {
        self.org.meters.push(Meter {
            template,
            owner,
            cadence,
            schedule,
            active,
            quantity,
            billing,
        });
    }

    fn hourly(&mut self, template: usize, owner: usize, active: Range<u32>, quantity: Quantity) {
        self.meter(
            template,
            owner,
            Cadence::Hourly,
            Schedule::Always,
            active,
            quantity,
            Billing::OnDemand,
        );
    }

    fn daily(&mut self, template: usize, owner: usize, quantity: Quantity) {
        let all = self.all_hours();
        self.meter(
            template,
            owner,
            Cadence::Daily,
            Schedule::Always,
            all,
            quantity,
            Billing::OnDemand,
        );
    }

    fn network(&mut self, account: usize, region: Region) -> &mut Network {
        if !self.networks.contains_key(&(account, region.code)) {
            let vpc_id = self.resource_id("vpc");
            let subnets = [
                self.resource_id("subnet"),
                self.resource_id("subnet"),
                self.resource_id("subnet"),
            ];
            let second_octet = 20 + account as u8 * 4 + u8::from(region == US_WEST_2);
            self.networks.insert(
                (account, region.code),
                Network {
                    vpc_id,
                    subnets,
                    second_octet,
                    next_host: [10; 3],
                },
            );
        }
        self.networks
            .get_mut(&(account, region.code))
            .unwrap_or_else(|| unreachable!("network inserted above"))
    }

    /// Adds an ENI in `zone_index` of the account's VPC and returns its index.
    fn interface(
        &mut self,
        account: usize,
        region: Region,
        zone_index: usize,
        kind: InterfaceKind,
        resource_id: String,
        nat_gateway_id: Option<String>,
        tags: Tags,
    ) -> usize {
        let eni_id = self.resource_id("eni");
        let active = self.all_hours();
        let network = self.network(account, region);
        let z = zone_index % 3;
        let host = network.next_host[z];
        network.next_host[z] += 1;
        let private_ip = format!(
            "10.{}.{}.{}",
            network.second_octet,
            z as u32 * 16 + 1 + host / 250,
            host % 250 + 4
        );
        let (subnet_id, vpc_id) = (network.subnets[z].clone(), network.vpc_id.clone());
        let (availability_zone, az_id) = zone(region, zone_index);
        self.org.interfaces.push(Interface {
            eni_id,
            private_ip,
            kind,
            resource_id,
            account,
            region,
            availability_zone,
            az_id,
            subnet_id,
            vpc_id,
            nat_gateway_id,
            tags,
            active,
        });
        self.org.interfaces.len() - 1
    }

    /// An EC2 instance with its root volume; returns the instance id and its owner index.
    #[allow(clippy::too_many_arguments)]
    fn instance(
        &mut self,
        account: usize,
        region: Region,
        zone_index: usize,
        instance: InstanceType,
        billing: InstanceBilling,
        tags: Tags,
        active: Range<u32>,
        volume: (&'static str, f64),
    ) -> (String, usize) {
        let id = self.resource_id("i");
        let (az, _) = zone(region, zone_index);
        let owner = self.owner(account, Some(id.clone()), Some(az), tags.clone());
        let purchase = if matches!(billing, InstanceBilling::Spot) {
            Purchase::Spot
        } else {
            Purchase::OnDemand
        };
        let on_demand = self.template(
            format!("ec2|{}|{}|{purchase:?}", region.code, instance.name),
            || cat::ec2_instance(region, instance, purchase),
        );
        let (template, billing) = match billing {
            InstanceBilling::OnDemand | InstanceBilling::Spot => (on_demand, Billing::OnDemand),
            InstanceBilling::SavingsPlan(plan) => {
                let base = self.org.templates[on_demand].clone();
                let sp = self.org.savings_plans[plan].clone();
                let account_id = ACCOUNTS[account].id;
                let negation = self.template(
                    format!(
                        "sp-neg|{plan}|{account_id}|{}|{}",
                        region.code, instance.name
                    ),
                    || cat::savings_plan_negation(&base, &sp, account_id),
                );
                let covered = self.template(
                    format!("sp|{plan}|{}|{}", region.code, instance.name),
                    || cat::savings_plan_covered(&base, &sp),
                );
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
        self.meter(
            template,
            owner,
            Cadence::Hourly,
            Schedule::Always,
            active.clone(),
            Quantity::Fixed(1.0),
            billing,
        );
        let (volume_type, gb) = volume;
        self.volume(account, region, zone_index, volume_type, gb, tags, active);
        (id, owner)
    }

    #[allow(clippy::too_many_arguments)]
    fn volume(
        &mut self,
        account: usize,
        region: Region,
        zone_index: usize,
        volume_type: &'static str,
        gb: f64,
        tags: Tags,
        active: Range<u32>,
    ) {
        let id = self.resource_id("vol");
        let (az, _) = zone(region, zone_index);
        let owner = self.owner(account, Some(id), Some(az), tags);
        let template = self.template(format!("ebs|{}|{volume_type}", region.code), || {
            cat::ebs_volume(region, volume_type)
        });
        self.hourly(template, owner, active, Quantity::StorageGb(gb));
    }

    fn snapshot(&mut self, account: usize, gb: f64, created: &str, tags: Tags) {
        let id = self.resource_id("snap");
        let arn = format!(
            "arn:aws:ec2:us-east-1:{}:snapshot/{id}",
            ACCOUNTS[account].id
        );
        let mut tags = tags;
        tags.insert(0, ("user_created", created.to_string()));
        let owner = self.owner(account, Some(arn), None, tags);
        let template = self.template("snapshot|us-east-1".into(), || cat::ebs_snapshot(US_EAST_1));
        self.daily(template, owner, Quantity::StorageGb(gb));
    }

    fn bucket(
        &mut self,
        account: usize,
        region: Region,
        name: &str,
        classes: &[(usize, f64)],
        requests_per_day: Option<(f64, f64)>,
        tags: Tags,
    ) {
        let owner = self.owner(account, Some(name.to_string()), None, tags);
        for &(class, gb) in classes {
            let template = self.template(format!("s3|{}|{class}", region.code), || {
                cat::s3_storage(region, class)
            });
            self.daily(template, owner, Quantity::StorageGb(gb));
        }
        if let Some((tier1, tier2)) = requests_per_day {
            for (tier1_requests, count) in [(true, tier1), (false, tier2)] {
                let template = self
                    .template(format!("s3req|{}|{tier1_requests}", region.code), || {
                        cat::s3_requests(region, tier1_requests)
                    });
                let curve = self.curve(Curve {
                    base: count,
                    monthly_growth: 1.03,
                    diurnal: false,
                    jitter: 0.15,
                    whole: true,
                    stream: 0,
                });
                self.daily(template, owner, Quantity::Curve { curve, factor: 1.0 });
            }
        }
    }

    /// A Lambda function: request and duration meters, switching to Graviton at `arm_from`.
    fn lambda(
        &mut self,
        account: usize,
        name: &str,
        invocations: usize,
        gb_seconds_per_call: f64,
        arm_from: u32,
        tags: Tags,
    ) {
        let arn = format!(
            "arn:aws:lambda:us-east-1:{}:function:{name}",
            ACCOUNTS[account].id
        );
        let owner = self.owner(account, Some(arn), None, tags);
        let total = self.cal.total_hours();
        for (arm, active) in [
            (false, 0..arm_from.min(total)),
            (true, arm_from.min(total)..total),
        ] {
            if active.is_empty() {
                continue;
            }
            let requests = self.template(format!("lambda|req|{arm}"), || {
                cat::lambda(US_EAST_1, true, arm)
            });
            let duration = self.template(format!("lambda|gbs|{arm}"), || {
                cat::lambda(US_EAST_1, false, arm)
            });
            self.hourly(
                requests,
                owner,
                active.clone(),
                Quantity::Curve {
                    curve: invocations,
                    factor: 1.0,
                },
            );
            self.hourly(
                duration,
                owner,
                active,
                Quantity::Curve {
                    curve: invocations,
                    factor: gb_seconds_per_call,
                },
            );
        }
    }

    /// A Bedrock application inference profile with its token meters.
    fn bedrock_profile(
        &mut self,
        account: usize,
        model: cat::BedrockModel,
        schedule: Schedule,
        lines: &[(TokenKind, Quantity)],
        tags: Tags,
    ) {
        let id = self.hex(12);
        let arn = format!(
            "arn:aws:bedrock:us-east-1:{}:application-inference-profile/{id}",
            ACCOUNTS[account].id
        );
        let owner = self.owner(account, Some(arn), None, tags);
        let all = self.all_hours();
        for &(kind, quantity) in lines {
            let template = self.template(format!("bedrock|{}|{kind:?}", model.usage_name), || {
                cat::bedrock(US_EAST_1, model, kind)
            });
            self.meter(
                template,
                owner,
                Cadence::Hourly,
                schedule,
                all.clone(),
                quantity,
                Billing::OnDemand,
            );
        }
    }

    fn business_tokens(&mut self, input_k_per_hour: f64) -> usize {
        self.curve(Curve {
            base: input_k_per_hour,
            monthly_growth: 1.0,
            diurnal: false,
            jitter: 0.2,
            whole: false,
            stream: 0,
        })
    }

    fn commitments(&mut self) {
        let first = self
            .cal
            .periods
            .first()
            .map(|p| p.start_ms)
            .unwrap_or_default();
        let year_ms = 365 * 24 * crate::generate::calendar::HOUR_MS;
        let iso = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms)
                .map(|t| t.format("%Y-%m-%dT%H:%M:%S.000Z").to_string())
                .unwrap_or_default()
        };
        let sp_start = first - 120 * 24 * crate::generate::calendar::HOUR_MS;
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
        let subscription_id = format!(
            "{}",
            1_000_000_000 + self.rng.random_range(0..8_999_999_999u64)
        );
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

    fn app_team_prod(&mut self) {
        let all = self.all_hours();
        let switch = self.switch_hour;
        let total = self.cal.total_hours();
        let clickstream = tags("clickstream", "Dev", "prod", "app-team");

        // Story 3: clickstream runs 3 x m5.xlarge, then 2 x m7g.large in the last month.
        for zone_index in 0..3 {
            self.instance(
                APP_PROD,
                US_EAST_1,
                zone_index,
                cat::instance_type("m5.xlarge"),
                InstanceBilling::OnDemand,
                clickstream.clone(),
                0..switch,
                ("gp3", 50.0),
            );
        }
        for zone_index in [0, 2] {
            self.instance(
                APP_PROD,
                US_EAST_1,
                zone_index,
                cat::instance_type("m7g.large"),
                InstanceBilling::OnDemand,
                clickstream.clone(),
                switch..total,
                ("gp3", 50.0),
            );
        }
        let invocations = self.curve(Curve {
            base: 150_000.0,
            monthly_growth: 1.12,
            diurnal: true,
            jitter: 0.08,
            whole: true,
            stream: 0,
        });
        self.lambda(
            APP_PROD,
            "clickstream-ingest",
            invocations,
            0.25,
            switch,
            clickstream.clone(),
        );
        self.org.apps.push(App {
            name: "clickstream",
            team: "app-team",
            invocations_curve: invocations,
            clicks_per_invocation: 12.0,
            orders_per_click: 0.0002,
            revenue_per_order: 48.0,
        });
        for role in ["writer", "reader"] {
            let owner = self.owner(
                APP_PROD,
                Some(format!(
                    "arn:aws:rds:us-east-1:{}:db:clickstream-{role}",
                    ACCOUNTS[APP_PROD].id
                )),
                Some("us-east-1a"),
                clickstream.clone(),
            );
            let template = self.template("aurora|instance".into(), || {
                cat::aurora(US_EAST_1, AuroraLine::Instance)
            });
            self.hourly(template, owner, all.clone(), Quantity::Fixed(1.0));
        }
        let cluster = self.owner(
            APP_PROD,
            Some(format!(
                "arn:aws:rds:us-east-1:{}:cluster:clickstream",
                ACCOUNTS[APP_PROD].id
            )),
            None,
            clickstream.clone(),
        );
        let storage = self.template("aurora|storage".into(), || {
            cat::aurora(US_EAST_1, AuroraLine::Storage)
        });
        self.daily(storage, cluster, Quantity::StorageGb(400.0));
        let io = self.template("aurora|io".into(), || {
            cat::aurora(US_EAST_1, AuroraLine::Io)
        });
        let io_curve = self.curve(Curve {
            base: 20_000_000.0,
            monthly_growth: 1.08,
            diurnal: false,
            jitter: 0.1,
            whole: true,
            stream: 0,
        });
        self.daily(
            io,
            cluster,
            Quantity::Curve {
                curve: io_curve,
                factor: 1.0,
            },
        );
        self.bedrock_profile(
            APP_PROD,
            cat::NOVA_LITE,
            Schedule::Always,
            &[
                (
                    TokenKind::Input,
                    Quantity::Curve {
                        curve: invocations,
                        factor: 0.000_36,
                    },
                ),
                (
                    TokenKind::Output,
                    Quantity::Curve {
                        curve: invocations,
                        factor: 0.000_09,
                    },
                ),
            ],
            clickstream.clone(),
        );
        self.bucket(
            APP_PROD,
            US_EAST_1,
            "clickstream-raw-222222222222",
            &[(0, 3000.0), (2, 1200.0)],
            Some((2_000_000.0, 5_000_000.0)),
            clickstream,
        );

        // Story 1: catalog-sync in us-east-1b sends through the NAT gateway in us-east-1a.
        let sync_tags = tags("catalog-sync", "Dev", "prod", "app-team");
        let network_tags = tags("shared-vpc", "Dev", "prod", "app-team");
        let nat_id = self.resource_id("nat");
        let nat_arn = format!(
            "arn:aws:ec2:us-east-1:{}:natgateway/{nat_id}",
            ACCOUNTS[APP_PROD].id
        );
        let nat_eni = self.interface(
            APP_PROD,
            US_EAST_1,
            0,
            InterfaceKind::NatGateway,
            nat_id.clone(),
            Some(nat_id.clone()),
            network_tags.clone(),
        );
        let first_sender_curve = self.org.curves.len();
        let mut senders = Vec::new();
        for (zone_index, base_gb, growth) in [(1, 38.0, 1.45), (1, 38.0, 1.45), (0, 9.0, 1.0)] {
            let curve = self.curve(Curve {
                base: base_gb,
                monthly_growth: growth,
                diurnal: true,
                jitter: 0.15,
                whole: false,
                stream: 0,
            });
            let (id, owner) = self.instance(
                APP_PROD,
                US_EAST_1,
                zone_index,
                cat::instance_type("m5.large"),
                InstanceBilling::OnDemand,
                sync_tags.clone(),
                all.clone(),
                ("gp2", 100.0),
            );
            let eni = self.interface(
                APP_PROD,
                US_EAST_1,
                zone_index,
                InterfaceKind::Instance,
                id,
                None,
                sync_tags.clone(),
            );
            if zone_index != 0 {
                for outbound in [true, false] {
                    let template = self.template(format!("interaz|{outbound}"), || {
                        cat::inter_az_transfer(US_EAST_1, outbound)
                    });
                    let factor = if outbound { 1.0 } else { NAT_RESPONSE_RATIO };
                    self.hourly(
                        template,
                        owner,
                        all.clone(),
                        Quantity::Curve { curve, factor },
                    );
                }
            }
            senders.push((eni, curve));
        }
        for (n, (source, curve)) in senders.iter().enumerate() {
            self.org.flows.push(Flow::ThroughNat {
                source: *source,
                nat: nat_eni,
                curve: *curve,
                response_ratio: NAT_RESPONSE_RATIO,
                destination_ip: format!("203.0.113.{}", 20 + n * 7),
            });
        }
        let nat_owner = self.owner(
            APP_PROD,
            Some(nat_arn),
            Some("us-east-1a"),
            network_tags.clone(),
        );
        let nat_hours = self.template("nat|hours".into(), || cat::nat_gateway(US_EAST_1, true));
        let nat_bytes = self.template("nat|bytes".into(), || cat::nat_gateway(US_EAST_1, false));
        self.hourly(nat_hours, nat_owner, all.clone(), Quantity::Fixed(1.0));
        self.hourly(
            nat_bytes,
            nat_owner,
            all.clone(),
            Quantity::CurveSum {
                first: first_sender_curve,
                count: senders.len(),
                factor: 1.0 + NAT_RESPONSE_RATIO,
            },
        );
        let eip_in_use = self.template("ipv4|in-use".into(), || cat::public_ipv4(US_EAST_1, true));
        let eip = self.resource_id("eipalloc");
        let eip_owner = self.owner(APP_PROD, Some(eip), None, network_tags.clone());
        self.hourly(eip_in_use, eip_owner, all.clone(), Quantity::Fixed(1.0));

        // A second NAT gateway (staging) from the second period on raises NAT hours.
        let staging_from = self.cal.periods.get(1).map(|p| p.first_hour).unwrap_or(0);
        let staging_id = self.resource_id("nat");
        let staging_tags = tags("shared-vpc", "Dev", "staging", "app-team");
        let staging_eni = self.interface(
            APP_PROD,
            US_EAST_1,
            2,
            InterfaceKind::NatGateway,
            staging_id.clone(),
            Some(staging_id.clone()),
            staging_tags.clone(),
        );
        self.org.interfaces[staging_eni].active = staging_from..total;
        self.org.flows.push(Flow::Idle {
            interface: staging_eni,
        });
        let staging_owner = self.owner(
            APP_PROD,
            Some(format!(
                "arn:aws:ec2:us-east-1:{}:natgateway/{staging_id}",
                ACCOUNTS[APP_PROD].id
            )),
            Some("us-east-1c"),
            staging_tags.clone(),
        );
        let staging_bytes = self.curve(Curve {
            base: 1.5,
            monthly_growth: 1.0,
            diurnal: true,
            jitter: 0.2,
            whole: false,
            stream: 0,
        });
        self.hourly(
            nat_hours,
            staging_owner,
            staging_from..total,
            Quantity::Fixed(1.0),
        );
        self.hourly(
            nat_bytes,
            staging_owner,
            staging_from..total,
            Quantity::Curve {
                curve: staging_bytes,
                factor: 1.0,
            },
        );
        let staging_eip = self.resource_id("eipalloc");
        let staging_eip_owner = self.owner(APP_PROD, Some(staging_eip), None, staging_tags);
        self.hourly(
            eip_in_use,
            staging_eip_owner,
            staging_from..total,
            Quantity::Fixed(1.0),
        );

        // The catalog API load balancer forwards to the catalog-sync instances.
        let alb_arn = format!(
            "arn:aws:elasticloadbalancing:us-east-1:{}:loadbalancer/app/catalog-api/{}",
            ACCOUNTS[APP_PROD].id,
            self.hex(16)
        );
        let alb_owner = self.owner(APP_PROD, Some(alb_arn.clone()), None, sync_tags.clone());
        let alb_hours = self.template("alb|hours".into(), || cat::load_balancer(US_EAST_1, true));
        let alb_lcu = self.template("alb|lcu".into(), || cat::load_balancer(US_EAST_1, false));
        let lcu = self.curve(Curve {
            base: 3.0,
            monthly_growth: 1.05,
            diurnal: true,
            jitter: 0.1,
            whole: false,
            stream: 0,
        });
        self.hourly(alb_hours, alb_owner, all.clone(), Quantity::Fixed(1.0));
        self.hourly(
            alb_lcu,
            alb_owner,
            all.clone(),
            Quantity::Curve {
                curve: lcu,
                factor: 1.0,
            },
        );
        for (zone_index, target) in [(0, senders[0].0), (2, senders[2].0)] {
            let eni = self.interface(
                APP_PROD,
                US_EAST_1,
                zone_index,
                InterfaceKind::LoadBalancer,
                alb_arn.clone(),
                None,
                sync_tags.clone(),
            );
            self.org.flows.push(Flow::Internal {
                source: eni,
                destination: target,
                port: 8080,
                gb_per_hour: 0.4,
            });
        }

        // checkout: an ARM Lambda API with its own business metrics.
        let checkout = tags("checkout", "Dev", "prod", "app-team");
        let checkout_calls = self.curve(Curve {
            base: 20_000.0,
            monthly_growth: 1.04,
            diurnal: true,
            jitter: 0.1,
            whole: true,
            stream: 0,
        });
        self.lambda(APP_PROD, "checkout-api", checkout_calls, 0.2, 0, checkout);
        self.org.apps.push(App {
            name: "checkout",
            team: "app-team",
            invocations_curve: checkout_calls,
            clicks_per_invocation: 1.0,
            orders_per_click: 0.08,
            revenue_per_order: 62.0,
        });
    }

    fn app_team_dev(&mut self) {
        let all = self.all_hours();
        self.instance(
            APP_DEV,
            US_EAST_1,
            1,
            cat::instance_type("m4.large"),
            InstanceBilling::OnDemand,
            tags("catalog-sync", "Dev", "dev", "app-team"),
            all.clone(),
            ("gp2", 80.0),
        );
        self.instance(
            APP_DEV,
            US_EAST_1,
            2,
            cat::instance_type("c5.large"),
            InstanceBilling::Spot,
            tags("ci", "Dev", "Dev", "app-team"),
            all,
            ("gp2", 60.0),
        );
        self.snapshot(APP_DEV, 200.0, "2024-09-12", Vec::new());

        // Story 2, Dev side: Claude Haiku for about as many tokens as Sales sends to Sonnet.
        let tokens = self.business_tokens(1700.0);
        self.bedrock_profile(
            APP_DEV,
            cat::CLAUDE_HAIKU,
            Schedule::BusinessHours,
            &[
                (
                    TokenKind::Input,
                    Quantity::Curve {
                        curve: tokens,
                        factor: 1.0,
                    },
                ),
                (
                    TokenKind::Output,
                    Quantity::Curve {
                        curve: tokens,
                        factor: 0.2,
                    },
                ),
                (
                    TokenKind::CacheRead,
                    Quantity::Curve {
                        curve: tokens,
                        factor: 0.5,
                    },
                ),
            ],
            tags("dev-assistant", "Dev", "dev", "app-team"),
        );
    }

    fn sales_prod(&mut self) {
        let all = self.all_hours();
        // Inconsistent tag values as real organisations have them: `sales`, `production`.
        self.instance(
            SALES,
            US_EAST_1,
            0,
            cat::instance_type("m6i.xlarge"),
            InstanceBilling::SavingsPlan(0),
            tags("crm", "Sales", "prod", "sales-eng"),
            all.clone(),
            ("gp3", 100.0),
        );
        self.instance(
            SALES,
            US_EAST_1,
            1,
            cat::instance_type("m6i.xlarge"),
            InstanceBilling::SavingsPlan(0),
            tags("crm", "sales", "production", "sales-eng"),
            all,
            ("gp3", 100.0),
        );

        // Story 2, Sales side: Claude Sonnet, three times Haiku's price per token.
        let tokens = self.business_tokens(1700.0);
        self.bedrock_profile(
            SALES,
            cat::CLAUDE_SONNET,
            Schedule::BusinessHours,
            &[
                (
                    TokenKind::Input,
                    Quantity::Curve {
                        curve: tokens,
                        factor: 1.0,
                    },
                ),
                (
                    TokenKind::Output,
                    Quantity::Curve {
                        curve: tokens,
                        factor: 0.2,
                    },
                ),
                (
                    TokenKind::CacheRead,
                    Quantity::Curve {
                        curve: tokens,
                        factor: 0.5,
                    },
                ),
            ],
            tags("sales-assistant", "Sales", "prod", "sales-eng"),
        );
    }

    fn shared_services(&mut self) {
        let all = self.all_hours();
        let platform = |app: &str| tags(app, "Platform", "prod", "platform-team");
        self.instance(
            SHARED,
            US_EAST_1,
            1,
            cat::instance_type("t2.micro"),
            InstanceBilling::OnDemand,
            platform("bastion"),
            all,
            ("gp3", 8.0),
        );
        for (gb, created) in [
            (500.0, "2024-11-03"),
            (750.0, "2025-02-17"),
            (120.0, "2026-06-21"),
        ] {
            self.snapshot(SHARED, gb, created, platform("backup"));
        }
        self.bucket(
            SHARED,
            US_EAST_1,
            "costscope-backups-444444444444",
            &[(3, 8000.0), (4, 40_000.0)],
            None,
            platform("backup"),
        );
    }

    fn data_platform(&mut self) {
        let all = self.all_hours();
        let data = |app: &str| tags(app, "Data", "prod", "data-team");
        for zone_index in 0..2 {
            self.instance(
                DATA,
                US_EAST_1,
                zone_index,
                cat::instance_type("c5.xlarge"),
                InstanceBilling::Reserved(0),
                data("etl"),
                all.clone(),
                ("gp2", 200.0),
            );
        }
        self.instance(
            DATA,
            US_EAST_1,
            2,
            cat::instance_type("m6g.xlarge"),
            InstanceBilling::OnDemand,
            data("analytics"),
            all,
            ("gp2", 200.0),
        );
        self.bucket(
            DATA,
            US_EAST_1,
            "datalake-666666666666",
            &[(0, 15_000.0), (1, 9000.0), (2, 5000.0), (3, 20_000.0)],
            Some((500_000.0, 3_000_000.0)),
            data("datalake"),
        );
        let calls = self.curve(Curve {
            base: 1500.0,
            monthly_growth: 1.0,
            diurnal: false,
            jitter: 0.2,
            whole: true,
            stream: 0,
        });
        self.lambda(DATA, "etl-trigger", calls, 3.0, u32::MAX, data("etl"));

        // A third-party model billed through AWS Marketplace (usage in millions of tokens).
        let arn = format!(
            "arn:aws:bedrock:us-east-1:{}:application-inference-profile/{}",
            ACCOUNTS[DATA].id,
            self.hex(12)
        );
        let owner = self.owner(DATA, Some(arn), None, data("doc-extract"));
        let tokens = self.business_tokens(3.0);
        let all = self.all_hours();
        for (output, factor) in [(false, 1.0), (true, 0.2)] {
            let template = self.template(format!("marketplace|{output}"), || {
                cat::marketplace_model(US_EAST_1, output)
            });
            self.meter(
                template,
                owner,
                Cadence::Hourly,
                Schedule::BusinessHours,
                all.clone(),
                Quantity::Curve {
                    curve: tokens,
                    factor,
                },
                Billing::OnDemand,
            );
        }
    }

    fn security(&mut self) {
        let all = self.all_hours();
        let secops = tags("siem", "Security", "prod", "secops");
        self.instance(
            SECURITY,
            US_WEST_2,
            0,
            cat::instance_type("m5.large"),
            InstanceBilling::OnDemand,
            secops.clone(),
            all,
            ("gp3", 500.0),
        );
        self.bucket(
            SECURITY,
            US_WEST_2,
            "security-logs-777777777777",
            &[(0, 2500.0)],
            None,
            secops,
        );
    }

    fn sandbox(&mut self) {
        let all = self.all_hours();
        // Untagged and previous-generation, with an unattached volume and an idle address.
        self.instance(
            SANDBOX,
            US_EAST_1,
            0,
            cat::instance_type("m4.xlarge"),
            InstanceBilling::OnDemand,
            Vec::new(),
            all.clone(),
            ("gp2", 100.0),
        );
        self.volume(SANDBOX, US_EAST_1, 1, "gp2", 500.0, Vec::new(), all.clone());
        let idle = self.template("ipv4|idle".into(), || cat::public_ipv4(US_EAST_1, false));
        let eip = self.resource_id("eipalloc");
        let owner = self.owner(SANDBOX, Some(eip), None, Vec::new());
        self.hourly(idle, owner, all, Quantity::Fixed(1.0));
    }

    fn marketing_web(&mut self) {
        let all = self.all_hours();
        let web = tags("website", "Marketing", "prod", "web-team");
        self.instance(
            MARKETING,
            US_EAST_1,
            0,
            cat::instance_type("m6g.large"),
            InstanceBilling::OnDemand,
            web.clone(),
            all,
            ("gp3", 30.0),
        );
        self.bucket(
            MARKETING,
            US_EAST_1,
            "www-costscope-demo",
            &[(0, 60.0)],
            None,
            web.clone(),
        );
        let tokens = self.business_tokens(600.0);
        self.bedrock_profile(
            MARKETING,
            cat::NOVA_PRO,
            Schedule::BusinessHours,
            &[
                (
                    TokenKind::Input,
                    Quantity::Curve {
                        curve: tokens,
                        factor: 1.0,
                    },
                ),
                (
                    TokenKind::Output,
                    Quantity::Curve {
                        curve: tokens,
                        factor: 0.25,
                    },
                ),
            ],
            tags("marketing-copy", "Marketing", "prod", "web-team"),
        );
    }

    /// One background workload: an instance and its volume in a rotating account.
    fn replica(&mut self, r: u64) {
        const ROTATION: [usize; 8] = [
            DATA, SHARED, APP_DEV, MARKETING, SECURITY, SANDBOX, SALES, APP_PROD,
        ];
        const TYPES: [&str; 8] = [
            "m5.large",
            "m6i.large",
            "m6g.large",
            "c5.large",
            "t3.medium",
            "m7g.large",
            "m4.large",
            "t2.medium",
        ];
        let account = ROTATION[(r % 8) as usize];
        let region = if account == SECURITY {
            US_WEST_2
        } else {
            US_EAST_1
        };
        let (department, team, app) = ACCOUNT_TAGS[account];
        let env = if r % 7 == 3 { "Prod" } else { "prod" };
        let tags = if r % 11 == 5 {
            Vec::new()
        } else {
            tags(app, department, env, team)
        };
        let instance = cat::instance_type(TYPES[(r / 8 % 8) as usize]);
        let billing = if r % 5 == 4 {
            InstanceBilling::Spot
        } else {
            InstanceBilling::OnDemand
        };
        let volume = if r % 3 == 0 { "gp2" } else { "gp3" };
        let zone_index = (r % 3) as usize;
        let all = self.all_hours();
        let gb = 20.0 + (r % 10) as f64 * 25.0;
        let (id, _) = self.instance(
            account,
            region,
            zone_index,
            instance,
            billing,
            tags.clone(),
            all,
            (volume, gb),
        );
        if r < MAX_REPLICAS_WITH_FLOWS {
            let eni = self.interface(
                account,
                region,
                zone_index,
                InterfaceKind::Instance,
                id,
                None,
                tags,
            );
            if r >= 8 {
                // Talks to the replica created one rotation earlier in the same account.
                let peer = self.org.interfaces.iter().rposition(|i| {
                    i.account == account
                        && i.kind == InterfaceKind::Instance
                        && i.eni_id != self.org.interfaces[eni].eni_id
                });
                if let Some(destination) = peer {
                    let port = if r % 2 == 0 { 443 } else { 5432 };
                    self.org.flows.push(Flow::Internal {
                        source: eni,
                        destination,
                        port,
                        gb_per_hour: 0.05 + (r % 5) as f64 * 0.05,
                    });
                }
            }
        }
    }

    fn savings_plan_fee(&mut self) {
        let plan = self.org.savings_plans[0].clone();
        let owner = self.owner(SHARED, Some(plan.arn.clone()), None, Vec::new());
        let template = self.template("sp|fee".into(), || cat::savings_plan_fee(&plan));
        let all = self.all_hours();
        self.meter(
            template,
            owner,
            Cadence::Hourly,
            Schedule::Always,
            all,
            Quantity::Fixed(1.0),
            Billing::SavingsPlanFee { plan: 0 },
        );
    }

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
        let refund_period = self.cal.periods.len().saturating_sub(2);
        charges.push(PeriodCharge::Refund {
            account: SALES,
            template: refund,
            period: refund_period,
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
        let pairs = self.org.active_products(all);
        for (account, product) in pairs {
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

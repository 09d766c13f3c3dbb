//! What runs in each account, including the three running examples of the demo:
//!
//! 1. `catalog-sync` instances in us-east-1b of App-Team-Prod send a growing volume through
//!    a NAT gateway in us-east-1a, so `NatGateway-Bytes` and `DataTransfer-Regional-Bytes`
//!    rise month over month (a second NAT gateway also raises `NatGateway-Hours`), and a
//!    deploy in the last period raises the 1b traffic by a quarter (the onset anomalies are measured on).
//! 2. Bedrock application inference profiles tagged `user_department`: Sales uses Claude
//!    Sonnet, Dev uses Claude Haiku and Nova Lite for a similar number of tokens.
//! 3. `clickstream` (Lambda, EC2, Aurora, Bedrock) moves to fewer Graviton instances and
//!    Graviton Lambda in the last month while its invocations keep growing.

use super::InstanceBilling::{OnDemand, Reserved, SavingsPlan, Spot};
use super::*;
use crate::catalog::{AuroraLine, TokenKind};
use crate::traffic::Change;

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

/// Replica workloads whose instances also appear in flow logs and the inventory.
const MAX_REPLICAS_WITH_FLOWS: u64 = 200;

/// Input, output and cache-read tokens relative to the input curve.
const CHAT_TOKENS: [(TokenKind, f64); 3] = [
    (TokenKind::Input, 1.0),
    (TokenKind::Output, 0.2),
    (TokenKind::CacheRead, 0.5),
];

impl Builder<'_> {
    pub(super) fn app_team_prod(&mut self) {
        self.clickstream();
        self.catalog_sync_through_nat();

        // checkout: a Graviton Lambda API with its own business metrics.
        let checkout = tags("checkout", "Dev", "prod", "app-team");
        let calls = self.curve(
            Curve::flat(20_000.0)
                .growing(1.04)
                .daily_cycle()
                .jittered(0.1)
                .counts(),
        );
        self.lambda(APP_PROD, "checkout-api", calls, 0.2, 0, &checkout);
        self.org.apps.push(App {
            name: "checkout",
            team: "app-team",
            invocations_curve: calls,
            clicks_per_invocation: 1.0,
            orders_per_click: 0.000_1,
            revenue_per_order: 62.0,
        });
    }

    /// Story 3: 3 x m5.xlarge and x86 Lambda, then 2 x m7g.large and Graviton Lambda in the
    /// last month; Aurora, S3 and a Nova Lite profile throughout.
    fn clickstream(&mut self) {
        let all = self.all_hours();
        let (switch, total) = (self.switch_hour, self.cal.total_hours());
        let tags = tags("clickstream", "Dev", "prod", "app-team");
        for zone in 0..3 {
            let place = Place::east(APP_PROD, zone);
            self.instance(
                place,
                "m5.xlarge",
                OnDemand,
                &tags,
                0..switch,
                ("gp3", 50.0),
            );
        }
        for zone in [0, 2] {
            let place = Place::east(APP_PROD, zone);
            self.instance(
                place,
                "m7g.large",
                OnDemand,
                &tags,
                switch..total,
                ("gp3", 50.0),
            );
        }
        let invocations = self.curve(
            Curve::flat(150_000.0)
                .growing(1.12)
                .daily_cycle()
                .jittered(0.08)
                .counts(),
        );
        self.lambda(
            APP_PROD,
            "clickstream-ingest",
            invocations,
            0.25,
            switch,
            &tags,
        );
        self.org.apps.push(App {
            name: "clickstream",
            team: "app-team",
            invocations_curve: invocations,
            clicks_per_invocation: 12.0,
            orders_per_click: 0.000_000_25,
            revenue_per_order: 48.0,
        });

        let account_id = ACCOUNTS[APP_PROD].id;
        let instance = self.template("aurora|instance".into(), || {
            cat::aurora(US_EAST_1, AuroraLine::Instance)
        });
        for role in ["writer", "reader"] {
            let arn = format!("arn:aws:rds:us-east-1:{account_id}:db:clickstream-{role}");
            let owner = self.owner(APP_PROD, Some(arn), Some("us-east-1a"), tags.clone());
            self.hourly(instance, owner, all.clone(), Quantity::Fixed(1.0));
        }
        let arn = format!("arn:aws:rds:us-east-1:{account_id}:cluster:clickstream");
        let cluster = self.owner(APP_PROD, Some(arn), None, tags.clone());
        let storage = self.template("aurora|storage".into(), || {
            cat::aurora(US_EAST_1, AuroraLine::Storage)
        });
        self.daily(storage, cluster, Quantity::StorageGb(400.0));
        let io = self.template("aurora|io".into(), || {
            cat::aurora(US_EAST_1, AuroraLine::Io)
        });
        let io_curve = self.curve(
            Curve::flat(20_000_000.0)
                .growing(1.08)
                .jittered(0.1)
                .counts(),
        );
        self.daily(
            io,
            cluster,
            Quantity::Curve {
                curve: io_curve,
                factor: 1.0,
            },
        );

        // Summaries of sampled events, a few tokens per invocation.
        let lines = [(TokenKind::Input, 0.000_36), (TokenKind::Output, 0.000_09)];
        self.bedrock_profile(
            APP_PROD,
            cat::NOVA_LITE,
            Schedule::Always,
            invocations,
            &lines,
            &tags,
        );
        let classes = [(0, 3000.0), (2, 1200.0)];
        let requests = Some((2_000_000.0, 5_000_000.0));
        self.bucket(
            Place::east(APP_PROD, 0),
            "clickstream-raw-222222222222",
            &classes,
            requests,
            &tags,
        );
    }

    /// Story 1: two `catalog-sync` instances in us-east-1b and one in us-east-1a send to a
    /// supplier API through the NAT gateway in us-east-1a; the 1b traffic grows 45% a month.
    fn catalog_sync_through_nat(&mut self) {
        let all = self.all_hours();
        let total = self.cal.total_hours();
        let account_id = ACCOUNTS[APP_PROD].id;
        let sync_tags = tags("catalog-sync", "Dev", "prod", "app-team");
        let network_tags = tags("shared-vpc", "Dev", "prod", "app-team");

        let nat_id = self.resource_id("nat");
        let nat_place = Place::east(APP_PROD, 0);
        let nat_eni = self.interface(
            nat_place,
            InterfaceKind::NatGateway,
            nat_id.clone(),
            Some(nat_id.clone()),
            &network_tags,
        );
        let first_sender_curve = self.org.curves.len();
        let mut senders = Vec::new();
        // A deploy in the last period raises the 1b senders' traffic by a quarter (a labelled onset).
        let deploy = Change::Step {
            from: self.nat_onset_hour(),
            factor: 1.25,
        };
        for (zone, base_gb, growth) in [(1, 38.0, 1.45), (1, 38.0, 1.45), (0, 9.0, 1.0)] {
            let mut shape = Curve::flat(base_gb)
                .growing(growth)
                .daily_cycle()
                .jittered(0.15);
            if zone == 1 {
                shape = shape.changed(deploy);
            }
            let curve = self.curve(shape);
            let place = Place::east(APP_PROD, zone);
            let (id, owner) = self.instance(
                place,
                "m5.large",
                OnDemand,
                &sync_tags,
                all.clone(),
                ("gp2", 100.0),
            );
            let eni = self.interface(place, InterfaceKind::Instance, id, None, &sync_tags);
            if zone != nat_place.zone {
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
        for (n, &(source, curve)) in senders.iter().enumerate() {
            self.org.flows.push(Flow::ThroughNat {
                source,
                nat: nat_eni,
                curve,
                response_ratio: NAT_RESPONSE_RATIO,
                destination_ip: format!("203.0.113.{}", 20 + n * 7),
            });
        }
        let nat_arn = format!("arn:aws:ec2:us-east-1:{account_id}:natgateway/{nat_id}");
        let nat_owner = self.owner(
            APP_PROD,
            Some(nat_arn),
            Some("us-east-1a"),
            network_tags.clone(),
        );
        let nat_hours = self.template("nat|hours".into(), || cat::nat_gateway(US_EAST_1, true));
        let nat_bytes = self.template("nat|bytes".into(), || cat::nat_gateway(US_EAST_1, false));
        let processed = Quantity::CurveSum {
            first: first_sender_curve,
            count: senders.len(),
            factor: 1.0 + NAT_RESPONSE_RATIO,
        };
        self.hourly(nat_hours, nat_owner, all.clone(), Quantity::Fixed(1.0));
        self.hourly(nat_bytes, nat_owner, all.clone(), processed);
        let in_use = self.template("ipv4|in-use".into(), || cat::public_ipv4(US_EAST_1, true));
        let eip = self.resource_id("eipalloc");
        let eip_owner = self.owner(APP_PROD, Some(eip), None, network_tags);
        self.hourly(in_use, eip_owner, all.clone(), Quantity::Fixed(1.0));

        // A second NAT gateway (staging) from the second period on raises NAT hours; it is
        // nearly idle, so its interface logs NODATA.
        let from = self.cal.periods.get(1).map(|p| p.first_hour).unwrap_or(0);
        let staging_id = self.resource_id("nat");
        let staging_tags = tags("shared-vpc", "Dev", "staging", "app-team");
        let staging_place = Place::east(APP_PROD, 2);
        let staging_eni = self.interface(
            staging_place,
            InterfaceKind::NatGateway,
            staging_id.clone(),
            Some(staging_id.clone()),
            &staging_tags,
        );
        self.org.interfaces[staging_eni].active = from..total;
        self.org.flows.push(Flow::Idle {
            interface: staging_eni,
        });
        let staging_arn = format!("arn:aws:ec2:us-east-1:{account_id}:natgateway/{staging_id}");
        let staging_owner = self.owner(
            APP_PROD,
            Some(staging_arn),
            Some("us-east-1c"),
            staging_tags.clone(),
        );
        let staging_bytes = self.curve(Curve::flat(1.5).daily_cycle().jittered(0.2));
        self.hourly(nat_hours, staging_owner, from..total, Quantity::Fixed(1.0));
        let bytes = Quantity::Curve {
            curve: staging_bytes,
            factor: 1.0,
        };
        self.hourly(nat_bytes, staging_owner, from..total, bytes);
        let staging_eip = self.resource_id("eipalloc");
        let staging_eip_owner = self.owner(APP_PROD, Some(staging_eip), None, staging_tags);
        self.hourly(in_use, staging_eip_owner, from..total, Quantity::Fixed(1.0));

        // The catalog API load balancer forwards to catalog-sync instances in 1b and 1a.
        let alb_suffix = self.hex(16);
        let alb_arn = format!(
            "arn:aws:elasticloadbalancing:us-east-1:{account_id}:loadbalancer/app/catalog-api/{alb_suffix}"
        );
        let alb_owner = self.owner(APP_PROD, Some(alb_arn.clone()), None, sync_tags.clone());
        let alb_hours = self.template("alb|hours".into(), || cat::load_balancer(US_EAST_1, true));
        let alb_lcu = self.template("alb|lcu".into(), || cat::load_balancer(US_EAST_1, false));
        let lcu = self.curve(Curve::flat(3.0).growing(1.05).daily_cycle().jittered(0.1));
        self.hourly(alb_hours, alb_owner, all.clone(), Quantity::Fixed(1.0));
        self.hourly(
            alb_lcu,
            alb_owner,
            all,
            Quantity::Curve {
                curve: lcu,
                factor: 1.0,
            },
        );
        for (zone, target) in [(0, senders[0].0), (2, senders[2].0)] {
            let place = Place::east(APP_PROD, zone);
            let eni = self.interface(
                place,
                InterfaceKind::LoadBalancer,
                alb_arn.clone(),
                None,
                &sync_tags,
            );
            self.org.flows.push(Flow::Internal {
                source: eni,
                destination: target,
                port: 8080,
                gb_per_hour: 0.4,
            });
        }
    }

    pub(super) fn app_team_dev(&mut self) {
        let all = self.all_hours();
        let dev_tags = tags("catalog-sync", "Dev", "dev", "app-team");
        self.instance(
            Place::east(APP_DEV, 1),
            "m4.large",
            OnDemand,
            &dev_tags,
            all.clone(),
            ("gp2", 80.0),
        );
        // `Dev` for `dev`: the inconsistent tag values real organisations have.
        let ci_tags = tags("ci", "Dev", "Dev", "app-team");
        self.instance(
            Place::east(APP_DEV, 2),
            "c5.large",
            Spot,
            &ci_tags,
            all,
            ("gp2", 60.0),
        );
        self.snapshot(APP_DEV, 200.0, "2024-09-12", Vec::new());

        // Story 2, Dev side: Claude Haiku for about as many tokens as Sales sends to Sonnet.
        let tokens = self.office_hours_tokens(1700.0);
        let tags = tags("dev-assistant", "Dev", "dev", "app-team");
        self.bedrock_profile(
            APP_DEV,
            cat::CLAUDE_HAIKU,
            Schedule::BusinessHours,
            tokens,
            &CHAT_TOKENS,
            &tags,
        );
    }

    pub(super) fn sales_prod(&mut self) {
        let all = self.all_hours();
        // Inconsistent tag values as real organisations have them: `sales`, `production`.
        for (zone, department, env) in [(0, "Sales", "prod"), (1, "sales", "production")] {
            let crm = tags("crm", department, env, "sales-eng");
            let place = Place::east(SALES, zone);
            self.instance(
                place,
                "m6i.xlarge",
                SavingsPlan(0),
                &crm,
                all.clone(),
                ("gp3", 100.0),
            );
        }

        // Story 2, Sales side: Claude Sonnet, three times Haiku's price per token.
        let tokens = self.office_hours_tokens(1700.0);
        let tags = tags("sales-assistant", "Sales", "prod", "sales-eng");
        self.bedrock_profile(
            SALES,
            cat::CLAUDE_SONNET,
            Schedule::BusinessHours,
            tokens,
            &CHAT_TOKENS,
            &tags,
        );
    }

    pub(super) fn shared_services(&mut self) {
        let all = self.all_hours();
        let bastion = tags("bastion", "Platform", "prod", "platform-team");
        self.instance(
            Place::east(SHARED, 1),
            "t2.micro",
            OnDemand,
            &bastion,
            all,
            ("gp3", 8.0),
        );
        let backup = tags("backup", "Platform", "prod", "platform-team");
        // Two snapshots are more than a year old.
        for (gb, created) in [
            (500.0, "2024-11-03"),
            (750.0, "2025-02-17"),
            (120.0, "2026-06-21"),
        ] {
            self.snapshot(SHARED, gb, created, backup.clone());
        }
        let classes = [(3, 8000.0), (4, 40_000.0)];
        self.bucket(
            Place::east(SHARED, 0),
            "costscope-backups-444444444444",
            &classes,
            None,
            &backup,
        );
    }

    pub(super) fn data_platform(&mut self) {
        let all = self.all_hours();
        let etl = tags("etl", "Data", "prod", "data-team");
        for zone in 0..2 {
            self.instance(
                Place::east(DATA, zone),
                "c5.xlarge",
                Reserved(0),
                &etl,
                all.clone(),
                ("gp2", 200.0),
            );
        }
        let analytics = tags("analytics", "Data", "prod", "data-team");
        self.instance(
            Place::east(DATA, 2),
            "m6g.xlarge",
            OnDemand,
            &analytics,
            all.clone(),
            ("gp2", 200.0),
        );
        let datalake = tags("datalake", "Data", "prod", "data-team");
        let classes = [(0, 15_000.0), (1, 9000.0), (2, 5000.0), (3, 20_000.0)];
        let requests = Some((500_000.0, 3_000_000.0));
        self.bucket(
            Place::east(DATA, 0),
            "datalake-666666666666",
            &classes,
            requests,
            &datalake,
        );
        let calls = self.curve(Curve::flat(1500.0).jittered(0.2).counts());
        self.lambda(DATA, "etl-trigger", calls, 3.0, u32::MAX, &etl);

        // A third-party model billed through AWS Marketplace (usage in millions of tokens).
        let id = self.hex(12);
        let arn = format!(
            "arn:aws:bedrock:us-east-1:{}:application-inference-profile/{id}",
            ACCOUNTS[DATA].id
        );
        let owner = self.owner(
            DATA,
            Some(arn),
            None,
            tags("doc-extract", "Data", "prod", "data-team"),
        );
        let tokens = self.office_hours_tokens(3.0);
        for (output, factor) in [(false, 1.0), (true, 0.2)] {
            let template = self.template(format!("marketplace|{output}"), || {
                cat::marketplace_model(US_EAST_1, output)
            });
            self.meter(Meter {
                template,
                owner,
                cadence: Cadence::Hourly,
                schedule: Schedule::BusinessHours,
                active: all.clone(),
                quantity: Quantity::Curve {
                    curve: tokens,
                    factor,
                },
                billing: Billing::OnDemand,
            });
        }
    }

    pub(super) fn security(&mut self) {
        let all = self.all_hours();
        let secops = tags("siem", "Security", "prod", "secops");
        let place = Place {
            account: SECURITY,
            region: US_WEST_2,
            zone: 0,
        };
        self.instance(place, "m5.large", OnDemand, &secops, all, ("gp3", 500.0));
        self.bucket(
            place,
            "security-logs-777777777777",
            &[(0, 2500.0)],
            None,
            &secops,
        );
    }

    pub(super) fn sandbox(&mut self) {
        let all = self.all_hours();
        // Untagged and previous-generation, with an unattached volume and an idle address.
        let untagged = Vec::new();
        self.instance(
            Place::east(SANDBOX, 0),
            "m4.xlarge",
            OnDemand,
            &untagged,
            all.clone(),
            ("gp2", 100.0),
        );
        self.volume(
            Place::east(SANDBOX, 1),
            ("gp2", 500.0),
            Vec::new(),
            all.clone(),
        );
        let idle = self.template("ipv4|idle".into(), || cat::public_ipv4(US_EAST_1, false));
        let eip = self.resource_id("eipalloc");
        let owner = self.owner(SANDBOX, Some(eip), None, Vec::new());
        self.hourly(idle, owner, all, Quantity::Fixed(1.0));
    }

    pub(super) fn marketing_web(&mut self) {
        let all = self.all_hours();
        let web = tags("website", "Marketing", "prod", "web-team");
        let place = Place::east(MARKETING, 0);
        self.instance(place, "m6g.large", OnDemand, &web, all, ("gp3", 30.0));
        self.bucket(place, "www-costscope-demo", &[(0, 60.0)], None, &web);
        let tokens = self.office_hours_tokens(600.0);
        let lines = [(TokenKind::Input, 1.0), (TokenKind::Output, 0.25)];
        let copy = tags("marketing-copy", "Marketing", "prod", "web-team");
        self.bedrock_profile(
            MARKETING,
            cat::NOVA_PRO,
            Schedule::BusinessHours,
            tokens,
            &lines,
            &copy,
        );
    }

    /// One background workload: an instance and its volume in a rotating account.
    pub(super) fn replica(&mut self, r: u64) {
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
        let place = Place {
            account,
            region,
            zone: (r % 3) as usize,
        };
        let (department, team, app) = ACCOUNT_TAGS[account];
        let env = if r % 7 == 3 { "Prod" } else { "prod" };
        let tags = if r % 11 == 5 {
            Vec::new()
        } else {
            tags(app, department, env, team)
        };
        let billing = if r % 5 == 4 { Spot } else { OnDemand };
        let volume_type = if r.is_multiple_of(3) { "gp2" } else { "gp3" };
        let root = (volume_type, 20.0 + (r % 10) as f64 * 25.0);
        let all = self.all_hours();
        let (id, _) = self.instance(
            place,
            TYPES[(r / 8 % 8) as usize],
            billing,
            &tags,
            all,
            root,
        );
        if r < MAX_REPLICAS_WITH_FLOWS {
            let eni = self.interface(place, InterfaceKind::Instance, id, None, &tags);
            // Talks to the previous instance interface of the same account, if any.
            let peer = self.org.interfaces[..eni]
                .iter()
                .rposition(|i| i.account == account && i.kind == InterfaceKind::Instance);
            if let Some(destination) = peer {
                self.org.flows.push(Flow::Internal {
                    source: eni,
                    destination,
                    port: if r.is_multiple_of(2) { 443 } else { 5432 },
                    gb_per_hour: 0.05 + (r % 5) as f64 * 0.05,
                });
            }
        }
    }
}

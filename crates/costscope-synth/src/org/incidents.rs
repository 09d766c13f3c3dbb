//! Labelled incidents: cost anomalies of known shape, onset and impact put into the
//! organisation so that anomaly detection can be measured (precision, recall, days to
//! detect). Each incident is recorded as an [`IncidentLabel`]; the generator writes them to
//! `labels.json`. Incidents use few CUR rows (daily meters where they can), so the natural
//! organisation keeps its size.
//!
//! All onsets fall in the last billing period, so a detector run as of each of its days
//! sees every incident begin (with two months of history before it in the default
//! calendar):
//!
//! | day | shape | where |
//! |---|---|---|
//! | 5 | slow drift | Marketing-Web: PUT requests to an S3 log bucket +4% of the base a day |
//! | 8 | spike | Data-Platform: 20 `c5.xlarge` backfill instances for 36 hours |
//! | 12 | level shift | Shared-Services: 4 `m6i.xlarge` log indexers added, never removed |
//! | 22 | level shift | App-Team-Prod: the NAT story's deploy raises catalog-sync's 1b traffic by a quarter (inside the flow-log days) |
//! | first Saturday ≥ 17 | weekly pattern | Security: an S3 archive job that skipped weekends runs every day |
//! | 20 | new service | Sandbox: a 4-instance Aurora prototype cluster (first RDS use in the account) |

use chrono::Datelike;

use super::InstanceBilling::OnDemand;

use super::*;
use crate::catalog::AuroraLine;
use crate::ledger::{IncidentLabel, LabelMonitor};
use crate::traffic::Change;

/// Days into the last period of each onset.
pub(super) const DRIFT_DAY: u32 = 4;
pub(super) const SPIKE_DAY: u32 = 7;
pub(super) const SHIFT_DAY: u32 = 11;
/// Inside the last 14 days, which have flow logs, so the onset shows there too.
pub(super) const NAT_DAY: u32 = 21;
pub(super) const WEEKLY_DAY: u32 = 16;
pub(super) const NEW_SERVICE_DAY: u32 = 19;

/// Instances of the backfill spike.
const BACKFILL_INSTANCES: usize = 20;
/// Instances of the Sandbox Aurora prototype.
const PROTOTYPE_INSTANCES: usize = 4;

/// Hour of day (UTC) of the NAT story's deploy.
const NAT_DEPLOY_HOUR: u32 = 10;

/// What an incident raises, for its label.
pub(super) struct Raised<'a> {
    pub account: usize,
    pub templates: &'a [usize],
    pub team: Option<&'a str>,
    pub resources: Vec<String>,
}

impl Builder<'_> {
    /// Every labelled incident but the NAT one (which is part of its story); with
    /// `planted_incidents` false, only the labels of the stories' own changes.
    pub(super) fn incidents(&mut self, planted_incidents: bool) {
        if planted_incidents {
            self.drift_incident();
            self.spike_incident();
            self.level_shift_incident();
            self.weekly_pattern_incident();
            self.new_service_incident();
        }
        self.story_labels();
    }

    /// Hour `hour_of_day` of day `day` of the last period (clamped to the calendar).
    pub(super) fn incident_hour(&self, day: u32, hour_of_day: u32) -> u32 {
        let first = self.cal.periods.last().map(|p| p.first_hour).unwrap_or(0);
        (first + day * 24 + hour_of_day).min(self.cal.total_hours().saturating_sub(1))
    }

    /// When the NAT story's deploy raises the 1b senders' traffic by a quarter.
    pub(super) fn nat_onset_hour(&self) -> u32 {
        self.incident_hour(NAT_DAY, NAT_DEPLOY_HOUR)
    }

    fn day_of(&self, hour: u32) -> String {
        self.cal.date(hour / 24).format("%Y-%m-%d").to_string()
    }

    fn usage_type(&self, template: usize) -> String {
        self.org.templates[template]
            .get("line_item_usage_type")
            .unwrap_or_default()
            .to_string()
    }

    /// Extra cost of `factor ×` curve `curve` at `rate` over `hours` caused by its change.
    fn curve_extra(&self, curve: usize, factor: f64, rate: f64, hours: Range<u32>) -> f64 {
        let changed = Curve {
            jitter: 0.0,
            ..self.org.curves[curve]
        };
        let before = changed.unchanged();
        hours
            .map(|h| changed.at(0, h) - before.at(0, h))
            .sum::<f64>()
            * factor
            * rate
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn label(
        &mut self,
        id: &str,
        shape: &str,
        primary: (&str, String),
        raised: Raised<'_>,
        onset: u32,
        end: Option<u32>,
        expected_impact: f64,
        description: &str,
    ) {
        let account = ACCOUNTS[raised.account];
        let monitor = |kind: &str, value: String| LabelMonitor {
            kind: kind.to_string(),
            value,
        };
        let mut usage_types: Vec<String> = raised
            .templates
            .iter()
            .map(|t| self.usage_type(*t))
            .collect();
        usage_types.sort();
        usage_types.dedup();
        let mut also = vec![
            monitor("account", account.id.to_string()),
            monitor("cost_category", account.business_unit.to_string()),
        ];
        for template in raised.templates {
            also.push(monitor(
                "service",
                self.org.templates[*template].product_code.clone(),
            ));
        }
        also.extend(usage_types.iter().map(|u| monitor("usage_type", u.clone())));
        if let Some(team) = raised.team {
            // Untagged cost is the `(no team)` series of the team monitor.
            let team = if team.is_empty() { "(no team)" } else { team };
            also.push(monitor("team", team.to_string()));
        }
        let primary = monitor(primary.0, primary.1);
        also.retain(|m| *m != primary);
        also.sort();
        also.dedup();
        let label = IncidentLabel {
            id: id.to_string(),
            shape: shape.to_string(),
            monitor: primary,
            also,
            onset: self.day_of(onset),
            end: end.map(|h| self.day_of(h.saturating_sub(1))),
            expected_impact,
            resources: raised.resources,
            usage_types,
            description: description.to_string(),
        };
        self.org.labels.push(label);
    }

    /// Slow drift: a log bucket whose daily PUT requests grow by 6% of the base a day.
    fn drift_incident(&mut self) {
        let onset = self.incident_hour(DRIFT_DAY, 0);
        let web = tags("asset-pipeline", "Marketing", "prod", "web-team");
        let puts = self.curve(Curve::flat(10_000_000.0).jittered(0.1).counts().changed(
            Change::Drift {
                from: onset,
                per_day: 0.04,
            },
        ));
        let name = format!("www-asset-logs-{}", ACCOUNTS[MARKETING].id);
        let owner = self.owner(MARKETING, Some(name.clone()), None, web);
        let template = self.template("s3req|us-east-1|true".into(), || {
            cat::s3_requests(US_EAST_1, true)
        });
        self.daily(
            template,
            owner,
            Quantity::Curve {
                curve: puts,
                factor: 1.0,
            },
        );
        let impact = self.daily_extra(puts, self.org.templates[template].rate, onset);
        self.label(
            "slow-drift-marketing-asset-logs",
            "slow-drift",
            ("account", ACCOUNTS[MARKETING].id.to_string()),
            Raised {
                account: MARKETING,
                templates: &[template],
                team: Some("web-team"),
                resources: vec![name],
            },
            onset,
            None,
            impact,
            "PUT requests to the asset-log bucket drift up by 4% of their usual volume a day",
        );
    }

    /// Extra cost of a daily meter on `curve` at `rate` from `onset` on, caused by its change.
    fn daily_extra(&self, curve: usize, rate: f64, onset: u32) -> f64 {
        let changed = Curve {
            jitter: 0.0,
            ..self.org.curves[curve]
        };
        let before = changed.unchanged();
        (onset / 24..self.cal.total_days())
            .map(|d| changed.at(0, d * 24) - before.at(0, d * 24))
            .sum::<f64>()
            * rate
    }

    /// Spike: 20 on-demand `c5.xlarge` instances run a backfill for 36 hours.
    fn spike_incident(&mut self) {
        let onset = self.incident_hour(SPIKE_DAY, 0);
        let end = (onset + 36).min(self.cal.total_hours());
        let etl = tags("etl-backfill", "Data", "prod", "data-team");
        let mut resources = Vec::new();
        for n in 0..BACKFILL_INSTANCES {
            let place = Place::east(DATA, n % 3);
            let (id, _) = self.instance(
                place,
                "c5.xlarge",
                OnDemand,
                &etl,
                onset..end,
                ("gp3", 20.0),
            );
            resources.push(id);
        }
        let template = self.template("ec2|us-east-1|c5.xlarge|OnDemand".into(), || {
            cat::ec2_instance(
                US_EAST_1,
                cat::instance_type("c5.xlarge"),
                Purchase::OnDemand,
            )
        });
        let impact =
            BACKFILL_INSTANCES as f64 * f64::from(end - onset) * self.org.templates[template].rate;
        self.label(
            "spike-data-platform-backfill",
            "spike",
            ("account", ACCOUNTS[DATA].id.to_string()),
            Raised {
                account: DATA,
                templates: &[template],
                team: Some("data-team"),
                resources,
            },
            onset,
            Some(end),
            impact,
            "a 36-hour backfill on 20 on-demand c5.xlarge instances",
        );
    }

    /// Level shift: four `m6i.xlarge` log indexers added for good.
    fn level_shift_incident(&mut self) {
        let onset = self.incident_hour(SHIFT_DAY, 0);
        let total = self.cal.total_hours();
        let logs = tags("log-indexer", "Platform", "prod", "platform-team");
        let mut resources = Vec::new();
        for n in 0..4 {
            let place = Place::east(SHARED, n % 3);
            let (id, _) = self.instance(
                place,
                "m6i.xlarge",
                OnDemand,
                &logs,
                onset..total,
                ("gp3", 50.0),
            );
            resources.push(id);
        }
        let template = self.template("ec2|us-east-1|m6i.xlarge|OnDemand".into(), || {
            cat::ec2_instance(
                US_EAST_1,
                cat::instance_type("m6i.xlarge"),
                Purchase::OnDemand,
            )
        });
        let impact = 4.0 * f64::from(total - onset) * self.org.templates[template].rate;
        self.label(
            "level-shift-shared-log-indexers",
            "level-shift",
            ("account", ACCOUNTS[SHARED].id.to_string()),
            Raised {
                account: SHARED,
                templates: &[template],
                team: Some("platform-team"),
                resources,
            },
            onset,
            None,
            impact,
            "four m6i.xlarge log indexers added to Shared-Services and never removed",
        );
    }

    /// Weekly pattern change: a nightly archive job that skipped weekends runs every day.
    fn weekly_pattern_incident(&mut self) {
        let first_weekday = self.cal.date(0).weekday().num_days_from_monday();
        // The first Saturday on or after the chosen day.
        let mut day = WEEKLY_DAY;
        let last = self.cal.periods.last().map(|p| p.first_day).unwrap_or(0);
        while (first_weekday + last + day) % 7 != 5 && day < WEEKLY_DAY + 6 {
            day += 1;
        }
        let onset = self.incident_hour(day, 0);
        let base = 12_000_000.0;
        let weekend = 0.1;
        let puts = self.curve(Curve::flat(base).jittered(0.05).counts().changed(
            Change::Weekends {
                from: onset,
                weekend,
                first_weekday,
            },
        ));
        let siem = tags("siem-archive", "Security", "prod", "secops");
        let name = format!("siem-archive-{}", ACCOUNTS[SECURITY].id);
        let owner = self.owner(SECURITY, Some(name.clone()), None, siem);
        let template = self.template("s3req|us-west-2|true".into(), || {
            cat::s3_requests(US_WEST_2, true)
        });
        self.daily(
            template,
            owner,
            Quantity::Curve {
                curve: puts,
                factor: 1.0,
            },
        );
        // Had nothing changed, weekends would have stayed at a tenth.
        let weekend_days = (onset / 24..self.cal.total_days())
            .filter(|d| (first_weekday + d) % 7 >= 5)
            .count();
        let impact =
            weekend_days as f64 * base * (1.0 - weekend) * self.org.templates[template].rate;
        self.label(
            "weekly-pattern-security-siem-archive",
            "weekly-pattern",
            ("account", ACCOUNTS[SECURITY].id.to_string()),
            Raised {
                account: SECURITY,
                templates: &[template],
                team: Some("secops"),
                resources: vec![name],
            },
            onset,
            None,
            impact,
            "the SIEM archive job, which skipped weekends, now runs every day",
        );
    }

    /// New service: an Aurora prototype cluster in Sandbox, which never used RDS.
    fn new_service_incident(&mut self) {
        let onset = self.incident_hour(NEW_SERVICE_DAY, 9);
        let total = self.cal.total_hours();
        // Untagged like the rest of Sandbox, whose tag coverage stays at zero.
        let proto = Vec::new();
        let account_id = ACCOUNTS[SANDBOX].id;
        let instance = self.template("aurora|instance".into(), || {
            cat::aurora(US_EAST_1, AuroraLine::Instance)
        });
        let mut resources = Vec::new();
        for n in 0..PROTOTYPE_INSTANCES {
            let role = if n == 0 {
                "writer".to_string()
            } else {
                format!("reader-{n}")
            };
            let arn = format!("arn:aws:rds:us-east-1:{account_id}:db:prototype-{role}");
            let owner = self.owner(
                SANDBOX,
                Some(arn.clone()),
                Some("us-east-1b"),
                proto.clone(),
            );
            self.hourly(instance, owner, onset..total, Quantity::Fixed(1.0));
            resources.push(arn);
        }
        let impact = PROTOTYPE_INSTANCES as f64
            * f64::from(total - onset)
            * self.org.templates[instance].rate;
        self.label(
            "new-service-sandbox-aurora",
            "new-service",
            ("account", account_id.to_string()),
            Raised {
                account: SANDBOX,
                templates: &[instance],
                // Untagged: it raises the series of cost without a team.
                team: Some(""),
                resources,
            },
            onset,
            None,
            impact,
            "Sandbox starts an Aurora cluster: its first Amazon RDS cost",
        );
    }

    /// Labels for the changes the running examples make in the last period: the NAT
    /// story's deploy and clickstream's move to Graviton (new usage types appear).
    fn story_labels(&mut self) {
        self.clickstream_label();
        self.nat_label();
    }

    fn clickstream_label(&mut self) {
        let keys = [
            "ec2|us-east-1|m7g.large|OnDemand",
            "lambda|req|true",
            "lambda|gbs|true",
        ];
        let templates: Vec<usize> = keys
            .iter()
            .filter_map(|k| self.template_keys.get(*k).copied())
            .collect();
        let Some(&instance) = templates.first() else {
            return;
        };
        let (onset, total) = (self.switch_hour, self.cal.total_hours());
        if onset >= total {
            return;
        }
        let impact = 2.0 * f64::from(total - onset) * self.org.templates[instance].rate;
        let primary = self.usage_type(instance);
        self.label(
            "new-usage-clickstream-graviton",
            "new-service",
            ("usage_type", primary),
            Raised {
                account: APP_PROD,
                templates: &templates,
                team: Some("app-team"),
                resources: Vec::new(),
            },
            onset,
            None,
            impact,
            "clickstream moves to m7g.large and Graviton Lambda: new usage types (its total \
             cost falls)",
        );
    }

    fn nat_label(&mut self) {
        let templates = ["nat|bytes", "interaz|true", "interaz|false"]
            .map(|key| self.template_keys.get(key).copied());
        let [Some(bytes), Some(out), Some(back)] = templates else {
            return;
        };
        let onset = self.nat_onset_hour();
        let total = self.cal.total_hours();
        // The 1b senders are the two curves that change.
        let changed: Vec<usize> = (0..self.org.curves.len())
            .filter(|c| {
                self.org.curves[*c]
                    .change
                    .is_some_and(|ch| matches!(ch, Change::Step { .. }))
            })
            .collect();
        let rate = |t: usize| self.org.templates[t].rate;
        let mut impact = 0.0;
        for &curve in &changed {
            impact += self.curve_extra(curve, 1.0 + NAT_RESPONSE_RATIO, rate(bytes), onset..total);
            impact += self.curve_extra(curve, 1.0, rate(out), onset..total);
            impact += self.curve_extra(curve, NAT_RESPONSE_RATIO, rate(back), onset..total);
        }
        let nat = self
            .org
            .interfaces
            .iter()
            .find(|i| i.kind == InterfaceKind::NatGateway);
        let mut resources: Vec<String> = nat.map(|i| i.resource_id.clone()).into_iter().collect();
        resources.extend(self.org.flows.iter().filter_map(|f| match f {
            Flow::ThroughNat { source, curve, .. } if changed.contains(curve) => {
                Some(self.org.interfaces[*source].resource_id.clone())
            }
            _ => None,
        }));
        let primary = self.usage_type(bytes);
        self.label(
            "nat-catalog-sync-deploy",
            "level-shift",
            ("usage_type", primary),
            Raised {
                account: APP_PROD,
                templates: &[bytes, out, back],
                team: Some("app-team"),
                resources,
            },
            onset,
            None,
            impact,
            "a catalog-sync deploy raises by a quarter the traffic its us-east-1b instances send through \
             the NAT gateway in us-east-1a",
        );
    }
}

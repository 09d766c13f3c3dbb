//! Planting the requested changes ([`PlantedChange`]) in the last billing period: one daily
//! meter each, labelled like the built-in incidents.

use super::incidents::Raised;
use super::*;
use crate::catalog::AuroraLine;
use crate::planted::{PlantedChange, PlantedKind, PlantedService};
use crate::{Error, Result};

/// Relative daily noise of planted spend.
const PLANTED_JITTER: f64 = 0.05;

/// Checks that every change names a linked account and a day of the last period.
pub(crate) fn check(cal: &Calendar, changes: &[PlantedChange]) -> Result<()> {
    let days = cal.periods.last().map(|p| p.days).unwrap_or(0);
    for change in changes {
        if account_index(&change.account).is_none() {
            return Err(Error::InvalidOption {
                option: "plant",
                reason: format!(
                    "`{change}`: no linked account named `{}` (one of {})",
                    change.account,
                    ACCOUNTS.map(|a| a.name).join(", ")
                ),
            });
        }
        if change.day < 1 || change.day > days {
            return Err(Error::InvalidOption {
                option: "plant",
                reason: format!(
                    "`{change}`: day {} is outside the last period (1 to {days})",
                    change.day
                ),
            });
        }
        if change.usd_per_day == 0 {
            return Err(Error::InvalidOption {
                option: "plant",
                reason: format!("`{change}`: the spend per day must be positive"),
            });
        }
    }
    Ok(())
}

fn account_index(name_or_id: &str) -> Option<usize> {
    ACCOUNTS
        .iter()
        .position(|a| a.name == name_or_id || a.id == name_or_id)
}

impl Builder<'_> {
    /// Plants every change (already checked).
    pub(super) fn planted(&mut self, changes: &[PlantedChange]) {
        for (index, change) in changes.iter().enumerate() {
            self.plant(index, change);
        }
    }

    fn plant(&mut self, index: usize, change: &PlantedChange) {
        let Some(account) = account_index(&change.account) else {
            return;
        };
        let onset = self.incident_hour(change.day - 1, 0);
        let total = self.cal.total_hours();
        let end = match change.kind {
            PlantedKind::Burst => (onset + 24).min(total),
            PlantedKind::LevelShift | PlantedKind::NewService => total,
        };
        let template = match change.service {
            PlantedService::Ec2 => {
                self.template("ec2|us-east-1|m6i.xlarge|OnDemand".into(), || {
                    cat::ec2_instance(
                        US_EAST_1,
                        cat::instance_type("m6i.xlarge"),
                        Purchase::OnDemand,
                    )
                })
            }
            PlantedService::S3 => self.template("s3req|us-east-1|true".into(), || {
                cat::s3_requests(US_EAST_1, true)
            }),
            PlantedService::Rds => self.template("aurora|instance".into(), || {
                cat::aurora(US_EAST_1, AuroraLine::Instance)
            }),
        };
        let usd = f64::from(change.usd_per_day);
        let per_day = usd / self.org.templates[template].rate;
        let curve = self.curve(Curve::flat(per_day).jittered(PLANTED_JITTER));
        let resource = format!(
            "planted-{index}-{}-{}",
            change.kind.name(),
            change.service.product_code().to_lowercase()
        );
        let owner = self.owner(account, Some(resource.clone()), None, Vec::new());
        self.meter(Meter {
            template,
            owner,
            cadence: Cadence::Daily,
            schedule: Schedule::Always,
            active: onset..end,
            quantity: Quantity::Curve { curve, factor: 1.0 },
            billing: Billing::OnDemand,
        });
        let days = (end - onset).div_ceil(24);
        let id = format!("planted-{index}-{}", change.kind.name());
        let description = format!(
            "planted {}: ${usd} a day of {} in {} from day {}",
            change.kind.name(),
            change.service.product_code(),
            ACCOUNTS[account].name,
            change.day
        );
        self.label(
            &id,
            change.kind.label_shape(),
            ("account", ACCOUNTS[account].id.to_string()),
            Raised {
                account,
                templates: &[template],
                team: Some(""),
                resources: vec![resource],
            },
            onset,
            (change.kind == PlantedKind::Burst).then_some(end),
            usd * f64::from(days),
            &description,
        );
    }
}

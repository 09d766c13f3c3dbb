//! The billing engine: walks the calendar hour by hour, turns every active meter into CUR
//! rows, prices Savings Plan and Reserved Instance coverage, adds the monthly charges (RI
//! fees, credits, refunds, support, tax) and keeps the [`Ledger`] as it goes.

use std::path::Path;

use costscope_core::cur::line_item_type as lit;
use costscope_core::measures::amortized_cost;

use crate::Result;
use crate::calendar::{Calendar, HOUR_MS, Period};
use crate::catalog::PAYER_ACCOUNT_ID;
use crate::cur_writer::{CurWriter, Measure, Row};
use crate::delivery::{PeriodContext, PeriodOutput};
use crate::ledger::{Ledger, LedgerKey, PeriodLedger};
use crate::model::{Billing, Cadence, Meter, Org, PeriodCharge, Quantity, Schedule};
use crate::traffic::mix64;

/// Sales tax applied to each account's use of a product.
const TAX_RATE: f64 = 0.06;

/// What the engine wrote.
pub(crate) struct CurOutput {
    pub periods: Vec<PeriodOutput>,
    pub ledger: Ledger,
}

/// Writes the organisation's CUR under `export_root`; `on_flush` hears of every batch.
pub(crate) fn write_cur(
    org: &Org,
    cal: &Calendar,
    seed: u64,
    export_root: &Path,
    on_flush: Box<dyn FnMut(u64)>,
) -> Result<CurOutput> {
    let writer = CurWriter::start(org, export_root, seed, on_flush)?;
    let mut engine = Engine::new(org, cal, seed, writer);
    for (index, period) in cal.periods.iter().enumerate() {
        engine.period(index, period)?;
    }
    let Engine { writer, ledger, .. } = engine;
    let periods = writer.finish()?;
    Ok(CurOutput { periods, ledger })
}

/// The number of rows [`write_cur`] writes for `org`, computed without generating them.
pub(crate) fn expected_rows(org: &Org, cal: &Calendar) -> u64 {
    let total = cal.total_hours();
    let mut rows = 0;
    for meter in &org.meters {
        let active = meter.active.start.min(total)..meter.active.end.min(total);
        let ticks = match (meter.cadence, meter.schedule) {
            (Cadence::Hourly, Schedule::Always) => u64::from(active.end - active.start),
            (Cadence::Hourly, Schedule::BusinessHours) => u64::from(cal.business_hours_in(active)),
            (Cadence::Daily, _) => active
                .filter(|h| h.is_multiple_of(24) && ticks_in(meter, cal, *h))
                .count() as u64,
        };
        rows += ticks * meter.lines_per_tick();
    }
    for (index, period) in cal.periods.iter().enumerate() {
        let hours = period.hour_range();
        let accounts = org.active_accounts(hours.clone());
        let products = org.active_products(hours);
        for charge in &org.period_charges {
            rows += match *charge {
                PeriodCharge::Tax {
                    account,
                    product_code,
                    ..
                } => u64::from(products.contains(&(account, product_code))),
                PeriodCharge::Support { account, .. } | PeriodCharge::Credit { account, .. } => {
                    u64::from(accounts.contains(&account))
                }
                PeriodCharge::ReservationFee { .. } => 1,
                PeriodCharge::ReservationUpfront { period, .. }
                | PeriodCharge::Refund { period, .. } => u64::from(period == index),
            };
        }
    }
    rows
}

fn ticks_in(meter: &Meter, cal: &Calendar, hour: u32) -> bool {
    meter.schedule == Schedule::Always || cal.is_business_hour(hour)
}

struct Engine<'a> {
    org: &'a Org,
    cal: &'a Calendar,
    seed: u64,
    writer: CurWriter,
    /// Ledger class (index into `classes`) of every template.
    template_class: Vec<usize>,
    /// (product code index, line-item type) of every ledger class.
    classes: Vec<(usize, &'static str)>,
    template_has_arn: Vec<bool>,
    ledger: Ledger,
    period_ledger: PeriodLedger,
    period_start_ms: i64,
    savings_plan_used: Vec<f64>,
    reservation_used: Vec<f64>,
}

impl<'a> Engine<'a> {
    fn new(org: &'a Org, cal: &'a Calendar, seed: u64, writer: CurWriter) -> Self {
        let mut classes: Vec<(usize, &'static str)> = Vec::new();
        let template_class = (0..org.templates.len())
            .map(|t| {
                let class = (org.template_product(t), org.templates[t].line_item_type);
                match classes.iter().position(|c| *c == class) {
                    Some(index) => index,
                    None => {
                        classes.push(class);
                        classes.len() - 1
                    }
                }
            })
            .collect();
        Engine {
            org,
            cal,
            seed,
            writer,
            template_class,
            template_has_arn: org
                .templates
                .iter()
                .map(|t| t.has_reservation_arn())
                .collect(),
            period_ledger: PeriodLedger::new(0, 0, 0),
            classes,
            ledger: Ledger::default(),
            period_start_ms: 0,
            savings_plan_used: vec![0.0; org.savings_plans.len()],
            reservation_used: vec![0.0; org.reservations.len()],
        }
    }

    fn period(&mut self, index: usize, period: &Period) -> Result<()> {
        let cal = self.cal;
        let mut intervals: Vec<String> = period
            .hour_range()
            .map(|h| cal.interval(h, h + 1))
            .collect();
        intervals.extend((0..period.days).map(|d| {
            let first = (period.first_day + d) * 24;
            cal.interval(first, first + 24)
        }));
        intervals.push(cal.interval(period.first_hour, period.first_hour + period.hours));
        let is_last = index + 1 == cal.periods.len();
        let hash = mix64(self.seed ^ mix64(period.start_ms as u64));
        self.writer.begin_period(PeriodContext {
            label: period.label.clone(),
            start_ms: period.start_ms,
            end_ms: period.end_ms,
            invoice_id: (!is_last).then(|| format!("{}", 2_000_000_000 + hash % 999_999_999)),
            intervals,
            execution_id: uuid_text(hash),
            export_arn: format!(
                "arn:aws:bcm-data-exports:us-east-1:{PAYER_ACCOUNT_ID}:export/costscope-demo-{}",
                &uuid_text(mix64(self.seed))[..8]
            ),
        })?;
        self.period_ledger = PeriodLedger::new(
            period.days as usize,
            self.org.accounts.len(),
            self.classes.len(),
        );
        self.period_start_ms = period.start_ms;
        self.reservation_used.fill(0.0);

        for hour in period.hour_range() {
            self.hour(period, hour)?;
        }
        self.period_charges(index, period)?;

        let (org, cal, classes) = (self.org, self.cal, &self.classes);
        self.period_ledger
            .fold_into(&mut self.ledger, |day, account, class| LedgerKey {
                usage_account_id: org.accounts[account].id.to_string(),
                product_code: org.product_codes[classes[class].0].clone(),
                day: cal.day_label(period.first_day + day as u32).to_string(),
                line_item_type: classes[class].1.to_string(),
            });
        self.writer.end_period()
    }

    fn hour(&mut self, period: &Period, hour: u32) -> Result<()> {
        let org = self.org;
        let start_ms = self.cal.hour_start_ms(hour);
        let first_of_day = hour.is_multiple_of(24);
        let business = self.cal.is_business_hour(hour);
        self.savings_plan_used.fill(0.0);
        for meter in &org.meters {
            if hour < meter.active.start || hour >= meter.active.end {
                continue;
            }
            if meter.schedule == Schedule::BusinessHours && !business {
                continue;
            }
            let (hours, interval) = match meter.cadence {
                Cadence::Hourly => (1, hour - period.first_hour),
                Cadence::Daily if first_of_day => {
                    (24, period.hours + (hour / 24 - period.first_day))
                }
                Cadence::Daily => continue,
            };
            let usage = self.quantity(meter.quantity, hour, hours, period);
            let template = &org.templates[meter.template];
            let row = Row {
                template: meter.template as u32,
                owner: meter.owner as u32,
                interval,
                start_ms,
                end_ms: start_ms + i64::from(hours) * HOUR_MS,
                usage_amount: usage,
                unblended_cost: usage * template.rate,
                public_cost: usage * template.public_rate,
            };
            match meter.billing {
                Billing::OnDemand => self.emit(&row, &[])?,
                Billing::SavingsPlan { plan, negation } => {
                    let rate_factor = org.savings_plans[plan].rate_factor;
                    let effective = row.unblended_cost * rate_factor;
                    self.savings_plan_used[plan] += effective;
                    self.emit(
                        &row,
                        &[
                            (Measure::SpEffectiveCost, effective),
                            (Measure::SpRate, template.rate * rate_factor),
                        ],
                    )?;
                    let negation_template = &org.templates[negation];
                    let negation_row = Row {
                        template: negation as u32,
                        unblended_cost: usage * negation_template.rate,
                        public_cost: usage * negation_template.public_rate,
                        ..row
                    };
                    self.emit(&negation_row, &[])?;
                }
                Billing::SavingsPlanFee { plan } => {
                    let commitment = org.savings_plans[plan].hourly_commitment;
                    let used = self.savings_plan_used[plan].min(commitment);
                    let fee = Row {
                        unblended_cost: commitment,
                        public_cost: 0.0,
                        ..row
                    };
                    self.emit(
                        &fee,
                        &[
                            (Measure::SpTotalCommitment, commitment),
                            (Measure::SpUsedCommitment, used),
                            (Measure::SpRecurringCommitment, commitment),
                            (Measure::SpAmortizedUpfront, 0.0),
                        ],
                    )?;
                }
                Billing::Reserved { reservation } => {
                    let ri = &org.reservations[reservation];
                    let upfront = usage * ri.amortized_upfront_hourly();
                    let recurring = usage * ri.recurring_hourly;
                    self.reservation_used[reservation] += usage;
                    self.emit(
                        &row,
                        &[
                            (Measure::RiEffectiveCost, upfront + recurring),
                            (Measure::RiAmortizedUpfrontForUsage, upfront),
                            (Measure::RiRecurringFeeForUsage, recurring),
                        ],
                    )?;
                }
            }
        }
        Ok(())
    }

    fn quantity(&self, quantity: Quantity, hour: u32, hours: u32, period: &Period) -> f64 {
        match quantity {
            Quantity::Fixed(value) => value,
            Quantity::StorageGb(gb) => gb * f64::from(hours) / f64::from(period.hours),
            Quantity::Curve { curve, factor } => {
                self.org.curves[curve].at(self.seed, hour) * factor
            }
            Quantity::CurveSum {
                first,
                count,
                factor,
            } => {
                self.org.curves[first..first + count]
                    .iter()
                    .map(|c| c.at(self.seed, hour))
                    .sum::<f64>()
                    * factor
            }
        }
    }

    fn emit(&mut self, row: &Row, measures: &[(Measure, f64)]) -> Result<()> {
        self.writer.push(row, measures)?;
        let template = row.template as usize;
        let measure = |wanted: Measure| {
            measures
                .iter()
                .find(|(m, _)| *m == wanted)
                .map(|(_, v)| *v)
                .unwrap_or(0.0)
        };
        let amortized = amortized_cost(
            self.org.templates[template].line_item_type,
            row.unblended_cost,
            measure(Measure::SpEffectiveCost),
            measure(Measure::SpTotalCommitment),
            measure(Measure::SpUsedCommitment),
            measure(Measure::RiEffectiveCost),
            measure(Measure::RiUnusedAmortizedUpfront),
            measure(Measure::RiUnusedRecurringFee),
            self.template_has_arn[template],
        );
        let day = ((row.start_ms - self.period_start_ms) / (24 * HOUR_MS)) as usize;
        let account = self.org.owners[row.owner as usize].account;
        self.period_ledger.add(
            day,
            account,
            self.template_class[template],
            row.unblended_cost,
            amortized,
        );
        Ok(())
    }

    /// Emits an account-level line covering the whole period.
    fn emit_period_line(
        &mut self,
        period: &Period,
        account: usize,
        template: usize,
        usage: f64,
        cost: f64,
        measures: &[(Measure, f64)],
    ) -> Result<()> {
        let row = Row {
            template: template as u32,
            owner: account as u32,
            interval: period.hours + period.days,
            start_ms: period.start_ms,
            end_ms: period.end_ms,
            usage_amount: usage,
            unblended_cost: cost,
            public_cost: 0.0,
        };
        self.emit(&row, measures)
    }

    /// Unblended cost of an account in the period over the ledger classes `keep` selects,
    /// given (product code, line-item type).
    fn period_cost(&self, account: usize, keep: impl Fn(&str, &str) -> bool) -> f64 {
        self.period_ledger.unblended_where(account, |class| {
            let (product, line_item_type) = self.classes[class];
            keep(&self.org.product_codes[product], line_item_type)
        })
    }

    fn period_charges(&mut self, index: usize, period: &Period) -> Result<()> {
        let org = self.org;
        let hours = period.hour_range();
        let accounts = org.active_accounts(hours.clone());
        let products = org.active_products(hours);
        for charge in &org.period_charges {
            match *charge {
                PeriodCharge::ReservationFee {
                    account,
                    reservation,
                    template,
                } => {
                    let ri = &org.reservations[reservation];
                    let total = f64::from(ri.units) * f64::from(period.hours);
                    let unused = (total - self.reservation_used[reservation]).max(0.0);
                    let upfront_hourly = ri.amortized_upfront_hourly();
                    self.emit_period_line(
                        period,
                        account,
                        template,
                        total,
                        total * ri.recurring_hourly,
                        &[
                            (Measure::RiUnusedQuantity, unused),
                            (Measure::RiUnusedRecurringFee, unused * ri.recurring_hourly),
                            (Measure::RiUnusedAmortizedUpfront, unused * upfront_hourly),
                            (Measure::RiAmortizedUpfrontForPeriod, total * upfront_hourly),
                            (Measure::RiUpfrontValue, ri.upfront),
                        ],
                    )?;
                }
                PeriodCharge::ReservationUpfront {
                    account,
                    reservation,
                    template,
                    period: due,
                } if due == index => {
                    let upfront = org.reservations[reservation].upfront;
                    self.emit_period_line(
                        period,
                        account,
                        template,
                        1.0,
                        upfront,
                        &[(Measure::RiUpfrontValue, upfront)],
                    )?;
                }
                PeriodCharge::Credit {
                    account,
                    template,
                    cap,
                } if accounts.contains(&account) => {
                    let ec2 = self.period_cost(account, |product, _| product == "AmazonEC2");
                    self.emit_period_line(
                        period,
                        account,
                        template,
                        0.0,
                        -cents(ec2.min(cap)),
                        &[],
                    )?;
                }
                PeriodCharge::Refund {
                    account,
                    template,
                    period: due,
                    amount,
                } if due == index => {
                    self.emit_period_line(period, account, template, 0.0, -amount, &[])?;
                }
                PeriodCharge::Support { account, template } if accounts.contains(&account) => {
                    let spend = self.period_cost(account, |product, line_item_type| {
                        product != "AWSSupportBusiness"
                            && ![lit::TAX, lit::CREDIT, lit::REFUND].contains(&line_item_type)
                    });
                    self.emit_period_line(
                        period,
                        account,
                        template,
                        1.0,
                        business_support_fee(spend),
                        &[],
                    )?;
                }
                PeriodCharge::Tax {
                    account,
                    product_code,
                    template,
                } if products.contains(&(account, product_code)) => {
                    let code = &org.product_codes[product_code];
                    let base = self.period_cost(account, |product, line_item_type| {
                        product == code && line_item_type != lit::TAX
                    });
                    self.emit_period_line(
                        period,
                        account,
                        template,
                        0.0,
                        cents(base.max(0.0) * TAX_RATE),
                        &[],
                    )?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Rounds to the cent.
fn cents(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// AWS Business Support: the greater of $100 and a tiered share of the account's spend.
fn business_support_fee(spend: f64) -> f64 {
    let tiers = [
        (10_000.0, 0.10),
        (80_000.0, 0.07),
        (250_000.0, 0.05),
        (f64::INFINITY, 0.03),
    ];
    let mut fee = 0.0;
    let mut lower = 0.0;
    for (upper, share) in tiers {
        if spend > lower {
            fee += (spend.min(upper) - lower) * share;
        }
        lower = upper;
    }
    cents(fee.max(100.0))
}

/// A UUID-shaped text derived from a hash.
fn uuid_text(hash: u64) -> String {
    let more = mix64(hash);
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hash >> 32,
        (hash >> 16) & 0xffff,
        hash & 0xffff,
        more >> 48,
        more & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn support_fee_follows_the_tiers() {
        assert_eq!(business_support_fee(50.0), 100.0);
        assert_eq!(business_support_fee(20_000.0), 1000.0 + 700.0);
        assert_eq!(uuid_text(7).len(), 36);
    }
}

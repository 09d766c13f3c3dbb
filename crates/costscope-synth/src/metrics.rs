//! Daily business metrics (`business_metrics.csv`): invocations, clicks, orders and revenue
//! per app. Invocations are the day's sum of the same curve that bills the app's Lambda
//! requests, so unit costs computed from CUR and from the metrics agree.

use std::fmt::Write as _;
use std::path::Path;

use crate::calendar::Calendar;
use crate::model::Org;
use crate::traffic::unit_noise;
use crate::{Error, Result};

/// The CSV header.
pub(crate) const HEADER: &str = "date,metric,value,app,team";

/// Writes the metrics of every day of the calendar to `path`.
pub(crate) fn write(org: &Org, cal: &Calendar, seed: u64, path: &Path) -> Result<()> {
    let mut out = String::from(HEADER);
    out.push('\n');
    for day in 0..cal.total_days() {
        let date = cal.day_label(day);
        for (index, app) in org.apps.iter().enumerate() {
            let curve = &org.curves[app.invocations_curve];
            let invocations: f64 = (day * 24..day * 24 + 24).map(|h| curve.at(seed, h)).sum();
            let noise = |salt: u64| {
                0.95 + 0.1 * unit_noise(seed, 0xB0_0000 + index as u64 * 4 + salt, u64::from(day))
            };
            let clicks = (invocations * app.clicks_per_invocation * noise(0)).round();
            let orders = (clicks * app.orders_per_click * noise(1)).round();
            let revenue = (orders * app.revenue_per_order * noise(2) * 100.0).round() / 100.0;
            for (metric, value) in [
                ("invocations", format!("{invocations}")),
                ("clicks", format!("{clicks}")),
                ("orders", format!("{orders}")),
                ("revenue", format!("{revenue:.2}")),
            ] {
                let _ = writeln!(out, "{date},{metric},{value},{},{}", app.name, app.team);
            }
        }
    }
    std::fs::write(path, out).map_err(|e| Error::io(path, e))
}

//! The sentence a report ends with: the trend of cost per unit between the last two
//! periods with units, what drove the cost change, and what the cost brought in.

use serde::Serialize;

use super::PeriodUnitCost;
use super::change::{self, PeriodChange, Trend};

/// The direction of cost per unit, and one sentence that says it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub trend: Trend,
    /// The latest period compared (null when fewer than two periods have units).
    pub period: Option<String>,
    /// The period it is compared with.
    pub previous_period: Option<String>,
    pub cost_per_unit: Option<f64>,
    pub previous_cost_per_unit: Option<f64>,
    /// Relative change (−0.234 = fell 23.4%).
    pub cost_per_unit_change: Option<f64>,
    /// E.g. "cost per invocation fell 23.4% in 2026-10 (from $0.0012 to $0.00092); …".
    pub text: String,
}

/// The trend between the last two periods with units, in one sentence.
pub(super) fn summarise(
    metric: &str,
    periods: &[PeriodUnitCost],
    changes: &[PeriodChange],
    currency: &str,
) -> Summary {
    let unit = change::unit_name(metric);
    let latest = changes
        .iter()
        .rev()
        .find(|c| c.cost_per_unit_change.is_some());
    let Some(latest) = latest else {
        return Summary {
            trend: Trend::Unknown,
            period: None,
            previous_period: None,
            cost_per_unit: None,
            previous_cost_per_unit: None,
            cost_per_unit_change: None,
            text: format!("not enough periods with `{metric}` to tell a trend of cost per {unit}"),
        };
    };
    let per_unit = |label: &str| {
        periods
            .iter()
            .find(|p| p.period == label)
            .and_then(|p| p.cost_per_unit)
    };
    let (before, after) = (per_unit(&latest.from), per_unit(&latest.to));
    let trend = Trend::of(latest.cost_per_unit_change);
    let change = latest.cost_per_unit_change.unwrap_or(0.0);
    let money = |v: f64| change::money(v, currency);
    let from_to = format!(
        "(from {} to {})",
        money(before.unwrap_or(0.0)),
        money(after.unwrap_or(0.0))
    );
    let mut text = match trend {
        Trend::Falling => format!(
            "cost per {unit} fell {:.1}% in {} {from_to}",
            -change * 100.0,
            latest.to
        ),
        Trend::Rising => format!(
            "cost per {unit} rose {:.1}% in {} {from_to}",
            change * 100.0,
            latest.to
        ),
        _ => format!("cost per {unit} was flat in {} {from_to}", latest.to),
    };
    if let (Some(volume), Some(unit_cost)) = (latest.volume_effect, latest.unit_cost_effect) {
        let direction = if latest.cost_change < 0.0 {
            "fell"
        } else {
            "rose"
        };
        text.push_str(&format!(
            "; cost {direction} {}: {}{} from volume, {}{} from cost per {unit}",
            money(latest.cost_change.abs()),
            if volume >= 0.0 { "+" } else { "" },
            money(volume),
            if unit_cost >= 0.0 { "+" } else { "" },
            money(unit_cost),
        ));
    }
    if let Some(period) = periods.iter().find(|p| p.period == latest.to)
        && let (Some(revenue), Some(roi), Some(margin)) =
            (period.revenue, period.roi, period.margin)
    {
        text.push_str(&format!(
            "; {} of cost brought {} of revenue (ROI {:.1}%, margin {:.1}%)",
            money(period.cost),
            money(revenue),
            roi * 100.0,
            margin * 100.0
        ));
    }
    Summary {
        trend,
        period: Some(latest.to.clone()),
        previous_period: Some(latest.from.clone()),
        cost_per_unit: after,
        previous_cost_per_unit: before,
        cost_per_unit_change: latest.cost_per_unit_change,
        text,
    }
}

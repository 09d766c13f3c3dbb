//! Period-over-period change in cost, split into a volume effect (more or fewer units at
//! the old unit cost) and a unit-cost effect (efficiency), and the sentence that tells
//! the trend.
//!
//! The split is the symmetric midpoint (Shapley) decomposition: with units `u` and unit
//! cost `c` in two periods,
//!
//! ```text
//! volume effect    = (u1 − u0) × (c0 + c1) / 2
//! unit-cost effect = (c1 − c0) × (u0 + u1) / 2
//! ```
//!
//! which sum exactly to `u1·c1 − u0·c0`, the cost change, with no interaction term and
//! no dependence on which period is taken as the base.

use serde::Serialize;

/// A relative change of cost per unit smaller than this is `flat`.
pub const FLAT_THRESHOLD: f64 = 0.01;

/// How cost changed from one period to the next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodChange {
    /// The earlier period.
    pub from: String,
    /// The later period.
    pub to: String,
    /// Cost in `to` minus cost in `from`.
    pub cost_change: f64,
    /// Units in `to` minus units in `from`.
    pub units_change: f64,
    /// Relative change of cost per unit (0.1 = +10%); null without units in both periods.
    pub cost_per_unit_change: Option<f64>,
    /// Part of `cost_change` due to the number of units; null without units in both.
    pub volume_effect: Option<f64>,
    /// Part of `cost_change` due to cost per unit; null without units in both.
    pub unit_cost_effect: Option<f64>,
}

/// The two effects of a change from `(cost0, units0)` to `(cost1, units1)`; `None` when
/// cost per unit is undefined in either period.
pub fn decompose(cost0: f64, units0: f64, cost1: f64, units1: f64) -> Option<(f64, f64)> {
    if units0 <= 0.0 || units1 <= 0.0 {
        return None;
    }
    let (c0, c1) = (cost0 / units0, cost1 / units1);
    let volume = (units1 - units0) * (c0 + c1) / 2.0;
    let unit_cost = (c1 - c0) * (units0 + units1) / 2.0;
    Some((volume, unit_cost))
}

/// The change from one period to the next.
pub fn period_change(from: (&str, f64, f64), to: (&str, f64, f64)) -> PeriodChange {
    let (from_label, cost0, units0) = from;
    let (to_label, cost1, units1) = to;
    let effects = decompose(cost0, units0, cost1, units1);
    let cost_per_unit_change = effects.and_then(|_| {
        let (c0, c1) = (cost0 / units0, cost1 / units1);
        (c0 != 0.0).then(|| (c1 - c0) / c0.abs())
    });
    PeriodChange {
        from: from_label.to_string(),
        to: to_label.to_string(),
        cost_change: cost1 - cost0,
        units_change: units1 - units0,
        cost_per_unit_change,
        volume_effect: effects.map(|e| e.0),
        unit_cost_effect: effects.map(|e| e.1),
    }
}

/// Direction of cost per unit between the last two periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    Falling,
    Rising,
    Flat,
    /// Fewer than two periods with units.
    Unknown,
}

impl Trend {
    /// The trend of a relative change of cost per unit.
    pub fn of(change: Option<f64>) -> Trend {
        match change {
            None => Trend::Unknown,
            Some(c) if c <= -FLAT_THRESHOLD => Trend::Falling,
            Some(c) if c >= FLAT_THRESHOLD => Trend::Rising,
            Some(_) => Trend::Flat,
        }
    }
}

/// Money for a sentence: two decimals from one unit up, four significant digits below.
pub fn money(amount: f64, currency: &str) -> String {
    let sign = if amount < 0.0 { "-" } else { "" };
    let magnitude = amount.abs();
    let digits = if magnitude >= 1.0 || magnitude == 0.0 {
        format!("{magnitude:.2}")
    } else {
        let decimals = (3 - magnitude.log10().floor() as i32).clamp(2, 12) as usize;
        format!("{magnitude:.decimals$}")
    };
    match currency {
        "USD" | "" => format!("{sign}${digits}"),
        other => format!("{sign}{digits} {other}"),
    }
}

/// `orders` → `order`, for "cost per order"; names that are not plain plurals stay.
pub fn unit_name(metric: &str) -> String {
    let plural = metric.ends_with('s') && !metric.ends_with("ss") && metric.len() > 1;
    if plural {
        metric[..metric.len() - 1].to_string()
    } else {
        metric.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn more_units_at_a_lower_unit_cost() {
        // 1000 units at $0.10, then 1500 units at $0.08.
        let (volume, unit_cost) = decompose(100.0, 1000.0, 120.0, 1500.0).expect("units");
        assert!((volume - 500.0 * 0.09).abs() < 1e-9);
        assert!((unit_cost - (-0.02 * 1250.0)).abs() < 1e-9);
        assert!((volume + unit_cost - 20.0).abs() < 1e-9);
    }

    #[test]
    fn no_units_no_split() {
        assert_eq!(decompose(10.0, 0.0, 20.0, 5.0), None);
        let change = period_change(("a", 10.0, 0.0), ("b", 20.0, 5.0));
        assert_eq!(change.cost_change, 10.0);
        assert_eq!(change.volume_effect, None);
        assert_eq!(change.cost_per_unit_change, None);
    }

    #[test]
    fn trends_and_sentences() {
        assert_eq!(Trend::of(Some(-0.2)), Trend::Falling);
        assert_eq!(Trend::of(Some(0.005)), Trend::Flat);
        assert_eq!(Trend::of(Some(0.05)), Trend::Rising);
        assert_eq!(money(1234.567, "USD"), "$1234.57");
        assert_eq!(money(0.000_123_456, "USD"), "$0.0001235");
        assert_eq!(money(-2.5, "EUR"), "-2.50 EUR");
        assert_eq!(unit_name("invocations"), "invocation");
        assert_eq!(unit_name("s3-gb-month"), "s3-gb-month");
        assert_eq!(unit_name("gross"), "gross");
    }

    proptest! {
        #[test]
        fn effects_sum_to_the_cost_change(
            cost0 in 0.0f64..1e7, units0 in 1.0f64..1e9,
            cost1 in 0.0f64..1e7, units1 in 1.0f64..1e9,
        ) {
            let (volume, unit_cost) = decompose(cost0, units0, cost1, units1).expect("units");
            let change = cost1 - cost0;
            prop_assert!((volume + unit_cost - change).abs() <= 1e-6 * (1.0 + cost0 + cost1));
        }
    }
}

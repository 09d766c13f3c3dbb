//! Inline SVG charts for the HTML report: the daily cost trend with the budget line, the
//! movers as a diverging bar chart, the score gauge and sparklines. Each chart scales to
//! its container (`viewBox`, no fixed size), carries a `<title>` and `<desc>` for screen
//! readers, and escapes every label.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::format::{compact_money, escape, money, signed_money};
use super::{DailyCost, Mover};

const INK: &str = "#1f2933";
const MUTED: &str = "#616e7c";
const GRID: &str = "#d9e2ec";
const ACCENT: &str = "#2f6fde";
const UP: &str = "#c0392b";
const DOWN: &str = "#1e8449";

fn open(out: &mut String, id: &str, width: u32, height: u32, title: &str, desc: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" class=\"chart\" \
         font-family=\"system-ui, sans-serif\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        escape(title),
        escape(desc)
    );
}

/// A round number at or above `value` (1, 2, 2.5 or 5 times a power of ten).
fn nice_ceiling(value: f64) -> f64 {
    if value.is_nan() || value <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|v| *v >= value)
        .unwrap_or(10.0 * power)
}

/// The daily cost as an area chart, the report week shaded, and the daily budget (the
/// budget spread over its period's days) as a dashed line.
pub fn trend_chart(
    id: &str,
    daily: &[DailyCost],
    week_start: &str,
    daily_budget: Option<f64>,
    currency: &str,
) -> String {
    const W: f64 = 400.0;
    const H: f64 = 236.0;
    const LEFT: f64 = 54.0;
    const RIGHT: f64 = 12.0;
    const TOP: f64 = 14.0;
    const BOTTOM: f64 = 34.0;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let max_cost = daily.iter().map(|d| d.cost).fold(0.0, f64::max);
    let top = nice_ceiling(max_cost.max(daily_budget.unwrap_or(0.0)) * 1.05);
    let steps = daily.len().saturating_sub(1).max(1) as f64;
    let x = |i: usize| LEFT + plot_w * i as f64 / steps;
    let y = |v: f64| TOP + plot_h * (1.0 - (v.max(0.0) / top).min(1.0));

    let first = daily.first().map(|d| d.date.as_str()).unwrap_or("");
    let last = daily.last().map(|d| d.date.as_str()).unwrap_or("");
    let mut out = String::new();
    open(
        &mut out,
        id,
        W as u32,
        H as u32,
        "Daily cost",
        &format!(
            "Daily amortized cost from {first} to {last}{}; the report week is shaded.",
            match daily_budget {
                Some(b) => format!(", with the daily budget of {}", money(b, currency)),
                None => String::new(),
            }
        ),
    );
    // Grid and y labels.
    for step in 0..=4 {
        let value = top * f64::from(step) / 4.0;
        let gy = y(value);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{gy:.1}\" x2=\"{:.1}\" y2=\"{gy:.1}\" stroke=\"{GRID}\" stroke-width=\"1\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"{MUTED}\" text-anchor=\"end\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            gy + 4.0,
            escape(&compact_money(value, currency))
        );
    }
    // The report week.
    if let Some(start) = daily.iter().position(|d| d.date == week_start) {
        let x0 = x(start) - plot_w / steps / 2.0;
        let x1 = (x(daily.len().saturating_sub(1)) + plot_w / steps / 2.0).min(W - RIGHT);
        let _ = write!(
            out,
            "<rect x=\"{:.1}\" y=\"{TOP}\" width=\"{:.1}\" height=\"{plot_h:.1}\" fill=\"{ACCENT}\" fill-opacity=\"0.08\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"{MUTED}\" text-anchor=\"middle\">report week</text>",
            x0.max(LEFT),
            (x1 - x0.max(LEFT)).max(0.0),
            (x0.max(LEFT) + x1) / 2.0,
            TOP + 12.0
        );
    }
    // x labels: every other Monday, the last one always.
    let mondays: Vec<usize> = daily
        .iter()
        .enumerate()
        .filter(|(_, d)| {
            NaiveDate::parse_from_str(&d.date, "%Y-%m-%d")
                .is_ok_and(|day| chrono::Datelike::weekday(&day) == chrono::Weekday::Mon)
        })
        .map(|(i, _)| i)
        .collect();
    for (n, &i) in mondays.iter().enumerate() {
        if !(mondays.len() - 1 - n).is_multiple_of(2) {
            continue;
        }
        let label = NaiveDate::parse_from_str(&daily[i].date, "%Y-%m-%d")
            .map(|d| d.format("%b %-d").to_string())
            .unwrap_or_default();
        let _ = write!(
            out,
            "<line x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\" stroke=\"{MUTED}\" stroke-width=\"1\"/>\
             <text x=\"{0:.1}\" y=\"{3:.1}\" font-size=\"13\" fill=\"{MUTED}\" text-anchor=\"middle\">{4}</text>",
            x(i),
            TOP + plot_h,
            TOP + plot_h + 4.0,
            TOP + plot_h + 18.0,
            escape(&label)
        );
    }
    let _ = write!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"{MUTED}\" text-anchor=\"middle\">day (UTC, week starting Monday)</text>",
        LEFT + plot_w / 2.0,
        H - 3.0
    );
    if !daily.is_empty() {
        let points: Vec<String> = daily
            .iter()
            .enumerate()
            .map(|(i, d)| format!("{:.1},{:.1}", x(i), y(d.cost)))
            .collect();
        let base = y(0.0);
        let _ = write!(
            out,
            "<path d=\"M{:.1},{base:.1} L{} L{:.1},{base:.1} Z\" fill=\"{ACCENT}\" fill-opacity=\"0.18\" stroke=\"none\"/>\
             <polyline points=\"{}\" fill=\"none\" stroke=\"{ACCENT}\" stroke-width=\"2\" stroke-linejoin=\"round\"/>",
            x(0),
            points.join(" L"),
            x(daily.len() - 1),
            points.join(" ")
        );
    }
    if let Some(budget) = daily_budget {
        let by = y(budget);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" y1=\"{by:.1}\" x2=\"{:.1}\" y2=\"{by:.1}\" stroke=\"{UP}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"{UP}\" text-anchor=\"end\">budget/day {}</text>",
            W - RIGHT,
            W - RIGHT - 2.0,
            by - 5.0,
            escape(&compact_money(budget, currency))
        );
    }
    // Axis line.
    let _ = write!(
        out,
        "<line x1=\"{LEFT}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"{INK}\" stroke-width=\"1\"/></svg>",
        TOP + plot_h,
        W - RIGHT
    );
    out
}

/// The movers as bars growing right (more cost, red) or left (less cost, green) from a
/// centre line, each with its label and change above.
pub fn movers_chart(id: &str, title: &str, movers: &[Mover], currency: &str) -> String {
    const W: f64 = 400.0;
    const ROW: f64 = 44.0;
    const TOP: f64 = 6.0;
    let height = TOP + ROW * movers.len().max(1) as f64 + 6.0;
    let centre = W / 2.0;
    let half = W / 2.0 - 8.0;
    let largest = movers
        .iter()
        .map(|m| m.change.abs())
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut out = String::new();
    let desc = movers
        .iter()
        .map(|m| format!("{}: {}", mover_label(m), signed_money(m.change, currency)))
        .collect::<Vec<_>>()
        .join("; ");
    open(&mut out, id, W as u32, height.ceil() as u32, title, &desc);
    for (i, mover) in movers.iter().enumerate() {
        let top = TOP + ROW * i as f64;
        let width = half * mover.change.abs() / largest;
        let (x, color) = if mover.change >= 0.0 {
            (centre, UP)
        } else {
            (centre - width, DOWN)
        };
        let _ = write!(
            out,
            "<text x=\"4\" y=\"{:.1}\" font-size=\"14\" fill=\"{INK}\">{}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"14\" fill=\"{color}\" text-anchor=\"end\" font-weight=\"600\">{}</text>\
             <rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"14\" rx=\"2\" fill=\"{color}\"/>",
            top + 14.0,
            escape(&truncate(&mover_label(mover), 34)),
            W - 4.0,
            top + 14.0,
            escape(&signed_money(mover.change, currency)),
            top + 20.0,
            width.max(1.0),
        );
    }
    let _ = write!(
        out,
        "<line x1=\"{centre}\" y1=\"{TOP}\" x2=\"{centre}\" y2=\"{:.1}\" stroke=\"{MUTED}\" stroke-width=\"1\"/></svg>",
        height - 4.0
    );
    out
}

fn mover_label(mover: &Mover) -> String {
    match &mover.usage_type {
        Some(usage) => format!("{} · {usage}", mover.service),
        None => mover.service.clone(),
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let kept: String = text.chars().take(max - 1).collect();
        format!("{kept}…")
    }
}

/// A half-circle gauge of a score on the scale `[low, high]`.
pub fn gauge(id: &str, value: f64, [low, high]: [f64; 2]) -> String {
    let value = value.clamp(low, high);
    let share = if high > low {
        (value - low) / (high - low)
    } else {
        0.0
    };
    let angle = std::f64::consts::PI * share;
    let (cx, cy, r) = (100.0, 100.0, 80.0);
    let end_x = cx - r * angle.cos();
    let end_y = cy - r * angle.sin();
    let color = if share >= 0.75 {
        DOWN
    } else if share >= 0.5 {
        "#b7791f"
    } else {
        UP
    };
    let mut out = String::new();
    open(
        &mut out,
        id,
        200,
        120,
        "Efficiency score",
        &format!("Score {value:.0} on a scale of {low:.0} to {high:.0}"),
    );
    let _ = write!(
        out,
        "<path d=\"M20,100 A80,80 0 0 1 180,100\" fill=\"none\" stroke=\"{GRID}\" stroke-width=\"16\"/>\
         <path d=\"M20,100 A80,80 0 0 1 {end_x:.1},{end_y:.1}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"16\"/>\
         <text x=\"100\" y=\"92\" font-size=\"30\" font-weight=\"700\" fill=\"{INK}\" text-anchor=\"middle\">{value:.0}</text>\
         <text x=\"100\" y=\"114\" font-size=\"13\" fill=\"{MUTED}\" text-anchor=\"middle\">{low:.0} to {high:.0}</text></svg>"
    );
    out
}

/// A small line of `values` (gaps for `None`), the last point marked.
pub fn sparkline(id: &str, title: &str, values: &[Option<f64>]) -> String {
    const W: f64 = 160.0;
    const H: f64 = 40.0;
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let low = present.iter().copied().fold(f64::INFINITY, f64::min);
    let high = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let span = if high > low { high - low } else { 1.0 };
    let steps = values.len().saturating_sub(1).max(1) as f64;
    let x = |i: usize| 4.0 + (W - 8.0) * i as f64 / steps;
    let y = |v: f64| 4.0 + (H - 8.0) * (1.0 - (v - low) / span);
    let mut out = String::new();
    let desc = values
        .iter()
        .map(|v| {
            v.map(|v| format!("{v:.6}"))
                .unwrap_or_else(|| "none".into())
        })
        .collect::<Vec<_>>()
        .join(", ");
    open(&mut out, id, W as u32, H as u32, title, &desc);
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| format!("{:.1},{:.1}", x(i), y(v))))
        .collect();
    if !points.is_empty() {
        let _ = write!(
            out,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{ACCENT}\" stroke-width=\"2\"/>",
            points.join(" ")
        );
    }
    if let Some((i, Some(v))) = values.iter().enumerate().next_back() {
        let _ = write!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{ACCENT}\"/>",
            x(i),
            y(*v)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceilings_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(87.0), 100.0);
        assert_eq!(nice_ceiling(120.0), 200.0);
        assert_eq!(nice_ceiling(2100.0), 2500.0);
    }
}

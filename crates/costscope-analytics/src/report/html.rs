//! The weekly report as one self-contained HTML page: inline CSS, inline SVG charts, no
//! script and no external asset, so it can be mailed, attached or opened offline. It
//! reads on a phone (one column under 600px, tables that scroll sideways) and every value
//! from the data is escaped.

use std::fmt::Write as _;

use chrono::NaiveDate;

use super::format::{
    count, escape, money, percent_change, signed_money, singular, unit_cost, unit_scale,
};
use super::svg;
use super::{BudgetLine, Mover, WeeklyReport};
use crate::budgets::BudgetState;

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;background:#f5f7fa;color:#1f2933;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:1040px;margin:0 auto;padding:16px;display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
main>*{min-width:0}
.wide{grid-column:1/-1}
.card{background:#fff;border:1px solid #d9e2ec;border-radius:10px;padding:14px 16px}
header.card{background:#102a43;color:#fff;border-color:#102a43}
header h1{margin:2px 0 4px;font-size:1.6rem;overflow-wrap:anywhere}
header p{margin:2px 0}
.eyebrow{text-transform:uppercase;letter-spacing:.06em;font-size:.75rem;opacity:.8}
.meta{font-size:.8rem;opacity:.8}
h2{font-size:1.1rem;margin:0 0 10px}
h3{font-size:.95rem;margin:14px 0 6px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.kpi{background:#fff;border:1px solid #d9e2ec;border-radius:10px;padding:10px 12px}
.kpi .label{font-size:.75rem;color:#616e7c;text-transform:uppercase;letter-spacing:.04em}
.kpi .value{font-size:1.35rem;font-weight:700;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.kpi .sub{font-size:.8rem;color:#616e7c}
.up{color:#c0392b}.down{color:#1e8449}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:.75rem;font-weight:600;color:#fff}
.badge.ok{background:#1e8449}.badge.forecast_over{background:#b7791f}.badge.over{background:#c0392b}
svg.chart{display:block;width:100%;height:auto;margin:4px 0 8px}
svg.gauge{max-width:240px;margin:0 auto}
svg.spark{max-width:200px}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.88rem}
th,td{padding:5px 8px;border-bottom:1px solid #e4e7eb;text-align:left;vertical-align:top}
th{font-size:.75rem;color:#616e7c;text-transform:uppercase;letter-spacing:.03em;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.name{overflow-wrap:break-word;min-width:8em}
td.nowrap{white-space:nowrap}
.empty{color:#616e7c;font-style:italic;margin:6px 0}
.muted{color:#616e7c;font-size:.85rem}
footer{font-size:.8rem;color:#616e7c}
footer ul{margin:4px 0;padding-left:18px}
.budget-item+.budget-item{border-top:1px solid #e4e7eb;margin-top:10px}
.meter{height:10px;background:#e4e7eb;border-radius:5px;overflow:hidden;margin:6px 0}
.meter span{display:block;height:100%;background:#1e8449}
.meter span.forecast_over{background:#b7791f}.meter span.over{background:#c0392b}
.stats{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:8px;margin:8px 0 0}
.stats dt{font-size:.72rem;color:#616e7c;text-transform:uppercase;letter-spacing:.03em}
.stats dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.stats dd .muted{font-weight:400;font-size:.78rem}
@media (max-width:600px){
 main{grid-template-columns:minmax(0,1fr);padding:10px;gap:12px}
 .kpis{grid-template-columns:repeat(2,minmax(0,1fr))}
 header h1{font-size:1.35rem}
 th,td{padding:4px 5px}
 table{font-size:.82rem}
}
"#;

/// Renders `report` as a complete HTML document.
pub fn render(report: &WeeklyReport) -> String {
    let h = &report.header;
    let currency = h.currency.as_str();
    let mut out = String::with_capacity(32 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} — weekly cost report {}</title><style>{STYLE}</style></head><body><main>",
        escape(&h.team),
        escape(&h.week)
    );
    let _ = write!(
        out,
        "<header class=\"card wide\"><p class=\"eyebrow\">costscope weekly cost report</p>\
         <h1 id=\"team\">{}</h1><p>Week <strong>{}</strong> · {}</p>\
         <p class=\"meta\">{} cost in {} · team from {} · data through {} · generated {}</p></header>",
        escape(&h.team),
        escape(&h.week),
        escape(&date_range(&h.start, &h.end)),
        escape(&capitalised(&h.measure)),
        escape(if currency.is_empty() {
            "the billing currency"
        } else {
            currency
        }),
        escape(&h.team_source),
        escape(&h.data_through),
        escape(&h.generated_at),
    );
    kpis(&mut out, report);
    trend(&mut out, report);
    movers(&mut out, report);
    budgets(&mut out, report);
    unit_costs(&mut out, report);
    score(&mut out, report);
    recommendations(&mut out, report);
    anomalies(&mut out, report);
    out.push_str("<footer class=\"wide\">");
    if !report.notes.is_empty() {
        out.push_str("<p>Notes:</p><ul>");
        for note in &report.notes {
            let _ = write!(out, "<li>{}</li>", escape(note));
        }
        out.push_str("</ul>");
    }
    out.push_str(
        "<p>Made by costscope from the lake's CUR data. Amounts are rounded to the cent for display; the JSON report holds them unrounded.</p></footer></main></body></html>\n",
    );
    out
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `Oct 19 – Oct 25, 2026`.
fn date_range(start: &str, end: &str) -> String {
    let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    match (parse(start), parse(end)) {
        (Some(a), Some(b)) => format!("{} – {}", a.format("%a %b %-d"), b.format("%a %b %-d, %Y")),
        _ => format!("{start} – {end}"),
    }
}

/// `2026-08-31` → `Aug 31`.
fn short_date(day: &str) -> String {
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(|d| d.format("%b %-d").to_string())
        .unwrap_or_else(|_| day.to_string())
}

fn change_class(change: f64) -> &'static str {
    if change > 0.005 {
        "up"
    } else if change < -0.005 {
        "down"
    } else {
        ""
    }
}

fn state_badge(state: BudgetState) -> String {
    let label = match state {
        BudgetState::Ok => "on track",
        BudgetState::ForecastOver => "forecast over",
        BudgetState::Over => "over budget",
    };
    format!("<span class=\"badge {}\">{label}</span>", state.name())
}

fn kpi(out: &mut String, id: &str, label: &str, value_html: &str, sub_html: &str) {
    let _ = write!(
        out,
        "<div class=\"kpi\" id=\"{id}\"><div class=\"label\">{}</div><div class=\"value\">{value_html}</div><div class=\"sub\">{sub_html}</div></div>",
        escape(label)
    );
}

fn kpis(out: &mut String, report: &WeeklyReport) {
    let currency = report.header.currency.as_str();
    let cost = &report.cost;
    out.push_str("<section class=\"kpis wide\" aria-label=\"Key figures\">");
    kpi(
        out,
        "kpi-week",
        "This week",
        &escape(&money(cost.this_week, currency)),
        &format!(
            "previous week {}",
            escape(&money(cost.previous_week, currency))
        ),
    );
    kpi(
        out,
        "kpi-change",
        "Week over week",
        &format!(
            "<span class=\"{}\">{}</span>",
            change_class(cost.change),
            escape(&signed_money(cost.change, currency))
        ),
        &escape(&percent_change(cost.change_percent)),
    );
    match report.budgets.first() {
        Some(budget) => kpi(
            out,
            "kpi-budget",
            "Budget",
            &escape(&money(budget.budget, currency)),
            &format!(
                "{} actual {} ({:.0}%) · forecast {}",
                state_badge(budget.state),
                escape(&money(budget.actual, currency)),
                budget.percent_used,
                escape(&money(budget.forecast, currency))
            ),
        ),
        None => kpi(out, "kpi-budget", "Budget", "—", "no budget set"),
    }
    let main_unit = report
        .unit_costs
        .iter()
        .filter(|u| u.cost_per_unit.is_some())
        .max_by(|a, b| a.cost.total_cmp(&b.cost));
    match main_unit {
        Some(unit) => {
            let value = unit.cost_per_unit.unwrap_or(0.0);
            let (factor, prefix) = unit_scale(value);
            kpi(
                out,
                "kpi-unit",
                "Unit cost",
                &escape(&money(value * factor, currency)),
                &format!(
                    "per {}{} of {} · {} vs previous week",
                    escape(prefix),
                    escape(&if prefix.is_empty() {
                        singular(&unit.metric)
                    } else {
                        unit.metric.clone()
                    }),
                    escape(&unit.app),
                    escape(&percent_change(unit.change_percent))
                ),
            )
        }
        None => kpi(out, "kpi-unit", "Unit cost", "—", "no unit metric"),
    }
    match &report.score {
        Some(score) => kpi(
            out,
            "kpi-score",
            "Efficiency score",
            &format!("{:.0}", score.value),
            &match score.change {
                Some(change) => format!("{change:+.1} vs previous week"),
                None => "first week scored".to_string(),
            },
        ),
        None => kpi(out, "kpi-score", "Efficiency score", "—", "not scored yet"),
    }
    out.push_str("</section>");
}

fn trend(out: &mut String, report: &WeeklyReport) {
    let currency = report.header.currency.as_str();
    let cost = &report.cost;
    out.push_str("<section class=\"card wide\" id=\"trend\"><h2>Cost trend</h2>");
    let _ = write!(
        out,
        "<p>The team spent <strong id=\"week-total\">{}</strong> in {}, <span class=\"{}\">{} ({})</span> against the week before.</p>",
        escape(&money(cost.this_week, currency)),
        escape(&report.header.week),
        change_class(cost.change),
        escape(&signed_money(cost.change, currency)),
        escape(&percent_change(cost.change_percent)),
    );
    let daily_budget = report.budgets.first().map(|b| b.daily_budget);
    out.push_str(&svg::trend_chart(
        "trend-chart",
        &cost.daily,
        &report.header.start,
        daily_budget,
        currency,
    ));
    out.push_str(
        "<div class=\"scroll\"><table><thead><tr><th>Week</th><th>Starts</th><th class=\"num\">Cost</th><th class=\"num\">Change</th></tr></thead><tbody>",
    );
    let mut previous: Option<f64> = None;
    for week in &cost.weekly {
        let change = previous.map(|p| signed_money(week.cost - p, currency));
        let _ = write!(
            out,
            "<tr><td class=\"nowrap\">{}</td><td class=\"nowrap\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&week.week),
            escape(&short_date(&week.start)),
            escape(&money(week.cost, currency)),
            escape(change.as_deref().unwrap_or("—"))
        );
        previous = Some(week.cost);
    }
    out.push_str("</tbody></table></div></section>");
}

fn mover_table(out: &mut String, movers: &[Mover], currency: &str, with_usage: bool) {
    out.push_str("<div class=\"scroll\"><table><thead><tr><th>Service</th>");
    if with_usage {
        out.push_str("<th>Usage type</th>");
    }
    out.push_str(
        "<th class=\"num\">Previous</th><th class=\"num\">This week</th><th class=\"num\">Change</th></tr></thead><tbody>",
    );
    for mover in movers {
        let _ = write!(
            out,
            "<tr><td class=\"name\">{}</td>",
            escape(&mover.service)
        );
        if with_usage {
            let _ = write!(
                out,
                "<td class=\"name\">{}</td>",
                escape(mover.usage_type.as_deref().unwrap_or(""))
            );
        }
        let _ = write!(
            out,
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num {}\">{}</td></tr>",
            escape(&money(mover.previous_week, currency)),
            escape(&money(mover.this_week, currency)),
            change_class(mover.change),
            escape(&signed_money(mover.change, currency))
        );
    }
    out.push_str("</tbody></table></div>");
}

fn movers(out: &mut String, report: &WeeklyReport) {
    let currency = report.header.currency.as_str();
    let cost = &report.cost;
    out.push_str("<section class=\"card wide\" id=\"movers\"><h2>What moved</h2>");
    if cost.top_services.is_empty() {
        out.push_str("<p class=\"empty\">No service's cost moved by a cent against the previous week.</p></section>");
        return;
    }
    out.push_str("<h3>Services</h3>");
    out.push_str(&svg::movers_chart(
        "movers-chart",
        "Change in cost by service against the previous week",
        &cost.top_services,
        currency,
    ));
    mover_table(out, &cost.top_services, currency, false);
    out.push_str("<h3>Usage types</h3>");
    mover_table(out, &cost.top_usage_types, currency, true);
    out.push_str("</section>");
}

fn budget_items(out: &mut String, budgets: &[BudgetLine], currency: &str) {
    for b in budgets {
        let used = b.percent_used.clamp(0.0, 100.0);
        let _ = write!(
            out,
            "<div class=\"budget-item\"><p><strong>{}</strong> {}<br><span class=\"muted\">{} · {} – {}</span></p>\
             <div class=\"meter\" role=\"img\" aria-label=\"{:.0}% of the budget used\"><span class=\"{}\" style=\"width:{used:.1}%\"></span></div>\
             <dl class=\"stats\"><div><dt>Budget</dt><dd class=\"budget-amount\">{}</dd></div>\
             <div><dt>Actual</dt><dd>{}<br><span class=\"muted\">{:.1}% used</span></dd></div>\
             <div><dt>Forecast</dt><dd>{}<br><span class=\"muted\">{} – {}</span></dd></div></dl></div>",
            escape(&b.name),
            state_badge(b.state),
            escape(&capitalised(&b.period)),
            escape(&b.period_start),
            escape(&b.period_end),
            b.percent_used,
            b.state.name(),
            escape(&money(b.budget, currency)),
            escape(&money(b.actual, currency)),
            b.percent_used,
            escape(&money(b.forecast, currency)),
            escape(&money(b.forecast_lower, currency)),
            escape(&money(b.forecast_upper, currency)),
        );
    }
}

fn budgets(out: &mut String, report: &WeeklyReport) {
    out.push_str("<section class=\"card\" id=\"budget\"><h2>Budget</h2>");
    if report.budgets.is_empty() {
        out.push_str("<p class=\"empty\">No budget is set for this team (give a budgets file with a team=NAME budget).</p>");
    } else {
        let _ = write!(
            out,
            "<p class=\"muted\">As of {}; the forecast is the period's total with its 80% interval.</p>",
            escape(&report.budgets[0].as_of)
        );
        budget_items(out, &report.budgets, &report.header.currency);
    }
    out.push_str("</section>");
}

fn unit_costs(out: &mut String, report: &WeeklyReport) {
    let currency = report.header.currency.as_str();
    out.push_str("<section class=\"card\" id=\"unit-cost\"><h2>Unit cost</h2>");
    if report.unit_costs.is_empty() {
        out.push_str("<p class=\"empty\">No unit metric for this team (business metrics with its apps, or --unit APP:METRIC).</p></section>");
        return;
    }
    for (i, unit) in report.unit_costs.iter().enumerate() {
        let scale = unit_scale(
            unit.cost_per_unit
                .unwrap_or(0.0)
                .max(unit.previous_cost_per_unit.unwrap_or(0.0)),
        );
        let quote = |v: Option<f64>| {
            v.map(|v| unit_cost(v, scale, currency, &unit.metric))
                .unwrap_or_else(|| "n/a".into())
        };
        let _ = write!(
            out,
            "<h3>{} · {}</h3><p><strong>{}</strong> this week ({} over {} {}), {} against {} the week before.</p>",
            escape(&unit.app),
            escape(&unit.metric.replace('_', " ")),
            escape(&quote(unit.cost_per_unit)),
            escape(&money(unit.cost, currency)),
            escape(&count(unit.units)),
            escape(&unit.metric),
            escape(&percent_change(unit.change_percent)),
            escape(&quote(unit.previous_cost_per_unit)),
        );
        let values: Vec<Option<f64>> = unit.weekly.iter().map(|p| p.cost_per_unit).collect();
        let spark = svg::sparkline(
            &format!("unit-spark-{i}"),
            &format!("Weekly cost per {} of {}", singular(&unit.metric), unit.app),
            &values,
        );
        out.push_str(&spark.replacen("class=\"chart\"", "class=\"chart spark\"", 1));
        if let (Some(first), Some(last)) = (unit.weekly.first(), unit.weekly.last()) {
            let _ = write!(
                out,
                "<p class=\"muted\">Weekly cost per unit, {} to {}.</p>",
                escape(&first.week),
                escape(&last.week)
            );
        }
    }
    out.push_str("</section>");
}

fn score(out: &mut String, report: &WeeklyReport) {
    out.push_str("<section class=\"card\" id=\"score\"><h2>Efficiency score</h2>");
    let Some(score) = &report.score else {
        out.push_str(
            "<p class=\"empty\">No efficiency score is available for this week.</p></section>",
        );
        return;
    };
    out.push_str(
        &svg::gauge("score-gauge", score.value, score.scale).replacen(
            "class=\"chart\"",
            "class=\"chart gauge\"",
            1,
        ),
    );
    let _ = write!(
        out,
        "<p>Score <strong>{:.0}</strong>{}.</p>",
        score.value,
        match (score.change, score.previous) {
            (Some(change), Some(previous)) =>
                format!(", {change:+.1} from {previous:.0} the week before"),
            _ => String::new(),
        }
    );
    if score.history.len() > 1 {
        let values: Vec<Option<f64>> = score.history.iter().map(|p| Some(p.value)).collect();
        out.push_str(
            &svg::sparkline("score-spark", "Weekly efficiency score", &values).replacen(
                "class=\"chart\"",
                "class=\"chart spark\"",
                1,
            ),
        );
    }
    out.push_str("<div class=\"scroll\"><table><thead><tr><th>Component</th><th class=\"num\">Value</th><th class=\"num\">Weight</th><th>Detail</th></tr></thead><tbody>");
    for c in &score.components {
        let _ = write!(
            out,
            "<tr><td class=\"name\">{}</td><td class=\"num\">{:.0}</td><td class=\"num\">{:.0}%</td><td>{}</td></tr>",
            escape(&c.name),
            c.value,
            c.weight * 100.0,
            escape(c.detail.as_deref().unwrap_or(""))
        );
    }
    out.push_str("</tbody></table></div></section>");
}

fn recommendations(out: &mut String, report: &WeeklyReport) {
    let currency = report.header.currency.as_str();
    out.push_str(
        "<section class=\"card wide\" id=\"recommendations\"><h2>Top recommendations</h2>",
    );
    if report.recommendations.is_empty() {
        out.push_str("<p class=\"empty\">No open recommendations for this team.</p></section>");
        return;
    }
    let total: f64 = report
        .recommendations
        .iter()
        .map(|r| r.monthly_saving)
        .sum();
    let _ = write!(
        out,
        "<p>Together they would save <strong>{}</strong> a month.</p>",
        escape(&money(total, currency))
    );
    out.push_str("<div class=\"scroll\"><table><thead><tr><th>Recommendation</th><th>Category</th><th>Resource</th><th class=\"num\">Saving / month</th><th>Effort</th></tr></thead><tbody>");
    for r in &report.recommendations {
        let _ = write!(
            out,
            "<tr><td class=\"name\">{}</td><td>{}</td><td class=\"name\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&r.title),
            escape(&r.category),
            escape(&r.resource),
            escape(&money(r.monthly_saving, currency)),
            escape(&r.effort)
        );
    }
    out.push_str("</tbody></table></div></section>");
}

fn anomalies(out: &mut String, report: &WeeklyReport) {
    let currency = report.header.currency.as_str();
    out.push_str("<section class=\"card wide\" id=\"anomalies\"><h2>Open anomalies</h2>");
    if report.anomalies.is_empty() {
        out.push_str("<p class=\"empty\">No open anomalies this week.</p></section>");
        return;
    }
    out.push_str("<div class=\"scroll\"><table><thead><tr><th>Anomaly</th><th>Since</th><th class=\"num\">Impact</th><th>Root cause</th></tr></thead><tbody>");
    for a in &report.anomalies {
        let _ = write!(
            out,
            "<tr><td class=\"name\">{}</td><td class=\"nowrap\">{}</td><td class=\"num\">{}</td><td class=\"name\">{}</td></tr>",
            escape(&a.title),
            escape(&a.start),
            escape(&money(a.impact, currency)),
            escape(&a.root_cause)
        );
    }
    out.push_str("</tbody></table></div></section>");
}

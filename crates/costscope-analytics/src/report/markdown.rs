//! The weekly report as Markdown (GitHub-flavoured tables), for chat, wikis and pull
//! requests. Values from the data are escaped so a tag value cannot break a table or
//! inject markup.

use std::fmt::Write as _;

use super::WeeklyReport;
use super::format::{count, money, percent_change, signed_money, unit_cost, unit_scale};

/// Escapes text for Markdown: table pipes, emphasis, links, code and raw HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            '\\' | '|' | '*' | '_' | '[' | ']' | '`' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Renders `report` as Markdown.
pub fn render(report: &WeeklyReport) -> String {
    let h = &report.header;
    let currency = h.currency.as_str();
    let cost = &report.cost;
    let m = |v: f64| money(v, currency);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Weekly cost report: {} — {}\n\n{} to {} · {} cost{} · team from {} · data through {} · generated {}\n",
        escape(&h.team),
        escape(&h.week),
        h.start,
        h.end,
        escape(&h.measure),
        if currency.is_empty() {
            String::new()
        } else {
            format!(" in {}", escape(currency))
        },
        escape(&h.team_source),
        h.data_through,
        h.generated_at
    );

    let _ = writeln!(out, "## Cost trend\n");
    let _ = writeln!(
        out,
        "This week: **{}** ({} / {} against {} the week before).\n",
        m(cost.this_week),
        signed_money(cost.change, currency),
        percent_change(cost.change_percent),
        m(cost.previous_week)
    );
    let _ = writeln!(
        out,
        "| Week | Starts | Cost | Change |\n|---|---|---:|---:|"
    );
    let mut previous: Option<f64> = None;
    for week in &cost.weekly {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            week.week,
            week.start,
            m(week.cost),
            previous
                .map(|p| signed_money(week.cost - p, currency))
                .unwrap_or_else(|| "—".into())
        );
        previous = Some(week.cost);
    }

    let _ = writeln!(out, "\n## What moved\n");
    if cost.top_usage_types.is_empty() && cost.top_services.is_empty() {
        let _ = writeln!(
            out,
            "No service's cost moved by a cent against the previous week."
        );
    } else {
        let _ = writeln!(
            out,
            "| Service | Previous | This week | Change |\n|---|---:|---:|---:|"
        );
        for mover in &cost.top_services {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                escape(&mover.service),
                m(mover.previous_week),
                m(mover.this_week),
                signed_money(mover.change, currency)
            );
        }
        let _ = writeln!(
            out,
            "\n| Service | Usage type | Previous | This week | Change |\n|---|---|---:|---:|---:|"
        );
        for mover in &cost.top_usage_types {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                escape(&mover.service),
                escape(mover.usage_type.as_deref().unwrap_or("")),
                m(mover.previous_week),
                m(mover.this_week),
                signed_money(mover.change, currency)
            );
        }
    }

    let _ = writeln!(out, "\n## Budget\n");
    if report.budgets.is_empty() {
        let _ = writeln!(out, "No budget is set for this team.");
    } else {
        let _ = writeln!(
            out,
            "| Budget | Period | Amount | Actual | Used | Forecast (80% interval) | State |\n|---|---|---:|---:|---:|---:|---|"
        );
        for b in &report.budgets {
            let _ = writeln!(
                out,
                "| {} | {} {} – {} | {} | {} | {:.1}% | {} ({} – {}) | {} |",
                escape(&b.name),
                b.period,
                b.period_start,
                b.period_end,
                m(b.budget),
                m(b.actual),
                b.percent_used,
                m(b.forecast),
                m(b.forecast_lower),
                m(b.forecast_upper),
                b.state.name()
            );
        }
    }

    let _ = writeln!(out, "\n## Unit cost\n");
    if report.unit_costs.is_empty() {
        let _ = writeln!(out, "No unit metric for this team.");
    } else {
        let _ = writeln!(
            out,
            "| App | Metric | Cost | Units | Cost per unit | Previous week | Change |\n|---|---|---:|---:|---:|---:|---:|"
        );
        for u in &report.unit_costs {
            let scale = unit_scale(
                u.cost_per_unit
                    .unwrap_or(0.0)
                    .max(u.previous_cost_per_unit.unwrap_or(0.0)),
            );
            let per = |v: Option<f64>| {
                v.map(|v| unit_cost(v, scale, currency, &u.metric))
                    .unwrap_or("n/a".into())
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                escape(&u.app),
                escape(&u.metric),
                m(u.cost),
                count(u.units),
                per(u.cost_per_unit),
                per(u.previous_cost_per_unit),
                percent_change(u.change_percent)
            );
        }
    }

    let _ = writeln!(out, "\n## Efficiency score\n");
    match &report.score {
        None => {
            let _ = writeln!(out, "No efficiency score is available for this week.");
        }
        Some(score) => {
            let _ = writeln!(
                out,
                "Score **{:.0}** / 100{}.\n\n| Component | Value | Weight | Detail |\n|---|---:|---:|---|",
                score.value,
                score
                    .change
                    .map(|c| format!(" ({c:+.1} against the previous week)"))
                    .unwrap_or_default()
            );
            for c in &score.components {
                let _ = writeln!(
                    out,
                    "| {} | {:.0} | {:.0}% | {} |",
                    escape(&c.name),
                    c.value,
                    c.weight * 100.0,
                    escape(c.detail.as_deref().unwrap_or(""))
                );
            }
        }
    }

    let _ = writeln!(out, "\n## Top recommendations\n");
    if report.recommendations.is_empty() {
        let _ = writeln!(out, "No open recommendations for this team.");
    } else {
        let _ = writeln!(
            out,
            "| Recommendation | Category | Resource | Saving / month | Effort |\n|---|---|---|---:|---|"
        );
        for r in &report.recommendations {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                escape(&r.title),
                escape(&r.category),
                escape(&r.resource),
                m(r.monthly_saving),
                escape(&r.effort)
            );
        }
    }

    let _ = writeln!(out, "\n## Open anomalies\n");
    if report.anomalies.is_empty() {
        let _ = writeln!(out, "No open anomalies this week.");
    } else {
        let _ = writeln!(
            out,
            "| Anomaly | Since | Impact | Root cause |\n|---|---|---:|---|"
        );
        for a in &report.anomalies {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                escape(&a.title),
                escape(&a.start),
                m(a.impact),
                escape(&a.root_cause)
            );
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out, "\n## Notes\n");
        for note in &report.notes {
            let _ = writeln!(out, "- {}", escape(note));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_escaping_keeps_tables_and_markup_intact() {
        assert_eq!(escape("a|b <i>*x*</i>"), "a\\|b &lt;i&gt;\\*x\\*&lt;/i&gt;");
    }
}

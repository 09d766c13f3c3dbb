//! Tests of `costscope_analytics::report`: the weekly report's figures against
//! hand-written SQL over the generated organisation, its renderers' escaping, and the
//! well-formedness of the SVG charts it draws.

use std::path::PathBuf;

use costscope_analytics::allocation::{Owner, Rules};
use costscope_analytics::budgets::{Budget, Scope};
use costscope_analytics::records::{literal, query};
use costscope_analytics::report::{
    self, AnomalyLine, IsoWeek, Mover, RecommendationLine, ScoreComponent, ScorePoint,
    ScoreSection, UnitSpec, WeeklyOptions, WeeklyReport, html, markdown,
};
use costscope_query::Session;
use serde::Deserialize;

use crate::fixture::admin_session;

const TEAM: &str = "app-team";
const WEEK: &str = "2026-W43";
const TEAM_SQL: &str = "resource_tags['user_team'] = 'app-team'";

#[derive(Deserialize)]
struct Sum {
    cost: Option<f64>,
}

async fn sum(session: &Session, sql: &str) -> f64 {
    let rows: Vec<Sum> = query(session, sql).await.expect("sum");
    rows.first().and_then(|r| r.cost).unwrap_or(0.0)
}

/// The team's amortized cost on days `[from, to)`, by hand.
async fn team_cost(session: &Session, from: &str, to: &str) -> f64 {
    sum(
        session,
        &format!(
            "SELECT sum(amortized_cost) AS cost FROM cur_amortized WHERE {TEAM_SQL} \
             AND line_item_usage_start_date >= TIMESTAMP '{from} 00:00:00' \
             AND line_item_usage_start_date < TIMESTAMP '{to} 00:00:00'"
        ),
    )
    .await
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

fn week() -> IsoWeek {
    WEEK.parse().expect("week")
}

async fn app_team_report(budgets: Vec<Budget>) -> WeeklyReport {
    let session = admin_session().await;
    report::build_weekly(
        &session,
        &WeeklyOptions {
            team: TEAM.into(),
            week: Some(week()),
            budgets,
            budgets_origin: Some("budgets.yaml".into()),
            ..WeeklyOptions::default()
        },
    )
    .await
    .expect("report")
}

#[tokio::test]
async fn the_weeks_cost_equals_hand_written_sql() {
    let session = admin_session().await;
    let report = app_team_report(Vec::new()).await;
    assert_eq!(report.header.team, TEAM);
    assert_eq!(report.header.week, WEEK);
    assert_eq!(report.header.start, "2026-10-19");
    assert_eq!(report.header.end, "2026-10-25");
    assert_eq!(report.header.currency, "USD");
    assert_eq!(report.header.data_through, "2026-10-31");

    let this_week = team_cost(&session, "2026-10-19", "2026-10-26").await;
    let previous = team_cost(&session, "2026-10-12", "2026-10-19").await;
    assert!(this_week > 100.0, "the team has cost: {this_week}");
    assert!(
        close(report.cost.this_week, this_week),
        "{} vs {this_week}",
        report.cost.this_week
    );
    assert!(close(report.cost.previous_week, previous));
    assert!(close(report.cost.change, this_week - previous));
    let percent = report.cost.change_percent.expect("percent");
    assert!(close(percent, (this_week - previous) / previous * 100.0));

    // Eight weeks of days, zero-filled, ending on the week's Sunday; weeks add up.
    assert_eq!(report.cost.daily.len(), 56);
    assert_eq!(report.cost.daily[0].date, "2026-08-31");
    assert_eq!(report.cost.daily[55].date, "2026-10-25");
    assert_eq!(report.cost.weekly.len(), 8);
    assert_eq!(report.cost.weekly[0].week, "2026-W36");
    for (i, week) in report.cost.weekly.iter().enumerate() {
        let days: f64 = report.cost.daily[i * 7..i * 7 + 7]
            .iter()
            .map(|d| d.cost)
            .sum();
        assert!(close(week.cost, days), "{}", week.week);
    }
    let first_week = team_cost(&session, "2026-08-31", "2026-09-07").await;
    assert!(close(report.cost.weekly[0].cost, first_week));
    let one_day = team_cost(&session, "2026-10-21", "2026-10-22").await;
    let reported = report
        .cost
        .daily
        .iter()
        .find(|d| d.date == "2026-10-21")
        .expect("day");
    assert!(close(reported.cost, one_day));

    // Movers: each figure is the service's (or usage type's) cost in each week, largest
    // absolute change first.
    assert!(!report.cost.top_services.is_empty());
    for mover in report
        .cost
        .top_services
        .iter()
        .chain(&report.cost.top_usage_types)
    {
        let mut filter = format!("line_item_product_code = {}", literal(&mover.service));
        if let Some(usage) = &mover.usage_type {
            filter.push_str(&format!(" AND line_item_usage_type = {}", literal(usage)));
        }
        let cost = |from: &str, to: &str| {
            format!(
                "SELECT sum(amortized_cost) AS cost FROM cur_amortized WHERE {TEAM_SQL} AND {filter} \
                 AND line_item_usage_start_date >= TIMESTAMP '{from} 00:00:00' \
                 AND line_item_usage_start_date < TIMESTAMP '{to} 00:00:00'"
            )
        };
        let now = sum(&session, &cost("2026-10-19", "2026-10-26")).await;
        let before = sum(&session, &cost("2026-10-12", "2026-10-19")).await;
        assert!(close(mover.this_week, now), "{mover:?} vs {now}");
        assert!(close(mover.previous_week, before), "{mover:?} vs {before}");
    }
    let changes: Vec<f64> = report
        .cost
        .top_services
        .iter()
        .map(|m| m.change.abs())
        .collect();
    assert!(changes.windows(2).all(|w| w[0] >= w[1]), "{changes:?}");
    // The NAT story: NAT Gateway bytes grow every week, so they are among the movers.
    assert!(
        report
            .cost
            .top_usage_types
            .iter()
            .any(|m| m.usage_type.as_deref() == Some("NatGateway-Bytes") && m.change > 0.0),
        "{:?}",
        report.cost.top_usage_types
    );
}

#[tokio::test]
async fn the_budget_and_unit_cost_equal_hand_written_sql() {
    let session = admin_session().await;
    let budget = Budget {
        name: "app-team-monthly".into(),
        ..Budget::new(Scope::Team(TEAM.into()), 9000.0)
    };
    let other = Budget::new(Scope::Team("data-team".into()), 100.0);
    let report = app_team_report(vec![budget, other]).await;

    assert_eq!(report.budgets.len(), 1, "only the team's budget");
    let line = &report.budgets[0];
    assert_eq!(line.name, "app-team-monthly");
    assert_eq!(line.as_of, "2026-10-25");
    assert_eq!(line.period_start, "2026-10-01");
    let actual = team_cost(&session, "2026-10-01", "2026-10-26").await;
    assert!(close(line.actual, actual), "{} vs {actual}", line.actual);
    assert!(close(line.daily_budget, 9000.0 / 31.0));
    assert!(line.forecast >= line.actual);

    // Unit cost: every app of the team recording invocations, clickstream among them.
    let apps: Vec<&str> = report.unit_costs.iter().map(|u| u.app.as_str()).collect();
    assert!(apps.contains(&"clickstream"), "{apps:?}");
    let unit = report
        .unit_costs
        .iter()
        .find(|u| u.app == "clickstream")
        .expect("clickstream");
    assert_eq!(unit.metric, "invocations");
    let cost = sum(
        &session,
        "SELECT sum(amortized_cost) AS cost FROM cur_amortized \
         WHERE resource_tags['user_app'] = 'clickstream' \
         AND line_item_usage_start_date >= TIMESTAMP '2026-10-19 00:00:00' \
         AND line_item_usage_start_date < TIMESTAMP '2026-10-26 00:00:00'",
    )
    .await;
    let units = sum(
        &session,
        "SELECT sum(value) AS cost FROM business_metrics \
         WHERE app = 'clickstream' AND metric = 'invocations' \
         AND date >= DATE '2026-10-19' AND date <= DATE '2026-10-25'",
    )
    .await;
    assert!(close(unit.cost, cost), "{} vs {cost}", unit.cost);
    assert!(close(unit.units, units), "{} vs {units}", unit.units);
    assert!(close(unit.cost_per_unit.expect("per unit"), cost / units));
    assert_eq!(unit.weekly.last().map(|w| w.week.as_str()), Some(WEEK));

    // A unit given explicitly replaces the default.
    let explicit = report::build_weekly(
        &session,
        &WeeklyOptions {
            team: TEAM.into(),
            week: Some(week()),
            units: vec!["clickstream:orders".parse::<UnitSpec>().expect("spec")],
            ..WeeklyOptions::default()
        },
    )
    .await
    .expect("report");
    assert_eq!(explicit.unit_costs.len(), 1);
    assert_eq!(explicit.unit_costs[0].metric, "orders");
    assert!(explicit.notes.is_empty(), "{:?}", explicit.notes);
}

#[tokio::test]
async fn with_rules_the_team_is_the_direct_owner_the_rules_give() {
    let session = admin_session().await;
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/allocation.yaml");
    let rules = Rules::load(&path).expect("rules");
    let teams = report::teams(&session, Some(&rules)).await.expect("teams");
    assert_eq!(teams, rules.teams());
    let report = report::build_weekly(
        &session,
        &WeeklyOptions {
            team: TEAM.into(),
            week: Some(week()),
            rules: Some(rules.clone()),
            ..WeeklyOptions::default()
        },
    )
    .await
    .expect("report");
    assert!(report.header.team_source.starts_with("rules "));

    // Independently: group the week's lines by every field the rules test, decide each
    // group's owner in Rust, and sum the team's groups.
    let fields = rules.fields();
    let columns: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| format!("{} AS f{i}", f.column_sql()))
        .collect();
    let groups: Vec<serde_json::Value> = query(
        &session,
        &format!(
            "SELECT {}, sum(amortized_cost) AS cost FROM cur_amortized \
             WHERE line_item_usage_start_date >= TIMESTAMP '2026-10-19 00:00:00' \
             AND line_item_usage_start_date < TIMESTAMP '2026-10-26 00:00:00' GROUP BY {}",
            columns.join(", "),
            (1..=fields.len())
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .await
    .expect("groups");
    let expected: f64 = groups
        .iter()
        .filter(|row| {
            let owner = rules.owner_of(|field| {
                let i = fields.iter().position(|f| f == field)?;
                row[format!("f{i}")].as_str().map(str::to_string)
            });
            owner == Owner::Team(TEAM.into())
        })
        .map(|row| row["cost"].as_f64().unwrap_or(0.0))
        .sum();
    assert!(expected > 0.0);
    assert!(
        close(report.cost.this_week, expected),
        "{} vs {expected}",
        report.cost.this_week
    );
    assert!(report.notes.iter().any(|n| n.contains("shared pools")));
}

#[tokio::test]
async fn an_unknown_team_is_refused_with_the_known_teams() {
    let session = admin_session().await;
    let error = report::build_weekly(
        &session,
        &WeeklyOptions {
            team: "no-such-team".into(),
            ..WeeklyOptions::default()
        },
    )
    .await
    .expect_err("unknown team");
    assert_eq!(error.kind(), costscope_core::ErrorKind::User);
    let message = error.to_string();
    assert!(message.contains("no-such-team"), "{message}");
    assert!(message.contains("app-team, data-team"), "{message}");

    // Without a week, the last complete week with usage (the data ends on Saturday 31 Oct).
    let report = report::build_weekly(
        &session,
        &WeeklyOptions {
            team: "data-team".into(),
            ..WeeklyOptions::default()
        },
    )
    .await
    .expect("report");
    assert_eq!(report.header.week, "2026-W43");
    // A week after the data is refused; a week the data ends in is flagged.
    for (week, refused) in [("2026-W46", true), ("2026-W44", false)] {
        let result = report::build_weekly(
            &session,
            &WeeklyOptions {
                team: "data-team".into(),
                week: Some(week.parse().expect("week")),
                ..WeeklyOptions::default()
            },
        )
        .await;
        match (result, refused) {
            (Err(e), true) => assert!(e.to_string().contains("after the last day"), "{e}"),
            (Ok(r), false) => assert!(
                r.notes.iter().any(|n| n.contains("incomplete")),
                "{:?}",
                r.notes
            ),
            (other, _) => panic!("{week}: {:?}", other.map(|r| r.notes)),
        }
    }
}

const HOSTILE: &str = "<script>alert('x')</script>";

/// The real report with every optional section filled with hostile text.
async fn hostile_report() -> WeeklyReport {
    let mut report = app_team_report(vec![Budget::new(Scope::Team(TEAM.into()), 9000.0)]).await;
    report.header.team = format!("{HOSTILE}|team");
    report.cost.top_usage_types.push(Mover {
        service: "<img src=x onerror=alert(1)>".into(),
        usage_type: Some(format!("{HOSTILE}\"'&")),
        this_week: 1.0,
        previous_week: 0.0,
        change: 1.0,
    });
    report.cost.top_services[0].service = HOSTILE.into();
    report.score = Some(ScoreSection {
        value: 62.5,
        scale: [0.0, 100.0],
        previous: Some(58.0),
        change: Some(4.5),
        components: vec![ScoreComponent {
            name: HOSTILE.into(),
            value: 40.0,
            weight: 0.25,
            detail: Some("</td></tr></table><b>".into()),
        }],
        history: vec![
            ScorePoint {
                week: "2026-W42".into(),
                value: 58.0,
            },
            ScorePoint {
                week: "2026-W43".into(),
                value: 62.5,
            },
        ],
    });
    report.recommendations = vec![RecommendationLine {
        title: format!("Move {HOSTILE} to gp3"),
        category: "storage".into(),
        resource: "vol-<b>1</b>".into(),
        monthly_saving: 1234.5,
        effort: "low".into(),
    }];
    report.anomalies = vec![AnomalyLine {
        title: "NAT | bytes".into(),
        start: "2026-10-20".into(),
        impact: 321.0,
        root_cause: HOSTILE.into(),
    }];
    report
}

#[tokio::test]
async fn every_value_is_escaped_in_html_and_markdown() {
    let report = hostile_report().await;
    let page = html::render(&report);
    let lower = page.to_lowercase();
    assert!(!lower.contains("<script"), "a script tag got through");
    assert!(!lower.contains("<img"), "an img tag got through");
    assert!(!page.contains("</td></tr></table><b>"));
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // The page stays one self-contained document.
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<meta name=\"viewport\""));
    for external in ["<link", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!lower.contains(external), "{external}");
    }
    assert_eq!(
        page.matches("<table>").count(),
        page.matches("</table>").count()
    );
    assert_eq!(
        page.matches("<section").count(),
        page.matches("</section>").count()
    );
    // Figures read to the cent with separators.
    assert!(page.contains("$1,234.50"), "the recommendation's saving");
    assert!(page.contains("$9,000.00"), "the budget");

    let text = markdown::render(&report);
    assert!(!text.to_lowercase().contains("<script"));
    assert!(text.contains("&lt;script&gt;"));
    assert!(
        text.contains("NAT \\| bytes"),
        "pipes cannot split a table cell"
    );
    // Every table row has as many cells as its header.
    for block in text.split("\n\n").filter(|b| b.starts_with('|')) {
        let cells = |line: &str| line.replace("\\|", "").matches('|').count();
        let mut lines = block.lines();
        let header = cells(lines.next().expect("header"));
        for line in lines {
            assert_eq!(cells(line), header, "{line}");
        }
    }
}

/// The `<svg>…</svg>` elements of a page.
fn svgs(page: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("closed svg") + start + "</svg>".len();
        found.push(&rest[start..end]);
        rest = &rest[end..];
    }
    found
}

#[tokio::test]
async fn the_charts_are_well_formed_accessible_svg() {
    let report = hostile_report().await;
    let page = html::render(&report);
    let charts = svgs(&page);
    assert_eq!(page.matches("<svg").count(), page.matches("</svg>").count());
    // Trend, movers, gauge, score sparkline and one sparkline per unit cost.
    assert_eq!(
        charts.len(),
        4 + report.unit_costs.len(),
        "{}",
        charts.len()
    );
    for chart in &charts {
        assert!(chart.contains(" viewBox=\"0 0 "), "{chart}");
        assert!(chart.contains("role=\"img\""));
        assert_eq!(chart.matches("<title").count(), 1, "{chart}");
        assert_eq!(chart.matches("</title>").count(), 1);
        assert_eq!(
            chart.matches("<desc").count(),
            chart.matches("</desc>").count()
        );
        assert_eq!(
            chart.matches("<text").count(),
            chart.matches("</text>").count()
        );
        assert_eq!(chart.matches("<svg").count(), 1, "no nesting");
        for empty in ["<line", "<rect", "<path", "<polyline", "<circle"] {
            for (i, _) in chart.match_indices(empty) {
                let tag_end = chart[i..].find('>').expect("tag end") + i;
                assert_eq!(
                    &chart[tag_end - 1..=tag_end],
                    "/>",
                    "{}",
                    &chart[i..=tag_end]
                );
            }
        }
        for bad in ["NaN", "inf", "<script"] {
            assert!(!chart.contains(bad), "{bad} in {chart}");
        }
    }
    let trend = charts[0];
    assert!(trend.contains("stroke-dasharray"), "the budget line");
    assert!(trend.contains("budget/day $290"), "{trend}");
    assert!(trend.contains(">$0</text>"), "a y axis from zero");
    assert!(trend.contains(">Oct 19</text>"), "x labels on Mondays");
    assert!(trend.contains("report week"));
    let movers = charts[1];
    assert!(movers.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn empty_sections_say_so() {
    let mut report = app_team_report(Vec::new()).await;
    report.score = None;
    report.recommendations.clear();
    report.anomalies.clear();
    let page = html::render(&report);
    for message in [
        "No open anomalies this week.",
        "No open recommendations for this team.",
        "No efficiency score is available for this week.",
        "No budget is set for this team",
    ] {
        assert!(page.contains(message), "{message}");
    }
    let text = markdown::render(&report);
    assert!(text.contains("No open anomalies this week."));
    assert!(text.contains("## Efficiency score\n\nNo efficiency score"));

    // The JSON form: every section present, empty ones as null or [].
    let json = serde_json::to_value(&report).expect("json");
    for key in [
        "header",
        "cost",
        "budgets",
        "unit_costs",
        "recommendations",
        "anomalies",
        "notes",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert!(json["score"].is_null());
    assert_eq!(json["header"]["week"], WEEK);
    assert_eq!(json["cost"]["daily"].as_array().map(Vec::len), Some(56));
    assert_eq!(report.file_stem(), "app-team-2026-W43");
}

/// The score, recommendation and anomaly sections are those of the analyses themselves:
/// the team's score in the week, its open recommendations by saving, and the NAT
/// Gateway anomaly of the week with the flow-log cause.
#[tokio::test]
async fn score_recommendations_and_anomalies_come_from_the_analyses() {
    use costscope_analytics::efficiency::{self, ScoreOptions, Week};
    use costscope_analytics::recommend::{self, RecommendOptions, Status};

    let session = admin_session().await;
    let report = app_team_report(Vec::new()).await;
    let week = week();

    let scores = efficiency::score(
        &session,
        &ScoreOptions {
            week: Some(Week(week.monday())),
            ..ScoreOptions::default()
        },
    )
    .await
    .expect("score");
    let team = scores
        .teams
        .iter()
        .find(|t| t.team == TEAM)
        .expect("team score");
    let section = report.score.as_ref().expect("score section");
    assert!(close(section.value, team.score));
    assert_eq!(section.previous, team.previous_score);
    assert_eq!(section.components.len(), team.components.len());
    let weights: f64 = section.components.iter().map(|c| c.weight).sum();
    assert!(close(weights, 1.0), "{weights}");
    assert_eq!(section.history.last().map(|p| p.week.as_str()), Some(WEEK));

    let open = recommend::recommend(
        &session,
        None,
        &RecommendOptions {
            team: Some(TEAM.into()),
            status: Some(Status::Open),
            as_of: Some(week.sunday()),
            ..RecommendOptions::default()
        },
    )
    .await
    .expect("recommend");
    let mut savings: Vec<f64> = open
        .recommendations
        .iter()
        .map(|r| r.monthly_saving)
        .collect();
    savings.sort_by(|a, b| b.total_cmp(a));
    let shown: Vec<f64> = report
        .recommendations
        .iter()
        .map(|r| r.monthly_saving)
        .collect();
    assert!(!shown.is_empty());
    assert_eq!(shown, savings[..shown.len()].to_vec());
    assert!(
        report
            .recommendations
            .iter()
            .any(|r| r.category == "networking" && r.resource.contains("us-east-1b")),
        "the NAT fix: {:?}",
        report.recommendations
    );

    let nat = report
        .anomalies
        .iter()
        .find(|a| a.root_cause.contains("NAT gateway"))
        .unwrap_or_else(|| panic!("the NAT anomaly: {:?}", report.anomalies));
    assert_eq!(nat.start, "2026-10-22");
    assert!(nat.impact > 0.0);
    assert!(nat.root_cause.contains("us-east-1b") && nat.root_cause.contains("us-east-1a"));
    // One line per cause.
    let mut causes: Vec<&str> = report
        .anomalies
        .iter()
        .map(|a| a.root_cause.as_str())
        .collect();
    causes.sort();
    causes.dedup();
    assert_eq!(causes.len(), report.anomalies.len());
}

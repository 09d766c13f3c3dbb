//! The intelligence and efficiency part of the demo: the NAT Gateway story from alert to
//! fix, the efficiency league table, the top recommendations and the GenAI comparison.

use chrono::{Days, NaiveDate};
use costscope_analytics::anomalies::{self, AnomalyOptions, MonitorKind, ScanOptions};
use costscope_analytics::efficiency::{self, ScoreOptions};
use costscope_analytics::genai::{self, GenaiOptions};
use costscope_analytics::network::{self, NetworkOptions};
use costscope_analytics::recommend::{self, Category, RecommendOptions};
use costscope_query::Session;
use costscope_store::Store;
use costscope_synth::IncidentLabel;
use serde::Serialize;

use super::{cents, section};
use crate::args::Format;

/// Days after the onset the demo looks for the NAT alert.
const DETECTION_DAYS: u64 = 3;
/// Recommendations shown per category.
const TOP_PER_CATEGORY: usize = 3;

pub async fn tell(
    session: &Session,
    store: &Store,
    labels: &[IncidentLabel],
    format: Format,
    sections: &mut Vec<serde_json::Value>,
) -> anyhow::Result<()> {
    let story = nat_story(session, store, labels).await?;
    section(
        "The NAT Gateway story: from alert to root cause, flow-log evidence and fix",
        &story,
        format,
        sections,
    )?;
    league(session, format, sections).await?;
    recommendations(session, store, format, sections).await?;
    genai_comparison(session, format, sections).await
}

#[derive(Serialize)]
struct StoryLine {
    step: &'static str,
    text: String,
}

impl StoryLine {
    fn new(step: &'static str, text: impl Into<String>) -> Self {
        StoryLine {
            step,
            text: text.into(),
        }
    }
}

/// Scans day by day from the NAT deploy's onset until the usage-type monitor raises the
/// alert, then follows it down to the flow logs.
async fn nat_story(
    session: &Session,
    store: &Store,
    labels: &[IncidentLabel],
) -> anyhow::Result<Vec<StoryLine>> {
    let Some(label) = labels
        .iter()
        .find(|l| l.usage_types.iter().any(|u| u.contains("NatGateway-Bytes")))
    else {
        return Ok(vec![StoryLine::new(
            "alert",
            "no NAT Gateway change in this organisation",
        )]);
    };
    let onset = NaiveDate::parse_from_str(&label.onset, "%Y-%m-%d")?;
    let mut options = AnomalyOptions {
        monitors: anomalies::Monitor::defaults()
            .into_iter()
            .filter(|m| m.kind == MonitorKind::UsageType)
            .collect(),
        ..AnomalyOptions::default()
    };
    let mut found = None;
    for after in 0..=DETECTION_DAYS {
        options.as_of = Some(onset + Days::new(after));
        let report = anomalies::scan(session, store, &options, ScanOptions::default()).await?;
        if let Some(anomaly) = report
            .anomalies
            .into_iter()
            .find(|a| a.kind == label.monitor.kind && a.value == label.monitor.value)
        {
            found = Some((after, anomaly));
            break;
        }
    }
    let Some((after, anomaly)) = found else {
        return Ok(vec![StoryLine::new(
            "alert",
            format!(
                "no NatGateway-Bytes anomaly within {DETECTION_DAYS} days of {onset} (the \
                 change: {})",
                label.description
            ),
        )]);
    };
    let mut lines = vec![StoryLine::new(
        "alert",
        format!(
            "{} (monitor {}): ${:.2} above the expected ${:.2}{} since {}, raised as of {} \
             ({after} day{} after the change began); anomaly {}",
            anomaly.value,
            anomaly.monitor,
            anomaly.impact,
            anomaly.expected,
            anomaly
                .percent
                .map(|p| format!(" (+{p:.1}%)"))
                .unwrap_or_default(),
            anomaly.start,
            onset + Days::new(after),
            if after == 1 { "" } else { "s" },
            anomaly.id,
        ),
    )];
    if let Some(tree) = &anomaly.root_cause {
        let path: Vec<String> = tree
            .top_path()
            .iter()
            .map(|n| format!("{} {} ({:+.2})", n.level, n.value, n.delta))
            .collect();
        lines.push(StoryLine::new("root cause", path.join(" → ")));
    }
    if let Some(explanation) = &anomaly.explanation {
        lines.push(StoryLine::new("in short", explanation.clone()));
    }
    let end = onset + Days::new(after + 1);
    let window = NetworkOptions {
        limit: Some(3),
        ..NetworkOptions::new(anomaly.start, end)
    };
    for text in network::nat_story(session, &window).await? {
        lines.push(StoryLine::new("evidence", text));
    }
    match (&anomaly.network_cause, anomaly.monthly_saving) {
        (Some(cause), Some(saving)) => {
            lines.push(StoryLine::new("cause", cause.clone()));
            lines.push(StoryLine::new(
                "fix",
                format!(
                    "saves about ${saving:.2}/month (see `costscope recommend --category \
                     networking`)"
                ),
            ));
        }
        _ => lines.push(StoryLine::new(
            "cause",
            "the flow logs of the window name no cause",
        )),
    }
    Ok(lines)
}

#[derive(Serialize)]
struct LeagueRow {
    rank: usize,
    team: String,
    score: f64,
    change: Option<f64>,
    eligible_spend: f64,
    best_action: String,
}

async fn league(
    session: &Session,
    format: Format,
    sections: &mut Vec<serde_json::Value>,
) -> anyhow::Result<()> {
    let report = efficiency::score(session, &ScoreOptions::default()).await?;
    let rows: Vec<LeagueRow> = report
        .teams
        .iter()
        .map(|t| LeagueRow {
            rank: t.rank,
            team: t.team.clone(),
            score: t.score.round(),
            change: t.change.map(f64::round),
            eligible_spend: cents(t.eligible_spend),
            best_action: t
                .actions
                .first()
                .map(|a| {
                    format!(
                        "{} (+{:.0} points, ${:.2}/week)",
                        a.action, a.points, a.saving
                    )
                })
                .unwrap_or_default(),
        })
        .collect();
    section(
        &format!(
            "Efficiency score league table, week {} (300-850; `costscope score --team T` explains)",
            report.week
        ),
        &rows,
        format,
        sections,
    )
}

#[derive(Serialize)]
struct RecommendationRow {
    category: Category,
    team: String,
    resource: String,
    change: String,
    monthly_saving: f64,
    effort: String,
    source: recommend::Source,
}

async fn recommendations(
    session: &Session,
    store: &Store,
    format: Format,
    sections: &mut Vec<serde_json::Value>,
) -> anyhow::Result<()> {
    let report = recommend::recommend(session, Some(store), &RecommendOptions::default()).await?;
    let mut rows = Vec::new();
    for category in Category::ALL {
        let mut top: Vec<_> = report
            .recommendations
            .iter()
            .filter(|r| r.category == category)
            .collect();
        top.sort_by(|a, b| b.monthly_saving.total_cmp(&a.monthly_saving));
        rows.extend(
            top.into_iter()
                .take(TOP_PER_CATEGORY)
                .map(|r| RecommendationRow {
                    category,
                    team: r.team.clone(),
                    resource: r.resource_id.clone(),
                    change: format!("{} → {}", r.current, r.recommended),
                    monthly_saving: cents(r.monthly_saving),
                    effort: r.effort.name().to_string(),
                    source: r.source,
                }),
        );
    }
    section(
        &format!(
            "Top recommendations per category ({} in all, ${:.2}/month; prices as of {})",
            report.recommendations.len(),
            report.total_monthly_saving,
            report.prices.as_of
        ),
        &rows,
        format,
        sections,
    )
}

#[derive(Serialize)]
struct GenaiRow {
    department: String,
    cost: f64,
    million_tokens: f64,
    cost_per_million_tokens: Option<f64>,
    main_model: String,
}

async fn genai_comparison(
    session: &Session,
    format: Format,
    sections: &mut Vec<serde_json::Value>,
) -> anyhow::Result<()> {
    let report = genai::genai(session, &GenaiOptions::default()).await?;
    let rows: Vec<GenaiRow> = report
        .departments
        .iter()
        .map(|d| GenaiRow {
            department: d.department.clone(),
            cost: cents(d.cost),
            million_tokens: (d.tokens / 1e4).round() / 100.0,
            cost_per_million_tokens: d.cost_per_million_tokens.map(cents),
            main_model: d.main_model.clone(),
        })
        .collect();
    // The pair with the most similar token volumes tells the story best.
    let why = report
        .comparisons
        .iter()
        .min_by(|a, b| {
            a.token_ratio
                .ln()
                .abs()
                .total_cmp(&b.token_ratio.ln().abs())
        })
        .map(|c| c.why.clone())
        .unwrap_or_else(|| "no two departments with similar token volumes".into());
    section(
        &format!("GenAI cost per department: {why}"),
        &rows,
        format,
        sections,
    )
}

//! Each analysis command timed as the CLI runs it (library call, one session).

use costscope_analytics::allocation::{self, AllocateOptions, Rules};
use costscope_analytics::budgets::{self, BudgetOptions};
use costscope_analytics::explorer::{self, ExplorerOptions, Measure};
use costscope_analytics::tags::{self, TagOptions};
use costscope_analytics::unit_cost::{self, UnitCostOptions};
use costscope_core::TeamExpr;
use costscope_query::Session;
use std::time::Instant;

use super::{QueryTiming, median};

/// Times each analysis command as the CLI runs it (library call, same session).
pub async fn time_analyses(session: &Session, runs: usize) -> anyhow::Result<Vec<QueryTiming>> {
    let rules = Rules::parse(
        crate::commands::demo::ALLOCATION_RULES,
        "examples/allocation.yaml",
    )?;
    let budget_list =
        budgets::parse_budgets(crate::commands::demo::BUDGETS, "examples/budgets.yaml")?;
    let explore = |group_by: &str, team: TeamExpr| -> anyhow::Result<ExplorerOptions> {
        Ok(ExplorerOptions {
            group_by: group_by
                .split(',')
                .map(str::parse)
                .collect::<Result<_, _>>()?,
            measure: Measure::Amortized,
            top: Some(10),
            team,
            ..ExplorerOptions::default()
        })
    };
    let by_service = explore("service", TeamExpr::default())?;
    let by_team = explore("team,service", rules.team())?;
    // Bill-derived units: the benchmark lake holds the CUR only.
    let mut unit_options = UnitCostOptions::new("lambda-requests");
    unit_options.scope = vec!["tag:app=clickstream".parse()?];
    let tag_options = TagOptions {
        required: ["department", "team", "app"].map(String::from).to_vec(),
        ..TagOptions::default()
    };
    let budget_options = BudgetOptions {
        budgets: budget_list,
        ..BudgetOptions::default()
    };
    let mut timings = Vec::new();
    for name in [
        "cost_monthly_by_service_top10",
        "cost_monthly_by_team_and_service",
        "allocate",
        "tags",
        "unit_cost_clickstream",
        "budgets",
        "score",
        "genai",
        "recommend",
    ] {
        let mut runs_seconds = Vec::with_capacity(runs);
        let mut rows = 0;
        for _ in 0..runs.max(1) {
            let started = Instant::now();
            rows = match name {
                "cost_monthly_by_service_top10" => {
                    explorer::explore(session, &by_service).await?.rows.len()
                }
                "cost_monthly_by_team_and_service" => {
                    explorer::explore(session, &by_team).await?.rows.len()
                }
                "allocate" => allocation::allocate(session, &rules, &AllocateOptions::default())
                    .await?
                    .rows
                    .len(),
                "tags" => tags::tag_report(session, &tag_options)
                    .await?
                    .coverage
                    .len(),
                "unit_cost_clickstream" => unit_cost::unit_cost(session, &unit_options)
                    .await?
                    .periods
                    .len(),
                "score" => costscope_analytics::efficiency::score(session, &Default::default())
                    .await?
                    .teams
                    .len(),
                "genai" => costscope_analytics::genai::genai(session, &Default::default())
                    .await?
                    .rows
                    .len(),
                "recommend" => costscope_analytics::recommend::recommend(
                    session,
                    None,
                    &costscope_analytics::recommend::RecommendOptions::default(),
                )
                .await?
                .recommendations
                .len(),
                _ => budgets::report(session, &budget_options)
                    .await?
                    .budgets
                    .len(),
            };
            runs_seconds.push(started.elapsed().as_secs_f64());
        }
        timings.push(QueryTiming {
            name: name.to_string(),
            rows,
            median_seconds: median(&runs_seconds),
            runs_seconds,
        });
    }
    Ok(timings)
}

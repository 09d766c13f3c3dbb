//! Tests of `costscope_analytics::efficiency`.

use costscope_analytics::efficiency::{
    self, Kpi, KpiOptions, KpiReport, ScoreConfig, ScoreOptions, Week,
};
use costscope_analytics::records::query;
use serde::Deserialize;

use crate::fixture::admin_session;

const WEEK: &str = "2026-W43";

async fn kpis_of(week: &str) -> KpiReport {
    let session = admin_session().await;
    let week: Week = week.parse().expect("week");
    efficiency::kpis(
        &session,
        &KpiOptions {
            to: Some(week),
            ..KpiOptions::default()
        },
    )
    .await
    .expect("kpis")
}

/// (measured, eligible) summed over accounts and teams, optionally for one team.
fn totals(report: &KpiReport, kpi: Kpi, team: Option<&str>) -> (f64, f64) {
    report
        .rows
        .iter()
        .filter(|r| r.kpi == kpi && team.is_none_or(|t| r.team == t))
        .fold((0.0, 0.0), |(m, e), r| (m + r.measured, e + r.eligible))
}

#[derive(Deserialize)]
struct Pair {
    measured: Option<f64>,
    eligible: Option<f64>,
}

/// Hand-written SQL over the week: (measured, eligible).
async fn by_hand(measured: &str, eligible: &str, cost: &str) -> (f64, f64) {
    let session = admin_session().await;
    let sql = format!(
        "SELECT sum(CASE WHEN {measured} THEN {cost} ELSE 0 END) AS measured, \
                sum(CASE WHEN {eligible} THEN {cost} ELSE 0 END) AS eligible \
         FROM cur_amortized \
         WHERE line_item_usage_start_date >= TIMESTAMP '2026-10-19 00:00:00' \
           AND line_item_usage_start_date < TIMESTAMP '2026-10-26 00:00:00' \
           AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')"
    );
    let rows: Vec<Pair> = query(&session, &sql).await.expect("hand SQL");
    let row = &rows[0];
    (row.measured.unwrap_or(0.0), row.eligible.unwrap_or(0.0))
}

fn close(a: (f64, f64), b: (f64, f64)) {
    assert!(
        (a.0 - b.0).abs() < 1e-6 && (a.1 - b.1).abs() < 1e-6,
        "{a:?} vs {b:?}"
    );
    assert!(a.1 > 0.0, "no eligible spend: {a:?}");
}

#[tokio::test]
async fn graviton_share_equals_hand_written_sql() {
    let report = kpis_of(WEEK).await;
    let instance = "regexp_like(line_item_usage_type, '(BoxUsage|SpotUsage|DedicatedUsage):(m|t|c|r|x|i|im|is)[0-9]')";
    let managed = "regexp_like(line_item_usage_type, '(InstanceUsage|Multi-AZUsage):db\\.|NodeUsage:cache\\.|ESInstance:')";
    let serverless =
        "(line_item_usage_type LIKE 'Lambda-GB-Second%' OR line_item_usage_type LIKE '%Fargate-%')";
    let graviton = "(regexp_like(line_item_usage_type, ':(db\\.|cache\\.)?[a-z]+[0-9]+g') OR line_item_usage_type LIKE '%-ARM' OR line_item_usage_type LIKE '%Fargate%ARM%')";
    let eligible = format!("({instance} OR {managed} OR {serverless})");
    let measured = format!("({eligible} AND {graviton})");
    close(
        totals(&report, Kpi::Graviton, None),
        by_hand(&measured, &eligible, "amortized_cost").await,
    );
}

#[tokio::test]
async fn gp3_spot_and_coverage_equal_hand_written_sql() {
    let report = kpis_of(WEEK).await;
    close(
        totals(&report, Kpi::Gp3, None),
        by_hand(
            "line_item_usage_type LIKE '%EBS:VolumeUsage.gp3'",
            "(line_item_usage_type LIKE '%EBS:VolumeUsage.gp3' OR line_item_usage_type LIKE '%EBS:VolumeUsage.gp2')",
            "amortized_cost",
        )
        .await,
    );
    close(
        totals(&report, Kpi::Spot, None),
        by_hand(
            "line_item_usage_type LIKE '%SpotUsage:%'",
            "line_item_line_item_type = 'Usage' AND regexp_like(line_item_usage_type, '(BoxUsage|SpotUsage|DedicatedUsage|HostBoxUsage):')",
            "amortized_cost",
        )
        .await,
    );
    let compute = "(regexp_like(line_item_usage_type, '(BoxUsage|DedicatedUsage|HostBoxUsage):|(InstanceUsage|Multi-AZUsage):db\\.|NodeUsage:cache\\.|ESInstance:|Fargate-') OR line_item_usage_type LIKE 'Lambda-GB-Second%' OR line_item_usage_type LIKE 'Lambda-Provisioned-GB-Second%')";
    close(
        totals(&report, Kpi::CommitmentCoverage, None),
        by_hand(
            &format!("{compute} AND line_item_line_item_type <> 'Usage'"),
            compute,
            "pricing_public_on_demand_cost",
        )
        .await,
    );
}

#[tokio::test]
async fn clickstream_moving_to_graviton_raises_app_team_graviton_share() {
    let september = kpis_of("2026-W37").await;
    let october = kpis_of(WEEK).await;
    let share = |r: &KpiReport| {
        let (m, e) = totals(r, Kpi::Graviton, Some("app-team"));
        m / e
    };
    assert!(
        share(&october) > share(&september) + 0.1,
        "{} vs {}",
        share(&october),
        share(&september)
    );
}

#[tokio::test]
async fn sandbox_has_previous_generation_an_unattached_volume_and_an_idle_address() {
    let report = kpis_of(WEEK).await;
    let sandbox = |kpi| {
        let rows: Vec<_> = report
            .rows
            .iter()
            .filter(|r| r.kpi == kpi && r.account_id == "888888888888")
            .collect();
        let (m, e) = rows
            .iter()
            .fold((0.0, 0.0), |(m, e), r| (m + r.measured, e + r.eligible));
        m / e
    };
    let (m, e) = totals(&report, Kpi::CurrentGeneration, None);
    assert!(
        sandbox(Kpi::CurrentGeneration) < m / e,
        "sandbox not below the organisation"
    );
    let kinds: Vec<&str> = report
        .idle_resources
        .iter()
        .filter(|r| r.account_id == "888888888888")
        .map(|r| r.kind.as_str())
        .collect();
    assert!(kinds.contains(&"unattached-volume"), "{kinds:?}");
    assert!(kinds.contains(&"idle-public-ipv4"), "{kinds:?}");
    // Attached root volumes are not flagged: one unattached volume only.
    let volumes = report
        .idle_resources
        .iter()
        .filter(|r| r.kind == "unattached-volume")
        .count();
    assert_eq!(volumes, 1, "{:?}", report.idle_resources);
    // The nearly idle staging NAT gateway, not the busy one.
    let nats: Vec<_> = report
        .idle_resources
        .iter()
        .filter(|r| r.kind == "idle-nat-gateway")
        .collect();
    assert_eq!(nats.len(), 1, "{nats:?}");
    assert!(sandbox(Kpi::Idle) > 0.0);
    assert_eq!(report.utilisation.status, "unavailable");
}

#[tokio::test]
async fn scores_are_in_range_add_up_and_are_deterministic() {
    let session = admin_session().await;
    let options = ScoreOptions {
        week: Some(WEEK.parse().expect("week")),
        config: ScoreConfig::default(),
        ..ScoreOptions::default()
    };
    let report = efficiency::score(&session, &options).await.expect("score");
    let again = efficiency::score(&session, &options).await.expect("score");
    assert_eq!(report, again);
    assert!(report.teams.len() >= 6, "{:?}", report.teams.len());
    for team in report
        .teams
        .iter()
        .chain(std::iter::once(&report.organisation))
    {
        assert!(
            (300.0..=850.0).contains(&team.score),
            "{}: {}",
            team.team,
            team.score
        );
        let sum: f64 = team.components.iter().map(|c| c.points).sum();
        assert!((300.0 + sum - team.score).abs() < 1e-9, "{}", team.team);
        let max: f64 = team.components.iter().map(|c| c.max_points).sum();
        assert!((max - 550.0).abs() < 1e-9 || team.components.is_empty());
        assert!(team.actions.len() <= 3);
        assert!(team.previous_score.is_some(), "{} has no trend", team.team);
        // Small eligible spend is shrunk toward the organisation, never past it.
        for c in &team.components {
            let Some(a) = c.attainment else { continue };
            let org = c
                .organisation_value
                .map(|v| efficiency::score::attainment(c.kpi, v, c.goal))
                .expect("org value");
            let (low, high) = (a.min(org), a.max(org));
            assert!(c.scored_attainment >= low - 1e-9 && c.scored_attainment <= high + 1e-9);
        }
    }
    let ranks: Vec<usize> = report.teams.iter().map(|t| t.rank).collect();
    assert_eq!(ranks, (1..=report.teams.len()).collect::<Vec<_>>());
    // The team with the least eligible spend is not pushed to the floor.
    let smallest = report
        .teams
        .iter()
        .min_by(|a, b| a.eligible_spend.total_cmp(&b.eligible_spend))
        .expect("teams");
    assert!(
        smallest.score > 500.0,
        "{}: {}",
        smallest.team,
        smallest.score
    );
    // Sandbox's untagged, previous-generation estate scores below the organisation.
    let untagged = report
        .teams
        .iter()
        .find(|t| t.team == efficiency::NO_TEAM)
        .expect("untagged");
    assert!(untagged.score < report.organisation.score);
}

#[tokio::test]
async fn one_team_explains_and_unknown_teams_are_refused() {
    let session = admin_session().await;
    let options = ScoreOptions {
        week: Some(WEEK.parse().expect("week")),
        team: Some("app-team".into()),
        ..ScoreOptions::default()
    };
    let report = efficiency::score(&session, &options).await.expect("score");
    assert_eq!(report.teams.len(), 1);
    let actions = &report.teams[0].actions;
    assert!(!actions.is_empty());
    assert!(actions.windows(2).all(|w| w[0].points >= w[1].points));
    let wrong = ScoreOptions {
        team: Some("nobody".into()),
        ..options
    };
    let error = efficiency::score(&session, &wrong)
        .await
        .expect_err("unknown");
    assert_eq!(error.kind(), costscope_core::ErrorKind::User);
    assert!(error.to_string().contains("nobody"), "{error}");
}

#[test]
fn score_files_report_line_and_column() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("score.yaml");
    std::fs::write(
        &path,
        "prior_spend: 20\ncomponents:\n  gp3:\n    weight: -1\n",
    )
    .expect("write");
    let error = ScoreConfig::load(&path).expect_err("negative weight");
    let message = error.to_string();
    assert!(message.contains("score.yaml:4:13"), "{message}");
    std::fs::write(
        &path,
        "components:\n  gp3: {weight: 3, goal: 0.8}\n  colour: {}\n",
    )
    .expect("write");
    let message = ScoreConfig::load(&path).expect_err("unknown").to_string();
    assert!(
        message.contains("score.yaml:3:3") && message.contains("colour"),
        "{message}"
    );
    std::fs::write(&path, "components:\n  gp3: {weight: 3, goal: 0.8}\n").expect("write");
    let config = ScoreConfig::load(&path).expect("valid");
    let gp3 = config
        .components
        .iter()
        .find(|c| c.kpi == Kpi::Gp3)
        .expect("gp3");
    assert_eq!((gp3.weight, gp3.goal), (3.0, 0.8));
}

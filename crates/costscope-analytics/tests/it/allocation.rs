//! Allocation over the generated organisation: the example rules reconcile with the
//! bill and with hand-written SQL; random rule sets over random and real data lose
//! nothing; bad rules files fail at the right line and column.

mod properties;
mod rules_errors;

use std::path::PathBuf;

use costscope_analytics::allocation::{
    AllocateOptions, AllocationReport, Measure, Rules, UNALLOCATED, allocate,
};
use costscope_analytics::records::query;
use costscope_query::Session;

use crate::fixture;

/// The example rules for the demo organisation, from the repository.
pub fn example_rules() -> Rules {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/allocation.yaml");
    Rules::load(&path).expect("the example rules are valid")
}

/// One number from SQL.
pub async fn scalar(session: &Session, sql: &str) -> f64 {
    #[derive(serde::Deserialize)]
    struct Row {
        value: Option<f64>,
    }
    let rows: Vec<Row> = query(session, sql).await.expect(sql);
    rows.first().and_then(|r| r.value).unwrap_or(0.0)
}

/// Asserts `a` and `b` agree to 1e-9 relative (or 1e-9 absolute near zero).
#[track_caller]
pub fn assert_close(a: f64, b: f64, what: &str) {
    let scale = a.abs().max(b.abs()).max(1.0);
    assert!((a - b).abs() <= 1e-9 * scale, "{what}: {a} != {b}");
}

fn team_total(report: &AllocationReport, team: &str) -> f64 {
    report
        .team_totals
        .iter()
        .filter(|t| t.team == team)
        .map(|t| t.total)
        .sum()
}

#[tokio::test]
async fn example_rules_allocate_the_whole_bill() {
    let session = fixture::admin_session().await;
    let rules = example_rules();
    let report = allocate(&session, &rules, &AllocateOptions::default())
        .await
        .expect("allocate");

    let bill = scalar(
        &session,
        "SELECT sum(amortized_cost) AS value FROM cur_amortized",
    )
    .await;
    let allocated: f64 = report.rows.iter().map(|r| r.cost.total).sum();
    assert_close(allocated, bill, "team totals vs the bill");
    let by_team: f64 = report.team_totals.iter().map(|t| t.total).sum();
    assert_close(by_team, bill, "team totals over all periods vs the bill");
    assert_eq!(report.totals.len(), 1, "one currency");
    assert_close(report.totals[0].bill, bill, "reported bill");
    assert_close(report.totals[0].allocated, bill, "reported allocation");

    // The generator's ledger is a second, independent record of the bill.
    let ledger = fixture::organisation()
        .await
        .summary
        .ledger
        .total_where(|_| true);
    assert_close(bill, ledger.amortized, "bill vs the generator's ledger");

    // Every period: the bill matches SQL and the teams add up to it.
    let periods = &fixture::organisation().await.summary.periods;
    assert_eq!(report.periods.len(), periods.len());
    for period in &report.periods {
        let bill = scalar(
            &session,
            &format!(
                "SELECT sum(amortized_cost) AS value FROM cur_amortized WHERE billing_period = '{}'",
                period.period
            ),
        )
        .await;
        assert_close(period.bill, bill, &period.period);
        assert_close(period.allocated, bill, &period.period);
        assert_close(
            period.direct + period.shared + period.unallocated,
            bill,
            &period.period,
        );
        let teams = report.rows.iter().filter(|r| r.period == period.period);
        assert_eq!(
            teams.count(),
            rules.teams().len() + 1,
            "every team and unallocated"
        );
    }
    // Each pool's shares add up to the pool.
    for pool in &report.pools {
        let shares: f64 = pool.shares.iter().map(|s| s.amount).sum();
        assert_close(shares, pool.cost, &pool.pool);
        let fractions: f64 = pool.shares.iter().map(|s| s.fraction).sum();
        assert_close(fractions, 1.0, &pool.pool);
    }
}

#[tokio::test]
async fn direct_costs_match_hand_written_sql() {
    let session = fixture::admin_session().await;
    let report = allocate(&session, &example_rules(), &AllocateOptions::default())
        .await
        .expect("allocate");

    // app-team: its tagged lines, plus untagged (or not-a-team-tagged) lines in its
    // accounts, except the lines the shared pools claim first (tax, support and
    // commitments before the tags; networking before the accounts).
    let app_team = scalar(
        &session,
        "SELECT sum(amortized_cost) AS value FROM cur_amortized \
         WHERE line_item_line_item_type NOT IN ('Tax', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee', 'RIFee') \
           AND line_item_product_code NOT LIKE 'AWSSupport%' \
           AND (resource_tags['user_team'] = 'app-team' \
                OR (coalesce(resource_tags['user_team'], '') NOT IN \
                      ('data-team', 'platform-team', 'sales-eng', 'secops', 'web-team') \
                    AND line_item_product_code <> 'AmazonVPC' \
                    AND line_item_usage_account_name LIKE 'App-Team-%'))",
    )
    .await;
    let direct: f64 = report
        .team_totals
        .iter()
        .filter(|t| t.team == "app-team")
        .map(|t| t.direct)
        .sum();
    assert!(app_team > 0.0);
    assert_close(direct, app_team, "app-team direct");

    // Sandbox is claimed by no team rule: what the pools leave of it is unallocated.
    // (Only Sandbox has untagged lines no account rule claims.)
    let sandbox = scalar(
        &session,
        "SELECT sum(amortized_cost) AS value FROM cur_amortized \
         WHERE line_item_usage_account_name = 'Sandbox' \
           AND line_item_line_item_type <> 'Tax' AND line_item_product_code NOT LIKE 'AWSSupport%' \
           AND line_item_product_code <> 'AmazonVPC' \
           AND resource_tags['user_team'] IS NULL",
    )
    .await;
    assert!(sandbox != 0.0);
    assert_close(team_total(&report, UNALLOCATED), sandbox, "unallocated");

    // The tax pool holds every Tax line, per the generator's ledger too.
    let ledger = &fixture::organisation().await.summary.ledger;
    for period in &report.periods {
        let pool: f64 = report
            .pools
            .iter()
            .filter(|p| p.pool == "tax" && p.period == period.period)
            .map(|p| p.cost)
            .sum();
        let taxes = ledger
            .total_where(|k| k.line_item_type == "Tax" && k.day.starts_with(&period.period))
            .amortized;
        assert!(taxes > 0.0);
        assert_close(pool, taxes, &period.period);
    }
}

#[tokio::test]
async fn pools_split_as_the_rules_say() {
    let session = fixture::admin_session().await;
    let rules = example_rules();
    let report = allocate(&session, &rules, &AllocateOptions::default())
        .await
        .expect("allocate");
    for pool in &report.pools {
        match pool.pool.as_str() {
            "platform" | "networking" => {
                // Even among all six teams.
                assert_eq!(pool.shares.len(), 6);
                for share in &pool.shares {
                    assert_close(share.amount, pool.cost / 6.0, "even share");
                }
            }
            "commitments" => {
                let fractions: Vec<(&str, f64)> = pool
                    .shares
                    .iter()
                    .map(|s| (s.team.as_str(), s.fraction))
                    .collect();
                assert_eq!(
                    fractions,
                    vec![("app-team", 0.5), ("data-team", 0.3), ("sales-eng", 0.2)]
                );
            }
            "tax" | "support" => {
                assert_eq!(pool.applied, "proportional");
                let directs: Vec<f64> = pool
                    .shares
                    .iter()
                    .map(|s| {
                        report
                            .rows
                            .iter()
                            .find(|r| r.period == pool.period && r.cost.team == s.team)
                            .map(|r| r.cost.direct.max(0.0))
                            .unwrap_or(0.0)
                    })
                    .collect();
                let sum: f64 = directs.iter().sum();
                for (share, direct) in pool.shares.iter().zip(directs) {
                    assert_close(share.fraction, direct / sum, &share.team);
                }
            }
            other => panic!("unexpected pool {other}"),
        }
    }
    let networking = report.pools.iter().filter(|p| p.pool == "networking");
    assert_eq!(
        networking.count(),
        report.periods.len(),
        "untagged networking is shared"
    );
    // Shared cost of each team is the sum of its shares.
    for row in report.rows.iter().filter(|r| r.cost.team != UNALLOCATED) {
        let shares: f64 = report
            .pools
            .iter()
            .filter(|p| p.period == row.period)
            .flat_map(|p| p.shares.iter())
            .filter(|s| s.team == row.cost.team)
            .map(|s| s.amount)
            .sum();
        assert_close(row.cost.shared, shares, &row.cost.team);
        assert_close(
            row.cost.total,
            row.cost.direct + row.cost.shared,
            &row.cost.team,
        );
    }
}

#[tokio::test]
async fn measures_and_period_ranges_change_what_is_allocated() {
    let session = fixture::admin_session().await;
    let rules = example_rules();
    let periods = &fixture::organisation().await.summary.periods;
    let last = periods.last().expect("a period").clone();
    let options = AllocateOptions {
        measure: Measure::Unblended,
        from: Some(last.clone()),
        to: Some(last.clone()),
    };
    let report = allocate(&session, &rules, &options)
        .await
        .expect("allocate");
    assert_eq!(report.periods.len(), 1);
    assert!(report.rows.iter().all(|r| r.period == last));
    let bill = scalar(
        &session,
        &format!(
            "SELECT sum(line_item_unblended_cost) AS value FROM cur WHERE billing_period = '{last}'"
        ),
    )
    .await;
    assert_close(report.periods[0].bill, bill, "unblended bill");
    let allocated: f64 = report.rows.iter().map(|r| r.cost.total).sum();
    assert_close(allocated, bill, "unblended allocation");

    for (from, to) in [
        ("2026-13", "2026-10"),
        ("2026-10", "2026-08"),
        ("last", "2026-10"),
    ] {
        let options = AllocateOptions {
            from: Some(from.into()),
            to: Some(to.into()),
            ..AllocateOptions::default()
        };
        let error = allocate(&session, &rules, &options)
            .await
            .expect_err("a bad range");
        assert_eq!(error.kind(), costscope_core::ErrorKind::User, "{error}");
    }
    let error = "gross".parse::<Measure>().expect_err("unknown measure");
    assert!(error.to_string().contains("gross"), "{error}");
}

#[tokio::test]
async fn owner_sql_is_the_team_dimension_of_every_line() {
    let session = fixture::admin_session().await;
    let rules = example_rules();
    #[derive(serde::Deserialize)]
    struct Row {
        team: String,
        cost: f64,
    }
    let rows: Vec<Row> = query(
        &session,
        &format!(
            "SELECT {} AS team, sum(amortized_cost) AS cost FROM cur_amortized GROUP BY 1",
            rules.owner_sql()
        ),
    )
    .await
    .expect("owner query");
    let report = allocate(&session, &rules, &AllocateOptions::default())
        .await
        .expect("allocate");
    for row in &rows {
        if let Some(pool) = row.team.strip_prefix("shared:") {
            let cost: f64 = report
                .pools
                .iter()
                .filter(|p| p.pool == pool)
                .map(|p| p.cost)
                .sum();
            assert_close(cost, row.cost, &row.team);
        } else {
            let direct: f64 = report
                .team_totals
                .iter()
                .filter(|t| t.team == row.team)
                .map(|t| t.direct)
                .sum();
            assert_close(direct, row.cost, &row.team);
        }
    }
}

//! `top` with `Others`, and the previous-period comparison, against independent sums.

use super::*;

#[tokio::test]
async fn top_n_keeps_the_largest_groups_and_sums_the_rest_as_others() {
    let session = fixture::admin_session().await;
    let options = ExplorerOptions {
        group_by: dims(&["service", "region"]),
        granularity: Granularity::Weekly,
        ..ExplorerOptions::default()
    };
    let full = explore(&session, &options).await;
    let top = explore(
        &session,
        &ExplorerOptions {
            top: Some(3),
            ..options.clone()
        },
    )
    .await;
    // The three largest groups over the whole range, computed from the full report.
    let mut by_group: BTreeMap<Vec<String>, f64> = BTreeMap::new();
    for row in &full.rows {
        *by_group.entry(row.dimensions.clone()).or_default() += row.amount;
    }
    let mut ranked: Vec<(Vec<String>, f64)> = by_group.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let kept: Vec<Vec<String>> = ranked.iter().take(3).map(|(g, _)| g.clone()).collect();
    let others = vec![explorer::OTHERS_LABEL.to_string(); 3];
    let mut expected = Amounts::new();
    for row in &full.rows {
        let group = if kept.contains(&row.dimensions) {
            row.dimensions.clone()
        } else {
            others.clone()
        };
        let mut key = vec![row.period.clone()];
        key.extend(group);
        key.push(row.unit.clone());
        *expected.entry(key).or_default() += row.amount;
    }
    assert_same("top 3", &report_amounts(&top), &expected);
    assert!(close(top.totals[0].amount, full.totals[0].amount));
    // Others comes last in each period.
    for period in top.rows.chunk_by(|a, b| a.period == b.period) {
        assert!(period.len() <= 4);
        assert_eq!(period.last().map(|r| &r.dimensions), Some(&others));
    }
}

#[tokio::test]
async fn previous_period_comparison_equals_two_independent_queries() {
    let session = fixture::admin_session().await;
    for (from, to, previous_from, top) in [
        ("2026-10-01", "2026-11-01", "2026-09-01", None),
        ("2026-09-15", "2026-09-22", "2026-09-08", Some(4)),
    ] {
        let report = explore(
            &session,
            &ExplorerOptions {
                group_by: dims(&["usage-type"]),
                measure: Measure::Amortized,
                filters: filters(&["service=AmazonVPC,AmazonEC2"]),
                from: Some(date(from)),
                to: Some(date(to)),
                top,
                compare: Some(Compare::PreviousPeriod),
                ..ExplorerOptions::default()
            },
        )
        .await;
        let comparison = report.comparison.as_ref().expect("comparison");
        assert_eq!(
            (comparison.from, comparison.to),
            (date(previous_from), date(from))
        );
        let window = |start: &str, end: &str| {
            format!(
                "SELECT line_item_usage_type AS k1, line_item_currency_code AS k2, \
                 sum(amortized_cost) AS amount FROM cur_amortized \
                 WHERE line_item_product_code IN ('AmazonVPC', 'AmazonEC2') \
                 AND line_item_usage_start_date >= '{start}' AND line_item_usage_start_date < '{end}' \
                 GROUP BY 1, 2"
            )
        };
        let labels = ["(none)", "?"];
        let current = hand(&session, &window(from, to), &labels).await;
        let previous = hand(&session, &window(previous_from, from), &labels).await;
        let cut = |amounts: &Amounts| -> Amounts {
            let Some(n) = top else {
                return amounts.clone();
            };
            let mut ranked: Vec<_> = current.iter().collect();
            ranked.sort_by(|a, b| b.1.total_cmp(a.1));
            let kept: Vec<&Vec<String>> = ranked.iter().take(n).map(|(k, _)| *k).collect();
            let mut out = Amounts::new();
            for (key, amount) in amounts {
                let key = if kept.contains(&key) {
                    key.clone()
                } else {
                    vec![explorer::OTHERS_LABEL.to_string(), key[1].clone()]
                };
                *out.entry(key).or_default() += amount;
            }
            out
        };
        let (current, previous) = (cut(&current), cut(&previous));
        let mut seen = 0;
        for row in &comparison.rows {
            let key = vec![row.dimensions[0].clone(), row.unit.clone()];
            let now = current.get(&key).copied().unwrap_or(0.0);
            let before = previous.get(&key).copied().unwrap_or(0.0);
            assert!(close(row.current, now), "{key:?}: {} vs {now}", row.current);
            assert!(
                close(row.previous, before),
                "{key:?}: {} vs {before}",
                row.previous
            );
            assert!(close(row.change, now - before));
            match row.change_pct {
                Some(pct) => assert!(close(pct, (now - before) / before.abs() * 100.0)),
                None => assert_eq!(row.previous, 0.0),
            }
            seen += 1;
        }
        let groups: std::collections::BTreeSet<_> = current.keys().chain(previous.keys()).collect();
        assert_eq!(
            seen,
            groups.len(),
            "every group of either period appears once"
        );
        let total = &comparison.totals[0];
        assert!(close(total.current, current.values().sum()));
        assert!(close(total.previous, previous.values().sum()));
    }
}

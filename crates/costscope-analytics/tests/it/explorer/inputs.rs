//! Bad and hostile input, and the JSON form.

use super::*;

#[tokio::test]
async fn quotes_in_filter_values_stay_values() {
    let session = fixture::admin_session().await;
    let report = explore(
        &session,
        &ExplorerOptions {
            group_by: dims(&["tag:team"]),
            filters: filters(&["tag:team=app-team,o'brien' OR 1=1 --"]),
            ..ExplorerOptions::default()
        },
    )
    .await;
    assert!(!report.rows.is_empty());
    assert!(report.rows.iter().all(|r| r.dimensions[0] == "app-team"));
    let weird = explore(
        &session,
        &ExplorerOptions {
            filters: filters(&["tag:it's=x"]),
            ..ExplorerOptions::default()
        },
    )
    .await;
    assert!(weird.rows.is_empty());
}

#[tokio::test]
async fn bad_arguments_are_refused_with_clear_messages() {
    let session = fixture::admin_session().await;
    let message = |error: Error| {
        assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
        error.to_string()
    };
    let text = message("size".parse::<Dimension>().expect_err("dimension"));
    assert!(
        text.contains("'size'") && text.contains("tag:KEY"),
        "{text}"
    );
    let text = "blended"
        .parse::<Measure>()
        .expect_err("measure")
        .to_string();
    assert!(
        text.contains("`blended`") && text.contains("net-amortized"),
        "{text}"
    );
    let text = "fortnightly"
        .parse::<Granularity>()
        .expect_err("granularity")
        .to_string();
    assert!(text.contains("fortnightly"), "{text}");
    let text = message(explorer::parse_date("--from", "2026-02-30").expect_err("date"));
    assert!(
        text.contains("--from") && text.contains("2026-02-30"),
        "{text}"
    );
    let text = message("service~AmazonEC2".parse::<Filter>().expect_err("filter"));
    assert!(text.contains("service~AmazonEC2"), "{text}");
    let text = message("previous-year".parse::<Compare>().expect_err("compare"));
    assert!(text.contains("previous-year"), "{text}");

    let refused = |options: ExplorerOptions| {
        let session = &session;
        async move {
            message(
                explorer::explore(session, &options)
                    .await
                    .expect_err("refused"),
            )
        }
    };
    let text = refused(ExplorerOptions {
        from: Some(date("2026-10-01")),
        to: Some(date("2026-09-01")),
        ..ExplorerOptions::default()
    })
    .await;
    assert!(
        text.contains("2026-10-01") && text.contains("2026-09-01"),
        "{text}"
    );
    let text = refused(ExplorerOptions {
        from: Some(date("2027-01-01")),
        ..ExplorerOptions::default()
    })
    .await;
    assert!(text.contains("2027-01-01"), "{text}");
    let text = refused(ExplorerOptions {
        group_by: dims(&["service", "region", "az", "operation"]),
        ..ExplorerOptions::default()
    })
    .await;
    assert!(text.contains("at most 3"), "{text}");
    let text = refused(ExplorerOptions {
        group_by: dims(&["az", "availability-zone"]),
        ..ExplorerOptions::default()
    })
    .await;
    assert!(text.contains("twice"), "{text}");
    let text = refused(ExplorerOptions {
        top: Some(0),
        ..ExplorerOptions::default()
    })
    .await;
    assert!(text.contains("top"), "{text}");
}

#[tokio::test]
async fn json_rows_are_flat_objects_named_by_column() {
    let session = fixture::admin_session().await;
    let report = explore(
        &session,
        &ExplorerOptions {
            group_by: dims(&["account", "tag:team"]),
            from: Some(date("2026-10-01")),
            to: Some(date("2026-11-01")),
            top: Some(2),
            compare: Some(Compare::PreviousPeriod),
            ..ExplorerOptions::default()
        },
    )
    .await;
    let json = serde_json::to_value(&report).expect("json");
    assert_eq!(json["measure"], "unblended");
    assert_eq!(json["granularity"], "monthly");
    assert_eq!(json["group_by"], serde_json::json!(["account", "tag:team"]));
    assert_eq!(
        json["columns"],
        serde_json::json!([
            "period",
            "account",
            "account_name",
            "tag:team",
            "amount",
            "unit"
        ])
    );
    assert_eq!(json["from"], "2026-10-01");
    assert_eq!(json["to"], "2026-11-01");
    let first = &json["rows"][0];
    assert_eq!(first["period"], "2026-10-01");
    assert_eq!(first["account"], report.rows[0].dimensions[0].as_str());
    assert_eq!(first["tag:team"], report.rows[0].dimensions[2].as_str());
    assert_eq!(first["amount"].as_f64(), Some(report.rows[0].amount));
    assert_eq!(first["unit"], "USD");
    assert_eq!(json["totals"][0]["unit"], "USD");
    let comparison = &json["comparison"];
    assert_eq!(comparison["from"], "2026-09-01");
    assert_eq!(comparison["rows"][0]["unit"], "USD");
    assert!(comparison["rows"][0]["current"].is_number());
    assert!(comparison["rows"][0].get("change_pct").is_some());
    assert!(comparison["totals"][0]["change"].is_number());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Whatever a filter value holds (quotes, `%`, `--`, backslashes), it stays a value:
    /// the query runs and keeps only rows whose tag matches it.
    #[test]
    fn any_filter_value_is_quoted(value in "[^,]{1,12}") {
        proptest::prop_assume!(!value.trim().is_empty());
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let report = runtime.block_on(async {
            let session = fixture::admin_session().await;
            explorer::explore(
                &session,
                &ExplorerOptions {
                    group_by: dims(&["tag:team"]),
                    filters: vec![Filter {
                        dimension: Dimension::Tag("team".into()),
                        exclude: false,
                        values: vec![value.trim().to_string()],
                    }],
                    ..ExplorerOptions::default()
                },
            )
            .await
        });
        let report = report.expect("a filter value never breaks the query");
        let pattern = value.trim().contains('%');
        for row in &report.rows {
            proptest::prop_assert!(pattern || row.dimensions[0] == value.trim());
        }
    }
}

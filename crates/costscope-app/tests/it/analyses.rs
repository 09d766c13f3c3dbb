//! Analyses through the app against plain SQL in the same principal's session.

use arrow::array::{Array, Float64Array, Int64Array};
use costscope_app::allocate::AllocateRequest;
use costscope_app::cost::CostRequest;
use costscope_app::sql::SqlRequest;
use costscope_app::{Document, ErrorKind};

use crate::fixture::{admin, shared_app};

const ALLOCATION_RULES: &str = include_str!("../../../../examples/allocation.yaml");

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// The single number a query returns.
async fn sql_number(app: &costscope_app::App, query: &str) -> f64 {
    let result = app
        .sql(
            &admin(),
            &SqlRequest {
                query: query.into(),
            },
        )
        .await
        .expect("sql");
    let column = result.batches[0].column(0);
    if let Some(values) = column.as_any().downcast_ref::<Float64Array>() {
        values.value(0)
    } else if let Some(values) = column.as_any().downcast_ref::<Int64Array>() {
        values.value(0) as f64
    } else {
        panic!("not a number: {:?}", column.data_type())
    }
}

#[tokio::test]
async fn cost_totals_equal_the_sum_over_cur() {
    let app = shared_app().await;
    let report = app
        .cost(&admin(), &CostRequest::default())
        .await
        .expect("cost");
    assert_eq!(report.totals.len(), 1, "one currency");
    let total = sql_number(&app, "SELECT sum(line_item_unblended_cost) FROM cur").await;
    assert!(
        close(report.totals[0].amount, total),
        "{report:?} vs {total}"
    );

    let by_service = app
        .cost(
            &admin(),
            &CostRequest {
                group_by: vec!["service".into()],
                measure: "amortized".into(),
                ..CostRequest::default()
            },
        )
        .await
        .expect("cost by service");
    let sum: f64 = by_service.rows.iter().map(|r| r.amount).sum();
    let amortized = sql_number(&app, "SELECT sum(amortized_cost) FROM cur_amortized").await;
    assert!(close(sum, amortized), "{sum} vs {amortized}");
}

#[tokio::test]
async fn allocation_gives_every_dollar_of_the_bill_to_a_team() {
    let app = shared_app().await;
    let report = app
        .allocate(
            &admin(),
            &AllocateRequest {
                rules: Document::new("examples/allocation.yaml", ALLOCATION_RULES),
                measure: Default::default(),
                from: None,
                to: None,
            },
        )
        .await
        .expect("allocate");
    assert!(!report.periods.is_empty());
    for period in &report.periods {
        assert!(close(period.allocated, period.bill), "{period:?}");
    }
    let bill: f64 = report.periods.iter().map(|p| p.bill).sum();
    let amortized = sql_number(&app, "SELECT sum(amortized_cost) FROM cur_amortized").await;
    assert!(close(bill, amortized), "{bill} vs {amortized}");
}

#[tokio::test]
async fn tables_count_the_rows_sql_reads() {
    let app = shared_app().await;
    let partitions = app.tables(&admin()).await.expect("tables");
    let cur_rows: u64 = partitions
        .iter()
        .filter(|p| p.table == "cur")
        .map(|p| p.rows.expect("an administrator sees row counts"))
        .sum();
    let counted = sql_number(&app, "SELECT count(*) FROM cur").await;
    assert_eq!(cur_rows as f64, counted);
    let batch = costscope_app::present::tables::batch(&partitions).expect("batch");
    assert_eq!(batch.num_rows(), partitions.len());
}

#[tokio::test]
async fn sql_that_would_change_the_lake_is_a_user_error() {
    let app = shared_app().await;
    let error = app
        .sql(
            &admin(),
            &SqlRequest {
                query: "DROP TABLE cur".into(),
            },
        )
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), ErrorKind::User, "{error}");
}

//! The command line prints what the application layer answers: the same request through
//! `costscope_app` gives the bytes `--format json` prints.

use costscope_app::cost::CostRequest;
use costscope_app::{App, AppConfig, Principal};

use crate::cli::{costscope, ingested_lake, ok};

#[test]
fn cost_json_is_the_app_response() {
    let lake = ingested_lake();
    let printed = ok(costscope(lake.path()).args([
        "cost",
        "--group-by",
        "service,account",
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-01",
        "--compare",
        "previous-period",
        "--format",
        "json",
    ]));
    let request = CostRequest {
        group_by: vec!["service".into(), "account".into()],
        from: Some("2026-10-01".into()),
        to: Some("2026-11-01".into()),
        compare: Some("previous-period".into()),
        ..CostRequest::default()
    };
    let app = App::open(&AppConfig {
        lake: lake.path().to_path_buf(),
        access: None,
    })
    .expect("app");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let response = runtime
        .block_on(app.cost(&Principal::admin(), &request))
        .expect("cost");
    let expected = serde_json::to_string_pretty(&response).expect("json") + "\n";
    assert_eq!(printed, expected);
}

//! The SQL builder's quoting against the real parser and engine: whatever a value holds
//! (quotes, backslashes, comment markers, semicolons, line breaks, any Unicode), it stays
//! one value and the query around it keeps its shape.

use std::sync::LazyLock;

use arrow::array::{Array, AsArray};
use costscope_core::sql::{ident, in_list, like, literal, map_value};
use costscope_lake::Lake;
use costscope_query::{Engine, Principal, QueryResult, Session};
use proptest::prelude::*;

/// One runtime and one session over an empty lake for every case.
static FIXTURE: LazyLock<(tokio::runtime::Runtime, Session, tempfile::TempDir)> =
    LazyLock::new(|| {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let dir = tempfile::tempdir().expect("tempdir");
        let lake = Lake::open(dir.path()).expect("lake");
        let session = runtime
            .block_on(Engine::new(lake).session(&Principal::admin()))
            .expect("session");
        (runtime, session, dir)
    });

fn run(sql: &str) -> QueryResult {
    let (runtime, session, _) = &*FIXTURE;
    runtime
        .block_on(session.sql(sql))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The single row of `result`, each column as text (NULL as `None`).
fn only_row(result: &QueryResult) -> Vec<Option<String>> {
    assert_eq!(result.num_rows(), 1, "one row expected");
    let batch = result
        .batches
        .iter()
        .find(|b| b.num_rows() == 1)
        .expect("row");
    batch
        .columns()
        .iter()
        .map(|column| {
            let column = arrow::compute::cast(column, &arrow::datatypes::DataType::Utf8)
                .expect("cast to text");
            let text = column.as_string::<i32>();
            (!text.is_null(0)).then(|| text.value(0).to_string())
        })
        .collect()
}

/// Values an attacker would try, mixed with anything at all.
fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("'".to_string()),
        Just("''".to_string()),
        Just("\\".to_string()),
        Just("\\'".to_string()),
        Just("x' OR '1'='1".to_string()),
        Just("'; DROP TABLE cur; --".to_string()),
        Just("a\nb\r\nc".to_string()),
        Just("/* open comment".to_string()),
        Just("%_\\%".to_string()),
        "[\\PC'\\\\\"%_;\n-]{0,24}",
        any::<String>().prop_filter("no NUL", |s| !s.contains('\0')),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_literal_is_exactly_its_value(value in hostile()) {
        let result = run(&format!("SELECT {} AS value, 42 AS marker", literal(&value)));
        prop_assert_eq!(result.schema.fields().len(), 2);
        prop_assert_eq!(only_row(&result), vec![Some(value), Some("42".to_string())]);
    }

    #[test]
    fn an_identifier_is_exactly_its_name(name in hostile().prop_filter("non-empty", |n| !n.is_empty())) {
        let result = run(&format!("SELECT 1 AS {}, 2 AS marker", ident(&name)));
        let names: Vec<String> = result.schema.fields().iter().map(|f| f.name().clone()).collect();
        prop_assert_eq!(names, vec![name, "marker".to_string()]);
    }

    #[test]
    fn list_map_and_like_tests_compare_values_only(value in hostile(), other in hostile()) {
        let sql = format!(
            "SELECT {} AS listed, {} AS keyed, {} AS liked, {} AS other_listed FROM \
             (SELECT {} AS v, map([{}], ['found']) AS m)",
            in_list("v", [value.as_str()]),
            map_value("m", &value),
            like("v", &value.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")),
            in_list("v", [other.as_str(), "-"]),
            literal(&value),
            literal(&value),
        );
        let row = only_row(&run(&sql));
        prop_assert_eq!(&row[0], &Some("true".to_string()));
        prop_assert_eq!(&row[1], &Some("found".to_string()));
        prop_assert_eq!(&row[2], &Some("true".to_string()));
        let other_matches = other == value || value == "-";
        prop_assert_eq!(&row[3], &Some(other_matches.to_string()));
    }
}

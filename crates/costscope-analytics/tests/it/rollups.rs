//! Every analysis gives the same figures (to 1e-9, relative) whether it reads the rollups
//! written at ingest or the `cur` lines themselves, before and after a billing period is
//! restated; and the analyses that can use a rollup do.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, RecordBatch};
use arrow::datatypes::Float64Type;
use costscope_analytics::allocation::{self, AllocateOptions, Rules};
use costscope_analytics::budgets::{self, BudgetOptions};
use costscope_analytics::explorer::{self, ExplorerOptions, Granularity, Measure};
use costscope_analytics::source::{Reads, Source};
use costscope_analytics::tags::{self, TagOptions};
use costscope_analytics::unit_cost::{self, UnitCostOptions};
use costscope_analytics::{anomalies, efficiency, genai, recommend};
use costscope_lake::Lake;
use costscope_lake::ingest::cur::ingest_cur;
use costscope_lake::lake::PartitionChange;
use costscope_query::{Engine, Principal, Session};
use costscope_synth::demo_lake::{self, DemoLakeOptions};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

fn example(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    std::fs::read_to_string(&path).expect("example file")
}

/// Both sessions over one lake: with the rollups, and reading `cur` alone.
async fn sessions(lake: &Lake) -> (Session, Session) {
    let admin = Principal::admin();
    let rolled = Engine::new(lake.clone())
        .session(&admin)
        .await
        .expect("session");
    let raw = Engine::new(lake.clone())
        .without_rollups()
        .session(&admin)
        .await
        .expect("session");
    assert!(rolled.has_table("cur_daily") && rolled.has_table("cur_monthly"));
    assert!(!raw.has_table("cur_daily") && !raw.has_table("cur_monthly"));
    (rolled, raw)
}

/// Numbers equal to 1e-9 of the larger (or 1e-9 absolute near zero), the rest exactly.
/// Rows whose order depends on a tie of two sums (equal but for the last bits, which the
/// order of the additions decides) may come in either order.
pub fn assert_same(path: &str, rolled: &Value, raw: &Value) {
    if let Err(difference) = same(path, rolled, raw) {
        panic!("{difference}");
    }
}

fn same(path: &str, rolled: &Value, raw: &Value) -> Result<(), String> {
    match (rolled, raw) {
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (
                a.as_f64().unwrap_or(f64::NAN),
                b.as_f64().unwrap_or(f64::NAN),
            );
            let scale = a.abs().max(b.abs()).max(1.0);
            if (a - b).abs() <= 1e-9 * scale {
                Ok(())
            } else {
                Err(format!("{path}: {a} from the rollups, {b} from cur"))
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                return Err(format!(
                    "{path}: {} rows from the rollups, {} from cur",
                    a.len(),
                    b.len()
                ));
            }
            let in_order = |a: &[Value], b: &[Value]| {
                a.iter()
                    .zip(b)
                    .enumerate()
                    .try_for_each(|(i, (x, y))| same(&format!("{path}[{i}]"), x, y))
            };
            in_order(a, b).or_else(|difference| {
                let (mut a, mut b) = (a.clone(), b.clone());
                a.sort_by_key(labels);
                b.sort_by_key(labels);
                in_order(&a, &b).map_err(|_| difference)
            })
        }
        (Value::Object(a), Value::Object(b)) => {
            let keys = |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<Vec<_>>();
            if keys(a) != keys(b) {
                return Err(format!("{path}: fields differ"));
            }
            a.iter()
                .try_for_each(|(key, x)| same(&format!("{path}.{key}"), x, &b[key]))
        }
        _ if rolled == raw => Ok(()),
        _ => Err(format!("{path}: {rolled} from the rollups, {raw} from cur")),
    }
}

/// A row's text without its numbers, to pair rows up whatever their order.
fn labels(value: &Value) -> String {
    match value {
        Value::Number(_) => String::new(),
        Value::Array(items) => items.iter().map(labels).collect::<Vec<_>>().join("|"),
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| format!("{k}={}", labels(v)))
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    }
}

fn explorer_cases() -> Vec<(&'static str, ExplorerOptions)> {
    let rules = Rules::parse(&example("allocation.yaml"), "allocation.yaml").expect("rules");
    let group = |text: &str| -> Vec<explorer::Dimension> {
        text.split(',')
            .map(|d| d.parse().expect("dimension"))
            .collect()
    };
    let date = |text: &str| explorer::parse_date("date", text).ok();
    vec![
        (
            "monthly by service",
            ExplorerOptions {
                group_by: group("service"),
                measure: Measure::Amortized,
                top: Some(10),
                ..ExplorerOptions::default()
            },
        ),
        (
            "team and service by rules",
            ExplorerOptions {
                group_by: group("team,service"),
                measure: Measure::Amortized,
                top: Some(10),
                team: rules.team(),
                ..ExplorerOptions::default()
            },
        ),
        (
            "daily trend of one account",
            ExplorerOptions {
                granularity: Granularity::Daily,
                filters: vec!["account=App-Team-%".parse().expect("filter")],
                measure: Measure::NetAmortized,
                ..ExplorerOptions::default()
            },
        ),
        (
            "top resources of one team",
            ExplorerOptions {
                group_by: group("resource"),
                filters: vec!["tag:team=data-team".parse().expect("filter")],
                top: Some(20),
                ..ExplorerOptions::default()
            },
        ),
        (
            "weekly by tag, purchase option and charge type",
            ExplorerOptions {
                group_by: group("tag:app,purchase-option,charge-type"),
                granularity: Granularity::Weekly,
                measure: Measure::Public,
                ..ExplorerOptions::default()
            },
        ),
        (
            "usage by usage type over days that are not whole months",
            ExplorerOptions {
                group_by: group("usage-type,region,az"),
                measure: Measure::Usage,
                from: date("2026-09-10"),
                to: date("2026-10-20"),
                compare: Some(explorer::Compare::PreviousPeriod),
                top: Some(15),
                ..ExplorerOptions::default()
            },
        ),
        (
            "category, operation and line-item type compared with the month before",
            ExplorerOptions {
                group_by: group("category:business_unit,operation,line-item-type"),
                from: date("2026-10-01"),
                to: date("2026-11-01"),
                compare: Some(explorer::Compare::PreviousPeriod),
                ..ExplorerOptions::default()
            },
        ),
        (
            "hourly, which only the lines answer",
            ExplorerOptions {
                group_by: group("account"),
                granularity: Granularity::Hourly,
                from: date("2026-10-01"),
                to: date("2026-10-02"),
                ..ExplorerOptions::default()
            },
        ),
    ]
}

/// Every analysis over both sessions, compared; returns how many cases ran.
async fn compare_every_analysis(lake: &Lake) -> usize {
    let (rolled, raw) = sessions(lake).await;
    let mut cases = 0;
    macro_rules! same {
        ($name:expr, $call:expr) => {{
            let a = serde_json::to_value($call(&rolled).await.expect($name)).expect("json");
            let b = serde_json::to_value($call(&raw).await.expect($name)).expect("json");
            assert_same($name, &a, &b);
            cases += 1;
        }};
    }
    for (name, options) in explorer_cases() {
        same!(name, |s| explorer::explore(s, &options));
    }
    let rules = Rules::parse(&example("allocation.yaml"), "allocation.yaml").expect("rules");
    for measure in Measure::BILLED {
        let options = AllocateOptions {
            measure,
            ..AllocateOptions::default()
        };
        same!("allocate", |s| allocation::allocate(s, &rules, &options));
    }
    let tag_options = TagOptions {
        required: ["department", "team", "app"].map(String::from).to_vec(),
        ..TagOptions::default()
    };
    same!("tags", |s| tags::tag_report(s, &tag_options));
    let budget_options = BudgetOptions {
        budgets: budgets::parse_budgets(&example("budgets.yaml"), "budgets.yaml").expect("budgets"),
        ..BudgetOptions::default()
    };
    same!("budgets", |s| budgets::report(s, &budget_options));
    let mut unit_options = UnitCostOptions::new("lambda-requests");
    unit_options.scope = vec!["tag:app=clickstream".parse().expect("scope")];
    same!("unit cost", |s| unit_cost::unit_cost(s, &unit_options));
    let score_options = Default::default();
    same!("score", |s| efficiency::score(s, &score_options));
    let genai_options = Default::default();
    same!("genai", |s| genai::genai(s, &genai_options));
    let recommend_options = recommend::RecommendOptions::default();
    same!("recommend", |s| recommend::recommend(
        s,
        None,
        &recommend_options
    ));
    let anomaly_options = anomalies::AnomalyOptions {
        explain: true,
        ..anomalies::AnomalyOptions::default()
    };
    same!("anomalies", |s| anomalies::detect(s, &anomaly_options));
    cases
}

/// The rollups answer the dashboard's questions (so the comparisons above compare them
/// with `cur`, not `cur` with itself).
async fn assert_rollups_answer(lake: &Lake) {
    let (rolled, _) = sessions(lake).await;
    let kept = rolled.tag_keys("cur_daily").expect("tag keys");
    for key in ["user_team", "user_app", "user_department"] {
        assert!(kept.contains(key), "{key} not kept: {kept:?}");
    }
    let monthly = Reads::at(Granularity::Monthly).columns(["line_item_product_code"]);
    assert_eq!(Source::choose(&rolled, &monthly).table(), "cur_monthly");
    let resources = Reads::at(Granularity::Daily)
        .columns(["line_item_resource_id"])
        .tag("user_team");
    assert_eq!(Source::choose(&rolled, &resources).table(), "cur_daily");
    let hourly = Reads::at(Granularity::Hourly);
    assert_eq!(Source::choose(&rolled, &hourly).table(), "cur_amortized");
    let unkept = Reads::at(Granularity::Monthly).tag("user_no_such_key");
    assert_eq!(Source::choose(&rolled, &unkept).table(), "cur_amortized");
}

/// One period's files rewritten as AWS restates it: every cost of one account doubled
/// and a tenth of the lines gone.
fn restate(export_root: &Path, period: &str, out: &Path) -> PathBuf {
    let folder = out.join(format!("BILLING_PERIOD={period}"));
    std::fs::create_dir_all(&folder).expect("mkdir");
    let source = export_root
        .join("data")
        .join(format!("BILLING_PERIOD={period}"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&source)
        .expect("period folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no files in {}", source.display());
    for (n, path) in files.iter().enumerate() {
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(path).expect("open"))
                .expect("reader")
                .build()
                .expect("build");
        let out_path = folder.join(format!("restated-{n:05}.snappy.parquet"));
        let mut writer: Option<ArrowWriter<std::fs::File>> = None;
        let mut row = 0usize;
        for batch in reader {
            let batch = batch.expect("batch");
            let batch = changed(&batch, &mut row);
            let writer = writer.get_or_insert_with(|| {
                ArrowWriter::try_new(
                    std::fs::File::create(&out_path).expect("create"),
                    batch.schema(),
                    None,
                )
                .expect("writer")
            });
            writer.write(&batch).expect("write");
        }
        if let Some(writer) = writer {
            writer.close().expect("close");
        }
    }
    folder
}

fn changed(batch: &RecordBatch, row: &mut usize) -> RecordBatch {
    let schema = batch.schema();
    let accounts = batch
        .column_by_name("line_item_usage_account_id")
        .expect("account")
        .as_string::<i32>()
        .clone();
    let first_account = accounts.value(0).to_string();
    let keep: arrow::array::BooleanArray = (0..batch.num_rows())
        .map(|i| Some((*row + i) % 10 != 3))
        .collect();
    *row += batch.num_rows();
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(field, column)| {
            if field.data_type() != &arrow::datatypes::DataType::Float64 {
                return column.clone();
            }
            let values = column.as_primitive::<Float64Type>();
            let doubled: Float64Array = (0..values.len())
                .map(|i| {
                    values.is_valid(i).then(|| {
                        let factor = if accounts.value(i) == first_account {
                            2.0
                        } else {
                            1.0
                        };
                        values.value(i) * factor
                    })
                })
                .collect();
            Arc::new(doubled) as ArrayRef
        })
        .collect();
    let batch = RecordBatch::try_new(schema, columns).expect("batch");
    arrow::compute::filter_record_batch(&batch, &keep).expect("filter")
}

#[tokio::test]
async fn analyses_agree_with_cur_before_and_after_a_restatement() {
    let dir = tempfile::tempdir().expect("tempdir");
    let built = demo_lake::build(&DemoLakeOptions::in_dir(dir.path(), 7))
        .await
        .expect("demo lake");
    let lake = built.lake;
    assert_rollups_answer(&lake).await;
    let cases = compare_every_analysis(&lake).await;
    assert_eq!(cases, 19);

    let export_root = costscope_synth::export_root(&dir.path().join("data"));
    let period = built.summary.periods[1].clone();
    let before = lake.manifest().expect("manifest");
    let folder = restate(&export_root, &period, &dir.path().join("restated"));
    let report = ingest_cur(&lake, folder.to_str().expect("path"), &Default::default())
        .await
        .expect("restatement");
    assert_eq!(report.partitions.len(), 1);
    assert_eq!(report.partitions[0].change, PartitionChange::Replaced);
    let after = lake.manifest().expect("manifest");
    for table in ["cur_daily", "cur_monthly"] {
        assert!(after.derived_is_current(table, "cur"), "{table} is stale");
        let old = &before.tables[table].partitions;
        let new = &after.tables[table].partitions;
        for (key, partition) in new {
            let replaced = partition.content_hash != old[key].content_hash;
            assert_eq!(replaced, *key == period, "{table} {key}");
        }
    }
    assert_rollups_answer(&lake).await;
    compare_every_analysis(&lake).await;
}

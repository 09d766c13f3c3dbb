//! Legacy CUR input: CSV (plain and gzip) and snake_case Parquet files converted to the
//! CUR 2.0 schema, and the errors bad inputs raise.

use std::fs::File;
use std::io::Write;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, MapArray, RecordBatch, StringArray,
    TimestampMicrosecondArray, TimestampMillisecondArray,
};
use arrow::datatypes::{DataType, Field, Float64Type, Schema, TimeUnit, TimestampMillisecondType};
use costscope_core::cur;
use costscope_lake::Error;
use costscope_lake::legacy::{
    Target, ignored_columns, missing_required_columns, parse_manifest, read_csv, target_of, to_cur2,
};
use flate2::Compression;
use flate2::write::GzEncoder;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use proptest::prelude::*;

/// 2026-09-01T00:00:00Z in milliseconds.
const SEPT_1: i64 = 1_788_220_800_000;
const HOUR: i64 = 3_600_000;

const HEADER: &str = "identity/LineItemId,bill/PayerAccountId,bill/BillingPeriodStartDate,\
lineItem/LineItemType,lineItem/UsageAccountId,lineItem/UsageStartDate,lineItem/ProductCode,\
lineItem/UnblendedCost,lineItem/UsageAmount,pricing/publicOnDemandCost,product/ProductName,\
product/instanceType,product/region,resourceTags/user:team,resourceTags/aws:createdBy,\
costCategory/Business Unit,savingsPlan/SavingsPlanARN,foo/Bar";

fn sample_csv() -> String {
    [
        HEADER,
        "a1,111111111111,2026-09-01T00:00:00Z,Usage,222222222222,2026-09-01T00:00:00Z,AmazonEC2,\
         1.25,1,1.5,Amazon Elastic Compute Cloud,m5.large,us-east-1,web,,Retail,,x",
        "a2,111111111111,2026-09-01T00:00:00Z,Usage,222222222222,2026-09-01T01:00:00,AmazonS3,\
         0.5,,,\"Amazon Simple Storage Service\",,us-east-1,,alice,,,x",
        "a3,111111111111,2026-09-01T00:00:00Z,Tax,222222222222,2026-09-01T04:00:00+02:00,AmazonEC2,\
         0.1,,,,,,,,,arn:aws:savingsplans::1:savingsplan/abc,x",
    ]
    .join("\n")
        + "\n"
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Writes `bytes` under `name` in `dir` and returns the path as the file name to report.
fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

fn read_all(path: &str, gzip: bool, batch_rows: usize) -> costscope_lake::Result<Vec<RecordBatch>> {
    read_csv(File::open(path).unwrap(), path, gzip, batch_rows)?.collect()
}

fn converted(batches: &[RecordBatch], file: &str) -> costscope_lake::Result<RecordBatch> {
    let converted = batches
        .iter()
        .map(|b| to_cur2(b, file))
        .collect::<costscope_lake::Result<Vec<_>>>()?;
    for batch in &converted {
        assert_eq!(batch.schema(), cur::schema());
    }
    Ok(arrow::compute::concat_batches(&cur::schema(), &converted).unwrap())
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> &'a ArrayRef {
    batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

fn strings(batch: &RecordBatch, name: &str) -> Vec<Option<String>> {
    column(batch, name)
        .as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_owned))
        .collect()
}

fn floats(batch: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    column(batch, name)
        .as_primitive::<Float64Type>()
        .iter()
        .collect()
}

fn times(batch: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    column(batch, name)
        .as_primitive::<TimestampMillisecondType>()
        .iter()
        .collect()
}

/// The entries of a string map, per row; `None` for a NULL map.
fn entries(batch: &RecordBatch, name: &str) -> Vec<Option<Vec<(String, String)>>> {
    let map: &MapArray = column(batch, name).as_map();
    (0..map.len())
        .map(|row| {
            map.is_valid(row).then(|| {
                let entry = map.value(row);
                let keys = entry.column(0).as_string::<i32>();
                let values = entry.column(1).as_string::<i32>();
                (0..entry.len())
                    .map(|i| (keys.value(i).to_owned(), values.value(i).to_owned()))
                    .collect()
            })
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
    Some(
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

#[test]
fn gzip_csv_converts_to_the_cur2_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "report-00001.csv.gz", &gzip(sample_csv().as_bytes()));

    let batches = read_all(&path, true, 2).unwrap();
    assert_eq!(
        batches
            .iter()
            .map(RecordBatch::num_rows)
            .collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(ignored_columns(batches[0].schema_ref()), ["foo/Bar"]);
    assert!(missing_required_columns(batches[0].schema_ref()).is_empty());

    let out = converted(&batches, &path).unwrap();
    assert_eq!(out.num_rows(), 3);
    assert_eq!(
        floats(&out, "line_item_unblended_cost"),
        [Some(1.25), Some(0.5), Some(0.1)]
    );
    assert_eq!(
        floats(&out, "line_item_usage_amount"),
        [Some(1.0), None, None]
    );
    assert_eq!(
        floats(&out, "pricing_public_on_demand_cost"),
        [Some(1.5), None, None]
    );
    assert_eq!(
        times(&out, "line_item_usage_start_date"),
        [Some(SEPT_1), Some(SEPT_1 + HOUR), Some(SEPT_1 + 2 * HOUR)]
    );
    assert_eq!(
        times(&out, "bill_billing_period_start_date"),
        [Some(SEPT_1); 3]
    );
    assert_eq!(
        strings(&out, "line_item_line_item_type"),
        [
            Some("Usage".into()),
            Some("Usage".into()),
            Some("Tax".into())
        ]
    );
    assert_eq!(
        strings(&out, "product_instance_type"),
        [
            Some("m5.large".into()),
            Some(String::new()),
            Some(String::new())
        ]
    );
    assert_eq!(
        strings(&out, "savings_plan_savings_plan_a_r_n")[2].as_deref(),
        Some("arn:aws:savingsplans::1:savingsplan/abc")
    );
    assert_eq!(
        entries(&out, "product"),
        [
            pairs(&[
                ("product_name", "Amazon Elastic Compute Cloud"),
                ("region", "us-east-1")
            ]),
            pairs(&[
                ("product_name", "Amazon Simple Storage Service"),
                ("region", "us-east-1")
            ]),
            pairs(&[]),
        ]
    );
    assert_eq!(
        entries(&out, "resource_tags"),
        [
            pairs(&[("user_team", "web")]),
            pairs(&[("aws_created_by", "alice")]),
            pairs(&[])
        ]
    );
    assert_eq!(
        entries(&out, "cost_category"),
        [
            pairs(&[("business_unit", "Retail")]),
            pairs(&[]),
            pairs(&[])
        ]
    );
    // Columns with no legacy source are NULL.
    assert_eq!(column(&out, "tags").null_count(), 3);
    assert_eq!(column(&out, "line_item_net_unblended_cost").null_count(), 3);
    assert_eq!(column(&out, "bill_payer_account_name").null_count(), 3);
}

#[test]
fn plain_csv_with_bom_crlf_and_quoted_newlines_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let text = String::from(
        "\u{feff}bill/PayerAccountId,lineItem/LineItemDescription,lineItem/UnblendedCost\r\n\
         111,\"two\r\nlines, and a comma\",2.5\r\n\
         111,plain,-1\r\n",
    );
    let path = write(&dir, "report-1.csv", text.as_bytes());

    let batches = read_all(&path, false, 1000).unwrap();
    assert_eq!(batches[0].schema().field(0).name(), "bill/PayerAccountId");
    let out = converted(&batches, &path).unwrap();
    assert_eq!(
        floats(&out, "line_item_unblended_cost"),
        [Some(2.5), Some(-1.0)]
    );
    assert_eq!(
        strings(&out, "line_item_line_item_description")[0].as_deref(),
        Some("two\r\nlines, and a comma")
    );
    assert_eq!(
        strings(&out, "bill_payer_account_id"),
        [Some("111".into()), Some("111".into())]
    );
}

#[test]
fn csv_batches_are_bounded_by_batch_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("lineItem/UnblendedCost\n");
    for i in 0..1001 {
        text.push_str(&format!("{i}\n"));
    }
    let path = write(&dir, "many.csv", text.as_bytes());
    let sizes: Vec<usize> = read_all(&path, false, 250)
        .unwrap()
        .iter()
        .map(RecordBatch::num_rows)
        .collect();
    assert_eq!(sizes, [250, 250, 250, 250, 1]);
}

fn legacy_parquet_batch() -> RecordBatch {
    let utc = Some(Arc::from("UTC"));
    let schema = Arc::new(Schema::new(vec![
        Field::new("identity_line_item_id", DataType::Utf8, true),
        Field::new("bill_payer_account_id", DataType::Utf8, true),
        Field::new(
            "bill_billing_period_start_date",
            DataType::Timestamp(TimeUnit::Millisecond, Some(Arc::from("+02:00"))),
            true,
        ),
        Field::new("line_item_line_item_type", DataType::Utf8, true),
        Field::new("line_item_usage_account_id", DataType::Utf8, true),
        Field::new(
            "line_item_usage_start_date",
            DataType::Timestamp(TimeUnit::Microsecond, utc),
            true,
        ),
        Field::new("line_item_product_code", DataType::Utf8, true),
        Field::new("line_item_unblended_cost", DataType::Float64, true),
        Field::new("pricing_public_on_demand_cost", DataType::Float64, true),
        Field::new("product_product_name", DataType::Utf8, true),
        Field::new("product_instance_type", DataType::Utf8, true),
        Field::new("resource_tags_user_team", DataType::Utf8, true),
        Field::new("cost_category_business_unit", DataType::Utf8, true),
        Field::new("year", DataType::Utf8, true),
        Field::new("month", DataType::Utf8, true),
    ]));
    let text = |values: [Option<&str>; 3]| Arc::new(StringArray::from(values.to_vec())) as ArrayRef;
    let same = |value: &str| text([Some(value); 3]);
    let columns: Vec<ArrayRef> = vec![
        text([Some("p1"), Some("p2"), Some("p3")]),
        same("111111111111"),
        Arc::new(TimestampMillisecondArray::from(vec![SEPT_1; 3]).with_timezone("+02:00")),
        text([Some("Usage"), Some("Usage"), Some("Credit")]),
        same("222222222222"),
        Arc::new(
            TimestampMicrosecondArray::from(vec![
                Some(SEPT_1 * 1000),
                None,
                Some((SEPT_1 + HOUR) * 1000),
            ])
            .with_timezone("UTC"),
        ),
        same("AmazonEC2"),
        Arc::new(Float64Array::from(vec![Some(3.0), None, Some(-0.75)])),
        Arc::new(Float64Array::from(vec![Some(4.0), Some(0.0), None])),
        text([Some("Amazon Elastic Compute Cloud"), None, Some("")]),
        text([Some("c6g.xlarge"), None, None]),
        text([Some("api"), Some(""), None]),
        text([None, Some("Platform"), None]),
        same("2026"),
        same("9"),
    ];
    RecordBatch::try_new(schema, columns).unwrap()
}

#[test]
fn legacy_parquet_converts_to_the_cur2_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report-00001.snappy.parquet");
    let input = legacy_parquet_batch();
    let mut writer =
        ArrowWriter::try_new(File::create(&path).unwrap(), input.schema(), None).unwrap();
    writer.write(&input).unwrap();
    writer.close().unwrap();

    let file = path.display().to_string();
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let batches = reader.collect::<Result<Vec<_>, _>>().unwrap();
    assert_eq!(ignored_columns(batches[0].schema_ref()), ["year", "month"]);
    let out = converted(&batches, &file).unwrap();

    assert_eq!(
        floats(&out, "line_item_unblended_cost"),
        [Some(3.0), None, Some(-0.75)]
    );
    let total: f64 = floats(&out, "line_item_unblended_cost")
        .iter()
        .flatten()
        .sum();
    let input_total: f64 = input
        .column(7)
        .as_primitive::<Float64Type>()
        .iter()
        .flatten()
        .sum();
    assert_eq!(total, input_total);
    assert_eq!(
        floats(&out, "pricing_public_on_demand_cost"),
        [Some(4.0), Some(0.0), None]
    );
    assert_eq!(
        times(&out, "line_item_usage_start_date"),
        [Some(SEPT_1), None, Some(SEPT_1 + HOUR)]
    );
    // The instant is kept whatever zone the Parquet type names.
    assert_eq!(
        times(&out, "bill_billing_period_start_date"),
        [Some(SEPT_1); 3]
    );
    assert_eq!(
        strings(&out, "product_instance_type"),
        [Some("c6g.xlarge".into()), None, None]
    );
    assert_eq!(
        entries(&out, "product"),
        [
            pairs(&[("product_name", "Amazon Elastic Compute Cloud")]),
            pairs(&[]),
            pairs(&[])
        ]
    );
    assert_eq!(
        entries(&out, "resource_tags"),
        [pairs(&[("user_team", "api")]), pairs(&[]), pairs(&[])]
    );
    assert_eq!(
        entries(&out, "cost_category"),
        [
            pairs(&[]),
            pairs(&[("business_unit", "Platform")]),
            pairs(&[])
        ]
    );
}

#[test]
fn columns_feeding_the_same_target_are_coalesced_in_order() {
    let schema = Arc::new(Schema::new(vec![
        Field::new("lineItem/UnblendedCost", DataType::Utf8, false),
        Field::new("line_item_unblended_cost", DataType::Utf8, false),
        Field::new("resourceTags/user:Team", DataType::Utf8, false),
        Field::new("resourceTags/user:team", DataType::Utf8, false),
    ]));
    let text = |values: [&str; 2]| Arc::new(StringArray::from(values.to_vec())) as ArrayRef;
    let batch = RecordBatch::try_new(
        schema,
        vec![
            text(["1", ""]),
            text(["9", "2"]),
            text(["", "first"]),
            text(["second", "ignored"]),
        ],
    )
    .unwrap();
    let out = to_cur2(&batch, "dupes.csv").unwrap();
    assert_eq!(
        floats(&out, "line_item_unblended_cost"),
        [Some(1.0), Some(2.0)]
    );
    assert_eq!(
        entries(&out, "resource_tags"),
        [
            pairs(&[("user_team", "second")]),
            pairs(&[("user_team", "first")])
        ]
    );
}

#[test]
fn target_of_maps_both_spellings() {
    assert_eq!(
        target_of("lineItem/UnblendedCost"),
        Target::Column("line_item_unblended_cost")
    );
    assert_eq!(
        target_of("line_item_unblended_cost"),
        Target::Column("line_item_unblended_cost")
    );
    assert_eq!(
        target_of("costCategory/Business Unit"),
        Target::MapEntry {
            map: "cost_category",
            key: "business_unit".into()
        }
    );
    assert_eq!(target_of("year"), Target::Ignored);
}

// ---- errors -------------------------------------------------------------------------

#[test]
fn corrupt_gzip_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = gzip(sample_csv().repeat(20).as_bytes());
    let middle = bytes.len() / 2;
    for byte in &mut bytes[middle..middle + 16] {
        *byte ^= 0x5a;
    }
    let path = write(&dir, "corrupt.csv.gz", &bytes);
    let error = read_all(&path, true, 10).unwrap_err();
    assert!(
        matches!(&error, Error::Gzip { file, .. } if *file == path),
        "{error}"
    );
    assert!(error.to_string().contains("near line "), "{error}");
}

#[test]
fn truncated_gzip_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = gzip(sample_csv().repeat(20).as_bytes());
    let path = write(&dir, "truncated.csv.gz", &bytes[..bytes.len() * 2 / 3]);
    let error = read_all(&path, true, 10).unwrap_err();
    assert!(
        matches!(&error, Error::Gzip { file, .. } if *file == path),
        "{error}"
    );
    assert!(error.to_string().contains("near line "), "{error}");
}

#[test]
fn a_row_with_the_wrong_field_count_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "short.csv", b"a/B,a/C\n1,2\n3,4\n5\n6,7\n");
    let error = read_all(&path, false, 1).unwrap_err();
    assert!(
        matches!(&error, Error::Malformed { file, line: 4, .. } if *file == path),
        "{error}"
    );
}

#[test]
fn invalid_utf8_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        "latin1.csv",
        b"a/B,resourceTags/user:city\n1,ok\n2,M\xfcnchen\n",
    );
    let error = read_all(&path, false, 100).unwrap_err();
    assert!(
        matches!(&error, Error::Malformed { file, line: 3, .. } if *file == path),
        "{error}"
    );
    assert!(
        error.to_string().contains("resourceTags/user:city"),
        "{error}"
    );
}

#[test]
fn a_non_numeric_cost_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    // The quoted description spans two lines, so the bad value is on line 5, not 4.
    let text = "lineItem/LineItemDescription,lineItem/UnblendedCost\n\
                ok,1\n\
                \"spans\ntwo lines\",2\n\
                bad,1.2.3\n";
    let path = write(&dir, "bad-cost.csv", text.as_bytes());
    let batches = read_all(&path, false, 2).unwrap();
    to_cur2(&batches[0], &path).unwrap();
    let error = to_cur2(&batches[1], &path).unwrap_err();
    assert!(
        matches!(&error, Error::InvalidValue { file, line: Some(5), column, .. }
            if *file == path && column == "lineItem/UnblendedCost"),
        "{error}"
    );
    assert!(error.to_string().contains("1.2.3"), "{error}");
}

#[test]
fn a_bad_timestamp_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = "lineItem/UsageStartDate\n2026-09-01T00:00:00Z\n2026-02-30T00:00:00Z\n";
    let path = write(&dir, "bad-time.csv", text.as_bytes());
    let batches = read_all(&path, false, 100).unwrap();
    let error = to_cur2(&batches[0], &path).unwrap_err();
    assert!(
        matches!(&error, Error::InvalidValue { file, line: Some(3), column, .. }
            if *file == path && column == "lineItem/UsageStartDate"),
        "{error}"
    );
}

#[test]
fn a_bad_value_without_line_numbers_names_the_row() {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "line_item_unblended_cost",
        DataType::Utf8,
        true,
    )]));
    let batch = RecordBatch::try_new(
        schema,
        vec![Arc::new(StringArray::from(vec![
            Some("1"),
            None,
            Some("n/a"),
        ]))],
    )
    .unwrap();
    let error = to_cur2(&batch, "legacy.parquet").unwrap_err();
    assert!(
        matches!(
            &error,
            Error::InvalidValue {
                line: None,
                row: 3,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn a_column_of_an_unusable_type_is_a_schema_error() {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "line_item_usage_start_date",
        DataType::Float64,
        true,
    )]));
    let batch =
        RecordBatch::try_new(schema, vec![Arc::new(Float64Array::from(vec![1.0]))]).unwrap();
    let error = to_cur2(&batch, "legacy.parquet").unwrap_err();
    assert!(
        matches!(&error, Error::Schema { file, .. } if file == "legacy.parquet"),
        "{error}"
    );
}

// ---- manifest -----------------------------------------------------------------------

#[test]
fn manifest_gives_period_keys_and_columns() {
    let json = br#"{
        "assemblyId": "6b1d6f3e-0b1a-4a3e-9d1e-1c2b3a4d5e6f",
        "account": "111111111111",
        "columns": [
            {"category": "identity", "name": "LineItemId", "type": "String"},
            {"category": "lineItem", "name": "UnblendedCost", "type": "BigDecimal"},
            {"category": "resourceTags", "name": "user:team"}
        ],
        "charset": "UTF-8",
        "compression": "GZIP",
        "contentType": "text/csv",
        "reportId": "abc",
        "reportName": "report",
        "billingPeriod": {"start": "20161101T000000.000Z", "end": "20161201T000000.000Z"},
        "bucket": "billing",
        "reportKeys": ["cur/report/20161101-20161201/6b1d/report-1.csv.gz"],
        "additionalArtifactKeys": []
    }"#;
    let manifest = parse_manifest(json, "report-Manifest.json").unwrap();
    assert_eq!(
        manifest.assembly_id.as_deref(),
        Some("6b1d6f3e-0b1a-4a3e-9d1e-1c2b3a4d5e6f")
    );
    assert_eq!(manifest.billing_period, "2016-11");
    assert_eq!(
        manifest.report_keys,
        ["cur/report/20161101-20161201/6b1d/report-1.csv.gz"]
    );
    assert_eq!(
        manifest.columns,
        [
            "identity/LineItemId",
            "lineItem/UnblendedCost",
            "resourceTags/user:team"
        ]
    );
}

#[test]
fn a_manifest_that_is_not_json_names_the_file() {
    let error = parse_manifest(b"<Error>AccessDenied</Error>", "report-Manifest.json").unwrap_err();
    assert!(
        matches!(&error, Error::Manifest { file, .. } if file == "report-Manifest.json"),
        "{error}"
    );
}

#[test]
fn a_manifest_with_a_bad_billing_period_is_rejected() {
    let json = br#"{"billingPeriod": {"start": "November"}, "reportKeys": []}"#;
    let error = parse_manifest(json, "m.json").unwrap_err();
    assert!(error.to_string().contains("November"), "{error}");
}

// ---- properties ---------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Reading in batches of any size and converting keeps every row and every cent.
    #[test]
    fn costs_survive_reading_and_conversion(
        cents in proptest::collection::vec(proptest::option::of(-1_000_000i64..1_000_000), 1..60),
        batch_rows in 1usize..20,
    ) {
        let mut text = String::from("lineItem/UnblendedCost,resourceTags/user:team\n");
        for (i, cost) in cents.iter().enumerate() {
            let cost = cost.map(|c| format!("{}.{:02}", c / 100, (c % 100).abs())).unwrap_or_default();
            let cost = if cents[i].is_some_and(|c| c < 0 && c > -100) { format!("-{cost}") } else { cost };
            text.push_str(&format!("{cost},team{}\n", i % 3));
        }
        let bytes = gzip(text.as_bytes());
        let batches: Vec<RecordBatch> = read_csv(std::io::Cursor::new(bytes), "p.csv.gz", true, batch_rows)
            .unwrap()
            .collect::<costscope_lake::Result<_>>()
            .unwrap();
        prop_assert!(batches.iter().all(|b| b.num_rows() <= batch_rows));
        let out = converted(&batches, "p.csv.gz").unwrap();
        prop_assert_eq!(out.num_rows(), cents.len());
        let total: i64 = floats(&out, "line_item_unblended_cost")
            .iter()
            .flatten()
            .map(|c| (c * 100.0).round() as i64)
            .sum();
        prop_assert_eq!(total, cents.iter().flatten().sum::<i64>());
        prop_assert_eq!(column(&out, "line_item_unblended_cost").null_count(), cents.iter().filter(|c| c.is_none()).count());
        prop_assert_eq!(column(&out, "resource_tags").null_count(), 0);
    }
}

//! The CUR 2.0 export: the Data Exports layout and schema, a realistic organisation, totals
//! equal to the generator's ledger, and the NAT Gateway story.

use std::collections::{BTreeMap, BTreeSet};

use costscope_core::cur;
use costscope_synth::{Ledger, LedgerKey};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::read_back::{
    CurRow, by_period, default_org, parquet_files, relative_eq, strictly_rising,
};

#[test]
fn writes_the_data_exports_layout_and_manifests() {
    let g = default_org();
    assert!(g.summary.export_root.ends_with("cur/costscope-demo"));
    assert!(g.summary.flow_logs_root.ends_with("flowlogs"));
    assert!(g.summary.inventory_file.ends_with("inventory.jsonl"));
    assert!(g.summary.metrics_file.ends_with("business_metrics.csv"));
    assert!(g.summary.ledger_file.ends_with("ledger.csv"));
    assert_eq!(g.summary.periods, ["2026-08", "2026-09", "2026-10"]);
    let top_level: BTreeSet<String> = g
        .files
        .keys()
        .map(|p| p.iter().next().unwrap().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        top_level,
        BTreeSet::from(
            [
                "business_metrics.csv",
                "cur",
                "flowlogs",
                "inventory.jsonl",
                "labels.json",
                "ledger.csv"
            ]
            .map(String::from)
        )
    );
    let cur_files: Vec<String> = g
        .files
        .keys()
        .filter(|p| p.starts_with("cur"))
        .map(|p| p.to_string_lossy().to_string())
        .collect();
    let mut expected = Vec::new();
    for period in &g.summary.periods {
        expected.push(format!(
            "cur/costscope-demo/data/BILLING_PERIOD={period}/costscope-demo-00001.snappy.parquet"
        ));
        expected.push(format!(
            "cur/costscope-demo/metadata/BILLING_PERIOD={period}/costscope-demo-Manifest.json"
        ));
    }
    expected.sort();
    assert_eq!(cur_files, expected);

    for period in &g.summary.periods {
        let manifest: serde_json::Value = serde_json::from_slice(g.file(&format!(
            "cur/costscope-demo/metadata/BILLING_PERIOD={period}/costscope-demo-Manifest.json"
        )))
        .unwrap();
        let keys: BTreeSet<&str> = manifest
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "executionId",
                "exportArn",
                "columns",
                "dataFiles",
                "additionalOutputFiles",
                "billingPeriod"
            ])
        );
        assert_eq!(
            manifest["dataFiles"],
            serde_json::json!([format!(
                "s3://costscope-demo-bucket/cur/costscope-demo/data/BILLING_PERIOD={period}/costscope-demo-00001.snappy.parquet"
            )])
        );
        assert_eq!(manifest["additionalOutputFiles"], serde_json::json!([]));
        assert_eq!(
            manifest["billingPeriod"]["start"],
            format!("{period}-01T00:00:00.000Z")
        );
        assert!(
            manifest["exportArn"]
                .as_str()
                .unwrap()
                .starts_with("arn:aws:bcm-data-exports:")
        );
        let columns = manifest["columns"].as_array().unwrap();
        let names: Vec<&str> = columns
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = cur::COLUMNS.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, expected);
        let column =
            |name: &str| columns.iter().find(|c| c["name"] == name).unwrap()["type"].clone();
        assert_eq!(column("line_item_unblended_cost"), "double");
        assert_eq!(column("line_item_usage_start_date"), "timestamp");
        assert_eq!(column("resource_tags"), "map<string,string>");
        assert_eq!(column("discount"), "map<string,double>");
        assert_eq!(column("line_item_usage_type"), "string");
    }
}

#[test]
fn every_file_has_the_cur_2_schema_with_snappy_row_groups() {
    let g = default_org();
    for (path, bytes) in parquet_files(&g.files) {
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).unwrap();
        assert_eq!(
            builder.schema().fields(),
            cur::schema().fields(),
            "{}",
            path.display()
        );
        let metadata = builder.metadata();
        for group in metadata.row_groups() {
            assert!(group.num_rows() <= 128 * 1024);
            assert_eq!(
                group.column(0).compression(),
                parquet::basic::Compression::SNAPPY
            );
        }
    }
}

#[test]
fn the_default_org_is_a_realistic_size_with_all_accounts_and_line_types() {
    let g = default_org();
    let rows = &g.rows;
    assert_eq!(rows.len() as u64, g.summary.cur_rows);
    assert!(
        (50_000..=150_000).contains(&rows.len()),
        "{} rows",
        rows.len()
    );
    let accounts: BTreeSet<&str> = rows.iter().map(|r| r.account.as_str()).collect();
    assert_eq!(accounts.len(), 8);
    assert!(!accounts.contains("111111111111"));
    let types: BTreeSet<&str> = rows.iter().map(|r| r.line_item_type.as_str()).collect();
    for expected in [
        "Usage",
        "SavingsPlanCoveredUsage",
        "SavingsPlanNegation",
        "SavingsPlanRecurringFee",
        "DiscountedUsage",
        "RIFee",
        "Fee",
        "Tax",
        "Credit",
        "Refund",
    ] {
        assert!(types.contains(expected), "{expected}");
    }
    let usage_types: BTreeSet<&str> = rows.iter().map(|r| r.usage_type.as_str()).collect();
    for expected in [
        "BoxUsage:m5.xlarge",
        "BoxUsage:m7g.large",
        "SpotUsage:c5.large",
        "EBS:VolumeUsage.gp2",
        "EBS:VolumeUsage.gp3",
        "EBS:SnapshotUsage",
        "TimedStorage-GDA-ByteHrs",
        "Requests-Tier1",
        "InstanceUsage:db.r6g.large",
        "Aurora:StorageUsage",
        "Request-ARM",
        "Lambda-GB-Second",
        "NatGateway-Hours",
        "DataTransfer-Regional-Bytes",
        "USE1-PublicIPv4:IdleAddress",
        "USE1-Claude4.6Sonnet-input-tokens",
        "USE1-Claude4.5Haiku-cache-read-input-token-count",
        "USE1-NovaLite-output-tokens",
        "USE1-MP:USE1_InputTokenCount-Units",
        "USW2-BoxUsage:m5.large",
    ] {
        assert!(usage_types.contains(expected), "{expected}");
    }
    // Savings Plan negation offsets covered usage exactly; covered usage amortizes cheaper.
    let covered = rows
        .iter()
        .filter(|r| r.line_item_type == "SavingsPlanCoveredUsage");
    let (on_demand, effective): (f64, f64) =
        covered.fold((0.0, 0.0), |(u, a), r| (u + r.unblended, a + r.amortized));
    let negated: f64 = rows
        .iter()
        .filter(|r| r.line_item_type == "SavingsPlanNegation")
        .map(|r| r.unblended)
        .sum();
    assert!(relative_eq(on_demand, -negated));
    assert!(effective < on_demand * 0.8);
    // Some resources are untagged, some tag values are inconsistent.
    assert!(
        rows.iter()
            .any(|r| r.product_code == "AmazonEC2" && r.tags.is_empty())
    );
    assert!(
        rows.iter()
            .any(|r| r.tag("user_department") == Some("sales"))
    );
    assert!(
        rows.iter()
            .any(|r| r.tag("user_department") == Some("Sales"))
    );
}

#[test]
fn ledger_matches_the_rows_read_back() {
    let g = default_org();
    let mut read_back: BTreeMap<LedgerKey, (u64, f64, f64)> = BTreeMap::new();
    for row in &g.rows {
        let key = LedgerKey {
            usage_account_id: row.account.clone(),
            product_code: row.product_code.clone(),
            day: row.day(),
            line_item_type: row.line_item_type.clone(),
        };
        let entry = read_back.entry(key).or_default();
        entry.0 += 1;
        entry.1 += row.unblended;
        entry.2 += row.amortized;
    }
    let ledger = &g.summary.ledger;
    assert_eq!(ledger.entries.len(), read_back.len());
    for (key, (rows, unblended, amortized)) in &read_back {
        let totals = ledger
            .entries
            .get(key)
            .unwrap_or_else(|| panic!("{key:?} missing"));
        assert_eq!(totals.rows, *rows, "{key:?}");
        assert!(
            relative_eq(totals.unblended, *unblended),
            "{key:?}: {} vs {unblended}",
            totals.unblended
        );
        assert!(
            relative_eq(totals.amortized, *amortized),
            "{key:?}: {} vs {amortized}",
            totals.amortized
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("ledger.csv");
    std::fs::write(&copy, g.file("ledger.csv")).unwrap();
    assert_eq!(&Ledger::read_csv(&copy).unwrap(), ledger);
    let header = String::from_utf8_lossy(g.file("ledger.csv"));
    assert!(header.starts_with(
        "usage_account_id,product_code,day,line_item_type,rows,unblended_cost,amortized_cost\n"
    ));
}

#[test]
fn nat_gateway_cost_rises_month_over_month_in_app_team_prod() {
    let g = default_org();
    let prod = |r: &CurRow| r.account == "222222222222";
    let bytes = by_period(
        &g.rows,
        |r| prod(r) && r.usage_type == "NatGateway-Bytes",
        |r| r.usage,
    );
    let hours = by_period(
        &g.rows,
        |r| prod(r) && r.usage_type == "NatGateway-Hours",
        |r| r.usage,
    );
    let inter_az = by_period(
        &g.rows,
        |r| prod(r) && r.usage_type == "DataTransfer-Regional-Bytes",
        |r| r.unblended,
    );
    let nat_cost = by_period(
        &g.rows,
        |r| prod(r) && r.usage_type.starts_with("NatGateway"),
        |r| r.unblended,
    );
    assert!(strictly_rising(&bytes), "{bytes:?}");
    assert!(strictly_rising(&hours), "{hours:?}");
    assert!(strictly_rising(&inter_az), "{inter_az:?}");
    assert!(strictly_rising(&nat_cost), "{nat_cost:?}");
    assert!(bytes[2] > bytes[0] * 1.5, "{bytes:?}");
    let nat_rows: Vec<&CurRow> = g
        .rows
        .iter()
        .filter(|r| r.usage_type == "NatGateway-Bytes")
        .collect();
    assert!(nat_rows.iter().all(|r| {
        r.resource_id
            .as_deref()
            .unwrap()
            .contains(":natgateway/nat-")
    }));
}

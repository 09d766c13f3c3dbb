//! The stories the demo tells, in the files: flow logs behind the NAT bytes, Bedrock cost by
//! department, the clickstream unit cost; and the inventory's fields.

use std::collections::{BTreeMap, BTreeSet};

use crate::read_back::{
    BYTES_PER_GB, CurRow, DAY_MS, by_period, default_org, read_flow_logs, read_inventory,
    strictly_rising,
};

#[test]
fn flow_logs_explain_the_nat_bytes_with_cross_az_senders() {
    let g = default_org();
    let records = read_flow_logs(g);
    assert_eq!(records.len() as u64, g.summary.flow_log_records);
    assert!(
        (2_000..=100_000).contains(&records.len()),
        "{}",
        records.len()
    );
    assert!(records.iter().any(|r| r.5 == "NODATA"));

    let inventory = read_inventory(g);
    let field = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    let story_nat = inventory
        .iter()
        .find(|v| v["resource_type"] == "nat_gateway" && v["availability_zone"] == "us-east-1a")
        .unwrap();
    let nat_id = field(story_nat, "nat_gateway_id");
    let nat_eni = field(story_nat, "eni_id");
    let az_of_ip: BTreeMap<String, String> = inventory
        .iter()
        .map(|v| (field(v, "ip_address"), field(v, "availability_zone")))
        .collect();

    // Per day: bytes on the NAT gateway's interface vs the day's NatGateway-Bytes in CUR.
    let mut flow_bytes: BTreeMap<i64, f64> = BTreeMap::new();
    let mut bytes_by_sender_az: BTreeMap<String, u64> = BTreeMap::new();
    for (interface, src, _, bytes, start, _) in &records {
        if *interface == nat_eni {
            *flow_bytes.entry(start * 1000 / DAY_MS).or_default() += *bytes as f64;
            if let Some(az) = az_of_ip.get(src) {
                *bytes_by_sender_az.entry(az.clone()).or_default() += bytes;
            }
        }
    }
    let mut cur_gb: BTreeMap<i64, f64> = BTreeMap::new();
    for row in g.rows.iter().filter(|r| r.usage_type == "NatGateway-Bytes") {
        if row.resource_id.as_deref().unwrap().ends_with(&nat_id) {
            *cur_gb.entry(row.start_ms / DAY_MS).or_default() += row.usage;
        }
    }
    assert!(flow_bytes.len() >= 14);
    for (day, bytes) in &flow_bytes {
        let gb = cur_gb[day];
        assert!(
            (bytes / BYTES_PER_GB - gb).abs() < 0.005 * gb,
            "day {day}: {} vs {gb}",
            bytes / BYTES_PER_GB
        );
    }
    let from_1b = bytes_by_sender_az["us-east-1b"];
    let from_1a = bytes_by_sender_az["us-east-1a"];
    assert!(from_1b > 4 * from_1a, "{bytes_by_sender_az:?}");
    assert!(!bytes_by_sender_az.contains_key(""));
}

#[test]
fn sales_pays_about_three_times_dev_for_similar_bedrock_tokens() {
    let g = default_org();
    let mut cost: BTreeMap<&str, f64> = BTreeMap::new();
    let mut tokens: BTreeMap<&str, f64> = BTreeMap::new();
    for row in g
        .rows
        .iter()
        .filter(|r| r.product_code == "AmazonBedrock" && r.line_item_type == "Usage")
    {
        assert!(
            row.resource_id
                .as_deref()
                .unwrap()
                .contains(":application-inference-profile/")
        );
        let department = row.tag("user_department").unwrap();
        *cost.entry(department).or_default() += row.unblended;
        *tokens.entry(department).or_default() += row.usage;
    }
    let cost_ratio = cost["Sales"] / cost["Dev"];
    let token_ratio = tokens["Sales"] / tokens["Dev"];
    assert!((2.5..=3.5).contains(&cost_ratio), "cost ratio {cost_ratio}");
    assert!(
        (0.8..=1.25).contains(&token_ratio),
        "token ratio {token_ratio}"
    );

    let marketplace: Vec<&CurRow> = g
        .rows
        .iter()
        .filter(|r| r.billing_entity == "AWS Marketplace")
        .collect();
    assert!(!marketplace.is_empty());
    assert!(
        marketplace
            .iter()
            .filter(|r| r.line_item_type == "Usage")
            .all(|r| {
                r.product["product_name"].ends_with("(Amazon Bedrock Edition)")
                    && r.usage_type.contains("-MP:")
            })
    );
}

#[test]
fn clickstream_cost_per_invocation_falls_in_the_last_month() {
    let g = default_org();
    let clickstream = |r: &CurRow| r.tag("user_app") == Some("clickstream");
    let cost = by_period(&g.rows, clickstream, |r| r.amortized);
    let lambda_requests = |r: &CurRow| {
        clickstream(r) && r.product_code == "AWSLambda" && r.usage_type.starts_with("Request")
    };
    let invocations = by_period(&g.rows, lambda_requests, |r| r.usage);
    let services: BTreeSet<&str> = g
        .rows
        .iter()
        .filter(|r| clickstream(r))
        .map(|r| r.product_code.as_str())
        .collect();
    for service in ["AWSLambda", "AmazonEC2", "AmazonRDS", "AmazonBedrock"] {
        assert!(services.contains(service), "{service}");
    }
    assert!(strictly_rising(&invocations), "{invocations:?}");
    let per_invocation: Vec<f64> = cost.iter().zip(&invocations).map(|(c, i)| c / i).collect();
    assert!(
        per_invocation[2] < per_invocation[1] * 0.9,
        "{per_invocation:?}"
    );

    // The business metrics report the same invocations, day by day.
    let mut cur_daily: BTreeMap<String, f64> = BTreeMap::new();
    for row in g.rows.iter().filter(|r| lambda_requests(r)) {
        *cur_daily.entry(row.day()).or_default() += row.usage;
    }
    let metrics = String::from_utf8_lossy(g.file("business_metrics.csv"));
    let mut lines = metrics.lines();
    assert_eq!(lines.next(), Some("date,metric,value,app,team"));
    let mut apps = BTreeSet::new();
    let mut metric_names = BTreeSet::new();
    let mut compared = 0;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        apps.insert(f[3].to_string());
        metric_names.insert(f[1].to_string());
        if f[1] == "invocations" && f[3] == "clickstream" {
            assert_eq!(f[2].parse::<f64>().unwrap(), cur_daily[f[0]], "{}", f[0]);
            compared += 1;
        }
    }
    assert_eq!(compared, 92);
    assert!(apps.len() >= 2);
    assert_eq!(
        metric_names,
        BTreeSet::from(["clicks", "invocations", "orders", "revenue"].map(String::from))
    );
}

#[test]
fn inventory_entries_have_the_inventory_table_fields() {
    let g = default_org();
    let inventory = read_inventory(g);
    assert!(!inventory.is_empty());
    let expected: BTreeSet<String> = costscope_core::tables::inventory_schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let kinds: BTreeSet<&str> = inventory
        .iter()
        .map(|v| v["resource_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["instance", "load_balancer", "nat_gateway"])
    );
    for entry in &inventory {
        let keys: BTreeSet<String> = entry.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, expected);
        assert!(entry["tags"].is_object());
        assert_eq!(entry["date"].as_str().unwrap().len(), 10);
    }
}

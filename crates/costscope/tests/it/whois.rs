//! End-to-end tests of `costscope whois`.

use std::path::Path;

use crate::cli::{costscope, fails, ok};

fn record(date: &str, ip: &str, id: &str, kind: &str, az: &str, team: &str) -> String {
    format!(
        r#"{{"date":"{date}","ip_address":"{ip}","eni_id":"eni-{id}","resource_id":"{id}","resource_type":"{kind}","account_id":"222222222222","region":"us-east-1","availability_zone":"{az}","az_id":"use1-az1","subnet_id":"subnet-1","vpc_id":"vpc-1","nat_gateway_id":null,"tags":{{"user_team":"{team}"}}}}"#
    )
}

/// A lake whose inventory shows 10.0.0.5 held by an instance on 1–2 October and by a NAT
/// gateway from 3 October (the address was reused).
fn reused_lake(dir: &Path) -> tempfile::TempDir {
    let lake = tempfile::tempdir().expect("tempdir");
    let lines = [
        record(
            "2026-10-01",
            "10.0.0.5",
            "i-0aaa",
            "instance",
            "us-east-1b",
            "app-team",
        ),
        record(
            "2026-10-02",
            "10.0.0.5",
            "i-0aaa",
            "instance",
            "us-east-1b",
            "app-team",
        ),
        record(
            "2026-10-03",
            "10.0.0.5",
            "nat-0bbb",
            "nat_gateway",
            "us-east-1a",
            "platform-team",
        ),
        record(
            "2026-10-03",
            "10.0.0.9",
            "i-0ccc",
            "instance",
            "us-east-1a",
            "data-team",
        ),
    ];
    let file = dir.join("inventory.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").expect("write inventory");
    ok(costscope(lake.path())
        .args(["ingest", "inventory"])
        .arg(&file));
    lake
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("json")
}

#[test]
fn a_reused_address_resolves_to_the_holder_of_the_date() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = reused_lake(dir.path());
    let early = json(&ok(costscope(lake.path()).args([
        "whois",
        "10.0.0.5",
        "--at",
        "2026-10-02T12:00:00Z",
        "--format",
        "json",
    ])));
    assert_eq!(early["owners"][0]["resource_id"], "i-0aaa");
    assert_eq!(early["owners"][0]["valid_from"], "2026-10-01");
    assert_eq!(early["owners"][0]["valid_to"], "2026-10-02");
    assert_eq!(early["owners"][0]["tags"], "user_team=app-team");
    assert_eq!(early["history"].as_array().map(Vec::len), Some(2));
    let latest = json(&ok(
        costscope(lake.path()).args(["whois", "10.0.0.5", "--format", "json"])
    ));
    assert_eq!(latest["owners"][0]["resource_id"], "nat-0bbb");
    assert_eq!(latest["owners"][0]["resource_type"], "nat_gateway");
    assert_eq!(latest["owners"][0]["availability_zone"], "us-east-1a");
    let csv = ok(costscope(lake.path()).args([
        "whois",
        "10.0.0.5",
        "--at",
        "2026-10-05",
        "--format",
        "csv",
    ]));
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap_or("")
            .starts_with("ip_address,resource_type,resource_id")
    );
    assert!(
        lines
            .next()
            .unwrap_or("")
            .starts_with("10.0.0.5,nat_gateway,nat-0bbb"),
        "{csv}"
    );
}

#[test]
fn the_ip_owners_view_joins_like_whois_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = reused_lake(dir.path());
    let out = ok(costscope(lake.path()).args([
        "sql",
        "SELECT ip_address, resource_id, CAST(valid_from AS VARCHAR) AS valid_from, \
         CAST(valid_to AS VARCHAR) AS valid_to FROM ip_owners ORDER BY ip_address, valid_from",
        "--format",
        "csv",
    ]));
    assert_eq!(
        out,
        "ip_address,resource_id,valid_from,valid_to\n\
         10.0.0.5,i-0aaa,2026-10-01,2026-10-02\n\
         10.0.0.5,nat-0bbb,2026-10-03,2026-10-03\n\
         10.0.0.9,i-0ccc,2026-10-03,2026-10-03\n"
    );
}

#[test]
fn aws_ranges_unknown_addresses_and_bad_input_get_clear_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = reused_lake(dir.path());
    let s3 = json(&ok(costscope(lake.path()).args([
        "whois",
        "52.216.10.20",
        "--format",
        "json",
    ])));
    assert_eq!(s3["owners"][0]["resource_type"], "aws_service");
    assert!(
        s3["owners"][0]["resource_id"]
            .as_str()
            .unwrap_or("")
            .starts_with("S3 "),
        "{s3}"
    );
    // A user file replaces the built-in ranges.
    let ranges = dir.path().join("ip-ranges.json");
    std::fs::write(
        &ranges,
        r#"{"syncToken":"1","createDate":"2026-09-01-00-00-00","prefixes":[{"ip_prefix":"198.51.100.0/24","region":"eu-west-1","service":"DYNAMODB","network_border_group":"eu-west-1"}],"ipv6_prefixes":[]}"#,
    )
    .expect("write ranges");
    let custom = json(&ok(costscope(lake.path())
        .args(["whois", "198.51.100.7", "--format", "json", "--ip-ranges"])
        .arg(&ranges)));
    assert_eq!(
        custom["owners"][0]["resource_id"],
        "DYNAMODB 198.51.100.0/24"
    );
    assert_eq!(custom["owners"][0]["region"], "eu-west-1");
    let unknown = json(&ok(costscope(lake.path()).args([
        "whois",
        "192.0.2.1",
        "--format",
        "json",
    ])));
    assert_eq!(unknown["owners"].as_array().map(Vec::len), Some(0));
    assert!(
        unknown["answer"].as_str().unwrap_or("").contains("unknown"),
        "{unknown}"
    );
    let table = ok(costscope(lake.path()).args(["whois", "192.0.2.1"]));
    assert!(table.contains("192.0.2.1 is unknown"), "{table}");
    let before = json(&ok(costscope(lake.path()).args([
        "whois",
        "10.0.0.9",
        "--at",
        "2026-10-01",
        "--format",
        "json",
    ])));
    assert_eq!(before["owners"].as_array().map(Vec::len), Some(0));
    assert!(
        before["answer"]
            .as_str()
            .unwrap_or("")
            .contains("first seen 2026-10-03"),
        "{before}"
    );
    let bad = fails(costscope(lake.path()).args(["whois", "10.0.0.300"]));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("10.0.0.300"));
    let bad_at = fails(costscope(lake.path()).args(["whois", "10.0.0.5", "--at", "soon"]));
    assert!(String::from_utf8_lossy(&bad_at.stderr).contains("soon"));
}

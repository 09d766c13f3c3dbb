//! Tests of `costscope_analytics::network`: the NAT story of the generated organisation,
//! checked against hand-written SQL and the CUR, and a small hand-written lake whose NAT
//! gateway logs both legs of each translated flow as AWS does.

use std::collections::BTreeSet;
use std::io::Write;

use chrono::NaiveDate;
use costscope_analytics::Error;
use costscope_analytics::network::{
    NetworkFix, NetworkOptions, cross_az, egress, flow_log_window, nat, nat_findings,
    nat_findings_with, nat_story, parse_date, prices, reconcile, top_talkers,
};
use costscope_analytics::records::query;
use costscope_lake::ingest::{flowlogs, tabular};
use costscope_lake::{IngestOptions, Lake};
use costscope_query::{Engine, Principal, Session};
use serde::Deserialize;

use crate::fixture;

const APP_PROD: &str = "222222222222";

#[derive(Deserialize)]
struct Id {
    id: String,
}

#[derive(Deserialize)]
struct Total {
    total: Option<f64>,
}

async fn total(session: &Session, sql: &str) -> f64 {
    query::<Total>(session, sql).await.expect(sql)[0]
        .total
        .unwrap_or(0.0)
}

async fn window(session: &Session) -> NetworkOptions {
    let (from, to) = flow_log_window(session)
        .await
        .expect("window")
        .expect("the fixture has flow logs");
    NetworkOptions::new(from, to)
}

/// The inventory's resources of a kind, as an independent record of the story.
async fn ids(session: &Session, filter: &str) -> BTreeSet<String> {
    query::<Id>(
        session,
        &format!("SELECT DISTINCT resource_id AS id FROM inventory WHERE {filter}"),
    )
    .await
    .expect("inventory")
    .into_iter()
    .map(|r| r.id)
    .collect()
}

#[tokio::test]
async fn the_nat_story_is_found_from_flow_logs_and_inventory() {
    let session = fixture::admin_session().await;
    let options = window(&session).await;
    let report = nat(&session, &options).await.expect("nat");
    assert_eq!(report.window.days_with_flow_logs, 14);

    let nat_1a = ids(
        &session,
        &format!(
            "resource_type = 'nat_gateway' AND availability_zone = 'us-east-1a' \
             AND account_id = '{APP_PROD}' AND tags['user_env'] = 'prod'"
        ),
    )
    .await;
    assert_eq!(nat_1a.len(), 1, "{nat_1a:?}");
    let nat_1a = nat_1a.into_iter().next().expect("one");
    let senders_1b = ids(
        &session,
        &format!(
            "resource_type = 'instance' AND availability_zone = 'us-east-1b' \
             AND account_id = '{APP_PROD}' AND tags['user_app'] = 'catalog-sync'"
        ),
    )
    .await;
    assert_eq!(senders_1b.len(), 2, "{senders_1b:?}");

    let gateway = report
        .gateways
        .iter()
        .find(|g| g.nat_gateway_id == nat_1a)
        .expect("the 1a NAT gateway");
    assert_eq!(gateway.nat_az, "us-east-1a");
    assert!(gateway.cross_az_share > 0.9, "{gateway:?}");
    assert!(
        (gateway.outbound_bytes * 0.2 - gateway.response_bytes).abs() < 1e-6 * gateway.bytes,
        "responses are 20% of requests"
    );

    // The cross-AZ bytes come from exactly the us-east-1b catalog-sync instances.
    let cross_sources: BTreeSet<String> = report
        .sources
        .iter()
        .filter(|s| s.nat_gateway_id == nat_1a && s.cross_az)
        .map(|s| {
            assert_eq!(s.source_az, "us-east-1b");
            assert_eq!(s.destination, "internet");
            assert_eq!(s.source_team.as_deref(), Some("app-team"));
            s.source_resource.clone()
        })
        .collect();
    assert_eq!(cross_sources, senders_1b);
    let from_sources: f64 = report
        .sources
        .iter()
        .filter(|s| s.nat_gateway_id == nat_1a && s.cross_az)
        .map(|s| s.bytes)
        .sum();
    assert!((from_sources - gateway.cross_az_bytes).abs() < 1.0);

    // Totals against hand-written SQL. All records on a NAT gateway's interface in the
    // generated logs are its inside leg, so their sum is the NAT's processed bytes.
    let (from, to) = (options.from, options.to);
    let on_nat_eni = total(
        &session,
        &format!(
            "SELECT CAST(SUM(f.bytes) AS DOUBLE) AS total FROM flow_logs f
             WHERE f.date >= '{from}' AND f.date < '{to}' AND f.interface_id IN
               (SELECT eni_id FROM inventory WHERE resource_id = '{nat_1a}')"
        ),
    )
    .await;
    assert_eq!(gateway.bytes, on_nat_eni);
    // The 1b instances' own interfaces see the same traffic from the other end: what they
    // send to and receive from outside the VPC.
    let list = senders_1b
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let on_instances = total(
        &session,
        &format!(
            "SELECT CAST(SUM(bytes) AS DOUBLE) AS total FROM flow_logs
             WHERE date >= '{from}' AND date < '{to}' AND instance_id IN ({list})
               AND (srcaddr NOT LIKE '10.%' OR dstaddr NOT LIKE '10.%')"
        ),
    )
    .await;
    assert_eq!(gateway.cross_az_bytes, on_instances);

    // The nearly idle staging NAT gateway logs no bytes.
    let staging = ids(
        &session,
        &format!("resource_type = 'nat_gateway' AND tags['user_env'] = 'staging' AND account_id = '{APP_PROD}'"),
    )
    .await;
    assert_eq!(staging.len(), 1);
    let staging = report
        .gateways
        .iter()
        .find(|g| staging.contains(&g.nat_gateway_id))
        .expect("the idle gateway is listed");
    assert!(staging.bytes < gateway.bytes * 1e-3, "{staging:?}");
    assert!(staging.hours_cost > 0.0);
}

#[tokio::test]
async fn cross_az_totals_match_hand_written_sql() {
    let session = fixture::admin_session().await;
    let options = window(&session).await;
    let report = cross_az(&session, &options).await.expect("cross-az");
    let (from, to) = (options.from, options.to);
    // Sender-side records between two resources of a VPC in different AZs (the NAT
    // gateway's traffic is counted on its interface: requests in, responses out).
    let between = total(
        &session,
        &format!(
            "SELECT CAST(SUM(f.bytes) AS DOUBLE) AS total FROM flow_logs f
             JOIN inventory s ON s.eni_id = f.interface_id AND CAST(s.date AS VARCHAR) = f.date
             JOIN inventory d ON d.ip_address = f.dstaddr AND d.date = s.date
             WHERE f.date >= '{from}' AND f.date < '{to}' AND f.flow_direction = 'egress'
               AND s.availability_zone <> d.availability_zone"
        ),
    )
    .await;
    let into_nat = total(
        &session,
        &format!(
            "SELECT CAST(SUM(f.bytes) AS DOUBLE) AS total FROM flow_logs f
             JOIN inventory n ON n.eni_id = f.interface_id AND CAST(n.date AS VARCHAR) = f.date
             JOIN inventory s ON s.ip_address = f.srcaddr AND s.date = n.date
             WHERE f.date >= '{from}' AND f.date < '{to}' AND f.flow_direction = 'ingress'
               AND n.resource_type = 'nat_gateway'
               AND s.availability_zone <> n.availability_zone"
        ),
    )
    .await;
    assert!(between > 0.0 && into_nat > 0.0);
    assert!(
        (report.total_bytes - (between + into_nat)).abs() < 1.0,
        "{} vs {}",
        report.total_bytes,
        between + into_nat
    );
    let rows: f64 = report.rows.iter().map(|r| r.bytes).sum();
    assert!((rows - report.total_bytes).abs() < 1.0);
    // ALB → target hops are free; the NAT hops have one billed side.
    for row in &report.rows {
        if row.source_type == "load_balancer" || row.destination_type == "load_balancer" {
            assert_eq!(row.billed_sides, 0, "{row:?}");
            assert_eq!(row.estimated_cost, 0.0);
        }
        if row.destination_type == "nat_gateway" {
            assert_eq!(row.billed_sides, 1);
            let expected = row.bytes / prices::BYTES_PER_GB * prices::INTER_AZ_PER_GB;
            assert!((row.estimated_cost - expected).abs() < 1e-6);
        }
    }
    let limited = cross_az(
        &session,
        &NetworkOptions {
            limit: Some(2),
            ..options.clone()
        },
    )
    .await
    .expect("limited");
    assert_eq!(limited.rows.len(), 2);
    assert_eq!(limited.total_bytes, report.total_bytes);
    assert_eq!(limited.rows[0].source_az, "us-east-1b");
    assert_eq!(limited.rows[0].destination_type, "nat_gateway");
}

#[tokio::test]
async fn nat_bytes_reconcile_with_the_cur_every_day() {
    let session = fixture::admin_session().await;
    let options = window(&session).await;
    let report = reconcile(&session, &options).await.expect("reconcile");
    let nat_1a = ids(
        &session,
        "resource_type = 'nat_gateway' AND availability_zone = 'us-east-1a' \
         AND tags['user_env'] = 'prod'",
    )
    .await;
    let prod: Vec<_> = report
        .rows
        .iter()
        .filter(|r| {
            r.usage_type == "NatGateway-Bytes"
                && nat_1a.contains(r.resource_id.as_deref().unwrap_or(""))
        })
        .collect();
    assert_eq!(prod.len(), 14);
    for row in &prod {
        assert!(row.cur_gb > 1000.0, "{row:?}");
        assert!(row.within_tolerance, "{row:?}");
        assert!(row.difference_gb.abs() < 1e-3 * row.cur_gb, "{row:?}");
    }
    let regional: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.usage_type == "DataTransfer-Regional-Bytes")
        .collect();
    assert_eq!(regional.len(), 14);
    for row in &regional {
        assert!(row.cur_gb > 0.0 && row.within_tolerance, "{row:?}");
    }
    // The CUR side is the bill: check one day against hand-written SQL.
    let day = &prod[0].date;
    let cur = total(
        &session,
        &format!(
            "SELECT SUM(line_item_usage_amount) AS total FROM cur
             WHERE line_item_usage_type LIKE '%NatGateway-Bytes'
               AND line_item_resource_id LIKE '%{}'
               AND date_format(line_item_usage_start_date, '%Y-%m-%d') = '{day}'",
            prod[0].resource_id.as_deref().expect("id")
        ),
    )
    .await;
    assert!((cur - prod[0].cur_gb).abs() < 1e-6);
}

#[tokio::test]
async fn findings_name_the_azs_and_a_positive_saving() {
    let session = fixture::admin_session().await;
    let options = window(&session).await;
    let findings = nat_findings(&session, options.from, options.to)
        .await
        .expect("findings");
    let finding = findings
        .iter()
        .find(|f| {
            f.fix
                == NetworkFix::NatGatewayPerAz {
                    az: "us-east-1b".into(),
                }
        })
        .expect("a NAT gateway per AZ for us-east-1b");
    assert_eq!(finding.nat_az, "us-east-1a");
    assert_eq!(finding.source_az, "us-east-1b");
    assert_eq!(finding.account_id, APP_PROD);
    assert_eq!(finding.source_resources.len(), 2);
    assert!(finding.cause.contains("us-east-1b") && finding.cause.contains("us-east-1a"));
    assert!(finding.cause.contains(&finding.nat_gateway_id));
    let report = nat(&session, &options).await.expect("nat");
    let gateway = report
        .gateways
        .iter()
        .find(|g| g.nat_gateway_id == finding.nat_gateway_id)
        .expect("gateway");
    assert_eq!(finding.cross_az_bytes, gateway.cross_az_bytes);
    let expected = gateway.cross_az_bytes / prices::BYTES_PER_GB * 30.0 / 14.0
        * prices::INTER_AZ_PER_GB
        - prices::NAT_PER_HOUR * prices::HOURS_PER_MONTH;
    assert!((finding.monthly_saving - expected).abs() < 1e-6);
    assert!(finding.monthly_saving > 0.0);
    // The traffic costs its NAT processing and its inter-AZ transfer; the fix saves part.
    let monthly_gb = gateway.cross_az_bytes / prices::BYTES_PER_GB * 30.0 / 14.0;
    let cost = monthly_gb * (prices::NAT_PER_GB + prices::INTER_AZ_PER_GB);
    assert!((finding.monthly_cost() - cost).abs() < 1e-6);
    assert!(finding.monthly_saving < finding.monthly_cost());
    // No traffic to S3 or DynamoDB goes through the generated NAT gateways.
    assert!(
        findings
            .iter()
            .all(|f| matches!(f.fix, NetworkFix::NatGatewayPerAz { .. }))
    );
}

#[tokio::test]
async fn the_story_tells_evidence_cause_and_fix() {
    let session = fixture::admin_session().await;
    let options = window(&session).await;
    let lines = nat_story(&session, &options).await.expect("story");
    let text = lines.join("\n");
    assert!(text.contains("came from another AZ"), "{text}");
    assert!(text.contains("the bill agrees: NatGateway-Bytes"), "{text}");
    assert!(text.contains("(0.00%)"), "{text}");
    assert!(text.contains("logged no traffic"), "{text}");
    assert!(
        text.contains("Fix: add a NAT gateway in us-east-1b and route us-east-1b's private subnets to it; estimated saving $"),
        "{text}"
    );
}

#[tokio::test]
async fn top_talkers_and_egress_put_the_catalog_sync_senders_first() {
    let session = fixture::admin_session().await;
    let options = NetworkOptions {
        limit: Some(5),
        ..window(&session).await
    };
    let talkers = top_talkers(&session, &options).await.expect("talkers");
    assert!(talkers.rows.len() <= 5);
    assert!(
        talkers
            .rows
            .iter()
            .all(|r| r.resource_type != "nat_gateway")
    );
    let senders = ids(
        &session,
        "resource_type = 'instance' AND availability_zone = 'us-east-1b' \
         AND tags['user_app'] = 'catalog-sync' AND account_id = '222222222222'",
    )
    .await;
    let egress = egress(&session, &options).await.expect("egress");
    let first_two: BTreeSet<String> = egress.rows[..2]
        .iter()
        .map(|r| r.resource_id.clone())
        .collect();
    assert_eq!(first_two, senders);
    for row in &egress.rows[..2] {
        assert_eq!(row.via_nat_bytes, row.bytes_out);
        assert_eq!(row.nat_gateways.len(), 1);
    }
}

#[tokio::test]
async fn an_empty_window_gives_empty_results_and_bad_input_a_clear_error() {
    let session = fixture::admin_session().await;
    let day = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    let options = NetworkOptions::new(day("2020-01-01"), day("2020-02-01"));
    assert!(
        nat(&session, &options)
            .await
            .expect("nat")
            .sources
            .is_empty()
    );
    let report = cross_az(&session, &options).await.expect("cross-az");
    assert!(report.rows.is_empty() && report.matrix.is_empty());
    assert_eq!(report.total_bytes, 0.0);
    assert!(
        reconcile(&session, &options)
            .await
            .expect("r")
            .rows
            .is_empty()
    );
    assert!(
        top_talkers(&session, &options)
            .await
            .expect("t")
            .rows
            .is_empty()
    );
    assert!(egress(&session, &options).await.expect("e").rows.is_empty());
    assert!(
        nat_findings(&session, options.from, options.to)
            .await
            .expect("findings")
            .is_empty()
    );

    let error = parse_date("2026-13-01").expect_err("bad date");
    assert!(matches!(error, Error::InvalidArgument(_)));
    assert!(error.to_string().contains("2026-13-01"), "{error}");
    let backwards = NetworkOptions::new(day("2026-10-20"), day("2026-10-18"));
    let error = nat(&session, &backwards).await.expect_err("empty window");
    assert_eq!(error.kind(), costscope_core::ErrorKind::User);
    assert!(error.to_string().contains("2026-10-20"), "{error}");
    let bad_account = NetworkOptions {
        account: Some("12345' OR 1=1 --".into()),
        ..options
    };
    let error = cross_az(&session, &bad_account).await.expect_err("account");
    assert!(error.to_string().contains("12345' OR 1=1 --"), "{error}");
}

// ---------------------------------------------------------------------------------------
// A hand-written VPC logged the way AWS logs a NAT gateway.

const HEADER: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol \
packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type \
pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service \
pkt-dst-aws-service flow-direction traffic-path";
const ACCOUNT: &str = "123456789012";
const GIB: u64 = 1 << 30;

/// One record: (eni, srcaddr, dstaddr, pkt-src, pkt-dst, bytes, dst service, direction).
#[allow(clippy::too_many_arguments)]
fn record(
    eni: &str,
    src: &str,
    dst: &str,
    pkt_src: &str,
    pkt_dst: &str,
    bytes: u64,
    service: (&str, &str),
    direction: &str,
    start: i64,
) -> String {
    let (subnet, az) = match eni {
        "eni-nat" | "eni-a" => ("subnet-a", "use1-az1"),
        _ => ("subnet-b", "use1-az2"),
    };
    format!(
        "5 {ACCOUNT} {eni} {src} {dst} 40000 443 6 {} {bytes} {start} {} ACCEPT OK vpc-1 \
         {subnet} - 3 IPv4 {pkt_src} {pkt_dst} us-east-1 {az} - - {} {} {direction} -",
        bytes / 1400 + 1,
        start + 600,
        service.0,
        service.1,
    )
}

/// A lake with one day (2026-11-02) of a VPC: NAT gateway nat-a (10.0.0.5) in us-east-1a,
/// instance i-b (10.0.16.10) in us-east-1b sending 200 `unit`s to the internet and
/// 50 to S3 through it with responses of a fifth, and instance i-a (10.0.0.20) in
/// us-east-1a sending 3 GiB to i-b.
async fn hand_written_lake(dir: &std::path::Path, unit: u64) -> Session {
    let start = 1_793_613_600; // 2026-11-02T10:00:00Z
    let none = ("-", "-");
    let s3 = ("-", "S3");
    let s3_back = ("S3", "-");
    let (nat, ib, ia, web, bucket) = (
        "10.0.0.5",
        "10.0.16.10",
        "10.0.0.20",
        "198.51.100.7",
        "52.216.1.1",
    );
    let mut lines = vec![HEADER.to_string()];
    for (peer, out, service, back) in [
        (web, 200 * unit, none, none),
        (bucket, 50 * unit, s3, s3_back),
    ] {
        let resp = out / 5;
        // The instance's interface.
        lines.push(record(
            "eni-b", ib, peer, ib, peer, out, service, "egress", start,
        ));
        lines.push(record(
            "eni-b", peer, ib, peer, ib, resp, back, "ingress", start,
        ));
        // The NAT gateway's interface: inside leg in, outside leg out …
        lines.push(record(
            "eni-nat", ib, nat, ib, peer, out, service, "ingress", start,
        ));
        lines.push(record(
            "eni-nat", nat, peer, nat, peer, out, service, "egress", start,
        ));
        // … and the response: outside leg in, inside leg out.
        lines.push(record(
            "eni-nat", peer, nat, peer, nat, resp, back, "ingress", start,
        ));
        lines.push(record(
            "eni-nat", nat, ib, peer, ib, resp, back, "egress", start,
        ));
    }
    lines.push(record(
        "eni-a",
        ia,
        ib,
        ia,
        ib,
        3 * GIB,
        none,
        "egress",
        start,
    ));
    lines.push(record(
        "eni-b",
        ia,
        ib,
        ia,
        ib,
        3 * GIB,
        none,
        "ingress",
        start,
    ));
    let logs = dir.join("logs/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/02");
    std::fs::create_dir_all(&logs).expect("mkdir");
    std::fs::write(logs.join("flows.log"), lines.join("\n") + "\n").expect("write logs");

    let inventory = dir.join("inventory.jsonl");
    let mut file = std::fs::File::create(&inventory).expect("inventory");
    for (ip, eni, id, kind, az, subnet, nat_id) in [
        (
            nat,
            "eni-nat",
            "nat-a",
            "nat_gateway",
            "us-east-1a",
            "subnet-a",
            Some("nat-a"),
        ),
        (
            ib,
            "eni-b",
            "i-b",
            "instance",
            "us-east-1b",
            "subnet-b",
            None,
        ),
        (
            ia,
            "eni-a",
            "i-a",
            "instance",
            "us-east-1a",
            "subnet-a",
            None,
        ),
    ] {
        let entry = serde_json::json!({
            "date": "2026-11-02", "ip_address": ip, "eni_id": eni, "resource_id": id,
            "resource_type": kind, "account_id": ACCOUNT, "region": "us-east-1",
            "availability_zone": az, "az_id": "-", "subnet_id": subnet, "vpc_id": "vpc-1",
            "nat_gateway_id": nat_id, "tags": {"user_team": "web-team"},
        });
        writeln!(file, "{entry}").expect("write inventory");
    }
    drop(file);

    let lake = Lake::open(dir.join("lake")).expect("lake");
    flowlogs::ingest_flow_logs(
        &lake,
        &dir.join("logs").display().to_string(),
        &IngestOptions::default(),
    )
    .await
    .expect("flow logs");
    tabular::ingest_inventory(&lake, &inventory.display().to_string())
        .await
        .expect("inventory");
    Engine::new(lake)
        .session(&Principal::admin())
        .await
        .expect("session")
}

#[tokio::test]
async fn a_nat_gateways_two_legs_are_counted_once_and_s3_gets_a_gateway_endpoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = hand_written_lake(dir.path(), GIB).await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
    let options = NetworkOptions::new(day, day + chrono::Days::new(1));

    let report = nat(&session, &options).await.expect("nat");
    assert_eq!(report.gateways.len(), 1);
    let gateway = &report.gateways[0];
    let gib = GIB as f64;
    assert_eq!(gateway.outbound_bytes, 250.0 * gib);
    assert_eq!(gateway.response_bytes, 50.0 * gib);
    assert_eq!(gateway.cross_az_bytes, 300.0 * gib);
    assert_eq!(gateway.cross_az_share, 1.0);
    let destinations: Vec<(String, f64)> = report
        .sources
        .iter()
        .map(|s| (s.destination.clone(), s.bytes / gib))
        .collect();
    assert_eq!(
        destinations,
        vec![("internet".into(), 240.0), ("aws-service:s3".into(), 60.0)]
    );

    let cross = cross_az(&session, &options).await.expect("cross-az");
    assert_eq!(cross.total_bytes, 303.0 * gib);
    let between = cross
        .rows
        .iter()
        .find(|r| r.source_resource == "i-a")
        .expect("instance to instance");
    assert_eq!((between.bytes, between.billed_sides), (3.0 * gib, 2));
    assert!((between.estimated_cost - 3.0 * 2.0 * 0.01).abs() < 1e-9);

    let findings = nat_findings_with(&session, &options)
        .await
        .expect("findings");
    assert_eq!(findings.len(), 2, "{findings:?}");
    // 300 GiB a day cross AZs: 9000 GB a month at $0.01 minus a new gateway's 730 h.
    let endpoint = findings
        .iter()
        .find(|f| {
            f.fix
                == NetworkFix::GatewayEndpoint {
                    service: "s3".into(),
                }
        })
        .expect("S3 endpoint");
    assert!((endpoint.monthly_saving - 60.0 * 30.0 * 0.045).abs() < 1e-9);
    assert_eq!(endpoint.source_resources, vec!["i-b".to_string()]);
    let per_az = findings
        .iter()
        .find(|f| {
            f.fix
                == NetworkFix::NatGatewayPerAz {
                    az: "us-east-1b".into(),
                }
        })
        .expect("per AZ");
    assert!((per_az.monthly_saving - (300.0 * 30.0 * 0.01 - 0.045 * 730.0)).abs() < 1e-9);
    assert_eq!(
        per_az.cause,
        "instance i-b in us-east-1b sends 300.0 GB to the internet through NAT gateway nat-a \
         in us-east-1a over 1 day: requests and responses cross between us-east-1b and \
         us-east-1a"
    );
    // Largest saving first.
    assert!(findings[0].monthly_saving >= findings[1].monthly_saving);

    let egress = egress(&session, &options).await.expect("egress");
    assert_eq!(egress.rows.len(), 1);
    assert_eq!(egress.rows[0].bytes_out, 200.0 * gib);
    assert_eq!(egress.rows[0].via_nat_bytes, 200.0 * gib);
}

#[tokio::test]
async fn a_second_nat_gateway_that_costs_more_than_it_saves_is_not_recommended() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 30 GiB a day crossing: 900 GB a month × $0.01 = $9 < $32.85 of NAT hours.
    let session = hand_written_lake(dir.path(), GIB / 10).await;
    let day = NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
    let findings = nat_findings(&session, day, day + chrono::Days::new(1))
        .await
        .expect("findings");
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(
        findings[0].fix,
        NetworkFix::GatewayEndpoint {
            service: "s3".into()
        }
    );
}

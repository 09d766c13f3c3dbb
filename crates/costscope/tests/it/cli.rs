//! Helpers to run the binary, and tests of its output formats and errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The binary under test with `--lake` set.
pub fn costscope(lake: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_costscope"));
    command.arg("--lake").arg(lake).arg("--quiet");
    command
}

/// Runs and asserts success, returning stdout.
pub fn ok(command: &mut Command) -> String {
    let output = command.output().expect("spawn costscope");
    assert!(
        output.status.success(),
        "costscope failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Runs and asserts failure, returning the whole output.
pub fn fails(command: &mut Command) -> Output {
    let output = command.output().expect("spawn costscope");
    assert!(
        !output.status.success(),
        "expected a failure, got: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    output
}

/// A small generated organisation shared by the tests of this binary (generated once).
pub fn demo_data() -> &'static PathBuf {
    static DATA: OnceLock<PathBuf> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("costscope-it-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        ok(Command::new(env!("CARGO_BIN_EXE_costscope"))
            .args([
                "--quiet", "generate", "--seed", "7", "--months", "2", "--out",
            ])
            .arg(&dir));
        dir
    })
}

/// The CUR 2.0 export root inside generated data.
pub fn export_root(data: &Path) -> PathBuf {
    costscope_synth::export_root(data)
}

/// A fresh lake holding the shared organisation's CUR.
pub fn ingested_lake() -> tempfile::TempDir {
    let lake = tempfile::tempdir().expect("tempdir");
    ok(costscope(lake.path())
        .args(["ingest", "cur"])
        .arg(export_root(demo_data())));
    lake
}

#[test]
fn csv_output_has_a_header_plain_values_and_empty_nulls() {
    let lake = ingested_lake();
    let out = ok(costscope(lake.path()).args([
        "sql",
        "SELECT 'a' AS name, CAST(NULL AS DOUBLE) AS missing, 1.5 AS value",
        "--format",
        "csv",
    ]));
    assert_eq!(out, "name,missing,value\na,,1.5\n");
}

#[test]
fn json_output_is_an_array_of_objects() {
    let lake = ingested_lake();
    let out = ok(costscope(lake.path()).args([
        "sql",
        "SELECT billing_period, count(*) AS n FROM cur GROUP BY 1 ORDER BY 1",
        "--format",
        "json",
    ]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["billing_period"], "2026-09");
    assert!(rows[0]["n"].as_u64().expect("count") > 0);
}

#[test]
fn bad_sql_fails_with_a_clear_message() {
    let lake = ingested_lake();
    let output = fails(costscope(lake.path()).args(["sql", "SELECT no_such_column FROM cur"]));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no_such_column"), "{stderr}");
    let output = fails(costscope(lake.path()).args(["sql", "SELEC 1"]));
    assert!(String::from_utf8_lossy(&output.stderr).contains("error:"));
}

#[test]
fn ingest_errors_exit_non_zero_naming_the_file() {
    let lake = ingested_lake();
    let bad = tempfile::tempdir().expect("tempdir");
    let file = bad
        .path()
        .join("data/BILLING_PERIOD=2026-09/x-00001.snappy.parquet");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    std::fs::write(&file, b"garbage").expect("write");
    let output = fails(
        costscope(lake.path())
            .args(["ingest", "cur"])
            .arg(bad.path()),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("x-00001.snappy.parquet"));
}

#[test]
fn tables_lists_published_partitions() {
    let lake = ingested_lake();
    let out = ok(costscope(lake.path()).args(["tables", "--format", "csv"]));
    assert!(
        out.starts_with("table,partition,files,rows,source,ingested_at\n"),
        "{out}"
    );
    assert!(out.contains("cur,2026-09,"), "{out}");
    assert!(out.contains("cur,2026-10,"), "{out}");
}

#[test]
fn other_inputs_ingest_and_are_queryable() {
    let lake = ingested_lake();
    let data = demo_data();
    let flows = ok(costscope(lake.path())
        .args(["ingest", "flowlogs", "--format", "json"])
        .arg(data.join("flowlogs")));
    let flows: serde_json::Value = serde_json::from_str(&flows).expect("json");
    assert!(flows["rows"].as_u64().expect("rows") > 0);
    ok(costscope(lake.path())
        .args(["ingest", "inventory"])
        .arg(data.join("inventory.jsonl")));
    ok(costscope(lake.path())
        .args(["ingest", "metrics"])
        .arg(data.join("business_metrics.csv")));
    let out = ok(costscope(lake.path()).args([
        "sql",
        "SELECT (SELECT count(*) FROM flow_logs WHERE srcaddr IS NOT NULL AND az_id IS NOT NULL) > 0 AS flows, \
         (SELECT count(*) FROM inventory) > 0 AS inventory, \
         (SELECT count(*) FROM business_metrics WHERE metric = 'invocations') > 0 AS metrics",
        "--format",
        "csv",
    ]));
    assert_eq!(out, "flows,inventory,metrics\ntrue,true,true\n");
}

#[test]
fn malformed_metrics_are_refused_with_file_and_line() {
    let lake = ingested_lake();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("metrics.csv");
    std::fs::write(
        &file,
        "date,metric,value,app,team\n2026-09-01,clicks,10,web,\n2026-09-02,clicks,lots,web,\n",
    )
    .expect("write");
    let output = fails(
        costscope(lake.path())
            .args(["ingest", "metrics"])
            .arg(&file),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("metrics.csv") && stderr.contains("line 3"),
        "{stderr}"
    );
    let out = ok(costscope(lake.path()).args([
        "sql",
        "SELECT count(*) AS n FROM business_metrics",
        "--format",
        "csv",
    ]));
    assert_eq!(out, "n\n0\n");
}

#[test]
fn the_shell_takes_multi_line_statements_survives_errors_and_keeps_history() {
    use std::io::Write;
    let lake = ingested_lake();
    let home = tempfile::tempdir().expect("home");
    let mut child = costscope(lake.path())
        .arg("sql")
        .env("HOME", home.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"SELECT billing_period,\n  count(*) AS n\nFROM cur GROUP BY 1\nORDER BY 1;\nSELECT nope;\nSELECT 40 + 2 AS answer;\n\\q\n")
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stdout.contains("| 2026-09 ") && stdout.contains("| 42 "),
        "{stdout}"
    );
    assert!(stderr.contains("nope"), "{stderr}");
    let history = std::fs::read_to_string(home.path().join(".costscope_history")).expect("history");
    assert!(history.contains("SELECT 40 + 2 AS answer;"), "{history}");
}

#[test]
fn demo_tells_the_nat_and_bedrock_stories() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = demo_then_serve(dir.path());
    let sections: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json");
    let rows = |needle: &str| -> Vec<serde_json::Value> {
        let section = sections
            .iter()
            .find(|s| s["title"].as_str().is_some_and(|t| t.contains(needle)))
            .unwrap_or_else(|| panic!("no section about {needle}"));
        section["rows"].as_array().expect("rows").clone()
    };
    // NAT Gateway bytes grow month over month.
    let nat: Vec<f64> = rows("NAT Gateway")
        .iter()
        .filter(|r| r["usage_type"] == "NatGateway-Bytes")
        .map(|r| r["cost"].as_f64().expect("cost"))
        .collect();
    assert!(
        nat.len() >= 2 && nat.windows(2).all(|w| w[1] > w[0]),
        "{nat:?}"
    );
    // Sales pays several times what Dev pays for Bedrock.
    let bedrock = rows("Bedrock");
    let spend = |department: &str| -> f64 {
        bedrock
            .iter()
            .filter(|r| r["department"] == department)
            .map(|r| r["cost"].as_f64().expect("cost"))
            .sum()
    };
    assert!(spend("Sales") > 2.5 * spend("Dev"), "{bedrock:?}");
    assert!(dir.path().join("lake/manifest.json").exists());

    // Every dollar has an owner: the allocated teams add up to the bill.
    let allocated: f64 = rows("Cost by team")
        .iter()
        .map(|r| r["total"].as_f64().expect("total"))
        .sum();
    let billed: f64 = rows("Top accounts")
        .iter()
        .map(|r| r["amortized"].as_f64().expect("amortized"))
        .sum();
    assert!((allocated - billed).abs() < 0.1, "{allocated} vs {billed}");
    // The untagged sandbox shows in the tag coverage.
    let coverage = rows("Tag coverage");
    let sandbox = coverage
        .iter()
        .find(|r| r["account"] == "Sandbox")
        .expect("sandbox row");
    assert_eq!(sandbox["cost_tagged_pct"].as_f64(), Some(0.0));
    // clickstream's cost per invocation falls in the last month, and the title says so.
    let unit_section = sections
        .iter()
        .find(|s| {
            s["title"]
                .as_str()
                .is_some_and(|t| t.contains("clickstream"))
        })
        .expect("unit cost section");
    assert!(
        unit_section["title"]
            .as_str()
            .is_some_and(|t| t.contains("fell")),
        "{unit_section}"
    );
    let per_million: Vec<f64> = rows("clickstream")
        .iter()
        .map(|r| r["cost_per_million"].as_f64().expect("unit cost"))
        .collect();
    assert!(per_million.last() < per_million.first(), "{per_million:?}");
    // Budgets carry a state automation can act on.
    let states: Vec<String> = rows("Budgets")
        .iter()
        .map(|r| r["state"].as_str().expect("state").to_string())
        .collect();
    assert!(!states.is_empty());
    assert!(
        states
            .iter()
            .all(|s| ["ok", "forecast_over", "over"].contains(&s.as_str())),
        "{states:?}"
    );

    // The NAT story: the alert within two days of the deploy, the root cause down to the
    // NAT gateway, the flow logs naming the AZs, the fix with its saving.
    let story = rows("NAT Gateway story");
    let step = |name: &str| -> Vec<String> {
        story
            .iter()
            .filter(|r| r["step"] == name)
            .map(|r| r["text"].as_str().expect("text").to_string())
            .collect()
    };
    let labels: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("data/labels.json")).expect("labels"),
    )
    .expect("labels json");
    let nat = labels
        .iter()
        .find(|l| l["monitor"]["value"] == "NatGateway-Bytes")
        .expect("NAT label");
    let onset =
        chrono::NaiveDate::parse_from_str(nat["onset"].as_str().expect("onset"), "%Y-%m-%d")
            .expect("onset date");
    let alert = step("alert").concat();
    let raised = (0..=2)
        .map(|d| (onset + chrono::Days::new(d)).to_string())
        .any(|day| alert.contains(&format!("raised as of {day}")));
    assert!(raised, "{alert}");
    let gateway = nat["resources"][0].as_str().expect("NAT resource");
    let cause = step("in short").concat();
    assert!(
        cause.contains("NatGateway-Bytes") && cause.contains(gateway),
        "{cause}"
    );
    let evidence = step("evidence").join("\n");
    assert!(
        evidence.contains("us-east-1b") && evidence.contains("us-east-1a"),
        "{evidence}"
    );
    let fix = step("fix").concat();
    let saving: f64 = fix
        .split('$')
        .nth(1)
        .and_then(|s| s.split('/').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no saving in {fix}"));
    assert!(saving > 0.0, "{fix}");

    // The league table ranks every team on the 300-850 scale, best first.
    let league = rows("league table");
    assert!(league.len() >= 5, "{league:?}");
    let scores: Vec<f64> = league
        .iter()
        .map(|r| r["score"].as_f64().expect("score"))
        .collect();
    assert!(
        scores.iter().all(|s| (300.0..=850.0).contains(s)),
        "{scores:?}"
    );
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // Top recommendations in every category, each with a saving.
    let recommendations = rows("Top recommendations");
    for category in ["compute", "storage", "database", "networking", "genai"] {
        assert!(
            recommendations.iter().any(|r| r["category"] == category
                && r["monthly_saving"].as_f64().is_some_and(|s| s > 0.0)),
            "no {category} recommendation: {recommendations:?}"
        );
    }
    // The demo imports its Compute Optimizer export: one of its rightsizings ranks.
    assert!(
        recommendations
            .iter()
            .any(|r| r["source"] == "compute-optimizer"),
        "{recommendations:?}"
    );
    // Sales pays about three times Dev for similar tokens, because of the model.
    let genai = sections
        .iter()
        .find_map(|s| s["title"].as_str().filter(|t| t.contains("GenAI cost")))
        .expect("GenAI section");
    assert!(
        genai.contains("Sales") && genai.contains("Dev") && genai.contains("because"),
        "{genai}"
    );
}

#[test]
fn a_reader_that_stops_early_ends_the_command_quietly() {
    let lake = ingested_lake();
    // Far more than a pipe buffer of output, so writes continue after `head` has gone.
    let script = format!(
        "set -o pipefail; '{}' --lake '{}' --quiet tags --require department,team,app \
         --granularity daily | head -c 100 > /dev/null",
        env!("CARGO_BIN_EXE_costscope"),
        lake.path().display()
    );
    let output = Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn exit_codes_follow_the_kind_of_error() {
    use costscope_core::ErrorKind;
    let code = |kind: ErrorKind| Some(i32::from(kind.exit_code()));
    let lake = ingested_lake();
    // Unknown ids are not found: exit 1, as documented, with the id named.
    for args in [
        ["anomalies", "show", "an-999999"],
        ["recommend", "show", "graviton:i-nope"],
    ] {
        let output = fails(costscope(lake.path()).args(args));
        assert_eq!(output.status.code(), code(ErrorKind::NotFound), "{args:?}");
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(args[2]), "{args:?}: {stderr}");
    }
    // A metadata store that cannot be opened is the environment's failure, not the user's.
    let store = lake.path().join("_state").join("costscope.sqlite");
    for file in [
        "costscope.sqlite",
        "costscope.sqlite-wal",
        "costscope.sqlite-shm",
    ] {
        let _ = std::fs::remove_file(lake.path().join("_state").join(file));
    }
    std::fs::create_dir_all(&store).expect("a directory where the store should be");
    let output = fails(costscope(lake.path()).args(["anomalies", "show", "an-999999"]));
    assert_eq!(output.status.code(), code(ErrorKind::Unavailable));
    assert_eq!(output.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("costscope.sqlite"), "{stderr}");
}

/// Runs `costscope demo` as the README does (ports chosen by the system), checks that it
/// ends by serving the lake to the administrator whose token it prints and not to a forged
/// one, stops it with SIGTERM, and returns its JSON tour.
fn demo_then_serve(dir: &Path) -> String {
    use std::io::{BufRead, BufReader, Read, Write};

    let mut child = Command::new(env!("CARGO_BIN_EXE_costscope"))
        .args([
            "--quiet",
            "demo",
            "--format",
            "json",
            "--http",
            "127.0.0.1:0",
        ])
        .args(["--pg", "127.0.0.1:0", "--dir"])
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("demo starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        stdout.read_to_string(&mut out).expect("stdout");
        out
    });
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let (mut addr, mut token, mut log) = (None, None, String::new());
    while token.is_none() {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("demo stopped before serving: {log}"))
            .expect("stderr");
        log.push_str(&line);
        log.push('\n');
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("dashboard"), _) => {
                let url = line.split_whitespace().last().expect("url");
                addr = Some(
                    url.trim_start_matches("http://")
                        .trim_end_matches('/')
                        .to_string(),
                );
            }
            (Some("login"), Some("token")) => token = words.next().map(String::from),
            _ => {}
        }
    }
    let addr = addr.expect("the demo prints its URL");
    let token = token.expect("token");
    let whoami = |token: &str| -> String {
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
        write!(
            stream,
            "GET /api/v1/whoami HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        )
        .expect("request");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("response");
        response
    };
    let answer = whoami(&token);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("\"name\":\"finops\"") && answer.contains("\"admin\":true"),
        "{answer}"
    );
    let forged = whoami(&"0".repeat(token.len()));
    assert!(forged.starts_with("HTTP/1.1 401"), "{forged}");

    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(term.success());
    let status = child.wait().expect("wait");
    assert!(status.success(), "the demo did not stop cleanly: {status}");
    reader.join().expect("stdout reader")
}

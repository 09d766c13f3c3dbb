//! The PostgreSQL protocol with the real psql and psycopg.

use std::process::Command;

use crate::fixture::{self, ADMIN, ADMIN_NAME, UNKNOWN};
use crate::http::BY_ACCOUNT;
use crate::rows::{assert_same, psql_as_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psql_answers_the_rows_of_the_app() {
    let server = fixture::start().await;
    let expected = server.app_rows(BY_ACCOUNT).await;
    let output = server.psql(ADMIN_NAME, ADMIN, &["-c", BY_ACCOUNT]);
    assert!(
        output.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = psql_as_text(&output.stdout);
    // psql prints timestamps as PostgreSQL does: compare the other columns.
    let strip = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
        rows.iter().map(|r| r[..3].to_vec()).collect()
    };
    assert_same(&strip(&expected), &strip(&rows), "psql rows");
    for row in &rows {
        assert!(row[3].starts_with("20"), "a timestamp: {row:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_session_statements_are_answered_by_the_wire_layer() {
    let server = fixture::start().await;
    let output = server.psql(
        ADMIN_NAME,
        ADMIN,
        &[
            "-c",
            "SET extra_float_digits = 3",
            "-c",
            "SET application_name TO 'cost report'",
            "-c",
            "SHOW application_name",
            "-c",
            "SELECT version()",
            "-c",
            "SHOW transaction_read_only",
            "-c",
            "SELECT current_database()",
            "-c",
            "BEGIN",
            "-c",
            "SELECT count(*) FROM cur",
            "-c",
            "COMMIT",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "SET");
    assert_eq!(lines[1], "SET");
    assert_eq!(lines[2], "cost report");
    assert!(lines[3].starts_with("PostgreSQL 16"), "{stdout}");
    assert_eq!(lines[4], "on");
    assert_eq!(lines[5], "costscope");
    assert_eq!(lines[6], "BEGIN");
    assert!(lines[7].parse::<u64>().is_ok_and(|n| n > 0), "{stdout}");
    assert_eq!(lines[8], "COMMIT");

    // Engine settings are not client settings: they reach the engine (and its errors).
    let output = server.psql(ADMIN_NAME, ADMIN, &["-c", "SELEC 1"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ERROR"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_password_or_user_is_refused() {
    let server = fixture::start().await;
    for (user, password) in [(ADMIN_NAME, UNKNOWN), ("bob", ADMIN), (ADMIN_NAME, "")] {
        let output = server.psql(user, password, &["-c", "SELECT 1"]);
        assert!(!output.status.success(), "{user}/{password} accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr
                .to_lowercase()
                .contains("password authentication failed")
                || stderr.contains("no password supplied"),
            "{user}: {stderr}"
        );
    }
    let output = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user={ADMIN_NAME} dbname=postgres sslmode=disable",
            server.pg.port()
        ))
        .args(["-X", "-c", "SELECT 1"])
        .env("PGPASSWORD", ADMIN)
        .output()
        .expect("psql");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("database \"postgres\" does not exist"),
        "{stderr}"
    );
}

const PSYCOPG_CLIENT: &str = r#"
import json, sys, psycopg
host, port, user, password = sys.argv[1:5]
out = {}
with psycopg.connect(host=host, port=int(port), user=user, password=password,
                     dbname="costscope", sslmode="disable") as conn:
    # Extended protocol with bound parameters of several types.
    cur = conn.execute(
        "SELECT line_item_usage_account_name AS account, count(*) AS lines, "
        "round(sum(line_item_unblended_cost), 4) AS cost "
        "FROM cur WHERE line_item_usage_account_name LIKE %s AND line_item_unblended_cost > %s "
        "AND line_item_usage_start_date >= %s GROUP BY 1 ORDER BY 1",
        ["App-Team-%", 0.0, "2000-01-01"])
    out["columns"] = [d.name for d in cur.description]
    out["rows"] = [[str(v) for v in row] for row in cur.fetchall()]
    # The same statement prepared once and executed with other values.
    with conn.cursor() as c:
        c.execute("SELECT %s::bigint + 1 AS next, %s AS word, %s AS flag", [41, "it's", True],
                  prepare=True)
        out["typed"] = [str(v) for v in c.fetchone()]
    # Binary results.
    with conn.cursor(binary=True) as c:
        c.execute("SELECT count(*) AS n, max(line_item_unblended_cost) AS top FROM cur "
                  "WHERE line_item_usage_account_name = %s", ["App-Team-Prod"])
        out["binary"] = [str(v) for v in c.fetchone()]
    # A bad statement is an error, and the session goes on.
    try:
        conn.execute("SELECT * FROM no_such_table")
    except psycopg.Error as e:
        out["error"] = e.sqlstate
    conn.rollback()
    out["after"] = conn.execute("SELECT 2 AS two").fetchone()[0]
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn psycopg_binds_parameters_over_the_extended_protocol() {
    let server = fixture::start().await;
    let python = fixture::python();
    let output = Command::new(python)
        .args(["-c", PSYCOPG_CLIENT, "127.0.0.1"])
        .arg(server.pg.port().to_string())
        .args([ADMIN_NAME, ADMIN])
        .output()
        .expect("python");
    assert!(
        output.status.success(),
        "psycopg client failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        answer["columns"],
        serde_json::json!(["account", "lines", "cost"])
    );
    let expected = server
        .app_rows(
            "SELECT line_item_usage_account_name AS account, count(*) AS lines, \
             round(sum(line_item_unblended_cost), 4) AS cost FROM cur \
             WHERE line_item_usage_account_name LIKE 'App-Team-%' \
             AND line_item_unblended_cost > 0.0 GROUP BY 1 ORDER BY 1",
        )
        .await;
    let rows = crate::rows::json_as_text(&answer["rows"]);
    assert_same(&expected, &rows, "psycopg rows");
    assert_eq!(answer["typed"], serde_json::json!(["42", "it's", "True"]));
    let binary = server
        .app_rows(
            "SELECT count(*), max(line_item_unblended_cost) FROM cur \
             WHERE line_item_usage_account_name = 'App-Team-Prod'",
        )
        .await;
    assert_same(
        &binary,
        &crate::rows::json_as_text(&serde_json::json!([answer["binary"]])),
        "binary rows",
    );
    assert_eq!(answer["error"], "42000");
    assert_eq!(answer["after"], 2);
}

//! `--access FILE --as NAME`: any command run as a principal sees what it sees;
//! `access check` validates a file with `file:line:column` errors; `access token` makes
//! tokens that authenticate.

use std::path::{Path, PathBuf};

use crate::cli::{costscope, fails, ingested_lake, ok};

fn access_file(dir: &Path) -> PathBuf {
    let token = costscope_query::access::token_sha256;
    let text = format!(
        "principals:
  - name: alice
    token_sha256: {}
    roles: [finops]
  - name: app-dev
    token_sha256: {}
    roles: [app-team]
roles:
  finops:
    admin: true
  app-team:
    grants:
      - tables: [cur]
        permissions: [select, describe]
        rows: \"line_item_usage_account_name LIKE 'App-Team-%'\"
        columns: {{exclude: [line_item_unblended_rate]}}
",
        token("alice-token"),
        token("app-dev-token")
    );
    let path = dir.join("access.yaml");
    std::fs::write(&path, text).expect("write access file");
    path
}

#[test]
fn a_command_run_as_a_principal_sees_only_its_rows() {
    let lake = ingested_lake();
    let access = access_file(lake.path());
    let accounts = |who: Option<&str>| -> String {
        let mut command = costscope(lake.path());
        command.arg("--access").arg(&access);
        if let Some(who) = who {
            command.args(["--as", who]);
        }
        ok(command.args(["cost", "--group-by", "account", "--format", "csv"]))
    };
    let everything = accounts(None);
    assert!(everything.contains("Shared-Services"), "{everything}");
    let app_team = accounts(Some("app-dev"));
    assert!(app_team.contains("App-Team-Prod"), "{app_team}");
    assert!(!app_team.contains("Shared-Services"), "{app_team}");
    for line in app_team.lines().skip(1) {
        assert!(line.contains("App-Team-"), "{line}");
    }
    let hidden = fails(costscope(lake.path()).arg("--access").arg(&access).args([
        "--as",
        "app-dev",
        "sql",
        "SELECT line_item_unblended_rate FROM cur",
    ]));
    assert_eq!(hidden.status.code(), Some(1));
    let listed = ok(costscope(lake.path())
        .arg("--access")
        .arg(&access)
        .args(["--as", "app-dev", "tables", "--format", "csv"]));
    for line in listed.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], "cur", "{listed}");
        assert_eq!(
            (cells[2], cells[3]),
            ("", ""),
            "no file or row counts: {listed}"
        );
    }
    let unknown = fails(
        costscope(lake.path())
            .arg("--access")
            .arg(&access)
            .args(["--as", "mallory", "tables"]),
    );
    let message = String::from_utf8_lossy(&unknown.stderr);
    assert!(message.contains("no principal `mallory`"), "{message}");
}

#[test]
fn access_check_lists_grants_and_names_mistakes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let access = access_file(dir.path());
    let listed = ok(costscope(dir.path())
        .arg("--access")
        .arg(&access)
        .args(["access", "check", "--format", "csv"]));
    assert!(
        listed.starts_with("principal,workgroup,table,permissions,rows,hidden\n"),
        "{listed}"
    );
    assert!(listed.contains("app-dev,,cur,\"select, describe\",line_item_usage_account_name LIKE 'App-Team-%',line_item_unblended_rate"), "{listed}");
    let text = std::fs::read_to_string(&access).expect("read");
    std::fs::write(
        &access,
        text.replace(
            "permissions: [select, describe]",
            "permissions: [select, delete]",
        ),
    )
    .expect("write");
    let refused = fails(
        costscope(dir.path())
            .arg("--access")
            .arg(&access)
            .args(["access", "check"]),
    );
    assert_eq!(refused.status.code(), Some(1));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains(&format!("{}:14:", access.display()))
            && message.contains("unknown permission `delete`"),
        "{message}"
    );
}

#[test]
fn a_new_token_authenticates_through_its_hash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = ok(costscope(dir.path()).args(["access", "token"]));
    let value = |label: &str| -> String {
        out.lines()
            .find_map(|l| l.strip_prefix(label))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("{label} in {out}"))
    };
    let (token, hash) = (value("token:"), value("token_sha256:"));
    assert_eq!(token.len(), 64);
    assert_eq!(costscope_query::access::token_sha256(&token), hash);
    let again = ok(costscope(dir.path()).args(["access", "token"]));
    assert_ne!(out, again, "tokens are random");
}

//! Access files: a wrong one is refused with `file:line:column` and what is wrong; tokens
//! find their principal and nothing else.

use std::path::Path;

use costscope_core::ErrorKind;
use costscope_query::Access;

use super::ACCESS;

fn error_of(text: &str) -> String {
    Access::parse(text, "access.yaml", Path::new("."))
        .expect_err("should be refused")
        .to_string()
}

#[test]
fn the_tests_access_file_is_valid_and_resolves() {
    let access = Access::parse(ACCESS, "access.yaml", Path::new(".")).expect("valid");
    let alice = access.authenticate_token("alice-token").expect("alice");
    assert!(alice.is_admin());
    assert!(alice.may_change_state());
    let dev = access.authenticate_token("app-dev-token").expect("app-dev");
    assert_eq!(dev.name, "app-dev");
    assert!(!dev.is_admin());
    assert!(!dev.may_change_state());
    assert_eq!(dev.workgroup().map(|w| w.name.as_str()), Some("app-team"));
    let grant = dev.table("cur").expect("cur granted");
    assert!(grant.hidden_columns.contains("line_item_unblended_rate"));
    assert!(dev.table("flow_logs").is_none());
    let unknown = access
        .authenticate_token("alice-token ")
        .expect_err("unknown");
    assert_eq!(unknown.kind(), ErrorKind::Unauthenticated);
    assert!(dev.in_workgroup("other").is_err());
}

#[test]
fn each_mistake_names_its_line_and_column() {
    let cases = [
        (
            ACCESS.replace(
                "rows: \"app IN ('clickstream')\"",
                "rows: \"apps IN ('clickstream')\"",
            ),
            "access.yaml:28:",
            "apps",
        ),
        (
            ACCESS.replace("tables: [business_metrics]", "tables: [business_metric]"),
            "access.yaml:26:",
            "unknown table `business_metric`",
        ),
        (
            ACCESS.replace("tables: [business_metrics]", "tables: [cur_amortized]"),
            "access.yaml:26:",
            "view",
        ),
        (
            ACCESS.replace("permissions: [select]\n", "permissions: [selekt]\n"),
            "access.yaml:27:",
            "unknown permission `selekt`",
        ),
        (
            ACCESS.replace("roles: [describer]", "roles: [describers]"),
            "access.yaml:11:",
            "unknown role `describers`",
        ),
        (
            ACCESS.replace("workgroup: app-team", "workgroup: app-teem"),
            "access.yaml:19:",
            "unknown workgroup",
        ),
        (
            ACCESS.replace("timeout: 60s", "timeout: soon"),
            "access.yaml:35:",
            "duration",
        ),
        (
            ACCESS.replace(&token_of("app-dev-token")[..4], "zz"),
            "access.yaml:7:",
            "64 hexadecimal",
        ),
        (
            ACCESS.replace("line_item_blended_rate,", "line_item_blended_rte,"),
            "access.yaml:25:",
            "unknown column `line_item_blended_rte`",
        ),
        (
            ACCESS.replace(
                "\"resource_tags['user_department']\"",
                "\"line_item_usage_type['x']\"",
            ),
            "access.yaml:25:",
            "not a map",
        ),
        (
            ACCESS.replace(
                "rows: \"line_item_usage_account_name LIKE 'App-Team-%'\"",
                "rows: \"line_item_usage_amount + 1\"",
            ),
            "access.yaml:23:",
            "not a condition",
        ),
        (
            ACCESS.replace("  nobody: {}", "  nobody: {grantz: []}"),
            "access.yaml:",
            "grantz",
        ),
        (
            ACCESS.replace(
                "principals:\n",
                &format!(
                    "principals:\n  - name: alice\n    token_sha256: {}\n",
                    token_of("x")
                ),
            ),
            "access.yaml:",
            "defined twice",
        ),
    ];
    for (text, location, message) in cases {
        let error = error_of(&text);
        assert!(error.starts_with(location), "{location}: {error}");
        assert!(error.contains(message), "{message}: {error}");
    }
}

#[test]
fn a_file_on_disk_is_named_in_its_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("access.yaml");
    std::fs::write(&path, "roles:\n  r:\n    admin: maybe\n").expect("write");
    let error = Access::load(&path).expect_err("bad").to_string();
    assert!(
        error.starts_with(&format!("{}:3:", path.display())),
        "{error}"
    );
    let missing = Access::load(&dir.path().join("none.yaml")).expect_err("missing");
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

fn token_of(token: &str) -> String {
    costscope_query::access::token_sha256(token)
}

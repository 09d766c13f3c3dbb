//! Bad rules files fail at the line and column of the mistake.

use costscope_analytics::Error;
use costscope_analytics::allocation::{Field, Owner, Pattern, Rules, Split};

/// The `line:column` and message of the error `text` gives.
fn error_at(text: &str) -> (String, String) {
    match Rules::parse(text, "rules.yaml").expect_err("should be refused") {
        Error::InvalidFile { location, message } => {
            assert_eq!(location.origin, "rules.yaml");
            (format!("{}:{}", location.line, location.column), message)
        }
        other => panic!("not a file error: {other}"),
    }
}

#[track_caller]
fn assert_error(text: &str, at: &str, mentions: &str) {
    let (position, message) = error_at(text);
    assert_eq!(position, at, "{message}");
    assert!(
        message.contains(mentions),
        "{message} should mention {mentions}"
    );
}

const TEAMS: &str = "teams: [a, b]\n";

#[test]
fn syntax_errors_point_into_the_file() {
    let (position, _) = error_at("teams: [a, b\nrules:\n  - team: a\n");
    assert_ne!(position, "1:1");
    assert!(
        position.starts_with('2') || position.starts_with('3'),
        "{position}"
    );
}

#[test]
fn unknown_fields_are_refused_where_they_stand() {
    assert_error(
        &format!("{TEAMS}rules:\n  - team: a\n    acount_name: x\n"),
        "4:5",
        "acount_name",
    );
    assert_error(&format!("{TEAMS}rule: []\n"), "2:1", "rule");
    assert_error(
        &format!("{TEAMS}shared:\n  p:\n    split: even\n    too: [a]\n"),
        "5:5",
        "too",
    );
}

#[test]
fn unknown_teams_and_pools_are_named() {
    assert_error(
        &format!("{TEAMS}rules:\n  - team: c\n    service: AmazonEC2\n"),
        "3:11",
        "unknown team `c`",
    );
    assert_error(
        &format!("{TEAMS}rules:\n  - shared: tax\n    line_item_type: Tax\n"),
        "3:13",
        "unknown shared pool `tax`",
    );
    assert_error(
        &format!("{TEAMS}shared:\n  p:\n    split: even\n    to: [a, zed]\n"),
        "5:13",
        "unknown team `zed`",
    );
    assert_error(
        &format!("{TEAMS}shared:\n  p:\n    split:\n      fixed: {{a: 50, c: 50}}\n"),
        "5:22",
        "unknown team `c`",
    );
}

#[test]
fn percentages_must_sum_to_one_hundred() {
    assert_error(
        &format!("{TEAMS}shared:\n  p:\n    split:\n      fixed:\n        a: 60\n        b: 30\n"),
        "5:12",
        "sum to 100, not 90",
    );
    assert_error(
        &format!("{TEAMS}shared:\n  p:\n    split: {{fixed: {{a: 150, b: -50}}}}\n"),
        "4:32",
        "from 0 to 100",
    );
    assert_error(
        &format!("{TEAMS}shared:\n  p:\n    split: {{fixed: {{a: lots}}}}\n"),
        "4:24",
        "float",
    );
}

#[test]
fn teams_are_declared_once_and_never_reserved() {
    assert_error("teams:\n  - a\n  - b\n  - a\n", "4:5", "declared twice");
    assert_error("teams: [a, unallocated]\n", "1:12", "reserved");
    assert_error("teams: [a, 'shared:x']\n", "1:12", "reserved");
    assert_error("teams: []\n", "1:8", "at least one team");
}

#[test]
fn rules_need_an_owner_and_a_condition() {
    assert_error(
        &format!("{TEAMS}rules:\n  - team: a\n  - team: b\n    service: x\n"),
        "3:11",
        "at least one condition",
    );
    assert_error(
        &format!("{TEAMS}rules:\n  - service: x\n"),
        "3:12",
        "needs an owner",
    );
    assert_error(
        &format!(
            "{TEAMS}rules:\n  - team: a\n    shared: p\n    service: x\nshared:\n  p: {{split: even}}\n"
        ),
        "3:11",
        "not both",
    );
}

#[test]
fn bad_patterns_are_refused_at_the_value() {
    assert_error(
        &format!("{TEAMS}rules:\n  - team: a\n    account_name: ['ok', '/(unclosed/']\n"),
        "4:26",
        "regular expression",
    );
    assert_error(
        &format!("{TEAMS}rules:\n  - team: a\n    usage_type: '100\\%\\'\n"),
        "4:17",
        "LIKE",
    );
    assert_error(
        &format!("{TEAMS}rules:\n  - team: a\n    tag: {{team: []}}\n"),
        "4:17",
        "at least one value",
    );
    assert_error(
        &format!("{TEAMS}rules:\n  - team: a\n    service: ''\n"),
        "4:14",
        "empty pattern",
    );
}

#[test]
fn a_valid_file_reads_as_written() {
    let rules = Rules::parse(
        "teams: [a, b]\n\
         rules:\n\
         \x20 - {team: a, tag: {team: [x, 'y%']}, account_id: 222222222222}\n\
         \x20 - {shared: p, line_item_type: Tax, priority: 5}\n\
         \x20 - {team: b, cost_category: {business_unit: /^Sal/}}\n\
         shared:\n\
         \x20 p: {split: proportional, to: [b]}\n",
        "inline",
    )
    .expect("valid");
    assert_eq!(rules.teams(), ["a", "b"]);
    // The higher priority comes first.
    assert_eq!(rules.rules()[0].owner, Owner::Pool("p".into()));
    assert_eq!(rules.rules()[1].owner, Owner::Team("a".into()));
    let conditions = &rules.rules()[1].conditions;
    assert_eq!(conditions[0].field, Field::AccountId);
    assert_eq!(
        conditions[0].patterns,
        [Pattern::Exact("222222222222".into())]
    );
    assert_eq!(conditions[1].field, Field::Tag("user_team".into()));
    assert_eq!(
        conditions[1].patterns,
        [Pattern::Exact("x".into()), Pattern::Like("y%".into())]
    );
    assert_eq!(rules.pools()[0].split, Split::Proportional);
    assert_eq!(rules.pools()[0].recipients, ["b"]);
    let sql = rules.owner_sql();
    assert!(
        sql.starts_with("CASE WHEN line_item_line_item_type = 'Tax' THEN 'shared:p' WHEN "),
        "{sql}"
    );
    assert!(sql.ends_with(" ELSE 'unallocated' END"), "{sql}");
    assert!(
        sql.contains("regexp_like(cost_category['business_unit'], '^Sal')"),
        "{sql}"
    );
}

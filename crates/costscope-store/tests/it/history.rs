//! Query history: recorded with its audit entry, visible per workgroup.

use costscope_store::Store;
use costscope_store::audit::{NewEntry, Outcome};
use costscope_store::history::{HistoryFilter, HistoryScope, NewQuery};

fn query(principal: &str, workgroup: Option<&str>, sql: &str, ok: bool) -> (NewEntry, NewQuery) {
    let entry = NewEntry {
        principal: principal.into(),
        workgroup: workgroup.map(str::to_string),
        action: "sql".into(),
        parameters: serde_json::json!({ "query": sql }),
        outcome: if ok {
            Outcome::Ok
        } else {
            Outcome::Error {
                kind: "user".into(),
                message: "no table `nope`".into(),
            }
        },
        rows: ok.then_some(3),
    };
    let query = NewQuery {
        started_at: costscope_store::audit::now(),
        query: sql.into(),
        duration_ms: 12,
        scanned_bytes: ok.then_some(4096),
    };
    (entry, query)
}

fn all(scope: HistoryScope) -> HistoryFilter {
    HistoryFilter {
        scope,
        workgroup: None,
        since: None,
        limit: None,
    }
}

fn filled() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::for_lake(dir.path()).expect("store");
    for (principal, workgroup, sql, ok) in [
        ("app-dev", Some("app-team"), "SELECT 1", true),
        ("app-dev-2", Some("app-team"), "SELECT * FROM nope", false),
        ("data-dev", Some("data-team"), "SELECT 2", true),
        ("alice", None, "SELECT 3", true),
        ("app-dev", None, "SELECT 4", true),
    ] {
        let (entry, query) = query(principal, workgroup, sql, ok);
        store.record_query(&entry, &query).expect("record");
    }
    (dir, store)
}

fn texts(records: &[costscope_store::history::QueryRecord]) -> Vec<&str> {
    records.iter().map(|r| r.query.as_str()).collect()
}

#[test]
fn each_query_is_recorded_with_its_audit_entry() {
    let (_dir, store) = filled();
    let records = store
        .query_history(&all(HistoryScope::All))
        .expect("history");
    assert_eq!(records.len(), 5);
    let failed = records
        .iter()
        .find(|r| r.status == "error")
        .expect("failed");
    assert_eq!(failed.message.as_deref(), Some("no table `nope`"));
    assert_eq!(failed.error_kind.as_deref(), Some("user"));
    assert_eq!((failed.rows, failed.scanned_bytes), (None, None));
    let first = records.last().expect("oldest last");
    assert_eq!(
        (
            first.principal.as_str(),
            first.workgroup.as_deref(),
            first.rows
        ),
        ("app-dev", Some("app-team"), Some(3))
    );
    assert_eq!((first.duration_ms, first.scanned_bytes), (12, Some(4096)));
    let entries = store.audit_entries(&Default::default()).expect("log");
    for record in &records {
        let entry = &entries[record.audit_seq as usize - 1];
        assert_eq!(entry.action, "sql");
        assert_eq!(entry.principal, record.principal);
        assert!(entry.parameters.contains(&record.query));
    }
    assert!(store.verify_audit(None).expect("verify").intact());
}

#[test]
fn members_see_their_workgroups_and_their_own_queries_only() {
    let (_dir, store) = filled();
    let member = HistoryScope::Member {
        principal: "app-dev".into(),
        workgroups: vec!["app-team".into()],
    };
    let seen = store.query_history(&all(member.clone())).expect("history");
    assert_eq!(texts(&seen), ["SELECT 4", "SELECT * FROM nope", "SELECT 1"]);
    let other = store
        .query_history(&HistoryFilter {
            workgroup: Some("data-team".into()),
            ..all(member)
        })
        .expect("history");
    assert!(
        other.is_empty(),
        "another workgroup does not exist for a member"
    );
    let admin = store
        .query_history(&HistoryFilter {
            workgroup: Some("data-team".into()),
            ..all(HistoryScope::All)
        })
        .expect("history");
    assert_eq!(texts(&admin), ["SELECT 2"]);
    let nobody = HistoryScope::Member {
        principal: "bob".into(),
        workgroups: vec![],
    };
    assert!(
        store
            .query_history(&all(nobody))
            .expect("history")
            .is_empty()
    );
}

#[test]
fn the_latest_come_first_and_limit_and_since_apply() {
    let (_dir, store) = filled();
    let latest = store
        .query_history(&HistoryFilter {
            limit: Some(2),
            ..all(HistoryScope::All)
        })
        .expect("history");
    assert_eq!(texts(&latest), ["SELECT 4", "SELECT 3"]);
    let future = store
        .query_history(&HistoryFilter {
            since: Some("2999-01-01T00:00:00.000000Z".into()),
            ..all(HistoryScope::All)
        })
        .expect("history");
    assert!(future.is_empty());
}

//! The audit log: an intact log verifies; each kind of tampering is named at the first bad
//! entry; appends stay one chain under concurrency and refuse to continue a log that no
//! longer matches its anchor.

use costscope_core::ErrorKind;
use costscope_store::audit::verify::{Fault, Verification};
use costscope_store::audit::{AuditFilter, chain};
use costscope_store::{Error, Store};

use crate::tamper::{anchor, entries, forged, insert, logged, sample, tamper, write_anchor};

/// The untampered log.
const MANY: u64 = 1000;
/// The logs that are tampered with.
const SOME: u64 = 300;

fn fault(verification: &Verification) -> (u64, Fault) {
    let problem = verification
        .problem
        .as_ref()
        .unwrap_or_else(|| panic!("expected a problem: {verification:?}"));
    (problem.seq, problem.fault)
}

#[test]
fn an_untampered_log_of_many_entries_verifies() {
    let (dir, store) = logged(MANY);
    let verification = store.verify_audit(None).expect("verify");
    assert!(verification.intact(), "{verification:?}");
    assert_eq!(verification.entries, MANY);
    assert_eq!(verification.head, verification.anchor);
    let last = store.audit_head().expect("head").expect("entries");
    assert_eq!(last.seq, MANY);
    // The head kept elsewhere is found, and so is an older one.
    let older = entries(dir.path())[100].hash.clone();
    for head in [last.hash.as_str(), older.as_str()] {
        assert!(store.verify_audit(Some(head)).expect("verify").intact());
    }
    // Reopening the store changes nothing.
    drop(store);
    let store = Store::for_lake(dir.path()).expect("reopen");
    assert!(store.verify_audit(None).expect("verify").intact());
}

#[test]
fn an_empty_log_without_an_anchor_is_intact() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::for_lake(dir.path()).expect("store");
    let verification = store.verify_audit(None).expect("verify");
    assert!(verification.intact());
    assert_eq!(verification.entries, 0);
}

#[test]
fn an_edited_entry_is_named() {
    let (dir, store) = logged(SOME);
    tamper(
        dir.path(),
        "UPDATE audit_log SET rows_returned = 0 WHERE seq = 250",
    );
    let verification = store.verify_audit(None).expect("verify");
    assert_eq!(fault(&verification), (250, Fault::Altered));
    let detail = &verification.problem.expect("problem").detail;
    assert!(detail.contains("edited"), "{detail}");
}

#[test]
fn an_edited_entry_with_its_own_hash_recomputed_breaks_the_next_link() {
    let (dir, store) = logged(SOME);
    let mut edited = entries(dir.path())[249].clone();
    edited.principal = "someone-else".into();
    edited.hash = chain::hash(&edited);
    tamper(dir.path(), "DELETE FROM audit_log WHERE seq = 250");
    insert(dir.path(), &edited);
    assert_eq!(
        fault(&store.verify_audit(None).expect("verify")),
        (251, Fault::Unlinked)
    );
}

#[test]
fn a_deleted_entry_is_named() {
    let (dir, store) = logged(SOME);
    tamper(dir.path(), "DELETE FROM audit_log WHERE seq = 150");
    let verification = store.verify_audit(None).expect("verify");
    assert_eq!(fault(&verification), (150, Fault::Missing));
    tamper(dir.path(), "DELETE FROM audit_log WHERE seq = 151");
    let detail = store
        .verify_audit(None)
        .expect("verify")
        .problem
        .expect("bad")
        .detail;
    assert!(
        detail.contains("entries 150 to 151 are missing"),
        "{detail}"
    );
}

#[test]
fn reordered_entries_are_named() {
    let (dir, store) = logged(SOME);
    // Swap two entries' sequence numbers (the rows keep their contents and hashes).
    tamper(
        dir.path(),
        "UPDATE audit_log SET seq = -1 WHERE seq = 200;
         UPDATE audit_log SET seq = 200 WHERE seq = 201;
         UPDATE audit_log SET seq = 201 WHERE seq = -1;",
    );
    assert_eq!(
        fault(&store.verify_audit(None).expect("verify")),
        (200, Fault::Altered)
    );
}

#[test]
fn reordered_entries_with_recomputed_hashes_break_the_chain() {
    let (dir, store) = logged(SOME);
    let all = entries(dir.path());
    let (mut first, mut second) = (all[200].clone(), all[199].clone());
    first.seq = 200;
    second.seq = 201;
    first.hash = chain::hash(&first);
    second.hash = chain::hash(&second);
    tamper(dir.path(), "DELETE FROM audit_log WHERE seq IN (200, 201)");
    insert(dir.path(), &first);
    insert(dir.path(), &second);
    assert_eq!(
        fault(&store.verify_audit(None).expect("verify")),
        (200, Fault::Unlinked)
    );
}

#[test]
fn an_inserted_entry_is_named() {
    let (dir, store) = logged(SOME);
    // Make room at 100 and insert a well-formed entry chained to 99.
    tamper(
        dir.path(),
        "UPDATE audit_log SET seq = -(seq + 1) WHERE seq >= 100;
         UPDATE audit_log SET seq = -seq WHERE seq < 0;",
    );
    let previous = entries(dir.path())[98].hash.clone();
    insert(dir.path(), &forged(100, &previous));
    assert_eq!(
        fault(&store.verify_audit(None).expect("verify")),
        (101, Fault::Altered)
    );
}

#[test]
fn an_entry_appended_outside_costscope_is_named() {
    let (dir, store) = logged(SOME);
    let last = entries(dir.path()).pop().expect("last");
    insert(dir.path(), &forged(SOME + 1, &last.hash));
    assert_eq!(
        fault(&store.verify_audit(None).expect("verify")),
        (SOME + 1, Fault::Unanchored)
    );
}

#[test]
fn truncation_is_caught_by_the_anchor() {
    let (dir, store) = logged(SOME);
    tamper(
        dir.path(),
        &format!("DELETE FROM audit_log WHERE seq > {}", SOME - 3),
    );
    let verification = store.verify_audit(None).expect("verify");
    assert_eq!(fault(&verification), (SOME - 2, Fault::Truncated));
    assert_eq!(verification.entries, SOME - 3);
}

#[test]
fn truncation_with_the_anchor_rewritten_is_caught_only_by_a_head_kept_elsewhere() {
    let (dir, store) = logged(SOME);
    let kept = store.audit_head().expect("head").expect("entries").hash;
    tamper(
        dir.path(),
        &format!("DELETE FROM audit_log WHERE seq > {}", SOME - 3),
    );
    let new_last = entries(dir.path()).pop().expect("last");
    write_anchor(dir.path(), new_last.seq, &new_last.hash);
    // The documented limit: log and anchor cut together look intact from inside.
    assert!(store.verify_audit(None).expect("verify").intact());
    let verification = store.verify_audit(Some(&kept)).expect("verify");
    assert_eq!(fault(&verification), (SOME - 2, Fault::Truncated));
    assert!(
        verification.problem.expect("bad").detail.contains(&kept),
        "names the head"
    );
}

#[test]
fn a_rewritten_tail_is_caught_by_the_anchor() {
    let (dir, store) = logged(SOME);
    // Rewrite the last two entries with a valid chain of the attacker's own.
    let all = entries(dir.path());
    let first = forged(SOME - 1, &all[(SOME - 3) as usize].hash);
    let second = forged(SOME, &first.hash);
    tamper(
        dir.path(),
        &format!("DELETE FROM audit_log WHERE seq >= {}", SOME - 1),
    );
    insert(dir.path(), &first);
    insert(dir.path(), &second);
    assert_eq!(
        fault(&store.verify_audit(None).expect("verify")),
        (SOME, Fault::Rewritten)
    );
}

#[test]
fn a_removed_or_garbled_anchor_is_named() {
    let (dir, store) = logged(20);
    std::fs::write(anchor(dir.path()), "not json").expect("garble");
    assert_eq!(
        fault(&store.verify_audit(None).expect("verify")),
        (20, Fault::NoAnchor)
    );
    std::fs::remove_file(anchor(dir.path())).expect("remove");
    assert_eq!(
        fault(&store.verify_audit(None).expect("verify")),
        (20, Fault::NoAnchor)
    );
}

#[test]
fn appends_to_a_log_that_left_its_anchor_are_refused_until_reanchored() {
    let (dir, store) = logged(50);
    tamper(dir.path(), "DELETE FROM audit_log WHERE seq > 47");
    let error = store.append_audit(&sample(51)).expect_err("refused");
    assert!(matches!(error, Error::AuditHeadMismatch { .. }), "{error}");
    assert_eq!(error.kind(), ErrorKind::Unavailable);
    assert!(error.to_string().contains("entry 50"), "{error}");
    assert_eq!(entries(dir.path()).len(), 47, "nothing recorded");

    let reanchored = store.reanchor_audit("alice", None).expect("reanchor");
    assert_eq!(reanchored.seq, 48);
    assert_eq!(reanchored.action, "audit.reanchor");
    let parameters: serde_json::Value = serde_json::from_str(&reanchored.parameters).expect("json");
    assert_eq!(parameters["anchor"]["seq"], 50);
    assert_eq!(parameters["tail"]["seq"], 47);
    store.append_audit(&sample(49)).expect("appends again");
    assert!(store.verify_audit(None).expect("verify").intact());
}

#[test]
fn a_failed_anchor_write_fails_the_append_and_records_nothing() {
    let (dir, store) = logged(10);
    // A directory where the staged anchor goes: the write fails as it would on a full or
    // read-only disk, whatever the user running the test may do.
    let staged = anchor(dir.path()).with_file_name("audit.head.new");
    std::fs::create_dir(&staged).expect("mkdir");
    let error = store.append_audit(&sample(11)).expect_err("refused");
    assert!(matches!(error, Error::Anchor { .. }), "{error}");
    assert_eq!(error.kind(), ErrorKind::Unavailable);
    assert_eq!(entries(dir.path()).len(), 10);
    std::fs::remove_dir(&staged).expect("rmdir");
    store.append_audit(&sample(11)).expect("append");
    assert!(store.verify_audit(None).expect("verify").intact());
}

#[test]
fn concurrent_appends_from_threads_and_processes_keep_one_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let shared = std::sync::Arc::new(Store::for_lake(dir.path()).expect("store"));
    const THREADS: u64 = 6;
    const EACH: u64 = 40;
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let shared = shared.clone();
            let path = dir.path().to_path_buf();
            scope.spawn(move || {
                // Half the threads share one store, half open their own connection (as
                // separate processes do).
                let own = (thread % 2 == 1).then(|| Store::for_lake(&path).expect("open"));
                let store = own.as_ref().unwrap_or(&shared);
                for n in 0..EACH {
                    store
                        .append_audit(&sample(thread * 1000 + n))
                        .expect("append");
                }
            });
        }
    });
    let verification = shared.verify_audit(None).expect("verify");
    assert!(verification.intact(), "{verification:?}");
    assert_eq!(verification.entries, THREADS * EACH);
    let all = entries(dir.path());
    assert!(all.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1));
}

#[test]
fn the_log_lists_by_time_principal_and_action() {
    let (_dir, store) = logged(40);
    let all = store.audit_entries(&AuditFilter::default()).expect("list");
    assert_eq!(all.len(), 40);
    let alice = store
        .audit_entries(&AuditFilter {
            principal: Some("alice".into()),
            ..AuditFilter::default()
        })
        .expect("list");
    assert_eq!(alice.len(), 20);
    assert!(alice.iter().all(|e| e.principal == "alice"));
    let changes = store
        .audit_entries(&AuditFilter {
            action: Some("recommendation.*".into()),
            limit: Some(3),
            ..AuditFilter::default()
        })
        .expect("list");
    let seqs: Vec<u64> = changes.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [30, 34, 38], "the last three, oldest first");
    let exact = store
        .audit_entries(&AuditFilter {
            action: Some("recommendation".into()),
            ..AuditFilter::default()
        })
        .expect("list");
    assert!(exact.is_empty(), "an action without `*` is matched exactly");
    let since = all[10].at.clone();
    let later: Vec<u64> = store
        .audit_entries(&AuditFilter {
            since: Some(since.clone()),
            ..AuditFilter::default()
        })
        .expect("list")
        .iter()
        .map(|e| e.seq)
        .collect();
    let expected: Vec<u64> = all
        .iter()
        .filter(|e| e.at >= since)
        .map(|e| e.seq)
        .collect();
    assert_eq!(later, expected);
    assert!(later.contains(&11) && !later.contains(&10) || all[9].at == since);
    let future = store
        .audit_entries(&AuditFilter {
            since: Some("2999-01-01T00:00:00.000000Z".into()),
            ..AuditFilter::default()
        })
        .expect("list");
    assert!(future.is_empty());
}

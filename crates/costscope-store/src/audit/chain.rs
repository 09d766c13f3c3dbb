//! The canonical encoding of an audit entry and its hash (`docs/audit.md` gives the same
//! rules for a third party's verifier).
//!
//! The encoding is the entry's fields in a fixed order, each as a netstring
//! (`<byte length>:<UTF-8 bytes>,`) or, when absent, the single byte `-` (a netstring starts
//! with a digit, so the two never clash), preceded by the version tag `costscope-audit-1`.
//! Numbers are decimal text; `parameters` is the stored JSON text byte for byte. The hash
//! is the lowercase hex SHA-256 of the encoding, and each entry's encoding ends with the
//! hash of the entry before it, so changing any entry changes every hash after it.

use sha2::{Digest, Sha256};

use super::Entry;

/// The previous hash of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Names the encoding, so that a future change of fields cannot be mistaken for this one.
const VERSION: &str = "costscope-audit-1";

/// The bytes that are hashed: every field of `entry` but its own hash.
pub fn encode(entry: &Entry) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + entry.parameters.len());
    let seq = entry.seq.to_string();
    let rows = entry.rows.map(|r| r.to_string());
    let fields = [
        Some(VERSION),
        Some(seq.as_str()),
        Some(entry.at.as_str()),
        Some(entry.principal.as_str()),
        entry.workgroup.as_deref(),
        Some(entry.action.as_str()),
        Some(entry.parameters.as_str()),
        Some(entry.status.as_str()),
        entry.error_kind.as_deref(),
        entry.message.as_deref(),
        rows.as_deref(),
        Some(entry.previous_hash.as_str()),
    ];
    for field in fields {
        match field {
            Some(text) => {
                out.extend_from_slice(text.len().to_string().as_bytes());
                out.push(b':');
                out.extend_from_slice(text.as_bytes());
                out.push(b',');
            }
            None => out.push(b'-'),
        }
    }
    out
}

/// The hash `entry` must carry: hex SHA-256 of [`encode`].
pub fn hash(entry: &Entry) -> String {
    hex::encode(Sha256::digest(encode(entry)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        Entry {
            seq: 1,
            at: "2026-10-20T08:00:00.000000Z".into(),
            principal: "alice".into(),
            workgroup: None,
            action: "sql".into(),
            parameters: r#"{"query":"SELECT 1"}"#.into(),
            status: "ok".into(),
            error_kind: None,
            message: None,
            rows: Some(1),
            previous_hash: GENESIS.into(),
            hash: String::new(),
        }
    }

    #[test]
    fn the_encoding_is_netstrings_with_dashes_for_absent_fields() {
        let encoded = String::from_utf8(encode(&entry())).expect("utf-8");
        assert_eq!(
            encoded,
            format!(
                "17:costscope-audit-1,1:1,27:2026-10-20T08:00:00.000000Z,5:alice,-3:sql,\
                 20:{{\"query\":\"SELECT 1\"}},2:ok,--1:1,64:{GENESIS},"
            )
        );
    }

    #[test]
    fn lengths_count_bytes_and_absent_differs_from_empty() {
        let mut named = entry();
        named.principal = "zoë".into();
        assert!(
            String::from_utf8(encode(&named))
                .expect("utf-8")
                .contains("4:zoë,")
        );
        let mut empty = entry();
        empty.workgroup = Some(String::new());
        assert_ne!(hash(&empty), hash(&entry()));
        // Moving text between neighbouring fields changes the hash.
        let mut moved = entry();
        moved.principal = "alic".into();
        moved.action = "esql".into();
        assert_ne!(hash(&moved), hash(&entry()));
    }
}

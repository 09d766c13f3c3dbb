//! Checking the audit log: every entry's hash, every link, the sequence, the head anchor
//! and, when given, a head kept elsewhere. The first fault found is named by the sequence
//! number of the first bad entry.

use serde::Serialize;

use super::anchor::{Anchor, Head};
use super::{COLUMNS, chain, read_entry};
use crate::{Result, Store};

/// What is wrong with an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// Its contents do not hash to its recorded hash: edited, or moved from another place.
    Altered,
    /// Its sequence number is missing: deleted.
    Missing,
    /// Its previous hash is not the hash of the entry before it: an entry before it was
    /// replaced, inserted or moved.
    Unlinked,
    /// The log ends before the entry the head anchor (or a head kept elsewhere) names.
    Truncated,
    /// It comes after the anchored entry: appended outside costscope, or an append was
    /// interrupted between its commit and its anchor.
    Unanchored,
    /// It has another hash than the anchor (or a head kept elsewhere) recorded: the log was
    /// rewritten from here on.
    Rewritten,
    /// The log has entries but no readable head anchor.
    NoAnchor,
}

/// The first fault found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The first bad entry.
    pub seq: u64,
    pub fault: Fault,
    /// What is wrong, for people.
    pub detail: String,
}

/// The result of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Entries read.
    pub entries: u64,
    /// The last entry read.
    pub head: Option<Head>,
    /// What the anchor file names (`None`: no anchor, or an in-memory store).
    pub anchor: Option<Head>,
    /// `None` when the log is intact.
    pub problem: Option<Problem>,
}

impl Verification {
    pub fn intact(&self) -> bool {
        self.problem.is_none()
    }
}

fn problem(seq: u64, fault: Fault, detail: String) -> Option<Problem> {
    Some(Problem { seq, fault, detail })
}

impl Store {
    /// Checks the whole log, then the anchor, then `external_head` (a hash printed by
    /// `costscope audit head` earlier and kept elsewhere), which must be the hash of an
    /// entry of the log.
    pub fn verify_audit(&self, external_head: Option<&str>) -> Result<Verification> {
        let mut verification = Verification {
            entries: 0,
            head: None,
            anchor: None,
            problem: None,
        };
        let mut external_seq = None;
        {
            let connection = self.connection();
            let mut statement =
                connection.prepare(&format!("SELECT {COLUMNS} FROM audit_log ORDER BY seq"))?;
            let mut rows = statement.query([])?;
            let mut previous = chain::GENESIS.to_string();
            while let Some(row) = rows.next()? {
                let entry = read_entry(row)?;
                let expected = verification.entries + 1;
                let found = if entry.seq != expected {
                    let gap = if entry.seq == expected + 1 {
                        format!(
                            "entry {expected} is missing (the log goes on at {})",
                            entry.seq
                        )
                    } else {
                        format!(
                            "entries {expected} to {} are missing (the log goes on at {})",
                            entry.seq - 1,
                            entry.seq
                        )
                    };
                    problem(expected, Fault::Missing, gap)
                } else if chain::hash(&entry) != entry.hash {
                    problem(
                        entry.seq,
                        Fault::Altered,
                        format!(
                            "its contents hash to {}, not to its recorded hash {}: it was edited or moved",
                            chain::hash(&entry),
                            entry.hash
                        ),
                    )
                } else if entry.previous_hash != previous {
                    problem(
                        entry.seq,
                        Fault::Unlinked,
                        format!(
                            "it follows an entry with hash {}, but the entry before it has hash {previous}: \
                             an entry before it was replaced, inserted or moved",
                            entry.previous_hash
                        ),
                    )
                } else {
                    None
                };
                if found.is_some() {
                    verification.problem = found;
                    return Ok(verification);
                }
                if external_head == Some(entry.hash.as_str()) {
                    external_seq = Some(entry.seq);
                }
                verification.entries = entry.seq;
                verification.head = Some(entry.head());
                previous = entry.hash;
            }
        }
        if let Some(anchor) = self.path().map(Anchor::beside) {
            let last = verification.entries;
            match anchor.read() {
                Ok(anchored) => {
                    verification.anchor = anchored.clone();
                    verification.problem = self.against_anchor(&verification, anchored)?;
                }
                Err(error) if last > 0 => {
                    verification.problem = problem(
                        last,
                        Fault::NoAnchor,
                        format!("the head anchor cannot be read ({error})"),
                    );
                }
                Err(_) => {}
            }
            if verification.problem.is_none() && last > 0 && verification.anchor.is_none() {
                verification.problem = problem(
                    last,
                    Fault::NoAnchor,
                    format!(
                        "the log has {last} entries but no head anchor ({}): it was removed",
                        anchor.path().display()
                    ),
                );
            }
        }
        if let (None, Some(external), None) = (&verification.problem, external_head, external_seq) {
            verification.problem = problem(
                verification.entries + 1,
                Fault::Truncated,
                format!(
                    "no entry has the head {external} kept elsewhere: the log was cut or rewritten \
                     before it (the log now ends at entry {})",
                    verification.entries
                ),
            );
        }
        Ok(verification)
    }

    /// The log's end against the anchored head.
    fn against_anchor(
        &self,
        verification: &Verification,
        anchored: Option<Head>,
    ) -> Result<Option<Problem>> {
        let last = verification.entries;
        let Some(anchored) = anchored else {
            return Ok(None);
        };
        if anchored.seq > last {
            return Ok(problem(
                last + 1,
                Fault::Truncated,
                format!(
                    "the log ends at entry {last} but the head anchor names entry {}: \
                     entries {} to {} were removed",
                    anchored.seq,
                    last + 1,
                    anchored.seq
                ),
            ));
        }
        let hash: Option<String> = {
            let connection = self.connection();
            rusqlite::OptionalExtension::optional(connection.query_row(
                "SELECT hash FROM audit_log WHERE seq = ?1",
                [anchored.seq],
                |row| row.get(0),
            ))?
        };
        if hash.as_deref() != Some(anchored.hash.as_str()) {
            return Ok(problem(
                anchored.seq,
                Fault::Rewritten,
                format!(
                    "the head anchor records hash {} for it, the log has {}: the log was \
                     rewritten from here on",
                    anchored.hash,
                    hash.unwrap_or_default()
                ),
            ));
        }
        if anchored.seq < last {
            return Ok(problem(
                anchored.seq + 1,
                Fault::Unanchored,
                format!(
                    "the head anchor names entry {}, but the log goes on to entry {last}: \
                     entries were appended outside costscope, or an append was interrupted",
                    anchored.seq
                ),
            ));
        }
        Ok(None)
    }
}

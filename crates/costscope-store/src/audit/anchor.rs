//! The head anchor: the last entry's sequence number and hash, kept in a small file beside
//! the database (`audit.head`), outside the table it vouches for.
//!
//! The chain alone shows an edited, removed or reordered entry, but not entries cut off the
//! end: the shorter log is still a valid chain. The anchor names the entry the log must end
//! with. Appends hold an exclusive lock on `audit.lock` (so anchors are written in the
//! order of the entries, across processes), check that the log still ends where the anchor
//! says, stage the new anchor, commit the entry, then publish the anchor with an atomic
//! rename. Whoever can rewrite both the database and this file can still cut the log and
//! the anchor together: only a head kept elsewhere (`costscope audit head`) catches that.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The anchor's file name, beside the database.
pub const ANCHOR_FILE: &str = "audit.head";
const LOCK_FILE: &str = "audit.lock";
const STAGED_FILE: &str = "audit.head.new";

/// An entry as an anchor names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "entry {} (hash {})", self.seq, self.hash)
    }
}

/// The anchor of the store at one path.
#[derive(Debug, Clone)]
pub(crate) struct Anchor {
    dir: PathBuf,
}

/// Held while an entry is appended; dropping it releases the lock.
pub(crate) struct AppendLock {
    _file: File,
}

impl Anchor {
    /// The anchor of the database at `store_path`.
    pub fn beside(store_path: &Path) -> Anchor {
        Anchor {
            dir: store_path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        }
    }

    /// The anchor file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(ANCHOR_FILE)
    }

    fn error(&self, path: PathBuf) -> impl FnOnce(std::io::Error) -> Error {
        move |source| Error::Anchor {
            path: path.display().to_string(),
            source,
        }
    }

    /// The anchored head; `None` when there is no anchor file.
    pub fn read(&self) -> Result<Option<Head>> {
        let path = self.path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.error(path)(e)),
        };
        let head: Head = serde_json::from_str(&text).map_err(|e| {
            self.error(path.clone())(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
        })?;
        Ok(Some(head))
    }

    /// Waits for the exclusive right to append.
    pub fn lock(&self) -> Result<AppendLock> {
        let path = self.dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(self.error(path.clone()))?;
        file.lock().map_err(self.error(path))?;
        Ok(AppendLock { _file: file })
    }

    /// Writes `head` to a staged file and flushes it to disk, before the entry commits: a
    /// full disk or a read-only directory fails the append while nothing is recorded.
    pub fn stage(&self, head: &Head, _lock: &AppendLock) -> Result<()> {
        let path = self.dir.join(STAGED_FILE);
        let text = serde_json::to_string(head)? + "\n";
        let mut file = File::create(&path).map_err(self.error(path.clone()))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(self.error(path))
    }

    /// Replaces the anchor with the staged one, durably.
    pub fn publish(&self, _lock: &AppendLock) -> Result<()> {
        let path = self.path();
        std::fs::rename(self.dir.join(STAGED_FILE), &path).map_err(self.error(path.clone()))?;
        File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .map_err(self.error(path))
    }

    /// Drops a staged anchor whose entry did not commit.
    pub fn discard(&self, _lock: &AppendLock) {
        let _ = std::fs::remove_file(self.dir.join(STAGED_FILE));
    }
}

//! The lake on disk: Hive-partitioned Parquet per table and one `manifest.json` that
//! names the live files. New files are written beside the old ones and published by one
//! atomic manifest swap (write a temporary file, fsync, rename), so a failed or killed
//! ingest leaves the previous data readable and intact.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

const MANIFEST: &str = "manifest.json";
const LOCK: &str = ".lock";

/// Per table, the new partitions of one publish.
pub type TablePartitions = BTreeMap<String, BTreeMap<String, PartitionEntry>>;

/// A lake rooted at a directory.
#[derive(Debug, Clone)]
pub struct Lake {
    root: PathBuf,
}

/// The published state of the lake.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Layout version of this file.
    pub format: u32,
    /// Incremented by every publish.
    pub version: u64,
    pub tables: BTreeMap<String, TableEntry>,
}

/// The live partitions of one table.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TableEntry {
    pub partitions: BTreeMap<String, PartitionEntry>,
}

/// One published partition: its files and where they came from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PartitionEntry {
    pub files: Vec<FileEntry>,
    pub rows: u64,
    /// SHA-256 over the partition's file contents: equal hashes mean equal data.
    pub content_hash: String,
    /// The source the partition was ingested from.
    pub source: String,
    /// RFC 3339 time of the ingest.
    pub ingested_at: String,
    /// For a table derived from another (a rollup of `cur`): the content hash of the
    /// source partition it was computed from. A derived table is current only when every
    /// one of its partitions names the live source partition's hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derived_from: Option<String>,
    /// For a rollup: the tag keys its `resource_tags` keeps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_keys: Option<Vec<String>>,
}

impl Manifest {
    /// Whether `table`, derived from `source`, was computed from exactly the live
    /// partitions of `source` (none missing, none stale, none left over).
    pub fn derived_is_current(&self, table: &str, source: &str) -> bool {
        let partitions = |name: &str| self.tables.get(name).map(|t| &t.partitions);
        let (derived, base) = (partitions(table), partitions(source));
        let (derived_len, base_len) = (
            derived.map_or(0, BTreeMap::len),
            base.map_or(0, BTreeMap::len),
        );
        derived_len == base_len
            && base.into_iter().flatten().all(|(key, live)| {
                derived
                    .and_then(|d| d.get(key))
                    .is_some_and(|d| d.derived_from.as_deref() == Some(live.content_hash.as_str()))
            })
    }

    /// The tag keys every partition of a rollup keeps (`None` when a partition does not
    /// say, or the table has none).
    pub fn tag_keys(&self, table: &str) -> Option<BTreeSet<String>> {
        let mut partitions = self.tables.get(table)?.partitions.values();
        let first: BTreeSet<String> = partitions.next()?.tag_keys.clone()?.into_iter().collect();
        partitions.try_fold(first, |kept, partition| {
            let keys: BTreeSet<String> = partition.tag_keys.clone()?.into_iter().collect();
            Some(kept.intersection(&keys).cloned().collect())
        })
    }
}

/// One Parquet file of a partition, relative to the lake root.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    pub path: String,
    pub rows: u64,
    pub bytes: u64,
}

/// What a publish did to one partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartitionChange {
    Added,
    Replaced,
    Unchanged,
}

/// The exclusive write lock of a lake, released when dropped (and by the OS when the
/// process dies, so a killed ingest never leaves the lake locked).
#[derive(Debug)]
pub struct WriteLock {
    _file: File,
}

impl Lake {
    /// Opens (creating if needed) the lake at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|e| Error::io(&root, e))?;
        Ok(Lake { root })
    }

    /// The lake's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Reads the published manifest (empty when nothing was ever published).
    pub fn manifest(&self) -> Result<Manifest> {
        let path = self.root.join(MANIFEST);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Manifest {
                file: path.display().to_string(),
                reason: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Manifest {
                format: 1,
                ..Manifest::default()
            }),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Absolute paths of a table's live files.
    pub fn table_files(&self, table: &str) -> Result<Vec<PathBuf>> {
        let manifest = self.manifest()?;
        Ok(manifest
            .tables
            .get(table)
            .into_iter()
            .flat_map(|t| t.partitions.values())
            .flat_map(|p| p.files.iter())
            .map(|f| self.root.join(&f.path))
            .collect())
    }

    /// Takes the write lock, failing at once if another writer holds it.
    pub fn lock(&self) -> Result<WriteLock> {
        let path = self.root.join(LOCK);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(WriteLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => Err(Error::Locked { path }),
            Err(fs::TryLockError::Error(e)) => Err(Error::io(path, e)),
        }
    }

    /// Deletes files under the table folders that the manifest does not name: leftovers
    /// of an ingest that failed or was killed before it published.
    pub fn collect_garbage(&self, _lock: &WriteLock) -> Result<usize> {
        let manifest = self.manifest()?;
        let live: BTreeSet<PathBuf> = manifest
            .tables
            .values()
            .flat_map(|t| t.partitions.values())
            .flat_map(|p| p.files.iter())
            .map(|f| self.root.join(&f.path))
            .collect();
        let mut removed = 0;
        for table in costscope_core::tables::LAKE_TABLES {
            let dir = self.root.join(table.name);
            if dir.exists() {
                removed += remove_unlisted(&dir, &live)?;
            }
        }
        Ok(removed)
    }

    /// Publishes new partitions in one manifest swap. A partition whose content hash equals
    /// the live one is left as it is and its new files are deleted, so re-ingesting the same
    /// data changes nothing. Files of replaced partitions are deleted after the swap.
    pub fn publish(
        &self,
        lock: &WriteLock,
        table: &str,
        partitions: BTreeMap<String, PartitionEntry>,
    ) -> Result<BTreeMap<String, PartitionChange>> {
        self.publish_replacing(lock, table, partitions, &[])
    }

    /// [`Lake::publish`] that also drops the live partitions named in `remove` in the same
    /// manifest swap (used when a table's partitioning becomes finer).
    pub fn publish_replacing(
        &self,
        lock: &WriteLock,
        table: &str,
        partitions: BTreeMap<String, PartitionEntry>,
        remove: &[String],
    ) -> Result<BTreeMap<String, PartitionChange>> {
        let tables = BTreeMap::from([(table.to_owned(), partitions)]);
        let mut changes = self.publish_tables_replacing(lock, tables, remove)?;
        Ok(changes.remove(table).unwrap_or_default())
    }

    /// Publishes the new partitions of several tables in one manifest swap: either every
    /// table changes or none does.
    pub fn publish_tables(
        &self,
        lock: &WriteLock,
        tables: TablePartitions,
    ) -> Result<BTreeMap<String, BTreeMap<String, PartitionChange>>> {
        self.publish_tables_replacing(lock, tables, &[])
    }

    /// [`Lake::publish_tables`] that also drops the live partitions named in `remove` from
    /// each of the tables.
    pub(crate) fn publish_tables_replacing(
        &self,
        _lock: &WriteLock,
        tables: TablePartitions,
        remove: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, PartitionChange>>> {
        let mut manifest = self.manifest()?;
        let mut all_changes = BTreeMap::new();
        let mut obsolete = Vec::new();
        let mut removed = false;
        let mut described = false;
        for (table, partitions) in tables {
            let entry = manifest.tables.entry(table.clone()).or_default();
            for key in remove {
                if let Some(old) = entry.partitions.remove(key) {
                    obsolete.extend(old.files.iter().map(|f| f.path.clone()));
                    removed = true;
                }
            }
            let mut changes = BTreeMap::new();
            for (key, new) in partitions {
                match entry.partitions.get_mut(&key) {
                    Some(old) if old.content_hash == new.content_hash => {
                        obsolete.extend(new.files.iter().map(|f| f.path.clone()));
                        // Same rows, but derived from a source partition that changed
                        // elsewhere: record what it now derives from.
                        if (&old.derived_from, &old.tag_keys) != (&new.derived_from, &new.tag_keys)
                        {
                            old.derived_from = new.derived_from;
                            old.tag_keys = new.tag_keys;
                            described = true;
                        }
                        changes.insert(key, PartitionChange::Unchanged);
                    }
                    old => {
                        let change = if old.is_some() {
                            PartitionChange::Replaced
                        } else {
                            PartitionChange::Added
                        };
                        if let Some(old) = old {
                            obsolete.extend(old.files.iter().map(|f| f.path.clone()));
                        }
                        entry.partitions.insert(key.clone(), new);
                        changes.insert(key, change);
                    }
                }
            }
            all_changes.insert(table, changes);
        }
        let changed = all_changes
            .values()
            .flat_map(|c| c.values())
            .any(|c| *c != PartitionChange::Unchanged);
        if removed || changed || described {
            manifest.format = 1;
            manifest.version += 1;
            self.write_manifest(&manifest)?;
        }
        for path in obsolete {
            let path = self.root.join(path);
            // Best effort: a file left behind is removed by the next garbage collection.
            if let Err(e) = fs::remove_file(&path) {
                tracing::warn!(path = %path.display(), error = %e, "could not delete an obsolete file");
            }
        }
        Ok(all_changes)
    }

    fn write_manifest(&self, manifest: &Manifest) -> Result<()> {
        let path = self.root.join(MANIFEST);
        let tmp = self.root.join(format!("{MANIFEST}.tmp"));
        let bytes = serde_json::to_vec_pretty(manifest).map_err(|e| Error::Manifest {
            file: tmp.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        file.write_all(&bytes).map_err(|e| Error::io(&tmp, e))?;
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        drop(file);
        fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        sync_dir(&self.root)
    }
}

/// Makes a rename or a new file in `dir` durable.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

fn remove_unlisted(dir: &Path, live: &BTreeSet<PathBuf>) -> Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if path.is_dir() {
            removed += remove_unlisted(&path, live)?;
            // Drop folders emptied by the collection; a non-empty one stays.
            let _ = fs::remove_dir(&path);
        } else if !live.contains(&path) {
            fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            removed += 1;
        }
    }
    Ok(removed)
}

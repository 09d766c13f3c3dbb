//! The rollups of an ingest on their own thread, so grouping overlaps with reading and
//! with writing `cur`: lines in, the partitions of `cur_daily` and `cur_monthly` out.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::JoinHandle;

use arrow::array::RecordBatch;
use costscope_core::rollup::{DAILY, MONTHLY};

use super::{RollupBuilder, TagKeys, layout};
use crate::lake::PartitionEntry;
use crate::writer::TableWriter;
use crate::{Error, Result};

/// The new partitions of both rollups, by billing period.
#[derive(Debug, Default)]
pub struct RollupPartitions {
    pub daily: BTreeMap<String, PartitionEntry>,
    pub monthly: BTreeMap<String, PartitionEntry>,
}

enum Message {
    Add(String, RecordBatch),
    Close(String),
}

struct State {
    keys: TagKeys,
    builders: BTreeMap<String, RollupBuilder>,
    daily: TableWriter,
    monthly: TableWriter,
    tag_keys: BTreeMap<String, Vec<String>>,
}

type Outcome = std::result::Result<State, Box<(Error, State)>>;

/// Builds and writes the rollups of the periods of one ingest.
pub struct RollupWriter {
    sender: Option<SyncSender<Message>>,
    handle: JoinHandle<Outcome>,
}

impl State {
    fn handle(&mut self, message: Message) -> Result<()> {
        match message {
            Message::Add(period, batch) => {
                self.builders.entry(period).or_default().add(&batch);
                Ok(())
            }
            Message::Close(period) => {
                let Some(builder) = self.builders.remove(&period) else {
                    return Ok(());
                };
                let rows = builder.finish(&self.keys).map_err(|source| Error::Arrow {
                    file: format!("rollups of billing period {period}"),
                    source,
                })?;
                for batch in rows.daily {
                    self.daily.write(&period, batch)?;
                }
                for batch in rows.monthly {
                    self.monthly.write(&period, batch)?;
                }
                self.daily.close_partition(&period)?;
                self.monthly.close_partition(&period)?;
                self.tag_keys.insert(period, rows.tag_keys);
                Ok(())
            }
        }
    }

    fn finish(mut self) -> Result<RollupPartitions> {
        let periods: Vec<String> = self.builders.keys().cloned().collect();
        for period in periods {
            self.handle(Message::Close(period))?;
        }
        let tag_keys = self.tag_keys;
        let root = self.daily.lake_root().to_path_buf();
        let with_keys = |mut partitions: BTreeMap<String, PartitionEntry>| {
            for (period, entry) in &mut partitions {
                entry.tag_keys = tag_keys.get(period).cloned();
            }
            partitions
        };
        let daily = self.daily.finish();
        let monthly = self.monthly.finish();
        match (daily, monthly) {
            (Ok(daily), Ok(monthly)) => Ok(RollupPartitions {
                daily: with_keys(daily),
                monthly: with_keys(monthly),
            }),
            (Ok(written), Err(e)) | (Err(e), Ok(written)) => {
                remove_files_of(&written, &root);
                Err(e)
            }
            (Err(e), Err(_)) => Err(e),
        }
    }

    fn abort(self) {
        self.daily.abort();
        self.monthly.abort();
    }
}

impl RollupWriter {
    /// Starts the thread; `ingest_id` and `source` as for the `cur` writer.
    pub fn spawn(lake_root: &Path, ingest_id: &str, source: &str, keys: TagKeys) -> Self {
        let state = State {
            keys,
            builders: BTreeMap::new(),
            daily: TableWriter::new(lake_root, layout(DAILY), ingest_id, source),
            monthly: TableWriter::new(lake_root, layout(MONTHLY), ingest_id, source),
            tag_keys: BTreeMap::new(),
        };
        let (sender, receiver) = sync_channel::<Message>(2);
        let handle = std::thread::spawn(move || {
            let mut state = state;
            for message in receiver {
                if let Err(e) = state.handle(message) {
                    return Err(Box::new((e, state)));
                }
            }
            Ok(state)
        });
        RollupWriter {
            sender: Some(sender),
            handle,
        }
    }

    /// Queues lines of `period` (schema `cur::schema()`).
    pub fn add(&self, period: &str, batch: RecordBatch) -> Result<()> {
        self.send(Message::Add(period.to_owned(), batch))
    }

    /// Queues the end of `period`: its rollups are computed and written.
    pub fn close_partition(&self, period: &str) -> Result<()> {
        self.send(Message::Close(period.to_owned()))
    }

    fn send(&self, message: Message) -> Result<()> {
        match &self.sender {
            Some(sender) if sender.send(message).is_ok() => Ok(()),
            _ => Err(Error::WriterStopped),
        }
    }

    /// The written partitions when reading went well (`outcome`); otherwise deletes
    /// what was written and returns the cause (this thread's own error when the lines
    /// could not be queued because it had stopped).
    pub fn conclude(mut self, outcome: Result<()>) -> Result<RollupPartitions> {
        self.sender.take();
        let joined = self.handle.join().map_err(|_| Error::WriterPanicked)?;
        match (outcome, joined) {
            (Ok(()), Ok(state)) => state.finish(),
            (Ok(()), Err(failed)) => {
                let (error, state) = *failed;
                state.abort();
                Err(error)
            }
            (Err(error), Ok(state)) => {
                state.abort();
                Err(error)
            }
            (Err(error), Err(failed)) => {
                let (cause, state) = *failed;
                state.abort();
                Err(match error {
                    Error::WriterStopped => cause,
                    error => error,
                })
            }
        }
    }
}

/// Deletes the files of partitions that will not be published (best effort: the next
/// ingest's garbage collection removes what is left).
pub fn remove_files_of(partitions: &BTreeMap<String, PartitionEntry>, lake_root: &Path) {
    for file in partitions.values().flat_map(|p| &p.files) {
        let _ = std::fs::remove_file(lake_root.join(&file.path));
    }
}

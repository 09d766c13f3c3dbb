//! A workgroup's shared state: the slots of its running queries, its queue, and the memory
//! pool its queries draw from.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use datafusion::execution::memory_pool::GreedyMemoryPool;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::access::Workgroup;
use crate::{Error, Result};

/// How many queries may wait when a workgroup sets `max_concurrent` but no `max_queued`.
const DEFAULT_QUEUE_PER_SLOT: usize = 4;

#[derive(Debug)]
pub struct WorkgroupRuntime {
    pub limits: Workgroup,
    slots: Option<Arc<Semaphore>>,
    queued: AtomicUsize,
    pub runtime: Option<Arc<RuntimeEnv>>,
}

/// A running query's place in its workgroup, given back when dropped.
pub struct Slot {
    _permit: Option<OwnedSemaphorePermit>,
}

impl WorkgroupRuntime {
    pub fn new(limits: Workgroup) -> WorkgroupRuntime {
        let runtime = limits.memory.map(|bytes| {
            RuntimeEnvBuilder::new()
                .with_memory_pool(Arc::new(GreedyMemoryPool::new(bytes as usize)))
                .build_arc()
                .expect("a runtime with a memory pool builds")
        });
        WorkgroupRuntime {
            slots: limits.max_concurrent.map(|n| Arc::new(Semaphore::new(n))),
            queued: AtomicUsize::new(0),
            runtime,
            limits,
        }
    }

    /// Waits for a free slot; refuses when the queue is already full.
    pub async fn admit(&self) -> Result<Slot> {
        let Some(slots) = &self.slots else {
            return Ok(Slot { _permit: None });
        };
        if let Ok(permit) = slots.clone().try_acquire_owned() {
            return Ok(Slot {
                _permit: Some(permit),
            });
        }
        let max_queued = self
            .limits
            .max_queued
            .unwrap_or(self.limits.max_concurrent.unwrap_or(1) * DEFAULT_QUEUE_PER_SLOT);
        let waiting = self.queued.fetch_add(1, Ordering::SeqCst);
        let _leave = Leave(&self.queued);
        if waiting >= max_queued {
            return Err(Error::Busy(format!(
                "workgroup `{}` is busy: {} queries running and {waiting} waiting, the most it \
                 queues; try again shortly",
                self.limits.name,
                self.limits.max_concurrent.unwrap_or_default()
            )));
        }
        let permit = slots
            .clone()
            .acquire_owned()
            .await
            .expect("workgroup semaphores are never closed");
        Ok(Slot {
            _permit: Some(permit),
        })
    }
}

/// Leaves the queue when the wait ends, however it ends (a cancelled request too).
struct Leave<'a>(&'a AtomicUsize);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

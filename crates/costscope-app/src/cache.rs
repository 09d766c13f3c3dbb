//! A small cache of analysis responses, for the repeated calls a dashboard makes. An entry
//! is keyed by the analysis, the principal (with everything that decides what it may
//! see), the request, and the version of the lake's manifest: an ingest publishes a new
//! version, so no answer outlives the data it was computed from, and the entries of older
//! versions are dropped as soon as a newer one is seen. Only analyses whose answer depends
//! on the lake alone go through it (not those that read or write the store).
//!
//! Identical calls that arrive together are computed once: a dashboard opened by many
//! people at once asks the same questions at the same moment, and computing each of them
//! for every caller would take the whole machine.

use std::any::Any;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::{App, Principal, Result};

/// Responses kept at most; the least recently used goes first.
const CAPACITY: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    analysis: &'static str,
    principal: String,
    request: String,
    version: u64,
}

type Entry = (Key, Arc<dyn Any + Send + Sync>);

/// The cached responses, most recently used last.
#[derive(Default)]
pub struct ResultCache {
    entries: Mutex<VecDeque<Entry>>,
    /// One gate per call being computed; identical calls wait at it for the answer.
    computing: Mutex<HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
    computed: AtomicU64,
}

impl ResultCache {
    fn get(&self, key: &Key) -> Option<Arc<dyn Any + Send + Sync>> {
        let mut entries = self.entries.lock().ok()?;
        let at = entries.iter().position(|(k, _)| k == key)?;
        let entry = entries.remove(at)?;
        let value = entry.1.clone();
        entries.push_back(entry);
        Some(value)
    }

    fn put(&self, key: Key, value: Arc<dyn Any + Send + Sync>) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        // A newer manifest makes every older answer stale.
        entries.retain(|(k, _)| k.version >= key.version);
        if entries.len() >= CAPACITY {
            entries.pop_front();
        }
        entries.push_back((key, value));
    }

    fn gate(&self, key: &Key) -> Option<Arc<tokio::sync::Mutex<()>>> {
        let mut computing = self.computing.lock().ok()?;
        Some(computing.entry(key.clone()).or_default().clone())
    }

    fn open_gate(&self, key: &Key) {
        if let Ok(mut computing) = self.computing.lock() {
            computing.remove(key);
        }
    }

    /// How many answers were computed rather than taken from the cache.
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    /// Forgets every response (the benchmark measures calls both ways).
    pub fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }

    /// How many responses are held (for tests).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl App {
    /// The response of `analysis` to `request` for `principal`: from the cache when the
    /// same call was answered over the same manifest version, else computed and kept.
    pub(crate) async fn cached<Request, Response, Compute>(
        &self,
        analysis: &'static str,
        principal: &Principal,
        request: &Request,
        compute: Compute,
    ) -> Result<Response>
    where
        Request: Serialize,
        Response: Clone + Send + Sync + 'static,
        Compute: AsyncFnOnce() -> Result<Response>,
    {
        let Ok(request) = serde_json::to_string(request) else {
            return compute().await;
        };
        let key = Key {
            analysis,
            principal: format!("{principal:?}"),
            request,
            version: self.lake()?.manifest()?.version,
        };
        let hit = |results: &ResultCache| {
            results
                .get(&key)
                .and_then(|hit| hit.downcast_ref::<Response>().cloned())
        };
        if let Some(response) = hit(&self.results) {
            return Ok(response);
        }
        let gate = self.results.gate(&key);
        let _turn = match &gate {
            Some(gate) => Some(gate.lock().await),
            None => None,
        };
        // The call this one waited for may have left its answer.
        if let Some(response) = hit(&self.results) {
            return Ok(response);
        }
        self.results.computed.fetch_add(1, Ordering::Relaxed);
        let response = compute().await;
        if let Ok(response) = &response {
            self.results.put(key.clone(), Arc::new(response.clone()));
        }
        self.results.open_gate(&key);
        response
    }

    /// The cache of responses (for tests and diagnostics).
    pub fn result_cache(&self) -> &ResultCache {
        &self.results
    }
}

//! A small cache of analysis responses, for the repeated calls a dashboard makes. An entry
//! is keyed by the analysis, the principal (with everything that decides what it may
//! see), the request, and the version of the lake's manifest: an ingest publishes a new
//! version, so no answer outlives the data it was computed from, and the entries of older
//! versions are dropped as soon as a newer one is seen. Only analyses whose answer depends
//! on the lake alone go through it (not those that read or write the store).

use std::any::Any;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::{App, Principal, Result};

/// Responses kept at most; the least recently used goes first.
const CAPACITY: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
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
        if let Some(hit) = self.results.get(&key)
            && let Some(response) = hit.downcast_ref::<Response>()
        {
            return Ok(response.clone());
        }
        let response = compute().await?;
        self.results.put(key, Arc::new(response.clone()));
        Ok(response)
    }

    /// The cache of responses (for tests and diagnostics).
    pub fn result_cache(&self) -> &ResultCache {
        &self.results
    }
}

//! Ingest progress as a bar on stderr, drawn only when stderr is a terminal.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use costscope_lake::ingest::IngestProgress;
use indicatif::{ProgressBar, ProgressStyle};

/// The progress observer for ingests: a terminal bar unless `quiet`.
pub fn ingest_progress(quiet: bool) -> Option<Arc<dyn IngestProgress>> {
    (!quiet).then(|| Arc::new(TerminalProgress::default()) as Arc<dyn IngestProgress>)
}

/// A bar of bytes read, one per ingest; nothing when stderr is not a terminal.
#[derive(Default)]
struct TerminalProgress {
    bar: Mutex<Option<ProgressBar>>,
}

impl TerminalProgress {
    fn bar(&self) -> Option<ProgressBar> {
        self.bar.lock().ok().and_then(|bar| bar.clone())
    }
}

impl IngestProgress for TerminalProgress {
    fn start(&self, what: &str, total_bytes: u64) {
        if !std::io::stderr().is_terminal() {
            return;
        }
        let bar = ProgressBar::new(total_bytes);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} ({eta})",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(what.to_owned());
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = self.bar() {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        let bar = self.bar.lock().ok().and_then(|mut slot| slot.take());
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
    }
}

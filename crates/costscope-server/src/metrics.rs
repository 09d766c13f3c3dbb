//! The Prometheus metrics `/metrics` serves: calls and their latency, bytes scanned and
//! denials, per workgroup; connections and requests in flight.

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use costscope_core::ErrorKind;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::service::Answer;
use crate::{Error, Result};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    call: &'static str,
    workgroup: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LatencyLabels {
    call: &'static str,
    workgroup: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WorkgroupLabels {
    workgroup: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DenialLabels {
    workgroup: String,
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProtocolLabels {
    protocol: &'static str,
}

/// The server's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    latency: Family<LatencyLabels, Histogram>,
    scanned: Family<WorkgroupLabels, Counter<u64, AtomicU64>>,
    rows: Family<WorkgroupLabels, Counter<u64, AtomicU64>>,
    denials: Family<DenialLabels, Counter>,
    in_flight: Family<ProtocolLabels, Gauge>,
    connections: Family<ProtocolLabels, Gauge>,
}

/// The workgroup label of requests made before a principal is known.
const NO_PRINCIPAL: &str = "none";

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Empty counters, registered under `costscope_`.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("costscope");
        let calls = Family::<CallLabels, Counter>::default();
        let latency = Family::<LatencyLabels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> _,
        );
        let scanned = Family::<WorkgroupLabels, Counter<u64, AtomicU64>>::default();
        let rows = Family::<WorkgroupLabels, Counter<u64, AtomicU64>>::default();
        let denials = Family::<DenialLabels, Counter>::default();
        let in_flight = Family::<ProtocolLabels, Gauge>::default();
        let connections = Family::<ProtocolLabels, Gauge>::default();
        registry.register(
            "queries",
            "Calls (SQL statements and analyses) by call, workgroup and outcome (ok or the error kind)",
            calls.clone(),
        );
        registry.register(
            "query_duration_seconds",
            "Time to answer a call, by call and workgroup",
            latency.clone(),
        );
        registry.register(
            "scanned_bytes",
            "Bytes of Parquet read from the lake by SQL statements, by workgroup",
            scanned.clone(),
        );
        registry.register(
            "result_rows",
            "Rows returned by SQL statements, by workgroup",
            rows.clone(),
        );
        registry.register(
            "denials",
            "Requests refused: unauthenticated (unknown or bad credential), denied (not permitted) or busy (workgroup queue full)",
            denials.clone(),
        );
        registry.register(
            "requests_in_flight",
            "Requests being answered now, by protocol",
            in_flight.clone(),
        );
        registry.register(
            "connections",
            "Open connections, by protocol",
            connections.clone(),
        );
        Metrics {
            registry,
            calls,
            latency,
            scanned,
            rows,
            denials,
            in_flight,
            connections,
        }
    }

    /// Counts one finished call.
    pub fn finished(
        &self,
        call: &'static str,
        workgroup: &str,
        elapsed: Duration,
        result: &Result<Answer>,
    ) {
        let outcome = match result {
            Ok(_) => "ok",
            Err(error) => error.kind().name(),
        };
        self.calls
            .get_or_create(&CallLabels {
                call,
                workgroup: workgroup.to_string(),
                outcome,
            })
            .inc();
        self.latency
            .get_or_create(&LatencyLabels {
                call,
                workgroup: workgroup.to_string(),
            })
            .observe(elapsed.as_secs_f64());
        match result {
            Ok(Answer::Rows(rows)) => {
                let labels = WorkgroupLabels {
                    workgroup: workgroup.to_string(),
                };
                self.rows
                    .get_or_create(&labels)
                    .inc_by(rows.num_rows() as u64);
                self.scanned
                    .get_or_create(&labels)
                    .inc_by(scanned_bytes(rows));
            }
            Ok(_) => {}
            Err(error) => self.denied(Some(workgroup), error.kind()),
        }
    }

    /// Counts a refused request (other kinds of failure are not denials).
    pub fn denied(&self, workgroup: Option<&str>, kind: ErrorKind) {
        if matches!(
            kind,
            ErrorKind::Unauthenticated | ErrorKind::Denied | ErrorKind::Busy
        ) {
            self.denials
                .get_or_create(&DenialLabels {
                    workgroup: workgroup.unwrap_or(NO_PRINCIPAL).to_string(),
                    kind: kind.name(),
                })
                .inc();
        }
    }

    /// Marks a request of `protocol` as running until the guard is dropped.
    pub fn request(&self, protocol: &'static str) -> GaugeGuard {
        GaugeGuard::new(
            self.in_flight
                .get_or_create(&ProtocolLabels { protocol })
                .clone(),
        )
    }

    /// Marks a connection of `protocol` as open until the guard is dropped.
    pub fn connection(&self, protocol: &'static str) -> GaugeGuard {
        GaugeGuard::new(
            self.connections
                .get_or_create(&ProtocolLabels { protocol })
                .clone(),
        )
    }

    /// The Prometheus text exposition of every metric.
    pub fn encode(&self) -> Result<String> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .map_err(|e| Error::Encode(e.to_string()))?;
        Ok(text)
    }
}

/// Bytes scanned by a statement, as the engine reports them.
fn scanned_bytes(rows: &costscope_query::QueryResult) -> u64 {
    rows.scanned_bytes
}

fn latency_histogram() -> Histogram {
    // 1 ms to about 33 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 16))
}

/// Decrements its gauge when dropped.
pub struct GaugeGuard(Gauge);

impl GaugeGuard {
    fn new(gauge: Gauge) -> GaugeGuard {
        gauge.inc();
        GaugeGuard(gauge)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

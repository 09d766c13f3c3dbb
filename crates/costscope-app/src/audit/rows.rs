//! Rows returned, as the audit log records them: the rows of a query, the items of a
//! report's main list (the groups, teams, recommendations… a reader sees).

use costscope_analytics::allocation::AllocationReport;
use costscope_analytics::anomalies::quality::QualityReport;
use costscope_analytics::anomalies::{Anomaly, AnomalyReport};
use costscope_analytics::budgets::BacktestReport;
use costscope_analytics::budgets::BudgetReport;
use costscope_analytics::efficiency::{KpiReport, ScoreReport};
use costscope_analytics::explorer::CostReport;
use costscope_analytics::genai::GenaiReport;
use costscope_analytics::network::{
    CrossAzReport, EgressReport, NatReport, ReconcileReport, TopTalkersReport,
};
use costscope_analytics::recommend::RecommendReport;
use costscope_analytics::tags::TagReport;
use costscope_analytics::unit_cost::UnitCostReport;
use costscope_analytics::whois::WhoisReport;
use costscope_lake::ingest::IngestReport;
use costscope_query::QueryResult;
use costscope_synth::demo_lake::DemoLake;

use crate::access::{Reloaded, WhoAmI};
use crate::anomalies::{AnomaliesResponse, FeedbackResponse};
use crate::recommend::RecommendationDetail;

/// How many rows a response holds, for its audit entry (`None`: not a list).
pub trait Rows {
    fn rows(&self) -> Option<u64>;
}

fn count(n: usize) -> Option<u64> {
    Some(n as u64)
}

impl<T> Rows for Vec<T> {
    fn rows(&self) -> Option<u64> {
        count(self.len())
    }
}

impl Rows for QueryResult {
    fn rows(&self) -> Option<u64> {
        count(self.num_rows())
    }
}

impl Rows for IngestReport {
    fn rows(&self) -> Option<u64> {
        Some(self.rows)
    }
}

impl Rows for DemoLake {
    fn rows(&self) -> Option<u64> {
        let ingested = &self.ingested;
        let optimizer = ingested.optimizer.as_ref().map_or(0, |report| report.rows);
        Some(
            ingested.cur.rows
                + ingested.flow_logs.rows
                + ingested.inventory.rows
                + ingested.metrics.rows
                + optimizer,
        )
    }
}

impl Rows for AnomaliesResponse {
    fn rows(&self) -> Option<u64> {
        match self {
            AnomaliesResponse::Daily(report) => report.rows(),
            AnomaliesResponse::Hourly(found) => count(found.len()),
        }
    }
}

/// Responses about one thing.
macro_rules! one {
    ($($type:ty),* $(,)?) => {
        $(impl Rows for $type {
            fn rows(&self) -> Option<u64> {
                Some(1)
            }
        })*
    };
}

one!(
    Anomaly,
    FeedbackResponse,
    RecommendationDetail,
    WhoAmI,
    Reloaded
);

/// Reports whose main list is one field.
macro_rules! list {
    ($($type:ty => $field:ident),* $(,)?) => {
        $(impl Rows for $type {
            fn rows(&self) -> Option<u64> {
                count(self.$field.len())
            }
        })*
    };
}

list!(
    CostReport => rows,
    AllocationReport => rows,
    TagReport => coverage,
    UnitCostReport => periods,
    BudgetReport => budgets,
    BacktestReport => scopes,
    AnomalyReport => anomalies,
    QualityReport => labels,
    CrossAzReport => rows,
    NatReport => sources,
    TopTalkersReport => rows,
    EgressReport => rows,
    ReconcileReport => rows,
    WhoisReport => owners,
    ScoreReport => teams,
    KpiReport => rows,
    RecommendReport => recommendations,
    GenaiReport => rows,
);

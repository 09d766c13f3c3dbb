//! Budgets against actual cost, with a forecast to the end of each period, and the
//! backtest of that forecast (`docs/budgets.md`).

use costscope_analytics::Error as AnalysisError;
use costscope_analytics::budgets::{
    self, BacktestOptions, BacktestReport, Budget, BudgetOptions, BudgetReport, Measure,
    PeriodKind, Scope,
};
use costscope_analytics::forecast::DEFAULT_CONFIDENCE;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Document, Principal, Result, document};

/// Which budgets to report: those of a budgets file, and a one-off budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BudgetsRequest {
    /// A budgets file.
    pub file: Option<Document>,
    /// The one-off budget's scope: `overall`, `account=ID|NAME`, `service=CODE`,
    /// `tag:KEY=VALUE`, `team=NAME` (with `amount`).
    pub scope: Option<String>,
    /// The one-off budget's amount per period (with `scope`).
    pub amount: Option<f64>,
    /// The one-off budget's period: `monthly` or `quarterly`.
    pub period: String,
    /// The one-off budget's measure.
    pub measure: String,
    /// The one-off budget's alert thresholds, percent of the amount.
    pub thresholds: Vec<f64>,
    /// Report as of this day, `YYYY-MM-DD` (default: the last day with usage).
    pub as_of: Option<String>,
    /// Allocation rules deciding `team=` scopes (default: the `team` tag).
    pub rules: Option<Document>,
    /// Coverage of the forecast interval.
    pub confidence: f64,
}

impl Default for BudgetsRequest {
    fn default() -> Self {
        BudgetsRequest {
            file: None,
            scope: None,
            amount: None,
            period: "monthly".into(),
            measure: "amortized".into(),
            thresholds: Vec::new(),
            as_of: None,
            rules: None,
            confidence: DEFAULT_CONFIDENCE,
        }
    }
}

/// How well month-end forecasts would have done on a held-out month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BacktestRequest {
    /// A scope besides the whole organisation (default: every linked account).
    pub scope: Option<String>,
    pub measure: String,
    /// The held-out month, `YYYY-MM` (default: the last complete month).
    pub month: Option<String>,
    /// Allocation rules deciding `team=` scopes.
    pub rules: Option<Document>,
    /// Coverage of the forecast interval.
    pub confidence: f64,
}

impl Default for BacktestRequest {
    fn default() -> Self {
        BacktestRequest {
            scope: None,
            measure: "amortized".into(),
            month: None,
            rules: None,
            confidence: DEFAULT_CONFIDENCE,
        }
    }
}

/// The budgets report.
pub type BudgetsResponse = BudgetReport;
/// The backtest report.
pub type BacktestResponse = BacktestReport;

fn invalid(message: String) -> AnalysisError {
    AnalysisError::InvalidArgument(message)
}

impl BudgetsRequest {
    /// The report's options: the file's budgets and the one-off one, checked.
    pub fn options(&self) -> Result<BudgetOptions> {
        let measure: Measure = self.measure.parse()?;
        let team = document::team(self.rules.as_ref())?;
        let mut list = match &self.file {
            Some(file) => budgets::parse_budgets(&file.text, &file.origin)?,
            None => Vec::new(),
        };
        if let (Some(scope), Some(amount)) = (&self.scope, self.amount) {
            if !(amount.is_finite() && amount > 0.0) {
                return Err(
                    invalid(format!("--amount must be greater than zero, not {amount}")).into(),
                );
            }
            let scope: Scope = scope.parse().map_err(invalid)?;
            let period: PeriodKind = self.period.parse().map_err(invalid)?;
            list.push(Budget {
                period,
                measure,
                thresholds: self.thresholds.clone(),
                ..Budget::new(scope, amount)
            });
        }
        if list.is_empty() {
            return Err(invalid(
                "no budgets: give --file budgets.yaml or --scope and --amount".into(),
            )
            .into());
        }
        let as_of = self
            .as_of
            .as_deref()
            .map(|text| budgets::parse_day(text).map_err(|e| invalid(format!("--as-of: {e}"))))
            .transpose()?;
        Ok(BudgetOptions {
            budgets: list,
            as_of,
            team,
            confidence: self.confidence,
            ..BudgetOptions::default()
        })
    }
}

impl BacktestRequest {
    /// The backtest's options, checked.
    pub fn options(&self) -> Result<BacktestOptions> {
        let measure: Measure = self.measure.parse()?;
        let team = document::team(self.rules.as_ref())?;
        let scopes = match &self.scope {
            Some(scope) => vec![scope.parse::<Scope>().map_err(invalid)?],
            None => Vec::new(),
        };
        Ok(BacktestOptions {
            scopes,
            measure,
            month: self.month.clone(),
            team,
            confidence: self.confidence,
            ..BacktestOptions::default()
        })
    }
}

impl App {
    /// Every budget of the request as of its day, over what `principal` may see.
    pub async fn budgets(
        &self,
        principal: &Principal,
        request: &BudgetsRequest,
    ) -> Result<BudgetsResponse> {
        self.audit_read(principal, "analysis.budgets", request, async {
            let options = request.options()?;
            self.cached("budgets", principal, request, async || {
                let session = self.session(principal).await?;
                Ok(budgets::report(&session, &options).await?)
            })
            .await
        })
        .await
    }

    /// Backtests month-end forecasts over what `principal` may see.
    pub async fn backtest_budgets(
        &self,
        principal: &Principal,
        request: &BacktestRequest,
    ) -> Result<BacktestResponse> {
        self.audit_read(principal, "analysis.budgets-backtest", request, async {
            let options = request.options()?;
            let session = self.session(principal).await?;
            Ok(budgets::backtest(&session, &options).await?)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(request: &BudgetsRequest) -> String {
        request.options().expect_err("refused").to_string()
    }

    #[test]
    fn a_one_off_budget_needs_a_positive_amount_and_a_known_scope() {
        let one_off = |scope: &str, amount: f64| BudgetsRequest {
            scope: Some(scope.into()),
            amount: Some(amount),
            ..BudgetsRequest::default()
        };
        assert!(message(&one_off("overall", -1.0)).contains("greater than zero"));
        assert!(message(&one_off("colour=red", 10.0)).contains("colour"));
        let options = one_off("service=AmazonEC2", 10.0).options().expect("valid");
        assert_eq!(options.budgets.len(), 1);
        assert_eq!(options.confidence, DEFAULT_CONFIDENCE);
    }

    #[test]
    fn no_budgets_at_all_is_refused() {
        assert!(message(&BudgetsRequest::default()).starts_with("no budgets"));
    }

    #[test]
    fn a_budgets_file_error_names_its_origin_and_line() {
        let request = BudgetsRequest {
            file: Some(Document::new(
                "budgets.yaml",
                "budgets:\n  - scope: overall\n    amount: lots\n",
            )),
            ..BudgetsRequest::default()
        };
        let message = message(&request);
        assert!(message.starts_with("budgets.yaml:3:"), "{message}");
    }

    #[test]
    fn a_bad_as_of_day_names_the_option() {
        let request = BudgetsRequest {
            scope: Some("overall".into()),
            amount: Some(5.0),
            as_of: Some("2026-02-30".into()),
            ..BudgetsRequest::default()
        };
        assert!(message(&request).starts_with("--as-of: "));
    }
}

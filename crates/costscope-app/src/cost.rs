//! The cost explorer: cost or usage grouped by up to three dimensions over time
//! (`docs/cost.md`).

use costscope_analytics::explorer::{self, ExplorerOptions};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{App, Document, Principal, Result, document};

/// What to explore. Every field is a name or a date as a user writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CostRequest {
    /// Up to three dimensions: `service`, `account`, `region`, `az`, `usage-type`,
    /// `operation`, `line-item-type`, `resource`, `purchase-option`, `charge-type`,
    /// `tag:KEY`, `category:NAME`, `team`.
    pub group_by: Vec<String>,
    /// `hourly`, `daily`, `weekly` (ISO, from Monday) or `monthly`.
    pub granularity: String,
    /// `unblended`, `amortized`, `net-unblended`, `net-amortized`, `public` or `usage`.
    pub measure: String,
    /// `DIM=VALUE[,VALUE…]` keeps, `DIM!=VALUE[,VALUE…]` drops (`%` makes a LIKE pattern);
    /// every filter must hold.
    pub filters: Vec<String>,
    /// First day, `YYYY-MM-DD` (default: the first day with data).
    pub from: Option<String>,
    /// Day after the last, `YYYY-MM-DD` (default: the day after the last with data).
    pub to: Option<String>,
    /// Keep the N largest groups; sum the rest as `Others`.
    pub top: Option<usize>,
    /// `previous-period`: compare with the same-length period before `from`.
    pub compare: Option<String>,
    /// Allocation rules deciding the `team` dimension (default: the `team` tag).
    pub rules: Option<Document>,
}

impl Default for CostRequest {
    fn default() -> Self {
        CostRequest {
            group_by: Vec::new(),
            granularity: "monthly".into(),
            measure: "unblended".into(),
            filters: Vec::new(),
            from: None,
            to: None,
            top: None,
            compare: None,
            rules: None,
        }
    }
}

/// The explorer's report.
pub type CostResponse = explorer::CostReport;

impl CostRequest {
    /// The explorer's options, every value checked.
    pub fn options(&self) -> Result<ExplorerOptions> {
        let date = |flag: &str, text: &Option<String>| {
            text.as_deref()
                .map(|d| explorer::parse_date(flag, d))
                .transpose()
        };
        Ok(ExplorerOptions {
            group_by: self
                .group_by
                .iter()
                .map(|d| d.parse())
                .collect::<Result<_, _>>()?,
            granularity: self.granularity.parse()?,
            measure: self.measure.parse()?,
            filters: self
                .filters
                .iter()
                .map(|f| f.parse())
                .collect::<Result<_, _>>()?,
            from: date("--from", &self.from)?,
            to: date("--to", &self.to)?,
            top: self.top,
            compare: self.compare.as_deref().map(str::parse).transpose()?,
            team: document::team(self.rules.as_ref())?,
        })
    }
}

impl App {
    /// Cost grouped and compared as `request` asks, over what `principal` may see.
    pub async fn cost(&self, principal: &Principal, request: &CostRequest) -> Result<CostResponse> {
        self.audit_read(principal, "analysis.cost", request, async {
            let options = request.options()?;
            self.cached("cost", principal, request, async || {
                let session = self.session(principal).await?;
                Ok(explorer::explore(&session, &options).await?)
            })
            .await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn refused(request: CostRequest) -> crate::Error {
        request.options().expect_err("refused")
    }

    #[test]
    fn defaults_are_monthly_unblended_and_json_may_omit_every_field() {
        let request: CostRequest = serde_json::from_str("{}").expect("empty body");
        assert_eq!(request, CostRequest::default());
        let options = request.options().expect("valid");
        assert_eq!(options.measure, explorer::Measure::Unblended);
        assert_eq!(options.granularity, explorer::Granularity::Monthly);
        assert!(!options.team.is_rules());
    }

    #[test]
    fn names_and_dates_become_typed_options() {
        let request: CostRequest = serde_json::from_str(
            r#"{"group_by": ["service", "tag:team"], "measure": "net-amortized",
                "granularity": "daily", "filters": ["region!=us-east-1"],
                "from": "2026-10-01", "to": "2026-11-01", "top": 5,
                "compare": "previous-period"}"#,
        )
        .expect("body");
        let options = request.options().expect("valid");
        assert_eq!(options.group_by.len(), 2);
        assert_eq!(options.measure, explorer::Measure::NetAmortized);
        assert_eq!(options.granularity, explorer::Granularity::Daily);
        assert_eq!(options.filters.len(), 1);
        assert_eq!(
            options.from.map(|d| d.to_string()).as_deref(),
            Some("2026-10-01")
        );
        assert_eq!(options.top, Some(5));
        assert!(options.compare.is_some());
    }

    #[test]
    fn a_bad_dimension_measure_or_date_is_a_user_error_naming_it() {
        for (request, needle) in [
            (
                CostRequest {
                    group_by: vec!["colour".into()],
                    ..CostRequest::default()
                },
                "colour",
            ),
            (
                CostRequest {
                    measure: "blended".into(),
                    ..CostRequest::default()
                },
                "blended",
            ),
            (
                CostRequest {
                    granularity: "yearly".into(),
                    ..CostRequest::default()
                },
                "yearly",
            ),
            (
                CostRequest {
                    from: Some("2026-09-31".into()),
                    ..CostRequest::default()
                },
                "2026-09-31",
            ),
            (
                CostRequest {
                    filters: vec!["service".into()],
                    ..CostRequest::default()
                },
                "DIM=VALUE",
            ),
        ] {
            let error = refused(request);
            assert_eq!(error.kind(), ErrorKind::User, "{error}");
            assert!(error.to_string().contains(needle), "{error}");
        }
    }

    #[test]
    fn bad_rules_text_is_refused_at_its_origin_line_and_column() {
        let rules = Document::new(
            "team-rules.yaml",
            "teams: [platform]\nrules:\n  - owner: [\n",
        );
        let error = refused(CostRequest {
            rules: Some(rules),
            ..CostRequest::default()
        });
        assert_eq!(error.kind(), ErrorKind::User);
        let message = error.to_string();
        let position = message
            .strip_prefix("team-rules.yaml:")
            .and_then(|rest| rest.split_once(':'))
            .and_then(|(line, rest)| Some((line, rest.split_once(':')?.0)));
        let (line, column) = position.unwrap_or_else(|| panic!("no origin:line:column: {message}"));
        assert!(line.parse::<usize>().is_ok_and(|l| l >= 3), "{message}");
        assert!(column.parse::<usize>().is_ok(), "{message}");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let error =
            serde_json::from_str::<CostRequest>(r#"{"sql": "SELECT 1"}"#).expect_err("refused");
        assert!(error.to_string().contains("sql"), "{error}");
    }
}

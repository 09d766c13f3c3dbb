//! Weekly reports as files (HTML, Markdown, JSON) and the summary of what was written.

use costscope_analytics::report::{self, WeeklyReport, format::money};
use serde::Serialize;

use crate::{Error, Result};

/// The report as a self-contained HTML page.
pub fn html(report: &WeeklyReport) -> String {
    report::html::render(report)
}

/// The report as Markdown.
pub fn markdown(report: &WeeklyReport) -> String {
    report::markdown::render(report)
}

/// The report as pretty JSON with a final newline.
pub fn json(report: &WeeklyReport) -> Result<String> {
    Ok(serde_json::to_string_pretty(report).map_err(Error::Encode)? + "\n")
}

/// The file name of the report without its extension: `TEAM-WEEK`.
pub fn file_stem(report: &WeeklyReport) -> String {
    report.file_stem()
}

/// One team's report as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Written {
    pub team: String,
    pub week: String,
    pub currency: String,
    pub this_week: String,
    pub change_percent: String,
    pub budget_state: String,
    /// The files, separated by spaces.
    pub files: String,
}

/// What was written for `report`: its headline figures and `files`.
pub fn written(report: &WeeklyReport, files: &[String]) -> Written {
    let currency = &report.header.currency;
    Written {
        team: report.header.team.clone(),
        week: report.header.week.clone(),
        currency: currency.clone(),
        this_week: money(report.cost.this_week, currency),
        change_percent: report::format::percent_change(report.cost.change_percent),
        budget_state: report
            .budgets
            .first()
            .map(|b| b.state.name().to_string())
            .unwrap_or_default(),
        files: files.join(" "),
    }
}

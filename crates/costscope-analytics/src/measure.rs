//! The cost measures analyses sum (DESIGN §4): one type for allocation, tags and budgets.

use std::fmt;
use std::str::FromStr;

use costscope_core::measures::{
    AMORTIZED_COST_SQL, NET_AMORTIZED_COST_SQL, NET_UNBLENDED_COST_SQL,
};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Which cost is summed.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum CostMeasure {
    /// `line_item_unblended_cost`: Savings Plan covered usage at on-demand rates.
    Unblended,
    /// Commitments spread over the usage they cover.
    #[default]
    Amortized,
    /// Unblended after discounts.
    NetUnblended,
    /// Amortized after discounts.
    NetAmortized,
}

impl CostMeasure {
    /// Every measure, in the order they are documented.
    pub const ALL: [CostMeasure; 4] = [
        CostMeasure::Unblended,
        CostMeasure::Amortized,
        CostMeasure::NetUnblended,
        CostMeasure::NetAmortized,
    ];

    /// The name used in files, flags and JSON: `amortized`, `net-unblended` …
    pub fn name(self) -> &'static str {
        match self {
            CostMeasure::Unblended => "unblended",
            CostMeasure::Amortized => "amortized",
            CostMeasure::NetUnblended => "net-unblended",
            CostMeasure::NetAmortized => "net-amortized",
        }
    }

    /// The column of the `cur_amortized` view holding this measure.
    pub fn column(self) -> &'static str {
        match self {
            CostMeasure::Unblended => "line_item_unblended_cost",
            CostMeasure::Amortized => "amortized_cost",
            CostMeasure::NetUnblended => "net_unblended_cost",
            CostMeasure::NetAmortized => "net_amortized_cost",
        }
    }

    /// The cost of one `cur` row under this measure, as SQL over `cur` columns.
    pub fn sql(self) -> &'static str {
        match self {
            CostMeasure::Unblended => "line_item_unblended_cost",
            CostMeasure::Amortized => AMORTIZED_COST_SQL,
            CostMeasure::NetUnblended => NET_UNBLENDED_COST_SQL,
            CostMeasure::NetAmortized => NET_AMORTIZED_COST_SQL,
        }
    }
}

impl fmt::Display for CostMeasure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CostMeasure {
    type Err = Error;

    /// Accepts the names in any case, with `-` or `_`.
    fn from_str(text: &str) -> Result<Self, Error> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        CostMeasure::ALL
            .into_iter()
            .find(|m| m.name() == wanted)
            .ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "unknown measure `{text}`: use unblended, amortized, net-unblended or net-amortized"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_in_any_spelling() {
        for measure in CostMeasure::ALL {
            assert_eq!(measure.name().parse::<CostMeasure>().ok(), Some(measure));
            let snake = measure.name().replace('-', "_").to_uppercase();
            assert_eq!(snake.parse::<CostMeasure>().ok(), Some(measure));
        }
        assert!("blended".parse::<CostMeasure>().is_err());
    }
}

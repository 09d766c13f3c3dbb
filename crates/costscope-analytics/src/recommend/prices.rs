//! The price table recommendations use: the built-in one, with the user's overrides.
//!
//! An override file is YAML:
//!
//! ```yaml
//! as_of: 2026-11-01
//! source: our enterprise discount rates
//! prices:
//!   ec2/m5.large: 0.0864
//!   ebs/gp3: 0.072
//!   ec2/m8g.large: 0.0898   # new keys of a known kind may be added
//! ```
//!
//! A key of an unknown kind (the part before `/`), a negative or non-numeric price, or any
//! other field is refused with the file, line and column.

use std::collections::HashMap;
use std::path::Path;

use costscope_core::prices::{Basis, Price, PriceTable};
use serde::Deserialize;

use crate::Result;
use crate::rules_file::{self, Spanned};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Overrides {
    #[serde(default)]
    as_of: Option<Spanned<String>>,
    #[serde(default)]
    source: Option<Spanned<String>>,
    #[serde(default)]
    prices: HashMap<Spanned<String>, Spanned<f64>>,
}

/// The built-in table with the overrides of the YAML file at `path`.
pub fn load(path: &Path) -> Result<PriceTable> {
    let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse(&text, &path.display().to_string())
}

/// The built-in table with the overrides in `text` (from `origin`, for messages).
pub fn parse(text: &str, origin: &str) -> Result<PriceTable> {
    let overrides: Overrides = rules_file::parse(text, origin)?;
    let mut table = PriceTable::aws_us_east_1();
    let kinds: Vec<String> = table
        .prices
        .keys()
        .filter_map(|k| k.split_once('/').map(|(kind, _)| kind.to_string()))
        .collect();
    // In file order, so the first bad entry is the one reported.
    let mut entries: Vec<_> = overrides.prices.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start().map(|m| (m.line(), m.column())));
    for (key, value) in entries {
        let Some((kind, name)) = key.split_once('/') else {
            return Err(rules_file::invalid(
                origin,
                key,
                format!(
                    "price key `{}` must be <kind>/<name>, e.g. ec2/m5.large",
                    **key
                ),
            ));
        };
        if name.is_empty() || !kinds.iter().any(|k| k == kind) {
            return Err(rules_file::invalid(
                origin,
                key,
                format!("unknown price kind `{kind}` in `{}`", **key),
            ));
        }
        if !value.is_finite() || **value < 0.0 {
            return Err(rules_file::invalid(
                origin,
                value,
                format!("price of `{}` must be a non-negative number", **key),
            ));
        }
        let unit = table
            .prices
            .get(key.as_str())
            .map(|p| p.unit.clone())
            .or_else(|| {
                table
                    .prices
                    .iter()
                    .find(|(k, _)| k.starts_with(&format!("{kind}/")))
                    .map(|(_, p)| p.unit.clone())
            })
            .unwrap_or_default();
        table.prices.insert(
            key.to_string(),
            Price {
                value: **value,
                unit,
                basis: Basis::User,
            },
        );
    }
    if let Some(as_of) = overrides.as_of {
        table.as_of = as_of.to_string();
    }
    table.source = match overrides.source {
        Some(source) => format!("{} (over the built-in table of {})", *source, table.source),
        None => format!("{origin} over the built-in table"),
    };
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_and_add_prices() {
        let table = parse(
            "as_of: 2026-11-01\nprices:\n  ebs/gp3: 0.07\n  ec2/m8g.large: 0.09\n",
            "p.yaml",
        )
        .expect("parse");
        assert_eq!(table.get("ebs/gp3"), Some(0.07));
        assert_eq!(table.instance_hour("m8g.large"), Some(0.09));
        assert_eq!(table.prices["ebs/gp3"].basis, Basis::User);
        assert_eq!(table.as_of, "2026-11-01");
        assert_eq!(table.get("ebs/gp2"), Some(0.10));
    }

    #[test]
    fn bad_overrides_name_line_and_column() {
        let error = parse("prices:\n  ebs/gp3: 0.07\n  ebz/gp3: 1\n", "p.yaml")
            .expect_err("unknown kind")
            .to_string();
        assert!(error.starts_with("p.yaml:3:3"), "{error}");
        let error = parse("prices:\n  ebs/gp3: -1\n", "p.yaml")
            .expect_err("negative")
            .to_string();
        assert!(error.starts_with("p.yaml:2:12"), "{error}");
        let error = parse("prices:\n  ebs/gp3: cheap\n", "p.yaml")
            .expect_err("not a number")
            .to_string();
        assert!(error.starts_with("p.yaml:2:"), "{error}");
        let error = parse("price: {}\n", "p.yaml")
            .expect_err("unknown field")
            .to_string();
        assert!(error.contains("price"), "{error}");
    }
}

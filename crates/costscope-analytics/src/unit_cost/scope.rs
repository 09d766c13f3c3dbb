//! What part of the bill a unit cost covers: `tag:KEY=VALUE`, `account=ID|NAME` or
//! `service=CODE`, as SQL predicates over `cur` and, where they map, over
//! `business_metrics` (whose `app` and `team` columns mirror the `app` and `team` tags).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::Error;
use crate::records::literal;
use crate::source::Reads;

/// One restriction of the cost (and, for `tag:app` and `tag:team`, of the metric).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Scope {
    /// Resources whose tag `key` (as written, e.g. `app`) has `value`.
    Tag { key: String, value: String },
    /// One linked account, by 12-digit ID or by name.
    Account { account: String },
    /// One service (`line_item_product_code`, e.g. `AWSLambda`).
    Service { code: String },
}

impl Scope {
    /// `reads` with what [`Scope::cur_predicate`] reads.
    pub fn reads(&self, reads: Reads) -> Reads {
        match self {
            Scope::Tag { key, .. } => reads.tag(&cur_tag_key(key)),
            Scope::Account { .. } => {
                reads.columns(["line_item_usage_account_id", "line_item_usage_account_name"])
            }
            Scope::Service { .. } => reads.columns(["line_item_product_code"]),
        }
    }

    /// A predicate over `cur` rows.
    pub fn cur_predicate(&self) -> String {
        match self {
            Scope::Tag { key, value } => format!(
                "resource_tags[{}] = {}",
                literal(&cur_tag_key(key)),
                literal(value)
            ),
            Scope::Account { account } if is_account_id(account) => {
                format!("line_item_usage_account_id = {}", literal(account))
            }
            Scope::Account { account } => {
                format!("line_item_usage_account_name = {}", literal(account))
            }
            Scope::Service { code } => format!("line_item_product_code = {}", literal(code)),
        }
    }

    /// A predicate over `business_metrics` rows, for scopes that name an app or a team;
    /// `None` for scopes business metrics do not carry.
    pub fn metric_predicate(&self) -> Option<String> {
        match self {
            Scope::Tag { key, value } => match cur_tag_key(key).as_str() {
                "user_app" => Some(format!("app = {}", literal(value))),
                "user_team" => Some(format!("team = {}", literal(value))),
                _ => None,
            },
            Scope::Account { .. } | Scope::Service { .. } => None,
        }
    }
}

/// CUR 2.0 spells user tag keys `user_<key>`; AWS-generated ones keep their `aws_` prefix.
fn cur_tag_key(key: &str) -> String {
    if key.starts_with("user_") || key.starts_with("aws_") {
        key.to_string()
    } else {
        format!("user_{key}")
    }
}

fn is_account_id(account: &str) -> bool {
    account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
}

impl FromStr for Scope {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let bad = |why: &str| {
            Error::InvalidArgument(format!(
                "invalid scope `{text}`: {why} (expected tag:KEY=VALUE, account=ID|NAME or service=CODE)"
            ))
        };
        let (name, value) = text.split_once('=').ok_or_else(|| bad("no `=`"))?;
        let (name, value) = (name.trim(), value.trim());
        if value.is_empty() {
            return Err(bad("empty value"));
        }
        if let Some(key) = name.strip_prefix("tag:") {
            if key.trim().is_empty() {
                return Err(bad("empty tag key"));
            }
            return Ok(Scope::Tag {
                key: key.trim().to_string(),
                value: value.to_string(),
            });
        }
        match name {
            "account" => Ok(Scope::Account {
                account: value.to_string(),
            }),
            "service" => Ok(Scope::Service {
                code: value.to_string(),
            }),
            other => Err(bad(&format!("unknown scope `{other}`"))),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Tag { key, value } => write!(f, "tag:{key}={value}"),
            Scope::Account { account } => write!(f, "account={account}"),
            Scope::Service { code } => write!(f, "service={code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(text: &str) -> Scope {
        text.parse().expect("scope")
    }

    #[test]
    fn scopes_become_quoted_predicates() {
        let app = scope("tag:app=clickstream");
        assert_eq!(
            app.cur_predicate(),
            "resource_tags['user_app'] = 'clickstream'"
        );
        assert_eq!(
            app.metric_predicate().as_deref(),
            Some("app = 'clickstream'")
        );
        assert_eq!(
            scope("tag:user_team=O'Brien").metric_predicate().as_deref(),
            Some("team = 'O''Brien'")
        );
        assert_eq!(scope("tag:env=prod").metric_predicate(), None);
        assert_eq!(
            scope("account=222222222222").cur_predicate(),
            "line_item_usage_account_id = '222222222222'"
        );
        assert_eq!(
            scope("account=App-Team-Prod").cur_predicate(),
            "line_item_usage_account_name = 'App-Team-Prod'"
        );
        assert_eq!(
            scope("service=AWSLambda").cur_predicate(),
            "line_item_product_code = 'AWSLambda'"
        );
        assert_eq!(
            scope("tag:app=clickstream").to_string(),
            "tag:app=clickstream"
        );
    }

    #[test]
    fn bad_scopes_say_what_is_expected() {
        for text in ["app", "tag:=x", "tag:app=", "region=us-east-1"] {
            let e = text.parse::<Scope>().expect_err(text).to_string();
            assert!(e.contains(text) && e.contains("tag:KEY=VALUE"), "{e}");
        }
    }
}

//! Required tag keys: the names users write (`department`) and the keys CUR 2.0 stores
//! them under in `resource_tags` (`user_department`).

use serde::Serialize;

use crate::Result;
use crate::error::Error;

/// A required tag key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequiredKey {
    /// The key as users write it and as reports name it: `department`.
    pub key: String,
    /// The key in CUR 2.0 `resource_tags`: `user_department`.
    pub tag_key: String,
}

/// Prefixes of CUR 2.0 tag keys: user-defined and AWS-generated tags.
const USER_PREFIX: &str = "user_";
const AWS_PREFIX: &str = "aws_";

/// The CUR 2.0 key of a tag key given either way: `department` → `user_department`;
/// `user_department` and `aws_createdBy` stay as they are.
pub fn tag_key(name: &str) -> String {
    if name.starts_with(USER_PREFIX) || name.starts_with(AWS_PREFIX) {
        name.to_string()
    } else {
        format!("{USER_PREFIX}{name}")
    }
}

/// The name users know a CUR 2.0 key by: `user_department` → `department`.
pub fn display_name(tag_key: &str) -> String {
    tag_key
        .strip_prefix(USER_PREFIX)
        .unwrap_or(tag_key)
        .to_string()
}

/// Validates the required keys: at least one, none empty, none twice.
pub fn parse_required(names: &[String]) -> Result<Vec<RequiredKey>> {
    let mut keys: Vec<RequiredKey> = Vec::new();
    for name in names {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::InvalidArgument(
                "required tag keys: an empty key (use e.g. department,team,app)".into(),
            ));
        }
        let key = RequiredKey {
            key: display_name(name),
            tag_key: tag_key(name),
        };
        if keys.iter().any(|k| k.tag_key == key.tag_key) {
            return Err(Error::InvalidArgument(format!(
                "required tag keys: `{}` is given twice",
                key.key
            )));
        }
        keys.push(key);
    }
    if keys.is_empty() {
        return Err(Error::InvalidArgument(
            "no required tag keys given (use e.g. department,team,app)".into(),
        ));
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn keys_are_accepted_with_or_without_the_cur_prefix() {
        let keys =
            parse_required(&names(&["department", "user_team", " aws_createdBy "])).expect("valid");
        let pairs: Vec<(&str, &str)> = keys
            .iter()
            .map(|k| (k.key.as_str(), k.tag_key.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("department", "user_department"),
                ("team", "user_team"),
                ("aws_createdBy", "aws_createdBy")
            ]
        );
    }

    #[test]
    fn empty_and_repeated_keys_are_refused() {
        for bad in [&[][..], &[""][..], &["team", " "][..]] {
            let message = parse_required(&names(bad)).expect_err("bad").to_string();
            assert!(message.contains("department,team,app"), "{message}");
        }
        let message = parse_required(&names(&["team", "user_team"]))
            .expect_err("twice")
            .to_string();
        assert!(message.contains("`team` is given twice"), "{message}");
    }
}

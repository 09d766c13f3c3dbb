//! Client-session statements answered by the wire layer, never passed to the engine.
//! Drivers and tools send them on connect and around queries; they change how the client
//! reads results, not what the engine computes, so they are safe for every principal
//! (the engine refuses `SET` to non-administrators):
//!
//! - `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT`: accepted; every
//!   statement is read-only, so a transaction only groups them.
//! - `SET [SESSION|LOCAL] name {=|TO} value` and `RESET name|ALL` for the client settings
//!   [`CLIENT_SETTINGS`]; `SET TIME ZONE`, `SET [SESSION CHARACTERISTICS AS] TRANSACTION
//!   ...`, `DISCARD ALL`, `DEALLOCATE ...`: accepted (values are recorded and shown back;
//!   results are always UTF-8 and timestamps UTC).
//! - `SHOW name` for the client settings and the server facts of [`server_fact`].
//! - `SELECT version()`, `current_database()`, `current_schema()`, `current_user`,
//!   `session_user`.
//!
//! Every other statement, including `SET` of anything else and `SHOW TABLES`, goes to the
//! engine in the principal's session.

use std::sync::{Arc, LazyLock};

use pgwire::api::ClientInfo;
use pgwire::api::Type;
use pgwire::api::results::{DataRowEncoder, FieldFormat, FieldInfo, QueryResponse, Response, Tag};
use regex::Regex;

use super::auth::DATABASE;

/// Settings that only concern the client, accepted from `SET` and shown by `SHOW`.
pub const CLIENT_SETTINGS: [&str; 10] = [
    "application_name",
    "client_encoding",
    "datestyle",
    "extra_float_digits",
    "intervalstyle",
    "timezone",
    "search_path",
    "client_min_messages",
    "bytea_output",
    "standard_conforming_strings",
];

/// What the wire layer does with a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Wire {
    Begin,
    Commit,
    Rollback,
    /// Accepted with this command tag.
    Accept(&'static str),
    Set {
        name: String,
        value: String,
    },
    Reset(Option<String>),
    /// One text value in a column.
    Value {
        column: String,
        value: Value,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    Setting(String),
    Fixed(String),
    User,
}

macro_rules! pattern {
    ($name:ident, $re:literal) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($re).expect("a valid pattern"));
    };
}

pattern!(BEGIN, r"(?is)^(begin|start\s+transaction)(\s.*)?$");
pattern!(COMMIT, r"(?i)^(commit|end)(\s+(transaction|work))?$");
pattern!(ROLLBACK, r"(?i)^(rollback|abort)(\s+(transaction|work))?$");
pattern!(
    SET,
    r"(?is)^set\s+(?:session\s+|local\s+)?([a-z_]+)\s*(?:=|\s+to\s+)\s*(.+)$"
);
pattern!(
    SET_TIME_ZONE,
    r"(?is)^set\s+(?:session\s+|local\s+)?time\s+zone\s+(.+)$"
);
pattern!(
    SET_TRANSACTION,
    r"(?is)^set\s+(session\s+characteristics\s+as\s+)?transaction\s"
);
pattern!(RESET, r"(?i)^reset\s+([a-z_]+)$");
pattern!(DISCARD, r"(?i)^discard\s+all$");
pattern!(DEALLOCATE, r"(?is)^deallocate\s");
pattern!(SHOW, r"(?i)^show\s+([a-z_]+(?:\s+[a-z_]+)*)$");
pattern!(
    SELECT_FUNCTION,
    r"(?i)^select\s+(?:pg_catalog\.)?(version|current_database|current_schema)\s*\(\s*\)$"
);
pattern!(SELECT_USER, r"(?i)^select\s+(current_user|session_user)$");

fn classify(sql: &str) -> Option<Wire> {
    let sql = sql.trim().trim_end_matches(';').trim();
    if BEGIN.is_match(sql) {
        return Some(Wire::Begin);
    }
    if COMMIT.is_match(sql) {
        return Some(Wire::Commit);
    }
    if ROLLBACK.is_match(sql) {
        return Some(Wire::Rollback);
    }
    if let Some(c) = SET_TIME_ZONE.captures(sql) {
        return Some(Wire::Set {
            name: "timezone".into(),
            value: unquote(&c[1]),
        });
    }
    if SET_TRANSACTION.is_match(sql) {
        return Some(Wire::Accept("SET"));
    }
    if let Some(c) = SET.captures(sql) {
        let name = c[1].to_ascii_lowercase();
        return CLIENT_SETTINGS.contains(&name.as_str()).then(|| Wire::Set {
            name,
            value: unquote(&c[2]),
        });
    }
    if let Some(c) = RESET.captures(sql) {
        let name = c[1].to_ascii_lowercase();
        return match name.as_str() {
            "all" => Some(Wire::Reset(None)),
            n if CLIENT_SETTINGS.contains(&n) => Some(Wire::Reset(Some(name))),
            _ => None,
        };
    }
    if DISCARD.is_match(sql) {
        return Some(Wire::Accept("DISCARD ALL"));
    }
    if DEALLOCATE.is_match(sql) {
        return Some(Wire::Accept("DEALLOCATE"));
    }
    if let Some(c) = SHOW.captures(sql) {
        let name = c[1].split_whitespace().collect::<Vec<_>>().join(" ");
        let key = name.to_ascii_lowercase();
        let value = if CLIENT_SETTINGS.contains(&key.as_str()) {
            Value::Setting(key.clone())
        } else {
            Value::Fixed(server_fact(&key)?.to_string())
        };
        let column = key.replace(' ', "_");
        return Some(Wire::Value { column, value });
    }
    if let Some(c) = SELECT_FUNCTION.captures(sql) {
        let function = c[1].to_ascii_lowercase();
        let value = match function.as_str() {
            "version" => Value::Fixed(version()),
            "current_database" => Value::Fixed(DATABASE.into()),
            _ => Value::Fixed("costscope".into()),
        };
        return Some(Wire::Value {
            column: function,
            value,
        });
    }
    if let Some(c) = SELECT_USER.captures(sql) {
        return Some(Wire::Value {
            column: c[1].to_ascii_lowercase(),
            value: Value::User,
        });
    }
    None
}

/// Facts about the server that `SHOW` reports.
pub fn server_fact(name: &str) -> Option<&'static str> {
    Some(match name {
        "server_version" => "16.6",
        "server_version_num" => "160006",
        "server_encoding" => "UTF8",
        "transaction isolation level" | "transaction_isolation" => "read committed",
        "transaction_read_only" | "default_transaction_read_only" => "on",
        "is_superuser" => "off",
        "integer_datetimes" => "on",
        "max_identifier_length" => "63",
        "lc_collate" | "lc_ctype" => "C.UTF-8",
        _ => return None,
    })
}

fn version() -> String {
    format!(
        "PostgreSQL 16.6 (costscope {} on Apache DataFusion)",
        env!("CARGO_PKG_VERSION")
    )
}

fn unquote(value: &str) -> String {
    let value = value.trim();
    value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .map(|v| v.replace("''", "'"))
        .unwrap_or_else(|| value.to_string())
}

/// The columns a wire-layer statement answers (`None`: the engine answers it).
pub fn describe(sql: &str) -> Option<Vec<FieldInfo>> {
    Some(match classify(sql)? {
        Wire::Value { column, .. } => vec![text_field(column)],
        _ => Vec::new(),
    })
}

fn text_field(name: String) -> FieldInfo {
    FieldInfo::new(name, None, None, Type::TEXT, FieldFormat::Text)
}

/// The wire layer's answer to `sql`, or `None` when the engine must answer it.
pub fn answer<C: ClientInfo>(client: &mut C, sql: &str) -> Option<Response> {
    Some(match classify(sql)? {
        Wire::Begin => Response::TransactionStart(Tag::new("BEGIN")),
        Wire::Commit => Response::TransactionEnd(Tag::new("COMMIT")),
        Wire::Rollback => Response::TransactionEnd(Tag::new("ROLLBACK")),
        Wire::Accept(tag) => Response::Execution(Tag::new(tag)),
        Wire::Set { name, value } => {
            client.metadata_mut().insert(name, value);
            Response::Execution(Tag::new("SET"))
        }
        Wire::Reset(name) => {
            match name {
                Some(name) => {
                    client.metadata_mut().remove(&name);
                }
                None => {
                    for name in CLIENT_SETTINGS {
                        if name != "client_encoding" && name != "application_name" {
                            client.metadata_mut().remove(name);
                        }
                    }
                }
            }
            Response::Execution(Tag::new("RESET"))
        }
        Wire::Value { column, value } => {
            let text = match value {
                Value::Fixed(text) => text,
                Value::Setting(name) => setting(client, &name),
                Value::User => client
                    .metadata()
                    .get(pgwire::api::METADATA_USER)
                    .cloned()
                    .unwrap_or_default(),
            };
            let fields = Arc::new(vec![text_field(column)]);
            let mut encoder = DataRowEncoder::new(fields.clone());
            if let Err(error) = encoder.encode_field(&text) {
                return Some(Response::Error(Box::new(error.into())));
            }
            let row = encoder.take_row();
            Response::Query(QueryResponse::new(fields, futures::stream::iter([Ok(row)])))
        }
    })
}

/// A client setting's value: what the session set, or the default.
fn setting<C: ClientInfo>(client: &C, name: &str) -> String {
    let metadata = client.metadata();
    let found = metadata.get(name).or_else(|| {
        metadata
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    });
    match (found, name) {
        (Some(value), _) => value.clone(),
        (None, "client_encoding") => "UTF8".into(),
        (None, "datestyle") => "ISO, MDY".into(),
        (None, "extra_float_digits") => "1".into(),
        (None, "intervalstyle") => "postgres".into(),
        (None, "timezone") => "UTC".into(),
        (None, "search_path") => "costscope".into(),
        (None, "client_min_messages") => "notice".into(),
        (None, "bytea_output") => "hex".into(),
        (None, "standard_conforming_strings") => "on".into(),
        (None, _) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_session_statements_are_recognised() {
        assert_eq!(classify("BEGIN"), Some(Wire::Begin));
        assert_eq!(classify("begin read only;"), Some(Wire::Begin));
        assert_eq!(
            classify("START TRANSACTION ISOLATION LEVEL SERIALIZABLE"),
            Some(Wire::Begin)
        );
        assert_eq!(classify("commit"), Some(Wire::Commit));
        assert_eq!(classify("ROLLBACK"), Some(Wire::Rollback));
        assert_eq!(
            classify("SET extra_float_digits = 3"),
            Some(Wire::Set {
                name: "extra_float_digits".into(),
                value: "3".into()
            })
        );
        assert_eq!(
            classify("SET application_name TO 'it''s psql'"),
            Some(Wire::Set {
                name: "application_name".into(),
                value: "it's psql".into()
            })
        );
        assert_eq!(
            classify("SET TIME ZONE 'UTC'"),
            Some(Wire::Set {
                name: "timezone".into(),
                value: "UTC".into()
            })
        );
        assert!(matches!(
            classify("show server_version"),
            Some(Wire::Value { .. })
        ));
        assert!(matches!(
            classify("SHOW TRANSACTION ISOLATION LEVEL"),
            Some(Wire::Value { .. })
        ));
        assert!(matches!(
            classify("select version()"),
            Some(Wire::Value { .. })
        ));
    }

    #[test]
    fn everything_else_goes_to_the_engine() {
        for sql in [
            "SET datafusion.execution.batch_size = 1",
            "SET datafusion.catalog.information_schema TO false",
            "SHOW TABLES",
            "SHOW ALL",
            "SELECT version(), 1",
            "SELECT * FROM cur",
            "RESET datafusion.execution.batch_size",
            "BEGINNING",
        ] {
            assert_eq!(classify(sql), None, "{sql}");
        }
    }
}

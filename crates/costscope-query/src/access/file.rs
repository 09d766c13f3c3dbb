//! The access file as written (YAML with positions), and its validation into [`Access`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use costscope_core::tables;
use costscope_core::yaml::{self, Spanned};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::DFSchema;
use datafusion::logical_expr::ExprSchemable;
use serde::Deserialize;

use super::{Access, Oidc, PrincipalEntry, RoleGrants, TableGrant, Workgroup};
use crate::{Error, Result};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccessFile {
    #[serde(default)]
    principals: Vec<PrincipalFile>,
    oidc: Option<OidcFile>,
    #[serde(default)]
    roles: HashMap<Spanned<String>, RoleFile>,
    #[serde(default)]
    workgroups: HashMap<Spanned<String>, WorkgroupFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PrincipalFile {
    name: Spanned<String>,
    token_sha256: Spanned<String>,
    #[serde(default)]
    roles: Vec<Spanned<String>>,
    workgroup: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OidcFile {
    issuer: Spanned<String>,
    audience: Spanned<String>,
    jwks: Spanned<String>,
    roles_claim: Option<Spanned<String>>,
    name_claim: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    may_change_state: bool,
    workgroup: Option<Spanned<String>>,
    #[serde(default)]
    grants: Vec<GrantFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GrantFile {
    tables: Vec<Spanned<String>>,
    permissions: Vec<Spanned<String>>,
    rows: Option<Spanned<String>>,
    columns: Option<ColumnsFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnsFile {
    include: Option<Vec<Spanned<String>>>,
    exclude: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkgroupFile {
    timeout: Option<Spanned<String>>,
    max_concurrent: Option<Spanned<usize>>,
    max_queued: Option<Spanned<usize>>,
    max_scanned_bytes: Option<Spanned<String>>,
    max_result_rows: Option<Spanned<u64>>,
    memory: Option<Spanned<String>>,
}

pub(super) fn parse(text: &str, origin: &str, folder: &Path) -> Result<Access> {
    let file: AccessFile = yaml::parse(text, origin)?;
    let at = |value: &Spanned<String>, message: String| -> Error {
        Error::Access(yaml::invalid(origin, value, message))
    };
    let mut workgroups = BTreeMap::new();
    for (name, limits) in in_file_order(&file.workgroups) {
        workgroups.insert(name.to_string(), workgroup(origin, name, limits)?);
    }
    let known_workgroup = |name: &Spanned<String>| -> Result<String> {
        if workgroups.contains_key(name.as_str()) {
            Ok(name.to_string())
        } else {
            Err(at(
                name,
                format!(
                    "unknown workgroup `{}`: define it under `workgroups`",
                    name.as_str()
                ),
            ))
        }
    };
    let mut roles = BTreeMap::new();
    for (name, role) in in_file_order(&file.roles) {
        let workgroup = role.workgroup.as_ref().map(&known_workgroup).transpose()?;
        if role.admin && !role.grants.is_empty() {
            return Err(at(
                name,
                format!(
                    "role `{}` is admin: it sees everything, remove its grants",
                    name.as_str()
                ),
            ));
        }
        let mut tables = BTreeMap::new();
        for grant in &role.grants {
            for (table, table_grant) in table_grants(origin, grant)? {
                if tables.insert(table.to_string(), table_grant).is_some() {
                    return Err(at(
                        &table,
                        format!(
                            "table `{}` is granted twice in role `{}`: one grant per table and role",
                            table.as_str(),
                            name.as_str()
                        ),
                    ));
                }
            }
        }
        roles.insert(
            name.to_string(),
            RoleGrants {
                admin: role.admin,
                may_change_state: role.admin || role.may_change_state,
                workgroup,
                tables,
            },
        );
    }
    let mut principals: Vec<PrincipalEntry> = Vec::new();
    for entry in &file.principals {
        if principals.iter().any(|p| p.name == entry.name.as_str()) {
            return Err(at(
                &entry.name,
                format!("principal `{}` is defined twice", entry.name.as_str()),
            ));
        }
        let token = entry.token_sha256.as_str();
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(at(
                &entry.token_sha256,
                "token_sha256 must be 64 hexadecimal digits (the SHA-256 of the token)".into(),
            ));
        }
        let token = token.to_ascii_lowercase();
        if principals.iter().any(|p| p.token_sha256 == token) {
            return Err(at(
                &entry.token_sha256,
                "this token_sha256 belongs to another principal already".into(),
            ));
        }
        for role in &entry.roles {
            if !roles.contains_key(role.as_str()) {
                let names: Vec<&str> = roles.keys().map(String::as_str).collect();
                return Err(at(
                    role,
                    format!(
                        "unknown role `{}` (roles: {})",
                        role.as_str(),
                        names.join(", ")
                    ),
                ));
            }
        }
        principals.push(PrincipalEntry {
            name: entry.name.to_string(),
            token_sha256: token,
            roles: entry.roles.iter().map(|r| r.to_string()).collect(),
            workgroup: entry.workgroup.as_ref().map(&known_workgroup).transpose()?,
        });
    }
    let oidc = file.oidc.as_ref().map(|o| Oidc {
        issuer: o.issuer.to_string(),
        audience: o.audience.to_string(),
        jwks: super::resolve_path(folder, o.jwks.as_str()),
        roles_claim: o
            .roles_claim
            .as_ref()
            .map_or("groups".into(), |c| c.to_string()),
        name_claim: o
            .name_claim
            .as_ref()
            .map_or("sub".into(), |c| c.to_string()),
    });
    let access = Access {
        principals,
        roles,
        workgroups,
        oidc,
    };
    // Every principal's roles must combine (same columns per table).
    for (entry, written) in access.principals.iter().zip(&file.principals) {
        access
            .resolve(entry)
            .map_err(|e| at(&written.name, e.to_string()))?;
    }
    Ok(access)
}

/// A mapping's entries in the order the file writes them, so the first error is reported.
fn in_file_order<V>(map: &HashMap<Spanned<String>, V>) -> Vec<(&Spanned<String>, &V)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start().map(|m| (m.line(), m.column())));
    entries
}

/// The grant of each table a grant entry names.
fn table_grants(origin: &str, grant: &GrantFile) -> Result<Vec<(Spanned<String>, TableGrant)>> {
    let at = |value: &Spanned<String>, message: String| -> Error {
        Error::Access(yaml::invalid(origin, value, message))
    };
    let mut select = false;
    let mut describe = false;
    for permission in &grant.permissions {
        match permission.as_str() {
            "select" => select = true,
            "describe" => describe = true,
            other => {
                return Err(at(
                    permission,
                    format!("unknown permission `{other}`: use select or describe"),
                ));
            }
        }
    }
    let mut found = Vec::new();
    for table in &grant.tables {
        let schema = lake_schema(table.as_str()).ok_or_else(|| {
            let hint = if tables::VIEWS.contains(&table.as_str()) {
                "it is a view and inherits the grant of the table it reads: grant that table"
                    .to_string()
            } else {
                let names: Vec<&str> = tables::LAKE_TABLES.iter().map(|t| t.name).collect();
                format!("tables: {}", names.join(", "))
            };
            at(
                table,
                format!("unknown table `{}` ({hint})", table.as_str()),
            )
        })?;
        let rows = match &grant.rows {
            None => None,
            Some(rows) => {
                check_row_filter(&schema, rows.as_str()).map_err(|m| at(rows, m))?;
                Some(vec![rows.to_string()])
            }
        };
        let (hidden_columns, hidden_keys) = match &grant.columns {
            None => (BTreeSet::new(), BTreeMap::new()),
            Some(columns) => hidden(origin, &schema, columns)?,
        };
        found.push((
            table.clone(),
            TableGrant {
                select,
                describe,
                rows,
                hidden_columns,
                hidden_keys,
            },
        ));
    }
    Ok(found)
}

fn lake_schema(table: &str) -> Option<SchemaRef> {
    tables::LAKE_TABLES
        .iter()
        .find(|t| t.name == table)
        .map(|t| (t.schema)())
}

/// The columns and map keys a column filter hides: the complement of `include`, or
/// `exclude` itself.
#[allow(clippy::type_complexity)]
fn hidden(
    origin: &str,
    schema: &SchemaRef,
    columns: &ColumnsFile,
) -> Result<(BTreeSet<String>, BTreeMap<String, BTreeSet<String>>)> {
    let at = |value: &Spanned<String>, message: String| -> Error {
        Error::Access(yaml::invalid(origin, value, message))
    };
    let mut named_columns = BTreeSet::new();
    let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let (list, excluding) = match (&columns.include, &columns.exclude) {
        (Some(list), None) => (list, false),
        (None, Some(list)) => (list, true),
        _ => {
            return Err(Error::Access(yaml::Invalid {
                location: yaml::Location {
                    origin: origin.to_string(),
                    line: grant_line(columns),
                    column: 1,
                },
                message: "columns: give either `include` or `exclude`".into(),
            }));
        }
    };
    for entry in list {
        let (column, key) = split_map_key(entry.as_str()).map_err(|m| at(entry, m))?;
        let field = schema
            .field_with_name(&column)
            .map_err(|_| at(entry, format!("unknown column `{column}` in this table")))?;
        match key {
            None => {
                named_columns.insert(column);
            }
            Some(key) => {
                if !excluding {
                    return Err(at(entry, "map keys can only be excluded: include the whole column and exclude its keys".into()));
                }
                if !matches!(field.data_type(), DataType::Map(..)) {
                    return Err(at(
                        entry,
                        format!("column `{column}` is not a map: name it without a key"),
                    ));
                }
                keys.entry(column).or_default().insert(key);
            }
        }
    }
    let hidden_columns = if excluding {
        named_columns
    } else {
        schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|name| !named_columns.contains(name))
            .collect()
    };
    Ok((hidden_columns, keys))
}

fn grant_line(columns: &ColumnsFile) -> usize {
    columns
        .include
        .iter()
        .chain(columns.exclude.iter())
        .flatten()
        .find_map(|v| v.span().start().map(|m| m.line()))
        .unwrap_or(1)
}

/// `resource_tags['user_team']` → (`resource_tags`, `user_team`); `column` → (`column`, None).
fn split_map_key(entry: &str) -> std::result::Result<(String, Option<String>), String> {
    match entry.split_once('[') {
        None => Ok((entry.trim().to_string(), None)),
        Some((column, rest)) => {
            let key = rest
                .strip_suffix(']')
                .and_then(|k| k.trim().strip_prefix('\''))
                .and_then(|k| k.strip_suffix('\''))
                .filter(|k| !k.is_empty() && !k.contains('\''))
                .ok_or_else(|| format!("`{entry}`: write a map key as column['key']"))?;
            Ok((column.trim().to_string(), Some(key.to_string())))
        }
    }
}

/// A row filter must be a boolean SQL expression over the table's columns.
fn check_row_filter(schema: &SchemaRef, sql: &str) -> std::result::Result<(), String> {
    let ctx = crate::engine::planning_context().map_err(|e| e.to_string())?;
    let df_schema = DFSchema::try_from(schema.as_ref().clone()).map_err(|e| e.to_string())?;
    let expr = ctx
        .parse_sql_expr(sql, &df_schema)
        .map_err(|e| format!("row filter `{sql}` does not plan: {}", e.strip_backtrace()))?;
    let data_type = expr
        .get_type(&df_schema)
        .map_err(|e| format!("row filter `{sql}`: {}", e.strip_backtrace()))?;
    if data_type != DataType::Boolean {
        return Err(format!(
            "row filter `{sql}` is {data_type}, not a condition (true or false)"
        ));
    }
    Ok(())
}

fn workgroup(origin: &str, name: &Spanned<String>, limits: &WorkgroupFile) -> Result<Workgroup> {
    let at = |value: &Spanned<String>, message: String| -> Error {
        Error::Access(yaml::invalid(origin, value, message))
    };
    let duration = |value: &Spanned<String>| -> Result<Duration> {
        humantime::parse_duration(value.as_str()).map_err(|e| {
            at(
                value,
                format!(
                    "`{}` is not a duration such as 60s or 5m: {e}",
                    value.as_str()
                ),
            )
        })
    };
    let bytes = |value: &Spanned<String>| -> Result<u64> {
        value
            .as_str()
            .parse::<bytesize::ByteSize>()
            .map(|b| b.as_u64())
            .map_err(|e| {
                at(
                    value,
                    format!(
                        "`{}` is not a size such as 512MiB or 20GiB: {e}",
                        value.as_str()
                    ),
                )
            })
    };
    let positive = |value: &Option<Spanned<usize>>| -> Result<Option<usize>> {
        match value {
            Some(v) if **v == 0 => Err(Error::Access(yaml::invalid(
                origin,
                v,
                "must be at least 1",
            ))),
            Some(v) => Ok(Some(**v)),
            None => Ok(None),
        }
    };
    Ok(Workgroup {
        name: name.to_string(),
        timeout: limits.timeout.as_ref().map(duration).transpose()?,
        max_concurrent: positive(&limits.max_concurrent)?,
        max_queued: limits.max_queued.as_ref().map(|v| **v),
        max_scanned_bytes: limits.max_scanned_bytes.as_ref().map(bytes).transpose()?,
        max_result_rows: limits.max_result_rows.as_ref().map(|v| **v),
        memory: limits.memory.as_ref().map(bytes).transpose()?,
    })
}

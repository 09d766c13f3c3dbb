//! Who may read what: the access file's principals, roles, grants and workgroups, resolved
//! into the [`Principal`] a session is built for.
//!
//! A principal is an administrator (every table, row and column; may change state) or holds
//! [`Grants`]: per lake table, the permissions, a row filter and the hidden columns and map
//! keys. A table without a grant does not exist for the principal. Views (`cur_amortized`,
//! `ip_owners`) inherit the grant of the table they read. See `docs/access.md`.

mod file;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// A validated access file.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    principals: Vec<PrincipalEntry>,
    roles: BTreeMap<String, RoleGrants>,
    workgroups: BTreeMap<String, Workgroup>,
    oidc: Option<Oidc>,
}

#[derive(Debug, Clone, PartialEq)]
struct PrincipalEntry {
    name: String,
    token_sha256: String,
    roles: Vec<String>,
    workgroup: Option<String>,
}

/// One role's grants, as the file states them.
#[derive(Debug, Clone, PartialEq)]
struct RoleGrants {
    admin: bool,
    may_change_state: bool,
    workgroup: Option<String>,
    tables: BTreeMap<String, TableGrant>,
}

/// Validating a JWT from the organisation's identity provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oidc {
    /// The `iss` claim tokens must carry.
    pub issuer: String,
    /// The `aud` claim tokens must carry.
    pub audience: String,
    /// The key set: a file path (resolved against the access file's folder) or an https URL.
    pub jwks: String,
    /// The claim whose values are role names.
    pub roles_claim: String,
    /// The claim naming the principal.
    pub name_claim: String,
}

/// A workgroup's limits. Every limit is optional; an absent one does not apply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Workgroup {
    pub name: String,
    /// A query running longer is cancelled.
    pub timeout: Option<Duration>,
    /// Queries running at once; more wait in a queue.
    pub max_concurrent: Option<usize>,
    /// Queries waiting at once; more are refused as busy.
    pub max_queued: Option<usize>,
    /// Bytes a query may read from the lake's tables (decoded Arrow bytes, after the row
    /// filter).
    pub max_scanned_bytes: Option<u64>,
    /// Rows a result may have.
    pub max_result_rows: Option<u64>,
    /// Memory the workgroup's running queries may hold together.
    pub memory: Option<u64>,
}

/// What a principal may do with one table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableGrant {
    /// May read rows.
    pub select: bool,
    /// May see the table's columns with `DESCRIBE`.
    pub describe: bool,
    /// SQL predicates over the table's columns; a row is visible when any holds. `None`:
    /// every row.
    pub rows: Option<Vec<String>>,
    /// Columns that do not exist for the principal.
    pub hidden_columns: BTreeSet<String>,
    /// Keys removed from map columns (`resource_tags`), by column.
    pub hidden_keys: BTreeMap<String, BTreeSet<String>>,
}

/// The tables a restricted principal may use, by table name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grants {
    pub tables: BTreeMap<String, TableGrant>,
}

/// Who a session is for, and what they may read and do.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub name: String,
    /// `None`: an administrator.
    grants: Option<Arc<Grants>>,
    may_change_state: bool,
    workgroup: Option<Workgroup>,
    workgroups: BTreeMap<String, Workgroup>,
}

impl Principal {
    /// The built-in administrator (the CLI without an access file).
    pub fn admin() -> Self {
        Principal::administrator("admin")
    }

    fn administrator(name: &str) -> Self {
        Principal {
            name: name.to_string(),
            grants: None,
            may_change_state: true,
            workgroup: None,
            workgroups: BTreeMap::new(),
        }
    }

    /// A restricted principal with `grants` (for tests and tools; access files are the
    /// usual source).
    pub fn restricted(name: &str, grants: Grants) -> Self {
        Principal {
            name: name.to_string(),
            grants: Some(Arc::new(grants)),
            may_change_state: false,
            workgroup: None,
            workgroups: BTreeMap::new(),
        }
    }

    /// Sees every table, row and column.
    pub fn is_admin(&self) -> bool {
        self.grants.is_none()
    }

    /// May give anomaly feedback and move recommendations through their lifecycle.
    pub fn may_change_state(&self) -> bool {
        self.may_change_state
    }

    /// The grants of a restricted principal (`None` for administrators).
    pub fn grants(&self) -> Option<&Grants> {
        self.grants.as_deref()
    }

    /// The workgroup the principal's queries run in.
    pub fn workgroup(&self) -> Option<&Workgroup> {
        self.workgroup.as_ref()
    }

    /// The workgroups the principal belongs to.
    pub fn workgroups(&self) -> impl Iterator<Item = &str> {
        self.workgroups.keys().map(String::as_str)
    }

    /// The same principal running in workgroup `name`, which it must belong to
    /// (administrators may use any).
    pub fn in_workgroup(&self, name: &str) -> Result<Principal> {
        match self.workgroups.get(name) {
            Some(workgroup) => Ok(Principal {
                workgroup: Some(workgroup.clone()),
                ..self.clone()
            }),
            None => Err(Error::Denied(format!(
                "principal `{}` is not a member of workgroup `{name}`",
                self.name
            ))),
        }
    }

    /// This principal's grant on `table`, if it may use the table at all. Administrators
    /// get a grant with everything.
    pub fn table(&self, table: &str) -> Option<TableGrant> {
        match &self.grants {
            None => Some(TableGrant {
                select: true,
                describe: true,
                ..TableGrant::default()
            }),
            Some(grants) => grants.tables.get(table).cloned(),
        }
    }
}

impl Access {
    /// Reads and validates the access file at `path`; every error names
    /// `file:line:column`.
    pub fn load(path: &Path) -> Result<Access> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Access::parse(&text, &path.display().to_string(), &folder)
    }

    /// Validates the access file `text` (from `origin`; relative paths in it are resolved
    /// against `folder`).
    pub fn parse(text: &str, origin: &str, folder: &Path) -> Result<Access> {
        file::parse(text, origin, folder)
    }

    /// The principal whose token this is. Tokens are compared by their SHA-256, in time
    /// independent of where they differ.
    pub fn authenticate_token(&self, token: &str) -> Result<Principal> {
        let digest = token_sha256(token);
        // Every entry is compared, so the time does not tell which one matched.
        let found = self.principals.iter().fold(None, |found, p| {
            match constant_time_eq(p.token_sha256.as_bytes(), digest.as_bytes()) {
                true => Some(p),
                false => found,
            }
        });
        match found {
            Some(entry) => self.resolve(entry),
            None => Err(Error::Unauthenticated(
                "unknown token: give a principal's token from the access file".into(),
            )),
        }
    }

    /// The principal named `name` (to run commands as it).
    pub fn principal(&self, name: &str) -> Result<Principal> {
        let entry = self
            .principals
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.principals.iter().map(|p| p.name.as_str()).collect();
                Error::NotFound(format!(
                    "no principal `{name}` in the access file (principals: {})",
                    names.join(", ")
                ))
            })?;
        self.resolve(entry)
    }

    /// A principal known by its identity provider's claims: `name` with `roles` (role names
    /// the file does not define are ignored; with none left the principal sees nothing).
    pub fn principal_with_roles(&self, name: &str, roles: &[String]) -> Result<Principal> {
        let known: Vec<&str> = roles
            .iter()
            .map(String::as_str)
            .filter(|r| self.roles.contains_key(*r))
            .collect();
        self.combine(name, &known, None)
    }

    /// How to validate identity-provider tokens, if the file allows them.
    pub fn oidc(&self) -> Option<&Oidc> {
        self.oidc.as_ref()
    }

    /// The principals' names, in file order.
    pub fn principal_names(&self) -> impl Iterator<Item = &str> {
        self.principals.iter().map(|p| p.name.as_str())
    }

    /// The workgroups, by name.
    pub fn workgroups(&self) -> &BTreeMap<String, Workgroup> {
        &self.workgroups
    }

    fn resolve(&self, entry: &PrincipalEntry) -> Result<Principal> {
        let roles: Vec<&str> = entry.roles.iter().map(String::as_str).collect();
        self.combine(&entry.name, &roles, entry.workgroup.as_deref())
    }

    /// The union of `roles`: an administrator if any role is; otherwise every table any
    /// role grants, with the permissions of all and the rows of any. Grants of one table
    /// must hide the same columns (a union of different column sets would show cells no
    /// grant shows).
    fn combine(&self, name: &str, roles: &[&str], workgroup: Option<&str>) -> Result<Principal> {
        let roles: Vec<&RoleGrants> = roles.iter().filter_map(|r| self.roles.get(*r)).collect();
        let mut principal = if roles.iter().any(|r| r.admin) {
            Principal::administrator(name)
        } else {
            let mut grants = Grants::default();
            for role in &roles {
                for (table, grant) in &role.tables {
                    match grants.tables.get_mut(table) {
                        None => {
                            grants.tables.insert(table.clone(), grant.clone());
                        }
                        Some(held) => merge_grant(name, table, held, grant)?,
                    }
                }
            }
            let mut principal = Principal::restricted(name, grants);
            principal.may_change_state = roles.iter().any(|r| r.may_change_state);
            principal
        };
        let member_of: BTreeSet<&str> = if principal.is_admin() {
            self.workgroups.keys().map(String::as_str).collect()
        } else {
            roles
                .iter()
                .filter_map(|r| r.workgroup.as_deref())
                .chain(workgroup)
                .collect()
        };
        principal.workgroups = member_of
            .iter()
            .filter_map(|w| self.workgroups.get(*w))
            .map(|w| (w.name.clone(), w.clone()))
            .collect();
        let default = workgroup.or_else(|| roles.iter().find_map(|r| r.workgroup.as_deref()));
        principal.workgroup = default.and_then(|w| self.workgroups.get(w)).cloned();
        Ok(principal)
    }
}

fn merge_grant(
    principal: &str,
    table: &str,
    held: &mut TableGrant,
    other: &TableGrant,
) -> Result<()> {
    if held.hidden_columns != other.hidden_columns || held.hidden_keys != other.hidden_keys {
        return Err(Error::Denied(format!(
            "the roles of principal `{principal}` grant table `{table}` with different column \
             filters: give the principal one of them, or the same columns in each"
        )));
    }
    held.select |= other.select;
    held.describe |= other.describe;
    held.rows = match (held.rows.take(), &other.rows) {
        (Some(mut mine), Some(theirs)) => {
            mine.extend(theirs.iter().cloned());
            Some(mine)
        }
        _ => None,
    };
    Ok(())
}

/// A new random bearer token: 32 bytes from the operating system, hex-encoded.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    hex::encode(bytes)
}

/// The `token_sha256` an access file stores for `token`.
pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `a` equals `b`, in time that depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Where the access file's relative paths point.
pub(crate) fn resolve_path(folder: &Path, value: &str) -> String {
    if value.starts_with("https://") || value.starts_with("http://") {
        return value.to_string();
    }
    let path = PathBuf::from(value);
    if path.is_absolute() {
        value.to_string()
    } else {
        folder.join(path).display().to_string()
    }
}

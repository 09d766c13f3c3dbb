//! Who is asking: principals from the access file, by name, token or identity-provider
//! claims. Without an access file only the built-in administrator exists.

use std::sync::Arc;

use costscope_query::Access;

use costscope_core::tables;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::audit::require_admin;
use crate::{App, Error, Oidc, Principal, Result};

/// What reloading the access file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Reloaded {
    /// Principals in the file now in force.
    pub principals: u64,
}

/// Who a caller is and what it may use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct WhoAmI {
    pub name: String,
    /// Sees every table, row and column.
    pub admin: bool,
    /// May give anomaly feedback and move recommendations through their lifecycle.
    pub may_change_state: bool,
    /// The workgroup its queries run in.
    pub workgroup: Option<String>,
    /// The workgroups it belongs to.
    pub workgroups: Vec<String>,
    /// The tables and views it may query.
    pub tables: Vec<String>,
}

impl App {
    /// The access file in force, if the application has one.
    pub fn access(&self) -> Option<Arc<Access>> {
        self.access.read().expect("access lock").clone()
    }

    /// Reads the access file again (administrators only; recorded in the audit log before
    /// it is applied). A file that does not validate leaves the one in force.
    pub async fn reload_access(&self, principal: &Principal) -> Result<Reloaded> {
        let path = self.config.access.clone();
        let parameters = serde_json::json!({ "path": path });
        self.audit_change(principal, "access.reload", &parameters, async {
            require_admin(principal, "reload the access file")?;
            let Some(path) = &path else {
                return Err(Error::InvalidRequest(
                    "there is no access file to reload: start with --access FILE".into(),
                ));
            };
            let access = Access::load(path)?;
            let principals = access.principal_names().count() as u64;
            *self.access.write().expect("access lock") = Some(Arc::new(access));
            Ok(Reloaded { principals })
        })
        .await
    }

    /// Who `principal` is and what it may use, as a client shows it.
    pub async fn whoami(&self, principal: &Principal) -> Result<WhoAmI> {
        self.audit_read(principal, "whoami", &serde_json::json!({}), async {
            // Exactly what its session has: a view hidden by a column filter is absent.
            let session = self.session(principal).await?;
            let tables = tables::LAKE_TABLES
                .iter()
                .map(|t| t.name)
                .chain(tables::VIEWS)
                .filter(|name| session.has_table(name))
                .map(String::from)
                .collect();
            Ok(WhoAmI {
                name: principal.name.clone(),
                admin: principal.is_admin(),
                may_change_state: principal.may_change_state(),
                workgroup: principal.workgroup().map(|w| w.name.clone()),
                workgroups: principal.workgroups().map(String::from).collect(),
                tables,
            })
        })
        .await
    }

    /// The principal named `name` in the access file (to act as it).
    pub fn principal(&self, name: &str) -> Result<Principal> {
        Ok(self.required_access()?.principal(name)?)
    }

    /// The principal holding bearer token `token`.
    pub fn authenticate_token(&self, token: &str) -> Result<Principal> {
        match self.access() {
            Some(access) => Ok(access.authenticate_token(token)?),
            None => Err(costscope_query::Error::Unauthenticated(
                "no access file is loaded, so no token is valid".into(),
            )
            .into()),
        }
    }

    /// A principal named by an identity provider's verified claims.
    pub fn principal_with_roles(&self, name: &str, roles: &[String]) -> Result<Principal> {
        Ok(self.required_access()?.principal_with_roles(name, roles)?)
    }

    /// How identity-provider tokens are validated, if the access file allows them.
    pub fn oidc(&self) -> Option<Oidc> {
        self.access().and_then(|a| a.oidc().cloned())
    }

    fn required_access(&self) -> Result<Arc<Access>> {
        self.access().ok_or_else(|| {
            Error::InvalidRequest("principals come from an access file: give --access FILE".into())
        })
    }
}

/// Refuses `action` to a principal that may not change state.
pub(crate) fn require_change(principal: &Principal, action: &str) -> Result<()> {
    if principal.may_change_state() {
        return Ok(());
    }
    Err(Error::Denied {
        principal: principal.name.clone(),
        action: format!("{action}: its roles do not allow changes"),
    })
}

//! Who is asking: principals from the access file, by name, token or identity-provider
//! claims. Without an access file only the built-in administrator exists.

use std::sync::Arc;

use costscope_query::Access;

use crate::{App, Error, Oidc, Principal, Result};

impl App {
    /// The access file in force, if the application has one.
    pub fn access(&self) -> Option<Arc<Access>> {
        self.access.read().expect("access lock").clone()
    }

    /// Reads the access file again; a file that does not validate leaves the one in force.
    pub fn reload_access(&self) -> Result<()> {
        let Some(path) = &self.config.access else {
            return Err(Error::InvalidRequest(
                "there is no access file to reload: start with --access FILE".into(),
            ));
        };
        let access = Access::load(path)?;
        *self.access.write().expect("access lock") = Some(Arc::new(access));
        Ok(())
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
    Err(Error::Denied(format!(
        "principal `{}` may not {action}: its roles do not allow changes",
        principal.name
    )))
}

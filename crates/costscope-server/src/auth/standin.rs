//! Stand-ins for the access model's calls on `App` and `Principal` that the access-file
//! work provides; removed when it lands. Until then every known token is the
//! administrator.

use std::path::Path;

use costscope_app::{App, AppConfig, Principal};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

pub(crate) fn open_app(lake: &Path, _access: Option<&Path>) -> Result<App> {
    Ok(App::open(&AppConfig {
        lake: lake.to_path_buf(),
    })?)
}

/// How to validate identity-provider tokens (the access file's `oidc` section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oidc {
    pub issuer: String,
    pub audience: String,
    /// A file path (resolved against the access file's folder) or an https URL.
    pub jwks: String,
    pub roles_claim: String,
    pub name_claim: String,
}

pub(crate) fn oidc(_app: &App) -> Option<Oidc> {
    None
}

/// The SHA-256 digests written in the access file.
pub(crate) struct Tokens {
    text: Option<String>,
}

impl Tokens {
    pub(crate) fn read(access: Option<&Path>) -> Result<Tokens> {
        let text = access
            .map(|path| {
                std::fs::read_to_string(path)
                    .map_err(|e| Error::Unauthenticated(format!("{}: {e}", path.display())))
            })
            .transpose()?;
        Ok(Tokens { text })
    }

    pub(crate) fn authenticate(&self, token: &str) -> Result<Principal> {
        let digest = hex::encode(Sha256::digest(token.as_bytes()));
        let mut name = None;
        for line in self.text.as_deref().unwrap_or_default().lines() {
            let line = line.trim().trim_start_matches("- ");
            if let Some(n) = line.strip_prefix("name:") {
                name = Some(n.trim().to_string());
            } else if line.strip_prefix("token_sha256:").map(str::trim) == Some(digest.as_str()) {
                return Ok(Principal {
                    name: name.unwrap_or_else(|| "admin".into()),
                    ..Principal::admin()
                });
            }
        }
        Err(Error::Unauthenticated(
            "unknown token: give a principal's token from the access file".into(),
        ))
    }
}

pub(crate) fn principal_with_roles(_app: &App, name: &str, _roles: &[String]) -> Result<Principal> {
    Ok(Principal {
        name: name.to_string(),
        ..Principal::admin()
    })
}

pub(crate) fn may_change_state(_principal: &Principal) -> bool {
    true
}

pub(crate) fn workgroup_name(_principal: &Principal) -> String {
    "primary".into()
}

pub(crate) fn in_workgroup(principal: &Principal, _name: &str) -> Result<Principal> {
    Ok(principal.clone())
}

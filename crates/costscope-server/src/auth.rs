//! Who a request comes from. A bearer credential is either a token of the access file
//! (looked up by its SHA-256) or, when the access file names an identity provider, a JWT
//! it signed (issuer, audience, expiry and signature checked; its roles claim names the
//! principal's roles). The PostgreSQL password is the same credential.

mod oidc;

use std::path::Path;

use costscope_app::{App, AppConfig, Principal};

use crate::{Error, Result};

pub use costscope_app::Oidc;
pub use oidc::{Claims, OidcVerifier};

/// The app over `lake` with the principals of `access`.
pub(crate) fn open_app(lake: &Path, access: Option<&Path>) -> Result<App> {
    Ok(App::open(&AppConfig {
        lake: lake.to_path_buf(),
        access: access.map(Path::to_path_buf),
    })?)
}

/// The workgroup label of a principal's calls (`primary`: no workgroup).
pub(crate) fn workgroup_name(principal: &Principal) -> String {
    principal
        .workgroup()
        .map_or_else(|| "primary".to_string(), |w| w.name.clone())
}

/// Checks bearer credentials.
pub struct Authenticator {
    oidc: Option<OidcVerifier>,
}

impl Authenticator {
    /// The authenticator of `app`'s access file (with its identity provider's keys).
    pub async fn new(app: &App) -> Result<Authenticator> {
        let oidc = match app.oidc() {
            Some(config) => Some(OidcVerifier::new(&config).await?),
            None => None,
        };
        Ok(Authenticator { oidc })
    }

    /// The principal `credential` stands for.
    pub async fn authenticate(&self, app: &App, credential: &str) -> Result<Principal> {
        let credential = credential.trim();
        if credential.is_empty() {
            return Err(Error::Unauthenticated(
                "no credential: send `Authorization: Bearer TOKEN`".into(),
            ));
        }
        match &self.oidc {
            Some(oidc) if looks_like_jwt(credential) => {
                let claims = oidc.verify(credential).await?;
                Ok(app.principal_with_roles(&claims.name, &claims.roles)?)
            }
            _ => Ok(app.authenticate_token(credential)?),
        }
    }
}

/// A JWT is three base64url segments joined by dots; access-file tokens are not.
fn looks_like_jwt(credential: &str) -> bool {
    let segments: Vec<&str> = credential.split('.').collect();
    segments.len() == 3
        && segments.iter().all(|s| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// The credential of an `Authorization` header value (`Bearer TOKEN`).
pub fn bearer(header: &str) -> Result<&str> {
    let (scheme, token) = header.trim().split_once(' ').ok_or_else(|| {
        Error::Unauthenticated("the Authorization header must be `Bearer TOKEN`".into())
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(Error::Unauthenticated(format!(
            "unsupported authorization scheme `{scheme}`: use `Bearer TOKEN`"
        )));
    }
    Ok(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwts_are_told_from_tokens_by_shape() {
        assert!(looks_like_jwt("eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl"));
        assert!(!looks_like_jwt("s3cret-token"));
        assert!(!looks_like_jwt("a.b"));
        assert!(!looks_like_jwt("a..c"));
        assert!(!looks_like_jwt("a.b.c d"));
    }

    #[test]
    fn only_bearer_credentials_are_read() {
        assert_eq!(bearer("Bearer abc").ok(), Some("abc"));
        assert_eq!(bearer("bearer  abc ").ok(), Some("abc"));
        for bad in ["Basic abc", "abc", ""] {
            let error = bearer(bad).expect_err("refused");
            assert_eq!(error.kind(), costscope_core::ErrorKind::Unauthenticated);
        }
    }
}

//! JWTs from the organisation's identity provider, checked against its published keys
//! (a JWKS file, or an https URL fetched at start and again when a token names a key
//! the set does not have, at most once a minute).

use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use tokio::sync::RwLock;

use crate::{Error, Result};
use costscope_app::Oidc;

/// Signature algorithms accepted: asymmetric only, so a key set can never be used as an
/// HMAC secret.
const ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// How long a fetched key set is kept before a token with an unknown key refetches it.
const REFETCH_AFTER: Duration = Duration::from_secs(60);

/// Who a verified token names, and the roles it claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub name: String,
    pub roles: Vec<String>,
}

/// Verifies JWTs against one identity provider.
pub struct OidcVerifier {
    config: Oidc,
    keys: RwLock<Keys>,
}

struct Keys {
    set: JwkSet,
    fetched: Instant,
}

impl OidcVerifier {
    /// Loads the provider's key set.
    pub async fn new(config: &Oidc) -> Result<OidcVerifier> {
        let set = load(&config.jwks).await?;
        Ok(OidcVerifier {
            config: config.clone(),
            keys: RwLock::new(Keys {
                set,
                fetched: Instant::now(),
            }),
        })
    }

    /// The claims of a token the provider signed for this audience, unexpired.
    pub async fn verify(&self, token: &str) -> Result<Claims> {
        let header = jsonwebtoken::decode_header(token).map_err(refused)?;
        if !ALGORITHMS.contains(&header.alg) {
            return Err(Error::Unauthenticated(format!(
                "JWT algorithm {:?} is not accepted (asymmetric signatures only)",
                header.alg
            )));
        }
        let jwk = self.key(header.kid.as_deref()).await?;
        let key = DecodingKey::from_jwk(&jwk).map_err(refused)?;
        if key.family() != header.alg.family() {
            return Err(Error::Unauthenticated(
                "the JWT's algorithm does not match its key".into(),
            ));
        }
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.leeway = 30;
        let data = jsonwebtoken::decode::<serde_json::Map<String, Value>>(token, &key, &validation)
            .map_err(refused)?;
        let claims = data.claims;
        let name = match claims.get(&self.config.name_claim) {
            Some(Value::String(name)) if !name.is_empty() => name.clone(),
            _ => {
                return Err(Error::Unauthenticated(format!(
                    "the JWT has no `{}` claim naming the principal",
                    self.config.name_claim
                )));
            }
        };
        let roles = match claims.get(&self.config.roles_claim) {
            Some(Value::Array(values)) => values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(role)) => vec![role.clone()],
            _ => Vec::new(),
        };
        Ok(Claims { name, roles })
    }

    /// The key `kid` names (or the only key when the token names none), refetching a
    /// remote set once if it is not there.
    async fn key(&self, kid: Option<&str>) -> Result<Jwk> {
        if let Some(jwk) = find(&self.keys.read().await.set, kid) {
            return Ok(jwk);
        }
        if is_url(&self.config.jwks) {
            let mut keys = self.keys.write().await;
            if keys.fetched.elapsed() >= REFETCH_AFTER {
                keys.set = load(&self.config.jwks).await?;
                keys.fetched = Instant::now();
            }
            if let Some(jwk) = find(&keys.set, kid) {
                return Ok(jwk);
            }
        }
        Err(Error::Unauthenticated(match kid {
            Some(kid) => format!("the JWT names key `{kid}`, which the provider does not publish"),
            None => "the JWT names no key and the provider publishes several".into(),
        }))
    }
}

fn find(set: &JwkSet, kid: Option<&str>) -> Option<Jwk> {
    let usable = |jwk: &&Jwk| !matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_));
    match kid {
        Some(kid) => set.find(kid).filter(|jwk| usable(jwk)).cloned(),
        None => match set.keys.as_slice() {
            [only] if usable(&only) => Some(only.clone()),
            _ => None,
        },
    }
}

fn refused(error: jsonwebtoken::errors::Error) -> Error {
    Error::Unauthenticated(format!("invalid JWT: {error}"))
}

fn is_url(jwks: &str) -> bool {
    jwks.starts_with("https://")
}

/// Reads a key set from a file or an https URL.
async fn load(jwks: &str) -> Result<JwkSet> {
    let failed = |reason: String| Error::Jwks {
        origin: jwks.to_string(),
        reason,
    };
    let text = if is_url(jwks) {
        let response = reqwest::Client::new()
            .get(jwks)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| failed(e.to_string()))?;
        response.text().await.map_err(|e| failed(e.to_string()))?
    } else {
        tokio::fs::read_to_string(jwks)
            .await
            .map_err(|e| failed(e.to_string()))?
    };
    serde_json::from_str(&text).map_err(|e| failed(format!("not a JWK set: {e}")))
}

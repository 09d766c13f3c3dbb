//! JWTs of the identity provider the access file names, signed with a test key.

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::fixture::{self, AUDIENCE, ISSUER};

const IDP_KEY: &[u8] = include_bytes!("fixtures/idp-key.der");
const FORGER_KEY: &[u8] = include_bytes!("fixtures/forger-key.der");

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// A JWT for `carol` in group `finops`, with `claims` changed.
fn token(key: &[u8], kid: &str, claims: serde_json::Value) -> String {
    let mut body = json!({
        "sub": "carol",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": now() + 600,
        "iat": now(),
        "groups": ["finops"],
    });
    for (name, value) in claims.as_object().expect("claims") {
        body[name] = value.clone();
    }
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    jsonwebtoken::encode(&header, &body, &EncodingKey::from_rsa_der(key)).expect("sign")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jwt_of_the_provider_is_a_credential_at_both_protocols() {
    let server = fixture::start().await;
    let jwt = token(IDP_KEY, "idp-2026", json!({}));
    let (status, text) = server
        .post("/api/v1/sql", &jwt, r#"{"sql": "SELECT 1 AS one"}"#)
        .await;
    assert_eq!(status, 200, "{text}");
    let output = server.psql("carol", &jwt, &["-c", "SELECT 40 + 2"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "42");
    // The user must be the principal the token names.
    let output = server.psql("dave", &jwt, &["-c", "SELECT 1"]);
    assert!(!output.status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_forged_or_foreign_jwts_are_401() {
    let server = fixture::start().await;
    let hs256 = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("idp-2026".into());
        let claims = json!({"sub": "carol", "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600});
        // An HMAC "signed" with the public key set's text: refused by algorithm.
        let secret = std::fs::read(fixture::fixture("jwks.json")).expect("jwks");
        let key = EncodingKey::from_secret(&secret).expect("hmac key");
        jsonwebtoken::encode(&header, &claims, &key).expect("sign")
    };
    let unsigned = {
        let jwt = token(IDP_KEY, "idp-2026", json!({}));
        let mut parts: Vec<&str> = jwt.split('.').collect();
        parts[2] = "";
        parts.join(".")
    };
    for (what, jwt) in [
        (
            "expired",
            token(IDP_KEY, "idp-2026", json!({"exp": now() - 3600})),
        ),
        ("forged", token(FORGER_KEY, "idp-2026", json!({}))),
        ("unknown key", token(IDP_KEY, "other-key", json!({}))),
        (
            "other audience",
            token(IDP_KEY, "idp-2026", json!({"aud": "grafana"})),
        ),
        (
            "other issuer",
            token(IDP_KEY, "idp-2026", json!({"iss": "https://evil.test"})),
        ),
        (
            "no subject",
            token(IDP_KEY, "idp-2026", json!({"sub": null})),
        ),
        ("HMAC", hs256),
        ("unsigned", unsigned),
    ] {
        let (status, text) = server
            .post("/api/v1/sql", &jwt, r#"{"sql": "SELECT 1"}"#)
            .await;
        assert_eq!(status, 401, "{what}: {text}");
        let output = server.psql("carol", &jwt, &["-c", "SELECT 1"]);
        assert!(
            !output.status.success(),
            "{what} accepted by the PostgreSQL protocol"
        );
    }
}

//! The web dashboard: a single-page application whose files are embedded in the binary,
//! so `costscope serve` needs no CDN and works offline. `/` is the page; `/assets/{file}`
//! serves the scripts, styles, the charting library and its licence. The page names every
//! asset with `?v=VERSION` (a digest of all of them), so versioned requests are cached for
//! a year and a new binary is fetched at once. The dashboard calls the same API as any
//! client, with the bearer token (or identity-provider JWT) its user signs in with.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, LazyLock};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use schemars::JsonSchema;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::routes::{Endpoint, Route, Shape, Verb};
use crate::Service;

/// An embedded file: its name under `/assets/`, media type and bytes.
pub struct Asset {
    pub name: &'static str,
    pub media: &'static str,
    pub bytes: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $path:literal, $media:expr) => {
        Asset {
            name: $name,
            media: $media,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/web/", $path)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";
const YAML: &str = "application/yaml; charset=utf-8";

/// Every file the page may load (`web/` in the crate; the example documents of the
/// repository are the defaults for allocation rules and budgets).
pub static ASSETS: &[Asset] = &[
    asset!("style.css", "style.css", "text/css; charset=utf-8"),
    asset!("core.js", "js/core.js", JS),
    asset!("ui.js", "js/ui.js", JS),
    asset!("charts.js", "js/charts.js", JS),
    asset!("filters.js", "js/filters.js", JS),
    asset!("login.js", "js/login.js", JS),
    asset!("view-executive.js", "js/view-executive.js", JS),
    asset!("view-finops.js", "js/view-finops.js", JS),
    asset!("view-team.js", "js/view-team.js", JS),
    asset!("view-finance.js", "js/view-finance.js", JS),
    asset!("view-genai.js", "js/view-genai.js", JS),
    asset!("view-sql.js", "js/view-sql.js", JS),
    asset!("app.js", "js/app.js", JS),
    asset!("favicon.svg", "favicon.svg", "image/svg+xml"),
    asset!("echarts.min.js", "vendor/echarts-6.1.0.common.min.js", JS),
    asset!("ECHARTS-LICENSE.txt", "vendor/ECHARTS-LICENSE.txt", TEXT),
    asset!("ECHARTS-NOTICE.txt", "vendor/ECHARTS-NOTICE.txt", TEXT),
    asset!(
        "ECHARTS-LICENSE-d3.txt",
        "vendor/ECHARTS-LICENSE-d3.txt",
        TEXT
    ),
    Asset {
        name: "allocation.yaml",
        media: YAML,
        bytes: include_bytes!("../../../../examples/allocation.yaml"),
    },
    Asset {
        name: "budgets.yaml",
        media: YAML,
        bytes: include_bytes!("../../../../examples/budgets.yaml"),
    },
];

const INDEX_TEMPLATE: &str = include_str!("../../web/index.html");

/// A digest of every asset: the `v` of versioned asset URLs.
pub static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut digest = Sha256::new();
    digest.update(INDEX_TEMPLATE.as_bytes());
    for asset in ASSETS {
        digest.update(asset.name.as_bytes());
        digest.update(asset.bytes);
    }
    hex::encode(&digest.finalize()[..6])
});

static INDEX: LazyLock<String> = LazyLock::new(|| INDEX_TEMPLATE.replace("{{version}}", &VERSION));

/// Gzip of the text assets, made once on first use.
static GZIPPED: LazyLock<HashMap<&'static str, Vec<u8>>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .filter(|a| !a.media.starts_with("image/") && a.bytes.len() > 1024)
        .filter_map(|a| {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(a.bytes).ok()?;
            Some((a.name, encoder.finish().ok()?))
        })
        .collect()
});

/// Scripts and styles come only from this server; the page may call the API and, for
/// sign-in, the identity provider's discovery document.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' https:; \
     frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// How the dashboard may sign a user in.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LoginOptions {
    /// The identity provider of the access file, when it names one: the page then
    /// offers to sign in there (OpenID Connect, `id_token` by redirect).
    pub oidc: Option<LoginProvider>,
}

/// The identity provider the page redirects to.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct LoginProvider {
    /// The issuer; its `/.well-known/openid-configuration` names the authorization
    /// endpoint.
    pub issuer: String,
    /// The client id to ask tokens for: the audience tokens must carry.
    pub client_id: String,
}

/// The dashboard's routes: the page, its assets and its sign-in options (all public).
pub fn routes() -> Vec<Route> {
    let public = |verb, path, summary, response| Endpoint {
        verb,
        path,
        summary,
        request: None,
        response,
        changes_state: false,
        public: true,
    };
    vec![
        Route {
            endpoint: public(
                Verb::Get,
                "/",
                "The web dashboard (a single-page application; it signs in with a token of the access file or at the identity provider)",
                Shape::Text("text/html"),
            ),
            handler: get(index),
        },
        Route {
            endpoint: public(
                Verb::Get,
                "/assets/{file}",
                "A file of the dashboard: script, style sheet, image, licence or example document; with `?v=VERSION` it may be cached for a year",
                Shape::Files(&[
                    "text/javascript",
                    "text/css",
                    "image/svg+xml",
                    "text/plain",
                    "application/yaml",
                ]),
            ),
            handler: get(asset),
        },
        Route {
            endpoint: public(
                Verb::Get,
                "/api/v1/login",
                "How the dashboard signs users in: the identity provider, if the access file names one",
                Shape::Schema(|g| g.subschema_for::<LoginOptions>()),
            ),
            handler: get(login),
        },
    ]
}

async fn index() -> Response {
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-cache"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    (headers, INDEX.as_str()).into_response()
}

async fn asset(Path(file): Path<String>, uri: Uri, headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == file) else {
        return super::error_response(
            StatusCode::NOT_FOUND,
            "not-found",
            &format!("no such dashboard file: {file}"),
        );
    };
    let versioned = uri
        .query()
        .is_some_and(|q| q.split('&').any(|p| p == format!("v={}", *VERSION)));
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let etag = format!("\"{}\"", *VERSION);
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    let accepts_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let gzipped = accepts_gzip.then(|| GZIPPED.get(asset.name)).flatten();
    let mut response = match gzipped {
        Some(body) => (
            [(header::CONTENT_ENCODING, "gzip")],
            body.as_slice().to_vec(),
        )
            .into_response(),
        None => asset.bytes.into_response(),
    };
    let response_headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, asset.media),
        (header::CACHE_CONTROL, cache),
        (header::VARY, "Accept-Encoding"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    ] {
        response_headers.insert(name, HeaderValue::from_static(value));
    }
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, etag);
    }
    response
}

async fn login(State(service): State<Arc<Service>>) -> Response {
    let oidc = service.app().oidc().map(|config| LoginProvider {
        issuer: config.issuer,
        client_id: config.audience,
    });
    axum::Json(LoginOptions { oidc }).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_web_folder_is_served_and_every_page_reference_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
        let mut files = Vec::new();
        for folder in ["", "js", "vendor"] {
            for entry in std::fs::read_dir(root.join(folder)).expect("web folder") {
                let path = entry.expect("entry").path();
                if path.is_file() {
                    files.push(std::fs::read(&path).expect("file"));
                }
            }
        }
        for bytes in &files {
            let served = ASSETS.iter().any(|a| a.bytes == bytes.as_slice())
                || bytes.as_slice() == INDEX_TEMPLATE.as_bytes();
            assert!(served, "a file of web/ is not embedded");
        }
        for reference in INDEX_TEMPLATE.split("/assets/").skip(1) {
            let name = reference.split(['?', '"']).next().expect("name");
            assert!(
                ASSETS.iter().any(|a| a.name == name),
                "index.html loads {name}, which is not embedded"
            );
        }
    }

    #[test]
    fn the_page_names_assets_with_the_version() {
        assert!(INDEX.contains(&format!("?v={}", *VERSION)));
        assert!(!INDEX.contains("{{version}}"));
    }
}

//! One small generated organisation per test binary, and servers over it started on
//! port 0 of 127.0.0.1 with an access file of known tokens.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use costscope_app::sql::SqlRequest;
use costscope_app::{App, AppConfig, Principal};
use costscope_server::tls::TlsFiles;
use costscope_server::{ServeConfig, Server};
use costscope_synth::demo_lake::{self, DemoLakeOptions};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

/// The administrator's token (principal `alice`, role `finops`).
pub const ADMIN: &str = "alice-token-2f1e";
pub const ADMIN_NAME: &str = "alice";
/// The App Team analyst: the `App-Team-%` accounts, no rates, no department tag.
pub const ANALYST: &str = "app-dev-token-77c1";
pub const ANALYST_NAME: &str = "app-dev";
/// A principal whose role grants nothing.
pub const STRANGER: &str = "stranger-token-5b0d";

/// A token the access file does not know.
pub const UNKNOWN: &str = "mallory-token-0000";

/// The identity provider the access file trusts.
pub const ISSUER: &str = "https://idp.test";
pub const AUDIENCE: &str = "costscope";

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/fixtures")
        .join(name)
}

struct Organisation {
    dir: tempfile::TempDir,
}

static ORGANISATION: OnceCell<Organisation> = OnceCell::const_new();

/// The shared lake (read-only analyses only).
pub async fn shared_lake() -> PathBuf {
    organisation().await.join("lake")
}

/// The generated files of the shared lake (with the generator's anomaly labels).
pub async fn shared_data() -> PathBuf {
    organisation().await.join("data")
}

async fn organisation() -> PathBuf {
    ORGANISATION
        .get_or_init(|| async {
            let dir = tempfile::tempdir().expect("tempdir");
            let mut options = DemoLakeOptions::in_dir(dir.path(), 7);
            options.generate.months = 2;
            options.generate.rows = Some(20_000);
            demo_lake::build(&options).await.expect("demo lake");
            Organisation { dir }
        })
        .await
        .dir
        .path()
        .to_path_buf()
}

fn sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The access file of the tests, beside a copy of the identity provider's key set.
fn access_file(dir: &Path) -> PathBuf {
    std::fs::copy(fixture("jwks.json"), dir.join("jwks.json")).expect("jwks");
    let text = format!(
        "principals:\n  - name: {ADMIN_NAME}\n    token_sha256: {admin}\n    roles: [finops]\n\
         \x20 - name: {ANALYST_NAME}\n    token_sha256: {analyst}\n    roles: [app-team]\n\
         \x20 - name: stranger\n    token_sha256: {stranger}\n    roles: [nobody]\n\
         oidc:\n  issuer: {ISSUER}\n  audience: {AUDIENCE}\n  jwks: ./jwks.json\n  roles_claim: groups\n\
         roles:\n  finops:\n    admin: true\n  nobody: {{}}\n\
         \x20 app-team:\n    grants:\n\
         \x20     - tables: [cur]\n        permissions: [select, describe]\n\
         \x20       rows: \"line_item_usage_account_name LIKE 'App-Team-%'\"\n\
         \x20       columns: {{exclude: [line_item_unblended_rate, line_item_blended_rate, pricing_public_on_demand_rate, \"resource_tags['user_department']\"]}}\n\
         \x20     - tables: [business_metrics]\n        permissions: [select]\n        rows: \"app IN ('clickstream')\"\n",
        admin = sha256(ADMIN),
        analyst = sha256(ANALYST),
        stranger = sha256(STRANGER),
    );
    let path = dir.join("access.yaml");
    std::fs::write(&path, text).expect("access file");
    path
}

/// A running server and what a test needs to call it.
pub struct TestServer {
    pub server: Option<Server>,
    pub lake: PathBuf,
    pub http: SocketAddr,
    pub pg: SocketAddr,
    pub tls: bool,
    /// The access file the server loaded.
    pub access: PathBuf,
    _dir: tempfile::TempDir,
    _lake_copy: Option<tempfile::TempDir>,
}

/// A server over the shared lake.
pub async fn start() -> TestServer {
    start_over(shared_lake().await, None).await
}

/// A server over a private copy of the shared lake (for tests that change state).
pub async fn start_private() -> TestServer {
    let copy = tempfile::tempdir().expect("tempdir");
    copy_dir(&shared_lake().await, &copy.path().join("lake"));
    let mut server = start_over(copy.path().join("lake"), None).await;
    server._lake_copy = Some(copy);
    server
}

/// A server over the shared lake speaking TLS with the fixture certificate.
pub async fn start_tls() -> TestServer {
    let files = TlsFiles {
        cert: fixture("tls-cert.pem"),
        key: fixture("tls-key.pem"),
    };
    start_over(shared_lake().await, Some(files)).await
}

async fn start_over(lake: PathBuf, tls: Option<TlsFiles>) -> TestServer {
    let dir = tempfile::tempdir().expect("tempdir");
    let access = access_file(dir.path());
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let config = ServeConfig {
        http: Some(loopback),
        pg: Some(loopback),
        tls: tls.clone(),
        grace: Duration::from_secs(30),
        ..ServeConfig::new(lake.clone(), Some(access.clone()))
    };
    let server = costscope_server::start(&config)
        .await
        .expect("server starts");
    TestServer {
        http: server.http_addr().expect("http"),
        pg: server.pg_addr().expect("pg"),
        server: Some(server),
        lake,
        tls: tls.is_some(),
        access,
        _dir: dir,
        _lake_copy: None,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.http)
    }

    /// An HTTP client (trusting the fixture certificate).
    pub fn client(&self) -> reqwest::Client {
        let certificate = std::fs::read(fixture("tls-ca.pem")).expect("certificate");
        reqwest::Client::builder()
            .no_proxy()
            .add_root_certificate(reqwest::Certificate::from_pem(&certificate).expect("pem"))
            .build()
            .expect("client")
    }

    /// `POST path` with `body` as `token`; the status and the body text.
    pub async fn post(&self, path: &str, token: &str, body: &str) -> (u16, String) {
        let response = self
            .client()
            .post(self.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// `GET path` as `token`.
    pub async fn get(&self, path: &str, token: &str) -> (u16, String) {
        let response = self
            .client()
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// The rows of `sql` as the app answers it in-process, as text.
    pub async fn app_rows(&self, sql: &str) -> Vec<Vec<String>> {
        let app = App::open(&AppConfig {
            lake: self.lake.clone(),
            access: None,
        })
        .expect("app");
        let result = app
            .sql(&Principal::admin(), &SqlRequest { query: sql.into() })
            .await
            .expect("app sql");
        crate::rows::as_text(&result)
    }

    /// Runs `psql` with `args` as `user`/`password`; fails the test when psql is missing.
    pub fn psql(&self, user: &str, password: &str, args: &[&str]) -> Output {
        let sslmode = if self.tls {
            format!(
                "sslmode=verify-full sslrootcert={}",
                fixture("tls-ca.pem").display()
            )
        } else {
            "sslmode=disable".to_string()
        };
        let conninfo = format!(
            "host=127.0.0.1 port={} user={user} dbname=costscope {sslmode} connect_timeout=10",
            self.pg.port()
        );
        Command::new(psql_binary())
            .arg(conninfo)
            .args(["-X", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1"])
            .args(args)
            .env("PGPASSWORD", password)
            .env_remove("PGSERVICEFILE")
            .output()
            .unwrap_or_else(|e| panic!("cannot run psql ({e}): install it with `apt-get install postgresql-client` (scripts/test does)"))
    }

    /// Shuts the server down gracefully.
    pub async fn shutdown(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await.expect("shutdown");
        }
    }
}

fn psql_binary() -> PathBuf {
    let path = std::env::var_os("COSTSCOPE_PSQL")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("psql"));
    let found = Command::new(&path).arg("--version").output();
    assert!(
        found.as_ref().is_ok_and(|o| o.status.success()),
        "{} is missing: the PostgreSQL protocol tests need the real psql (apt-get install \
         postgresql-client; scripts/test installs it)",
        path.display()
    );
    path
}

/// The Python with psycopg that `scripts/test` prepares; fails the test when absent.
pub fn python() -> PathBuf {
    let path = std::env::var_os("COSTSCOPE_PYTHON")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/costscope-venv/bin/python"))
        })
        .unwrap_or_else(|| PathBuf::from("python3"));
    let found = Command::new(&path).args(["-c", "import psycopg"]).output();
    assert!(
        found.as_ref().is_ok_and(|o| o.status.success()),
        "{} cannot import psycopg: the PostgreSQL protocol tests need it (pip install \
         \"psycopg[binary]\" in the venv scripts/test creates, or set COSTSCOPE_PYTHON)",
        path.display()
    );
    path
}

//! The application layer: what every front end calls — the CLI today, the HTTP server and
//! the dashboard next. An [`App`] holds the lake, the metadata store and the query engine;
//! each analysis is one `async fn` on it that takes the caller's [`Principal`] and a typed
//! request, and returns a typed response.
//!
//! Requests are plain data that deserialise from a request body: names (dimensions,
//! measures, granularities), `YYYY-MM-DD` dates, numbers, and the text of rules, budgets,
//! monitors, prices and configuration files as [`Document`]s — never a path, and never
//! SQL, save for [`sql::SqlRequest`], which is the user's own query and runs in the
//! principal's session like every other. Each request converts into the analysis options
//! in one function (`options()`), which is where every value is checked.
//!
//! Responses are the analyses' reports, whose JSON forms are documented in `docs/`.
//! [`present`] turns them into what people read: rounded table rows and headings.

pub mod access;
pub mod allocate;
pub mod anomalies;
pub mod budgets;
pub mod cost;
pub mod document;
pub mod error;
pub mod genai;
pub mod network;
pub mod present;
pub mod recommend;
pub mod report;
pub mod score;
pub mod sql;
pub mod tags;
pub mod unit_cost;
pub mod whois;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock};

use costscope_lake::Lake;
use costscope_query::{Access, Engine, Session};
use costscope_store::Store;

pub use costscope_query::Principal;
pub use costscope_query::access::Oidc;
pub use document::Document;
pub use error::{Error, ErrorKind, Result};

/// Where the application's data lives, and who may use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConfig {
    /// The lake directory; the metadata store lives inside it.
    pub lake: PathBuf,
    /// The access file naming principals, roles and workgroups (see `docs/access.md`).
    /// Without one, only the built-in administrator exists.
    pub access: Option<PathBuf>,
}

/// The lake, the metadata store and the query engine, opened once and shared by every
/// request. Nothing is created on disk until a request needs it, so a request refused by
/// validation leaves no trace.
pub struct App {
    config: AppConfig,
    access: RwLock<Option<Arc<Access>>>,
    engine: OnceLock<Engine>,
    store: OnceLock<Arc<Store>>,
}

impl App {
    /// The application over the lake named by `config`; its access file, if any, is read
    /// and validated now.
    pub fn open(config: &AppConfig) -> Result<App> {
        let access = config.access.as_deref().map(Access::load).transpose()?;
        Ok(App {
            config: config.clone(),
            access: RwLock::new(access.map(Arc::new)),
            engine: OnceLock::new(),
            store: OnceLock::new(),
        })
    }

    /// The configuration the application was opened with.
    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// The query engine over the lake (the lake directory is created on first use).
    pub fn engine(&self) -> Result<&Engine> {
        if let Some(engine) = self.engine.get() {
            return Ok(engine);
        }
        let lake = Lake::open(&self.config.lake)?;
        Ok(self.engine.get_or_init(|| Engine::new(lake)))
    }

    /// The lake.
    pub fn lake(&self) -> Result<&Lake> {
        Ok(self.engine()?.lake())
    }

    /// A query session for `principal`: every query of a request runs in it, so the
    /// principal's access applies to every number.
    pub async fn session(&self, principal: &Principal) -> Result<Session> {
        Ok(self.engine()?.session(principal).await?)
    }

    /// The metadata store, created with its schema on first use. Only requests that keep
    /// state (anomaly history and feedback, the recommendation lifecycle) open it.
    pub fn store(&self) -> Result<&Arc<Store>> {
        if let Some(store) = self.store.get() {
            return Ok(store);
        }
        let opened = Arc::new(Store::for_lake(&self.config.lake)?);
        Ok(self.store.get_or_init(|| opened))
    }

    /// The metadata store if the lake has one; never creates it (for reports that only
    /// read state).
    pub fn existing_store(&self) -> Result<Option<Arc<Store>>> {
        if self.store.get().is_none()
            && !self.config.lake.join(costscope_store::STORE_PATH).exists()
        {
            return Ok(None);
        }
        Ok(Some(self.store()?.clone()))
    }
}

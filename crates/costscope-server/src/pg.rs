//! The PostgreSQL wire protocol (simple and extended query), so that `psql`, `psycopg`,
//! JDBC tools and Grafana connect with user = principal name, password = bearer token,
//! database `costscope`. Every statement goes to the service as a SQL call in the
//! principal's session, save the client-session statements [`session`] answers here.

mod auth;
pub mod encode;
mod params;
pub mod session;

use std::fmt::Debug;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use costscope_app::Principal;
use costscope_app::sql::SqlRequest;
use costscope_query::QueryResult;
use futures::Sink;
use pgwire::api::auth::StartupHandler;
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{
    DescribePortalResponse, DescribeStatementResponse, FieldInfo, QueryResponse, Response,
};
use pgwire::api::stmt::{QueryParser, StoredStatement};
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireServerHandlers, Type};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use rustls::ServerConfig;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::{Answer, Call, Error, Result, Service};

/// A bound PostgreSQL listener.
pub(crate) struct Listener {
    pub addr: SocketAddr,
    pub task: JoinHandle<()>,
}

/// Binds `addr` and serves the PostgreSQL protocol until `stopped` turns true; then stops
/// accepting and keeps the open sessions until the task is aborted.
pub(crate) async fn listen(
    service: Arc<Service>,
    addr: SocketAddr,
    tls: Option<Arc<ServerConfig>>,
    mut stopped: watch::Receiver<bool>,
) -> Result<Listener> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| Error::Listen { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| Error::Listen { addr, source })?;
    let acceptor = tls.map(pgwire::tokio::TlsAcceptor::from);
    let handlers = Arc::new(Handlers::new(service.clone(), stopped.clone()));
    let task = tokio::spawn(async move {
        let mut sessions = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((socket, _)) => {
                        let handlers = handlers.clone();
                        let acceptor = acceptor.clone();
                        let service = service.clone();
                        sessions.spawn(async move {
                            let _open = service.metrics().connection("pg");
                            if let Err(error) = pgwire::tokio::process_socket(socket, acceptor, handlers).await {
                                tracing::debug!("PostgreSQL session ended: {error}");
                            }
                        });
                    }
                    Err(error) => tracing::warn!("PostgreSQL accept failed: {error}"),
                },
                _ = stopped.wait_for(|stop| *stop) => break,
                Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
            }
        }
        drop(listener);
        while sessions.join_next().await.is_some() {}
    });
    Ok(Listener { addr: bound, task })
}

/// The handlers every session shares.
struct Handlers {
    backend: Arc<Backend>,
    startup: Arc<auth::Startup>,
}

impl Handlers {
    fn new(service: Arc<Service>, stopped: watch::Receiver<bool>) -> Handlers {
        Handlers {
            startup: Arc::new(auth::Startup::new(service.clone())),
            backend: Arc::new(Backend {
                service,
                stopped,
                parser: Arc::new(Parser),
            }),
        }
    }
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.backend.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.backend.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.startup.clone()
    }
}

/// Answers the statements of every session.
struct Backend {
    service: Arc<Service>,
    stopped: watch::Receiver<bool>,
    parser: Arc<Parser>,
}

/// The error of a failed call, with the SQLSTATE of its kind.
fn pg_error(error: Error) -> PgWireError {
    let kind = error.kind();
    let code = match error {
        Error::ShuttingDown => "57P01",
        _ => kind.sqlstate(),
    };
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_string(),
        code.to_string(),
        error.to_string(),
    )))
}

impl Backend {
    /// The principal the session authenticated as.
    fn principal<C: ClientInfo>(client: &C) -> PgWireResult<Arc<Principal>> {
        client
            .session_extensions()
            .get::<Principal>()
            .ok_or_else(|| {
                pg_error(Error::Unauthenticated(
                    "the session is not authenticated".into(),
                ))
            })
    }

    /// Runs `sql` as the session's principal through the service.
    async fn run<C: ClientInfo>(&self, client: &C, sql: String) -> PgWireResult<QueryResult> {
        if *self.stopped.borrow() {
            return Err(pg_error(Error::ShuttingDown));
        }
        let principal = Self::principal(client)?;
        let _running = self.service.metrics().request("pg");
        let call = Call::Sql {
            request: SqlRequest { query: sql },
            workgroup: None,
        };
        match self
            .service
            .call(&principal, call)
            .await
            .map_err(pg_error)?
        {
            Answer::Rows(result) => Ok(result),
            _ => Err(pg_error(Error::Encode(
                "a SQL call answered no rows".into(),
            ))),
        }
    }

    fn respond(result: QueryResult, format: &Format) -> PgWireResult<Response> {
        let fields = Arc::new(encode::fields(&result.schema, format));
        let rows = encode::rows(&result, &fields)?;
        Ok(Response::Query(QueryResponse::new(
            fields,
            futures::stream::iter(rows.into_iter().map(Ok)),
        )))
    }
}

#[async_trait]
impl SimpleQueryHandler for Backend {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if let Some(response) = session::answer(client, query) {
            return Ok(vec![response]);
        }
        let result = self.run(client, query.to_string()).await?;
        Ok(vec![Self::respond(result, &Format::UnifiedText)?])
    }
}

/// Statements are kept as their text; parameters are bound as literals at execution.
struct Parser;

#[async_trait]
impl QueryParser for Parser {
    type Statement = String;

    async fn parse_sql<C>(
        &self,
        _client: &C,
        sql: &str,
        _types: &[Option<Type>],
    ) -> PgWireResult<Option<String>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        Ok(Some(sql.to_string()))
    }

    fn get_parameter_types(&self, sql: &String) -> PgWireResult<Vec<Type>> {
        Ok(vec![Type::UNKNOWN; params::count(sql)])
    }

    fn get_result_schema(
        &self,
        _sql: &String,
        _column_format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        Ok(Vec::new())
    }
}

/// The rows a Describe of a portal computed, kept for its Execute (clients such as
/// psycopg describe, then execute, the same portal).
#[derive(Default)]
struct Described(Mutex<Option<(PortalKey, QueryResult)>>);

#[derive(PartialEq, Eq)]
struct PortalKey {
    portal: String,
    sql: String,
}

#[async_trait]
impl ExtendedQueryHandler for Backend {
    type Statement = String;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Parser> {
        self.parser.clone()
    }

    async fn do_describe_statement<C>(
        &self,
        client: &mut C,
        statement: &StoredStatement<String>,
    ) -> PgWireResult<DescribeStatementResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = String>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let count = params::count(&statement.statement);
        let types: Vec<Type> = (0..count)
            .map(|i| {
                statement
                    .parameter_types
                    .get(i)
                    .cloned()
                    .flatten()
                    .unwrap_or(Type::UNKNOWN)
            })
            .collect();
        if let Some(fields) = session::describe(&statement.statement) {
            return Ok(DescribeStatementResponse::new(types, fields));
        }
        // The columns do not depend on the parameters' values: run it with NULLs.
        let sql = params::bind_nulls(&statement.statement, count)?;
        let result = self.run(client, sql).await?;
        Ok(DescribeStatementResponse::new(
            types,
            encode::fields(&result.schema, &Format::UnifiedBinary),
        ))
    }

    async fn do_describe_portal<C>(
        &self,
        client: &mut C,
        portal: &Portal<String>,
    ) -> PgWireResult<DescribePortalResponse>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = String>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let sql = &portal.statement.statement;
        if let Some(fields) = session::describe(sql) {
            return Ok(DescribePortalResponse::new(fields));
        }
        let bound = params::bind(portal)?;
        let result = self.run(client, bound.clone()).await?;
        let fields = encode::fields(&result.schema, &portal.result_column_format);
        let described = client
            .session_extensions()
            .get_or_insert_with(Described::default);
        if let Ok(mut kept) = described.0.lock() {
            let key = PortalKey {
                portal: portal.name.clone(),
                sql: bound,
            };
            *kept = Some((key, result));
        }
        Ok(DescribePortalResponse::new(fields))
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<String>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = String>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let sql = &portal.statement.statement;
        if let Some(response) = session::answer(client, sql) {
            return Ok(response);
        }
        let bound = params::bind(portal)?;
        let key = PortalKey {
            portal: portal.name.clone(),
            sql: bound.clone(),
        };
        let kept = client
            .session_extensions()
            .get::<Described>()
            .and_then(|d| d.0.lock().ok()?.take_if(|(k, _)| *k == key))
            .map(|(_, result)| result);
        let result = match kept {
            Some(result) => result,
            None => self.run(client, bound).await?,
        };
        Self::respond(result, &portal.result_column_format)
    }
}

//! The servers' error: the app's errors, and what only a server meets (credentials,
//! permissions of a call, request bodies, listeners, TLS files).

pub use costscope_core::ErrorKind;

/// Result alias with [`Error`] as the default error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Errors of the servers.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request of the application failed (bad request, denied, not found, a bug...).
    #[error(transparent)]
    App(#[from] costscope_app::Error),
    /// No credential, or one that is unknown, expired or forged.
    #[error("{0}")]
    Unauthenticated(String),
    /// The principal may not make this call.
    #[error("{0}")]
    Denied(String),
    /// A request body that does not parse as the endpoint's request type.
    #[error("invalid request body: {0}")]
    Body(String),
    /// The server is shutting down and takes no new requests.
    #[error("the server is shutting down")]
    ShuttingDown,
    /// A listener could not be bound or failed.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The certificate or key file could not be read or used.
    #[error("TLS: {0}")]
    Tls(String),
    /// The identity provider's key set could not be read.
    #[error("OIDC key set {origin}: {reason}")]
    Jwks { origin: String, reason: String },
    /// An answer could not be encoded (a bug).
    #[error("cannot encode the answer: {0}")]
    Encode(String),
}

impl Error {
    /// The kind of this error, which decides the HTTP status and the SQLSTATE class.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::App(error) => error.kind(),
            Error::Unauthenticated(_) => ErrorKind::Unauthenticated,
            Error::Denied(_) => ErrorKind::Denied,
            Error::Body(_) | Error::Tls(_) => ErrorKind::User,
            Error::Jwks { .. } => ErrorKind::Unavailable,
            Error::ShuttingDown => ErrorKind::Unavailable,
            Error::Listen { source, .. } => ErrorKind::of_io(source),
            Error::Encode(_) => ErrorKind::Internal,
        }
    }
}

impl From<costscope_query::Error> for Error {
    fn from(error: costscope_query::Error) -> Self {
        Error::App(error.into())
    }
}

//! Session start: cleartext password authentication where the password is the bearer
//! credential (an access-file token or a JWT) and the user must be the principal it
//! names; the database must be `costscope`. The principal is kept in the session.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use costscope_app::Principal;
use futures::Sink;
use pgwire::api::ClientInfo;
use pgwire::api::auth::cleartext::CleartextPasswordAuth;
use pgwire::api::auth::driver::AuthOutcome;
use pgwire::api::auth::mechanism::AuthMechanismFactory;
use pgwire::api::auth::{
    AuthDriver, AuthSource, DefaultServerParameterProvider, LoginInfo, Password, StartupHandler,
};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};

use crate::Service;

/// The one database name the server answers to.
pub const DATABASE: &str = "costscope";

/// Authenticates sessions.
pub struct Startup {
    driver: AuthDriver<DefaultServerParameterProvider, Principal>,
    cleartext: CleartextPasswordAuth<Credentials>,
}

impl Startup {
    pub fn new(service: Arc<Service>) -> Startup {
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.server_version = format!("16.6 (costscope {})", env!("CARGO_PKG_VERSION"));
        parameters.is_superuser = false;
        parameters.default_transaction_read_only = true;
        parameters.search_path = "costscope".into();
        Startup {
            driver: AuthDriver::new(parameters),
            cleartext: CleartextPasswordAuth::new(Arc::new(Credentials { service })),
        }
    }
}

#[async_trait]
impl StartupHandler for Startup {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let outcome = match message {
            PgWireFrontendMessage::Startup(ref startup) => {
                pgwire::api::auth::protocol_negotiation(client, startup).await?;
                pgwire::api::auth::save_startup_parameters_to_metadata(client, startup);
                let database = client
                    .metadata()
                    .get(pgwire::api::METADATA_DATABASE)
                    .cloned();
                if let Some(database) = database.filter(|d| d != DATABASE) {
                    return Err(PgWireError::UserError(Box::new(ErrorInfo::new(
                        "FATAL".into(),
                        "3D000".into(),
                        format!(
                            "database \"{database}\" does not exist: connect to \"{DATABASE}\""
                        ),
                    ))));
                }
                self.driver
                    .begin_authentication(client, self.cleartext.create())
                    .await?
            }
            PgWireFrontendMessage::PasswordMessageFamily(message) => {
                self.driver.advance_authentication(client, message).await?
            }
            _ => return Ok(()),
        };
        if let AuthOutcome::Authenticated {
            identity,
            final_message,
        } = outcome
        {
            let Some(principal) = identity else {
                return Err(PgWireError::InvalidPassword(String::new()));
            };
            client.session_extensions().insert(principal);
            self.driver
                .complete_authentication(client, final_message)
                .await?;
        }
        Ok(())
    }
}

/// Checks a session's password as a bearer credential.
struct Credentials {
    service: Arc<Service>,
}

impl Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials")
    }
}

#[async_trait]
impl AuthSource<Principal> for Credentials {
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        Err(PgWireError::InvalidPassword(
            login.user().unwrap_or_default().to_string(),
        ))
    }

    async fn verify_password(
        &self,
        login: &LoginInfo,
        presented: &[u8],
    ) -> PgWireResult<Option<Principal>> {
        let user = login.user().unwrap_or_default().to_string();
        let refused = || PgWireError::InvalidPassword(user.clone());
        let credential = std::str::from_utf8(presented).map_err(|_| refused())?;
        let principal = self
            .service
            .authenticate(credential)
            .await
            .map_err(|_| refused())?;
        if principal.name != user {
            self.service
                .metrics()
                .denied(None, costscope_core::ErrorKind::Unauthenticated);
            return Err(refused());
        }
        Ok(Some(principal))
    }
}

//! Request bodies: JSON of the endpoint's request type. An empty body is `{}` (every
//! field at its default); a body that does not parse is a 400 naming the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::Error;

/// A request body of type `T`.
pub struct Body<T>(pub T);

impl<T, S> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|e| Error::Body(e.body_text()))?;
        parse(&bytes).map(Body)
    }
}

/// `bytes` as a `T`; errors say where in the body the problem is.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    let mut deserializer = serde_json::Deserializer::from_slice(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path.is_empty() || path == "." {
            Error::Body(inner.to_string())
        } else {
            Error::Body(format!("`{path}`: {inner}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|e| Error::Body(format!("trailing characters after the JSON value: {e}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use costscope_app::cost::CostRequest;

    #[test]
    fn an_empty_body_is_the_default_request() {
        let request: CostRequest = parse(b"  ").expect("empty");
        assert_eq!(request, CostRequest::default());
    }

    #[test]
    fn errors_name_the_field() {
        let message = parse::<CostRequest>(br#"{"colour": 1}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("unknown field `colour`"), "{message}");
        let message = parse::<CostRequest>(br#"{"group_by": [1]}"#)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("`group_by[0]`"), "{message}");
        let error = parse::<CostRequest>(b"{").err().map(|e| e.kind());
        assert_eq!(error, Some(costscope_core::ErrorKind::User));
    }
}

//! Errors as Kafka Connect's `ConnectExceptionMapper` writes them: the status code and
//! `{"error_code":<status>,"message":"..."}`.

use std::convert::Infallible;

use raftconnect_raft::StoreError;
use serde::Serialize;
use warp::http::{header, HeaderValue, StatusCode};
use warp::reply::Response;
use warp::{Rejection, Reply};

use crate::herder::HerderError;

/// Kafka's `ErrorMessage` entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorMessage {
    pub error_code: u16,
    pub message: String,
}

/// A failed request: its status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// The methods the path accepts, for 405 (sent as `Allow`).
    pub allow: Vec<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            allow: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// An unknown path, with Jersey's message.
    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "HTTP 404 Not Found")
    }

    /// A known path asked with a method it does not serve, with Jersey's message.
    pub fn method_not_allowed(allow: &[&'static str]) -> Self {
        ApiError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            message: "HTTP 405 Method Not Allowed".to_string(),
            allow: allow.to_vec(),
        }
    }

    pub fn into_response(self) -> Response {
        let body = ErrorMessage {
            error_code: self.status.as_u16(),
            message: self.message,
        };
        let mut response =
            warp::reply::with_status(warp::reply::json(&body), self.status).into_response();
        if !self.allow.is_empty() {
            if let Ok(v) = HeaderValue::from_str(&self.allow.join(", ")) {
                response.headers_mut().insert(header::ALLOW, v);
            }
        }
        response
    }
}

impl From<HerderError> for ApiError {
    fn from(e: HerderError) -> Self {
        let status = match &e {
            HerderError::NotFound(_)
            | HerderError::TaskNotFound(_)
            | HerderError::NotOnThisWorker(_) => StatusCode::NOT_FOUND,
            HerderError::AlreadyExists(_) => StatusCode::CONFLICT,
            HerderError::InvalidConfig { .. } | HerderError::BadRequest(_) => {
                StatusCode::BAD_REQUEST
            }
            HerderError::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
            HerderError::Store(_) | HerderError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::warn!(error = %e, "REST request failed");
        }
        ApiError::new(status, e.to_string())
    }
}

/// Turns what the request filter could not handle (an unreadable body) into the same
/// JSON error shape; never leaves warp's plain-text defaults on the wire.
pub async fn handle_rejection(rejection: Rejection) -> Result<Response, Infallible> {
    let error = if rejection.is_not_found() {
        ApiError::not_found()
    } else {
        ApiError::bad_request(format!("Cannot read the request body: {rejection:?}"))
    };
    Ok(error.into_response())
}

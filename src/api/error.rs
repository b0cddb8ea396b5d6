//! Every failure the API answers is `{"error": {"code", "message"}}` with a status that
//! says whose fault it is, the shape OpenAI's clients read (they show `message`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::engine::{EngineError, ErrorKind, Subject};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// A stable word for programs: `unauthorized`, `not_found`, `invalid_request`, …
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn too_large(limit: u64) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "upload_too_large",
            format!(
                "the upload is larger than the {} MB this server accepts (the api.max_upload_mb setting)",
                limit / (1024 * 1024)
            ),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> Self {
        let (status, code) = match error.kind {
            ErrorKind::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            ErrorKind::InvalidInput => (StatusCode::BAD_REQUEST, "invalid_request"),
            ErrorKind::Conflict => (StatusCode::CONFLICT, "conflict"),
            ErrorKind::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            ErrorKind::Cancelled => (StatusCode::CONFLICT, "cancelled"),
            ErrorKind::Internal => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        // A missing file named in a request is the request's fault, not a missing route.
        let (status, code) = match (&error.subject, error.kind) {
            (Some(Subject::Path(_)), ErrorKind::NotFound) => {
                (StatusCode::BAD_REQUEST, "invalid_request")
            }
            // As OpenAI answers a model it does not have.
            (Some(Subject::Model(_)), ErrorKind::NotFound) => {
                (StatusCode::NOT_FOUND, "model_not_found")
            }
            _ => (status, code),
        };
        Self::new(status, code, error.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = %self.status, message = %self.message, "API request failed");
        } else {
            tracing::debug!(status = %self.status, message = %self.message, "API request refused");
        }
        let body = json!({"error": {"code": self.code, "message": self.message}});
        let mut response = (self.status, Json(body)).into_response();
        if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            // The rest of the upload is never read: the client must not send its next
            // request on this connection.
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

//! Every request needs `Authorization: Bearer <token>`: the token `hookscribe api token`
//! prints and Settings shows. It is never logged.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::{blocking, AppState};

pub async fn require_token(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let presented = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer)
        .map(str::to_string);
    let Some(presented) = presented else {
        return refuse("send the API token as `Authorization: Bearer <token>` (`hookscribe api token` prints it)");
    };
    match blocking(&state, move |engine| engine.api().accepts(&presented)).await {
        Ok(true) => next.run(request).await,
        Ok(false) => refuse("the API token is wrong; `hookscribe api token` prints the current one (Settings shows it too)"),
        Err(error) => error.into_response(),
    }
}

/// The credentials of a `Bearer` authorization (the scheme's case does not matter).
fn bearer(value: &str) -> Option<&str> {
    let (scheme, credentials) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credentials.trim())
        .filter(|c| !c.is_empty())
}

fn refuse(message: &str) -> Response {
    let mut response = ApiError::unauthorized(message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::bearer;

    #[test]
    fn only_bearer_credentials_count() {
        assert_eq!(bearer("Bearer hsk_1"), Some("hsk_1"));
        assert_eq!(bearer("bearer   hsk_1 "), Some("hsk_1"));
        assert_eq!(bearer("Basic dXNlcjpwYXNz"), None);
        assert_eq!(bearer("Bearer "), None);
        assert_eq!(bearer("hsk_1"), None);
    }
}

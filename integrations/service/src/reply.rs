//! Crossbar's answers: the success envelope and its error envelopes.

use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use kazoo_records::{Error, ErrorKind};
use serde_json::{Value, json};

/// A JSON body with its status.
pub(crate) struct Reply(pub StatusCode, pub Value);

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.1).unwrap_or_default();
        (self.0, [(CONTENT_TYPE, "application/json")], body).into_response()
    }
}

/// `{"data": data, "status": "success"}`.
pub(crate) fn success(data: Value) -> Reply {
    Reply(StatusCode::OK, json!({"data": data, "status": "success"}))
}

/// Crossbar's error envelope: `{"data": data, "error": "<code>", "message": m, "status": "error"}`.
fn error(status: StatusCode, message: &str, data: Value) -> Reply {
    Reply(
        status,
        json!({
            "data": data,
            "error": status.as_u16().to_string(),
            "message": message,
            "status": "error",
        }),
    )
}

/// 404 for an id that names nothing (`crossbar_util:response_bad_identifier`).
pub(crate) fn bad_identifier(id: &str) -> Reply {
    error(StatusCode::NOT_FOUND, "bad identifier", json!([id]))
}

/// 404 for a path crossbar does not route.
pub(crate) fn not_found() -> Reply {
    error(StatusCode::NOT_FOUND, "not found", json!({}))
}

/// A library error as crossbar answers it: a bad `utc_offset` is KAZOO's 404 "utc_offset
/// must be a number"; any other bad parameter (range, page size, cursor, filter) a 400
/// validation error keyed by the parameter; a store failure a 500 "datastore fault".
pub(crate) fn failure(e: &Error) -> Reply {
    let parameter = e.path().split(['.', '[']).next().unwrap_or_default();
    match e.kind() {
        ErrorKind::Store | ErrorKind::Io => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "datastore fault",
            json!({"message": e.to_string()}),
        ),
        _ if parameter == "utc_offset" => error(
            StatusCode::NOT_FOUND,
            "utc_offset must be a number",
            json!({}),
        ),
        kind => error(
            StatusCode::BAD_REQUEST,
            "invalid request",
            json!({ parameter: { kind.to_string(): { "message": e.to_string() } } }),
        ),
    }
}

/// A failed request: an error answer, so that handlers use `?`.
pub(crate) enum Failure {
    /// A library or store error.
    Error(Error),
    /// A finished error answer.
    Reply(Reply),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Error(e)
    }
}

impl From<Reply> for Failure {
    fn from(r: Reply) -> Self {
        Failure::Reply(r)
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Error(e) => failure(&e).into_response(),
            Failure::Reply(r) => r.into_response(),
        }
    }
}

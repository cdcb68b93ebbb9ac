//! The one error type of the service. Every failure, ours or the framework's, leaves as an
//! RFC 9457 problem document (`application/problem+json`); this module is the only place that
//! chooses a status code or writes one.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid request field: `field` names it as the client wrote it (`title`, `tags[3]`,
/// `competence.awareness`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The request field, as a path into the body or query.
    #[schema(example = "title")]
    pub field: String,
    /// What is wrong with it.
    #[schema(example = "must be 1 to 200 characters")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "/problems/validation",
    "title": "Validation failed",
    "status": 422,
    "detail": "The request has 1 invalid field.",
    "errors": [{"field": "title", "message": "must be 1 to 200 characters"}]
}))]
pub struct ProblemDetails {
    /// `/problems/<code>`, one of: bad-request, unauthorized, forbidden, not-found, conflict,
    /// precondition-failed, payload-too-large, unsupported-media-type, validation, rate-limited,
    /// internal (and method-not-allowed for a known path with the wrong method).
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short, stable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this request.
    pub detail: String,
    /// Every invalid field (validation problems only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// A known path with a method it does not take; carries the methods it does take.
    #[error("method not allowed")]
    MethodNotAllowed(Vec<String>),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("rate limited for {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 404 for a resource that does not exist or that the caller may not see.
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("No such {what}."))
    }

    /// A 422 for a single field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    fn code(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest(_) => ("bad-request", "Bad request"),
            Self::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            Self::Forbidden(_) => ("forbidden", "Forbidden"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            Self::Conflict(_) => ("conflict", "Conflict"),
            Self::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            Self::PayloadTooLarge => ("payload-too-large", "Payload too large"),
            Self::UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type"),
            Self::Validation(_) => ("validation", "Validation failed"),
            Self::RateLimited { .. } => ("rate-limited", "Too many requests"),
            Self::Unavailable(_) => ("unavailable", "Service unavailable"),
            Self::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::BadRequest(d)
            | Self::Unauthorized(d)
            | Self::Forbidden(d)
            | Self::NotFound(d)
            | Self::Conflict(d)
            | Self::PreconditionFailed(d)
            | Self::Unavailable(d) => d.clone(),
            Self::MethodNotAllowed(_) => "This path does not accept that method.".into(),
            Self::PayloadTooLarge => "The request body exceeds 64 KiB.".into(),
            Self::UnsupportedMediaType => "The request body must be application/json.".into(),
            Self::Validation(errors) => match errors.len() {
                1 => "The request has 1 invalid field.".into(),
                n => format!("The request has {n} invalid fields."),
            },
            Self::RateLimited { retry_after } => {
                format!("Too many attempts; try again in {retry_after} seconds.")
            }
            // Never leak internals: the cause chain goes to the log, not to the client.
            Self::Internal(_) => "Something went wrong on our side; it has been logged.".into(),
        }
    }

    pub fn problem(&self) -> ProblemDetails {
        let (code, title) = self.code();
        ProblemDetails {
            problem_type: format!("/problems/{code}"),
            title: title.into(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            errors: match self {
                Self::Validation(errors) => Some(errors.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(err) = self {
            // `{:#}` prints the whole context chain; the request id is on the current span.
            tracing::error!(error = format!("{err:#}"), "internal error");
        }
        let mut res = HttpResponse::build(self.status_code());
        res.content_type("application/problem+json");
        match self {
            Self::Unauthorized(_) => {
                res.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::RateLimited { retry_after } => {
                res.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            Self::MethodNotAllowed(allowed) => {
                res.insert_header((header::ALLOW, allowed.join(", ")));
            }
            _ => {}
        }
        res.json(self.problem())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => Self::NotFound("No such resource.".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                Self::Conflict("That resource exists already.".into())
            }
            other => Self::Internal(anyhow::Error::new(other).context("database")),
        }
    }
}

/// JSON body failures: size (413), content type (415), syntax (400). Field-level failures of
/// well-formed JSON are turned into 422 by [`crate::extract::Json`], not here.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge
        }
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("Malformed JSON: {e}")),
        _ => ApiError::BadRequest(format!("Could not read the request body: {err}")),
    };
    api.into()
}

/// Query string failures: 400.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(format!("Invalid query parameters: {err}")).into()
}

/// Path parameter failures (an id that is not a UUID): no such resource can exist, so 404.
pub fn path_error(_err: PathError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound("No resource at this path.".into()).into()
}

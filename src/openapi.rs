//! The OpenAPI document: one `ApiDoc`, the bearer security scheme, the shared problem
//! responses, and the handler that serves the document.

use actix_web::{get, web, HttpResponse};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::{FieldError, ProblemDetails};

/// The pretty-printed document, rendered once at start.
pub struct SpecJson(pub String);

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Leergemeenschap API",
        description = "Backend of a learning community (leergemeenschap) for the professionals \
and executives who organize organisatienetwerken: housing corporations, care and welfare \
providers and municipalities that work together around residents and tenants whom no single \
organization can help alone. Members meet in sessions (bijeenkomsten) and keep reflection logs, \
because network competence (netwerkkunde) grows by doing and by reflecting.\n\n\
Errors are RFC 9457 problem details (`application/problem+json`). Lists are paginated with \
`limit` and an opaque `cursor`. Editable resources carry `version` and an `ETag`; `PATCH` \
honours `If-Match`.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
        version = env!("CARGO_PKG_VERSION"),
    ),
    modifiers(&SecurityAddon),
    components(
        schemas(ProblemDetails, FieldError),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PreconditionFailed,
            PayloadTooLarge,
            UnsupportedMediaType,
            ValidationFailed,
            RateLimited,
            Unavailable,
            Internal
        )
    ),
    tags(
        (name = "auth", description = "Login, token refresh, logout and joining by invitation."),
        (name = "me", description = "Your own profile, password, data and growth."),
        (name = "members", description = "The members directory and admin changes to members."),
        (name = "invitations", description = "Invitations: the only way into the community."),
        (name = "networks", description = "Organisatienetwerken and who takes part in them."),
        (name = "sessions", description = "Sessions (bijeenkomsten), registration, waitlist, attendance and the calendar feed."),
        (name = "reflections", description = "The reflection log and peer comments."),
        (name = "insights", description = "Tension vocabulary and anonymous aggregates for facilitators."),
        (name = "audit", description = "The audit trail of administrative actions."),
        (name = "service", description = "Health, readiness and this document."),
    )
)]
pub struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login`, `refresh` or `register`.",
                    ))
                    .build(),
            ),
        );
    }
}

fn problem(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/problem+json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ProblemDetails")))
            .build(),
    )
}

/// Declares a reusable problem response, referenced from paths as `response = Name`.
macro_rules! problem_response {
    ($name:ident, $description:literal) => {
        problem_response!($name, $description, |r| r);
    };
    ($name:ident, $description:literal, $extend:expr) => {
        #[doc = $description]
        pub struct $name;

        impl<'r> ToResponse<'r> for $name {
            fn response() -> (&'r str, RefOr<Response>) {
                let extend: fn(ResponseBuilder) -> ResponseBuilder = $extend;
                (
                    stringify!($name),
                    extend(problem($description)).build().into(),
                )
            }
        }
    };
}

problem_response!(BadRequest, "Malformed JSON, query parameter or cursor.");
problem_response!(
    Unauthorized,
    "Missing, malformed, expired or revoked credentials.",
    |r| r.header(
        "WWW-Authenticate",
        HeaderBuilder::new()
            .description(Some("Always `Bearer`."))
            .build()
    )
);
problem_response!(
    Forbidden,
    "The caller may see the resource but may not do this."
);
problem_response!(NotFound, "No such resource, or one the caller may not see.");
problem_response!(Conflict, "The request conflicts with the current state.");
problem_response!(
    PreconditionFailed,
    "`If-Match` names an older version; nothing was changed."
);
problem_response!(PayloadTooLarge, "The request body exceeds 64 KiB.");
problem_response!(
    UnsupportedMediaType,
    "The request body is not `application/json`."
);
problem_response!(
    ValidationFailed,
    "Well-formed JSON with invalid fields; `errors` names every one."
);
problem_response!(
    RateLimited,
    "Too many attempts; retry after the given number of seconds.",
    |r| r.header(
        "Retry-After",
        HeaderBuilder::new()
            .description(Some("Seconds until another attempt is accepted."))
            .schema(
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::Integer)
            )
            .build()
    )
);
problem_response!(Unavailable, "The database does not answer.");
problem_response!(Internal, "An unexpected error; details are only logged.");

/// The OpenAPI 3.1 document of this service.
#[utoipa::path(
    tag = "service",
    responses((status = 200, description = "The OpenAPI document.", content_type = "application/json", body = Object))
)]
#[get("/openapi.json")]
pub async fn get_openapi(spec: web::Data<SpecJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(spec.0.clone())
}

/// Renders `spec` the way it is committed: pretty, in declaration order, with a final newline.
pub fn render(spec: &utoipa::openapi::OpenApi) -> String {
    let mut json = spec.to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}

/// The documented paths and their methods, to answer a wrong method with 405 and an `Allow`
/// header (RFC 9110) that is exactly what the spec says.
pub struct RouteTable(Vec<(Vec<String>, Vec<String>)>);

impl RouteTable {
    pub fn new(spec: &utoipa::openapi::OpenApi) -> Self {
        let mut routes = Vec::new();
        for (path, item) in &spec.paths.paths {
            let segments = path.split('/').map(str::to_owned).collect();
            let json = serde_json::to_value(item).unwrap_or_default();
            let methods = [
                "get", "put", "post", "delete", "options", "head", "patch", "trace",
            ]
            .iter()
            .filter(|m| json.get(**m).is_some())
            .map(|m| m.to_uppercase())
            .collect();
            routes.push((segments, methods));
        }
        // The documentation pages are served but not part of the API document.
        routes.push((vec![String::new(), "docs".into()], vec!["GET".into()]));
        Self(routes)
    }

    /// The methods `path` takes, or `None` when no documented path matches it.
    pub fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut allowed: Vec<String> = Vec::new();
        for (template, methods) in &self.0 {
            let fits = template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| segment_matches(t, s));
            if fits {
                allowed.extend(methods.iter().cloned());
            }
        }
        (!allowed.is_empty()).then_some(allowed)
    }
}

/// `{id}` matches any non-empty segment; `{token}.ics` any with that suffix.
fn segment_matches(template: &str, segment: &str) -> bool {
    match (template.find('{'), template.rfind('}')) {
        (Some(open), Some(close)) if open < close => {
            let (prefix, suffix) = (&template[..open], &template[close + 1..]);
            segment.len() > prefix.len() + suffix.len()
                && segment.starts_with(prefix)
                && segment.ends_with(suffix)
        }
        _ => template == segment,
    }
}

#[cfg(test)]
mod tests {
    use super::segment_matches;

    #[test]
    fn path_templates_match_segments() {
        assert!(segment_matches("{id}", "abc"));
        assert!(!segment_matches("{id}", ""));
        assert!(segment_matches("{token}.ics", "x.ics"));
        assert!(!segment_matches("{token}.ics", "x.ical"));
        assert!(segment_matches("members", "members"));
        assert!(!segment_matches("members", "member"));
    }
}

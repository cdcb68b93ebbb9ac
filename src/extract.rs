//! Request extractors shared by every feature: a JSON body that reports *every* invalid field
//! at once, and the `If-Match` precondition.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::error::{ApiError, FieldError};

/// A request body and the domain value it becomes once every field has been checked
/// ("parse, don't validate": past the extractor nothing re-checks lengths or formats).
pub trait RequestBody: DeserializeOwned + ToSchema + 'static {
    type Valid;

    /// Checks values (lengths, ranges, cross-field rules), reporting every invalid field with
    /// [`crate::validation::Errors`].
    fn validate(self) -> Result<Self::Valid, ApiError>;

    /// The value rules' complaints about `self`, for a body whose other fields were mistyped:
    /// they are reported in the same answer. Bodies that check their values later, in the
    /// handler (after a permission check), override this to run that check here.
    fn value_errors(self) -> Vec<FieldError>
    where
        Self: Sized,
    {
        match self.validate() {
            Err(ApiError::Validation(errors)) => errors,
            _ => Vec::new(),
        }
    }
}

/// Declares bodies whose fields need no checks beyond their types.
#[macro_export]
macro_rules! plain_body {
    ($($body:ty),+ $(,)?) => {
        $(
            impl $crate::extract::RequestBody for $body {
                type Valid = $body;
                fn validate(self) -> Result<$body, $crate::error::ApiError> {
                    Ok(self)
                }
            }
        )+
    };
}

/// Declares bodies whose value rules run in the handler through `TryFrom<Body> for Checked`
/// (after a permission check, or together with checks that need the database). The extractor
/// still reports those rules' complaints alongside type errors.
#[macro_export]
macro_rules! deferred_body {
    ($($body:ty => $checked:ty),+ $(,)?) => {
        $(
            impl $crate::extract::RequestBody for $body {
                type Valid = $body;
                fn validate(self) -> Result<$body, $crate::error::ApiError> {
                    Ok(self)
                }
                fn value_errors(self) -> Vec<$crate::error::FieldError> {
                    match <$checked>::try_from(self) {
                        Err($crate::error::ApiError::Validation(errors)) => errors,
                        _ => Vec::new(),
                    }
                }
            }
        )+
    };
}

/// A validated JSON request body: `T`'s domain value.
///
/// Malformed JSON, a wrong content type and an oversized body are rejected by the app's
/// `JsonConfig` (400, 415, 413). Well-formed JSON that does not fit is answered 422 with one
/// entry per invalid field: unknown fields, missing required fields, wrongly typed values and
/// values that break a rule are all reported together, not just the first one.
pub struct Json<T: RequestBody>(pub T::Valid);

impl<T: RequestBody> Json<T> {
    pub fn into_inner(self) -> T::Valid {
        self.0
    }
}

impl<T: RequestBody> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let value = value.await?.into_inner();
            parse_body::<T>(value).map(Json).map_err(Into::into)
        })
    }
}

/// The most field errors one request reports; each costs a deserialization attempt.
const MAX_FIELD_ERRORS: usize = 32;

/// Turns `value` into `T`'s domain value, or a 422 naming every invalid field.
pub fn parse_body<T: RequestBody>(value: Value) -> Result<T::Valid, ApiError> {
    let (parsed, mut errors) = deserialize::<T>(value)?;
    if errors.is_empty() {
        return match parsed {
            Some(body) => body.validate(),
            None => Err(ApiError::Validation(errors)),
        };
    }
    if let Some(repaired) = parsed {
        // Fields already reported as mistyped or missing were stood in for by a placeholder;
        // what the value rules say about the placeholder is noise.
        let reported: Vec<String> = errors.iter().map(|e| top_level(&e.field)).collect();
        let more = repaired.value_errors();
        errors.extend(
            more.into_iter()
                .filter(|e| !reported.contains(&top_level(&e.field))),
        );
    }
    Err(ApiError::Validation(errors))
}

fn top_level(field: &str) -> String {
    field.split(['.', '[']).next().unwrap_or(field).to_owned()
}

/// Deserializes `value` as `T`, collecting every field error.
///
/// serde stops at the first error, so on each one we record it, remove the offending top-level
/// field and try again. Required fields that are absent come from `T`'s schema, since serde only
/// ever names the first of them. When fields had to go, a placeholder of the documented type
/// stands in for each, so that `T` can still be built and its value rules checked too.
fn deserialize<T: RequestBody>(mut value: Value) -> Result<(Option<T>, Vec<FieldError>), ApiError> {
    if !value.is_object() {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    let mut errors = Vec::new();
    let mut removed: Vec<String> = Vec::new();
    while errors.len() < MAX_FIELD_ERRORS {
        let err = match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(parsed) => return Ok((Some(parsed), errors)),
            Err(err) => err,
        };
        let message = err.inner().to_string();
        let segments: Vec<String> = err.path().iter().map(segment_name).collect();
        let path = err.path().to_string();
        if let Some(name) = quoted(&message, "unknown field `") {
            let field = join(&path, &name);
            errors.push(FieldError::new(field, "unknown field"));
            remove_key(&mut value, &segments, &name);
            continue;
        }
        if let Some(name) = quoted(&message, "missing field `") {
            if segments.is_empty() {
                // Only reached once every present field deserialized: the rest is absences.
                for name in required_fields::<T>() {
                    if value.get(&name).is_none() && !removed.contains(&name) {
                        errors.push(FieldError::new(&name, "is required"));
                        removed.push(name);
                    }
                }
                break;
            }
            errors.push(FieldError::new(join(&path, &name), "is required"));
        } else {
            errors.push(FieldError::new(path, tidy(&message)));
        }
        let Some(top) = segments.first().cloned() else {
            break;
        };
        if let Some(object) = value.as_object_mut() {
            object.remove(&top);
        }
        removed.push(top);
    }
    Ok((with_placeholders::<T>(value, &removed), errors))
}

/// `value` with a placeholder for each of `fields`, deserialized; `None` when that fails too.
fn with_placeholders<T: RequestBody>(mut value: Value, fields: &[String]) -> Option<T> {
    let RefOr::T(Schema::Object(object)) = T::schema() else {
        return None;
    };
    let mut components = Vec::new();
    T::schemas(&mut components);
    let map = value.as_object_mut()?;
    for field in fields {
        let schema = object.properties.get(field)?;
        map.insert(field.clone(), placeholder(schema, &components, 0));
    }
    serde_json::from_value(value).ok()
}

/// A value of the type `schema` documents (its first enum value, an empty string, zero, …).
fn placeholder(
    schema: &RefOr<Schema>,
    components: &[(String, RefOr<Schema>)],
    depth: usize,
) -> Value {
    use utoipa::openapi::schema::{SchemaType, Type};
    if depth > 8 {
        return Value::Null;
    }
    let schema = match schema {
        RefOr::Ref(reference) => {
            let name = reference
                .ref_location
                .rsplit('/')
                .next()
                .unwrap_or_default();
            match components.iter().find(|(n, _)| n == name) {
                Some((_, found)) => return placeholder(found, components, depth + 1),
                None => return Value::Null,
            }
        }
        RefOr::T(schema) => schema,
    };
    match schema {
        Schema::Object(object) => {
            if let Some(first) = object.enum_values.as_ref().and_then(|v| v.first()) {
                return first.clone();
            }
            let of_type = |t: &Type| match t {
                Type::String => Value::String(String::new()),
                Type::Integer | Type::Number => Value::from(0),
                Type::Boolean => Value::Bool(false),
                Type::Array => Value::Array(Vec::new()),
                Type::Object => Value::Object(
                    object
                        .required
                        .iter()
                        .filter_map(|name| {
                            let prop = object.properties.get(name)?;
                            Some((name.clone(), placeholder(prop, components, depth + 1)))
                        })
                        .collect(),
                ),
                Type::Null => Value::Null,
            };
            match &object.schema_type {
                SchemaType::Type(t) => of_type(t),
                SchemaType::Array(types) if types.contains(&Type::Null) => Value::Null,
                SchemaType::Array(types) => types.first().map(of_type).unwrap_or(Value::Null),
                SchemaType::AnyValue => Value::Null,
            }
        }
        Schema::Array(_) => Value::Array(Vec::new()),
        Schema::AllOf(all) => all
            .items
            .first()
            .map(|s| placeholder(s, components, depth + 1))
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn segment_name(segment: &serde_path_to_error::Segment) -> String {
    use serde_path_to_error::Segment;
    match segment {
        Segment::Map { key } => key.clone(),
        Segment::Seq { index } => index.to_string(),
        Segment::Enum { variant } => variant.clone(),
        Segment::Unknown => "?".into(),
    }
}

/// `prefix`'s quoted name, as in serde's "unknown field `x`, expected …".
fn quoted(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next().map(str::to_owned)
}

fn join(path: &str, name: &str) -> String {
    // serde_path_to_error renders the empty path as ".".
    if path.is_empty() || path == "." || path.ends_with(name) {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// Drop the unknown key `name` from the object at `segments` (or at its parent, when the path
/// already ends in the key).
fn remove_key(value: &mut Value, segments: &[String], name: &str) {
    let segments = match segments.last() {
        Some(last) if last == name => &segments[..segments.len() - 1],
        _ => segments,
    };
    let mut target = value;
    for segment in segments {
        let next = match target {
            Value::Object(map) => map.get_mut(segment),
            Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        };
        match next {
            Some(next) => target = next,
            None => return,
        }
    }
    if let Value::Object(map) = target {
        map.remove(name);
    }
}

/// serde's messages are fine for people, but "invalid type: integer `3`, expected a string"
/// reads better without the Rust-flavoured "invalid type: " prefix.
fn tidy(message: &str) -> String {
    message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))
        .unwrap_or(message)
        .to_owned()
}

fn required_fields<T: PartialSchema>() -> Vec<String> {
    match T::schema() {
        RefOr::T(Schema::Object(object)) => object.required,
        _ => Vec::new(),
    }
}

/// The `If-Match` header of a conditional write, as the version it names.
///
/// `None` when absent or `*` (the write is unconditional). A header that is not an entity tag
/// of ours (`"3"`, `W/"3"`) is malformed: 400.
pub struct IfMatch(pub Option<i64>);

impl IfMatch {
    /// 412 unless the header is absent or names `current`.
    pub fn check(&self, current: i32) -> Result<(), ApiError> {
        let current = i64::from(current);
        match self.0 {
            Some(expected) if expected != current => Err(ApiError::PreconditionFailed(format!(
                "The resource is at version {current}; reload it and apply your change again."
            ))),
            _ => Ok(()),
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw == "*" {
            return Some(IfMatch(None));
        }
        let tag = raw.strip_prefix("W/").unwrap_or(raw);
        // A bare version (`3`) is taken too: clients often drop the quotes.
        let digits = match tag.strip_prefix('"') {
            Some(rest) => rest.strip_suffix('"')?,
            None if tag.len() == raw.len() => tag,
            None => return None,
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // More digits than any version could have can never match.
        Some(IfMatch(Some(digits.parse().unwrap_or(-1))))
    }
}

/// `If-Match` as the spec documents it; handlers take [`IfMatch`] and list this in `params`.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IfMatchHeader {
    /// The `ETag` you last saw; a stale one is answered 412 and nothing changes.
    #[param(
        rename = "If-Match",
        required = false,
        pattern = r#"^(\*|(W/)?"[0-9]+"|[0-9]+)$"#,
        example = "\"1\""
    )]
    if_match: String,
}

impl FromRequest for IfMatch {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = match req.headers().get(header::IF_MATCH) {
            None => Ok(IfMatch(None)),
            Some(raw) => raw.to_str().ok().and_then(IfMatch::parse).ok_or_else(|| {
                ApiError::BadRequest(
                    "If-Match must be an ETag of this resource, like \"3\".".into(),
                )
                .into()
            }),
        };
        std::future::ready(parsed)
    }
}

/// The answer with a versioned resource: its `ETag`, and on 201 the `Location` of the new
/// resource, `/api/v1/{collection}/{id}`.
pub fn versioned<T: serde::Serialize>(
    status: actix_web::http::StatusCode,
    collection: &str,
    id: impl std::fmt::Display,
    version: i32,
    body: T,
) -> actix_web::HttpResponse {
    let mut res = actix_web::HttpResponse::build(status);
    if status == actix_web::http::StatusCode::CREATED {
        res.insert_header((header::LOCATION, format!("/api/v1/{collection}/{id}")));
    }
    res.insert_header(etag(version)).json(body)
}

/// The `ETag` header for a resource at `version`.
pub fn etag(version: i32) -> (header::HeaderName, String) {
    (header::ETAG, format!("\"{version}\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        awareness: u8,
        capability: u8,
    }

    #[derive(Debug, Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        body: String,
        tags: Option<Vec<String>>,
        competence: Option<Inner>,
    }

    impl RequestBody for Body {
        type Valid = Body;
        fn validate(self) -> Result<Body, ApiError> {
            let mut errors = crate::validation::Errors::new();
            errors.text("title", &self.title, 1, 10);
            errors.text("body", &self.body, 1, 100);
            if let Some(tags) = &self.tags {
                errors.check(tags.len() <= 2, "tags", "at most 2 tags");
            }
            errors.finish(self)
        }
    }

    fn fields(result: Result<Body, ApiError>) -> Vec<String> {
        match result {
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn valid_body_parses() {
        let parsed = parse_body::<Body>(json!({"title": "t", "body": "b"}));
        assert!(parsed.is_ok());
    }

    #[test]
    fn reports_every_missing_field() {
        assert_eq!(fields(parse_body::<Body>(json!({}))), ["title", "body"]);
    }

    #[test]
    fn reports_unknown_wrong_typed_and_missing_fields_together() {
        let mut got = fields(parse_body::<Body>(json!({
            "titel": "typo",
            "body": 5,
            "tags": ["a", 3],
            "competence": {"awareness": 9000, "capability": 2}
        })));
        got.sort();
        assert_eq!(
            got,
            ["body", "competence.awareness", "tags[1]", "titel", "title"]
        );
    }

    #[test]
    fn type_errors_and_value_errors_are_reported_together() {
        let mut got = fields(parse_body::<Body>(
            json!({"title": "", "body": 5, "tags": ["a", "b", "c"]}),
        ));
        got.sort();
        assert_eq!(got, ["body", "tags", "title"]);
    }

    #[test]
    fn missing_fields_and_value_errors_are_reported_together() {
        let mut got = fields(parse_body::<Body>(
            json!({"title": "much too long a title"}),
        ));
        got.sort();
        assert_eq!(got, ["body", "title"]);
    }

    #[test]
    fn non_object_body_is_one_error() {
        assert_eq!(fields(parse_body::<Body>(json!([1, 2]))), ["body"]);
    }

    #[test]
    fn if_match_parsing() {
        assert_eq!(IfMatch::parse("\"3\"").and_then(|m| m.0), Some(3));
        assert_eq!(IfMatch::parse("W/\"3\"").and_then(|m| m.0), Some(3));
        assert!(IfMatch::parse("*").is_some_and(|m| m.0.is_none()));
        assert_eq!(IfMatch::parse("3").and_then(|m| m.0), Some(3));
        for bad in ["null", "\"\"", "\"x\"", "W/3", "\"3"] {
            assert!(IfMatch::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn if_match_accepts_quoted_and_weak_tags() {
        assert!(IfMatch(Some(3)).check(3).is_ok());
        assert!(matches!(
            IfMatch(Some(2)).check(3),
            Err(ApiError::PreconditionFailed(_))
        ));
        assert!(IfMatch(None).check(7).is_ok());
    }
}

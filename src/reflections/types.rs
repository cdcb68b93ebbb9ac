//! Reflections (reflectielogboek) and their comments: ids, the visibility levels, request and
//! response bodies, and the validated values the bodies turn into.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::utc;
use crate::error::{ApiError, FieldError};
use crate::members::types::MemberId;
use crate::networks::types::NetworkId;
use crate::sessions::types::SessionId;
use crate::tensions::types::Tension;
use crate::validation::Errors;
use crate::{page_of, text_enum, uuid_id};

uuid_id!(ReflectionId, "A reflection's id.", time_ordered);
uuid_id!(CommentId, "A comment's id.", time_ordered);

text_enum!(Visibility, "Who may read a reflection: `private` — the author alone (admins \
included out); `facilitators` — the author, facilitators and admins; `community` — every \
active member.", {
    Private => "private",
    Facilitators => "facilitators",
    Community => "community",
});

/// Field limits of the contract.
pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;
pub const TAGS_MAX: usize = 10;
pub const TAG_MAX: usize = 40;
pub const COMMENT_MAX: usize = 5_000;
/// The longest `q` we search for; longer is a 400, not a slow query.
pub const QUERY_MAX: usize = 500;
const SCALE: std::ops::RangeInclusive<i32> = 1..=5;

/// A competence self-assessment (netwerkkunde): network awareness and network capability, each
/// on a scale of 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Competence {
    /// Netwerkbewustzijn: seeing the network, its tensions and your place in it (1–5).
    #[schema(minimum = 1, maximum = 5, example = 3)]
    pub awareness: i32,
    /// Netwerkvaardigheid: acting in the network, e.g. bridging between organizations (1–5).
    #[schema(minimum = 1, maximum = 5, example = 2)]
    pub capability: i32,
}

/// Who wrote a reflection or comment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Author {
    pub id: MemberId,
    #[schema(example = "Fatima el Amrani")]
    pub display_name: String,
}

/// A reflection in someone's reflection log.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0e6f3b1a-8c2d-4f5e-9a7b-1c2d3e4f5a6b",
    "author": {"id": "5f0c6a8e-2b7d-4a8e-9a57-3c1f0f6b9e21", "display_name": "Fatima el Amrani"},
    "session_id": null,
    "network_id": "7a1d2c3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
    "title": "Puber in huis: het netwerk houdt ons de spiegel voor",
    "body": "In het wijkteam merkten we dat het netwerk eigen regels maakt. De corporatie wil \
zelf bepalen wie waar woont; de zorgaanbieder kijkt naar de cliënt. Wie is eigenaar van de opgave?",
    "tensions": ["identity", "legitimacy"],
    "tags": ["wijkteam", "coördinatie"],
    "competence": {"awareness": 3, "capability": 2},
    "visibility": "community",
    "comment_count": 2,
    "created_at": "2026-03-01T14:00:00Z",
    "updated_at": "2026-03-01T14:00:00Z",
    "version": 1
}))]
pub struct ReflectionResponse {
    pub id: ReflectionId,
    pub author: Author,
    /// The session (bijeenkomst) this reflects on, if any.
    pub session_id: Option<SessionId>,
    /// The network (organisatienetwerk) this reflects on, if any.
    pub network_id: Option<NetworkId>,
    pub title: String,
    /// Markdown.
    pub body: String,
    pub tensions: Vec<Tension>,
    /// Trimmed, lower-cased, without duplicates.
    pub tags: Vec<String>,
    pub competence: Option<Competence>,
    pub visibility: Visibility,
    /// How many comments the reflection has (everyone who may read it may read them all).
    pub comment_count: i64,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
    /// Starts at 1, +1 per change; also sent as the `ETag`.
    pub version: i32,
}

page_of!(ReflectionPage, ReflectionResponse);

/// A peer comment on a reflection.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommentResponse {
    pub id: CommentId,
    pub reflection_id: ReflectionId,
    pub author: Author,
    #[schema(example = "Herkenbaar! Bij ons hielp een gezamenlijke casustafel met de gemeente.")]
    pub body: String,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
}

page_of!(CommentPage, CommentResponse);

/// `POST /reflections`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateReflection {
    /// 1–200 characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        example = "Puber in huis: het netwerk houdt ons de spiegel voor"
    )]
    pub title: String,
    /// Markdown, 1–20,000 characters.
    #[schema(min_length = 1, max_length = 20000)]
    pub body: String,
    /// Must be an existing session (else 422).
    pub session_id: Option<SessionId>,
    /// Must be an existing network (else 422).
    pub network_id: Option<NetworkId>,
    /// Default: none. Duplicates are dropped.
    #[serde(default)]
    pub tensions: Vec<Tension>,
    /// At most 10, each 1–40 characters; stored trimmed and lower-cased, duplicates dropped.
    #[serde(default)]
    #[schema(value_type = Vec<TagText>, max_items = 10, example = json!(["wijkteam", "coördinatie"]))]
    pub tags: Vec<String>,
    pub competence: Option<Competence>,
    /// Default `private`: nothing is shared unless the author chooses to.
    pub visibility: Option<Visibility>,
}

/// `PATCH /reflections/{id}`: absent fields stay as they are; `null` clears `session_id`,
/// `network_id` and `competence` (the other fields cannot be null).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateReflection {
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = String, min_length = 1, max_length = 200)]
    pub title: Option<Option<String>>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = String, min_length = 1, max_length = 20000)]
    pub body: Option<Option<String>>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Option<SessionId>)]
    pub session_id: Option<Option<SessionId>>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Option<NetworkId>)]
    pub network_id: Option<Option<NetworkId>>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Vec<Tension>)]
    pub tensions: Option<Option<Vec<Tension>>>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Vec<TagText>, max_items = 10)]
    pub tags: Option<Option<Vec<String>>>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Option<Competence>)]
    pub competence: Option<Option<Competence>>,
    #[serde(default, with = "crate::validation::patch")]
    #[schema(value_type = Visibility)]
    pub visibility: Option<Option<Visibility>>,
}

/// `POST /reflections/{id}/comments`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateComment {
    /// 1–5,000 characters.
    #[schema(
        min_length = 1,
        max_length = 5000,
        example = "Herkenbaar! Bij ons hielp een gezamenlijke casustafel."
    )]
    pub body: String,
}

/// Filters of `GET /reflections`; they combine (AND) with each other, with `q` and with the
/// cursor.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListReflectionsQuery {
    /// Only reflections by this member.
    pub author_id: Option<MemberId>,
    /// Only reflections on this session.
    pub session_id: Option<SessionId>,
    /// Only reflections on this network.
    pub network_id: Option<NetworkId>,
    /// Only reflections naming this tension.
    pub tension: Option<Tension>,
    /// Only reflections with this tag (compared trimmed and lower-cased).
    #[param(min_length = 1, max_length = 40, pattern = r"\S")]
    pub tag: Option<String>,
    /// Full-text search over title, body and tags: every word must occur as the start of a
    /// word (`coörd` finds `coördinatie`; diacritics are ignored, so `een` finds `één`).
    /// Punctuation and operators are just separators. Blank: no search; text without any
    /// letter or digit (`***`, an emoji) matches nothing. At most 500 characters.
    pub q: Option<String>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9a-f]{16}\.[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCommentsQuery {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^[0-9a-f]{16}\.[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReflectionPath {
    /// The reflection's id.
    pub id: ReflectionId,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CommentPath {
    /// The comment's id.
    pub id: CommentId,
}

/// What a reflection says, validated.
#[derive(Debug, Clone)]
pub struct NewReflection {
    pub title: String,
    pub body: String,
    pub session_id: Option<SessionId>,
    pub network_id: Option<NetworkId>,
    pub tensions: Vec<Tension>,
    pub tags: Vec<String>,
    pub competence: Option<Competence>,
    pub visibility: Visibility,
}

impl NewReflection {
    /// The API view of this reflection as just stored by `author` at `at`: version 1, no
    /// comments yet.
    pub fn into_response(
        self,
        id: ReflectionId,
        author: Author,
        at: NaiveDateTime,
    ) -> ReflectionResponse {
        ReflectionResponse {
            id,
            author,
            session_id: self.session_id,
            network_id: self.network_id,
            title: self.title,
            body: self.body,
            tensions: self.tensions,
            tags: self.tags,
            competence: self.competence,
            visibility: self.visibility,
            comment_count: 0,
            created_at: utc(at),
            updated_at: utc(at),
            version: 1,
        }
    }
}

impl TryFrom<CreateReflection> for NewReflection {
    type Error = ApiError;

    fn try_from(body: CreateReflection) -> Result<Self, ApiError> {
        let mut errors = Errors::new();
        let reflection = NewReflection {
            title: title(&mut errors, &body.title),
            body: markdown(&mut errors, &body.body),
            session_id: body.session_id,
            network_id: body.network_id,
            tensions: tensions(body.tensions),
            tags: tags(&mut errors, &body.tags),
            competence: body.competence.inspect(|c| competence(&mut errors, c)),
            visibility: body.visibility.unwrap_or(Visibility::Private),
        };
        errors.finish(reflection)
    }
}

/// A validated `PATCH`: `None` leaves a field as it is.
#[derive(Debug, Clone)]
pub struct ReflectionChange {
    pub title: Option<String>,
    pub body: Option<String>,
    pub session_id: Option<Option<SessionId>>,
    pub network_id: Option<Option<NetworkId>>,
    pub tensions: Option<Vec<Tension>>,
    pub tags: Option<Vec<String>>,
    pub competence: Option<Option<Competence>>,
    pub visibility: Option<Visibility>,
}

impl TryFrom<UpdateReflection> for ReflectionChange {
    type Error = ApiError;

    fn try_from(body: UpdateReflection) -> Result<Self, ApiError> {
        let mut errors = Errors::new();
        let raw_title = not_null(&mut errors, "title", body.title);
        let raw_body = not_null(&mut errors, "body", body.body);
        let raw_tensions = not_null(&mut errors, "tensions", body.tensions);
        let raw_tags = not_null(&mut errors, "tags", body.tags);
        let visibility = not_null(&mut errors, "visibility", body.visibility);
        if let Some(Some(c)) = &body.competence {
            competence(&mut errors, c);
        }
        let change = ReflectionChange {
            title: raw_title.map(|t| title(&mut errors, &t)),
            body: raw_body.map(|b| markdown(&mut errors, &b)),
            session_id: body.session_id,
            network_id: body.network_id,
            tensions: raw_tensions.map(tensions),
            tags: raw_tags.map(|t| tags(&mut errors, &t)),
            competence: body.competence,
            visibility,
        };
        errors.finish(change)
    }
}

/// A PATCH field the contract never lets be empty: `null` is refused (422), not ignored.
fn not_null<T>(errors: &mut Errors, field: &str, value: Option<Option<T>>) -> Option<T> {
    if matches!(value, Some(None)) {
        errors.add(field, "cannot be null");
    }
    value.flatten()
}

/// A validated comment body.
pub fn comment_body(body: &CreateComment) -> Result<String, ApiError> {
    let mut errors = Errors::new();
    let text = errors.text("body", &body.body, 1, COMMENT_MAX);
    errors.finish(text)
}

/// A validated tag: trimmed and lower-cased, so `Wijkteam` and `wijkteam` are one tag.
pub fn normalize_tag(tag: &str) -> Result<String, String> {
    // Measured as sent, as the spec's maxLength is.
    let len = tag.chars().count();
    let normalized = tag.trim().to_lowercase();
    if (1..=TAG_MAX).contains(&len) && !normalized.is_empty() {
        Ok(normalized)
    } else {
        Err(format!("must be 1 to {TAG_MAX} characters, not blank"))
    }
}

crate::text_item_schema!(
    TagText,
    "A tag; stored trimmed and lower-cased.",
    1,
    40,
    "wijkteam"
);

fn title(errors: &mut Errors, title: &str) -> String {
    errors.text("title", title, 1, TITLE_MAX)
}

/// Markdown keeps its leading indentation (it may open a code block); only trailing
/// whitespace goes, and the text must not be blank.
fn markdown(errors: &mut Errors, body: &str) -> String {
    // Measured as sent, as the spec's maxLength is; stored without its trailing whitespace.
    let len = body.chars().count();
    let body = body.trim_end();
    errors.check(
        !body.trim_start().is_empty() && len <= BODY_MAX,
        "body",
        format!("must be 1 to {BODY_MAX} characters"),
    );
    body.to_owned()
}

/// In the order given, without duplicates.
fn tensions(given: Vec<Tension>) -> Vec<Tension> {
    let mut kept = Vec::with_capacity(given.len());
    for tension in given {
        if !kept.contains(&tension) {
            kept.push(tension);
        }
    }
    kept
}

fn tags(errors: &mut Errors, given: &[String]) -> Vec<String> {
    errors.check(
        given.len() <= TAGS_MAX,
        "tags",
        format!("at most {TAGS_MAX} tags"),
    );
    let mut kept: Vec<String> = Vec::with_capacity(given.len());
    for (i, tag) in given.iter().enumerate() {
        match normalize_tag(tag) {
            Ok(tag) if !kept.contains(&tag) => kept.push(tag),
            Ok(_) => {}
            Err(message) => errors.add(format!("tags[{i}]"), message),
        }
    }
    kept
}

fn competence(errors: &mut Errors, c: &Competence) {
    let message = "must be 1 to 5";
    errors.check(
        SCALE.contains(&c.awareness),
        "competence.awareness",
        message,
    );
    errors.check(
        SCALE.contains(&c.capability),
        "competence.capability",
        message,
    );
}

/// Adds `more` field errors to a validation result, so one 422 names every invalid field,
/// also those only the database can judge (a session that does not exist).
pub fn with_errors<T>(result: Result<T, ApiError>, more: Vec<FieldError>) -> Result<T, ApiError> {
    match result {
        Ok(_) if !more.is_empty() => Err(ApiError::Validation(more)),
        Err(ApiError::Validation(mut errors)) => {
            errors.extend(more);
            Err(ApiError::Validation(errors))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reflection and comment ids are made in time order (version 7), member ids stay random.
    #[test]
    fn new_reflection_ids_are_time_ordered() {
        let first = ReflectionId::new();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let (second, comment) = (ReflectionId::new(), CommentId::new());
        assert_eq!(first.0.get_version_num(), 7);
        assert_eq!(comment.0.get_version_num(), 7);
        assert!(first.to_string() < second.to_string(), "{first} {second}");
        let member = crate::members::types::MemberId::new();
        assert_eq!(member.0.get_version_num(), 4);
    }

    fn create(json: serde_json::Value) -> Result<NewReflection, ApiError> {
        let body: CreateReflection = crate::extract::parse_body::<CreateReflection>(json)?;
        NewReflection::try_from(body)
    }

    fn fields(result: Result<impl std::fmt::Debug, ApiError>) -> Vec<String> {
        match result {
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn valid_reflection_is_normalized() {
        let reflection = create(serde_json::json!({
            "title": "  Autonomie afstaan ",
            "body": "    code\nen tekst  \n",
            "tensions": ["autonomy", "identity", "autonomy"],
            "tags": ["Wijkteam", "coördinatie", " wijkteam "],
        }))
        .expect("valid");
        assert_eq!(reflection.title, "  Autonomie afstaan ");
        assert_eq!(reflection.body, "    code\nen tekst");
        assert_eq!(reflection.tensions, [Tension::Autonomy, Tension::Identity]);
        assert_eq!(reflection.tags, ["wijkteam", "coördinatie"]);
        assert_eq!(reflection.visibility, Visibility::Private);
        assert_eq!(reflection.competence, None);
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let mut tags: Vec<String> = (0..11).map(|i| format!("tag{i}")).collect();
        tags[3] = " ".into();
        tags[4] = "x".repeat(TAG_MAX + 1);
        let got = fields(create(serde_json::json!({
            "title": "",
            "body": " \n ",
            "tags": tags,
            "competence": {"awareness": 0, "capability": 6},
        })));
        assert_eq!(
            got,
            [
                "title",
                "body",
                "tags",
                "tags[3]",
                "tags[4]",
                "competence.awareness",
                "competence.capability"
            ]
        );
    }

    #[test]
    fn lengths_count_characters() {
        let at_limit = create(serde_json::json!({
            "title": "é".repeat(TITLE_MAX),
            "body": "ö".repeat(BODY_MAX),
            "tags": ["ë".repeat(TAG_MAX)],
        }));
        assert!(at_limit.is_ok());
        let over = create(serde_json::json!({
            "title": "é".repeat(TITLE_MAX + 1),
            "body": "ö".repeat(BODY_MAX + 1),
        }));
        assert_eq!(fields(over), ["title", "body"]);
    }

    #[test]
    fn patch_null_clears_only_nullable_fields() {
        let body: UpdateReflection =
            crate::extract::parse_body::<UpdateReflection>(serde_json::json!({
                "session_id": null,
                "competence": null,
            }))
            .expect("parses");
        let change = ReflectionChange::try_from(body).expect("valid");
        assert_eq!(change.session_id, Some(None));
        assert_eq!(change.competence, Some(None));
        assert_eq!(change.network_id, None);

        let body: UpdateReflection =
            crate::extract::parse_body::<UpdateReflection>(serde_json::json!({
                "title": null,
                "visibility": null,
                "competence": {"awareness": 7, "capability": 3},
            }))
            .expect("parses");
        assert_eq!(
            fields(ReflectionChange::try_from(body)),
            ["title", "visibility", "competence.awareness"]
        );
    }

    #[test]
    fn link_errors_join_the_validation_errors() {
        let extra = vec![FieldError::new("session_id", "no such session")];
        assert_eq!(
            fields(with_errors(
                Err::<(), _>(ApiError::invalid("title", "x")),
                extra.clone()
            )),
            ["title", "session_id"]
        );
        assert_eq!(fields(with_errors(Ok(()), extra)), ["session_id"]);
        assert!(with_errors(Ok(()), Vec::new()).is_ok());
    }
}

// Their value rules run in the handlers, together with the checks of linked sessions and
// networks that need the database.
crate::deferred_body!(CreateReflection => NewReflection, UpdateReflection => ReflectionChange);

impl crate::extract::RequestBody for CreateComment {
    type Valid = CreateComment;
    fn validate(self) -> Result<CreateComment, ApiError> {
        Ok(self)
    }
    fn value_errors(self) -> Vec<crate::error::FieldError> {
        match comment_body(&self) {
            Err(ApiError::Validation(errors)) => errors,
            _ => Vec::new(),
        }
    }
}

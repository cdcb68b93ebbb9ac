//! Networks (organisatienetwerken): ids, enums, request and response bodies, and the validated
//! network a request describes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::members::types::{MemberId, MemberResponse};
use crate::validation::Errors;
use crate::{page_of, text_enum, uuid_id};

uuid_id!(NetworkId, "A network's id.");

text_enum!(NetworkValue, "Whom a network delivers value to: residents and tenants (`direct`), \
professionals and organizations (`indirect`), or `both`.", {
    Direct => "direct",
    Indirect => "indirect",
    Both => "both",
});

text_enum!(FocusKind, "What a network is organized around: an `area` (wijk, dorp) or a \
`target_group` (doelgroep).", {
    Area => "area",
    TargetGroup => "target_group",
});

text_enum!(NetworkFuture, "How the network sees its future: a `transitional` construction \
between regular organizations, a `lasting` form, or `undecided`.", {
    Transitional => "transitional",
    Lasting => "lasting",
    Undecided => "undecided",
});

text_enum!(LegitimacyKind, "Formal (mandate, contract, budget) or moral (support of residents, \
partners and society) legitimacy.", {
    Formal => "formal",
    Moral => "moral",
});

text_enum!(NetworkRole, "A member's part in a network.", {
    Coordinator => "coordinator",
    Participant => "participant",
});

/// Field limits.
pub const NAME_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 5000;
pub const TASK_MAX: usize = 2000;
pub const FOCUS_LABEL_MAX: usize = 200;
pub const LEGITIMACY_MAX_ITEMS: usize = 20;
pub const LEGITIMACY_DESCRIPTION_MAX: usize = 1000;
pub const ORGANIZATIONS_MAX_ITEMS: usize = 50;
pub const ORGANIZATION_MAX: usize = 200;

/// What a network is organized around.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Focus {
    pub kind: FocusKind,
    /// 1–200 characters.
    #[schema(
        example = "Wijk Het Zuiderpark",
        min_length = 1,
        pattern = r"\S",
        max_length = 200
    )]
    pub label: String,
}

/// One form of legitimacy the network rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Legitimacy {
    pub kind: LegitimacyKind,
    /// 1–1000 characters.
    #[schema(
        example = "Convenant met de gemeente over de inzet van de wijkteams",
        min_length = 1,
        pattern = r"\S",
        max_length = 1000
    )]
    pub description: String,
}

/// An organisatienetwerk.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "8d4c2f7a-1b6e-4d3a-9f21-5e7c0a9b3d14",
    "name": "Thuis na opname",
    "description": "Huurders die na een verblijf in een instelling weer zelfstandig gaan wonen.",
    "task": "Zorgen dat iedere huurder na opname de juiste ondersteuning thuis krijgt.",
    "value": "direct",
    "focus": {"kind": "target_group", "label": "Huurders na een opname"},
    "future": "lasting",
    "legitimacy": [{"kind": "formal", "description": "Convenant met de gemeente"}],
    "organizations": ["Woonstichting De Linde", "Zorggroep Oost", "Gemeente Zuiderveld"],
    "member_count": 4,
    "created_at": "2026-03-01T14:00:00Z",
    "updated_at": "2026-03-01T14:00:00Z",
    "version": 1
}))]
pub struct NetworkResponse {
    pub id: NetworkId,
    pub name: String,
    pub description: String,
    /// The societal task (maatschappelijke opgave) the network works on.
    pub task: String,
    pub value: NetworkValue,
    pub focus: Focus,
    pub future: NetworkFuture,
    pub legitimacy: Vec<Legitimacy>,
    /// The participating organizations.
    pub organizations: Vec<String>,
    /// How many members take part (coordinators and participants).
    pub member_count: i64,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
    /// Starts at 1, +1 per change; also sent as the `ETag`.
    pub version: i32,
}

page_of!(NetworkPage, NetworkResponse);

/// `POST /networks`. Names are unique regardless of case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateNetwork {
    /// 1–200 characters, unique (case-insensitive).
    #[schema(
        example = "Thuis na opname",
        min_length = 1,
        pattern = r"\S",
        max_length = 200
    )]
    pub name: String,
    /// At most 5000 characters; empty when absent.
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// 1–2000 characters.
    #[schema(
        example = "Zorgen dat iedere huurder na opname de juiste ondersteuning thuis krijgt.",
        min_length = 1,
        pattern = r"\S",
        max_length = 2000
    )]
    pub task: String,
    pub value: NetworkValue,
    pub focus: Focus,
    pub future: NetworkFuture,
    /// At most 20; none when absent.
    #[schema(max_items = 20)]
    pub legitimacy: Option<Vec<Legitimacy>>,
    /// At most 50 names of 1–200 characters, each once; none when absent.
    #[schema(value_type = Option<Vec<OrganizationName>>, max_items = 50)]
    pub organizations: Option<Vec<String>>,
}

/// `PATCH /networks/{id}`: absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateNetwork {
    #[schema(min_length = 1, pattern = r"\S", max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[schema(min_length = 1, pattern = r"\S", max_length = 2000)]
    pub task: Option<String>,
    pub value: Option<NetworkValue>,
    pub focus: Option<Focus>,
    pub future: Option<NetworkFuture>,
    /// At most 20.
    #[schema(max_items = 20)]
    pub legitimacy: Option<Vec<Legitimacy>>,
    #[schema(value_type = Option<Vec<OrganizationName>>, max_items = 50)]
    pub organizations: Option<Vec<String>>,
}

/// A network as a valid request describes it.
#[derive(Debug, Clone)]
pub struct NetworkFields {
    pub name: String,
    pub description: String,
    pub task: String,
    pub value: NetworkValue,
    pub focus: Focus,
    pub future: NetworkFuture,
    pub legitimacy: Vec<Legitimacy>,
    pub organizations: Vec<String>,
}

/// A validated partial change.
#[derive(Debug, Default)]
pub struct NetworkChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub task: Option<String>,
    pub value: Option<NetworkValue>,
    pub focus: Option<Focus>,
    pub future: Option<NetworkFuture>,
    pub legitimacy: Option<Vec<Legitimacy>>,
    pub organizations: Option<Vec<String>>,
}

impl NetworkChange {
    /// `current` with this change applied.
    pub fn apply(self, current: NetworkFields) -> NetworkFields {
        NetworkFields {
            name: self.name.unwrap_or(current.name),
            description: self.description.unwrap_or(current.description),
            task: self.task.unwrap_or(current.task),
            value: self.value.unwrap_or(current.value),
            focus: self.focus.unwrap_or(current.focus),
            future: self.future.unwrap_or(current.future),
            legitimacy: self.legitimacy.unwrap_or(current.legitimacy),
            organizations: self.organizations.unwrap_or(current.organizations),
        }
    }
}

crate::text_item_schema!(
    OrganizationName,
    "A participating organization's name.",
    1,
    200,
    "Woonstichting De Linde"
);

/// The key that makes names unique regardless of case and surrounding spaces: Unicode lower
/// case of the trimmed name.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

fn focus(errors: &mut Errors, focus: Focus) -> Focus {
    Focus {
        kind: focus.kind,
        label: errors.text("focus.label", &focus.label, 1, FOCUS_LABEL_MAX),
    }
}

fn legitimacy(errors: &mut Errors, items: Vec<Legitimacy>) -> Vec<Legitimacy> {
    errors.check(
        items.len() <= LEGITIMACY_MAX_ITEMS,
        "legitimacy",
        format!("at most {LEGITIMACY_MAX_ITEMS} items"),
    );
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| Legitimacy {
            kind: item.kind,
            description: errors.text(
                &format!("legitimacy[{i}].description"),
                &item.description,
                1,
                LEGITIMACY_DESCRIPTION_MAX,
            ),
        })
        .collect()
}

fn organizations(errors: &mut Errors, names: Vec<String>) -> Vec<String> {
    errors.check(
        names.len() <= ORGANIZATIONS_MAX_ITEMS,
        "organizations",
        format!("at most {ORGANIZATIONS_MAX_ITEMS} organizations"),
    );
    let mut seen = std::collections::HashSet::new();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let field = format!("organizations[{i}]");
            let name = errors.text(&field, &name, 1, ORGANIZATION_MAX);
            // A name listed twice (in any case) is kept once.
            seen.insert(name.trim().to_lowercase()).then_some(name)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}

impl TryFrom<CreateNetwork> for NetworkFields {
    type Error = ApiError;

    fn try_from(body: CreateNetwork) -> Result<Self, ApiError> {
        let mut errors = Errors::new();
        let fields = NetworkFields {
            name: errors.text("name", &body.name, 1, NAME_MAX),
            description: errors.text(
                "description",
                body.description.as_deref().unwrap_or_default(),
                0,
                DESCRIPTION_MAX,
            ),
            task: errors.text("task", &body.task, 1, TASK_MAX),
            value: body.value,
            focus: focus(&mut errors, body.focus),
            future: body.future,
            legitimacy: legitimacy(&mut errors, body.legitimacy.unwrap_or_default()),
            organizations: organizations(&mut errors, body.organizations.unwrap_or_default()),
        };
        errors.finish(fields)
    }
}

impl TryFrom<UpdateNetwork> for NetworkChange {
    type Error = ApiError;

    fn try_from(body: UpdateNetwork) -> Result<Self, ApiError> {
        let mut errors = Errors::new();
        let change = NetworkChange {
            name: body.name.map(|v| errors.text("name", &v, 1, NAME_MAX)),
            description: body
                .description
                .map(|v| errors.text("description", &v, 0, DESCRIPTION_MAX)),
            task: body.task.map(|v| errors.text("task", &v, 1, TASK_MAX)),
            value: body.value,
            focus: body.focus.map(|v| focus(&mut errors, v)),
            future: body.future,
            legitimacy: body.legitimacy.map(|v| legitimacy(&mut errors, v)),
            organizations: body.organizations.map(|v| organizations(&mut errors, v)),
        };
        errors.finish(change)
    }
}

/// Filters of `GET /networks`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListNetworksQuery {
    /// Matches name and description, case-insensitive.
    pub q: Option<String>,
    /// `direct` or `indirect` also match networks of value `both`; `both` matches only those.
    pub value: Option<NetworkValue>,
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^(?:[0-9a-f]{2})*\.[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

/// `GET /networks/{id}/members` paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListNetworkMembersQuery {
    /// Page size, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(pattern = r"^(?:[0-9a-f]{2})*\.[0-9a-f]{32}$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct NetworkPath {
    /// The network's id.
    pub id: NetworkId,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct NetworkMemberPath {
    /// The network's id.
    pub id: NetworkId,
    /// The member's id.
    pub member_id: MemberId,
}

/// `PUT /networks/{id}/members/{member_id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutNetworkMember {
    pub role: NetworkRole,
}

/// A member's place in a network.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkMemberResponse {
    pub member: MemberResponse,
    pub role: NetworkRole,
    /// When the member joined the network.
    #[serde(serialize_with = "crate::db::timestamp::serialize")]
    pub since: DateTime<Utc>,
}

page_of!(NetworkMemberPage, NetworkMemberResponse);

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> CreateNetwork {
        CreateNetwork {
            name: " Thuis na opname ".into(),
            description: None,
            task: "Zelfstandig wonen na opname".into(),
            value: NetworkValue::Direct,
            focus: Focus {
                kind: FocusKind::TargetGroup,
                label: "Huurders na opname".into(),
            },
            future: NetworkFuture::Lasting,
            legitimacy: None,
            organizations: Some(vec![
                "Zorggroep Oost".into(),
                "Woonstichting De Linde".into(),
            ]),
        }
    }

    fn invalid_fields(result: Result<NetworkFields, ApiError>) -> Vec<String> {
        match result {
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn valid_network_keeps_text_as_written_with_defaults() {
        let fields = NetworkFields::try_from(body()).expect("valid");
        assert_eq!(fields.name, " Thuis na opname ");
        assert_eq!(fields.description, "");
        assert!(fields.legitimacy.is_empty());
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let mut bad = body();
        bad.name = " ".into();
        bad.focus.label = String::new();
        bad.legitimacy = Some(vec![Legitimacy {
            kind: LegitimacyKind::Moral,
            description: String::new(),
        }]);
        bad.organizations = Some(vec!["Zorggroep Oost".into(), " ".into()]);
        assert_eq!(
            invalid_fields(NetworkFields::try_from(bad)),
            [
                "name",
                "focus.label",
                "legitimacy[0].description",
                "organizations[1]"
            ]
        );
    }

    #[test]
    fn an_organization_listed_twice_is_kept_once() {
        let mut twice = body();
        twice.organizations = Some(vec!["Zorggroep Oost".into(), "zorggroep oost ".into()]);
        let fields = NetworkFields::try_from(twice).expect("valid");
        assert_eq!(fields.organizations, ["Zorggroep Oost"]);
    }

    #[test]
    fn name_key_is_unicode_lower_case() {
        assert_eq!(name_key("ÉÉN Wijk"), "één wijk");
    }
}

// Their value rules run in the handlers, after the permission check, so that someone who may
// not edit learns only that (see `update_network`).
crate::deferred_body!(CreateNetwork => NetworkFields, UpdateNetwork => NetworkChange);
crate::plain_body!(PutNetworkMember);

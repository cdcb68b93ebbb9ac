//! Network rows as stored.

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::types::{
    Focus, FocusKind, NetworkFields, NetworkFuture, NetworkId, NetworkResponse, NetworkValue,
};
use crate::db::timestamp::Stamp;
use crate::db::utc;
use crate::error::ApiError;
use crate::schema::networks;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = networks, check_for_backend(diesel::sqlite::Sqlite))]
pub struct NetworkRow {
    pub id: NetworkId,
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub task: String,
    pub value: NetworkValue,
    pub focus_kind: FocusKind,
    pub focus_label: String,
    pub future: NetworkFuture,
    /// JSON array of `Legitimacy`.
    pub legitimacy: String,
    /// JSON array of strings.
    pub organizations: String,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl NetworkRow {
    /// The editable fields, decoded.
    pub fn fields(&self) -> Result<NetworkFields, ApiError> {
        Ok(NetworkFields {
            name: self.name.clone(),
            description: self.description.clone(),
            task: self.task.clone(),
            value: self.value,
            focus: Focus {
                kind: self.focus_kind,
                label: self.focus_label.clone(),
            },
            future: self.future,
            legitimacy: serde_json::from_str(&self.legitimacy)
                .context("decode networks.legitimacy")?,
            organizations: serde_json::from_str(&self.organizations)
                .context("decode networks.organizations")?,
        })
    }

    pub fn into_response(self, member_count: i64) -> Result<NetworkResponse, ApiError> {
        let fields = self.fields()?;
        Ok(NetworkResponse {
            id: self.id,
            name: fields.name,
            description: fields.description,
            task: fields.task,
            value: fields.value,
            focus: fields.focus,
            future: fields.future,
            legitimacy: fields.legitimacy,
            organizations: fields.organizations,
            member_count,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
            version: self.version,
        })
    }
}

//! Reflection and comment rows as stored.

use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::types::{
    Author, CommentId, CommentResponse, Competence, ReflectionId, ReflectionResponse, Visibility,
};
use crate::db::timestamp::Stamp;
use crate::db::utc;
use crate::error::ApiError;
use crate::members::types::MemberId;
use crate::networks::types::NetworkId;
use crate::schema::{comments, reflections};
use crate::sessions::types::SessionId;
use crate::tensions::types::Tension;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reflections, check_for_backend(crate::db::Backend))]
pub struct ReflectionRow {
    /// The FTS index's key; never shown.
    pub seq: i32,
    pub id: ReflectionId,
    pub author_id: MemberId,
    pub session_id: Option<SessionId>,
    pub network_id: Option<NetworkId>,
    pub title: String,
    pub body: String,
    /// JSON array of tension codes; the canonical copy (the lookup table follows by trigger).
    pub tensions: String,
    /// JSON array of tags; the canonical copy (the lookup table follows by trigger).
    pub tags: String,
    pub awareness: Option<i32>,
    pub capability: Option<i32>,
    pub visibility: Visibility,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl ReflectionRow {
    pub fn competence(&self) -> Option<Competence> {
        Some(Competence {
            awareness: self.awareness?,
            capability: self.capability?,
        })
    }

    pub fn tension_list(&self) -> Result<Vec<Tension>, ApiError> {
        Ok(serde_json::from_str(&self.tensions).context("stored tensions")?)
    }

    pub fn tag_list(&self) -> Result<Vec<String>, ApiError> {
        Ok(serde_json::from_str(&self.tags).context("stored tags")?)
    }

    /// The API view, given the author's name and the number of comments.
    pub fn into_response(
        self,
        author_name: String,
        comment_count: i64,
    ) -> Result<ReflectionResponse, ApiError> {
        Ok(ReflectionResponse {
            competence: self.competence(),
            tensions: self.tension_list()?,
            tags: self.tag_list()?,
            id: self.id,
            author: Author {
                id: self.author_id,
                display_name: author_name,
            },
            session_id: self.session_id,
            network_id: self.network_id,
            title: self.title,
            body: self.body,
            visibility: self.visibility,
            comment_count,
            created_at: utc(self.created_at),
            updated_at: utc(self.updated_at),
            version: self.version,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = comments, check_for_backend(crate::db::Backend))]
pub struct CommentRow {
    pub id: CommentId,
    pub reflection_id: ReflectionId,
    pub author_id: MemberId,
    pub body: String,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
}

impl CommentRow {
    pub fn into_response(self, author_name: String) -> CommentResponse {
        CommentResponse {
            id: self.id,
            reflection_id: self.reflection_id,
            author: Author {
                id: self.author_id,
                display_name: author_name,
            },
            body: self.body,
            created_at: utc(self.created_at),
        }
    }
}

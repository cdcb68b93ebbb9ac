//! Reflection and comment queries. Every function takes a connection and runs inside
//! `db::run`. What a caller may read is decided by [`super::visibility`] alone: every query
//! here that returns reflections to a viewer starts from it.

use std::collections::HashMap;

use crate::db::Backend;
use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::dsl::{count_star, exists};
use diesel::prelude::*;

use super::model::{CommentRow, ReflectionRow};
use super::search::{self, Search};
use super::types::{CommentId, NewReflection, ReflectionChange, ReflectionId};
use super::visibility::{self, Part};
use crate::auth::AuthMember;
use crate::db::{now, DbConn};
use crate::error::{ApiError, FieldError};
use crate::members::types::MemberId;
use crate::networks::types::NetworkId;
use crate::pagination::PageRequest;
use crate::schema::{
    comments, members, networks, reflection_tags, reflection_tensions, reflections, sessions,
};
use crate::sessions::types::SessionId;
use crate::tensions::types::Tension;

/// The filters of `GET /reflections`, validated. They all apply together.
#[derive(Debug, Clone, Default)]
pub struct ReflectionFilter {
    pub author_id: Option<MemberId>,
    pub session_id: Option<SessionId>,
    pub network_id: Option<NetworkId>,
    pub tension: Option<Tension>,
    /// Normalized like stored tags.
    pub tag: Option<String>,
    pub search: Search,
}

/// A reflection `viewer` may read; 404 for one that does not exist or that they may not see.
pub fn get_visible(
    conn: &mut DbConn,
    viewer: &AuthMember,
    id: ReflectionId,
) -> Result<ReflectionRow, ApiError> {
    reflections::table
        .filter(reflections::id.eq(id))
        .filter(visibility::visible_to(viewer))
        .select(ReflectionRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("reflection"))
}

/// One page (`page.fetch()` rows) of what `viewer` may read and `filter` selects, newest first
/// (`created_at`, then `id`, both descending).
///
/// Each visibility part is its own query, served in order by one index (`reflections_by_*`)
/// and cut off at the page size; the parts are disjoint, so merging them and cutting again
/// gives exactly the page. No query ever sorts more than a page.
pub fn list(
    conn: &mut DbConn,
    viewer: &AuthMember,
    filter: &ReflectionFilter,
    page: &PageRequest<NaiveDateTime>,
) -> Result<Vec<ReflectionRow>, ApiError> {
    if filter.search == Search::Nothing {
        return Ok(Vec::new());
    }
    let mut rows = Vec::new();
    for part in visibility::parts(viewer) {
        let found: Vec<ReflectionRow> = page_query(part, filter, page, conn.dialect())
            .select(ReflectionRow::as_select())
            .load(conn)?;
        rows.extend(found);
    }
    // Uuid order is the order of their text form, which is how SQLite compared them.
    rows.sort_unstable_by_key(|r| std::cmp::Reverse((r.created_at, r.id)));
    rows.truncate(usize::try_from(page.fetch()).unwrap_or(usize::MAX));
    Ok(rows)
}

/// The query for one part of one page (its plan is checked in the tests below).
fn page_query(
    part: Part,
    filter: &ReflectionFilter,
    page: &PageRequest<NaiveDateTime>,
    dialect: crate::db::Dialect,
) -> reflections::BoxedQuery<'static, Backend> {
    let mut query = reflections::table.into_boxed().filter(part.condition());
    if let Some(author) = filter.author_id {
        query = query.filter(reflections::author_id.eq(author));
    }
    if let Some(session) = filter.session_id {
        query = query.filter(reflections::session_id.eq(session));
    }
    if let Some(network) = filter.network_id {
        query = query.filter(reflections::network_id.eq(network));
    }
    // Each tension covers a large share of the log: probing the lookup table's key for the
    // rows walked in order stops as soon as the page is full.
    if let Some(tension) = filter.tension {
        query = query.filter(exists(
            reflection_tensions::table
                .filter(reflection_tensions::tension.eq(tension))
                .filter(reflection_tensions::reflection_seq.eq(reflections::seq)),
        ));
    }
    // A tag usually covers a small share: its rows are read once from the lookup table's key.
    if let Some(tag) = &filter.tag {
        query = query.filter(
            reflections::seq.eq_any(
                reflection_tags::table
                    .filter(reflection_tags::tag.eq(tag.clone()))
                    .select(reflection_tags::reflection_seq),
            ),
        );
    }
    if let Search::Words(words) = &filter.search {
        query = query.filter(search::fts_match_seqs(words, dialect));
    }
    // Strictly after the cursor in (created_at, id) order. Written with `<=` up front so
    // SQLite seeks to the cursor in the index: from `a < x OR (a = x AND id < y)` alone it
    // would walk every newer row first.
    if let Some((at, id)) = &page.after {
        query = query.filter(reflections::created_at.le(*at)).filter(
            reflections::created_at
                .lt(*at)
                .or(reflections::id.lt(id.clone())),
        );
    }
    query
        .order((reflections::created_at.desc(), reflections::id.desc()))
        .limit(page.fetch())
}

/// The `session_id` and `network_id` that do not exist, as field errors (422).
pub fn missing_links(
    conn: &mut DbConn,
    session_id: Option<SessionId>,
    network_id: Option<NetworkId>,
) -> Result<Vec<FieldError>, ApiError> {
    let mut errors = Vec::new();
    if let Some(id) = session_id {
        let found: bool =
            diesel::select(exists(sessions::table.filter(sessions::id.eq(id)))).get_result(conn)?;
        if !found {
            errors.push(FieldError::new("session_id", "no such session"));
        }
    }
    if let Some(id) = network_id {
        let found: bool =
            diesel::select(exists(networks::table.filter(networks::id.eq(id)))).get_result(conn)?;
        if !found {
            errors.push(FieldError::new("network_id", "no such network"));
        }
    }
    Ok(errors)
}

/// The text of a JSON column.
fn json_text<T: serde::Serialize>(value: &T) -> Result<String, ApiError> {
    Ok(serde_json::to_string(value).context("serialize a JSON column")?)
}

/// Stores a new reflection by `author`; triggers fill the lookup tables and the FTS index.
pub fn insert(
    conn: &mut DbConn,
    author: MemberId,
    reflection: &NewReflection,
) -> Result<ReflectionId, ApiError> {
    let id = ReflectionId::new();
    let at = now();
    diesel::insert_into(reflections::table)
        .values((
            reflections::id.eq(id),
            reflections::author_id.eq(author),
            reflections::session_id.eq(reflection.session_id),
            reflections::network_id.eq(reflection.network_id),
            reflections::title.eq(&reflection.title),
            reflections::body.eq(&reflection.body),
            reflections::tensions.eq(json_text(&reflection.tensions)?),
            reflections::tags.eq(json_text(&reflection.tags)?),
            reflections::awareness.eq(reflection.competence.map(|c| c.awareness)),
            reflections::capability.eq(reflection.competence.map(|c| c.capability)),
            reflections::visibility.eq(reflection.visibility),
            reflections::created_at.eq(at),
            reflections::updated_at.eq(at),
            reflections::version.eq(1),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Applies `change` to `row` and bumps the version.
pub fn update(
    conn: &mut DbConn,
    row: &ReflectionRow,
    change: ReflectionChange,
) -> Result<(), ApiError> {
    let competence = change.competence.unwrap_or(row.competence());
    let tensions = match change.tensions {
        Some(tensions) => json_text(&tensions)?,
        None => row.tensions.clone(),
    };
    let tags = match change.tags {
        Some(tags) => json_text(&tags)?,
        None => row.tags.clone(),
    };
    diesel::update(reflections::table.filter(reflections::seq.eq(row.seq)))
        .set((
            reflections::title.eq(change.title.unwrap_or_else(|| row.title.clone())),
            reflections::body.eq(change.body.unwrap_or_else(|| row.body.clone())),
            reflections::session_id.eq(change.session_id.unwrap_or(row.session_id)),
            reflections::network_id.eq(change.network_id.unwrap_or(row.network_id)),
            reflections::tensions.eq(tensions),
            reflections::tags.eq(tags),
            reflections::awareness.eq(competence.map(|c| c.awareness)),
            reflections::capability.eq(competence.map(|c| c.capability)),
            reflections::visibility.eq(change.visibility.unwrap_or(row.visibility)),
            reflections::updated_at.eq(now()),
            reflections::version.eq(reflections::version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes a reflection; its comments, lookup rows and index entries go with it (foreign key
/// cascades and triggers).
pub fn delete(conn: &mut DbConn, id: ReflectionId) -> Result<(), ApiError> {
    diesel::delete(reflections::table.filter(reflections::id.eq(id))).execute(conn)?;
    Ok(())
}

/// Display names by member id.
pub fn author_names(
    conn: &mut DbConn,
    ids: &[MemberId],
) -> Result<HashMap<MemberId, String>, ApiError> {
    let rows: Vec<(MemberId, String)> = members::table
        .filter(members::id.eq_any(ids))
        .select((members::id, members::display_name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The number of comments of each of `ids` (absent: none). Callers pass only reflections the
/// viewer may read; whoever may read a reflection may read all its comments.
pub fn comment_counts(
    conn: &mut DbConn,
    ids: &[ReflectionId],
) -> Result<HashMap<ReflectionId, i64>, ApiError> {
    let rows: Vec<(ReflectionId, i64)> = comments::table
        .filter(comments::reflection_id.eq_any(ids))
        .group_by(comments::reflection_id)
        .select((comments::reflection_id, count_star()))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn find_comment(conn: &mut DbConn, id: CommentId) -> Result<CommentRow, ApiError> {
    comments::table
        .find(id)
        .select(CommentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found("comment"))
}

/// The comments of a reflection, oldest first (`created_at`, then `id`).
pub fn list_comments(
    conn: &mut DbConn,
    reflection: ReflectionId,
    page: &PageRequest<NaiveDateTime>,
) -> Result<Vec<CommentRow>, ApiError> {
    let mut query = comments::table
        .filter(comments::reflection_id.eq(reflection))
        .select(CommentRow::as_select())
        .into_boxed();
    if let Some((at, id)) = &page.after {
        query = query
            .filter(comments::created_at.ge(*at))
            .filter(comments::created_at.gt(*at).or(comments::id.gt(id.clone())));
    }
    Ok(query
        .order((comments::created_at.asc(), comments::id.asc()))
        .limit(page.fetch())
        .load(conn)?)
}

pub fn insert_comment(
    conn: &mut DbConn,
    reflection: ReflectionId,
    author: MemberId,
    body: &str,
) -> Result<CommentRow, ApiError> {
    let id = CommentId::new();
    diesel::insert_into(comments::table)
        .values((
            comments::id.eq(id),
            comments::reflection_id.eq(reflection),
            comments::author_id.eq(author),
            comments::body.eq(body),
            comments::created_at.eq(now()),
        ))
        .execute(conn)?;
    find_comment(conn, id)
}

pub fn delete_comment(conn: &mut DbConn, id: CommentId) -> Result<(), ApiError> {
    diesel::delete(comments::table.find(id)).execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The query plans of every list shape, and the rule's two shapes agreeing on real rows.
    //! Plans are what SQLite picks without statistics (we never run ANALYZE), so they do not
    //! depend on how many rows the test inserts.

    use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
    use diesel::sql_types::{Integer, Text};
    use diesel::Connection;
    use diesel_migrations::MigrationHarness;

    use super::*;
    use crate::members::types::Role;
    use crate::reflections::types::Visibility;

    /// `EXPLAIN QUERY PLAN` of a diesel query, binds included.
    struct Explain<Q>(Q);

    impl<Q> QueryId for Explain<Q> {
        type QueryId = ();
        const HAS_STATIC_QUERY_ID: bool = false;
    }

    impl<Q: QueryFragment<Backend>> QueryFragment<Backend> for Explain<Q> {
        fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
            out.push_sql("EXPLAIN QUERY PLAN ");
            self.0.walk_ast(out.reborrow())
        }
    }

    impl<Q> Query for Explain<Q> {
        type SqlType = (Integer, Integer, Integer, Text);
    }

    impl<Q> RunQueryDsl<DbConn> for Explain<Q> {}

    fn plan<Q: QueryFragment<Backend>>(conn: &mut DbConn, query: Q) -> Vec<String> {
        Explain(query)
            .load::<(i32, i32, i32, String)>(conn)
            .expect("explain")
            .into_iter()
            .map(|(_, _, _, detail)| detail)
            .collect()
    }

    fn database() -> DbConn {
        let mut conn = diesel::SqliteConnection::establish(":memory:").expect("in-memory database");
        conn.run_pending_migrations(crate::db::SQLITE_MIGRATIONS)
            .expect("migrations");
        DbConn::Sqlite(conn)
    }

    fn viewer(role: Role) -> AuthMember {
        AuthMember {
            id: MemberId::new(),
            role,
        }
    }

    fn first_page() -> PageRequest<NaiveDateTime> {
        PageRequest::parse(None, None).expect("page")
    }

    fn later_page() -> PageRequest<NaiveDateTime> {
        PageRequest {
            limit: 20,
            after: Some((now(), ReflectionId::new().to_string())),
        }
    }

    /// Every filter alone and all of them together, with and without a cursor.
    fn filters() -> Vec<(&'static str, ReflectionFilter)> {
        let all = ReflectionFilter {
            author_id: Some(MemberId::new()),
            session_id: Some(SessionId::new()),
            network_id: Some(NetworkId::new()),
            tension: Some(Tension::Autonomy),
            tag: Some("wijkteam".into()),
            search: Search::parse(Some("coördinatie wijk")).expect("search"),
        };
        vec![
            ("none", ReflectionFilter::default()),
            (
                "author",
                ReflectionFilter {
                    author_id: all.author_id,
                    ..Default::default()
                },
            ),
            (
                "session",
                ReflectionFilter {
                    session_id: all.session_id,
                    ..Default::default()
                },
            ),
            (
                "network",
                ReflectionFilter {
                    network_id: all.network_id,
                    ..Default::default()
                },
            ),
            (
                "tension",
                ReflectionFilter {
                    tension: all.tension,
                    ..Default::default()
                },
            ),
            (
                "tag",
                ReflectionFilter {
                    tag: all.tag.clone(),
                    ..Default::default()
                },
            ),
            (
                "q",
                ReflectionFilter {
                    search: all.search.clone(),
                    ..Default::default()
                },
            ),
            ("all", all),
        ]
    }

    #[test]
    fn every_list_query_reads_an_index_in_order_and_never_sorts_or_scans() {
        let mut conn = database();
        for role in [Role::Member, Role::Facilitator, Role::Admin] {
            let me = viewer(role);
            for (name, filter) in filters() {
                for page in [first_page(), later_page()] {
                    for part in visibility::parts(&me) {
                        let lines = plan(
                            &mut conn,
                            page_query(part, &filter, &page, crate::db::Dialect::Sqlite),
                        );
                        let shown = format!("{role} {name} {part:?}:\n  {}", lines.join("\n  "));
                        println!("{shown}");
                        assert!(
                            lines
                                .iter()
                                .any(|l| l.starts_with("SEARCH reflections USING")),
                            "no index lookup on reflections: {shown}"
                        );
                        if page.after.is_some() {
                            assert!(
                                lines.iter().any(|l| l.contains("created_at<?")),
                                "does not seek to the cursor: {shown}"
                            );
                        }
                        assert!(
                            !lines.iter().any(|l| l.contains("TEMP B-TREE")
                                || l == "SCAN reflections"
                                || l.starts_with("SCAN reflections USING")),
                            "sorts or scans: {shown}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn unfiltered_parts_use_the_visibility_and_author_indexes() {
        let mut conn = database();
        let me = viewer(Role::Member);
        let parts = visibility::parts(&me);
        let [shared, .., own] = parts.as_slice() else {
            panic!("a member reads shared and own parts: {parts:?}");
        };
        let (shared, own) = (*shared, *own);
        let filter = ReflectionFilter::default();
        let shared_plan = plan(
            &mut conn,
            page_query(shared, &filter, &later_page(), crate::db::Dialect::Sqlite),
        );
        assert!(
            shared_plan[0]
                .contains("INDEX reflections_by_visibility (visibility=? AND created_at<?)"),
            "{shared_plan:?}"
        );
        let own_plan = plan(
            &mut conn,
            page_query(own, &filter, &later_page(), crate::db::Dialect::Sqlite),
        );
        assert!(
            own_plan[0].contains(
                "INDEX reflections_by_author_visibility (author_id=? AND visibility=? AND created_at<?)"
            ),
            "{own_plan:?}"
        );
    }

    #[test]
    fn single_reads_use_keys() {
        let mut conn = database();
        let me = viewer(Role::Member);
        let get = plan(
            &mut conn,
            reflections::table
                .filter(reflections::id.eq(ReflectionId::new()))
                .filter(visibility::visible_to(&me))
                .select(reflections::seq),
        );
        assert!(
            get[0].starts_with("SEARCH reflections USING INDEX sqlite_autoindex"),
            "{get:?}"
        );
        let comments = plan(
            &mut conn,
            comments::table
                .filter(comments::reflection_id.eq(ReflectionId::new()))
                .order((comments::created_at.asc(), comments::id.asc()))
                .select(comments::id),
        );
        assert_eq!(
            comments,
            ["SEARCH comments USING COVERING INDEX comments_oldest (reflection_id=?)"]
        );
    }

    fn insert_member(conn: &mut DbConn, role: Role) -> AuthMember {
        let me = viewer(role);
        diesel::sql_query(
            "INSERT INTO members (id, email, display_name, member_kind, role, joined_at, updated_at)
             VALUES (?, ?, 'Joost Bakker', 'professional', ?, '2026-03-01', '2026-03-01')",
        )
        .bind::<Text, _>(me.id)
        .bind::<Text, _>(format!("{}@example.org", me.id))
        .bind::<Text, _>(role)
        .execute(conn)
        .expect("member");
        me
    }

    #[test]
    fn visible_to_and_the_listed_parts_show_exactly_what_the_contract_allows() {
        let mut conn = database();
        let author = insert_member(&mut conn, Role::Member);
        let member = insert_member(&mut conn, Role::Member);
        let facilitator = insert_member(&mut conn, Role::Facilitator);
        let admin = insert_member(&mut conn, Role::Admin);
        let mut ids = HashMap::new();
        for visibility in Visibility::ALL {
            for who in [&author, &admin] {
                let reflection = NewReflection {
                    title: "Autonomie afstaan".into(),
                    body: "Wie bepaalt waar onze medewerkers werken?".into(),
                    session_id: None,
                    network_id: None,
                    tensions: vec![Tension::Autonomy],
                    tags: vec!["wijkteam".into()],
                    competence: None,
                    visibility: *visibility,
                };
                let id = insert(&mut conn, who.id, &reflection).expect("insert");
                ids.insert(id, (who.id, *visibility));
            }
        }
        for me in [&author, &member, &facilitator, &admin] {
            let expected: Vec<ReflectionId> = {
                let mut v: Vec<_> = ids
                    .iter()
                    .filter(|(_, (by, visibility))| match visibility {
                        Visibility::Private => *by == me.id,
                        Visibility::Facilitators => *by == me.id || me.is_staff(),
                        Visibility::Community => true,
                    })
                    .map(|(id, _)| *id)
                    .collect();
                v.sort();
                v
            };
            let mut filtered: Vec<ReflectionId> = reflections::table
                .filter(visibility::visible_to(me))
                .select(reflections::id)
                .load(&mut conn)
                .expect("visible_to");
            filtered.sort();
            assert_eq!(filtered, expected, "visible_to for {}", me.role);
            let filter = ReflectionFilter {
                tension: Some(Tension::Autonomy),
                tag: Some("wijkteam".into()),
                search: Search::parse(Some("medewerk")).expect("search"),
                ..Default::default()
            };
            let mut listed: Vec<ReflectionId> = list(&mut conn, me, &filter, &first_page())
                .expect("list")
                .into_iter()
                .map(|r| r.id)
                .collect();
            listed.sort();
            assert_eq!(listed, expected, "list for {}", me.role);
        }
    }
}

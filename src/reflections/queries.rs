//! Reflection and comment queries. Every function takes a connection and runs inside
//! `db::run`. What a caller may read is decided by [`super::visibility`] alone: every query
//! here that returns reflections to a viewer starts from it.

use std::collections::HashMap;

use crate::db::{Backend, Dialect};
use anyhow::Context;
use chrono::NaiveDateTime;
use diesel::dsl::exists;
use diesel::prelude::*;

use super::model::{CommentRow, ReflectionRow};
use super::search::{self, Search, VocabularyAsOf};
use super::types::{CommentId, NewReflection, ReflectionChange, ReflectionId, ReflectionResponse};
use super::visibility::{self, ReflectionCondition};
use crate::auth::AuthMember;
use crate::db::timestamp::Stamp;
use crate::db::{in_list, now, unindexed, DbConn, InList};
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
    vocabulary: &VocabularyAsOf<'_>,
) -> Result<Vec<Listed>, ApiError> {
    match &filter.search {
        Search::Nothing => return Ok(Vec::new()),
        Search::Words(words) if conn.dialect() == Dialect::Sqlite => {
            let rows = search_newest(conn, viewer, filter, words, page, vocabulary)?;
            return with_authors_and_counts(conn, rows);
        }
        _ => {}
    }
    // Each slice gives its page as keys only, read from its index alone; the rows are read for
    // the page's keys only. (Reading whole rows per slice read up to three pages of rows, bodies
    // and all, to keep one: at a million reflections every slice is full.)
    let mut keys: Vec<(Stamp, ReflectionId, i32)> = Vec::new();
    for part in visibility::parts(viewer) {
        let found: Vec<(Stamp, ReflectionId, i32)> =
            page_query(part.condition(), filter, page, conn.dialect())
                .select((reflections::created_at, reflections::id, reflections::seq))
                .load(conn)?;
        keys.extend(found);
    }
    // Uuid order is the order of their text form, which is how SQLite compared them.
    keys.sort_unstable_by_key(|(at, id, _)| std::cmp::Reverse((*at, *id)));
    keys.truncate(usize::try_from(page.fetch()).unwrap_or(usize::MAX));
    let seqs: Vec<i32> = keys.iter().map(|(_, _, seq)| *seq).collect();
    // The rows with their authors' names and comment counts, in the same statement.
    let mut rows: Vec<(ReflectionRow, Option<String>, Option<i64>)> = with_author(&seqs)
        .select((
            ReflectionRow::as_select(),
            members::display_name.nullable(),
            comment_count(),
        ))
        .load(conn)?;
    rows.sort_unstable_by_key(|(r, _, _)| std::cmp::Reverse((r.created_at, r.id)));
    Ok(rows
        .into_iter()
        .map(|(row, name, count)| Listed {
            row,
            author_name: name.unwrap_or_default(),
            comment_count: count.unwrap_or(0),
        })
        .collect())
}

/// A reflection of a page with its author's display name (empty when the member is gone) and
/// its number of comments.
#[derive(Debug)]
pub struct Listed {
    pub row: ReflectionRow,
    pub author_name: String,
    pub comment_count: i64,
}

impl Listed {
    pub fn into_response(self) -> Result<ReflectionResponse, ApiError> {
        self.row.into_response(self.author_name, self.comment_count)
    }
}

/// The reflections `seqs`, each joined with its author (absent when the member is gone).
fn with_author(
    seqs: &[i32],
) -> diesel::dsl::Filter<
    diesel::dsl::LeftJoin<reflections::table, members::table>,
    InList<reflections::seq>,
> {
    reflections::table
        .left_join(members::table)
        .filter(in_list(reflections::seq, seqs))
}

/// The number of comments of the reflection of the row, as a subquery. Whoever may read a
/// reflection may read all its comments.
fn comment_count() -> diesel::dsl::SingleValue<
    diesel::dsl::Count<
        diesel::dsl::Filter<
            comments::table,
            diesel::dsl::Eq<comments::reflection_id, reflections::id>,
        >,
    >,
> {
    comments::table
        .filter(comments::reflection_id.eq(reflections::id))
        .count()
        .single_value()
}

/// The first search batch: a few pages' worth of matches, since some are not the reader's to
/// see or fall outside the other filters. Each further batch is four times larger, up to
/// [`SEARCH_BATCH_MAX`].
const SEARCH_BATCH_MIN: i64 = 64;
const SEARCH_BATCH_MAX: i64 = 4096;

/// A search page on SQLite, driven by the full-text index instead of by the time-ordered
/// indexes: the index's matches are read newest first (by `seq`) in growing batches, and each
/// batch is narrowed by what `viewer` may read, the other filters and the cursor, until the
/// page is full or the matches run out. A common word fills the page from its newest matches
/// and a rare one reads only its own, so the cost follows neither the number of matches nor
/// the size of the log (filtering every page by `seq IN (all matches)` made SQLite collect
/// every match first: seconds for a common word in a million reflections).
///
/// `seq` order is `(created_at, id)` order: one writer stores reflections, each stamped later
/// than the one before ([`stamp`]). A cursor becomes a `seq` bound through its reflection;
/// when that one is gone the bound is dropped and the cursor condition alone keeps the page
/// right.
fn search_newest(
    conn: &mut DbConn,
    viewer: &AuthMember,
    filter: &ReflectionFilter,
    words: &[String],
    page: &PageRequest<NaiveDateTime>,
    vocabulary: &VocabularyAsOf<'_>,
) -> Result<Vec<ReflectionRow>, ApiError> {
    let expression = search::sqlite_expression(conn, words, vocabulary)?;
    let want = usize::try_from(page.fetch()).unwrap_or(usize::MAX);
    let mut below: Option<i64> = match &page.after {
        Some((_, id)) => reflections::table
            .filter(reflections::id.eq(id.clone()))
            .select(reflections::seq)
            .first::<i32>(conn)
            .optional()?
            .map(i64::from),
        None => None,
    };
    let rest = ReflectionFilter {
        search: Search::All,
        ..filter.clone()
    };
    let mut batch = SEARCH_BATCH_MIN.max(page.fetch() * 2);
    let mut rows = Vec::new();
    loop {
        let seqs = search::newest_matches(conn, &expression, below, batch)?;
        let Some(&oldest) = seqs.last() else {
            break;
        };
        let found: Vec<ReflectionRow> = batch_query(viewer, &rest, page, &seqs)
            .select(ReflectionRow::as_select())
            .load(conn)?;
        rows.extend(found);
        if rows.len() >= want || seqs.len() < usize::try_from(batch).unwrap_or(usize::MAX) {
            break;
        }
        below = Some(oldest);
        batch = (batch * 4).min(SEARCH_BATCH_MAX);
    }
    rows.truncate(want);
    Ok(rows)
}

/// The rows of one search batch (`seqs`) that `viewer` may read and `filter` selects, one page
/// newest first. Only the batch's keys may lead the plan: with an index on any other condition
/// SQLite would walk that index through the whole log, so those are kept out of its reach.
fn batch_query(
    viewer: &AuthMember,
    filter: &ReflectionFilter,
    page: &PageRequest<NaiveDateTime>,
    seqs: &[i64],
) -> reflections::BoxedQuery<'static, Backend> {
    let rest = page_condition(
        visibility::visible_to(viewer),
        filter,
        page,
        Dialect::Sqlite,
    );
    newest_first(
        reflections::table
            .into_boxed()
            .filter(in_list(reflections::seq, seqs))
            .filter(unindexed(rest)),
        page,
    )
}

/// The query for one slice (`condition`) of one page (its plan is checked in the tests below).
fn page_query(
    condition: ReflectionCondition,
    filter: &ReflectionFilter,
    page: &PageRequest<NaiveDateTime>,
    dialect: Dialect,
) -> reflections::BoxedQuery<'static, Backend> {
    newest_first(
        reflections::table
            .into_boxed()
            .filter(page_condition(condition, filter, page, dialect)),
        page,
    )
}

/// Newest first, one page (and one row more, to know whether there is a next page).
fn newest_first(
    query: reflections::BoxedQuery<'static, Backend>,
    page: &PageRequest<NaiveDateTime>,
) -> reflections::BoxedQuery<'static, Backend> {
    query
        .order((reflections::created_at.desc(), reflections::id.desc()))
        .limit(page.fetch())
}

/// `condition`, `filter` and the cursor together.
fn page_condition(
    condition: ReflectionCondition,
    filter: &ReflectionFilter,
    page: &PageRequest<NaiveDateTime>,
    dialect: Dialect,
) -> ReflectionCondition {
    let mut all = condition;
    if let Some(author) = filter.author_id {
        all = Box::new(all.and(reflections::author_id.eq(author)));
    }
    if let Some(session) = filter.session_id {
        all = Box::new(all.and(reflections::session_id.assume_not_null().eq(session)));
    }
    if let Some(network) = filter.network_id {
        all = Box::new(all.and(reflections::network_id.assume_not_null().eq(network)));
    }
    // Each tension covers a large share of the log: probing the lookup table's key for the
    // rows walked in order stops as soon as the page is full.
    if let Some(tension) = filter.tension {
        all = Box::new(
            all.and(exists(
                reflection_tensions::table
                    .filter(reflection_tensions::tension.eq(tension))
                    .filter(reflection_tensions::reflection_seq.eq(reflections::seq)),
            )),
        );
    }
    // A tag usually covers a small share: its rows are read once from the lookup table's key.
    if let Some(tag) = &filter.tag {
        all = Box::new(
            all.and(
                reflections::seq.eq_any(
                    reflection_tags::table
                        .filter(reflection_tags::tag.eq(tag.clone()))
                        .select(reflection_tags::reflection_seq),
                ),
            ),
        );
    }
    if let Search::Words(words) = &filter.search {
        all = Box::new(all.and(search::fts_match_seqs(words, dialect)));
    }
    // Strictly after the cursor in (created_at, id) order. Written with `<=` up front so
    // SQLite seeks to the cursor in the index: from `a < x OR (a = x AND id < y)` alone it
    // would walk every newer row first.
    if let Some((at, id)) = &page.after {
        all = Box::new(
            all.and(reflections::created_at.le(*at)).and(
                reflections::created_at
                    .lt(*at)
                    .or(reflections::id.lt(id.clone())),
            ),
        );
    }
    all
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
/// Returns its id and the time it was stored (its `created_at` and `updated_at`).
pub fn insert(
    conn: &mut DbConn,
    author: MemberId,
    reflection: &NewReflection,
) -> Result<(ReflectionId, NaiveDateTime), ApiError> {
    let id = ReflectionId::new();
    let at = stamp(conn)?;
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
    Ok((id, at))
}

/// The time a new reflection is stored at: now, or a microsecond after the newest reflection
/// when the clock has not moved past it (or went back). Reflections are stored one at a time
/// (the writer), so `created_at` then grows with `seq`, and SQLite's search walks `seq`.
fn stamp(conn: &mut DbConn) -> Result<NaiveDateTime, ApiError> {
    let at = now();
    let newest: Option<NaiveDateTime> = reflections::table
        .order(reflections::seq.desc())
        .select(reflections::created_at)
        .first(conn)
        .optional()?;
    Ok(match newest {
        Some(newest) if newest >= at => newest + chrono::TimeDelta::microseconds(1),
        _ => at,
    })
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

/// The display name of one author (empty when the member is gone): one lookup by key, where
/// [`author_names`] reads a list of ids.
pub fn author_name(conn: &mut DbConn, id: MemberId) -> Result<String, ApiError> {
    Ok(members::table
        .find(id)
        .select(members::display_name)
        .first(conn)
        .optional()?
        .unwrap_or_default())
}

/// Display names by member id.
pub fn author_names(
    conn: &mut DbConn,
    ids: &[MemberId],
) -> Result<HashMap<MemberId, String>, ApiError> {
    let rows: Vec<(MemberId, String)> = members::table
        .filter(in_list(members::id, ids))
        .select((members::id, members::display_name))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// `rows` with their authors' names and comment counts, read in one statement. Callers pass
/// only reflections the viewer may read.
pub fn with_authors_and_counts(
    conn: &mut DbConn,
    rows: Vec<ReflectionRow>,
) -> Result<Vec<Listed>, ApiError> {
    let seqs: Vec<i32> = rows.iter().map(|r| r.seq).collect();
    let mut extra = authors_and_comment_counts(conn, &seqs)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (author_name, comment_count) = extra.remove(&row.seq).unwrap_or_default();
            Listed {
                row,
                author_name,
                comment_count,
            }
        })
        .collect())
}

/// The author's display name (empty when the member is gone) and the number of comments of
/// each of the reflections `seqs`, by `seq`.
fn authors_and_comment_counts(
    conn: &mut DbConn,
    seqs: &[i32],
) -> Result<HashMap<i32, (String, i64)>, ApiError> {
    let rows: Vec<(i32, Option<String>, Option<i64>)> = with_author(seqs)
        .select((
            reflections::seq,
            members::display_name.nullable(),
            comment_count(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(seq, name, count)| (seq, (name.unwrap_or_default(), count.unwrap_or(0))))
        .collect())
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
    use crate::reflections::visibility::Part;

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
            // SQLite's searches take their own path (see the next test).
            for (name, filter) in filters()
                .into_iter()
                .filter(|(_, f)| f.search == Search::All)
            {
                for page in [first_page(), later_page()] {
                    for part in visibility::parts(&me) {
                        let lines = plan(
                            &mut conn,
                            page_query(part.condition(), &filter, &page, Dialect::Sqlite),
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
                        // The link indexes hold only reflections that name a session or
                        // network: a filter on one must still read its index.
                        let link_index = match name {
                            "session" => Some("reflections_by_session"),
                            "network" => Some("reflections_by_network"),
                            _ => None,
                        };
                        if let (Some(index), Part::Shared(_)) = (link_index, &part) {
                            assert!(
                                lines.iter().any(|l| l.contains(index)),
                                "does not read {index}: {shown}"
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
    fn searches_read_the_text_index_newest_first_then_fetch_their_batch_by_key() {
        let mut conn = database();
        let matches = plan(
            &mut conn,
            diesel::sql_query(
                "SELECT rowid AS seq FROM reflections_fts \
                 WHERE reflections_fts MATCH 'wijk*' AND rowid < 10 ORDER BY rowid DESC LIMIT 64",
            ),
        );
        assert_eq!(matches.len(), 1, "{matches:?}");
        assert!(
            matches[0].starts_with("SCAN reflections_fts VIRTUAL TABLE INDEX"),
            "{matches:?}"
        );
        for role in [Role::Member, Role::Facilitator, Role::Admin] {
            let me = viewer(role);
            for (name, filter) in filters() {
                let rest = ReflectionFilter {
                    search: Search::All,
                    ..filter
                };
                for page in [first_page(), later_page()] {
                    let lines = plan(&mut conn, batch_query(&me, &rest, &page, &[3, 2, 1]));
                    let shown = format!("{role} {name}:\n  {}", lines.join("\n  "));
                    println!("{shown}");
                    assert!(
                        lines[0]
                            .starts_with("SEARCH reflections USING INTEGER PRIMARY KEY (rowid=?)"),
                        "the batch is not read by key: {shown}"
                    );
                    assert!(
                        !lines.iter().any(|l| l.starts_with("SCAN reflections")),
                        "scans: {shown}"
                    );
                }
            }
        }
    }

    #[test]
    fn created_at_grows_with_seq() {
        let mut conn = database();
        let author = insert_member(&mut conn, Role::Member);
        let reflection = community_reflection("Wie neemt de regie?");
        // Quicker than the clock's microseconds, and once behind it.
        for _ in 0..50 {
            insert(&mut conn, author.id, &reflection).expect("insert");
        }
        diesel::sql_query(
            "UPDATE reflections SET created_at = '2099-01-01 00:00:00' WHERE seq = 50",
        )
        .execute(&mut conn)
        .expect("a reflection from the future");
        insert(&mut conn, author.id, &reflection).expect("insert");
        let stamps: Vec<NaiveDateTime> = reflections::table
            .order(reflections::seq)
            .select(reflections::created_at)
            .load(&mut conn)
            .expect("stamps");
        assert_eq!(stamps.len(), 51);
        assert!(stamps.windows(2).all(|w| w[0] < w[1]), "{stamps:?}");
    }

    /// Word prefixes become the indexed words they cover, looked up by their folded form (ASCII,
    /// and Latin-1's letters with diacritics); other words, and prefixes that cover too many
    /// words, stay prefix terms. Either way a search finds the same reflections.
    #[test]
    fn prefixes_are_spelled_out_as_the_words_they_cover() {
        let mut conn = database();
        let author = insert_member(&mut conn, Role::Member);
        let many: Vec<String> = (0..40).map(|i| format!("wijk{i}")).collect();
        for body in [
            "De rol van de regisseur",
            "Rollen en rolverdeling in één wijk",
            "Romeinse cijfers",
            many.join(" ").as_str(),
        ] {
            insert_body(&mut conn, &author, body);
        }
        let vocabulary = search::Vocabulary::default();
        let spelled = |conn: &mut DbConn, list: &[&str]| {
            search::sqlite_expression(conn, &words(list), &vocabulary.as_of(0)).expect("expression")
        };

        assert_eq!(
            spelled(&mut conn, &["ROL", "een"]),
            r#"("rol" OR "rollen" OR "rolverdeling") AND ("een")"#
        );
        assert_eq!(spelled(&mut conn, &["één"]), r#"("een")"#);
        assert_eq!(spelled(&mut conn, &["RÓL"]), spelled(&mut conn, &["rol"]));
        assert_eq!(spelled(&mut conn, &["Romeinße"]), r#""Romeinße"*"#);
        assert_eq!(spelled(&mut conn, &["wijk"]), r#""wijk"*"#);
        assert_eq!(spelled(&mut conn, &["zzz"]), r#""zzz"*"#);

        for list in [
            &["rol"][..],
            &["ROL", "een"],
            &["één"],
            &["RÓL"],
            &["Romeinße"],
            &["wijk"],
            &["wijk1"],
            &["zzz"],
        ] {
            let by_prefix = search::newest_matches(
                &mut conn,
                &search::fts5_expression(&words(list)),
                None,
                100,
            )
            .expect("prefix search");
            let expression = spelled(&mut conn, list);
            let spelled_out =
                search::newest_matches(&mut conn, &expression, None, 100).expect("search");
            assert_eq!(spelled_out, by_prefix, "{list:?}: {expression}");
        }
    }

    fn community_reflection(body: &str) -> NewReflection {
        NewReflection {
            title: "Kwartiermaker".into(),
            body: body.into(),
            session_id: None,
            network_id: None,
            tensions: Vec::new(),
            tags: Vec::new(),
            competence: None,
            visibility: Visibility::Community,
        }
    }

    /// Stores a reflection the way the service does: in a write transaction of its own, whose
    /// end also indexes it for search.
    fn insert_body(conn: &mut DbConn, author: &AuthMember, body: &str) {
        crate::db::write_now(conn, |conn| {
            insert(conn, author.id, &community_reflection(body))
        })
        .expect("insert");
    }

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| (*w).to_owned()).collect()
    }

    /// A spelled-out prefix is kept while the writer's commit count stays the same, and read
    /// again by the first read that begins after a further commit.
    #[test]
    fn spelled_out_prefixes_are_kept_until_the_next_commit() {
        let mut conn = database();
        let author = insert_member(&mut conn, Role::Member);
        insert_body(&mut conn, &author, "De rol van de regisseur");
        let vocabulary = search::Vocabulary::default();
        let spelled = |conn: &mut DbConn, commits: u64| {
            search::sqlite_expression(conn, &words(&["rol"]), &vocabulary.as_of(commits))
                .expect("expression")
        };
        assert_eq!(spelled(&mut conn, 7), r#"("rol")"#);

        insert_body(&mut conn, &author, "Een rolmodel");
        // Kept: as of commit 7 nothing new can be in the index.
        assert_eq!(spelled(&mut conn, 7), r#"("rol")"#);
        // A read after the next commit reads the vocabulary again, and keeps that.
        assert_eq!(spelled(&mut conn, 8), r#"("rol" OR "rolmodel")"#);
        insert_body(&mut conn, &author, "Rolstoel");
        assert_eq!(spelled(&mut conn, 8), r#"("rol" OR "rolmodel")"#);
        // A read that began before the latest commit never uses what a later one kept.
        assert_eq!(
            spelled(&mut conn, 7),
            r#"("rol" OR "rolmodel" OR "rolstoel")"#
        );
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
            page_query(shared.condition(), &filter, &later_page(), Dialect::Sqlite),
        );
        assert!(
            shared_plan[0]
                .contains("INDEX reflections_by_visibility (visibility=? AND created_at<?)"),
            "{shared_plan:?}"
        );
        let own_plan = plan(
            &mut conn,
            page_query(own.condition(), &filter, &later_page(), Dialect::Sqlite),
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
                let (id, _) =
                    crate::db::write_now(&mut conn, |conn| insert(conn, who.id, &reflection))
                        .expect("insert");
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
            let vocabulary = search::Vocabulary::default();
            let mut listed: Vec<ReflectionId> =
                list(&mut conn, me, &filter, &first_page(), &vocabulary.as_of(0))
                    .expect("list")
                    .into_iter()
                    .map(|l| l.row.id)
                    .collect();
            listed.sort();
            assert_eq!(listed, expected, "list for {}", me.role);
        }
    }
}

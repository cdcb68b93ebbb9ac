//! `column IN (values)` written as one statement, whatever the number of values.
//!
//! diesel writes `eq_any` on SQLite as `IN (?, ?, …)`, one placeholder per value: every
//! distinct length is a new statement, so diesel does not cache it and SQLite parses and plans
//! it again on every call. The page helpers (the reader's registrations on a page of sessions,
//! the rows of a page of reflections with their authors and comment counts) run one such
//! statement per request. [`in_list`] binds the values as a single JSON array and
//! lets the database unpack it: SQLite `IN (SELECT value FROM json_each(?))`, PostgreSQL
//! `IN (SELECT jsonb_array_elements_text(CAST(? AS jsonb)))`. The SQL text is then fixed, so
//! the statement is prepared once per connection and reused.
//!
//! For text columns (our ids and enums) and integer ones ([`Listed`]): the values are compared
//! as the column's own type on both backends.

use diesel::expression::{AppearsOnTable, Expression, SelectableExpression, ValidGrouping};
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Integer, Text};
use diesel::QueryResult;

use super::{Backend, MultiBackend};

/// `column IN (values)`; see the module documentation.
pub fn in_list<C, T>(column: C, values: &[T]) -> InList<C>
where
    C: Expression,
    C::SqlType: Listed,
    T: serde::Serialize,
{
    // Serializing ids, enum names and numbers cannot fail; an empty array matches nothing, as
    // an empty IN list does.
    let json = serde_json::to_string(values).unwrap_or_else(|_| "[]".to_owned());
    InList { column, json }
}

/// The column types [`in_list`] takes, with how PostgreSQL turns an array element (text) back
/// into one. SQLite's `json_each` already gives strings as text and numbers as integers.
pub trait Listed {
    const PG_ELEMENT: (&'static str, &'static str);
}

impl Listed for Text {
    const PG_ELEMENT: (&'static str, &'static str) =
        ("jsonb_array_elements_text(CAST(", " AS jsonb))");
}

impl Listed for Integer {
    const PG_ELEMENT: (&'static str, &'static str) = (
        "CAST(jsonb_array_elements_text(CAST(",
        " AS jsonb)) AS integer)",
    );
}

/// The expression [`in_list`] builds.
#[derive(Debug, Clone)]
pub struct InList<C> {
    column: C,
    json: String,
}

impl<C> Expression for InList<C> {
    type SqlType = Bool;
}

impl<C, QS> AppearsOnTable<QS> for InList<C> where C: AppearsOnTable<QS> {}

impl<C, QS> SelectableExpression<QS> for InList<C> where C: SelectableExpression<QS> {}

impl<C, GB> ValidGrouping<GB> for InList<C>
where
    C: ValidGrouping<GB>,
{
    type IsAggregate = C::IsAggregate;
}

impl<C> QueryFragment<Backend> for InList<C>
where
    C: Expression + QueryFragment<Backend>,
    C::SqlType: Listed,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        self.column.walk_ast(out.reborrow())?;
        let (open, close) = match out.backend() {
            MultiBackend::Sqlite(_) => ("value FROM json_each(", ")"),
            MultiBackend::Postgres(_) => <C::SqlType as Listed>::PG_ELEMENT,
        };
        out.push_sql(" IN (SELECT ");
        out.push_sql(open);
        out.push_bind_param::<Text, String>(&self.json)?;
        out.push_sql(close);
        out.push_sql(")");
        Ok(())
    }
}

/// The SQL text does not depend on the values: diesel may cache the statement by its text.
impl<C> QueryId for InList<C> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

#[cfg(test)]
mod tests {
    use diesel::dsl::sql;
    use diesel::prelude::*;

    use super::*;
    use crate::config::DatabaseUrl;

    fn matches(conn: &mut crate::db::DbConn, value: &str, values: &[&str]) -> bool {
        let column = sql::<Text>("").bind::<Text, _>(value.to_owned());
        diesel::select(in_list(column, values))
            .get_result(conn)
            .expect("query")
    }

    #[test]
    fn matches_exactly_the_listed_values() {
        let dir = tempfile::tempdir().expect("temp dir");
        let pool =
            crate::db::connect(&DatabaseUrl::Sqlite(dir.path().join("t.db")), 1).expect("pool");
        let mut conn = pool.get().expect("connection");
        assert!(matches(&mut conn, "b", &["a", "b"]));
        assert!(!matches(&mut conn, "c", &["a", "b"]));
        assert!(!matches(&mut conn, "a", &[]));
        // JSON quoting is the array's business, not the SQL's.
        assert!(matches(
            &mut conn,
            r#"it's "quoted", \ too"#,
            &[r#"it's "quoted", \ too"#]
        ));
        assert!(!matches(&mut conn, "B", &["b"]));
    }
}

/// `condition`, which SQLite may not use to pick an index: `+(condition)`, the documented way
/// to keep a term out of the planner's choice, so that another term (a key list) leads.
/// PostgreSQL, whose planner weighs real statistics, gets the condition as it is.
pub fn unindexed<E>(condition: E) -> Unindexed<E>
where
    E: Expression<SqlType = Bool>,
{
    Unindexed(condition)
}

/// The expression [`unindexed`] builds.
#[derive(Debug, Clone)]
pub struct Unindexed<E>(E);

impl<E: Expression> Expression for Unindexed<E> {
    type SqlType = E::SqlType;
}

impl<E, QS> AppearsOnTable<QS> for Unindexed<E> where E: AppearsOnTable<QS> {}

impl<E, QS> SelectableExpression<QS> for Unindexed<E> where E: SelectableExpression<QS> {}

impl<E, GB> ValidGrouping<GB> for Unindexed<E>
where
    E: ValidGrouping<GB>,
{
    type IsAggregate = E::IsAggregate;
}

impl<E: QueryFragment<Backend>> QueryFragment<Backend> for Unindexed<E> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Backend>) -> QueryResult<()> {
        match out.backend() {
            MultiBackend::Sqlite(_) => out.push_sql("+("),
            MultiBackend::Postgres(_) => out.push_sql("("),
        }
        self.0.walk_ast(out.reborrow())?;
        out.push_sql(")");
        Ok(())
    }
}

impl<E> QueryId for Unindexed<E> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

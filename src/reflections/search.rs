//! Full-text search of reflections (`GET /reflections?q=`): title, body and tags, by word
//! prefix, with diacritics folded (`een` finds `één`, `coord` finds `coördinatie`).
//!
//! What people type is only ever treated as words. Quotes, `AND (`, `*`, `NEAR`, `-` or an
//! emoji never reach the search engine as syntax: we cut the text into words ourselves and
//! build the query from those, so no input can cause a syntax error or a 500.
//!
//! Backend-specific, and only here: on SQLite the FTS5 table `reflections_fts` (external
//! content on `reflections.seq`, kept in sync by triggers and, for new rows, by the last
//! statement of their write transaction, see `db::sqlite::index_queued_reflections`; tokenizer
//! `unicode61 remove_diacritics 2`), read newest first by [`newest_matches`], with ASCII word
//! prefixes spelled out as the words they cover ([`sqlite_expression`]); on PostgreSQL the
//! `reflection_search` tsvectors (the `simple` configuration over `unaccent`, kept in sync by a
//! trigger, GIN-indexed), a condition of the page query ([`fts_match_seqs`]).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use crate::db::{DbConn, Dialect};

use super::tokens::{ascii_token, is_word_char};
use super::types::QUERY_MAX;
use super::visibility::ReflectionCondition;
use crate::error::ApiError;

/// What a `q` parameter asks for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Search {
    /// No `q`, or a blank one: no text condition.
    #[default]
    All,
    /// A `q` without a single word (`***`, `"()"`, an emoji): nothing can match it, so the
    /// answer is an empty page rather than everything.
    Nothing,
    /// Words, each matched as a prefix, all required.
    Words(Vec<String>),
}

impl Search {
    /// 400 when `q` is longer than [`QUERY_MAX`] characters.
    pub fn parse(q: Option<&str>) -> Result<Self, ApiError> {
        let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else {
            return Ok(Search::All);
        };
        if q.chars().count() > QUERY_MAX {
            return Err(ApiError::BadRequest(format!(
                "q must be at most {QUERY_MAX} characters"
            )));
        }
        let words = words(q);
        Ok(if words.is_empty() {
            Search::Nothing
        } else {
            Search::Words(words)
        })
    }
}

/// The FTS5 query for `q`: each word (a run of the characters the `unicode61` tokenizer keeps
/// in a token, see [`is_word_char`]) becomes `"word"*`, a quoted prefix term; terms
/// separated by spaces must all match. `None` when `q` holds no word.
pub fn match_expression(q: &str) -> Option<String> {
    let words = words(q);
    (!words.is_empty()).then(|| fts5_expression(&words))
}

/// The words of `q`, in order.
fn words(q: &str) -> Vec<String> {
    q.split(|c: char| !is_word_char(c))
        .filter(|word| !word.is_empty())
        .map(str::to_owned)
        .collect()
}

pub fn fts5_expression(words: &[String]) -> String {
    words
        .iter()
        // Words cannot contain `"`, but quoting escapes it whatever changes here.
        .map(|word| format!("{}*", quoted(word)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The PostgreSQL `tsquery` for `words`: `word:*` terms joined by `&`. Words hold only
/// letters, digits and combining marks, none of which is tsquery syntax.
fn tsquery_expression(words: &[String]) -> String {
    words
        .iter()
        .map(|word| format!("{word}:*"))
        .collect::<Vec<_>>()
        .join(" & ")
}

/// Reflections whose title, body or tags match every one of `words` as a prefix, as a
/// condition on `reflections`: `seq IN (the index's matches)`. The query text is a bound
/// parameter, never spliced into the SQL.
pub fn fts_match_seqs(words: &[String], dialect: Dialect) -> ReflectionCondition {
    match dialect {
        Dialect::Sqlite => Box::new(
            diesel::dsl::sql::<Bool>(
                "reflections.seq IN (SELECT rowid FROM reflections_fts \
                 WHERE reflections_fts MATCH ",
            )
            .bind::<Text, _>(fts5_expression(words))
            .sql(")"),
        ),
        Dialect::Postgres => Box::new(
            diesel::dsl::sql::<Bool>(
                "reflections.seq IN (SELECT reflection_seq FROM reflection_search \
                 WHERE document @@ to_tsquery('simple', unaccent(",
            )
            .bind::<Text, _>(tsquery_expression(words))
            .sql(")))"),
        ),
    }
}

/// At most this many indexed words stand in for one word prefix (see [`sqlite_expression`]).
const SPELLED_OUT_MAX: i64 = 32;

#[derive(diesel::QueryableByName)]
struct Term {
    #[diesel(sql_type = Text)]
    term: String,
}

/// The FTS5 query for `words` on SQLite: [`fts5_expression`], except that a word prefix that
/// covers at most [`SPELLED_OUT_MAX`] indexed words is spelled out as those words
/// (`("rol" OR "rollen" OR "rolverdeling")`, read from the index's vocabulary).
///
/// FTS5 answers a prefix term by merging the matches of every word it covers before it
/// returns the first one, so its cost grows with the log (at a million reflections, most of a
/// search's time). An `OR` of words it reads lazily, newest first, and stops at the page.
/// The vocabulary holds words as the tokenizer folded them (`Één` as `een`), so a word is
/// looked up by its token, where that is known here ([`ascii_token`]: ASCII, and Latin-1's
/// letters with diacritics, which are how Dutch writes `coördinatie`). Other words, and
/// prefixes that cover more words, stay prefix terms, which match the same reflections.
pub fn sqlite_expression(
    conn: &mut DbConn,
    words: &[String],
    vocabulary: &VocabularyAsOf<'_>,
) -> diesel::QueryResult<String> {
    let mut parts = Vec::with_capacity(words.len());
    for word in words {
        let spelled = match ascii_token(word) {
            Some(token) => vocabulary.covered_words(conn, &token)?,
            None => None,
        };
        parts.push(match spelled {
            Some(terms) if !terms.is_empty() => format!(
                "({})",
                terms
                    .iter()
                    .map(|term| quoted(term))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            ),
            _ => format!("{}*", quoted(word)),
        });
    }
    // FTS5 takes juxtaposition for AND between words but not before a parenthesis.
    Ok(parts.join(" AND "))
}

/// How long spelled-out prefixes are kept at most: writes that this service commits make it
/// forget them at once, writes by another process (`seed-demo` beside a running service)
/// after this long.
const VOCABULARY_KEPT: Duration = Duration::from_secs(5);
/// At most this many prefixes are kept; then they are forgotten and gathered again.
const VOCABULARY_PREFIXES: usize = 4096;

/// The prefixes that searches spelled out, kept until the service's next committed write.
///
/// The vocabulary table reads a word's every match to count them, so looking a prefix up
/// costs as much as FTS5's own prefix merge (at a million reflections, most of a search's
/// time); while nothing is written, the answer stays the same. One per database.
#[derive(Default)]
pub struct Vocabulary {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    /// The writer's commit count these were read at.
    commits: u64,
    since: Option<Instant>,
    prefixes: HashMap<String, Option<Vec<String>>>,
}

impl Vocabulary {
    /// The vocabulary as a read sees it that begins after the writer's `commits`-th commit
    /// (read the count before the read's transaction begins).
    pub fn as_of(&self, commits: u64) -> VocabularyAsOf<'_> {
        VocabularyAsOf {
            vocabulary: self,
            commits,
        }
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// [`Vocabulary`] for one read.
pub struct VocabularyAsOf<'a> {
    vocabulary: &'a Vocabulary,
    commits: u64,
}

impl VocabularyAsOf<'_> {
    /// [`covered_words`], remembered for as long as no write is committed.
    fn covered_words(
        &self,
        conn: &mut DbConn,
        prefix: &str,
    ) -> diesel::QueryResult<Option<Vec<String>>> {
        {
            let mut kept = self.vocabulary.kept();
            let stale = kept
                .since
                .is_none_or(|since| since.elapsed() > VOCABULARY_KEPT);
            if self.commits > kept.commits || stale {
                *kept = Kept {
                    commits: self.commits.max(kept.commits),
                    since: Some(Instant::now()),
                    prefixes: HashMap::new(),
                };
            }
            if kept.commits == self.commits {
                if let Some(words) = kept.prefixes.get(prefix) {
                    return Ok(words.clone());
                }
            }
        }
        let words = covered_words(conn, prefix)?;
        let mut kept = self.vocabulary.kept();
        if kept.commits == self.commits {
            if kept.prefixes.len() >= VOCABULARY_PREFIXES {
                kept.prefixes.clear();
            }
            kept.prefixes.insert(prefix.to_owned(), words.clone());
        }
        Ok(words)
    }
}

/// The indexed words that start with `prefix` (lowercase ASCII), or `None` when there are more
/// than [`SPELLED_OUT_MAX`].
fn covered_words(conn: &mut DbConn, prefix: &str) -> diesel::QueryResult<Option<Vec<String>>> {
    // Every word that starts with `prefix` sorts from `prefix` up to, not including, `prefix`
    // with its last character raised by one (`rol` .. `rom`).
    let mut end = prefix.as_bytes().to_vec();
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    let end = String::from_utf8(end).unwrap_or_default();
    let terms: Vec<Term> = diesel::sql_query(
        "SELECT term FROM reflections_fts_vocab WHERE term >= ? AND term < ? LIMIT ?",
    )
    .bind::<Text, _>(prefix)
    .bind::<Text, _>(end)
    .bind::<BigInt, _>(SPELLED_OUT_MAX + 1)
    .load(conn)?;
    Ok(
        (terms.len() <= usize::try_from(SPELLED_OUT_MAX).unwrap_or(usize::MAX))
            .then(|| terms.into_iter().map(|t| t.term).collect()),
    )
}

/// `word` as an FTS5 string: in double quotes, any double quote doubled.
fn quoted(word: &str) -> String {
    format!("\"{}\"", word.replace('"', "\"\""))
}

#[derive(diesel::QueryableByName)]
struct Match {
    #[diesel(sql_type = BigInt)]
    seq: i64,
}

/// SQLite: the `seq` of the newest `limit` reflections (newest first) below `below` whose
/// title, body or tags match `expression` (from [`fts5_expression`]). FTS5 reads its index
/// in descending rowid order and stops after `limit`, so the cost follows `limit` and the
/// matches below `below`, not the size of the log.
pub fn newest_matches(
    conn: &mut DbConn,
    expression: &str,
    below: Option<i64>,
    limit: i64,
) -> diesel::QueryResult<Vec<i64>> {
    let found: Vec<Match> = diesel::sql_query(
        "SELECT rowid AS seq FROM reflections_fts \
         WHERE reflections_fts MATCH ? AND rowid < ? ORDER BY rowid DESC LIMIT ?",
    )
    .bind::<Text, _>(expression)
    .bind::<BigInt, _>(below.unwrap_or(i64::MAX))
    .bind::<BigInt, _>(limit)
    .load(conn)?;
    Ok(found.into_iter().map(|m| m.seq).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_quoted_prefix_terms() {
        assert_eq!(
            match_expression("Puber in huis").as_deref(),
            Some(r#""Puber"* "in"* "huis"*"#)
        );
        assert_eq!(
            match_expression("één coördinatie").as_deref(),
            Some(r#""één"* "coördinatie"*"#)
        );
    }

    #[test]
    fn tsquery_terms_are_prefixes_all_required() {
        assert_eq!(
            tsquery_expression(&words("één (coördinatie) AND")),
            "één:* & coördinatie:* & AND:*"
        );
    }

    #[test]
    fn syntax_is_only_a_separator() {
        assert_eq!(
            match_expression(r#"wijk" AND (team* NEAR/3 -"x"#).as_deref(),
            Some(r#""wijk"* "AND"* "team"* "NEAR"* "3"* "x"*"#)
        );
        assert_eq!(
            match_expression("auto's; zo'n").as_deref(),
            Some(r#""auto"* "s"* "zo"* "n"*"#)
        );
    }

    #[test]
    fn decomposed_diacritics_stay_inside_the_word() {
        assert_eq!(
            match_expression("coo\u{308}rdinatie").as_deref(),
            Some("\"coo\u{308}rdinatie\"*")
        );
    }

    #[test]
    fn text_without_words_matches_nothing_and_blank_means_no_search() {
        assert_eq!(
            Search::parse(Some("*** 🙂 \"()\"")).ok(),
            Some(Search::Nothing)
        );
        assert_eq!(Search::parse(Some("   ")).ok(), Some(Search::All));
        assert_eq!(Search::parse(None).ok(), Some(Search::All));
        assert!(Search::parse(Some(&"a".repeat(QUERY_MAX + 1))).is_err());
    }
}

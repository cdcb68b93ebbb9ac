//! Keyset pagination: opaque cursors and the `{items, next_cursor}` envelope.
//!
//! A cursor carries the sort key and id of the last item of a page; the next page starts
//! strictly after that pair. Rows inserted meanwhile therefore never shift a page: nothing is
//! skipped or repeated.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// A validated page request.
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    pub limit: i64,
    /// Where the previous page ended: `(sort key, id)`.
    pub after: Option<(K, String)>,
}

impl<K: DeserializeOwned> PageRequest<K> {
    /// From the `limit` and `cursor` query parameters: 400 for a limit outside 1–100 or a
    /// cursor that we did not make.
    pub fn parse(limit: Option<i64>, cursor: Option<&str>) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::BadRequest(format!(
                "limit must be between 1 and {MAX_LIMIT}"
            )));
        }
        let after = cursor.map(decode).transpose()?;
        Ok(Self { limit, after })
    }

    /// How many rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }
}

#[derive(Serialize, Deserialize)]
struct Cursor<K> {
    k: K,
    id: String,
}

fn decode<K: DeserializeOwned>(raw: &str) -> Result<(K, String), ApiError> {
    let bad = || ApiError::BadRequest("cursor is malformed; use next_cursor as given".into());
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
    let cursor: Cursor<K> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    Ok((cursor.k, cursor.id))
}

fn encode<K: Serialize>(key: K, id: String) -> String {
    // Serializing a plain key and a string cannot fail.
    let json = serde_json::to_vec(&Cursor { k: key, id }).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

/// Cuts the `fetch()` rows down to one page and makes the cursor for the next, if any.
pub fn finish<T, K: Serialize>(
    mut rows: Vec<T>,
    page: &PageRequest<impl Sized>,
    key: impl Fn(&T) -> (K, String),
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let next = rows.last().map(|last| {
        let (k, id) = key(last);
        encode(k, id)
    });
    (rows, next)
}

/// Declares a page type for a list endpoint: `page_of!(SessionPage, SessionResponse)`.
#[macro_export]
macro_rules! page_of {
    ($name:ident, $item:ty) => {
        #[doc = concat!("One page of ", stringify!($item), " items.")]
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; null on the last page.
            pub next_cursor: Option<String>,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_bounds() {
        assert!(PageRequest::<String>::parse(Some(0), None).is_err());
        assert!(PageRequest::<String>::parse(Some(101), None).is_err());
        assert_eq!(
            PageRequest::<String>::parse(None, None)
                .ok()
                .map(|p| p.limit),
            Some(20)
        );
    }

    #[test]
    fn cursor_round_trip() {
        let page = PageRequest::<String> {
            limit: 2,
            after: None,
        };
        let rows = vec![("a", "1"), ("b", "2"), ("c", "3")];
        let (rows, next) = finish(rows, &page, |r| (r.0.to_owned(), r.1.to_owned()));
        assert_eq!(rows.len(), 2);
        let next = next.expect("a next cursor");
        let parsed = PageRequest::<String>::parse(Some(2), Some(&next)).expect("valid cursor");
        assert_eq!(parsed.after, Some(("b".to_owned(), "2".to_owned())));
    }

    #[test]
    fn garbage_cursor_is_bad_request() {
        assert!(matches!(
            PageRequest::<String>::parse(None, Some("not a cursor!")),
            Err(ApiError::BadRequest(_))
        ));
        let wrong_shape = URL_SAFE_NO_PAD.encode(b"[1,2]");
        assert!(PageRequest::<String>::parse(None, Some(&wrong_shape)).is_err());
    }

    #[test]
    fn last_page_has_no_cursor() {
        let page = PageRequest::<String> {
            limit: 5,
            after: None,
        };
        let (_, next) = finish(vec![1, 2], &page, |r| (r.to_string(), r.to_string()));
        assert!(next.is_none());
    }
}

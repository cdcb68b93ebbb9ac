//! Keyset pagination: opaque cursors and the `{items, next_cursor}` envelope.
//!
//! A cursor carries the sort key and id of the last item of a page; the next page starts
//! strictly after that pair. Rows inserted meanwhile therefore never shift a page: nothing is
//! skipped or repeated.
//!
//! Cursors are `<key as hex>.<id as 32 hex digits>`. The format is opaque to clients, but it is
//! chosen so that the pattern the spec documents for `cursor` admits only strings we can read:
//! a string matching it is always a valid position, and anything else is a 400.

use chrono::{DateTime, NaiveDateTime};
use uuid::Uuid;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// A sort key that can stand in a cursor.
pub trait CursorKey: Sized {
    fn to_hex(&self) -> String;
    /// `None` when `hex` is not of this key's form.
    fn from_hex(hex: &str) -> Option<Self>;
}

impl CursorKey for i64 {
    fn to_hex(&self) -> String {
        format!("{:016x}", u64::from_ne_bytes(self.to_ne_bytes()))
    }
    fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 16 || !is_lower_hex(hex) {
            return None;
        }
        let bits = u64::from_str_radix(hex, 16).ok()?;
        Some(i64::from_ne_bytes(bits.to_ne_bytes()))
    }
}

impl CursorKey for NaiveDateTime {
    fn to_hex(&self) -> String {
        self.and_utc().timestamp_micros().to_hex()
    }
    fn from_hex(hex: &str) -> Option<Self> {
        let micros = i64::from_hex(hex)?;
        // Every 16-digit key is a position: far-off instants clamp to the ends of time.
        Some(match DateTime::from_timestamp_micros(micros) {
            Some(at) => at.naive_utc(),
            None if micros < 0 => NaiveDateTime::MIN,
            None => NaiveDateTime::MAX,
        })
    }
}

impl CursorKey for String {
    fn to_hex(&self) -> String {
        self.bytes().map(|b| format!("{b:02x}")).collect()
    }
    fn from_hex(hex: &str) -> Option<Self> {
        if !hex.len().is_multiple_of(2) || !is_lower_hex(hex) {
            return None;
        }
        let bytes: Option<Vec<u8>> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
            .collect();
        // Bytes that are not UTF-8 still name a position in the order.
        Some(String::from_utf8_lossy(&bytes?).into_owned())
    }
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A validated page request.
#[derive(Debug, Clone)]
pub struct PageRequest<K> {
    pub limit: i64,
    /// Where the previous page ended: `(sort key, id)`, the id hyphenated as stored.
    pub after: Option<(K, String)>,
}

impl<K: CursorKey> PageRequest<K> {
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

fn decode<K: CursorKey>(raw: &str) -> Result<(K, String), ApiError> {
    let bad = || ApiError::BadRequest("cursor is malformed; use next_cursor as given".into());
    let (key, id) = raw.rsplit_once('.').ok_or_else(bad)?;
    if id.len() != 32 || !is_lower_hex(id) {
        return Err(bad());
    }
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    let key = K::from_hex(key).ok_or_else(bad)?;
    Ok((key, id.hyphenated().to_string()))
}

fn encode<K: CursorKey>(key: &K, id: &str) -> String {
    // Every listed id is a UUID; the nil fallback only keeps a broken invariant from panicking.
    let id = Uuid::parse_str(id).unwrap_or_default();
    format!("{}.{}", key.to_hex(), id.simple())
}

/// Cuts the `fetch()` rows down to one page and makes the cursor for the next, if any.
pub fn finish<T, K: CursorKey>(
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
        encode(&k, &id)
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

    const ID: &str = "5f0c6a8e-2b7d-4a8e-9a57-3c1f0f6b9e21";

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
        let rows = vec![("Anne", ID), ("Bram", ID), ("Celine", ID)];
        let (rows, next) = finish(rows, &page, |r| (r.0.to_owned(), r.1.to_owned()));
        assert_eq!(rows.len(), 2);
        let next = next.expect("a next cursor");
        let parsed = PageRequest::<String>::parse(Some(2), Some(&next)).expect("valid cursor");
        assert_eq!(parsed.after, Some(("Bram".to_owned(), ID.to_owned())));
    }

    #[test]
    fn time_keys_round_trip_and_clamp() {
        let at = DateTime::from_timestamp_micros(1_780_000_000_123_456)
            .expect("time")
            .naive_utc();
        assert_eq!(NaiveDateTime::from_hex(&at.to_hex()), Some(at));
        assert_eq!(
            NaiveDateTime::from_hex("7fffffffffffffff"),
            Some(NaiveDateTime::MAX)
        );
        assert_eq!(NaiveDateTime::from_hex("abc"), None);
    }

    #[test]
    fn garbage_cursor_is_bad_request() {
        for raw in [
            "not a cursor!",
            "zz.5f0c6a8e2b7d4a8e9a573c1f0f6b9e21",
            "ab.123",
            "abc",
        ] {
            assert!(
                matches!(
                    PageRequest::<String>::parse(None, Some(raw)),
                    Err(ApiError::BadRequest(_))
                ),
                "{raw}"
            );
        }
        assert!(PageRequest::<NaiveDateTime>::parse(
            None,
            Some("ab.5f0c6a8e2b7d4a8e9a573c1f0f6b9e21")
        )
        .is_err());
        assert!(PageRequest::<String>::parse(None, Some("")).is_err());
    }

    #[test]
    fn last_page_has_no_cursor() {
        let page = PageRequest::<String> {
            limit: 5,
            after: None,
        };
        let (_, next) = finish(vec![1, 2], &page, |_| (String::new(), ID.to_owned()));
        assert!(next.is_none());
    }
}

//! Logins, refresh-token rotation and login throttling.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::secret;
use crate::db::{now, DbConn};
use crate::error::ApiError;
use crate::members::types::{MemberId, Role};
use crate::schema::{login_failures, logins, members, refresh_tokens};

/// How long a refresh token may wait before it is used.
pub const REFRESH_TOKEN_DAYS: i64 = 30;

/// Starts a login for `member` and returns its first refresh token.
pub fn start_login(conn: &mut DbConn, member: MemberId) -> Result<String, ApiError> {
    let login_id = uuid::Uuid::new_v4().to_string();
    let at = now();
    diesel::insert_into(logins::table)
        .values((
            logins::id.eq(&login_id),
            logins::member_id.eq(member),
            logins::created_at.eq(at),
        ))
        .execute(conn)?;
    issue_refresh_token(conn, &login_id, at)
}

fn issue_refresh_token(
    conn: &mut DbConn,
    login_id: &str,
    at: NaiveDateTime,
) -> Result<String, ApiError> {
    let (plain, hash) = secret::generate();
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::token_hash.eq(hash),
            refresh_tokens::login_id.eq(login_id),
            refresh_tokens::created_at.eq(at),
            refresh_tokens::expires_at.eq(at + Duration::days(REFRESH_TOKEN_DAYS)),
        ))
        .execute(conn)?;
    Ok(plain)
}

/// What presenting a refresh token led to.
pub enum Rotation {
    /// A fresh refresh token for the member; the presented one is spent.
    Rotated {
        member: MemberId,
        refresh_token: String,
    },
    /// Unknown, expired or from a revoked login.
    Invalid,
    /// Already rotated: treated as theft, the whole login is now revoked.
    Reused,
}

/// A refresh token with its login: (login id, login revoked at, expires at, member, rotated at).
type TokenState = (
    String,
    Option<NaiveDateTime>,
    NaiveDateTime,
    MemberId,
    Option<NaiveDateTime>,
);

/// Exchanges `presented` for a new token. Run in a write transaction; on reuse the revocation
/// is part of the (committed) outcome, not an error that would roll it back.
pub fn rotate(conn: &mut DbConn, presented: &str) -> Result<Rotation, ApiError> {
    let hash = secret::digest(presented);
    let found: Option<TokenState> = refresh_tokens::table
        .inner_join(logins::table)
        .filter(refresh_tokens::token_hash.eq(&hash))
        .select((
            logins::id,
            logins::revoked_at,
            refresh_tokens::expires_at,
            logins::member_id,
            refresh_tokens::rotated_at,
        ))
        .first(conn)
        .optional()?;
    let Some((login_id, revoked_at, expires_at, member, rotated_at)) = found else {
        return Ok(Rotation::Invalid);
    };
    let at = now();
    if rotated_at.is_some() {
        revoke_login(conn, &login_id)?;
        tracing::warn!(%member, "refresh token reused; login revoked");
        return Ok(Rotation::Reused);
    }
    if revoked_at.is_some() || expires_at <= at {
        return Ok(Rotation::Invalid);
    }
    diesel::update(refresh_tokens::table.find(&hash))
        .set(refresh_tokens::rotated_at.eq(at))
        .execute(conn)?;
    let refresh_token = issue_refresh_token(conn, &login_id, at)?;
    Ok(Rotation::Rotated {
        member,
        refresh_token,
    })
}

/// Ends the login that `presented` belongs to; unknown tokens are ignored.
pub fn logout(conn: &mut DbConn, presented: &str) -> Result<(), ApiError> {
    let login: Option<String> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(secret::digest(presented)))
        .select(refresh_tokens::login_id)
        .first(conn)
        .optional()?;
    if let Some(login_id) = login {
        revoke_login(conn, &login_id)?;
    }
    Ok(())
}

fn revoke_login(conn: &mut DbConn, login_id: &str) -> Result<(), ApiError> {
    diesel::update(
        logins::table
            .find(login_id)
            .filter(logins::revoked_at.is_null()),
    )
    .set(logins::revoked_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// Revokes every login of `member` (password change, deactivation, erasure).
pub fn revoke_all_logins(conn: &mut DbConn, member: MemberId) -> Result<(), ApiError> {
    diesel::update(
        logins::table
            .filter(logins::member_id.eq(member))
            .filter(logins::revoked_at.is_null()),
    )
    .set(logins::revoked_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// Seconds until `email` may try again, or `None` when it is not locked out: locked once
/// `threshold` failures lie within the last `window` seconds, until enough of them age out.
pub fn lockout(
    conn: &mut DbConn,
    email: &str,
    threshold: u32,
    window: i64,
) -> Result<Option<u64>, ApiError> {
    let at = now();
    let failures: Vec<NaiveDateTime> = login_failures::table
        .filter(login_failures::email.eq(email))
        .filter(login_failures::failed_at.gt(at - Duration::seconds(window)))
        .select(login_failures::failed_at)
        .order(login_failures::failed_at.desc())
        .load(conn)?;
    Ok(retry_after(&failures, threshold, window, at))
}

/// With failures newest first: the lockout lasts until the `threshold`-th newest one leaves
/// the window.
fn retry_after(
    newest_first: &[NaiveDateTime],
    threshold: u32,
    window: i64,
    at: NaiveDateTime,
) -> Option<u64> {
    let index = usize::try_from(threshold).ok()?.checked_sub(1)?;
    let pivot = newest_first.get(index)?;
    let free_at = *pivot + Duration::seconds(window);
    let seconds = ((free_at - at).num_milliseconds().max(0) + 999) / 1000;
    let seconds = seconds.max(1);
    u64::try_from(seconds).ok()
}

/// Records a failed login and forgets this email's failures that left the window.
pub fn record_failure(conn: &mut DbConn, email: &str, window: i64) -> Result<(), ApiError> {
    let at = now();
    diesel::delete(
        login_failures::table
            .filter(login_failures::email.eq(email))
            .filter(login_failures::failed_at.le(at - Duration::seconds(window))),
    )
    .execute(conn)?;
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::email.eq(email),
            login_failures::failed_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A successful login starts the count afresh.
pub fn clear_failures(conn: &mut DbConn, email: &str) -> Result<(), ApiError> {
    diesel::delete(login_failures::table.filter(login_failures::email.eq(email))).execute(conn)?;
    Ok(())
}

/// The role of `member` if they may use the service now (active, not erased); read on every
/// authenticated request, so it reads the one column it needs.
pub fn active_role(conn: &mut DbConn, member: MemberId) -> Result<Option<Role>, ApiError> {
    Ok(members::table
        .find(member)
        .filter(members::active.eq(true))
        .filter(members::erased_at.is_null())
        .select(members::role)
        .first(conn)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + seconds, 0)
            .expect("timestamp")
            .naive_utc()
    }

    #[test]
    fn not_locked_below_threshold() {
        let failures = [at(50), at(40), at(30), at(20)];
        assert_eq!(retry_after(&failures, 5, 900, at(60)), None);
    }

    #[test]
    fn locked_until_the_fifth_newest_failure_ages_out() {
        let failures = [at(50), at(40), at(30), at(20), at(10)];
        assert_eq!(retry_after(&failures, 5, 900, at(60)), Some(850));
    }

    #[test]
    fn zero_threshold_never_locks() {
        assert_eq!(retry_after(&[at(1)], 0, 900, at(2)), None);
    }
}

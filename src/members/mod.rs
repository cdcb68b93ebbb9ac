//! Members: the directory, profiles (`/me`), admin role changes and (de)activation.

pub mod model;
pub mod queries;
pub mod routes;
pub mod types;

/// Emails are compared and stored trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Why `email` (already normalized) is not a usable address, if it is not.
pub fn email_problem(email: &str) -> Option<&'static str> {
    let valid = email.chars().count() <= types::EMAIL_MAX
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    (!valid).then_some("must be an email address like name@example.org")
}

/// Creates an admin from the command line (the only way to make the first one). Refuses an
/// invalid or taken email and a password outside the length rules, with a clear message.
pub fn create_admin(
    pool: &crate::db::DbPool,
    email: &str,
    display_name: &str,
    password: &crate::config::Secret,
) -> anyhow::Result<types::MemberId> {
    use anyhow::Context;

    let email = normalize_email(email);
    if let Some(problem) = email_problem(&email) {
        anyhow::bail!("--email {problem}");
    }
    let name = display_name.trim();
    if name.is_empty() || name.chars().count() > types::DISPLAY_NAME_MAX {
        anyhow::bail!(
            "--display-name must be 1 to {} characters",
            types::DISPLAY_NAME_MAX
        );
    }
    if let Some(problem) = crate::auth::password::length_problem(password.expose()) {
        anyhow::bail!("the password {problem}");
    }
    let hash = crate::auth::password::hash_blocking(password)?;
    let mut conn = pool.get().context("connect to the database")?;
    let id = types::MemberId::new();
    let at = crate::db::now();
    crate::db::write_now(&mut conn, |conn| {
        if queries::email_taken(conn, &email)? {
            return Err(crate::error::ApiError::Conflict(format!(
                "an account with {email} exists already"
            )));
        }
        queries::insert(
            conn,
            &model::NewMember {
                id,
                email: &email,
                display_name: name,
                member_kind: types::MemberKind::Executive,
                role: types::Role::Admin,
                organization: None,
                job_title: None,
                bio: None,
                password_hash: &hash,
                active: true,
                joined_at: at,
                updated_at: at,
                version: 1,
            },
        )
    })
    .map_err(|e| match e {
        crate::error::ApiError::Conflict(message) => anyhow::anyhow!(message),
        other => anyhow::anyhow!("{other}"),
    })?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email("  Fatima@DeLinde.example "),
            "fatima@delinde.example"
        );
        assert!(email_problem("fatima@delinde.example").is_none());
        for bad in [
            "", "fatima", "@x.nl", "a@b", "a b@c.nl", "a@b@c.nl", "a@.nl", "a@nl.",
        ] {
            assert!(email_problem(bad).is_some(), "{bad}");
        }
    }
}

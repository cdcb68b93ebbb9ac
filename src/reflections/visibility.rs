//! Who may read which reflection: THE rule, and the only place that decides it.
//!
//! - `private`: the author alone. Admins are included out: not even moderation reads it.
//! - `facilitators`: the author, facilitators and admins.
//! - `community`: every active member (an [`AuthMember`] is active by construction).
//!
//! Every read path asks this module: get, list with each filter, search, comments (reading,
//! writing and deleting them), comment counts, and later insights and export. Nothing else in
//! the code base looks at `reflections.visibility` to decide what someone may read; a new read
//! path that does not start from [`visible_to`] or [`parts`] is a bug.
//!
//! The rule comes in two shapes built from one definition ([`parts`]):
//! - [`visible_to`]: one SQL filter, for single rows and aggregates;
//! - [`parts`]: the same set as disjoint slices, each served by one index in newest-first order.
//!   Lists query each slice and merge: SQLite answers the `OR` of [`visible_to`] by merging
//!   index lookups and then sorting every visible row, which on a large log means sorting most
//!   of the table for each page.

use crate::db::Backend;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::Bool;

use super::types::Visibility;
use crate::auth::AuthMember;
use crate::members::types::MemberId;
use crate::schema::reflections;

/// A condition on `reflections` rows.
pub type ReflectionCondition =
    Box<dyn BoxableExpression<reflections::table, Backend, SqlType = Bool>>;

/// The visibilities of *other members'* reflections that `viewer` may read; their own they may
/// always read. `private` is in no list: nobody reads someone else's private reflection.
pub fn shared_with(viewer: &AuthMember) -> &'static [Visibility] {
    if viewer.is_staff() {
        &[Visibility::Facilitators, Visibility::Community]
    } else {
        &[Visibility::Community]
    }
}

/// What insights count: what facilitators may read of other members' reflections. A private
/// reflection is never counted, not even in anonymous aggregates.
pub fn counted_in_insights() -> &'static [Visibility] {
    &[Visibility::Facilitators, Visibility::Community]
}

/// One slice of what a viewer may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Anyone's reflections with this visibility.
    Shared(Visibility),
    /// The viewer's own reflections with this visibility, one *not* in the shared list, so
    /// that the parts never overlap.
    Own {
        author: MemberId,
        visibility: Visibility,
    },
}

impl Part {
    /// The slice as a condition on `reflections`: equalities on the leading columns of an
    /// index that continues with `(created_at, id)`, so each slice is one seek, newest first.
    pub fn condition(self) -> ReflectionCondition {
        match self {
            Part::Shared(visibility) => Box::new(reflections::visibility.eq(visibility)),
            Part::Own { author, visibility } => Box::new(
                reflections::author_id
                    .eq(author)
                    .and(reflections::visibility.eq(visibility)),
            ),
        }
    }
}

/// Everything `viewer` may read, as disjoint slices: one per shared visibility (a single value
/// each, because `visibility IN (a, b)` makes SQLite sort), and one per visibility of their own
/// reflections that no shared slice holds.
pub fn parts(viewer: &AuthMember) -> Vec<Part> {
    let shared = shared_with(viewer);
    let own = Visibility::ALL
        .iter()
        .filter(|visibility| !shared.contains(visibility))
        .map(|visibility| Part::Own {
            author: viewer.id,
            visibility: *visibility,
        });
    shared
        .iter()
        .map(|visibility| Part::Shared(*visibility))
        .chain(own)
        .collect()
}

/// Everything `viewer` may read, as one condition on `reflections`: the `OR` of [`parts`].
pub fn visible_to(viewer: &AuthMember) -> ReflectionCondition {
    let mut parts = parts(viewer).into_iter().map(Part::condition);
    let first = parts
        .next()
        .unwrap_or_else(|| Box::new(diesel::dsl::sql::<Bool>("FALSE")));
    parts.fold(first, |visible, part| Box::new(visible.or(part)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::members::types::Role;

    fn viewer(role: Role) -> AuthMember {
        AuthMember {
            id: MemberId::new(),
            role,
        }
    }

    #[test]
    fn nobody_else_reads_private_reflections() {
        for role in Role::ALL {
            assert!(!shared_with(&viewer(*role)).contains(&Visibility::Private));
        }
    }

    #[test]
    fn staff_read_facilitators_reflections_members_do_not() {
        let member = shared_with(&viewer(Role::Member));
        assert_eq!(member, [Visibility::Community]);
        for role in [Role::Facilitator, Role::Admin] {
            assert_eq!(
                shared_with(&viewer(role)),
                [Visibility::Facilitators, Visibility::Community]
            );
        }
    }

    #[test]
    fn parts_cover_every_visibility_exactly_once() {
        for role in Role::ALL {
            let me = viewer(*role);
            let parts = parts(&me);
            for visibility in Visibility::ALL {
                let shared = parts.contains(&Part::Shared(*visibility));
                let own = parts.contains(&Part::Own {
                    author: me.id,
                    visibility: *visibility,
                });
                assert!(shared != own, "{role} {visibility}");
                assert_eq!(shared, shared_with(&me).contains(visibility));
            }
            assert_eq!(parts.len(), Visibility::ALL.len(), "{role}: {parts:?}");
        }
    }
}

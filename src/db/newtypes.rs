//! Id newtypes and closed-set enums, stored as TEXT. One macro each, so every id and every enum
//! of the contract has exactly one serde, OpenAPI and diesel mapping (for SQLite, PostgreSQL and
//! the multi-backend connection alike).

/// Declares a UUID id newtype stored as TEXT: `uuid_id!(MemberId, "A member's id.")`.
///
/// New ids are random (version 4), or with `time_ordered` version 7: a millisecond timestamp,
/// then random bits. Time-ordered ids land at the end of their unique index instead of on a
/// random page of it, so each insert dirties one page there instead of one per insert (a fifth
/// of the log pages W1 wrote; W1 +7-12 %). They reveal when the row was made, so only rows
/// whose creation time everyone who sees the id may see anyway take them (reflections and
/// comments carry `created_at`); a member's id does not tell when they joined.
#[macro_export]
macro_rules! uuid_id {
    ($name:ident, $doc:literal) => {
        $crate::uuid_id!(@define $name, $doc, new_v4);
    };
    ($name:ident, $doc:literal, time_ordered) => {
        $crate::uuid_id!(@define $name, $doc, now_v7);
    };
    (@define $name:ident, $doc:literal, $make:ident) => {
        #[doc = $doc]
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            serde::Serialize,
            serde::Deserialize,
            diesel::expression::AsExpression,
            diesel::deserialize::FromSqlRow,
            utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(uuid::Uuid::$make())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }

        $crate::text_sql!(
            $name,
            |id: &$name| id.0.hyphenated().to_string(),
            |text: String| { text.parse::<uuid::Uuid>().map($name).map_err(Into::into) }
        );
    };
}

/// Declares a closed set stored as TEXT under a CHECK, serialized in snake_case:
/// `text_enum!(Role, "…", { Member => "member", Admin => "admin" })`.
#[macro_export]
macro_rules! text_enum {
    ($name:ident, $doc:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[doc = $doc]
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            serde::Serialize,
            serde::Deserialize,
            diesel::expression::AsExpression,
            diesel::deserialize::FromSqlRow,
        )]
        #[diesel(sql_type = diesel::sql_types::Text)]
        pub enum $name {
            $(
                #[serde(rename = $text)]
                $variant,
            )+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        // Written by hand rather than derived: the derive cannot see `rename`s that arrive
        // through a macro, and would document the Rust variant names.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some([$($text),+]))
                    .description(Some($doc))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown value {other:?}; expected one of: {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        $crate::text_sql!($name, |v: &$name| v.as_str().to_owned(), |text: String| {
            text.parse::<$name>().map_err(Into::into)
        });
    };
}

/// Maps a type to TEXT on every backend of [`crate::db::DbConn`]: `to_text` renders it,
/// `from_text` reads it back.
#[macro_export]
macro_rules! text_sql {
    ($name:ident, $to_text:expr, $from_text:expr) => {
        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::sqlite::Sqlite>,
            ) -> diesel::serialize::Result {
                let to_text: fn(&$name) -> String = $to_text;
                out.set_value(to_text(self));
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
            ) -> diesel::serialize::Result {
                use std::io::Write;
                let to_text: fn(&$name) -> String = $to_text;
                out.write_all(to_text(self).as_bytes())?;
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::serialize::ToSql<diesel::sql_types::Text, $crate::db::Backend> for $name {
            fn to_sql<'b>(
                &'b self,
                out: &mut diesel::serialize::Output<'b, '_, $crate::db::Backend>,
            ) -> diesel::serialize::Result {
                out.set_value((diesel::sql_types::Text, self));
                Ok(diesel::serialize::IsNull::No)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::sqlite::Sqlite>
            for $name
        {
            fn from_sql(
                value: diesel::sqlite::SqliteValue<'_, '_, '_>,
            ) -> diesel::deserialize::Result<Self> {
                let from_text: fn(String) -> diesel::deserialize::Result<$name> = $from_text;
                from_text(<String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::sqlite::Sqlite,
                >>::from_sql(value)?)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for $name {
            fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
                let from_text: fn(String) -> diesel::deserialize::Result<$name> = $from_text;
                from_text(<String as diesel::deserialize::FromSql<
                    diesel::sql_types::Text,
                    diesel::pg::Pg,
                >>::from_sql(value)?)
            }
        }

        impl diesel::deserialize::FromSql<diesel::sql_types::Text, $crate::db::Backend> for $name {
            fn from_sql(
                value: <$crate::db::Backend as diesel::backend::Backend>::RawValue<'_>,
            ) -> diesel::deserialize::Result<Self> {
                value.from_sql::<$name, diesel::sql_types::Text>()
            }
        }
    };
}

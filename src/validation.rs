//! Collecting field errors while turning a request body into a domain value, so one 422 names
//! every invalid field.

use crate::error::{ApiError, FieldError};

#[derive(Debug, Default)]
pub struct Errors(Vec<FieldError>);

impl Errors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Records `message` for `field` unless `ok`.
    pub fn check(&mut self, ok: bool, field: impl Into<String>, message: impl Into<String>) {
        if !ok {
            self.add(field, message);
        }
    }

    /// Checks that `value` is `min..=max` characters long (Unicode scalar values, as JSON Schema
    /// counts) and, when required (`min` ≥ 1), not blank. The value is kept as written, so what
    /// the spec documents (`minLength`, `maxLength`, `pattern: \S`) is exactly what is checked.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize) -> String {
        let len = value.chars().count();
        if len < min || len > max {
            self.add(field, length_message(min, max));
        } else if min > 0 && value.trim().is_empty() {
            self.add(field, "must not be blank");
        }
        value.to_owned()
    }

    /// Like [`Errors::text`] for an optional field; an empty or blank string becomes `None`.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        let value = value?;
        if value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        (!value.trim().is_empty()).then(|| value.to_owned())
    }

    /// `Ok(value)` when nothing was recorded, else the 422 naming every field.
    pub fn finish<T>(self, value: T) -> Result<T, ApiError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

fn length_message(min: usize, max: usize) -> String {
    if min == 0 {
        format!("must be at most {max} characters")
    } else {
        format!("must be {min} to {max} characters")
    }
}

/// Declares a documentation-only schema for text items of a list (tags, organization names):
/// JSON Schema's length and non-blank rules, which a `Vec<String>` field cannot carry itself.
/// Use it as `#[schema(value_type = Vec<Name>)]`.
#[macro_export]
macro_rules! text_item_schema {
    ($name:ident, $doc:literal, $min:literal, $max:literal, $example:literal) => {
        #[doc = $doc]
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .min_length(Some($min))
                    .max_length(Some($max))
                    .pattern(Some(r"\S"))
                    .description(Some($doc))
                    .examples([$example])
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_counts_characters_not_bytes() {
        let mut errors = Errors::new();
        let value = errors.text("title", "één coördinatie", 1, 15);
        assert_eq!(value, "één coördinatie");
        assert!(errors.finish(()).is_ok());
    }

    #[test]
    fn blank_required_text_is_refused() {
        let mut errors = Errors::new();
        errors.text("title", "   ", 1, 15);
        assert!(errors.finish(()).is_err());
    }

    #[test]
    fn finish_reports_every_error() {
        let mut errors = Errors::new();
        errors.text("title", "", 1, 200);
        errors.check(false, "tags", "at most 10 tags");
        match errors.finish(()) {
            Err(ApiError::Validation(list)) => assert_eq!(list.len(), 2),
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// Serde helper for PATCH fields where absent, `null` and a value mean three different things:
/// with `#[serde(default, with = "crate::validation::patch")]` on an `Option<Option<T>>`,
/// absent is `None`, `null` is `Some(None)` and a value is `Some(Some(v))`.
pub mod patch {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }

    pub fn serialize<T, S>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
    where
        T: Serialize,
        S: Serializer,
    {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }
}

//! Reflections (reflectielogboek) and their comments: ids and bodies.

use crate::uuid_id;

uuid_id!(ReflectionId, "A reflection's id.");
uuid_id!(CommentId, "A comment's id.");

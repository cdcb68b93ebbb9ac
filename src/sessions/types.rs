//! Sessions (bijeenkomsten): ids and bodies.

use crate::uuid_id;

uuid_id!(SessionId, "A session's id.");

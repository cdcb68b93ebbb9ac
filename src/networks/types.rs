//! Networks (organisatienetwerken): ids and bodies.

use crate::uuid_id;

uuid_id!(NetworkId, "A network's id.");

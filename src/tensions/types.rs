//! The tension vocabulary.

use serde::Serialize;
use utoipa::ToSchema;

use crate::{page_of, text_enum};

text_enum!(Tension, "One of the three recurring tensions of organisatienetwerken.", {
    Identity => "identity",
    Autonomy => "autonomy",
    Legitimacy => "legitimacy",
});

/// A tension with its Dutch and English names and what it means.
#[derive(Debug, Serialize, ToSchema)]
pub struct TensionInfo {
    pub code: Tension,
    #[schema(example = "Puber in huis")]
    pub label_nl: &'static str,
    #[schema(example = "A teenager in the house")]
    pub label_en: &'static str,
    pub description: &'static str,
}

page_of!(TensionPage, TensionInfo);

impl Tension {
    /// The vocabulary entry, in the words of the article the domain comes from.
    pub fn info(self) -> TensionInfo {
        let (label_nl, label_en, description) = match self {
            Tension::Identity => (
                "Puber in huis",
                "A teenager in the house",
                "The network grows an identity of its own: it wants everything different, \
                 colours outside the lines and holds up a mirror to the member organizations' \
                 ways of working, questioning the very organizations that build it.",
            ),
            Tension::Autonomy => (
                "Autonomie afstaan",
                "Giving up autonomy",
                "Joining means giving up autonomy: the network may decide who lives in your \
                 homes, where your staff work and how the neighbourhood is managed, where your \
                 own policy used to decide.",
            ),
            Tension::Legitimacy => (
                "Legitimatie",
                "Legitimacy",
                "Who owns the societal task, and who accounts for the whole and for the pooled \
                 public money? A network needs formal and moral legitimacy, yet mostly borrows \
                 it piecemeal from its member organizations.",
            ),
        };
        TensionInfo {
            code: self,
            label_nl,
            label_en,
            description,
        }
    }
}

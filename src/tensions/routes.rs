//! `GET /tensions`.

use actix_web::{get, HttpResponse};

use super::types::{Tension, TensionPage};

/// The tension vocabulary, in its fixed order: identity, autonomy, legitimacy.
#[utoipa::path(
    tag = "insights",
    responses((status = 200, body = TensionPage))
)]
#[get("/tensions")]
pub async fn list_tensions() -> HttpResponse {
    HttpResponse::Ok().json(TensionPage {
        items: Tension::ALL.iter().map(|t| t.info()).collect(),
        next_cursor: None,
    })
}

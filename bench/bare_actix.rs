//! The baseline for the mock's throughput: a bare actix-web handler that answers every request
//! with the same fixed 200 JSON body the mock sends, with the same worker count. With
//! `validate` it also does what a hand-written backend that checks its input does: parse the
//! body and validate it against the seed's request schema (`schemas/request.schema.json`),
//! answering 400 when it does not conform. Either way nothing else: no routing, auth, state,
//! journal or logs.
//!
//! cargo run --release --example bare_actix -- PORT WORKERS [validate]

use std::sync::Arc;

use actix_web::{App, HttpResponse, HttpServer, web};

const BODY: &str = r#"{"success":true,"message":"Primary MFA method updated"}"#;
const REQUEST_SCHEMA: &str = include_str!("../schemas/request.schema.json");

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(4020);
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or(2);
    let validator = match args.next().as_deref() {
        Some("validate") => {
            let schema: serde_json::Value =
                serde_json::from_str(REQUEST_SCHEMA).expect("the seed's request schema is JSON");
            Some(Arc::new(
                jsonschema::validator_for(&schema).expect("the seed's request schema compiles"),
            ))
        }
        _ => None,
    };
    HttpServer::new(move || {
        let validator = validator.clone();
        // The body is taken so the connection stays alive: a handler that leaves it unread
        // makes actix close the connection after every answer.
        App::new().default_service(web::to(move |body: web::Bytes| {
            let validator = validator.clone();
            async move {
                if let Some(validator) = validator {
                    let valid = serde_json::from_slice::<serde_json::Value>(&body)
                        .is_ok_and(|value| validator.is_valid(&value));
                    if !valid {
                        return HttpResponse::BadRequest()
                            .content_type("application/json")
                            .body(r#"{"error":"invalid body"}"#);
                    }
                }
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(BODY)
            }
        }))
    })
    .workers(workers)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}

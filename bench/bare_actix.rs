//! The baseline for the mock's throughput: a bare actix-web handler that answers every request
//! with the same fixed 200 JSON body the mock sends, with the same worker count, and nothing
//! else (no routing, auth, validation, state, journal or logs).
//!
//! cargo run --release --example bare_actix -- PORT WORKERS

use actix_web::{App, HttpResponse, HttpServer, web};

const BODY: &str = r#"{"success":true,"message":"Primary MFA method updated"}"#;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(4020);
    let workers: usize = args.next().and_then(|w| w.parse().ok()).unwrap_or(2);
    HttpServer::new(|| {
        // The body is taken (and ignored) so the connection stays alive: a handler that leaves
        // it unread makes actix close the connection after every answer.
        App::new().default_service(web::to(|_body: web::Bytes| async {
            HttpResponse::Ok()
                .content_type("application/json")
                .body(BODY)
        }))
    })
    .workers(workers)
    .bind(("127.0.0.1", port))?
    .run()
    .await
}

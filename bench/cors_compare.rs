//! The mock's CORS, side by side: the bare handler behind today's hand-written middleware
//! (`mfa_contract::mock::CorsPolicy` in a `wrap_fn`, as the mock and the proxy use it), or
//! behind `actix_cors::Cors` with `allowed_origin_fn` and the same headers. Run under callgrind
//! by `bench/callgrind.py --cors-compare`, with requests from an allowed origin.
//!
//! cargo run --release --example cors_compare -- hand|actix-cors PORT

use actix_web::dev::Service as _;
use actix_web::http::header;
use actix_web::{App, HttpResponse, HttpServer, web};
use futures_util::FutureExt as _;
use mfa_contract::mock::CorsPolicy;

const BODY: &str = r#"{"success":true,"message":"Primary MFA method updated"}"#;

async fn handler(_body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(BODY)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "hand".into());
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(4020);
    match mode.as_str() {
        "hand" => {
            HttpServer::new(|| {
                let policy = CorsPolicy::new(&[]);
                App::new()
                    .default_service(web::to(handler))
                    .wrap_fn(move |req, srv| {
                        let origin = req.headers().get(header::ORIGIN).cloned();
                        let policy = policy.clone();
                        srv.call(req).map(move |res| {
                            res.map(|mut res| {
                                policy.response_headers(origin.as_ref(), res.headers_mut());
                                res
                            })
                        })
                    })
            })
            .workers(1)
            .bind(("127.0.0.1", port))?
            .run()
            .await
        }
        "actix-cors" => {
            HttpServer::new(|| {
                let policy = CorsPolicy::new(&[]);
                let cors = actix_cors::Cors::default()
                    .allowed_origin_fn(move |origin, _| {
                        origin.to_str().is_ok_and(|o| policy.allows(o))
                    })
                    .allowed_methods(["POST"])
                    .allowed_headers(["Authorization", "Content-Type", "Prefer"])
                    .expose_headers(["WWW-Authenticate", "Allow"])
                    .max_age(600);
                App::new().wrap(cors).default_service(web::to(handler))
            })
            .workers(1)
            .bind(("127.0.0.1", port))?
            .run()
            .await
        }
        other => panic!("unknown mode {other}: hand or actix-cors"),
    }
}

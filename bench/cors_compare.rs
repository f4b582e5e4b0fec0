//! The mock's CORS, side by side: the bare handler behind the hand-written middleware the mock
//! used until issue 13 (kept here, in `hand_headers`, so the comparison can be run again), or
//! behind `actix_cors::Cors` configured as the mock configures it now
//! (`CorsPolicy::middleware`). Run under callgrind
//! by `bench/callgrind.py --cors-compare`, with requests from an allowed origin.
//!
//! cargo run --release --example cors_compare -- hand|actix-cors PORT

use actix_web::dev::Service as _;
use actix_web::http::header;
use actix_web::{App, HttpResponse, HttpServer, web};
use futures_util::FutureExt as _;
use mfa_contract::server::CorsPolicy;

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
                                hand_headers(&policy, origin.as_ref(), res.headers_mut());
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
                let cors = CorsPolicy::new(&[]).middleware(&["GET", "POST", "DELETE"], false);
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

/// The headers the hand-written middleware added to an answer for an allowed origin.
fn hand_headers(
    policy: &CorsPolicy,
    origin: Option<&header::HeaderValue>,
    headers: &mut header::HeaderMap,
) {
    let Some(origin) = origin else { return };
    if !origin.to_str().is_ok_and(|o| policy.allows(o)) {
        return;
    }
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        header::HeaderValue::from_static("WWW-Authenticate, Allow"),
    );
    headers.append(header::VARY, header::HeaderValue::from_static("Origin"));
}

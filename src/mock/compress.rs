//! The mock's answers compressed as a request's `Accept-Encoding` asks (br, zstd, gzip,
//! deflate), as real servers do. Written beside actix-web's `Compress` rather than with it:
//! `Compress` wraps and inspects every answer, even for a request that asks for nothing
//! (BENCHMARKS.md, "Issue 26"); here a request that asks for no coding costs a header lookup.
//! Applied where answers are made (the pipeline's handler, the admin scope), not as a layer
//! around the whole app: the layer alone cost about 1,000 instructions a request
//! (BENCHMARKS.md, "Issue 23, night").

use actix_http::encoding::Encoder;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, AcceptEncoding, ContentEncoding, Encoding, Header as _};
use actix_web::{HttpMessage, HttpResponse};

/// What the mock compresses with, in its order of preference for equal q-values.
const SUPPORTED: [Encoding; 5] = [
    Encoding::identity(),
    Encoding::brotli(),
    Encoding::zstd(),
    Encoding::gzip(),
    Encoding::deflate(),
];

/// The coding a request asks for, if it asks for one the mock has.
pub(super) fn negotiated(req: &impl HttpMessage) -> Option<ContentEncoding> {
    // Most clients that ask for nothing send no header or `identity` (Python's http.client,
    // curl without --compressed): a look at the bytes spares them the typed parse.
    let value = req.headers().get(header::ACCEPT_ENCODING)?.as_bytes();
    if value.eq_ignore_ascii_case(b"identity") {
        return None;
    }
    // A plain scan: the value is short, and a searcher built per name costs more than it.
    let names_one = [b"gzip".as_slice(), b"br", b"zstd", b"deflate", b"*"]
        .iter()
        .any(|name| {
            value
                .windows(name.len())
                .any(|w| w.eq_ignore_ascii_case(name))
        });
    if !names_one {
        return None;
    }
    let accept = AcceptEncoding::parse(req).ok()?;
    match accept.negotiate(SUPPORTED.iter())? {
        Encoding::Known(ContentEncoding::Identity) | Encoding::Unknown(_) => None,
        Encoding::Known(coding) => Some(coding),
    }
}

/// `response` with its body in `coding` (and `Content-Encoding`, `Vary` saying so).
pub(super) fn compressed<B: MessageBody>(
    response: ServiceResponse<B>,
    coding: ContentEncoding,
) -> ServiceResponse<EitherBody<Encoder<B>, B>> {
    response.map_body(|head, body| EitherBody::left(Encoder::response(coding, head, body)))
}

/// The pipeline's answer, compressed when the request asks for a coding the mock has (and
/// compression is on).
pub(super) fn as_asked(
    req: &actix_web::HttpRequest,
    on: bool,
    response: HttpResponse,
) -> HttpResponse {
    match on.then(|| negotiated(req)).flatten() {
        None => response,
        Some(coding) => {
            response.map_body(|head, body| BoxBody::new(Encoder::response(coding, head, body)))
        }
    }
}

//! A second, independent implementation of the contract, written for the checker's tests: it
//! shares no code with the mock. `Variant` switches on differences the contract allows (no
//! false alarm may follow); `Fault` switches on one way of breaking the contract.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::{Value, json};

use super::Answer;

const METHODS: [&str; 3] = ["GOOGLE_AUTH", "MAGIC_LINK", "PASSKEY"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Plain,
    /// 422 instead of 400 for a body that breaks the schema.
    UnprocessableEntity,
    /// The 200 body is `{"success": true}` only.
    SuccessOnly,
    /// Extra fields in every body.
    ExtraFields,
    /// `application/json; charset=utf-8`.
    Charset,
    /// 403 instead of 401.
    Forbidden,
    /// Reads the body as JSON whatever the Content-Type says, and of any size (many
    /// frameworks do); the documentation forbids neither.
    Lenient,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// `success` a string, `message` a number.
    WrongFieldTypes,
    /// A JSON array as the 200 body.
    NonObjectBody,
    /// `text/plain` on every answer.
    WrongContentType,
    /// A body that breaks the schema gets 200.
    AcceptsInvalid,
    /// A valid body with properties the schema does not name gets 400.
    RejectsExtraProperties,
    /// No look at the Authorization header at all.
    IgnoresAuth,
    /// The 200 body repeats the bearer token.
    EchoesToken,
    /// A 500 HTML page when mfaType holds a character outside ASCII.
    CrashesOnNonAscii,
    /// Never answers (in time) a request whose body has more than one property.
    HangsOnExtraProperties,
    /// 200 to other methods.
    AcceptsAnyMethod,
    /// `success: false` on the 200.
    WrongSuccessFlag,
    /// The same request from the same account is answered 200 and 409 by turns, as if setting a
    /// method toggled it (breaks idempotence, whatever came before).
    TogglesOnRepeat,
    /// One primary for every account (the state is not keyed by user), and setting the one that
    /// is already primary is refused with 409: one account's change shows in another's answers.
    SharedPrimary,
    /// Valid requests are answered correctly, but after this long.
    Slow(Duration),
    /// The connection is closed, without an answer, for a valid body naming MAGIC_LINK (and
    /// only for that); everything else is answered correctly.
    HangsUpOnMagicLink,
}

pub fn handler(
    variant: Variant,
    fault: Fault,
) -> impl Fn(&actix_web::HttpRequest, &[u8]) -> Answer + Send + Sync + 'static {
    let state = Mutex::new(State::default());
    move |req, body| answer(variant, fault, req, body, &state)
}

/// What the stateful faults remember.
#[derive(Default)]
struct State {
    /// How often each (token, method) was set.
    times: HashMap<(String, String), usize>,
    /// The one primary `SharedPrimary` keeps for everyone.
    shared: Option<String>,
}

fn json_response(variant: Variant, fault: Fault, status: u16, mut body: Value) -> HttpResponse {
    if variant == Variant::ExtraFields {
        body["requestId"] = json!("req-8f2a");
    }
    let content_type = match (fault, variant) {
        (Fault::WrongContentType, _) => "text/plain",
        (_, Variant::Charset) => "application/json; charset=utf-8",
        _ => "application/json",
    };
    HttpResponse::build(StatusCode::from_u16(status).expect("status"))
        .content_type(content_type)
        .body(body.to_string())
}

fn error(variant: Variant, fault: Fault, status: u16, text: &str) -> Answer {
    json_response(
        variant,
        fault,
        status,
        json!({"success": false, "error": text}),
    )
    .into()
}

fn answer(
    variant: Variant,
    fault: Fault,
    req: &actix_web::HttpRequest,
    body: &[u8],
    state: &Mutex<State>,
) -> Answer {
    if req.path() != "/mfa/primary" {
        return error(variant, fault, 404, "not found");
    }
    if req.method() != "POST" && fault != Fault::AcceptsAnyMethod {
        return error(variant, fault, 405, "method not allowed");
    }
    let token = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned);
    if token.is_none() && fault != Fault::IgnoresAuth {
        let status = if variant == Variant::Forbidden {
            403
        } else {
            401
        };
        return error(variant, fault, status, "unauthorized");
    }
    let json_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json_type && variant != Variant::Lenient {
        return error(variant, fault, 415, "unsupported media type");
    }
    if body.len() > 65_536 && variant != Variant::Lenient {
        return error(variant, fault, 413, "too large");
    }
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return error(variant, fault, 400, "bad json");
    };
    let method = value.get("mfaType").and_then(Value::as_str);
    if fault == Fault::CrashesOnNonAscii && method.is_some_and(|m| !m.is_ascii()) {
        return HttpResponse::InternalServerError()
            .content_type("text/html")
            .body("<h1>Internal Server Error</h1>")
            .into();
    }
    let extra_properties = value.as_object().is_some_and(|o| o.len() > 1);
    if fault == Fault::HangsOnExtraProperties && extra_properties {
        return Answer::Hang(Duration::from_secs(5));
    }
    if fault == Fault::RejectsExtraProperties && extra_properties {
        return error(variant, fault, 400, "unknown property");
    }
    let valid = value.is_object() && method.is_some_and(|m| METHODS.contains(&m));
    if !valid && fault != Fault::AcceptsInvalid {
        let status = if variant == Variant::UnprocessableEntity {
            422
        } else {
            400
        };
        return error(variant, fault, status, "invalid body");
    }
    if fault == Fault::HangsUpOnMagicLink && method == Some("MAGIC_LINK") {
        return Answer::HangUp;
    }
    let (token, method) = (
        token.unwrap_or_default(),
        method.unwrap_or_default().to_owned(),
    );
    let mut state = state.lock().expect("state");
    let times = state
        .times
        .entry((token.clone(), method.clone()))
        .or_default();
    *times += 1;
    let refused = match fault {
        Fault::TogglesOnRepeat => times.is_multiple_of(2),
        Fault::SharedPrimary => state.shared.as_ref() == Some(&method),
        _ => false,
    };
    if refused {
        return error(variant, fault, 409, "already the primary method");
    }
    state.shared = Some(method);
    drop(state);
    let ok = match fault {
        Fault::WrongFieldTypes => json!({"success": "true", "message": 1}),
        Fault::NonObjectBody => json!(["ok"]),
        Fault::EchoesToken => {
            json!({"success": true, "message": format!("updated for {token}")})
        }
        Fault::WrongSuccessFlag => {
            json!({"success": false, "message": "Primary MFA method updated"})
        }
        _ if variant == Variant::SuccessOnly => json!({"success": true}),
        _ => json!({"success": true, "message": "Primary MFA method updated"}),
    };
    let response = json_response(variant, fault, 200, ok);
    if let Fault::Slow(pause) = fault {
        return Answer::After(pause, response);
    }
    response.into()
}

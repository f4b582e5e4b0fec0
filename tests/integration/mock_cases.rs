//! One table of requests and the answers the pipeline owes them, run in-process (actix test
//! service) by `mock` and over a real socket against the binary by `mock_binary`.

pub struct Case {
    pub name: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    pub status: u16,
    /// A header the answer must carry, with its exact value.
    pub header: Option<(&'static str, &'static str)>,
    /// Text the answer's `detail` must contain.
    pub detail: Option<&'static str>,
}

pub const TOKEN: &str = "pipeline-case-token-31d9";

fn bearer() -> (&'static str, String) {
    ("Authorization", format!("Bearer {TOKEN}"))
}

fn json_type() -> (&'static str, String) {
    ("Content-Type", "application/json".to_owned())
}

fn post(name: &'static str, headers: Vec<(&'static str, String)>, body: &str, status: u16) -> Case {
    Case {
        name,
        method: "POST",
        path: "/mfa/primary",
        headers,
        body: body.as_bytes().to_vec(),
        status,
        header: None,
        detail: None,
    }
}

impl Case {
    fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.header = Some((name, value));
        self
    }

    fn detail(mut self, text: &'static str) -> Self {
        self.detail = Some(text);
        self
    }
}

pub fn cases() -> Vec<Case> {
    let valid = r#"{"mfaType":"PASSKEY"}"#;
    let mut cases = vec![
        // 1. Route
        Case {
            path: "/mfa/secondary",
            ..post("unknown path", vec![bearer(), json_type()], valid, 404)
        }
        .detail("is not served here"),
    ];
    for method in ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        cases.push(
            Case {
                method,
                ..post("other method", vec![bearer(), json_type()], valid, 405)
            }
            .header("allow", "POST"),
        );
    }
    cases.extend([
        // 2. Auth, before anything about the body
        post("no Authorization", vec![json_type()], "not json", 401)
            .header("www-authenticate", "Bearer")
            .detail("header is missing"),
        post(
            "Basic scheme",
            vec![("Authorization", "Basic dXNlcjpwYXNz".into()), json_type()],
            valid,
            401,
        )
        .header("www-authenticate", "Bearer")
        .detail("not Bearer"),
        post(
            "empty Bearer token",
            vec![("Authorization", "Bearer ".into()), json_type()],
            valid,
            401,
        )
        .detail("token is empty"),
        post(
            "scheme alone",
            vec![("Authorization", "Bearer".into()), json_type()],
            valid,
            401,
        ),
        post(
            "scheme is case-insensitive",
            vec![("Authorization", format!("bearer {TOKEN}")), json_type()],
            valid,
            200,
        ),
        // 3. Content type, before size and JSON
        post("no Content-Type", vec![bearer()], valid, 415)
            .detail("Content-Type header is missing"),
        post(
            "text/plain",
            vec![bearer(), ("Content-Type", "text/plain".into())],
            valid,
            415,
        )
        .detail("text/plain"),
        post(
            "form",
            vec![
                bearer(),
                ("Content-Type", "application/x-www-form-urlencoded".into()),
            ],
            "mfaType=PASSKEY",
            415,
        ),
        post(
            "charset parameter is fine",
            vec![
                bearer(),
                ("Content-Type", "application/json; charset=utf-8".into()),
            ],
            valid,
            200,
        ),
        post(
            "media type is case-insensitive",
            vec![bearer(), ("Content-Type", "Application/JSON".into())],
            valid,
            200,
        ),
        // 4. Size, before JSON
        post(
            "over the size limit",
            vec![bearer(), json_type()],
            &format!("[{}", " ".repeat(70_000)),
            413,
        )
        .detail("over the limit of 65536 bytes"),
        // 5. JSON
        post("empty body", vec![bearer(), json_type()], "", 400).detail("the body is empty"),
        post(
            "truncated JSON",
            vec![bearer(), json_type()],
            r#"{"mfaType": "PASS"#,
            400,
        )
        .detail("line 1 column"),
        post(
            "trailing garbage",
            vec![bearer(), json_type()],
            r#"{"mfaType":"PASSKEY"} x"#,
            400,
        )
        .detail("trailing characters"),
        post(
            "deeply nested JSON",
            vec![bearer(), json_type()],
            &"[".repeat(10_000),
            400,
        )
        .detail("recursion limit"),
        // 6. Schema, every violation with its pointer
        post(
            "not in the enum",
            vec![bearer(), json_type()],
            r#"{"mfaType":"SMS"}"#,
            400,
        )
        .detail("`mfaType` must be one of GOOGLE_AUTH, MAGIC_LINK, PASSKEY"),
        post("missing mfaType", vec![bearer(), json_type()], "{}", 400)
            .detail("required property `mfaType` is missing"),
        post(
            "wrong type",
            vec![bearer(), json_type()],
            r#"{"mfaType":7}"#,
            400,
        )
        .detail("must be of type"),
        post(
            "not an object",
            vec![bearer(), json_type()],
            r#"["PASSKEY"]"#,
            400,
        ),
        // 7. Scenario comes after validation
        post(
            "bad Prefer, valid body",
            vec![bearer(), json_type(), ("Prefer", "dynamic=true".into())],
            valid,
            400,
        )
        .detail("unknown preference `dynamic`"),
        post(
            "bad Prefer, invalid body",
            vec![bearer(), json_type(), ("Prefer", "dynamic=true".into())],
            "{}",
            400,
        )
        .detail("required property"),
        post(
            "Prefer code=500",
            vec![bearer(), json_type(), ("Prefer", "code=500".into())],
            valid,
            500,
        ),
        post(
            "Prefer example",
            vec![
                bearer(),
                json_type(),
                ("Prefer", "example=success_only".into()),
            ],
            valid,
            200,
        ),
        // 8. State: the happy path and the documented 500
        post("valid request", vec![bearer(), json_type()], valid, 200),
        post(
            "extra properties are allowed",
            vec![bearer(), json_type()],
            r#"{"mfaType":"MAGIC_LINK","note":1}"#,
            200,
        ),
        post(
            "method not enrolled",
            vec![
                ("Authorization", "Bearer demo-totp-only".into()),
                json_type(),
            ],
            valid,
            500,
        ),
    ]);
    cases
}

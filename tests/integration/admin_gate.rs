//! The admin API closed to other machines and other websites (issue 25): each attack is run
//! against the mock and the proxy binaries over a real socket, on loopback, and beyond loopback
//! (`--host 0.0.0.0`, reached through 127.0.0.1) where every admin request needs the token.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    DISTINCTIVE_TOKEN, Process, TestServer, assert_no_token, http_client, stdout, wait_for_line,
};

/// A server under test: the mock, or the proxy in front of a plain upstream.
struct Server {
    name: &'static str,
    process: Process,
    _upstream: Option<TestServer>,
}

/// The mock and the proxy, each started with `args` and `env`.
fn servers(args: &[&str], env: &[(&str, &str)]) -> Vec<Server> {
    let upstream = TestServer::start(|_, _| {
        actix_web::HttpResponse::Ok()
            .json(json!({"success": true, "message": "from upstream"}))
            .into()
    });
    let mut proxy_args = vec!["--upstream", upstream.url.as_str()];
    proxy_args.extend_from_slice(args);
    vec![
        Server {
            name: "mock",
            process: Process::server_with_env("mock", args, env),
            _upstream: None,
        },
        Server {
            name: "proxy",
            process: Process::server_with_env("proxy", &proxy_args, env),
            _upstream: Some(upstream),
        },
    ]
}

fn client() -> reqwest::Client {
    http_client(Duration::from_secs(10))
}

/// `host:port` of a server's URL.
fn authority(url: &str) -> String {
    url.trim_start_matches("http://").to_owned()
}

/// The token in the banner's line that shows a generated one.
async fn generated_token(process: &Process) -> String {
    let line = wait_for_line(process, "admin token (generated for this run): ").await;
    line.rsplit(' ').next().expect("a token").to_owned()
}

/// `GET url` with `headers`, answered.
async fn get(client: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = client.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("an answer")
}

fn cors_headers(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .map(|name| name.as_str().to_owned())
        .collect()
}

#[tokio::test]
async fn a_rebound_host_cannot_read_the_admin_api() {
    let client = client();
    for server in servers(&[], &[]) {
        let url = &server.process.url;
        let port = url.rsplit(':').next().expect("a port");
        let rebound = get(
            &client,
            &format!("{url}/__admin/requests"),
            &[("Host", &format!("rebound.example:{port}"))],
        )
        .await;
        assert_eq!(rebound.status(), StatusCode::FORBIDDEN, "{}", server.name);
        let body: Value = rebound.json().await.expect("JSON");
        assert_eq!(
            body["error"], "Forbidden: not a loopback Host",
            "{}",
            server.name
        );
        for host in [
            authority(url),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ] {
            let own = get(
                &client,
                &format!("{url}/__admin/requests"),
                &[("Host", host.as_str())],
            )
            .await;
            assert_eq!(
                own.status(),
                StatusCode::OK,
                "{} with Host {host}",
                server.name
            );
        }
    }
}

#[tokio::test]
async fn a_cross_site_text_plain_post_changes_nothing() {
    let client = client();
    for mut server in servers(&[], &[]) {
        let url = server.process.url.clone();
        // Something to lose: the mock's user changes its primary; the proxy journals an exchange.
        let changed = client
            .post(format!("{url}/mfa/primary"))
            .bearer_auth("demo-all-methods")
            .header("Content-Type", "application/json")
            .body(r#"{"mfaType":"PASSKEY"}"#)
            .send()
            .await
            .expect("an answer");
        assert_eq!(changed.status(), StatusCode::OK, "{}", server.name);
        let before = client
            .get(format!("{url}/__admin/requests"))
            .send()
            .await
            .expect("journal");
        let before: Value = before.json().await.expect("JSON");

        let mut refused = Vec::new();
        for (path, origin) in [
            ("/__admin/reset", Some("https://evil.example")),
            ("/__admin/reset", None),
            ("/__admin/shutdown", Some("https://evil.example")),
            ("/__admin/shutdown", None),
        ] {
            let mut request = client
                .post(format!("{url}{path}"))
                .header("Content-Type", "text/plain")
                .body("{}");
            if let Some(origin) = origin {
                request = request.header("Origin", origin);
            }
            let answer = request.send().await.expect("an answer");
            refused.push((path, origin, answer.status()));
        }
        let cleared = client
            .delete(format!("{url}/__admin/requests"))
            .header("Origin", "https://evil.example")
            .send()
            .await
            .expect("an answer");
        refused.push(("DELETE /__admin/requests", None, cleared.status()));
        for (path, origin, status) in &refused {
            assert!(
                *status == StatusCode::FORBIDDEN || *status == StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "{} {path} from {origin:?}: {status}",
                server.name
            );
        }

        assert!(
            server.process.child_is_running(),
            "{} was shut down",
            server.name
        );
        let after = client
            .get(format!("{url}/__admin/requests"))
            .send()
            .await
            .expect("journal");
        let after: Value = after.json().await.expect("JSON");
        assert_eq!(before, after, "{}: the journal changed", server.name);
        if server.name == "mock" {
            let state: Value = client
                .get(format!("{url}/__admin/state"))
                .send()
                .await
                .expect("state")
                .json()
                .await
                .expect("JSON");
            let user = state["users"]
                .as_array()
                .expect("users")
                .iter()
                .find(|u| u["name"] == "all-methods")
                .expect("the all-methods user");
            assert_eq!(
                user["account"]["primaryMethod"], "PASSKEY",
                "the reset was refused: {state}"
            );
        }
        // The same reset as JSON, from the server's own page or a tool, still works.
        let reset_path = if server.name == "mock" {
            "/__admin/reset"
        } else {
            "/__admin/requests"
        };
        let own = client
            .request(
                if server.name == "mock" {
                    reqwest::Method::POST
                } else {
                    reqwest::Method::DELETE
                },
                format!("{url}{reset_path}"),
            )
            .header("Origin", url.as_str())
            .header("Content-Type", "application/json")
            .send()
            .await
            .expect("an answer");
        assert_eq!(own.status(), StatusCode::OK, "{}", server.name);
    }
}

#[tokio::test]
async fn sec_fetch_site_cross_site_is_refused_and_same_origin_is_not() {
    let client = client();
    for server in servers(&[], &[]) {
        let url = &server.process.url;
        let cross = get(
            &client,
            &format!("{url}/__admin/requests"),
            &[("Sec-Fetch-Site", "cross-site")],
        )
        .await;
        assert_eq!(cross.status(), StatusCode::FORBIDDEN, "{}", server.name);
        let same = get(
            &client,
            &format!("{url}/__admin/requests"),
            &[("Sec-Fetch-Site", "same-origin"), ("Origin", url.as_str())],
        )
        .await;
        assert_eq!(same.status(), StatusCode::OK, "{}", server.name);
    }
}

#[tokio::test]
async fn no_admin_answer_carries_cors_headers_while_the_endpoint_keeps_them() {
    let client = client();
    for server in servers(&[], &[]) {
        let url = &server.process.url;
        let own = get(
            &client,
            &format!("{url}/__admin/health"),
            &[("Origin", url.as_str())],
        )
        .await;
        assert_eq!(own.status(), StatusCode::OK, "{}", server.name);
        assert_eq!(cors_headers(&own), Vec::<String>::new(), "{}", server.name);
        for path in ["/__admin/reset", "/__admin/requests"] {
            let preflight = client
                .request(reqwest::Method::OPTIONS, format!("{url}{path}"))
                .header("Origin", "http://localhost:5173")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type")
                .send()
                .await
                .expect("an answer");
            assert_eq!(
                preflight.status(),
                StatusCode::FORBIDDEN,
                "{} {path}",
                server.name
            );
            assert_eq!(
                cors_headers(&preflight),
                Vec::<String>::new(),
                "{} {path}",
                server.name
            );
        }
        let endpoint = client
            .request(reqwest::Method::OPTIONS, format!("{url}/mfa/primary"))
            .header("Origin", "http://localhost:5173")
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
            .await
            .expect("an answer");
        assert_eq!(
            endpoint
                .headers()
                .get("access-control-allow-origin")
                .and_then(|v| v.to_str().ok()),
            Some("http://localhost:5173"),
            "{}: the endpoint's CORS is as it was",
            server.name
        );
    }
}

#[tokio::test]
async fn exposed_without_a_token_the_server_generates_one_and_requires_it() {
    let client = client();
    for server in servers(&["--host", "0.0.0.0"], &[]) {
        let url = &server.process.url;
        let token = generated_token(&server.process).await;
        assert!(token.len() >= 32, "{}: {token}", server.name);
        for path in ["/__admin/", "/__admin/health", "/__admin/requests"] {
            let none = client
                .get(format!("{url}{path}"))
                .send()
                .await
                .expect("an answer");
            assert_eq!(
                none.status(),
                StatusCode::UNAUTHORIZED,
                "{} {path}",
                server.name
            );
            assert!(none.headers().contains_key("www-authenticate"));
            let body: Value = none.json().await.expect("JSON");
            assert_eq!(
                body,
                json!({"success": false, "error": "Unauthorized"}),
                "no detail"
            );
            let with = client
                .get(format!("{url}{path}"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("an answer");
            assert_eq!(with.status(), StatusCode::OK, "{} {path}", server.name);
        }
        // What a browser sends once the user typed the token into its prompt.
        let basic = client
            .get(format!("{url}/__admin/"))
            .basic_auth("admin", Some(&token))
            .send()
            .await
            .expect("an answer");
        assert_eq!(basic.status(), StatusCode::OK, "{}", server.name);
        // The endpoint itself needs no admin token.
        let endpoint = client
            .post(format!("{url}/mfa/primary"))
            .bearer_auth("any-user-token")
            .header("Content-Type", "application/json")
            .body(r#"{"mfaType":"GOOGLE_AUTH"}"#)
            .send()
            .await
            .expect("an answer");
        assert_eq!(endpoint.status(), StatusCode::OK, "{}", server.name);
        let shown = server.process.stdout_lines().join("\n");
        assert_eq!(
            shown.matches(&token).count(),
            1,
            "{}: shown once: {shown}",
            server.name
        );
    }
}

#[tokio::test]
async fn a_wrong_token_is_refused_and_the_right_one_is_shown_nowhere() {
    let client = client();
    let env = [("MFA_CONTRACT_ADMIN_TOKEN", DISTINCTIVE_TOKEN)];
    let mut printed = Vec::new();
    for mut server in servers(&["--host", "0.0.0.0", "--log-format", "json"], &env) {
        let url = server.process.url.clone();
        let wrong = format!("{DISTINCTIVE_TOKEN}x");
        for token in [wrong.as_str(), &DISTINCTIVE_TOKEN[1..], ""] {
            let answer = client
                .get(format!("{url}/__admin/requests"))
                .bearer_auth(token)
                .send()
                .await
                .expect("an answer");
            assert_eq!(
                answer.status(),
                StatusCode::UNAUTHORIZED,
                "{} {token:?}",
                server.name
            );
            printed.push(answer.text().await.expect("body"));
        }
        let endpoint = client
            .post(format!("{url}/mfa/primary"))
            .bearer_auth("demo-totp-only")
            .header("Content-Type", "application/json")
            .body(r#"{"mfaType":"GOOGLE_AUTH"}"#)
            .send()
            .await
            .expect("an answer");
        assert_eq!(endpoint.status(), StatusCode::OK, "{}", server.name);
        for path in [
            "/__admin/",
            "/__admin/requests",
            "/__admin/requests?format=har",
            "/__admin/requests?format=pact",
        ] {
            let answer = client
                .get(format!("{url}{path}"))
                .bearer_auth(DISTINCTIVE_TOKEN)
                .send()
                .await
                .expect("an answer");
            assert_eq!(answer.status(), StatusCode::OK, "{} {path}", server.name);
            printed.push(answer.text().await.expect("body"));
        }
        let status = server
            .process
            .signal_and_wait("INT", Duration::from_secs(10));
        assert!(
            status.is_some_and(|s| s.success()),
            "{} did not stop cleanly",
            server.name
        );
        // The summary is the last line: once it is read, all of stdout is.
        let last = if server.name == "mock" {
            "stopped after"
        } else {
            "exchanges with"
        };
        wait_for_line(&server.process, last).await;
        printed.push(server.process.stdout_lines().join("\n"));
        printed.push(server.process.stderr_lines().join("\n"));
    }
    let all = printed.join("\n");
    assert!(
        all.contains("\"status\":200"),
        "the JSON log was searched: {all}"
    );
    assert_no_token("every output", &all, DISTINCTIVE_TOKEN);
    // `--help` shows that the variable exists, not its value.
    let help = stdout(&crate::support::mfa_contract(&["mock", "--help"]));
    assert!(help.contains("MFA_CONTRACT_ADMIN_TOKEN"), "{help}");
}

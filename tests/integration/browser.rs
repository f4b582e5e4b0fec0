//! Headless Chromium, driven over WebDriver (chromedriver) through fantoccini: a page on one
//! localhost port calls the mock on another with `fetch`, the admin page arms a scenario with a
//! real click, and the same page uses the proxy for the endpoint and for another path. Skipped, and saying so, when chromium or chromedriver is missing, unless
//! MFA_CONTRACT_REQUIRE_BROWSER=1 or on CI (`CI` or `GITHUB_ACTIONS` true; `support::required`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::support::reference::{Fault, Variant, handler};
use crate::support::{DISTINCTIVE_TOKEN, Process, TestServer, assert_no_token, http_client};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>frontend under test</title></head>
<body><script>
window.callMock = async (mockUrl, token) => {
  const headers = { "Content-Type": "application/json" };
  if (token) headers["Authorization"] = "Bearer " + token;
  try {
    const res = await fetch(mockUrl + "/mfa/primary", {
      method: "POST", headers, body: JSON.stringify({ mfaType: "PASSKEY" }) });
    return { status: res.status, violations: res.headers.get("Mfa-Contract-Violations"),
             body: await res.json() };
  } catch (e) {
    return { error: String(e) };
  }
};
window.getPath = async (baseUrl, path) => {
  try {
    const res = await fetch(baseUrl + path, { headers: { "X-App": "frontend" } });
    return { status: res.status, body: await res.json() };
  } catch (e) {
    return { error: String(e) };
  }
};
</script></body></html>"#;

/// chromedriver and a headless Chromium session, through fantoccini; stopped on drop.
struct Browser {
    client: Option<Client>,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .args([
                format!("--port={port}"),
                "--allowed-ips=127.0.0.1".to_owned(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let status = http_client(Duration::from_secs(5));
        let deadline = Instant::now() + Duration::from_secs(15);
        while status.get(format!("{base}/status")).send().await.is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start within 15 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({"binary": CHROMIUM, "args": args}),
        );
        // chromedriver speaks plain HTTP on loopback: no TLS connector needed.
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&base)
            .await
            .expect("a WebDriver session");
        Self {
            client: Some(client),
            driver,
            _profile: profile,
        }
    }

    fn client(&self) -> &Client {
        self.client.as_ref().expect("the session is open")
    }

    async fn goto(&self, url: &str) {
        self.client().goto(url).await.expect("navigate");
    }

    async fn call(&self, function: &str, args: Vec<Value>) -> Value {
        let script = format!(
            "const done = arguments[arguments.length - 1]; window.{function}(...Array.from(arguments).slice(0, -1)).then(done);"
        );
        self.client()
            .execute_async(&script, args)
            .await
            .expect("script ran")
    }

    async fn call_mock(&self, mock_url: &str, token: Option<&str>) -> Value {
        self.call("callMock", vec![json!(mock_url), json!(token)])
            .await
    }

    async fn click(&self, css: &str) {
        self.client()
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
            .click()
            .await
            .expect("click");
    }

    async fn close(mut self) {
        if let Some(client) = self.client.take() {
            client.close().await.expect("session closed");
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn browser_available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            !crate::support::required("MFA_CONTRACT_REQUIRE_BROWSER"),
            "{CHROMIUM} or {CHROMEDRIVER} is missing, and MFA_CONTRACT_REQUIRE_BROWSER=1 or CI says it must run"
        );
        crate::support::skipped(
            "browser test",
            &format!(
                "{CHROMIUM} or {CHROMEDRIVER} not installed (apt-get install chromium chromium-driver)"
            ),
        );
    }
    present
}

#[tokio::test]
async fn a_page_on_another_localhost_port_calls_the_mock_and_the_admin_page_arms_a_500_with_a_click()
 {
    if !browser_available() {
        return;
    }
    let mock = Process::mock(&[]);
    let page = TestServer::start(|_, _| {
        actix_web::HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(PAGE)
            .into()
    });
    let browser = Browser::start().await;

    browser.goto(&format!("{}/", page.url)).await;
    let ok = browser.call_mock(&mock.url, Some(DISTINCTIVE_TOKEN)).await;
    assert_eq!(ok["status"], 200, "{ok}");
    assert_eq!(
        ok["body"],
        json!({"success": true, "message": "Primary MFA method updated"})
    );
    let unauthorized = browser.call_mock(&mock.url, None).await;
    assert_eq!(unauthorized["status"], 401, "{unauthorized}");
    assert_eq!(unauthorized["body"]["success"], false);

    browser.goto(&format!("{}/__admin/", mock.url)).await;
    browser.click("#arm-code-500").await;
    let client = http_client(Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let armed: Value = client
            .get(format!("{}/__admin/scenarios", mock.url))
            .send()
            .await
            .expect("admin")
            .json()
            .await
            .expect("JSON");
        if armed["armed"].as_array().is_some_and(|a| a.len() == 1) {
            assert_eq!(armed["armed"][0]["scenario"], json!({"code": 500}));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the click armed nothing: {armed}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    browser.goto(&format!("{}/", page.url)).await;
    let forced = browser.call_mock(&mock.url, Some(DISTINCTIVE_TOKEN)).await;
    assert_eq!(forced["status"], 500, "{forced}");
    assert_eq!(
        forced["body"],
        json!({"success": false, "error": "Failed to set primary MFA"})
    );
    let next = browser.call_mock(&mock.url, Some(DISTINCTIVE_TOKEN)).await;
    assert_eq!(
        next["status"], 200,
        "the scenario was armed for one request: {next}"
    );

    browser.close().await;
    assert_no_token(
        "mock stdout",
        &mock.stdout_lines().join("\n"),
        DISTINCTIVE_TOKEN,
    );
}

#[tokio::test]
async fn a_page_calls_the_endpoint_and_another_path_through_the_proxy() {
    if !browser_available() {
        return;
    }
    // The app's backend: the endpoint, done right, and a profile path of its own.
    let reference = handler(Variant::Plain, Fault::None);
    let backend = TestServer::start(move |req, body| {
        if req.path() == "/profile" {
            return actix_web::HttpResponse::Ok()
                .json(json!({"name": "Ada", "app": req.headers().get("x-app").and_then(|v| v.to_str().ok())}))
                .into();
        }
        reference(req, body)
    });
    let proxy = Process::proxy(&["--upstream", &backend.url]);
    let page = TestServer::start(|_, _| {
        actix_web::HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(PAGE)
            .into()
    });
    let browser = Browser::start().await;
    browser.goto(&format!("{}/", page.url)).await;

    let ok = browser.call_mock(&proxy.url, Some(DISTINCTIVE_TOKEN)).await;
    assert_eq!(ok["status"], 200, "{ok}");
    assert_eq!(
        ok["violations"], "0",
        "the page reads the judged header: {ok}"
    );
    let unauthorized = browser.call_mock(&proxy.url, None).await;
    assert_eq!(unauthorized["status"], 401, "{unauthorized}");
    assert_eq!(unauthorized["violations"], "1", "{unauthorized}");

    // Another path, with a custom header that needs a preflight: passed through.
    let profile = browser
        .call("getPath", vec![json!(proxy.url), json!("/profile")])
        .await;
    assert_eq!(profile["status"], 200, "{profile}");
    assert_eq!(profile["body"], json!({"name": "Ada", "app": "frontend"}));

    browser.close().await;
    let violations: Value = http_client(Duration::from_secs(5))
        .get(format!("{}/__admin/violations", proxy.url))
        .send()
        .await
        .expect("admin")
        .json()
        .await
        .expect("json");
    assert_eq!(violations["totals"]["judged"], 2, "{violations}");
    assert_eq!(
        violations["violations"][0]["check"], "request_auth_scheme",
        "{violations}"
    );
}

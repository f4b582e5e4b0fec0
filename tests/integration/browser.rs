//! Headless Chromium, driven over WebDriver (chromedriver) with plain HTTP calls: a page on one
//! localhost port calls the mock on another with `fetch`, and the admin page arms a scenario
//! with a real click. Skipped, and saying so, when chromium or chromedriver is missing, unless
//! MFA_CONTRACT_REQUIRE_BROWSER=1 (as `.ci/run` sets after installing them).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{DISTINCTIVE_TOKEN, Process, TestServer, assert_no_token, http_client};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

const PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>frontend under test</title></head>
<body><script>
window.callMock = async (mockUrl, token) => {
  const headers = { "Content-Type": "application/json" };
  if (token) headers["Authorization"] = "Bearer " + token;
  try {
    const res = await fetch(mockUrl + "/mfa/primary", {
      method: "POST", headers, body: JSON.stringify({ mfaType: "PASSKEY" }) });
    return { status: res.status, body: await res.json() };
  } catch (e) {
    return { error: String(e) };
  }
};
</script></body></html>"#;

struct WebDriver {
    client: reqwest::Client,
    base: String,
    session: String,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl WebDriver {
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
        let client = http_client(Duration::from_secs(30));
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(15);
        while client.get(format!("{base}/status")).send().await.is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not start within 15 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ];
        let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        all.push(format!("--user-data-dir={}", profile.path().display()));
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": all}
        }}});
        let mut driver = Self {
            client,
            base,
            session: String::new(),
            driver,
            _profile: profile,
        };
        let created = driver
            .command(reqwest::Method::POST, "/session", capabilities)
            .await;
        driver.session = created["sessionId"]
            .as_str()
            .expect("session id")
            .to_owned();
        driver
    }

    async fn command(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("webdriver answered");
        let status = response.status();
        let value: Value = response.json().await.expect("webdriver JSON");
        assert!(status.is_success(), "webdriver {path}: {status} {value}");
        value["value"].clone()
    }

    async fn goto(&self, url: &str) {
        self.command(
            reqwest::Method::POST,
            &format!("/session/{}/url", self.session),
            json!({"url": url}),
        )
        .await;
    }

    async fn call_mock(&self, mock_url: &str, token: Option<&str>) -> Value {
        let script = "const done = arguments[arguments.length - 1]; window.callMock(arguments[0], arguments[1]).then(done);";
        self.command(
            reqwest::Method::POST,
            &format!("/session/{}/execute/async", self.session),
            json!({"script": script, "args": [mock_url, token]}),
        )
        .await
    }

    async fn click(&self, css: &str) {
        let element = self
            .command(
                reqwest::Method::POST,
                &format!("/session/{}/element", self.session),
                json!({"using": "css selector", "value": css}),
            )
            .await;
        let id = element[ELEMENT_KEY]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {element}"));
        self.command(
            reqwest::Method::POST,
            &format!("/session/{}/element/{id}/click", self.session),
            json!({}),
        )
        .await;
    }
}

impl Drop for WebDriver {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn browser_available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var("MFA_CONTRACT_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "MFA_CONTRACT_REQUIRE_BROWSER=1 but {CHROMIUM} or {CHROMEDRIVER} is missing"
        );
        eprintln!(
            "SKIPPED browser test: {CHROMIUM} or {CHROMEDRIVER} not installed (apt-get install chromium chromium-driver)"
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
    let browser = WebDriver::start().await;

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

    browser
        .command(
            reqwest::Method::DELETE,
            &format!("/session/{}", browser.session),
            json!({}),
        )
        .await;
    assert_no_token(
        "mock stdout",
        &mock.stdout_lines().join("\n"),
        DISTINCTIVE_TOKEN,
    );
}

//! Sending cases to a target: one reqwest client (rustls, no redirects, bounded time), the
//! token filled in only here, response bodies read up to a cap and parsed once, and every
//! failure of transport turned into a value with a cause rather than an error that stops the
//! run. What belongs to the environment rather than the contract is handled here too: a rate
//! limit is waited out and the case sent again; a refused token is refreshed with the token
//! command and the case sent again. Both are counted, never judged.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;

use super::config::{Secret, TargetConfig};
use super::exchange::{Exchange, Received, Response};
use super::http::{http_client_builder, transport};
use super::token::TokenSource;
use crate::Error;
use crate::cases::{Auth, Case};
use crate::contract::{Contract, Credentials};
use crate::transport::{TransportError, TransportKind};

/// How often one case is sent again after a rate limit before the run gives up.
pub const RATE_LIMIT_RETRIES: usize = 3;
/// How often one case is sent again with a fresh token: a token fetched while others were in
/// flight may itself be spent by the time the retry goes out.
pub const TOKEN_RETRIES: usize = 2;
/// The wait for a 429 without a usable `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// What the environment did during a run: counted and reported, never judged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Environment {
    /// Rate-limited answers waited out and sent again.
    pub rate_limited: usize,
    /// Time spent waiting them out, in milliseconds.
    pub waited_ms: u64,
    /// Times the token command ran again for a fresh token.
    pub token_refreshes: usize,
    /// Requests sent again with a fresh token after a 401 or 403.
    pub token_retries: usize,
    /// A case still rate-limited after every retry: the limit never lifted.
    pub rate_limit_not_lifted: bool,
}

pub struct Client {
    http: reqwest::Client,
    /// The same client writing header names in HTTP/1 title case, for the cases that vary it.
    http_title_case: reqwest::Client,
    url: String,
    auth_header: String,
    scheme: String,
    /// The credential is an API key in the query string, `auth_header` its parameter.
    credential_in_query: bool,
    token: TokenSource,
    /// The security scheme `token` is the `--credential` of; `None`: it is the token.
    scheme_credential: Option<String>,
    second_token: TokenSource,
    /// The run's other credentials (the token, `--credential`s), hidden like this one.
    other_secrets: Vec<Secret>,
    headers: Vec<(String, String)>,
    max_response_bytes: usize,
    max_retry_wait: Duration,
    environment: Mutex<Environment>,
    /// A token command that failed mid-run; the run stops with it.
    failed_refresh: Mutex<Option<Error>>,
    /// Answers with 2xx to requests carrying the token.
    accepted: AtomicUsize,
    /// 401 or 403, where the operation documents them.
    documented_refusals: Vec<u16>,
    /// The path `url` ends with: a case with a path of its own replaces it.
    operation_path: String,
}

impl Client {
    /// The client for `config`'s target, with the contract's auth header and scheme. Runs the
    /// token commands once if there is no token yet.
    pub fn new(contract: &Contract, config: &TargetConfig) -> Result<Self, Error> {
        let build = |title_case: bool| {
            let builder = http_client_builder(config.timeout, &config.tls)?
                .timeout(config.timeout)
                .user_agent(concat!("mfa-contract/", env!("CARGO_PKG_VERSION")));
            let builder = if title_case {
                builder.http1_title_case_headers()
            } else {
                builder
            };
            builder
                .build()
                .map_err(|e| Error::Usage(format!("cannot build the HTTP client: {e}")))
        };
        Ok(Self {
            http: build(false)?,
            http_title_case: build(true)?,
            url: config.endpoint_url(contract),
            operation_path: contract.path().to_owned(),
            auth_header: contract.auth().header.clone(),
            scheme: contract.auth().scheme.clone(),
            credential_in_query: contract.credentials() == Credentials::ApiKeyQuery,
            token: TokenSource::new(
                config.credential_for(contract).unwrap_or(&config.token),
                "--token-command",
            )?,
            scheme_credential: contract
                .security_scheme()
                .filter(|scheme| config.holds(scheme))
                .map(|scheme| scheme.scheme_name().to_owned()),
            second_token: TokenSource::new(&config.second_token, "--second-token-command")?,
            other_secrets: config
                .scheme_credentials
                .iter()
                .map(|(_, c)| c)
                .chain([&config.token])
                .filter_map(|c| c.token.clone())
                .collect(),
            headers: config.headers.clone(),
            max_response_bytes: config.max_response_bytes,
            max_retry_wait: config.max_retry_wait,
            environment: Mutex::new(Environment::default()),
            failed_refresh: Mutex::new(None),
            accepted: AtomicUsize::new(0),
            documented_refusals: contract
                .documented_statuses()
                .filter(|s| matches!(s, 401 | 403))
                .collect(),
        })
    }

    /// A valid request with the token refused with 401 or 403, where the operation does not
    /// document that status for it (a documented 403 is the state's answer, not the token's).
    pub fn token_refused(&self, exchange: &Exchange) -> bool {
        exchange.token_refused()
            && exchange
                .response()
                .is_none_or(|r| !self.documented_refusals.contains(&r.status))
    }

    /// Sends `case`, waiting out rate limits and refreshing a refused token as configured.
    pub async fn send(&self, mut case: Case) -> Exchange {
        let mut rate_limited = 0;
        let mut token_retries = 0;
        loop {
            let source = self.source(&case.request.auth);
            let (token, generation) = source.map_or((None, 0), TokenSource::current);
            let outcome = match self.try_send(&case, token.as_ref()).await {
                Ok(response) => Received::Response(response),
                Err(error) => Received::Transport(error),
            };
            let exchange = Exchange { case, outcome };
            if let Some(response) = exchange.response()
                && response.is_rate_limit()
            {
                if rate_limited == RATE_LIMIT_RETRIES {
                    self.environment().rate_limit_not_lifted = true;
                    return exchange;
                }
                rate_limited += 1;
                let wait = response
                    .retry_after()
                    .unwrap_or(DEFAULT_RETRY_AFTER)
                    .min(self.max_retry_wait);
                {
                    let mut environment = self.environment();
                    environment.rate_limited += 1;
                    environment.waited_ms += wait.as_millis() as u64;
                }
                tokio::time::sleep(wait).await;
                case = exchange.case;
                continue;
            }
            if exchange.token_may_be_stale()
                && token_retries < TOKEN_RETRIES
                && let Some(source) = source.filter(|s| s.can_refresh())
            {
                token_retries += 1;
                match source.refresh(generation).await {
                    Ok(true) => {
                        self.environment().token_retries += 1;
                        case = exchange.case;
                        continue;
                    }
                    Ok(false) => {}
                    Err(error) => {
                        self.failed_refresh
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .get_or_insert(error);
                    }
                }
            }
            if exchange.case.request.auth == Auth::Token
                && exchange
                    .response()
                    .is_some_and(|r| (200..300).contains(&r.status))
            {
                self.accepted.fetch_add(1, Ordering::Relaxed);
            }
            return exchange;
        }
    }

    fn source(&self, auth: &Auth) -> Option<&TokenSource> {
        match auth {
            Auth::Token => Some(&self.token),
            Auth::SecondToken => Some(&self.second_token),
            Auth::Missing | Auth::Raw(_) => None,
        }
    }

    fn environment(&self) -> std::sync::MutexGuard<'_, Environment> {
        self.environment.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What the environment did so far.
    pub fn environment_so_far(&self) -> Environment {
        let mut environment = self.environment().clone();
        environment.token_refreshes =
            (self.token.refreshes() + self.second_token.refreshes()) as usize;
        environment
    }

    /// A token command that failed during the run, if one did.
    pub fn take_failed_refresh(&self) -> Option<Error> {
        self.failed_refresh
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Requests with the token answered with 2xx so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }

    /// The security scheme whose `--credential` this client sends instead of the token.
    pub fn scheme_credential(&self) -> Option<&str> {
        self.scheme_credential.as_deref()
    }

    /// Whether the first account's token can be refreshed.
    pub fn can_refresh_token(&self) -> bool {
        self.token.can_refresh()
    }

    /// Every token used so far; none may appear in a response or a report.
    pub fn secrets(&self) -> Vec<Secret> {
        let mut secrets = self.token.seen();
        secrets.extend(self.second_token.seen());
        secrets.extend(self.other_secrets.iter().cloned());
        secrets
    }

    /// What a transport failure of the first request says about the environment: refused or
    /// unresolvable is unreachable, silence or a failed TLS handshake is unusable; other
    /// failures say nothing yet. The checker and drift both stop on it, with exit 3.
    pub fn first_request_failed(
        &self,
        url: &str,
        error: &TransportError,
        timeout: Duration,
    ) -> Option<Error> {
        let reason = match error.kind {
            TransportKind::Connect => {
                return Some(Error::Unreachable {
                    url: url.to_owned(),
                    cause: self.redact(&error.message),
                });
            }
            TransportKind::Timeout => format!(
                "accepts connections but sends no HTTP answer within {} s (--timeout)",
                timeout.as_secs_f64()
            ),
            TransportKind::Tls => format!("the TLS handshake failed: {}", error.message),
            _ => return None,
        };
        Some(Error::Unusable {
            url: url.to_owned(),
            reason: self.redact(&reason),
        })
    }

    /// `text` with every token used so far replaced: the one way a message about this target
    /// is made safe to print.
    pub fn redact(&self, text: &str) -> String {
        let secrets = self.secrets();
        crate::redact::redact(text, secrets.iter().map(Secret::expose))
    }

    /// What `case` presents as its credential, with `token` as the account's.
    fn credential(&self, case: &Case, token: Option<&Secret>) -> Option<String> {
        match &case.request.auth {
            // An API key goes as it is; a scheme's token after the scheme.
            Auth::Token | Auth::SecondToken => token.map(|t| match self.scheme.as_str() {
                "" => t.expose().to_owned(),
                scheme => format!("{scheme} {}", t.expose()),
            }),
            Auth::Missing => None,
            Auth::Raw(value) => Some(value.clone()),
        }
    }

    async fn try_send(
        &self,
        case: &Case,
        token: Option<&Secret>,
    ) -> Result<Response, TransportError> {
        let method = reqwest::Method::from_bytes(case.request.method.as_bytes()).map_err(|e| {
            TransportError {
                kind: TransportKind::Other,
                message: format!("method {}: {e}", case.request.method),
            }
        })?;
        let http = if case.request.title_case {
            &self.http_title_case
        } else {
            &self.http
        };
        let credential = self.credential(case, token);
        let mut url = case.request.url(&self.url, &self.operation_path);
        if let (true, Some(key)) = (self.credential_in_query, &credential) {
            url = with_query_pair(&url, &self.auth_header, key);
        }
        let mut request = http.request(method, url).body(case.request.body.clone());
        for (name, value) in self.headers.iter().chain(&case.request.headers) {
            request = request.header(name, value);
        }
        if let Some(content_type) = &case.request.content_type {
            request = request.header("Content-Type", content_type);
        }
        if let (false, Some(credential)) = (self.credential_in_query, credential) {
            request = request.header(self.auth_header.as_str(), credential);
        }
        let started = Instant::now();
        let response = request.send().await.map_err(|e| transport(&e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| transport(&e))?;
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(TransportError {
                    kind: TransportKind::TooLarge,
                    message: format!(
                        "the response body went past {} bytes (--max-response-bytes); reading stopped there",
                        self.max_response_bytes
                    ),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response::new(
            status,
            headers,
            body,
            started.elapsed(),
            self.max_response_bytes,
        ))
    }
}

/// `url` with `name=value` added to its query string, both encoded as a form encodes them.
fn with_query_pair(url: &str, name: &str, value: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            parsed.query_pairs_mut().append_pair(name, value);
            parsed.to_string()
        }
        Err(_) => url.to_owned(),
    }
}

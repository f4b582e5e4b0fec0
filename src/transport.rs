//! Why an HTTP exchange brought no complete answer, in the words every client here uses: the
//! checker's client, drift's, the proxy's and `mock --upstream`'s forwarding. Plumbing, so the
//! server layer and the checker's client share it without depending on each other.

use serde::Serialize;

/// Why no complete response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// Refused, unresolvable, or not connected in time.
    Connect,
    Tls,
    Timeout,
    /// Closed or broken before the response was complete.
    Broken,
    /// The body went past `--max-response-bytes`.
    TooLarge,
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransportError {
    pub kind: TransportKind,
    pub message: String,
}

impl TransportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Connect => "connect",
            TransportKind::Tls => "tls",
            TransportKind::Timeout => "timeout",
            TransportKind::Broken => "broken",
            TransportKind::TooLarge => "too_large",
            TransportKind::Other => "other",
        }
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

/// An error and each of its causes, `: `-separated, as a transport failure's message.
pub fn cause_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Whether a cause chain is about TLS: neither reqwest nor hyper gives TLS failures a kind.
pub fn names_tls(cause_chain: &str) -> bool {
    let lower = cause_chain.to_lowercase();
    lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
}

//! How each operation presents credentials: which of the schemes it offers a view uses (one
//! the run holds a credential for, where it has a choice), and every scheme a contract names.

use super::{Auth, Contract, Security};

/// How a view presents credentials, when it needs them at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    /// The manifest's `auth` header and scheme.
    Manifest,
    /// None: the operation's security is `[]`.
    None,
    /// An API key in a header (`auth.header`; `auth.scheme` is empty): the token as it is.
    ApiKeyHeader,
    /// An API key in the query string (`auth.header` names the parameter): the token as it is.
    ApiKeyQuery,
}

impl Contract {
    /// How requests present credentials.
    pub fn credentials(&self) -> Credentials {
        self.credentials
    }

    /// The security scheme requests present, if any: `--credential` names it.
    pub fn security_scheme(&self) -> Option<&Security> {
        self.scheme.as_ref()
    }

    /// This view presenting credentials through the first of its operation's schemes `held`
    /// accepts (a scheme the run has a credential for), where it offers a choice.
    pub fn preferring(mut self, held: &dyn Fn(&Security) -> bool) -> Self {
        if self.security.is_some() {
            let (credentials, auth, scheme) =
                credentials(self.security.as_deref(), &self.manifest.auth, held);
            self.credentials = credentials;
            self.manifest.auth = auth;
            self.scheme = scheme;
        }
        self
    }

    /// Every security scheme some operation offers, each once (by name).
    pub fn security_schemes(&self) -> Vec<Security> {
        let mut all: Vec<Security> = Vec::new();
        for view in self.views() {
            let offered = match &view.security {
                Some(schemes) => schemes.clone(),
                None => view.scheme.iter().cloned().collect(),
            };
            for scheme in offered {
                if !all.iter().any(|s| s.scheme_name() == scheme.scheme_name()) {
                    all.push(scheme);
                }
            }
        }
        all
    }
}

/// How a view with `security` (absent: the manifest's `auth`) presents credentials: through
/// the first scheme `held` accepts, else Bearer, then a key in a header, then one in the query.
pub(crate) fn credentials(
    security: Option<&[Security]>,
    auth: &Auth,
    held: &dyn Fn(&Security) -> bool,
) -> (Credentials, Auth, Option<Security>) {
    let Some(schemes) = security else {
        let chosen = if auth.scheme.is_empty() {
            Security::ApiKeyHeader {
                name: auth.header.clone(),
                scheme: None,
            }
        } else {
            Security::Bearer { scheme: None }
        };
        return (Credentials::Manifest, auth.clone(), Some(chosen));
    };
    let rank = |s: &Security| match s {
        Security::Bearer { .. } => 0,
        Security::ApiKeyHeader { .. } => 1,
        Security::ApiKeyQuery { .. } => 2,
    };
    let chosen = schemes
        .iter()
        .find(|s| held(s))
        .or_else(|| schemes.iter().min_by_key(|s| rank(s)));
    let Some(chosen) = chosen else {
        return (Credentials::None, auth.clone(), None);
    };
    let (credentials, auth) = match chosen {
        Security::Bearer { .. } => (
            Credentials::Manifest,
            Auth {
                header: "Authorization".into(),
                scheme: "Bearer".into(),
            },
        ),
        Security::ApiKeyHeader { name, .. } | Security::ApiKeyQuery { name, .. } => (
            if matches!(chosen, Security::ApiKeyHeader { .. }) {
                Credentials::ApiKeyHeader
            } else {
                Credentials::ApiKeyQuery
            },
            Auth {
                header: name.clone(),
                scheme: String::new(),
            },
        ),
    };
    (credentials, auth, Some(chosen.clone()))
}

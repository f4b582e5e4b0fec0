//! What the environment did to a run, in the words its exit-3 error uses: a credential the
//! target refused, a rate limit that never lifted.

use super::{Client, RATE_LIMIT_RETRIES};

impl Client {
    /// Why a refused credential ends the run, and what would fix it.
    pub fn refused_reason(&self) -> String {
        let accepted = self.accepted();
        if let Some(scheme) = self.scheme_credential() {
            return format!(
                "the credential of security scheme {scheme} (--credential) was refused (401 or 403) after {accepted} accepted requests"
            );
        }
        let fix = if self.can_refresh_token() {
            "the token command's fresh token was refused too; check what --token-command prints"
        } else {
            "give a fresh token, or --token-command CMD that prints one, so the run can refresh it"
        };
        if accepted == 0 {
            format!("the token was refused (401 or 403) from the first request: {fix}")
        } else {
            format!("the token was refused (401 or 403) after {accepted} accepted requests: {fix}")
        }
    }

    /// Why a rate limit ends the run.
    pub fn rate_limit_reason(&self) -> String {
        format!(
            "the rate limit never lifted: a case was still limited after {} waits ({} ms waited in all; --max-retry-wait, --rate)",
            RATE_LIMIT_RETRIES,
            self.environment_so_far().waited_ms
        )
    }
}

//! The bearer tokens a run sends, and where fresh ones come from. A token from `--token` or
//! the environment is fixed; with `--token-command` the command runs through `sh` at the start
//! and again when a valid request is refused, so short-lived tokens do not end a run. Every
//! token ever used is remembered, so redaction hides old ones too.

use std::process::Stdio;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::config::{Credential, Secret};
use crate::Error;

/// One account's token: the current one, the command that refreshes it, and all seen so far.
pub struct TokenSource {
    flag: &'static str,
    command: Option<String>,
    current: Mutex<Option<Secret>>,
    seen: Mutex<Vec<Secret>>,
    /// Bumped on each refresh, so concurrent requests refused with the same token refresh once.
    generation: AtomicU64,
    refresh_lock: tokio::sync::Mutex<()>,
}

impl TokenSource {
    /// The source for `credential`; runs its command once if no token was given. `flag` names
    /// the command's flag in errors.
    pub fn new(credential: &Credential, flag: &'static str) -> Result<Self, Error> {
        let token = match (&credential.token, &credential.command) {
            (Some(token), _) => Some(token.clone()),
            (None, Some(command)) => Some(run_command(flag, command)?),
            (None, None) => None,
        };
        Ok(Self {
            flag,
            command: credential.command.clone(),
            seen: Mutex::new(token.iter().cloned().collect()),
            current: Mutex::new(token),
            generation: AtomicU64::new(0),
            refresh_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// The token to send now, and its generation.
    pub fn current(&self) -> (Option<Secret>, u64) {
        let current = self.current.lock().unwrap_or_else(|p| p.into_inner());
        (current.clone(), self.generation.load(Ordering::Acquire))
    }

    pub fn can_refresh(&self) -> bool {
        self.command.is_some()
    }

    /// Runs the command for a fresh token, unless another request already did since
    /// `generation`. Returns whether a fresher token is now current.
    pub async fn refresh(&self, generation: u64) -> Result<bool, Error> {
        let Some(command) = &self.command else {
            return Ok(false);
        };
        let _one_at_a_time = self.refresh_lock.lock().await;
        if self.generation.load(Ordering::Acquire) != generation {
            return Ok(true);
        }
        let flag = self.flag;
        let command = command.clone();
        let token = tokio::task::spawn_blocking(move || run_command(flag, &command))
            .await
            .map_err(|e| Error::Usage(format!("{flag}: the command could not run: {e}")))??;
        self.seen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(token.clone());
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(token);
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(true)
    }

    /// Every token this source has handed out.
    pub fn seen(&self) -> Vec<Secret> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// How many times the command ran after the start.
    pub fn refreshes(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }
}

/// Runs `command` through `sh`; its trimmed stdout is the token, its stderr passes through.
/// A failure names the exit status, never the output (it may hold a token).
fn run_command(flag: &str, command: &str) -> Result<Secret, Error> {
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| Error::io(format!("{flag}: cannot run sh"), e))?;
    if !output.status.success() {
        return Err(Error::Usage(format!(
            "{flag}: the command failed ({}); its output is not shown, it may hold a secret",
            output.status
        )));
    }
    let token = String::from_utf8(output.stdout)
        .map_err(|_| {
            Error::Usage(format!(
                "{flag}: the command printed something that is not UTF-8"
            ))
        })?
        .trim()
        .to_owned();
    if token.is_empty() || token.contains(['\r', '\n']) {
        return Err(Error::Usage(format!(
            "{flag}: the command must print one token on one line (it printed {})",
            if token.is_empty() {
                "nothing"
            } else {
                "several lines"
            }
        )));
    }
    Ok(Secret::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credential(command: &str) -> Credential {
        Credential {
            token: None,
            var: "T".into(),
            command: Some(command.into()),
        }
    }

    #[tokio::test]
    async fn a_command_gives_the_first_token_and_each_refresh_a_new_one() {
        let dir = tempfile::tempdir().expect("dir");
        let counter = dir.path().join("n");
        let command = format!(
            "n=$(cat {0} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {0}; echo \"  token-$n  \"",
            counter.display()
        );
        let source = TokenSource::new(&credential(&command), "--token-command").expect("runs");
        let (first, generation) = source.current();
        assert_eq!(first.expect("a token").expose(), "token-1");
        assert!(source.refresh(generation).await.expect("refresh"));
        // A request that saw the old generation does not run the command again.
        assert!(source.refresh(generation).await.expect("refresh"));
        assert_eq!(source.current().0.expect("a token").expose(), "token-2");
        assert_eq!(source.seen().len(), 2);
        assert_eq!(source.refreshes(), 1);
    }

    #[test]
    fn a_failing_command_names_its_status_and_never_its_output() {
        let error = TokenSource::new(
            &credential("echo secret-output-123; exit 7"),
            "--token-command",
        )
        .err()
        .expect("fails");
        let text = error.to_string();
        assert!(
            text.contains("--token-command") && text.contains('7'),
            "{text}"
        );
        assert!(!text.contains("secret-output-123"), "{text}");
        assert_eq!(error.exit_code(), crate::exit::USAGE);
    }
}

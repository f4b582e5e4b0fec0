//! Scenarios: what a client asks the mock to do instead of its normal answer, per request with
//! the `Prefer` header (Prism's convention, extended with faults) or armed on the server through
//! the admin API for clients that cannot add a header (`armed.rs`). `Rules` says which are
//! accepted.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::contract::Contract;

/// A failure a UI must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fault {
    /// Close the connection without a response.
    Reset,
    /// 200 with an empty body.
    Empty,
    /// 200 with a body that is not JSON.
    Malformed,
    /// Hold the request until the client gives up (bounded by the mock's maximum delay).
    Timeout,
}

impl Fault {
    const ALL: [(&'static str, Fault); 4] = [
        ("reset", Fault::Reset),
        ("empty", Fault::Empty),
        ("malformed", Fault::Malformed),
        ("timeout", Fault::Timeout),
    ];

    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .expect("every fault is listed in ALL")
    }
}

/// What to do instead of (or on top of) the normal answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Answer with the default example of this documented status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// Answer with this named example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// Wait this many milliseconds before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(code) = self.code {
            parts.push(format!("code={code}"));
        }
        if let Some(example) = &self.example {
            parts.push(format!("example={example}"));
        }
        if let Some(delay) = self.delay {
            parts.push(format!("delay={delay}"));
        }
        if let Some(fault) = self.fault {
            parts.push(format!("fault={}", fault.name()));
        }
        f.write_str(&parts.join(", "))
    }
}

/// Why a scenario cannot be used, with the values that would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub detail: String,
    pub accepted: Vec<String>,
}

/// What a request's `Prefer` header asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preferences {
    /// `None`: no scenario asked for.
    pub scenario: Option<Scenario>,
    /// `chaos=off`: no chaos for this request (a test's own setup calls).
    pub chaos_off: bool,
}

impl Scenario {
    /// Parses `Prefer` header values: `code=500, example=NAME, delay=MS, fault=KIND`, and
    /// `chaos=off`. No header, or only empty values, asks for nothing.
    pub fn from_prefer<'a>(
        values: impl IntoIterator<Item = &'a str>,
        rules: &Rules,
    ) -> Result<Preferences, ScenarioError> {
        let mut scenario = Scenario::default();
        let mut chaos_off = false;
        let mut any = false;
        for value in values {
            for item in value
                .split([',', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                let Some((key, raw)) = item.split_once('=') else {
                    return Err(rules.error(format!("`{item}` is not of the form key=value")));
                };
                let raw = raw.trim().trim_matches('"');
                let key = key.trim().to_ascii_lowercase();
                if key == "chaos" {
                    if !raw.eq_ignore_ascii_case("off") {
                        return Err(
                            rules.error(format!("chaos={raw}: only chaos=off is a preference"))
                        );
                    }
                    chaos_off = true;
                    continue;
                }
                any = true;
                match key.as_str() {
                    "code" => {
                        let code = raw
                            .parse()
                            .map_err(|_| rules.error(format!("code={raw}: not a status code")))?;
                        scenario.code = Some(code);
                    }
                    "example" => scenario.example = Some(raw.to_owned()),
                    "delay" => {
                        let delay = raw.parse().map_err(|_| {
                            rules.error(format!("delay={raw}: not a whole number of milliseconds"))
                        })?;
                        scenario.delay = Some(delay);
                    }
                    "fault" => {
                        let fault = Fault::ALL
                            .iter()
                            .find(|(name, _)| name.eq_ignore_ascii_case(raw))
                            .map(|(_, f)| *f)
                            .ok_or_else(|| rules.error(format!("fault={raw}: unknown fault")))?;
                        scenario.fault = Some(fault);
                    }
                    other => {
                        return Err(rules.error(format!("unknown preference `{other}`")));
                    }
                }
            }
        }
        if !any {
            return Ok(Preferences {
                scenario: None,
                chaos_off,
            });
        }
        rules.check(&scenario)?;
        Ok(Preferences {
            scenario: Some(scenario),
            chaos_off,
        })
    }

    pub fn delay(&self) -> Option<Duration> {
        self.delay.map(Duration::from_millis)
    }
}

/// What a scenario may ask for, from the contract and the mock's settings.
#[derive(Debug, Clone)]
pub struct Rules {
    documented: Vec<u16>,
    /// Example name -> status.
    examples: Vec<(String, u16)>,
    pub max_delay: Duration,
}

impl Rules {
    pub fn new(contract: &Contract, max_delay: Duration) -> Self {
        Self {
            documented: contract.documented_statuses().collect(),
            examples: contract
                .examples()
                .iter()
                .map(|e| (e.name.clone(), e.status))
                .collect(),
            max_delay,
        }
    }

    /// What a scenario may ask of one of the contract's other operations.
    pub fn of_operation(operation: &crate::contract::Operation, max_delay: Duration) -> Self {
        Self {
            documented: operation.documented_statuses().collect(),
            examples: operation
                .examples
                .iter()
                .map(|e| (e.name.clone(), e.status))
                .collect(),
            max_delay,
        }
    }

    /// Every accepted form, for error messages and the admin page.
    pub fn accepted(&self) -> Vec<String> {
        let mut accepted: Vec<String> = self
            .documented
            .iter()
            .map(|c| format!("code={c}"))
            .collect();
        accepted.extend(
            self.examples
                .iter()
                .map(|(name, status)| format!("example={name} ({status})")),
        );
        accepted.push(format!("delay=0..{}", self.max_delay.as_millis()));
        accepted.extend(Fault::ALL.iter().map(|(name, _)| format!("fault={name}")));
        accepted.push("chaos=off".to_owned());
        accepted
    }

    fn error(&self, detail: String) -> ScenarioError {
        ScenarioError {
            detail,
            accepted: self.accepted(),
        }
    }

    /// Checks values that parse but make no sense here.
    pub fn check(&self, scenario: &Scenario) -> Result<(), ScenarioError> {
        if let Some(code) = scenario.code
            && !self.documented.contains(&code)
        {
            return Err(self.error(format!("code={code}: not a documented status")));
        }
        if let Some(name) = &scenario.example {
            let Some((_, status)) = self.examples.iter().find(|(n, _)| n == name) else {
                return Err(self.error(format!("example={name}: no such example")));
            };
            if let Some(code) = scenario.code
                && code != *status
            {
                return Err(self.error(format!(
                    "example={name} is a {status} example, but code={code} was asked for"
                )));
            }
        }
        if let Some(delay) = scenario.delay
            && u128::from(delay) > self.max_delay.as_millis()
        {
            return Err(self.error(format!(
                "delay={delay}: over the maximum of {} ms (see --max-delay-ms)",
                self.max_delay.as_millis()
            )));
        }
        if scenario == &Scenario::default() {
            return Err(self.error("the scenario asks for nothing".to_owned()));
        }
        Ok(())
    }
}

/// How many requests an armed scenario lasts.
#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::new(
            &Contract::embedded().expect("embedded contract loads"),
            Duration::from_secs(10),
        )
    }

    #[test]
    fn prefer_header_parses_every_key() {
        let s = Scenario::from_prefer(["code=500, delay=20", "fault=timeout"], &rules())
            .expect("valid")
            .scenario
            .expect("present");
        assert_eq!(s.code, Some(500));
        assert_eq!(s.delay, Some(20));
        assert_eq!(s.fault, Some(Fault::Timeout));
        assert_eq!(s.to_string(), "code=500, delay=20, fault=timeout");
    }

    #[test]
    fn prefer_header_rejects_unknown_keys_and_lists_what_is_accepted() {
        let e = Scenario::from_prefer(["dynamic=true"], &rules()).expect_err("unknown key");
        assert!(e.detail.contains("dynamic"), "{e:?}");
        assert!(e.accepted.contains(&"code=500".to_owned()));
        assert!(e.accepted.contains(&"fault=reset".to_owned()));
    }

    #[test]
    fn prefer_header_rejects_undocumented_codes_examples_of_another_status_and_long_delays() {
        let r = rules();
        assert!(Scenario::from_prefer(["code=418"], &r).is_err());
        assert!(Scenario::from_prefer(["code=500, example=updated"], &r).is_err());
        assert!(Scenario::from_prefer(["delay=10001"], &r).is_err());
        assert!(Scenario::from_prefer(["example=nope"], &r).is_err());
        assert!(Scenario::from_prefer(["code"], &r).is_err());
        assert_eq!(
            Scenario::from_prefer(["", " "], &r),
            Ok(Preferences::default())
        );
        assert!(Scenario::from_prefer(["chaos=on"], &r).is_err());
        let off = Scenario::from_prefer(["chaos=off, code=500"], &r).expect("valid");
        assert!(off.chaos_off && off.scenario.is_some_and(|s| s.code == Some(500)));
        let only_off = Scenario::from_prefer(["chaos=off"], &r).expect("valid");
        assert!(only_off.chaos_off && only_off.scenario.is_none());
    }
}

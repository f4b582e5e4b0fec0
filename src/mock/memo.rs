//! One worker's memory of the valid request bodies it has seen, parsed, so
//! the same body is not parsed and validated again (what that saves: BENCHMARKS.md). Per
//! worker, so no lock.

use std::sync::Arc;

use actix_web::web::Bytes;
use serde_json::Value;

/// A few small bodies, the oldest forgotten first.
#[derive(Default)]
pub(crate) struct ValidBodies(std::cell::RefCell<std::collections::VecDeque<(Bytes, Arc<Value>)>>);

impl ValidBodies {
    /// Bodies remembered, at most; a scan of a handful beats hashing a body.
    const CAPACITY: usize = 16;
    /// Larger bodies are not remembered (comparing them costs what parsing saves).
    const MAX_BYTES: usize = 512;

    pub(crate) fn get(&self, body: &[u8]) -> Option<Arc<Value>> {
        self.0
            .borrow()
            .iter()
            .find(|(known, _)| known.as_ref() == body)
            .map(|(_, parsed)| parsed.clone())
    }

    pub(crate) fn remember(&self, body: &[u8], parsed: Arc<Value>) {
        if body.len() > Self::MAX_BYTES {
            return;
        }
        let mut bodies = self.0.borrow_mut();
        if bodies.len() == Self::CAPACITY {
            bodies.pop_front();
        }
        // Copied: the request's bytes share the connection's read buffer.
        bodies.push_back((Bytes::copy_from_slice(body), parsed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_bodies_are_remembered_exactly_small_and_few() {
        let bodies = ValidBodies::default();
        let parsed = |s: &str| Arc::new(Value::String(s.to_owned()));
        bodies.remember(br#"{"pick":"b"}"#, parsed("b"));
        assert_eq!(
            bodies.get(br#"{"pick":"b"}"#).as_deref(),
            Some(&*parsed("b"))
        );
        // Another spelling of the same JSON is another body: parsed again, never guessed.
        assert_eq!(bodies.get(br#"{ "pick":"b"}"#), None);
        bodies.remember(&vec![b' '; ValidBodies::MAX_BYTES + 1], parsed("X"));
        assert_eq!(bodies.get(&vec![b' '; ValidBodies::MAX_BYTES + 1]), None);
        for i in 0..ValidBodies::CAPACITY {
            bodies.remember(format!("{{\"n\":{i}}}").as_bytes(), parsed("N"));
        }
        assert_eq!(
            bodies.get(br#"{"pick":"b"}"#),
            None,
            "the oldest goes first"
        );
        assert!(bodies.get(b"{\"n\":0}").is_some());
    }
}

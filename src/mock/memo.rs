//! One worker's memory of the valid request bodies it has seen and the method each selects, so
//! the same body is not parsed and validated again (about 2,900 instructions a request saved;
//! BENCHMARKS.md). Per worker, so no lock.

use std::sync::Arc;

use actix_web::web::Bytes;

/// A few small bodies, the oldest forgotten first.
#[derive(Default)]
pub(crate) struct ValidBodies(std::cell::RefCell<std::collections::VecDeque<(Bytes, Arc<str>)>>);

impl ValidBodies {
    /// Bodies remembered, at most; a scan of a handful beats hashing a body.
    const CAPACITY: usize = 16;
    /// Larger bodies are not remembered (comparing them costs what parsing saves).
    const MAX_BYTES: usize = 512;

    pub(crate) fn get(&self, body: &[u8]) -> Option<Arc<str>> {
        self.0
            .borrow()
            .iter()
            .find(|(known, _)| known.as_ref() == body)
            .map(|(_, method)| method.clone())
    }

    pub(crate) fn remember(&self, body: &[u8], method: Arc<str>) {
        if body.len() > Self::MAX_BYTES {
            return;
        }
        let mut bodies = self.0.borrow_mut();
        if bodies.len() == Self::CAPACITY {
            bodies.pop_front();
        }
        // Copied: the request's bytes share the connection's read buffer.
        bodies.push_back((Bytes::copy_from_slice(body), method));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_bodies_are_remembered_exactly_small_and_few() {
        let bodies = ValidBodies::default();
        bodies.remember(br#"{"mfaType":"PASSKEY"}"#, "PASSKEY".into());
        assert_eq!(
            bodies.get(br#"{"mfaType":"PASSKEY"}"#).as_deref(),
            Some("PASSKEY")
        );
        // Another spelling of the same JSON is another body: parsed again, never guessed.
        assert_eq!(bodies.get(br#"{ "mfaType":"PASSKEY"}"#), None);
        bodies.remember(&vec![b' '; ValidBodies::MAX_BYTES + 1], "X".into());
        assert_eq!(bodies.get(&vec![b' '; ValidBodies::MAX_BYTES + 1]), None);
        for i in 0..ValidBodies::CAPACITY {
            bodies.remember(format!("{{\"n\":{i}}}").as_bytes(), "N".into());
        }
        assert_eq!(
            bodies.get(br#"{"mfaType":"PASSKEY"}"#),
            None,
            "the oldest goes first"
        );
        assert!(bodies.get(b"{\"n\":0}").is_some());
    }
}

//! The journal of received requests, for frontend test suites and the admin page. Bounded:
//! the oldest entries go first, and bodies are cut, so memory stays flat under any load.
//! Tokens are replaced by their fingerprints before an entry is stored.

use std::collections::VecDeque;

use serde::Serialize;

/// Bodies are kept up to this many bytes.
pub const MAX_BODY_BYTES: usize = 4096;
/// Each header value is kept up to this many bytes.
pub const MAX_HEADER_BYTES: usize = 1024;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: u64,
    /// Milliseconds since the Unix epoch.
    pub received_at_ms: u128,
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced), cut to `MAX_BODY_BYTES`.
    pub body: String,
    pub body_truncated: bool,
    /// `None` when the connection was closed without a response.
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    pub latency_ms: f64,
}

#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    next_id: u64,
    entries: VecDeque<Entry>,
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            next_id: 0,
            entries: VecDeque::with_capacity(capacity.min(1024)),
        }
    }

    /// Stores an entry (its id is assigned here), dropping the oldest when full.
    pub fn record(&mut self, mut entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        self.next_id += 1;
        entry.id = self.next_id;
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(entry);
    }

    /// Oldest first.
    pub fn entries(&self) -> Vec<Entry> {
        self.entries.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// `text` cut to at most `max` bytes on a character boundary, and whether it was cut.
pub fn cut(text: &str, max: usize) -> (String, bool) {
    if text.len() <= max {
        return (text.to_owned(), false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].to_owned(), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> Entry {
        Entry {
            id: 0,
            received_at_ms: 0,
            method: "POST".into(),
            path: path.into(),
            headers: vec![],
            body: String::new(),
            body_truncated: false,
            status: Some(200),
            scenario: None,
            user: None,
            latency_ms: 0.0,
        }
    }

    #[test]
    fn keeps_the_newest_entries_up_to_capacity() {
        let mut j = Journal::new(3);
        for i in 0..5 {
            j.record(entry(&format!("/{i}")));
        }
        let paths: Vec<_> = j.entries().into_iter().map(|e| (e.id, e.path)).collect();
        assert_eq!(
            paths,
            vec![(3, "/2".into()), (4, "/3".into()), (5, "/4".into())]
        );
    }

    #[test]
    fn cut_respects_character_boundaries() {
        assert_eq!(cut("héllo", 2), ("h".to_owned(), true));
        assert_eq!(cut("abc", 3), ("abc".to_owned(), false));
    }
}

//! Reads a HAR file one entry at a time: serde walks `log.entries` and hands each entry to the
//! caller as it is parsed, so a 100 MB capture never sits in memory whole (BENCHMARKS.md,
//! "HAR"). Pages come before entries in the exports we know; their titles name the entries.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::model::Entry;

/// Page id -> title.
pub type Pages = BTreeMap<String, String>;

/// What is done with each entry: its position, the entry, the pages read so far.
pub type Each<'f> = dyn FnMut(usize, Entry, &Pages) + 'f;

/// What the reader found besides the entries.
#[derive(Debug, Default)]
pub struct Log {
    pub pages: Pages,
    pub entries: usize,
    pub has_log: bool,
}

/// Calls `each(index, entry, pages so far)` for every entry of the HAR read from `reader`.
pub fn for_each_entry<R: Read>(reader: R, each: &mut Each<'_>) -> Result<Log, serde_json::Error> {
    let mut log = Log::default();
    let mut deserializer = serde_json::Deserializer::from_reader(reader);
    Root {
        log: &mut log,
        each,
    }
    .deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(log)
}

struct Root<'a> {
    log: &'a mut Log,
    each: &'a mut Each<'a>,
}

impl<'de> DeserializeSeed<'de> for Root<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Root<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a HAR document: an object with a \"log\"")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" {
                self.log.has_log = true;
                map.next_value_seed(LogSeed {
                    log: &mut *self.log,
                    each: &mut *self.each,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct LogSeed<'a> {
    log: &'a mut Log,
    each: &'a mut Each<'a>,
}

#[derive(Deserialize)]
struct Page {
    id: String,
    #[serde(default)]
    title: String,
}

impl<'de> DeserializeSeed<'de> for LogSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a HAR log: an object with \"entries\"")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "pages" => {
                    for page in map.next_value::<Vec<Page>>()? {
                        self.log.pages.insert(page.id, page.title);
                    }
                }
                "entries" => map.next_value_seed(EntriesSeed {
                    log: &mut *self.log,
                    each: &mut *self.each,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct EntriesSeed<'a> {
    log: &'a mut Log,
    each: &'a mut Each<'a>,
}

impl<'de> DeserializeSeed<'de> for EntriesSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EntriesSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of HAR entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<Entry>()? {
            (self.each)(self.log.entries, entry, &self.log.pages);
            self.log.entries += 1;
        }
        Ok(())
    }
}

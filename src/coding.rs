//! Content codings (RFC 9110 8.4), read one way wherever a body is judged: the checker's and
//! drift's answers, the proxy's both sides, and `check --har`. A body that says `gzip`,
//! `deflate`, `br` or `zstd` (or several, applied in order) is decoded before it is judged, up to
//! a cap, so a compression bomb is cut and reported instead of filling memory. A body whose
//! `Content-Encoding` lies, or that is compressed without saying so, is what a browser cannot
//! read; [`Problem`] says what the client would see. Decoders are flate2, brotli and zstd, the
//! crates actix-web compresses with.

use std::io::Read;

/// How a body was coded, once decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    /// The codings undone, in the order the sender applied them; empty for identity.
    pub codings: Vec<String>,
    /// The body's length as sent.
    pub encoded_len: usize,
}

/// What a client could not read in a body's coding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// `Content-Encoding` names a coding the bytes are not in.
    Mislabelled { coding: String, reason: String },
    /// Compressed bytes without a `Content-Encoding` that says so.
    Unlabelled { coding: &'static str },
    /// A coding no browser decodes.
    Unknown { coding: String },
    /// The body decodes to more than the cap; it was cut there.
    TooLarge { cap: usize, encoded_len: usize },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Mislabelled { coding, reason } => write!(
                f,
                "Content-Encoding says {coding}, but the body is not {coding} ({reason}): a browser fails the request (net::ERR_CONTENT_DECODING_FAILED) and the app gets no answer"
            ),
            Problem::Unlabelled { coding } => write!(
                f,
                "the body is {coding}-compressed, but no Content-Encoding says so: a browser hands the app the compressed bytes, and parsing them as JSON fails"
            ),
            Problem::Unknown { coding } => write!(
                f,
                "Content-Encoding {coding} is not a coding browsers decode (gzip, deflate, br, zstd): the app cannot read the body"
            ),
            Problem::TooLarge { cap, encoded_len } => write!(
                f,
                "the body ({encoded_len} bytes as sent) decodes to more than {cap} bytes, a compression bomb as far as a client can tell; decoding stopped there"
            ),
        }
    }
}

/// What decoding a body came to, kept with a response where there was anything to say (a
/// coding undone, or a problem); boxed there, so an identity body costs nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodingOutcome {
    pub coding: Coding,
    pub problem: Option<Problem>,
}

/// A body as its reader sees it: decoded where it said (or showed) a coding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub body: Vec<u8>,
    pub coding: Coding,
    pub problem: Option<Problem>,
}

impl Decoded {
    /// The body, and what there is to say of its coding (`None`: identity, nothing wrong).
    pub fn split(self) -> (Vec<u8>, Option<Box<CodingOutcome>>) {
        let outcome = (!self.coding.codings.is_empty() || self.problem.is_some()).then(|| {
            Box::new(CodingOutcome {
                coding: self.coding,
                problem: self.problem,
            })
        });
        (self.body, outcome)
    }
}

/// The codings a browser asks for, as `Accept-Encoding` says it.
pub const BROWSER_ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// `body` decoded as `content_encoding` says (`None`: no header), at most `cap` bytes. A body
/// with no coding, or one that cannot be decoded, is returned as sent, with the problem.
pub fn decode(content_encoding: Option<&str>, body: Vec<u8>, cap: usize) -> Decoded {
    let encoded_len = body.len();
    let codings: Vec<String> = content_encoding
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    if codings.is_empty() {
        let problem = sniff(&body).map(|coding| Problem::Unlabelled { coding });
        return Decoded {
            body,
            coding: Coding {
                codings,
                encoded_len,
            },
            problem,
        };
    }
    let mut current = body;
    // The last coding applied is the first to undo.
    for coding in codings.iter().rev() {
        match decode_one(coding, &current, cap) {
            Ok(decoded) => current = decoded,
            Err(problem) => {
                let cut = matches!(problem, Problem::TooLarge { .. });
                return Decoded {
                    body: if cut { Vec::new() } else { current },
                    coding: Coding {
                        codings,
                        encoded_len,
                    },
                    problem: Some(problem),
                };
            }
        }
    }
    Decoded {
        body: current,
        coding: Coding {
            codings,
            encoded_len,
        },
        problem: None,
    }
}

/// [`decode`] for a body from a capture (HAR): browsers store the body already decoded beside
/// the `Content-Encoding` it came with, so a body that is not in its labelled coding is taken
/// as decoded, not as a lie. Compressed bytes without a label are still what a browser got.
pub fn decode_captured(content_encoding: Option<&str>, body: Vec<u8>, cap: usize) -> Decoded {
    let decoded = decode(content_encoding, body, cap);
    match decoded.problem {
        Some(Problem::Mislabelled { .. }) => {
            let body = decoded.body;
            Decoded {
                coding: Coding {
                    codings: Vec::new(),
                    encoded_len: body.len(),
                },
                body,
                problem: None,
            }
        }
        _ => decoded,
    }
}

fn decode_one(coding: &str, body: &[u8], cap: usize) -> Result<Vec<u8>, Problem> {
    let mislabelled = |reason: String| Problem::Mislabelled {
        coding: coding.to_owned(),
        reason,
    };
    let encoded_len = body.len();
    let read = |reader: &mut dyn Read| -> Result<Vec<u8>, Problem> {
        let mut out = Vec::new();
        // One byte past the cap tells "exactly at the cap" from "more".
        let read = reader
            .take(cap as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| mislabelled(e.to_string()))?;
        if read > cap {
            return Err(Problem::TooLarge { cap, encoded_len });
        }
        Ok(out)
    };
    match coding {
        "gzip" | "x-gzip" => read(&mut flate2::read::GzDecoder::new(body)),
        // `deflate` is zlib-wrapped by the RFC; browsers accept raw deflate too.
        "deflate" if looks_like_zlib(body) => read(&mut flate2::read::ZlibDecoder::new(body)),
        "deflate" => read(&mut flate2::read::DeflateDecoder::new(body)),
        "br" => read(&mut brotli::Decompressor::new(body, 4096)),
        "zstd" => {
            let mut decoder =
                zstd::stream::read::Decoder::new(body).map_err(|e| mislabelled(e.to_string()))?;
            read(&mut decoder)
        }
        other => Err(Problem::Unknown {
            coding: other.to_owned(),
        }),
    }
}

/// A compressed format recognised by its first bytes (brotli has no signature).
fn sniff(body: &[u8]) -> Option<&'static str> {
    if body.starts_with(&[0x1f, 0x8b]) {
        Some("gzip")
    } else if body.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some("zstd")
    } else if looks_like_zlib(body) {
        Some("deflate")
    } else {
        None
    }
}

/// A zlib header: deflate method, and a check value that makes the first two bytes a multiple
/// of 31 (`x` followed by `^`, `\x9c` or `\xda` in practice, which no JSON starts with).
fn looks_like_zlib(body: &[u8]) -> bool {
    matches!(body, [cmf, flg, ..] if cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const JSON: &[u8] = br#"{"success":true,"message":"Primary MFA method updated"}"#;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("in memory");
        encoder.finish().expect("in memory")
    }

    fn every_coding(bytes: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zlib.write_all(bytes).expect("in memory");
        let mut raw =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        raw.write_all(bytes).expect("in memory");
        let mut br = Vec::new();
        brotli::CompressorWriter::new(&mut br, 4096, 5, 22)
            .write_all(bytes)
            .expect("in memory");
        vec![
            ("gzip", gzip(bytes)),
            ("deflate", zlib.finish().expect("in memory")),
            ("deflate", raw.finish().expect("in memory")),
            ("br", br),
            ("zstd", zstd::encode_all(bytes, 3).expect("in memory")),
        ]
    }

    #[test]
    fn every_coding_browsers_ask_for_decodes_to_the_body() {
        for (coding, encoded) in every_coding(JSON) {
            let decoded = decode(Some(coding), encoded.clone(), 1 << 20);
            assert_eq!(decoded.problem, None, "{coding}");
            assert_eq!(decoded.body, JSON, "{coding}");
            assert_eq!(decoded.coding.encoded_len, encoded.len());
        }
        let twice = gzip(&gzip(JSON));
        assert_eq!(decode(Some("gzip, gzip"), twice, 1 << 20).body, JSON);
    }

    #[test]
    fn identity_is_left_alone() {
        let decoded = decode(None, JSON.to_vec(), 1 << 20);
        assert_eq!((decoded.body.as_slice(), decoded.problem), (JSON, None));
        assert_eq!(decode(Some("identity"), JSON.to_vec(), 10).body, JSON);
    }

    #[test]
    fn a_lying_label_and_compressed_bytes_without_one_are_problems() {
        let lie = decode(Some("gzip"), JSON.to_vec(), 1 << 20);
        assert!(
            matches!(lie.problem, Some(Problem::Mislabelled { .. })),
            "{lie:?}"
        );
        assert_eq!(lie.body, JSON, "kept as sent");
        assert!(
            lie.problem
                .expect("a problem")
                .to_string()
                .contains("ERR_CONTENT_DECODING_FAILED")
        );
        // Brotli and raw deflate carry no signature; gzip, zlib and zstd do.
        let signed: Vec<(&str, Vec<u8>)> = every_coding(JSON)
            .into_iter()
            .filter(|(_, e)| sniff(e).is_some())
            .collect();
        let names: Vec<&str> = signed.iter().map(|(c, _)| *c).collect();
        assert_eq!(names, ["gzip", "deflate", "zstd"]);
        for (coding, encoded) in signed {
            let unlabelled = decode(None, encoded, 1 << 20);
            assert_eq!(
                unlabelled.problem,
                Some(Problem::Unlabelled { coding }),
                "{coding}"
            );
        }
        assert!(matches!(
            decode(Some("compress"), JSON.to_vec(), 1 << 20).problem,
            Some(Problem::Unknown { .. })
        ));
    }

    #[test]
    fn a_capture_may_hold_the_body_decoded_beside_its_label() {
        let browser = decode_captured(Some("gzip"), JSON.to_vec(), 1 << 20);
        assert_eq!((browser.body.as_slice(), browser.problem), (JSON, None));
        let raw = decode_captured(Some("gzip"), gzip(JSON), 1 << 20);
        assert_eq!((raw.body.as_slice(), raw.problem), (JSON, None));
        assert!(decode_captured(None, gzip(JSON), 1 << 20).problem.is_some());
    }

    #[test]
    fn a_bomb_is_cut_at_the_cap() {
        let bomb = gzip(&vec![b' '; 8 << 20]);
        assert!(bomb.len() < 64 << 10, "{} bytes", bomb.len());
        let decoded = decode(Some("gzip"), bomb, 1 << 20);
        assert!(matches!(decoded.problem, Some(Problem::TooLarge { cap, .. }) if cap == 1 << 20));
        assert!(decoded.body.is_empty());
        assert_eq!(
            decode(Some("gzip"), gzip(&[b'x'; 100]), 100).problem,
            None,
            "exactly the cap"
        );
    }
}

//! The cursor codec: a listing position and the query it belongs to, as an opaque, versioned,
//! URL-safe string checked for alteration. Only encoding and decoding live here; whether a
//! cursor fits a request is decided by the request (`request.rs`).
//!
//! A cursor is `v1.` followed by the URL-safe base64 (no padding) of a small binary payload:
//!
//! ```text
//! listing u8 | order u8 | from i64 | to i64 | scope u64 | time i64 | tie u64 | id bytes | checksum u64
//! ```
//!
//! `scope` is a fingerprint of what else decides the rows (filters, owner); 0 for none.
//!
//! (integers big-endian). The checksum is FNV-1a over a fixed domain string and the payload:
//! not a secret MAC — a host that needs unforgeable cursors signs them itself — but any edit,
//! truncation or random string is refused with [`ErrorKind::Cursor`](crate::ErrorKind::Cursor).

use super::order::SortOrder;
use crate::Error;
use crate::error::show_str;
use crate::time::GregorianSeconds;

/// The prefix naming the cursor format version.
const PREFIX: &str = "v1.";

/// Mixed into the checksum so that other FNV-protected strings do not pass as cursors.
const DOMAIN: &[u8] = b"kazoo-records cursor v1";

/// The longest cursor text accepted (a generous bound for ids of a few hundred bytes).
const MAX_TEXT: usize = 2048;

/// Fixed-size part of the payload before the id: listing, order, from, to, scope, time, tie.
const HEAD: usize = 1 + 1 + 8 + 8 + 8 + 8 + 8;

/// Bytes of the checksum at the end.
const SUM: usize = 8;

/// The query parameter a cursor arrives in, named by its errors.
pub(crate) const START_KEY: &str = "start_key";

/// Which listing a cursor belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listing {
    /// CDRs by listing time and document id.
    Cdrs,
    /// Interactions by interaction time and key.
    Interactions,
}

impl Listing {
    fn byte(self) -> u8 {
        match self {
            Listing::Cdrs => 1,
            Listing::Interactions => 2,
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Listing::Cdrs),
            2 => Some(Listing::Interactions),
            _ => None,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Listing::Cdrs => "CDRs",
            Listing::Interactions => "interactions",
        }
    }
}

/// A position in a listing: the last item of a page.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Position {
    /// The item's sort time (Gregorian seconds).
    pub time: i64,
    /// The item's id (document id, or interaction key).
    pub id: String,
    /// A tie-breaker after the id: the slice index of a CDR, the kind of an interaction
    /// group; 0 for store listings.
    pub tie: u64,
}

/// A decoded cursor: the query it was issued for and the position it continues after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub listing: Listing,
    pub order: SortOrder,
    pub from: GregorianSeconds,
    pub to: GregorianSeconds,
    /// The fingerprint of the filters and owner the cursor was issued under (0: none).
    pub scope: u64,
    pub position: Position,
}

impl Cursor {
    /// The cursor as its opaque text.
    pub(crate) fn encode(&self) -> String {
        let mut payload = Vec::with_capacity(HEAD + self.position.id.len() + SUM);
        payload.push(self.listing.byte());
        payload.push(match self.order {
            SortOrder::Ascending => 0,
            SortOrder::Descending => 1,
        });
        payload.extend_from_slice(&self.from.0.to_be_bytes());
        payload.extend_from_slice(&self.to.0.to_be_bytes());
        payload.extend_from_slice(&self.scope.to_be_bytes());
        payload.extend_from_slice(&self.position.time.to_be_bytes());
        payload.extend_from_slice(&self.position.tie.to_be_bytes());
        payload.extend_from_slice(self.position.id.as_bytes());
        let sum = checksum(&payload);
        payload.extend_from_slice(&sum.to_be_bytes());
        let mut text = String::with_capacity(PREFIX.len() + payload.len() * 4 / 3 + 4);
        text.push_str(PREFIX);
        base64url_encode(&payload, &mut text);
        text
    }

    /// Reads a cursor's text.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Cursor`](crate::ErrorKind::Cursor) at `start_key` for text that is not a cursor of this version, or
    /// that was altered.
    pub(crate) fn decode(text: &str) -> Result<Cursor, Error> {
        let refuse = |reason: &str| Error::cursor(show_str(text), reason).within(START_KEY);
        if text.len() > MAX_TEXT {
            return Err(refuse("is too long to be a cursor"));
        }
        let body = text
            .strip_prefix(PREFIX)
            .ok_or_else(|| refuse("is not a cursor of this version (expected `v1.…`)"))?;
        let payload = base64url_decode(body)
            .ok_or_else(|| refuse("is not a cursor (it is not URL-safe base64)"))?;
        let split = payload
            .len()
            .checked_sub(SUM)
            .filter(|&at| at >= HEAD)
            .ok_or_else(|| refuse("is not a cursor (too short)"))?;
        let (data, sum) = payload.split_at(split);
        if read_u64(sum, 0) != Some(checksum(data)) {
            return Err(refuse("was altered or is not a cursor (checksum mismatch)"));
        }
        // The checksum matched, so the fields below were written by `encode`; each is still
        // read without indexing so that a collision cannot panic.
        let malformed = || refuse("is not a cursor (malformed payload)");
        let listing = data
            .first()
            .copied()
            .and_then(Listing::from_byte)
            .ok_or_else(malformed)?;
        let order = match data.get(1) {
            Some(0) => SortOrder::Ascending,
            Some(1) => SortOrder::Descending,
            _ => return Err(malformed()),
        };
        let field = |at: usize| read_u64(data, at).ok_or_else(malformed);
        let from = field(2)? as i64;
        let to = field(10)? as i64;
        let scope = field(18)?;
        let time = field(26)? as i64;
        let tie = field(34)?;
        let id = data
            .get(HEAD..)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .ok_or_else(malformed)?;
        Ok(Cursor {
            listing,
            order,
            from: GregorianSeconds(from),
            to: GregorianSeconds(to),
            scope,
            position: Position {
                time,
                id: id.to_owned(),
                tie,
            },
        })
    }
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let chunk: [u8; 8] = bytes.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_be_bytes(chunk))
}

/// FNV-1a (64 bits) of the domain string followed by `data`.
fn checksum(data: &[u8]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    DOMAIN.iter().chain(data).fold(OFFSET, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 without padding (RFC 4648 §5).
fn base64url_encode(bytes: &[u8], out: &mut String) {
    let symbol = |index: u32| char::from(ALPHABET[(index & 63) as usize]);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        out.push(symbol(n >> 18));
        out.push(symbol(n >> 12));
        if chunk.len() > 1 {
            out.push(symbol(n >> 6));
        }
        if chunk.len() > 2 {
            out.push(symbol(n));
        }
    }
}

/// Decodes URL-safe base64 without padding; `None` for any other character, an impossible
/// length, or non-zero bits after the last byte (so each payload has exactly one text).
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        Some(u32::from(v))
    };
    let bytes = text.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        let [_, b0, b1, b2] = n.to_be_bytes();
        match chunk.len() {
            4 => out.extend_from_slice(&[b0, b1, b2]),
            3 if b2 == 0 => out.extend_from_slice(&[b0, b1]),
            2 if b1 == 0 && b2 == 0 => out.push(b0),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use proptest::prelude::*;

    fn sample() -> Cursor {
        Cursor {
            listing: Listing::Cdrs,
            order: SortOrder::Descending,
            from: GregorianSeconds(63_724_000_000),
            to: GregorianSeconds(63_726_682_000),
            scope: 0x1234_5678_9abc_def0,
            position: Position {
                time: 63_724_403_408,
                id: "201905-abc".to_owned(),
                tie: 7,
            },
        }
    }

    #[test]
    fn a_cursor_is_url_safe_and_round_trips() {
        let text = sample().encode();
        assert!(text.starts_with("v1."));
        assert!(
            text[3..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{text}"
        );
        assert_eq!(Cursor::decode(&text), Ok(sample()));
    }

    #[test]
    fn every_single_character_edit_is_refused() {
        let text = sample().encode();
        for at in 3..text.len() {
            for replacement in ['A', 'f', '0', '_'] {
                let mut edited = text.clone();
                if edited[at..].starts_with(replacement) {
                    continue;
                }
                edited.replace_range(at..at + 1, &replacement.to_string());
                let err = Cursor::decode(&edited).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Cursor, "{edited}");
                assert_eq!(err.path(), "start_key");
            }
        }
    }

    #[test]
    fn foreign_texts_are_refused_with_a_reason() {
        for text in [
            "",
            "v1.",
            "v2.AAAA",
            "abc",
            "v1.A",
            "v1.!!!!",
            "v1.AAAAAAAAAAAA",
        ] {
            let err = Cursor::decode(text).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Cursor, "{text}");
            assert!(err.to_string().starts_with("start_key: cursor "), "{err}");
        }
        let long = "v1.".to_owned() + &"A".repeat(5000);
        assert!(
            Cursor::decode(&long)
                .unwrap_err()
                .to_string()
                .contains("too long")
        );
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        // RFC 4648 §10 vectors, without padding.
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ] {
            let mut out = String::new();
            base64url_encode(plain.as_bytes(), &mut out);
            assert_eq!(out, coded);
            assert_eq!(base64url_decode(coded).as_deref(), Some(plain.as_bytes()));
        }
        // Non-canonical trailing bits are refused.
        assert_eq!(base64url_decode("Zh"), None);
        assert_eq!(base64url_decode("Zm9"), None);
    }

    proptest! {
        #[test]
        fn base64_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..100)) {
            let mut text = String::new();
            base64url_encode(&bytes, &mut text);
            prop_assert_eq!(base64url_decode(&text), Some(bytes));
        }

        #[test]
        fn cursors_round_trip(time in any::<i64>(), tie in any::<u64>(), id in ".{0,40}",
                              from in any::<i64>(), to in any::<i64>(), asc in any::<bool>(),
                              scope in any::<u64>()) {
            let cursor = Cursor {
                listing: Listing::Interactions,
                order: if asc { SortOrder::Ascending } else { SortOrder::Descending },
                from: GregorianSeconds(from),
                to: GregorianSeconds(to),
                scope,
                position: Position { time, id, tie },
            };
            prop_assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor));
        }

        #[test]
        fn random_texts_never_panic_and_are_refused(text in "v1\\.[A-Za-z0-9_-]{0,80}") {
            prop_assert!(Cursor::decode(&text).is_err());
        }
    }
}

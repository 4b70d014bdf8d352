//! RFC 4180 fields: a cell is written bare unless it holds a comma, a double quote, CR or
//! LF; then it is enclosed in double quotes with each double quote doubled.

/// Appends `cell` to `out` as one RFC 4180 field.
#[inline]
pub(super) fn push_field(out: &mut String, cell: &str) {
    if !needs_quotes(cell.as_bytes()) {
        out.push_str(cell);
        return;
    }
    push_quoted(out, cell);
}

/// Appends `cell` to `out` enclosed in double quotes, each double quote doubled.
pub(super) fn push_quoted(out: &mut String, cell: &str) {
    out.reserve(cell.len() + 2);
    out.push('"');
    let mut rest = cell;
    while let Some(at) = rest.find('"') {
        out.push_str(&rest[..=at]);
        out.push('"');
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

/// The bytes that make a field quoted.
fn is_special(byte: &u8) -> bool {
    matches!(byte, b',' | b'"' | b'\n' | b'\r')
}

/// Whether `cell` holds a byte that must be quoted.
///
/// Every such byte is below `-` (0x2D), and most cells (ids, numbers, SIP addresses, dates)
/// have no byte below it, so eight bytes at a time are first tested for any byte below 0x2D
/// (exact: no byte below it gives 0), and only a word that has one is looked at byte by byte.
pub(super) fn needs_quotes(cell: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    const BELOW: u64 = ONES * 0x2D;
    let mut words = cell.chunks_exact(8);
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        if x.wrapping_sub(BELOW) & !x & HIGH_BITS != 0 && word.iter().any(is_special) {
            return true;
        }
    }
    words.remainder().iter().any(is_special)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The rule written out plainly.
    fn naive(cell: &[u8]) -> Vec<u8> {
        if cell.iter().any(is_special) {
            let mut out = vec![b'"'];
            for &b in cell {
                out.push(b);
                if b == b'"' {
                    out.push(b'"');
                }
            }
            out.push(b'"');
            out
        } else {
            cell.to_vec()
        }
    }

    #[test]
    fn special_bytes_quote_and_quotes_double() {
        let field = |cell: &str| {
            let mut out = String::from("x,");
            push_field(&mut out, cell);
            out
        };
        assert_eq!(field(""), "x,");
        assert_eq!(field("abc-123@host:5060"), "x,abc-123@host:5060");
        assert_eq!(field("Doe, Jane"), "x,\"Doe, Jane\"");
        assert_eq!(field("say \"hi\""), "x,\"say \"\"hi\"\"\"");
        assert_eq!(field("a\nb"), "x,\"a\nb\"");
        assert_eq!(field("0123456789abcdef\r"), "x,\"0123456789abcdef\r\"");
        assert_eq!(field("+1 555 (é)"), "x,+1 555 (é)");
    }

    proptest! {
        #[test]
        fn agrees_with_the_plain_rule(cell in prop::collection::vec(
            prop_oneof![Just(','), Just('"'), Just('\n'), Just('\r'), Just(' '), Just('-'), any::<char>()],
            0..40,
        )) {
            let cell: String = cell.into_iter().collect();
            let mut out = String::new();
            push_field(&mut out, &cell);
            prop_assert_eq!(out.into_bytes(), naive(cell.as_bytes()));
        }

        #[test]
        fn the_word_test_finds_every_special_byte(cell in prop::collection::vec(
            prop_oneof![Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b' '), Just(b'-'), any::<u8>()],
            0..40,
        )) {
            prop_assert_eq!(needs_quotes(&cell), cell.iter().any(is_special));
        }
    }
}

//! RFC 4180 fields: a cell is written bare unless it holds a comma, a double quote, CR or
//! LF; then it is enclosed in double quotes with each double quote doubled.

/// Appends `cell` to `out` as one RFC 4180 field.
#[inline]
pub(super) fn push_field(out: &mut Vec<u8>, cell: &[u8]) {
    if !needs_quotes(cell) {
        out.extend_from_slice(cell);
        return;
    }
    out.reserve(cell.len() + 2);
    out.push(b'"');
    let mut rest = cell;
    while let Some(at) = rest.iter().position(|&b| b == b'"') {
        out.extend_from_slice(&rest[..=at]);
        out.push(b'"');
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
    out.push(b'"');
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
fn needs_quotes(cell: &[u8]) -> bool {
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
            let mut out = b"x,".to_vec();
            push_field(&mut out, cell.as_bytes());
            String::from_utf8(out).unwrap()
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
            prop_oneof![Just(b','), Just(b'"'), Just(b'\n'), Just(b'\r'), Just(b' '), Just(b'-'), any::<u8>()],
            0..40,
        )) {
            let mut out = Vec::new();
            push_field(&mut out, &cell);
            prop_assert_eq!(out, naive(&cell));
        }
    }
}

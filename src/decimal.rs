//! Integers written as decimal text straight into a `String`, without `fmt` or allocation
//! (the CSV export writes several per row).

/// Appends `n` in decimal.
pub(crate) fn push_i64(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    push_u64_padded(out, n.unsigned_abs(), 1);
}

/// Appends `n` in decimal, zero-padded to at least `width` digits.
pub(crate) fn push_u64_padded(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while n > 0 || digits.len() - start < width.min(digits.len()) {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if start == 0 {
            break;
        }
    }
    // ASCII digits are chars of one byte: no UTF-8 check needed.
    out.extend(digits[start..].iter().map(|&digit| char::from(digit)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(n: i64) -> String {
        let mut out = String::new();
        push_i64(&mut out, n);
        out
    }

    #[test]
    fn extremes_and_padding() {
        assert_eq!(text(0), "0");
        assert_eq!(text(i64::MIN), i64::MIN.to_string());
        assert_eq!(text(i64::MAX), i64::MAX.to_string());
        let mut out = String::new();
        push_u64_padded(&mut out, 42, 4);
        push_u64_padded(&mut out, 0, 4);
        push_u64_padded(&mut out, u64::MAX, 25);
        assert_eq!(out, format!("00420000{}", u64::MAX));
    }

    proptest! {
        #[test]
        fn agrees_with_display(n in any::<i64>(), width in 0usize..24, m in any::<u64>()) {
            prop_assert_eq!(text(n), n.to_string());
            let mut out = String::new();
            push_u64_padded(&mut out, m, width);
            prop_assert_eq!(out, format!("{m:0width$}", width = width.min(20)));
        }
    }
}

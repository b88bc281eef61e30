//! The reader of a token's payload on the hot path: a flat JSON object of strings
//! without escapes and non-negative integers, as Approov issues them, read member by
//! member without building anything. Anything else is left to serde_json (`claims`).

/// What a reader of plain payloads does with each member: `None` leaves the whole
/// payload to serde_json.
pub(crate) trait PlainMembers<'j> {
    fn text(&mut self, name: &'j str, text: &'j str) -> Option<()>;
    fn number(&mut self, name: &'j str, number: u64) -> Option<()>;
}

/// Reads a plain payload (see the module docs), handing each member to `members`.
pub(crate) fn read_plain<'j>(json: &'j str, members: &mut impl PlainMembers<'j>) -> Option<()> {
    let mut reader = Plain { json, at: 0 };
    reader.skip_white_space();
    reader.expect(b'{')?;
    reader.skip_white_space();
    loop {
        let name = reader.string()?;
        reader.skip_white_space();
        reader.expect(b':')?;
        reader.skip_white_space();
        match reader.peek()? {
            b'"' => {
                let text = reader.string()?;
                members.text(name, text)?;
            }
            b'0'..=b'9' => {
                let number = reader.integer()?;
                members.number(name, number)?;
            }
            _ => return None,
        }
        reader.skip_white_space();
        match reader.next()? {
            b',' => reader.skip_white_space(),
            b'}' => break,
            _ => return None,
        }
    }
    reader.skip_white_space();
    (reader.at == reader.json.len()).then_some(())
}

/// A cursor over a plain payload.
struct Plain<'j> {
    json: &'j str,
    at: usize,
}

impl<'j> Plain<'j> {
    fn peek(&self) -> Option<u8> {
        self.json.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    fn skip_white_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// A string without escapes (and so without control characters).
    fn string(&mut self) -> Option<&'j str> {
        self.expect(b'"')?;
        let start = self.at;
        let bytes = self.json.as_bytes();
        let mut end = start;
        // Eight bytes at a time while none of them can end the string or be refused
        // (device ids, `pay` and `ipk` are long runs of base64); the rest byte by byte.
        while let Some(word) = bytes.get(end..end + 8) {
            let word = u64::from_le_bytes(word.try_into().ok()?);
            if may_stop_a_string(word) {
                break;
            }
            end += 8;
        }
        loop {
            match *bytes.get(end)? {
                b'"' => break,
                b'\\' | ..b' ' => return None,
                _ => end += 1,
            }
        }
        self.at = end + 1;
        self.json.get(start..end)
    }

    /// A non-negative integer that fits a `u64`, with nothing after it that would make
    /// it a fraction or an exponent.
    fn integer(&mut self) -> Option<u64> {
        let rest = self.json.as_bytes().get(self.at..)?;
        let count = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
        let digits = rest.get(..count)?;
        match digits {
            [] => return None,
            [b'0', _, ..] => return None, // a leading zero is not JSON
            _ => {}
        }
        let value = if count <= MAX_SAFE_DIGITS {
            // Cannot overflow: without the overflow checks the digits are not a chain
            // of multiplications (a dear one: they are most of a payload's scan).
            digits
                .iter()
                .fold(0, |value: u64, digit| value * 10 + u64::from(digit - b'0'))
        } else {
            digits.iter().try_fold(0, |value: u64, digit| {
                value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
            })?
        };
        self.at += count;
        match self.peek() {
            Some(b'.' | b'e' | b'E') => None,
            _ => Some(value),
        }
    }
}

/// Any number of this many decimal digits fits a `u64` (10^19 - 1 < 2^64 - 1); some of
/// one more digit do not.
const MAX_SAFE_DIGITS: usize = 19;

/// Whether any of the eight bytes of `word` may be a quote, a backslash or a control
/// character (below 0x20). Never `false` when one is; sometimes `true` when none is
/// (a borrow across bytes), which only sends the string to the byte-by-byte loop.
const fn may_stop_a_string(word: u64) -> bool {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGH_BITS: u64 = u64::from_le_bytes([0x80; 8]);
    // The high bit of each byte that was below `n` (n <= 0x80), computed without
    // branches for all eight at once ("hasless" in Bit Twiddling Hacks).
    const fn below(word: u64, n: u8) -> u64 {
        word.wrapping_sub(ONES * n as u64) & !word & HIGH_BITS
    }
    let quote = below(word ^ (ONES * b'"' as u64), 1);
    let backslash = below(word ^ (ONES * b'\\' as u64), 1);
    (quote | backslash | below(word, b' ')) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every member a plain payload has, as text, or `None` for one it refuses.
    fn members_of(json: &str) -> Option<Vec<(String, String)>> {
        struct All(Vec<(String, String)>);
        impl<'j> PlainMembers<'j> for All {
            fn text(&mut self, name: &'j str, text: &'j str) -> Option<()> {
                self.0.push((name.to_owned(), text.to_owned()));
                Some(())
            }
            fn number(&mut self, name: &'j str, number: u64) -> Option<()> {
                self.0.push((name.to_owned(), number.to_string()));
                Some(())
            }
        }
        let mut all = All(Vec::new());
        read_plain(json, &mut all)?;
        Some(all.0)
    }

    #[test]
    fn every_byte_that_can_stop_a_string_is_seen_eight_at_a_time() {
        for byte in 0..=u8::MAX {
            for at in 0..8 {
                let mut word = *b"abcdefgh";
                word[at] = byte;
                let stops = byte == b'"' || byte == b'\\' || byte < b' ';
                if stops {
                    assert!(
                        may_stop_a_string(u64::from_le_bytes(word)),
                        "{byte:#04x} at {at}"
                    );
                }
            }
        }
        assert!(!may_stop_a_string(u64::from_le_bytes(*b"AbZ+/=09")));
        assert!(!may_stop_a_string(u64::from_le_bytes(*b"\xc3\xa9~ !#[]")));
    }

    #[test]
    fn long_strings_end_at_their_quote_and_refuse_escapes_anywhere() {
        for len in 0..40 {
            let text = "D".repeat(len);
            let json = format!(r#"{{"exp":5,"did":"{text}","iss":"x"}}"#);
            let members = members_of(&json);
            let did = members
                .as_ref()
                .and_then(|m| m.iter().find(|(name, _)| name == "did"));
            assert_eq!(did.map(|(_, value)| value.as_str()), Some(&*text));
            for odd in ["\\n", "\u{1}", "\t"] {
                for at in 0..=len {
                    let mut text = text.clone();
                    text.insert_str(at, odd);
                    let json = format!(r#"{{"exp":5,"did":"{text}"}}"#);
                    assert_eq!(members_of(&json), None, "{json:?}");
                }
            }
        }
    }
}

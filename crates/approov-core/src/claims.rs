//! The claims of a verified Approov token.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::TokenRejection;

/// The claims of a verified Approov token, handed to the request handler.
///
/// `exp` is always there (a token without it is rejected) and `nbf`, when present, has
/// been checked. The Approov claims (`ip`, `did`, `arc`, `pay`, `ipk`) are typed when
/// they are strings; a claim of another JSON type never fails a validly signed token,
/// it is kept as JSON in [`other`](Self::other) with every other claim (`iss`, `aud`,
/// `sub`, `iat`, ...). `iat` is not checked: a server clock a little behind Approov's
/// would turn a fresh token's `iat` into false rejections.
///
/// ```
/// # fn main() -> Result<(), serde_json::Error> {
/// let claims: approov_core::ApproovClaims = serde_json::from_str(
///     r#"{"exp":1999999999,"did":"device-1","iss":"approov.io","ip":5}"#,
/// )?;
/// assert_eq!(claims.did.as_deref(), Some("device-1"));
/// assert_eq!(claims.other["iss"], "approov.io");
/// assert_eq!((claims.ip, &claims.other["ip"]), (None, &serde_json::json!(5)));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ApproovClaims {
    /// Expiry, in seconds since the Unix epoch.
    pub exp: u64,
    /// Not before, in seconds since the Unix epoch, when the token has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// The IP address of the app when it fetched the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The device ID Approov gave the app's device.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub did: Option<String>,
    /// The annotation (attestation response code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arc: Option<String>,
    /// The token binding: base64 of the SHA-256 of the bound headers' values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay: Option<String>,
    /// The installation public key (base64 of a DER SubjectPublicKeyInfo), for
    /// message signing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipk: Option<String>,
    /// Every other claim the token carries, and a typed claim that is not a string.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl<'de> Deserialize<'de> for ApproovClaims {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(ClaimsVisitor)?
            .map_err(|rejection| de::Error::custom(rejection.to_string()))
    }
}

/// Parses a verified token's payload: the rejection says what is wrong with it.
pub(crate) fn parse_claims(json: &[u8]) -> Result<ApproovClaims, TokenRejection> {
    match parse_plain(json) {
        Some(claims) => Ok(claims),
        None => parse_claims_with_serde(json),
    }
}

/// Parses any payload with serde_json.
pub(crate) fn parse_claims_with_serde(json: &[u8]) -> Result<ApproovClaims, TokenRejection> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let claims = match deserializer.deserialize_map(ClaimsVisitor) {
        Ok(claims) => claims?,
        Err(e) if e.is_data() => return Err(TokenRejection::InvalidClaims("not a JSON object")),
        Err(_) => return Err(TokenRejection::InvalidClaims("payload is not JSON")),
    };
    deserializer
        .end()
        .map_err(|_| TokenRejection::InvalidClaims("payload is not JSON"))?;
    Ok(claims)
}

// Written out rather than derived: `#[serde(flatten)]` first buffers every claim into
// an intermediate tree, and this runs on every request. It returns the claims' own
// problems as a rejection beside JSON syntax errors.
struct ClaimsVisitor;

impl<'de> Visitor<'de> for ClaimsVisitor {
    type Value = Result<ApproovClaims, TokenRejection>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut claims = Claims::default();
        while let Some(ClaimName(key)) = map.next_key::<ClaimName<'de>>()? {
            let accepted = match &*key {
                "exp" => claims.exp.set(map.next_value::<NumericDate>()?, "exp"),
                "nbf" => claims.nbf.set(map.next_value::<NumericDate>()?, "nbf"),
                "ip" | "did" | "arc" | "pay" | "ipk" => {
                    let value = map.next_value::<Value>()?;
                    claims.typed(key, value)
                }
                _ => {
                    let value = map.next_value::<Value>()?;
                    claims.other(key, value)
                }
            };
            if let Err(rejection) = accepted {
                // The rest of the object must still be read for the JSON to end well.
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                return Ok(Err(rejection));
            }
        }
        Ok(claims.finish().ok_or(TokenRejection::MissingExpiry))
    }
}

/// Reads the payload of a token as Approov issues it, without serde: a flat JSON
/// object whose values are strings without escapes and non-negative integers, each
/// name once, `exp` a number, the typed claims strings. Anything else, valid or not,
/// is `None`, and [`parse_claims`] hands it to serde_json, so that every rejection is
/// serde_json's as before. What this accepts, serde_json accepts too, with the same
/// claims: the tests below hold the two against each other.
pub(crate) fn parse_plain(json: &[u8]) -> Option<ApproovClaims> {
    let mut claims = Claims::default();
    read_plain(std::str::from_utf8(json).ok()?, &mut claims)?;
    claims.finish()
}

/// What a reader of plain payloads does with each member: `None` leaves the whole
/// payload to serde_json.
pub(crate) trait PlainMembers<'j> {
    fn text(&mut self, name: &'j str, text: &'j str) -> Option<()>;
    fn number(&mut self, name: &'j str, number: u64) -> Option<()>;
}

/// Reads a plain payload (see [`parse_plain`]), handing each member to `members`.
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

/// A cursor over the JSON of [`parse_plain`].
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

impl Claims {
    /// The claims read, or `None` without an `exp`.
    fn finish(self) -> Option<ApproovClaims> {
        let Claims {
            exp: Slot(exp),
            nbf: Slot(nbf),
            ip,
            did,
            arc,
            pay,
            ipk,
            other,
            typed_seen: _,
        } = self;
        Some(ApproovClaims {
            exp: exp?,
            nbf,
            ip,
            did,
            arc,
            pay,
            ipk,
            other,
        })
    }

    fn plain_other(&mut self, name: &str, value: Value) -> Option<()> {
        match self.other.entry(name) {
            serde_json::map::Entry::Vacant(entry) => {
                entry.insert(value);
                Some(())
            }
            serde_json::map::Entry::Occupied(_) => None,
        }
    }
}

impl PlainMembers<'_> for Claims {
    /// A string claim of [`parse_plain`]; `None` for what serde_json must judge.
    fn text(&mut self, name: &str, text: &str) -> Option<()> {
        let slot = match name {
            "ip" => &mut self.ip,
            "did" => &mut self.did,
            "arc" => &mut self.arc,
            "pay" => &mut self.pay,
            "ipk" => &mut self.ipk,
            "exp" | "nbf" => return None,
            _ => return self.plain_other(name, Value::String(text.to_owned())),
        };
        if slot.is_some() {
            return None;
        }
        *slot = Some(text.to_owned());
        Some(())
    }

    /// A number claim of [`parse_plain`]; `None` for what serde_json must judge.
    fn number(&mut self, name: &str, number: u64) -> Option<()> {
        let slot = match name {
            "exp" => &mut self.exp,
            "nbf" => &mut self.nbf,
            "ip" | "did" | "arc" | "pay" | "ipk" => return None,
            _ => return self.plain_other(name, Value::from(number)),
        };
        if slot.0.is_some() {
            return None;
        }
        slot.0 = Some(number);
        Some(())
    }
}

const TWICE: TokenRejection = TokenRejection::InvalidClaims("a claim appears twice");

/// The claims as they are read.
#[derive(Default)]
struct Claims {
    exp: Slot,
    nbf: Slot,
    ip: Option<String>,
    did: Option<String>,
    arc: Option<String>,
    pay: Option<String>,
    ipk: Option<String>,
    other: Map<String, Value>,
    /// Which of [`TYPED`] have been read, one bit each.
    typed_seen: u8,
}

/// The typed string claims, in the order of [`Claims::typed_seen`]'s bits.
pub(crate) const TYPED: [&str; 5] = ["ip", "did", "arc", "pay", "ipk"];

/// A NumericDate claim, read at most once.
#[derive(Default)]
struct Slot(Option<u64>);

impl Slot {
    fn set(&mut self, date: NumericDate, name: &str) -> Result<(), TokenRejection> {
        if self.0.is_some() {
            return Err(TWICE);
        }
        let Some(seconds) = date.0 else {
            return Err(TokenRejection::InvalidClaims(if name == "exp" {
                "exp is not a NumericDate"
            } else {
                "nbf is not a NumericDate"
            }));
        };
        self.0 = Some(seconds);
        Ok(())
    }
}

impl Claims {
    /// A claim typed when it is a string; of another JSON type, kept untyped: never a
    /// reason to refuse the token.
    fn typed(&mut self, key: Cow<'_, str>, value: Value) -> Result<(), TokenRejection> {
        let slot = match &*key {
            "ip" => &mut self.ip,
            "did" => &mut self.did,
            "arc" => &mut self.arc,
            "pay" => &mut self.pay,
            _ => &mut self.ipk,
        };
        let bit = 1 << TYPED.iter().position(|name| *name == key).unwrap_or(0);
        // Seen already, even as `null` (which leaves no other trace).
        if self.typed_seen & bit != 0 {
            return Err(TWICE);
        }
        self.typed_seen |= bit;
        match value {
            Value::String(text) => *slot = Some(text),
            Value::Null => {}
            value => {
                self.other.insert(key.into_owned(), value);
            }
        }
        Ok(())
    }

    fn other(&mut self, key: Cow<'_, str>, value: Value) -> Result<(), TokenRejection> {
        match self.other.insert(key.into_owned(), value) {
            Some(_) => Err(TWICE),
            None => Ok(()),
        }
    }
}

/// A claim's name, borrowed from the payload unless it has escapes: serde's own
/// `Cow<str>` always copies, and names are read on every request.
struct ClaimName<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for ClaimName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(ClaimNameVisitor)
    }
}

struct ClaimNameVisitor;

impl<'de> Visitor<'de> for ClaimNameVisitor {
    type Value = ClaimName<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a claim name")
    }

    fn visit_borrowed_str<E>(self, name: &'de str) -> Result<ClaimName<'de>, E> {
        Ok(ClaimName(Cow::Borrowed(name)))
    }

    fn visit_str<E>(self, name: &str) -> Result<ClaimName<'de>, E> {
        Ok(ClaimName(Cow::Owned(name.to_owned())))
    }

    fn visit_string<E>(self, name: String) -> Result<ClaimName<'de>, E> {
        Ok(ClaimName(Cow::Owned(name)))
    }
}

/// A JWT NumericDate (a non-negative JSON number of seconds; a fraction is dropped),
/// or `None` for any other JSON value.
struct NumericDate(Option<u64>);

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NumericDateVisitor)
    }
}

struct NumericDateVisitor;

impl<'de> Visitor<'de> for NumericDateVisitor {
    type Value = NumericDate;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_u64<E>(self, v: u64) -> Result<NumericDate, E> {
        Ok(NumericDate(Some(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<NumericDate, E> {
        Ok(NumericDate(u64::try_from(v).ok()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<NumericDate, E> {
        // Truncation is the intended rounding for a NumericDate.
        let valid = v.is_finite() && v >= 0.0 && v < u64::MAX as f64;
        Ok(NumericDate(valid.then_some(v as u64)))
    }

    fn visit_str<E>(self, _: &str) -> Result<NumericDate, E> {
        Ok(NumericDate(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<NumericDate, E> {
        Ok(NumericDate(None))
    }

    fn visit_unit<E>(self) -> Result<NumericDate, E> {
        Ok(NumericDate(None))
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<NumericDate, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(NumericDate(None))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NumericDate, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(NumericDate(None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(json: &str) -> Result<ApproovClaims, TokenRejection> {
        parse_claims(json.as_bytes())
    }

    #[test]
    fn exp_and_nbf_must_be_numeric_dates() {
        assert_eq!(parsed(r#"{"did":"d"}"#), Err(TokenRejection::MissingExpiry));
        for bad in [r#""5""#, "-1", "null", "true", "[5]", r#"{"a":1}"#, "1e300"] {
            assert!(
                matches!(
                    parsed(&format!(r#"{{"exp":{bad}}}"#)),
                    Err(TokenRejection::InvalidClaims(_))
                ),
                "exp {bad}"
            );
            assert!(
                matches!(
                    parsed(&format!(r#"{{"exp":5,"nbf":{bad}}}"#)),
                    Err(TokenRejection::InvalidClaims(_))
                ),
                "nbf {bad}"
            );
        }
        let claims = parsed(r#"{"exp":5.9,"nbf":3}"#).map(|c| (c.exp, c.nbf));
        assert_eq!(claims, Ok((5, Some(3))));
    }

    #[test]
    fn typed_claims_of_another_type_are_kept_as_json() {
        let claims = parsed(r#"{"exp":5,"did":5,"ip":["x"],"arc":{"a":1},"pay":true,"ipk":"k"}"#);
        let claims = claims.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((claims.did, claims.ip, claims.pay), (None, None, None));
        assert_eq!(claims.ipk.as_deref(), Some("k"));
        assert_eq!(claims.other["did"], 5);
        assert_eq!(claims.other["arc"]["a"], 1);
    }

    #[test]
    fn a_claim_twice_is_rejected() {
        for json in [
            r#"{"exp":5,"exp":6}"#,
            r#"{"exp":5,"did":"a","did":"b"}"#,
            r#"{"exp":5,"did":1,"did":"b"}"#,
            r#"{"exp":5,"iss":"a","iss":"b"}"#,
            r#"{"exp":5,"did":null,"did":"b"}"#,
            r#"{"exp":5,"did":null,"did":null}"#,
            r#"{"exp":5,"ipk":"a","ipk":null}"#,
            r#"{"exp":5,"pay":null,"pay":7}"#,
        ] {
            assert_eq!(
                parsed(json),
                Err(TokenRejection::InvalidClaims("a claim appears twice")),
                "{json}"
            );
        }
    }

    /// serde_json's reading, for the plain reader to be held against.
    fn by_serde(json: &[u8]) -> Result<ApproovClaims, TokenRejection> {
        parse_claims_with_serde(json)
    }

    #[test]
    fn the_plain_reader_takes_approov_tokens_as_serde_json_does() {
        for json in [
            r#"{"exp":1700000000,"ip":"1.2.3.4","did":"ExampleApproovDeviceID=="}"#,
            r#"{"exp":1700000000,"iat":1699999990,"did":"d","pay":"w1Xc6WwWEogNEZQP/dkBTThsJT4MNlKmzQanIm970rY="}"#,
            r#" { "exp" : 0 , "nbf":3,"arc":"a b","ipk":"MFkw","iss":"approov.io" , "":"" } "#,
            "{\"exp\":5,\"é\":\"ü\u{7f}\"}",
            "{\"exp\":18446744073709551615,\r\n\t\"sub\":\"x\"}",
            // The last number of 19 digits, the first of 20, and a leading "0" alone.
            r#"{"exp":9999999999999999999,"a":10000000000000000000,"b":0}"#,
        ] {
            let plain = parse_plain(json.as_bytes());
            assert!(plain.is_some(), "{json}");
            assert_eq!(
                plain.ok_or(TokenRejection::Expired),
                by_serde(json.as_bytes())
            );
        }
    }

    #[test]
    fn the_plain_reader_leaves_the_rest_to_serde_json() {
        for json in [
            r#"{"exp":18446744073709551616}"#,
            r#"{"exp":99999999999999999999}"#,
            r#"{"exp":01}"#,
            r#"{"exp":00}"#,
            r#"{"exp":-1}"#,
            r#"{"exp":1.5}"#,
            r#"{"exp":1e3}"#,
            r#"{"exp":1E3}"#,
            r#"{"exp":"5"}"#,
            r#"{"exp":5,"exp":5}"#,
            r#"{"exp":5,"did":"a","did":"a"}"#,
            r#"{"exp":5,"x":1,"x":1}"#,
            r#"{"exp":5,"did":5}"#,
            r#"{"exp":5,"did":null}"#,
            r#"{"exp":5,"a":"\u0041"}"#,
            "{\"exp\":5,\"a\":\"\t\"}",
            r#"{"exp":5,"a":true}"#,
            r#"{"exp":5,"a":[1]}"#,
            r#"{"exp":5,"a":{}}"#,
            r#"{"exp":5,}"#,
            r#"{"exp":5} x"#,
            r#"{"exp":5"#,
            r#"{"exp" 5}"#,
            r#"{"did":"d"}"#,
            "{}",
            "[]",
            "",
        ] {
            assert_eq!(parse_plain(json.as_bytes()), None, "{json}");
        }
        assert_eq!(parse_plain(b"{\"exp\":5,\"a\":\"\xff\"}"), None);
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
            let claims = parse_plain(json.as_bytes());
            assert_eq!(claims.as_ref().and_then(|c| c.did.as_deref()), Some(&*text));
            for odd in ["\\n", "\u{1}", "\t"] {
                for at in 0..=len {
                    let mut text = text.clone();
                    text.insert_str(at, odd);
                    let json = format!(r#"{{"exp":5,"did":"{text}"}}"#);
                    assert_eq!(parse_plain(json.as_bytes()), None, "{json:?}");
                }
            }
        }
    }

    mod against_serde_json {
        use proptest::prelude::*;

        use super::{by_serde, parse_plain};

        /// A member as Approov writes them: a name without escapes, a plain string or
        /// a non-negative integer.
        fn plain_member() -> impl Strategy<Value = String> {
            let name = prop::sample::select(vec![
                "nbf", "ip", "did", "arc", "pay", "ipk", "iat", "iss", "sub", "jti", "", "a b",
            ]);
            let value = prop_oneof![
                any::<u64>().prop_map(|n| n.to_string()),
                (0u64..2_000_000_000).prop_map(|n| n.to_string()),
                "[ -~]{0,12}".prop_map(|s| format!("{s:?}")),
                "[ -~é]{8,40}".prop_map(|s| format!("{s:?}")),
            ];
            (name, space(), value, space()).prop_map(|(name, before, value, after)| {
                format!("\"{name}\"{before}:{after}{value}")
            })
        }

        /// Any other member, valid JSON or not.
        fn odd_member() -> impl Strategy<Value = String> {
            let name = prop::sample::select(vec!["exp", "nbf", "did", "iat", "é", "\\u0065xp"]);
            let value = prop_oneof![
                any::<i64>().prop_map(|n| n.to_string()),
                Just("007".to_owned()),
                Just("-0".to_owned()),
                Just("18446744073709551616".to_owned()),
                Just("1.5".to_owned()),
                Just("2e9".to_owned()),
                Just("null".to_owned()),
                Just("true".to_owned()),
                Just("[1,\"a\"]".to_owned()),
                Just("{\"a\":1}".to_owned()),
                "\\PC{0,6}".prop_map(|s| format!("{s:?}")),
                "[a-z\\\\\"]{0,6}".prop_map(|s| format!("\"{s}\"")),
                // Long enough for the eight-byte steps, something odd anywhere in it.
                "[a-z0-9+/=é\\\\\"\u{1}\t\u{7f}]{8,40}".prop_map(|s| format!("\"{s}\"")),
            ];
            (name, space(), value, space()).prop_map(|(name, before, value, after)| {
                format!("\"{name}\"{before}:{after}{value}")
            })
        }

        fn space() -> impl Strategy<Value = &'static str> + Clone {
            prop::sample::select(vec!["", "", "", " ", "\n\t", "\r"])
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(8000))]

            #[test]
            fn what_the_plain_reader_accepts_serde_json_reads_the_same(
                members in prop::collection::vec(prop_oneof![8 => plain_member(), 1 => odd_member()], 0..7),
                exp in prop::option::weighted(0.9, (any::<u64>(), any::<prop::sample::Index>())),
                lead in space(),
                tail in prop::sample::select(vec!["", "", "", " ", "x", ",", "}"]),
                cut in any::<prop::sample::Index>(),
                flip in any::<prop::sample::Index>(),
                mutate in 0u8..8,
            ) {
                let mut members = members;
                if let Some((exp, at)) = exp {
                    members.insert(at.index(members.len() + 1), format!("\"exp\":{exp}"));
                }
                let mut json = format!("{lead}{{{}}}{tail}", members.join(",")).into_bytes();
                // Now and then a byte cut off or changed, so broken JSON is tried too.
                match mutate {
                    0 => json.truncate(cut.index(json.len() + 1)),
                    1 if !json.is_empty() => {
                        let at = flip.index(json.len());
                        json[at] = json[at].wrapping_add(1);
                    }
                    _ => {}
                }
                let passed = crate::passed::PassedClaims::read(&json);
                match parse_plain(&json) {
                    Some(plain) => {
                        // Kept unbuilt, with the `pay` and the claims read at once.
                        let passed = passed.map_err(|e| TestCaseError::fail(e.to_string()))?;
                        prop_assert!(!passed.is_built());
                        prop_assert_eq!(passed.pay(), plain.pay.as_deref());
                        prop_assert_eq!(passed.claims(), &plain);
                        prop_assert_eq!(Ok(plain), by_serde(&json));
                    }
                    // Judged by serde_json at once.
                    None => prop_assert_eq!(
                        passed.map(crate::passed::PassedClaims::into_claims),
                        by_serde(&json)
                    ),
                }
            }
        }
    }

    #[test]
    fn not_an_object_or_not_json() {
        for json in ["[]", "5", r#""exp""#] {
            assert_eq!(
                parsed(json),
                Err(TokenRejection::InvalidClaims("not a JSON object"))
            );
        }
        for json in ["exp=1", r#"{"exp":5"#, r#"{"exp":5} x"#] {
            assert_eq!(
                parsed(json),
                Err(TokenRejection::InvalidClaims("payload is not JSON"))
            );
        }
    }
}

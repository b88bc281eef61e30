//! The claims of a token that passed a request's check, built when first asked for.
//!
//! A check needs `exp`, `nbf` and, for a binding, `pay`; the handler may need every
//! claim, or none (a route that only requires a valid token). Building the claims
//! means a `String` per typed claim and a key, a value and a map node per other claim
//! (`aud`, `iss`, `sub`, `iat` in a real Approov token): most of what a check
//! allocates. So the payload of the usual shape is checked here member by member,
//! whole, without building anything, and kept; the claims are built from it the
//! first time they are asked for, by serde_json (`claims`). The verdict is the same as
//! building them at once: a payload is kept only if the plain reader (`payload`) reads
//! it whole, and serde_json reads any such payload to the same claims (the tests hold
//! the two together); anything else is parsed at once by serde_json.

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use serde_json::Map;

use super::claims::{parse_claims, ApproovClaims};
use super::payload::{read_plain, PlainMembers};
use super::Dated;
use crate::TokenRejection;

/// The claims of a token that passed, as a [`Verification`](crate::Verification)
/// keeps them.
#[derive(Clone)]
pub(crate) struct PassedClaims {
    exp: u64,
    nbf: Option<u64>,
    /// The payload, while the claims may still have to be built from it (empty when
    /// they were built at once).
    json: Box<str>,
    /// Where `pay`'s text is in `json`.
    pay: Option<Range<usize>>,
    /// Boxed, so that the check moves a small value around until it is needed.
    built: OnceLock<Box<ApproovClaims>>,
}

impl PassedClaims {
    /// Reads a verified payload: checked whole, the claims left for later when it
    /// has the usual shape, else parsed now.
    ///
    /// # Errors
    /// As serde_json's reading: the payload's claims are not acceptable.
    pub(crate) fn read(json: &[u8]) -> Result<Self, TokenRejection> {
        let scanned = std::str::from_utf8(json)
            .ok()
            .and_then(|text| Some((text, Scan::of(text)?)));
        let Some((text, scan)) = scanned else {
            // Not of the usual shape: serde_json judges it.
            return parse_claims(json).map(Self::from);
        };
        Ok(PassedClaims {
            exp: scan.exp,
            nbf: scan.nbf,
            pay: scan.pay.map(|pay| offset_of(pay, text)),
            json: text.into(),
            built: OnceLock::new(),
        })
    }

    /// Whether the claims have been built (tests).
    #[cfg(test)]
    pub(crate) fn is_built(&self) -> bool {
        self.built.get().is_some()
    }

    /// The `pay` claim, without building the claims.
    pub(crate) fn pay(&self) -> Option<&str> {
        match self.built.get() {
            Some(claims) => claims.pay.as_deref(),
            None => self.pay.clone().and_then(|pay| self.json.get(pay)),
        }
    }

    /// The claims, built now if they were not yet.
    pub(crate) fn claims(&self) -> &ApproovClaims {
        self.built.get_or_init(|| Box::new(self.build()))
    }

    /// The claims, owned: built afresh (and not kept) unless they were built already.
    pub(crate) fn to_claims(&self) -> ApproovClaims {
        match self.built.get() {
            Some(claims) => ApproovClaims::clone(claims),
            None => self.build(),
        }
    }

    pub(crate) fn into_claims(self) -> ApproovClaims {
        if self.built.get().is_none() {
            return self.build();
        }
        self.built
            .into_inner()
            .map_or_else(unreachable_claims, |claims| *claims)
    }

    fn build(&self) -> ApproovClaims {
        // `Scan::of` accepted the payload, so serde_json reads it (the tests hold the
        // two together); the fallback only keeps this total.
        parse_claims(self.json.as_bytes()).unwrap_or_else(|_| ApproovClaims {
            exp: self.exp,
            nbf: self.nbf,
            ..unreachable_claims()
        })
    }
}

/// Claims that no payload of a passed token gives: `exp` 0, nothing else.
fn unreachable_claims() -> ApproovClaims {
    ApproovClaims {
        exp: 0,
        nbf: None,
        ip: None,
        did: None,
        arc: None,
        pay: None,
        ipk: None,
        other: Map::new(),
    }
}

impl Dated for PassedClaims {
    fn exp(&self) -> u64 {
        self.exp
    }

    fn nbf(&self) -> Option<u64> {
        self.nbf
    }
}

impl From<ApproovClaims> for PassedClaims {
    fn from(claims: ApproovClaims) -> Self {
        PassedClaims {
            exp: claims.exp,
            nbf: claims.nbf,
            json: Box::default(),
            pay: None,
            built: OnceLock::from(Box::new(claims)),
        }
    }
}

impl fmt::Debug for PassedClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.claims().fmt(f)
    }
}

/// Where `part`, a slice of `whole`, starts and ends in it.
fn offset_of(part: &str, whole: &str) -> Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

/// The most other claims a payload may have and still be checked without building
/// its claims (duplicate names are looked for pairwise).
const MAX_OTHER_CLAIMS: usize = 16;

/// A plain payload read member by member, each claim at most once, `exp` a number and
/// the typed claims strings, keeping only what a check needs.
#[derive(Default)]
struct Scan<'j> {
    exp: u64,
    exp_seen: bool,
    nbf: Option<u64>,
    pay: Option<&'j str>,
    /// Which typed claims (`ip`, `did`, `arc`, `pay`, `ipk`) have been read, one bit
    /// each, in that order.
    typed_seen: u8,
    others: [&'j str; MAX_OTHER_CLAIMS],
    other_count: usize,
}

impl<'j> Scan<'j> {
    /// The scan of a plain payload, or `None` for one it leaves to serde_json (and for
    /// more than [`MAX_OTHER_CLAIMS`] other claims).
    fn of(json: &'j str) -> Option<Self> {
        let mut scan = Scan::default();
        read_plain(json, &mut scan)?;
        scan.exp_seen.then_some(scan)
    }

    /// The typed claim `TYPED[index]`, seen for the first time; `None` the second.
    fn first_typed(&mut self, index: usize) -> Option<()> {
        let bit = 1 << index;
        if self.typed_seen & bit != 0 {
            return None;
        }
        self.typed_seen |= bit;
        Some(())
    }

    /// Another claim, seen for the first time; `None` the second time.
    fn other(&mut self, name: &'j str) -> Option<()> {
        let seen = self.others.get(..self.other_count)?;
        if seen.contains(&name) {
            return None;
        }
        *self.others.get_mut(self.other_count)? = name;
        self.other_count += 1;
        Some(())
    }
}

impl<'j> PlainMembers<'j> for Scan<'j> {
    fn text(&mut self, name: &'j str, text: &'j str) -> Option<()> {
        // The typed claims by their index in `TYPED` (a test holds the two together).
        match name {
            "ip" => self.first_typed(0),
            "did" => self.first_typed(1),
            "arc" => self.first_typed(2),
            "pay" => {
                self.first_typed(3)?;
                self.pay = Some(text);
                Some(())
            }
            "ipk" => self.first_typed(4),
            "exp" | "nbf" => None,
            _ => self.other(name),
        }
    }

    fn number(&mut self, name: &'j str, number: u64) -> Option<()> {
        match name {
            "exp" if !self.exp_seen => {
                self.exp = number;
                self.exp_seen = true;
                Some(())
            }
            "nbf" if self.nbf.is_none() => {
                self.nbf = Some(number);
                Some(())
            }
            "exp" | "nbf" | "ip" | "did" | "arc" | "pay" | "ipk" => None,
            _ => self.other(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::claims::TYPED;

    fn read(json: &str) -> Result<PassedClaims, TokenRejection> {
        PassedClaims::read(json.as_bytes())
    }

    #[test]
    fn a_plain_payload_is_kept_and_built_on_demand() {
        let json = r#"{"aud":"approov.io","exp":1999999999,"iat":1700000000,"did":"d==","pay":"p=","ip":"1.2.3.4"}"#;
        let passed = read(json).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            passed.built.get().is_none(),
            "nothing built before it is asked for"
        );
        assert_eq!(
            (passed.exp(), passed.nbf(), passed.pay()),
            (1999999999, None, Some("p="))
        );
        assert_eq!(Ok(passed.claims()), parse_claims(json.as_bytes()).as_ref());
        assert_eq!(passed.pay(), Some("p="));
        assert_eq!(
            read(json).map(PassedClaims::into_claims),
            parse_claims(json.as_bytes())
        );
    }

    #[test]
    fn the_typed_claims_are_read_by_their_index_in_typed() {
        for (index, name) in TYPED.iter().enumerate() {
            let mut scan = Scan::default();
            assert_eq!(scan.text(name, "v"), Some(()), "{name}");
            assert_eq!(scan.typed_seen, 1 << index, "{name}");
            assert_eq!(scan.text(name, "v"), None, "{name} twice");
            assert_eq!(Scan::default().number(name, 1), None, "{name} as a number");
        }
    }

    #[test]
    fn any_other_payload_is_parsed_at_once_with_the_same_verdict() {
        for json in [
            r#"{"exp":5,"did":"a\u0062"}"#,
            r#"{"exp":5.5,"nbf":1}"#,
            r#"{"exp":5,"exp":6}"#,
            r#"{"exp":5,"did":"a","did":"b"}"#,
            r#"{"exp":5,"did":null,"did":"b"}"#,
            r#"{"exp":5,"x":1,"x":"1"}"#,
            r#"{"exp":"5"}"#,
            r#"{"did":"a"}"#,
            "[]",
            "{",
        ] {
            let passed = read(json);
            assert_eq!(
                passed
                    .as_ref()
                    .map(PassedClaims::claims)
                    .map_err(Clone::clone),
                parse_claims(json.as_bytes()).as_ref().map_err(Clone::clone),
                "{json}"
            );
        }
    }

    #[test]
    fn more_other_claims_than_are_compared_pairwise_are_parsed_at_once() {
        let members: Vec<String> = (0..=MAX_OTHER_CLAIMS)
            .map(|i| format!("\"c{i}\":{i}"))
            .collect();
        let json = format!("{{\"exp\":5,{}}}", members.join(","));
        let passed = read(&json).unwrap_or_else(|e| panic!("{e}"));
        assert!(passed.is_built());
        assert_eq!(passed.claims().other.len(), MAX_OTHER_CLAIMS + 1);
    }

    /// serde_json's reading, for the plain reader to be held against.
    fn by_serde(json: &[u8]) -> Result<ApproovClaims, TokenRejection> {
        parse_claims(json)
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
            let passed = read(json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert!(!passed.is_built(), "{json}");
            assert_eq!(Ok(passed.claims()), by_serde(json.as_bytes()).as_ref());
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
            assert!(Scan::of(json).is_none(), "{json}");
        }
        let not_text = PassedClaims::read(b"{\"exp\":5,\"a\":\"\xff\"}");
        assert!(not_text.is_err());
    }

    mod against_serde_json {
        use proptest::prelude::*;

        use super::{by_serde, PassedClaims, Scan};

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
                let passed = PassedClaims::read(&json);
                let scanned = std::str::from_utf8(&json).ok().and_then(Scan::of).is_some();
                if scanned {
                    // Kept unbuilt, its `pay` read at once, and serde_json reads it to
                    // the same claims.
                    let serde = by_serde(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    let passed = passed.map_err(|e| TestCaseError::fail(e.to_string()))?;
                    prop_assert!(!passed.is_built());
                    prop_assert_eq!(passed.pay(), serde.pay.as_deref());
                    prop_assert_eq!(passed.claims(), &serde);
                } else {
                    // Judged by serde_json at once.
                    prop_assert_eq!(passed.map(PassedClaims::into_claims), by_serde(&json));
                }
            }
        }
    }
}

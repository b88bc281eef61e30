//! Reading the members of `Signature` and `Signature-Input` (RFC 9421 §4): `install`
//! and `account`, each parsed only when the policy checks it.

use std::borrow::Cow;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sfv::{BareItem, Dictionary, InnerList, ListEntry, Parser};

use super::{Error, MAX_SIGNATURE_HEADER_LEN};

/// The most components one signature may cover. Approov signs a handful; the cap bounds
/// the work a hostile `Signature-Input` can ask for.
const MAX_COMPONENTS: usize = 64;

/// One covered component, as the signature base needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Component {
    Method,
    TargetUri,
    Authority,
    Scheme,
    RequestTarget,
    Path,
    Query,
    /// A header field, by its lower-case name.
    Field(String),
}

impl Component {
    /// The component for an identifier's name, or why it is not supported.
    pub(crate) fn from_name(name: &str) -> Result<Self, Error> {
        Ok(match name {
            "@method" => Self::Method,
            "@target-uri" => Self::TargetUri,
            "@authority" => Self::Authority,
            "@scheme" => Self::Scheme,
            "@request-target" => Self::RequestTarget,
            "@path" => Self::Path,
            "@query" => Self::Query,
            "@signature-params" => {
                return Err(Error::Malformed("@signature-params is listed as covered"))
            }
            derived if derived.starts_with('@') => return Err(Error::UnsupportedComponent),
            "" => return Err(Error::Malformed("a covered component has an empty name")),
            field if field.bytes().all(is_lower_tchar) => Self::Field(field.to_owned()),
            _ => {
                return Err(Error::Malformed(
                    "a covered header name is not a lower-case field name",
                ))
            }
        })
    }
}

/// `tchar` of RFC 9110 §5.6.2, without upper-case letters: RFC 9421 §2.1 names fields in
/// lower case.
fn is_lower_tchar(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// One member of a request's signatures (`install` or `account`), parsed and checked
/// for shape (not yet for time, key or value).
#[derive(Debug)]
pub(crate) struct MemberSignature {
    /// The signature's bytes, of any length: the algorithm's check judges it.
    pub(crate) signature: Vec<u8>,
    /// The covered components with their parameters, as parsed: `@signature-params`
    /// is serialized from this.
    pub(crate) input: InnerList,
    pub(crate) components: Vec<Component>,
    pub(crate) alg: Option<String>,
    pub(crate) created: Option<u64>,
    pub(crate) expires: Option<u64>,
}

impl MemberSignature {
    /// Whether the header `name` (lower case) is covered.
    pub(crate) fn covers_field(&self, name: &str) -> bool {
        self.components
            .iter()
            .any(|c| matches!(c, Component::Field(field) if field == name))
    }

    /// Whether `@method` is covered.
    pub(crate) fn covers_method(&self) -> bool {
        self.components.contains(&Component::Method)
    }

    /// Whether the authority is covered, alone or in the target URI.
    pub(crate) fn covers_authority(&self) -> bool {
        self.components
            .iter()
            .any(|c| matches!(c, Component::Authority | Component::TargetUri))
    }
}

/// Every value of a header joined with `, ` (RFC 9110 §5.3), at most `limit` bytes;
/// `None` when the header is absent.
pub(crate) fn joined<'h, I>(values: I, limit: usize) -> Result<Option<Cow<'h, [u8]>>, Error>
where
    I: IntoIterator<Item = &'h [u8]>,
{
    let mut values = values.into_iter();
    let Some(first) = values.next() else {
        return Ok(None);
    };
    if first.len() > limit {
        return Err(Error::HeaderTooLong);
    }
    let Some(second) = values.next() else {
        return Ok(Some(Cow::Borrowed(first)));
    };
    let mut all = first.to_vec();
    for value in std::iter::once(second).chain(values) {
        if all.len() + 2 + value.len() > limit {
            return Err(Error::HeaderTooLong);
        }
        all.extend_from_slice(b", ");
        all.extend_from_slice(value);
    }
    Ok(Some(Cow::Owned(all)))
}

fn dictionary(raw: &[u8], what: &'static str) -> Result<Dictionary, Error> {
    Parser::new(raw)
        .parse::<Dictionary>()
        .map_err(|_| Error::Malformed(what))
}

/// Whether the `Signature-Input` member `label` covers header `name`; `false` when
/// there is no such member or the header does not parse. For
/// [`MessageSigning::needs_body`](super::MessageSigning::needs_body).
pub(crate) fn input_covers<'h, I>(signature_input: I, labels: &[&str], name: &str) -> bool
where
    I: IntoIterator<Item = &'h [u8]>,
{
    let Some(raw) = joined(signature_input, MAX_SIGNATURE_HEADER_LEN)
        .ok()
        .flatten()
    else {
        return false;
    };
    let Ok(inputs) = dictionary(&raw, "") else {
        return false;
    };
    labels.iter().any(|label| match inputs.get(*label) {
        Some(ListEntry::InnerList(list)) => list.items.iter().any(|item| {
            item.bare_item
                .as_string()
                .is_some_and(|covered| covered.as_str() == name)
        }),
        _ => false,
    })
}

/// Both headers of a request's signatures, parsed: each member is taken out by label.
pub(crate) struct Signatures {
    signatures: Dictionary,
    inputs: Dictionary,
}

impl Signatures {
    /// Parses `Signature` and `Signature-Input` (all of each one's lines joined).
    pub(crate) fn parse<'h, I, J>(signature: I, signature_input: J) -> Result<Self, Error>
    where
        I: IntoIterator<Item = &'h [u8]>,
        J: IntoIterator<Item = &'h [u8]>,
    {
        let signature =
            joined(signature, MAX_SIGNATURE_HEADER_LEN)?.ok_or(Error::MissingSignature)?;
        let input = joined(signature_input, MAX_SIGNATURE_HEADER_LEN)?
            .ok_or(Error::MissingSignatureInput)?;
        let signatures = dictionary(&signature, "Signature is not a structured-field dictionary")?;
        let inputs = dictionary(
            &input,
            "Signature-Input is not a structured-field dictionary",
        )?;
        // A label in one header and not the other is a signature nobody could check,
        // or components nobody signed: refuse the request rather than guess.
        if signatures.len() != inputs.len() || signatures.keys().any(|k| !inputs.contains_key(k)) {
            return Err(Error::LabelMismatch);
        }
        Ok(Signatures { signatures, inputs })
    }

    /// The member `label`, parsed: `None` when the request has none, else the member
    /// or what is wrong with its shape.
    pub(crate) fn take(&mut self, label: &str) -> Option<Result<MemberSignature, Error>> {
        let signature = self.signatures.swap_remove(label)?;
        let input = self.inputs.swap_remove(label)?;
        Some(member(signature, input))
    }
}

fn member(signature: ListEntry, input: ListEntry) -> Result<MemberSignature, Error> {
    let signature = signature_bytes(signature)?;
    let ListEntry::InnerList(input) = input else {
        return Err(Error::Malformed("a signature input is not an inner list"));
    };
    let components = components(&input)?;
    let mut parsed = MemberSignature {
        signature,
        input,
        components,
        alg: None,
        created: None,
        expires: None,
    };
    read_parameters(&mut parsed)?;
    Ok(parsed)
}

/// The signature's bytes. RFC 9421 §4.2 makes it a byte sequence (`:BASE64:`), as
/// Approov's iOS SDK and newer clients send it; older Android clients send a string of
/// the same base64 (`"BASE64"`), so both are taken.
fn signature_bytes(entry: ListEntry) -> Result<Vec<u8>, Error> {
    const NOT_BYTES: &str = "a signature is neither a byte sequence nor a base64 string";
    let ListEntry::Item(item) = entry else {
        return Err(Error::Malformed(NOT_BYTES));
    };
    match item.bare_item {
        BareItem::ByteSequence(bytes) => Ok(bytes),
        BareItem::String(text) => STANDARD
            .decode(text.as_str())
            .map_err(|_| Error::Malformed(NOT_BYTES)),
        _ => Err(Error::Malformed(NOT_BYTES)),
    }
}

fn components(input: &InnerList) -> Result<Vec<Component>, Error> {
    if input.items.len() > MAX_COMPONENTS {
        return Err(Error::Malformed("too many covered components"));
    }
    let mut components = Vec::with_capacity(input.items.len());
    for item in &input.items {
        let BareItem::String(name) = &item.bare_item else {
            return Err(Error::Malformed("a covered component is not a string"));
        };
        if !item.params.is_empty() {
            return Err(Error::UnsupportedComponentParameter);
        }
        let component = Component::from_name(name.as_str())?;
        if components.contains(&component) {
            return Err(Error::Malformed("a component is covered twice"));
        }
        components.push(component);
    }
    Ok(components)
}

/// The signature parameters of RFC 9421 §2.3. Unknown ones are refused: a parameter
/// this verifier ignores could be one the signer meant to restrict the signature.
fn read_parameters(parsed: &mut MemberSignature) -> Result<(), Error> {
    for (name, value) in &parsed.input.params {
        match name.as_str() {
            "alg" => {
                let alg = value
                    .as_string()
                    .ok_or(Error::Malformed("the alg parameter is not a string"))?;
                parsed.alg = Some(alg.as_str().to_owned());
            }
            "created" => {
                parsed.created = Some(timestamp(value).ok_or(Error::Malformed(
                    "the created parameter is not a non-negative integer",
                ))?);
            }
            "expires" => {
                parsed.expires = Some(timestamp(value).ok_or(Error::Malformed(
                    "the expires parameter is not a non-negative integer",
                ))?);
            }
            "keyid" | "nonce" | "tag" => {
                if value.as_string().is_none() {
                    return Err(Error::Malformed(
                        "a keyid, nonce or tag parameter is not a string",
                    ));
                }
            }
            _ => return Err(Error::Malformed("an unknown signature parameter")),
        }
    }
    Ok(())
}

fn timestamp(value: &BareItem) -> Option<u64> {
    value
        .as_integer()
        .and_then(|i| u64::try_from(i64::from(i)).ok())
}

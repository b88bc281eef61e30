//! Reading the `install` entry of `Signature` and `Signature-Input` (RFC 9421 §4).

use std::borrow::Cow;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sfv::{BareItem, Dictionary, InnerList, ListEntry, Parser};

use super::{Error, MAX_SIGNATURE_HEADER_LEN, SIGNATURE_LABEL};

/// The most components one signature may cover. Approov signs a handful; the cap bounds
/// the work a hostile `Signature-Input` can ask for.
const MAX_COMPONENTS: usize = 64;

/// A raw ECDSA P-256 signature, `r || s`, 32 bytes each (IEEE P1363).
pub(crate) type RawSignature = [u8; 64];

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

/// The `install` signature of a request, parsed and checked for shape (not yet for time,
/// key or value).
#[derive(Debug)]
pub(crate) struct InstallSignature {
    pub(crate) signature: RawSignature,
    /// The covered components with their parameters, as parsed: `@signature-params`
    /// is serialized from this.
    pub(crate) input: InnerList,
    pub(crate) components: Vec<Component>,
    pub(crate) alg: Option<String>,
    pub(crate) created: Option<u64>,
    pub(crate) expires: Option<u64>,
}

impl InstallSignature {
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

/// The `install` entry of `Signature-Input`, or `None` when there is none or the header
/// does not parse. For [`MessageSigning::needs_body`](super::MessageSigning::needs_body).
pub(crate) fn install_input<'h, I>(signature_input: I) -> Option<InnerList>
where
    I: IntoIterator<Item = &'h [u8]>,
{
    let raw = joined(signature_input, MAX_SIGNATURE_HEADER_LEN).ok()??;
    let mut inputs = dictionary(&raw, "").ok()?;
    match inputs.swap_remove(SIGNATURE_LABEL)? {
        ListEntry::InnerList(list) => Some(list),
        ListEntry::Item(_) => None,
    }
}

/// Parses both headers and picks out the `install` signature.
pub(crate) fn install_signature<'h, I, J>(
    signature: I,
    signature_input: J,
) -> Result<InstallSignature, Error>
where
    I: IntoIterator<Item = &'h [u8]>,
    J: IntoIterator<Item = &'h [u8]>,
{
    let signature = joined(signature, MAX_SIGNATURE_HEADER_LEN)?.ok_or(Error::MissingSignature)?;
    let input =
        joined(signature_input, MAX_SIGNATURE_HEADER_LEN)?.ok_or(Error::MissingSignatureInput)?;
    let mut signatures = dictionary(&signature, "Signature is not a structured-field dictionary")?;
    let mut inputs = dictionary(
        &input,
        "Signature-Input is not a structured-field dictionary",
    )?;

    // A label in one header and not the other is a signature nobody could check, or
    // components nobody signed: refuse the request rather than guess.
    if signatures.len() != inputs.len() || signatures.keys().any(|k| !inputs.contains_key(k)) {
        return Err(Error::LabelMismatch);
    }
    let (Some(signature), Some(input)) = (
        signatures.swap_remove(SIGNATURE_LABEL),
        inputs.swap_remove(SIGNATURE_LABEL),
    ) else {
        return Err(Error::NoInstallSignature);
    };

    let signature = signature_bytes(signature)?;
    let ListEntry::InnerList(input) = input else {
        return Err(Error::Malformed(
            "the install signature input is not an inner list",
        ));
    };

    let components = components(&input)?;
    let mut parsed = InstallSignature {
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
/// Approov's iOS SDK sends it; its Android SDK sends a string of the same base64
/// (`"BASE64"`), so both are taken.
fn signature_bytes(entry: ListEntry) -> Result<RawSignature, Error> {
    const NOT_BYTES: &str = "the install signature is neither a byte sequence nor a base64 string";
    let ListEntry::Item(item) = entry else {
        return Err(Error::Malformed(NOT_BYTES));
    };
    let bytes = match item.bare_item {
        BareItem::ByteSequence(bytes) => bytes,
        BareItem::String(text) => STANDARD
            .decode(text.as_str())
            .map_err(|_| Error::Malformed(NOT_BYTES))?,
        _ => return Err(Error::Malformed(NOT_BYTES)),
    };
    RawSignature::try_from(bytes.as_slice()).map_err(|_| Error::BadSignatureLength)
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
fn read_parameters(parsed: &mut InstallSignature) -> Result<(), Error> {
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

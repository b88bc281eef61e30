//! Signing requests as the Approov SDK does: for tests, demos and the `approov-token`
//! tool. Behind the `mint` feature: a server never needs it.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::pkcs8::{DecodePrivateKey as _, EncodePrivateKey as _, LineEnding};
use rand_core::OsRng;
use sfv::{key_ref, BareItem, DictSerializer, InnerList, Integer, Item, KeyRef, Parameters};
use sha2::{Digest as _, Sha256, Sha512};
use thiserror::Error;

use super::base::signature_base;
use super::input::Component;
use super::{
    AccountKey, Error, SignedRequest, ACCOUNT_SIGNATURE_ALGORITHM, ACCOUNT_SIGNATURE_LABEL,
    SIGNATURE_ALGORITHM, SIGNATURE_LABEL,
};

/// The DER of a P-256 SubjectPublicKeyInfo up to its point: `SEQUENCE { SEQUENCE {
/// id-ecPublicKey, secp256r1 }, BIT STRING (66 bytes) { 0x00, ...` — then the 65-byte
/// uncompressed point.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

const ALG: &KeyRef = key_ref("alg");
const CREATED: &KeyRef = key_ref("created");
const EXPIRES: &KeyRef = key_ref("expires");

/// Why an installation key could not be read or written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum InstallationKeyError {
    /// The text is not a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`) of a P-256 key.
    #[error("not a PKCS#8 PEM P-256 private key")]
    NotPkcs8Pem,
    /// The key could not be encoded as PKCS#8 PEM.
    #[error("the key could not be encoded as PKCS#8 PEM")]
    Encode,
}

/// An app installation's P-256 key pair, as the Approov SDK holds it: its public half
/// goes into the token's `ipk` claim, its private half signs requests.
///
/// ```
/// use approov_core::{
///     content_digest, DigestAlgorithm, DigestForm, InstallationKey, MessageSigning,
///     SignatureParams, SignedRequest,
/// };
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let key = InstallationKey::generate();
/// let ipk = key.ipk(); // put this in the token's `ipk` claim
/// let body = br#"{"shape":"circle"}"#;
/// let digest = content_digest(body, DigestAlgorithm::Sha256, DigestForm::ByteSequence);
///
/// // The request without its signature headers, to sign it.
/// let unsigned = |name: &str| -> Vec<&[u8]> {
///     match name {
///         "approov-token" => vec![b"eyJ...".as_slice()],
///         "content-digest" => vec![digest.as_bytes()],
///         _ => vec![],
///     }
/// };
/// let now = 1_744_292_750;
/// let params = SignatureParams::new(&["@method", "@target-uri", "approov-token", "content-digest"], now);
/// let request = SignedRequest::new("POST", "https", "api.example.com", "/shapes", unsigned);
/// let signed = key.sign_request(&request, &params)?;
///
/// // The server sees the request with both headers added.
/// let headers = |name: &str| -> Vec<&[u8]> {
///     match name {
///         "signature" => vec![signed.signature.as_bytes()],
///         "signature-input" => vec![signed.signature_input.as_bytes()],
///         other => unsigned(other),
///     }
/// };
/// let request = SignedRequest::new("POST", "https", "api.example.com", "/shapes", headers)
///     .with_body(body);
/// let claims: approov_core::ApproovClaims =
///     serde_json::from_value(serde_json::json!({ "exp": now + 300, "ipk": ipk }))?;
/// MessageSigning::default().verify(&claims, &request, now + 1)?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct InstallationKey {
    key: SigningKey,
}

impl fmt::Debug for InstallationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InstallationKey")
            .field("ipk", &self.ipk())
            .field("private_key", &"[redacted]")
            .finish()
    }
}

impl InstallationKey {
    /// A new random key pair, from the operating system's generator.
    pub fn generate() -> Self {
        InstallationKey {
            key: SigningKey::random(&mut OsRng),
        }
    }

    /// Reads a private key from PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    /// The text is not PKCS#8 PEM of a P-256 key.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, InstallationKeyError> {
        SigningKey::from_pkcs8_pem(pem)
            .map(|key| InstallationKey { key })
            .map_err(|_| InstallationKeyError::NotPkcs8Pem)
    }

    /// The private key as PKCS#8 PEM, to keep it between runs. It is a secret.
    ///
    /// # Errors
    /// Encoding failed.
    pub fn to_pkcs8_pem(&self) -> Result<String, InstallationKeyError> {
        self.key
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.as_str().to_owned())
            .map_err(|_| InstallationKeyError::Encode)
    }

    /// The public key as the token's `ipk` claim carries it: standard base64 of the DER
    /// SubjectPublicKeyInfo.
    pub fn ipk(&self) -> String {
        let point = self.key.verifying_key().to_encoded_point(false);
        let mut der = Vec::with_capacity(P256_SPKI_PREFIX.len() + point.len());
        der.extend_from_slice(&P256_SPKI_PREFIX);
        der.extend_from_slice(point.as_bytes());
        STANDARD.encode(der)
    }

    /// Signs `base` with ECDSA P-256 over SHA-256 (RFC 6979 nonces): the raw 64-byte
    /// `r || s`.
    pub fn sign(&self, base: &[u8]) -> [u8; 64] {
        let signature: Signature = self.key.sign(base);
        signature.to_bytes().into()
    }

    /// Signs `request` over `params`' components, as the Approov SDK does, and returns
    /// the two headers to add. Covered headers are read from `request`, so it must
    /// already hold them (`approov-token`, `content-digest`, ...).
    ///
    /// # Errors
    /// A component is not one [`MessageSigning`](crate::MessageSigning) can check, a
    /// covered header is absent from `request`, the label is not a structured-field key,
    /// or a time does not fit a structured-field integer.
    pub fn sign_request<'h, F, I>(
        &self,
        request: &SignedRequest<'_, F>,
        params: &SignatureParams<'_>,
    ) -> Result<SignatureHeaders, Error>
    where
        F: Fn(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        sign_with(
            request,
            params,
            SIGNATURE_LABEL,
            SIGNATURE_ALGORITHM,
            |base| self.sign(base).to_vec(),
        )
    }
}

impl AccountKey {
    /// A new random 32-byte key, from the operating system's generator (for tests and
    /// demos: a real app's key is the account's, `approov secret -messageSigningKey
    /// get-base64url`).
    pub fn generate() -> Self {
        use rand_core::RngCore as _;
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        AccountKey::from_bytes(&key)
    }

    /// The key as `approov secret -messageSigningKey get-base64url` prints it
    /// (base64url, no padding); `None` for a per-token hook. It is a secret.
    pub fn to_base64url(&self) -> Option<String> {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        self.fixed().map(|(_, bytes)| URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Signs `request` over `params`' components as the app's `account` signature
    /// (`hmac-sha256`, labelled `account` unless `params` says otherwise), and returns
    /// the two headers to add; join them to an `install` signature's with
    /// [`SignatureHeaders::join`] to send both, as the vendor's 3.8 client does.
    ///
    /// ```
    /// use approov_core::{AccountKey, InstallationKey, MessageSigning, SignatureParams, SignedRequest};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let (install, account) = (InstallationKey::generate(), AccountKey::generate());
    /// let unsigned = |name: &str| -> Vec<&[u8]> {
    ///     if name == "approov-token" { vec![b"eyJ..."] } else { vec![] }
    /// };
    /// let now = 1_744_292_750;
    /// let params = SignatureParams::new(&["@method", "@target-uri", "approov-token"], now)
    ///     .with_expires(now + 15);
    /// let request = SignedRequest::new("GET", "https", "api.example.com", "/shapes", unsigned);
    /// let both = install
    ///     .sign_request(&request, &params)?
    ///     .join(account.sign_request(&request, &params)?);
    /// assert!(both.signature.starts_with("install=:") && both.signature.contains(", account=:"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`InstallationKey::sign_request`]; and
    /// [`AccountKeyUnavailable`](Error::AccountKeyUnavailable) for a per-token hook.
    pub fn sign_request<'h, F, I>(
        &self,
        request: &SignedRequest<'_, F>,
        params: &SignatureParams<'_>,
    ) -> Result<SignatureHeaders, Error>
    where
        F: Fn(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        let (key, _) = self.fixed().ok_or(Error::AccountKeyUnavailable)?;
        sign_with(
            request,
            params,
            ACCOUNT_SIGNATURE_LABEL,
            ACCOUNT_SIGNATURE_ALGORITHM,
            |base| key.mac(base).to_vec(),
        )
    }
}

/// Signs `request` over `params` with `sign`, under `params`' label or `label`, with
/// `alg`: the two headers.
fn sign_with<'h, F, I>(
    request: &SignedRequest<'_, F>,
    params: &SignatureParams<'_>,
    label: &str,
    alg: &str,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> Result<SignatureHeaders, Error>
where
    F: Fn(&str) -> I,
    I: IntoIterator<Item = &'h [u8]>,
{
    let label = KeyRef::from_str(params.label.unwrap_or(label))
        .map_err(|_| Error::Malformed("the label is not a structured-field key"))?;
    let components = params
        .components
        .iter()
        .map(|name| Component::from_name(name))
        .collect::<Result<Vec<_>, _>>()?;
    let input = params.inner_list(alg)?;
    // A request built with `SignedRequest::received` is addressed as a server with the
    // default settings would address it.
    let address = request.address("http");
    let base = signature_base(&components, &input, request, &address)?;
    let signature = sign(&base);

    let mut ser = DictSerializer::new();
    if params.string_value {
        let text = sfv::String::from_string(STANDARD.encode(&signature))
            .map_err(|_| Error::Malformed("base64 is a structured-field string"))?;
        let _ = ser.bare_item(label, &text);
    } else {
        let _ = ser.bare_item(label, signature.as_slice());
    }
    let signature = ser.finish().unwrap_or_default();
    let mut ser = DictSerializer::new();
    {
        let mut inner = ser.inner_list(label);
        inner.items(&input.items);
        let _ = inner.finish().parameters(&input.params);
    }
    let signature_input = ser.finish().unwrap_or_default();
    Ok(SignatureHeaders {
        signature,
        signature_input,
    })
}

/// What to sign: the covered components in order, the label, the times, and how the
/// signature is written.
///
/// `alg` is the key's (`ecdsa-p256-sha256` for an [`InstallationKey`],
/// `hmac-sha256` for an [`AccountKey`]); parameters are written `alg`, `created`,
/// `expires`, as the Approov SDK writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureParams<'a> {
    components: Vec<&'a str>,
    label: Option<&'a str>,
    created: u64,
    expires: Option<u64>,
    string_value: bool,
}

impl<'a> SignatureParams<'a> {
    /// Covers `components` (`"@method"`, `"approov-token"`, ...), created at `created`
    /// (seconds since the epoch), labelled as the key's (`install`, `account`), with no
    /// `expires`, the signature a byte sequence (`:BASE64:`).
    pub fn new(components: &[&'a str], created: u64) -> Self {
        SignatureParams {
            components: components.to_vec(),
            label: None,
            created,
            expires: None,
            string_value: false,
        }
    }

    /// Uses another label than the key's (to test that it is refused, or to sign an
    /// `install` member with the account key).
    pub fn with_label(mut self, label: &'a str) -> Self {
        self.label = Some(label);
        self
    }

    /// Writes the signature as a string of standard base64 (`"BASE64"`), as older
    /// Android clients do, instead of a byte sequence.
    pub fn with_string_value(mut self) -> Self {
        self.string_value = true;
        self
    }

    /// Adds an `expires` time (seconds since the epoch).
    pub fn with_expires(mut self, expires: u64) -> Self {
        self.expires = Some(expires);
        self
    }

    fn inner_list(&self, alg: &str) -> Result<InnerList, Error> {
        let items = self
            .components
            .iter()
            .map(|name| {
                sfv::String::from_string((*name).to_owned())
                    .map(|name| Item::new(BareItem::String(name)))
                    .map_err(|_| {
                        Error::Malformed("a component name is not a structured-field string")
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut params = Parameters::new();
        let alg = sfv::String::from_string(alg.to_owned())
            .map_err(|_| Error::Malformed("alg is not a structured-field string"))?;
        params.insert(ALG.to_owned(), BareItem::String(alg));
        params.insert(CREATED.to_owned(), integer(self.created)?);
        if let Some(expires) = self.expires {
            params.insert(EXPIRES.to_owned(), integer(expires)?);
        }
        Ok(InnerList::with_params(items, params))
    }
}

fn integer(seconds: u64) -> Result<BareItem, Error> {
    Integer::try_from(seconds)
        .map(BareItem::Integer)
        .map_err(|_| Error::Malformed("a time does not fit a structured-field integer"))
}

/// The two headers that carry a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeaders {
    /// The `Signature` header value: `install=:BASE64:`.
    pub signature: String,
    /// The `Signature-Input` header value: `install=("@method" ...);alg=...;created=...`.
    pub signature_input: String,
}

impl SignatureHeaders {
    /// Both signatures in one pair of headers (`install=..., account=...`), as the
    /// vendor's 3.8 client sends them.
    pub fn join(self, other: SignatureHeaders) -> SignatureHeaders {
        SignatureHeaders {
            signature: format!("{}, {}", self.signature, other.signature),
            signature_input: format!("{}, {}", self.signature_input, other.signature_input),
        }
    }
}

/// A digest algorithm of RFC 9530 that [`MessageSigning`](crate::MessageSigning) checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// `sha-256`.
    Sha256,
    /// `sha-512`.
    Sha512,
}

/// How a `Content-Digest` member is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DigestForm {
    /// `sha-256=:BASE64:`, a byte sequence, as RFC 9530 defines it.
    ByteSequence,
    /// `sha-256="BASE64"`, a string, as Approov's test scripts send it.
    QuotedString,
}

/// A `Content-Digest` header value for `body`.
///
/// ```
/// use approov_core::{content_digest, DigestAlgorithm, DigestForm};
///
/// assert_eq!(
///     content_digest(b"", DigestAlgorithm::Sha256, DigestForm::QuotedString),
///     r#"sha-256="47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=""#
/// );
/// ```
pub fn content_digest(body: &[u8], algorithm: DigestAlgorithm, form: DigestForm) -> String {
    let (name, digest) = match algorithm {
        DigestAlgorithm::Sha256 => ("sha-256", Sha256::digest(body).to_vec()),
        DigestAlgorithm::Sha512 => ("sha-512", Sha512::digest(body).to_vec()),
    };
    let digest = STANDARD.encode(digest);
    match form {
        DigestForm::ByteSequence => format!("{name}=:{digest}:"),
        DigestForm::QuotedString => format!("{name}=\"{digest}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::pkcs8::EncodePublicKey as _;

    #[test]
    fn ipk_is_the_der_spki_the_pkcs8_crate_writes() {
        let key = InstallationKey::generate();
        let der = key
            .key
            .verifying_key()
            .to_public_key_der()
            .map(|doc| doc.as_bytes().to_vec())
            .unwrap_or_default();
        assert_eq!(key.ipk(), STANDARD.encode(der));
    }

    #[test]
    fn pem_round_trips() {
        let key = InstallationKey::generate();
        let pem = key.to_pkcs8_pem().unwrap_or_default();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let again = InstallationKey::from_pkcs8_pem(&pem).map(|k| k.ipk()).ok();
        assert_eq!(again, Some(key.ipk()));
    }
}

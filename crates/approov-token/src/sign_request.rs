//! `approov-token sign-request`: a request signed as the Approov SDK signs it, with
//! the installation key (`install`) and, given the account key, as the 3.8 client
//! does (`install` and `account`), printed as a curl command to paste.

use std::ffi::OsString;
use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use approov_core::{
    content_digest, AccountKey, DigestAlgorithm, DigestForm, InstallationKey, SignatureHeaders,
    SignatureParams, SignedRequest, TOKEN_HEADER_VAR, TOKEN_PREFIX_VAR,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use clap::{Args, ValueEnum};
use serde_json::{Map, Value};

use crate::account_key_source::AccountKeyOptions;
use crate::check::read_token;
use crate::env_var;
use crate::failure::{print_line, warn, Failure};
use crate::key_file::read_key;
use crate::mint::{token_with_ipk, unix_now};
use crate::request_url::RequestUrl;
use crate::secret_source::SecretOptions;

const EXAMPLES: &str = "\
The request is signed as the Approov SDK signs it (RFC 9421, label `install`,
ecdsa-p256-sha256, created now) and printed as one curl command on stdout, quoted
for a POSIX shell; --headers-only prints the header lines instead. Paste it within
300 s, the servers' default maximum age.

The signature covers @method, @target-uri and the token header (approov-token),
the --trace-id and --status headers, and content-digest when there is a body
(--data or --data-file, sent with a Content-Digest header).

With an account key (--account, --account-key-env or --account-key), the request
is signed as the 3.8 client signs it: two signatures in one Signature and one
Signature-Input header, `install` then `account` (hmac-sha256), each covering
@method, @target-uri, the token header, then those of approov-traceid,
approov-status, authorization, content-length, content-type the request has, and
content-digest when there is a body; `expires` is created + 15. --account-only
sends the `account` signature alone, without --key, and mints a token without ipk.

--cover replaces the list: derived components @method, @target-uri, @authority,
@scheme, @request-target, @path, @query, or any header the request has: a
--header, the token header, Approov-Status, Approov-TraceID, content-digest, or
what curl adds (host, and for a body content-length and content-type).

Without --token, a token is minted as `approov-token mint` mints one, with the
Secret options, carrying the key's ipk. It is sent in Approov-Token, or in the
header APPROOV_TOKEN_HEADER names, after the prefix APPROOV_TOKEN_PREFIX gives
(the environment, else ./.env, as the servers read them): --token-header and
--token-prefix override them.

Examples:
  approov-token keygen --out key.pem
  approov-token sign-request --key key.pem http://127.0.0.1:8002/token-message-signing
  approov-token sign-request --key key.pem --data '{\"n\":1}' \\
      -H 'Content-Type: application/json' http://127.0.0.1:8002/token-message-signing
  approov-token sign-request --key key.pem --headers-only --digest sha-512 --data-file body.json URL
  approov-token sign-request --key key.pem --cover @method --cover @path --cover approov-token URL

  approov-token account-key --dotenv >> .env
  approov-token sign-request --key key.pem --account --status success --trace-id t-1 URL
  approov-token sign-request --account-only --string-values URL
  approov-token sign-request --key key.pem --account \\
      --token-header Authorization --token-prefix Bearer URL

  TOKEN=$(approov-token mint --ipk-from key.pem --bind 'Bearer alice')
  approov-token sign-request --key key.pem --token \"$TOKEN\" -H 'Authorization: Bearer alice' URL

  eval \"$(approov-token sign-request --key key.pem URL)\"   # sends it now";

/// The largest body `--data-file` reads.
const MAX_BODY_FILE_LEN: u64 = 64 * 1024 * 1024;

/// Headers the tool writes itself, which `--header` may not give (nor can they carry
/// the token). The token's own header is refused too, once it is known.
const OWN_HEADERS: [(&str, &str); 4] = [
    ("signature", "the tool writes it"),
    ("signature-input", "the tool writes it"),
    (
        "content-digest",
        "the tool writes it for the body (--digest, --digest-form)",
    ),
    ("content-length", "curl writes it for the body"),
];

/// The token's header when neither --token-header nor APPROOV_TOKEN_HEADER names one.
const DEFAULT_TOKEN_HEADER: &str = "Approov-Token";

/// The headers --status and --trace-id send, as the Approov SDK names them.
const STATUS_HEADER: &str = "Approov-Status";
const TRACE_ID_HEADER: &str = "Approov-TraceID";

/// What the 3.8 client covers after the token header, when the request has them (then
/// content-digest, for a body).
const CLIENT_38_OPTIONAL: [&str; 5] = [
    "approov-traceid",
    "approov-status",
    "authorization",
    "content-length",
    "content-type",
];

/// How long the 3.8 client's signatures are valid: `expires` is `created` plus this.
const CLIENT_38_EXPIRES_IN: u64 = 15;

/// The derived components a server can check.
const DERIVED: [&str; 7] = [
    "@method",
    "@target-uri",
    "@authority",
    "@scheme",
    "@request-target",
    "@path",
    "@query",
];

/// Sign a request with an installation key, and the account key if given, and print it
/// as a curl command.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub(crate) struct SignRequestArgs {
    /// The installation key that signs: a PKCS#8 PEM file, as `approov-token keygen
    /// --out FILE` writes (not with --account-only)
    #[arg(long, value_name = "FILE", required_unless_present = "account_only")]
    key: Option<PathBuf>,
    /// The Approov token to send; `-` reads it from standard input. Without it, one is
    /// minted with the secret and the key's ipk
    #[arg(
        long,
        value_name = "TOKEN",
        allow_hyphen_values = true,
        conflicts_with = "secret_source"
    )]
    token: Option<OsString>,
    /// The header that carries the token [default: APPROOV_TOKEN_HEADER, from the
    /// environment or ./.env, else Approov-Token]
    #[arg(long, value_name = "NAME", value_parser = parse_token_header)]
    token_header: Option<String>,
    /// Write the token after this prefix: `Bearer` sends `Bearer <token>`. An empty one
    /// writes none [default: APPROOV_TOKEN_PREFIX, from the environment or ./.env, else
    /// none]
    #[arg(long, value_name = "PREFIX", value_parser = parse_token_prefix)]
    token_prefix: Option<String>,
    /// The method [default: GET, or POST with a body]
    #[arg(short = 'X', long = "request", value_name = "METHOD", value_parser = parse_method)]
    method: Option<String>,
    /// The body, as written
    #[arg(long, value_name = "BODY", group = "body", allow_hyphen_values = true)]
    data: Option<String>,
    /// The body, read from this file (curl sends it with --data-binary @FILE)
    #[arg(long, value_name = "FILE", group = "body")]
    data_file: Option<PathBuf>,
    /// The Content-Digest algorithm
    #[arg(long, value_enum, value_name = "ALG", default_value_t = Digest::Sha256, requires = "body")]
    digest: Digest,
    /// How the Content-Digest is written
    #[arg(long, value_enum, value_name = "FORM", default_value_t = Form::Rfc, requires = "body")]
    digest_form: Form,
    /// Cover this component instead of the defaults. Repeat, in the order to sign
    #[arg(long = "cover", value_name = "COMPONENT", value_parser = parse_component)]
    cover: Vec<String>,
    /// Send this header too ('Name: value'). Repeatable; covered only when --cover
    /// names it, or, signing as the 3.8 client, when it is one that client covers
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    headers: Vec<Header>,
    /// Send Approov-Status: VALUE (the SDK's fetch status, such as `success`), covered
    #[arg(long, value_name = "VALUE", value_parser = parse_value)]
    status: Option<String>,
    /// Send Approov-TraceID: VALUE, covered
    #[arg(long, value_name = "VALUE", value_parser = parse_value)]
    trace_id: Option<String>,
    /// Add `expires`, this many seconds after `created` [default: none, or 15 with an
    /// account key]
    #[arg(long, value_name = "SECS")]
    expires_in: Option<u64>,
    /// Write each signature as a string of standard base64 ("BASE64"), as older
    /// Android clients do, instead of a byte sequence (:BASE64:)
    #[arg(long)]
    string_values: bool,
    /// Send the `account` signature alone: no --key, and a minted token has no ipk
    #[arg(long, requires = "account_source", conflicts_with = "key")]
    account_only: bool,
    /// Print only the header lines (`Name: value`), not a curl command
    #[arg(long)]
    headers_only: bool,
    /// Sign the request this many times, `created` one second earlier each time (now,
    /// now - 1, ...), so that every signature differs; the requests are printed one
    /// after the other, separated by a blank line: for load tests
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    count: u64,
    /// The URL: http or https; scheme, `host[:port]`, path and query are what is signed
    #[arg(value_name = "URL")]
    url: String,
    // Last: their help headings apply to every argument after them.
    #[command(flatten)]
    account: AccountKeyOptions,
    #[command(flatten)]
    secret: SecretOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Digest {
    #[value(name = "sha-256")]
    Sha256,
    #[value(name = "sha-512")]
    Sha512,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Form {
    /// `sha-256=:B64:`, a byte sequence, as RFC 9530 writes it
    Rfc,
    /// `sha-256="B64"`, a string, as Approov's test scripts write it
    Quoted,
}

impl From<Digest> for DigestAlgorithm {
    fn from(digest: Digest) -> Self {
        match digest {
            Digest::Sha256 => DigestAlgorithm::Sha256,
            Digest::Sha512 => DigestAlgorithm::Sha512,
        }
    }
}

impl From<Form> for DigestForm {
    fn from(form: Form) -> Self {
        match form {
            Form::Rfc => DigestForm::ByteSequence,
            Form::Quoted => DigestForm::QuotedString,
        }
    }
}

/// A header to send: its name as written, and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    name: String,
    value: String,
}

impl Header {
    fn new(name: &str, value: impl Into<String>) -> Self {
        Header {
            name: name.to_owned(),
            value: value.into(),
        }
    }
}

/// Where the body comes from.
enum Body {
    Inline(String),
    File(PathBuf, Vec<u8>),
}

impl Body {
    fn bytes(&self) -> &[u8] {
        match self {
            Body::Inline(text) => text.as_bytes(),
            Body::File(_, bytes) => bytes,
        }
    }
}

/// The keys that sign: the installation key, the account key, or both (the 3.8
/// client).
struct Signers {
    install: Option<InstallationKey>,
    account: Option<AccountKey>,
}

impl Signers {
    /// The `Signature` and `Signature-Input` values: `install` first, then `account`.
    fn sign<'h, F, I>(
        &self,
        request: &SignedRequest<'_, F>,
        params: &SignatureParams<'_>,
    ) -> Result<SignatureHeaders, Failure>
    where
        F: Fn(&str) -> I,
        I: IntoIterator<Item = &'h [u8]>,
    {
        let failed = |e: approov_core::MessageSignatureError| {
            Failure::new(format!("cannot sign the request: {e}"))
        };
        let install = self
            .install
            .as_ref()
            .map(|key| key.sign_request(request, params))
            .transpose()
            .map_err(failed)?;
        let account = self
            .account
            .as_ref()
            .map(|key| key.sign_request(request, params))
            .transpose()
            .map_err(failed)?;
        match (install, account) {
            (Some(install), Some(account)) => Ok(install.join(account)),
            (Some(one), None) | (None, Some(one)) => Ok(one),
            (None, None) => Err(Failure::new("no key to sign with: give --key or --account")),
        }
    }
}

/// The header that carries the token: its name as sent, and the prefix before it.
struct TokenHeader {
    name: String,
    prefix: String,
}

impl TokenHeader {
    /// As --token-header and --token-prefix say, else as the servers' variables do.
    fn resolve(args: &SignRequestArgs) -> Result<Self, Failure> {
        let from_var = |var: &str, parse: fn(&str) -> Result<String, String>| {
            env_var::read(var)?
                .map(|value| {
                    parse(value.trim()).map_err(|e| {
                        Failure::new(format!("{var} is \"{}\": {e}", value.escape_debug()))
                    })
                })
                .transpose()
        };
        let name = match &args.token_header {
            Some(name) => name.clone(),
            None => from_var(TOKEN_HEADER_VAR, parse_token_header)?
                .unwrap_or_else(|| DEFAULT_TOKEN_HEADER.to_owned()),
        };
        let prefix = match &args.token_prefix {
            Some(prefix) => prefix.clone(),
            None => from_var(TOKEN_PREFIX_VAR, parse_token_prefix)?.unwrap_or_default(),
        };
        Ok(TokenHeader { name, prefix })
    }

    /// The name a signature covers: lower case.
    fn component(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

pub(crate) fn run(args: &SignRequestArgs) -> Result<ExitCode, Failure> {
    let url = RequestUrl::parse(&args.url)
        .map_err(|e| Failure::new(format!("the URL \"{}\" {e}", args.url.escape_debug())))?;
    let install = match &args.key {
        Some(path) if !args.account_only => Some(read_key(path, "--key")?),
        _ => None,
    };
    let account = args.account.key()?;
    let client_38 = account.is_some();
    let signers = Signers { install, account };
    let token_header = TokenHeader::resolve(args)?;
    let mut headers = args.headers.clone();
    let extra = [
        (STATUS_HEADER, "--status", &args.status),
        (TRACE_ID_HEADER, "--trace-id", &args.trace_id),
    ];
    check_headers(&headers, &token_header, &extra)?;
    let body = body(args)?;
    let token = match &args.token {
        Some(arg) => {
            let token = header_token(&read_token(arg)?)?;
            if let (Some(key), Some(path)) = (&signers.install, &args.key) {
                check_ipk(&token, key, path, client_38);
            }
            token
        }
        None => token_with_ipk(&args.secret, signers.install.as_ref().map(|key| key.ipk()))?,
    };
    let method = args
        .method
        .clone()
        .unwrap_or_else(|| if body.is_some() { "POST" } else { "GET" }.to_owned());

    headers.push(Header::new(
        &token_header.name,
        format!("{}{token}", token_header.prefix),
    ));
    for (name, _, value) in extra {
        if let Some(value) = value {
            headers.push(Header::new(name, value.clone()));
        }
    }
    let digest = body
        .as_ref()
        .map(|body| content_digest_header(body.bytes(), args.digest, args.digest_form));
    let authority = first_value(&headers, "host")
        .unwrap_or(&url.authority)
        .to_owned();
    let implicit = curl_headers(&authority, body.as_ref());
    let sent = |name: &str| -> Vec<&[u8]> {
        let given = values(headers.iter().chain(&digest), name);
        if given.is_empty() {
            values(&implicit, name)
        } else {
            given
        }
    };

    let token_component = token_header.component();
    let cover = covered(args, &token_component, client_38, body.is_some(), |name| {
        !sent(name).is_empty()
    })?;
    let expires_in = args
        .expires_in
        .or(client_38.then_some(CLIENT_38_EXPIRES_IN));
    let now = u64::try_from(unix_now()).unwrap_or(0);
    let request = SignedRequest::new(&method, &url.scheme, &authority, &url.path_and_query, sent);
    let request = match &body {
        Some(body) => request.with_body(body.bytes()),
        None => request,
    };
    let mut printed = Vec::new();
    for earlier in 0..args.count {
        let created = now.saturating_sub(earlier);
        let mut params = SignatureParams::new(&cover, created);
        if let Some(seconds) = expires_in {
            params = params.with_expires(created.saturating_add(seconds));
        }
        if args.string_values {
            params = params.with_string_value();
        }
        let signed = signers.sign(&request, &params)?;

        // After the user's own and the token's: Signature, Signature-Input, Content-Digest.
        let mut all = headers.clone();
        all.push(Header::new("Signature", signed.signature));
        all.push(Header::new("Signature-Input", signed.signature_input));
        all.extend(digest.clone());

        printed.push(if args.headers_only {
            let lines: Vec<String> = all
                .iter()
                .map(|header| format!("{}: {}", header.name, header.value))
                .collect();
            lines.join("\n")
        } else {
            curl_command(&method, &all, body.as_ref(), &url)?
        });
    }
    print_line(&printed.join("\n\n"))?;
    Ok(ExitCode::SUCCESS)
}

/// Refuses a `--header` that gives the token's header, or one that --status or
/// --trace-id (`extra`) gives.
fn check_headers(
    headers: &[Header],
    token_header: &TokenHeader,
    extra: &[(&str, &str, &Option<String>)],
) -> Result<(), Failure> {
    for header in headers {
        if header.name.eq_ignore_ascii_case(&token_header.name) {
            return Err(Failure::new(format!(
                "{} is not a --header: it carries the token, give it with --token",
                header.name
            )));
        }
    }
    for (name, option, value) in extra {
        if value.is_none() {
            continue;
        }
        if name.eq_ignore_ascii_case(&token_header.name) {
            return Err(Failure::new(format!(
                "{option} sends {name}, which carries the token (--token-header)"
            )));
        }
        if first_value(headers, name).is_some() {
            return Err(Failure::new(format!(
                "{option} and --header '{name}: ...' both give {name}: keep one"
            )));
        }
    }
    Ok(())
}

fn content_digest_header(body: &[u8], digest: Digest, form: Form) -> Header {
    Header::new(
        "Content-Digest",
        content_digest(body, digest.into(), form.into()),
    )
}

/// The headers curl adds unless `--header` gives them: `Host` (`authority`), and for a
/// body its length and type.
fn curl_headers(authority: &str, body: Option<&Body>) -> Vec<Header> {
    let mut headers = vec![Header::new("host", authority)];
    if let Some(body) = body {
        headers.push(Header::new(
            "content-length",
            body.bytes().len().to_string(),
        ));
        headers.push(Header::new(
            "content-type",
            "application/x-www-form-urlencoded",
        ));
    }
    headers
}

/// The body asked for, if any.
fn body(args: &SignRequestArgs) -> Result<Option<Body>, Failure> {
    if let Some(text) = &args.data {
        return Ok(Some(Body::Inline(text.clone())));
    }
    let Some(path) = &args.data_file else {
        return Ok(None);
    };
    let shown = path.display();
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|file| file.take(MAX_BODY_FILE_LEN + 1).read_to_end(&mut bytes))
        .map_err(|e| Failure::new(format!("--data-file {shown}: cannot read it: {e}")))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_BODY_FILE_LEN {
        return Err(Failure::new(format!(
            "--data-file {shown}: larger than {} MiB",
            MAX_BODY_FILE_LEN >> 20
        )));
    }
    Ok(Some(Body::File(path.clone(), bytes)))
}

/// A token read from `--token`, checked to fit in a header line.
fn header_token(token: &str) -> Result<String, Failure> {
    let token = token.trim();
    if token.is_empty() {
        return Err(Failure::new("--token is empty"));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Failure::new(
            "--token holds white space or a character a header cannot carry",
        ));
    }
    Ok(token.to_owned())
}

/// Warns when the token's `ipk` (read without checking the token) is not the key's
/// public half: a server would refuse the `install` signature. `account` says whether
/// an `account` signature goes with it.
fn check_ipk(token: &str, key: &InstallationKey, path: &Path, account: bool) {
    let Some(ipk) = unverified_ipk(token) else {
        return;
    };
    let shown = path.display();
    match ipk {
        None if account => warn(&format!(
            "the token has no ipk claim, so a server cannot check the install signature \
             (message_signature_no_ipk when it requires `install` or `both`): mint it with \
             --ipk-from {shown}, or send --account-only"
        )),
        None => warn(&format!(
            "the token has no ipk claim, so a server cannot check the signature \
             (message_signature_no_ipk): mint it with --ipk-from {shown}"
        )),
        Some(ipk) if ipk != key.ipk() => warn(&format!(
            "the token's ipk is not the public half of {shown}: a server refuses the \
             signature (message_signature_invalid)"
        )),
        Some(_) => {}
    }
}

/// The token's `ipk` claim, read without checking the token; `None` when its payload
/// is not a JSON object.
fn unverified_ipk(token: &str) -> Option<Option<String>> {
    let payload = token.split('.').nth(1)?;
    let json = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Map<String, Value> = serde_json::from_slice(&json).ok()?;
    Some(claims.get("ipk").and_then(Value::as_str).map(str::to_owned))
}

/// The components to cover, each header checked to be one the request sends.
/// `token` is the token's header, lower case; `client_38` asks for the 3.8 client's
/// defaults.
fn covered<'a>(
    args: &'a SignRequestArgs,
    token: &'a str,
    client_38: bool,
    has_body: bool,
    is_sent: impl Fn(&str) -> bool,
) -> Result<Vec<&'a str>, Failure> {
    let cover: Vec<&str> = if args.cover.is_empty() {
        let mut cover = vec!["@method", "@target-uri", token];
        if client_38 {
            cover.extend(
                CLIENT_38_OPTIONAL
                    .into_iter()
                    .filter(|name| *name != token && is_sent(name)),
            );
        } else {
            if args.trace_id.is_some() {
                cover.push("approov-traceid");
            }
            if args.status.is_some() {
                cover.push("approov-status");
            }
        }
        if has_body {
            cover.push("content-digest");
        }
        cover
    } else {
        args.cover.iter().map(String::as_str).collect()
    };
    for (i, name) in cover.iter().enumerate() {
        if cover[..i].contains(name) {
            return Err(Failure::new(format!("--cover {name} is given twice")));
        }
        if name.starts_with('@') || is_sent(name) {
            continue;
        }
        return Err(Failure::new(if *name == "content-digest" {
            "--cover content-digest: the request has no body (--data or --data-file)".to_owned()
        } else {
            format!("--cover {name}: the request has no {name} header (add --header '{name}: ...')")
        }));
    }
    if !cover.contains(&token) {
        warn(&format!(
            "the signature does not cover {token}, the token's header: a server refuses it"
        ));
    }
    Ok(cover)
}

/// Every value of header `name`, in order.
fn values<'h>(headers: impl IntoIterator<Item = &'h Header>, name: &str) -> Vec<&'h [u8]> {
    headers
        .into_iter()
        .filter(|header| header.name.eq_ignore_ascii_case(name))
        .map(|header| header.value.as_bytes())
        .collect()
}

/// The first value of header `name`, if any.
fn first_value<'h>(headers: &'h [Header], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|header| header.name.eq_ignore_ascii_case(name))
        .map(|header| header.value.as_str())
}

/// The curl command that sends the signed request, quoted for a POSIX shell.
fn curl_command(
    method: &str,
    headers: &[Header],
    body: Option<&Body>,
    url: &RequestUrl,
) -> Result<String, Failure> {
    let mut words = vec!["curl".to_owned(), "-i".to_owned()];
    if url.needs_globoff() {
        words.push("-g".to_owned());
    }
    if url.has_dot_segments() {
        words.push("--path-as-is".to_owned());
    }
    words.push("-X".to_owned());
    words.push(if method.bytes().all(|b| b.is_ascii_alphanumeric()) {
        method.to_owned()
    } else {
        quote(method)
    });
    for header in headers {
        words.push("-H".to_owned());
        // `Name:` with nothing after it tells curl to drop the header; `Name;` sends
        // it empty.
        words.push(quote(&if header.value.is_empty() {
            format!("{};", header.name)
        } else {
            format!("{}: {}", header.name, header.value)
        }));
    }
    match body {
        // `--data-binary @x` would read file x; `--data-raw` takes an `@` as written.
        Some(Body::Inline(text)) if text.starts_with('@') => {
            words.extend(["--data-raw".to_owned(), quote(text)]);
        }
        Some(Body::Inline(text)) => words.extend(["--data-binary".to_owned(), quote(text)]),
        Some(Body::File(path, _)) => {
            let path = path.to_str().ok_or_else(|| {
                Failure::new("--data-file: the path is not UTF-8, so it cannot be printed")
            })?;
            words.extend(["--data-binary".to_owned(), format!("@{}", quote(path))]);
        }
        None => {}
    }
    words.push(quote(&url.url));
    Ok(words.join(" "))
}

/// `word` in single quotes, for a POSIX shell: each `'` in it becomes `'\''`.
fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// `tchar` of RFC 9110 §5.6.2: what a method or a header name is made of.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn parse_method(arg: &str) -> Result<String, String> {
    if !arg.is_empty() && arg.bytes().all(is_tchar) {
        Ok(arg.to_owned())
    } else {
        Err("a method is a token such as GET, POST or PATCH".to_owned())
    }
}

/// `Name: value`: a header name, and a value without line breaks (trimmed, as a
/// server reads it).
fn parse_header(arg: &str) -> Result<Header, String> {
    let (name, value) = arg
        .split_once(':')
        .ok_or_else(|| "a header is written 'Name: value'".to_owned())?;
    let name = header_name(name)?;
    let value = value.trim_matches([' ', '\t']);
    if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
        return Err(format!("the {name} value holds a control character"));
    }
    Ok(Header::new(name, value))
}

/// A header name a request may carry: not one the tool or curl writes.
fn header_name(name: &str) -> Result<&str, String> {
    if name.is_empty() || !name.bytes().all(is_tchar) {
        return Err(format!("`{}` is not a header name", name.escape_debug()));
    }
    let lower = name.to_ascii_lowercase();
    if let Some((_, why)) = OWN_HEADERS.iter().find(|(own, _)| *own == lower) {
        return Err(format!("{name} is not a --header: {why}"));
    }
    Ok(name)
}

/// The token's header: a header name, not one the tool or curl writes.
fn parse_token_header(arg: &str) -> Result<String, String> {
    if arg.eq_ignore_ascii_case("host") {
        return Err("Host is the authority curl sends, not the token's header".to_owned());
    }
    header_name(arg)
        .map(str::to_owned)
        .map_err(|e| e.replace("a --header", "the token's header"))
}

/// The token's prefix: visible ASCII and spaces, trimmed; a scheme (`Bearer`) gains
/// the space after it, as the servers read APPROOV_TOKEN_PREFIX. Empty is none.
fn parse_token_prefix(arg: &str) -> Result<String, String> {
    let prefix = arg.trim();
    if !prefix.bytes().all(|b| b.is_ascii_graphic() || b == b' ') {
        return Err("a prefix is visible ASCII, such as `Bearer`".to_owned());
    }
    Ok(if prefix.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        format!("{prefix} ")
    } else {
        prefix.to_owned()
    })
}

/// A header value: not empty, without control characters (trimmed, as a server reads it).
fn parse_value(arg: &str) -> Result<String, String> {
    let value = arg.trim_matches([' ', '\t']);
    if value.is_empty() {
        return Err("the value is empty".to_owned());
    }
    if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
        return Err("the value holds a control character".to_owned());
    }
    Ok(value.to_owned())
}

/// A component a server checks: a derived one, or a header name (lower-cased).
fn parse_component(arg: &str) -> Result<String, String> {
    if arg.starts_with('@') {
        return if DERIVED.contains(&arg) {
            Ok(arg.to_owned())
        } else {
            Err(format!("the servers check only {}", DERIVED.join(", ")))
        };
    }
    if arg.is_empty() || !arg.bytes().all(is_tchar) {
        return Err(format!("`{}` is not a header name", arg.escape_debug()));
    }
    Ok(arg.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_any_text() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("$(x) `y` \"z\"\n"), "'$(x) `y` \"z\"\n'");
    }

    #[test]
    fn headers_and_components_are_checked() {
        assert_eq!(
            parse_header("Content-Type:  application/json "),
            Ok(Header::new("Content-Type", "application/json"))
        );
        assert_eq!(parse_header("X-Empty:"), Ok(Header::new("X-Empty", "")));
        for bad in [
            "no colon",
            ": v",
            "Bad Name: v",
            "X: a\nb",
            "X: a\rb",
            "Signature: x",
            "Content-Length: 3",
        ] {
            assert!(parse_header(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_component("Content-Type"),
            Ok("content-type".to_owned())
        );
        assert_eq!(parse_component("@query"), Ok("@query".to_owned()));
        for bad in ["@status", "@signature-params", "", "a b", "@Method"] {
            assert!(parse_component(bad).is_err(), "{bad:?}");
        }
        assert!(parse_method("PATCH").is_ok());
        for bad in ["", "GE T", "G\nET", "GÉT"] {
            assert!(parse_method(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_token_header_and_prefix_are_read_as_the_servers_read_them() {
        assert_eq!(parse_token_prefix("Bearer"), Ok("Bearer ".to_owned()));
        assert_eq!(parse_token_prefix(" Bearer  "), Ok("Bearer ".to_owned()));
        assert_eq!(parse_token_prefix("Token:"), Ok("Token:".to_owned()));
        assert_eq!(parse_token_prefix(""), Ok(String::new()));
        assert!(parse_token_prefix("B\u{e9}arer").is_err());
        assert!(parse_token_prefix("a\tb").is_err());
        assert_eq!(
            parse_token_header("Authorization"),
            Ok("Authorization".to_owned())
        );
        for bad in [
            "",
            "a b",
            "Signature",
            "signature-input",
            "Host",
            "Content-Length",
        ] {
            assert!(parse_token_header(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_value(" success "), Ok("success".to_owned()));
        for bad in ["", "  ", "a\nb"] {
            assert!(parse_value(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_ipk_is_read_from_an_unchecked_token() {
        let token = |claims: &str| format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(claims));
        assert_eq!(
            unverified_ipk(&token(r#"{"ipk":"k"}"#)),
            Some(Some("k".into()))
        );
        assert_eq!(unverified_ipk(&token(r#"{"exp":1}"#)), Some(None));
        assert_eq!(unverified_ipk(&token("[]")), None);
        assert_eq!(unverified_ipk("garbage"), None);
    }
}

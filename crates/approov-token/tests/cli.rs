//! The dev-token tool, run as a user runs it: in a directory of its own, with only the
//! environment each test gives it.
// Helpers outside `#[test]` functions fail their test by panicking too.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use approov_core::{
    binding_claim, AccountKey, ApproovClaims, ApproovVerifier, InstallationKey, KeySet,
    MessageSignatureError, MessageSigning, SignatureRequirement, SignedRequest, TokenRejection,
};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};

/// 32 bytes, with `+` and `/` in standard base64.
const SECRET: &str = "dG9rZW4tdG9vbC10ZXN0LXNlY3JldC0rLysvKy8rLys=";

/// Every variable the tool (through the core) reads; and the proxy settings, so that
/// a JWKS URL on a loopback address is fetched directly.
const APPROOV_VARS: [&str; 17] = [
    "APPROOV_BASE64_SECRET",
    "APPROOV_BASE64URL_SECRET",
    "APPROOV_MODE",
    "APPROOV_LOG_LINES_PER_SECOND",
    "APPROOV_JWKS",
    "APPROOV_JWKS_FILE",
    "APPROOV_JWKS_URL",
    "APPROOV_JWKS_REFRESH_SECS",
    "APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY",
    "APPROOV_TOKEN_HEADER",
    "APPROOV_TOKEN_PREFIX",
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
];

/// One run of the tool.
struct Run {
    args: Vec<String>,
    env: Vec<(String, String)>,
    dotenv: Option<String>,
    stdin: Option<Vec<u8>>,
    dir: Option<PathBuf>,
}

fn tool(args: &[&str]) -> Run {
    Run {
        args: args.iter().map(|arg| (*arg).to_owned()).collect(),
        env: Vec::new(),
        dotenv: None,
        stdin: None,
        dir: None,
    }
}

impl Run {
    fn env(mut self, var: &str, value: &str) -> Self {
        self.env.push((var.into(), value.into()));
        self
    }

    /// The secret in `APPROOV_BASE64_SECRET`, as the servers read it.
    fn with_secret(self) -> Self {
        self.env("APPROOV_BASE64_SECRET", SECRET)
    }

    fn dotenv(mut self, contents: &str) -> Self {
        self.dotenv = Some(contents.into());
        self
    }

    fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Runs in `dir`, which outlives the run, instead of a fresh directory.
    fn in_dir(mut self, dir: &WorkDir) -> Self {
        self.dir = Some(dir.0.clone());
        self
    }

    fn output(self) -> Output {
        let kept = self.dir.is_some();
        let dir = self.dir.clone().unwrap_or_else(fresh_dir);
        if let Some(contents) = &self.dotenv {
            std::fs::write(dir.join(".env"), contents).unwrap();
        }
        let mut command = Command::new(env!("CARGO_BIN_EXE_approov-token"));
        command
            .args(&self.args)
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in APPROOV_VARS {
            command.env_remove(var);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        let mut child = command.spawn().expect("running approov-token");
        let input = self.stdin.unwrap_or_default();
        let mut stdin = child.stdin.take().unwrap();
        // The tool may exit before reading (no secret, say): a closed pipe is fine.
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let output = child.wait_with_output().unwrap();
        writer.join().unwrap();
        if !kept {
            let _ = std::fs::remove_dir_all(&dir);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        output
    }

    /// Runs it, expecting success; its stdout, trimmed.
    fn stdout(self) -> String {
        let what = self.args.join(" ");
        let output = self.output();
        assert!(
            output.status.success(),
            "approov-token {what}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    }

    /// Runs it, expecting exit status `code` and nothing on stdout; its stderr.
    fn fails(self, code: i32) -> String {
        let output = self.output();
        assert_eq!(output.status.code(), Some(code), "{output:?}");
        assert!(output.stdout.is_empty(), "{output:?}");
        String::from_utf8(output.stderr).unwrap()
    }

    /// Runs `check`, expecting a refusal: exit status 1 and one code line.
    fn refused(self) -> (String, String) {
        let output = self.output();
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert_eq!(output.status.code(), Some(1), "{stdout}");
        let line = stdout
            .strip_suffix('\n')
            .filter(|line| !line.contains('\n'))
            .unwrap_or_else(|| panic!("not one line: {stdout:?}"));
        let (code, reason) = line
            .strip_prefix("code=")
            .and_then(|rest| rest.split_once(" reason="))
            .unwrap_or_else(|| panic!("not code=... reason=...: {line:?}"));
        (code.to_owned(), reason.to_owned())
    }
}

/// A new empty working directory: no `.env` unless a test writes one.
fn fresh_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "approov-token-cli-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A working directory for several runs, removed when dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn new() -> Self {
        WorkDir(fresh_dir())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn verifier() -> ApproovVerifier {
    ApproovVerifier::from_base64_secret(SECRET).unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// `check`'s output on success: the claims as JSON.
fn checked(run: Run) -> Value {
    serde_json::from_str(&run.stdout()).unwrap()
}

#[test]
fn a_minted_token_checks_and_verifies() {
    let token = tool(&["mint"]).with_secret().stdout();
    let claims = verifier().verify(&token).unwrap();
    assert_eq!(claims.did.as_deref(), Some("ExampleApproovDeviceID=="));
    assert!(claims.pay.is_none());
    assert!((now() + 295..=now() + 300).contains(&claims.exp));

    let printed = checked(tool(&["check", &token]).with_secret());
    assert_eq!(printed["did"], "ExampleApproovDeviceID==");
    assert_eq!(printed["exp"], claims.exp);
    assert!(printed["iat"].is_u64());
    // From standard input too, with the newline a pipe carries.
    let piped = checked(
        tool(&["check", "-"])
            .with_secret()
            .stdin(format!("{token}\n")),
    );
    assert_eq!(piped, printed);
}

#[test]
fn the_first_command_line_still_mints() {
    // As scripts/load-bench.sh, TESTING.md and EXAMPLES.md run it.
    for args in [
        &[][..],
        &["--expires-in", "3600"],
        &[
            "--secret-env",
            "APPROOV_BASE64_SECRET",
            "--expires-in",
            "3600",
        ],
        &["--secret", SECRET, "--expires-in", "60"],
    ] {
        let token = tool(args).with_secret().stdout();
        assert!(verifier().verify(&token).is_ok(), "{args:?}");
    }
    let bound = tool(&["--bind-header-value", "Bearer me"])
        .with_secret()
        .stdout();
    let claims = verifier().verify(&bound).unwrap();
    assert_eq!(
        claims.pay.as_deref(),
        Some(binding_claim([b"Bearer me".as_slice()]).as_str())
    );
    let expired = tool(&["--expires-in", "-60"]).with_secret().stdout();
    assert_eq!(verifier().verify(&expired), Err(TokenRejection::Expired));
}

#[test]
fn a_token_bound_twice_checks_only_with_the_same_values_in_the_same_order() {
    let token = tool(&["mint", "--bind", "Bearer alice", "--bind", "session-42"])
        .with_secret()
        .stdout();
    let claims = verifier().verify(&token).unwrap();
    let pay = binding_claim([b"Bearer alice".as_slice(), b"session-42".as_slice()]);
    assert_eq!(claims.pay.as_deref(), Some(pay.as_str()));

    let same = [
        "check",
        "--bind",
        "Bearer alice",
        "--bind",
        "session-42",
        &token,
    ];
    assert_eq!(checked(tool(&same).with_secret())["pay"], pay.as_str());
    // Without --bind, check looks at the token alone.
    assert!(checked(tool(&["check", &token]).with_secret())["pay"].is_string());

    for binds in [
        &["--bind", "session-42", "--bind", "Bearer alice"][..],
        &["--bind", "Bearer alice"],
        &["--bind", "Bearer alice", "--bind", "session-43"],
    ] {
        let args: Vec<&str> = ["check"]
            .iter()
            .chain(binds)
            .copied()
            .chain([token.as_str()])
            .collect();
        let (code, _) = tool(&args).with_secret().refused();
        assert_eq!(code, "binding_mismatch", "{binds:?}");
    }
    // A token without `pay` checked for a binding.
    let unbound = tool(&["mint"]).with_secret().stdout();
    let (code, reason) = tool(&["check", "--bind", "Bearer alice", &unbound])
        .with_secret()
        .refused();
    assert_eq!(code, "binding_mismatch");
    assert!(reason.contains("no `pay` claim"), "{reason}");
}

#[test]
fn bound_values_are_hashed_as_a_server_hashes_a_header() {
    // A server hashes the header value without surrounding white space.
    let token = tool(&["mint", "--bind", " Bearer alice\n"])
        .with_secret()
        .stdout();
    let claims = verifier().verify(&token).unwrap();
    assert_eq!(
        claims.pay.as_deref(),
        Some(binding_claim([b"Bearer alice".as_slice()]).as_str())
    );
    // And refuses an empty one, so the tool does not mint or check one.
    let stderr = tool(&["mint", "--bind", " "]).with_secret().fails(2);
    assert!(stderr.contains("--bind is empty"), "{stderr}");
    let stderr = tool(&["check", "--bind", "", &token])
        .with_secret()
        .fails(2);
    assert!(stderr.contains("--bind is empty"), "{stderr}");
}

#[test]
fn claims_are_json_when_they_parse_and_strings_otherwise() {
    let token = tool(&[
        "mint",
        "--did",
        "device-7",
        "--claim",
        "ip=1.2.3.4",
        "--claim",
        "iat=1700000000",
        "--claim",
        "arc=true",
        "--claim",
        "aud=[\"api\"]",
        "--claim",
        "code=\"42\"",
        "--claim",
        "note=",
        "--claim",
        "eq=a=b",
    ])
    .with_secret()
    .stdout();
    let claims = verifier().verify(&token).unwrap();
    assert_eq!(claims.did.as_deref(), Some("device-7"));
    assert_eq!(claims.ip.as_deref(), Some("1.2.3.4"));
    assert_eq!(claims.other["iat"], json!(1_700_000_000));
    // A typed claim of another JSON type is kept as it is.
    assert_eq!(claims.other["arc"], json!(true));
    assert_eq!(claims.other["aud"], json!(["api"]));
    assert_eq!(claims.other["code"], json!("42"));
    assert_eq!(claims.other["note"], json!(""));
    assert_eq!(claims.other["eq"], json!("a=b"));

    // --claim replaces what the tool sets; --omit takes claims out.
    let token = tool(&["mint", "--claim", "did=other", "--omit", "iat"])
        .with_secret()
        .stdout();
    let claims = verifier().verify(&token).unwrap();
    assert_eq!(claims.did.as_deref(), Some("other"));
    assert!(!claims.other.contains_key("iat"));

    let stderr = tool(&["mint", "--claim", "no-equals"])
        .with_secret()
        .fails(2);
    assert!(stderr.contains("not NAME=VALUE"), "{stderr}");
    let stderr = tool(&["mint", "--claim", "exp=1", "--omit", "exp"])
        .with_secret()
        .fails(2);
    assert!(stderr.contains("contradict"), "{stderr}");
}

#[test]
fn refused_tokens_print_the_code_and_reason() {
    let expired = tool(&["mint", "--expires-in", "-10"])
        .with_secret()
        .stdout();
    let (code, reason) = tool(&["check", &expired]).with_secret().refused();
    assert_eq!(
        (code.as_str(), reason.as_str()),
        ("token_expired", "the Approov token has expired")
    );

    let past = tool(&["mint", "--exp", "1000"]).with_secret().stdout();
    assert_eq!(
        tool(&["check", &past]).with_secret().refused().0,
        "token_expired"
    );
    // Read the clock once: a second may pass between minting and checking.
    let in_an_hour = now() + 3600;
    let future = in_an_hour.to_string();
    let later = tool(&["mint", "--exp", &future]).with_secret().stdout();
    assert_eq!(
        checked(tool(&["check", &later]).with_secret())["exp"],
        in_an_hour
    );

    let no_exp = tool(&["mint", "--omit", "exp"]).with_secret().stdout();
    let (code, _) = tool(&["check", &no_exp]).with_secret().refused();
    assert_eq!(code, "token_missing_expiration");

    let not_yet = tool(&["mint", "--claim", &format!("nbf={future}")])
        .with_secret()
        .stdout();
    assert_eq!(
        tool(&["check", &not_yet]).with_secret().refused().0,
        "token_verification_failed"
    );

    // Signed with another secret.
    let other = tool(&[
        "mint",
        "--secret",
        "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC1vdGhlci1zZWNyZXQ=",
    ])
    .stdout();
    let (code, reason) = tool(&["check", &other]).with_secret().refused();
    assert_eq!(code, "token_verification_failed");
    assert!(reason.contains("signature"), "{reason}");
}

#[test]
fn hostile_tokens_are_refused_with_a_code_and_no_panic() {
    let long = "a".repeat(100_000);
    for token in [
        "garbage",
        "",
        " ",
        "a.b.c",
        "..",
        "e30.e30.e30",
        "Bearer x.y.z",
        &long,
    ] {
        let (code, _) = tool(&["check", token]).with_secret().refused();
        assert_eq!(code, "token_verification_failed", "{token:.20}");
    }
    let mut junk: Vec<u8> = (0..=255).collect();
    junk.extend(std::iter::repeat_n(b'.', 50_000));
    for input in [junk, b"\xff\xfe.\x00.\x80".to_vec(), Vec::new()] {
        let (code, _) = tool(&["check", "-"]).with_secret().stdin(input).refused();
        assert_eq!(code, "token_verification_failed");
    }
}

#[test]
fn a_bad_secret_option_is_named_in_the_error() {
    // `check` takes a token after the options; `mint` nothing.
    for command in [&["mint"][..], &["check", "x.y.z"]] {
        let args = |options: &[&'static str]| -> Vec<&'static str> {
            [command[0]]
                .into_iter()
                .chain(options.iter().copied())
                .chain(command.get(1).copied())
                .collect()
        };
        let stderr = tool(&args(&["--secret", "%%%"])).with_secret().fails(2);
        assert!(
            stderr.starts_with("approov-token: --secret is not valid standard base64"),
            "{stderr}"
        );
        assert!(!stderr.contains("APPROOV_BASE64_SECRET is"), "{stderr}");
        let stderr = tool(&args(&["--secret", ""])).fails(2);
        assert!(stderr.contains("--secret is empty"), "{stderr}");
        let stderr = tool(&args(&["--secret-env", "MY_SECRET"])).fails(2);
        assert!(stderr.contains("MY_SECRET is not set"), "{stderr}");
        let stderr = tool(&args(&["--secret-env", "MY_SECRET"]))
            .env("MY_SECRET", "%%%")
            .fails(2);
        assert!(
            stderr.contains("MY_SECRET is not valid standard base64"),
            "{stderr}"
        );
    }
    // Where clap sees the mistake, clap says so.
    tool(&["mint", "--secret-env", "A", "--secret", SECRET]).fails(2);
    tool(&["mint", "--encoding", "base64"])
        .with_secret()
        .fails(2);
    tool(&["mint", "--exp", "1", "--expires-in", "1"])
        .with_secret()
        .fails(2);
}

#[test]
fn without_a_secret_the_error_names_both_variables() {
    for args in [&["mint"][..], &["check", "x.y.z"], &[]] {
        let stderr = tool(args).fails(2);
        assert!(
            stderr.contains("APPROOV_BASE64URL_SECRET") && stderr.contains("APPROOV_BASE64_SECRET"),
            "{stderr}"
        );
        assert!(stderr.contains("--secret-env"), "{stderr}");
    }
}

#[test]
fn a_base64url_secret_in_the_base64_variable_is_recognised() {
    let key = b"\xfb\xff\xbf-a key with both special characters in base64-\xfb\xff";
    let url = URL_SAFE_NO_PAD.encode(key);
    assert!(url.contains('-') && url.contains('_'));
    let stderr = tool(&["mint"]).env("APPROOV_BASE64_SECRET", &url).fails(2);
    assert!(
        stderr.contains(
            "APPROOV_BASE64_SECRET holds a base64url value, not standard base64: \
             put it in APPROOV_BASE64URL_SECRET instead"
        ),
        "{stderr}"
    );
    // Read from another variable, the fix may be --encoding.
    let stderr = tool(&["check", "--secret-env", "MY_SECRET", "x.y.z"])
        .env("MY_SECRET", &url)
        .fails(2);
    assert!(stderr.contains("or add --encoding base64url"), "{stderr}");
    let token = tool(&[
        "mint",
        "--secret-env",
        "MY_SECRET",
        "--encoding",
        "base64url",
    ])
    .env("MY_SECRET", &url)
    .stdout();
    let verifier = ApproovVerifier::from_base64url_secret(&url).unwrap();
    assert!(verifier.verify(&token).is_ok());
    // APPROOV_BASE64URL_SECRET named with --secret-env is base64url without saying so.
    let token = tool(&["mint", "--secret-env", "APPROOV_BASE64URL_SECRET"])
        .env("APPROOV_BASE64URL_SECRET", &url)
        .stdout();
    assert!(verifier.verify(&token).is_ok());
    let stderr = tool(&["mint", "--secret", &url]).fails(2);
    assert!(
        stderr.contains("--secret holds a base64url value")
            && stderr.contains("--encoding base64url"),
        "{stderr}"
    );
}

#[test]
fn a_generated_secret_works_from_either_line_or_both() {
    let printed = tool(&["secret"]).stdout();
    let lines: Vec<(&str, &str)> = printed
        .lines()
        .map(|line| line.split_once('=').unwrap())
        .collect();
    let [("APPROOV_BASE64URL_SECRET", url), ("APPROOV_BASE64_SECRET", standard)] = lines[..] else {
        panic!("{printed}");
    };
    let key = URL_SAFE_NO_PAD.decode(url).unwrap();
    assert_eq!(key.len(), 64);
    assert_eq!(STANDARD.decode(standard).unwrap(), key);

    let verifiers = [
        ApproovVerifier::from_base64url_secret(url).unwrap(),
        ApproovVerifier::from_base64_secret(standard).unwrap(),
    ];
    let minted = [
        tool(&["mint"])
            .env("APPROOV_BASE64URL_SECRET", url)
            .stdout(),
        tool(&["mint"])
            .env("APPROOV_BASE64_SECRET", standard)
            .stdout(),
        // `approov-token secret > .env`: both lines, which the servers accept.
        tool(&["mint"]).dotenv(&format!("{printed}\n")).stdout(),
    ];
    for token in &minted {
        for verifier in &verifiers {
            assert!(verifier.verify(token).is_ok());
        }
        checked(tool(&["check", token]).dotenv(&printed));
    }

    assert_ne!(tool(&["secret"]).stdout(), printed, "not random");
    let short = tool(&["secret", "--bytes", "16"]).output();
    assert!(short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("warning"));
    tool(&["secret", "--bytes", "0"]).fails(2);
}

#[test]
fn every_command_has_help_with_examples() {
    let help = tool(&["--help"]).stdout();
    for command in [
        "mint",
        "check",
        "secret",
        "keyset-key",
        "jwks",
        "keygen",
        "sign-request",
        "account-key",
    ] {
        assert!(help.contains(command), "{help}");
        let help = tool(&[command, "--help"]).stdout();
        assert!(help.contains("Examples:"), "{command}: {help}");
        assert!(help.contains(&format!("approov-token {command}")), "{help}");
    }
    let help = tool(&["mint", "--help"]).stdout();
    // The environment comes first, the value on the command line last.
    let at = |needle| help.find(needle).unwrap();
    assert!(at("--secret-env") < at("--secret <VALUE>"));
    assert!(help.contains("shell history"));
}

// --- Keysets: keyset-key, mint --key, jwks, check with the servers' key variables ---

/// The algorithms of keyset keys.
const KEY_ALGS: [&str; 4] = ["ES256", "RS256", "PS256", "EdDSA"];

/// `keyset-key --alg ALG --kid KID --out FILE` in `dir`: the JWKS it prints.
fn keyset_key(dir: &WorkDir, alg: &str, kid: &str, file: &str) -> String {
    tool(&["keyset-key", "--alg", alg, "--kid", kid, "--out", file])
        .in_dir(dir)
        .stdout()
}

/// A token's JOSE header.
fn jose_header(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

/// The keys of a JWKS document.
fn jwks_keys(jwks: &str) -> Vec<Value> {
    let document: Value = serde_json::from_str(jwks).unwrap();
    document["keys"].as_array().unwrap().clone()
}

/// Serves `body` as the answer to every request, on a loopback port, for as long as
/// the test process runs: a JWKS URL.
fn serve(body: String) -> String {
    use std::io::{BufRead as _, BufReader};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                line.clear();
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://127.0.0.1:{port}/jwks.json")
}

#[test]
fn every_algorithm_mints_with_its_key_and_checks_against_the_printed_jwks() {
    for alg in KEY_ALGS {
        let dir = WorkDir::new();
        let kid = format!("dev-{alg}");
        let jwks = keyset_key(&dir, alg, &kid, "key.pem");
        let keys = jwks_keys(&jwks);
        assert_eq!(keys.len(), 1, "{jwks}");
        assert_eq!(
            (&keys[0]["kid"], &keys[0]["alg"], &keys[0]["use"]),
            (&json!(kid), &json!(alg), &json!("sig"))
        );
        assert!(keys[0].get("d").is_none(), "a private key in {jwks}");
        assert!(!jwks.contains('\n'), "one line: {jwks}");
        // The file: its kid and alg, then the PKCS#8 PEM, readable by its owner only.
        let file = std::fs::read_to_string(dir.path("key.pem")).unwrap();
        assert!(
            file.starts_with(&format!(
                "kid: \"{kid}\"\nalg: {alg}\n-----BEGIN PRIVATE KEY-----\n"
            )),
            "{file}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path("key.pem"))
                .unwrap()
                .permissions();
            assert_eq!(mode.mode() & 0o777, 0o600);
        }

        // The kid and alg come from the file.
        let token = tool(&["mint", "--key", "key.pem"]).in_dir(&dir).stdout();
        assert_eq!(
            jose_header(&token),
            json!({"alg": alg, "kid": kid, "typ": "JWT"})
        );
        // A server given the printed JWKS in APPROOV_JWKS accepts it.
        let claims = checked(tool(&["check", &token]).env("APPROOV_JWKS", &jwks));
        assert_eq!(claims["did"], "ExampleApproovDeviceID==");
        let verifier = ApproovVerifier::from_keys(KeySet::from_jwks_json(&jwks).unwrap());
        assert!(verifier.verify(&token).is_ok(), "{alg}");
        // In a file: APPROOV_JWKS_FILE, or --jwks.
        std::fs::write(dir.path("jwks.json"), &jwks).unwrap();
        assert_eq!(
            checked(
                tool(&["check", &token])
                    .env("APPROOV_JWKS_FILE", "jwks.json")
                    .in_dir(&dir)
            ),
            claims
        );
        assert_eq!(
            checked(tool(&["check", "--jwks", "jwks.json", &token]).in_dir(&dir)),
            claims
        );

        // Said on the command line, with the other mint options.
        let token = tool(&[
            "mint",
            "--key",
            "key.pem",
            "--alg",
            alg,
            "--kid",
            &kid,
            "--bind",
            "Bearer alice",
            "--claim",
            "ip=1.2.3.4",
        ])
        .in_dir(&dir)
        .stdout();
        let claims =
            checked(tool(&["check", "--bind", "Bearer alice", &token]).env("APPROOV_JWKS", &jwks));
        assert_eq!(claims["ip"], "1.2.3.4");
        let expired = tool(&["mint", "--key", "key.pem", "--expires-in", "-5"])
            .in_dir(&dir)
            .stdout();
        let (code, _) = tool(&["check", &expired])
            .env("APPROOV_JWKS", &jwks)
            .refused();
        assert_eq!(code, "token_expired", "{alg}");

        // Another key under the same kid: the signature does not match.
        keyset_key(&dir, alg, &kid, "other.pem");
        let forged = tool(&["mint", "--key", "other.pem"]).in_dir(&dir).stdout();
        assert_eq!(jose_header(&forged)["kid"], json!(kid));
        let (code, reason) = tool(&["check", &forged])
            .env("APPROOV_JWKS", &jwks)
            .refused();
        assert_eq!(code, "token_verification_failed", "{alg}");
        assert!(reason.contains("signature"), "{reason}");
        // A kid that names no key.
        let unknown = tool(&["mint", "--key", "key.pem", "--kid", "nobody"])
            .in_dir(&dir)
            .stdout();
        let (code, _) = tool(&["check", &unknown])
            .env("APPROOV_JWKS", &jwks)
            .refused();
        assert_eq!(code, "unknown_key_id", "{alg}");
        // No kid: a public-key algorithm is not accepted without one.
        let no_kid = tool(&["mint", "--key", "key.pem", "--no-kid"])
            .in_dir(&dir)
            .stdout();
        assert_eq!(jose_header(&no_kid), json!({"alg": alg, "typ": "JWT"}));
        let (code, reason) = tool(&["check", &no_kid])
            .env("APPROOV_JWKS", &jwks)
            .refused();
        assert_eq!(code, "token_verification_failed", "{alg}");
        assert!(reason.contains("algorithm"), "{reason}");
    }
}

#[test]
fn an_hs256_token_with_a_kid_checks_with_the_secret() {
    let token = tool(&["mint", "--kid", "hs-1"]).with_secret().stdout();
    assert_eq!(
        jose_header(&token),
        json!({"alg": "HS256", "kid": "hs-1", "typ": "JWT"})
    );
    assert!(verifier().verify(&token).is_ok());
    checked(tool(&["check", &token]).with_secret());

    let dir = WorkDir::new();
    let jwks = keyset_key(&dir, "ES256", "es-1", "es.pem");
    std::fs::write(dir.path("jwks.json"), &jwks).unwrap();
    let es256 = tool(&["mint", "--key", "es.pem"]).in_dir(&dir).stdout();
    // The secret and a JWKS together, as a server may have them: each token its key.
    for token in [&token, &es256] {
        checked(
            tool(&["check", token])
                .with_secret()
                .env("APPROOV_JWKS", &jwks),
        );
        checked(tool(&["check", "--secret", SECRET, "--jwks", "jwks.json", token]).in_dir(&dir));
        checked(
            tool(&["check", "--jwks", "jwks.json", token])
                .with_secret()
                .in_dir(&dir),
        );
    }
    // A JWKS alone has no secret for HS256 tokens.
    let (code, _) = tool(&["check", "--jwks", "jwks.json", &token])
        .in_dir(&dir)
        .refused();
    assert_eq!(code, "token_verification_failed");

    // A token naming the ES256 key with another algorithm: algorithm confusion.
    keyset_key(&dir, "RS256", "rs-1", "rs.pem");
    let confused = [
        tool(&["mint", "--kid", "es-1"]).with_secret().stdout(),
        tool(&["mint", "--key", "rs.pem", "--kid", "es-1"])
            .in_dir(&dir)
            .stdout(),
    ];
    for token in &confused {
        let (code, reason) = tool(&["check", token])
            .with_secret()
            .env("APPROOV_JWKS", &jwks)
            .refused();
        assert_eq!(code, "token_verification_failed");
        assert!(reason.contains("not the algorithm of the key"), "{reason}");
    }
}

#[test]
fn check_reads_every_key_variable_the_servers_read() {
    let dir = WorkDir::new();
    let a = keyset_key(&dir, "ES256", "a", "a.pem");
    let b = keyset_key(&dir, "EdDSA", "b", "b.pem");
    std::fs::write(dir.path("a.json"), &a).unwrap();
    let set = tool(&["jwks", "a.pem", "b.pem"]).in_dir(&dir).stdout();
    let tokens = [
        tool(&["mint", "--key", "a.pem"]).in_dir(&dir).stdout(),
        tool(&["mint", "--key", "b.pem"]).in_dir(&dir).stdout(),
    ];
    let url = serve(set.clone());
    for token in &tokens {
        checked(tool(&["check", token]).env("APPROOV_JWKS", &set));
        checked(tool(&["check", token]).env("APPROOV_JWKS_URL", &url));
        // From .env, as a server reads it (a JWKS in single quotes).
        checked(tool(&["check", token]).dotenv(&format!("APPROOV_JWKS='{set}'\n")));
    }
    // A URL, a file and a variable together, each with its own keys.
    checked(
        tool(&["check", &tokens[1]])
            .env("APPROOV_JWKS_FILE", "a.json")
            .env("APPROOV_JWKS", &b)
            .in_dir(&dir),
    );

    // A kid in two sources is refused, naming both.
    let stderr = tool(&["check", &tokens[0]])
        .env("APPROOV_JWKS", &set)
        .env("APPROOV_JWKS_FILE", "a.json")
        .in_dir(&dir)
        .fails(2);
    assert!(
        stderr.contains("\"a\"") && stderr.contains("APPROOV_JWKS and APPROOV_JWKS_FILE"),
        "{stderr}"
    );
    let stderr = tool(&["check", "--jwks", "a.json", &tokens[0]])
        .env("APPROOV_JWKS", &set)
        .in_dir(&dir)
        .fails(2);
    assert!(
        stderr.contains("--jwks a.json") && stderr.contains("\"a\""),
        "{stderr}"
    );

    // Unusable sources: the error names the variable or option.
    let private = a.replace("\"kty\"", "\"d\":\"AAAA\",\"kty\"");
    for (var, value, message) in [
        (
            "APPROOV_JWKS",
            "{",
            "APPROOV_JWKS does not hold a usable JWKS",
        ),
        ("APPROOV_JWKS", "", "APPROOV_JWKS is empty"),
        ("APPROOV_JWKS", private.as_str(), "private key"),
        ("APPROOV_JWKS_FILE", "missing.json", "missing.json"),
        ("APPROOV_JWKS_URL", "http://example.com/jwks.json", "https"),
    ] {
        let stderr = tool(&["check", &tokens[0]])
            .env(var, value)
            .in_dir(&dir)
            .fails(2);
        assert!(stderr.contains(message), "{var}={value}: {stderr}");
    }
    std::fs::write(dir.path("private.json"), &private).unwrap();
    for (file, message) in [
        ("missing.json", "--jwks missing.json: cannot read it"),
        ("a.pem", "--jwks a.pem: not a usable JWKS"),
        ("private.json", "private key"),
    ] {
        let stderr = tool(&["check", "--jwks", file, &tokens[0]])
            .in_dir(&dir)
            .fails(2);
        assert!(stderr.contains(message), "{file}: {stderr}");
    }
}

#[test]
fn jwks_prints_the_public_keys_of_several_key_files() {
    let dir = WorkDir::new();
    let a = keyset_key(&dir, "ES256", "a", "a.pem");
    let b = keyset_key(&dir, "PS256", "b", "b.pem");
    // What keyset-key printed, again.
    assert_eq!(tool(&["jwks", "a.pem"]).in_dir(&dir).stdout(), a);
    let both = tool(&["jwks", "a.pem", "b.pem"]).in_dir(&dir).stdout();
    assert_eq!(
        jwks_keys(&both),
        [jwks_keys(&a), jwks_keys(&b)].concat(),
        "{both}"
    );
    let stderr = tool(&["jwks", "a.pem", "b.pem", "a.pem"])
        .in_dir(&dir)
        .fails(2);
    assert!(stderr.contains("the same kid, \"a\""), "{stderr}");

    // A PEM key from elsewhere, without the kid and alg lines: openssl's, keygen's.
    let pem = std::fs::read_to_string(dir.path("b.pem")).unwrap();
    let bare = pem.split_at(pem.find("-----BEGIN").unwrap()).1;
    std::fs::write(dir.path("bare.pem"), bare).unwrap();
    keygen(&dir);
    for file in ["bare.pem", "key.pem"] {
        for command in [&["jwks"][..], &["mint", "--key"]] {
            let args: Vec<&str> = command.iter().copied().chain([file]).collect();
            let stderr = tool(&args).in_dir(&dir).fails(2);
            assert!(
                stderr.contains(file) && stderr.contains("give --kid KID"),
                "{stderr}"
            );
        }
    }
    // The algorithm follows from the key: ES256 for P-256, RS256 for RSA unless --alg.
    let installation = tool(&["jwks", "--kid", "inst", "key.pem"])
        .in_dir(&dir)
        .stdout();
    assert_eq!(jwks_keys(&installation)[0]["alg"], "ES256");
    let rsa = tool(&["jwks", "--kid", "b", "bare.pem"])
        .in_dir(&dir)
        .stdout();
    assert_eq!(jwks_keys(&rsa)[0]["alg"], "RS256");
    let pss = tool(&["jwks", "--kid", "b", "--alg", "PS256", "bare.pem"])
        .in_dir(&dir)
        .stdout();
    assert_eq!(pss, b);
    // So an RS256 token of the PS256 key is refused by a server pinned to PS256.
    let token = tool(&["mint", "--key", "bare.pem", "--kid", "b"])
        .in_dir(&dir)
        .stdout();
    assert_eq!(jose_header(&token)["alg"], "RS256");
    let (code, reason) = tool(&["check", &token]).env("APPROOV_JWKS", &b).refused();
    assert_eq!(code, "token_verification_failed");
    assert!(reason.contains("not the algorithm of the key"), "{reason}");
    // --kid and --alg describe one key.
    tool(&["jwks", "--kid", "x", "a.pem", "b.pem"])
        .in_dir(&dir)
        .fails(2);
    tool(&["jwks"]).in_dir(&dir).fails(2);
}

/// A 1024-bit RSA key, too short for RS256 and PS256 (`openssl genpkey`).
const RSA_1024: &str = "-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAL1AvKoxcoai7cqa
DOK1b1BHhmb0B2U98Snmqt7ejfczfu3L8cRcdH0QG+bE+k4qaBirOjkCCGVqOnFa
fyYRcCpPdxg/5QS/rm/EKmM6xA6NlhfbFHaivcmbqannlJzAkd8f1uTHfo0Gvgqk
7GfkhS85om6ZXYX5WEQvPc7i063rAgMBAAECgYAbbjWqSW57G0RyGDAD8B5JOYS+
iWJFB1xcIWXk1ccn7FvaZbQOLQRpWBtjMGvDRpw97xuKRcQnxuTfpylEwERMbcuB
1KDaUeYvsAS963KRI43Z2+cZE+ZTbj+S4Gy/U+FUaoz6MXrBl6hQFZifgohZ1Ej9
DCrIJecPSMBPszTt+QJBAOS5L/uCMLDFpb2fXVmSWzHoeaq4zD0Qj+B1yfdpzVKm
iG8lAI7HA4qkDmx+cQmrwZd3xOQfGEphglt8lJdlNccCQQDT0ojHZkeFBLiAnayW
qejgwjJeJcrtFy9QIR0yLax1QkyIgGQPnoZ7biheCHCjf1LvhMaDeK+xaSfdoSUS
JTa9AkAjHN7l4JWy/ZS1KJr/Hj3LyqGq+NW55ioATnTj+6UetBwr2+VbBehgR1FD
jKGz119P7n4We0OSX6fQfa6eE1aPAkEA07wxqVBd0WNkonv6FyiEdpboDiAs9k4k
py5SpuPs7dF1+0SLwOkveJYml8hL/8K4PmA0pxquVOLOTMZV7gtw6QJAaWy6Qn7g
dHXvzx73eRLygS69vJH9uk+UadBQrvVwOTG5m5wb0tJw5oz/y4ykAP4VZCwQ/LSV
kZMC2+y5SyNOCQ==
-----END PRIVATE KEY-----
";

/// An EC P-384 key: no keyset algorithm here signs with it (`openssl genpkey`).
const P384: &str = "-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDCc3RIFO4aOHVy8eSIA
sSzNI1eVWy/VNEcEBlvyW+TkqzThP/NCRldffqzy0gvBQnahZANiAARkJ334tCJy
QmmNWsW32o/+8pfB+v8nF6LqbqtJID5ofRqd0KNb/50SudmzvzF30Z33E0xFnFih
0Hgthkja2uokj55qBLBP4oFJqIS0VuDy1GWj1PA9NOLR+Xj5rRuP1Hw=
-----END PRIVATE KEY-----
";

#[test]
fn hostile_keyset_keys_and_options_are_refused_clearly() {
    let dir = WorkDir::new();
    keyset_key(&dir, "RS256", "rs", "rs.pem");
    keyset_key(&dir, "ES256", "es", "es.pem");
    // A key for another algorithm than asked.
    for (file, alg, message) in [
        (
            "rs.pem",
            "ES256",
            "an RSA private key signs RS256 or PS256, not ES256",
        ),
        (
            "rs.pem",
            "EdDSA",
            "not EdDSA: give --alg RS256 or --alg PS256",
        ),
        (
            "es.pem",
            "PS256",
            "an EC P-256 private key signs ES256, not PS256",
        ),
        ("es.pem", "EdDSA", "give --alg ES256"),
    ] {
        let stderr = tool(&["mint", "--key", file, "--alg", alg])
            .in_dir(&dir)
            .fails(2);
        assert!(
            stderr.starts_with(&format!("approov-token: --key {file}: "))
                && stderr.contains(message),
            "{stderr}"
        );
        let stderr = tool(&["jwks", "--alg", alg, file]).in_dir(&dir).fails(2);
        assert!(stderr.contains(message), "{stderr}");
    }
    // A file whose lines are wrong; --alg overrides a wrong `alg:` line.
    let rsa = std::fs::read_to_string(dir.path("rs.pem")).unwrap();
    let es = std::fs::read_to_string(dir.path("es.pem")).unwrap();
    let block = |pem: &str| pem.split_at(pem.find("-----BEGIN").unwrap()).1.to_owned();
    let files = [
        (
            "mislabelled.pem",
            rsa.replace("alg: RS256", "alg: ES256"),
            "its `alg: ES256` line does not fit the key, an RSA private key",
        ),
        (
            "quote.pem",
            format!("kid: \"open\n{}", block(&es)),
            "its `kid:` line is not a JSON string",
        ),
        (
            "empty-kid.pem",
            format!("kid:\n{}", block(&es)),
            "its `kid:` line is empty",
        ),
        (
            "hs512.pem",
            format!("kid: k\nalg: HS512\n{}", block(&es)),
            "its `alg:` line: `HS512` is not ES256",
        ),
        (
            "hs256.pem",
            format!("kid: k\nalg: HS256\n{}", block(&es)),
            "its `alg:` line: HS256 tokens are signed with the secret",
        ),
        (
            "two.pem",
            format!("kid: a\nkid: b\n{}", block(&es)),
            "it has two `kid:` lines",
        ),
    ];
    for (name, contents, message) in &files {
        std::fs::write(dir.path(name), contents).unwrap();
        let stderr = tool(&["mint", "--key", name]).in_dir(&dir).fails(2);
        assert!(
            stderr.contains(&format!("--key {name}: {message}")),
            "{name}: {stderr}"
        );
    }
    let token = tool(&["mint", "--key", "mislabelled.pem", "--alg", "PS256"])
        .in_dir(&dir)
        .stdout();
    assert_eq!(
        jose_header(&token),
        json!({"alg": "PS256", "kid": "rs", "typ": "JWT"})
    );
    // Openssl's text before the block is skipped; the bare kid form is read too.
    std::fs::write(
        dir.path("attributes.pem"),
        format!(
            "Bag Attributes\n    friendlyName: dev\nkid: plain id\n{}",
            block(&es)
        ),
    )
    .unwrap();
    let token = tool(&["mint", "--key", "attributes.pem"])
        .in_dir(&dir)
        .stdout();
    assert_eq!(
        jose_header(&token),
        json!({"alg": "ES256", "kid": "plain id", "typ": "JWT"})
    );

    // Files that hold no key to sign with.
    let public = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";
    let encrypted =
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let truncated = es.replace("-----END PRIVATE KEY-----", "");
    let bad: [(&str, &[u8], &str); 8] = [
        (
            "empty.pem",
            b"",
            "keyset-key --alg ES256 --kid KID --out key.pem",
        ),
        ("garbage.pem", b"\xff\xfe\x00garbage", "makes one"),
        ("public.pem", public.as_bytes(), "it is a public key"),
        ("encrypted.pem", encrypted.as_bytes(), "it is encrypted"),
        ("truncated.pem", truncated.as_bytes(), "a damaged file?"),
        (
            "p384.pem",
            P384.as_bytes(),
            "another type or curve (P-384, say)",
        ),
        ("rsa1024.pem", RSA_1024.as_bytes(), "1024 bits is too short"),
        ("huge.pem", &[b'A'; 100_000], "too large"),
    ];
    for (name, contents, message) in bad {
        std::fs::write(dir.path(name), contents).unwrap();
        for args in [
            &["mint", "--key", name, "--kid", "k"][..],
            &["mint", "--key", name, "--kid", "k", "--alg", "RS256"],
            &["jwks", "--kid", "k", name],
        ] {
            let stderr = tool(args).in_dir(&dir).fails(2);
            assert!(
                stderr.contains(name) && stderr.contains(message),
                "{args:?}: {stderr}"
            );
        }
    }
    let stderr = tool(&["mint", "--key", "missing.pem"])
        .in_dir(&dir)
        .fails(2);
    assert!(
        stderr.contains("--key missing.pem: cannot read it"),
        "{stderr}"
    );

    // keyset-key's options.
    for (args, message) in [
        (
            &["--alg", "HS256", "--kid", "k"][..],
            "signed with the secret",
        ),
        (
            &["--alg", "ES384", "--kid", "k"],
            "not ES256, RS256, PS256 or EdDSA",
        ),
        (&["--alg", "ES256", "--kid", ""], "a key id cannot be empty"),
    ] {
        let args: Vec<&str> = ["keyset-key", "--out", "new.pem"]
            .iter()
            .chain(args)
            .copied()
            .collect();
        let stderr = tool(&args).in_dir(&dir).fails(2);
        assert!(stderr.contains(message), "{stderr}");
    }
    assert!(!dir.path("new.pem").exists());
    tool(&["keyset-key", "--alg", "ES256", "--kid", "k"])
        .in_dir(&dir)
        .fails(2);
    let stderr = tool(&[
        "keyset-key",
        "--alg",
        "ES256",
        "--kid",
        "k",
        "--out",
        "es.pem",
    ])
    .in_dir(&dir)
    .fails(2);
    assert!(
        stderr.contains("es.pem exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(dir.path("es.pem")).unwrap(), es);
    let stderr = tool(&[
        "keyset-key",
        "--alg",
        "ES256",
        "--kid",
        "k",
        "--out",
        "no/dir/k.pem",
    ])
    .in_dir(&dir)
    .fails(2);
    assert!(stderr.contains("cannot create"), "{stderr}");
    let replaced = tool(&[
        "keyset-key",
        "--alg",
        "EdDSA",
        "--kid",
        "es",
        "--out",
        "es.pem",
        "--force",
    ])
    .in_dir(&dir)
    .stdout();
    assert_eq!(tool(&["jwks", "es.pem"]).in_dir(&dir).stdout(), replaced);

    // What clap refuses in mint.
    for args in [
        &["mint", "--key", "rs.pem", "--secret", SECRET][..],
        &[
            "mint",
            "--key",
            "rs.pem",
            "--secret-env",
            "APPROOV_BASE64_SECRET",
        ],
        &["mint", "--alg", "ES256"],
        &["mint", "--no-kid"],
        &["mint", "--key", "rs.pem", "--kid", "k", "--no-kid"],
        &["mint", "--key", "rs.pem", "--alg", "HS256"],
    ] {
        tool(args).with_secret().in_dir(&dir).fails(2);
    }
}

// --- Installation message signing: keygen, mint --ipk-from, sign-request ---

/// `keygen --out key.pem` in `dir`: the ipk it prints.
fn keygen(dir: &WorkDir) -> String {
    let ipk = tool(&["keygen", "--out", "key.pem"]).in_dir(dir).stdout();
    let pem = std::fs::read_to_string(dir.path("key.pem")).unwrap();
    assert_eq!(InstallationKey::from_pkcs8_pem(&pem).unwrap().ipk(), ipk);
    ipk
}

#[test]
fn a_generated_key_goes_into_a_minted_token_as_its_ipk() {
    let dir = WorkDir::new();
    let ipk = keygen(&dir);
    // base64 of a 91-byte DER P-256 SubjectPublicKeyInfo.
    assert_eq!(STANDARD.decode(&ipk).unwrap().len(), 91);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path("key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let token = tool(&["mint", "--ipk-from", "key.pem"])
        .with_secret()
        .in_dir(&dir)
        .stdout();
    assert_eq!(
        verifier().verify(&token).unwrap().ipk.as_deref(),
        Some(ipk.as_str())
    );
    let printed = checked(tool(&["check", &token]).with_secret());
    assert_eq!(printed["ipk"], ipk.as_str());
    // The other mint options still apply beside it.
    let token = tool(&[
        "mint",
        "--ipk",
        "any-value",
        "--bind",
        "Bearer a",
        "--did",
        "d",
    ])
    .with_secret()
    .stdout();
    let claims = verifier().verify(&token).unwrap();
    assert_eq!(claims.ipk.as_deref(), Some("any-value"));
    assert_eq!(claims.did.as_deref(), Some("d"));
    assert!(claims.pay.is_some());
    tool(&["mint", "--ipk", "x", "--ipk-from", "key.pem"])
        .with_secret()
        .in_dir(&dir)
        .fails(2);

    // Without --out: the PEM on stdout, the ipk labelled on stderr.
    let output = tool(&["keygen"]).output();
    assert!(output.status.success());
    let pem = String::from_utf8(output.stdout).unwrap();
    let key = InstallationKey::from_pkcs8_pem(&pem).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr, format!("ipk: {}\n", key.ipk()));
}

#[test]
fn keygen_does_not_overwrite_a_key_unless_forced() {
    let dir = WorkDir::new();
    let first = keygen(&dir);
    let before = std::fs::read(dir.path("key.pem")).unwrap();
    let stderr = tool(&["keygen", "--out", "key.pem"]).in_dir(&dir).fails(2);
    assert!(
        stderr.contains("key.pem exists") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(dir.path("key.pem")).unwrap(), before);
    // Nor any other file, nor through a directory.
    std::fs::write(dir.path("notes.txt"), "keep me").unwrap();
    tool(&["keygen", "--out", "notes.txt"])
        .in_dir(&dir)
        .fails(2);
    assert_eq!(
        std::fs::read_to_string(dir.path("notes.txt")).unwrap(),
        "keep me"
    );
    let stderr = tool(&["keygen", "--out", "no/such/dir/key.pem"])
        .in_dir(&dir)
        .fails(2);
    assert!(stderr.contains("cannot create"), "{stderr}");
    tool(&["keygen", "--force"]).fails(2);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.path("key.pem");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let second = tool(&["keygen", "--out", "key.pem", "--force"])
            .in_dir(&dir)
            .stdout();
        assert_ne!(second, first);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a replaced key is private too");
    }
}

/// Splits `line` as a POSIX shell does, for what `sign-request` prints: words apart by
/// spaces, single-quoted strings, and `\'` between them. Anything else a shell treats
/// specially fails the test: it would run, not be read.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' => words.extend(word.take()),
            '\'' => {
                let word = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => panic!("unterminated quote in {line}"),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\'') => word.get_or_insert_with(String::new).push('\''),
                other => panic!("a backslash before {other:?} in {line}"),
            },
            c if "\"$`;&|<>(){}*?[]#~\n\t".contains(c) => {
                panic!("unquoted {c:?} in {line}")
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// A request as the printed curl command sends it.
#[derive(Debug, Clone)]
struct Sent {
    flags: Vec<String>,
    method: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    url: String,
}

impl Sent {
    /// Reads the curl command `sign-request` printed; `dir` is where `@FILE` is read.
    fn from_curl(line: &str, dir: Option<&WorkDir>) -> Sent {
        let words = shell_words(line);
        let mut words = words.into_iter();
        assert_eq!(words.next().as_deref(), Some("curl"), "{line}");
        let mut sent = Sent {
            flags: Vec::new(),
            method: String::new(),
            headers: Vec::new(),
            body: None,
            url: String::new(),
        };
        while let Some(word) = words.next() {
            match word.as_str() {
                "-i" | "-g" | "--path-as-is" => sent.flags.push(word),
                "-X" => sent.method = words.next().unwrap(),
                "-H" => {
                    let header = words.next().unwrap();
                    let (name, value) = match header.split_once(':') {
                        Some((name, value)) => (name, value.trim()),
                        None => (header.strip_suffix(';').unwrap(), ""),
                    };
                    sent.headers.push((name.to_owned(), value.to_owned()));
                }
                "--data-binary" => {
                    let data = words.next().unwrap();
                    sent.body = Some(match data.strip_prefix('@') {
                        Some(file) => std::fs::read(dir.unwrap().path(file)).unwrap(),
                        None => data.into_bytes(),
                    });
                }
                "--data-raw" => sent.body = Some(words.next().unwrap().into_bytes()),
                url if !url.starts_with('-') => {
                    sent.url = word;
                    assert!(words.next().is_none(), "the URL comes last: {line}");
                }
                other => panic!("unexpected {other} in {line}"),
            }
        }
        assert!(sent.flags.contains(&"-i".to_owned()), "{line}");
        sent
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Checks the request as a server would at time `now`: the method and target from
    /// the URL, and the headers sent with those curl adds (`Host` from the URL's
    /// authority; for a body, its length and type).
    fn verify(&self, ipk: &str, now: u64) -> Result<(), MessageSignatureError> {
        self.verify_with(&MessageSigning::default(), Some(ipk), now)
    }

    /// As `verify`, with the policy `signing`, for a token whose `ipk` is `ipk`.
    fn verify_with(
        &self,
        signing: &MessageSigning,
        ipk: Option<&str>,
        now: u64,
    ) -> Result<(), MessageSignatureError> {
        let (scheme, rest) = self.url.split_once("://").unwrap();
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(end);
        let target = if target.starts_with('/') {
            target.to_owned()
        } else {
            format!("/{target}")
        };
        let host = self.header("host").unwrap_or(authority).to_owned();
        let length = self.body.as_ref().map(|body| body.len().to_string());
        let headers = |name: &str| -> Vec<&[u8]> {
            let mut values: Vec<&[u8]> = self
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_bytes())
                .collect();
            if values.is_empty() {
                match (name, &length) {
                    ("host", _) => values.push(host.as_bytes()),
                    ("content-length", Some(length)) => values.push(length.as_bytes()),
                    ("content-type", Some(_)) => {
                        values.push(b"application/x-www-form-urlencoded");
                    }
                    _ => {}
                }
            }
            values
        };
        let request = SignedRequest::new(&self.method, scheme, &host, &target, headers);
        let request = match &self.body {
            Some(body) => request.with_body(body),
            None => request,
        };
        let claims: ApproovClaims = serde_json::from_value(match ipk {
            Some(ipk) => json!({ "exp": now + 300, "ipk": ipk }),
            None => json!({ "exp": now + 300 }),
        })
        .unwrap();
        signing.verify(&claims, &request, now)
    }

    /// The components the signature covers, from `Signature-Input`.
    fn covered(&self) -> String {
        let input = self.header("signature-input").unwrap();
        let start = input.find('(').unwrap();
        let end = input.find(')').unwrap();
        input[start + 1..end].replace('"', "")
    }
}

/// `sign-request --key key.pem ARGS...` in `dir`, minting the token with the secret.
fn sign(dir: &WorkDir, args: &[&str]) -> Sent {
    let args: Vec<&str> = ["sign-request", "--key", "key.pem"]
        .iter()
        .chain(args)
        .copied()
        .collect();
    let line = tool(&args).with_secret().in_dir(dir).stdout();
    Sent::from_curl(&line, Some(dir))
}

#[test]
fn signed_requests_verify_as_a_server_verifies_them() {
    let dir = WorkDir::new();
    let ipk = keygen(&dir);
    std::fs::write(dir.path("body.json"), b"{\"n\":1}\n\x00\xff").unwrap();
    let url = "http://127.0.0.1:8002/token-message-signing";
    let data = r#"{"shape":"it's a circle"}"#;
    let cases: Vec<(Vec<&str>, &str, &str, Option<&str>)> = vec![
        // args, method, covered, Content-Digest prefix
        (vec![url], "GET", "@method @target-uri approov-token", None),
        (
            vec!["--data", data, url],
            "POST",
            "@method @target-uri approov-token content-digest",
            Some("sha-256=:"),
        ),
        (
            vec!["--data", data, "--digest-form", "quoted", url],
            "POST",
            "@method @target-uri approov-token content-digest",
            Some("sha-256=\""),
        ),
        (
            vec!["--data", data, "--digest", "sha-512", url],
            "POST",
            "@method @target-uri approov-token content-digest",
            Some("sha-512=:"),
        ),
        (
            vec!["--data", data, "--digest", "sha-512", "--digest-form", "quoted", url],
            "POST",
            "@method @target-uri approov-token content-digest",
            Some("sha-512=\""),
        ),
        (
            vec!["-X", "PUT", "--data-file", "body.json", "-H", "Content-Type: application/json", url],
            "PUT",
            "@method @target-uri approov-token content-digest",
            Some("sha-256=:"),
        ),
        // An `@` body is not a file to curl here, an empty one is still a body.
        (vec!["--data", "@body.json", url], "POST", "@method @target-uri approov-token content-digest", Some("sha-256=:")),
        (vec!["-X", "DELETE", "--data", "", url], "DELETE", "@method @target-uri approov-token content-digest", Some("sha-256=:")),
        (
            vec![
                "--cover", "@method", "--cover", "@authority", "--cover", "@scheme",
                "--cover", "@path", "--cover", "@query", "--cover", "@request-target",
                "--cover", "approov-token", "--cover", "X-Request-Id", "--cover", "host",
                "-H", "X-Request-Id: 42", "--expires-in", "600",
                "https://API.example.com:443/shapes/../circles?page=2&sort=a%20b&a[]=1",
            ],
            "GET",
            "@method @authority @scheme @path @query @request-target approov-token x-request-id host",
            None,
        ),
        (
            vec!["-X", "PATCH", "--data", "x=1", "--cover", "approov-token", "--cover", "content-length", "--cover", "content-type", "http://h?q"],
            "PATCH",
            "approov-token content-length content-type",
            Some("sha-256=:"),
        ),
    ];
    for (args, method, covered, digest) in cases {
        let sent = sign(&dir, &args);
        assert_eq!(sent.method, method, "{args:?}");
        assert_eq!(sent.covered(), covered, "{args:?}");
        match digest {
            Some(prefix) => assert!(
                sent.header("content-digest").unwrap().starts_with(prefix),
                "{args:?}"
            ),
            None => assert!(sent.header("content-digest").is_none(), "{args:?}"),
        }
        assert_eq!(sent.verify(&ipk, now()), Ok(()), "{args:?}");
        // Within the servers' 300 s, and not after.
        assert_eq!(sent.verify(&ipk, now() + 250), Ok(()), "{args:?}");
        assert!(sent.verify(&ipk, now() + 400).is_err(), "{args:?}");
    }
    let sent = sign(&dir, &["--data-file", "body.json", url]);
    assert_eq!(sent.body.as_deref(), Some(&b"{\"n\":1}\n\x00\xff"[..]));
    let sent = sign(&dir, &["--data", "@body.json", url]);
    assert_eq!(sent.body.as_deref(), Some(&b"@body.json"[..]));
    // The minted token carries the key's ipk, and is valid.
    let claims = verifier()
        .verify(sent.header("approov-token").unwrap())
        .unwrap();
    assert_eq!(claims.ipk.as_deref(), Some(ipk.as_str()));
    // Dot segments and brackets: curl is told to send the URL as written.
    let sent = sign(&dir, &["http://h/a/./../b?c[]=1"]);
    assert!(
        sent.flags.contains(&"--path-as-is".to_owned()) && sent.flags.contains(&"-g".to_owned())
    );
    assert_eq!(sent.verify(&ipk, now()), Ok(()));
    let sent = sign(&dir, &["--expires-in", "5", url]);
    assert_eq!(
        sent.verify(&ipk, now() + 120),
        Err(MessageSignatureError::Expired)
    );
}

#[test]
fn a_signature_does_not_verify_for_another_request() {
    let dir = WorkDir::new();
    let ipk = keygen(&dir);
    let sent = sign(
        &dir,
        &["--data", "amount=42", "http://127.0.0.1:8002/pay?to=alice"],
    );
    assert_eq!(sent.verify(&ipk, now()), Ok(()));
    let changed = |change: &dyn Fn(&mut Sent)| {
        let mut other = sent.clone();
        change(&mut other);
        other.verify(&ipk, now())
    };
    use MessageSignatureError::{DigestMismatch, SignatureMismatch};
    for url in [
        "http://127.0.0.1:8002/pay?to=mallory",
        "http://127.0.0.1:8002/pay",
        "http://127.0.0.1:8002/pay/?to=alice",
        "http://127.0.0.1:8003/pay?to=alice",
        "https://127.0.0.1:8002/pay?to=alice",
    ] {
        assert_eq!(
            changed(&|s| s.url = url.into()),
            Err(SignatureMismatch),
            "{url}"
        );
    }
    assert_eq!(
        changed(&|s| s.method = "PUT".into()),
        Err(SignatureMismatch)
    );
    assert_eq!(
        changed(&|s| s.body = Some(b"amount=43".to_vec())),
        Err(DigestMismatch)
    );
    let token = |s: &mut Sent| {
        let token = s
            .headers
            .iter_mut()
            .find(|(n, _)| n == "Approov-Token")
            .unwrap();
        token.1 = tool(&["mint"]).with_secret().stdout();
    };
    assert_eq!(changed(&token), Err(SignatureMismatch));
    // Another key's ipk.
    let other = InstallationKey::generate().ipk();
    assert_eq!(sent.verify(&other, now()), Err(SignatureMismatch));
}

#[test]
fn headers_only_prints_the_header_lines_of_the_command() {
    let dir = WorkDir::new();
    let ipk = keygen(&dir);
    let url = "http://127.0.0.1:8002/token-message-signing";
    let lines = tool(&[
        "sign-request",
        "--key",
        "key.pem",
        "--headers-only",
        "--data",
        "{}",
        "-H",
        "Content-Type: application/json",
        url,
    ])
    .with_secret()
    .in_dir(&dir)
    .stdout();
    let headers: Vec<(String, String)> = lines
        .lines()
        .map(|line| {
            let (name, value) = line.split_once(": ").unwrap();
            (name.to_owned(), value.to_owned())
        })
        .collect();
    let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Content-Type",
            "Approov-Token",
            "Signature",
            "Signature-Input",
            "Content-Digest"
        ]
    );
    let sent = Sent {
        flags: Vec::new(),
        method: "POST".into(),
        headers,
        body: Some(b"{}".to_vec()),
        url: url.into(),
    };
    assert_eq!(sent.verify(&ipk, now()), Ok(()));
}

#[test]
fn count_signs_the_request_that_many_times_each_a_second_earlier() {
    let dir = WorkDir::new();
    let ipk = keygen(&dir);
    let url = "http://127.0.0.1:8002/token-message-signing";
    let printed = tool(&[
        "sign-request",
        "--key",
        "key.pem",
        "--headers-only",
        "--count",
        "3",
        url,
    ])
    .with_secret()
    .in_dir(&dir)
    .stdout();
    let blocks: Vec<&str> = printed.split("\n\n").collect();
    assert_eq!(blocks.len(), 3, "{printed}");
    let mut signatures = Vec::new();
    for (earlier, block) in blocks.iter().enumerate() {
        let headers: Vec<(String, String)> = block
            .lines()
            .map(|line| {
                let (name, value) = line.split_once(": ").unwrap();
                (name.to_owned(), value.to_owned())
            })
            .collect();
        signatures.push(headers[1].1.clone());
        let sent = Sent {
            flags: Vec::new(),
            method: "GET".into(),
            headers,
            body: None,
            url: url.into(),
        };
        // Each verifies as created `earlier` seconds before the first.
        assert_eq!(sent.verify(&ipk, now()), Ok(()), "{block}");
        assert!(
            block.contains(&format!("created={}", now() - earlier as u64))
                || block.contains(&format!("created={}", now() - earlier as u64 - 1)),
            "{block}"
        );
    }
    signatures.sort();
    signatures.dedup();
    assert_eq!(signatures.len(), 3, "every signature differs");
}

#[test]
fn a_given_token_is_sent_as_it_is() {
    let dir = WorkDir::new();
    let ipk = keygen(&dir);
    let url = "http://127.0.0.1:8002/token-message-signing";
    let token = tool(&["mint", "--ipk-from", "key.pem", "--bind", "Bearer alice"])
        .with_secret()
        .in_dir(&dir)
        .stdout();
    let args = [
        "sign-request",
        "--key",
        "key.pem",
        "--token",
        &token,
        "-H",
        "Authorization: Bearer alice",
        url,
    ];
    // No secret needed: the token is given.
    let output = tool(&args).in_dir(&dir).output();
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "{output:?}"
    );
    let sent = Sent::from_curl(String::from_utf8(output.stdout).unwrap().trim(), None);
    assert_eq!(sent.header("approov-token"), Some(token.as_str()));
    assert_eq!(sent.verify(&ipk, now()), Ok(()));
    let from_stdin = tool(&["sign-request", "--key", "key.pem", "--token", "-", url])
        .in_dir(&dir)
        .stdin(format!("{token}\n"))
        .stdout();
    assert_eq!(
        Sent::from_curl(&from_stdin, None).header("approov-token"),
        Some(token.as_str())
    );

    // A token for another key, or none, is signed anyway (to test refusals), with a warning.
    let other = tool(&["mint", "--ipk", &InstallationKey::generate().ipk()])
        .with_secret()
        .stdout();
    let unbound = tool(&["mint"]).with_secret().stdout();
    for (token, warning) in [
        (other, "is not the public half of key.pem"),
        (unbound, "no ipk claim"),
    ] {
        let output = tool(&["sign-request", "--key", "key.pem", "--token", &token, url])
            .in_dir(&dir)
            .output();
        assert!(output.status.success());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(
            stderr.contains("warning") && stderr.contains(warning),
            "{stderr}"
        );
    }
    // A token and a secret to mint one contradict each other.
    tool(&[
        "sign-request",
        "--key",
        "key.pem",
        "--token",
        &token,
        "--secret",
        SECRET,
        url,
    ])
    .in_dir(&dir)
    .fails(2);
    for bad in ["", " ", "a b", "x\ny"] {
        let stderr = tool(&["sign-request", "--key", "key.pem", "--token", bad, url])
            .in_dir(&dir)
            .fails(2);
        assert!(stderr.contains("--token"), "{stderr}");
    }
    // Without --token and without a secret, the usual error.
    let stderr = tool(&["sign-request", "--key", "key.pem", url])
        .in_dir(&dir)
        .fails(2);
    assert!(stderr.contains("APPROOV_BASE64_SECRET"), "{stderr}");
}

#[test]
fn hostile_keys_urls_and_options_are_refused_clearly() {
    let dir = WorkDir::new();
    keygen(&dir);
    let url = "http://127.0.0.1:8002/token-message-signing";
    // RFC 9421 B.1.3 `test-key-ecc-p256`, as SEC1 (`EC PRIVATE KEY`), not PKCS#8.
    let sec1 = "-----BEGIN EC PRIVATE KEY-----\n\
        MHcCAQEEIFKbhfNZfpDsW43+0+JjUr9K+bTeuxopu653+hBaXGA7oAoGCCqGSM49\n\
        AwEHoUQDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lfw0EkjqF7xB4FivAxzic30tMM\n\
        4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==\n\
        -----END EC PRIVATE KEY-----\n";
    let public = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n";
    let truncated = std::fs::read_to_string(dir.path("key.pem"))
        .unwrap()
        .replace("END", "");
    let files: [(&str, &[u8], &str); 7] = [
        ("empty.pem", b"", "not a PKCS#8 PEM P-256 private key"),
        ("garbage.pem", b"\xff\xfe\x00garbage", "keygen --out"),
        ("sec1.pem", sec1.as_bytes(), "openssl pkcs8 -topk8"),
        ("public.pem", public.as_bytes(), "public key"),
        ("truncated.pem", truncated.as_bytes(), "not a PKCS#8 PEM"),
        ("huge.pem", &[b'A'; 100_000], "too large"),
        (
            "broken.pem",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "P-256",
        ),
    ];
    for (name, contents, message) in files {
        std::fs::write(dir.path(name), contents).unwrap();
        for args in [
            &["sign-request", "--key", name, url][..],
            &["mint", "--ipk-from", name],
        ] {
            let stderr = tool(args).with_secret().in_dir(&dir).fails(2);
            assert!(
                stderr.contains(name) && stderr.contains(message),
                "{name}: {stderr}"
            );
        }
    }
    let stderr = tool(&["sign-request", "--key", "missing.pem", url])
        .with_secret()
        .in_dir(&dir)
        .fails(2);
    assert!(
        stderr.contains("--key missing.pem: cannot read it"),
        "{stderr}"
    );
    let stderr = tool(&["sign-request", "--key", ".", url])
        .with_secret()
        .in_dir(&dir)
        .fails(2);
    assert!(stderr.contains("cannot read it"), "{stderr}");

    for (bad, message) in [
        ("127.0.0.1:8002/x", "is not a URL"),
        ("ftp://h/x", "not http:// or https://"),
        ("http://", "has no host"),
        ("http://user:pw@h/x", "user information"),
        ("http://h:99999/x", "not 1 to 65535"),
        ("http://h/a b", "a space"),
        ("http://h/a\"b", "percent-encode"),
        ("http://h/\u{e9}", "percent-encode"),
        ("http://h\u{f6}/", "xn--"),
        ("http://h/a\nb", "percent-encode"),
        ("http://[::1/x", "IPv6"),
    ] {
        let stderr = tool(&["sign-request", "--key", "key.pem", bad])
            .with_secret()
            .in_dir(&dir)
            .fails(2);
        assert!(
            stderr.starts_with("approov-token: the URL") && stderr.contains(message),
            "{bad:?}: {stderr}"
        );
    }

    for (args, message) in [
        (&["--cover", "x-missing"][..], "no x-missing header"),
        (&["--cover", "content-digest"], "no body"),
        (&["--cover", "@method", "--cover", "@method"], "twice"),
        (
            &["--data-file", "missing.bin"],
            "--data-file missing.bin: cannot read it",
        ),
    ] {
        let args: Vec<&str> = ["sign-request", "--key", "key.pem"]
            .iter()
            .chain(args)
            .chain(&[url])
            .copied()
            .collect();
        let stderr = tool(&args).with_secret().in_dir(&dir).fails(2);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    // What clap refuses.
    for args in [
        &["--cover", "@status"][..],
        &["--cover", "Bad Name"],
        &["-H", "no colon"],
        &["-H", "Bad Name: x"],
        &["-H", "X: a\rb"],
        &["-H", "Signature: x"],
        &["-H", "Approov-Token: x"],
        &["-H", "Content-Digest: x"],
        &["-X", "GE T"],
        &["-X", ""],
        &["--digest", "sha-256"],
        &["--digest-form", "quoted"],
        &["--digest", "md5", "--data", "x"],
        &["--data", "x", "--data-file", "f"],
        &["--expires-in", "-5"],
    ] {
        let args: Vec<&str> = ["sign-request", "--key", "key.pem"]
            .iter()
            .chain(args)
            .chain(&[url])
            .copied()
            .collect();
        tool(&args).with_secret().in_dir(&dir).fails(2);
    }
    tool(&["sign-request", url])
        .with_secret()
        .in_dir(&dir)
        .fails(2);
    tool(&["sign-request", "--key", "key.pem"])
        .with_secret()
        .in_dir(&dir)
        .fails(2);
    // Not covering the token is signed (to test refusals), with a warning.
    let output = tool(&[
        "sign-request",
        "--key",
        "key.pem",
        "--cover",
        "@method",
        url,
    ])
    .with_secret()
    .in_dir(&dir)
    .output();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not cover approov-token"));
}

/// The printed command, run by `sh` with the real curl against a listener that records
/// the request: what arrives verifies. Skipped where there is no curl or sh.
#[cfg(unix)]
#[test]
fn curl_sends_exactly_what_was_signed() {
    use std::io::{BufRead as _, BufReader, Read as _};
    use std::net::TcpListener;
    use std::time::Duration;

    if Command::new("curl").arg("--version").output().is_err() {
        eprintln!("skipped: no curl");
        return;
    }
    let dir = WorkDir::new();
    let ipk = keygen(&dir);
    let hostile = "it's $(touch pwned) `touch pwned` \"quoted\" \\ ; & | > pwned\nline 2 \u{e9}";
    for (args, expected_target) in [
        (
            vec!["--data", hostile, "-H", "X-Note: it's ; $HOME"],
            "/token-message-signing/./x/..?a[]=1&q=%27",
        ),
        (
            vec!["--data", "@body", "-H", "X-Empty:"],
            "/token-message-signing/./x/..?a[]=1&q=%27",
        ),
        (vec![], "/token-message-signing/./x/..?a[]=1&q=%27"),
        // What curl adds itself, covered.
        (
            vec![
                "--data",
                "a=1",
                "--cover",
                "approov-token",
                "--cover",
                "host",
                "--cover",
                "content-type",
                "--cover",
                "content-length",
                "--cover",
                "content-digest",
            ],
            "/",
        ),
    ] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if line == "\r\n" || line.is_empty() {
                    break;
                }
                head.push(line.trim_end().to_owned());
            }
            let length = head
                .iter()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|n| n.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let mut stream = stream;
            stream
                .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                .unwrap();
            (head, body)
        });
        let url = format!("http://127.0.0.1:{port}{expected_target}#fragment");
        let mut all = vec!["sign-request", "--key", "key.pem"];
        all.extend(&args);
        all.push(&url);
        let line = tool(&all).with_secret().in_dir(&dir).stdout();
        let output = Command::new("sh")
            .arg("-c")
            .arg(&line)
            .current_dir(&dir.0)
            .output()
            .unwrap();
        assert!(output.status.success(), "{line}: {output:?}");
        assert!(
            !dir.path("pwned").exists(),
            "the shell ran part of the body"
        );
        let (head, body) = server.join().unwrap();

        let (request_line, header_lines) = head.split_first().unwrap();
        let mut parts = request_line.split(' ');
        let (method, target) = (parts.next().unwrap(), parts.next().unwrap());
        assert_eq!(target, expected_target, "curl sent another target");
        let headers: Vec<(String, String)> = header_lines
            .iter()
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap();
                (name.to_owned(), value.trim().to_owned())
            })
            .collect();
        let received = Sent {
            flags: Vec::new(),
            method: method.to_owned(),
            headers,
            body: if body.is_empty() && method == "GET" {
                None
            } else {
                Some(body)
            },
            url: format!("http://127.0.0.1:{port}{target}"),
        };
        if args.first() == Some(&"--data") {
            assert_eq!(received.body.as_deref(), Some(args[1].as_bytes()));
        }
        assert_eq!(received.verify(&ipk, now()), Ok(()), "{line}");
    }
}

// --- Account message signing: account-key, sign-request with an account key ---

const ACCOUNT_KEY_VAR: &str = "APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY";

/// `account-key`: a new key, checked to be base64url of 32 bytes.
fn account_key() -> String {
    let key = tool(&["account-key"]).stdout();
    assert!(!key.contains('='), "no padding: {key}");
    assert_eq!(URL_SAFE_NO_PAD.decode(&key).unwrap().len(), 32);
    key
}

/// What `run` prints in `dir`, read as curl sends it.
fn signed(run: Run, dir: &WorkDir) -> Sent {
    Sent::from_curl(&run.in_dir(dir).stdout(), Some(dir))
}

/// One member of `Signature-Input`.
#[derive(Debug)]
struct Member {
    label: String,
    covered: String,
    alg: String,
    created: u64,
    expires: Option<u64>,
}

/// The members of `Signature-Input`, in order.
fn members(sent: &Sent) -> Vec<Member> {
    let input = sent.header("signature-input").unwrap();
    input
        .split(", ")
        .map(|member| {
            let (label, rest) = member.split_once("=(").unwrap();
            let (covered, params) = rest.split_once(')').unwrap();
            let param = |name: &str| {
                params
                    .split(';')
                    .find_map(|param| param.strip_prefix(&format!("{name}=")))
                    .map(str::to_owned)
            };
            Member {
                label: label.to_owned(),
                covered: covered.replace('"', ""),
                alg: param("alg").unwrap().replace('"', ""),
                created: param("created").unwrap().parse().unwrap(),
                expires: param("expires").map(|t| t.parse().unwrap()),
            }
        })
        .collect()
}

/// The members of `Signature`: each label and its value as written.
fn signatures(sent: &Sent) -> Vec<(String, String)> {
    sent.header("signature")
        .unwrap()
        .split(", ")
        .map(|member| {
            let (label, value) = member.split_once('=').unwrap();
            (label.to_owned(), value.to_owned())
        })
        .collect()
}

/// The policy a server with the account key `key` and `requirement` checks with.
fn account_policy(key: &AccountKey, requirement: SignatureRequirement) -> MessageSigning {
    MessageSigning::default()
        .with_account_key(key.clone())
        .with_requirement(requirement)
}

const REQUIREMENTS: [SignatureRequirement; 4] = [
    SignatureRequirement::Install,
    SignatureRequirement::Account,
    SignatureRequirement::Either,
    SignatureRequirement::Both,
];

#[test]
fn an_account_key_signs_as_the_3_8_client_and_verifies_under_every_requirement() {
    let dir = WorkDir::new();
    let ipk = keygen(&dir);
    let account = account_key();
    let key = AccountKey::from_base64url(&account).unwrap();
    let other = AccountKey::generate();
    let url = "http://127.0.0.1:8002/token-message-signing";
    let all_headers = "@method @target-uri approov-token approov-traceid approov-status \
                       authorization content-length content-type content-digest";
    let cases: [(Vec<&str>, &str); 4] = [
        (vec![url], "@method @target-uri approov-token"),
        (
            vec!["--data", r#"{"n":1}"#, url],
            "@method @target-uri approov-token content-length content-type content-digest",
        ),
        (
            vec![
                "--status",
                "success",
                "--trace-id",
                "trace-1",
                "-H",
                "Authorization: Bearer alice",
                "-H",
                "Content-Type: application/json",
                "--data",
                "{}",
                url,
            ],
            all_headers,
        ),
        (
            vec!["-X", "PUT", "-H", "X-Other: 1", "--trace-id", "t", url],
            "@method @target-uri approov-token approov-traceid",
        ),
    ];
    for (args, covered) in cases {
        let mut all = vec!["sign-request", "--key", "key.pem", "--account"];
        all.extend(&args);
        let sent = signed(
            tool(&all).with_secret().env(ACCOUNT_KEY_VAR, &account),
            &dir,
        );
        // Both members in one pair of headers, install first.
        let members = members(&sent);
        let labels: Vec<&str> = members.iter().map(|m| m.label.as_str()).collect();
        assert_eq!(labels, ["install", "account"], "{args:?}");
        assert_eq!(members[0].alg, "ecdsa-p256-sha256");
        assert_eq!(members[1].alg, "hmac-sha256");
        let names: Vec<String> = signatures(&sent).into_iter().map(|(l, _)| l).collect();
        assert_eq!(names, ["install", "account"]);
        for member in &members {
            assert_eq!(member.covered, covered, "{args:?}");
            assert_eq!(member.expires, Some(member.created + 15), "{member:?}");
            assert!(member.created + 2 >= now() && member.created <= now());
        }
        let status = sent.header("approov-status");
        assert_eq!(status.is_some(), covered.contains("approov-status"));

        for requirement in REQUIREMENTS {
            assert_eq!(
                sent.verify_with(&account_policy(&key, requirement), Some(&ipk), now()),
                Ok(()),
                "{requirement} {args:?}"
            );
            // Another account key: refused whenever the account signature is checked.
            let expected = match requirement {
                SignatureRequirement::Install => Ok(()),
                _ => Err(MessageSignatureError::AccountSignatureMismatch),
            };
            assert_eq!(
                sent.verify_with(&account_policy(&other, requirement), Some(&ipk), now()),
                expected,
                "{requirement} {args:?}"
            );
            // Another installation key: refused whenever the install signature is checked.
            let expected = match requirement {
                SignatureRequirement::Account => Ok(()),
                _ => Err(MessageSignatureError::SignatureMismatch),
            };
            let other_ipk = InstallationKey::generate().ipk();
            assert_eq!(
                sent.verify_with(&account_policy(&key, requirement), Some(&other_ipk), now()),
                expected,
                "{requirement} {args:?}"
            );
        }
        // A server without the account key checks the install signature alone.
        assert_eq!(sent.verify(&ipk, now()), Ok(()), "{args:?}");
        // `expires` is 15 s after `created`, with the servers' 60 s of clock skew.
        let late = members[0].created + 15 + 61;
        assert_eq!(
            sent.verify_with(
                &account_policy(&key, SignatureRequirement::Both),
                Some(&ipk),
                late
            ),
            Err(MessageSignatureError::Expired)
        );
    }

    // --expires-in and --cover still apply, to both members.
    let sent = signed(
        tool(&[
            "sign-request",
            "--key",
            "key.pem",
            "--account-key-env",
            "MY_ACCOUNT_KEY",
            "--expires-in",
            "100",
            "--cover",
            "approov-token",
            "--cover",
            "@path",
            url,
        ])
        .with_secret()
        .env("MY_ACCOUNT_KEY", &account),
        &dir,
    );
    for member in members(&sent) {
        assert_eq!(member.covered, "approov-token @path");
        assert_eq!(member.expires, Some(member.created + 100));
    }
    let both = account_policy(&key, SignatureRequirement::Both);
    assert_eq!(sent.verify_with(&both, Some(&ipk), now()), Ok(()));

    // The key on the command line, and --count: every request signed twice over.
    let printed = tool(&[
        "sign-request",
        "--key",
        "key.pem",
        "--account-key",
        &account,
        "--count",
        "2",
        "--headers-only",
        url,
    ])
    .with_secret()
    .in_dir(&dir)
    .stdout();
    let blocks: Vec<&str> = printed.split("\n\n").collect();
    assert_eq!(blocks.len(), 2, "{printed}");
    for block in blocks {
        let headers: Vec<(String, String)> = block
            .lines()
            .map(|line| {
                let (name, value) = line.split_once(": ").unwrap();
                (name.to_owned(), value.to_owned())
            })
            .collect();
        let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["Approov-Token", "Signature", "Signature-Input"]);
        let sent = Sent {
            flags: Vec::new(),
            method: "GET".into(),
            headers,
            body: None,
            url: url.into(),
        };
        assert_eq!(
            sent.verify_with(&both, Some(&ipk), now()),
            Ok(()),
            "{block}"
        );
    }
}

#[test]
fn without_an_account_key_status_and_trace_id_are_covered_after_the_token() {
    let dir = WorkDir::new();
    let ipk = keygen(&dir);
    let url = "http://127.0.0.1:8002/token-message-signing";
    let sent = sign(
        &dir,
        &[
            "--status",
            "success",
            "--trace-id",
            "t-1",
            "-H",
            "Authorization: Bearer a",
            url,
        ],
    );
    assert_eq!(
        sent.covered(),
        "@method @target-uri approov-token approov-traceid approov-status"
    );
    assert_eq!(sent.header("approov-status"), Some("success"));
    assert_eq!(sent.header("approov-traceid"), Some("t-1"));
    let members = members(&sent);
    assert_eq!(members.len(), 1);
    assert_eq!(
        members[0].expires, None,
        "no expires without an account key"
    );
    assert_eq!(sent.verify(&ipk, now()), Ok(()));
    for args in [
        &["--status", "x", "-H", "Approov-Status: y"][..],
        &["--trace-id", "x", "-H", "approov-traceid: y"],
        &["--status", ""],
        &["--trace-id", "a\nb"],
    ] {
        let all: Vec<&str> = ["sign-request", "--key", "key.pem"]
            .iter()
            .chain(args)
            .chain(&[url])
            .copied()
            .collect();
        tool(&all).with_secret().in_dir(&dir).fails(2);
    }
}

#[test]
fn account_only_sends_the_account_signature_alone_with_a_token_without_ipk() {
    let dir = WorkDir::new();
    let account = account_key();
    let key = AccountKey::from_base64url(&account).unwrap();
    let url = "http://127.0.0.1:8002/token-message-signing";
    let sent = signed(
        tool(&["sign-request", "--account-only", "--account", url])
            .with_secret()
            .env(ACCOUNT_KEY_VAR, &account),
        &dir,
    );
    let members = members(&sent);
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].label, "account");
    assert_eq!(members[0].covered, "@method @target-uri approov-token");
    assert_eq!(members[0].expires, Some(members[0].created + 15));
    assert!(sent.header("signature").unwrap().starts_with("account=:"));
    let claims = verifier()
        .verify(sent.header("approov-token").unwrap())
        .unwrap();
    assert_eq!(claims.ipk, None);
    for (requirement, expected) in [
        (
            SignatureRequirement::Install,
            Err(MessageSignatureError::NoIpk),
        ),
        (SignatureRequirement::Account, Ok(())),
        (SignatureRequirement::Either, Ok(())),
        (
            SignatureRequirement::Both,
            Err(MessageSignatureError::NoIpk),
        ),
    ] {
        assert_eq!(
            sent.verify_with(&account_policy(&key, requirement), None, now()),
            expected,
            "{requirement}"
        );
    }
    let other = AccountKey::generate();
    assert_eq!(
        sent.verify_with(
            &account_policy(&other, SignatureRequirement::Account),
            None,
            now()
        ),
        Err(MessageSignatureError::AccountSignatureMismatch)
    );
    // Without an account key, or with an installation key, --account-only is refused.
    keygen(&dir);
    for args in [
        &["--account-only"][..],
        &["--account-only", "--account", "--key", "key.pem"],
        &["--account", "--account-key", "x"],
        &["--account-key-env", "X", "--account"],
    ] {
        let all: Vec<&str> = ["sign-request"]
            .iter()
            .chain(args)
            .chain(&[url])
            .copied()
            .collect();
        tool(&all)
            .with_secret()
            .env(ACCOUNT_KEY_VAR, &account)
            .in_dir(&dir)
            .fails(2);
    }
}

#[test]
fn string_values_write_quoted_signatures_that_verify() {
    let dir = WorkDir::new();
    let ipk = keygen(&dir);
    let account = account_key();
    let key = AccountKey::from_base64url(&account).unwrap();
    let url = "http://127.0.0.1:8002/token-message-signing";
    let sent = signed(
        tool(&[
            "sign-request",
            "--key",
            "key.pem",
            "--account",
            "--string-values",
            "--data",
            "x",
            url,
        ])
        .with_secret()
        .env(ACCOUNT_KEY_VAR, &account),
        &dir,
    );
    for (label, value) in signatures(&sent) {
        assert!(
            value.starts_with('"') && value.ends_with('"') && !value.contains(':'),
            "{label}={value}"
        );
        let bytes = STANDARD.decode(value.trim_matches('"')).unwrap();
        assert_eq!(bytes.len(), if label == "install" { 64 } else { 32 });
    }
    for requirement in REQUIREMENTS {
        assert_eq!(
            sent.verify_with(&account_policy(&key, requirement), Some(&ipk), now()),
            Ok(()),
            "{requirement}"
        );
    }
    // And the install signature alone.
    let sent = sign(&dir, &["--string-values", url]);
    assert!(sent.header("signature").unwrap().starts_with("install=\""));
    assert_eq!(sent.verify(&ipk, now()), Ok(()));
}

#[test]
fn the_token_can_be_sent_as_a_bearer_authorization_and_is_covered_there() {
    let dir = WorkDir::new();
    let ipk = keygen(&dir);
    let account = account_key();
    let key = AccountKey::from_base64url(&account).unwrap();
    let url = "http://127.0.0.1:8002/token-message-signing";
    let check = |sent: &Sent| {
        assert_eq!(sent.header("approov-token"), None);
        let value = sent.header("authorization").unwrap();
        assert!(value.starts_with("Bearer ey"), "{value}");
        for member in members(sent) {
            assert_eq!(member.covered, "@method @target-uri authorization");
        }
        let claims = verifier()
            .with_token_header("Authorization")
            .with_token_prefix("Bearer ")
            .verify_header_values([value.as_bytes()])
            .unwrap();
        assert_eq!(claims.ipk.as_deref(), Some(ipk.as_str()));
        let policy =
            account_policy(&key, SignatureRequirement::Both).with_token_header("Authorization");
        assert_eq!(sent.verify_with(&policy, Some(&ipk), now()), Ok(()));
        // A server reading the token from approov-token finds it not covered.
        assert_eq!(
            sent.verify_with(
                &account_policy(&key, SignatureRequirement::Both),
                Some(&ipk),
                now()
            ),
            Err(MessageSignatureError::TokenNotCovered)
        );
    };
    let sent = signed(
        tool(&[
            "sign-request",
            "--key",
            "key.pem",
            "--account",
            "--token-header",
            "Authorization",
            "--token-prefix",
            "Bearer",
            url,
        ])
        .with_secret()
        .env(ACCOUNT_KEY_VAR, &account),
        &dir,
    );
    check(&sent);
    // The servers' variables, from the environment or .env, say the same.
    let sent = signed(
        tool(&["sign-request", "--key", "key.pem", "--account", url])
            .with_secret()
            .env(ACCOUNT_KEY_VAR, &account)
            .env("APPROOV_TOKEN_HEADER", "Authorization")
            .env("APPROOV_TOKEN_PREFIX", "Bearer "),
        &dir,
    );
    check(&sent);
    let env_dir = WorkDir::new();
    let ipk_here = keygen(&env_dir);
    let line = tool(&[
        "sign-request",
        "--key",
        "key.pem",
        "--account",
        "--headers-only",
        url,
    ])
    .with_secret()
    .dotenv(&format!(
        "APPROOV_TOKEN_HEADER=authorization\nexport APPROOV_TOKEN_PREFIX='Bearer'\n{ACCOUNT_KEY_VAR}={account}\n"
    ))
    .in_dir(&env_dir)
    .stdout();
    assert!(line.starts_with("authorization: Bearer ey"), "{line}");
    assert!(
        line.contains("\"@method\" \"@target-uri\" \"authorization\")"),
        "{line}"
    );
    assert_ne!(ipk_here, ipk);

    // The token's header cannot be given again, nor be one the tool writes.
    for args in [
        &[
            "--token-header",
            "Authorization",
            "-H",
            "authorization: Bearer a",
        ][..],
        &["--token-header", "Signature"],
        &["--token-header", "Host"],
        &["--token-header", "Bad Name"],
        &["--token-prefix", "B\u{e9}arer"],
        &["--token-header", "Approov-Status", "--status", "x"],
        &["-H", "Approov-Token: x"],
    ] {
        let all: Vec<&str> = ["sign-request", "--key", "key.pem"]
            .iter()
            .chain(args)
            .chain(&[url])
            .copied()
            .collect();
        tool(&all).with_secret().in_dir(&dir).fails(2);
    }
    let stderr = tool(&["sign-request", "--key", "key.pem", url])
        .with_secret()
        .env("APPROOV_TOKEN_HEADER", "bad name")
        .in_dir(&dir)
        .fails(2);
    assert!(stderr.contains("APPROOV_TOKEN_HEADER"), "{stderr}");
    // The header that carried the token by default is an ordinary one now.
    let sent = sign(
        &dir,
        &[
            "--token-header",
            "X-Token",
            "-H",
            "Approov-Token: other",
            url,
        ],
    );
    assert_eq!(sent.header("approov-token"), Some("other"));
    assert_eq!(sent.covered(), "@method @target-uri x-token");
}

#[test]
fn account_key_prints_a_fresh_base64url_key_of_32_bytes() {
    let first = account_key();
    assert!(AccountKey::from_base64url(&first).is_ok());
    assert_ne!(account_key(), first);
    let line = tool(&["account-key", "--dotenv"]).stdout();
    let key = line
        .strip_prefix("APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY=")
        .unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(key).unwrap().len(), 32);

    // --out: the key to a private file, nothing on stdout, no overwrite without --force.
    let dir = WorkDir::new();
    let output = tool(&["account-key", "--out", "account.key"])
        .in_dir(&dir)
        .output();
    assert!(
        output.status.success() && output.stdout.is_empty(),
        "{output:?}"
    );
    let written = std::fs::read_to_string(dir.path("account.key")).unwrap();
    assert!(AccountKey::from_base64url(written.trim()).is_ok());
    assert_eq!(URL_SAFE_NO_PAD.decode(written.trim()).unwrap().len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path("account.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let stderr = tool(&["account-key", "--out", "account.key"])
        .in_dir(&dir)
        .fails(2);
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path("account.key")).unwrap(),
        written
    );
    let output = tool(&["account-key", "--out", "account.key", "--force", "--dotenv"])
        .in_dir(&dir)
        .output();
    assert!(output.status.success(), "{output:?}");
    let replaced = std::fs::read_to_string(dir.path("account.key")).unwrap();
    assert!(replaced.starts_with("APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY="));
    tool(&["account-key", "--force"]).fails(2);

    // The .env line is what sign-request --account (and a server) reads.
    let ipk = keygen(&dir);
    let url = "http://127.0.0.1:8002/token-message-signing";
    let sent = signed(
        tool(&["sign-request", "--key", "key.pem", "--account", url])
            .with_secret()
            .dotenv(&line),
        &dir,
    );
    let key = AccountKey::from_base64url(key).unwrap();
    assert_eq!(
        sent.verify_with(
            &account_policy(&key, SignatureRequirement::Both),
            Some(&ipk),
            now()
        ),
        Ok(())
    );
}

#[test]
fn a_bad_account_key_is_refused_naming_where_it_came_from() {
    let dir = WorkDir::new();
    keygen(&dir);
    let url = "http://127.0.0.1:8002/token-message-signing";
    // 32 bytes whose standard base64 has `+` and `/`.
    let standard = STANDARD.encode([0xfb_u8; 32]);
    assert!(standard.contains('+') && standard.contains('/'));
    let sign_with = |args: &[&str]| {
        let all: Vec<&str> = ["sign-request", "--key", "key.pem"]
            .iter()
            .chain(args)
            .chain(&[url])
            .copied()
            .collect();
        tool(&all).with_secret().in_dir(&dir)
    };
    let cases = [
        (
            sign_with(&["--account"]).env(ACCOUNT_KEY_VAR, &standard),
            "APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY is not an account message signing key",
            "standard base64",
        ),
        (
            sign_with(&["--account"]).env(ACCOUNT_KEY_VAR, ""),
            "APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY is not an account message signing key",
            "empty",
        ),
        (
            sign_with(&["--account-key-env", "MY_KEY"]).env("MY_KEY", "not base64!"),
            "MY_KEY is not an account message signing key",
            "position",
        ),
        (
            sign_with(&["--account-key", &standard]),
            "--account-key is not an account message signing key",
            "standard base64",
        ),
        (
            sign_with(&["--account"]),
            "APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY is not set",
            "approov-token account-key",
        ),
        (
            sign_with(&["--account-key-env", "MY_KEY"]),
            "MY_KEY is not set",
            ".env",
        ),
    ];
    for (run, named, why) in cases {
        let stderr = run.fails(2);
        assert!(
            stderr.starts_with(&format!("approov-token: {named}")) && stderr.contains(why),
            "{stderr}"
        );
    }
    // From .env as from the environment.
    let env_dir = WorkDir::new();
    keygen(&env_dir);
    let stderr = tool(&["sign-request", "--key", "key.pem", "--account", url])
        .with_secret()
        .dotenv(&format!("{ACCOUNT_KEY_VAR}={standard}\n"))
        .in_dir(&env_dir)
        .fails(2);
    assert!(
        stderr.contains(ACCOUNT_KEY_VAR) && stderr.contains("standard base64"),
        "{stderr}"
    );
    // A short key is taken, with a warning naming it.
    let output = sign_with(&["--account"])
        .env(ACCOUNT_KEY_VAR, &URL_SAFE_NO_PAD.encode([7_u8; 16]))
        .output();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("warning")
            && stderr.contains(ACCOUNT_KEY_VAR)
            && stderr.contains("16 bytes"),
        "{stderr}"
    );
}

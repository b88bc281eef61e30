//! The dev-token tool, run as a user runs it: in a directory of its own, with only the
//! environment each test gives it.
// Helpers outside `#[test]` functions fail their test by panicking too.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use approov_core::{binding_claim, ApproovVerifier, TokenRejection};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};

/// 32 bytes, with `+` and `/` in standard base64.
const SECRET: &str = "dG9rZW4tdG9vbC10ZXN0LXNlY3JldC0rLysvKy8rLys=";

/// Every variable the tool (through the core) reads.
const APPROOV_VARS: [&str; 4] = [
    "APPROOV_BASE64_SECRET",
    "APPROOV_BASE64URL_SECRET",
    "APPROOV_MODE",
    "APPROOV_LOG_LINES_PER_SECOND",
];

/// One run of the tool.
struct Run {
    args: Vec<String>,
    env: Vec<(String, String)>,
    dotenv: Option<String>,
    stdin: Option<Vec<u8>>,
}

fn tool(args: &[&str]) -> Run {
    Run {
        args: args.iter().map(|arg| (*arg).to_owned()).collect(),
        env: Vec::new(),
        dotenv: None,
        stdin: None,
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

    fn output(self) -> Output {
        let dir = fresh_dir();
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
        let _ = std::fs::remove_dir_all(&dir);
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
    let future = (now() + 3600).to_string();
    let later = tool(&["mint", "--exp", &future]).with_secret().stdout();
    assert_eq!(
        checked(tool(&["check", &later]).with_secret())["exp"],
        now() + 3600
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
        "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC1vdGhlcg==",
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
    for command in ["mint", "check", "secret"] {
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

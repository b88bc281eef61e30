//! `--demo`: a loud warning, and curl commands (printed once listening, with the real
//! address) that give what they promise.

use approov_testkit::{Observed, HELLO_BODY};

use crate::client::{run_curl, shell_words};
use crate::server::Launch;

pub(crate) fn prints_curl_commands_that_work(package: &str) {
    let server = Launch::new(package)
        .arg("--demo")
        .env("PORT", "0")
        .start_demo();
    let printed = server.stdout();
    let commands: Vec<Vec<String>> = printed
        .lines()
        .filter(|line| line.starts_with("curl "))
        .map(shell_words)
        .collect();
    assert_eq!(
        commands.len(),
        6,
        "{package} --demo prints six curl commands:\n{printed}"
    );
    let answers: Vec<Observed> = commands
        .iter()
        .map(|words| run_curl(words).unwrap_or_else(|e| panic!("{package}: {e}")))
        .collect();
    for (i, answer) in answers.iter().enumerate() {
        let (status, body) = if i < 4 {
            (200, HELLO_BODY)
        } else {
            (401, "{}")
        };
        assert_eq!(answer.status, status, "{package} --demo command {}", i + 1);
        assert_eq!(
            String::from_utf8_lossy(&answer.body),
            body,
            "{package} --demo command {}",
            i + 1
        );
    }
    let warning = server.stop();
    assert!(
        warning.contains("WARNING") && warning.contains("demo"),
        "{package}: no loud warning"
    );
}

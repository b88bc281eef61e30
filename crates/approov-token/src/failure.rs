//! Why a command could not run, and writing its output.

use std::fmt;
use std::io::{self, Write as _};
use std::process::ExitCode;

/// A command that could not run: bad arguments clap cannot see, no usable secret, a
/// closed output. Reported as `approov-token: <message>` on stderr, exit status 2 (as
/// clap exits on bad arguments), so that `check`'s 1 always means a refused token.
#[derive(Debug)]
pub(crate) struct Failure(String);

impl Failure {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Failure(message.into())
    }

    pub(crate) fn report(self) -> ExitCode {
        // Nothing more to do if stderr is gone too.
        let _ = writeln!(io::stderr().lock(), "approov-token: {self}");
        ExitCode::from(2)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Writes `approov-token: warning: <message>` on stderr: the command goes on.
pub(crate) fn warn(message: &str) {
    // Nothing more to do if stderr is gone.
    let _ = writeln!(io::stderr().lock(), "approov-token: warning: {message}");
}

/// Writes `text` and a newline to stdout, in one write. Unlike `println!`, an error is
/// reported, not a panic; a reader that has gone (`| head -n 1`) is not an error.
pub(crate) fn print_line(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out
        .write_all(format!("{text}\n").as_bytes())
        .and_then(|()| out.flush())
    {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Failure::new(format!(
            "cannot write to standard output: {e}"
        ))),
        _ => Ok(()),
    }
}

//! Key files: reading a PEM file, writing a private one, and the installation key's
//! file (a PKCS#8 PEM private key, as `keygen` writes it and `mint --ipk-from` and
//! `sign-request --key` read it).

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::path::Path;

use approov_core::InstallationKey;

use crate::failure::Failure;

/// More than any PEM key; a larger file is not one, and is not read to its end.
const MAX_KEY_FILE_LEN: u64 = 64 * 1024;

/// The text of the key file `path`; `option` (`--key`, say) names it in errors. Bytes
/// that are not UTF-8 are kept as replacement characters, which no PEM parser takes.
pub(crate) fn read_key_text(path: &Path, option: &str) -> Result<String, Failure> {
    read_text(path, option, MAX_KEY_FILE_LEN, "a PEM key")
}

/// The text of the file `path`, at most `max_len` bytes (`what` it would be if it were
/// longer is named in the error); `option` names the file in errors.
pub(crate) fn read_text(
    path: &Path,
    option: &str,
    max_len: u64,
    what: &str,
) -> Result<String, Failure> {
    let shown = file_name(option, path);
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|file| file.take(max_len + 1).read_to_end(&mut bytes))
        .map_err(|e| Failure::new(format!("{shown}: cannot read it: {e}")))?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max_len {
        return Err(Failure::new(format!("{shown}: too large to be {what}")));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A file as errors name it: `--key key.pem`, or `key.pem` when it is an argument
/// (`option` empty).
pub(crate) fn file_name(option: &str, path: &Path) -> String {
    match option {
        "" => path.display().to_string(),
        option => format!("{option} {}", path.display()),
    }
}

/// Reads the installation key in `path`; `option` (`--key`, say) names it in errors.
pub(crate) fn read_key(path: &Path, option: &str) -> Result<InstallationKey, Failure> {
    let shown = path.display();
    let text = read_key_text(path, option)?;
    InstallationKey::from_pkcs8_pem(text.trim()).map_err(|_| {
        Failure::new(format!(
            "{option} {shown}: not a PKCS#8 PEM P-256 private key{}",
            hint(&text)
        ))
    })
}

/// What to do about a file that is not the key expected, when its PEM label says.
fn hint(text: &str) -> &'static str {
    if text.contains("-----BEGIN EC PRIVATE KEY-----") {
        " (it is a SEC1 EC key: convert it with \
         `openssl pkcs8 -topk8 -nocrypt -in FILE -out key.pem`)"
    } else if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        " (it is encrypted: decrypt it with `openssl pkcs8 -in FILE -out key.pem`)"
    } else if text.contains("-----BEGIN PUBLIC KEY-----") {
        " (it is a public key: signing needs the private key)"
    } else if text.contains("-----BEGIN PRIVATE KEY-----") {
        " (is it a P-256 key?)"
    } else {
        " (`approov-token keygen --out key.pem` makes one)"
    }
}

/// Writes `pem` to a new file at `path`, readable by its owner only (on Unix); an
/// existing file is replaced only when `force` is set.
pub(crate) fn write_key(path: &Path, pem: &str, force: bool) -> Result<(), Failure> {
    let shown = path.display();
    let mut options = OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        // Fails on any existing file, even a dangling link, in one system call.
        options.create_new(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            Failure::new(format!(
                "{shown} exists: it is not overwritten without --force"
            ))
        } else {
            Failure::new(format!("cannot create {shown}: {e}"))
        }
    })?;
    // `mode` applies to a new file only: a replaced one may have been readable by all.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Failure::new(format!("cannot make {shown} private: {e}")))?;
    }
    file.write_all(pem.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Failure::new(format!("cannot write {shown}: {e}")))
}

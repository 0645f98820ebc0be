//! Trusted TLS roots on Android, read from the system's CA folder.
//!
//! Why: everywhere else reqwest verifies servers with `rustls-platform-verifier`, the
//! platform's own verifier. On Android that verifier works only after a JNI initialisation
//! with the app's `Context` and a Kotlin component from Maven; without it the first HTTPS
//! sync panics inside Rust. Instead, on Android the client trusts exactly the system CA
//! certificates, which every app may read: Conscrypt's updatable folder (Android 14 and
//! later) when it exists, else `/system/etc/security/cacerts`. That is also what Android's
//! default network-security config trusts for apps (user-installed CAs are not trusted
//! since API 24). What this gives up: revocation checks of the platform verifier, and CA
//! updates while the process lives (the folder is read once per process).
//!
//! The loader is compiled and tested on every target; only Android builds use it.

use std::path::Path;
use std::sync::OnceLock;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// Where Android keeps its trusted CA certificates, the first existing folder wins.
pub const ANDROID_CA_DIRS: &[&str] = &[
    "/apex/com.android.conscrypt/cacerts",
    "/system/etc/security/cacerts",
];

/// Why no roots could be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RootsError {
    #[error("none of the CA certificate folders exists: {0}")]
    NoFolder(String),
    #[error("no readable CA certificate in {0}")]
    NoCertificate(String),
}

/// The system's CA certificates ([`ANDROID_CA_DIRS`]), read on first use and kept for the
/// life of the process: every sync builds a client, and the folder holds ~150 files.
pub fn system_roots() -> Result<Vec<reqwest::Certificate>, RootsError> {
    static ROOTS: OnceLock<Vec<reqwest::Certificate>> = OnceLock::new();
    if let Some(certs) = ROOTS.get() {
        return Ok(certs.clone());
    }
    let dirs: Vec<&Path> = ANDROID_CA_DIRS.iter().map(Path::new).collect();
    let certs = load_first_dir(&dirs)?;
    Ok(ROOTS.get_or_init(|| certs).clone())
}

/// The certificates of the first folder of `dirs` that exists: each file holds one PEM
/// certificate (Android's files add a text dump after it, which is ignored). Files that do
/// not parse are skipped; a folder without any certificate is an error, never an empty
/// trust store.
pub fn load_first_dir(dirs: &[&Path]) -> Result<Vec<reqwest::Certificate>, RootsError> {
    let dir = dirs
        .iter()
        .find(|d| d.is_dir())
        .ok_or_else(|| RootsError::NoFolder(join(dirs)))?;
    let mut certs = Vec::new();
    let mut skipped = 0usize;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let cert = std::fs::read(entry.path())
                .ok()
                .and_then(|bytes| parse_certificate(&bytes));
            match cert {
                Some(c) => certs.push(c),
                None => skipped += 1,
            }
        }
    }
    if certs.is_empty() {
        return Err(RootsError::NoCertificate(dir.display().to_string()));
    }
    if skipped > 0 {
        log::warn!("skipped {skipped} unreadable file(s) among the CA certificates");
    }
    Ok(certs)
}

/// The file's first PEM certificate, if it is one rustls accepts as a trust anchor
/// (reqwest's own `Certificate::from_pem` only keeps the bytes and checks nothing).
fn parse_certificate(bytes: &[u8]) -> Option<reqwest::Certificate> {
    let der = CertificateDer::from_pem_slice(bytes).ok()?;
    rustls::RootCertStore::empty().add(der.clone()).ok()?;
    reqwest::Certificate::from_der(&der).ok()
}

fn join(dirs: &[&Path]) -> String {
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed CA certificate (EC P-256, made with openssl for this test).
    const CA_PEM: &str = include_str!("testdata/test-ca.pem");

    fn client_with(certs: Vec<reqwest::Certificate>) -> reqwest::Result<reqwest::Client> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder().tls_certs_only(certs).build()
    }

    #[test]
    fn reads_android_style_files_and_skips_others() {
        let dir = tempfile::tempdir().unwrap();
        // Android's format: the PEM block, then `openssl x509 -text` output.
        std::fs::write(
            dir.path().join("1a2b3c4d.0"),
            format!("{CA_PEM}Certificate:\n    Data:\n        Version: 3 (0x2)\n"),
        )
        .unwrap();
        std::fs::write(dir.path().join("5e6f7a8b.0"), CA_PEM).unwrap();
        std::fs::write(dir.path().join("README"), "not a certificate").unwrap();
        let missing = dir.path().join("missing");
        let certs = load_first_dir(&[&missing, dir.path()]).unwrap();
        assert_eq!(certs.len(), 2);
        // The client accepts them as its only roots.
        assert!(client_with(certs).is_ok());
    }

    #[test]
    fn the_first_existing_folder_wins() {
        let newer = tempfile::tempdir().unwrap();
        let older = tempfile::tempdir().unwrap();
        std::fs::write(newer.path().join("a.0"), CA_PEM).unwrap();
        for name in ["a.0", "b.0", "c.0"] {
            std::fs::write(older.path().join(name), CA_PEM).unwrap();
        }
        assert_eq!(
            load_first_dir(&[newer.path(), older.path()]).unwrap().len(),
            1
        );
    }

    #[test]
    fn no_folder_or_no_certificate_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        assert!(matches!(
            load_first_dir(&[&missing]),
            Err(RootsError::NoFolder(_))
        ));
        std::fs::write(
            dir.path().join("junk.0"),
            "-----BEGIN CERTIFICATE-----\nAAAA\n",
        )
        .unwrap();
        assert!(matches!(
            load_first_dir(&[dir.path()]),
            Err(RootsError::NoCertificate(_))
        ));
    }
}

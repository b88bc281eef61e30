//! Key pairs for tests of key sets: generated when a test process first asks, never
//! written to disk, never committed.

use std::fmt;
use std::sync::OnceLock;

use approov_core::{Algorithm, KeySet, SigningKey, TokenMinter};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;

/// A key pair of an Approov keyset, as a test holds it: tokens signed with the private
/// key, the public key as JWK, PEM and DER.
#[derive(Clone)]
pub struct TestKey {
    key: SigningKey,
    minter: TokenMinter,
}

impl fmt::Debug for TestKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestKey")
            .field("kid", &self.kid())
            .field("alg", &self.algorithm())
            .finish()
    }
}

impl TestKey {
    /// A fresh key pair for `alg`, named `kid`. RSA takes seconds in a debug build:
    /// use [`TestKeys::shared`]'s where you can.
    pub fn generate(alg: Algorithm, kid: &str) -> TestKey {
        match SigningKey::generate(alg, kid) {
            Ok(key) => TestKey::from_signing_key(key),
            Err(e) => panic!("generating a {alg} key pair: {e}"),
        }
    }

    /// This key pair.
    pub fn from_signing_key(key: SigningKey) -> TestKey {
        TestKey {
            minter: TokenMinter::from_signing_key(key.clone()),
            key,
        }
    }

    /// The same key pair under another key id, or pinned to another algorithm of the
    /// same key type (RS256 and PS256).
    pub fn renamed(&self, alg: Algorithm, kid: &str) -> TestKey {
        match SigningKey::from_pem(alg, kid, self.key.private_key_pem()) {
            Ok(key) => TestKey::from_signing_key(key),
            Err(e) => panic!("re-reading a {alg} key: {e}"),
        }
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        self.key.kid()
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.key.algorithm()
    }

    /// The private key and its public half.
    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// A real-shaped valid token, `kid` in its header: expires in `expires_in`
    /// seconds, bound to `bind_header_value` when given.
    pub fn token(&self, expires_in: i64, bind_header_value: Option<&str>) -> String {
        let values: Vec<&[u8]> = bind_header_value.iter().map(|v| v.as_bytes()).collect();
        self.minter
            .approov_token(expires_in, &values)
            .unwrap_or_else(|e| panic!("minting with {self:?}: {e}"))
    }

    /// A token with exactly these claims, signed with this key, its `kid` in the header.
    pub fn token_with_claims(&self, claims: &Value) -> String {
        self.minter
            .mint(claims)
            .unwrap_or_else(|e| panic!("minting with {self:?}: {e}"))
    }

    /// A token with any header and claims, signed with this key whatever the header
    /// says (an `alg` that is not the key's, another `kid`...).
    pub fn forge(&self, header: &Value, claims: &Value) -> String {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = self
            .minter
            .sign(signing_input.as_bytes())
            .unwrap_or_else(|e| panic!("signing with {self:?}: {e}"));
        format!("{signing_input}.{signature}")
    }

    /// The public key as a JWK (`kid`, `alg`, `"use":"sig"`).
    pub fn jwk(&self) -> Value {
        self.key.public_jwk()
    }
}

/// A JWKS document of the public keys of `keys`.
pub fn jwks_json<'k>(keys: impl IntoIterator<Item = &'k TestKey>) -> String {
    SigningKey::jwks(keys.into_iter().map(TestKey::signing_key))
}

/// The key pairs every test of a process shares (RSA is slow to generate in a debug
/// build, so each is made once): one per algorithm, in the set [`TestSecret`](crate::TestSecret)
/// (crate::TestSecret) configures, and impostors with the same key ids and other key
/// material, which the set does not have.
#[derive(Debug)]
pub struct TestKeys {
    /// ES256, `kid` `test-es256`.
    pub es256: TestKey,
    /// RS256, `kid` `test-rs256`.
    pub rs256: TestKey,
    /// PS256, `kid` `test-ps256` (the RS256 key pair, pinned to PS256).
    pub ps256: TestKey,
    /// EdDSA (Ed25519), `kid` `test-eddsa`.
    pub eddsa: TestKey,
    /// Another ES256 key pair, named `test-es256` too.
    pub other_es256: TestKey,
    /// Another RSA key pair, RS256, named `test-rs256` too.
    pub other_rs256: TestKey,
    /// Another Ed25519 key pair, named `test-eddsa` too.
    pub other_eddsa: TestKey,
    /// The key set of [`configured`](Self::configured), read once.
    set: KeySet,
}

impl TestKeys {
    /// This process's key pairs, generated on first use.
    pub fn shared() -> &'static TestKeys {
        static KEYS: OnceLock<TestKeys> = OnceLock::new();
        KEYS.get_or_init(|| {
            let rs256 = TestKey::generate(Algorithm::RS256, "test-rs256");
            let es256 = TestKey::generate(Algorithm::ES256, "test-es256");
            let ps256 = rs256.renamed(Algorithm::PS256, "test-ps256");
            let eddsa = TestKey::generate(Algorithm::EdDSA, "test-eddsa");
            let set = KeySet::from_jwks_json(&jwks_json([&es256, &rs256, &ps256, &eddsa]))
                .unwrap_or_else(|e| panic!("the test JWKS: {e}"));
            TestKeys {
                es256,
                rs256,
                ps256,
                eddsa,
                other_es256: TestKey::generate(Algorithm::ES256, "test-es256"),
                other_rs256: TestKey::generate(Algorithm::RS256, "test-rs256"),
                other_eddsa: TestKey::generate(Algorithm::EdDSA, "test-eddsa"),
                set,
            }
        })
    }

    /// The keys [`TestSecret`](crate::TestSecret)'s verifier has: ES256, RS256,
    /// PS256, EdDSA.
    pub fn configured(&self) -> [&TestKey; 4] {
        [&self.es256, &self.rs256, &self.ps256, &self.eddsa]
    }

    /// The key set of [`configured`](Self::configured): what [`jwks_json`](Self::jwks_json)
    /// reads to.
    pub fn key_set(&self) -> &KeySet {
        &self.set
    }

    /// The JWKS of [`configured`](Self::configured).
    pub fn jwks_json(&self) -> String {
        jwks_json(self.configured())
    }
}

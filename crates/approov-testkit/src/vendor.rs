//! The Approov quickstarts' own test material (public test data from the vendor's
//! `quickstart-asp.net-token-check` test scripts): a dummy secret, fixture tokens
//! signed with it, and the test key pair whose public key is the `ipk` of
//! [`GOOD_IPK_TOKEN`]. A server that follows today's Approov docs must accept what
//! they accept.

/// The quickstarts' dummy secret, base64url and unpadded, as `approov secret -get
/// base64url` prints a secret (64 bytes).
pub const TEST_SECRET_BASE64URL: &str =
    "TEST-SECRET_TEST-SECRET_TEST-SECRET_TEST-SECRET_TEST-SECRET_TEST-SECRET_TEST-SECRET_AA";

/// The same secret in standard base64, padded.
pub const TEST_SECRET_BASE64: &str =
    "TEST+SECRET/TEST+SECRET/TEST+SECRET/TEST+SECRET/TEST+SECRET/TEST+SECRET/TEST+SECRET/AA==";

/// Valid until 2033: `aud`, `exp`, `iat`, `iss`, `sub`, `ip`, `did`.
pub const GOOD_FULL_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJhcHByb292LmlvIiwiZXhwIjoxOTk5OTk5OTk5LCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6IkFwcHJvb3ZBY2NvdW50SUQuYXBwcm9vdi5pbyIsInN1YiI6ImFwcHJvb3Z8RXhhbXBsZUFwcHJvb3ZUb2tlbkRJRD09IiwiaXAiOiIxLjIuMy40IiwiZGlkIjoiRXhhbXBsZUFwcHJvb3ZUb2tlbkRJRD09In0.1jKWka6OrKAURvibZ26ApvOLNl6pv5cVuu2pJnExvW0";

/// Valid until 2033: only `exp` and `did`.
pub const GOOD_MIN_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE5OTk5OTk5OTksImRpZCI6IkV4YW1wbGVBcHByb292VG9rZW5ESUQ9PSJ9.1dR3xFNCWonw3Cdm3UbZRIlfL-IWy_ncnF3aA_hdDps";

/// Valid until 2033, with `pay` = base64(SHA-256(`Bearer myauth_token` +
/// `my-device-id`)): double-bound to [`BOUND_AUTHORIZATION`] then [`BOUND_SECOND_VALUE`].
pub const GOOD_FULL_TOKEN_WITH_BINDING: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJhcHByb292LmlvIiwiZXhwIjoxOTk5OTk5OTk5LCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6IkFwcHJvb3ZBY2NvdW50SUQuYXBwcm9vdi5pbyIsInN1YiI6ImFwcHJvb3Z8RXhhbXBsZUFwcHJvb3ZUb2tlbkRJRD09IiwiaXAiOiIxLjIuMy40IiwiZGlkIjoiRXhhbXBsZUFwcHJvb3ZUb2tlbkRJRD09IiwicGF5IjoiNzF0blMzclNxMmxhbkVXckt6NE1vZXhpT010djd3MGZzcGZNOEJBUUtOVT0ifQ.M0CJoQ-cQto-8OIR_d7MaLBOixzKZeN6lmW_ot76Y0Q";

/// The first value [`GOOD_FULL_TOKEN_WITH_BINDING`] is bound to (an `Authorization`).
pub const BOUND_AUTHORIZATION: &str = "Bearer myauth_token";
/// The second value [`GOOD_FULL_TOKEN_WITH_BINDING`] is bound to.
pub const BOUND_SECOND_VALUE: &str = "my-device-id";

/// [`GOOD_MIN_TOKEN`] with one signature character changed.
pub const BAD_SIGNATURE_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE5OTk5OTk5OTksImRpZCI6IkV4YW1wbGVBcHByb292VG9rZW5ESUQ9PSJ9.2dR3xFNCWonw3Cdm3UbZRIlfL-IWy_ncnF3aA_hdDps";

/// Validly signed, expired in 2024.
pub const EXPIRED_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJhcHByb292LmlvIiwiZXhwIjoxNzEwMDAwMDAwLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6IkFwcHJvb3ZBY2NvdW50SUQuYXBwcm9vdi5pbyIsInN1YiI6ImFwcHJvb3Z8RXhhbXBsZUFwcHJvb3ZUb2tlbkRJRD09IiwiaXAiOiIxLjIuMy40IiwiZGlkIjoiRXhhbXBsZUFwcHJvb3ZUb2tlbkRJRD09In0.Mv8Y73reHTPdPsFXCqS-TC7J60Y5t1jxeojZOjli_iQ";

/// Validly signed, no `exp`.
pub const NO_EXPIRY_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJhcHByb292LmlvIiwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJBcHByb292QWNjb3VudElELmFwcHJvb3YuaW8iLCJzdWIiOiJhcHByb292fEV4YW1wbGVBcHByb292VG9rZW5ESUQ9PSIsImlwIjoiMS4yLjMuNCIsImRpZCI6IkV4YW1wbGVBcHByb292VG9rZW5ESUQ9PSJ9.eSOEdq__Wg4fiMHGLN2afqIsymYwH4KSamKwHM_r0OE";

/// A JOSE header with no `alg` (`{"typ":"JWT","enc":"A256GCM"}`).
pub const NO_ALG_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.eyJleHAiOjE5OTk5OTk5OTksImRpZCI6IkV4YW1wbGVBcHByb292VG9rZW5ESUQ9PSJ9.NwqfsaOUBfXaf8KxRZovYCy0c6hqy29g88z1LIgzuQY";

/// Validly signed, with `pay` = `MismatchingBinding`.
pub const WRONG_BINDING_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJhcHByb292LmlvIiwiZXhwIjoxOTk5OTk5OTk5LCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6IkFwcHJvb3ZBY2NvdW50SUQuYXBwcm9vdi5pbyIsInN1YiI6ImFwcHJvb3Z8RXhhbXBsZUFwcHJvb3ZUb2tlbkRJRD09IiwiaXAiOiIxLjIuMy40IiwiZGlkIjoiRXhhbXBsZUFwcHJvb3ZUb2tlbkRJRD09IiwicGF5IjoiTWlzbWF0Y2hpbmdCaW5kaW5nIn0.kriaAIhtORaMXYwgEgA8AdW_5RUcVb2NRgwVM1trrjY";

/// Valid until 2033, with an `ipk`: the public half of [`TEST_INSTALL_PRIVATE_KEY_PEM`].
pub const GOOD_IPK_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJhcHByb292LmlvIiwiZXhwIjoxOTk5OTk5OTk5LCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6IkFwcHJvb3ZBY2NvdW50SUQuYXBwcm9vdi5pbyIsInN1YiI6ImFwcHJvb3Z8RXhhbXBsZUFwcHJvb3ZUb2tlbkRJRD09IiwiaXAiOiIxLjIuMy40IiwiaXBrIjoiTUZrd0V3WUhLb1pJemowQ0FRWUlLb1pJemowREFRY0RRZ0FFSlNtNERNY2l2QXd2aE0rS05jZTJDL1gyNmNqM29HeVV3V1ZVUHVOdVpIdGQycXlWc00rMGc3cVg3M1FoME9mNmZuMTBBQXBMbmw4dlJRc3Z4OTRmWlE9PSIsImRpZCI6IkV4YW1wbGVBcHByb292VG9rZW5ESUQ9PSJ9.hV6xTkGsp9uWwrD-yKkIGTBJawbofJEsuRLw9Qa5YXY";

/// The `ipk` claim of [`GOOD_IPK_TOKEN`]: base64 of a P-256 SubjectPublicKeyInfo.
pub const TEST_INSTALL_PUBLIC_KEY: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEJSm4DMcivAwvhM+KNce2C/X26cj3oGyUwWVUPuNuZHtd2qyVsM+0g7qX73Qh0Of6fn10AApLnl8vRQsvx94fZQ==";

/// The quickstarts' public test installation key (PKCS#8 PEM), whose public half is
/// [`TEST_INSTALL_PUBLIC_KEY`]. Published by the vendor for tests: it signs nothing real.
pub const TEST_INSTALL_PRIVATE_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdZnZR6rqh1A0b5pp
iYRunsLqe6Ng0avudgoraOpDZqyhRANCAAQlKbgMxyK8DC+Ez4o1x7YL9fbpyPeg
bJTBZVQ+425ke13arJWwz7SDupfvdCHQ5/p+fXQACkueXy9FCy/H3h9l
-----END PRIVATE KEY-----
";

//! The shared case table, checked at the core: what every adapter builds on.

use approov_core::BindingHeader;
use approov_testkit::{cases, Expect, Route, TestSecret};

#[test]
fn every_case_in_the_shared_table() {
    let secret = TestSecret::new();
    let verifier = secret.verifier();
    let mut failures = Vec::new();
    for case in cases(&secret) {
        let binding = match case.route {
            Route::TokenCheck => None,
            Route::TokenBinding => Some(BindingHeader::AUTHORIZATION),
            Route::Unprotected | Route::Unknown => continue,
        };
        let headers = |name: &str| -> Vec<&[u8]> {
            case.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_slice())
                .collect()
        };
        let accepted = verifier.check_request(headers, binding.as_ref()).is_ok();
        if accepted != (case.expect == Expect::Hello) {
            failures.push(format!("{}: accepted = {accepted}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "core failed cases:\n{}",
        failures.join("\n")
    );
}

//! The shared case table, checked at the core: what every adapter builds on. Each
//! rejected case must fail for the reason the table gives, logged once with its code.

use approov_core::{Mode, SignedRequest};
use approov_testkit::{
    message_signing_cases, token_cases, LogCapture, Observed, Report, TestSecret,
};

fn table_at_the_core(mode: Mode) {
    let secret = TestSecret::new();
    let verifier = secret.verifier().with_mode(mode);
    let (logs, _guard) = LogCapture::install();
    let mut report = Report::new(format!("core ({mode:?})")).in_mode(mode);
    let cases = token_cases(&secret)
        .into_iter()
        .chain(message_signing_cases(&secret));
    for case in cases {
        let Some(binding) = case.route.checks() else {
            continue;
        };
        let headers = |name: &str| -> Vec<&[u8]> {
            case.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_slice())
                .collect()
        };
        logs.take();
        let mut verification = verifier.check_request(headers, binding.as_ref());
        if case.route.requires_message_signing() {
            // What an adapter hands over: the request as it came off the wire (an
            // origin-form target: the core takes the authority from `Host`), and, when
            // the signature covers it, the body's first bytes past the limit at most.
            let target = case.target();
            let request = SignedRequest::received(case.method, None, None, &target, headers);
            let max = verifier.message_signing().max_body_len();
            verification = if verifier.message_signing().needs_body(headers) {
                let read = case.body.get(..=max).unwrap_or(&case.body);
                verification.message_signed(&request.with_body(read))
            } else {
                verification.message_signed(&request)
            };
        }
        // What an adapter answers for this verification: the rejection's status.
        let status = verification
            .rejection()
            .map_or(200, |reason| reason.status());
        let observed = Observed {
            status: if verification.refused() { status } else { 200 },
            content_type: Some("application/json".into()),
            body: if verification.refused() {
                b"{}".to_vec()
            } else {
                approov_testkit::HELLO_BODY.into()
            },
        };
        report.record_logged(&case, &observed, false, &logs.take());
        if verification.rejection() != case.expect.rejection() {
            report.fail(
                &case,
                format!(
                    "rejection {:?}, expected {:?}",
                    verification.rejection(),
                    case.expect.rejection()
                ),
            );
        }
    }
    report.finish();
}

#[test]
fn every_case_in_the_shared_table_for_its_reason() {
    table_at_the_core(Mode::Enforce);
}

#[test]
fn monitor_mode_lets_every_case_through_and_logs_why_at_warn() {
    table_at_the_core(Mode::Monitor);
}

//! The four example servers as a user runs them: real binaries on free ports of
//! 127.0.0.1, real HTTP. Each test starts its servers and stops them.
//!
//! - `client`: requests byte for byte, and the curl commands `--demo` prints;
//! - `server`: the example processes;
//! - `table`: the shared table of cases, with the code and reason logged for each;
//! - `bodies`: a signed body that breaks off while it is read, sent raw;
//! - `hostile`: methods, targets, white space, repeats and floods an attacker sends;
//! - `startup`: the secret and mode from the environment and `.env`, and every refusal;
//! - `vendor`: the Approov quickstarts' own dummy secret and fixture tokens;
//! - `demo`: `--demo`'s printed commands;
//! - `keys`: a JWKS URL refreshed while serving, and SIGHUP re-reading `.env`;
//! - `shutdown`: SIGTERM lets requests in flight finish, then exits 0;
//! - `next_client`: the vendor's 3.8 client: both signatures, status and trace ID,
//!   the token in `Authorization`;
//! - `ws`: example-axum's WebSocket: the upgrade's token, the echo, the close at `exp`.
#![allow(clippy::panic)] // a test helper fails its test by panicking

mod bodies;
mod client;
mod demo;
mod hostile;
mod keys;
mod next_client;
mod server;
mod shutdown;
mod startup;
mod table;
mod vendor;
mod ws;

use approov_core::Mode;

fn conformance(package: &str) {
    table::over_http(package, Mode::Enforce);
    table::over_http(package, Mode::Monitor);
    table::a_flood_is_logged_at_a_bounded_rate(package);
    bodies::a_signed_body_that_cannot_be_read_is_400(package);
    hostile::methods_and_targets_are_the_ones_on_the_wire(package);
    hostile::values_are_trimmed_and_repeats_refused(package);
    hostile::a_hostile_flood_stays_within_the_log_budget(package);
    hostile::a_bad_token_is_refused_before_the_body_is_asked_for(package);
    hostile::over_http2_a_token_with_white_space_around_it_passes(package);
    startup::refuses_every_bad_configuration(package);
    startup::reads_dotenv_and_the_environment_wins(package);
    startup::warns_about_a_misspelt_variable(package);
    vendor::fixture_tokens_with_the_base64url_dummy_secret(package);
    vendor::the_vendors_installation_key_signs_requests_that_pass(package);
    demo::prints_curl_commands_that_work(package);
    keys::a_jwks_url_is_refreshed_and_survives_failures(package);
    keys::sighup_rotates_the_secret_from_dotenv(package);
    shutdown::sigterm_finishes_the_request_in_flight(package);
    next_client::both_signatures_under_each_requirement(package);
    next_client::the_token_in_authorization(package);
    next_client::refuses_a_requirement_without_its_key(package);
}

#[test]
fn axum() {
    conformance("example-axum");
    ws::a_valid_token_opens_an_echo("example-axum");
    ws::the_upgrade_without_a_valid_token_is_401("example-axum");
    ws::the_socket_is_closed_with_1008_when_its_token_expires("example-axum");
    ws::in_monitor_mode_the_socket_opens_and_stays_open("example-axum");
}

#[test]
fn actix() {
    conformance("example-actix");
}

#[test]
fn rocket() {
    conformance("example-rocket");
}

#[test]
fn warp() {
    conformance("example-warp");
}

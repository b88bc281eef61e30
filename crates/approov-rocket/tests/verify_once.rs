//! Rocket's guards check a request once, however many of them a route has. Alone in
//! its test binary: it installs a log subscriber, which other tests running in
//! parallel threads would race with.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::io::Write;
use std::sync::{Arc, Mutex};

use approov_rocket::{ApproovToken, BoundApproovToken};
use approov_testkit::TestSecret;
use rocket::http::Header;
use rocket::local::blocking::Client;
use rocket::{get, routes};

#[test]
fn two_guards_on_one_route_verify_once() {
    #[get("/both")]
    fn both(_optional: Option<ApproovToken>, _bound: BoundApproovToken) -> &'static str {
        "ok"
    }
    let log = Arc::new(Mutex::new(Vec::<u8>::new()));
    let writer_log = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || SharedLog(writer_log.clone()))
        .with_ansi(false)
        .finish();
    let secret = TestSecret::new();
    tracing::subscriber::with_default(subscriber, || {
        let client = Client::tracked(
            rocket::custom(rocket::Config::debug_default())
                .manage(secret.verifier())
                .register("/", approov_rocket::catchers())
                .mount("/", routes![both]),
        )
        .unwrap();
        let expired = secret.token(-5, Some("Bearer me"));
        let response = client
            .get("/both")
            .header(Header::new("Approov-Token", expired))
            .header(Header::new("Authorization", "Bearer me"))
            .dispatch();
        assert_eq!(response.status().code, 401);
        assert_eq!(response.into_string().unwrap_or_default(), "{}");
    });
    let log = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    // The `Option` guard verified (and logged) once; the bound guard reused its result.
    assert_eq!(log.matches("Approov token rejected").count(), 1, "{log}");
    assert!(log.contains("expired"), "{log}");
}

struct SharedLog(Arc<Mutex<Vec<u8>>>);

impl Write for SharedLog {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

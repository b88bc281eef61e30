//! The shared table against the four example apps, each through its framework's own
//! in-process test client. A failure names the adapter and every failing case.

use approov_testkit::{cases, Report, TestSecret};

#[tokio::test]
async fn axum() {
    let secret = TestSecret::new();
    let app = example_axum::app(secret.verifier());
    let mut report = Report::new("axum (in-process)");
    for case in cases(&secret) {
        let observed =
            approov_testkit::axum::get(&app, case.route.path(), &case.header_pairs()).await;
        report.record(&case, &observed, false);
    }
    report.finish();
}

#[actix_web::test]
async fn actix() {
    let secret = TestSecret::new();
    let app = actix_web::test::init_service(
        actix_web::App::new().configure(example_actix::routes(secret.verifier())),
    )
    .await;
    let mut report = Report::new("actix (in-process)");
    for case in cases(&secret) {
        let observed =
            approov_testkit::actix::get(&app, case.route.path(), &case.header_pairs()).await;
        report.record(&case, &observed, false);
    }
    report.finish();
}

#[test]
fn rocket() {
    let secret = TestSecret::new();
    let rocket = example_rocket::rocket(secret.verifier(), rocket::Config::debug_default());
    let client = match rocket::local::blocking::Client::tracked(rocket) {
        Ok(client) => client,
        Err(e) => panic!("rocket (in-process): the example does not launch: {e}"),
    };
    let mut report = Report::new("rocket (in-process)");
    for case in cases(&secret) {
        let observed =
            approov_testkit::rocket::get(&client, case.route.path(), &case.header_pairs());
        report.record(&case, &observed, false);
    }
    report.finish();
}

#[tokio::test]
async fn warp() {
    let secret = TestSecret::new();
    let routes = example_warp::routes(secret.verifier());
    let mut report = Report::new("warp (in-process)");
    for case in cases(&secret) {
        let observed =
            approov_testkit::warp::get(&routes, case.route.path(), &case.header_pairs()).await;
        report.record(&case, &observed, false);
    }
    report.finish();
}

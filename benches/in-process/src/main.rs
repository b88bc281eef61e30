//! Drives COUNT requests through one adapter in-process: `in-process FRAMEWORK ROUTE COUNT`,
//! FRAMEWORK `axum`, `actix`, `rocket` or `warp`, ROUTE `unprotected`, `valid`, `garbage`,
//! `bad-signature`, `bound` or `double` (see README.md). Each answer's status is checked.
#![allow(clippy::unwrap_used, clippy::panic)] // a bench fails by panicking

use std::hint::black_box;

use approov_core::{ApproovVerifier, BindingHeader, BindingHeaders, TokenMinter};

const SECRET: &str = "ZGVtby1vbmx5LW5vdC1hLXNlY3JldC1hcHByb292LXJzLWRlbW8tc2VjcmV0ISE=";
const AUTH: &str = "Bearer user-session";
const SESSION: &str = "session-1";

/// The Approov quickstarts' double binding.
struct Double;
impl BindingHeaders for Double {
    const HEADERS: &'static [&'static str] = &["authorization", "sessionid"];
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, fw, route, count] = &args[..] else {
        panic!("usage: in-process FRAMEWORK ROUTE COUNT (see README.md)");
    };
    let (fw, route, count) = (fw.clone(), route.clone(), count.parse::<u64>().unwrap());
    let minter = TokenMinter::from_base64_secret(SECRET).unwrap();
    let token = match route.as_str() {
        "garbage" => "garbage".to_owned(),
        "bound" => minter.approov_token(3600, &[AUTH.as_bytes()]).unwrap(),
        "double" => minter
            .approov_token(3600, &[AUTH.as_bytes(), SESSION.as_bytes()])
            .unwrap(),
        "bad-signature" => forged(&minter.approov_token(3600, &[]).unwrap()),
        _ => minter.approov_token(3600, &[]).unwrap(),
    };
    let path = match route.as_str() {
        "unprotected" => "/unprotected",
        "bound" => "/token-binding",
        "double" => "/token-double-binding",
        _ => "/token-check",
    };
    let expected = if matches!(route.as_str(), "garbage" | "bad-signature") {
        401
    } else {
        200
    };
    let verifier = ApproovVerifier::from_base64_secret(SECRET).unwrap();
    match fw.as_str() {
        "axum" => axum_bench(verifier, path, &token, expected, count),
        "actix" => actix_bench(verifier, path, &token, expected, count),
        "rocket" => rocket_bench(verifier, path, &token, expected, count),
        "warp" => warp_bench(verifier, path, &token, expected, count),
        other => panic!("unknown framework {other}"),
    }
}

/// `token` with its signature's first character changed: well formed, badly signed.
fn forged(token: &str) -> String {
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let first = if signature.starts_with('A') { 'B' } else { 'A' };
    format!("{signing_input}.{first}{}", &signature[1..])
}

fn axum_bench(verifier: ApproovVerifier, path: &str, token: &str, expected: u16, count: u64) {
    use approov_axum::{ApproovLayer, ApproovToken, BoundApproovToken};
    use axum::{body::Body, http::Request, routing::get, Router};
    use tower::ServiceExt;
    async fn hello() -> &'static str {
        "{}"
    }
    let bound = Router::new()
        .route("/token-binding", get(hello))
        .route_layer(ApproovLayer::new(verifier.clone()).bound_to(BindingHeader::AUTHORIZATION));
    let app: Router = Router::new()
        .route("/unprotected", get(hello))
        .route("/token-check", get(|_: ApproovToken| hello()))
        .route(
            "/token-double-binding",
            get(|_: BoundApproovToken<Double>| hello()),
        )
        .with_state(verifier)
        .merge(bound);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let token = axum::http::HeaderValue::from_str(token).unwrap();
    rt.block_on(async {
        for _ in 0..count {
            let request = Request::get(path)
                .header("approov-token", token.clone())
                .header("authorization", AUTH)
                .header("sessionid", SESSION)
                .body(Body::empty())
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert_eq!(response.status().as_u16(), expected);
            black_box(response);
        }
    });
}

fn actix_bench(verifier: ApproovVerifier, path: &str, token: &str, expected: u16, count: u64) {
    use actix_web::{test, web, App, HttpResponse};
    use approov_actix::{Approov, ApproovToken, BoundApproovToken};
    async fn hello() -> HttpResponse {
        HttpResponse::Ok().body("{}")
    }
    actix_rt::System::new().block_on(async {
        let app = test::init_service(
            App::new()
                .app_data(web::Data::new(verifier.clone()))
                .route("/unprotected", web::get().to(hello))
                .route("/token-check", web::get().to(|_: ApproovToken| hello()))
                .service(
                    web::resource("/token-binding")
                        .wrap(Approov::new(verifier.clone()).bound_to(BindingHeader::AUTHORIZATION))
                        .route(web::get().to(hello)),
                )
                .route(
                    "/token-double-binding",
                    web::get().to(|_: BoundApproovToken<Double>| hello()),
                ),
        )
        .await;
        for _ in 0..count {
            let request = test::TestRequest::get()
                .uri(path)
                .insert_header(("approov-token", token))
                .insert_header(("authorization", AUTH))
                .insert_header(("sessionid", SESSION))
                .to_request();
            let response = test::call_service(&app, request).await;
            assert_eq!(response.status().as_u16(), expected);
            black_box(response);
        }
    });
}

mod rocket_app {
    use approov_rocket::{ApproovToken, BoundApproovToken};
    #[rocket::get("/unprotected")]
    pub(crate) fn unprotected() -> &'static str {
        "{}"
    }
    #[rocket::get("/token-check")]
    pub(crate) fn token_check(_t: ApproovToken) -> &'static str {
        "{}"
    }
    #[rocket::get("/token-binding")]
    pub(crate) fn token_binding(_t: BoundApproovToken) -> &'static str {
        "{}"
    }
    #[rocket::get("/token-double-binding")]
    pub(crate) fn token_double_binding(_t: BoundApproovToken<super::Double>) -> &'static str {
        "{}"
    }
}

fn rocket_bench(verifier: ApproovVerifier, path: &str, token: &str, expected: u16, count: u64) {
    use rocket::http::Header;
    use rocket::local::asynchronous::Client;
    let config = rocket::Config {
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::debug_default()
    };
    rocket::execute(async {
        let rocket = rocket::custom(config)
            .manage(verifier)
            .register("/", approov_rocket::catchers())
            .mount(
                "/",
                rocket::routes![
                    rocket_app::unprotected,
                    rocket_app::token_check,
                    rocket_app::token_binding,
                    rocket_app::token_double_binding
                ],
            );
        let client = Client::untracked(rocket).await.unwrap();
        for _ in 0..count {
            let response = client
                .get(path)
                .header(Header::new("approov-token", token.to_owned()))
                .header(Header::new("authorization", AUTH))
                .header(Header::new("sessionid", SESSION))
                .dispatch()
                .await;
            assert_eq!(response.status().code, expected);
            black_box(response);
        }
    });
}

fn warp_bench(verifier: ApproovVerifier, path: &str, token: &str, expected: u16, count: u64) {
    use approov_warp::ApproovToken;
    use warp::Filter;
    let unprotected = warp::path!("unprotected").and(warp::get()).map(|| "{}");
    let token_check = warp::path!("token-check")
        .and(warp::get())
        .and(approov_warp::token(verifier.clone()))
        .map(|_: ApproovToken| "{}");
    let token_binding = warp::path!("token-binding")
        .and(warp::get())
        .and(approov_warp::bound_token(
            verifier.clone(),
            BindingHeader::AUTHORIZATION,
        ))
        .map(|_: ApproovToken| "{}");
    let double = warp::path!("token-double-binding")
        .and(warp::get())
        .and(approov_warp::bound_token(
            verifier,
            [
                BindingHeader::AUTHORIZATION,
                BindingHeader::new("SessionId"),
            ],
        ))
        .map(|_: ApproovToken| "{}");
    let routes = unprotected
        .or(token_check)
        .or(token_binding)
        .or(double)
        .recover(approov_warp::recover);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        for _ in 0..count {
            let response = warp::test::request()
                .path(path)
                .header("approov-token", token)
                .header("authorization", AUTH)
                .header("sessionid", SESSION)
                .reply(&routes)
                .await;
            assert_eq!(response.status().as_u16(), expected);
            black_box(response);
        }
    });
}

//! The actix-web adapter, driven in-process with `actix_web::test`.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use actix_web::dev::Service;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{test, web, App, HttpResponse};
use approov_actix::{Approov, ApproovToken, ApproovVerifier, BindingHeader};
use approov_testkit::actix::{self as client, observe, request};
use approov_testkit::{cases, Report, TestSecret, HELLO_BODY};

async fn hello() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(HELLO_BODY)
}

async fn token_check(_: ApproovToken) -> HttpResponse {
    hello().await
}

/// Runs the shared table against an app built by `$app` from a verifier.
macro_rules! run_table {
    ($subject:expr, |$verifier:ident| $app:expr) => {{
        let secret = TestSecret::new();
        let $verifier = secret.verifier();
        let app = test::init_service($app).await;
        let mut report = Report::new($subject);
        for case in cases(&secret) {
            let observed = client::get(&app, case.route.path(), &case.header_pairs()).await;
            report.record(&case, &observed, false);
        }
        report.finish();
    }};
}

#[actix_web::test]
async fn resource_middleware_answers_every_case() {
    // The example (run by the conformance suite) uses the extractor for
    // /token-check; here both protected routes use the middleware on a resource.
    run_table!("actix (resource middleware)", |verifier| App::new()
        .route("/unprotected", web::get().to(hello))
        .service(
            web::resource("/token-check")
                .wrap(Approov::new(verifier.clone()))
                .route(web::get().to(hello)),
        )
        .service(
            web::resource("/token-binding")
                .wrap(Approov::new(verifier).bound_to(BindingHeader::AUTHORIZATION))
                .route(web::get().to(hello)),
        ));
}

#[actix_web::test]
async fn extractor_answers_every_case_of_token_check() {
    run_table!("actix (extractor)", |verifier| App::new()
        .app_data(web::Data::new(verifier.clone()))
        .route("/unprotected", web::get().to(hello))
        .route("/token-check", web::get().to(token_check))
        .service(
            web::scope("/token-binding")
                .wrap(Approov::new(verifier).bound_to(BindingHeader::AUTHORIZATION))
                .route("", web::get().to(hello)),
        ));
}

#[actix_web::test]
async fn scope_middleware_answers_every_case() {
    run_table!("actix (scope middleware)", |verifier| App::new()
        .route("/unprotected", web::get().to(hello))
        .service(
            web::scope("/token-check")
                .wrap(Approov::new(verifier.clone()))
                .route("", web::get().to(hello)),
        )
        .service(
            web::scope("/token-binding")
                .wrap(Approov::new(verifier).bound_to(BindingHeader::AUTHORIZATION))
                .route("", web::get().to(hello)),
        ));
}

#[actix_web::test]
async fn app_middleware_protects_every_route() {
    let secret = TestSecret::new();
    let app = test::init_service(
        App::new()
            .wrap(Approov::new(secret.verifier()))
            .route("/token-check", web::get().to(hello)),
    )
    .await;
    let token = secret.token(60, None);
    let ok = test::call_service(
        &app,
        request("/token-check", &[("approov-token", token.as_bytes())]).to_request(),
    )
    .await;
    assert_eq!(observe(ok).await.body, HELLO_BODY.as_bytes());
    let rejected =
        observe(test::call_service(&app, request("/token-check", &[]).to_request()).await).await;
    assert_eq!((rejected.status, rejected.body), (401, b"{}".to_vec()));
    assert_eq!(rejected.content_type.as_deref(), Some("application/json"));
}

#[actix_web::test]
async fn claims_reach_the_handler_from_the_extractor_and_the_middleware() {
    async fn did(ApproovToken(claims): ApproovToken) -> HttpResponse {
        HttpResponse::Ok().body(claims.did.unwrap_or_default())
    }
    let secret = TestSecret::new();
    // The middleware knows the real secret; the app data holds another. The handler
    // only gets the claims if the extractor takes the middleware's result.
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(TestSecret::new().verifier()))
            .route("/direct", web::get().to(did))
            .service(
                web::scope("/wrapped")
                    .wrap(Approov::new(secret.verifier()))
                    .route("", web::get().to(did)),
            ),
    )
    .await;
    let token = secret.token(60, None);
    let wrapped = test::call_service(
        &app,
        request("/wrapped", &[("approov-token", token.as_bytes())]).to_request(),
    )
    .await;
    let wrapped = observe(wrapped).await;
    assert_eq!(
        (wrapped.status, wrapped.body),
        (200, b"ExampleApproovDeviceID==".to_vec())
    );
    let direct = test::call_service(
        &app,
        request("/direct", &[("approov-token", token.as_bytes())]).to_request(),
    )
    .await;
    assert_eq!(
        direct.status(),
        401,
        "the app data's verifier has another secret"
    );

    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(secret.verifier()))
            .route("/direct", web::get().to(did)),
    )
    .await;
    let direct = test::call_service(
        &app,
        request("/direct", &[("approov-token", token.as_bytes())]).to_request(),
    )
    .await;
    assert_eq!(observe(direct).await.body, b"ExampleApproovDeviceID==");
}

#[actix_web::test]
async fn an_outer_middleware_sees_the_401_as_a_response() {
    let secret = TestSecret::new();
    let app = test::init_service(
        App::new()
            .wrap_fn(|request, service| {
                let future = service.call(request);
                async move {
                    // An `Err` here would mean the rejection bypassed this middleware.
                    let mut response = future.await?;
                    let seen = HeaderValue::from_str(response.status().as_str()).unwrap();
                    response
                        .headers_mut()
                        .insert(HeaderName::from_static("x-outer-saw"), seen);
                    Ok(response)
                }
            })
            .service(
                web::scope("/api")
                    .wrap(Approov::new(secret.verifier()))
                    .route("", web::get().to(hello)),
            ),
    )
    .await;
    let response = app.call(request("/api", &[]).to_request()).await.unwrap();
    assert_eq!(response.headers().get("x-outer-saw").unwrap(), "401");
    assert_eq!(observe(response).await.body, b"{}");
}

#[actix_web::test]
async fn extractor_without_a_verifier_is_a_500_not_an_accept() {
    let secret = TestSecret::new();
    let app = test::init_service(App::new().route("/", web::get().to(token_check))).await;
    let token = secret.token(60, None);
    let response = test::call_service(
        &app,
        request("/", &[("approov-token", token.as_bytes())]).to_request(),
    )
    .await;
    assert_eq!(response.status(), 500);
}

#[actix_web::test]
async fn binding_to_another_header() {
    let secret = TestSecret::new();
    let app = test::init_service(
        App::new().service(
            web::resource("/")
                .wrap(Approov::new(secret.verifier()).bound_to(BindingHeader::new("X-Device-Id")))
                .route(web::get().to(hello)),
        ),
    )
    .await;
    let token = secret.token(60, Some("device-42"));
    for (value, status) in [
        (b"device-42".as_slice(), 200),
        (b"device-43".as_slice(), 401),
    ] {
        let response = test::call_service(
            &app,
            request(
                "/",
                &[("approov-token", token.as_bytes()), ("x-device-id", value)],
            )
            .to_request(),
        )
        .await;
        assert_eq!(response.status(), status);
    }
}

#[actix_web::test]
async fn verifier_as_plain_app_data_also_works() {
    let secret = TestSecret::new();
    let verifier: ApproovVerifier = secret.verifier();
    let app = test::init_service(
        App::new()
            .app_data(verifier)
            .route("/", web::get().to(token_check)),
    )
    .await;
    let token = secret.token(60, None);
    let response = test::call_service(
        &app,
        request("/", &[("approov-token", token.as_bytes())]).to_request(),
    )
    .await;
    assert_eq!(response.status(), 200);
}

//! `ApproovRejection`: what it says, and the response it becomes.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::error::Error as _;

use actix_web::body::MessageBody;
use actix_web::http::StatusCode;
use actix_web::ResponseError;
use approov_actix::{ApproovRejection, MessageSignatureError, TokenRejection};

/// Every kind of rejection, and the status it answers with.
fn rejections() -> Vec<(ApproovRejection, StatusCode)> {
    vec![
        (TokenRejection::Expired.into(), StatusCode::UNAUTHORIZED),
        (
            TokenRejection::MessageSignature(MessageSignatureError::MissingSignature).into(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            TokenRejection::MessageSignature(MessageSignatureError::BodyTooLarge).into(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            TokenRejection::MessageSignature(MessageSignatureError::BodyUnreadable).into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            ApproovRejection::NotConfigured,
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
    ]
}

#[test]
fn the_status_is_the_reason_s() {
    for (rejection, status) in rejections() {
        assert_eq!(rejection.status(), status, "{rejection:?}");
        assert_eq!(rejection.status_code(), status, "{rejection:?}");
        if let Some(reason) = rejection.reason() {
            assert_eq!(
                rejection.status().as_u16(),
                reason.status(),
                "{rejection:?}"
            );
        }
    }
}

#[test]
fn the_response_is_an_empty_json_object_with_that_status() {
    for (rejection, status) in rejections() {
        let response = rejection.error_response();
        assert_eq!(response.status(), status, "{rejection:?}");
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "application/json",
            "{rejection:?}"
        );
        let body = response.into_body().try_into_bytes().unwrap();
        assert_eq!(body, "{}", "{rejection:?}");
    }
}

#[test]
fn the_reason_is_kept_shown_and_the_source() {
    let reason = TokenRejection::BindingMismatch;
    let rejection = ApproovRejection::from(reason.clone());
    assert_eq!(rejection, ApproovRejection::Rejected(reason.clone()));
    assert_eq!(rejection.reason(), Some(&reason));
    assert_eq!(rejection.to_string(), reason.to_string());
    let source = rejection.source().unwrap();
    assert_eq!(source.downcast_ref::<TokenRejection>(), Some(&reason));

    let not_configured = ApproovRejection::NotConfigured;
    assert_eq!(not_configured.reason(), None);
    assert!(not_configured.source().is_none());
    // What to add, for the server's log.
    let shown = not_configured.to_string();
    assert!(
        shown.contains("app_data") && shown.contains("Approov::new"),
        "{shown}"
    );
}

#[test]
#[allow(deprecated)]
fn the_old_name_still_names_it() {
    let old: approov_actix::ApproovError = ApproovRejection::NotConfigured;
    let new: ApproovRejection = old;
    assert_eq!(new, ApproovRejection::NotConfigured);
}

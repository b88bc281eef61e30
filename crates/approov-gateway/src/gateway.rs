//! One configuration made ready to serve: each route with its check built once, and
//! the dispatch of a request to the first route that matches it. A reload builds a
//! new `Gateway` and swaps it in; requests in flight finish on the one they started
//! on.

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use approov_tower::{
    ApproovBody, ApproovLayer, ApproovService, ApproovVerifier, Mode as CheckMode,
    RejectionResponse,
};
use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use tower_layer::Layer;
use tower_service::Service;

use crate::body::{empty, json_status, GatewayBody};
use crate::config::{Action, Config, Mode, Route};
use crate::headers::{ApproovHeaders, ClaimHeaders};
use crate::metrics::{Metrics, Outcome, RouteCounters};
use crate::proxy::Proxy;
use crate::request_path;
use crate::throttle::Throttle;

/// What a protected request that passed its check gets: forwarded (proxy) or
/// answered 200 (auth).
enum Pass {
    Proxy(Box<Proxy>),
    Auth,
}

struct Shared {
    pass: Pass,
    forward_claims: Vec<(String, http::HeaderName)>,
}

/// A request that passed its check (or failed it on a monitor route), handed back by
/// [`HandBack`] in its placeholder response's extensions.
#[derive(Clone)]
struct HandedBack(Arc<Mutex<Option<Request<ApproovBody<Incoming>>>>>);

/// The service each route's check wraps: it hands the checked request back to the
/// gateway, which sends it on with the same code, in the same task, as an open
/// route's (no second boxed future per protected request).
#[derive(Debug, Clone, Copy)]
struct HandBack;

impl Service<Request<ApproovBody<Incoming>>> for HandBack {
    type Response = Response<GatewayBody>;
    type Error = Infallible;
    type Future = Ready<Result<Response<GatewayBody>, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<ApproovBody<Incoming>>) -> Self::Future {
        let mut response = Response::new(empty());
        response
            .extensions_mut()
            .insert(HandedBack(Arc::new(Mutex::new(Some(request)))));
        ready(Ok(response))
    }
}

impl Shared {
    async fn go_on<B>(
        &self,
        request: Request<B>,
        claims: ClaimHeaders,
        outcome: Outcome,
    ) -> Response<GatewayBody>
    where
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<crate::body::BoxError>,
    {
        match &self.pass {
            Pass::Proxy(proxy) => proxy.forward(request, claims, outcome).await,
            Pass::Auth => {
                let mut response = Response::new(empty());
                claims.apply(response.headers_mut());
                response.extensions_mut().insert(outcome);
                response
            }
        }
    }
}

/// A refusal: `401 {}` (or the core's 413 / 400 for a signed body, in proxy mode; a
/// forward-auth answer is 401 whatever the reason, as nginx passes on only 401 and
/// 403).
#[derive(Debug, Clone, Copy)]
struct Refusal {
    auth: bool,
}

impl RejectionResponse<GatewayBody> for Refusal {
    fn respond(&self, status: StatusCode) -> Response<GatewayBody> {
        let status = if self.auth {
            StatusCode::UNAUTHORIZED
        } else {
            status
        };
        let mut response = json_status(status);
        response.extensions_mut().insert(Outcome::Rejected);
        response
    }
}

enum Handling {
    Open,
    Deny,
    Protect(ApproovService<HandBack, Refusal>),
}

struct Handler {
    handling: Handling,
    counters: RouteCounters,
}

/// A configuration, ready to serve.
pub(crate) struct Gateway {
    pub(crate) config: Config,
    routes: Vec<Handler>,
    default: Handler,
    shared: Arc<Shared>,
    metrics: Arc<Metrics>,
    auth: bool,
}

/// A route's check cannot be built with the keys configured.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub(crate) struct RouteError {
    file: String,
    line: usize,
    message: String,
}

impl Gateway {
    /// `config`'s routes, each checked by a verifier made from `verifier` (sharing its
    /// keys and its counts).
    pub(crate) fn build(
        config: Config,
        verifier: &ApproovVerifier,
        metrics: &Arc<Metrics>,
    ) -> Result<Gateway, RouteError> {
        let auth = matches!(config.mode, Mode::Auth { .. });
        let pass = match &config.mode {
            Mode::Proxy { upstream } => Pass::Proxy(Box::new(Proxy::new(
                upstream.clone(),
                config.connect_timeout,
                config.upstream_timeout,
                config
                    .strip_approov_headers
                    .then(|| ApproovHeaders::of(verifier)),
                metrics.clone(),
            ))),
            Mode::Auth { .. } => Pass::Auth,
        };
        let shared = Arc::new(Shared {
            pass,
            forward_claims: config.forward_claims.clone(),
        });
        let mut routes = Vec::with_capacity(config.routes.len());
        for route in &config.routes {
            let handling = handling(route, verifier, auth).map_err(|message| RouteError {
                file: config.file.display().to_string(),
                line: route.line,
                message,
            })?;
            routes.push(Handler {
                handling,
                counters: metrics.route(&route.label()),
            });
        }
        let default_route = Route {
            line: 0,
            path: "/".into(),
            methods: None,
            action: config.default,
            binding: None,
            sign: None,
            monitor: false,
        };
        let default = Handler {
            handling: handling(&default_route, verifier, auth).map_err(|message| RouteError {
                file: config.file.display().to_string(),
                line: 0,
                message,
            })?,
            counters: metrics.route("default"),
        };
        Ok(Gateway {
            config,
            routes,
            default,
            shared,
            metrics: metrics.clone(),
            auth,
        })
    }

    fn handler(&self, method: &Method, path: &str) -> &Handler {
        self.config
            .routes
            .iter()
            .zip(&self.routes)
            .find(|(route, _)| route.matches(method, path))
            .map_or(&self.default, |(_, handler)| handler)
    }

    /// Answers `request`.
    pub(crate) async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
    ) -> Response<GatewayBody> {
        let started = Instant::now();
        let response = self.answer(request).await;
        self.metrics.request_took(started.elapsed());
        response
    }

    async fn answer(&self, mut request: Request<Incoming>) -> Response<GatewayBody> {
        // A client never sets what only the gateway may set, whatever the route.
        for (_, header) in &self.config.forward_claims {
            request.headers_mut().remove(header);
        }
        if let Mode::Auth { path_prefix } = &self.config.mode {
            if let Err(why) = crate::auth::original_request(&mut request, path_prefix.as_deref()) {
                static REFUSED: Throttle = Throttle::new();
                if REFUSED.allow() {
                    tracing::warn!("auth request refused: {why} (at most one such line a second)");
                }
                self.default.counters.count(Outcome::Invalid);
                return json_status(StatusCode::FORBIDDEN);
            }
        }
        let handler = match request_path::normalise(request.uri().path()) {
            Some(path) => self.handler(request.method(), &path),
            None => {
                static REFUSED: Throttle = Throttle::new();
                if REFUSED.allow() {
                    tracing::info!(
                        "request refused: its path has . or .. segments, an encoded / or \\, \
                         or bad escapes (at most one such line a second)"
                    );
                }
                self.default.counters.count(Outcome::Invalid);
                let status = if self.auth {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::BAD_REQUEST
                };
                return json_status(status);
            }
        };
        let mut response = match &handler.handling {
            Handling::Deny => {
                let mut response = json_status(if self.auth {
                    StatusCode::FORBIDDEN
                } else {
                    StatusCode::NOT_FOUND
                });
                response.extensions_mut().insert(Outcome::Denied);
                response
            }
            Handling::Open => {
                self.shared
                    .go_on(request, ClaimHeaders::default(), Outcome::Open)
                    .await
            }
            Handling::Protect(service) => {
                let mut service = service.clone();
                let checking = Instant::now();
                let future = service.call(request);
                self.metrics.check_took(checking.elapsed());
                let mut response = match future.await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                let checked = response
                    .extensions_mut()
                    .remove::<HandedBack>()
                    .and_then(|HandedBack(slot)| slot.lock().ok()?.take());
                match checked {
                    // Refused: the rejection's answer.
                    None => response,
                    Some(request) => {
                        let passed = request
                            .extensions()
                            .get::<approov_tower::Checked>()
                            .is_some_and(|checked| checked.verification().passed());
                        let outcome = if passed {
                            Outcome::Passed
                        } else {
                            Outcome::Monitored
                        };
                        // The claims are built (from the token's payload) only when a
                        // header needs them.
                        let forward = &self.shared.forward_claims;
                        let claims = if forward.is_empty() {
                            ClaimHeaders::default()
                        } else {
                            ClaimHeaders::of(
                                forward,
                                request
                                    .extensions()
                                    .get::<approov_tower::Checked>()
                                    .and_then(|checked| checked.verification().claims()),
                            )
                        };
                        self.shared.go_on(request, claims, outcome).await
                    }
                }
            }
        };
        let outcome = response
            .extensions_mut()
            .remove::<Outcome>()
            .unwrap_or(Outcome::Passed);
        handler.counters.count(outcome);
        response
    }

    /// Whether the upstream takes a connection now (always, in auth mode).
    pub(crate) async fn upstream_reachable(&self) -> bool {
        match &self.shared.pass {
            Pass::Proxy(proxy) => proxy.reachable().await,
            Pass::Auth => true,
        }
    }
}

fn handling(route: &Route, verifier: &ApproovVerifier, auth: bool) -> Result<Handling, String> {
    match route.action {
        Action::Open => return Ok(Handling::Open),
        Action::Deny => return Ok(Handling::Deny),
        Action::Protect => {}
    }
    let mut verifier = verifier.clone();
    if route.monitor {
        verifier = verifier.with_mode(CheckMode::Monitor);
    }
    if let Some(requirement) = route.sign {
        let signing = verifier.message_signing().clone();
        if requirement.needs_account_key() && signing.account_key().is_none() {
            return Err(format!(
                "sign = \"{requirement}\" needs the account's message signing key: set \
                 APPROOV_ACCOUNT_MESSAGE_SIGNING_KEY (approov secret -messageSigningKey get-base64url)"
            ));
        }
        verifier = verifier.with_message_signing(signing.with_requirement(requirement));
    }
    // The claims are read from the check's own record, only when a header needs them.
    let mut layer = ApproovLayer::new(verifier.clone())
        .with_rejection(Refusal { auth })
        .without_claims();
    if let Some(binding) = &route.binding {
        verifier
            .check_binding(binding)
            .map_err(|error| error.to_string())?;
        layer = layer.bound_to(binding.clone());
    }
    if route.sign.is_some() {
        layer = layer.message_signed();
    }
    Ok(Handling::Protect(layer.layer(HandBack)))
}

//! `/metrics`, in the Prometheus (OpenMetrics) text format: requests by route and
//! outcome, failed checks by code and by the app's `Approov-Status`, upstream
//! errors, the time of the check and of the whole request, reloads.

use std::sync::Arc;
use std::time::Duration;

use approov_tower::ApproovVerifier;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// What became of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The check passed; the request went on.
    Passed,
    /// The check failed on a monitor-mode route; the request went on.
    Monitored,
    /// The check failed; the request was refused.
    Rejected,
    /// An open route: no check.
    Open,
    /// A deny route.
    Denied,
    /// A path the gateway refuses to route (see `request_path`), or an auth request
    /// that does not say what it is about.
    Invalid,
    /// The upstream could not be reached, or did not answer in time.
    UpstreamError,
}

impl Outcome {
    const ALL: [Outcome; 7] = [
        Outcome::Passed,
        Outcome::Monitored,
        Outcome::Rejected,
        Outcome::Open,
        Outcome::Denied,
        Outcome::Invalid,
        Outcome::UpstreamError,
    ];

    fn label(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Monitored => "monitored",
            Outcome::Rejected => "rejected",
            Outcome::Open => "open",
            Outcome::Denied => "denied",
            Outcome::Invalid => "invalid",
            Outcome::UpstreamError => "upstream_error",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    what: &'static str,
    result: &'static str,
}

/// The gateway's metrics, for the life of the process (reloads keep counting).
#[derive(Debug)]
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    upstream_errors: Family<KindLabels, Counter>,
    check_seconds: Histogram,
    request_seconds: Histogram,
    reloads: Family<ReloadLabels, Counter>,
}

/// A route's request counters, one per outcome, made once per route so that a request
/// counts without a lookup.
#[derive(Debug, Clone)]
pub(crate) struct RouteCounters {
    counters: [Counter; Outcome::ALL.len()],
}

impl RouteCounters {
    pub(crate) fn count(&self, outcome: Outcome) {
        // `ALL` lists the outcomes in their declaration order (a test holds it).
        if let Some(counter) = self.counters.get(outcome as usize) {
            counter.inc();
        }
    }
}

impl Metrics {
    /// The metrics, with the failed checks `verifier` (and every clone) counts.
    pub(crate) fn new(verifier: &ApproovVerifier) -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("approov_gateway");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "requests",
            "Requests by route and outcome (passed, monitored, rejected, open, denied, invalid, upstream_error)",
            requests.clone(),
        );
        let upstream_errors = Family::<KindLabels, Counter>::default();
        registry.register(
            "upstream_errors",
            "Requests the upstream did not answer, by kind (connect, timeout, other)",
            upstream_errors.clone(),
        );
        let check_seconds = Histogram::new(exponential_buckets(1e-6, 2.0, 18));
        registry.register(
            "check_seconds",
            "Time of the Approov check of a protected request (a signed body's read excluded)",
            check_seconds.clone(),
        );
        let request_seconds = Histogram::new(exponential_buckets(1e-4, 2.0, 18));
        registry.register(
            "request_seconds",
            "Time from a request's arrival to its response's headers",
            request_seconds.clone(),
        );
        let reloads = Family::<ReloadLabels, Counter>::default();
        registry.register(
            "reloads",
            "Reloads on SIGHUP, of the configuration file and of the keys, by result",
            reloads.clone(),
        );
        registry.register_collector(Box::new(CheckFailures {
            verifier: verifier.clone(),
        }));
        Arc::new(Metrics {
            registry,
            requests,
            upstream_errors,
            check_seconds,
            request_seconds,
            reloads,
        })
    }

    /// The counters of the route `label`.
    pub(crate) fn route(&self, label: &str) -> RouteCounters {
        RouteCounters {
            counters: Outcome::ALL.map(|outcome| {
                self.requests
                    .get_or_create(&RequestLabels {
                        route: label.to_owned(),
                        outcome: outcome.label(),
                    })
                    .clone()
            }),
        }
    }

    pub(crate) fn upstream_error(&self, kind: &'static str) {
        self.upstream_errors
            .get_or_create(&KindLabels { kind })
            .inc();
    }

    pub(crate) fn check_took(&self, took: Duration) {
        self.check_seconds.observe(took.as_secs_f64());
    }

    pub(crate) fn request_took(&self, took: Duration) {
        self.request_seconds.observe(took.as_secs_f64());
    }

    pub(crate) fn reloaded(&self, what: &'static str, ok: bool) {
        let result = if ok { "ok" } else { "error" };
        self.reloads
            .get_or_create(&ReloadLabels { what, result })
            .inc();
    }

    /// Every metric, as `/metrics` serves it.
    pub(crate) fn encode(&self) -> String {
        let mut text = String::new();
        if let Err(error) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(%error, "the metrics could not be written");
        }
        text
    }
}

/// The core's own counts of failed checks, read at each scrape.
#[derive(Debug)]
struct CheckFailures {
    verifier: ApproovVerifier,
}

impl Collector for CheckFailures {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let codes = self.verifier.rejection_counts();
        let counter = ConstCounter::new(0u64);
        let mut family = encoder.encode_descriptor(
            "check_failures",
            "Failed Approov checks by code (monitor-mode failures included)",
            None,
            counter.metric_type(),
        )?;
        for (code, count) in codes {
            let labels = [("code", code)];
            ConstCounter::new(count).encode(family.encode_family(&labels)?)?;
        }
        let mut family = encoder.encode_descriptor(
            "check_failures_by_status",
            "Failed Approov checks by the Approov-Status the app sent (requests without one not counted)",
            None,
            counter.metric_type(),
        )?;
        for (status, count) in self.verifier.rejection_status_counts() {
            let labels = [("status", status)];
            ConstCounter::new(count).encode(family.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Outcome;

    #[test]
    fn each_outcome_counts_in_its_own_slot() {
        for (slot, outcome) in Outcome::ALL.iter().enumerate() {
            assert_eq!(*outcome as usize, slot, "{outcome:?}");
        }
    }
}

//! What the server counts, in the Prometheus text format at `GET /metrics`: requests by
//! method, declared route and status, their latency per route, the records of uploads by
//! kind and outcome, and the size of upload batches. Counts only: no label holds a name,
//! an id or a key (routes are the declared templates, `request_log.rs`).
//!
//! Why a registry per server (not a global): tests run several servers in one process and
//! read their own counts.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use vaora_protocol::records::RecordKind;
use vaora_protocol::wire::RecordStatus;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RejectedLabels {
    kind: String,
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KeeperLabels {
    keeper: String,
    outcome: String,
}

/// What one round of a background keeper did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeeperOutcome {
    /// It changed something (moved the rollup, purged rows, derived stays).
    Worked,
    /// Nothing to do, or another node did it.
    Idle,
    /// It failed and will retry.
    Failed,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RecordLabels {
    kind: String,
    outcome: String,
}

fn latency_buckets() -> Histogram {
    // 0.5 ms … ~8 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 15))
}

/// One server's counters.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    records: Family<RecordLabels, Counter>,
    rejected: Family<RejectedLabels, Counter>,
    batch: Histogram,
    keepers: Family<KeeperLabels, Counter>,
    /// Set only with a read replica.
    replica_lag: Option<(
        Gauge<f64, std::sync::atomic::AtomicU64>,
        Gauge<f64, std::sync::atomic::AtomicU64>,
    )>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new(false)
    }
}

impl Metrics {
    /// The counters; `replica`: also the read replica's lag gauges.
    pub fn new(replica: bool) -> Self {
        let mut registry = Registry::with_prefix("vaora");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_buckets);
        let records = Family::<RecordLabels, Counter>::default();
        let batch = Histogram::new(exponential_buckets(1.0, 2.0, 11));
        registry.register(
            "requests",
            "Requests answered, by method, declared route and status",
            requests.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer a request, by method and declared route",
            latency.clone(),
        );
        registry.register(
            "records",
            "Uploaded records, by kind and outcome (accepted, duplicate, rejected)",
            records.clone(),
        );
        let rejected = Family::<RejectedLabels, Counter>::default();
        registry.register(
            "records_rejected",
            "Refused uploaded records, by kind and reason",
            rejected.clone(),
        );
        registry.register("upload_batch_records", "Records per upload", batch.clone());
        let keepers = Family::<KeeperLabels, Counter>::default();
        registry.register(
            "keeper_runs",
            "Rounds of the background keepers (rollup, retention, backfill), by outcome",
            keepers.clone(),
        );
        let replica_lag = replica.then(|| {
            let seconds = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
            let bytes = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
            registry.register(
                "replica_lag_seconds",
                "How long ago the oldest transaction the read replica has not replayed committed",
                seconds.clone(),
            );
            registry.register(
                "replica_lag_bytes",
                "WAL bytes the read replica has not replayed",
                bytes.clone(),
            );
            (seconds, bytes)
        });
        Self {
            registry,
            requests,
            latency,
            records,
            rejected,
            batch,
            keepers,
            replica_lag,
        }
    }

    /// Counts one round of the keeper `name`.
    pub(crate) fn keeper(&self, name: &str, outcome: KeeperOutcome) {
        let outcome = match outcome {
            KeeperOutcome::Worked => "worked",
            KeeperOutcome::Idle => "idle",
            KeeperOutcome::Failed => "failed",
        };
        self.keepers
            .get_or_create(&KeeperLabels {
                keeper: name.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// The read replica's latest lag.
    pub(crate) fn replica_lag(&self, seconds: f64, bytes: f64) {
        if let Some((s, b)) = &self.replica_lag {
            s.set(seconds);
            b.set(bytes);
        }
    }

    /// Counts one answered request.
    pub(crate) fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(seconds);
    }

    /// Counts an upload's records by kind (the item's code as sent) and outcome: summed
    /// over the batch first, so a label set is looked up once per upload, not per record.
    pub(crate) fn upload(&self, kinds: &[u8], statuses: &[RecordStatus]) {
        self.batch.observe(statuses.len() as f64);
        let mut sums: std::collections::HashMap<(u8, &'static str), u64> =
            std::collections::HashMap::new();
        let mut refused: std::collections::HashMap<(u8, &'static str), u64> =
            std::collections::HashMap::new();
        for (kind, status) in kinds.iter().zip(statuses) {
            let outcome = match status {
                RecordStatus::Accepted => "accepted",
                RecordStatus::Duplicate => "duplicate",
                RecordStatus::Rejected(reason) => {
                    *refused
                        .entry((*kind, crate::rejections::label(reason)))
                        .or_default() += 1;
                    "rejected"
                }
            };
            *sums.entry((*kind, outcome)).or_default() += 1;
        }
        let name = |kind: u8| RecordKind::from_code(kind).map_or("unknown", RecordKind::as_str);
        for ((kind, outcome), n) in sums {
            self.records
                .get_or_create(&RecordLabels {
                    kind: name(kind).to_owned(),
                    outcome: outcome.to_owned(),
                })
                .inc_by(n);
        }
        for ((kind, reason), n) in refused {
            self.rejected
                .get_or_create(&RejectedLabels {
                    kind: name(kind).to_owned(),
                    reason: reason.to_owned(),
                })
                .inc_by(n);
        }
    }

    /// Everything in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

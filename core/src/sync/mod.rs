//! Outbox drain, wire protocol types, HTTP client, backoff, exposure matching.

//! bench-partitions: retention on PostgreSQL by dropping a day partition of `records`
//! (migration 15) against deleting the same rows from an unpartitioned table shaped as
//! migration 14 left `records` (same columns, same indexes).
//!
//! Run: `cargo run --release -p vaora-tests --bin bench-partitions [-- --records N]
//! [--rounds R]` (defaults 1,000,000 records over 30 days, 5 rounds). A throwaway cluster
//! gets the server's real migrations; the records (check-ins at 10,000 venues, spread
//! evenly over 30 days) are loaded server side with `generate_series` into the
//! partitioned `records` with their identities (`record_ids`), and copied into
//! `records_flat`. Round r removes day r from both: the server's own purge
//! (`Storage::purge_before` at the end of the day: the day's partition dropped with its
//! identities and dependents) and `DELETE FROM records_flat WHERE at_ms < cutoff` (what
//! the purge did before partitions; it deleted in chunks of 5,000, which costs more). A
//! delete leaves dead rows for vacuum: `VACUUM` of each table after its removal is timed
//! too (`record_ids` for the partitioned side, `records_flat` for the other). Each timed
//! step starts after a `CHECKPOINT`; the two sides alternate which goes first. It prints
//! each round and the medians, and the plan of tracing a one-day case (which partitions
//! it reads). Wall-clock times on a shared machine: read the medians, not single rounds.

use std::process::ExitCode;
use std::time::Instant;

use vaora_protocol::ids::Id128;
use vaora_server::storage::CaseRow;
use vaora_server::{PgStore, Storage};
use vaora_tests::pg::PgCluster;

const DAY: i64 = 86_400_000;
const DAYS: i64 = 30;
/// 2026-11-01 00:00 UTC: the first day loaded.
const START: i64 = 20_758 * DAY;

fn arg(name: &str, default: i64) -> Result<i64, String> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{name} needs a number")),
        None => Ok(default),
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

async fn exec(pool: &sqlx::PgPool, sql: &str) -> Result<(), String> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .map(|_| ())
        .map_err(|e| format!("{sql}: {e}"))
}

/// Seconds `sql` takes, after a checkpoint.
async fn timed(pool: &sqlx::PgPool, sql: &str) -> Result<f64, String> {
    exec(pool, "CHECKPOINT").await?;
    let t = Instant::now();
    exec(pool, sql).await?;
    Ok(t.elapsed().as_secs_f64())
}

async fn load(store: &PgStore, n: i64) -> Result<(), String> {
    let pool = store.pool();
    store
        .prepare_partitions(START, START + (DAYS - 1) * DAY)
        .await
        .map_err(|e| e.to_string())?;
    let t = Instant::now();
    exec(
        pool,
        &format!(
            "INSERT INTO records (id, device_id, kind, body, signature, received_at, at_ms,
                 person_id, person_name, venue_id, venue_name, from_ms, until_ms, seq)
             SELECT uuid_send(gen_random_uuid()), uuid_send(gen_random_uuid()), 1,
                    decode(repeat('ab', 180), 'hex'), decode(repeat('cd', 64), 'hex'), t, t,
                    uuid_send(gen_random_uuid()), 'Lê Thị Hoa',
                    substr(sha256(int8send(g % 10000)), 1, 16), 'Chợ Bến Thành', t, t + 3600000, -1
             FROM (SELECT g, {START} + g * {span} / {n} AS t FROM generate_series(0, {n} - 1) g) s",
            span = DAYS * DAY
        ),
    )
    .await?;
    exec(
        pool,
        "INSERT INTO record_ids (device_id, id, at_ms) SELECT device_id, id, at_ms FROM records",
    )
    .await?;
    // Migration 14's `records`: the same rows and indexes, unpartitioned.
    exec(
        pool,
        "CREATE TABLE records_flat AS SELECT * FROM records;
         ALTER TABLE records_flat ADD PRIMARY KEY (device_id, id);
         CREATE INDEX ON records_flat (venue_id, from_ms) WHERE from_ms IS NOT NULL;
         CREATE INDEX ON records_flat USING brin (at_ms);
         CREATE INDEX ON records_flat (code_device_key, code_declaration_id)
             WHERE code_device_key IS NOT NULL;
         CREATE INDEX ON records_flat (card_link) WHERE card_link IS NOT NULL;
         CREATE INDEX ON records_flat (device_id, person_id) WHERE kind = 3",
    )
    .await?;
    for table in ["records_flat", "records", "record_ids"] {
        exec(pool, &format!("VACUUM ANALYZE {table}")).await?;
    }
    println!(
        "loaded {n} records over {DAYS} days ({} per day) into both tables in {:.1} s",
        n / DAYS,
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn run() -> Result<(), String> {
    let n = arg("--records", 1_000_000)?;
    let rounds = arg("--rounds", 5)?.clamp(1, DAYS - 2);
    let cluster = PgCluster::start()?;
    let store = PgStore::connect(&cluster.url())
        .await
        .map_err(|e| e.to_string())?;
    load(&store, n).await?;
    let pool = store.pool();
    let (mut drops, mut deletes, mut drop_vacuums, mut delete_vacuums) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for r in 0..rounds {
        let cutoff = START + (r + 1) * DAY;
        let mut drop_s = 0.0;
        let mut delete_s = 0.0;
        let mut dropped = 0;
        for side in [r % 2, 1 - r % 2] {
            if side == 0 {
                exec(pool, "CHECKPOINT").await?;
                let t = Instant::now();
                let purged = store
                    .purge_before(cutoff)
                    .await
                    .map_err(|e| e.to_string())?;
                drop_s = t.elapsed().as_secs_f64();
                dropped = purged.records;
            } else {
                delete_s = timed(
                    pool,
                    &format!("DELETE FROM records_flat WHERE at_ms < {cutoff}"),
                )
                .await?;
            }
        }
        let drop_vacuum = timed(pool, "VACUUM record_ids").await?;
        let delete_vacuum = timed(pool, "VACUUM records_flat").await?;
        println!(
            "round {r}: {dropped} records of day {r}: partition drop (purge_before) {:.1} ms + VACUUM record_ids {:.1} ms; DELETE {:.1} ms + VACUUM records_flat {:.1} ms",
            drop_s * 1e3,
            drop_vacuum * 1e3,
            delete_s * 1e3,
            delete_vacuum * 1e3
        );
        drops.push(drop_s);
        deletes.push(delete_s);
        drop_vacuums.push(drop_vacuum);
        delete_vacuums.push(delete_vacuum);
    }
    let (d, dv, x, xv) = (
        median(&mut drops) * 1e3,
        median(&mut drop_vacuums) * 1e3,
        median(&mut deletes) * 1e3,
        median(&mut delete_vacuums) * 1e3,
    );
    println!(
        "median of {rounds} rounds, one day of {} records: partition drop {d:.1} ms (+ VACUUM record_ids {dv:.1} ms = {:.1} ms); DELETE {x:.1} ms (+ VACUUM {xv:.1} ms = {:.1} ms); DELETE/drop {:.1}x, with vacuum {:.1}x",
        n / DAYS,
        d + dv,
        x + xv,
        x / d,
        (x + xv) / (d + dv)
    );
    // Which partitions tracing a one-day case reads.
    let day = START + 20 * DAY;
    let case = CaseRow {
        id: Id128::random().map_err(|e| e.to_string())?,
        device_id: Id128::random().map_err(|e| e.to_string())?,
        person_id: None,
        from_ms: day,
        until_ms: day + DAY,
        created_ms: day + DAY,
        card: None,
    };
    let [_, trace] = store
        .explain_tracing(&case)
        .await
        .map_err(|e| e.to_string())?;
    let mut read: Vec<&str> = trace
        .iter()
        .filter_map(|l| l.split(" on ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        // Partitions, not their indexes: `records_YYYYMMDD` or `records_default`.
        .filter(|t| t.starts_with("records_") && (t.len() == 16 || *t == "records_default"))
        .collect();
    read.sort_unstable();
    read.dedup();
    println!(
        "tracing a one-day case ({}) reads {} of {} partitions: {}",
        vaora_server::storage::postgres::partition_name(day.div_euclid(DAY))
            .map_err(|e| e.to_string())?,
        read.len(),
        DAYS - rounds + 1,
        read.join(", ")
    );
    Ok(())
}

fn main() -> ExitCode {
    vaora_tests::async_main::run("bench-partitions", run())
}

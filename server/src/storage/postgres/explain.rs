//! The plans PostgreSQL makes for tracing a case, as `EXPLAIN` prints them: how an
//! operator, the partition test and the bench see which day partitions of `records` a
//! case's period reads (migration 15: only those its period, widened by the longest stay,
//! can hold).

use super::connection::PgStore;
use super::engine::fetch;
use crate::storage::engine::Query;
use crate::storage::error::StorageError;
use crate::storage::queries::cases::tracing_queries;
use crate::storage::rows::CaseRow;

impl PgStore {
    /// The plans of the case's two tracing statements (its own stays, then the contacts),
    /// one text line per plan line, with the values of this case bound.
    pub async fn explain_tracing(&self, case: &CaseRow) -> Result<[Vec<String>; 2], StorageError> {
        let [(stays, stays_args), (trace, trace_args)] = tracing_queries(case);
        let mut plans = [Vec::new(), Vec::new()];
        for (plan, (sql, args)) in plans
            .iter_mut()
            .zip([(stays, stays_args), (trace, trace_args)])
        {
            let q = Query::new(format!("EXPLAIN {sql}"), args);
            *plan = fetch(self.pool(), q, |r| r.text(0)).await?;
        }
        Ok(plans)
    }
}

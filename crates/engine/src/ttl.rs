//! Time to Live: a table's TTL setting, its status on the clock, and which items are due for
//! deletion. The sweeper itself is `Engine::sweep_ttl`, which deletes through `commit_writes` so
//! indexes and streams (REMOVE records with the DynamoDB service identity) follow.

use serde::{Deserialize, Serialize};

use crate::table::{PrimaryKey, Table};
use crate::value::{AttributeValue, Number};

/// DynamoDB ignores expiry times more than five years in the past.
pub const MAX_PAST_SECONDS: i64 = 5 * 365 * 86_400;
/// UpdateTimeToLive may change a table's setting once an hour.
pub const CHANGE_INTERVAL_MILLIS: i64 = 3600 * 1000;
/// How often the sweeper runs on its own at dispatch (simulated time).
pub const SWEEP_INTERVAL_MILLIS: i64 = 60 * 1000;

/// What UpdateTimeToLive set last, and when the change settles (ENABLING → ENABLED,
/// DISABLING → DISABLED after `EngineConfig::lifecycle_millis`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TtlSetting {
    pub attribute: String,
    pub enabled: bool,
    pub changed_millis: i64,
    pub settles_millis: i64,
}

impl TtlSetting {
    pub fn status(&self, now: i64) -> &'static str {
        match (self.enabled, now < self.settles_millis) {
            (true, true) => "ENABLING",
            (true, false) => "ENABLED",
            (false, true) => "DISABLING",
            (false, false) => "DISABLED",
        }
    }
}

/// The status of a table's TTL (DISABLED when never configured).
pub fn status(setting: Option<&TtlSetting>, now: i64) -> &'static str {
    setting.map_or("DISABLED", |s| s.status(now))
}

/// Whether a TTL attribute value has expired at `now_millis`: a Number of epoch seconds in the
/// past, but not more than five years in the past. Any other type never expires.
pub fn expired(value: &AttributeValue, now_millis: i64) -> bool {
    let AttributeValue::N(n) = value else {
        return false;
    };
    let now = now_millis.div_euclid(1000);
    *n < Number::from_i64(now) && *n >= Number::from_i64(now - MAX_PAST_SECONDS)
}

/// The keys of a table's items due for deletion at `now` (none unless TTL is ENABLED).
pub fn due(table: &Table, now: i64) -> Vec<PrimaryKey> {
    let Some(setting) = table.def.settings.ttl.as_ref() else {
        return Vec::new();
    };
    if setting.status(now) != "ENABLED" {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (partition, items) in &table.partitions {
        for (sort, item) in items {
            if item
                .get(&setting.attribute)
                .is_some_and(|v| expired(v, now))
            {
                out.push(PrimaryKey {
                    partition: partition.clone(),
                    sort: sort.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(text).unwrap_or_else(|_| Number::zero()))
    }

    #[test]
    fn only_past_numbers_within_five_years_expire() {
        // Why: DynamoDB's documented TTL rules decide which items the sweeper may delete.
        let now = 1_767_225_600_000; // 2026-01-01
        assert!(expired(&n("1767225599"), now));
        assert!(expired(&n("1767225599.5"), now));
        assert!(!expired(&n("1767225600"), now));
        assert!(!expired(&n("1767225601"), now));
        assert!(!expired(&n("1000"), now));
        assert!(!expired(&AttributeValue::S("1000".into()), now));
        assert!(expired(
            &n(&(1_767_225_600 - MAX_PAST_SECONDS).to_string()),
            now
        ));
        assert!(!expired(
            &n(&(1_767_225_599 - MAX_PAST_SECONDS).to_string()),
            now
        ));
    }
}

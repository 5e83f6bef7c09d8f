//! DescribeLimits and DescribeEndpoints: what the account may provision, and where the service is.

use serde_json::{json, Map, Value};

use crate::error::Result;
use crate::Engine;

/// DynamoDB's default quotas for a new account in a region.
pub const ACCOUNT_MAX_UNITS: i64 = 80_000;
pub const TABLE_MAX_UNITS: i64 = 40_000;

pub fn describe_limits(_engine: &mut Engine, _request: &Map<String, Value>) -> Result<Value> {
    Ok(json!({
        "AccountMaxReadCapacityUnits": ACCOUNT_MAX_UNITS,
        "AccountMaxWriteCapacityUnits": ACCOUNT_MAX_UNITS,
        "TableMaxReadCapacityUnits": TABLE_MAX_UNITS,
        "TableMaxWriteCapacityUnits": TABLE_MAX_UNITS,
    }))
}

pub fn describe_endpoints(engine: &mut Engine, _request: &Map<String, Value>) -> Result<Value> {
    Ok(json!({
        "Endpoints": [{
            "Address": format!("dynamodb.{}.amazonaws.com", engine.config.region),
            "CachePeriodInMinutes": 1440,
        }]
    }))
}

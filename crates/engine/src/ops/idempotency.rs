//! ClientRequestToken for TransactWriteItems: a token names one request for 10 minutes on the
//! injected clock. The same token with the same request answers as before without writing
//! again; with a different request it is IdempotentParameterMismatchException.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{ApiError, ErrorKind, Result};

/// How long DynamoDB remembers a token after the request that used it completed.
pub const TOKEN_MILLIS: i64 = 10 * 60 * 1000;

/// What a token remembers: the request it named, the answer, and until when.
#[derive(Debug, Clone)]
struct Entry {
    fingerprint: String,
    response: Value,
    /// Read units per table for a replay asked for ReturnConsumedCapacity: DynamoDB reports
    /// what re-reading the items cost, not the original writes.
    replay_units: Vec<(String, f64)>,
    expires_at: i64,
}

/// The tokens of the last 10 minutes.
#[derive(Debug, Clone, Default)]
pub struct ClientTokens {
    entries: BTreeMap<String, Entry>,
}

/// A remembered answer to replay.
pub struct Replay {
    pub response: Value,
    pub replay_units: Vec<(String, f64)>,
}

impl ClientTokens {
    /// Drops tokens whose 10 minutes are over, so memory stays bounded by recent traffic.
    pub fn forget_expired(&mut self, now: i64) {
        self.entries.retain(|_, e| now < e.expires_at);
    }

    /// The remembered answer for `token`, if the token is known and names this same request.
    pub fn replay(&self, token: &str, fingerprint: &str) -> Result<Option<Replay>> {
        match self.entries.get(token) {
            None => Ok(None),
            Some(e) if e.fingerprint == fingerprint => Ok(Some(Replay {
                response: e.response.clone(),
                replay_units: e.replay_units.clone(),
            })),
            Some(_) => Err(ApiError::new(
                ErrorKind::IdempotentParameterMismatchException,
                "The request uses the same client token as a previous, but non-identical request.",
            )),
        }
    }

    pub fn remember(
        &mut self,
        token: &str,
        fingerprint: String,
        response: Value,
        replay_units: Vec<(String, f64)>,
        now: i64,
    ) {
        self.entries.insert(
            token.to_string(),
            Entry {
                fingerprint,
                response,
                replay_units,
                expires_at: now.saturating_add(TOKEN_MILLIS),
            },
        );
    }
}

/// The request as compared for "same request": members in a canonical order (a client may
/// serialize them in any order), without ReturnConsumedCapacity and ReturnItemCollectionMetrics,
/// which shape only the answer.
pub fn fingerprint(request: &Map<String, Value>) -> String {
    let mut copy = request.clone();
    copy.remove("ReturnConsumedCapacity");
    copy.remove("ReturnItemCollectionMetrics");
    canonical(&Value::Object(copy)).to_string()
}

/// Sorts object members recursively. Depth is bounded: serde_json refuses to parse a body
/// nested deeper than 128 levels.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                if let Some(child) = m.get(k) {
                    out.insert(k.clone(), canonical(child));
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn member_order_and_answer_shaping_do_not_change_the_request() {
        // Why: SDKs may serialize members in any order, and the docs describe a replay that
        // asks for ReturnConsumedCapacity; neither makes the request a different one.
        let a = object(
            json!({"TransactItems": [{"Put": {"TableName": "T", "Item": {"id": {"S": "1"}, "n": {"N": "2"}}}}], "ClientRequestToken": "t"}),
        );
        let b = object(
            json!({"ClientRequestToken": "t", "ReturnConsumedCapacity": "TOTAL", "TransactItems": [{"Put": {"Item": {"n": {"N": "2"}, "id": {"S": "1"}}, "TableName": "T"}}]}),
        );
        assert_eq!(fingerprint(&a), fingerprint(&b));
        let c = object(
            json!({"TransactItems": [{"Put": {"TableName": "T", "Item": {"id": {"S": "1"}, "n": {"N": "3"}}}}], "ClientRequestToken": "t"}),
        );
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }

    #[test]
    fn a_token_lasts_ten_minutes_from_completion() {
        // Why: "valid for 10 minutes after the first request that uses it is completed".
        let mut tokens = ClientTokens::default();
        tokens.remember("t", "req".into(), json!({}), Vec::new(), 1_000);
        tokens.forget_expired(1_000 + TOKEN_MILLIS - 1);
        assert!(matches!(tokens.replay("t", "req"), Ok(Some(_))));
        assert_eq!(
            tokens.replay("t", "other").err().map(|e| e.kind),
            Some(ErrorKind::IdempotentParameterMismatchException)
        );
        tokens.forget_expired(1_000 + TOKEN_MILLIS);
        assert!(matches!(tokens.replay("t", "other"), Ok(None)));
    }
}

//! The regions of the global tables simulation the playground can address: the sandbox's home
//! region and every region holding a replica, as `GlobalTables.Describe` reports them. Pure, so the
//! console's list is tested on the host.

use serde_json::Value;

/// The engine's home region when nothing else is known (`EngineConfig::region`'s default).
pub const DEFAULT_HOME: &str = "us-east-1";

/// The home region, then every replica region (each once, in the order first seen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regions {
    pub home: String,
    pub replicas: Vec<String>,
}

impl Default for Regions {
    fn default() -> Self {
        Regions {
            home: DEFAULT_HOME.to_string(),
            replicas: Vec::new(),
        }
    }
}

impl Regions {
    /// Reads `GlobalTables.Describe`'s answer: `HomeRegion`, and each global table's `Replicas`.
    pub fn from_describe(answer: &Value) -> Regions {
        let home = answer["HomeRegion"]
            .as_str()
            .unwrap_or(DEFAULT_HOME)
            .to_string();
        let mut replicas: Vec<String> = Vec::new();
        let names = answer["GlobalTables"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|t| t["Replicas"].as_array().into_iter().flatten())
            .filter_map(|r| r["RegionName"].as_str());
        for name in names {
            if name != home && !replicas.iter().any(|r| r == name) {
                replicas.push(name.to_string());
            }
        }
        Regions { home, replicas }
    }

    /// Every region to offer, the home region first.
    pub fn all(&self) -> Vec<String> {
        std::iter::once(self.home.clone())
            .chain(self.replicas.iter().cloned())
            .collect()
    }

    /// The region a handle should address: None for the home region (plain requests).
    pub fn addressed(&self, region: &str) -> Option<String> {
        (!region.is_empty() && region != self.home).then(|| region.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Two global tables sharing a replica region list it once; the home region is first and never
    // repeated; an answer without HomeRegion (an older engine) falls back to the default.
    #[test]
    fn home_first_then_each_replica_region_once() {
        let answer = json!({
            "HomeRegion": "us-east-1",
            "GlobalTables": [
                {"TableName": "A", "Replicas": [
                    {"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"},
                    {"RegionName": "eu-west-1", "ReplicaStatus": "ACTIVE"}]},
                {"TableName": "B", "Replicas": [
                    {"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"},
                    {"RegionName": "ap-southeast-2", "ReplicaStatus": "CREATING"},
                    {"RegionName": "eu-west-1", "ReplicaStatus": "ACTIVE"}]}
            ]
        });
        let regions = Regions::from_describe(&answer);
        assert_eq!(regions.all(), ["us-east-1", "eu-west-1", "ap-southeast-2"]);
        assert_eq!(regions.addressed("us-east-1"), None);
        assert_eq!(regions.addressed(""), None);
        assert_eq!(regions.addressed("eu-west-1").as_deref(), Some("eu-west-1"));
        assert_eq!(Regions::from_describe(&json!({})), Regions::default());
    }

    // The list comes from the engine's own answer: a sandbox with a replica in eu-west-1 offers it.
    #[test]
    fn read_from_the_engines_describe() {
        let mut engine = dynaplay_engine::Engine::in_memory(Box::new(
            dynaplay_engine::ManualClock::new(1_790_000_000_000),
        ));
        let create = json!({
            "TableName": "Gts",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        });
        engine
            .call("CreateTable", &create.to_string())
            .expect("created");
        let before = engine
            .call("GlobalTables.Describe", "{}")
            .expect("described");
        assert_eq!(Regions::from_describe(&before).all(), ["us-east-1"]);
        let replica = json!({"TableName": "Gts", "ReplicaUpdates": [{"Create": {"RegionName": "eu-west-1"}}]});
        engine
            .call("UpdateTable", &replica.to_string())
            .expect("replica added");
        let after = engine
            .call("GlobalTables.Describe", "{}")
            .expect("described");
        assert_eq!(
            Regions::from_describe(&after).all(),
            ["us-east-1", "eu-west-1"]
        );
    }
}

//! The request bodies the Tables form and the Query/Scan builder send, built from what was typed. Pure
//! (tested on the host): the forms only collect text; checking it is left to the engine, whose
//! validation errors the page shows as they are, so learners see DynamoDB's own messages.

use serde_json::{json, Map, Value};

/// A key attribute as typed: name and scalar type (`S`, `N` or `B`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyField {
    pub name: String,
    pub kind: String,
}

impl KeyField {
    pub fn new(name: &str, kind: &str) -> Self {
        KeyField {
            name: name.into(),
            kind: kind.into(),
        }
    }
}

/// A secondary index as typed. An LSI's partition key is the table's, so only `sort` matters there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IndexForm {
    pub name: String,
    pub partition: KeyField,
    pub sort: KeyField,
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    pub projection: String,
    /// Comma-separated, for `INCLUDE`.
    pub include: String,
}

/// Everything the create-table form holds.
#[derive(Debug, Clone, PartialEq)]
pub struct TableForm {
    pub name: String,
    pub partition: KeyField,
    pub sort: KeyField,
    /// `PAY_PER_REQUEST` or `PROVISIONED`.
    pub billing: String,
    pub read_units: String,
    pub write_units: String,
    pub gsi: Option<IndexForm>,
    pub lsi: Option<IndexForm>,
    /// Empty for no stream, else the view type.
    pub stream: String,
    /// Empty for no TTL, else the attribute name.
    pub ttl_attribute: String,
}

impl Default for TableForm {
    fn default() -> Self {
        TableForm {
            name: String::new(),
            partition: KeyField::new("PK", "S"),
            sort: KeyField::new("SK", "S"),
            billing: "PAY_PER_REQUEST".into(),
            read_units: "5".into(),
            write_units: "5".into(),
            gsi: None,
            lsi: None,
            stream: String::new(),
            ttl_attribute: String::new(),
        }
    }
}

/// A number as typed, or the text itself when it is not one, so the engine reports the mistake.
fn units(text: &str) -> Value {
    text.trim()
        .parse::<i64>()
        .map(Value::from)
        .unwrap_or_else(|_| Value::from(text.trim()))
}

/// The attributes of a key field. A GSI key may be multi-attribute: names separated by commas, each
/// of the field's type unless it says otherwise (`year:N`). An empty field has none.
fn attributes(field: &KeyField) -> Vec<KeyField> {
    field
        .name
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| match n.rsplit_once(':') {
            Some((name, kind)) if matches!(kind.trim(), "S" | "N" | "B") => {
                KeyField::new(name.trim(), kind.trim())
            }
            _ => KeyField::new(n, &field.kind),
        })
        .collect()
}

fn key_schema(partition: &KeyField, sort: &KeyField) -> Value {
    let hash = attributes(partition)
        .into_iter()
        .map(|k| json!({ "AttributeName": k.name, "KeyType": "HASH" }));
    let range = attributes(sort)
        .into_iter()
        .map(|k| json!({ "AttributeName": k.name, "KeyType": "RANGE" }));
    Value::Array(hash.chain(range).collect())
}

fn projection(index: &IndexForm) -> Value {
    let kind = if index.projection.is_empty() {
        "ALL"
    } else {
        index.projection.as_str()
    };
    if kind == "INCLUDE" {
        let names: Vec<&str> = index
            .include
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        json!({ "ProjectionType": kind, "NonKeyAttributes": names })
    } else {
        json!({ "ProjectionType": kind })
    }
}

impl TableForm {
    fn throughput(&self) -> Value {
        json!({ "ReadCapacityUnits": units(&self.read_units), "WriteCapacityUnits": units(&self.write_units) })
    }

    /// The CreateTable body.
    pub fn create_table(&self) -> Value {
        let provisioned = self.billing == "PROVISIONED";
        // Each key attribute is defined once, in the order it first appears.
        let mut definitions: Vec<KeyField> = Vec::new();
        let mut keys: Vec<&KeyField> = vec![&self.partition, &self.sort];
        if let Some(gsi) = &self.gsi {
            keys.push(&gsi.partition);
            keys.push(&gsi.sort);
        }
        if let Some(lsi) = &self.lsi {
            keys.push(&lsi.sort);
        }
        for attribute in keys.into_iter().flat_map(attributes) {
            if !definitions.iter().any(|d| d.name == attribute.name) {
                definitions.push(attribute);
            }
        }
        let mut body = Map::new();
        body.insert("TableName".into(), Value::from(self.name.trim()));
        body.insert(
            "AttributeDefinitions".into(),
            definitions
                .iter()
                .map(|d| json!({ "AttributeName": d.name, "AttributeType": d.kind }))
                .collect(),
        );
        body.insert("KeySchema".into(), key_schema(&self.partition, &self.sort));
        if let Some(gsi) = &self.gsi {
            let mut index = json!({
                "IndexName": gsi.name.trim(),
                "KeySchema": key_schema(&gsi.partition, &gsi.sort),
                "Projection": projection(gsi),
            });
            if provisioned {
                index["ProvisionedThroughput"] = self.throughput();
            }
            body.insert("GlobalSecondaryIndexes".into(), json!([index]));
        }
        if let Some(lsi) = &self.lsi {
            body.insert(
                "LocalSecondaryIndexes".into(),
                json!([{
                    "IndexName": lsi.name.trim(),
                    "KeySchema": key_schema(&self.partition, &lsi.sort),
                    "Projection": projection(lsi),
                }]),
            );
        }
        body.insert("BillingMode".into(), Value::from(self.billing.as_str()));
        if provisioned {
            body.insert("ProvisionedThroughput".into(), self.throughput());
        }
        if !self.stream.is_empty() {
            body.insert(
                "StreamSpecification".into(),
                json!({ "StreamEnabled": true, "StreamViewType": self.stream }),
            );
        }
        Value::Object(body)
    }

    /// The UpdateTimeToLive body to send after CreateTable, when a TTL attribute was given.
    pub fn time_to_live(&self) -> Option<Value> {
        let attribute = self.ttl_attribute.trim();
        (!attribute.is_empty()).then(|| {
            json!({
                "TableName": self.name.trim(),
                "TimeToLiveSpecification": { "Enabled": true, "AttributeName": attribute }
            })
        })
    }
}

/// Everything the Query/Scan builder holds.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadForm {
    pub scan: bool,
    pub table: String,
    /// Empty for the table itself.
    pub index: String,
    pub key_condition: String,
    pub filter: String,
    pub projection: String,
    /// `{"#n": "name"}` as typed; empty for none.
    pub names: String,
    /// `{":v": {"S": "x"}}` as typed; empty for none.
    pub values: String,
    pub descending: bool,
    pub limit: String,
    pub consistent: bool,
}

impl Default for ReadForm {
    fn default() -> Self {
        ReadForm {
            scan: false,
            table: String::new(),
            index: String::new(),
            key_condition: String::new(),
            filter: String::new(),
            projection: String::new(),
            names: String::new(),
            values: String::new(),
            descending: false,
            limit: "10".into(),
            consistent: false,
        }
    }
}

impl ReadForm {
    pub fn operation(&self) -> &'static str {
        if self.scan {
            "Scan"
        } else {
            "Query"
        }
    }

    /// The Query or Scan body, starting after `start_key` when paging. A names or values box that is
    /// not a JSON object is an error the user fixes here, before anything is sent.
    pub fn request(&self, start_key: Option<&Value>) -> Result<Value, String> {
        let mut body = Map::new();
        body.insert("TableName".into(), Value::from(self.table.as_str()));
        if !self.index.is_empty() {
            body.insert("IndexName".into(), Value::from(self.index.as_str()));
        }
        let text = |name: &str, value: &str, body: &mut Map<String, Value>| {
            if !value.trim().is_empty() {
                body.insert(name.into(), Value::from(value.trim()));
            }
        };
        if !self.scan {
            text("KeyConditionExpression", &self.key_condition, &mut body);
        }
        text("FilterExpression", &self.filter, &mut body);
        text("ProjectionExpression", &self.projection, &mut body);
        for (field, label, value) in [
            ("ExpressionAttributeNames", "Attribute names", &self.names),
            (
                "ExpressionAttributeValues",
                "Attribute values",
                &self.values,
            ),
        ] {
            if value.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(value) {
                Ok(map @ Value::Object(_)) => {
                    body.insert(field.into(), map);
                }
                Ok(_) => return Err(format!("{label} must be a JSON object.")),
                Err(e) => return Err(format!("{label} is not valid JSON: {e}.")),
            }
        }
        if !self.scan && self.descending {
            body.insert("ScanIndexForward".into(), Value::from(false));
        }
        if !self.limit.trim().is_empty() {
            body.insert("Limit".into(), units(&self.limit));
        }
        if self.consistent {
            body.insert("ConsistentRead".into(), Value::from(true));
        }
        body.insert("ReturnConsumedCapacity".into(), Value::from("TOTAL"));
        if let Some(key) = start_key {
            body.insert("ExclusiveStartKey".into(), key.clone());
        }
        Ok(Value::Object(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dynaplay_engine::{clock::ManualClock, Engine};

    fn engine() -> Engine {
        Engine::in_memory(Box::new(ManualClock::new(1_700_000_000_000)))
    }

    // A form with every option filled builds a request the engine accepts, key attributes defined once.
    #[test]
    fn a_full_table_form_is_accepted() {
        let form = TableForm {
            name: "Orders".into(),
            billing: "PROVISIONED".into(),
            gsi: Some(IndexForm {
                name: "ByStatus".into(),
                partition: KeyField::new("Status", "S"),
                sort: KeyField::new("SK", "S"),
                projection: "INCLUDE".into(),
                include: "Total, Customer".into(),
            }),
            lsi: Some(IndexForm {
                name: "ByDate".into(),
                sort: KeyField::new("Date", "S"),
                projection: "KEYS_ONLY".into(),
                ..IndexForm::default()
            }),
            stream: "NEW_AND_OLD_IMAGES".into(),
            ttl_attribute: "ExpiresAt".into(),
            ..TableForm::default()
        };
        let body = form.create_table();
        let names: Vec<&str> = body["AttributeDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["AttributeName"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["PK", "SK", "Status", "Date"]);
        assert_eq!(
            body["GlobalSecondaryIndexes"][0]["Projection"]["NonKeyAttributes"],
            json!(["Total", "Customer"])
        );
        let mut engine = engine();
        let created = engine.dispatch("CreateTable", &body.to_string());
        assert_eq!(created.status, 200, "{}", created.body);
        let ttl = engine.dispatch(
            "UpdateTimeToLive",
            &form.time_to_live().unwrap().to_string(),
        );
        assert_eq!(ttl.status, 200, "{}", ttl.body);
    }

    // Without a sort key or options the request is the minimal one; a bad number reaches the engine as
    // typed, so its message is the one shown.
    #[test]
    fn a_minimal_form_and_bad_units() {
        let form = TableForm {
            name: "T".into(),
            sort: KeyField::new("", "S"),
            ..TableForm::default()
        };
        assert_eq!(
            form.create_table(),
            json!({
                "TableName": "T",
                "AttributeDefinitions": [{ "AttributeName": "PK", "AttributeType": "S" }],
                "KeySchema": [{ "AttributeName": "PK", "KeyType": "HASH" }],
                "BillingMode": "PAY_PER_REQUEST"
            })
        );
        assert_eq!(form.time_to_live(), None);
        let bad = TableForm {
            billing: "PROVISIONED".into(),
            read_units: "lots".into(),
            ..form
        };
        let response = engine().dispatch("CreateTable", &bad.create_table().to_string());
        assert_eq!(response.status, 400, "{}", response.body);
    }

    // A multi-attribute GSI key: several HASH and RANGE entries in order, each attribute defined with
    // its own type, and the engine accepts it.
    #[test]
    fn multi_attribute_gsi_keys() {
        let form = TableForm {
            name: "Orders".into(),
            gsi: Some(IndexForm {
                name: "ByCustomerRegion".into(),
                partition: KeyField::new("customer, region", "S"),
                sort: KeyField::new("year:N, month:N", "S"),
                projection: "ALL".into(),
                include: String::new(),
            }),
            ..TableForm::default()
        };
        let body = form.create_table();
        assert_eq!(
            body["GlobalSecondaryIndexes"][0]["KeySchema"],
            json!([
                { "AttributeName": "customer", "KeyType": "HASH" },
                { "AttributeName": "region", "KeyType": "HASH" },
                { "AttributeName": "year", "KeyType": "RANGE" },
                { "AttributeName": "month", "KeyType": "RANGE" }
            ])
        );
        assert_eq!(
            body["AttributeDefinitions"][5],
            json!({ "AttributeName": "month", "AttributeType": "N" })
        );
        let created = engine().dispatch("CreateTable", &body.to_string());
        assert_eq!(created.status, 200, "{}", created.body);
    }

    #[test]
    fn query_requests() {
        let form = ReadForm {
            table: "Music".into(),
            index: "ByYear".into(),
            key_condition: "PK = :p".into(),
            filter: " Seconds > :s ".into(),
            values: r#"{":p": {"S": "a"}, ":s": {"N": "100"}}"#.into(),
            descending: true,
            limit: "2".into(),
            ..ReadForm::default()
        };
        let start = json!({"PK": {"S": "a"}});
        assert_eq!(
            form.request(Some(&start)).unwrap(),
            json!({
                "TableName": "Music", "IndexName": "ByYear", "KeyConditionExpression": "PK = :p",
                "FilterExpression": "Seconds > :s",
                "ExpressionAttributeValues": {":p": {"S": "a"}, ":s": {"N": "100"}},
                "ScanIndexForward": false, "Limit": 2, "ReturnConsumedCapacity": "TOTAL",
                "ExclusiveStartKey": {"PK": {"S": "a"}}
            })
        );
        let scan = ReadForm {
            scan: true,
            ..form.clone()
        };
        let body = scan.request(None).unwrap();
        assert!(body.get("KeyConditionExpression").is_none());
        assert!(body.get("ScanIndexForward").is_none());
        let broken = ReadForm {
            names: "{".into(),
            ..form
        };
        assert!(broken
            .request(None)
            .unwrap_err()
            .starts_with("Attribute names is not valid JSON"));
    }
}

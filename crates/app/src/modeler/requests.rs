//! What the engine runs for a model: an access pattern as a Query, or as a Scan when no key condition
//! can serve it; and the CreateTable and PutItem requests that build a table with its sample data.

use serde_json::{json, Map, Value};

use super::pattern;
use super::{AccessPattern, Billing, IndexModel, Projection, SortCondition, TableModel};

/// The request an access pattern becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternRequest {
    Query(Value),
    /// No key condition serves the pattern: DynamoDB reads every item and filters afterwards.
    Scan {
        request: Value,
        reason: String,
    },
}

impl PatternRequest {
    pub fn operation(&self) -> &'static str {
        match self {
            PatternRequest::Query(_) => "Query",
            PatternRequest::Scan { .. } => "Scan",
        }
    }

    pub fn body(&self) -> &Value {
        match self {
            PatternRequest::Query(body) | PatternRequest::Scan { request: body, .. } => body,
        }
    }
}

/// A scalar of the declared type, as DynamoDB JSON.
pub fn typed(kind: &str, text: &str) -> Value {
    match kind {
        "N" => json!({ "N": text }),
        "B" => json!({ "B": text }),
        "BOOL" => json!({ "BOOL": text == "true" }),
        _ => json!({ "S": text }),
    }
}

fn lookup(pattern: &AccessPattern) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| {
        pattern
            .parameters
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// Builds the request for `access` on `table`, or says why it cannot be built (an unknown index, a
/// placeholder without a value, a sort condition on a key schema without a sort key).
pub fn build(table: &TableModel, access: &AccessPattern) -> Result<PatternRequest, String> {
    let (partition_key, sort_key) = table.keys_of(access.index.as_deref())?;
    let values = lookup(access);
    let mut names = Map::new();
    let mut attribute_values = Map::new();
    let mut body = json!({ "TableName": table.name });
    if let Some(index) = &access.index {
        body["IndexName"] = json!(index);
    }

    // The sort key condition, as an expression on #sk.
    let mut sort_expression = None;
    if let Some(condition) = &access.sort {
        let sort_key = sort_key.ok_or_else(|| {
            format!(
                "{} has no sort key, so \"{}\" cannot put a condition on one.",
                access.index.as_deref().unwrap_or(&table.name),
                access.name
            )
        })?;
        names.insert("#sk".into(), json!(sort_key.name));
        let kind = sort_key.kind.as_str();
        sort_expression = Some(match condition {
            SortCondition::Equals(p) => {
                attribute_values.insert(":sk".into(), typed(kind, &pattern::fill(p, &values)?));
                "#sk = :sk".to_string()
            }
            SortCondition::BeginsWith(p) => {
                attribute_values.insert(":sk".into(), typed(kind, &pattern::prefix(p, &values)));
                "begins_with(#sk, :sk)".to_string()
            }
            SortCondition::Between(low, high) => {
                attribute_values.insert(":sk".into(), typed(kind, &pattern::fill(low, &values)?));
                attribute_values.insert(":sk2".into(), typed(kind, &pattern::fill(high, &values)?));
                "#sk BETWEEN :sk AND :sk2".to_string()
            }
        });
    }

    let mut filters = Vec::new();
    for (i, filter) in access.filters.iter().enumerate() {
        let value = pattern::fill(&filter.value, &values)?;
        names.insert(format!("#f{i}"), json!(filter.attribute));
        attribute_values.insert(
            format!(":f{i}"),
            typed(table.type_of(&filter.attribute), &value),
        );
        filters.push(format!("#f{i} = :f{i}"));
    }

    let scan = access.partition.trim().is_empty();
    if scan {
        // Without a partition key value every condition becomes a filter on a full read.
        filters.extend(sort_expression);
    } else {
        names.insert("#pk".into(), json!(partition_key.name));
        attribute_values.insert(
            ":pk".into(),
            typed(
                &partition_key.kind,
                &pattern::fill(&access.partition, &values)?,
            ),
        );
        let key_condition = match sort_expression {
            Some(sort) => format!("#pk = :pk AND {sort}"),
            None => "#pk = :pk".to_string(),
        };
        body["KeyConditionExpression"] = json!(key_condition);
    }
    if !filters.is_empty() {
        body["FilterExpression"] = json!(filters.join(" AND "));
    }
    if !names.is_empty() {
        body["ExpressionAttributeNames"] = Value::Object(names);
    }
    if !attribute_values.is_empty() {
        body["ExpressionAttributeValues"] = Value::Object(attribute_values);
    }
    if scan {
        let reason = format!(
            "Needs a Scan: no partition key value for {} is given, so DynamoDB reads every item of {} and \
             filters afterwards (each read item is charged). Give the pattern a partition key, or add an \
             index whose partition key it knows.",
            partition_key.name,
            access.index.as_deref().unwrap_or(&table.name)
        );
        Ok(PatternRequest::Scan {
            request: body,
            reason,
        })
    } else {
        Ok(PatternRequest::Query(body))
    }
}

fn key_schema(partition: &str, sort: Option<&str>) -> Value {
    let mut schema = vec![json!({ "AttributeName": partition, "KeyType": "HASH" })];
    if let Some(sort) = sort {
        schema.push(json!({ "AttributeName": sort, "KeyType": "RANGE" }));
    }
    Value::Array(schema)
}

fn projection(projection: &Projection) -> Value {
    match projection {
        Projection::All => json!({ "ProjectionType": "ALL" }),
        Projection::KeysOnly => json!({ "ProjectionType": "KEYS_ONLY" }),
        Projection::Include(names) => {
            json!({ "ProjectionType": "INCLUDE", "NonKeyAttributes": names })
        }
    }
}

fn index_body(index: &IndexModel, billing: &Billing, global: bool) -> Value {
    let mut body = json!({
        "IndexName": index.name,
        "KeySchema": key_schema(&index.partition_key.name, index.sort_key.as_ref().map(|k| k.name.as_str())),
        "Projection": projection(&index.projection),
    });
    if let (true, Billing::Provisioned { read, write }) = (global, billing) {
        body["ProvisionedThroughput"] =
            json!({ "ReadCapacityUnits": read, "WriteCapacityUnits": write });
    }
    body
}

/// The CreateTable request for a table of the model.
pub fn create_table(table: &TableModel) -> Value {
    let definitions: Vec<Value> = table
        .key_attributes()
        .iter()
        .map(|a| json!({ "AttributeName": a.name, "AttributeType": a.kind }))
        .collect();
    let mut body = json!({
        "TableName": table.name,
        "AttributeDefinitions": definitions,
        "KeySchema": key_schema(&table.partition_key.name, table.sort_key.as_ref().map(|k| k.name.as_str())),
    });
    match &table.billing {
        Billing::OnDemand => body["BillingMode"] = json!("PAY_PER_REQUEST"),
        Billing::Provisioned { read, write } => {
            body["BillingMode"] = json!("PROVISIONED");
            body["ProvisionedThroughput"] =
                json!({ "ReadCapacityUnits": read, "WriteCapacityUnits": write });
        }
    }
    if !table.gsis.is_empty() {
        body["GlobalSecondaryIndexes"] = table
            .gsis
            .iter()
            .map(|i| index_body(i, &table.billing, true))
            .collect();
    }
    if !table.lsis.is_empty() {
        body["LocalSecondaryIndexes"] = table
            .lsis
            .iter()
            .map(|i| index_body(i, &table.billing, false))
            .collect();
    }
    body
}

/// CreateTable, then one PutItem per sample item.
pub fn build_table(table: &TableModel) -> Vec<(&'static str, Value)> {
    std::iter::once(("CreateTable", create_table(table)))
        .chain(table.items.iter().map(|sample| {
            (
                "PutItem",
                json!({ "TableName": table.name, "Item": sample.item }),
            )
        }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::shop;
    use super::*;
    use dynaplay_engine::{clock::ManualClock, Engine};

    fn engine_with(table: &TableModel) -> Engine {
        let mut engine = Engine::in_memory(Box::new(ManualClock::new(1_700_000_000_000)));
        for (operation, body) in build_table(table) {
            let response = engine.dispatch(operation, &body.to_string());
            assert_eq!(response.status, 200, "{operation}: {}", response.body);
        }
        engine
    }

    fn run(engine: &mut Engine, request: &PatternRequest) -> Value {
        let response = engine.dispatch(request.operation(), &request.body().to_string());
        assert_eq!(response.status, 200, "{}", response.body);
        serde_json::from_str(&response.body).unwrap()
    }

    fn sort_keys(answer: &Value) -> Vec<String> {
        answer["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["SK"]["S"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn a_begins_with_pattern_is_a_query_the_engine_answers() {
        let table = shop();
        let request = build(&table, &table.access_patterns[0]).unwrap();
        assert_eq!(
            request,
            PatternRequest::Query(json!({
                "TableName": "Shop",
                "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :sk)",
                "ExpressionAttributeNames": { "#pk": "PK", "#sk": "SK" },
                "ExpressionAttributeValues": { ":pk": { "S": "USER#u1" }, ":sk": { "S": "ORDER#2024-01" } }
            }))
        );
        let answer = run(&mut engine_with(&table), &request);
        assert_eq!(sort_keys(&answer), vec!["ORDER#2024-01-05#o1"]);
    }

    #[test]
    fn an_index_pattern_queries_the_gsi() {
        let table = shop();
        let request = build(&table, &table.access_patterns[1]).unwrap();
        assert_eq!(request.body()["IndexName"], "ByStatus");
        let answer = run(&mut engine_with(&table), &request);
        assert_eq!(
            sort_keys(&answer),
            vec!["ORDER#2024-01-05#o1", "ORDER#2024-01-20#o3"]
        );
    }

    #[test]
    fn a_filter_only_pattern_is_flagged_as_a_scan() {
        let table = shop();
        let request = build(&table, &table.access_patterns[2]).unwrap();
        let PatternRequest::Scan {
            request: body,
            reason,
        } = &request
        else {
            panic!("expected a Scan, got {request:?}");
        };
        assert!(reason.starts_with("Needs a Scan"), "{reason}");
        assert_eq!(body["FilterExpression"], "#f0 = :f0");
        assert!(body.get("KeyConditionExpression").is_none());
        let answer = run(&mut engine_with(&table), &request);
        assert_eq!(sort_keys(&answer), vec!["ORDER#2024-02-11#o2"]);
        assert_eq!(answer["ScannedCount"], 5);
    }

    #[test]
    fn between_and_equality_and_numeric_filters() {
        let table = shop();
        let mut access = AccessPattern {
            name: "Orders in a range".into(),
            partition: "USER#<userId>".into(),
            sort: Some(SortCondition::Between(
                "ORDER#<from>".into(),
                "ORDER#<to>".into(),
            )),
            filters: vec![super::super::Filter {
                attribute: "total".into(),
                value: "<total>".into(),
            }],
            parameters: vec![
                ("userId".into(), "u1".into()),
                ("from".into(), "2024-01".into()),
                ("to".into(), "2024-03".into()),
                ("total".into(), "120".into()),
            ],
            ..AccessPattern::default()
        };
        let request = build(&table, &access).unwrap();
        assert_eq!(
            request.body()["ExpressionAttributeValues"][":f0"],
            json!({ "N": "120" })
        );
        let mut engine = engine_with(&table);
        assert_eq!(
            sort_keys(&run(&mut engine, &request)),
            vec!["ORDER#2024-02-11#o2"]
        );
        access.sort = Some(SortCondition::Equals("PROFILE".into()));
        access.filters.clear();
        assert_eq!(
            sort_keys(&run(&mut engine, &build(&table, &access).unwrap())),
            vec!["PROFILE"]
        );
    }

    #[test]
    fn problems_are_errors_not_panics() {
        let table = shop();
        let mut access = table.access_patterns[0].clone();
        access.parameters.clear();
        assert_eq!(
            build(&table, &access),
            Err("No value for <userId> in USER#<userId>.".into())
        );
        access.index = Some("Nope".into());
        assert_eq!(
            build(&table, &access),
            Err("Table Shop has no index named Nope.".into())
        );
    }

    #[test]
    fn create_table_declares_every_key_attribute_once() {
        let mut table = shop();
        table.billing = Billing::Provisioned { read: 5, write: 2 };
        let body = create_table(&table);
        assert_eq!(body["AttributeDefinitions"].as_array().unwrap().len(), 4);
        assert_eq!(
            body["GlobalSecondaryIndexes"][0]["ProvisionedThroughput"]["WriteCapacityUnits"],
            2
        );
        engine_with(&table);
    }
}

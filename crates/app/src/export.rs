//! Export to real DynamoDB: from what the API says about each table (DescribeTable, DescribeTimeToLive,
//! DescribeContinuousBackups, ListTagsOfResource) and its items (Scan), a CloudFormation template,
//! an AWS CLI script that creates the same tables and loads the items in `batch-write-item` files
//! of at most 25 puts, and the items as DynamoDB JSON. Pure: the app runs it on the page's engine,
//! the host on an in-memory engine (`dynaplay-app emit-export`), whose script the clients stage
//! runs against dynaplay-server and compares (`dynaplay-app check-export`).

use serde_json::{json, Map, Value};

/// BatchWriteItem's limit: at most 25 put or delete requests a call.
pub const BATCH_SIZE: usize = 25;

/// One table as the API describes it, with its items.
#[derive(Debug, Clone, PartialEq)]
pub struct TableExport {
    /// DescribeTable's `Table`.
    pub description: Value,
    /// The TTL attribute when TTL is on (DescribeTimeToLive ENABLED or ENABLING).
    pub ttl_attribute: Option<String>,
    /// Point-in-time recovery is on.
    pub pitr: bool,
    /// The table's tags, as ListTagsOfResource gives them.
    pub tags: Vec<(String, String)>,
    /// Every item, in DynamoDB JSON.
    pub items: Vec<Value>,
}

impl TableExport {
    pub fn name(&self) -> &str {
        self.description["TableName"].as_str().unwrap_or_default()
    }

    fn on_demand(&self) -> bool {
        self.description["BillingModeSummary"]["BillingMode"].as_str() == Some("PAY_PER_REQUEST")
    }
}

/// Reads every table through `call` (operation, request → output or the error's text). Async, so
/// the app can use its asynchronous engine; the host hands in ready futures (`block_on_ready`).
pub async fn collect<F, Fut>(mut call: F) -> Result<Vec<TableExport>, String>
where
    F: FnMut(&'static str, Value) -> Fut,
    Fut: std::future::Future<Output = Result<Value, String>>,
{
    let mut names = Vec::new();
    let mut start: Option<Value> = None;
    loop {
        let mut body = json!({});
        if let Some(start) = start.take() {
            body["ExclusiveStartTableName"] = start;
        }
        let page = call("ListTables", body).await?;
        names.extend(
            page["TableNames"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|n| n.as_str().map(String::from)),
        );
        match page.get("LastEvaluatedTableName") {
            Some(last) if !last.is_null() => start = Some(last.clone()),
            _ => break,
        }
    }
    let mut tables = Vec::new();
    for name in &names {
        tables.push(collect_table(&mut call, name).await?);
    }
    Ok(tables)
}

async fn collect_table<F, Fut>(call: &mut F, name: &str) -> Result<TableExport, String>
where
    F: FnMut(&'static str, Value) -> Fut,
    Fut: std::future::Future<Output = Result<Value, String>>,
{
    let table = json!({ "TableName": name });
    let description = call("DescribeTable", table.clone()).await?["Table"].clone();
    let ttl = call("DescribeTimeToLive", table.clone()).await?;
    let ttl = &ttl["TimeToLiveDescription"];
    let ttl_attribute = match ttl["TimeToLiveStatus"].as_str() {
        Some("ENABLED" | "ENABLING") => ttl["AttributeName"].as_str().map(String::from),
        _ => None,
    };
    let backups = call("DescribeContinuousBackups", table).await?;
    let pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        ["PointInTimeRecoveryStatus"]
        .as_str()
        == Some("ENABLED");
    let mut tags = Vec::new();
    let arn = description["TableArn"].clone();
    let mut next: Option<Value> = None;
    loop {
        let mut body = json!({ "ResourceArn": arn });
        if let Some(token) = next.take() {
            body["NextToken"] = token;
        }
        let page = call("ListTagsOfResource", body).await?;
        tags.extend(read_tags(&page["Tags"]));
        match page.get("NextToken") {
            Some(token) if !token.is_null() => next = Some(token.clone()),
            _ => break,
        }
    }
    let mut items = Vec::new();
    let mut start: Option<Value> = None;
    loop {
        let mut body = json!({ "TableName": name });
        if let Some(key) = start.take() {
            body["ExclusiveStartKey"] = key;
        }
        let page = call("Scan", body).await?;
        items.extend(page["Items"].as_array().into_iter().flatten().cloned());
        match page.get("LastEvaluatedKey") {
            Some(key) if !key.is_null() => start = Some(key.clone()),
            _ => break,
        }
    }
    Ok(TableExport {
        description,
        ttl_attribute,
        pitr,
        tags,
        items,
    })
}

/// Runs a future whose every await is already ready (the host's synchronous engine); an await
/// that would wait is an error rather than a hang.
#[cfg(not(target_arch = "wasm32"))]
pub fn block_on_ready<T>(future: impl std::future::Future<Output = T>) -> Result<T, String> {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(value) => Ok(value),
        std::task::Poll::Pending => Err("an engine call did not answer at once".into()),
    }
}

fn read_tags(tags: &Value) -> Vec<(String, String)> {
    tags.as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| Some((t["Key"].as_str()?.into(), t["Value"].as_str()?.into())))
        .collect()
}

/// `KeySchema` as CreateTable and CloudFormation take it (DescribeTable's, without extras).
fn key_schema(schema: &Value) -> Value {
    Value::Array(
        schema
            .as_array()
            .into_iter()
            .flatten()
            .map(|k| json!({ "AttributeName": k["AttributeName"], "KeyType": k["KeyType"] }))
            .collect(),
    )
}

fn projection(p: &Value) -> Value {
    let mut out = json!({ "ProjectionType": p["ProjectionType"].as_str().unwrap_or("ALL") });
    if let Some(attrs) = p["NonKeyAttributes"].as_array().filter(|a| !a.is_empty()) {
        out["NonKeyAttributes"] = Value::Array(attrs.clone());
    }
    out
}

fn throughput(t: &Value) -> Value {
    json!({
        "ReadCapacityUnits": t["ReadCapacityUnits"].as_u64().unwrap_or(1),
        "WriteCapacityUnits": t["WriteCapacityUnits"].as_u64().unwrap_or(1),
    })
}

fn attribute_definitions(d: &Value) -> Value {
    Value::Array(
        d["AttributeDefinitions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| json!({ "AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"] }))
            .collect(),
    )
}

fn global_indexes(table: &TableExport) -> Vec<Value> {
    table.description["GlobalSecondaryIndexes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let mut index = json!({
                "IndexName": g["IndexName"],
                "KeySchema": key_schema(&g["KeySchema"]),
                "Projection": projection(&g["Projection"]),
            });
            if !table.on_demand() {
                index["ProvisionedThroughput"] = throughput(&g["ProvisionedThroughput"]);
            }
            index
        })
        .collect()
}

fn local_indexes(table: &TableExport) -> Vec<Value> {
    table.description["LocalSecondaryIndexes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            json!({
                "IndexName": l["IndexName"],
                "KeySchema": key_schema(&l["KeySchema"]),
                "Projection": projection(&l["Projection"]),
            })
        })
        .collect()
}

/// The stream's view type when a stream is on.
fn stream_view(table: &TableExport) -> Option<&str> {
    let spec = &table.description["StreamSpecification"];
    (spec["StreamEnabled"].as_bool() == Some(true))
        .then(|| spec["StreamViewType"].as_str())
        .flatten()
}

fn table_class(table: &TableExport) -> Option<&str> {
    table.description["TableClassSummary"]["TableClass"]
        .as_str()
        .filter(|c| *c != "STANDARD")
}

fn tags_json(tags: &[(String, String)]) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| json!({ "Key": k, "Value": v }))
            .collect(),
    )
}

/// A CloudFormation logical id for a table: letters and digits only, unique in the template.
fn logical_id(name: &str, taken: &mut Vec<String>) -> String {
    let base: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
    let base = format!("{}Table", if base.is_empty() { "Dynaplay" } else { &base });
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}{n}");
        n += 1;
    }
    taken.push(id.clone());
    id
}

/// An `AWS::DynamoDB::Table` resource per table. Tables with secondary indexes depend on the one
/// before them, because DynamoDB limits how many such tables may be creating at once (the
/// CloudFormation guide's `DependsOn` advice).
pub fn cloudformation(tables: &[TableExport]) -> Value {
    let mut resources = Map::new();
    let mut taken = Vec::new();
    let mut previous_indexed: Option<String> = None;
    for table in tables {
        let d = &table.description;
        let mut props = Map::new();
        props.insert("TableName".into(), json!(table.name()));
        props.insert("AttributeDefinitions".into(), attribute_definitions(d));
        props.insert("KeySchema".into(), key_schema(&d["KeySchema"]));
        if table.on_demand() {
            props.insert("BillingMode".into(), json!("PAY_PER_REQUEST"));
        } else {
            props.insert("BillingMode".into(), json!("PROVISIONED"));
            props.insert(
                "ProvisionedThroughput".into(),
                throughput(&d["ProvisionedThroughput"]),
            );
        }
        let gsis = global_indexes(table);
        let lsis = local_indexes(table);
        let indexed = !gsis.is_empty() || !lsis.is_empty();
        if !gsis.is_empty() {
            props.insert("GlobalSecondaryIndexes".into(), Value::Array(gsis));
        }
        if !lsis.is_empty() {
            props.insert("LocalSecondaryIndexes".into(), Value::Array(lsis));
        }
        if let Some(view) = stream_view(table) {
            props.insert(
                "StreamSpecification".into(),
                json!({ "StreamViewType": view }),
            );
        }
        if let Some(attribute) = &table.ttl_attribute {
            props.insert(
                "TimeToLiveSpecification".into(),
                json!({ "AttributeName": attribute, "Enabled": true }),
            );
        }
        if table.pitr {
            props.insert(
                "PointInTimeRecoverySpecification".into(),
                json!({ "PointInTimeRecoveryEnabled": true }),
            );
        }
        if let Some(class) = table_class(table) {
            props.insert("TableClass".into(), json!(class));
        }
        if d["DeletionProtectionEnabled"].as_bool() == Some(true) {
            props.insert("DeletionProtectionEnabled".into(), json!(true));
        }
        if !table.tags.is_empty() {
            props.insert("Tags".into(), tags_json(&table.tags));
        }
        let id = logical_id(table.name(), &mut taken);
        let mut resource = json!({ "Type": "AWS::DynamoDB::Table", "Properties": props });
        if indexed {
            if let Some(before) = previous_indexed.replace(id.clone()) {
                resource["DependsOn"] = json!(before);
            }
        }
        resources.insert(id, resource);
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Tables exported from Dynaplay. The items are in items/*.json; load them with the batches of create-tables.sh.",
        "Resources": resources,
    })
}

/// `text` as one shell word in single quotes.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// A table name as a file name: DynamoDB's names are already `[A-Za-z0-9_.-]`, but an export may
/// come from a shared sandbox, so anything else becomes `_`.
fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The `batch-write-item` request files: `batches/<table>-<n>.json`, each at most 25 puts.
pub fn batch_files(tables: &[TableExport]) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for table in tables {
        for (n, chunk) in table.items.chunks(BATCH_SIZE).enumerate() {
            let puts: Vec<Value> = chunk
                .iter()
                .map(|item| json!({ "PutRequest": { "Item": item } }))
                .collect();
            let mut request = Map::new();
            request.insert(table.name().to_string(), Value::Array(puts));
            files.push((
                format!("batches/{}-{:04}.json", file_stem(table.name()), n + 1),
                serde_json::to_string_pretty(&Value::Object(request)).unwrap_or_default(),
            ));
        }
    }
    files
}

/// The items of every table in DynamoDB JSON: `items/<table>.json`.
pub fn item_files(tables: &[TableExport]) -> Vec<(String, String)> {
    tables
        .iter()
        .map(|t| {
            (
                format!("items/{}.json", file_stem(t.name())),
                serde_json::to_string_pretty(&t.items).unwrap_or_default(),
            )
        })
        .collect()
}

/// A bash script of AWS CLI commands: create each table, wait for it, turn on TTL and PITR, then
/// load the batch files. `DYNAMODB_ENDPOINT`, when set, points it at another endpoint (DynamoDB
/// Local, dynaplay-server).
pub fn cli_script(tables: &[TableExport]) -> String {
    let mut s = String::from(
        "#!/usr/bin/env bash\n\
         # Creates the tables exported from Dynaplay and loads their items, with the AWS CLI.\n\
         # Run it from the folder it is in; set DYNAMODB_ENDPOINT to use another endpoint.\n\
         # batch-write-item may leave UnprocessedItems under throttling: rerun that file if it prints any.\n\
         # Use AWS CLI v2 for binary (B) values: v1 sends their base64 text as the bytes.\n\
         set -euo pipefail\n\
         cd \"$(dirname \"$0\")\"\n\
         endpoint=()\n\
         if [ -n \"${DYNAMODB_ENDPOINT:-}\" ]; then endpoint=(--endpoint-url \"$DYNAMODB_ENDPOINT\"); fi\n\
         # Like `aws dynamodb wait table-exists`, without its 20-second first pause.\n\
         wait_active() {\n\
         \x20 until [ \"$(aws dynamodb describe-table \"${endpoint[@]}\" --table-name \"$1\" --query Table.TableStatus --output text)\" = ACTIVE ]; do sleep 2; done\n\
         }\n",
    );
    let batches = batch_files(tables);
    for table in tables {
        let d = &table.description;
        let name = quote(table.name());
        s.push_str(&format!("\n# {}\n", table.name().replace('\n', " ")));
        s.push_str(&format!(
            "aws dynamodb create-table \"${{endpoint[@]}}\" --output text --query TableDescription.TableStatus \\\n  --table-name {name} \\\n  --attribute-definitions {} \\\n  --key-schema {}",
            quote(&attribute_definitions(d).to_string()),
            quote(&key_schema(&d["KeySchema"]).to_string()),
        ));
        if table.on_demand() {
            s.push_str(" \\\n  --billing-mode PAY_PER_REQUEST");
        } else {
            s.push_str(&format!(
                " \\\n  --billing-mode PROVISIONED --provisioned-throughput {}",
                quote(&throughput(&d["ProvisionedThroughput"]).to_string())
            ));
        }
        let gsis = global_indexes(table);
        if !gsis.is_empty() {
            s.push_str(&format!(
                " \\\n  --global-secondary-indexes {}",
                quote(&Value::Array(gsis).to_string())
            ));
        }
        let lsis = local_indexes(table);
        if !lsis.is_empty() {
            s.push_str(&format!(
                " \\\n  --local-secondary-indexes {}",
                quote(&Value::Array(lsis).to_string())
            ));
        }
        if let Some(view) = stream_view(table) {
            s.push_str(&format!(
                " \\\n  --stream-specification {}",
                quote(&json!({ "StreamEnabled": true, "StreamViewType": view }).to_string())
            ));
        }
        if let Some(class) = table_class(table) {
            s.push_str(&format!(" \\\n  --table-class {}", quote(class)));
        }
        if d["DeletionProtectionEnabled"].as_bool() == Some(true) {
            s.push_str(" \\\n  --deletion-protection-enabled");
        }
        if !table.tags.is_empty() {
            s.push_str(&format!(
                " \\\n  --tags {}",
                quote(&tags_json(&table.tags).to_string())
            ));
        }
        s.push_str(&format!("\nwait_active {name}\n"));
        if let Some(attribute) = &table.ttl_attribute {
            s.push_str(&format!(
                "aws dynamodb update-time-to-live \"${{endpoint[@]}}\" --output text --query TimeToLiveSpecification.AttributeName --table-name {name} --time-to-live-specification {}\n",
                quote(&json!({ "Enabled": true, "AttributeName": attribute }).to_string())
            ));
        }
        if table.pitr {
            s.push_str(&format!(
                "aws dynamodb update-continuous-backups \"${{endpoint[@]}}\" --output text --query ContinuousBackupsDescription.ContinuousBackupsStatus --table-name {name} --point-in-time-recovery-specification PointInTimeRecoveryEnabled=true\n"
            ));
        }
        let prefix = format!("batches/{}-", file_stem(table.name()));
        for (file, _) in batches.iter().filter(|(f, _)| f.starts_with(&prefix)) {
            s.push_str(&format!(
                "aws dynamodb batch-write-item \"${{endpoint[@]}}\" --output text --query 'length(UnprocessedItems)' --request-items {}\n",
                quote(&format!("file://{file}"))
            ));
        }
    }
    s
}

/// Every file of an export, by relative path: `template.json`, `create-tables.sh`, `items/`, `batches/`.
pub fn files(tables: &[TableExport]) -> Vec<(String, String)> {
    let mut out = vec![
        (
            "template.json".to_string(),
            serde_json::to_string_pretty(&cloudformation(tables)).unwrap_or_default(),
        ),
        ("create-tables.sh".to_string(), cli_script(tables)),
    ];
    out.extend(item_files(tables));
    out.extend(batch_files(tables));
    out
}

#[cfg(not(target_arch = "wasm32"))]
fn sorted_by(list: &Value, key: &str) -> Value {
    let mut list = list.as_array().cloned().unwrap_or_default();
    list.sort_by(|a, b| a[key].to_string().cmp(&b[key].to_string()));
    Value::Array(list)
}

/// What must be equal between two copies of a table for the export to have recreated it: keys,
/// attribute definitions, billing, indexes, stream, class, protection, TTL, PITR, tags and items,
/// each in an order of its own so that listing order does not matter.
#[cfg(not(target_arch = "wasm32"))]
pub fn summary(table: &TableExport) -> Value {
    let d = &table.description;
    let index = |list: Vec<Value>| {
        let mut list: Vec<Value> = list
            .into_iter()
            .map(|mut i| {
                if let Some(attrs) = i["Projection"]["NonKeyAttributes"].as_array_mut() {
                    attrs.sort_by_key(|a| a.to_string());
                }
                i
            })
            .collect();
        list.sort_by_key(|i| i["IndexName"].to_string());
        list
    };
    let mut tags = table.tags.clone();
    tags.sort();
    let mut items: Vec<String> = table
        .items
        .iter()
        .map(|i| canonical(i).to_string())
        .collect();
    items.sort();
    json!({
        "TableName": table.name(),
        "KeySchema": key_schema(&d["KeySchema"]),
        "AttributeDefinitions": sorted_by(&attribute_definitions(d), "AttributeName"),
        "OnDemand": table.on_demand(),
        "ProvisionedThroughput": (!table.on_demand()).then(|| throughput(&d["ProvisionedThroughput"])),
        "GlobalSecondaryIndexes": index(global_indexes(table)),
        "LocalSecondaryIndexes": index(local_indexes(table)),
        "StreamViewType": stream_view(table),
        "TableClass": table_class(table),
        "DeletionProtectionEnabled": d["DeletionProtectionEnabled"].as_bool() == Some(true),
        "TimeToLive": table.ttl_attribute,
        "PointInTimeRecovery": table.pitr,
        "Tags": tags_json(&tags),
        "ItemCount": table.items.len(),
        "Items": items,
    })
}

/// A JSON value with every object's keys sorted, so equal items print equally.
#[cfg(not(target_arch = "wasm32"))]
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), canonical(&map[k])))
                    .collect(),
            )
        }
        Value::Array(list) => Value::Array(list.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// The sandbox `dynaplay-app emit-export` exports and the tests check: both sample designs, with a
/// stream, TTL, point-in-time recovery and a tag on the shop, and beside them a provisioned table
/// with an INCLUDE projection, another table class and enough items for two batches.
#[cfg(not(target_arch = "wasm32"))]
pub fn build_sample(
    call: &mut dyn FnMut(&str, &Value) -> Result<Value, String>,
) -> Result<(), String> {
    for dataset in crate::datasets::DATASETS {
        for (operation, body) in (dataset.build)() {
            call(operation, &body)?;
        }
    }
    call(
        "UpdateTable",
        &json!({ "TableName": "Shop",
                 "StreamSpecification": { "StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES" } }),
    )?;
    call(
        "UpdateTimeToLive",
        &json!({ "TableName": "Shop",
                 "TimeToLiveSpecification": { "Enabled": true, "AttributeName": "expiresAt" } }),
    )?;
    call(
        "UpdateContinuousBackups",
        &json!({ "TableName": "Shop",
                 "PointInTimeRecoverySpecification": { "PointInTimeRecoveryEnabled": true } }),
    )?;
    let shop = call("DescribeTable", &json!({ "TableName": "Shop" }))?;
    call(
        "TagResource",
        &json!({ "ResourceArn": shop["Table"]["TableArn"],
                 "Tags": [{ "Key": "team", "Value": "web shop" }] }),
    )?;
    call(
        "CreateTable",
        &json!({
            "TableName": "AuditEvents",
            "AttributeDefinitions": [
                { "AttributeName": "source", "AttributeType": "S" },
                { "AttributeName": "at", "AttributeType": "N" },
                { "AttributeName": "kind", "AttributeType": "S" }
            ],
            "KeySchema": [
                { "AttributeName": "source", "KeyType": "HASH" },
                { "AttributeName": "at", "KeyType": "RANGE" }
            ],
            "GlobalSecondaryIndexes": [{
                "IndexName": "ByKind",
                "KeySchema": [
                    { "AttributeName": "kind", "KeyType": "HASH" },
                    { "AttributeName": "at", "KeyType": "RANGE" }
                ],
                "Projection": { "ProjectionType": "INCLUDE", "NonKeyAttributes": ["detail"] },
                "ProvisionedThroughput": { "ReadCapacityUnits": 2, "WriteCapacityUnits": 2 }
            }],
            "ProvisionedThroughput": { "ReadCapacityUnits": 5, "WriteCapacityUnits": 3 },
            "TableClass": "STANDARD_INFREQUENT_ACCESS"
        }),
    )?;
    for i in 0..30 {
        call(
            "PutItem",
            &json!({ "TableName": "AuditEvents", "Item": {
                "source": { "S": format!("service-{}", i % 4) },
                "at": { "N": (1_700_000_000 + i * 61).to_string() },
                "kind": { "S": if i % 3 == 0 { "login" } else { "update" } },
                "detail": { "M": { "ok": { "BOOL": i % 5 != 0 }, "tags": { "SS": ["a", "b"] } } }
            } }),
        )?;
    }
    Ok(())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use dynaplay_engine::{clock::ManualClock, Engine};

    fn sample_engine() -> Engine {
        let mut engine = Engine::in_memory(Box::new(ManualClock::new(1_700_000_000_000)));
        build_sample(&mut |op, body| {
            engine
                .call(op, &body.to_string())
                .map_err(|e| format!("{e:?}"))
        })
        .unwrap_or_else(|e| panic!("the sample did not load: {e}"));
        engine
    }

    fn exported(engine: &mut Engine) -> Vec<TableExport> {
        block_on_ready(collect(|op, body| {
            std::future::ready(
                engine
                    .call(op, &body.to_string())
                    .map_err(|e| format!("{e:?}")),
            )
        }))
        .and_then(|r| r)
        .unwrap_or_else(|e| panic!("collect failed: {e}"))
    }

    // Every property the template uses, as the AWS::DynamoDB::Table reference names them.
    const TABLE_PROPERTIES: &[&str] = &[
        "AttributeDefinitions",
        "BillingMode",
        "DeletionProtectionEnabled",
        "GlobalSecondaryIndexes",
        "KeySchema",
        "LocalSecondaryIndexes",
        "PointInTimeRecoverySpecification",
        "ProvisionedThroughput",
        "StreamSpecification",
        "TableClass",
        "TableName",
        "Tags",
        "TimeToLiveSpecification",
    ];

    fn check_key_schema(schema: &Value, defined: &[&str], at: &str) {
        let keys = schema
            .as_array()
            .unwrap_or_else(|| panic!("{at}: KeySchema is not a list"));
        assert!((1..=2).contains(&keys.len()), "{at}: {} keys", keys.len());
        assert_eq!(keys[0]["KeyType"], "HASH", "{at}");
        for k in keys {
            let name = k["AttributeName"].as_str().unwrap_or_default();
            assert!(defined.contains(&name), "{at}: {name} is not defined");
            assert!(matches!(k["KeyType"].as_str(), Some("HASH" | "RANGE")));
            assert_eq!(k.as_object().map(Map::len), Some(2), "{at}: {k}");
        }
    }

    fn check_projection(p: &Value, at: &str) {
        match p["ProjectionType"].as_str() {
            Some("ALL" | "KEYS_ONLY") => assert!(p.get("NonKeyAttributes").is_none(), "{at}"),
            Some("INCLUDE") => assert!(
                p["NonKeyAttributes"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string)),
                "{at}"
            ),
            other => panic!("{at}: ProjectionType {other:?}"),
        }
    }

    fn check_throughput(t: &Value, at: &str) {
        for field in ["ReadCapacityUnits", "WriteCapacityUnits"] {
            assert!(t[field].as_u64().is_some_and(|n| n >= 1), "{at}: {field}");
        }
    }

    // The template is checked against the resource reference: known property names, required
    // properties present, types right, every key attribute defined, provisioned throughput exactly
    // when billing is PROVISIONED, and logical ids CloudFormation accepts.
    #[test]
    fn the_template_is_a_well_formed_cloudformation_template() {
        let mut engine = sample_engine();
        let tables = exported(&mut engine);
        let template = cloudformation(&tables);
        assert_eq!(template["AWSTemplateFormatVersion"], "2010-09-09");
        let resources = template["Resources"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert_eq!(resources.len(), tables.len());
        assert_eq!(resources.len(), 3);
        let mut depends = 0;
        for (id, resource) in &resources {
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
            assert_eq!(resource["Type"], "AWS::DynamoDB::Table");
            if let Some(before) = resource.get("DependsOn") {
                assert!(resources.contains_key(before.as_str().unwrap_or_default()));
                depends += 1;
            }
            let props = resource["Properties"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            for key in props.keys() {
                assert!(TABLE_PROPERTIES.contains(&key.as_str()), "{id}: {key}");
            }
            let defined: Vec<&str> = props["AttributeDefinitions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| {
                    assert!(matches!(a["AttributeType"].as_str(), Some("S" | "N" | "B")));
                    a["AttributeName"].as_str().unwrap_or_default()
                })
                .collect();
            check_key_schema(&props["KeySchema"], &defined, id);
            let provisioned = match props["BillingMode"].as_str() {
                Some("PROVISIONED") => true,
                Some("PAY_PER_REQUEST") => false,
                other => panic!("{id}: BillingMode {other:?}"),
            };
            assert_eq!(props.contains_key("ProvisionedThroughput"), provisioned);
            if provisioned {
                check_throughput(&props["ProvisionedThroughput"], id);
            }
            for g in props
                .get("GlobalSecondaryIndexes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let at = format!("{id}.{}", g["IndexName"]);
                assert!(g["IndexName"].is_string());
                check_key_schema(&g["KeySchema"], &defined, &at);
                check_projection(&g["Projection"], &at);
                assert_eq!(
                    g.get("ProvisionedThroughput").is_some(),
                    provisioned,
                    "{at}"
                );
                if provisioned {
                    check_throughput(&g["ProvisionedThroughput"], &at);
                }
            }
            for l in props
                .get("LocalSecondaryIndexes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let at = format!("{id}.{}", l["IndexName"]);
                check_key_schema(&l["KeySchema"], &defined, &at);
                // An LSI shares the table's partition key.
                assert_eq!(l["KeySchema"][0], props["KeySchema"][0], "{at}");
                check_projection(&l["Projection"], &at);
            }
            if let Some(stream) = props.get("StreamSpecification") {
                assert!(matches!(
                    stream["StreamViewType"].as_str(),
                    Some("KEYS_ONLY" | "NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES")
                ));
            }
            if let Some(ttl) = props.get("TimeToLiveSpecification") {
                assert!(ttl["AttributeName"].is_string() && ttl["Enabled"] == true);
            }
            if let Some(pitr) = props.get("PointInTimeRecoverySpecification") {
                assert_eq!(pitr["PointInTimeRecoveryEnabled"], true);
            }
            for tag in props
                .get("Tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                assert!(tag["Key"].is_string() && tag["Value"].is_string());
            }
        }
        // All three tables have indexes: each after the first waits for the one before.
        assert_eq!(depends, 2);
        let shop = &resources["ShopTable"]["Properties"];
        assert_eq!(
            shop["StreamSpecification"]["StreamViewType"],
            "NEW_AND_OLD_IMAGES"
        );
        assert_eq!(
            shop["TimeToLiveSpecification"]["AttributeName"],
            "expiresAt"
        );
        assert_eq!(
            shop["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
            true
        );
        assert_eq!(
            shop["Tags"],
            json!([{ "Key": "team", "Value": "web shop" }])
        );
        let events = &resources["AuditEventsTable"]["Properties"];
        assert_eq!(
            events["ProvisionedThroughput"],
            json!({ "ReadCapacityUnits": 5, "WriteCapacityUnits": 3 })
        );
        assert_eq!(
            events["GlobalSecondaryIndexes"][0]["Projection"],
            json!({ "ProjectionType": "INCLUDE", "NonKeyAttributes": ["detail"] })
        );
    }

    // Batches hold at most 25 puts, cover every item once, and the script names each file.
    #[test]
    fn items_go_into_batches_of_25_and_the_script_loads_each() {
        let mut engine = sample_engine();
        let tables = exported(&mut engine);
        let batches = batch_files(&tables);
        let script = cli_script(&tables);
        let mut total = 0;
        for (file, text) in &batches {
            let request: Value = serde_json::from_str(text).unwrap_or_default();
            let (table, puts) = request
                .as_object()
                .and_then(|m| m.iter().next())
                .unwrap_or_else(|| panic!("{file} is empty"));
            let puts = puts.as_array().cloned().unwrap_or_default();
            assert!((1..=BATCH_SIZE).contains(&puts.len()), "{file}");
            assert!(file.starts_with(&format!("batches/{table}-")));
            total += puts.len();
            assert!(script.contains(&format!("'file://{file}'")), "{file}");
        }
        let items: usize = tables.iter().map(|t| t.items.len()).sum();
        assert_eq!(total, items);
        assert!(
            batches.len() > tables.len(),
            "some table needs several batches"
        );
        for table in &tables {
            assert!(script.contains(&format!("--table-name '{}'", table.name())));
        }
        assert!(script.contains("update-time-to-live"));
        assert!(script.contains("update-continuous-backups"));
    }

    // The summary is what the clients stage compares: an export collected twice is equal, and a
    // lost item or a changed setting is not.
    #[test]
    fn the_summary_sees_missing_items_and_changed_settings() {
        let mut engine = sample_engine();
        let tables = exported(&mut engine);
        let again = exported(&mut engine);
        let a: Vec<Value> = tables.iter().map(summary).collect();
        let b: Vec<Value> = again.iter().map(summary).collect();
        assert_eq!(a, b);
        let mut fewer = tables[0].clone();
        fewer.items.pop();
        assert_ne!(summary(&fewer), a[0]);
        let mut no_ttl = tables[0].clone();
        no_ttl.ttl_attribute = Some("other".into());
        assert_ne!(summary(&no_ttl), a[0]);
    }

    #[test]
    fn shell_quoting_survives_quotes() {
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(file_stem("a/b c"), "a_b_c");
        let mut taken = Vec::new();
        assert_eq!(logical_id("my-table", &mut taken), "mytableTable");
        assert_eq!(logical_id("my.table", &mut taken), "mytableTable2");
    }
}

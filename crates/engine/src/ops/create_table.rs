//! CreateTable: validates the key schema against the attribute definitions and billing settings
//! in DynamoDB's order, then creates the table (reported as CREATING, usable at once).

use super::shapes::{ATTRIBUTE_DEFINITION, PROVISIONED_THROUGHPUT};
use serde_json::{json, Map, Value};

use super::describe::table_description;
use super::index_spec::{self, name_pairs};
use super::table_settings;
use crate::error::{ApiError, Result};
use crate::index::{Index, IndexKind};
use crate::request::{check, field, Field, Req, Rule, Ty};
use crate::storage::Mutation;
use crate::table::{
    BillingMode, KeyAttribute, KeySchema, Pending, ScalarType, Table, TableDefinition,
    TableSettings,
};
use crate::Engine;

const KEY_SCHEMA_ELEMENT: Ty = Ty::Struct(
    "KeySchemaElement",
    &[
        field(
            "AttributeName",
            Ty::String,
            super::shapes::KEY_ATTRIBUTE_NAME,
        ),
        field(
            "KeyType",
            Ty::String,
            &[Rule::NotNull, Rule::Enum(&["HASH", "RANGE"])],
        ),
    ],
);

const FIELDS: &[Field] = &[
    field(
        "AttributeDefinitions",
        Ty::List(&ATTRIBUTE_DEFINITION),
        &[Rule::NotNull],
    ),
    crate::request::REQUIRED_TABLE_NAME,
    field(
        "BillingMode",
        Ty::String,
        &[Rule::Enum(&["PROVISIONED", "PAY_PER_REQUEST"])],
    ),
    field("ProvisionedThroughput", PROVISIONED_THROUGHPUT, &[]),
    field(
        "KeySchema",
        Ty::List(&KEY_SCHEMA_ELEMENT),
        &[Rule::NotNull, Rule::MinLength(1), Rule::MaxLength(2)],
    ),
    field("DeletionProtectionEnabled", Ty::Boolean, &[]),
    field(
        "StreamSpecification",
        table_settings::STREAM_SPECIFICATION,
        &[],
    ),
    field(
        "TableClass",
        Ty::String,
        &[Rule::Enum(table_settings::TABLE_CLASSES)],
    ),
    field("Tags", Ty::List(&table_settings::TAG), &[]),
    field("SSESpecification", table_settings::SSE_SPECIFICATION, &[]),
    field(
        "LocalSecondaryIndexes",
        Ty::List(&index_spec::LOCAL_SECONDARY_INDEX),
        &[],
    ),
    field(
        "GlobalSecondaryIndexes",
        Ty::List(&index_spec::GLOBAL_SECONDARY_INDEX),
        &[],
    ),
];

/// DynamoDB's upper bound on provisioned units per table.
const MAX_UNITS: i64 = 1_000_000_000_000;

fn invalid(message: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!(
        "One or more parameter values were invalid: {message}"
    ))
}

pub fn run(engine: &mut Engine, request: &Map<String, Value>) -> Result<Value> {
    check(request, FIELDS)?;
    let req = Req(request);
    let name = req.str("TableName").unwrap_or_default().to_string();

    let pay_per_request = req.str("BillingMode") == Some("PAY_PER_REQUEST");
    let throughput = req.object("ProvisionedThroughput");
    let units = |k: &str| throughput.and_then(|t| t.get(k)).and_then(Value::as_i64);
    if pay_per_request {
        if throughput.is_some() {
            return Err(invalid(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
            ));
        }
    } else {
        let (Some(read), Some(write)) = (units("ReadCapacityUnits"), units("WriteCapacityUnits"))
        else {
            return Err(invalid(
                "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
            ));
        };
        if read > MAX_UNITS {
            return Err(ApiError::validation(format!(
                "Given value {read} for ReadCapacityUnits is out of bounds"
            )));
        }
        if write > MAX_UNITS {
            return Err(ApiError::validation(format!(
                "Given value {write} for WriteCapacityUnits is out of bounds"
            )));
        }
    }

    let definitions = name_pairs(req.array("AttributeDefinitions"), "AttributeType");
    let schema = name_pairs(req.array("KeySchema"), "KeyType");
    let defined: Vec<&str> = definitions.iter().map(|d| d.0.as_str()).collect();
    let keys: Vec<&str> = schema.iter().map(|k| k.0.as_str()).collect();

    if keys.len() > defined.len() {
        return Err(ApiError::validation(
            "Invalid KeySchema: Some index key attribute have no definition",
        ));
    }
    if keys.iter().any(|k| !defined.contains(k)) {
        return Err(invalid(format!(
            "Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
            keys.join(", "),
            defined.join(", ")
        )));
    }
    if keys.len() == 2 && keys[0] == keys[1] {
        return Err(ApiError::validation(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name",
        ));
    }
    if schema.first().map(|k| k.1.as_str()) != Some("HASH") {
        return Err(ApiError::validation(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ));
    }
    if schema.get(1).is_some_and(|k| k.1 != "RANGE") {
        return Err(ApiError::validation(
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type",
        ));
    }
    let has_indexes = req.has("LocalSecondaryIndexes") || req.has("GlobalSecondaryIndexes");
    if !has_indexes && keys.len() != defined.len() {
        return Err(invalid(
            "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
        ));
    }
    let attribute_definitions: Vec<KeyAttribute> = definitions
        .iter()
        .filter_map(|(n, t)| {
            Some(KeyAttribute {
                name: n.clone(),
                ty: ScalarType::parse(t)?,
            })
        })
        .collect();
    let key_attr = |n: &str| attribute_definitions.iter().find(|a| a.name == n).cloned();
    let hash = keys
        .first()
        .and_then(|k| key_attr(k))
        .ok_or_else(|| ApiError::internal("key schema"))?;
    let range = keys.get(1).and_then(|k| key_attr(k));

    let arn = format!(
        "arn:aws:dynamodb:{}:{}:table/{}",
        engine.config.region, engine.config.account_id, name
    );
    let context = index_spec::TableContext {
        arn: &arn,
        hash: &hash.name,
        has_range: range.is_some(),
        definitions: &attribute_definitions,
        pay_per_request,
    };
    let mut seen = Vec::new();
    let mut indexes = Vec::new();
    if let Some(specs) = req.array("LocalSecondaryIndexes") {
        indexes.extend(index_spec::parse_indexes(
            specs,
            IndexKind::Local,
            &context,
            &mut seen,
        )?);
    }
    if let Some(specs) = req.array("GlobalSecondaryIndexes") {
        indexes.extend(index_spec::parse_indexes(
            specs,
            IndexKind::Global,
            &context,
            &mut seen,
        )?);
    }
    if has_indexes {
        index_spec::check_table_wide(&attribute_definitions, &keys, &indexes)?;
    }

    if engine.tables.contains_key(&name) {
        return Err(ApiError::resource_in_use(format!(
            "Table already exists: {name}"
        )));
    }

    let stream = table_settings::stream_request(req.get("StreamSpecification"))?;
    let tags = table_settings::tags(req.array("Tags"))?;
    let now = engine.clock.now_millis();
    let stream_setting = stream.flatten().map(|view| {
        // A table re-created within the millisecond its namesake's stream was made must
        // not reuse that stream's label (and ARN).
        let mut at = now;
        while engine
            .streams
            .by_arn
            .contains_key(&crate::streams::stream_arn(
                &arn,
                &crate::time_format::iso_millis(at),
            ))
        {
            at += 1;
        }
        table_settings::new_stream(view, at)
    });
    let def = TableDefinition {
        table_id: table_id(&name, now),
        arn,
        name: name.clone(),
        key_schema: KeySchema { hash, range },
        attribute_definitions,
        billing_mode: if pay_per_request {
            BillingMode::PayPerRequest
        } else {
            BillingMode::Provisioned
        },
        throughput: if pay_per_request {
            (0, 0)
        } else {
            (
                units("ReadCapacityUnits").unwrap_or(0),
                units("WriteCapacityUnits").unwrap_or(0),
            )
        },
        created_millis: now,
        deletion_protection: req.bool("DeletionProtectionEnabled").unwrap_or(false),
        settings: TableSettings {
            pending: Some(Pending::new(
                "CREATING",
                now,
                engine.config.lifecycle_millis,
            )),
            last_pay_per_request_millis: pay_per_request.then_some(now),
            table_class: req.str("TableClass").map(str::to_string),
            tags,
            stream: stream_setting,
            ..TableSettings::default()
        },
    };
    let mut table = Table::new(def);
    table.indexes = indexes.into_iter().map(Index::new).collect();
    engine
        .storage
        .commit(&[Mutation::PutTable {
            table: name.clone(),
            definition: table.definition_json().to_string(),
        }])
        .map_err(|e| ApiError::internal(format!("The table could not be created durably: {e}")))?;
    let description = table_description(&table, now, Some("CREATING"));
    engine.tables.insert(name, table);
    Ok(json!({ "TableDescription": description }))
}

/// A UUID-shaped table id, derived from the name and creation time so runs are reproducible.
pub(super) fn table_id(name: &str, now: i64) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in name.bytes().chain(now.to_le_bytes()) {
        h ^= b as u128;
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    let hex = format!("{h:032x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

//! Reading a request the way DynamoDB's front end does, in its order: the body must be a JSON
//! object; every known member must have the right JSON type (else SerializationException); then
//! the declared constraints are checked together and reported as one "N validation errors
//! detected" message. Each operation declares its members as data ([`Field`]) and then runs its
//! own semantic checks.

use serde_json::{Map, Value};

use crate::error::{constraint_errors, ApiError, Result};

/// Parses the body text into a JSON object; anything else is a SerializationException.
pub fn parse_body(body: &str) -> Result<Map<String, Value>> {
    // DynamoDB's front end refuses an empty body outright, as it does a body that is not JSON.
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::serialization(Some(
            "Start of structure or map found where not expected".into(),
        ))),
        Err(_) => Err(ApiError::serialization(None)),
    }
}

/// A member's wire type, named as DynamoDB's (Java) model names them.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    String,
    Boolean,
    Integer,
    Long,
    /// A list whose elements have the given type.
    List(&'static Ty),
    /// `Map<String, String>` (ExpressionAttributeNames).
    StringMap,
    /// `Map<String, AttributeValue>` (Item, Key, ExpressionAttributeValues).
    AttributeMap,
    /// A single AttributeValue.
    AttributeValue,
    /// A single AttributeValue as a structure's member (Coral's FieldStruct, as `Value` in
    /// Expected and AttributeUpdates): a scalar there is an "Unexpected field type".
    AttributeValueField,
    /// A structure (class name, members) that is an element of a list or map ("ValueStruct").
    Struct(&'static str, &'static [Field]),
    /// A structure member of a structure ("FieldStruct").
    FieldStruct(&'static str, &'static [Field]),
    /// A map from names to structures (RequestItems, Expected...).
    StructMap(&'static str, &'static Ty),
}

/// A constraint on a member, checked after types and reported in DynamoDB's words.
#[derive(Debug, Clone, Copy)]
pub enum Rule {
    /// Checked before everything else: "The parameter 'X' is required but was not present in the request".
    Required,
    /// The table-name length check that DescribeTable/DeleteTable/CreateTable run first.
    TableNameLength,
    NotNull,
    Min(i64),
    Max(i64),
    MinLength(usize),
    MaxLength(usize),
    /// `[a-zA-Z0-9_.-]+`
    NamePattern,
    Enum(&'static [&'static str]),
}

/// One member of a request structure: its name, type and rules.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub rules: &'static [Rule],
}

pub const fn field(name: &'static str, ty: Ty, rules: &'static [Rule]) -> Field {
    Field { name, ty, rules }
}

/// The rules every table name member carries.
pub const TABLE_NAME_RULES: &[Rule] = &[
    Rule::NotNull,
    Rule::NamePattern,
    Rule::MinLength(3),
    Rule::MaxLength(255),
];
/// TableName as the item and query operations declare it.
pub const TABLE_NAME: Field = field("TableName", Ty::String, TABLE_NAME_RULES);
/// TableName as the table-level operations (CreateTable, DescribeTable, UpdateTable, DeleteTable,
/// backups, global tables) declare it: missing is reported first, then the length, then the pattern.
pub const REQUIRED_TABLE_NAME: Field = field(
    "TableName",
    Ty::String,
    &[Rule::Required, Rule::TableNameLength, Rule::NamePattern],
);
pub const RETURN_CONSUMED_CAPACITY: Field = field(
    "ReturnConsumedCapacity",
    Ty::String,
    &[Rule::Enum(&["INDEXES", "TOTAL", "NONE"])],
);
pub const EXPRESSION_ATTRIBUTE_NAMES: Field = field("ExpressionAttributeNames", Ty::StringMap, &[]);
/// How legacy conditions (Expected, QueryFilter, ScanFilter) combine.
pub const CONDITIONAL_OPERATOR: Field = field(
    "ConditionalOperator",
    Ty::String,
    &[Rule::Enum(&["OR", "AND"])],
);
/// The single-item writes' ReturnValues: every write declares all five, in Coral's message order,
/// and each operation then narrows what it accepts.
pub const RETURN_VALUES: Field = field(
    "ReturnValues",
    Ty::String,
    &[Rule::Enum(&[
        "ALL_NEW",
        "UPDATED_OLD",
        "ALL_OLD",
        "NONE",
        "UPDATED_NEW",
    ])],
);
pub const RETURN_ITEM_COLLECTION_METRICS: Field = field(
    "ReturnItemCollectionMetrics",
    Ty::String,
    &[Rule::Enum(&["SIZE", "NONE"])],
);
/// A PartiQL statement's text and its `?` parameters (ExecuteStatement, batches, transactions).
pub const PARTIQL_STATEMENT: Field = field(
    "Statement",
    Ty::String,
    &[Rule::NotNull, Rule::MinLength(1), Rule::MaxLength(8192)],
);
pub const PARTIQL_PARAMETERS: Field = field(
    "Parameters",
    Ty::List(&Ty::AttributeValue),
    &[Rule::MinLength(1)],
);
pub const EXPRESSION_ATTRIBUTE_VALUES: Field =
    field("ExpressionAttributeValues", Ty::AttributeMap, &[]);

/// ComparisonOperator's enum, in the order Coral lists it in messages.
const COMPARISON_OPERATORS: &[&str] = &[
    "IN",
    "NULL",
    "BETWEEN",
    "LT",
    "NOT_CONTAINS",
    "EQ",
    "GT",
    "NOT_NULL",
    "NE",
    "LE",
    "BEGINS_WITH",
    "GE",
    "CONTAINS",
];
const ATTRIBUTE_VALUE_LIST: Field = field("AttributeValueList", Ty::List(&Ty::AttributeValue), &[]);
/// A legacy `Condition` (QueryFilter, ScanFilter): the operator is required.
const CONDITION: Ty = Ty::Struct(
    "Condition",
    &[
        ATTRIBUTE_VALUE_LIST,
        field(
            "ComparisonOperator",
            Ty::String,
            &[Rule::NotNull, Rule::Enum(COMPARISON_OPERATORS)],
        ),
    ],
);
/// KeyConditions' `Condition`: the same members, declared operator first (its type errors come first).
const KEY_CONDITION: Ty = Ty::Struct(
    "Condition",
    &[
        field(
            "ComparisonOperator",
            Ty::String,
            &[Rule::NotNull, Rule::Enum(COMPARISON_OPERATORS)],
        ),
        ATTRIBUTE_VALUE_LIST,
    ],
);
/// Legacy `Expected` (PutItem, UpdateItem, DeleteItem).
pub const EXPECTED: Field = field(
    "Expected",
    Ty::StructMap(
        "ExpectedAttributeValue",
        &Ty::Struct(
            "ExpectedAttributeValue",
            &[
                ATTRIBUTE_VALUE_LIST,
                field(
                    "ComparisonOperator",
                    Ty::String,
                    &[Rule::Enum(COMPARISON_OPERATORS)],
                ),
                field("Exists", Ty::Boolean, &[]),
                field("Value", Ty::AttributeValueField, &[]),
            ],
        ),
    ),
    &[],
);
pub const QUERY_FILTER: Field = field("QueryFilter", Ty::StructMap("Condition", &CONDITION), &[]);
pub const SCAN_FILTER: Field = field("ScanFilter", Ty::StructMap("Condition", &CONDITION), &[]);
pub const KEY_CONDITIONS: Field = field(
    "KeyConditions",
    Ty::StructMap("Condition", &KEY_CONDITION),
    &[],
);
/// Legacy `AttributeUpdates` (UpdateItem).
pub const ATTRIBUTE_UPDATES: Field = field(
    "AttributeUpdates",
    Ty::StructMap(
        "AttributeValueUpdate",
        &Ty::Struct(
            "AttributeValueUpdate",
            &[
                field(
                    "Action",
                    Ty::String,
                    &[Rule::Enum(&["ADD", "PUT", "DELETE"])],
                ),
                field("Value", Ty::AttributeValueField, &[]),
            ],
        ),
    ),
    &[],
);

/// Checks types, then constraints, of `request` against `fields`.
pub fn check(request: &Map<String, Value>, fields: &[Field]) -> Result<()> {
    check_with(request, fields, Vec::new())
}

/// [`check`], with constraint failures the caller worked out itself (a list's length whose
/// value Coral prints as a Java object dump), reported first among the constraint failures.
pub fn check_with(
    request: &Map<String, Value>,
    fields: &[Field],
    leading: Vec<String>,
) -> Result<()> {
    // One pass over what the request holds, matching declared names by string comparison:
    // cheaper than a hashed lookup per declared member, on every request.
    let values = present(request, fields);
    for (f, v) in fields.iter().zip(&values) {
        if let Some(v) = v {
            check_type(v, &f.ty)?;
        }
    }
    for (f, value) in fields.iter().zip(&values) {
        let value = value.filter(|v| !v.is_null());
        for rule in f.rules {
            match rule {
                Rule::Required if value.is_none() => {
                    return Err(ApiError::validation(format!(
                        "The parameter '{}' is required but was not present in the request",
                        f.name
                    )))
                }
                Rule::TableNameLength => {
                    if let Some(len) = value
                        .and_then(Value::as_str)
                        .map(|s| crate::global_tables::unscoped(s).chars().count())
                    {
                        if !(3..=255).contains(&len) {
                            return Err(ApiError::validation(format!(
                                "{} must be at least 3 characters long and at most 255 characters long",
                                f.name
                            )));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let mut failures = leading;
    check_constraints_of(&values, fields, "", &mut failures);
    match constraint_errors(&failures) {
        Some(err) => Err(err),
        None => Ok(()),
    }
}

fn type_error(message: impl Into<String>) -> ApiError {
    ApiError::serialization(Some(message.into()))
}

fn scalar_name(v: &Value) -> &'static str {
    match v {
        Value::Bool(true) => "TRUE_VALUE",
        Value::Bool(false) => "FALSE_VALUE",
        Value::Number(n) if n.is_i64() || n.is_u64() => "NUMBER_VALUE",
        Value::Number(_) => "DECIMAL_VALUE",
        _ => "STRING_VALUE",
    }
}

fn check_type(v: &Value, ty: &Ty) -> Result<()> {
    if v.is_null() {
        return Ok(());
    }
    match ty {
        Ty::String => match v {
            Value::String(_) => Ok(()),
            Value::Array(_) => Err(type_error("Unrecognized collection type class java.lang.String")),
            Value::Object(_) => Err(type_error("Start of structure or map found where not expected")),
            _ => Err(type_error(format!("{} cannot be converted to String", scalar_name(v)))),
        },
        Ty::Boolean => match v {
            Value::Bool(_) => Ok(()),
            Value::String(s) => match s.to_ascii_uppercase().as_str() {
                "TRUE" | "FALSE" | "1" | "0" | "YES" | "NO" => Ok(()),
                _ => Err(type_error("Unexpected token received from parser")),
            },
            Value::Array(_) => Err(type_error("Unrecognized collection type class java.lang.Boolean")),
            Value::Object(_) => Err(type_error("Start of structure or map found where not expected")),
            _ => Err(type_error(format!("{} cannot be converted to Boolean", scalar_name(v)))),
        },
        Ty::Integer | Ty::Long => {
            let name = if matches!(ty, Ty::Integer) { "Integer" } else { "Long" };
            match v {
                Value::Number(_) => Ok(()),
                Value::Array(_) => Err(type_error(format!("Unrecognized collection type class java.lang.{name}"))),
                Value::Object(_) => Err(type_error("Start of structure or map found where not expected")),
                _ => Err(type_error(format!("{} cannot be converted to {name}", scalar_name(v)))),
            }
        }
        Ty::List(inner) => match v {
            Value::Array(items) => items.iter().try_for_each(|i| check_type(i, inner)),
            Value::Object(_) => Err(type_error("Start of structure or map found where not expected")),
            _ => Err(type_error("Unexpected field type")),
        },
        Ty::StringMap => match v {
            Value::Object(m) => m.values().try_for_each(|i| check_type(i, &Ty::String)),
            Value::Array(_) => Err(type_error("Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>")),
            _ => Err(type_error("Unexpected field type")),
        },
        Ty::AttributeMap => match v {
            Value::Object(m) => m.values().try_for_each(check_attribute_value),
            Value::Array(_) => Err(type_error(
                "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>",
            )),
            _ => Err(type_error("Unexpected field type")),
        },
        Ty::AttributeValue => check_attribute_value(v),
        Ty::AttributeValueField => match v {
            Value::Bool(_) | Value::Number(_) | Value::String(_) => {
                Err(type_error("Unexpected field type"))
            }
            _ => check_attribute_value(v),
        },
        Ty::Struct(class, fields) | Ty::FieldStruct(class, fields) => match v {
            Value::Object(m) => {
                for f in fields.iter() {
                    if let Some(child) = m.get(f.name) {
                        check_type(child, &f.ty)?;
                    }
                }
                Ok(())
            }
            Value::Array(_) => Err(type_error(format!(
                "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.{class}"
            ))),
            _ if matches!(ty, Ty::Struct(..)) => Err(type_error("Unexpected value type in payload")),
            _ => Err(type_error("Unexpected field type")),
        },
        Ty::StructMap(class, inner) => match v {
            Value::Object(m) => m.values().try_for_each(|i| check_type(i, inner)),
            Value::Array(_) => Err(type_error(format!(
                "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.{class}>"
            ))),
            _ => Err(type_error("Unexpected field type")),
        },
    }
}

/// The JSON types inside an AttributeValue, checked before any value rule (as Coral does).
fn check_attribute_value(v: &Value) -> Result<()> {
    let m = match v {
        Value::Object(m) => m,
        Value::Array(_) => return Err(type_error(
            "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue",
        )),
        Value::Null => return Ok(()),
        _ => return Err(type_error("Unexpected value type in payload")),
    };
    for (tag, inner) in m {
        if inner.is_null() {
            continue;
        }
        match tag.as_str() {
            "S" | "N" => check_type(inner, &Ty::String)?,
            "B" => check_blob(inner)?,
            "BOOL" | "NULL" => check_type(inner, &Ty::Boolean)?,
            "SS" | "NS" => check_type(inner, &Ty::List(&Ty::String))?,
            "BS" => match inner {
                Value::Array(items) => items.iter().try_for_each(check_blob)?,
                Value::Object(_) => {
                    return Err(type_error(
                        "Start of structure or map found where not expected",
                    ))
                }
                _ => return Err(type_error("Unexpected field type")),
            },
            "L" => match inner {
                Value::Array(items) => items.iter().try_for_each(check_attribute_value)?,
                Value::Object(_) => {
                    return Err(type_error(
                        "Start of structure or map found where not expected",
                    ))
                }
                _ => return Err(type_error("Unexpected field type")),
            },
            "M" => check_type(inner, &Ty::AttributeMap)?,
            _ => {}
        }
    }
    Ok(())
}

fn check_blob(v: &Value) -> Result<()> {
    match v {
        Value::String(s) => {
            if s.len() % 4 != 0 {
                return Err(type_error(format!(
                    "Base64 encoded length is expected a multiple of 4 bytes but found: {}",
                    s.len()
                )));
            }
            Ok(())
        }
        Value::Array(_) => Err(type_error(
            "Unrecognized collection type class java.nio.ByteBuffer",
        )),
        Value::Object(_) => Err(type_error(
            "Start of structure or map found where not expected",
        )),
        _ => Err(type_error(
            "only base-64-encoded strings are convertible to bytes",
        )),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// How Coral prints a member's value in a constraint message.
fn value_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "null".into(),
        Some(Value::String(s)) => format!("'{s}'"),
        Some(Value::Array(a)) => {
            format!(
                "'[{}]'",
                a.iter()
                    .map(|x| value_text(Some(x)).trim_matches('\'').to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Some(other) => format!("'{other}'"),
    }
}

/// Each declared member's value in `object`, in declaration order.
fn present<'a>(object: &'a Map<String, Value>, fields: &[Field]) -> Vec<Option<&'a Value>> {
    let mut values = vec![None; fields.len()];
    for (name, v) in object {
        if let Some(i) = fields.iter().position(|f| f.name == name) {
            values[i] = Some(v);
        }
    }
    values
}

fn check_constraints(
    object: &Map<String, Value>,
    fields: &[Field],
    parent: &str,
    failures: &mut Vec<String>,
) {
    check_constraints_of(&present(object, fields), fields, parent, failures);
}

fn check_constraints_of(
    values: &[Option<&Value>],
    fields: &[Field],
    parent: &str,
    failures: &mut Vec<String>,
) {
    for (f, value) in fields.iter().zip(values) {
        let value = value.filter(|v| !v.is_null());
        // An absent optional member can't fail anything: skip it without building its path
        // (this runs on every request, for every declared member).
        if value.is_none() && !f.rules.iter().any(|r| matches!(r, Rule::NotNull)) {
            continue;
        }
        // The path is written only for a failure or a nested member: most requests have none.
        check_member(
            value,
            f,
            &|| format!("{parent}{}", lower_first(f.name)),
            failures,
        );
    }
}

fn check_member(
    value: Option<&Value>,
    f: &Field,
    path: &dyn Fn() -> String,
    failures: &mut Vec<String>,
) {
    for rule in f.rules {
        if failures.len() >= 10 {
            return;
        }
        let failed = match (rule, value) {
            (Rule::NotNull, None) => Some("Member must not be null".to_string()),
            (_, None) => None,
            (Rule::Min(min), Some(v)) => match v.as_f64() {
                Some(n) if n < *min as f64 => Some(format!(
                    "Member must have value greater than or equal to {min}"
                )),
                _ => None,
            },
            (Rule::Max(max), Some(v)) => match v.as_f64() {
                Some(n) if n > *max as f64 => Some(format!(
                    "Member must have value less than or equal to {max}"
                )),
                _ => None,
            },
            (Rule::MinLength(min), Some(v)) => match length(v) {
                Some(n) if n < *min => Some(format!(
                    "Member must have length greater than or equal to {min}"
                )),
                _ => None,
            },
            (Rule::MaxLength(max), Some(v)) => match length(v) {
                Some(n) if n > *max => Some(format!(
                    "Member must have length less than or equal to {max}"
                )),
                _ => None,
            },
            (Rule::NamePattern, Some(Value::String(s))) => {
                let s = crate::global_tables::unscoped(s);
                if s.is_empty()
                    || !s
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
                {
                    Some(
                        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
                            .to_string(),
                    )
                } else {
                    None
                }
            }
            (Rule::Enum(options), Some(Value::String(s))) => {
                if options.contains(&s.as_str()) {
                    None
                } else {
                    Some(format!(
                        "Member must satisfy enum value set: [{}]",
                        options.join(", ")
                    ))
                }
            }
            _ => None,
        };
        if let Some(message) = failed {
            failures.push(format!(
                "Value {} at '{}' failed to satisfy constraint: {message}",
                value_text(value),
                path()
            ));
        }
    }
    // Recurse into structures, in list order, as Coral does.
    let Some(v) = value else { return };
    match (&f.ty, v) {
        (Ty::FieldStruct(_, children), Value::Object(m)) => {
            check_constraints(m, children, &format!("{}.", path()), failures)
        }
        (Ty::List(inner), Value::Array(items)) => {
            let path = path();
            for (i, item) in items.iter().enumerate() {
                let member = Field {
                    name: "member",
                    ty: **inner,
                    rules: &[],
                };
                if let (Ty::Struct(_, children), Value::Object(m)) = (inner, item) {
                    check_constraints(m, children, &format!("{path}.{}.member.", i + 1), failures);
                } else {
                    check_member(
                        Some(item),
                        &member,
                        &|| format!("{path}.{}.member", i + 1),
                        failures,
                    );
                }
            }
        }
        (Ty::StructMap(_, inner), Value::Object(m)) => {
            let path = path();
            for (key, item) in m {
                if let (Ty::Struct(_, children), Value::Object(s)) = (inner, item) {
                    check_constraints(s, children, &format!("{path}.{key}.member."), failures);
                }
            }
        }
        _ => {}
    }
}

fn length(v: &Value) -> Option<usize> {
    match v {
        Value::String(s) => Some(s.chars().count()),
        Value::Array(a) => Some(a.len()),
        Value::Object(m) => Some(m.len()),
        _ => None,
    }
}

/// Typed access to a request whose types [`check`] has verified.
pub struct Req<'a>(pub &'a Map<String, Value>);

impl<'a> Req<'a> {
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    pub fn str(&self, name: &str) -> Option<&'a str> {
        self.get(name).and_then(Value::as_str)
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => Some(matches!(
                s.to_ascii_uppercase().as_str(),
                "TRUE" | "1" | "YES"
            )),
            _ => None,
        }
    }

    pub fn int(&self, name: &str) -> Option<i64> {
        let v = self.get(name)?;
        v.as_i64().or_else(|| v.as_f64().map(|f| f.floor() as i64))
    }

    pub fn object(&self, name: &str) -> Option<&'a Map<String, Value>> {
        self.get(name).and_then(Value::as_object)
    }

    pub fn array(&self, name: &str) -> Option<&'a Vec<Value>> {
        self.get(name).and_then(Value::as_array)
    }

    /// The structures of a list member (TransactStatements, Statements), each as a `Req`;
    /// empty when the member is absent.
    pub fn members(&self, name: &str) -> Vec<Req<'a>> {
        self.array(name)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .map(Req)
            .collect()
    }
}

//! Request shapes several table operations declare alike (CreateTable, UpdateTable, the index
//! specifications, restores): one declaration each, so their checks and messages can't drift.

use crate::request::{field, Rule, Ty};

/// A key attribute's name (attribute definitions, table and index key schemas): DynamoDB's
/// model (KeySchemaAttributeName) allows 1 to 255 characters, unlike other attribute names.
pub const KEY_ATTRIBUTE_NAME: &[Rule] = &[Rule::NotNull, Rule::MinLength(1), Rule::MaxLength(255)];

pub const ATTRIBUTE_DEFINITION: Ty = Ty::Struct(
    "AttributeDefinition",
    &[
        field("AttributeName", Ty::String, KEY_ATTRIBUTE_NAME),
        field(
            "AttributeType",
            Ty::String,
            &[Rule::NotNull, Rule::Enum(&["B", "N", "S"])],
        ),
    ],
);

pub const PROVISIONED_THROUGHPUT: Ty = Ty::FieldStruct(
    "ProvisionedThroughput",
    &[
        field(
            "WriteCapacityUnits",
            Ty::Long,
            &[Rule::NotNull, Rule::Min(1)],
        ),
        field(
            "ReadCapacityUnits",
            Ty::Long,
            &[Rule::NotNull, Rule::Min(1)],
        ),
    ],
);

/// The rules of an index name wherever one is given.
pub const INDEX_NAME: &[Rule] = &[
    Rule::NotNull,
    Rule::NamePattern,
    Rule::MinLength(3),
    Rule::MaxLength(255),
];

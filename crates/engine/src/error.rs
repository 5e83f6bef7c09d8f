//! DynamoDB errors: every exception the engine raises, with its wire `__type`, HTTP status and
//! message. Operations build errors only through the constructors here, so the texts live in one place.

use serde_json::{json, Map, Value};

use crate::value::Item;

/// The exceptions DynamoDB answers with. The variant name is the exception name on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    ValidationException,
    SerializationException,
    UnknownOperationException,
    ResourceNotFoundException,
    ResourceInUseException,
    ConditionalCheckFailedException,
    LimitExceededException,
    ProvisionedThroughputExceededException,
    ItemCollectionSizeLimitExceededException,
    TransactionConflictException,
    /// PartiQL INSERT of an item whose key is already taken.
    DuplicateItemException,
    /// A transaction that did not commit; the reasons ride on `ApiError::cancellation_reasons`.
    TransactionCanceledException,
    InternalServerError,
    /// Protocol-level: no SigV4 `Authorization` header or query-string auth (raised by the server).
    MissingAuthenticationTokenException,
    AccessDeniedException,
    /// Protocol-level: SigV4 auth present but missing parts (raised by the server).
    IncompleteSignatureException,
    /// Protocol-level: SigV4 auth given both as header and query string (raised by the server).
    InvalidSignatureException,
}

impl ErrorKind {
    /// The exception's short name, as SDKs report it.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::ValidationException => "ValidationException",
            ErrorKind::SerializationException => "SerializationException",
            ErrorKind::UnknownOperationException => "UnknownOperationException",
            ErrorKind::ResourceNotFoundException => "ResourceNotFoundException",
            ErrorKind::ResourceInUseException => "ResourceInUseException",
            ErrorKind::ConditionalCheckFailedException => "ConditionalCheckFailedException",
            ErrorKind::LimitExceededException => "LimitExceededException",
            ErrorKind::ProvisionedThroughputExceededException => {
                "ProvisionedThroughputExceededException"
            }
            ErrorKind::ItemCollectionSizeLimitExceededException => {
                "ItemCollectionSizeLimitExceededException"
            }
            ErrorKind::TransactionConflictException => "TransactionConflictException",
            ErrorKind::DuplicateItemException => "DuplicateItemException",
            ErrorKind::TransactionCanceledException => "TransactionCanceledException",
            ErrorKind::InternalServerError => "InternalServerError",
            ErrorKind::MissingAuthenticationTokenException => "MissingAuthenticationTokenException",
            ErrorKind::AccessDeniedException => "AccessDeniedException",
            ErrorKind::IncompleteSignatureException => "IncompleteSignatureException",
            ErrorKind::InvalidSignatureException => "InvalidSignatureException",
        }
    }

    /// The namespace DynamoDB puts before `#` in `__type`: validation and protocol errors come
    /// from the Coral framework in front of DynamoDB, the rest from the service itself.
    fn namespace(self) -> &'static str {
        match self {
            ErrorKind::ValidationException => "com.amazon.coral.validate",
            ErrorKind::SerializationException
            | ErrorKind::UnknownOperationException
            | ErrorKind::MissingAuthenticationTokenException
            | ErrorKind::AccessDeniedException
            | ErrorKind::IncompleteSignatureException
            | ErrorKind::InvalidSignatureException => "com.amazon.coral.service",
            _ => "com.amazonaws.dynamodb.v20120810",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            ErrorKind::InternalServerError => 500,
            _ => 400,
        }
    }
}

/// One error answer: what DynamoDB would send back for a failed request.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: Option<String>,
    /// The item that failed a condition, when ReturnValuesOnConditionCheckFailure is ALL_OLD.
    pub item: Option<Item>,
    /// TransactionCanceledException's `CancellationReasons`, one per statement or action.
    pub cancellation_reasons: Option<Vec<Value>>,
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: Some(message.into()),
            item: None,
            cancellation_reasons: None,
        }
    }

    /// `ValidationException` with a free-form message.
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ValidationException, message)
    }

    /// The body DynamoDB sends for a body that is not JSON, or a member of the wrong JSON type.
    pub fn serialization(message: Option<String>) -> Self {
        ApiError {
            kind: ErrorKind::SerializationException,
            message,
            item: None,
            cancellation_reasons: None,
        }
    }

    pub fn unknown_operation() -> Self {
        ApiError {
            kind: ErrorKind::UnknownOperationException,
            message: None,
            item: None,
            cancellation_reasons: None,
        }
    }

    pub fn resource_not_found() -> Self {
        Self::new(
            ErrorKind::ResourceNotFoundException,
            msg::RESOURCE_NOT_FOUND,
        )
    }

    pub fn table_not_found(table: &str) -> Self {
        Self::new(
            ErrorKind::ResourceNotFoundException,
            format!("Requested resource not found: Table: {table} not found"),
        )
    }

    pub fn resource_in_use(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::ResourceInUseException, message)
    }

    pub fn conditional_check_failed(item: Option<Item>) -> Self {
        ApiError {
            kind: ErrorKind::ConditionalCheckFailedException,
            message: Some(msg::CONDITIONAL_CHECK_FAILED.to_string()),
            item,
            cancellation_reasons: None,
        }
    }

    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::LimitExceededException, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InternalServerError, message)
    }

    pub fn status(&self) -> u16 {
        self.kind.status()
    }

    /// `namespace#Name`, the value of `__type` on the wire.
    pub fn type_name(&self) -> String {
        format!("{}#{}", self.kind.namespace(), self.kind.name())
    }

    /// The JSON body DynamoDB sends with this error.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("__type".into(), json!(self.type_name()));
        if let Some(message) = &self.message {
            // Coral's serialization and access errors spell the key `Message`; everything else
            // uses `message`.
            let key = if matches!(
                self.kind,
                ErrorKind::SerializationException | ErrorKind::AccessDeniedException
            ) {
                "Message"
            } else {
                "message"
            };
            body.insert(key.into(), json!(message));
        }
        if let Some(item) = &self.item {
            body.insert("Item".into(), crate::value::wire::item_to_json(item));
        }
        if let Some(reasons) = &self.cancellation_reasons {
            body.insert("CancellationReasons".into(), Value::Array(reasons.clone()));
        }
        Value::Object(body)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {}",
            self.kind.name(),
            self.message.as_deref().unwrap_or("")
        )
    }
}

impl std::error::Error for ApiError {}

/// The message catalogue: fixed texts DynamoDB sends, word for word.
pub mod msg {
    pub const RESOURCE_NOT_FOUND: &str = "Requested resource not found";
    pub const CONDITIONAL_CHECK_FAILED: &str = "The conditional request failed";
    pub const ITEM_TOO_LARGE: &str = "Item size has exceeded the maximum allowed size";
    pub const KEY_SCHEMA_MISMATCH: &str = "The provided key element does not match the schema";
}

/// Builds Coral's "N validation errors detected: ..." message from constraint failures, which
/// DynamoDB reports together (up to ten) before any semantic check.
pub fn constraint_errors(failures: &[String]) -> Option<ApiError> {
    if failures.is_empty() {
        return None;
    }
    let shown = &failures[..failures.len().min(10)];
    let noun = if failures.len() == 1 {
        "error"
    } else {
        "errors"
    };
    Some(ApiError::validation(format!(
        "{} validation {noun} detected: {}",
        failures.len(),
        shown.join("; ")
    )))
}

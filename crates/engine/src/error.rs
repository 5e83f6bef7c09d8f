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
    /// A transaction that did not run; `ApiError::cancellation` says why, action by action.
    TransactionCanceledException,
    /// A ClientRequestToken reused with a different request within its 10 minutes.
    IdempotentParameterMismatchException,
    /// PartiQL INSERT of an item whose key is already taken.
    DuplicateItemException,
    InternalServerError,
    /// Protocol-level: no SigV4 `Authorization` header or query-string auth (raised by the server).
    MissingAuthenticationTokenException,
    AccessDeniedException,
    /// Protocol-level: SigV4 auth present but missing parts (raised by the server).
    IncompleteSignatureException,
    /// Protocol-level: SigV4 auth given both as header and query string (raised by the server).
    InvalidSignatureException,
    /// DynamoDB Streams: a shard iterator older than 15 minutes.
    ExpiredIteratorException,
    /// DynamoDB Streams: a position before the oldest record kept (24-hour retention).
    TrimmedDataAccessException,
    TableNotFoundException,
    TableAlreadyExistsException,
    TableInUseException,
    BackupNotFoundException,
    BackupInUseException,
    ContinuousBackupsUnavailableException,
    PointInTimeRecoveryUnavailableException,
    InvalidRestoreTimeException,
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
            ErrorKind::TransactionCanceledException => "TransactionCanceledException",
            ErrorKind::IdempotentParameterMismatchException => {
                "IdempotentParameterMismatchException"
            }
            ErrorKind::DuplicateItemException => "DuplicateItemException",
            ErrorKind::InternalServerError => "InternalServerError",
            ErrorKind::MissingAuthenticationTokenException => "MissingAuthenticationTokenException",
            ErrorKind::AccessDeniedException => "AccessDeniedException",
            ErrorKind::IncompleteSignatureException => "IncompleteSignatureException",
            ErrorKind::InvalidSignatureException => "InvalidSignatureException",
            ErrorKind::ExpiredIteratorException => "ExpiredIteratorException",
            ErrorKind::TrimmedDataAccessException => "TrimmedDataAccessException",
            ErrorKind::TableNotFoundException => "TableNotFoundException",
            ErrorKind::TableAlreadyExistsException => "TableAlreadyExistsException",
            ErrorKind::TableInUseException => "TableInUseException",
            ErrorKind::BackupNotFoundException => "BackupNotFoundException",
            ErrorKind::BackupInUseException => "BackupInUseException",
            ErrorKind::ContinuousBackupsUnavailableException => {
                "ContinuousBackupsUnavailableException"
            }
            ErrorKind::PointInTimeRecoveryUnavailableException => {
                "PointInTimeRecoveryUnavailableException"
            }
            ErrorKind::InvalidRestoreTimeException => "InvalidRestoreTimeException",
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
    /// TransactionCanceledException's `CancellationReasons`, one per action in request order.
    pub cancellation: Option<Vec<CancellationReason>>,
}

/// Why one action of a cancelled transaction did not run (`Code` "None" when it was fine).
#[derive(Debug, Clone, PartialEq)]
pub struct CancellationReason {
    pub code: String,
    pub message: Option<String>,
    /// The item as it was, when the action asked for ALL_OLD on a failed condition.
    pub item: Option<Item>,
}

impl CancellationReason {
    /// An action that would have succeeded.
    pub fn none() -> Self {
        CancellationReason {
            code: "None".into(),
            message: None,
            item: None,
        }
    }

    /// The action's condition was false; `item` rides along with ALL_OLD.
    pub fn condition_failed(item: Option<Item>) -> Self {
        CancellationReason {
            code: "ConditionalCheckFailed".into(),
            message: Some(msg::CONDITIONAL_CHECK_FAILED.to_string()),
            item,
        }
    }

    /// The action would grow an item collection past its size limit.
    pub fn item_collection_size_limit_exceeded() -> Self {
        CancellationReason {
            code: "ItemCollectionSizeLimitExceeded".into(),
            message: Some(msg::ITEM_COLLECTION_SIZE_EXCEEDED.to_string()),
            item: None,
        }
    }

    /// A problem only found while applying the action (an update's operand types, the new
    /// item's size or index keys): the message the single-item operation would have sent.
    pub fn validation(message: impl Into<String>) -> Self {
        CancellationReason {
            code: "ValidationError".into(),
            message: Some(message.into()),
            item: None,
        }
    }

    fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("Code".into(), json!(self.code));
        if let Some(m) = &self.message {
            out.insert("Message".into(), json!(m));
        }
        if let Some(item) = &self.item {
            out.insert("Item".into(), crate::value::wire::item_to_json(item));
        }
        Value::Object(out)
    }
}

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: Some(message.into()),
            item: None,
            cancellation: None,
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
            cancellation: None,
        }
    }

    pub fn unknown_operation() -> Self {
        ApiError {
            kind: ErrorKind::UnknownOperationException,
            message: None,
            item: None,
            cancellation: None,
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
            cancellation: None,
        }
    }

    /// TransactionCanceledException: the message lists every reason's code in request order.
    pub fn transaction_canceled(reasons: Vec<CancellationReason>) -> Self {
        let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
        ApiError {
            kind: ErrorKind::TransactionCanceledException,
            message: Some(format!(
                "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                codes.join(", ")
            )),
            item: None,
            cancellation: Some(reasons),
        }
    }

    /// A write that would grow an item collection (tables with LSIs) past its size limit.
    pub fn item_collection_size_limit_exceeded() -> Self {
        Self::new(
            ErrorKind::ItemCollectionSizeLimitExceededException,
            msg::ITEM_COLLECTION_SIZE_EXCEEDED,
        )
    }

    pub fn limit_exceeded(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::LimitExceededException, message)
    }

    /// Backup and point-in-time-recovery operations name a missing table with their own exception.
    pub fn backup_table_not_found(table: &str) -> Self {
        Self::new(
            ErrorKind::TableNotFoundException,
            format!("Table not found: {table}"),
        )
    }

    pub fn table_already_exists(table: &str) -> Self {
        Self::new(
            ErrorKind::TableAlreadyExistsException,
            format!("Table already exists: {table}"),
        )
    }

    pub fn backup_not_found(arn: &str) -> Self {
        Self::new(
            ErrorKind::BackupNotFoundException,
            format!("Backup not found: {arn}"),
        )
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
            // Coral's serialization and access errors spell the key `Message`, and so do the
            // exceptions whose model member is `Message` (TransactionCanceledException, as
            // captured bodies show beside `CancellationReasons`, and
            // IdempotentParameterMismatchException); everything else uses `message`.
            let key = if matches!(
                self.kind,
                ErrorKind::SerializationException
                    | ErrorKind::AccessDeniedException
                    | ErrorKind::TransactionCanceledException
                    | ErrorKind::IdempotentParameterMismatchException
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
        if let Some(reasons) = &self.cancellation {
            body.insert(
                "CancellationReasons".into(),
                reasons.iter().map(CancellationReason::to_json).collect(),
            );
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
    /// TransactWriteItems whose items add up to more than 4 MB (TransactGetItems: the items it
    /// reads). No capture of DynamoDB's text was found; this is the API reference's sentence
    /// for the rule.
    pub const TRANSACTION_TOO_LARGE: &str =
        "The aggregate size of the items in the transaction cannot exceed 4 MB";
    /// ItemCollectionSizeLimitExceededException. The Developer Guide's error list gives
    /// "Collection size exceeded." (it ends every message there with a period, as it does "The
    /// conditional request failed.", which DynamoDB sends without one); no capture was found.
    pub const ITEM_COLLECTION_SIZE_EXCEEDED: &str = "Collection size exceeded";
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

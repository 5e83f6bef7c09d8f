//! PartiQL for DynamoDB: a hand-written lexer and recursive-descent parser for DynamoDB's subset
//! of PartiQL, and `plan`, which turns a parsed statement into the engine's own conditions
//! (`expr::eval::Cond`), update actions (`expr::update::Action`) and keys, so evaluation is
//! shared with the expression API. The operations are in `ops/execute_statement.rs` and friends.

pub mod ast;
pub mod lexer;
pub mod parser;
pub mod plan;

use crate::error::ApiError;

/// DynamoDB's envelope for a statement that does not parse.
pub fn syntax_error(detail: &str) -> ApiError {
    ApiError::validation(format!(
        "Statement wasn't well formed, can't be processed: {detail}"
    ))
}

pub fn validation(message: impl Into<String>) -> ApiError {
    ApiError::validation(message)
}

//! A table: its definition and its items.

use std::collections::BTreeMap;

use crate::error::{ApiError, Result};

pub struct Table {}

impl Table {
    pub fn restore(_definition: &str, _items: &BTreeMap<Vec<u8>, String>) -> Result<Table> {
        Err(ApiError::internal("not yet"))
    }
}

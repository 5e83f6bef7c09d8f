//! What of a DescribeTable answer is still under way (a table being created or updated, a global
//! secondary index being created and backfilled), as steps a progress bar can show. Pure, so the
//! table page and the host tests read DescribeTable the same way.

use serde_json::Value;

/// One piece of long work.
#[derive(Debug, Clone, PartialEq)]
pub struct Work {
    /// What is changing: `Table Orders`, `Index ByStatus`.
    pub label: String,
    /// The step reached, out of `steps`; None when DynamoDB says only that it is under way.
    pub step: Option<u32>,
    pub steps: u32,
    /// The state in DynamoDB's words and what it means.
    pub text: String,
}

/// Everything under way in `table` (DescribeTable's `Table`); empty once all is ACTIVE.
pub fn pending_work(table: &Value) -> Vec<Work> {
    let mut work = Vec::new();
    let name = table["TableName"].as_str().unwrap_or("");
    match table["TableStatus"].as_str() {
        Some("CREATING") => work.push(Work {
            label: format!("Table {name}"),
            step: Some(1),
            steps: 2,
            text: "CREATING: DynamoDB is allocating the table's partitions".into(),
        }),
        Some(status @ ("UPDATING" | "DELETING" | "ARCHIVING")) => work.push(Work {
            label: format!("Table {name}"),
            step: None,
            steps: 2,
            text: format!("{status}: the table still serves reads and writes meanwhile"),
        }),
        _ => {}
    }
    for index in table["GlobalSecondaryIndexes"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let label = format!("Index {}", index["IndexName"].as_str().unwrap_or("?"));
        let backfilling = index["Backfilling"] == true;
        let (step, text) = match index["IndexStatus"].as_str() {
            Some("CREATING") if backfilling => (
                Some(2),
                "CREATING, backfilling: copying the table's items into the index; queries on it wait until it is ACTIVE".to_string(),
            ),
            Some("CREATING") => (
                Some(1),
                "CREATING: the index is being set up; its backfill comes next".to_string(),
            ),
            Some(status @ ("UPDATING" | "DELETING")) => (None, status.to_string()),
            _ => continue,
        };
        work.push(Work {
            label,
            step,
            steps: 3,
            text,
        });
    }
    work
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // An index moves CREATING → CREATING + Backfilling → ACTIVE: steps 1 and 2 of 3, then gone.
    #[test]
    fn an_index_being_created_then_backfilled() {
        let mut table = json!({"TableName": "Orders", "TableStatus": "UPDATING",
            "GlobalSecondaryIndexes": [{"IndexName": "ByStatus", "IndexStatus": "CREATING", "Backfilling": false},
                                       {"IndexName": "Old", "IndexStatus": "ACTIVE"}]});
        let work = pending_work(&table);
        assert_eq!(work.len(), 2);
        assert_eq!(work[0].label, "Table Orders");
        assert_eq!(work[0].step, None);
        assert_eq!(work[1].label, "Index ByStatus");
        assert_eq!((work[1].step, work[1].steps), (Some(1), 3));

        table["GlobalSecondaryIndexes"][0]["Backfilling"] = json!(true);
        let work = pending_work(&table);
        assert_eq!(work[1].step, Some(2));
        assert!(work[1].text.contains("backfilling"));

        table["TableStatus"] = json!("ACTIVE");
        table["GlobalSecondaryIndexes"][0]["IndexStatus"] = json!("ACTIVE");
        assert_eq!(pending_work(&table), Vec::new());
    }

    #[test]
    fn a_table_being_created_and_a_mangled_answer() {
        let work = pending_work(&json!({"TableName": "T", "TableStatus": "CREATING"}));
        assert_eq!(work.len(), 1);
        assert_eq!((work[0].step, work[0].steps), (Some(1), 2));
        assert_eq!(pending_work(&json!(null)), Vec::new());
        assert_eq!(
            pending_work(&json!({"GlobalSecondaryIndexes": "no"})),
            Vec::new()
        );
    }
}

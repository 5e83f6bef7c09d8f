//! The IndexedDB log record (`log_record.rs`): every kind of mutation comes back exactly as it
//! was written, and damaged bytes are an error, never a panic (a panic aborts the page's engine).
#![cfg(target_arch = "wasm32")]

use dynaplay_engine::Mutation;
use dynaplay_wasm::log_record::{decode, encode};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// One mutation of every kind, with text outside ASCII and binary keys holding every byte value
/// the framing could trip on (zero, 0xff, what looks like a length).
fn every_kind() -> Vec<Mutation> {
    let t = || "Música".to_string();
    vec![
        Mutation::PutTable {
            table: t(),
            definition: "{\"a\":1}".into(),
        },
        Mutation::PutItem {
            table: t(),
            key: vec![0, 255, 4, 0, 0, 0],
            item: "{\"é\":\"😀\"}".into(),
        },
        Mutation::PutItem {
            table: t(),
            key: Vec::new(),
            item: String::new(),
        },
        Mutation::DeleteItem {
            table: t(),
            key: vec![1, 2, 3],
        },
        Mutation::PutStream {
            stream: "arn:s".into(),
            definition: "{}".into(),
        },
        Mutation::PutStreamRecord {
            stream: "arn:s".into(),
            sequence: "000000000000000000001".into(),
            record: "{}".into(),
        },
        Mutation::TrimStreamRecords {
            stream: "arn:s".into(),
            through: "000000000000000000001".into(),
        },
        Mutation::DeleteStream {
            stream: "arn:s".into(),
        },
        Mutation::PutBackup {
            arn: "arn:b".into(),
            backup: "{\"items\":[]}".into(),
        },
        Mutation::DeleteBackup {
            arn: "arn:b".into(),
        },
        Mutation::PutContinuousBackups {
            table: t(),
            settings: "{}".into(),
        },
        Mutation::DeleteContinuousBackups { table: t() },
        Mutation::PutChange {
            table: t(),
            seq: u64::MAX,
            change: "{}".into(),
        },
        Mutation::TrimChanges {
            table: t(),
            below_seq: 7,
        },
        Mutation::DeleteTable { table: t() },
        // The global tables simulation's kinds.
        Mutation::PutReplication {
            seq: 3,
            replication: "{\"region\":\"eu-west-1\"}".into(),
        },
        Mutation::DeleteReplication { seq: u64::MAX },
        Mutation::PutReplicaStamp {
            table: "Música@eu-west-1".into(),
            key: vec![0, 255, 1, 0, 0, 0],
            stamp: "{\"at\":1}".into(),
        },
        Mutation::PutConflict {
            seq: 0,
            conflict: "{\"é\":1}".into(),
        },
        Mutation::TrimConflicts { below_seq: 9 },
        Mutation::PutGlobalTables {
            settings: "{\"ReplicationDelayMillis\":0}".into(),
        },
    ]
}

#[wasm_bindgen_test]
fn every_kind_of_mutation_round_trips_in_order() {
    let batch = every_kind();
    assert_eq!(decode(&encode(&batch)), Ok(batch));
    assert_eq!(decode(&encode(&[])), Ok(Vec::new()));
}

// The global tables kinds on their own too, each alone in a record, so a tag or field order
// mixed up between two of them cannot hide behind its neighbours.
#[wasm_bindgen_test]
fn each_global_tables_mutation_round_trips_alone() {
    let global: Vec<Mutation> = every_kind()
        .into_iter()
        .filter(|m| {
            matches!(
                m,
                Mutation::PutReplication { .. }
                    | Mutation::DeleteReplication { .. }
                    | Mutation::PutReplicaStamp { .. }
                    | Mutation::PutConflict { .. }
                    | Mutation::TrimConflicts { .. }
                    | Mutation::PutGlobalTables { .. }
            )
        })
        .collect();
    assert_eq!(global.len(), 6);
    for m in global {
        let one = vec![m];
        assert_eq!(decode(&encode(&one)), Ok(one.clone()));
    }
}

// Every cut of a record short of its end is reported (no cut happens to land on a boundary here
// except after whole mutations, which then decode as the mutations before the cut).
#[wasm_bindgen_test]
fn a_cut_or_damaged_record_is_an_error_not_a_panic() {
    let batch = every_kind();
    let bytes = encode(&batch);
    let mut boundaries = vec![0];
    for i in 1..=batch.len() {
        boundaries.push(encode(&batch[..i]).len());
    }
    for cut in 0..bytes.len() {
        let decoded = decode(&bytes[..cut]);
        if let Some(whole) = boundaries.iter().position(|b| *b == cut) {
            assert_eq!(decoded, Ok(batch[..whole].to_vec()), "cut at {cut}");
        } else {
            assert!(decoded.is_err(), "cut at {cut} decoded as {decoded:?}");
        }
    }
    assert!(decode(&[99]).unwrap_err().contains("unknown entry"));
    // Invalid UTF-8 in a text field.
    let mut bad = encode(&[Mutation::DeleteTable { table: "ab".into() }]);
    let last = bad.len() - 1;
    bad[last] = 0xff;
    assert!(decode(&bad).unwrap_err().contains("not UTF-8"));
}

//! One request of any operation (`Operation\nbody`) against the pre-populated engine.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (op, body) = dynaplay_fuzz::split_request(&text, "PutItem");
    let (mut engine, _clock) = dynaplay_fuzz::fixture();
    dynaplay_fuzz::send(&mut engine, op, body);
    // Whatever the request did, the engine still answers reads of every fixture table.
    for table in ["Accounts", "Music", "Users"] {
        dynaplay_fuzz::send(
            &mut engine,
            "Scan",
            &format!(r#"{{"TableName":"{table}"}}"#),
        );
    }
});

//! A sequence of requests (NUL-separated `Operation\nbody`, `@advance\nMILLIS` moves the clock):
//! what one request leaves behind (indexes, streams, TTL, backups, pending table states) must not
//! make a later one panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// More steps add little coverage and make slow inputs.
const MAX_STEPS: usize = 64;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (mut engine, clock) = dynaplay_fuzz::fixture();
    for step in text.split('\0').take(MAX_STEPS) {
        let (op, body) = dynaplay_fuzz::split_request(step, "PutItem");
        if op == "@advance" {
            // Up to ten years at once: far enough to end every lifecycle, trim every stream and
            // expire every TTL; the clock itself must stay in range.
            let millis = body.trim().parse::<i64>().unwrap_or(0);
            clock.advance(millis.clamp(0, 10 * 365 * 86_400_000));
            continue;
        }
        dynaplay_fuzz::send(&mut engine, op, body);
    }
    engine.sweep_ttl();
    for table in ["Accounts", "Music", "Users"] {
        dynaplay_fuzz::send(
            &mut engine,
            "Scan",
            &format!(r#"{{"TableName":"{table}"}}"#),
        );
    }
});

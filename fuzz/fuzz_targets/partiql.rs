//! PartiQL text: the parser directly, then the same text through ExecuteStatement against the
//! pre-populated engine (planning and execution).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parsed = dynaplay_engine::partiql::parser::parse(&text);
    let (mut engine, _clock) = dynaplay_fuzz::fixture();
    let mut request = json!({ "Statement": text });
    // Statements with `?` get that many parameters, so they reach execution.
    if let Ok(parsed) = &parsed {
        let parameters: Vec<_> = (0..parsed.parameters.min(100))
            .map(|i| {
                if i % 2 == 0 {
                    json!({"S": "Acme"})
                } else {
                    json!({"N": "2005"})
                }
            })
            .collect();
        if !parameters.is_empty() {
            request["Parameters"] = json!(parameters);
        }
    }
    dynaplay_fuzz::send(&mut engine, "ExecuteStatement", &request.to_string());
});

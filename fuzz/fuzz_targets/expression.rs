//! Expression text through the engine's public parsing entry (`expr::Expressions`): the first
//! byte picks condition, filter, key condition, projection or update; the rest is the text. What
//! parses is also evaluated or applied on a sample item, with names and values every kind of
//! placeholder can refer to.
#![no_main]

use std::collections::BTreeMap;

use dynaplay_engine::expr::Expressions;
use dynaplay_engine::value::wire::item_from_json;
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let names: BTreeMap<String, String> = [
        ("#a", "a"),
        ("#pk", "pk"),
        ("#sk", "sk"),
        ("#l", "list"),
        ("#m", "map"),
        ("#dot", "a.b"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let values = item_from_json(&json!({
        ":s": {"S": "x"}, ":n": {"N": "1"}, ":big": {"N": "9.9999999999999999999999999999999999999E+125"},
        ":l": {"L": [{"N": "1"}, {"S": "x"}]}, ":m": {"M": {"k": {"S": "v"}}},
        ":ss": {"SS": ["x", "y"]}, ":ns": {"NS": ["1", "2"]}, ":bs": {"BS": ["AQ=="]},
        ":b": {"B": "AQ=="}, ":t": {"BOOL": true}, ":null": {"NULL": true}
    }))
    .expect("the sample values are valid");
    let item = item_from_json(&json!({
        "pk": {"S": "p"}, "sk": {"N": "5"}, "a": {"N": "3"}, "a.b": {"S": "dotted"},
        "list": {"L": [{"N": "1"}, {"L": [{"S": "deep"}]}, {"M": {"k": {"N": "2"}}}]},
        "map": {"M": {"k": {"S": "v"}, "n": {"M": {"x": {"NS": ["1", "3"]}}}}},
        "ss": {"SS": ["x"]}, "bin": {"B": "AAE="}, "flag": {"BOOL": false}, "nothing": {"NULL": true}
    }))
    .expect("the sample item is valid");
    let mut exprs = Expressions::new(Some(names), Some(values));
    match kind % 5 {
        0 => {
            if let Ok(c) = exprs.condition(&text, "ConditionExpression") {
                c.matches(Some(&item));
                c.matches(None);
            }
        }
        1 => {
            if let Ok(c) = exprs.condition(&text, "FilterExpression") {
                c.matches(Some(&item));
            }
        }
        2 => {
            if let Ok(k) = exprs.key_condition(&text, "pk", Some("sk")) {
                if let (Some(sort), Some(v)) = (&k.sort, item.get("sk")) {
                    sort.matches(v);
                }
            }
            let _ = exprs.key_condition_multi(&text, &["pk", "a"], &["sk", "list"]);
        }
        3 => {
            if let Ok(p) = exprs.projection(&text) {
                p.apply(&item);
            }
        }
        _ => {
            if let Ok(u) = exprs.update(&text) {
                let _ = u.apply(Some(&item));
                let _ = u.apply(None);
                u.updated().apply(&item);
            }
        }
    }
    let _ = exprs.check_unused();
});

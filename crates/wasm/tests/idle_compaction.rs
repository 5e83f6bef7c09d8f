//! The automatic compaction of a sandbox's IndexedDB log (headless Chromium): once the sandbox has
//! had nothing to write for a second, a log over its bound is compacted slice after slice in one
//! run (not one slice per idle second) until it is back within the bound; a write arriving during
//! the run waits for at most the slice under way, ends the run, and the compaction goes on only
//! after the next idle second. Slices are counted by the sandbox's `transactions` (a compaction
//! slice is one transaction), so the assertions rest on what happened, not on a machine's speed,
//! apart from bounds many times wider than the work.
#![cfg(target_arch = "wasm32")]

mod support;

use dynaplay_wasm::sandbox::{open_sandbox, Sandbox};
use support::{call, ok, unique};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// How long the sandbox waits without writes before compacting (`COMPACT_WHEN_IDLE_MILLIS`).
const IDLE_MILLIS: f64 = 1_000.0;

/// A table and `batches` BatchWriteItems of 25 items each, one log record per batch.
async fn fill(db: &Sandbox, batches: usize) {
    ok(
        db,
        "CreateTable",
        serde_json::json!({
            "TableName": "Tab",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    )
    .await;
    for b in 0..batches {
        let requests: Vec<serde_json::Value> = (0..25)
            .map(|i| {
                let n = b * 25 + i;
                serde_json::json!({"PutRequest": {"Item": {
                    "pk": {"S": format!("p{}", n % 7)}, "sk": {"N": n.to_string()},
                    "v": {"S": format!("w{n}")},
                }}})
            })
            .collect();
        ok(
            db,
            "BatchWriteItem",
            serde_json::json!({"RequestItems": {"Tab": requests}}),
        )
        .await;
    }
}

fn export_without_clock(text: &str) -> serde_json::Value {
    let mut doc: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
    doc["clockOffsetMillis"] = serde_json::json!(0);
    doc
}

async fn sleep(millis: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = js_sys::global()
            .unchecked_into::<timer::Global>()
            .set_timeout(&resolve, millis);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

mod timer {
    use wasm_bindgen::prelude::*;
    #[wasm_bindgen]
    extern "C" {
        pub type Global;
        #[wasm_bindgen(method, js_name = setTimeout)]
        pub fn set_timeout(this: &Global, handler: &js_sys::Function, millis: i32) -> f64;
    }
}

/// The commits seen while polling: (time, transactions so far) at each change.
struct Watch {
    commits: Vec<(f64, u32)>,
}

impl Watch {
    /// Polls every few milliseconds until `done` holds (or `limit_millis` pass), noting each
    /// change of the transaction count with the time it was seen.
    async fn until(
        db: &Sandbox,
        limit_millis: f64,
        mut done: impl FnMut(&Sandbox) -> bool,
    ) -> Watch {
        let start = js_sys::Date::now();
        let mut commits = Vec::new();
        let mut last = db.transactions();
        while !done(db) {
            assert!(
                js_sys::Date::now() - start < limit_millis,
                "not done within {limit_millis} ms; {} mutations logged, commits {commits:?}",
                db.logged_mutations()
            );
            sleep(5).await;
            let now = db.transactions();
            if now != last {
                commits.push((js_sys::Date::now(), now));
                last = now;
            }
        }
        Watch { commits }
    }
}

// A log several slices over its bound is compacted in one run after one idle second: every slice
// follows the one before without another idle wait, and the run stops once the log is within the
// bound (the mutations under it stay in the log). A reopen then finds the same sandbox.
#[wasm_bindgen_test]
async fn an_idle_compaction_runs_slice_after_slice_to_the_bound() {
    let name = unique("idle-run");
    let db = open_sandbox(Some(name.clone()), false).await.expect("open");
    fill(&db, 12).await;
    let before = export_without_clock(&db.export_sandbox().await.expect("export"));
    let logged = db.logged_mutations();
    assert!(logged >= 300, "{logged}");
    // Over the bound but not twice over, so only the idle path compacts.
    let slice = 4;
    let bound = logged * 2 / 3;
    db.set_compaction_slice(slice);
    let transactions = db.transactions();
    db.set_log_bound(bound);
    let watch = Watch::until(&db, 60_000.0, |db| db.logged_mutations() <= bound).await;
    // A slice may be counted off the log at its start: wait for its commit.
    db.compact_log(Some(0))
        .await
        .expect("the last slice commits");
    let slices = db.transactions() - transactions;
    // At most `slice` mutations per slice (fewer where a record ends).
    let needed = (logged - bound).div_ceil(slice);
    assert!(
        slices >= needed && needed >= 20,
        "{slices} slices, {needed} needed"
    );
    // One slice per idle second would take `slices - 1` seconds from the first to the last;
    // in one run they follow each other (half a second per 4-mutation slice is far more than
    // a loaded machine needs).
    let first = watch.commits.first().map_or(0.0, |c| c.0);
    let last = watch.commits.last().map_or(0.0, |c| c.0);
    assert!(
        last - first < f64::from(slices - 1) * IDLE_MILLIS / 2.0,
        "{slices} slices took {} ms from the first to the last",
        last - first
    );
    // Stopped at the bound: the log keeps the rest, and stays so while nothing is written.
    let left = db.logged_mutations();
    assert!(
        left <= bound && left + slice > bound,
        "{left} left, bound {bound}"
    );
    sleep(1_500).await;
    assert_eq!(db.logged_mutations(), left);
    assert_eq!(db.transactions() - transactions, slices);
    db.close();
    let again = open_sandbox(Some(name), false).await.expect("reopen");
    assert_eq!(again.logged_mutations(), left);
    assert_eq!(
        export_without_clock(&again.export_sandbox().await.expect("export")),
        before
    );
}

// A write arriving while the idle run is under way waits for at most the slice under way (its
// answer comes after at most two commits: that slice and its own), ends the run with the log
// still over the bound, and the compaction goes on only once the sandbox has again been idle for
// a second; then it finishes in one run, and a reopen finds the write and everything before it.
#[wasm_bindgen_test]
async fn a_write_during_an_idle_compaction_is_answered_and_the_run_resumes_after_an_idle_second() {
    let name = unique("idle-write");
    let db = open_sandbox(Some(name.clone()), false).await.expect("open");
    fill(&db, 12).await;
    let logged = db.logged_mutations();
    // Slices of one mutation: about a hundred, so the write surely lands mid-run.
    let slice = 1;
    let bound = logged * 2 / 3;
    db.set_compaction_slice(slice);
    let start = db.transactions();
    db.set_log_bound(bound);
    // The run has begun once its first slice has committed.
    Watch::until(&db, 30_000.0, |db| db.transactions() > start).await;
    let before_write = db.transactions();
    let over = db.logged_mutations();
    assert!(
        over > bound + 5 * slice,
        "the run is not nearly done when the write comes: {over} logged, bound {bound}"
    );
    let (status, _) = call(
        &db,
        "PutItem",
        serde_json::json!({"TableName": "Tab", "Item": {
            "pk": {"S": "p0"}, "sk": {"N": "0"}, "v": {"S": "again"},
        }}),
    )
    .await;
    let answered = js_sys::Date::now();
    assert_eq!(status, 200);
    let commits = db.transactions() - before_write;
    assert!(
        (1..=2).contains(&commits),
        "the write waited for {commits} commits, its own included"
    );
    // The run stopped: the log (the write's mutation added) is still over the bound.
    let paused = db.logged_mutations();
    assert!(paused > bound, "{paused} logged, bound {bound}");
    let after_write = db.transactions();
    // It resumes (and again goes all the way) once a second has passed without writes.
    let watch = Watch::until(&db, 60_000.0, |db| db.logged_mutations() <= bound).await;
    db.compact_log(Some(0))
        .await
        .expect("the last slice commits");
    let resumed = watch.commits.first().map_or(0.0, |c| c.0);
    assert!(
        resumed - answered >= IDLE_MILLIS - 50.0,
        "the compaction went on {} ms after the write was answered",
        resumed - answered
    );
    let slices = db.transactions() - after_write;
    let last = watch.commits.last().map_or(0.0, |c| c.0);
    assert!(
        slices >= 10 && last - resumed < f64::from(slices - 1) * IDLE_MILLIS / 2.0,
        "{slices} slices took {} ms after the first",
        last - resumed
    );
    let before = export_without_clock(&db.export_sandbox().await.expect("export"));
    db.close();
    let again = open_sandbox(Some(name), false).await.expect("reopen");
    let got = ok(
        &again,
        "GetItem",
        serde_json::json!({"TableName": "Tab", "Key": {"pk": {"S": "p0"}, "sk": {"N": "0"}}}),
    )
    .await;
    assert_eq!(got["Item"]["v"], serde_json::json!({"S": "again"}));
    assert_eq!(
        export_without_clock(&again.export_sandbox().await.expect("export")),
        before
    );
}

// Writes that keep coming less than a second apart hold the compaction off: the idle second
// counts from the last write, not from when the wait began.
#[wasm_bindgen_test]
async fn writes_under_a_second_apart_hold_the_compaction_off() {
    let name = unique("idle-hold");
    let db = open_sandbox(Some(name.clone()), false).await.expect("open");
    fill(&db, 2).await;
    let logged = db.logged_mutations();
    // Far enough from twice the bound that the five writes do not make it compact at once.
    let bound = logged * 2 / 3;
    let start = db.transactions();
    db.set_log_bound(bound);
    // The longest stretch without a write (the wait for idleness begins at `set_log_bound`).
    let mut quiet: f64 = 0.0;
    let mut last = js_sys::Date::now();
    for i in 0..5 {
        sleep(400).await;
        quiet = quiet.max(js_sys::Date::now() - last);
        ok(
            &db,
            "PutItem",
            serde_json::json!({"TableName": "Tab", "Item": {
                "pk": {"S": "hold"}, "sk": {"N": i.to_string()},
            }}),
        )
        .await;
        last = js_sys::Date::now();
    }
    let commits = db.transactions() - start;
    // More than two seconds passed since the bound was set, but never a second without a
    // write. (A machine so loaded that a 400 ms sleep took 900 ms proves nothing either way.)
    if quiet < IDLE_MILLIS - 100.0 {
        assert_eq!(commits, 5, "compacted between writes under a second apart");
    } else {
        console_log!("a stretch of {quiet} ms without writes: the hold is not checked");
    }
    let watch = Watch::until(&db, 30_000.0, |db| db.logged_mutations() <= bound).await;
    if quiet < IDLE_MILLIS - 100.0 {
        let resumed = watch.commits.first().map_or(0.0, |c| c.0);
        assert!(resumed - last >= IDLE_MILLIS - 50.0, "{}", resumed - last);
    }
    db.close();
}

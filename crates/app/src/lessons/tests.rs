//! The lessons' own tests: every file under `web/lessons/` reads, and every lesson's solution (its
//! suggested requests, run in order as a learner would) passes all its checks on a fresh engine.

use std::sync::Arc;

use super::*;
use dynaplay_engine::{clock::ManualClock, Engine};

/// 2026-09-21: after the TTL lesson's expired cart, before its live one.
const START: i64 = 1_790_000_000_000;

/// An engine in memory on a clock the steps move (`advance_clock_millis`), as the page moves
/// the sandbox clock.
struct Sandbox {
    engine: Engine,
    clock: Arc<ManualClock>,
}

fn engine() -> Sandbox {
    let clock = Arc::new(ManualClock::new(START));
    Sandbox {
        engine: Engine::in_memory(Box::new(clock.clone())),
        clock,
    }
}

fn call(sandbox: &mut Sandbox, operation: &str, body: &Value) -> Result<Value, String> {
    call_in(sandbox, None, operation, body).map_err(|(name, _)| name)
}

/// One request, in a region of the global tables simulation when one is given (as the page sends
/// it): the output, or the exception's name and message.
fn call_in(
    sandbox: &mut Sandbox,
    region: Option<&str>,
    operation: &str,
    body: &Value,
) -> Result<Value, (String, Option<String>)> {
    let Some(region) = region else {
        return sandbox
            .engine
            .call(operation, &body.to_string())
            .map_err(|e| (e.kind.name().to_string(), e.message));
    };
    let response = sandbox
        .engine
        .dispatch_in_region(region, operation, &body.to_string());
    let value: Value = serde_json::from_str(&response.body).expect("answers are JSON");
    if response.status == 200 {
        return Ok(value);
    }
    let kind = value["__type"].as_str().unwrap_or_default();
    let name = kind.rsplit('#').next().unwrap_or(kind).to_string();
    let message = value["message"]
        .as_str()
        .or(value["Message"].as_str())
        .map(String::from);
    Err((name, message))
}

/// Runs a lesson's steps the way its text tells a learner to (the edited request where a step
/// asks for an edit, again and again where it says so), asserting each answer is the one the
/// text promises; returns the requests made, newest first.
fn run_steps(engine: &mut Sandbox, lesson: &Lesson, attempts: &mut Vec<Attempt>) {
    let mut previous: Option<Value> = None;
    for (i, step) in lesson.steps.iter().enumerate() {
        if let Some(millis) = step.advance_clock_millis {
            engine.clock.advance(millis as i64);
        }
        let Some(request) = &step.request else {
            continue;
        };
        let (body, missing) = prepare_solution(request, previous.as_ref())
            .unwrap_or_else(|| prepare(request, previous.as_ref()));
        assert_eq!(
            missing, None,
            "{} step {i}: a fill found nothing",
            lesson.id
        );
        let mut last_error = None;
        let mut last_message = None;
        for _ in 0..request.max_runs {
            let answer = call_in(engine, request.region.as_deref(), &request.operation, &body)
                .map_err(|(name, message)| {
                    last_message = message;
                    name
                });
            attempts.insert(
                0,
                Attempt {
                    operation: request.operation.clone(),
                    body: body.clone(),
                    status: if answer.is_ok() { 200 } else { 400 },
                    error: answer.as_ref().err().cloned(),
                    region: request.region.clone(),
                },
            );
            match answer {
                Ok(value) => {
                    last_error = None;
                    previous = Some(value);
                }
                Err(name) => last_error = Some(name),
            }
            if request.repeat_until.is_some() && last_error == request.repeat_until {
                break;
            }
        }
        let expected = request
            .repeat_until
            .clone()
            .or(request.expect_error.clone());
        assert_eq!(
            last_error, expected,
            "{} step {i} ({}): the answer is not what the text says ({last_message:?})",
            lesson.id, request.operation
        );
    }
}

fn judge(engine: &mut Sandbox, lesson: &Lesson, attempts: &[Attempt]) -> Vec<Outcome> {
    let mut snapshot = Snapshot::default();
    for probe in probes(&lesson.checks) {
        let answer = call_in(
            engine,
            probe.region.as_deref(),
            probe.operation,
            &probe.body,
        )
        .map_err(|(name, _)| name);
        snapshot.record(probe, answer);
    }
    evaluate(&lesson.checks, &snapshot, attempts)
}

fn assert_all_pass(lesson: &Lesson, outcomes: &[Outcome]) {
    for (check, outcome) in lesson.checks.iter().zip(outcomes) {
        assert!(
            outcome.passed,
            "{}: check {:?} failed: {}",
            lesson.id, check.label, outcome.detail
        );
    }
}

// Every file in web/lessons is bundled (listed in FILES) and reads without error, and the ids are
// unique: a lesson added to the folder but not to FILES would never reach a learner.
#[test]
fn every_lesson_file_is_bundled_and_valid() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/lessons");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("web/lessons is readable")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .map(|name| name.trim_end_matches(".json").to_string())
        .collect();
    on_disk.sort();
    let mut bundled: Vec<String> = FILES.iter().map(|(id, _)| id.to_string()).collect();
    bundled.sort();
    assert_eq!(on_disk, bundled);
    for (id, _) in FILES {
        let text = std::fs::read_to_string(dir.join(format!("{id}.json"))).expect("readable");
        let lesson = parse(id, &text).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            lesson.steps.iter().any(|s| s.request.is_some()),
            "{id}: no requests"
        );
        for step in &lesson.steps {
            assert!(
                !crate::lesson_text::parse(&step.text).is_empty(),
                "{id}: an empty step"
            );
        }
    }
    assert!(FILES.len() >= 15);
}

// The solution test: each lesson alone on a fresh engine, its requests in order, then every check passes.
#[test]
fn every_lesson_passes_its_own_checks() {
    for lesson in all() {
        let lesson = lesson.unwrap_or_else(|e| panic!("{e}"));
        let mut engine = engine();
        let mut attempts = Vec::new();
        // Before any step, the checks fail: they test something the lesson does.
        let before = judge(&mut engine, &lesson, &attempts);
        assert!(
            before.iter().all(|o| !o.passed),
            "{}: a check passes before the lesson starts",
            lesson.id
        );
        run_steps(&mut engine, &lesson, &mut attempts);
        let after = judge(&mut engine, &lesson, &attempts);
        assert_all_pass(&lesson, &after);
    }
}

// A learner does the lessons one after another in one playground: their tables must not collide,
// and every lesson must still pass with the others' tables and requests around.
#[test]
fn the_lessons_pass_one_after_another_on_one_engine() {
    let mut engine = engine();
    let mut attempts = Vec::new();
    for lesson in all() {
        let lesson = lesson.unwrap_or_else(|e| panic!("{e}"));
        run_steps(&mut engine, &lesson, &mut attempts);
        attempts.truncate(100);
        let outcomes = judge(&mut engine, &lesson, &attempts);
        assert_all_pass(&lesson, &outcomes);
    }
}

fn lesson(id: &str) -> Lesson {
    find(id).expect("bundled").expect("valid")
}

// A wrong attempt fails the right check with the lesson's hint: skipping the edit in
// tables-and-types (running step 4 as loaded) leaves "My Dog Spot" missing.
#[test]
fn a_wrong_attempt_fails_with_its_hint() {
    let lesson = lesson("tables-and-types");
    let mut engine = engine();
    let mut attempts = Vec::new();
    for step in &lesson.steps {
        if let Some(request) = &step.request {
            let answer = call(&mut engine, &request.operation, &request.body);
            attempts.insert(
                0,
                Attempt {
                    operation: request.operation.clone(),
                    body: request.body.clone(),
                    status: if answer.is_ok() { 200 } else { 400 },
                    error: answer.err(),
                    region: None,
                },
            );
        }
    }
    let outcomes = judge(&mut engine, &lesson, &attempts);
    let failed: Vec<&Check> = lesson
        .checks
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| !o.passed)
        .map(|(c, _)| c)
        .collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].hint.contains("My Dog Spot"));
}

// Bad content is a readable error naming the file and the place, never a panic.
#[test]
fn bad_lessons_are_readable_errors() {
    let cases = [
        ("x", "not json", "lesson x: not JSON"),
        ("x", "[]", "lesson x: the file: expected an object"),
        (
            "x",
            r#"{"id":"y","title":"t","summary":"s","steps":[{"text":"a"}],"checks":[]}"#,
            "lesson x: id: is \"y\", but the file is named x.json",
        ),
        (
            "x",
            r#"{"id":"x","title":"t","summary":"s","steps":[{"text":"a"}],"checks":[]}"#,
            "lesson x: checks: must not be empty",
        ),
        (
            "x",
            r#"{"id":"x","title":"t","summary":"s","steps":[{"text":"a","request":{"operation":"GetItem"}}],"checks":[{"check":"partiql_run","hint":"h"}]}"#,
            "lesson x: steps[0]: request: body: missing",
        ),
        (
            "x",
            r#"{"id":"x","title":"t","summary":"s","steps":[{"text":"a"}],"checks":[{"check":"table_exist","hint":"h","table":"T"}]}"#,
            "lesson x: checks[0]: check: unknown kind \"table_exist\"",
        ),
        (
            "x",
            r#"{"id":"x","title":"t","summary":"s","steps":[{"text":"a"}],"checks":[{"check":"item_count","hint":"h","table":"T","atleast":3}]}"#,
            "lesson x: checks[0]: unknown member \"atleast\"",
        ),
        (
            "x",
            r#"{"id":"x","title":"t","summary":"s","steps":[{"text":"a","request":{"operation":"Scan","body":{},"fill":[{"into":"a","from":"/b"}]}}],"checks":[{"check":"partiql_run","hint":"h"}]}"#,
            "lesson x: steps[0]: request: fill: into and from are JSON pointers, starting with '/'",
        ),
    ];
    for (id, text, expected) in cases {
        let error = parse(id, text).expect_err(text);
        assert!(
            error.0.starts_with(expected),
            "{text}: got {:?}, wanted {expected:?}",
            error.0
        );
    }
}

// Subset matching: members may be extra in the request, lists must match element by element.
#[test]
fn contains_is_a_subset_match() {
    let request = json!({ "TableName": "T", "Limit": 2, "Key": { "a": { "S": "x" }, "b": { "N": "1" } }, "L": [1, 2] });
    assert!(contains(&request, &json!({ "Limit": 2 })));
    assert!(contains(&request, &json!({ "Key": { "a": { "S": "x" } } })));
    assert!(!contains(
        &request,
        &json!({ "Key": { "a": { "S": "y" } } })
    ));
    assert!(!contains(&request, &json!({ "L": [1] })));
    assert!(!contains(&request, &json!({ "Missing": 1 })));
}

// A fill copies from the previous answer; without one, the placeholder stays and the learner is told why.
#[test]
fn fills_take_values_from_the_previous_answer() {
    let lesson = lesson("streams");
    let request = lesson.steps[6].request.as_ref().expect("a request");
    let answer = json!({ "StreamDescription": { "StreamArn": "arn:s", "Shards": [{ "ShardId": "shard-1" }] } });
    let (body, missing) = prepare(request, Some(&answer));
    assert_eq!(missing, None);
    assert_eq!(body["StreamArn"], "arn:s");
    assert_eq!(body["ShardId"], "shard-1");
    let (body, missing) = prepare(request, None);
    assert!(missing.is_some());
    assert_eq!(body, request.body);
}

// Progress survives a round trip through its stored text; a lesson once done stays done; anything
// unreadable in storage is a fresh start, not a crash.
#[test]
fn progress_round_trips() {
    let mut progress = Progress::default();
    let ok = |passed| Outcome {
        passed,
        detail: String::new(),
    };
    progress.record("ttl", &[ok(true), ok(false)]);
    assert_eq!(progress.of("ttl").passed, vec![0]);
    assert!(!progress.of("ttl").done);
    progress.record("ttl", &[ok(true), ok(true)]);
    assert!(progress.of("ttl").done);
    progress.record("ttl", &[ok(false), ok(true)]);
    assert!(progress.of("ttl").done);
    let restored = Progress::from_json(&progress.to_json());
    assert_eq!(restored, progress);
    assert_eq!(Progress::from_json("{oops"), Progress::default());
    assert_eq!(
        Progress::from_json(r#"{"version":9,"lessons":{}}"#),
        Progress::default()
    );
}

// The lesson the learner is on is what a share link carries: it survives the stored text, and only
// ids of bundled lessons are kept (a stale or foreign id would open a "no such lesson" page).
#[test]
fn progress_keeps_the_current_lesson_if_it_exists() {
    let mut progress = Progress::default();
    assert!(progress.set_current("ttl"));
    assert_eq!(progress.current.as_deref(), Some("ttl"));
    assert!(!progress.set_current("no-such-lesson"));
    assert_eq!(progress.current.as_deref(), Some("ttl"));
    let restored = Progress::from_json(&progress.to_json());
    assert_eq!(restored.current.as_deref(), Some("ttl"));
    assert_eq!(
        Progress::from_json(r#"{"version":1,"lessons":{},"current":"gone"}"#).current,
        None
    );
    // Stored before `current` existed: no lesson, the rest as before.
    let older =
        Progress::from_json(r#"{"version":1,"lessons":{"ttl":{"passed":[0],"done":false}}}"#);
    assert_eq!((older.current, older.lessons.len()), (None, 1));
}

// "Start over" deletes what the lesson made, and only that: its created and restored tables.
#[test]
fn a_lessons_tables_are_the_ones_it_makes() {
    assert_eq!(
        tables(&lesson("backups-and-pitr")),
        vec!["Ledger", "LedgerCopy", "LedgerNow"]
    );
    assert_eq!(tables(&lesson("writing-items")), vec!["Inventory"]);
    // Deleting them lets the lesson be done again from the start on the same engine.
    let lesson = lesson("writing-items");
    let mut engine = engine();
    let mut attempts = Vec::new();
    run_steps(&mut engine, &lesson, &mut attempts);
    for table in tables(&lesson) {
        call(&mut engine, "DeleteTable", &json!({ "TableName": table })).expect("deleted");
    }
    assert!(judge(&mut engine, &lesson, &[]).iter().all(|o| !o.passed));
    run_steps(&mut engine, &lesson, &mut attempts);
    assert_all_pass(&lesson, &judge(&mut engine, &lesson, &attempts));
}

/// The answers of a lesson's requests, by step index (steps without a request are skipped).
fn answers_by_step(engine: &mut Sandbox, lesson: &Lesson) -> Vec<(usize, Result<Value, String>)> {
    let mut out = Vec::new();
    for (i, step) in lesson.steps.iter().enumerate() {
        if let Some(millis) = step.advance_clock_millis {
            engine.clock.advance(millis as i64);
        }
        if let Some(request) = &step.request {
            let answer = call_in(
                engine,
                request.region.as_deref(),
                &request.operation,
                &request.body,
            )
            .map_err(|(name, _)| name);
            out.push((i, answer));
        }
    }
    out
}

// The global tables lesson shows what its text promises: the replica's ARN is in eu-west-1, the
// write is missing there before the clock moves and present after, the later write (Berlin) wins
// in the home region, and GlobalTables.Describe names eu-west-1 the winner over us-east-1.
#[test]
fn the_global_tables_lesson_shows_replication_and_a_conflict() {
    let lesson = lesson("global-tables");
    let mut engine = engine();
    let answers = answers_by_step(&mut engine, &lesson);
    let at = |step: usize| -> &Value {
        match answers.iter().find(|(i, _)| *i == step) {
            Some((_, Ok(value))) => value,
            other => panic!("step {step}: {other:?}"),
        }
    };
    let arn = at(2)["Table"]["TableArn"].as_str().unwrap_or_default();
    assert!(arn.contains(":eu-west-1:"), "{arn}");
    assert_eq!(at(2)["Table"]["Replicas"][0]["RegionName"], "us-east-1");
    assert!(at(5).get("Item").is_none(), "not replicated yet: {}", at(5));
    assert_eq!(at(7)["Item"]["City"]["S"], "Lisbon");
    assert_eq!(at(12)["Item"]["City"]["S"], "Berlin");
    let conflict = &at(13)["Conflicts"][0];
    assert_eq!(conflict["TableName"], "Profiles");
    assert_eq!(conflict["Winner"]["Region"], "eu-west-1");
    assert_eq!(conflict["Loser"]["Region"], "us-east-1");
    assert_eq!(conflict["Loser"]["Item"]["City"]["S"], "Boston");
    assert_eq!(at(14)["ReplicationDelayMillis"], 1000);
}

// Skipping the clock steps leaves the writes undelivered: the replication and conflict checks
// fail with their hints, while the replica itself is there.
#[test]
fn without_moving_the_clock_nothing_replicates() {
    let lesson = lesson("global-tables");
    let mut engine = engine();
    let mut attempts = Vec::new();
    for step in lesson.steps.iter() {
        if let Some(request) = &step.request {
            let answer = call_in(
                &mut engine,
                request.region.as_deref(),
                &request.operation,
                &request.body,
            );
            attempts.insert(
                0,
                Attempt {
                    operation: request.operation.clone(),
                    body: request.body.clone(),
                    status: if answer.is_ok() { 200 } else { 400 },
                    error: answer.err().map(|(name, _)| name),
                    region: request.region.clone(),
                },
            );
        }
    }
    let outcomes = judge(&mut engine, &lesson, &attempts);
    let passed: Vec<bool> = outcomes.iter().map(|o| o.passed).collect();
    assert_eq!(passed, [true, true, false, false, false], "{outcomes:?}");
    assert!(lesson.checks[2].hint.contains("move the clock"));
}

// "Start over" removes the lesson's replica first (DeleteTable in its region), then the table:
// the home table alone could not be deleted while it has replicas. The lesson then runs again.
#[test]
fn starting_the_global_tables_lesson_over_removes_its_replica_first() {
    let lesson = lesson("global-tables");
    assert_eq!(
        replicas(&lesson),
        vec![("Profiles".to_string(), "eu-west-1".to_string())]
    );
    assert_eq!(tables(&lesson), vec!["Profiles"]);
    let mut engine = engine();
    let mut attempts = Vec::new();
    run_steps(&mut engine, &lesson, &mut attempts);
    let refused = call(
        &mut engine,
        "DeleteTable",
        &json!({ "TableName": "Profiles" }),
    );
    assert_eq!(refused.err().as_deref(), Some("ValidationException"));
    for (table, region) in replicas(&lesson) {
        call_in(
            &mut engine,
            Some(&region),
            "DeleteTable",
            &json!({ "TableName": table }),
        )
        .expect("replica removed");
    }
    for table in tables(&lesson) {
        call(&mut engine, "DeleteTable", &json!({ "TableName": table })).expect("deleted");
    }
    // The engine's conflict log outlives the table, but a conflict from before the table was
    // made again does not count: every check that reads the sandbox fails again.
    let after_reset = judge(&mut engine, &lesson, &[]);
    assert!(after_reset.iter().all(|o| !o.passed), "{after_reset:?}");
    engine.clock.advance(1000);
    call(
        &mut engine,
        "CreateTable",
        &lesson.steps[0].request.as_ref().expect("a request").body,
    )
    .expect("created again");
    let recreated = judge(&mut engine, &lesson, &[]);
    assert!(
        !recreated[4].passed,
        "the old conflict counted: {recreated:?}"
    );
    call(
        &mut engine,
        "DeleteTable",
        &json!({ "TableName": "Profiles" }),
    )
    .expect("deleted");
    run_steps(&mut engine, &lesson, &mut attempts);
    assert_all_pass(&lesson, &judge(&mut engine, &lesson, &attempts));
}

// A region must look like one, a step cannot both send a request and move the clock, and a clock
// step is bounded: readable errors, as for every other mistake in a lesson file.
#[test]
fn region_and_clock_mistakes_are_readable_errors() {
    let cases = [
        (
            r#"{"id":"x","title":"t","summary":"s","steps":[{"text":"a","request":{"operation":"GetItem","body":{},"region":"Ireland"}}],"checks":[{"check":"partiql_run","hint":"h"}]}"#,
            "lesson x: steps[0]: request: region: \"Ireland\" is not a region name",
        ),
        (
            r#"{"id":"x","title":"t","summary":"s","steps":[{"text":"a","request":{"operation":"GetItem","body":{}},"advance_clock_millis":5}],"checks":[{"check":"partiql_run","hint":"h"}]}"#,
            "lesson x: steps[0]: a step has a request or advance_clock_millis, not both",
        ),
        (
            r#"{"id":"x","title":"t","summary":"s","steps":[{"text":"a","advance_clock_millis":0}],"checks":[{"check":"partiql_run","hint":"h"}]}"#,
            "lesson x: steps[0]: advance_clock_millis: expected a whole number from 1 to 86400000",
        ),
        (
            r#"{"id":"x","title":"t","summary":"s","steps":[{"text":"a"}],"checks":[{"check":"replica_exists","hint":"h","table":"T"}]}"#,
            "lesson x: checks[0]: region: missing",
        ),
    ];
    for (text, expected) in cases {
        let error = parse("x", text).expect_err(text);
        assert!(
            error.0.starts_with(expected),
            "{text}: got {:?}, wanted {expected:?}",
            error.0
        );
    }
}

// request_made with a region matches requests sent there; the home region's name also matches
// requests sent to no particular region (the page sends home-region requests that way).
#[test]
fn request_made_looks_at_the_region() {
    let check = |region: &str| CheckKind::RequestMade {
        operation: "GetItem".into(),
        with: None,
        status: Some(200),
        region: Some(region.into()),
    };
    let attempt = |region: Option<&str>| Attempt {
        operation: "GetItem".into(),
        body: json!({}),
        status: 200,
        error: None,
        region: region.map(String::from),
    };
    let judge_one = |kind: CheckKind, attempts: &[Attempt]| {
        let check = Check {
            kind,
            label: String::new(),
            hint: String::new(),
        };
        evaluate(&[check], &Snapshot::default(), attempts)[0].passed
    };
    assert!(judge_one(check("eu-west-1"), &[attempt(Some("eu-west-1"))]));
    assert!(!judge_one(check("eu-west-1"), &[attempt(None)]));
    assert!(judge_one(check("us-east-1"), &[attempt(None)]));
    assert!(!judge_one(
        check("us-east-1"),
        &[attempt(Some("eu-west-1"))]
    ));
}

//! Runs one operation against a fresh in-memory engine: `cargo run --example call -- Op 'json' [Op 'json'...]`.
fn main() {
    let mut engine =
        dynaplay_engine::Engine::in_memory(Box::new(dynaplay_engine::ManualClock::new(0)));
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let r = engine.dispatch(&pair[0], pair.get(1).map(String::as_str).unwrap_or("{}"));
        println!("{} {}", r.status, r.body);
    }
}

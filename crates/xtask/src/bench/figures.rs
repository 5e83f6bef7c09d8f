//! What one `cargo xtask bench` run measured, as plain numbers: each part fills its own struct, and
//! the combined table (`table.rs`) judges the targets from them alone.

/// The systems the server part measures under the same wrk load.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum System {
    Dynaplay,
    Dynalite,
    Moto,
    Nginx,
}

impl System {
    pub fn name(self) -> &'static str {
        match self {
            System::Dynaplay => "Dynaplay",
            System::Dynalite => "dynalite",
            System::Moto => "moto",
            System::Nginx => "nginx ceiling",
        }
    }
}

/// A wrk scenario: its script in `tests/bench/wrk/` and its name in the tables.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("get", "GetItem 1 KB"),
    ("query", "Query, 10 items"),
    ("mix", "80/20 GetItem/PutItem"),
    ("put", "PutItem 1 KB"),
];

/// (wrk threads, connections): one client, then sixteen on the two cores' worth of wrk threads.
pub const CONCURRENCY: &[(u32, u32)] = &[(1, 1), (2, 16)];

/// One wrk run's summary (latencies in microseconds).
#[derive(Clone, Copy, Default, Debug, PartialEq)]
pub struct Load {
    pub requests: u64,
    pub duration_us: u64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub errors: u64,
}

impl Load {
    pub fn rate(&self) -> f64 {
        self.requests as f64 * 1e6 / self.duration_us.max(1) as f64
    }
}

/// What one system gave: a load per (scenario, connections), and its peak memory in bytes.
#[derive(Debug)]
pub struct Measured {
    pub system: System,
    pub loads: Vec<(&'static str, u32, Load)>,
    /// VmHWM after the preload and the read-only runs, and at the end (after the writes).
    pub peak_after_reads: u64,
    pub peak_at_end: u64,
}

impl Measured {
    pub fn load(&self, scenario: &str, connections: u32) -> Option<Load> {
        self.loads
            .iter()
            .find(|(s, c, _)| *s == scenario && *c == connections)
            .map(|(_, _, l)| *l)
    }
}

/// One size of the in-process scaling run (`crates/server/examples/scaling.rs`); latencies in µs.
#[derive(Clone, Debug, PartialEq)]
pub struct Scaling {
    pub items: u64,
    pub load_per_second: f64,
    pub get_p50: f64,
    pub get_p99: f64,
    pub query_p50: f64,
    pub query_p99: f64,
    pub scan_seconds: f64,
    pub scan_us_per_item: f64,
    pub bytes_per_item: f64,
    pub peak_mb: f64,
}

#[derive(Debug, Default)]
pub struct ServerFigures {
    pub measured: Vec<Measured>,
    pub scaling: Vec<Scaling>,
    /// Systems that could not be installed or measured, and why.
    pub failures: Vec<(System, String)>,
}

impl ServerFigures {
    pub fn load(&self, system: System, scenario: &str, connections: u32) -> Option<Load> {
        self.measured
            .iter()
            .find(|m| m.system == system)
            .and_then(|m| m.load(scenario, connections))
    }
}

/// PutItem and GetItem calls per second.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Calls {
    pub put: f64,
    pub get: f64,
}

/// A load: items per second and the seconds it took.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bulk {
    pub rate: f64,
    pub seconds: f64,
}

/// How long the main thread was kept from its event loop while something ran (ms).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Block {
    /// The longest 'longtask' entry (0 when no task passed 50 ms), and how many there were.
    pub longest_task_ms: f64,
    pub long_tasks: u64,
    /// The longest delay of the MessageChannel probe's messages.
    pub longest_lag_ms: f64,
}

impl Block {
    /// The block the verdict judges: the larger of the two measures.
    pub fn longest_ms(&self) -> f64 {
        self.longest_task_ms.max(self.longest_lag_ms)
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Reopen {
    pub items: u64,
    pub raw_items: u64,
    pub seconds: f64,
    pub raw_seconds: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PageLoad {
    /// Gzip -9 bytes of the playground's own files by kind (wasm, js, css, html).
    pub gzip_by_kind: Vec<(String, u64)>,
    /// Navigation start to the console's Run button enabled, cold cache, each try in ms.
    pub console_ms: Vec<f64>,
}

impl PageLoad {
    pub fn gzip_total(&self) -> u64 {
        self.gzip_by_kind.iter().map(|(_, b)| b).sum()
    }

    pub fn console_median(&self) -> Option<f64> {
        let mut times = self.console_ms.clone();
        times.sort_by(f64::total_cmp);
        times.get(times.len() / 2).copied()
    }
}

/// The browser part: `tests/bench/run.mjs`'s JSON plus the native loop it is compared with.
#[derive(Debug, Default, PartialEq)]
pub struct BrowserFigures {
    /// The cargo profile the native loop was built with (the runtime wasm's).
    pub native_profile: String,
    pub native: Option<Calls>,
    /// `MemoryEngine.dispatch` from JavaScript (the target's way), the loop inside wasm, and a
    /// memory sandbox's async `db.dispatch`.
    pub sync: Option<Calls>,
    pub in_wasm: Option<Calls>,
    pub sandbox: Option<Calls>,
    pub bulk_items: u64,
    pub bulk_sandbox: Option<Bulk>,
    /// The raw IndexedDB put with the sandbox's durability hint ("default"), and with "strict".
    pub bulk_raw: Option<Bulk>,
    pub bulk_raw_strict: Option<Bulk>,
    /// The sandbox with 400 BatchWriteItems in flight instead of 64.
    pub bulk_wide: Option<Bulk>,
    /// Then `compactLog()` of that load: its IndexedDB log moved into the rows (s).
    pub wide_compact_seconds: Option<f64>,
    /// During that `compactLog()`: the page's longest main-thread block (ms), the larger of the
    /// longest 'longtask' entry and the longest lag of a MessageChannel probe.
    pub wide_compact_block: Option<Block>,
    /// Reopening the 64-in-flight load (from the log) and the compacted 400 one (from the rows).
    pub reopen: Option<Reopen>,
    pub reopen_compacted: Option<Reopen>,
    pub page: Option<PageLoad>,
    /// What the page reported as odd (calls that did not answer 200, counts that differ).
    pub warnings: Vec<String>,
}

/// One criterion benchmark of `Engine::dispatch` against its JSON floor, medians in ns.
#[derive(Clone, Debug, PartialEq)]
pub struct EngineOp {
    pub name: &'static str,
    pub floor_ns: f64,
    pub dispatch_ns: f64,
}

#[derive(Debug, Default, PartialEq)]
pub struct EngineFigures {
    pub ops: Vec<EngineOp>,
}

impl EngineFigures {
    pub fn op(&self, name: &str) -> Option<&EngineOp> {
        self.ops.iter().find(|o| o.name == name)
    }
}

/// A part's outcome: measured, failed (with why), or not selected by `--only`.
#[derive(Debug)]
pub enum Outcome<T> {
    Measured(T),
    Failed(String),
    NotRun,
}

impl<T> Outcome<T> {
    pub fn figures(&self) -> Option<&T> {
        match self {
            Outcome::Measured(t) => Some(t),
            _ => None,
        }
    }
}

/// Everything one run produced.
#[derive(Debug)]
pub struct Figures {
    pub server: Outcome<ServerFigures>,
    pub browser: Outcome<BrowserFigures>,
    pub engine: Outcome<EngineFigures>,
}

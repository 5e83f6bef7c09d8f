//! The browser's clock as the engine reads it: `Date.now()` read once per engine call.
//!
//! An engine call reads its clock about eight times (settling tables, streams and TTL, admitting
//! capacity, logging the write), and from wasm each read is a crossing into JavaScript: about 5%
//! of a 1 KB PutItem or GetItem. Entries that run one call pin the time for its duration
//! ([`pinned`]); the clocks read it through [`now`]. One reading also gives a whole call one
//! instant, as a DynamoDB request has. The page's wasm is single-threaded and a call never runs
//! inside another, so one pinned time at a time is all there is.

use std::sync::atomic::{AtomicI64, Ordering};

const NOT_PINNED: i64 = i64::MIN;

/// The time of the call under way, or `NOT_PINNED` between calls.
static PINNED: AtomicI64 = AtomicI64::new(NOT_PINNED);

/// Epoch milliseconds: the time of the call under way, else `Date.now()`.
pub fn now() -> i64 {
    match PINNED.load(Ordering::Relaxed) {
        NOT_PINNED => js_sys::Date::now() as i64,
        pinned => pinned,
    }
}

/// Unpins when the call ends, even by unwinding (tests build with unwinding).
struct Unpin;

impl Drop for Unpin {
    fn drop(&mut self) {
        PINNED.store(NOT_PINNED, Ordering::Relaxed);
    }
}

/// Runs `call` with [`now`] fixed at the current time. Inside another pinned call (not expected)
/// the outer time stays.
pub fn pinned<T>(call: impl FnOnce() -> T) -> T {
    if PINNED.load(Ordering::Relaxed) != NOT_PINNED {
        return call();
    }
    PINNED.store(js_sys::Date::now() as i64, Ordering::Relaxed);
    let _unpin = Unpin;
    call()
}

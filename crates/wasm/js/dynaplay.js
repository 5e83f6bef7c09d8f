// The Dynaplay runtime for web pages, an ES module: `open(name)` gives a DynamoDB sandbox persisted in
// IndexedDB (or in memory), with `send`, `dispatch`, the clock, TTL, export/import, and an HTTP handler
// for the AWS SDK for JavaScript v3. It loads the wasm-bindgen output `dynaplay_wasm.js` (the `Sandbox`
// class in crates/wasm/src/sandbox.rs), which xtask builds next to this file; the tab logic and the
// `Database` class are in `database.js`, which the playground shares.
import init, { openSandbox } from './dynaplay_wasm.js';
import { openDatabase } from './database.js';

export { crc32, Database, DYNAMODB, STREAMS } from './database.js';

let loading;

/**
 * Opens a sandbox. With a name it is kept in IndexedDB under that name (a reload finds it again);
 * without one it lives in memory. `options.wasm` overrides where the .wasm file is fetched from;
 * `options.throttling: false` turns ProvisionedThroughputExceededException off; `options.ttlSweep:
 * false` stops the once-a-minute TTL sweep (`sweepTtl()` still works).
 * If IndexedDB is unavailable the sandbox falls back to memory: `db.persistence` is then "memory"
 * and `db.reason` says why.
 *
 * Several tabs may open the same name: one of them (the holder of a Web Lock named after the
 * sandbox) runs the engine, and the others forward every call to it over a BroadcastChannel
 * (`db.role` is "owner" or "follower"). When the owner closes, the lock passes to a follower,
 * which opens the sandbox from IndexedDB (where every answered write already is) and takes over.
 */
export async function open(name, options = {}) {
  loading ??= init(options.wasm ? { module_or_path: options.wasm } : undefined);
  await loading;
  return openDatabase(name, options, openSandbox);
}

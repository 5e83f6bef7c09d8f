// The tab logic of a Dynaplay sandbox, shared by the runtime module (`dynaplay.js`) and the playground
// (which imports it as a wasm-bindgen snippet, so the page loads the engine once, from its own wasm):
// `openDatabase(name, options, openSandbox)` gives a `Database` over the wasm `Sandbox` class, several
// tabs coordinated by a Web Lock and a BroadcastChannel, and an AWS SDK v3 request handler. It imports
// nothing: the opener of the engine is handed in.

const DYNAMODB = 'DynamoDB_20120810';
const STREAMS = 'DynamoDBStreams_20120810';
// DynamoDB sweeps expired items in the background; the sandbox checks once a minute of real time.
const TTL_SWEEP_MILLIS = 60_000;
// How often the owner saves the capacity meters (metrics, hot keys, token buckets) when they
// changed: a reload loses at most this much of them.
const METERS_SAVE_MILLIS = 5_000;
// How long a new tab waits for the tab that owns a sandbox to answer before open() gives up.
const FOLLOWER_TIMEOUT_MILLIS = 15_000;

/**
 * Opens a sandbox. With a name it is kept in IndexedDB under that name (a reload finds it again);
 * without one it lives in memory. `openSandbox(name, throttling)` is the wasm export that opens the
 * engine (`crates/wasm/src/sandbox.rs`): the runtime passes its own, the playground its wasm's.
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
export async function openDatabase(name, options, openSandbox) {
  options ??= {};
  const db = new Database(options, openSandbox);
  if (name && typeof indexedDB === 'undefined') {
    db.reason = 'IndexedDB is not available here; this sandbox lives in memory and a reload empties it';
    await db._own(() => openSandbox(undefined, db._throttling));
  } else if (name && globalThis.navigator?.locks && typeof BroadcastChannel === 'function') {
    await db._share(String(name));
  } else {
    await db._own(() => openSandbox(name || undefined, db._throttling));
  }
  return db;
}

/**
 * Deletes the IndexedDB database `name` (a whole sandbox). Resolves "deleted", or "blocked" when
 * another tab still has it open: the browser then deletes it once that tab lets go.
 */
export function deleteDatabase(name) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve('deleted');
    request.onerror = () => reject(request.error);
    request.onblocked = () => resolve('blocked');
  });
}

/** An Error as it crosses the BroadcastChannel (only plain data is cloned). */
function plainError(e) {
  return { name: e?.name ?? 'Error', message: e?.message ?? String(e) };
}

function revive(e) {
  const error = new Error(e.message);
  error.name = e.name;
  return error;
}

/** One sandbox. Every method that changes data resolves only once the change is in IndexedDB. */
class Database {
  #sandbox;
  #timer;
  #metersTimer;
  #channel;
  #pending = new Map();
  #offset = 0;
  #release;
  #openSandbox;
  #queued;
  #closed = false;
  // Test hook (`_dropRepliesForTest`): run forwarded calls but never answer, as a tab that closes
  // between making a write durable and replying would.
  #silent = false;

  constructor(options, openSandbox) {
    this.#openSandbox = openSandbox;
    this._throttling = options.throttling !== false;
    this.role = 'owner';
    this.persistence = 'memory';
    this.reason = undefined;
    if (options.ttlSweep !== false) {
      // Only the owner sweeps; a follower's sandbox is the owner's.
      this.#timer = setInterval(() => {
        if (this.#sandbox) this.sweepTtl().catch(() => {});
      }, TTL_SWEEP_MILLIS);
    }
    // Only the owner has meters to save; a memory sandbox resolves false at once.
    this.#metersTimer = setInterval(() => {
      this.#sandbox?.saveMeters?.().catch(() => {});
    }, METERS_SAVE_MILLIS);
  }

  /** Runs the engine in this tab. */
  async _own(openIt) {
    const sandbox = await openIt();
    this.#sandbox = sandbox;
    this.persistence = sandbox.persistence;
    this.reason ??= sandbox.reason;
    this.role = 'owner';
  }

  /** Joins the tabs sharing sandbox `name`: owner if the lock is free, else a follower. */
  async _share(name) {
    const lockName = `dynaplay:${name}`;
    this.#channel = new BroadcastChannel(lockName);
    this.#channel.onmessage = (event) => this.#receive(event.data);
    // The lock is held until close() or until the page goes (the browser then releases it).
    const holdUntilClosed = () => new Promise((release) => { this.#release = release; });
    const owner = await new Promise((decided) => {
      navigator.locks.request(lockName, { ifAvailable: true }, (lock) => {
        decided(Boolean(lock));
        return lock ? holdUntilClosed() : undefined;
      });
    });
    if (owner) {
      await this.#promote(name);
      return;
    }
    this.role = 'follower';
    this.persistence = 'indexeddb';
    // Queued for the lock: granted when the owner goes, which promotes this tab. close() withdraws
    // it: a closed follower (the playground switched sandboxes) must not take over later.
    this.#queued = new AbortController();
    navigator.locks.request(lockName, { signal: this.#queued.signal }, () => {
      if (this.#closed) return undefined;
      const held = holdUntilClosed();
      this.#promote(name).catch((e) => {
        for (const [id, call] of this.#pending) {
          this.#pending.delete(id);
          call.reject(revive({ name: 'InternalServerError', message: `the sandbox could not be opened here: ${e?.message ?? e}` }));
        }
      });
      return held;
    }).catch(() => {}); // AbortError once close() withdrew the request
    // The owner's clock offset; waiting for it also proves the owner answers (a tab paused in a
    // debugger would not, and open() should say so rather than hang).
    let timer;
    const silent = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(
        `another tab holds sandbox "${name}" but does not answer; close it or reload it`)), FOLLOWER_TIMEOUT_MILLIS);
    });
    try {
      this.#offset = await Promise.race([this.#forward('offset', []), silent]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #promote(name) {
    await this._own(() => this.#openSandbox(name, this._throttling));
    // Anything a follower asked for before it was promoted runs here now, in order, under its id:
    // a write the old owner already made durable is answered from the sandbox's record of it.
    for (const [id, call] of this.#pending) {
      this.#pending.delete(id);
      this.#local(call.method, call.args, id).then(call.resolve, call.reject);
    }
    this.#channel.postMessage({ type: 'owner' });
  }

  /**
   * Calls the engine in this tab. `id` is a forwarded call's: the sandbox runs a write (a dispatch,
   * a clock move, a TTL sweep, an import) with an id at most once, so a call resent after a
   * hand-over gets the first run's answer.
   */
  #local(method, args, id) {
    const s = this.#sandbox;
    switch (method) {
      // args[2], when present, is the simulated region the call is addressed to (global tables).
      case 'dispatch':
        if (id) return args[2] ? s.dispatchOnceInRegion(id, args[2], args[0], args[1]) : s.dispatchOnce(id, args[0], args[1]);
        return args[2] ? s.dispatchInRegion(args[2], args[0], args[1]) : s.dispatch(args[0], args[1]);
      case 'metrics': return Promise.resolve(s.metrics(args[0]) ?? null);
      case 'lifecycleMillis': return Promise.resolve(s.lifecycleMillis());
      case 'setLifecycleMillis': return Promise.resolve(s.setLifecycleMillis(args[0]));
      // The other calls that change the sandbox are at most once per id too (receipts, as above).
      case 'advanceClock': return id ? s.advanceClockOnce(id, args[0]) : s.advanceClock(args[0]);
      case 'sweepTtl': return id ? s.sweepTtlOnce(id) : s.sweepTtl();
      case 'compactLog': return s.compactLog(args[0] ?? undefined);
      case 'exportSandbox': return s.exportSandbox();
      case 'importSandbox': return id ? s.importSandboxOnce(id, args[0]) : s.importSandbox(args[0]);
      case 'offset': return Promise.resolve(s.now() - Date.now());
      default: return Promise.reject(new Error(`unknown method ${method}`));
    }
  }

  /** Runs a call here if this tab owns the sandbox, else in the owner's tab. */
  #call(method, args) {
    return this.#sandbox ? this.#local(method, args) : this.#forward(method, args);
  }

  #forward(method, args) {
    const id = crypto.randomUUID();
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { method, args, resolve, reject });
      this.#channel.postMessage({ type: 'request', id, method, args });
    });
  }

  async #receive(message) {
    if (message.type === 'request' && this.#sandbox) {
      const reply = { type: 'response', id: message.id, offset: this.#sandbox.now() - Date.now() };
      try {
        reply.value = await this.#local(message.method, message.args, message.id);
      } catch (e) {
        reply.error = plainError(e);
      }
      if (!this.#silent) this.#channel?.postMessage(reply);
    } else if (message.type === 'response') {
      const call = this.#pending.get(message.id);
      if (!call) return;
      this.#pending.delete(message.id);
      this.#offset = message.offset;
      if (message.error) call.reject(revive(message.error));
      else call.resolve(message.value);
    } else if (message.type === 'owner' && !this.#sandbox) {
      // A new owner: whatever the old one never answered is asked again, under the same id, so a
      // write the old owner ran (durably) but could not answer is not run a second time.
      for (const [id, call] of this.#pending) {
        this.#channel.postMessage({ type: 'request', id, method: call.method, args: call.args });
      }
    } else if (message.type === 'clock') {
      this.#offset = message.offset;
    }
  }

  /**
   * Moves every write still in the sandbox's IndexedDB log into its rows now, which a sandbox
   * otherwise does by itself once its log is long (nothing to do in memory). It works in slices
   * of at most 1,000 mutations, each its own transaction, returning to the event loop between
   * them: the page stays responsive and requests are served meanwhile. With `slices`, it stops
   * after that many (the rest stays in the log; a reload loses nothing either way).
   */
  compactLog(slices) {
    return this.#call('compactLog', [slices ?? null]);
  }

  /** `target` is the whole X-Amz-Target (DynamoDB or DynamoDBStreams); resolves `{status, body}`. */
  dispatch(target, body = '{}') {
    return this.#call('dispatch', [String(target), typeof body === 'string' ? body : JSON.stringify(body)]);
  }

  /**
   * `dispatch` addressed to a region of the global tables simulation: `dispatchInRegion('eu-west-1',
   * 'DynamoDB_20120810.GetItem', body)` reads the table's replica in eu-west-1. No region (or the
   * home region, us-east-1) is plain `dispatch`. The region travels with a call forwarded to the
   * owner tab.
   */
  dispatchInRegion(region, target, body = '{}') {
    if (region == null || region === '') return this.dispatch(target, body);
    return this.#call('dispatch', [
      String(target), typeof body === 'string' ? body : JSON.stringify(body), String(region),
    ]);
  }

  /**
   * Runs one operation as an SDK's `send` does: `send('PutItem', {...})` resolves with the output
   * object or rejects with an Error whose `name` is the exception name and `message` DynamoDB's
   * message. Streams operations are `send('DynamoDBStreams_20120810.GetRecords', ...)`.
   * `options.region` addresses a region of the global tables simulation (see `dispatchInRegion`).
   */
  async send(operation, input = {}, options = {}) {
    const target = String(operation).includes('.') ? operation : `${DYNAMODB}.${operation}`;
    const { status, body } = await this.dispatchInRegion(options?.region, target, JSON.stringify(input ?? {}));
    // An empty body is HTTP's own refusal: 413 for a request over DynamoDB's 16 MB.
    const output = body ? JSON.parse(body) : status === 413
      ? { __type: 'RequestEntityTooLarge', message: 'Request Entity Too Large' } : {};
    if (status === 200) return output;
    const type = output.__type ?? 'UnknownError';
    const name = type.slice(type.lastIndexOf('#') + 1);
    const error = new Error(output.message ?? output.Message ?? name);
    error.name = name;
    error.$metadata = { httpStatusCode: status };
    if (output.CancellationReasons) error.CancellationReasons = output.CancellationReasons;
    if (output.Item) error.Item = output.Item;
    throw error;
  }

  /** The sandbox clock in epoch milliseconds: real time plus the offset `advanceClock` moved. */
  now() {
    return this.#sandbox ? this.#sandbox.now() : Date.now() + this.#offset;
  }

  /** `now()`, under the name the playground's first `window.dynaplay` had. */
  nowMillis() {
    return this.now();
  }

  /**
   * The playground's capacity metrics of one table (per-minute units, partitions, hot keys) as
   * JSON text, or null for an unknown table. Not DynamoDB API; the owner saves them beside the
   * data every few seconds, so a reload keeps them.
   */
  metrics(table) {
    return this.#call('metrics', [String(table)]);
  }

  /**
   * How long status changes (CREATING, UPDATING, a GSI backfill) take in the owner's engine, in
   * milliseconds (0: instant). Not DynamoDB API; memory only.
   */
  lifecycleMillis() {
    return this.#call('lifecycleMillis', []);
  }

  /** Sets how long status changes take (0: instant). */
  setLifecycleMillis(ms) {
    return this.#call('setLifecycleMillis', [Number(ms)]);
  }

  /** Moves the sandbox clock by `ms` (saved with the sandbox); resolves the new `now()`. */
  async advanceClock(ms) {
    const now = await this.#call('advanceClock', [Number(ms)]);
    this.#offset = now - Date.now();
    this.#channel?.postMessage({ type: 'clock', offset: this.#offset });
    return now;
  }

  /** Deletes every expired TTL item now; resolves how many went. */
  sweepTtl() {
    return this.#call('sweepTtl', []);
  }

  /** The whole sandbox (tables, indexes, items, streams, TTL, backups, clock offset) as one object. */
  async exportSandbox() {
    return JSON.parse(await this.#call('exportSandbox', []));
  }

  /** Replaces the whole sandbox with an export (object or JSON text); an invalid one changes nothing. */
  importSandbox(data) {
    return this.#call('importSandbox', [typeof data === 'string' ? data : JSON.stringify(data)]);
  }

  /**
   * An HttpHandler for the AWS SDK for JavaScript v3: pass it as `requestHandler` to
   * DynamoDBClient or DynamoDBStreamsClient and every request is answered by this sandbox,
   * with the headers DynamoDB sends (x-amzn-requestid, x-amz-crc32).
   */
  requestHandler() {
    return new SandboxHttpHandler(this);
  }

  /** Stops the TTL timer and closes the IndexedDB connection. */
  close() {
    this.#closed = true;
    this.#queued?.abort();
    clearInterval(this.#timer);
    clearInterval(this.#metersTimer);
    this.#sandbox?.close();
    this.#sandbox = undefined;
    this.#channel?.close();
    this.#release?.();
  }

  /** Test hook: the next storage write fails as a full disk would (in the owner's tab only). */
  failNextWrite() {
    this.#sandbox?.failNextWrite();
  }

  /**
   * Test hook: from now on this owner runs forwarded calls (durably) but never answers them, like
   * a tab closed right after a write committed; the hand-over test then closes it.
   */
  _dropRepliesForTest() {
    this.#silent = true;
  }
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32 of the body bytes, as DynamoDB puts in x-amz-crc32 (SDKs may check it). */
export function crc32(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Whether `region` is an AWS-style region name (`eu-west-1`), as the server's SigV4 check reads it. */
function awsRegion(region) {
  return typeof region === 'string' && region.length <= 32 && /^[a-z]+(-[a-z]+)+-[0-9]+$/.test(region);
}

/**
 * The region an SDK request is for: the SigV4 credential scope's (`Credential=AKID/DATE/eu-west-1/
 * dynamodb/aws4_request`), else the default endpoint's host (`dynamodb.eu-west-1.amazonaws.com`).
 * Anything else (an unsigned request, `region: 'local'`) is the home region, as on the server.
 */
function requestRegion(request) {
  const auth = header(request.headers, 'authorization') ?? '';
  const credential = auth.split(/[ ,]/).map((p) => p.trim()).find((p) => p.startsWith('Credential='));
  const scoped = credential?.slice('Credential='.length).split('/')[2];
  if (awsRegion(scoped)) return scoped;
  const host = /^dynamodb\.([a-z0-9-]+)\.amazonaws\.com$/.exec(request.hostname ?? '')?.[1];
  return awsRegion(host) ? host : undefined;
}

function header(headers, name) {
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

async function bodyText(body) {
  if (body == null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array || ArrayBuffer.isView(body)) return new TextDecoder().decode(body);
  if (body instanceof ArrayBuffer) return new TextDecoder().decode(new Uint8Array(body));
  if (typeof body.text === 'function') return body.text();
  return String(body);
}

/** The SDK's HttpHandler interface, answered by the sandbox instead of the network. */
class SandboxHttpHandler {
  #db;
  #config = {};

  constructor(db) {
    this.#db = db;
  }

  async handle(request, { abortSignal } = {}) {
    if (abortSignal?.aborted) {
      const error = new Error('Request aborted');
      error.name = 'AbortError';
      throw error;
    }
    const target = header(request.headers, 'x-amz-target') ?? '';
    // The client's region (new DynamoDBClient({region: 'eu-west-1', ...})) picks the replica.
    const { status, body } = await this.#db.dispatchInRegion(requestRegion(request), target, await bodyText(request.body));
    const bytes = new TextEncoder().encode(body);
    return {
      response: {
        statusCode: status,
        reason: status === 200 ? 'OK' : 'Bad Request',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': String(bytes.length),
          'x-amzn-requestid': crypto.randomUUID?.() ?? String(Math.random()).slice(2),
          'x-amz-crc32': String(crc32(bytes)),
        },
        // The SDK's body collector takes a Uint8Array as it is.
        body: bytes,
      },
    };
  }

  updateHttpClientConfig(key, value) {
    this.#config[key] = value;
  }

  httpHandlerConfigs() {
    return this.#config;
  }

  destroy() {}
}

export { DYNAMODB, STREAMS, Database };

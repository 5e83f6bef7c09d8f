// The Dynaplay runtime for web pages, an ES module: `open(name)` gives a DynamoDB sandbox persisted in
// IndexedDB (or in memory), with `send`, `dispatch`, the clock, TTL, export/import, and an HTTP handler
// for the AWS SDK for JavaScript v3. It wraps the wasm-bindgen output `dynaplay_wasm.js` (the `Sandbox`
// class in crates/wasm/src/sandbox.rs), which xtask builds next to this file.
import init, { openSandbox } from './dynaplay_wasm.js';

const DYNAMODB = 'DynamoDB_20120810';
const STREAMS = 'DynamoDBStreams_20120810';
// DynamoDB sweeps expired items in the background; the sandbox checks once a minute of real time.
const TTL_SWEEP_MILLIS = 60_000;

let loading;

/**
 * Opens a sandbox. With a name it is kept in IndexedDB under that name (a reload finds it again);
 * without one it lives in memory. `options.wasm` overrides where the .wasm file is fetched from;
 * `options.throttling: false` turns ProvisionedThroughputExceededException off; `options.ttlSweep:
 * false` stops the once-a-minute TTL sweep (`sweepTtl()` still works).
 * If IndexedDB is unavailable the sandbox falls back to memory: `db.persistence` is then "memory"
 * and `db.reason` says why.
 */
export async function open(name, options = {}) {
  loading ??= init(options.wasm ? { module_or_path: options.wasm } : undefined);
  await loading;
  const throttling = options.throttling !== false;
  let reason;
  let sandbox;
  if (name && typeof indexedDB === 'undefined') {
    reason = 'IndexedDB is not available here; this sandbox lives in memory and a reload empties it';
    sandbox = await openSandbox(undefined, throttling);
  } else {
    sandbox = await openSandbox(name || undefined, throttling);
    reason = sandbox.reason;
  }
  return new Database(sandbox, reason, options);
}

/** One sandbox. Every method that changes data resolves only once the change is in IndexedDB. */
class Database {
  #sandbox;
  #timer;

  constructor(sandbox, reason, options) {
    this.#sandbox = sandbox;
    this.persistence = sandbox.persistence;
    this.reason = reason;
    if (options.ttlSweep !== false) {
      this.#timer = setInterval(() => this.sweepTtl().catch(() => {}), TTL_SWEEP_MILLIS);
    }
  }

  /** `target` is the whole X-Amz-Target (DynamoDB or DynamoDBStreams); resolves `{status, body}`. */
  dispatch(target, body = '{}') {
    return this.#sandbox.dispatch(String(target), typeof body === 'string' ? body : JSON.stringify(body));
  }

  /**
   * Runs one operation as an SDK's `send` does: `send('PutItem', {...})` resolves with the output
   * object or rejects with an Error whose `name` is the exception name and `message` DynamoDB's
   * message. Streams operations are `send('DynamoDBStreams_20120810.GetRecords', ...)`.
   */
  async send(operation, input = {}) {
    const target = String(operation).includes('.') ? operation : `${DYNAMODB}.${operation}`;
    const { status, body } = await this.dispatch(target, JSON.stringify(input ?? {}));
    const output = JSON.parse(body);
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
    return this.#sandbox.now();
  }

  /** Moves the sandbox clock by `ms` (saved with the sandbox); resolves the new `now()`. */
  advanceClock(ms) {
    return this.#sandbox.advanceClock(Number(ms));
  }

  /** Deletes every expired TTL item now; resolves how many went. */
  sweepTtl() {
    return this.#sandbox.sweepTtl();
  }

  /** The whole sandbox (tables, indexes, items, streams, TTL, backups, clock offset) as one object. */
  async exportSandbox() {
    return JSON.parse(await this.#sandbox.exportSandbox());
  }

  /** Replaces the whole sandbox with an export (object or JSON text); an invalid one changes nothing. */
  importSandbox(data) {
    return this.#sandbox.importSandbox(typeof data === 'string' ? data : JSON.stringify(data));
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
    clearInterval(this.#timer);
    this.#sandbox.close();
  }

  /** Test hook: the next storage write fails as a full disk would. */
  failNextWrite() {
    this.#sandbox.failNextWrite();
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
    const { status, body } = await this.#db.dispatch(target, await bodyText(request.body));
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

export { DYNAMODB, STREAMS };

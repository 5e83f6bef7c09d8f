//! The crossing of an engine call between JavaScript and wasm: the request's text into wasm
//! memory, the `{status, body}` answer out. It is the part of a call that only the page pays (the
//! native engine gets its `&str` and keeps its `String`), so issue 5's "calls in wasm at least
//! half the native rate" is decided here as much as in the engine.
//!
//! wasm-bindgen's own glue is general, and slow for exactly these strings (measured by CPU time in
//! headless Chromium, BENCHMARKS.md sessions 2-4): a `&str` argument costs a `malloc` call into
//! wasm, a copy one character at a time in JavaScript and a `free`; a string result goes through
//! a `TextDecoder` call whose fixed cost is larger than a short answer's whole decode. So a
//! call's text travels through a few lines of inline JS instead:
//! - the target and the body are written into buffers that stay allocated between calls
//!   ([`with_call_texts`]): no allocation and no zeroing per call, one crossing per text. A short
//!   text (up to 256 UTF-16 units, GetItem's request) is copied by a JavaScript loop while it is
//!   ASCII; longer or non-ASCII text by `TextEncoder.encodeInto`, whose fixed cost (a Blink call
//!   and its result object) outweighs the loop below a few hundred characters;
//! - an answer is read out of wasm memory by address and length, a short ASCII one (PutItem's
//!   `{}`) by `String.fromCharCode`, anything else by `TextDecoder`.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

use dynaplay_engine::Response;
use js_sys::JsString;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = "
let memory = null;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
export function use_memory(m) { memory = m; }
export function encode_into(text, ptr, capacity) {
  if (typeof text !== 'string') return -1;
  const units = text.length;
  if (units > capacity) return -2 - units;
  const bytes = new Uint8Array(memory.buffer, ptr, capacity);
  if (units <= 256) {
    let i = 0;
    for (; i < units; i++) { const c = text.charCodeAt(i); if (c > 0x7f) break; bytes[i] = c; }
    if (i === units) return units;
  }
  const done = encoder.encodeInto(text, bytes);
  return done.read === units ? done.written : -2 - 3 * units;
}
export function answer_of(status, ptr, len) {
  const bytes = new Uint8Array(memory.buffer, ptr, len);
  if (len <= 24) {
    let body = '';
    for (let i = 0; i < len; i++) {
      const c = bytes[i];
      if (c > 0x7f) return { status, body: decoder.decode(bytes) };
      body += String.fromCharCode(c);
    }
    return { status, body };
  }
  return { status, body: decoder.decode(bytes) };
}
")]
extern "C" {
    fn use_memory(memory: &JsValue);
    fn encode_into(text: &JsString, ptr: *mut u8, capacity: usize) -> f64;
    fn answer_of(status: u16, ptr: *const u8, len: usize) -> JsValue;
}

/// Whether the inline JS has been given wasm's memory object (once: it never changes, only grows).
static MEMORY_GIVEN: AtomicBool = AtomicBool::new(false);

fn give_memory() {
    if !MEMORY_GIVEN.swap(true, Ordering::Relaxed) {
        use_memory(&wasm_bindgen::memory());
    }
}

/// A buffer larger than this (after a request of megabytes) is not kept for the next call.
const KEPT_BYTES: usize = 1 << 20;

thread_local! {
    /// Room for request bodies' UTF-8, kept between calls. Its bytes stay initialized (zeroed
    /// only when it grows), so the encoder writes into it with no allocation or fill per call.
    static REQUEST: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The same for the call's target (`DynamoDB_20120810.PutItem`).
    static TARGET: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `call` with `text` as Rust text, encoded by the browser into the kept buffer.
/// `encodeInto` writes well-formed UTF-8 (a lone surrogate becomes U+FFFD). A value that is not
/// a string (a page calling `dispatch` by hand) reads as an empty text, which the engine answers
/// as DynamoDB answers text that is not JSON.
pub fn with_text<T>(text: &JsString, call: impl FnOnce(&str) -> T) -> T {
    give_memory();
    REQUEST.with(|kept| match kept.try_borrow_mut() {
        Ok(mut bytes) => call(encode(text, trimmed(&mut bytes))),
        // Only if `call` itself read a text (no entry does): a buffer of its own.
        Err(_) => call(encode(text, &mut Vec::new())),
    })
}

/// [`with_text`] for a call's target and body together.
pub fn with_call_texts<T>(
    target: &JsString,
    body: &JsString,
    call: impl FnOnce(&str, &str) -> T,
) -> T {
    TARGET.with(|kept| match kept.try_borrow_mut() {
        Ok(mut bytes) => {
            let target = encode_in(target, trimmed(&mut bytes));
            with_text(body, |body| call(target, body))
        }
        Err(_) => with_text(body, |body| call(encode_in(target, &mut Vec::new()), body)),
    })
}

fn trimmed(bytes: &mut Vec<u8>) -> &mut Vec<u8> {
    if bytes.len() > KEPT_BYTES {
        *bytes = Vec::new();
    }
    bytes
}

fn encode_in<'a>(text: &JsString, bytes: &'a mut Vec<u8>) -> &'a str {
    give_memory();
    encode(text, bytes)
}

fn encode<'a>(text: &JsString, bytes: &'a mut Vec<u8>) -> &'a str {
    let mut written = encode_into(text, bytes.as_mut_ptr(), bytes.len());
    // Did not fit: the inline JS asks for a byte per UTF-16 code unit (as if ASCII, as request
    // JSON nearly always is), and if that was not enough, for the worst case, 3 per unit.
    for _ in 0..2 {
        if written >= -1.0 {
            break;
        }
        bytes.resize((-written - 2.0) as usize, 0);
        written = encode_into(text, bytes.as_mut_ptr(), bytes.len());
    }
    if written < 0.0 {
        return "";
    }
    let end = (written as usize).min(bytes.len());
    std::str::from_utf8(&bytes[..end]).unwrap_or_default()
}

/// A JavaScript string as an owned `String` (see [`with_text`]), for entries that keep the text
/// past the call (an async sandbox call awaits with it).
pub fn text_of(text: &JsString) -> String {
    with_text(text, str::to_owned)
}

/// The answer as the object a page receives: `{status, body}`, `body` a JavaScript string.
pub fn response_object(response: &Response) -> JsValue {
    give_memory();
    answer_of(response.status, response.body.as_ptr(), response.body.len())
}

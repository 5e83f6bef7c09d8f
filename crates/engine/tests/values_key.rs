//! Key values: the order-preserving binary encoding (byte order equals value order, for single
//! and composite keys), decoding, and key sizes.

use std::cmp::Ordering;

use dynaplay_engine::value::key::{
    key_from_bytes, key_to_bytes, KeyValue, MAX_PARTITION_KEY_SIZE, MAX_SORT_KEY_SIZE,
};
use dynaplay_engine::value::Number;

fn num(text: &str) -> Number {
    Number::parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
}

/// xorshift64*: deterministic, dependency-free randomness for the property tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Random bytes drawn mostly from a tiny alphabet (0x00, 0x01, 0xFF included) so that prefixes,
/// equal values and escape bytes come up often.
fn random_bytes(rng: &mut Rng) -> Vec<u8> {
    let alphabet = [0x00, 0x01, 0x02, 0x7F, 0xFE, 0xFF];
    let len = rng.below(6) as usize;
    (0..len)
        .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
        .collect()
}

fn random_string(rng: &mut Rng) -> String {
    let alphabet = ["", "\0", "a", "b", "é", "😀", "\u{7f}"];
    let len = rng.below(5) as usize;
    (0..len)
        .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
        .collect()
}

fn random_number(rng: &mut Rng) -> Number {
    if rng.below(10) == 0 {
        return Number::zero();
    }
    let max = if rng.below(2) == 0 { 3 } else { 37 };
    let count = rng.below(max);
    let mut digits = String::new();
    for _ in 0..count {
        digits.push(char::from(b'0' + rng.below(10) as u8));
    }
    let sign = if rng.below(2) == 0 { "-" } else { "" };
    // Narrow exponents half the time so equal leading powers are common.
    let exp = if rng.below(2) == 0 {
        rng.below(5) as i64 - 2
    } else {
        rng.below(240) as i64 - 110
    };
    Number::parse(&format!("{sign}1{digits}E{exp}")).unwrap_or_else(|_| Number::zero())
}

fn random_key(rng: &mut Rng) -> KeyValue {
    match rng.below(3) {
        0 => KeyValue::S(random_string(rng)),
        1 => KeyValue::N(random_number(rng)),
        _ => KeyValue::B(random_bytes(rng)),
    }
}

// Byte order of single encodings equals KeyValue order, for every type.
#[test]
fn property_single_values_keep_order() {
    let mut rng = Rng(1);
    for _ in 0..50_000 {
        let (a, b) = (random_key(&mut rng), random_key(&mut rng));
        let (ea, eb) = (key_to_bytes(&[&a]), key_to_bytes(&[&b]));
        assert_eq!(ea.cmp(&eb), a.cmp(&b), "{a:?} vs {b:?}");
    }
}

// Composite keys compare element by element: the encoding is self-delimiting.
#[test]
fn property_composite_keys_keep_order() {
    let mut rng = Rng(2);
    for _ in 0..50_000 {
        let a = [random_key(&mut rng), random_key(&mut rng)];
        let b = if rng.below(2) == 0 {
            [a[0].clone(), random_key(&mut rng)]
        } else {
            [random_key(&mut rng), random_key(&mut rng)]
        };
        let ea = key_to_bytes(&[&a[0], &a[1]]);
        let eb = key_to_bytes(&[&b[0], &b[1]]);
        let expected = a[0].cmp(&b[0]).then_with(|| a[1].cmp(&b[1]));
        assert_eq!(ea.cmp(&eb), expected, "{a:?} vs {b:?}");
    }
}

// Decoding gives back exactly what was encoded.
#[test]
fn property_round_trip() {
    let mut rng = Rng(3);
    for _ in 0..20_000 {
        let keys = [random_key(&mut rng), random_key(&mut rng)];
        let bytes = key_to_bytes(&[&keys[0], &keys[1]]);
        assert_eq!(key_from_bytes(&bytes), Some(keys.to_vec()));
    }
}

// Number encodings order numerically across signs, exponents and digit prefixes.
#[test]
fn number_encoding_examples() {
    let ordered = [
        "-9.9999999999999999999999999999999999999E+125",
        "-100",
        "-99",
        "-1.25",
        "-1.2",
        "-1E-130",
        "0",
        "1E-130",
        "1.2",
        "1.25",
        "99",
        "100",
        "9.9999999999999999999999999999999999999E+125",
    ];
    let encoded: Vec<Vec<u8>> = ordered
        .iter()
        .map(|t| key_to_bytes(&[&KeyValue::N(num(t))]))
        .collect();
    for pair in encoded.windows(2) {
        assert_eq!(pair[0].cmp(&pair[1]), Ordering::Less);
    }
    // Equal numbers written differently encode identically.
    assert_eq!(
        key_to_bytes(&[&KeyValue::N(num("1.50"))]),
        key_to_bytes(&[&KeyValue::N(num("15e-1"))])
    );
}

// A partition key's encoding is a prefix of the full key's, so a range scan can find its items.
#[test]
fn partition_prefix() {
    let pk = KeyValue::S("user".into());
    let sk = KeyValue::N(num("7"));
    let full = key_to_bytes(&[&pk, &sk]);
    assert!(full.starts_with(&key_to_bytes(&[&pk])));
}

// Garbage never decodes into a key (and never panics).
#[test]
fn decoding_rejects_garbage() {
    assert_eq!(key_from_bytes(&[]), Some(vec![]));
    for bad in [
        &[0x09][..],
        &[0x01, b'a'],
        &[0x01, 0x00, 0x05],
        &[0x02, 0x03],
        &[0x02, 0x03, 0x80, 0x0B, 0x00],
        &[0x02, 0x03, 0x80, 0x00],
        &[0x01, 0xFF, 0x00, 0x00],
    ] {
        assert_eq!(key_from_bytes(bad), None, "{bad:?}");
    }
    let mut rng = Rng(4);
    for _ in 0..20_000 {
        let len = rng.below(12) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
        let _ = key_from_bytes(&bytes);
    }
}

// Key size limits and how each type is measured.
#[test]
fn key_sizes() {
    assert_eq!(MAX_PARTITION_KEY_SIZE, 2048);
    assert_eq!(MAX_SORT_KEY_SIZE, 1024);
    assert_eq!(KeyValue::S("é".into()).size(), 2);
    assert_eq!(KeyValue::B(vec![1, 2, 3]).size(), 3);
    assert_eq!(KeyValue::N(num("-42")).size(), 3);
}

//! Number: parsing, canonical output, range and precision errors, exact arithmetic and ordering,
//! with property tests against a string-based reference implementation.

use std::cmp::Ordering;

use dynaplay_engine::value::number::{Number, NumberError};

fn n(text: &str) -> Number {
    match Number::parse(text) {
        Ok(v) => v,
        Err(e) => panic!("{text:?} should parse, got {e:?}"),
    }
}

fn err(text: &str) -> NumberError {
    match Number::parse(text) {
        Ok(v) => panic!("{text:?} should not parse, got {v}"),
        Err(e) => e,
    }
}

// Canonical output: DynamoDB returns plain notation with leading/trailing zeros trimmed.
#[test]
fn golden_formatting() {
    let hundred_zeros = format!("1{}", "0".repeat(100));
    let smallest = format!("0.{}1", "0".repeat(129));
    let cases: Vec<(&str, String)> = vec![
        ("1E+100", hundred_zeros.clone()),
        ("1e100", hundred_zeros),
        ("1.50", "1.5".into()),
        ("-0", "0".into()),
        ("+0", "0".into()),
        ("-0.000", "0".into()),
        ("+5", "5".into()),
        ("+1.5", "1.5".into()),
        ("+1e2", "100".into()),
        ("1e+2", "100".into()),
        ("1.5E+3", "1500".into()),
        ("-7", "-7".into()),
        (".5", "0.5".into()),
        ("5.", "5".into()),
        ("0042.1200", "42.12".into()),
        ("00042", "42".into()),
        ("1.0", "1".into()),
        ("1.5E2", "150".into()),
        ("-17.4E37", format!("-174{}", "0".repeat(36))),
        ("0001.23", "1.23".into()),
        ("1E-130", smallest),
        ("0e125", "0".into()),
        ("123.456e-5", "0.00123456".into()),
        ("-0.01", "-0.01".into()),
        ("100.5", "100.5".into()),
    ];
    for (input, expected) in cases {
        assert_eq!(n(input).to_string(), expected, "input {input}");
    }
}

// The largest storable number prints as 126 digits.
#[test]
fn largest_number_prints_in_full() {
    let max = n("9.9999999999999999999999999999999999999E+125");
    let expected = format!("{}{}", "9".repeat(38), "0".repeat(88));
    assert_eq!(max.to_string(), expected);
    assert_eq!(n(&expected), max);
}

// Syntax DynamoDB refuses: whitespace, NaN/Infinity, hex, stray signs and points.
#[test]
fn invalid_syntax_is_not_a_number() {
    for text in [
        "",
        " 1",
        "1 ",
        " ",
        "NaN",
        "-NaN",
        "Infinity",
        "-Infinity",
        "dog",
        "-dog",
        "0x1",
        "1e",
        "e5",
        ".",
        "+",
        "-",
        "1.2.3",
        "1+2",
        "+e2",
        "--1",
        "+-1",
        "1e+",
        "1e-",
        "1_000",
        "1,5",
        "١",
        "1e1.5",
        "1ee5",
        ".e1",
        "1e 5",
        "1\n",
    ] {
        assert_eq!(err(text), NumberError::NotANumber, "input {text:?}");
    }
}

// The exact messages, including the echoed text DynamoDB appends except for the empty string.
#[test]
fn error_messages() {
    assert_eq!(
        NumberError::NotANumber.message_for(""),
        "The parameter cannot be converted to a numeric value"
    );
    assert_eq!(
        NumberError::NotANumber.message_for("b"),
        "The parameter cannot be converted to a numeric value: b"
    );
    assert_eq!(
        NumberError::TooManyDigits.message_for("x"),
        "Attempting to store more than 38 significant digits in a Number"
    );
    assert_eq!(
        NumberError::Overflow.message(),
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    );
    assert_eq!(
        NumberError::Underflow.message(),
        "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    );
}

// The documented range boundaries, both sides, both signs.
#[test]
fn range_boundaries() {
    n("9.9999999999999999999999999999999999999E+125");
    n("-9.9999999999999999999999999999999999999E+125");
    n("1E-130");
    n("-1E-130");
    assert_eq!(err("1e126"), NumberError::Overflow);
    assert_eq!(err("-1e126"), NumberError::Overflow);
    assert_eq!(err("10E125"), NumberError::Overflow);
    assert_eq!(err("1e-131"), NumberError::Underflow);
    assert_eq!(err("-1e-131"), NumberError::Underflow);
    assert_eq!(err("0.1E-130"), NumberError::Underflow);
}

// Huge exponents: read in full (no wrapping); past 64 bits they cannot be converted at all.
#[test]
fn huge_exponents() {
    assert_eq!(err("1e99999999999"), NumberError::Overflow);
    assert_eq!(err("1e-99999999999"), NumberError::Underflow);
    assert_eq!(err("1e2147483648"), NumberError::Overflow);
    assert_eq!(err("1e2147483647"), NumberError::Overflow);
    assert_eq!(err("1e9223372036854775807"), NumberError::Overflow);
    assert_eq!(err("1e-9223372036854775808"), NumberError::Underflow);
    assert_eq!(err("1e9223372036854775808"), NumberError::NotANumber);
    assert_eq!(err("1e-9223372036854775809"), NumberError::NotANumber);
    // Leading zeros in the exponent do not count towards its size.
    assert_eq!(n("1e0000000000000000000000002").to_string(), "100");
}

// Zero is range-checked by the exponent it is written with (captured against real DynamoDB).
#[test]
fn zero_with_exponent() {
    assert_eq!(err("0e126"), NumberError::Overflow);
    assert_eq!(err("0e-131"), NumberError::Underflow);
    assert!(n("0e125").is_zero());
    assert!(n("0e-130").is_zero());
    assert!(!n("-0e5").is_negative());
}

// 38 significant digits is the limit; leading and trailing zeros do not count.
#[test]
fn significant_digit_limit() {
    let d38 = "12345678901234567890123456789012345678";
    assert_eq!(n(d38).significant_digits(), 38);
    assert_eq!(
        err("123456789012345678901234567890123456789"),
        NumberError::TooManyDigits
    );
    assert_eq!(
        err("-1.23456789012345678901234567890123456789"),
        NumberError::TooManyDigits
    );
    // 40 characters, 15 significant digits: accepted.
    assert_eq!(
        n("1234567895171680000000000000000000000000").significant_digits(),
        15
    );
    assert_eq!(n(&format!("0.{}1", "0".repeat(60))).significant_digits(), 1);
    assert_eq!(n(&format!("{d38}.000000")).significant_digits(), 38);
}

// Range is checked before precision, as dynalite (modelled on DynamoDB) does.
#[test]
fn range_checked_before_precision() {
    assert_eq!(
        err("1.23456789012345678901234567890123456789e200"),
        NumberError::Overflow
    );
    assert_eq!(
        err("1.23456789012345678901234567890123456789e-200"),
        NumberError::Underflow
    );
}

// Exactness that floating point would lose (from ScyllaDB's tests against real DynamoDB).
#[test]
fn arithmetic_is_exact() {
    let one = n("1");
    let big = n("10000000000000000000000");
    assert_eq!(
        one.checked_add(&big).map(|v| v.to_string()),
        Ok("10000000000000000000001".into())
    );
    assert_eq!(
        big.checked_sub(&one).map(|v| v.to_string()),
        Ok("9999999999999999999999".into())
    );
    assert_eq!(n("0.3").checked_sub(&n("0.1")), Ok(n("0.2")));
    assert_eq!(
        n("100000000000000000000.00000001")
            .checked_sub(&one)
            .map(|v| v.to_string()),
        Ok("99999999999999999999.00000001".into())
    );
}

// Sums that leave the range overflow (DynamoDB: 9e125 + 9e125 and 9e125 - -9e125).
#[test]
fn arithmetic_overflow() {
    assert_eq!(
        n("9e125").checked_add(&n("9e125")),
        Err(NumberError::Overflow)
    );
    assert_eq!(
        n("9e125").checked_sub(&n("-9e125")),
        Err(NumberError::Overflow)
    );
    assert_eq!(
        n("-9e125").checked_add(&n("-9e125")),
        Err(NumberError::Overflow)
    );
    assert_eq!(n("9e125").checked_add(&n("9e124")), Ok(n("9.9e125")));
    let max = n("9.9999999999999999999999999999999999999E+125");
    assert_eq!(max.checked_add(&n("1E+125")), Err(NumberError::Overflow));
    assert_eq!(max.checked_add(&n("1E+88")), Err(NumberError::Overflow));
}

// Results needing more than 38 digits are refused; real DynamoDB words it as an overflow.
#[test]
fn arithmetic_precision_loss_is_refused_as_overflow() {
    assert_eq!(n("1e50").checked_add(&n("1")), Err(NumberError::Overflow));
    assert_eq!(n("1e50").checked_sub(&n("1")), Err(NumberError::Overflow));
    assert_eq!(n("1E+125").checked_sub(&n("1")), Err(NumberError::Overflow));
    assert_eq!(n("1").checked_add(&n("1E-130")), Err(NumberError::Overflow));
    // 38 digits exactly is fine.
    assert_eq!(
        n("1e37")
            .checked_add(&n("1"))
            .map(|v| v.significant_digits()),
        Ok(38)
    );
}

// Carries that ripple through every digit and grow the result by one digit.
#[test]
fn arithmetic_carries() {
    let nines = "9".repeat(38);
    assert_eq!(n(&nines).checked_add(&n("1")), Ok(n("1e38")));
    assert_eq!(
        n("0.99999999999999999999999999999999999999").checked_add(&n("1e-38")),
        Ok(n("1"))
    );
    assert_eq!(n("-999").checked_sub(&n("1")), Ok(n("-1000")));
}

// Cancellation: equal magnitudes give zero, near-equal ones give few digits.
#[test]
fn arithmetic_cancellation() {
    assert_eq!(n("1E+125").checked_sub(&n("1E+125")), Ok(Number::zero()));
    assert_eq!(n("-1E+125").checked_add(&n("1E+125")), Ok(Number::zero()));
    assert_eq!(
        n("1.0000000000000000000000000000000000001").checked_sub(&n("1")),
        Ok(n("1e-37"))
    );
    assert_eq!(
        n("9.9999999999999999999999999999999999999E+125")
            .checked_sub(&n("9.9999999999999999999999999999999999998E+125")),
        Ok(n("1e88"))
    );
    assert!(!n("5")
        .checked_sub(&n("5"))
        .map(|v| v.is_negative())
        .unwrap_or(true));
}

// A difference can fall below the smallest magnitude: underflow.
#[test]
fn arithmetic_underflow() {
    assert_eq!(
        n("1.1E-130").checked_sub(&n("1E-130")),
        Err(NumberError::Underflow)
    );
}

// Mixed exponents and signs line up exactly.
#[test]
fn arithmetic_mixed_exponents() {
    assert_eq!(
        n("1.5e10")
            .checked_add(&n("2.5e-10"))
            .map(|v| v.to_string()),
        Ok("15000000000.00000000025".into())
    );
    assert_eq!(n("-2.5").checked_add(&n("1")), Ok(n("-1.5")));
    assert_eq!(n("2.5").checked_sub(&n("10")), Ok(n("-7.5")));
    assert_eq!(n("0").checked_sub(&n("3")), Ok(n("-3")));
    assert_eq!(n("3").checked_add(&n("0")), Ok(n("3")));
}

// negate flips the sign, never producing a negative zero.
#[test]
fn negate() {
    assert_eq!(n("1.5").negate(), n("-1.5"));
    assert_eq!(n("-1.5").negate(), n("1.5"));
    assert_eq!(Number::zero().negate(), Number::zero());
    assert!(!Number::zero().negate().is_negative());
}

// from_i64 covers the whole i64 range, including its minimum.
#[test]
fn from_i64() {
    assert_eq!(Number::from_i64(i64::MIN).to_string(), i64::MIN.to_string());
    assert_eq!(Number::from_i64(i64::MAX).to_string(), i64::MAX.to_string());
    assert_eq!(Number::from_i64(-1200), n("-1.2e3"));
    assert_eq!(Number::from_i64(0), Number::zero());
}

// Ordering is numeric, not textual ("01" < "2" < "03" as DynamoDB's docs say).
#[test]
fn ordering_examples() {
    assert!(n("01") < n("2"));
    assert!(n("2") < n("03"));
    assert!(n("-10") < n("-9"));
    assert!(n("-0.001") < n("0"));
    assert!(n("0") < n("1e-130"));
    assert!(n("1.2") < n("1.25"));
    assert!(n("-1.25") < n("-1.2"));
    assert!(n("99") < n("100"));
    assert_eq!(n("1.0").cmp(&n("1")), Ordering::Equal);
    assert_eq!(n("-0"), n("0"));
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
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
}

/// A random storable number as text in scientific form, over the whole range.
fn random_number_text(rng: &mut Rng, max_digits: u64, lo: i64, hi: i64) -> String {
    if rng.below(20) == 0 {
        return "0".into();
    }
    let count = 1 + rng.below(max_digits) as usize;
    let mut digits = String::new();
    for i in 0..count {
        let d = if i == 0 || i == count - 1 {
            1 + rng.below(9)
        } else {
            rng.below(10)
        };
        digits.push(char::from(b'0' + d as u8));
    }
    let sign = if rng.below(2) == 0 { "-" } else { "" };
    let adjusted = rng.range(lo, hi);
    let (lead, tail) = digits.split_at(1);
    format!("{sign}{lead}.{tail}0E{adjusted}")
}

/// Reference digits: (negative, plain digits with the point removed, power of the last digit),
/// derived from the Display text rather than from Number's internals.
fn reference_parts(v: &Number) -> (bool, Vec<u8>, i64) {
    let text = v.to_string();
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, text),
    };
    let (int, frac) = body.split_once('.').unwrap_or((&body, ""));
    let digits: Vec<u8> = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
    (negative, digits, -(frac.len() as i64))
}

/// Reference ordering: align both plain digit strings on the decimal point and compare text.
fn reference_cmp(a: &Number, b: &Number) -> Ordering {
    let (an, ad, ae) = reference_parts(a);
    let (bn, bd, be) = reference_parts(b);
    let low = ae.min(be);
    let pad = |d: &[u8], e: i64| -> Vec<u8> {
        let mut v = d.to_vec();
        v.extend(std::iter::repeat_n(0, (e - low) as usize));
        v
    };
    let (mut x, mut y) = (pad(&ad, ae), pad(&bd, be));
    let width = x.len().max(y.len());
    while x.len() < width {
        x.insert(0, 0);
    }
    while y.len() < width {
        y.insert(0, 0);
    }
    let a_zero = x.iter().all(|&d| d == 0);
    let b_zero = y.iter().all(|&d| d == 0);
    let sign = |neg: bool, zero: bool| {
        if zero {
            0
        } else if neg {
            -1
        } else {
            1
        }
    };
    let (sa, sb) = (sign(an, a_zero), sign(bn, b_zero));
    if sa != sb {
        return sa.cmp(&sb);
    }
    if sa < 0 {
        y.cmp(&x)
    } else {
        x.cmp(&y)
    }
}

/// Reference sum: big-endian schoolbook arithmetic on the aligned plain digit strings, the
/// result written back as text and parsed.
fn reference_add(a: &Number, b: &Number) -> Result<Number, NumberError> {
    let (an, ad, ae) = reference_parts(a);
    let (bn, bd, be) = reference_parts(b);
    let low = ae.min(be);
    let to_le = |d: &[u8], e: i64| -> Vec<i32> {
        let mut v: Vec<i32> = vec![0; (e - low) as usize];
        v.extend(d.iter().rev().map(|&x| i32::from(x)));
        v
    };
    let (x, y) = (to_le(&ad, ae), to_le(&bd, be));
    let width = x.len().max(y.len()) + 1;
    let sx = if an { -1 } else { 1 };
    let sy = if bn { -1 } else { 1 };
    // Signed digit-wise sum, then normalise with carries; the sign is the top nonzero's sign.
    let mut sum: Vec<i32> = (0..width)
        .map(|i| sx * x.get(i).copied().unwrap_or(0) + sy * y.get(i).copied().unwrap_or(0))
        .collect();
    let top_sign = sum
        .iter()
        .rev()
        .find(|&&d| d != 0)
        .map(|d| d.signum())
        .unwrap_or(0);
    if top_sign == 0 {
        return Ok(Number::zero());
    }
    for d in sum.iter_mut() {
        *d *= top_sign;
    }
    for i in 0..width - 1 {
        while sum[i] < 0 {
            sum[i] += 10;
            sum[i + 1] -= 1;
        }
        while sum[i] > 9 {
            sum[i] -= 10;
            sum[i + 1] += 1;
        }
    }
    let digits: String = sum
        .iter()
        .rev()
        .map(|&d| char::from(b'0' + d as u8))
        .collect();
    let text = format!("{}{}E{}", if top_sign < 0 { "-" } else { "" }, digits, low);
    // The reference decides exactness by the digit count DynamoDB would have to store.
    match Number::parse(&text) {
        Err(NumberError::TooManyDigits) => Err(NumberError::Overflow),
        other => other,
    }
}

// Ordering agrees with the string-aligned reference over the whole range.
#[test]
fn property_ordering_matches_reference() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        // Half the pairs share a leading power so the digit comparison is exercised.
        let a = n(&random_number_text(&mut rng, 38, -130, 125));
        let b = if rng.below(2) == 0 {
            n(&random_number_text(&mut rng, 38, -130, 125))
        } else {
            let e = a.adjusted_exponent() as i64;
            n(&random_number_text(&mut rng, 38, e, e))
        };
        assert_eq!(a.cmp(&b), reference_cmp(&a, &b), "{a} vs {b}");
        assert_eq!(a == b, reference_cmp(&a, &b) == Ordering::Equal);
    }
}

// Display then parse gives the same number back, for every shape of number.
#[test]
fn property_display_round_trips() {
    let mut rng = Rng(42);
    for _ in 0..20_000 {
        let text = random_number_text(&mut rng, 38, -130, 125);
        let v = n(&text);
        assert_eq!(n(&v.to_string()), v, "{text}");
    }
}

// Addition and subtraction agree with the reference, including its errors.
#[test]
fn property_arithmetic_matches_reference() {
    let mut rng = Rng(7);
    for i in 0..20_000 {
        // Mostly nearby exponents (representable results), sometimes anywhere in the range.
        let (a, b) = if i % 4 == 0 {
            (
                n(&random_number_text(&mut rng, 38, -130, 125)),
                n(&random_number_text(&mut rng, 38, -130, 125)),
            )
        } else {
            let e = rng.range(-125, 120);
            (
                n(&random_number_text(&mut rng, 20, e - 5, e + 5)),
                n(&random_number_text(&mut rng, 20, e - 5, e + 5)),
            )
        };
        assert_eq!(a.checked_add(&b), reference_add(&a, &b), "{a} + {b}");
        assert_eq!(
            a.checked_sub(&b),
            reference_add(&a, &b.negate()),
            "{a} - {b}"
        );
        // Commutativity, and x - x = 0, as further cross-checks.
        assert_eq!(a.checked_add(&b), b.checked_add(&a));
        assert_eq!(a.checked_sub(&a), Ok(Number::zero()));
    }
}

// Small integers against i128, a reference that shares no code with either implementation.
#[test]
fn property_small_integers_match_i128() {
    let mut rng = Rng(99);
    for _ in 0..20_000 {
        let x = rng.next() as i64 as i128 * rng.range(1, 1000) as i128;
        let y = rng.next() as i64 as i128;
        let (a, b) = (n(&x.to_string()), n(&y.to_string()));
        assert_eq!(
            a.checked_add(&b).map(|v| v.to_string()),
            Ok((x + y).to_string())
        );
        assert_eq!(
            a.checked_sub(&b).map(|v| v.to_string()),
            Ok((x - y).to_string())
        );
        assert_eq!(a.cmp(&b), x.cmp(&y));
    }
}

/// Reference grammar, written as a character-class state machine:
/// `[+-]? (digits [. digits?]? | . digits) ([eE] [+-]? digits)?`.
fn reference_is_number_syntax(text: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum S {
        Start,
        Sign,
        Int,
        PointNoInt,
        Frac,
        E,
        ESign,
        Exp,
    }
    let mut state = S::Start;
    for c in text.chars() {
        state = match (state, c) {
            (S::Start, '+' | '-') => S::Sign,
            (S::Start | S::Sign | S::Int, '0'..='9') => S::Int,
            (S::Start | S::Sign, '.') => S::PointNoInt,
            (S::Int, '.') => S::Frac,
            (S::PointNoInt | S::Frac, '0'..='9') => S::Frac,
            (S::Int | S::Frac, 'e' | 'E') => S::E,
            (S::E, '+' | '-') => S::ESign,
            (S::E | S::ESign | S::Exp, '0'..='9') => S::Exp,
            _ => return false,
        };
    }
    matches!(state, S::Int | S::Frac | S::Exp)
}

// Random strings over the number alphabet: syntax errors exactly where the grammar says, and
// never a panic.
#[test]
fn property_syntax_matches_reference_grammar() {
    let alphabet = ['0', '1', '9', '+', '-', '.', 'e', 'E', ' ', 'x'];
    let mut rng = Rng(5);
    for _ in 0..50_000 {
        let len = rng.below(8) as usize;
        let text: String = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len() as u64) as usize])
            .collect();
        let syntax_ok = !matches!(Number::parse(&text), Err(NumberError::NotANumber));
        assert_eq!(syntax_ok, reference_is_number_syntax(&text), "{text:?}");
    }
}

//! Exact decimal numbers as DynamoDB stores them: up to 38 significant digits, magnitude from
//! 1E-130 to 9.9999999999999999999999999999999999999E+125. No floating point anywhere.
//!
//! Parsing follows what real DynamoDB accepts (captured by other emulators' conformance work and
//! dynalite's test suite): an optional `+` or `-`, digits with an optional point (`1.`, `.5`), an
//! optional exponent with its own sign; no whitespace, no `NaN`/`Infinity`, no hex. Output is plain
//! notation with leading and trailing zeros trimmed (`1E+2` reads back as `100`, `-0` as `0`).

use std::cmp::Ordering;
use std::fmt;

/// Most significant digits a DynamoDB number can hold.
pub const MAX_DIGITS: usize = 38;
/// Largest power of ten of a number's leading digit (9.99...E+125).
pub const MAX_ADJUSTED_EXPONENT: i32 = 125;
/// Smallest power of ten of a number's leading digit (1E-130).
pub const MIN_ADJUSTED_EXPONENT: i32 = -130;

/// A decimal `(-1)^negative * coefficient * 10^exponent`, kept canonical: the coefficient has no
/// trailing zeros and at most 38 digits, the leading digit's power lies in -130..=125, and zero
/// is `0 * 10^0`, never negative. Canonical form makes the derived `Eq`/`Hash` numeric equality.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    coefficient: u128,
    exponent: i32,
}

/// Why a string is not a storable DynamoDB number, or why arithmetic has no storable result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    NotANumber,
    TooManyDigits,
    Overflow,
    Underflow,
}

impl NumberError {
    /// DynamoDB's text for this failure (without any prefix the caller adds).
    pub fn message(&self) -> &'static str {
        match self {
            NumberError::NotANumber => "The parameter cannot be converted to a numeric value",
            NumberError::TooManyDigits => {
                "Attempting to store more than 38 significant digits in a Number"
            }
            NumberError::Overflow => {
                "Number overflow. Attempting to store a number with magnitude larger than supported range"
            }
            NumberError::Underflow => {
                "Number underflow. Attempting to store a number with magnitude smaller than supported range"
            }
        }
    }

    /// The full message DynamoDB sends when `text` failed to parse: an unconvertible number is
    /// echoed after a colon, except the empty string, which gets the bare sentence.
    pub fn message_for(&self, text: &str) -> String {
        match self {
            NumberError::NotANumber if !text.is_empty() => format!("{}: {text}", self.message()),
            _ => self.message().to_string(),
        }
    }
}

/// `10^n` for n in 0..=38, the only powers the coefficient arithmetic needs.
fn pow10(n: usize) -> Option<u128> {
    10u128.checked_pow(u32::try_from(n).ok()?)
}

/// Digits in `v` (1 for zero).
fn digit_count(v: u128) -> usize {
    v.checked_ilog10().map_or(1, |l| l as usize + 1)
}

impl Number {
    pub fn zero() -> Number {
        Number {
            negative: false,
            coefficient: 0,
            exponent: 0,
        }
    }

    pub fn from_i64(v: i64) -> Number {
        let mut coefficient = u128::from(v.unsigned_abs());
        let mut exponent = 0;
        if coefficient == 0 {
            return Number::zero();
        }
        while coefficient % 10 == 0 {
            coefficient /= 10;
            exponent += 1;
        }
        Number {
            negative: v < 0,
            coefficient,
            exponent,
        }
    }

    /// Parses DynamoDB's number syntax and checks its range and precision, in DynamoDB's order:
    /// overflow, underflow, then more than 38 significant digits.
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        let bytes = text.as_bytes();
        let (negative, rest) = match bytes.split_first() {
            Some((b'-', rest)) => (true, rest),
            Some((b'+', rest)) => (false, rest),
            _ => (false, bytes),
        };
        let int_len = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (int_digits, rest) = rest.split_at(int_len);
        let (frac_digits, rest) = match rest.split_first() {
            Some((b'.', after)) => {
                let n = after.iter().take_while(|b| b.is_ascii_digit()).count();
                after.split_at(n)
            }
            _ => (&[][..], rest),
        };
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(NumberError::NotANumber);
        }
        let written_exponent: i64 = match rest.split_first() {
            None => 0,
            Some((b'e' | b'E', exp)) => parse_exponent(exp)?,
            Some(_) => return Err(NumberError::NotANumber),
        };
        // Powers are computed in i128: the exponent alone may be anywhere in i64.
        let digits = || int_digits.iter().chain(frac_digits.iter());
        let first = digits().position(|&b| b != b'0');
        let total = int_digits.len() + frac_digits.len();
        let last = digits()
            .rev()
            .position(|&b| b != b'0')
            .map(|from_end| total - 1 - from_end);
        let (Some(first), Some(last)) = (first, last) else {
            // Zero is range-checked by the power of its last written digit, as BigDecimal reads
            // it: real DynamoDB refuses `0e126` (overflow) and `0e-131` (underflow).
            let power = i128::from(written_exponent) - frac_digits.len() as i128;
            check_range(power)?;
            return Ok(Number::zero());
        };
        let power_of = |index: usize| -> i128 {
            int_digits.len() as i128 - 1 - index as i128 + i128::from(written_exponent)
        };
        check_range(power_of(first))?;
        let count = last - first + 1;
        if count > MAX_DIGITS {
            return Err(NumberError::TooManyDigits);
        }
        let mut coefficient: u128 = 0;
        for &b in digits().skip(first).take(count) {
            // At most 38 digits: below 10^38 < u128::MAX, so this cannot overflow.
            coefficient = coefficient * 10 + u128::from(b - b'0');
        }
        let exponent = i32::try_from(power_of(last)).map_err(|_| NumberError::Underflow)?;
        Ok(Number {
            negative,
            coefficient,
            exponent,
        })
    }

    pub fn is_zero(&self) -> bool {
        self.coefficient == 0
    }

    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// Number of significant digits (at least 1), which DynamoDB's item size formula uses.
    pub fn significant_digits(&self) -> usize {
        digit_count(self.coefficient)
    }

    /// The power of ten of the leading digit (0 for zero): `1.5` is 0, `150` is 2, `0.01` is -2.
    pub fn adjusted_exponent(&self) -> i32 {
        if self.is_zero() {
            return 0;
        }
        self.exponent + digit_count(self.coefficient) as i32 - 1
    }

    /// The power of ten of the last significant digit (0 for zero).
    pub fn exponent(&self) -> i32 {
        self.exponent
    }

    /// The significant digits as an integer (no trailing zeros; 0 for zero).
    pub fn coefficient(&self) -> u128 {
        self.coefficient
    }

    /// The same magnitude with the other sign; zero stays zero (DynamoDB has no negative zero).
    pub fn negate(&self) -> Number {
        Number {
            negative: !self.negative && !self.is_zero(),
            ..self.clone()
        }
    }

    /// `self + other`, exactly. A sum that leaves the range is an overflow or underflow; one that
    /// needs more than 38 significant digits is refused too, and real DynamoDB words that refusal
    /// as an overflow (`1E+50 + 1` answers "Number overflow..."), so that is the error here.
    pub fn checked_add(&self, other: &Number) -> Result<Number, NumberError> {
        if other.is_zero() {
            return Ok(self.clone());
        }
        if self.is_zero() {
            return Ok(other.clone());
        }
        // Work on little-endian digit vectors aligned at the lower of the two exponents: the
        // aligned coefficients can span ~300 digits, far past u128.
        let low = self.exponent.min(other.exponent);
        let a = aligned_digits(self, low);
        let b = aligned_digits(other, low);
        let (negative, digits) = if self.negative == other.negative {
            (self.negative, add_digits(&a, &b))
        } else {
            match cmp_magnitude(self, other) {
                Ordering::Equal => return Ok(Number::zero()),
                Ordering::Greater => (self.negative, sub_digits(&a, &b)),
                Ordering::Less => (other.negative, sub_digits(&b, &a)),
            }
        };
        from_digits(negative, &digits, low)
    }

    /// `self - other`, exactly; the same errors as [`Number::checked_add`].
    pub fn checked_sub(&self, other: &Number) -> Result<Number, NumberError> {
        self.checked_add(&other.negate())
    }
}

/// Reads an exponent's optional sign and digits. One that does not fit in 64 bits cannot be
/// converted at all (DynamoDB: `1e9223372036854775808` is unconvertible, `1e99999999999` overflows).
fn parse_exponent(text: &[u8]) -> Result<i64, NumberError> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(NumberError::NotANumber);
    }
    // Accumulate negatively so i64::MIN itself is representable.
    let mut value: i64 = 0;
    for &b in digits {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_sub(i64::from(b - b'0')))
            .ok_or(NumberError::NotANumber)?;
    }
    if negative {
        Ok(value)
    } else {
        value.checked_neg().ok_or(NumberError::NotANumber)
    }
}

/// Checks the power of a leading digit against DynamoDB's range.
fn check_range(power: i128) -> Result<(), NumberError> {
    if power > i128::from(MAX_ADJUSTED_EXPONENT) {
        Err(NumberError::Overflow)
    } else if power < i128::from(MIN_ADJUSTED_EXPONENT) {
        Err(NumberError::Underflow)
    } else {
        Ok(())
    }
}

/// The coefficient's digits, least significant first, shifted up by `exponent - low` zeros.
fn aligned_digits(n: &Number, low: i32) -> Vec<u8> {
    // Both exponents lie within -167..=125, so the shift is at most a few hundred.
    let shift = usize::try_from(i64::from(n.exponent) - i64::from(low)).unwrap_or(0);
    let mut digits = vec![0u8; shift];
    let mut c = n.coefficient;
    while c > 0 {
        digits.push((c % 10) as u8);
        c /= 10;
    }
    digits
}

fn add_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let len = a.len().max(b.len());
    let mut out = Vec::with_capacity(len + 1);
    let mut carry = 0u8;
    for i in 0..len {
        let s = a.get(i).copied().unwrap_or(0) + b.get(i).copied().unwrap_or(0) + carry;
        out.push(s % 10);
        carry = s / 10;
    }
    if carry > 0 {
        out.push(carry);
    }
    out
}

/// `a - b` for magnitudes with `a > b`.
fn sub_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0u8;
    for (i, &da) in a.iter().enumerate() {
        let sub = b.get(i).copied().unwrap_or(0) + borrow;
        if da >= sub {
            out.push(da - sub);
            borrow = 0;
        } else {
            out.push(da + 10 - sub);
            borrow = 1;
        }
    }
    out
}

/// Builds a canonical number from little-endian digits whose first digit has power `low`,
/// checking range first and precision second.
fn from_digits(negative: bool, digits: &[u8], low: i32) -> Result<Number, NumberError> {
    let (Some(first), Some(last)) = (
        digits.iter().position(|&d| d != 0),
        digits.iter().rposition(|&d| d != 0),
    ) else {
        return Ok(Number::zero());
    };
    check_range(i128::from(low) + last as i128)?;
    let count = last - first + 1;
    if count > MAX_DIGITS {
        return Err(NumberError::Overflow);
    }
    let mut coefficient: u128 = 0;
    for &d in digits.iter().skip(first).take(count).rev() {
        coefficient = coefficient * 10 + u128::from(d);
    }
    let exponent =
        i32::try_from(i128::from(low) + first as i128).map_err(|_| NumberError::Underflow)?;
    Ok(Number {
        negative,
        coefficient,
        exponent,
    })
}

/// Compares absolute values without allocating: leading powers first, then the coefficients
/// scaled to the same digit count (both at most 38 digits, so the scaled value fits in u128).
fn cmp_magnitude(a: &Number, b: &Number) -> Ordering {
    match (a.is_zero(), b.is_zero()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        _ => {}
    }
    a.adjusted_exponent()
        .cmp(&b.adjusted_exponent())
        .then_with(|| {
            let (da, db) = (digit_count(a.coefficient), digit_count(b.coefficient));
            let scale = |c: u128, from: usize, to: usize| {
                pow10(to - from)
                    .and_then(|p| c.checked_mul(p))
                    .unwrap_or(u128::MAX)
            };
            if da < db {
                scale(a.coefficient, da, db).cmp(&b.coefficient)
            } else {
                a.coefficient.cmp(&scale(b.coefficient, db, da))
            }
        })
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => cmp_magnitude(self, other),
            (true, true) => cmp_magnitude(other, self),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    /// Plain notation without exponent or trailing zeros, as DynamoDB returns numbers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        let digits = self.coefficient.to_string();
        if self.exponent >= 0 {
            f.write_str(&digits)?;
            for _ in 0..self.exponent {
                f.write_str("0")?;
            }
            return Ok(());
        }
        let frac = self.exponent.unsigned_abs() as usize;
        match digits.len().checked_sub(frac) {
            Some(int_len) if int_len > 0 => {
                let (i, d) = digits.split_at(int_len);
                write!(f, "{i}.{d}")
            }
            _ => {
                f.write_str("0.")?;
                for _ in digits.len()..frac {
                    f.write_str("0")?;
                }
                f.write_str(&digits)
            }
        }
    }
}

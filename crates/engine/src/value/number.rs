//! Exact decimal numbers as DynamoDB stores them: up to 38 significant digits, magnitude from
//! 1E-130 to 9.9999999999999999999999999999999999999E+125. No floating point anywhere.
//! (Skeleton: parse, canonical display and ordering; arithmetic lands with the value module work.)

use std::cmp::Ordering;
use std::fmt;

/// A decimal `(-1)^negative * coefficient * 10^exponent`, kept canonical: the coefficient has no
/// trailing zeros, and zero is `0 * 10^0`, never negative.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    negative: bool,
    coefficient: u128,
    exponent: i32,
}

/// Why a string is not a storable DynamoDB number.
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
            NumberError::TooManyDigits => "Attempting to store more than 38 significant digits in a Number",
            NumberError::Overflow => "Number overflow. Attempting to store a number with magnitude larger than supported range",
            NumberError::Underflow => "Number underflow. Attempting to store a number with magnitude smaller than supported range",
        }
    }
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
        Number::canonical(v < 0, v.unsigned_abs() as u128, 0)
    }

    fn canonical(negative: bool, mut coefficient: u128, mut exponent: i32) -> Number {
        if coefficient == 0 {
            return Number::zero();
        }
        while coefficient % 10 == 0 {
            coefficient /= 10;
            exponent += 1;
        }
        Number {
            negative,
            coefficient,
            exponent,
        }
    }

    /// Parses DynamoDB's number syntax: optional sign, digits with an optional point, optional exponent.
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        let s = text.trim();
        let (negative, rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (mantissa, exp_part) = match rest.find(['e', 'E']) {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let (int_part, frac_part) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(NumberError::NotANumber);
        }
        if !int_part
            .bytes()
            .chain(frac_part.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return Err(NumberError::NotANumber);
        }
        let mut exponent: i64 = match exp_part {
            Some(e) => {
                let (eneg, edigits) = match e.as_bytes().first() {
                    Some(b'-') => (true, &e[1..]),
                    Some(b'+') => (false, &e[1..]),
                    _ => (false, e),
                };
                if edigits.is_empty() || !edigits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(NumberError::NotANumber);
                }
                // Clamp absurd exponents; anything this large is out of range anyway.
                let v = edigits.trim_start_matches('0');
                let magnitude: i64 = if v.len() > 6 {
                    1_000_000
                } else {
                    v.parse().unwrap_or(0)
                };
                if eneg {
                    -magnitude
                } else {
                    magnitude
                }
            }
            None => 0,
        };
        let digits: String = format!("{int_part}{frac_part}");
        exponent -= frac_part.len() as i64;
        let digits = digits.trim_start_matches('0');
        let trimmed = digits.trim_end_matches('0');
        exponent += (digits.len() - trimmed.len()) as i64;
        if trimmed.is_empty() {
            return Ok(Number::zero());
        }
        if trimmed.len() > 38 {
            return Err(NumberError::TooManyDigits);
        }
        // Adjusted exponent: the power of ten of the leading digit.
        let adjusted = exponent + trimmed.len() as i64 - 1;
        if adjusted > 125 {
            return Err(NumberError::Overflow);
        }
        if adjusted < -130 {
            return Err(NumberError::Underflow);
        }
        let coefficient: u128 = trimmed.parse().map_err(|_| NumberError::NotANumber)?;
        Ok(Number::canonical(negative, coefficient, exponent as i32))
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

    fn adjusted_exponent(&self) -> i64 {
        self.exponent as i64 + digit_count(self.coefficient) as i64 - 1
    }
}

fn digit_count(mut v: u128) -> usize {
    let mut n = 1;
    while v >= 10 {
        v /= 10;
        n += 1;
    }
    n
}

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
            // Same leading power: compare the digit strings left-aligned.
            let (da, db) = (a.coefficient.to_string(), b.coefficient.to_string());
            let width = da.len().max(db.len());
            format!("{da:0<width$}").cmp(&format!("{db:0<width$}"))
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
            Ok(())
        } else {
            let frac = (-self.exponent) as usize;
            if digits.len() > frac {
                let (i, d) = digits.split_at(digits.len() - frac);
                write!(f, "{i}.{d}")
            } else {
                write!(f, "0.{}{}", "0".repeat(frac - digits.len()), digits)
            }
        }
    }
}

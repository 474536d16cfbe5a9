//! Pseudonyms: a keyed hash of each value, drawn in the value's shape.
//!
//! The hash is SipHash-2-4 with the export's 128-bit key (the `siphasher`
//! crate: std keeps its keyed SipHash private). It is a PRF, so without the
//! key a pseudonym says nothing of its value, and a guess at a name cannot be
//! checked against a report; the same value under the same key always gives
//! the same pseudonym, so entity histories and diffs line up. Its 128 bits
//! seed a small generator that draws the letters or digits of the shape.
//!
//! Ids are mapped by a keyed permutation instead (a Feistel network over the
//! numbers of the same digit count, cycle-walking into range): two ids never
//! share a pseudonym, so entity lists keep their length.

use std::hash::Hasher as _;

use foldhash::HashMap;
use siphasher::sip128::{Hasher128 as _, SipHasher24};

use crate::hs::dates::parse_date;

/// Keeps the hashes of different uses apart.
mod tag {
    pub const STRING: u8 = 1;
    pub const DIGITS: u8 = 2;
    pub const ROUND: u8 = 3;
}

/// Rounds of the id permutation: more than the four a Feistel network needs
/// to be a pseudo-random permutation.
const ROUNDS: u64 = 8;

/// The export's keyed hash.
#[derive(Clone, Copy)]
pub struct Keyed {
    sip: SipHasher24,
}

impl Keyed {
    pub fn new(key: u128) -> Self {
        Self {
            sip: SipHasher24::new_with_keys(key as u64, (key >> 64) as u64),
        }
    }

    fn hash(&self, tag: u8, bytes: &[u8]) -> u128 {
        let mut hasher = self.sip;
        hasher.write_u8(tag);
        hasher.write(bytes);
        hasher.finish128().as_u128()
    }

    fn draw(&self, tag: u8, bytes: &[u8]) -> Draw {
        Draw::new(self.hash(tag, bytes))
    }

    /// A string's pseudonym in its shape; `None` for what stays as it is:
    /// blank strings and dates.
    pub fn string(&self, value: &str) -> Option<String> {
        match shape(value) {
            Shape::Keep => None,
            Shape::Digits => Some(self.digits(value)),
            Shape::Email => Some(self.email(value)),
            Shape::Text => Some(self.text(value)),
        }
    }

    /// Digits drawn anew, every other character kept: a number (before its
    /// exponent), a phone number, a string of digits. A leading zero stays
    /// zero and any other first digit stays non-zero, so the digit count
    /// and the magnitude hold; the same digits give the same pseudonym
    /// whether sent as a number or a string.
    pub fn digits(&self, raw: &str) -> String {
        let mut draw = self.draw(tag::DIGITS, raw.as_bytes());
        let mut out = String::with_capacity(raw.len());
        let mut first = true;
        let mut exponent = false;
        for c in raw.chars() {
            exponent |= c == 'e' || c == 'E';
            if !c.is_ascii_digit() || exponent {
                out.push(c);
                continue;
            }
            let digit = if first && c == '0' {
                0
            } else if first {
                1 + draw.below(9)
            } else {
                draw.below(10)
            };
            first = false;
            out.push(char::from(b'0' + digit as u8));
        }
        if is_number(raw) && !finite(&out) {
            // More digits than f64 holds: the smallest such mantissa fits,
            // since the original's did.
            return smallest_mantissa(raw);
        }
        out
    }

    /// A syntactically valid address at a reserved domain.
    fn email(&self, value: &str) -> String {
        let mut draw = self.draw(tag::STRING, value.as_bytes());
        let mut out = String::with_capacity(EMAIL_LOCAL + EMAIL_DOMAIN.len());
        out.push(letter(&mut draw));
        for _ in 1..EMAIL_LOCAL {
            let n = draw.below(36) as u8;
            out.push(char::from(if n < 26 { b'a' + n } else { b'0' + n - 26 }));
        }
        out.push_str(EMAIL_DOMAIN);
        out
    }

    /// Letters (and spaces between words, for longer text) of the length
    /// that stands for the value's length class.
    fn text(&self, value: &str) -> String {
        let len = text_len(value.chars().count());
        let mut draw = self.draw(tag::STRING, value.as_bytes());
        let mut out = String::with_capacity(len);
        let words = len >= 16;
        let mut word_left = 3 + draw.below(7);
        for i in 0..len {
            if words && word_left == 0 && i + 1 < len {
                out.push(' ');
                word_left = 2 + draw.below(8);
                continue;
            }
            word_left = word_left.saturating_sub(1);
            if i == 0 {
                out.push(letter(&mut draw).to_ascii_uppercase());
            } else {
                out.push(letter(&mut draw));
            }
        }
        out
    }

    /// An id's digits (no sign) mapped one to one onto as many digits:
    /// leading zeros and zero itself stay, the rest is a keyed permutation
    /// of the numbers with that many digits.
    pub fn id_digits(&self, digits: &str, cache: &mut IdCache) -> String {
        let zeros = digits.bytes().take_while(|&b| b == b'0').count();
        let mut out = String::with_capacity(digits.len());
        out.push_str(&digits[..zeros]);
        self.id_core(&digits[zeros..], cache, &mut out);
        out
    }

    /// `digits` (no leading zero) permuted among the numbers of its digit
    /// count. Past what a u64 holds, the last 18 digits are permuted among
    /// all 18-digit strings and the head in turn: still one to one.
    fn id_core(&self, digits: &str, cache: &mut IdCache, out: &mut String) {
        use std::fmt::Write as _;
        let n = digits.len();
        if n == 0 {
            return;
        }
        if n > MAX_ID_DIGITS {
            let (head, tail) = digits.split_at(n - TAIL_DIGITS);
            self.id_core(head, cache, out);
            let tail: u64 = tail.parse().unwrap_or_default();
            let size = 10u64.pow(TAIL_DIGITS as u32);
            let mapped = self.permute(tail, size, n as u64);
            let _ = write!(out, "{mapped:0width$}", width = TAIL_DIGITS);
            return;
        }
        let Ok(value) = digits.parse::<u64>() else {
            out.push_str(&self.digits(digits));
            return;
        };
        let mapped = *cache.map.entry(value).or_insert_with(|| {
            let low = if n == 1 { 1 } else { 10u64.pow(n as u32 - 1) };
            let size = 10u64.pow(n as u32) - low;
            low + self.permute(value - low, size, 0)
        });
        let _ = write!(out, "{mapped}");
    }

    /// A keyed permutation of `[0, size)`: a balanced Feistel network on
    /// the smallest even number of bits that holds `size`, applied again
    /// while the result falls outside (cycle-walking), which keeps it a
    /// permutation of the range.
    fn permute(&self, value: u64, size: u64, tweak: u64) -> u64 {
        if size < 2 {
            return value;
        }
        let bits = 64 - (size - 1).leading_zeros();
        let half = bits.div_ceil(2);
        let mask = if half >= 64 { u64::MAX } else { (1u64 << half) - 1 };
        let mut x = value;
        loop {
            let (mut left, mut right) = (x >> half, x & mask);
            for round in 0..ROUNDS {
                let mut input = [0u8; 32];
                input[..8].copy_from_slice(&round.to_le_bytes());
                input[8..16].copy_from_slice(&size.to_le_bytes());
                input[16..24].copy_from_slice(&tweak.to_le_bytes());
                input[24..].copy_from_slice(&right.to_le_bytes());
                let f = self.hash(tag::ROUND, &input) as u64 & mask;
                (left, right) = (right, left ^ f);
            }
            x = (left << half) | right;
            if x < size {
                return x;
            }
        }
    }
}

/// Ids mapped so far: each costs a few dozen hashes, and ids repeat.
#[derive(Default)]
pub struct IdCache {
    map: HashMap<u64, u64>,
}

/// Ids up to 19 digits are permuted whole (10^19 fits a u64).
const MAX_ID_DIGITS: usize = 19;
const TAIL_DIGITS: usize = 18;

const EMAIL_LOCAL: usize = 10;
/// Reserved for examples (RFC 2606): a pseudonym never reaches anyone.
const EMAIL_DOMAIN: &str = "@example.com";

/// What a string's pseudonym looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Blank or a date: nothing personal to replace, and checkers read it.
    Keep,
    /// An optional sign and digits, or a phone number: digits replaced.
    Digits,
    Email,
    Text,
}

pub fn shape(value: &str) -> Shape {
    if value.trim().is_empty() || is_date(value) {
        Shape::Keep
    } else if is_digits(value) || is_phone(value) {
        Shape::Digits
    } else if is_email(value) {
        Shape::Email
    } else {
        Shape::Text
    }
}

/// The length a text pseudonym has for a value of `chars` characters: one
/// per class (1–8, 9–32, 33–128, 129–512…, each four times the last), so a
/// report keeps the rough size of a text but not its exact length.
pub fn text_len(chars: usize) -> usize {
    if chars <= 8 {
        return 8;
    }
    let mut upper: usize = 8;
    while upper < chars {
        upper = upper.saturating_mul(4);
    }
    upper / 2
}

/// A date the spec's checker reads (see [`parse_date`]).
fn is_date(value: &str) -> bool {
    let b = value.trim().as_bytes();
    (10..=40).contains(&b.len())
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && parse_date(value).is_ok()
}

/// An optional minus and at least one ASCII digit: what the checker takes
/// for an id written as a string.
pub fn is_digits(value: &str) -> bool {
    let digits = value.strip_prefix('-').unwrap_or(value);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Digits with the usual separators (`+ - . ( )` and spaces), at least six
/// of them.
fn is_phone(value: &str) -> bool {
    let mut digits = 0;
    for b in value.bytes() {
        match b {
            b'0'..=b'9' => digits += 1,
            b'+' | b'-' | b'.' | b'(' | b')' | b' ' => {}
            _ => return false,
        }
    }
    digits >= 6
}

/// `local@domain.tld`, no spaces: the shape checkers accept.
fn is_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let printable = |s: &str| s.bytes().all(|b| b.is_ascii_graphic() && b != b'@');
    !local.is_empty()
        && local.len() <= 64
        && printable(local)
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Whether `raw` is a JSON number (as opposed to a phone or a string).
fn is_number(raw: &str) -> bool {
    let b = raw.as_bytes();
    let start = usize::from(b.first() == Some(&b'-'));
    b.get(start).is_some_and(u8::is_ascii_digit)
        && b.iter()
            .all(|&c| c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'.' | b'e' | b'E'))
}

fn finite(number: &str) -> bool {
    number.parse::<f64>().is_ok_and(f64::is_finite)
}

/// `raw` with its first digit 1 (0 if it was 0) and the rest of the
/// mantissa 0: no larger than the original, so still in range.
fn smallest_mantissa(raw: &str) -> String {
    let mut first = true;
    let mut exponent = false;
    raw.chars()
        .map(|c| {
            exponent |= c == 'e' || c == 'E';
            if !c.is_ascii_digit() || exponent {
                c
            } else if std::mem::take(&mut first) && c != '0' {
                '1'
            } else {
                '0'
            }
        })
        .collect()
}

fn letter(draw: &mut Draw) -> char {
    char::from(b'a' + draw.below(26) as u8)
}

/// Numbers drawn from a 128-bit seed (SplitMix64 over both halves): the
/// seed is the keyed hash, so the draws are as hard to guess as it is.
struct Draw {
    state: u64,
    salt: u64,
}

impl Draw {
    fn new(seed: u128) -> Self {
        Self {
            state: seed as u64,
            salt: (seed >> 64) as u64,
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state ^ self.salt;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform enough in `[0, n)` for small `n`.
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: u128 = 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210;

    fn keyed() -> Keyed {
        Keyed::new(KEY)
    }

    #[test]
    fn an_email_stays_a_valid_email() {
        let address = ["jean.dupont", "mail.example.org"].join("@");
        for value in [address.as_str(), "a@b.co", "first.last+tag@sub.domain.org"] {
            let p = keyed().string(value).unwrap();
            assert!(is_email(&p), "{value} → {p}");
            assert!(p.ends_with("@example.com"));
            let local = value.split('@').next().unwrap();
            assert!(local.len() < 3 || !p.contains(local), "{p}");
        }
        assert_ne!(
            keyed().string("a@b.co"),
            keyed().string("b@b.co"),
            "different addresses, different pseudonyms"
        );
    }

    #[test]
    fn a_phone_keeps_its_digit_count_and_separators() {
        for value in ["06 12 34 56 78", "+33 (0)6.12.34.56.78", "0612345678", "+1-202-555-0143"] {
            let p = keyed().string(value).unwrap();
            assert_eq!(p.len(), value.len(), "{value} → {p}");
            for (a, b) in value.bytes().zip(p.bytes()) {
                assert_eq!(a.is_ascii_digit(), b.is_ascii_digit(), "{value} → {p}");
                if !a.is_ascii_digit() {
                    assert_eq!(a, b, "{value} → {p}");
                }
            }
            assert_ne!(p, value);
            // A leading 0 (a French number) stays one.
            assert_eq!(value.starts_with('0'), p.starts_with('0'));
        }
        // Five digits are not a phone number: a string of digits all the same.
        assert_eq!(shape("12 34 5"), Shape::Text);
    }

    #[test]
    fn text_keeps_its_length_class_and_nothing_of_the_original() {
        assert_eq!(text_len(1), 8);
        assert_eq!(text_len(8), 8);
        assert_eq!(text_len(9), 16);
        assert_eq!(text_len(32), 16);
        assert_eq!(text_len(33), 64);
        assert_eq!(text_len(128), 64);
        assert_eq!(text_len(129), 256);
        assert_eq!(text_len(513), 1024);
        let class = |n: usize| {
            let mut upper = 8;
            let mut k = 0;
            while upper < n {
                upper *= 4;
                k += 1;
            }
            k
        };
        for value in [
            "Zoé",
            "Zoé <b>Lefèvre</b>",
            "Lefèvre",
            "Candidate Firstname",
            &"x".repeat(40),
            &"é".repeat(300),
        ] {
            let p = keyed().string(value).unwrap();
            let chars = value.chars().count();
            assert_eq!(class(p.len()), class(chars), "{value} → {p}");
            assert!(
                p.bytes().all(|b| b.is_ascii_alphabetic() || b == b' '),
                "only letters and spaces: {p}"
            );
            assert!(!p.starts_with(' ') && !p.ends_with(' ') && !p.contains("  "), "{p:?}");
        }
        assert_eq!(keyed().string(""), None, "empty stays empty");
        assert_eq!(keyed().string("   "), None, "blank stays blank");
    }

    #[test]
    fn dates_stay_and_digits_stay_digits() {
        for date in [
            "2019-07-19T16:57:17+0200",
            "2016-01-20T14:27:00+01:00",
            "2019-07-19",
            "2019-07-19 16:57:17+02:00",
        ] {
            assert_eq!(keyed().string(date), None, "{date}");
        }
        // Not a date the checker reads: replaced.
        assert!(keyed().string("2019-13-45T99:00:00+0200").is_some());
        let p = keyed().string("-1").unwrap();
        assert!(p.starts_with('-') && p.len() == 2, "{p}");
        let p = keyed().string("11730").unwrap();
        assert!(is_digits(&p) && p.len() == 5 && !p.starts_with('0'), "{p}");
    }

    #[test]
    fn numbers_keep_sign_digit_count_and_form() {
        for raw in ["0", "7", "42", "-3144", "12.5", "0.25", "-1.5e10", "6.02E23", "1e308"] {
            let p = keyed().digits(raw);
            assert_eq!(p.len(), raw.len(), "{raw} → {p}");
            let value: serde_json::Value = serde_json::from_str(&p).unwrap();
            assert!(value.is_number(), "{raw} → {p}");
            assert_eq!(raw.starts_with('-'), p.starts_with('-'));
            let tail = |s: &str| s.find(['e', 'E']).map(|i| s[i..].to_owned());
            assert_eq!(tail(raw), tail(&p), "the exponent stays: {raw} → {p}");
        }
        // The largest numbers stay in range.
        let huge = format!("1{}", "9".repeat(308));
        let p = keyed().digits(&huge);
        assert!(p.parse::<f64>().unwrap().is_finite(), "{p}");
        assert_eq!(p.len(), huge.len());
    }

    #[test]
    fn the_same_value_and_key_give_the_same_pseudonym() {
        let a = Keyed::new(KEY);
        let b = Keyed::new(KEY);
        let c = Keyed::new(KEY + 1);
        let address = ["jean.dupont", "mail.example.org"].join("@");
        for value in ["Zoé", address.as_str(), "06 12 34 56 78", "3144"] {
            assert_eq!(a.string(value), b.string(value), "{value}");
            assert_ne!(a.string(value), c.string(value), "{value}");
        }
    }

    #[test]
    fn ids_map_one_to_one_onto_ids_of_as_many_digits() {
        let keyed = keyed();
        let mut cache = IdCache::default();
        for digits in 1..=4u32 {
            let low = if digits == 1 { 1 } else { 10u64.pow(digits - 1) };
            let high = 10u64.pow(digits);
            let mut seen = std::collections::HashSet::new();
            let mut moved = 0;
            for n in low..high {
                let p = keyed.id_digits(&n.to_string(), &mut cache);
                assert_eq!(p.len(), digits as usize, "{n} → {p}");
                assert!(!p.starts_with('0'), "{n} → {p}");
                assert!(seen.insert(p.clone()), "{n} → {p} collides");
                moved += usize::from(p != n.to_string());
            }
            assert!(moved * 2 > (high - low) as usize, "mostly moved");
        }
        assert_eq!(keyed.id_digits("0", &mut cache), "0");
        assert_eq!(keyed.id_digits("000", &mut cache), "000");
        let p = keyed.id_digits("0314", &mut cache);
        assert!(p.starts_with('0') && p.len() == 4, "{p}");
        // Longer than a u64: still as many digits, still one to one.
        let long = "12345678901234567890123";
        let p = keyed.id_digits(long, &mut cache);
        assert_eq!(p.len(), long.len());
        assert!(is_digits(&p));
        let other = keyed.id_digits("12345678901234567890124", &mut cache);
        assert_ne!(p, other);
        // Cached or not, the same.
        let fresh = keyed.id_digits("3144", &mut IdCache::default());
        assert_eq!(keyed.id_digits("3144", &mut cache), fresh);
        assert_ne!(Keyed::new(1).id_digits("3144", &mut IdCache::default()), fresh);
    }

    #[test]
    fn nineteen_digit_ids_stay_in_range() {
        let keyed = keyed();
        let mut cache = IdCache::default();
        for id in ["9999999999999999999", "1000000000000000000", "18446744073709551615"] {
            let p = keyed.id_digits(id, &mut cache);
            assert_eq!(p.len(), id.len(), "{id} → {p}");
            assert!(!p.starts_with('0'), "{id} → {p}");
        }
    }
}

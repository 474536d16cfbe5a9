//! The search text, folded once, and a case-insensitive substring search
//! over bytes (see the module above for what folds).
//!
//! The scan lets `memchr` find candidates, then checks each one whole:
//! `memmem` on a run of the needle's bytes that have no case when its
//! rarest byte is in one, else `memchr`/`memchr2` on the rarest byte (both
//! of its cases). Rarity is guessed for JSON webhook bodies.

use memchr::memmem;

/// A folded search text: `bytes[j]` matches a haystack byte `h` when
/// `h | fold[j] == bytes[j]` (so `fold` is 0x20 at a letter with two cases,
/// 0x01 for `œ`, 0 where the byte must match exactly).
#[derive(Clone, Debug)]
pub(super) struct Needle {
    bytes: Box<[u8]>,
    fold: Box<[u8]>,
    anchor: Anchor,
}

/// Where candidates come from: one part of the needle, found by `memchr`.
#[derive(Clone, Debug)]
enum Anchor {
    /// `bytes[at..at + len]` have no case: found exactly by `memmem`.
    Run {
        at: usize,
        finder: Box<memmem::Finder<'static>>,
    },
    /// `bytes[at]` has no case.
    Byte { at: usize, byte: u8 },
    /// `bytes[at]` in either of its two cases.
    Cased { at: usize, cases: [u8; 2] },
}

impl Needle {
    /// `None` for a text that is empty once trimmed: it matches everything.
    pub(super) fn new(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let raw = text.as_bytes();
        let mut bytes = Vec::with_capacity(raw.len());
        let mut fold = Vec::with_capacity(raw.len());
        for (j, &b) in raw.iter().enumerate() {
            let prev = if j > 0 { raw[j - 1] } else { 0 };
            let bit = if b.is_ascii_alphabetic() || (prev == 0xC3 && latin1_letter(b)) {
                0x20
            } else if prev == 0xC5 && (b == 0x92 || b == 0x93) {
                0x01
            } else {
                0
            };
            bytes.push(b | bit);
            fold.push(bit);
        }
        let anchor = anchor(&bytes, &fold);
        Some(Self {
            bytes: bytes.into(),
            fold: fold.into(),
            anchor,
        })
    }

    /// This needle occurs wherever `other` does (folded text contains folded text).
    pub(super) fn contains_needle(&self, other: &Needle) -> bool {
        other.bytes.len() <= self.bytes.len()
            && self
                .bytes
                .windows(other.bytes.len())
                .any(|w| w == &*other.bytes)
    }

    pub(super) fn is_in(&self, haystack: &[u8]) -> bool {
        self.find(haystack).is_some()
    }

    /// Where the needle first starts in `haystack`.
    pub(super) fn find(&self, haystack: &[u8]) -> Option<usize> {
        let n = self.bytes.len();
        // The last place the needle can start.
        let last = haystack.len().checked_sub(n)?;
        let whole = |start: usize| {
            haystack
                .get(start..start + n)
                .is_some_and(|window| self.verify(window))
        };
        match &self.anchor {
            Anchor::Run { at, finder } => {
                // The anchor found at `i` of this window means the needle
                // would start at `i`. Overlapping hits count, so step by one.
                let window = haystack.get(*at..last + at + finder.needle().len())?;
                let mut from = 0;
                while let Some(i) = window.get(from..).and_then(|rest| finder.find(rest)) {
                    let start = from + i;
                    if whole(start) {
                        return Some(start);
                    }
                    from = start + 1;
                }
                None
            }
            Anchor::Byte { at, byte } => {
                let window = haystack.get(*at..=last + at)?;
                memchr::memchr_iter(*byte, window).find(|&start| whole(start))
            }
            Anchor::Cased { at, cases } => {
                let window = haystack.get(*at..=last + at)?;
                memchr::memchr2_iter(cases[0], cases[1], window).find(|&start| whole(start))
            }
        }
    }

    #[inline]
    fn verify(&self, window: &[u8]) -> bool {
        window
            .iter()
            .zip(&*self.bytes)
            .zip(&*self.fold)
            .all(|((h, n), f)| h | f == *n)
    }
}

/// The second byte of a Latin-1 letter with an upper and a lower case
/// (`À`–`Þ` and `à`–`þ`, without `×`/`÷`; `ß` and `ÿ` have no pair here).
fn latin1_letter(b: u8) -> bool {
    matches!(b | 0x20, 0xA0..=0xBE) && b | 0x20 != 0xB7
}

/// Bytes by how common they are in JSON webhook bodies, most common first;
/// bytes not listed are taken as rare.
const COMMON: &[u8] = b" \"e:ta,inolsr_d1mc0u2\nfp3b4j9y75{}68w-vq.xgh/k+[]\xc3";

fn commonness(b: u8) -> usize {
    COMMON
        .iter()
        .position(|&c| c == b)
        .map_or(0, |i| COMMON.len() - i)
}

/// The needle's rarest byte (counting both cases of a letter), widened to
/// the run of bytes without case around it when there is one.
fn anchor(bytes: &[u8], fold: &[u8]) -> Anchor {
    let cases = |j: usize| [bytes[j], bytes[j] & !fold[j]];
    let cost = |j: usize| {
        let [a, b] = cases(j);
        commonness(a).max(commonness(b))
    };
    let at = (0..bytes.len()).min_by_key(|&j| (cost(j), j)).unwrap_or(0);
    if fold.get(at).is_none_or(|&f| f != 0) {
        return Anchor::Cased {
            at,
            cases: cases(at),
        };
    }
    let start = fold[..at]
        .iter()
        .rposition(|&f| f != 0)
        .map_or(0, |j| j + 1);
    let end = fold[at..]
        .iter()
        .position(|&f| f != 0)
        .map_or(bytes.len(), |j| at + j);
    if end - start >= 2 {
        Anchor::Run {
            at: start,
            finder: Box::new(memmem::Finder::new(&bytes[start..end]).into_owned()),
        }
    } else {
        Anchor::Byte {
            at,
            byte: bytes[at],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn find(needle: &str, haystack: &[u8]) -> Option<usize> {
        Needle::new(needle)?.find(haystack)
    }

    /// Every start position, checked whole: what the scan must agree with.
    fn naive(needle: &Needle, haystack: &[u8]) -> Option<usize> {
        let len = needle.bytes.len();
        (0..=haystack.len().checked_sub(len)?).find(|&i| needle.verify(&haystack[i..i + len]))
    }

    fn kind(needle: &Needle) -> &'static str {
        match needle.anchor {
            Anchor::Run { .. } => "run",
            Anchor::Byte { .. } => "byte",
            Anchor::Cased { .. } => "cased",
        }
    }

    #[test]
    fn folding() {
        assert_eq!(find("maxime", b"#MaXiMe#"), Some(1));
        assert_eq!(
            find("SPONTANÉE", "Candidature Spontanée".as_bytes()),
            Some(12)
        );
        assert_eq!(find("cœur", "CŒUR".as_bytes()), Some(0));
        assert_eq!(find("×", "÷".as_bytes()), None);
        assert_eq!(find("ß", "ÿ".as_bytes()), None);
        assert_eq!(find("@", b"`"), None);
        assert_eq!(find("[", b"{"), None);
        assert_eq!(find("é", b"e"), None);
    }

    #[test]
    fn anchors_are_the_rarest_part() -> Result<(), &'static str> {
        for (text, expected) in [
            ("126751", "run"),
            ("ab12\"},{\"id\":", "run"),
            ("a@b", "byte"),
            ("Maxime", "cased"),
            ("xY\u{e9}z", "cased"),
            ("cœur", "byte"),
        ] {
            let needle = Needle::new(text).ok_or("a needle")?;
            assert_eq!(kind(&needle), expected, "{text}");
        }
        Ok(())
    }

    #[test]
    fn every_position_and_length_with_every_anchor() -> Result<(), &'static str> {
        // One needle per kind of anchor, written in another case.
        for (text, written) in [
            ("xY\u{e9}z", "XyÉZ"),
            ("q@7", "Q@7"),
            ("x@y", "X@Y"),
            ("k12-9", "K12-9"),
            ("-7\"", "-7\""),
        ] {
            let needle = Needle::new(text).ok_or("a needle")?;
            let n = needle.bytes.len();
            for len in 0usize..80 {
                for at in 0..=len.saturating_sub(n) {
                    let mut hay = vec![b'y'; len];
                    if at + n <= len {
                        hay[at..at + n].copy_from_slice(written.as_bytes());
                    }
                    let expected = (at + n <= len).then_some(at);
                    assert_eq!(needle.find(&hay), expected, "{text}: {len} bytes, at {at}");
                }
            }
        }
        Ok(())
    }

    #[test]
    fn overlapping_candidates_are_each_tried() {
        assert_eq!(find("1212x", b"121212X"), Some(2));
        assert_eq!(find("aab", b"aaab"), Some(1));
        assert_eq!(find("::\"", b":::::\""), Some(3));
    }

    #[test]
    fn the_scan_finds_what_the_naive_one_does_in_json() -> Result<(), &'static str> {
        let mut hay = Vec::new();
        for i in 0..4000u32 {
            hay.extend_from_slice(
                format!("{{\"id\":{i},\"n\":\"Ab{}\"}},", i * 7919 % 1000).as_bytes(),
            );
        }
        for text in [
            "AB999",
            "3999",
            "\"n\":\"ab0",
            "}",
            "zz",
            "ab12\"},{\"id\":",
            "{\"id\":3999,\"n\":\"Ab",
        ] {
            let needle = Needle::new(text).ok_or("a needle")?;
            for cut in [0, 1, 31, 33, 100, hay.len() - 40, hay.len() - 3] {
                let h = &hay[cut.min(hay.len())..];
                assert_eq!(needle.find(h), naive(&needle, h), "{text} from {cut}");
            }
        }
        Ok(())
    }

    /// Pieces that fold or nearly fold into each other, to build texts from.
    const PIECES: &[&str] = &[
        "a", "A", "b", "@", "`", "1", "\"", ":", "é", "É", "e", "œ", "Œ", "×", "÷", "ß", "ÿ", "[",
        "{",
    ];

    fn text(max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(PIECES), 1..max)
            .prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn the_scan_agrees_with_checking_every_position(
            needle in text(5),
            hay in text(40),
            junk in proptest::collection::vec(any::<u8>(), 0..8),
        ) {
            let needle = Needle::new(&needle).ok_or(TestCaseError::reject("blank"))?;
            // Bytes that are not UTF-8 are searched too.
            let mut hay = hay.into_bytes();
            let at = junk.len() % (hay.len() + 1);
            hay.splice(at..at, junk);
            prop_assert_eq!(needle.find(&hay), naive(&needle, &hay));
        }
    }
}

use std::io::Write;

use flate2::Compression;
use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};
use hookscope::capture::decode::{Coding, DecodeError, codings, decode};

const CAP: u64 = 10 * 1024 * 1024;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A body large enough to span many decode chunks, and not trivially compressible.
fn sample() -> Vec<u8> {
    (0..20_000u32)
        .flat_map(|i| format!("{{\"event\":\"push\",\"n\":{i}}}\n").into_bytes())
        .collect()
}

fn corrupt_reason(result: Result<Vec<u8>, DecodeError>, coding: Coding) -> String {
    match result {
        Err(DecodeError::Corrupt { coding: c, reason }) if c == coding => reason,
        other => panic!("expected Corrupt for {coding:?}, got {other:?}"),
    }
}

fn parse(values: &[&str]) -> Result<Vec<Coding>, String> {
    codings(values.iter().map(|v| v.as_bytes()))
}

#[test]
fn round_trips() {
    let data = sample();
    use Coding::*;
    assert_eq!(decode(&[Gzip], &gzip(&data), CAP).unwrap(), data);
    assert_eq!(decode(&[Deflate], &zlib(&data), CAP).unwrap(), data);
    assert_eq!(decode(&[Deflate], &raw_deflate(&data), CAP).unwrap(), data);
    assert_eq!(
        decode(&[Gzip, Gzip], &gzip(&gzip(&data)), CAP).unwrap(),
        data
    );
    // "deflate, gzip": deflate applied first, so gzip is the outer layer.
    assert_eq!(
        decode(&[Deflate, Gzip], &gzip(&zlib(&data)), CAP).unwrap(),
        data
    );
    assert_eq!(
        decode(&[Gzip, Deflate], &zlib(&gzip(&data)), CAP).unwrap(),
        data
    );
    assert_eq!(decode(&[], &data, CAP).unwrap(), data);
    // Empty payloads compressed properly are fine.
    assert_eq!(decode(&[Gzip], &gzip(b""), CAP).unwrap(), b"");
    assert_eq!(decode(&[Deflate], &zlib(b""), CAP).unwrap(), b"");
}

#[test]
fn multi_member_gzip_is_decoded_whole() {
    let mut body = gzip(b"{\"a\":");
    body.extend(gzip(b""));
    body.extend(gzip(b"1}"));
    assert_eq!(decode(&[Coding::Gzip], &body, CAP).unwrap(), b"{\"a\":1}");
}

#[test]
fn exactly_at_the_limit_is_allowed() {
    let data = vec![b'x'; 100_000];
    assert_eq!(
        decode(&[Coding::Gzip], &gzip(&data), 100_000).unwrap(),
        data
    );
    assert_eq!(
        decode(&[Coding::Gzip], &gzip(&data), 99_999),
        Err(DecodeError::TooLarge {
            coding: Coding::Gzip,
            limit: 99_999
        })
    );
    assert_eq!(
        decode(&[Coding::Deflate], &zlib(&data), 99_999),
        Err(DecodeError::TooLarge {
            coding: Coding::Deflate,
            limit: 99_999
        })
    );
    assert_eq!(
        decode(&[Coding::Deflate], &raw_deflate(&data), 99_999),
        Err(DecodeError::TooLarge {
            coding: Coding::Deflate,
            limit: 99_999
        })
    );
}

#[test]
fn parses_content_encoding() {
    use Coding::*;
    assert_eq!(parse(&[]), Ok(vec![]));
    assert_eq!(parse(&["gzip"]), Ok(vec![Gzip]));
    assert_eq!(parse(&[" GZip ", "DEFLATE"]), Ok(vec![Gzip, Deflate]));
    assert_eq!(parse(&["deflate , gzip"]), Ok(vec![Deflate, Gzip]));
    assert_eq!(
        parse(&["gzip,deflate", "x-gzip"]),
        Ok(vec![Gzip, Deflate, Gzip])
    );
    assert_eq!(
        parse(&["identity", "", " , identity,gzip,", "Identity"]),
        Ok(vec![Gzip])
    );
    assert_eq!(parse(&["X-GZIP"]), Ok(vec![Gzip]));
    assert_eq!(parse(&["gzip", "br"]), Err("br".into()));
    assert_eq!(parse(&["gzip, Zstd , br"]), Err("Zstd".into()));
    assert_eq!(parse(&["compress"]), Err("compress".into()));
    assert_eq!(parse(&["gzip;q=1"]), Err("gzip;q=1".into()));
    assert_eq!(codings([&b"\xffzip"[..]]), Err("\u{fffd}zip".into()));
}

#[test]
fn corrupt_input_is_refused() {
    let not_compressed = br#"{"event":"push"}"#;
    corrupt_reason(decode(&[Coding::Gzip], not_compressed, CAP), Coding::Gzip);
    let reason = corrupt_reason(
        decode(&[Coding::Deflate], not_compressed, CAP),
        Coding::Deflate,
    );
    assert!(reason.starts_with("not zlib ("), "{reason}");

    // A flipped byte in the middle of the data.
    let mut body = gzip(&sample());
    let mid = body.len() / 2;
    body[mid] ^= 0x55;
    corrupt_reason(decode(&[Coding::Gzip], &body, CAP), Coding::Gzip);

    // A wrong CRC in the gzip trailer.
    let mut body = gzip(b"hello");
    let crc = body.len() - 8;
    body[crc] ^= 1;
    corrupt_reason(decode(&[Coding::Gzip], &body, CAP), Coding::Gzip);

    // The wrong coding named: zlib data labelled gzip.
    corrupt_reason(decode(&[Coding::Gzip], &zlib(b"hi"), CAP), Coding::Gzip);
}

#[test]
fn truncated_input_is_corrupt() {
    let data = sample();
    for (coding, body) in [
        (Coding::Gzip, gzip(&data)),
        (Coding::Deflate, zlib(&data)),
        (Coding::Deflate, raw_deflate(&data)),
    ] {
        for cut in [1, 4, 9, body.len() / 2, body.len() - 1] {
            corrupt_reason(decode(&[coding], &body[..cut], CAP), coding);
        }
    }
    // Cut inside the second member of a multi-member gzip.
    let mut body = gzip(b"one");
    body.extend(gzip(b"two"));
    corrupt_reason(
        decode(&[Coding::Gzip], &body[..body.len() - 3], CAP),
        Coding::Gzip,
    );
}

#[test]
fn trailing_garbage_is_corrupt() {
    for garbage in [
        &b"\0"[..],
        b"\0\0\0\0",
        b"junk after the stream",
        b"\x1f",
        b"\x1f\x8b",
    ] {
        let mut body = gzip(b"hello");
        body.extend_from_slice(garbage);
        corrupt_reason(decode(&[Coding::Gzip], &body, CAP), Coding::Gzip);

        for mut body in [zlib(b"hello"), raw_deflate(b"hello")] {
            body.extend_from_slice(garbage);
            let reason = corrupt_reason(decode(&[Coding::Deflate], &body, CAP), Coding::Deflate);
            assert!(reason.contains("follow the end of the stream"), "{reason}");
        }
    }
}

#[test]
fn empty_body_with_a_coding_is_corrupt() {
    corrupt_reason(decode(&[Coding::Gzip], b"", CAP), Coding::Gzip);
    corrupt_reason(decode(&[Coding::Deflate], b"", CAP), Coding::Deflate);
}

#[test]
fn messages_are_for_people() {
    assert_eq!(Coding::Gzip.name(), "gzip");
    assert_eq!(Coding::Deflate.name(), "deflate");
    let too_large = DecodeError::TooLarge {
        coding: Coding::Gzip,
        limit: CAP,
    };
    assert_eq!(
        too_large.to_string(),
        "the body decoded from gzip is over the 10485760 byte cap"
    );
    let err = decode(&[Coding::Gzip], b"{\"this is\": \"not gzip\"}", CAP).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the body is not valid gzip: invalid gzip header"
    );
    let err = decode(&[Coding::Deflate], b"", CAP).unwrap_err();
    println!("{err}");
    assert!(
        err.to_string()
            .starts_with("the body is not valid deflate: ")
    );
}

#![no_main]
//! Differential against `std::str::from_utf8` for any split of the input: the streaming
//! validator gives the same verdict, fails on exactly the piece holding the first byte that
//! makes the input invalid (not earlier, not later), and `validate_prefix` agrees with std.
use libfuzzer_sys::fuzz_target;
use rfc6455::utf8::{validate_prefix, Utf8Validator};

fuzz_target!(|input: (Vec<u16>, &[u8])| {
    let (cuts, data) = input;
    // The index of the byte that first makes some prefix definitely invalid.
    let bad_at = match std::str::from_utf8(data) {
        Ok(_) => None,
        Err(e) => e.error_len().map(|_| {
            (e.valid_up_to() + 1..=data.len())
                .find(|&n| std::str::from_utf8(&data[..n]).is_err_and(|e| e.error_len().is_some()))
                .expect("std rejects some prefix")
        }),
    };
    match (validate_prefix(data), std::str::from_utf8(data)) {
        (Ok(n), Ok(_)) => assert_eq!(n, data.len()),
        (Ok(n), Err(e)) => {
            assert!(e.error_len().is_none());
            assert_eq!(n, e.valid_up_to());
        }
        (Err(_), Err(e)) => assert!(e.error_len().is_some()),
        (Err(_), Ok(_)) => panic!("valid input rejected"),
    }
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|&c| usize::from(c) % (data.len() + 1))
        .collect();
    points.sort_unstable();
    points.push(data.len());
    let mut v = Utf8Validator::new();
    let mut start = 0;
    for end in points {
        let r = v.feed(&data[start..end]);
        match bad_at {
            Some(b) if b <= end => {
                assert!(
                    r.is_err(),
                    "accepted a piece ending at {end} though byte {} is bad",
                    b - 1
                );
                return;
            }
            _ => assert!(
                r.is_ok(),
                "failed at the piece ending at {end}, before the bad byte"
            ),
        }
        start = end;
    }
    assert_eq!(v.finish().is_ok(), std::str::from_utf8(data).is_ok());
});

//! Fuzzes the decoding of an HTTP answer into a result or the error JSON.
//! Input: the first two bytes, big-endian, modulo 1000, are the HTTP status
//! (so a seed starting with 0x00 0xC8 is 200, and 0..99 exercise the refusal
//! of impossible statuses); the rest is the body. Invariants: see
//! `check_envelope`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = u16::from_be_bytes([data[0], data[1]]) % 1000;
    authing_mfa_fuzz::check_envelope(status, &data[2..]);
});

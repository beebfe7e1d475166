//! Fuzzes the options JSON of `authing_mfa_client_new` (no network: building
//! a client opens no connection). Invariants: see `check_options`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The C layer refuses non-UTF-8 before the core sees it; lossy decoding
    // keeps every fuzzed input useful instead of discarding most of them.
    let json = String::from_utf8_lossy(data);
    authing_mfa_fuzz::check_options(&json);
});

//! Fuzzes `authing_mfa_call(method, params_json)`. Input: the first line is
//! the method name (every JS name is in the seeds and the dictionary; any
//! other line is garbage the library must refuse), the rest is the parameter
//! JSON; an input without a newline means "no parameters" (NULL).
//!
//! Requests are built and then refused by the transport before connecting
//! (the client points at plain http://192.0.2.1); face file paths are pinned
//! to a fixed temp file. Invariants: see `check_call`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (method, params) = match text.split_once('\n') {
        Some((method, params)) => (method, Some(params)),
        None => (&*text, None),
    };
    authing_mfa_fuzz::check_call(method, params);
});

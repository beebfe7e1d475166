package authingmfa

// Every build compiles against the module's own copy of the C header,
// include/authing_mfa.h: it is inside the module, so a module-cache copy
// has it, and it is the header this Go code was written for. The Rust test
// tests/header.rs (go_module_header_is_the_c_header) and run-tests.sh check
// that it is identical to the repository's include/authing_mfa.h. Flags in
// CGO_CFLAGS come first and can point elsewhere.

// #cgo CFLAGS: -I${SRCDIR}/include
import "C"

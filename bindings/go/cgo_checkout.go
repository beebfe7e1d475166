//go:build authingmfa_checkout && !authingmfa_custom

package authingmfa

// With -tags authingmfa_checkout (in-repo development: run-tests.sh uses
// it) the package links the library the repository builds in place,
// ../../target/debug, so `go test` works right after `cargo build -p
// authing-mfa` with nothing installed. The rpath lets the test binary find
// libauthing_mfa.so without LD_LIBRARY_PATH. This path exists only in a
// checkout of the repository, never in a module-cache copy.

// #cgo LDFLAGS: -L${SRCDIR}/../../target/debug -lauthing_mfa -Wl,-rpath,${SRCDIR}/../../target/debug
import "C"

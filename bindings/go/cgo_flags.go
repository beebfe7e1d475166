//go:build !authingmfa_custom && !authingmfa_pkgconfig

package authingmfa

// The default build links the library the repository builds in place, so
// `go test` works right after `cargo build -p authing-mfa` with no setup.
// The rpath lets the test binary find libauthing_mfa.so without
// LD_LIBRARY_PATH. Other layouts: see "Building" in doc.go.

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: -L${SRCDIR}/../../target/debug -lauthing_mfa -Wl,-rpath,${SRCDIR}/../../target/debug
import "C"

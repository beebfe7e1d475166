//go:build authingmfa_pkgconfig

package authingmfa

// With -tags authingmfa_pkgconfig the compiler and linker flags come from
// pkg-config's authing_mfa.pc (for an installed library).

// #cgo pkg-config: authing_mfa
import "C"

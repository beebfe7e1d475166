//go:build !authingmfa_custom && !authingmfa_checkout

package authingmfa

// The default: the linker flags come from pkg-config's authing_mfa.pc, which
// packaging/install.sh writes (set PKG_CONFIG_PATH to <prefix>/lib/pkgconfig
// for a prefix pkg-config does not search by itself). Its Libs line carries
// an rpath to the installed lib directory, so programs find
// libauthing_mfa.so.0 at run time without LD_LIBRARY_PATH. The tag
// authingmfa_pkgconfig, which used to select this file, is still accepted
// and changes nothing.

// #cgo pkg-config: authing_mfa
import "C"

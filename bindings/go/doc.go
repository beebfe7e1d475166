// Package authingmfa is the Go binding of authing-mfa, a native
// implementation of the MFA (multi-factor authentication) module of
// Authing's JavaScript SDK (authing-js-sdk 4.23.55). It calls the C library
// libauthing_mfa through cgo; every operation sends the same HTTP requests
// as the JavaScript SDK's `mfa` client.
//
// # Use
//
//	client, err := authingmfa.NewClient(authingmfa.Options{
//		UserPoolID: "…", AppID: "…", AppHost: "https://example.authing.cn",
//	})
//	if err != nil { … }
//	defer client.Close()
//	user, err := client.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{
//		Totp: code, MfaToken: mfaToken,
//	})
//	if authingmfa.IsAPI(err, authingmfa.CodeWrongTotp) { … }
//
// Parameter structs carry the JavaScript SDK's argument names as JSON tags
// and omit empty fields, so a field left empty is not sent at all (as a key
// missing from the JavaScript argument object). A nil params pointer, where
// the method takes one, means "no argument": the JavaScript defaults apply
// (for example type=totp&source=SELF when listing authenticators).
//
// # Concurrency
//
// A *Client is safe for concurrent use by many goroutines, token changes
// included: the C library synchronizes internally. [Client.Close] may be
// called at any time, even while calls are running: it makes new calls fail
// at once with StatusClosed and frees the native client without waiting;
// operations already running keep what they need and finish normally.
//
// # Contexts and cancellation
//
// Every operation takes a [context.Context] and really stops when it ends.
// Each operation runs as a native asynchronous operation
// (authing_mfa_call_async): the calling goroutine waits for its result or
// for the context, and when the context ends first it cancels the native
// operation (authing_mfa_op_cancel), which drops the HTTP request and its
// connection at once. The method returns promptly; nothing keeps running in
// the background and nothing leaks.
//
// A context that is already done fails the call before anything is sent. A
// context that ends during the call makes it return an *[Error] with Status
// StatusCancelled (for a cancelled context and an expired deadline alike;
// StatusTimeout means the client's own Options.Timeout) that unwraps to
// ctx.Err(), so errors.Is(err, context.Canceled) or errors.Is(err,
// context.DeadlineExceeded) tells which. Two caveats, as with any HTTP
// client: a request already sent may have reached the server and taken
// effect there (a recovery code may be consumed) although the method
// returned the context's error; and if the answer arrived just before the
// context ended, the method returns that answer, since it may carry a state
// change (a new token, a rotated recovery code).
//
// Options.Timeout (default 30 s) still bounds every request, whatever the
// context.
//
// # Shutdown
//
// [Shutdown] stops the native library for the whole process: operations in
// flight end with StatusShutdown, and every later operation (and NewClient)
// fails with it; there is no restart. It is optional, for a clean stop at
// the very end of a program.
//
// # Errors
//
// Every failure is an *[Error]; use errors.As or the helpers [IsAPI] and
// [IsStatus]. Error() shows the status, the server's code and
// message and the HTTP status, never Data (which can hold an mfaToken). No
// secret (token, mfaToken, TOTP code or secret, recovery code) appears in
// error messages, nor in the String/GoString output of this package's types.
//
// # Building
//
// The package compiles against its own copy of the C header
// (include/authing_mfa.h in the module) and, by default, takes the linker
// flags from pkg-config (`#cgo pkg-config: authing_mfa`): install the
// library with packaging/install.sh --prefix P and set PKG_CONFIG_PATH to
// P/lib/pkgconfig. The .pc file adds an rpath to P/lib, so programs find
// libauthing_mfa.so.0 at run time without LD_LIBRARY_PATH. Other layouts:
//
//   - -tags authingmfa_checkout links ../../target/debug of a repository
//     checkout (after `cargo build -p authing-mfa`), with an rpath to it.
//   - -tags authingmfa_custom drops the package's linker flags, so only
//     CGO_LDFLAGS decides. Static linking, for example:
//     CGO_LDFLAGS="/path/libauthing_mfa.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc".
//   - CGO_CFLAGS / CGO_LDFLAGS: flags from the environment come before the
//     package's own in every mode.
//
// The process must not fork() without exec() after the first call, as the
// library runs its own I/O threads.
package authingmfa

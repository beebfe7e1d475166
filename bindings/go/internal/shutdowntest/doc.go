// Package shutdowntest holds the tests of authingmfa.Shutdown. Shutdown is
// process-wide and final (the library cannot be restarted), so it is tested
// in this package's own test binary, a separate process, and never by the
// tests of package authingmfa. It has no code of its own.
package shutdowntest

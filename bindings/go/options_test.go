package authingmfa_test

import (
	"testing"

	authingmfa "github.com/authing-mfa/authing-mfa/bindings/go"
)

// TestMaxRetries: Options.MaxRetries reaches the library as maxRetries. A
// GET answered 503 is sent 1 + retries times: 0 is the library's default
// (2 retries), a negative value none, a positive value that many.
func TestMaxRetries(t *testing.T) {
	for _, tc := range []struct {
		retries  int
		requests int64
	}{{-1, 1}, {1, 2}, {0, 3}} {
		url, hits := fakeServer(t, 503, `{"code":503,"message":"busy"}`)
		c := newClient(t, authingmfa.Options{AppHost: url, MaxRetries: tc.retries})
		_, err := c.GetMfaAuthenticators(ctxT(t), nil)
		asError(t, err, authingmfa.StatusHTTPStatus)
		if got := hits.Load(); got != tc.requests {
			t.Errorf("MaxRetries %d: %d requests, want %d", tc.retries, got, tc.requests)
		}
	}
	// Above the library's bound (10): refused when the client is created.
	_, err := authingmfa.NewClient(authingmfa.Options{AppHost: "http://127.0.0.1:1", MaxRetries: 11})
	asError(t, err, authingmfa.StatusInvalidArgument)
}

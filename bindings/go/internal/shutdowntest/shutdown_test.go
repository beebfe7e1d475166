package shutdowntest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	authingmfa "github.com/authing-mfa/authing-mfa/bindings/go"
	"github.com/authing-mfa/authing-mfa/bindings/go/internal/counters"
)

// hangServer accepts connections and never answers them.
func hangServer(t *testing.T) (url string, accepted *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = new(atomic.Int64)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			accepted.Add(1)
			go io.Copy(io.Discard, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String(), accepted
}

// okServer answers every request with an empty authenticator list.
func okServer(t *testing.T) (url string, hits *atomic.Int64) {
	t.Helper()
	hits = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"code":200,"message":"ok","data":[]}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, hits
}

func newClient(t *testing.T, url string) *authingmfa.Client {
	t.Helper()
	c, err := authingmfa.NewClient(authingmfa.Options{AppHost: url, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func isShutdown(err error) bool {
	var e *authingmfa.Error
	return errors.As(err, &e) && e.Status == authingmfa.StatusShutdown && errors.Unwrap(err) == nil
}

// TestShutdown: calls in flight when Shutdown runs end with StatusShutdown,
// promptly and releasing what they took; every later call fails with it;
// Shutdown is idempotent. It runs once per process, which is why it is the
// only test of this binary.
func TestShutdown(t *testing.T) {
	const inflight = 8
	const bound = 5 * time.Second
	okURL, hits := okServer(t)
	hangURL, accepted := hangServer(t)
	ok := newClient(t, okURL)
	hang := newClient(t, hangURL)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// The library works before.
	if _, err := ok.GetMfaAuthenticators(ctx, nil); err != nil || hits.Load() != 1 {
		t.Fatalf("before Shutdown: %v (hits %d)", err, hits.Load())
	}
	if err := authingmfa.Shutdown(-time.Second); !authingmfa.IsStatus(err, authingmfa.StatusInvalidArgument) {
		t.Fatalf("Shutdown(-1s): %v", err)
	}

	// Calls in flight: each waits on a server that never answers, with a
	// context and a client timeout far longer than the test.
	results := make(chan error, inflight)
	for i := range inflight {
		go func() {
			_, err := hang.Call(ctx, "verifyTotpMfa", map[string]string{"totp": "123456", "mfaToken": fmt.Sprint("m", i)})
			results <- err
		}()
	}
	deadline := time.Now().Add(bound)
	for accepted.Load() < inflight {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d requests reached the server", accepted.Load(), inflight)
		}
		time.Sleep(5 * time.Millisecond)
	}

	start := time.Now()
	if err := authingmfa.Shutdown(bound); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > bound+time.Second {
		t.Fatalf("Shutdown took %v", d)
	}
	for i := range inflight {
		select {
		case err := <-results:
			if !isShutdown(err) {
				t.Errorf("call %d in flight at Shutdown: want StatusShutdown (and no context error), got %v", i, err)
			}
		case <-time.After(bound):
			t.Fatalf("call %d in flight did not end after Shutdown", i)
		}
	}
	if n := counters.Handles.Load(); n != 0 {
		t.Errorf("%d cgo.Handle(s) not deleted", n)
	}
	if n := counters.Ops.Load(); n != 0 {
		t.Errorf("%d authing_mfa_op handle(s) not freed", n)
	}
	if n := counters.ExtraCallbacks.Load(); n != 0 {
		t.Errorf("%d extra callback(s)", n)
	}

	// Afterwards every operation fails with StatusShutdown without sending
	// anything.
	before := hits.Load()
	if _, err := ok.GetMfaAuthenticators(ctx, nil); !isShutdown(err) {
		t.Errorf("a call after Shutdown: %v", err)
	}
	if _, err := ok.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{Totp: "123456", MfaToken: "m"}); !isShutdown(err) {
		t.Errorf("a call after Shutdown: %v", err)
	}
	// A new client cannot be made either: the library builds its HTTP
	// transport on the stopped runtime.
	if fresh, err := authingmfa.NewClient(authingmfa.Options{AppHost: okURL}); !isShutdown(err) {
		t.Errorf("NewClient after Shutdown: %v", err)
		fresh.Close()
	}
	if hits.Load() != before {
		t.Errorf("%d request(s) sent after Shutdown", hits.Load()-before)
	}
	if n := counters.Handles.Load(); n != 0 {
		t.Errorf("refused calls left %d cgo.Handle(s)", n)
	}

	// Idempotent; local work that needs no network still works.
	if err := authingmfa.Shutdown(time.Second); err != nil {
		t.Fatalf("a second Shutdown: %v", err)
	}
	if code, err := authingmfa.TotpGenerate("JBSWY3DPEHPK3PXP", time.Unix(59, 0)); err != nil || code != "996554" {
		t.Errorf("TotpGenerate after Shutdown: %q %v", code, err)
	}
}

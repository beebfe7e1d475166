package authingmfa_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	authingmfa "github.com/authing-mfa/authing-mfa/bindings/go"
	"github.com/authing-mfa/authing-mfa/bindings/go/internal/counters"
)

// hangServer accepts connections, reads whatever the client sends and never
// answers: a request to it ends only by the client's timeout, a cancelled
// context or Shutdown. It counts the connections the client closed, which
// shows that a cancelled request was really abandoned by the library
// rather than left running.
type hangServer struct {
	URL      string
	accepted atomic.Int64
	closed   atomic.Int64 // connections the client closed (read EOF or error)
}

func newHangServer(t testing.TB) *hangServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &hangServer{URL: "http://" + ln.Addr().String()}
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
			s.accepted.Add(1)
			go func() {
				io.Copy(io.Discard, c) // until the client closes it
				s.closed.Add(1)
			}()
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
	return s
}

// hangingServer is newHangServer for tests that need only its URL.
func hangingServer(t testing.TB) string {
	t.Helper()
	return newHangServer(t).URL
}

// waitFor polls cond for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}

// checkReleased asserts that no operation holds a cgo.Handle or a native op
// handle, and that no operation got a second callback. Every method waits
// for its operation's one callback and releases both handles before it
// returns, so once the calls of a test have returned the counts are exactly
// zero: no polling. (The tests of this package do not run in parallel.)
func checkReleased(t testing.TB) {
	t.Helper()
	if n := counters.Handles.Load(); n != 0 {
		t.Errorf("%d cgo.Handle(s) not deleted", n)
	}
	if n := counters.Ops.Load(); n != 0 {
		t.Errorf("%d authing_mfa_op handle(s) not freed", n)
	}
	if n := counters.ExtraCallbacks.Load(); n != 0 {
		t.Errorf("%d operation(s) got more than one callback", n)
	}
}

// isCancelled asserts err is the error of a call whose context ended:
// StatusCancelled, wrapping want (context.Canceled or DeadlineExceeded).
func isCancelled(t testing.TB, err error, want error) {
	t.Helper()
	e := asError(t, err, authingmfa.StatusCancelled)
	if !errors.Is(err, want) {
		t.Fatalf("want %v in the chain of %v", want, err)
	}
	other := context.Canceled
	if want == context.Canceled {
		other = context.DeadlineExceeded
	}
	if errors.Is(err, other) {
		t.Fatalf("%v must not be %v", err, other)
	}
	if e.HTTPStatus != 0 || e.HasCode || len(e.Data) != 0 {
		t.Fatalf("a context error carries server details: %#v", e)
	}
}

// TestContextDoneBeforeTheCall: a context already done fails the call
// before anything is sent; context.Background (never done) changes nothing.
func TestContextDoneBeforeTheCall(t *testing.T) {
	url, hits := fakeServer(t, 200, `{"code":200,"message":"ok","data":[]}`)
	c := newClient(t, authingmfa.Options{AppHost: url})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.GetMfaAuthenticators(ctx, nil)
	isCancelled(t, err, context.Canceled)

	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	_, err = c.DeleteMfaAuthenticator(expired)
	isCancelled(t, err, context.DeadlineExceeded)
	_, err = c.Call(expired, "getMfaAuthenticators", nil)
	isCancelled(t, err, context.DeadlineExceeded)
	if hits.Load() != 0 {
		t.Fatal("a request was sent with a done context")
	}

	if _, err := c.GetMfaAuthenticators(context.Background(), nil); err != nil || hits.Load() != 1 {
		t.Fatalf("with context.Background: %v (hits %d)", err, hits.Load())
	}
	var nilCtx context.Context
	_, err = c.GetMfaAuthenticators(nilCtx, nil)
	asError(t, err, authingmfa.StatusInvalidArgument)
	checkReleased(t)
}

// TestContextEndsDuringTheCall: a call to a server that never answers ends
// as soon as its context does, far before the client's 30 s timeout, and
// the library really abandons the request: it closes the connection.
func TestContextEndsDuringTheCall(t *testing.T) {
	const clientTimeout = 30 * time.Second
	const bound = 3 * time.Second // generous for -race on a busy machine

	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(150*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 150*time.Millisecond)
		}, context.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newHangServer(t)
			c := newClient(t, authingmfa.Options{AppHost: srv.URL, Timeout: clientTimeout})
			ctx, cancel := tc.ctx()
			defer cancel()
			start := time.Now()
			_, err := c.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{Totp: "123456", MfaToken: "m"})
			elapsed := time.Since(start)
			isCancelled(t, err, tc.want)
			if elapsed > bound {
				t.Fatalf("the call outlived its context by far: %v", elapsed)
			}
			if srv.accepted.Load() != 1 {
				t.Fatalf("the request did not reach the server (%d connections)", srv.accepted.Load())
			}
			checkReleased(t)
			// Nothing keeps running in the background: the library dropped
			// the request and its connection.
			if !waitFor(bound, func() bool { return srv.closed.Load() == 1 }) {
				t.Fatal("the cancelled request's connection is still open")
			}
		})
	}

	t.Run("a deadline that does not expire changes nothing", func(t *testing.T) {
		u := newUser(t)
		c := newClient(t, authingmfa.Options{Token: u.loginToken(t)})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := c.AssociateMfaAuthenticator(ctx, nil); err != nil {
			t.Fatal(err)
		}
		checkReleased(t)
	})

	t.Run("Close while a call waits, then cancel it", func(t *testing.T) {
		srv := newHangServer(t)
		c := newClient(t, authingmfa.Options{AppHost: srv.URL, Timeout: clientTimeout})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := c.GetMfaAuthenticators(ctx, nil)
			done <- err
		}()
		if !waitFor(bound, func() bool { return srv.accepted.Load() == 1 }) {
			t.Fatal("the request did not reach the server")
		}
		// The native client is freed at once; the operation in flight
		// keeps what it needs and can still be cancelled.
		c.Close()
		cancel()
		select {
		case err := <-done:
			isCancelled(t, err, context.Canceled)
		case <-time.After(bound):
			t.Fatal("cancelling after Close did not end the call")
		}
		checkReleased(t)
	})
}

// echoServer answers GET /api/v2/mfa/authenticator with one authenticator
// whose id is the bearer token of the request, so that each caller can
// check it got its own answer, after delay. A request with the token
// "hang" gets no answer until the client gives up; hangs counts such
// requests received and hangsAbandoned those the client abandoned.
type echoServer struct {
	URL                   string
	hangs, hangsAbandoned atomic.Int64
}

func newEchoServer(t testing.TB, delay time.Duration) *echoServer {
	t.Helper()
	s := &echoServer{}
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if token == "hang" {
			s.hangs.Add(1)
			select {
			case <-r.Context().Done(): // the client closed the connection
				s.hangsAbandoned.Add(1)
			case <-stop:
			}
			return
		}
		if delay > 0 {
			time.Sleep(delay)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"code":200,"message":"ok","data":[{"id":%q,"authenticatorType":"totp"}]}`, token)
	}))
	// Cleanups run last-in first-out: unblock the handlers, then close.
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	s.URL = srv.URL
	return s
}

// listAs lists authenticators with token as the mfaToken and checks the
// answer is the one for that token.
func listAs(ctx context.Context, c *authingmfa.Client, token string) error {
	list, err := c.GetMfaAuthenticators(ctx, &authingmfa.GetMfaAuthenticatorsParams{MfaToken: token})
	if err != nil {
		return err
	}
	if len(list) != 1 || list[0].ID != token {
		return fmt.Errorf("token %s got the answer %+v", token, list)
	}
	return nil
}

// TestCancelRacesCompletion: contexts cancelled around the moment the
// answer arrives, many times. Each call must end exactly once, either with
// its own, complete answer or with the context's error, never anything
// else, and release everything it took.
func TestCancelRacesCompletion(t *testing.T) {
	srv := newEchoServer(t, 0)
	c := newClient(t, authingmfa.Options{AppHost: srv.URL})

	const workers, rounds = 8, 150
	// Cancel at random moments from before the call to well after its
	// typical duration, so both outcomes happen: measure that duration
	// with the same concurrency first.
	var mu sync.Mutex
	var lat []time.Duration
	var warm sync.WaitGroup
	for w := range workers {
		goIn(&warm, func() {
			for i := range 10 {
				start := time.Now()
				if err := listAs(context.Background(), c, fmt.Sprintf("warm-%d-%d", w, i)); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				mu.Unlock()
			}
		})
	}
	warm.Wait()
	if t.Failed() {
		t.FailNow()
	}
	slices.Sort(lat)
	spread := 2 * lat[len(lat)/2]

	var answered, cancelled atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		goIn(&wg, func() {
			for r := range rounds {
				token := fmt.Sprintf("w%d-r%d", w, r)
				ctx, cancel := context.WithCancel(context.Background())
				// Every other call draws from a narrower window, in case the
				// warm-up was slower than the rest (a busy machine).
				window := spread
				if r%2 == 1 {
					window = spread / 4
				}
				timer := time.AfterFunc(rand.N(window+1), cancel)
				err := listAs(ctx, c, token)
				timer.Stop()
				cancel()
				switch {
				case err == nil:
					answered.Add(1)
				case authingmfa.IsStatus(err, authingmfa.StatusCancelled) && errors.Is(err, context.Canceled):
					cancelled.Add(1)
				default:
					errs <- fmt.Errorf("call %s: %v", token, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d answered, %d cancelled (cancel spread %v)", answered.Load(), cancelled.Load(), spread)
	if answered.Load()+cancelled.Load() != workers*rounds {
		t.Fatalf("%d outcomes for %d calls", answered.Load()+cancelled.Load(), workers*rounds)
	}
	if answered.Load() == 0 || cancelled.Load() == 0 {
		t.Fatalf("the race was not exercised: %d answered, %d cancelled", answered.Load(), cancelled.Load())
	}
	checkReleased(t)
	// The client still works normally.
	if err := listAs(context.Background(), c, "after"); err != nil {
		t.Fatal(err)
	}
	checkReleased(t)
}

// lateCtx is a context that ends only once its answer is surely in: its
// Done, which invoke reads when it starts waiting, blocks until the server
// has sent the answer plus a margin for the library to deliver it, then
// reports the context as cancelled. So invoke sees both the result and the
// end of the context ready at once.
type lateCtx struct {
	context.Context
	answered <-chan struct{}
	ended    atomic.Bool
}

func (c *lateCtx) Done() <-chan struct{} {
	<-c.answered
	time.Sleep(100 * time.Millisecond) // the callback has long fired
	c.ended.Store(true)
	closed := make(chan struct{})
	close(closed)
	return closed
}

func (c *lateCtx) Err() error {
	if c.ended.Load() {
		return context.Canceled
	}
	return nil
}

// TestAnswerBeforeContextEndIsKept: when the answer came before the
// context ended, the method returns the answer (it may carry a state
// change, such as a rotated recovery code), not the context's error, on
// either branch of the wait.
func TestAnswerBeforeContextEndIsKept(t *testing.T) {
	answered := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"code":200,"message":"ok","data":{"id":"u1","token":"t"},"recoveryCode":"rotated"}`)
		w.(http.Flusher).Flush()
		answered <- struct{}{}
	}))
	defer srv.Close()
	c := newClient(t, authingmfa.Options{AppHost: srv.URL})
	for i := range 10 { // invoke's select picks either ready branch at random
		ctx := &lateCtx{Context: context.Background(), answered: answered}
		res, err := c.VerifyTotpRecoveryCode(ctx, authingmfa.VerifyRecoveryCodeParams{RecoveryCode: "rc", MfaToken: "m"})
		if err != nil || res.RecoveryCode != "rotated" {
			t.Fatalf("round %d: the answer was lost: %v", i, err)
		}
		if ctx.Err() == nil {
			t.Fatal("the test context never ended")
		}
	}
	checkReleased(t)
}

// TestCancelLeavesOtherCallsAlone: on one client, calls stuck on a server
// that never answers them are cancelled one by one while other calls run;
// the others all complete with their own answers, and every stuck request
// is abandoned (its connection closed), not left running.
func TestCancelLeavesOtherCallsAlone(t *testing.T) {
	const stuck, workers, rounds = 16, 16, 10
	const bound = 5 * time.Second
	srv := newEchoServer(t, 20*time.Millisecond)
	c := newClient(t, authingmfa.Options{AppHost: srv.URL, Timeout: 30 * time.Second})

	cancels := make([]context.CancelFunc, stuck)
	stuckErrs := make(chan error, stuck)
	for i := range stuck {
		ctx, cancel := context.WithCancel(context.Background())
		cancels[i] = cancel
		go func() { stuckErrs <- listAs(ctx, c, "hang") }()
	}
	if !waitFor(bound, func() bool { return srv.hangs.Load() == stuck }) {
		t.Fatalf("%d of %d stuck requests reached the server", srv.hangs.Load(), stuck)
	}

	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		goIn(&wg, func() {
			for r := range rounds {
				if err := listAs(context.Background(), c, fmt.Sprintf("w%d-r%d", w, r)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	// Cancel the stuck calls while the others are in flight.
	for i, cancel := range cancels {
		time.Sleep(5 * time.Millisecond)
		cancel()
		select {
		case err := <-stuckErrs:
			isCancelled(t, err, context.Canceled)
		case <-time.After(bound):
			t.Fatalf("stuck call %d did not end when cancelled", i)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if !waitFor(bound, func() bool { return srv.hangsAbandoned.Load() == stuck }) {
		t.Fatalf("%d of %d cancelled requests were abandoned", srv.hangsAbandoned.Load(), stuck)
	}
	checkReleased(t)
}

// TestManyGoroutinesOneClient: 64 goroutines share one client for real MFA
// calls against the dev server, each as its own user (its own mfaToken);
// some calls are cancelled on the way. Every answer must be the caller's
// own, every failure a cancellation, and nothing may leak.
func TestManyGoroutinesOneClient(t *testing.T) {
	const goroutines, rounds = 64, 15
	ctx := ctxT(t)
	c := newClient(t, authingmfa.Options{})
	type fixture struct {
		u   testUser
		mfa string
	}
	fx := make([]fixture, goroutines)
	for i := range fx {
		u := newUser(t)
		u.bindTotp(t)
		fx[i] = fixture{u, u.mfaToken(t)}
	}
	var ok, cancelled atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for i := range fx {
		f := fx[i]
		goIn(&wg, func() {
			for r := range rounds {
				callCtx, cancel := context.WithCancel(ctx)
				if r%5 == 4 { // every fifth call is cancelled soon after it starts
					time.AfterFunc(time.Duration(rand.N(2000))*time.Microsecond, cancel)
				}
				list, err := c.GetMfaAuthenticators(callCtx, &authingmfa.GetMfaAuthenticatorsParams{Type: "totp", MfaToken: f.mfa})
				cancel()
				switch {
				case err == nil:
					if len(list) != 1 || list[0].UserID != f.u.ID { // an mfaToken never reads the secret
						errs <- fmt.Errorf("user %s got someone else's authenticators", f.u.Username)
						return
					}
					ok.Add(1)
				case r%5 == 4 && authingmfa.IsStatus(err, authingmfa.StatusCancelled) && errors.Is(err, context.Canceled):
					cancelled.Add(1)
				default:
					errs <- fmt.Errorf("user %s, call %d: %v", f.u.Username, r, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d answered, %d cancelled", ok.Load(), cancelled.Load())
	if ok.Load()+cancelled.Load() != goroutines*rounds {
		t.Fatalf("%d outcomes for %d calls", ok.Load()+cancelled.Load(), goroutines*rounds)
	}
	// At least the four uncancelled calls of every five succeeded.
	if ok.Load() < goroutines*rounds*4/5 {
		t.Fatalf("only %d of %d calls answered", ok.Load(), goroutines*rounds)
	}
	checkReleased(t)
}

// TestStartRefusals: operations the library refuses to start (the callback
// never fires) still release their cgo.Handle.
func TestStartRefusals(t *testing.T) {
	ctx := ctxT(t)
	c := newClient(t, authingmfa.Options{AppHost: devURL})
	_, err := c.Call(ctx, "verifySmsMfa", nil)
	if e := asError(t, err, authingmfa.StatusInvalidArgument); !strings.Contains(e.Message, "verifySmsMfa") {
		t.Fatalf("the unknown method is not named: %v", e)
	}
	_, err = c.Call(ctx, "verify\xffTotpMfa", nil)
	asError(t, err, authingmfa.StatusInvalidUTF8)
	checkReleased(t)
}

// TestRefusalsCarryTheLibrarysMessage: a refused start and a refused token
// come with the library's error JSON (authing_mfa_call_async_ex,
// authing_mfa_client_set_token_ex), never the token itself.
func TestRefusalsCarryTheLibrarysMessage(t *testing.T) {
	c := newClient(t, authingmfa.Options{AppHost: devURL})
	for _, bad := range []string{"a b", "tab\there", "caf\u00e9"} {
		e := asError(t, c.SetToken(bad), authingmfa.StatusInvalidArgument)
		if !strings.Contains(e.Message, "contains characters not allowed in an HTTP header") {
			t.Fatalf("not the library's message: %q", e.Message)
		}
		if strings.Contains(e.Error(), bad) {
			t.Fatalf("the token is in the error: %q", e.Error())
		}
	}
	_, err := c.Call(ctxT(t), "noSuchMethod", nil)
	if e := asError(t, err, authingmfa.StatusInvalidArgument); e.Message != "unknown method `noSuchMethod`" {
		t.Fatalf("not the library's message: %q", e.Message)
	}
	checkReleased(t)
}

package authingmfa_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	authingmfa "github.com/authing-mfa/authing-mfa/bindings/go"
	"github.com/authing-mfa/authing-mfa/bindings/go/internal/counters"
)

// fakeServer answers every request with the given status and body and
// counts the requests.
func fakeServer(t testing.TB, status int, body string) (url string, hits *atomic.Int64) {
	t.Helper()
	hits = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, hits
}

// closedPort is a loopback port with nothing listening.
func closedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// TestErrorFamilies: one failure of each kind, each an *Error with the
// right Status, Code and HTTPStatus.
func TestErrorFamilies(t *testing.T) {
	ctx := ctxT(t)

	t.Run("API 6001 and 6002", func(t *testing.T) {
		u := newUser(t)
		secret, _ := u.bindTotp(t)
		c := newClient(t, authingmfa.Options{})
		_, err := c.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{Totp: wrongTotp(t, secret), MfaToken: u.mfaToken(t)})
		e := asError(t, err, authingmfa.StatusAPI)
		if !e.HasCode || e.Code != 6001 || e.HTTPStatus != 200 || e.Message == "" {
			t.Fatalf("6001: %#v", e)
		}
		_, err = c.VerifyTotpRecoveryCode(ctx, authingmfa.VerifyRecoveryCodeParams{RecoveryCode: "0000-0000-0000-0000-0000-0000", MfaToken: u.mfaToken(t)})
		e = asError(t, err, authingmfa.StatusAPI)
		if !e.HasCode || e.Code != 6002 || e.HTTPStatus != 200 {
			t.Fatalf("6002: %#v", e)
		}
	})

	t.Run("HTTP 400 at confirm", func(t *testing.T) {
		u := newUser(t)
		c := newClient(t, authingmfa.Options{Token: u.loginToken(t)})
		a, err := c.AssociateMfaAuthenticator(ctx, &authingmfa.AssociateParams{AuthenticatorType: "totp", Source: "SELF"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.ConfirmAssociateMfaAuthenticator(ctx, &authingmfa.ConfirmParams{AuthenticatorType: "totp", Totp: wrongTotp(t, a.Secret)})
		e := asError(t, err, authingmfa.StatusHTTPStatus)
		if e.HTTPStatus != 400 || e.Code != 400 || !e.HasCode {
			t.Fatalf("confirm: %#v", e)
		}
		if !strings.Contains(e.Error(), "HTTP 400") {
			t.Fatalf("Error() lacks the HTTP status: %s", e)
		}
	})

	t.Run("HTTP 500 without an envelope", func(t *testing.T) {
		url, _ := fakeServer(t, 500, "upstream exploded")
		c := newClient(t, authingmfa.Options{AppHost: url})
		_, err := c.DeleteMfaAuthenticator(ctx)
		e := asError(t, err, authingmfa.StatusHTTPStatus)
		if e.HTTPStatus != 500 || e.HasCode {
			t.Fatalf("500: %#v", e)
		}
	})

	t.Run("network: closed port", func(t *testing.T) {
		c := newClient(t, authingmfa.Options{AppHost: closedPort(t)})
		_, err := c.GetMfaAuthenticators(ctx, nil)
		e := asError(t, err, authingmfa.StatusNetwork)
		if e.HTTPStatus != 0 || e.HasCode {
			t.Fatalf("network: %#v", e)
		}
	})

	t.Run("timeout: a server that never answers", func(t *testing.T) {
		// A microsecond rounds up to 1 ms (0 would mean the 30 s default).
		for _, timeout := range []time.Duration{time.Microsecond, 150 * time.Millisecond} {
			c := newClient(t, authingmfa.Options{AppHost: hangingServer(t), Timeout: timeout})
			start := time.Now()
			_, err := c.GetMfaAuthenticators(ctx, nil)
			asError(t, err, authingmfa.StatusTimeout)
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("timeout %v took %v", timeout, d)
			}
			// The library's timeout is not a context error.
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatal("a library timeout must not claim to be the context's")
			}
		}
	})

	t.Run("decode: not JSON", func(t *testing.T) {
		url, _ := fakeServer(t, 200, "<html>hello</html>")
		c := newClient(t, authingmfa.Options{AppHost: url})
		_, err := c.GetMfaAuthenticators(ctx, nil)
		asError(t, err, authingmfa.StatusDecode)
	})

	t.Run("decode: larger than MaxResponseBytes", func(t *testing.T) {
		url, _ := fakeServer(t, 200, `{"code":200,"message":"`+strings.Repeat("x", 4096)+`","data":[]}`)
		c := newClient(t, authingmfa.Options{AppHost: url, MaxResponseBytes: 1024})
		_, err := c.GetMfaAuthenticators(ctx, nil)
		asError(t, err, authingmfa.StatusDecode)
		big := newClient(t, authingmfa.Options{AppHost: url})
		if _, err := big.GetMfaAuthenticators(ctx, nil); err != nil {
			t.Fatalf("the same answer under the default limit: %v", err)
		}
	})

	t.Run("decode: a result of the wrong shape", func(t *testing.T) {
		url, _ := fakeServer(t, 200, `{"code":200,"message":"ok","data":{"not":"a list"}}`)
		c := newClient(t, authingmfa.Options{AppHost: url})
		_, err := c.GetMfaAuthenticators(ctx, nil)
		asError(t, err, authingmfa.StatusDecode)
	})

	t.Run("invalid argument: nothing is sent", func(t *testing.T) {
		url, hits := fakeServer(t, 200, `{"code":200,"message":"ok","data":null}`)
		c := newClient(t, authingmfa.Options{AppHost: url})
		_, err := c.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{Totp: "123456"}) // no mfaToken
		e := asError(t, err, authingmfa.StatusInvalidArgument)
		if !strings.Contains(e.Message, "mfaToken") {
			t.Fatalf("the missing key is not named: %s", e.Message)
		}
		_, err = c.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{Totp: "12\xff456", MfaToken: "x"})
		asError(t, err, authingmfa.StatusInvalidUTF8)
		_, err = c.VerifyTotpMfa(nil, authingmfa.VerifyTotpParams{Totp: "123456", MfaToken: "x"}) //nolint:staticcheck // nil ctx on purpose
		asError(t, err, authingmfa.StatusInvalidArgument)
		_, err = c.AssociateFaceByURL(ctx, authingmfa.AssociateFaceByURLParams{BaseFace: "https://x/a.jpg"}) // no compareFace
		asError(t, err, authingmfa.StatusInvalidArgument)
		_, err = c.PhoneOrEmailBindable(ctx, authingmfa.PhoneOrEmailBindableParams{Phone: "1"}) // no mfaToken
		asError(t, err, authingmfa.StatusInvalidArgument)
		if n := hits.Load(); n != 0 {
			t.Fatalf("%d requests were sent for invalid arguments", n)
		}
	})

	t.Run("invalid options", func(t *testing.T) {
		for name, opts := range map[string]authingmfa.Options{
			"lang":             {Lang: "fr-FR"},
			"URL":              {AppHost: "not a url"},
			"negative timeout": {Timeout: -time.Second},
			"timeout over 24h": {Timeout: 25 * time.Hour},
			"PEM":              {CACertPEM: "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"},
			"max bytes":        {MaxResponseBytes: -1},
			"token":            {Token: "two words"},
		} {
			c, err := authingmfa.NewClient(opts)
			if c != nil {
				t.Errorf("%s: got a client", name)
			}
			if !authingmfa.IsStatus(err, authingmfa.StatusInvalidArgument) {
				t.Errorf("%s: want InvalidArgument, got %v", name, err)
			}
		}
		_, err := authingmfa.NewClient(authingmfa.Options{UserPoolID: "\xfe"})
		asError(t, err, authingmfa.StatusInvalidUTF8)
		c, err := authingmfa.NewClient(authingmfa.Options{}) // the defaults: no network touched
		if err != nil {
			t.Fatalf("default options: %v", err)
		}
		c.Close()
	})

	t.Run("IO: missing face file", func(t *testing.T) {
		url, hits := fakeServer(t, 200, `{"code":200,"message":"ok","data":{"key":"k","url":"u"}}`)
		c := newClient(t, authingmfa.Options{AppHost: url, Token: "tok"})
		_, err := c.AssociateFaceByFiles(ctx, authingmfa.AssociateFaceByFilesParams{BaseFace: "/nonexistent/face.jpg"})
		asError(t, err, authingmfa.StatusIO)
		if hits.Load() != 0 {
			t.Fatal("a request was sent before the file was read")
		}
	})

	t.Run("API error with data: 1635", func(t *testing.T) {
		const secretToken = "SECRET-MFA-TOKEN-0123456789"
		url, _ := fakeServer(t, 200, `{"code":1635,"message":"MFA required","data":{"mfaToken":"`+secretToken+`","totpMfaEnabled":true}}`)
		c := newClient(t, authingmfa.Options{AppHost: url, Token: "tok"})
		_, err := c.GetMfaAuthenticators(ctx, nil)
		if !authingmfa.IsAPI(err, authingmfa.CodeMfaRequired) {
			t.Fatalf("want API 1635, got %v", err)
		}
		e := asError(t, err, authingmfa.StatusAPI)
		if e.MfaToken() != secretToken || !strings.Contains(string(e.Data), `"totpMfaEnabled":true`) {
			t.Fatalf("Data not kept: %d bytes", len(e.Data))
		}
		for _, out := range []string{e.Error(), fmt.Sprint(err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(out, secretToken) {
				t.Fatalf("the error prints Data: %s", out)
			}
			if !strings.Contains(out, "1635") {
				t.Fatalf("the error does not show its code: %s", out)
			}
		}
	})
}

// TestErrorsAs: every failure matches errors.As through wrapping, and the
// helpers read it.
func TestErrorsAs(t *testing.T) {
	c := newClient(t, authingmfa.Options{AppHost: closedPort(t)})
	_, err := c.DeleteMfaAuthenticator(ctxT(t))
	wrapped := fmt.Errorf("deleting: %w", err)

	var e *authingmfa.Error
	if !errors.As(wrapped, &e) || e.Status != authingmfa.StatusNetwork {
		t.Fatalf("errors.As through %%w: %v", wrapped)
	}
	if !authingmfa.IsStatus(wrapped, authingmfa.StatusNetwork) || authingmfa.IsStatus(wrapped, authingmfa.StatusAPI) {
		t.Fatal("IsStatus")
	}
	if authingmfa.IsAPI(wrapped, 6001) || authingmfa.IsAPI(nil, 6001) || authingmfa.IsAPI(errors.New("x"), 6001) {
		t.Fatal("IsAPI matched a non-API error")
	}
	if got, want := e.Error(), "authingmfa: AUTHING_MFA_ERR_NETWORK: "; !strings.HasPrefix(got, want) {
		t.Fatalf("Error() = %q, want prefix %q", got, want)
	}
}

func TestStatusNames(t *testing.T) {
	for s, want := range map[authingmfa.Status]string{
		authingmfa.StatusOK:              "AUTHING_MFA_OK",
		authingmfa.StatusInvalidArgument: "AUTHING_MFA_ERR_INVALID_ARGUMENT",
		authingmfa.StatusAPI:             "AUTHING_MFA_ERR_API",
		authingmfa.StatusHTTPStatus:      "AUTHING_MFA_ERR_HTTP_STATUS",
		authingmfa.StatusTimeout:         "AUTHING_MFA_ERR_TIMEOUT",
		authingmfa.StatusForked:          "AUTHING_MFA_ERR_FORKED",
		authingmfa.StatusPanic:           "AUTHING_MFA_ERR_PANIC",
		authingmfa.StatusClosed:          "AUTHING_MFA_GO_ERR_CLOSED",
		authingmfa.Status(4242):          "AUTHING_MFA_UNKNOWN_STATUS(4242)",
	} {
		if got := s.String(); got != want {
			t.Errorf("Status(%d).String() = %q, want %q", int(s), got, want)
		}
	}
	if authingmfa.StatusAPI != 10 || authingmfa.StatusPanic != 99 || authingmfa.StatusIO != 15 || authingmfa.StatusForked != 19 {
		t.Error("status values differ from the C API's")
	}
}

// TestConcurrentUse: one client shared by many goroutines, each logged in
// as a different user through its own mfaToken, while others change the
// client's token and read the current user.
func TestConcurrentUse(t *testing.T) {
	ctx := ctxT(t)
	const users, rounds = 8, 4
	c := newClient(t, authingmfa.Options{})
	type fixture struct {
		u   testUser
		mfa string
	}
	fx := make([]fixture, users)
	for i := range fx {
		u := newUser(t)
		u.bindTotp(t)
		fx[i] = fixture{u, u.mfaToken(t)}
	}
	var wg sync.WaitGroup
	errs := make(chan error, users*rounds*3)
	for i := range fx {
		f := fx[i]
		goIn(&wg, func() {
			for range rounds {
				list, err := c.GetMfaAuthenticators(ctx, &authingmfa.GetMfaAuthenticatorsParams{Type: "totp", MfaToken: f.mfa})
				if err != nil {
					errs <- err
					return
				}
				if len(list) != 1 || list[0].UserID != f.u.ID { // an mfaToken never reads the secret
					errs <- fmt.Errorf("user %s got someone else's authenticators", f.u.Username)
					return
				}
				raw, err := c.Call(ctx, "getMfaAuthenticators", map[string]string{"type": "totp", "mfaToken": f.mfa})
				if err != nil || !strings.Contains(string(raw), f.u.ID) {
					errs <- fmt.Errorf("Call for %s: %v", f.u.Username, err)
					return
				}
			}
		})
		goIn(&wg, func() {
			for r := range rounds {
				if err := c.SetToken(fmt.Sprintf("token-%d-%d", i, r)); err != nil {
					errs <- err
					return
				}
				if err := c.SetCurrentUser(&authingmfa.User{ID: f.u.ID}); err != nil {
					errs <- err
					return
				}
				if _, err := c.CurrentUser(); err != nil {
					errs <- err
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
}

// TestClose: Close is idempotent, calls after it fail with StatusClosed,
// and closing while calls run lets them finish.
func TestClose(t *testing.T) {
	ctx := ctxT(t)

	t.Run("idempotent, then every method fails", func(t *testing.T) {
		c, err := authingmfa.NewClient(authingmfa.Options{AppHost: devURL})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(); err != nil {
			t.Fatal("a second Close:", err)
		}
		checks := map[string]error{}
		_, checks["GetMfaAuthenticators"] = c.GetMfaAuthenticators(ctx, nil)
		_, checks["AssociateMfaAuthenticator"] = c.AssociateMfaAuthenticator(ctx, nil)
		_, checks["DeleteMfaAuthenticator"] = c.DeleteMfaAuthenticator(ctx)
		_, checks["ConfirmAssociateMfaAuthenticator"] = c.ConfirmAssociateMfaAuthenticator(ctx, nil)
		_, checks["VerifyTotpMfa"] = c.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{Totp: "1", MfaToken: "m"})
		_, checks["VerifyTotpRecoveryCode"] = c.VerifyTotpRecoveryCode(ctx, authingmfa.VerifyRecoveryCodeParams{RecoveryCode: "1", MfaToken: "m"})
		_, checks["VerifyAppSmsMfa"] = c.VerifyAppSmsMfa(ctx, authingmfa.VerifyAppSmsParams{})
		_, checks["VerifyAppEmailMfa"] = c.VerifyAppEmailMfa(ctx, authingmfa.VerifyAppEmailParams{})
		_, checks["PhoneOrEmailBindable"] = c.PhoneOrEmailBindable(ctx, authingmfa.PhoneOrEmailBindableParams{})
		_, checks["AssociateFaceByURL"] = c.AssociateFaceByURL(ctx, authingmfa.AssociateFaceByURLParams{})
		_, checks["AssociateFaceByFiles"] = c.AssociateFaceByFiles(ctx, authingmfa.AssociateFaceByFilesParams{})
		_, checks["VerifyFaceMfa"] = c.VerifyFaceMfa(ctx, authingmfa.VerifyFaceParams{})
		_, checks["Call"] = c.Call(ctx, "getMfaAuthenticators", nil)
		checks["SetToken"] = c.SetToken("t")
		checks["SetCurrentUser"] = c.SetCurrentUser(&authingmfa.User{ID: "x"})
		_, checks["CurrentUser"] = c.CurrentUser()
		checks["ClearCurrentUser"] = c.ClearCurrentUser()
		for name, err := range checks {
			if !authingmfa.IsStatus(err, authingmfa.StatusClosed) {
				t.Errorf("%s after Close: want StatusClosed, got %v", name, err)
			}
		}
		var nilClient *authingmfa.Client
		if err := nilClient.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := nilClient.GetMfaAuthenticators(ctx, nil); !authingmfa.IsStatus(err, authingmfa.StatusClosed) {
			t.Fatalf("a nil client: %v", err)
		}
	})

	t.Run("while calls run", func(t *testing.T) {
		c, err := authingmfa.NewClient(authingmfa.Options{AppHost: hangingServer(t), Timeout: 700 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var started sync.WaitGroup
		results := make(chan error, 8)
		for range 8 {
			started.Add(1)
			goIn(&wg, func() {
				started.Done()
				_, err := c.GetMfaAuthenticators(ctx, nil)
				results <- err
			})
		}
		started.Wait()
		time.Sleep(200 * time.Millisecond) // let the calls reach the server
		c.Close()
		c.Close()
		wg.Wait()
		close(results)
		for err := range results {
			// Each call either ran to the library's timeout or, if it had
			// not started yet, saw the closed client: never a crash.
			if !authingmfa.IsStatus(err, authingmfa.StatusTimeout) && !authingmfa.IsStatus(err, authingmfa.StatusClosed) {
				t.Errorf("a call interrupted by Close: %v", err)
			}
		}
		if _, err := c.GetMfaAuthenticators(ctx, nil); !authingmfa.IsStatus(err, authingmfa.StatusClosed) {
			t.Fatalf("after Close: %v", err)
		}
	})

	t.Run("cleanup after Close and unreachable clients", func(t *testing.T) {
		// The cleanup runs for dropped clients and for closed ones; a double
		// free would crash the test binary. counters.Clients counts the
		// native clients not yet freed: Close frees at once, the cleanup of
		// an unreachable client soon after a GC. No test runs in parallel;
		// clients dropped by earlier tests are collected first, so that the
		// count before is not inflated by them.
		for range 3 {
			runtime.GC()
			time.Sleep(20 * time.Millisecond)
		}
		before := counters.Clients.Load()
		for i := range 50 {
			c, err := authingmfa.NewClient(authingmfa.Options{AppHost: devURL})
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				c.Close()
			}
		}
		if n := counters.Clients.Load(); n > before+25 {
			t.Fatalf("%d native clients live after creating 50 and closing 25, %d before: Close did not free", n, before)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			runtime.GC()
			n := counters.Clients.Load()
			if n <= before {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d native clients live 10 s after the 25 unclosed ones became unreachable, %d before: their cleanup did not free them", n, before)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// TestWire checks, with a recording server, that each method sends the
// JavaScript SDK's keys and only those given (omitempty), to the right path,
// with the right token.
func TestWire(t *testing.T) {
	type request struct {
		Method, Path, Query, Auth, Lang, Pool, App, From string
		Body                                             map[string]any
	}
	var mu sync.Mutex
	var reqs []request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := request{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"),
			Lang: r.Header.Get("x-authing-lang"), Pool: r.Header.Get("x-authing-userpool-id"),
			App: r.Header.Get("x-authing-app-id"), From: r.Header.Get("x-authing-request-from"),
		}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			json.NewDecoder(r.Body).Decode(&rec.Body)
		}
		mu.Lock()
		reqs = append(reqs, rec)
		mu.Unlock()
		user := `{"id":"u1","arn":"arn:u1","userPoolId":"pool","token":"issued","customField":{"nested":[1,2]}}`
		var body string
		switch {
		case r.URL.Path == "/api/v2/mfa/authenticator":
			body = `{"code":200,"message":"ok","data":[]}`
		case r.URL.Path == "/api/v2/mfa/totp/associate" && r.Method == "POST":
			body = `{"code":200,"message":"ok","data":{"authenticator_type":"totp","secret":"S","qrcode_uri":"otpauth://totp/x:y?secret=S","qrcode_data_url":"data:","recovery_code":"r","extra":1}}`
		case r.URL.Path == "/api/v2/mfa/totp/associate":
			body = `{"code":200,"message":"unbound by the server"}`
		case r.URL.Path == "/api/v2/mfa/totp/associate/confirm":
			body = `{"code":200,"message":"bound by the server"}`
		case r.URL.Path == "/api/v2/mfa/totp/recovery":
			body = `{"code":200,"message":"ok","data":` + user + `,"recoveryCode":"new-code"}`
		case r.URL.Path == "/api/v2/applications/mfa/check":
			body = `{"code":200,"message":"ok","data":false}`
		case r.URL.Path == "/api/v2/upload":
			body = `{"code":200,"message":"ok","data":{"key":"face-photo/k1.jpg","url":"http://x/k1.jpg"}}`
		default:
			body = `{"code":200,"message":"ok","data":` + user + `}`
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	defer srv.Close()

	ctx := ctxT(t)
	c := newClient(t, authingmfa.Options{
		AppHost: srv.URL + "/", UserPoolID: "pool-1", AppID: "app-1", Lang: authingmfa.LangEnUS, RequestFrom: "go-test", Token: "user-token",
	})
	last := func() request {
		mu.Lock()
		defer mu.Unlock()
		if len(reqs) == 0 {
			t.Fatal("no request")
		}
		r := reqs[len(reqs)-1]
		reqs = nil
		return r
	}
	check := func(name string, got request, method, path, query, auth string, body map[string]any) {
		t.Helper()
		if got.Method != method || got.Path != path || got.Query != query || got.Auth != auth {
			t.Errorf("%s: sent %s %s?%s auth %q; want %s %s?%s auth %q", name, got.Method, got.Path, got.Query, got.Auth, method, path, query, auth)
		}
		gotBody, _ := json.Marshal(got.Body)
		wantBody, _ := json.Marshal(body)
		if string(gotBody) != string(wantBody) {
			t.Errorf("%s: body %s, want %s", name, gotBody, wantBody)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	_, err := c.GetMfaAuthenticators(ctx, nil)
	must(err)
	r := last()
	check("list nil", r, "GET", "/api/v2/mfa/authenticator", "type=totp&source=SELF", "Bearer user-token", nil)
	if r.Lang != "en-US" || r.Pool != "pool-1" || r.App != "app-1" || r.From != "go-test" {
		t.Errorf("headers: %+v", r)
	}
	_, err = c.GetMfaAuthenticators(ctx, &authingmfa.GetMfaAuthenticatorsParams{Type: "totp", MfaToken: "mfa-1"})
	must(err)
	check("list type", last(), "GET", "/api/v2/mfa/authenticator", "type=totp", "Bearer mfa-1", nil)

	a, err := c.AssociateMfaAuthenticator(ctx, nil)
	must(err)
	check("associate nil", last(), "POST", "/api/v2/mfa/totp/associate", "", "Bearer user-token",
		map[string]any{"authenticator_type": "totp", "source": "SELF"})
	if a.Secret != "S" || a.RecoveryCode != "r" || !strings.Contains(string(a.Raw), `"extra":1`) {
		t.Errorf("association: %v %s", a, a.Raw)
	}
	_, err = c.AssociateMfaAuthenticator(ctx, &authingmfa.AssociateParams{AuthenticatorType: "totp"})
	must(err)
	check("associate type", last(), "POST", "/api/v2/mfa/totp/associate", "", "Bearer user-token",
		map[string]any{"authenticator_type": "totp"})

	st, err := c.ConfirmAssociateMfaAuthenticator(ctx, &authingmfa.ConfirmParams{Totp: "123456", MfaToken: "mfa-2"})
	must(err)
	check("confirm", last(), "POST", "/api/v2/mfa/totp/associate/confirm", "", "Bearer mfa-2", map[string]any{"totp": "123456"})
	if st.Code != 200 || st.Message != "bound by the server" {
		t.Errorf("confirm result: %v", st)
	}

	st, err = c.DeleteMfaAuthenticator(ctx)
	must(err)
	check("delete", last(), "DELETE", "/api/v2/mfa/totp/associate", "", "Bearer user-token", nil)
	if st.Message != "unbound by the server" {
		t.Errorf("delete result: %v", st)
	}

	u, err := c.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{Totp: "654321", MfaToken: "mfa-3"})
	must(err)
	check("verify totp", last(), "POST", "/api/v2/mfa/totp/verify", "", "Bearer mfa-3", map[string]any{"totp": "654321"})
	var custom struct {
		CustomField struct{ Nested []int } `json:"customField"`
	}
	if u.Token != "issued" || json.Unmarshal(u.Raw, &custom) != nil || len(custom.CustomField.Nested) != 2 {
		t.Errorf("user: %v %s", u, u.Raw)
	}

	rec, err := c.VerifyTotpRecoveryCode(ctx, authingmfa.VerifyRecoveryCodeParams{RecoveryCode: "rc", MfaToken: "mfa-4"})
	must(err)
	check("recovery", last(), "POST", "/api/v2/mfa/totp/recovery", "", "Bearer mfa-4", map[string]any{"recoveryCode": "rc"})
	if rec.RecoveryCode != "new-code" || rec.User == nil || rec.User.ID != "u1" || !strings.Contains(string(rec.User.Raw), "customField") {
		t.Errorf("recovery: %v", rec)
	}

	_, err = c.VerifyAppSmsMfa(ctx, authingmfa.VerifyAppSmsParams{Phone: "138", Code: "1111", MfaToken: "mfa-5"})
	must(err)
	check("sms", last(), "POST", "/api/v2/applications/mfa/sms/verify", "", "Bearer mfa-5", map[string]any{"phone": "138", "code": "1111"})
	_, err = c.VerifyAppSmsMfa(ctx, authingmfa.VerifyAppSmsParams{Phone: "138", Code: "1111", MfaToken: "mfa-5", PhoneCountryCode: "+86"})
	must(err)
	check("sms country", last(), "POST", "/api/v2/applications/mfa/sms/verify", "", "Bearer mfa-5",
		map[string]any{"phone": "138", "code": "1111", "phoneCountryCode": "+86"})

	_, err = c.VerifyAppEmailMfa(ctx, authingmfa.VerifyAppEmailParams{Email: "a@b.c", Code: "2222", MfaToken: "mfa-6"})
	must(err)
	check("email", last(), "POST", "/api/v2/applications/mfa/email/verify", "", "Bearer mfa-6", map[string]any{"email": "a@b.c", "code": "2222"})

	ok, err := c.PhoneOrEmailBindable(ctx, authingmfa.PhoneOrEmailBindableParams{Email: "a@b.c", MfaToken: "mfa-7"})
	must(err)
	check("bindable", last(), "POST", "/api/v2/applications/mfa/check", "", "Bearer mfa-7", map[string]any{"email": "a@b.c"})
	if ok {
		t.Error("bindable: the server said false")
	}

	_, err = c.AssociateFaceByURL(ctx, authingmfa.AssociateFaceByURLParams{BaseFace: "https://x/a", CompareFace: "https://x/b"})
	must(err)
	check("face url", last(), "POST", "/api/v2/mfa/face/associate", "", "Bearer user-token",
		map[string]any{"photoA": "https://x/a", "photoB": "https://x/b", "isExternal": true})

	_, err = c.VerifyFaceMfa(ctx, authingmfa.VerifyFaceParams{Photo: "face-photo/k1.jpg", MfaToken: "mfa-8"})
	must(err)
	check("face verify", last(), "POST", "/api/v2/mfa/face/verify", "", "Bearer mfa-8", map[string]any{"photo": "face-photo/k1.jpg"})
}

// TestNoSecretsInPrintedValues: %v, %+v, %#v of this package's types show
// the harmless fields and hide every secret.
func TestNoSecretsInPrintedValues(t *testing.T) {
	const sec = "S3CR3T"
	user := &authingmfa.User{ID: "user-id", Phone: "13800000000", Token: sec + "-token", Raw: json.RawMessage(`{"token":"` + sec + `"}`)}
	values := []any{
		authingmfa.Options{AppHost: "http://127.0.0.1", Token: sec},
		authingmfa.VerifyTotpParams{Totp: sec, MfaToken: sec},
		&authingmfa.VerifyRecoveryCodeParams{RecoveryCode: sec, MfaToken: sec},
		authingmfa.ConfirmParams{Totp: sec, MfaToken: sec, Source: "SELF"},
		authingmfa.VerifyAppSmsParams{Phone: "13800000000", Code: sec, MfaToken: sec},
		authingmfa.GetMfaAuthenticatorsParams{Type: "totp", MfaToken: sec},
		user,
		*user,
		[]authingmfa.Authenticator{{ID: "auth-id", Secret: sec, RecoveryCode: sec}},
		&authingmfa.Association{Secret: sec, QrcodeURI: "otpauth://totp/x?secret=" + sec, RecoveryCode: sec},
		&authingmfa.RecoveryResult{User: user, RecoveryCode: sec},
		authingmfa.TotpURI{Secret: sec, Account: "alice"},
		authingmfa.LoginByEmailParams{Email: "a@example.com", Password: sec, CustomData: map[string]any{"k": "v"}},
		&authingmfa.LoginByUsernameParams{Username: "alice", Password: sec},
		authingmfa.LoginByPhonePasswordParams{Phone: "13800000000", Password: sec},
		authingmfa.LoginByPhoneCodeParams{Phone: "13800000000", Code: sec},
		authingmfa.LoginByEmailCodeParams{Email: "a@example.com", Code: sec},
		authingmfa.CheckLoginStatusParams{Token: sec},
		authingmfa.Options{AccessToken: sec, AppSecret: sec},
		authingmfa.SignInParams{Connection: "PASSWORD", PasswordPayload: &authingmfa.SignInPasswordPayload{Email: "a@example.com", Password: sec},
			PassCodePayload: &authingmfa.SignInPassCodePayload{Phone: "1", PassCode: sec}, Options: &authingmfa.SignInOptions{Scope: "openid"}},
		&authingmfa.SignInResult{AccessToken: sec, IDToken: sec, RefreshToken: sec, TokenType: "Bearer", Raw: json.RawMessage(`{"access_token":"` + sec + `"}`)},
		&authingmfa.EnrollFactorRequestResult{EnrollmentToken: sec, OtpData: &authingmfa.OtpData{QrCodeURI: "otpauth://totp/x?secret=" + sec, RecoveryCode: sec}},
		authingmfa.EnrollFactorParams{FactorType: "OTP", EnrollmentToken: sec, EnrollmentData: &authingmfa.EnrollmentData{PassCode: sec}},
		authingmfa.MfaOtpVerifyParams{Totp: sec},
		authingmfa.VerifyMfaTokenParams{Token: sec},
	}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			out := fmt.Sprintf(verb, v)
			if strings.Contains(out, sec) {
				t.Errorf("%s of %T leaks a secret: %s", verb, v, out)
			}
			if !strings.Contains(out, "[redacted]") {
				t.Errorf("%s of %T does not show that a secret is set: %s", verb, v, out)
			}
		}
	}
	if out := fmt.Sprint(user); !strings.Contains(out, "13800000000") || !strings.Contains(out, "user-id") {
		t.Errorf("harmless fields are hidden too: %s", out)
	}
	if out := fmt.Sprint(authingmfa.VerifyTotpParams{}); strings.Contains(out, "[redacted]") {
		t.Errorf("an empty secret is shown as set: %s", out)
	}
}

func TestVersion(t *testing.T) {
	v := authingmfa.Version()
	if v == "" || v != authingmfa.HeaderVersion {
		t.Fatalf("library %q, header %q", v, authingmfa.HeaderVersion)
	}
}

func TestTotp(t *testing.T) {
	// RFC 6238 appendix B (SHA1), last 6 of the 8 digits.
	const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	for unix, want := range map[int64]string{59: "287082", 1111111109: "081804", 1234567890: "005924", 2000000000: "279037"} {
		got, err := authingmfa.TotpGenerate(rfcSecret, time.Unix(unix, 0))
		if err != nil || got != want {
			t.Errorf("TotpGenerate at %d = %q, %v; want %q", unix, got, err, want)
		}
	}
	// Case, spaces and dashes are ignored.
	got, err := authingmfa.TotpGenerate("gezd gnbv-gy3t qojq gezd gnbv gy3t qojq", time.Unix(59, 0))
	if err != nil || got != "287082" {
		t.Errorf("a formatted secret: %q %v", got, err)
	}
	_, err = authingmfa.TotpGenerate("NOT-BASE32-!!1", time.Now())
	if e := asError(t, err, authingmfa.StatusInvalidArgument); strings.Contains(e.Error(), "BASE32-!!1") {
		t.Errorf("the error quotes the secret: %s", e)
	}
	_, err = authingmfa.TotpGenerate(rfcSecret, time.Unix(-100, 0))
	asError(t, err, authingmfa.StatusInvalidArgument)
	_, err = authingmfa.TotpGenerate("", time.Now())
	asError(t, err, authingmfa.StatusInvalidArgument)

	uri, err := authingmfa.TotpParseURI("otpauth://totp/Acme:alice@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Acme&digits=8&period=60")
	if err != nil {
		t.Fatal(err)
	}
	if uri.Secret != "JBSWY3DPEHPK3PXP" || uri.Issuer != "Acme" || uri.Account != "alice@example.com" ||
		uri.Digits != 8 || uri.Period != 60 || uri.Algorithm != "SHA1" {
		t.Errorf("parsed: %+v", *uri)
	}
	uri, err = authingmfa.TotpParseURI("otpauth://totp/bob?secret=JBSWY3DPEHPK3PXP")
	if err != nil || uri.Digits != 6 || uri.Period != 30 || uri.Issuer != "" || uri.Account != "bob" {
		t.Errorf("defaults: %v %v", uri, err)
	}
	_, err = authingmfa.TotpParseURI("https://example.com/?secret=JBSWY3DPEHPK3PXP")
	if e := asError(t, err, authingmfa.StatusInvalidArgument); strings.Contains(e.Error(), "JBSWY3DPEHPK3PXP") {
		t.Errorf("the error quotes the URI: %s", e)
	}
}

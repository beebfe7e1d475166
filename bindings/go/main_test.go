package authingmfa_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	authingmfa "github.com/authing-mfa/authing-mfa/bindings/go"
)

// devURL is the base URL of the dev server TestMain started.
var devURL string

// TestMain starts one dev server for the whole package. It runs with
// --exit-on-stdin-close and keeps the pipe to its stdin: if this process
// dies, the pipe closes and the server exits, so no run leaks a server.
func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	bin := os.Getenv("AUTHING_MFA_DEVSERVER")
	if bin == "" {
		bin = filepath.Join("..", "..", "target", "debug", "authing-mfa-devserver")
	}
	cmd := exec.Command(bin, "--port", "0", "--exit-on-stdin-close", "--quiet")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dev server stdin:", err)
		return 1
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dev server stdout:", err)
		return 1
	}
	if err := cmd.Start(); err != nil {
		// Not a skip: a suite that cannot reach its server has failed.
		fmt.Fprintf(os.Stderr, "cannot start the dev server %s: %v\n(run `cargo build -p authing-mfa-devserver` first, or set AUTHING_MFA_DEVSERVER)\n", bin, err)
		return 1
	}
	stop := func() {
		stdin.Close()
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	defer stop()

	lines := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		lines <- strings.TrimSpace(line)
		io.Copy(io.Discard, r) // keep draining so the server never blocks on stdout
	}()
	select {
	case devURL = <-lines:
	case <-time.After(30 * time.Second):
		fmt.Fprintln(os.Stderr, "the dev server printed no URL within 30 s")
		return 1
	}
	if !strings.HasPrefix(devURL, "http://127.0.0.1:") {
		fmt.Fprintf(os.Stderr, "unexpected first line from the dev server: %q\n", devURL)
		return 1
	}
	return m.Run()
}

// ---- plain HTTP to the dev server (fixtures, not part of the binding) ----

// devHTTP never uses a proxy from the environment: traffic stays on 127.0.0.1.
var devHTTP = &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}

// envelope is Authing's answer envelope, as the dev endpoints send it.
type envelope struct {
	Code         int             `json:"code"`
	Message      string          `json:"message"`
	Data         json.RawMessage `json:"data"`
	RecoveryCode string          `json:"recoveryCode"`
}

// devDo sends body (nil for none) as JSON and decodes the envelope.
func devDo(t testing.TB, method, path string, body any) envelope {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, devURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := devHTTP.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("%s %s: not an envelope (HTTP %d): %.200s", method, path, resp.StatusCode, raw)
	}
	return env
}

var userSeq atomic.Int64

// testUser is a user created on the dev server for one test.
type testUser struct {
	ID, Username, Email, Phone, Password string
}

// newUser creates a user with a unique username, email and phone.
func newUser(t testing.TB) testUser {
	t.Helper()
	n := userSeq.Add(1)
	u := testUser{
		Username: fmt.Sprintf("go-user-%d", n),
		Email:    fmt.Sprintf("go-user-%d@example.com", n),
		Phone:    fmt.Sprintf("1390000%04d", n),
		Password: "pw-" + fmt.Sprint(n),
	}
	env := devDo(t, "POST", "/__dev/users", map[string]string{
		"username": u.Username, "email": u.Email, "phone": u.Phone, "password": u.Password,
	})
	if env.Code != 200 {
		t.Fatalf("create user: %d %s", env.Code, env.Message)
	}
	var d struct{ ID string }
	if err := json.Unmarshal(env.Data, &d); err != nil || d.ID == "" {
		t.Fatalf("create user: no id in %s", env.Data)
	}
	u.ID = d.ID
	return u
}

func (u testUser) login(t testing.TB) envelope {
	t.Helper()
	return devDo(t, "POST", "/__dev/login", map[string]string{"account": u.Username, "password": u.Password})
}

// loginUser logs in a user without MFA and returns the user (Raw included).
func (u testUser) loginUser(t testing.TB) authingmfa.User {
	t.Helper()
	env := u.login(t)
	if env.Code != 200 {
		t.Fatalf("login: want code 200, got %d %s", env.Code, env.Message)
	}
	var user authingmfa.User
	if err := json.Unmarshal(env.Data, &user); err != nil || user.Token == "" {
		t.Fatalf("login: no user token (%v)", err)
	}
	return user
}

// loginToken logs in a user without MFA and returns the user token.
func (u testUser) loginToken(t testing.TB) string {
	t.Helper()
	return u.loginUser(t).Token
}

// mfaToken logs in a user with MFA enabled: the server must answer 1635.
func (u testUser) mfaToken(t testing.TB) string {
	t.Helper()
	env := u.login(t)
	if env.Code != authingmfa.CodeMfaRequired {
		t.Fatalf("login: want code 1635, got %d %s", env.Code, env.Message)
	}
	var d struct{ MfaToken string }
	if err := json.Unmarshal(env.Data, &d); err != nil || d.MfaToken == "" {
		t.Fatalf("login: no mfaToken in the 1635 answer")
	}
	return d.MfaToken
}

// bindTotp enables TOTP MFA through the dev endpoint and returns the secret
// and recovery code.
func (u testUser) bindTotp(t testing.TB) (secret, recovery string) {
	t.Helper()
	env := devDo(t, "POST", "/__dev/users/"+u.ID+"/mfa/totp", map[string]any{"enabled": true})
	var d struct{ Secret, RecoveryCode string }
	if env.Code != 200 || json.Unmarshal(env.Data, &d) != nil || d.Secret == "" {
		t.Fatalf("bind totp: %d %s", env.Code, env.Message)
	}
	return d.Secret, d.RecoveryCode
}

// newClient makes a client for the dev server; it is closed with the test.
func newClient(t testing.TB, opts authingmfa.Options) *authingmfa.Client {
	t.Helper()
	if opts.AppHost == "" {
		opts.AppHost = devURL
	}
	if opts.Timeout == 0 {
		opts.Timeout = 15 * time.Second
	}
	c, err := authingmfa.NewClient(opts)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// ctxT is a context bounded well below go test's own timeout, so a hang
// fails one test with a clear error instead of killing the binary. It ends
// when the test's cleanups run.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// totpNow is the current TOTP code of secret.
func totpNow(t testing.TB, secret string) string {
	t.Helper()
	code, err := authingmfa.TotpGenerate(secret, time.Now())
	if err != nil {
		t.Fatalf("TotpGenerate: %v", err)
	}
	return code
}

// wrongTotp is a code that no step the server accepts (now ±1) produces.
func wrongTotp(t testing.TB, secret string) string {
	t.Helper()
	now := time.Now()
	valid := map[string]bool{}
	for _, d := range []time.Duration{-60, -30, 0, 30, 60} {
		code, err := authingmfa.TotpGenerate(secret, now.Add(d*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		valid[code] = true
	}
	for i := 0; ; i++ {
		c := fmt.Sprintf("%06d", (123456+i*7919)%1000000)
		if !valid[c] {
			return c
		}
	}
}

// goIn runs f in a new goroutine counted by wg: sync.WaitGroup.Go, which
// needs Go 1.25 (go.mod says 1.24).
func goIn(wg *sync.WaitGroup, f func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		f()
	}()
}

// asError asserts that err is an *authingmfa.Error with the given status.
func asError(t testing.TB, err error, status authingmfa.Status) *authingmfa.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error with status %s, got nil", status)
	}
	var e *authingmfa.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *authingmfa.Error, got %T: %v", err, err)
	}
	if e.Status != status {
		t.Fatalf("want status %s, got %s (%v)", status, e.Status, e)
	}
	return e
}

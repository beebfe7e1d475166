package authingmfa_test

// The first factor (issue #12): the logins that lead to the MFA stage and
// the calls around them, against a local stub that answers as Authing does
// and records what the library sent.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	authingmfa "github.com/authing-mfa/authing-mfa/bindings/go"
)

// testPublicKey is a fixed 1024-bit RSA public key (SPKI PEM), made once
// with `openssl genrsa 1024 | openssl rsa -pubout`. Its private half is not
// kept: the tests check the ciphertext's shape, not its plaintext.
const testPublicKey = `-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDH5clphRH/2U6p4OQL9DgBg2Cg
w4+drgm0vqXC/hM9UIkGAkdDc5tkDQW0nN18cNKhfsPfC5maYt+jgUbjWY8j78oz
xXiEjXWdnlUQYQXNudRcpC9/QBCQl9a0KiH4bhVR1ItvoXXA0r5TZBq8XnnMz/UY
DXKPM2iqH8z34OkbnwIDAQAB
-----END PUBLIC KEY-----
`

const modulusBytes = 128

// A login that needs a second factor, as Authing's GraphQL answers it:
// HTTP 200, the error object in errors[0].message.
const mfaRequiredAnswer = `{"data":null,"errors":[{"message":{"code":1635,"message":"请输入二次认证安全码","data":{"mfaToken":"m"}}}]}`

type recorded struct {
	Method, Path, Auth string
	Body               []byte
}

// authingStub answers as Authing: the RSA key at /.well-known, graphql(body)
// at /graphql/v2 (default: {"data": {<root>: {"id":"u1","token":"tok"}}}),
// envelopes elsewhere. It records every request.
type authingStub struct {
	URL     string
	mu      sync.Mutex
	reqs    []recorded
	graphql func(body map[string]any) string
}

func newAuthingStub(t *testing.T, graphql func(body map[string]any) string) *authingStub {
	t.Helper()
	s := &authingStub{graphql: graphql}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, recorded{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), body})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/v2/.well-known":
			key, _ := json.Marshal(testPublicKey)
			io.WriteString(w, `{"code":200,"message":"ok","data":{"publicKey":`+string(key)+`}}`)
		case r.URL.Path == "/graphql/v2":
			var b map[string]any
			if err := json.Unmarshal(body, &b); err != nil {
				w.WriteHeader(400)
				return
			}
			if s.graphql != nil {
				io.WriteString(w, s.graphql(b))
				return
			}
			io.WriteString(w, `{"data":{"`+graphqlRoot(b)+`":{"id":"u1","token":"tok"}}}`)
		case r.URL.Path == "/api/v2/logout":
			io.WriteString(w, `{"code":200,"message":"logged out"}`)
		case r.URL.Path == "/api/v2/login/email-code":
			io.WriteString(w, `{"code":200,"message":"ok","data":{"id":"u1","token":"tok"}}`)
		case r.URL.Path == "/api/v2/sms/send":
			io.WriteString(w, `{"code":200,"message":"sent","data":{"sent":true}}`)
		default:
			w.WriteHeader(404)
			io.WriteString(w, `{"code":404,"message":"no such path"}`)
		}
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *authingStub) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// graphqlOperation is the document's operation, e.g. "mutation
// loginByEmail" (the SDK's documents start with blank lines).
func graphqlOperation(body map[string]any) string {
	q, _ := body["query"].(string)
	head, _, _ := strings.Cut(q, "(")
	return strings.Join(strings.Fields(head), " ")
}

func graphqlRoot(body map[string]any) string {
	f := strings.Fields(graphqlOperation(body))
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// objectKeys lists the keys of the JSON object at path (e.g. "variables",
// "input") in the order they were sent.
func objectKeys(t *testing.T, raw []byte, path ...string) []string {
	t.Helper()
	for _, p := range path {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("not an object at %s: %s", p, raw)
		}
		raw = m[p]
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func loginInput(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var b struct {
		Variables struct {
			Input map[string]any `json:"input"`
		} `json:"variables"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	return b.Variables.Input
}

func checkEncrypted(t *testing.T, v any, clear string) {
	t.Helper()
	s, ok := v.(string)
	if !ok || s == clear {
		t.Fatalf("password sent as %v, want its RSA ciphertext", v)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != modulusBytes {
		t.Fatalf("password is not base64 of %d bytes: %q (%v)", modulusBytes, s, err)
	}
}

func TestLoginByEmailWire(t *testing.T) {
	stub := newAuthingStub(t, nil)
	c := newClient(t, authingmfa.Options{AppHost: stub.URL})
	ctx := ctxT(t)
	if u, err := c.CurrentUser(); err != nil || u != nil {
		t.Fatalf("CurrentUser before login = %v, %v", u, err)
	}
	user, err := c.LoginByEmail(ctx, authingmfa.LoginByEmailParams{
		Email: "a@example.com", Password: "p@ssw0rd", AutoRegister: true,
		CustomData: map[string]any{"school": "x"}, Context: map[string]any{"source": "go"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if user.ID != "u1" || user.Token != "tok" {
		t.Fatalf("user = %+v", user)
	}
	// The user is the current user, its token the user token.
	current, err := c.CurrentUser()
	if err != nil || current == nil || current.ID != "u1" || current.Token != "tok" {
		t.Fatalf("CurrentUser = %v, %v", current, err)
	}
	if _, err := c.CheckLoginStatus(ctx, nil); err != nil {
		t.Fatal(err)
	}

	reqs := stub.requests()
	if len(reqs) != 3 || reqs[0].Method != "GET" || reqs[0].Path != "/api/v2/.well-known" ||
		reqs[1].Method != "POST" || reqs[1].Path != "/graphql/v2" {
		t.Fatalf("requests = %+v", reqs)
	}
	var body map[string]any
	if err := json.Unmarshal(reqs[1].Body, &body); err != nil {
		t.Fatal(err)
	}
	if op := graphqlOperation(body); op != "mutation loginByEmail" {
		t.Errorf("document = %q", op)
	}
	// The JS SDK's keys, in its order (AC:567-577).
	if keys := objectKeys(t, reqs[1].Body, "variables", "input"); !slices.Equal(keys, []string{"email", "password", "autoRegister", "params", "context"}) {
		t.Errorf("input keys = %v", keys)
	}
	in := loginInput(t, reqs[1].Body)
	if in["email"] != "a@example.com" || in["autoRegister"] != true {
		t.Errorf("input = %v", in)
	}
	checkEncrypted(t, in["password"], "p@ssw0rd")
	if in["params"] != `[{"key":"school","value":"x"}]` || in["context"] != `{"source":"go"}` {
		t.Errorf("params = %v, context = %v", in["params"], in["context"])
	}
	if bytes.Contains(reqs[1].Body, []byte("p@ssw0rd")) {
		t.Error("the clear password was sent")
	}
	if reqs[1].Auth != "" || reqs[2].Auth != "Bearer tok" {
		t.Errorf("Authorization: login %q, next call %q", reqs[1].Auth, reqs[2].Auth)
	}
}

func TestLoginMethodsSendTheirOperations(t *testing.T) {
	stub := newAuthingStub(t, nil)
	c := newClient(t, authingmfa.Options{AppHost: stub.URL, Token: "old-token"})
	ctx := ctxT(t)
	steps := []func() (*authingmfa.User, error){
		func() (*authingmfa.User, error) {
			return c.LoginByUsername(ctx, authingmfa.LoginByUsernameParams{Username: "bob", Password: "pw", CaptchaCode: "c", ClientIP: "10.0.0.1"})
		},
		func() (*authingmfa.User, error) {
			return c.LoginByPhonePassword(ctx, authingmfa.LoginByPhonePasswordParams{Phone: "13800000000", Password: "pw", CaptchaCode: "c"})
		},
		func() (*authingmfa.User, error) {
			return c.LoginByPhoneCode(ctx, authingmfa.LoginByPhoneCodeParams{Phone: "13800000000", Code: "1234", PhoneCountryCode: "+86"})
		},
		func() (*authingmfa.User, error) {
			return c.LoginByEmailCode(ctx, authingmfa.LoginByEmailCodeParams{Email: "a@example.com", Code: "5678"})
		},
	}
	for i, step := range steps {
		u, err := step()
		if err != nil || u.ID != "u1" {
			t.Fatalf("step %d: %v, %v", i, u, err)
		}
	}
	reqs := stub.requests()
	if len(reqs) != 5 || reqs[0].Path != "/api/v2/.well-known" {
		t.Fatalf("requests = %+v (the key is fetched once per client)", reqs)
	}
	want := []struct {
		op   string
		keys []string
	}{
		{"mutation loginByUsername", []string{"username", "password", "autoRegister", "captchaCode", "clientIp", "params", "context"}},
		// captchaCode before autoRegister here, as in the SDK.
		{"mutation loginByPhonePassword", []string{"phone", "password", "captchaCode", "autoRegister", "params", "context"}},
		{"mutation loginByPhoneCode", []string{"phone", "code", "phoneCountryCode", "params", "context"}},
	}
	for i, w := range want {
		r := reqs[i+1]
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		if op := graphqlOperation(body); op != w.op {
			t.Errorf("request %d: document %q, want %q", i+1, op, w.op)
		}
		if keys := objectKeys(t, r.Body, "variables", "input"); !slices.Equal(keys, w.keys) {
			t.Errorf("%s: input keys %v, want %v", w.op, keys, w.keys)
		}
	}
	checkEncrypted(t, loginInput(t, reqs[1].Body)["password"], "pw")
	checkEncrypted(t, loginInput(t, reqs[2].Body)["password"], "pw")
	if in := loginInput(t, reqs[3].Body); in["code"] != "1234" || in["phoneCountryCode"] != "+86" {
		t.Errorf("loginByPhoneCode input = %v", in)
	}
	// The stored token goes with the GraphQL logins, not with loginByEmailCode.
	if reqs[1].Auth != "Bearer old-token" {
		t.Errorf("loginByUsername Authorization = %q", reqs[1].Auth)
	}
	email := reqs[4]
	if email.Method != "POST" || email.Path != "/api/v2/login/email-code" || email.Auth != "" {
		t.Errorf("loginByEmailCode request = %+v", email)
	}
	if keys := objectKeys(t, email.Body); !slices.Equal(keys, []string{"email", "code", "params", "context"}) {
		t.Errorf("loginByEmailCode body keys = %v", keys)
	}
}

func TestLoginNeedingMfaIsAPI1635WithTheMfaToken(t *testing.T) {
	stub := newAuthingStub(t, func(map[string]any) string { return mfaRequiredAnswer })
	c := newClient(t, authingmfa.Options{AppHost: stub.URL})
	_, err := c.LoginByEmail(ctxT(t), authingmfa.LoginByEmailParams{Email: "a@example.com", Password: "pw"})
	e := asError(t, err, authingmfa.StatusAPI)
	if !authingmfa.IsAPI(err, authingmfa.CodeMfaRequired) || e.Code != 1635 || e.Message != "请输入二次认证安全码" {
		t.Fatalf("err = %#v", e)
	}
	if e.MfaToken() != "m" {
		t.Errorf("MfaToken() = %q", e.MfaToken())
	}
	var data struct {
		MfaToken string `json:"mfaToken"`
	}
	if json.Unmarshal(e.Data, &data) != nil || data.MfaToken != "m" {
		t.Errorf("Data = %s", e.Data)
	}
	if strings.Contains(err.Error(), "mfaToken") {
		t.Errorf("Error() prints Data: %v", err)
	}
	if u, err := c.CurrentUser(); err != nil || u != nil {
		t.Errorf("CurrentUser after 1635 = %v, %v", u, err)
	}
}

func TestLoginNeedingApplicationMfaOverREST(t *testing.T) {
	url, _ := fakeServer(t, 200, `{"code":1636,"message":"MFA","data":{"mfaToken":"m2","applicationMfa":[{"mfaPolicy":"SMS","sort":1,"status":1}]}}`)
	c := newClient(t, authingmfa.Options{AppHost: url})
	_, err := c.LoginByEmailCode(ctxT(t), authingmfa.LoginByEmailCodeParams{Email: "a@example.com", Code: "1"})
	if !authingmfa.IsAPI(err, authingmfa.CodeAppMfaRequired) {
		t.Fatalf("err = %v", err)
	}
	if e := (*authingmfa.Error)(nil); !errors.As(err, &e) || e.MfaToken() != "m2" {
		t.Errorf("MfaToken() = %q", e.MfaToken())
	}
}

func TestPublicKeyOption(t *testing.T) {
	stub := newAuthingStub(t, nil)
	c := newClient(t, authingmfa.Options{AppHost: stub.URL, PublicKey: testPublicKey})
	if _, err := c.LoginByUsername(ctxT(t), authingmfa.LoginByUsernameParams{Username: "bob", Password: "pw"}); err != nil {
		t.Fatal(err)
	}
	reqs := stub.requests()
	if len(reqs) != 1 || reqs[0].Path != "/graphql/v2" {
		t.Fatalf("with PublicKey, requests = %+v (no .well-known expected)", reqs)
	}
	checkEncrypted(t, loginInput(t, reqs[0].Body)["password"], "pw")

	_, err := authingmfa.NewClient(authingmfa.Options{PublicKey: "not a key"})
	if e := asError(t, err, authingmfa.StatusInvalidArgument); !strings.Contains(e.Message, "publicKey") {
		t.Errorf("message = %q", e.Message)
	}
}

func TestTooLongPasswordIsRefusedBeforeAnyRequest(t *testing.T) {
	stub := newAuthingStub(t, nil)
	c := newClient(t, authingmfa.Options{AppHost: stub.URL})
	pw := strings.Repeat("x", 600)
	ctx := ctxT(t)
	_, err := c.LoginByEmail(ctx, authingmfa.LoginByEmailParams{Email: "a@example.com", Password: pw})
	if e := asError(t, err, authingmfa.StatusInvalidArgument); !strings.Contains(e.Message, "password") || strings.Contains(e.Message, pw) {
		t.Errorf("message = %q", e.Message)
	}
	_, err = c.LoginByPhonePassword(ctx, authingmfa.LoginByPhonePasswordParams{Phone: "1", Password: pw})
	asError(t, err, authingmfa.StatusInvalidArgument)
	if n := len(stub.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// A missing required key is named, before any request.
	_, err = c.LoginByUsername(ctx, authingmfa.LoginByUsernameParams{Username: "bob"})
	if e := asError(t, err, authingmfa.StatusInvalidArgument); !strings.Contains(e.Message, "password") {
		t.Errorf("message = %q", e.Message)
	}
	// A refused host is a network error.
	c2 := newClient(t, authingmfa.Options{AppHost: closedPort(t)})
	_, err = c2.LoginByEmail(ctx, authingmfa.LoginByEmailParams{Email: "a@example.com", Password: "pw"})
	asError(t, err, authingmfa.StatusNetwork)
}

func TestSendCodesLogoutAndCheckLoginStatus(t *testing.T) {
	status := `{"code":200,"message":"ok","status":true,"exp":2,"iat":1,"data":{"id":"u1","userPoolId":"p","arn":"a"}}`
	stub := newAuthingStub(t, func(b map[string]any) string {
		if graphqlOperation(b) == "mutation sendEmail" {
			return `{"data":{"sendEmail":{"message":"sent","code":200}}}`
		}
		return `{"data":{"checkLoginStatus":` + status + `}}`
	})
	c := newClient(t, authingmfa.Options{AppHost: stub.URL, AppID: "app-1"})
	ctx := ctxT(t)

	data, err := c.SendSmsCode(ctx, authingmfa.SendSmsCodeParams{Phone: "13800000000", Scene: authingmfa.SmsSceneMfaVerify})
	if err != nil || string(data) != `{"sent":true}` {
		t.Fatalf("SendSmsCode = %s, %v", data, err)
	}
	sent, err := c.SendEmail(ctx, authingmfa.SendEmailParams{Email: "a@example.com", Scene: authingmfa.EmailSceneMfaVerifyCode})
	if err != nil || sent.Code != 200 || sent.Message != "sent" {
		t.Fatalf("SendEmail = %v, %v", sent, err)
	}
	ls, err := c.CheckLoginStatus(ctx, &authingmfa.CheckLoginStatusParams{Token: "t1"})
	if err != nil {
		t.Fatal(err)
	}
	want := authingmfa.LoginStatus{Code: 200, Message: "ok", Status: true, Exp: 2, Iat: 1,
		Data: &authingmfa.LoginStatusData{ID: "u1", UserPoolID: "p", Arn: "a"}, Raw: json.RawMessage(status)}
	if !reflect.DeepEqual(*ls, want) {
		t.Errorf("CheckLoginStatus = %+v", ls)
	}
	if err := c.SetCurrentUser(&authingmfa.User{ID: "u1", Token: "tok"}); err != nil {
		t.Fatal(err)
	}
	out, err := c.Logout(ctx)
	if err != nil || out.Code != 200 || out.Message != "logged out" {
		t.Fatalf("Logout = %v, %v", out, err)
	}
	if u, err := c.CurrentUser(); err != nil || u != nil {
		t.Errorf("CurrentUser after Logout = %v, %v", u, err)
	}

	reqs := stub.requests()
	if len(reqs) != 4 {
		t.Fatalf("requests = %+v", reqs)
	}
	if reqs[0].Path != "/api/v2/sms/send" || string(reqs[0].Body) != `{"phone":"13800000000","scene":"mfa-verify"}` {
		t.Errorf("sendSmsCode sent %s %s", reqs[0].Path, reqs[0].Body)
	}
	var email, check struct {
		Variables map[string]any `json:"variables"`
	}
	if json.Unmarshal(reqs[1].Body, &email) != nil || !reflect.DeepEqual(email.Variables, map[string]any{"email": "a@example.com", "scene": "MFA_VERIFY_CODE"}) {
		t.Errorf("sendEmail sent %s", reqs[1].Body)
	}
	if json.Unmarshal(reqs[2].Body, &check) != nil || !reflect.DeepEqual(check.Variables, map[string]any{"token": "t1"}) {
		t.Errorf("checkLoginStatus sent %s", reqs[2].Body)
	}
	if reqs[3].Method != "GET" || reqs[3].Path != "/api/v2/logout?app_id=app-1" || reqs[3].Auth != "Bearer tok" {
		t.Errorf("logout request = %+v", reqs[3])
	}
}

func TestLogoutRefusedKeepsTheUser(t *testing.T) {
	url, _ := fakeServer(t, 200, `{"code":2020,"message":"not logged in"}`)
	c := newClient(t, authingmfa.Options{AppHost: url})
	if err := c.SetCurrentUser(&authingmfa.User{ID: "u1", Token: "tok"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Logout(ctxT(t))
	if !authingmfa.IsAPI(err, authingmfa.CodeNotLoggedIn) {
		t.Fatalf("err = %v", err)
	}
	if u, err := c.CurrentUser(); err != nil || u == nil || u.ID != "u1" {
		t.Errorf("CurrentUser = %v, %v", u, err)
	}
}

func TestSendSmsCodeAgainstTheDevServer(t *testing.T) {
	u := newUser(t)
	c := newClient(t, authingmfa.Options{})
	if _, err := c.SendSmsCode(ctxT(t), authingmfa.SendSmsCodeParams{Phone: u.Phone, Scene: authingmfa.SmsSceneMfaVerify}); err != nil {
		t.Fatal(err)
	}
	if code := lastCode(t, u.Phone); len(code) == 0 {
		t.Error("no code sent")
	}
}

package authingmfa_test

// Authing's v3 factor API (issue #13): SignInByCredentials and the factor
// methods, against a local stub that answers as Authing's v3 API does and
// records what the library sent. (The dev server's v3 endpoints come in a
// later change; everything here is a stub.)

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
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

// v3Request is one request the v3 stub received.
type v3Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// v3Stub answers every v3 path as Authing does, or every request with
// failure when it is set.
type v3Stub struct {
	URL     string
	failure string
	mu      sync.Mutex
	reqs    []v3Request
}

const (
	v3Tokens  = `{"access_token":"at-1","id_token":"id-1","token_type":"Bearer","expire_in":1209600}`
	v3Factor  = `{"factorId":"f1","factorType":"SMS","profile":{"phoneNumber":"13800000000","phoneCountryCode":"+86"}}`
	v3Enroll  = `{"enrollmentToken":"enr-1","otpData":{"qrCodeUri":"otpauth://totp/x?secret=ABC","qrCodeDataUrl":"data:,","recoveryCode":"r-1"}}`
	v3Failure = `{"statusCode":400,"apiCode":6001,"message":"x","requestId":"req-1"}`
)

func newV3Stub(t *testing.T, failure string) *v3Stub {
	t.Helper()
	s := &v3Stub{failure: failure}
	ok := func(data string) string { return `{"statusCode":200,"message":"ok","data":` + data + `}` }
	answers := map[string]string{
		"/api/v3/signin":                     ok(v3Tokens),
		"/api/v3/send-enroll-factor-request": ok(v3Enroll),
		"/api/v3/enroll-factor":              `{"statusCode":200,"message":"enrolled"}`,
		"/api/v3/reset-factor":               `{"statusCode":200,"message":"reset"}`,
		"/api/v3/list-enrolled-factors":      ok("[" + v3Factor + "]"),
		"/api/v3/get-factor":                 ok(v3Factor),
		"/api/v3/list-factors-to-enroll":     ok(`[{"factorType":"OTP"}]`),
		"/api/v3/mfa-totp-verify":            ok(`{"verified":true}`),
		"/mfa/token/introspection":           `{"active":true,"userPoolId":"p1","userId":"u1","exp":2,"iat":1}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, v3Request{r.Method, r.URL.RequestURI(), r.Header.Clone(), body})
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if s.failure != "" {
			io.WriteString(w, s.failure)
			return
		}
		if a, found := answers[r.URL.Path]; found {
			io.WriteString(w, a)
			return
		}
		w.WriteHeader(404)
		io.WriteString(w, `{"statusCode":404,"message":"no such path"}`)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

func (s *v3Stub) requests() []v3Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// jsonBody decodes a request body (nil for none).
func jsonBody(t *testing.T, b []byte) any {
	t.Helper()
	if len(b) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("body is not JSON: %q", b)
	}
	return v
}

func TestFactorCallsSendTheAccessTokenRaw(t *testing.T) {
	stub := newV3Stub(t, "")
	c := newClient(t, authingmfa.Options{AppHost: stub.URL, AppID: "app-1", UserPoolID: "pool-1", Token: "user-token", AccessToken: "at-0"})
	ctx := ctxT(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	req, err := c.SendEnrollFactorRequest(ctx, authingmfa.SendEnrollFactorRequestParams{FactorType: authingmfa.FactorTypeOTP})
	must(err)
	if req.EnrollmentToken != "enr-1" || req.OtpData == nil || req.OtpData.QrCodeURI != "otpauth://totp/x?secret=ABC" || req.OtpData.RecoveryCode != "r-1" || len(req.Raw) == 0 {
		t.Errorf("SendEnrollFactorRequest = %#v", req)
	}
	_, err = c.SendEnrollFactorRequest(ctx, authingmfa.SendEnrollFactorRequestParams{
		FactorType: authingmfa.FactorTypeSMS,
		Profile:    &authingmfa.FactorProfile{PhoneNumber: "13800000000", PhoneCountryCode: "+86"},
	})
	must(err)
	st, err := c.EnrollFactor(ctx, authingmfa.EnrollFactorParams{
		FactorType: authingmfa.FactorTypeOTP, EnrollmentToken: "enr-1", EnrollmentData: &authingmfa.EnrollmentData{PassCode: "123456"},
	})
	must(err)
	if *st != (authingmfa.V3Status{StatusCode: 200, Message: "enrolled"}) {
		t.Errorf("EnrollFactor = %+v", st)
	}
	st, err = c.ResetFactor(ctx, authingmfa.FactorIDParams{FactorID: "f1"})
	must(err)
	if st.StatusCode != 200 || st.Message != "reset" {
		t.Errorf("ResetFactor = %+v", st)
	}
	list, err := c.ListEnrolledFactors(ctx)
	must(err)
	if len(list) != 1 || list[0].FactorID != "f1" || list[0].FactorType != authingmfa.FactorTypeSMS ||
		string(list[0].Profile) != `{"phoneNumber":"13800000000","phoneCountryCode":"+86"}` {
		t.Errorf("ListEnrolledFactors = %+v", list)
	}
	f, err := c.GetFactor(ctx, authingmfa.FactorIDParams{FactorID: "f 1"})
	must(err)
	if f.FactorID != "f1" {
		t.Errorf("GetFactor = %+v", f)
	}
	toEnroll, err := c.ListFactorsToEnroll(ctx)
	must(err)
	if !reflect.DeepEqual(toEnroll, []authingmfa.FactorToEnroll{{FactorType: "OTP"}}) {
		t.Errorf("ListFactorsToEnroll = %+v", toEnroll)
	}
	v, err := c.MfaOtpVerify(ctx, authingmfa.MfaOtpVerifyParams{Totp: "123456"})
	must(err)
	if !v.Verified {
		t.Errorf("MfaOtpVerify = %+v", v)
	}

	type sent struct {
		Method, Path string
		Body         any
	}
	want := []sent{
		{"POST", "/api/v3/send-enroll-factor-request", map[string]any{"factorType": "OTP"}},
		{"POST", "/api/v3/send-enroll-factor-request", map[string]any{"factorType": "SMS", "profile": map[string]any{"phoneNumber": "13800000000", "phoneCountryCode": "+86"}}},
		{"POST", "/api/v3/enroll-factor", map[string]any{"factorType": "OTP", "enrollmentToken": "enr-1", "enrollmentData": map[string]any{"passCode": "123456"}}},
		{"POST", "/api/v3/reset-factor", map[string]any{"factorId": "f1"}},
		{"GET", "/api/v3/list-enrolled-factors", nil},
		{"GET", "/api/v3/get-factor?factorId=f+1", nil}, // a space as "+", as axios encodes it
		{"GET", "/api/v3/list-factors-to-enroll", nil},
		{"POST", "/api/v3/mfa-totp-verify", map[string]any{"totp": "123456"}},
	}
	reqs := stub.requests()
	var got []sent
	for _, r := range reqs {
		got = append(got, sent{r.Method, r.Path, jsonBody(t, r.Body)})
		// Raw, as authing-node-sdk sends it: no "Bearer ", and not the user token.
		if a := r.Header.Get("Authorization"); a != "at-0" {
			t.Errorf("%s: authorization %q, want the raw access token", r.Path, a)
		}
		// Of the x-authing-* headers, v3 calls carry only the app ID.
		if r.Header.Get("X-Authing-App-Id") != "app-1" || r.Header.Get("X-Authing-Userpool-Id") != "" {
			t.Errorf("%s: headers %v", r.Path, r.Header)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sent\n%+v\nwant\n%+v", got, want)
	}
}

func TestSignInKeepsTheAccessToken(t *testing.T) {
	stub := newV3Stub(t, "")
	c := newClient(t, authingmfa.Options{AppHost: stub.URL, AppID: "app-1", Token: "user-token"})
	ctx := ctxT(t)
	tokens, err := c.SignInByCredentials(ctx, authingmfa.SignInParams{
		Connection:      authingmfa.ConnectionPassword,
		PasswordPayload: &authingmfa.SignInPasswordPayload{Email: "a@example.com", Password: "p@ss"},
		Options:         &authingmfa.SignInOptions{Scope: "openid profile"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tokens.AccessToken != "at-1" || tokens.IDToken != "id-1" || tokens.TokenType != "Bearer" || tokens.ExpireIn != 1209600 || len(tokens.Raw) == 0 {
		t.Errorf("SignInByCredentials = %#v", tokens)
	}
	if _, err := c.ListEnrolledFactors(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := stub.requests()
	if len(reqs) != 2 || reqs[0].Method != "POST" || reqs[0].Path != "/api/v3/signin" || reqs[1].Path != "/api/v3/list-enrolled-factors" {
		t.Fatalf("requests %+v", reqs)
	}
	wantBody := map[string]any{
		"connection":      "PASSWORD",
		"passwordPayload": map[string]any{"email": "a@example.com", "password": "p@ss"},
		"options":         map[string]any{"scope": "openid profile"},
	}
	if b := jsonBody(t, reqs[0].Body); !reflect.DeepEqual(b, wantBody) {
		t.Errorf("sign-in body %v, want %v", b, wantBody)
	}
	// A public client: no client authentication; the user token is no v3 credential.
	if a := reqs[0].Header.Get("Authorization"); a != "" {
		t.Errorf("sign-in authorization %q", a)
	}
	if a := reqs[1].Header.Get("Authorization"); a != "at-1" {
		t.Errorf("after sign-in, authorization %q, want at-1", a)
	}

	// The alias, through Call.
	raw, err := c.Call(ctx, "signIn", map[string]any{"connection": "PASSCODE", "passCodePayload": map[string]any{"phone": "1", "passCode": "2"}})
	if err != nil || !strings.Contains(string(raw), `"access_token":"at-1"`) {
		t.Errorf("Call(signIn) = %s, %v", raw, err)
	}
}

func TestV3FailureIsAPIErrorWithRequestID(t *testing.T) {
	stub := newV3Stub(t, v3Failure)
	c := newClient(t, authingmfa.Options{AppHost: stub.URL, AccessToken: "at-0"})
	_, err := c.MfaOtpVerify(ctxT(t), authingmfa.MfaOtpVerifyParams{Totp: "123456"})
	e := asError(t, err, authingmfa.StatusAPI)
	if !authingmfa.IsAPI(err, authingmfa.CodeWrongTotp) || e.Code != 6001 || e.Message != "x" || e.RequestID != "req-1" || e.HTTPStatus != 200 {
		t.Errorf("err = %#v", e)
	}
	if !strings.Contains(e.Error(), "req-1") || !strings.Contains(fmt.Sprintf("%#v", e), `RequestID:"req-1"`) {
		t.Errorf("Error() = %q, %%#v = %#v", e.Error(), e)
	}
	// Without apiCode the code is the statusCode.
	stub2 := newV3Stub(t, `{"statusCode":401,"message":"unauthorized","requestId":"req-2"}`)
	c2 := newClient(t, authingmfa.Options{AppHost: stub2.URL})
	_, err = c2.SignInByCredentials(ctxT(t), authingmfa.SignInParams{Connection: authingmfa.ConnectionPassword})
	if e := asError(t, err, authingmfa.StatusAPI); e.Code != 401 || e.RequestID != "req-2" {
		t.Errorf("err = %#v", e)
	}
	// A failed sign-in keeps no token: the factor calls are still refused.
	_, err = c2.ListEnrolledFactors(ctxT(t))
	asError(t, err, authingmfa.StatusInvalidArgument)
	// A v2 error has none.
	url, _ := fakeServer(t, 200, `{"code":6001,"message":"wrong"}`)
	c3 := newClient(t, authingmfa.Options{AppHost: url})
	_, err = c3.VerifyTotpMfa(ctxT(t), authingmfa.VerifyTotpParams{Totp: "1", MfaToken: "m"})
	if e := asError(t, err, authingmfa.StatusAPI); e.RequestID != "" {
		t.Errorf("v2 RequestID = %q", e.RequestID)
	}
}

func TestFactorCallsWithoutAccessTokenSendNothing(t *testing.T) {
	stub := newV3Stub(t, "")
	// A user token is not an access token.
	c := newClient(t, authingmfa.Options{AppHost: stub.URL, Token: "user-token"})
	ctx := ctxT(t)
	calls := map[string]func() error{
		"SendEnrollFactorRequest": func() error {
			_, err := c.SendEnrollFactorRequest(ctx, authingmfa.SendEnrollFactorRequestParams{FactorType: "OTP"})
			return err
		},
		"EnrollFactor": func() error {
			_, err := c.EnrollFactor(ctx, authingmfa.EnrollFactorParams{FactorType: "OTP", EnrollmentToken: "e", EnrollmentData: &authingmfa.EnrollmentData{PassCode: "1"}})
			return err
		},
		"ResetFactor": func() error {
			_, err := c.ResetFactor(ctx, authingmfa.FactorIDParams{FactorID: "f"})
			return err
		},
		"ListEnrolledFactors": func() error { _, err := c.ListEnrolledFactors(ctx); return err },
		"GetFactor": func() error {
			_, err := c.GetFactor(ctx, authingmfa.FactorIDParams{FactorID: "f"})
			return err
		},
		"ListFactorsToEnroll": func() error { _, err := c.ListFactorsToEnroll(ctx); return err },
		"MfaOtpVerify": func() error {
			_, err := c.MfaOtpVerify(ctx, authingmfa.MfaOtpVerifyParams{Totp: "1"})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { asError(t, call(), authingmfa.StatusInvalidArgument) })
	}
	if reqs := stub.requests(); len(reqs) != 0 {
		t.Errorf("requests sent without an access token: %+v", reqs)
	}
}

func TestSetAccessToken(t *testing.T) {
	stub := newV3Stub(t, "")
	c := newClient(t, authingmfa.Options{AppHost: stub.URL, AccessToken: "at-0"})
	ctx := ctxT(t)
	list := func() error { _, err := c.ListFactorsToEnroll(ctx); return err }
	if err := list(); err != nil {
		t.Fatal(err)
	}
	if err := c.SetAccessToken("at-2"); err != nil {
		t.Fatal(err)
	}
	if err := list(); err != nil {
		t.Fatal(err)
	}
	if err := c.SetAccessToken(""); err != nil {
		t.Fatal(err)
	}
	asError(t, list(), authingmfa.StatusInvalidArgument)
	for _, bad := range []string{"has space", "line\nbreak", "ünïcode"} {
		e := asError(t, c.SetAccessToken(bad), authingmfa.StatusInvalidArgument)
		if strings.Contains(e.Message, bad) {
			t.Errorf("message quotes the token: %q", e.Message)
		}
	}
	asError(t, c.SetAccessToken("bad\xff"), authingmfa.StatusInvalidUTF8)
	if err := c.SetAccessToken("at-3"); err != nil {
		t.Fatal(err)
	}
	// The user token is separate state.
	if err := c.SetToken("user-token"); err != nil {
		t.Fatal(err)
	}
	if err := list(); err != nil {
		t.Fatal(err)
	}
	var auths []string
	for _, r := range stub.requests() {
		auths = append(auths, r.Header.Get("Authorization"))
	}
	if want := []string{"at-0", "at-2", "at-3"}; !slices.Equal(auths, want) {
		t.Errorf("authorization %q, want %q", auths, want)
	}
	_, err := authingmfa.NewClient(authingmfa.Options{AccessToken: "bad token"})
	asError(t, err, authingmfa.StatusInvalidArgument)
	c.Close()
	asError(t, c.SetAccessToken("x"), authingmfa.StatusClosed)
}

func TestVerifyMfaTokenSendsAFormBody(t *testing.T) {
	stub := newV3Stub(t, "")
	c := newClient(t, authingmfa.Options{AppHost: stub.URL, AccessToken: "at-0", Token: "user-token"})
	r, err := c.VerifyMfaToken(ctxT(t), authingmfa.VerifyMfaTokenParams{Token: "mfa-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Active || r.UserPoolID != "p1" || r.UserID != "u1" || r.Exp != 2 || r.Iat != 1 {
		t.Errorf("VerifyMfaToken = %+v", r)
	}
	reqs := stub.requests()
	if len(reqs) != 1 || reqs[0].Method != "POST" || reqs[0].Path != "/mfa/token/introspection" {
		t.Fatalf("requests %+v", reqs)
	}
	if string(reqs[0].Body) != "token=mfa-1" {
		t.Errorf("body %q, want token=mfa-1", reqs[0].Body)
	}
	if ct := reqs[0].Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		t.Errorf("content-type %q", ct)
	}
	// The stored access token goes along, raw, as authing-node-sdk sends it
	// (include/authing_mfa.h, since cd4ce64/c41e70a); never the user token.
	if a := reqs[0].Header.Get("Authorization"); a != "at-0" {
		t.Errorf("authorization %q, want the access token at-0", a)
	}
}

func TestAppSecretAndTokenEndPointAuthMethod(t *testing.T) {
	stub := newV3Stub(t, "")
	ctx := ctxT(t)
	params := authingmfa.SignInParams{Connection: "PASSWORD", PasswordPayload: &authingmfa.SignInPasswordPayload{Account: "a", Password: "p"}}
	for _, method := range []string{"", authingmfa.TokenEndPointAuthClientSecretBasic, authingmfa.TokenEndPointAuthNone} {
		c := newClient(t, authingmfa.Options{AppHost: stub.URL, AppID: "app-1", AppSecret: "s3cret", TokenEndPointAuthMethod: method})
		if _, err := c.SignInByCredentials(ctx, params); err != nil {
			t.Fatalf("%q: %v", method, err)
		}
	}
	reqs := stub.requests()
	post := jsonBody(t, reqs[0].Body).(map[string]any)
	if post["client_id"] != "app-1" || post["client_secret"] != "s3cret" || reqs[0].Header.Get("Authorization") != "" {
		t.Errorf("client_secret_post: %v %v", post, reqs[0].Header)
	}
	basic := jsonBody(t, reqs[1].Body).(map[string]any)
	wantBasic := "Basic " + base64.StdEncoding.EncodeToString([]byte("app-1:s3cret"))
	if _, has := basic["client_secret"]; has || reqs[1].Header.Get("Authorization") != wantBasic {
		t.Errorf("client_secret_basic: %v %q", basic, reqs[1].Header.Get("Authorization"))
	}
	none := jsonBody(t, reqs[2].Body).(map[string]any)
	if _, has := none["client_secret"]; has || reqs[2].Header.Get("Authorization") != "" {
		t.Errorf("none: %v %v", none, reqs[2].Header)
	}
	_, err := authingmfa.NewClient(authingmfa.Options{TokenEndPointAuthMethod: authingmfa.TokenEndPointAuthClientSecretBasic})
	asError(t, err, authingmfa.StatusInvalidArgument)
	_, err = authingmfa.NewClient(authingmfa.Options{AppSecret: "s", TokenEndPointAuthMethod: "private_key_jwt"})
	asError(t, err, authingmfa.StatusInvalidArgument)
}

// The v3 calls honour the context like every other call.
func TestFactorCallsHonourTheContext(t *testing.T) {
	stub := newV3Stub(t, "")
	c := newClient(t, authingmfa.Options{AppHost: stub.URL, AccessToken: "at-0"})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.ListEnrolledFactors(ctx)
	asError(t, err, authingmfa.StatusCancelled)
}

package authingmfa_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	authingmfa "github.com/authing-mfa/authing-mfa/bindings/go"
)

var recoveryCodeRE = regexp.MustCompile(`^[0-9a-f]{4}(-[0-9a-f]{4}){5}$`)

// TestMfaStory walks the whole TOTP life cycle of the README: bind, confirm,
// log in with a code, with the recovery code (which rotates), fail with a
// replayed code and a used recovery code, unbind.
func TestMfaStory(t *testing.T) {
	ctx := ctxT(t)
	u := newUser(t)
	c := newClient(t, authingmfa.Options{})
	if err := c.SetToken(u.loginToken(t)); err != nil {
		t.Fatal(err)
	}

	list, err := c.GetMfaAuthenticators(ctx, nil)
	if err != nil {
		t.Fatalf("GetMfaAuthenticators: %v", err)
	}
	if len(list) != 0 {
		t.Fatalf("a new user has no authenticator, got %d", len(list))
	}

	assoc, err := c.AssociateMfaAuthenticator(ctx, nil)
	if err != nil {
		t.Fatalf("AssociateMfaAuthenticator: %v", err)
	}
	if assoc.AuthenticatorType != "totp" || len(assoc.Secret) != 16 ||
		!strings.HasPrefix(assoc.QrcodeURI, "otpauth://totp/") ||
		!strings.HasPrefix(assoc.QrcodeDataURL, "data:image/png;base64,") ||
		!recoveryCodeRE.MatchString(assoc.RecoveryCode) {
		t.Fatalf("unexpected association: %v", assoc)
	}
	if !bytes.Contains(assoc.Raw, []byte(`"qrcode_uri"`)) {
		t.Fatalf("Raw does not hold the whole object: %s", assoc.Raw)
	}
	parsed, err := authingmfa.TotpParseURI(assoc.QrcodeURI)
	if err != nil {
		t.Fatalf("TotpParseURI: %v", err)
	}
	if parsed.Secret != assoc.Secret || parsed.Digits != 6 || parsed.Period != 30 || parsed.Algorithm != "SHA1" {
		t.Fatalf("the QR code URI does not carry the secret: %v", parsed)
	}

	// A pending association is not enforced: login still answers 200.
	if env := u.login(t); env.Code != 200 {
		t.Fatalf("MFA enforced before confirm: %d", env.Code)
	}

	// A wrong code at confirm is HTTP 400 {code: 400}.
	_, err = c.ConfirmAssociateMfaAuthenticator(ctx, &authingmfa.ConfirmParams{
		AuthenticatorType: "totp", Totp: wrongTotp(t, assoc.Secret),
	})
	e := asError(t, err, authingmfa.StatusHTTPStatus)
	if e.HTTPStatus != 400 || !e.HasCode || e.Code != 400 || e.Message == "" {
		t.Fatalf("confirm with a wrong code: %#v", e)
	}

	st, err := c.ConfirmAssociateMfaAuthenticator(ctx, &authingmfa.ConfirmParams{
		AuthenticatorType: "totp", Totp: totpNow(t, assoc.Secret), Source: authingmfa.SourceSelf,
	})
	if err != nil {
		t.Fatalf("ConfirmAssociateMfaAuthenticator: %v", err)
	}
	if st.Code != 200 || st.Message == "" {
		t.Fatalf("confirm: %v", st)
	}

	list, err = c.GetMfaAuthenticators(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || !list[0].Enable || list[0].Secret != assoc.Secret ||
		list[0].AuthenticatorType != "totp" || list[0].UserID != u.ID || list[0].ID == "" {
		t.Fatalf("after confirm: %v", list)
	}
	// Fields the struct does not name stay reachable through Raw.
	var extra map[string]any
	if err := json.Unmarshal(list[0].Raw, &extra); err != nil || extra["source"] != "SELF" {
		t.Fatalf("Raw lost fields: %v %v", extra, err)
	}

	// Log in again: now the second factor is required.
	mfaToken := u.mfaToken(t)

	// The mfaToken also lists the authenticators during the MFA stage.
	list, err = c.GetMfaAuthenticators(ctx, &authingmfa.GetMfaAuthenticatorsParams{Type: "totp", MfaToken: mfaToken})
	if err != nil || len(list) != 1 {
		t.Fatalf("list with the mfaToken: %v %v", list, err)
	}

	code := totpNow(t, assoc.Secret)
	user, err := c.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{Totp: code, MfaToken: mfaToken})
	if err != nil {
		t.Fatalf("VerifyTotpMfa: %v", err)
	}
	if user.ID != u.ID || user.Token == "" || user.Username != u.Username || user.Arn == "" || user.UserPoolID == "" {
		t.Fatalf("verified user: %v", user)
	}
	var lastIP struct {
		LastIP string `json:"lastIp"` // sent beside lastIP; only Raw has it
	}
	if err := json.Unmarshal(user.Raw, &lastIP); err != nil || lastIP.LastIP != "127.0.0.1" {
		t.Fatalf("unknown field lastIp not reachable: %q %v", lastIP.LastIP, err)
	}

	// Replaying the code that was just accepted fails with 6001.
	_, err = c.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{Totp: code, MfaToken: u.mfaToken(t)})
	if !authingmfa.IsAPI(err, authingmfa.CodeWrongTotp) {
		t.Fatalf("replayed code: want API 6001, got %v", err)
	}
	e = asError(t, err, authingmfa.StatusAPI)
	if e.HTTPStatus != 200 || e.Message == "" {
		t.Fatalf("6001 error: %#v", e)
	}

	// The recovery code logs in once and is replaced by a new one.
	rec, err := c.VerifyTotpRecoveryCode(ctx, authingmfa.VerifyRecoveryCodeParams{
		RecoveryCode: assoc.RecoveryCode, MfaToken: u.mfaToken(t),
	})
	if err != nil {
		t.Fatalf("VerifyTotpRecoveryCode: %v", err)
	}
	if rec.User == nil || rec.User.ID != u.ID || rec.User.Token == "" {
		t.Fatalf("recovery user: %v", rec)
	}
	if !recoveryCodeRE.MatchString(rec.RecoveryCode) || rec.RecoveryCode == assoc.RecoveryCode {
		t.Fatalf("the recovery code was not rotated: %v", rec)
	}

	_, err = c.VerifyTotpRecoveryCode(ctx, authingmfa.VerifyRecoveryCodeParams{
		RecoveryCode: assoc.RecoveryCode, MfaToken: u.mfaToken(t),
	})
	if !authingmfa.IsAPI(err, authingmfa.CodeWrongRecoveryCode) {
		t.Fatalf("used recovery code: want API 6002, got %v", err)
	}
	rec2, err := c.VerifyTotpRecoveryCode(ctx, authingmfa.VerifyRecoveryCodeParams{
		RecoveryCode: rec.RecoveryCode, MfaToken: u.mfaToken(t),
	})
	if err != nil || rec2.RecoveryCode == rec.RecoveryCode {
		t.Fatalf("the new recovery code does not work: %v %v", rec2, err)
	}

	// Unbind with the user token from the last login.
	if err := c.SetToken(rec2.User.Token); err != nil {
		t.Fatal(err)
	}
	st, err = c.DeleteMfaAuthenticator(ctx)
	if err != nil {
		t.Fatalf("DeleteMfaAuthenticator: %v", err)
	}
	if st.Code != 200 || st.Message == "" {
		t.Fatalf("delete: %v", st)
	}
	if env := u.login(t); env.Code != 200 {
		t.Fatalf("MFA still enforced after delete: %d", env.Code)
	}
	// A delete with nothing bound is an API error, not a success.
	if _, err := c.DeleteMfaAuthenticator(ctx); err == nil {
		t.Fatal("a second delete succeeded")
	} else {
		asError(t, err, authingmfa.StatusAPI)
	}
}

// TestGetMfaAuthenticatorsParams: nil sends the JS defaults, a params
// struct sends only its fields (the dev server filters by source).
func TestGetMfaAuthenticatorsParams(t *testing.T) {
	ctx := ctxT(t)
	u := newUser(t)
	token := u.loginToken(t) // still valid once MFA is on
	u.bindTotp(t)
	c := newClient(t, authingmfa.Options{Token: token})

	for _, tc := range []struct {
		name   string
		params *authingmfa.GetMfaAuthenticatorsParams
		want   int
	}{
		{"nil = JS defaults", nil, 1},
		{"type only", &authingmfa.GetMfaAuthenticatorsParams{Type: "totp"}, 1},
		{"source SELF", &authingmfa.GetMfaAuthenticatorsParams{Type: "totp", Source: authingmfa.SourceSelf}, 1},
		{"source APPLICATION", &authingmfa.GetMfaAuthenticatorsParams{Type: "totp", Source: authingmfa.SourceApplication}, 0},
	} {
		list, err := c.GetMfaAuthenticators(ctx, tc.params)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(list) != tc.want {
			t.Errorf("%s: want %d authenticators, got %d", tc.name, tc.want, len(list))
		}
	}
	// An empty struct sends {}: no type, which the server refuses.
	if _, err := c.GetMfaAuthenticators(ctx, &authingmfa.GetMfaAuthenticatorsParams{}); err == nil {
		t.Fatal("an empty params struct must not get the JS defaults")
	}
}

// TestTokenState covers SetToken, SetCurrentUser, CurrentUser and
// ClearCurrentUser, and the Token option.
func TestTokenState(t *testing.T) {
	ctx := ctxT(t)
	u := newUser(t)
	loggedIn := u.loginUser(t)

	c := newClient(t, authingmfa.Options{})
	cur, err := c.CurrentUser()
	if err != nil || cur != nil {
		t.Fatalf("a new client has no current user: %v %v", cur, err)
	}
	// No token: the server answers 2020.
	if _, err := c.GetMfaAuthenticators(ctx, nil); !authingmfa.IsAPI(err, authingmfa.CodeNotLoggedIn) {
		t.Fatalf("without a token: want API 2020, got %v", err)
	}

	// SetCurrentUser stores the user as received and takes its token.
	if err := c.SetCurrentUser(&loggedIn); err != nil {
		t.Fatal(err)
	}
	cur, err = c.CurrentUser()
	if err != nil || cur == nil {
		t.Fatalf("CurrentUser: %v %v", cur, err)
	}
	if !bytes.Equal(cur.Raw, loggedIn.Raw) || cur.ID != u.ID || cur.Token != loggedIn.Token {
		t.Fatalf("the current user is not kept byte for byte")
	}
	if _, err := c.GetMfaAuthenticators(ctx, nil); err != nil {
		t.Fatalf("with the current user's token: %v", err)
	}

	// ClearCurrentUser forgets the user and the token.
	if err := c.ClearCurrentUser(); err != nil {
		t.Fatal(err)
	}
	if cur, err := c.CurrentUser(); err != nil || cur != nil {
		t.Fatalf("after ClearCurrentUser: %v %v", cur, err)
	}
	if _, err := c.GetMfaAuthenticators(ctx, nil); !authingmfa.IsAPI(err, authingmfa.CodeNotLoggedIn) {
		t.Fatalf("after ClearCurrentUser: want API 2020, got %v", err)
	}

	// SetToken sets, "" clears; an invalid token is refused locally.
	if err := c.SetToken(loggedIn.Token); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetMfaAuthenticators(ctx, nil); err != nil {
		t.Fatalf("after SetToken: %v", err)
	}
	if err := c.SetToken("not a token"); !authingmfa.IsStatus(err, authingmfa.StatusInvalidArgument) {
		t.Fatalf("a token with spaces: want InvalidArgument, got %v", err)
	}
	if err := c.SetToken("bad\xfftoken"); !authingmfa.IsStatus(err, authingmfa.StatusInvalidUTF8) {
		t.Fatalf("a token with invalid UTF-8: want InvalidUTF8, got %v", err)
	}
	if err := c.SetToken("a\x00b"); !authingmfa.IsStatus(err, authingmfa.StatusInvalidArgument) {
		t.Fatalf("a token with NUL: want InvalidArgument, got %v", err)
	}
	if err := c.SetToken("forged.token.value"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetMfaAuthenticators(ctx, nil); !authingmfa.IsAPI(err, authingmfa.CodeTokenInvalid) {
		t.Fatalf("a forged token: want API 2207, got %v", err)
	}
	if err := c.SetToken(""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetMfaAuthenticators(ctx, nil); !authingmfa.IsAPI(err, authingmfa.CodeNotLoggedIn) {
		t.Fatalf("after SetToken(\"\"): want API 2020, got %v", err)
	}

	// A user built in Go (no Raw) is encoded from its fields; without a
	// token it clears the token, as in the JS SDK.
	if err := c.SetToken(loggedIn.Token); err != nil {
		t.Fatal(err)
	}
	if err := c.SetCurrentUser(&authingmfa.User{ID: "local", Username: "someone"}); err != nil {
		t.Fatal(err)
	}
	cur, err = c.CurrentUser()
	if err != nil || cur.ID != "local" || cur.Username != "someone" {
		t.Fatalf("CurrentUser after a Go-built user: %v %v", cur, err)
	}
	if _, err := c.GetMfaAuthenticators(ctx, nil); !authingmfa.IsAPI(err, authingmfa.CodeNotLoggedIn) {
		t.Fatalf("a user without token must clear the token, got %v", err)
	}
	if err := c.SetCurrentUser(nil); !authingmfa.IsStatus(err, authingmfa.StatusInvalidArgument) {
		t.Fatalf("SetCurrentUser(nil): %v", err)
	}
	if err := c.SetCurrentUser(&authingmfa.User{Raw: json.RawMessage(`[1]`)}); !authingmfa.IsStatus(err, authingmfa.StatusInvalidJSON) {
		t.Fatalf("SetCurrentUser with a non-object: %v", err)
	}

	// The Token option is the initial token.
	c2 := newClient(t, authingmfa.Options{Token: loggedIn.Token})
	if _, err := c2.GetMfaAuthenticators(ctx, nil); err != nil {
		t.Fatalf("with Options.Token: %v", err)
	}
}

// TestAppSmsAndEmailMfa: application MFA by SMS and email codes, and
// phoneOrEmailBindable.
func TestAppSmsAndEmailMfa(t *testing.T) {
	ctx := ctxT(t)
	u := newUser(t)
	other := newUser(t)
	for _, f := range []string{"sms", "email"} {
		if env := devDo(t, "POST", "/__dev/users/"+u.ID+"/mfa/"+f, map[string]any{"enabled": true}); env.Code != 200 {
			t.Fatalf("enable %s: %d %s", f, env.Code, env.Message)
		}
	}
	c := newClient(t, authingmfa.Options{})

	mfaToken := u.mfaToken(t)
	for _, tc := range []struct {
		p    authingmfa.PhoneOrEmailBindableParams
		want bool
	}{
		{authingmfa.PhoneOrEmailBindableParams{Phone: u.Phone, MfaToken: mfaToken}, true},
		{authingmfa.PhoneOrEmailBindableParams{Email: u.Email, MfaToken: mfaToken}, true},
		{authingmfa.PhoneOrEmailBindableParams{Phone: "13311112222", MfaToken: mfaToken}, true},
		{authingmfa.PhoneOrEmailBindableParams{Phone: other.Phone, MfaToken: mfaToken}, false},
		{authingmfa.PhoneOrEmailBindableParams{Email: other.Email, MfaToken: mfaToken}, false},
	} {
		got, err := c.PhoneOrEmailBindable(ctx, tc.p)
		if err != nil {
			t.Fatalf("PhoneOrEmailBindable(%v): %v", tc.p, err)
		}
		if got != tc.want {
			t.Errorf("PhoneOrEmailBindable(%v) = %t, want %t", tc.p, got, tc.want)
		}
	}

	// SMS: send a code, read it from the outbox, verify.
	if env := devDo(t, "POST", "/api/v2/sms/send", map[string]string{"phone": u.Phone}); env.Code != 200 {
		t.Fatalf("sms send: %d", env.Code)
	}
	smsCode := lastCode(t, u.Phone)
	_, err := c.VerifyAppSmsMfa(ctx, authingmfa.VerifyAppSmsParams{Phone: u.Phone, Code: "000000x", MfaToken: mfaToken})
	if e := asError(t, err, authingmfa.StatusAPI); !e.HasCode || e.Code == 200 {
		t.Fatalf("a wrong SMS code: %#v", e)
	}
	user, err := c.VerifyAppSmsMfa(ctx, authingmfa.VerifyAppSmsParams{
		Phone: u.Phone, Code: smsCode, MfaToken: mfaToken, PhoneCountryCode: "+86",
	})
	if err != nil {
		t.Fatalf("VerifyAppSmsMfa: %v", err)
	}
	if user.ID != u.ID || user.Token == "" || user.Phone != u.Phone || !user.PhoneVerified {
		t.Fatalf("sms user: %v", user)
	}

	// Email.
	mfaToken = u.mfaToken(t)
	if env := devDo(t, "POST", "/api/v2/email/send", map[string]string{"email": u.Email}); env.Code != 200 {
		t.Fatalf("email send: %d", env.Code)
	}
	user, err = c.VerifyAppEmailMfa(ctx, authingmfa.VerifyAppEmailParams{Email: u.Email, Code: lastCode(t, u.Email), MfaToken: mfaToken})
	if err != nil {
		t.Fatalf("VerifyAppEmailMfa: %v", err)
	}
	if user.ID != u.ID || user.Token == "" || !user.EmailVerified {
		t.Fatalf("email user: %v", user)
	}
	// A code is single use.
	_, err = c.VerifyAppEmailMfa(ctx, authingmfa.VerifyAppEmailParams{Email: u.Email, Code: lastCode(t, u.Email), MfaToken: u.mfaToken(t)})
	asError(t, err, authingmfa.StatusAPI)
}

// lastCode reads the newest code sent to a phone or email.
func lastCode(t testing.TB, to string) string {
	t.Helper()
	env := devDo(t, "GET", "/__dev/outbox?to="+to, nil)
	var msgs []struct{ Code string }
	if err := json.Unmarshal(env.Data, &msgs); err != nil || len(msgs) == 0 || msgs[len(msgs)-1].Code == "" {
		t.Fatalf("no code in the outbox for %s", to)
	}
	return msgs[len(msgs)-1].Code
}

// TestFaceMfa: face binding by URL and by files, and face verification.
func TestFaceMfa(t *testing.T) {
	ctx := ctxT(t)

	t.Run("by URL", func(t *testing.T) {
		u := newUser(t)
		c := newClient(t, authingmfa.Options{Token: u.loginToken(t)})
		photo := "https://example.com/faces/" + u.Username + ".jpg"
		_, err := c.AssociateFaceByURL(ctx, authingmfa.AssociateFaceByURLParams{BaseFace: photo, CompareFace: photo + "?other"})
		asError(t, err, authingmfa.StatusAPI) // the two photos do not match
		user, err := c.AssociateFaceByURL(ctx, authingmfa.AssociateFaceByURLParams{BaseFace: photo, CompareFace: photo})
		if err != nil {
			t.Fatalf("AssociateFaceByURL: %v", err)
		}
		if user.ID != u.ID {
			t.Fatalf("face user: %v", user)
		}
		mfaToken := u.mfaToken(t) // face MFA is now enforced
		_, err = c.VerifyFaceMfa(ctx, authingmfa.VerifyFaceParams{Photo: photo + "?someone-else", MfaToken: mfaToken})
		asError(t, err, authingmfa.StatusAPI)
		user, err = c.VerifyFaceMfa(ctx, authingmfa.VerifyFaceParams{Photo: photo, MfaToken: mfaToken})
		if err != nil {
			t.Fatalf("VerifyFaceMfa: %v", err)
		}
		if user.ID != u.ID || user.Token == "" {
			t.Fatalf("verified face user: %v", user)
		}
	})

	t.Run("by files", func(t *testing.T) {
		u := newUser(t)
		c := newClient(t, authingmfa.Options{Token: u.loginToken(t)})
		dir := t.TempDir()
		face := []byte("\xff\xd8\xff\xe0 a face of " + u.Username)
		base := filepath.Join(dir, "base.jpg")
		other := filepath.Join(dir, "other.jpg")
		if err := os.WriteFile(base, face, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(other, []byte("another face"), 0o600); err != nil {
			t.Fatal(err)
		}

		_, err := c.AssociateFaceByFiles(ctx, authingmfa.AssociateFaceByFilesParams{BaseFace: filepath.Join(dir, "missing.jpg")})
		e := asError(t, err, authingmfa.StatusIO)
		if e.HTTPStatus != 0 || e.Message == "" {
			t.Fatalf("IO error: %#v", e)
		}
		_, err = c.AssociateFaceByFiles(ctx, authingmfa.AssociateFaceByFilesParams{BaseFace: base, CompareFace: other})
		asError(t, err, authingmfa.StatusAPI) // different bytes: no match

		// Without CompareFace the base image is used for both.
		user, err := c.AssociateFaceByFiles(ctx, authingmfa.AssociateFaceByFilesParams{BaseFace: base})
		if err != nil {
			t.Fatalf("AssociateFaceByFiles: %v", err)
		}
		if user.ID != u.ID {
			t.Fatalf("face user: %v", user)
		}

		mfaToken := u.mfaToken(t)
		_, err = c.VerifyFaceMfa(ctx, authingmfa.VerifyFaceParams{Photo: upload(t, []byte("not the face")), MfaToken: mfaToken})
		asError(t, err, authingmfa.StatusAPI)
		user, err = c.VerifyFaceMfa(ctx, authingmfa.VerifyFaceParams{Photo: upload(t, face), MfaToken: mfaToken})
		if err != nil {
			t.Fatalf("VerifyFaceMfa: %v", err)
		}
		if user.ID != u.ID || user.Token == "" {
			t.Fatalf("verified face user: %v", user)
		}
	})
}

// upload puts bytes on the dev server as the browser SDK would and returns
// the key.
func upload(t testing.TB, data []byte) string {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", "face.jpg")
	if err != nil {
		t.Fatal(err)
	}
	part.Write(data)
	w.Close()
	resp, err := devHTTP.Post(devURL+"/api/v2/upload?folder=face-photo&private=true", w.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env struct {
		Code int
		Data struct{ Key string }
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.Code != 200 || env.Data.Key == "" {
		t.Fatalf("upload: %s", raw)
	}
	return env.Data.Key
}

// TestCall: the generic entry point with JS method names.
func TestCall(t *testing.T) {
	ctx := ctxT(t)
	u := newUser(t)
	c := newClient(t, authingmfa.Options{Token: u.loginToken(t)})

	raw, err := c.Call(ctx, "getMfaAuthenticators", nil)
	if err != nil || string(raw) != "[]" {
		t.Fatalf("Call getMfaAuthenticators: %s %v", raw, err)
	}
	// The SDK's misspelling and the corrected name both work; a map or a
	// params struct both encode to the argument object.
	for _, m := range []string{"assosicateMfaAuthenticator", "associateMfaAuthenticator"} {
		raw, err := c.Call(ctx, m, map[string]string{"authenticatorType": "totp"})
		if err != nil {
			t.Fatalf("Call %s: %v", m, err)
		}
		var a authingmfa.Association
		if err := json.Unmarshal(raw, &a); err != nil || a.Secret == "" {
			t.Fatalf("Call %s: %s", m, raw)
		}
	}
	raw, err = c.Call(ctx, "getMfaAuthenticators", &authingmfa.GetMfaAuthenticatorsParams{Type: "totp"})
	if err != nil || !json.Valid(raw) {
		t.Fatalf("Call with a params struct: %v", err)
	}
	raw, err = c.Call(ctx, "getMfaAuthenticators", json.RawMessage(`{"type":"totp","source":"SELF"}`))
	if err != nil || string(raw) != "[]" {
		t.Fatalf("Call with raw JSON: %s %v", raw, err)
	}

	_, err = c.Call(ctx, "verifySmsMfa", nil) // in Authing's docs, not in the SDK
	asError(t, err, authingmfa.StatusInvalidArgument)
	_, err = c.Call(ctx, "getMfaAuthenticators", json.RawMessage(`{"type":"totp","bogus":1}`))
	if e := asError(t, err, authingmfa.StatusInvalidArgument); !strings.Contains(e.Message, "bogus") {
		t.Fatalf("the unknown key is not named: %v", e)
	}
	_, err = c.Call(ctx, "getMfaAuthenticators", json.RawMessage(`[1, 2]`))
	asError(t, err, authingmfa.StatusInvalidJSON)
	_, err = c.Call(ctx, "getMfaAuthenticators", json.RawMessage("{\"type\":\"to\x00tp\"}"))
	asError(t, err, authingmfa.StatusInvalidArgument)
	_, err = c.Call(ctx, "getMfa\x00Authenticators", nil)
	asError(t, err, authingmfa.StatusInvalidArgument)
	_, err = c.Call(ctx, "getMfaAuthenticators", func() {})
	asError(t, err, authingmfa.StatusInvalidJSON)
	// encoding/json would turn invalid UTF-8 into U+FFFD: refused instead,
	// naming the key but not quoting the value.
	_, err = c.Call(ctx, "verifyTotpMfa", map[string]any{"totp": "12\xff34", "mfaToken": "m"})
	if e := asError(t, err, authingmfa.StatusInvalidUTF8); !strings.Contains(e.Message, "totp") || strings.Contains(e.Message, "12") {
		t.Fatalf("invalid UTF-8 message: %q", e.Message)
	}
}

// TestLanguage: the lang option picks the language of server messages.
func TestLanguage(t *testing.T) {
	ctx := ctxT(t)
	u := newUser(t)
	secret, _ := u.bindTotp(t)
	for _, tc := range []struct{ lang, want string }{
		{"", "安全码错误，请重新输入"},
		{authingmfa.LangZhCN, "安全码错误，请重新输入"},
		{authingmfa.LangEnUS, "Security code error, please re-enter"},
	} {
		c := newClient(t, authingmfa.Options{Lang: tc.lang})
		_, err := c.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{Totp: wrongTotp(t, secret), MfaToken: u.mfaToken(t)})
		e := asError(t, err, authingmfa.StatusAPI)
		if e.Code != authingmfa.CodeWrongTotp || e.Message != tc.want {
			t.Errorf("lang %q: want 6001 %q, got %d %q", tc.lang, tc.want, e.Code, e.Message)
		}
		if !strings.Contains(e.Error(), fmt.Sprint(authingmfa.CodeWrongTotp)) || !strings.Contains(e.Error(), tc.want) {
			t.Errorf("Error() lacks the code or message: %s", e.Error())
		}
	}
}

// TestErrorsCarryNoSecrets: errors of wrong codes quote neither the codes
// nor the mfaToken, whichever way they are printed.
func TestErrorsCarryNoSecrets(t *testing.T) {
	ctx := ctxT(t)
	u := newUser(t)
	secret, recovery := u.bindTotp(t)
	c := newClient(t, authingmfa.Options{})
	mfaToken := u.mfaToken(t)
	wrongRecovery := strings.Repeat("abcd-", 5) + "abcd"
	code := wrongTotp(t, secret)
	_, err1 := c.VerifyTotpRecoveryCode(ctx, authingmfa.VerifyRecoveryCodeParams{RecoveryCode: wrongRecovery, MfaToken: mfaToken})
	_, err2 := c.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{Totp: code, MfaToken: mfaToken})
	if !authingmfa.IsAPI(err1, authingmfa.CodeWrongRecoveryCode) || !authingmfa.IsAPI(err2, authingmfa.CodeWrongTotp) {
		t.Fatalf("want 6002 and 6001, got %v / %v", err1, err2)
	}
	for _, err := range []error{err1, err2} {
		var e *authingmfa.Error
		if !errors.As(err, &e) {
			t.Fatal("not an *Error")
		}
		out := fmt.Sprintf("%v %+v %#v %s %#v", err, err, err, e.Message, e)
		for _, s := range []string{mfaToken, wrongRecovery, recovery, code, secret} {
			if strings.Contains(out, s) {
				t.Fatalf("an error output contains a secret: %s", out)
			}
		}
	}
}

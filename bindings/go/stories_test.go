package authingmfa_test

// The first factor and Authing's v3 factor API against the dev server, as an
// application meets them (issues #12 and #13), mirroring
// devserver/tests/story_via_library.rs:
//   - v2: LoginByEmail -> bind TOTP -> LoginByEmail fails with 1635 and
//     data.mfaToken -> VerifyTotpMfa -> Logout;
//   - v3: SignInByCredentials -> ListFactorsToEnroll ->
//     SendEnrollFactorRequest OTP -> EnrollFactor with a real code ->
//     ListEnrolledFactors -> MfaOtpVerify -> v2's LoginByEmail of the same
//     user fails with 1635 -> VerifyMfaToken -> ResetFactor -> v2's login
//     needs no second factor.

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	authingmfa "github.com/authing-mfa/authing-mfa/bindings/go"
)

// devNow is the dev server's clock (which /__dev/clock can shift).
func devNow(t testing.TB) time.Time {
	t.Helper()
	env := devDo(t, "GET", "/__dev/clock", nil)
	var d struct{ Now int64 }
	if env.Code != 200 || json.Unmarshal(env.Data, &d) != nil || d.Now == 0 {
		t.Fatalf("GET /__dev/clock: %d %s", env.Code, env.Message)
	}
	return time.Unix(d.Now, 0)
}

// devCode is a TOTP code for the dev server's clock.
func devCode(t testing.TB, secret string) string {
	t.Helper()
	code, err := authingmfa.TotpGenerate(secret, devNow(t))
	if err != nil {
		t.Fatalf("TotpGenerate: %v", err)
	}
	return code
}

// devNextCode moves the dev server's clock one 30 s step on, so the code is
// not a replay of a step already accepted, and puts it back when the test
// ends (the other tests make codes with time.Now()).
func devNextCode(t testing.TB, secret string) string {
	t.Helper()
	if env := devDo(t, "POST", "/__dev/clock", map[string]int{"advanceSeconds": 30}); env.Code != 200 {
		t.Fatalf("POST /__dev/clock: %d %s", env.Code, env.Message)
	}
	t.Cleanup(func() { devDo(t, "POST", "/__dev/clock", map[string]int{"advanceSeconds": -30}) })
	return devCode(t, secret)
}

// noSecrets checks that an error's text holds none of the secrets.
func noSecrets(t testing.TB, err error, secrets ...string) {
	t.Helper()
	for _, text := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%+v", err)} {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Fatalf("a secret in the error text %q", text)
			}
		}
	}
}

func TestStoryV2LoginByEmailThenTotpAndLogout(t *testing.T) {
	ctx := ctxT(t)
	u := newUser(t)
	c := newClient(t, authingmfa.Options{Lang: authingmfa.LangEnUS})
	login := authingmfa.LoginByEmailParams{Email: u.Email, Password: u.Password}

	user, err := c.LoginByEmail(ctx, login)
	if err != nil {
		t.Fatalf("LoginByEmail: %v", err)
	}
	if user.ID != u.ID || user.Email != u.Email || user.Token == "" {
		t.Fatalf("logged-in user: %v", user)
	}
	if cur, err := c.CurrentUser(); err != nil || cur == nil || cur.ID != u.ID {
		t.Fatalf("the login did not set the current user: %v %v", cur, err)
	}

	// Bound with the login's user token.
	assoc, err := c.AssociateMfaAuthenticator(ctx, nil)
	if err != nil {
		t.Fatalf("AssociateMfaAuthenticator: %v", err)
	}
	st, err := c.ConfirmAssociateMfaAuthenticator(ctx, &authingmfa.ConfirmParams{
		AuthenticatorType: "totp", Totp: devCode(t, assoc.Secret),
	})
	if err != nil || st.Code != 200 {
		t.Fatalf("ConfirmAssociateMfaAuthenticator: %v %v", st, err)
	}

	wrongPassword := "wrong-" + u.Password
	_, err = c.LoginByEmail(ctx, authingmfa.LoginByEmailParams{Email: u.Email, Password: wrongPassword})
	if !authingmfa.IsAPI(err, 2333) {
		t.Fatalf("wrong password: want API 2333, got %v", err)
	}
	noSecrets(t, err, wrongPassword)

	_, err = c.LoginByEmail(ctx, login)
	e := asError(t, err, authingmfa.StatusAPI)
	if !e.HasCode || e.Code != authingmfa.CodeMfaRequired || e.HTTPStatus != 200 ||
		e.Message != "Please enter the secondary authentication security code" {
		t.Fatalf("login with TOTP bound: %#v", e)
	}
	mfaToken := e.MfaToken()
	if strings.Count(mfaToken, ".") != 2 {
		t.Fatalf("no mfaToken in the 1635 error's data (%d bytes)", len(e.Data))
	}
	noSecrets(t, err, mfaToken, u.Password)

	// A fresh code: a later step than the confirm's (no replay).
	verified, err := c.VerifyTotpMfa(ctx, authingmfa.VerifyTotpParams{Totp: devNextCode(t, assoc.Secret), MfaToken: mfaToken})
	if err != nil {
		t.Fatalf("VerifyTotpMfa: %v", err)
	}
	if verified.ID != u.ID || verified.Token == "" {
		t.Fatalf("verified user: %v", verified)
	}
	if err := c.SetCurrentUser(verified); err != nil {
		t.Fatal(err)
	}

	out, err := c.Logout(ctx)
	if err != nil || out.Code != 200 {
		t.Fatalf("Logout: %v %v", out, err)
	}
	if cur, err := c.CurrentUser(); err != nil || cur != nil {
		t.Fatalf("the current user survived the logout: %v %v", cur, err)
	}
	_, err = c.GetMfaAuthenticators(ctx, nil)
	if !authingmfa.IsAPI(err, authingmfa.CodeNotLoggedIn) {
		t.Fatalf("after logout: want API 2020, got %v", err)
	}
}

func TestStoryV3FactorsShareUsersWithV2(t *testing.T) {
	ctx := ctxT(t)
	u := newUser(t)
	// A public client: no AppSecret.
	c := newClient(t, authingmfa.Options{AppID: "go-story-v3", Lang: authingmfa.LangEnUS})
	v2 := newClient(t, authingmfa.Options{Lang: authingmfa.LangEnUS})
	login := authingmfa.LoginByEmailParams{Email: u.Email, Password: u.Password}

	_, err := c.ListEnrolledFactors(ctx)
	asError(t, err, authingmfa.StatusInvalidArgument) // no access token yet

	wrongPassword := "wrong-" + u.Password
	_, err = c.SignInByCredentials(ctx, authingmfa.SignInParams{
		Connection:      authingmfa.ConnectionPassword,
		PasswordPayload: &authingmfa.SignInPasswordPayload{Email: u.Email, Password: wrongPassword},
	})
	e := asError(t, err, authingmfa.StatusAPI)
	if e.Code != 2333 || e.RequestID == "" {
		t.Fatalf("sign-in with a wrong password: %#v", e)
	}
	noSecrets(t, err, wrongPassword)

	signed, err := c.SignInByCredentials(ctx, authingmfa.SignInParams{
		Connection:      authingmfa.ConnectionPassword,
		PasswordPayload: &authingmfa.SignInPasswordPayload{Email: u.Email, Password: u.Password},
	})
	if err != nil {
		t.Fatalf("SignInByCredentials: %v", err)
	}
	if signed.AccessToken == "" || signed.TokenType != "bearer" {
		t.Fatalf("sign-in: token type %q, access token %t", signed.TokenType, signed.AccessToken != "")
	}

	// The client keeps the access token: the factor calls need no more.
	toEnroll, err := c.ListFactorsToEnroll(ctx)
	if err != nil {
		t.Fatalf("ListFactorsToEnroll: %v", err)
	}
	if !hasFactor(toEnroll, authingmfa.FactorTypeOTP) {
		t.Fatalf("OTP not offered: %v", toEnroll)
	}
	if factors, err := c.ListEnrolledFactors(ctx); err != nil || len(factors) != 0 {
		t.Fatalf("a new user's factors: %v %v", factors, err)
	}

	req, err := c.SendEnrollFactorRequest(ctx, authingmfa.SendEnrollFactorRequestParams{
		FactorType: authingmfa.FactorTypeOTP, Profile: &authingmfa.FactorProfile{},
	})
	if err != nil {
		t.Fatalf("SendEnrollFactorRequest: %v", err)
	}
	if req.EnrollmentToken == "" || req.OtpData == nil {
		t.Fatalf("enrolment request without token or otpData")
	}
	parsed, err := authingmfa.TotpParseURI(req.OtpData.QrCodeURI)
	if err != nil {
		t.Fatalf("TotpParseURI: %v", err)
	}
	if parsed.Account != u.Email || len(parsed.Secret) != 16 {
		t.Fatalf("the QR code URI: account %q", parsed.Account)
	}
	enrolled, err := c.EnrollFactor(ctx, authingmfa.EnrollFactorParams{
		FactorType: authingmfa.FactorTypeOTP, EnrollmentToken: req.EnrollmentToken,
		EnrollmentData: &authingmfa.EnrollmentData{PassCode: devCode(t, parsed.Secret)},
	})
	if err != nil || enrolled.StatusCode != 200 {
		t.Fatalf("EnrollFactor: %v %v", enrolled, err)
	}
	// An enrollment token is single use; the error holds neither it nor the code.
	_, err = c.EnrollFactor(ctx, authingmfa.EnrollFactorParams{
		FactorType: authingmfa.FactorTypeOTP, EnrollmentToken: req.EnrollmentToken,
		EnrollmentData: &authingmfa.EnrollmentData{PassCode: "135791"},
	})
	if e := asError(t, err, authingmfa.StatusAPI); e.RequestID == "" {
		t.Fatalf("a spent enrollment token: %#v", e)
	}
	noSecrets(t, err, req.EnrollmentToken, "135791")

	factors, err := c.ListEnrolledFactors(ctx)
	if err != nil || len(factors) != 1 || factors[0].FactorType != authingmfa.FactorTypeOTP || factors[0].FactorID == "" {
		t.Fatalf("enrolled factors: %v %v", factors, err)
	}
	otp := factors[0]
	if one, err := c.GetFactor(ctx, authingmfa.FactorIDParams{FactorID: otp.FactorID}); err != nil || one.FactorID != otp.FactorID {
		t.Fatalf("GetFactor: %v %v", one, err)
	}
	if toEnroll, err := c.ListFactorsToEnroll(ctx); err != nil || hasFactor(toEnroll, authingmfa.FactorTypeOTP) {
		t.Fatalf("OTP still offered after enrolling: %v %v", toEnroll, err)
	}

	// A fresh code, one step on (the enrolment's step is spent).
	code := devNextCode(t, parsed.Secret)
	if res, err := c.MfaOtpVerify(ctx, authingmfa.MfaOtpVerifyParams{Totp: code}); err != nil || !res.Verified {
		t.Fatalf("MfaOtpVerify: %v %v", res, err)
	}
	if res, err := c.MfaOtpVerify(ctx, authingmfa.MfaOtpVerifyParams{Totp: code}); err != nil || res.Verified {
		t.Fatalf("MfaOtpVerify, a replay: %v %v", res, err)
	}

	// The factor bound through v3 is the one v2's login asks for.
	_, err = v2.LoginByEmail(ctx, login)
	e = asError(t, err, authingmfa.StatusAPI)
	if e.Code != authingmfa.CodeMfaRequired || e.MfaToken() == "" {
		t.Fatalf("v2 login after the v3 enrolment: %#v", e)
	}
	mfaToken := e.MfaToken()
	noSecrets(t, err, mfaToken)
	in, err := c.VerifyMfaToken(ctx, authingmfa.VerifyMfaTokenParams{Token: mfaToken})
	if err != nil || !in.Active || in.UserID != u.ID {
		t.Fatalf("VerifyMfaToken: %v %v", in, err)
	}
	if in, err := c.VerifyMfaToken(ctx, authingmfa.VerifyMfaTokenParams{Token: "not.an.mfatoken"}); err != nil || in.Active {
		t.Fatalf("VerifyMfaToken of a non-token: %v %v", in, err)
	}

	reset, err := c.ResetFactor(ctx, authingmfa.FactorIDParams{FactorID: otp.FactorID})
	if err != nil || reset.StatusCode != 200 {
		t.Fatalf("ResetFactor: %v %v", reset, err)
	}
	if factors, err := c.ListEnrolledFactors(ctx); err != nil || len(factors) != 0 {
		t.Fatalf("factors after the reset: %v %v", factors, err)
	}
	_, err = c.ResetFactor(ctx, authingmfa.FactorIDParams{FactorID: otp.FactorID})
	if e := asError(t, err, authingmfa.StatusAPI); e.RequestID == "" {
		t.Fatalf("resetting twice: %#v", e)
	}

	user, err := v2.LoginByEmail(ctx, login)
	if err != nil {
		t.Fatalf("no second factor after the reset, yet: %v", err)
	}
	if user.ID != u.ID || user.Token == "" {
		t.Fatalf("v2 login after the reset: %v", user)
	}
}

func hasFactor(list []authingmfa.FactorToEnroll, factorType string) bool {
	for _, f := range list {
		if f.FactorType == factorType {
			return true
		}
	}
	return false
}

// authing_mfa/operations.hpp: the MFA operations. `operations()`, the
// library's own list of them, and `detail::op`, the wrapper's description of
// each one its `Client` methods run: the JS SDK name and the C function.
//
// Each operation has three `Client` methods (blocking, `_async`,
// `_future`). The blocking one calls the operation's C function; the
// non-blocking ones pass its JS name to `authing_mfa_call_async_ex`. Both
// come from one `detail::OperationSpec` here, so the three methods cannot
// drift to different operations, and an operation is described once for
// the wrapper. (tests/test_operation_list.cpp checks every method against
// `operations()`.)
// Part of the C++ wrapper; include <authing_mfa.hpp> for all of it.

#ifndef AUTHING_MFA_OPERATIONS_HPP
#define AUTHING_MFA_OPERATIONS_HPP

#include "authing_mfa.h"

#include <string>

namespace authing_mfa {

/// The operations the library runs (`authing_mfa_operations`), as JSON text:
/// an array, one object each in the JS SDK's order, e.g.
/// `{"name": "verifyTotpMfa", "aliases": [], "cFunction":
/// "authing_mfa_verify_totp", "keys": ["totp", "mfaToken"]}`. `name` and
/// `aliases` are what `Client::call` accepts; `keys` the keys its
/// parameter object may hold. Each has a `Client` method: the name in
/// snake_case, except the SDK's misspelt `assosicate…` (spelled
/// `associate_…`) and `associateFaceByLocalFile` and `associateFaceByBlob`,
/// both run by `associate_face_by_files`. Parse it with your JSON library.
inline std::string operations() {
    const char* list = authing_mfa_operations();  // a static string: never freed
    return list ? list : "[]";
}

namespace detail {

/// The signature every operation's C function shares: the client, the
/// params JSON (NULL: none), the result JSON out, the error JSON out.
using OperationFunction = authing_mfa_status (*)(const authing_mfa_client*, const char*, char**,
                                                 char**);

/// One operation as the `Client` methods run it: `js_name` is what the
/// non-blocking forms pass to `authing_mfa_call_async_ex` (a name or alias
/// of `operations()`), `c_function` what the blocking form calls.
struct OperationSpec {
    const char* js_name;
    OperationFunction c_function;
};

/// The operations with `Client` methods, in the JS SDK's order; each is
/// named after its `Client` method. The SDK's misspelt `assosicate…`
/// operations go by the library's corrected aliases, and
/// `associate_face_by_files` runs `associateFaceByLocalFile` (the library
/// runs `associateFaceByBlob` with the same C function).
namespace op {

inline constexpr OperationSpec get_mfa_authenticators{"getMfaAuthenticators",
                                                      &authing_mfa_get_authenticators};
inline constexpr OperationSpec associate_mfa_authenticator{"associateMfaAuthenticator",
                                                           &authing_mfa_associate_authenticator};
inline constexpr OperationSpec delete_mfa_authenticator{"deleteMfaAuthenticator",
                                                        &authing_mfa_delete_authenticator};
inline constexpr OperationSpec confirm_associate_mfa_authenticator{
    "confirmAssociateMfaAuthenticator", &authing_mfa_confirm_associate_authenticator};
inline constexpr OperationSpec verify_totp_mfa{"verifyTotpMfa", &authing_mfa_verify_totp};
inline constexpr OperationSpec verify_totp_recovery_code{"verifyTotpRecoveryCode",
                                                         &authing_mfa_verify_totp_recovery_code};
inline constexpr OperationSpec verify_app_sms_mfa{"verifyAppSmsMfa", &authing_mfa_verify_app_sms};
inline constexpr OperationSpec verify_app_email_mfa{"verifyAppEmailMfa", &authing_mfa_verify_app_email};
inline constexpr OperationSpec phone_or_email_bindable{"phoneOrEmailBindable",
                                                       &authing_mfa_phone_or_email_bindable};
inline constexpr OperationSpec associate_face_by_url{"associateFaceByUrl",
                                                     &authing_mfa_associate_face_by_url};
inline constexpr OperationSpec associate_face_by_files{"associateFaceByLocalFile",
                                                       &authing_mfa_associate_face_by_files};
inline constexpr OperationSpec verify_face_mfa{"verifyFaceMfa", &authing_mfa_verify_face};

// The first factor, and the calls around it (issue #12).
inline constexpr OperationSpec login_by_email{"loginByEmail", &authing_mfa_login_by_email};
inline constexpr OperationSpec login_by_username{"loginByUsername", &authing_mfa_login_by_username};
inline constexpr OperationSpec login_by_phone_password{"loginByPhonePassword",
                                                       &authing_mfa_login_by_phone_password};
inline constexpr OperationSpec login_by_phone_code{"loginByPhoneCode", &authing_mfa_login_by_phone_code};
inline constexpr OperationSpec login_by_email_code{"loginByEmailCode", &authing_mfa_login_by_email_code};
inline constexpr OperationSpec send_sms_code{"sendSmsCode", &authing_mfa_send_sms_code};
inline constexpr OperationSpec send_email{"sendEmail", &authing_mfa_send_email};
inline constexpr OperationSpec logout{"logout", &authing_mfa_logout};
inline constexpr OperationSpec check_login_status{"checkLoginStatus", &authing_mfa_check_login_status};

// Authing's v3 factor API (issue #13). `Client::sign_in` is
// `sign_in_by_credentials` under the library's alias (C `authing_mfa_sign_in`).
inline constexpr OperationSpec sign_in_by_credentials{"signInByCredentials", &authing_mfa_sign_in};
inline constexpr OperationSpec send_enroll_factor_request{"sendEnrollFactorRequest",
                                                          &authing_mfa_send_enroll_factor_request};
inline constexpr OperationSpec enroll_factor{"enrollFactor", &authing_mfa_enroll_factor};
inline constexpr OperationSpec reset_factor{"resetFactor", &authing_mfa_reset_factor};
inline constexpr OperationSpec list_enrolled_factors{"listEnrolledFactors", &authing_mfa_list_enrolled_factors};
inline constexpr OperationSpec get_factor{"getFactor", &authing_mfa_get_factor};
inline constexpr OperationSpec list_factors_to_enroll{"listFactorsToEnroll", &authing_mfa_list_factors_to_enroll};
inline constexpr OperationSpec mfa_otp_verify{"mfaOtpVerify", &authing_mfa_otp_verify};
inline constexpr OperationSpec verify_mfa_token{"verifyMfaToken", &authing_mfa_verify_mfa_token};

}  // namespace op

}  // namespace detail

}  // namespace authing_mfa

#endif  // AUTHING_MFA_OPERATIONS_HPP

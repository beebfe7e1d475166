//! Every code and message the server can answer, in both languages.
//!
//! The catalogue is one table so that a message cannot exist in one language
//! only (the macro needs both columns), and so that the README can be checked
//! against it by a test: the codes a client sees are the codes documented.

/// The language of `message`, chosen per request by the `x-authing-lang`
/// header as Authing does. Anything that does not start with `en` (including
/// no header at all) is Chinese, Authing's default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// `zh-CN`, the default.
    Zh,
    /// `en-US`.
    En,
}

impl Lang {
    /// Reads the value of the `x-authing-lang` header.
    pub fn from_header(value: Option<&str>) -> Lang {
        match value {
            Some(v) if v.trim().to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
}

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $name:ident => $code:expr, $http:expr, $zh:expr, $en:expr; )*) => {
        /// A message of the catalogue: it fixes the envelope's `code`, the
        /// HTTP status and the text in each language.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Msg {
            $( $(#[$doc])* $name, )*
        }

        impl Msg {
            /// Every message, for documentation checks.
            pub const ALL: &'static [Msg] = &[ $( Msg::$name, )* ];

            /// The envelope's `code`.
            pub fn code(self) -> i64 {
                match self { $( Msg::$name => $code, )* }
            }

            /// The HTTP status the envelope travels with.
            pub fn http_status(self) -> u16 {
                match self { $( Msg::$name => $http, )* }
            }

            /// The Chinese text (a `{field}` placeholder is filled by the caller).
            pub fn zh(self) -> &'static str {
                match self { $( Msg::$name => $zh, )* }
            }

            /// The English text (a `{field}` placeholder is filled by the caller).
            pub fn en(self) -> &'static str {
                match self { $( Msg::$name => $en, )* }
            }
        }
    };
}

catalogue! {
    // ---- successes -------------------------------------------------------
    /// Generic success (lists, checks, clock, outbox).
    Ok => 200, 200, "请求成功", "Request succeeded";
    /// A login finished: the data is the user with a fresh token.
    LoginOk => 200, 200, "登录成功", "Login succeeded";
    /// `POST /api/v2/mfa/totp/associate`.
    TotpAssociated => 200, 200, "请使用身份验证器扫描二维码，并输入安全码完成绑定",
        "Scan the QR code with an authenticator app and enter its code to finish binding";
    /// `POST /api/v2/mfa/totp/associate/confirm`.
    TotpBound => 200, 200, "TOTP MFA 绑定成功", "TOTP MFA bound successfully";
    /// `DELETE /api/v2/mfa/totp/associate`.
    TotpUnbound => 200, 200, "TOTP MFA 解绑成功", "TOTP MFA unbound successfully";
    /// `POST /api/v2/sms/send`, `POST /api/v2/email/send`.
    CodeSent => 200, 200, "验证码发送成功", "Verification code sent";
    /// `POST /api/v2/upload`.
    Uploaded => 200, 200, "上传成功", "Upload succeeded";
    /// `POST /api/v2/mfa/face/associate`.
    FaceBound => 200, 200, "人脸绑定成功", "Face bound successfully";
    /// `POST /__dev/users`.
    UserCreated => 200, 200, "用户创建成功", "User created";
    /// `DELETE /__dev/users/{id}`.
    UserDeleted => 200, 200, "用户已删除", "User deleted";
    /// `POST /__dev/reset`.
    StateReset => 200, 200, "状态已清空", "State reset";
    /// A login that needs the user's own second factor (TOTP or face): the
    /// data carries the `mfaToken`. Authing's text, in its Chinese and
    /// English (GenAuth) documentation of the GraphQL login error.
    MfaRequired => 1635, 200, "请输入二次认证安全码", "Please enter the secondary authentication security code";
    /// A login that needs the second factor the application's MFA policy
    /// asks for (Authing's code for "enterprise" MFA; Authing documents no
    /// text for it, so this one is the server's).
    AppMfaRequired => 1636, 200, "请完成多因素认证", "Multi-factor authentication required";
    /// `GET /api/v2/logout`.
    LoggedOut => 200, 200, "退出登录成功", "Logged out";
    /// `checkLoginStatus` of a valid user token.
    TokenValid => 200, 200, "登录状态有效", "The login is valid";

    /// v3 success (the text of Authing's GenAuth samples). The v3 messages
    /// below use as `code` their `apiCode` when they have one, else their
    /// `statusCode` (see `crate::v3::meta`); v3 answers travel with HTTP 200.
    V3Ok => 200, 200, "操作成功", "Operation successful";
    /// `POST /api/v3/send-enroll-factor-request`.
    EnrollStarted => 200, 200, "请在 60 秒内完成绑定", "Enrollment started: finish it within 60 seconds";
    /// `POST /api/v3/enroll-factor`.
    FactorEnrolled => 200, 200, "MFA 认证要素绑定成功", "MFA factor enrolled";
    /// `POST /api/v3/reset-factor`.
    FactorReset => 200, 200, "MFA 认证要素解绑成功", "MFA factor reset";
    /// `POST /api/v3/mfa-totp-verify` with a wrong or replayed code: a
    /// success (`data.verified` false), as the DTO's boolean implies.
    TotpNotVerified => 200, 200, "安全码错误，校验未通过", "Security code not verified";

    // ---- errors ----------------------------------------------------------
    /// v3: `/api/v3/signin` without the `x-authing-app-id` header.
    AppIdMissing => 400, 200, "请求头 x-authing-app-id 缺失", "The x-authing-app-id header is missing";
    /// v3: a value this server does not support (`connection` LDAP/AD,
    /// `passwordEncryptType` sm2).
    UnsupportedValue => 400, 200, "不支持的参数值：{field}", "Unsupported value: {field}";
    /// v3: an enrollmentToken that is unknown, expired, used, someone
    /// else's or for another factorType.
    EnrollmentTokenInvalid => 400, 200, "enrollmentToken 无效、已过期或已使用",
        "The enrollmentToken is invalid, expired or already used";
    /// v3: the client secret is wrong or missing, or `client_id` names
    /// another application.
    ClientAuthFailed => 401, 200, "应用认证失败：client_id 或 client_secret 错误",
        "Client authentication failed: wrong or missing client_id or client_secret";
    /// v3: a factorType the application has not enabled.
    FactorNotEnabled => 403, 200, "应用未开启该 MFA 认证要素", "The application has not enabled this MFA factor";
    /// v3: a factor that does not exist (or is not the user's).
    FactorNotFound => 404, 200, "MFA 认证要素不存在", "No such MFA factor";
    /// v3: a factor of that type is already enrolled.
    FactorAlreadyEnrolled => 409, 200, "已绑定该类型的 MFA 认证要素，请先解绑",
        "A factor of this type is already enrolled; reset it first";
    /// v3: a second enrolment code to the same phone or email within a
    /// minute (apiCode 2080, Guard's "one per minute").
    SendTooOften => 2080, 200, "发送过于频繁，每个地址每分钟只能发送一次",
        "Sent too often: one code per address per minute";
    /// v3 FACE enrolment without a photo, or with an upload key never
    /// uploaded (Authing's 1700).
    FacePhotoMissing => 1700, 200, "未上传人脸照片", "No face photo uploaded";
    /// v3 FACE enrolment while a face is bound (Authing's 1706).
    FaceAlreadyBound => 1706, 200, "已绑定人脸", "A face is already bound";
    /// v3 `mfa-totp-verify` without `totp` (Authing's 6003 in its v3 list).
    TotpCodeMissing => 6003, 200, "TOTP 安全码缺失", "The TOTP code is missing";
    /// A wrong code at confirm: Authing answers this one with HTTP 400.
    /// Authing's text (and the English of its GenAuth documentation), the
    /// same as 6001's.
    WrongTotpAtConfirm => 400, 400, "安全码错误，请重新输入", "Security code error, please re-enter";
    /// The body is not a JSON object.
    InvalidJson => 2000, 400, "请求体不是有效的 JSON 对象", "The request body is not a valid JSON object";
    /// A required argument is missing, empty or of the wrong type.
    InvalidArgument => 2000, 400, "参数 {field} 缺失或无效", "Argument {field} is missing or invalid";
    /// A malformed request that no handler saw (e.g. a broken multipart body).
    BadRequest => 2000, 400, "请求无效", "Bad request";
    /// `POST /graphql/v2` whose body is not `{"query": "…", …}`. GraphQL
    /// errors always travel with HTTP 200 (the SDK loses the body of any
    /// other status), so the HTTP column is 200 for these three.
    GraphqlBadRequest => 2000, 200, "请求体不是 GraphQL 请求", "The request body is not a GraphQL request";
    /// A GraphQL document that does not parse, or names no operation to run.
    GraphqlSyntax => 2000, 200, "GraphQL 文档无效：{field}", "Invalid GraphQL document: {field}";
    /// A GraphQL root field this server does not answer.
    GraphqlUnsupported => 2000, 200, "不支持的 GraphQL 操作：{field}", "Unsupported GraphQL operation: {field}";
    /// Wrong, used or expired SMS/email code (Authing's code for it).
    WrongVerifyCode => 2001, 200, "验证码错误或已过期", "The verification code is incorrect or has expired";
    /// A `/__dev/` endpoint named a user id that does not exist.
    UserNotFound => 2004, 200, "用户不存在", "User does not exist";
    /// The user's second factor is locked after too many wrong answers
    /// (Authing's code for a locked user; the text is this server's).
    MfaLocked => 2005, 200, "用户已被锁定：多因素认证失败次数过多，请稍后再试",
        "User locked: too many failed multi-factor attempts, try again later";
    /// `POST /__dev/users` with a username, email or phone already taken.
    UserExists => 2026, 409, "用户名、邮箱或手机号已被占用", "The username, email or phone number is already taken";
    /// No `Authorization: Bearer …` header.
    NotLoggedIn => 2020, 200, "尚未登录，无权限访问此接口", "Not logged in: this endpoint needs a token";
    /// The token's `exp` is past by the server's clock.
    LoginExpired => 2206, 200, "登录信息已过期，请重新登录", "Login has expired, please log in again";
    /// Malformed token, bad signature, unknown user, or wrong kind of token.
    TokenInvalid => 2207, 200, "登录信息无效，请重新登录", "Login information is invalid, please log in again";
    /// An mfaToken that already completed a login: it is spent.
    MfaTokenUsed => 2207, 200, "该 mfaToken 已完成过一次登录，请重新登录",
        "This mfaToken has already completed a login; log in again";
    /// A password login (`/__dev/login`, GraphQL, `/api/v2/login/account`)
    /// with an unknown account or a wrong password: one answer for both, so
    /// accounts cannot be probed.
    WrongPassword => 2333, 200, "账号或密码错误", "Incorrect account or password";
    /// Wrong or replayed TOTP code at verify. Authing's text, in its Chinese
    /// and English (GenAuth) MFA documentation.
    WrongTotp => 6001, 200, "安全码错误，请重新输入", "Security code error, please re-enter";
    /// Wrong or already used recovery code. Authing's text, as for 6001.
    WrongRecoveryCode => 6002, 200, "恢复代码错误，请重新输入", "Wrong recovery code, please re-enter";
    /// Associate while an enabled TOTP authenticator exists.
    TotpAlreadyBound => 6003, 200, "已绑定 TOTP MFA，请先解绑", "TOTP MFA is already bound; unbind it first";
    /// Confirm without a pending association.
    NoPendingTotp => 6004, 200, "没有待确认的 TOTP 绑定，请先获取二维码",
        "No TOTP binding is pending; call associate first";
    /// Unbind, verify or recovery for a user without TOTP.
    TotpNotBound => 6005, 200, "尚未绑定 TOTP MFA", "TOTP MFA is not bound";
    /// Face associate: the two photos differ.
    FaceMismatch => 6010, 200, "两张照片不是同一张人脸", "The two photos do not show the same face";
    /// A photo key that was never uploaded (or was evicted).
    PhotoNotFound => 6011, 200, "照片不存在，请先上传", "Photo not found; upload it first";
    /// Face verify: the photo differs from the bound face.
    FaceVerifyFailed => 6012, 200, "人脸比对失败", "Face comparison failed";
    /// Face verify for a user without a bound face.
    FaceNotBound => 6013, 200, "尚未绑定人脸", "No face is bound";
    /// SMS verify: the user has a different phone.
    PhoneMismatch => 6020, 200, "手机号与当前账号绑定的不一致",
        "The phone number differs from the one bound to this account";
    /// Email verify: the user has a different email.
    EmailMismatch => 6021, 200, "邮箱与当前账号绑定的不一致",
        "The email address differs from the one bound to this account";
    /// SMS verify would bind a phone another user has.
    PhoneTaken => 6022, 200, "该手机号已被其他账号绑定", "This phone number is bound to another account";
    /// Email verify would bind an email another user has.
    EmailTaken => 6023, 200, "该邮箱已被其他账号绑定", "This email address is bound to another account";
    /// Upload over the size cap.
    FileTooLarge => 6030, 413, "文件过大，上限为 10 MiB", "The file is too large (limit 10 MiB)";
    /// A JSON body over the size cap.
    BodyTooLarge => 413, 413, "请求体过大", "The request body is too large";
    /// No such path.
    NotFound => 404, 404, "接口不存在", "No such endpoint";
    /// The path exists with other methods.
    MethodNotAllowed => 405, 405, "不支持该请求方法", "Method not allowed";
    /// The state file could not be written, or another server fault.
    Internal => 500, 500, "服务器内部错误", "Internal server error";
}

impl Msg {
    /// The text in `lang`, with `{field}` replaced by `field` when given.
    pub fn text(self, lang: Lang, field: Option<&str>) -> String {
        let template = match lang {
            Lang::Zh => self.zh(),
            Lang::En => self.en(),
        };
        match field {
            Some(f) => template.replace("{field}", f),
            None => template.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_header_defaults_to_chinese() {
        assert_eq!(Lang::from_header(None), Lang::Zh);
        assert_eq!(Lang::from_header(Some("zh-CN")), Lang::Zh);
        assert_eq!(Lang::from_header(Some("ja-JP")), Lang::Zh);
        assert_eq!(Lang::from_header(Some("en-US")), Lang::En);
        assert_eq!(Lang::from_header(Some(" EN ")), Lang::En);
    }

    #[test]
    fn every_message_has_distinct_non_empty_texts() {
        for m in Msg::ALL {
            assert!(!m.zh().is_empty() && !m.en().is_empty(), "{m:?}");
            assert_ne!(m.zh(), m.en(), "{m:?} is not translated");
            assert!(m.en().is_ascii(), "{m:?}: English text is not ASCII");
            assert!(!m.zh().is_ascii(), "{m:?}: Chinese text has no Chinese");
        }
    }

    /// The README is the contract for people; it must list every code with
    /// both texts, so a new message cannot ship undocumented.
    #[test]
    fn readme_documents_every_message() {
        let readme = include_str!("../README.md");
        for m in Msg::ALL {
            let code = format!("| {} |", m.code());
            assert!(readme.contains(&code), "README lacks code {} ({m:?})", m.code());
            assert!(readme.contains(m.zh()), "README lacks {m:?} zh text {:?}", m.zh());
            assert!(readme.contains(m.en()), "README lacks {m:?} en text {:?}", m.en());
        }
    }

    #[test]
    fn field_placeholder_is_filled() {
        assert_eq!(
            Msg::InvalidArgument.text(Lang::En, Some("totp")),
            "Argument totp is missing or invalid"
        );
        assert_eq!(
            Msg::InvalidArgument.text(Lang::Zh, Some("totp")),
            "参数 totp 缺失或无效"
        );
    }
}

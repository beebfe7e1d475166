//! The machinery behind the operation table in `ops.rs`: two declarative
//! macros and the small traits their output uses.
//!
//! - [`params!`] declares a parameter struct together with the JS key and
//!   the reading rule of each field. The struct's `KEYS` (what a caller may
//!   send) and its `from_args` (what is read) come from the same list, so a
//!   key can be neither allowed-but-unread nor read-but-refused.
//! - [`operations!`] declares every operation once: JS name and aliases,
//!   C function, HTTP method and path, token rule, how its argument is taken
//!   (none, optional with the JS defaults, required), its parameter struct,
//!   its result shape, and (unless the operation is hand-written) the request
//!   it sends. From that it makes the `Operation` enum and its lookups, the
//!   typed `Client` method, and the dispatch of `Client::call_op`.
//!
//! Why macros and not a data file read by `build.rs`: the table holds Rust
//! expressions (which field goes to which wire key), the compiler checks
//! every one of them, and rust-analyzer can follow them.

use crate::core::args::Args;
use crate::core::client::check_token;
use crate::core::error::{Error, ErrorKind};
use crate::core::secret::Secret;
use crate::core::transport::{Answer, Auth};
use serde_json::value::RawValue;

/// A parameter struct made by `params!`.
pub(crate) trait OpParams: Sized {
    /// The JS keys, in declaration order.
    const KEYS: &'static [&'static str];
    /// Reads every declared key (and nothing else) out of `args`.
    fn from_args(args: &mut Args) -> Result<Self, Error>;
}

/// The parameters of an operation that takes none.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoParams;

impl OpParams for NoParams {
    const KEYS: &'static [&'static str] = &[];
    fn from_args(_: &mut Args) -> Result<Self, Error> {
        Ok(NoParams)
    }
}

/// A value written into a JSON body. `false` when absent (left out, as
/// `JSON.stringify` leaves out `undefined`).
pub(crate) trait WireValue {
    fn write_json(&self, out: &mut Vec<u8>) -> bool;
}

fn write_str(s: &str, out: &mut Vec<u8>) -> bool {
    // Writing a string into a Vec cannot fail.
    let _ = serde_json::to_writer(out, s);
    true
}

impl WireValue for String {
    fn write_json(&self, out: &mut Vec<u8>) -> bool {
        write_str(self, out)
    }
}

impl WireValue for &str {
    fn write_json(&self, out: &mut Vec<u8>) -> bool {
        write_str(self, out)
    }
}

impl WireValue for Secret {
    fn write_json(&self, out: &mut Vec<u8>) -> bool {
        write_str(self.expose(), out)
    }
}

impl WireValue for bool {
    fn write_json(&self, out: &mut Vec<u8>) -> bool {
        out.extend_from_slice(if *self { b"true" } else { b"false" });
        true
    }
}

impl WireValue for Box<RawValue> {
    fn write_json(&self, out: &mut Vec<u8>) -> bool {
        out.extend_from_slice(self.get().as_bytes());
        true
    }
}

/// A JSON object argument, written as the JS SDKs' `JSON.stringify` would.
impl WireValue for serde_json::Map<String, serde_json::Value> {
    fn write_json(&self, out: &mut Vec<u8>) -> bool {
        let text = crate::core::login::js_stringify(&serde_json::Value::Object(self.clone()));
        out.extend_from_slice(text.as_bytes());
        true
    }
}

/// A secret-carrying object argument, written as `JSON.stringify` would;
/// the temporary copies are zeroed (the request body itself is not: it is
/// handed to the HTTP client).
impl WireValue for crate::core::secret::SecretMap {
    fn write_json(&self, out: &mut Vec<u8>) -> bool {
        use zeroize::Zeroize;
        let mut value = serde_json::Value::Object(self.expose().clone());
        let mut text = crate::core::login::js_stringify(&value);
        out.extend_from_slice(text.as_bytes());
        text.zeroize();
        crate::core::secret::zeroize_value(&mut value);
        true
    }
}

impl<T: WireValue> WireValue for Option<T> {
    fn write_json(&self, out: &mut Vec<u8>) -> bool {
        self.as_ref().is_some_and(|v| v.write_json(out))
    }
}

/// A JSON object of the given keys in order, absent values left out.
/// Written straight into the string (no `serde_json::Value` in between).
pub(crate) fn json_object(pairs: &[(&str, &dyn WireValue)]) -> String {
    let mut out = Vec::with_capacity(64);
    out.push(b'{');
    for (key, value) in pairs {
        let mark = out.len();
        if out.len() > 1 {
            out.push(b',');
        }
        write_str(key, &mut out);
        out.push(b':');
        if !value.write_json(&mut out) {
            out.truncate(mark);
        }
    }
    out.push(b'}');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// A value in a query string.
pub(crate) trait QueryValue {
    fn query_value(&self) -> Option<&str>;
}

impl QueryValue for String {
    fn query_value(&self) -> Option<&str> {
        Some(self)
    }
}

impl QueryValue for Option<String> {
    fn query_value(&self) -> Option<&str> {
        self.as_deref()
    }
}

impl QueryValue for Secret {
    fn query_value(&self) -> Option<&str> {
        Some(self.expose())
    }
}

/// A parameter whose value must be scrubbed from any message the server
/// sends back.
pub(crate) trait Scrub {
    fn add_to(&self, secrets: &mut Vec<Secret>);
}

impl Scrub for Secret {
    fn add_to(&self, secrets: &mut Vec<Secret>) {
        secrets.push(self.clone());
    }
}

/// The secrets inside an object argument: its `password` (`passwordPayload`)
/// and `passCode` (`passCodePayload`, `enrollmentData`) strings.
impl Scrub for Option<serde_json::Map<String, serde_json::Value>> {
    fn add_to(&self, secrets: &mut Vec<Secret>) {
        if let Some(map) = self {
            map.add_to(secrets);
        }
    }
}

impl Scrub for serde_json::Map<String, serde_json::Value> {
    fn add_to(&self, secrets: &mut Vec<Secret>) {
        for key in ["password", "passCode"] {
            if let Some(serde_json::Value::String(s)) = self.get(key) {
                secrets.push(Secret::from(s.as_str()));
            }
        }
    }
}

impl Scrub for crate::core::secret::SecretMap {
    fn add_to(&self, secrets: &mut Vec<Secret>) {
        self.expose().add_to(secrets);
    }
}

impl Scrub for Option<crate::core::secret::SecretMap> {
    fn add_to(&self, secrets: &mut Vec<Secret>) {
        if let Some(map) = self {
            map.add_to(secrets);
        }
    }
}

impl Scrub for Option<Secret> {
    fn add_to(&self, secrets: &mut Vec<Secret>) {
        secrets.extend(self.iter().cloned());
    }
}

/// Which token a request carries, from its `mfaToken` parameter: a required
/// one is always sent; an optional one is sent when given, else the user
/// token.
pub(crate) trait TokenRule {
    fn auth(&self) -> Result<Auth, Error>;
}

impl TokenRule for Secret {
    fn auth(&self) -> Result<Auth, Error> {
        check_token(self.expose(), "`mfaToken`")?;
        Ok(Auth::Mfa(self.clone()))
    }
}

impl TokenRule for Option<Secret> {
    fn auth(&self) -> Result<Auth, Error> {
        match self {
            Some(t) => t.auth(),
            None => Ok(Auth::User),
        }
    }
}

/// The server's own `{code, message}` (the JS SDK returns a hard-coded
/// success instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerStatus {
    pub code: i64,
    pub message: String,
}

/// The result of `verifyTotpRecoveryCode`: the logged-in user and the new
/// recovery code Authing rotated in (the JS SDK drops it; we return it).
#[derive(Debug)]
pub struct RecoveryOutcome {
    pub user: Box<RawValue>,
    /// `None` when the server sent no new code.
    pub recovery_code: Option<Secret>,
}

/// How an answer becomes an operation's typed result (the `out:` of the
/// table).
pub(crate) trait Shape: Sized {
    fn shape(answer: Answer, js_name: &str) -> Result<Self, Error>;
}

/// `data` as the server sent it.
impl Shape for Box<RawValue> {
    fn shape(answer: Answer, _: &str) -> Result<Self, Error> {
        Ok(answer.data)
    }
}

impl Shape for ServerStatus {
    fn shape(answer: Answer, _: &str) -> Result<Self, Error> {
        Ok(ServerStatus {
            code: answer.code,
            message: answer.message,
        })
    }
}

impl Shape for RecoveryOutcome {
    fn shape(answer: Answer, _: &str) -> Result<Self, Error> {
        Ok(RecoveryOutcome {
            user: answer.data,
            recovery_code: answer.recovery_code,
        })
    }
}

/// `data` that must be `true` or `false`.
impl Shape for bool {
    fn shape(answer: Answer, js_name: &str) -> Result<Self, Error> {
        match answer.data.get() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(Error::new(
                ErrorKind::Decode,
                format!("{js_name}: the answer's `data` is not a boolean"),
            )),
        }
    }
}

/// The v3 answer of an operation without `data` (`enrollFactor`,
/// `resetFactor`): `{"statusCode":200,"message":"…"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct V3Status {
    pub message: String,
}

impl Shape for V3Status {
    fn shape(answer: Answer, _: &str) -> Result<Self, Error> {
        Ok(V3Status {
            message: answer.message,
        })
    }
}

impl ResultJson for V3Status {
    fn into_result_json(self) -> String {
        format!(
            "{{\"statusCode\":200,\"message\":{}}}",
            serde_json::to_string(&self.message).expect("a string serializes")
        )
    }
}

/// A typed result as the C API's result JSON.
pub(crate) trait ResultJson {
    fn into_result_json(self) -> String;
}

impl ResultJson for Box<RawValue> {
    fn into_result_json(self) -> String {
        Box::<str>::from(self).into_string()
    }
}

impl ResultJson for bool {
    fn into_result_json(self) -> String {
        self.to_string()
    }
}

impl ResultJson for ServerStatus {
    fn into_result_json(self) -> String {
        self.to_json()
    }
}

impl ResultJson for RecoveryOutcome {
    fn into_result_json(self) -> String {
        self.to_json()
    }
}

impl ServerStatus {
    /// `{"code":…,"message":"…"}`.
    pub fn to_json(&self) -> String {
        format!(
            "{{\"code\":{},\"message\":{}}}",
            self.code,
            serde_json::to_string(&self.message).expect("a string serializes")
        )
    }
}

impl RecoveryOutcome {
    /// `{"user":<data>,"recoveryCode":"<new code>"|null}`.
    pub fn to_json(&self) -> String {
        let code = match &self.recovery_code {
            Some(c) => serde_json::to_string(c.expose()).expect("a string serializes"),
            None => "null".to_owned(),
        };
        format!("{{\"user\":{},\"recoveryCode\":{}}}", self.user.get(), code)
    }
}

/// Declares a parameter struct: each field with its JS key and the `Args`
/// reader that takes it (`req_str`, `opt_secret`, ...). Optionally
/// `js_default { field: value, ... }`: the argument the JS SDK uses when it
/// is called with none at all (fields not named are absent).
macro_rules! params {
    (
        $(#[$meta:meta])*
        pub struct $Params:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident : $fty:ty = $read:ident($key:literal),
            )*
        }
        $(js_default { $($dfield:ident : $dval:expr),* $(,)? })?
    ) => {
        $(#[$meta])*
        pub struct $Params {
            $(
                $(#[$fmeta])*
                #[doc = concat!("JS key `", $key, "`.")]
                pub $field: $fty,
            )*
        }

        impl $crate::core::operation::OpParams for $Params {
            const KEYS: &'static [&'static str] = &[$($key),*];
            fn from_args(args: &mut $crate::core::args::Args) -> Result<Self, $crate::core::error::Error> {
                Ok($Params { $($field: args.$read($key)?,)* })
            }
        }

        $(
            impl $Params {
                /// The argument the JS SDK uses when called without one.
                pub fn js_default() -> Self {
                    $Params { $($dfield: $dval,)* ..Default::default() }
                }
            }
        )?
    };
}
pub(crate) use params;

/// Declares every operation. See `ops.rs` for the table and the module
/// documentation above for what is made from it.
///
/// Per entry:
/// - `js`, `aliases`, `c`: the JS method name, other accepted names, the C
///   function;
/// - `http: METHOD "/path"` and `token: mfa | mfa_or_user | user`: what it
///   sends and with which token (`mfa` reads a required `mfa_token` field,
///   `mfa_or_user` an optional one);
/// - `args: none | optional | required`: no argument at all is fine and means
///   "no keys" (`none`), means the JS defaults (`optional`, the struct's
///   `js_default`), or is `InvalidArgument` (`required`);
/// - `params`, `out`: the parameter struct and the typed result (a `Shape`);
/// - `method`: the `Client` method;
/// - `send: |p| json { "wireKey": p.field, ... }` (or `query { ... }` or
///   `empty {}`), with `scrub [field, ...]` naming the secrets to keep out of
///   errors: the method is generated. Without `send`, the method is written
///   by hand (same signature) for an operation that is more than one request.
macro_rules! operations {
    (
        $(
            $(#[doc = $doc:literal])*
            $Variant:ident {
                js: $js:literal,
                aliases: [$($alias:literal),* $(,)?],
                c: $c:literal,
                http: $http:ident $path:literal,
                token: $token:ident,
                args: $args:ident,
                params: $Params:ty,
                out: $Out:ty,
                method: $method:ident,
                send: $($send:tt)*
            }
        )*
    ) => {
        /// An operation: a method of the JS SDK (`ops.rs` is the table).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operation {
            $($(#[doc = $doc])* $Variant,)*
        }

        impl Operation {
            /// Every operation, in the table's order.
            pub const ALL: &'static [Operation] = &[$(Operation::$Variant,)*];

            /// The JS method name, with the SDK's own spelling.
            pub const fn js_name(self) -> &'static str {
                match self { $(Operation::$Variant => $js,)* }
            }

            /// Other names `from_js_name` accepts for it.
            pub const fn aliases(self) -> &'static [&'static str] {
                match self { $(Operation::$Variant => &[$($alias),*],)* }
            }

            /// The C function that runs it.
            pub const fn c_function(self) -> &'static str {
                match self { $(Operation::$Variant => $c,)* }
            }

            /// The keys its parameter object may hold (the JS argument's
            /// keys), exactly those its parameter struct reads.
            pub fn keys(self) -> &'static [&'static str] {
                match self {
                    $(Operation::$Variant => <$Params as $crate::core::operation::OpParams>::KEYS,)*
                }
            }

            /// The HTTP method and path of its (last) request.
            pub const fn http(self) -> (&'static str, &'static str) {
                match self { $(Operation::$Variant => (stringify!($http), $path),)* }
            }

            /// Which token it sends: `"mfaToken"`, `"mfaToken or user token"`
            /// or `"user token"`.
            pub const fn token_rule(self) -> &'static str {
                match self { $(Operation::$Variant => operations!(@rule $token),)* }
            }

            /// Whether a call without any argument is an error.
            pub const fn requires_argument(self) -> bool {
                match self { $(Operation::$Variant => operations!(@required $args),)* }
            }
        }

        impl $crate::core::client::Client {
            $(
                operations!(@method $args, $method, [$($doc)*], $Params, $Out, $js, $http, $path, $token, $($send)*);
            )*

            /// [`Client::call`] with the operation already resolved: parses
            /// `params_json` into the operation's parameter struct and runs
            /// its method.
            pub async fn call_op(
                &self,
                op: Operation,
                params_json: Option<&str>,
            ) -> Result<String, $crate::core::error::Error> {
                use $crate::core::operation::ResultJson;
                let args = $crate::core::args::Args::parse(params_json, op.js_name(), op.keys())?;
                Ok(match op {
                    $(Operation::$Variant => {
                        #[allow(unused_variables, clippy::let_unit_value)]
                        let p = operations!(@parse $args, args, $Params, $js);
                        operations!(@call $args, self, $method, p).await?.into_result_json()
                    })*
                })
            }
        }
    };

    // A hand-written method.
    (@method $args:ident, $m:ident, [$($doc:literal)*], $Params:ty, $Out:ty, $js:literal,
     $http:ident, $path:literal, $token:ident, custom $(,)?) => {};
    // An operation without parameters: a method without an argument.
    (@method none, $m:ident, [$($doc:literal)*], $Params:ty, $Out:ty, $js:literal,
     $http:ident, $path:literal, $token:ident, $($send:tt)*) => {
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = concat!("JS `", $js, "`: `", stringify!($http), " ", $path, "`.")]
        pub async fn $m(&self) -> Result<$Out, $crate::core::error::Error> {
            let params = <$Params>::default();
            operations!(@send self, params, $Out, $js, $http, $path, $token, $($send)*)
        }
    };
    (@method $args:ident, $m:ident, [$($doc:literal)*], $Params:ty, $Out:ty, $js:literal,
     $http:ident, $path:literal, $token:ident, $($send:tt)*) => {
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = concat!("JS `", $js, "`: `", stringify!($http), " ", $path, "`.")]
        pub async fn $m(
            &self,
            params: operations!(@arg_ty $args, $Params),
        ) -> Result<$Out, $crate::core::error::Error> {
            let params = operations!(@arg_value $args, params, $Params);
            operations!(@send self, params, $Out, $js, $http, $path, $token, $($send)*)
        }
    };

    // The request of a generated method, sent, and its answer shaped.
    (@send $self:ident, $params:ident, $Out:ty, $js:literal, $http:ident, $path:literal, $token:ident,
     |$p:ident| $body:ident { $($wk:literal : $wv:expr),* $(,)? } scrub [$($secret:ident),* $(,)?] $(,)?) => {{
        #[allow(unused_imports)]
        use $crate::core::operation::{QueryValue, Scrub, Shape, TokenRule, WireValue};
        #[allow(unused_variables)]
        let $p = $params;
        let auth = operations!(@auth $token, $self, $p);
        #[allow(unused_mut)]
        let mut secrets: Vec<$crate::core::secret::Secret> = Vec::new();
        $(Scrub::add_to(&$p.$secret, &mut secrets);)*
        let request = $crate::core::transport::Request {
            method: hyper::Method::$http,
            path: operations!(@path $body, $path, $(($wk, &$wv)),*),
            body: operations!(@body $body, $(($wk, &$wv)),*),
            auth,
            secrets,
            expect: operations!(@expect $token, $body),
        };
        let answer = $self.send(request).await?;
        <$Out as Shape>::shape(answer, $js)
    }};

    // A GraphQL operation: `variables` from the fields, the result
    // `data.<root>`.
    (@send $self:ident, $params:ident, $Out:ty, $js:literal, $http:ident, $path:literal, $token:ident,
     |$p:ident| graphql($doc:path, $root:literal) { $($wk:literal : $wv:expr),* $(,)? }
     scrub [$($secret:ident),* $(,)?] $(,)?) => {{
        #[allow(unused_imports)]
        use $crate::core::operation::{Scrub, Shape, TokenRule, WireValue};
        #[allow(unused_variables)]
        let $p = $params;
        let auth = operations!(@auth $token, $self, $p);
        #[allow(unused_mut)]
        let mut secrets: Vec<$crate::core::secret::Secret> = Vec::new();
        $(Scrub::add_to(&$p.$secret, &mut secrets);)*
        let variables = $crate::core::operation::json_object(&[$(($wk, &$wv as &dyn WireValue)),*]);
        let request = $crate::core::transport::Request {
            method: hyper::Method::$http,
            path: std::borrow::Cow::Borrowed($path),
            body: $crate::core::transport::Body::Json($crate::core::graphql::body($doc, &variables)),
            auth,
            secrets,
            expect: $crate::core::transport::Expect::GraphQl($root),
        };
        let answer = $self.send(request).await?;
        <$Out as Shape>::shape(answer, $js)
    }};

    (@rule mfa) => { "mfaToken" };
    (@rule mfa_or_user) => { "mfaToken or user token" };
    (@rule user) => { "user token" };
    (@rule none) => { "none" };
    (@rule access) => { "access token" };
    (@rule access_if_set) => { "access token if set" };
    (@rule app) => { "app credentials" };

    (@required required) => { true };
    (@required $other:ident) => { false };

    (@arg_ty optional, $Params:ty) => { Option<$Params> };
    (@arg_ty $other:ident, $Params:ty) => { $Params };

    (@arg_value optional, $p:ident, $Params:ty) => { $p.unwrap_or_else(<$Params>::js_default) };
    (@arg_value $other:ident, $p:ident, $Params:ty) => { $p };

    (@auth user, $self:ident, $p:ident) => { $crate::core::transport::Auth::User };
    (@auth none, $self:ident, $p:ident) => { $crate::core::transport::Auth::None };
    (@auth access, $self:ident, $p:ident) => { $self.access_auth()? };
    (@auth $rule:ident, $self:ident, $p:ident) => { TokenRule::auth(&$p.mfa_token)? };

    // How the answer is read: the v3 envelope for calls with the access
    // token, a bare JSON object for a form post, else the v2 envelope.
    (@expect access, $body:ident) => { $crate::core::transport::Expect::V3 };
    (@expect $token:ident, form) => { $crate::core::transport::Expect::Raw };
    (@expect $token:ident, $body:ident) => { $crate::core::transport::Expect::Envelope };

    (@parse none, $args:ident, $Params:ty, $js:literal) => {{
        // `Args::parse` has refused any key: there is nothing to read.
        drop($args);
    }};

    (@call none, $self:ident, $m:ident, $p:ident) => { $self.$m() };
    (@call $other:ident, $self:ident, $m:ident, $p:ident) => { $self.$m($p) };
    (@parse optional, $args:ident, $Params:ty, $js:literal) => {
        match $args {
            Some(mut a) => {
                let p = <$Params as $crate::core::operation::OpParams>::from_args(&mut a)?;
                debug_assert!(a.is_empty(), concat!($js, ": a declared key was not read"));
                Some(p)
            }
            None => None,
        }
    };
    (@parse required, $args:ident, $Params:ty, $js:literal) => {
        match $args {
            Some(mut a) => {
                let p = <$Params as $crate::core::operation::OpParams>::from_args(&mut a)?;
                debug_assert!(a.is_empty(), concat!($js, ": a declared key was not read"));
                p
            }
            None => {
                return Err($crate::core::error::Error::invalid_argument(concat!(
                    $js,
                    ": a parameter object is required"
                )))
            }
        }
    };

    (@path query, $path:literal, $(($wk:literal, $wv:expr)),*) => {
        std::borrow::Cow::Owned(format!(
            "{}{}",
            $path,
            $crate::core::transport::query(&[$(($wk, QueryValue::query_value($wv))),*])
        ))
    };
    (@path $other:ident, $path:literal, $(($wk:literal, $wv:expr)),*) => {
        std::borrow::Cow::Borrowed($path)
    };

    (@body json, $(($wk:literal, $wv:expr)),*) => {
        $crate::core::transport::Body::Json($crate::core::operation::json_object(&[
            $(($wk, $wv as &dyn WireValue)),*
        ]))
    };
    (@body form, $(($wk:literal, $wv:expr)),*) => {
        $crate::core::transport::Body::Form($crate::core::transport::form(&[
            $(($wk, QueryValue::query_value($wv))),*
        ]))
    };
    (@body $other:ident, $(($wk:literal, $wv:expr)),*) => {
        $crate::core::transport::Body::Empty
    };
}
pub(crate) use operations;

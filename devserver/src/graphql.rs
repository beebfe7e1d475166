//! `POST /graphql/v2`: the GraphQL documents authing-js-sdk sends for its
//! logins, registration, `sendEmail` and `checkLoginStatus`
//! (`authing-login-v2-wire.md` §2, §4, §5).
//!
//! This is no GraphQL server with a schema: each document is parsed for real
//! (apollo-parser), the operation to run is picked as GraphQL picks it, and
//! each root field this server knows is answered from its arguments (with
//! `$variables` substituted), projected onto the fields the document
//! selects. A root field it does not know is a GraphQL error naming it, not
//! a 404. Errors take Authing's shape, which the SDK depends on (spec §1.3):
//! HTTP 200, and `errors[].message` an **object** `{code, message, data}`,
//! so that `err.data.mfaToken` reaches the caller of `loginByEmail`.

use crate::login::{By, Registration, Stage};
use crate::messages::{Lang, Msg};
use crate::reply::{optional_bearer, AppId, ClientIp, JsonObject, LogCode, Reply};
use crate::state::AppState;
use crate::store::TokenUse;
use crate::token::Kind;
use apollo_parser::cst::{self, CstNode};
use apollo_parser::Parser;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/graphql/v2", post(graphql))
}

/// Nesting allowed in documents, values and fragment expansion: the SDK's
/// documents are three levels deep; this only stops hostile input.
const MAX_DEPTH: usize = 32;
/// Most selections (fields, inline fragments and fragment spreads, counted
/// after expansion) a document may make. Depth alone does not bound the
/// work: `fragment F0 {...F1 ...F1} … fragment Fn {id}` is 2^n selections
/// from a few bytes (n = 20 took seconds and 170 MB). The SDK's documents
/// make a few dozen.
const MAX_SELECTIONS: usize = 10_000;

/// What every resolver may need of the request.
struct Ctx {
    app: AppState,
    ip: String,
    stage: Stage,
    lang: Lang,
    bearer: Option<String>,
}

/// A field's value and the GraphQL type it has (for `__typename`).
type Resolved = Result<(Value, &'static str), Reply>;

async fn graphql(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    app_id: AppId,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let lang = Lang::from_header(headers.get("x-authing-lang").and_then(|v| v.to_str().ok()));
    let ctx = Ctx {
        app,
        ip,
        stage: app_id.into(),
        lang,
        bearer: optional_bearer(&headers),
    };
    match run(&ctx, body).await {
        Ok((data, errors)) => {
            let code = errors
                .first()
                .and_then(|e| e["message"]["code"].as_i64())
                .unwrap_or(200);
            let body = if errors.is_empty() {
                json!({"data": data})
            } else {
                json!({"errors": errors, "data": data})
            };
            respond(body, code)
        }
        Err((reply, kind)) => {
            let code = reply.msg.code();
            let error = error_json(&reply, lang, None, kind);
            respond(json!({"errors": [error], "data": null}), code)
        }
    }
}

/// Always HTTP 200 (spec §1.3: on any other status the SDK drops the body).
fn respond(body: Value, code: i64) -> Response {
    let mut resp = Json(body).into_response();
    resp.extensions_mut().insert(LogCode(code));
    resp
}

/// Where a field error happened: the field's name (its alias if it has one)
/// and its line and column in the document.
struct At<'a> {
    path: &'a str,
    line: usize,
    column: usize,
}

/// One entry of `errors`, as Authing's documentation shows a 1635:
/// `{"message": {code, message, data}, "locations", "path", "extensions"}`.
fn error_json(reply: &Reply, lang: Lang, at: Option<At<'_>>, kind: &str) -> Value {
    let mut e = Map::new();
    e.insert(
        "message".into(),
        json!({
            "code": reply.msg.code(),
            "message": reply.msg.text(lang, reply.field.as_deref()),
            "data": reply.data.as_deref().cloned().unwrap_or(Value::Null),
        }),
    );
    if let Some(at) = at {
        e.insert(
            "locations".into(),
            json!([{"line": at.line, "column": at.column}]),
        );
        e.insert("path".into(), json!([at.path]));
    }
    e.insert("extensions".into(), json!({"code": kind}));
    Value::Object(e)
}

/// A document-level failure and its `extensions.code`.
type DocError = (Reply, &'static str);

/// A selected field, owned: the parsed tree (rowan's) cannot cross an
/// `.await`, so the document is turned into this before anything runs.
/// Fragments are already expanded.
#[derive(Debug)]
struct Sel {
    name: String,
    /// The alias, else the name: the key in the answer.
    key: String,
    sub: Option<Vec<Sel>>,
}

/// A root field to run.
struct RootField {
    sel: Sel,
    args: Map<String, Value>,
    line: usize,
    column: usize,
}

/// Parses the request and runs the operation: the `data` object and the
/// field errors, or a failure of the whole document.
async fn run(ctx: &Ctx, body: Result<Bytes, BytesRejection>) -> Result<(Value, Vec<Value>), DocError> {
    let (kind, fields) = plan(body)?;
    let mut data = Map::new();
    let mut errors = Vec::new();
    // Root fields run one after the other, as GraphQL runs mutations.
    for f in fields {
        let key = f.sel.key;
        if f.sel.name == "__typename" {
            let t = if kind == "mutation" { "Mutation" } else { "Query" };
            data.insert(key, Value::from(t));
            continue;
        }
        match resolve(ctx, kind, &f.sel.name, f.args).await {
            Ok((value, typename)) => {
                let v = project(&value, f.sel.sub.as_deref(), Some(typename));
                data.insert(key, v);
            }
            Err(reply) => {
                let ext = if reply.msg == Msg::GraphqlUnsupported {
                    "GRAPHQL_VALIDATION_FAILED"
                } else {
                    "INTERNAL_SERVER_ERROR"
                };
                let at = At {
                    path: &key,
                    line: f.line,
                    column: f.column,
                };
                errors.push(error_json(&reply, ctx.lang, Some(at), ext));
                data.insert(key, Value::Null);
            }
        }
    }
    Ok((Value::Object(data), errors))
}

/// Reads the request: the operation's kind and its root fields, with their
/// arguments (variables substituted) and selections.
fn plan(body: Result<Bytes, BytesRejection>) -> Result<(&'static str, Vec<RootField>), DocError> {
    let bad = || (Reply::bare(Msg::GraphqlBadRequest), "BAD_USER_INPUT");
    let req: Value = body
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(bad)?;
    let query = req.get("query").and_then(Value::as_str).ok_or_else(bad)?;
    let vars = match req.get("variables") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(bad()),
    };
    let op_name = req
        .get("operationName")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty());

    let syntax = |detail: &str| {
        (
            Reply {
                field: Some(detail.to_owned()),
                ..Reply::bare(Msg::GraphqlSyntax)
            },
            "GRAPHQL_PARSE_FAILED",
        )
    };
    let tree = Parser::new(query)
        .recursion_limit(MAX_DEPTH * 4)
        .token_limit(50_000)
        .parse();
    if let Some(e) = tree.errors().next() {
        return Err(syntax(e.message()));
    }
    let mut ops = Vec::new();
    let mut frags = HashMap::new();
    for d in tree.document().definitions() {
        match d {
            cst::Definition::OperationDefinition(o) => ops.push(o),
            cst::Definition::FragmentDefinition(f) => {
                if let Some(n) = f.fragment_name().and_then(|n| n.name()) {
                    frags.insert(n.text().to_string(), f);
                }
            }
            _ => return Err(syntax("only operations and fragments can be executed")),
        }
    }
    // GraphQL's rule: the named operation, or the only one.
    let op = match op_name {
        Some(n) => ops
            .into_iter()
            .find(|o| o.name().is_some_and(|x| x.text() == n))
            .ok_or_else(|| syntax(&format!("no operation named {n}")))?,
        None if ops.len() == 1 => ops.remove(0),
        None => return Err(syntax("operationName must name one of several operations")),
    };
    let kind = match op.operation_type() {
        None => "query",
        Some(t) if t.query_token().is_some() => "query",
        Some(t) if t.mutation_token().is_some() => "mutation",
        Some(_) => "subscription",
    };
    let set = op
        .selection_set()
        .ok_or_else(|| syntax("the operation selects nothing"))?;
    let mut fields = Vec::new();
    let mut budget = Budget(MAX_SELECTIONS);
    for sel in set.selections() {
        let cst::Selection::Field(field) = sel else {
            return Err(syntax("fragments at the root are not supported"));
        };
        let sel = field_sel(&field, &frags, 0, &mut budget).map_err(|TooMany| {
            // A valid document, refused as too costly: a validation error,
            // as GraphQL servers answer a query-complexity limit.
            let detail = format!(
                "the document makes more than {MAX_SELECTIONS} selections once its fragments are expanded"
            );
            (syntax(&detail).0, "GRAPHQL_VALIDATION_FAILED")
        })?;
        let Some(sel) = sel else {
            continue;
        };
        let (line, column) = line_column(query, usize::from(field.syntax().text_range().start()));
        fields.push(RootField {
            sel,
            args: arguments(&field, &vars),
            line,
            column,
        });
    }
    Ok((kind, fields))
}

/// How many more selections the document may make (see [`MAX_SELECTIONS`]).
struct Budget(usize);

/// The document went over [`MAX_SELECTIONS`].
struct TooMany;

impl Budget {
    /// Counts one selection: every field, inline fragment and spread visited,
    /// so that spreads of empty or unknown fragments are paid for too.
    fn take(&mut self) -> Result<(), TooMany> {
        self.0 = self.0.checked_sub(1).ok_or(TooMany)?;
        Ok(())
    }
}

fn field_sel(
    f: &cst::Field,
    frags: &HashMap<String, cst::FragmentDefinition>,
    depth: usize,
    budget: &mut Budget,
) -> Result<Option<Sel>, TooMany> {
    budget.take()?;
    let Some(name) = f.name().map(|n| n.text().to_string()) else {
        return Ok(None);
    };
    let key = f
        .alias()
        .and_then(|a| a.name())
        .map_or_else(|| name.clone(), |n| n.text().to_string());
    let sub = match f.selection_set() {
        Some(s) => {
            let mut out = Vec::new();
            selections(&s, frags, depth + 1, budget, &mut out)?;
            Some(out)
        }
        None => None,
    };
    Ok(Some(Sel { name, key, sub }))
}

/// A selection set's fields, fragments expanded without type conditions:
/// every object here has one type. Each named fragment is spread at most
/// once per selection set (a second spread would select the same fields
/// again, which GraphQL merges anyway); the budget bounds the rest.
fn selections(
    set: &cst::SelectionSet,
    frags: &HashMap<String, cst::FragmentDefinition>,
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<Sel>,
) -> Result<(), TooMany> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let mut spread = Vec::new();
    for sel in set.selections() {
        match sel {
            cst::Selection::Field(f) => out.extend(field_sel(&f, frags, depth, budget)?),
            cst::Selection::InlineFragment(i) => {
                budget.take()?;
                if let Some(s) = i.selection_set() {
                    selections(&s, frags, depth + 1, budget, out)?;
                }
            }
            cst::Selection::FragmentSpread(fs) => {
                budget.take()?;
                let Some(name) = fs.fragment_name().and_then(|n| n.name()) else {
                    continue;
                };
                let name = name.text().to_string();
                if spread.contains(&name) {
                    continue;
                }
                if let Some(s) = frags.get(&name).and_then(cst::FragmentDefinition::selection_set) {
                    selections(&s, frags, depth + 1, budget, out)?;
                }
                spread.push(name);
            }
        }
    }
    Ok(())
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// A field's arguments as JSON, `$variables` substituted (an undefined
/// variable is null, as GraphQL treats an absent nullable one).
fn arguments(field: &cst::Field, vars: &Map<String, Value>) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(args) = field.arguments() {
        for a in args.arguments() {
            if let (Some(n), Some(v)) = (a.name(), a.value()) {
                m.insert(n.text().to_string(), value_json(&v, vars, 0));
            }
        }
    }
    m
}

fn value_json(v: &cst::Value, vars: &Map<String, Value>, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match v {
        cst::Value::Variable(var) => var
            .name()
            .and_then(|n| vars.get(n.text().as_str()).cloned())
            .unwrap_or(Value::Null),
        cst::Value::StringValue(s) => Value::String(String::from(s)),
        cst::Value::IntValue(i) => i
            .int_token()
            .and_then(|t| t.text().parse::<i64>().ok())
            .map_or(Value::Null, Value::from),
        cst::Value::FloatValue(f) => f
            .float_token()
            .and_then(|t| t.text().parse::<f64>().ok())
            .map_or(Value::Null, Value::from),
        cst::Value::BooleanValue(b) => Value::Bool(b.true_token().is_some()),
        cst::Value::NullValue(_) => Value::Null,
        cst::Value::EnumValue(e) => Value::String(e.text().to_string()),
        cst::Value::ListValue(l) => {
            Value::Array(l.values().map(|x| value_json(&x, vars, depth + 1)).collect())
        }
        cst::Value::ObjectValue(o) => Value::Object(
            o.object_fields()
                .filter_map(|f| {
                    Some((
                        f.name()?.text().to_string(),
                        value_json(&f.value()?, vars, depth + 1),
                    ))
                })
                .collect(),
        ),
    }
}

/// `value` cut down to what `sub` selects: objects get exactly the selected
/// keys (aliases honoured; a field the server has no value for is null, as
/// a nullable field; `password` is one of them, never a hash), lists are
/// projected item by item.
fn project(value: &Value, sub: Option<&[Sel]>, typename: Option<&str>) -> Value {
    match (value, sub) {
        (_, None) => value.clone(),
        (Value::Array(items), Some(_)) => Value::Array(items.iter().map(|v| project(v, sub, None)).collect()),
        (Value::Object(obj), Some(sels)) => {
            let mut out = Map::new();
            for s in sels {
                let v = if s.name == "__typename" {
                    typename.map_or(Value::Null, Value::from)
                } else {
                    project(obj.get(&s.name).unwrap_or(&Value::Null), s.sub.as_deref(), None)
                };
                out.insert(s.key.clone(), v);
            }
            Value::Object(out)
        }
        (other, Some(_)) => other.clone(),
    }
}

/// Answers one root field.
async fn resolve(ctx: &Ctx, kind: &str, name: &str, args: Map<String, Value>) -> Resolved {
    match (kind, name) {
        ("mutation", "loginByEmail") => password_login(ctx, By::Email, "email", args).await,
        ("mutation", "loginByUsername") => password_login(ctx, By::Username, "username", args).await,
        ("mutation", "loginByPhonePassword") => password_login(ctx, By::Phone, "phone", args).await,
        ("mutation", "loginByPhoneCode") => phone_code_login(ctx, args),
        ("mutation", "registerByEmail") => register_by_email(ctx, args).await,
        ("mutation", "sendEmail") => send_email(ctx, args),
        ("query", "checkLoginStatus") => check_login_status(ctx, args),
        _ => Err(Reply {
            field: Some(format!("{kind} {name}")),
            ..Reply::bare(Msg::GraphqlUnsupported)
        }),
    }
}

/// The `input` argument of the SDK's login and register mutations.
fn input(args: Map<String, Value>) -> Result<JsonObject, Reply> {
    match args.into_iter().find(|(k, _)| k == "input") {
        Some((_, Value::Object(m))) => Ok(JsonObject(m)),
        _ => Err(Reply::invalid("input")),
    }
}

/// A login's answer as a field value: the user on success, else the error
/// (1635/1636 with the mfaToken in its `data`, 2333, …).
fn user_of(reply: Reply) -> Resolved {
    match (reply.msg.code(), reply.data) {
        (200, Some(user)) => Ok((*user, "User")),
        (_, data) => Err(Reply { data, ..reply }),
    }
}

/// `loginByEmail`, `loginByUsername`, `loginByPhonePassword`:
/// `input: {<account field>, password: <RSA-encrypted>, …}`. `autoRegister`,
/// `captchaCode`, `clientIp`, `params` and `context` are accepted and
/// ignored (no captcha, no pipeline here).
async fn password_login(ctx: &Ctx, by: By, field: &str, args: Map<String, Value>) -> Resolved {
    let input = input(args)?;
    let account = input.req_str(field)?;
    let encrypted = input.req_str("password")?;
    let password = ctx.app.decrypt_password(&encrypted)?;
    let reply = ctx
        .app
        .password_login(by, &account, &password, &ctx.ip, &ctx.stage)
        .await
        .unwrap_or_else(|e| e);
    user_of(reply)
}

/// `loginByPhoneCode`: `input: {phone, code, phoneCountryCode?, …}`, the code
/// from `sendSmsCode` (the outbox).
fn phone_code_login(ctx: &Ctx, args: Map<String, Value>) -> Resolved {
    let input = input(args)?;
    let phone = input.req_str("phone")?;
    let code = input.req_str("code")?;
    let reply = ctx
        .app
        .code_login("sms", &phone, &code, &ctx.ip, &ctx.stage)
        .unwrap_or_else(|e| e);
    user_of(reply)
}

/// `registerByEmail`: `input: {email, password: <RSA-encrypted>, profile?,
/// forceLogin?, generateToken?, …}`; `profile.username` and
/// `profile.nickname` are kept. A password that does not decrypt is an
/// invalid argument here (nothing to be wrong about yet).
async fn register_by_email(ctx: &Ctx, args: Map<String, Value>) -> Resolved {
    let input = input(args)?;
    let email = input
        .opt_bounded("email")?
        .ok_or_else(|| Reply::invalid("email"))?;
    let encrypted = input.req_str("password")?;
    let password = ctx
        .app
        .login_key()?
        .decrypt_password(&encrypted)
        .ok_or_else(|| Reply::invalid("password"))?;
    let profile = match input.0.get("profile") {
        Some(Value::Object(m)) => JsonObject(m.clone()),
        None | Some(Value::Null) => JsonObject(Map::new()),
        Some(_) => return Err(Reply::invalid("profile")),
    };
    let fields = Registration {
        email,
        username: profile.opt_bounded("username")?,
        nickname: profile.opt_bounded("nickname")?,
    };
    let login =
        input.opt_bool("forceLogin")?.unwrap_or(false) || input.opt_bool("generateToken")?.unwrap_or(false);
    let reply = ctx
        .app
        .register_by_email(fields, &password, login, &ctx.ip)
        .await
        .unwrap_or_else(|e| e);
    user_of(reply)
}

/// `sendEmail(email, scene)`: a code into the outbox, answered
/// `{message, code}` (the SDK returns it as is, spec §4).
fn send_email(ctx: &Ctx, args: Map<String, Value>) -> Resolved {
    let args = JsonObject(args);
    let email = args.req_bounded("email")?;
    let scene = args.req_bounded("scene")?;
    ctx.app.change(|db| {
        db.send_code("email", email, None, Some(scene));
        Ok(())
    })?;
    let msg = Msg::CodeSent;
    Ok((
        json!({"message": msg.text(ctx.lang, None), "code": msg.code()}),
        "CommonMessage",
    ))
}

/// `checkLoginStatus(token?)`: the token given, else the bearer token. Not
/// an error either way: `{code, message, status, exp, iat, data}` with
/// `status` false and the reason's code (2020, 2206, 2207) when it is not a
/// live user token. `iat` is `exp` less the user token's lifetime, which is
/// how this server issues them.
fn check_login_status(ctx: &Ctx, args: Map<String, Value>) -> Resolved {
    let token = JsonObject(args).opt_str("token")?.or_else(|| ctx.bearer.clone());
    let lang = ctx.lang;
    let failed = |msg: Msg| {
        json!({
            "code": msg.code(),
            "message": msg.text(lang, None),
            "status": false,
            "exp": null,
            "iat": null,
            "data": null,
        })
    };
    let v = ctx.app.read(|db| {
        let Some(token) = token else {
            return Ok(failed(Msg::NotLoggedIn));
        };
        Ok(match db.authenticate_claims(&token, TokenUse::User, db.now()) {
            Ok((i, claims)) => {
                let user = ctx.app.user_json(&db.users[i], None);
                json!({
                    "code": 200,
                    "message": Msg::TokenValid.text(lang, None),
                    "status": true,
                    "exp": claims.exp,
                    "iat": claims.exp - Kind::User.ttl(),
                    "data": {
                        "id": user["id"],
                        "userPoolId": user["userPoolId"],
                        "arn": user["arn"],
                    },
                })
            }
            Err(r) => failed(r.msg),
        })
    })?;
    Ok((v, "JWTTokenStatus"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        let q = "\n    mutation m {\n  loginByEmail";
        assert_eq!(line_column(q, q.find("loginByEmail").unwrap()), (3, 3));
        assert_eq!(line_column("x", 0), (1, 1));
    }
}

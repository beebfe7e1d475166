//! `authing-mfa-devserver`: an offline stand-in for Authing's MFA API.
//!
//! CI cannot reach Authing's cloud, so the library's end-to-end tests, the
//! bindings' tests and the README's quickstart talk to this server instead,
//! as Stripe's SDKs test against stripe-mock. It speaks the wire contract of
//! `authing-mfa-wire.md` (paths, body keys, envelope, codes) with real checks
//! (signed expiring tokens, RFC 6238 codes via [`authing_mfa::totp`], replay
//! refusal, single-use codes), plus control endpoints under `/__dev/` for
//! fixtures and a shiftable clock. It also speaks the first factor as the
//! JS SDK does (`authing-login-v2-wire.md`): the `.well-known` RSA key and
//! encrypted passwords (`rsakey`), the SDK's GraphQL documents (`graphql`),
//! REST logins and the MFA stage that follows them (`login`), with
//! passwords kept as Argon2id hashes (`password`). And Authing's v3 factor
//! API as authing-node-sdk speaks it (`authing-factors-v3-wire.md`, `v3`),
//! on the same users. See `README.md` for the endpoints and codes.
//!
//! In-process use (Rust tests):
//!
//! ```no_run
//! # async fn f() -> std::io::Result<()> {
//! let server = authing_mfa_devserver::DevServer::bind(Default::default()).await?.spawn();
//! println!("{}", server.base_url());
//! server.shutdown().await?;
//! # Ok(()) }
//! ```

mod api;
mod console;
pub mod crypto;
pub mod date;
mod dev;
mod graphql;
mod login;
pub mod messages;
pub mod password;
pub mod qr;
mod reply;
pub mod rsakey;
mod state;
pub mod store;
pub mod token;
mod v3;

pub use console::REQUEST_LOG_CAP;
pub use messages::{Lang, Msg};
use state::AppState;
pub use state::MAX_UPLOAD;

use axum::Router;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The issuer in otpauth URIs unless `--pool-name` says otherwise.
pub const DEFAULT_POOL_NAME: &str = "authing-mfa-devserver";
/// `userPoolId` of every user unless `--user-pool-id` says otherwise (24 hex
/// digits like Authing's ids; the hex spells "devserver").
pub const DEFAULT_USER_POOL_ID: &str = "646576736572766572000000";

/// How the server starts.
#[derive(Clone, Debug)]
pub struct Config {
    /// 0 picks a free port.
    pub port: u16,
    /// Load the state from this file at start and write it after each change.
    pub state_file: Option<PathBuf>,
    /// The issuer of otpauth URIs (Authing uses the user pool's name).
    pub pool_name: String,
    /// `userPoolId` (and part of `arn`) of users.
    pub user_pool_id: String,
    /// One stderr line per request. Tests that start many servers turn it off.
    pub log_requests: bool,
    /// Consecutive wrong second-factor answers of a user that lock their
    /// second factor (`--max-failures`, default 5); 0 never locks.
    pub max_failures: u32,
    /// How long the lock lasts, in seconds of the server's shiftable clock
    /// (`--lockout-seconds`, default 300).
    pub lockout_seconds: u32,
}

/// `--max-failures` unless told otherwise.
pub const DEFAULT_MAX_FAILURES: u32 = 5;
/// `--lockout-seconds` unless told otherwise.
pub const DEFAULT_LOCKOUT_SECONDS: u32 = 300;

impl Default for Config {
    fn default() -> Config {
        Config {
            port: 0,
            state_file: None,
            pool_name: DEFAULT_POOL_NAME.to_owned(),
            user_pool_id: DEFAULT_USER_POOL_ID.to_owned(),
            log_requests: true,
            max_failures: DEFAULT_MAX_FAILURES,
            lockout_seconds: DEFAULT_LOCKOUT_SECONDS,
        }
    }
}

/// The router with every endpoint, for a given state. `base_url` is what
/// upload URLs start with.
pub fn router(config: &Config, base_url: &str) -> io::Result<Router> {
    Ok(build_router(
        new_state(config, base_url.to_owned())?,
        config.log_requests,
    ))
}

fn new_state(config: &Config, base_url: String) -> io::Result<AppState> {
    let db = match &config.state_file {
        Some(p) => store::load(p)?,
        None => store::Db::fresh(),
    };
    if config.pool_name.is_empty() || config.pool_name.len() > 256 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the pool name must be 1 to 256 bytes",
        ));
    }
    let app = AppState::new(
        db,
        config.state_file.clone(),
        config.pool_name.clone(),
        config.user_pool_id.clone(),
        base_url,
        store::Lockout {
            max_failures: config.max_failures,
            seconds: config.lockout_seconds,
        },
    );
    // Write the file at once: it then exists, and carries the signing key,
    // before the first token is issued.
    if config.state_file.is_some() {
        let db = app.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        app.persist(&db)
            .map_err(|_| io::Error::other("cannot write the state file"))?;
    }
    Ok(app)
}

fn build_router(app: AppState, log: bool) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(login::routes())
        .merge(graphql::routes())
        .merge(v3::routes())
        .merge(dev::routes())
        .merge(console::routes())
        .fallback(|| async { reply::Reply::bare(Msg::NotFound) })
        .with_state(app.clone())
        .layer(axum::middleware::from_fn_with_state((log, app), reply::envelope))
}

/// A bound, not yet running server.
pub struct DevServer {
    listener: TcpListener,
    app: AppState,
    log: bool,
}

impl DevServer {
    /// Loads the state and binds 127.0.0.1 (never another interface: this
    /// server has no authentication of its own).
    pub async fn bind(config: Config) -> io::Result<DevServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let app = new_state(&config, base_url)?;
        Ok(DevServer {
            listener,
            app,
            log: config.log_requests,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.app.base_url
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        let router = build_router(self.app, self.log);
        axum::serve(
            self.listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }

    /// Serves in a background task; the server stops when the handle is
    /// shut down or dropped.
    pub fn spawn(self) -> RunningServer {
        let base_url = self.base_url().to_owned();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(self.run(async move {
            let _ = rx.await;
        }));
        RunningServer {
            base_url,
            stop: Some(tx),
            task,
        }
    }
}

/// A server running in the background (see [`DevServer::spawn`]).
pub struct RunningServer {
    base_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<io::Result<()>>,
}

impl RunningServer {
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Stops accepting, finishes in-flight requests, and waits.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await.map_err(io::Error::other)?
    }
}

/// Binds and serves until `shutdown` completes. The binary prints
/// [`DevServer::base_url`] between the two steps; use [`DevServer`] for that.
pub async fn serve(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
    DevServer::bind(config).await?.run(shutdown).await
}

//! `authing-mfa-devserver [--port N] [--state FILE] [--pool-name NAME]
//! [--user-pool-id ID] [--max-failures N] [--lockout-seconds N]
//! [--exit-on-stdin-close] [--quiet]`
//!
//! Prints the base URL as the first line on stdout (flushed at once, so a
//! script or test can read it and go) and the console's URL as the second,
//! logs one line per request on stderr,
//! and stops on SIGINT/SIGTERM, or when stdin closes if asked to: a test that
//! spawns the server and dies then cannot leave it running.

use authing_mfa_devserver::{Config, DevServer};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::watch;

const USAGE: &str = "\
usage: authing-mfa-devserver [options]

An offline Authing MFA API server for tests (127.0.0.1 only).

options:
  --port N                 port to listen on (default 0: a free port)
  --state FILE             load state from FILE and save it after each change
  --pool-name NAME         issuer of otpauth URIs (default authing-mfa-devserver)
  --user-pool-id ID        userPoolId of users (default 646576736572766572000000)
  --max-failures N         consecutive wrong second-factor answers that lock a
                           user's second factor (default 5; 0 never locks)
  --lockout-seconds N      how long the lock lasts, by the server's clock
                           (default 300)
  --exit-on-stdin-close    stop when standard input reaches end of file
  --quiet                  do not log requests
  -h, --help               show this help
  -V, --version            show the version

The first line on stdout is the base URL, e.g. http://127.0.0.1:40123;
the second one says where the console page is (URL/__dev/console).";

/// How long in-flight requests get after a stop signal.
const GRACE: Duration = Duration::from_secs(5);

struct Args {
    config: Config,
    exit_on_stdin_close: bool,
}

enum Parsed {
    Run(Args),
    Exit(ExitCode),
}

/// A non-negative integer option (at most 4294967295).
fn count(v: &str, flag: &str) -> Result<u32, String> {
    v.parse()
        .map_err(|_| format!("{flag}: not a whole number from 0 to {}: {v}", u32::MAX))
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Parsed, String> {
    let mut config = Config::default();
    let mut exit_on_stdin_close = false;
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |flag: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match name.as_str() {
            "--port" => {
                let v = value("--port")?;
                config.port = v.parse().map_err(|_| format!("--port: not a port number: {v}"))?;
            }
            "--state" => config.state_file = Some(PathBuf::from(value("--state")?)),
            "--pool-name" => config.pool_name = value("--pool-name")?,
            "--user-pool-id" => config.user_pool_id = value("--user-pool-id")?,
            "--max-failures" => config.max_failures = count(&value("--max-failures")?, "--max-failures")?,
            "--lockout-seconds" => {
                config.lockout_seconds = count(&value("--lockout-seconds")?, "--lockout-seconds")?;
            }
            "--exit-on-stdin-close" => exit_on_stdin_close = true,
            "--quiet" => config.log_requests = false,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(Parsed::Exit(ExitCode::SUCCESS));
            }
            "-V" | "--version" => {
                println!("authing-mfa-devserver {}", env!("CARGO_PKG_VERSION"));
                return Ok(Parsed::Exit(ExitCode::SUCCESS));
            }
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(Parsed::Run(Args {
        config,
        exit_on_stdin_close,
    }))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Parsed::Run(a)) => a,
        Ok(Parsed::Exit(code)) => return code,
        Err(e) => {
            eprintln!("authing-mfa-devserver: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("authing-mfa-devserver: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run(args));
    // The stdin watcher may still be blocked in read(); do not wait for it.
    runtime.shutdown_background();
    code
}

async fn run(args: Args) -> ExitCode {
    let server = match DevServer::bind(args.config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("authing-mfa-devserver: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        // One write of both lines, so they reach the pipe together: the
        // URL first (scripts read only that line and may close the pipe
        // right after), then where the console is, for a person.
        let url = server.base_url();
        let lines = format!("{url}\nconsole: {url}/__dev/console\n");
        if out
            .write_all(lines.as_bytes())
            .and_then(|()| out.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
    }

    let (stop_tx, stop_rx) = watch::channel::<Option<&'static str>>(None);
    spawn_signal_watch(stop_tx.clone());
    if args.exit_on_stdin_close {
        // A plain thread, not tokio's stdin: tokio's would keep the runtime
        // from shutting down while a read is pending.
        let tx = stop_tx.clone();
        std::thread::spawn(move || {
            let mut sink = [0u8; 4096];
            let mut stdin = std::io::stdin().lock();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            let _ = tx.send(Some("stdin closed"));
        });
    }

    let stopped = wait_stop(stop_rx.clone());
    let serve = server.run(stopped);
    let grace = async {
        wait_stop(stop_rx).await;
        tokio::time::sleep(GRACE).await;
    };
    let result = tokio::select! {
        r = serve => r,
        _ = grace => Ok(()),
    };
    let reason = stop_tx.borrow().unwrap_or("stopped");
    match result {
        Ok(()) => {
            eprintln!("authing-mfa-devserver: stopped ({reason})");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("authing-mfa-devserver: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn wait_stop(mut rx: watch::Receiver<Option<&'static str>>) {
    let _ = rx.wait_for(Option::is_some).await;
}

fn spawn_signal_watch(tx: watch::Sender<Option<&'static str>>) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut int), Ok(mut term)) =
                (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
            else {
                return;
            };
            let reason = tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            };
            let _ = tx.send(Some(reason));
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = tx.send(Some("Ctrl-C"));
            }
        }
    });
}

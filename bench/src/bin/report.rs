//! Turns the `RESULT` lines of one bench run into the one table of issue #5,
//! with the ratios and the target column, then prints
//! `bench: N passed, M failed` (or `bench-smoke: …` with `--smoke`).
//!
//! Usage: `report --results FILE [--nproc N] [--budget TEXT] [--date D]
//! [--smoke] [--no-js] [--only ROW,ROW...]` (`--only`: the rows run, the
//! others are shown as skipped). Exits 1 when a contender failed (did not run, exited
//! non-zero, had errors, or in smoke mode did not complete its calls);
//! missed targets are reported in the table and never change the exit code.
//!
//! Lines: `RESULT <row> key=value ...` from the contenders, and
//! `RESULT <row> failed=1 rc=N` from bench/run.sh when one exits non-zero.

use authing_mfa_bench::{Args, ResultLine};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What kind of figure a row has.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    /// calls/s; `js`/`floor` name the rows of the same concurrency to
    /// compare with, and `targeted` whether the issue sets targets for it.
    Throughput {
        js: Option<&'static str>,
        floor: Option<&'static str>,
        targeted: bool,
    },
    RssGrowth,
    RssClients,
    SoSize,
    FirstCall,
}

struct Row {
    id: &'static str,
    label: &'static str,
    kind: Kind,
    /// JS SDK rows, absent with `--no-js`.
    js: bool,
}

const fn tp(id: &'static str, label: &'static str) -> Row {
    Row {
        id,
        label,
        kind: Kind::Throughput {
            js: None,
            floor: None,
            targeted: false,
        },
        js: false,
    }
}

const fn lib(id: &'static str, label: &'static str, js: &'static str, floor: &'static str) -> Row {
    Row {
        id,
        label,
        kind: Kind::Throughput {
            js: Some(js),
            floor: Some(floor),
            targeted: true,
        },
        js: false,
    }
}

const fn other(id: &'static str, label: &'static str, kind: Kind) -> Row {
    Row {
        id,
        label,
        kind,
        js: false,
    }
}

const ROWS: &[Row] = &[
    Row {
        js: true,
        ..tp("js_seq", "JS SDK 4.23.55 on Node, sequential")
    },
    Row {
        js: true,
        ..tp("js_64", "JS SDK 4.23.55 on Node, 64 in flight")
    },
    tp("floor_seq", "floor: plain reqwest, sequential"),
    tp("floor_64", "floor: plain reqwest, 64 in flight"),
    tp(
        "floor_block",
        "(info) plain reqwest, current-thread block_on per call",
    ),
    lib(
        "c_seq",
        "C blocking, 1 thread (sequential)",
        "js_seq",
        "floor_seq",
    ),
    tp("c_thr4", "C blocking, 4 threads, one client"),
    tp("c_thr16", "C blocking, 16 threads, one client"),
    lib(
        "c_thr64",
        "C blocking, 64 threads, one client",
        "js_64",
        "floor_64",
    ),
    lib("c_async64", "C async, 64 in flight", "js_64", "floor_64"),
    tp("floor_1024", "(info) floor: plain reqwest, 1024 in flight"),
    // Compared with the floor at the same concurrency, without a target:
    // what 1 024 in flight costs the machine (client, loopback, responder)
    // shows in the floor's row too.
    Row {
        kind: Kind::Throughput {
            js: None,
            floor: Some("floor_1024"),
            targeted: false,
        },
        ..tp("c_async1024", "C async, 1024 in flight")
    },
    other(
        "rss_growth",
        "RSS growth over {calls} blocking calls",
        Kind::RssGrowth,
    ),
    other(
        "rss_clients",
        "RSS for {clients} clients, one call each",
        Kind::RssClients,
    ),
    other("so_size", "stripped libauthing_mfa.so", Kind::SoSize),
    other(
        "first_call",
        "first call: client_new to answer, fresh process",
        Kind::FirstCall,
    ),
];

const MIN_VS_JS: f64 = 5.0;
const MIN_VS_FLOOR: f64 = 0.9;
const MAX_RSS_GROWTH_KIB: f64 = 1024.0;
const MAX_CLIENTS_KIB: f64 = 50.0 * 1024.0;
const MAX_SO_BYTES: f64 = 6.0 * 1024.0 * 1024.0;

/// All lines of one row id (first_call has one per fresh process).
struct Outcome<'a> {
    lines: Vec<&'a ResultLine>,
}

impl Outcome<'_> {
    fn failed(&self) -> Option<String> {
        if self.lines.is_empty() {
            return Some("FAILED (no result)".into());
        }
        if let Some(l) = self.lines.iter().find(|l| l.fields.contains_key("failed")) {
            let rc = l.fields.get("rc").map(String::as_str).unwrap_or("?");
            let reason = l.fields.get("reason").map(String::as_str).unwrap_or("exit");
            return Some(format!("FAILED ({reason}, rc={rc})"));
        }
        let errors: f64 = self.lines.iter().filter_map(|l| l.f64("errors")).sum();
        if errors > 0.0 {
            return Some(format!("FAILED ({errors} errors)"));
        }
        None
    }

    fn get(&self, key: &str) -> Option<f64> {
        self.lines.first().and_then(|l| l.f64(key))
    }

    /// CPU time of the contender's process per call, in µs: steadier than
    /// calls/s on a shared machine (it does not count time spent waiting).
    fn cpu_us_per_call(&self) -> Option<f64> {
        let (calls, cpu) = (self.get("calls")?, self.get("cpu_s")?);
        (calls > 0.0 && cpu.is_finite()).then_some(cpu / calls * 1e6)
    }

    fn calls_per_sec(&self) -> Option<f64> {
        let (calls, secs) = (self.get("calls")?, self.get("secs")?);
        (secs > 0.0).then_some(calls / secs)
    }

    /// In smoke mode every contender must finish all the calls it was given.
    fn incomplete(&self) -> bool {
        match (self.get("calls"), self.get("requested")) {
            (Some(calls), Some(requested)) => calls < requested,
            _ => false,
        }
    }
}

fn thousands(n: f64) -> String {
    let s = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn mib(kib: f64) -> String {
    format!("{:.1} MiB", kib / 1024.0)
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

fn verdict(misses: &[String]) -> String {
    if misses.is_empty() {
        "met".into()
    } else {
        format!("MISSED: {}", misses.join("; "))
    }
}

fn main() {
    let args = match Args::parse(&["smoke", "no-js"]) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("report: {e}");
            std::process::exit(2);
        }
    };
    let Some(path) = args.str("results") else {
        eprintln!("report: `--results FILE` is required");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("report: cannot read {path}: {e}");
        std::process::exit(2);
    });
    let lines: Vec<ResultLine> = text.lines().filter_map(ResultLine::parse).collect();
    let smoke = args.flag("smoke");
    let no_js = args.flag("no-js");
    let only: Option<Vec<&str>> = args.str("only").map(|s| s.split(',').collect());
    let (table, passed, failed) = render(&lines, smoke, no_js, only.as_deref());

    let tag = if smoke { "bench-smoke" } else { "bench" };
    println!(
        "verifyTotpMfa (POST /api/v2/mfa/totp/verify) against one loopback responder shared by all rows; \
         nproc={}; {}{}{}",
        args.str("nproc").unwrap_or("?"),
        args.str("budget").unwrap_or("?"),
        if smoke {
            ", SMOKE run (figures not meaningful)"
        } else {
            ""
        },
        args.str("date").map(|d| format!(", {d}")).unwrap_or_default(),
    );
    println!();
    print!("{table}");
    println!();
    println!("{tag}: {passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}

/// The table, and how many contenders passed and failed. `only`: the rows
/// that were run (`run.sh --only`), all when `None`.
fn render(lines: &[ResultLine], smoke: bool, no_js: bool, only: Option<&[&str]>) -> (String, usize, usize) {
    let mut by_id: BTreeMap<&str, Outcome> = BTreeMap::new();
    for row in ROWS {
        let mine = lines.iter().filter(|l| l.id == row.id).collect();
        by_id.insert(row.id, Outcome { lines: mine });
    }
    let rate = |id: &str| -> Option<f64> {
        let o = &by_id[id];
        o.failed().is_none().then(|| o.calls_per_sec()).flatten()
    };

    let mut cells: Vec<[String; 8]> = vec![[
        "row".into(),
        "calls".into(),
        "errors".into(),
        "result".into(),
        "CPU µs/call".into(),
        "vs JS".into(),
        "vs floor".into(),
        "target".into(),
    ]];
    let (mut passed, mut failed) = (0, 0);
    for row in ROWS {
        let o = &by_id[row.id];
        let mut label = row.label.to_owned();
        for key in ["calls", "clients"] {
            if let Some(v) = o.get(key) {
                label = label.replace(&format!("{{{key}}}"), &thousands(v));
            }
            label = label.replace(&format!("{{{key}}}"), "N");
        }
        let skipped = if row.js && no_js {
            Some("skipped (--no-js)")
        } else if only.is_some_and(|ids| !ids.contains(&row.id)) {
            Some("skipped (--only)")
        } else {
            None
        };
        if let Some(why) = skipped {
            cells.push([
                label,
                "—".into(),
                "—".into(),
                why.into(),
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
            ]);
            continue;
        }
        let calls = o.get("calls").map(thousands).unwrap_or_else(|| "—".into());
        let errors = o
            .lines
            .iter()
            .filter_map(|l| l.f64("errors"))
            .reduce(|a, b| a + b)
            .map(thousands)
            .unwrap_or_else(|| "—".into());
        let failure = o
            .failed()
            .or_else(|| (smoke && o.incomplete()).then(|| "FAILED (calls not completed)".into()));
        if let Some(why) = failure {
            failed += 1;
            cells.push([
                label,
                calls,
                errors,
                why,
                "—".into(),
                "—".into(),
                "—".into(),
                "—".into(),
            ]);
            continue;
        }
        passed += 1;
        let (result, vs_js, vs_floor, target) = match row.kind {
            Kind::Throughput { js, floor, targeted } => {
                let mine = o.calls_per_sec().unwrap_or(0.0);
                let ratio = |other: Option<&str>| other.and_then(rate).map(|r| mine / r);
                let (rj, rf) = (ratio(js), ratio(floor));
                let mut misses = Vec::new();
                if let Some(r) = rj.filter(|r| *r < MIN_VS_JS) {
                    misses.push(format!("{r:.2}× JS < {MIN_VS_JS}×"));
                }
                if let Some(r) = rf.filter(|r| *r < MIN_VS_FLOOR) {
                    misses.push(format!("{r:.2}× floor < {MIN_VS_FLOOR}×"));
                }
                let target = if !targeted {
                    "—".into()
                } else if rj.is_none() && rf.is_none() {
                    "— (no row to compare)".into()
                } else {
                    verdict(&misses)
                };
                let fmt = |r: Option<f64>| r.map(|r| format!("{r:.2}×")).unwrap_or_else(|| "—".into());
                (format!("{} calls/s", thousands(mine)), fmt(rj), fmt(rf), target)
            }
            Kind::RssGrowth => {
                let kib = o.get("growth_kib").unwrap_or(f64::NAN);
                let misses = if kib < MAX_RSS_GROWTH_KIB {
                    vec![]
                } else {
                    vec!["≥ 1 MiB".to_owned()]
                };
                (format!("{kib:+.0} KiB"), "—".into(), "—".into(), verdict(&misses))
            }
            Kind::RssClients => {
                let kib = o.get("growth_kib").unwrap_or(f64::NAN);
                let misses = if kib < MAX_CLIENTS_KIB {
                    vec![]
                } else {
                    vec!["≥ 50 MiB".to_owned()]
                };
                let per = o.get("clients").filter(|n| *n > 0.0).map(|n| kib / n);
                let per = per.map(|p| format!(" ({p:.1} KiB each)")).unwrap_or_default();
                // Older result lines have no idle figure.
                let idle = o
                    .get("idle_kib")
                    .map(|i| format!("; {} before their first call", mib(i)))
                    .unwrap_or_default();
                (
                    format!("{}{per}{idle}", mib(kib)),
                    "—".into(),
                    "—".into(),
                    verdict(&misses),
                )
            }
            Kind::SoSize => {
                let bytes = o.get("bytes").unwrap_or(f64::NAN);
                let misses = if bytes <= MAX_SO_BYTES {
                    vec![]
                } else {
                    vec!["> 6 MiB".to_owned()]
                };
                (mib(bytes / 1024.0), "—".into(), "—".into(), verdict(&misses))
            }
            Kind::FirstCall => {
                let ms = median(o.lines.iter().filter_map(|l| l.f64("ms")).collect()).unwrap_or(f64::NAN);
                let n = o.lines.len();
                (
                    format!("{ms:.2} ms (median of {n})"),
                    "—".into(),
                    "—".into(),
                    "— (no target)".into(),
                )
            }
        };
        let cpu = o
            .cpu_us_per_call()
            .map(|c| format!("{c:.0}"))
            .unwrap_or_else(|| "—".into());
        // A smoke run's figures (debug build, a few hundred calls) say
        // nothing about the targets; do not print verdicts that look real.
        let target = if smoke { "— (smoke)".into() } else { target };
        cells.push([label, calls, errors, result, cpu, vs_js, vs_floor, target]);
    }

    // A Markdown table, padded so it also reads well in a terminal.
    let width = |c: usize| cells.iter().map(|r| r[c].chars().count()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..8).map(width).collect();
    let mut out = String::new();
    for (i, r) in cells.iter().enumerate() {
        out.push('|');
        for (c, cell) in r.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            // Numbers right-aligned, words left-aligned.
            if (1..=6).contains(&c) && i > 0 {
                let _ = write!(out, " {}{} |", " ".repeat(pad), cell);
            } else {
                let _ = write!(out, " {}{} |", cell, " ".repeat(pad));
            }
        }
        out.push('\n');
        if i == 0 {
            out.push('|');
            for (c, w) in widths.iter().enumerate() {
                let dashes = "-".repeat(*w);
                if (1..=6).contains(&c) {
                    let _ = write!(out, " {}: |", &dashes[1..]);
                } else {
                    let _ = write!(out, " {dashes} |");
                }
            }
            out.push('\n');
        }
    }
    (out, passed, failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<ResultLine> {
        text.lines().filter_map(ResultLine::parse).collect()
    }

    #[test]
    fn ratios_targets_and_failures() {
        let lines = parse(
            "RESULT js_seq calls=100 errors=0 secs=1\n\
             RESULT floor_seq calls=1000 errors=0 secs=1\n\
             RESULT c_seq calls=950 errors=0 secs=1 cpu_s=0.095\n\
             RESULT js_64 calls=200 errors=0 secs=1\n\
             RESULT floor_64 calls=2000 errors=0 secs=1\n\
             RESULT c_thr64 calls=1000 errors=0 secs=1\n\
             RESULT c_async64 calls=10 errors=1 secs=1\n\
             RESULT c_thr4 failed=1 rc=124 reason=timeout\n\
             RESULT rss_growth calls=100000 errors=0 growth_kib=2048\n\
             RESULT so_size bytes=1048576\n\
             RESULT first_call ms=3 errors=0\n\
             RESULT first_call ms=1 errors=0\n\
             RESULT first_call ms=2 errors=0\n",
        );
        let (table, passed, failed) = render(&lines, false, false, None);
        let row = |id: &str| table.lines().find(|l| l.contains(id)).unwrap().to_owned();
        assert!(row("C blocking, 1 thread").contains("9.50×"), "{table}");
        assert!(row("C blocking, 1 thread").contains("0.95×"), "{table}");
        assert!(row("C blocking, 1 thread").contains("| met"), "{table}");
        assert!(row("C blocking, 1 thread").contains(" 100 |"), "{table}");
        assert!(row("64 threads").contains("MISSED: 0.50× floor"), "{table}");
        assert!(row("C async, 64").contains("FAILED (1 errors)"), "{table}");
        assert!(row("4 threads").contains("FAILED (timeout, rc=124)"), "{table}");
        assert!(row("16 threads").contains("FAILED (no result)"), "{table}");
        assert!(row("RSS growth over 100 000").contains("MISSED"), "{table}");
        assert!(row("stripped").contains("1.0 MiB") && row("stripped").contains("met"));
        assert!(row("first call").contains("2.00 ms (median of 3)"), "{table}");
        // failed: floor_block, c_thr4, c_thr16, c_async64, floor_1024,
        // c_async1024, rss_clients
        assert_eq!((passed, failed), (9, 7), "{table}");
    }

    #[test]
    fn smoke_requires_every_call_and_no_js_skips() {
        let lines = parse(
            "RESULT c_seq calls=99 errors=0 secs=1 requested=100\n\
             RESULT so_size bytes=99999999\n",
        );
        let (table, _, _) = render(&lines, true, true, None);
        assert!(table.contains("FAILED (calls not completed)"), "{table}");
        assert!(table.contains("skipped (--no-js)"), "{table}");
        assert!(
            !table.contains("MISSED") && table.contains("— (smoke)"),
            "{table}"
        );
        let (table, _, _) = render(&lines, false, true, None);
        assert!(!table.contains("not completed"), "{table}");
    }

    #[test]
    fn only_skips_the_rows_not_run_and_async_1024_is_compared_with_its_floor() {
        let lines = parse(
            "RESULT floor_1024 calls=1000 errors=0 secs=1\n\
             RESULT c_async1024 calls=900 errors=0 secs=1 cpu_s=0.02\n",
        );
        let (table, passed, failed) = render(&lines, false, false, Some(&["floor_1024", "c_async1024"]));
        assert_eq!((passed, failed), (2, 0), "{table}");
        let row = |id: &str| table.lines().find(|l| l.contains(id)).unwrap().to_owned();
        assert!(row("C async, 1024").contains("0.90×"), "{table}");
        assert!(!row("C async, 1024").contains("MISSED"), "{table}");
        assert!(row("C async, 64 ").contains("skipped (--only)"), "{table}");
    }

    #[test]
    fn numbers_format() {
        assert_eq!(thousands(1234567.4), "1 234 567");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(median(vec![3.0, 1.0, 2.0, 10.0]), Some(2.5));
    }
}

//! Load generator for the simulator: how long `Sim::start` takes, then N concurrent clients
//! sending a mix of authenticated Confluent (Basic) and TiDB Cloud (Digest) reads for a while.
//! Prints start time, requests/s, errors and latency percentiles; exits 1 on any error or when
//! the rate is below `--min-rps`.
//!
//! ```sh
//! cargo run --release -p linkplan-sim --example load -- --concurrency 64 --seconds 10 --min-rps 2000
//! # against a running `linkplan sim` (keys from its exports; its world needs
//! # `rate_limits: {enforce: false}`, as `bench/sim.sh` gives it):
//! . ./sim.env && cargo run --release -p linkplan-sim --example load -- --url "$LINKPLAN_CONFLUENT_URL"
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::error::Error;
use std::time::{Duration, Instant};

use linkplan_sim::{Sim, SimConfig, World};
use linkplan_testkit::{Algorithm, Challenge, basic_authorization};
use reqwest::StatusCode;
use reqwest::header::AUTHORIZATION;

type Res<T> = Result<T, Box<dyn Error + Send + Sync>>;

const CLUSTER: &str = "10140100115280519574";
const ENV: &str = "env-abc123";

struct Options {
    concurrency: usize,
    seconds: f64,
    url: Option<String>,
    mix: Mix,
    min_rps: f64,
    starts: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Mix {
    Both,
    Confluent,
    Tidbcloud,
}

fn options() -> Res<Options> {
    let mut o = Options { concurrency: 64, seconds: 10.0, url: None, mix: Mix::Both, min_rps: 0.0, starts: 20 };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--concurrency" | "-c" => o.concurrency = value()?.parse()?,
            "--seconds" | "-s" => o.seconds = value()?.parse()?,
            "--url" => o.url = Some(value()?),
            "--min-rps" => o.min_rps = value()?.parse()?,
            "--starts" => o.starts = value()?.parse()?,
            "--mix" => {
                o.mix = match value()?.as_str() {
                    "both" => Mix::Both,
                    "confluent" => Mix::Confluent,
                    "tidbcloud" => Mix::Tidbcloud,
                    other => return Err(format!("--mix is both, confluent or tidbcloud, not {other}").into()),
                }
            }
            "--help" | "-h" => {
                println!(
                    "load [--concurrency N] [--seconds S] [--mix both|confluent|tidbcloud] [--min-rps R] [--starts K] [--url URL]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if o.concurrency == 0 || o.seconds.is_nan() || o.seconds <= 0.0 {
        return Err("--concurrency and --seconds must be positive".into());
    }
    Ok(o)
}

/// The credentials a client needs.
#[derive(Clone)]
struct Target {
    base: String,
    basic: String,
    tidb_user: String,
    tidb_pass: String,
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(1),
        Err(e) => {
            eprintln!("load: error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run() -> Res<bool> {
    let o = options()?;
    // The server (when in-process) and the clients share one runtime with a worker per core.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let (target, _sim) = match &o.url {
            Some(url) => (target_from_env(url)?, None),
            None => {
                measure_start(o.starts).await?;
                // A load test of the simulator itself: the vendors' rate limits would answer 429s.
                let sim = Sim::start(World::example(), SimConfig::default().without_rate_limits()).await?;
                let env: std::collections::HashMap<_, _> = sim.env().into_iter().collect();
                let get = |k: &str| env.get(k).cloned().ok_or_else(|| format!("the simulator exports no {k}"));
                let target = Target {
                    base: sim.confluent_url().to_owned(),
                    basic: basic_authorization(&get("CONFLUENT_CLOUD_API_KEY")?, &get("CONFLUENT_CLOUD_API_SECRET")?),
                    tidb_user: get("TIDBCLOUD_PUBLIC_KEY")?,
                    tidb_pass: get("TIDBCLOUD_PRIVATE_KEY")?,
                };
                (target, Some(sim))
            }
        };
        load(&o, target).await
    })
}

fn target_from_env(url: &str) -> Res<Target> {
    let var = |k: &str| std::env::var(k).map_err(|_| format!("{k} is not set (source the `linkplan sim` exports)"));
    Ok(Target {
        base: url.trim_end_matches('/').to_owned(),
        basic: basic_authorization(&var("CONFLUENT_CLOUD_API_KEY")?, &var("CONFLUENT_CLOUD_API_SECRET")?),
        tidb_user: var("TIDBCLOUD_PUBLIC_KEY")?,
        tidb_pass: var("TIDBCLOUD_PRIVATE_KEY")?,
    })
}

/// Start (world parse + bind + serve) `k` times; print the first, median and worst.
async fn measure_start(k: usize) -> Res<()> {
    let mut times = Vec::with_capacity(k.max(1));
    for _ in 0..k.max(1) {
        let t = Instant::now();
        let sim = Sim::start(World::example(), SimConfig::default()).await?;
        times.push(t.elapsed());
        sim.shutdown().await;
    }
    let first = times[0];
    times.sort();
    println!(
        "start (World::example + Sim::start), {} runs: first {:.2} ms, median {:.2} ms, max {:.2} ms",
        times.len(),
        ms(first),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1])
    );
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[derive(Default)]
struct Tally {
    ok: u64,
    errors: u64,
    challenges: u64,
    first_error: Option<String>,
    latencies_us: Vec<u32>,
}

async fn load(o: &Options, target: Target) -> Res<bool> {
    let client = reqwest::Client::builder().no_proxy().pool_max_idle_per_host(o.concurrency).build()?;
    let deadline = Instant::now() + Duration::from_secs_f64(o.seconds);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(o.concurrency);
    for worker in 0..o.concurrency {
        let (client, target, mix) = (client.clone(), target.clone(), o.mix);
        tasks.push(tokio::spawn(async move { worker_loop(worker, client, target, mix, deadline).await }));
    }
    let mut total = Tally::default();
    for task in tasks {
        let t = task.await?;
        total.ok += t.ok;
        total.errors += t.errors;
        total.challenges += t.challenges;
        total.latencies_us.extend(t.latencies_us);
        if total.first_error.is_none() {
            total.first_error = t.first_error;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let requests = total.ok + total.errors + total.challenges;
    let rps = requests as f64 / elapsed;
    total.latencies_us.sort_unstable();
    let pct = |p: f64| {
        let l = &total.latencies_us;
        if l.is_empty() {
            0.0
        } else {
            let i = ((l.len() as f64 - 1.0) * p).round() as usize;
            f64::from(l[i.min(l.len() - 1)]) / 1000.0
        }
    };
    println!(
        "load: {} clients, {:.1} s, mix {}: {requests} requests ({} ok, {} digest challenges, {} errors), {rps:.0} req/s",
        o.concurrency,
        elapsed,
        match o.mix {
            Mix::Both => "confluent+tidbcloud",
            Mix::Confluent => "confluent",
            Mix::Tidbcloud => "tidbcloud",
        },
        total.ok,
        total.challenges,
        total.errors
    );
    println!("latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms", pct(0.5), pct(0.99), pct(1.0));
    if let Some(e) = &total.first_error {
        println!("first error: {e}");
    }
    let pass = total.errors == 0 && rps >= o.min_rps;
    if o.min_rps > 0.0 {
        println!(
            "{}: {rps:.0} req/s (need {:.0}), {} errors",
            if pass { "PASS" } else { "FAIL" },
            o.min_rps,
            total.errors
        );
    }
    Ok(pass)
}

/// The paths a client cycles through.
fn paths(mix: Mix) -> Vec<(bool, String)> {
    let cf = [
        "/org/v2/environments".to_owned(),
        format!("/networking/v1/networks?environment={ENV}"),
        format!("/networking/v1/networks/n-abc123?environment={ENV}"),
        format!("/networking/v1/private-link-accesses?environment={ENV}&page_size=5"),
        format!("/cmk/v2/clusters?environment={ENV}"),
    ];
    let ti = [
        format!("/v1beta1/clusters/{CLUSTER}"),
        format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections:getAvailabilityZones"),
        "/v1beta1/clusters?pageSize=10".to_owned(),
        format!("/v1beta1/clusters/{CLUSTER}/privateLinkConnections?pageSize=10"),
    ];
    let mut out = Vec::new();
    if mix != Mix::Tidbcloud {
        out.extend(cf.into_iter().map(|p| (true, p)));
    }
    if mix != Mix::Confluent {
        out.extend(ti.into_iter().map(|p| (false, p)));
    }
    out
}

/// The challenge a worker answers (MD5 when offered, as the load has always measured), reused
/// with an incrementing nonce count.
fn pick_challenge(headers: &reqwest::header::HeaderMap) -> Option<Challenge> {
    Challenge::pick(headers, Algorithm::Md5).or_else(|| Challenge::offered(headers).into_iter().next())
}

async fn worker_loop(worker: usize, client: reqwest::Client, t: Target, mix: Mix, deadline: Instant) -> Tally {
    let paths = paths(mix);
    let mut tally = Tally::default();
    let mut challenge: Option<Challenge> = None;
    let mut i = worker;
    while Instant::now() < deadline {
        let (confluent, path) = &paths[i % paths.len()];
        i += 1;
        let mut req = client.get(format!("{}{path}", t.base));
        if *confluent {
            req = req.header(AUTHORIZATION, &t.basic);
        } else if let Some(c) = challenge.as_mut() {
            req = req.header(AUTHORIZATION, c.next("GET", path, &t.tidb_user, &t.tidb_pass));
        }
        let sent = Instant::now();
        let result = async {
            let resp = req.send().await?;
            let status = resp.status();
            let headers = resp.headers().clone();
            resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers))
        }
        .await;
        let took = u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX);
        match result {
            Ok((status, _)) if status.is_success() => {
                tally.ok += 1;
                tally.latencies_us.push(took);
            }
            Ok((StatusCode::UNAUTHORIZED, headers)) if !*confluent => {
                // First request or a stale nonce: take the new challenge and go on.
                tally.challenges += 1;
                tally.latencies_us.push(took);
                challenge = pick_challenge(&headers);
                if challenge.is_none() {
                    tally.errors += 1;
                    tally.first_error.get_or_insert_with(|| format!("GET {path}: 401 without a Digest challenge"));
                }
            }
            Ok((status, _)) => {
                tally.errors += 1;
                tally.first_error.get_or_insert_with(|| format!("GET {path}: {status}"));
            }
            Err(e) => {
                tally.errors += 1;
                tally.first_error.get_or_insert_with(|| format!("GET {path}: {e}"));
            }
        }
    }
    tally
}

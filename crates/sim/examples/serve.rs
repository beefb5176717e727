//! Serve the simulator until killed, printing `export` lines (a stand-in until `linkplan sim` exists).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::SocketAddr;

use linkplan_sim::{Sim, SimConfig, World};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let world = match args.next() {
        Some(path) => World::from_path(std::path::Path::new(&path)),
        None => Ok(World::example()),
    };
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let config = SimConfig { addr: SocketAddr::from(([127, 0, 0, 1], port)), ..SimConfig::default() };
    let sim = match world {
        Ok(w) => Sim::start(w, config).await,
        Err(e) => Err(e),
    };
    match sim {
        Ok(sim) => {
            for (k, v) in sim.env() {
                println!("export {k}={v}");
            }
            std::future::pending::<()>().await;
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

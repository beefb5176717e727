//! Engine tests: planner scenarios (`fixtures/engine/<scenario>/`, snapshots) and apply end to
//! end against the simulator on its explicit clock (the engine's clock advances it; no test
//! sleeps).

mod apply;
mod changefeed;
mod changes;
mod fleet;
mod init;
mod ownership;
mod planner;
mod util;

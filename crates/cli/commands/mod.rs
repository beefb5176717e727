//! One module per subcommand, each with `pub(crate) fn run(&Args) -> miette::Result<ExitStatus>`.

pub(crate) mod apply;
pub(crate) mod completions;
pub(crate) mod destroy;
pub(crate) mod doctor;
pub(crate) mod explain;
pub(crate) mod force_unlock;
pub(crate) mod init;
pub(crate) mod lint;
pub(crate) mod plan;
pub(crate) mod sim;
pub(crate) mod state;
pub(crate) mod status;

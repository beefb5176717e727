//! `linkplan force-unlock LOCK_ID PLAN`: remove the lock a killed run left on a shared journal,
//! as Terraform's `force-unlock` does — only the lock with that id, after a confirmation on a
//! terminal (or `--force`). A file journal's lock is the OS's and dies with its process: there
//! is never one to force.

use std::io::IsTerminal;

use linkplan_engine::{Clock, SystemClock};
use linkplan_state::Backend;
use miette::{IntoDiagnostic, miette};

use crate::args::ForceUnlockArgs;
use crate::session::{self, journal_error};
use crate::{ExitStatus, printer};

pub(crate) fn run(args: &ForceUnlockArgs) -> miette::Result<ExitStatus> {
    let target = session::journal_target(
        args.journal.as_deref(),
        &args.state,
        &args.file,
        session::declared_state(&args.file).as_deref(),
        false,
        false,
    )?;
    let s3 = match &target.backend {
        Backend::S3(s3) => s3.clone(),
        Backend::File(path) => {
            return Err(miette!(
                help = "a file journal is locked by the OS for as long as its process runs, and never after: if \
                        a run is refused, that run is still going",
                "the journal {} is a local file: there is no lock to force",
                path.display()
            ));
        }
    };
    session::runtime()?.block_on(async {
        let now = SystemClock::new().unix_ms();
        let holder = s3.holder(now).await.map_err(journal_error)?;
        let Some(holder) = holder else {
            printer::status(&format!("the journal {} is not locked: nothing to do", s3.url().display()));
            return Ok(ExitStatus::Success);
        };
        if holder.info.id != args.lock_id {
            return Err(miette!(
                help = format!(
                    "force-unlock removes only the lock it is given the id of; if that run is gone: `{}`",
                    target.command(&format!("force-unlock {}", holder.info.id))
                ),
                "the lock on {} has the id {}, not {}: {holder}",
                s3.url().display(),
                holder.info.id,
                args.lock_id
            ));
        }
        printer::status(&format!("the lock on {}: {holder}", s3.url().display()));
        if !args.force {
            if !std::io::stdin().is_terminal() {
                return Err(miette!(
                    help = "pass --force to remove it without a prompt",
                    "cannot ask for confirmation: standard input is not a terminal"
                ));
            }
            let answer = printer::prompt(
                "Remove it? If that run is still going, it and the next run will both write the journal. Only \
                 `yes` is accepted: ",
            )
            .into_diagnostic()?;
            if answer.trim() != "yes" {
                printer::status("force-unlock cancelled");
                return Ok(ExitStatus::Failure);
            }
        }
        s3.force_unlock(&args.lock_id, now).await.map_err(journal_error)?;
        printer::status(&format!("removed the lock {} on {}", args.lock_id, s3.url().display()));
        Ok(ExitStatus::Success)
    })
}

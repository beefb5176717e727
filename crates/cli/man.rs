//! The man pages (clap_mangen): `linkplan.1` and one page per subcommand (`linkplan-lint.1`,
//! `linkplan-state-list.1`, …), generated from the clap definition, so they say what `--help`
//! says. `cargo xtask codegen` writes them to `docs/man/`; a test fails when those are stale.

/// One page: its file name (`linkplan-lint.1`) and its roff source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManPage {
    pub file_name: String,
    pub roff: String,
}

/// Every page, the top-level one first, then each (non-hidden) subcommand's, depth first in the
/// order `--help` lists them. `help` (clap's own subcommand) has none: `linkplan help X` is
/// `linkplan X --help`.
pub fn man_pages() -> std::io::Result<Vec<ManPage>> {
    let mut command = crate::command().disable_help_subcommand(true);
    command.build();
    let mut pages = Vec::new();
    collect(command, &mut pages)?;
    Ok(pages)
}

fn collect(command: clap::Command, pages: &mut Vec<ManPage>) -> std::io::Result<()> {
    let subcommands: Vec<clap::Command> = command.get_subcommands().filter(|s| !s.is_hide_set()).cloned().collect();
    let man = clap_mangen::Man::new(command).manual("linkplan manual");
    let mut roff = Vec::new();
    man.render(&mut roff)?;
    let roff = String::from_utf8(roff).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    pages.push(ManPage { file_name: man.get_filename(), roff: ascii(&roff) });
    for subcommand in subcommands {
        collect(subcommand, pages)?;
    }
    Ok(())
}

/// The page in ASCII: every other character (the help's `…`, `—`, `↔`) as groff's `\[uXXXX]`
/// escape, which groff, mandoc and man all read without a preprocessor (raw UTF-8 needs
/// `preconv`, and troff alone warns "invalid input character").
fn ascii(roff: &str) -> String {
    let mut out = String::with_capacity(roff.len());
    for c in roff.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
        }
    }
    out
}

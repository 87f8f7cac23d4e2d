//! Command-line interface: one file per subcommand, exit statuses per DECISIONS §6.

mod check;
mod config;
mod diff;
mod eval;
mod explain;
mod fmt;
mod generate;
mod input;
mod parse;
mod report;
mod test;
mod trace;
mod walk;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit statuses shared by every subcommand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Success: nothing to report.
    Ok = 0,
    /// The command ran and found something: differences (`fmt --check`), errors (`check`).
    Findings = 1,
    /// Usage, I/O or parse error.
    Error = 2,
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

/// Parse, format and check Azure role-assignment conditions (ABAC, conditionVersion 2.0).
#[derive(Parser, Debug)]
#[command(name = "azcond", version, about, max_term_width = 100)]
struct Cli {
    /// When to colour the output: `auto` colours a terminal unless NO_COLOR is set (and
    /// CLICOLOR_FORCE colours any output).
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Color {
    /// On a terminal, unless NO_COLOR is set; anywhere with CLICOLOR_FORCE.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Print a shell's completion script for azcond.
///
/// For example: `azcond completions bash > /etc/bash_completion.d/azcond`, or in PowerShell
/// `azcond completions powershell | Out-String | Invoke-Expression`.
#[derive(clap::Args, Debug)]
struct Completions {
    /// The shell.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(Subcommand, Debug)]
enum Command {
    Check(check::Args),
    Eval(eval::Args),
    Diff(diff::Args),
    Explain(explain::Args),
    Parse(parse::Args),
    Fmt(fmt::Args),
    Test(test::Args),
    Completions(Completions),
}

/// `--missing` of `eval`, `test`, `diff` and `explain`: what a comparison on a missing attribute yields.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Missing {
    /// The comparison is false (model A).
    False,
    /// The comparison is an error, so the decision is deny (model B).
    Error,
}

impl Missing {
    /// The flag when given, else the configuration's `evaluation.missing`, else model A.
    pub fn resolve(
        flag: Option<Missing>,
        configured: Option<azcond::eval::MissingAttributes>,
    ) -> azcond::eval::MissingAttributes {
        match flag {
            Some(Missing::False) => azcond::eval::MissingAttributes::False,
            Some(Missing::Error) => azcond::eval::MissingAttributes::Error,
            None => configured.unwrap_or_default(),
        }
    }
}

/// Runs the command line and returns the process exit status.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout with success, usage errors to stderr.
            let _ = e.print();
            return if e.use_stderr() {
                Status::Error
            } else {
                Status::Ok
            }
            .into();
        }
    };
    anstream::ColorChoice::write_global(match cli.color {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    });
    let status = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Parse(args) => parse::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Fmt(args) => fmt::run(&args),
        Command::Completions(c) => {
            use clap::CommandFactory as _;
            let mut script = Vec::new();
            clap_complete::generate(c.shell, &mut Cli::command(), "azcond", &mut script);
            print(&String::from_utf8_lossy(&script));
            Status::Ok
        }
    };
    let _ = anstream::stdout().flush();
    status.into()
}

/// Prints an error that is not about a condition's text (I/O, usage); control characters in
/// it (from a file name, say) are escaped.
pub fn report_error(message: &str) {
    let red = anstyle::Style::new()
        .bold()
        .fg_color(Some(anstyle::AnsiColor::BrightRed.into()));
    anstream::eprintln!(
        "azcond: {}error{}: {}",
        red.render(),
        red.render_reset(),
        azcond::diagnostic::printable(message)
    );
}

/// Writes a diagnostic about a condition's text to standard error, coloured on a terminal.
pub fn eprint_diagnostic(d: &azcond::Diagnostic, src: &str, name: &str) {
    let index = azcond::span::LineIndex::new(src);
    anstream::eprint!("{}", d.render_styled(src, &index, name, true));
}

/// Writes to standard output. When the reader has gone (`azcond check | head -1`), the program
/// ends quietly with status 0, as `cat` and `grep` do, instead of panicking.
pub fn print(text: &str) {
    // Colour codes, which only azcond writes (input is escaped), are stripped where colour is off.
    let mut out = anstream::stdout().lock();
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("azcond: error: cannot write to standard output: {e}");
            std::process::exit(Status::Error as i32);
        }
    }
}

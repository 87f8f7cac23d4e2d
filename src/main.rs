//! The `azcond` command; everything lives in `cli/`.
#![forbid(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}

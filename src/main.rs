//! The `hookscribe` command line: every engine feature without a window.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging(args.is_daemon());
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", cli::explain(&error));
            ExitCode::FAILURE
        }
    }
}

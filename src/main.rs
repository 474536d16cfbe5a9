use std::process::ExitCode;

use clap::Parser;
use hookscope::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Listen { listen, out, count }) => {
            hookscope::headless::listen(listen.config(), &out, count).map_err(|e| e.to_string())
        }
        None => hookscope::ui::run(cli.listen.config()).map_err(|e| e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("hookscope: {message}");
            ExitCode::FAILURE
        }
    }
}

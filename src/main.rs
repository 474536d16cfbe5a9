use std::process::ExitCode;

use clap::Parser;
use hookscope::capture::Routes;
use hookscope::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // send, scenario, replay and curl have their own exit statuses.
    if let Some(status) = hookscope::act::dispatch(cli.command.as_ref()) {
        return ExitCode::from(status);
    }
    if let Some(Command::Validate {
        files,
        level,
        job_path,
        candidate_path,
    }) = &cli.command
    {
        let defaults = Routes::default();
        let routes = Routes {
            job_path: job_path.clone().unwrap_or(defaults.job_path),
            candidate_path: candidate_path.clone().unwrap_or(defaults.candidate_path),
        };
        let status = hookscope::validate::run(
            files,
            &routes,
            *level,
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        );
        return ExitCode::from(status);
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("hookscope: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let data_dir = hookscope::paths::data_dir(cli.data_dir.as_deref())?;
    match cli.command {
        Some(Command::Listen { listen, out, count }) => {
            // `listen` has no saved forward target for a mode to apply to.
            if listen.forward_mode.is_some() && listen.forward_to.is_none() {
                return Err("--forward-mode needs --forward-to BASE_URL".to_owned());
            }
            hookscope::headless::listen(listen.config(), &out, count, &data_dir)
                .map_err(|e| e.to_string())
        }
        Some(Command::Export { session, har }) => {
            let entries = hookscope::session::har::export_session(&session, &har)?;
            println!("wrote {entries} HAR entries to {}", har.display());
            Ok(())
        }
        Some(Command::Recover { out }) => {
            let captures = hookscope::journal::recover_newest(&data_dir, &out)?;
            println!(
                "recovered {captures} capture(s) to {}; the journal is kept in {}",
                out.display(),
                data_dir.join(hookscope::journal::DIR).display()
            );
            Ok(())
        }
        // Handled in `main`: they have their own exit statuses.
        Some(
            Command::Validate { .. }
            | Command::Send { .. }
            | Command::Scenario { .. }
            | Command::Replay { .. }
            | Command::Curl { .. },
        ) => Ok(()),
        None => hookscope::ui::run(cli.listen, cli.files, data_dir).map_err(|e| e.to_string()),
    }
}

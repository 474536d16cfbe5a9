use std::process::ExitCode;

use clap::Parser;
use hookscope::capture::Routes;
use hookscope::cli::{Cli, Command, DesktopAction};
use hookscope::export::{self, Kind};
use hookscope::human::counted;

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
    if let Some(Command::Desktop { action }) = cli.command {
        return desktop(action);
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
        Some(Command::Export {
            session,
            out,
            har,
            redact,
            redaction,
        }) => {
            let (out, kind) = match (out, har) {
                (Some(out), None) => (out, Kind::Session),
                (Some(out), Some(None)) | (None, Some(Some(out))) => (out, Kind::Har),
                (Some(_), Some(Some(_))) => {
                    return Err("give --out FILE --har, or --har OUT, not both".to_owned());
                }
                (None, _) => {
                    return Err("give --out FILE (with --har for HAR), or --har OUT".to_owned());
                }
            };
            if !redact && redaction.any() {
                return Err(
                    "--redact-policy, --redact-ids and --keep-unparsed apply with --redact"
                        .to_owned(),
                );
            }
            let redactor = redact.then(|| export::redactor(&redaction)).transpose()?;
            println!(
                "{}",
                export::export(&session, &out, kind, redactor.as_ref())?
            );
            Ok(())
        }
        Some(Command::Redact {
            session,
            out,
            har,
            print_policy,
            redaction,
        }) => {
            if print_policy {
                print!("{}", hookscope::redact::DEFAULT_TEXT);
                return Ok(());
            }
            let (Some(session), Some(out)) = (session, out) else {
                return Err("give SESSION and --out FILE, or --print-policy".to_owned());
            };
            let redactor = export::redactor(&redaction)?;
            let kind = if har { Kind::Har } else { Kind::Session };
            println!("{}", export::export(&session, &out, kind, Some(&redactor))?);
            Ok(())
        }
        Some(Command::Report {
            session,
            out,
            ids,
            no_redact,
            redaction,
            job_path,
            candidate_path,
        }) => {
            if no_redact && redaction.any() {
                return Err(
                    "--redact-policy, --redact-ids and --keep-unparsed do not apply with --no-redact"
                        .to_owned(),
                );
            }
            let redactor = (!no_redact)
                .then(|| export::redactor(&redaction))
                .transpose()?;
            println!(
                "{}",
                export::report(export::ReportRequest {
                    input: session,
                    out,
                    ids,
                    redactor,
                    job_path,
                    candidate_path,
                })?
            );
            Ok(())
        }
        Some(Command::Recover { out }) => {
            let captures = hookscope::journal::recover_newest(&data_dir, &out)?;
            println!(
                "recovered {} to {}; the journal is kept in {}",
                counted(captures, "capture", "captures"),
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
            | Command::Curl { .. }
            | Command::Desktop { .. },
        ) => Ok(()),
        None => hookscope::ui::run(cli.listen, cli.files, data_dir).map_err(|e| e.to_string()),
    }
}

fn desktop(action: DesktopAction) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let mut notes = std::io::stderr().lock();
    let result = hookscope::desktop::data_home().and_then(|home| match action {
        DesktopAction::Install => {
            let exe = std::env::current_exe()
                .and_then(|exe| exe.canonicalize())
                .map_err(|e| format!("cannot tell where this hookscope is: {e}"))?;
            hookscope::desktop::install(&home, &exe, &mut out, &mut notes)
        }
        DesktopAction::Uninstall => hookscope::desktop::uninstall(&home, &mut out, &mut notes),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("hookscope: {message}");
            ExitCode::FAILURE
        }
    }
}

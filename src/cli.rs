//! Command-line options, shared by the window and the headless commands.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::capture::Routes;
use crate::listener::{DEFAULT_MAX_BODY, DEFAULT_PORT, ListenerConfig};

#[derive(Debug, Parser)]
#[command(
    name = "hookscope",
    version,
    about = "A native desktop inspector for Human Sourcing webhooks"
)]
pub struct Cli {
    #[command(flatten)]
    pub listen: ListenArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Capture webhooks without a window and write them to a session file.
    Listen {
        #[command(flatten)]
        listen: ListenArgs,
        /// The session file written when capture stops.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Stop after this many requests.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
    },
}

#[derive(Clone, Debug, Args)]
pub struct ListenArgs {
    /// Address to listen on; anything but loopback exposes the listener to the network.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    pub bind: IpAddr,
    /// Port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
    /// Path that receives job webhooks.
    #[arg(long, default_value = "/job", value_name = "PATH")]
    pub job_path: String,
    /// Path that receives candidate webhooks.
    #[arg(long, default_value = "/candidate", value_name = "PATH")]
    pub candidate_path: String,
    /// Largest body accepted, in bytes or with a unit (KiB, MiB, KB, MB).
    #[arg(long, default_value = "10MiB", value_parser = parse_size, value_name = "SIZE")]
    pub max_body: u64,
}

impl ListenArgs {
    pub fn config(&self) -> ListenerConfig {
        ListenerConfig {
            bind: self.bind,
            port: self.port,
            routes: Routes {
                job_path: self.job_path.clone(),
                candidate_path: self.candidate_path.clone(),
            },
            max_body: self.max_body,
        }
    }
}

impl Default for ListenArgs {
    fn default() -> Self {
        let config = ListenerConfig::default();
        Self {
            bind: config.bind,
            port: config.port,
            job_path: config.routes.job_path,
            candidate_path: config.routes.candidate_path,
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

/// "1000", "512KiB", "10MiB", "2MB", "1GiB" → bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("\"{text}\" is not a size such as 1048576, 512KiB or 10MiB"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "kib" => 1 << 10,
        "m" | "mb" => 1_000_000,
        "mib" => 1 << 20,
        "g" | "gb" => 1_000_000_000,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit \"{other}\" (use B, KiB, MiB, GiB, KB, MB or GB)"
            ));
        }
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("\"{text}\" is too large"))
}

/// A byte count for people: "1.5 KiB".
pub fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_and_without_units() {
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("10MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("2 MB"), Ok(2_000_000));
        assert_eq!(parse_size("512kib"), Ok(512 * 1024));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10 parsecs").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
    }

    #[test]
    fn sizes_format_for_people() {
        assert_eq!(format_size(512), "512 B");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(10 * 1024 * 1024), "10 MiB");
    }
}

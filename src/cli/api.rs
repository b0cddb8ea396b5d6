//! `hookscribe api …`: the local HTTP API's token and address (docs/API.md).

use anyhow::Result;
use clap::Subcommand;
use hookscribe::engine::Engine;

use super::print_json;

#[derive(Debug, Subcommand)]
pub enum ApiCommand {
    /// Print the bearer token every request needs (made now if there is none)
    Token {
        /// Make a new token; the old one stops working at once
        #[arg(long)]
        regenerate: bool,
    },
    /// Whether the API is enabled, where it listens, and how to call it
    Info {
        #[arg(long)]
        json: bool,
    },
}

pub fn run(engine: &Engine, command: ApiCommand) -> Result<()> {
    let api = engine.api();
    match command {
        ApiCommand::Token { regenerate } => {
            let token = if regenerate {
                api.regenerate_token()?
            } else {
                api.token()?
            };
            println!("{token}");
        }
        ApiCommand::Info { json } => {
            let info = api.info()?;
            if json {
                return print_json(&info);
            }
            let state = if info.enabled {
                "enabled"
            } else {
                "off (`hookscribe config set api.enabled true`, or `hookscribe run --api`)"
            };
            println!("local API: {state}");
            println!("address:   {}/v1", info.url);
            if !info.loopback_only {
                println!("           (reachable from the network: keep the token secret)");
            }
            println!(
                "uploads:   up to {} MB",
                info.max_upload_bytes / (1024 * 1024)
            );
            println!();
            println!("curl {}/v1/audio/transcriptions \\", info.url);
            println!("  -H \"Authorization: Bearer $(hookscribe api token)\" \\");
            println!("  -F file=@recording.mp3 -F model=whisper-1");
        }
    }
    Ok(())
}

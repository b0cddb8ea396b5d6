//! `hookscribe config …`

use anyhow::Result;
use clap::Subcommand;
use hookscribe::engine::Engine;

use super::print_json;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Every setting with its value and default
    List {
        #[arg(long)]
        json: bool,
    },
    /// One setting's value
    Get {
        key: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a setting (the value is checked first)
    Set {
        key: String,
        value: String,
        #[arg(long)]
        json: bool,
    },
    /// Return a setting to its default
    Unset { key: String },
}

pub fn run(engine: &Engine, command: ConfigCommand) -> Result<()> {
    let settings = engine.settings();
    match command {
        ConfigCommand::List { json } => {
            let rows = settings.list()?;
            if json {
                return print_json(&rows);
            }
            for row in rows {
                let marker = if row.is_set { "" } else { "  (default)" };
                println!("{:<24} {}{marker}", row.key, row.value);
            }
        }
        ConfigCommand::Get { key, json } => {
            let value = settings.get(&key)?;
            if json {
                return print_json(&value);
            }
            println!("{}", value.value);
        }
        ConfigCommand::Set { key, value, json } => {
            let stored = settings.set(&key, &value)?;
            if json {
                return print_json(&serde_json::json!({ "key": key, "value": stored.value }));
            }
            println!("{key} = {}", stored.value);
        }
        ConfigCommand::Unset { key } => {
            let value = settings.unset(&key)?;
            println!("{key} = {} (default)", value.value);
        }
    }
    Ok(())
}

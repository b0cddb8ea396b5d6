//! `hookscribe config …`

use anyhow::Result;
use clap::Subcommand;
use hookscribe::home::Home;
use hookscribe::settings::Settings;
use hookscribe::store::Store;

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

pub fn run(home: &Home, command: ConfigCommand) -> Result<()> {
    let store = Store::open(&home.database_path())?;
    let settings = Settings::new(&store);
    match command {
        ConfigCommand::List { json } => {
            let rows = settings.list()?;
            if json {
                return print_json(&rows);
            }
            for row in rows {
                let marker = if row.is_set { "" } else { "  (default)" };
                println!("{:<18} {}{marker}", row.key, row.value);
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
                return print_json(&serde_json::json!({ "key": key, "value": stored }));
            }
            println!("{key} = {stored}");
        }
        ConfigCommand::Unset { key } => {
            settings.unset(&key)?;
            println!("{key} = {} (default)", settings.get(&key)?.value);
        }
    }
    Ok(())
}

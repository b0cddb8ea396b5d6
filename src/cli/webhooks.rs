//! `hookscribe webhooks …`: endpoints, their secrets, and a test send.

use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use hookscribe::home::Home;
use hookscribe::store::webhooks::{Endpoint, EndpointSettings};
use hookscribe::store::Store;
use hookscribe::webhooks::dispatcher::send_once;
use hookscribe::webhooks::endpoint::{check_url, parse_events, parse_header};
use hookscribe::webhooks::payload::{rfc3339_ms, Format};
use hookscribe::webhooks::signing::Secret;
use serde::Serialize;

use super::print_json;

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Add an endpoint; prints its signing secret (once)
    Add {
        url: String,
        #[command(flatten)]
        options: EndpointArgs,
        /// Use a `whsec_…` secret read from standard input instead of a new one (to keep
        /// a receiver's existing secret; stdin keeps it out of shell history)
        #[arg(long)]
        secret_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// The endpoints
    List {
        #[arg(long)]
        json: bool,
    },
    /// One endpoint; `--reveal` shows its signing secret
    Show {
        id: i64,
        #[arg(long)]
        reveal: bool,
        #[arg(long)]
        json: bool,
    },
    /// Change an endpoint (only what is given changes)
    Update {
        id: i64,
        #[arg(long)]
        url: Option<String>,
        #[command(flatten)]
        options: EndpointArgs,
        /// Remove every custom header first
        #[arg(long)]
        clear_headers: bool,
        #[arg(long)]
        json: bool,
    },
    /// Remove an endpoint with its delivery log
    Remove {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Send again to an endpoint; held messages are sent unless `--skip-held`
    Enable {
        id: i64,
        /// Mark what was held while disabled as failed (still replayable) instead
        #[arg(long)]
        skip_held: bool,
        #[arg(long)]
        json: bool,
    },
    /// Stop sending to an endpoint; its new messages are held
    Disable {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// New signing secret; the old one keeps signing during the grace period
    RotateSecret {
        id: i64,
        /// How long both secrets sign (e.g. 24h, 30m, 0s)
        #[arg(long, default_value = "24h", value_parser = parse_duration)]
        grace: Duration,
        /// Use a `whsec_…` secret read from standard input instead of a new one
        #[arg(long)]
        secret_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Send a `webhook.test` message now and show the answer
    Test {
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct EndpointArgs {
    /// What the endpoint is for
    #[arg(long)]
    description: Option<String>,
    /// Events to send (default: transcription.completed,transcription.failed)
    #[arg(long, value_delimiter = ',')]
    events: Vec<String>,
    /// Body shape: full, compact (size-limited receivers) or flat (Zapier)
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// A header sent with every request, 'Name: value' (repeatable)
    #[arg(long = "header")]
    headers: Vec<String>,
    /// Like --header, with the value masked in listings and the delivery log
    #[arg(long = "secret-header")]
    secret_headers: Vec<String>,
    /// Give up on a request after this long (default 15s)
    #[arg(long, value_parser = parse_duration)]
    timeout: Option<Duration>,
    /// Requests in flight at once to this endpoint (default 4)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    max_concurrency: Option<u32>,
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
const DEFAULT_CONCURRENCY: u32 = 4;

fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("'{text}' is not a duration such as 15s, 2m or 24h ({e})"))
}

impl EndpointArgs {
    /// Applies the given options over `base`.
    fn apply(self, mut base: EndpointSettings) -> Result<EndpointSettings> {
        if let Some(description) = self.description {
            base.description = description;
        }
        if !self.events.is_empty() {
            base.events = parse_events(&self.events)?;
        }
        if let Some(format) = self.format {
            base.format = format;
        }
        let plain = self.headers.iter().map(|h| parse_header(h, false));
        let secret = self.secret_headers.iter().map(|h| parse_header(h, true));
        for header in plain.chain(secret) {
            let header = header?;
            base.headers
                .retain(|h| !h.name.eq_ignore_ascii_case(&header.name));
            base.headers.push(header);
        }
        if let Some(timeout) = self.timeout {
            if timeout < Duration::from_millis(100) || timeout > Duration::from_secs(300) {
                anyhow::bail!(
                    "--timeout {} is out of range: use 100ms to 5m",
                    humantime::format_duration(timeout)
                );
            }
            base.timeout = timeout;
        }
        if let Some(n) = self.max_concurrency {
            base.max_concurrency = n;
        }
        Ok(base)
    }
}

/// An endpoint as shown: the secret masked unless revealed, secret headers masked.
#[derive(Serialize)]
struct EndpointView {
    id: i64,
    url: String,
    description: String,
    events: Vec<&'static str>,
    format: &'static str,
    headers: Vec<(String, String)>,
    timeout_ms: u128,
    max_concurrency: u32,
    secret: String,
    /// The previous secret still signs until then (during a rotation).
    previous_secret_until: Option<String>,
    enabled: bool,
    disabled_reason: Option<String>,
    consecutive_failures: i64,
    last_success_at: Option<String>,
    created_at: String,
}

impl EndpointView {
    fn new(endpoint: &Endpoint, reveal: bool) -> Self {
        Self {
            id: endpoint.id,
            url: endpoint.settings.url.clone(),
            description: endpoint.settings.description.clone(),
            events: endpoint
                .settings
                .events
                .iter()
                .map(|e| e.as_str())
                .collect(),
            format: endpoint.settings.format.as_str(),
            headers: endpoint
                .settings
                .headers
                .iter()
                .map(|h| (h.name.clone(), h.shown_value().to_string()))
                .collect(),
            timeout_ms: endpoint.settings.timeout.as_millis(),
            max_concurrency: endpoint.settings.max_concurrency,
            secret: if reveal {
                endpoint.secret.expose().to_string()
            } else {
                endpoint.secret.masked()
            },
            previous_secret_until: endpoint
                .previous_secret
                .as_ref()
                .filter(|(_, until)| *until > hookscribe::store::jobs::now_ms())
                .map(|(_, until)| rfc3339_ms(*until)),
            enabled: endpoint.disabled.is_none(),
            disabled_reason: endpoint.disabled.as_ref().map(|d| d.reason.clone()),
            consecutive_failures: endpoint.consecutive_failures,
            last_success_at: endpoint.last_success_at.map(rfc3339_ms),
            created_at: rfc3339_ms(endpoint.created_at),
        }
    }
}

pub fn run(home: &Home, command: WebhooksCommand) -> Result<()> {
    let mut store = Store::open(&home.database_path())?;
    match command {
        WebhooksCommand::Add {
            url,
            options,
            secret_stdin,
            json,
        } => {
            let base = EndpointSettings {
                url: check_url(&url)?,
                description: String::new(),
                events: parse_events(&[])?,
                format: Format::Full,
                headers: Vec::new(),
                timeout: DEFAULT_TIMEOUT,
                max_concurrency: DEFAULT_CONCURRENCY,
            };
            let settings = options.apply(base)?;
            let secret = new_secret(secret_stdin)?;
            let id = store.add_endpoint(&settings, &secret)?;
            let endpoint = store.endpoint(id)?;
            if json {
                return print_json(&EndpointView::new(&endpoint, true));
            }
            println!("endpoint {id} added: {}", endpoint.settings.url);
            print_summary(&endpoint);
            println!("signing secret: {}", secret.expose());
            println!("(keep it in your receiver; `hookscribe webhooks show {id} --reveal` shows it again)");
            println!("try it: hookscribe webhooks test {id}");
        }
        WebhooksCommand::List { json } => {
            let endpoints = store.endpoints()?;
            let views: Vec<EndpointView> = endpoints
                .iter()
                .map(|e| EndpointView::new(e, false))
                .collect();
            if json {
                return print_json(&views);
            }
            if views.is_empty() {
                println!("no webhook endpoints; add one with `hookscribe webhooks add URL`");
            }
            for view in views {
                let state = if view.enabled { "enabled" } else { "disabled" };
                println!(
                    "{:>4}  {:<8}  {:<7}  {}  {}",
                    view.id, state, view.format, view.url, view.description
                );
            }
        }
        WebhooksCommand::Show { id, reveal, json } => {
            let endpoint = store.endpoint(id)?;
            let view = EndpointView::new(&endpoint, reveal);
            if json {
                return print_json(&view);
            }
            println!("endpoint {id}: {}", view.url);
            if !view.description.is_empty() {
                println!("description: {}", view.description);
            }
            print_summary(&endpoint);
            for (name, value) in &view.headers {
                println!("header: {name}: {value}");
            }
            println!("signing secret: {}", view.secret);
            if let Some(until) = &view.previous_secret_until {
                println!("the previous secret also signs until {until}");
            }
            if let Some(at) = endpoint.last_success_at {
                println!("last delivery: {}", rfc3339_ms(at));
            }
            if endpoint.consecutive_failures > 0 {
                println!(
                    "failed attempts in a row: {}",
                    endpoint.consecutive_failures
                );
            }
        }
        WebhooksCommand::Update {
            id,
            url,
            options,
            clear_headers,
            json,
        } => {
            let endpoint = store.endpoint(id)?;
            let mut base = endpoint.settings.clone();
            if let Some(url) = url {
                base.url = check_url(&url)?;
            }
            if clear_headers {
                base.headers.clear();
            }
            let settings = options.apply(base)?;
            store.update_endpoint(id, &settings)?;
            let endpoint = store.endpoint(id)?;
            if json {
                return print_json(&EndpointView::new(&endpoint, false));
            }
            println!("endpoint {id} updated");
            print_summary(&endpoint);
        }
        WebhooksCommand::Remove { id, json } => {
            let messages = store.remove_endpoint(id)?;
            if json {
                return print_json(&serde_json::json!({ "id": id, "messages_removed": messages }));
            }
            println!("endpoint {id} removed, with {messages} message(s) in its delivery log");
        }
        WebhooksCommand::Enable {
            id,
            skip_held,
            json,
        } => {
            let held = store.enable_endpoint(id, skip_held)?;
            if json {
                let key = if skip_held {
                    "held_skipped"
                } else {
                    "held_released"
                };
                return print_json(&serde_json::json!({ "id": id, "enabled": true, key: held }));
            }
            match (held, skip_held) {
                (0, _) => println!("endpoint {id} enabled"),
                (n, false) => println!(
                    "endpoint {id} enabled; {n} held message(s) will be sent by `hookscribe run` or the app"
                ),
                (n, true) => println!(
                    "endpoint {id} enabled; {n} held message(s) skipped (marked failed; `hookscribe deliveries replay` can still send them)"
                ),
            }
        }
        WebhooksCommand::Disable { id, json } => {
            store.disable_endpoint(id, "disabled by the user")?;
            if json {
                return print_json(&EndpointView::new(&store.endpoint(id)?, false));
            }
            println!("endpoint {id} disabled; its new messages are held until `hookscribe webhooks enable {id}`");
        }
        WebhooksCommand::RotateSecret {
            id,
            grace,
            secret_stdin,
            json,
        } => {
            store.endpoint(id)?;
            let secret = new_secret(secret_stdin)?;
            store.rotate_secret(id, &secret, grace)?;
            let until = rfc3339_ms(hookscribe::store::jobs::now_ms() + grace.as_millis() as i64);
            if json {
                return print_json(&serde_json::json!({
                    "id": id,
                    "secret": secret.expose(),
                    "previous_secret_until": until,
                }));
            }
            println!("new signing secret for endpoint {id}: {}", secret.expose());
            if grace.is_zero() {
                println!("the old secret no longer signs");
            } else {
                println!(
                    "until {until} requests carry signatures with both the old and the new secret"
                );
            }
        }
        WebhooksCommand::Test { id, json } => test(&mut store, id, json)?,
    }
    Ok(())
}

/// A generated secret, or (`from_stdin`) the one on standard input's first line.
fn new_secret(from_stdin: bool) -> Result<Secret> {
    if !from_stdin {
        return Ok(Secret::generate()?);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the secret from standard input")?;
    Secret::parse(line.trim()).context("the secret on standard input is not usable")
}

fn print_summary(endpoint: &Endpoint) {
    let events: Vec<&str> = endpoint
        .settings
        .events
        .iter()
        .map(|e| e.as_str())
        .collect();
    println!(
        "events: {} · format: {} · timeout: {} · up to {} request(s) at once",
        events.join(", "),
        endpoint.settings.format.as_str(),
        humantime::format_duration(endpoint.settings.timeout),
        endpoint.settings.max_concurrency
    );
    if let Some(disabled) = &endpoint.disabled {
        println!(
            "DISABLED since {}: {}",
            rfc3339_ms(disabled.at),
            disabled.reason
        );
    }
}

#[derive(Serialize)]
struct TestReport<'a> {
    message_id: i64,
    webhook_id: &'a str,
    delivered: bool,
    response_status: Option<u16>,
    duration_ms: i64,
    error: Option<&'a str>,
    response_body: Option<&'a str>,
}

fn test(store: &mut Store, id: i64, json: bool) -> Result<()> {
    let endpoint = store.endpoint(id)?;
    let message = store.add_test_message(&endpoint)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the HTTP client")?;
    let (result, _) = runtime.block_on(send_once(store, message))?;
    let webhook_id = store.message(message)?.webhook_id;
    let delivered = result.verdict == hookscribe::webhooks::policy::Verdict::Delivered;
    let record = &result.record;
    if json {
        print_json(&TestReport {
            message_id: message,
            webhook_id: &webhook_id,
            delivered,
            response_status: record.response_status,
            duration_ms: record.duration_ms,
            error: record.error.as_deref(),
            response_body: record.response_body.as_deref(),
        })?;
    } else {
        println!(
            "webhook.test to {} → {} in {} ms",
            endpoint.settings.url, result.summary, record.duration_ms
        );
        if let Some(body) = record.response_body.as_deref().filter(|b| !b.is_empty()) {
            let excerpt = hookscribe::webhooks::payload::excerpt(body, 300);
            println!("response: {excerpt}");
        }
        println!("logged as delivery {message} (`hookscribe deliveries show {message}`)");
        if endpoint.disabled.is_some() {
            println!("note: endpoint {id} is disabled; `hookscribe webhooks enable {id}` sends its messages again");
        }
    }
    if !delivered {
        anyhow::bail!("the test message was not delivered: {}", result.summary);
    }
    Ok(())
}

//! `hookscribe webhooks …`: endpoints, their secrets, and a test send.

use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use hookscribe::engine::{
    BodyFormat, EndpointPatch, EndpointRequest, EndpointView, Engine, EngineError, HeaderRequest,
    Subject,
};

use super::{parse_duration, print_json, time};

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
        /// Remove this custom header (repeatable)
        #[arg(long = "remove-header")]
        remove_headers: Vec<String>,
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
    #[arg(long)]
    format: Option<BodyFormat>,
    /// A header sent with every request, 'Name: value' (repeatable)
    #[arg(long = "header")]
    headers: Vec<String>,
    /// Like --header, with the value masked in listings and the delivery log
    #[arg(long = "secret-header")]
    secret_headers: Vec<String>,
    /// A secret header whose value is read from standard input, one line per use of this
    /// flag, after the signing secret of --secret-stdin (keeps the value out of `ps` and
    /// shell history)
    #[arg(long = "secret-header-stdin", value_name = "NAME")]
    secret_headers_stdin: Vec<String>,
    /// Give up on a request after this long (default 15s)
    #[arg(long, value_parser = parse_duration)]
    timeout: Option<Duration>,
    /// Requests in flight at once to this endpoint (default 4)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    max_concurrency: Option<u32>,
    /// Whether 401, 403 and 404 answers are retried on the schedule (true, the default:
    /// a receiver being deployed answers them for a while) or fail at once (false)
    #[arg(long, value_name = "true|false")]
    retry_client_errors: Option<bool>,
}

impl EndpointArgs {
    /// `--header`, `--secret-header` and `--secret-header-stdin` values as requests
    /// (the last read from standard input, in the order given).
    fn headers(&self) -> Result<Vec<HeaderRequest>> {
        let plain = self.headers.iter().map(|h| (h, false));
        let secret = self.secret_headers.iter().map(|h| (h, true));
        let mut headers = plain
            .chain(secret)
            .map(|(text, secret)| {
                let (name, value) = text.split_once(':').ok_or_else(|| {
                    anyhow::anyhow!("'{text}' is not a header; write it as 'Name: value'")
                })?;
                Ok(HeaderRequest {
                    name: name.to_string(),
                    value: value.to_string(),
                    secret,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        for name in &self.secret_headers_stdin {
            headers.push(HeaderRequest {
                name: name.clone(),
                value: stdin_line(&format!("the value of the {name} header"))?.ok_or_else(
                    || {
                        anyhow::anyhow!(
                            "standard input ended before the value of the {name} header: \
                             give one line per --secret-header-stdin"
                        )
                    },
                )?,
                secret: true,
            });
        }
        Ok(headers)
    }

    fn timeout_ms(&self) -> Option<i64> {
        self.timeout.map(|t| t.as_millis() as i64)
    }
}

pub fn run(engine: &Engine, command: WebhooksCommand) -> Result<()> {
    let endpoints = engine.endpoints();
    match command {
        WebhooksCommand::Add {
            url,
            options,
            secret_stdin,
            json,
        } => {
            // Standard input holds the signing secret first, then secret header values.
            let secret = secret_stdin.then(read_secret).transpose()?;
            let created = endpoints
                .add(&EndpointRequest {
                    url,
                    description: options.description.clone(),
                    events: options.events.clone(),
                    format: options.format,
                    headers: options.headers()?,
                    timeout_ms: options.timeout_ms(),
                    max_concurrency: options.max_concurrency,
                    retry_client_errors: options.retry_client_errors,
                    secret,
                })
                .map_err(|e| from_stdin(e, secret_stdin))?;
            if json {
                return print_json(&created);
            }
            let endpoint = &created.endpoint;
            println!("endpoint {} added: {}", endpoint.id, endpoint.url);
            print_summary(endpoint);
            println!("signing secret: {}", created.secret);
            println!(
                "(keep it in your receiver; `hookscribe webhooks show {} --reveal` shows it again)",
                endpoint.id
            );
            println!("try it: hookscribe webhooks test {}", endpoint.id);
        }
        WebhooksCommand::List { json } => {
            let views = endpoints.list()?;
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
                    view.id,
                    state,
                    view.format.as_str(),
                    view.url,
                    view.description
                );
            }
        }
        WebhooksCommand::Show { id, reveal, json } => {
            let mut view = endpoints.get(id)?;
            if reveal {
                view.secret = endpoints.reveal_secret(id)?;
            }
            if json {
                return print_json(&view);
            }
            println!("endpoint {id}: {}", view.url);
            if !view.description.is_empty() {
                println!("description: {}", view.description);
            }
            print_summary(&view);
            for header in &view.headers {
                println!("header: {}: {}", header.name, header.value);
            }
            println!("signing secret: {}", view.secret);
            if let Some(until) = view.previous_secret_until {
                println!("the previous secret also signs until {}", time(until));
            }
            let health = &view.health;
            if let Some(at) = health.last_success_at {
                println!("last delivery: {}", time(at));
            }
            if let Some(rate) = health.success_rate {
                println!(
                    "last 7 days: {} of {} attempts delivered ({:.0}%)",
                    health.succeeded,
                    health.attempts,
                    rate * 100.0
                );
            }
            if let (Some(at), Some(error)) = (health.last_failure_at, &health.last_failure) {
                println!("last failure: {} ({error})", time(at));
            }
            if health.consecutive_failures > 0 {
                println!("failed attempts in a row: {}", health.consecutive_failures);
            }
        }
        WebhooksCommand::Update {
            id,
            url,
            options,
            clear_headers,
            remove_headers,
            json,
        } => {
            let view = endpoints.update(
                id,
                &EndpointPatch {
                    url,
                    description: options.description.clone(),
                    events: (!options.events.is_empty()).then(|| options.events.clone()),
                    format: options.format,
                    clear_headers,
                    remove_headers,
                    headers: options.headers()?,
                    timeout_ms: options.timeout_ms(),
                    max_concurrency: options.max_concurrency,
                    retry_client_errors: options.retry_client_errors,
                },
            )?;
            if json {
                return print_json(&view);
            }
            println!("endpoint {id} updated");
            print_summary(&view);
        }
        WebhooksCommand::Remove { id, json } => {
            let removed = endpoints.remove(id)?;
            if json {
                return print_json(&removed);
            }
            println!(
                "endpoint {id} removed, with {} message(s) in its delivery log",
                removed.messages_removed
            );
        }
        WebhooksCommand::Enable {
            id,
            skip_held,
            json,
        } => {
            let enabled = endpoints.enable(id, skip_held)?;
            if json {
                return print_json(&enabled);
            }
            match (enabled.held, skip_held) {
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
            let view = endpoints.disable(id)?;
            if json {
                return print_json(&view);
            }
            println!("endpoint {id} disabled; its new messages are held until `hookscribe webhooks enable {id}`");
        }
        WebhooksCommand::RotateSecret {
            id,
            grace,
            secret_stdin,
            json,
        } => {
            let secret = secret_stdin.then(read_secret).transpose()?;
            let rotated = endpoints
                .rotate_secret(id, grace, secret.as_deref())
                .map_err(|e| from_stdin(e, secret_stdin))?;
            if json {
                return print_json(&rotated);
            }
            println!("new signing secret for endpoint {id}: {}", rotated.secret);
            if grace.is_zero() {
                println!("the old secret no longer signs");
            } else {
                println!(
                    "until {} requests carry signatures with both the old and the new secret",
                    time(rotated.previous_secret_until)
                );
            }
        }
        WebhooksCommand::Test { id, json } => {
            let report = engine.block_on(endpoints.test(id))?;
            if json {
                print_json(&report)?;
            } else {
                println!(
                    "webhook.test to {} → {} in {} ms",
                    report.url, report.summary, report.duration_ms
                );
                if let Some(body) = report.response_body.as_deref().filter(|b| !b.is_empty()) {
                    println!("response: {}", excerpt(body, 300));
                }
                println!(
                    "logged as delivery {0} (`hookscribe deliveries show {0}`)",
                    report.message_id
                );
                if report.endpoint_disabled {
                    println!("note: endpoint {id} is disabled; `hookscribe webhooks enable {id}` sends its messages again");
                }
            }
            if !report.delivered {
                anyhow::bail!("the test message was not delivered: {}", report.summary);
            }
        }
    }
    Ok(())
}

/// Says where a refused secret came from.
fn from_stdin(error: EngineError, secret_stdin: bool) -> anyhow::Error {
    if secret_stdin && error.subject == Some(Subject::Field("secret".into())) {
        return anyhow::anyhow!("the secret on standard input is not usable: {error}");
    }
    error.into()
}

/// The `whsec_…` secret on standard input's first line.
pub fn read_secret() -> Result<String> {
    // An empty or missing line is refused by the engine, naming the secret.
    Ok(stdin_line("the secret")?.unwrap_or_default())
}

/// One line of standard input, trimmed, or `None` when it has ended; `what` names it in
/// errors.
fn stdin_line(what: &str) -> Result<Option<String>> {
    let mut line = String::new();
    let read = std::io::stdin()
        .read_line(&mut line)
        .with_context(|| format!("cannot read {what} from standard input"))?;
    Ok((read > 0).then(|| line.trim().to_string()))
}

fn print_summary(endpoint: &EndpointView) {
    let events: Vec<&str> = endpoint.events.iter().map(|e| e.as_str()).collect();
    println!(
        "events: {} · format: {} · timeout: {} · up to {} request(s) at once · 401/403/404 {}",
        events.join(", "),
        endpoint.format.as_str(),
        humantime::format_duration(Duration::from_millis(endpoint.timeout_ms.max(0) as u64)),
        endpoint.max_concurrency,
        if endpoint.retry_client_errors {
            "retried"
        } else {
            "final"
        }
    );
    if let Some(disabled) = &endpoint.disabled {
        println!("DISABLED since {}: {}", time(disabled.at), disabled.reason);
    }
}

/// At most `max` characters, with `…` when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}

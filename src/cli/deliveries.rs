//! `hookscribe deliveries …`: the delivery log, and replays.

use std::time::Duration;

use anyhow::Result;
use clap::Subcommand;
use hookscribe::home::Home;
use hookscribe::store::jobs::now_ms;
use hookscribe::store::webhooks::{Attempt, DeliveryStatus, Message, MessageFilter};
use hookscribe::store::Store;
use hookscribe::webhooks::payload::rfc3339_ms;
use serde::Serialize;

use super::print_json;

#[derive(Debug, Subcommand)]
pub enum DeliveriesCommand {
    /// Messages, newest first
    List {
        #[arg(long, value_enum)]
        status: Option<DeliveryStatus>,
        #[arg(long)]
        endpoint: Option<i64>,
        #[arg(long)]
        job: Option<i64>,
        /// Only those created since, e.g. 2h, 3days or 2026-11-23T10:00:00Z
        #[arg(long, value_parser = parse_time)]
        since: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// One message: its body and every attempt
    Show {
        id: i64,
        #[arg(long)]
        json: bool,
    },
    /// Send a message again (same webhook-id and body), or every failed one since a time
    Replay {
        #[arg(
            required_unless_present = "failed_since",
            conflicts_with = "failed_since"
        )]
        id: Option<i64>,
        /// Send a copy to this endpoint instead of the message's own
        #[arg(long)]
        endpoint: Option<i64>,
        /// Replay every failed message created since, e.g. 24h or 2026-11-23T10:00:00Z
        #[arg(long, value_parser = parse_time)]
        failed_since: Option<i64>,
        #[arg(long)]
        json: bool,
    },
}

/// A time as unix ms: an RFC 3339 date, or a duration meaning that long ago.
fn parse_time(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(ago) = humantime::parse_duration(text) {
        return Ok(now_ms() - ago.as_millis() as i64);
    }
    humantime::parse_rfc3339_weak(text)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_millis() as i64)
        .ok_or_else(|| {
            format!("'{text}' is neither a duration (2h, 3days) nor a time (2026-11-23T10:00:00Z)")
        })
}

#[derive(Serialize)]
struct MessageDetail {
    #[serde(flatten)]
    message: Message,
    endpoint_url: Option<String>,
    body: serde_json::Value,
    attempts: Vec<Attempt>,
}

pub fn run(home: &Home, command: DeliveriesCommand) -> Result<()> {
    let store = Store::open(&home.database_path())?;
    match command {
        DeliveriesCommand::List {
            status,
            endpoint,
            job,
            since,
            limit,
            json,
        } => {
            let messages = store.messages(&MessageFilter {
                status,
                endpoint,
                job,
                since,
                limit,
            })?;
            if json {
                return print_json(&messages);
            }
            if messages.is_empty() {
                println!("no deliveries match");
            }
            for message in &messages {
                println!(
                    "{:>6}  {:<9}  {:<23}  endpoint {:<3}  job {:<5}  {} attempt(s)  {}",
                    message.id,
                    message.status.as_str(),
                    message.event.as_str(),
                    message.endpoint_id,
                    message.job_id.map(|j| j.to_string()).unwrap_or("-".into()),
                    message.attempts,
                    state_line(message)
                );
            }
        }
        DeliveriesCommand::Show { id, json } => {
            let message = store.message(id)?;
            let body = store.message_body(id)?;
            let detail = MessageDetail {
                endpoint_url: store
                    .endpoint(message.endpoint_id)
                    .ok()
                    .map(|e| e.settings.url),
                body: serde_json::from_slice(&body).unwrap_or_else(|_| {
                    serde_json::Value::String(String::from_utf8_lossy(&body).into())
                }),
                attempts: store.attempts(id)?,
                message,
            };
            if json {
                return print_json(&detail);
            }
            print_detail(&detail, body.len());
        }
        DeliveriesCommand::Replay {
            id,
            endpoint,
            failed_since,
            json,
        } => {
            let ids = match (id, failed_since) {
                (Some(id), _) => vec![store.replay(id, endpoint)?],
                (None, Some(since)) => store.replay_failed_since(since)?,
                (None, None) => anyhow::bail!("name a delivery ID or --failed-since TIME"),
            };
            let replayed = ids
                .iter()
                .map(|id| store.message(*id))
                .collect::<Result<Vec<_>, _>>()?;
            if json {
                return print_json(&replayed);
            }
            if replayed.is_empty() {
                println!("no failed deliveries since then");
                return Ok(());
            }
            for message in &replayed {
                let id = message.id;
                println!(
                    "delivery {id} ({}) to endpoint {} is {}",
                    message.webhook_id,
                    message.endpoint_id,
                    message.status.as_str()
                );
            }
            println!("`hookscribe run` or the app sends them now; `hookscribe deliveries show ID` shows the result");
        }
    }
    Ok(())
}

/// The most useful fact about where a message stands.
fn state_line(message: &Message) -> String {
    match message.status {
        DeliveryStatus::Delivered => message
            .delivered_at
            .map(|at| format!("delivered {}", rfc3339_ms(at)))
            .unwrap_or_default(),
        DeliveryStatus::Pending => match message.next_attempt_at {
            Some(at) if at > now_ms() => format!(
                "next attempt in {}{}",
                humantime::format_duration(Duration::from_secs(((at - now_ms()) / 1000) as u64)),
                last_error(message)
            ),
            _ => format!("due now{}", last_error(message)),
        },
        DeliveryStatus::Failed | DeliveryStatus::Held => {
            message.last_error.clone().unwrap_or_default()
        }
    }
}

fn last_error(message: &Message) -> String {
    message
        .last_error
        .as_ref()
        .map(|e| format!(" (last: {e})"))
        .unwrap_or_default()
}

fn print_detail(detail: &MessageDetail, body_bytes: usize) {
    let message = &detail.message;
    println!(
        "delivery {} · {} · {}",
        message.id,
        message.event,
        message.status.as_str()
    );
    println!("webhook-id: {}", message.webhook_id);
    println!(
        "endpoint {}: {}",
        message.endpoint_id,
        detail.endpoint_url.as_deref().unwrap_or("(removed)")
    );
    if let Some(job) = message.job_id {
        println!("job: {job}");
    }
    println!("created: {}", rfc3339_ms(message.created_at));
    println!("state: {}", state_line(message));
    let pretty = serde_json::to_string_pretty(&detail.body).unwrap_or_default();
    println!("body ({body_bytes} bytes):");
    println!("{}", hookscribe::webhooks::payload::excerpt(&pretty, 2000));
    for (index, attempt) in detail.attempts.iter().map(|a| &a.record).enumerate() {
        println!();
        let outcome = match (attempt.response_status, &attempt.error) {
            (Some(status), None) => format!("HTTP {status}"),
            (_, Some(error)) => format!(
                "{}: {error}",
                attempt.error_kind.map(|k| k.as_str()).unwrap_or("error")
            ),
            (None, None) => "no answer".into(),
        };
        println!(
            "attempt {} · {} · {} ms · {outcome}",
            index + 1,
            rfc3339_ms(attempt.attempted_at),
            attempt.duration_ms
        );
        println!("  POST {}", attempt.url);
        for (name, value) in &attempt.request_headers {
            println!("  > {name}: {value}");
        }
        for (name, value) in &attempt.response_headers {
            println!("  < {name}: {value}");
        }
        if let Some(body) = attempt.response_body.as_deref().filter(|b| !b.is_empty()) {
            println!("  < {}", hookscribe::webhooks::payload::excerpt(body, 500));
        }
    }
}

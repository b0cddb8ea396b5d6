//! `hookscribe deliveries …`: the delivery log, and replays.

use std::time::Duration;

use anyhow::Result;
use clap::Subcommand;
use hookscribe::engine::{
    now_ms, parse_message_status, DeliveryQuery, Engine, MessageDetail, MessageStatus, MessageView,
};

use super::webhooks::excerpt;
use super::{parse_time, print_json, time};

#[derive(Debug, Subcommand)]
pub enum DeliveriesCommand {
    /// Messages, newest first
    List {
        #[arg(long, value_parser = parse_message_status)]
        status: Option<MessageStatus>,
        #[arg(long)]
        endpoint: Option<i64>,
        #[arg(long)]
        job: Option<i64>,
        /// Only this event (transcription.completed, transcription.failed, webhook.test)
        #[arg(long)]
        event: Option<String>,
        /// Only those created since, e.g. 2h, 3days or 2026-11-23T10:00:00Z
        #[arg(long, value_parser = parse_time)]
        since: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
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

pub fn run(engine: &Engine, command: DeliveriesCommand) -> Result<()> {
    let deliveries = engine.deliveries();
    match command {
        DeliveriesCommand::List {
            status,
            endpoint,
            job,
            event,
            since,
            limit,
            offset,
            json,
        } => {
            let page = deliveries.list(&DeliveryQuery {
                status,
                endpoint,
                job,
                event,
                since,
                limit: Some(limit),
                offset: Some(offset),
            })?;
            if json {
                return print_json(&page);
            }
            if page.items.is_empty() {
                println!("no deliveries match");
            }
            for message in &page.items {
                println!(
                    "{:>6}  {:<9}  {:<23}  endpoint {:<3}  job {:<5}  {} attempt(s)  {}",
                    message.id,
                    message.status.as_str(),
                    message.event,
                    message.endpoint_id,
                    message.job_id.map(|j| j.to_string()).unwrap_or("-".into()),
                    message.attempts,
                    state_line(message)
                );
            }
            let shown = page.offset + page.items.len();
            if (shown as i64) < page.total {
                eprintln!(
                    "{shown} of {} deliveries shown; `--offset {shown}` shows the next",
                    page.total
                );
            }
        }
        DeliveriesCommand::Show { id, json } => {
            let detail = deliveries.show(id)?;
            if json {
                return print_json(&detail);
            }
            print_detail(&detail);
        }
        DeliveriesCommand::Replay {
            id,
            endpoint,
            failed_since,
            json,
        } => {
            let replayed = match (id, failed_since) {
                (Some(id), _) => vec![deliveries.replay(id, endpoint)?],
                (None, Some(since)) => deliveries.replay_failed_since(since)?,
                (None, None) => anyhow::bail!("name a delivery ID or --failed-since TIME"),
            };
            if json {
                return print_json(&replayed);
            }
            if replayed.is_empty() {
                println!("no failed deliveries since then");
                return Ok(());
            }
            for message in &replayed {
                println!(
                    "delivery {} ({}) to endpoint {} is {}",
                    message.id,
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
fn state_line(message: &MessageView) -> String {
    match message.status {
        MessageStatus::Delivered => message
            .delivered_at
            .map(|at| format!("delivered {}", time(at)))
            .unwrap_or_default(),
        MessageStatus::Pending => match message.next_attempt_at {
            Some(at) if at > now_ms() => format!(
                "next attempt in {}{}",
                humantime::format_duration(Duration::from_secs(((at - now_ms()) / 1000) as u64)),
                last_error(message)
            ),
            _ => format!("due now{}", last_error(message)),
        },
        MessageStatus::Failed | MessageStatus::Held => {
            message.last_error.clone().unwrap_or_default()
        }
    }
}

fn last_error(message: &MessageView) -> String {
    message
        .last_error
        .as_ref()
        .map(|e| format!(" (last: {e})"))
        .unwrap_or_default()
}

fn print_detail(detail: &MessageDetail) {
    let message = &detail.message;
    println!(
        "delivery {} · {} · {}",
        message.id,
        message.event,
        message.status.as_str()
    );
    println!("webhook-id: {}", message.webhook_id);
    println!(
        "endpoint {}: {}{}",
        message.endpoint_id,
        detail.endpoint_url.as_deref().unwrap_or("(removed)"),
        if message.job_webhook {
            " (the job's own webhook URL)"
        } else {
            ""
        }
    );
    if let Some(job) = message.job_id {
        match &message.job_file_name {
            Some(name) => println!("job: {job} ({name})"),
            None => println!("job: {job}"),
        }
    }
    println!("created: {}", time(message.created_at));
    println!("state: {}", state_line(message));
    let pretty = serde_json::to_string_pretty(&detail.body).unwrap_or_default();
    println!("body ({} bytes):", detail.body_bytes);
    println!("{}", excerpt(&pretty, 2000));
    for (index, attempt) in detail.attempts.iter().enumerate() {
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
            time(attempt.attempted_at),
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
            println!("  < {}", excerpt(body, 500));
        }
    }
}

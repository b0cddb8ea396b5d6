//! Many jobs to many endpoints: each delivered once.

use super::*;

#[test]
fn a_thousand_jobs_to_three_endpoints_are_each_delivered() {
    let (_dir, home) = setup("200ms,1s,2s");
    let receivers: Vec<Receiver> = (0..3)
        .map(|_| Receiver::start(Reply::Status(200)))
        .collect();
    let formats = ["full", "compact", "flat"];
    for (receiver, format) in receivers.iter().zip(formats) {
        add_endpoint(&home, &receiver.url, &["--format", format]);
    }
    let mut jobs = HashSet::new();
    {
        let mut store = store(&home);
        for n in 0..1000 {
            jobs.insert(completed_job(
                &mut store,
                &format!("{n}.wav"),
                &format!("recording {n}"),
            ));
        }
    }
    assert_eq!(messages(&home).len(), 3000, "three outbox rows per job");
    let _daemon = Daemon::start(&home);
    for receiver in &receivers {
        receiver.wait_for(1000, Duration::from_secs(180));
    }
    wait_for("3000 deliveries recorded", Duration::from_secs(30), || {
        store(&home).message_counts().unwrap() == [(MessageStatus::Delivered, 3000)]
    });
    for (receiver, format) in receivers.iter().zip(formats) {
        let received = receiver.received();
        let job_ids: HashSet<i64> = received
            .iter()
            .map(|r| {
                let body = r.json();
                if format == "flat" {
                    body["job_id"].as_i64().unwrap()
                } else {
                    body["data"]["job_id"].as_i64().unwrap()
                }
            })
            .collect();
        assert_eq!(job_ids, jobs, "{format}: every job once");
        assert_eq!(received.len(), 1000, "{format}: no duplicates");
    }
}

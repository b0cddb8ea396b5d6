//! Kills and stops at any moment: nothing acknowledged is sent again, nothing is lost.

use super::*;

#[test]
fn a_sigkill_between_attempts_loses_nothing_and_resends_nothing_acknowledged() {
    let (_dir, home) = setup("3s");
    let flaky = Receiver::start(Reply::Status(200));
    flaky.then([Reply::Status(500)]);
    let steady = Receiver::start(Reply::Status(200));
    add_endpoint(&home, &flaky.url, &[]);
    add_endpoint(&home, &steady.url, &[]);
    {
        let mut store = store(&home);
        for n in 0..5 {
            completed_job(&mut store, &format!("{n}.wav"), "hello");
        }
    }
    let daemon = Daemon::start(&home);
    steady.wait_for(5, Duration::from_secs(20));
    flaky.wait_for(5, Duration::from_secs(20));
    // One flaky message failed once and waits 3 s for its retry: kill now.
    wait_for(
        "the delivered messages to be recorded",
        Duration::from_secs(5),
        || {
            store(&home)
                .message_counts()
                .unwrap()
                .contains(&(MessageStatus::Delivered, 9))
        },
    );
    daemon.kill9();

    let _daemon = Daemon::start(&home);
    flaky.wait_for(6, Duration::from_secs(20));
    wait_for("every message delivered", Duration::from_secs(20), || {
        store(&home).message_counts().unwrap() == [(MessageStatus::Delivered, 10)]
    });
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(steady.count(), 5, "nothing acknowledged is sent again");
    assert_eq!(flaky.count(), 6, "only the failed one is retried");
    let ids: HashSet<String> = flaky
        .received()
        .iter()
        .map(|r| r.header("webhook-id").to_string())
        .collect();
    assert_eq!(ids.len(), 5);
}

#[test]
fn a_sigkill_during_an_attempt_resends_at_the_next_start_without_waiting_for_the_lease() {
    let (_dir, home) = setup("1s");
    let receiver = Receiver::start(Reply::Status(200));
    receiver.then([Reply::Hang]);
    add_endpoint(&home, &receiver.url, &["--timeout", "20s"]);
    completed_job(&mut store(&home), "a.wav", "in flight");
    let message = only_message(&home);
    let daemon = Daemon::start(&home);
    receiver.wait_for(1, Duration::from_secs(20));
    daemon.kill9(); // the request is still waiting for its answer

    let restarted = Instant::now();
    let _daemon = Daemon::start(&home);
    let received = receiver.wait_for(2, Duration::from_secs(15));
    assert!(
        restarted.elapsed() < Duration::from_secs(10),
        "a dead process's lease (20 s timeout + 30 s) is released at start: {:?}",
        restarted.elapsed()
    );
    assert_eq!(
        received[0].header("webhook-id"),
        received[1].header("webhook-id")
    );
    let delivered = wait_status(
        &home,
        message.id,
        MessageStatus::Delivered,
        Duration::from_secs(5),
    );
    assert_eq!(
        delivered.attempts, 1,
        "the interrupted attempt left no record; the resend did"
    );
}

#[test]
fn sigterm_waits_a_moment_for_an_answer_in_flight_and_records_it() {
    let (_dir, home) = setup("1s");
    let receiver = Receiver::start(Reply::Status(200));
    receiver.then([Reply::After(Duration::from_secs(2), 200)]);
    add_endpoint(&home, &receiver.url, &["--timeout", "60s"]);
    completed_job(&mut store(&home), "a.wav", "in flight");
    let message = only_message(&home);
    let daemon = Daemon::start(&home);
    receiver.wait_for(1, Duration::from_secs(20));
    daemon.terminate();
    // Recorded before the process left: delivered once, never sent again.
    let delivered = store(&home).message(message.id).unwrap();
    assert_eq!(delivered.status, MessageStatus::Delivered);
    assert_eq!(delivered.attempts, 1);
    let _daemon = Daemon::start(&home);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(receiver.count(), 1, "the receiver got it once");
}

#[test]
fn sigterm_does_not_wait_for_a_hanging_receiver_and_releases_the_message() {
    let (_dir, home) = setup("1s");
    let receiver = Receiver::start(Reply::Status(200));
    receiver.then([Reply::Hang]);
    add_endpoint(&home, &receiver.url, &["--timeout", "60s"]);
    completed_job(&mut store(&home), "a.wav", "in flight");
    let message = only_message(&home);
    let daemon = Daemon::start(&home);
    receiver.wait_for(1, Duration::from_secs(20));
    let stopping = Instant::now();
    let log = daemon.terminate();
    assert!(
        stopping.elapsed() < Duration::from_secs(10),
        "stopped in {:?}",
        stopping.elapsed()
    );
    assert!(log.contains("sent again at the next start"), "{log}");
    let conn = rusqlite::Connection::open(home.database_path()).unwrap();
    let logged: String = conn
        .query_row(
            "SELECT error_kind FROM attempts WHERE message_id = ?1",
            [message.id],
            |r| r.get(0),
        )
        .expect("the request that went out is in the log");
    assert_eq!(logged, "interrupted");
    let leased: i64 = conn
        .query_row(
            "SELECT count(*) FROM messages WHERE locked_by IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        leased, 0,
        "the interrupted message is free for the next start"
    );
    let _daemon = Daemon::start(&home);
    wait_status(
        &home,
        message.id,
        MessageStatus::Delivered,
        Duration::from_secs(10),
    );
}

//! The folders service: options checked field by field, live states.

use super::*;
use hookscribe::engine::{After, EndpointRequest, FolderOptions, FolderRequest, FolderState};

#[test]
fn folder_options_are_checked_and_a_folder_is_watched_once() {
    let (dir, engine) = engine();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let folders = engine.folders();
    let request = |options: FolderOptions| FolderRequest {
        path: inbox.clone(),
        options,
    };

    let file = dir.path().join("file.wav");
    std::fs::write(&file, b"x").unwrap();
    expect_error(
        folders.add(&FolderRequest {
            path: file,
            options: FolderOptions::default(),
        }),
        ErrorKind::InvalidInput,
        None,
    );
    expect_error(
        folders.add(&FolderRequest {
            path: dir.path().join("nope"),
            options: FolderOptions::default(),
        }),
        ErrorKind::NotFound,
        None,
    );
    for (options, field) in [
        (
            FolderOptions {
                include: vec!["[".into()],
                ..FolderOptions::default()
            },
            "include",
        ),
        (
            FolderOptions {
                output_dir: Some("../elsewhere".into()),
                ..FolderOptions::default()
            },
            "output_dir",
        ),
        (
            FolderOptions {
                after: After::Move("/tmp".into()),
                ..FolderOptions::default()
            },
            "after",
        ),
        (
            FolderOptions {
                stable_ms: 5,
                ..FolderOptions::default()
            },
            "stable_ms",
        ),
        (
            FolderOptions {
                language: Some("xx".into()),
                ..FolderOptions::default()
            },
            "language",
        ),
        (
            FolderOptions {
                model: Some("huge-v9".into()),
                ..FolderOptions::default()
            },
            "model",
        ),
        (
            FolderOptions {
                metadata: Some(serde_json::json!("text")),
                ..FolderOptions::default()
            },
            "metadata",
        ),
    ] {
        expect_error(
            folders.add(&request(options)),
            ErrorKind::InvalidInput,
            Some(Subject::Field(field.into())),
        );
    }
    let missing_endpoint = FolderOptions {
        webhooks: Some(vec![42]),
        ..FolderOptions::default()
    };
    expect_error(
        folders.add(&request(missing_endpoint)),
        ErrorKind::NotFound,
        Some(Subject::Endpoint(42)),
    );
    assert!(folders.list().unwrap().is_empty(), "nothing was added");

    let endpoint = engine
        .endpoints()
        .add(&EndpointRequest {
            url: "http://127.0.0.1:9/hook".into(),
            ..EndpointRequest::default()
        })
        .unwrap()
        .endpoint;
    let options = FolderOptions {
        webhooks: Some(vec![endpoint.id]),
        metadata: Some(serde_json::json!({"team": "sales"})),
        ..FolderOptions::default()
    };
    let added = folders.add(&request(options.clone())).unwrap();
    assert_eq!(added.options, options);
    assert_eq!(added.state, FolderState::Watching);
    let message = expect_error(
        folders.add(&request(FolderOptions::default())),
        ErrorKind::Conflict,
        None,
    );
    assert!(message.contains("already watched"), "{message}");

    let paused = folders.set_paused(added.id, true).unwrap();
    assert_eq!((paused.paused, paused.state), (true, FolderState::Paused));
    folders.set_paused(added.id, false).unwrap();
    let updated = folders
        .update(
            added.id,
            &FolderOptions {
                poll: true,
                ..FolderOptions::default()
            },
        )
        .unwrap();
    assert_eq!(updated.state, FolderState::Polling);
    std::fs::remove_dir(&inbox).unwrap();
    assert_eq!(
        folders.get(added.id).unwrap().state,
        FolderState::Unavailable
    );
    folders.remove(added.id).unwrap();
    expect_error(
        folders.get(added.id),
        ErrorKind::NotFound,
        Some(Subject::Folder(added.id)),
    );
}

#[test]
fn a_running_engine_reports_folder_states_as_they_change() {
    let (dir, engine) = engine();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let folder = engine
        .folders()
        .add(&FolderRequest {
            path: inbox.clone(),
            options: FolderOptions::default(),
        })
        .unwrap();
    let mut events = engine.subscribe();
    start(&engine);
    let watching = |e: &EngineEvent| {
        matches!(
            e,
            EngineEvent::FolderStatus {
                state: FolderState::Watching,
                ..
            }
        )
    };
    next_event(&mut events, Duration::from_secs(10), watching);
    std::fs::remove_dir(&inbox).unwrap();
    let (event, _) = next_event(&mut events, Duration::from_secs(10), |e| {
        matches!(
            e,
            EngineEvent::FolderStatus {
                state: FolderState::Unavailable,
                ..
            }
        )
    });
    assert!(matches!(event, EngineEvent::FolderStatus { folder: id, .. } if id == folder.id));
    assert_eq!(
        engine.folders().get(folder.id).unwrap().state,
        FolderState::Unavailable
    );
    engine.shutdown();
}

#[test]
fn pausing_all_watching_holds_every_folder_until_it_resumes() {
    let (dir, engine) = engine();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    let folder = engine
        .folders()
        .add(&FolderRequest {
            path: inbox.clone(),
            options: FolderOptions {
                stable_ms: 200,
                ..FolderOptions::default()
            },
        })
        .unwrap();
    engine.folders().pause_all(true).unwrap();
    assert!(engine.folders().all_paused().unwrap());
    assert_eq!(
        engine.folders().get(folder.id).unwrap().state,
        FolderState::Paused
    );
    let mut events = engine.subscribe();
    start(&engine);
    next_event(&mut events, Duration::from_secs(10), |e| {
        matches!(
            e,
            EngineEvent::FolderStatus {
                state: FolderState::Paused,
                ..
            }
        )
    });
    std::fs::write(inbox.join("call.wav"), b"RIFF not really").unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let jobs = engine
        .jobs()
        .list(&hookscribe::engine::JobQuery::default())
        .unwrap();
    assert_eq!(jobs.total, 0, "nothing is taken while watching is paused");

    engine.folders().pause_all(false).unwrap();
    let (event, _) = next_event(&mut events, Duration::from_secs(15), |e| {
        matches!(e, EngineEvent::JobQueued { .. })
    });
    assert!(matches!(event, EngineEvent::JobQueued { job } if job.file_name == "call.wav"));
    engine.shutdown();
}

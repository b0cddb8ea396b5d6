//! The settings and models services: values checked before they are stored.

use super::*;

#[test]
fn settings_are_checked_and_name_the_setting() {
    let (_dir, engine) = engine();
    let settings = engine.settings();
    let stored = settings.set("language", " DE ").unwrap();
    assert_eq!((stored.value.as_str(), stored.is_set), ("de", true));
    assert_eq!(settings.set("beam_size", "1").unwrap().value, "1");
    let message = expect_error(
        settings.set("threads", "0"),
        ErrorKind::InvalidInput,
        Some(Subject::Setting("threads".into())),
    );
    assert!(message.contains("1 to 256"), "{message}");
    let message = expect_error(
        settings.set("modle", "tiny"),
        ErrorKind::NotFound,
        Some(Subject::Setting("modle".into())),
    );
    assert!(message.contains("known settings"), "{message}");
    assert_eq!(settings.unset("language").unwrap().value, "auto");
    let listed = settings.list().unwrap();
    let webhooks = listed.iter().filter(|s| s.group == "Webhooks").count();
    assert_eq!(webhooks, 4, "every setting carries its group");
}

#[test]
fn models_mark_the_default_and_refuse_what_is_not_a_model() {
    let (dir, engine) = engine();
    let models = engine.models();
    let listed = models.list().unwrap();
    assert!(listed
        .iter()
        .any(|m| m.name == "tiny.en" && m.default && !m.installed));
    assert_eq!(models.set_default("base").unwrap(), "base");
    assert!(models
        .list()
        .unwrap()
        .iter()
        .any(|m| m.name == "base" && m.default));
    expect_error(
        models.set_default("huge-v9"),
        ErrorKind::NotFound,
        Some(Subject::Model("huge-v9".into())),
    );
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, vec![7u8; 4096]).unwrap();
    let message = expect_error(
        models.import(&ImportRequest {
            path: junk,
            name: None,
            quantize: false,
        }),
        ErrorKind::InvalidInput,
        None,
    );
    assert!(message.contains("junk.bin"), "{message}");
    expect_error(
        models.remove("tiny.en"),
        ErrorKind::NotFound,
        Some(Subject::Model("tiny.en".into())),
    );
    assert!(!models.cancel_download("tiny.en"), "nothing to cancel");
}

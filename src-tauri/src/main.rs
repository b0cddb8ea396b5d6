// Keeps a console window from opening next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // The queue runs whisper.cpp in a subprocess of this same binary (`… worker`), so a
    // native crash fails one job, not the window.
    if std::env::args().nth(1).as_deref() == Some("worker") {
        if let Err(error) = hookscribe::engine::serve_worker() {
            eprintln!("worker: {error}");
            std::process::exit(1);
        }
        return;
    }
    hookscribe_desktop::run();
}

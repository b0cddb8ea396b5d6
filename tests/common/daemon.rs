//! `hookscribe run` as a real process, and helpers to drive the queue from tests.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hookscribe::home::Home;
use hookscribe_store::jobs::{JobRecord as Job, JobStatus};
use hookscribe_store::Store;

use super::{hookscribe_bin, run_cli};

pub struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    pub fn start(home: &Home) -> Self {
        Self::start_logging(home, "info")
    }

    /// Started with `HOOKSCRIBE_LOG` set to `filter`.
    pub fn start_logging(home: &Home, filter: &str) -> Self {
        Self::start_with(home, filter, &[])
    }

    /// `hookscribe run` with more arguments (`--api`).
    pub fn start_with(home: &Home, filter: &str, args: &[&str]) -> Self {
        Self::start_env(home, filter, args, &[])
    }

    /// `hookscribe run` with more arguments and environment variables.
    pub fn start_env(home: &Home, filter: &str, args: &[&str], env: &[(&str, &Path)]) -> Self {
        let log = home
            .root()
            .join(format!("run-{}.log", Instant::now().elapsed().as_nanos()));
        let child = Command::new(hookscribe_bin())
            .arg("run")
            .args(args)
            .envs(env.iter().copied())
            .env("HOOKSCRIBE_HOME", home.root())
            .env("HOOKSCRIBE_LOG", filter)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Self { child, log }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// CPU time the process has used so far (user + system), from /proc.
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // Fields after the command name (which is in parentheses and may hold spaces):
        // utime and stime are the 12th and 13th.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        let output = Command::new("getconf").arg("CLK_TCK").output().unwrap();
        let per_second: u64 = String::from_utf8_lossy(&output.stdout)
            .trim()
            .parse()
            .unwrap();
        Duration::from_secs_f64(ticks as f64 / per_second as f64)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The process's peak resident memory so far (VmHWM), in bytes.
    pub fn peak_memory(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib * 1024
    }

    /// Waits for the process to exit by itself (it refused to start, say).
    pub fn wait_exit(mut self, timeout: Duration) -> (Option<i32>, String) {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status.code(), self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("hookscribe run kept running:\n{}", self.log());
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_none()
    }

    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then wait for a graceful exit.
    pub fn terminate(mut self) -> String {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                return self.log();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().unwrap();
        panic!("hookscribe run did not stop on SIGTERM:\n{}", self.log());
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn add(home: &Home, file: &Path) -> i64 {
    let (ok, stdout, stderr) = run_cli(home, &["jobs", "add", file.to_str().unwrap(), "--json"]);
    assert!(ok, "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    value["queued"][0].as_i64().unwrap()
}

pub fn job(home: &Home, id: i64) -> Job {
    Store::open(&home.database_path()).unwrap().job(id).unwrap()
}

/// Waits until job `id` is running and past decoding (whisper is at work on it).
pub fn wait_transcribing(home: &Home, id: i64) {
    wait_for(
        &format!("job {id} to be transcribing"),
        Duration::from_secs(60),
        || {
            let j = job(home, id);
            j.status == JobStatus::Running && j.stage.as_deref() == Some("transcribing")
        },
    );
}

pub fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if done() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

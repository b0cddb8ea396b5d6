//! Watched folders: every recording that lands in a folder becomes a job, once.
//!
//! File-system events (notify) and scans only nominate paths; a file is queued when its
//! size and modification time have held still for the folder's `stable_ms` (a recorder or
//! sync client may write for minutes). The version queued (size + mtime) is recorded with
//! the job in one transaction, so repeated events, rescans and restarts never queue it
//! twice. A scan at start finds files that arrived while Hookscribe was not running. A
//! folder that disappears (unmounted drive) is marked unavailable and picked up again
//! when it returns. Folders marked `poll` are rescanned on a timer instead of relying on
//! events, for network shares that send none.

pub mod filter;
mod options;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, UNIX_EPOCH};

use notify::Watcher as _;
use serde::Serialize;
use ts_rs::TS;

use crate::home::Home;
use filter::FileFilter;
use hookscribe_store::folders::{FolderId, FolderRecord};
use hookscribe_store::jobs::{JobRecord, NewJob, Origin};
use hookscribe_store::Store;
use hookscribe_types::stored_path::to_stored;
pub use options::{After, FolderOptions, DEFAULT_INCLUDE};

/// The setting that pauses every folder.
pub const PAUSED_SETTING: &str = "folders.paused";

/// How often pending files are checked for stability.
const TICK: Duration = Duration::from_millis(250);
/// How often the folder list is reloaded, availability checked and poll folders scanned
/// (at the most: a rescan that finds nothing new waits longer next time).
const REFRESH: Duration = Duration::from_secs(2);
/// The longest wait between two rescans of a polled folder that finds nothing new.
const MAX_RESCAN: Duration = Duration::from_secs(60);

/// When to rescan a polled folder next: soon again after it found something, twice as
/// long (up to a minute) after it found nothing, and never more often than ten times
/// the scan's own cost (an SMB share of 20,000 recordings must not keep a core busy).
fn next_rescan(previous: Duration, found: usize, took: Duration) -> Duration {
    let wait = if found > 0 {
        REFRESH
    } else {
        (previous * 2).min(MAX_RESCAN)
    };
    wait.max(took * 10).max(REFRESH)
}

/// A file waiting to hold still.
struct Pending {
    folder: FolderId,
    size: u64,
    mtime_ms: i64,
    since: Instant,
}

/// Where a watched folder stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum FolderState {
    /// File-system events arrive; new recordings are picked up at once.
    Watching,
    /// Scanned every few seconds (chosen for network shares, or events are unavailable).
    Polling,
    /// The user paused it: new files wait until it is resumed.
    Paused,
    /// The folder is not there (an unmounted drive, a share offline); picked up again
    /// when it returns.
    Unavailable,
    /// Its options cannot be read or its patterns are invalid; nothing is taken from it.
    Invalid,
}

impl FolderState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Watching => "watching",
            Self::Polling => "polling",
            Self::Paused => "paused",
            Self::Unavailable => "unavailable",
            Self::Invalid => "invalid",
        }
    }
}

/// A folder's state changed, or how many of its files wait to hold still.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderEvent {
    pub folder: FolderId,
    pub state: FolderState,
    pub waiting: u32,
}

/// What the watcher reports as it works.
#[derive(Clone)]
pub struct WatchSinks {
    /// A file is becoming a job: called inside its queueing transaction, before the
    /// commit (see `hookscribe_store::jobs::Announce`), so keep it short.
    pub queued: Arc<dyn Fn(JobRecord) + Send + Sync>,
    /// Jobs were committed: time to wake the queue.
    pub committed: Arc<dyn Fn() + Send + Sync>,
    pub status: Arc<dyn Fn(FolderEvent) + Send + Sync>,
}

impl Default for WatchSinks {
    fn default() -> Self {
        Self {
            queued: Arc::new(|_| {}),
            committed: Arc::new(|| {}),
            status: Arc::new(|_| {}),
        }
    }
}

/// Each folder's latest state, readable while the watcher runs.
pub type StatusBoard = Arc<Mutex<HashMap<FolderId, FolderEvent>>>;

/// A folder being watched.
struct Active {
    path: String,
    options: FolderOptions,
    filter: FileFilter,
    /// `None` while unavailable or polled.
    watcher: Option<notify::RecommendedWatcher>,
    available: bool,
    /// A polled folder's next rescan, and the wait that led to it.
    rescan: (Instant, Duration),
}

pub struct FolderWatcher {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    board: StatusBoard,
}

impl FolderWatcher {
    /// Starts watching every folder in the database (and any added later), reporting to
    /// `sinks`.
    pub fn start(home: Home, sinks: WatchSinks) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let board = StatusBoard::default();
        let thread_board = board.clone();
        let thread = std::thread::Builder::new()
            .name("folders".into())
            .spawn(move || {
                let mut state = match State::new(&home, sinks, thread_board) {
                    Ok(state) => state,
                    Err(error) => {
                        tracing::error!(%error, "folder watching cannot open the database");
                        return;
                    }
                };
                state.run(&stopping);
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
            board,
        })
    }

    /// Each watched folder's state and files waiting, as last reported.
    pub fn status(&self) -> HashMap<FolderId, FolderEvent> {
        self.board.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for FolderWatcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Size and modification time (ms) of a regular file.
fn version(path: &Path) -> Option<(u64, i64)> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_millis() as i64;
    Some((meta.len(), mtime))
}

struct State {
    store: Store,
    folders: HashMap<FolderId, Active>,
    pending: HashMap<PathBuf, Pending>,
    /// Files already queued (or written by Hookscribe) as they are now: a rescan skips
    /// them by their size and modification time, without asking the database.
    settled: HashMap<PathBuf, (FolderId, u64, i64)>,
    events: Receiver<(FolderId, PathBuf)>,
    sender: Sender<(FolderId, PathBuf)>,
    sinks: WatchSinks,
    board: StatusBoard,
}

impl State {
    fn new(
        home: &Home,
        sinks: WatchSinks,
        board: StatusBoard,
    ) -> Result<Self, hookscribe_store::StoreError> {
        let (sender, events) = mpsc::channel();
        Ok(Self {
            store: Store::open(&home.database_path())?,
            folders: HashMap::new(),
            pending: HashMap::new(),
            settled: HashMap::new(),
            events,
            sender,
            sinks,
            board,
        })
    }

    fn run(&mut self, stop: &AtomicBool) {
        let mut last_refresh: Option<Instant> = None;
        while !stop.load(Ordering::SeqCst) {
            if last_refresh.is_none_or(|at| at.elapsed() >= REFRESH) {
                last_refresh = Some(Instant::now());
                self.refresh();
            }
            while let Ok((folder, path)) = self.events.try_recv() {
                self.nominate(folder, &path);
            }
            self.check_pending();
            self.report_waiting();
            std::thread::sleep(TICK);
        }
    }

    /// Records a folder's state; reports it when it changed.
    fn set_state(&self, folder: FolderId, state: FolderState) {
        let waiting = self.waiting(folder);
        self.publish(FolderEvent {
            folder,
            state,
            waiting,
        });
    }

    fn waiting(&self, folder: FolderId) -> u32 {
        self.pending.values().filter(|p| p.folder == folder).count() as u32
    }

    fn publish(&self, event: FolderEvent) {
        let mut board = self.board.lock().unwrap_or_else(|e| e.into_inner());
        if board.get(&event.folder) != Some(&event) {
            board.insert(event.folder, event);
            drop(board);
            (self.sinks.status)(event);
        }
    }

    /// Reports changed counts of files waiting to hold still.
    fn report_waiting(&self) {
        let known: Vec<FolderEvent> = self
            .board
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .copied()
            .collect();
        for event in known {
            let waiting = self.waiting(event.folder);
            if waiting != event.waiting {
                self.publish(FolderEvent { waiting, ..event });
            }
        }
    }

    /// Reloads the folder list; starts, stops and re-checks watchers.
    fn refresh(&mut self) {
        let folders = match self.store.folders() {
            Ok(folders) => folders,
            Err(error) => {
                tracing::warn!(%error, "cannot read the watched folders");
                return;
            }
        };
        // "Pause watching" (the tray, Settings) pauses every folder at once.
        let all_paused = matches!(self.store.setting(PAUSED_SETTING), Ok(Some(v)) if v == "true");
        let folders: Vec<FolderRecord> = folders
            .into_iter()
            .map(|f| FolderRecord {
                paused: f.paused || all_paused,
                ..f
            })
            .collect();
        self.board
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|id, _| folders.iter().any(|f| f.id == *id));
        self.folders
            .retain(|id, _| folders.iter().any(|f| f.id == *id && !f.paused));
        self.pending
            .retain(|_, p| folders.iter().any(|f| f.id == p.folder && !f.paused));
        // A folder removed and added again starts afresh (its seen files went with it).
        self.settled
            .retain(|_, (folder, _, _)| folders.iter().any(|f| f.id == *folder));
        for folder in &folders {
            if folder.paused {
                self.set_state(folder.id, FolderState::Paused);
            } else {
                self.take(folder);
            }
        }
        let ids: Vec<FolderId> = self.folders.keys().copied().collect();
        for id in ids {
            self.check_folder(id);
        }
    }

    /// Starts watching a folder, or notices its options changed.
    fn take(&mut self, folder: &FolderRecord) {
        let options = match FolderOptions::from_stored(&folder.options) {
            Ok(options) => options,
            Err(reason) => {
                if self.folders.remove(&folder.id).is_some() || !self.board_has(folder.id) {
                    tracing::warn!(folder = %folder.path, %reason, "the folder is skipped");
                }
                self.set_state(folder.id, FolderState::Invalid);
                return;
            }
        };
        let changed = self
            .folders
            .get(&folder.id)
            .is_none_or(|active| active.options != options);
        if !changed {
            return;
        }
        let filter = match FileFilter::new(Path::new(&folder.path), &options) {
            Ok(filter) => filter,
            Err(error) => {
                tracing::warn!(folder = %folder.path, %error, "the folder's patterns are invalid; it is skipped");
                self.folders.remove(&folder.id);
                self.set_state(folder.id, FolderState::Invalid);
                return;
            }
        };
        self.folders.insert(
            folder.id,
            Active {
                path: folder.path.clone(),
                options,
                filter,
                watcher: None,
                available: false,
                rescan: (Instant::now(), REFRESH),
            },
        );
    }

    fn board_has(&self, folder: FolderId) -> bool {
        self.board
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&folder)
    }

    /// Notices a folder appearing or disappearing; scans poll folders.
    fn check_folder(&mut self, id: FolderId) {
        let Some(active) = self.folders.get_mut(&id) else {
            return;
        };
        let root = PathBuf::from(&active.path);
        let exists = root.is_dir();
        if !exists {
            if active.available {
                tracing::warn!(folder = %root.display(), "watched folder is unavailable; it will be picked up again when it returns");
            }
            active.available = false;
            active.watcher = None;
            self.set_state(id, FolderState::Unavailable);
            return;
        }
        let came_back = !active.available;
        active.available = true;
        if active.options.poll {
            self.set_state(id, FolderState::Polling);
            self.poll(id, came_back);
            return;
        }
        if active.watcher.is_none() {
            match start_watcher(id, &root, active.options.recursive, self.sender.clone()) {
                Ok(watcher) => active.watcher = Some(watcher),
                Err(error) => {
                    if came_back {
                        tracing::warn!(folder = %root.display(), %error, "cannot watch the folder; scanning it every few seconds instead");
                    }
                    self.set_state(id, FolderState::Polling);
                    self.poll(id, came_back);
                    return;
                }
            }
        }
        self.set_state(id, FolderState::Watching);
        if came_back {
            tracing::info!(folder = %root.display(), "watching folder");
            self.scan(id);
        }
    }

    /// Rescans a polled folder when its time has come (at once when it just came back).
    fn poll(&mut self, id: FolderId, now: bool) {
        let due = self
            .folders
            .get(&id)
            .is_some_and(|active| now || Instant::now() >= active.rescan.0);
        if !due {
            return;
        }
        let started = Instant::now();
        let found = self.scan(id);
        if let Some(active) = self.folders.get_mut(&id) {
            let wait = next_rescan(active.rescan.1, found, started.elapsed());
            active.rescan = (Instant::now() + wait, wait);
        }
    }

    /// Nominates every wanted file in the folder that was not queued before; returns how
    /// many files are new or changed.
    fn scan(&mut self, id: FolderId) -> usize {
        let Some(active) = self.folders.get(&id) else {
            return 0;
        };
        let depth = if active.options.recursive {
            usize::MAX
        } else {
            1
        };
        let files: Vec<PathBuf> = walkdir::WalkDir::new(&active.path)
            .max_depth(depth)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_file())
            .map(|entry| entry.into_path())
            .filter(|path| active.filter.wants(path))
            .collect();
        // Files gone from the folder are forgotten.
        let present: std::collections::HashSet<&PathBuf> = files.iter().collect();
        self.settled
            .retain(|path, (folder, _, _)| *folder != id || present.contains(path));
        files.iter().filter(|path| self.nominate(id, path)).count()
    }

    /// Puts a file on the list of those waiting to hold still, unless it is settled
    /// already (queued before as it is now, or written by Hookscribe); returns whether
    /// it was put there.
    fn nominate(&mut self, folder: FolderId, path: &Path) -> bool {
        let Some(active) = self.folders.get(&folder) else {
            return false;
        };
        if !active.filter.wants(path) || self.pending.contains_key(path) {
            return false;
        }
        let Some((size, mtime_ms)) = version(path) else {
            return false;
        };
        // Known unchanged from an earlier look: no query at all.
        if self.settled.get(path) == Some(&(folder, size, mtime_ms)) {
            return false;
        }
        let key = to_stored(path);
        if matches!(self.store.seen(folder, &key, size, mtime_ms), Ok(true))
            || matches!(self.store.is_job_output(&key), Ok(true))
        {
            self.settled
                .insert(path.to_path_buf(), (folder, size, mtime_ms));
            return false;
        }
        self.pending.insert(
            path.to_path_buf(),
            Pending {
                folder,
                size,
                mtime_ms,
                since: Instant::now(),
            },
        );
        true
    }

    /// Queues the pending files that held still long enough; returns how many.
    fn check_pending(&mut self) -> usize {
        let mut ready = Vec::new();
        self.pending.retain(|path, pending| match version(path) {
            None => false,
            Some((size, mtime_ms)) if size != pending.size || mtime_ms != pending.mtime_ms => {
                pending.size = size;
                pending.mtime_ms = mtime_ms;
                pending.since = Instant::now();
                true
            }
            Some(_) => {
                let stable_ms = self
                    .folders
                    .get(&pending.folder)
                    .map_or(2000, |a| a.options.stable_ms);
                if pending.size > 0 && pending.since.elapsed() >= Duration::from_millis(stable_ms) {
                    ready.push((path.clone(), pending.folder, pending.size, pending.mtime_ms));
                    false
                } else {
                    true
                }
            }
        });
        let mut queued = 0;
        for (path, folder, size, mtime_ms) in ready {
            let Some(active) = self.folders.get(&folder) else {
                continue;
            };
            let options = &active.options;
            let job = NewJob {
                route: Default::default(),
                source_path: to_stored(&path),
                origin: Origin::Folder,
                folder_id: Some(folder),
                options: serde_json::to_value(options.transcribe_options())
                    .unwrap_or(serde_json::Value::Null),
                metadata: options.metadata.clone(),
            };
            let announce = &self.sinks.queued;
            match self.store.enqueue_seen(
                folder,
                &job.source_path,
                size,
                mtime_ms,
                &job,
                &mut |record| announce(record.clone()),
            ) {
                Ok(Some(id)) => {
                    tracing::info!(job = id, path = %path.display(), "new file queued");
                    queued += 1;
                    (self.sinks.committed)();
                    self.settled.insert(path, (folder, size, mtime_ms));
                }
                Ok(None) => {
                    self.settled.insert(path, (folder, size, mtime_ms));
                }
                Err(error) => {
                    tracing::error!(%error, path = %path.display(), "cannot queue the file")
                }
            }
        }
        queued
    }
}

fn start_watcher(
    id: FolderId,
    root: &Path,
    recursive: bool,
    sender: Sender<(FolderId, PathBuf)>,
) -> notify::Result<notify::RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |result: notify::Result<notify::Event>| {
        if let Ok(event) = result {
            for path in event.paths {
                let _ = sender.send((id, path));
            }
        }
    })?;
    let mode = if recursive {
        notify::RecursiveMode::Recursive
    } else {
        notify::RecursiveMode::NonRecursive
    };
    watcher.watch(root, mode)?;
    Ok(watcher)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescans_back_off_while_nothing_arrives_and_never_cost_more_than_a_tenth() {
        let quick = Duration::from_millis(5);
        // Nothing new: 4 s, 8 s, … up to a minute.
        let mut wait = REFRESH;
        let mut waits = Vec::new();
        for _ in 0..7 {
            wait = next_rescan(wait, 0, quick);
            waits.push(wait.as_secs());
        }
        assert_eq!(waits, [4, 8, 16, 32, 60, 60, 60]);
        // Something arrived: back to every 2 s.
        assert_eq!(next_rescan(MAX_RESCAN, 3, quick), REFRESH);
        // A scan that takes 1.5 s (a big share) waits at least 15 s, even when busy.
        assert_eq!(
            next_rescan(REFRESH, 3, Duration::from_millis(1500)),
            Duration::from_secs(15)
        );
    }
}

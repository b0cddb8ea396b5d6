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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, UNIX_EPOCH};

use notify::Watcher as _;

use crate::home::Home;
use crate::store::folders::{Folder, FolderId};
use crate::store::jobs::{JobOptions, NewJob, Origin};
use crate::store::Store;
use filter::FileFilter;

/// How often pending files are checked for stability.
const TICK: Duration = Duration::from_millis(250);
/// How often the folder list is reloaded, availability checked and poll folders scanned.
const REFRESH: Duration = Duration::from_secs(2);

/// A file waiting to hold still.
struct Pending {
    folder: FolderId,
    size: u64,
    mtime_ms: i64,
    since: Instant,
}

/// A folder being watched.
struct Active {
    folder: Folder,
    filter: FileFilter,
    /// `None` while unavailable, paused or polled.
    watcher: Option<notify::RecommendedWatcher>,
    available: bool,
}

pub struct FolderWatcher {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FolderWatcher {
    /// Starts watching every folder in the database (and any added later). `on_queued` is
    /// called after new jobs were queued, to wake the runner.
    pub fn start(home: Home, on_queued: impl Fn() + Send + 'static) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("folders".into())
            .spawn(move || {
                let mut state = match State::new(&home) {
                    Ok(state) => state,
                    Err(error) => {
                        tracing::error!(%error, "folder watching cannot open the database");
                        return;
                    }
                };
                state.run(&stopping, &on_queued);
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
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
    events: Receiver<(FolderId, PathBuf)>,
    sender: Sender<(FolderId, PathBuf)>,
}

impl State {
    fn new(home: &Home) -> Result<Self, crate::store::StoreError> {
        let (sender, events) = mpsc::channel();
        Ok(Self {
            store: Store::open(&home.database_path())?,
            folders: HashMap::new(),
            pending: HashMap::new(),
            events,
            sender,
        })
    }

    fn run(&mut self, stop: &AtomicBool, on_queued: &dyn Fn()) {
        let mut last_refresh: Option<Instant> = None;
        while !stop.load(Ordering::SeqCst) {
            if last_refresh.is_none_or(|at| at.elapsed() >= REFRESH) {
                last_refresh = Some(Instant::now());
                self.refresh();
            }
            while let Ok((folder, path)) = self.events.try_recv() {
                self.nominate(folder, &path);
            }
            if self.check_pending() > 0 {
                on_queued();
            }
            std::thread::sleep(TICK);
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
        self.folders
            .retain(|id, _| folders.iter().any(|f| f.id == *id && !f.paused));
        self.pending
            .retain(|_, p| folders.iter().any(|f| f.id == p.folder && !f.paused));
        for folder in folders.into_iter().filter(|f| !f.paused) {
            let changed = self
                .folders
                .get(&folder.id)
                .is_none_or(|active| active.folder.options != folder.options);
            if changed {
                let Ok(filter) = FileFilter::new(Path::new(&folder.path), &folder.options) else {
                    tracing::warn!(folder = %folder.path, "the folder's patterns are invalid; it is skipped");
                    continue;
                };
                self.folders.insert(
                    folder.id,
                    Active {
                        folder,
                        filter,
                        watcher: None,
                        available: false,
                    },
                );
            }
        }
        let ids: Vec<FolderId> = self.folders.keys().copied().collect();
        for id in ids {
            self.check_folder(id);
        }
    }

    /// Notices a folder appearing or disappearing; scans poll folders.
    fn check_folder(&mut self, id: FolderId) {
        let Some(active) = self.folders.get_mut(&id) else {
            return;
        };
        let root = PathBuf::from(&active.folder.path);
        let exists = root.is_dir();
        if !exists {
            if active.available {
                tracing::warn!(folder = %root.display(), "watched folder is unavailable; it will be picked up again when it returns");
            }
            active.available = false;
            active.watcher = None;
            return;
        }
        let came_back = !active.available;
        active.available = true;
        if active.folder.options.poll {
            self.scan(id);
            return;
        }
        if active.watcher.is_none() {
            match start_watcher(
                id,
                &root,
                active.folder.options.recursive,
                self.sender.clone(),
            ) {
                Ok(watcher) => active.watcher = Some(watcher),
                Err(error) => {
                    tracing::warn!(folder = %root.display(), %error, "cannot watch the folder; scanning it every few seconds instead");
                    self.scan(id);
                    return;
                }
            }
        }
        if came_back {
            tracing::info!(folder = %root.display(), "watching folder");
            self.scan(id);
        }
    }

    /// Nominates every wanted file in the folder that was not queued before.
    fn scan(&mut self, id: FolderId) {
        let Some(active) = self.folders.get(&id) else {
            return;
        };
        let depth = if active.folder.options.recursive {
            usize::MAX
        } else {
            1
        };
        let files: Vec<PathBuf> = walkdir::WalkDir::new(&active.folder.path)
            .max_depth(depth)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_file())
            .map(|entry| entry.into_path())
            .filter(|path| active.filter.wants(path))
            .collect();
        for path in files {
            self.nominate(id, &path);
        }
    }

    fn nominate(&mut self, folder: FolderId, path: &Path) {
        let Some(active) = self.folders.get(&folder) else {
            return;
        };
        if !active.filter.wants(path) || self.pending.contains_key(path) {
            return;
        }
        let Some((size, mtime_ms)) = version(path) else {
            return;
        };
        let key = path.display().to_string();
        if matches!(self.store.seen(folder, &key, size, mtime_ms), Ok(true))
            || matches!(self.store.is_job_output(&key), Ok(true))
        {
            return;
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
                    .map_or(2000, |a| a.folder.options.stable_ms);
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
            let options = &active.folder.options;
            let job = NewJob {
                source_path: path.display().to_string(),
                origin: Origin::Folder,
                folder_id: Some(folder),
                options: JobOptions {
                    model: options.model.clone(),
                    language: options.language.clone(),
                    ..JobOptions::default()
                },
                metadata: options.metadata.clone(),
            };
            match self
                .store
                .enqueue_seen(folder, &job.source_path, size, mtime_ms, &job)
            {
                Ok(Some(id)) => {
                    tracing::info!(job = id, path = %path.display(), "new file queued");
                    queued += 1;
                }
                Ok(None) => {}
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

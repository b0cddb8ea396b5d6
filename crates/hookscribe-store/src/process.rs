//! Who owns a running job or a leased message: a process id, checked for life.

/// Whether a process with this id exists (signal 0 checks without sending anything).
#[cfg(unix)]
pub fn process_alive(pid: u32) -> bool {
    // SAFETY: kill with signal 0 sends nothing; it only reports whether the pid exists.
    let result = unsafe { libc::kill(pid as libc::pid_t, 0) };
    result == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
pub fn process_alive(_pid: u32) -> bool {
    // Without a cheap check, trust the heartbeat alone.
    true
}

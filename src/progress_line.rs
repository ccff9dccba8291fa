//! The progress line a person at a terminal sees during a long `check`: on stderr, only when it
//! is a terminal, only after the first second, redrawn a few times a second, and erased before
//! any output is written and at the end. Machine formats and `--quiet` never get one.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a run goes before the line appears: short runs stay free of it.
const QUIET_START: Duration = Duration::from_secs(1);
const REDRAW: Duration = Duration::from_millis(200);
/// Erases the current terminal line.
const ERASE: &str = "\r\x1b[2K";

pub struct ProgressLine {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct Shared {
    /// Held while the line is drawn or while output is written, so the two never mix.
    terminal: Mutex<bool>,
    finished: AtomicBool,
    input: AtomicUsize,
    inputs: usize,
}

impl ProgressLine {
    /// Starts the line when stderr is a terminal; `None` otherwise.
    pub fn start(inputs: usize) -> Option<ProgressLine> {
        if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            return None;
        }
        let shared = Arc::new(Shared {
            terminal: Mutex::new(false),
            finished: AtomicBool::new(false),
            input: AtomicUsize::new(0),
            inputs,
        });
        let drawing = Arc::clone(&shared);
        let thread = std::thread::Builder::new().name("progress".into()).spawn(move || draw(&drawing)).ok()?;
        Some(ProgressLine { shared, thread: Some(thread) })
    }

    /// The input now being checked (0-based).
    pub fn set_input(&self, index: usize) {
        self.shared.input.store(index, Ordering::Relaxed);
    }

    /// Runs `write` with the line erased and not redrawn meanwhile.
    pub fn pause<T>(&self, write: impl FnOnce() -> T) -> T {
        let _held = self.hold();
        write()
    }

    /// Erases the line and keeps it from being redrawn until the guard is dropped.
    pub fn hold(&self) -> std::sync::MutexGuard<'_, bool> {
        let mut shown = self.shared.terminal.lock().unwrap_or_else(|e| e.into_inner());
        if *shown {
            eprint!("{ERASE}");
            *shown = false;
        }
        shown
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.shared.finished.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn draw(shared: &Shared) {
    let started = Instant::now();
    while !shared.finished.load(Ordering::Relaxed) {
        std::thread::sleep(REDRAW.min(QUIET_START));
        if started.elapsed() < QUIET_START || shared.finished.load(Ordering::Relaxed) {
            continue;
        }
        let mut shown = shared.terminal.lock().unwrap_or_else(|e| e.into_inner());
        let done = bundlelint::progress::done();
        let input = match shared.inputs {
            1 => String::new(),
            n => format!("input {} of {n}, ", shared.input.load(Ordering::Relaxed) + 1),
        };
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "{ERASE}bundlelint: {input}{} code items read, {} hashed",
            done.items_read,
            bytes(done.bytes_hashed)
        );
        let _ = err.flush();
        *shown = true;
    }
    let shown = shared.terminal.lock().unwrap_or_else(|e| e.into_inner());
    if *shown {
        eprint!("{ERASE}");
    }
}

/// `1.2 GB`, `340 MB`, `12 kB`: decimal units, as disks are sold and `ls -h --si` shows.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 || value >= 10.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_500), "1.5 kB");
        assert_eq!(bytes(340_000_000), "340 MB");
        assert_eq!(bytes(1_234_000_000), "1.2 GB");
    }
}

//! Where followed bytes come from: a file polled for growth every `POLL` (no inotify, so it
//! works on any filesystem), on a thread of its own so the loop never waits on the disk; or
//! stdin, read by a task. Both send `Input` over a bounded channel.
//!
//! The file poller notices a file that shrank (by no more than its unfinished last line: a
//! resume cut a torn line; by more: it was rewritten) and a path that names another file
//! now (replaced), and once a second asks `/proc/locks` whether a process still holds the
//! file's lock, so a writer that was killed is told apart from one that is quiet.

use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Input;
use crate::session::lock::flock_owner;

/// How often the file is looked at.
pub const POLL: Duration = Duration::from_millis(50);

/// The most read at once.
pub const CHUNK: usize = 1 << 20;

/// How often the lock holder is looked up.
pub const HOLDER_EVERY: Duration = Duration::from_secs(1);

/// The channel's capacity: a megabyte a message, so at most this many megabytes wait.
pub const QUEUE: usize = 16;

/// Polls `path` on a thread until `cancel` or the receiver goes away.
pub fn file(
    path: PathBuf,
    tx: mpsc::Sender<Input>,
    cancel: CancellationToken,
) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("warroom-follow".into())
        .spawn(move || Poller::new(path, tx).run(&cancel))
}

struct Poller {
    path: PathBuf,
    tx: mpsc::Sender<Input>,
    file: Option<(File, u64, u64)>,
    offset: u64,
    /// Bytes after the last newline sent: what a cut may take back.
    pending: u64,
    holder: Option<Option<u32>>,
    holder_at: Option<Instant>,
}

impl Poller {
    fn new(path: PathBuf, tx: mpsc::Sender<Input>) -> Self {
        Self {
            path,
            tx,
            file: None,
            offset: 0,
            pending: 0,
            holder: None,
            holder_at: None,
        }
    }

    fn send(&self, i: Input) -> bool {
        self.tx.blocking_send(i).is_ok()
    }

    fn run(mut self, cancel: &CancellationToken) {
        while !cancel.is_cancelled() && !self.tx.is_closed() {
            match self.poll() {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => {
                    let _ = self.send(Input::Failed(format!("{}: {e}", self.path.display())));
                    return;
                }
            }
            std::thread::sleep(POLL);
        }
    }

    /// One look at the file; true when more is already waiting to be read.
    fn poll(&mut self) -> std::io::Result<bool> {
        let named = match std::fs::metadata(&self.path) {
            Ok(m) => Some((m.dev(), m.ino())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        match (&self.file, named) {
            // Not there yet: the writer has not created it.
            (None, None) => return Ok(false),
            (None, Some(_)) => self.open()?,
            (Some((_, dev, ino)), Some((d, i))) if (*dev, *ino) != (d, i) => {
                // The path names another file now: follow that one, from its start.
                self.open()?;
                self.offset = 0;
                self.pending = 0;
                if !self.send(Input::Rewound) {
                    return Ok(false);
                }
            }
            _ => {}
        }
        self.check_holder();
        let Some((file, _, _)) = &self.file else {
            return Ok(false);
        };
        let len = file.metadata()?.len();
        if len < self.offset {
            let cut = self.offset - len;
            let input = if cut <= self.pending {
                self.pending -= cut;
                self.offset = len;
                Input::Cut(cut)
            } else {
                self.pending = 0;
                self.offset = 0;
                Input::Rewound
            };
            if !self.send(input) {
                return Ok(false);
            }
        }
        if len <= self.offset {
            return Ok(false);
        }
        let want = usize::try_from(len - self.offset)
            .unwrap_or(CHUNK)
            .min(CHUNK);
        let mut buf = vec![0; want];
        let n = file.read_at(&mut buf, self.offset)?;
        buf.truncate(n);
        if n == 0 {
            return Ok(false);
        }
        self.offset += n as u64;
        self.pending = match buf.iter().rposition(|&b| b == b'\n') {
            Some(i) => (n - i - 1) as u64,
            None => self.pending + n as u64,
        };
        if !self.send(Input::Bytes(buf)) {
            return Ok(false);
        }
        Ok(self.offset < len)
    }

    fn open(&mut self) -> std::io::Result<()> {
        let f = File::open(&self.path)?;
        let m = f.metadata()?;
        self.file = Some((f, m.dev(), m.ino()));
        self.holder_at = None;
        Ok(())
    }

    /// Once a second: who holds the file's lock, sent when it changes.
    fn check_holder(&mut self) {
        if self.holder_at.is_some_and(|t| t.elapsed() < HOLDER_EVERY) {
            return;
        }
        self.holder_at = Some(Instant::now());
        let Some((_, dev, ino)) = &self.file else {
            return;
        };
        // Without /proc/locks nothing can be told: say nothing rather than "gone".
        let Ok(locks) = std::fs::read_to_string("/proc/locks") else {
            return;
        };
        let pid = flock_owner(&locks, *dev, *ino);
        if self.holder != Some(pid) {
            self.holder = Some(pid);
            let _ = self.send(Input::Holder(pid));
        }
    }
}

/// Reads stdin into `tx` until it ends or `cancel`.
pub async fn stdin(tx: mpsc::Sender<Input>, cancel: CancellationToken) {
    let mut input = tokio::io::stdin();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = tokio::select! {
            () = cancel.cancelled() => return,
            n = input.read(&mut buf) => n,
        };
        let msg = match n {
            Ok(0) => Input::End,
            Ok(n) => Input::Bytes(buf[..n].to_vec()),
            Err(e) => Input::Failed(format!("stdin: {e}")),
        };
        let last = !matches!(msg, Input::Bytes(_));
        if tx.send(msg).await.is_err() || last {
            return;
        }
    }
}

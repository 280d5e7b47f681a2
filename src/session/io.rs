//! The writer's I/O layer: the three operations the session log makes on its file (append,
//! fdatasync, cut back), behind a trait so a test can record their order (a kill -9 cannot show
//! a missing fdatasync: the page cache survives it) or inject a failing disk.

use std::fs::File;
use std::io::Write;

/// What the writer does to its file. Every call reaches the file before it returns.
pub trait LogIo: Send + std::fmt::Debug {
    /// Appends the whole buffer at the end of the file (the file is opened with `O_APPEND`).
    fn append(&mut self, buf: &[u8]) -> std::io::Result<()>;
    /// fdatasync: everything appended so far is on the disk when this returns `Ok`.
    fn sync(&mut self) -> std::io::Result<()>;
    /// Cuts the file back to `len` bytes (after a failed or partial append).
    fn truncate(&mut self, len: u64) -> std::io::Result<()>;
}

impl LogIo for File {
    fn append(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.write_all(buf)
    }

    fn sync(&mut self) -> std::io::Result<()> {
        self.sync_data()
    }

    fn truncate(&mut self, len: u64) -> std::io::Result<()> {
        self.set_len(len)
    }
}

//! Reading a session log as lines with their byte offsets, without holding the file: a
//! buffered reader for files (replay reads a file once and keeps only where each line starts),
//! positioned reads of a range of lines (a seek re-reads what it needs), and an assembler for
//! bytes that arrive in pieces (follow: a line is complete only once its newline arrived).

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::os::unix::fs::FileExt;

/// The reader's buffer: large reads, since a day-long log is hundreds of megabytes.
const BUFFER: usize = 1 << 20;

/// One line as read.
#[derive(Debug, PartialEq, Eq)]
pub struct RawLine<'a> {
    /// Byte offset of its first byte in the file.
    pub offset: u64,
    /// Its bytes, without the newline.
    pub bytes: &'a [u8],
    /// False for bytes after the last newline at the end of the input (a torn tail).
    pub complete: bool,
}

/// Reads lines from the start of a file (or any reader), counting offsets.
#[derive(Debug)]
pub struct LineReader<R> {
    inner: BufReader<R>,
    offset: u64,
    buf: Vec<u8>,
}

impl<R: Read> LineReader<R> {
    /// Reads `inner` from its current position, taken as offset 0.
    pub fn new(inner: R) -> Self {
        Self {
            inner: BufReader::with_capacity(BUFFER, inner),
            offset: 0,
            buf: Vec::new(),
        }
    }

    /// The next line, or `None` at the end. The slice lives until the next call.
    pub fn next_line(&mut self) -> std::io::Result<Option<RawLine<'_>>> {
        self.buf.clear();
        let n = self.inner.read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        let offset = self.offset;
        self.offset += n as u64;
        let complete = self.buf.last() == Some(&b'\n');
        let bytes = if complete {
            &self.buf[..n - 1]
        } else {
            &self.buf[..]
        };
        Ok(Some(RawLine {
            offset,
            bytes,
            complete,
        }))
    }

    /// Appends the next line to `out` (without its newline, which is not kept); returns where
    /// it starts in the file and whether it was complete, or `None` at the end. One copy
    /// fewer than `next_line` for a reader that gathers lines anyway.
    pub fn append_line(&mut self, out: &mut Vec<u8>) -> std::io::Result<Option<(u64, bool)>> {
        let start = out.len();
        let n = self.inner.read_until(b'\n', out)?;
        if n == 0 {
            return Ok(None);
        }
        let offset = self.offset;
        self.offset += n as u64;
        let complete = out.last() == Some(&b'\n') && out.len() > start;
        if complete {
            out.pop();
        }
        Ok(Some((offset, complete)))
    }

    /// Bytes read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }
}

/// Reads the bytes `from..to` of a file (positioned reads: the file's cursor is not moved, so
/// one open file serves every seek).
pub fn read_range(file: &File, from: u64, to: u64) -> std::io::Result<Vec<u8>> {
    let len = usize::try_from(to.saturating_sub(from)).map_err(std::io::Error::other)?;
    let mut buf = vec![0; len];
    file.read_exact_at(&mut buf, from)?;
    Ok(buf)
}

/// Gathers bytes that arrive in pieces into complete lines; the bytes after the last newline
/// wait for the rest of their line.
#[derive(Debug, Default)]
pub struct Assembler {
    partial: Vec<u8>,
    /// The longest partial line kept; past it the bytes are counted and dropped (and the line
    /// reported as too long once its newline arrives), so a stream with no newlines cannot
    /// fill memory.
    limit: usize,
    overflow: u64,
}

/// A line the assembler completed.
#[derive(Debug, PartialEq, Eq)]
pub enum Assembled {
    /// A complete line, without its newline.
    Line(Vec<u8>),
    /// A line longer than the limit: how many bytes it had (they were not kept).
    TooLong(u64),
}

/// The default limit on one line: far above any line the war room writes (a runbook and
/// config in `SessionStarted` are the largest, well under a megabyte).
pub const LINE_LIMIT: usize = 64 << 20;

impl Assembler {
    /// An assembler that keeps partial lines up to `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            partial: Vec::new(),
            limit,
            overflow: 0,
        }
    }

    /// Adds bytes; returns the lines they completed, in order.
    pub fn push(&mut self, mut bytes: &[u8]) -> Vec<Assembled> {
        let mut out = Vec::new();
        while let Some(nl) = bytes.iter().position(|&b| b == b'\n') {
            self.keep(&bytes[..nl]);
            if self.overflow > 0 {
                out.push(Assembled::TooLong(
                    self.overflow + self.partial.len() as u64,
                ));
                self.overflow = 0;
                self.partial.clear();
            } else {
                out.push(Assembled::Line(std::mem::take(&mut self.partial)));
            }
            bytes = &bytes[nl + 1..];
        }
        self.keep(bytes);
        out
    }

    fn keep(&mut self, bytes: &[u8]) {
        if self.overflow > 0 || self.partial.len() + bytes.len() > self.limit {
            self.overflow += (self.partial.len() + bytes.len()) as u64;
            self.partial.clear();
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    /// Bytes of the unfinished line held now.
    pub fn pending(&self) -> u64 {
        self.partial.len() as u64 + self.overflow
    }

    /// Drops the unfinished line (its writer cut it off: a resume moved it aside).
    pub fn drop_pending(&mut self) -> u64 {
        let n = self.pending();
        self.partial.clear();
        self.overflow = 0;
        n
    }

    /// Drops the last `n` bytes of the unfinished line (the file was cut back by that much);
    /// returns how many were dropped.
    pub fn cut(&mut self, n: u64) -> u64 {
        if self.overflow > 0 {
            let n = n.min(self.overflow);
            self.overflow -= n;
            return n;
        }
        let keep = self
            .partial
            .len()
            .saturating_sub(usize::try_from(n).unwrap_or(usize::MAX));
        let dropped = (self.partial.len() - keep) as u64;
        self.partial.truncate(keep);
        dropped
    }

    /// The unfinished line, if any (for a torn tail at the end of a stream).
    pub fn pending_bytes(&self) -> &[u8] {
        &self.partial
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_their_offsets_and_a_torn_tail_is_marked() {
        let data = b"ab\n\ncde\nfg".to_vec();
        let mut r = LineReader::new(&data[..]);
        let mut got = Vec::new();
        while let Some(l) = r.next_line().expect("read") {
            got.push((l.offset, l.bytes.to_vec(), l.complete));
        }
        assert_eq!(
            got,
            vec![
                (0, b"ab".to_vec(), true),
                (3, b"".to_vec(), true),
                (4, b"cde".to_vec(), true),
                (8, b"fg".to_vec(), false),
            ]
        );
        assert_eq!(r.offset(), 10);
    }

    #[test]
    fn lines_appended_to_one_buffer_keep_their_offsets() {
        let data = b"ab\n\ncde\nfg".to_vec();
        let mut r = LineReader::new(&data[..]);
        let mut buf = Vec::new();
        let mut got = Vec::new();
        while let Some(l) = r.append_line(&mut buf).expect("read") {
            got.push(l);
        }
        assert_eq!(got, vec![(0, true), (3, true), (4, true), (8, false)]);
        assert_eq!(buf, b"abcdefg");
    }

    #[test]
    fn pieces_become_lines_only_with_their_newline() {
        let mut a = Assembler::new(LINE_LIMIT);
        assert!(a.push(b"{\"a\"").is_empty());
        assert_eq!(a.pending(), 4);
        assert_eq!(
            a.push(b":1}\n{\"b\""),
            vec![Assembled::Line(b"{\"a\":1}".to_vec())]
        );
        assert_eq!(a.drop_pending(), 4);
        assert_eq!(
            a.push(b"x\ny\n"),
            vec![
                Assembled::Line(b"x".to_vec()),
                Assembled::Line(b"y".to_vec())
            ]
        );
    }

    #[test]
    fn a_line_past_the_limit_is_counted_not_kept() {
        let mut a = Assembler::new(8);
        assert!(a.push(b"12345").is_empty());
        assert!(a.push(b"67890").is_empty());
        assert_eq!(a.pending_bytes(), b"");
        assert_eq!(
            a.push(b"ab\nok\n"),
            vec![Assembled::TooLong(12), Assembled::Line(b"ok".to_vec())]
        );
    }

    #[test]
    fn ranges_are_read_without_moving_the_cursor() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("f");
        std::fs::write(&p, b"hello\nworld\n").expect("write");
        let f = File::open(&p).expect("open");
        assert_eq!(read_range(&f, 6, 11).expect("read"), b"world");
        assert_eq!(read_range(&f, 0, 5).expect("read"), b"hello");
    }
}

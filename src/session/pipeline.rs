//! Reading a session file on several threads, for replay and the report: one reads lines in
//! batches, a few workers do each line's work that needs no other line (parsing and hashing:
//! most of the cost of a long file), and the caller's thread takes the lines back in file
//! order, with their work done, to apply the chain's rules and the reducer, which must go one
//! line after another.
//!
//! Batches go to the workers in turn and come back in the same turn, so they arrive in order
//! with no reordering; every channel is bounded, so at most a few batches are in memory. A
//! batch the caller is done with goes back to the reader to be filled again, with the vector
//! its lines' work went into: fresh buffers for every batch of a day had the kernel zeroing
//! new pages for most of a second.

use std::fs::File;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::session::reader::LineReader;

/// Lines a batch holds.
const BATCH: usize = 512;
/// Batches waiting in each channel (two keep a worker busy while the caller catches up).
const DEPTH: usize = 2;
/// At most this many workers.
const MAX_WORKERS: usize = 4;

/// Complete lines read together: their bytes back to back, and where each starts in the file;
/// then, from a worker, each line's `Pre`.
struct Batch<T> {
    data: Vec<u8>,
    /// (offset in the file, start and end in `data`) of each line, newline excluded.
    lines: Vec<(u64, usize, usize)>,
    /// One per line once a worker has been through the batch; emptied by the caller.
    pres: Vec<T>,
}

/// What the reading found besides the lines.
#[derive(Debug, Clone, Copy, Default)]
pub struct Done {
    /// Bytes read.
    pub bytes: u64,
    /// An unfinished last line: where it starts and how long it is.
    pub torn: Option<(u64, u64)>,
}

/// Reads every line, does `work(line)` for each on the workers, and calls
/// `each(line, offset, next_offset, work's result)` for each, in order, on this thread.
pub fn run<T: Send>(
    reader: LineReader<File>,
    work: impl Fn(&[u8]) -> T + Sync,
    mut each: impl FnMut(&[u8], u64, u64, T),
) -> std::io::Result<Done> {
    let work = &work;
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .clamp(1, MAX_WORKERS);
    std::thread::scope(|scope| {
        let mut inputs = Vec::with_capacity(workers);
        let mut outputs = Vec::with_capacity(workers);
        for _ in 0..workers {
            let (tx, rx) = sync_channel::<Batch<T>>(DEPTH);
            let (out_tx, out_rx) = sync_channel::<Batch<T>>(DEPTH);
            scope.spawn(move || worker(&rx, &out_tx, work));
            inputs.push(tx);
            outputs.push(out_rx);
        }
        // Every batch in flight fits: the reader's, each channel's and each worker's.
        let (spare_tx, spare_rx) = sync_channel::<Batch<T>>(workers * (2 * DEPTH + 1) + 2);
        let reading = scope.spawn(move || read(reader, &inputs, &spare_rx));
        let mut turn = 0;
        // A worker whose channel closes has no more batches, and neither has any after it.
        while let Ok(mut batch) = outputs[turn % workers].recv() {
            for (&(offset, a, b), pre) in batch.lines.iter().zip(batch.pres.drain(..)) {
                each(&batch.data[a..b], offset, offset + (b - a) as u64 + 1, pre);
            }
            batch.data.clear();
            batch.lines.clear();
            // Full (it cannot be) or the reader gone: the batch is simply freed.
            let _ = spare_tx.try_send(batch);
            turn += 1;
        }
        drop(spare_tx);
        drop(outputs);
        reading
            .join()
            .map_err(|_| std::io::Error::other("the reading thread stopped"))?
    })
}

fn worker<T>(rx: &Receiver<Batch<T>>, tx: &SyncSender<Batch<T>>, work: impl Fn(&[u8]) -> T) {
    while let Ok(mut batch) = rx.recv() {
        let Batch { data, lines, pres } = &mut batch;
        pres.extend(lines.iter().map(|&(_, a, b)| work(&data[a..b])));
        if tx.send(batch).is_err() {
            return;
        }
    }
}

fn read<T>(
    mut reader: LineReader<File>,
    inputs: &[SyncSender<Batch<T>>],
    spare: &Receiver<Batch<T>>,
) -> std::io::Result<Done> {
    let mut done = Done::default();
    let mut turn = 0;
    let new_batch = || spare.try_recv().unwrap_or_else(|_| new_batch());
    let mut batch = new_batch();
    let send = |turn: &mut usize, batch: Batch<T>| {
        let ok = inputs[*turn % inputs.len()].send(batch).is_ok();
        *turn += 1;
        ok
    };
    loop {
        let a = batch.data.len();
        let Some((offset, complete)) = reader.append_line(&mut batch.data)? else {
            break;
        };
        if !complete {
            done.torn = Some((offset, (batch.data.len() - a) as u64));
            batch.data.truncate(a);
            break;
        }
        batch.lines.push((offset, a, batch.data.len()));
        if batch.lines.len() == BATCH {
            let full = std::mem::replace(&mut batch, new_batch());
            if !send(&mut turn, full) {
                break;
            }
        }
    }
    if !batch.lines.is_empty() {
        send(&mut turn, batch);
    }
    done.bytes = reader.offset();
    Ok(done)
}

fn new_batch<T>() -> Batch<T> {
    Batch {
        data: Vec::with_capacity(BATCH * 512),
        lines: Vec::with_capacity(BATCH),
        pres: Vec::with_capacity(BATCH),
    }
}

//! `warroom run`: prepare the session (runtime::prepare), hand it to the terminal or the
//! headless loop, and say where the session log is and what its final hash is once the loop
//! is over.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::cli::RunArgs;
use crate::config::Dirs;
use crate::error::Fatal;
use crate::runtime::prepare::{Prepared, prepare};

/// Runs `warroom run`.
pub fn run(args: RunArgs) -> Result<(), Fatal> {
    let prepared = prepare(&args, &Dirs::from_env(), &|k| std::env::var(k).ok())?;
    open(prepared, args.headless)
}

/// Runs a prepared session in the terminal or headless, then prints the session file and its
/// final hash to stderr (after the terminal is restored): `verify` needs the path, and a head
/// kept elsewhere is what shows a file that was cut short.
pub fn open(p: Prepared, headless: bool) -> Result<(), Fatal> {
    let path = p.writer.path().to_path_buf();
    let result = if headless {
        crate::headless::run(p)
    } else {
        crate::app::run(p)
    };
    eprintln!("{}", exit_note(&path, last_hash(&path).as_deref()));
    result
}

/// The lines printed when a session ends.
pub fn exit_note(path: &Path, hash: Option<&str>) -> String {
    let shown = crate::ui::sanitize::line(&path.display().to_string()).into_owned();
    let quoted = shell_quote(&shown);
    match hash {
        Some(h) => format!(
            "session log: {shown}\nfinal hash: {h} (keep it: warroom verify {quoted} --head {h})"
        ),
        None => format!("session log: {shown} (nothing recorded)"),
    }
}

fn shell_quote(s: &str) -> String {
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+:@%=,".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The `hash` of the file's last complete line, read from the end (a day-long log is not
/// read again to print one hash).
pub fn last_hash(path: &Path) -> Option<String> {
    const CHUNK: u64 = 64 * 1024;
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut tail: Vec<u8> = Vec::new();
    let mut start = len;
    loop {
        let from = start.saturating_sub(CHUNK);
        let mut chunk = vec![0; usize::try_from(start - from).ok()?];
        file.seek(SeekFrom::Start(from)).ok()?;
        file.read_exact(&mut chunk).ok()?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
        start = from;
        // Complete lines end in a newline; a torn last line does not count.
        let end = tail.iter().rposition(|b| *b == b'\n')?;
        let body = &tail[..end];
        if let Some(nl) = body.iter().rposition(|b| *b == b'\n') {
            return hash_of(&body[nl + 1..]);
        }
        if start == 0 {
            return hash_of(body);
        }
    }
}

fn hash_of(line: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    v.get("hash")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_complete_line_gives_the_hash() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("s.jsonl");
        assert_eq!(last_hash(&path), None);
        std::fs::write(&path, "").expect("write");
        assert_eq!(last_hash(&path), None);
        let long = "x".repeat(200_000);
        let text = format!(
            "{{\"seq\":1,\"hash\":\"aa\"}}\n{{\"seq\":2,\"pad\":\"{long}\",\"hash\":\"bb\"}}\n{{\"seq\":3,\"ha"
        );
        std::fs::write(&path, text).expect("write");
        assert_eq!(last_hash(&path).as_deref(), Some("bb"));
        std::fs::write(&path, "{\"hash\":\"cc\"}\n").expect("write");
        assert_eq!(last_hash(&path).as_deref(), Some("cc"));
    }

    #[test]
    fn the_exit_note_names_file_hash_and_command() {
        let n = exit_note(Path::new("/tmp/a b.jsonl"), Some("abc"));
        assert_eq!(
            n,
            "session log: /tmp/a b.jsonl\nfinal hash: abc (keep it: warroom verify '/tmp/a b.jsonl' --head abc)"
        );
    }
}

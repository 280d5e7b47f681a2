//! Private by default: session directories the war room creates are 0700 and its files 0600,
//! whatever the umask (they hold runbooks, notes, hosts and URLs, like shell history does).

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Mode of a directory the war room creates for session files.
pub const DIR_MODE: u32 = 0o700;

/// Mode of every file the war room writes beside or as a session log.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents as 0700. Directories that already exist keep their
/// mode: `--session /tmp/x.jsonl` must not change `/tmp`.
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    // A relative path's last ancestor is "", which never exists and is never to be made.
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .collect();
    for d in missing.into_iter().rev() {
        match DirBuilder::new().mode(DIR_MODE).create(d) {
            // The umask may have taken bits off the mode asked for; set it exactly.
            Ok(()) => std::fs::set_permissions(d, Permissions::from_mode(DIR_MODE))?,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Opens `path` for appending (`O_APPEND`) and reading, creating it if needed. Returns the file
/// and whether this call created it; a created file is 0600 whatever the umask.
pub fn open_append(path: &Path, create: bool) -> std::io::Result<(File, bool)> {
    let mut opts = OpenOptions::new();
    opts.read(true).append(true).mode(FILE_MODE);
    if create {
        match opts.clone().create_new(true).open(path) {
            Ok(f) => {
                f.set_permissions(Permissions::from_mode(FILE_MODE))?;
                return Ok((f, true));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok((opts.open(path)?, false))
}

/// Makes an already open file 0600 (for a file that was empty when the war room took it).
pub fn restrict(file: &File) -> std::io::Result<()> {
    file.set_permissions(Permissions::from_mode(FILE_MODE))
}

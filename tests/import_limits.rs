//! Real sizes and wrong files: input files are capped (an endless `/dev/zero` fails at once
//! naming the limit), a 10,000-stage runbook checks and 1 MB of Markdown imports within a
//! generous deadline, and `import -o` never overwrites its own source.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_warroom");

/// Runs the binary, killing it (and failing) if it is not done within `deadline`. The
/// deadline only catches a hang or a blow-up, it is not a speed goal.
fn run_within(args: &[&str], cwd: &Path, deadline: Duration) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(cwd)
        .env("HOME", cwd)
        .env("XDG_CONFIG_HOME", cwd.join("config"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn warroom");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("warroom {args:?} still running after {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const DEADLINE: Duration = Duration::from_secs(60);

#[test]
fn dev_zero_as_a_runbook_fails_at_once_naming_the_limit() {
    let tmp = tempfile::tempdir().expect("tmp");
    for args in [
        &["check", "/dev/zero"][..],
        &["import", "/dev/zero"],
        &["run", "--headless", "--runbook", "/dev/zero"],
    ] {
        let out = run_within(args, tmp.path(), DEADLINE);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("/dev/zero") && err.contains("larger than 16 MiB"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_large_regular_file_is_refused_without_reading_it() {
    let tmp = tempfile::tempdir().expect("tmp");
    let big = tmp.path().join("big.toml");
    let f = std::fs::File::create(&big).expect("create");
    // Sparse: 17 MiB that take no disk space.
    f.set_len(17 * 1024 * 1024).expect("set_len");
    let problems = warroom::runbook::load(&big).expect_err("too large");
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].to_string().starts_with(&format!(
            "{}:1:1: the file is larger than 16 MiB",
            big.display()
        )),
        "{}",
        problems[0]
    );
    let problems = warroom::config::warroom::load(&big).expect_err("too large");
    assert!(problems[0].message.contains("16 MiB"), "{}", problems[0]);
}

#[test]
fn config_dir_files_are_capped_too() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    std::os::unix::fs::symlink("/dev/zero", dir.join("keymap.toml")).expect("symlink");
    let e = warroom::config::keymap::Keymap::load(dir).expect_err("capped");
    assert!(
        e.to_string().contains("keymap.toml") && e.message.contains("16 MiB"),
        "{e}"
    );
    std::fs::create_dir(dir.join("themes")).expect("mkdir");
    std::os::unix::fs::symlink("/dev/zero", dir.join("themes/dark.toml")).expect("symlink");
    let e = warroom::config::theme::Theme::load_all(dir).expect_err("capped");
    assert!(
        e.to_string().contains("dark.toml") && e.message.contains("16 MiB"),
        "{e}"
    );
}

fn big_runbook(stages: usize) -> String {
    let mut s = String::from("title = \"Ten thousand stages\"\n");
    for i in 0..stages {
        s.push_str(&format!(
            "\n[[stage]]\nid = \"s{i}\"\ntitle = \"Stage {i} — prüfen\"\noffset = \"-{}h\"\n\n[[stage.item]]\nid = \"i{i}\"\ntext = \"Item {i}: ≥ 80 % covered\"\ncommands = [\"kubectl get pods -n ns{i}\"]\n",
            i % 500
        ));
    }
    s
}

#[test]
fn a_ten_thousand_stage_runbook_checks() {
    let tmp = tempfile::tempdir().expect("tmp");
    let p = tmp.path().join("big.toml");
    std::fs::write(&p, big_runbook(10_000)).expect("write");
    let out = run_within(&["check", "big.toml"], tmp.path(), DEADLINE);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("10000 stages (10000 timed), 10000 items"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A problem near the end is still found at its line.
    let mut text = big_runbook(10_000);
    text.push_str(
        "\n[[stage]]\nid = \"Bad Id\"\ntitle = \"x\"\n\n[[stage.item]]\nid = \"j\"\ntext = \"y\"\n",
    );
    let line = text
        .lines()
        .position(|l| l == "id = \"Bad Id\"")
        .expect("line")
        + 1;
    std::fs::write(&p, text).expect("write");
    let out = run_within(&["check", "big.toml"], tmp.path(), DEADLINE);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!(
            "big.toml:{line}:6: stage id \"Bad Id\" is not a slug"
        )),
        "{}",
        stderr(&out)
    );
}

/// About 1 MB of a realistic checklist: headings with offsets, tasks, steps, a table, code.
fn big_markdown() -> String {
    let mut md = String::from("# Big release\n\n");
    let mut i = 0;
    while md.len() < 1_000_000 {
        md.push_str(&format!(
            "## Section {i} (T-{} days)\n\nProse about **section {i}**, see [docs](https://example.com/{i}).\n\n\
- [ ] Check thing {i} with `kubectl get pods`\n- [x] Verify other {i}\n  1. nested step {i}\n\n\
| Check | Level | Done |\n|---|---|---|\n| Row {i} | high | ✓ |\n\n```bash\necho {i}\n```\n\n",
            i % 7
        ));
        i += 1;
    }
    md
}

#[test]
fn a_megabyte_of_markdown_imports() {
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::write(tmp.path().join("big.md"), big_markdown()).expect("write");
    let out = run_within(
        &["import", "big.md", "-o", "big.toml"],
        tmp.path(),
        DEADLINE,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read_to_string(tmp.path().join("big.toml")).expect("written");
    // Every section: three items from the list, one from the table.
    let sections = big_markdown().matches("\n## Section ").count();
    assert_eq!(written.matches("[[stage.item]]").count(), 4 * sections);
    let out = run_within(&["check", "big.toml"], tmp.path(), DEADLINE);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

fn write_md(dir: &Path) -> PathBuf {
    let md = dir.join("checklist.md");
    std::fs::write(&md, "# Release\n\n- [ ] Backup taken\n").expect("write");
    md
}

#[test]
fn import_never_overwrites_its_own_source() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let md = write_md(dir);
    let original = std::fs::read(&md).expect("read");
    std::os::unix::fs::symlink(&md, dir.join("link.md")).expect("symlink");
    std::fs::hard_link(&md, dir.join("hard.md")).expect("hard link");
    std::fs::create_dir(dir.join("sub")).expect("mkdir");
    for (file, out) in [
        ("checklist.md", "checklist.md"),
        ("checklist.md", "./checklist.md"),
        ("./checklist.md", "sub/../checklist.md"),
        ("checklist.md", "link.md"),
        ("link.md", "checklist.md"),
        ("checklist.md", "hard.md"),
    ] {
        let o = run_within(&["import", file, "-o", out], dir, DEADLINE);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{file} -o {out}: {err}");
        assert!(
            err.contains("is the file being imported"),
            "{file} -o {out}: {err}"
        );
        let suggested = format!("-o {}", Path::new(file).with_extension("toml").display());
        assert!(err.contains(&suggested), "{file} -o {out}: {err}");
        assert_eq!(
            std::fs::read(&md).expect("read"),
            original,
            "{file} -o {out}"
        );
    }
    // Another file is fine.
    let o = run_within(
        &["import", "checklist.md", "-o", "checklist.toml"],
        dir,
        DEADLINE,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(&md).expect("read"), original);
}

//! Every recorded session in `recordings/` and `tests/fixtures/sessions/` replays to the end,
//! verifies, and its final state and final frame (160x48) match their snapshots, so a change
//! that would replay an old session differently shows up here. `warroom replay --headless`
//! says the same of each file.

mod common;

use std::path::{Path, PathBuf};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::runtime::replay::Replay;
use warroom::session::verify_file;
use warroom::ui::Ui;

/// The session files: every `*.jsonl` in `recordings/` (there may be none yet) and the
/// fixtures.
fn sessions() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in ["recordings", "tests/fixtures/sessions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "jsonl") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn name_of(p: &Path) -> String {
    let dir = p
        .parent()
        .and_then(Path::file_name)
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned());
    format!("{dir}-{}", stem.unwrap_or_default())
}

#[test]
fn every_recorded_session_replays_to_the_end_as_it_was_recorded() {
    let files = sessions();
    assert!(
        files.len() >= 2,
        "the fixtures are there (tests/fixtures/sessions/record.sh makes them)"
    );
    for path in files {
        let name = name_of(&path);
        let (report, envelopes) = verify_file(&path)
            .expect("readable")
            .unwrap_or_else(|d| panic!("{name} is damaged: {d}"));
        let mut replay = Replay::open(&path).expect("opens");
        let v = replay.verification();
        assert!(v.damage.is_none(), "{name}: {:?}", v.damage);
        assert_eq!(v.report, report, "{name}: replay verifies as verify does");
        replay.play_to_end().expect("plays");
        assert_eq!(replay.applied(), replay.lines());
        assert_eq!(
            replay.state().last_seq,
            envelopes.last().map(|e| e.seq),
            "{name}"
        );

        insta::assert_snapshot!(format!("{name}_state"), format!("{:#?}", replay.state()));

        let mut ui = Ui::with_defaults();
        if let Some(op) = replay.operator() {
            ui.set_operator(op);
        }
        let mut term = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
        let bar = warroom::commands::replay::bar(&replay, None);
        term.draw(|f| ui.draw_read_only(f, replay.state(), replay.now(), &bar))
            .expect("draw");
        insta::assert_snapshot!(format!("{name}_final_frame_160x48"), term.backend());
    }
}

#[test]
fn replay_headless_plays_each_file_to_the_end_and_says_its_chain_holds() {
    let home = tempfile::tempdir().expect("tmp");
    for path in sessions() {
        let out = common::warroom(home.path())
            .args(["replay", "--headless"])
            .arg(&path)
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}: {stdout}{}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("chain: intact"), "{stdout}");
        assert!(stdout.contains("closed cleanly"), "{stdout}");
        assert!(stdout.contains("ended: quit"), "{stdout}");
    }
}

#[test]
fn replay_headless_of_a_damaged_file_names_the_line_and_fails() {
    let home = tempfile::tempdir().expect("tmp");
    let src = sessions().into_iter().next().expect("a fixture");
    let text = std::fs::read_to_string(&src).expect("read");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[9] = lines[9].replacen("\"host\":\"", "\"host\":\"forged-", 1);
    let bad = home.path().join("edited.jsonl");
    std::fs::write(&bad, lines.join("\n") + "\n").expect("write");
    let out = common::warroom(home.path())
        .args(["replay", "--headless"])
        .arg(&bad)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("chain: BROKEN at line 10: hash mismatch"),
        "{stdout}"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("edited.jsonl:10: damaged"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

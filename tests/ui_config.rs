//! Keymap, theme and layout loading: the built-in files parse and cover everything, files in
//! the config dir override and add by name, and bad files fail naming file:line:col and the fix.

mod ui_common;

use std::path::Path;

use crossterm::event::KeyCode;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ui_common::{ch, state};
use warroom::config::Dirs;
use warroom::config::keymap::{Command, DEFAULT_KEYMAP, Key, Keymap, Mode};
use warroom::config::layout::{BUILTIN_LAYOUTS, LayoutDef, PaneId};
use warroom::config::theme::{BUILTIN_THEMES, Role, Theme};
use warroom::reduce::checklist::Intent;
use warroom::ui::{Ui, UiAction};

fn dirs(config: &Path) -> Dirs {
    Dirs {
        config: config.to_path_buf(),
        data: config.join("data"),
        state: config.join("state"),
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn load_err(config: &Path) -> String {
    match Ui::load(&dirs(config), None, None) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.message,
    }
}

#[test]
fn the_default_keymap_parses_and_binds_every_command() {
    let map = Keymap::builtin().expect("default keymap");
    for c in Command::ALL {
        assert!(
            Mode::ALL.iter().any(|m| map.binding(*m, *c).is_some()),
            "command '{}' has no key",
            c.name()
        );
    }
    // Each mode binds what it needs to be left, and nothing it cannot use.
    for m in Mode::ALL {
        // The note editor and a confirmation are forms: ctrl-c backs out of them. Replay's
        // keys come before the panes', whose quit stays the way out.
        assert!(
            map.binding(m, Command::Quit).is_some()
                || matches!(m, Mode::Editor | Mode::Confirm | Mode::Replay),
            "{m:?} quit"
        );
        assert!(
            map.binding(m, Command::Cancel).is_some() || matches!(m, Mode::Normal | Mode::Replay),
            "{m:?} way out"
        );
        for b in map.bindings(m) {
            assert!(m.commands().contains(&b.command));
            assert!(!b.desc.is_empty());
        }
    }
    assert_eq!(
        map.binding(Mode::Normal, Command::Tick)
            .expect("tick")
            .keys_label(),
        "space"
    );
    assert_eq!(
        map.binding(Mode::Editor, Command::Save)
            .expect("save")
            .keys_label(),
        "ctrl-s/alt-enter"
    );
    // The keys SPEC.md gives the production actions are theirs, and c is comms.
    for (c, cmd) in [
        ('g', Some(Command::GoNoGo)),
        ('s', Some(Command::Shift)),
        ('b', Some(Command::Back)),
        ('p', Some(Command::Pause)),
        ('r', Some(Command::Rollback)),
        ('a', Some(Command::Arm)),
        ('m', Some(Command::Marker)),
        ('w', Some(Command::Why)),
        ('c', Some(Command::Comms)),
    ] {
        let ev = crossterm::event::KeyEvent::from(KeyCode::Char(c));
        assert_eq!(map.resolve(Mode::Normal, &ev), cmd, "{c}");
    }
    assert!(DEFAULT_KEYMAP.contains("run = \"tick\""));
}

#[test]
fn key_names_round_trip() {
    for name in [
        "q",
        "?",
        "space",
        "ctrl-c",
        "alt-enter",
        "shift-tab",
        "pgdn",
        "f5",
        "J",
        "-",
        "ctrl--",
    ] {
        let k = Key::parse(name).expect(name);
        assert_eq!(k.label(), name);
    }
    assert_eq!(Key::parse("backtab"), Key::parse("shift-tab"));
    let err = Key::parse("hyper-x").expect_err("bad key");
    assert!(
        err.contains("'hyper-x' is not a key") && err.contains("pgdn"),
        "{err}"
    );
    assert!(Key::parse("f99").is_err());
}

#[test]
fn shipped_files_are_the_embedded_ones_and_all_parse() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (dir, builtin) in [("themes", BUILTIN_THEMES), ("layouts", BUILTIN_LAYOUTS)] {
        let mut on_disk: Vec<String> = std::fs::read_dir(root.join(dir))
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = builtin.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded, "{dir}/ and the embedded list agree");
        for (name, text) in builtin {
            let file =
                std::fs::read_to_string(root.join(dir).join(format!("{name}.toml"))).expect("read");
            assert_eq!(&file, text);
        }
    }
    assert_eq!(
        std::fs::read_to_string(root.join("keymap.toml")).expect("keymap"),
        DEFAULT_KEYMAP
    );
    for (name, text) in BUILTIN_THEMES {
        let t = Theme::parse(name, text, name).expect("theme");
        // Built-in themes spell out every role rather than lean on fallbacks.
        for role in Role::ALL {
            assert!(
                text.lines().any(|l| l
                    .strip_prefix(role.name())
                    .is_some_and(|rest| rest.trim_start().starts_with('='))),
                "{name} sets {}",
                role.name()
            );
        }
        assert_ne!(t.style(Role::Crit), t.style(Role::Text));
    }
    let mut shown = Vec::new();
    for (name, text) in BUILTIN_LAYOUTS {
        let l = LayoutDef::parse(name, text, name).expect("layout");
        assert!(!l.panes().is_empty(), "{name}");
        shown.extend(l.panes());
    }
    // The default layout shows the checklist, and every pane is in some built-in layout.
    let default = LayoutDef::parse("war-room", BUILTIN_LAYOUTS[0].1, "x").expect("layout");
    assert!(default.panes().contains(&PaneId::Checklist));
    for p in PaneId::ALL {
        assert!(shown.contains(&p), "{} is in a built-in layout", p.name());
    }
}

#[test]
fn layout_areas_follow_the_tree() {
    let l = LayoutDef::parse("war-room", BUILTIN_LAYOUTS[0].1, "x").expect("layout");
    let areas = l.areas(Rect::new(0, 0, 100, 50));
    assert_eq!(areas[0], (PaneId::Checklist, Rect::new(0, 0, 40, 25)));
    assert_eq!(areas[1], (PaneId::Detail, Rect::new(0, 25, 40, 15)));
    assert_eq!(areas[2], (PaneId::Events, Rect::new(0, 40, 40, 10)));
    assert_eq!(areas[3], (PaneId::Errors, Rect::new(40, 0, 30, 13)));
    assert_eq!(areas[4], (PaneId::Latency, Rect::new(70, 0, 30, 13)));
    assert_eq!(areas[7], (PaneId::Gates, Rect::new(40, 21, 60, 8)));
    assert_eq!(areas[11], (PaneId::Alerts, Rect::new(70, 42, 30, 8)));
    let strip = LayoutDef::parse("checklist", BUILTIN_LAYOUTS[1].1, "x").expect("layout");
    let areas = strip.areas(Rect::new(0, 0, 100, 50));
    assert_eq!(areas[1], (PaneId::Events, Rect::new(0, 43, 100, 7)));
}

#[test]
fn an_unknown_pane_is_an_error_listing_the_known_ones() {
    let tmp = tempfile::tempdir().expect("tmp");
    write(
        tmp.path(),
        "layouts/metrics.toml",
        "[[column]]\npane = \"checklist\"\n\n[[column]]\npane = \"p99\"\n",
    );
    let msg = load_err(tmp.path());
    let file = tmp.path().join("layouts/metrics.toml");
    assert_eq!(
        msg,
        format!(
            "{}:5:8: 'p99' is not a known pane; expected one of checklist, detail, events, \
             errors, latency, throughput, pods, rollout, health, alerts, traffic, gates",
            file.display()
        )
    );
}

#[test]
fn other_layout_mistakes_name_their_place() {
    let cases = [
        (
            "[[row]]\npane = \"events\"\nrow = [{ pane = \"detail\" }]\n",
            "1:1",
            "either a `pane`",
        ),
        ("[[row]]\nratio = 2\n", "1:1", "empty"),
        (
            "[[row]]\npane = \"events\"\n[[row]]\npane = \"events\"\n",
            "4:8",
            "appears twice",
        ),
        (
            "[[row]]\npane = \"events\"\nratio = 0\n",
            "3:9",
            "1 or more",
        ),
        (
            "[[row]]\npane = \"events\"\nwidth = 3\n",
            "3:1",
            "unknown field `width`",
        ),
    ];
    for (text, at, want) in cases {
        let err = LayoutDef::parse("x", text, "x.toml").expect_err(text);
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("x.toml:{at}: ")),
            "{text:?} -> {msg}"
        );
        assert!(msg.contains(want), "{text:?} -> {msg}");
    }
}

#[test]
fn config_dir_files_override_and_add() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    // Replace a built-in layout, add one; patch a built-in theme, add one; move tick to x.
    write(dir, "layouts/war-room.toml", "pane = \"checklist\"\n");
    write(
        dir,
        "layouts/side.toml",
        "description = \"three across\"\n[[column]]\npane = \"events\"\n[[column]]\npane = \"checklist\"\n",
    );
    write(
        dir,
        "themes/dark.toml",
        "[roles]\ncrit = { fg = \"#ff0000\" }\n",
    );
    write(
        dir,
        "themes/solar.toml",
        "description = \"mine\"\n[roles]\ntext = { fg = \"#839496\" }\n",
    );
    write(
        dir,
        "keymap.toml",
        "normal = [ { on = \"x\", run = \"tick\", desc = \"tick it\" }, { on = \"space\", run = \"note\" } ]\n",
    );
    write(dir, "themes/README.md", "not a theme");

    let mut ui = Ui::load(&dirs(dir), None, None).expect("load");
    let names: Vec<&str> = ui.layouts().iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["war-room", "checklist", "traffic-shift", "side"]);
    assert_eq!(ui.layout().panes(), [PaneId::Checklist]);
    let names: Vec<&str> = ui.themes().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["dark", "light", "high-contrast", "solar"]);
    let dark = &ui.themes()[0];
    assert_eq!(dark.style(Role::Crit).fg, Some(Color::Rgb(255, 0, 0)));
    // Roles the user file leaves out keep the built-in style, and fallbacks still work.
    assert_eq!(dark.style(Role::Ok).fg, Some(Color::Green));
    assert_eq!(
        ui.themes()[3].style(Role::Muted).fg,
        Some(Color::Rgb(0x83, 0x94, 0x96))
    );

    let s = state();
    assert_eq!(
        ui.handle_key(ch('x'), &s),
        Some(UiAction::Intent(Intent::Toggle {
            stage: "t-1d".into(),
            item: "comms".into()
        }))
    );
    // space now opens the note editor; the rest of the default keymap is untouched.
    assert_eq!(ui.handle_key(ch(' '), &s), None);
    assert_eq!(ui.mode(), Mode::Editor);
    let km = ui.keymap();
    assert_eq!(
        km.binding(Mode::Normal, Command::Tick).expect("tick").desc,
        "tick it"
    );
    assert_eq!(
        km.binding(Mode::Normal, Command::Note)
            .expect("note")
            .keys_label(),
        "space"
    );
    assert!(km.binding(Mode::Normal, Command::Quit).is_some());

    let ui = Ui::load(&dirs(dir), Some("side"), Some("solar")).expect("pick");
    assert_eq!(
        (ui.layout().name.as_str(), ui.theme().name.as_str()),
        ("side", "solar")
    );
    assert_eq!(
        ui.focus(),
        PaneId::Checklist,
        "the checklist keeps focus where it is shown"
    );
}

#[test]
fn unknown_names_for_layout_and_theme_list_the_choices() {
    let tmp = tempfile::tempdir().expect("tmp");
    let err = Ui::load(&dirs(tmp.path()), Some("cockpit"), None).expect_err("unknown layout");
    assert!(
        err.message.contains("no layout 'cockpit'") && err.message.contains("war-room, checklist"),
        "{}",
        err.message
    );
    let err = Ui::load(&dirs(tmp.path()), None, Some("neon")).expect_err("unknown theme");
    assert!(
        err.message.contains("dark, light, high-contrast"),
        "{}",
        err.message
    );
}

#[test]
fn bad_keymap_files_name_the_line_and_the_allowed_values() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("keymap.toml");
    write(
        tmp.path(),
        "keymap.toml",
        "normal = [\n  { on = \"x\", run = \"launch\" },\n]\n",
    );
    let msg = load_err(tmp.path());
    assert!(
        msg.starts_with(&format!(
            "{}:2:21: 'launch' is not a command in normal mode; expected one of quit, tick",
            file.display()
        )),
        "{msg}"
    );

    write(
        tmp.path(),
        "keymap.toml",
        "editor = [ { on = \"x\", run = \"tick\" } ]\n",
    );
    let msg = load_err(tmp.path());
    assert!(
        msg.contains(":1:30: 'tick' is not a command in editor mode; expected one of save, cancel"),
        "{msg}"
    );

    write(
        tmp.path(),
        "keymap.toml",
        "\nhelp = [ { on = \"hyper-q\", run = \"cancel\" } ]\n",
    );
    let msg = load_err(tmp.path());
    assert!(
        msg.contains(":2:17: 'hyper-q' is not a key; write one character"),
        "{msg}"
    );

    write(
        tmp.path(),
        "keymap.toml",
        "normal = [ { on = [\"x\", \"x\"], run = \"tick\" } ]\n",
    );
    assert!(load_err(tmp.path()).contains("'x' is bound twice in normal mode"));

    write(tmp.path(), "keymap.toml", "visual = []\n");
    let msg = load_err(tmp.path());
    assert!(
        msg.contains(":1:1:") && msg.contains("unknown field `visual`") && msg.contains("normal"),
        "{msg}"
    );
}

#[test]
fn bad_theme_files_name_the_line_and_the_fix() {
    let cases = [
        (
            "[roles]\ncrit = { fg = \"blurple\" }\n",
            "2:15",
            "'blurple' is not a colour",
        ),
        (
            "[roles]\ncritical = { fg = \"red\" }\n",
            "2:12",
            "'critical' is not a role; expected one of text, muted",
        ),
        (
            "[roles]\ncrit = { modifiers = [\"blink\"] }\n",
            "2:23",
            "'blink' is not a modifier; expected one of bold",
        ),
        (
            "[roles]\ncrit = { colour = \"red\" }\n",
            "2:10",
            "unknown field `colour`",
        ),
    ];
    for (text, at, want) in cases {
        let msg = Theme::parse("t", text, "t.toml")
            .expect_err(text)
            .to_string();
        assert!(
            msg.starts_with(&format!("t.toml:{at}: ")) && msg.contains(want),
            "{text:?} -> {msg}"
        );
    }
}

#[test]
fn a_theme_without_colours_still_marks_the_cursor() {
    let t = Theme::parse("plain", "", "plain.toml").expect("empty theme");
    assert!(
        t.style(Role::Selected)
            .add_modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
    // Fallbacks: danger -> crit -> warn.
    let t = Theme::parse("w", "[roles]\nwarn = { fg = \"yellow\" }\n", "w.toml").expect("theme");
    assert_eq!(t.style(Role::Danger).fg, Some(Color::Yellow));
}

#[test]
fn a_keymap_that_leaves_no_way_out_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let file = tmp.path().join("keymap.toml");
    // Taking q and ctrl-c for ticking leaves quit with no key (ctrl-c is only a key in raw
    // mode, so nothing would end the war room).
    write(
        tmp.path(),
        "keymap.toml",
        "normal = [\n  { on = \"x\", run = \"note\" },\n  { on = [\"q\", \"ctrl-c\"], run = \"tick\" },\n]\n",
    );
    let msg = load_err(tmp.path());
    assert!(
        msg.starts_with(&format!(
            "{}:3:10: this keymap leaves no way out of normal mode: `quit` has no key left",
            file.display()
        )),
        "{msg}"
    );
    write(
        tmp.path(),
        "keymap.toml",
        "help = [ { on = [\"esc\", \"?\", \"q\", \"ctrl-c\"], run = \"down\" } ]\n",
    );
    let msg = load_err(tmp.path());
    assert!(msg.contains("no way out of help mode"), "{msg}");
    // Moving quit to another key is fine.
    write(
        tmp.path(),
        "keymap.toml",
        "normal = [ { on = \"x\", run = \"quit\" }, { on = [\"q\", \"ctrl-c\"], run = \"tick\" } ]\n",
    );
    let ui = Ui::load(&dirs(tmp.path()), None, None).expect("quit on x");
    let quit = ui
        .keymap()
        .binding(Mode::Normal, Command::Quit)
        .expect("quit");
    assert_eq!(quit.keys_label(), "x");
}

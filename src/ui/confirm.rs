//! The confirmation overlay: every key that changes production asks here first. It says in
//! words what will happen (from the config and the plan, `words`), shows up front the reason
//! the rules would refuse it now (the same `release::decide`, run without recording), offers
//! an override with a reason where the rules allow one, and takes the fields the change needs:
//! a reason, an incident ticket, rollout undo on or off, and in production the deployment's
//! name typed out. What it shows is worked out at every frame, so a bake counting down or an
//! approval arriving changes it while it is open.

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Widget};

use super::gates::wrap;
use super::line::LineEditor;
use super::widgets::{centered, pane_block, span};
use super::{Ctx, UiAction, sanitize, words};
use crate::config::keymap::{Command, Keymap, Mode};
use crate::config::theme::Role;
use crate::config::warroom::WarroomConfig;
use crate::event::{Actor, DecisionKind, DecisionRef};
use crate::release::{self, ReleaseIntent, gates};
use crate::state::State;

/// What is being confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Go (from the go/no-go overlay).
    Go,
    /// No-go (from the go/no-go overlay).
    NoGo,
    /// The plan's next step.
    Shift,
    /// One rung back.
    Back,
    /// All traffic back to stable.
    Rollback,
    /// Auto-rollback off.
    Disarm,
    /// Quitting while a shift is under way.
    Quit,
}

/// A field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Why (required or optional, by what is asked).
    Reason,
    /// The emergency reason for going past failing hard gates.
    Emergency,
    /// An incident ticket.
    Ticket,
    /// `rollout undo` of the candidate, on or off (a checkbox, not text).
    Undo,
    /// The deployment's name, typed out in production.
    Deployment,
}

#[derive(Debug, Clone)]
struct Field {
    kind: FieldKind,
    editor: LineEditor,
}

/// A confirmation being answered.
#[derive(Debug, Clone)]
pub struct Confirm {
    /// What it confirms.
    pub ask: Ask,
    fields: Vec<Field>,
    focus: usize,
    /// Rollback: also `rollout undo` the candidate.
    pub undo: bool,
    /// Shift: going past the refusal with a reason.
    pub overriding: bool,
    /// Why enter did nothing last time (a required field left empty, a name mistyped).
    pub problem: Option<String>,
}

/// What the rules say now about what is being confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The refusal `decide` would give now, if any.
    pub refused: Option<String>,
    /// Shift: an override with a reason would be accepted.
    pub overridable: bool,
    /// With the override (or the emergency reason), the refusal that would still come.
    pub override_refused: Option<String>,
}

impl Confirm {
    /// A confirmation of `ask`, its fields fitted to the state at `now`.
    pub fn new(ask: Ask, state: &State, now: Timestamp, operator: Option<&Actor>) -> Self {
        let mut c = Self {
            ask,
            fields: Vec::new(),
            focus: 0,
            undo: false,
            overriding: false,
            problem: None,
        };
        c.sync(state, now, operator);
        c
    }

    /// Fits the fields to the state: the emergency reason appears while hard gates fail, the
    /// name to type in production where an override or a rollback needs it. Text already typed
    /// is kept.
    pub fn sync(&mut self, state: &State, now: Timestamp, operator: Option<&Actor>) {
        let Some(cfg) = state.config.as_deref() else {
            self.fields.clear();
            return;
        };
        let prod = cfg.deployment.environment == "production";
        let mut want = Vec::new();
        match self.ask {
            Ask::Go => {
                want.push(FieldKind::Reason);
                if go_blocked(state, cfg, now, operator) {
                    want.push(FieldKind::Emergency);
                    if prod {
                        want.push(FieldKind::Deployment);
                    }
                }
            }
            Ask::NoGo | Ask::Disarm => want.push(FieldKind::Reason),
            Ask::Shift if self.overriding => {
                want.push(FieldKind::Reason);
                if prod {
                    want.push(FieldKind::Deployment);
                }
            }
            Ask::Rollback => {
                want.extend([FieldKind::Reason, FieldKind::Ticket, FieldKind::Undo]);
                if prod {
                    want.push(FieldKind::Deployment);
                }
            }
            Ask::Shift | Ask::Back | Ask::Quit => {}
        }
        if want.iter().eq(self.fields.iter().map(|f| &f.kind)) {
            return;
        }
        let focused = self.fields.get(self.focus).map(|f| f.kind);
        let mut old = std::mem::take(&mut self.fields);
        for kind in want {
            let field = match old.iter().position(|f| f.kind == kind) {
                Some(i) => old.remove(i),
                None => Field {
                    kind,
                    editor: LineEditor::new(self.placeholder(kind)),
                },
            };
            self.fields.push(field);
        }
        self.focus = focused
            .and_then(|k| self.fields.iter().position(|f| f.kind == k))
            .unwrap_or(0);
    }

    fn placeholder(&self, kind: FieldKind) -> &'static str {
        match (kind, self.ask) {
            (FieldKind::Reason, Ask::NoGo) => "why not (required)",
            (FieldKind::Reason, Ask::Rollback) => "why roll back (required)",
            (FieldKind::Reason, Ask::Shift) => "why go on before the rules would (required)",
            (FieldKind::Reason, Ask::Disarm) => "why (required in production)",
            (FieldKind::Reason, _) => "optional",
            (FieldKind::Emergency, _) => "leave empty for a plain go, which will be refused",
            (FieldKind::Ticket, _) => "optional, e.g. INC-1234",
            (FieldKind::Deployment, _) => "type it exactly",
            (FieldKind::Undo, _) => "",
        }
    }

    fn label(&self, kind: FieldKind, cfg: &WarroomConfig) -> String {
        match kind {
            FieldKind::Reason if self.overriding => "override reason".to_string(),
            FieldKind::Reason => "reason".to_string(),
            FieldKind::Emergency => "emergency reason".to_string(),
            FieldKind::Ticket => "ticket".to_string(),
            FieldKind::Undo => "undo".to_string(),
            FieldKind::Deployment => format!("type {}", sanitize::line(&cfg.deployment.name)),
        }
    }

    /// The focused field, if it is one text is typed into.
    pub fn text_field(&mut self) -> Option<&mut LineEditor> {
        self.fields
            .get_mut(self.focus)
            .filter(|f| f.kind != FieldKind::Undo)
            .map(|f| &mut f.editor)
    }

    /// Whether the form has the rollout-undo checkbox.
    pub fn has_undo(&self) -> bool {
        self.fields.iter().any(|f| f.kind == FieldKind::Undo)
    }

    /// Moves the focus to the next (`+1`) or previous (`-1`) field.
    pub fn move_focus(&mut self, by: isize) {
        let n = self.fields.len();
        if n > 0 {
            let i = isize::try_from(self.focus).unwrap_or(0) + by;
            self.focus = usize::try_from(i.rem_euclid(isize::try_from(n).unwrap_or(1)))
                .unwrap_or(0);
        }
    }

    /// Starts an override: the reason field appears and takes the focus.
    pub fn start_override(&mut self, state: &State, now: Timestamp, operator: Option<&Actor>) {
        self.overriding = true;
        self.sync(state, now, operator);
        self.focus = 0;
    }

    fn text(&self, kind: FieldKind) -> String {
        self.fields
            .iter()
            .find(|f| f.kind == kind)
            .map(|f| f.editor.text())
            .unwrap_or_default()
    }

    fn focus_on(&mut self, kind: FieldKind) {
        if let Some(i) = self.fields.iter().position(|f| f.kind == kind) {
            self.focus = i;
        }
    }

    /// What the rules say now (nothing without a config or an operator to decide for).
    pub fn verdict(&self, state: &State, now: Timestamp, operator: Option<&Actor>) -> Verdict {
        let (Some(op), Some(_)) = (operator, state.config.as_deref()) else {
            return Verdict::default();
        };
        let why = |i: ReleaseIntent| release::decide(state, i, now, op).err().map(|r| r.reason);
        let some = || Some("(reason)".to_string());
        match self.ask {
            Ask::Go => {
                let refused = why(ReleaseIntent::Go {
                    reason: String::new(),
                    override_reason: None,
                });
                let override_refused = refused.as_ref().and_then(|_| {
                    why(ReleaseIntent::Go {
                        reason: String::new(),
                        override_reason: some(),
                    })
                });
                Verdict {
                    refused,
                    overridable: false,
                    override_refused,
                }
            }
            Ask::NoGo => Verdict {
                refused: why(ReleaseIntent::NoGo {
                    reason: "(reason)".to_string(),
                }),
                ..Verdict::default()
            },
            Ask::Shift => {
                let refused = why(ReleaseIntent::Shift {
                    override_reason: None,
                });
                let with = why(ReleaseIntent::Shift {
                    override_reason: some(),
                });
                Verdict {
                    overridable: refused.is_some() && with.is_none(),
                    refused,
                    override_refused: with,
                }
            }
            Ask::Back => Verdict {
                refused: why(ReleaseIntent::Back { reason: None }),
                ..Verdict::default()
            },
            Ask::Rollback => Verdict {
                refused: why(ReleaseIntent::Rollback {
                    reason: "(reason)".to_string(),
                    ticket: None,
                    undo: self.undo,
                }),
                ..Verdict::default()
            },
            Ask::Disarm => Verdict {
                refused: why(ReleaseIntent::Arm {
                    armed: false,
                    reason: some(),
                }),
                ..Verdict::default()
            },
            Ask::Quit => Verdict::default(),
        }
    }

    /// Enter: what to do, once every required field is filled in; else `None` and `problem`
    /// says what is missing (the focus goes there).
    pub fn submit(&mut self, state: &State) -> Option<UiAction> {
        self.problem = None;
        if self.ask == Ask::Quit {
            return Some(UiAction::Quit);
        }
        let cfg = state.config.as_deref()?;
        let prod = cfg.deployment.environment == "production";
        let reason = self.text(FieldKind::Reason);
        let emergency = self.text(FieldKind::Emergency);
        let need_reason = match self.ask {
            Ask::NoGo | Ask::Rollback => true,
            Ask::Shift => self.overriding,
            Ask::Disarm => prod,
            _ => false,
        };
        if need_reason && reason.is_empty() {
            self.problem = Some(match self.ask {
                Ask::Shift => "an override needs a reason: type it first".to_string(),
                _ => "type a reason first".to_string(),
            });
            self.focus_on(FieldKind::Reason);
            return None;
        }
        let overriding = match self.ask {
            Ask::Go => !emergency.is_empty(),
            Ask::Shift => self.overriding,
            Ask::Rollback => true,
            _ => false,
        };
        if prod && overriding && self.fields.iter().any(|f| f.kind == FieldKind::Deployment) {
            let typed = self.text(FieldKind::Deployment);
            if typed != cfg.deployment.name {
                self.problem = Some(format!(
                    "this is production: type the deployment's name, {}, to confirm{}",
                    cfg.deployment.name,
                    if typed.is_empty() {
                        String::new()
                    } else {
                        format!(" ('{typed}' is not it)")
                    }
                ));
                self.focus_on(FieldKind::Deployment);
                return None;
            }
        }
        let opt = |s: String| (!s.is_empty()).then_some(s);
        let intent = match self.ask {
            Ask::Go => ReleaseIntent::Go {
                reason,
                override_reason: opt(emergency),
            },
            Ask::NoGo => ReleaseIntent::NoGo { reason },
            Ask::Shift => ReleaseIntent::Shift {
                override_reason: if self.overriding { Some(reason) } else { None },
            },
            Ask::Back => ReleaseIntent::Back { reason: None },
            Ask::Rollback => ReleaseIntent::Rollback {
                reason,
                ticket: opt(self.text(FieldKind::Ticket)),
                undo: self.undo,
            },
            Ask::Disarm => ReleaseIntent::Arm {
                armed: false,
                reason: opt(reason),
            },
            Ask::Quit => return Some(UiAction::Quit),
        };
        Some(UiAction::Release(intent))
    }

    fn title(&self) -> &'static str {
        match self.ask {
            Ask::Go => " confirm: GO ",
            Ask::NoGo => " confirm: NO-GO ",
            Ask::Shift => " confirm: next traffic step ",
            Ask::Back => " confirm: step back ",
            Ask::Rollback => " confirm: ROLL BACK ",
            Ask::Disarm => " confirm: disarm auto-rollback ",
            Ask::Quit => " quit? ",
        }
    }

    /// What will happen, in words.
    fn what(&self, state: &State, cfg: Option<&WarroomConfig>) -> Vec<String> {
        let Some(cfg) = cfg else {
            return match self.ask {
                Ask::Quit => words::quit(state, None),
                _ => vec!["this session has no warroom.toml: nothing to change".to_string()],
            };
        };
        match self.ask {
            Ask::Go => vec![words::go(state, cfg)],
            Ask::NoGo => vec![words::no_go(state, cfg)],
            Ask::Shift => vec![words::shift(state, cfg)],
            Ask::Back => vec![words::back(state, cfg)],
            Ask::Rollback => words::rollback(state, cfg, self.undo),
            Ask::Disarm => vec![words::disarm(cfg)],
            Ask::Quit => words::quit(state, Some(cfg)),
        }
    }

    /// Draws the overlay centred over `area`.
    pub fn render(
        &mut self,
        ctx: &Ctx<'_>,
        operator: Option<&Actor>,
        keymap: &Keymap,
        area: Rect,
        buf: &mut Buffer,
    ) {
        let theme = ctx.theme;
        self.sync(ctx.state, ctx.now, operator);
        let cfg = ctx.state.config.as_deref();
        let w = area.width.saturating_sub(4).clamp(40.min(area.width), 104);
        let inner_w = usize::from(w.saturating_sub(2)).max(1);
        let verdict = self.verdict(ctx.state, ctx.now, operator);
        let what_role = match self.ask {
            Ask::Rollback | Ask::Quit => Role::Danger,
            _ => Role::Accent,
        };
        let mut text: Vec<Line<'static>> = Vec::new();
        let push = |s: &str, role: Role, out: &mut Vec<Line<'static>>| {
            for l in wrap(&sanitize::line(s), inner_w, usize::MAX) {
                out.push(Line::from(span(theme, role, l)));
            }
        };
        for s in self.what(ctx.state, cfg) {
            push(&s, what_role, &mut text);
        }
        for l in self.verdict_lines(&verdict) {
            push(&l.0, l.1, &mut text);
        }
        let keys = self.keys_line(ctx, keymap, &verdict);
        let rows = text.len() + usize::from(!self.fields.is_empty()) + self.fields.len();
        let extra = usize::from(self.problem.is_some()) + 2;
        let h = u16::try_from(rows + extra + 2).unwrap_or(u16::MAX);
        let rect = centered(area, w, h);
        let block = pane_block(theme, Line::from(self.title()), true).border_style(
            theme.style(if ctx.production() || what_role == Role::Danger {
                Role::Danger
            } else {
                Role::Focus
            }),
        );
        let inner = block.inner(rect);
        Clear.render(rect, buf);
        buf.set_style(rect, theme.style(Role::Text));
        block.render(rect, buf);
        let bottom = inner.y + inner.height;
        let mut y = inner.y;
        for l in &text {
            if y >= bottom {
                return;
            }
            buf.set_line(inner.x, y, l, inner.width);
            y += 1;
        }
        if !self.fields.is_empty() {
            y += 1;
        }
        let label_w = cfg.map_or(0, |cfg| {
            self.fields
                .iter()
                .map(|f| self.label(f.kind, cfg).chars().count())
                .max()
                .unwrap_or(0)
        });
        let focus = self.focus;
        let toggle = keymap
            .binding(Mode::Confirm, Command::ToggleUndo)
            .and_then(|b| b.keys.first())
            .map(|k| k.label());
        for i in 0..self.fields.len() {
            if y >= bottom || cfg.is_none() {
                break;
            }
            let Some(cfg) = cfg else { break };
            let kind = self.fields[i].kind;
            let focused = i == focus;
            let label = self.label(kind, cfg);
            let head = Line::from(vec![
                span(
                    theme,
                    if focused { Role::Focus } else { Role::Muted },
                    if focused { "› " } else { "  " },
                ),
                span(theme, Role::Muted, format!("{label:<label_w$}  ")),
            ]);
            buf.set_line(inner.x, y, &head, inner.width);
            let x = inner.x + u16::try_from(head.width()).unwrap_or(0);
            let field_w = (inner.x + inner.width).saturating_sub(x);
            let at = Rect::new(x, y, field_w, 1);
            if kind == FieldKind::Undo {
                let w = super::release_keys::candidate_workload(cfg);
                let line = Line::from(vec![
                    span(theme, Role::Text, if self.undo { "[x] " } else { "[ ] " }),
                    span(
                        theme,
                        Role::Text,
                        format!("also rollout undo deployment/{w}"),
                    ),
                    span(
                        theme,
                        Role::Muted,
                        match (&toggle, focused) {
                            (Some(k), true) => format!("  ({k} toggles)"),
                            _ => String::new(),
                        },
                    ),
                ]);
                buf.set_line(at.x, at.y, &line, at.width);
            } else {
                self.fields[i].editor.render(theme, focused, at, buf);
            }
            y += 1;
        }
        if let Some(p) = &self.problem
            && y < bottom
        {
            buf.set_line(
                inner.x,
                y,
                &Line::from(span(theme, Role::Warn, sanitize::line(p).into_owned())),
                inner.width,
            );
        }
        if inner.height > 0 {
            buf.set_line(inner.x, bottom - 1, &keys, inner.width);
        }
    }

    /// The refusal up front, and what an override would meet.
    fn verdict_lines(&self, v: &Verdict) -> Vec<(String, Role)> {
        let mut out = Vec::new();
        match (&v.refused, self.ask) {
            (None, Ask::Quit) => {}
            (None, _) => out.push(("the rules accept it now".to_string(), Role::Ok)),
            (Some(r), Ask::Go) => {
                out.push((format!("go will be refused now: {r}"), Role::Crit));
                if self.has(FieldKind::Emergency) {
                    out.push(match &v.override_refused {
                        Some(o) => (
                            format!("an emergency override would be refused too: {o}"),
                            Role::Crit,
                        ),
                        None => (
                            "an emergency reason overrides the failing gates (an approver who \
                             may override has approved)"
                                .to_string(),
                            Role::Warn,
                        ),
                    });
                }
            }
            (Some(r), Ask::Shift) if self.overriding => {
                out.push((format!("refused without an override: {r}"), Role::Warn));
                if let Some(o) = &v.override_refused {
                    out.push((format!("the override would be refused too: {o}"), Role::Crit));
                }
            }
            (Some(r), _) => out.push((format!("will be refused now: {r}"), Role::Crit)),
        }
        out
    }

    fn has(&self, kind: FieldKind) -> bool {
        self.fields.iter().any(|f| f.kind == kind)
    }

    fn keys_line(&self, ctx: &Ctx<'_>, keymap: &Keymap, v: &Verdict) -> Line<'static> {
        let theme = ctx.theme;
        let mut cmds = vec![Command::Confirm, Command::Cancel];
        if self.fields.len() > 1 {
            cmds.push(Command::NextField);
        }
        if self.ask == Ask::Shift && v.overridable && !self.overriding {
            cmds.push(Command::Override);
        }
        if self.has_undo() {
            cmds.push(Command::ToggleUndo);
        }
        let mut spans: Vec<Span<'static>> = Vec::new();
        for c in cmds {
            if let Some(b) = keymap.binding(Mode::Confirm, c) {
                let desc = match (c, self.ask) {
                    (Command::Confirm, Ask::Quit) => "quit".to_string(),
                    (Command::Cancel, Ask::Quit) => "stay".to_string(),
                    _ => b.desc.clone(),
                };
                let first = b.keys.first().map(|k| k.label()).unwrap_or_default();
                spans.push(span(theme, Role::Key, first));
                spans.push(Span::raw(format!(" {}  ", sanitize::line(&desc))));
            }
        }
        Line::from(spans)
    }
}

/// Whether a go now meets failing hard gates.
fn go_blocked(state: &State, cfg: &WarroomConfig, now: Timestamp, op: Option<&Actor>) -> bool {
    let decision = DecisionRef {
        kind: DecisionKind::Go,
        release: cfg.deployment.release.clone(),
        round: state.release.next_round(),
        step: None,
    };
    let decider = op.map_or("", |o| o.name.as_str());
    gates::evaluate(state, cfg, now, &decision, decider)
        .iter()
        .any(|g| g.blocks())
}

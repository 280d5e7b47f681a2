//! The Markdown walk: pulldown-cmark events in, stage and item drafts out (ids come later).

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::draft::{Draft, Inline, Mode, StageDraft, is_optional};
use super::heading::{id_text, squash, t_offset, title};
use super::table::{Read, Table};
use crate::runbook::{Item, Offset};

/// Fence languages whose blocks are commands; other blocks (YAML, JSON, e-mail templates
/// without a language) are kept as notes.
const SHELL_LANGS: &[&str] = &[
    "bash",
    "sh",
    "shell",
    "zsh",
    "fish",
    "ksh",
    "console",
    "shell-session",
    "shellsession",
    "terminal",
    "powershell",
    "pwsh",
    "ps1",
    "bat",
    "cmd",
    "batch",
];

#[derive(Debug)]
struct ListItem {
    ordered: bool,
    task: Option<bool>,
    inline: Inline,
    /// Its text is complete (a nested block started, or the item or its paragraph ended).
    done: bool,
}

#[derive(Debug)]
enum Para {
    None,
    /// The first paragraph of a loose list item: its text.
    ItemText,
    Prose(Inline),
}

/// A bold label waiting to see what follows it.
#[derive(Debug)]
struct Label {
    /// The label without its colon, for a sub-stage title or an item.
    text: String,
    /// The paragraph as written, for when it turns out to be prose.
    raw: String,
    /// Set once a list follows: the depth of that list.
    list_depth: Option<usize>,
}

/// What kind of block is starting (for a waiting label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Code,
    List,
    Other,
}

#[derive(Debug)]
struct HeadingCtx {
    level: usize,
    text: String,
    offset: Option<Offset>,
}

struct Walker {
    mode: Mode,
    draft: Draft,
    cur: usize,
    last_item: Option<usize>,
    heading_text: String,
    headings: Vec<HeadingCtx>,
    heading: Option<(usize, Inline)>,
    para: Para,
    lists: Vec<bool>,
    items: Vec<ListItem>,
    code: Option<(String, String)>,
    pending: Option<Label>,
    table: Option<TableWalk>,
}

/// A table being read: the cells so far and the one open.
#[derive(Debug, Default)]
struct TableWalk {
    table: Table,
    row: Vec<String>,
    cell: Option<Inline>,
}

/// Walks `text` (front matter already removed).
pub fn walk(text: &str, mode: Mode) -> Draft {
    let mut w = Walker {
        mode,
        draft: Draft {
            stages: vec![StageDraft {
                implicit: true,
                ..StageDraft::default()
            }],
            ..Draft::default()
        },
        cur: 0,
        last_item: None,
        heading_text: String::new(),
        headings: Vec::new(),
        heading: None,
        para: Para::None,
        lists: Vec::new(),
        items: Vec::new(),
        code: None,
        pending: None,
        table: None,
    };
    let options = Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES;
    for event in Parser::new_ext(text, options) {
        w.event(event);
    }
    w.finish_open_item();
    w.flush_label();
    w.draft
}

impl Walker {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => {
                if let Some((_, code)) = &mut self.code {
                    code.push_str(&t);
                } else {
                    self.inline(&t);
                }
            }
            Event::Code(t) => self.inline(&format!("`{t}`")),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.inline(&t),
            // Raw HTML inline is kept as written (e.g. `<package-name>`); comments are dropped.
            Event::InlineHtml(h) if !h.trim_start().starts_with("<!--") => self.inline(&h),
            Event::SoftBreak | Event::HardBreak => self.inline(" "),
            Event::Rule => self.block_start(Next::Other),
            Event::TaskListMarker(checked) => {
                if let Some(top) = self.items.last_mut().filter(|i| !i.done) {
                    top.task = Some(checked);
                }
            }
            // HTML blocks (comments included) and footnote references carry no steps.
            _ => {}
        }
    }

    fn inline(&mut self, s: &str) {
        if let Some(t) = self.inline_mut() {
            t.push(s);
        }
    }

    fn inline_mut(&mut self) -> Option<&mut Inline> {
        if let Some(t) = &mut self.table {
            return t.cell.as_mut();
        }
        if let Some((_, h)) = &mut self.heading {
            return Some(h);
        }
        if let Para::Prose(p) = &mut self.para {
            return Some(p);
        }
        self.items
            .last_mut()
            .filter(|i| !i.done)
            .map(|i| &mut i.inline)
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => {
                let first_of_item = self
                    .items
                    .last()
                    .is_some_and(|i| !i.done && i.inline.text.trim().is_empty());
                if first_of_item && matches!(self.para, Para::None) {
                    self.para = Para::ItemText;
                } else {
                    self.block_start(Next::Other);
                    self.para = Para::Prose(Inline::default());
                }
            }
            Tag::Heading { level, .. } => {
                self.block_start(Next::Other);
                self.flush_label();
                self.heading = Some((level as usize, Inline::default()));
            }
            Tag::CodeBlock(kind) => {
                self.block_start(Next::Code);
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .trim_start_matches(['{', '.'])
                        .split(|c: char| c.is_whitespace() || c == ',' || c == '{' || c == '}')
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::List(first) => {
                self.block_start(Next::List);
                if let Some(l) = self.pending.as_mut().filter(|l| l.list_depth.is_none()) {
                    l.list_depth = Some(self.lists.len() + 1);
                }
                self.lists.push(first.is_some());
            }
            Tag::Item => {
                let ordered = self.lists.last().copied().unwrap_or(false);
                self.items.push(ListItem {
                    ordered,
                    task: None,
                    inline: Inline::default(),
                    done: false,
                });
            }
            Tag::Strong => {
                if let Some(i) = self.inline_mut() {
                    i.strong += 1;
                }
            }
            Tag::Link { .. } => {
                if let Some(i) = self.inline_mut() {
                    i.link += 1;
                }
            }
            Tag::Table(_) => {
                // Like a list, a table can be what a waiting bold label introduces.
                self.block_start(Next::List);
                if let Some(l) = self.pending.as_mut().filter(|l| l.list_depth.is_none()) {
                    l.list_depth = Some(self.lists.len() + 1);
                }
                self.table = Some(TableWalk::default());
            }
            Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.row.clear();
                }
            }
            Tag::TableCell => {
                if let Some(t) = &mut self.table {
                    t.cell = Some(Inline::default());
                }
            }
            Tag::HtmlBlock | Tag::BlockQuote(_) | Tag::FootnoteDefinition(_) => {
                self.block_start(Next::Other);
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => match std::mem::replace(&mut self.para, Para::None) {
                Para::ItemText => self.finish_open_item(),
                Para::Prose(inline) => match inline.label() {
                    Some(text) => {
                        self.flush_label();
                        self.pending = Some(Label {
                            text,
                            raw: squash(&inline.text),
                            list_depth: None,
                        });
                    }
                    None => {
                        let t = squash(&inline.text);
                        if !t.is_empty() {
                            self.note(t);
                        }
                    }
                },
                Para::None => {}
            },
            TagEnd::Heading(_) => {
                if let Some((level, inline)) = self.heading.take() {
                    self.heading_done(level, &squash(&inline.text));
                }
            }
            TagEnd::CodeBlock => {
                if let Some((lang, code)) = self.code.take() {
                    self.attach_code(&lang, &code);
                }
            }
            TagEnd::List(_) => {
                if self
                    .pending
                    .as_ref()
                    .is_some_and(|l| l.list_depth == Some(self.lists.len()))
                {
                    self.flush_label();
                }
                self.lists.pop();
            }
            TagEnd::Item => {
                self.finish_open_item();
                self.items.pop();
            }
            TagEnd::TableCell => {
                if let Some(t) = &mut self.table {
                    let cell = t.cell.take().map(|c| squash(&c.text)).unwrap_or_default();
                    t.row.push(cell);
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.table.head = std::mem::take(&mut t.row);
                }
            }
            TagEnd::TableRow => {
                if let Some(t) = &mut self.table {
                    let row = std::mem::take(&mut t.row);
                    t.table.rows.push(row);
                }
            }
            TagEnd::Table => self.finish_table(),
            TagEnd::Strong => {
                if let Some(i) = self.inline_mut() {
                    i.strong = i.strong.saturating_sub(1);
                }
            }
            TagEnd::Link => {
                if let Some(i) = self.inline_mut() {
                    i.link = i.link.saturating_sub(1);
                }
            }
            _ => {}
        }
    }

    /// A block begins: the open list item's text is complete, and a waiting label that is not
    /// followed by a list or a code block is just prose.
    fn block_start(&mut self, next: Next) {
        self.finish_open_item();
        let keep = match &self.pending {
            None => true,
            Some(l) => match l.list_depth {
                // Blocks inside the labelled list keep the label waiting for its first item.
                Some(d) => self.lists.len() >= d,
                None => next != Next::Other,
            },
        };
        if !keep {
            self.flush_label();
        }
    }

    fn flush_label(&mut self) {
        if let Some(l) = self.pending.take() {
            self.note(l.raw);
        }
    }

    fn finish_open_item(&mut self) {
        let Some(top) = self.items.last_mut().filter(|i| !i.done) else {
            return;
        };
        top.done = true;
        let (ordered, task) = (top.ordered, top.task);
        let inline = std::mem::take(&mut top.inline);
        let text = squash(&inline.text);
        if text.is_empty() {
            return;
        }
        match (task, ordered, self.mode) {
            (Some(checked), _, _) => {
                self.draft.marked_done += usize::from(checked);
                self.item(text);
            }
            // A numbered list of links is a table of contents, not steps.
            (None, true, _) if inline.link_only() => {}
            (None, true, _) => self.item(text),
            (None, false, Mode::Bullets) if !inline.link_only() => self.item(text),
            (None, false, _) => self.note(format!("- {text}")),
        }
    }

    fn heading_done(&mut self, level: usize, text: &str) {
        while self.headings.last().is_some_and(|h| h.level >= level) {
            self.headings.pop();
        }
        let own = t_offset(text).map(|(o, _)| o);
        let offset = own.or_else(|| self.headings.iter().rev().find_map(|h| h.offset));
        let short = title(text);
        // One level of context ("Code Quality & Testing › Code Review"); a level-1 heading is
        // the document's title, so it is not repeated in every stage.
        let parent = self
            .headings
            .last()
            .filter(|h| h.level >= 2)
            .map(|h| title(&h.text))
            .filter(|p| !p.is_empty());
        let full = match (parent, short.is_empty()) {
            (Some(p), false) => format!("{p} › {short}"),
            (Some(p), true) => p,
            (None, false) => short.clone(),
            (None, true) => "Untitled section".to_string(),
        };
        if !short.is_empty() {
            if level == 1 && self.draft.h1.is_none() {
                self.draft.h1 = Some(short.clone());
            }
            self.draft
                .first_heading
                .get_or_insert_with(|| short.clone());
        }
        self.headings.push(HeadingCtx {
            level,
            text: text.to_string(),
            offset: own,
        });
        self.heading_text = short;
        self.draft.stages.push(StageDraft {
            title: full,
            id_text: id_text(text),
            offset,
            level,
            heading: self.heading_text.clone(),
            ..StageDraft::default()
        });
        self.cur = self.draft.stages.len() - 1;
        self.last_item = None;
    }

    fn open_substage(&mut self, label: String) {
        let offset = self.draft.stages[self.cur].offset;
        let title = if self.heading_text.is_empty() {
            label.clone()
        } else {
            format!("{} › {label}", self.heading_text)
        };
        self.draft.stages.push(StageDraft {
            title,
            heading: label.clone(),
            id_text: label,
            offset,
            ..StageDraft::default()
        });
        self.cur = self.draft.stages.len() - 1;
        self.last_item = None;
    }

    /// A new item in the current stage; a label waiting above its list opens a sub-stage.
    fn item(&mut self, text: String) {
        match self.pending.take() {
            Some(l) if l.list_depth.is_some() => self.open_substage(l.text),
            Some(l) => self.note(l.raw),
            None => {}
        }
        self.push_item(text);
    }

    /// A table ends: its rows are items (each with its other columns as notes) or the whole
    /// table is a note.
    fn finish_table(&mut self) {
        let Some(walk) = self.table.take() else {
            return;
        };
        match walk.table.read(self.mode) {
            Read::Items(rows) => {
                for row in rows {
                    self.item(row.text);
                    self.draft.marked_done += usize::from(row.marked_done);
                    let stage = &mut self.draft.stages[self.cur];
                    if let Some(item) = self.last_item.and_then(|i| stage.items.get_mut(i)) {
                        item.notes = row.notes;
                        item.required &= !row.optional;
                    }
                }
            }
            Read::Note(text) => self.note(text),
            Read::Empty => {}
        }
        self.flush_label();
    }

    fn push_item(&mut self, text: String) {
        let required = !is_optional(&text);
        let stage = &mut self.draft.stages[self.cur];
        stage.items.push(Item {
            id: String::new(),
            text,
            required,
            role: None,
            commands: Vec::new(),
            notes: Vec::new(),
            check: None,
        });
        self.last_item = Some(stage.items.len() - 1);
    }

    /// Prose: a note of the nearest preceding item in the stage, or of the stage.
    fn note(&mut self, text: String) {
        if let Some(l) = self.pending.take() {
            self.note(l.raw);
        }
        let stage = &mut self.draft.stages[self.cur];
        match self.last_item.and_then(|i| stage.items.get_mut(i)) {
            Some(item) => item.notes.push(text),
            None => stage.notes.push(text),
        }
    }

    fn attach_code(&mut self, lang: &str, code: &str) {
        let code = code.trim_end();
        if code.trim().is_empty() {
            return;
        }
        match self.pending.take() {
            // "**Check Prometheus**:" right before a code block names the step it runs.
            Some(l) if l.list_depth.is_none() => self.push_item(l.text),
            Some(l) => self.note(l.raw),
            None => {}
        }
        if self.last_item.is_none() {
            let text = if self.heading_text.is_empty() {
                "Run these commands".to_string()
            } else {
                self.heading_text.clone()
            };
            self.push_item(text);
        }
        let stage = &mut self.draft.stages[self.cur];
        let Some(item) = self.last_item.and_then(|i| stage.items.get_mut(i)) else {
            return;
        };
        if SHELL_LANGS.contains(&lang) {
            item.commands.push(code.to_string());
        } else {
            item.notes.push(format!("```{lang}\n{code}\n```"));
        }
    }
}

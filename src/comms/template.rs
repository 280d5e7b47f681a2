//! The template language of status updates: text with `{name}` placeholders (`{{` and `}}` for
//! literal braces). A line whose placeholder has no value (no dashboard configured, no ticket)
//! is left out, and the blank lines that leaves are folded into one, so an update never says
//! `Dashboard: ` with nothing after it.

use super::facts::{Facts, NAMES};

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    /// Literal text.
    Text(String),
    /// A placeholder, by name.
    Var(&'static str),
    /// A line break.
    Newline,
}

/// A checked template.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses a template; every placeholder must be a known name. The error says what is wrong
    /// and how to write it instead.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut chars = text.chars().peekable();
        let mut line = 1usize;
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    lit.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    let mut closed = false;
                    for n in chars.by_ref() {
                        if n == '}' {
                            closed = true;
                            break;
                        }
                        if n == '\n' {
                            break;
                        }
                        name.push(n);
                    }
                    if !closed {
                        return Err(format!(
                            "line {line} of the template: `{{{name}` is not closed; write \
                             {{name}} for a value, or {{{{ for a literal brace"
                        ));
                    }
                    let name = name.trim();
                    let Some(known) = NAMES.iter().find(|(n, _)| *n == name) else {
                        let names: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
                        return Err(format!(
                            "line {line} of the template: {{{name}}} is not a value the war \
                             room knows; expected one of {}",
                            names.join(", ")
                        ));
                    };
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Var(known.0));
                }
                '}' => {
                    return Err(format!(
                        "line {line} of the template: a lone `}}`; write }}}} for a literal brace"
                    ));
                }
                '\n' => {
                    flush(&mut lit, &mut pieces);
                    pieces.push(Piece::Newline);
                    line += 1;
                }
                '\r' => {}
                c => lit.push(c),
            }
        }
        flush(&mut lit, &mut pieces);
        Ok(Self { pieces })
    }

    /// Fills the template: a line with a placeholder that has no value is left out, runs of
    /// blank lines are folded into one, and blank lines at either end are dropped.
    pub fn render(&self, facts: &Facts) -> String {
        let mut lines: Vec<String> = Vec::new();
        let mut line = String::new();
        let mut dropped = false;
        let mut finish = |line: &mut String, dropped: &mut bool| {
            if !*dropped {
                lines.push(line.trim_end().to_string());
            }
            line.clear();
            *dropped = false;
        };
        for p in &self.pieces {
            match p {
                Piece::Text(t) => line.push_str(t),
                Piece::Var(name) => match facts.value(name) {
                    Some(v) => line.push_str(&v),
                    None => dropped = true,
                },
                Piece::Newline => finish(&mut line, &mut dropped),
            }
        }
        finish(&mut line, &mut dropped);
        let mut out: Vec<&str> = Vec::with_capacity(lines.len());
        for l in &lines {
            if l.is_empty() && out.last().is_none_or(|p| p.is_empty()) {
                continue;
            }
            out.push(l);
        }
        while out.last().is_some_and(|l| l.is_empty()) {
            out.pop();
        }
        out.join("\n")
    }

    /// The placeholders the template uses, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.pieces
            .iter()
            .filter_map(|p| match p {
                Piece::Var(n) => Some(*n),
                _ => None,
            })
            .collect()
    }
}

fn flush(lit: &mut String, pieces: &mut Vec<Piece>) {
    if !lit.is_empty() {
        pieces.push(Piece::Text(std::mem::take(lit)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(pairs: &[(&'static str, &str)]) -> Facts {
        let mut f = Facts::default();
        for (k, v) in pairs {
            f.set(k, v.to_string());
        }
        f
    }

    #[test]
    fn fills_values_and_leaves_out_lines_without_one() {
        let t = Template::parse(
            "Subject: {service} {version}\n\nDashboard: {dashboard}\nWar Room: {channel}\n\n\
             {operator}, {role}\n",
        )
        .expect("template");
        let f = facts(&[
            ("service", "checkout"),
            ("version", "2.4.0"),
            ("operator", "lead"),
            ("role", "Deployment Lead"),
        ]);
        assert_eq!(
            t.render(&f),
            "Subject: checkout 2.4.0\n\nlead, Deployment Lead"
        );
        let f = facts(&[
            ("service", "checkout"),
            ("version", "2.4.0"),
            ("channel", "#war-room"),
            ("operator", "lead"),
            ("role", "Deployment Lead"),
        ]);
        assert_eq!(
            t.render(&f),
            "Subject: checkout 2.4.0\n\nWar Room: #war-room\n\nlead, Deployment Lead"
        );
    }

    #[test]
    fn braces_escape_and_mistakes_say_where_and_how() {
        let t = Template::parse("{{literal}} {service}").expect("template");
        assert_eq!(t.render(&facts(&[("service", "x")])), "{literal} x");
        assert_eq!(t.names(), vec!["service"]);
        let e = Template::parse("ok\n{verison}").expect_err("unknown name");
        assert!(
            e.contains("line 2") && e.contains("{verison}") && e.contains("version"),
            "{e}"
        );
        let e = Template::parse("a {service").expect_err("unclosed");
        assert!(e.contains("not closed"), "{e}");
        let e = Template::parse("a } b").expect_err("lone brace");
        assert!(e.contains("}}"), "{e}");
    }
}

//! Text from files (runbook titles, item text, session ids, paths, error messages) made safe
//! to print on a terminal: control characters, escape sequences and bidi or zero-width
//! characters are shown escaped (`\u{1b}`), so a runbook cannot set the terminal's title,
//! write the clipboard (OSC 52) or make a command read backwards (RELIABILITY row 34).
//!
//! The panes strip the same characters (`ui::sanitize`); printed text escapes them instead,
//! so what a file holds stays visible to whoever checks it.

use std::borrow::Cow;

/// `s` with every unsafe character written as `\u{…}`; newlines and tabs stay.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether printing `c` raw could change what the terminal does or shows.
pub fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_invisible_format(c)
}

/// Bidi embeddings, overrides and isolates, directional marks, line and paragraph
/// separators, and zero-width characters that hide text (a zero-width joiner stays: emoji
/// need it).
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{061c}'
            | '\u{2060}'
            | '\u{feff}'
    )
}

/// A TOML document with every unsafe character escaped the TOML way, so the document means
/// the same and still parses: `\uXXXX` inside basic strings, literal strings that hold one
/// rewritten as basic strings, `\u{…}` in comments.
pub fn toml(doc: &str) -> Cow<'_, str> {
    if !doc.chars().any(is_unsafe) {
        return Cow::Borrowed(doc);
    }
    let mut out = String::with_capacity(doc.len() + 64);
    let mut rest = doc;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("\"\"\"") {
            rest = copy_basic(after, "\"\"\"", &mut out);
        } else if let Some(after) = rest.strip_prefix("'''") {
            rest = copy_literal(after, "'''", &mut out);
        } else if let Some(after) = rest.strip_prefix('"') {
            rest = copy_basic(after, "\"", &mut out);
        } else if let Some(after) = rest.strip_prefix('\'') {
            rest = copy_literal(after, "'", &mut out);
        } else if c == '#' {
            let end = rest.find('\n').unwrap_or(rest.len());
            out.push_str(&escape(&rest[..end]));
            rest = &rest[end..];
        } else {
            out.push_str(&escape(&rest[..c.len_utf8()]));
            rest = &rest[c.len_utf8()..];
        }
    }
    Cow::Owned(out)
}

/// A TOML escape for `c`.
fn toml_escape(c: char, out: &mut String) {
    let n = u32::from(c);
    if n <= 0xffff {
        out.push_str(&format!("\\u{n:04X}"));
    } else {
        out.push_str(&format!("\\U{n:08X}"));
    }
}

/// Where a string that starts at `s` ends: (end of its body, end of its closing delimiter).
/// A multi-line string may end in up to two quotes of its own (`"""a""""`).
fn string_end(s: &str, delim: &str, from: usize) -> (usize, usize) {
    let Some(at) = s[from..].find(delim).map(|i| from + i) else {
        return (s.len(), s.len());
    };
    let q = delim.as_bytes()[0];
    let run = s.as_bytes()[at..].iter().take_while(|b| **b == q).count();
    let extra = if delim.len() == 3 {
        run.saturating_sub(3).min(2)
    } else {
        0
    };
    (at + extra, at + extra + delim.len())
}

/// Copies a basic string's body and closing `delim`, escaping unsafe characters; returns
/// what follows it.
fn copy_basic<'a>(s: &'a str, delim: &str, out: &mut String) -> &'a str {
    out.push_str(delim);
    // A backslash escapes the next character, which therefore never closes the string.
    let mut i = 0;
    let (body_end, close) = loop {
        let (body_end, close) = string_end(s, delim, i);
        let escaped = s[..body_end.min(s.len())]
            .bytes()
            .rev()
            .take_while(|b| *b == b'\\')
            .count()
            % 2
            == 1;
        if escaped && close < s.len() {
            i = body_end + 1;
            continue;
        }
        break (body_end, close);
    };
    for c in s[..body_end].chars() {
        if is_unsafe(c) && c != '\n' {
            toml_escape(c, out);
        } else {
            out.push(c);
        }
    }
    out.push_str(&s[body_end..close]);
    &s[close..]
}

/// Copies a literal string; one holding an unsafe character is rewritten as a basic string
/// (literal strings have no escapes). Returns what follows it.
fn copy_literal<'a>(s: &'a str, delim: &str, out: &mut String) -> &'a str {
    let (body_end, close) = string_end(s, delim, 0);
    let body = &s[..body_end];
    if !body.chars().any(|c| is_unsafe(c) && c != '\n') {
        out.push_str(delim);
        out.push_str(&s[..close]);
        return &s[close..];
    }
    let quote = if delim.len() == 3 { "\"\"\"" } else { "\"" };
    out.push_str(quote);
    for c in body.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push('\n'),
            c if is_unsafe(c) => toml_escape(c, out),
            c => out.push(c),
        }
    }
    out.push_str(quote);
    &s[close..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_escaped_and_plain_text_borrowed() {
        assert!(matches!(
            escape("deploy v2 → prod ✓\n\tok"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            escape("a\u{1b}]52;c;aGk=\u{7}b"),
            "a\\u{1b}]52;c;aGk=\\u{7}b"
        );
        assert_eq!(escape("x\u{202e}y\r"), "x\\u{202e}y\\u{d}");
        assert_eq!(escape("\u{9b}2J"), "\\u{9b}2J");
    }

    #[test]
    fn toml_keeps_its_meaning() {
        let doc = "# from a\u{1b}]0;t\u{7}.md\nt = \"x\\\"\u{202e}y\"\nl = 'C:\\p \"q\" \u{202e}'\n\
                   m = '''it's\n\u{9b}2J'''\nok = 'plain'\nb = \"\"\"a\u{202e}\"\"\"\"\n";
        let safe = toml(doc);
        assert!(!safe.chars().any(is_unsafe_but_newline), "{safe}");
        // A raw ESC in a comment is not TOML at all; the rest is.
        let body = doc.split_once('\n').map_or("", |(_, b)| b);
        let before: ::toml::Table = ::toml::from_str(body).expect("the input parses");
        let after: ::toml::Table = ::toml::from_str(&safe).expect("the output parses");
        assert_eq!(before, after, "{safe}");
        assert!(safe.contains("ok = 'plain'"), "{safe}");
        assert!(safe.starts_with("# from a\\u{1b}]0;t"), "{safe}");
    }

    fn is_unsafe_but_newline(c: char) -> bool {
        is_unsafe(c) && c != '\n'
    }

    #[test]
    fn everything_the_panes_strip_is_escaped() {
        // Every character the screen sanitiser removes must be escaped when printed
        // (zero-width joiners stay in both: emoji need them).
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            let s = c.to_string();
            let stripped = crate::ui::sanitize::line(&s) != s && c != '\n' && c != '\t';
            assert!(
                !stripped || is_unsafe(c),
                "U+{:04X} is stripped on screen but printed raw",
                u32::from(c)
            );
        }
    }
}

//! Text from data (runbooks, notes, operator names, log summaries) made safe to draw: no
//! control characters, no ANSI/OSC escape sequences, no bidi overrides (RELIABILITY row 34).
//! A runbook line must not be able to recolour the screen, move the cursor, set the window
//! title, or make `rm -rf /` read backwards.

use std::borrow::Cow;
use std::iter::Peekable;
use std::str::Chars;

/// One line for a single screen row: escapes and controls removed, tabs and newlines as spaces.
pub fn line(s: &str) -> Cow<'_, str> {
    // Most text is plain; don't allocate for it on every frame.
    if s.chars().all(is_plain) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            // C1 string introducers: DCS, SOS, OSC, PM, APC.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\t' | '\n' => out.push(' '),
            c if is_plain(c) => out.push(c),
            _ => {}
        }
    }
    Cow::Owned(out)
}

/// Multi-line text, one cleaned line per source line.
pub fn lines(s: &str) -> impl Iterator<Item = Cow<'_, str>> {
    s.split('\n')
        .map(|l| line(l.strip_suffix('\r').unwrap_or(l)))
}

fn is_plain(c: char) -> bool {
    !(c.is_control() || is_invisible_format(c))
}

/// Bidi embeddings, overrides and isolates, directional marks, and zero-width characters
/// that hide text (a zero-width joiner stays: emoji need it).
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
            | '\u{200b}'
            | '\u{2060}'
            | '\u{feff}'
    )
}

fn skip_escape(chars: &mut Peekable<Chars<'_>>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            chars.next();
            skip_string(chars);
        }
        Some(c) if ('\u{20}'..='\u{7e}').contains(&c) => {
            // nF sequences (ESC ( B) carry intermediates before the final byte.
            while chars
                .next_if(|c| ('\u{20}'..='\u{2f}').contains(c))
                .is_some()
            {}
            chars.next_if(|c| ('\u{30}'..='\u{7e}').contains(c));
        }
        _ => {}
    }
}

fn skip_csi(chars: &mut Peekable<Chars<'_>>) {
    while chars
        .next_if(|c| ('\u{20}'..='\u{3f}').contains(c))
        .is_some()
    {}
    chars.next_if(|c| ('\u{40}'..='\u{7e}').contains(c));
}

/// Skips to the string terminator: BEL, ESC \ or ST. An unterminated string hides the rest,
/// which is the safe way to fail.
fn skip_string(chars: &mut Peekable<Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{07}' | '\u{9c}' => return,
            '\u{1b}' => {
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(line("deploy v2 → prod ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_controls_and_bidi_are_removed() {
        let cases = [
            ("\u{1b}[31mred\u{1b}[0m", "red"),
            ("\u{1b}]0;pwned\u{07}title", "title"),
            ("\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\", "link"),
            ("a\u{1b}(Bb", "ab"),
            ("\u{9b}2Jclear", "clear"),
            ("bell\u{07}\u{08}\u{7f}", "bell"),
            ("rm -rf \u{202e}/ tsil", "rm -rf / tsil"),
            ("iso\u{2067}late\u{2069}", "isolate"),
            ("zero\u{200b}width\u{feff}", "zerowidth"),
            ("tab\there\nline", "tab here line"),
            ("\u{1b}]52;c;aGk=", ""),
        ];
        for (input, want) in cases {
            assert_eq!(line(input), want, "{input:?}");
        }
    }

    #[test]
    fn lines_split_and_clean_each() {
        let got: Vec<_> = lines("one\r\n\u{1b}[1mtwo\u{1b}[0m").collect();
        assert_eq!(got, vec!["one", "two"]);
    }
}

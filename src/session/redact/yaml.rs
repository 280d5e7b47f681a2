//! YAML block scalars under a secret-named key (`private_key: |` and the indented lines after
//! it): the lines are one value, so they become one masked line at the block's indentation.

use std::sync::LazyLock;

use regex::Regex;

use super::MASK;
use super::names::{Place, is_secret};

/// `key: |` or `- key: >-` (with an optional comment), capturing the indentation before the
/// key and the key.
static BLOCK_KEY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"^([ \t]*(?:-[ \t]+)?)["']?([A-Za-z0-9_.\-]+)["']?[ \t]*:[ \t]*[|>][-+0-9]*[ \t]*(?:#.*)?$"#,
    )
    .ok()
});

/// Whether `s` may hold a block scalar at all (cheap, checked first).
pub fn may_apply(s: &str) -> bool {
    s.contains('\n') && (s.contains(": |") || s.contains(": >") || s.contains(":|"))
}

/// Masks the body of every block scalar under a secret-named key.
pub fn blocks(s: &str) -> String {
    let Some(key) = BLOCK_KEY.as_ref() else {
        return s.to_string();
    };
    let lines: Vec<&str> = s.split('\n').collect();
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        out.push(line.to_string());
        i += 1;
        let Some(c) = key.captures(line) else {
            continue;
        };
        if !is_secret(&c[2], Place::Field) {
            continue;
        }
        let key_indent = c[1].chars().count();
        // The body: every following line indented deeper than the key, or blank.
        let start = i;
        while i < lines.len() && (lines[i].trim().is_empty() || indent(lines[i]) > key_indent) {
            i += 1;
        }
        // Trailing blank lines belong to what follows.
        let mut end = i;
        while end > start && lines[end - 1].trim().is_empty() {
            end -= 1;
        }
        if end > start {
            let pad: String = lines[start]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            out.push(format!("{pad}{MASK}"));
        }
        out.extend(lines[end..i].iter().map(|l| (*l).to_string()));
    }
    out.join("\n")
}

fn indent(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ' || *c == '\t').count()
}

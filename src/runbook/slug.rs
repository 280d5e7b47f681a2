//! Ids: slugs of heading or item text, unique within a runbook.

use std::collections::{HashMap, HashSet};

/// Longest slug the importer makes (before a `-2` suffix), cut at a word boundary.
pub const MAX_IMPORTED: usize = 48;

/// Longest id `check` accepts.
pub const MAX_ID: usize = 64;

/// Turns text into a slug: lowercase ASCII letters and digits separated by single hyphens.
/// Other ASCII characters and non-ASCII punctuation separate words; non-ASCII letters are
/// dropped; apostrophes vanish ("don't" → "dont"). The result is cut to `max` bytes at a word
/// boundary and may be empty.
pub fn slugify(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if gap && !out.is_empty() {
                out.push('-');
            }
            gap = false;
            out.push(c.to_ascii_lowercase());
        } else if matches!(c, '\'' | '’') || c.is_alphanumeric() {
            // Dropped without splitting the word.
        } else {
            gap = true;
        }
    }
    if out.len() > max {
        // Cut at the last hyphen that keeps the slug within `max`; a single over-long word is
        // cut hard.
        let cut = out[..=max].rfind('-').filter(|&i| i > 0).unwrap_or(max);
        out.truncate(cut);
        while out.ends_with('-') {
            out.pop();
        }
    }
    out
}

/// Whether `id` is a slug `check` accepts.
pub fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Hands out ids unique within one namespace, in the order asked: the first `x` is `x`, the
/// next `x-2`, then `x-3`. Asking in document order makes re-imports give identical ids.
#[derive(Debug, Default)]
pub struct Ids {
    taken: HashSet<String>,
    /// The suffix to try next for each base already handed out, so a text repeated n times
    /// costs n look-ups rather than n²/2 (every suffix below it is taken for good).
    next: HashMap<String, usize>,
}

impl Ids {
    /// Returns a fresh id based on `base` (`fallback` if `base` is empty) and records it.
    pub fn unique(&mut self, base: &str, fallback: &str) -> String {
        let base = if base.is_empty() { fallback } else { base };
        let mut candidate = base.to_string();
        if self.taken.contains(&candidate) {
            let n = self.next.entry(base.to_string()).or_insert(2);
            loop {
                candidate = format!("{base}-{n}");
                *n += 1;
                if !self.taken.contains(&candidate) {
                    break;
                }
            }
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_ascii_words() {
        assert_eq!(slugify("Code Review", 48), "code-review");
        assert_eq!(
            slugify("  Code coverage ≥ 80% for new code ", 48),
            "code-coverage-80-for-new-code"
        );
        assert_eq!(
            slugify("Don't deploy on Friday!", 48),
            "dont-deploy-on-friday"
        );
        assert_eq!(slugify("Café — über", 48), "caf-ber");
        assert_eq!(slugify("✅ ❌", 48), "");
        assert_eq!(
            slugify("`kubectl cluster-info`", 48),
            "kubectl-cluster-info"
        );
    }

    #[test]
    fn long_slugs_are_cut_at_a_word_boundary() {
        let s = slugify(
            "All code reviewed by at least 2 senior engineers and then some more words",
            48,
        );
        assert_eq!(s, "all-code-reviewed-by-at-least-2-senior-engineers");
        assert!(s.len() <= 48);
        let long = "a".repeat(80);
        assert_eq!(slugify(&long, 48).len(), 48);
    }

    #[test]
    fn ids_get_suffixes_in_order() {
        let mut ids = Ids::default();
        assert_eq!(ids.unique("logs-normal", "item"), "logs-normal");
        assert_eq!(ids.unique("logs-normal", "item"), "logs-normal-2");
        assert_eq!(ids.unique("logs-normal-2", "item"), "logs-normal-2-2");
        assert_eq!(ids.unique("", "item"), "item");
        assert_eq!(ids.unique("", "item"), "item-2");
    }

    #[test]
    fn slug_check() {
        for ok in ["a", "code-review", "t-7d-backup", "x1"] {
            assert!(is_slug(ok), "{ok}");
        }
        for bad in [
            "",
            "Code",
            "a--b",
            "-a",
            "a-",
            "a_b",
            "a b",
            &"a".repeat(65),
        ] {
            assert!(!is_slug(bad), "{bad}");
        }
    }
}

//! OpenSSH pattern lists (`*`, `?`, `!negation`, comma-separated), as allowed_signers uses them
//! for principals and `namespaces="…"`.

/// Whether `s` matches the glob `pattern` (`*` any run, `?` one character), as OpenSSH's
/// `match_pattern` does. Case-sensitive, like principals and namespaces in ssh-keygen.
pub fn glob(s: &str, pattern: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    // Iterative matcher with one backtrack point for the last `*`: linear in practice and no
    // recursion a hostile file could blow up.
    let (mut si, mut pi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            si += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// OpenSSH's `match_pattern_list`: `Some(true)` if a positive pattern of the comma-separated
/// `list` matches, `Some(false)` if a negated one (`!pat`) matches (a negation always wins),
/// `None` if nothing matches.
pub fn list(s: &str, list: &str) -> Option<bool> {
    let mut matched = None;
    for pat in list.split(',') {
        let (negated, pat) = match pat.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, pat),
        };
        if glob(s, pat) {
            if negated {
                return Some(false);
            }
            matched = Some(true);
        }
    }
    matched
}

/// Whether `s` is allowed by the pattern list: a positive match and no negated one.
pub fn allows(s: &str, patterns: &str) -> bool {
    list(s, patterns) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("alice@example.com", "alice@example.com"));
        assert!(glob("alice@example.com", "*@example.com"));
        assert!(glob("alice@example.com", "a?ice@*"));
        assert!(glob("", "*"));
        assert!(glob("abc", "a*b*c*"));
        assert!(!glob("alice@example.org", "*@example.com"));
        assert!(!glob("alice", "alice?"));
        assert!(!glob("Alice", "alice"));
        assert!(!glob("", "?"));
    }

    #[test]
    fn lists_with_negation() {
        assert!(allows("bob", "alice,bob"));
        assert!(!allows("carol", "alice,bob"));
        assert!(allows("a@ops", "*@ops,!b@ops"));
        assert!(!allows("b@ops", "*@ops,!b@ops"));
        // A negation wins even when listed before the positive pattern.
        assert!(!allows("b@ops", "!b@ops,*@ops"));
        assert_eq!(list("x", "!y"), None);
    }

    #[test]
    fn many_stars_do_not_blow_up() {
        let s = "a".repeat(200);
        let p = format!("{}b", "*a".repeat(50));
        assert!(!glob(&s, &p));
    }
}

//! The webhook's URL: a secret, read from the environment variable `[comms] webhook_url_env`
//! names, and never written anywhere. Text that quotes it (a draft it was pasted into, an
//! error that echoes it) has it masked before it is recorded or shown.

use crate::config::warroom::WarroomConfig;
use crate::session::redact::MASK;

/// Where posts would go, as far as the war room can tell without saying the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Webhook {
    /// No `[comms] webhook_url_env`: updates are recorded only.
    NotConfigured,
    /// Configured, but the variable is not set (or empty) in the war room's environment.
    Unset(String),
    /// Configured and set: posts go to the URL in this variable.
    Set(String),
}

impl Webhook {
    /// Reads the configuration and the environment.
    pub fn of(cfg: &WarroomConfig) -> Self {
        match &cfg.comms.webhook_url_env {
            None => Webhook::NotConfigured,
            Some(var) => match read(&var.0) {
                Some(_) => Webhook::Set(var.0.clone()),
                None => Webhook::Unset(var.0.clone()),
            },
        }
    }

    /// Whether a post can be attempted.
    pub fn is_set(&self) -> bool {
        matches!(self, Webhook::Set(_))
    }

    /// In words, for the overlay and refusals (names the variable, never its value).
    pub fn describe(&self) -> String {
        match self {
            Webhook::NotConfigured => {
                "recorded only: no webhook ([comms] webhook_url_env names the variable that \
                 holds one)"
                    .to_string()
            }
            Webhook::Unset(v) => {
                format!("recorded only: ${v} is not set in the war room's environment")
            }
            Webhook::Set(v) => format!("posted to the webhook in ${v}"),
        }
    }
}

/// The URL in `var`, if it is set and not empty.
pub fn read(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

/// `text` with the webhook's URL (and its secret path, should only that be quoted) masked.
pub fn mask(text: &str, cfg: &WarroomConfig) -> String {
    match cfg.comms.webhook_url_env.as_ref().and_then(|v| read(&v.0)) {
        Some(url) => mask_url(text, &url),
        None => text.to_string(),
    }
}

/// `text` with `url` masked: the whole URL, and its path and query on their own (the part of
/// a Slack URL that is the secret).
pub fn mask_url(text: &str, url: &str) -> String {
    let url = url.trim();
    let mut out = text.replace(url, MASK);
    if let Ok(u) = reqwest::Url::parse(url) {
        let mut secret = u.path().to_string();
        if let Some(q) = u.query() {
            secret.push('?');
            secret.push_str(q);
        }
        // A bare "/" or a short path would mask ordinary words.
        if secret.len() >= 8 {
            out = out.replace(&secret, MASK);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_and_its_secret_path_are_masked() {
        let url = "https://hooks.slack.com/services/T0001/B0002/abcdefXYZ123";
        let t = format!("see {url} and /services/T0001/B0002/abcdefXYZ123 too");
        let out = mask_url(&t, url);
        assert!(!out.contains("abcdefXYZ123"), "{out}");
        assert_eq!(out, format!("see {MASK} and {MASK} too"));
        assert_eq!(mask_url("nothing here", url), "nothing here");
    }
}

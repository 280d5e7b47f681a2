//! The runbook data model: stages with an offset from T-0, holding items.

use serde::{Deserialize, Serialize};

use super::offset::Offset;

/// A runbook: what the war room walks the team through, stage by stage.
///
/// The TOML shape is `title = …` then `[[stage]]` tables each holding `[[stage.item]]` tables,
/// so other tools can read runbooks too. YAML files use the same keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Runbook {
    /// Human title, shown in the header.
    #[serde(default)]
    pub title: String,
    /// Where the runbook was imported from, if it was (informational).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Stages in the order they are worked through.
    #[serde(default, rename = "stage")]
    pub stages: Vec<Stage>,
}

/// One stage of a runbook, e.g. "T-7d: code quality" or an untimed "rollback procedure".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Slug, unique within the runbook. (Defaults to empty so a missing id is reported by
    /// `check` with the other problems rather than stopping the read.)
    #[serde(default)]
    pub id: String,
    /// Human title.
    #[serde(default)]
    pub title: String,
    /// When the stage is due relative to T-0; `None` for stages with no time (execution steps,
    /// rollback procedures), which are never overdue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<Offset>,
    /// Prose kept from the source that belongs to the stage rather than one item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The stage's items, in order.
    #[serde(default, rename = "item")]
    pub items: Vec<Item>,
}

/// One checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Slug, unique within the runbook (missing ids are reported by `check`).
    #[serde(default)]
    pub id: String,
    /// What has to be done or confirmed.
    #[serde(default)]
    pub text: String,
    /// Required items hold up their stage and show as overdue once the stage is due.
    #[serde(default = "default_true")]
    pub required: bool,
    /// The role expected to tick it (informational; anyone may tick).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Shell commands attached to the item (shown, never run by the checklist).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
    /// Prose kept with the item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What the war room evaluates by itself to prove the item (see docs/runbook-format.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<super::check::Check>,
}

fn default_true() -> bool {
    true
}

impl Runbook {
    /// Finds a stage by id.
    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// Finds an item by stage and item id.
    pub fn item(&self, stage: &str, item: &str) -> Option<&Item> {
        self.stage(stage)?.items.iter().find(|i| i.id == item)
    }

    /// Total number of items across stages.
    pub fn item_count(&self) -> usize {
        self.stages.iter().map(|s| s.items.len()).sum()
    }
}

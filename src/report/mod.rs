//! The post-mortem report (`warroom report`): built from a session log alone by feeding its
//! envelopes through the same reducer as live mode, with every effect dropped, plus one pass
//! over the events for the timeline. Never reads a live system. Rendered as Markdown, JSON
//! (docs/report.schema.json) or one self-contained HTML page with inline SVG charts.

pub mod build;
pub mod charts;
pub mod finish;
pub mod html;
mod html_sections;
pub mod markdown;
mod markdown_sections;
pub mod metrics;
pub mod metrics_md;
pub mod model;
pub mod reader;
pub mod signals;
pub mod svg;
pub mod time;
pub mod view;
pub mod words;

use std::io::BufRead;
use std::path::Path;

pub use model::Report;

/// How a report is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown (the default).
    Md,
    /// JSON, as docs/report.schema.json describes.
    Json,
    /// One self-contained HTML page.
    Html,
}

/// Builds the report of a session log read from `input`, streaming; `name` is how the file
/// is named in the report.
pub fn from_reader<R: BufRead>(name: &str, input: R) -> std::io::Result<Report> {
    let mut b = build::Builder::new(name);
    let chain = reader::read(input, |line| b.feed(line))?;
    Ok(b.finish(&chain))
}

/// Builds the report of the session log at `path`, reading it on several threads.
pub fn from_file(path: &Path) -> std::io::Result<Report> {
    let f = std::fs::File::open(path)?;
    let mut b = build::Builder::new(path.display().to_string());
    let chain = reader::read_file(f, |line| b.feed(line))?;
    Ok(b.finish(&chain))
}

/// Writes the report in `format`.
pub fn render(report: &Report, format: Format) -> Result<String, serde_json::Error> {
    Ok(match format {
        Format::Md => markdown::render(report),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(report)?;
            s.push('\n');
            s
        }
        Format::Html => html::render(report),
    })
}

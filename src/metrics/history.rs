//! Per-series sample history built from successive scrapes, bounded by a retention window and a
//! series cap so a label explosion on a target cannot exhaust memory.
//!
//! Like the TSDB it stands in for, a series accepts only samples newer than its last one (an
//! out-of-order or duplicate timestamp is dropped), so the range functions always see strictly
//! increasing timestamps.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Labels;
use super::exposition::Exposition;

/// Default cap on distinct series.
pub const DEFAULT_MAX_SERIES: usize = 20_000;

/// A series' identity: metric name and labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    /// Metric name (`http_requests_total`, `…_bucket`).
    pub name: String,
    /// Labels, without `__name__`.
    pub labels: Labels,
}

/// One sample: milliseconds since the epoch and value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Timestamp in ms.
    pub t_ms: i64,
    /// Value (NaN and ±Inf are kept; the math decides, as PromQL does).
    pub value: f64,
}

/// What one ingest did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IngestStats {
    /// Samples appended.
    pub appended: usize,
    /// Samples dropped as out of order or duplicate.
    pub out_of_order: usize,
    /// Samples dropped because the series cap was reached.
    pub over_limit: usize,
}

/// Sample history of all scraped series.
#[derive(Debug, Clone)]
pub struct History {
    retention_ms: i64,
    max_series: usize,
    series: BTreeMap<SeriesKey, Vec<Point>>,
}

impl History {
    /// A history keeping `retention` of samples (make it at least the longest rate window plus
    /// a few scrape intervals) and at most [`DEFAULT_MAX_SERIES`] series.
    pub fn new(retention: Duration) -> Self {
        Self::with_max_series(retention, DEFAULT_MAX_SERIES)
    }

    /// Like [`new`](Self::new) with an explicit series cap.
    pub fn with_max_series(retention: Duration, max_series: usize) -> Self {
        Self {
            retention_ms: i64::try_from(retention.as_millis()).unwrap_or(i64::MAX),
            max_series,
            series: BTreeMap::new(),
        }
    }

    /// Adds one scrape of a target taken at `scraped_at_ms`. `target` labels (e.g. `instance`)
    /// are attached to every series; a sample's own label of the same name is kept as
    /// `exported_<name>`, as Prometheus does without `honor_labels`. A sample's own timestamp
    /// wins over the scrape time. Samples older than the retention are pruned afterwards.
    pub fn ingest(
        &mut self,
        scrape: &Exposition,
        target: &Labels,
        scraped_at_ms: i64,
    ) -> IngestStats {
        let mut stats = IngestStats::default();
        for s in &scrape.samples {
            let mut labels = s.labels.clone();
            for (k, v) in target {
                if let Some(own) = labels.insert(k.clone(), v.clone())
                    && own != *v
                {
                    labels.insert(format!("exported_{k}"), own);
                }
            }
            let key = SeriesKey {
                name: s.name.clone(),
                labels,
            };
            let point = Point {
                t_ms: s.timestamp_ms.unwrap_or(scraped_at_ms),
                value: s.value,
            };
            match self.push(key, point) {
                Pushed::Appended => stats.appended += 1,
                Pushed::OutOfOrder => stats.out_of_order += 1,
                Pushed::OverLimit => stats.over_limit += 1,
            }
        }
        self.prune(scraped_at_ms);
        stats
    }

    /// Appends one sample to a series.
    pub fn push(&mut self, key: SeriesKey, point: Point) -> Pushed {
        if let Some(points) = self.series.get_mut(&key) {
            if points.last().is_some_and(|last| last.t_ms >= point.t_ms) {
                return Pushed::OutOfOrder;
            }
            points.push(point);
            return Pushed::Appended;
        }
        if self.series.len() >= self.max_series {
            return Pushed::OverLimit;
        }
        self.series.insert(key, vec![point]);
        Pushed::Appended
    }

    /// Drops samples older than `now_ms - retention`, and series left empty.
    pub fn prune(&mut self, now_ms: i64) {
        let cutoff = now_ms.saturating_sub(self.retention_ms);
        self.series.retain(|_, points| {
            let keep_from = points.partition_point(|p| p.t_ms < cutoff);
            points.drain(..keep_from);
            !points.is_empty()
        });
    }

    /// All series with the given metric name.
    pub fn select<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = (&'a SeriesKey, &'a [Point])> {
        self.series
            .iter()
            .filter(move |(k, _)| k.name == name)
            .map(|(k, v)| (k, v.as_slice()))
    }

    /// Every series.
    pub fn iter(&self) -> impl Iterator<Item = (&SeriesKey, &[Point])> {
        self.series.iter().map(|(k, v)| (k, v.as_slice()))
    }

    /// Number of series held.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Whether no series is held.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }
}

/// What [`History::push`] did with a sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Stored.
    Appended,
    /// Dropped: not newer than the series' last sample.
    OutOfOrder,
    /// Dropped: a new series while the series cap is reached.
    OverLimit,
}

//! `histogram_quantile` over classic (`le`-bucketed) histograms, exactly as Prometheus 2.42.
//!
//! Mirrors `bucketQuantile`, `coalesceBuckets` and `ensureMonotonic` in `promql/quantile.go`
//! (v2.42): NaN q → NaN; q < 0 → -Inf; q > 1 → +Inf; buckets sorted by upper bound; a missing
//! +Inf bucket → NaN; equal bounds merged; counts forced monotonic; fewer than two buckets or
//! zero observations → NaN; a rank in the +Inf bucket returns the second-highest bound; the
//! lowest bucket interpolates from 0 when its bound is positive (else returns the bound);
//! otherwise linear interpolation inside the bucket.

use std::collections::BTreeMap;

use super::Labels;

/// One cumulative bucket: observations ≤ `upper_bound`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    /// The `le` bound.
    pub upper_bound: f64,
    /// Cumulative count (or rate of it).
    pub count: f64,
}

/// `bucketQuantile(q, buckets)`. Takes the buckets by value because, like Prometheus, it sorts
/// and rewrites them.
pub fn bucket_quantile(q: f64, mut buckets: Vec<Bucket>) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    // Go's `sort.Sort` with `<`; NaN bounds (which Prometheus does not expect) sort last here.
    buckets.sort_by(|a, b| a.upper_bound.total_cmp(&b.upper_bound));
    let Some(last) = buckets.last() else {
        return f64::NAN;
    };
    if last.upper_bound != f64::INFINITY {
        return f64::NAN;
    }
    let mut buckets = coalesce_buckets(buckets);
    ensure_monotonic(&mut buckets);

    let n = buckets.len();
    if n < 2 {
        return f64::NAN;
    }
    let observations = buckets[n - 1].count;
    if observations == 0.0 {
        return f64::NAN;
    }
    let mut rank = q * observations;
    // `sort.Search(len-1, count >= rank)`, the same binary search, so even NaN counts land
    // on the bucket Prometheus picks.
    let (mut lo, mut hi) = (0, n - 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if buckets[mid].count >= rank {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let b = lo;

    if b == n - 1 {
        return buckets[n - 2].upper_bound;
    }
    if b == 0 && buckets[0].upper_bound <= 0.0 {
        return buckets[0].upper_bound;
    }
    let bucket_end = buckets[b].upper_bound;
    let mut bucket_start = 0.0;
    let mut count = buckets[b].count;
    if b > 0 {
        bucket_start = buckets[b - 1].upper_bound;
        count -= buckets[b - 1].count;
        rank -= buckets[b - 1].count;
    }
    bucket_start + (bucket_end - bucket_start) * (rank / count)
}

/// `coalesceBuckets`: merges sorted buckets with equal bounds by adding their counts.
fn coalesce_buckets(buckets: Vec<Bucket>) -> Vec<Bucket> {
    let mut out: Vec<Bucket> = Vec::with_capacity(buckets.len());
    for b in buckets {
        match out.last_mut() {
            Some(last) if last.upper_bound == b.upper_bound => last.count += b.count,
            _ => out.push(b),
        }
    }
    out
}

/// `ensureMonotonic`: raises any count below an earlier bucket's to that count (the envelope),
/// since rates of separately scraped buckets can disagree slightly.
fn ensure_monotonic(buckets: &mut [Bucket]) {
    let Some(first) = buckets.first() else {
        return;
    };
    let mut max = first.count;
    for b in buckets.iter_mut().skip(1) {
        if b.count > max {
            max = b.count;
        } else if b.count < max {
            b.count = max;
        }
    }
}

/// `histogram_quantile(q, v)` for an instant vector of bucket samples: groups the samples by
/// their labels without `le` (and without `__name__`), and computes one quantile per group.
/// Samples with no `le` or an unparsable one are ignored, as in `funcHistogramQuantile`.
pub fn histogram_quantile<'a>(
    q: f64,
    samples: impl IntoIterator<Item = (&'a Labels, f64)>,
) -> BTreeMap<Labels, f64> {
    let mut groups: BTreeMap<Labels, Vec<Bucket>> = BTreeMap::new();
    for (labels, count) in samples {
        let Some(upper_bound) = labels.get("le").and_then(|le| le.parse::<f64>().ok()) else {
            continue;
        };
        let mut key = labels.clone();
        key.remove("le");
        key.remove("__name__");
        groups
            .entry(key)
            .or_default()
            .push(Bucket { upper_bound, count });
    }
    groups
        .into_iter()
        .map(|(labels, buckets)| (labels, bucket_quantile(q, buckets)))
        .collect()
}

//! Latency histograms in the verdict: one poll's two bucket vectors as a chain of 2×2 tables for
//! the sequential test, and quantiles for the screen and the Kayenta series.
//!
//! The chain: under "the candidate's latencies are distributed like stable's", the candidate's
//! bucket counts given the bucket totals and the candidate's total are multivariate
//! hypergeometric, which factors exactly into one hypergeometric per bucket, taken from the
//! slowest down: "of the requests not in a slower bucket, how many of the candidate's are in
//! this one". A slower candidate is over-represented in each slow bucket relative to the faster
//! ones, so its odds ratio ψ is above 1 in every table of the chain (a reversed-hazard ratio);
//! the sequential test mixes over a common ψ > 1.

use super::hypergeom::Table;
use crate::metrics::quantile::{Bucket, bucket_quantile};

/// The tables of one poll, slowest bucket first. `None` when the two layouts differ. Buckets
/// are per-bucket counts (not cumulative) in `le` order; the fastest bucket needs no table (its
/// count follows from the others).
pub fn chain(candidate: &[u64], stable: &[u64]) -> Option<Vec<Table>> {
    if candidate.len() != stable.len() {
        return None;
    }
    let mut population: u64 = candidate.iter().chain(stable).sum();
    let mut drawn: u64 = candidate.iter().sum();
    let mut tables = Vec::with_capacity(candidate.len().saturating_sub(1));
    for i in (1..candidate.len()).rev() {
        if drawn == 0 || population == drawn {
            // One version has nothing left: every later table is degenerate.
            break;
        }
        let marked = candidate[i] + stable[i];
        if marked > 0 {
            tables.push(Table {
                population,
                marked,
                drawn,
                hits: candidate[i],
            });
        }
        population -= marked;
        drawn -= candidate[i];
    }
    Some(tables)
}

/// Whether `le` bounds are usable: finite and strictly increasing (the `+Inf` bucket is
/// implied, not listed, so the bounds serialise as plain numbers).
pub fn valid_bounds(bounds: &[f64]) -> bool {
    bounds.iter().all(|b| b.is_finite()) && bounds.windows(2).all(|w| w[0] < w[1])
}

/// The `q` quantile of per-bucket counts, as Prometheus' `histogram_quantile`. `bounds` are
/// the finite `le` bounds; `buckets` has one more entry, the `+Inf` bucket. NaN when empty or
/// when the layouts differ.
pub fn quantile(bounds: &[f64], buckets: &[u64], q: f64) -> f64 {
    if bounds.len() + 1 != buckets.len() || !valid_bounds(bounds) {
        return f64::NAN;
    }
    let mut cumulative = 0u64;
    let v = bounds
        .iter()
        .chain([&f64::INFINITY])
        .zip(buckets)
        .map(|(le, c)| {
            cumulative += c;
            Bucket {
                upper_bound: *le,
                count: cumulative as f64,
            }
        })
        .collect();
    bucket_quantile(q, v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verdict::hypergeom::{Grid, add_log_lr};

    #[test]
    fn chain_runs_from_the_slowest_bucket() {
        let t = chain(&[1, 2, 3], &[10, 20, 0]).expect("same layout");
        assert_eq!(
            t,
            vec![
                Table {
                    population: 36,
                    marked: 3,
                    drawn: 6,
                    hits: 3
                },
                Table {
                    population: 33,
                    marked: 22,
                    drawn: 3,
                    hits: 2
                },
            ]
        );
        assert!(chain(&[1], &[1, 2]).is_none());
        assert_eq!(chain(&[0, 0], &[5, 5]), Some(vec![]));
    }

    #[test]
    fn chain_likelihood_is_the_multivariate_hypergeometric() {
        // P0 of the chain = product of the tables' hypergeometric probabilities, which must
        // equal Π C(k_i, c_i) / C(N, n): check by summing P0 over every candidate split.
        fn ln_choose(n: u64, k: u64) -> f64 {
            (1..=k).map(|i| ((n - k + i) as f64 / i as f64).ln()).sum()
        }
        let totals = [3u64, 4, 2];
        let n = 4u64;
        let big_n: u64 = totals.iter().sum();
        let mut p_sum = 0.0;
        let mut e_sum = 0.0;
        let grid = Grid::new(&[2.0]);
        for c0 in 0..=totals[0] {
            for c1 in 0..=totals[1] {
                for c2 in 0..=totals[2] {
                    if c0 + c1 + c2 != n {
                        continue;
                    }
                    let cand = [c0, c1, c2];
                    let stable: Vec<u64> = totals.iter().zip(cand).map(|(t, c)| t - c).collect();
                    let p: f64 = (totals
                        .iter()
                        .zip(cand)
                        .map(|(t, c)| ln_choose(*t, c))
                        .sum::<f64>()
                        - ln_choose(big_n, n))
                    .exp();
                    let mut lr = [0.0];
                    for t in chain(&cand, &stable).expect("layout") {
                        add_log_lr(t, &grid, &mut lr).expect("consistent");
                    }
                    p_sum += p;
                    e_sum += p * lr[0].exp();
                }
            }
        }
        assert!((p_sum - 1.0).abs() < 1e-12);
        // The chained likelihood ratio has expectation 1 under the null.
        assert!((e_sum - 1.0).abs() < 1e-12, "{e_sum}");
    }

    #[test]
    fn quantile_interpolates_like_prometheus() {
        let bounds = [0.1, 0.2];
        assert!((quantile(&bounds, &[50, 50, 0], 0.5) - 0.1).abs() < 1e-12);
        assert!((quantile(&bounds, &[0, 100, 0], 0.5) - 0.15).abs() < 1e-12);
        assert!(quantile(&bounds, &[0, 0, 0], 0.5).is_nan());
        assert!(quantile(&bounds, &[1, 2], 0.5).is_nan());
        assert!(quantile(&[0.2, 0.1], &[1, 2, 3], 0.5).is_nan());
        assert!(!valid_bounds(&[0.1, f64::INFINITY]));
    }
}

//! The two-sided Mann-Whitney U test (Wilcoxon rank-sum) with Kayenta's confidence interval and
//! Hodges-Lehmann estimate of the shift.
//!
//! Computes what Kayenta's `kayenta-mannwhitney` computes, which is R's `wilcox.test(x, y,
//! conf.int = TRUE, exact = FALSE, correct = TRUE)`: the rank statistic of `x - mu` against `y`
//! with the normal approximation, tie correction and continuity correction; the interval's ends
//! and the estimate are the shifts `mu` where the standardised statistic equals ±z(α/2) and 0,
//! found with Brent's method (netlib's `zeroin`, as R and Kayenta use it) to an absolute
//! tolerance of 1e-4. The U statistic and a two-sided p-value at `mu = 0` are added for
//! the screen; Kayenta's classifier only uses the interval and the estimate.

use super::normal;

/// The test's numbers for samples `x` (the candidate) and `y` (the baseline).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    /// Lower end of the confidence interval for the shift `x - y`.
    pub ci_low: f64,
    /// Upper end of the confidence interval.
    pub ci_high: f64,
    /// Hodges-Lehmann estimate: the median of the pairwise differences `x_i - y_j`, found as
    /// the root of the standardised rank statistic.
    pub estimate: f64,
    /// U for `x`: the number of pairs with `x_i > y_j`, ties counting one half.
    pub u: f64,
    /// The standardised statistic at `mu = 0` (tie and continuity corrected).
    pub z: f64,
    /// Two-sided p-value of "no shift", from `z`.
    pub p_value: f64,
}

/// Why the test could not be computed (Kayenta throws and classifies the metric `Error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MannWhitneyError {
    /// One of the samples is empty.
    #[error("a sample is empty")]
    Empty,
    /// A value is NaN or infinite (remove or replace NaNs first).
    #[error("a sample holds a value that is not finite")]
    NotFinite,
    /// Every observation has the same rank, so the statistic has no variance.
    #[error("cannot compute confidence interval when all observations are tied")]
    AllTied,
}

/// Two samples sorted once, so each evaluation of the rank statistic is a merge.
#[derive(Debug, Clone)]
pub struct Samples {
    x: Vec<f64>,
    y: Vec<f64>,
}

impl Samples {
    /// Sorts copies of both samples; refuses empty or non-finite ones.
    pub fn new(x: &[f64], y: &[f64]) -> Result<Self, MannWhitneyError> {
        if x.is_empty() || y.is_empty() {
            return Err(MannWhitneyError::Empty);
        }
        if x.iter().chain(y).any(|v| !v.is_finite()) {
            return Err(MannWhitneyError::NotFinite);
        }
        let mut x = x.to_vec();
        let mut y = y.to_vec();
        x.sort_by(f64::total_cmp);
        y.sort_by(f64::total_cmp);
        Ok(Self { x, y })
    }

    /// Sum of the ranks of `x - mu` in the combined sample (ties get their average rank) and
    /// the tie term Σ(t³ - t) over groups of equal values.
    fn rank_sum(&self, mu: f64) -> (f64, f64) {
        let (x, y) = (&self.x, &self.y);
        let (mut i, mut j) = (0, 0);
        let (mut placed, mut sum, mut ties) = (0.0f64, 0.0f64, 0.0f64);
        while i < x.len() || j < y.len() {
            let xv = x.get(i).map(|v| v - mu);
            let yv = y.get(j).copied();
            let v = match (xv, yv) {
                (Some(a), Some(b)) => a.min(b),
                (Some(a), None) => a,
                (None, Some(b)) => b,
                (None, None) => break,
            };
            let mut tx = 0usize;
            while i < x.len() && x[i] - mu == v {
                tx += 1;
                i += 1;
            }
            let mut ty = 0usize;
            while j < y.len() && y[j] == v {
                ty += 1;
                j += 1;
            }
            let t = (tx + ty) as f64;
            let average_rank = placed + (t + 1.0) / 2.0;
            sum += tx as f64 * average_rank;
            ties += t * t * t - t;
            placed += t;
        }
        (sum, ties)
    }

    /// Kayenta's `wilcoxonDiff(mu, quantile, x, y)`: the standardised, continuity-corrected
    /// rank statistic of `x - mu` against `y`, minus `quantile`.
    pub fn wilcoxon_diff(&self, mu: f64, quantile: f64) -> Result<f64, MannWhitneyError> {
        let (z, _) = self.standardised(mu)?;
        Ok(z - quantile)
    }

    /// The standardised statistic at shift `mu`, and U.
    fn standardised(&self, mu: f64) -> Result<(f64, f64), MannWhitneyError> {
        let nx = self.x.len() as f64;
        let ny = self.y.len() as f64;
        let (rank_sum, ties) = self.rank_sum(mu);
        let dz = rank_sum - nx * (nx + 1.0) / 2.0 - nx * ny / 2.0;
        let correction = if dz > 0.0 {
            0.5
        } else if dz < 0.0 {
            -0.5
        } else {
            0.0
        };
        let sigma =
            ((nx * ny / 12.0) * ((nx + ny + 1.0) - ties / ((nx + ny) * (nx + ny - 1.0)))).sqrt();
        if sigma == 0.0 || sigma.is_nan() {
            return Err(MannWhitneyError::AllTied);
        }
        let u = rank_sum - nx * (nx + 1.0) / 2.0;
        Ok(((dz - correction) / sigma, u))
    }

    /// Kayenta's `findRoot`: the shift where the statistic crosses `zq`, clamped to the range
    /// of possible shifts.
    fn find_root(&self, zq: f64) -> Result<f64, MannWhitneyError> {
        let (lo, hi) = self.shift_range();
        let f_lower = self.wilcoxon_diff(lo, zq)?;
        let f_upper = self.wilcoxon_diff(hi, zq)?;
        if f_lower <= 0.0 {
            Ok(lo)
        } else if f_upper >= 0.0 {
            Ok(hi)
        } else {
            brent(lo, hi, f_lower, f_upper, |mu| self.wilcoxon_diff(mu, zq))
        }
    }

    /// The shifts the interval is searched in: `[min(x) - max(y), max(x) - min(y)]`.
    pub fn shift_range(&self) -> (f64, f64) {
        let (x, y) = (&self.x, &self.y);
        (x[0] - y[y.len() - 1], x[x.len() - 1] - y[0])
    }

    /// The whole test at `confidence_level` (Kayenta's `mannWhitneyUTest`).
    pub fn test(&self, confidence_level: f64) -> Result<MannWhitney, MannWhitneyError> {
        let alpha = 1.0 - confidence_level;
        let z_quant = normal::quantile(alpha / 2.0);
        let ci_low = self.find_root(-z_quant)?;
        let ci_high = self.find_root(z_quant)?;
        let (lo, hi) = self.shift_range();
        let f_lower = self.wilcoxon_diff(lo, 0.0)?;
        let f_upper = self.wilcoxon_diff(hi, 0.0)?;
        let estimate = brent(lo, hi, f_lower, f_upper, |mu| self.wilcoxon_diff(mu, 0.0))?;
        let (z, u) = self.standardised(0.0)?;
        let p_value = (2.0 * normal::cdf(-z.abs())).min(1.0);
        Ok(MannWhitney {
            ci_low,
            ci_high,
            estimate,
            u,
            z,
            p_value,
        })
    }
}

/// Kayenta's `mannWhitneyUTest(x, y, confidenceLevel)`.
pub fn mann_whitney(
    x: &[f64],
    y: &[f64],
    confidence_level: f64,
) -> Result<MannWhitney, MannWhitneyError> {
    Samples::new(x, y)?.test(confidence_level)
}

/// commons-math `Precision.equals(v, 0)`: within one ulp of zero.
fn is_zero(v: f64) -> bool {
    v.abs() <= f64::from_bits(1)
}

/// Brent's root finder as in netlib's `zeroin` (R's `uniroot`, Kayenta's `BrentSolver`), with
/// Kayenta's absolute tolerance (1e-4) and iteration limit (1000), so the roots agree with
/// Kayenta's to well below that tolerance.
pub fn brent<F>(ax: f64, bx: f64, fa: f64, fb: f64, f: F) -> Result<f64, MannWhitneyError>
where
    F: Fn(f64) -> Result<f64, MannWhitneyError>,
{
    const MAX_ITERATIONS: usize = 1000;
    const TOLERANCE: f64 = 1e-4;
    const EPSILON: f64 = 2.220_446_049_250_313e-16;
    let (mut a, mut b, mut fa, mut fb) = (ax, bx, fa, fb);
    let mut c = a;
    let mut fc = fa;
    if is_zero(fa) {
        return Ok(a);
    }
    if is_zero(fb) {
        return Ok(b);
    }
    for _ in 0..=MAX_ITERATIONS {
        let prev_step = b - a;
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol_act = 2.0 * EPSILON * b.abs() + TOLERANCE / 2.0;
        let mut new_step = (c - b) / 2.0;
        if new_step.abs() <= tol_act || is_zero(fb) {
            return Ok(b);
        }
        if prev_step.abs() >= tol_act && fa.abs() > fb.abs() {
            let cb = c - b;
            let (mut p, mut q) = if a == c {
                let t1 = fb / fa;
                (cb * t1, 1.0 - t1)
            } else {
                // Inverse quadratic interpolation.
                let qq = fa / fc;
                let t1 = fb / fc;
                let t2 = fb / fa;
                (
                    t2 * (cb * qq * (qq - t1) - (b - a) * (t1 - 1.0)),
                    (qq - 1.0) * (t1 - 1.0) * (t2 - 1.0),
                )
            };
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if p < (0.75 * cb * q - (tol_act * q).abs() / 2.0) && p < (prev_step * q / 2.0).abs() {
                new_step = p / q;
            }
        }
        if new_step.abs() < tol_act {
            new_step = if new_step > 0.0 { tol_act } else { -tol_act };
        }
        a = b;
        fa = fb;
        b += new_step;
        fb = f(b)?;
        if (fb > 0.0 && fc > 0.0) || (fb < 0.0 && fc < 0.0) {
            c = a;
            fc = fa;
        }
    }
    // Kayenta returns the last iterate when the limit is reached.
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// U by brute force over every pair.
    fn pairwise_u(x: &[f64], y: &[f64]) -> f64 {
        let mut u = 0.0;
        for a in x {
            for b in y {
                if a > b {
                    u += 1.0;
                } else if a == b {
                    u += 0.5;
                }
            }
        }
        u
    }

    #[test]
    fn u_counts_pairs_and_ties() {
        let x = [1.0, 2.0, 2.0, 5.0, 7.0];
        let y = [2.0, 3.0, 3.0, 6.0];
        let r = mann_whitney(&x, &y, 0.95).expect("test");
        assert_eq!(r.u, pairwise_u(&x, &y));
    }

    #[test]
    fn estimate_is_the_median_pairwise_difference() {
        // No ties among differences: HL = median of x_i - y_j, up to the solver's tolerance.
        let x = [10.3, 11.9, 12.4, 15.0, 16.1, 18.7, 19.2];
        let y = [1.1, 2.6, 3.0, 4.4, 6.9, 7.5];
        let mut diffs: Vec<f64> = x
            .iter()
            .flat_map(|a| y.iter().map(move |b| a - b))
            .collect();
        diffs.sort_by(f64::total_cmp);
        let n = diffs.len();
        let median = (diffs[n / 2 - 1] + diffs[n / 2]) / 2.0;
        let r = mann_whitney(&x, &y, 0.95).expect("test");
        // The statistic is a step function of mu: any mu in the flat step containing the
        // median is a root, so the estimate lies between the two middle differences.
        assert!(r.estimate >= diffs[n / 2 - 1] - 1e-4 && r.estimate <= diffs[n / 2] + 1e-4);
        assert!((r.estimate - median).abs() < 1.5);
        assert!(r.ci_low < r.estimate && r.estimate < r.ci_high);
        assert!(r.ci_low > 0.0, "clearly shifted: {r:?}");
        assert!(r.p_value < 0.01);
    }

    #[test]
    fn p_value_matches_the_normal_approximation_by_hand() {
        // nx = ny = 3, no ties: W = 0 for x entirely below y.
        let r = mann_whitney(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], 0.95).expect("test");
        assert_eq!(r.u, 0.0);
        // dz = -4.5, correction -0.5, sigma = sqrt(9/12 * 7).
        let z = (-4.5 + 0.5) / (9.0f64 / 12.0 * 7.0).sqrt();
        assert!((r.z - z).abs() < 1e-12);
        assert!((r.p_value - 2.0 * normal::cdf(z)).abs() < 1e-12);
    }

    #[test]
    fn refuses_empty_nan_and_all_tied() {
        assert_eq!(
            mann_whitney(&[], &[1.0], 0.95),
            Err(MannWhitneyError::Empty)
        );
        assert_eq!(
            mann_whitney(&[f64::NAN], &[1.0], 0.95),
            Err(MannWhitneyError::NotFinite)
        );
        assert_eq!(
            mann_whitney(&[1.0, 1.0], &[1.0], 0.95),
            Err(MannWhitneyError::AllTied)
        );
    }
}

//! The building block of the sequential tests: a 2×2 table of one poll (candidate or stable ×
//! in a category or not), its exact conditional distribution under "no difference", and a
//! mixture, over a grid of odds ratios ψ > 1, of the likelihood ratios accumulated over tables.
//!
//! Given the table's margins (how many requests each version served, how many fell in the
//! category), under the null hypothesis that a candidate request is no likelier to fall in the
//! category than a stable one, the candidate's count is hypergeometric, whatever the category's
//! rate and however the traffic was split. Under odds ratio ψ it is Fisher's noncentral
//! hypergeometric, so the likelihood ratio of one table is
//! `LR(ψ) = ψ^x · Σ_j u_j / Σ_j u_j ψ^j` with `u_j = C(K, j) C(N-K, n-j)`. A product of such
//! ratios over tables is a nonnegative martingale under the null, and so is any mixture of
//! products over ψ: Ville's inequality then bounds the chance that the mixture *ever* reaches
//! 1/α by α.

use serde::{Deserialize, Serialize};

/// One 2×2 table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table {
    /// Requests of both versions in the table (N).
    pub population: u64,
    /// Of those, in the category: errors, or a latency bucket (K).
    pub marked: u64,
    /// Of the population, the candidate's (n).
    pub drawn: u64,
    /// The candidate's requests in the category (x).
    pub hits: u64,
}

/// A table whose counts cannot come from one poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("inconsistent table: {0:?}")]
pub struct InconsistentTable(pub Table);

/// The grid of odds ratios ψ, with their logarithms.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// ψ values.
    pub psi: Vec<f64>,
    /// ln ψ, same order.
    pub log_psi: Vec<f64>,
}

impl Grid {
    /// A grid over these ψ values.
    pub fn new(psi: &[f64]) -> Self {
        Self {
            psi: psi.to_vec(),
            log_psi: psi.iter().map(|p| p.ln()).collect(),
        }
    }
}

/// Adds the log likelihood ratio of a table at each grid point to `out`. Returns whether the
/// table carried information: one whose margins leave only one possible count adds nothing.
pub fn add_log_lr(t: Table, grid: &Grid, out: &mut [f64]) -> Result<bool, InconsistentTable> {
    let Table {
        population: big_n,
        marked: k,
        drawn: n,
        hits: x,
    } = t;
    if k > big_n || n > big_n {
        return Err(InconsistentTable(t));
    }
    let lo = (n + k).saturating_sub(big_n);
    let hi = n.min(k);
    if x < lo || x > hi {
        return Err(InconsistentTable(t));
    }
    if lo == hi {
        return Ok(false);
    }
    // r_j = u_{j+1} / u_j for j = lo..hi-1; decreasing in j (the hypergeometric is
    // log-concave).
    let ratios: Vec<f64> = (lo..hi)
        .map(|j| {
            // j ≥ lo keeps N + j + 1 - k - n ≥ 1.
            ((k - j) as f64 * (n - j) as f64) / ((j + 1) as f64 * (big_n + j + 1 - k - n) as f64)
        })
        .collect();
    let log_s1 = log_sum(&ratios, 1.0);
    for ((psi, lp), acc) in grid.psi.iter().zip(&grid.log_psi).zip(out.iter_mut()) {
        *acc += (x - lo) as f64 * lp + log_s1 - log_sum(&ratios, *psi);
    }
    Ok(true)
}

/// ln Σ_j u_j ψ^(j-lo) with u_lo = 1, by the recursion a_{j+1} = a_j r_j ψ, rescaled so it
/// neither overflows nor loses the terms that matter.
fn log_sum(ratios: &[f64], psi: f64) -> f64 {
    const BIG: f64 = 1e250;
    let mut a = 1.0f64;
    let mut s = 1.0f64;
    let mut log_scale = 0.0f64;
    for r in ratios {
        let step = r * psi;
        a *= step;
        s += a;
        if a > BIG {
            a /= BIG;
            s /= BIG;
            log_scale += BIG.ln();
        }
        // Once terms shrink they keep shrinking; stop when they no longer change the sum.
        if step < 1.0 && a < s * 1e-17 {
            break;
        }
    }
    s.ln() + log_scale
}

/// The odds-ratio grid: ψ from 1.1 to 1000, evenly spaced in ln ψ, equal prior weights.
pub fn default_grid() -> Vec<f64> {
    const POINTS: usize = 20;
    let (lo, hi) = (1.1f64.ln(), 1000f64.ln());
    (0..POINTS)
        .map(|i| (lo + (hi - lo) * i as f64 / (POINTS - 1) as f64).exp())
        .collect()
}

/// A mixture martingale: the accumulated log likelihood ratio at each grid point, and the
/// largest evidence seen so far (for the always-valid p-value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mixture {
    /// Σ over tables of ln LR(ψ_k), one per grid point.
    pub log_lr: Vec<f64>,
    /// Tables that carried information.
    pub tables: u64,
    /// The largest ln e seen so far (≥ 0: the e-process starts at 1).
    pub max_log_e: f64,
}

impl Mixture {
    /// An empty mixture over `points` grid points (e = 1).
    pub fn new(points: usize) -> Self {
        Self {
            log_lr: vec![0.0; points],
            tables: 0,
            max_log_e: 0.0,
        }
    }

    /// Adds one table.
    pub fn observe(&mut self, t: Table, grid: &Grid) -> Result<(), InconsistentTable> {
        if add_log_lr(t, grid, &mut self.log_lr)? {
            self.tables += 1;
        }
        Ok(())
    }

    /// ln of the e-value: ln of the equally weighted mean of the grid's likelihood ratios.
    pub fn log_e(&self) -> f64 {
        log_mean_exp(&self.log_lr)
    }

    /// Records the current evidence in the running maximum; call once per poll.
    pub fn settle(&mut self) {
        self.max_log_e = self.max_log_e.max(self.log_e());
    }
}

/// ln((Σ e^v) / len), computed stably; 0 for an empty slice (e = 1).
pub fn log_mean_exp(v: &[f64]) -> f64 {
    let Some(m) = v.iter().copied().reduce(f64::max) else {
        return 0.0;
    };
    let s: f64 = v.iter().map(|x| (x - m).exp()).sum();
    m + (s / v.len() as f64).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ln C(n, k) by summing logs (exact enough for small n).
    fn ln_choose(n: u64, k: u64) -> f64 {
        (1..=k).map(|i| ((n - k + i) as f64 / i as f64).ln()).sum()
    }

    /// The likelihood ratio by its definition, straight from binomial coefficients.
    fn lr_by_definition(t: Table, psi: f64) -> f64 {
        let lo = (t.drawn + t.marked).saturating_sub(t.population);
        let hi = t.drawn.min(t.marked);
        let u = |j: u64| {
            (ln_choose(t.marked, j) + ln_choose(t.population - t.marked, t.drawn - j)).exp()
        };
        let central: f64 = (lo..=hi).map(u).sum();
        let tilted: f64 = (lo..=hi).map(|j| u(j) * psi.powi(j as i32)).sum();
        psi.powi(t.hits as i32) * central / tilted
    }

    #[test]
    fn matches_the_definition() {
        let tables = [
            Table {
                population: 40,
                marked: 5,
                drawn: 8,
                hits: 3,
            },
            Table {
                population: 40,
                marked: 5,
                drawn: 8,
                hits: 0,
            },
            Table {
                population: 30,
                marked: 25,
                drawn: 10,
                hits: 9,
            },
            Table {
                population: 12,
                marked: 6,
                drawn: 6,
                hits: 6,
            },
        ];
        let grid = Grid::new(&[1.1, 2.0, 7.5, 60.0]);
        for t in tables {
            let mut out = vec![0.0; grid.psi.len()];
            add_log_lr(t, &grid, &mut out).expect("consistent");
            for (psi, got) in grid.psi.iter().zip(&out) {
                let want = lr_by_definition(t, *psi).ln();
                assert!((got - want).abs() < 1e-9, "{t:?} ψ={psi}: {got} vs {want}");
            }
        }
    }

    #[test]
    fn expectation_under_the_null_is_one() {
        // Σ_x P0(x) LR(x) = 1 for every ψ: the defining property of a likelihood ratio.
        let (big_n, k, n) = (50u64, 7u64, 12u64);
        let grid = Grid::new(&[0.5, 3.0, 40.0]);
        let lo = (n + k).saturating_sub(big_n);
        let hi = n.min(k);
        let p0 =
            |x: u64| (ln_choose(k, x) + ln_choose(big_n - k, n - x) - ln_choose(big_n, n)).exp();
        let mut total = [0.0f64; 3];
        for x in lo..=hi {
            let mut out = [0.0; 3];
            let t = Table {
                population: big_n,
                marked: k,
                drawn: n,
                hits: x,
            };
            add_log_lr(t, &grid, &mut out).expect("consistent");
            for (acc, l) in total.iter_mut().zip(out) {
                *acc += p0(x) * l.exp();
            }
        }
        for t in total {
            assert!((t - 1.0).abs() < 1e-12, "{t}");
        }
    }

    #[test]
    fn huge_tables_do_not_overflow() {
        let t = Table {
            population: 200_000,
            marked: 20_000,
            drawn: 20_000,
            hits: 15_000,
        };
        let mut out = vec![0.0; 1];
        add_log_lr(t, &Grid::new(&[1000.0]), &mut out).expect("consistent");
        assert!(out[0].is_finite() && out[0] > 1000.0, "{out:?}");
    }

    #[test]
    fn degenerate_and_inconsistent_tables() {
        let mut out = vec![0.0; 2];
        let grid = Grid::new(&[1.5, 3.0]);
        // No candidate requests: nothing to learn.
        let none = Table {
            population: 10,
            marked: 3,
            drawn: 0,
            hits: 0,
        };
        assert_eq!(add_log_lr(none, &grid, &mut out), Ok(false));
        assert_eq!(out, vec![0.0, 0.0]);
        let bad = Table {
            population: 10,
            marked: 3,
            drawn: 5,
            hits: 4,
        };
        assert!(add_log_lr(bad, &grid, &mut out).is_err());
        let g = default_grid();
        assert_eq!(g.len(), 20);
        assert!((g[0] - 1.1).abs() < 1e-12 && (g[19] - 1000.0).abs() < 1e-9);
    }
}

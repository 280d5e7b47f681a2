//! Short number formats for the verdict's one-line summaries.

/// A ratio as a percentage: 0.081 → "8.1 %", 0.001 → "0.10 %".
pub fn percent(v: f64) -> String {
    if !v.is_finite() {
        return "?".into();
    }
    let p = v * 100.0;
    if p == 0.0 {
        "0 %".into()
    } else if p >= 10.0 {
        format!("{p:.0} %")
    } else if p >= 1.0 {
        format!("{p:.1} %")
    } else {
        format!("{p:.2} %")
    }
}

/// Seconds as milliseconds below 10 s: 0.39 → "390 ms", 12.0 → "12 s".
pub fn seconds(v: f64) -> String {
    if !v.is_finite() {
        return "?".into();
    }
    if v < 0.01 {
        format!("{:.1} ms", v * 1000.0)
    } else if v < 10.0 {
        format!("{:.0} ms", v * 1000.0)
    } else {
        format!("{v:.0} s")
    }
}

/// Two significant digits, scientific outside [0.01, 1000): 0.8, 12, 340, 1.2e4, 3.1e-9.
pub fn number(v: f64) -> String {
    if v.is_nan() {
        return "?".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "∞".into() } else { "-∞".into() };
    }
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if !(0.01..1000.0).contains(&a) {
        let s = format!("{v:.1e}");
        // Rust writes "1.2e4"; drop a ".0" mantissa: "1e4".
        s.replace(".0e", "e")
    } else if a >= 10.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        trim(format!("{v:.1}"))
    } else {
        trim(format!("{v:.2}"))
    }
}

/// A number given by its natural log, so evidence beyond f64's range still prints:
/// ln 1e4 → "1e4", 1822.9 → "1.2e791".
pub fn number_from_log(log: f64) -> String {
    if log.is_nan() {
        return "?".into();
    }
    if log < 690.0 {
        return number(log.exp());
    }
    let decimal = log / std::f64::consts::LN_10;
    let (exponent, mantissa) = (decimal.floor(), 10f64.powf(decimal - decimal.floor()));
    let m = format!("{mantissa:.1}");
    let m = m.strip_suffix(".0").unwrap_or(&m).to_string();
    format!("{m}e{exponent:.0}")
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(percent(0.081), "8.1 %");
        assert_eq!(percent(0.001), "0.10 %");
        assert_eq!(percent(0.25), "25 %");
        assert_eq!(percent(f64::NAN), "?");
        assert_eq!(seconds(0.39), "390 ms");
        assert_eq!(seconds(0.0045), "4.5 ms");
        assert_eq!(number(0.8), "0.8");
        assert_eq!(number(12.3), "12");
        assert_eq!(number(12_000.0), "1.2e4");
        assert_eq!(number(10_000.0), "1e4");
        assert_eq!(number(3.1e-9), "3.1e-9");
        assert_eq!(number(1.0), "1");
        assert_eq!(number(0.43), "0.43");
        assert_eq!(number_from_log(10_000f64.ln()), "1e4");
        assert_eq!(number_from_log(1822.94), "4.9e791");
        assert_eq!(number_from_log(0.0), "1");
    }
}

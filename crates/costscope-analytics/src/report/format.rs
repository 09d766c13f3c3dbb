//! How figures read in reports: money to the cent with thousands separators, compact
//! money for chart axes, signed changes and percentages, and HTML escaping.

/// `1234567.891` in USD → `$1,234,567.89`; other currencies → `1,234,567.89 EUR`;
/// negatives → `-$12.30`.
pub fn money(value: f64, currency: &str) -> String {
    let cents = (value.abs() * 100.0).round();
    let whole = (cents / 100.0).trunc() as u128;
    let fraction = (cents % 100.0) as u32;
    let sign = if value < 0.0 && cents > 0.0 { "-" } else { "" };
    let number = format!("{}.{fraction:02}", thousands(whole));
    match symbol(currency) {
        Some(symbol) => format!("{sign}{symbol}{number}"),
        None if currency.is_empty() => format!("{sign}{number}"),
        None => format!("{sign}{number} {currency}"),
    }
}

/// [`money`] with an explicit `+` for increases: `+$12.30`, `-$4.00`.
pub fn signed_money(value: f64, currency: &str) -> String {
    let text = money(value, currency);
    if text.starts_with('-') || (value * 100.0).round() == 0.0 {
        text
    } else {
        format!("+{text}")
    }
}

/// How many units a unit cost is quoted for so it reads in cents: 1, 1,000 or 1,000,000
/// (`$0.0000116` per invocation reads `$11.60` per 1M invocations).
pub fn unit_scale(largest: f64) -> (f64, &'static str) {
    let largest = largest.abs();
    if largest >= 0.1 || largest == 0.0 {
        (1.0, "")
    } else if largest * 1e3 >= 1.0 {
        (1e3, "1,000 ")
    } else {
        (1e6, "1M ")
    }
}

/// A unit cost in words: `$11.60 per 1M invocations`, `$0.52 per order`.
pub fn unit_cost(value: f64, scale: (f64, &str), currency: &str, metric: &str) -> String {
    let (factor, prefix) = scale;
    let unit = if prefix.is_empty() {
        singular(metric)
    } else {
        metric.replace('_', " ")
    };
    format!("{} per {prefix}{unit}", money(value * factor, currency))
}

/// `invocations` → `invocation`.
pub fn singular(metric: &str) -> String {
    metric
        .strip_suffix('s')
        .filter(|s| !s.is_empty())
        .unwrap_or(metric)
        .replace('_', " ")
}

/// Short money for chart axes: `$950`, `$1.2k`, `$3.4M`.
pub fn compact_money(value: f64, currency: &str) -> String {
    let magnitude = value.abs();
    let number = if magnitude >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if magnitude >= 1e4 {
        format!("{:.0}k", value / 1e3)
    } else if magnitude >= 1e3 {
        format!("{:.1}k", value / 1e3)
    } else if magnitude >= 10.0 || magnitude == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    };
    match symbol(currency) {
        Some(symbol) => format!("{symbol}{number}"),
        None => number,
    }
}

/// `12.345` → `+12.3%`, `-4` → `-4.0%`, `None` → `n/a`.
pub fn percent_change(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() && (v * 10.0).round() == 0.0 => "0.0%".to_string(),
        Some(v) if v.is_finite() => format!("{}{v:.1}%", if v > 0.0 { "+" } else { "" }),
        _ => "n/a".to_string(),
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(value: u128) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count with thousands separators (rounded to a whole number).
pub fn count(value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    format!("{sign}{}", thousands(value.abs().round() as u128))
}

fn symbol(currency: &str) -> Option<&'static str> {
    match currency {
        "USD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        _ => None,
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_to_the_cent_with_separators() {
        assert_eq!(money(1_234_567.891, "USD"), "$1,234,567.89");
        assert_eq!(money(0.004, "USD"), "$0.00");
        assert_eq!(money(-0.004, "USD"), "$0.00");
        assert_eq!(money(-12.3, "USD"), "-$12.30");
        assert_eq!(money(999.995, "USD"), "$1,000.00");
        assert_eq!(money(1500.0, "CHF"), "1,500.00 CHF");
        assert_eq!(money(12.0, ""), "12.00");
        assert_eq!(signed_money(12.3, "USD"), "+$12.30");
        assert_eq!(signed_money(-12.3, "USD"), "-$12.30");
        assert_eq!(signed_money(0.001, "USD"), "$0.00");
    }

    #[test]
    fn small_and_compact_amounts() {
        assert_eq!(compact_money(1234.0, "USD"), "$1.2k");
        assert_eq!(compact_money(45_000.0, "USD"), "$45k");
        assert_eq!(compact_money(950.0, "USD"), "$950");
        assert_eq!(percent_change(Some(12.345)), "+12.3%");
        assert_eq!(percent_change(None), "n/a");
        assert_eq!(percent_change(Some(-0.01)), "0.0%");
        let scale = unit_scale(0.0000116);
        assert_eq!(
            unit_cost(0.0000116, scale, "USD", "invocations"),
            "$11.60 per 1M invocations"
        );
        assert_eq!(
            unit_cost(0.52, unit_scale(0.52), "USD", "orders"),
            "$0.52 per order"
        );
        assert_eq!(
            unit_cost(0.0042, unit_scale(0.0042), "USD", "clicks"),
            "$4.20 per 1,000 clicks"
        );
        assert_eq!(count(1_234_567.4), "1,234,567");
    }

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
    }
}

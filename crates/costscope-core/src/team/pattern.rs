//! The values a rule matches: an exact value, an SQL `LIKE` pattern (any value with a
//! `%`) or a regular expression (`/…/`), matched in Rust exactly as SQL matches it.

/// One value a condition accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// The column equals this value.
    Exact(String),
    /// The column matches this `LIKE` pattern (`%` any run, `_` one character, `\` escapes).
    Like(String),
    /// The column matches this regular expression (Rust `regex` syntax, unanchored).
    Regex(String),
}

impl Pattern {
    /// Reads a pattern as written in a rules file, or says why it is not one.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        if text.is_empty() {
            return Err("empty pattern".into());
        }
        if text.len() >= 2 && text.starts_with('/') && text.ends_with('/') {
            let expression = &text[1..text.len() - 1];
            if expression.is_empty() {
                return Err("empty regular expression".into());
            }
            regex::Regex::new(expression)
                .map_err(|e| format!("invalid regular expression {text}: {e}"))?;
            return Ok(Pattern::Regex(expression.to_string()));
        }
        if text.contains('%') {
            check_like(text)?;
            return Ok(Pattern::Like(text.to_string()));
        }
        Ok(Pattern::Exact(text.to_string()))
    }

    /// Whether `value` matches, evaluated in Rust exactly as the SQL would (used by
    /// tests as an independent classifier).
    pub fn matches(&self, value: &str) -> bool {
        self.matcher().is_some_and(|m| m.is_match(value))
    }

    /// A regular expression matching exactly what this pattern matches (`None` only for
    /// an invalid expression, which parsing refuses).
    pub fn matcher(&self) -> Option<regex::Regex> {
        let expression = match self {
            Pattern::Exact(exact) => format!("(?s)^{}$", regex::escape(exact)),
            Pattern::Like(like) => like_to_regex(like),
            Pattern::Regex(expression) => expression.clone(),
        };
        regex::Regex::new(&expression).ok()
    }
}

/// A `LIKE` pattern may only escape `%`, `_` and `\` (DataFusion's default escape).
fn check_like(pattern: &str) -> Result<(), String> {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('%' | '_' | '\\') => {}
                Some(other) => {
                    return Err(format!(
                        "invalid LIKE pattern {pattern:?}: `\\{other}` (only \\%, \\_ and \\\\ escape)"
                    ));
                }
                None => {
                    return Err(format!(
                        "invalid LIKE pattern {pattern:?}: it ends with an escape `\\`"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The anchored regular expression equivalent to a `LIKE` pattern.
fn like_to_regex(pattern: &str) -> String {
    let mut expression = String::from("(?s)^");
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => expression.push_str(".*"),
            '_' => expression.push('.'),
            '\\' => {
                if let Some(escaped) = chars.next() {
                    expression.push_str(&regex::escape(&escaped.to_string()));
                }
            }
            other => expression.push_str(&regex::escape(&other.to_string())),
        }
    }
    expression.push('$');
    expression
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_exact_like_or_regex_by_their_form() {
        assert_eq!(
            Pattern::parse("App-Team-Prod"),
            Ok(Pattern::Exact("App-Team-Prod".into()))
        );
        assert_eq!(
            Pattern::parse("App-Team-%"),
            Ok(Pattern::Like("App-Team-%".into()))
        );
        assert_eq!(
            Pattern::parse("/^App-(Prod|Dev)$/"),
            Ok(Pattern::Regex("^App-(Prod|Dev)$".into()))
        );
        assert!(Pattern::parse("/(unclosed/").is_err());
        assert!(Pattern::parse("50\\%\\").is_err());
        assert!(Pattern::parse("a\\b%").is_err());
        assert!(Pattern::parse("").is_err());
    }

    #[test]
    fn like_patterns_match_as_sql_does() {
        let like = Pattern::parse("App-Team-%").expect("pattern");
        assert!(like.matches("App-Team-Prod"));
        assert!(!like.matches("My-App-Team-Prod"));
        let one = Pattern::parse("a_c%").expect("pattern");
        assert!(one.matches("abc") && one.matches("a.cdef") && !one.matches("ac"));
        let escaped = Pattern::parse("100\\%%").expect("pattern");
        assert!(escaped.matches("100%x") && !escaped.matches("100x"));
    }
}

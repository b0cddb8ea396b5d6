//! English text normalization and word error rate, as Whisper evaluations compute them.
//!
//! A subset of OpenAI's `EnglishTextNormalizer`: lower case, bracketed asides removed,
//! punctuation dropped, spelled-out numbers turned into digits ("twenty three" -> "23",
//! "one hundred and five" -> "105"), digit grouping commas removed. Enough that
//! "Twenty-three apples." and "23 apples" compare equal.

/// Normalizes English text into space-separated comparable words.
pub fn normalize_english(text: &str) -> String {
    let lowered = remove_bracketed(&text.to_lowercase());
    let mut cleaned = String::with_capacity(lowered.len());
    let chars: Vec<char> = lowered.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let between_digits = |c: char| {
            i > 0
                && i + 1 < chars.len()
                && chars[i - 1].is_ascii_digit()
                && chars[i + 1].is_ascii_digit()
                && (c == ',' || c == '.')
        };
        if c.is_alphanumeric() || c == '\'' {
            cleaned.push(c);
        } else if between_digits(c) {
            // "1,000" -> "1000"; "3.5" stays a number.
            if c == '.' {
                cleaned.push('.');
            }
        } else {
            cleaned.push(' ');
        }
    }
    let words: Vec<String> = cleaned
        .split_whitespace()
        .map(|w| w.trim_matches('\'').replace('\'', ""))
        .filter(|w| !w.is_empty())
        .collect();
    join_numbers(&words).join(" ")
}

fn remove_bracketed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '[' | '(' | '<' => depth += 1,
            ']' | ')' | '>' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn small_number(word: &str) -> Option<u64> {
    const UNITS: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    if let Some(i) = UNITS.iter().position(|u| *u == word) {
        return Some(i as u64);
    }
    TENS.iter()
        .position(|t| *t == word)
        .map(|i| (i as u64 + 2) * 10)
}

fn multiplier(word: &str) -> Option<u64> {
    match word {
        "hundred" => Some(100),
        "thousand" => Some(1_000),
        "million" => Some(1_000_000),
        "billion" => Some(1_000_000_000),
        _ => None,
    }
}

/// Replaces runs of number words with their value.
fn join_numbers(words: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let (value, used) = parse_number(&words[i..]);
        if used > 0 {
            out.push(value.to_string());
            i += used;
        } else {
            out.push(words[i].clone());
            i += 1;
        }
    }
    out
}

/// Parses the longest number at the start of `words`; returns (value, words used).
/// `group` is the part below a thousand being built ("three hundred twenty"); `total`
/// holds what thousands, millions, … already contributed.
fn parse_number(words: &[String]) -> (u64, usize) {
    let (mut total, mut group, mut used) = (0u64, None::<u64>, 0usize);
    let mut i = 0;
    while i < words.len() {
        let word = words[i].as_str();
        if let Some(n) = small_number(word) {
            // "twenty three" and "hundred five" continue a number; "three three" does not.
            let continues = match group {
                None => true,
                Some(g) => (g > 0 && g % 100 == 0) || (g % 100 >= 20 && g % 10 == 0 && n < 10),
            };
            if !continues {
                break;
            }
            group = Some(group.unwrap_or(0) + n);
        } else if let (Some(m), Some(g)) = (multiplier(word), group) {
            match m {
                100 if (1..100).contains(&g) => group = Some(g * 100),
                100 => break,
                _ => {
                    total += g.max(1) * m;
                    group = None;
                }
            }
        } else if word == "and"
            && group.is_some_and(|g| g > 0 && g % 100 == 0)
            && words
                .get(i + 1)
                .is_some_and(|next| small_number(next).is_some())
        {
            // "one hundred and five": the number after "and" is taken with it.
            i += 1;
            continue;
        } else {
            break;
        }
        i += 1;
        used = i;
    }
    (total + group.unwrap_or(0), used)
}

/// Word error rate of `hypothesis` against `reference`, after normalizing both.
pub fn word_error_rate(reference: &str, hypothesis: &str) -> f64 {
    let reference = normalize_english(reference);
    let hypothesis = normalize_english(hypothesis);
    let r: Vec<&str> = reference.split_whitespace().collect();
    let h: Vec<&str> = hypothesis.split_whitespace().collect();
    if r.is_empty() {
        return if h.is_empty() { 0.0 } else { 1.0 };
    }
    // Levenshtein distance over words, one row at a time.
    let mut previous: Vec<usize> = (0..=h.len()).collect();
    for (i, rw) in r.iter().enumerate() {
        let mut row = vec![i + 1; h.len() + 1];
        for (j, hw) in h.iter().enumerate() {
            let substitution = previous[j] + usize::from(rw != hw);
            row[j + 1] = substitution.min(previous[j + 1] + 1).min(row[j] + 1);
        }
        previous = row;
    }
    previous[h.len()] as f64 / r.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_and_punctuation_are_ignored() {
        assert_eq!(
            normalize_english("Hello, World! It's fine."),
            "hello world its fine"
        );
    }

    #[test]
    fn spelled_numbers_become_digits() {
        assert_eq!(
            normalize_english("I have twenty-three apples"),
            "i have 23 apples"
        );
        assert_eq!(normalize_english("one hundred and five"), "105");
        assert_eq!(normalize_english("two thousand twenty six"), "2026");
        assert_eq!(
            normalize_english("It costs 1,000 dollars"),
            "it costs 1000 dollars"
        );
        assert_eq!(normalize_english("three three"), "3 3");
        assert_eq!(normalize_english("a hundred men"), "a hundred men");
    }

    #[test]
    fn bracketed_asides_are_dropped() {
        assert_eq!(
            normalize_english("[Music] hello (laughs) there"),
            "hello there"
        );
    }

    #[test]
    fn word_error_rate_counts_edits_over_reference_words() {
        assert_eq!(
            word_error_rate("the quick brown fox", "The quick brown fox."),
            0.0
        );
        assert_eq!(
            word_error_rate("the quick brown fox", "the quick fox"),
            0.25
        );
        assert_eq!(
            word_error_rate("the quick brown fox", "a quick brown fox jumps"),
            0.5
        );
        assert_eq!(word_error_rate("twenty three", "23"), 0.0);
    }
}

//! Splitting segments into subtitle cues of readable size.

use crate::asr::Segment;

/// Longest subtitle line, in characters.
pub const MAX_LINE_CHARS: usize = 42;
/// Most lines on screen at once.
const MAX_LINES: usize = 2;

#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub start: f64,
    pub end: f64,
    pub lines: Vec<String>,
}

/// Wraps `text` into lines of at most `MAX_LINE_CHARS` characters at word boundaries. A
/// single word longer than a line gets a line of its own.
fn wrap(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let needed =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count();
        if !current.is_empty() && needed > MAX_LINE_CHARS {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Cues for `segments`: each segment's text wrapped, then grouped two lines per cue, the
/// segment's time divided among its cues by character count.
pub fn cues(segments: &[Segment]) -> Vec<Cue> {
    let mut cues = Vec::new();
    for segment in segments {
        let lines = wrap(&segment.text);
        if lines.is_empty() {
            continue;
        }
        let groups: Vec<&[String]> = lines.chunks(MAX_LINES).collect();
        let weights: Vec<usize> = groups
            .iter()
            .map(|g| g.iter().map(|l| l.chars().count()).sum::<usize>().max(1))
            .collect();
        let total: usize = weights.iter().sum();
        let duration = (segment.end - segment.start).max(0.0);
        let mut start = segment.start;
        for (index, (group, weight)) in groups.iter().zip(&weights).enumerate() {
            let end = if index + 1 == groups.len() {
                segment.end
            } else {
                start + duration * (*weight as f64 / total as f64)
            };
            cues.push(Cue {
                start,
                end,
                lines: group.to_vec(),
            });
            start = end;
        }
    }
    cues
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment(start: f64, end: f64, text: &str) -> Segment {
        Segment::new(start, end, text)
    }

    #[test]
    fn short_text_is_one_line_one_cue() {
        let c = cues(&[segment(1.0, 2.0, "  Hello   world. ")]);
        assert_eq!(
            c,
            vec![Cue {
                start: 1.0,
                end: 2.0,
                lines: vec!["Hello world.".into()]
            }]
        );
    }

    #[test]
    fn long_text_wraps_at_42_characters_and_two_lines_per_cue() {
        let text = "This sentence is long enough that it cannot possibly fit on a single \
                    subtitle line and must therefore be wrapped onto several lines in cues.";
        let c = cues(&[segment(0.0, 10.0, text)]);
        assert_eq!(c.len(), 2);
        for cue in &c {
            assert!(cue.lines.len() <= 2);
            for line in &cue.lines {
                assert!(line.chars().count() <= MAX_LINE_CHARS, "{line:?}");
            }
        }
        assert_eq!(c[0].lines[0], "This sentence is long enough that it");
        assert_eq!(c[0].start, 0.0);
        assert_eq!(c[0].end, c[1].start, "cues are contiguous");
        assert_eq!(c[1].end, 10.0);
        let rejoined: Vec<String> = c.iter().flat_map(|c| c.lines.clone()).collect();
        assert_eq!(rejoined.join(" "), text, "no word is lost or changed");
    }

    #[test]
    fn line_length_counts_characters_not_bytes() {
        let text = "ééééé ééééé ééééé ééééé ééééé ééééé ééééé"; // 41 chars, 76 bytes
        assert_eq!(wrap(text).len(), 1);
    }

    #[test]
    fn a_word_longer_than_a_line_stands_alone() {
        let long = "x".repeat(50);
        assert_eq!(
            wrap(&format!("a {long} b")),
            vec!["a".to_string(), long, "b".to_string()]
        );
    }
}

//! Transcript exports: plain text, SubRip (SRT), WebVTT and JSON.
//!
//! Subtitles follow common broadcast guidance: at most two lines of at most 42 characters
//! per cue. A segment too long for one cue is split at word boundaries, its time shared in
//! proportion to the characters in each part.

mod subtitles;

use std::fmt::Write as _;
use std::str::FromStr;

use serde::Serialize;
use ts_rs::TS;

use crate::asr::Transcript;

pub use subtitles::{Cue, MAX_LINE_CHARS};

/// An export format, as named on the command line (`--format txt,srt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "ExportFormat")]
pub enum Format {
    Txt,
    Srt,
    Vtt,
    Json,
}

impl Format {
    pub const ALL: [Format; 4] = [Format::Txt, Format::Srt, Format::Vtt, Format::Json];

    /// The file extension, also the format's name.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Txt => "txt",
            Format::Srt => "srt",
            Format::Vtt => "vtt",
            Format::Json => "json",
        }
    }

    /// Renders `transcript` in this format. Always ends with a newline.
    pub fn render(self, transcript: &Transcript) -> String {
        match self {
            Format::Txt => to_txt(transcript),
            Format::Srt => to_srt(transcript),
            Format::Vtt => to_vtt(transcript),
            Format::Json => to_json(transcript),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown format '{0}'; choose from txt, srt, vtt, json")]
pub struct UnknownFormat(String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.extension().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// One paragraph per segment: readable, and diff-friendly.
fn to_txt(transcript: &Transcript) -> String {
    let mut out = String::new();
    for segment in &transcript.segments {
        out.push_str(segment.text.trim());
        out.push('\n');
    }
    out
}

/// `HH:MM:SS{sep}mmm`, rounding to the nearest millisecond.
pub fn timestamp(seconds: f64, separator: char) -> String {
    let millis = (seconds.max(0.0) * 1000.0).round() as u64;
    let (hours, rest) = (millis / 3_600_000, millis % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let (secs, ms) = (rest / 1000, rest % 1000);
    format!("{hours:02}:{minutes:02}:{secs:02}{separator}{ms:03}")
}

fn to_srt(transcript: &Transcript) -> String {
    let mut out = String::new();
    for (index, cue) in subtitles::cues(&transcript.segments).iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "{}\n{} --> {}\n{}",
            index + 1,
            timestamp(cue.start, ','),
            timestamp(cue.end, ','),
            cue.lines.join("\n")
        );
    }
    out
}

fn to_vtt(transcript: &Transcript) -> String {
    let mut out = String::from("WEBVTT\n");
    for cue in subtitles::cues(&transcript.segments) {
        let _ = writeln!(
            out,
            "\n{} --> {}\n{}",
            timestamp(cue.start, '.'),
            timestamp(cue.end, '.'),
            cue.lines.join("\n")
        );
    }
    out
}

fn to_json(transcript: &Transcript) -> String {
    let mut out = serde_json::to_string_pretty(transcript)
        .unwrap_or_else(|e| format!("{{\"error\":\"cannot serialize the transcript: {e}\"}}"));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asr::Segment;

    fn transcript(segments: &[(f64, f64, &str)]) -> Transcript {
        Transcript {
            text: segments.iter().map(|s| s.2).collect::<Vec<_>>().join(" "),
            segments: segments
                .iter()
                .map(|(start, end, text)| Segment::new(*start, *end, *text))
                .collect(),
            language: Some("en".into()),
            model: "tiny.en".into(),
            audio_seconds: 70.0,
            processing_seconds: 1.5,
        }
    }

    #[test]
    fn timestamps_use_each_format_s_separator() {
        assert_eq!(timestamp(62.345, ','), "00:01:02,345");
        assert_eq!(timestamp(62.345, '.'), "00:01:02.345");
        assert_eq!(timestamp(3723.0005, ','), "01:02:03,001");
        assert_eq!(timestamp(0.0, '.'), "00:00:00.000");
        assert_eq!(timestamp(-1.0, '.'), "00:00:00.000");
        assert_eq!(timestamp(36_000.0, ','), "10:00:00,000");
    }

    #[test]
    fn srt_output_is_exact() {
        let t = transcript(&[
            (0.0, 2.5, "Hello there."),
            (62.345, 64.0, "Café au lait, s'il vous plaît."),
        ]);
        assert_eq!(
            Format::Srt.render(&t),
            "1\n00:00:00,000 --> 00:00:02,500\nHello there.\n\n\
             2\n00:01:02,345 --> 00:01:04,000\nCafé au lait, s'il vous plaît.\n"
        );
    }

    #[test]
    fn vtt_output_is_exact() {
        let t = transcript(&[(0.0, 2.5, "Hello there."), (62.345, 64.0, "Goodbye.")]);
        assert_eq!(
            Format::Vtt.render(&t),
            "WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nHello there.\n\n\
             00:01:02.345 --> 00:01:04.000\nGoodbye.\n"
        );
    }

    #[test]
    fn txt_has_one_line_per_segment() {
        let t = transcript(&[(0.0, 1.0, " Hello. "), (1.0, 2.0, "World.")]);
        assert_eq!(Format::Txt.render(&t), "Hello.\nWorld.\n");
    }

    #[test]
    fn json_holds_the_full_result() {
        let t = transcript(&[(0.0, 1.5, "Hello.")]);
        let value: serde_json::Value = serde_json::from_str(&Format::Json.render(&t)).unwrap();
        assert_eq!(value["text"], "Hello.");
        assert_eq!(value["segments"][0]["start"], 0.0);
        assert_eq!(value["segments"][0]["end"], 1.5);
        assert_eq!(value["language"], "en");
        assert_eq!(value["model"], "tiny.en");
        assert_eq!(value["audio_seconds"], 70.0);
    }

    #[test]
    fn formats_parse_case_insensitively_and_unknown_ones_are_named() {
        assert_eq!("SRT".parse::<Format>().unwrap(), Format::Srt);
        assert_eq!(" vtt".parse::<Format>().unwrap(), Format::Vtt);
        let err = "docx".parse::<Format>().unwrap_err().to_string();
        assert!(
            err.contains("'docx'") && err.contains("txt, srt, vtt, json"),
            "{err}"
        );
    }
}

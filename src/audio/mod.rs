//! Decoding any recording to 16 kHz mono f32, streamed packet by packet.
//!
//! symphonia reads the container and decodes (WAV, FLAC, MP3, Ogg Vorbis, M4A/AAC, ALAC,
//! AIFF, CAF, and the audio track of MP4/MOV/MKV/WebM); Opus goes through the libopus
//! adapter registered beside symphonia's codecs. Channels are averaged to mono and rubato
//! resamples to 16 kHz. Memory is bounded by the chunk being produced: the caller decides
//! what to keep.
//!
//! Damaged files: a truncated or partly corrupt file yields what is readable, with a
//! warning in the log; only a file with nothing decodable fails.

mod resample;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use symphonia::core::codecs::audio::well_known as codecs;
use symphonia::core::codecs::audio::{
    AudioCodecId, AudioCodecParameters, AudioDecoder, AudioDecoderOptions,
};
use symphonia::core::codecs::registry::CodecRegistry;
use symphonia::core::codecs::CodecParameters;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::well_known::FORMAT_ID_ISOMP4;
use symphonia::core::formats::{FormatOptions, FormatReader, Track, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::asr::SAMPLE_RATE;
use crate::cancel::CancelFlag;
use resample::MonoResampler;

/// Output handed out per iteration: half a second at 16 kHz.
const CHUNK_SAMPLES: usize = SAMPLE_RATE as usize / 2;
/// AAC encoders prepend 1024 priming frames; symphonia 0.6.1 does not trim them in MP4/M4A
/// (it ignores the edit list), which would make every timestamp 23 ms late.
const AAC_PRIMING_FRAMES: u64 = 1024;
/// A demuxer error that repeats this often in a row means the rest is unreadable.
const MAX_DEMUX_ERRORS: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("cannot open {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is a folder, not a recording")]
    IsFolder { path: PathBuf },
    #[error("{path} is empty (0 bytes); was it still being written?")]
    Empty { path: PathBuf },
    #[error("{path} is not a recognised audio or video file ({reason})")]
    Unrecognised { path: PathBuf, reason: String },
    #[error("{path} has no audio track (it may be a video without sound)")]
    NoAudioTrack { path: PathBuf },
    #[error("{path}: the audio is {codec}, an unsupported codec; convert it (e.g. to FLAC or MP3) first")]
    UnsupportedCodec { path: PathBuf, codec: String },
    #[error("{path}: cannot decode the audio: {reason}")]
    Decode { path: PathBuf, reason: String },
    #[error("{path}: no audio could be decoded from it")]
    NoSamples { path: PathBuf },
    #[error("{path}: decoding cancelled")]
    Cancelled { path: PathBuf },
    #[error("{path}: read error: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// symphonia's codecs plus Opus through libopus, built once.
static CODECS: LazyLock<CodecRegistry> = LazyLock::new(|| {
    let mut registry = CodecRegistry::new();
    symphonia::default::register_enabled_codecs(&mut registry);
    registry.register_audio_decoder::<symphonia_adapter_libopus::OpusDecoder>();
    registry
});

/// What the container says about the audio, before decoding.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AudioInfo {
    /// Container short name: `wave`, `mp3`, `isomp4`, `matroska`, …
    pub container: String,
    pub sample_rate: u32,
    pub channels: Option<usize>,
    /// Estimated from the container; `None` when it does not say.
    pub duration_seconds: Option<f64>,
}

/// A streaming decoder: an iterator of 16 kHz mono chunks.
pub struct Decoder {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    info: AudioInfo,
    resampler: MonoResampler,
    cancel: CancelFlag,
    /// Source frames still to drop at the start (AAC priming).
    skip_frames: u64,
    /// Source frames the container says the track has, when trimming to it is needed.
    max_frames: Option<u64>,
    fed_frames: u64,
    decoded_frames: u64,
    skipped_packets: usize,
    demux_errors: usize,
    interleaved: Vec<f32>,
    mono: Vec<f32>,
    ready: Vec<f32>,
    produced: u64,
    finished: bool,
}

fn codec_name(id: AudioCodecId) -> String {
    let known = [
        (codecs::CODEC_ID_AC3, "AC-3 (Dolby Digital)"),
        (codecs::CODEC_ID_EAC3, "E-AC-3 (Dolby Digital Plus)"),
        (codecs::CODEC_ID_AC4, "AC-4"),
        (codecs::CODEC_ID_DCA, "DTS"),
        (codecs::CODEC_ID_WMA, "Windows Media Audio"),
        (codecs::CODEC_ID_SPEEX, "Speex"),
        (codecs::CODEC_ID_MUSEPACK, "Musepack"),
        (codecs::CODEC_ID_MP1, "MPEG Layer 1"),
        (codecs::CODEC_ID_MP2, "MPEG Layer 2"),
        (codecs::CODEC_ID_ATRAC3, "ATRAC3"),
    ];
    known
        .iter()
        .find(|(known_id, _)| *known_id == id)
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| format!("codec {id}"))
}

fn audio_params(track: &Track) -> Option<&AudioCodecParameters> {
    match &track.codec_params {
        Some(CodecParameters::Audio(params)) => Some(params),
        _ => None,
    }
}

/// The default audio track if we can decode it, else the first one we can. Err names the
/// codec of an audio track we cannot decode.
fn pick_track(format: &dyn FormatReader) -> Result<&Track, Option<AudioCodecId>> {
    let decodable = |track: &&Track| {
        audio_params(track).is_some_and(|p| CODECS.get_audio_decoder(p.codec).is_some())
    };
    format
        .default_track(TrackType::Audio)
        .filter(decodable)
        .or_else(|| format.tracks().iter().find(decodable))
        .ok_or_else(|| {
            format
                .tracks()
                .iter()
                .find_map(audio_params)
                .map(|params| params.codec)
        })
}

fn seconds(
    time_base: Option<symphonia::core::units::TimeBase>,
    duration: Option<u64>,
) -> Option<f64> {
    let (time_base, duration) = (time_base?, duration.filter(|d| *d > 0)?);
    time_base
        .calc_duration(duration.into())
        .map(|t| t.as_secs_f64())
}

impl Decoder {
    /// Opens and probes `path`; fails fast on anything that is not decodable audio.
    pub fn open(path: &Path, cancel: CancelFlag) -> Result<Self, AudioError> {
        let path_buf = path.to_path_buf();
        let meta = std::fs::metadata(path).map_err(|source| AudioError::Open {
            path: path_buf.clone(),
            source,
        })?;
        if meta.is_dir() {
            return Err(AudioError::IsFolder { path: path_buf });
        }
        if meta.len() == 0 {
            return Err(AudioError::Empty { path: path_buf });
        }
        let file = File::open(path).map_err(|source| AudioError::Open {
            path: path_buf.clone(),
            source,
        })?;
        let stream = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let format = symphonia::default::get_probe()
            .probe(
                &hint,
                stream,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| match e {
                SymphoniaError::IoError(source)
                    if source.kind() != std::io::ErrorKind::UnexpectedEof =>
                {
                    AudioError::Io {
                        path: path_buf.clone(),
                        source,
                    }
                }
                other => AudioError::Unrecognised {
                    path: path_buf.clone(),
                    reason: other.to_string(),
                },
            })?;
        Self::from_format(path_buf, format, cancel)
    }

    fn from_format(
        path: PathBuf,
        format: Box<dyn FormatReader>,
        cancel: CancelFlag,
    ) -> Result<Self, AudioError> {
        let track = match pick_track(format.as_ref()) {
            Ok(track) => track,
            Err(Some(codec)) => {
                return Err(AudioError::UnsupportedCodec {
                    path,
                    codec: codec_name(codec),
                })
            }
            Err(None) => return Err(AudioError::NoAudioTrack { path }),
        };
        let params = audio_params(track)
            .cloned()
            .ok_or_else(|| AudioError::NoAudioTrack { path: path.clone() })?;
        let sample_rate = params.sample_rate.ok_or_else(|| AudioError::Decode {
            path: path.clone(),
            reason: "the audio track does not say its sample rate".into(),
        })?;
        let decoder = CODECS
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| AudioError::UnsupportedCodec {
                path: path.clone(),
                codec: format!("{} ({e})", codec_name(params.codec)),
            })?;

        let media = format.media_info();
        let media_seconds = seconds(media.time_base, media.duration.map(|d| d.get()));
        let frames_seconds = track
            .num_frames
            .filter(|n| *n > 0)
            .map(|n| n as f64 / sample_rate as f64);
        let track_seconds = seconds(track.time_base, track.duration.map(|d| d.get()));
        let duration_seconds = frames_seconds.or(track_seconds).or(media_seconds);

        let is_mp4_aac =
            format.format_info().format == FORMAT_ID_ISOMP4 && params.codec == codecs::CODEC_ID_AAC;
        let (skip_frames, max_frames) = if is_mp4_aac && track.delay.is_none() {
            let cap = media_seconds.map(|s| (s * sample_rate as f64).round() as u64);
            (AAC_PRIMING_FRAMES, cap)
        } else {
            (0, None)
        };
        let info = AudioInfo {
            container: format.format_info().short_name.to_string(),
            sample_rate,
            channels: params.channels.as_ref().map(|c| c.count()),
            duration_seconds,
        };
        let resampler =
            MonoResampler::new(sample_rate, SAMPLE_RATE).map_err(|reason| AudioError::Decode {
                path: path.clone(),
                reason,
            })?;
        tracing::debug!(path = %path.display(), ?info, "audio opened");
        Ok(Self {
            track_id: track.id,
            path,
            format,
            decoder,
            info,
            resampler,
            cancel,
            skip_frames,
            max_frames,
            fed_frames: 0,
            decoded_frames: 0,
            skipped_packets: 0,
            demux_errors: 0,
            interleaved: Vec::new(),
            mono: Vec::new(),
            ready: Vec::new(),
            produced: 0,
            finished: false,
        })
    }

    pub fn info(&self) -> &AudioInfo {
        &self.info
    }

    /// Expected number of 16 kHz output samples, when the container says its length.
    pub fn total_output_samples(&self) -> Option<u64> {
        self.info
            .duration_seconds
            .map(|s| (s * SAMPLE_RATE as f64).ceil() as u64)
    }

    fn decode_error(&self, reason: impl Into<String>) -> AudioError {
        AudioError::Decode {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    /// Decodes the next packet into `self.ready`. Returns false at the end of the stream.
    fn decode_next_packet(&mut self) -> Result<bool, AudioError> {
        let packet = match self.format.next_packet() {
            Ok(Some(packet)) => {
                self.demux_errors = 0;
                packet
            }
            Ok(None) => return Ok(false),
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                if self
                    .info
                    .duration_seconds
                    .is_some_and(|d| (self.produced as f64) < d * SAMPLE_RATE as f64 * 0.99)
                {
                    tracing::warn!(path = %self.path.display(), "the file ends early (truncated?); transcribing what is readable");
                }
                return Ok(false);
            }
            Err(SymphoniaError::ResetRequired) => {
                self.reset_track()?;
                return Ok(true);
            }
            Err(SymphoniaError::DecodeError(reason)) => {
                self.demux_errors += 1;
                if self.demux_errors >= MAX_DEMUX_ERRORS {
                    tracing::warn!(path = %self.path.display(), reason, "the rest of the file is unreadable; transcribing what was read");
                    return Ok(false);
                }
                return Ok(true);
            }
            Err(SymphoniaError::IoError(source)) => {
                return Err(AudioError::Io {
                    path: self.path.clone(),
                    source,
                })
            }
            Err(other) => return Err(self.decode_error(other.to_string())),
        };
        if packet.track_id != self.track_id {
            return Ok(true);
        }
        let buffer = match self.decoder.decode(&packet) {
            Ok(buffer) => buffer,
            // A damaged packet: skip it and go on. (Corrupt AAC packets report as
            // "unsupported" too, once the stream has proven decodable.)
            Err(SymphoniaError::DecodeError(_)) | Err(SymphoniaError::IoError(_)) => {
                self.skipped_packets += 1;
                return Ok(true);
            }
            Err(SymphoniaError::Unsupported(_)) if self.decoded_frames > 0 => {
                self.skipped_packets += 1;
                return Ok(true);
            }
            Err(SymphoniaError::ResetRequired) => {
                self.decoder.reset();
                return Ok(true);
            }
            Err(other) => return Err(self.decode_error(other.to_string())),
        };
        let frames = buffer.frames();
        if frames == 0 {
            return Ok(true);
        }
        if buffer.spec().rate() != self.info.sample_rate {
            return Err(AudioError::Decode {
                path: self.path.clone(),
                reason: format!(
                    "the sample rate changes mid-stream ({} -> {} Hz)",
                    self.info.sample_rate,
                    buffer.spec().rate()
                ),
            });
        }
        let channels = buffer.spec().channels().count().max(1);
        buffer.copy_to_vec_interleaved(&mut self.interleaved);
        self.decoded_frames += frames as u64;
        self.mono.clear();
        self.mono.extend(
            self.interleaved
                .chunks_exact(channels)
                .map(|frame| frame.iter().sum::<f32>() / channels as f32),
        );
        self.feed_mono()?;
        Ok(true)
    }

    /// Trims priming/tail as needed and resamples the current mono frames into `ready`.
    fn feed_mono(&mut self) -> Result<(), AudioError> {
        let mut slice: &[f32] = &self.mono;
        let skip = (self.skip_frames as usize).min(slice.len());
        slice = &slice[skip..];
        self.skip_frames -= skip as u64;
        if let Some(max) = self.max_frames {
            let room = max.saturating_sub(self.fed_frames) as usize;
            slice = &slice[..slice.len().min(room)];
        }
        self.fed_frames += slice.len() as u64;
        let before = self.ready.len();
        self.resampler
            .push(slice, &mut self.ready)
            .map_err(|reason| AudioError::Decode {
                path: self.path.clone(),
                reason,
            })?;
        self.produced += (self.ready.len() - before) as u64;
        Ok(())
    }

    /// Chained Ogg streams switch tracks: pick the new one and rebuild the decoder.
    fn reset_track(&mut self) -> Result<(), AudioError> {
        let track = pick_track(self.format.as_ref())
            .map_err(|_| self.decode_error("the next part of the stream has no audio"))?;
        let params = audio_params(track)
            .cloned()
            .ok_or_else(|| self.decode_error("the next part of the stream has no audio"))?;
        if params.sample_rate != Some(self.info.sample_rate) {
            return Err(self.decode_error("the sample rate changes between chained streams"));
        }
        self.track_id = track.id;
        self.decoder = CODECS
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| self.decode_error(e.to_string()))?;
        Ok(())
    }

    fn next_chunk(&mut self) -> Result<Option<Vec<f32>>, AudioError> {
        while !self.finished && self.ready.len() < CHUNK_SAMPLES {
            if self.cancel.is_cancelled() {
                return Err(AudioError::Cancelled {
                    path: self.path.clone(),
                });
            }
            if !self.decode_next_packet()? {
                self.finished = true;
                let before = self.ready.len();
                self.resampler
                    .finish(&mut self.ready)
                    .map_err(|reason| AudioError::Decode {
                        path: self.path.clone(),
                        reason,
                    })?;
                self.produced += (self.ready.len() - before) as u64;
                if self.skipped_packets > 0 {
                    tracing::warn!(path = %self.path.display(), skipped = self.skipped_packets, "damaged packets were skipped");
                }
                if self.produced == 0 {
                    return Err(AudioError::NoSamples {
                        path: self.path.clone(),
                    });
                }
            }
        }
        if self.ready.is_empty() {
            return Ok(None);
        }
        let take = self.ready.len().min(CHUNK_SAMPLES);
        let rest = self.ready.split_off(take);
        Ok(Some(std::mem::replace(&mut self.ready, rest)))
    }
}

impl Iterator for Decoder {
    type Item = Result<Vec<f32>, AudioError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_chunk() {
            Ok(Some(chunk)) => Some(Ok(chunk)),
            Ok(None) => None,
            Err(e) => {
                self.finished = true;
                self.ready.clear();
                Some(Err(e))
            }
        }
    }
}

/// Decodes a whole file into memory (tests, short clips). Long recordings should stream
/// through [`Decoder`] instead.
pub fn decode_file(path: &Path) -> Result<Vec<f32>, AudioError> {
    let mut samples = Vec::new();
    for chunk in Decoder::open(path, CancelFlag::new())? {
        samples.extend_from_slice(&chunk?);
    }
    Ok(samples)
}

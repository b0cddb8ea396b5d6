// whisper_ref: the reference for Hookscribe's transcription overhead.
//
// Calls the very whisper.cpp library that whisper-rs-sys compiled for Hookscribe (same
// source, same cmake flags), with the parameters Hookscribe passes (src/asr/window.rs,
// src/asr/mod.rs), on a 16 kHz mono 16-bit WAV. No Rust, no decoding library, no windowing.
//
//   whisper_ref MODEL.bin SPEECH.wav THREADS [BEAM_SIZE] [--flash-attn] [--timings] [--poll-ms N]
//               [--encode-only N]
//
// BEAM_SIZE defaults to 5 (beam search, patience -1); 1 means greedy with best_of 1, as
// `hookscribe transcribe --beam-size 1`. --flash-attn turns on flash attention, which
// whisper.cpp's own defaults enable but whisper-rs's WhisperContextParameters::default()
// (and so Hookscribe) do not: it is off unless asked, so the default run matches Hookscribe.
// --timings prints whisper.cpp's per-stage timings (encode, decode, batchd, ...) to stderr.
// --poll-ms N runs whisper_full on a second thread while the main thread wakes every N ms
// (as Hookscribe's window loop does with recv_timeout(20 ms)), to measure what that costs.
//
// --encode-only N runs only the encoder, N times on the first 30 s of the file in one process,
// and prints the fastest, first-quartile and median pass: the steadiest way on a noisy VM to
// compare two builds of the encoder's kernels (vendor/README.md, section 17).
//
// stdout: the transcript (segments joined by a space, each trimmed).
// stderr, last line: `whisper_ref load_s=... full_s=... total_s=... audio_s=...`
// (total = load + whisper_full, wall clock).

#include "whisper.h"

#include <atomic>
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

bool g_log = false;

void log_callback(enum ggml_log_level, const char * text, void *) {
    if (g_log) {
        fputs(text, stderr);
    }
}

uint32_t le32(const unsigned char * p) {
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

uint16_t le16(const unsigned char * p) {
    return uint16_t(p[0] | p[1] << 8);
}

// Reads a RIFF/WAVE file holding 16 kHz mono signed 16-bit PCM into f32 in [-1, 1)
// (sample / 32768, as symphonia converts s16).
bool read_wav(const char * path, std::vector<float> & out, std::string & error) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        error = "cannot open the file";
        return false;
    }
    std::vector<unsigned char> data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (data.size() < 12 || memcmp(data.data(), "RIFF", 4) != 0 || memcmp(data.data() + 8, "WAVE", 4) != 0) {
        error = "not a RIFF/WAVE file";
        return false;
    }
    bool have_fmt = false;
    size_t pos = 12;
    while (pos + 8 <= data.size()) {
        const unsigned char * chunk = data.data() + pos;
        uint32_t size = le32(chunk + 4);
        size_t body = pos + 8;
        if (memcmp(chunk, "fmt ", 4) == 0) {
            if (size < 16 || body + 16 > data.size()) {
                error = "short fmt chunk";
                return false;
            }
            uint16_t format = le16(data.data() + body);
            uint16_t channels = le16(data.data() + body + 2);
            uint32_t rate = le32(data.data() + body + 4);
            uint16_t bits = le16(data.data() + body + 14);
            // 0xFFFE (WAVE_FORMAT_EXTENSIBLE) is accepted when it is plain 16-bit PCM.
            if ((format != 1 && format != 0xFFFE) || channels != 1 || rate != WHISPER_SAMPLE_RATE || bits != 16) {
                error = "need 16 kHz mono 16-bit PCM (got format " + std::to_string(format) + ", " +
                        std::to_string(channels) + " ch, " + std::to_string(rate) + " Hz, " +
                        std::to_string(bits) + " bit); convert with: sox IN -r 16000 -c 1 -b 16 OUT.wav";
                return false;
            }
            have_fmt = true;
        } else if (memcmp(chunk, "data", 4) == 0) {
            if (!have_fmt) {
                error = "data chunk before fmt chunk";
                return false;
            }
            size_t available = data.size() - body;
            // Some writers (sox on a pipe, ffmpeg) leave the size at 0 or 0xFFFFFFFF.
            size_t bytes = (size == 0 || size == 0xFFFFFFFFu || size > available) ? available : size;
            size_t n = bytes / 2;
            out.resize(n);
            for (size_t i = 0; i < n; i++) {
                int16_t s = int16_t(le16(data.data() + body + 2 * i));
                out[i] = float(s) / 32768.0f;
            }
            return true;
        }
        pos = body + size + (size & 1);
    }
    error = "no data chunk";
    return false;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// --encode-only: the encoder alone, `passes` times on the first 30 s, on one state.
int encode_only(whisper_context * ctx, const std::vector<float> & samples, int threads, int passes) {
    const int n = int(std::min<size_t>(samples.size(), size_t(WHISPER_SAMPLE_RATE) * 30));
    if (whisper_pcm_to_mel(ctx, samples.data(), n, threads) != 0) {
        fprintf(stderr, "the spectrogram failed\n");
        return 1;
    }
    std::vector<double> ms;
    for (int pass = 0; pass < passes; pass++) {
        const auto start = std::chrono::steady_clock::now();
        if (whisper_encode(ctx, 0, threads) != 0) {
            fprintf(stderr, "the encoder failed\n");
            return 1;
        }
        ms.push_back(1e3 * seconds_since(start));
    }
    std::sort(ms.begin(), ms.end());
    printf("encode passes=%d fastest_ms=%.1f q1_ms=%.1f median_ms=%.1f\n", passes, ms[0],
           ms[ms.size() / 4], ms[ms.size() / 2]);
    return 0;
}

}  // namespace

int main(int argc, char ** argv) {
    std::vector<std::string> positional;
    bool flash_attn = false;
    bool timings = false;
    int poll_ms = 0;
    int encode_passes = 0;
    for (int i = 1; i < argc; i++) {
        std::string arg = argv[i];
        if (arg == "--flash-attn") {
            flash_attn = true;
        } else if (arg == "--timings") {
            timings = true;
        } else if (arg == "--poll-ms" && i + 1 < argc) {
            poll_ms = atoi(argv[++i]);
        } else if (arg == "--encode-only" && i + 1 < argc) {
            encode_passes = atoi(argv[++i]);
        } else {
            positional.push_back(arg);
        }
    }
    if (positional.size() < 3 || positional.size() > 4) {
        fprintf(stderr, "usage: %s MODEL.bin SPEECH.wav THREADS [BEAM_SIZE] [--flash-attn] [--timings] [--poll-ms N] [--encode-only N]\n", argv[0]);
        return 2;
    }
    const std::string model_path = positional[0];
    const std::string wav_path = positional[1];
    const int threads = atoi(positional[2].c_str());
    const int beam_size = positional.size() > 3 ? atoi(positional[3].c_str()) : 5;
    if (threads < 1 || beam_size < 1) {
        fprintf(stderr, "THREADS and BEAM_SIZE must be at least 1\n");
        return 2;
    }

    // Hookscribe routes whisper.cpp's log to `tracing` (not printed by default): stay quiet too.
    whisper_log_set(log_callback, nullptr);

    std::vector<float> samples;
    std::string error;
    if (!read_wav(wav_path.c_str(), samples, error)) {
        fprintf(stderr, "%s: %s\n", wav_path.c_str(), error.c_str());
        return 1;
    }
    if (samples.empty()) {
        fprintf(stderr, "%s: no samples\n", wav_path.c_str());
        return 1;
    }

    auto start = std::chrono::steady_clock::now();

    // = whisper-rs 0.16 WhisperContextParameters::default() without a GPU feature.
    whisper_context_params cparams = whisper_context_default_params();
    cparams.use_gpu = false;
    cparams.flash_attn = flash_attn;
    cparams.gpu_device = 0;
    cparams.dtw_token_timestamps = false;
    cparams.dtw_aheads_preset = WHISPER_AHEADS_NONE;
    cparams.dtw_n_top = -1;
    cparams.dtw_mem_size = 1024 * 1024 * 128;

    whisper_context * ctx = whisper_init_from_file_with_params(model_path.c_str(), cparams);
    if (ctx == nullptr) {
        fprintf(stderr, "cannot load the model %s\n", model_path.c_str());
        return 1;
    }
    const double load_s = seconds_since(start);

    if (encode_passes > 0) {
        const int status = encode_only(ctx, samples, threads, encode_passes);
        whisper_free(ctx);
        return status;
    }

    // = FullParams::new(strategy) + the setters in Run::params (src/asr/window.rs).
    const bool beam = beam_size > 1;
    whisper_full_params params =
        whisper_full_default_params(beam ? WHISPER_SAMPLING_BEAM_SEARCH : WHISPER_SAMPLING_GREEDY);
    if (beam) {
        params.beam_search.beam_size = beam_size;
        params.beam_search.patience = -1.0f;
    } else {
        params.greedy.best_of = 1;
    }
    params.n_threads = threads;
    params.translate = false;
    params.language = "en";
    params.token_timestamps = false;
    params.print_special = false;
    params.print_progress = false;
    params.print_realtime = false;
    params.print_timestamps = false;
    params.suppress_nst = true;
    params.suppress_blank = true;
    params.no_speech_thold = 0.6f;
    params.no_context = true;         // Hookscribe passes its own prompt, never whisper's carried text
    params.initial_prompt = nullptr;  // the first window has no prompt

    auto full_start = std::chrono::steady_clock::now();
    int rc = 0;
    unsigned long wakeups = 0;
    if (poll_ms > 0) {
        std::mutex mutex;
        std::condition_variable done_cv;
        bool done = false;
        std::thread worker([&] {
            int r = whisper_full(ctx, params, samples.data(), int(samples.size()));
            std::lock_guard<std::mutex> lock(mutex);
            rc = r;
            done = true;
            done_cv.notify_one();
        });
        std::unique_lock<std::mutex> lock(mutex);
        while (!done) {
            done_cv.wait_for(lock, std::chrono::milliseconds(poll_ms));
            wakeups++;
        }
        lock.unlock();
        worker.join();
    } else {
        rc = whisper_full(ctx, params, samples.data(), int(samples.size()));
    }
    const double full_s = seconds_since(full_start);
    const double total_s = seconds_since(start);
    if (rc != 0) {
        fprintf(stderr, "whisper_full failed: %d\n", rc);
        whisper_free(ctx);
        return 1;
    }

    std::string text;
    const int n = whisper_full_n_segments(ctx);
    for (int i = 0; i < n; i++) {
        std::string segment = whisper_full_get_segment_text(ctx, i);
        size_t a = segment.find_first_not_of(" \t\n");
        size_t b = segment.find_last_not_of(" \t\n");
        if (a == std::string::npos) {
            continue;
        }
        if (!text.empty()) {
            text += ' ';
        }
        text += segment.substr(a, b - a + 1);
    }
    printf("%s\n", text.c_str());
    fflush(stdout);

    if (timings) {
        g_log = true;
        whisper_print_timings(ctx);
    }
    fprintf(stderr, "whisper_ref load_s=%.4f full_s=%.4f total_s=%.4f audio_s=%.3f segments=%d threads=%d beam=%d flash_attn=%d poll_wakeups=%lu\n",
            load_s, full_s, total_s, double(samples.size()) / WHISPER_SAMPLE_RATE, n, threads, beam_size,
            flash_attn ? 1 : 0, wakeups);
    whisper_free(ctx);
    return 0;
}

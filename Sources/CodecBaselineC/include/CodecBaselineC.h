// The plain-C half of the codec benchmark (dealer-load codec): the same
// envelope+payload work as the Swift layer, done directly with protobuf-c.
#ifndef CODEC_BASELINE_C_H
#define CODEC_BASELINE_C_H

#include <stddef.h>
#include <stdint.h>

/// The fields of the representative call, shared with the Swift side so both
/// encode exactly the same message.
extern const char *const codec_baseline_method;        // "/auth.v1.AuthService/Login"
extern const char *const codec_baseline_session_token; // 64 hex characters
extern const char *const codec_baseline_login;
extern const char *const codec_baseline_password;
#define CODEC_BASELINE_TIMEOUT_MS 5000u

/// Runs `iterations` full ops and returns the elapsed nanoseconds
/// (CLOCK_MONOTONIC). One op: pack the LoginRequest payload, pack the Frame
/// carrying it, unpack the Frame, unpack the LoginRequest from the frame's
/// payload bytes, read back one field, free both unpacked messages and both
/// packed buffers. Returns 0 if any op failed.
uint64_t codec_baseline_run(uint64_t iterations);

/// Encode half only: pack payload + frame into malloc'd buffers, free them.
uint64_t codec_baseline_run_encode(uint64_t iterations);

/// Decode half only: unpack a pre-packed frame, then its payload, read one
/// field, free both. Returns 0 if any op failed.
uint64_t codec_baseline_run_decode(uint64_t iterations);

/// Packs the representative frame with `call_id` into `out` (capacity
/// `capacity`); returns its size, or 0 if it does not fit. Lets the Swift
/// side check that both halves produce identical bytes.
size_t codec_baseline_encode_frame(uint64_t call_id, uint8_t *out, size_t capacity);

/// A value derived from every op's result, so the compiler cannot drop them.
uint64_t codec_baseline_sink(void);

#endif

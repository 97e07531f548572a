// Plain-C baseline for the codec benchmark: protobuf-c only, no Swift.
// Each op does what the Swift layer does for one call, with the same heap
// traffic a straightforward C caller would have (malloc'd output buffers,
// protobuf-c's own allocations on unpack).
#include "CodecBaselineC.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dealer_proto_c.h"

const char *const codec_baseline_method = "/auth.v1.AuthService/Login";
const char *const codec_baseline_session_token =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
const char *const codec_baseline_login = "dealer-admin@example.com";
const char *const codec_baseline_password = "correct horse battery staple";

static volatile uint64_t sink;

uint64_t codec_baseline_sink(void) { return sink; }

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/// Packs payload and frame; returns the malloc'd frame bytes (caller frees).
static uint8_t *encode(uint64_t call_id, size_t *frame_size) {
    Auth__V1__LoginRequest login = AUTH__V1__LOGIN_REQUEST__INIT;
    login.login = (char *)codec_baseline_login;
    login.password = (char *)codec_baseline_password;
    size_t payload_size = auth__v1__login_request__get_packed_size(&login);
    uint8_t *payload = malloc(payload_size ? payload_size : 1);
    auth__v1__login_request__pack(&login, payload);

    Rpc__V1__Request request = RPC__V1__REQUEST__INIT;
    request.call_id = call_id;
    request.method = (char *)codec_baseline_method;
    request.session_token = (char *)codec_baseline_session_token;
    request.timeout_ms = CODEC_BASELINE_TIMEOUT_MS;
    request.payload.data = payload;
    request.payload.len = payload_size;
    Rpc__V1__Frame frame = RPC__V1__FRAME__INIT;
    frame.kind_case = RPC__V1__FRAME__KIND_REQUEST;
    frame.request = &request;

    size_t size = rpc__v1__frame__get_packed_size(&frame);
    uint8_t *bytes = malloc(size);
    rpc__v1__frame__pack(&frame, bytes);
    free(payload);
    *frame_size = size;
    return bytes;
}

/// Unpacks frame then payload, reads one field; 0 on failure.
static int decode(const uint8_t *bytes, size_t size) {
    Rpc__V1__Frame *frame = rpc__v1__frame__unpack(NULL, size, bytes);
    if (frame == NULL) return 0;
    if (frame->kind_case != RPC__V1__FRAME__KIND_REQUEST) {
        rpc__v1__frame__free_unpacked(frame, NULL);
        return 0;
    }
    const Rpc__V1__Request *request = frame->request;
    Auth__V1__LoginRequest *login =
        auth__v1__login_request__unpack(NULL, request->payload.len, request->payload.data);
    if (login == NULL) {
        rpc__v1__frame__free_unpacked(frame, NULL);
        return 0;
    }
    sink += strlen(login->login) + request->call_id;
    auth__v1__login_request__free_unpacked(login, NULL);
    rpc__v1__frame__free_unpacked(frame, NULL);
    return 1;
}

uint64_t codec_baseline_run(uint64_t iterations) {
    uint64_t start = now_ns();
    for (uint64_t i = 0; i < iterations; i++) {
        size_t size;
        uint8_t *bytes = encode(i + 1, &size);
        int ok = decode(bytes, size);
        free(bytes);
        if (!ok) return 0;
    }
    return now_ns() - start;
}

uint64_t codec_baseline_run_encode(uint64_t iterations) {
    uint64_t start = now_ns();
    for (uint64_t i = 0; i < iterations; i++) {
        size_t size;
        uint8_t *bytes = encode(i + 1, &size);
        sink += bytes[size - 1];
        free(bytes);
    }
    return now_ns() - start;
}

uint64_t codec_baseline_run_decode(uint64_t iterations) {
    size_t size;
    uint8_t *bytes = encode(1, &size);
    uint64_t start = now_ns();
    for (uint64_t i = 0; i < iterations; i++) {
        if (!decode(bytes, size)) {
            free(bytes);
            return 0;
        }
    }
    uint64_t elapsed = now_ns() - start;
    free(bytes);
    return elapsed;
}

size_t codec_baseline_encode_frame(uint64_t call_id, uint8_t *out, size_t capacity) {
    size_t size;
    uint8_t *bytes = encode(call_id, &size);
    if (size > capacity) {
        free(bytes);
        return 0;
    }
    memcpy(out, bytes, size);
    free(bytes);
    return size;
}

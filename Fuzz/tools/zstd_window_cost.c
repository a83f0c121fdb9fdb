/* Cost of one zstd frame in libzstd alone (no sanitizers), as KafkaWire decodes it: a new
 * decompression context per batch, streaming API. Used to tell whether a slow fuzz input is slow
 * in production or only under AddressSanitizer (which poisons every byte of a large allocation).
 *   python3 -c "d=open('Fuzz/slow/record-batch-zstd-179b','rb').read(); \
 *     open('/tmp/frame','wb').write(d[d.find(bytes.fromhex('28b52ffd')):])"
 *   cc -O2 Fuzz/tools/zstd_window_cost.c -lzstd -o /tmp/zwc && /tmp/zwc /tmp/frame */
#include <stdio.h>
#include <time.h>
#include <zstd.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s FRAME\n", argv[0]); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 2; }
    static char in[1 << 16], out[1 << 20];
    size_t n = fread(in, 1, sizeof in, f);
    fclose(f);
    enum { RUNS = 1000 };
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    size_t last = 0;
    for (int i = 0; i < RUNS; i++) {
        ZSTD_DCtx *ctx = ZSTD_createDCtx();
        ZSTD_inBuffer ib = {in, n, 0};
        ZSTD_outBuffer ob = {out, sizeof out, 0};
        last = ZSTD_decompressStream(ctx, &ob, &ib);
        ZSTD_freeDCtx(ctx);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = ((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6) / RUNS;
    printf("%s: %.4f ms per frame (%d runs), result: %s\n", argv[1], ms, RUNS,
           ZSTD_isError(last) ? ZSTD_getErrorName(last) : "ok");
    return 0;
}

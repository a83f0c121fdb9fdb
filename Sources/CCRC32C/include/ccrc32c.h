// CRC-32C with the CPU's own instruction (SSE4.2 crc32 on x86-64, the CRC extension on
// ARMv8): KafkaWire checks the CRC of every record batch it reads.
#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the instruction (checked once by the caller), else 0.
int kw_crc32c_hw_available(void);

/// Continues a finalised CRC-32C over n bytes; only call when kw_crc32c_hw_available().
uint32_t kw_crc32c_hw_update(uint32_t crc, const void *data, size_t n);

#endif

// Byte-level searches for the hot path: lines that cannot matter must cost about as
// much as reading them. SSE2 (baseline on x86-64) with a portable fallback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace why502::bytes {

// Number of '\n' in [p, p + n).
uint64_t count_newlines(const char* p, size_t n);

// Position of the first occurrence of `needle` (2 or more bytes) in `hay` at or after
// `from`, or npos. Compares the needle's first and last byte 16 positions at a time and
// verifies candidates, so it runs at memory speed on text where both are uncommon
// together.
size_t find(std::string_view hay, std::string_view needle, size_t from = 0);

}  // namespace why502::bytes

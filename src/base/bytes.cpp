#include "base/bytes.hpp"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace why502::bytes {

uint64_t count_newlines(const char* p, size_t n) {
    uint64_t count = 0;
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i nl = _mm_set1_epi8('\n');
    // Accumulate per-byte counts in 8-bit lanes for up to 255 blocks, then widen.
    while (i + 16 <= n) {
        __m128i acc = _mm_setzero_si128();
        size_t blocks = 0;
        for (; i + 16 <= n && blocks < 255; i += 16, ++blocks) {
            __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
            acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
        }
        __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
        count += static_cast<uint64_t>(_mm_cvtsi128_si32(sums)) +
                 static_cast<uint64_t>(_mm_cvtsi128_si32(_mm_srli_si128(sums, 8)));
    }
#endif
    for (; i < n; ++i) count += p[i] == '\n';
    return count;
}

size_t find(std::string_view hay, std::string_view needle, size_t from) {
    const size_t m = needle.size();
    if (m == 0) return from <= hay.size() ? from : std::string_view::npos;
    if (from >= hay.size() || hay.size() - from < m) return std::string_view::npos;
    const char* h = hay.data();
    const size_t n = hay.size();
    size_t i = from;
#if defined(__SSE2__)
    if (m >= 2) {
        const __m128i first = _mm_set1_epi8(needle[0]);
        const __m128i last = _mm_set1_epi8(needle[m - 1]);
        for (; i + m - 1 + 16 <= n; i += 16) {
            __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i));
            __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + m - 1));
            unsigned mask = static_cast<unsigned>(
                _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
            while (mask) {
                unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
                if (std::memcmp(h + i + bit + 1, needle.data() + 1, m - 2) == 0) return i + bit;
                mask &= mask - 1;
            }
        }
    }
#endif
    for (; i + m <= n; ++i)
        if (h[i] == needle[0] && std::memcmp(h + i, needle.data(), m) == 0) return i;
    return std::string_view::npos;
}

}  // namespace why502::bytes

#include "base/bytes.hpp"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define WHY502_X86 1
#endif

namespace why502::bytes {
namespace {

uint64_t count_scalar(const char* p, size_t n) {
    uint64_t count = 0;
    for (size_t i = 0; i < n; ++i) count += p[i] == '\n';
    return count;
}

size_t find_scalar(const char* h, size_t n, std::string_view needle, size_t i) {
    const size_t m = needle.size();
    for (; i + m <= n; ++i)
        if (h[i] == needle[0] && std::memcmp(h + i, needle.data(), m) == 0) return i;
    return std::string_view::npos;
}

// Candidates (first and last byte match) are verified inline: a memcmp call per
// candidate costs more than the compare for short needles.
inline bool middle_matches(const char* c, std::string_view needle) {
    const size_t m = needle.size();
    size_t k = 1;
    while (k + 1 < m && c[k] == needle[k]) ++k;
    return k + 1 >= m;
}

#if WHY502_X86
// SSE2 is the x86-64 baseline; AVX2 is used when the CPU has it (checked once).
uint64_t count_sse2(const char* p, size_t n) {
    uint64_t count = 0;
    size_t i = 0;
    const __m128i nl = _mm_set1_epi8('\n');
    // Accumulate per-byte counts in 8-bit lanes for up to 255 blocks, then widen.
    while (i + 16 <= n) {
        __m128i acc = _mm_setzero_si128();
        for (size_t blocks = 0; i + 16 <= n && blocks < 255; i += 16, ++blocks)
            acc = _mm_sub_epi8(acc,
                               _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)), nl));
        __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
        count += static_cast<uint64_t>(_mm_cvtsi128_si32(sums)) +
                 static_cast<uint64_t>(_mm_cvtsi128_si32(_mm_srli_si128(sums, 8)));
    }
    return count + count_scalar(p + i, n - i);
}

__attribute__((target("avx2"))) uint64_t count_avx2(const char* p, size_t n) {
    uint64_t count = 0;
    size_t i = 0;
    const __m256i nl = _mm256_set1_epi8('\n');
    while (i + 32 <= n) {
        __m256i acc = _mm256_setzero_si256();
        for (size_t blocks = 0; i + 32 <= n && blocks < 255; i += 32, ++blocks)
            acc = _mm256_sub_epi8(
                acc, _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)), nl));
        __m256i sums = _mm256_sad_epu8(acc, _mm256_setzero_si256());
        count += static_cast<uint64_t>(_mm256_extract_epi64(sums, 0)) +
                 static_cast<uint64_t>(_mm256_extract_epi64(sums, 1)) +
                 static_cast<uint64_t>(_mm256_extract_epi64(sums, 2)) +
                 static_cast<uint64_t>(_mm256_extract_epi64(sums, 3));
    }
    return count + count_sse2(p + i, n - i);
}

size_t find_sse2(const char* h, size_t n, std::string_view needle, size_t i) {
    const size_t m = needle.size();
    const __m128i first = _mm_set1_epi8(needle[0]);
    const __m128i last = _mm_set1_epi8(needle[m - 1]);
    for (; i + m - 1 + 16 <= n; i += 16) {
        __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i));
        __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + m - 1));
        auto mask = static_cast<unsigned>(
            _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
        while (mask) {
            unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
            if (middle_matches(h + i + bit, needle)) return i + bit;
            mask &= mask - 1;
        }
    }
    return find_scalar(h, n, needle, i);
}

__attribute__((target("avx2"))) size_t find_avx2(const char* h, size_t n, std::string_view needle, size_t i) {
    const size_t m = needle.size();
    const __m256i first = _mm256_set1_epi8(needle[0]);
    const __m256i last = _mm256_set1_epi8(needle[m - 1]);
    for (; i + m - 1 + 32 <= n; i += 32) {
        __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i));
        __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i + m - 1));
        auto mask = static_cast<unsigned>(
            _mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, first), _mm256_cmpeq_epi8(b, last))));
        while (mask) {
            unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
            if (middle_matches(h + i + bit, needle)) return i + bit;
            mask &= mask - 1;
        }
    }
    return find_sse2(h, n, needle, i);
}

const bool have_avx2 = __builtin_cpu_supports("avx2");
#endif

}  // namespace

uint64_t count_newlines(const char* p, size_t n) {
#if WHY502_X86
    return have_avx2 ? count_avx2(p, n) : count_sse2(p, n);
#else
    return count_scalar(p, n);
#endif
}

size_t find(std::string_view hay, std::string_view needle, size_t from) {
    const size_t m = needle.size();
    if (m == 0) return from <= hay.size() ? from : std::string_view::npos;
    if (from >= hay.size() || hay.size() - from < m) return std::string_view::npos;
    if (m == 1) {
        const void* p = std::memchr(hay.data() + from, needle[0], hay.size() - from);
        return p ? static_cast<size_t>(static_cast<const char*>(p) - hay.data()) : std::string_view::npos;
    }
#if WHY502_X86
    return have_avx2 ? find_avx2(hay.data(), hay.size(), needle, from)
                     : find_sse2(hay.data(), hay.size(), needle, from);
#else
    return find_scalar(hay.data(), hay.size(), needle, from);
#endif
}

}  // namespace why502::bytes

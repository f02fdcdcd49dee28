// Byte-level searches for the hot path: lines that cannot matter must cost about as
// much as reading them. SSE2 (baseline on x86-64) with a portable fallback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace why502::bytes {

// Number of '\n' in [p, p + n).
uint64_t count_newlines(const char* p, size_t n);

// Position of the first occurrence of `needle` (2 or more bytes) in `hay` at or after
// `from`, or npos. Compares the needle's first and last byte 16 positions at a time and
// verifies candidates, so it runs at memory speed on text where both are uncommon
// together.
size_t find(std::string_view hay, std::string_view needle, size_t from = 0);

// `lit` at s[pos...] / ending at s[end]: with the literal's length known at compile time
// the compare is a few instructions, not a memcmp call (the readers run these millions
// of times a gigabyte).
template <size_t N>
inline bool has_at(std::string_view s, size_t pos, const char (&lit)[N]) {
    return pos <= s.size() && s.size() - pos >= N - 1 && std::memcmp(s.data() + pos, lit, N - 1) == 0;
}
template <size_t N>
inline bool ends_at(std::string_view s, size_t end, const char (&lit)[N]) {
    return end >= N - 1 && has_at(s, end - (N - 1), lit);
}

// Bit i set where p[i] == c, for the 32 bytes at p (all must be readable): finds a
// delimiter near the start of a line in a few instructions instead of a byte loop.
inline uint32_t match_mask32(const char* p, char c) {
#if defined(__SSE2__)
    const __m128i v = _mm_set1_epi8(c);
    const auto lo = static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), v)));
    const auto hi = static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16)), v)));
    return lo | hi << 16;
#else
    uint32_t m = 0;
    for (unsigned i = 0; i < 32; ++i) m |= static_cast<uint32_t>(p[i] == c) << i;
    return m;
#endif
}

// A transparent hash: a hash table keyed by std::string can be searched with a
// string_view (no string built per lookup).
struct string_hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

// One pass over a chunk of text that finds its lines and a few needles together, so a
// chunk is read from memory once: the offset of every '\n', and every occurrence of each
// needle (at most max_needles, each non-empty), in offset order. Meant to be reused
// (its buffers keep their capacity). Offsets are 32-bit: text must be < 4 GiB.
struct needle_hit {
    uint32_t offset;
    uint32_t needle;  // index into the needles given to index()
};

class line_index {
public:
    static constexpr size_t max_needles = 4;

    void index(std::string_view text, std::span<const std::string_view> needles);
    // The same in steps, so that a caller can look at the hits of a block while it is
    // still in the core's cache: start() then index_to() with growing offsets. Needles
    // must outlive the indexing. Until the whole text is indexed, newlines() and hits()
    // cover [0, indexed()) and line_count() counts the complete lines only.
    void start(std::string_view text, std::span<const std::string_view> needles);
    void index_to(size_t offset);
    size_t indexed() const { return indexed_; }

    std::span<const uint32_t> newlines() const { return {nl_.data(), nl_count_}; }
    const std::vector<needle_hit>& hits() const { return hits_; }
    // Lines in the text: newlines, plus one if the text does not end with '\n'.
    size_t line_count() const;
    // 0-based number of the line holding byte `offset`.
    size_t line_of(size_t offset) const;
    // Line `i` (0-based) without its newline.
    std::string_view line(size_t i) const {
        const size_t s = line_start(i);
        return {text_ + s, line_end(i) - s};
    }
    size_t line_start(size_t i) const { return i == 0 ? 0 : nl_[i - 1] + 1; }
    size_t line_end(size_t i) const { return i < nl_count_ ? nl_[i] : size_; }

    // Which kernel runs (here and in find): 2 AVX-512, 1 AVX2, 0 SSE2/portable (the best
    // the CPU has, unless a test lowers it to check the others give the same answers).
    static int kernel_level();
    static int available_kernel_level();
    static void set_kernel_level(int level);

private:
    const char* text_ = nullptr;
    size_t size_ = 0;
    size_t indexed_ = 0;
    std::string_view needles_[max_needles];
    size_t needle_count_ = 0;
    std::vector<uint32_t> nl_;  // capacity kept between chunks; nl_count_ entries are valid
    size_t nl_count_ = 0;
    std::vector<needle_hit> hits_;
};

}  // namespace why502::bytes

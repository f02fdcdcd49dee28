#include "base/bytes.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

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
const bool have_avx512 = __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512f");

__attribute__((target("avx512bw,avx512f,bmi"))) size_t find_avx512(const char* h, size_t n,
                                                                   std::string_view needle, size_t i) {
    const size_t m = needle.size();
    const __m512i first = _mm512_set1_epi8(needle[0]);
    const __m512i last = _mm512_set1_epi8(needle[m - 1]);
    for (; i + m - 1 + 64 <= n; i += 64) {
        const __m512i a = _mm512_loadu_si512(h + i);
        const __m512i b = _mm512_loadu_si512(h + i + m - 1);
        uint64_t mask = _mm512_mask_cmpeq_epi8_mask(_mm512_cmpeq_epi8_mask(a, first), b, last);
        while (mask) {
            const auto bit = static_cast<size_t>(__builtin_ctzll(mask));
            if (middle_matches(h + i + bit, needle)) return i + bit;
            mask &= mask - 1;
        }
    }
    return find_avx2(h, n, needle, i);
}
#endif
// line_index's kernel: 2 AVX-512, 1 AVX2, 0 portable; lowered by tests to check each.
int index_level =
#if WHY502_X86
    have_avx512 ? 2
    : have_avx2 ? 1
                : 0;
#else
    0;
#endif

// Needle data prepared once per index() call.
struct needle_set {
    size_t k = 0;
    size_t longest = 0;
    std::string_view n[line_index::max_needles];
};

// Appends the verified hits of every needle starting in [from, to), in offset order.
// Bytes up to `size` may be read (a needle starting before `to` may end after it).
void scalar_needles(const char* p, size_t size, size_t from, size_t to, const needle_set& ns,
                    std::vector<needle_hit>& hits) {
    for (size_t i = from; i < to; ++i)
        for (size_t j = 0; j < ns.k; ++j) {
            const std::string_view nd = ns.n[j];
            if (p[i] == nd[0] && i + nd.size() <= size && std::memcmp(p + i, nd.data(), nd.size()) == 0)
                hits.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(j)});
        }
}

#if WHY502_X86
// Where the kernels write: newline offsets into a buffer grown ahead (up to 64 a step),
// hits verified in place, in offset order.
struct index_out {
    std::vector<uint32_t>& nl_buf;
    std::vector<needle_hit>& hits;
    uint32_t* nl_out;
    uint32_t* nl_end;

    // One 64-byte step at offset i: its newline mask and per-needle candidate masks.
    template <size_t K>
    inline void emit(const char* p, size_t i, uint64_t nl, uint64_t any, const uint64_t* cand,
                     const needle_set& ns) {
        if (nl_end - nl_out < 64) {
            size_t used = static_cast<size_t>(nl_out - nl_buf.data());
            nl_buf.resize(nl_buf.size() * 2 + 1024);
            nl_out = nl_buf.data() + used;
            nl_end = nl_buf.data() + nl_buf.size();
        }
        while (nl) {
            *nl_out++ = static_cast<uint32_t>(i + static_cast<size_t>(__builtin_ctzll(nl)));
            nl &= nl - 1;
        }
        while (any) {
            const size_t bit = static_cast<size_t>(__builtin_ctzll(any));
            any &= any - 1;
            for (size_t j = 0; j < K; ++j)
                if ((cand[j] >> bit & 1) && middle_matches(p + i + bit, ns.n[j]))
                    hits.push_back({static_cast<uint32_t>(i + bit), static_cast<uint32_t>(j)});
        }
    }
};

__attribute__((target("avx2"))) inline uint64_t mask64(__m256i lo, __m256i hi) {
    return static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(lo))) |
           static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(hi))) << 32;
}

// 64 bytes a step: one compare for '\n', and per needle its first and last byte compared
// at the matching shifts (as in find_avx2); newline offsets are written with tzcnt.
// Indexes from i0 towards `to` (needles may end past it, up to n); returns where it
// stopped (the caller finishes the rest). K, the number of needles, is a template
// argument so that the needle loop is unrolled and its masks stay in registers.
template <size_t K>
__attribute__((target("avx2,bmi,bmi2,popcnt"))) size_t index_avx2(const char* p, size_t n, size_t i0,
                                                                  size_t to, const needle_set& ns,
                                                                  index_out& out) {
    index_out w = out;  // a local the compiler can keep in registers
    const __m256i nlv = _mm256_set1_epi8('\n');
    __m256i first[K + 1], last[K + 1];
    size_t shift[K + 1];
    for (size_t j = 0; j < K; ++j) {
        first[j] = _mm256_set1_epi8(ns.n[j][0]);
        last[j] = _mm256_set1_epi8(ns.n[j][ns.n[j].size() - 1]);
        shift[j] = ns.n[j].size() - 1;
    }
    size_t i = i0;
    for (; i + 64 <= to && i + 64 + ns.longest <= n; i += 64) {
        _mm_prefetch(p + i + 4096, _MM_HINT_T0);  // measured: 0.29 -> 0.22 s per GB
        const __m256i a0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
        const __m256i a1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32));
        uint64_t cand[K + 1];
        uint64_t any = 0;
#pragma GCC unroll 4
        for (size_t j = 0; j < K; ++j) {
            const __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + shift[j]));
            const __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32 + shift[j]));
            cand[j] =
                mask64(_mm256_and_si256(_mm256_cmpeq_epi8(a0, first[j]), _mm256_cmpeq_epi8(b0, last[j])),
                       _mm256_and_si256(_mm256_cmpeq_epi8(a1, first[j]), _mm256_cmpeq_epi8(b1, last[j])));
            any |= cand[j];
        }
        uint64_t nl = mask64(_mm256_cmpeq_epi8(a0, nlv), _mm256_cmpeq_epi8(a1, nlv));
        w.emit<K>(p, i, nl, any, cand, ns);
    }
    out.nl_out = w.nl_out;
    out.nl_end = w.nl_end;
    return i;
}

// The same with 64-byte registers and mask compares: about half the instructions.
template <size_t K>
__attribute__((target("avx512bw,avx512f,bmi,bmi2,popcnt"))) size_t index_avx512(const char* p, size_t n,
                                                                                size_t i0, size_t to,
                                                                                const needle_set& ns,
                                                                                index_out& out) {
    index_out w = out;  // a local the compiler can keep in registers
    const __m512i nlv = _mm512_set1_epi8('\n');
    __m512i first[K + 1], last[K + 1];
    size_t shift[K + 1];
    for (size_t j = 0; j < K; ++j) {
        first[j] = _mm512_set1_epi8(ns.n[j][0]);
        last[j] = _mm512_set1_epi8(ns.n[j][ns.n[j].size() - 1]);
        shift[j] = ns.n[j].size() - 1;
    }
    size_t i = i0;
    for (; i + 64 <= to && i + 64 + ns.longest <= n; i += 64) {
        _mm_prefetch(p + i + 4096, _MM_HINT_T0);
        const __m512i a = _mm512_loadu_si512(p + i);
        uint64_t cand[K + 1];
        uint64_t any = 0;
#pragma GCC unroll 4
        for (size_t j = 0; j < K; ++j) {
            const __m512i b = _mm512_loadu_si512(p + i + shift[j]);
            cand[j] = _mm512_mask_cmpeq_epi8_mask(_mm512_cmpeq_epi8_mask(a, first[j]), b, last[j]);
            any |= cand[j];
        }
        uint64_t nl = _mm512_cmpeq_epi8_mask(a, nlv);
        w.emit<K>(p, i, nl, any, cand, ns);
    }
    out.nl_out = w.nl_out;
    out.nl_end = w.nl_end;
    return i;
}

// The kernel for the number of needles given (0 to max_needles).
template <template <size_t> class Kernel>
size_t run_kernel(const char* p, size_t n, size_t i0, size_t to, const needle_set& ns, index_out& out) {
    static_assert(line_index::max_needles == 4, "one case per needle count");
    switch (ns.k) {
        case 0:
            return Kernel<0>::run(p, n, i0, to, ns, out);
        case 1:
            return Kernel<1>::run(p, n, i0, to, ns, out);
        case 2:
            return Kernel<2>::run(p, n, i0, to, ns, out);
        case 3:
            return Kernel<3>::run(p, n, i0, to, ns, out);
        default:
            return Kernel<4>::run(p, n, i0, to, ns, out);
    }
}
template <size_t K>
struct avx2_kernel {
    static size_t run(const char* p, size_t n, size_t i0, size_t to, const needle_set& ns, index_out& out) {
        return index_avx2<K>(p, n, i0, to, ns, out);
    }
};
template <size_t K>
struct avx512_kernel {
    static size_t run(const char* p, size_t n, size_t i0, size_t to, const needle_set& ns, index_out& out) {
        return index_avx512<K>(p, n, i0, to, ns, out);
    }
};
#endif

}  // namespace

void line_index::index(std::string_view text, std::span<const std::string_view> needles) {
    start(text, needles);
    index_to(text.size());
}

void line_index::start(std::string_view text, std::span<const std::string_view> needles) {
    if (text.size() >= (uint64_t{1} << 32)) throw std::length_error("line_index: text of 4 GiB or more");
    if (needles.size() > max_needles) throw std::length_error("line_index: too many needles");
    text_ = text.data();
    size_ = text.size();
    indexed_ = 0;
    nl_count_ = 0;
    hits_.clear();
    needle_count_ = 0;
    for (std::string_view nd : needles) {
        if (nd.empty()) throw std::invalid_argument("line_index: empty needle");
        needles_[needle_count_++] = nd;
    }
    if (nl_.size() < 1024) nl_.resize(1024);
}

void line_index::index_to(size_t to) {
    to = std::min(to, size_);
    if (to <= indexed_) return;
    const size_t from = indexed_;
    needle_set ns;
    for (size_t j = 0; j < needle_count_; ++j) {
        ns.n[ns.k++] = needles_[j];
        ns.longest = std::max(ns.longest, needles_[j].size());
    }
    size_t done = from;
    size_t used = nl_count_;
#if WHY502_X86
    if (index_level > 0) {
        index_out out{nl_, hits_, nl_.data() + nl_count_, nl_.data() + nl_.size()};
        done = index_level == 2 ? run_kernel<avx512_kernel>(text_, size_, from, to, ns, out)
                                : run_kernel<avx2_kernel>(text_, size_, from, to, ns, out);
        used = static_cast<size_t>(out.nl_out - nl_.data());
    }
#endif
    // The rest (or all, without AVX2): newlines by memchr, needles by bytes::find.
    for (size_t pos = done; pos < to;) {
        const void* q = std::memchr(text_ + pos, '\n', to - pos);
        if (!q) break;
        size_t at = static_cast<size_t>(static_cast<const char*>(q) - text_);
        if (used == nl_.size()) nl_.resize(nl_.size() * 2);
        nl_[used++] = static_cast<uint32_t>(at);
        pos = at + 1;
    }
    nl_count_ = used;
    indexed_ = to;
    if (done > from || index_level > 0) {
        scalar_needles(text_, size_, done, to, ns, hits_);
        return;
    }
    const size_t before = hits_.size();
    for (size_t j = 0; j < ns.k; ++j) {
        // Occurrences starting in [from, to), which may end past `to`.
        std::string_view hay(text_, std::min(size_, to + ns.n[j].size() - 1));
        for (size_t at = find(hay, ns.n[j], from); at != std::string_view::npos && at < to;
             at = find(hay, ns.n[j], at + 1))
            hits_.push_back({static_cast<uint32_t>(at), static_cast<uint32_t>(j)});
    }
    std::sort(hits_.begin() + static_cast<std::ptrdiff_t>(before), hits_.end(),
              [](const needle_hit& a, const needle_hit& b) {
                  return a.offset != b.offset ? a.offset < b.offset : a.needle < b.needle;
              });
}

int line_index::kernel_level() {
    return index_level;
}
int line_index::available_kernel_level() {
#if WHY502_X86
    return have_avx512 ? 2 : have_avx2 ? 1 : 0;
#else
    return 0;
#endif
}
void line_index::set_kernel_level(int level) {
    index_level = std::clamp(level, 0, available_kernel_level());
}

size_t line_index::line_count() const {
    if (size_ == 0) return 0;
    if (indexed_ < size_) return nl_count_;  // complete lines so far
    return nl_count_ + (nl_count_ == 0 || nl_[nl_count_ - 1] + 1 != size_ ? 1 : 0);
}

size_t line_index::line_of(size_t offset) const {
    const uint32_t* b = nl_.data();
    return static_cast<size_t>(std::lower_bound(b, b + nl_count_, static_cast<uint32_t>(offset)) - b);
}

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
    if (index_level == 2) return find_avx512(hay.data(), hay.size(), needle, from);
    return have_avx2 ? find_avx2(hay.data(), hay.size(), needle, from)
                     : find_sse2(hay.data(), hay.size(), needle, from);
#else
    return find_scalar(hay.data(), hay.size(), needle, from);
#endif
}

}  // namespace why502::bytes

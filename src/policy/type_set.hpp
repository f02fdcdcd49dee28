// A dense set of policy type indexes (value - 1). A policy has a few thousand types,
// so one set is ~0.5 KB and union / difference / count are word loops: that is what
// makes counting the pairs a boolean or a relabel adds cheap enough to do per fix.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace why502::policy {

class type_set {
public:
    type_set() = default;
    explicit type_set(size_t nbits) : words_((nbits + 63) / 64, 0) {}

    // The loops below index raw pointers: this is the hot path of every count, and
    // Debug builds (no inlining) otherwise spend their time in iterator wrappers.
    void set(uint32_t i) { words_.data()[i >> 6] |= uint64_t{1} << (i & 63); }
    void reset(uint32_t i) { words_.data()[i >> 6] &= ~(uint64_t{1} << (i & 63)); }
    bool test(uint32_t i) const {
        size_t w = i >> 6;
        return w < words_.size() && ((words_.data()[w] >> (i & 63)) & 1) != 0;
    }
    type_set& operator|=(const type_set& o) {
        size_t n = common(o);
        uint64_t* a = words_.data();
        const uint64_t* b = o.words_.data();
        for (size_t k = 0; k < n; ++k) a[k] |= b[k];
        return *this;
    }
    type_set& operator&=(const type_set& o) {
        size_t n = common(o), all = words_.size();
        uint64_t* a = words_.data();
        const uint64_t* b = o.words_.data();
        for (size_t k = 0; k < n; ++k) a[k] &= b[k];
        for (size_t k = n; k < all; ++k) a[k] = 0;
        return *this;
    }
    type_set& subtract(const type_set& o) {
        size_t n = common(o);
        uint64_t* a = words_.data();
        const uint64_t* b = o.words_.data();
        for (size_t k = 0; k < n; ++k) a[k] &= ~b[k];
        return *this;
    }
    bool intersects(const type_set& o) const {
        size_t n = common(o);
        const uint64_t* a = words_.data();
        const uint64_t* b = o.words_.data();
        for (size_t k = 0; k < n; ++k)
            if ((a[k] & b[k]) != 0) return true;
        return false;
    }
    uint64_t count() const {
        uint64_t c = 0;
        const uint64_t* a = words_.data();
        for (size_t k = 0, n = words_.size(); k < n; ++k) c += static_cast<uint64_t>(std::popcount(a[k]));
        return c;
    }
    // |this \ o|
    uint64_t count_without(const type_set& o) const {
        uint64_t c = 0;
        size_t n = common(o), all = words_.size();
        const uint64_t* a = words_.data();
        const uint64_t* b = o.words_.data();
        for (size_t k = 0; k < n; ++k) c += static_cast<uint64_t>(std::popcount(a[k] & ~b[k]));
        for (size_t k = n; k < all; ++k) c += static_cast<uint64_t>(std::popcount(a[k]));
        return c;
    }
    bool empty() const {
        const uint64_t* a = words_.data();
        for (size_t k = 0, n = words_.size(); k < n; ++k)
            if (a[k] != 0) return false;
        return true;
    }
    // No storage at all (default-constructed): cheaper than empty() to ask.
    bool unallocated() const { return words_.empty(); }
    template <class F>
    void for_each(F&& f) const {
        const uint64_t* a = words_.data();
        for (size_t k = 0, n = words_.size(); k < n; ++k) {
            for (uint64_t w = a[k]; w != 0; w &= w - 1)
                f(static_cast<uint32_t>(k * 64 + static_cast<size_t>(std::countr_zero(w))));
        }
    }
    // Calls f for each member of (this & o).
    template <class F>
    void for_each_common(const type_set& o, F&& f) const {
        size_t n = common(o);
        const uint64_t* a = words_.data();
        const uint64_t* b = o.words_.data();
        for (size_t k = 0; k < n; ++k) {
            for (uint64_t w = a[k] & b[k]; w != 0; w &= w - 1)
                f(static_cast<uint32_t>(k * 64 + static_cast<size_t>(std::countr_zero(w))));
        }
    }

private:
    size_t common(const type_set& o) const {
        return words_.size() < o.words_.size() ? words_.size() : o.words_.size();
    }

    std::vector<uint64_t> words_;
};

}  // namespace why502::policy

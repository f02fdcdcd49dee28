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

    void set(uint32_t i) { words_[i >> 6] |= uint64_t{1} << (i & 63); }
    void reset(uint32_t i) { words_[i >> 6] &= ~(uint64_t{1} << (i & 63)); }
    bool test(uint32_t i) const {
        size_t w = i >> 6;
        return w < words_.size() && ((words_[w] >> (i & 63)) & 1) != 0;
    }
    type_set& operator|=(const type_set& o) {
        for (size_t k = 0; k < words_.size() && k < o.words_.size(); ++k) words_[k] |= o.words_[k];
        return *this;
    }
    type_set& operator&=(const type_set& o) {
        for (size_t k = 0; k < words_.size(); ++k) words_[k] &= k < o.words_.size() ? o.words_[k] : 0;
        return *this;
    }
    type_set& subtract(const type_set& o) {
        for (size_t k = 0; k < words_.size() && k < o.words_.size(); ++k) words_[k] &= ~o.words_[k];
        return *this;
    }
    bool intersects(const type_set& o) const {
        for (size_t k = 0; k < words_.size() && k < o.words_.size(); ++k)
            if ((words_[k] & o.words_[k]) != 0) return true;
        return false;
    }
    uint64_t count() const {
        uint64_t n = 0;
        for (uint64_t w : words_) n += static_cast<uint64_t>(std::popcount(w));
        return n;
    }
    // |this \ o|
    uint64_t count_without(const type_set& o) const {
        uint64_t n = 0;
        for (size_t k = 0; k < words_.size(); ++k) {
            uint64_t w = words_[k] & ~(k < o.words_.size() ? o.words_[k] : 0);
            n += static_cast<uint64_t>(std::popcount(w));
        }
        return n;
    }
    bool empty() const {
        for (uint64_t w : words_)
            if (w != 0) return false;
        return true;
    }
    template <class F>
    void for_each(F&& f) const {
        for (size_t k = 0; k < words_.size(); ++k) {
            uint64_t w = words_[k];
            while (w != 0) {
                f(static_cast<uint32_t>(k * 64 + static_cast<size_t>(std::countr_zero(w))));
                w &= w - 1;
            }
        }
    }
    // Calls f for each member of (this & o).
    template <class F>
    void for_each_common(const type_set& o, F&& f) const {
        for (size_t k = 0; k < words_.size() && k < o.words_.size(); ++k) {
            uint64_t w = words_[k] & o.words_[k];
            while (w != 0) {
                f(static_cast<uint32_t>(k * 64 + static_cast<size_t>(std::countr_zero(w))));
                w &= w - 1;
            }
        }
    }

private:
    std::vector<uint64_t> words_;
};

}  // namespace why502::policy

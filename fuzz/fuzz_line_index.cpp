// Fuzzes the one-pass line and needle index (every kernel the CPU has, whole and in
// steps) against the plain reading of its contract, and find() against
// string_view::find. The first bytes choose the needles and the step size.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"

using namespace why502;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 4) return 0;
    // Needles: up to four pieces of the input's head, 1..8 bytes each.
    const size_t k = data[0] % 5;
    size_t pos = 1;
    std::vector<std::string> owned;
    for (size_t j = 0; j < k && pos < size; ++j) {
        size_t len = 1 + data[pos] % 8;
        ++pos;
        if (pos + len > size) break;
        owned.emplace_back(reinterpret_cast<const char*>(data + pos), len);
        pos += len;
    }
    const size_t step = 1 + (size > pos ? data[pos] : 0) * 3;
    std::string_view text(reinterpret_cast<const char*>(data) + pos, size - pos);
    std::vector<std::string_view> needles(owned.begin(), owned.end());

    std::vector<uint32_t> nl;
    std::vector<std::pair<uint32_t, uint32_t>> want;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n') nl.push_back(static_cast<uint32_t>(i));
        for (size_t j = 0; j < needles.size(); ++j)
            if (text.substr(i).starts_with(needles[j]))
                want.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(j)});
    }
    const int best = bytes::line_index::available_kernel_level();
    for (int level = best; level >= 0; --level) {
        bytes::line_index::set_kernel_level(level);
        for (int stepped = 0; stepped < 2; ++stepped) {
            bytes::line_index ix;
            if (stepped) {
                ix.start(text, needles);
                for (size_t to = step; ix.indexed() < text.size(); to += step) ix.index_to(to);
            } else {
                ix.index(text, needles);
            }
            if (std::vector<uint32_t>(ix.newlines().begin(), ix.newlines().end()) != nl) std::abort();
            if (ix.hits().size() != want.size()) std::abort();
            for (size_t i = 0; i < want.size(); ++i)
                if (ix.hits()[i].offset != want[i].first || ix.hits()[i].needle != want[i].second)
                    std::abort();
            for (size_t i = 0; i < ix.line_count(); ++i)
                if (ix.line_of(ix.line_start(i)) != i) std::abort();
        }
        for (const auto& nd : needles)
            for (size_t from : {size_t{0}, text.size() / 3})
                if (nd.size() >= 2 && bytes::find(text, nd, from) != text.find(nd, from)) std::abort();
    }
    bytes::line_index::set_kernel_level(best);
    return 0;
}

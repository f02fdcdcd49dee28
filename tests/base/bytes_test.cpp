#include "base/bytes.hpp"

#include <random>
#include <string>

#include <gtest/gtest.h>

using namespace why502;

TEST(bytes, count_newlines_matches_scalar_at_every_alignment) {
    std::mt19937 rng(7);
    std::string s(70000, 'x');
    for (auto& c : s) c = (rng() % 9 == 0) ? '\n' : static_cast<char>('a' + rng() % 26);
    for (size_t off = 0; off < 40; ++off) {
        for (size_t len : {0ul, 1ul, 15ul, 16ul, 17ul, 4095ul, 4096ul + 7, 69000ul - off}) {
            uint64_t want = 0;
            for (size_t i = off; i < off + len; ++i) want += s[i] == '\n';
            EXPECT_EQ(bytes::count_newlines(s.data() + off, len), want) << off << " " << len;
        }
    }
    std::string all(100000, '\n');  // more than 255 blocks of all-newlines: lanes must not overflow
    EXPECT_EQ(bytes::count_newlines(all.data(), all.size()), 100000u);
}

TEST(bytes, find_agrees_with_string_view_find) {
    const int best = bytes::line_index::available_kernel_level();
    for (int level = best; level >= 0; --level) {
        bytes::line_index::set_kernel_level(level);
        std::mt19937 rng(11);
        std::string s(20000, 'a');
        for (auto& c : s) c = "upstreamxyz \n"[rng() % 13];
        for (std::string needle : {"upstream", "up", "could not be resolved", "am", "zzzz", "m\nu"}) {
            for (size_t from : {0ul, 1ul, 17ul, 19990ul, 20000ul, 30000ul}) {
                size_t want = std::string_view(s).find(needle, from);
                EXPECT_EQ(bytes::find(s, needle, from), want) << needle << " from " << from;
            }
        }
        std::string tail = std::string(31, '.') + "upstream";  // match ending at the last byte
        EXPECT_EQ(bytes::find(tail, "upstream"), 31u);
        EXPECT_EQ(bytes::find("ab", "abc"), std::string_view::npos);
        std::string longer(300, '.');
        longer.replace(250, 6, ":1000)");
        EXPECT_EQ(bytes::find(longer, ":1000)"), 250u);
        EXPECT_EQ(bytes::find(longer, ":1000)", 251), std::string_view::npos);
    }
    bytes::line_index::set_kernel_level(best);
}

namespace {

// The plain reading of line_index's contract, to compare the one-pass kernel against.
void naive_index(std::string_view t, const std::vector<std::string_view>& needles, std::vector<uint32_t>& nl,
                 std::vector<std::pair<uint32_t, uint32_t>>& hits) {
    for (size_t i = 0; i < t.size(); ++i) {
        if (t[i] == '\n') nl.push_back(static_cast<uint32_t>(i));
        for (size_t j = 0; j < needles.size(); ++j)
            if (t.substr(i).starts_with(needles[j]))
                hits.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(j)});
    }
}

void expect_index_matches(std::string_view t, const std::vector<std::string_view>& needles,
                          bytes::line_index& ix) {
    ix.index(t, needles);
    std::vector<uint32_t> nl;
    std::vector<std::pair<uint32_t, uint32_t>> want;
    naive_index(t, needles, nl, want);
    ASSERT_EQ(std::vector<uint32_t>(ix.newlines().begin(), ix.newlines().end()), nl) << t.size();
    std::vector<std::pair<uint32_t, uint32_t>> got;
    for (const auto& h : ix.hits()) got.push_back({h.offset, h.needle});
    ASSERT_EQ(got, want) << t.size();
}

}  // namespace

TEST(bytes, line_index_matches_a_naive_scan_at_every_size_and_alignment) {
    const int best = bytes::line_index::available_kernel_level();
    for (int level = best; level >= 0; --level) {
        bytes::line_index::set_kernel_level(level);
        SCOPED_TRACE("kernel level " + std::to_string(level));
        std::mt19937 rng(5);
        // A small alphabet made of the needles' letters so that partial matches, overlaps and
        // matches across the 64-byte steps all happen.
        std::string s(9000, 'a');
        for (auto& c : s) c = "AVC_ERtype=1\nupsm"[rng() % 17];
        std::vector<std::vector<std::string_view>> sets = {{"AVC", "_ERR", "type=1"},
                                                           {"upstream", "could not be resolved"},
                                                           {"m"},
                                                           {"\n"},
                                                           {"AA", "A", "AAA", "VC"},
                                                           {}};
        bytes::line_index ix;  // reused across calls, as the readers do
        for (const auto& needles : sets) {
            for (size_t off = 0; off < 70; off += 7)
                for (size_t len : {0ul, 1ul, 63ul, 64ul, 65ul, 130ul, 200ul, 4097ul, 8900ul - off})
                    expect_index_matches(std::string_view(s).substr(off, len), needles, ix);
        }
        // Needles planted at the very end and across every step boundary.
        std::string planted(300, '.');
        for (size_t at : {0ul, 30ul, 60ul, 61ul, 62ul, 63ul, 64ul, 127ul, 290ul, 294ul})
            planted.replace(at, 6, "type=1");
        planted += "\n_ERR";
        expect_index_matches(planted, {"AVC", "_ERR", "type=1"}, ix);
    }
    bytes::line_index::set_kernel_level(best);
}

TEST(bytes, line_index_lines) {
    bytes::line_index ix;
    std::string_view t = "one\ntwo\n\nfour";
    ix.index(t, {});
    EXPECT_EQ(ix.line_count(), 4u);
    EXPECT_EQ(ix.line(0), "one");
    EXPECT_EQ(ix.line(2), "");
    EXPECT_EQ(ix.line(3), "four");
    EXPECT_EQ(ix.line_of(0), 0u);
    EXPECT_EQ(ix.line_of(3), 0u);  // the newline belongs to its line
    EXPECT_EQ(ix.line_of(4), 1u);
    EXPECT_EQ(ix.line_of(10), 3u);
    ix.index("a\nb\n", {});
    EXPECT_EQ(ix.line_count(), 2u);
    ix.index("", {});
    EXPECT_EQ(ix.line_count(), 0u);
    std::string many(200000, '\n');  // growth of the newline buffer inside the kernel
    ix.index(many, std::vector<std::string_view>{"x"});
    EXPECT_EQ(ix.newlines().size(), 200000u);
    EXPECT_EQ(ix.newlines()[199999], 199999u);
}

TEST(bytes, line_index_in_steps_equals_in_one_go) {
    const int best = bytes::line_index::available_kernel_level();
    std::mt19937 rng(9);
    std::string s(20000, 'a');
    for (auto& c : s) c = "AVC_ERtype=1\nupsm"[rng() % 17];
    const std::vector<std::string_view> needles = {"AVC", "_ERR", "type=1"};
    for (int level = best; level >= 0; --level) {
        bytes::line_index::set_kernel_level(level);
        bytes::line_index whole, steps;
        whole.index(s, needles);
        for (size_t step : {1ul, 7ul, 64ul, 100ul, 4096ul}) {
            steps.start(s, needles);
            for (size_t to = step; steps.indexed() < s.size(); to += step) {
                steps.index_to(to);
                EXPECT_EQ(steps.indexed(), std::min(to, s.size()));
            }
            ASSERT_EQ(std::vector<uint32_t>(steps.newlines().begin(), steps.newlines().end()),
                      std::vector<uint32_t>(whole.newlines().begin(), whole.newlines().end()))
                << "level " << level << " step " << step;
            ASSERT_EQ(steps.hits().size(), whole.hits().size()) << "level " << level << " step " << step;
            for (size_t i = 0; i < whole.hits().size(); ++i) {
                EXPECT_EQ(steps.hits()[i].offset, whole.hits()[i].offset);
                EXPECT_EQ(steps.hits()[i].needle, whole.hits()[i].needle);
            }
            EXPECT_EQ(steps.line_count(), whole.line_count());
        }
    }
    bytes::line_index::set_kernel_level(best);
}

TEST(bytes, has_at_and_ends_at_stay_inside_the_string) {
    std::string_view s = "to upstream: \"x";
    EXPECT_TRUE(bytes::has_at(s, 11, ": \""));
    EXPECT_FALSE(bytes::has_at(s, 12, ": \""));
    EXPECT_FALSE(bytes::has_at(s, 14, ": \""));   // would run past the end
    EXPECT_FALSE(bytes::has_at(s, 100, ": \""));  // past the end
    EXPECT_TRUE(bytes::has_at(s, 0, "to "));
    EXPECT_TRUE(bytes::ends_at(s, 3, "to "));
    EXPECT_FALSE(bytes::ends_at(s, 2, "to "));  // would start before the string
    EXPECT_TRUE(bytes::ends_at(s, s.size(), "x"));
}

TEST(bytes, match_mask32_marks_every_position_of_the_byte) {
    std::mt19937 rng(11);
    for (int round = 0; round < 200; ++round) {
        std::string s(40, 'x');
        for (auto& c : s) c = " ab("[rng() % 4];
        for (size_t off = 0; off + 32 <= s.size(); ++off) {
            uint32_t want = 0;
            for (unsigned i = 0; i < 32; ++i) want |= static_cast<uint32_t>(s[off + i] == ' ') << i;
            ASSERT_EQ(bytes::match_mask32(s.data() + off, ' '), want) << s << " at " << off;
        }
    }
}

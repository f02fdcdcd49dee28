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
}

// The evidence store's answers must not depend on the order workers offer lines in.
#include "diagnose/evidence.hpp"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

using namespace why502::diagnose;

TEST(DistinctSet, KeepsTheEarliestStringsWhateverTheOrder) {
    // (text, line): "b" first appears on line 2, "a" on 5, ...
    std::vector<std::pair<std::string, uint64_t>> seen = {{"b", 2},  {"a", 5}, {"c", 7},  {"b", 9}, {"d", 11},
                                                          {"e", 12}, {"a", 1}, {"f", 20}, {"g", 3}};
    std::mt19937 rng(1);
    for (int round = 0; round < 50; ++round) {
        std::shuffle(seen.begin(), seen.end(), rng);
        // Offered to two "workers" and merged, as the readers do.
        distinct_set w1(3), w2(3), all(3);
        for (size_t i = 0; i < seen.size(); ++i) (i % 2 ? w1 : w2).offer(seen[i].first, 0, seen[i].second);
        all.merge(w1);
        all.merge(w2);
        EXPECT_EQ(all.items(), (std::vector<std::string>{"a", "b", "g"})) << "round " << round;
    }
}

TEST(DistinctSet, MatchesTheEarliestDistinctStringsOnRandomInputs) {
    // Many repeats and more strings than places; workers offer in order (as the readers
    // do) or shuffled. The answer: the distinct strings by first line, the earliest cap.
    std::mt19937 rng(7);
    for (int round = 0; round < 300; ++round) {
        const size_t cap = 1 + rng() % 5;
        std::vector<std::pair<std::string, uint64_t>> seen;
        const int n = 1 + static_cast<int>(rng() % 60);
        for (int i = 0; i < n; ++i)
            seen.push_back({std::string(1, static_cast<char>('a' + rng() % 12)), static_cast<uint64_t>(i)});
        std::vector<std::pair<uint64_t, std::string>> first;
        for (const auto& [t, l] : seen)
            if (std::none_of(first.begin(), first.end(), [&](const auto& f) { return f.second == t; }))
                first.push_back({l, t});
        std::vector<std::string> want;
        for (size_t i = 0; i < first.size() && i < cap; ++i) want.push_back(first[i].second);
        const size_t workers = 1 + rng() % 3;
        std::vector<distinct_set> w(workers, distinct_set(cap));
        std::vector<std::vector<std::pair<std::string, uint64_t>>> parts(workers);
        for (const auto& x : seen) parts[rng() % workers].push_back(x);
        distinct_set all(cap);
        for (size_t k = 0; k < workers; ++k) {
            if (round % 2) std::shuffle(parts[k].begin(), parts[k].end(), rng);
            for (const auto& [t, l] : parts[k]) w[k].offer(t, 0, l);
            all.merge(w[k]);
        }
        EXPECT_EQ(all.items(), want) << "round " << round;
    }
}

TEST(TimeSample, KeepsDistinctTimesWhileFew) {
    time_sample s;
    for (int64_t t : {5, 3, 5, -2, 9, 3}) s.add(t);
    EXPECT_EQ(s.sorted(), (std::vector<int64_t>{-2, 3, 5, 9}));
    EXPECT_EQ(s.width(), 1);
}

TEST(TimeSample, MarksEveryStretchOfALongLogWhateverTheOrderAndSplit) {
    // Bursts and quiet spells over ~10 days, more distinct times than places.
    std::mt19937_64 rng(3);
    std::vector<int64_t> times;
    int64_t t = 1782555242000;
    for (int burst = 0; burst < 400; ++burst) {
        t += static_cast<int64_t>(rng() % 3600000);
        for (int i = 0; i < 100; ++i) times.push_back(t + static_cast<int64_t>(rng() % 60000));
    }
    times.push_back(-1500);  // and one before 1970, to check floor division
    std::vector<int64_t> want;
    for (int round = 0; round < 6; ++round) {
        if (round) std::shuffle(times.begin(), times.end(), rng);
        const size_t parts = 1 + round % 3;
        std::vector<time_sample> part(parts);
        for (size_t i = 0; i < times.size(); ++i) part[round < 3 ? i % parts : rng() % parts].add(times[i]);
        time_sample all;
        for (const auto& p : part) all.merge(p);
        const auto got = all.sorted();
        if (round == 0) {
            want = got;
            ASSERT_LE(got.size(), time_sample::cap + 1);
            ASSERT_GT(got.size(), time_sample::cap / 2) << "coarser than needed";
            EXPECT_EQ(got.front(), -1500);
            EXPECT_EQ(got.back(), *std::max_element(times.begin(), times.end()));
            // Every time has a mark at most one bucket width before it.
            const int64_t w = all.width();
            for (int64_t x : times) {
                auto it = std::upper_bound(got.begin(), got.end(), x);
                ASSERT_NE(it, got.begin()) << x;
                EXPECT_LT(x - *std::prev(it), w) << x;
            }
        }
        EXPECT_EQ(got, want) << "round " << round;
    }
}

TEST(EvidenceStore, CanonicalOrderDoesNotDependOnMergeOrder) {
    auto line = [](const char* server, int port, int pid) {
        why502::parse::nginx_line l;
        l.server = server;
        l.pid = static_cast<uint32_t>(pid);
        why502::parse::upstream_failure f;
        f.kind = why502::parse::failure_kind::connect_failed;
        f.err = 13;
        f.address = port == 3000 ? "127.0.0.1:3000" : "127.0.0.1:8080";
        return std::pair{l, f};
    };
    auto fill = [&](evidence_store& s, int first_port, uint64_t base) {
        for (int i = 0; i < 3; ++i) {
            auto [l, f] = line(i ? "b.example" : "a.example", i % 2 ? 8080 : first_port, 100 + i);
            s.add_failure(l, f, 1000 + i, 0, base + static_cast<uint64_t>(i), "text");
        }
    };
    evidence_store one, two;
    {
        evidence_store w1, w2;
        fill(w1, 3000, 10);
        fill(w2, 8080, 1);
        one.merge(std::move(w1));
        one.merge(std::move(w2));
    }
    {
        evidence_store w1, w2;
        fill(w1, 3000, 10);
        fill(w2, 8080, 1);
        two.merge(std::move(w2));
        two.merge(std::move(w1));
    }
    one.canonicalize();
    two.canonicalize();
    ASSERT_EQ(one.groups().size(), two.groups().size());
    for (size_t i = 0; i < one.groups().size(); ++i) {
        EXPECT_EQ(one.groups()[i].address, two.groups()[i].address);
        EXPECT_EQ(one.groups()[i].count, two.groups()[i].count);
        EXPECT_EQ(one.groups()[i].servers.items(), two.groups()[i].servers.items());
    }
    ASSERT_EQ(one.candidates().size(), 6u);
    for (size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(one.candidates()[i].line, two.candidates()[i].line);
        EXPECT_EQ(one.candidates()[i].group, two.candidates()[i].group);
        if (i) {
            EXPECT_LT(one.candidates()[i - 1].line, one.candidates()[i].line);
        }
    }
}

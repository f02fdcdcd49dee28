#include "ingest/input.hpp"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <tuple>
#include <vector>
#include <algorithm>
#include <string>

#include <gtest/gtest.h>
#include <zlib.h>

using namespace why502::ingest;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
    auto d = fs::temp_directory_path() / ("why502_ingest_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
}

void write_file(const fs::path& p, const std::string& s) {
    std::ofstream(p, std::ios::binary) << s;
}

void write_gz(const fs::path& p, const std::string& s) {
    gzFile g = gzopen(p.c_str(), "wb");
    gzwrite(g, s.data(), static_cast<unsigned>(s.size()));
    gzclose(g);
}

// Collects every line with its number, across chunks and workers: numbered within
// their piece while reading, then by the piece's first line, as the readers do.
std::map<uint64_t, std::string> collect(const std::string& path, scan_options o, scan_stats* st = nullptr) {
    std::vector<std::tuple<uint64_t, uint64_t, std::string>> seen;  // piece, line in piece, text
    std::mutex mu;
    auto r = scan_file(path, o, [&](const chunk& c, unsigned) {
        uint64_t n = 0;
        return for_each_line(c.text, [&](std::string_view l, size_t) {
            std::lock_guard lk(mu);
            seen.emplace_back(c.index, n++, std::string(l));
        });
    });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    std::map<uint64_t, std::string> lines;
    if (!r.ok()) return lines;
    for (auto& [piece, n, text] : seen) {
        auto [it, fresh] = lines.emplace(r->first_line(piece) + n, std::move(text));
        EXPECT_TRUE(fresh) << "line " << it->first << " seen twice";
    }
    if (st) *st = *r;
    return lines;
}

const mapping both_ways[] = {mapping::never, mapping::always};

}  // namespace

TEST(scan, numbers_lines_across_small_chunks_and_workers) {
    auto d = temp_dir();
    std::string text;
    for (int i = 1; i <= 5000; ++i)
        text += "line " + std::to_string(i) + (i % 7 ? "" : " with more text") + "\n";
    write_file(d / "a.log", text);
    for (unsigned workers : {0u, 1u, 2u, 3u})
        for (mapping m : both_ways) {
            scan_options o;
            o.workers = workers;
            o.chunk_bytes = 64 << 10;
            o.map = m;
            scan_stats st;
            auto lines = collect((d / "a.log").string(), o, &st);
            EXPECT_EQ(st.mapped, m == mapping::always);
            ASSERT_EQ(lines.size(), 5000u);
            EXPECT_EQ(st.lines, 5000u);
            EXPECT_EQ(st.bytes, text.size());
            EXPECT_EQ(lines[1], "line 1");
            EXPECT_EQ(lines[4999], "line 4999");
            EXPECT_EQ(lines[7], "line 7 with more text");
        }
}

TEST(scan, last_line_without_newline) {
    auto d = temp_dir();
    write_file(d / "b.log", "one\ntwo\nthree");
    for (mapping m : both_ways) {
        scan_options o;
        o.map = m;
        scan_stats st;
        auto lines = collect((d / "b.log").string(), o, &st);
        ASSERT_EQ(lines.size(), 3u);
        EXPECT_EQ(lines[3], "three");
        EXPECT_EQ(st.lines, 3u);
    }
}

TEST(scan, gzip_detected_by_magic_not_name) {
    auto d = temp_dir();
    std::string text;
    for (int i = 1; i <= 20000; ++i) text += "gz line " + std::to_string(i) + "\n";
    write_gz(d / "error.log.1", text);  // no .gz suffix, as some rotations leave it
    scan_options o;
    o.workers = 2;
    o.chunk_bytes = 64 << 10;
    scan_stats st;
    auto lines = collect((d / "error.log.1").string(), o, &st);
    EXPECT_EQ(lines.size(), 20000u);
    EXPECT_EQ(lines[20000], "gz line 20000");
    EXPECT_TRUE(st.truncated.empty());
}

TEST(scan, truncated_gzip_keeps_what_it_has_and_says_so) {
    auto d = temp_dir();
    std::string text;
    for (int i = 1; i <= 20000; ++i) text += "gz line " + std::to_string(i) + " padding padding\n";
    write_gz(d / "t.gz", text);
    auto size = fs::file_size(d / "t.gz");
    fs::resize_file(d / "t.gz", size / 2);
    scan_stats st;
    auto lines = collect((d / "t.gz").string(), {}, &st);
    EXPECT_GT(lines.size(), 100u);
    EXPECT_LT(lines.size(), 20000u);
    EXPECT_FALSE(st.truncated.empty());
}

TEST(scan, overlong_line_is_skipped_and_counted_with_bounded_memory) {
    auto d = temp_dir();
    {
        std::ofstream f(d / "long.log", std::ios::binary);
        f << "first\n";
        std::string big(1 << 20, 'x');
        for (int i = 0; i < 30; ++i) f << big;  // a 30 MB line
        f << "\nafter\n";
    }
    for (mapping m : both_ways) {
        scan_options o;
        o.workers = 2;
        o.chunk_bytes = 256 << 10;
        o.map = m;
        scan_stats st;
        auto lines = collect((d / "long.log").string(), o, &st);
        EXPECT_EQ(st.overlong_lines, 1u);
        EXPECT_EQ(st.lines, 3u);
        EXPECT_EQ(lines[1], "first");
        EXPECT_EQ(lines[3], "after");
        for (auto& [n, l] : lines) EXPECT_LT(l.size(), 300000u);
    }
}

TEST(open, errors_name_the_file) {
    auto r = input::open("/nonexistent/why502.log");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("/nonexistent/why502.log"), std::string::npos);
    auto d = input::open(temp_dir().string());
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message.find("directory"), std::string::npos);
}

TEST(rotations, oldest_first) {
    auto v = order_rotations({"/l/error.log", "/l/error.log.1", "/l/error.log.10.gz", "/l/error.log.2.gz",
                              "/l/access.log", "/l/error.log-20260701", "/l/error.log-20260630.gz"});
    std::vector<std::string> want = {
        "/l/error.log.10.gz",    "/l/error.log.2.gz", "/l/error.log.1", "/l/error.log-20260630.gz",
        "/l/error.log-20260701", "/l/error.log",      "/l/access.log"};
    EXPECT_EQ(v, want);
}

TEST(rotations, finds_siblings) {
    auto d = temp_dir() / "rot";
    fs::create_directories(d);
    for (auto n : {"error.log", "error.log.1", "error.log.2.gz", "error.log.bak", "other.log"})
        write_file(d / n, "x\n");
    auto v = find_rotations((d / "error.log").string());
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(fs::path(v[0]).filename(), "error.log.2.gz");
    EXPECT_EQ(fs::path(v[2]).filename(), "error.log");
}

// A log truncated (logrotate's copytruncate) or replaced while it is being read: the
// reader sees a short read and stops, with what it read so far; no crash, no error.
TEST(scan, file_truncated_while_being_read) {
    auto d = temp_dir();
    auto p = d / "rotating.log";
    std::string text;
    for (int i = 1; i <= 200000; ++i) text += "line " + std::to_string(i) + " of a log being rotated\n";
    write_file(p, text);
    auto in = input::open(p.string());
    ASSERT_TRUE(in.ok());
    scan_options o;
    o.chunk_bytes = 64 << 10;
    o.map = mapping::never;
    uint64_t chunks = 0, lines = 0;
    auto r = scan(*in, o, [&](const chunk& c, unsigned) {
        if (++chunks == 3) fs::resize_file(p, 1000);  // copytruncate happens now
        return for_each_line(c.text, [&](std::string_view, size_t) { ++lines; });
    });
    ASSERT_TRUE(r.ok());
    EXPECT_LT(lines, 200000u);
    EXPECT_GE(lines, 3u * 1000u);
    // Renamed away and replaced: the open descriptor keeps reading the old file.
    write_file(p, text);
    auto in2 = input::open(p.string());
    ASSERT_TRUE(in2.ok());
    uint64_t lines2 = 0;
    auto r2 = scan(*in2, o, [&](const chunk& c, unsigned) {
        if (c.index == 1) {
            fs::rename(p, d / "rotating.log.1");
            write_file(p, "new\n");
        }
        return for_each_line(c.text, [&](std::string_view, size_t) { ++lines2; });
    });
    ASSERT_TRUE(r2.ok());
    EXPECT_EQ(lines2, 200000u);
}

// Mapped, the same copytruncate makes the pages past the new end fault (SIGBUS): the
// guard turns that into zeros and a "truncated" note; the process does not die.
TEST(scan, file_truncated_while_mapped) {
    auto d = temp_dir();
    auto p = d / "mapped.log";
    std::string text;
    for (int i = 1; i <= 200000; ++i) text += "line " + std::to_string(i) + " of a log being rotated\n";
    write_file(p, text);
    for (unsigned workers : {0u, 2u}) {
        write_file(p, text);
        auto in = input::open(p.string());
        ASSERT_TRUE(in.ok());
        scan_options o;
        o.chunk_bytes = 64 << 10;
        o.map = mapping::always;
        o.workers = workers;
        std::atomic<uint64_t> chunks{0}, lines{0};
        auto r = scan(*in, o, [&](const chunk& c, unsigned) {
            if (++chunks == 3) fs::resize_file(p, 1000);
            return for_each_line(c.text, [&](std::string_view l, size_t) {
                if (!l.empty() && l[0] == 'l') ++lines;
            });
        });
        ASSERT_TRUE(r.ok());
        EXPECT_TRUE(r->mapped);
        EXPECT_NE(r->truncated.find("shrank"), std::string::npos) << r->truncated;
        EXPECT_LT(lines.load(), 200000u);
        EXPECT_GE(lines.load(), 2u * 1000u);
    }
}

// Mapped windows and read() buffers cut the same lines, number them the same and skip
// the same overlong lines, whatever the line lengths (short, empty, CRLF, lines across
// piece boundaries, overlong first/last/consecutive lines, no final newline).
TEST(scan, mapped_and_read_agree_on_random_files) {
    auto d = temp_dir();
    std::mt19937 rng(3);
    for (int round = 0; round < 12; ++round) {
        std::string text;
        size_t target = 300000 + rng() % 400000;
        while (text.size() < target) {
            size_t kind = rng() % 100, len;
            if (kind < 3)
                len = 64 * 1024 + rng() % 100000;  // overlong for 64 KiB pieces
            else if (kind < 10)
                len = 0;
            else if (kind < 15)
                len = 60000 + rng() % 8000;  // near the limit
            else
                len = rng() % 300;
            text += std::string(len, static_cast<char>('a' + rng() % 26));
            if (rng() % 10 == 0) text += '\r';
            text += '\n';
        }
        if (round % 3 == 0) text.pop_back();                               // no final newline
        if (round % 4 == 1) text = std::string(70000, 'x') + "\n" + text;  // overlong first line
        if (round % 4 == 2) text += std::string(70000, 'y');               // overlong last line, no newline
        auto path = (d / ("r" + std::to_string(round) + ".log")).string();
        write_file(path, text);
        scan_options o;
        o.chunk_bytes = 64 << 10;
        o.map = mapping::never;
        scan_stats want_st;
        auto want = collect(path, o, &want_st);
        for (unsigned workers : {0u, 2u}) {
            o.map = mapping::always;
            o.workers = workers;
            scan_stats st;
            auto got = collect(path, o, &st);
            EXPECT_EQ(got, want) << "round " << round;
            EXPECT_EQ(st.lines, want_st.lines) << "round " << round;
            EXPECT_EQ(st.overlong_lines, want_st.overlong_lines) << "round " << round;
            EXPECT_EQ(st.bytes, want_st.bytes);
        }
        // Line count against the text itself.
        uint64_t nl = static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
        EXPECT_EQ(want_st.lines, nl + (text.back() != '\n'));
    }
}

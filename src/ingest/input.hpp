// Files, .gz and standard input as a stream of bytes; bounded chunks cut at line
// boundaries, handed to worker threads. No parsing happens here.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace why502::ingest {

// One opened input. Compression is detected from the magic bytes, not the name, so a
// rotated "error.log.1" that is really gzip is read right, and "-" is standard input.
class input {
public:
    static result<input> open(const std::string& path);
    input(input&&) noexcept;
    input& operator=(input&&) noexcept;
    ~input();

    // Reads up to n bytes; 0 at the end. A truncated .gz ends early with an error
    // message kept in truncated_reason() rather than failing the whole read.
    result<size_t> read(char* buf, size_t n);
    const std::string& name() const { return name_; }
    bool compressed() const;
    // Size on disk (compressed size for .gz), when known: for progress only.
    std::optional<uint64_t> disk_size() const { return disk_size_; }
    uint64_t disk_position() const;
    int64_t mtime_ms() const { return mtime_ms_; }
    const std::string& truncated_reason() const { return truncated_; }
    // The descriptor of a regular, uncompressed file that can be mapped; -1 otherwise.
    int map_fd() const;

private:
    input() = default;
    struct impl;
    std::unique_ptr<impl> impl_;
    std::string name_;
    std::optional<uint64_t> disk_size_;
    int64_t mtime_ms_ = 0;
    std::string truncated_;
};

// A piece of a file that ends at a line boundary (the final piece may lack the newline).
// Line numbers are not known when a piece is handed out (pieces are cut and parsed in
// parallel): a chunk function counts the newlines of its piece (readers do it in the
// same pass as their search, see bytes::line_index) and returns that count; scan()
// then knows every piece's first line (scan_stats::first_line). A reader that needs
// line numbers while reading in order adds them up itself with lines_before().
struct chunk {
    std::string_view text;
    uint64_t offset = 0;  // byte offset (uncompressed) of text in the input
    uint64_t index =
        0;  // 0, 1, 2... in file order; each handed out once (all of them unless the file shrank)
    // Overlong lines dropped just before / just after text (they are lines all the same).
    uint32_t skipped_before = 0, skipped_after = 0;
};

enum class mapping { automatic, never, always };

// Progress over every input of a run, on standard error: bytes read, the rate, and a bar
// when every input's size is known. Drawn after a second, at most five times a second,
// by whichever reader gets there first; nothing unless `draw` (standard error is a
// terminal). Shared by the inputs read at the same time.
class progress {
public:
    explicit progress(bool draw) : draw_(draw) {}
    // An input about to be read: its size on disk (compressed size for .gz), if known.
    void expect(std::optional<uint64_t> disk_bytes);
    // Bytes handed to the readers, and how far the disk position moved.
    void advance(uint64_t bytes, uint64_t disk_bytes);
    // After the last input: ends the line of a bar that was drawn.
    void finish();

private:
    void draw(bool final);
    const bool draw_;
    std::atomic<uint64_t> bytes_{0}, position_{0}, total_{0};
    std::atomic<bool> total_known_{true};
    std::mutex mu_;  // the drawing state below
    bool drew_ = false;
    std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now(), last_ = t0_;
};

struct scan_options {
    unsigned workers = 0;  // 0: call fn on the calling thread only
    // Piece size. Memory stays bounded by a few pieces per worker whatever the input
    // size. A line longer than this is skipped and counted (overlong_lines), never held
    // whole.
    size_t chunk_bytes = 4u << 20;
    // Regular uncompressed files are read through bounded mmap windows (no copy from
    // the page cache; the workers cut their own pieces); other inputs (.gz, pipes,
    // standard input) through read(). automatic: mmap for files of a few pieces or more.
    mapping map = mapping::automatic;
    progress* meter = nullptr;  // where reading progress is shown, if anywhere
};

struct scan_stats {
    uint64_t bytes = 0;
    uint64_t lines = 0;
    uint64_t overlong_lines = 0;
    std::string truncated;  // non-empty when the input ended early (truncated .gz, file shrank)
    bool mapped = false;    // read through mmap windows
    // 1-based number of the first line of each piece, by index.
    std::vector<uint64_t> first_lines;
    uint64_t first_line(uint64_t index) const { return first_lines.at(index); }
};

// Returns the number of '\n' in chunk.text.
using chunk_fn = std::function<uint64_t(const chunk&, unsigned worker)>;

// Reads the whole input, handing every chunk to fn (on up to options.workers threads,
// each with its own worker index < max(1, workers)).
result<scan_stats> scan(input& in, const scan_options& options, const chunk_fn& fn);
result<scan_stats> scan_file(const std::string& path, const scan_options& options, const chunk_fn& fn);

// Calls fn(line, offset) for every line of a text (without the newline; a trailing \r
// is kept) and returns the number of newlines: the simplest chunk function.
template <class F>
uint64_t for_each_line(std::string_view t, F&& fn) {
    uint64_t newlines = 0;
    size_t pos = 0;
    while (pos < t.size()) {
        size_t nl = t.find('\n', pos);
        size_t end = nl == std::string_view::npos ? t.size() : nl;
        fn(t.substr(pos, end - pos), pos);
        if (nl == std::string_view::npos) break;
        ++newlines;
        pos = nl + 1;
    }
    return newlines;
}

// Orders a rotated set oldest first: error.log.3.gz, error.log.2.gz, error.log.1,
// error.log (a numeric suffix before an optional .gz counts back in time; dated
// suffixes such as -20260701 sort by date; unrelated files keep their given order).
std::vector<std::string> order_rotations(std::vector<std::string> paths);

// For live mode: the file and its rotations that exist next to it, oldest first.
std::vector<std::string> find_rotations(const std::string& path);

}  // namespace why502::ingest

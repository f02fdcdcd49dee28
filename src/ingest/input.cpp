#include "ingest/input.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <dirent.h>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <zlib.h>

#include "base/bytes.hpp"

namespace why502::ingest {

struct input::impl {
    int fd = -1;
    bool own_fd = true;
    bool gz = false;
    z_stream zs{};
    bool z_init = false;
    bool z_end = false;
    std::vector<unsigned char> zbuf;
    uint64_t disk_pos = 0;
    // Bytes read while sniffing the magic, replayed first.
    std::string pending;

    ~impl() {
        if (z_init) inflateEnd(&zs);
        if (fd >= 0 && own_fd) ::close(fd);
    }

    ssize_t raw_read(char* buf, size_t n) {
        if (!pending.empty()) {
            size_t k = std::min(n, pending.size());
            std::memcpy(buf, pending.data(), k);
            pending.erase(0, k);
            return static_cast<ssize_t>(k);
        }
        for (;;) {
            ssize_t r = ::read(fd, buf, n);
            if (r < 0 && errno == EINTR) continue;
            if (r > 0) disk_pos += static_cast<uint64_t>(r);
            return r;
        }
    }
};

input::input(input&&) noexcept = default;
input& input::operator=(input&&) noexcept = default;
input::~input() = default;

bool input::compressed() const {
    return impl_ && impl_->gz;
}
uint64_t input::disk_position() const {
    return impl_ ? impl_->disk_pos : 0;
}

result<input> input::open(const std::string& path) {
    input in;
    in.name_ = path == "-" ? "<stdin>" : path;
    in.impl_ = std::make_unique<impl>();
    if (path == "-") {
        in.impl_->fd = STDIN_FILENO;
        in.impl_->own_fd = false;
    } else {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) return user_error{fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
        in.impl_->fd = fd;
        struct stat st {};
        if (fstat(fd, &st) != 0)
            return user_error{fmt::format("{}: cannot stat: {}", path, std::strerror(errno))};
        if (S_ISDIR(st.st_mode)) return user_error{fmt::format("{}: is a directory, not a log file", path)};
        // Clear O_NONBLOCK: it was only there so that opening a FIFO cannot hang.
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0) fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
        if (S_ISREG(st.st_mode)) {
            in.disk_size_ = static_cast<uint64_t>(st.st_size);
            posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        }
        in.mtime_ms_ = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
    }
    // Sniff gzip magic.
    char magic[2];
    size_t got = 0;
    while (got < 2) {
        ssize_t r = in.impl_->raw_read(magic + got, 2 - got);
        if (r < 0) return user_error{fmt::format("{}: cannot read: {}", in.name_, std::strerror(errno))};
        if (r == 0) break;
        got += static_cast<size_t>(r);
    }
    in.impl_->pending.assign(magic, got);
    if (got == 2 && static_cast<unsigned char>(magic[0]) == 0x1f &&
        static_cast<unsigned char>(magic[1]) == 0x8b) {
        in.impl_->gz = true;
        // 15 + 32: zlib or gzip header, concatenated members handled in read().
        if (inflateInit2(&in.impl_->zs, 15 + 32) != Z_OK)
            return user_error{fmt::format("{}: cannot initialise zlib", in.name_)};
        in.impl_->z_init = true;
        in.impl_->zbuf.resize(256 << 10);
    }
    return in;
}

result<size_t> input::read(char* buf, size_t n) {
    impl& m = *impl_;
    if (!m.gz) {
        ssize_t r = m.raw_read(buf, n);
        if (r < 0) return user_error{fmt::format("{}: read error: {}", name_, std::strerror(errno))};
        return static_cast<size_t>(r);
    }
    if (m.z_end) return size_t{0};
    m.zs.next_out = reinterpret_cast<Bytef*>(buf);
    m.zs.avail_out = static_cast<uInt>(n);
    while (m.zs.avail_out == n) {
        if (m.zs.avail_in == 0) {
            ssize_t r = m.raw_read(reinterpret_cast<char*>(m.zbuf.data()), m.zbuf.size());
            if (r < 0) return user_error{fmt::format("{}: read error: {}", name_, std::strerror(errno))};
            if (r == 0) {
                // Input ended inside a gzip member: keep what we have, say so.
                if (truncated_.empty()) truncated_ = "compressed data ends early (truncated .gz)";
                m.z_end = true;
                break;
            }
            m.zs.next_in = m.zbuf.data();
            m.zs.avail_in = static_cast<uInt>(r);
        }
        int rc = inflate(&m.zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            // Another member may follow (concatenated .gz files are legal).
            if (m.zs.avail_in == 0) {
                ssize_t r = m.raw_read(reinterpret_cast<char*>(m.zbuf.data()), m.zbuf.size());
                if (r <= 0) {
                    m.z_end = true;
                    break;
                }
                m.zs.next_in = m.zbuf.data();
                m.zs.avail_in = static_cast<uInt>(r);
            }
            inflateReset(&m.zs);
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            if (truncated_.empty())
                truncated_ = fmt::format("corrupt compressed data ({})", m.zs.msg ? m.zs.msg : "zlib error");
            m.z_end = true;
            break;
        } else if (rc == Z_BUF_ERROR && m.zs.avail_in != 0) {
            break;
        }
    }
    return n - m.zs.avail_out;
}

namespace {

void draw_progress(const input& in, uint64_t bytes, double secs, bool final) {
    double rate = secs > 0 ? static_cast<double>(bytes) / secs / 1e6 : 0;
    std::string bar;
    if (auto total = in.disk_size(); total && *total > 0) {
        double frac = std::min(1.0, static_cast<double>(in.disk_position()) / static_cast<double>(*total));
        int w = 30, filled = static_cast<int>(frac * w);
        bar = fmt::format("[{}{}] {:3.0f}% ", std::string(filled, '#'), std::string(w - filled, ' '),
                          frac * 100);
    }
    fmt::print(stderr, "\r\x1b[K{}{:.0f} MB  {:.0f} MB/s{}", bar, static_cast<double>(bytes) / 1e6, rate,
               final ? "\n" : "");
    std::fflush(stderr);
}

}  // namespace

result<scan_stats> scan(input& in, const scan_options& opt, const chunk_fn& fn) {
    scan_stats stats;
    const unsigned workers = opt.workers;
    const size_t cap = std::max<size_t>(opt.chunk_bytes, 64 << 10);
    const size_t nbufs = workers == 0 ? 1 : 2 * workers + 2;

    std::mutex mu;
    std::condition_variable cv_free, cv_work;
    std::vector<std::unique_ptr<char[]>> storage;
    std::deque<char*> free_bufs;
    for (size_t i = 0; i < nbufs; ++i) {
        storage.emplace_back(new char[cap]);
        free_bufs.push_back(storage.back().get());
    }
    struct job {
        char* buf;
        chunk c;
    };
    std::deque<job> queue;
    bool done = false;
    std::vector<std::thread> pool;
    for (unsigned w = 0; w < workers; ++w) {
        pool.emplace_back([&, w] {
            for (;;) {
                job j;
                {
                    std::unique_lock lk(mu);
                    cv_work.wait(lk, [&] { return done || !queue.empty(); });
                    if (queue.empty()) return;
                    j = queue.front();
                    queue.pop_front();
                }
                fn(j.c, w);
                {
                    std::lock_guard lk(mu);
                    free_bufs.push_back(j.buf);
                }
                cv_free.notify_one();
            }
        });
    }

    auto dispatch = [&](char* buf, const chunk& c) {
        if (workers == 0) {
            fn(c, 0);
            std::lock_guard lk(mu);
            free_bufs.push_back(buf);
            return;
        }
        {
            std::lock_guard lk(mu);
            queue.push_back({buf, c});
        }
        cv_work.notify_one();
    };
    auto take_buf = [&]() {
        std::unique_lock lk(mu);
        cv_free.wait(lk, [&] { return !free_bufs.empty(); });
        char* b = free_bufs.front();
        free_bufs.pop_front();
        return b;
    };

    auto t0 = std::chrono::steady_clock::now();
    auto last_draw = t0;
    bool drew = false;
    bool tty = opt.progress && isatty(STDERR_FILENO);

    std::string carry;      // partial last line of the previous buffer
    bool skipping = false;  // inside an overlong line: drop bytes until the next newline
    uint64_t line_no = 1, offset = 0, index = 0;
    std::optional<user_error> failure;
    bool eof = false;
    while (!eof) {
        char* buf = take_buf();
        size_t len = 0;
        // Start the buffer with the carried partial line.
        std::memcpy(buf, carry.data(), carry.size());
        len = carry.size();
        carry.clear();
        while (len < cap) {
            auto r = in.read(buf + len, cap - len);
            if (!r) {
                failure = r.error();
                eof = true;
                break;
            }
            if (*r == 0) {
                eof = true;
                break;
            }
            size_t got = *r;
            stats.bytes += got;
            if (skipping) {
                char* nl = static_cast<char*>(std::memchr(buf + len, '\n', got));
                if (!nl) {
                    offset += got;
                    continue;
                }
                size_t dropped = static_cast<size_t>(nl + 1 - (buf + len));
                size_t keep = got - dropped;
                std::memmove(buf + len, nl + 1, keep);
                offset += dropped;
                ++line_no;
                ++stats.lines;
                skipping = false;
                got = keep;
            }
            len += got;
        }
        size_t cut = len;
        if (!eof) {
            const void* last = len ? memrchr(buf, '\n', len) : nullptr;
            if (!last) {
                // A whole buffer without a newline: the line is overlong. Skip it.
                ++stats.overlong_lines;
                skipping = true;
                offset += len;
                std::lock_guard lk(mu);
                free_bufs.push_back(buf);
                continue;
            }
            cut = static_cast<size_t>(static_cast<const char*>(last) - buf) + 1;
            carry.assign(buf + cut, len - cut);
        }
        if (cut == 0) {
            std::lock_guard lk(mu);
            free_bufs.push_back(buf);
            continue;
        }
        chunk c;
        c.text = std::string_view(buf, cut);
        c.first_line = line_no;
        c.offset = offset;
        c.index = index++;
        uint64_t nls = bytes::count_newlines(buf, cut);
        line_no += nls;
        offset += cut;
        stats.lines += nls + (buf[cut - 1] != '\n' ? 1 : 0);
        dispatch(buf, c);
        if (tty) {
            auto now = std::chrono::steady_clock::now();
            if (now - t0 > std::chrono::seconds(1) && now - last_draw > std::chrono::milliseconds(200)) {
                draw_progress(in, stats.bytes, std::chrono::duration<double>(now - t0).count(), false);
                last_draw = now;
                drew = true;
            }
        }
    }
    {
        std::lock_guard lk(mu);
        done = true;
    }
    cv_work.notify_all();
    for (auto& t : pool) t.join();
    if (drew)
        draw_progress(in, stats.bytes,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), true);
    stats.truncated = in.truncated_reason();
    if (failure) return *failure;
    return stats;
}

result<scan_stats> scan_file(const std::string& path, const scan_options& options, const chunk_fn& fn) {
    auto in = input::open(path);
    if (!in) return in.error();
    return scan(*in, options, fn);
}

namespace {

struct rotation_key {
    std::string base;
    long number = 0;   // .N suffix: larger is older
    std::string date;  // -YYYYMMDD suffix: smaller is older
};

rotation_key key_of(const std::string& path) {
    rotation_key k;
    std::string p = path;
    if (p.size() > 3 && p.compare(p.size() - 3, 3, ".gz") == 0) p.resize(p.size() - 3);
    size_t dot = p.find_last_of('.');
    if (dot != std::string::npos && dot + 1 < p.size() &&
        p.find_first_not_of("0123456789", dot + 1) == std::string::npos) {
        k.number = std::stol(p.substr(dot + 1, 9));
        p.resize(dot);
    } else {
        size_t dash = p.find_last_of('-');
        if (dash != std::string::npos && p.size() - dash - 1 >= 8 &&
            p.find_first_not_of("0123456789", dash + 1) == std::string::npos) {
            k.date = p.substr(dash + 1);
            k.number = -1;
            p.resize(dash);
        }
    }
    k.base = p;
    return k;
}

}  // namespace

std::vector<std::string> order_rotations(std::vector<std::string> paths) {
    std::vector<std::pair<rotation_key, size_t>> keyed;
    for (size_t i = 0; i < paths.size(); ++i) keyed.push_back({key_of(paths[i]), i});
    // Group by base name (first appearance order), then oldest first within a group.
    std::vector<std::string> bases;
    for (auto& [k, i] : keyed)
        if (std::find(bases.begin(), bases.end(), k.base) == bases.end()) bases.push_back(k.base);
    std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
        auto ia = std::find(bases.begin(), bases.end(), a.first.base) - bases.begin();
        auto ib = std::find(bases.begin(), bases.end(), b.first.base) - bases.begin();
        if (ia != ib) return ia < ib;
        const auto& ka = a.first;
        const auto& kb = b.first;
        // Dated rotations are older than the live file; numbered: bigger is older.
        auto rank = [](const rotation_key& k) { return k.number > 0 ? 0 : k.number < 0 ? 1 : 2; };
        if (rank(ka) != rank(kb)) return rank(ka) < rank(kb);
        if (ka.number > 0) return ka.number > kb.number;
        if (ka.number < 0) return ka.date < kb.date;
        return false;
    });
    std::vector<std::string> out;
    for (auto& [k, i] : keyed) out.push_back(paths[i]);
    return out;
}

std::vector<std::string> find_rotations(const std::string& path) {
    std::string dir = ".", base = path;
    if (auto slash = path.find_last_of('/'); slash != std::string::npos) {
        dir = slash == 0 ? "/" : path.substr(0, slash);
        base = path.substr(slash + 1);
    }
    std::vector<std::string> found;
    if (DIR* d = opendir(dir.c_str())) {
        while (dirent* e = readdir(d)) {
            std::string n = e->d_name;
            if (n == base) {
                found.push_back(path);
                continue;
            }
            if (n.size() <= base.size() + 1 || n.compare(0, base.size(), base) != 0) continue;
            char sep = n[base.size()];
            if (sep != '.' && sep != '-') continue;
            std::string rest = n.substr(base.size() + 1);
            if (rest.size() > 3 && rest.compare(rest.size() - 3, 3, ".gz") == 0) rest.resize(rest.size() - 3);
            if (rest.empty() || rest.find_first_not_of("0123456789") != std::string::npos) continue;
            found.push_back((dir == "/" ? "" : dir) + "/" + n);
        }
        closedir(d);
    }
    std::sort(found.begin(), found.end());
    return order_rotations(found);
}

}  // namespace why502::ingest

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
#include <sys/mman.h>
#include <sys/stat.h>
#include <csignal>
#include <exception>
#include <thread>
#include <unistd.h>

#include <fmt/format.h>
#include <zlib.h>

#include "base/bytes.hpp"

namespace why502::ingest {

struct input::impl {
    int fd = -1;
    bool own_fd = true;
    bool regular = false;
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
int input::map_fd() const {
    return impl_ && impl_->regular && !impl_->gz && impl_->own_fd ? impl_->fd : -1;
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
            in.impl_->regular = true;
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

// ---- Progress ----

void progress::expect(std::optional<uint64_t> disk_bytes) {
    if (disk_bytes && *disk_bytes > 0)
        total_ += *disk_bytes;
    else
        total_known_ = false;
}

void progress::advance(uint64_t bytes, uint64_t disk_bytes) {
    bytes_ += bytes;
    position_ += disk_bytes;
    if (!draw_) return;
    std::unique_lock lk(mu_, std::try_to_lock);  // another reader is drawing: fine
    if (!lk) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - t0_ > std::chrono::seconds(1) && now - last_ > std::chrono::milliseconds(200)) {
        draw(false);
        last_ = now;
        drew_ = true;
    }
}

void progress::finish() {
    std::lock_guard lk(mu_);
    if (drew_) draw(true);
    drew_ = false;
}

void progress::draw(bool final) {
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    const auto bytes = static_cast<double>(bytes_.load());
    const double rate = secs > 0 ? bytes / secs / 1e6 : 0;
    std::string bar;
    if (const uint64_t total = total_.load(); total_known_ && total > 0) {
        const double frac = std::min(1.0, static_cast<double>(position_.load()) / static_cast<double>(total));
        const int w = 30, filled = static_cast<int>(frac * w);
        bar = fmt::format("[{}{}] {:3.0f}% ", std::string(filled, '#'), std::string(w - filled, ' '),
                          frac * 100);
    }
    fmt::print(stderr, "\r\x1b[K{}{:.0f} MB  {:.0f} MB/s{}", bar, bytes / 1e6, rate, final ? "\n" : "");
    std::fflush(stderr);
}

namespace {

// What scan() learns of each piece, to number lines afterwards.
struct piece_meta {
    uint64_t newlines = 0;
    uint32_t before = 0, after = 0;
    bool ends_without_newline = false;
};

void finish_stats(scan_stats& stats, const std::vector<piece_meta>& metas, uint64_t trailing_skipped) {
    uint64_t line = 1;
    stats.first_lines.resize(metas.size());
    for (size_t i = 0; i < metas.size(); ++i) {
        line += metas[i].before;
        stats.first_lines[i] = line;
        line += metas[i].newlines + metas[i].after;
        stats.overlong_lines += metas[i].before + metas[i].after;
        if (metas[i].ends_without_newline) ++line;
    }
    stats.overlong_lines += trailing_skipped;
    stats.lines = line - 1 + trailing_skipped;
}

// ---- Reading through mmap windows ----
//
// Window k is the byte range [k*W, (k+1)*W) of the file and its piece is every line
// that starts in it, so workers cut their pieces themselves, in any order, with no copy
// from the page cache. Each window is mapped on its own (from the byte before it to
// one piece-length past it, for its last line), populated, read and unmapped: resident
// memory stays at a window or two per worker whatever the file size. (Dropping pages of
// one big mapping with MADV_DONTNEED does not bound it: the kernel maps large page-cache
// folios whole, also over parts already dropped.) If the file shrinks while mapped
// (copytruncate), touching a page past its new end raises SIGBUS: the handler below maps
// a zero page there instead and notes it, and scan() reports the input as truncated.

struct guarded_range {
    std::atomic<uintptr_t> begin{0}, end{0};
    std::atomic<bool> faulted{false};
};
constexpr size_t guard_slots =
    512;  // windows mapped at once: at most --jobs files x --jobs workers (16 x 16)
guarded_range guarded[guard_slots];
std::once_flag sigbus_once;
struct sigaction previous_sigbus {};
uintptr_t guard_page_size = 4096;  // set before the handler is installed (sysconf is not signal-safe)

void on_sigbus(int sig, siginfo_t* info, void* ctx) {
    auto addr = reinterpret_cast<uintptr_t>(info->si_addr);
    for (auto& g : guarded) {
        uintptr_t b = g.begin.load(std::memory_order_acquire), e = g.end.load(std::memory_order_acquire);
        if (b > 1 && addr >= b && addr < e) {
            uintptr_t page = addr & ~(guard_page_size - 1);
            void* m = mmap(reinterpret_cast<void*>(page), guard_page_size, PROT_READ,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
            if (m != MAP_FAILED) {
                g.faulted.store(true, std::memory_order_relaxed);
                return;  // the access is retried and reads zeros
            }
        }
    }
    // Not ours: behave as before.
    if (previous_sigbus.sa_flags & SA_SIGINFO) {
        if (previous_sigbus.sa_sigaction) previous_sigbus.sa_sigaction(sig, info, ctx);
        return;
    }
    if (previous_sigbus.sa_handler != SIG_IGN && previous_sigbus.sa_handler != SIG_DFL &&
        previous_sigbus.sa_handler)
        return previous_sigbus.sa_handler(sig);
    signal(SIGBUS, SIG_DFL);
    raise(SIGBUS);
}

// Registers one mapping with the SIGBUS handler for its lifetime.
class sigbus_guard {
public:
    sigbus_guard(const char* base, size_t len) {
        std::call_once(sigbus_once, [] {
            guard_page_size = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
            struct sigaction sa {};
            sa.sa_sigaction = on_sigbus;
            sa.sa_flags = SA_SIGINFO | SA_NODEFER;
            sigemptyset(&sa.sa_mask);
            sigaction(SIGBUS, &sa, &previous_sigbus);
        });
        for (auto& g : guarded) {
            uintptr_t zero = 0;
            if (g.begin.compare_exchange_strong(zero, 1)) {  // claim the slot (1: being set up)
                g.faulted = false;
                g.end.store(reinterpret_cast<uintptr_t>(base) + len, std::memory_order_release);
                g.begin.store(reinterpret_cast<uintptr_t>(base), std::memory_order_release);
                slot_ = &g;
                return;
            }
        }
    }
    ~sigbus_guard() {
        if (slot_) {
            slot_->end.store(0, std::memory_order_release);
            slot_->begin.store(0, std::memory_order_release);
        }
    }
    sigbus_guard(const sigbus_guard&) = delete;
    sigbus_guard& operator=(const sigbus_guard&) = delete;
    bool registered() const { return slot_ != nullptr; }
    bool faulted() const { return slot_ && slot_->faulted.load(); }

private:
    guarded_range* slot_ = nullptr;
};

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  // Linux 5.14; older kernels answer EINVAL and pages fault in
#endif

size_t page_size() {
    static const size_t p = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    return p;
}

// Cuts a window into its piece: the lines that start in [s, e) of a view of the file
// (offsets in the view; the view holds the byte before s, if any, and may run past e).
// The last line may run past e up to `cap` bytes; a longer one is skipped.
struct window_cut {
    size_t begin = 0, end = 0;  // the piece
    bool skipped_last = false;  // an overlong line starts after the piece, in this window
};

window_cut cut_window(std::string_view v, size_t s, size_t e, bool view_ends_file, size_t cap) {
    window_cut c;
    if (s > 0) {
        const void* nl = std::memchr(v.data() + s - 1, '\n', e - (s - 1));
        if (!nl) {  // inside a line that started before the window
            c.begin = c.end = e;
            return c;
        }
        c.begin = static_cast<size_t>(static_cast<const char*>(nl) - v.data()) + 1;
    }
    if (c.begin >= e) {
        c.end = c.begin = e;
        return c;
    }
    if (v[e - 1] == '\n' || (view_ends_file && e == v.size())) {
        c.end = e;
        return c;
    }
    const void* prev = memrchr(v.data() + c.begin, '\n', e - c.begin);
    size_t last_start = prev ? static_cast<size_t>(static_cast<const char*>(prev) - v.data()) + 1 : c.begin;
    size_t limit = std::min(v.size(), last_start + cap);
    const void* nl = limit > e ? std::memchr(v.data() + e, '\n', limit - e) : nullptr;
    if (nl) {
        c.end = static_cast<size_t>(static_cast<const char*>(nl) - v.data()) + 1;
    } else if (view_ends_file && limit == v.size() && v.size() - last_start <= cap) {
        c.end = v.size();  // the final line, without a newline
    } else {
        c.end = last_start;
        c.skipped_last = true;
    }
    return c;
}

struct map_failure {
    std::string message;
};

// nullopt: the file cannot be mapped (nothing was handed out; read it instead).
std::optional<result<scan_stats>> scan_mapped(input& in, int fd, size_t size, const scan_options& opt,
                                              const chunk_fn& fn) {
    const size_t w = std::max<size_t>((opt.chunk_bytes + page_size() - 1) & ~(page_size() - 1), page_size());
    const uint64_t windows = (size + w - 1) / w;
    std::vector<piece_meta> metas(windows);
    // A file system that cannot map at all is read instead: asked once, before any piece
    // is handed out.
    if (void* probe = mmap(nullptr, std::min(size, page_size()), PROT_READ, MAP_SHARED, fd, 0);
        probe == MAP_FAILED)
        return std::nullopt;
    else
        munmap(probe, std::min(size, page_size()));
    std::atomic<uint64_t> next{0};
    std::atomic<bool> shrank{false};
    if (opt.meter) opt.meter->expect(size);
    std::exception_ptr failure;
    std::mutex failure_mu;
    auto work = [&](unsigned worker) {
        try {
            for (uint64_t k; (k = next++) < windows;) {
                const size_t wstart = static_cast<size_t>(k) * w, wend = std::min(size, wstart + w);
                const size_t lo = (wstart > 0 ? wstart - 1 : 0) & ~(page_size() - 1);
                const size_t hi = std::min(size, wend + w);
                void* m = mmap(nullptr, hi - lo, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(lo));
                if (m == MAP_FAILED)
                    throw map_failure{fmt::format("{}: cannot map: {}", in.name(), std::strerror(errno))};
                const std::string_view view(static_cast<const char*>(m), hi - lo);
                struct unmap_at_end {
                    void* p;
                    size_t n;
                    ~unmap_at_end() { munmap(p, n); }
                } unmap{m, view.size()};
                {
                    sigbus_guard guard(view.data(), view.size());
                    madvise(m, wend - lo, MADV_POPULATE_READ);
                    window_cut cut = cut_window(view, wstart - lo, wend - lo, hi == size, w);
                    chunk c;
                    c.text = view.substr(cut.begin, cut.end - cut.begin);
                    c.offset = lo + cut.begin;
                    c.index = k;
                    c.skipped_after = cut.skipped_last ? 1 : 0;
                    piece_meta& pm = metas[k];
                    pm.newlines = fn(c, worker);
                    pm.after = c.skipped_after;
                    pm.ends_without_newline = !c.text.empty() && c.text.back() != '\n';
                    if (guard.faulted()) {
                        shrank = true;
                        next = windows;  // the rest of the file is gone
                    }
                }
                if (opt.meter) opt.meter->advance(wend - wstart, wend - wstart);
            }
        } catch (...) {
            std::lock_guard lk(failure_mu);
            if (!failure) failure = std::current_exception();
            next = windows;
        }
    };
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < opt.workers; ++i) pool.emplace_back(work, i);
    work(0);
    for (auto& t : pool) t.join();
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const map_failure& e) {
            return result<scan_stats>(user_error{e.message});
        }
    }
    scan_stats stats;
    stats.bytes = size;
    stats.mapped = true;
    finish_stats(stats, metas, 0);
    if (shrank)
        stats.truncated = "the file shrank while being read (rotated by copytruncate?): its end was not read";
    return stats;
}

// ---- Reading through read() ----
//
// One thread reads into a pool of buffers and cuts them at the last newline; the
// workers (or the reader itself, with no workers) run fn on them.
result<scan_stats> scan_read(input& in, const scan_options& opt, const chunk_fn& fn) {
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
    std::vector<piece_meta> metas;  // guarded by mu (grown by the reader, filled by workers)
    struct job {
        char* buf;
        chunk c;
    };
    std::deque<job> queue;
    bool done = false;
    std::exception_ptr failure_ex;
    auto run = [&](const job& j, unsigned w) {
        uint64_t n = 0;
        try {
            n = fn(j.c, w);
        } catch (...) {
            std::lock_guard lk(mu);
            if (!failure_ex) failure_ex = std::current_exception();
        }
        std::lock_guard lk(mu);
        metas[j.c.index].newlines = n;
        free_bufs.push_back(j.buf);
    };
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
                run(j, w);
                cv_free.notify_one();
            }
        });
    }
    auto take_buf = [&]() {
        std::unique_lock lk(mu);
        cv_free.wait(lk, [&] { return !free_bufs.empty(); });
        char* b = free_bufs.front();
        free_bufs.pop_front();
        return b;
    };
    auto give_back = [&](char* b) {
        std::lock_guard lk(mu);
        free_bufs.push_back(b);
    };

    if (opt.meter) opt.meter->expect(in.disk_size());
    uint64_t position = in.disk_position();
    std::string carry;      // partial last line of the previous buffer
    bool skipping = false;  // inside an overlong line: drop bytes until the next newline
    uint32_t skipped = 0;   // overlong lines dropped since the last piece
    uint64_t offset = 0, index = 0;
    std::optional<user_error> failure;
    bool eof = false;
    while (!eof) {
        char* buf = take_buf();
        size_t len = carry.size();
        std::memcpy(buf, carry.data(), carry.size());
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
            // Per read, not per piece: a slow pipe fills a piece slowly.
            if (opt.meter) {
                const uint64_t now_at = in.disk_position();
                opt.meter->advance(got, now_at > position ? now_at - position : 0);
                position = now_at;
            }
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
                ++skipped;
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
                skipping = true;
                offset += len;
                give_back(buf);
                continue;
            }
            cut = static_cast<size_t>(static_cast<const char*>(last) - buf) + 1;
            carry.assign(buf + cut, len - cut);
        }
        if (cut == 0) {
            give_back(buf);
            continue;
        }
        chunk c;
        c.text = std::string_view(buf, cut);
        c.offset = offset;
        c.index = index++;
        c.skipped_before = skipped;
        skipped = 0;
        offset += cut;
        {
            std::lock_guard lk(mu);
            piece_meta pm;
            pm.before = c.skipped_before;
            pm.ends_without_newline = buf[cut - 1] != '\n';
            metas.push_back(pm);
        }
        if (workers == 0) {
            run({buf, c}, 0);
        } else {
            {
                std::lock_guard lk(mu);
                queue.push_back({buf, c});
            }
            cv_work.notify_one();
        }
    }
    {
        std::lock_guard lk(mu);
        done = true;
    }
    cv_work.notify_all();
    for (auto& t : pool) t.join();
    if (failure_ex) std::rethrow_exception(failure_ex);
    finish_stats(stats, metas, skipped + (skipping ? 1 : 0));
    stats.truncated = in.truncated_reason();
    if (failure) return *failure;
    return stats;
}

}  // namespace

result<scan_stats> scan(input& in, const scan_options& opt, const chunk_fn& fn) {
    int fd = in.map_fd();
    if (fd >= 0 && opt.map != mapping::never) {
        struct stat st {};
        if (fstat(fd, &st) == 0 && st.st_size > 0) {
            auto size = static_cast<size_t>(st.st_size);
            if (opt.map == mapping::always || size >= 4 * opt.chunk_bytes) {
                if (auto r = scan_mapped(in, fd, size, opt, fn)) return std::move(*r);
                // A file system that cannot map: read it instead.
            }
        }
    }
    return scan_read(in, opt, fn);
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

#include "cli/read_inputs.hpp"

#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "base/bytes.hpp"
#include "ingest/input.hpp"
#include "parse/audit.hpp"
#include "parse/nginx_error.hpp"
#include "parse/nginx_wrap.hpp"

namespace why502::cli {
namespace {

struct worker_counts {
    uint64_t records = 0, malformed = 0;
    int64_t first = INT64_MAX, last = INT64_MIN;
    char pad[32];  // keep workers' counters on separate cache lines
};

diagnose::input_summary summary_of(const ingest::input& in, const char* kind, const ingest::scan_stats& st) {
    diagnose::input_summary s;
    s.file = in.name();
    s.kind = kind;
    s.bytes = st.bytes;
    s.lines = st.lines;
    s.overlong = st.overlong_lines;
    s.truncated = st.truncated;
    return s;
}

using bytes::ends_at;
using bytes::has_at;

// Every upstream failure line holds "upstream" or "could not be resolved". The chunk is
// searched for them as a whole, so lines between hits cost only the search and a
// newline count. Most "upstream" hits are not failures (the `upstream: "..."` context
// field, "an upstream response is buffered"): the words around a hit tell, before any
// parsing, whether its line can be one.
bool upstream_hit_may_fail(std::string_view line, size_t at) {
    const size_t after = at + 8;
    if (has_at(line, after, ": \"")) return false;  // the context field
    if (has_at(line, after, " timed out") || has_at(line, after, " prematurely") ||
        has_at(line, after, " sent ") || has_at(line, after, "s while") || has_at(line, after, " SSL") ||
        has_at(line, after, " server "))
        return true;
    if (ends_at(line, at, "to ") || ends_at(line, at, "from ")) {
        // "FastCGI sent in stderr: ... while reading response header from upstream": the
        // application's stderr, never a failure (classify_upstream_failure says so too),
        // and as many lines as all the failures on busy PHP sites: not parsed. Only the
        // text before the hit is looked at: the line's own message, not its request.
        return bytes::find(line.substr(0, at), "FastCGI sent in stderr") == std::string_view::npos;
    }
    // "... failed (104: ...) while reading upstream", but not "an upstream response is
    // buffered ... while reading upstream".
    if (ends_at(line, at, "reading ")) {
        std::string_view before = line.substr(0, at);
        return bytes::find(before, "failed (") != std::string_view::npos ||
               bytes::find(before, "timed out") != std::string_view::npos;
    }
    return false;
}

// Calls fn(line, line index within the chunk) for each line that may be an upstream
// failure; returns the chunk's number of newlines. One pass finds the lines and the
// needles together (bytes::line_index), so lines without a hit cost only that pass. The
// chunk is taken in blocks small enough to stay in the core's cache while their hits are
// looked at (most hits are the `upstream: "..."` context field, rejected at once).
template <class F>
uint64_t for_each_candidate_line(std::string_view chunk, F&& fn) {
    static constexpr std::string_view needles[] = {"upstream", "could not be resolved"};
    static constexpr size_t block = 256 << 10;
    thread_local bytes::line_index ix;
    uint64_t lines_before = 0;
    while (!chunk.empty()) {
        size_t cut = chunk.size();
        if (cut > block) {
            const void* nl = memrchr(chunk.data(), '\n', block);
            if (nl) cut = static_cast<size_t>(static_cast<const char*>(nl) - chunk.data()) + 1;
        }
        const std::string_view t = chunk.substr(0, cut);
        chunk.remove_prefix(cut);
        ix.index(t, needles);
        const auto nl = ix.newlines();
        size_t li = 0, done = SIZE_MAX;
        for (const auto& h : ix.hits()) {
            if (h.needle == 0 && has_at(t, h.offset + 8, ": \"")) continue;  // most hits: at once
            while (li < nl.size() && nl[li] < h.offset) ++li;
            if (li == done) continue;
            const size_t start = ix.line_start(li);
            std::string_view l = ix.line(li);
            if (h.needle == 0 && !upstream_hit_may_fail(l, h.offset - start)) continue;
            done = li;
            fn(l, lines_before + li);
        }
        lines_before += nl.size();
    }
    return lines_before;
}

}  // namespace

result<diagnose::input_summary> read_error_log(const std::string& path, uint32_t file, const read_options& o,
                                               diagnose::evidence_store& store) {
    auto in = ingest::input::open(path);
    if (!in) return in.error();
    unsigned nw = std::max(1u, o.workers);
    std::vector<std::unique_ptr<diagnose::evidence_store>> stores;
    for (unsigned i = 0; i < nw; ++i) stores.push_back(std::make_unique<diagnose::evidence_store>(o.window));
    std::vector<worker_counts> counts(nw);
    parse::nginx_wrap_context wctx;
    wctx.reference_ms = in->mtime_ms() ? in->mtime_ms() : timeutil::now_ms();
    ingest::scan_options so;
    so.workers = o.workers <= 1 ? 0 : o.workers;
    so.meter = o.meter;
    so.map = o.map;
    so.chunk_bytes = o.chunk_bytes;
    // Line numbers are known only after the scan (pieces are cut and read in parallel):
    // failures are stored under a key that sorts as the lines do, renumbered below.
    auto st = ingest::scan(*in, so, [&](const ingest::chunk& c, unsigned w) {
        auto& store_w = *stores[w];
        auto& cnt = counts[w];
        std::string scratch;
        return for_each_candidate_line(c.text, [&](std::string_view raw, size_t in_chunk) {
            const uint64_t line_no = c.index << 32 | in_chunk;
            parse::nginx_line l;
            parse::wrap_info wi;
            parse::match m = parse::parse_wrapped_nginx_line(raw, scratch, wctx, l, wi);
            if (m == parse::match::malformed) {
                ++cnt.malformed;
                return;
            }
            if (m != parse::match::yes) return;
            parse::upstream_failure f;
            if (!parse::classify_upstream_failure(l, f)) return;
            ++cnt.records;
            int64_t t = parse::nginx_line_utc_ms(l, wi);
            cnt.first = std::min(cnt.first, t);
            cnt.last = std::max(cnt.last, t);
            store_w.add_failure(l, f, t, file, line_no, raw);
        });
    });
    if (!st) return st.error();
    diagnose::input_summary s = summary_of(*in, "nginx", *st);
    for (auto& c : counts) {
        s.records += c.records;
        s.malformed += c.malformed;
        if (c.first != INT64_MAX) {
            s.first_ms = std::min(s.first_ms.value_or(INT64_MAX), c.first);
            s.last_ms = std::max(s.last_ms.value_or(INT64_MIN), c.last);
        }
    }
    for (auto& w : stores) {
        w->renumber_failure_lines(
            file, [&](uint64_t key) { return st->first_line(key >> 32) + (key & 0xffffffffu); });
        store.merge(std::move(*w));
    }
    return s;
}

namespace {

// Feeds the selection of each chunk to one event builder in chunk order, as chunks
// complete (out of order) on the workers. One worker at a time feeds, outside the lock:
// a worker that completes a chunk meanwhile leaves it and goes back to reading. Memory:
// only chunks waiting for an earlier one are held.
class sequencer {
public:
    sequencer(parse::audit_event_builder& b, diagnose::evidence_store& store, uint32_t file)
        : builder_(b), feeder_(b), store_(store), file_(file) {}

    // The selection of chunk c, numbered within it; `newlines` is the chunk's count.
    void complete(const ingest::chunk& c, parse::audit_selection&& sel, uint64_t newlines) {
        std::unique_lock lk(mu_);
        pending_.emplace(c.index, piece{std::move(sel), newlines, c.skipped_before, c.skipped_after});
        if (feeding_) return;  // the worker feeding will take it
        feeding_ = true;
        while (!pending_.empty() && pending_.begin()->first == next_) {
            piece p = std::move(pending_.begin()->second);
            pending_.erase(pending_.begin());
            ++next_;
            lk.unlock();
            feed(p);
            lk.lock();
        }
        feeding_ = false;
    }
    // After every worker is done.
    void finish() {
        std::lock_guard lk(mu_);
        // Pieces after a gap (the file shrank while being read): in order all the same.
        for (auto& [index, p] : pending_) feed(p);
        pending_.clear();
        feeder_.finish();
        drain();
    }
    uint64_t records() const { return records_; }

private:
    struct piece {
        parse::audit_selection sel;
        uint64_t newlines;
        uint32_t skipped_before, skipped_after;
    };
    void feed(piece& p) {
        line_ += p.skipped_before;
        p.sel.renumber(line_);
        feeder_.feed(std::move(p.sel));
        line_ += p.newlines + p.skipped_after;
        drain();
    }
    void drain() {
        // Counted: denial records (AVC, USER_AVC, SELINUX_ERR), one denial each. Other
        // records are read only near denials and chunk edges, so their number would
        // depend on how the file was cut.
        for (auto& d : builder_.take()) {
            ++records_;
            store_.add_denial(std::move(d), file_);
        }
    }
    std::mutex mu_;
    std::map<uint64_t, piece> pending_;
    bool feeding_ = false;  // a worker is feeding (the builder, line_, records_ are its)
    uint64_t next_ = 0;
    uint64_t line_ = 1;  // first line of the next piece fed
    uint64_t records_ = 0;
    parse::audit_event_builder& builder_;
    parse::audit_selection_feeder feeder_;
    diagnose::evidence_store& store_;
    uint32_t file_;
};

// The time of the first (or last) audit record in a chunk: the coverage of the audit
// input, used to tell "no AVC was logged" from "the audit log does not reach back".
void edge_times(std::string_view text, const parse::audit_parse_context& ctx,
                diagnose::evidence_store& store) {
    parse::audit_record r;
    size_t pos = 0;
    for (int i = 0; i < 64 && pos < text.size(); ++i) {
        size_t nl = text.find('\n', pos);
        std::string_view l =
            text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        if (parse::parse_audit_line(l, ctx, r) == parse::match::yes) {
            store.add_audit_time(r.time_ms);
            break;
        }
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    size_t end = text.size();
    for (int i = 0; i < 64 && end > 0; ++i) {
        size_t stop = end;
        if (stop > 0 && text[stop - 1] == '\n') --stop;
        size_t start = text.rfind('\n', stop == 0 ? 0 : stop - 1);
        start = start == std::string_view::npos ? 0 : start + 1;
        if (parse::parse_audit_line(text.substr(start, stop - start), ctx, r) == parse::match::yes) {
            store.add_audit_time(r.time_ms);
            break;
        }
        if (start == 0) break;
        end = start;
    }
}

}  // namespace

result<diagnose::input_summary> read_audit_log(const std::string& path, uint32_t file, const read_options& o,
                                               diagnose::evidence_store& store) {
    auto in = ingest::input::open(path);
    if (!in) return in.error();
    parse::audit_parse_context ctx;
    ctx.reference_ms = in->mtime_ms() ? in->mtime_ms() : timeutil::now_ms();
    parse::audit_event_builder builder(ctx);
    diagnose::evidence_store local(o.window);
    sequencer seq(builder, local, file);
    unsigned nw = std::max(1u, o.workers);
    std::vector<std::unique_ptr<diagnose::evidence_store>> edges;
    for (unsigned i = 0; i < nw; ++i) edges.push_back(std::make_unique<diagnose::evidence_store>(o.window));
    ingest::scan_options so;
    so.workers = o.workers <= 1 ? 0 : o.workers;
    so.meter = o.meter;
    so.map = o.map;
    so.chunk_bytes = o.chunk_bytes;
    auto st = ingest::scan(*in, so, [&](const ingest::chunk& c, unsigned w) {
        parse::audit_selection sel;
        uint64_t newlines = parse::select_audit_lines(c.text, 0, sel);
        edge_times(c.text, ctx, *edges[w]);
        seq.complete(c, std::move(sel), newlines);
        return newlines;
    });
    if (!st) return st.error();
    seq.finish();
    diagnose::input_summary s = summary_of(*in, "audit", *st);
    s.records = seq.records();
    s.malformed = builder.malformed();
    for (auto& e : edges) {
        if (e->coverage().first_ms != INT64_MAX) {
            s.first_ms = std::min(s.first_ms.value_or(INT64_MAX), e->coverage().first_ms);
            s.last_ms = std::max(s.last_ms.value_or(INT64_MIN), e->coverage().last_ms);
        }
        local.merge(std::move(*e));
    }
    store.merge(std::move(local));
    return s;
}

}  // namespace why502::cli

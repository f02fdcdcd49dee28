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

// Every upstream failure line holds "upstream" or "could not be resolved". The chunk is
// searched for them as a whole, so lines between hits cost only the search and a
// newline count. Most "upstream" hits are not failures (the `upstream: "..."` context
// field, "an upstream response is buffered"): the words around a hit tell, before any
// parsing, whether its line can be one.
bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool upstream_hit_may_fail(std::string_view line, size_t at) {
    std::string_view after = line.substr(at + 8);
    if (after.starts_with(": \"")) return false;  // the context field
    for (std::string_view w : {" timed out", " prematurely", " sent ", "s while", " SSL", " server "})
        if (after.starts_with(w)) return true;
    std::string_view before = line.substr(0, at);
    if (ends_with(before, "to ") || ends_with(before, "from ")) return true;
    // "... failed (104: ...) while reading upstream", but not "an upstream response is
    // buffered ... while reading upstream".
    if (ends_with(before, "reading "))
        return bytes::find(before, "failed (") != std::string_view::npos ||
               bytes::find(before, "timed out") != std::string_view::npos;
    return false;
}

template <class F>
void for_each_candidate_line(const ingest::chunk& c, F&& fn) {
    std::string_view t = c.text;
    size_t next_up = bytes::find(t, "upstream");
    size_t next_res = bytes::find(t, "could not be resolved");
    uint64_t line = c.first_line;
    size_t counted_to = 0;  // line numbers are known up to this offset
    while (next_up != std::string_view::npos || next_res != std::string_view::npos) {
        size_t hit = std::min(next_up, next_res);
        const void* nl_before =
            hit > counted_to ? memrchr(t.data() + counted_to, '\n', hit - counted_to) : nullptr;
        size_t start =
            nl_before ? static_cast<size_t>(static_cast<const char*>(nl_before) - t.data()) + 1 : counted_to;
        const void* nl_after = std::memchr(t.data() + hit, '\n', t.size() - hit);
        size_t end = nl_after ? static_cast<size_t>(static_cast<const char*>(nl_after) - t.data()) : t.size();
        std::string_view l = t.substr(start, end - start);
        if (hit == next_up && !upstream_hit_may_fail(l, hit - start)) {
            next_up = bytes::find(t, "upstream", hit + 8);
            continue;
        }
        line += bytes::count_newlines(t.data() + counted_to, start - counted_to);
        fn(l, line);
        if (end == t.size()) return;
        counted_to = end + 1;
        ++line;
        if (next_up < counted_to) next_up = bytes::find(t, "upstream", counted_to);
        if (next_res < counted_to) next_res = bytes::find(t, "could not be resolved", counted_to);
    }
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
    so.progress = o.progress;
    auto st = ingest::scan(*in, so, [&](const ingest::chunk& c, unsigned w) {
        auto& store_w = *stores[w];
        auto& cnt = counts[w];
        std::string scratch;
        for_each_candidate_line(c, [&](std::string_view raw, uint64_t line_no) {
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
    for (auto& w : stores) store.merge(std::move(*w));
    return s;
}

namespace {

// Feeds the kept lines of each chunk to one event builder in chunk order, as chunks
// complete (out of order) on the workers. Memory: only chunks waiting for an earlier
// one are held.
class sequencer {
public:
    sequencer(parse::audit_event_builder& b, diagnose::evidence_store& store, uint32_t file)
        : builder_(b), store_(store), file_(file) {}

    void complete(uint64_t index, std::vector<parse::kept_line>&& lines) {
        std::lock_guard lk(mu_);
        pending_.emplace(index, std::move(lines));
        while (!pending_.empty() && pending_.begin()->first == next_) {
            for (const auto& kl : pending_.begin()->second) {
                if (builder_.feed(kl.text, kl.line) == parse::match::yes) ++records_;
            }
            drain();
            pending_.erase(pending_.begin());
            ++next_;
        }
    }
    void finish() {
        std::lock_guard lk(mu_);
        builder_.finish();
        drain();
    }
    uint64_t records() const { return records_; }

private:
    void drain() {
        for (auto& d : builder_.take()) store_.add_denial(std::move(d), file_);
    }
    std::mutex mu_;
    std::map<uint64_t, std::vector<parse::kept_line>> pending_;
    uint64_t next_ = 0;
    uint64_t records_ = 0;
    parse::audit_event_builder& builder_;
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
    so.progress = o.progress;
    auto st = ingest::scan(*in, so, [&](const ingest::chunk& c, unsigned w) {
        std::vector<parse::kept_line> kept;
        parse::select_audit_lines(c.text, c.first_line, kept);
        edge_times(c.text, ctx, *edges[w]);
        seq.complete(c.index, std::move(kept));
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

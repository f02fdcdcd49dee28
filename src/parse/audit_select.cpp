// Parallel selection of the few lines of an audit log chunk that can make a denial.
//
// One pass over the chunk (bytes::line_index) finds its lines and the anchors every
// denial record holds in one of its forms: "AVC" (AVC, USER_AVC: raw, enriched,
// ausearch -i, journald), "_ERR" (SELINUX_ERR, USER_SELINUX_ERR) and "type=1" (numeric
// types of the kernel and dmesg forms). Only anchored lines are peeked at. Then, for the
// types the event builder uses, a line is kept when
//  - it is a denial record, or
//  - it lies within audit_event_window lines of the chunk's start or end (its event
//    may continue in the neighbouring chunk), or
//  - it lies within audit_event_window lines of a denial of the same event (same node
//    and stamp; for journald lines, which have no serial, of any journald denial).
// The records of a denial's event are found by searching the bytes of its window for
// the denial's stamp text: any record with that stamp holds it. That is every line the
// builder could join to a denial's event (the builder never joins records further
// apart), so the kept lines of every chunk, fed in order, give the same denials as all
// lines. Each kept line says why it was kept; audit_selection_feeder (below) skips the
// edge lines that no denial across the edge can take.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "base/bytes.hpp"

#include "parse/audit.hpp"

namespace why502::parse {
namespace {

constexpr uint64_t window = audit_event_window;
constexpr std::string_view anchors[] = {"AVC", "_ERR", "type=1"};

using bytes::has_at;

bool relevant(std::string_view line, audit_line_peek& p) {
    return peek_audit_line(line, p) && p.cls != audit_type_class::other;
}

bool same_event(const audit_line_peek& d, const audit_line_peek& r) {
    if (d.journald || r.journald) return d.journald && r.journald;
    return d.stamp == r.stamp && d.node == r.node;
}

}  // namespace

bool audit_line_may_matter(std::string_view line) {
    audit_line_peek p;
    return relevant(line, p);
}

uint64_t select_audit_lines(std::string_view chunk_text, uint64_t first_line, audit_selection& out) {
    // Reused per thread: fresh buffers per 4 MiB chunk cost more in page faults than the
    // selection itself.
    thread_local bytes::line_index ix;
    struct mark {
        size_t line;  // index in the chunk
        uint8_t why;  // kept_line flags
        bool operator<(const mark& o) const { return line < o.line; }
    };
    thread_local std::vector<mark> keep;  // unsorted, may repeat
    keep.clear();
    out.lines.clear();
    out.text.clear();
    out.first_line = first_line;
    out.first_denial.reset();
    audit_line_peek p;

    // The records of a denial's event within the window. Consecutive denials of one
    // event (several AVC records) search only what the previous one did not.
    audit_line_peek prev;
    bool have_prev = false;
    size_t prev_hi = 0;
    auto gather = [&](size_t d, const audit_line_peek& dp, size_t n) {
        size_t lo = d >= window ? d - window : 0, hi = std::min<size_t>(n - 1, d + window);
        if (have_prev && !dp.journald && !prev.journald && prev.stamp == dp.stamp && prev.node == dp.node &&
            prev_hi >= lo)
            lo = prev_hi + 1;
        prev = dp;
        have_prev = true;
        prev_hi = std::max(prev_hi, hi);
        if (lo > hi) return;
        if (dp.journald || dp.stamp.empty()) {
            for (size_t i = lo; i <= hi; ++i)
                if (relevant(ix.line(i), p) && same_event(dp, p)) keep.push_back({i, kept_line::event});
            return;
        }
        // Every record of the event holds "audit(STAMP)". A line that starts "type=T "
        // (the raw forms) has its stamp at a known place: it is compared there, reading
        // only the line's first bytes. Other lines are searched for ":SERIAL)" (the tail
        // of the stamp: ':' and ')' at a fixed distance are rare together in audit text,
        // unlike the stamp's leading digits). The peek decides either way.
        const size_t colon = dp.stamp.rfind(':');
        const std::string_view needle =
            colon == std::string_view::npos
                ? dp.stamp
                : std::string_view(dp.stamp.data() + colon, dp.stamp.size() - colon + 1);
        const size_t n_st = dp.stamp.size();
        for (size_t i = lo; i <= hi; ++i) {
            const std::string_view l = ix.line(i);
            if (has_at(l, 0, "type=")) {
                // The end of the type name: the first space from byte 5, looked for up to
                // byte 48 (32 bytes at once when the line is that long).
                size_t e = 5;
                if (l.size() >= 37) {
                    const uint32_t sp = bytes::match_mask32(l.data() + 5, ' ');
                    e = sp ? 5 + static_cast<size_t>(__builtin_ctz(sp)) : 37;
                }
                if (e >= 37 || l.size() < 37)
                    while (e < l.size() && e < 48 && l[e] != ' ') ++e;
                const size_t open = has_at(l, e, " msg=audit(") ? e + 11
                                    : has_at(l, e, " audit(")   ? e + 7
                                                                : 0;
                if (open) {
                    // The serial's last digits differ first: compared before the rest.
                    if (l.size() > open + n_st && l[open + n_st] == ')' &&
                        l[open + n_st - 1] == dp.stamp.back() &&
                        std::memcmp(l.data() + open, dp.stamp.data(), n_st) == 0 && relevant(l, p) &&
                        same_event(dp, p))
                        keep.push_back({i, kept_line::event});
                    continue;
                }
            }
            if (bytes::find(l, needle) != std::string_view::npos && relevant(l, p) && same_event(dp, p))
                keep.push_back({i, kept_line::event});
        }
    };

    // Index in blocks and look at each denial as soon as its window is indexed, while
    // its bytes are still in the core's cache (a whole chunk is larger than it).
    constexpr size_t block = 256 << 10;
    ix.start(chunk_text, anchors);
    size_t next_hit = 0, li = 0, last = SIZE_MAX;
    for (;;) {
        ix.index_to(ix.indexed() + block);
        const bool complete = ix.indexed() == chunk_text.size();
        const auto nl = ix.newlines();
        const auto& hits = ix.hits();
        const size_t n = ix.line_count();
        for (; next_hit < hits.size(); ++next_hit) {
            const auto& h = hits[next_hit];
            while (li < nl.size() && nl[li] < h.offset) ++li;
            // Its line and its window must be whole: wait for the next block otherwise.
            if (!complete && li + window >= nl.size()) break;
            if (li == last) continue;
            last = li;
            audit_line_peek dp;
            if (peek_audit_line(ix.line(li), dp) && dp.cls == audit_type_class::denial) {
                if (!out.first_denial) out.first_denial = first_line + li;
                keep.push_back({li, kept_line::denial});
                gather(li, dp, n);
            }
        }
        if (complete) break;
    }
    const uint64_t newlines = ix.newlines().size();
    const size_t n = ix.line_count();
    out.line_count = n;
    if (n == 0) return newlines;
    const size_t head = std::min<size_t>(n, window);
    for (size_t i = 0; i < head; ++i)
        if (relevant(ix.line(i), p)) keep.push_back({i, kept_line::head});
    for (size_t i = n > window ? n - window : 0; i < n; ++i)
        if (relevant(ix.line(i), p)) keep.push_back({i, kept_line::tail});

    // Copied into one buffer: a few allocations per chunk, not one per line.
    std::sort(keep.begin(), keep.end());
    size_t bytes = 0;
    for (size_t a = 0; a < keep.size(); ++a)
        if (a == 0 || keep[a].line != keep[a - 1].line) bytes += ix.line(keep[a].line).size();
    out.text.reserve(bytes);
    for (size_t a = 0; a < keep.size();) {
        const std::string_view t = ix.line(keep[a].line);
        kept_line k{first_line + keep[a].line, static_cast<uint32_t>(out.text.size()),
                    static_cast<uint32_t>(t.size()), 0};
        out.text.append(t);
        size_t b = a;
        for (; b < keep.size() && keep[b].line == keep[a].line; ++b) k.why |= keep[b].why;
        out.lines.push_back(k);
        a = b;
    }
    return newlines;
}

void audit_selection::renumber(uint64_t first) {
    for (auto& k : lines) k.line = k.line - first_line + first;
    if (first_denial) *first_denial = *first_denial - first_line + first;
    first_line = first;
}

// ---------------------------------------------------------------- feeding in order

void audit_selection_feeder::give(const audit_selection& s, const kept_line& k) {
    builder_.feed(s.line_text(k), k.line);
    if (k.why & kept_line::denial) last_denial_ = k.line;
}

namespace {

// Whether line `a` lies within the window after line `b` (or numbers went backwards, as
// after a gap in a file that shrank: then it is kept, to be safe).
bool within_window(uint64_t b, uint64_t a) {
    return a < b || a - b <= window;
}

bool for_an_event(const kept_line& k) {
    return (k.why & (kept_line::denial | kept_line::event)) != 0;
}

}  // namespace

// A line kept only for being near a chunk edge can join a denial's event only if the
// last denial fed before it (head) or the first one after it (tail) lies within the
// window. After a chunk without denials but with at least a window of lines, any later
// denial is too far.
bool audit_selection_feeder::near_last_denial(const kept_line& k) const {
    return (k.why & kept_line::head) && last_denial_ && within_window(*last_denial_, k.line);
}

void audit_selection_feeder::settle(const audit_selection* next) {
    for (size_t i = waiting_from_; i < waiting_.lines.size(); ++i) {
        const kept_line& k = waiting_.lines[i];
        bool need = for_an_event(k) || near_last_denial(k);
        if (!need && (k.why & kept_line::tail) && next)
            need =
                next->first_denial ? within_window(k.line, *next->first_denial) : next->line_count < window;
        if (need) give(waiting_, k);
    }
    waiting_from_ = waiting_.lines.size();
}

void audit_selection_feeder::feed(audit_selection&& s) {
    settle(&s);
    // The last window of lines waits for the next chunk (its selection is kept whole).
    const uint64_t wait_from = s.first_line + (s.line_count > window ? s.line_count - window : 0);
    size_t i = 0;
    for (; i < s.lines.size() && s.lines[i].line < wait_from; ++i)
        if (for_an_event(s.lines[i]) || near_last_denial(s.lines[i])) give(s, s.lines[i]);
    waiting_ = std::move(s);
    waiting_from_ = i;
}

void audit_selection_feeder::finish() {
    settle(nullptr);
    builder_.finish();
}

}  // namespace why502::parse

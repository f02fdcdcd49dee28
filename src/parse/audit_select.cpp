// Parallel selection of the few lines of an audit log chunk that can make a denial.
//
// One pass over the chunk looks only at each line's record type (peek_audit_line: a
// memchr for the newline and a few byte compares for the usual "type=T msg=" lines).
// Then, for the lines of the types the event builder uses, a line is kept when
//  - it is a denial record, or
//  - it lies within audit_event_window lines of the chunk's start or end (its event
//    may continue in the neighbouring chunk), or
//  - it lies within audit_event_window lines of a denial of the same event (same node
//    and stamp; for journald lines, which have no serial, of any denial).
// That is every line the builder could join to a denial's event (the builder never
// joins records further apart), so the kept lines of every chunk, fed in order, give
// the same denials as all lines.
#include <algorithm>
#include <cstring>

#include "parse/audit.hpp"

namespace why502::parse {
namespace {

constexpr uint64_t window = audit_event_window;

struct relevant_line {
    size_t offset;
    size_t length;
    uint64_t line;
    audit_line_peek peek;
};

}  // namespace

bool audit_line_may_matter(std::string_view line) {
    audit_line_peek p;
    return peek_audit_line(line, p) && p.cls != audit_type_class::other;
}

void select_audit_lines(std::string_view chunk_text, uint64_t first_line, std::vector<kept_line>& out) {
    // Reused per thread: a fresh vector per 4 MiB chunk costs more in page faults than
    // the selection itself.
    thread_local std::vector<relevant_line> rel;
    thread_local std::vector<size_t> denials;  // indexes into rel
    rel.clear();
    denials.clear();
    const char* base = chunk_text.data();
    size_t size = chunk_text.size();
    size_t pos = 0;
    uint64_t line_no = first_line;
    while (pos < size) {
        const void* nl = std::memchr(base + pos, '\n', size - pos);
        size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - base) : size;
        std::string_view line(base + pos, end - pos);
        audit_line_peek p;
        if (peek_audit_line(line, p) && p.cls != audit_type_class::other) {
            if (p.cls == audit_type_class::denial) denials.push_back(rel.size());
            rel.push_back({pos, end - pos, line_no, p});
        }
        ++line_no;
        pos = end + 1;
    }
    if (rel.empty()) return;
    const uint64_t last_line = line_no - 1;

    size_t lo = 0;  // first denial that can still be within the window of rel[i]
    for (const relevant_line& r : rel) {
        bool keep = r.peek.cls == audit_type_class::denial || r.line < first_line + window ||
                    r.line + window > last_line;
        while (!keep && lo < denials.size() && rel[denials[lo]].line + window < r.line) ++lo;
        for (size_t j = lo; !keep && j < denials.size(); ++j) {
            const relevant_line& d = rel[denials[j]];
            if (d.line > r.line + window) break;
            keep = r.peek.journald
                       ? d.peek.journald
                       : !d.peek.journald && d.peek.stamp == r.peek.stamp && d.peek.node == r.peek.node;
        }
        if (keep) out.push_back(kept_line{r.line, std::string(base + r.offset, r.length)});
    }
}

}  // namespace why502::parse

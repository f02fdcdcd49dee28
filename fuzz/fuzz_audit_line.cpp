// Every line-level entry point of the audit parser on arbitrary bytes: parse_audit_line,
// the field cursor in both modes, value decoding, peek and the prefilter. Must never
// crash, read out of bounds or hang; views must stay inside the line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "parse/audit.hpp"

using namespace why502::parse;

namespace {

void check_inside(std::string_view outer, std::string_view v) {
    if (v.empty()) return;
    if (v.data() < outer.data() || v.data() + v.size() > outer.data() + outer.size()) std::abort();
}

void one_line(std::string_view line) {
    audit_parse_context ctx;
    ctx.reference_ms = 1782555242000;
    audit_record r;
    if (parse_audit_line(line, ctx, r) == match::yes) {
        // A numeric kernel type ("1400") is given as its static name ("AVC").
        bool static_name = false;
        for (unsigned k = 1000; k < 3000 && !static_name; ++k)
            static_name = audit_type_name(k).data() == r.type.data();
        if (!static_name) check_inside(line, r.type);
        check_inside(line, r.node);
        check_inside(line, r.body);
        check_inside(line, r.enriched);
        std::string v;
        for (const char* key :
             {"pid", "comm", "exe", "saddr", "proctitle", "msg", "path", "name", "scontext"}) {
            audit_record_field(r, key, v);
            audit_field(r.body, key, v);
        }
        audit_enriched_field(r, "SADDR", v);
        (void)classify_audit_type(r.type);
    }
    for (bool interpreted : {false, true}) {
        audit_field_cursor c(line, interpreted);
        std::string_view k, v;
        int guard = 0;
        std::string out;
        while (c.next(k, v)) {
            check_inside(line, k);
            check_inside(line, v);
            decode_audit_value(k, v, interpreted, out);
            if (++guard > static_cast<int>(line.size()) + 2) std::abort();  // must advance
        }
    }
    audit_line_peek p;
    if (peek_audit_line(line, p)) {
        check_inside(line, p.node);
        check_inside(line, p.stamp);
    }
    (void)audit_line_may_matter(line);
    std::string hex;
    decode_audit_hex(line, hex);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        // Copy each line so that a read past its end is caught by the sanitizers.
        std::string line(text.substr(pos, end - pos));
        one_line(line);
        if (nl == std::string_view::npos) break;
        pos = nl + 1;
    }
    return 0;
}

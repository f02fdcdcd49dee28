// The event builder and the parallel selector on arbitrary input, with the property the
// reader relies on as the oracle: feeding the selections of every chunk, in order,
// through audit_selection_feeder gives exactly the denials of feeding every line,
// wherever the chunks are cut.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "parse/audit.hpp"

using namespace why502::parse;

namespace {

std::string describe(const avc_denial& d) {
    std::string s = d.record_type + '|' + d.node + '|' + std::to_string(d.time_ms) + '|' +
                    std::to_string(d.serial) + '|' + std::to_string(d.pid) + '|' + d.comm + '|' + d.exe +
                    '|' + d.scontext + '|' + d.tcontext + '|' + d.tclass + '|' + std::to_string(d.dest_port) +
                    '|' + d.path + '|' + d.saddr_host + '|' + std::to_string(d.saddr_port) + '|' +
                    d.saddr_path + '|' + d.proctitle + '|' + std::to_string(d.line) + '|' + d.text;
    for (const auto& p : d.permissions) s += '|' + p;
    return s;
}

std::vector<std::string> sequential(std::string_view text, audit_parse_context ctx) {
    audit_event_builder b(ctx);
    std::vector<std::string> out;
    uint64_t n = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        b.feed(text.substr(pos, end - pos), ++n);
        for (auto& d : b.take()) out.push_back(describe(d));
        pos = end + 1;
    }
    b.finish();
    for (auto& d : b.take()) out.push_back(describe(d));
    return out;
}

std::vector<std::string> chunked(std::string_view text, audit_parse_context ctx, size_t step) {
    audit_event_builder b(ctx);
    audit_selection_feeder feeder(b);
    std::vector<std::string> out;
    uint64_t first_line = 1;
    size_t start = 0;
    while (start < text.size()) {
        size_t cut = start + step;
        if (cut >= text.size()) {
            cut = text.size();
        } else {
            size_t nl = text.find('\n', cut - 1);
            cut = nl == std::string_view::npos ? text.size() : nl + 1;
        }
        std::string_view chunk = text.substr(start, cut - start);
        audit_selection sel;
        const uint64_t newlines = select_audit_lines(chunk, first_line, sel);
        feeder.feed(std::move(sel));
        for (auto& d : b.take()) out.push_back(describe(d));
        uint64_t counted = 0;
        for (char c : chunk) counted += c == '\n';
        if (counted != newlines) std::abort();  // the reader numbers lines with it
        first_line += counted;
        start = cut;
    }
    feeder.finish();
    for (auto& d : b.take()) out.push_back(describe(d));
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    // First byte: chunk size (1 byte to 64 KiB, small sizes densest, so that chunks of
    // more than two windows of lines occur too); the rest is the log.
    size_t step = 1 + data[0] * data[0];
    std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
    audit_parse_context ctx;
    ctx.reference_ms = 1782555242000;
    auto all = sequential(text, ctx);
    if (chunked(text, ctx, step) != all) std::abort();
    if (chunked(text, ctx, text.size() + 1) != all) std::abort();
    return 0;
}

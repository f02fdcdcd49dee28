// Fuzzes the wrapped forms (syslog, journald, Docker JSON, compose, grep) and the
// joiner of multi-line entries: the input is split into lines and fed in order. Every
// view of an entry's NGINX record must lie inside the entry's text, and every line fed
// must be accounted for exactly once.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "parse/nginx_wrap.hpp"

using namespace why502::parse;

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
    return part.empty() ||
           (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data,
                                      size_t size) {  // NOLINT(readability-identifier-naming)
    std::string_view s(reinterpret_cast<const char*>(data), size);
    nginx_wrap_context ctx;
    ctx.reference_ms = 1782555242000;  // fixed: the result must not depend on the clock

    // One line at a time: the inner text lies in the raw line or in scratch.
    std::string scratch;
    nginx_line l;
    wrap_info info;
    size_t first_nl = s.find('\n');
    std::string_view first = s.substr(0, first_nl);
    match m = parse_wrapped_nginx_line(first, scratch, ctx, l, info);
    require(inside(info.inner, first) || inside(info.inner, scratch));
    require(info.layers <= 4);
    if (m == match::yes) {
        for (std::string_view v : {l.message, l.client, l.request, l.upstream, l.host})
            require(inside(v, info.inner));
        (void)nginx_line_utc_ms(l, info);
    }
    std::string decoded;
    (void)json_unescape(first, decoded);

    // The whole input through the joiner.
    nginx_entry_joiner joiner(ctx);
    uint64_t fed = 0, covered = 0;
    auto emit = [&](const nginx_entry& e) {
        require(e.first_line >= 1 && e.last_line >= e.first_line && e.last_line <= fed);
        covered += 1 + e.continuation_lines;
        if (e.result == match::yes)
            for (std::string_view v : {e.line.message, e.line.client, e.line.server, e.line.request,
                                       e.line.upstream, e.line.host, e.line.referrer})
                require(inside(v, e.text));
    };
    size_t pos = 0;
    while (pos <= s.size()) {
        size_t nl = s.find('\n', pos);
        if (nl == std::string_view::npos) nl = s.size();
        joiner.feed(s.substr(pos, nl - pos), ++fed, emit);
        pos = nl + 1;
    }
    joiner.finish(emit);
    require(covered == fed);
    return 0;
}

// Fuzzes the NGINX error-line parser, the failure classifier and the address parser.
// Beyond not crashing: every view a parser returns must lie inside the input it was
// given, and parsing is a pure function of the bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "parse/nginx_error.hpp"

using namespace why502::parse;

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
    return part.empty() ||
           (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

void check_address(std::string_view text) {
    upstream_address a = parse_upstream_address(text);
    require(inside(a.host, text) && inside(a.path, text) && inside(a.scheme, text));
    require(a.port == -1 || (a.port >= 1 && a.port <= 65535));
    require(a.kind != transport::unix_socket || a.host.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data,
                                      size_t size) {  // NOLINT(readability-identifier-naming)
    std::string_view s(reinterpret_cast<const char*>(data), size);
    nginx_line l;
    match m = parse_nginx_line(s, l);
    nginx_line again;
    require(parse_nginx_line(s, again) == m);
    check_address(s);
    if (m != match::yes) return 0;
    for (std::string_view v :
         {l.message, l.client, l.server, l.request, l.subrequest, l.upstream, l.host, l.referrer})
        require(inside(v, s));
    require(again.message == l.message && again.request == l.request && again.upstream == l.upstream &&
            again.host == l.host && again.referrer == l.referrer);
    require(l.message.data() + l.message.size() <= s.data() + s.size());
    upstream_failure f;
    if (classify_upstream_failure(l, f)) {
        require(f.kind != failure_kind::none);
        require(inside(f.address, s) && inside(f.resolve_name, s) && inside(f.phase_text, s));
        require(f.err >= 0 && f.code >= 0);
        check_address(f.address);
    }
    check_address(l.upstream);
    return 0;
}

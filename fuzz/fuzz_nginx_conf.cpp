// Fuzz target for the NGINX configuration parser: plain files and the `nginx -T` dump
// form. Includes resolve under a root that does not exist, so the input never makes
// the parser read the fuzzing machine's files.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "parse/nginx_conf.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    why502::parse::conf_options o;
    o.root = "/nonexistent-why502-fuzz-root";
    o.max_include_depth = 8;
    auto c = why502::parse::parse_nginx_conf(text, "fuzz.conf", o);
    if (c.ok()) {
        for (const auto& p : c->passes) {
            if (p.line < 1) std::abort();
            if (!p.path.empty() && p.address.rfind("unix:", 0) != 0) std::abort();
        }
        for (const auto& e : c->error_logs)
            if (e.path.empty()) std::abort();
    } else if (c.error().message.empty()) {
        std::abort();
    }
    (void)why502::parse::parse_conf_address(text.substr(0, 256), "proxy_pass");
    return 0;
}

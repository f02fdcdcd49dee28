// Fuzz target: arbitrary bytes as a binary policy. libsepol parses (and validates) the
// image; then every kind of question is asked, so the indexes built over what libsepol
// accepted are exercised too. Must never crash, leak or hang.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "policy/policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<char> image(reinterpret_cast<const char*>(data), reinterpret_cast<const char*>(data) + size);
    auto r = why502::policy::load_binary_image("fuzz", std::move(image));
    if (!r) return 0;
    const auto& p = **r;
    (void)p.port_type("tcp", 3000);
    (void)p.port_type("udp", 65535);
    (void)p.canonical_type("httpd_t");
    why502::policy::access a{"httpd_t", "http_port_t", "tcp_socket", "name_connect"};
    (void)p.allowed(a);
    (void)p.boolean_choices(a);
    (void)p.boolean_pairs_allowing(a);
    auto names = p.boolean_names();
    if (!names.empty()) (void)p.boolean_delta({{names.front(), true}});
    (void)p.relabel_delta("ntop_port_t", "http_port_t", "tcp_socket");
    (void)p.types_allowing("httpd_t", "sock_file", {"write"}, true);
    (void)p.attribute_members("port_type");
    (void)p.pairs_on_target("http_port_t", "tcp_socket", "httpd_t");
    return 0;
}

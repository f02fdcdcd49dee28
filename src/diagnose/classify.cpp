#include "diagnose/classify.hpp"

#include <array>

namespace why502::diagnose {
namespace {

// errno -> cause for a TCP upstream, for a unix-socket upstream. Linux numbering (the
// only platform with SELinux); NGINX prints the number first, so this never depends
// on the C library's wording.
struct errno_row {
    int err;
    std::string_view name;
    std::string_view text;
    std::string_view tcp_cause;
    std::string_view unix_cause;
};

constexpr std::array<errno_row, 13> errno_table{{
    {2, "ENOENT", "no such file or directory", "", "backend.socket_missing"},
    {11, "EAGAIN", "resource temporarily unavailable", "backend.socket_backlog", "backend.socket_backlog"},
    {13, "EACCES", "permission denied", "", ""},
    {20, "ENOTDIR", "a component of the path is not a directory", "", "backend.socket_missing"},
    {23, "ENFILE", "too many open files in the system", "local.fd_limit", "local.fd_limit"},
    {24, "EMFILE", "too many open files", "local.fd_limit", "local.fd_limit"},
    {32, "EPIPE", "broken pipe", "backend.reset", "backend.reset"},
    {99, "EADDRNOTAVAIL", "cannot assign requested address", "local.ephemeral_ports",
     "local.ephemeral_ports"},
    {101, "ENETUNREACH", "network is unreachable", "network.unreachable", "network.unreachable"},
    {104, "ECONNRESET", "connection reset by peer", "backend.reset", "backend.reset"},
    {110, "ETIMEDOUT", "connection timed out", "backend.timeout", "backend.timeout"},
    {111, "ECONNREFUSED", "connection refused", "backend.refused", "backend.refused"},
    {113, "EHOSTUNREACH", "no route to host", "network.unreachable", "network.unreachable"},
}};

}  // namespace

const errno_info* find_errno(int number) {
    static std::array<errno_info, errno_table.size()> infos = [] {
        std::array<errno_info, errno_table.size()> a{};
        for (size_t i = 0; i < errno_table.size(); ++i)
            a[i] = {errno_table[i].err, errno_table[i].name, errno_table[i].text};
        return a;
    }();
    for (const auto& e : infos)
        if (e.number == number && !e.name.empty()) return &e;
    return nullptr;
}

std::string_view cause_of(parse::failure_kind kind, int err, bool unix_socket) {
    using parse::failure_kind;
    switch (kind) {
        case failure_kind::timed_out:
            return "backend.timeout";
        case failure_kind::closed_prematurely:
            return "backend.closed";
        case failure_kind::no_live:
            return "upstream.no_live";
        case failure_kind::header_too_big:
            return "upstream.header_too_big";
        case failure_kind::tls_failed:
            return "upstream.tls";
        case failure_kind::resolve_failed:
            return "upstream.dns";
        case failure_kind::none:
            return "";
        case failure_kind::connect_failed:
        case failure_kind::socket_failed:
        case failure_kind::recv_failed:
            break;
    }
    for (const auto& r : errno_table)
        if (r.err == err) return unix_socket ? r.unix_cause : r.tcp_cause;
    // Unknown errno on a read: the backend broke the exchange.
    if (kind == failure_kind::recv_failed) return "backend.reset";
    return "";
}

}  // namespace why502::diagnose

// Direct, bounded connections to a backend: separates "SELinux (or DAC) stops NGINX"
// from "the backend is down". Connect only — nothing is sent.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "host/host.hpp"

namespace why502::host {

namespace {

struct target {
    bool unix_socket = false;
    std::string host, path;
    int port = -1;
};

std::optional<target> parse_target(std::string_view a) {
    target t;
    if (auto sep = a.find("://"); sep != std::string_view::npos) a.remove_prefix(sep + 3);
    if (a.rfind("unix:", 0) == 0) {
        a.remove_prefix(5);
        while (a.size() > 1 && a[0] == '/' && a[1] == '/') a.remove_prefix(1);
        t.unix_socket = true;
        t.path = std::string(a);
        return t.path.empty() ? std::nullopt : std::optional(t);
    }
    if (!a.empty() && a.front() == '/') {
        t.unix_socket = true;
        t.path = std::string(a);
        return t;
    }
    if (auto slash = a.find('/'); slash != std::string_view::npos) a = a.substr(0, slash);
    std::string_view port;
    if (!a.empty() && a.front() == '[') {
        auto close = a.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        t.host = std::string(a.substr(1, close - 1));
        if (close + 1 < a.size() && a[close + 1] == ':') port = a.substr(close + 2);
    } else if (auto colon = a.rfind(':'); colon != std::string_view::npos && a.find(':') == colon) {
        t.host = std::string(a.substr(0, colon));
        port = a.substr(colon + 1);
    } else {
        return std::nullopt;
    }
    int p = -1;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p < 1 || p > 65535 || t.host.empty())
        return std::nullopt;
    t.port = p;
    return t;
}

// Non-blocking connect with a deadline; returns 0 or an errno.
int connect_within(int family, const sockaddr* sa, socklen_t len, int timeout_ms) {
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    int err = 0;
    if (connect(fd, sa, len) != 0) {
        err = errno;
        if (err == EINPROGRESS) {
            pollfd p{fd, POLLOUT, 0};
            int n;
            do {
                n = poll(&p, 1, timeout_ms);
            } while (n < 0 && errno == EINTR);
            if (n == 0) {
                err = ETIMEDOUT;
            } else {
                socklen_t l = sizeof err;
                if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0) err = errno;
            }
        }
    }
    close(fd);
    return err;
}

std::string errno_text(int e) {
    return fmt::format("{} ({})", std::strerror(e), e);
}

}  // namespace

probe_result probe(const std::string& address, int timeout_ms) {
    probe_result r;
    auto t = parse_target(address);
    if (!t) {
        r.detail =
            fmt::format("cannot probe \"{}\": not an address with a port or a unix socket path", address);
        return r;
    }
    r.attempted = true;
    auto start = std::chrono::steady_clock::now();
    auto elapsed_ms = [&] {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    };
    if (t->unix_socket) {
        sockaddr_un sun{};
        sun.sun_family = AF_UNIX;
        if (t->path.size() >= sizeof sun.sun_path) {
            r.err = ENAMETOOLONG;
            r.detail = fmt::format("socket path {} is too long for a unix socket", t->path);
            return r;
        }
        std::memcpy(sun.sun_path, t->path.data(), t->path.size());
        if (t->path[0] == '@') sun.sun_path[0] = '\0';  // abstract namespace
        r.err = connect_within(AF_UNIX, reinterpret_cast<sockaddr*>(&sun),
                               static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + t->path.size()),
                               timeout_ms);
        r.ms = elapsed_ms();
        r.connected = r.err == 0;
        // Probing as root says whether the backend is up, not whether the worker may
        // connect: file permissions do not stop root.
        std::string as_root = geteuid() == 0 ? " (as root: file permissions were not tested)" : "";
        if (r.connected)
            r.detail = fmt::format("connected to unix:{} in {:.1f} ms{}", t->path, r.ms, as_root);
        else if (r.err == EAGAIN)
            r.detail = fmt::format("unix:{}: listen queue is full: {}", t->path, errno_text(r.err));
        else
            r.detail = fmt::format("connect to unix:{} failed: {}{}", t->path, errno_text(r.err), as_root);
        return r;
    }
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    std::string port = std::to_string(t->port);
    int gai = getaddrinfo(t->host.c_str(), port.c_str(), &hints, &res);
    if (gai != 0) {
        r.err = gai == EAI_SYSTEM ? errno : 0;
        r.ms = elapsed_ms();
        r.detail = fmt::format("cannot resolve {}: {}", t->host, gai_strerror(gai));
        return r;
    }
    std::string tried;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        char host[INET6_ADDRSTRLEN] = {};
        const void* raw =
            ai->ai_family == AF_INET6
                ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr)
                : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr);
        inet_ntop(ai->ai_family, raw, host, sizeof host);
        tried = ai->ai_family == AF_INET6 ? fmt::format("[{}]:{}", host, t->port)
                                          : fmt::format("{}:{}", host, t->port);
        int left = timeout_ms - static_cast<int>(elapsed_ms());
        r.err = connect_within(ai->ai_family, ai->ai_addr, ai->ai_addrlen, std::max(left, 1));
        if (r.err == 0) break;
    }
    freeaddrinfo(res);
    r.ms = elapsed_ms();
    r.connected = r.err == 0;
    if (r.connected)
        r.detail = fmt::format("connected to {} in {:.1f} ms", tried, r.ms);
    else if (r.err == ETIMEDOUT)
        r.detail = fmt::format("no answer from {} within {} ms: {}", tried, timeout_ms, errno_text(r.err));
    else
        r.detail = fmt::format("connect to {} failed: {}", tried, errno_text(r.err));
    return r;
}

std::string listener_hint(const std::vector<listener>& ls, const std::string& host_in, int port) {
    if (ls.empty()) return "";
    std::string host = host_in;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.rfind("unix:", 0) == 0 || (!host.empty() && host.front() == '/')) {
        std::string path = host.rfind("unix:", 0) == 0 ? host.substr(5) : host;
        for (const auto& l : ls)
            if (l.proto == "unix" && l.path == path)
                return fmt::format("something listens on unix:{}{}", path,
                                   l.process.empty() ? "" : " (" + l.process + ")");
        return fmt::format("nothing listens on unix:{} (no listening unix socket has that path)", path);
    }
    auto show = [](const std::string& a, int p) {
        return a.find(':') != std::string::npos ? fmt::format("[{}]:{}", a, p) : fmt::format("{}:{}", a, p);
    };
    auto who = [](const listener& l) { return l.process.empty() ? std::string() : " (" + l.process + ")"; };
    bool v6 = host.find(':') != std::string::npos;
    bool any_host = host == "localhost";
    for (const auto& l : ls) {
        if (l.proto == "unix" || l.port != port) continue;
        bool exact = l.address == host || (any_host && (l.address == "127.0.0.1" || l.address == "::1"));
        bool wildcard = l.address == "0.0.0.0" ? !v6 : l.address == "::";
        if (exact) return fmt::format("something listens on {}{}", show(l.address, port), who(l));
        if (wildcard)
            return fmt::format("something listens on {}{} (all {} addresses)", show(l.address, port), who(l),
                               l.address == "::" ? "IPv6 (and, unless v6only, IPv4)" : "IPv4");
    }
    std::vector<std::string> same_port;
    for (const auto& l : ls)
        if (l.proto != "unix" && l.port == port) {
            std::string s = show(l.address, port) + who(l);
            if (std::find(same_port.begin(), same_port.end(), s) == same_port.end()) same_port.push_back(s);
        }
    std::string wanted = show(host, port);
    if (same_port.empty())
        return fmt::format("nothing listens on {} (no listening socket on port {} at all)", wanted, port);
    std::string list;
    for (const auto& s : same_port) list += (list.empty() ? "" : ", ") + s;
    return fmt::format("nothing listens on {}, but something listens on {}", wanted, list);
}

}  // namespace why502::host

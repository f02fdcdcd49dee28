#include "cli/live.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "base/text.hpp"
#include "diagnose/diagnose.hpp"
#include "diagnose/selinux_fixes.hpp"
#include "parse/nginx_error.hpp"

namespace why502::cli {

live_context collect_live(const options& o) {
    host::collect_options co;
    co.root = o.root.empty() ? "/" : o.root;
    co.nginx_conf = o.nginx_conf;
    co.probe = !o.no_probe && o.root.empty();
    live_context ctx;
    static_cast<host::live_facts&>(ctx) = host::collect(co);
    return ctx;
}

std::optional<std::unique_ptr<policy::policy_view>> load_live_policy(const live_context& live) {
    if (!live.policy_path) return std::nullopt;
    auto p = policy::load_binary(*live.policy_path);
    if (!p) return std::nullopt;
    if (live.booleans_known) p.value()->set_booleans(live.booleans);
    return std::move(p.value());
}

namespace {

std::string mode_string(unsigned mode) {
    return fmt::format("{:04o}", mode & 07777);
}

const host::upstream_use* find_use(const live_context& live, const diagnose::finding& f) {
    for (const auto& u : live.upstreams) {
        auto a = parse::parse_upstream_address(u.address);
        std::string key;
        if (a.kind == parse::transport::unix_socket)
            key = "unix:" + std::string(a.path);
        else if (a.port >= 0)
            key = a.host.find(':') != std::string_view::npos ? fmt::format("[{}]:{}", a.host, a.port)
                                                             : fmt::format("{}:{}", a.host, a.port);
        else
            key = std::string(a.host);
        if (key == f.upstream.address || (!u.group.empty() && u.group == f.upstream.address)) return &u;
    }
    return nullptr;
}

void check_unix(const options& o, const live_context& live, diagnose::finding& f) {
    if (!f.upstream.path) return;
    const std::string& path = *f.upstream.path;
    std::string root = o.root.empty() ? "/" : o.root;
    std::string user = live.nginx_user.empty() ? "nginx" : live.nginx_user;
    host::dac_verdict v = host::check_socket_access(root, path, user);
    if (v.checked) {
        f.facts["dac_user"] = user;
        f.facts["dac_allowed"] = v.allowed ? "yes" : "no";
        if (!v.allowed) {
            f.facts["dac_denying_path"] = v.denying_path;
            f.facts["dac_owner"] = v.owner;
            f.facts["dac_group"] = v.group;
            f.facts["dac_mode"] = mode_string(v.mode);
            f.evidence.push_back({"host", v.denying_path, 0,
                                  fmt::format("{} {}:{} mode {}{}: {}", v.denying_path, v.owner, v.group,
                                              mode_string(v.mode), v.acl ? " (+ACL)" : "", v.reason)});
            if (f.cause == "dac.socket_permission" || f.cause == "selinux.unlogged_denial") {
                f.cause = "dac.socket_permission";
                f.confidence = "confirmed";
                f.settle.clear();
                f.explanation = fmt::format(
                    "The NGINX worker user {} cannot reach the unix socket {}: {} ({} {}:{} mode {}).", user,
                    path, v.reason, v.denying_path, v.owner, v.group, mode_string(v.mode));
            }
        } else if (f.cause == "dac.socket_permission") {
            f.confidence = "possible";
            f.settle =
                "file permissions allow the worker user today: the socket may have been recreated since, "
                "or a dontaudit'ed SELinux denial is the cause (semodule -DB, then reproduce)";
        }
    }
    host::file_label lab = host::socket_label(root, path);
    if (!lab.actual.empty()) f.facts["socket_label"] = lab.actual;
    if (!lab.expected.empty()) f.facts["socket_label_expected"] = lab.expected;
}

void probe_backend(const options& o, const live_context& live, diagnose::finding& f) {
    if (f.upstream.transport == "tcp" && f.upstream.port) {
        std::string hint = host::listener_hint(live.listeners, f.upstream.host, *f.upstream.port);
        if (!hint.empty()) f.facts["listeners"] = hint;
    }
    if (o.no_probe || !o.root.empty()) return;
    bool probe_worthy = f.cause.rfind("backend.", 0) == 0 || f.cause.rfind("selinux.", 0) == 0 ||
                        f.cause == "network.unreachable";
    if (!probe_worthy || f.upstream.address.empty() || f.upstream.address[0] == '*') return;
    if (f.upstream.transport == "tcp" && !f.upstream.port) return;
    host::probe_result p = host::probe(f.upstream.address, 1000);
    if (!p.attempted) return;
    f.facts["probe"] = p.connected
                           ? fmt::format("connected in {:.1f} ms", p.ms)
                           : fmt::format("failed: {}", p.detail.empty() ? std::to_string(p.err) : p.detail);
    f.evidence.push_back(
        {"host", "", 0, fmt::format("direct connection to {}: {}", f.upstream.address, f.facts["probe"])});
    if (f.cause == "backend.refused" && p.connected)
        f.explanation +=
            " The backend accepts connections now: it was down or restarting at the time of the "
            "failures.";
    if (f.cause.rfind("selinux.", 0) == 0 && p.connected)
        f.explanation +=
            " A direct connection (outside NGINX's domain) succeeds: the backend is up and SELinux "
            "is what blocks NGINX.";
}

// Upstreams of the configuration that have not failed yet but will: the policy says the
// worker's domain may not connect to the port's type.
void predict(const live_context& live, const policy::policy_view* p, diagnose::diagnosis& d) {
    if (!p || p->assumed() || live.selinux_mode == "disabled" || live.selinux_mode.empty()) return;
    for (const auto& u : live.upstreams) {
        auto a = parse::parse_upstream_address(u.address);
        if (a.kind != parse::transport::tcp || a.port < 0) continue;
        auto label = p->port_type("tcp", a.port);
        if (!label || p->allowed({"httpd_t", label->type, "tcp_socket", "name_connect"})) continue;
        std::string addr = a.host.find(':') != std::string_view::npos ? fmt::format("[{}]:{}", a.host, a.port)
                                                                      : fmt::format("{}:{}", a.host, a.port);
        bool known = std::any_of(d.findings.begin(), d.findings.end(),
                                 [&](const auto& f) { return f.upstream.address == addr; });
        if (known) continue;
        diagnose::finding f;
        f.cause = "selinux.name_connect";
        f.confidence = live.selinux_mode == "enforcing" ? "likely" : "possible";
        f.upstream.transport = "tcp";
        f.upstream.address = addr;
        f.upstream.host = std::string(a.host);
        f.upstream.port = a.port;
        diagnose::selinux_detail sd;
        sd.source_type = "httpd_t";
        sd.target_type = label->type;
        sd.tclass = "tcp_socket";
        sd.permissions = {"name_connect"};
        f.selinux = sd;
        f.explanation = fmt::format(
            "The configuration proxies to {} ({} in {}:{}), but the policy does not let httpd_t name_connect "
            "to {} (port {}): requests there will fail with 502 while SELinux is enforcing.",
            addr, u.directive, u.file, u.line, label->type, a.port);
        f.settle = "no failure was logged yet: send one request to that location and re-run";
        diagnose::selinux_case c;
        c.cause = "selinux.name_connect";
        c.source_type = "httpd_t";
        c.target_type = label->type;
        c.tclass = "tcp_socket";
        c.permissions = {"name_connect"};
        c.port = a.port;
        f.fixes = diagnose::build_selinux_fixes(*p, c, d.warnings);
        d.findings.push_back(std::move(f));
    }
}

}  // namespace

void enrich_live(const options& o, const live_context& live, const policy::policy_view* policy,
                 diagnose::diagnosis& d) {
    d.host = live.host;
    for (auto& f : d.findings) {
        if (const auto* u = find_use(live, f)) {
            std::string names;
            for (const auto& n : u->server_names) names += (names.empty() ? "" : " ") + n;
            f.location = fmt::format("server {}, location {} ({} in {}:{})", names.empty() ? "_" : names,
                                     u->location.empty() ? "/" : u->location, u->directive, u->file, u->line);
        }
        if (f.upstream.transport == "unix") check_unix(o, live, f);
        probe_backend(o, live, f);
    }
    predict(live, policy, d);
    diagnose::order_findings(d.findings);
}

}  // namespace why502::cli

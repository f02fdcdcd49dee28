#include "diagnose/remedies.hpp"

#include <array>
#include <string_view>

#include "base/text.hpp"

namespace why502::diagnose {
namespace {

// A command template: {host} {port} {path} {addr} {hostport} {user} {prefix} are
// replaced by the shell-quoted value; a command whose placeholder has no value is left
// out. Directives (NGINX or systemd settings) are "manual" changes: shown, never run.
struct remedy_row {
    std::string_view cause;
    std::string_view transport;  // "tcp", "unix" or "" for both
    std::string_view phase;      // "" for any, else only that phase (timeouts)
    std::string_view id;
    std::string_view summary;
    std::array<std::string_view, 4> commands;
    std::string_view note;
};

constexpr remedy_row table[] = {
    {"backend.refused",
     "tcp",
     "",
     "check-listener",
     "See what listens on the port, then start the backend or point NGINX at the address it really listens "
     "on",
     {"ss -ltnp 'sport = :{port}'", "curl -sS -m 5 -o /dev/null -w '%{http_code}\\n' http://{hostport}/"},
     "If the backend listens only on [::1] (or only on 127.0.0.1) while NGINX connects to the other family, "
     "change proxy_pass or the backend's bind address so both agree."},
    {"backend.refused",
     "unix",
     "",
     "check-listener",
     "The socket file exists but no process accepts on it: restart the backend that owns it",
     {"ss -lxp | grep -F -- {path}", "ls -l {path}"},
     "A stale socket file left by a crashed backend refuses connections; the backend must be (re)started so "
     "it listens again."},
    {"backend.timeout",
     "",
     "connecting",
     "connect-timeout",
     "Check why the backend does not accept connections in time (firewall drop, overload)",
     {"curl -sS -m 10 -o /dev/null -w '%{time_connect} %{http_code}\\n' http://{hostport}/",
      "ss -ltn 'sport = :{port}'"},
     "A connect timeout usually means packets are dropped (firewall) or the backend's accept queue is full; "
     "raising proxy_connect_timeout only hides it."},
    {"backend.timeout",
     "",
     "",
     "read-timeout",
     "Find what makes the backend slow; raise proxy_read_timeout only if the slowness is expected",
     {"curl -sS -m 120 -o /dev/null -w '%{time_starttransfer} %{http_code}\\n' http://{hostport}/"},
     "NGINX directive, in the location that proxies to it: proxy_read_timeout 120s; (fastcgi_read_timeout / "
     "uwsgi_read_timeout for those protocols)."},
    {"backend.reset",
     "",
     "",
     "check-backend",
     "Read the backend's own log at the failure times: a reset means it crashed, restarted or rejected the "
     "protocol",
     {"journalctl --since=-1h -p warning"},
     "With upstream keepalive, also set proxy_http_version 1.1; and proxy_set_header Connection \"\"; and "
     "keep the backend's keep-alive timeout longer than NGINX's."},
    {"backend.closed",
     "",
     "",
     "check-backend",
     "The backend closed before answering: check its logs, its worker timeouts and that it speaks the "
     "protocol NGINX uses",
     {"journalctl --since=-1h -p warning"},
     "Common causes: a worker killed by a timeout or memory limit, or proxy_pass (HTTP) pointed at a "
     "FastCGI/uwsgi port or the reverse."},
    {"backend.socket_missing",
     "unix",
     "",
     "check-socket",
     "Start the backend, or make NGINX and the backend agree on the socket path",
     {"ls -l {path}", "ss -lxp"},
     "systemd's PrivateTmp or a tmpfiles cleanup can also remove or hide a socket under /tmp: keep sockets "
     "under /run/<service>/."},
    {"backend.socket_backlog",
     "",
     "",
     "raise-backlog",
     "The backend's listen queue is full: give it more workers or a longer backlog",
     {"ss -xl", "sysctl net.core.somaxconn"},
     "php-fpm: listen.backlog and pm.max_children; gunicorn: --backlog and --workers; the kernel caps the "
     "backlog at net.core.somaxconn."},
    {"network.unreachable",
     "",
     "",
     "check-route",
     "The host has no route to the backend: check routing and the backend host",
     {"ip route get {host}"},
     "A REJECT firewall rule with icmp-host-unreachable reports the same error."},
    {"local.ephemeral_ports",
     "",
     "",
     "reuse-connections",
     "Reuse connections to the backend instead of opening one per request",
     {"ss -s", "sysctl net.ipv4.ip_local_port_range"},
     "NGINX: keepalive 32; in the upstream block, with proxy_http_version 1.1; and proxy_set_header "
     "Connection \"\"; widening ip_local_port_range helps too."},
    {"local.fd_limit",
     "",
     "",
     "raise-fd-limit",
     "Raise NGINX's file-descriptor limit above twice worker_connections",
     {"sh -c 'cat /proc/$(cat /run/nginx.pid)/limits' | grep -i 'open files'"},
     "NGINX main context: worker_rlimit_nofile 65535; and for systemd: a drop-in with [Service] "
     "LimitNOFILE=65535, then systemctl daemon-reload and restart nginx."},
    {"upstream.no_live",
     "",
     "",
     "fix-earlier-failures",
     "Fix the failures that marked the group's servers down (listed in this finding's explanation)",
     {},
     "NGINX marks a server unavailable for fail_timeout after max_fails failures; 'no live upstreams' is a "
     "consequence, not the cause."},
    {"upstream.dns",
     "",
     "",
     "check-resolver",
     "Check the name resolves from the host and that NGINX has a resolver for names in variables",
     {"getent hosts {host}"},
     "NGINX resolves names in proxy_pass once at start unless the target is a variable, which needs a "
     "resolver directive (e.g. resolver 127.0.0.53 valid=30s;)."},
    {"upstream.tls",
     "",
     "",
     "check-tls",
     "Compare NGINX's TLS settings towards the backend with what the backend accepts",
     {"openssl s_client -connect {hostport} -brief </dev/null"},
     "Usually proxy_ssl_server_name on; (SNI) and proxy_ssl_name, or proxy_ssl_protocols matching the "
     "backend."},
    {"upstream.header_too_big",
     "",
     "",
     "raise-buffer",
     "Raise the buffer for the backend's response header (or make the header smaller)",
     {"curl -sS -D - -o /dev/null http://{hostport}/"},
     "NGINX: proxy_buffer_size 16k; proxy_buffers 8 16k; (fastcgi_buffer_size / uwsgi_buffer_size for those "
     "protocols). Large cookies are the usual cause."},
    {"dac.socket_permission",
     "unix",
     "",
     "socket-permissions",
     "Let the NGINX worker user reach the socket: search on every directory of the path, write on the socket",
     {"namei -l {path}", "id {user}"},
     "Prefer the backend's own settings (php-fpm listen.owner/listen.group/listen.mode = 0660, gunicorn "
     "--umask, systemd SocketGroup=) and add the worker user to that group over chmod 0666."},
};

std::string expand(std::string_view tmpl, const remedy_context& c, bool& ok) {
    std::string out;
    for (size_t i = 0; i < tmpl.size();) {
        if (tmpl[i] == '{') {
            size_t end = tmpl.find('}', i);
            std::string_view name = end == std::string_view::npos ? "" : tmpl.substr(i + 1, end - i - 1);
            std::string value;
            bool known = true;
            if (name == "host")
                value = c.host;
            else if (name == "port")
                value = c.port >= 0 ? std::to_string(c.port) : "";
            else if (name == "path")
                value = c.path;
            else if (name == "addr")
                value = c.address;
            else if (name == "user")
                value = c.worker_user;
            else if (name == "hostport") {
                if (!c.host.empty() && c.port >= 0)
                    value = c.host.find(':') != std::string::npos
                                ? "[" + c.host + "]:" + std::to_string(c.port)
                                : c.host + ":" + std::to_string(c.port);
            } else
                known = false;
            if (known) {
                if (value.empty() || !text::is_safe_for_command(value)) {
                    ok = false;
                    return {};
                }
                out += text::shell_quote(value);
                i = end + 1;
                continue;
            }
        }
        out += tmpl[i++];
    }
    return out;
}

}  // namespace

std::vector<fix> remedies_for(const std::string& cause, const remedy_context& ctx) {
    std::vector<fix> out;
    bool phase_specific_used = false;
    for (const auto& r : table) {
        if (r.cause != cause) continue;
        if (!r.transport.empty() && r.transport != ctx.transport) continue;
        if (!r.phase.empty() && r.phase != ctx.phase) continue;
        if (r.phase.empty() && phase_specific_used) continue;
        if (!r.phase.empty()) phase_specific_used = true;
        fix f;
        f.id = std::string(r.id);
        f.summary = std::string(r.summary);
        f.note = std::string(r.note);
        for (auto tmpl : r.commands) {
            if (tmpl.empty()) continue;
            bool ok = true;
            std::string cmd = expand(tmpl, ctx, ok);
            if (ok) f.commands.push_back(std::move(cmd));
        }
        fix::change ch;
        ch.kind = "manual";
        ch.args["summary"] = f.summary;
        f.changes.push_back(std::move(ch));
        out.push_back(std::move(f));
    }
    if (!out.empty()) out.front().least_privilege = true;
    return out;
}

}  // namespace why502::diagnose

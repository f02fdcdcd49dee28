#include "diagnose/catalogue.hpp"

namespace why502::diagnose {

const std::vector<cause_info>& all_causes() {
    using enum severity;
    static const std::vector<cause_info> table = {
        {"selinux.name_connect", "SELinux denies NGINX the connection to the backend port", error,
         "The kernel refused connect() because the policy does not let the NGINX domain "
         "name_connect to the port's type; the backend itself may be healthy.",
         "the AVC for the port, the port's type (semanage port -l), the httpd booleans"},
        {"selinux.unix_socket_connect", "SELinux denies connecting to the backend's unix socket", error,
         "The policy does not let the NGINX domain connectto the domain the backend runs in.",
         "the backend's domain (ps -eZ), the AVC's tcontext"},
        {"selinux.socket_file_label", "SELinux denies writing the socket file (wrong file label)", error,
         "Connecting to a unix socket needs write on the socket file; its file context is one the "
         "NGINX domain may not write.",
         "ls -Z on the socket, matchpathcon, semanage fcontext -l"},
        {"selinux.permissive_denial", "SELinux logs a denial in permissive mode", warning,
         "The access was logged with permissive=1: it works now but will fail once the domain "
         "or the host is enforcing.",
         "getenforce, semanage permissive -l"},
        {"selinux.unlogged_denial", "Permission denied with no AVC logged", error,
         "connect() failed with EACCES while the audit log covers that time and shows no AVC: a "
         "dontaudit rule may hide it, or auditing is off.",
         "semodule -DB to disable dontaudit, then reproduce; auditctl -s"},
        {"dac.socket_permission", "Unix permissions deny the socket to the NGINX worker user", error,
         "The worker user lacks search permission on a directory of the socket path or write "
         "permission on the socket.",
         "namei -l PATH, the worker user (nginx -T | grep user)"},
        {"backend.refused", "Nothing listens at the backend address", error,
         "connect() was refused: no process listens at that address and port (or it listens "
         "on another address family, e.g. ::1 instead of 127.0.0.1).",
         "ss -ltnp, the backend's service status"},
        {"backend.timeout", "The backend did not answer in time", error,
         "The connection or the response header took longer than proxy_connect_timeout / "
         "proxy_read_timeout.",
         "backend load and logs, the timeouts, firewall drops"},
        {"backend.reset", "The backend reset the connection", error,
         "The backend closed the connection with a reset (ECONNRESET), usually a crash, a "
         "restart or a protocol mismatch.",
         "backend logs at that time, keepalive settings"},
        {"backend.closed", "The backend closed the connection early", error,
         "The upstream closed the connection before sending a complete response header.",
         "backend logs, worker timeouts, protocol (HTTP vs FastCGI/uwsgi)"},
        {"backend.socket_missing", "The backend's unix socket does not exist", error,
         "connect() found no socket file at the path: the backend is not running or creates "
         "its socket elsewhere.",
         "ls -l the path, the backend's service status and socket setting"},
        {"backend.socket_backlog", "The backend's unix socket queue is full", error,
         "connect() returned EAGAIN: the backend's listen backlog is full; it is too slow or "
         "has too few workers.",
         "ss -xl (Recv-Q), the backend's listen.backlog and worker count, net.core.somaxconn"},
        {"network.unreachable", "The backend network is unreachable", error,
         "The kernel has no route to the backend (ENETUNREACH / EHOSTUNREACH).",
         "ip route get ADDR, firewall rules"},
        {"local.ephemeral_ports", "No local port is free for the connection", error,
         "connect() failed with EADDRNOTAVAIL: the ephemeral port range is exhausted, usually by "
         "connections in TIME_WAIT to one backend.",
         "ss -s, net.ipv4.ip_local_port_range, upstream keepalive"},
        {"local.fd_limit", "NGINX ran out of file descriptors", error,
         "socket() or connect() failed with EMFILE: worker_rlimit_nofile / LimitNOFILE is too low.",
         "worker_rlimit_nofile, worker_connections, cat /proc/PID/limits"},
        {"upstream.no_live", "No live upstreams: every server of the group is marked down", error,
         "NGINX stopped trying the group's servers after earlier failures (max_fails / "
         "fail_timeout); the earlier failures are the real cause.",
         "the failures before the first 'no live upstreams' line"},
        {"upstream.dns", "The upstream host name could not be resolved", error,
         "NGINX's resolver could not resolve the upstream name.",
         "the resolver directive, dig NAME @RESOLVER"},
        {"upstream.tls", "The TLS handshake with the upstream failed", error,
         "NGINX could not complete TLS with the backend: protocol, cipher, SNI or certificate "
         "mismatch.",
         "proxy_ssl_server_name, proxy_ssl_protocols, openssl s_client -connect ADDR"},
        {"upstream.header_too_big", "The upstream sent a response header larger than the buffer", error,
         "The backend's response header does not fit proxy_buffer_size / fastcgi_buffer_size.",
         "the size of the backend's headers (cookies), proxy_buffer_size"},
    };
    return table;
}

const cause_info* find_cause(std::string_view id) {
    for (const auto& c : all_causes())
        if (c.id == id) return &c;
    return nullptr;
}

}  // namespace why502::diagnose

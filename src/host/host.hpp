// Live host facts: what why502 reads when no input files are named (read-only, never
// changes the host) or from a collected tree (--root: a sosreport or a copy of /).
// SELinux state and current booleans, the NGINX configuration (nginx -T), its error
// logs, the audit log, listening sockets, socket-file labels and the DAC walk for the
// worker user, and direct probes of the backends.
//
// Nothing here throws: what cannot be read becomes one line in `warnings`.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace why502::host {

struct collect_options {
    std::string root = "/";
    std::string nginx_conf;  // --nginx-conf: read this instead of running nginx -T
    bool probe = true;       // false with --no-probe; never probes for a root other than "/"
    int probe_timeout_ms = 1000;
};

// One backend the configuration sends requests to. A pass to an `upstream` group gives
// one entry per server of the group (group = its name).
struct upstream_use {
    std::string address;    // "127.0.0.1:3000", "[::1]:8080", "unix:/run/x.sock", a name
    std::string directive;  // "proxy_pass", "fastcgi_pass", ...
    std::string group;
    std::vector<std::string> server_names;
    std::string location;
    std::string file;
    int line = 0;
    bool variable = false;  // the target has variables: not resolvable statically
    std::vector<std::string> listens;
};

struct listener {
    std::string proto;    // "tcp" | "tcp6" | "unix"
    std::string address;  // "127.0.0.1", "::1", "0.0.0.0", "::"; empty for unix
    int port = -1;
    std::string path;  // unix socket path ("@name" for abstract sockets)
    uint32_t inode = 0;
    std::string process;  // "python3 (pid 1234)" when the source says (ss, netstat)
};

struct live_facts {
    nlohmann::json host;                     // everything found, for the JSON "host" object
    std::vector<std::string> error_logs;     // existing files + rotations, oldest first
    std::vector<std::string> audit_logs;     // /var/log/audit/audit.log + rotations, if readable
    std::optional<std::string> policy_path;  // the loaded policy file (under root)
    std::map<std::string, bool> booleans;
    bool booleans_known = false;          // CURRENT values (libselinux / getsebool -a)
    std::string selinux_mode;             // "enforcing" | "permissive" | "disabled" | "unknown"
    std::string apparmor;                 // "enabled" | "disabled" | "" (not available)
    std::string nginx_user;               // worker user
    std::vector<upstream_use> upstreams;  // inventory from the config
    std::vector<listener> listeners;
    std::vector<std::string> warnings;  // what could not be read, one line each
};

live_facts collect(const collect_options& o);

// DAC walk for a unix socket: for the user and all its groups (primary from passwd,
// supplementary from /etc/group under root), search (x) on every directory of the
// path and write (w) on the socket itself, with POSIX ACLs (the
// system.posix_acl_access xattr; on a --root tree the getfacl output if the sosreport
// kept it, else ACLs are reported unknown). The root user is always allowed.
struct dac_verdict {
    bool allowed = true;
    bool checked = false;           // false: could not tell (path missing, user unknown)
    std::string denying_path;       // the directory or socket that refuses
    std::string owner, group;       // of the denying path (of the socket when allowed)
    unsigned mode = 0;              // permission bits (07777) of that path
    bool acl = false;               // that path carries a POSIX ACL that took part
    std::string reason;             // one sentence for the report
    std::vector<std::string> walk;  // "drwxr-xr-x root:root /run" per step, for evidence
};
dac_verdict check_socket_access(const std::string& root, const std::string& socket_path,
                                const std::string& user);

// Direct connection to a backend (tcp host:port, [v6]:port, a name, or unix:/path),
// bounded by timeout_ms. err is the errno (111 refused, 110 timed out, 13, 2, 11...).
struct probe_result {
    bool attempted = false;
    bool connected = false;
    int err = 0;
    double ms = 0;
    std::string detail;
};
probe_result probe(const std::string& address, int timeout_ms = 1000);

// "nothing listens on 127.0.0.1:5000, but something listens on [::1]:5000" style hints.
// host may be an address, "localhost", or "unix:/path" (port ignored). Empty when the
// listener list is empty (unknown).
std::string listener_hint(const std::vector<listener>& ls, const std::string& host, int port);

// SELinux label of a socket file now (empty when the file has none or SELinux is
// off) and the label the file contexts expect (selabel_lookup; under --root the
// tree's file_contexts), empty when unknown.
struct file_label {
    std::string actual, expected;
};
file_label socket_label(const std::string& root, const std::string& path);

}  // namespace why502::host

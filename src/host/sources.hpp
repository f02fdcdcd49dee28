// The text and binary forms host facts come in, each parsed by one function so tests
// can feed them fixtures: /proc/net/{tcp,tcp6,unix}, ss and netstat outputs kept by a
// sosreport, passwd/group, getsebool/sestatus/semanage outputs, getfacl output and the
// POSIX ACL xattr, `nginx -V`. And the one way this stage runs a command.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host.hpp"

namespace why502::host {

// /proc/net/tcp and tcp6: LISTEN (state 0A) rows only.
std::vector<listener> parse_proc_net_tcp(std::string_view text, bool v6);
// /proc/net/unix: listening sockets only (flag __SO_ACCEPTCON).
std::vector<listener> parse_proc_net_unix(std::string_view text);
// `ss -peaonmi` / `ss -tlnp` / `ss -xlp` ... forms: LISTEN rows of tcp and unix stream.
std::vector<listener> parse_ss(std::string_view text);
// `netstat -W -neopa` / `netstat -tlnp` forms: LISTEN(ING) rows of tcp, tcp6, unix.
std::vector<listener> parse_netstat(std::string_view text);

struct account {
    std::string name;
    uint32_t id = 0;                   // uid (passwd) or gid (group)
    uint32_t gid = 0;                  // passwd: primary group
    std::vector<std::string> members;  // group: member user names
};
std::vector<account> parse_passwd(std::string_view text);
std::vector<account> parse_group(std::string_view text);

// "name --> on" lines (getsebool -a).
std::map<std::string, bool> parse_getsebool(std::string_view text);
// `semanage boolean -l`: "name (on   ,  off)  description": the current (first) value.
std::map<std::string, bool> parse_semanage_boolean(std::string_view text);
// `sestatus [-v|-b]` "Key:   value" lines, keys lower-cased ("selinux status",
// "current mode", "loaded policy name", "mode from config file"...); booleans listed
// after "Policy booleans:" go to `booleans`.
struct sestatus_info {
    std::map<std::string, std::string> fields;
    std::map<std::string, bool> booleans;
};
sestatus_info parse_sestatus(std::string_view text);
// KEY=value lines of /etc/selinux/config.
std::map<std::string, std::string> parse_selinux_config(std::string_view text);
// `semanage port -l`: type, proto, ports ("80, 81, 8008-8009").
struct port_record {
    std::string type, proto, ports;
};
std::vector<port_record> parse_semanage_port(std::string_view text);

// POSIX ACLs. Tags as in <linux/posix_acl.h>.
enum class acl_tag : uint16_t {
    user_obj = 0x01,
    user = 0x02,
    group_obj = 0x04,
    group = 0x08,
    mask = 0x10,
    other = 0x20
};
struct acl_entry {
    acl_tag tag = acl_tag::other;
    unsigned perm = 0;  // r=4 w=2 x=1
    uint32_t id = UINT32_MAX;
};
// The system.posix_acl_access value (version 2, little-endian entries); nullopt when
// malformed.
std::optional<std::vector<acl_entry>> decode_posix_acl(std::string_view bytes);
// getfacl output ("# file: run/app.sock" blocks); names resolved with the given
// accounts (numeric ids accepted). Keys are absolute paths.
std::map<std::string, std::vector<acl_entry>> parse_getfacl(std::string_view text,
                                                            const std::vector<account>& users,
                                                            const std::vector<account>& groups);

// `nginx -V` output: configure arguments as key -> value ("prefix" -> "/usr/share/nginx",
// "conf-path", "error-log-path", "user"...), plus "version".
std::map<std::string, std::string> parse_nginx_v(std::string_view text);

// /sys/kernel/security/apparmor/profiles or `aa-status` output: profile -> mode.
std::map<std::string, std::string> parse_apparmor_profiles(std::string_view text);

// Runs argv[0] (an absolute path, never a shell) with a deadline; captures stdout and
// stderr (each bounded). The child is killed when the deadline passes.
struct command_result {
    bool started = false;
    bool timed_out = false;
    int exit_code = -1;
    std::string out, err;
};
command_result run_command(const std::vector<std::string>& argv, int timeout_ms,
                           size_t max_bytes = 64u << 20);

// Reads a whole small file (bounded); nullopt and errno text in `error` on failure.
std::optional<std::string> read_small_file(const std::string& path, std::string* error = nullptr,
                                           size_t max_bytes = 64u << 20);

// Joins a path of the inspected host to the root it is read from.
std::string under_root(const std::string& root, const std::string& path);
bool is_live_root(const std::string& root);

}  // namespace why502::host

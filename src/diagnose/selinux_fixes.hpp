// Fix strategies for SELinux findings: code that queries the policy, proposes every
// candidate with exact commands, proves each in memory and orders them by least
// privilege.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "diagnose/model.hpp"
#include "policy/policy.hpp"

namespace why502::diagnose {

// One SELinux finding's denials, as the fix step needs them.
struct selinux_case {
    std::string cause;                     // "selinux.name_connect" | "selinux.unix_socket_connect" |
                                           // "selinux.socket_file_label" | "selinux.permissive_denial" |
                                           // "selinux.unlogged_denial"
    std::string source_type;               // "httpd_t"
    std::string target_type;               // from the AVC's tcontext, or from the policy (unlogged)
    std::string tclass;                    // "tcp_socket", "unix_stream_socket", "sock_file"
    std::vector<std::string> permissions;  // union over the finding's denials
    std::string proto = "tcp";
    int port = -1;            // name_connect: the destination port
    std::string socket_path;  // unix socket path (from the NGINX upstream or the AVC)
    std::string peer_domain;  // connectto: the backend's domain (the tcontext type)
    bool web_proxy = true;    // the source is a web server (rank http_port_t first)
};

// Fixes for one case, least privilege first; fills verified/grants/revokes from the
// policy (or marks them assumed with the built-in fallback). Appends user-facing
// warnings (e.g. "no policy read: fixes are assumed") to `warnings`.
std::vector<fix> build_selinux_fixes(const policy::policy_view& policy, const selinux_case& c,
                                     std::vector<std::string>& warnings);

// Whether a boolean concerns the source domain at all (httpd_* for httpd_t): a boolean
// that happens to allow the access (allow_ypbind, nis_enabled for a name_connect) is
// never proposed when it is not about the domain.
bool boolean_relevant(std::string_view source_domain, std::string_view boolean);

// The name of the local module the last-resort fix installs.
inline constexpr std::string_view local_module_name = "why502_local";

}  // namespace why502::diagnose

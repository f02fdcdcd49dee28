// The diagnosis as data: what render prints and what the JSON schema
// why502/diagnosis@1 serialises. Nothing here computes; diagnose fills it in.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace why502::diagnose {

struct upstream_ref {
    std::string transport = "tcp";  // "tcp" | "unix" (a name-only upstream is "tcp")
    std::string address;            // "127.0.0.1:3000", "[::1]:8080", "unix:/run/x.sock", "backend"
    std::string host;               // "127.0.0.1", "::1", "backend"; empty for unix
    std::optional<int> port;
    std::optional<std::string> path;
    bool operator<(const upstream_ref& o) const { return address < o.address; }
};

struct evidence_line {
    std::string source;  // "nginx" | "audit" | "host" | "policy"
    std::string file;
    uint64_t line = 0;  // 0 when not from a file
    std::string text;   // as read: untrusted, escape on output
};

struct fix {
    std::string id;  // stable: "boolean", "label-port", "label-socket", "local-module", ...
    std::string summary;
    bool least_privilege = false;       // true for the first (recommended) fix of a finding
    std::vector<std::string> commands;  // each a complete shell command, words quoted
    bool verified = false;              // proven against the policy in memory
    std::optional<uint64_t> grants;     // (src, tgt, class, perm) pairs added
    std::optional<uint64_t> revokes;    // pairs other domains lose (relabels)
    bool assumed = false;               // from built-in knowledge, not a policy read
    std::string note;                   // why / caveats, one or two sentences
    // For the Ansible and script renderers: what the fix changes, structured.
    struct change {
        std::string kind;  // "seboolean" | "seport" | "sefcontext" | "restorecon" | "module" | "manual"
        std::map<std::string, std::string> args;  // name/state, ports/proto/setype, target/setype...
    };
    std::vector<change> changes;
};

struct selinux_detail {
    std::string source_type;
    std::string target_type;
    std::string tclass;
    std::vector<std::string> permissions;
    bool permissive = false;
    uint64_t avc_count = 0;
    std::string scontext, tcontext;  // one sample of each
};

struct finding {
    std::string cause;       // id from the catalogue (PRODUCT.md)
    std::string confidence;  // "confirmed" | "likely" | "possible"
    upstream_ref upstream;
    uint64_t count = 0;  // failure lines it explains
    std::optional<int64_t> first_seen_ms, last_seen_ms;
    std::optional<selinux_detail> selinux;
    std::vector<evidence_line> evidence;
    std::vector<fix> fixes;
    std::vector<std::string> verify;           // commands to check the fix worked
    std::string explanation;                   // one paragraph: what happened and why
    std::string settle;                        // for likely/possible: which input would decide
    std::vector<std::string> servers;          // NGINX server names seen on the failing lines
    std::vector<std::string> hosts;            // Host headers seen
    std::vector<std::string> requests;         // a few sample request lines
    std::string location;                      // live mode: "server X, location /api" from the config
    std::vector<int64_t> failure_times_ms;     // for timelines (time_sample: bounded, sorted)
    std::vector<int64_t> denial_times_ms;      // idem
    std::map<std::string, std::string> facts;  // extra key/values (probe result, DAC walk...)
};

struct input_summary {
    std::string file;
    std::string kind;  // "nginx" | "audit"
    uint64_t bytes = 0;
    uint64_t lines = 0;
    uint64_t records = 0;  // matched: upstream failure lines / denial records (AVC, USER_AVC, SELINUX_ERR)
    uint64_t malformed = 0;
    uint64_t overlong = 0;
    std::string truncated;
    std::optional<int64_t> first_ms, last_ms;
};

struct diagnosis {
    std::vector<finding> findings;
    std::vector<std::string> warnings;
    std::vector<input_summary> inputs;
    std::string policy_source;  // "policy.33 at PATH" | "built-in RHEL targeted knowledge (assumed)"
    bool policy_assumed = true;
    std::string booleans_source;  // "values stored in the policy file (defaults)" | "host's current values"
    std::string time_zone;        // the zone local stamps were read in
    bool live = false;
    // Live mode: SELinux mode, policy, nginx user, sockets, upstream inventory... the
    // JSON "host" object as host/ builds it (null offline).
    nlohmann::json host;
};

}  // namespace why502::diagnose

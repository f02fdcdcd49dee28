// The SELinux policy behind one interface. Two implementations: the binary policy read
// with libsepol (exact answers), and built-in knowledge of the RHEL targeted policy for
// when no policy can be read (every answer marked assumed).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace why502::policy {

struct port_label {
    std::string type;      // e.g. "ntop_port_t"
    int low = 0, high = 0;  // the portcon record that decides (kernel: first match)
    bool exact = false;     // a record for exactly this port (low == high == port)
    bool is_default = false;  // no portcon matched: the initial SID's type (port_t)
};

// An access vector question: may SOURCE do PERM on TARGET of CLASS?
struct access {
    std::string source, target, tclass, perm;
};

// Boolean values to assume instead of the policy's (name -> value).
using boolean_overrides = std::map<std::string, bool>;

class policy_view {
public:
    virtual ~policy_view() = default;

    // Where answers come from, for the report ("policy.33 at /etc/...", "built-in ...").
    virtual std::string description() const = 0;
    // True for the built-in fallback: answers are assumptions, never "verified".
    virtual bool assumed() const = 0;

    // Primary name of a type or alias ("httpd_var_run_t" -> "httpd_runtime_t");
    // nullopt when the policy has no such type.
    virtual std::optional<std::string> canonical_type(std::string_view name) const = 0;

    // The label of a port as the kernel decides it (proto "tcp" | "udp" | "sctp").
    virtual std::optional<port_label> port_type(std::string_view proto, int port) const = 0;

    // Current value of a boolean (the values stored in the policy, unless set_booleans
    // gave the host's), nullopt if no such boolean.
    virtual std::optional<bool> boolean_value(std::string_view name) const = 0;
    // Whether boolean values came from the host (true) or the policy file (false).
    virtual bool booleans_from_host() const = 0;
    // Replace the current values (live mode: the host's values via libselinux).
    virtual void set_booleans(const boolean_overrides& values) = 0;

    // Is the access allowed with the current boolean values plus `overrides`?
    // Attributes expanded, aliases resolved, conditional rules evaluated. (A relabel is
    // tried by asking about the new target type.)
    virtual bool allowed(const access& a, const boolean_overrides& overrides = {}) const = 0;

    // Booleans each of which, turned to the given value alone, makes `a` allowed;
    // sorted by how few (src, tgt, class, perm) pairs each adds (narrowest first).
    virtual std::vector<std::string> booleans_allowing(const access& a) const = 0;
    // Pairs of booleans that together allow it when no single one does.
    virtual std::vector<std::pair<std::string, std::string>> boolean_pairs_allowing(const access& a) const = 0;

    // How many (source, target, class, perm) tuples become allowed when the booleans
    // are set as in `change` (that were not allowed before). Source/target are types
    // (attributes expanded).
    virtual uint64_t grants_of_booleans(const boolean_overrides& change) const = 0;

    // Types T such that `source` may do every perm of `perms` on T of `tclass`
    // unconditionally (no boolean needed) or, with allow_conditional, with the current
    // boolean values. Used to pick socket-file and port types.
    virtual std::vector<std::string> types_allowing(std::string_view source, std::string_view tclass,
                                                    const std::vector<std::string>& perms,
                                                    bool allow_conditional) const = 0;

    // Whether `type` carries attribute `attr` (e.g. port_type, file_type).
    virtual bool has_attribute(std::string_view type, std::string_view attr) const = 0;

    // (src, tgt, class, perm) pairs any domain has on `type` for `tclass` (used to count
    // what a relabel takes away: revokes) and what `source` gains (grants).
    virtual uint64_t pairs_on_target(std::string_view type, std::string_view tclass,
                                     std::string_view except_source = {}) const = 0;
};

// Reads a binary policy (policy.NN). Error: one line naming the file.
result<std::unique_ptr<policy_view>> load_binary(const std::string& path);
// The loaded policy of this host (selinux_current_policy_path), with its current
// boolean values; error when SELinux is disabled or the policy is unreadable.
result<std::unique_ptr<policy_view>> load_live();
// Built-in knowledge of the RHEL targeted policy (every answer assumed).
std::unique_ptr<policy_view> builtin_rhel();

}  // namespace why502::policy

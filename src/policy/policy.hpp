// The SELinux policy behind one interface. Two implementations: the binary policy read
// with libsepol (exact answers), and built-in knowledge of the RHEL targeted policy for
// when no policy can be read (every answer marked assumed).
//
// Counting convention used by every "grants"/"revokes" figure: a pair is one
// (source type, target type, class, permission) tuple with attributes expanded to the
// types they stand for, so `allow httpd_t port_type:tcp_socket name_connect` is one pair
// per member of port_type.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace why502::policy {

struct port_label {
    std::string type;         // e.g. "ntop_port_t"
    int low = 0, high = 0;    // the portcon record that decides (kernel: first match)
    bool exact = false;       // some record is for exactly this port (low == high == port):
                              // `semanage port -a` then fails "already defined", use -m
    bool is_default = false;  // no portcon matched: the initial SID's type (port_t)
};

// An access vector question: may SOURCE do PERM on TARGET of CLASS?
struct access {
    std::string source, target, tclass, perm;
};

// Boolean values to assume instead of the policy's (name -> value).
using boolean_overrides = std::map<std::string, bool>;

// One boolean that, set to `value` alone, allows an access; `grants` pairs it adds.
struct boolean_choice {
    std::string name;
    bool value = true;
    uint64_t grants = 0;
};

// What a change adds and takes away, in pairs (see the counting convention above).
struct pair_delta {
    uint64_t gained = 0;
    uint64_t lost = 0;
};

// Restricts a count to one source type and/or one class (empty: any).
struct pair_filter {
    std::string source;
    std::string tclass;
};

class policy_view {
public:
    virtual ~policy_view() = default;

    // Where answers come from, for the report ("policy.33 at /etc/...", "built-in ...").
    virtual std::string description() const = 0;
    // True for the built-in fallback: answers are assumptions, never "verified".
    virtual bool assumed() const = 0;

    // Primary name of a type or alias ("httpd_var_run_t" -> "httpd_runtime_t");
    // nullopt when the policy has no such type (attributes are not types).
    virtual std::optional<std::string> canonical_type(std::string_view name) const = 0;

    // The label of a port as the kernel decides it (proto "tcp" | "udp" | "sctp" | "dccp").
    virtual std::optional<port_label> port_type(std::string_view proto, int port) const = 0;

    // Current value of a boolean (the values stored in the policy, unless set_booleans
    // gave the host's), nullopt if no such boolean.
    virtual std::optional<bool> boolean_value(std::string_view name) const = 0;
    // Every boolean the policy defines, sorted.
    virtual std::vector<std::string> boolean_names() const = 0;
    // Whether boolean values came from the host (true) or the policy file (false).
    virtual bool booleans_from_host() const = 0;
    // Replace the current values (live mode: the host's values via libselinux).
    // Names the policy does not define are ignored.
    virtual void set_booleans(const boolean_overrides& values) = 0;

    // Does the policy define this class and permission?
    virtual bool known_permission(std::string_view tclass, std::string_view perm) const = 0;
    // Is the domain marked permissive in the policy (`permissive httpd_t;`)?
    virtual bool permissive_type(std::string_view type) const = 0;

    // Is the access allowed with the current boolean values plus `overrides`?
    // Attributes expanded, aliases resolved, conditional rules evaluated. Type
    // enforcement only: constraints and MLS are not evaluated (see the implementation).
    // (A relabel is tried by asking about the new target type.)
    virtual bool allowed(const access& a, const boolean_overrides& overrides = {}) const = 0;

    // Booleans each of which, flipped alone from its current value, makes `a` allowed;
    // sorted by how few pairs each adds (narrowest first, then by name). Empty when `a`
    // is already allowed. Without count_grants, grants stay 0 and the order is by name
    // (counting a domain-wide boolean such as allow_ypbind costs ~10 ms; a caller that
    // filters first counts only what it keeps).
    virtual std::vector<boolean_choice> boolean_choices(const access& a, bool count_grants = true) const = 0;
    std::vector<std::string> booleans_allowing(const access& a) const {
        std::vector<std::string> names;
        for (auto& c : boolean_choices(a)) names.push_back(c.name);
        return names;
    }
    // Pairs of booleans that flipped together allow `a` while neither does alone,
    // narrowest first.
    virtual std::vector<std::pair<std::string, std::string>> boolean_pairs_allowing(
        const access& a) const = 0;

    // Pairs that become allowed (gained) and stop being allowed (lost) when the
    // booleans are set as in `change`, compared with the current values.
    virtual pair_delta boolean_delta(const boolean_overrides& change,
                                     const pair_filter& filter = {}) const = 0;
    uint64_t grants_of_booleans(const boolean_overrides& change) const {
        return boolean_delta(change).gained;
    }

    // An object moving from type `old_type` to `new_type` (a port relabel, a file
    // context change): the (source, class-`tclass` permission) accesses to that object
    // that appear (gained) and disappear (lost), with the current booleans + overrides.
    // Counted per source type and permission; the object itself is one target.
    virtual pair_delta relabel_delta(std::string_view old_type, std::string_view new_type,
                                     std::string_view tclass,
                                     const boolean_overrides& overrides = {}) const = 0;

    // Types T such that `source` may do every perm of `perms` on T of `tclass`
    // unconditionally (no boolean needed) or, with allow_conditional, with the current
    // boolean values. Primary names, sorted. Used to pick socket-file and port types.
    virtual std::vector<std::string> types_allowing(std::string_view source, std::string_view tclass,
                                                    const std::vector<std::string>& perms,
                                                    bool allow_conditional) const = 0;

    // Whether `type` carries attribute `attr` (e.g. port_type, file_type).
    virtual bool has_attribute(std::string_view type, std::string_view attr) const = 0;
    // The types that carry `attr`, sorted; empty when it is not an attribute.
    virtual std::vector<std::string> attribute_members(std::string_view attr) const = 0;

    // (src, `type`, tclass, perm) pairs allowed today for any source but
    // `except_source`.
    virtual uint64_t pairs_on_target(std::string_view type, std::string_view tclass,
                                     std::string_view except_source = {}) const = 0;
};

// Reads a binary policy (policy.NN). Error: one line naming the file.
result<std::unique_ptr<policy_view>> load_binary(const std::string& path);
// The same from bytes already read (a collected tree, a fuzzer); `name` names it in
// messages.
result<std::unique_ptr<policy_view>> load_binary_image(const std::string& name, std::vector<char> image);
// The loaded policy of this host (selinux_current_policy_path), with its current
// boolean values; error when SELinux is disabled or the policy is unreadable.
result<std::unique_ptr<policy_view>> load_live();
// Built-in knowledge of the RHEL targeted policy (every answer assumed).
std::unique_ptr<policy_view> builtin_rhel();

}  // namespace why502::policy

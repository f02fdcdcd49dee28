// Fix strategies for SELinux findings. Each strategy asks the policy which changes
// would allow every denied permission, builds the exact commands, proves the change in
// memory (boolean overrides; a relabel is asked about the new type) and counts what it
// grants, so the list can be ordered by least privilege.
//
// What the counts mean (pairs = (source type, target type, class, permission)):
// - boolean: the pairs the boolean change adds to the policy (attributes expanded).
// - relabel (port or file): the object moves from OLD to NEW. grants = the (source,
//   permission) accesses to that object that NEW has and OLD had not, for the denied
//   class; revokes = those OLD had and NEW has not (e.g. ntop_t loses name_bind on
//   port 3000 when it leaves ntop_port_t). A relabel that only works with a boolean on
//   counts both: the boolean's pairs plus the relabel's, under the boolean.
// - local module: the allow rule's pairs not allowed today.
#include "diagnose/selinux_fixes.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "base/text.hpp"

namespace why502::diagnose {
namespace {

using policy::access;
using policy::boolean_overrides;

// Booleans that concern a domain, by name prefix: the web server's family (httpd_t,
// httpd_sys_script_t, ...) is governed by the httpd_ booleans. A domain no row matches
// gets the prefix of its own name (squid_t -> "squid_").
struct boolean_scope_row {
    std::string_view domain_prefix;
    std::string_view boolean_prefix;
};
constexpr boolean_scope_row boolean_scope[] = {
    {"httpd_", "httpd_"},
    {"httpd_", "allow_httpd_"},
};

// Port types that suit a domain's role, best first. A web proxy's backend is an HTTP
// service: http_port_t first, then the other HTTP types; never "whatever the domain may
// reach today" (setroubleshoot's lookup yields dns_port_t for httpd_t).
struct port_role_row {
    std::string_view domain;  // "" = any web proxy
    std::string_view type;
};
constexpr port_role_row port_roles[] = {
    {"", "http_port_t"},
    {"", "http_cache_port_t"},
};

// Socket-file types a domain should write, best first. Both spellings: Debian's policy
// knows httpd_runtime_t (httpd_var_run_t is its alias), RHEL's httpd_var_run_t.
struct socket_type_row {
    std::string_view domain;
    std::string_view type;
};
constexpr socket_type_row socket_types[] = {
    {"httpd_t", "httpd_var_run_t"},
    {"httpd_t", "httpd_runtime_t"},
};

// What a boolean is for, in the fix summary.
struct boolean_meaning_row {
    std::string_view name;
    std::string_view meaning;
};
constexpr boolean_meaning_row boolean_meanings[] = {
    {"httpd_can_network_connect", "lets httpd connect to every TCP port type"},
    {"httpd_can_network_relay", "lets httpd act as a relay (HTTP, HTTP cache, FTP, gopher, squid ports)"},
    {"httpd_graceful_shutdown", "lets httpd connect to http_port_t (meant for graceful shutdown)"},
    {"httpd_can_network_connect_db", "lets httpd connect to database ports"},
    {"httpd_can_network_memcache", "lets httpd connect to the memcache port"},
    {"httpd_can_network_connect_memcache", "lets httpd connect to the memcache port"},
    {"httpd_can_connect_ldap", "lets httpd connect to the LDAP port"},
    {"httpd_can_network_connect_ldap", "lets httpd connect to the LDAP port"},
    {"httpd_can_connect_ftp", "lets httpd connect to the FTP port"},
    {"httpd_can_connect_zabbix", "lets httpd connect to the Zabbix port"},
    {"httpd_can_network_connect_zabbix", "lets httpd connect to the Zabbix port"},
};

// Directories shared by many services: relabeling their whole tree for one socket
// would change the label of everything in them.
constexpr std::string_view shared_dirs[] = {
    "/",     "/tmp", "/var/tmp", "/run", "/var/run", "/dev/shm", "/var",      "/var/lib",
    "/home", "/srv", "/opt",     "/usr", "/etc",     "/root",    "/run/user", "/var/lib/nginx",
};

// Order of fixes: a diagnostic step first, then real fixes by grants, a local module
// only as the last resort (one pair, but it hand-writes policy no maintainer reviews).
enum class tier { diagnostic = 0, fix = 1, last_resort = 2 };

struct ranked_fix {
    fix f;
    tier t = tier::fix;
    uint64_t rank = 0;  // grants, or the built-in estimate; max when unknown
};

bool is_identifier(std::string_view s) {
    if (s.empty() || s.size() > 128) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

// A command: the fixed words as written, every variable word (a type, a port, a
// path: anything that came from a log or the policy) through shell_quote.
std::string q(std::string_view word) {
    return text::shell_quote(word);
}

std::string_view domain_stem(std::string_view domain) {
    if (domain.size() > 2 && domain.substr(domain.size() - 2) == "_t") domain.remove_suffix(2);
    return domain;
}

std::string_view meaning_of(std::string_view boolean) {
    for (auto& m : boolean_meanings)
        if (m.name == boolean) return m.meaning;
    return {};
}

void warn_once(std::vector<std::string>& warnings, std::string w) {
    if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(std::move(w));
}

std::string dirname_of(std::string_view path) {
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    auto slash = path.rfind('/');
    if (slash == std::string_view::npos) return ".";
    if (slash == 0) return "/";
    return std::string(path.substr(0, slash));
}

class strategist {
public:
    strategist(const policy::policy_view& p, const selinux_case& c, std::vector<std::string>& warnings)
        : p_(p), c_(c), warnings_(warnings) {}

    std::vector<fix> run();

private:
    // Every denied permission, as access questions on `target`.
    std::vector<access> denied_on(const std::string& target) const {
        std::vector<access> out;
        for (auto& perm : perms_) out.push_back({source_, target, tclass_, perm});
        return out;
    }
    bool all_allowed(const std::string& target, const boolean_overrides& o) const {
        auto d = denied_on(target);
        return !d.empty() &&
               std::all_of(d.begin(), d.end(), [&](const access& a) { return p_.allowed(a, o); });
    }
    bool relevant(std::string_view boolean) const { return boolean_relevant(source_, boolean); }

    // Relevant single booleans that allow every denied permission on `target`, with
    // their grants, narrowest first.
    std::vector<policy::boolean_choice> booleans_for(const std::string& target) const;

    void add(fix f, tier t, uint64_t rank) { out_.push_back({std::move(f), t, rank}); }
    fix base(std::string id) const {
        fix f;
        f.id = std::move(id);
        f.assumed = p_.assumed();
        return f;
    }
    void set_boolean_change(fix& f, const std::string& name, bool value) const {
        f.commands.push_back(fmt::format("setsebool -P {} {}", q(name), value ? 1 : 0));
        f.changes.push_back(
            {"seboolean", {{"name", name}, {"state", value ? "true" : "false"}, {"persistent", "true"}}});
    }

    void name_connect_fixes();
    void label_port_fixes();
    void boolean_fixes();
    void socket_label_fixes();
    void unix_connect_fixes();
    void local_module_fix();
    void dontaudit_step();

    const policy::policy_view& p_;
    const selinux_case& c_;
    std::vector<std::string>& warnings_;
    std::string source_, target_, tclass_;
    std::vector<std::string> perms_;
    std::vector<ranked_fix> out_;
};

std::vector<policy::boolean_choice> strategist::booleans_for(const std::string& target) const {
    std::vector<policy::boolean_choice> out;
    auto denied = denied_on(target);
    if (denied.empty()) return out;
    for (auto& ch : p_.boolean_choices(denied.front(), false)) {
        if (!relevant(ch.name)) continue;
        boolean_overrides o{{ch.name, ch.value}};
        if (!all_allowed(target, o)) continue;
        ch.grants = p_.boolean_delta(o).gained;
        out.push_back(std::move(ch));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.grants < b.grants; });
    return out;
}

void strategist::label_port_fixes() {
    if (c_.port < 0 || c_.port > 65535) return;
    auto label = p_.port_type(c_.proto, c_.port);
    if (!label) return;
    std::vector<std::string_view> candidates;
    for (auto& r : port_roles)
        if ((r.domain.empty() && c_.web_proxy) || r.domain == source_) candidates.push_back(r.type);
    for (auto cand : candidates) {
        auto type = p_.canonical_type(cand);
        if (!type || *type == target_ || *type == label->type) continue;
        if (!p_.assumed() && !p_.has_attribute(*type, "port_type")) continue;
        // The label alone, or the label plus the narrowest boolean that lets the domain
        // reach the new type — but never a boolean that fixes the denial by itself
        // (then relabeling the port only adds a change).
        std::optional<policy::boolean_choice> needed;
        if (!all_allowed(*type, {})) {
            for (auto& ch : booleans_for(*type)) {
                if (all_allowed(target_, {{ch.name, ch.value}})) continue;
                needed = ch;
                break;
            }
            if (!needed) continue;
        }
        boolean_overrides o;
        if (needed) o[needed->name] = needed->value;
        auto delta = p_.relabel_delta(target_, *type, tclass_, o);
        fix f = base("label-port");
        std::string port = std::to_string(c_.port);
        std::string flag = label->exact ? "-m" : "-a";
        if (needed) set_boolean_change(f, needed->name, needed->value);
        f.commands.push_back(
            fmt::format("semanage port {} -t {} -p {} {}", flag, q(*type), q(c_.proto), q(port)));
        f.changes.push_back({"seport",
                             {{"ports", port},
                              {"proto", c_.proto},
                              {"setype", *type},
                              {"state", "present"},
                              {"action", label->exact ? "modify" : "add"}}});
        f.verified = !p_.assumed() && all_allowed(*type, o);
        uint64_t grants = delta.gained + (needed ? needed->grants : 0);
        f.grants = grants;
        f.revokes = delta.lost;
        f.summary = needed ? fmt::format("Label {} port {} {} and turn {} {} ({} may reach {} only with it)",
                                         c_.proto, port, *type, needed->name, needed->value ? "on" : "off",
                                         source_, *type)
                           : fmt::format("Label {} port {} {}, a type {} may connect to", c_.proto, port,
                                         *type, source_);
        f.note = fmt::format(
            "Port {}/{} is {} today ({}); {}.", port, c_.proto, label->type,
            label->is_default ? "no portcon record: the default port type"
                              : fmt::format("record {}-{}", label->low, label->high),
            label->exact ? "a record for exactly this port exists, so semanage needs -m (modify)"
                         : "no record for exactly this port exists, so semanage -a (add) creates one");
        if (!p_.assumed())
            f.note += fmt::format(
                " Other domains' access to the port changes with its type: {} (source, permission) "
                "pairs gained, {} lost.",
                delta.gained, delta.lost);
        if (needed)
            f.note += fmt::format(
                " In this policy {} may name_connect to {} only when {} is {}: the label alone "
                "would not fix the 502.",
                source_, *type, needed->name, needed->value ? "on" : "off");
        add(std::move(f), tier::fix, grants);
        // The best type for the role that works is the proposal; a second label (an
        // HTTP cache type for an application port) would only be noise.
        return;
    }
}

void strategist::boolean_fixes() {
    auto singles = booleans_for(target_);
    for (auto& ch : singles) {
        fix f = base("boolean");
        set_boolean_change(f, ch.name, ch.value);
        f.verified = !p_.assumed() && all_allowed(target_, {{ch.name, ch.value}});
        f.grants = ch.grants;
        auto lost = p_.boolean_delta({{ch.name, ch.value}}).lost;
        if (lost > 0) f.revokes = lost;
        auto meaning = meaning_of(ch.name);
        f.summary = meaning.empty()
                        ? fmt::format("Turn {} {}", ch.value ? "on" : "off", ch.name)
                        : fmt::format("Turn {} {}: {}", ch.value ? "on" : "off", ch.name, meaning);
        f.note = p_.assumed() ? fmt::format("Allows {} {} {} on {}.", source_, tclass_,
                                            fmt::join(perms_, ","), target_)
                              : fmt::format(
                                    "Allows {} {} {} on {}, and {} (source, target, class, permission) "
                                    "pairs in all.",
                                    source_, tclass_, fmt::join(perms_, ","), target_, ch.grants);
        add(std::move(f), tier::fix, ch.grants);
    }
    if (!singles.empty()) return;
    auto denied = denied_on(target_);
    if (denied.empty()) return;
    for (auto& [b1, b2] : p_.boolean_pairs_allowing(denied.front())) {
        if (!relevant(b1) || !relevant(b2)) continue;
        boolean_overrides o{{b1, !p_.boolean_value(b1).value_or(false)},
                            {b2, !p_.boolean_value(b2).value_or(false)}};
        if (!all_allowed(target_, o)) continue;
        fix f = base("boolean");
        for (auto& [name, value] : o) set_boolean_change(f, name, value);
        auto d = p_.boolean_delta(o);
        f.verified = !p_.assumed();
        f.grants = d.gained;
        if (d.lost > 0) f.revokes = d.lost;
        f.summary = fmt::format("Turn on both {} and {} (neither allows it alone)", b1, b2);
        add(std::move(f), tier::fix, d.gained);
        break;  // the narrowest pair is enough
    }
}

void strategist::name_connect_fixes() {
    label_port_fixes();
    boolean_fixes();
}

void strategist::socket_label_fixes() {
    std::string_view path = c_.socket_path;
    if (path.substr(0, 5) == "unix:") path.remove_prefix(5);
    if (path.empty() || path.front() != '/') {
        warn_once(warnings_,
                  "no absolute socket path is known for the socket-file denial: relabel the socket's "
                  "directory by hand (semanage fcontext + restorecon)");
        return;
    }
    if (!text::is_safe_for_command(path)) {
        warn_once(warnings_,
                  fmt::format("declined to build a relabel command for socket path {}: it contains a "
                              "newline or NUL",
                              text::escape_terminal(path)));
        return;
    }
    // The type: a preferred one the domain may write unconditionally, else any type of
    // the domain's own family the policy allows.
    auto writable = p_.types_allowing(source_, tclass_, perms_, false);
    std::optional<std::string> type;
    for (auto& r : socket_types) {
        if (r.domain != source_) continue;
        auto t = p_.canonical_type(r.type);
        if (t && std::find(writable.begin(), writable.end(), *t) != writable.end()) {
            type = *t;
            break;
        }
    }
    if (!type) {
        std::string prefix = std::string(domain_stem(source_)) + "_";
        for (auto& t : writable)
            if (t.rfind(prefix, 0) == 0 && t != target_) {
                type = t;
                break;
            }
    }
    if (!type) {
        warn_once(warnings_,
                  fmt::format("the policy lets {} write no socket-file type of its own unconditionally: "
                              "no relabel fix is proposed",
                              source_));
        return;
    }
    std::string dir = dirname_of(path);
    bool shared = std::find(std::begin(shared_dirs), std::end(shared_dirs), dir) != std::end(shared_dirs);
    std::string pattern = shared ? text::regex_escape(path) : text::regex_escape(dir) + "(/.*)?";
    std::string relabel_target = shared ? std::string(path) : dir;
    fix f = base("label-socket");
    f.commands.push_back(fmt::format("semanage fcontext -a -t {} {}", q(*type), q(pattern)));
    f.commands.push_back(fmt::format("restorecon {} {}", shared ? "-v" : "-Rv", q(relabel_target)));
    f.changes.push_back({"sefcontext", {{"target", pattern}, {"setype", *type}, {"state", "present"}}});
    f.changes.push_back({"restorecon", {{"path", relabel_target}, {"recursive", shared ? "false" : "true"}}});
    auto delta = p_.relabel_delta(target_, *type, tclass_, {});
    f.verified = !p_.assumed() && all_allowed(*type, {});
    f.grants = delta.gained;
    f.revokes = delta.lost;
    f.summary = fmt::format("Label {} {} so {} may write the socket",
                            shared ? "the socket file" : "the socket's directory", *type, source_);
    f.note = fmt::format("The socket is {} today.", target_);
    if (!p_.assumed())
        f.note += fmt::format(
            " Other domains' access to it changes with its type ({} only): {} (source, permission) "
            "pairs gained, {} lost.",
            tclass_, delta.gained, delta.lost);
    if (shared)
        f.note += fmt::format(
            " {} is shared by other services, so only the socket file is labeled; a socket created "
            "again gets the directory's type: better move it to a directory of its own "
            "(e.g. /run/APP/) and label that.",
            dir);
    else
        f.note += " If the pattern already has a local file context, use semanage fcontext -m instead of -a.";
    if (!c_.peer_domain.empty() && is_identifier(c_.peer_domain) &&
        !p_.allowed({source_, c_.peer_domain, "unix_stream_socket", "connectto"}))
        f.note += fmt::format(" Next, {} will also need connectto on the backend's domain {}.", source_,
                              c_.peer_domain);
    add(std::move(f), tier::fix, delta.gained);
}

void strategist::unix_connect_fixes() {
    // Domains the policy lets the source connect to: run the backend in one of them.
    std::vector<std::string> domains;
    std::string prefix = std::string(domain_stem(source_)) + "_";
    for (auto& t : p_.types_allowing(source_, tclass_, perms_, false)) {
        if (t == source_ || !p_.has_attribute(t, "domain")) continue;
        domains.push_back(t);
    }
    // The source's own family first (httpd_sys_script_t for httpd_t): a backend belongs
    // there, not in nsswitch helpers like avahi_t the policy also lets it reach.
    auto own = std::stable_partition(domains.begin(), domains.end(),
                                     [&](const std::string& t) { return t.rfind(prefix, 0) == 0; });
    if (own != domains.begin()) domains.erase(own, domains.end());
    if (!domains.empty()) {
        fix f = base("confine-backend");
        std::vector<std::string> shown(domains.begin(),
                                       domains.begin() + std::min<size_t>(domains.size(), 6));
        f.summary =
            fmt::format("Run the backend in a domain {} may connect to instead of {}", source_, target_);
        f.note = fmt::format(
            "The backend runs as {}. The policy lets {} connectto {}{}: give the backend such a domain (its "
            "own policy "
            "module, the file label of its executable, or SELinuxContext= in its systemd unit). It adds no "
            "rule to "
            "the policy, but needs work on the backend: not verified here.",
            target_, source_, fmt::join(shown, ", "), domains.size() > shown.size() ? ", ..." : "");
        f.commands.push_back("ps -eZ");
        f.changes.push_back({"manual", {{"text", f.note}}});
        f.grants = 0;
        add(std::move(f), tier::fix, 0);
    }
    boolean_fixes();
    local_module_fix();
}

void strategist::local_module_fix() {
    if (!is_identifier(target_)) return;
    std::string perms = perms_.size() == 1 ? perms_.front() : fmt::format("{{ {} }}", fmt::join(perms_, " "));
    std::vector<std::string> lines = {
        fmt::format("module {} 1.0;", local_module_name),
        "require {",
        fmt::format("\ttype {};", source_),
        fmt::format("\ttype {};", target_),
        fmt::format("\tclass {} {};", tclass_, perms),
        "}",
        fmt::format("allow {} {}:{} {};", source_, target_, tclass_, perms),
    };
    std::string te = fmt::format("{}\n", fmt::join(lines, "\n"));
    std::string mod = std::string(local_module_name);
    fix f = base("local-module");
    std::string write_te = "printf '%s\\n'";
    for (auto& l : lines) write_te += " " + q(l);
    write_te += " > " + q(mod + ".te");
    f.commands.push_back(write_te);
    f.commands.push_back(
        fmt::format("checkmodule -M -m -o {0}.mod {0}.te && semodule_package -o {0}.pp -m {0}.mod && "
                    "semodule -i {0}.pp",
                    q(mod)));
    f.changes.push_back({"module", {{"name", mod}, {"te", te}}});
    uint64_t grants = 0;
    for (auto& a : denied_on(target_))
        if (!p_.allowed(a)) ++grants;
    bool known = p_.canonical_type(source_) && p_.canonical_type(target_);
    for (auto& perm : perms_) known = known && p_.known_permission(tclass_, perm);
    // Applying the module in memory is adding exactly the denied pairs.
    f.verified = !p_.assumed() && known;
    f.grants = grants;
    f.summary = fmt::format("Last resort: a local policy module allowing {} {} {} on {}", source_, tclass_,
                            fmt::join(perms_, ","), target_);
    f.note = fmt::format(
        "Allows exactly the denied access, but it is policy nobody reviews and it lets {} talk to "
        "everything running as {}. A module named {} replaces any earlier one of that name: merge "
        "their rules if you already have one.",
        source_, target_, mod);
    add(std::move(f), tier::last_resort, grants);
}

void strategist::dontaudit_step() {
    fix f = base("see-dontaudit");
    f.summary =
        "Log the hidden denial: disable dontaudit rules, reproduce one request, read the AVC, restore them";
    f.commands = {"semodule -DB", "ausearch -m AVC,USER_AVC,SELINUX_ERR -ts recent", "semodule -B"};
    f.changes.push_back(
        {"manual", {{"text", "semodule -DB; reproduce; ausearch -m AVC -ts recent; semodule -B"}}});
    f.grants = 0;
    f.note =
        "Errno 13 with no AVC: a dontaudit rule (or auditing off) hides the denial. This changes only what "
        "is "
        "logged.";
    add(std::move(f), tier::diagnostic, 0);
}

std::vector<fix> strategist::run() {
    source_ = c_.source_type;
    target_ = c_.target_type;
    tclass_ = c_.tclass;
    perms_ = c_.permissions;
    // What the denial is about when no AVC said it (unlogged): the upstream decides.
    if (tclass_.empty()) tclass_ = c_.port >= 0 ? "tcp_socket" : (!c_.socket_path.empty() ? "sock_file" : "");
    if (perms_.empty()) {
        if (tclass_ == "tcp_socket")
            perms_ = {"name_connect"};
        else if (tclass_ == "sock_file")
            perms_ = {"write"};
        else if (tclass_ == "unix_stream_socket")
            perms_ = {"connectto"};
    }
    if (c_.cause == "selinux.unlogged_denial") dontaudit_step();
    if (target_.empty() && tclass_ == "tcp_socket" && c_.port >= 0)
        if (auto l = p_.port_type(c_.proto, c_.port)) target_ = l->type;

    bool valid =
        is_identifier(source_) && is_identifier(tclass_) && !perms_.empty() &&
        std::all_of(perms_.begin(), perms_.end(), [](const std::string& s) { return is_identifier(s); });
    if (!valid || (!target_.empty() && !is_identifier(target_))) {
        warn_once(warnings_,
                  "an SELinux finding names a type, class or permission that is not an SELinux "
                  "identifier: no policy fix is proposed for it");
        return {};
    }
    if (p_.assumed())
        warn_once(warnings_,
                  fmt::format("no SELinux policy was read: the SELinux fixes are assumed from {}, not "
                              "verified (pass --policy FILE to prove them)",
                              p_.description()));
    // Aliases (httpd_var_run_t) resolve to the names the policy knows.
    if (auto s = p_.canonical_type(source_)) source_ = *s;
    if (!target_.empty())
        if (auto t = p_.canonical_type(target_)) target_ = *t;

    if (!target_.empty()) {
        if (!p_.assumed() && all_allowed(target_, {})) {
            warn_once(warnings_,
                      fmt::format("{}: the policy allows {} {} {} on {} with the boolean values in use; the "
                                  "denial was logged under other values or another policy",
                                  c_.cause, source_, tclass_, fmt::join(perms_, ","), target_));
        } else if (tclass_ == "tcp_socket" &&
                   std::find(perms_.begin(), perms_.end(), "name_connect") != perms_.end()) {
            name_connect_fixes();
        } else if (tclass_ == "unix_stream_socket") {
            unix_connect_fixes();
        } else if (tclass_ == "sock_file") {
            socket_label_fixes();
        } else {
            boolean_fixes();
        }
        // Nothing the policy offers: the module is the only way left. Not for a socket
        // file, whose fix is its label (a module would open every file of that type).
        bool any =
            std::any_of(out_.begin(), out_.end(), [](const ranked_fix& r) { return r.t == tier::fix; });
        bool have_module = std::any_of(out_.begin(), out_.end(),
                                       [](const ranked_fix& r) { return r.f.id == "local-module"; });
        if (!any && !have_module && tclass_ != "sock_file" && !all_allowed(target_, {})) local_module_fix();
    }

    for (auto& r : out_) {
        if (!r.f.grants && r.t != tier::diagnostic) r.rank = std::numeric_limits<uint64_t>::max();
    }
    std::stable_sort(out_.begin(), out_.end(), [](const ranked_fix& a, const ranked_fix& b) {
        return a.t != b.t ? a.t < b.t : a.rank < b.rank;
    });
    std::vector<fix> fixes;
    bool recommended = false;
    for (auto& r : out_) {
        if (p_.assumed()) {
            // Counts from the built-in table order the list but are not facts to print.
            r.f.verified = false;
            r.f.grants.reset();
            r.f.revokes.reset();
        }
        if (!recommended && r.t != tier::diagnostic) {
            r.f.least_privilege = true;
            recommended = true;
        }
        fixes.push_back(std::move(r.f));
    }
    return fixes;
}

}  // namespace

bool boolean_relevant(std::string_view source_domain, std::string_view boolean) {
    bool has_rows = false;
    for (auto& r : boolean_scope) {
        if (source_domain.substr(0, r.domain_prefix.size()) != r.domain_prefix) continue;
        has_rows = true;
        if (boolean.substr(0, r.boolean_prefix.size()) == r.boolean_prefix) return true;
    }
    if (has_rows) return false;
    auto stem = domain_stem(source_domain);
    return !stem.empty() && boolean.size() > stem.size() && boolean.substr(0, stem.size()) == stem &&
           boolean[stem.size()] == '_';
}

std::vector<fix> build_selinux_fixes(const policy::policy_view& policy, const selinux_case& c,
                                     std::vector<std::string>& warnings) {
    strategist s(policy, c, warnings);
    return s.run();
}

}  // namespace why502::diagnose

// Built-in knowledge of the RHEL targeted policy, for when no policy can be read (a
// support engineer with only the customer's logs). Everything here is what RHEL 8/9
// ship by default as far as we know it; every answer is marked assumed and no fix built
// on it is ever "verified". Where a policy can be read, none of this is used: the guides
// and this table can be wrong for a given host (a local `semanage port -a`, a boolean).
#include <algorithm>
#include <set>

#include "policy/policy.hpp"

namespace why502::policy {
namespace {

struct port_row {
    std::string_view type;
    std::string_view proto;
    int low, high;
};

// `semanage port -l` on RHEL 9 for the types a web proxy meets, plus the ranges that
// label everything else.
constexpr port_row rhel_ports[] = {
    {"http_port_t", "tcp", 80, 80},
    {"http_port_t", "tcp", 81, 81},
    {"http_port_t", "tcp", 443, 443},
    {"http_port_t", "tcp", 488, 488},
    {"http_port_t", "tcp", 8008, 8008},
    {"http_port_t", "tcp", 8009, 8009},
    {"http_port_t", "tcp", 8443, 8443},
    {"http_port_t", "tcp", 9000, 9000},
    {"http_port_t", "udp", 80, 80},
    {"http_port_t", "udp", 443, 443},
    {"http_cache_port_t", "tcp", 8080, 8080},
    {"http_cache_port_t", "tcp", 8118, 8118},
    {"http_cache_port_t", "tcp", 8123, 8123},
    {"http_cache_port_t", "tcp", 10001, 10010},
    {"http_cache_port_t", "udp", 3130, 3130},
    {"ntop_port_t", "tcp", 3000, 3001},
    {"ntop_port_t", "udp", 3000, 3001},
    {"commplex_main_port_t", "tcp", 5000, 5000},
    {"commplex_main_port_t", "udp", 5000, 5000},
    {"postgresql_port_t", "tcp", 5432, 5432},
    {"postgresql_port_t", "tcp", 9898, 9898},
    {"mysqld_port_t", "tcp", 1186, 1186},
    {"mysqld_port_t", "tcp", 3306, 3306},
    {"mysqld_port_t", "tcp", 63132, 63164},
    {"redis_port_t", "tcp", 6379, 6379},
    {"redis_port_t", "tcp", 16379, 16379},
    {"redis_port_t", "tcp", 26379, 26379},
    {"memcache_port_t", "tcp", 11211, 11211},
    {"memcache_port_t", "udp", 11211, 11211},
    {"ldap_port_t", "tcp", 389, 389},
    {"ldap_port_t", "tcp", 636, 636},
    {"ldap_port_t", "tcp", 3268, 3269},
    {"squid_port_t", "tcp", 3128, 3128},
    {"squid_port_t", "tcp", 3401, 3401},
    {"squid_port_t", "tcp", 4827, 4827},
    {"transproxy_port_t", "tcp", 8081, 8081},
    {"websm_port_t", "tcp", 9090, 9090},
    {"soundd_port_t", "tcp", 8000, 8000},
    {"soundd_port_t", "tcp", 9433, 9433},
    {"soundd_port_t", "tcp", 16001, 16001},
    {"amqp_port_t", "tcp", 5671, 5672},
    {"amqp_port_t", "tcp", 15672, 15672},
    {"mongod_port_t", "tcp", 27017, 27019},
    {"mongod_port_t", "tcp", 28017, 28019},
    {"ftp_port_t", "tcp", 21, 21},
    {"ftp_port_t", "tcp", 990, 990},
    {"gopher_port_t", "tcp", 70, 70},
    {"reserved_port_t", "tcp", 1, 511},
    {"reserved_port_t", "udp", 1, 511},
    {"hi_reserved_port_t", "tcp", 512, 1023},
    {"hi_reserved_port_t", "udp", 512, 1023},
    {"unreserved_port_t", "tcp", 1024, 32767},
    {"unreserved_port_t", "tcp", 61000, 65535},
    {"unreserved_port_t", "udp", 1024, 32767},
    {"unreserved_port_t", "udp", 61000, 65535},
    {"ephemeral_port_t", "tcp", 32768, 60999},
    {"ephemeral_port_t", "udp", 32768, 60999},
};
constexpr std::string_view default_port_type = "port_t";

struct bool_row {
    std::string_view name;
    bool default_value;
};

constexpr bool_row rhel_booleans[] = {
    {"httpd_can_network_connect", false},
    {"httpd_can_network_relay", false},
    {"httpd_graceful_shutdown", true},
    {"httpd_can_network_connect_db", false},
    {"httpd_can_network_memcache", false},
    {"httpd_can_connect_ldap", false},
    {"httpd_can_connect_ftp", false},
    {"httpd_can_connect_zabbix", false},
    {"nis_enabled", false},
};

// One allow rule as RHEL ships it; target "port_type" stands for every port type.
// boolean "" = unconditional.
struct rule_row {
    std::string_view source, target, tclass, perm, boolean;
};

constexpr rule_row rhel_rules[] = {
    // In RHEL targeted httpd_t reaches http_port_t with no boolean.
    {"httpd_t", "http_port_t", "tcp_socket", "name_connect", ""},
    {"httpd_t", "http_port_t", "tcp_socket", "name_connect", "httpd_graceful_shutdown"},
    {"httpd_t", "port_type", "tcp_socket", "name_connect", "httpd_can_network_connect"},
    {"httpd_t", "http_port_t", "tcp_socket", "name_connect", "httpd_can_network_relay"},
    {"httpd_t", "http_cache_port_t", "tcp_socket", "name_connect", "httpd_can_network_relay"},
    {"httpd_t", "ftp_port_t", "tcp_socket", "name_connect", "httpd_can_network_relay"},
    {"httpd_t", "gopher_port_t", "tcp_socket", "name_connect", "httpd_can_network_relay"},
    {"httpd_t", "squid_port_t", "tcp_socket", "name_connect", "httpd_can_network_relay"},
    {"httpd_t", "postgresql_port_t", "tcp_socket", "name_connect", "httpd_can_network_connect_db"},
    {"httpd_t", "mysqld_port_t", "tcp_socket", "name_connect", "httpd_can_network_connect_db"},
    {"httpd_t", "memcache_port_t", "tcp_socket", "name_connect", "httpd_can_network_memcache"},
    {"httpd_t", "ldap_port_t", "tcp_socket", "name_connect", "httpd_can_connect_ldap"},
    {"httpd_t", "ftp_port_t", "tcp_socket", "name_connect", "httpd_can_connect_ftp"},
    {"httpd_t", "http_port_t", "tcp_socket", "name_bind", ""},
    {"httpd_t", "httpd_var_run_t", "sock_file", "write", ""},
    {"httpd_t", "httpd_var_run_t", "sock_file", "getattr", ""},
    {"httpd_t", "httpd_var_run_t", "sock_file", "open", ""},
    {"httpd_t", "httpd_var_run_t", "sock_file", "append", ""},
    {"httpd_t", "httpd_var_run_t", "sock_file", "create", ""},
    {"httpd_t", "httpd_var_run_t", "sock_file", "unlink", ""},
    {"httpd_t", "httpd_t", "unix_stream_socket", "connectto", ""},
};

// Types known to be domains (for has_attribute "domain").
constexpr std::string_view rhel_domains[] = {
    "httpd_t", "unconfined_t", "unconfined_service_t", "initrc_t", "init_t", "ntop_t",
};

// Aliases RHEL's policy defines that guides use (the new name -> the RHEL primary).
struct alias_row {
    std::string_view alias, primary;
};
constexpr alias_row rhel_aliases[] = {
    {"httpd_runtime_t", "httpd_var_run_t"},
};

bool is_identifier(std::string_view s) {
    if (s.empty() || s.size() > 128) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

class builtin_policy final : public policy_view {
public:
    std::string description() const override {
        return "built-in knowledge of the RHEL targeted policy (assumed, no policy read)";
    }
    bool assumed() const override { return true; }

    std::optional<std::string> canonical_type(std::string_view name) const override {
        for (auto& a : rhel_aliases)
            if (a.alias == name) return std::string(a.primary);
        if (!is_identifier(name)) return std::nullopt;
        return std::string(name);
    }

    std::optional<port_label> port_type(std::string_view proto, int port) const override {
        if (port < 0 || port > 65535) return std::nullopt;
        if (proto != "tcp" && proto != "udp" && proto != "sctp" && proto != "dccp") return std::nullopt;
        const port_row* best = nullptr;
        bool exact = false;
        for (auto& r : rhel_ports) {
            if (r.proto != proto || port < r.low || port > r.high) continue;
            if (r.low == port && r.high == port) exact = true;
            if (best == nullptr || r.high - r.low < best->high - best->low) best = &r;
        }
        if (best == nullptr) return port_label{std::string(default_port_type), 0, 0, false, true};
        return port_label{std::string(best->type), best->low, best->high, exact, false};
    }

    std::optional<bool> boolean_value(std::string_view name) const override {
        for (auto& b : rhel_booleans) {
            if (b.name != name) continue;
            auto it = values_.find(std::string(name));
            return it != values_.end() ? it->second : b.default_value;
        }
        return std::nullopt;
    }
    std::vector<std::string> boolean_names() const override {
        std::vector<std::string> out;
        for (auto& b : rhel_booleans) out.emplace_back(b.name);
        std::sort(out.begin(), out.end());
        return out;
    }
    bool booleans_from_host() const override { return from_host_; }
    void set_booleans(const boolean_overrides& values) override {
        for (auto& [name, value] : values)
            if (boolean_value(name)) values_[name] = value;
        from_host_ = true;
    }

    bool known_permission(std::string_view tclass, std::string_view perm) const override {
        return is_identifier(tclass) && is_identifier(perm);
    }
    bool permissive_type(std::string_view) const override { return false; }

    bool allowed(const access& a, const boolean_overrides& overrides) const override {
        for (auto& r : rhel_rules)
            if (rule_grants(r, a) && rule_on(r, overrides)) return true;
        return false;
    }

    std::vector<boolean_choice> boolean_choices(const access& a, bool count_grants) const override {
        std::vector<boolean_choice> out;
        if (allowed(a, {})) return out;
        for (auto& b : rhel_booleans) {
            bool flipped = !*boolean_value(b.name);
            boolean_overrides change{{std::string(b.name), flipped}};
            if (allowed(a, change))
                out.push_back(
                    {std::string(b.name), flipped, count_grants ? boolean_delta(change, {}).gained : 0});
        }
        std::sort(out.begin(), out.end(), [](const boolean_choice& x, const boolean_choice& y) {
            return x.grants != y.grants ? x.grants < y.grants : x.name < y.name;
        });
        return out;
    }
    std::vector<std::pair<std::string, std::string>> boolean_pairs_allowing(const access&) const override {
        return {};  // no rule in the table needs two booleans
    }

    pair_delta boolean_delta(const boolean_overrides& change, const pair_filter& filter) const override {
        // Estimate from the table: the (source, target, class, perm) tuples of the rules
        // the change enables, "port_type" counted as the port types the table knows.
        std::set<std::string> before, after;
        for (int phase = 0; phase < 2; ++phase) {
            auto& out = phase == 0 ? before : after;
            for (auto& r : rhel_rules) {
                if (!filter.source.empty() && r.source != filter.source) continue;
                if (!filter.tclass.empty() && r.tclass != filter.tclass) continue;
                if (!rule_on(r, phase == 0 ? boolean_overrides{} : change)) continue;
                for (auto& t : expand(r.target))
                    out.insert(std::string(r.source) + ' ' + t + ' ' + std::string(r.tclass) + ' ' +
                               std::string(r.perm));
            }
        }
        pair_delta d;
        for (auto& x : after) d.gained += before.count(x) == 0 ? 1 : 0;
        for (auto& x : before) d.lost += after.count(x) == 0 ? 1 : 0;
        return d;
    }

    pair_delta relabel_delta(std::string_view old_type, std::string_view new_type, std::string_view tclass,
                             const boolean_overrides& overrides) const override {
        auto sources = [&](std::string_view type) {
            std::set<std::string> s;
            for (auto& r : rhel_rules)
                if (r.tclass == tclass && target_matches(r.target, type) && rule_on(r, overrides))
                    s.insert(std::string(r.source) + ' ' + std::string(r.perm));
            return s;
        };
        auto o = sources(old_type), n = sources(new_type);
        pair_delta d;
        for (auto& x : n) d.gained += o.count(x) == 0 ? 1 : 0;
        for (auto& x : o) d.lost += n.count(x) == 0 ? 1 : 0;
        return d;
    }

    std::vector<std::string> types_allowing(std::string_view source, std::string_view tclass,
                                            const std::vector<std::string>& perms,
                                            bool allow_conditional) const override {
        std::set<std::string> candidates;
        for (auto& r : rhel_rules)
            if (r.source == source && r.tclass == tclass)
                for (auto& t : expand(r.target)) candidates.insert(t);
        std::vector<std::string> out;
        for (auto& t : candidates) {
            bool all = !perms.empty();
            for (auto& p : perms) {
                bool any = false;
                for (auto& r : rhel_rules)
                    if (r.source == source && r.tclass == tclass && r.perm == p &&
                        target_matches(r.target, t) &&
                        (r.boolean.empty() || (allow_conditional && rule_on(r, {}))))
                        any = true;
                all = all && any;
            }
            if (all) out.push_back(t);
        }
        return out;
    }

    bool has_attribute(std::string_view type, std::string_view attr) const override {
        if (attr == "port_type")
            return type == default_port_type ||
                   (type.size() > 7 && type.substr(type.size() - 7) == "_port_t");
        if (attr == "domain")
            return std::find(std::begin(rhel_domains), std::end(rhel_domains), type) !=
                   std::end(rhel_domains);
        return false;
    }
    std::vector<std::string> attribute_members(std::string_view attr) const override {
        std::set<std::string> out;
        if (attr == "port_type") {
            for (auto& r : rhel_ports) out.insert(std::string(r.type));
            out.insert(std::string(default_port_type));
        } else if (attr == "domain") {
            for (auto d : rhel_domains) out.insert(std::string(d));
        }
        return {out.begin(), out.end()};
    }

    uint64_t pairs_on_target(std::string_view type, std::string_view tclass,
                             std::string_view except_source) const override {
        std::set<std::string> s;
        for (auto& r : rhel_rules)
            if (r.tclass == tclass && target_matches(r.target, type) && rule_on(r, {}) &&
                r.source != except_source)
                s.insert(std::string(r.source) + ' ' + std::string(r.perm));
        return s.size();
    }

private:
    bool target_matches(std::string_view rule_target, std::string_view type) const {
        if (rule_target == "port_type") return has_attribute(type, "port_type");
        auto canon = canonical_type(type);
        return canon && *canon == rule_target;
    }
    bool rule_grants(const rule_row& r, const access& a) const {
        return r.source == a.source && r.tclass == a.tclass && r.perm == a.perm &&
               target_matches(r.target, a.target);
    }
    bool rule_on(const rule_row& r, const boolean_overrides& overrides) const {
        if (r.boolean.empty()) return true;
        auto it = overrides.find(std::string(r.boolean));
        if (it != overrides.end()) return it->second;
        return boolean_value(r.boolean).value_or(false);
    }
    std::vector<std::string> expand(std::string_view target) const {
        if (target == "port_type") return attribute_members("port_type");
        return {std::string(target)};
    }

    std::map<std::string, bool> values_;
    bool from_host_ = false;
};

}  // namespace

std::unique_ptr<policy_view> builtin_rhel() {
    return std::make_unique<builtin_policy>();
}

}  // namespace why502::policy

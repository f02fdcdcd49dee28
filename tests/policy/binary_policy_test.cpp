// The libsepol implementation against Debian's real policy, each answer checked with an
// independent oracle (seinfo, sesearch, audit2why) on the same file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <tuple>

#include "policy/policy.hpp"
#include "oracle.hpp"

namespace why502::policy {
namespace {

using test::debian_policy;

const policy_view& debian() {
    static std::unique_ptr<policy_view> p = [] {
        auto r = load_binary(debian_policy);
        return r ? std::move(r.value()) : nullptr;
    }();
    return *p;
}

std::string temp_path(const std::string& name) {
    return std::string(WHY502_BINARY_DIR) + "/tests/" + name + "." + std::to_string(getpid());
}

TEST(PolicyLoad, MissingFileIsOneLineNamingIt) {
    auto r = load_binary("/nonexistent/policy.33");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "/nonexistent/policy.33: cannot open: No such file or directory");
}

TEST(PolicyLoad, TextFileIsNotAPolicy) {
    std::string path = temp_path("not_a_policy");
    std::ofstream(path) << "this is not a policy\n";
    auto r = load_binary(path);
    std::remove(path.c_str());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message.rfind(path + ": not a binary SELinux policy", 0), 0u) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
}

TEST(PolicyLoad, EmptyAndDirectoryAreErrors) {
    std::string path = temp_path("empty_policy");
    std::ofstream(path).flush();
    auto r = load_binary(path);
    std::remove(path.c_str());
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, path + ": not a binary SELinux policy");
    auto d = load_binary("/");
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().message.rfind("/: ", 0), 0u) << d.error().message;
}

TEST(PolicyLoad, TruncatedRealPolicyIsRejectedNotCrashed) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    std::ifstream in(debian_policy, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (size_t cut : {size_t{12}, size_t{4096}, all.size() / 3, all.size() - 100}) {
        std::string path = temp_path("truncated_policy");
        std::ofstream(path, std::ios::binary).write(all.data(), static_cast<std::streamsize>(cut));
        auto r = load_binary(path);
        std::remove(path.c_str());
        ASSERT_FALSE(r.ok()) << cut;
        EXPECT_EQ(r.error().message.rfind(path + ": not a binary SELinux policy", 0), 0u)
            << r.error().message;
    }
}

TEST(PolicyLoad, ReadsDebianPolicy) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    auto r = load_binary(debian_policy);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_FALSE((*r)->assumed());
    EXPECT_FALSE((*r)->booleans_from_host());
    EXPECT_EQ((*r)->description(), "policy.33 at " + debian_policy);
}

TEST(PolicyLoad, LiveIsAClearErrorWhenSelinuxIsDisabled) {
    if (test::file_exists("/sys/fs/selinux/enforce")) GTEST_SKIP() << "SELinux is enabled here";
    auto r = load_live();
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("SELinux is disabled"), std::string::npos) << r.error().message;
}

// The kernel's port rule vs every record seinfo lists for the port: the narrowest
// matching range wins (CIL sorts them so), no record -> the port initial SID (port_t).
TEST(PolicyPorts, MatchSeinfoPortcon) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    WHY502_REQUIRE_TOOLS("seinfo");
    const auto& p = debian();
    struct probe {
        int port;
        std::vector<std::string> protos;
    };
    const probe probes[] = {
        {3000, {"tcp", "udp"}}, {3001, {"tcp"}},       {8080, {"tcp", "udp"}},  {9000, {"tcp"}},
        {80, {"tcp", "udp"}},   {443, {"tcp", "udp"}}, {18080, {"tcp", "udp"}}, {65535, {"tcp", "udp"}},
        {1, {"tcp"}},           {511, {"tcp", "udp"}}, {512, {"tcp"}},          {1023, {"tcp"}},
        {1024, {"tcp"}},        {5432, {"tcp"}},       {6379, {"tcp"}},         {53, {"tcp", "udp"}},
        {8443, {"tcp"}},        {3306, {"tcp"}},       {5000, {"tcp"}},         {8000, {"tcp"}},
    };
    for (auto& pr : probes) {
        auto records = test::seinfo_portcon(debian_policy, pr.port);
        ASSERT_FALSE(records.empty()) << pr.port;
        for (auto& proto : pr.protos) {
            const test::portcon_record* best = nullptr;
            bool exact = false;
            for (auto& r : records) {
                if (r.proto != proto) continue;
                if (r.low == pr.port && r.high == pr.port) exact = true;
                if (best == nullptr || r.high - r.low < best->high - best->low) best = &r;
            }
            auto label = p.port_type(proto, pr.port);
            ASSERT_TRUE(label) << proto << "/" << pr.port;
            std::string want = best ? best->type : "port_t";
            EXPECT_EQ(label->type, want) << proto << "/" << pr.port;
            EXPECT_EQ(label->exact, exact) << proto << "/" << pr.port;
            EXPECT_EQ(label->is_default, best == nullptr) << proto << "/" << pr.port;
            if (best) {
                EXPECT_EQ(label->low, best->low);
                EXPECT_EQ(label->high, best->high);
            }
        }
    }
}

// semanage port -a fails "already defined" only for an exact record: the facts checked
// by hand on this policy.
TEST(PolicyPorts, AddOrModifyFollowsTheExactRecordRule) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    const auto& p = debian();
    EXPECT_FALSE(p.port_type("tcp", 3000)->exact);   // inside ntop_port_t 3000-3001: -a
    EXPECT_FALSE(p.port_type("tcp", 18080)->exact);  // inside unreserved 1024-65535: -a
    EXPECT_TRUE(p.port_type("tcp", 8080)->exact);    // http_cache_port_t: -m
    EXPECT_TRUE(p.port_type("tcp", 9000)->exact);    // cslistener_port_t: -m
    EXPECT_EQ(p.port_type("tcp", 3000)->type, "ntop_port_t");
    EXPECT_EQ(p.port_type("tcp", 18080)->type, "unreserved_port_t");
    EXPECT_EQ(p.port_type("tcp", 8080)->type, "http_cache_port_t");
    EXPECT_EQ(p.port_type("tcp", 9000)->type, "cslistener_port_t");
    EXPECT_FALSE(p.port_type("tcp", 70000));
    EXPECT_FALSE(p.port_type("tcp", -1));
    EXPECT_FALSE(p.port_type("icmp", 80));
}

TEST(PolicyTypes, AliasesAndAttributes) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    WHY502_REQUIRE_TOOLS("seinfo");
    const auto& p = debian();
    // seinfo: "type httpd_runtime_t alias httpd_var_run_t, ..."
    auto line = test::run("seinfo -t httpd_var_run_t -x " + text::shell_quote(debian_policy));
    EXPECT_NE(line.find("type httpd_runtime_t alias httpd_var_run_t"), std::string::npos) << line;
    EXPECT_EQ(p.canonical_type("httpd_var_run_t"), "httpd_runtime_t");
    EXPECT_EQ(p.canonical_type("httpd_runtime_t"), "httpd_runtime_t");
    EXPECT_EQ(p.canonical_type("no_such_type_t"), std::nullopt);
    EXPECT_EQ(p.canonical_type("port_type"), std::nullopt);  // an attribute, not a type
    EXPECT_EQ(p.canonical_type(std::string("httpd_t\0x", 9)), std::nullopt);

    auto attrs = test::seinfo_attributes(debian_policy);
    ASSERT_TRUE(attrs.count("port_type"));
    auto members = p.attribute_members("port_type");
    EXPECT_EQ(std::set<std::string>(members.begin(), members.end()), attrs["port_type"]);
    EXPECT_GT(members.size(), 200u);
    EXPECT_TRUE(p.has_attribute("ntop_port_t", "port_type"));
    EXPECT_TRUE(p.has_attribute("httpd_t", "domain"));
    EXPECT_FALSE(p.has_attribute("httpd_t", "port_type"));
    EXPECT_TRUE(p.attribute_members("httpd_t").empty());
}

TEST(PolicyBooleans, ValuesMatchSeinfoAndOverridesApply) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    WHY502_REQUIRE_TOOLS("seinfo");
    auto values = test::seinfo_booleans(debian_policy);
    ASSERT_GT(values.size(), 200u);
    const auto& p = debian();
    auto names = p.boolean_names();
    EXPECT_EQ(names.size(), values.size());
    for (auto& [name, value] : values) EXPECT_EQ(p.boolean_value(name), value) << name;
    EXPECT_EQ(p.boolean_value("no_such_boolean"), std::nullopt);

    auto copy = load_binary(debian_policy);
    ASSERT_TRUE(copy.ok());
    // Asked before the host's values are applied: the kept answers must not outlive them.
    EXPECT_FALSE((*copy)->allowed({"httpd_t", "http_cache_port_t", "tcp_socket", "name_connect"}));
    auto relay_before = (*copy)->boolean_delta({{"httpd_can_network_relay", true}}, {});
    EXPECT_GT(relay_before.gained, 0u);
    (*copy)->set_booleans({{"httpd_can_network_relay", true}, {"not_a_boolean", true}});
    EXPECT_EQ((*copy)->boolean_delta({{"httpd_can_network_relay", true}}, {}).gained, 0u)
        << "already on: turning it on grants nothing";
    EXPECT_TRUE((*copy)->booleans_from_host());
    EXPECT_EQ((*copy)->boolean_value("httpd_can_network_relay"), true);
    EXPECT_TRUE((*copy)->allowed({"httpd_t", "http_cache_port_t", "tcp_socket", "name_connect"}));
    EXPECT_FALSE(p.allowed({"httpd_t", "http_cache_port_t", "tcp_socket", "name_connect"}));
}

// allowed() against sesearch: for each (source, class) one sesearch listing, expanded
// with seinfo's attribute members and evaluated with the same boolean values.
TEST(PolicyAllowed, AgreesWithSesearchOnCorpus) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    WHY502_REQUIRE_TOOLS("seinfo", "sesearch");
    const auto& p = debian();
    auto attrs = test::seinfo_attributes(debian_policy);
    auto defaults = test::seinfo_booleans(debian_policy);
    struct corpus_row {
        std::string source, tclass;
        std::vector<std::string> perms;
        std::vector<std::string> targets;  // empty: every port type
    };
    const std::vector<corpus_row> corpus = {
        {"httpd_t", "tcp_socket", {"name_connect", "name_bind"}, {}},
        {"httpd_t",
         "sock_file",
         {"write", "getattr", "create"},
         {"httpd_runtime_t", "var_run_t", "default_t", "httpd_rw_content", "httpd_sys_rw_content_t",
          "httpd_tmp_t", "nscd_runtime_t", "pcscd_runtime_t", "devlog_t", "mysqld_runtime_t", "tmp_t"}},
        {"httpd_t",
         "unix_stream_socket",
         {"connectto"},
         {"unconfined_t", "initrc_t", "httpd_sys_script_t", "nscd_t", "pcscd_t", "mysqld_t", "httpd_t",
          "setrans_t", "init_t"}},
        {"httpd_sys_script_t", "tcp_socket", {"name_connect"}, {}},
        {"ntop_t", "tcp_socket", {"name_bind", "name_connect"}, {}},
    };
    const std::vector<boolean_overrides> states = {
        {},
        {{"httpd_can_network_relay", true}},
        {{"httpd_graceful_shutdown", true}},
        {{"httpd_can_network_connect", true}},
        {{"httpd_can_network_connect", true}, {"httpd_enable_cgi", true}},
        {{"allow_kerberos", true}, {"nscd_use_shm", true}},
        {{"allow_ypbind", true}},
    };
    // One listing per source for every class of the corpus (each sesearch run costs
    // about a second of start-up, and its output a lot of Python: keep both small).
    std::map<std::string, std::vector<test::te_rule>> listing;
    for (auto& row : corpus)
        if (!listing.count(row.source))
            listing[row.source] = test::sesearch(
                debian_policy, "-s " + row.source + " -c tcp_socket,sock_file,unix_stream_socket");
    size_t checked = 0, allowed_count = 0;
    for (auto& row : corpus) {
        std::vector<test::te_rule> mine;
        for (auto& r : listing[row.source])
            if (r.tclass == row.tclass && test::stands_for(r.source, row.source, attrs)) mine.push_back(r);
        ASSERT_FALSE(mine.empty()) << row.source << " " << row.tclass;
        auto rules = test::expand_rules(mine, attrs);
        auto targets = row.targets;
        if (targets.empty()) targets.assign(attrs["port_type"].begin(), attrs["port_type"].end());
        for (auto& st : states) {
            auto values = defaults;
            for (auto& [k, v] : st) values[k] = v;
            for (auto& t : targets) {
                for (auto& perm : row.perms) {
                    bool want = false;
                    for (auto& r : rules)
                        if (r.rule.perms.count(perm) && r.targets.count(t) && r.rule.enabled(values))
                            want = true;
                    bool got = p.allowed({row.source, t, row.tclass, perm}, st);
                    EXPECT_EQ(got, want) << row.source << " " << t << ":" << row.tclass << " " << perm
                                         << " overrides=" << st.size();
                    ++checked;
                    allowed_count += got ? 1 : 0;
                }
            }
        }
    }
    EXPECT_GT(checked, 5000u);
    EXPECT_GT(allowed_count, 100u);
    // A few single questions straight from `sesearch -s S -t T -c C -p P`.
    for (auto [s, t, c, perm] : {std::tuple{"httpd_t", "dns_port_t", "tcp_socket", "name_connect"},
                                 std::tuple{"httpd_t", "ntop_port_t", "tcp_socket", "name_connect"},
                                 std::tuple{"httpd_t", "httpd_runtime_t", "sock_file", "write"}}) {
        auto rules =
            test::sesearch(debian_policy, std::string("-s ") + s + " -t " + t + " -c " + c + " -p " + perm);
        bool want = false;
        for (auto& r : rules) want = want || r.enabled(defaults);
        EXPECT_EQ(p.allowed({s, t, c, perm}), want) << s << " " << t;
    }
}

// Aliases as targets and unknown names.
TEST(PolicyAllowed, AliasesResolveUnknownsAreDenied) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    const auto& p = debian();
    EXPECT_TRUE(p.allowed({"httpd_t", "httpd_var_run_t", "sock_file", "write"}));
    EXPECT_FALSE(p.allowed({"httpd_t", "no_such_t", "sock_file", "write"}));
    EXPECT_FALSE(p.allowed({"httpd_t", "httpd_var_run_t", "sock_file", "no_such_perm"}));
    EXPECT_FALSE(p.allowed({"httpd_t", "httpd_var_run_t", "no_such_class", "write"}));
    EXPECT_TRUE(p.known_permission("tcp_socket", "name_connect"));
    EXPECT_TRUE(p.known_permission("tcp_socket", "read"));  // from the common "socket"
    EXPECT_FALSE(p.known_permission("tcp_socket", "connectto"));
    EXPECT_FALSE(p.permissive_type("httpd_t"));
}

// booleans_allowing() against audit2why on the same denials (audit2why lists every
// boolean, NIS included: so must the policy layer; the fix layer filters).
TEST(PolicyBooleans, BooleansAllowingMatchAudit2why) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    WHY502_REQUIRE_TOOLS("audit2why");
    const auto& p = debian();
    const std::vector<access> corpus = {
        {"httpd_t", "unreserved_port_t", "tcp_socket", "name_connect"},
        {"httpd_t", "ntop_port_t", "tcp_socket", "name_connect"},
        {"httpd_t", "http_cache_port_t", "tcp_socket", "name_connect"},
        {"httpd_t", "http_port_t", "tcp_socket", "name_connect"},
        {"httpd_t", "postgresql_port_t", "tcp_socket", "name_connect"},
        {"httpd_t", "memcache_port_t", "tcp_socket", "name_connect"},
        {"httpd_t", "ldap_port_t", "tcp_socket", "name_connect"},
        {"httpd_t", "smtp_port_t", "tcp_socket", "name_connect"},
        {"httpd_t", "kerberos_port_t", "tcp_socket", "name_connect"},
        {"httpd_t", "cslistener_port_t", "tcp_socket", "name_connect"},
        {"httpd_sys_script_t", "unreserved_port_t", "tcp_socket", "name_connect"},
        {"httpd_t", "unconfined_t", "unix_stream_socket", "connectto"},
        {"httpd_t", "pcscd_t", "unix_stream_socket", "connectto"},
        {"httpd_t", "var_run_t", "sock_file", "write"},
        {"httpd_t", "pcscd_runtime_t", "sock_file", "write"},
        {"httpd_t", "httpd_runtime_t", "sock_file", "write"},  // allowed: no boolean
    };
    std::string path = temp_path("avc_corpus");
    {
        std::ofstream out(path);
        int serial = 100;
        for (auto& a : corpus) {
            bool domain = a.tclass == "unix_stream_socket";
            out << "type=AVC msg=audit(1782900842.123:" << serial++ << "): avc:  denied  { " << a.perm
                << " } for  pid=1234 comm=\"nginx\" scontext=system_u:system_r:" << a.source
                << ":s0 tcontext=system_u:" << (domain ? "system_r:" : "object_r:") << a.target
                << ":s0 tclass=" << a.tclass << " permissive=0\n";
        }
    }
    auto expected = test::audit2why_booleans(debian_policy, path);
    std::remove(path.c_str());
    ASSERT_EQ(expected.size(), corpus.size());
    size_t with_booleans = 0;
    for (size_t i = 0; i < corpus.size(); ++i) {
        std::map<std::string, bool> got;
        for (auto& c : p.boolean_choices(corpus[i])) got[c.name] = c.value;
        EXPECT_EQ(got, expected[i]) << corpus[i].source << " " << corpus[i].target << ":" << corpus[i].tclass;
        with_booleans += got.empty() ? 0 : 1;
    }
    EXPECT_GE(with_booleans, 10u);
    // The classic case: both "explain" it, the NIS one grants far more.
    auto c = p.boolean_choices(corpus[0]);
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(c[0].name, "httpd_can_network_connect");
    EXPECT_EQ(c[1].name, "allow_ypbind");
    EXPECT_LT(c[0].grants, c[1].grants);
    EXPECT_EQ(p.booleans_allowing(corpus[2]),
              (std::vector<std::string>{"httpd_can_network_relay", "httpd_can_network_connect"}));
}

TEST(PolicyBooleans, PairsWhenNoSingleBooleanOfTheDomainSuffices) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    const auto& p = debian();
    // allow httpd_sys_script_t port_type:tcp_socket name_connect; [ httpd_can_network_connect &&
    // httpd_enable_cgi ]
    auto pairs =
        p.boolean_pairs_allowing({"httpd_sys_script_t", "unreserved_port_t", "tcp_socket", "name_connect"});
    ASSERT_FALSE(pairs.empty());
    auto& first = pairs.front();
    std::set<std::string> got{first.first, first.second};
    EXPECT_EQ(got, (std::set<std::string>{"httpd_can_network_connect", "httpd_enable_cgi"}));
    EXPECT_TRUE(p.allowed({"httpd_sys_script_t", "unreserved_port_t", "tcp_socket", "name_connect"},
                          {{"httpd_can_network_connect", true}, {"httpd_enable_cgi", true}}));
    EXPECT_TRUE(p.boolean_pairs_allowing({"httpd_t", "httpd_runtime_t", "sock_file", "write"}).empty());
}

// httpd_can_network_connect lets httpd_t reach every member of port_type: the count
// is |port_type| minus the types httpd_t may already reach (dns_port_t, via
// nsswitch_domain), both from seinfo/sesearch.
TEST(PolicyGrants, NetworkConnectGrantsEveryPortTypeNotYetAllowed) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    WHY502_REQUIRE_TOOLS("seinfo", "sesearch");
    const auto& p = debian();
    auto attrs = test::seinfo_attributes(debian_policy);
    auto defaults = test::seinfo_booleans(debian_policy);
    const auto& ports = attrs["port_type"];
    auto rules = test::sesearch(debian_policy, "-s httpd_t -c tcp_socket -p name_connect");
    std::set<std::string> already;
    for (auto& r : rules)
        if (r.enabled(defaults))
            for (auto& t : test::expand(r.target, attrs)) already.insert(t);
    size_t want = 0;
    for (auto& t : ports) want += already.count(t) ? 0 : 1;
    auto got = p.boolean_delta({{"httpd_can_network_connect", true}}, {"httpd_t", "tcp_socket"}).gained;
    EXPECT_EQ(got, want);
    EXPECT_EQ(want, ports.size() - 1);  // dns_port_t only
    EXPECT_GT(want, 200u);
}

// The whole count of a boolean, recomputed from sesearch -b: the rules the change
// enables, expanded, minus what each (source, class) is allowed today.
uint64_t oracle_grants(const std::string& boolean, const std::map<std::string, std::set<std::string>>& attrs,
                       const std::map<std::string, bool>& defaults) {
    auto after = defaults;
    after[boolean] = !after[boolean];
    std::set<std::tuple<std::string, std::string, std::string, std::string>> added;
    std::set<std::string> classes;
    for (auto& r : test::sesearch(debian_policy, "-b " + boolean)) {
        if (!r.enabled(after) || r.enabled(defaults)) continue;
        classes.insert(r.tclass);
        for (auto& s : test::expand(r.source, attrs))
            for (auto& t : test::expand(r.target, attrs))
                for (auto& perm : r.perms) added.insert({s, t, r.tclass, perm});
    }
    if (added.empty()) return 0;
    std::string list;
    for (auto& c : classes) list += (list.empty() ? "" : ",") + c;
    // Per (source, class): the rules that apply to it today, targets expanded once.
    std::map<std::string, std::vector<test::te_rule>> today;
    std::map<std::pair<std::string, std::string>, std::vector<test::expanded_rule>> by_source;
    uint64_t n = 0;
    for (auto& [s, t, c, perm] : added) {
        auto key = std::make_pair(s, c);
        if (!by_source.count(key)) {
            if (!today.count(s)) today[s] = test::sesearch(debian_policy, "-s " + s + " -c " + list);
            std::vector<test::te_rule> mine;
            for (auto& r : today[s])
                if (r.tclass == c && test::stands_for(r.source, s, attrs)) mine.push_back(r);
            by_source[key] = test::expand_rules(mine, attrs);
        }
        bool before = false;
        for (auto& r : by_source[key])
            if (r.rule.perms.count(perm) && r.targets.count(t) && r.rule.enabled(defaults)) before = true;
        n += before ? 0 : 1;
    }
    return n;
}

TEST(PolicyGrants, BooleanDeltaMatchesSesearchExpansion) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    WHY502_REQUIRE_TOOLS("seinfo", "sesearch");
    const auto& p = debian();
    auto attrs = test::seinfo_attributes(debian_policy);
    auto defaults = test::seinfo_booleans(debian_policy);
    for (const char* b :
         {"httpd_can_network_relay", "httpd_graceful_shutdown", "httpd_can_network_connect"}) {
        uint64_t want = oracle_grants(b, attrs, defaults);
        EXPECT_EQ(p.grants_of_booleans({{b, true}}), want) << b;
        EXPECT_GT(want, 0u) << b;
    }
    EXPECT_EQ(p.grants_of_booleans({}), 0u);
    EXPECT_EQ(p.grants_of_booleans({{"httpd_graceful_shutdown", false}}), 0u);  // already off
}

TEST(PolicyRelabel, DeltaCountsWhatOtherDomainsGainAndLose) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    WHY502_REQUIRE_TOOLS("seinfo", "sesearch");
    const auto& p = debian();
    auto attrs = test::seinfo_attributes(debian_policy);
    auto defaults = test::seinfo_booleans(debian_policy);
    // Oracle: sources x perms allowed on each type (sesearch -t T -c tcp_socket).
    auto on = [&](const std::string& type) {
        std::set<std::pair<std::string, std::string>> out;
        for (auto& r : test::sesearch(debian_policy, "-t " + type + " -c tcp_socket"))
            if (r.enabled(defaults))
                for (auto& s : test::expand(r.source, attrs))
                    for (auto& perm : r.perms) out.insert({s, perm});
        return out;
    };
    auto old_t = on("ntop_port_t"), new_t = on("http_port_t");
    uint64_t gained = 0, lost = 0;
    for (auto& x : new_t) gained += old_t.count(x) ? 0 : 1;
    for (auto& x : old_t) lost += new_t.count(x) ? 0 : 1;
    auto d = p.relabel_delta("ntop_port_t", "http_port_t", "tcp_socket");
    EXPECT_EQ(d.gained, gained);
    EXPECT_EQ(d.lost, lost);
    EXPECT_TRUE(old_t.count({"ntop_t", "name_bind"}));  // ntop loses its port
    EXPECT_GT(d.lost, 0u);
    EXPECT_EQ(p.pairs_on_target("ntop_port_t", "tcp_socket"), old_t.size());
    EXPECT_EQ(p.pairs_on_target("ntop_port_t", "tcp_socket", "ntop_t"),
              old_t.size() -
                  std::count_if(old_t.begin(), old_t.end(), [](auto& x) { return x.first == "ntop_t"; }));
}

// Socket-file types vs `sesearch -A -s httpd_t -c sock_file -p write`.
TEST(PolicyTypesAllowing, SocketFileTypesMatchSesearch) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    WHY502_REQUIRE_TOOLS("seinfo", "sesearch");
    const auto& p = debian();
    auto attrs = test::seinfo_attributes(debian_policy);
    auto defaults = test::seinfo_booleans(debian_policy);
    std::set<std::string> uncond, current;
    for (auto& r : test::sesearch(debian_policy, "-s httpd_t -c sock_file -p write")) {
        for (auto& t : test::expand(r.target, attrs)) {
            if (r.expr.empty()) uncond.insert(t);
            if (r.enabled(defaults)) current.insert(t);
        }
    }
    auto got = p.types_allowing("httpd_t", "sock_file", {"write"}, false);
    EXPECT_EQ(std::set<std::string>(got.begin(), got.end()), uncond);
    auto got_cond = p.types_allowing("httpd_t", "sock_file", {"write"}, true);
    EXPECT_EQ(std::set<std::string>(got_cond.begin(), got_cond.end()), current);
    EXPECT_TRUE(uncond.count("httpd_runtime_t"));
    EXPECT_FALSE(uncond.count("pcscd_runtime_t"));  // only under allow_kerberos
    // Several permissions at once: the intersection.
    auto both = p.types_allowing("httpd_t", "sock_file", {"write", "create"}, false);
    EXPECT_LT(both.size(), got.size());
    EXPECT_NE(std::find(both.begin(), both.end(), "httpd_runtime_t"), both.end());
}

}  // namespace
}  // namespace why502::policy

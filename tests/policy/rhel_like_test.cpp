// A small policy with RHEL-like defaults (tests/fixtures/policy/rhel_like.conf),
// compiled by checkpolicy in the test: the same denial gets a different, still
// correct fix than on Debian's policy — there the relabel needs a boolean too, here
// the label alone works.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <iterator>

#include "diagnose/selinux_fixes.hpp"
#include "oracle.hpp"

namespace why502::policy {
namespace {

// Compiles the fixture once per process (each test binary process builds its own copy:
// ctest runs tests in parallel).
const std::string& rhel_like_path() {
    static std::string path = [] {
        std::string out =
            std::string(WHY502_BINARY_DIR) + "/tests/rhel_like." + std::to_string(getpid()) + ".33";
        std::string cmd =
            text::shell_quote(std::string(WHY502_SOURCE_DIR) + "/tests/fixtures/policy/build.sh") + " " +
            text::shell_quote(out);
        return std::system(cmd.c_str()) == 0 ? out : std::string();
    }();
    return path;
}

struct compiled_policy {
    std::unique_ptr<policy_view> view;
    ~compiled_policy() {
        if (!rhel_like_path().empty()) std::remove(rhel_like_path().c_str());
    }
};

const policy_view* rhel_like() {
    static compiled_policy p{[]() -> std::unique_ptr<policy_view> {
        if (rhel_like_path().empty()) return nullptr;
        auto r = load_binary(rhel_like_path());
        return r ? std::move(r.value()) : nullptr;
    }()};
    return p.view.get();
}

#define REQUIRE_RHEL_LIKE()                                                              \
    do {                                                                                 \
        WHY502_REQUIRE_TOOLS("checkpolicy");                                             \
        ASSERT_NE(rhel_like(), nullptr) << "the fixture policy did not compile or load"; \
    } while (0)

diagnose::selinux_case ntop_3000() {
    return {"selinux.name_connect",
            "httpd_t",
            "ntop_port_t",
            "tcp_socket",
            {"name_connect"},
            "tcp",
            3000,
            "",
            "",
            true};
}

TEST(RhelLikePolicy, CompilesAndReadsItsFacts) {
    REQUIRE_RHEL_LIKE();
    const auto& p = *rhel_like();
    EXPECT_EQ(p.boolean_value("httpd_graceful_shutdown"), true);
    EXPECT_EQ(p.boolean_value("httpd_can_network_connect"), false);
    EXPECT_EQ(p.canonical_type("httpd_runtime_t"), "httpd_var_run_t");
    EXPECT_TRUE(p.allowed({"httpd_t", "http_port_t", "tcp_socket", "name_connect"}));
    EXPECT_TRUE(p.allowed({"httpd_t", "http_port_t", "tcp_socket", "name_connect"},
                          {{"httpd_graceful_shutdown", false}}));
    EXPECT_EQ(p.port_type("tcp", 9000)->type, "http_port_t");
    EXPECT_TRUE(p.port_type("tcp", 9000)->exact);
    auto gap = p.port_type("tcp", 40000);  // no record covers 32768-60999 here
    ASSERT_TRUE(gap);
    EXPECT_EQ(gap->type, "port_t");
    EXPECT_TRUE(gap->is_default);
    EXPECT_FALSE(p.port_type("udp", 80)->exact);
}

// The small policy against sesearch/seinfo exhaustively: every domain x type x class x
// permission, under every combination of its booleans.
TEST(RhelLikePolicy, AgreesWithSesearchEverywhere) {
    REQUIRE_RHEL_LIKE();
    WHY502_REQUIRE_TOOLS("sesearch", "seinfo");
    const auto& p = *rhel_like();
    const std::string& path = rhel_like_path();
    auto attrs = test::seinfo_attributes(path);
    auto defaults = test::seinfo_booleans(path);
    ASSERT_EQ(defaults.size(), 5u);
    auto rules = test::parse_sesearch(test::run("sesearch -A " + text::shell_quote(path)));
    ASSERT_GT(rules.size(), 10u);
    std::vector<std::string> names;
    for (auto& [n, v] : defaults) names.push_back(n);
    const std::vector<std::pair<std::string, std::vector<std::string>>> classes = {
        {"tcp_socket", {"name_connect", "name_bind"}},
        {"sock_file", {"write", "create"}},
        {"unix_stream_socket", {"connectto"}}};
    size_t checked = 0;
    for (unsigned mask = 0; mask < (1u << names.size()); ++mask) {
        boolean_overrides o;
        auto values = defaults;
        for (size_t i = 0; i < names.size(); ++i) values[names[i]] = o[names[i]] = ((mask >> i) & 1) != 0;
        for (auto& s : attrs["domain"])
            for (auto& [c, perms] : classes)
                for (auto& t :
                     {"http_port_t", "http_cache_port_t", "ntop_port_t", "unreserved_port_t", "port_t",
                      "squid_port_t", "httpd_var_run_t", "var_run_t", "httpd_sys_script_t", "unconfined_t"})
                    for (auto& perm : perms) {
                        bool want = test::rules_allow(rules, s, t, c, perm, attrs, values);
                        EXPECT_EQ(p.allowed({s, t, c, perm}, o), want)
                            << s << " " << t << ":" << c << " " << perm << " mask=" << mask;
                        ++checked;
                    }
    }
    EXPECT_GT(checked, 10000u);
}

TEST(RhelLikePolicy, PortsMatchSeinfo) {
    REQUIRE_RHEL_LIKE();
    WHY502_REQUIRE_TOOLS("seinfo");
    const auto& p = *rhel_like();
    for (int port : {80, 443, 3000, 3001, 3128, 8080, 9000, 18080, 1, 600, 65535}) {
        auto records = test::seinfo_portcon(rhel_like_path(), port);
        const test::portcon_record* best = nullptr;
        for (auto& r : records)
            if (r.proto == "tcp" && (best == nullptr || r.high - r.low < best->high - best->low)) best = &r;
        ASSERT_TRUE(best) << port;
        EXPECT_EQ(p.port_type("tcp", port)->type, best->type) << port;
    }
}

// The same denial, two policies, two correct answers.
TEST(RhelLikePolicy, SameDenialDifferentFixThanDebian) {
    REQUIRE_RHEL_LIKE();
    std::vector<std::string> warnings;
    auto here = diagnose::build_selinux_fixes(*rhel_like(), ntop_3000(), warnings);
    ASSERT_FALSE(here.empty());
    EXPECT_EQ(here[0].id, "label-port");
    EXPECT_TRUE(here[0].least_privilege);
    EXPECT_TRUE(here[0].verified);
    EXPECT_EQ(here[0].commands, (std::vector<std::string>{"semanage port -a -t http_port_t -p tcp 3000"}));
    auto delta = rhel_like()->relabel_delta("ntop_port_t", "http_port_t", "tcp_socket");
    EXPECT_EQ(here[0].grants, delta.gained);
    EXPECT_EQ(here[0].revokes, 1u);  // ntop_t name_bind
    // nis_enabled allows it too; it is never offered.
    auto choices = rhel_like()->booleans_allowing({"httpd_t", "ntop_port_t", "tcp_socket", "name_connect"});
    EXPECT_EQ(std::set<std::string>(choices.begin(), choices.end()),
              (std::set<std::string>{"httpd_can_network_connect", "nis_enabled"}));
    for (auto& f : here)
        for (auto& c : f.commands) EXPECT_EQ(c.find("nis_enabled"), std::string::npos);
    ASSERT_EQ(here.size(), 2u);
    EXPECT_EQ(here[1].commands, (std::vector<std::string>{"setsebool -P httpd_can_network_connect 1"}));
    EXPECT_TRUE(warnings.empty());

    if (!test::file_exists(test::debian_policy)) GTEST_SKIP() << "no Debian policy to compare with";
    auto debian = load_binary(test::debian_policy);
    ASSERT_TRUE(debian.ok());
    auto there = diagnose::build_selinux_fixes(**debian, ntop_3000(), warnings);
    ASSERT_FALSE(there.empty());
    EXPECT_EQ(there[0].id, "label-port");
    EXPECT_TRUE(there[0].verified);
    EXPECT_EQ(there[0].commands.size(), 2u);  // setsebool + semanage
    EXPECT_EQ(there[0].commands.back(), here[0].commands.back());
}

// The host's current boolean values (live mode) decide, not the file's defaults: with
// httpd_can_network_connect already on, the denial is not explained by this policy.
TEST(RhelLikePolicy, HostBooleanValuesAreUsed) {
    REQUIRE_RHEL_LIKE();
    auto r = load_binary(rhel_like_path());
    ASSERT_TRUE(r.ok());
    (*r)->set_booleans({{"httpd_can_network_connect", true}});
    std::vector<std::string> warnings;
    auto fixes = diagnose::build_selinux_fixes(**r, ntop_3000(), warnings);
    EXPECT_TRUE(fixes.empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("allows"), std::string::npos);
}

TEST(RhelLikePolicy, SocketTypeIsThePrimaryName) {
    REQUIRE_RHEL_LIKE();
    diagnose::selinux_case c{
        "selinux.socket_file_label", "httpd_t", "var_run_t", "sock_file", {"write"}, "tcp", -1,
        "/run/php/app.sock",         "",        true};
    std::vector<std::string> warnings;
    auto fixes = diagnose::build_selinux_fixes(*rhel_like(), c, warnings);
    ASSERT_EQ(fixes.size(), 1u);
    EXPECT_TRUE(fixes[0].verified);
    EXPECT_EQ(fixes[0].commands[0], "semanage fcontext -a -t httpd_var_run_t '/run/php(/.*)?'");
    EXPECT_EQ(fixes[0].commands[1], "restorecon -Rv /run/php");
}

TEST(RhelLikePolicy, BooleanPairWhenOnlyTwoTogetherAllow) {
    REQUIRE_RHEL_LIKE();
    const auto& p = *rhel_like();
    auto pairs =
        p.boolean_pairs_allowing({"httpd_sys_script_t", "ntop_port_t", "tcp_socket", "name_connect"});
    ASSERT_EQ(pairs.size(), 1u);
    EXPECT_EQ(std::set<std::string>({pairs[0].first, pairs[0].second}),
              (std::set<std::string>{"httpd_can_network_connect", "httpd_enable_cgi"}));
    diagnose::selinux_case c{"selinux.name_connect",
                             "httpd_sys_script_t",
                             "ntop_port_t",
                             "tcp_socket",
                             {"name_connect"},
                             "tcp",
                             3000,
                             "",
                             "",
                             false};
    std::vector<std::string> warnings;
    auto fixes = diagnose::build_selinux_fixes(p, c, warnings);
    ASSERT_EQ(fixes.size(), 1u);
    EXPECT_EQ(fixes[0].id, "boolean");
    EXPECT_EQ(fixes[0].commands.size(), 2u);
    EXPECT_TRUE(fixes[0].verified);
}

}  // namespace
}  // namespace why502::policy

namespace why502::policy {
namespace {

// Damaged policies are rejected with a message, never a crash: thousands of seeded byte
// flips and cuts of the compiled fixture, each loaded and, when libsepol accepts it,
// asked every kind of question (what fuzz/fuzz_policy_load.cpp does with a fuzzer).
TEST(RhelLikePolicy, DamagedImagesNeverCrash) {
    REQUIRE_RHEL_LIKE();
    std::ifstream in(rhel_like_path(), std::ios::binary);
    std::vector<char> good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(good.size(), 1000u);
    uint64_t state = 0x9E3779B97F4A7C15ull;
    auto next = [&] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    size_t accepted = 0, rejected = 0;
    for (int i = 0; i < 3000; ++i) {
        std::vector<char> img = good;
        if (i % 10 == 0) {
            img.resize(next() % img.size());
        } else {
            int flips = 1 + static_cast<int>(next() % 4);
            for (int k = 0; k < flips; ++k) img[next() % img.size()] = static_cast<char>(next());
        }
        auto r = load_binary_image("damaged", std::move(img));
        if (!r) {
            ++rejected;
            EXPECT_EQ(r.error().message.rfind("damaged: ", 0), 0u);
            EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
            continue;
        }
        ++accepted;
        const auto& p = **r;
        (void)p.port_type("tcp", static_cast<int>(next() % 65536));
        access a{"httpd_t", "ntop_port_t", "tcp_socket", "name_connect"};
        (void)p.allowed(a);
        (void)p.boolean_choices(a);
        (void)p.boolean_pairs_allowing(a);
        for (auto& b : p.boolean_names()) (void)p.boolean_delta({{b, true}});
        (void)p.relabel_delta("ntop_port_t", "http_port_t", "tcp_socket");
        (void)p.types_allowing("httpd_t", "sock_file", {"write"}, true);
        (void)p.pairs_on_target("http_port_t", "tcp_socket", "httpd_t");
    }
    EXPECT_GT(rejected, 100u);
    EXPECT_GT(accepted, 100u);  // damaged names, flags, rules: libsepol takes them, we query them
    EXPECT_EQ(accepted + rejected, 3000u);
}

}  // namespace
}  // namespace why502::policy

// Fix strategies on Debian's real policy: the classic web-proxy denials checked in
// detail (ids, exact commands, proof, grants), the counts against seinfo/sesearch and
// the booleans against audit2why.
#include <filesystem>
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "diagnose/selinux_fixes.hpp"
#include "oracle.hpp"

namespace why502::diagnose {
namespace {

using test::debian_policy;

const policy::policy_view& debian() {
    static std::unique_ptr<policy::policy_view> p = [] {
        auto r = policy::load_binary(debian_policy);
        return r ? std::move(r.value()) : nullptr;
    }();
    return *p;
}

selinux_case name_connect(const std::string& target, int port) {
    selinux_case c;
    c.cause = "selinux.name_connect";
    c.source_type = "httpd_t";
    c.target_type = target;
    c.tclass = "tcp_socket";
    c.permissions = {"name_connect"};
    c.port = port;
    return c;
}

const fix* find(const std::vector<fix>& fixes, const std::string& id) {
    for (auto& f : fixes)
        if (f.id == id) return &f;
    return nullptr;
}

// Booleans a fix turns on, from its commands.
std::set<std::string> booleans_in(const std::vector<fix>& fixes) {
    std::set<std::string> out;
    for (auto& f : fixes)
        for (auto& c : f.commands) {
            auto w = test::words_of(c);
            if (w.size() == 4 && w[0] == "setsebool") out.insert(w[2]);
        }
    return out;
}

void expect_ordered(const std::vector<fix>& fixes) {
    ASSERT_FALSE(fixes.empty());
    int recommended = 0;
    for (auto& f : fixes) recommended += f.least_privilege ? 1 : 0;
    EXPECT_EQ(recommended, 1);
    // Grants never decrease along the list, except that a last-resort module comes last.
    uint64_t last = 0;
    for (auto& f : fixes) {
        if (f.id == "local-module" || f.id == "see-dontaudit" || !f.grants) continue;
        EXPECT_GE(*f.grants, last) << f.id;
        last = *f.grants;
    }
}

// Splits a command line as sh would, by asking sh: proves the quoting round-trips.
std::vector<std::string> sh_words(const std::string& cmd) {
    std::string script = "for w in " + cmd.substr(cmd.find(' ') + 1) + "; do printf '%s\\037' \"$w\"; done";
    std::string out = test::run("sh -c " + text::shell_quote(script));
    std::vector<std::string> words;
    size_t start = 0, sep;
    while ((sep = out.find('\037', start)) != std::string::npos) {
        words.push_back(out.substr(start, sep - start));
        start = sep + 1;
    }
    return words;
}

// 3000 is ntop_port_t (inside the 3000-3001 record). On this policy httpd_t reaches
// http_port_t only when httpd_graceful_shutdown or httpd_can_network_relay is on: the
// relabel carries the narrower of the two.
TEST(SelinuxFixes, Port3000NtopOnDebian) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    const auto& p = debian();
    std::vector<std::string> warnings;
    auto fixes = build_selinux_fixes(p, name_connect("ntop_port_t", 3000), warnings);
    EXPECT_TRUE(warnings.empty());
    expect_ordered(fixes);
    ASSERT_EQ(fixes.size(), 2u);
    const fix& label = fixes[0];
    EXPECT_EQ(label.id, "label-port");
    EXPECT_TRUE(label.least_privilege);
    EXPECT_TRUE(label.verified);
    EXPECT_FALSE(label.assumed);
    EXPECT_EQ(label.commands, (std::vector<std::string>{"setsebool -P httpd_graceful_shutdown 1",
                                                        "semanage port -a -t http_port_t -p tcp 3000"}));
    // Proof, redone here: the boolean alone does not allow ntop_port_t; with it, the new
    // type is reachable.
    EXPECT_FALSE(p.allowed({"httpd_t", "ntop_port_t", "tcp_socket", "name_connect"},
                           {{"httpd_graceful_shutdown", true}}));
    EXPECT_FALSE(p.allowed({"httpd_t", "http_port_t", "tcp_socket", "name_connect"}));
    EXPECT_TRUE(p.allowed({"httpd_t", "http_port_t", "tcp_socket", "name_connect"},
                          {{"httpd_graceful_shutdown", true}}));
    auto delta =
        p.relabel_delta("ntop_port_t", "http_port_t", "tcp_socket", {{"httpd_graceful_shutdown", true}});
    ASSERT_TRUE(label.grants && label.revokes);
    EXPECT_EQ(*label.grants, p.grants_of_booleans({{"httpd_graceful_shutdown", true}}) + delta.gained);
    EXPECT_EQ(*label.revokes, delta.lost);
    EXPECT_GT(*label.revokes, 0u);  // ntop_t can no longer bind its port
    ASSERT_EQ(label.changes.size(), 2u);
    EXPECT_EQ(label.changes[0].kind, "seboolean");
    EXPECT_EQ(label.changes[1].kind, "seport");
    EXPECT_EQ(label.changes[1].args.at("setype"), "http_port_t");
    EXPECT_EQ(label.changes[1].args.at("ports"), "3000");

    const fix& b = fixes[1];
    EXPECT_EQ(b.id, "boolean");
    EXPECT_EQ(b.commands, (std::vector<std::string>{"setsebool -P httpd_can_network_connect 1"}));
    EXPECT_TRUE(b.verified);
    EXPECT_EQ(b.grants, p.grants_of_booleans({{"httpd_can_network_connect", true}}));
}

// httpd_can_network_connect's blast radius: every member of port_type (seinfo) but
// those httpd_t may already reach (sesearch), for httpd_t's name_connect alone.
TEST(SelinuxFixes, NetworkConnectGrantsMatchPortTypeMembers) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    WHY502_REQUIRE_TOOLS("seinfo", "sesearch");
    const auto& p = debian();
    auto attrs = test::seinfo_attributes(debian_policy);
    auto defaults = test::seinfo_booleans(debian_policy);
    auto rules = test::sesearch(debian_policy, "-s httpd_t -c tcp_socket -p name_connect");
    size_t already = 0;
    for (auto& t : attrs["port_type"])
        already +=
            test::rules_allow(rules, "httpd_t", t, "tcp_socket", "name_connect", attrs, defaults) ? 1 : 0;
    uint64_t want = attrs["port_type"].size() - already;
    EXPECT_EQ(p.boolean_delta({{"httpd_can_network_connect", true}}, {"httpd_t", "tcp_socket"}).gained, want);
    std::vector<std::string> warnings;
    auto fixes = build_selinux_fixes(p, name_connect("unreserved_port_t", 18080), warnings);
    const fix* b = find(fixes, "boolean");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->commands.front(), "setsebool -P httpd_can_network_connect 1");
    // The fix's count is the whole boolean: more than httpd_t's name_connect pairs.
    ASSERT_TRUE(b->grants);
    EXPECT_GE(*b->grants, want);
    EXPECT_NE(b->note.find(std::to_string(*b->grants)), std::string::npos);
}

// 18080 is unreserved_port_t (the 1024-65535 default): -a. audit2why names two
// booleans, one of them NIS: the fix list is audit2why's minus NIS.
TEST(SelinuxFixes, Port18080NeverProposesNis) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    WHY502_REQUIRE_TOOLS("audit2why");
    const auto& p = debian();
    std::vector<std::string> warnings;
    auto fixes = build_selinux_fixes(p, name_connect("unreserved_port_t", 18080), warnings);
    expect_ordered(fixes);
    ASSERT_GE(fixes.size(), 2u);
    EXPECT_EQ(fixes[0].id, "label-port");
    EXPECT_EQ(fixes[0].commands.back(), "semanage port -a -t http_port_t -p tcp 18080");
    EXPECT_TRUE(fixes[0].verified);

    std::string path = std::string(WHY502_BINARY_DIR) + "/tests/avc18080." + std::to_string(getpid());
    std::ofstream(path)
        << "type=AVC msg=audit(1782900842.123:501): avc:  denied  { name_connect } for  pid=1234 "
           "comm=\"nginx\" dest=18080 scontext=system_u:system_r:httpd_t:s0 "
           "tcontext=system_u:object_r:unreserved_port_t:s0 tclass=tcp_socket permissive=0\n";
    auto a2w = test::audit2why_booleans(debian_policy, path);
    std::remove(path.c_str());
    ASSERT_EQ(a2w.size(), 1u);
    EXPECT_TRUE(a2w[0].count("allow_ypbind"));
    std::set<std::string> want;
    for (auto& [name, value] : a2w[0])
        if (name != "allow_ypbind" && name != "nis_enabled") want.insert(name);
    // Booleans offered alone (the label-port one rides with a relabel).
    std::set<std::string> alone;
    for (auto& f : fixes)
        if (f.id == "boolean")
            for (auto& b : booleans_in({f})) alone.insert(b);
    EXPECT_EQ(alone, want);
    for (auto& b : booleans_in(fixes)) EXPECT_TRUE(boolean_relevant("httpd_t", b)) << b;
}

// 8080 is http_cache_port_t, an exact record: -m. httpd_can_network_relay alone allows
// it and is the narrowest; the relabel to http_port_t may not pair with relay (relay
// alone already fixes it).
TEST(SelinuxFixes, Port8080HttpCache) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    const auto& p = debian();
    std::vector<std::string> warnings;
    auto fixes = build_selinux_fixes(p, name_connect("http_cache_port_t", 8080), warnings);
    expect_ordered(fixes);
    ASSERT_EQ(fixes.size(), 3u);
    EXPECT_EQ(fixes[0].id, "boolean");
    EXPECT_EQ(fixes[0].commands, (std::vector<std::string>{"setsebool -P httpd_can_network_relay 1"}));
    EXPECT_EQ(fixes[0].grants, p.grants_of_booleans({{"httpd_can_network_relay", true}}));
    EXPECT_TRUE(fixes[0].least_privilege);
    EXPECT_EQ(fixes[1].id, "label-port");
    EXPECT_EQ(fixes[1].commands, (std::vector<std::string>{"setsebool -P httpd_graceful_shutdown 1",
                                                           "semanage port -m -t http_port_t -p tcp 8080"}));
    EXPECT_EQ(fixes[2].commands, (std::vector<std::string>{"setsebool -P httpd_can_network_connect 1"}));
    for (auto& f : fixes) EXPECT_TRUE(f.verified) << f.id;
}

TEST(SelinuxFixes, Port9000IsAnExactRecordAndPort80NeedsNoRelabel) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    const auto& p = debian();
    std::vector<std::string> warnings;
    auto f9000 = build_selinux_fixes(p, name_connect("cslistener_port_t", 9000), warnings);
    const fix* label = find(f9000, "label-port");
    ASSERT_TRUE(label);
    EXPECT_EQ(label->commands.back(), "semanage port -m -t http_port_t -p tcp 9000");
    // Port 80 is already http_port_t: only booleans, narrowest first.
    auto f80 = build_selinux_fixes(p, name_connect("http_port_t", 80), warnings);
    EXPECT_FALSE(find(f80, "label-port"));
    ASSERT_EQ(f80.size(), 3u);
    EXPECT_EQ(f80[0].commands.front(), "setsebool -P httpd_graceful_shutdown 1");
    EXPECT_EQ(f80[1].commands.front(), "setsebool -P httpd_can_network_relay 1");
    EXPECT_EQ(f80[2].commands.front(), "setsebool -P httpd_can_network_connect 1");
    expect_ordered(f80);
}

TEST(SelinuxFixes, PermissiveDenialGetsTheSameFixes) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    const auto& p = debian();
    std::vector<std::string> w1, w2;
    auto enforcing = build_selinux_fixes(p, name_connect("ntop_port_t", 3000), w1);
    auto c = name_connect("ntop_port_t", 3000);
    c.cause = "selinux.permissive_denial";
    auto permissive = build_selinux_fixes(p, c, w2);
    ASSERT_EQ(permissive.size(), enforcing.size());
    for (size_t i = 0; i < permissive.size(); ++i) {
        EXPECT_EQ(permissive[i].id, enforcing[i].id);
        EXPECT_EQ(permissive[i].commands, enforcing[i].commands);
        EXPECT_EQ(permissive[i].grants, enforcing[i].grants);
    }
}

// errno 13, no AVC: first the step that makes the denial visible, then the fixes for
// what the policy denies (the port's type read from the policy).
TEST(SelinuxFixes, UnloggedDenialStartsWithDontauditStep) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    const auto& p = debian();
    selinux_case c;
    c.cause = "selinux.unlogged_denial";
    c.source_type = "httpd_t";
    c.port = 3000;
    std::vector<std::string> warnings;
    auto fixes = build_selinux_fixes(p, c, warnings);
    ASSERT_GE(fixes.size(), 2u);
    EXPECT_EQ(fixes[0].id, "see-dontaudit");
    EXPECT_EQ(fixes[0].commands.front(), "semodule -DB");
    EXPECT_EQ(fixes[0].commands.back(), "semodule -B");
    EXPECT_FALSE(fixes[0].least_privilege);
    EXPECT_EQ(fixes[1].id, "label-port");
    EXPECT_TRUE(fixes[1].least_privilege);
    EXPECT_EQ(fixes[1].commands.back(), "semanage port -a -t http_port_t -p tcp 3000");
}

selinux_case socket_case(const std::string& path) {
    selinux_case c;
    c.cause = "selinux.socket_file_label";
    c.source_type = "httpd_t";
    c.target_type = "var_run_t";
    c.tclass = "sock_file";
    c.permissions = {"write"};
    c.socket_path = path;
    return c;
}

// The type comes from the policy: one httpd_t may write as sock_file with no boolean
// (sesearch's list), the primary name of httpd_var_run_t.
TEST(SelinuxFixes, SocketFileLabel) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    WHY502_REQUIRE_TOOLS("sesearch", "seinfo");
    const auto& p = debian();
    std::vector<std::string> warnings;
    auto fixes = build_selinux_fixes(p, socket_case("/run/app/app.sock"), warnings);
    ASSERT_EQ(fixes.size(), 1u);
    const fix& f = fixes[0];
    EXPECT_EQ(f.id, "label-socket");
    EXPECT_TRUE(f.least_privilege);
    EXPECT_TRUE(f.verified);
    EXPECT_EQ(f.commands,
              (std::vector<std::string>{"semanage fcontext -a -t httpd_runtime_t '/run/app(/.*)?'",
                                        "restorecon -Rv /run/app"}));
    auto attrs = test::seinfo_attributes(debian_policy);
    std::set<std::string> writable;
    for (auto& r : test::sesearch(debian_policy, "-s httpd_t -c sock_file -p write"))
        if (r.expr.empty())
            for (auto& t : test::expand(r.target, attrs)) writable.insert(t);
    EXPECT_TRUE(writable.count("httpd_runtime_t"));
    EXPECT_FALSE(writable.count("var_run_t"));
    auto delta = p.relabel_delta("var_run_t", "httpd_runtime_t", "sock_file");
    EXPECT_EQ(f.grants, delta.gained);
    EXPECT_EQ(f.revokes, delta.lost);
    ASSERT_EQ(f.changes.size(), 2u);
    EXPECT_EQ(f.changes[0].kind, "sefcontext");
    EXPECT_EQ(f.changes[0].args.at("target"), "/run/app(/.*)?");
    EXPECT_EQ(f.changes[1].kind, "restorecon");
}

TEST(SelinuxFixes, SocketPathIsEscapedQuotedOrDeclined) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    const auto& p = debian();
    std::vector<std::string> warnings;
    // Regex metacharacters escaped, the word single-quoted; sh reads back the intended words.
    auto fixes = build_selinux_fixes(p, socket_case("/srv/my app[1]/it's.sock"), warnings);
    ASSERT_EQ(fixes.size(), 1u);
    auto semanage = sh_words(fixes[0].commands[0]);
    EXPECT_EQ(semanage, (std::vector<std::string>{"fcontext", "-a", "-t", "httpd_runtime_t",
                                                  "/srv/my app\\[1\\](/.*)?"}));
    auto restorecon = sh_words(fixes[0].commands[1]);
    EXPECT_EQ(restorecon, (std::vector<std::string>{"-Rv", "/srv/my app[1]"}));
    // A shared directory: only the socket file, and a note to move it.
    auto tmp = build_selinux_fixes(p, socket_case("/tmp/app.sock"), warnings);
    ASSERT_EQ(tmp.size(), 1u);
    EXPECT_EQ(tmp[0].commands,
              (std::vector<std::string>{"semanage fcontext -a -t httpd_runtime_t '/tmp/app\\.sock'",
                                        "restorecon -v /tmp/app.sock"}));
    EXPECT_NE(tmp[0].note.find("directory of its own"), std::string::npos);
    // Newline in the path: no command at all, a warning instead.
    warnings.clear();
    auto nl = build_selinux_fixes(p, socket_case("/run/app\n/x.sock"), warnings);
    EXPECT_TRUE(nl.empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("declined"), std::string::npos);
    EXPECT_EQ(warnings[0].find('\n'), std::string::npos);
}

// connectto on an unconfined backend: say which domain it runs in, the confined domains
// httpd_t may reach, and a local module as the last resort — whose text compiles.
TEST(SelinuxFixes, UnixSocketConnectToUnconfinedBackend) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    const auto& p = debian();
    selinux_case c;
    c.cause = "selinux.unix_socket_connect";
    c.source_type = "httpd_t";
    c.target_type = "unconfined_t";
    c.peer_domain = "unconfined_t";
    c.tclass = "unix_stream_socket";
    c.permissions = {"connectto"};
    c.socket_path = "/run/app/app.sock";
    std::vector<std::string> warnings;
    auto fixes = build_selinux_fixes(p, c, warnings);
    ASSERT_EQ(fixes.size(), 2u);
    EXPECT_EQ(fixes[0].id, "confine-backend");
    EXPECT_TRUE(fixes[0].least_privilege);
    EXPECT_NE(fixes[0].note.find("unconfined_t"), std::string::npos);
    EXPECT_NE(fixes[0].note.find("httpd_sys_script_t"), std::string::npos);
    EXPECT_TRUE(p.allowed({"httpd_t", "httpd_sys_script_t", "unix_stream_socket", "connectto"}));
    const fix& m = fixes.back();
    EXPECT_EQ(m.id, "local-module");
    EXPECT_TRUE(m.verified);
    EXPECT_EQ(m.grants, 1u);
    ASSERT_EQ(m.changes.size(), 1u);
    const std::string& te = m.changes[0].args.at("te");
    EXPECT_EQ(te.rfind("module why502_local 1.0;", 0), 0u);
    EXPECT_NE(te.find("allow httpd_t unconfined_t:unix_stream_socket connectto;"), std::string::npos);
    ASSERT_EQ(m.commands.size(), 2u);
    EXPECT_EQ(m.commands[1],
              "checkmodule -M -m -o why502_local.mod why502_local.te && semodule_package -o "
              "why502_local.pp -m why502_local.mod && semodule -i why502_local.pp");
    if (!test::have_tool("checkmodule")) GTEST_SKIP() << "checkmodule not installed";
    // Run the fix's own first command in a scratch directory (it only writes the .te)
    // and compile the result: the text is valid policy language.
    std::string dir = std::string(WHY502_BINARY_DIR) + "/tests/module." + std::to_string(getpid());
    ASSERT_EQ(std::system(("mkdir -p " + text::shell_quote(dir)).c_str()), 0);
    std::string script = "cd " + text::shell_quote(dir) + " && " + m.commands[0] +
                         " && checkmodule -M -m -o why502_local.mod why502_local.te >/dev/null";
    EXPECT_EQ(std::system(script.c_str()), 0);
    std::ifstream written(dir + "/why502_local.te");
    std::string text_written((std::istreambuf_iterator<char>(written)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text_written, te);
    // A module is not a kernel policy: load_binary says so.
    auto r = policy::load_binary(dir + "/why502_local.mod");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("policy module"), std::string::npos) << r.error().message;
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
}

TEST(SelinuxFixes, RejectsNonIdentifiersAndAllowedAccess) {
    WHY502_REQUIRE_DEBIAN_POLICY();
    const auto& p = debian();
    std::vector<std::string> warnings;
    auto bad = name_connect("ntop_port_t; rm -rf /", 3000);
    EXPECT_TRUE(build_selinux_fixes(p, bad, warnings).empty());
    ASSERT_EQ(warnings.size(), 1u);
    warnings.clear();
    // Already allowed (dns_port_t via nsswitch_domain): nothing to fix, say so.
    EXPECT_TRUE(build_selinux_fixes(p, name_connect("dns_port_t", 53), warnings).empty());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("allows"), std::string::npos);
}

TEST(SelinuxFixes, BooleanRelevance) {
    EXPECT_TRUE(boolean_relevant("httpd_t", "httpd_can_network_connect"));
    EXPECT_TRUE(boolean_relevant("httpd_t", "allow_httpd_anon_write"));
    EXPECT_FALSE(boolean_relevant("httpd_t", "allow_ypbind"));
    EXPECT_FALSE(boolean_relevant("httpd_t", "nis_enabled"));
    EXPECT_FALSE(boolean_relevant("httpd_t", "allow_kerberos"));
    EXPECT_TRUE(boolean_relevant("squid_t", "squid_connect_any"));
    EXPECT_FALSE(boolean_relevant("squid_t", "squidguard_x"));
    EXPECT_FALSE(boolean_relevant("squid_t", "httpd_can_network_connect"));
    EXPECT_TRUE(boolean_relevant("httpd_sys_script_t", "httpd_enable_cgi"));
}

// Without a policy: built-in RHEL knowledge, everything assumed, nothing verified.
TEST(SelinuxFixes, BuiltinFallbackIsAssumed) {
    auto p = policy::builtin_rhel();
    std::vector<std::string> warnings;
    auto fixes = build_selinux_fixes(*p, name_connect("ntop_port_t", 3000), warnings);
    ASSERT_GE(fixes.size(), 2u);
    EXPECT_EQ(fixes[0].id, "label-port");
    // RHEL targeted: httpd_t reaches http_port_t with no boolean.
    EXPECT_EQ(fixes[0].commands, (std::vector<std::string>{"semanage port -a -t http_port_t -p tcp 3000"}));
    for (auto& f : fixes) {
        EXPECT_TRUE(f.assumed) << f.id;
        EXPECT_FALSE(f.verified) << f.id;
        EXPECT_FALSE(f.grants) << f.id;
    }
    EXPECT_EQ(booleans_in(fixes), (std::set<std::string>{"httpd_can_network_connect"}));
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("no SELinux policy was read"), std::string::npos);
    // The warning is given once however many findings.
    build_selinux_fixes(*p, name_connect("unreserved_port_t", 18080), warnings);
    EXPECT_EQ(warnings.size(), 1u);
    auto sock = build_selinux_fixes(*p, socket_case("/run/app/app.sock"), warnings);
    ASSERT_EQ(sock.size(), 1u);
    EXPECT_EQ(sock[0].commands[0], "semanage fcontext -a -t httpd_var_run_t '/run/app(/.*)?'");
}

}  // namespace
}  // namespace why502::diagnose

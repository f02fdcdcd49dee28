// Host fact sources: /proc/net, ss, netstat captured in one run (they must agree), the
// live kernel as the oracle for /proc/net parsing, passwd/group against getpwnam, the
// ACL xattr against getfacl, sestatus/getsebool/semanage, nginx -V, run_command.
#include "host/sources.hpp"

#include <arpa/inet.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>

#include "host_test_util.hpp"

using namespace why502::host;
using why502::host_test::fixture;
using why502::host_test::temp_dir;

namespace {

using key = std::tuple<std::string, std::string, int, std::string, uint32_t>;

std::set<key> keys(const std::vector<listener>& ls, bool with_inode = true) {
    std::set<key> out;
    for (const auto& l : ls) out.emplace(l.proto, l.address, l.port, l.path, with_inode ? l.inode : 0);
    return out;
}

}  // namespace

TEST(host_sources, proc_net_fixtures_listen_rows_only) {
    auto tcp = parse_proc_net_tcp(fixture("proc_net_tcp"), false);
    auto tcp6 = parse_proc_net_tcp(fixture("proc_net_tcp6"), true);
    auto ux = parse_proc_net_unix(fixture("proc_net_unix"));
    // ESTABLISHED and TIME_WAIT rows are not listeners.
    EXPECT_EQ(keys(tcp),
              (std::set<key>{{"tcp", "0.0.0.0", 2024, "", 1076}, {"tcp", "127.0.0.1", 18431, "", 34783}}));
    EXPECT_EQ(keys(tcp6),
              (std::set<key>{{"tcp6", "::1", 18432, "", 34784}, {"tcp6", "::", 18433, "", 34785}}));
    EXPECT_EQ(keys(ux), (std::set<key>{{"unix", "", -1, "/tmp/why502_fixture_app.sock", 34786},
                                       {"unix", "", -1, "@why502_abstract", 34787}}));
}

TEST(host_sources, proc_net_ss_and_netstat_of_one_moment_agree) {
    std::vector<listener> from_proc = parse_proc_net_tcp(fixture("proc_net_tcp"), false);
    for (auto& l : parse_proc_net_tcp(fixture("proc_net_tcp6"), true)) from_proc.push_back(l);
    for (auto& l : parse_proc_net_unix(fixture("proc_net_unix"))) from_proc.push_back(l);
    auto from_netstat = parse_netstat(fixture("netstat_-W_-neopa"));
    EXPECT_EQ(keys(from_proc), keys(from_netstat));
    auto from_ss = parse_ss(fixture("ss_-peaonmi"));
    EXPECT_EQ(keys(from_ss), keys(from_proc));  // "*:18433" is the dual-stack [::]
    auto py = std::find_if(from_netstat.begin(), from_netstat.end(),
                           [](const listener& l) { return l.port == 18431; });
    ASSERT_NE(py, from_netstat.end());
    EXPECT_NE(py->process.find("python3 (pid "), std::string::npos);
    auto ss_py =
        std::find_if(from_ss.begin(), from_ss.end(), [](const listener& l) { return l.port == 18431; });
    ASSERT_NE(ss_py, from_ss.end());
    EXPECT_NE(ss_py->process.find("python3 (pid "), std::string::npos);
    EXPECT_NE(ss_py->inode, 0u);
}

TEST(host_sources, live_proc_net_shows_sockets_this_test_opens) {
    temp_dir t;
    int v4 = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(v4, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(listen(v4, 4), 0);
    socklen_t len = sizeof a;
    getsockname(v4, reinterpret_cast<sockaddr*>(&a), &len);
    int v6 = socket(AF_INET6, SOCK_STREAM, 0);
    sockaddr_in6 a6{};
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    bool have_v6 = bind(v6, reinterpret_cast<sockaddr*>(&a6), sizeof a6) == 0 && listen(v6, 4) == 0;
    len = sizeof a6;
    getsockname(v6, reinterpret_cast<sockaddr*>(&a6), &len);
    std::string path = (t.path / "live.sock").string();
    int ux = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un su{};
    su.sun_family = AF_UNIX;
    std::snprintf(su.sun_path, sizeof su.sun_path, "%s", path.c_str());
    ASSERT_EQ(bind(ux, reinterpret_cast<sockaddr*>(&su), sizeof su), 0);
    ASSERT_EQ(listen(ux, 4), 0);
    struct stat st4 {
    }, stux{};
    fstat(v4, &st4);
    fstat(ux, &stux);

    auto tcp = parse_proc_net_tcp(why502::host_test::slurp("/proc/net/tcp"), false);
    auto it =
        std::find_if(tcp.begin(), tcp.end(), [&](const listener& l) { return l.port == ntohs(a.sin_port); });
    ASSERT_NE(it, tcp.end());
    EXPECT_EQ(it->address, "127.0.0.1");
    EXPECT_EQ(it->inode, st4.st_ino);  // the socket inode the kernel gave this fd
    if (have_v6) {
        auto tcp6 = parse_proc_net_tcp(why502::host_test::slurp("/proc/net/tcp6"), true);
        auto i6 = std::find_if(tcp6.begin(), tcp6.end(),
                               [&](const listener& l) { return l.port == ntohs(a6.sin6_port); });
        ASSERT_NE(i6, tcp6.end());
        EXPECT_EQ(i6->address, "::1");
    }
    auto unixes = parse_proc_net_unix(why502::host_test::slurp("/proc/net/unix"));
    auto iu = std::find_if(unixes.begin(), unixes.end(), [&](const listener& l) { return l.path == path; });
    ASSERT_NE(iu, unixes.end());
    EXPECT_EQ(iu->inode, stux.st_ino);
    close(v4);
    close(v6);
    close(ux);
}

TEST(host_sources, passwd_and_group_match_getpwnam) {
    auto users = parse_passwd(why502::host_test::slurp("/etc/passwd"));
    auto groups = parse_group(why502::host_test::slurp("/etc/group"));
    for (const char* name : {"root", "www-data", "nobody"}) {
        SCOPED_TRACE(name);
        passwd* pw = getpwnam(name);
        ASSERT_NE(pw, nullptr);
        auto u = std::find_if(users.begin(), users.end(), [&](const account& a) { return a.name == name; });
        ASSERT_NE(u, users.end());
        EXPECT_EQ(u->id, pw->pw_uid);
        EXPECT_EQ(u->gid, pw->pw_gid);
        group* gr = getgrgid(pw->pw_gid);
        ASSERT_NE(gr, nullptr);
        auto g =
            std::find_if(groups.begin(), groups.end(), [&](const account& a) { return a.id == pw->pw_gid; });
        ASSERT_NE(g, groups.end());
        EXPECT_EQ(g->name, gr->gr_name);
    }
    auto g = parse_group("appsock:x:4242:www-data,nginx\nempty:x:7:\n");
    ASSERT_EQ(g.size(), 2u);
    EXPECT_EQ(g[0].members, (std::vector<std::string>{"www-data", "nginx"}));
    EXPECT_TRUE(g[1].members.empty());
}

TEST(host_sources, selinux_outputs) {
    auto st = parse_sestatus(fixture("sestatus_-v"));
    EXPECT_EQ(st.fields["selinux status"], "enabled");
    EXPECT_EQ(st.fields["current mode"], "enforcing");
    EXPECT_EQ(st.fields["loaded policy name"], "targeted");
    EXPECT_EQ(parse_sestatus(fixture("sestatus_disabled")).fields["selinux status"], "disabled");
    auto b = parse_getsebool(fixture("getsebool_-a"));
    EXPECT_EQ(b.size(), 7u);
    EXPECT_TRUE(b.at("httpd_can_network_relay"));
    EXPECT_FALSE(b.at("httpd_can_network_connect"));
    auto sb = parse_semanage_boolean(fixture("semanage_boolean_-l"));
    EXPECT_GT(sb.size(), 200u);
    EXPECT_FALSE(sb.at("httpd_can_network_connect"));
    EXPECT_EQ(sb.count("SELinux"), 0u);
    auto ports = parse_semanage_port(fixture("semanage_port_-l"));
    auto http = std::find_if(ports.begin(), ports.end(), [](const port_record& r) {
        return r.type == "http_port_t" && r.proto == "tcp";
    });
    ASSERT_NE(http, ports.end());
    EXPECT_NE(http->ports.find("8443"), std::string::npos);
    auto sb_lines = std::count(fixture("semanage_port_-l").begin(), fixture("semanage_port_-l").end(), '\n');
    EXPECT_EQ(static_cast<long>(ports.size()), sb_lines - 2);  // header and blank line
    auto cfg = parse_selinux_config("# c\nSELINUX=enforcing\nSELINUXTYPE=\"targeted\"\n");
    EXPECT_EQ(cfg["SELINUX"], "enforcing");
    EXPECT_EQ(cfg["SELINUXTYPE"], "targeted");
}

TEST(host_sources, nginx_v_and_apparmor) {
    auto v = parse_nginx_v(fixture("nginx_-V"));
    EXPECT_EQ(v["version"], "1.22.1");
    EXPECT_EQ(v["prefix"], "/usr/share/nginx");
    EXPECT_EQ(v["conf-path"], "/etc/nginx/nginx.conf");
    EXPECT_EQ(v["error-log-path"], "stderr");
    EXPECT_NE(v["with-cc-opt"].find("-O2"), std::string::npos);  // a quoted value with spaces
    auto p = parse_apparmor_profiles(fixture("apparmor_profiles"));
    EXPECT_EQ(p["nginx"], "enforce");
    EXPECT_EQ(p["lsb_release"], "complain");
    auto aa = parse_apparmor_profiles(fixture("aa-status"));
    EXPECT_EQ(aa.size(), 4u);
    EXPECT_EQ(aa["/usr/sbin/nginx"], "enforce");
    EXPECT_EQ(aa["lsb_release"], "complain");
}

TEST(host_sources, acl_xattr_and_getfacl_agree) {
    if (access("/usr/bin/setfacl", X_OK) != 0 || access("/usr/bin/getfacl", X_OK) != 0)
        GTEST_SKIP() << "setfacl/getfacl not installed (package acl)";
    temp_dir t;
    std::string f = (t.path / "a file").string();
    why502::host_test::write_file(f, "x");
    std::string out;
    ASSERT_EQ(why502::host_test::run({"/usr/bin/setfacl", "-m", "u:www-data:rw,g:nogroup:r,m::rw", f}, out),
              0)
        << out;
    char buf[1024];
    ssize_t n = getxattr(f.c_str(), "system.posix_acl_access", buf, sizeof buf);
    ASSERT_GT(n, 0);
    auto from_xattr = decode_posix_acl(std::string_view(buf, static_cast<size_t>(n)));
    ASSERT_TRUE(from_xattr.has_value());
    out.clear();
    ASSERT_EQ(why502::host_test::run({"/usr/bin/getfacl", f}, out), 0);
    auto users = parse_passwd(why502::host_test::slurp("/etc/passwd"));
    auto groups = parse_group(why502::host_test::slurp("/etc/group"));
    auto from_text = parse_getfacl(out, users, groups);
    ASSERT_EQ(from_text.size(), 1u);
    EXPECT_EQ(from_text.begin()->first, f);  // "# file: tmp/.../a\040file" decoded, made absolute
    const auto& e = from_text.begin()->second;
    ASSERT_EQ(e.size(), from_xattr->size());
    for (size_t i = 0; i < e.size(); ++i) {
        EXPECT_EQ(e[i].tag, (*from_xattr)[i].tag) << i;
        EXPECT_EQ(e[i].perm, (*from_xattr)[i].perm) << i;
        if (e[i].tag == acl_tag::user || e[i].tag == acl_tag::group) {
            EXPECT_EQ(e[i].id, (*from_xattr)[i].id) << i;
        }
    }
    EXPECT_FALSE(decode_posix_acl("\x02\x00\x00\x00\x01\x00").has_value());
    EXPECT_FALSE(decode_posix_acl(std::string("\x01\x00\x00\x00", 4)).has_value());
}

TEST(host_sources, run_command_is_bounded_and_shell_free) {
    auto r = run_command({"/bin/echo", "a b; $(id)"}, 2000);
    EXPECT_TRUE(r.started);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "a b; $(id)\n");  // no shell saw the argument
    auto slow = run_command({"/bin/sleep", "5"}, 200);
    EXPECT_TRUE(slow.timed_out);
    EXPECT_FALSE(run_command({"echo", "x"}, 1000).started);  // never searched through a shell
    EXPECT_FALSE(run_command({"/nonexistent/why502"}, 1000).started);
    auto err = run_command({"/bin/ls", "/nonexistent-why502"}, 2000);
    EXPECT_NE(err.exit_code, 0);
    EXPECT_FALSE(err.err.empty());
}

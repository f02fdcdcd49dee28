// Probes against loopback listeners this test opens (and a port it just closed),
// unix sockets (listening, not listening, missing, backlog full), listener hints, and
// the expected socket label checked against matchpathcon.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

#include "host/host.hpp"
#include "host_test_util.hpp"

using namespace why502::host;
using why502::host_test::temp_dir;

namespace {

struct tcp_listener {
    int fd = -1;
    int port = 0;
    explicit tcp_listener(int backlog = 16, bool v6 = false) {
        fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
        if (v6) {
            sockaddr_in6 a{};
            a.sin6_family = AF_INET6;
            a.sin6_addr = in6addr_loopback;
            if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
            socklen_t l = sizeof a;
            getsockname(fd, reinterpret_cast<sockaddr*>(&a), &l);
            port = ntohs(a.sin6_port);
        } else {
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
            socklen_t l = sizeof a;
            getsockname(fd, reinterpret_cast<sockaddr*>(&a), &l);
            port = ntohs(a.sin_port);
        }
        if (listen(fd, backlog) != 0) port = 0;
    }
    ~tcp_listener() {
        if (fd >= 0) close(fd);
    }
};

int unix_socket(const std::string& path, bool do_listen, int backlog = 16) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un su{};
    su.sun_family = AF_UNIX;
    std::snprintf(su.sun_path, sizeof su.sun_path, "%s", path.c_str());
    if (bind(fd, reinterpret_cast<sockaddr*>(&su), sizeof su) != 0) return -1;
    if (do_listen && listen(fd, backlog) != 0) return -1;
    return fd;
}

}  // namespace

TEST(probe, tcp_listener_refused_port_and_names) {
    tcp_listener l;
    ASSERT_GT(l.port, 0);
    auto ok = probe("127.0.0.1:" + std::to_string(l.port), 1000);
    EXPECT_TRUE(ok.attempted);
    EXPECT_TRUE(ok.connected) << ok.detail;
    EXPECT_EQ(ok.err, 0);
    EXPECT_LT(ok.ms, 1000);
    EXPECT_NE(ok.detail.find("connected to 127.0.0.1:"), std::string::npos);

    int closed_port = 0;
    {
        tcp_listener gone;
        closed_port = gone.port;
    }
    auto refused = probe("127.0.0.1:" + std::to_string(closed_port), 1000);
    EXPECT_TRUE(refused.attempted);
    EXPECT_FALSE(refused.connected);
    EXPECT_EQ(refused.err, ECONNREFUSED);
    EXPECT_NE(refused.detail.find("(111)"), std::string::npos) << refused.detail;

    // Scheme and URI are tolerated, as a config target would carry them.
    EXPECT_TRUE(probe("http://127.0.0.1:" + std::to_string(l.port) + "/x", 1000).connected);
    auto bad = probe("backend_pool", 1000);
    EXPECT_FALSE(bad.attempted);

    tcp_listener v6(16, true);
    if (v6.port > 0) {
        EXPECT_TRUE(probe("[::1]:" + std::to_string(v6.port), 1000).connected);
        // IPv6 only: 127.0.0.1 on that port is refused (the ::1 vs 127.0.0.1 case).
        EXPECT_EQ(probe("127.0.0.1:" + std::to_string(v6.port), 1000).err, ECONNREFUSED);
    }
}

TEST(probe, full_accept_queue_times_out_within_the_bound) {
    // Linux drops SYNs while the accept queue is full: the client waits, as for a
    // firewalled or hung backend.
    tcp_listener l(0);
    ASSERT_GT(l.port, 0);
    std::vector<int> fillers;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(l.port));
    for (int i = 0; i < 4; ++i) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        fillers.push_back(fd);
    }
    usleep(100 * 1000);
    auto r = probe("127.0.0.1:" + std::to_string(l.port), 300);
    for (int fd : fillers) close(fd);
    EXPECT_FALSE(r.connected);
    EXPECT_EQ(r.err, ETIMEDOUT) << r.detail;
    EXPECT_GE(r.ms, 250);
    EXPECT_LT(r.ms, 1500);
}

TEST(probe, unix_sockets) {
    temp_dir t;
    std::string up = (t.path / "up.sock").string();
    std::string bound = (t.path / "bound.sock").string();
    std::string full = (t.path / "full.sock").string();
    int a = unix_socket(up, true);
    int b = unix_socket(bound, false);
    int c = unix_socket(full, true, 0);
    ASSERT_GE(a, 0);
    ASSERT_GE(b, 0);
    ASSERT_GE(c, 0);
    auto r = probe("unix:" + up, 1000);
    EXPECT_TRUE(r.connected) << r.detail;
    EXPECT_TRUE(probe(up, 1000).connected);  // a bare path is a unix socket
    EXPECT_EQ(probe("unix:" + bound, 1000).err, ECONNREFUSED);
    EXPECT_EQ(probe("unix:" + (t.path / "missing.sock").string(), 1000).err, ENOENT);
    // Fill the listen queue: the next non-blocking connect gets EAGAIN (NGINX logs 11).
    std::vector<int> fillers;
    for (int i = 0; i < 8; ++i) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        sockaddr_un su{};
        su.sun_family = AF_UNIX;
        std::snprintf(su.sun_path, sizeof su.sun_path, "%s", full.c_str());
        int rc = connect(fd, reinterpret_cast<sockaddr*>(&su), sizeof su);
        fillers.push_back(fd);
        if (rc != 0 && errno == EAGAIN) break;
    }
    auto f = probe("unix:" + full, 500);
    EXPECT_EQ(f.err, EAGAIN) << f.detail;
    EXPECT_NE(f.detail.find("listen queue is full"), std::string::npos);
    for (int fd : fillers) close(fd);
    close(a);
    close(b);
    close(c);
}

TEST(listener_hint, families_wildcards_and_paths) {
    std::vector<listener> ls = {
        {"tcp6", "::1", 5000, "", 0, "python3 (pid 42)"},
        {"tcp", "0.0.0.0", 80, "", 0, ""},
        {"tcp6", "::", 8443, "", 0, ""},
        {"tcp", "127.0.0.1", 3000, "", 0, ""},
        {"unix", "", -1, "/run/php/php-fpm.sock", 0, ""},
    };
    EXPECT_EQ(listener_hint(ls, "127.0.0.1", 5000),
              "nothing listens on 127.0.0.1:5000, but something listens on [::1]:5000 (python3 (pid 42))");
    EXPECT_EQ(listener_hint(ls, "[::1]", 5000), "something listens on [::1]:5000 (python3 (pid 42))");
    EXPECT_EQ(listener_hint(ls, "127.0.0.1", 80), "something listens on 0.0.0.0:80 (all IPv4 addresses)");
    EXPECT_EQ(listener_hint(ls, "::1", 80),
              "nothing listens on [::1]:80, but something listens on 0.0.0.0:80");
    EXPECT_NE(listener_hint(ls, "127.0.0.1", 8443).find("something listens on [::]:8443"), std::string::npos);
    EXPECT_EQ(listener_hint(ls, "localhost", 3000), "something listens on 127.0.0.1:3000");
    EXPECT_EQ(listener_hint(ls, "127.0.0.1", 9000),
              "nothing listens on 127.0.0.1:9000 (no listening socket on port 9000 at all)");
    EXPECT_EQ(listener_hint(ls, "unix:/run/php/php-fpm.sock", -1),
              "something listens on unix:/run/php/php-fpm.sock");
    EXPECT_NE(listener_hint(ls, "/run/app.sock", -1).find("nothing listens on unix:/run/app.sock"),
              std::string::npos);
    EXPECT_EQ(listener_hint({}, "127.0.0.1", 5000), "");
}

TEST(socket_label, expected_label_matches_matchpathcon) {
    const char* path = "/run/php/why502-test.sock";
    file_label l = socket_label("/", path);
    if (access("/usr/sbin/matchpathcon", X_OK) != 0 || access("/etc/selinux/config", R_OK) != 0)
        GTEST_SKIP() << "matchpathcon or an installed policy is missing";
    std::string out;
    ASSERT_EQ(why502::host_test::run({"/usr/sbin/matchpathcon", "-m", "socket", path}, out), 0) << out;
    auto tab = out.find('\t');
    ASSERT_NE(tab, std::string::npos);
    std::string want = out.substr(tab + 1);
    while (!want.empty() && (want.back() == '\n' || want.back() == ' ')) want.pop_back();
    EXPECT_EQ(l.expected, want);
    // A file without a security.selinux attribute (SELinux off here) has no label.
    temp_dir t;
    why502::host_test::write_file(t.path / "x.sock", "");
    EXPECT_EQ(socket_label("/", (t.path / "x.sock").string()).actual, "");
}

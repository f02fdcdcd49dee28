// The DAC walk against the kernel: every case builds real directories and a real
// listening unix socket, asks check_socket_access, then forks a child that takes the
// user's uid and groups and calls connect() — the kernel's answer is the oracle.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "host/host.hpp"
#include "host_test_util.hpp"

namespace fs = std::filesystem;
using namespace why502::host;
using why502::host_test::temp_dir;

namespace {

struct ids {
    uid_t uid = 0;
    std::vector<gid_t> gids;
};

ids live_ids(const char* user) {
    ids out;
    passwd* pw = getpwnam(user);
    if (!pw) return out;
    out.uid = pw->pw_uid;
    int n = 64;
    std::vector<gid_t> g(64);
    getgrouplist(user, pw->pw_gid, g.data(), &n);
    g.resize(static_cast<size_t>(n));
    out.gids = g;
    return out;
}

// 0 when the kernel lets this identity connect, else the errno.
int kernel_connect(const ids& who, const std::string& path) {
    pid_t pid = fork();
    if (pid == 0) {
        if (setgroups(who.gids.size(), who.gids.data()) != 0 || setgid(who.gids.at(0)) != 0 ||
            setuid(who.uid) != 0)
            _exit(200);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un su{};
        su.sun_family = AF_UNIX;
        std::snprintf(su.sun_path, sizeof su.sun_path, "%s", path.c_str());
        int rc = connect(fd, reinterpret_cast<sockaddr*>(&su), sizeof su);
        _exit(rc == 0 ? 0 : errno);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

struct listening_socket {
    int fd = -1;
    explicit listening_socket(const std::string& path) {
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un su{};
        su.sun_family = AF_UNIX;
        std::snprintf(su.sun_path, sizeof su.sun_path, "%s", path.c_str());
        if (bind(fd, reinterpret_cast<sockaddr*>(&su), sizeof su) != 0 || listen(fd, 16) != 0) {
            close(fd);
            fd = -1;
        }
    }
    ~listening_socket() {
        if (fd >= 0) close(fd);
    }
};

void set(const fs::path& p, mode_t mode, uid_t uid = 0, gid_t gid = 0) {
    ASSERT_EQ(chown(p.c_str(), uid, gid), 0) << p;
    ASSERT_EQ(chmod(p.c_str(), mode), 0) << p;
}

bool have_setfacl() {
    return access("/usr/bin/setfacl", X_OK) == 0;
}

void setfacl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/usr/bin/setfacl"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out;
    ASSERT_EQ(why502::host_test::run(argv, out), 0) << out;
}

class dac : public ::testing::Test {
protected:
    void SetUp() override {
        if (geteuid() != 0) GTEST_SKIP() << "the DAC tests change owners and take other uids: run as root";
        www = live_ids("www-data");
        nobody = live_ids("nobody");
        if (www.gids.empty() || nobody.gids.empty()) GTEST_SKIP() << "users www-data and nobody are needed";
        dir = t.path / "run" / "app";
        fs::create_directories(dir);
        sock = (dir / "app.sock").string();
        listener = std::make_unique<listening_socket>(sock);
        ASSERT_GE(listener->fd, 0);
        set(t.path / "run", 0755);
        set(dir, 0755);
        set(sock, 0600);
    }

    // The verdict must agree with the kernel, for this user.
    dac_verdict agree(const char* user, const ids& who, bool want_allowed) {
        dac_verdict v = check_socket_access("/", sock, user);
        int k = kernel_connect(who, sock);
        EXPECT_TRUE(v.checked) << v.reason;
        EXPECT_TRUE(k == 0 || k == EACCES) << "unexpected errno " << k;
        EXPECT_EQ(v.allowed, k == 0) << user << ": " << v.reason << " / kernel errno " << k;
        EXPECT_EQ(v.allowed, want_allowed) << v.reason;
        return v;
    }

    temp_dir t;
    fs::path dir;
    std::string sock;
    std::unique_ptr<listening_socket> listener;
    ids www, nobody;
};

}  // namespace

TEST_F(dac, root_owned_0600_socket_denies_www_data) {
    dac_verdict v = agree("www-data", www, false);
    EXPECT_EQ(v.denying_path, sock);
    EXPECT_EQ(v.owner, "root");
    EXPECT_EQ(v.group, "root");
    EXPECT_EQ(v.mode, 0600u);
    EXPECT_FALSE(v.acl);
    EXPECT_NE(v.reason.find("www-data (uid 33"), std::string::npos) << v.reason;
    EXPECT_NE(v.reason.find("srw------- root:root"), std::string::npos) << v.reason;
    EXPECT_GE(v.walk.size(), 3u);
}

TEST_F(dac, world_writable_socket_allows) {
    set(sock, 0666);
    agree("www-data", www, true);
    agree("nobody", nobody, true);
}

TEST_F(dac, group_bits_for_the_primary_group) {
    set(sock, 0660, 0, www.gids[0]);
    dac_verdict v = agree("www-data", www, true);
    EXPECT_NE(v.reason.find("via group www-data"), std::string::npos) << v.reason;
    agree("nobody", nobody, false);
}

TEST_F(dac, directory_without_search_denies_before_the_socket) {
    set(sock, 0666);
    set(dir, 0700);
    dac_verdict v = agree("www-data", www, false);
    EXPECT_EQ(v.denying_path, dir.string());
    EXPECT_EQ(v.mode, 0700u);
    EXPECT_NE(v.reason.find("may not search (x) the directory"), std::string::npos) << v.reason;
    set(dir, 0750, 0, www.gids[0]);
    agree("www-data", www, true);
    agree("nobody", nobody, false);
}

TEST_F(dac, owner_bits_decide_for_the_owner_even_when_other_may) {
    set(sock, 0066, www.uid, 0);
    dac_verdict v = agree("www-data", www, false);
    EXPECT_EQ(v.owner, "www-data");
    agree("nobody", nobody, true);
}

TEST_F(dac, root_is_always_allowed) {
    set(dir, 0700);
    dac_verdict v = check_socket_access("/", sock, "root");
    EXPECT_TRUE(v.checked);
    EXPECT_TRUE(v.allowed);
    EXPECT_EQ(kernel_connect(ids{0, {0}}, sock), 0);
}

TEST_F(dac, symlinked_directory_is_followed) {
    set(dir, 0700);
    set(sock, 0666);
    fs::create_directory_symlink(dir, t.path / "link");
    std::string via_link = (t.path / "link" / "app.sock").string();
    dac_verdict v = check_socket_access("/", via_link, "www-data");
    EXPECT_TRUE(v.checked);
    EXPECT_FALSE(v.allowed);
    EXPECT_EQ(v.denying_path, dir.string());
    EXPECT_EQ(kernel_connect(www, via_link), EACCES);
}

TEST_F(dac, missing_socket_is_not_checked) {
    dac_verdict v = check_socket_access("/", (dir / "gone.sock").string(), "www-data");
    EXPECT_FALSE(v.checked);
    EXPECT_NE(v.reason.find("does not exist"), std::string::npos);
    dac_verdict u = check_socket_access("/", sock, "no-such-user-why502");
    EXPECT_FALSE(u.checked);
}

TEST_F(dac, acl_named_user_and_mask) {
    if (!have_setfacl()) GTEST_SKIP() << "setfacl not installed (package acl): ACL cases not run";
    setfacl({"-m", "u:www-data:rw", sock});
    dac_verdict v = agree("www-data", www, true);
    EXPECT_TRUE(v.acl);
    EXPECT_NE(v.reason.find("ACL entry user:www-data"), std::string::npos) << v.reason;
    agree("nobody", nobody, false);
    // The mask limits named entries: rw- & r-- has no write.
    setfacl({"-m", "m::r", sock});
    v = agree("www-data", www, false);
    EXPECT_TRUE(v.acl);
    // A named group entry, and search on a directory granted only by ACL.
    setfacl({"-b", sock});
    set(sock, 0600);
    setfacl({"-m", "g:nogroup:rw", sock});
    agree("nobody", nobody, true);
    set(dir, 0700);
    agree("nobody", nobody, false);
    setfacl({"-m", "u:nobody:x", dir.string()});
    agree("nobody", nobody, true);
    agree("www-data", www, false);
}

// A collected tree: users and groups come from the tree's etc/passwd and etc/group
// (a supplementary group the live host does not have), ACLs from a sosreport's
// getfacl output. The kernel still judges the same files with the same ids.
TEST(dac_root_tree, supplementary_groups_and_getfacl_from_the_tree) {
    if (geteuid() != 0) GTEST_SKIP() << "run as root";
    temp_dir t;
    why502::host_test::write_file(t.path / "etc/passwd",
                                  "root:x:0:0:root:/root:/bin/bash\n"
                                  "nginx:x:991:988:Nginx:/var/lib/nginx:/sbin/nologin\n"
                                  "app:x:1500:1500::/home/app:/bin/bash\n");
    why502::host_test::write_file(t.path / "etc/group",
                                  "root:x:0:\nnginx:x:988:\napp:x:1500:\nappsock:x:4242:nginx,app\n");
    fs::create_directories(t.path / "run/app");
    std::string real = (t.path / "run/app/app.sock").string();
    listening_socket l(real);
    ASSERT_GE(l.fd, 0);
    set(t.path / "run", 0755);
    set(t.path / "run/app", 0750, 1500, 4242);
    set(real, 0660, 1500, 4242);

    dac_verdict v = check_socket_access(t.path.string(), "/run/app/app.sock", "nginx");
    EXPECT_TRUE(v.checked) << v.reason;
    EXPECT_TRUE(v.allowed) << v.reason;
    EXPECT_EQ(v.owner, "app");
    EXPECT_EQ(v.group, "appsock");
    EXPECT_NE(v.reason.find("ACLs unknown"), std::string::npos) << v.reason;
    EXPECT_EQ(kernel_connect(ids{991, {988, 4242}}, real), 0);

    // Out of the group: the tree says denied at the directory, and so does the kernel.
    why502::host_test::write_file(t.path / "etc/group",
                                  "root:x:0:\nnginx:x:988:\napp:x:1500:\nappsock:x:4242:app\n");
    v = check_socket_access(t.path.string(), "/run/app/app.sock", "nginx");
    EXPECT_FALSE(v.allowed);
    EXPECT_EQ(v.denying_path, "/run/app");
    EXPECT_EQ(kernel_connect(ids{991, {988}}, real), EACCES);

    // A sosreport's getfacl output granting nginx search and write.
    why502::host_test::write_file(
        t.path / "sos_commands/filesys/getfacl_-R_.run",
        "# file: run\n# owner: root\n# group: root\nuser::rwx\ngroup::r-x\nother::r-x\n\n"
        "# file: run/app\n# owner: app\n# group: appsock\nuser::rwx\n"
        "user:nginx:--x\ngroup::r-x\nmask::r-x\nother::---\n\n"
        "# file: run/app/app.sock\n# owner: app\n# group: appsock\nuser::rw-\n"
        "user:nginx:rw-\ngroup::rw-\nmask::rw-\nother::---\n\n");
    v = check_socket_access(t.path.string(), "/run/app/app.sock", "nginx");
    EXPECT_TRUE(v.allowed) << v.reason;
    EXPECT_TRUE(v.acl);
    EXPECT_EQ(v.reason.find("ACLs unknown"), std::string::npos) << v.reason;
    if (have_setfacl()) {
        setfacl({"-m", "u:991:x", (t.path / "run/app").string()});
        setfacl({"-m", "u:991:rw", real});
        EXPECT_EQ(kernel_connect(ids{991, {988}}, real), 0);
    }
}

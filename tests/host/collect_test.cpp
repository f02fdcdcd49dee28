// collect() on a sosreport-shaped tree written by the test, on an empty tree (every
// missing piece a warning, nothing fatal), and live with --nginx-conf against
// loopback listeners and sockets the test opens.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <selinux/selinux.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>

#include "host/host.hpp"
#include "host_test_util.hpp"

namespace fs = std::filesystem;
using namespace why502::host;
using why502::host_test::fixture;
using why502::host_test::temp_dir;
using why502::host_test::write_file;

namespace {

void write_gz(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    gzFile g = gzopen(p.c_str(), "wb");
    gzwrite(g, text.data(), static_cast<unsigned>(text.size()));
    gzclose(g);
}

bool has_warning(const live_facts& f, std::string_view needle) {
    return std::any_of(f.warnings.begin(), f.warnings.end(),
                       [&](const std::string& w) { return w.find(needle) != std::string::npos; });
}

const upstream_use* find_use(const live_facts& f, std::string_view address) {
    for (const auto& u : f.upstreams)
        if (u.address == address) return &u;
    return nullptr;
}

const char* sos_nginx_conf =
    "user nginx;\n"
    "worker_processes auto;\n"
    "error_log /var/log/nginx/error.log;\n"
    "events { worker_connections 1024; }\n"
    "http {\n"
    "    include /etc/nginx/conf.d/*.conf;\n"
    "}\n";
const char* sos_app_conf =
    "upstream app { server unix:/run/app/app.sock; }\n"
    "server {\n"
    "    listen 80;\n"
    "    server_name shop.example.com;\n"
    "    error_log /var/log/nginx/shop_error.log;\n"
    "    location / { proxy_pass http://127.0.0.1:5000; }\n"
    "    location /py/ { proxy_pass http://127.0.0.1:18431; }\n"
    "    location /app/ { proxy_pass http://app; }\n"
    "}\n";

void write_sosreport(const fs::path& r) {
    write_file(r / "etc/selinux/config", "SELINUX=enforcing\nSELINUXTYPE=targeted\n");
    write_file(r / "etc/selinux/targeted/policy/policy.31", "old");
    write_file(r / "etc/selinux/targeted/policy/policy.33", "not a real policy: only its path matters here");
    write_file(r / "etc/passwd",
               "root:x:0:0:root:/root:/bin/bash\nnginx:x:991:988:Nginx:/var/lib/nginx:/sbin/nologin\n");
    write_file(r / "etc/group", "root:x:0:\nnginx:x:988:\n");
    write_file(r / "etc/nginx/nginx.conf", sos_nginx_conf);
    write_file(r / "etc/nginx/conf.d/app.conf", sos_app_conf);
    write_file(r / "var/log/nginx/error.log", "2026/07/01 10:00:00 [error] 1#1: *1 connect() failed\n");
    write_file(r / "var/log/nginx/error.log.1", "");
    write_gz(r / "var/log/nginx/error.log.2.gz", "old\n");
    write_file(r / "var/log/audit/audit.log", "type=DAEMON_START msg=audit(1.0:1): op=start\n");
    write_file(r / "var/log/audit/audit.log.1", "");
    write_file(r / "sos_commands/selinux/sestatus_-v", fixture("sestatus_-v"));
    write_file(r / "sos_commands/selinux/getsebool_-a", fixture("getsebool_-a"));
    write_file(r / "sos_commands/selinux/semanage_port_-l", fixture("semanage_port_-l"));
    write_file(r / "sos_commands/networking/ss_-peaonmi", fixture("ss_-peaonmi"));
    write_file(r / "sos_commands/nginx/nginx_-V", fixture("nginx_-V"));
}

}  // namespace

TEST(collect, sosreport_tree) {
    temp_dir t;
    std::string root = t.path.string();
    write_sosreport(t.path);
    live_facts f = collect({root, "", true});

    EXPECT_EQ(f.selinux_mode, "enforcing");
    ASSERT_TRUE(f.policy_path.has_value());
    EXPECT_EQ(*f.policy_path, root + "/etc/selinux/targeted/policy/policy.33");
    EXPECT_TRUE(f.booleans_known);
    EXPECT_TRUE(f.booleans.at("httpd_can_network_relay"));
    EXPECT_FALSE(f.booleans.at("httpd_can_network_connect"));
    EXPECT_EQ(f.nginx_user, "nginx");
    EXPECT_EQ(f.apparmor, "");

    // Logs: each configured file with its rotations, oldest first.
    EXPECT_EQ(f.error_logs, (std::vector<std::string>{root + "/var/log/nginx/error.log.2.gz",
                                                      root + "/var/log/nginx/error.log.1",
                                                      root + "/var/log/nginx/error.log"}));
    EXPECT_TRUE(has_warning(f, "shop_error.log")) << "a configured error log that is missing is reported";
    EXPECT_EQ(f.audit_logs, (std::vector<std::string>{root + "/var/log/audit/audit.log.1",
                                                      root + "/var/log/audit/audit.log"}));

    // The inventory, with the upstream group expanded to its server.
    ASSERT_EQ(f.upstreams.size(), 3u);
    const upstream_use* down = find_use(f, "127.0.0.1:5000");
    ASSERT_NE(down, nullptr);
    EXPECT_EQ(down->server_names, (std::vector<std::string>{"shop.example.com"}));
    EXPECT_EQ(down->location, "/");
    EXPECT_EQ(down->line, 6);
    EXPECT_EQ(down->file, root + "/etc/nginx/conf.d/app.conf");
    const upstream_use* app = find_use(f, "unix:/run/app/app.sock");
    ASSERT_NE(app, nullptr);
    EXPECT_EQ(app->group, "app");

    // Listeners from the sosreport's ss output; hints from them.
    EXPECT_EQ(f.listeners.size(), 6u);
    const auto& inv = f.host["upstreams"];
    for (const auto& u : inv) {
        if (u["address"] == "127.0.0.1:5000") {
            EXPECT_EQ(u["listener_hint"],
                      "nothing listens on 127.0.0.1:5000 (no listening socket on port 5000 at all)");
        }
        if (u["address"] == "127.0.0.1:18431") {
            EXPECT_NE(u["listener_hint"].get<std::string>().find("something listens on 127.0.0.1:18431"),
                      std::string::npos);
        }
    }
    // A socket is never in a sosreport: the DAC walk says so instead of guessing.
    ASSERT_EQ(f.host["sockets"].size(), 1u);
    EXPECT_EQ(f.host["sockets"][0]["dac"]["checked"], false);
    EXPECT_NE(
        f.host["sockets"][0]["dac"]["reason"].get<std::string>().find("does not exist in the collected tree"),
        std::string::npos);

    // Never probes a collected tree.
    EXPECT_FALSE(f.host.contains("probes"));
    EXPECT_EQ(f.host["selinux"]["mode"], "enforcing");
    EXPECT_EQ(f.host["selinux"]["booleans"]["httpd_can_network_relay"], true);
    EXPECT_EQ(f.host["nginx"]["version"], "1.22.1");
    EXPECT_FALSE(f.host["selinux"]["port_labels"].empty());
    EXPECT_EQ(f.host["warnings"].size(), f.warnings.size());
}

TEST(collect, sosreport_nginx_T_dump_is_preferred) {
    temp_dir t;
    write_sosreport(t.path);
    std::string dump = std::string("# configuration file /etc/nginx/nginx.conf:\n") + sos_nginx_conf +
                       "\n# configuration file /etc/nginx/conf.d/app.conf:\n" +
                       "server { listen 80; location / { fastcgi_pass unix:/run/php-fpm/www.sock; } }\n\n";
    write_file(t.path / "sos_commands/nginx/nginx_-T", "nginx: the configuration file syntax is ok\n" + dump);
    live_facts f = collect({t.path.string(), "", false});
    EXPECT_EQ(f.host["nginx"]["config_source"], t.path.string() + "/sos_commands/nginx/nginx_-T");
    ASSERT_EQ(f.upstreams.size(), 1u);
    EXPECT_EQ(f.upstreams[0].address, "unix:/run/php-fpm/www.sock");
    EXPECT_EQ(f.upstreams[0].directive, "fastcgi_pass");
    EXPECT_EQ(f.upstreams[0].file, "/etc/nginx/conf.d/app.conf");
}

TEST(collect, empty_tree_warns_and_does_not_fail) {
    temp_dir t;
    live_facts f = collect({t.path.string(), "", true});
    EXPECT_EQ(f.selinux_mode, "unknown");
    EXPECT_FALSE(f.booleans_known);
    EXPECT_TRUE(f.error_logs.empty());
    EXPECT_TRUE(f.audit_logs.empty());
    EXPECT_TRUE(has_warning(f, "etc/selinux/config"));
    EXPECT_TRUE(has_warning(f, "NGINX configuration not read"));
    EXPECT_TRUE(has_warning(f, "no audit log"));
    EXPECT_TRUE(has_warning(f, "no listening sockets"));
    EXPECT_EQ(f.nginx_user, "nobody");
}

TEST(collect, live_with_nginx_conf_probes_and_walks) {
    if (geteuid() != 0) GTEST_SKIP() << "run as root (the socket is made root-only)";
    temp_dir t;
    // A healthy loopback backend, a port nothing listens on, a root-only unix socket.
    int ok_fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(ok_fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(listen(ok_fd, 8), 0);
    socklen_t len = sizeof a;
    getsockname(ok_fd, reinterpret_cast<sockaddr*>(&a), &len);
    int healthy = ntohs(a.sin_port);
    int dead_fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = 0;
    ASSERT_EQ(bind(dead_fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    getsockname(dead_fd, reinterpret_cast<sockaddr*>(&a), &len);
    int dead = ntohs(a.sin_port);
    close(dead_fd);
    std::string sock = (t.path / "app.sock").string();
    int ux = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un su{};
    su.sun_family = AF_UNIX;
    std::snprintf(su.sun_path, sizeof su.sun_path, "%s", sock.c_str());
    ASSERT_EQ(bind(ux, reinterpret_cast<sockaddr*>(&su), sizeof su), 0);
    ASSERT_EQ(listen(ux, 8), 0);
    ASSERT_EQ(chmod(sock.c_str(), 0600), 0);

    std::string log = (t.path / "logs/error.log").string();
    write_file(log, "");
    write_file(log + ".1", "");
    std::string conf = (t.path / "nginx.conf").string();
    write_file(conf, "user www-data;\nerror_log " + log +
                         " warn;\nevents {}\nhttp {\n server {\n  listen 127.0.0.1:18099;\n"
                         "  server_name live.test;\n"
                         "  location /ok { proxy_pass http://127.0.0.1:" +
                         std::to_string(healthy) +
                         "; }\n"
                         "  location /dead { proxy_pass http://127.0.0.1:" +
                         std::to_string(dead) +
                         "; }\n"
                         "  location /sock { proxy_pass http://unix:" +
                         sock + ":/; }\n }\n}\n");

    live_facts f = collect({"/", conf, true, 1000});
    EXPECT_EQ(f.nginx_user, "www-data");
    EXPECT_EQ(f.error_logs, (std::vector<std::string>{log + ".1", log}));
    ASSERT_EQ(f.upstreams.size(), 3u);
    if (is_selinux_enabled() <= 0) {
        EXPECT_EQ(f.selinux_mode, "disabled");
        EXPECT_EQ(f.host["selinux"]["summary"], "SELinux is disabled (or not available) on this host");
        EXPECT_FALSE(f.booleans_known);
    }
    ASSERT_TRUE(f.host.contains("probes"));
    const auto& probes = f.host["probes"];
    ASSERT_EQ(probes.size(), 3u);
    for (const auto& p : probes) {
        std::string addr = p["address"];
        if (addr.ends_with(":" + std::to_string(healthy))) {
            EXPECT_EQ(p["connected"], true);
        }
        if (addr.ends_with(":" + std::to_string(dead))) {
            EXPECT_EQ(p["errno"], 111);
        }
        if (addr.rfind("unix:", 0) == 0) {
            EXPECT_EQ(p["connected"], true);  // as root
        }
    }
    ASSERT_EQ(f.host["sockets"].size(), 1u);
    const auto& s = f.host["sockets"][0];
    EXPECT_EQ(s["path"], sock);
    EXPECT_EQ(s["listening"], true);
    EXPECT_EQ(s["dac"]["allowed"], false);
    EXPECT_EQ(s["dac"]["mode"], "0600");
    EXPECT_EQ(s["dac"]["user"], "www-data");
    auto is_healthy = [&](const listener& l) { return l.port == healthy && l.address == "127.0.0.1"; };
    EXPECT_TRUE(std::any_of(f.listeners.begin(), f.listeners.end(), is_healthy));

    live_facts quiet = collect({"/", conf, false, 1000});
    EXPECT_FALSE(quiet.host.contains("probes"));
    EXPECT_EQ(quiet.host["probing"], "off (--no-probe)");
    close(ok_fd);
    close(ux);
}

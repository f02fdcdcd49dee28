// NGINX configuration parser: a fixture tree with includes and globs, the real
// `nginx -T` dump of that tree, and the installed nginx as the oracle for what is a
// syntax error and where.
#include "parse/nginx_conf.hpp"

#include "../host/host_test_util.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace why502::parse;

namespace {

const std::string fixture_dir = std::string(WHY502_SOURCE_DIR) + "/tests/fixtures/nginx_conf";

std::string slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const conf_pass* find_pass(const nginx_config& c, std::string_view location,
                           std::string_view directive = {}) {
    for (const auto& p : c.passes)
        if (p.location == location && (directive.empty() || p.directive == directive)) return &p;
    return nullptr;
}

std::string nginx_binary() {
    for (const char* p : {"/usr/sbin/nginx", "/usr/bin/nginx"})
        if (access(p, X_OK) == 0) return p;
    return "";
}

using why502::host_test::run;  // the host tests' helper: no shell, combined output

struct temp_dir {
    fs::path path;
    temp_dir() {
        char tmpl[] = "/tmp/why502_conf_XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

void write_file(const fs::path& p, std::string_view text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

void expect_site_facts(const nginx_config& c, const std::string& prefix) {
    EXPECT_EQ(c.user, "www-data");
    EXPECT_TRUE(c.user_set);
    EXPECT_EQ(c.user_line, 2);

    // stderr is skipped; relative paths join the prefix.
    ASSERT_EQ(c.error_logs.size(), 3u);
    EXPECT_EQ(c.error_logs[0].path, prefix + "/logs/error.log");
    EXPECT_EQ(c.error_logs[0].level, "warn");
    EXPECT_EQ(c.error_logs[0].context, "main");
    EXPECT_EQ(c.error_logs[0].line, 5);
    EXPECT_EQ(c.error_logs[1].path, prefix + "/logs/http_error.log");
    EXPECT_EQ(c.error_logs[1].context, "http");
    EXPECT_EQ(c.error_logs[2].path, prefix + "/logs/app_error.log");
    EXPECT_EQ(c.error_logs[2].context, "server");
    EXPECT_EQ(c.error_logs[2].level, "info");
    EXPECT_TRUE(c.main_error_log);

    ASSERT_EQ(c.upstreams.size(), 1u);
    const auto& u = c.upstreams[0];
    EXPECT_EQ(u.name, "app_pool");
    ASSERT_EQ(u.servers.size(), 3u);
    EXPECT_EQ(u.servers[0].address, "127.0.0.1:3000");
    EXPECT_EQ(u.servers[0].params, (std::vector<std::string>{"weight=2", "max_fails=3"}));
    EXPECT_EQ(u.servers[1].address, "[::1]:3001");
    EXPECT_EQ(u.servers[1].host, "::1");
    EXPECT_EQ(u.servers[1].port, 3001);
    EXPECT_EQ(u.servers[2].address, "unix:/run/app/app.sock");
    EXPECT_EQ(u.servers[2].path, "/run/app/app.sock");

    // Every *_pass, in file order: app.conf (6), grpc.conf (4), sites-enabled/default (1).
    ASSERT_EQ(c.passes.size(), 11u);
    const conf_pass* root = find_pass(c, "/", "proxy_pass");
    ASSERT_NE(root, nullptr);
    EXPECT_EQ(root->group, "app_pool");
    EXPECT_EQ(root->address, "app_pool");
    EXPECT_EQ(root->port, -1);
    EXPECT_EQ(root->server_names, (std::vector<std::string>{"app.example.com", "www.app.example.com"}));
    EXPECT_EQ(root->listens, (std::vector<std::string>{"127.0.0.1:18080", "[::1]:18080"}));
    EXPECT_TRUE(root->file.ends_with("conf.d/app.conf"));
    EXPECT_EQ(root->line, 8);

    const conf_pass* api = find_pass(c, "/api/");
    ASSERT_NE(api, nullptr);
    EXPECT_EQ(api->address, "127.0.0.1:5000");
    EXPECT_EQ(api->scheme, "http");
    EXPECT_EQ(api->line, 11);

    const conf_pass* health = find_pass(c, "= /health");
    ASSERT_NE(health, nullptr);
    EXPECT_EQ(health->address, "[::1]:8080");
    EXPECT_EQ(health->host, "::1");

    const conf_pass* php = find_pass(c, "~ \\.php$");
    ASSERT_NE(php, nullptr);
    EXPECT_EQ(php->directive, "fastcgi_pass");
    EXPECT_EQ(php->address, "unix:/run/php/php8.2-fpm.sock");
    EXPECT_EQ(php->path, "/run/php/php8.2-fpm.sock");

    const conf_pass* dyn = find_pass(c, "/dyn/");
    ASSERT_NE(dyn, nullptr);
    EXPECT_TRUE(dyn->variable);
    EXPECT_EQ(dyn->target, "http://$backend");

    const conf_pass* sock = find_pass(c, "/sock/");
    ASSERT_NE(sock, nullptr);
    EXPECT_EQ(sock->address, "unix:/run/app/app.sock");
    EXPECT_FALSE(sock->variable);

    const conf_pass* grpc = find_pass(c, "/", "grpc_pass");
    ASSERT_NE(grpc, nullptr);
    EXPECT_EQ(grpc->address, "127.0.0.1:50051");
    EXPECT_EQ(grpc->scheme, "grpc");
    EXPECT_EQ(grpc->server_names, (std::vector<std::string>{"grpc.example.com"}));
    EXPECT_EQ(grpc->listens, (std::vector<std::string>{"127.0.0.1:18443"}));

    const conf_pass* uw = find_pass(c, "/uw");
    ASSERT_NE(uw, nullptr);
    EXPECT_EQ(uw->directive, "uwsgi_pass");
    EXPECT_EQ(uw->address, "127.0.0.1:3031");
    const conf_pass* sc = find_pass(c, "/sc");
    ASSERT_NE(sc, nullptr);
    EXPECT_EQ(sc->directive, "scgi_pass");
    EXPECT_EQ(sc->address, "unix:/run/scgi.sock");

    // A variable only in the URI part leaves the address static.
    const conf_pass* q = find_pass(c, "/q");
    ASSERT_NE(q, nullptr);
    EXPECT_FALSE(q->variable);
    EXPECT_EQ(q->address, "127.0.0.1:8443");
    EXPECT_EQ(q->scheme, "https");

    const conf_pass* def = nullptr;
    for (const auto& p : c.passes)
        if (p.file.ends_with("sites-enabled/default")) def = &p;
    ASSERT_NE(def, nullptr);
    EXPECT_EQ(def->address, "127.0.0.1:18082");
    EXPECT_EQ(def->server_names, (std::vector<std::string>{"_"}));
    EXPECT_EQ(def->listens, (std::vector<std::string>{"18081"}));
    EXPECT_EQ(def->line, 8);
}

}  // namespace

TEST(nginx_conf, fixture_tree_with_includes_and_globs) {
    conf_options o;
    o.prefix = "/srv/nginx";
    auto c = read_nginx_conf(fixture_dir + "/site/nginx.conf", o);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_FALSE(c->dump_form);
    EXPECT_EQ(c->files.size(), 4u);
    EXPECT_TRUE(c->warnings.empty()) << c->warnings.front();
    expect_site_facts(*c, "/srv/nginx");
    // Quotes and escapes survive into the tree.
    bool seen = false;
    std::function<void(const std::vector<conf_directive>&)> visit =
        [&](const std::vector<conf_directive>& ds) {
            for (const auto& d : ds) {
                if (d.name == "proxy_set_header" && d.args.size() == 2 && d.args[0] == "X-Quote") {
                    EXPECT_EQ(d.args[1], "a \"quoted\" ; value {");
                    seen = true;
                }
                if (d.name == "proxy_set_header" && d.args.size() == 2 && d.args[0] == "X-Single") {
                    EXPECT_EQ(d.args[1], "it's");
                }
                visit(d.block);
            }
        };
    visit(c->tree);
    EXPECT_TRUE(seen);
}

TEST(nginx_conf, checked_in_nginx_T_dump_gives_the_same_facts) {
    // nginx_T.txt is the real `nginx -T -p P -c P/nginx.conf` output for the site tree.
    std::string text = slurp(fixture_dir + "/nginx_T.txt");
    ASSERT_FALSE(text.empty());
    auto sections = split_nginx_dump(text);
    ASSERT_EQ(sections.size(), 4u);
    conf_options o;
    o.prefix = "/srv/nginx";
    auto c = parse_nginx_conf(text, "nginx -T", o);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_TRUE(c->dump_form);
    EXPECT_TRUE(c->warnings.empty());
    expect_site_facts(*c, "/srv/nginx");
}

TEST(nginx_conf, live_nginx_T_oracle_agrees_with_reading_the_files) {
    std::string nginx = nginx_binary();
    if (nginx.empty()) GTEST_SKIP() << "nginx not installed";
    temp_dir t;
    fs::copy(fixture_dir + "/site", t.path, fs::copy_options::recursive);
    fs::create_directories(t.path / "logs");
    std::string out;
    std::string prefix = t.path.string();
    int rc = run({nginx, "-T", "-q", "-p", prefix + "/", "-c", prefix + "/nginx.conf"}, out);
    ASSERT_EQ(rc, 0) << out;
    conf_options o;
    o.prefix = prefix;
    auto from_dump = parse_nginx_conf(out, "nginx -T", o);
    ASSERT_TRUE(from_dump.ok()) << from_dump.error().message;
    auto from_files = read_nginx_conf(prefix + "/nginx.conf", o);
    ASSERT_TRUE(from_files.ok()) << from_files.error().message;
    expect_site_facts(*from_dump, prefix);
    ASSERT_EQ(from_dump->passes.size(), from_files->passes.size());
    for (size_t i = 0; i < from_dump->passes.size(); ++i) {
        EXPECT_EQ(from_dump->passes[i].address, from_files->passes[i].address);
        EXPECT_EQ(from_dump->passes[i].file, from_files->passes[i].file);
        EXPECT_EQ(from_dump->passes[i].line, from_files->passes[i].line);
    }
    EXPECT_EQ(from_dump->files, from_files->files);
}

// Syntax errors: nginx -t names a file and line; ours must name the same ones where
// both detect the same thing (a stray "}", a missing ";"), and a line in the file for
// unterminated blocks and quotes.
TEST(nginx_conf, syntax_errors_name_file_and_line_like_nginx) {
    struct bad_case {
        const char* name;
        const char* text;
        int line;  // where nginx reports it
    } cases[] = {
        {"stray_brace", "events {}\nhttp {\n  server { listen 1; }\n}\n}\n", 5},
        {"missing_semicolon", "events {}\nhttp {\n  server {\n    listen 1\n  }\n}\n", 5},
        {"after_quote", "events {}\nhttp {\n  add_header X \"a\"b;\n}\n", 3},
    };
    std::string nginx = nginx_binary();
    for (const auto& bc : cases) {
        SCOPED_TRACE(bc.name);
        temp_dir t;
        write_file(t.path / "nginx.conf", bc.text);
        auto c = read_nginx_conf((t.path / "nginx.conf").string());
        ASSERT_FALSE(c.ok());
        std::string want = (t.path / "nginx.conf").string() + ":" + std::to_string(bc.line) + ":";
        EXPECT_EQ(c.error().message.rfind(want, 0), 0u) << c.error().message;
        if (!nginx.empty()) {
            std::string out;
            fs::create_directories(t.path / "logs");
            int rc =
                run({nginx, "-t", "-q", "-p", t.path.string() + "/", "-c", (t.path / "nginx.conf").string()},
                    out);
            EXPECT_NE(rc, 0);
            std::string where = (t.path / "nginx.conf").string() + ":" + std::to_string(bc.line);
            EXPECT_NE(out.find(where), std::string::npos) << out;
        }
    }
}

TEST(nginx_conf, unterminated_block_and_quote) {
    auto open_block = parse_nginx_conf("http {\n  server {\n    listen 80;\n}\n", "a.conf");
    ASSERT_FALSE(open_block.ok());
    EXPECT_EQ(open_block.error().message, "a.conf:1: unbalanced braces: block opened here is never closed");
    auto open_quote = parse_nginx_conf("http {\n  add_header X \"abc;\n}\n", "b.conf");
    ASSERT_FALSE(open_quote.ok());
    EXPECT_EQ(open_quote.error().message, "b.conf:2: unterminated quote (opened here, never closed)");
    auto stray = parse_nginx_conf("}\n", "c.conf");
    ASSERT_FALSE(stray.ok());
    EXPECT_NE(stray.error().message.find("c.conf:1:"), std::string::npos);
}

TEST(nginx_conf, tokenizer_quotes_escapes_comments_and_variables) {
    const char* text =
        "user  nginx  nginx ;# comment right after\n"
        "http {\n"
        "  map $uri $x { default \"a b\"; ~^/\\{x\\} 'c;d'; }\n"
        "  server {\n"
        "    server_name a#b.example;\n"  // '#' inside a word is not a comment
        "    set $v \"t\\tx\";\n"
        "    return 200 \"${v}}\";\n"
        "    location / { proxy_pass http://${v}; }\n"
        "  }\n"
        "}\n";
    auto c = parse_nginx_conf(text, "t.conf");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->user, "nginx");
    EXPECT_EQ(c->group, "nginx");
    ASSERT_EQ(c->passes.size(), 1u);
    EXPECT_TRUE(c->passes[0].variable);
    EXPECT_EQ(c->passes[0].target, "http://${v}");
    EXPECT_EQ(c->passes[0].server_names, (std::vector<std::string>{"a#b.example"}));
    const auto& server = c->tree[1].block[1];
    ASSERT_EQ(server.name, "server");
    EXPECT_EQ(server.block[1].args[1], "t\tx");
    EXPECT_EQ(server.block[2].args[1], "${v}}");
    const auto& map = c->tree[1].block[0];
    ASSERT_EQ(map.block.size(), 2u);
    EXPECT_EQ(map.block[0].args[0], "a b");
    EXPECT_EQ(map.block[1].name, "~^/\\{x\\}");  // other escapes keep their backslash
    EXPECT_EQ(map.block[1].args[0], "c;d");
}

TEST(nginx_conf, defaults_skipped_logs_stream_and_lua) {
    const char* text =
        "error_log syslog:server=unix:/dev/log;\n"
        "error_log memory:32m debug;\n"
        "http {\n"
        "  upstream php { server unix:/run/php-fpm/www.sock; }\n"
        "  server {\n"
        "    location /a { content_by_lua_block { local t = { \"}\" } -- }\n ngx.say(t[1]) } }\n"
        "    location /b { fastcgi_pass php; }\n"
        "    location /c { proxy_pass http://backend.internal; }\n"
        "    location /d { proxy_pass http://php:9000; }\n"
        "    location /e { error_log /var/log/nginx/e.log; proxy_pass $scheme://x; }\n"
        "  }\n"
        "}\n"
        "stream { upstream db { server 10.0.0.5:5432; } server { listen 15432; proxy_pass db; } }\n";
    auto c = parse_nginx_conf(text, "d.conf");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->user, "nobody");
    EXPECT_FALSE(c->user_set);
    EXPECT_FALSE(c->main_error_log);
    ASSERT_EQ(c->error_logs.size(), 1u);
    EXPECT_EQ(c->error_logs[0].path, "/var/log/nginx/e.log");
    EXPECT_EQ(c->error_logs[0].context, "location");
    ASSERT_EQ(c->passes.size(), 5u);
    EXPECT_EQ(c->passes[0].group, "php");
    EXPECT_EQ(c->passes[0].address, "php");
    EXPECT_EQ(c->passes[1].address, "backend.internal:80");  // resolved by NGINX at start
    EXPECT_EQ(c->passes[1].group, "");
    EXPECT_EQ(c->passes[2].group, "");  // an explicit port never names a group
    EXPECT_EQ(c->passes[2].address, "php:9000");
    EXPECT_TRUE(c->passes[3].variable);
    EXPECT_EQ(c->passes[4].group, "db");
    EXPECT_EQ(c->passes[4].listens, (std::vector<std::string>{"15432"}));
    ASSERT_EQ(c->upstreams.size(), 2u);
    EXPECT_EQ(c->upstreams[1].servers[0].address, "10.0.0.5:5432");
}

TEST(nginx_conf, address_forms) {
    struct row {
        const char* target;
        const char* directive;
        const char* address;
        int port;
        const char* path;
        bool variable;
    } rows[] = {
        {"http://127.0.0.1:3000", "proxy_pass", "127.0.0.1:3000", 3000, "", false},
        {"http://127.0.0.1", "proxy_pass", "127.0.0.1:80", 80, "", false},
        {"https://example.org/x", "proxy_pass", "example.org:443", 443, "", false},
        {"http://[::1]:8080/", "proxy_pass", "[::1]:8080", 8080, "", false},
        {"http://unix:/run/a.sock:/x/", "proxy_pass", "unix:/run/a.sock", -1, "/run/a.sock", false},
        {"unix:/run/php/fpm.sock", "fastcgi_pass", "unix:/run/php/fpm.sock", -1, "/run/php/fpm.sock", false},
        {"127.0.0.1:9000", "fastcgi_pass", "127.0.0.1:9000", 9000, "", false},
        {"php_pool", "fastcgi_pass", "php_pool", -1, "", false},
        {"grpcs://10.1.2.3", "grpc_pass", "10.1.2.3:443", 443, "", false},
        {"uwsgi://127.0.0.1:3031", "uwsgi_pass", "127.0.0.1:3031", 3031, "", false},
        {"http://$upstream_host", "proxy_pass", "http://$upstream_host", -1, "", true},
        {"http://unix:/run/$app.sock:/", "proxy_pass", "unix:/run/$app.sock", -1, "/run/$app.sock", true},
        {"example.com", "server", "example.com:80", 80, "", false},
    };
    for (const auto& r : rows) {
        SCOPED_TRACE(r.target);
        conf_address a = parse_conf_address(r.target, r.directive);
        EXPECT_EQ(a.address, r.address);
        EXPECT_EQ(a.port, r.port);
        EXPECT_EQ(a.path, r.path);
        EXPECT_EQ(a.variable, r.variable);
    }
}

TEST(nginx_conf, include_cycles_missing_files_and_root) {
    temp_dir t;
    write_file(t.path / "etc/nginx/nginx.conf",
               "user nginx;\nhttp {\n  include conf.d/*.conf;\n  include /etc/nginx/missing.conf;\n}\n");
    write_file(
        t.path / "etc/nginx/conf.d/a.conf",
        "include /etc/nginx/conf.d/a.conf;\nserver { location / { proxy_pass http://127.0.0.1:81; } }\n");
    conf_options o;
    o.root = t.path.string();
    auto c = read_nginx_conf((t.path / "etc/nginx/nginx.conf").string(), o);
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->user, "nginx");
    ASSERT_EQ(c->passes.size(), 1u);
    EXPECT_EQ(c->passes[0].file, (t.path / "etc/nginx/conf.d/a.conf").string());
    EXPECT_EQ(c->passes[0].line, 2);
    ASSERT_EQ(c->warnings.size(), 2u);
    EXPECT_NE(c->warnings[0].find("included from itself"), std::string::npos);
    EXPECT_NE(c->warnings[1].find("missing.conf"), std::string::npos);
}

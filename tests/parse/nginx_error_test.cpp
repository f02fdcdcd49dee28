// The NGINX error-line parser, field by field. Lines marked "real" were written by
// nginx/1.22.1 (tests/fixtures/nginx/capture.py); the others follow the format of
// ngx_log_error_core + ngx_http_log_error_handler and vary one thing at a time.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "parse/nginx_error.hpp"

using namespace why502::parse;
using std::string_view;

namespace {

nginx_line must_parse(string_view s) {
    nginx_line l;
    EXPECT_EQ(parse_nginx_line(s, l), match::yes) << s;
    return l;
}

}  // namespace

TEST(NginxLine, RealRefusedLineEveryField) {
    // real
    nginx_line l = must_parse(
        "2026/11/22 06:46:23 [error] 11098#11098: *2 connect() failed (111: Connection refused) while "
        "connecting to upstream, client: 127.0.0.1, server: app.example.com, request: \"GET "
        "/refused/api/health HTTP/1.1\", upstream: \"http://127.0.0.1:18419/refused/api/health\", host: "
        "\"app.example.com\"");
    EXPECT_EQ(l.time.year, 2026);
    EXPECT_EQ(l.time.month, 11);
    EXPECT_EQ(l.time.day, 22);
    EXPECT_EQ(l.time.hour, 6);
    EXPECT_EQ(l.time.minute, 46);
    EXPECT_EQ(l.time.second, 23);
    EXPECT_EQ(l.level, nginx_level::error);
    EXPECT_EQ(l.pid, 11098u);
    EXPECT_EQ(l.tid, 11098u);
    EXPECT_EQ(l.connection, 2u);
    EXPECT_EQ(l.message, "connect() failed (111: Connection refused) while connecting to upstream");
    EXPECT_EQ(l.client, "127.0.0.1");
    EXPECT_EQ(l.server, "app.example.com");
    EXPECT_EQ(l.request, "GET /refused/api/health HTTP/1.1");
    EXPECT_EQ(l.subrequest, "");
    EXPECT_EQ(l.upstream, "http://127.0.0.1:18419/refused/api/health");
    EXPECT_EQ(l.host, "app.example.com");
    EXPECT_EQ(l.referrer, "");
}

TEST(NginxLine, EveryLevel) {
    const std::pair<string_view, nginx_level> levels[] = {
        {"debug", nginx_level::debug}, {"info", nginx_level::info},   {"notice", nginx_level::notice},
        {"warn", nginx_level::warn},   {"error", nginx_level::error}, {"crit", nginx_level::crit},
        {"alert", nginx_level::alert}, {"emerg", nginx_level::emerg},
    };
    for (auto [name, level] : levels) {
        std::string s = "2026/07/01 10:14:02 [" + std::string(name) + "] 2841#2841: *7 something happened";
        nginx_line l = must_parse(s);
        EXPECT_EQ(l.level, level) << name;
        EXPECT_EQ(level_name(l.level), name);
        EXPECT_EQ(l.message, "something happened");
        EXPECT_EQ(l.connection, 7u);
    }
}

TEST(NginxLine, NoConnectionNumberAndNoContext) {
    // real
    nginx_line l = must_parse("2026/11/22 06:46:23 [notice] 11097#11097: start worker process 11098");
    EXPECT_EQ(l.level, nginx_level::notice);
    EXPECT_EQ(l.pid, 11097u);
    EXPECT_EQ(l.connection, 0u);
    EXPECT_EQ(l.message, "start worker process 11098");
    EXPECT_TRUE(l.client.empty());
    EXPECT_TRUE(l.server.empty());
    // real: a resolver line has its own context, not ", client: "
    l = must_parse(
        "2026/11/22 06:46:26 [error] 11098#11098: recv() failed (111: Connection refused) while "
        "resolving, resolver: 127.0.0.1:18453");
    EXPECT_EQ(l.message,
              "recv() failed (111: Connection refused) while resolving, resolver: 127.0.0.1:18453");
    EXPECT_TRUE(l.client.empty());
}

TEST(NginxLine, ClientAndServerOnly) {
    // real: no request yet, the server is the listening address
    nginx_line l = must_parse(
        "2026/11/22 06:46:23 [info] 11098#11098: *1 client closed connection while "
        "waiting for request, client: 127.0.0.1, server: 127.0.0.1:18410");
    EXPECT_EQ(l.message, "client closed connection while waiting for request");
    EXPECT_EQ(l.client, "127.0.0.1");
    EXPECT_EQ(l.server, "127.0.0.1:18410");
    EXPECT_TRUE(l.request.empty());
    l = must_parse(
        "2026/07/01 10:14:02 [info] 2841#2841: *9 client timed out (110: Connection timed out) "
        "while waiting for request, client: 2001:db8::7, server: [::]:443");
    EXPECT_EQ(l.client, "2001:db8::7");
    EXPECT_EQ(l.server, "[::]:443");
}

TEST(NginxLine, RealRequestWithQuotesAndFakeUpstreamKey) {
    // real: the target holds '"', "," and an encoded fake key; NGINX copies it unescaped
    // into both request and upstream.
    nginx_line l = must_parse(
        "2026/11/22 06:46:28 [error] 11098#11098: *37 connect() failed (111: Connection refused) while "
        "connecting to upstream, client: 127.0.0.1, server: app.example.com, request: \"GET "
        "/refused/q?x=\"a\",%20upstream:%20\"unix:/evil\"&y=1 HTTP/1.1\", upstream: "
        "\"http://127.0.0.1:18419/refused/q?x=\"a\",%20upstream:%20\"unix:/evil\"&y=1\", host: "
        "\"app.example.com\"");
    EXPECT_EQ(l.request, "GET /refused/q?x=\"a\",%20upstream:%20\"unix:/evil\"&y=1 HTTP/1.1");
    EXPECT_EQ(l.upstream, "http://127.0.0.1:18419/refused/q?x=\"a\",%20upstream:%20\"unix:/evil\"&y=1");
    EXPECT_EQ(l.host, "app.example.com");
}

TEST(NginxLine, RequestHoldingAFullFakeUpstreamField) {
    // NGINX before 1.21.1 let spaces through in the target, so the request itself can
    // spell ", upstream: \"...\"". The request still ends at " HTTP/1.1\"".
    nginx_line l = must_parse(
        "2026/07/01 10:14:02 [error] 2841#2841: *5 connect() failed (111: Connection refused) while "
        "connecting to upstream, client: 203.0.113.9, server: app.example.com, request: \"GET "
        "/x\", upstream: \"unix:/run/evil.sock\", host: \"e HTTP/1.1\", upstream: "
        "\"http://127.0.0.1:3000/x\", host: \"app.example.com\"");
    EXPECT_EQ(l.request, "GET /x\", upstream: \"unix:/run/evil.sock\", host: \"e HTTP/1.1");
    EXPECT_EQ(l.upstream, "http://127.0.0.1:3000/x");
    EXPECT_EQ(l.host, "app.example.com");
}

TEST(NginxLine, RealHostileHosts) {
    // real: Host headers NGINX logged (then refused with 400)
    nginx_line l = must_parse(
        "2026/11/22 06:47:31 [info] 11734#11734: *41 client sent invalid host header while reading client "
        "request headers, client: 127.0.0.1, server: app.example.com, request: \"GET /refused/s "
        "HTTP/1.1\", host: \"app example.com\"");
    EXPECT_EQ(l.request, "GET /refused/s HTTP/1.1");
    EXPECT_EQ(l.host, "app example.com");
    EXPECT_TRUE(l.upstream.empty());
    l = must_parse(
        "2026/11/22 06:47:31 [info] 11734#11734: *42 client sent invalid host header while reading client "
        "request headers, client: 127.0.0.1, server: app.example.com, request: \"GET /refused/q "
        "HTTP/1.1\", host: \"a\"b, c\"");
    EXPECT_EQ(l.host, "a\"b, c");
    l = must_parse(
        "2026/11/22 06:46:28 [info] 11098#11098: *39 client sent invalid host header while reading client "
        "request headers, client: 127.0.0.1, server: app.example.com, request: \"GET /refused/h "
        "HTTP/1.1\", host: \"evil\", upstream: \"unix:/evil.sock\", host: \"x\"");
    EXPECT_EQ(l.request, "GET /refused/h HTTP/1.1");
    EXPECT_TRUE(l.upstream.empty()) << l.upstream;
    EXPECT_EQ(l.host, "evil\", upstream: \"unix:/evil.sock\", host: \"x");
}

TEST(NginxLine, HostWithFakeReferrerAndRealReferrer) {
    nginx_line l = must_parse(
        "2026/07/01 10:14:02 [error] 2841#2841: *5 upstream timed out (110: Connection timed out) while "
        "reading response header from upstream, client: 10.1.2.3, server: api.example.com, request: "
        "\"POST /api/v1/orders HTTP/2.0\", upstream: \"http://10.0.12.21:8080/api/v1/orders\", host: "
        "\"api.example.com\", referrer: \"x\", referrer: \"https://app.example.com/cart\"");
    EXPECT_EQ(l.request, "POST /api/v1/orders HTTP/2.0");
    EXPECT_EQ(l.upstream, "http://10.0.12.21:8080/api/v1/orders");
    EXPECT_EQ(l.host, "api.example.com\", referrer: \"x");
    EXPECT_EQ(l.referrer, "https://app.example.com/cart");
    // Empty host and a referrer that fakes keys of its own.
    l = must_parse(
        "2026/07/01 10:14:02 [error] 2841#2841: *5 no live upstreams while connecting to upstream, client: "
        "10.1.2.3, server: , request: \"GET / HTTP/1.0\", upstream: \"http://backend/\", host: \"\", "
        "referrer: \"a\", host: \"b\", upstream: \"c\"");
    EXPECT_EQ(l.server, "");
    EXPECT_EQ(l.upstream, "http://backend/");
    EXPECT_EQ(l.host, "");
    EXPECT_EQ(l.referrer, "a\", host: \"b\", upstream: \"c");
}

TEST(NginxLine, RealControlBytesAndInvalidUtf8) {
    // real: raw ESC and 0xff bytes in request, upstream and referrer
    std::string s =
        "2026/11/22 06:47:20 [error] 11548#11548: *41 connect() failed (111: Connection refused) while "
        "connecting to upstream, client: 127.0.0.1, server: app.example.com, request: \"GET "
        "/refused/%1b%5b2J\xc3\x28\xff HTTP/1.1\", upstream: "
        "\"http://127.0.0.1:18419/refused/%1b%5b2J\xc3\x28\xff\", "
        "host: \"app.example.com\", referrer: \"\x1b[31mred\x1b[0m \xff\xfe\"";
    nginx_line l = must_parse(s);
    EXPECT_EQ(l.request, "GET /refused/%1b%5b2J\xc3\x28\xff HTTP/1.1");
    EXPECT_EQ(l.upstream, "http://127.0.0.1:18419/refused/%1b%5b2J\xc3\x28\xff");
    EXPECT_EQ(l.referrer, "\x1b[31mred\x1b[0m \xff\xfe");
    // A NUL byte is just a byte.
    using namespace std::string_literals;
    std::string z =
        "2026/07/01 10:14:02 [error] 1#1: *1 a\0b, client: 1.2.3.4, server: s, request: \"GET /\0 HTTP/1.1\""s;
    l = must_parse(z);
    EXPECT_EQ(l.request, "GET /\0 HTTP/1.1"s);
    EXPECT_EQ(l.message.size(), 3u);
    EXPECT_EQ(l.client, "1.2.3.4");
}

TEST(NginxLine, DecodedUriInMessageDoesNotEndIt) {
    // open() writes the decoded path: it can spell ", client: ".
    nginx_line l = must_parse(
        "2026/07/01 10:14:02 [error] 2841#2841: *5 open() \"/usr/share/nginx/html/a, client: b c\" failed "
        "(2: "
        "No such file or directory), client: 198.51.100.4, server: www.example.com, request: \"GET "
        "/a,%20client:%20b%20c HTTP/1.1\", host: \"www.example.com\"");
    EXPECT_EQ(l.message,
              "open() \"/usr/share/nginx/html/a, client: b c\" failed (2: No such file or directory)");
    EXPECT_EQ(l.client, "198.51.100.4");
    EXPECT_EQ(l.request, "GET /a,%20client:%20b%20c HTTP/1.1");
}

TEST(NginxLine, SubrequestAndStreamTail) {
    nginx_line l = must_parse(
        "2026/07/01 10:14:02 [error] 2841#2841: *12 connect() failed (111: Connection refused) while "
        "connecting to upstream, client: 10.0.0.1, server: app.example.com, request: \"GET /page "
        "HTTP/1.1\", subrequest: \"/auth\", upstream: \"http://127.0.0.1:9091/auth\", host: "
        "\"app.example.com\"");
    EXPECT_EQ(l.subrequest, "/auth");
    EXPECT_EQ(l.upstream, "http://127.0.0.1:9091/auth");
    EXPECT_EQ(l.host, "app.example.com");
    // The stream module: no schema, byte counters instead of host/referrer.
    l = must_parse(
        "2026/07/01 10:14:02 [error] 2841#2841: *3 connect() failed (111: Connection refused) while "
        "connecting to upstream, client: 127.0.0.1, server: 0.0.0.0:5432, upstream: \"127.0.0.1:15432\", "
        "bytes from/to client:0/0, bytes from/to upstream:0/0");
    EXPECT_EQ(l.server, "0.0.0.0:5432");
    EXPECT_EQ(l.upstream, "127.0.0.1:15432");
    EXPECT_TRUE(l.host.empty());
}

TEST(NginxLine, OldNginxRequestWithSpacesAndHttp09) {
    nginx_line l = must_parse(
        "2026/07/01 10:14:02 [error] 2841#2841: *5 connect() failed (111: Connection refused) while "
        "connecting to upstream, client: 10.0.0.1, server: app, request: \"GET /a b\", c HTTP/1.1\", "
        "upstream: \"http://127.0.0.1:3000/a b\", c\", host: \"app\"");
    EXPECT_EQ(l.request, "GET /a b\", c HTTP/1.1");
    EXPECT_EQ(l.upstream, "http://127.0.0.1:3000/a b\", c");
    EXPECT_EQ(l.host, "app");
    l = must_parse(
        "2026/07/01 10:14:02 [error] 2841#2841: *6 connect() failed (111: Connection refused) while "
        "connecting to upstream, client: 10.0.0.1, server: app, request: \"GET /old\", upstream: "
        "\"http://127.0.0.1:3000/old\"");
    EXPECT_EQ(l.request, "GET /old");
    EXPECT_EQ(l.upstream, "http://127.0.0.1:3000/old");
}

TEST(NginxLine, TruncatedByNginxLimit) {
    // NGINX cuts the whole line at 2048 bytes, closing quote or not.
    std::string head =
        "2026/07/01 10:14:02 [error] 2841#2841: *5 upstream timed out (110: Connection timed out) while "
        "reading response header from upstream, client: 10.0.0.1, server: app, request: \"GET /search?q=";
    std::string s = head + std::string(2048 - head.size(), 'a');
    nginx_line l = must_parse(s);
    EXPECT_EQ(l.request.size(), 2048 - head.size() + 14);  // "GET /search?q=" + the a's
    EXPECT_TRUE(l.upstream.empty());
    // Cut inside the upstream value.
    l = must_parse(
        "2026/07/01 10:14:02 [error] 2841#2841: *5 upstream timed out (110: Connection timed out) while "
        "reading response header from upstream, client: 10.0.0.1, server: app, request: \"GET / HTTP/1.1\", "
        "upstream: \"http://127.0.0.1:80");
    EXPECT_EQ(l.upstream, "http://127.0.0.1:80");
    // Cut inside the keys.
    l = must_parse("2026/07/01 10:14:02 [error] 2841#2841: *5 upstream timed out, client: 10.0.0.1, serv");
    EXPECT_EQ(l.client, "10.0.0.1");
    EXPECT_TRUE(l.server.empty());
    l = must_parse("2026/07/01 10:14:02 [error] 2841#2841: *5 upstream timed out, client: 10.0");
    EXPECT_EQ(l.client, "10.0");
    l = must_parse("2026/07/01 10:14:02 [error] 2841#2841:");
    EXPECT_EQ(l.message, "");
    l = must_parse("2026/07/01 10:14:02 [error] 2841#2841: *5");
    EXPECT_EQ(l.connection, 5u);
    EXPECT_EQ(l.message, "");
}

TEST(NginxLine, NotNginxLines) {
    nginx_line l;
    for (string_view s :
         {string_view(""), string_view("\r"), string_view("hello"),
          string_view("nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)"),
          string_view("/docker-entrypoint.sh: Configuration complete; ready for start up"),
          string_view("2026-07-01 10:14:02 [error] 1#1: x"), string_view("2026/07/0"),
          string_view("Jul  1 10:14:02 web1 sshd[1]: Accepted")}) {
        EXPECT_EQ(parse_nginx_line(s, l), match::no) << s;
    }
}

TEST(NginxLine, MalformedAfterADate) {
    nginx_line l;
    for (string_view s : {
             string_view("2026/07/01"),
             string_view("2026/07/01 10:14:0"),
             string_view("2026/07/01 10:14:02"),
             string_view("2026/07/01 10:14:02 "),
             string_view("2026/07/01 10:14:02 [err"),
             string_view("2026/07/01 10:14:02 [bogus] 1#1: x"),
             string_view("2026/07/01 10:14:02 [error]"),
             string_view("2026/07/01 10:14:02 [error] x#1: y"),
             string_view("2026/07/01 10:14:02 [error] 12#: y"),
             string_view("2026/07/01 10:14:02 [error] 12 13: y"),
             string_view("2026/07/01 10:14:02 [error] 12#13 y"),
             string_view("2026/07/01 10:14:02 [error] 12#13:y"),
             string_view("2026/13/01 10:14:02 [error] 1#1: x"),
             string_view("2026/02/30 10:14:02 [error] 1#1: x"),
             string_view("2026/07/01 25:14:02 [error] 1#1: x"),
             string_view("2026/07/01T10:14:02 [error] 1#1: x"),
         }) {
        EXPECT_EQ(parse_nginx_line(s, l), match::malformed) << s;
    }
}

TEST(NginxLine, CarriageReturnAndBigNumbers) {
    nginx_line l =
        must_parse("2026/07/01 10:14:02 [warn] 4294967295#18446744073709551615: *18446744073709551615 x\r");
    EXPECT_EQ(l.message, "x");
    EXPECT_EQ(l.pid, 4294967295u);
    EXPECT_EQ(l.tid, 4294967295u);  // saturated: a 64-bit thread id
    EXPECT_EQ(l.connection, 18446744073709551615u);
    // "*" not followed by a number is message text.
    l = must_parse("2026/07/01 10:14:02 [warn] 1#1: *** x");
    EXPECT_EQ(l.connection, 0u);
    EXPECT_EQ(l.message, "*** x");
}

TEST(NginxLine, JoinedFastcgiStderr) {
    // real (the entry spans five physical lines; nginx_entry_joiner joins them with '\n')
    nginx_line l = must_parse(
        "2026/11/22 06:46:28 [error] 11098#11098: *32 FastCGI sent in stderr: \"PHP message: PHP Warning:  "
        "Undefined variable $user in /var/www/html/index.php on line 7\nPHP message: PHP Fatal error:  "
        "Uncaught Error: Call to a member function get() on null in /var/www/html/index.php:9\nStack "
        "trace:\n#0 {main}\n  thrown in /var/www/html/index.php on line 9\" while reading response header "
        "from upstream, client: 127.0.0.1, server: app.example.com, request: \"GET /php/index.php "
        "HTTP/1.1\", upstream: \"fastcgi://127.0.0.1:18416\", host: \"app.example.com\"");
    EXPECT_EQ(l.client, "127.0.0.1");
    EXPECT_EQ(l.upstream, "fastcgi://127.0.0.1:18416");
    EXPECT_TRUE(l.message.ends_with("line 9\" while reading response header from upstream")) << l.message;
    EXPECT_TRUE(l.message.starts_with("FastCGI sent in stderr: \"PHP message: PHP Warning:  Undefined"));
    upstream_failure f;
    EXPECT_FALSE(classify_upstream_failure(l, f));
}

TEST(NginxLine, HundredKilobyteLines) {
    // A huge line of repeated keys must parse in linear time and stay consistent.
    std::string s =
        "2026/07/01 10:14:02 [error] 1#1: *1 connect() failed (111: Connection refused) while "
        "connecting to upstream, client: 1.2.3.4, server: s, request: \"GET /";
    while (s.size() < 100 * 1024) s += "\", upstream: \"x\", host: \", referrer: \"";
    s += " HTTP/1.1\", upstream: \"http://127.0.0.1:1/\", host: \"h\"";
    auto t0 = std::chrono::steady_clock::now();
    nginx_line l = must_parse(s);
    auto dt = std::chrono::steady_clock::now() - t0;
    EXPECT_EQ(l.upstream, "http://127.0.0.1:1/");
    EXPECT_EQ(l.host, "h");
    EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(dt).count(), 200);

    std::string c = "2026/07/01 10:14:02 [error] 1#1: *1 m";
    while (c.size() < 100 * 1024) c += ", client: ";
    t0 = std::chrono::steady_clock::now();
    l = must_parse(c);
    dt = std::chrono::steady_clock::now() - t0;
    EXPECT_TRUE(l.client.empty());
    EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(dt).count(), 200);

    std::string q = "2026/07/01 10:14:02 [error] 1#1: *1 m, client: 1.2.3.4, server: s, request: \"";
    q += std::string(100 * 1024, '"');
    l = must_parse(q);
    EXPECT_EQ(l.request.size(), 100u * 1024 - 1);

    std::string h = "2026/07/01 10:14:02 [error] 1#1: *1 m, client: 1.2.3.4, server: s, host: \"";
    while (h.size() < 100 * 1024) h += "a, referrer: \"";
    t0 = std::chrono::steady_clock::now();
    l = must_parse(h);
    dt = std::chrono::steady_clock::now() - t0;
    EXPECT_TRUE(l.referrer.empty());
    EXPECT_LT(std::chrono::duration_cast<std::chrono::milliseconds>(dt).count(), 200);
}

// ---- classification -------------------------------------------------------------------

namespace {

struct classify_case {
    string_view message;
    string_view upstream_field;
    failure_kind kind;
    failure_phase phase;
    int err;
    string_view address;
};

upstream_failure classify(string_view message, string_view upstream_field, bool& matched) {
    nginx_line l;
    l.message = message;
    l.upstream = upstream_field;
    upstream_failure f;
    matched = classify_upstream_failure(l, f);
    return f;
}

}  // namespace

TEST(ClassifyUpstream, Phrases) {
    using fk = failure_kind;
    using fp = failure_phase;
    const classify_case cases[] = {
        {"connect() to 127.0.0.1:3000 failed (13: Permission denied) while connecting to upstream",
         "http://127.0.0.1:3000/", fk::connect_failed, fp::connecting, 13, "127.0.0.1:3000"},
        {"connect() failed (111: Connection refused) while connecting to upstream",
         "http://127.0.0.1:18419/x", fk::connect_failed, fp::connecting, 111, "http://127.0.0.1:18419/x"},
        {"connect() failed (111: Connexion refusée) while connecting to upstream", "http://[::1]:8080/",
         fk::connect_failed, fp::connecting, 111, "http://[::1]:8080/"},
        {"connect() to [::1]:8080 failed (99: Cannot assign requested address) while connecting to upstream",
         "http://[::1]:8080/", fk::connect_failed, fp::connecting, 99, "[::1]:8080"},
        {"connect() to 10.0.12.21:8080 failed (101: Network is unreachable) while connecting to upstream", "",
         fk::connect_failed, fp::connecting, 101, "10.0.12.21:8080"},
        {"connect() to 10.0.12.22:8080 failed (113: No route to host) while connecting to upstream", "",
         fk::connect_failed, fp::connecting, 113, "10.0.12.22:8080"},
        {"connect() to 10.0.12.22:8080 failed (113: Host is unreachable) while connecting to upstream", "",
         fk::connect_failed, fp::connecting, 113, "10.0.12.22:8080"},  // musl's text
        {"connect() to unix:/run/gunicorn.sock failed (2: No such file or directory) while connecting to "
         "upstream",
         "http://unix:/run/gunicorn.sock:/", fk::connect_failed, fp::connecting, 2,
         "unix:/run/gunicorn.sock"},
        {"connect() to unix:/run/php-fpm/www.sock failed (11: Resource temporarily unavailable) while "
         "connecting to upstream",
         "fastcgi://unix:/run/php-fpm/www.sock:", fk::connect_failed, fp::connecting, 11,
         "unix:/run/php-fpm/www.sock"},
        {"connect() to unix:/run/php-fpm/www.sock failed (13: Permission denied) while connecting to "
         "upstream",
         "", fk::connect_failed, fp::connecting, 13, "unix:/run/php-fpm/www.sock"},
        {"kevent() reported that connect() failed (61: Connection refused) while connecting to upstream",
         "http://127.0.0.1:8080/", fk::connect_failed, fp::connecting, 61, "http://127.0.0.1:8080/"},
        {"socket() failed (24: Too many open files) while connecting to upstream", "http://127.0.0.1:8080/",
         fk::socket_failed, fp::connecting, 24, "http://127.0.0.1:8080/"},
        {"upstream timed out (110: Connection timed out) while connecting to upstream", "http://10.0.0.5:80/",
         fk::timed_out, fp::connecting, 110, "http://10.0.0.5:80/"},
        {"upstream timed out (110: Connection timed out) while reading response header from upstream",
         "http://127.0.0.1:18413/stall/slow", fk::timed_out, fp::reading_header, 110,
         "http://127.0.0.1:18413/stall/slow"},
        {"upstream timed out (110: Operation timed out) while reading upstream", "http://a:1/", fk::timed_out,
         fp::reading_upstream, 110, "http://a:1/"},
        {"upstream timed out (110: Connection timed out) while sending request to upstream", "http://a:1/",
         fk::timed_out, fp::sending_request, 110, "http://a:1/"},
        {"upstream timed out (110: Connection timed out) while SSL handshaking to upstream", "https://a:1/",
         fk::timed_out, fp::ssl_handshaking, 110, "https://a:1/"},
        {"recv() failed (104: Connection reset by peer) while reading response header from upstream",
         "http://127.0.0.1:18412/x", fk::recv_failed, fp::reading_header, 104, "http://127.0.0.1:18412/x"},
        {"readv() failed (104: Connection reset by peer) while reading upstream", "http://a:1/",
         fk::recv_failed, fp::reading_upstream, 104, "http://a:1/"},
        {"writev() failed (32: Broken pipe) while sending request to upstream", "http://a:1/",
         fk::recv_failed, fp::sending_request, 32, "http://a:1/"},
        {"send() failed (104: Connection reset by peer) while sending request to upstream", "http://a:1/",
         fk::recv_failed, fp::sending_request, 104, "http://a:1/"},
        {"sendfile() failed (32: Broken pipe) while sending request to upstream", "http://a:1/",
         fk::recv_failed, fp::sending_request, 32, "http://a:1/"},
        {"upstream prematurely closed connection while reading response header from upstream",
         "http://127.0.0.1:18411/closed", fk::closed_prematurely, fp::reading_header, 0,
         "http://127.0.0.1:18411/closed"},
        {"upstream prematurely closed FastCGI stdout while reading response header from upstream",
         "fastcgi://unix:/run/php-fpm/www.sock:", fk::closed_prematurely, fp::reading_header, 0,
         "fastcgi://unix:/run/php-fpm/www.sock:"},
        {"no live upstreams while connecting to upstream", "http://backend_pool/pool/b", fk::no_live,
         fp::connecting, 0, "http://backend_pool/pool/b"},
        {"upstream sent too big header while reading response header from upstream", "http://a:1/",
         fk::header_too_big, fp::reading_header, 0, "http://a:1/"},
        {"SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL "
         "handshaking to upstream",
         "https://127.0.0.1:8443/", fk::tls_failed, fp::ssl_handshaking, 0, "https://127.0.0.1:8443/"},
        {"upstream SSL certificate verify error: (10:certificate has expired) while SSL handshaking to "
         "upstream",
         "https://10.0.0.9:443/", fk::tls_failed, fp::ssl_handshaking, 0, "https://10.0.0.9:443/"},
        {"upstream SSL certificate does not match \"api.internal\" while SSL handshaking to upstream",
         "https://10.0.0.9:443/", fk::tls_failed, fp::ssl_handshaking, 0, "https://10.0.0.9:443/"},
        {"nosuch.example.invalid could not be resolved (110: Operation timed out)", "", fk::resolve_failed,
         fp::resolving, 0, ""},
        {"backend.internal could not be resolved (3: Host not found)", "", fk::resolve_failed, fp::resolving,
         0, ""},
        {"no resolver defined to resolve api.internal", "", fk::resolve_failed, fp::resolving, 0, ""},
    };
    for (const auto& c : cases) {
        bool matched = false;
        upstream_failure f = classify(c.message, c.upstream_field, matched);
        ASSERT_TRUE(matched) << c.message;
        EXPECT_EQ(f.kind, c.kind) << c.message;
        EXPECT_EQ(f.phase, c.phase) << c.message;
        EXPECT_EQ(f.err, c.err) << c.message;
        EXPECT_EQ(f.address, c.address) << c.message;
    }
}

TEST(ClassifyUpstream, CodesThatAreNotErrno) {
    bool m = false;
    upstream_failure f = classify("backend.internal could not be resolved (3: Host not found)", "", m);
    ASSERT_TRUE(m);
    EXPECT_EQ(f.resolve_name, "backend.internal");
    EXPECT_EQ(f.code, 3);
    EXPECT_EQ(f.err, 0);
    f = classify("nosuch.example.invalid could not be resolved (110: Operation timed out)", "", m);
    EXPECT_EQ(f.resolve_name, "nosuch.example.invalid");
    EXPECT_EQ(f.code, 110);
    f = classify("no resolver defined to resolve api.internal", "http://api.internal/x", m);
    EXPECT_EQ(f.resolve_name, "api.internal");
    EXPECT_EQ(f.address, "http://api.internal/x");
    f = classify(
        "upstream SSL certificate verify error: (10:certificate has expired) while SSL handshaking "
        "to upstream",
        "", m);
    EXPECT_EQ(f.code, 10);
    EXPECT_EQ(f.err, 0);
    f = classify("upstream timed out (110: Connection timed out) while connecting to upstream", "", m);
    EXPECT_EQ(f.phase_text, "connecting to upstream");
}

TEST(ClassifyUpstream, NotUpstreamFailures) {
    for (string_view msg : {
             string_view("open() \"/usr/share/nginx/html/x\" failed (2: No such file or directory)"),
             string_view("limiting requests, excess: 5.120 by zone \"api\""),
             string_view("client timed out (110: Connection timed out) while waiting for request"),
             string_view(
                 "SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL "
                 "handshaking"),
             string_view(
                 "FastCGI sent in stderr: \"Primary script unknown\" while reading response header from "
                 "upstream"),
             string_view("recv() failed (104: Connection reset by peer) while reading client request line"),
             string_view("upstream server temporarily disabled while connecting to upstream"),
             string_view(
                 "an upstream response is buffered to a temporary file /var/lib/nginx/tmp/proxy/1/00/1 "
                 "while reading upstream"),
             string_view("connect() failed (111: Connection refused)"),
             string_view("connect() to 127.0.0.1:80 failed while connecting to upstream"),
             string_view("recv() failed (111: Connection refused) while resolving, resolver: 127.0.0.1:53"),
             string_view("access forbidden by rule"),
             string_view(" could not be resolved (3: Host not found)"),
             string_view(""),
         }) {
        bool matched = true;
        classify(msg, "http://127.0.0.1:8080/", matched);
        EXPECT_FALSE(matched) << msg;
    }
}

// ---- addresses ------------------------------------------------------------------------

TEST(UpstreamAddress, EveryForm) {
    struct row {
        string_view text;
        transport kind;
        string_view host;
        int port;
        string_view path;
        string_view scheme;
    };
    const row rows[] = {
        {"127.0.0.1:3000", transport::tcp, "127.0.0.1", 3000, "", ""},
        {"[::1]:8080", transport::tcp, "::1", 8080, "", ""},
        {"[2001:db8::1]:443", transport::tcp, "2001:db8::1", 443, "", ""},
        {"unix:/run/x.sock", transport::unix_socket, "", -1, "/run/x.sock", ""},
        {"unix:///run/x.sock", transport::unix_socket, "", -1, "/run/x.sock", ""},
        {"http://unix:/run/x.sock:/uri", transport::unix_socket, "", -1, "/run/x.sock", "http"},
        {"http://unix:/tmp/why502-nginx-6wjny5sx/private/app.sock://x", transport::unix_socket, "", -1,
         "/tmp/why502-nginx-6wjny5sx/private/app.sock", "http"},
        {"fastcgi://unix:/run/php-fpm/www.sock:", transport::unix_socket, "", -1, "/run/php-fpm/www.sock",
         "fastcgi"},
        {"uwsgi://unix:/run/uwsgi/app.sock:", transport::unix_socket, "", -1, "/run/uwsgi/app.sock", "uwsgi"},
        {"uwsgi://127.0.0.1:9000", transport::tcp, "127.0.0.1", 9000, "", "uwsgi"},
        {"scgi://127.0.0.1:4000", transport::tcp, "127.0.0.1", 4000, "", "scgi"},
        {"grpc://127.0.0.1:50051", transport::tcp, "127.0.0.1", 50051, "", "grpc"},
        {"grpcs://[::1]:50051", transport::tcp, "::1", 50051, "", "grpcs"},
        {"https://[::1]:8443/x", transport::tcp, "::1", 8443, "", "https"},
        {"http://127.0.0.1:18419/refused/api/health", transport::tcp, "127.0.0.1", 18419, "", "http"},
        {"http://127.0.0.1:18419/q?x=\"a\",%20upstream:%20\"unix:/evil\"", transport::tcp, "127.0.0.1", 18419,
         "", "http"},
        {"http://backend/uri", transport::name, "backend", -1, "", "http"},
        {"http://backend_pool/pool/b", transport::name, "backend_pool", -1, "", "http"},
        {"http://backend", transport::name, "backend", -1, "", "http"},
        {"http://app.internal:8080/x", transport::tcp, "app.internal", 8080, "", "http"},
        {"localhost:3000", transport::tcp, "localhost", 3000, "", ""},
        {"http://10.0.0.5/x", transport::tcp, "10.0.0.5", -1, "", "http"},
        {"unix:/run/app.sock/api/x", transport::unix_socket, "", -1, "/run/app.sock", ""},
        {"http://unix:/tmp/why502-nginx-6wjny5sx/run/stall.sock/sock-stall/api/x", transport::unix_socket, "",
         -1, "/tmp/why502-nginx-6wjny5sx/run/stall.sock", "http"},
        {"http://unix:/run/app.socket/x?a=b:c", transport::unix_socket, "", -1, "/run/app.socket", "http"},
        {"unix:/run/app/backend", transport::unix_socket, "", -1, "/run/app/backend", ""},
        {"http://app.internal:99999/x", transport::name, "app.internal:99999", -1, "", "http"},
        {"", transport::name, "", -1, "", ""},
        {"::1", transport::tcp, "::1", -1, "", ""},
    };
    for (const auto& r : rows) {
        upstream_address a = parse_upstream_address(r.text);
        EXPECT_EQ(a.kind, r.kind) << r.text;
        EXPECT_EQ(a.host, r.host) << r.text;
        EXPECT_EQ(a.port, r.port) << r.text;
        EXPECT_EQ(a.path, r.path) << r.text;
        EXPECT_EQ(a.scheme, r.scheme) << r.text;
    }
}

// The join and classification on hand-made evidence: each test states one rule of
// PRODUCT.md ("Join them", the cause table) and fails if the rule is broken.
#include "diagnose/diagnose.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "diagnose/classify.hpp"
#include "policy/policy.hpp"

using namespace why502;
using namespace why502::diagnose;

namespace {

const int64_t t0 = timeutil::utc_ms_from_civil({2026, 7, 1, 10, 14, 2, 0});

struct fixture : ::testing::Test {
    void SetUp() override { ASSERT_TRUE(timeutil::set_input_zone("UTC").ok()); }

    evidence_store store;
    std::unique_ptr<policy::policy_view> pol = policy::builtin_rhel();
    uint64_t next_line = 1;

    void failure(parse::failure_kind kind, int err, std::string_view address, int64_t t, uint32_t pid = 2841,
                 std::string_view server = "app.example.com") {
        parse::nginx_line l;
        l.time = timeutil::civil_from_utc_ms(t);
        l.time.millis = 0;
        l.pid = l.tid = pid;
        l.server = server;
        l.host = "app.example.com";
        l.request = "GET /api/x HTTP/1.1";
        parse::upstream_failure f;
        f.kind = kind;
        f.err = err;
        f.phase = parse::failure_phase::connecting;
        f.address = address;
        store.add_failure(l, f, t, 0, next_line++, "raw nginx line");
    }

    parse::avc_denial avc(std::string perm, std::string tclass, std::string ttype, int64_t t,
                          uint32_t pid = 2841) {
        parse::avc_denial d;
        d.record_type = "AVC";
        d.time_ms = t;
        d.pid = pid;
        d.comm = "nginx";
        d.permissions = {std::move(perm)};
        d.tclass = std::move(tclass);
        d.source_type = "httpd_t";
        d.target_type = ttype;
        d.scontext = "system_u:system_r:httpd_t:s0";
        d.tcontext = "system_u:object_r:" + ttype + ":s0";
        d.permissive = 0;
        d.text = "type=AVC ...";
        d.line = 100 + next_line++;
        return d;
    }

    diagnosis run(bool audit = true, bool nginx = true) {
        diagnose_options o;
        o.files = {"error.log", "audit.log"};
        o.have_audit_log = audit;
        o.have_error_log = nginx;
        o.policy = pol.get();
        return diagnose::diagnose(store, o);
    }

    static const finding* find(const diagnosis& d, std::string_view cause, std::string_view addr) {
        for (const auto& f : d.findings)
            if (f.cause == cause && f.upstream.address == addr) return &f;
        return nullptr;
    }
};

}  // namespace

TEST_F(fixture, avc_with_same_pid_port_and_time_confirms_name_connect) {
    failure(parse::failure_kind::connect_failed, 13, "127.0.0.1:3000", t0);
    failure(parse::failure_kind::connect_failed, 13, "127.0.0.1:3000", t0 + 5000, 2842);
    auto a = avc("name_connect", "tcp_socket", "ntop_port_t", t0 + 115);
    a.dest_port = 3000;
    store.add_denial(std::move(a), 1);
    auto b = avc("name_connect", "tcp_socket", "ntop_port_t", t0 + 5100, 2842);
    b.dest_port = 3000;
    store.add_denial(std::move(b), 1);
    store.add_audit_time(t0 - 60000);
    store.add_audit_time(t0 + 60000);
    auto d = run();
    ASSERT_EQ(d.findings.size(), 1u);
    const auto& f = d.findings[0];
    EXPECT_EQ(f.cause, "selinux.name_connect");
    EXPECT_EQ(f.confidence, "confirmed");
    EXPECT_EQ(f.count, 2u);
    ASSERT_TRUE(f.selinux);
    EXPECT_EQ(f.selinux->avc_count, 2u);
    EXPECT_EQ(f.selinux->target_type, "ntop_port_t");
    EXPECT_EQ(f.upstream.port, 3000);
    EXPECT_EQ(f.upstream.host, "127.0.0.1");
    EXPECT_FALSE(f.fixes.empty());
    bool has_nginx = false, has_audit = false;
    for (const auto& e : f.evidence) {
        has_nginx |= e.source == "nginx" && e.file == "error.log";
        has_audit |= e.source == "audit" && e.file == "audit.log";
    }
    EXPECT_TRUE(has_nginx && has_audit);
}

TEST_F(fixture, no_join_across_pids_ports_or_beyond_the_window) {
    failure(parse::failure_kind::connect_failed, 13, "127.0.0.1:3000", t0);
    auto other_pid = avc("name_connect", "tcp_socket", "ntop_port_t", t0, 9999);
    other_pid.dest_port = 3000;
    store.add_denial(std::move(other_pid), 1);
    auto other_port = avc("name_connect", "tcp_socket", "http_cache_port_t", t0);
    other_port.dest_port = 8080;
    store.add_denial(std::move(other_port), 1);
    auto late = avc("name_connect", "tcp_socket", "ntop_port_t", t0 + 10000);
    late.dest_port = 3000;
    store.add_denial(std::move(late), 1);
    store.add_audit_time(t0 - 60000);
    store.add_audit_time(t0 + 60000);
    auto d = run();
    const finding* f = find(d, "selinux.unlogged_denial", "127.0.0.1:3000");
    ASSERT_NE(f, nullptr) << "an errno-13 failure without a matching AVC, audit covering the time";
    EXPECT_EQ(f->count, 1u);
    EXPECT_NE(f->settle.find("semodule -DB"), std::string::npos);
    // The unmatched denials still become findings of their own, with count 0.
    const finding* g = find(d, "selinux.name_connect", "*:8080");
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->count, 0u);
    EXPECT_EQ(g->selinux->avc_count, 1u);
}

TEST_F(fixture, one_denial_explains_one_failure_and_the_sockaddr_address_must_agree) {
    // Two failures of the same worker and second to 127.0.0.1:3000 and [::1]:3000; one
    // AVC whose SOCKADDR names 127.0.0.1. It explains the first only, once.
    failure(parse::failure_kind::connect_failed, 13, "127.0.0.1:3000", t0);
    failure(parse::failure_kind::connect_failed, 13, "[::1]:3000", t0);
    failure(parse::failure_kind::connect_failed, 13, "127.0.0.1:3000", t0 + 500);
    auto a = avc("name_connect", "tcp_socket", "ntop_port_t", t0 + 100);
    a.dest_port = 3000;
    a.saddr_host = "127.0.0.1";
    store.add_denial(std::move(a), 1);
    store.add_audit_time(t0 - 60000);
    store.add_audit_time(t0 + 60000);
    auto d = run();
    const finding* v4 = find(d, "selinux.name_connect", "127.0.0.1:3000");
    ASSERT_NE(v4, nullptr);
    EXPECT_EQ(v4->count, 1u);
    EXPECT_EQ(v4->selinux->avc_count, 1u);
    const finding* rest = find(d, "selinux.unlogged_denial", "127.0.0.1:3000");
    ASSERT_NE(rest, nullptr) << "the second failure cannot reuse the AVC";
    EXPECT_EQ(rest->count, 1u);
    EXPECT_NE(find(d, "selinux.unlogged_denial", "[::1]:3000"), nullptr) << "SOCKADDR 127.0.0.1 is not ::1";
    uint64_t avcs = 0;
    for (const auto& f : d.findings) avcs += f.selinux ? f.selinux->avc_count : 0;
    EXPECT_EQ(avcs, 1u) << "a denial is counted once";
}

TEST_F(fixture, errno13_without_audit_log_is_likely_selinux_on_tcp) {
    failure(parse::failure_kind::connect_failed, 13, "127.0.0.1:3000", t0);
    auto d = run(false);
    const finding* f = find(d, "selinux.name_connect", "127.0.0.1:3000");
    ASSERT_NE(f, nullptr);
    EXPECT_NE(f->confidence, "confirmed");
    EXPECT_FALSE(f->settle.empty());
}

TEST_F(fixture, errno13_on_unix_socket_without_avc_points_to_dac) {
    failure(parse::failure_kind::connect_failed, 13, "unix:/run/app/app.sock", t0);
    store.add_audit_time(t0 - 60000);
    store.add_audit_time(t0 + 60000);
    auto d = run();
    const finding* f = find(d, "dac.socket_permission", "unix:/run/app/app.sock");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->confidence, "likely");
    EXPECT_EQ(f->upstream.transport, "unix");
    EXPECT_EQ(f->upstream.path, "/run/app/app.sock");
    EXPECT_FALSE(f->upstream.port);
}

TEST_F(fixture, sock_file_write_by_dentry_name_is_the_file_label) {
    failure(parse::failure_kind::connect_failed, 13, "unix:/run/gunicorn/app.sock", t0);
    auto a = avc("write", "sock_file", "var_run_t", t0 + 300);
    a.name = "app.sock";  // inode checks print only the dentry name
    store.add_denial(std::move(a), 1);
    auto d = run();
    const finding* f = find(d, "selinux.socket_file_label", "unix:/run/gunicorn/app.sock");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->confidence, "confirmed");
    EXPECT_EQ(f->selinux->tclass, "sock_file");
}

TEST_F(fixture, connectto_is_the_unix_socket_connect_cause) {
    failure(parse::failure_kind::connect_failed, 13, "unix:/run/php-fpm/www.sock", t0);
    auto a = avc("connectto", "unix_stream_socket", "unconfined_t", t0 + 20);
    a.saddr_path = "/run/php-fpm/www.sock";
    store.add_denial(std::move(a), 1);
    auto d = run();
    EXPECT_NE(find(d, "selinux.unix_socket_connect", "unix:/run/php-fpm/www.sock"), nullptr);
}

TEST_F(fixture, permissive_denial_without_failure_is_its_own_finding) {
    auto a = avc("name_connect", "tcp_socket", "unreserved_port_t", t0);
    a.dest_port = 18080;
    a.saddr_host = "127.0.0.1";
    a.permissive = 1;
    store.add_denial(std::move(a), 1);
    auto d = run();
    const finding* f = find(d, "selinux.permissive_denial", "127.0.0.1:18080");
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->count, 0u);
    EXPECT_EQ(f->selinux->avc_count, 1u);
    EXPECT_TRUE(f->selinux->permissive);
    EXPECT_EQ(f->first_seen_ms, t0);
}

TEST_F(fixture, a_permissive_denial_never_explains_a_failure) {
    failure(parse::failure_kind::connect_failed, 13, "127.0.0.1:3000", t0);
    auto a = avc("name_connect", "tcp_socket", "ntop_port_t", t0);
    a.dest_port = 3000;
    a.permissive = 1;
    store.add_denial(std::move(a), 1);
    auto d = run(false);
    const finding* f = find(d, "selinux.name_connect", "127.0.0.1:3000");
    ASSERT_NE(f, nullptr);
    EXPECT_NE(f->confidence, "confirmed");
}

TEST_F(fixture, errno_table_classifies_every_other_failure) {
    using k = parse::failure_kind;
    failure(k::connect_failed, 111, "127.0.0.1:5000", t0);
    failure(k::connect_failed, 111, "[::1]:5001", t0);
    failure(k::connect_failed, 2, "unix:/run/missing.sock", t0);
    failure(k::connect_failed, 11, "unix:/run/busy.sock", t0);
    failure(k::socket_failed, 24, "127.0.0.1:5002", t0);
    failure(k::connect_failed, 99, "127.0.0.1:5003", t0);
    failure(k::connect_failed, 101, "10.0.0.9:80", t0);
    failure(k::connect_failed, 113, "10.0.0.8:80", t0);
    failure(k::timed_out, 110, "127.0.0.1:5004", t0);
    failure(k::recv_failed, 104, "127.0.0.1:5005", t0);
    failure(k::closed_prematurely, 0, "127.0.0.1:5006", t0);
    failure(k::header_too_big, 0, "127.0.0.1:5007", t0);
    failure(k::tls_failed, 0, "127.0.0.1:5008", t0);
    auto d = run(false);
    EXPECT_NE(find(d, "backend.refused", "127.0.0.1:5000"), nullptr);
    EXPECT_NE(find(d, "backend.refused", "[::1]:5001"), nullptr);
    EXPECT_NE(find(d, "backend.socket_missing", "unix:/run/missing.sock"), nullptr);
    EXPECT_NE(find(d, "backend.socket_backlog", "unix:/run/busy.sock"), nullptr);
    EXPECT_NE(find(d, "local.fd_limit", "127.0.0.1:5002"), nullptr);
    EXPECT_NE(find(d, "local.ephemeral_ports", "127.0.0.1:5003"), nullptr);
    EXPECT_NE(find(d, "network.unreachable", "10.0.0.9:80"), nullptr);
    EXPECT_NE(find(d, "network.unreachable", "10.0.0.8:80"), nullptr);
    EXPECT_NE(find(d, "backend.timeout", "127.0.0.1:5004"), nullptr);
    EXPECT_NE(find(d, "backend.reset", "127.0.0.1:5005"), nullptr);
    EXPECT_NE(find(d, "backend.closed", "127.0.0.1:5006"), nullptr);
    EXPECT_NE(find(d, "upstream.header_too_big", "127.0.0.1:5007"), nullptr);
    EXPECT_NE(find(d, "upstream.tls", "127.0.0.1:5008"), nullptr);
    EXPECT_EQ(d.findings.size(), 13u);
    for (const auto& f : d.findings) {
        EXPECT_EQ(f.selinux, std::nullopt) << f.cause;
        EXPECT_FALSE(f.fixes.empty()) << f.cause;
        EXPECT_TRUE(f.fixes.front().least_privilege) << f.cause;
    }
}

TEST_F(fixture, no_live_upstreams_links_the_earlier_failures_of_the_same_server) {
    failure(parse::failure_kind::connect_failed, 111, "127.0.0.1:5000", t0, 2841, "shop.example.com");
    failure(parse::failure_kind::no_live, 0, "http://backend/cart", t0 + 3000, 2841, "shop.example.com");
    auto d = run(false);
    const finding* f = find(d, "upstream.no_live", "backend");
    ASSERT_NE(f, nullptr);
    EXPECT_FALSE(f->upstream.port);
    EXPECT_NE(f->explanation.find("backend.refused at 127.0.0.1:5000"), std::string::npos) << f->explanation;
}

TEST_F(fixture, counts_times_and_window) {
    evidence_store windowed({t0 + 1000, t0 + 5000});
    parse::nginx_line l;
    parse::upstream_failure f;
    f.kind = parse::failure_kind::connect_failed;
    f.err = 111;
    f.address = "127.0.0.1:9";
    for (int i = 0; i < 10; ++i) {
        l.time = timeutil::civil_from_utc_ms(t0 + i * 1000);
        windowed.add_failure(l, f, t0 + i * 1000, 0, static_cast<uint64_t>(i + 1), "x");
    }
    ASSERT_EQ(windowed.groups().size(), 1u);
    EXPECT_EQ(windowed.groups()[0].count, 5u);
    EXPECT_EQ(windowed.groups()[0].first_ms, t0 + 1000);
    EXPECT_EQ(windowed.groups()[0].last_ms, t0 + 5000);
    EXPECT_EQ(windowed.outside_window(), 5u);
}

TEST_F(fixture, merge_of_worker_stores_equals_one_store) {
    evidence_store a, b;
    parse::nginx_line l;
    l.time = timeutil::civil_from_utc_ms(t0);
    parse::upstream_failure f;
    f.kind = parse::failure_kind::connect_failed;
    f.err = 111;
    f.address = "127.0.0.1:9";
    for (int i = 0; i < 7; ++i) a.add_failure(l, f, t0, 0, static_cast<uint64_t>(100 + i), "a");
    for (int i = 0; i < 5; ++i) b.add_failure(l, f, t0, 0, static_cast<uint64_t>(1 + i), "b");
    a.merge(std::move(b));
    ASSERT_EQ(a.groups().size(), 1u);
    EXPECT_EQ(a.groups()[0].count, 12u);
    // The earliest lines are the evidence, whichever worker saw them.
    EXPECT_EQ(a.groups()[0].samples.items().front().line, 1u);
}

TEST(classify, errno_table) {
    EXPECT_EQ(cause_of(parse::failure_kind::connect_failed, 111, false), "backend.refused");
    EXPECT_EQ(cause_of(parse::failure_kind::connect_failed, 2, true), "backend.socket_missing");
    EXPECT_EQ(cause_of(parse::failure_kind::connect_failed, 13, false), "");
    EXPECT_EQ(cause_of(parse::failure_kind::recv_failed, 104, false), "backend.reset");
    ASSERT_NE(find_errno(111), nullptr);
    EXPECT_EQ(find_errno(111)->name, "ECONNREFUSED");
    EXPECT_EQ(find_errno(12345), nullptr);
}

// audit_event_builder: grouping records into events and what each denial carries.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/time.hpp"
#include "parse/audit.hpp"

namespace why502::parse {
namespace {

std::vector<avc_denial> run(const std::vector<std::string>& lines, audit_parse_context ctx = {},
                            uint64_t* malformed = nullptr) {
    audit_event_builder b(ctx);
    std::vector<avc_denial> out;
    uint64_t n = 0;
    for (const auto& l : lines) {
        b.feed(l, ++n);
        for (auto& d : b.take()) out.push_back(std::move(d));
    }
    b.finish();
    for (auto& d : b.take()) out.push_back(std::move(d));
    if (malformed) *malformed = b.malformed();
    return out;
}

const std::string kStamp = "msg=audit(1782555242.115:4242): ";
const std::string kHttpd = "scontext=system_u:system_r:httpd_t:s0 ";

std::string nginx_connect_event_line(int i) {
    const std::string s = "msg=audit(1782555242.115:4242): ";
    switch (i) {
        case 0:
            return "type=AVC " + s +
                   "avc:  denied  { name_connect } for  pid=2841 comm=\"nginx\" dest=3000 " + kHttpd +
                   "tcontext=system_u:object_r:ntop_port_t:s0 tclass=tcp_socket permissive=0";
        case 1:
            return "type=SYSCALL " + s +
                   "arch=c000003e syscall=42 success=no exit=-13 a0=c a1=55d3c8a1e2f0 a2=10 a3=0 "
                   "items=0 ppid=2840 pid=2841 auid=4294967295 uid=997 gid=994 euid=997 suid=997 "
                   "fsuid=997 egid=994 sgid=994 fsgid=994 tty=(none) ses=4294967295 comm=\"nginx\" "
                   "exe=\"/usr/sbin/nginx\" subj=system_u:system_r:httpd_t:s0 key=(null)\x1d"
                   "ARCH=x86_64 SYSCALL=connect AUID=\"unset\" UID=\"nginx\" GID=\"nginx\"";
        case 2:
            return "type=SOCKADDR " + s +
                   "saddr=02000BB87F0000010000000000000000\x1dSADDR={ saddr_fam=inet laddr=127.0.0.1 "
                   "lport=3000 }";
        case 3:
            return "type=PROCTITLE " + s + "proctitle=6E67696E783A20776F726B65722070726F63657373";
        default:
            return "type=EOE " + s;
    }
}

TEST(AuditEvents, RawEventMergesSyscallSockaddrProctitle) {
    std::vector<std::string> lines;
    for (int i = 0; i < 5; ++i) lines.push_back(nginx_connect_event_line(i));
    audit_event_builder b;
    for (size_t i = 0; i + 1 < lines.size(); ++i) {
        EXPECT_EQ(b.feed(lines[i], i + 1), match::yes);
        EXPECT_TRUE(b.take().empty()) << "event not complete before EOE";
    }
    EXPECT_EQ(b.feed(lines.back(), 5), match::yes);
    auto ds = b.take();  // complete at EOE, without finish()
    ASSERT_EQ(ds.size(), 1u);
    const avc_denial& d = ds[0];
    EXPECT_EQ(d.record_type, "AVC");
    EXPECT_EQ(d.time_ms, 1782555242115);
    EXPECT_EQ(d.serial, 4242u);
    EXPECT_TRUE(d.denied);
    EXPECT_EQ(d.permissions, std::vector<std::string>{"name_connect"});
    EXPECT_EQ(d.pid, 2841u);
    EXPECT_EQ(d.comm, "nginx");
    EXPECT_EQ(d.exe, "/usr/sbin/nginx");
    EXPECT_EQ(d.scontext, "system_u:system_r:httpd_t:s0");
    EXPECT_EQ(d.tcontext, "system_u:object_r:ntop_port_t:s0");
    EXPECT_EQ(d.source_type, "httpd_t");
    EXPECT_EQ(d.target_type, "ntop_port_t");
    EXPECT_EQ(d.tclass, "tcp_socket");
    EXPECT_EQ(d.permissive, 0);
    EXPECT_EQ(d.dest_port, 3000);
    EXPECT_EQ(d.saddr_host, "127.0.0.1");
    EXPECT_EQ(d.saddr_port, 3000);
    EXPECT_EQ(d.syscall, 42);
    EXPECT_EQ(d.exit_code, -13);
    EXPECT_EQ(d.success, 0);
    EXPECT_EQ(d.uid, 997u);
    EXPECT_EQ(d.proctitle, "nginx: worker process");
    EXPECT_EQ(d.text, lines[0]);
    EXPECT_EQ(d.line, 1u);
    EXPECT_EQ(b.records(), 5u);
    EXPECT_EQ(b.malformed(), 0u);
}

TEST(AuditEvents, AusearchOrderRecordsBeforeTheirDenial) {
    // ausearch prints an event's records last to first: PROCTITLE, SOCKADDR, SYSCALL, AVC.
    std::vector<std::string> lines = {"----", "time->Sat Jun 27 10:14:02 2026"};
    for (int i : {3, 2, 1, 0}) lines.push_back(nginx_connect_event_line(i));
    auto ds = run(lines);
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].exe, "/usr/sbin/nginx");
    EXPECT_EQ(ds[0].saddr_port, 3000);
    EXPECT_EQ(ds[0].proctitle, "nginx: worker process");
    EXPECT_EQ(ds[0].line, 6u);
}

TEST(AuditEvents, SeveralDenialsInOneEventWithPathAndCwd) {
    const std::string s = "msg=audit(1782555250.001:5000): ";
    std::vector<std::string> lines = {
        "type=AVC " + s +
            "avc:  denied  { read } for  pid=2843 comm=\"nginx\" name=\"index.html\" dev=\"dm-2\" "
            "ino=4242 " +
            kHttpd + "tcontext=unconfined_u:object_r:user_home_t:s0 tclass=file permissive=0",
        "type=AVC " + s +
            "avc:  denied  { open } for  pid=2843 comm=\"nginx\" "
            "path=\"/home/deploy/site/index.html\" dev=\"dm-2\" ino=4242 " +
            kHttpd + "tcontext=unconfined_u:object_r:user_home_t:s0 tclass=file permissive=0",
        "type=SYSCALL " + s +
            "arch=c000003e syscall=257 success=no exit=-13 items=1 ppid=2840 pid=2843 "
            "uid=997 comm=\"nginx\" exe=\"/usr/sbin/nginx\" key=(null)",
        "type=CWD " + s + "cwd=\"/home/deploy\"",
        "type=PATH " + s +
            "item=0 name=\"site/index.html\" inode=4242 dev=fd:02 mode=0100644 nametype=NORMAL",
        "type=PROCTITLE " + s + "proctitle=6E67696E783A20776F726B65722070726F63657373",
    };
    auto ds = run(lines);
    ASSERT_EQ(ds.size(), 2u);
    EXPECT_EQ(ds[0].permissions, std::vector<std::string>{"read"});
    EXPECT_EQ(ds[0].name, "index.html");
    EXPECT_EQ(ds[0].dev, "dm-2");
    EXPECT_EQ(ds[0].ino, 4242u);
    EXPECT_EQ(ds[0].path, "/home/deploy/site/index.html");  // PATH name joined with CWD
    EXPECT_EQ(ds[1].permissions, std::vector<std::string>{"open"});
    EXPECT_EQ(ds[1].path, "/home/deploy/site/index.html");
    for (const auto& d : ds) {
        EXPECT_EQ(d.serial, 5000u);
        EXPECT_EQ(d.syscall, 257);
        EXPECT_EQ(d.exe, "/usr/sbin/nginx");
    }
    EXPECT_EQ(ds[0].line, 1u);
    EXPECT_EQ(ds[1].line, 2u);
}

TEST(AuditEvents, InterleavedEventsKeepTheirOwnRecords) {
    auto rec = [](const char* type, int serial, const std::string& body) {
        return std::string("type=") + type + " msg=audit(1782555242.1" + std::to_string(serial % 100) + ":" +
               std::to_string(serial) + "): " + body;
    };
    auto avc = [&](int serial, int pid, int port) {
        return rec("AVC", serial,
                   "avc:  denied  { name_connect } for  pid=" + std::to_string(pid) +
                       " comm=\"nginx\" dest=" + std::to_string(port) + " " + kHttpd +
                       "tcontext=system_u:object_r:http_cache_port_t:s0 tclass=tcp_socket permissive=0");
    };
    auto sys = [&](int serial, int pid) {
        return rec("SYSCALL", serial,
                   "arch=c000003e syscall=42 success=no exit=-13 pid=" + std::to_string(pid) +
                       " uid=997 comm=\"nginx\" exe=\"/usr/sbin/nginx\"");
    };
    auto sa = [&](int serial, const char* hex) {
        return rec("SOCKADDR", serial, std::string("saddr=") + hex);
    };
    std::vector<std::string> lines = {
        avc(10, 2841, 8080),
        avc(11, 2842, 9000),
        rec("CRED_DISP", 12, "pid=99 uid=0 msg='op=PAM:setcred acct=\"root\" res=success'"),
        sys(11, 2842),
        sys(10, 2841),
        sa(10, "02001F900A000C150000000000000000"),  // 10.0.12.21:8080
        sa(11, "020023280A000C160000000000000000"),  // 10.0.12.22:9000
        rec("EOE", 11, ""),
        rec("EOE", 10, ""),
    };
    auto ds = run(lines);
    ASSERT_EQ(ds.size(), 2u);
    EXPECT_EQ(ds[0].serial, 10u);  // released in the order of their first denial
    EXPECT_EQ(ds[0].pid, 2841u);
    EXPECT_EQ(ds[0].saddr_host, "10.0.12.21");
    EXPECT_EQ(ds[0].saddr_port, 8080);
    EXPECT_EQ(ds[1].serial, 11u);
    EXPECT_EQ(ds[1].dest_port, 9000);
    EXPECT_EQ(ds[1].exe, "/usr/sbin/nginx");
    EXPECT_EQ(ds[1].saddr_host, "10.0.12.22");
    EXPECT_EQ(ds[1].saddr_port, 9000);
}

TEST(AuditEvents, SameSerialOnTwoNodesAreTwoEvents) {
    std::vector<std::string> lines;
    for (const char* node : {"web1", "web2"})
        lines.push_back(std::string("node=") + node + " " + nginx_connect_event_line(0));
    lines.push_back("node=web2 " + nginx_connect_event_line(1));
    auto ds = run(lines);
    ASSERT_EQ(ds.size(), 2u);
    EXPECT_EQ(ds[0].node, "web1");
    EXPECT_EQ(ds[0].exe, "");
    EXPECT_EQ(ds[1].node, "web2");
    EXPECT_EQ(ds[1].exe, "/usr/sbin/nginx");
}

TEST(AuditEvents, HexEncodedCommAndPathUnixSocket) {
    const std::string s = "msg=audit(1782555260.500:6000): ";
    // comm "my app" and path "/run/my app/app.sock" contain a space: the kernel writes hex.
    std::vector<std::string> lines = {
        "type=AVC " + s +
            "avc:  denied  { connectto } for  pid=3100 comm=6D7920617070 "
            "path=2F72756E2F6D79206170702F6170702E736F636B " +
            kHttpd +
            "tcontext=system_u:system_r:unconfined_service_t:s0-s0:c0.c1023 tclass=unix_stream_socket "
            "permissive=1",
        "type=SYSCALL " + s +
            "arch=c000003e syscall=42 success=yes exit=0 pid=3100 uid=997 "
            "comm=6D7920617070 exe=\"/usr/sbin/nginx\" key=(null)",
        "type=SOCKADDR " + s + "saddr=01002F72756E2F6D79206170702F6170702E736F636B00",
    };
    auto ds = run(lines);
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].comm, "my app");
    EXPECT_EQ(ds[0].path, "/run/my app/app.sock");
    EXPECT_EQ(ds[0].saddr_path, "/run/my app/app.sock");
    EXPECT_EQ(ds[0].permissive, 1);
    EXPECT_EQ(ds[0].success, 1);
    EXPECT_EQ(ds[0].exit_code, 0);
    EXPECT_EQ(ds[0].target_type, "unconfined_service_t");
    EXPECT_EQ(ds[0].tcontext, "system_u:system_r:unconfined_service_t:s0-s0:c0.c1023");
}

TEST(AuditEvents, SockaddrFamilies) {
    const std::string s = "msg=audit(1782555260.500:6001): ";
    const std::string avc = "type=AVC " + s +
                            "avc:  denied  { name_connect } for  pid=1 comm=\"nginx\" dest=8080 " + kHttpd +
                            "tcontext=system_u:object_r:http_cache_port_t:s0 tclass=tcp_socket";
    // inet6 [::1]:8080
    auto ds =
        run({avc, "type=SOCKADDR " + s + "saddr=0A001F90000000000000000000000000000000000000000100000000"});
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].saddr_host, "::1");
    EXPECT_EQ(ds[0].saddr_port, 8080);
    EXPECT_EQ(ds[0].permissive, -1);  // older kernels do not print permissive=
    // abstract unix socket "@app"
    ds = run({avc, "type=SOCKADDR " + s + "saddr=010000617070"});
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].saddr_path, "@app");
    // only the ENRICHED text survives (raw saddr garbled)
    ds = run({avc, "type=SOCKADDR " + s + "saddr=zz\x1dSADDR={ saddr_fam=inet6 laddr=fd00::5 lport=9200 }"});
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].saddr_host, "fd00::5");
    EXPECT_EQ(ds[0].saddr_port, 9200);
}

TEST(AuditEvents, GrantedAndContextsWithoutMls) {
    auto ds =
        run({"type=AVC msg=audit(1782555270.000:7000): avc:  granted  { setsecparam } for  pid=1 "
             "comm=\"load_policy\" scontext=system_u:system_r:load_policy_t "
             "tcontext=system_u:object_r:security_t tclass=security"});
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_FALSE(ds[0].denied);
    EXPECT_EQ(ds[0].source_type, "load_policy_t");
    EXPECT_EQ(ds[0].target_type, "security_t");
}

TEST(AuditEvents, UserAvc) {
    // As written by systemd (and by gen_audit.py) on RHEL 9, ENRICHED.
    auto ds =
        run({"type=USER_AVC msg=audit(1782555280.250:8000): pid=1 uid=0 auid=4294967295 "
             "ses=4294967295 subj=system_u:system_r:init_t:s0 msg='avc:  denied  { reload } for "
             "auid=n/a uid=0 gid=0 path=\"/usr/lib/systemd/system/nginx.service\" "
             "cmdline=\"/usr/bin/systemctl reload nginx.service\" "
             "scontext=system_u:system_r:zabbix_agent_t:s0 tcontext=system_u:object_r:httpd_unit_t:s0 "
             "tclass=service permissive=0  exe=\"/usr/lib/systemd/systemd\" sauid=0 hostname=? addr=? "
             "terminal=?'\x1dUID=\"root\" AUID=\"unset\"",
             "type=USER_AVC msg=audit(1782555280.300:8001): pid=1 uid=0 msg='avc:  received "
             "policyload notice (seqno=2)  exe=\"/usr/lib/systemd/systemd\" sauid=0'"});
    ASSERT_EQ(ds.size(), 1u);
    const avc_denial& d = ds[0];
    EXPECT_EQ(d.record_type, "USER_AVC");
    EXPECT_EQ(d.pid, 1u);
    EXPECT_EQ(d.uid, 0u);
    EXPECT_EQ(d.permissions, std::vector<std::string>{"reload"});
    EXPECT_EQ(d.source_type, "zabbix_agent_t");
    EXPECT_EQ(d.target_type, "httpd_unit_t");
    EXPECT_EQ(d.tclass, "service");
    EXPECT_EQ(d.permissive, 0);
    EXPECT_EQ(d.exe, "/usr/lib/systemd/systemd");
    EXPECT_EQ(d.path, "/usr/lib/systemd/system/nginx.service");
}

TEST(AuditEvents, SelinuxErr) {
    auto ds = run({
        "type=SELINUX_ERR msg=audit(1782555290.000:9000): op=security_compute_sid "
        "invalid_context=\"system_u:system_r:httpd_t:s0:c0.c1023\" scontext=system_u:system_r:init_t:s0 "
        "tcontext=system_u:object_r:httpd_exec_t:s0 tclass=process",
        "type=SYSCALL msg=audit(1782555290.000:9000): arch=c000003e syscall=59 success=no exit=-13 "
        "pid=3300 uid=0 comm=\"(nginx)\" exe=\"/usr/lib/systemd/systemd\" key=(null)",
        "type=SELINUX_ERR msg=audit(1782555291.000:9001): op=security_bounded_transition seresult=denied "
        "oldcontext=system_u:system_r:init_t:s0 newcontext=system_u:system_r:httpd_t:s0",
    });
    ASSERT_EQ(ds.size(), 2u);
    EXPECT_EQ(ds[0].record_type, "SELINUX_ERR");
    EXPECT_EQ(ds[0].source_type, "init_t");
    EXPECT_EQ(ds[0].target_type, "httpd_exec_t");
    EXPECT_EQ(ds[0].tclass, "process");
    EXPECT_EQ(ds[0].pid, 3300u);
    EXPECT_EQ(ds[0].syscall, 59);
    EXPECT_TRUE(ds[0].permissions.empty());
    EXPECT_EQ(ds[1].source_type, "init_t");
    EXPECT_EQ(ds[1].target_type, "httpd_t");
}

TEST(AuditEvents, SelinuxErrBoundsAndUserSelinuxErr) {
    auto ds = run({
        "type=SELINUX_ERR msg=audit(1782555292.000:9100): op=security_compute_av reason=bounds "
        "scontext=system_u:system_r:httpd_child_t:s0 tcontext=system_u:object_r:var_run_t:s0 "
        "tclass=sock_file perms=write,getattr",
        "type=USER_SELINUX_ERR msg=audit(1782555293.000:9101): pid=812 uid=81 auid=4294967295 "
        "ses=4294967295 subj=system_u:system_r:system_dbusd_t:s0-s0:c0.c1023 msg='op=security_compute_av "
        "reason=bounds scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:system_r:init_t:s0 "
        "tclass=dbus perms=send_msg exe=\"/usr/bin/dbus-broker\" sauid=81 hostname=? addr=? terminal=?'",
    });
    ASSERT_EQ(ds.size(), 2u);
    EXPECT_EQ(ds[0].permissions, (std::vector<std::string>{"write", "getattr"}));
    EXPECT_EQ(ds[0].source_type, "httpd_child_t");
    EXPECT_EQ(ds[0].tclass, "sock_file");
    EXPECT_EQ(ds[1].record_type, "USER_SELINUX_ERR");
    EXPECT_EQ(ds[1].permissions, std::vector<std::string>{"send_msg"});
    EXPECT_EQ(ds[1].pid, 812u);
    EXPECT_EQ(ds[1].exe, "/usr/bin/dbus-broker");
    EXPECT_EQ(ds[1].target_type, "init_t");
}

TEST(AuditEvents, EstablishedSocketAddresses) {
    // A denial on a connected socket names both ends.
    auto ds =
        run({"type=AVC msg=audit(1782555300.000:9200): avc:  denied  { write } for  pid=2841 "
             "comm=\"nginx\" laddr=127.0.0.1 lport=54822 faddr=127.0.0.1 fport=3000 "
             "scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:system_r:unconfined_service_t:s0 "
             "tclass=tcp_socket permissive=0",
             "type=AVC msg=audit(1782555300.100:9201): avc:  denied  { name_bind } for  pid=2840 "
             "comm=\"nginx\" src=8888 scontext=system_u:system_r:httpd_t:s0 "
             "tcontext=system_u:object_r:unreserved_port_t:s0 tclass=tcp_socket permissive=0"});
    ASSERT_EQ(ds.size(), 2u);
    EXPECT_EQ(ds[0].laddr, "127.0.0.1");
    EXPECT_EQ(ds[0].lport, 54822);
    EXPECT_EQ(ds[0].faddr, "127.0.0.1");
    EXPECT_EQ(ds[0].fport, 3000);
    EXPECT_EQ(ds[0].dest_port, -1);
    EXPECT_EQ(ds[1].src_port, 8888);
    EXPECT_EQ(ds[1].permissions, std::vector<std::string>{"name_bind"});
}

TEST(AuditEvents, KernelConsoleForm) {
    std::vector<std::string> lines = {
        "[ 9921.310577] audit: type=1400 audit(1782555242.115:4242): avc:  denied  { name_connect } for  "
        "pid=2841 comm=\"nginx\" dest=3000 scontext=system_u:system_r:httpd_t:s0 "
        "tcontext=system_u:object_r:ntop_port_t:s0 tclass=tcp_socket permissive=0",
        "[ 9921.310601] audit: type=1300 audit(1782555242.115:4242): arch=c000003e syscall=42 success=no "
        "exit=-13 a0=c a1=55d3c8a1e2f0 a2=10 a3=0 items=0 ppid=2840 pid=2841 auid=4294967295 uid=997 "
        "comm=\"nginx\" exe=\"/usr/sbin/nginx\" subj=system_u:system_r:httpd_t:s0 key=(null)",
        "[ 9921.310610] audit: type=1306 audit(1782555242.115:4242): saddr=02000BB87F0000010000000000000000",
        "[ 9921.310618] audit: type=1327 audit(1782555242.115:4242): "
        "proctitle=6E67696E783A20776F726B65722070726F63657373",
    };
    auto ds = run(lines);
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].exe, "/usr/sbin/nginx");
    EXPECT_EQ(ds[0].saddr_port, 3000);
    EXPECT_EQ(ds[0].proctitle, "nginx: worker process");
}

TEST(AuditEvents, JournaldGroupsBySecondAndPid) {
    ASSERT_TRUE(timeutil::set_input_zone("UTC").ok());
    audit_parse_context ctx;
    ctx.reference_ms = timeutil::utc_ms_from_civil({2026, 7, 2, 0, 0, 0, 0});
    const std::string p = "Jul  1 10:14:02 web1 ";
    auto avc = [&](int pid, int port) {
        return p + "audit[" + std::to_string(pid) +
               "]: AVC avc:  denied  { name_connect } for  pid=" + std::to_string(pid) +
               " comm=\"nginx\" dest=" + std::to_string(port) + " " + kHttpd +
               "tcontext=system_u:object_r:http_cache_port_t:s0 tclass=tcp_socket permissive=0";
    };
    auto sys = [&](int pid) {
        return p + "audit[" + std::to_string(pid) +
               "]: SYSCALL arch=c000003e syscall=42 success=no exit=-13 "
               "pid=" +
               std::to_string(pid) + " uid=997 comm=\"nginx\" exe=\"/usr/sbin/nginx\" key=(null)";
    };
    std::vector<std::string> lines = {
        avc(2841, 8080),
        sys(2841),
        p + "audit: SOCKADDR saddr=02001F907F0000010000000000000000",
        p + "audit: PROCTITLE proctitle=6E67696E783A20776F726B65722070726F63657373",
        p + "systemd[1]: Started Session 12 of User alice.",  // other syslog lines do not break a group
        avc(2841, 9000),  // same pid and second: a denial after a SYSCALL is the next event
        sys(2841),
        p + "audit: SOCKADDR saddr=020023287F0000010000000000000000",
        avc(2842, 3000),
        avc(2842, 3000),  // two AVCs of one event
        sys(2842),
    };
    auto ds = run(lines, ctx);
    ASSERT_EQ(ds.size(), 4u);
    EXPECT_EQ(ds[0].dest_port, 8080);
    EXPECT_EQ(ds[0].saddr_port, 8080);
    EXPECT_EQ(ds[0].proctitle, "nginx: worker process");
    EXPECT_EQ(ds[0].serial, 0u);
    EXPECT_EQ(ds[0].time_ms, timeutil::utc_ms_from_civil({2026, 7, 1, 10, 14, 2, 0}));
    EXPECT_EQ(ds[1].dest_port, 9000);
    EXPECT_EQ(ds[1].saddr_port, 9000);
    EXPECT_EQ(ds[1].proctitle, "");
    EXPECT_EQ(ds[2].pid, 2842u);
    EXPECT_EQ(ds[2].exe, "/usr/sbin/nginx");
    EXPECT_EQ(ds[3].exe, "/usr/sbin/nginx");
    EXPECT_EQ(ds[3].saddr_port, -1);
}

TEST(AuditEvents, AusearchInterpretedEvent) {
    ASSERT_TRUE(timeutil::set_input_zone("UTC").ok());
    std::vector<std::string> lines = {
        "----",
        "time->Sat Jun 27 10:14:06 2026",
        "type=PROCTITLE msg=audit(06/27/26 10:14:06.250:1086) : proctitle=nginx: worker process ",
        "type=SOCKADDR msg=audit(06/27/26 10:14:06.250:1086) : saddr={ saddr_fam=local "
        "path=/run/gunicorn/app.sock } ",
        "type=SYSCALL msg=audit(06/27/26 10:14:06.250:1086) : arch=x86_64 syscall=connect success=no "
        "exit=EACCES(Permission denied) a0=0x19 a1=0x55d2226532e4 a2=0x10 a3=0xa3cb748a37e items=0 ppid=2840 "
        "pid=2841 auid=unset uid=unknown(997) gid=unknown(994) euid=unknown(997) tty=(none) ses=unset "
        "comm=nginx exe=/usr/sbin/nginx subj=system_u:system_r:httpd_t:s0 key=(null) ",
        "type=AVC msg=audit(06/27/26 10:14:06.250:1086) : avc:  denied  { write } for  pid=2841 comm=nginx "
        "name=app.sock dev=\"tmpfs\" ino=345297 scontext=system_u:system_r:httpd_t:s0 "
        "tcontext=system_u:object_r:var_run_t:s0 tclass=sock_file permissive=0 ",
    };
    auto ds = run(lines);
    ASSERT_EQ(ds.size(), 1u);
    const avc_denial& d = ds[0];
    EXPECT_EQ(d.time_ms, 1782555246250);
    EXPECT_EQ(d.serial, 1086u);
    EXPECT_EQ(d.comm, "nginx");
    EXPECT_EQ(d.name, "app.sock");
    EXPECT_EQ(d.dev, "tmpfs");
    EXPECT_EQ(d.permissive, 0);
    EXPECT_EQ(d.syscall, 42);
    EXPECT_EQ(d.exit_code, -13);
    EXPECT_EQ(d.uid, 997u);
    EXPECT_EQ(d.saddr_path, "/run/gunicorn/app.sock");
    EXPECT_EQ(d.path, "/run/gunicorn/app.sock");
    EXPECT_EQ(d.proctitle, "nginx: worker process");
}

TEST(AuditEvents, TruncatedDenialIsMalformedNotEmitted) {
    uint64_t malformed = 0;
    auto ds = run({"type=AVC msg=audit(1782555242.115:4242): avc:  denied  { name_connect } for  pid=2841 "
                   "comm=\"nginx\" dest=3000 scontext=system_u:sys",
                   "type=AVC msg=audit(1782555242.115:4243): avc:  denied  { name_con",
                   "type=AVC msg=audit(1782555242.115:42"},
                  {}, &malformed);
    EXPECT_TRUE(ds.empty());
    EXPECT_EQ(malformed, 3u);
}

TEST(AuditEvents, MemoryStaysBoundedWithoutEoe) {
    // 20000 events without EOE (as with log_format where EOE was filtered): denials must
    // come out while reading, at most a window behind.
    audit_event_builder b;
    uint64_t line = 0, taken = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string s = "msg=audit(1782555242.115:" + std::to_string(10000 + i) + "): ";
        b.feed("type=AVC " + s + "avc:  denied  { name_connect } for  pid=2841 comm=\"nginx\" dest=3000 " +
                   kHttpd + "tcontext=system_u:object_r:ntop_port_t:s0 tclass=tcp_socket permissive=0",
               ++line);
        b.feed("type=SYSCALL " + s + "arch=c000003e syscall=42 success=no exit=-13 pid=2841 uid=997", ++line);
        b.feed("type=EXECVE " + s + "argc=1 a0=\"x\"", ++line);
        taken += b.take().size();
        ASSERT_GE(taken + audit_event_window, static_cast<uint64_t>(i)) << "events pile up";
    }
    b.finish();
    taken += b.take().size();
    EXPECT_EQ(taken, 20000u);
}

TEST(AuditEvents, RecordsBeyondTheWindowDoNotJoin) {
    std::vector<std::string> lines = {nginx_connect_event_line(0)};
    for (uint64_t i = 0; i < audit_event_window; ++i)
        lines.push_back("type=EXECVE msg=audit(1782555243.000:" + std::to_string(5000 + i) +
                        "): argc=1 a0=\"x\"");
    lines.push_back(nginx_connect_event_line(1));  // the event's SYSCALL, too late
    auto ds = run(lines);
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].exe, "");
    lines.erase(lines.end() - 2);  // now exactly at the window's edge
    ds = run(lines);
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].exe, "/usr/sbin/nginx");
}

TEST(AuditEvents, LineNumbersZeroStillBounded) {
    audit_event_builder b;
    for (int i = 0; i < 1000; ++i) {
        std::string s = "msg=audit(1782555242.115:" + std::to_string(i) + "): ";
        b.feed("type=AVC " + s + "avc:  denied  { read } for  pid=1 comm=\"x\" " + kHttpd +
                   "tcontext=system_u:object_r:etc_t:s0 tclass=file",
               0);
    }
    EXPECT_GE(b.take().size(), 1000 - audit_event_window - 1);
}

// The records of an event split by a chunk edge, both ways round (its SYSCALL at the end
// of one chunk and its AVC opening the next; an AVC closing a chunk and its records
// opening the next), among thousands of other events' context records.
TEST(AuditSelectionFeeder, JoinsEventsAcrossChunkEdgesAndSkipsOtherEdgeLines) {
    auto filler = [](std::vector<std::string>& v, int from, int n) {
        for (int i = 0; i < n; ++i)
            v.push_back(
                "type=SYSCALL msg=audit(1782555242.115:" + std::to_string(from + i) +
                "): arch=c000003e syscall=59 success=yes exit=0 pid=7 comm=\"cat\" exe=\"/usr/bin/cat\"");
    };
    std::vector<std::string> a, b, c;
    filler(a, 10000, 600);
    a.push_back(nginx_connect_event_line(1));  // SYSCALL of 4242, last line of chunk a
    a.push_back(nginx_connect_event_line(2));
    b.push_back(nginx_connect_event_line(0));  // its AVC opens chunk b
    filler(b, 20000, 600);
    const std::string s2 = "msg=audit(1782555242.115:4243): ";
    b.push_back("type=AVC " + s2 +
                "avc:  denied  { connectto } for  pid=2842 comm=\"nginx\" path=\"/run/x.sock\" " + kHttpd +
                "tcontext=system_u:system_r:unconfined_t:s0 tclass=unix_stream_socket permissive=0");
    c.push_back("type=SYSCALL " + s2 +
                "arch=c000003e syscall=42 success=no exit=-13 pid=2842 comm=\"nginx\" " +
                "exe=\"/usr/sbin/nginx\"");
    filler(c, 30000, 600);
    std::vector<std::string> all = a;
    all.insert(all.end(), b.begin(), b.end());
    all.insert(all.end(), c.begin(), c.end());
    auto want = run(all);
    ASSERT_EQ(want.size(), 2u);
    ASSERT_EQ(want[0].exe, "/usr/sbin/nginx");
    ASSERT_EQ(want[0].saddr_port, 3000);
    ASSERT_EQ(want[1].exe, "/usr/sbin/nginx");

    audit_event_builder builder;
    audit_selection_feeder feeder(builder);
    std::vector<avc_denial> got;
    uint64_t first = 1;
    size_t kept = 0;
    for (const auto* chunk : {&a, &b, &c}) {
        std::string text;
        for (const auto& l : *chunk) text += l + "\n";
        audit_selection sel;
        select_audit_lines(text, 0, sel);
        kept += sel.lines.size();
        sel.renumber(first);
        first += chunk->size();
        feeder.feed(std::move(sel));
        for (auto& d : builder.take()) got.push_back(std::move(d));
    }
    feeder.finish();
    for (auto& d : builder.take()) got.push_back(std::move(d));
    ASSERT_EQ(got.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(got[i].line, want[i].line);
        EXPECT_EQ(got[i].exe, want[i].exe);
        EXPECT_EQ(got[i].saddr_port, want[i].saddr_port);
        EXPECT_EQ(got[i].syscall, want[i].syscall);
    }
    // Kept: each chunk's edge windows. Parsed: the denials' events and the edge lines
    // within a window of a denial across the edge, not the far edges.
    EXPECT_GT(kept, 5 * audit_event_window);
    EXPECT_LT(builder.records(), kept - 2 * audit_event_window) << "kept " << kept;
}

}  // namespace
}  // namespace why502::parse

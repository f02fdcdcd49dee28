// parse_audit_line and field access, one test per form a user pastes. The lines are
// shaped like those of RHEL 8/9 hosts (audit 3.x, ENRICHED default), journald,
// rsyslog and dmesg.
#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "base/time.hpp"
#include "parse/audit.hpp"

namespace why502::parse {
namespace {

constexpr const char* kAvcBody =
    "avc:  denied  { name_connect } for  pid=2841 comm=\"nginx\" dest=3000 "
    "scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:ntop_port_t:s0 "
    "tclass=tcp_socket permissive=0";

std::string raw_avc() {
    return std::string("type=AVC msg=audit(1782555242.115:4242): ") + kAvcBody;
}

// Records are views into their line: the lines live as long as the test program.
audit_record parse_ok(std::string line, audit_parse_context ctx = {}) {
    static std::deque<std::string> keep;
    keep.push_back(std::move(line));
    audit_record r;
    EXPECT_EQ(parse_audit_line(keep.back(), ctx, r), match::yes) << keep.back();
    return r;
}

class AuditLine : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(timeutil::set_input_zone("UTC").ok()); }
};

TEST_F(AuditLine, Raw) {
    std::string line = raw_avc();
    audit_record r;
    ASSERT_EQ(parse_audit_line(line, {}, r), match::yes);
    EXPECT_EQ(r.type, "AVC");
    EXPECT_EQ(r.node, "");
    EXPECT_EQ(r.time_ms, 1782555242115);
    EXPECT_EQ(r.serial, 4242u);
    EXPECT_TRUE(r.has_serial);
    EXPECT_EQ(r.form, audit_form::raw);
    EXPECT_EQ(r.body, kAvcBody);
    EXPECT_TRUE(r.enriched.empty());
    // Views point into the line.
    EXPECT_GE(r.body.data(), line.data());
    EXPECT_LE(r.body.data() + r.body.size(), line.data() + line.size());
}

TEST_F(AuditLine, TrailingCarriageReturnAndNewline) {
    audit_record r = parse_ok(raw_avc() + "\r\n");
    EXPECT_EQ(r.body, kAvcBody);
}

TEST_F(AuditLine, EnrichedSplitsAtGroupSeparator) {
    std::string line =
        "type=SYSCALL msg=audit(1782555242.115:4242): arch=c000003e syscall=42 success=no exit=-13 "
        "a0=c a1=55d3c8a1e2f0 a2=10 a3=0 items=0 ppid=2840 pid=2841 auid=4294967295 uid=997 "
        "gid=994 euid=997 suid=997 fsuid=997 egid=994 sgid=994 fsgid=994 tty=(none) "
        "ses=4294967295 comm=\"nginx\" exe=\"/usr/sbin/nginx\" subj=system_u:system_r:httpd_t:s0 "
        "key=(null)\x1d"
        "ARCH=x86_64 SYSCALL=connect AUID=\"unset\" UID=\"nginx\" GID=\"nginx\" EUID=\"nginx\" "
        "SUID=\"nginx\" FSUID=\"nginx\" EGID=\"nginx\" SGID=\"nginx\" FSGID=\"nginx\"";
    audit_record r = parse_ok(line);
    EXPECT_EQ(r.form, audit_form::enriched);
    EXPECT_EQ(r.type, "SYSCALL");
    EXPECT_TRUE(r.body.ends_with("key=(null)"));
    EXPECT_TRUE(r.enriched.starts_with("ARCH=x86_64"));
    std::string v;
    ASSERT_TRUE(audit_field(r.body, "uid", v));
    EXPECT_EQ(v, "997");
    ASSERT_TRUE(audit_enriched_field(r, "UID", v));
    EXPECT_EQ(v, "nginx");
    ASSERT_TRUE(audit_enriched_field(r, "SYSCALL", v));
    EXPECT_EQ(v, "connect");
    ASSERT_TRUE(audit_field(r.body, "key", v));
    EXPECT_EQ(v, "");  // (null)
    // Even given the whole line, the raw field wins: the cursor stops at 0x1d.
    ASSERT_TRUE(audit_field(line, "syscall", v));
    EXPECT_EQ(v, "42");
}

TEST_F(AuditLine, EnrichedWithoutSeparatorIsRecognised) {
    // A copy lost the 0x1d: glued to the last raw value, or turned into a space.
    for (std::string sep : {"", " "}) {
        std::string line =
            "type=SOCKADDR msg=audit(1782555242.115:4242): saddr=02000BB87F0000010000000000000000" + sep +
            "SADDR={ saddr_fam=inet laddr=127.0.0.1 lport=3000 }";
        audit_record r = parse_ok(line);
        EXPECT_EQ(r.form, audit_form::enriched);
        EXPECT_EQ(r.body, "saddr=02000BB87F0000010000000000000000") << sep;
        EXPECT_EQ(r.enriched, "SADDR={ saddr_fam=inet laddr=127.0.0.1 lport=3000 }");
        std::string v;
        ASSERT_TRUE(audit_field(r.body, "saddr", v));
        EXPECT_EQ(v, "02000BB87F0000010000000000000000");
        // The lower-case keys inside SADDR={ } never shadow the raw fields.
        EXPECT_FALSE(audit_field(r.body, "laddr", v));
    }
    std::string line =
        "type=SYSCALL msg=audit(1782555242.115:4242): arch=c000003e syscall=42 success=no exit=-13 "
        "pid=2841 uid=997 comm=\"nginx\" exe=\"/usr/sbin/nginx\" key=(null)ARCH=x86_64 "
        "SYSCALL=connect AUID=\"unset\" UID=\"nginx\"";
    audit_record r = parse_ok(line);
    EXPECT_TRUE(r.body.ends_with("key=(null)"));
    std::string v;
    ASSERT_TRUE(audit_field(r.body, "key", v));
    EXPECT_EQ(v, "");
    ASSERT_TRUE(audit_field(r.body, "uid", v));
    EXPECT_EQ(v, "997");
}

TEST_F(AuditLine, UpperCaseValuesAreNotEnrichment) {
    // Upper-case values (a2=O_RDWR in a raw copy of interpreted text, nametype=NORMAL)
    // and an upper-case key followed by lower-case ones are not an enriched part.
    audit_record r = parse_ok(
        "type=PATH msg=audit(1782555242.115:4242): item=0 name=\"/srv/app\" inode=1 dev=fd:00 "
        "mode=040755 ouid=0 ogid=0 rdev=00:00 obj=system_u:object_r:var_t:s0 nametype=NORMAL "
        "cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0");
    EXPECT_EQ(r.form, audit_form::raw);
    EXPECT_TRUE(r.enriched.empty());
    r = parse_ok(
        "type=USER_CMD msg=audit(1782555242.115:4242): pid=1 uid=0 msg='cwd=\"/\" UID=x cmd=6C73 "
        "res=success'");
    EXPECT_TRUE(r.enriched.empty());
}

TEST_F(AuditLine, NodePrefix) {
    audit_record r = parse_ok("node=web1.example.com " + raw_avc());
    EXPECT_EQ(r.node, "web1.example.com");
    EXPECT_EQ(r.type, "AVC");
    EXPECT_EQ(r.serial, 4242u);
    EXPECT_EQ(r.body, kAvcBody);
}

TEST_F(AuditLine, GrepPrefixes) {
    for (std::string prefix :
         {"audit.log:", "/var/log/audit/audit.log.1:", "audit.log:1234:", "./logs/host 1/audit.log:"}) {
        audit_record r = parse_ok(prefix + raw_avc());
        EXPECT_EQ(r.type, "AVC") << prefix;
        EXPECT_EQ(r.serial, 4242u) << prefix;
        EXPECT_EQ(r.body, kAvcBody) << prefix;
    }
    audit_record r = parse_ok("audit.log:node=db2 " + raw_avc());
    EXPECT_EQ(r.node, "db2");
}

TEST_F(AuditLine, AusearchInterpretedDates) {
    struct tc {
        const char* stamp;
        int64_t utc_ms;
    };
    // 2026-06-27 10:14:03.595 local.
    const tc cases[] = {
        {"06/27/26 10:14:03.595:1018", 1782555243595},    // C locale (%x)
        {"06/27/2026 10:14:03.595:1018", 1782555243595},  // en_US
        {"27/06/2026 10:14:03.595:1018", 1782555243595},  // en_GB, unambiguous day
        {"2026-06-27 10:14:03.595:1018", 1782555243595},  // ISO locales
        {"27.06.2026 10:14:03.595:1018", 1782555243595},  // de_DE
    };
    for (const auto& c : cases) {
        std::string line = std::string("type=AVC msg=audit(") + c.stamp +
                           ") : avc:  denied  { read } for  pid=2034 comm=zabbix_agentd "
                           "name=nginx_status.log dev=\"dm-0\" ino=6194558 "
                           "scontext=system_u:system_r:zabbix_agent_t:s0 "
                           "tcontext=system_u:object_r:httpd_log_t:s0 tclass=file permissive=0 ";
        audit_record r = parse_ok(line);
        EXPECT_EQ(r.form, audit_form::ausearch_interpreted) << c.stamp;
        EXPECT_EQ(r.time_ms, c.utc_ms) << c.stamp;
        EXPECT_EQ(r.serial, 1018u);
        EXPECT_TRUE(r.body.starts_with("avc:  denied")) << r.body;
    }
    // Local time is read in the input zone (CEST = UTC+2 in June).
    ASSERT_TRUE(timeutil::set_input_zone("Europe/Paris").ok());
    audit_record r = parse_ok("type=EOE msg=audit(06/27/26 12:14:03.595:1018) : ");
    EXPECT_EQ(r.time_ms, 1782555243595);
    EXPECT_EQ(r.type, "EOE");
}

TEST_F(AuditLine, AusearchSeparatorsAreNotRecords) {
    audit_record r;
    audit_parse_context ctx;
    EXPECT_EQ(parse_audit_line("----", ctx, r), match::no);
    EXPECT_EQ(parse_audit_line("time->Sat Jun 27 10:14:03 2026", ctx, r), match::no);
    EXPECT_EQ(parse_audit_line("", ctx, r), match::no);
    EXPECT_EQ(parse_audit_line("<no matches>", ctx, r), match::no);
}

TEST_F(AuditLine, AusearchInterpretedValuesWithSpaces) {
    audit_record r = parse_ok(
        "type=SYSCALL msg=audit(06/27/26 10:14:06.250:1086) : arch=x86_64 syscall=connect "
        "success=no exit=EACCES(Permission denied) a0=0x19 a1=0x55d2226532e4 a2=0x10 a3=0xa3cb items=0 "
        "ppid=2840 pid=2841 auid=unset uid=nginx gid=nginx euid=nginx suid=nginx fsuid=nginx "
        "egid=nginx sgid=nginx fsgid=nginx tty=(none) ses=unset comm=nginx: worker exe=/usr/sbin/nginx "
        "subj=system_u:system_r:httpd_t:s0 key=(null) ");
    std::string v;
    ASSERT_TRUE(audit_record_field(r, "exit", v));
    EXPECT_EQ(v, "EACCES(Permission denied)");
    ASSERT_TRUE(audit_record_field(r, "comm", v));
    EXPECT_EQ(v, "nginx: worker");
    ASSERT_TRUE(audit_record_field(r, "exe", v));
    EXPECT_EQ(v, "/usr/sbin/nginx");
    ASSERT_TRUE(audit_record_field(r, "key", v));
    EXPECT_EQ(v, "");
    r = parse_ok(
        "type=PROCTITLE msg=audit(06/27/26 10:14:06.250:1086) : proctitle=nginx: master process "
        "/usr/sbin/nginx -g daemon=on; ");
    ASSERT_TRUE(audit_record_field(r, "proctitle", v));
    EXPECT_EQ(v, "nginx: master process /usr/sbin/nginx -g daemon=on;");
    r = parse_ok(
        "type=SOCKADDR msg=audit(06/27/26 10:14:06.250:1086) : saddr={ saddr_fam=inet "
        "laddr=127.0.0.1 lport=3000 } ");
    ASSERT_TRUE(audit_record_field(r, "saddr", v));
    EXPECT_EQ(v, "{ saddr_fam=inet laddr=127.0.0.1 lport=3000 }");
}

TEST_F(AuditLine, KernelForms) {
    const char* prefixes[] = {
        "Jul  1 10:14:02 web1 kernel: audit: ",
        "2026-07-01T10:14:02.123456+02:00 web1 kernel: audit: ",
        "[ 1234.567890] audit: ",
        "[Wed Jul  1 10:14:02 2026] audit: ",
        "kernel: [ 1234.567890] audit: ",
    };
    for (const char* p : prefixes) {
        std::string line = std::string(p) + "type=1400 audit(1782555242.115:4242): " + kAvcBody;
        audit_record r = parse_ok(line);
        EXPECT_EQ(r.type, "AVC") << p;
        EXPECT_EQ(r.form, audit_form::kernel) << p;
        EXPECT_EQ(r.time_ms, 1782555242115) << p;
        EXPECT_EQ(r.serial, 4242u) << p;
        EXPECT_EQ(r.body, kAvcBody) << p;
    }
    const std::pair<const char*, const char*> numbers[] = {
        {"1300", "SYSCALL"},  {"1327", "PROCTITLE"},     {"1306", "SOCKADDR"},
        {"1302", "PATH"},     {"1307", "CWD"},           {"1320", "EOE"},
        {"1107", "USER_AVC"}, {"1401", "SELINUX_ERR"},   {"1122", "USER_SELINUX_ERR"},
        {"1309", "EXECVE"},   {"1130", "SERVICE_START"},
    };
    for (auto [n, name] : numbers) {
        std::string line = std::string("[ 5.1] audit: type=") + n + " audit(1782555242.115:4242): x=1";
        audit_record r = parse_ok(line);
        EXPECT_EQ(r.type, name);
    }
    audit_record r = parse_ok("[ 5.1] audit: type=1999 audit(1782555242.115:4242): x=1");
    EXPECT_EQ(r.type, "1999");
    EXPECT_EQ(classify_audit_type(r.type), audit_type_class::other);
}

TEST_F(AuditLine, Journald) {
    audit_parse_context ctx;
    ctx.reference_ms = timeutil::utc_ms_from_civil({2026, 7, 2, 0, 0, 0, 0});
    std::string line = std::string("Jul  1 10:14:02 web1 audit[2841]: AVC ") + kAvcBody;
    audit_record r = parse_ok(line, ctx);
    EXPECT_EQ(r.form, audit_form::journald);
    EXPECT_EQ(r.type, "AVC");
    EXPECT_FALSE(r.has_serial);
    EXPECT_EQ(r.serial, 0u);
    EXPECT_EQ(r.journald_pid, 2841u);
    EXPECT_EQ(r.time_ms, timeutil::utc_ms_from_civil({2026, 7, 1, 10, 14, 2, 0}));
    EXPECT_EQ(r.body, kAvcBody);

    r = parse_ok("Jul  1 10:14:02 web1 audit: PROCTITLE proctitle=6E67696E783A20776F726B65722070726F63657373",
                 ctx);
    EXPECT_EQ(r.type, "PROCTITLE");
    EXPECT_EQ(r.journald_pid, 0u);
    std::string v;
    ASSERT_TRUE(audit_record_field(r, "proctitle", v));
    EXPECT_EQ(v, "nginx: worker process");

    // A December line read in January belongs to the previous year.
    ctx.reference_ms = timeutil::utc_ms_from_civil({2027, 1, 3, 0, 0, 0, 0});
    r = parse_ok("Dec 31 23:59:59 web1 audit[1]: USER_AVC pid=1 uid=0 msg='avc:  denied'", ctx);
    EXPECT_EQ(r.time_ms, timeutil::utc_ms_from_civil({2026, 12, 31, 23, 59, 59, 0}));

    // journalctl -o short-iso / short-precise.
    r = parse_ok("2026-07-01T10:14:02+0200 web1 audit[2841]: SYSCALL arch=c000003e syscall=42", ctx);
    EXPECT_EQ(r.time_ms, timeutil::utc_ms_from_civil({2026, 7, 1, 8, 14, 2, 0}));
    r = parse_ok("Jul 01 10:14:02.123456 web1 audit[2841]: EOE", ctx);
    EXPECT_EQ(r.type, "EOE");
    EXPECT_EQ(r.time_ms % 1000, 123);

    // The zone of a syslog stamp is the input zone. (Another hour than above: the
    // offset cache of timeutil::local_to_utc_ms is per hour and survives a zone change.)
    ASSERT_TRUE(timeutil::set_input_zone("America/New_York").ok());
    r = parse_ok("Jul  1 11:14:02 web1 audit[2841]: EOE", ctx);
    EXPECT_EQ(r.time_ms, timeutil::utc_ms_from_civil({2026, 7, 1, 15, 14, 2, 0}));
}

TEST_F(AuditLine, OtherSyslogLinesAreNotRecords) {
    audit_record r;
    audit_parse_context ctx;
    for (const char* line : {
             "Jul  1 10:14:02 web1 kernel: audit: initializing netlink subsys (disabled)",
             "Jul  1 10:14:02 web1 auditd[800]: Audit daemon rotating log files",
             "Jul  1 10:14:02 web1 systemd[1]: Started Security Auditing Service.",
             "2026/07/01 10:14:02 [crit] 2841#2841: *7 connect() to 127.0.0.1:3000 failed (13: "
             "Permission denied) while connecting to upstream, client: 10.0.0.1, server: _, request: "
             "\"GET /?type=AVC HTTP/1.1\", upstream: \"http://127.0.0.1:3000/\"",
         }) {
        EXPECT_EQ(parse_audit_line(line, ctx, r), match::no) << line;
    }
}

TEST_F(AuditLine, MalformedAndTruncated) {
    audit_record r;
    audit_parse_context ctx;
    EXPECT_EQ(parse_audit_line("type=AVC msg=audit(1782555242.115:42", ctx, r), match::malformed);
    EXPECT_EQ(parse_audit_line("type=AVC msg=audit(17825x5242.115:4242): avc:", ctx, r), match::malformed);
    EXPECT_EQ(parse_audit_line("type=AVC", ctx, r), match::malformed);
    EXPECT_EQ(parse_audit_line("type=AVC msg=", ctx, r), match::malformed);
    EXPECT_EQ(parse_audit_line("node=web1 type=AVC msg=audit(nonsense): x", ctx, r), match::malformed);
    EXPECT_EQ(parse_audit_line("type=AVC msg=audit(13/45/26 10:14:02.000:1) : x", ctx, r), match::malformed);
    // A record cut after its stamp still parses; the event builder judges the body.
    EXPECT_EQ(parse_audit_line("type=AVC msg=audit(1782555242.115:4242): avc:  denied  { name_con", ctx, r),
              match::yes);
}

TEST_F(AuditLine, BinaryGarbageNeverCrashes) {
    std::string junk;
    uint32_t x = 12345;
    audit_record r;
    audit_parse_context ctx;
    for (int round = 0; round < 2000; ++round) {
        junk.clear();
        size_t n = x % 300;
        for (size_t i = 0; i < n; ++i) {
            x = x * 1103515245 + 12345;
            junk += static_cast<char>(x >> 16);
        }
        // Splice record-like pieces in so the deeper paths run too.
        if (round % 3 == 0) junk.insert(0, "type=AVC msg=audit(");
        if (round % 5 == 0) junk.insert(junk.size() / 2, " audit[12]: AVC ");
        match m = parse_audit_line(junk, ctx, r);
        (void)m;
        std::string v;
        audit_field(junk, "comm", v);
        audit_line_may_matter(junk);
    }
    SUCCEED();
}

TEST(AuditField, HexQuotedNullAndMissing) {
    const std::string body =
        "pid=2841 comm=6E67696E78206D6173746572 path=\"/run/app.sock\" "
        "name=2F72756E2F6D7920617070732F782E736F636B exe=(null) cwd=? dest=3000 "
        "key=7765620161756469746564";
    std::string v;
    ASSERT_TRUE(audit_field(body, "comm", v));
    EXPECT_EQ(v, "nginx master");
    ASSERT_TRUE(audit_field(body, "path", v));
    EXPECT_EQ(v, "/run/app.sock");
    ASSERT_TRUE(audit_field(body, "name", v));
    EXPECT_EQ(v, "/run/my apps/x.sock");
    ASSERT_TRUE(audit_field(body, "exe", v));
    EXPECT_EQ(v, "");
    ASSERT_TRUE(audit_field(body, "cwd", v));
    EXPECT_EQ(v, "");
    ASSERT_TRUE(audit_field(body, "dest", v));
    EXPECT_EQ(v, "3000");  // digits are not hex-decoded outside the escaped fields
    ASSERT_TRUE(audit_field(body, "key", v));
    EXPECT_EQ(v, std::string("web\x01"
                             "audited"));
    EXPECT_FALSE(audit_field(body, "tclass", v));
    EXPECT_FALSE(audit_field(body, "id", v));  // never a suffix match ("pid")
    std::string_view raw;
    ASSERT_TRUE(audit_field_raw(body, "path", raw));
    EXPECT_EQ(raw, "\"/run/app.sock\"");
}

TEST(AuditField, UserMessageInside) {
    const std::string body =
        "pid=1 uid=0 auid=4294967295 ses=4294967295 subj=system_u:system_r:init_t:s0 "
        "msg='avc:  denied  { reload } for auid=n/a uid=0 gid=0 "
        "path=\"/usr/lib/systemd/system/nginx.service\" cmdline=\"/usr/bin/systemctl reload "
        "nginx.service\" scontext=system_u:system_r:zabbix_agent_t:s0 "
        "tcontext=system_u:object_r:httpd_unit_t:s0 tclass=service permissive=0 "
        "exe=\"/usr/lib/systemd/systemd\" sauid=0 hostname=? addr=? terminal=?'";
    std::string v;
    ASSERT_TRUE(audit_field(body, "cmdline", v));
    EXPECT_EQ(v, "/usr/bin/systemctl reload nginx.service");
    ASSERT_TRUE(audit_field(body, "terminal", v));
    EXPECT_EQ(v, "");
    ASSERT_TRUE(audit_field(body, "tclass", v));
    EXPECT_EQ(v, "service");
    ASSERT_TRUE(audit_field(body, "pid", v));
    EXPECT_EQ(v, "1");
}

TEST(AuditField, DecodeHex) {
    std::string out;
    EXPECT_TRUE(decode_audit_hex("2F72756E", out));
    EXPECT_EQ(out, "/run");
    EXPECT_TRUE(decode_audit_hex("2f72756e", out));
    EXPECT_EQ(out, "/run");
    EXPECT_FALSE(decode_audit_hex("2F7", out));
    EXPECT_FALSE(decode_audit_hex("2G", out));
    EXPECT_FALSE(decode_audit_hex("", out));
    EXPECT_TRUE(decode_audit_hex("00FF", out));
    EXPECT_EQ(out, std::string("\0\xff", 2));
    // proctitle: NULs between arguments become spaces.
    decode_audit_value("proctitle", "2F7573722F7362696E2F6E67696E78002D6700", false, out);
    EXPECT_EQ(out, "/usr/sbin/nginx -g");
}

TEST(AuditPeek, PrefilterKeepsWhatEventsNeed) {
    for (const char* line : {
             "type=AVC msg=audit(1782555242.115:4242): avc:  denied",
             "type=SYSCALL msg=audit(1782555242.115:4242): arch=c000003e syscall=42",
             "type=SOCKADDR msg=audit(1782555242.115:4242): saddr=0200",
             "type=PROCTITLE msg=audit(1782555242.115:4242): proctitle=6E67",
             "type=PATH msg=audit(1782555242.115:4242): item=0",
             "type=CWD msg=audit(1782555242.115:4242): cwd=\"/\"",
             "type=EOE msg=audit(1782555242.115:4242): ",
             "type=USER_AVC msg=audit(1782555242.115:4242): pid=1",
             "type=SELINUX_ERR msg=audit(1782555242.115:4242): op=x",
             "node=a type=AVC msg=audit(1782555242.115:4242): avc:",
             "[ 1.0] audit: type=1400 audit(1782555242.115:4242): avc:",
             "Jul  1 10:14:02 web1 audit[2841]: AVC avc:  denied",
             "Jul  1 10:14:02 web1 audit: SOCKADDR saddr=0200",
         }) {
        EXPECT_TRUE(audit_line_may_matter(line)) << line;
    }
    for (const char* line : {
             "type=EXECVE msg=audit(1782555242.115:4242): argc=2 a0=\"ls\" a1=\"avc:\"",
             "type=USER_ACCT msg=audit(1782555242.115:4242): pid=1",
             "type=CRED_DISP msg=audit(1782555242.115:4242): pid=1",
             "type=SERVICE_START msg=audit(1782555242.115:4242): pid=1",
             "type=BPF msg=audit(1782555242.115:4242): prog-id=41 op=LOAD",
             "[ 1.0] audit: type=1334 audit(1782555242.115:4242): prog-id=41 op=LOAD",
             "Jul  1 10:14:02 web1 audit[1]: SERVICE_START pid=1",
             "----",
             "hello world",
         }) {
        EXPECT_FALSE(audit_line_may_matter(line)) << line;
    }
    audit_line_peek p;
    ASSERT_TRUE(peek_audit_line("node=web1 type=PATH msg=audit(1782555242.115:4242): item=0", p));
    EXPECT_EQ(p.node, "web1");
    EXPECT_EQ(p.stamp, "1782555242.115:4242");
    EXPECT_EQ(p.cls, audit_type_class::context);
}

}  // namespace
}  // namespace why502::parse

// Diagnoses built by hand for the renderer tests: the shapes diagnose produces (real
// NGINX and audit lines as evidence), every cause of the catalogue, and one full of
// hostile strings (quotes, markup, command substitution, controls, invalid UTF-8).
#pragma once

#include <cstdint>
#include <string>

#include "base/time.hpp"
#include "diagnose/catalogue.hpp"
#include "diagnose/model.hpp"

namespace why502::render::samples {

using namespace why502::diagnose;

inline int64_t at(int hour, int minute, int second, int millis = 0) {
    return timeutil::utc_ms_from_civil({2026, 7, 1, hour, minute, second, millis});
}

// Everything a log line can carry that must stay inert wherever it is shown.
inline std::string hostile_text(const std::string& canary = "/tmp/why502-canary") {
    return "q\" <script>alert(1)</script> $(/usr/bin/touch " + canary + ") `/usr/bin/touch " + canary +
           "` ; rm -rf / \n second line \r\x1b]0;title\x07 \x1b[31mred\x1b[0m \x07\x08\x7f bad:\xff\xfe "
           "\xc3\x28 " +
           "``` ~~~ {{ lookup('pipe','id') }} {% raw %} |cell| *em* _u_ [link](http://evil.example/) " +
           "<img src=x onerror=alert(1)> \xe2\x80\xae rtl \xc2\x9b"
           "1m end\\";
}

// A path that is valid for a command (absolute, one line) but full of shell syntax.
inline std::string hostile_path(const std::string& canary = "/tmp/why502-canary") {
    return "/run/app $(/usr/bin/touch " + canary + ") `/usr/bin/touch " + canary +
           "` 'q\" ;&|*? {{ x }} {% y %}/s.sock";
}

inline std::string nginx_line(int h, int m, int s, const std::string& addr, int err,
                              const std::string& what) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "2026/07/01 %02d:%02d:%02d", h, m, s);
    return std::string(buf) + " [crit] 1234#1234: *17 connect() to " + addr + " failed (" +
           std::to_string(err) + ": " + what +
           ") while connecting to upstream, client: 192.0.2.10, server: app.example.com, request: \"GET "
           "/api/ "
           "HTTP/1.1\", upstream: \"http://" +
           addr + "/api/\", host: \"app.example.com\"";
}

inline finding name_connect_finding() {
    finding f;
    f.cause = "selinux.name_connect";
    f.confidence = "confirmed";
    f.upstream = {"tcp", "127.0.0.1:3000", "127.0.0.1", 3000, std::nullopt};
    f.count = 5;
    f.first_seen_ms = at(10, 14, 2);
    f.last_seen_ms = at(10, 20, 11, 250);
    selinux_detail s;
    s.source_type = "httpd_t";
    s.target_type = "ntop_port_t";
    s.tclass = "tcp_socket";
    s.permissions = {"name_connect"};
    s.avc_count = 5;
    s.scontext = "system_u:system_r:httpd_t:s0";
    s.tcontext = "system_u:object_r:ntop_port_t:s0";
    f.selinux = s;
    f.evidence.push_back({"nginx", "/var/log/nginx/error.log", 12,
                          nginx_line(10, 14, 2, "127.0.0.1:3000", 13, "Permission denied")});
    f.evidence.push_back(
        {"audit", "/var/log/audit/audit.log", 40,
         "type=AVC msg=audit(1782900842.123:456): avc:  denied  { name_connect } for  pid=1234 "
         "comm=\"nginx\" dest=3000 scontext=system_u:system_r:httpd_t:s0 "
         "tcontext=system_u:object_r:ntop_port_t:s0 tclass=tcp_socket permissive=0"});
    fix label;
    label.id = "label-port";
    label.summary = "Label TCP port 3000 as http_port_t and let httpd_t relay to it";
    label.least_privilege = true;
    label.commands = {"semanage port -a -t http_port_t -p tcp 3000",
                      "setsebool -P httpd_can_network_relay 1"};
    label.verified = true;
    label.grants = 3;
    label.revokes = 2;
    label.note = "In this policy httpd_t may connect to http_port_t only with httpd_can_network_relay on.";
    label.changes.push_back(
        {"seport", {{"ports", "3000"}, {"proto", "tcp"}, {"setype", "http_port_t"}, {"action", "add"}}});
    label.changes.push_back({"seboolean", {{"name", "httpd_can_network_relay"}, {"state", "on"}}});
    f.fixes.push_back(label);
    fix broad;
    broad.id = "boolean";
    broad.summary = "Let httpd_t connect to any port (httpd_can_network_connect)";
    broad.commands = {"setsebool -P httpd_can_network_connect 1"};
    broad.verified = true;
    broad.grants = 235;
    broad.note = "Every member of port_type: the blast radius traded for convenience.";
    broad.changes.push_back({"seboolean", {{"name", "httpd_can_network_connect"}, {"state", "on"}}});
    f.fixes.push_back(broad);
    f.verify = {"curl -sS -o /dev/null -w '%{http_code}' http://app.example.com/api/"};
    f.explanation =
        "NGINX (httpd_t) connected to 127.0.0.1:3000; the port is labelled ntop_port_t, which the "
        "policy does not let httpd_t name_connect to, so the kernel refused the connection with "
        "EACCES and NGINX answered 502.";
    f.servers = {"app.example.com"};
    f.hosts = {"app.example.com"};
    f.requests = {"GET /api/ HTTP/1.1"};
    for (int i = 0; i < 5; ++i) {
        f.failure_times_ms.push_back(at(10, 14 + i, 2));
        f.denial_times_ms.push_back(at(10, 14 + i, 2) - 3);
    }
    f.failure_times_ms.back() = at(10, 20, 11, 250);
    f.denial_times_ms.back() = at(10, 20, 11, 247);
    return f;
}

inline finding socket_label_finding() {
    finding f;
    f.cause = "selinux.socket_file_label";
    f.confidence = "confirmed";
    f.upstream = {"unix", "unix:/srv/app/run/app.sock", "", std::nullopt,
                  std::string("/srv/app/run/app.sock")};
    f.count = 3;
    f.first_seen_ms = at(11, 0, 0);
    f.last_seen_ms = at(11, 5, 0);
    selinux_detail s;
    s.source_type = "httpd_t";
    s.target_type = "var_t";
    s.tclass = "sock_file";
    s.permissions = {"write"};
    s.avc_count = 3;
    f.selinux = s;
    f.evidence.push_back(
        {"nginx", "error.log", 3,
         "2026/07/01 11:00:00 [crit] 1234#1234: *3 connect() to unix:/srv/app/run/app.sock failed "
         "(13: Permission denied) while connecting to upstream, client: 192.0.2.10, server: _, "
         "request: \"GET / HTTP/1.1\", upstream: \"http://unix:/srv/app/run/app.sock:/\", host: "
         "\"localhost\""});
    fix label;
    label.id = "label-socket";
    label.summary = "Label the socket file httpd_var_run_t";
    label.least_privilege = true;
    label.commands = {"semanage fcontext -a -t httpd_var_run_t -f s '/srv/app/run/app\\.sock'",
                      "restorecon -v /srv/app/run/app.sock"};
    label.verified = true;
    label.grants = 1;
    label.revokes = 0;
    label.changes.push_back(
        {"sefcontext",
         {{"target", "/srv/app/run/app\\.sock"}, {"setype", "httpd_var_run_t"}, {"ftype", "s"}}});
    label.changes.push_back({"restorecon", {{"path", "/srv/app/run/app.sock"}, {"recursive", "false"}}});
    f.fixes.push_back(label);
    for (int i = 0; i < 3; ++i) {
        f.failure_times_ms.push_back(at(11, i * 2, 0));
        f.denial_times_ms.push_back(at(11, i * 2, 0));
    }
    return f;
}

inline finding permissive_finding() {
    finding f;
    f.cause = "selinux.permissive_denial";
    f.confidence = "confirmed";
    f.upstream = {"tcp", "127.0.0.1:18080", "127.0.0.1", 18080, std::nullopt};
    f.count = 0;
    selinux_detail s;
    s.source_type = "httpd_t";
    s.target_type = "unreserved_port_t";
    s.tclass = "tcp_socket";
    s.permissions = {"name_connect"};
    s.permissive = true;
    s.avc_count = 3;
    f.selinux = s;
    f.first_seen_ms = at(9, 0, 0);
    f.last_seen_ms = at(9, 30, 0);
    f.denial_times_ms = {at(9, 0, 0), at(9, 10, 0), at(9, 30, 0)};
    fix x;
    x.id = "label-port";
    x.summary = "Label TCP port 18080 as http_port_t";
    x.least_privilege = true;
    x.commands = {"semanage port -a -t http_port_t -p tcp 18080"};
    x.assumed = true;
    x.changes.push_back({"seport", {{"ports", "18080"}, {"proto", "tcp"}, {"setype", "http_port_t"}}});
    f.fixes.push_back(x);
    return f;
}

inline finding refused_finding() {
    finding f;
    f.cause = "backend.refused";
    f.confidence = "confirmed";
    f.upstream = {"tcp", "[::1]:8080", "::1", 8080, std::nullopt};
    f.count = 2;
    f.first_seen_ms = at(12, 0, 0);
    f.last_seen_ms = at(12, 0, 30);
    f.evidence.push_back(
        {"nginx", "error.log", 7, nginx_line(12, 0, 0, "[::1]:8080", 111, "Connection refused")});
    fix x;
    x.id = "check-listener";
    x.summary =
        "See what listens on the port, then start the backend or point NGINX at the address it listens on";
    x.least_privilege = true;
    x.commands = {"ss -ltnp 'sport = :8080'",
                  "curl -sS -m 5 -o /dev/null -w '%{http_code}\\n' http://[::1]:8080/"};
    x.changes.push_back({"manual", {{"summary", x.summary}}});
    f.fixes.push_back(x);
    f.failure_times_ms = {at(12, 0, 0), at(12, 0, 30)};
    return f;
}

inline finding no_live_finding() {
    finding f;
    f.cause = "upstream.no_live";
    f.confidence = "likely";
    f.upstream = {"tcp", "backend", "backend", std::nullopt, std::nullopt};
    f.count = 4;
    f.settle = "the error log before 12:00 would show why the servers were marked down";
    return f;
}

inline diagnosis typical() {
    diagnosis d;
    d.findings = {name_connect_finding(), socket_label_finding(), permissive_finding(), refused_finding(),
                  no_live_finding()};
    d.warnings = {"audit log ends at 10:19:00, before the last failure"};
    d.inputs.push_back(
        {"/var/log/nginx/error.log", "nginx", 20480, 120, 14, 1, 0, "", at(9, 0, 0), at(12, 0, 30)});
    d.inputs.push_back(
        {"/var/log/audit/audit.log", "audit", 40960, 300, 11, 0, 0, "", at(9, 0, 0), at(11, 5, 0)});
    d.policy_source = "policy.33 at /etc/selinux/default/policy/policy.33";
    d.policy_assumed = false;
    d.booleans_source = "values stored in the policy file (defaults)";
    d.time_zone = "Europe/Paris";
    return d;
}

// One finding per catalogue cause, without SELinux detail unless the cause is SELinux.
inline diagnosis every_cause() {
    diagnosis d;
    int minute = 0;
    for (const auto& c : all_causes()) {
        finding f;
        f.cause = std::string(c.id);
        f.confidence = "possible";
        f.upstream = {"tcp", "10.0.0.5:9000", "10.0.0.5", 9000, std::nullopt};
        f.count = 1;
        f.first_seen_ms = f.last_seen_ms = at(13, minute++, 0);
        f.failure_times_ms = {*f.first_seen_ms};
        if (f.cause.starts_with("selinux.")) {
            f.selinux = selinux_detail{
                "httpd_t", "cslistener_port_t", "tcp_socket", {"name_connect"}, false, 1, "", ""};
            f.denial_times_ms = {*f.first_seen_ms};
        }
        fix x;
        x.id = "check";
        x.summary = std::string(c.check);
        x.least_privilege = true;
        x.commands = {"ss -ltnp"};
        x.changes.push_back({"manual", {}});
        f.fixes.push_back(x);
        d.findings.push_back(std::move(f));
    }
    d.policy_source = "built-in RHEL targeted knowledge (assumed)";
    return d;
}

// Hostile strings in every field that can come from a log, and in change arguments.
inline diagnosis hostile(const std::string& canary = "/tmp/why502-canary") {
    const std::string h = hostile_text(canary);
    const std::string p = hostile_path(canary);
    diagnosis d;
    finding f;
    f.cause = "selinux.socket_file_label";
    f.confidence = "confirmed";
    f.upstream = {"unix", "unix:" + h, "", std::nullopt, h};
    f.count = 2;
    f.first_seen_ms = at(8, 0, 0);
    f.last_seen_ms = at(8, 1, 0);
    f.selinux = selinux_detail{"httpd_t", h, "sock_file", {"write", h}, false, 2, h, h};
    f.evidence.push_back({"nginx", h, 1, h});
    f.evidence.push_back({"audit", "audit.log", 2, "type=AVC msg=audit(1.0:1): " + h});
    fix x;
    x.id = "label-socket";
    x.summary = h;
    x.least_privilege = true;
    x.commands = {h, "semanage fcontext -a -t httpd_var_run_t " + h};
    x.verified = true;
    x.grants = 1;
    x.note = h;
    x.changes.push_back({"sefcontext", {{"target", p}, {"setype", "httpd_var_run_t"}, {"ftype", "s"}}});
    x.changes.push_back({"restorecon", {{"path", p}}});
    // Unusable arguments: must be skipped, never turned into a command.
    x.changes.push_back({"seboolean", {{"name", "x; /usr/bin/touch " + canary}, {"state", "on"}}});
    x.changes.push_back(
        {"seport",
         {{"ports", "3000; /usr/bin/touch " + canary}, {"proto", "tcp"}, {"setype", "http_port_t"}}});
    x.changes.push_back({"seport", {{"ports", "3000"}, {"proto", "tcp"}, {"setype", "http_port_t$(id)"}}});
    x.changes.push_back({"restorecon", {{"path", "/run/a\n/usr/bin/touch " + canary}}});
    x.changes.push_back({"restorecon", {{"path", "relative/path"}}});
    x.changes.push_back({"manual", {{"summary", h}, {"command", h}}});
    x.changes.push_back({"module",
                         {{"name", "why502_local"},
                          {"te", "module why502_local 1.0;\n# " + p +
                                     " $HOME \\ '\"\nWHY502_TE_END_1\nWHY502_TE_END_1_\n"
                                     "require { type httpd_t; }\n"}}});
    f.fixes.push_back(x);
    fix alt = x;
    alt.id = h;
    alt.least_privilege = false;
    f.fixes.push_back(alt);
    f.verify = {h};
    f.explanation = h;
    f.settle = h;
    f.servers = {h};
    f.hosts = {h};
    f.requests = {h};
    f.location = h;
    f.facts = {{h, h}};
    f.failure_times_ms = {at(8, 0, 0), at(8, 1, 0)};
    f.denial_times_ms = {at(8, 0, 0)};
    d.findings.push_back(f);
    finding g = f;
    g.cause = h;  // unknown cause id
    g.confidence = h;
    g.selinux.reset();
    g.upstream = {"tcp", h, h, 1, std::nullopt};
    d.findings.push_back(g);
    d.warnings = {h};
    d.inputs.push_back({h, "nginx", 1, 1, 1, 0, 0, h, std::nullopt, std::nullopt});
    d.policy_source = h;
    d.booleans_source = h;
    d.time_zone = h;
    return d;
}

}  // namespace why502::render::samples

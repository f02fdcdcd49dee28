// Audit records -> events -> one avc_denial per AVC / USER_AVC / SELINUX_ERR record,
// with what the event's SYSCALL, SOCKADDR, PROCTITLE, PATH and CWD records add.
//
// Grouping follows auparse (records of one event share node, time and serial and may
// interleave with other events), but completion is decided by line distance rather
// than by time: a record joins an event only within audit_event_window lines of the
// event's first denial, and a context record seen before its denial (ausearch prints
// PROCTITLE, SYSCALL, then AVC) waits at most that long in a small ring. Every decision
// depends only on the two records involved and their line numbers, never on the lines
// in between, so feeding only the lines select_audit_lines keeps gives exactly the
// denials of feeding every line. Memory stays bounded by the window.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <deque>

#include <arpa/inet.h>

#include "parse/audit.hpp"

namespace why502::parse {
namespace {

using std::string_view;
constexpr size_t npos = string_view::npos;
constexpr uint64_t window = audit_event_window;

// ---------------------------------------------------------------- knowledge tables

struct syscall_entry {
    string_view name;
    int x86_64;
    int aarch64;
};
// `ausearch -i` writes syscall names; the raw log writes numbers. The calls behind the
// denials this tool explains, with their numbers on the two common 64-bit arches.
constexpr syscall_entry syscall_table[] = {
    {"read", 0, 63},
    {"write", 1, 64},
    {"open", 2, -1},
    {"stat", 4, -1},
    {"lstat", 6, -1},
    {"ioctl", 16, 29},
    {"access", 21, -1},
    {"socket", 41, 198},
    {"connect", 42, 203},
    {"accept", 43, 202},
    {"sendto", 44, 206},
    {"recvfrom", 45, 207},
    {"sendmsg", 46, 211},
    {"recvmsg", 47, 212},
    {"bind", 49, 200},
    {"listen", 50, 201},
    {"setsockopt", 54, 208},
    {"getsockopt", 55, 209},
    {"clone", 56, 220},
    {"execve", 59, 221},
    {"kill", 62, 129},
    {"truncate", 76, 45},
    {"ftruncate", 77, 46},
    {"rename", 82, -1},
    {"mkdir", 83, -1},
    {"rmdir", 84, -1},
    {"creat", 85, -1},
    {"link", 86, -1},
    {"unlink", 87, -1},
    {"symlink", 88, -1},
    {"readlink", 89, -1},
    {"chmod", 90, -1},
    {"chown", 92, -1},
    {"ptrace", 101, 117},
    {"adjtimex", 159, 171},
    {"mount", 165, 40},
    {"init_module", 175, 105},
    {"openat", 257, 56},
    {"mkdirat", 258, 34},
    {"newfstatat", 262, 79},
    {"unlinkat", 263, 35},
    {"renameat", 264, 38},
    {"linkat", 265, 37},
    {"symlinkat", 266, 36},
    {"readlinkat", 267, 78},
    {"fchmodat", 268, 53},
    {"faccessat", 269, 48},
    {"accept4", 288, 242},
    {"finit_module", 313, 273},
    {"renameat2", 316, 276},
    {"execveat", 322, 281},
    {"statx", 332, 291},
    {"openat2", 437, 437},
    {"faccessat2", 439, 439},
};

int syscall_number(string_view name, bool aarch64) {
    for (const auto& s : syscall_table)
        if (s.name == name) return aarch64 ? s.aarch64 : s.x86_64;
    return -1;
}

// "EACCES" -> 13, from the C library's own names (interpreted exit= values).
int errno_from_name(string_view name) {
    static const auto names = [] {
        std::array<string_view, 200> t{};
        for (int e = 1; e < static_cast<int>(t.size()); ++e) {
            const char* n = strerrorname_np(e);
            if (n) t[static_cast<size_t>(e)] = n;
        }
        return t;
    }();
    for (size_t e = 1; e < names.size(); ++e)
        if (!names[e].empty() && names[e] == name) return static_cast<int>(e);
    return 0;
}

// ---------------------------------------------------------------- small helpers

template <class T>
bool read_number(string_view s, T& out) {
    if (s.empty()) return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool starts_with(string_view s, string_view p) {
    return s.substr(0, p.size()) == p;
}

// Third field of "user:role:type[:level]".
std::string context_type(const std::string& ctx) {
    size_t a = ctx.find(':');
    if (a == npos) return {};
    size_t b = ctx.find(':', a + 1);
    if (b == npos) return {};
    size_t c = ctx.find(':', b + 1);
    return ctx.substr(b + 1, c == npos ? npos : c - b - 1);
}

// "995", "unknown(995)", "root" -> uid.
bool read_uid(string_view v, uint32_t& uid) {
    if (read_number(v, uid)) return true;
    if (starts_with(v, "unknown(") && v.back() == ')') return read_number(v.substr(8, v.size() - 9), uid);
    if (v == "root") {
        uid = 0;
        return true;
    }
    return false;
}

// ---------------------------------------------------------------- event state

// An event is identified by its node and the text of its stamp, as the selector sees
// it (two spellings of one time would be two events to both, never one to only one),
// or, for journald, by the number of its group.
struct event_key {
    std::string node;
    std::string stamp;
    uint64_t group = 0;
    bool has_serial = false;

    bool same(string_view n, string_view st, uint64_t g, bool hs) const {
        if (hs != has_serial) return false;
        return hs ? st == stamp && n == node : g == group;
    }
};

// What the non-denial records of an event add.
struct event_context {
    bool have_syscall = false;
    uint32_t pid = 0;
    std::string exe, comm;
    int syscall = -1;
    int exit_code = 0;
    int success = -1;
    uint32_t uid = UINT32_MAX;
    bool have_saddr = false;
    std::string saddr_host, saddr_path;
    int saddr_port = -1;
    bool have_proctitle = false;
    std::string proctitle;
    bool have_path = false, path_is_parent = false;
    std::string path_name, cwd;
};

struct open_event {
    event_key key;
    uint64_t anchor = 0;  // position of its first denial record
    bool done = false;
    std::vector<avc_denial> denials;
    event_context ctx;
};

// A context record seen before any denial of its event.
struct pending_record {
    std::string line;
    std::string node;
    std::string stamp;
    uint64_t pos = 0;
    bool live = false;
};

// ---------------------------------------------------------------- sockaddr

void format_ipv4(const unsigned char* a, std::string& out) {
    char buf[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, a, buf, sizeof buf)) out = buf;
}

void format_ipv6(const unsigned char* a, std::string& out) {
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, a, buf, sizeof buf)) out = buf;
}

// The kernel's sockaddr bytes: family (host order, little-endian on the arches that
// matter), then per family: port (network order) and address, or the unix path.
bool decode_sockaddr_bytes(const std::string& b, event_context& c) {
    if (b.size() < 2) return false;
    auto u = [&](size_t i) { return static_cast<unsigned char>(b[i]); };
    unsigned family = u(0) | u(1) << 8;
    if (family == 2 && b.size() >= 8) {
        c.saddr_port = static_cast<int>(u(2) << 8 | u(3));
        format_ipv4(reinterpret_cast<const unsigned char*>(b.data() + 4), c.saddr_host);
        return true;
    }
    if (family == 10 && b.size() >= 24) {
        c.saddr_port = static_cast<int>(u(2) << 8 | u(3));
        format_ipv6(reinterpret_cast<const unsigned char*>(b.data() + 8), c.saddr_host);
        return true;
    }
    if (family == 1) {
        string_view p(b.data() + 2, b.size() - 2);
        if (!p.empty() && p.front() == '\0') {  // abstract socket: "@name"
            p.remove_prefix(1);
            while (!p.empty() && p.back() == '\0') p.remove_suffix(1);
            c.saddr_path = "@";
            c.saddr_path.append(p);
        } else {
            c.saddr_path.assign(p.substr(0, p.find('\0')));
        }
        return true;
    }
    return false;
}

// "{ saddr_fam=inet laddr=127.0.0.1 lport=3000 }" (ausearch -i and ENRICHED SADDR=;
// older audit writes fam= instead of saddr_fam=).
bool decode_sockaddr_text(string_view v, event_context& c) {
    if (v.size() < 2 || v.front() != '{') return false;
    v.remove_prefix(1);
    if (!v.empty() && v.back() == '}') v.remove_suffix(1);
    audit_field_cursor cur(v, true);
    string_view k, val;
    string_view fam, addr, port, path;
    while (cur.next(k, val)) {
        if (k == "saddr_fam" || k == "fam")
            fam = val;
        else if (k == "laddr")
            addr = val;
        else if (k == "lport")
            port = val;
        else if (k == "path")
            path = val;
    }
    if (fam == "inet" || fam == "inet6") {
        c.saddr_host.assign(addr);
        if (!read_number(port, c.saddr_port)) c.saddr_port = -1;
        return true;
    }
    if (fam == "local" || fam == "unix") {
        c.saddr_path.assign(path);
        return true;
    }
    return false;
}

// ---------------------------------------------------------------- record merging

void merge_syscall(const audit_record& rec, event_context& c) {
    if (c.have_syscall) return;
    c.have_syscall = true;
    bool interpreted = rec.form == audit_form::ausearch_interpreted;
    audit_field_cursor cur(rec.body, interpreted);
    string_view k, v;
    bool aarch64 = false;
    std::string tmp;
    while (cur.next(k, v)) {
        if (k == "arch") {
            aarch64 = v == "aarch64" || v == "c00000b7";
        } else if (k == "syscall") {
            if (!read_number(v, c.syscall)) c.syscall = syscall_number(v, aarch64);
        } else if (k == "success") {
            c.success = v == "yes" ? 1 : v == "no" ? 0 : -1;
        } else if (k == "exit") {
            if (!read_number(v, c.exit_code)) {
                // "EACCES(Permission denied)"
                int e = errno_from_name(v.substr(0, v.find('(')));
                c.exit_code = e ? -e : 0;
            }
        } else if (k == "pid") {
            read_number(v, c.pid);
        } else if (k == "uid") {
            read_uid(v, c.uid);
        } else if (k == "comm") {
            decode_audit_value(k, v, interpreted, c.comm);
        } else if (k == "exe") {
            decode_audit_value(k, v, interpreted, c.exe);
        }
    }
}

void merge_sockaddr(const audit_record& rec, event_context& c) {
    if (c.have_saddr) return;
    std::string v;
    if (audit_record_field(rec, "saddr", v)) {
        std::string bytes;
        if (v.size() > 1 && v.front() == '{') {
            c.have_saddr = decode_sockaddr_text(v, c);
        } else if (decode_audit_hex(v, bytes)) {
            c.have_saddr = decode_sockaddr_bytes(bytes, c);
        }
    }
    if (!c.have_saddr && audit_enriched_field(rec, "SADDR", v)) c.have_saddr = decode_sockaddr_text(v, c);
}

void merge_path(const audit_record& rec, event_context& c) {
    if (c.have_path && !c.path_is_parent) return;
    std::string name, type;
    if (!audit_record_field(rec, "name", name) || name.empty()) return;
    audit_record_field(rec, "nametype", type);
    bool parent = type == "PARENT";
    if (c.have_path && parent) return;
    c.have_path = true;
    c.path_is_parent = parent;
    c.path_name = std::move(name);
}

void merge_context(const audit_record& rec, event_context& c) {
    string_view t = rec.type;
    if (t == "SYSCALL") {
        merge_syscall(rec, c);
    } else if (t == "SOCKADDR") {
        merge_sockaddr(rec, c);
    } else if (t == "PROCTITLE") {
        if (!c.have_proctitle && audit_record_field(rec, "proctitle", c.proctitle)) c.have_proctitle = true;
    } else if (t == "PATH") {
        merge_path(rec, c);
    } else if (t == "CWD") {
        if (c.cwd.empty()) audit_record_field(rec, "cwd", c.cwd);
    }
}

// ---------------------------------------------------------------- denial records

void read_denial_field(string_view k, string_view v, bool interpreted, avc_denial& d) {
    auto num = [&](auto& field) {
        if (!read_number(v, field)) field = -1;
    };
    if (k == "pid") {
        if (d.pid == 0) read_number(v, d.pid);
    } else if (k == "comm") {
        decode_audit_value(k, v, interpreted, d.comm);
    } else if (k == "path") {
        decode_audit_value(k, v, interpreted, d.path);
    } else if (k == "name") {
        decode_audit_value(k, v, interpreted, d.name);
    } else if (k == "dev") {
        decode_audit_value(k, v, interpreted, d.dev);
    } else if (k == "ino") {
        read_number(v, d.ino);
    } else if (k == "dest") {
        num(d.dest_port);
    } else if (k == "src") {
        num(d.src_port);
    } else if (k == "laddr") {
        decode_audit_value(k, v, interpreted, d.laddr);
    } else if (k == "faddr") {
        decode_audit_value(k, v, interpreted, d.faddr);
    } else if (k == "lport") {
        num(d.lport);
    } else if (k == "fport") {
        num(d.fport);
    } else if (k == "scontext" || (k == "oldcontext" && d.scontext.empty())) {
        decode_audit_value(k, v, interpreted, d.scontext);
    } else if (k == "tcontext" || (k == "newcontext" && d.tcontext.empty())) {
        decode_audit_value(k, v, interpreted, d.tcontext);
    } else if (k == "tclass") {
        decode_audit_value(k, v, interpreted, d.tclass);
    } else if (k == "permissive") {
        num(d.permissive);
    } else if (k == "exe") {
        if (d.exe.empty()) decode_audit_value(k, v, interpreted, d.exe);
    } else if (k == "uid") {
        if (d.uid == UINT32_MAX) read_uid(v, d.uid);
    }
}

enum class denial_parse { none, ok, broken };

// "avc:  denied  { perms } for  key=value ..." (AVC; USER_AVC inside msg='...').
denial_parse parse_avc(const audit_record& rec, avc_denial& d) {
    bool interpreted = rec.form == audit_form::ausearch_interpreted;
    string_view body = rec.body;
    size_t a = body.find("avc:");
    if (a == npos) return denial_parse::none;
    // USER_AVC: pid= and uid= of the sender come before msg='.
    string_view outer = body.substr(0, a);
    audit_field_cursor oc(outer, interpreted);
    string_view k, v;
    while (oc.next(k, v))
        if (k == "pid" || k == "uid") read_denial_field(k, v, interpreted, d);
    string_view r = body.substr(a + 4);
    while (!r.empty() && r.front() == ' ') r.remove_prefix(1);
    size_t sp = r.find(' ');
    string_view word = r.substr(0, sp);
    if (word == "denied")
        d.denied = true;
    else if (word == "granted")
        d.denied = false;
    else
        return denial_parse::none;  // "avc:  received policyload notice ..." and the like
    r = sp == npos ? string_view{} : r.substr(sp);
    while (!r.empty() && r.front() == ' ') r.remove_prefix(1);
    if (r.empty() || r.front() != '{') return denial_parse::broken;
    size_t close = r.find('}');
    if (close == npos) return denial_parse::broken;
    string_view perms = r.substr(1, close - 1);
    size_t p = 0;
    while (p < perms.size()) {
        while (p < perms.size() && perms[p] == ' ') ++p;
        size_t e = perms.find(' ', p);
        if (e == npos) e = perms.size();
        if (e > p) d.permissions.emplace_back(perms.substr(p, e - p));
        p = e;
    }
    if (d.permissions.empty()) return denial_parse::broken;
    string_view fields = r.substr(close + 1);
    if (rec.type == "USER_AVC") {
        size_t q = fields.rfind('\'');
        if (q != npos) fields = fields.substr(0, q);
    }
    audit_field_cursor fc(fields, interpreted);
    while (fc.next(k, v)) read_denial_field(k, v, interpreted, d);
    if (d.scontext.empty() || d.tcontext.empty() || d.tclass.empty()) return denial_parse::broken;
    return denial_parse::ok;
}

// SELINUX_ERR: "op=security_compute_sid invalid_context=... scontext=... tcontext=...
// tclass=process" or "op=security_bounded_transition seresult=denied oldcontext=...
// newcontext=...". USER_SELINUX_ERR carries the same inside msg='...'.
denial_parse parse_selinux_err(const audit_record& rec, avc_denial& d) {
    bool interpreted = rec.form == audit_form::ausearch_interpreted;
    audit_field_cursor c(rec.body, interpreted);
    string_view k, v;
    while (c.next(k, v)) {
        if (k == "perms" && d.permissions.empty()) {
            // "op=security_compute_av reason=bounds ... perms=read,write": what a bounded
            // domain was denied.
            size_t p = 0;
            while (p < v.size()) {
                size_t e = v.find(',', p);
                if (e == npos) e = v.size();
                if (e > p) d.permissions.emplace_back(v.substr(p, e - p));
                p = e + 1;
            }
            continue;
        }
        read_denial_field(k, v, interpreted, d);
    }
    d.denied = true;
    return d.scontext.empty() && d.tcontext.empty() ? denial_parse::none : denial_parse::ok;
}

// ---------------------------------------------------------------- event finishing

std::string join_path(const std::string& cwd, const std::string& name) {
    if (name.empty() || name.front() == '/' || cwd.empty()) return name;
    std::string out = cwd;
    if (out.back() != '/') out += '/';
    string_view n = name;
    if (starts_with(n, "./")) n.remove_prefix(2);
    out.append(n);
    return out;
}

void complete_denial(avc_denial& d, const event_context& c) {
    if (c.have_syscall) {
        if (d.pid == 0) d.pid = c.pid;
        if (d.comm.empty()) d.comm = c.comm;
        if (d.exe.empty()) d.exe = c.exe;
        d.syscall = c.syscall;
        d.exit_code = c.exit_code;
        d.success = c.success;
        if (d.uid == UINT32_MAX) d.uid = c.uid;
    }
    if (c.have_saddr) {
        d.saddr_host = c.saddr_host;
        d.saddr_port = c.saddr_port;
        d.saddr_path = c.saddr_path;
    }
    if (c.have_proctitle) d.proctitle = c.proctitle;
    if (d.path.empty()) d.path = !c.saddr_path.empty() ? c.saddr_path : join_path(c.cwd, c.path_name);
}

}  // namespace

// ---------------------------------------------------------------- the builder

struct audit_event_builder::impl {
    audit_parse_context ctx;
    uint64_t records = 0;
    uint64_t malformed = 0;
    uint64_t last_pos = 0;
    std::deque<open_event> open;  // ordered by anchor
    std::vector<avc_denial> ready;
    std::vector<pending_record> ring = std::vector<pending_record>(window + 1);
    size_t ring_next = 0;

    // journald: records carry no serial; an event is a run of consecutive records of
    // the same second and audit[PID] (PROCTITLE/SOCKADDR lines have no PID), and a
    // denial after a non-denial record starts the next one (the kernel logs AVCs first).
    struct {
        bool valid = false;
        int64_t second = 0;
        uint32_t pid = 0;
        bool denials_only = false;
        uint64_t anchor = 0;
        uint64_t id = 0;
    } group;

    open_event* find_open(string_view node, string_view stamp, uint64_t group_id, bool has_serial) {
        for (auto& e : open)
            if (!e.done && e.key.same(node, stamp, group_id, has_serial)) return &e;
        return nullptr;
    }

    void expire(uint64_t pos) {
        for (auto& e : open) {
            if (e.anchor + window >= pos) break;
            e.done = true;
        }
    }

    void release() {
        while (!open.empty() && open.front().done) {
            open_event& e = open.front();
            for (auto& d : e.denials) {
                complete_denial(d, e.ctx);
                ready.push_back(std::move(d));
            }
            open.pop_front();
        }
    }

    uint64_t journald_group(const audit_record& rec, audit_type_class cls, uint64_t pos) {
        int64_t second = rec.time_ms >= 0 ? rec.time_ms / 1000 : (rec.time_ms - 999) / 1000;
        uint32_t pid = rec.journald_pid;
        bool denial = cls == audit_type_class::denial;
        bool joins = group.valid && group.second == second &&
                     (pid == 0 || group.pid == 0 || group.pid == pid) && pos <= group.anchor + window &&
                     !(denial && !group.denials_only);
        if (!joins) {
            group.valid = true;
            group.second = second;
            group.pid = pid;
            group.denials_only = denial;
            group.anchor = pos;
            ++group.id;
        } else {
            if (group.pid == 0) group.pid = pid;
            if (!denial) group.denials_only = false;
        }
        return group.id;
    }

    void keep_pending(std::string_view line, const audit_record& rec, uint64_t pos) {
        pending_record& p = ring[ring_next];
        ring_next = (ring_next + 1) % ring.size();
        p.line.assign(line);
        p.node.assign(rec.node);
        p.stamp.assign(rec.stamp);
        p.pos = pos;
        p.live = true;
    }

    void absorb_pending(open_event& e) {
        audit_record rec;
        for (size_t i = 0; i < ring.size(); ++i) {
            pending_record& p = ring[(ring_next + i) % ring.size()];  // oldest first
            if (!p.live || p.pos + window < e.anchor || p.stamp != e.key.stamp || p.node != e.key.node)
                continue;
            p.live = false;
            if (parse_audit_line(p.line, ctx, rec) == match::yes) merge_context(rec, e.ctx);
        }
    }

    match feed(std::string_view line, uint64_t line_no) {
        audit_record rec;
        match m = parse_audit_line(line, ctx, rec);
        if (m == match::no) return m;
        if (m == match::malformed) {
            ++malformed;
            return m;
        }
        ++records;
        uint64_t pos = line_no > last_pos ? line_no : last_pos + 1;
        last_pos = pos;
        expire(pos);
        audit_type_class cls = classify_audit_type(rec.type);
        if (cls == audit_type_class::other) {
            release();
            return match::yes;
        }
        uint64_t group_id = rec.has_serial ? 0 : journald_group(rec, cls, pos);
        match result = match::yes;
        if (cls == audit_type_class::denial) {
            avc_denial d;
            denial_parse dp =
                rec.type == "AVC" || rec.type == "USER_AVC" ? parse_avc(rec, d) : parse_selinux_err(rec, d);
            if (dp == denial_parse::broken) {
                ++malformed;
                result = match::malformed;
            } else if (dp == denial_parse::ok) {
                d.record_type.assign(rec.type);
                d.node.assign(rec.node);
                d.time_ms = rec.time_ms;
                d.serial = rec.has_serial ? rec.serial : 0;
                d.source_type = context_type(d.scontext);
                d.target_type = context_type(d.tcontext);
                d.text.assign(line);
                while (!d.text.empty() && (d.text.back() == '\n' || d.text.back() == '\r')) d.text.pop_back();
                d.line = line_no;
                open_event* e = find_open(rec.node, rec.stamp, group_id, rec.has_serial);
                if (!e) {
                    open.emplace_back();
                    e = &open.back();
                    e->key.node.assign(rec.node);
                    e->key.stamp.assign(rec.stamp);
                    e->key.group = group_id;
                    e->key.has_serial = rec.has_serial;
                    e->anchor = pos;
                    if (rec.has_serial) absorb_pending(*e);
                }
                e->denials.push_back(std::move(d));
            }
        } else {
            open_event* e = find_open(rec.node, rec.stamp, group_id, rec.has_serial);
            if (e) {
                if (cls == audit_type_class::end)
                    e->done = true;
                else
                    merge_context(rec, e->ctx);
            } else if (rec.has_serial && cls == audit_type_class::context) {
                keep_pending(line, rec, pos);
            }
        }
        release();
        return result;
    }

    void finish() {
        for (auto& e : open) e.done = true;
        release();
        for (auto& p : ring) p.live = false;
        group.valid = false;
    }
};

audit_event_builder::audit_event_builder(audit_parse_context ctx) : impl_(new impl) {
    impl_->ctx = ctx;
}
audit_event_builder::~audit_event_builder() {
    delete impl_;
}

match audit_event_builder::feed(std::string_view line, uint64_t line_no) {
    return impl_->feed(line, line_no);
}

std::vector<avc_denial> audit_event_builder::take() {
    std::vector<avc_denial> out;
    out.swap(impl_->ready);
    return out;
}

void audit_event_builder::finish() {
    impl_->finish();
}
uint64_t audit_event_builder::records() const {
    return impl_->records;
}
uint64_t audit_event_builder::malformed() const {
    return impl_->malformed;
}

}  // namespace why502::parse

// One audit line -> audit_record, in every form users paste (see audit.hpp), and the
// field access shared by the event builder and the chunk selector. Nothing here
// allocates except decoding a value into the caller's string.
#include <algorithm>
#include <charconv>
#include <cstring>

#include "parse/audit.hpp"

namespace why502::parse {
namespace {

using std::string_view;
constexpr size_t npos = string_view::npos;

// ---------------------------------------------------------------- knowledge tables

struct type_number {
    unsigned number;
    string_view name;
};
// Record types by number (linux/audit.h, audit-userspace lib/msg_typetab.h), as the
// kernel prints them to the console/dmesg when auditd is not reading. Sorted.
constexpr type_number type_numbers[] = {
    {1005, "USER"},
    {1006, "LOGIN"},
    {1100, "USER_AUTH"},
    {1101, "USER_ACCT"},
    {1102, "USER_MGMT"},
    {1103, "CRED_ACQ"},
    {1104, "CRED_DISP"},
    {1105, "USER_START"},
    {1106, "USER_END"},
    {1107, "USER_AVC"},
    {1108, "USER_CHAUTHTOK"},
    {1109, "USER_ERR"},
    {1110, "CRED_REFR"},
    {1111, "USYS_CONFIG"},
    {1112, "USER_LOGIN"},
    {1113, "USER_LOGOUT"},
    {1114, "ADD_USER"},
    {1115, "DEL_USER"},
    {1116, "ADD_GROUP"},
    {1117, "DEL_GROUP"},
    {1118, "DAC_CHECK"},
    {1119, "CHGRP_ID"},
    {1120, "TEST"},
    {1121, "TRUSTED_APP"},
    {1122, "USER_SELINUX_ERR"},
    {1123, "USER_CMD"},
    {1124, "USER_TTY"},
    {1125, "CHUSER_ID"},
    {1126, "GRP_AUTH"},
    {1127, "SYSTEM_BOOT"},
    {1128, "SYSTEM_SHUTDOWN"},
    {1129, "SYSTEM_RUNLEVEL"},
    {1130, "SERVICE_START"},
    {1131, "SERVICE_STOP"},
    {1200, "DAEMON_START"},
    {1201, "DAEMON_END"},
    {1202, "DAEMON_ABORT"},
    {1203, "DAEMON_CONFIG"},
    {1300, "SYSCALL"},
    {1302, "PATH"},
    {1303, "IPC"},
    {1304, "SOCKETCALL"},
    {1305, "CONFIG_CHANGE"},
    {1306, "SOCKADDR"},
    {1307, "CWD"},
    {1309, "EXECVE"},
    {1311, "IPC_SET_PERM"},
    {1312, "MQ_OPEN"},
    {1313, "MQ_SENDRECV"},
    {1314, "MQ_NOTIFY"},
    {1315, "MQ_GETSETATTR"},
    {1316, "KERNEL_OTHER"},
    {1317, "FD_PAIR"},
    {1318, "OBJ_PID"},
    {1319, "TTY"},
    {1320, "EOE"},
    {1321, "BPRM_FCAPS"},
    {1322, "CAPSET"},
    {1323, "MMAP"},
    {1324, "NETFILTER_PKT"},
    {1325, "NETFILTER_CFG"},
    {1326, "SECCOMP"},
    {1327, "PROCTITLE"},
    {1328, "FEATURE_CHANGE"},
    {1329, "REPLACE"},
    {1330, "KERN_MODULE"},
    {1331, "FANOTIFY"},
    {1332, "TIME_INJOFFSET"},
    {1333, "TIME_ADJNTPVAL"},
    {1334, "BPF"},
    {1335, "EVENT_LISTENER"},
    {1336, "URINGOP"},
    {1337, "OPENAT2"},
    {1400, "AVC"},
    {1401, "SELINUX_ERR"},
    {1402, "AVC_PATH"},
    {1403, "MAC_POLICY_LOAD"},
    {1404, "MAC_STATUS"},
    {1405, "MAC_CONFIG_CHANGE"},
    {1700, "ANOM_PROMISCUOUS"},
    {1701, "ANOM_ABEND"},
    {1702, "ANOM_LINK"},
    {1703, "ANOM_CREAT"},
    {2000, "KERNEL"},
};

struct type_meaning {
    string_view name;
    audit_type_class cls;
};
// The record types the event builder uses; every other type is skipped.
constexpr type_meaning type_meanings[] = {
    {"AVC", audit_type_class::denial},         {"USER_AVC", audit_type_class::denial},
    {"SELINUX_ERR", audit_type_class::denial}, {"USER_SELINUX_ERR", audit_type_class::denial},
    {"SYSCALL", audit_type_class::context},    {"SOCKADDR", audit_type_class::context},
    {"PROCTITLE", audit_type_class::context},  {"PATH", audit_type_class::context},
    {"CWD", audit_type_class::context},        {"EOE", audit_type_class::end},
};

// Fields the kernel and auditd write with audit_log_untrustedstring: quoted when clean,
// hex when they hold a space, a quote, a control or a byte >= 0x7f (auparse/typetab.h
// marks them ESCAPED; proctitle is hex with NULs between arguments).
constexpr string_view escaped_fields[] = {
    "acct",
    "cgroup",
    "cmd",
    "comm",
    "cwd",
    "device",
    "dir",
    "exe",
    "file",
    "grp",
    "invalid_context",
    "key",
    "name",
    "new-chardev",
    "new-disk",
    "new-fs",
    "new-net",
    "new-rng",
    "new_group",
    "ocomm",
    "old-chardev",
    "old-disk",
    "old-fs",
    "old-net",
    "old-rng",
    "path",
    "proctitle",
    "root_dir",
    "sw",
    "vm",
    "watch",
};

// Keys that can open the enriched part of a record (auditd log_format=ENRICHED adds
// the interpreted value of uid/gid-like fields, arch, syscall and saddr in upper case).
// Used to find that part when a copy lost its 0x1d separator.
constexpr string_view enriched_first_keys[] = {
    "ARCH",      "AUID",      "EGID",  "EUID",    "FSGID", "FSUID",   "GID",     "ID",   "IGID",
    "INODE_GID", "INODE_UID", "IUID",  "NEW_GID", "OAUID", "OBJ_GID", "OBJ_UID", "OGID", "OLD-AUID",
    "OUID",      "SADDR",     "SAUID", "SGID",    "SUID",  "SYSCALL", "UID",
};

template <class Table>
bool in_table(const Table& t, string_view s) {
    return std::find(std::begin(t), std::end(t), s) != std::end(t);
}

// ---------------------------------------------------------------- small helpers

// With a literal, a fixed-size compare the compiler inlines: this runs on every line.
template <size_t N>
bool starts_with(string_view s, const char (&p)[N]) {
    return s.size() >= N - 1 && std::memcmp(s.data(), p, N - 1) == 0;
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_upper(char c) {
    return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) {
    return c >= 'a' && c <= 'z';
}
bool is_alpha(char c) {
    return is_upper(c) || is_lower(c);
}
bool is_key_char(char c) {
    return is_alpha(c) || is_digit(c) || c == '_' || c == '-';
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

template <class T>
bool read_number(string_view s, T& out) {
    if (s.empty()) return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

string_view trim(string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

// End of a raw value starting at v (exclusive), by the quote/brace rules.
size_t raw_value_end(string_view s, size_t v, size_t end) {
    if (v >= end) return v;
    char c = s[v];
    if (c == '"' || c == '\'') {
        size_t q = s.find(c, v + 1);
        return q == npos || q >= end ? end : q + 1;
    }
    if (c == '{') {
        size_t q = s.find('}', v + 1);
        return q == npos || q >= end ? end : q + 1;
    }
    size_t sp = s.find(' ', v);
    return sp == npos || sp >= end ? end : sp;
}

// Does s[p..] start with "key=" where key is [A-Za-z][A-Za-z0-9_-]*?
bool key_starts_at(string_view s, size_t p, size_t end) {
    if (p >= end || !is_alpha(s[p])) return false;
    size_t k = p;
    while (k < end && is_key_char(s[k])) ++k;
    return k < end && s[k] == '=';
}

// In an interpreted body a bare value runs to the next " key=".
size_t interpreted_value_end(string_view s, size_t v, size_t end) {
    if (v < end && (s[v] == '"' || s[v] == '\'' || s[v] == '{')) return raw_value_end(s, v, end);
    size_t q = v;
    while (q < end) {
        size_t sp = s.find(' ', q);
        if (sp == npos || sp >= end) return end;
        size_t n = sp;
        while (n < end && s[n] == ' ') ++n;
        if (n >= end || key_starts_at(s, n, end)) return sp;
        q = n;
    }
    return end;
}

// True when every token of s is an upper-case KEY=value (the enriched part).
bool all_enriched_tokens(string_view s) {
    size_t p = 0;
    int n = 0;
    while (true) {
        while (p < s.size() && s[p] == ' ') ++p;
        if (p >= s.size()) return n > 0;
        if (!is_upper(s[p])) return false;
        size_t k = p;
        while (k < s.size() && (is_upper(s[k]) || is_digit(s[k]) || s[k] == '_' || s[k] == '-')) ++k;
        if (k >= s.size() || s[k] != '=') return false;
        p = raw_value_end(s, k + 1, s.size());
        ++n;
    }
}

// Where the enriched part starts when the 0x1d separator was lost (deleted or turned
// into a space by a copy): the first known upper-case key after which every token is
// upper-case. npos if there is none.
size_t find_lost_enrichment(string_view body) {
    size_t eq = body.find('=');
    while (eq != npos) {
        size_t b = eq;
        while (b > 0 && (is_upper(body[b - 1]) || body[b - 1] == '_' || body[b - 1] == '-')) --b;
        // Longest known key ending at '=' (a glued hex value may put letters before it).
        for (size_t k = b; k < eq; ++k) {
            if (!is_upper(body[k])) continue;
            if (in_table(enriched_first_keys, body.substr(k, eq - k))) {
                if (all_enriched_tokens(body.substr(k))) return k;
                break;
            }
        }
        eq = body.find('=', eq + 1);
    }
    return npos;
}

// ---------------------------------------------------------------- time stamps

bool read_fraction_ms(string_view digits, int& ms) {
    if (digits.empty()) return false;
    int v = 0, n = 0;
    for (char c : digits) {
        if (!is_digit(c)) return false;
        if (n < 3) v = v * 10 + (c - '0'), ++n;
    }
    while (n < 3) v *= 10, ++n;
    ms = v;
    return true;
}

// "HH:MM:SS[.frac]"
bool read_clock(string_view s, timeutil::civil& c) {
    if (s.size() < 8 || s[2] != ':' || s[5] != ':') return false;
    if (!read_number(s.substr(0, 2), c.hour) || !read_number(s.substr(3, 2), c.minute) ||
        !read_number(s.substr(6, 2), c.second))
        return false;
    c.millis = 0;
    if (s.size() > 8) {
        if (s[8] != '.' && s[8] != ',') return false;
        if (!read_fraction_ms(s.substr(9), c.millis)) return false;
    }
    return true;
}

// The date of an `ausearch -i` stamp; its format follows the locale (strftime %x):
// MM/DD/YY in C, MM/DD/YYYY in en_US, DD.MM.YYYY in de_DE, YYYY-MM-DD in ISO locales.
// DD/MM/YYYY (en_GB) is ambiguous with MM/DD: it is read as DD/MM only when the first
// number cannot be a month.
bool read_locale_date(string_view s, timeutil::civil& c) {
    size_t a = s.find_first_of("/.-");
    if (a == npos) return false;
    char sep = s[a];
    size_t b = s.find(sep, a + 1);
    if (b == npos) return false;
    int x = 0, y = 0, z = 0;
    if (!read_number(s.substr(0, a), x) || !read_number(s.substr(a + 1, b - a - 1), y) ||
        !read_number(s.substr(b + 1), z))
        return false;
    auto full_year = [](int v, size_t digits) { return digits <= 2 ? (v < 70 ? 2000 + v : 1900 + v) : v; };
    if (a == 4) {  // YYYY-MM-DD or YYYY/MM/DD
        c.year = x, c.month = y, c.day = z;
    } else if (sep == '.' || sep == '-' || x > 12) {
        c.day = x, c.month = y, c.year = full_year(z, s.size() - b - 1);
    } else {
        c.month = x, c.day = y, c.year = full_year(z, s.size() - b - 1);
    }
    return true;
}

// "1782555242.115:4242" (epoch) or "06/27/26 10:14:03.595:4242" (ausearch -i, local).
bool read_stamp(string_view st, audit_record& out, bool& interpreted) {
    size_t colon = st.rfind(':');
    if (colon == npos || !read_number(st.substr(colon + 1), out.serial)) return false;
    out.has_serial = true;
    string_view t = st.substr(0, colon);
    size_t sp = t.find(' ');
    if (sp == npos) {
        interpreted = false;
        size_t dot = t.find('.');
        int64_t sec = 0;
        int ms = 0;
        if (!read_number(t.substr(0, dot), sec) || sec < 0) return false;
        if (dot != npos && !read_fraction_ms(t.substr(dot + 1), ms)) return false;
        if (sec > 253402300799) return false;  // beyond year 9999: garbage
        out.time_ms = sec * 1000 + ms;
        return true;
    }
    interpreted = true;
    timeutil::civil c;
    if (!read_locale_date(t.substr(0, sp), c) || !read_clock(trim(t.substr(sp + 1)), c)) return false;
    if (!timeutil::valid(c)) return false;
    out.time_ms = timeutil::local_to_utc_ms(c);
    return true;
}

// "+02:00", "+0200", "Z" -> offset in ms.
bool read_zone_offset(string_view z, int64_t& off_ms) {
    if (z == "Z") {
        off_ms = 0;
        return true;
    }
    if (z.size() < 5 || (z[0] != '+' && z[0] != '-')) return false;
    int h = 0, m = 0;
    if (!read_number(z.substr(1, 2), h)) return false;
    string_view mm = z[3] == ':' ? z.substr(4) : z.substr(3);
    if (!read_number(mm, m)) return false;
    off_ms = (h * 60 + m) * 60000LL * (z[0] == '-' ? -1 : 1);
    return true;
}

// The stamp that starts a syslog or journalctl line: "Jul  1 10:14:02[.frac]" (no year,
// input zone) or ISO "2026-07-01T10:14:02[.frac][Z|+02:00|+0200]".
bool read_syslog_time(string_view line, int64_t reference_ms, int64_t& ms) {
    timeutil::civil c;
    int month = line.size() >= 15 && line[3] == ' ' ? timeutil::month_from_abbrev(line.substr(0, 3)) : 0;
    if (month) {
        string_view d = line.substr(4, 2);
        if (d[0] == ' ') d.remove_prefix(1);
        if (!read_number(d, c.day) || line[6] != ' ') return false;
        size_t end = line.find(' ', 7);
        if (!read_clock(line.substr(7, end == npos ? npos : end - 7), c)) return false;
        c.month = month;
        c.year = timeutil::infer_year(month, c.day, reference_ms ? reference_ms : timeutil::now_ms());
        if (!timeutil::valid(c)) return false;
        ms = timeutil::local_to_utc_ms(c);
        return true;
    }
    if (line.size() >= 19 && line[4] == '-' && line[7] == '-' && line[10] == 'T') {
        if (!read_number(line.substr(0, 4), c.year) || !read_number(line.substr(5, 2), c.month) ||
            !read_number(line.substr(8, 2), c.day))
            return false;
        size_t end = line.find(' ', 11);
        string_view rest = line.substr(11, end == npos ? npos : end - 11);
        size_t zone = rest.find_first_of("Z+-", 8);
        if (!read_clock(rest.substr(0, zone), c) || !timeutil::valid(c)) return false;
        if (zone == npos) {
            ms = timeutil::local_to_utc_ms(c);
            return true;
        }
        int64_t off = 0;
        if (!read_zone_offset(rest.substr(zone), off)) return false;
        ms = timeutil::utc_ms_from_civil(c) - off;
        return true;
    }
    return false;
}

// ---------------------------------------------------------------- record location

bool is_type_token_char(char c) {
    return is_upper(c) || is_digit(c) || c == '_' || c == '[' || c == ']';
}

// Position of "type=" that starts a keyed record ("type=T msg=audit(" or the kernel's
// "type=NNNN audit("), or npos. `start` is moved back over a "node=NAME " before it.
size_t locate_keyed(string_view line, size_t& start) {
    auto followed_by_stamp = [&](size_t t) {
        size_t e = t + 5;
        while (e < line.size() && is_type_token_char(line[e])) ++e;
        if (e == t + 5 || e >= line.size() || line[e] != ' ') return false;
        string_view after = line.substr(e + 1);
        return starts_with(after, "msg=audit(") || starts_with(after, "audit(");
    };
    auto node_before = [&](size_t t) {
        // "node=NAME type=": walk back over NAME.
        if (t < 7 || line[t - 1] != ' ') return t;
        size_t b = t - 1;
        while (b > 0 && line[b - 1] != ' ' && line[b - 1] != ':') --b;
        return starts_with(line.substr(b), "node=") ? b : t;
    };
    if (starts_with(line, "type=")) {
        start = 0;
        return 0;
    }
    if (starts_with(line, "node=")) {
        size_t t = line.find(" type=");
        if (t == npos) return npos;
        start = 0;
        return t + 1;
    }
    size_t from = 0;
    while (from < line.size()) {
        const void* hit = memmem(line.data() + from, line.size() - from, "type=", 5);
        if (!hit) return npos;
        size_t t = static_cast<size_t>(static_cast<const char*>(hit) - line.data());
        if ((line[t - 1] == ' ' || line[t - 1] == ':') && followed_by_stamp(t)) {
            start = node_before(t);
            return t;
        }
        from = t + 5;
    }
    return npos;
}

// journald's "audit[PID]: TYPE body" / "audit: TYPE body": position of TYPE, or npos.
size_t locate_journald(string_view line, uint32_t& pid) {
    size_t from = 0;
    while (from < line.size()) {
        const void* hit = memmem(line.data() + from, line.size() - from, "audit", 5);
        if (!hit) return npos;
        size_t a = static_cast<size_t>(static_cast<const char*>(hit) - line.data());
        from = a + 5;
        if (a == 0 || line[a - 1] != ' ') continue;
        size_t p = a + 5;
        uint32_t v = 0;
        if (p < line.size() && line[p] == '[') {
            size_t close = line.find(']', p);
            if (close == npos || !read_number(line.substr(p + 1, close - p - 1), v)) continue;
            p = close + 1;
        }
        if (line.substr(p, 2) != ": ") continue;
        p += 2;
        if (p >= line.size() || !is_upper(line[p])) continue;
        size_t e = p;
        while (e < line.size() && is_type_token_char(line[e])) ++e;
        if (e < line.size() && line[e] != ' ') continue;
        pid = v;
        return p;
    }
    return npos;
}

string_view map_numeric_type(string_view type) {
    unsigned n = 0;
    if (!read_number(type, n)) return type;
    string_view name = audit_type_name(n);
    return name.empty() ? type : name;
}

void split_enriched(audit_record& out) {
    string_view body = out.body;
    size_t gs = body.find('\x1d');
    if (gs != npos) {
        out.enriched = trim(body.substr(gs + 1));
        out.body = trim(body.substr(0, gs));
        out.form = audit_form::enriched;
        return;
    }
    size_t lost = find_lost_enrichment(body);
    if (lost != npos) {
        out.enriched = trim(body.substr(lost));
        out.body = trim(body.substr(0, lost));
        out.form = audit_form::enriched;
    }
}

match parse_keyed(string_view line, size_t start, size_t type_pos, audit_record& out) {
    if (start < type_pos) {
        string_view n = line.substr(start + 5, type_pos - start - 5);
        out.node = trim(n);
    }
    size_t e = type_pos + 5;
    while (e < line.size() && line[e] != ' ') ++e;
    string_view type = line.substr(type_pos + 5, e - type_pos - 5);
    if (type.empty() || e >= line.size()) return match::malformed;
    size_t p = e + 1;
    bool kernel = false;
    if (starts_with(line.substr(p), "msg=audit(")) {
        p += 10;
    } else if (starts_with(line.substr(p), "audit(")) {
        p += 6;
        kernel = true;
    } else {
        return match::malformed;
    }
    size_t close = line.find(')', p);
    if (close == npos) return match::malformed;
    bool interpreted = false;
    out.stamp = line.substr(p, close - p);
    if (!read_stamp(out.stamp, out, interpreted)) return match::malformed;
    out.type = map_numeric_type(type);
    size_t b = close + 1;
    while (b < line.size() && (line[b] == ' ' || line[b] == ':')) ++b;
    out.body = trim(line.substr(b));
    if (interpreted) {
        out.form = audit_form::ausearch_interpreted;
    } else if (kernel) {
        out.form = audit_form::kernel;
    } else {
        out.form = audit_form::raw;
        split_enriched(out);
    }
    return match::yes;
}

match parse_journald(string_view line, const audit_parse_context& ctx, audit_record& out) {
    uint32_t pid = 0;
    size_t tp = locate_journald(line, pid);
    if (tp == npos) return match::no;
    size_t e = tp;
    while (e < line.size() && line[e] != ' ') ++e;
    int64_t ms = 0;
    if (!read_syslog_time(line, ctx.reference_ms, ms)) return match::malformed;
    out.type = map_numeric_type(line.substr(tp, e - tp));
    out.body = trim(line.substr(std::min(e + 1, line.size())));
    out.time_ms = ms;
    out.form = audit_form::journald;
    out.journald_pid = pid;
    return match::yes;
}

}  // namespace

// ---------------------------------------------------------------- public

std::string_view audit_type_name(unsigned number) {
    auto it = std::lower_bound(std::begin(type_numbers), std::end(type_numbers), number,
                               [](const type_number& t, unsigned n) { return t.number < n; });
    return it != std::end(type_numbers) && it->number == number ? it->name : string_view{};
}

audit_type_class classify_audit_type(std::string_view type) {
    string_view t = map_numeric_type(type);
    for (const auto& m : type_meanings)
        if (m.name == t) return m.cls;
    return audit_type_class::other;
}

match parse_audit_line(std::string_view line, const audit_parse_context& ctx, audit_record& out) {
    out = audit_record{};
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    if (line.size() < 6) return match::no;
    if (starts_with(line, "----") || starts_with(line, "time->")) return match::no;
    size_t start = 0;
    size_t type_pos = locate_keyed(line, start);
    if (type_pos != npos) return parse_keyed(line, start, type_pos, out);
    // A line that begins as a record but lost its stamp (truncated, edited) is broken.
    if (starts_with(line, "type=") || starts_with(line, "node=")) return match::malformed;
    return parse_journald(line, ctx, out);
}

bool peek_audit_line(std::string_view line, audit_line_peek& out) {
    out = audit_line_peek{};
    size_t start = 0;
    size_t t = line.size() >= 6 ? locate_keyed(line, start) : npos;
    if (t != npos) {
        size_t e = t + 5;
        while (e < line.size() && line[e] != ' ') ++e;
        out.cls = classify_audit_type(line.substr(t + 5, e - t - 5));
        if (out.cls == audit_type_class::other) return true;
        if (start < t) out.node = trim(line.substr(start + 5, t - start - 5));
        string_view after = line.substr(std::min(e + 1, line.size()));
        size_t open = starts_with(after, "msg=audit(") ? e + 11 : starts_with(after, "audit(") ? e + 7 : npos;
        size_t close = open == npos ? npos : line.find(')', open);
        if (close != npos) out.stamp = line.substr(open, close - open);
        return true;
    }
    uint32_t pid = 0;
    size_t tp = locate_journald(line, pid);
    if (tp == npos) return false;
    size_t e = tp;
    while (e < line.size() && line[e] != ' ') ++e;
    out.cls = classify_audit_type(line.substr(tp, e - tp));
    out.journald = true;
    return true;
}

audit_field_cursor::audit_field_cursor(std::string_view body, bool interpreted)
    : s_(body), interpreted_(interpreted) {
    size_t gs = body.find('\x1d');
    outer_end_ = end_ = gs == npos ? body.size() : gs;
}

bool audit_field_cursor::next(std::string_view& key, std::string_view& raw_value) {
    while (true) {
        while (pos_ < end_ && s_[pos_] == ' ') ++pos_;
        if (pos_ >= end_) {
            if (end_ < outer_end_) {  // leave the inside of msg='...'
                pos_ = end_ + 1;
                end_ = outer_end_;
                continue;
            }
            return false;
        }
        size_t k = pos_;
        while (k < end_ && s_[k] != '=' && s_[k] != ' ') ++k;
        if (k >= end_ || s_[k] == ' ' || k == pos_) {  // a token without '='
            size_t sp = s_.find(' ', pos_);
            pos_ = sp == npos || sp >= end_ ? end_ : sp;
            continue;
        }
        key = s_.substr(pos_, k - pos_);
        size_t v = k + 1;
        size_t e = interpreted_ ? interpreted_value_end(s_, v, end_) : raw_value_end(s_, v, end_);
        raw_value = s_.substr(v, e - v);
        if (interpreted_) raw_value = trim(raw_value);
        if (key == "msg" && v < end_ && s_[v] == '\'' && end_ == outer_end_) {
            // Walk the inside next; its closing quote is the last one of the body.
            size_t close = s_.rfind('\'', end_ - 1);
            pos_ = v + 1;
            end_ = close != npos && close > v ? close : end_;
            return true;
        }
        pos_ = e;
        return true;
    }
}

bool decode_audit_hex(std::string_view hex, std::string& out) {
    out.clear();
    if (hex.empty() || hex.size() % 2) return false;
    out.resize(hex.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            out.clear();
            return false;
        }
        out[i] = static_cast<char>(hi << 4 | lo);
    }
    return true;
}

void decode_audit_value(std::string_view key, std::string_view raw, bool interpreted, std::string& out) {
    out.clear();
    if (raw.empty() || raw == "(null)" || raw == "?") return;
    char q = raw.front();
    if (q == '"' || q == '\'') {
        raw.remove_prefix(1);
        if (!raw.empty() && raw.back() == q) raw.remove_suffix(1);
        out.assign(raw);
        return;
    }
    if (!interpreted && in_table(escaped_fields, key) && decode_audit_hex(raw, out)) {
        if (key == "proctitle") {
            while (!out.empty() && out.back() == '\0') out.pop_back();
            std::replace(out.begin(), out.end(), '\0', ' ');
        }
        return;
    }
    out.assign(raw);
}

bool audit_field_raw(std::string_view body, std::string_view key, std::string_view& value) {
    audit_field_cursor c(body, false);
    std::string_view k, v;
    while (c.next(k, v)) {
        if (k == key) {
            value = v;
            return true;
        }
    }
    return false;
}

bool audit_field(std::string_view body, std::string_view key, std::string& value) {
    std::string_view raw;
    if (!audit_field_raw(body, key, raw)) return false;
    decode_audit_value(key, raw, false, value);
    return true;
}

bool audit_record_field(const audit_record& rec, std::string_view key, std::string& value) {
    bool interpreted = rec.form == audit_form::ausearch_interpreted;
    if (interpreted && key == "proctitle" && starts_with(rec.body, "proctitle=")) {
        // The whole rest: a command line may hold " word=" of its own.
        value.assign(trim(rec.body.substr(10)));
        return true;
    }
    audit_field_cursor c(rec.body, interpreted);
    std::string_view k, v;
    while (c.next(k, v)) {
        if (k == key) {
            decode_audit_value(key, v, interpreted, value);
            return true;
        }
    }
    return false;
}

bool audit_enriched_field(const audit_record& rec, std::string_view key, std::string& value) {
    if (rec.enriched.empty()) return false;
    audit_field_cursor c(rec.enriched, false);
    std::string_view k, v;
    while (c.next(k, v)) {
        if (k == key) {
            decode_audit_value(k, v, true, value);
            return true;
        }
    }
    return false;
}

}  // namespace why502::parse

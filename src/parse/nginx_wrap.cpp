// Wrapped NGINX lines: every layer is recognised by its own fixed shape, peeled off
// without copying (only Docker's JSON needs decoding, into the caller's scratch), and the
// rest is handed to the NGINX parser.
#include "parse/nginx_wrap.hpp"

#include <array>
#include <cstring>

namespace why502::parse {
namespace {

using sv = std::string_view;
constexpr size_t npos = sv::npos;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_alnum(char c) {
    return is_digit(c) || is_alpha(c);
}

bool digits_at(sv s, size_t pos, size_t n) {
    if (pos + n > s.size()) return false;
    for (size_t i = pos; i < pos + n; ++i)
        if (!is_digit(s[i])) return false;
    return true;
}

int num(sv s, size_t pos, size_t n) {
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) v = v * 10 + (s[i] - '0');
    return v;
}

bool starts_with(sv s, sv p) {
    return s.size() >= p.size() && std::memcmp(s.data(), p.data(), p.size()) == 0;
}

// ".123456789" after seconds: milliseconds, advancing pos past every digit.
int fraction_ms(sv s, size_t& pos) {
    if (pos >= s.size() || s[pos] != '.' || pos + 1 >= s.size() || !is_digit(s[pos + 1])) return 0;
    ++pos;
    int ms = 0, n = 0;
    while (pos < s.size() && is_digit(s[pos])) {
        if (n < 3) ms = ms * 10 + (s[pos] - '0');
        ++n;
        ++pos;
    }
    while (n < 3) ms *= 10, ++n;
    return ms;
}

// "Jul  1 10:14:02", "Jul 01 10:14:02", "Jul 1 10:14:02", optional ".123456" (journalctl
// -o short-precise). pos ends after the stamp.
bool parse_bsd_stamp(sv s, size_t& pos, timeutil::civil& c) {
    size_t p = pos;
    if (p + 3 > s.size()) return false;
    int month = timeutil::month_from_abbrev(s.substr(p, 3));
    if (month == 0 || p + 4 > s.size() || s[p + 3] != ' ') return false;
    p += 4;
    int day = 0;
    if (p + 2 <= s.size() && s[p] == ' ' && is_digit(s[p + 1])) {
        day = s[p + 1] - '0';
        p += 2;
    } else if (digits_at(s, p, 2)) {
        day = num(s, p, 2);
        p += 2;
    } else if (digits_at(s, p, 1)) {
        day = s[p] - '0';
        p += 1;
    } else {
        return false;
    }
    if (p >= s.size() || s[p] != ' ') return false;
    ++p;
    if (!digits_at(s, p, 2) || p + 8 > s.size() || s[p + 2] != ':' || !digits_at(s, p + 3, 2) ||
        s[p + 5] != ':' || !digits_at(s, p + 6, 2))
        return false;
    c = timeutil::civil{};
    c.month = month;
    c.day = day;
    c.hour = num(s, p, 2);
    c.minute = num(s, p + 3, 2);
    c.second = num(s, p + 6, 2);
    p += 8;
    c.millis = fraction_ms(s, p);
    c.year = 2000;  // any leap year: the day is checked here, the year inferred by the caller
    if (!timeutil::valid(c)) return false;
    pos = p;
    return true;
}

struct iso_stamp {
    timeutil::civil local;  // as written
    bool has_offset = false;
    int64_t utc_ms = 0;
};

// "2026-07-01T10:14:02[.frac](Z|+02:00|+0200)" (RFC 3339, journalctl short-iso, docker).
bool parse_iso_stamp(sv s, size_t& pos, iso_stamp& out) {
    size_t p = pos;
    if (!digits_at(s, p, 4) || p + 19 > s.size() || s[p + 4] != '-' || !digits_at(s, p + 5, 2) ||
        s[p + 7] != '-' || !digits_at(s, p + 8, 2) || s[p + 10] != 'T' || !digits_at(s, p + 11, 2) ||
        s[p + 13] != ':' || !digits_at(s, p + 14, 2) || s[p + 16] != ':' || !digits_at(s, p + 17, 2))
        return false;
    timeutil::civil c;
    c.year = num(s, p, 4);
    c.month = num(s, p + 5, 2);
    c.day = num(s, p + 8, 2);
    c.hour = num(s, p + 11, 2);
    c.minute = num(s, p + 14, 2);
    c.second = num(s, p + 17, 2);
    p += 19;
    c.millis = fraction_ms(s, p);
    if (!timeutil::valid(c)) return false;
    out = iso_stamp{};
    out.local = c;
    if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
        out.has_offset = true;
        out.utc_ms = timeutil::utc_ms_from_civil(c);
        ++p;
    } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
        int sign = s[p] == '-' ? -1 : 1;
        int minutes = 0;
        if (digits_at(s, p + 1, 2) && p + 3 < s.size() && s[p + 3] == ':' && digits_at(s, p + 4, 2)) {
            minutes = num(s, p + 1, 2) * 60 + num(s, p + 4, 2);
            p += 6;
        } else if (digits_at(s, p + 1, 4)) {
            minutes = num(s, p + 1, 2) * 60 + num(s, p + 3, 2);
            p += 5;
        } else {
            return false;
        }
        out.has_offset = true;
        out.utc_ms = timeutil::utc_ms_from_civil(c) - sign * int64_t{minutes} * 60000;
    }
    pos = p;
    return true;
}

void set_iso_time(const iso_stamp& st, wrap_info& info) {
    if (st.has_offset) {
        info.has_utc = true;
        info.utc_ms = st.utc_ms;
    } else {
        info.has_local = true;
        info.local = st.local;
    }
}

void set_bsd_time(timeutil::civil c, const nginx_wrap_context& ctx, wrap_info& info) {
    int64_t ref = ctx.reference_ms ? ctx.reference_ms : timeutil::now_ms();
    c.year = timeutil::infer_year(c.month, c.day, ref);
    if (c.month == 2 && c.day == 29 && !timeutil::valid(c)) return;  // no such day that year
    info.has_local = true;
    info.local = c;
}

uint32_t parse_pid(sv s) {
    if (s.empty() || s.size() > 10) return 0;
    uint64_t v = 0;
    for (char ch : s) {
        if (!is_digit(ch)) return 0;
        v = v * 10 + static_cast<uint64_t>(ch - '0');
    }
    return v > UINT32_MAX ? 0 : static_cast<uint32_t>(v);
}

void set_tag(sv tag, wrap_info& info) {
    size_t br = tag.find('[');
    if (br != npos && tag.back() == ']') {
        info.tag_pid = parse_pid(tag.substr(br + 1, tag.size() - br - 2));
        tag = tag.substr(0, br);
    }
    info.tag = tag;
}

// After a syslog stamp: " HOST TAG: MSG" (HOST may be empty: NGINX sends "" before it
// knows its host name) or " TAG: MSG" (nohostname). Returns the offset of MSG.
size_t host_and_tag(sv s, size_t pos, wrap_info& info) {
    if (pos >= s.size() || s[pos] != ' ') return npos;
    ++pos;
    size_t sp = s.find(' ', pos);
    sv t1 = s.substr(pos, (sp == npos ? s.size() : sp) - pos);
    if (!t1.empty() && t1.back() == ':' && t1.size() > 1) {
        set_tag(t1.substr(0, t1.size() - 1), info);
        info.host = {};
        return sp == npos ? s.size() : sp + 1;
    }
    if (sp == npos) return npos;
    info.host = t1;
    size_t tag_start = sp + 1;
    size_t colon = s.find(':', tag_start);
    if (colon == npos || colon == tag_start || colon - tag_start > 64) return npos;
    sv tag = s.substr(tag_start, colon - tag_start);
    if (tag.find(' ') != npos) return npos;
    set_tag(tag, info);
    size_t msg = colon + 1;
    if (msg < s.size()) {
        if (s[msg] != ' ') return npos;
        ++msg;
    }
    return msg;
}

// "<PRI>" -> offset after '>', or npos.
size_t parse_pri(sv s, int& pri) {
    if (s.empty() || s[0] != '<') return npos;
    size_t p = 1;
    int v = 0;
    while (p < s.size() && p <= 3 && is_digit(s[p])) v = v * 10 + (s[p++] - '0');
    if (p == 1 || p >= s.size() || s[p] != '>' || v > 191) return npos;
    pri = v;
    return p + 1;
}

// RFC 5424 after "<PRI>1 ": TIMESTAMP HOST APP PROCID MSGID SD [MSG].
bool peel_5424(sv s, size_t pos, const nginx_wrap_context&, wrap_info& info, sv& inner) {
    auto token = [&](sv& out) {
        if (pos >= s.size()) return false;
        size_t sp = s.find(' ', pos);
        if (sp == npos) sp = s.size();
        out = s.substr(pos, sp - pos);
        pos = sp < s.size() ? sp + 1 : sp;
        return !out.empty();
    };
    sv ts, host, app, procid, msgid;
    if (!token(ts) || !token(host) || !token(app) || !token(procid) || !token(msgid)) return false;
    if (ts != "-") {
        iso_stamp st;
        size_t p = 0;
        if (!parse_iso_stamp(ts, p, st) || p != ts.size()) return false;
        set_iso_time(st, info);
    }
    info.host = host == "-" ? sv{} : host;
    info.tag = app == "-" ? sv{} : app;
    info.tag_pid = parse_pid(procid);
    // STRUCTURED-DATA: "-" or one or more [id k="v"...] (']' '"' '\' escaped in values).
    if (pos < s.size() && s[pos] == '-') {
        ++pos;
    } else if (pos < s.size() && s[pos] == '[') {
        while (pos < s.size() && s[pos] == '[') {
            bool in_quotes = false;
            ++pos;
            while (pos < s.size()) {
                char c = s[pos];
                if (c == '\\' && in_quotes) {
                    pos += 2;
                    continue;
                }
                if (c == '"') in_quotes = !in_quotes;
                if (c == ']' && !in_quotes) break;
                ++pos;
            }
            if (pos >= s.size()) return false;
            ++pos;
        }
    } else {
        return false;
    }
    if (pos < s.size()) {
        if (s[pos] != ' ') return false;
        ++pos;
    }
    sv msg = s.substr(pos);
    if (starts_with(msg, "\xEF\xBB\xBF")) msg.remove_prefix(3);  // the BOM of an UTF-8 MSG
    inner = msg;
    return true;
}

bool peel_syslog_pri(sv s, const nginx_wrap_context& ctx, wrap_info& info, sv& inner, nginx_wrapper& form) {
    int pri = -1;
    size_t p = parse_pri(s, pri);
    if (p == npos) return false;
    wrap_info w = info;
    w.syslog_pri = pri;
    if (p + 2 <= s.size() && s[p] == '1' && s[p + 1] == ' ') {
        if (!peel_5424(s, p + 2, ctx, w, inner)) return false;
        form = nginx_wrapper::syslog5424;
        info = w;
        return true;
    }
    timeutil::civil c;
    iso_stamp st;
    size_t q = p;
    if (parse_bsd_stamp(s, q, c)) {
        size_t msg = host_and_tag(s, q, w);
        if (msg == npos) return false;
        set_bsd_time(c, ctx, w);
        inner = s.substr(msg);
    } else if (parse_iso_stamp(s, q, st)) {
        size_t msg = host_and_tag(s, q, w);
        if (msg == npos) return false;
        set_iso_time(st, w);
        inner = s.substr(msg);
    } else {
        return false;
    }
    form = nginx_wrapper::syslog;
    info = w;
    return true;
}

bool peel_bsd(sv s, const nginx_wrap_context& ctx, wrap_info& info, sv& inner, nginx_wrapper& form) {
    timeutil::civil c;
    size_t p = 0;
    if (!parse_bsd_stamp(s, p, c)) return false;
    wrap_info w = info;
    size_t msg = host_and_tag(s, p, w);
    if (msg == npos) return false;
    set_bsd_time(c, ctx, w);
    inner = s.substr(msg);
    form = nginx_wrapper::syslog;
    info = w;
    return true;
}

// ISO stamp first: `docker logs -t` (stamp + line), CRI ("stamp stderr F line", as
// Kubernetes writes container logs), or a syslog file with ISO stamps (stamp host tag: msg).
bool peel_iso(sv s, wrap_info& info, sv& inner, nginx_wrapper& form) {
    iso_stamp st;
    size_t p = 0;
    if (!parse_iso_stamp(s, p, st) || p >= s.size() || s[p] != ' ') return false;
    wrap_info w = info;
    sv rest = s.substr(p + 1);
    if (starts_with_nginx_stamp(rest) || rest.empty()) {
        set_iso_time(st, w);
        inner = rest;
        form = nginx_wrapper::docker_ts;
        info = w;
        return true;
    }
    for (sv stream : {sv("stdout "), sv("stderr ")}) {
        if (starts_with(rest, stream) && rest.size() >= 8 && (rest[7] == 'F' || rest[7] == 'P') &&
            (rest.size() == 8 || rest[8] == ' ')) {
            set_iso_time(st, w);
            w.stream = rest.substr(0, 6);
            w.partial = rest[7] == 'P';
            inner = rest.size() > 9 ? rest.substr(9) : sv{};
            form = nginx_wrapper::cri;
            info = w;
            return true;
        }
    }
    size_t msg = host_and_tag(s, p, w);
    if (msg == npos) return false;
    set_iso_time(st, w);
    inner = s.substr(msg);
    form = nginx_wrapper::syslog;
    info = w;
    return true;
}

// ---- Docker json-file ---------------------------------------------------------------

size_t skip_ws(sv s, size_t p) {
    while (p < s.size() && (s[p] == ' ' || s[p] == '\t')) ++p;
    return p;
}

// s[p] == '"': index of the closing quote, or npos.
size_t string_end(sv s, size_t p) {
    ++p;
    while (p < s.size()) {
        const char* b = s.data() + p;
        size_t n = s.size() - p;
        const void* q = std::memchr(b, '"', n);
        const void* bs = std::memchr(b, '\\', n);
        if (!q) return npos;
        if (bs && bs < q) {
            p = static_cast<size_t>(static_cast<const char*>(bs) - s.data()) + 2;
            continue;
        }
        return static_cast<size_t>(static_cast<const char*>(q) - s.data());
    }
    return npos;
}

// Skips a non-string JSON value (number, literal, object, array); strings inside nested
// values are skipped whole so their braces do not count.
size_t skip_value(sv s, size_t p) {
    int depth = 0;
    while (p < s.size()) {
        char c = s[p];
        if (c == '"') {
            size_t e = string_end(s, p);
            if (e == npos) return npos;
            p = e + 1;
            if (depth == 0) return p;
            continue;
        }
        if (c == '{' || c == '[') ++depth;
        if (c == '}' || c == ']') {
            if (depth == 0) return p;
            --depth;
            ++p;
            if (depth == 0) return p;
            continue;
        }
        if (depth == 0 && (c == ',' || c == ' ')) return p;
        ++p;
    }
    return depth == 0 ? p : npos;
}

bool peel_docker_json(sv s, std::string& scratch, wrap_info& info, sv& inner) {
    size_t p = skip_ws(s, 1);
    sv log, stream, time;
    bool have_log = false;
    while (p < s.size() && s[p] != '}') {
        if (s[p] != '"') return false;
        size_t ke = string_end(s, p);
        if (ke == npos) return false;
        sv key = s.substr(p + 1, ke - p - 1);
        p = skip_ws(s, ke + 1);
        if (p >= s.size() || s[p] != ':') return false;
        p = skip_ws(s, p + 1);
        if (p >= s.size()) return false;
        if (s[p] == '"') {
            size_t ve = string_end(s, p);
            if (ve == npos) return false;
            sv val = s.substr(p + 1, ve - p - 1);
            if (key == "log") {
                log = val;
                have_log = true;
            } else if (key == "stream") {
                stream = val;
            } else if (key == "time") {
                time = val;
            }
            p = ve + 1;
        } else {
            p = skip_value(s, p);
            if (p == npos) return false;
        }
        p = skip_ws(s, p);
        if (p < s.size() && s[p] == ',') p = skip_ws(s, p + 1);
    }
    if (p >= s.size() || !have_log) return false;
    scratch.clear();
    if (!json_unescape(log, scratch)) return false;
    sv text = scratch;
    wrap_info w = info;
    if (!text.empty() && text.back() == '\n') {
        text.remove_suffix(1);
    } else {
        w.partial = true;  // the daemon splits lines longer than 16 KiB
    }
    while (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    w.stream = stream;
    iso_stamp st;
    size_t tp = 0;
    if (!time.empty() && parse_iso_stamp(time, tp, st)) set_iso_time(st, w);
    inner = text;
    info = w;
    return true;
}

// ---- docker compose and grep prefixes --------------------------------------------------

// ESC [ params intermediates final: the colour codes `docker compose logs` prints.
void skip_ansi(sv s, size_t& p) {
    while (p + 1 < s.size() && s[p] == '\x1b' && s[p + 1] == '[') {
        size_t q = p + 2;
        while (q < s.size() && s[q] >= 0x30 && s[q] <= 0x3f) ++q;
        while (q < s.size() && s[q] >= 0x20 && s[q] <= 0x2f) ++q;
        if (q >= s.size() || s[q] < 0x40 || s[q] > 0x7e) return;
        p = q + 1;
    }
}

// "web-1  | LINE", "nginx_1   | LINE": the service name, padding, "| ".
bool peel_compose(sv s, wrap_info& info, sv& inner) {
    size_t p = 0;
    skip_ansi(s, p);
    size_t start = p;
    if (p >= s.size() || !is_alnum(s[p])) return false;
    while (p < s.size() && (is_alnum(s[p]) || s[p] == '_' || s[p] == '-' || s[p] == '.')) ++p;
    sv name = s.substr(start, p - start);
    skip_ansi(s, p);
    if (p >= s.size() || s[p] != ' ') return false;
    while (p < s.size() && s[p] == ' ') {
        ++p;
        skip_ansi(s, p);
    }
    if (p >= s.size() || s[p] != '|') return false;
    ++p;
    skip_ansi(s, p);
    if (p < s.size() && s[p] == ' ') ++p;
    skip_ansi(s, p);
    info.container = name;
    inner = s.substr(p);
    return true;
}

// Whether text after a grep prefix starts like something this file can read.
bool recognisable(sv s) {
    if (s.empty()) return false;
    if (starts_with_nginx_stamp(s)) return true;
    if (s[0] == '<') {
        int pri;
        return parse_pri(s, pri) != npos;
    }
    if (starts_with(s, "{\"")) return true;
    if (s.size() >= 4 && timeutil::month_from_abbrev(s.substr(0, 3)) != 0 && s[3] == ' ') return true;
    return s.size() >= 11 && digits_at(s, 0, 4) && s[4] == '-' && s[10] == 'T';
}

// "PATH:LINE" or "PATH:N:LINE" (grep -n): PATH has no space; accepted only when what
// follows is recognisable, since "word:" alone proves nothing.
bool peel_grep(sv s, wrap_info& info, sv& inner) {
    size_t limit = s.find_first_of(" |");
    if (limit == npos) limit = s.size();
    for (size_t c = s.find(':'); c != npos && c < limit; c = s.find(':', c + 1)) {
        if (c == 0) continue;
        sv after = s.substr(c + 1);
        size_t d = 0;
        while (d < after.size() && d < 12 && is_digit(after[d])) ++d;
        if (d > 0 && d < after.size() && after[d] == ':' && recognisable(after.substr(d + 1))) {
            info.file = s.substr(0, c);
            info.file_line = static_cast<uint64_t>(parse_pid(after.substr(0, d)));
            inner = after.substr(d + 1);
            return true;
        }
        if (recognisable(after)) {
            info.file = s.substr(0, c);
            inner = after;
            return true;
        }
    }
    return false;
}

bool peel_one(sv s, std::string& scratch, bool& used_scratch, const nginx_wrap_context& ctx, wrap_info& info,
              sv& inner, nginx_wrapper& form) {
    char c = s[0];
    if (c == '<') return peel_syslog_pri(s, ctx, info, inner, form);
    if (c == '{') {
        if (used_scratch || !peel_docker_json(s, scratch, info, inner)) return false;
        used_scratch = true;
        form = nginx_wrapper::docker_json;
        return true;
    }
    if (is_alpha(c) && peel_bsd(s, ctx, info, inner, form)) return true;
    if (is_digit(c) && peel_iso(s, info, inner, form)) return true;
    if (peel_compose(s, info, inner)) {
        form = nginx_wrapper::compose;
        return true;
    }
    if (peel_grep(s, info, inner)) {
        form = nginx_wrapper::grep;
        return true;
    }
    return false;
}

match parse_inner(sv inner, wrap_info& info, nginx_line& out) {
    match m = parse_nginx_line(inner, out);
    if (m == match::no && info.layers > 0 && (info.has_local || info.has_utc)) {
        // A relay dropped the NGINX stamp: "[error] 2841#2841: ..." with the wrapper's time.
        nginx_line tmp;
        tmp.time = info.has_local ? info.local : timeutil::utc_ms_to_local(info.utc_ms);
        m = parse_nginx_line_body(inner, tmp);
        if (m == match::yes) {
            out = tmp;
            info.time_from_wrapper = true;
        }
    }
    return m;
}

void put_utf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

bool hex4(sv s, size_t p, uint32_t& v) {
    if (p + 4 > s.size()) return false;
    v = 0;
    for (size_t i = p; i < p + 4; ++i) {
        char c = s[i];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = static_cast<uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = static_cast<uint32_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = static_cast<uint32_t>(c - 'A' + 10);
        else
            return false;
        v = v * 16 + d;
    }
    return true;
}

// clang-format off
constexpr std::array<std::pair<nginx_wrapper, sv>, 8> k_wrapper_names{{
    {nginx_wrapper::none, "none"},
    {nginx_wrapper::syslog, "syslog"},
    {nginx_wrapper::syslog5424, "syslog5424"},
    {nginx_wrapper::docker_json, "docker-json"},
    {nginx_wrapper::docker_ts, "docker-timestamps"},
    {nginx_wrapper::cri, "cri"},
    {nginx_wrapper::compose, "compose"},
    {nginx_wrapper::grep, "grep"},
}};
// clang-format on

}  // namespace

std::string_view wrapper_name(nginx_wrapper w) {
    for (const auto& [k, name] : k_wrapper_names)
        if (k == w) return name;
    return "none";
}

bool json_unescape(std::string_view body, std::string& out) {
    size_t p = 0;
    while (p < body.size()) {
        const void* bs = std::memchr(body.data() + p, '\\', body.size() - p);
        size_t e = bs ? static_cast<size_t>(static_cast<const char*>(bs) - body.data()) : body.size();
        out.append(body.data() + p, e - p);
        if (e >= body.size()) break;
        if (e + 1 >= body.size()) return false;
        char c = body[e + 1];
        p = e + 2;
        switch (c) {
            case '"':
                out += '"';
                break;
            case '\\':
                out += '\\';
                break;
            case '/':
                out += '/';
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u': {
                uint32_t cp;
                if (!hex4(body, p, cp)) return false;
                p += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    uint32_t lo;
                    if (p + 6 <= body.size() && body[p] == '\\' && body[p + 1] == 'u' &&
                        hex4(body, p + 2, lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        p += 6;
                    } else {
                        cp = 0xFFFD;
                    }
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    cp = 0xFFFD;
                }
                put_utf8(cp, out);
                break;
            }
            default:
                return false;
        }
    }
    return true;
}

std::string_view unwrap_nginx_line(std::string_view raw, std::string& scratch, const nginx_wrap_context& ctx,
                                   wrap_info& info) {
    info = wrap_info{};
    sv s = raw;
    while (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    bool used_scratch = false;
    for (int layer = 0; layer < 4; ++layer) {
        if (s.empty() || starts_with_nginx_stamp(s)) break;
        sv inner;
        nginx_wrapper form = nginx_wrapper::none;
        if (!peel_one(s, scratch, used_scratch, ctx, info, inner, form)) break;
        info.form = form;
        ++info.layers;
        s = inner;
    }
    info.inner = s;
    return s;
}

match parse_wrapped_nginx_line(std::string_view raw, std::string& scratch, const nginx_wrap_context& ctx,
                               nginx_line& out, wrap_info& info) {
    sv inner = unwrap_nginx_line(raw, scratch, ctx, info);
    return parse_inner(inner, info, out);
}

int64_t nginx_line_utc_ms(const nginx_line& line, const wrap_info& info) {
    if (info.has_utc) return info.utc_ms;
    return timeutil::local_to_utc_ms(line.time);
}

// ---- joiner -------------------------------------------------------------------------

bool nginx_entry_joiner::same_source(const nginx_entry& e) const {
    const wrap_info& w = e.wrap;
    if (w.layers == 0) return true;  // a bare line (journalctl's indented continuation, grep's)
    return w.form == pend_.wrap.form && w.container == pend_.wrap.container && w.host == pend_.wrap.host &&
           w.tag == pend_.wrap.tag && w.file == pend_.wrap.file && w.stream == pend_.wrap.stream;
}

void nginx_entry_joiner::start_pending(const nginx_entry& e) {
    owned& o = own_[own_index_];
    o.text.assign(e.wrap.inner);
    o.file.assign(e.wrap.file);
    o.host.assign(e.wrap.host);
    o.tag.assign(e.wrap.tag);
    o.container.assign(e.wrap.container);
    o.stream.assign(e.wrap.stream);
    pend_ = e;
    pend_.wrap.file = o.file;
    pend_.wrap.host = o.host;
    pend_.wrap.tag = o.tag;
    pend_.wrap.container = o.container;
    pend_.wrap.stream = o.stream;
    pend_.wrap.inner = {};
    pend_.text = {};
    pend_.line = nginx_line{};
    pending_ = true;
    pending_partial_ = e.wrap.partial;
}

void nginx_entry_joiner::flush_pending() {
    owned& o = own_[own_index_];
    nginx_entry& e = ready_[n_ready_++];
    e = pend_;
    e.text = o.text;
    e.wrap.inner = o.text;
    e.wrap.partial = false;
    e.result = parse_inner(o.text, e.wrap, e.line);
    pending_ = false;
    pending_partial_ = false;
    own_index_ ^= 1;  // the entry just handed out keeps pointing into the other buffer
}

void nginx_entry_joiner::step(std::string_view raw, uint64_t line_no) {
    n_ready_ = 0;
    nginx_entry cur;
    cur.result = parse_wrapped_nginx_line(raw, scratch_, ctx_, cur.line, cur.wrap);
    cur.text = cur.wrap.inner;
    cur.first_line = cur.last_line = line_no;
    bool opens = cur.wrap.partial;
    if (cur.result == match::yes && cur.line.client.empty()) {
        size_t quotes = 0;
        for (char c : cur.line.message) quotes += c == '"';
        opens = opens || quotes % 2 == 1;
    }
    if (pending_) {
        if (!same_source(cur) && !opens) {
            // Another container's or program's line in between: the open entry waits.
            ready_[n_ready_++] = cur;
            return;
        }
        if (same_source(cur) && (pending_partial_ || cur.result == match::no)) {
            sv add = cur.wrap.inner;
            if (cur.wrap.layers == 0) {
                // grep -r repeats the file name on continuation lines; journalctl indents them.
                const std::string& file = own_[own_index_].file;
                if (!file.empty() && add.size() > file.size() && starts_with(add, file) &&
                    add[file.size()] == ':')
                    add.remove_prefix(file.size() + 1);
                else if (prefix_len_ > 0 && add.size() >= prefix_len_ &&
                         add.find_first_not_of(' ') >= prefix_len_)
                    add.remove_prefix(prefix_len_);
            }
            owned& o = own_[own_index_];
            if (pend_.continuation_lines + 1 < max_lines && o.text.size() + add.size() + 1 <= max_bytes) {
                bool was_partial = pending_partial_;
                if (!was_partial) o.text += '\n';
                o.text.append(add);
                pend_.last_line = line_no;
                ++pend_.continuation_lines;
                pending_partial_ = cur.wrap.partial;
                if (!pending_partial_ && (was_partial || add.find(", client: ") != sv::npos)) flush_pending();
                return;
            }
        }
        flush_pending();
    }
    if (opens) {
        start_pending(cur);
        // journalctl indents continuation lines by the width of the first line's header.
        const char* in = cur.wrap.inner.data();
        bool suffix =
            cur.wrap.form == nginx_wrapper::syslog && in >= raw.data() && in <= raw.data() + raw.size();
        prefix_len_ = suffix ? static_cast<size_t>(in - raw.data()) : 0;
        return;
    }
    ready_[n_ready_++] = cur;
}

}  // namespace why502::parse

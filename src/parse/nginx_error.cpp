// NGINX error-log lines. Everything in a line after the level may come from a client
// (request line, Host, Referer, URIs inside messages) and NGINX writes it unescaped, so
// fields are located by the structure NGINX gives them (key order, which values can
// hold spaces) rather than by the first quote that happens to follow a key.
#include "parse/nginx_error.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>

namespace why502::parse {

// One per line in flight per worker; keep it small enough to copy freely.
static_assert(sizeof(nginx_line) <= 192, "nginx_line grew: it is copied per line");
static_assert(sizeof(upstream_failure) <= 80, "upstream_failure grew");

namespace {

using sv = std::string_view;
constexpr size_t npos = sv::npos;

// memchr for the needle's first byte, then memcmp: the needles here are short and start
// with ',' or ' ', which are rare enough in log text that this beats glibc's memmem
// (whose set-up cost dominates on lines of a few hundred bytes).
size_t find_at(sv hay, sv needle, size_t from = 0) {
    if (needle.empty()) return from <= hay.size() ? from : npos;
    if (from > hay.size() || needle.size() > hay.size() - from) return npos;
    const char* p = hay.data() + from;
    const char* last = hay.data() + hay.size() - needle.size();  // last possible start
    while (p <= last) {
        p = static_cast<const char*>(std::memchr(p, needle[0], static_cast<size_t>(last - p) + 1));
        if (!p) return npos;
        if (std::memcmp(p + 1, needle.data() + 1, needle.size() - 1) == 0)
            return static_cast<size_t>(p - hay.data());
        ++p;
    }
    return npos;
}

size_t rfind_at(sv hay, sv needle, size_t before) {
    // Last occurrence starting at or after 0 and ending at or before `before`.
    if (before > hay.size()) before = hay.size();
    if (needle.size() > before) return npos;
    return hay.substr(0, before).rfind(needle);
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool digits_at(sv s, size_t pos, size_t n) {
    if (pos + n > s.size()) return false;
    for (size_t i = pos; i < pos + n; ++i)
        if (!is_digit(s[i])) return false;
    return true;
}

int two(sv s, size_t pos) {
    return (s[pos] - '0') * 10 + (s[pos + 1] - '0');
}

template <class T>
bool parse_uint(sv s, size_t& pos, T& out) {
    size_t start = pos;
    while (pos < s.size() && is_digit(s[pos])) ++pos;
    if (pos == start) return false;
    uint64_t v = 0;
    auto r = std::from_chars(s.data() + start, s.data() + pos, v);
    if (r.ec == std::errc::result_out_of_range || v > std::numeric_limits<T>::max()) {
        out = std::numeric_limits<T>::max();  // saturate: a 64-bit macOS thread id, say
        return true;
    }
    out = static_cast<T>(v);
    return true;
}

struct level_row {
    sv name;
    nginx_level level;
};
// ngx_log.c err_levels[] (without "stderr", which never reaches a log file).
// clang-format off
constexpr std::array<level_row, 8> k_levels{{
    {"debug", nginx_level::debug},
    {"info", nginx_level::info},
    {"notice", nginx_level::notice},
    {"warn", nginx_level::warn},
    {"error", nginx_level::error},
    {"crit", nginx_level::crit},
    {"alert", nginx_level::alert},
    {"emerg", nginx_level::emerg},
}};
// clang-format on

// ---- context fields -------------------------------------------------------------------
// ngx_http_log_error + ngx_http_log_error_handler (src/http/ngx_http_request.c) append,
// in this order and each only when known:
//   " while ACTION", ", client: ADDR", ", server: NAME", ", request: \"LINE\"",
//   ", subrequest: \"URI\"", ", upstream: \"SCHEME PEER [:] URI\"", ", host: \"H\"",
//   ", referrer: \"R\""
// The stream proxy writes ", upstream: \"PEER\", bytes from/to client:N/N, bytes from/to
// upstream:N/N" instead of host/referrer. The whole line is cut at NGX_MAX_ERROR_STR
// (2048 bytes), so any field may end without its closing quote.
constexpr sv k_client = ", client: ";
constexpr sv k_server = ", server: ";
constexpr sv k_request = ", request: \"";
constexpr sv k_subrequest = ", subrequest: \"";
constexpr sv k_upstream = ", upstream: \"";
constexpr sv k_host = ", host: \"";
constexpr sv k_referrer = ", referrer: \"";
constexpr sv k_stream_tail = ", bytes from/to client:";

enum key_bit : unsigned {
    kb_subrequest = 1,
    kb_upstream = 2,
    kb_host = 4,
    kb_referrer = 8,
    kb_stream = 16,
};

bool starts_at(sv s, size_t pos, sv prefix) {
    return pos <= s.size() && s.size() - pos >= prefix.size() &&
           std::memcmp(s.data() + pos, prefix.data(), prefix.size()) == 0;
}

// True if a field key from `allowed` starts at pos, or pos is the end of s.
bool key_or_end_at(sv s, size_t pos, unsigned allowed) {
    if (pos == s.size()) return true;
    if (s[pos] != ',') return false;
    return ((allowed & kb_subrequest) && starts_at(s, pos, k_subrequest)) ||
           ((allowed & kb_upstream) && starts_at(s, pos, k_upstream)) ||
           ((allowed & kb_host) && starts_at(s, pos, k_host)) ||
           ((allowed & kb_referrer) && starts_at(s, pos, k_referrer)) ||
           ((allowed & kb_stream) && starts_at(s, pos, k_stream_tail));
}

// First '"' at or after `from` that is followed by an allowed key or the end. npos if
// none (a value cut by the 2048-byte limit).
size_t first_quote_before_key(sv s, size_t from, unsigned allowed) {
    while (from < s.size()) {
        const void* q = std::memchr(s.data() + from, '"', s.size() - from);
        if (!q) return npos;
        size_t pos = static_cast<size_t>(static_cast<const char*>(q) - s.data());
        if (key_or_end_at(s, pos + 1, allowed)) return pos;
        from = pos + 1;
    }
    return npos;
}

// The request line NGINX accepted for proxying is "METHOD SP TARGET SP HTTP/d.d" (since
// 1.21.1 the target cannot hold a space), so its closing quote is the one right after
// " HTTP/d.d" followed by a later key: quotes and fake keys inside the target cannot
// end it early. Lines that are not well-formed requests (400s, HTTP/0.9, a line cut by
// the size limit) fall back to the first quote followed by a later key.
size_t request_end(sv s, size_t from, unsigned later) {
    size_t pos = from;
    while ((pos = find_at(s, " HTTP/", pos)) != npos) {
        size_t q = pos + 9;
        if (q < s.size() && is_digit(s[pos + 6]) && s[pos + 7] == '.' && is_digit(s[pos + 8]) &&
            s[q] == '"' && key_or_end_at(s, q + 1, later))
            return q;
        ++pos;
    }
    return first_quote_before_key(s, from, later);
}

// Reads the quoted fields after "server: NAME". Unknown trailing text (fields added by
// third-party modules) is left alone rather than making the line malformed.
void parse_quoted_fields(sv q, nginx_line& out) {
    size_t pos = 0;
    auto value = [&](size_t start, size_t end_quote) {
        if (end_quote == npos) {  // cut by the line limit: the value runs to the end
            pos = q.size();
            sv v = q.substr(start);
            if (!v.empty() && v.back() == '"') v.remove_suffix(1);
            return v;
        }
        pos = end_quote + 1;
        return q.substr(start, end_quote - start);
    };
    if (starts_at(q, pos, k_request)) {
        size_t start = pos + k_request.size();
        out.request =
            value(start, request_end(q, start, kb_subrequest | kb_upstream | kb_host | kb_referrer));
    }
    if (starts_at(q, pos, k_subrequest)) {
        size_t start = pos + k_subrequest.size();
        out.subrequest = value(start, first_quote_before_key(q, start, kb_upstream | kb_host | kb_referrer));
    }
    if (starts_at(q, pos, k_upstream)) {
        // SCHEME://PEER[:]URI: the peer is an address or a group name and the URI comes
        // from the request target, so the value has no space and ends at the first quote
        // followed by a later key.
        size_t start = pos + k_upstream.size();
        out.upstream = value(start, first_quote_before_key(q, start, kb_host | kb_referrer | kb_stream));
    }
    if (starts_at(q, pos, k_host)) {
        // Host is free text from the client; only the referrer can follow, so the host
        // ends at the last ", referrer: \"" (a referrer that fakes a key only splits
        // itself).
        size_t start = pos + k_host.size();
        size_t ref = npos;
        size_t limit = q.size();
        for (;;) {
            size_t r = rfind_at(q, k_referrer, limit);
            if (r == npos || r <= start) break;
            if (q[r - 1] == '"') {
                ref = r;
                break;
            }
            limit = r + k_referrer.size() - 1;  // look left of this one
        }
        if (ref != npos) {
            out.host = q.substr(start, ref - 1 - start);
            pos = ref;
        } else {
            out.host = value(start, npos);
        }
    }
    if (starts_at(q, pos, k_referrer)) {
        out.referrer = value(pos + k_referrer.size(), npos);
    }
}

// The message ends at the first ", client: " whose value looks like an address (no space
// or quote) and is followed by ", server: " or the end: a decoded URI inside a message
// ("open() \"/a, client: x\" failed") cannot end it early.
size_t find_context(sv s, size_t from) {
    size_t pos = from;
    while ((pos = find_at(s, k_client, pos)) != npos) {
        size_t v = pos + k_client.size();
        size_t e = find_at(s, ", ", v);
        sv val = s.substr(v, (e == npos ? s.size() : e) - v);
        // A line cut at NGINX's size limit may end inside ", server: ".
        bool server_next = e == npos || starts_at(s, e, k_server) ||
                           (s.size() - e < k_server.size() && k_server.starts_with(s.substr(e)));
        bool plausible = !val.empty() && val.find_first_of(" \"\n") == npos && server_next;
        if (plausible) return pos;
        pos += 1;
    }
    return npos;
}

void parse_context(sv s, size_t ctx, nginx_line& out) {
    size_t v = ctx + k_client.size();
    size_t e = find_at(s, ", ", v);
    out.client = s.substr(v, (e == npos ? s.size() : e) - v);
    if (e == npos || !starts_at(s, e, k_server)) return;
    v = e + k_server.size();
    // A server name or listen address never holds ", " (it is one configuration token).
    e = find_at(s, ", ", v);
    out.server = s.substr(v, (e == npos ? s.size() : e) - v);
    if (e == npos) return;
    parse_quoted_fields(s.substr(e), out);
}

}  // namespace

std::string_view level_name(nginx_level level) {
    for (const auto& r : k_levels)
        if (r.level == level) return r.name;
    return "error";
}

bool starts_with_nginx_stamp(std::string_view s) {
    return s.size() >= 10 && digits_at(s, 0, 4) && s[4] == '/' && digits_at(s, 5, 2) && s[7] == '/' &&
           digits_at(s, 8, 2);
}

match parse_nginx_line_body(std::string_view s, nginx_line& out) {
    while (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    if (s.size() < 3 || s[0] != '[') return match::no;
    size_t close = s.find(']', 1);
    if (close > 8) return match::no;  // npos too: no level name is longer than 6
    sv name = s.substr(1, close - 1);
    const level_row* lv = nullptr;
    for (const auto& r : k_levels)
        if (r.name == name) lv = &r;
    if (!lv) return match::no;

    nginx_line fresh;
    fresh.time = out.time;
    fresh.level = lv->level;
    size_t pos = close + 1;
    if (pos >= s.size() || s[pos] != ' ') return match::malformed;
    ++pos;
    if (!parse_uint(s, pos, fresh.pid)) return match::malformed;
    if (pos >= s.size() || s[pos] != '#') return match::malformed;
    ++pos;
    if (!parse_uint(s, pos, fresh.tid)) return match::malformed;
    if (pos >= s.size() || s[pos] != ':') return match::malformed;
    ++pos;
    if (pos < s.size()) {
        if (s[pos] != ' ') return match::malformed;
        ++pos;
    }
    if (pos < s.size() && s[pos] == '*' && pos + 1 < s.size() && is_digit(s[pos + 1])) {
        size_t p = pos + 1;
        uint64_t conn = 0;
        parse_uint(s, p, conn);
        if (p == s.size() || s[p] == ' ') {
            fresh.connection = conn;
            pos = p == s.size() ? p : p + 1;
        }
    }
    size_t ctx = find_context(s, pos);
    if (ctx == npos) {
        fresh.message = s.substr(pos);
    } else {
        fresh.message = s.substr(pos, ctx - pos);
        parse_context(s, ctx, fresh);
    }
    out = fresh;
    return match::yes;
}

match parse_nginx_line(std::string_view line, nginx_line& out) {
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!starts_with_nginx_stamp(line)) return match::no;
    if (line.size() < 20 || line[10] != ' ' || !digits_at(line, 11, 2) || line[13] != ':' ||
        !digits_at(line, 14, 2) || line[16] != ':' || !digits_at(line, 17, 2))
        return match::malformed;
    timeutil::civil t;
    t.year = two(line, 0) * 100 + two(line, 2);
    t.month = two(line, 5);
    t.day = two(line, 8);
    t.hour = two(line, 11);
    t.minute = two(line, 14);
    t.second = two(line, 17);
    if (!timeutil::valid(t)) return match::malformed;
    if (line.size() < 21 || line[19] != ' ') return match::malformed;
    nginx_line tmp;
    tmp.time = t;
    match m = parse_nginx_line_body(line.substr(20), tmp);
    if (m != match::yes) return match::malformed;
    out = tmp;
    return match::yes;
}

// ---- upstream failures ----------------------------------------------------------------

namespace {

enum class addr_from : uint8_t {
    field,        // the upstream: "..." field
    message_to,   // "connect() to ADDR failed (": ADDR, else the field
    name_before,  // "NAME could not be resolved (": NAME
    name_after,   // "no resolver defined to resolve NAME"
};

enum class number_is : uint8_t { none, err, code };

struct failure_rule {
    sv head;  // the message starts with this (or contains it: `contains`)
    failure_kind kind;
    addr_from addr;
    number_is number;     // what the "(N: ...)" after the head carries
    bool contains;        // head is searched anywhere (the resolver names come first)
    bool needs_upstream;  // the action (" while ...") must be about the upstream
};

// One row per phrase NGINX writes for a failed upstream (src/event/ngx_event_connect.c,
// src/http/ngx_http_upstream.c, src/event/ngx_event_openssl.c, src/core/ngx_resolver.c).
// Client-side failures share the syscalls ("recv() failed ... while reading client
// request line"): `needs_upstream` keeps them out.
// clang-format off
using fk = failure_kind;
using af = addr_from;
using nu = number_is;
constexpr std::array<failure_rule, 17> k_rules{{
    // head                                         kind                    address from     number    contains upstream
    {"connect() to ",                             fk::connect_failed,     af::message_to,  nu::err,  false,  true},
    {"connect() failed (",                        fk::connect_failed,     af::field,       nu::err,  false,  true},
    {"kevent() reported that connect() failed (", fk::connect_failed,     af::field,       nu::err,  false,  true},
    {"socket() failed (",                         fk::socket_failed,      af::field,       nu::err,  false,  true},
    {"upstream timed out (",                      fk::timed_out,          af::field,       nu::err,  false,  true},
    {"recv() failed (",                           fk::recv_failed,        af::field,       nu::err,  false,  true},
    {"readv() failed (",                          fk::recv_failed,        af::field,       nu::err,  false,  true},
    {"writev() failed (",                         fk::recv_failed,        af::field,       nu::err,  false,  true},
    {"send() failed (",                           fk::recv_failed,        af::field,       nu::err,  false,  true},
    {"sendfile() failed (",                       fk::recv_failed,        af::field,       nu::err,  false,  true},
    {"upstream prematurely closed ",              fk::closed_prematurely, af::field,       nu::none, false,  true},
    {"no live upstreams",                         fk::no_live,            af::field,       nu::none, false,  true},
    {"upstream sent too big header",              fk::header_too_big,     af::field,       nu::none, false,  true},
    {"SSL_do_handshake() failed (",               fk::tls_failed,         af::field,       nu::none, false,  true},
    {"upstream SSL certificate ",                 fk::tls_failed,         af::field,       nu::code, false,  true},
    {" could not be resolved (",                  fk::resolve_failed,     af::name_before, nu::code,  true, false},
    {"no resolver defined to resolve ",           fk::resolve_failed,     af::name_after,  nu::none, false, false},
}};
// clang-format on

struct phase_row {
    sv text;
    failure_phase phase;
};
// log->action strings of the upstream module.
// clang-format off
constexpr std::array<phase_row, 6> k_phases{{
    {"connecting to upstream", failure_phase::connecting},
    {"sending request to upstream", failure_phase::sending_request},
    {"reading response header from upstream", failure_phase::reading_header},
    {"reading upstream", failure_phase::reading_upstream},
    {"SSL handshaking to upstream", failure_phase::ssl_handshaking},
    {"resolving", failure_phase::resolving},
}};
// clang-format on

// "(N: text)" / "(N:text)" starting at pos: N, or -1.
int number_in_parens(sv s, size_t pos) {
    if (pos >= s.size() || s[pos] != '(') return -1;
    size_t p = pos + 1;
    int v = 0;
    if (!parse_uint(s, p, v)) return -1;
    if (p >= s.size() || s[p] != ':') return -1;
    return v;
}

}  // namespace

bool classify_upstream_failure(const nginx_line& line, upstream_failure& out) {
    sv msg = line.message;
    // What the FastCGI application wrote to its stderr, relayed by NGINX: the backend
    // answered; its text (PHP warnings...) may say anything, "could not be resolved"
    // included, and is not an NGINX upstream event.
    if (msg.starts_with("FastCGI sent in stderr")) return false;
    // The action comes last: " while connecting to upstream".
    sv phase_text;
    size_t w = msg.rfind(" while ");
    if (w != npos) phase_text = msg.substr(w + 7);
    bool upstream_phase = phase_text.size() >= 8 && phase_text.substr(phase_text.size() - 8) == "upstream";

    for (const auto& rule : k_rules) {
        if (rule.needs_upstream && !upstream_phase) continue;
        size_t at = 0;
        if (rule.contains) {
            at = find_at(msg, rule.head);
            if (at == npos || at == 0) continue;
        } else if (msg.substr(0, rule.head.size()) != rule.head) {
            continue;
        }
        // The TLS handshake with a client uses the same call: only "to upstream" counts.
        if (rule.kind == failure_kind::tls_failed && phase_text != "SSL handshaking to upstream") continue;

        upstream_failure f;
        f.kind = rule.kind;
        f.phase_text = phase_text;
        size_t after = at + rule.head.size();
        // Heads ending in '(' are followed by the number: "upstream timed out (110: ...".
        size_t paren = (!rule.head.empty() && rule.head.back() == '(') ? after - 1 : npos;
        switch (rule.addr) {
            case addr_from::field:
                f.address = line.upstream;
                break;
            case addr_from::message_to: {
                size_t failed = find_at(msg, " failed (", after);
                if (failed == npos) return false;
                f.address = msg.substr(after, failed - after);
                paren = failed + 8;
                break;
            }
            case addr_from::name_before:
                f.resolve_name = msg.substr(0, at);
                f.address = line.upstream;
                break;
            case addr_from::name_after: {
                sv rest = msg.substr(after);
                size_t end = rest.find_first_of(" ,");
                f.resolve_name = rest.substr(0, end);
                f.address = line.upstream;
                break;
            }
        }
        if (rule.number == number_is::code && paren == npos) {
            // "upstream SSL certificate verify error: (10:certificate has expired)"
            size_t p = msg.find('(', after);
            if (p != npos) paren = p;
        }
        if (paren != npos && rule.number != number_is::none) {
            int n = number_in_parens(msg, paren);
            if (n >= 0) (rule.number == number_is::err ? f.err : f.code) = n;
        }
        f.phase =
            rule.kind == failure_kind::resolve_failed ? failure_phase::resolving : failure_phase::unknown;
        for (const auto& p : k_phases)
            if (phase_text == p.text) f.phase = p.phase;
        out = f;
        return true;
    }
    return false;
}

// ---- upstream addresses ---------------------------------------------------------------

namespace {

bool is_ipv4(sv h) {
    int parts = 0;
    size_t i = 0;
    while (i <= h.size()) {
        size_t start = i;
        int v = 0;
        while (i < h.size() && is_digit(h[i]) && i - start < 3) v = v * 10 + (h[i++] - '0');
        if (i == start || v > 255) return false;
        ++parts;
        if (i == h.size()) break;
        if (h[i] != '.') return false;
        ++i;
    }
    return parts == 4;
}

bool parse_port(sv s, int& port) {
    if (s.empty() || s.size() > 5) return false;
    int v = 0;
    for (char c : s) {
        if (!is_digit(c)) return false;
        v = v * 10 + (c - '0');
    }
    if (v < 1 || v > 65535) return false;
    port = v;
    return true;
}

bool ends_with(sv s, sv suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// After "unix:": the socket path. NGINX writes "unix:/p", "unix:/p:/uri" (proxy_pass with
// a URI part), and after some failures "unix:/p/uri" (peer name and URI run together): then
// the path ends at the component that names the socket file.
sv unix_path(sv p) {
    while (p.size() > 1 && p[0] == '/' && p[1] == '/') p.remove_prefix(1);  // unix:///run/x
    size_t cut = p.find(':');                                               // npos when there is no ":uri"
    size_t start = 0;
    while (start < p.size() && start < cut) {
        size_t slash = p.find('/', start + 1);
        size_t end = slash == npos ? p.size() : slash;
        sv comp = p.substr(start, end - start);
        if (ends_with(comp, ".sock") || ends_with(comp, ".socket")) {
            cut = std::min(cut, end);  // a ':' inside the URI must not cut later
            break;
        }
        if (slash == npos) break;
        start = slash;
    }
    return p.substr(0, cut);
}

bool scheme_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '+' || c == '-' ||
           c == '.';
}

}  // namespace

upstream_address parse_upstream_address(std::string_view t) {
    upstream_address a;
    sv rest = t;
    size_t sep = t.find("://");
    if (sep != npos && sep > 0 && t.substr(0, sep) != "unix") {
        bool ok = true;
        for (size_t i = 0; i < sep; ++i) ok = ok && scheme_char(t[i]);
        if (ok) {
            a.scheme = t.substr(0, sep);
            rest = t.substr(sep + 3);
        }
    }
    if (rest.substr(0, 5) == "unix:") {
        a.kind = transport::unix_socket;
        a.path = unix_path(rest.substr(5));
        return a;
    }
    if (!rest.empty() && rest[0] == '[') {
        size_t close = rest.find(']');
        if (close != npos) {
            a.kind = transport::tcp;
            a.host = rest.substr(1, close - 1);
            if (close + 1 < rest.size() && rest[close + 1] == ':') {
                size_t end = rest.find_first_of("/?", close + 2);
                int port = -1;
                if (parse_port(rest.substr(close + 2, (end == npos ? rest.size() : end) - close - 2), port))
                    a.port = port;
            }
            return a;
        }
    }
    sv hostport = rest.substr(0, rest.find_first_of("/?"));
    size_t colon = hostport.rfind(':');
    if (colon != npos && hostport.find(':') != colon) {
        // More than one colon without brackets: a bare IPv6 address.
        a.kind = transport::tcp;
        a.host = hostport;
        return a;
    }
    int port = -1;
    if (colon != npos && parse_port(hostport.substr(colon + 1), port)) {
        a.host = hostport.substr(0, colon);
        a.port = port;
        a.kind = transport::tcp;
        return a;
    }
    a.host = hostport;
    a.kind = is_ipv4(hostport) ? transport::tcp : transport::name;
    return a;
}

}  // namespace why502::parse

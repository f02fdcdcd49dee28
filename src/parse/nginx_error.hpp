// NGINX error-log lines -> typed records. Zero-copy: every string_view points into the
// line given to the parser, which must outlive the record.
//
// Line shape (ngx_log_error_core):
//   YYYY/MM/DD HH:MM:SS [level] PID#TID: *CONN MESSAGE, client: C, server: S,
//   request: "R", upstream: "U", host: "H", referrer: "F"
// NGINX does not escape values: request, host and referrer may contain '"', ", " and
// spaces, so the context fields are found from the right, by their known order.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/time.hpp"

namespace why502::parse {

enum class match : uint8_t { no, yes, malformed };

enum class nginx_level : uint8_t { debug, info, notice, warn, error, crit, alert, emerg };

struct nginx_line {
    timeutil::civil time;  // local time of the NGINX host (zone: --tz)
    nginx_level level = nginx_level::error;
    uint32_t pid = 0;
    uint32_t tid = 0;
    uint64_t connection = 0;   // 0 when the line has no *N
    std::string_view message;  // the text before ", client: " (or the whole rest)
    std::string_view client, server, request, upstream, host, referrer;  // empty if absent
    std::string_view subrequest;  // the subrequest's URI, empty if absent
};

// Parses one line (without its newline; a trailing \r is ignored). `no` when the line
// is not an NGINX error-log line at all, `malformed` when it starts like one but breaks.
// A line whose message spans several physical lines (FastCGI stderr) may be passed
// joined with '\n' (see nginx_entry_joiner in nginx_wrap.hpp): the context fields are
// then read from its last part.
match parse_nginx_line(std::string_view line, nginx_line& out);

// The same for a line whose NGINX time stamp was stripped by a wrapper, starting at
// "[level] PID#TID: ...": out.time is left untouched. `no` unless it starts with a
// known "[level] ".
match parse_nginx_line_body(std::string_view body, nginx_line& out);

// True if s starts with "YYYY/MM/DD" (digits and slashes): an NGINX stamp, valid or not.
bool starts_with_nginx_stamp(std::string_view s);

// "error", "crit", ... as NGINX writes them.
std::string_view level_name(nginx_level level);

// What kind of upstream failure a message describes (see the cause table in PRODUCT.md).
enum class failure_kind : uint8_t {
    none,
    connect_failed,      // connect() to ADDR failed (N: ...) / connect() failed (N: ...)
    socket_failed,       // socket() failed (N: ...) while connecting to upstream
    timed_out,           // upstream timed out (110: ...) while ...
    recv_failed,         // recv()/readv()/writev()/send() failed (N: ...) ... upstream
    closed_prematurely,  // upstream prematurely closed connection while ...
    no_live,             // no live upstreams while connecting to upstream
    header_too_big,      // upstream sent too big header while reading response header
    tls_failed,          // SSL_do_handshake() failed ... while SSL handshaking to upstream
    resolve_failed,      // HOST could not be resolved (N: ...)
};

enum class failure_phase : uint8_t {
    unknown,
    connecting,        // "while connecting to upstream"
    sending_request,   // "while sending request to upstream"
    reading_header,    // "while reading response header from upstream"
    reading_upstream,  // "while reading upstream"
    ssl_handshaking,   // "while SSL handshaking to upstream"
    resolving,
};

struct upstream_failure {
    failure_kind kind = failure_kind::none;
    failure_phase phase = failure_phase::unknown;
    int err = 0;                    // errno number from "(N: text)", 0 if none
    int code = 0;                   // a number that is not an errno: the resolver's code in
                                    // "could not be resolved (3: Host not found)", the X509
                                    // code in "certificate verify error: (10:...)"; 0 if none
    std::string_view address;       // as the message names it ("127.0.0.1:3000", "unix:/x")
                                    // or, when the message has none, the upstream field
    std::string_view resolve_name;  // for resolve_failed: the name that failed
    std::string_view phase_text;    // "connecting to upstream", ... (after " while ")
};

// Recognises an upstream failure in a parsed line. Matching is on fixed phrases and
// the errno *number* (the text differs between C libraries). Returns false for lines
// that are not upstream failures (e.g. open() failed, limiting requests).
bool classify_upstream_failure(const nginx_line& line, upstream_failure& out);

enum class transport : uint8_t { tcp, unix_socket, name };

struct upstream_address {
    transport kind = transport::name;
    std::string_view host;    // "127.0.0.1", "::1" (no brackets), "backend" for names
    int port = -1;            // -1 if none
    std::string_view path;    // unix socket path ("/run/x.sock"), empty otherwise
    std::string_view scheme;  // "http", "https", "fastcgi", "uwsgi", "scgi", "grpc" or empty
};

// Normalises every way NGINX writes an upstream: "127.0.0.1:3000", "[::1]:8080",
// "unix:/run/x.sock", "unix:///run/x.sock", "http://unix:/run/x.sock:/uri",
// "fastcgi://unix:/run/php.sock:", "uwsgi://127.0.0.1:9000", "http://pool/uri",
// "unix:/run/x.sock/uri" (written after a timeout: the path ends at the socket file,
// recognised by a ".sock"/".socket" component or, failing that, kept whole).
upstream_address parse_upstream_address(std::string_view text);

}  // namespace why502::parse

// The forms in which users paste or point at NGINX error lines, unwrapped to the NGINX
// line itself, and entries whose message spans several lines joined back together.
//
// Forms (detected per line; nested forms such as a grep prefix in front of a syslog line
// are peeled one layer at a time, at most four):
//  syslog      "<PRI>Mmm dd hh:mm:ss HOST TAG: LINE" as `error_log syslog:server=...` sends
//              it (ngx_syslog.c: HOST may be empty, or absent with nohostname; NGINX keeps
//              its own stamp inside), and the same without <PRI> as written to
//              /var/log/messages or shown by `journalctl` ("Jul 01 10:14:02 web1
//              nginx[2840]: ..."; also short-precise, and ISO stamps as rsyslog's
//              high-precision format and `journalctl -o short-iso` write them)
//  syslog5424  "<PRI>1 2026-07-01T10:14:02+02:00 HOST APP PROCID MSGID SD LINE"
//  docker_json {"log":"LINE\n","stream":"stderr","time":"2026-07-01T10:14:02.123Z"} (the
//              json-file driver): the log value is JSON-unescaped into `scratch`
//  docker_ts   "2026-07-01T10:14:02.123456789Z LINE" (`docker logs -t`)
//  cri         "2026-07-01T10:14:02.123456789Z stderr F LINE" (Kubernetes node logs)
//  compose     "web-1  | LINE", "nginx_1   | LINE", with or without ANSI colours
//  grep        "/var/log/nginx/error.log:LINE", "error.log.1:LINE", "FILE:123:LINE" (-n)
//
// Time: out.time is always the NGINX host's local civil time (the zone of --tz). When
// the NGINX stamp is present it is used as is (it has the year, the syslog stamp does
// not). When a wrapper stripped it (a relay that rewrote the message), out.time comes from
// the wrapper: a syslog/journald stamp with its year from timeutil::infer_year, or an
// absolute stamp converted to the input zone; wrap_info::time_from_wrapper says so.
// Independently, a wrapper that carries an absolute instant (Docker's "time", an RFC 5424
// or ISO stamp with an offset, `docker logs -t`) sets has_utc/utc_ms: that instant is
// better than the NGINX stamp (no zone to guess: containers often log in UTC while the
// host does not, and it has sub-second precision). nginx_line_utc_ms() applies this rule.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/time.hpp"
#include "parse/nginx_error.hpp"

namespace why502::parse {

enum class nginx_wrapper : uint8_t {
    none,
    syslog,  // RFC 3164 header, with or without <PRI>, or an ISO stamp + host + tag
    syslog5424,
    docker_json,
    docker_ts,
    cri,  // "2026-07-01T10:14:02.123456789Z stderr F LINE" (Kubernetes container logs)
    compose,
    grep,
};

std::string_view wrapper_name(nginx_wrapper w);

struct nginx_wrap_context {
    int64_t reference_ms = 0;  // for stamps without a year: the file's mtime, or now if 0
};

struct wrap_info {
    nginx_wrapper form = nginx_wrapper::none;  // the layer nearest the NGINX line
    uint8_t layers = 0;                        // how many layers were peeled
    std::string_view inner;                    // the unwrapped text (what the NGINX parser saw)
    // What the layers said about the line. Views point into the raw line or scratch.
    std::string_view file;       // grep prefix
    uint64_t file_line = 0;      // grep -n number, 0 if none
    std::string_view host;       // syslog / journald host ("" when NGINX sent none)
    std::string_view tag;        // syslog tag / APP-NAME ("nginx")
    uint32_t tag_pid = 0;        // nginx[2840] / RFC 5424 PROCID, 0 if none
    int syslog_pri = -1;         // <PRI>, -1 if none
    std::string_view container;  // compose service name ("web-1")
    std::string_view stream;     // docker json "stderr" / "stdout"
    bool partial = false;        // docker json record without its final newline (split line)
    bool has_local = false;      // the wrapper's own local stamp, year inferred if absent
    timeutil::civil local;
    bool has_utc = false;  // the wrapper's absolute instant
    int64_t utc_ms = 0;
    bool time_from_wrapper = false;  // the NGINX stamp was missing; out.time is the wrapper's
};

// Peels the wrapper layers off one raw line (no newline; trailing \r ignored) and returns
// the inner text: the raw line itself when it is not wrapped. The result may point into
// `scratch` (Docker JSON), which the caller keeps until it is done with the line.
std::string_view unwrap_nginx_line(std::string_view raw, std::string& scratch, const nginx_wrap_context& ctx,
                                   wrap_info& info);

// The call to make per raw line: unwraps, then parses. `no` for lines that are not NGINX
// lines in any form (including other programs' syslog lines), `malformed` for NGINX lines
// that break after their stamp. Views in `out` and `info` point into raw or scratch.
match parse_wrapped_nginx_line(std::string_view raw, std::string& scratch, const nginx_wrap_context& ctx,
                               nginx_line& out, wrap_info& info);

// UTC epoch ms of a parsed line: the wrapper's instant when it has one, else out.time in
// the input zone (timeutil::local_to_utc_ms).
int64_t nginx_line_utc_ms(const nginx_line& line, const wrap_info& info);

// Decodes the body of a JSON string (without its quotes) into out, appending. \uXXXX
// escapes become UTF-8 (surrogate pairs joined, a lone surrogate becomes U+FFFD).
// False on a bad escape.
bool json_unescape(std::string_view body, std::string& out);

// One entry of an error log: usually one line, sometimes several (FastCGI stderr with
// embedded newlines, a Docker record split at 16 KiB).
struct nginx_entry {
    match result = match::no;
    nginx_line line;
    wrap_info wrap;
    std::string_view text;    // the inner text parsed (continuations joined with '\n')
    uint64_t first_line = 0;  // line numbers spanned in the input
    uint64_t last_line = 0;
    uint32_t continuation_lines = 0;  // lines after the first that belong to this entry
};

// Joins continuation lines to the entry they continue. An entry is continued when its
// message opened a quote it did not close and it has no ", client: " context yet (NGINX
// writes the context after the whole message, so it is on the last part), or when it is a
// partial Docker record. Continuation lines are those that are not NGINX lines and come
// from the same source (container, syslog host and tag, grep file; a bare line counts as
// the same source). A line from another source in between is handed out on its own while
// the entry stays open, so entries come out in order of completion, not strictly in file
// order: use first_line to order them. Lines are fed in file order; the callback may run
// for the previous entry and the current line in one feed. Views in an entry are valid
// during the callback only.
// Memory is bounded: a continued entry stops at max_lines lines or max_bytes bytes.
// Continuation lines that arrive without an open entry (a chunk that starts in the middle
// of one) come out as `no` lines, never `malformed`.
class nginx_entry_joiner {
public:
    explicit nginx_entry_joiner(nginx_wrap_context ctx = {}) : ctx_(ctx) {}

    static constexpr uint32_t max_lines = 256;
    static constexpr size_t max_bytes = 64 * 1024;

    template <class Emit>
    void feed(std::string_view raw, uint64_t line_no, Emit&& emit) {
        step(raw, line_no);
        for (int i = 0; i < n_ready_; ++i) emit(static_cast<const nginx_entry&>(ready_[i]));
    }

    template <class Emit>
    void finish(Emit&& emit) {
        n_ready_ = 0;
        if (pending_) flush_pending();
        for (int i = 0; i < n_ready_; ++i) emit(static_cast<const nginx_entry&>(ready_[i]));
        n_ready_ = 0;
    }

private:
    void step(std::string_view raw, uint64_t line_no);
    void start_pending(const nginx_entry& e);
    bool same_source(const nginx_entry& e) const;
    void flush_pending();

    nginx_wrap_context ctx_;
    std::string scratch_;
    nginx_entry ready_[2];
    int n_ready_ = 0;
    // The open entry: owned copies of its text and of its wrap views. Two sets, used in
    // turn, so an entry handed out keeps its buffers while the next one opens.
    struct owned {
        std::string text, file, host, tag, container, stream;
    };
    owned own_[2];
    int own_index_ = 0;
    bool pending_ = false;
    bool pending_partial_ = false;
    size_t prefix_len_ = 0;
    nginx_entry pend_;
};

}  // namespace why502::parse

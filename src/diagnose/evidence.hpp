// Evidence gathered from the inputs, compact enough for multi-gigabyte logs: failure
// lines are aggregated per (failure class, upstream) with bounded samples; only what the
// join needs is kept per line (errno-13 failures), and AVC denials of interest are kept
// whole (they are rare). One store per worker thread, merged at the end.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/bytes.hpp"
#include "parse/audit.hpp"
#include "parse/nginx_error.hpp"

namespace why502::diagnose {

struct sample_line {
    uint32_t file = 0;
    uint64_t line = 0;
    std::string text;
    bool operator<(const sample_line& o) const { return file != o.file ? file < o.file : line < o.line; }
};

// Keeps the earliest N samples (by file order, then line) whatever order they arrive in.
class sample_set {
public:
    explicit sample_set(size_t cap = 4) : cap_(cap) {}
    void offer(uint32_t file, uint64_t line, std::string_view text);
    void merge(const sample_set& o);
    const std::vector<sample_line>& items() const { return items_; }
    template <class F>
    void renumber(uint32_t file, F&& number) {
        for (auto& s : items_)
            if (s.file == file) s.line = number(s.line);
    }

private:
    size_t cap_;
    std::vector<sample_line> items_;
};

// Up to N distinct strings (server names, Host headers): those that appear earliest in
// the inputs (by file, then line), whatever order workers offer them in, so the output
// does not depend on how the files were cut or scheduled.
class distinct_set {
public:
    explicit distinct_set(size_t cap = 8) : cap_(cap) {}
    void offer(std::string_view s, uint32_t file, uint64_t line);
    void merge(const distinct_set& o);
    // Earliest first.
    std::vector<std::string> items() const;
    template <class F>
    void renumber(uint32_t file, F&& number) {
        for (auto& i : items_)
            if (i.at.file == file) i.at.line = number(i.at.line);
    }

private:
    struct item {
        std::string text;
        sample_line at;  // where it was first seen (text unused)
    };
    size_t cap_;
    std::vector<item> items_;
    size_t latest_ = 0;  // the item seen latest, when there are any
};

// When things happened, for timelines, in bounded memory: the distinct times at a
// resolution that coarsens as needed, and the latest. Times fall in buckets of `width` ms (aligned on
// multiples of it); each occupied bucket keeps its earliest time. When more than `cap`
// buckets are occupied the width doubles (neighbouring buckets merge). So every stretch
// of time with events keeps a mark however long the log, and the result depends only on
// the times added, not on their order or on how they were split between samples.
class time_sample {
public:
    static constexpr size_t cap = 4096;
    void add(int64_t t);
    void merge(const time_sample& o);
    // Ascending: the earliest time of each occupied bucket, then the latest time of all
    // (so the first and last are exact); at most cap + 1.
    std::vector<int64_t> sorted() const;
    // The bucket width sorted() uses, in ms.
    int64_t width() const;

private:
    int64_t bucket_of(int64_t t) const;
    void compact();                // sorts, keeps a bucket's earliest, coarsens to at most cap
    std::vector<int64_t> firsts_;  // a bucket's earliest time so far; buckets may repeat
                                   // until compact() (at most 1.5 x cap: 48 KiB)
    int64_t width_ = 1;
    int64_t latest_ = INT64_MIN;
};

// Failure lines of one class for one upstream.
struct failure_group {
    parse::failure_kind kind = parse::failure_kind::none;
    parse::failure_phase phase = parse::failure_phase::unknown;
    int err = 0;
    std::string address;  // normalised upstream address (see upstream_key)
    std::string transport, host, path, scheme;
    int port = -1;
    uint64_t count = 0;
    int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
    sample_set samples{4};
    distinct_set servers{8}, hosts{8}, requests{3};
    time_sample times;
    void merge(const failure_group& o);
};

// One failure line that may be joined with a denial (errno 13).
struct join_candidate {
    int64_t time_ms = 0;
    uint32_t pid = 0;
    uint32_t group = 0;  // index into evidence_store::groups (after merge: remapped)
    uint32_t file = 0;
    uint64_t line = 0;
};
static_assert(sizeof(join_candidate) <= 32, "join_candidate is kept per errno-13 line: keep it small");

struct audit_coverage {
    int64_t first_ms = INT64_MAX, last_ms = INT64_MIN;
    bool covers(int64_t t, int64_t slack_ms) const {
        return first_ms != INT64_MAX && t >= first_ms - slack_ms && t <= last_ms + slack_ms;
    }
    void add(int64_t t) {
        first_ms = std::min(first_ms, t);
        last_ms = std::max(last_ms, t);
    }
};

struct time_window {
    std::optional<int64_t> since_ms, until_ms;
    bool contains(int64_t t) const { return (!since_ms || t >= *since_ms) && (!until_ms || t <= *until_ms); }
};

class evidence_store {
public:
    explicit evidence_store(time_window w = {}) : window_(w) {}

    // One NGINX line that classify_upstream_failure accepted, at UTC time `t_ms`. `raw`
    // is the line as read.
    void add_failure(const parse::nginx_line& l, const parse::upstream_failure& f, int64_t t_ms,
                     uint32_t file, uint64_t line, std::string_view raw);
    // One denial (any domain; filtered here to what the diagnosis needs).
    void add_denial(parse::avc_denial&& d, uint32_t file);
    // Audit records seen (for the coverage of the audit inputs).
    void add_audit_time(int64_t t) { coverage_.add(t); }

    void merge(evidence_store&& other);
    // After the last merge: groups in key order and errno-13 lines in file order, so
    // the diagnosis does not depend on which worker read what.
    void canonicalize();

    // Failure lines of `file` may be added with provisional keys while a file is read in
    // parallel pieces (piece index and line within the piece, which sort as the lines
    // do); this turns them into line numbers. `number` must keep their order.
    template <class F>
    void renumber_failure_lines(uint32_t file, F&& number) {
        for (auto& g : groups_) {
            g.samples.renumber(file, number);
            g.servers.renumber(file, number);
            g.hosts.renumber(file, number);
            g.requests.renumber(file, number);
        }
        for (auto& c : candidates_)
            if (c.file == file) c.line = number(c.line);
    }

    const std::vector<failure_group>& groups() const { return groups_; }
    const std::vector<join_candidate>& candidates() const { return candidates_; }
    // Denials that agree on everything the diagnosis looks at (domain, target, class,
    // permissions, destination, permissive) share a group: one representative with its
    // text, bounded samples, and a 16-byte reference per denial for the join. Memory
    // grows by 16 bytes per denial, not by the denial's text.
    struct denial_group {
        parse::avc_denial rep;  // the earliest denial of the group (by file, line)
        uint32_t rep_file = 0;
        uint64_t count = 0;
        sample_set samples{3};
        void merge(denial_group&& o);
    };
    struct denial_ref {
        int64_t time_ms = 0;
        uint32_t pid = 0;
        uint32_t group = 0;
    };
    const std::vector<denial_group>& denial_groups() const { return denial_groups_; }
    const std::vector<denial_ref>& denial_refs() const { return denial_refs_; }
    const audit_coverage& coverage() const { return coverage_; }
    uint64_t other_domain_denials() const { return other_domain_denials_; }
    uint64_t unrelated_nginx_denials() const { return unrelated_nginx_denials_; }
    const distinct_set& unrelated_samples() const { return unrelated_samples_; }
    uint64_t outside_window() const { return outside_window_; }

    // Whether a denial is one of NGINX's (domain httpd_t or comm nginx).
    static bool is_nginx_denial(const parse::avc_denial& d);

private:
    uint32_t group_for(const parse::upstream_failure& f, const parse::upstream_address& a);
    time_window window_;
    std::vector<failure_group> groups_;
    // Looked up once per failure line; put in key order by canonicalize().
    std::unordered_map<std::string, uint32_t, bytes::string_hash, std::equal_to<>> group_index_;
    std::string key_;  // group_for's buffer
    std::vector<join_candidate> candidates_;
    std::vector<denial_group> denial_groups_;
    std::map<std::string, uint32_t, std::less<>> denial_index_;
    std::vector<denial_ref> denial_refs_;
    audit_coverage coverage_;
    uint64_t other_domain_denials_ = 0;
    uint64_t unrelated_nginx_denials_ = 0;
    distinct_set unrelated_samples_{4};
    uint64_t outside_window_ = 0;
};

// The normalised text of an upstream: "127.0.0.1:3000", "[::1]:8080", "unix:/run/x.sock",
// or the bare name of a group/unresolved host.
std::string upstream_key(const parse::upstream_address& a);
void append_upstream_key(std::string& out, const parse::upstream_address& a);

}  // namespace why502::diagnose

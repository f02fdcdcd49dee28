#include "diagnose/diagnose.hpp"

#include <algorithm>
#include <thread>
#include <exception>
#include <atomic>
#include <map>
#include <set>

#include <fmt/format.h>

#include "base/text.hpp"
#include "base/time.hpp"
#include "diagnose/catalogue.hpp"
#include "diagnose/classify.hpp"
#include "diagnose/remedies.hpp"
#include "diagnose/selinux_fixes.hpp"

namespace why502::diagnose {
namespace {

constexpr size_t max_nginx_evidence = 3;
constexpr size_t max_audit_evidence = 3;

bool is_selinux_cause(std::string_view c) {
    return c.substr(0, 8) == "selinux.";
}

std::string_view cause_from_denial(const parse::avc_denial& d) {
    if (d.tclass == "tcp_socket") return "selinux.name_connect";
    if (d.tclass == "unix_stream_socket") return "selinux.unix_socket_connect";
    if (d.tclass == "sock_file") return "selinux.socket_file_label";
    return "";
}

std::string_view basename_of(std::string_view p) {
    auto s = p.find_last_of('/');
    return s == std::string_view::npos ? p : p.substr(s + 1);
}

int denial_port(const parse::avc_denial& d) {
    if (d.dest_port >= 0) return d.dest_port;
    if (d.saddr_port >= 0) return d.saddr_port;
    return d.fport;
}

std::string denial_path(const parse::avc_denial& d) {
    if (!d.saddr_path.empty()) return d.saddr_path;
    if (!d.path.empty()) return d.path;
    return d.name;
}

// Does this denial concern this upstream? Port for TCP; for unix sockets the path, or
// its last component when the kernel printed only the dentry name (inode checks).
bool destination_agrees(const parse::avc_denial& d, const failure_group& g) {
    if (g.transport == "unix") {
        if (d.tclass != "sock_file" && d.tclass != "unix_stream_socket") return false;
        if (!d.saddr_path.empty() && d.saddr_path == g.path) return true;
        if (!d.path.empty() && d.path == g.path) return true;
        if (d.saddr_path.empty() && d.path.empty() && !d.name.empty()) return d.name == basename_of(g.path);
        return false;
    }
    if (d.tclass != "tcp_socket") return false;
    int port = denial_port(d);
    if (port < 0 || port != g.port) return false;
    // The SOCKADDR record names the address connected to; NGINX names it too (unless
    // the upstream was a name that resolved): both must agree when both are known.
    bool ip_literal =
        !g.host.empty() && g.host.find_first_not_of("0123456789.:abcdefABCDEF") == std::string::npos;
    return d.saddr_host.empty() || !ip_literal || d.saddr_host == g.host;
}

struct builder {
    finding f;
    std::vector<uint32_t> groups;
    std::vector<size_t> denials;
    std::set<std::pair<uint32_t, uint64_t>> lines;  // (file, line) of failures it explains (bounded)
    time_sample failure_times, denial_times;
    int64_t first = INT64_MAX, last = INT64_MIN;
    uint64_t count = 0;
    uint64_t unmatched = 0;  // errno-13 lines with no AVC
    bool from_failures = false;
    std::string phase;
    std::string scheme;

    void add_failure_time(int64_t t) {
        first = std::min(first, t);
        last = std::max(last, t);
        ++count;
        failure_times.add(t);
    }
};

std::string phase_name(parse::failure_phase p) {
    switch (p) {
        case parse::failure_phase::connecting:
            return "connecting";
        case parse::failure_phase::sending_request:
            return "sending_request";
        case parse::failure_phase::reading_header:
            return "reading_header";
        case parse::failure_phase::reading_upstream:
            return "reading_upstream";
        case parse::failure_phase::ssl_handshaking:
            return "ssl_handshaking";
        case parse::failure_phase::resolving:
            return "resolving";
        case parse::failure_phase::unknown:
            break;
    }
    return "";
}

upstream_ref ref_from_group(const failure_group& g) {
    upstream_ref u;
    u.transport = g.transport;
    u.address = g.address;
    if (g.transport == "unix") {
        u.path = g.path;
    } else {
        u.host = g.host;
        if (g.port >= 0) u.port = g.port;
    }
    return u;
}

upstream_ref ref_from_denial(const parse::avc_denial& d) {
    upstream_ref u;
    if (d.tclass == "tcp_socket") {
        u.transport = "tcp";
        std::string host = !d.saddr_host.empty() ? d.saddr_host : d.faddr;
        int port = denial_port(d);
        u.host = host;
        if (port >= 0) u.port = port;
        if (host.empty())
            u.address = port >= 0 ? fmt::format("*:{}", port) : "*";
        else if (host.find(':') != std::string::npos)
            u.address = fmt::format("[{}]:{}", host, port);
        else
            u.address = fmt::format("{}:{}", host, port);
    } else {
        u.transport = "unix";
        std::string p = denial_path(d);
        u.path = p;
        u.address = "unix:" + p;
    }
    return u;
}

// Only request lines and Host headers that look like what they claim become part of a
// verification command; anything else is left out rather than quoted into it.
bool plausible_host(std::string_view h) {
    if (h.empty() || h.size() > 253) return false;
    for (char c : h)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '-' || c == ':' || c == '[' || c == ']' || c == '_'))
            return false;
    return true;
}

std::string request_path(std::string_view request) {
    auto sp = request.find(' ');
    if (sp == std::string_view::npos) return "/";
    auto rest = request.substr(sp + 1);
    auto sp2 = rest.find(' ');
    auto path = rest.substr(0, sp2);
    if (path.empty() || path[0] != '/' || path.size() > 512) return "/";
    for (char c : path)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return "/";
    return std::string(path);
}

class diagnoser {
public:
    diagnoser(const evidence_store& ev, const diagnose_options& opt) : ev_(ev), opt_(opt) {}

    diagnosis run() {
        index_denials();
        join_candidates();
        add_other_groups();
        add_unmatched_denials();
        diagnosis d;
        finish_all(d.findings);
        link_no_live(d.findings);
        order_findings(d.findings);
        d.warnings = std::move(warnings_);
        if (ev_.unrelated_nginx_denials()) {
            std::string samples;
            for (const auto& s : ev_.unrelated_samples().items())
                samples += (samples.empty() ? "" : "; ") + s;
            d.warnings.push_back(fmt::format(
                "{} other denial(s) of NGINX's domain not about upstream connections (e.g. {}): they "
                "can cause 403/404s, not 502s, and are not diagnosed here",
                ev_.unrelated_nginx_denials(), samples));
        }
        if (ev_.outside_window())
            d.warnings.push_back(fmt::format("{} line(s) outside the --since/--until window were skipped",
                                             ev_.outside_window()));
        return d;
    }

private:
    const parse::avc_denial& rep(size_t ref) const {
        return ev_.denial_groups()[ev_.denial_refs()[ref].group].rep;
    }

    void index_denials() {
        const auto& rs = ev_.denial_refs();
        by_pid_.resize(rs.size());
        for (size_t i = 0; i < rs.size(); ++i) by_pid_[i] = i;
        std::sort(by_pid_.begin(), by_pid_.end(), [&](size_t a, size_t b) {
            const auto& x = rs[a];
            const auto& y = rs[b];
            return x.pid != y.pid ? x.pid < y.pid : x.time_ms < y.time_ms;
        });
        matched_.assign(rs.size(), false);
    }

    // The closest enforcing denial of the same worker, time window and destination.
    std::optional<size_t> match(const join_candidate& c, const failure_group& g) const {
        const auto& rs = ev_.denial_refs();
        auto lo = std::lower_bound(by_pid_.begin(), by_pid_.end(), c, [&](size_t i, const join_candidate& k) {
            const auto& r = rs[i];
            return r.pid != k.pid ? r.pid < k.pid : r.time_ms < k.time_ms - opt_.join_window_ms;
        });
        std::optional<size_t> best;
        int64_t best_dt = INT64_MAX;
        for (auto it = lo; it != by_pid_.end(); ++it) {
            const auto& r = rs[*it];
            if (r.pid != c.pid || r.time_ms > c.time_ms + opt_.join_window_ms) break;
            if (matched_[*it]) continue;  // one connect(), one denial, one failure line
            const auto& d = rep(*it);
            if (d.permissive == 1) continue;  // a permissive denial does not fail the call
            if (!destination_agrees(d, g)) continue;
            int64_t dt = std::llabs(r.time_ms - c.time_ms);
            // Prefer the connectto/write denial nearest in time.
            if (dt < best_dt) {
                best_dt = dt;
                best = *it;
            }
        }
        return best;
    }

    builder& get(const std::string& cause, const upstream_ref& u) {
        std::string key = cause + "|" + u.address;
        auto [it, fresh] = builders_.try_emplace(key);
        if (fresh) {
            it->second.f.cause = cause;
            it->second.f.upstream = u;
        }
        return it->second;
    }

    void join_candidates() {
        const auto& groups = ev_.groups();
        // The builder of each (group, cause) met so far: one errno-13 line after another
        // (tens of thousands on a busy log) finds its builder without building a key.
        std::vector<std::vector<std::pair<std::string_view, builder*>>> seen(groups.size());
        for (const auto& c : ev_.candidates()) {
            const failure_group& g = groups[c.group];
            if (g.err != 13) continue;
            bool unix_sock = g.transport == "unix";
            std::string_view cause;
            std::optional<size_t> m = match(c, g);
            if (m) {
                cause = cause_from_denial(rep(*m));
                matched_[*m] = true;
            } else if (opt_.have_audit_log && ev_.coverage().covers(c.time_ms, opt_.join_window_ms)) {
                cause = unix_sock ? "dac.socket_permission" : "selinux.unlogged_denial";
            } else {
                cause = unix_sock ? "dac.socket_permission" : "selinux.name_connect";
            }
            auto& known = seen[c.group];
            auto hit =
                std::find_if(known.begin(), known.end(), [&](const auto& k) { return k.first == cause; });
            if (hit == known.end()) {
                builder& nb = get(std::string(cause), ref_from_group(g));
                if (std::find(nb.groups.begin(), nb.groups.end(), c.group) == nb.groups.end())
                    nb.groups.push_back(c.group);
                known.emplace_back(cause, &nb);
                hit = std::prev(known.end());
            }
            builder& b = *hit->second;
            b.from_failures = true;
            if (m) b.denials.push_back(*m);  // matched once only (matched_)
            b.add_failure_time(c.time_ms);
            if (b.lines.size() < 64) b.lines.insert({c.file, c.line});
            if (!m) ++b.unmatched;
        }
    }

    void add_other_groups() {
        const auto& groups = ev_.groups();
        for (uint32_t gi = 0; gi < groups.size(); ++gi) {
            const failure_group& g = groups[gi];
            if (g.err == 13 && g.kind != parse::failure_kind::no_live) continue;  // joined above
            std::string cause(cause_of(g.kind, g.err, g.transport == "unix"));
            if (cause.empty()) {
                warnings_.push_back(
                    fmt::format("{} upstream failure line(s) to {} with errno {} are not classified", g.count,
                                text::escape_terminal(g.address), g.err));
                continue;
            }
            builder& b = get(cause, ref_from_group(g));
            b.from_failures = true;
            b.groups.push_back(gi);
            b.count += g.count;
            b.first = std::min(b.first, g.first_ms);
            b.last = std::max(b.last, g.last_ms);
            b.failure_times.merge(g.times);
            if (b.phase.empty()) b.phase = phase_name(g.phase);
            if (b.scheme.empty()) b.scheme = g.scheme;
        }
    }

    void add_unmatched_denials() {
        const auto& rs = ev_.denial_refs();
        // Every denial of a group has the same cause and destination: its finding is
        // looked up once per group, not once per denial.
        std::vector<builder*> target_of(ev_.denial_groups().size(), nullptr);
        std::vector<bool> decided(ev_.denial_groups().size(), false);
        for (size_t i = 0; i < rs.size(); ++i) {
            if (matched_[i]) continue;
            const uint32_t gi = rs[i].group;
            if (!decided[gi]) {
                decided[gi] = true;
                target_of[gi] = finding_for_denial(rep(i));
            }
            if (target_of[gi]) target_of[gi]->denials.push_back(i);
        }
    }

    // The finding an unmatched denial belongs to (nullptr: none, not a cause of ours).
    builder* finding_for_denial(const parse::avc_denial& d) {
        std::string cause =
            d.permissive == 1 ? "selinux.permissive_denial" : std::string(cause_from_denial(d));
        if (cause.empty()) return nullptr;
        upstream_ref u = ref_from_denial(d);
        // Attach to a finding of the same cause and destination made from failure lines
        // (its address may be more complete than the denial's).
        for (auto& [key, b] : builders_) {
            if (b.f.cause != cause) continue;
            const auto& fu = b.f.upstream;
            bool same = u.transport == "unix" ? fu.path == u.path
                                              : (fu.port == u.port && (u.host.empty() || fu.host == u.host));
            if (same) return &b;
        }
        return &get(cause, u);
    }

    // Findings are built on two threads when there are many (each one's fixes query the
    // policy); their order and their warnings' order do not depend on the threads.
    void finish_all(std::vector<finding>& out) {
        std::vector<builder*> bs;
        for (auto& [key, b] : builders_) bs.push_back(&b);
        std::vector<finding> fs(bs.size());
        std::vector<std::vector<std::string>> warns(bs.size());
        std::atomic<size_t> next{0};
        auto work = [&] {
            for (size_t i; (i = next++) < bs.size();) fs[i] = finish(*bs[i], warns[i]);
        };
        std::exception_ptr failure;
        if (bs.size() >= 64) {
            std::thread helper([&] {
                try {
                    work();
                } catch (...) {
                    failure = std::current_exception();
                    next = bs.size();
                }
            });
            try {
                work();
            } catch (...) {
                next = bs.size();
                helper.join();
                throw;
            }
            helper.join();
            if (failure) std::rethrow_exception(failure);
        } else {
            work();
        }
        for (size_t i = 0; i < bs.size(); ++i) {
            out.push_back(std::move(fs[i]));
            for (auto& w : warns[i]) warnings_.push_back(std::move(w));
        }
    }

    void link_no_live(std::vector<finding>& fs) {
        for (auto& f : fs) {
            if (f.cause != "upstream.no_live") continue;
            std::vector<std::pair<uint64_t, std::string>> earlier;  // (lines, text)
            for (const auto& o : fs) {
                if (&o == &f || o.count == 0 || o.cause == "upstream.no_live") continue;
                bool shared = false;
                for (const auto& s : o.servers)
                    if (std::find(f.servers.begin(), f.servers.end(), s) != f.servers.end()) shared = true;
                if (!shared || !o.first_seen_ms || !f.last_seen_ms || *o.first_seen_ms > *f.last_seen_ms)
                    continue;
                earlier.emplace_back(
                    o.count, fmt::format("{} at {} ({} line(s))", o.cause, o.upstream.address, o.count));
            }
            if (earlier.empty()) {
                f.explanation +=
                    " No other failure of the same server was found in the inputs: the failures "
                    "that marked the servers down may be in an older (rotated) log.";
                f.settle = "the error log from before the first 'no live upstreams' line";
                f.confidence = "likely";
            } else {
                // The few with most lines, and how many more.
                std::stable_sort(earlier.begin(), earlier.end(),
                                 [](const auto& a, const auto& b) { return a.first > b.first; });
                constexpr size_t shown = 8;
                std::string list;
                for (size_t i = 0; i < earlier.size() && i < shown; ++i)
                    list += (list.empty() ? "" : "; ") + earlier[i].second;
                if (earlier.size() > shown) list += fmt::format("; and {} more", earlier.size() - shown);
                f.explanation += " Failures on the same server before it: " + list + ".";
                f.facts["linked_failures"] = list;
            }
        }
    }

    static std::string join_words(const std::vector<std::string>& v, std::string_view sep = " ") {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : std::string(sep)) + x;
        return s;
    }

    void fill_selinux(builder& b, std::vector<std::string>& warnings) {
        finding& f = b.f;
        if (!b.denials.empty()) {
            selinux_detail s;
            std::map<std::string, uint64_t> targets;
            std::set<std::string> perms;
            bool permissive = true;
            for (size_t i : b.denials) {
                const auto& d = rep(i);
                ++targets[d.target_type];
                for (const auto& p : d.permissions) perms.insert(p);
                if (d.permissive != 1) permissive = false;
            }
            const auto& first = rep(b.denials.front());
            s.source_type = first.source_type.empty() ? "httpd_t" : first.source_type;
            s.target_type = std::max_element(targets.begin(), targets.end(), [](auto& a, auto& c) {
                                return a.second < c.second;
                            })->first;
            s.tclass = first.tclass;
            s.permissions.assign(perms.begin(), perms.end());
            s.permissive = permissive;
            s.avc_count = b.denials.size();
            s.scontext = first.scontext;
            s.tcontext = first.tcontext;
            if (targets.size() > 1)
                warnings.push_back(
                    fmt::format("denials for {} name {} different target types; the most frequent "
                                "({}) is used",
                                text::escape_terminal(f.upstream.address), targets.size(),
                                text::escape_terminal(s.target_type)));
            f.selinux = s;
        } else if (f.cause == "selinux.unlogged_denial" || f.cause == "selinux.name_connect") {
            selinux_detail s;
            s.source_type = "httpd_t";
            s.tclass = "tcp_socket";
            s.permissions = {"name_connect"};
            if (f.upstream.port && opt_.policy) {
                if (auto pl = opt_.policy->port_type("tcp", *f.upstream.port)) s.target_type = pl->type;
            }
            f.selinux = s;
        }
    }

    void selinux_confidence(builder& b) {
        finding& f = b.f;
        const policy::policy_view* p = opt_.policy;
        std::string policy_words =
            p ? (p->assumed() ? "the built-in RHEL knowledge (assumed)" : "the policy") : "";
        if (!b.denials.empty() && b.from_failures) {
            f.confidence = b.unmatched ? "likely" : "confirmed";
            if (b.unmatched)
                f.settle = fmt::format(
                    "{} of {} failure line(s) have no matching AVC: the audit log of those "
                    "times would confirm them",
                    b.unmatched, b.count);
            return;
        }
        if (!b.denials.empty()) {  // denials only, no failure line
            if (f.cause == "selinux.permissive_denial") {
                f.confidence = "confirmed";
                return;
            }
            f.confidence = "likely";
            f.settle = opt_.have_error_log
                           ? "no failure line of the error log matched these denials (worker pid, time, "
                             "destination): the error log of the same host and time would confirm the 502s"
                           : "the NGINX error log of that time would show whether requests failed with 502";
            return;
        }
        // errno 13 on TCP, no AVC.
        bool denied_by_policy = false, known = false;
        if (f.selinux && !f.selinux->target_type.empty() && p) {
            known = true;
            denied_by_policy =
                !p->allowed({f.selinux->source_type, f.selinux->target_type, "tcp_socket", "name_connect"});
        }
        if (f.cause == "selinux.unlogged_denial") {
            f.confidence = known && !denied_by_policy ? "possible" : "likely";
            f.settle =
                "disable dontaudit rules (semodule -DB), reproduce one request, and look for the AVC "
                "(ausearch -m AVC -ts recent); re-enable with semodule -B";
        } else {
            f.confidence = known && !denied_by_policy ? "possible" : "likely";
            f.settle = "the audit log for that time (ausearch -m AVC -c nginx) would confirm the denial";
        }
        if (known)
            f.facts["policy_decision"] = fmt::format("{} {} httpd_t name_connect to {} (port {})",
                                                     policy_words, denied_by_policy ? "denies" : "allows",
                                                     f.selinux->target_type, f.upstream.port.value_or(-1));
    }

    std::string explain(const builder& b) {
        const finding& f = b.f;
        const cause_info* ci = find_cause(f.cause);
        std::string base = ci ? std::string(ci->meaning) : "";
        std::string addr = text::escape_terminal(f.upstream.address);
        if (f.cause == "selinux.name_connect" && f.selinux) {
            if (!b.denials.empty())
                return fmt::format(
                    "SELinux denied {} name_connect to {} (port type {}): {} AVC(s){}. The backend "
                    "itself may be healthy; curl from a shell works because your shell runs "
                    "unconfined.",
                    f.selinux->source_type, addr,
                    f.selinux->target_type.empty() ? "unknown" : f.selinux->target_type, f.selinux->avc_count,
                    b.count ? fmt::format(" match {} failure line(s) by worker pid, port and time",
                                          b.count - b.unmatched)
                            : "");
            return fmt::format(
                "connect() to {} failed with EACCES (13). On a TCP socket this is almost always "
                "SELinux ({} may not name_connect to {}), but no audit log was given to prove it.",
                addr, f.selinux->source_type,
                f.selinux->target_type.empty() ? "the port's type" : f.selinux->target_type);
        }
        if (f.cause == "selinux.unlogged_denial")
            return fmt::format(
                       "connect() to {} failed with EACCES (13) while the audit log covers that time and "
                       "holds no matching AVC: a dontaudit rule may hide the denial, or auditing is off. ",
                       addr) +
                   base;
        if (f.cause == "dac.socket_permission") {
            std::string s = fmt::format("connect() to the unix socket {} failed with EACCES (13). ", addr);
            if (opt_.have_audit_log)
                s += "The audit log covers that time and holds no matching AVC, so file permissions (owner, "
                     "group, "
                     "mode or ACL along the path) are the likely cause; a dontaudit'ed SELinux denial is the "
                     "alternative.";
            else
                s += "Without the audit log this is either file permissions along the path (likely on hosts "
                     "without SELinux) or an SELinux denial.";
            return s;
        }
        if (f.cause == "selinux.permissive_denial" && f.selinux)
            return fmt::format(
                "SELinux logged {} {{ {} }} on {} with permissive=1: the access works today but "
                "will fail with EACCES (a 502) once the domain or host is enforcing.",
                f.selinux->source_type, join_words(f.selinux->permissions), addr);
        if ((f.cause == "selinux.socket_file_label" || f.cause == "selinux.unix_socket_connect") && f.selinux)
            return fmt::format("SELinux denied {} {{ {} }} on {} ({} of type {}): {} AVC(s). ",
                               f.selinux->source_type, join_words(f.selinux->permissions), addr,
                               f.selinux->tclass, f.selinux->target_type, f.selinux->avc_count) +
                   base;
        return base;
    }

    std::vector<std::string> verify_commands(const builder& b) {
        std::vector<std::string> v;
        const finding& f = b.f;
        std::string host, path = "/";
        for (const auto& h : f.hosts)
            if (plausible_host(h)) {
                host = h;
                break;
            }
        if (!f.requests.empty()) path = request_path(f.requests.front());
        if (!host.empty())
            v.push_back("curl -sS -o /dev/null -w '%{http_code}\\n' " +
                        text::shell_quote("http://" + host + path));
        if (is_selinux_cause(f.cause))
            v.push_back("ausearch -m AVC -ts recent -c nginx");
        else if (f.upstream.transport == "unix" && f.upstream.path &&
                 text::is_safe_for_command(*f.upstream.path))
            v.push_back("curl -sS -o /dev/null -w '%{http_code}\\n' --unix-socket " +
                        text::shell_quote(*f.upstream.path) + " http://localhost/");
        else if (f.upstream.port && !f.upstream.host.empty() && plausible_host(f.upstream.host))
            v.push_back("curl -sS -m 5 -o /dev/null -w '%{http_code}\\n' " +
                        text::shell_quote(fmt::format("http://{}/", f.upstream.address)));
        return v;
    }

    // Reads the evidence and the policy only (both safe to read from several threads);
    // what it has to say goes to `warnings`.
    finding finish(builder& b, std::vector<std::string>& warnings) {
        finding& f = b.f;
        const auto& groups = ev_.groups();
        const auto& rs = ev_.denial_refs();
        f.count = b.count;
        if (b.count) {
            f.first_seen_ms = b.first;
            f.last_seen_ms = b.last;
        }
        // Denial-only findings take their times from the denials.
        for (size_t i : b.denials) {
            int64_t t = rs[i].time_ms;
            if (!b.count) {
                f.first_seen_ms = std::min(f.first_seen_ms.value_or(INT64_MAX), t);
                f.last_seen_ms = std::max(f.last_seen_ms.value_or(INT64_MIN), t);
            }
            b.denial_times.add(t);
        }
        f.denial_times_ms = b.denial_times.sorted();
        f.failure_times_ms = b.failure_times.sorted();

        // Evidence: failure lines this finding explains first, then denials.
        std::vector<sample_line> nginx_samples;
        for (uint32_t gi : b.groups) {
            const auto& g = groups[gi];
            for (const auto& s : g.samples.items()) nginx_samples.push_back(s);
            for (const auto& x : g.servers.items())
                if (std::find(f.servers.begin(), f.servers.end(), x) == f.servers.end())
                    f.servers.push_back(x);
            for (const auto& x : g.hosts.items())
                if (std::find(f.hosts.begin(), f.hosts.end(), x) == f.hosts.end()) f.hosts.push_back(x);
            for (const auto& x : g.requests.items())
                if (f.requests.size() < 3) f.requests.push_back(x);
        }
        std::stable_sort(nginx_samples.begin(), nginx_samples.end(),
                         [&](const sample_line& x, const sample_line& y) {
                             bool ix = b.lines.empty() || b.lines.count({x.file, x.line});
                             bool iy = b.lines.empty() || b.lines.count({y.file, y.line});
                             if (ix != iy) return ix;
                             return x < y;
                         });
        for (const auto& s : nginx_samples) {
            if (f.evidence.size() >= max_nginx_evidence) break;
            f.evidence.push_back({"nginx", opt_.files.at(s.file), s.line, s.text});
        }
        // Audit evidence: the earliest denial lines of the groups this finding holds.
        std::set<uint32_t> dgroups;
        for (size_t i : b.denials) dgroups.insert(rs[i].group);
        sample_set audit_samples(max_audit_evidence);
        for (uint32_t gi : dgroups) audit_samples.merge(ev_.denial_groups()[gi].samples);
        for (const auto& smp : audit_samples.items())
            f.evidence.push_back({"audit", opt_.files.at(smp.file), smp.line, smp.text});

        if (is_selinux_cause(f.cause)) {
            fill_selinux(b, warnings);
            selinux_confidence(b);
        } else if (f.cause == "dac.socket_permission") {
            f.confidence = opt_.have_audit_log ? "likely" : "possible";
            f.settle =
                opt_.have_audit_log
                    ? "namei -l on the socket path as the worker user, or semodule -DB to rule out a "
                      "dontaudit'ed SELinux denial"
                    : "the audit log of that time (an AVC would make it SELinux) and namei -l on the socket "
                      "path (owner, group, mode of every component)";
        } else {
            f.confidence = "confirmed";
        }
        f.explanation = explain(b);

        if (is_selinux_cause(f.cause) && f.selinux && opt_.policy) {
            selinux_case c;
            c.cause = f.cause;
            c.source_type = f.selinux->source_type;
            c.target_type = f.selinux->target_type;
            c.tclass = f.selinux->tclass;
            c.permissions = f.selinux->permissions;
            if (f.upstream.port) c.port = *f.upstream.port;
            if (f.upstream.path) c.socket_path = *f.upstream.path;
            if (c.tclass == "unix_stream_socket") c.peer_domain = f.selinux->target_type;
            if (!c.target_type.empty() || c.port >= 0)
                f.fixes = build_selinux_fixes(*opt_.policy, c, warnings);
        }
        if (!is_selinux_cause(f.cause) || f.fixes.empty()) {
            remedy_context rc;
            rc.transport = f.upstream.transport;
            rc.host = f.upstream.host;
            rc.port = f.upstream.port.value_or(-1);
            rc.path = f.upstream.path.value_or("");
            rc.address = f.upstream.address;
            rc.phase = b.phase;
            rc.scheme = b.scheme;
            rc.worker_user = opt_.worker_user.empty() ? "nginx" : opt_.worker_user;
            auto more = remedies_for(f.cause, rc);
            for (auto& x : more) f.fixes.push_back(std::move(x));
        }
        f.verify = verify_commands(b);
        return std::move(f);
    }

    const evidence_store& ev_;
    const diagnose_options& opt_;
    std::vector<size_t> by_pid_;
    std::vector<bool> matched_;
    std::map<std::string, builder> builders_;
    std::vector<std::string> warnings_;
};

}  // namespace

void order_findings(std::vector<finding>& fs) {
    std::stable_sort(fs.begin(), fs.end(), [](const finding& a, const finding& b) {
        auto sev = [](const finding& f) {
            const cause_info* c = find_cause(f.cause);
            return c ? static_cast<int>(c->level) : 0;
        };
        if (sev(a) != sev(b)) return sev(a) > sev(b);
        if (a.count != b.count) return a.count > b.count;
        uint64_t aa = a.selinux ? a.selinux->avc_count : 0, ba = b.selinux ? b.selinux->avc_count : 0;
        if (aa != ba) return aa > ba;
        return a.upstream.address < b.upstream.address;
    });
}

diagnosis diagnose(const evidence_store& ev, const diagnose_options& opt) {
    return diagnoser(ev, opt).run();
}

}  // namespace why502::diagnose

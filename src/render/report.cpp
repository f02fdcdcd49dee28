#include "render/report.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "base/time.hpp"
#include "render/common.hpp"

namespace why502::render::detail {
namespace {

using diagnose::diagnosis;
using diagnose::finding;

std::string joined(const std::vector<std::string>& v, size_t limit = 8) {
    std::string out;
    for (size_t i = 0; i < v.size() && i < limit; ++i) out += (i ? ", " : "") + v[i];
    if (v.size() > limit) out += fmt::format(" and {} more", v.size() - limit);
    return out;
}

std::vector<std::string> union_of(const diagnosis& d, std::vector<std::string> finding::*member) {
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const auto& f : d.findings)
        for (const auto& s : f.*member)
            if (seen.insert(s).second) out.push_back(s);
    return out;
}

std::string anchor_of(size_t i) {
    return fmt::format("finding-{}", i);
}

void summary(const diagnosis& d, sink& out) {
    out.heading(2, {txt("Summary")}, "summary");
    if (d.findings.empty()) {
        out.paragraph({txt("No upstream failures were found in the inputs read.")});
    } else {
        std::set<std::string> upstreams;
        for (const auto& f : d.findings) upstreams.insert(f.upstream.address);
        line l;
        uint64_t failures = total_failures(d);
        l.push_back(
            txt(fmt::format("NGINX failed {} request{} to {} upstream{}", failures, failures == 1 ? "" : "s",
                            upstreams.size(), upstreams.size() == 1 ? "" : "s")));
        auto first = earliest(d), last = latest(d);
        if (first)
            l.push_back(
                txt(fmt::format(" between {} and {} (UTC)", time_or_unknown(first), time_or_unknown(last))));
        l.push_back(txt(
            fmt::format("; {} cause{} identified.", d.findings.size(), d.findings.size() == 1 ? "" : "s")));
        out.paragraph(l);

        std::vector<std::vector<line>> rows;
        size_t i = 0;
        for (const auto& f : d.findings) {
            ++i;
            rows.push_back({{txt(fmt::format("{}", i))},
                            {txt(cause_title(f)), txt(" "), code(f.cause)},
                            {code(f.upstream.address)},
                            {txt(fmt::format("{}", f.count))},
                            {txt(time_or_unknown(f.first_seen_ms))},
                            {txt(time_or_unknown(f.last_seen_ms))},
                            {txt(f.confidence)}});
        }
        out.table({"#", "Cause", "Upstream", "Failed requests", "First seen", "Last seen", "Confidence"},
                  rows);
    }
    std::vector<line> facts;
    auto servers = union_of(d, &finding::servers);
    auto hosts = union_of(d, &finding::hosts);
    if (!servers.empty()) facts.push_back({strong("Servers: "), txt(joined(servers))});
    if (!hosts.empty()) facts.push_back({strong("Hosts: "), txt(joined(hosts))});
    if (!d.policy_source.empty()) {
        line p{strong("Policy: "), txt(d.policy_source)};
        if (!d.booleans_source.empty()) p.push_back(txt("; booleans: " + d.booleans_source));
        facts.push_back(std::move(p));
    }
    if (!d.time_zone.empty()) facts.push_back({strong("Time zone of local stamps: "), txt(d.time_zone)});
    facts.push_back({strong("Inputs: "), txt(inputs_line(d))});
    out.bullets(facts);
}

void fix_detail(const diagnose::fix& x, bool recommended, sink& out) {
    line l;
    if (!recommended) l.push_back(strong(x.id + ": "));
    l.push_back(txt(x.summary));
    l.push_back(txt(" ("));
    l.push_back(strong(fix_proof(x)));
    l.push_back(txt(")"));
    if (recommended) {
        l.push_back(txt(" "));
        l.push_back(code(x.id));
    }
    out.paragraph(l);
    if (!x.commands.empty()) out.code_block("sh", x.commands);
    if (!x.note.empty()) out.paragraph({txt(x.note)});
}

void finding_section(size_t index, const finding& f, sink& out) {
    out.begin_finding(anchor_of(index), cause_severity(f));
    out.heading(2, {txt(fmt::format("{}. {} ", index, cause_title(f))), code(f.cause)}, anchor_of(index));

    std::vector<line> facts;
    std::string label = upstream_label(f.upstream);  // "ADDRESS (kind)"
    facts.push_back({strong("Upstream: "), code(f.upstream.address), txt(label.substr(label.rfind(" (")))});
    std::string when = time_range(f.first_seen_ms, f.last_seen_ms);
    if (!when.empty()) facts.push_back({strong("When (UTC): "), txt(when)});
    facts.push_back({strong("Requests: "), txt(count_phrase(f))});
    facts.push_back({strong("Confidence: "), txt(f.confidence)});
    if (!f.servers.empty()) facts.push_back({strong("Servers: "), txt(joined(f.servers))});
    if (!f.hosts.empty()) facts.push_back({strong("Hosts: "), txt(joined(f.hosts))});
    if (!f.location.empty()) facts.push_back({strong("Location: "), txt(f.location)});
    if (!f.requests.empty()) {
        line l{strong("Sample requests: ")};
        for (size_t i = 0; i < f.requests.size() && i < 5; ++i) {
            if (i) l.push_back(txt(", "));
            l.push_back(code(f.requests[i]));
        }
        facts.push_back(std::move(l));
    }
    if (f.selinux) {
        line l{strong("SELinux: "), code(selinux_access(*f.selinux))};
        l.push_back(
            txt(fmt::format(", {} denial{}", f.selinux->avc_count, f.selinux->avc_count == 1 ? "" : "s")));
        if (f.selinux->permissive) l.push_back(txt(" (permissive: logged, not blocked)"));
        facts.push_back(std::move(l));
        if (!f.selinux->scontext.empty() || !f.selinux->tcontext.empty())
            facts.push_back({strong("Contexts: "), code(f.selinux->scontext), txt(" \u2192 "),
                             code(f.selinux->tcontext)});
    }
    out.bullets(facts);

    out.heading(3, {txt("Root cause")}, "");
    std::string meaning = cause_meaning(f);
    if (!f.explanation.empty())
        out.paragraph({txt(f.explanation)});
    else if (!meaning.empty())
        out.paragraph({txt(meaning)});
    if (!f.settle.empty()) out.paragraph({strong("To settle it: "), txt(f.settle)});
    if (!f.facts.empty()) {
        std::vector<line> items;
        for (const auto& [k, v] : f.facts) items.push_back({strong(k + ": "), txt(v)});
        out.bullets(items);
    }
    if (!f.evidence.empty()) {
        out.heading(3, {txt("Evidence")}, "");
        std::vector<std::string> lines;
        for (const auto& e : f.evidence) {
            std::string where = e.file.empty() ? e.source : e.file;
            if (e.line) where += fmt::format(":{}", e.line);
            lines.push_back(where + ": " + e.text);
        }
        out.code_block("text", lines);
    }

    const diagnose::fix* best = recommended_fix(f);
    out.heading(3, {txt("Recommended fix")}, "");
    if (best) {
        fix_detail(*best, true, out);
    } else {
        std::string check = cause_check(f);
        out.paragraph({txt("No fix could be proposed from the inputs."),
                       txt(check.empty() ? std::string() : " Check first: " + check + ".")});
    }
    if (f.fixes.size() > 1) {
        out.heading(3, {txt("Alternatives (more privilege)")}, "");
        for (const auto& x : f.fixes)
            if (&x != best) fix_detail(x, false, out);
    }
    out.heading(3, {txt("Verification")}, "");
    if (!f.verify.empty()) {
        out.paragraph({txt("After the fix, these should succeed and the failure lines stop:")});
        out.code_block("sh", f.verify);
    } else {
        std::string check = cause_check(f);
        out.paragraph({txt("Watch the NGINX error log for new failures to this upstream"),
                       txt(check.empty() ? "." : "; check " + check + ".")});
    }
    out.end_finding();
}

// How to make each change permanent in provisioning, so a rebuilt host does not regress.
std::vector<line> prevention(const diagnosis& d) {
    std::vector<line> out;
    std::set<std::string> seen;
    auto add = [&](std::string key, line l) {
        if (seen.insert(std::move(key)).second) out.push_back(std::move(l));
    };
    bool selinux = false, permissive = false, backend = false;
    for (const auto& f : d.findings) {
        if (f.selinux || f.cause.starts_with("selinux.")) selinux = true;
        if (f.cause == "selinux.permissive_denial" || (f.selinux && f.selinux->permissive)) permissive = true;
        if (f.cause.starts_with("backend.") || f.cause.starts_with("upstream.")) backend = true;
        const diagnose::fix* x = recommended_fix(f);
        if (!x) continue;
        for (const auto& r : checked_changes(*x)) {
            if (!r.ok()) continue;
            const auto& c = r.value();
            if (const auto* b = std::get_if<seboolean_change>(&c))
                add("b" + b->name,
                    {txt("Set the SELinux boolean "), code(b->name), txt(b->on ? " on" : " off"),
                     txt(" in configuration management (Ansible "), code("ansible.posix.seboolean"),
                     txt(" with persistent: true, or the kickstart/image build), not by hand, so a rebuilt "
                         "host "
                         "keeps it.")});
            else if (const auto* p = std::get_if<seport_change>(&c))
                add("p" + p->setype + p->proto + fmt::format("{}", fmt::join(p->ports, ",")),
                    {txt("Declare the port label "),
                     code(fmt::format("{}/{} {}", fmt::join(p->ports, ","), p->proto, p->setype)),
                     txt(" in provisioning ("), code("community.general.seport"),
                     txt(") next to the service that listens there.")});
            else if (const auto* fc = std::get_if<sefcontext_change>(&c))
                add("f" + fc->target,
                    {txt("Ship the file context rule "), code(fc->target + " " + fc->setype),
                     txt(" with the service's provisioning ("), code("community.general.sefcontext"),
                     txt(") and create the socket where that rule applies, so every restart gets the right "
                         "label.")});
            else if (const auto* m = std::get_if<module_change>(&c))
                add("m" + m->name,
                    {txt("Keep the local policy module "), code(m->name),
                     txt(" in version control and install it from configuration management; review "
                         "it when the policy package updates.")});
        }
    }
    if (selinux)
        add("staging",
            {txt("Test new upstreams on an enforcing staging host before production: a backend that "
                 "works with curl can still be denied to the NGINX domain.")});
    if (permissive)
        add("permissive",
            {txt("Do not leave domains permissive in production: denials logged with permissive=1 "
                 "become failures as soon as the host or domain is enforcing.")});
    if (backend)
        add("alert",
            {txt("Alert on upstream errors in the NGINX error log and on the backend's health, so a down "
                 "or slow backend is seen before users report 502/504.")});
    return out;
}

}  // namespace

std::vector<timeline> timelines_of(const diagnosis& d) {
    std::vector<timeline> out;
    for (const auto& f : d.findings) {
        auto it = std::find_if(out.begin(), out.end(),
                               [&](const timeline& t) { return t.upstream == f.upstream.address; });
        if (it == out.end()) {
            out.push_back({f.upstream.address, {}, {}});
            it = std::prev(out.end());
        }
        it->failures.insert(it->failures.end(), f.failure_times_ms.begin(), f.failure_times_ms.end());
        it->denials.insert(it->denials.end(), f.denial_times_ms.begin(), f.denial_times_ms.end());
        if (!f.failure_times_ms.empty()) it->failure_count += f.count;
        if (!f.denial_times_ms.empty())
            it->denial_count += f.selinux ? f.selinux->avc_count : f.denial_times_ms.size();
    }
    for (auto& t : out) {
        std::sort(t.failures.begin(), t.failures.end());
        std::sort(t.denials.begin(), t.denials.end());
    }
    std::erase_if(out, [](const timeline& t) { return t.failures.empty() && t.denials.empty(); });
    return out;
}

void compose(const diagnosis& d, const options& o, sink& out) {
    (void)o;
    out.title(d.findings.empty() ? std::string("why502: no upstream failures found")
                                 : fmt::format("why502 incident report: {} cause{} of NGINX 502/504",
                                               d.findings.size(), d.findings.size() == 1 ? "" : "s"));
    summary(d, out);
    auto tl = timelines_of(d);
    if (!tl.empty()) {
        out.heading(2, {txt("Timeline")}, "timeline");
        out.timelines(tl);
    }
    size_t i = 0;
    for (const auto& f : d.findings) finding_section(++i, f, out);
    auto advice = prevention(d);
    if (!advice.empty()) {
        out.heading(2, {txt("Prevention")}, "prevention");
        out.bullets(advice);
    }
    if (!d.warnings.empty()) {
        out.heading(2, {txt("Warnings")}, "warnings");
        std::vector<line> items;
        for (const auto& w : d.warnings) items.push_back({txt(w)});
        out.bullets(items);
    }
    if (!d.inputs.empty()) {
        out.heading(2, {txt("Inputs")}, "inputs");
        std::vector<std::vector<line>> rows;
        for (const auto& in : d.inputs)
            rows.push_back({{code(in.file.empty() ? "-" : in.file)},
                            {txt(in.kind)},
                            {txt(fmt::format("{}", in.lines))},
                            {txt(fmt::format("{}", in.records))},
                            {txt(fmt::format("{}", in.malformed))},
                            {txt(time_range(in.first_ms, in.last_ms))}});
        out.table({"File", "Kind", "Lines", "Matched", "Malformed", "Time range (UTC)"}, rows);
    }
}

}  // namespace why502::render::detail

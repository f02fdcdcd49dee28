// why502/diagnosis@1: the stable contract of PRODUCT.md. Every string passes through
// text::to_valid_utf8 (nlohmann refuses invalid UTF-8 on dump); unknown values are null.
#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "base/time.hpp"
#include "render/common.hpp"
#include "render/render.hpp"

namespace why502::render {
namespace {

// Insertion order, so the document reads in the order of the schema.
using ojson = nlohmann::ordered_json;

ojson str(std::string_view s) {
    return text::to_valid_utf8(s);
}

ojson str_or_null(std::string_view s) {
    return s.empty() ? ojson(nullptr) : str(s);
}

ojson strings(const std::vector<std::string>& v) {
    ojson a = ojson::array();
    for (const auto& s : v) a.push_back(str(s));
    return a;
}

ojson time_or_null(const std::optional<int64_t>& ms) {
    return ms ? ojson(timeutil::iso8601_utc(*ms)) : ojson(nullptr);
}

ojson upstream_json(const diagnose::upstream_ref& u) {
    return {{"transport", str(u.transport)},
            {"address", str(u.address)},
            {"host", str(u.host)},
            {"port", u.port ? ojson(*u.port) : ojson(nullptr)},
            {"path", u.path ? str(*u.path) : ojson(nullptr)}};
}

ojson selinux_json(const std::optional<diagnose::selinux_detail>& s) {
    if (!s) return nullptr;
    return {{"source_type", str(s->source_type)},
            {"target_type", str(s->target_type)},
            {"class", str(s->tclass)},
            {"permissions", strings(s->permissions)},
            {"permissive", s->permissive},
            {"avc_count", s->avc_count},
            {"scontext", str_or_null(s->scontext)},
            {"tcontext", str_or_null(s->tcontext)}};
}

ojson fix_json(const diagnose::fix& x) {
    ojson j = {{"id", str(x.id)},
               {"summary", str(x.summary)},
               {"least_privilege", x.least_privilege},
               {"commands", strings(x.commands)},
               {"verified", x.verified},
               {"grants", x.grants ? ojson(*x.grants) : ojson(nullptr)}};
    if (x.revokes) j["revokes"] = *x.revokes;
    j["assumed"] = x.assumed;
    j["note"] = str(x.note);
    ojson changes = ojson::array();
    for (const auto& c : x.changes) {
        ojson args = ojson::object();
        for (const auto& [k, v] : c.args) args[text::to_valid_utf8(k)] = str(v);
        changes.push_back({{"kind", str(c.kind)}, {"args", std::move(args)}});
    }
    j["changes"] = std::move(changes);
    return j;
}

ojson finding_json(const diagnose::finding& f) {
    ojson evidence = ojson::array();
    for (const auto& e : f.evidence)
        evidence.push_back({{"source", str(e.source)},
                            {"file", str_or_null(e.file)},
                            {"line", e.line ? ojson(e.line) : ojson(nullptr)},
                            {"text", str(e.text)}});
    ojson fixes = ojson::array();
    for (const auto& x : f.fixes) fixes.push_back(fix_json(x));
    ojson facts = ojson::object();
    for (const auto& [k, v] : f.facts) facts[text::to_valid_utf8(k)] = str(v);
    return {{"cause", str(f.cause)},
            {"title", str(detail::cause_title(f))},
            {"confidence", str(f.confidence)},
            {"upstream", upstream_json(f.upstream)},
            {"count", f.count},
            {"first_seen", time_or_null(f.first_seen_ms)},
            {"last_seen", time_or_null(f.last_seen_ms)},
            {"selinux", selinux_json(f.selinux)},
            {"evidence", std::move(evidence)},
            {"fixes", std::move(fixes)},
            {"verify", strings(f.verify)},
            {"explanation", str(f.explanation)},
            {"settle", str_or_null(f.settle)},
            {"servers", strings(f.servers)},
            {"hosts", strings(f.hosts)},
            {"requests", strings(f.requests)},
            {"location", str_or_null(f.location)},
            {"facts", std::move(facts)}};
}

ojson input_json(const diagnose::input_summary& in) {
    return {{"file", str(in.file)},
            {"kind", str(in.kind)},
            {"bytes", in.bytes},
            {"lines", in.lines},
            {"records", in.records},
            {"malformed", in.malformed},
            {"overlong", in.overlong},
            {"truncated", str_or_null(in.truncated)},
            {"first", time_or_null(in.first_ms)},
            {"last", time_or_null(in.last_ms)}};
}

}  // namespace

std::string json(const diagnose::diagnosis& d) {
    ojson findings = ojson::array();
    for (const auto& f : d.findings) findings.push_back(finding_json(f));
    ojson inputs = ojson::array();
    for (const auto& in : d.inputs) inputs.push_back(input_json(in));
    // The host object is built elsewhere from host state: re-read it through a dump that
    // replaces bytes that are not UTF-8, so no exception leaves this stage.
    ojson host = nullptr;
    if (d.live && !d.host.is_null())
        host = ojson::parse(d.host.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    ojson doc = {
        {"schema", "why502/diagnosis@1"},
        {"findings", std::move(findings)},
        {"warnings", strings(d.warnings)},
        {"host", std::move(host)},
        {"inputs", std::move(inputs)},
        {"policy",
         {{"source", str(d.policy_source)},
          {"assumed", d.policy_assumed},
          {"booleans", str_or_null(d.booleans_source)}}},
        {"time_zone", str_or_null(d.time_zone)},
    };
    // ASCII only: a C1 control or a bidi override from a log stays a \u escape even
    // when the JSON is printed to a terminal.
    return doc.dump(2, ' ', true, ojson::error_handler_t::replace) + "\n";
}

}  // namespace why502::render

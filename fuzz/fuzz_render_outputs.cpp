// Fuzzes every renderer with a diagnosis whose strings come from the input (fields
// separated by NUL bytes), as a log would supply them. Beyond not crashing: the text,
// Markdown, shell and Ansible outputs hold no raw control byte and are valid UTF-8,
// JSON parses and is ASCII, and HTML has no element made from the data.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "diagnose/model.hpp"
#include "render/render.hpp"

using namespace why502;

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

bool no_raw_controls(std::string_view s) {
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\n') || u == 0x7f) return false;
    }
    return text::is_valid_utf8(s);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> f;
    for (size_t start = 0;;) {
        size_t nul = in.find('\0', start);
        f.emplace_back(in.substr(start, nul == std::string_view::npos ? in.npos : nul - start));
        if (nul == std::string_view::npos || f.size() == 24) break;
        start = nul + 1;
    }
    auto at = [&](size_t i) -> const std::string& { return f[i % f.size()]; };
    int64_t t = 0;
    for (size_t i = 0; i < 8 && i < size; ++i) t = (t << 8) | data[i];
    t &= (int64_t{1} << 42) - 1;

    diagnose::diagnosis d;
    diagnose::finding x;
    x.cause = at(0);
    x.confidence = at(1);
    x.upstream = {at(2), at(3), at(4), static_cast<int>(size % 70000), at(5)};
    x.count = size;
    x.first_seen_ms = t;
    x.last_seen_ms = t + static_cast<int64_t>(size) * 1000;
    x.selinux = diagnose::selinux_detail{at(6), at(7), at(8), {at(9)}, size % 2 == 0, size, at(10), at(11)};
    x.evidence.push_back({"nginx", at(12), size, at(13)});
    diagnose::fix fx;
    fx.id = at(14);
    fx.summary = at(15);
    fx.least_privilege = true;
    fx.commands = {at(16)};
    fx.note = at(17);
    fx.changes.push_back({"seboolean", {{"name", at(18)}, {"state", at(19)}}});
    fx.changes.push_back(
        {"seport", {{"ports", at(20)}, {"proto", at(19)}, {"setype", at(18)}, {"action", at(21)}}});
    fx.changes.push_back({"sefcontext", {{"target", at(22)}, {"setype", at(18)}, {"ftype", at(21)}}});
    fx.changes.push_back({"restorecon", {{"path", at(22)}}});
    fx.changes.push_back({"module", {{"name", at(18)}, {"te", at(23)}}});
    fx.changes.push_back({at(21), {{"summary", at(15)}, {"command", at(16)}}});
    x.fixes = {fx, fx};
    x.fixes[1].least_privilege = false;
    x.verify = {at(16)};
    x.explanation = at(13);
    x.settle = at(12);
    x.servers = {at(3)};
    x.hosts = {at(4)};
    x.facts = {{at(1), at(2)}};
    x.failure_times_ms = {t, t + 1000};
    x.denial_times_ms = {t + static_cast<int64_t>(size)};
    d.findings = {x, x};
    d.findings[1].selinux.reset();
    d.warnings = {at(0)};
    d.inputs.push_back({at(1), "nginx", size, size, size, 0, 0, at(2), t, t});
    d.policy_source = at(3);

    render::options all{.color = false, .verbose = true, .all_fixes = true};
    require(no_raw_controls(render::text(d, all)));
    require(no_raw_controls(render::markdown(d, all)));
    std::string sh = render::shell_script(d, all);
    require(no_raw_controls(sh) && sh.starts_with("#!/bin/sh\n"));
    std::string y = render::ansible(d, all);
    require(no_raw_controls(y));
    for (char c : y) require(static_cast<unsigned char>(c) < 0x80);
    std::string j = render::json(d);
    require(nlohmann::json::accept(j));
    for (char c : j) require(static_cast<unsigned char>(c) < 0x80);
    std::string h = lower(render::html(d, all));
    require(text::is_valid_utf8(h) && h.find("<script") == std::string::npos &&
            h.find("<img") == std::string::npos);
    return 0;
}

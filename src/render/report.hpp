// The incident write-up, composed once and written twice: report.cpp decides the
// content (summary, timeline, root cause, fixes, verification, prevention) as calls on
// a document sink; markdown.cpp and html.cpp are the two sinks. All strings handed to a
// sink are raw (they may come from logs): the sink escapes them for its format.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "diagnose/model.hpp"
#include "render/render.hpp"

namespace why502::render::detail {

struct span {
    enum class kind : unsigned char { text, code, strong };
    kind k = kind::text;
    std::string s;
};
using line = std::vector<span>;

inline span txt(std::string s) {
    return {span::kind::text, std::move(s)};
}
inline span code(std::string s) {
    return {span::kind::code, std::move(s)};
}
inline span strong(std::string s) {
    return {span::kind::strong, std::move(s)};
}

// Failures and denials of one upstream, for a timeline (times sorted, UTC epoch ms).
struct timeline {
    std::string upstream;
    std::vector<int64_t> failures;  // a sample (distinct times at some resolution; the
    std::vector<int64_t> denials;   // first and last exact): draw these
    uint64_t failure_count = 0;     // how many there were: say these
    uint64_t denial_count = 0;
};

class sink {
public:
    virtual ~sink() = default;
    virtual void title(std::string_view s) = 0;
    virtual void heading(int level, const line& l, std::string_view anchor) = 0;
    virtual void paragraph(const line& l) = 0;
    virtual void bullets(const std::vector<line>& items) = 0;
    virtual void table(const std::vector<std::string>& header,
                       const std::vector<std::vector<line>>& rows) = 0;
    virtual void code_block(std::string_view lang, const std::vector<std::string>& lines) = 0;
    virtual void timelines(const std::vector<timeline>& t) = 0;
    // A finding's section, so a format can frame it (severity: "error" | "warning" | "info").
    virtual void begin_finding(std::string_view anchor, std::string_view severity) = 0;
    virtual void end_finding() = 0;
};

void compose(const diagnose::diagnosis& d, const options& o, sink& out);

// One timeline per upstream, in order of first appearance among the findings.
std::vector<timeline> timelines_of(const diagnose::diagnosis& d);

}  // namespace why502::render::detail

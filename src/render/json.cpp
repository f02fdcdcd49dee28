// why502/diagnosis@1: the stable contract of PRODUCT.md. Every string passes through
// text::to_valid_utf8; unknown values are null.
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "base/time.hpp"
#include "render/common.hpp"
#include "render/render.hpp"

namespace why502::render {
namespace {

// Writes the document directly, in the layout of nlohmann's dump(2, ' ', true): two
// spaces a level, "key": value, empty containers as [] and {}, every byte outside
// printable ASCII as \uXXXX (a C1 control or a bidi override from a log stays an escape
// even when the JSON is printed to a terminal). Building an ordered_json tree first
// cost as much as reading a gigabyte of log on busy inputs; json_test checks the
// output against nlohmann's own dump of the same document.
class writer {
public:
    std::string take() { return std::move(out_); }

    void begin_object() { open('{'); }
    void end_object() { close('}'); }
    void begin_array() { open('['); }
    void end_array() { close(']'); }
    void key(std::string_view k) {
        next();
        utf8_string(k);
        out_ += ": ";
        after_key_ = true;
    }
    void value(std::string_view s) {
        next();
        utf8_string(s);
    }
    void value_or_null(std::string_view s) {
        if (s.empty())
            null();
        else
            value(s);
    }
    void optional_value(const std::optional<std::string>& s) {
        if (s)
            value(*s);
        else
            null();
    }
    void boolean(bool b) {
        next();
        out_ += b ? "true" : "false";
    }
    template <class N>
    requires std::is_integral_v<N>
    void number(N n) {
        next();
        out_ += std::to_string(n);
    }
    template <class N>
    void number_or_null(const std::optional<N>& n) {
        if (n)
            number(*n);
        else
            null();
    }
    void null() {
        next();
        out_ += "null";
    }
    void time_or_null(const std::optional<int64_t>& ms) {
        if (ms)
            value(timeutil::iso8601_utc(*ms));
        else
            null();
    }
    void strings(const std::vector<std::string>& v) {
        begin_array();
        for (const auto& s : v) value(s);
        end_array();
    }
    // A value already serialised at indentation 0 (nlohmann's dump(2)): re-indented.
    void raw(std::string_view dumped) {
        next();
        for (char c : dumped) {
            out_ += c;
            if (c == '\n') indent();
        }
    }

private:
    // Before a value or key: the comma and line break of containers (not after a key).
    void next() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (empty_.empty()) return;
        if (!empty_.back()) out_ += ',';
        empty_.back() = false;
        out_ += '\n';
        indent();
    }
    void open(char c) {
        next();
        out_ += c;
        empty_.push_back(true);
    }
    void close(char c) {
        bool was_empty = empty_.back();
        empty_.pop_back();
        if (!was_empty) {
            out_ += '\n';
            indent();
        }
        out_ += c;
    }
    void indent() { out_.append(2 * empty_.size(), ' '); }
    // Bytes that are not UTF-8 are replaced first (most strings are valid: no copy).
    void utf8_string(std::string_view s) {
        bool ascii = true;
        for (char c : s) ascii &= static_cast<unsigned char>(c) < 0x80;
        if (ascii || text::is_valid_utf8(s))
            string(s);
        else
            string(text::to_valid_utf8(s));
    }
    static bool plain(unsigned char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }
    void string(std::string_view s) {  // valid UTF-8
        out_ += '"';
        for (size_t i = 0; i < s.size();) {
            auto c = static_cast<unsigned char>(s[i]);
            if (plain(c)) {  // a run of printable ASCII at once
                size_t j = i + 1;
                while (j < s.size() && plain(static_cast<unsigned char>(s[j]))) ++j;
                out_.append(s.data() + i, j - i);
                i = j;
                continue;
            }
            switch (c) {
                case '"':
                    out_ += "\\\"";
                    ++i;
                    continue;
                case '\\':
                    out_ += "\\\\";
                    ++i;
                    continue;
                case '\b':
                    out_ += "\\b";
                    ++i;
                    continue;
                case '\f':
                    out_ += "\\f";
                    ++i;
                    continue;
                case '\n':
                    out_ += "\\n";
                    ++i;
                    continue;
                case '\r':
                    out_ += "\\r";
                    ++i;
                    continue;
                case '\t':
                    out_ += "\\t";
                    ++i;
                    continue;
                default:
                    break;
            }
            uint32_t cp = c;
            size_t len = 1;
            if (c >= 0xf0) {
                cp = c & 0x07u;
                len = 4;
            } else if (c >= 0xe0) {
                cp = c & 0x0fu;
                len = 3;
            } else if (c >= 0xc0) {
                cp = c & 0x1fu;
                len = 2;
            }
            for (size_t k = 1; k < len && i + k < s.size(); ++k)
                cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3fu);
            i += len;
            if (cp <= 0xffff) {
                out_ += fmt::format("\\u{:04x}", cp);
            } else {
                cp -= 0x10000;
                out_ += fmt::format("\\u{:04x}\\u{:04x}", 0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
            }
        }
        out_ += '"';
    }

    std::string out_;
    std::vector<bool> empty_;  // per open container: nothing written in it yet
    bool after_key_ = false;
};

void upstream_json(writer& w, const diagnose::upstream_ref& u) {
    w.begin_object();
    w.key("transport");
    w.value(u.transport);
    w.key("address");
    w.value(u.address);
    w.key("host");
    w.value(u.host);
    w.key("port");
    w.number_or_null(u.port);
    w.key("path");
    w.optional_value(u.path);
    w.end_object();
}

void selinux_json(writer& w, const std::optional<diagnose::selinux_detail>& s) {
    if (!s) return w.null();
    w.begin_object();
    w.key("source_type");
    w.value(s->source_type);
    w.key("target_type");
    w.value(s->target_type);
    w.key("class");
    w.value(s->tclass);
    w.key("permissions");
    w.strings(s->permissions);
    w.key("permissive");
    w.boolean(s->permissive);
    w.key("avc_count");
    w.number(s->avc_count);
    w.key("scontext");
    w.value_or_null(s->scontext);
    w.key("tcontext");
    w.value_or_null(s->tcontext);
    w.end_object();
}

void fix_json(writer& w, const diagnose::fix& x) {
    w.begin_object();
    w.key("id");
    w.value(x.id);
    w.key("summary");
    w.value(x.summary);
    w.key("least_privilege");
    w.boolean(x.least_privilege);
    w.key("commands");
    w.strings(x.commands);
    w.key("verified");
    w.boolean(x.verified);
    w.key("grants");
    w.number_or_null(x.grants);
    if (x.revokes) {
        w.key("revokes");
        w.number(*x.revokes);
    }
    w.key("assumed");
    w.boolean(x.assumed);
    w.key("note");
    w.value(x.note);
    w.key("changes");
    w.begin_array();
    for (const auto& c : x.changes) {
        w.begin_object();
        w.key("kind");
        w.value(c.kind);
        w.key("args");
        w.begin_object();
        for (const auto& [k, v] : c.args) {
            w.key(k);
            w.value(v);
        }
        w.end_object();
        w.end_object();
    }
    w.end_array();
    w.end_object();
}

void finding_json(writer& w, const diagnose::finding& f) {
    w.begin_object();
    w.key("cause");
    w.value(f.cause);
    w.key("title");
    w.value(detail::cause_title(f));
    w.key("confidence");
    w.value(f.confidence);
    w.key("upstream");
    upstream_json(w, f.upstream);
    w.key("count");
    w.number(f.count);
    w.key("first_seen");
    w.time_or_null(f.first_seen_ms);
    w.key("last_seen");
    w.time_or_null(f.last_seen_ms);
    w.key("selinux");
    selinux_json(w, f.selinux);
    w.key("evidence");
    w.begin_array();
    for (const auto& e : f.evidence) {
        w.begin_object();
        w.key("source");
        w.value(e.source);
        w.key("file");
        w.value_or_null(e.file);
        w.key("line");
        if (e.line)
            w.number(e.line);
        else
            w.null();
        w.key("text");
        w.value(e.text);
        w.end_object();
    }
    w.end_array();
    w.key("fixes");
    w.begin_array();
    for (const auto& x : f.fixes) fix_json(w, x);
    w.end_array();
    w.key("verify");
    w.strings(f.verify);
    w.key("explanation");
    w.value(f.explanation);
    w.key("settle");
    w.value_or_null(f.settle);
    w.key("servers");
    w.strings(f.servers);
    w.key("hosts");
    w.strings(f.hosts);
    w.key("requests");
    w.strings(f.requests);
    w.key("location");
    w.value_or_null(f.location);
    w.key("facts");
    w.begin_object();
    for (const auto& [k, v] : f.facts) {
        w.key(k);
        w.value(v);
    }
    w.end_object();
    w.end_object();
}

void input_json(writer& w, const diagnose::input_summary& in) {
    w.begin_object();
    w.key("file");
    w.value(in.file);
    w.key("kind");
    w.value(in.kind);
    w.key("bytes");
    w.number(in.bytes);
    w.key("lines");
    w.number(in.lines);
    w.key("records");
    w.number(in.records);
    w.key("malformed");
    w.number(in.malformed);
    w.key("overlong");
    w.number(in.overlong);
    w.key("truncated");
    w.value_or_null(in.truncated);
    w.key("first");
    w.time_or_null(in.first_ms);
    w.key("last");
    w.time_or_null(in.last_ms);
    w.end_object();
}

}  // namespace

std::string json(const diagnose::diagnosis& d) {
    writer w;
    w.begin_object();
    w.key("schema");
    w.value("why502/diagnosis@1");
    w.key("findings");
    w.begin_array();
    for (const auto& f : d.findings) finding_json(w, f);
    w.end_array();
    w.key("warnings");
    w.strings(d.warnings);
    w.key("host");
    // The host object is built elsewhere from host state: dumped with bytes that are not
    // UTF-8 replaced, so no exception leaves this stage, and set in place.
    if (d.live && !d.host.is_null())
        w.raw(d.host.dump(2, ' ', true, nlohmann::json::error_handler_t::replace));
    else
        w.null();
    w.key("inputs");
    w.begin_array();
    for (const auto& in : d.inputs) input_json(w, in);
    w.end_array();
    w.key("policy");
    w.begin_object();
    w.key("source");
    w.value(d.policy_source);
    w.key("assumed");
    w.boolean(d.policy_assumed);
    w.key("booleans");
    w.value_or_null(d.booleans_source);
    w.end_object();
    w.key("time_zone");
    w.value_or_null(d.time_zone);
    w.end_object();
    return w.take() + "\n";
}

}  // namespace why502::render

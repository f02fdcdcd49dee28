// `why502 fix --format ansible`: the least-privilege SELinux changes as a YAML list of
// tasks for a role's tasks/main.yml. Strings are double-quoted YAML with every
// non-ASCII, control, quote and backslash escaped; anything that carries text from a
// log is also tagged !unsafe so Ansible never evaluates it as a Jinja2 template.
#include <set>

#include <fmt/format.h>

#include "base/text.hpp"
#include "render/common.hpp"
#include "render/render.hpp"

namespace why502::render {
namespace {

// Decodes valid UTF-8 (to_valid_utf8 guarantees it) into code points.
template <class F>
void for_each_cp(std::string_view s, F f) {
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
        uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
        for (size_t k = 1; k < n && i + k < s.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        f(cp);
        i += n;
    }
}

// A double-quoted YAML scalar in pure ASCII.
std::string yq(std::string_view raw) {
    std::string s = text::to_valid_utf8(raw);
    std::string out = "\"";
    for_each_cp(s, [&](uint32_t cp) {
        if (cp == '"')
            out += "\\\"";
        else if (cp == '\\')
            out += "\\\\";
        else if (cp >= 0x20 && cp < 0x7F)
            out += static_cast<char>(cp);
        else if (cp < 0x100)
            out += fmt::format("\\x{:02x}", cp);
        else if (cp < 0x10000)
            out += fmt::format("\\u{:04x}", cp);
        else
            out += fmt::format("\\U{:08x}", cp);
    });
    return out + "\"";
}

// Log-derived text: quoted and kept out of Jinja2.
std::string unsafe(std::string_view raw) {
    return "!unsafe " + yq(raw);
}

// Comments stay ASCII like the rest of the file: escaped for a terminal, then any
// remaining non-ASCII byte (valid UTF-8 such as a BOM) as \xNN.
std::string comment(std::string_view s) {
    std::string out = "# ";
    for (char c : text::escape_terminal(s)) {
        auto u = static_cast<unsigned char>(c);
        if (u >= 0x80)
            out += fmt::format("\\x{:02x}", u);
        else
            out += c;
    }
    return out + "\n";
}

struct task_writer {
    std::string out;
    size_t registers = 0;
    std::set<std::string> done;

    void begin(std::string_view name) { out += "- name: " + unsafe(name) + "\n"; }

    void change(const std::string& label, const detail::checked_change& c) {
        if (const auto* b = std::get_if<detail::seboolean_change>(&c)) {
            if (!done.insert("b " + b->name).second) return;
            begin(fmt::format("{}: set SELinux boolean {} {}", label, b->name, b->on ? "on" : "off"));
            out += "  ansible.posix.seboolean:\n";
            out += "    name: " + yq(b->name) + "\n";
            out += fmt::format("    state: {}\n    persistent: true\n", b->on ? "true" : "false");
        } else if (const auto* p = std::get_if<detail::seport_change>(&c)) {
            std::string ports;
            for (const auto& x : p->ports) ports += (ports.empty() ? "" : ",") + x;
            if (!done.insert("p " + p->setype + p->proto + ports).second) return;
            begin(fmt::format("{}: label {} port {} as {}", label, p->proto, ports, p->setype));
            out += "  community.general.seport:\n";
            out += "    ports: " + yq(ports) + "\n";
            out += "    proto: " + yq(p->proto) + "\n";
            out += "    setype: " + yq(p->setype) + "\n";
            out += "    state: present\n";
        } else if (const auto* fc = std::get_if<detail::sefcontext_change>(&c)) {
            if (!done.insert("f " + fc->setype + fc->ftype + fc->target).second) return;
            begin(fmt::format("{}: file context {} for {}", label, fc->setype, fc->target));
            out += "  community.general.sefcontext:\n";
            out += "    target: " + unsafe(fc->target) + "\n";
            out += "    setype: " + yq(fc->setype) + "\n";
            if (!fc->ftype.empty()) out += "    ftype: " + yq(fc->ftype) + "\n";
            out += "    state: present\n";
        } else if (const auto* r = std::get_if<detail::restorecon_change>(&c)) {
            std::string reg = fmt::format("why502_restorecon_{}", ++registers);
            begin(fmt::format("{}: restore the file label of {}", label, r->path));
            // argv, not a command line: the path stays one word whatever it contains.
            out += "  ansible.builtin.command:\n    argv:\n      - restorecon\n";
            out += fmt::format("      - {}\n", r->recursive ? "-Rv" : "-v");
            out += "      - " + unsafe(r->path) + "\n";
            out += "  register: " + reg + "\n";
            out += "  changed_when: \"'Relabeled' in " + reg + ".stdout\"\n";
        } else if (const auto* m = std::get_if<detail::module_change>(&c)) {
            if (!done.insert("m " + m->name).second) return;
            if (m->te.empty()) {
                begin(fmt::format("{}: local policy module {} (source not provided)", label, m->name));
                out += "  ansible.builtin.debug:\n    msg: " +
                       unsafe("install the local policy module " + m->name + " by hand") + "\n";
                return;
            }
            std::string dir = "/var/lib/why502";
            std::string reg = fmt::format("why502_module_{}", ++registers);
            begin(fmt::format("{}: directory for local policy module sources", label));
            out += "  ansible.builtin.file:\n    path: " + yq(dir) +
                   "\n    state: directory\n    mode: \"0700\"\n";
            begin(fmt::format("{}: source of local policy module {}", label, m->name));
            out += "  ansible.builtin.copy:\n    dest: " + yq(dir + "/" + m->name + ".te") + "\n";
            out += "    content: " + unsafe(m->te) + "\n    mode: \"0600\"\n";
            out += "  register: " + reg + "\n";
            auto step = [&](std::string_view what, const std::vector<std::string>& argv) {
                begin(fmt::format("{}: {} {}", label, what, m->name));
                out += "  ansible.builtin.command:\n    argv:\n";
                for (const auto& a : argv) out += "      - " + yq(a) + "\n";
                out += "  when: " + reg + ".changed\n";
            };
            std::string base = dir + "/" + m->name;
            step("compile", {"checkmodule", "-M", "-m", "-o", base + ".mod", base + ".te"});
            step("package", {"semodule_package", "-o", base + ".pp", "-m", base + ".mod"});
            step("install", {"semodule", "-i", base + ".pp"});
        } else if (const auto* man = std::get_if<detail::manual_change>(&c)) {
            begin(fmt::format("{}: manual step for the operator (shown, not run)", label));
            out += "  ansible.builtin.debug:\n    msg:\n";
            // Shown on the operator's terminal by Ansible: made terminal-safe first.
            if (!man->description.empty())
                out += "      - " + unsafe(text::escape_terminal(man->description)) + "\n";
            for (const auto& cmd : man->commands)
                out += "      - " + unsafe("$ " + detail::command_for_terminal(cmd)) + "\n";
            if (man->description.empty() && man->commands.empty()) out += "      - \"(nothing to show)\"\n";
        }
    }
};

}  // namespace

std::string ansible(const diagnose::diagnosis& d, const options& o) {
    task_writer w;
    w.out = "---\n# why502 fix: least-privilege changes as Ansible tasks (a role's tasks/main.yml).\n";
    if (!d.policy_source.empty()) w.out += comment("policy: " + d.policy_source);
    if (d.findings.empty()) {
        w.out += "# No upstream failures found: nothing to change.\n[]\n";
        return w.out;
    }
    size_t index = 0;
    for (const auto& f : d.findings) {
        ++index;
        std::string label = fmt::format("why502 finding {} ({})", index, f.cause);
        w.out += "\n" + comment(fmt::format("{}. {}: {}, upstream {}", index, f.cause, detail::cause_title(f),
                                            detail::upstream_label(f.upstream)));
        const diagnose::fix* best = detail::recommended_fix(f);
        auto emit = [&](const diagnose::fix& x, const std::string& lbl) {
            w.out += comment("fix " + x.id + ": " + x.summary + " (" + detail::fix_proof(x) + ")");
            for (const auto& r : detail::checked_changes(x)) {
                if (!r.ok()) {
                    w.out += comment("skipped: " + r.error().message);
                    continue;
                }
                w.change(lbl, r.value());
            }
        };
        if (best)
            emit(*best, label);
        else
            w.out += comment("no fix proposed");
        if (o.all_fixes) {
            for (const auto& x : f.fixes) {
                if (&x == best) continue;
                // Alternatives grant more privilege: written as commented-out tasks.
                task_writer alt;
                alt.done = w.done;
                alt.registers = w.registers + 100 * index;
                for (const auto& r : detail::checked_changes(x))
                    if (r.ok()) alt.change(label + " alternative " + x.id, r.value());
                w.out += comment("alternative (more privilege), not applied: " + x.id + ": " + x.summary +
                                 " (" + detail::fix_proof(x) + ")");
                size_t start = 0;
                while (start < alt.out.size()) {
                    size_t nl = alt.out.find('\n', start);
                    if (nl == std::string::npos) nl = alt.out.size();
                    w.out += "# " + alt.out.substr(start, nl - start) + "\n";
                    start = nl + 1;
                }
            }
        }
    }
    // A file of only comments is YAML null, not a list: make the empty list explicit.
    if (w.out.find("\n- name: ") == std::string::npos) w.out += "[]\n";
    return w.out;
}

}  // namespace why502::render

// The Ansible tasks are parsed by PyYAML (python3-yaml) — the parser Ansible itself
// uses — with a constructor for Ansible's !unsafe tag that keeps the tag visible, and
// the parsed document is compared with the model value by value.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "render/render.hpp"
#include "samples.hpp"
#include "test_util.hpp"

namespace why502::render {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* loader = R"py(
import json, sys, yaml
class Loader(yaml.SafeLoader):
    pass
def unsafe(loader, node):
    return {"__unsafe__": loader.construct_scalar(node)}
Loader.add_constructor("!unsafe", unsafe)
with open(sys.argv[1], "rb") as f:
    doc = yaml.load(f, Loader=Loader)
json.dump(doc, sys.stdout)
)py";

bool have_yaml() {
    return testing::run(testing::python3() + " -c 'import yaml'").status == 0;
}

// Parses YAML text to JSON through PyYAML; fails the test when it does not parse.
json parse_yaml(const std::string& yaml) {
    auto dir = testing::make_temp_dir("yml");
    testing::write_file(dir / "load.py", loader);
    testing::write_file(dir / "tasks.yml", yaml);
    auto r = testing::run(testing::python3() + " " + testing::q(dir / "load.py") + " " +
                          testing::q(dir / "tasks.yml"));
    fs::remove_all(dir);
    EXPECT_EQ(r.status, 0) << r.output << "\n" << yaml;
    if (r.status != 0) return nullptr;
    return json::parse(r.output);
}

std::string unsafe_value(const json& v) {
    EXPECT_TRUE(v.is_object() && v.contains("__unsafe__"))
        << "log-derived value not tagged !unsafe: " << v.dump();
    return v.is_object() ? v.value("__unsafe__", std::string()) : v.get<std::string>();
}

const std::vector<std::string> modules = {"ansible.posix.seboolean",      "community.general.seport",
                                          "community.general.sefcontext", "ansible.builtin.command",
                                          "ansible.builtin.debug",        "ansible.builtin.copy",
                                          "ansible.builtin.file"};

// Each task: a !unsafe name and exactly one known module.
void expect_tasks(const json& doc) {
    ASSERT_TRUE(doc.is_array()) << doc.dump();
    for (const auto& t : doc) {
        ASSERT_TRUE(t.is_object());
        EXPECT_FALSE(unsafe_value(t.at("name")).empty());
        int n = 0;
        for (const auto& m : modules) n += t.contains(m);
        EXPECT_EQ(n, 1) << t.dump();
    }
}

std::vector<json> tasks_with(const json& doc, const std::string& module) {
    std::vector<json> out;
    for (const auto& t : doc)
        if (t.contains(module)) out.push_back(t[module]);
    return out;
}

TEST(Ansible, TypicalTasks) {
    if (!have_yaml()) GTEST_SKIP() << "python3-yaml not installed";
    auto d = samples::typical();
    std::string y = render::ansible(d, {});
    EXPECT_TRUE(y.starts_with("---\n"));
    json doc = parse_yaml(y);
    expect_tasks(doc);

    auto ports = tasks_with(doc, "community.general.seport");
    ASSERT_EQ(ports.size(), 2u);
    EXPECT_EQ(ports[0],
              json::parse(R"({"ports":"3000","proto":"tcp","setype":"http_port_t","state":"present"})"));
    EXPECT_EQ(ports[1]["ports"], "18080");
    auto bools = tasks_with(doc, "ansible.posix.seboolean");
    ASSERT_EQ(bools.size(), 1u);
    EXPECT_EQ(bools[0], json::parse(R"({"name":"httpd_can_network_relay","state":true,"persistent":true})"));
    auto fc = tasks_with(doc, "community.general.sefcontext");
    ASSERT_EQ(fc.size(), 1u);
    EXPECT_EQ(unsafe_value(fc[0]["target"]), "/srv/app/run/app\\.sock");
    EXPECT_EQ(fc[0]["setype"], "httpd_var_run_t");
    EXPECT_EQ(fc[0]["ftype"], "s");
    EXPECT_EQ(fc[0]["state"], "present");
    // restorecon follows the file context, as argv, and reports a change only when it relabels.
    std::string restorecon_reg;
    for (size_t i = 0; i < doc.size(); ++i) {
        if (!doc[i].contains("ansible.builtin.command")) continue;
        const auto& argv = doc[i]["ansible.builtin.command"]["argv"];
        EXPECT_EQ(argv[0], "restorecon");
        EXPECT_EQ(argv[1], "-v");
        EXPECT_EQ(unsafe_value(argv[2]), "/srv/app/run/app.sock");
        EXPECT_TRUE(doc[i - 1].contains("community.general.sefcontext"));
        restorecon_reg = doc[i]["register"];
        EXPECT_EQ(doc[i]["changed_when"], "'Relabeled' in " + restorecon_reg + ".stdout");
    }
    EXPECT_FALSE(restorecon_reg.empty());
    // The non-SELinux finding: shown, not run.
    auto dbg = tasks_with(doc, "ansible.builtin.debug");
    ASSERT_EQ(dbg.size(), 1u);
    EXPECT_EQ(unsafe_value(dbg[0]["msg"][1]), "$ ss -ltnp 'sport = :8080'");
    // The broad alternative only with all_fixes, and then commented out.
    EXPECT_EQ(y.find("httpd_can_network_connect"), std::string::npos);
    std::string all = render::ansible(d, {.all_fixes = true});
    EXPECT_NE(all.find("#     name: \"httpd_can_network_connect\""), std::string::npos) << all;
    EXPECT_EQ(parse_yaml(all), doc) << "commented alternatives add no task";
}

TEST(Ansible, HostileValuesRoundTripAndAreNeverTemplated) {
    if (!have_yaml()) GTEST_SKIP() << "python3-yaml not installed";
    auto d = samples::hostile();
    for (bool all : {false, true}) {
        std::string y = render::ansible(d, {.all_fixes = all});
        EXPECT_EQ(testing::first_raw_control(y), std::string::npos);
        for (char c : y) EXPECT_TRUE(static_cast<unsigned char>(c) < 0x80 || c == '\n') << "ASCII only";
        json doc = parse_yaml(y);
        expect_tasks(doc);
        auto fc = tasks_with(doc, "community.general.sefcontext");
        ASSERT_EQ(fc.size(), 1u);
        EXPECT_EQ(unsafe_value(fc[0]["target"]), samples::hostile_path()) << "the path arrives byte for byte";
        EXPECT_TRUE(tasks_with(doc, "ansible.posix.seboolean").empty())
            << "the unusable boolean name is skipped";
        EXPECT_TRUE(tasks_with(doc, "community.general.seport").empty());
        auto copies = tasks_with(doc, "ansible.builtin.copy");
        ASSERT_EQ(copies.size(), 1u);
        EXPECT_EQ(unsafe_value(copies[0]["content"]), d.findings[0].fixes[0].changes.back().args.at("te"));
        size_t restorecons = 0;
        for (const auto& t : tasks_with(doc, "ansible.builtin.command")) {
            if (t["argv"][0] != "restorecon") continue;
            ++restorecons;
            EXPECT_EQ(unsafe_value(t["argv"][2]), samples::hostile_path());
        }
        EXPECT_EQ(restorecons, 2u) << "one per finding; the unusable paths are skipped";
    }
}

TEST(Ansible, EveryCauseAndNothingFound) {
    if (!have_yaml()) GTEST_SKIP() << "python3-yaml not installed";
    json doc = parse_yaml(render::ansible(samples::every_cause(), {}));
    expect_tasks(doc);
    EXPECT_EQ(doc.size(), diagnose::all_causes().size()) << "one operator step per finding";
    json empty = parse_yaml(render::ansible(diagnose::diagnosis{}, {}));
    EXPECT_EQ(empty, json::array());
}

}  // namespace
}  // namespace why502::render

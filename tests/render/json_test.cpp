#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/text.hpp"
#include "render/render.hpp"
#include "samples.hpp"
#include "test_util.hpp"

namespace why502::render {
namespace {

using nlohmann::json;

json parse(const diagnose::diagnosis& d) {
    std::string s = render::json(d);
    EXPECT_TRUE(text::is_valid_utf8(s));
    return json::parse(s);  // throws (fails the test) on invalid JSON
}

// Field by field against PRODUCT.md's schema: name and JSON type of every field.
void expect_schema(const json& j) {
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j.at("schema"), "why502/diagnosis@1");
    ASSERT_TRUE(j.at("findings").is_array());
    ASSERT_TRUE(j.at("warnings").is_array());
    for (const auto& w : j["warnings"]) EXPECT_TRUE(w.is_string());
    EXPECT_TRUE(j.contains("host"));
    ASSERT_TRUE(j.at("inputs").is_array());
    EXPECT_TRUE(j.at("policy").is_object());
    for (const auto& f : j["findings"]) {
        EXPECT_TRUE(f.at("cause").is_string());
        EXPECT_TRUE(f.at("title").is_string());
        std::string conf = f.at("confidence");
        EXPECT_TRUE(f.at("confidence").is_string());
        const auto& u = f.at("upstream");
        EXPECT_TRUE(u.at("transport").is_string());
        EXPECT_TRUE(u.at("address").is_string());
        EXPECT_TRUE(u.at("host").is_string());
        EXPECT_TRUE(u.at("port").is_number_integer() || u.at("port").is_null());
        EXPECT_TRUE(u.at("path").is_string() || u.at("path").is_null());
        EXPECT_TRUE(f.at("count").is_number_unsigned());
        EXPECT_TRUE(f.at("first_seen").is_string() || f.at("first_seen").is_null());
        EXPECT_TRUE(f.at("last_seen").is_string() || f.at("last_seen").is_null());
        const auto& s = f.at("selinux");
        if (!s.is_null()) {
            EXPECT_TRUE(s.at("source_type").is_string());
            EXPECT_TRUE(s.at("target_type").is_string());
            EXPECT_TRUE(s.at("class").is_string());
            ASSERT_TRUE(s.at("permissions").is_array());
            for (const auto& p : s["permissions"]) EXPECT_TRUE(p.is_string());
            EXPECT_TRUE(s.at("permissive").is_boolean());
            EXPECT_TRUE(s.at("avc_count").is_number_unsigned());
        }
        for (const auto& e : f.at("evidence")) {
            EXPECT_TRUE(e.at("source").is_string());
            EXPECT_TRUE(e.at("file").is_string() || e.at("file").is_null());
            EXPECT_TRUE(e.at("line").is_number_unsigned() || e.at("line").is_null());
            EXPECT_TRUE(e.at("text").is_string());
        }
        for (const auto& x : f.at("fixes")) {
            EXPECT_TRUE(x.at("id").is_string());
            EXPECT_TRUE(x.at("summary").is_string());
            EXPECT_TRUE(x.at("least_privilege").is_boolean());
            ASSERT_TRUE(x.at("commands").is_array());
            for (const auto& c : x["commands"]) EXPECT_TRUE(c.is_string());
            EXPECT_TRUE(x.at("verified").is_boolean());
            EXPECT_TRUE(x.at("grants").is_number_unsigned() || x.at("grants").is_null());
            if (x.contains("revokes")) {
                EXPECT_TRUE(x["revokes"].is_number_unsigned());
            }
            EXPECT_TRUE(x.at("assumed").is_boolean());
            EXPECT_TRUE(x.at("note").is_string());
        }
        ASSERT_TRUE(f.at("verify").is_array());
        for (const auto& v : f["verify"]) EXPECT_TRUE(v.is_string());
    }
}

TEST(Json, TypicalMatchesSchemaFieldByField) {
    auto d = samples::typical();
    json j = parse(d);
    expect_schema(j);
    EXPECT_EQ(nlohmann::ordered_json::parse(render::json(d)).begin().key(), "schema")
        << "schema is the first key";
    ASSERT_EQ(j["findings"].size(), 5u);

    const auto& f = j["findings"][0];
    EXPECT_EQ(f["cause"], "selinux.name_connect");
    EXPECT_EQ(f["title"], "SELinux denies NGINX the connection to the backend port");
    EXPECT_EQ(f["confidence"], "confirmed");
    EXPECT_EQ(f["upstream"], json::parse(R"({"transport":"tcp","address":"127.0.0.1:3000","host":"127.0.0.1",
                                             "port":3000,"path":null})"));
    EXPECT_EQ(f["count"], 5);
    EXPECT_EQ(f["first_seen"], "2026-07-01T10:14:02Z");
    EXPECT_EQ(f["last_seen"], "2026-07-01T10:20:11.250Z");
    EXPECT_EQ(f["selinux"]["source_type"], "httpd_t");
    EXPECT_EQ(f["selinux"]["target_type"], "ntop_port_t");
    EXPECT_EQ(f["selinux"]["class"], "tcp_socket");
    EXPECT_EQ(f["selinux"]["permissions"], json::array({"name_connect"}));
    EXPECT_EQ(f["selinux"]["permissive"], false);
    EXPECT_EQ(f["selinux"]["avc_count"], 5);
    ASSERT_EQ(f["evidence"].size(), 2u);
    EXPECT_EQ(f["evidence"][0]["source"], "nginx");
    EXPECT_EQ(f["evidence"][0]["file"], "/var/log/nginx/error.log");
    EXPECT_EQ(f["evidence"][0]["line"], 12);
    EXPECT_EQ(f["evidence"][0]["text"], d.findings[0].evidence[0].text);
    ASSERT_EQ(f["fixes"].size(), 2u);
    const auto& x = f["fixes"][0];
    EXPECT_EQ(x["id"], "label-port");
    EXPECT_EQ(x["least_privilege"], true);
    EXPECT_EQ(x["commands"], json(d.findings[0].fixes[0].commands));
    EXPECT_EQ(x["verified"], true);
    EXPECT_EQ(x["grants"], 3);
    EXPECT_EQ(x["revokes"], 2);
    EXPECT_EQ(x["assumed"], false);
    EXPECT_EQ(x["changes"][0]["kind"], "seport");
    EXPECT_EQ(x["changes"][0]["args"]["setype"], "http_port_t");
    EXPECT_FALSE(f["fixes"][1].contains("revokes")) << "revokes only when set";
    EXPECT_EQ(f["fixes"][1]["least_privilege"], false);
    EXPECT_EQ(f["verify"], json(d.findings[0].verify));

    const auto& sock = j["findings"][1];
    EXPECT_EQ(sock["upstream"]["transport"], "unix");
    EXPECT_TRUE(sock["upstream"]["port"].is_null());
    EXPECT_EQ(sock["upstream"]["path"], "/srv/app/run/app.sock");

    const auto& perm = j["findings"][2];
    EXPECT_EQ(perm["count"], 0) << "a denial-only finding has count 0";
    EXPECT_EQ(perm["selinux"]["avc_count"], 3);
    EXPECT_EQ(perm["selinux"]["permissive"], true);
    EXPECT_EQ(perm["fixes"][0]["assumed"], true);
    EXPECT_TRUE(perm["fixes"][0]["grants"].is_null());

    const auto& refused = j["findings"][3];
    EXPECT_TRUE(refused["selinux"].is_null()) << "non-SELinux findings have selinux: null";
    EXPECT_EQ(refused["upstream"]["host"], "::1");

    const auto& named = j["findings"][4];
    EXPECT_EQ(named["upstream"]["address"], "backend");
    EXPECT_EQ(named["upstream"]["host"], "backend");
    EXPECT_TRUE(named["upstream"]["port"].is_null());
    EXPECT_TRUE(named["upstream"]["path"].is_null());
    EXPECT_TRUE(named["first_seen"].is_null());
    EXPECT_TRUE(named["last_seen"].is_null());
    EXPECT_EQ(named["settle"], d.findings[4].settle);

    EXPECT_EQ(j["warnings"], json(d.warnings));
    EXPECT_TRUE(j["host"].is_null()) << "host is null offline";
    EXPECT_EQ(j["inputs"][0]["file"], "/var/log/nginx/error.log");
    EXPECT_EQ(j["inputs"][0]["malformed"], 1);
    EXPECT_EQ(j["inputs"][1]["last"], "2026-07-01T11:05:00Z");
    EXPECT_EQ(j["policy"]["assumed"], false);
    EXPECT_EQ(j["time_zone"], "Europe/Paris");
}

TEST(Json, EveryCauseAndEmpty) {
    json j = parse(samples::every_cause());
    expect_schema(j);
    EXPECT_EQ(j["findings"].size(), diagnose::all_causes().size());
    for (size_t i = 0; i < j["findings"].size(); ++i) {
        EXPECT_EQ(j["findings"][i]["cause"], std::string(diagnose::all_causes()[i].id));
        EXPECT_EQ(j["findings"][i]["title"], std::string(diagnose::all_causes()[i].title));
        EXPECT_EQ(j["findings"][i]["selinux"].is_null(),
                  !j["findings"][i]["cause"].get<std::string>().starts_with("selinux."));
    }
    json e = parse(diagnose::diagnosis{});
    expect_schema(e);
    EXPECT_TRUE(e["findings"].empty());
}

TEST(Json, LiveHostObjectIsCarried) {
    auto d = samples::typical();
    d.live = true;
    d.host = {{"selinux_mode", "enforcing"}, {"nginx_user", "nginx"}, {"odd", std::string("bad\xff")}};
    json j = parse(d);
    EXPECT_EQ(j["host"]["selinux_mode"], "enforcing");
    EXPECT_EQ(j["host"]["nginx_user"], "nginx");
    EXPECT_TRUE(j["host"]["odd"].is_string()) << "invalid UTF-8 in host facts is replaced, not thrown";
}

TEST(Json, HostileStringsStayDataAndValidUtf8) {
    auto d = samples::hostile();
    std::string s = render::json(d);
    EXPECT_TRUE(text::is_valid_utf8(s));
    // nlohmann escapes every control character: none reaches the output raw.
    EXPECT_EQ(testing::first_raw_control(s), std::string::npos);
    json j = json::parse(s);
    expect_schema(j);
    const std::string h = samples::hostile_text();
    const std::string expect = text::to_valid_utf8(h);
    EXPECT_EQ(j["findings"][0]["evidence"][0]["text"], expect);
    EXPECT_EQ(j["findings"][0]["evidence"][0]["file"], expect);
    EXPECT_EQ(j["findings"][0]["upstream"]["path"], expect);
    EXPECT_EQ(j["findings"][0]["selinux"]["permissions"][1], expect);
    EXPECT_EQ(j["findings"][0]["fixes"][0]["changes"][0]["args"]["target"], samples::hostile_path());
    EXPECT_EQ(j["findings"][1]["cause"], expect);
    EXPECT_EQ(j["findings"][1]["title"], expect) << "unknown cause: the id is the title";
    EXPECT_EQ(j["warnings"][0], expect);
    EXPECT_EQ(j["time_zone"], expect);
}

// The document is written directly, in nlohmann's dump(2, ' ', true) layout: so reading
// it with nlohmann and dumping it again must give the same bytes, whatever the strings
// hold (controls, C1, DEL, bidi overrides, characters outside the BMP, invalid UTF-8,
// quotes, backslashes) and with a live host object.
TEST(Json, SameBytesAsNlohmannsDumpOfTheSameDocument) {
    auto same = [](const diagnose::diagnosis& d, const char* what) {
        std::string s = render::json(d);
        std::string again = nlohmann::ordered_json::parse(s).dump(2, ' ', true) + "\n";
        EXPECT_EQ(s, again) << what;
    };
    same(samples::typical(), "typical");
    same(samples::every_cause(), "every cause");
    same(diagnose::diagnosis{}, "empty");
    auto h = samples::hostile();
    h.warnings.push_back(std::string("del\x7f c1\xc2\x85 bidi\xe2\x80\xae emoji\xf0\x9f\x98\x80 nul") + '\0');
    h.findings[0].facts["k\x01\"\\"] = "\b\f\n\r\t\x1f\xff\xfe";
    same(h, "hostile");
    auto live = samples::typical();
    live.live = true;
    live.host = {
        {"selinux_mode", "enforcing"},
        {"sockets", {{{"path", "/run/a.sock"}, {"mode", 420}}, {{"path", "b\xe2\x80\xae"}, {"mode", 384}}}},
        {"empty", nlohmann::json::object()},
        {"none", nlohmann::json::array()},
        {"odd", std::string("bad\xff")}};
    same(live, "live host");
}

}  // namespace
}  // namespace why502::render

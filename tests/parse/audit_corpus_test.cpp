// The audit parser against oracles, on logs of realistic size:
//  - gen_audit.py's ground truth (--stats) for a few-MB RHEL-like log, RAW and ENRICHED;
//  - libauparse, record by record (every AVC / USER_AVC it sees, field by field);
//  - parallel selection: select_audit_lines over chunks cut at many offsets (also inside
//    multi-record events) gives exactly the denials of feeding every line, in the raw,
//    ENRICHED, ausearch -i, kernel and journald forms;
//  - the real `ausearch -i` (a fixture it made, and a fresh run when it is installed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/time.hpp"
#include "parse/audit.hpp"

#ifdef WHY502_HAVE_AUPARSE
#include <auparse.h>
#endif

namespace why502::parse {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- helpers

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        out.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

// timeutil::local_to_utc_ms caches the offset of the last hour it converted and
// set_input_zone does not reset that cache: after a zone change, convert a far-away
// stamp so that the next conversion is computed in the new zone.
void use_zone(const char* zone) {
    ASSERT_TRUE(timeutil::set_input_zone(zone).ok());
    (void)timeutil::local_to_utc_ms({2001, 1, 1, 0, 0, 0, 0});
}

std::vector<avc_denial> feed_all(std::string_view text, audit_parse_context ctx = {}) {
    audit_event_builder b(ctx);
    std::vector<avc_denial> out;
    uint64_t n = 0;
    for (auto line : split_lines(text)) {
        b.feed(line, ++n);
        for (auto& d : b.take()) out.push_back(std::move(d));
    }
    b.finish();
    for (auto& d : b.take()) out.push_back(std::move(d));
    return out;
}

// Chunks end at line boundaries: `cuts` are byte offsets, each moved to the next line start.
std::vector<avc_denial> feed_chunks(std::string_view text, std::vector<size_t> cuts, size_t* kept_lines,
                                    audit_parse_context ctx = {}) {
    std::vector<size_t> starts{0};
    std::sort(cuts.begin(), cuts.end());
    for (size_t c : cuts) {
        if (c == 0 || c >= text.size()) continue;
        if (text[c - 1] != '\n') {
            size_t nl = text.find('\n', c);
            if (nl == std::string_view::npos) continue;
            c = nl + 1;
        }
        if (c < text.size() && c > starts.back()) starts.push_back(c);
    }
    starts.push_back(text.size());
    audit_event_builder b(ctx);
    audit_selection_feeder feeder(b);
    std::vector<avc_denial> out;
    uint64_t first_line = 1;
    *kept_lines = 0;
    for (size_t i = 0; i + 1 < starts.size(); ++i) {
        std::string_view chunk = text.substr(starts[i], starts[i + 1] - starts[i]);
        audit_selection sel;
        select_audit_lines(chunk, first_line, sel);
        *kept_lines += sel.lines.size();
        feeder.feed(std::move(sel));
        for (auto& d : b.take()) out.push_back(std::move(d));
        first_line += static_cast<uint64_t>(std::count(chunk.begin(), chunk.end(), '\n'));
    }
    feeder.finish();
    for (auto& d : b.take()) out.push_back(std::move(d));
    return out;
}

std::string perms_of(const avc_denial& d) {
    std::string p;
    for (const auto& s : d.permissions) p += (p.empty() ? "" : ",") + s;
    return p;
}

// Every field, so that vectors of these compare whole denials and show the difference.
std::string describe(const avc_denial& d, bool with_origin = true) {
    std::ostringstream o;
    o << d.record_type << '|' << d.node << '|' << d.time_ms << '|' << d.serial << '|' << d.denied << '|'
      << perms_of(d) << "|pid=" << d.pid << "|comm=" << d.comm << "|exe=" << d.exe << '|' << d.scontext << '|'
      << d.tcontext << '|' << d.tclass << '|' << d.source_type << '|' << d.target_type
      << "|permissive=" << d.permissive << "|dest=" << d.dest_port << "|src=" << d.src_port << '|' << d.laddr
      << ':' << d.lport << '|' << d.faddr << ':' << d.fport << "|path=" << d.path << "|name=" << d.name
      << "|dev=" << d.dev << "|ino=" << d.ino << "|saddr=" << d.saddr_host << ':' << d.saddr_port << ':'
      << d.saddr_path << "|syscall=" << d.syscall << "|exit=" << d.exit_code << "|success=" << d.success
      << "|proctitle=" << d.proctitle;
    if (with_origin) o << "|uid=" << d.uid << "|line=" << d.line << "|text=" << d.text;
    return o.str();
}

std::vector<std::string> describe_all(const std::vector<avc_denial>& ds, bool with_origin = true) {
    std::vector<std::string> out;
    for (const auto& d : ds) out.push_back(describe(d, with_origin));
    return out;
}

// Cut offsets: fixed sizes, pseudo-random sizes, and right before/after every denial
// line (inside its multi-record event).
std::vector<std::vector<size_t>> cut_plans(std::string_view text, uint32_t seed) {
    std::vector<std::vector<size_t>> plans;
    for (size_t size : {size_t{700}, size_t{4096}, size_t{65536}, size_t{1} << 20}) {
        std::vector<size_t> c;
        for (size_t o = size; o < text.size(); o += size) c.push_back(o);
        plans.push_back(c);
    }
    std::mt19937 rng(seed);
    std::vector<size_t> random_cuts;
    for (size_t o = 0; o < text.size();) {
        o += 1 + rng() % 20000;
        random_cuts.push_back(o);
    }
    plans.push_back(random_cuts);
    std::vector<size_t> before, after;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        size_t end = nl == std::string_view::npos ? text.size() : nl;
        audit_line_peek p;
        if (peek_audit_line(text.substr(pos, end - pos), p) && p.cls == audit_type_class::denial) {
            before.push_back(pos);
            after.push_back(end + 1);
        }
        pos = end + 1;
    }
    plans.push_back(before);
    plans.push_back(after);
    return plans;
}

// `selective`: lines of forms with serials are kept only near a denial of the same
// event; journald lines (no serial) near any denial, so that check is left out there.
void expect_chunked_equals_sequential(const std::string& what, std::string_view text, audit_parse_context ctx,
                                      size_t min_denials, bool selective = true) {
    auto full = describe_all(feed_all(text, ctx));
    ASSERT_GE(full.size(), min_denials) << what;
    size_t total_lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
    int plan_no = 0;
    for (const auto& cuts : cut_plans(text, 17)) {
        size_t kept = 0;
        auto chunked = describe_all(feed_chunks(text, cuts, &kept, ctx));
        EXPECT_EQ(chunked, full) << what << ", plan " << plan_no << " (" << cuts.size() << " cuts)";
        // With chunks much longer than the edge windows, selection must drop most lines.
        if (selective && (cuts.size() + 1) * 2 * audit_event_window * 8 < total_lines) {
            EXPECT_LT(kept * 4, total_lines) << what << ": kept " << kept << " of " << total_lines;
        }
        ++plan_no;
    }
}

// ---------------------------------------------------------------- generated corpus

std::string generator_path() {
    if (const char* env = std::getenv("WHY502_GEN_AUDIT")) return env;
    for (std::string p : {std::string(WHY502_SOURCE_DIR) + "/bench/gen_audit.py",
                          std::string(WHY502_SOURCE_DIR) + "/../shared/bench/gen_audit.py",
                          std::string("/work/shared/bench/gen_audit.py")})
        if (fs::exists(p)) return p;
    return {};
}

struct generated_log {
    std::string path;
    std::string text;
    nlohmann::json stats;
};

struct corpus {
    bool ok = false;
    std::string why;
    fs::path dir;
    generated_log raw, enriched;
};

const corpus& get_corpus() {
    static corpus c = [] {
        corpus k;
        std::string gen = generator_path();
        if (gen.empty()) {
            k.why = "gen_audit.py not found (set WHY502_GEN_AUDIT)";
            return k;
        }
        char tmpl[] = "/tmp/why502_audit_XXXXXX";
        if (!mkdtemp(tmpl)) {
            k.why = "mkdtemp failed";
            return k;
        }
        k.dir = tmpl;
        auto make = [&](generated_log& g, const char* name, const char* extra, int seed) {
            g.path = (k.dir / name).string();
            std::string stats = g.path + ".stats.json";
            std::string cmd = "python3 '" + gen + "' -s 4M -o '" + g.path + "' --seed " +
                              std::to_string(seed) + " --stats '" + stats + "' " + extra + " 2>/dev/null";
            if (std::system(cmd.c_str()) != 0) return false;
            g.text = read_file(g.path);
            g.stats = nlohmann::json::parse(read_file(stats), nullptr, false);
            return !g.text.empty() && g.stats.is_object();
        };
        if (!make(k.raw, "raw.log", "--raw-format", 11) || !make(k.enriched, "enriched.log", "", 12)) {
            k.why = "running gen_audit.py failed";
            return k;
        }
        k.ok = true;
        return k;
    }();
    return c;
}

#define NEED_CORPUS()                 \
    const corpus& C = get_corpus();   \
    if (!C.ok) GTEST_SKIP() << C.why; \
    use_zone("UTC")

class AuditCorpus : public ::testing::Test {
public:
    static void TearDownTestSuite() {
        const corpus& c = get_corpus();
        if (!c.dir.empty()) {
            std::error_code ec;
            fs::remove_all(c.dir, ec);
        }
    }
};

void expect_ground_truth(const generated_log& g, const std::vector<avc_denial>& ds) {
    const auto& s = g.stats;
    auto count = [&](auto pred) { return static_cast<int64_t>(std::count_if(ds.begin(), ds.end(), pred)); };
    auto nginx = [](const avc_denial& d) { return d.record_type == "AVC" && d.comm == "nginx"; };
    auto has = [](const avc_denial& d, const char* perm) {
        return std::find(d.permissions.begin(), d.permissions.end(), perm) != d.permissions.end();
    };
    EXPECT_EQ(count([](auto& d) { return d.record_type == "AVC"; }), s["avc_records"].get<int64_t>());
    EXPECT_EQ(count([](auto& d) { return d.record_type == "USER_AVC"; }),
              s["user_avc_denied"].get<int64_t>());
    EXPECT_EQ(count(nginx), s["avc_records_nginx_comm"].get<int64_t>());
    EXPECT_EQ(count([&](auto& d) { return nginx(d) && d.tclass == "tcp_socket" && has(d, "name_connect"); }),
              s["nginx_name_connect_tcp"].get<int64_t>());
    EXPECT_EQ(
        count([&](auto& d) { return nginx(d) && d.tclass == "unix_stream_socket" && has(d, "connectto"); }),
        s["nginx_connectto_unix"].get<int64_t>());
    EXPECT_EQ(count([&](auto& d) { return nginx(d) && d.tclass == "sock_file" && has(d, "write"); }),
              s["nginx_sock_file_write"].get<int64_t>());
    EXPECT_EQ(count([](auto& d) { return d.comm == "php-fpm" && d.source_type == "httpd_t"; }),
              s["phpfpm_httpd_t"].get<int64_t>());
    EXPECT_EQ(count([](auto& d) { return d.permissive == 1; }), s["permissive1_avc"].get<int64_t>());
    EXPECT_EQ(static_cast<int64_t>(ds.size()), s["lines_with_avc_denied_string"].get<int64_t>());
    // What the diagnosis needs from every nginx denial: the worker, its exe (SYSCALL),
    // and where it connected (dest= or the SOCKADDR).
    for (const auto& d : ds) {
        if (!nginx(d)) continue;
        EXPECT_EQ(d.exe, "/usr/sbin/nginx") << d.text;
        EXPECT_NE(d.pid, 0u) << d.text;
        EXPECT_EQ(d.source_type, "httpd_t") << d.text;
        if (d.tclass == "tcp_socket" && has(d, "name_connect")) {
            EXPECT_EQ(d.saddr_port, d.dest_port) << d.text;
            EXPECT_EQ(d.syscall, 42) << d.text;
        }
        if (d.tclass == "sock_file" || d.tclass == "unix_stream_socket") {
            EXPECT_TRUE(d.path.starts_with("/")) << d.text;
            EXPECT_EQ(d.path, d.saddr_path) << d.text;
        }
        EXPECT_TRUE(d.proctitle.starts_with("nginx: ")) << d.text;
    }
}

TEST_F(AuditCorpus, GroundTruthRaw) {
    NEED_CORPUS();
    expect_ground_truth(C.raw, feed_all(C.raw.text));
}

TEST_F(AuditCorpus, GroundTruthEnriched) {
    NEED_CORPUS();
    auto ds = feed_all(C.enriched.text);
    expect_ground_truth(C.enriched, ds);
    // ENRICHED and RAW give the same fields: the enriched part never shadows raw ones.
    for (const auto& d : ds) {
        if (d.comm == "nginx") {
            EXPECT_EQ(d.uid, d.pid == 2840 ? 0u : 997u) << d.text;  // master runs as root
        }
    }
}

#ifdef WHY502_HAVE_AUPARSE
// What auparse says about every AVC / USER_AVC record, keyed by its line number.
struct oracle_record {
    std::string type, result, perms, pid, comm, scontext, tcontext, tclass, permissive, dest, path, name;
    int64_t time_ms = 0;
    uint64_t serial = 0;
    // event context
    std::string exe, syscall, saddr_path, saddr_host, saddr_port, proctitle, path_name;
};

std::map<std::string, std::pair<std::string, std::string>> record_fields(auparse_state_t* au) {
    std::map<std::string, std::pair<std::string, std::string>> f;  // name -> (raw, interpreted)
    if (auparse_first_field(au) <= 0) return f;
    do {
        const char* n = auparse_get_field_name(au);
        const char* raw = auparse_get_field_str(au);
        if (!n || !raw || f.count(n)) continue;
        const char* in = auparse_interpret_field(au);
        f[n] = {raw, in ? in : raw};
    } while (auparse_next_field(au) > 0);
    return f;
}

std::string between(const std::string& s, const std::string& key) {
    size_t p = s.find(key);
    if (p == std::string::npos) return {};
    p += key.size();
    size_t e = s.find_first_of(" }", p);
    return s.substr(p, e == std::string::npos ? std::string::npos : e - p);
}

std::map<unsigned, oracle_record> read_with_auparse(const std::string& path) {
    std::map<unsigned, oracle_record> out;
    auparse_state_t* au = auparse_init(AUSOURCE_FILE, path.c_str());
    if (!au) return out;
    while (auparse_next_event(au) > 0) {
        int64_t ms = static_cast<int64_t>(auparse_get_time(au)) * 1000 + auparse_get_milli(au);
        uint64_t serial = auparse_get_serial(au);
        std::vector<unsigned> lines;
        oracle_record ctx;
        if (auparse_first_record(au) <= 0) continue;
        do {
            std::string type = auparse_get_type_name(au) ? auparse_get_type_name(au) : "";
            auto f = record_fields(au);
            auto raw = [&](const char* k) { return f.count(k) ? f[k].first : std::string(); };
            auto interp = [&](const char* k) { return f.count(k) ? f[k].second : std::string(); };
            if (type == "AVC" || type == "USER_AVC") {
                unsigned line = auparse_get_line_number(au);
                oracle_record& r = out[line];
                r.type = type;
                r.time_ms = ms;
                r.serial = serial;
                r.result = raw("seresult");
                r.perms = raw("seperms");
                r.pid = raw("pid");
                r.comm = interp("comm");
                r.scontext = raw("scontext");
                r.tcontext = raw("tcontext");
                r.tclass = raw("tclass");
                r.permissive = raw("permissive");
                r.dest = raw("dest");
                r.path = interp("path");
                r.name = interp("name");
                lines.push_back(line);
            } else if (type == "SYSCALL") {
                ctx.exe = interp("exe");
                ctx.syscall = raw("syscall");
            } else if (type == "SOCKADDR") {
                std::string s = interp("saddr");
                ctx.saddr_path = between(s, "path=");
                ctx.saddr_host = between(s, "laddr=");
                ctx.saddr_port = between(s, "lport=");
            } else if (type == "PROCTITLE") {
                ctx.proctitle = interp("proctitle");
            } else if (type == "PATH" && ctx.path_name.empty()) {
                ctx.path_name = interp("name");
            }
        } while (auparse_next_record(au) > 0);
        for (unsigned l : lines) {
            oracle_record& r = out[l];
            r.exe = ctx.exe;
            r.syscall = ctx.syscall;
            r.saddr_path = ctx.saddr_path;
            r.saddr_host = ctx.saddr_host;
            r.saddr_port = ctx.saddr_port;
            r.proctitle = ctx.proctitle;
            r.path_name = ctx.path_name;
        }
    }
    auparse_destroy(au);
    return out;
}

void expect_same_as_auparse(const generated_log& g) {
    auto oracle = read_with_auparse(g.path);
    auto ours = feed_all(g.text);
    ASSERT_FALSE(oracle.empty());
    size_t compared = 0;
    for (const auto& d : ours) {
        auto it = oracle.find(static_cast<unsigned>(d.line));
        ASSERT_NE(it, oracle.end()) << "auparse has no AVC at line " << d.line << ": " << d.text;
        const oracle_record& o = it->second;
        SCOPED_TRACE(d.text);
        EXPECT_EQ(d.record_type, o.type);
        EXPECT_EQ(d.time_ms, o.time_ms);
        EXPECT_EQ(d.serial, o.serial);
        EXPECT_EQ(std::to_string(d.pid), o.pid);
        EXPECT_EQ(d.scontext, o.scontext);
        EXPECT_EQ(d.tcontext, o.tcontext);
        EXPECT_EQ(d.tclass, o.tclass);
        EXPECT_EQ(std::to_string(d.permissive), o.permissive);
        if (d.record_type == "AVC") {
            EXPECT_EQ(d.denied ? "denied" : "granted", o.result);
            EXPECT_EQ(perms_of(d), o.perms);
            EXPECT_EQ(d.comm, o.comm);
            EXPECT_EQ(d.dest_port, o.dest.empty() ? -1 : std::stoi(o.dest));
            EXPECT_EQ(d.name, o.name);
            std::string path = !o.path.empty() ? o.path : !o.saddr_path.empty() ? o.saddr_path : o.path_name;
            EXPECT_EQ(d.path, path);
            EXPECT_EQ(d.exe, o.exe);
            EXPECT_EQ(std::to_string(d.syscall), o.syscall);
            EXPECT_EQ(d.saddr_path, o.saddr_path);
            EXPECT_EQ(d.saddr_host, o.saddr_host);
            EXPECT_EQ(d.saddr_port, o.saddr_port.empty() ? -1 : std::stoi(o.saddr_port));
            EXPECT_EQ(d.proctitle, o.proctitle);
        }
        ++compared;
    }
    // And nothing auparse saw is missing.
    EXPECT_EQ(compared, oracle.size());
    EXPECT_GT(compared, 50u);
}

TEST_F(AuditCorpus, SameAsLibauparseRaw) {
    NEED_CORPUS();
    expect_same_as_auparse(C.raw);
}

TEST_F(AuditCorpus, SameAsLibauparseEnriched) {
    NEED_CORPUS();
    expect_same_as_auparse(C.enriched);
}
#endif

TEST_F(AuditCorpus, ChunkedSelectionEqualsSequentialRaw) {
    NEED_CORPUS();
    expect_chunked_equals_sequential("raw", C.raw.text, {}, 50);
}

TEST_F(AuditCorpus, ChunkedSelectionEqualsSequentialEnriched) {
    NEED_CORPUS();
    expect_chunked_equals_sequential("enriched", C.enriched.text, {}, 50);
}

// The same log as the kernel prints it to the console, and as journald shows it.
std::string to_kernel_form(std::string_view text) {
    std::string out;
    uint64_t n = 0;
    for (auto line : split_lines(text)) {
        audit_record r;
        if (parse_audit_line(line, {}, r) != match::yes) continue;
        unsigned number = 0;
        for (unsigned k = 1000; k < 3000 && !number; ++k)
            if (audit_type_name(k) == r.type) number = k;
        if (!number) continue;  // user-space types the kernel form never shows
        size_t open = line.find("audit(");
        size_t close = line.find(')', open);
        out += "[" + std::to_string(1000 + n++ / 1000) + ".123456] audit: type=" + std::to_string(number) +
               " " + std::string(line.substr(open, close - open + 1)) + ": " + std::string(r.body) + "\n";
    }
    return out;
}

std::string to_journald_form(std::string_view text) {
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::string out;
    for (auto line : split_lines(text)) {
        audit_record r;
        if (parse_audit_line(line, {}, r) != match::yes) continue;
        timeutil::civil c = timeutil::civil_from_utc_ms(r.time_ms);
        char stamp[32];
        std::snprintf(stamp, sizeof stamp, "%s %2d %02d:%02d:%02d", months[c.month - 1], c.day, c.hour,
                      c.minute, c.second);
        std::string_view pid;
        audit_field_raw(r.body, "pid", pid);  // journald takes _PID from the record's pid=
        out += std::string(stamp) + " web1 audit" + (pid.empty() ? "" : "[" + std::string(pid) + "]") + ": " +
               std::string(r.type) + " " + std::string(r.body) + "\n";
    }
    return out;
}

TEST_F(AuditCorpus, KernelFormGivesTheSameDenials) {
    NEED_CORPUS();
    std::string k = to_kernel_form(C.raw.text.substr(0, 1 << 20));
    auto raw_ds = feed_all(C.raw.text.substr(0, C.raw.text.rfind('\n', 1 << 20) + 1));
    auto kernel_ds = feed_all(k);
    auto kernel_only = [](std::vector<avc_denial> v) {
        // The kernel form has no USER_AVC here (user-space types are not re-printed).
        std::erase_if(v, [](const avc_denial& d) { return d.record_type == "USER_AVC"; });
        return describe_all(v, false);
    };
    EXPECT_EQ(kernel_only(kernel_ds), kernel_only(raw_ds));
    expect_chunked_equals_sequential("kernel", k, {}, 20);
}

TEST_F(AuditCorpus, JournaldFormGroupsLikeSerials) {
    NEED_CORPUS();
    audit_parse_context ctx;
    ctx.reference_ms = timeutil::utc_ms_from_civil({2026, 7, 15, 0, 0, 0, 0});
    std::string cut = C.raw.text.substr(0, C.raw.text.rfind('\n', 1 << 20) + 1);
    std::string j = to_journald_form(cut);
    auto raw_ds = feed_all(cut);
    auto j_ds = feed_all(j, ctx);
    ASSERT_EQ(j_ds.size(), raw_ds.size());
    for (size_t i = 0; i < raw_ds.size(); ++i) {
        // journald drops the serial and the milliseconds; the rest must match.
        avc_denial expect = raw_ds[i];
        expect.serial = 0;
        expect.time_ms -= expect.time_ms % 1000;
        EXPECT_EQ(describe(j_ds[i], false), describe(expect, false));
    }
    expect_chunked_equals_sequential("journald", j, ctx, 20, false);
}

// ---------------------------------------------------------------- ausearch -i

std::string fixture(const char* name) {
    return std::string(WHY502_SOURCE_DIR) + "/tests/fixtures/audit/" + name;
}

// Fields both forms carry. `ausearch -i` prints user names for uids (from the host that
// ran it) and an event's records last to first, so uid and order are left out.
std::vector<std::string> comparable(const std::vector<avc_denial>& ds) {
    std::vector<std::string> out = describe_all(ds, false);
    std::sort(out.begin(), out.end());
    return out;
}

TEST(AuditAusearch, InterpretedFixtureParsesToTheRawDenials) {
    // Made with: TZ=Europe/Paris ausearch -if raw_rhel9.log -i > ausearch_i_paris.log
    use_zone("UTC");
    auto raw = feed_all(read_file(fixture("raw_rhel9.log")));
    use_zone("Europe/Paris");
    auto interpreted = feed_all(read_file(fixture("ausearch_i_paris.log")));
    ASSERT_EQ(raw.size(), 23u);
    EXPECT_EQ(comparable(interpreted), comparable(raw));
    // Read in the wrong zone, every stamp is off by the zone's offset.
    use_zone("UTC");
    auto wrong = feed_all(read_file(fixture("ausearch_i_paris.log")));
    ASSERT_EQ(wrong.size(), raw.size());
    EXPECT_EQ(wrong[0].time_ms - 2 * 3600 * 1000, raw[0].time_ms);
}

TEST(AuditAusearch, FreshRunOfTheRealTool) {
    const char* tool = "/usr/sbin/ausearch";
    if (!fs::exists(tool)) GTEST_SKIP() << "ausearch not installed";
    char tmpl[] = "/tmp/why502_ausearch_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    fs::path dir = tmpl;
    std::string raw_path = fixture("raw_rhel9.log");
    for (const char* zone : {"America/New_York", "Asia/Kolkata"}) {
        std::string out = (dir / "i.log").string();
        std::string cmd = std::string("TZ=") + zone + " LC_ALL=C " + tool + " -if '" + raw_path + "' -i > '" +
                          out + "' 2>/dev/null";
        ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
        use_zone("UTC");
        auto raw = feed_all(read_file(raw_path));
        use_zone(zone);
        std::string text = read_file(out);
        auto interpreted = feed_all(text);
        EXPECT_EQ(comparable(interpreted), comparable(raw)) << zone;
        expect_chunked_equals_sequential(std::string("ausearch -i ") + zone, text, {}, 20);
        // `ausearch --raw` gives the records back as they were.
        cmd = std::string(tool) + " -if '" + raw_path + "' --raw > '" + out + "' 2>/dev/null";
        ASSERT_EQ(std::system(cmd.c_str()), 0);
        auto again = feed_all(read_file(out));
        EXPECT_EQ(comparable(again), comparable(raw));
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
}

TEST_F(AuditCorpus, AusearchInterpretedOfEnrichedCorpus) {
    NEED_CORPUS();
    const char* tool = "/usr/sbin/ausearch";
    if (!fs::exists(tool)) GTEST_SKIP() << "ausearch not installed";
    std::string out = (C.dir / "enriched_i.log").string();
    std::string cmd = std::string("TZ=Europe/Paris LC_ALL=C ") + tool + " -if '" + C.enriched.path +
                      "' -i > '" + out + "' 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    use_zone("Europe/Paris");
    auto interpreted = feed_all(read_file(out));
    use_zone("UTC");
    auto raw = feed_all(C.enriched.text);
    // The enriched log's nginx uid 997 has a name in the log itself (UID="nginx"), so
    // ausearch prints it: compare without uid and order again.
    EXPECT_EQ(comparable(interpreted), comparable(raw));
}

// Prefixed forms take the selector's general path (the stamp is not at the start):
// `node=NAME ` from a multi-host aggregator, and the `file:` of `grep -r`.
TEST_F(AuditCorpus, ChunkedSelectionEqualsSequentialPrefixed) {
    NEED_CORPUS();
    const std::string_view part = std::string_view(C.raw.text).substr(0, C.raw.text.rfind('\n', 1 << 20) + 1);
    std::string node, grep;
    for (auto line : split_lines(part)) {
        node += "node=web1 " + std::string(line) + "\n";
        grep += "/var/log/audit/audit.log:" + std::string(line) + "\n";
    }
    expect_chunked_equals_sequential("node", node, {}, 20);
    expect_chunked_equals_sequential("grep", grep, {}, 20);
}

}  // namespace
}  // namespace why502::parse

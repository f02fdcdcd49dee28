// Policy engine benchmark: load a binary policy and answer every policy question of one
// diagnosis (the classic web-proxy findings: three name_connect ports, a socket file,
// a unix socket), against the budget of 100 ms, and beside audit2why run on two
// denials of the same policy, measured in the same run.
//
// Usage: bench_policy [POLICY] [ROUNDS]   (default Debian's policy.33, 10 rounds)
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "base/text.hpp"
#include "diagnose/selinux_fixes.hpp"
#include "policy/policy.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t0) {
    return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

// CPU time of this process, and of its waited-for children: on a shared machine the
// wall clock measures the neighbours too.
double cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}
double children_cpu_ms() {
    rusage ru{};
    getrusage(RUSAGE_CHILDREN, &ru);
    auto ms = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3;
    };
    return ms(ru.ru_utime) + ms(ru.ru_stime);
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// The policy questions a diagnosis of these findings asks, through the same entry
// point the diagnose stage uses. Returns the number of fixes built (kept live).
size_t one_diagnosis(const why502::policy::policy_view& p) {
    using why502::diagnose::selinux_case;
    const selinux_case cases[] = {
        {"selinux.name_connect",
         "httpd_t",
         "ntop_port_t",
         "tcp_socket",
         {"name_connect"},
         "tcp",
         3000,
         "",
         "",
         true},
        {"selinux.name_connect",
         "httpd_t",
         "http_cache_port_t",
         "tcp_socket",
         {"name_connect"},
         "tcp",
         8080,
         "",
         "",
         true},
        {"selinux.name_connect",
         "httpd_t",
         "unreserved_port_t",
         "tcp_socket",
         {"name_connect"},
         "tcp",
         18080,
         "",
         "",
         true},
        {"selinux.socket_file_label",
         "httpd_t",
         "var_run_t",
         "sock_file",
         {"write"},
         "tcp",
         -1,
         "/run/app/app.sock",
         "unconfined_t",
         true},
        {"selinux.unix_socket_connect",
         "httpd_t",
         "unconfined_t",
         "unix_stream_socket",
         {"connectto"},
         "tcp",
         -1,
         "/run/app/app.sock",
         "unconfined_t",
         true},
    };
    size_t n = 0;
    std::vector<std::string> warnings;
    for (auto& c : cases) {
        // What diagnose asks before building fixes: the port's type and the decision.
        if (c.port >= 0) (void)p.port_type("tcp", c.port);
        (void)p.allowed({c.source_type, c.target_type, c.tclass, c.permissions.front()});
        n += why502::diagnose::build_selinux_fixes(p, c, warnings).size();
    }
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    std::string policy_path = argc > 1 ? argv[1] : "/etc/selinux/default/policy/policy.33";
    int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 10;
    struct stat st {};
    if (::stat(policy_path.c_str(), &st) != 0) {
        std::fprintf(stderr, "bench_policy: %s: no such policy (install selinux-policy-default)\n",
                     why502::text::escape_terminal(policy_path).c_str());
        return 2;
    }
#ifdef NDEBUG
    const char* build = "optimised build";
#else
    const char* build = "Debug build (unoptimised: a Release build is ~2x faster)";
#endif
    std::printf("policy: %s (%lld bytes), %d rounds, %s\n", policy_path.c_str(),
                static_cast<long long>(st.st_size), rounds, build);

    std::vector<double> load_ms, query_ms, total_ms, total_cpu;
    size_t fixes = 0;
    for (int i = 0; i < rounds; ++i) {
        double c0 = cpu_ms();
        auto t0 = clock_type::now();
        auto loaded = why502::policy::load_binary(policy_path);
        if (!loaded) {
            std::fprintf(stderr, "bench_policy: %s\n", loaded.error().message.c_str());
            return 2;
        }
        double l = ms_since(t0);
        auto t1 = clock_type::now();
        fixes = one_diagnosis(**loaded);
        double q = ms_since(t1);
        load_ms.push_back(l);
        query_ms.push_back(q);
        total_ms.push_back(l + q);
        total_cpu.push_back(cpu_ms() - c0);
    }
    double load = median(load_ms), query = median(query_ms), total = median(total_ms);
    std::printf("why502  load          median %7.1f ms  (%.1f MB/s)\n", load,
                static_cast<double>(st.st_size) / 1e6 / (load / 1e3));
    std::printf("why502  5 findings    median %7.1f ms  (%zu fixes built, verified, counted)\n", query,
                fixes);
    double cpu = median(total_cpu);
    std::printf("why502  load+queries  median %7.1f ms  min %.1f ms  cpu %.1f ms  budget 100 ms: %s\n", total,
                *std::min_element(total_ms.begin(), total_ms.end()), cpu, total < 100.0 ? "within" : "OVER");

    // The peer: audit2why explaining two denials from the same policy file.
    std::string avc = "/tmp/bench_policy_avc." + std::to_string(getpid());
    {
        std::ofstream out(avc);
        out << "type=AVC msg=audit(1782900842.123:501): avc:  denied  { name_connect } for  pid=1234 "
               "comm=\"nginx\" "
               "dest=18080 scontext=system_u:system_r:httpd_t:s0 "
               "tcontext=system_u:object_r:unreserved_port_t:s0 "
               "tclass=tcp_socket permissive=0\n"
               "type=AVC msg=audit(1782900843.123:502): avc:  denied  { name_connect } for  pid=1234 "
               "comm=\"nginx\" "
               "dest=3000 scontext=system_u:system_r:httpd_t:s0 tcontext=system_u:object_r:ntop_port_t:s0 "
               "tclass=tcp_socket permissive=0\n";
    }
    std::string cmd = "audit2why -p " + why502::text::shell_quote(policy_path) + " -i " +
                      why502::text::shell_quote(avc) + " >/dev/null 2>&1";
    if (std::system("command -v audit2why >/dev/null 2>&1") == 0) {
        std::vector<double> peer, peer_cpu;
        int peer_rounds = std::min(rounds, 3);
        int rc = 0;
        for (int i = 0; i < peer_rounds; ++i) {
            double c0 = children_cpu_ms();
            auto t0 = clock_type::now();
            rc = std::system(cmd.c_str());
            peer.push_back(ms_since(t0));
            peer_cpu.push_back(children_cpu_ms() - c0);
        }
        double p = median(peer), pc = median(peer_cpu);
        std::printf(
            "audit2why 2 denials   median %7.1f ms  cpu %.1f ms  (exit %d; why502 is %.1fx faster by wall, "
            "%.1fx by cpu)\n",
            p, pc, WEXITSTATUS(rc), p / total, pc / cpu);
    } else {
        std::printf("audit2why: not installed, no comparison\n");
    }
    std::remove(avc.c_str());
    return 0;
}

#include "diagnose/evidence.hpp"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <tuple>

#include <fmt/format.h>

namespace why502::diagnose {

void sample_set::offer(uint32_t file, uint64_t line, std::string_view text) {
    sample_line s{file, line, {}};
    if (items_.size() >= cap_ && !(s < items_.back())) return;
    s.text.assign(text.substr(0, 4096));
    auto pos = std::lower_bound(items_.begin(), items_.end(), s);
    items_.insert(pos, std::move(s));
    if (items_.size() > cap_) items_.pop_back();
}

void sample_set::merge(const sample_set& o) {
    for (const auto& s : o.items_) offer(s.file, s.line, s.text);
}

void distinct_set::offer(std::string_view s, uint32_t file, uint64_t line) {
    if (s.empty()) return;
    s = s.substr(0, 512);
    const sample_line at{file, line, {}};
    // Full and no earlier than the latest kept: it can neither take a place nor make a
    // kept string's first sighting earlier (every kept one is at or before the latest).
    // A worker offers its lines in order, so once full this is nearly every offer.
    const bool full = items_.size() >= cap_;
    if (full && (items_.empty() || !(at < items_[latest_].at))) return;
    bool changed = false;
    for (auto& i : items_)
        if (i.text == s) {
            if (!(at < i.at)) return;
            i.at = at;
            changed = true;
            break;
        }
    if (!changed) {
        if (full)
            items_[latest_] = item{std::string(s), at};  // an earlier string takes the latest's place
        else
            items_.push_back(item{std::string(s), at});
    }
    latest_ = static_cast<size_t>(std::max_element(items_.begin(), items_.end(),
                                                   [](const item& a, const item& b) { return a.at < b.at; }) -
                                  items_.begin());
}

std::vector<std::string> distinct_set::items() const {
    std::vector<const item*> order;
    for (const auto& i : items_) order.push_back(&i);
    std::sort(order.begin(), order.end(), [](const item* a, const item* b) { return a->at < b->at; });
    std::vector<std::string> out;
    for (const item* i : order) out.push_back(i->text);
    return out;
}

void distinct_set::merge(const distinct_set& o) {
    for (const auto& i : o.items_) offer(i.text, i.at.file, i.at.line);
}

int64_t time_sample::bucket_of(int64_t t) const {
    // Floor division: buckets of negative times are aligned too.
    return t >= 0 ? t / width_ : -((-(t + 1)) / width_) - 1;
}

void time_sample::add(int64_t t) {
    latest_ = std::max(latest_, t);
    if (!firsts_.empty() && bucket_of(firsts_.back()) == bucket_of(t)) {  // in-order input: mostly here
        firsts_.back() = std::min(firsts_.back(), t);
        return;
    }
    firsts_.push_back(t);
    if (firsts_.size() >= cap + cap / 2) compact();
}

void time_sample::compact() {
    std::sort(firsts_.begin(), firsts_.end());
    for (;;) {
        // Sorted, so the first of each bucket is its earliest.
        size_t k = 0;
        for (size_t i = 0; i < firsts_.size(); ++i)
            if (k == 0 || bucket_of(firsts_[k - 1]) != bucket_of(firsts_[i])) firsts_[k++] = firsts_[i];
        firsts_.resize(k);
        if (firsts_.size() <= cap) break;
        width_ *= 2;  // neighbouring buckets merge
    }
}

void time_sample::merge(const time_sample& o) {
    width_ = std::max(width_, o.width_);
    firsts_.insert(firsts_.end(), o.firsts_.begin(), o.firsts_.end());
    latest_ = std::max(latest_, o.latest_);
    compact();
}

int64_t time_sample::width() const {
    time_sample c = *this;
    c.compact();
    return c.width_;
}

std::vector<int64_t> time_sample::sorted() const {
    time_sample c = *this;  // const: safe to call from several threads
    c.compact();
    std::vector<int64_t> v = std::move(c.firsts_);
    if (!v.empty() && v.back() != latest_) v.push_back(latest_);
    return v;
}

void evidence_store::denial_group::merge(denial_group&& o) {
    count += o.count;
    samples.merge(o.samples);
    if (sample_line{o.rep_file, o.rep.line, {}} < sample_line{rep_file, rep.line, {}}) {
        rep = std::move(o.rep);
        rep_file = o.rep_file;
    }
}

void failure_group::merge(const failure_group& o) {
    count += o.count;
    first_ms = std::min(first_ms, o.first_ms);
    last_ms = std::max(last_ms, o.last_ms);
    samples.merge(o.samples);
    servers.merge(o.servers);
    hosts.merge(o.hosts);
    requests.merge(o.requests);
    times.merge(o.times);
}

namespace {

void append_int(std::string& out, long long v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

}  // namespace

void append_upstream_key(std::string& out, const parse::upstream_address& a) {
    // Appended piece by piece (no format string): this runs once per failure line.
    switch (a.kind) {
        case parse::transport::unix_socket:
            out += "unix:";
            out += a.path;
            return;
        case parse::transport::tcp:
            if (a.port < 0) break;
            if (a.host.find(':') != std::string_view::npos) {
                out += '[';
                out += a.host;
                out += "]:";
            } else {
                out += a.host;
                out += ':';
            }
            append_int(out, a.port);
            return;
        case parse::transport::name:
            break;
    }
    out += a.host;
}

std::string upstream_key(const parse::upstream_address& a) {
    std::string s;
    append_upstream_key(s, a);
    return s;
}

uint32_t evidence_store::group_for(const parse::upstream_failure& f, const parse::upstream_address& a) {
    // Built in a buffer kept between calls and looked up as a view in a hash table: this
    // runs once per failure line.
    key_.clear();
    append_int(key_, static_cast<int>(f.kind));
    key_ += '|';
    append_int(key_, static_cast<int>(f.phase));
    key_ += '|';
    append_int(key_, f.err);
    key_ += '|';
    const size_t prefix = key_.size();
    append_upstream_key(key_, a);
    if (auto it = group_index_.find(std::string_view(key_)); it != group_index_.end()) return it->second;
    failure_group g;
    g.kind = f.kind;
    g.phase = f.phase;
    g.err = f.err;
    g.address = key_.substr(prefix);
    g.transport = a.kind == parse::transport::unix_socket ? "unix" : "tcp";
    g.host = std::string(a.host);
    g.path = std::string(a.path);
    g.scheme = std::string(a.scheme);
    g.port = a.port;
    auto idx = static_cast<uint32_t>(groups_.size());
    groups_.push_back(std::move(g));
    group_index_.emplace(key_, idx);
    return idx;
}

void evidence_store::add_failure(const parse::nginx_line& l, const parse::upstream_failure& f, int64_t t,
                                 uint32_t file, uint64_t line, std::string_view raw) {
    if (!window_.contains(t)) {
        ++outside_window_;
        return;
    }
    parse::upstream_address a = parse::parse_upstream_address(
        f.kind == parse::failure_kind::resolve_failed && !f.resolve_name.empty() ? f.resolve_name
                                                                                 : f.address);
    if (f.kind == parse::failure_kind::resolve_failed) a.kind = parse::transport::name;
    uint32_t gi = group_for(f, a);
    failure_group& g = groups_[gi];
    ++g.count;
    g.first_ms = std::min(g.first_ms, t);
    g.last_ms = std::max(g.last_ms, t);
    g.samples.offer(file, line, raw);
    g.servers.offer(l.server, file, line);
    g.hosts.offer(l.host, file, line);
    g.requests.offer(l.request, file, line);
    g.times.add(t);
    // Only EACCES needs the per-line join with denials; every other cause is decided by
    // the line alone, so those lines cost no memory beyond their group.
    if (f.err == 13) candidates_.push_back({t, l.pid, gi, file, line});
}

bool evidence_store::is_nginx_denial(const parse::avc_denial& d) {
    return d.source_type == "httpd_t" || d.comm == "nginx";
}

namespace {

// The accesses an upstream connection needs; other denials of the NGINX domain are
// reported as unrelated.
bool is_upstream_access(const parse::avc_denial& d) {
    auto has = [&](std::string_view p) {
        return std::find(d.permissions.begin(), d.permissions.end(), p) != d.permissions.end();
    };
    if (d.tclass == "tcp_socket") return has("name_connect");
    if (d.tclass == "unix_stream_socket") return has("connectto");
    if (d.tclass == "sock_file") return has("write");
    return false;
}

}  // namespace

void evidence_store::add_denial(parse::avc_denial&& d, uint32_t file) {
    if (!window_.contains(d.time_ms)) {
        ++outside_window_;
        return;
    }
    if (!d.denied) return;
    if (!is_nginx_denial(d)) {
        ++other_domain_denials_;
        return;
    }
    if (!is_upstream_access(d)) {
        ++unrelated_nginx_denials_;
        std::string perms;
        for (const auto& p : d.permissions) perms += (perms.empty() ? "" : " ") + p;
        unrelated_samples_.offer(
            fmt::format("{{ {} }} {} -> {}:{}", perms, d.source_type, d.target_type, d.tclass), file, d.line);
        return;
    }
    std::string perms;
    for (const auto& p : d.permissions) perms += p + ",";
    std::string key = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}", d.source_type, d.target_type,
                                  d.tclass, perms, d.permissive, d.dest_port, d.saddr_port, d.fport,
                                  d.saddr_host, d.saddr_path, d.path, d.name);
    auto [it, fresh] =
        denial_index_.try_emplace(std::move(key), static_cast<uint32_t>(denial_groups_.size()));
    if (fresh) denial_groups_.emplace_back();
    denial_group& g = denial_groups_[it->second];
    ++g.count;
    g.samples.offer(file, d.line, d.text);
    denial_refs_.push_back({d.time_ms, d.pid, it->second});
    if (fresh || sample_line{file, d.line, {}} < sample_line{g.rep_file, g.rep.line, {}}) {
        g.rep = std::move(d);
        g.rep_file = file;
    }
}

namespace {

// Puts `items` in the order of their keys in `index` (key -> position) and rewrites the
// positions there; returns old position -> new position.
template <class T, class Index>
std::vector<uint32_t> reorder_by_key(std::vector<T>& items, Index& index) {
    std::vector<typename Index::value_type*> order;
    order.reserve(index.size());
    for (auto& e : index) order.push_back(&e);
    std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
    std::vector<uint32_t> remap(items.size());
    std::vector<T> sorted;
    sorted.reserve(items.size());
    for (auto* e : order) {
        remap[e->second] = static_cast<uint32_t>(sorted.size());
        sorted.push_back(std::move(items[e->second]));
        e->second = remap[e->second];
    }
    items = std::move(sorted);
    return remap;
}

}  // namespace

void evidence_store::canonicalize() {
    const auto remap = reorder_by_key(groups_, group_index_);
    for (auto& c : candidates_) c.group = remap[c.group];
    std::sort(candidates_.begin(), candidates_.end(), [](const join_candidate& a, const join_candidate& b) {
        return std::tie(a.file, a.line, a.time_ms, a.pid) < std::tie(b.file, b.line, b.time_ms, b.pid);
    });
    const auto dremap = reorder_by_key(denial_groups_, denial_index_);
    for (auto& r : denial_refs_) r.group = dremap[r.group];
}

void evidence_store::merge(evidence_store&& o) {
    std::vector<uint32_t> remap(o.groups_.size());
    for (const auto& [key, idx] : o.group_index_) {
        auto it = group_index_.find(key);
        if (it == group_index_.end()) {
            auto n = static_cast<uint32_t>(groups_.size());
            groups_.push_back(std::move(o.groups_[idx]));
            group_index_.emplace(key, n);
            remap[idx] = n;
        } else {
            groups_[it->second].merge(o.groups_[idx]);
            remap[idx] = it->second;
        }
    }
    for (auto c : o.candidates_) {
        c.group = remap[c.group];
        candidates_.push_back(c);
    }
    std::vector<uint32_t> dremap(o.denial_groups_.size());
    for (auto& [key, idx] : o.denial_index_) {
        auto [it, fresh] = denial_index_.try_emplace(key, static_cast<uint32_t>(denial_groups_.size()));
        if (fresh)
            denial_groups_.push_back(std::move(o.denial_groups_[idx]));
        else
            denial_groups_[it->second].merge(std::move(o.denial_groups_[idx]));
        dremap[idx] = it->second;
    }
    for (auto r : o.denial_refs_) {
        r.group = dremap[r.group];
        denial_refs_.push_back(r);
    }
    if (o.coverage_.first_ms != INT64_MAX) {
        coverage_.add(o.coverage_.first_ms);
        coverage_.add(o.coverage_.last_ms);
    }
    other_domain_denials_ += o.other_domain_denials_;
    unrelated_nginx_denials_ += o.unrelated_nginx_denials_;
    unrelated_samples_.merge(o.unrelated_samples_);
    outside_window_ += o.outside_window_;
}

}  // namespace why502::diagnose

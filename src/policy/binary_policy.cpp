// The binary policy read with libsepol: exact answers for one kernel policy file.
//
// libsepol only parses the file; every question is answered here from its structures
// (te_avtab, cond_list, type_attr_map, ocontexts). sepol_compute_av() is not used: it
// needs the global policydb/sidtab (sepol_set_policydb, not thread-safe, not exported by
// the shared library) and full contexts we do not have for most questions.
//
// What "allowed" means here: the type-enforcement decision the kernel's avtab lookup
// makes — unconditional allow rules plus the conditional rules whose expression
// evaluates, under the boolean values in use, to the branch they sit in. Constraints
// and MLS are not evaluated: for the accesses why502 reasons about (name_connect on a
// port type, connectto on a domain's stream socket, write on a sock_file) the reference
// policy's constraints are identity/MLS rules that a system_u:system_r:httpd_t:s0 worker
// meets; audit2why reports those separately as "constraint violation".
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "base/text.hpp"
#include "policy/image_check.hpp"
#include "policy/policy.hpp"
#include "policy/sepol_headers.hpp"
#include "policy/type_set.hpp"

namespace why502::policy {
namespace {

// The kernel's fixed numbering of initial SIDs: 9 is "port", whose context labels every
// port no portcon matches.
constexpr uint32_t port_initial_sid = 9;

// Larger than any real policy (Fedora's is ~10 MB); a bound so a wrong path cannot make
// us read a disk image into memory.
constexpr size_t max_policy_bytes = 256u << 20;

struct protocol_number {
    std::string_view name;
    uint8_t number;  // IPPROTO_*
};
constexpr protocol_number protocols[] = {
    {"tcp", 6},
    {"udp", 17},
    {"dccp", 33},
    {"sctp", 132},
};

// One allow rule of the avtab, flattened. Types are indexes (value - 1) and may be
// attributes.
struct rule {
    uint32_t src = 0;
    uint32_t tgt = 0;
    uint32_t perms = 0;
    int32_t cond = -1;   // index into conds_, -1: unconditional
    uint16_t cls = 0;    // class value
    bool branch = true;  // enabled when the condition evaluates to this
};

std::string base_name(const std::string& path) {
    auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// libsepol reports through a handle callback; we keep the last message to explain a
// rejected file in one line instead of letting it print to stderr.
void capture_sepol_message(void* arg, sepol_handle_t* /*handle*/, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));
void capture_sepol_message(void* arg, sepol_handle_t* /*handle*/, const char* fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    *static_cast<std::string*>(arg) = buf;
}

class sepol_policy final : public policy_view {
public:
    explicit sepol_policy(std::string path) : path_(std::move(path)) { policydb_init(&db_); }
    ~sepol_policy() override { policydb_destroy(&db_); }
    sepol_policy(const sepol_policy&) = delete;
    sepol_policy& operator=(const sepol_policy&) = delete;

    status read(std::vector<char>& image);

    std::string description() const override { return fmt::format("{} at {}", base_name(path_), path_); }
    bool assumed() const override { return false; }

    std::optional<std::string> canonical_type(std::string_view name) const override {
        auto t = type_index(name);
        if (!t) return std::nullopt;
        return std::string(type_name(*t));
    }

    std::optional<port_label> port_type(std::string_view proto, int port) const override;

    std::optional<bool> boolean_value(std::string_view name) const override {
        auto b = bool_index(name);
        if (!b) return std::nullopt;
        return state_[*b] != 0;
    }
    std::vector<std::string> boolean_names() const override {
        std::vector<std::string> out;
        for (uint32_t i = 0; i < db_.p_bools.nprim; ++i) out.emplace_back(db_.p_bool_val_to_name[i]);
        std::sort(out.begin(), out.end());
        return out;
    }
    bool booleans_from_host() const override { return from_host_; }
    void set_booleans(const boolean_overrides& values) override {
        for (auto& [name, value] : values)
            if (auto b = bool_index(name)) state_[*b] = value ? 1 : 0;
        from_host_ = true;
        std::lock_guard lk(delta_mu_);
        delta_cache_.clear();
        allowed_cache_.clear();
        choices_cache_.clear();
    }

    bool known_permission(std::string_view tclass, std::string_view perm) const override {
        auto c = class_value(tclass);
        return c && perm_bit(*c, perm) != 0;
    }
    bool permissive_type(std::string_view type) const override {
        auto t = type_index(type);
        // permissive_map is indexed by type value, not value - 1.
        return t && ebitmap_get_bit(&db_.permissive_map, *t + 1) != 0;
    }

    bool allowed(const access& a, const boolean_overrides& overrides) const override;
    std::vector<boolean_choice> boolean_choices(const access& a, bool count_grants) const override;
    std::vector<std::pair<std::string, std::string>> boolean_pairs_allowing(const access& a) const override;
    pair_delta boolean_delta(const boolean_overrides& change, const pair_filter& filter) const override;
    pair_delta compute_boolean_delta(const boolean_overrides& change, const pair_filter& filter) const;
    std::vector<boolean_choice> compute_boolean_choices(const access& a, bool count_grants) const;
    pair_delta compute_relabel_delta(std::string_view old_type, std::string_view new_type,
                                     std::string_view tclass, const boolean_overrides& overrides) const;
    pair_delta relabel_delta(std::string_view old_type, std::string_view new_type, std::string_view tclass,
                             const boolean_overrides& overrides) const override;
    std::vector<std::string> types_allowing(std::string_view source, std::string_view tclass,
                                            const std::vector<std::string>& perms,
                                            bool allow_conditional) const override;
    bool has_attribute(std::string_view type, std::string_view attr) const override;
    std::vector<std::string> attribute_members(std::string_view attr) const override;
    uint64_t pairs_on_target(std::string_view type, std::string_view tclass,
                             std::string_view except_source) const override;

private:
    // A resolved access question.
    struct query {
        uint32_t src = 0, tgt = 0;
        uint16_t cls = 0;
        uint32_t bit = 0;
    };

    uint32_t ntypes() const { return db_.p_types.nprim; }
    const char* type_name(uint32_t idx) const { return db_.p_type_val_to_name[idx]; }
    bool is_attribute(uint32_t idx) const {
        const type_datum_t* d = db_.type_val_to_struct[idx];
        return d != nullptr && d->flavor == TYPE_ATTRIB;
    }

    // Index of a type (aliases resolve to their primary); attributes only when asked.
    std::optional<uint32_t> type_index(std::string_view name, bool attribute_ok = false) const {
        if (name.empty() || name.find('\0') != std::string_view::npos) return std::nullopt;
        std::string key(name);
        auto* d = static_cast<type_datum_t*>(hashtab_search(db_.p_types.table, key.c_str()));
        if (d == nullptr || d->s.value == 0 || d->s.value > ntypes()) return std::nullopt;
        uint32_t idx = d->s.value - 1;
        if (is_attribute(idx) != attribute_ok) return std::nullopt;
        return idx;
    }
    std::optional<uint32_t> attribute_index(std::string_view name) const { return type_index(name, true); }
    std::optional<uint32_t> bool_index(std::string_view name) const {
        if (name.empty() || name.find('\0') != std::string_view::npos) return std::nullopt;
        std::string key(name);
        auto* d = static_cast<cond_bool_datum_t*>(hashtab_search(db_.p_bools.table, key.c_str()));
        if (d == nullptr || d->s.value == 0 || d->s.value > db_.p_bools.nprim) return std::nullopt;
        return d->s.value - 1;
    }
    std::optional<uint16_t> class_value(std::string_view name) const {
        if (name.empty() || name.find('\0') != std::string_view::npos) return std::nullopt;
        std::string key(name);
        auto* d = static_cast<class_datum_t*>(hashtab_search(db_.p_classes.table, key.c_str()));
        if (d == nullptr || d->s.value == 0 || d->s.value > db_.p_classes.nprim) return std::nullopt;
        return static_cast<uint16_t>(d->s.value);
    }
    // Access-vector bit of a permission of a class (its own or its common's); 0: none.
    uint32_t perm_bit(uint16_t cls, std::string_view perm) const {
        if (perm.empty() || perm.find('\0') != std::string_view::npos) return 0;
        const class_datum_t* c = db_.class_val_to_struct[cls - 1];
        if (c == nullptr) return 0;
        std::string key(perm);
        auto* p = static_cast<perm_datum_t*>(hashtab_search(c->permissions.table, key.c_str()));
        if (p == nullptr && c->comdatum != nullptr)
            p = static_cast<perm_datum_t*>(hashtab_search(c->comdatum->permissions.table, key.c_str()));
        if (p == nullptr || p->s.value == 0 || p->s.value > 32) return 0;
        return uint32_t{1} << (p->s.value - 1);
    }
    std::optional<query> resolve(const access& a) const {
        auto s = type_index(a.source);
        auto t = type_index(a.target);
        auto c = class_value(a.tclass);
        if (!s || !t || !c) return std::nullopt;
        uint32_t bit = perm_bit(*c, a.perm);
        if (bit == 0) return std::nullopt;
        return query{*s, *t, *c, bit};
    }

    // The type itself plus every attribute it carries.
    std::vector<uint32_t> attrs_list(uint32_t idx) const {
        std::vector<uint32_t> out;
        ebitmap_node_t* node = nullptr;
        unsigned int i = 0;
        ebitmap_for_each_positive_bit(&db_.type_attr_map[idx], node, i) out.push_back(i);
        if (std::find(out.begin(), out.end(), idx) == out.end()) out.push_back(idx);
        return out;
    }
    type_set attrs_set(uint32_t idx) const {
        type_set s(ntypes());
        for (uint32_t a : attrs_list(idx)) s.set(a);
        return s;
    }
    // Set algebra with what a rule's type or attribute stands for.
    void add_members(type_set& dst, uint32_t idx) const {
        if (is_attribute(idx))
            dst |= members_[idx];
        else
            dst.set(idx);
    }
    void remove_members(type_set& dst, uint32_t idx) const {
        if (is_attribute(idx))
            dst.subtract(members_[idx]);
        else
            dst.reset(idx);
    }
    bool members_intersect(const type_set& s, uint32_t idx) const {
        return is_attribute(idx) ? s.intersects(members_[idx]) : s.test(idx);
    }
    template <class F>
    void for_members_in(const type_set& filter, uint32_t idx, F&& f) const {
        if (is_attribute(idx))
            members_[idx].for_each_common(filter, f);
        else if (filter.test(idx))
            f(idx);
    }

    std::vector<uint8_t> state_with(const boolean_overrides& overrides) const {
        std::vector<uint8_t> s = state_;
        for (auto& [name, value] : overrides)
            if (auto b = bool_index(name)) s[*b] = value ? 1 : 0;
        return s;
    }
    // Each condition's value under `state`: 1 true, 0 false, -1 malformed (its rules
    // are then never enabled, as the kernel does).
    std::vector<int8_t> eval_conds(const std::vector<uint8_t>& state) const {
        std::vector<int8_t> out(conds_.size());
        for (size_t i = 0; i < conds_.size(); ++i) out[i] = eval_expr(conds_[i]->expr, state);
        return out;
    }
    static int8_t eval_expr(const cond_expr_t* e, const std::vector<uint8_t>& state) {
        std::array<bool, 2 * COND_EXPR_MAXDEPTH> stack{};
        size_t sp = 0;
        for (; e != nullptr; e = e->next) {
            if (e->expr_type == COND_BOOL) {
                if (sp == stack.size() || e->bool_value == 0 || e->bool_value > state.size()) return -1;
                stack[sp++] = state[e->bool_value - 1] != 0;
            } else if (e->expr_type == COND_NOT) {
                if (sp < 1) return -1;
                stack[sp - 1] = !stack[sp - 1];
            } else {
                if (sp < 2) return -1;
                bool b = stack[--sp];
                bool a = stack[sp - 1];
                bool r;
                switch (e->expr_type) {
                    case COND_OR:
                        r = a || b;
                        break;
                    case COND_AND:
                        r = a && b;
                        break;
                    case COND_XOR:
                        r = a != b;
                        break;
                    case COND_EQ:
                        r = a == b;
                        break;
                    case COND_NEQ:
                        r = a != b;
                        break;
                    default:
                        return -1;
                }
                stack[sp - 1] = r;
            }
        }
        return sp == 1 ? (stack[0] ? 1 : 0) : -1;
    }
    static bool enabled(const rule& r, const std::vector<int8_t>& cv) {
        return r.cond < 0 || cv[static_cast<size_t>(r.cond)] == (r.branch ? 1 : 0);
    }

    bool allowed_q(const query& q, const std::vector<int8_t>& cv) const;
    // Booleans named in the conditions of rules that could grant q.
    std::vector<uint32_t> candidate_booleans(const query& q) const;
    // Pairs the rules in `added` grant that are not allowed under `other` (the state
    // the change is compared with), restricted by the filter.
    uint64_t count_new_pairs(const std::vector<uint32_t>& added, const std::vector<int8_t>& other,
                             std::optional<uint32_t> only_source, std::optional<uint16_t> only_class) const;
    // Per permission bit: the sources allowed on `target` for class cls under cv.
    std::array<type_set, 32> sources_on(uint32_t target, uint16_t cls, const std::vector<int8_t>& cv) const;

    std::string path_;
    policydb_t db_{};
    std::vector<uint8_t> state_;  // boolean values by index
    // Findings ask the same few questions again and again (one per denial group, port
    // or fix), and some answers walk every (conditional) rule: answers are kept, cleared
    // when the booleans change. boolean_delta and relabel_delta share a map, their keys
    // start with "boolean" and "relabel".
    mutable std::mutex delta_mu_;
    mutable std::map<std::string, pair_delta, std::less<>> delta_cache_;
    mutable std::map<std::string, bool, std::less<>> allowed_cache_;
    mutable std::map<std::string, std::vector<boolean_choice>, std::less<>> choices_cache_;
    // The kept answer for `key`, or compute() kept and returned. Overrides go in the key.
    template <class V, class F>
    V remembered(std::map<std::string, V, std::less<>>& cache, std::string key,
                 const boolean_overrides& overrides, F&& compute) const {
        for (const auto& [name, value] : overrides) key += fmt::format("\n{}={}", name, value ? 1 : 0);
        {
            std::lock_guard lk(delta_mu_);
            if (auto it = cache.find(key); it != cache.end()) return it->second;
        }
        V v = compute();
        std::lock_guard lk(delta_mu_);
        cache.emplace(std::move(key), v);
        return v;
    }
    bool from_host_ = false;
    std::vector<rule> rules_;
    std::vector<std::vector<uint32_t>> by_class_;        // class value -> rule indexes
    std::vector<std::vector<uint32_t>> cond_by_source_;  // source index -> its conditional rules
    std::vector<const cond_node_t*> conds_;
    std::vector<type_set> members_;  // attribute index -> member types (empty for types)
};

status sepol_policy::read(std::vector<char>& image) {
    auto check = detail::check_policy_image(std::string_view(image.data(), image.size()));
    if (check.result == detail::image_check::verdict::implausible)
        return user_error{
            fmt::format("{}: not a usable binary SELinux policy (damaged: {})", path_, check.reason)};
    // Messages libsepol sends to its default handle (ebitmap_read's, among others) would
    // go to stderr; ours go through the handle below or nowhere.
    sepol_debug(0);
    std::string message;
    sepol_handle_t* handle = sepol_handle_create();
    if (handle == nullptr) return user_error{fmt::format("{}: out of memory reading the policy", path_)};
    sepol_msg_set_callback(handle, capture_sepol_message, &message);
    policy_file_t pf;
    policy_file_init(&pf);
    pf.type = PF_USE_MEMORY;
    pf.data = image.data();
    pf.len = image.size();
    pf.handle = handle;
    int rc = policydb_read(&db_, &pf, 0);
    sepol_handle_destroy(handle);
    if (rc != 0) {
        if (message.empty()) return user_error{fmt::format("{}: not a binary SELinux policy", path_)};
        // libsepol's text may quote bytes of the damaged file: one line, escaped.
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
        return user_error{fmt::format("{}: not a binary SELinux policy (libsepol: {})", path_,
                                      text::escape_terminal(message))};
    }
    if (db_.policy_type != POLICY_KERN)
        return user_error{fmt::format("{}: a policy module, not a binary SELinux kernel policy", path_)};
    if (db_.p_types.nprim == 0 || db_.p_types.nprim > 0xFFFF || db_.type_attr_map == nullptr ||
        db_.attr_type_map == nullptr)
        return user_error{fmt::format("{}: not a usable binary SELinux policy (no types)", path_)};

    state_.resize(db_.p_bools.nprim);
    for (uint32_t i = 0; i < db_.p_bools.nprim; ++i)
        state_[i] = db_.bool_val_to_struct[i] != nullptr && db_.bool_val_to_struct[i]->state != 0;

    members_.resize(ntypes());
    for (uint32_t i = 0; i < ntypes(); ++i) {
        if (!is_attribute(i)) continue;
        members_[i] = type_set(ntypes());
        ebitmap_node_t* node = nullptr;
        unsigned int t = 0;
        ebitmap_for_each_positive_bit(&db_.attr_type_map[i], node, t) {
            if (t < ntypes() && !is_attribute(t)) members_[i].set(t);
        }
    }

    // Flatten every allow rule once: the counting queries walk rules by class.
    auto valid = [&](const avtab_key_t& k) {
        return (k.specified & AVTAB_ALLOWED) != 0 && k.source_type >= 1 && k.source_type <= ntypes() &&
               k.target_type >= 1 && k.target_type <= ntypes() && k.target_class >= 1 &&
               k.target_class <= db_.p_classes.nprim;
    };
    rules_.reserve(db_.te_avtab.nel + db_.te_cond_avtab.nel);
    for (uint32_t b = 0; b < db_.te_avtab.nslot; ++b)
        for (avtab_ptr_t n = db_.te_avtab.htable[b]; n != nullptr; n = n->next)
            if (valid(n->key))
                rules_.push_back({static_cast<uint32_t>(n->key.source_type - 1u),
                                  static_cast<uint32_t>(n->key.target_type - 1u), n->datum.data, -1,
                                  n->key.target_class, true});
    cond_by_source_.resize(ntypes());
    for (const cond_node_t* c = db_.cond_list; c != nullptr; c = c->next) {
        auto ci = static_cast<int32_t>(conds_.size());
        conds_.push_back(c);
        for (int branch = 1; branch >= 0; --branch) {
            for (const cond_av_list_t* l = branch ? c->true_list : c->false_list; l != nullptr; l = l->next) {
                if (l->node == nullptr || !valid(l->node->key)) continue;
                auto ri = static_cast<uint32_t>(rules_.size());
                rules_.push_back({static_cast<uint32_t>(l->node->key.source_type - 1u),
                                  static_cast<uint32_t>(l->node->key.target_type - 1u), l->node->datum.data,
                                  ci, l->node->key.target_class, branch == 1});
                cond_by_source_[rules_.back().src].push_back(ri);
            }
        }
    }
    by_class_.resize(db_.p_classes.nprim + 1u);
    for (uint32_t i = 0; i < rules_.size(); ++i) by_class_[rules_[i].cls].push_back(i);
    return ok();
}

std::optional<port_label> sepol_policy::port_type(std::string_view proto, int port) const {
    if (port < 0 || port > 65535) return std::nullopt;
    const protocol_number* p = nullptr;
    for (auto& e : protocols)
        if (e.name == proto) p = &e;
    if (p == nullptr) return std::nullopt;
    std::optional<port_label> label;
    bool exact = false;
    for (const ocontext_t* o = db_.ocontexts[OCON_PORT]; o != nullptr; o = o->next) {
        if (o->u.port.protocol != p->number) continue;
        int low = o->u.port.low_port, high = o->u.port.high_port;
        if (low == port && high == port) exact = true;
        // The kernel takes the first record that matches (CIL writes them narrowest first).
        if (!label && low <= port && port <= high && o->context[0].type >= 1 &&
            o->context[0].type <= ntypes())
            label = port_label{type_name(o->context[0].type - 1), low, high, false, false};
    }
    if (!label) {
        for (const ocontext_t* o = db_.ocontexts[OCON_ISID]; o != nullptr; o = o->next)
            if (o->sid[0] == port_initial_sid && o->context[0].type >= 1 && o->context[0].type <= ntypes())
                label = port_label{type_name(o->context[0].type - 1), 0, 0, false, true};
        if (!label) return std::nullopt;
    }
    label->exact = exact;
    return label;
}

bool sepol_policy::allowed_q(const query& q, const std::vector<int8_t>& cv) const {
    auto sattrs = attrs_list(q.src);
    auto tattrs = attrs_list(q.tgt);
    for (uint32_t sa : sattrs) {
        for (uint32_t ta : tattrs) {
            avtab_key_t key{};
            key.source_type = static_cast<uint16_t>(sa + 1);
            key.target_type = static_cast<uint16_t>(ta + 1);
            key.target_class = q.cls;
            key.specified = AVTAB_ALLOWED;
            // avtab_search: libsepol's own hash lookup on the unconditional table.
            const avtab_datum_t* d = avtab_search(const_cast<avtab_t*>(&db_.te_avtab), &key);
            if (d != nullptr && (d->data & q.bit) != 0) return true;
            for (uint32_t ri : cond_by_source_[sa]) {
                const rule& r = rules_[ri];
                if (r.tgt == ta && r.cls == q.cls && (r.perms & q.bit) != 0 && enabled(r, cv)) return true;
            }
        }
    }
    return false;
}

bool sepol_policy::allowed(const access& a, const boolean_overrides& overrides) const {
    // Every fix of every finding is checked against the policy, mostly with the same
    // few accesses and overrides: answers are kept.
    return remembered(allowed_cache_, fmt::format("{}\n{}\n{}\n{}", a.source, a.target, a.tclass, a.perm),
                      overrides, [&] {
                          auto q = resolve(a);
                          return q && allowed_q(*q, eval_conds(state_with(overrides)));
                      });
}

std::vector<uint32_t> sepol_policy::candidate_booleans(const query& q) const {
    std::vector<uint32_t> out;
    for (uint32_t sa : attrs_list(q.src)) {
        for (uint32_t ta : attrs_list(q.tgt)) {
            for (uint32_t ri : cond_by_source_[sa]) {
                const rule& r = rules_[ri];
                if (r.tgt != ta || r.cls != q.cls || (r.perms & q.bit) == 0) continue;
                for (const cond_expr_t* e = conds_[static_cast<size_t>(r.cond)]->expr; e != nullptr;
                     e = e->next)
                    if (e->expr_type == COND_BOOL && e->bool_value >= 1 && e->bool_value <= state_.size())
                        out.push_back(e->bool_value - 1);
            }
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<boolean_choice> sepol_policy::boolean_choices(const access& a, bool count_grants) const {
    return remembered(choices_cache_,
                      fmt::format("{}\n{}\n{}\n{}\n{}", a.source, a.target, a.tclass, a.perm, count_grants),
                      {}, [&] { return compute_boolean_choices(a, count_grants); });
}

std::vector<boolean_choice> sepol_policy::compute_boolean_choices(const access& a, bool count_grants) const {
    std::vector<boolean_choice> out;
    auto q = resolve(a);
    if (!q || allowed_q(*q, eval_conds(state_))) return out;
    for (uint32_t b : candidate_booleans(*q)) {
        auto state = state_;
        state[b] = state[b] ? 0 : 1;
        if (!allowed_q(*q, eval_conds(state))) continue;
        std::string name = db_.p_bool_val_to_name[b];
        bool value = state[b] != 0;
        uint64_t grants = count_grants ? boolean_delta({{name, value}}, {}).gained : 0;
        out.push_back({std::move(name), value, grants});
    }
    std::sort(out.begin(), out.end(), [](const boolean_choice& x, const boolean_choice& y) {
        return x.grants != y.grants ? x.grants < y.grants : x.name < y.name;
    });
    return out;
}

std::vector<std::pair<std::string, std::string>> sepol_policy::boolean_pairs_allowing(const access& a) const {
    std::vector<std::pair<std::string, std::string>> out;
    auto q = resolve(a);
    if (!q || allowed_q(*q, eval_conds(state_))) return out;
    auto cands = candidate_booleans(*q);
    std::vector<uint32_t> alone_fails;
    for (uint32_t b : cands) {
        auto state = state_;
        state[b] = state[b] ? 0 : 1;
        if (!allowed_q(*q, eval_conds(state))) alone_fails.push_back(b);
    }
    std::vector<std::pair<uint64_t, std::pair<std::string, std::string>>> ranked;
    for (size_t i = 0; i < alone_fails.size(); ++i) {
        for (size_t j = i + 1; j < alone_fails.size(); ++j) {
            uint32_t b1 = alone_fails[i], b2 = alone_fails[j];
            auto state = state_;
            state[b1] = state[b1] ? 0 : 1;
            state[b2] = state[b2] ? 0 : 1;
            if (!allowed_q(*q, eval_conds(state))) continue;
            std::string n1 = db_.p_bool_val_to_name[b1], n2 = db_.p_bool_val_to_name[b2];
            uint64_t grants = boolean_delta({{n1, state[b1] != 0}, {n2, state[b2] != 0}}, {}).gained;
            ranked.push_back({grants, {std::move(n1), std::move(n2)}});
        }
    }
    std::sort(ranked.begin(), ranked.end());
    for (auto& r : ranked) out.push_back(std::move(r.second));
    return out;
}

uint64_t sepol_policy::count_new_pairs(const std::vector<uint32_t>& added, const std::vector<int8_t>& other,
                                       std::optional<uint32_t> only_source,
                                       std::optional<uint16_t> only_class) const {
    std::map<uint16_t, std::vector<uint32_t>> by_cls;
    for (uint32_t ri : added)
        if (!only_class || rules_[ri].cls == *only_class) by_cls[rules_[ri].cls].push_back(ri);
    uint64_t total = 0;
    type_set source_filter(ntypes());
    if (only_source) source_filter.set(*only_source);
    for (auto& [cls, list] : by_cls) {
        // (source type, permission bit) -> targets newly reachable, as a slot table:
        // row[s] is the first of the source's 32 per-bit slots, -1 until it has one.
        std::vector<int32_t> row(ntypes(), -1);
        std::vector<int32_t> slot;
        std::vector<type_set> gained;
        auto find_slot = [&](uint32_t s, uint32_t b) -> int32_t {
            int32_t r = row[s];
            return r < 0 ? -1 : slot[static_cast<size_t>(r) * 32 + b];
        };
        type_set sources(ntypes());
        // Per permission bit, every target gained by any source: an allowed rule whose
        // targets miss it cannot take anything away, which skips most of the class.
        std::array<type_set, 32> any_target;
        uint32_t gained_bits = 0;
        for (uint32_t ri : list) {
            const rule& r = rules_[ri];
            gained_bits |= r.perms;
            for (uint32_t bits = r.perms; bits != 0; bits &= bits - 1) {
                auto& u = any_target[static_cast<size_t>(std::countr_zero(bits))];
                if (u.unallocated()) u = type_set(ntypes());
                add_members(u, r.tgt);
            }
            auto add = [&](uint32_t s) {
                sources.set(s);
                if (row[s] < 0) {
                    row[s] = static_cast<int32_t>(slot.size() / 32);
                    slot.resize(slot.size() + 32, -1);
                }
                for (uint32_t bits = r.perms; bits != 0; bits &= bits - 1) {
                    int32_t& k =
                        slot[static_cast<size_t>(row[s]) * 32 + static_cast<size_t>(std::countr_zero(bits))];
                    if (k < 0) {
                        k = static_cast<int32_t>(gained.size());
                        gained.emplace_back(ntypes());
                    }
                    add_members(gained[static_cast<size_t>(k)], r.tgt);
                }
            };
            if (only_source)
                for_members_in(source_filter, r.src, add);
            else {
                type_set all(ntypes());
                add_members(all, r.src);
                all.for_each(add);
            }
        }
        // Remove what the other state already allows.
        for (uint32_t ri : by_class_[cls]) {
            const rule& r = rules_[ri];
            uint32_t overlap = 0;
            for (uint32_t bits = r.perms & gained_bits; bits != 0; bits &= bits - 1) {
                auto b = static_cast<uint32_t>(std::countr_zero(bits));
                if (members_intersect(any_target[b], r.tgt)) overlap |= uint32_t{1} << b;
            }
            if (overlap == 0 || !enabled(r, other) || !members_intersect(sources, r.src)) continue;
            for_members_in(sources, r.src, [&](uint32_t s) {
                for (uint32_t bits = overlap; bits != 0; bits &= bits - 1) {
                    int32_t k = find_slot(s, static_cast<uint32_t>(std::countr_zero(bits)));
                    if (k >= 0) remove_members(gained[static_cast<size_t>(k)], r.tgt);
                }
            });
        }
        for (auto& targets : gained) total += targets.count();
    }
    return total;
}

pair_delta sepol_policy::boolean_delta(const boolean_overrides& change, const pair_filter& filter) const {
    return remembered(delta_cache_, "boolean\n" + filter.source + '\n' + filter.tclass, change,
                      [&] { return compute_boolean_delta(change, filter); });
}

pair_delta sepol_policy::compute_boolean_delta(const boolean_overrides& change,
                                               const pair_filter& filter) const {
    std::optional<uint32_t> only_source;
    std::optional<uint16_t> only_class;
    if (!filter.source.empty()) {
        only_source = type_index(filter.source);
        if (!only_source) return {};
    }
    if (!filter.tclass.empty()) {
        only_class = class_value(filter.tclass);
        if (!only_class) return {};
    }
    auto before = eval_conds(state_);
    auto after = eval_conds(state_with(change));
    std::vector<uint32_t> switched_on, switched_off;
    for (uint32_t ri = 0; ri < rules_.size(); ++ri) {
        const rule& r = rules_[ri];
        if (r.cond < 0) continue;
        auto ci = static_cast<size_t>(r.cond);
        if (before[ci] == after[ci]) continue;
        bool was = enabled(r, before), now = enabled(r, after);
        if (now && !was) switched_on.push_back(ri);
        if (was && !now) switched_off.push_back(ri);
    }
    pair_delta d;
    d.gained = count_new_pairs(switched_on, before, only_source, only_class);
    d.lost = count_new_pairs(switched_off, after, only_source, only_class);
    return d;
}

std::array<type_set, 32> sepol_policy::sources_on(uint32_t target, uint16_t cls,
                                                  const std::vector<int8_t>& cv) const {
    std::array<type_set, 32> out;
    type_set tattrs = attrs_set(target);
    for (uint32_t ri : by_class_[cls]) {
        const rule& r = rules_[ri];
        if (!tattrs.test(r.tgt) || !enabled(r, cv)) continue;
        for (uint32_t bits = r.perms; bits != 0; bits &= bits - 1) {
            auto& s = out[static_cast<size_t>(std::countr_zero(bits))];
            if (s.unallocated()) s = type_set(ntypes());
            add_members(s, r.src);
        }
    }
    return out;
}

pair_delta sepol_policy::relabel_delta(std::string_view old_type, std::string_view new_type,
                                       std::string_view tclass, const boolean_overrides& overrides) const {
    return remembered(delta_cache_, fmt::format("relabel\n{}\n{}\n{}", old_type, new_type, tclass), overrides,
                      [&] { return compute_relabel_delta(old_type, new_type, tclass, overrides); });
}

pair_delta sepol_policy::compute_relabel_delta(std::string_view old_type, std::string_view new_type,
                                               std::string_view tclass,
                                               const boolean_overrides& overrides) const {
    auto c = class_value(tclass);
    if (!c) return {};
    auto cv = eval_conds(state_with(overrides));
    auto o = type_index(old_type);
    auto n = type_index(new_type);
    std::array<type_set, 32> before, after;
    if (o) before = sources_on(*o, *c, cv);
    if (n) after = sources_on(*n, *c, cv);
    pair_delta d;
    for (size_t b = 0; b < 32; ++b) {
        d.gained += after[b].count_without(before[b]);
        d.lost += before[b].count_without(after[b]);
    }
    return d;
}

std::vector<std::string> sepol_policy::types_allowing(std::string_view source, std::string_view tclass,
                                                      const std::vector<std::string>& perms,
                                                      bool allow_conditional) const {
    std::vector<std::string> out;
    auto s = type_index(source);
    auto c = class_value(tclass);
    if (!s || !c || perms.empty()) return out;
    std::vector<uint32_t> bits;
    for (auto& p : perms) {
        uint32_t bit = perm_bit(*c, p);
        if (bit == 0) return out;
        bits.push_back(bit);
    }
    auto cv = eval_conds(state_);
    type_set sattrs = attrs_set(*s);
    std::vector<type_set> reach(bits.size(), type_set(ntypes()));
    for (uint32_t ri : by_class_[*c]) {
        const rule& r = rules_[ri];
        if (!sattrs.test(r.src)) continue;
        if (r.cond >= 0 && !(allow_conditional && enabled(r, cv))) continue;
        for (size_t k = 0; k < bits.size(); ++k)
            if ((r.perms & bits[k]) != 0) add_members(reach[k], r.tgt);
    }
    type_set all = reach[0];
    for (size_t k = 1; k < reach.size(); ++k) all &= reach[k];
    all.for_each([&](uint32_t t) { out.emplace_back(type_name(t)); });
    std::sort(out.begin(), out.end());
    return out;
}

bool sepol_policy::has_attribute(std::string_view type, std::string_view attr) const {
    auto t = type_index(type);
    auto a = attribute_index(attr);
    return t && a && ebitmap_get_bit(&db_.type_attr_map[*t], *a) != 0;
}

std::vector<std::string> sepol_policy::attribute_members(std::string_view attr) const {
    std::vector<std::string> out;
    auto a = attribute_index(attr);
    if (!a) return out;
    members_[*a].for_each([&](uint32_t t) { out.emplace_back(type_name(t)); });
    std::sort(out.begin(), out.end());
    return out;
}

uint64_t sepol_policy::pairs_on_target(std::string_view type, std::string_view tclass,
                                       std::string_view except_source) const {
    auto t = type_index(type);
    auto c = class_value(tclass);
    if (!t || !c) return 0;
    auto sources = sources_on(*t, *c, eval_conds(state_));
    auto except = except_source.empty() ? std::nullopt : type_index(except_source);
    uint64_t n = 0;
    for (auto& s : sources) {
        n += s.count();
        if (except && s.test(*except)) --n;
    }
    return n;
}

result<std::vector<char>> read_file(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return user_error{fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
    std::vector<char> data;
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        if (data.size() + n > max_policy_bytes) {
            std::fclose(f);
            return user_error{fmt::format("{}: not a binary SELinux policy (larger than {} MiB)", path,
                                          max_policy_bytes >> 20)};
        }
        data.insert(data.end(), buf, buf + n);
    }
    bool failed = std::ferror(f) != 0;
    int err = errno;
    std::fclose(f);
    if (failed) return user_error{fmt::format("{}: cannot read: {}", path, std::strerror(err))};
    return data;
}

}  // namespace

result<std::unique_ptr<policy_view>> load_binary_image(const std::string& name, std::vector<char> image) {
    try {
        if (image.size() < 8) return user_error{fmt::format("{}: not a binary SELinux policy", name)};
        auto p = std::make_unique<sepol_policy>(name);
        if (auto st = p->read(image); !st) return st.error();
        return std::unique_ptr<policy_view>(std::move(p));
    } catch (const std::exception& e) {
        return user_error{fmt::format("{}: cannot load the policy: {}", name, e.what())};
    }
}

result<std::unique_ptr<policy_view>> load_binary(const std::string& path) {
    try {
        auto data = read_file(path);
        if (!data) return data.error();
        return load_binary_image(path, std::move(data.value()));
    } catch (const std::exception& e) {
        return user_error{fmt::format("{}: cannot load the policy: {}", path, e.what())};
    }
}

// Live mode reads what libselinux's is_selinux_enabled / selinux_current_policy_path /
// selinux_binary_policy_path / security_get_boolean_active read, from selinuxfs
// directly: why502_policy does not link libselinux (CMake gives the stage libsepol
// only, and a libselinux dependency through another stage lands before this archive on
// the link line).
namespace {

std::optional<std::string> read_small(const std::string& path, size_t limit = 4096) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return std::nullopt;
    std::string out(limit, '\0');
    size_t n = std::fread(out.data(), 1, limit, f);
    std::fclose(f);
    out.resize(n);
    return out;
}

std::string first_word(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    size_t e = s.find_first_of(" \t\r\n", b);
    return s.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

// SELINUXTYPE from /etc/selinux/config ("targeted", "default", ...).
std::string configured_policy_type() {
    auto text = read_small("/etc/selinux/config", 65536);
    if (!text) return {};
    size_t pos = 0;
    while (pos < text->size()) {
        size_t nl = text->find('\n', pos);
        std::string line = text->substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? text->size() : nl + 1;
        if (line.rfind("SELINUXTYPE=", 0) == 0) return first_word(line.substr(12));
    }
    return {};
}

}  // namespace

result<std::unique_ptr<policy_view>> load_live() {
    std::string mnt;
    for (const char* m : {"/sys/fs/selinux", "/selinux"}) {
        if (read_small(std::string(m) + "/enforce")) {
            mnt = m;
            break;
        }
    }
    if (mnt.empty())
        return user_error{
            "SELinux is disabled on this host: no policy is loaded (name one with --policy FILE)"};
    // The kernel exports the loaded policy (root only); else the file it was loaded from.
    std::string path = mnt + "/policy";
    if (!read_small(path, 8)) {
        auto vers = read_small(mnt + "/policyvers");
        std::string type = configured_policy_type();
        if (!vers || type.empty() || type.find('/') != std::string::npos)
            return user_error{
                fmt::format("{}: cannot read the loaded policy (run as root, or name it with --policy "
                            "FILE)",
                            path)};
        path = fmt::format("/etc/selinux/{}/policy/policy.{}", type, first_word(*vers));
    }
    auto loaded = load_binary(path);
    if (!loaded) return loaded.error();
    // audit2why reads the values stored in the file (the persistent defaults); the
    // running kernel may differ after a `setsebool` without -P, so take the live ones:
    // each booleans/NAME file holds "current pending".
    boolean_overrides current;
    for (auto& name : (*loaded)->boolean_names()) {
        auto v = read_small(mnt + "/booleans/" + name, 64);
        if (!v) continue;
        std::string w = first_word(*v);
        if (w == "0" || w == "1") current[name] = w == "1";
    }
    (*loaded)->set_booleans(current);
    return loaded;
}

}  // namespace why502::policy

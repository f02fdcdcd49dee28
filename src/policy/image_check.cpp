// The kernel policy format up to the end of the symbol tables, as libsepol's
// policydb_read reads it (policydb.c: common_read, class_read, role_read, type_read,
// user_read, cond_read_bool, sens_read, cat_read; ebitmap_read; read_cons_helper).
#include "policy/image_check.hpp"

#include <cstring>

#include <fmt/format.h>

#include "policy/sepol_headers.hpp"

#include <sepol/policydb/constraint.h>

namespace why502::policy::detail {
namespace {

// More primaries than entries happens only through gaps; a real policy has none to
// speak of. This bound keeps libsepol's gap walk trivial.
constexpr uint64_t max_gap = 4096;

class cursor {
public:
    explicit cursor(std::string_view data) : d_(data) {}
    bool u32(uint32_t& v) {
        if (d_.size() - pos_ < 4) return false;
        unsigned char b[4];
        std::memcpy(b, d_.data() + pos_, 4);
        v = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
        pos_ += 4;
        return true;
    }
    bool skip(uint64_t n) {
        if (d_.size() - pos_ < n) return false;
        pos_ += static_cast<size_t>(n);
        return true;
    }

private:
    std::string_view d_;
    size_t pos_ = 0;
};

bool ebitmap(cursor& c) {
    uint32_t mapsize, highbit, count;
    if (!c.u32(mapsize) || !c.u32(highbit) || !c.u32(count)) return false;
    return c.skip(uint64_t{count} * 12);  // (u32 startbit, u64 map) each
}

bool type_set(cursor& c) {
    uint32_t flags;
    return ebitmap(c) && ebitmap(c) && c.u32(flags);
}

bool mls_level(cursor& c) {
    uint32_t sens;
    return c.u32(sens) && ebitmap(c);
}

bool mls_range(cursor& c) {
    uint32_t items;
    if (!c.u32(items) || items == 0 || items > 2 || !c.skip(uint64_t{items} * 4)) return false;
    if (!ebitmap(c)) return false;
    return items == 1 || ebitmap(c);
}

bool perms(cursor& c, uint32_t nel) {
    for (uint32_t i = 0; i < nel; ++i) {
        uint32_t len, value;
        if (!c.u32(len) || !c.u32(value) || !c.skip(len)) return false;
    }
    return true;
}

bool constraints(cursor& c, uint32_t ncons, uint32_t vers) {
    for (uint32_t i = 0; i < ncons; ++i) {
        uint32_t perms_mask, nexpr;
        if (!c.u32(perms_mask) || !c.u32(nexpr)) return false;
        for (uint32_t j = 0; j < nexpr; ++j) {
            uint32_t type, attr, op;
            if (!c.u32(type) || !c.u32(attr) || !c.u32(op)) return false;
            if (type == CEXPR_NAMES) {
                if (!ebitmap(c)) return false;
                if (vers >= POLICYDB_VERSION_CONSTRAINT_NAMES && !type_set(c)) return false;
            } else if (type < CEXPR_NOT || type > CEXPR_NAMES) {
                return false;
            }
        }
    }
    return true;
}

bool entry(cursor& c, int sym, uint32_t vers) {
    bool boundary = vers >= POLICYDB_VERSION_BOUNDARY;
    uint32_t len = 0, a = 0, b = 0, d = 0, nel = 0, ncons = 0;
    switch (sym) {
        case SYM_COMMONS:  // len value nprim nel, name, perms
            return c.u32(len) && c.u32(a) && c.u32(b) && c.u32(nel) && c.skip(len) && perms(c, nel);
        case SYM_CLASSES: {  // len len2 value nprim nel ncons, name, common, perms, constraints...
            uint32_t len2;
            if (!c.u32(len) || !c.u32(len2) || !c.u32(a) || !c.u32(b) || !c.u32(nel) || !c.u32(ncons))
                return false;
            if (!c.skip(len) || !c.skip(len2) || !perms(c, nel) || !constraints(c, ncons, vers)) return false;
            if (vers >= POLICYDB_VERSION_VALIDATETRANS && (!c.u32(ncons) || !constraints(c, ncons, vers)))
                return false;
            if (vers >= POLICYDB_VERSION_NEW_OBJECT_DEFAULTS && !c.skip(12)) return false;
            if (vers >= POLICYDB_VERSION_DEFAULT_TYPE && !c.skip(4)) return false;
            return true;
        }
        case SYM_ROLES:  // len value [bounds], name, dominates, types
            return c.u32(len) && c.u32(a) && (!boundary || c.u32(b)) && c.skip(len) && ebitmap(c) &&
                   ebitmap(c);
        case SYM_TYPES:  // len value properties bounds | len value primary, name
            return c.u32(len) && c.u32(a) && c.u32(b) && (!boundary || c.u32(d)) && c.skip(len);
        case SYM_USERS:  // len value [bounds], name, roles, range, default level
            if (!c.u32(len) || !c.u32(a) || (boundary && !c.u32(b)) || !c.skip(len) || !ebitmap(c))
                return false;
            return vers < POLICYDB_VERSION_MLS || (mls_range(c) && mls_level(c));
        case SYM_BOOLS:  // value state len, name
            return c.u32(a) && c.u32(b) && c.u32(len) && c.skip(len);
        case SYM_LEVELS:  // len isalias, name, level
            return c.u32(len) && c.u32(a) && c.skip(len) && mls_level(c);
        case SYM_CATS:  // len value isalias, name
            return c.u32(len) && c.u32(a) && c.u32(b) && c.skip(len);
        default:
            return false;
    }
}

}  // namespace

image_check check_policy_image(std::string_view image) {
    image_check out;
    cursor c(image);
    uint32_t magic, len;
    if (!c.u32(magic) || magic != POLICYDB_MAGIC || !c.u32(len) || len > 64 || !c.skip(len)) {
        out.reason = "not a kernel policy header";
        return out;
    }
    uint32_t vers, config, sym_num, ocon_num;
    if (!c.u32(vers) || !c.u32(config) || !c.u32(sym_num) || !c.u32(ocon_num) ||
        vers < POLICYDB_VERSION_MIN || vers > POLICYDB_VERSION_MAX || sym_num > SYM_NUM) {
        out.reason = "unknown version or table count";
        return out;
    }
    if (vers >= POLICYDB_VERSION_POLCAP && !ebitmap(c)) return out;
    if (vers >= POLICYDB_VERSION_PERMISSIVE && !ebitmap(c)) return out;
    for (uint32_t sym = 0; sym < sym_num; ++sym) {
        uint32_t nprim, nel;
        if (!c.u32(nprim) || !c.u32(nel)) {
            out.reason = fmt::format("symbol table {} truncated", sym);
            return out;
        }
        if (uint64_t{nprim} > uint64_t{nel} + max_gap) {
            out.result = image_check::verdict::implausible;
            out.reason = fmt::format("symbol table {} declares {} values for {} names", sym, nprim, nel);
            return out;
        }
        for (uint32_t i = 0; i < nel; ++i) {
            if (!entry(c, static_cast<int>(sym), vers)) {
                out.reason = fmt::format("symbol table {} entry {} not understood", sym, i);
                return out;
            }
        }
        ++out.symtabs_read;
    }
    out.result = image_check::verdict::plausible;
    return out;
}

}  // namespace why502::policy::detail

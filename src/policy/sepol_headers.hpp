// libsepol's policydb headers, for the binary-policy implementation only.
//
// Everything used from here (policydb_read, policy_file_init, the avtab, cond_list,
// ebitmap and hashtab structures and walkers) is internal to libsepol: the shared
// library's version script does not export it, which is why CMake links the static
// libsepol.a into why502_policy.
//
// conditional.h names a struct member `bool` (cond_expr_t), a keyword in C++. The macro
// renames that member for this inclusion only; the layout is unchanged.
#pragma once

#include <sepol/debug.h>
#include <sepol/handle.h>
#include <sepol/policydb/avtab.h>
#include <sepol/policydb/ebitmap.h>
#include <sepol/policydb/hashtab.h>
#include <sepol/policydb/policydb.h>

#define bool bool_value  // NOLINT(cppcoreguidelines-macro-usage)
#include <sepol/policydb/conditional.h>
#undef bool
